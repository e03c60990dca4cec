//! The shared test vectors, run on the component through wasmtime: the same
//! SigV4 case runner as the native tests, and the file location cases
//! through `config-locations`.

#[path = "../../../tests/common/mod.rs"]
mod common;

use std::cell::RefCell;

use common::sigv4_cases::{self as cases, SigningBackend};
use common::vectors_dir;
use rolechain_cli::runtime::planning::Platform;
use rolechain_cli::runtime::signing::{PathEncoding, Payload, SessionTokenMode, SigningOptions};
use rolechain_cli::runtime::types::{Credentials, HttpRequest};
use rolechain_cli::runtime::Runtime;
use serde_json::Value;

/// Signs through the component's free `sign` function.
struct ComponentBackend(RefCell<Runtime>);

impl SigningBackend for ComponentBackend {
    fn sign(
        &self,
        request: &cases::Request,
        credentials: &cases::Credentials,
        options: &cases::Options,
    ) -> Result<cases::Signed, String> {
        let request = HttpRequest {
            method: request.method.clone(),
            url: request.url.clone(),
            headers: request.headers.clone(),
            body: request.body.clone(),
        };
        let credentials = Credentials {
            access_key_id: credentials.access_key_id.clone(),
            secret_access_key: credentials.secret_access_key.clone(),
            session_token: credentials.session_token.clone(),
            expiration: None,
            account_id: None,
        };
        let options = SigningOptions {
            region: options.region.clone(),
            service: options.service.clone(),
            time: options.time_ms,
            presign_expires: options.presign_expires,
            path_encoding: match options.path_encoding {
                cases::PathEncoding::Double => PathEncoding::Double,
                cases::PathEncoding::Single => PathEncoding::Single,
            },
            normalize_path: options.normalize_path,
            payload: match &options.payload {
                cases::Payload::Hash => Payload::HashBody,
                cases::Payload::Unsigned => Payload::Unsigned,
                cases::Payload::Precomputed(hash) => Payload::Precomputed(hash.clone()),
            },
            content_sha256_header: options.content_sha256_header,
            session_token_mode: if options.session_token_after_signing {
                SessionTokenMode::AfterSigning
            } else {
                SessionTokenMode::Signed
            },
            unsigned_headers: Vec::new(),
        };
        let mut runtime = self.0.borrow_mut();
        let runtime = &mut *runtime;
        let signed = runtime
            .guest
            .rolechain_aws_signing()
            .call_sign(&mut runtime.store, &request, &credentials, &options)
            .map_err(|e| format!("the component trapped: {e}"))?
            .map_err(|e| format!("{e:?}"))?;
        Ok(cases::Signed {
            url: signed.url,
            headers: signed.headers,
            signature: signed.signature,
            canonical_request: signed.canonical_request,
            string_to_sign: signed.string_to_sign,
        })
    }
}

fn backend() -> ComponentBackend {
    ComponentBackend(RefCell::new(Runtime::new().expect("the component loads")))
}

#[test]
fn signing_test_suite_on_component() {
    let Some(dir) = vectors_dir("sigv4/aws-signing-test-suite-v4") else {
        return;
    };
    cases::run_signing_test_suite(&dir, &backend()).assert_passed(cases::SIGNING_TEST_SUITE_CASES);
}

#[test]
fn legacy_test_suite_on_component() {
    let Some(dir) = vectors_dir("sigv4/aws4-testsuite-legacy") else {
        return;
    };
    cases::run_legacy_test_suite(&dir, &backend()).assert_passed(cases::LEGACY_TEST_SUITE_CASES);
}

#[test]
fn s3_examples_on_component() {
    let Some(file) = vectors_dir("sigv4/s3-documentation-examples.json") else {
        return;
    };
    cases::run_s3_examples(&file, &backend()).assert_passed(cases::S3_EXAMPLE_CASES);
}

#[test]
fn file_locations_on_component() {
    let Some(file) = vectors_dir("aws-config/file-location-tests.json") else {
        return;
    };
    let text = std::fs::read_to_string(file).unwrap();
    let suite: Value = serde_json::from_str(&text).unwrap();
    let tests = suite["tests"].as_array().expect("a `tests` array");
    assert_eq!(tests.len(), 9, "file-location-tests.json case count");

    let mut runtime = Runtime::new().unwrap();
    let mut failures = Vec::new();
    for case in tests {
        let name = case["name"].as_str().unwrap_or("?");
        let environment: Vec<(String, String)> = case["environment"]
            .as_object()
            .map(|env| {
                env.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect()
            })
            .unwrap_or_default();
        let platform = match case["platform"].as_str() {
            Some("windows") => Platform::Windows,
            _ => Platform::Unix,
        };
        let locations = runtime.config_locations(&environment, platform).unwrap();
        let expected_config = case["configLocation"].as_str().unwrap();
        let expected_credentials = case["credentialsLocation"].as_str().unwrap();
        if locations.config_file != expected_config {
            failures.push(format!("{name}: config `{}`", locations.config_file));
        }
        if locations.credentials_file != expected_credentials {
            failures.push(format!(
                "{name}: credentials `{}`",
                locations.credentials_file
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "file location cases failed:\n{}",
        failures.join("\n")
    );
}
