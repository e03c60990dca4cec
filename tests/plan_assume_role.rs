//! The AWS SDKs' 28 assume-role chain cases, run through `plan()`.
//!
//! The cases encode the AWS SDK for Rust's choices; rolechain follows
//! botocore where the two differ. Each such case is listed in
//! `botocore_exception` with the reason, and checked against botocore's
//! behaviour instead.

mod common;

use rolechain::plan::{plan, HopOrigin, InputFile, Plan, PlanInput, Root};
use rolechain::Error;
use serde_json::Value;

/// Writes the case's profiles as a config file.
fn config_text(input: &Value) -> String {
    let mut text = String::new();
    for (name, props) in input["profiles"].as_object().unwrap() {
        text.push_str(&format!("[profile {name}]\n"));
        for (k, v) in props.as_object().unwrap() {
            text.push_str(&format!("{k} = {}\n", v.as_str().unwrap()));
        }
    }
    if let Some(sessions) = input.get("sso_sessions").and_then(Value::as_object) {
        for (name, props) in sessions {
            text.push_str(&format!("[sso-session {name}]\n"));
            for (k, v) in props.as_object().unwrap() {
                text.push_str(&format!("{k} = {}\n", v.as_str().unwrap()));
            }
        }
    }
    text
}

fn plan_case(input: &Value, environment: Vec<(String, String)>) -> Result<Plan, Error> {
    plan(&PlanInput {
        config_file: Some(InputFile {
            path: "/home/user/.aws/config".into(),
            text: config_text(input),
        }),
        environment,
        now: 1_700_000_000_000,
        profile: Some(input["selected_profile"].as_str().unwrap().to_string()),
        ..PlanInput::default()
    })
}

fn field<'a>(step: &'a Value, name: &str) -> Option<&'a str> {
    step.get(name).and_then(Value::as_str)
}

/// Compares a plan with the expected `ProfileChain`; returns what differs.
fn compare_chain(plan: &Plan, expected: &[Value]) -> Vec<String> {
    let mut problems = Vec::new();
    let (root_step, hop_steps) = expected.split_first().unwrap();
    match (&plan.base.root, root_step) {
        (Root::StaticKeys { credentials, .. }, step) if step.get("AccessKey").is_some() => {
            let keys = &step["AccessKey"];
            if Some(credentials.access_key_id.as_str()) != field(keys, "access_key_id") {
                problems.push(format!("access key {}", credentials.access_key_id));
            }
            if Some(credentials.secret_access_key.expose()) != field(keys, "secret_access_key") {
                problems.push("secret access key differs".into());
            }
            if credentials.account_id.as_deref() != field(keys, "account_id") {
                problems.push(format!("account id {:?}", credentials.account_id));
            }
        }
        (Root::Ec2InstanceMetadata(_), step)
            if field(step, "NamedSource") == Some("Ec2InstanceMetadata") => {}
        (Root::WebIdentity(c), step) if step.get("WebIdentityToken").is_some() => {
            let w = &step["WebIdentityToken"];
            if Some(c.role_arn.as_str()) != field(w, "role_arn") {
                problems.push(format!("web identity role {}", c.role_arn));
            }
            if Some(c.web_identity_token_file.as_str()) != field(w, "web_identity_token_file") {
                problems.push(format!("token file {}", c.web_identity_token_file));
            }
            if let Some(name) = field(w, "role_session_name") {
                if c.role_session_name != name {
                    problems.push(format!("session name {}", c.role_session_name));
                }
            }
        }
        (Root::Sso(c), step) if step.get("Sso").is_some() => {
            let s = &step["Sso"];
            let pairs = [
                ("sso_account_id", Some(c.account_id.as_str())),
                ("sso_region", Some(c.region.as_str())),
                ("sso_role_name", Some(c.role_name.as_str())),
                ("sso_start_url", Some(c.start_url.as_str())),
                ("sso_session", c.session_name.as_deref()),
            ];
            for (key, actual) in pairs {
                if let Some(expected) = field(s, key) {
                    if actual != Some(expected) {
                        problems.push(format!("{key} {actual:?}, expected {expected}"));
                    }
                }
            }
        }
        (root, step) => problems.push(format!("root {root:?}, expected {step}")),
    }
    if plan.base.hops.len() != hop_steps.len() {
        problems.push(format!(
            "{} hops, expected {}",
            plan.base.hops.len(),
            hop_steps.len()
        ));
        return problems;
    }
    for (hop, step) in plan.base.hops.iter().zip(hop_steps) {
        let a = &step["AssumeRole"];
        if Some(hop.role_arn.as_str()) != field(a, "role_arn") {
            problems.push(format!("hop role {}", hop.role_arn));
        }
        if let Some(name) = field(a, "role_session_name") {
            if hop.role_session_name != name {
                problems.push(format!("hop session name {}", hop.role_session_name));
            }
        } else if hop.role_session_name != "botocore-session-1700000000" {
            problems.push(format!("default session name {}", hop.role_session_name));
        }
        if hop.external_id.as_deref() != field(a, "external_id") {
            problems.push(format!("external id {:?}", hop.external_id));
        }
        if !matches!(hop.origin, HopOrigin::Profile(_)) {
            problems.push("hop is not from a profile".into());
        }
    }
    problems
}

/// Cases where botocore, the reference, differs from the SDK for Rust.
fn botocore_exception(docs: &str) -> Option<&'static str> {
    match docs {
        // botocore's chain goes on to the container and instance metadata
        // when the selected profile has no credentials; the SDK for Rust
        // stops with an error. Checked in `config_only_profile_*` below.
        "profile only contains configuration" => Some("falls back to instance metadata"),
        // botocore's SSO provider needs `sso_account_id` and
        // `sso_role_name` to get role credentials; the SDK for Rust accepts
        // a profile with only `sso_session` as a token provider.
        "SSO token profile selected" => Some("sso without account and role is an error"),
        _ => None,
    }
}

#[test]
fn assume_role_chain_cases() {
    let Some(path) = common::vectors_dir("aws-config/assume-role-tests.json") else {
        return;
    };
    let text = std::fs::read_to_string(path).unwrap();
    let cases: Vec<Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(cases.len(), 28, "the assume-role suite has 28 cases");
    let mut failures = Vec::new();
    let mut exceptions = 0;

    for case in &cases {
        let docs = case["docs"].as_str().unwrap();
        let result = plan_case(&case["input"], Vec::new());
        if let Some(reason) = botocore_exception(docs) {
            exceptions += 1;
            let ok = match docs {
                "profile only contains configuration" => {
                    matches!(&result, Ok(p) if matches!(p.base.root, Root::Ec2InstanceMetadata(_)))
                }
                _ => matches!(&result, Err(Error::InvalidConfig(_))),
            };
            if !ok {
                failures.push(format!("{docs} (botocore: {reason}): got {result:?}"));
            }
            continue;
        }
        let output = &case["output"];
        if let Some(message) = output["Error"].as_str() {
            match &result {
                Err(Error::InvalidConfig(_)) | Err(Error::NoSourceCredentials(_)) => {}
                other => failures.push(format!(
                    "{docs}: expected an error like {message:?}, got {other:?}"
                )),
            }
            continue;
        }
        let chain = output["ProfileChain"].as_array().unwrap();
        match &result {
            Ok(plan) => {
                let problems = compare_chain(plan, chain);
                if !problems.is_empty() {
                    failures.push(format!("{docs}: {}", problems.join("; ")));
                }
            }
            Err(e) => failures.push(format!("{docs}: unexpected error {e}")),
        }
    }
    assert_eq!(exceptions, 2, "every listed exception is in the suite");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn config_only_input() -> Value {
    serde_json::json!({
        "profiles": {"A": {"ec2_metadata_service_endpoint_mode": "IPv6"}},
        "selected_profile": "A"
    })
}

#[test]
fn config_only_profile_falls_back_to_imds() {
    let plan = plan_case(&config_only_input(), Vec::new()).unwrap();
    let Root::Ec2InstanceMetadata(imds) = &plan.base.root else {
        panic!("expected instance metadata, got {:?}", plan.base.root);
    };
    // The profile's endpoint mode applies to the fallback.
    assert_eq!(imds.endpoint, "http://[fd00:ec2::254]");
}

#[test]
fn config_only_profile_without_imds_fails() {
    let env = vec![("AWS_EC2_METADATA_DISABLED".to_string(), "true".to_string())];
    let err = plan_case(&config_only_input(), env).unwrap_err();
    let Error::NoSourceCredentials(message) = &err else {
        panic!("expected NoSourceCredentials, got {err:?}");
    };
    assert!(message.contains("profile `A`"), "{message}");
    assert!(message.contains("AWS_EC2_METADATA_DISABLED"), "{message}");
}

#[test]
fn error_messages_name_profiles() {
    let cases = [
        (
            serde_json::json!({"profiles": {"A": {"role_arn": "arn:aws:iam::123456789012:role/R", "source_profile": "B"}, "B": {"role_arn": "arn:aws:iam::123456789012:role/S", "source_profile": "A"}}, "selected_profile": "A"}),
            vec!["infinite loop", "`A` -> `B` -> `A`"],
        ),
        (
            serde_json::json!({"profiles": {"A": {"role_arn": "arn:aws:iam::123456789012:role/R", "source_profile": "A"}}, "selected_profile": "A"}),
            vec!["`A` -> `A`", "static keys"],
        ),
        (
            serde_json::json!({"profiles": {"A": {"role_arn": "arn:aws:iam::123456789012:role/R", "source_profile": "Z"}}, "selected_profile": "A"}),
            vec!["source profile `Z`", "profile `A`"],
        ),
        (
            serde_json::json!({"profiles": {"A": {"role_arn": "arn:aws:iam::123456789012:role/R", "credential_source": "ec2instancemetadata"}}, "selected_profile": "A"}),
            vec![
                "unknown credential_source `ec2instancemetadata`",
                "case-sensitive",
            ],
        ),
        (
            serde_json::json!({"profiles": {"A": {"role_arn": "arn:aws:iam::123456789012:role/R", "credential_source": "Environment", "source_profile": "B"}, "B": {}}, "selected_profile": "A"}),
            vec!["both source_profile", "profile `A`"],
        ),
    ];
    for (input, needles) in cases {
        let err = plan_case(&input, Vec::new()).unwrap_err();
        let Error::InvalidConfig(config) = &err else {
            panic!("expected InvalidConfig, got {err:?}");
        };
        assert_eq!(
            config.file.as_deref(),
            Some("/home/user/.aws/config"),
            "{err}"
        );
        assert!(config.line.is_some(), "{err}");
        let shown = err.to_string();
        for needle in needles {
            assert!(shown.contains(needle), "{shown:?} lacks {needle:?}");
        }
    }
}

#[test]
fn profile_mfa_and_duration_are_read() {
    // botocore reads `mfa_serial` and `duration_seconds` from a role
    // profile; the SDK for Rust ignores them.
    let input = serde_json::json!({
        "profiles": {
            "A": {"role_arn": "arn:aws:iam::123456789012:role/R", "source_profile": "B",
                  "mfa_serial": "arn:aws:iam::123456789012:mfa/me", "duration_seconds": "7200"},
            "B": {"aws_access_key_id": "AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key": "secret"}
        },
        "selected_profile": "A"
    });
    let plan = plan_case(&input, Vec::new()).unwrap();
    let hop = &plan.base.hops[0];
    assert_eq!(hop.duration_seconds, 7200);
    assert!(hop.mfa_serial.is_some());
    assert!(!hop.chained);
}
