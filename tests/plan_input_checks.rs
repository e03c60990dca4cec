//! Planner checks of values that the session would otherwise send or print:
//! access keys, endpoint URLs, `source_profile` chain length, the list of
//! profiles in a "not found" error, and MFA serials that may be codes.

use rolechain::plan::{plan, InputFile, Plan, PlanInput, Root, MAX_SOURCE_PROFILE_HOPS};
use rolechain::Error;

const NOW: i64 = 1_700_000_000_000;
const CONFIG_PATH: &str = "/home/u/.aws/config";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const ROLE: &str = "arn:aws:iam::123456789012:role/scanner";

fn config_input(text: &str) -> PlanInput {
    PlanInput {
        config_file: Some(InputFile {
            path: CONFIG_PATH.into(),
            text: text.into(),
        }),
        environment: env(&[("AWS_EC2_METADATA_DISABLED", "true")]),
        now: NOW,
        ..PlanInput::default()
    }
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn keys_config(key_id: &str, secret: &str) -> String {
    format!("[default]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n")
}

/// Returns the message of an `InvalidConfig` error, checking its line.
fn config_error(result: Result<Plan, Error>, line: u32) -> String {
    match result {
        Err(Error::InvalidConfig(e)) => {
            assert_eq!(e.file.as_deref(), Some(CONFIG_PATH), "{e:?}");
            assert_eq!(e.line, Some(line), "{e:?}");
            Error::InvalidConfig(e).to_string()
        }
        other => panic!("expected InvalidConfig, got {other:?}"),
    }
}

fn invalid_argument(result: Result<Plan, Error>) -> String {
    match result {
        Err(Error::InvalidArgument(message)) => message,
        other => panic!("expected InvalidArgument, got {other:?}"),
    }
}

// ---- access keys ----

#[test]
fn key_ids_of_test_data_accepted() {
    for key_id in [
        "abc123",
        "profile_b_key",
        "AKIDEXAMPLE",
        "AKIAIOSFODNN7EXAMPLE",
    ] {
        let result = plan(&config_input(&keys_config(key_id, "x")));
        assert!(result.is_ok(), "{key_id}: {result:?}");
    }
}

#[test]
fn invalid_key_ids_in_file_rejected() {
    for key_id in ["AK/ID", "AK\0ID", "AK\u{1b}[31mID", "AK,ID", "AKÍD"] {
        let message = config_error(plan(&config_input(&keys_config(key_id, "x"))), 2);
        assert!(message.contains("`aws_access_key_id`"), "{message}");
        assert!(message.contains("letters, digits and `_`"), "{message}");
        assert!(!message.contains('\u{1b}'), "raw escape byte: {message:?}");
        assert!(!message.contains('\0'), "raw NUL byte: {message:?}");
    }
}

#[test]
fn secret_in_key_id_not_quoted() {
    let message = config_error(plan(&config_input(&keys_config(SECRET, "x"))), 2);
    assert!(!message.contains(&SECRET[..16]), "{message}");
}

#[test]
fn overlong_key_id_rejected() {
    let key_id = "A".repeat(129);
    let message = config_error(plan(&config_input(&keys_config(&key_id, "x"))), 2);
    assert!(message.contains("129 characters"), "{message}");
}

#[test]
fn control_characters_in_secrets_rejected() {
    let message = config_error(plan(&config_input(&keys_config("AKID", "Zq9\u{7f}Xv4"))), 3);
    assert!(message.contains("control character"), "{message}");
    assert!(!message.contains("Zq9"), "{message}");
    assert!(!message.contains("Xv4"), "{message}");

    let text = format!("{}aws_session_token = tok\ren\n", keys_config("AKID", "x"));
    let message = config_error(plan(&config_input(&text)), 4);
    assert!(message.contains("session token"), "{message}");
}

#[test]
fn invalid_environment_keys_rejected() {
    for (name, value) in [
        ("AWS_ACCESS_KEY_ID", "AK/ID"),
        ("AWS_ACCESS_KEY_ID", " "),
        ("AWS_SECRET_ACCESS_KEY", "Zq9Xv4\u{1b}"),
        ("AWS_SESSION_TOKEN", "Zq9Xv4\r"),
        ("AWS_SECURITY_TOKEN", "Zq9Xv4\0"),
    ] {
        let mut input = config_input("");
        input.environment.extend(env(&[
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", "Zq9Xv4"),
            (name, value),
        ]));
        let message = invalid_argument(plan(&input));
        assert!(
            message.contains(&format!("environment variable `{name}`")),
            "{name}: {message}"
        );
        assert!(!message.contains("Zq9Xv4"), "{name}: {message}");
    }
}

#[test]
fn valid_environment_keys_accepted() {
    let mut input = config_input("");
    input.environment.extend(env(&[
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
        ("AWS_SESSION_TOKEN", "FwoGZXIvYXdzEXAMPLE+/="),
    ]));
    let plan = plan(&input).expect("valid environment keys");
    assert!(matches!(plan.base.root, Root::Environment { .. }));
}

// ---- endpoint URLs ----

const BAD_URLS: [(&str, &str); 7] = [
    ("http://127.0.0.1:99999", "port"),
    ("http://[::1", "closing `]`"),
    ("http://[::g]/", "IPv6"),
    ("http://h/?x=%zz", "`%zz`"),
    ("http://h/#frag", "fragment"),
    ("https://h:0/", "port"),
    ("http://user:hunter2@h/", "user information"),
];

fn check_hides_password(message: &str) {
    assert!(!message.contains("hunter2"), "{message}");
}

#[test]
fn bad_endpoint_option_rejected() {
    for (url, reason) in BAD_URLS {
        let mut input = config_input(&keys_config("AKID", "x"));
        input.endpoint_url = Some(url.into());
        let message = invalid_argument(plan(&input));
        assert!(message.contains("`--endpoint-url` option"), "{message}");
        assert!(message.contains(reason), "{url}: {message}");
        check_hides_password(&message);
    }
}

#[test]
fn bad_endpoint_environment_rejected() {
    for name in ["AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS"] {
        for (url, reason) in BAD_URLS {
            let mut input = config_input(&keys_config("AKID", "x"));
            input.environment.push((name.into(), url.into()));
            let message = invalid_argument(plan(&input));
            assert!(
                message.contains(&format!("environment variable `{name}`")),
                "{message}"
            );
            assert!(message.contains(reason), "{url}: {message}");
            check_hides_password(&message);
        }
    }
}

#[test]
fn bad_endpoint_in_profile_rejected() {
    for (url, reason) in BAD_URLS {
        let text = format!("{}endpoint_url = {url}\n", keys_config("AKID", "x"));
        let message = invalid_argument(plan(&config_input(&text)));
        assert!(
            message.contains(&format!("({CONFIG_PATH}, line 4)")),
            "{message}"
        );
        assert!(message.contains(reason), "{url}: {message}");
        check_hides_password(&message);
    }
}

#[test]
fn bad_endpoint_in_services_rejected() {
    let text = format!(
        "{}services = local\n[services local]\nsts =\n  endpoint_url = http://user:hunter2@localhost:5000\n",
        keys_config("AKID", "x")
    );
    let message = invalid_argument(plan(&config_input(&text)));
    assert!(message.contains("`[services local]`"), "{message}");
    assert!(message.contains("`http://***@localhost:5000`"), "{message}");
    check_hides_password(&message);
}

#[test]
fn good_endpoints_accepted() {
    for url in [
        "http://localhost:5000",
        "https://sts.eu-west-1.amazonaws.com/",
        "http://[::1]:4566",
        "http://127.0.0.1:65535/path%2F?x=1",
    ] {
        let mut input = config_input(&keys_config("AKID", "x"));
        input.endpoint_url = Some(url.into());
        let plan = plan(&input).unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(plan.sts.url, url, "{url}");
    }
}

// ---- source_profile chains ----

fn chain_config(hops: usize) -> String {
    let mut text = keys_config("AKID", "x").replace("[default]", "[profile p0]");
    for i in 1..=hops {
        text.push_str(&format!(
            "[profile p{i}]\nrole_arn = arn:aws:iam::123456789012:role/r{i}\nsource_profile = p{}\n",
            i - 1
        ));
    }
    text
}

fn plan_chain(hops: usize) -> Result<Plan, Error> {
    let mut input = config_input(&chain_config(hops));
    input.profile = Some(format!("p{hops}"));
    plan(&input)
}

#[test]
fn chain_at_hop_limit_accepted() {
    let plan = plan_chain(MAX_SOURCE_PROFILE_HOPS).expect("a chain at the limit");
    assert_eq!(plan.base.hops.len(), MAX_SOURCE_PROFILE_HOPS);
}

#[test]
fn chain_over_hop_limit_rejected() {
    let hops = MAX_SOURCE_PROFILE_HOPS + 1;
    // The limit is hit at profile p1, whose `source_profile` is on line 6.
    let message = config_error(plan_chain(hops), 6);
    assert!(message.contains("profile `p1`"), "{message}");
    assert!(
        message.contains(&format!("selected profile `p{hops}`")),
        "{message}"
    );
    assert!(
        message.contains(&MAX_SOURCE_PROFILE_HOPS.to_string()),
        "{message}"
    );
}

#[test]
fn very_long_chain_rejected() {
    assert!(matches!(plan_chain(5_000), Err(Error::InvalidConfig(_))));
}

// ---- profile not found ----

#[test]
fn missing_profile_lists_ten_names() {
    let mut text = String::new();
    for i in 0..5_000 {
        text.push_str(&format!("[profile p{i:04}]\nregion = us-east-1\n"));
    }
    let mut input = config_input(&text);
    input.profile = Some("nope".into());
    let message = plan(&input).unwrap_err().to_string();
    assert!(message.contains("`p0000`"), "{message}");
    assert!(message.contains("`p0009`"), "{message}");
    assert!(!message.contains("`p0010`"), "{message}");
    assert!(message.contains("and 4990 more"), "{message}");
    assert!(message.len() < 1_000, "{} bytes", message.len());
}

#[test]
fn missing_profile_lists_all_when_few() {
    let mut input = config_input("[profile a]\n[profile b]\n");
    input.profile = Some("nope".into());
    let message = plan(&input).unwrap_err().to_string();
    assert!(message.contains("`a`, `b`"), "{message}");
    assert!(!message.contains("more"), "{message}");
}

#[test]
fn missing_profile_without_files() {
    let input = PlanInput {
        profile: Some("a".into()),
        now: NOW,
        ..PlanInput::default()
    };
    let message = plan(&input).unwrap_err().to_string();
    assert!(
        message.contains("profile `a` (from `--profile`) not found: no config file or credentials file exists at the configured paths"),
        "{message}"
    );
    assert!(!message.contains("no profiles are defined"), "{message}");
}

// ---- MFA serials ----

#[test]
fn digit_only_serial_not_quoted() {
    let mut input = config_input(&keys_config("AKID", "x"));
    input.roles = vec![ROLE.into()];
    input.mfa_serial = Some("493817".into());
    let message = invalid_argument(plan(&input));
    assert!(message.contains("invalid MFA serial"), "{message}");
    assert!(!message.contains("493817"), "{message}");

    input.mfa_serial = Some("short".into());
    let message = invalid_argument(plan(&input));
    assert!(message.contains("MFA serial `short`"), "{message}");
}
