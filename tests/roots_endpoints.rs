//! IMDS and container endpoint selection against the AWS SDKs' shared test
//! tables (`ecs-tests.json`, `imds-config/imds-endpoint-tests.json`).
//!
//! The tables hold the Rust SDK's error wording, so error cases check that
//! selection fails, not the words.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use rolechain::roots::{container, imds};
use serde_json::Value;

fn load(path: PathBuf) -> Vec<Value> {
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let doc: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()));
    doc["tests"].as_array().cloned().expect("a `tests` array")
}

fn env_of(case: &Value) -> Vec<(String, String)> {
    case["env"]
        .as_object()
        .map(|map| {
            map.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// Reads the `[default]` keys of the config file named by `AWS_CONFIG_FILE` in
/// the case's virtual file system. The cases use only `key = value` lines.
fn default_profile(case: &Value) -> BTreeMap<String, String> {
    let mut keys = BTreeMap::new();
    let Some(file) = case["env"]["AWS_CONFIG_FILE"].as_str() else {
        return keys;
    };
    let Some(text) = case["fs"][file].as_str() else {
        return keys;
    };
    let mut in_default = false;
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_default = line == "[default]" || line == "[profile default]";
        } else if let (true, Some((key, value))) = (in_default, line.split_once('=')) {
            keys.insert(key.trim().to_string(), value.trim().to_string());
        }
    }
    keys
}

#[test]
fn imds_endpoint_vectors() {
    let Some(dir) = common::vectors_dir("aws-config") else {
        return;
    };
    let cases = load(dir.join("imds-config/imds-endpoint-tests.json"));
    assert_eq!(cases.len(), 14, "case count of imds-endpoint-tests.json");
    for case in &cases {
        let docs = case["docs"].as_str().unwrap_or_default();
        let env = env_of(case);
        let profile = default_profile(case);
        let result = imds::endpoint_with_overrides(
            &env,
            profile
                .get("ec2_metadata_service_endpoint")
                .map(String::as_str),
            profile
                .get("ec2_metadata_service_endpoint_mode")
                .map(String::as_str),
            case["endpoint_override"].as_str(),
            case["mode_override"].as_str(),
        );
        if let Some(expected) = case["result"]["Ok"].as_str() {
            let base = result.unwrap_or_else(|e| panic!("{docs}: unexpected error {e}"));
            assert_eq!(format!("{base}/{}", imds::TOKEN_PATH), expected, "{docs}");
        } else {
            assert!(result.is_err(), "{docs}: expected an error, got {result:?}");
        }
    }
}

#[test]
fn imds_endpoint_without_overrides_matches() {
    // The planner's entry point is the same selection without overrides.
    let env = vec![(
        "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE".to_string(),
        "ipv6".to_string(),
    )];
    assert_eq!(
        imds::endpoint(&env, None, None).unwrap(),
        imds::IPV6_ENDPOINT
    );
    assert_eq!(
        imds::endpoint(&[], None, Some("IPv6")).unwrap(),
        imds::IPV6_ENDPOINT
    );
    assert_eq!(
        imds::endpoint(&[], None, None).unwrap(),
        imds::IPV4_ENDPOINT
    );
    let trailing = imds::endpoint(&[], Some("http://10.0.0.1:8080/"), Some("IPv6")).unwrap();
    assert_eq!(trailing, "http://10.0.0.1:8080");
}

#[test]
fn imds_invalid_mode_is_rejected_even_with_endpoint() {
    let env = vec![
        (
            "AWS_EC2_METADATA_SERVICE_ENDPOINT".to_string(),
            "http://10.0.0.1".to_string(),
        ),
        (
            "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE".to_string(),
            "IPv7".to_string(),
        ),
    ];
    let error = imds::endpoint(&env, None, None).unwrap_err().to_string();
    assert!(error.contains("`IPv7`"), "{error}");
}

#[test]
fn imds_disabled_only_by_true() {
    let env = |v: &str| vec![("AWS_EC2_METADATA_DISABLED".to_string(), v.to_string())];
    assert!(imds::disabled(&env("true")));
    assert!(imds::disabled(&env("True")));
    assert!(!imds::disabled(&env("1")));
    assert!(!imds::disabled(&env("false")));
    assert!(!imds::disabled(&[]));
}

#[test]
fn ecs_vectors() {
    let Some(dir) = common::vectors_dir("aws-config") else {
        return;
    };
    let cases = load(dir.join("ecs-tests.json"));
    assert_eq!(cases.len(), 11, "case count of ecs-tests.json");
    for case in &cases {
        let docs = case["docs"].as_str().unwrap_or_default();
        let config = container::config(&env_of(case));
        if let Some(expected) = case["result"]["Ok"].as_str() {
            assert_eq!(
                config.url.as_deref(),
                Some(expected),
                "{docs}: {:?}",
                config.error
            );
            assert_eq!(config.error, None, "{docs}");
        } else {
            assert_eq!(config.url, None, "{docs}");
            assert!(config.error.is_some(), "{docs}: expected an error");
        }
    }
}
