//! botocore's 69 STS endpoint rule cases, run against
//! `rolechain::endpoint::resolve_sts_endpoint`.

mod common;

use rolechain::endpoint::{resolve_sts_endpoint, StsEndpointParams};
use serde_json::Value;

#[test]
fn botocore_sts_endpoint_cases() {
    let Some(path) = common::vectors_dir("sts-endpoints/endpoint-tests-1.json") else {
        return;
    };
    let text = std::fs::read_to_string(&path).unwrap();
    let suite: Value = serde_json::from_str(&text).unwrap();
    let cases = suite["testCases"].as_array().unwrap();
    assert_eq!(cases.len(), 69, "the STS rule suite has 69 cases");
    let mut failures = Vec::new();

    for (i, case) in cases.iter().enumerate() {
        let doc = case["documentation"].as_str().unwrap_or("");
        let p = &case["params"];
        let params = StsEndpointParams {
            region: p["Region"].as_str().map(String::from),
            use_fips: p["UseFIPS"].as_bool().unwrap_or(false),
            use_dual_stack: p["UseDualStack"].as_bool().unwrap_or(false),
            use_global_endpoint: p["UseGlobalEndpoint"].as_bool().unwrap_or(false),
            endpoint: p["Endpoint"].as_str().map(String::from),
        };
        let result = resolve_sts_endpoint(&params);
        let expect = &case["expect"];
        if let Some(error) = expect["error"].as_str() {
            if let Ok(endpoint) = result {
                failures.push(format!(
                    "case {i} ({doc}): expected error {error:?}, got {endpoint:?}"
                ));
            }
            continue;
        }
        let url = expect["endpoint"]["url"].as_str().unwrap();
        let signing_region = expect["endpoint"]["properties"]["authSchemes"][0]["signingRegion"]
            .as_str()
            .map(String::from)
            .or_else(|| params.region.clone());
        match result {
            Ok(endpoint) => {
                if endpoint.url != url {
                    failures.push(format!(
                        "case {i} ({doc}): url {}, expected {url}",
                        endpoint.url
                    ));
                }
                if endpoint.signing_region != signing_region {
                    failures.push(format!(
                        "case {i} ({doc}): signing region {:?}, expected {signing_region:?}",
                        endpoint.signing_region
                    ));
                }
            }
            Err(e) => failures.push(format!("case {i} ({doc}): unexpected error {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn custom_endpoint_with_fips_is_rejected() {
    let params = StsEndpointParams {
        region: Some("us-east-1".into()),
        use_fips: true,
        endpoint: Some("https://example.com".into()),
        ..Default::default()
    };
    let err = resolve_sts_endpoint(&params).unwrap_err();
    assert!(err.contains("FIPS"), "{err}");
    assert!(err.contains("`https://example.com`"), "{err}");
}

#[test]
fn iso_partition_rejects_dual_stack() {
    let params = StsEndpointParams {
        region: Some("us-iso-east-1".into()),
        use_dual_stack: true,
        ..Default::default()
    };
    assert!(resolve_sts_endpoint(&params).is_err());
}

#[test]
fn eusc_partition_suffix() {
    let params = StsEndpointParams {
        region: Some("eusc-de-east-1".into()),
        ..Default::default()
    };
    let endpoint = resolve_sts_endpoint(&params).unwrap();
    assert_eq!(endpoint.url, "https://sts.eusc-de-east-1.amazonaws.eu");
}
