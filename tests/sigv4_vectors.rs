//! AWS's SigV4 test vectors, run on the native core through `sign` and
//! through a `Signer` with its signing-key cache.

mod common;

use std::cell::RefCell;

use common::sigv4_cases::{self as cases, SigningBackend};
use common::vectors_dir;
use rolechain::sigv4::{self, PathEncoding, Payload, SessionTokenMode, SigningOptions};
use rolechain::{Credentials, HttpRequest};

fn request_from_case(request: &cases::Request) -> HttpRequest {
    HttpRequest {
        method: request.method.clone(),
        url: request.url.clone(),
        headers: request.headers.clone(),
        body: request.body.clone(),
    }
}

fn credentials_from_case(credentials: &cases::Credentials) -> Credentials {
    let core = Credentials::new(&credentials.access_key_id, &credentials.secret_access_key);
    match &credentials.session_token {
        Some(token) => core.with_session_token(token),
        None => core,
    }
}

fn options_from_case(options: &cases::Options) -> SigningOptions {
    SigningOptions {
        presign_expires: options.presign_expires,
        path_encoding: match options.path_encoding {
            cases::PathEncoding::Double => PathEncoding::Double,
            cases::PathEncoding::Single => PathEncoding::Single,
        },
        normalize_path: options.normalize_path,
        payload: match &options.payload {
            cases::Payload::Hash => Payload::Hash,
            cases::Payload::Unsigned => Payload::Unsigned,
            cases::Payload::Precomputed(hash) => Payload::Precomputed(hash.clone()),
        },
        content_sha256_header: options.content_sha256_header,
        session_token_mode: if options.session_token_after_signing {
            SessionTokenMode::AfterSigning
        } else {
            SessionTokenMode::Signed
        },
        ..SigningOptions::new(&options.region, &options.service, options.time_ms)
    }
}

fn signed_to_case(signed: sigv4::SignedRequest) -> cases::Signed {
    cases::Signed {
        url: signed.url,
        headers: signed.headers,
        signature: signed.signature,
        canonical_request: signed.canonical_request,
        string_to_sign: signed.string_to_sign,
    }
}

/// The core's `sign` function.
struct NativeSign;

impl SigningBackend for NativeSign {
    fn sign(
        &self,
        request: &cases::Request,
        credentials: &cases::Credentials,
        options: &cases::Options,
    ) -> Result<cases::Signed, String> {
        sigv4::sign(
            &request_from_case(request),
            &credentials_from_case(credentials),
            &options_from_case(options),
        )
        .map(signed_to_case)
        .map_err(|e| e.to_string())
    }
}

/// One `Signer` per set of credentials, kept across cases, so most cases
/// sign with a cached signing key.
#[derive(Default)]
struct NativeSigner {
    signers: RefCell<Vec<(cases::Credentials, sigv4::Signer)>>,
    /// Every (access key, token, date, region, service) signed for.
    scopes: RefCell<Vec<String>>,
}

impl SigningBackend for NativeSigner {
    fn sign(
        &self,
        request: &cases::Request,
        credentials: &cases::Credentials,
        options: &cases::Options,
    ) -> Result<cases::Signed, String> {
        let date = &rolechain::time::format_amz_date(options.time_ms)[..8];
        let scope = format!(
            "{} {:?} {date}/{}/{}",
            credentials.access_key_id, credentials.session_token, options.region, options.service
        );
        let mut scopes = self.scopes.borrow_mut();
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
        let mut signers = self.signers.borrow_mut();
        let index = match signers.iter().position(|(c, _)| c == credentials) {
            Some(index) => index,
            None => {
                let signer = sigv4::Signer::new(credentials_from_case(credentials));
                signers.push((credentials.clone(), signer));
                signers.len() - 1
            }
        };
        signers[index]
            .1
            .sign(&request_from_case(request), &options_from_case(options))
            .map(signed_to_case)
            .map_err(|e| e.to_string())
    }
}

impl NativeSigner {
    fn cached_key_count(&self) -> usize {
        self.signers
            .borrow()
            .iter()
            .map(|(_, signer)| signer.cached_key_count())
            .sum()
    }
}

#[test]
fn signing_test_suite_v4() {
    let Some(dir) = vectors_dir("sigv4/aws-signing-test-suite-v4") else {
        return;
    };
    cases::run_signing_test_suite(&dir, &NativeSign).assert_passed(cases::SIGNING_TEST_SUITE_CASES);
}

#[test]
fn signing_test_suite_v4_with_signer() {
    let Some(dir) = vectors_dir("sigv4/aws-signing-test-suite-v4") else {
        return;
    };
    let backend = NativeSigner::default();
    cases::run_signing_test_suite(&dir, &backend).assert_passed(cases::SIGNING_TEST_SUITE_CASES);
    // Each signer derived one key per scope it signed for, however many
    // cases used that scope.
    let scopes = backend.scopes.borrow().len();
    assert!(scopes < cases::SIGNING_TEST_SUITE_CASES, "{scopes} scopes");
    assert_eq!(backend.cached_key_count(), scopes);
}

#[test]
fn legacy_test_suite() {
    let Some(dir) = vectors_dir("sigv4/aws4-testsuite-legacy") else {
        return;
    };
    cases::run_legacy_test_suite(&dir, &NativeSign).assert_passed(cases::LEGACY_TEST_SUITE_CASES);
}

#[test]
fn legacy_test_suite_with_signer() {
    let Some(dir) = vectors_dir("sigv4/aws4-testsuite-legacy") else {
        return;
    };
    let backend = NativeSigner::default();
    cases::run_legacy_test_suite(&dir, &backend).assert_passed(cases::LEGACY_TEST_SUITE_CASES);
    assert_eq!(backend.cached_key_count(), backend.scopes.borrow().len());
}

#[test]
fn s3_documentation_examples() {
    let Some(file) = vectors_dir("sigv4/s3-documentation-examples.json") else {
        return;
    };
    cases::run_s3_examples(&file, &NativeSign).assert_passed(cases::S3_EXAMPLE_CASES);
}

/// The runner must fail when the signer is wrong: a backend that breaks
/// one thing at a time has to be caught by each suite.
#[test]
fn runner_catches_wrong_signers() {
    struct Broken(fn(&mut cases::Signed));
    impl SigningBackend for Broken {
        fn sign(
            &self,
            request: &cases::Request,
            credentials: &cases::Credentials,
            options: &cases::Options,
        ) -> Result<cases::Signed, String> {
            let mut signed = NativeSign.sign(request, credentials, options)?;
            (self.0)(&mut signed);
            Ok(signed)
        }
    }
    let breakages: [fn(&mut cases::Signed); 3] = [
        |signed| signed.signature.replace_range(0..1, "x"),
        |signed| signed.canonical_request.push(' '),
        |signed| signed.headers.retain(|(name, _)| name != "authorization"),
    ];

    let Some(v4) = vectors_dir("sigv4/aws-signing-test-suite-v4") else {
        return;
    };
    let Some(legacy) = vectors_dir("sigv4/aws4-testsuite-legacy") else {
        return;
    };
    for (index, breakage) in breakages.into_iter().enumerate() {
        let backend = Broken(breakage);
        let report = cases::run_signing_test_suite(&v4, &backend);
        assert!(
            !report.failures.is_empty(),
            "v4 suite missed breakage {index}"
        );
        let report = cases::run_legacy_test_suite(&legacy, &backend);
        assert!(
            !report.failures.is_empty(),
            "legacy suite missed breakage {index}"
        );
    }

    // A backend that always fails must fail every case.
    struct Failing;
    impl SigningBackend for Failing {
        fn sign(
            &self,
            _: &cases::Request,
            _: &cases::Credentials,
            _: &cases::Options,
        ) -> Result<cases::Signed, String> {
            Err("not implemented".into())
        }
    }
    let report = cases::run_legacy_test_suite(&legacy, &Failing);
    assert_eq!(report.failures.len(), cases::LEGACY_TEST_SUITE_CASES);
}
