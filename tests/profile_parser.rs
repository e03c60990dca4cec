//! The shared config parser suite and the file location cases of the AWS
//! SDKs, run against `rolechain::profile`.

mod common;

use std::collections::BTreeMap;

use rolechain::profile::{
    self, config_locations, expand_tilde, ParseErrorKind, Platform, SourceFile,
};
use rolechain::Error;
use serde_json::Value;

fn load_json(relative: &str) -> Option<Value> {
    let path = common::vectors_dir(relative)?;
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display())))
}

fn expected_kind(message: &str) -> ParseErrorKind {
    match message {
        "Profile definition must end with ']'" => ParseErrorKind::UnterminatedSection,
        "Expected a profile definition" => ParseErrorKind::PropertyOutsideSection,
        "Property did not have a name" => ParseErrorKind::EmptyPropertyName,
        "Expected an '=' sign defining a property" => ParseErrorKind::MissingEquals,
        "Expected a property definition" | "Expected a property definition, found continuation" => {
            ParseErrorKind::ContinuationWithoutProperty
        }
        "Expected an '=' sign defining a sub-property" => ParseErrorKind::SubPropertyMissingEquals,
        "Sub-property did not have a name" => ParseErrorKind::EmptySubPropertyName,
        other => panic!("no error kind mapped for vector message {other:?}"),
    }
}

type Sections = BTreeMap<String, BTreeMap<String, String>>;

fn as_sections(value: Option<&Value>) -> Sections {
    let Some(Value::Object(map)) = value else {
        return Sections::new();
    };
    map.iter()
        .map(|(name, props)| {
            let props = props
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                .collect();
            (name.clone(), props)
        })
        .collect()
}

fn flatten(map: &BTreeMap<String, profile::Section>) -> Sections {
    map.iter()
        .map(|(name, section)| {
            let props = section
                .properties
                .iter()
                .map(|(k, p)| (k.clone(), p.value.clone()))
                .collect();
            (name.clone(), props)
        })
        .collect()
}

#[test]
fn parser_suite_cases() {
    let Some(suite) = load_json("aws-config/profile-parser-tests.json") else {
        return;
    };
    let cases = suite["tests"].as_array().unwrap();
    assert_eq!(cases.len(), 65, "the parser suite has 65 cases");
    let mut failures = Vec::new();

    for case in cases {
        let name = case["name"].as_str().unwrap();
        let config = case["input"]["configFile"].as_str();
        let credentials = case["input"]["credentialsFile"].as_str();
        let result = profile::load(
            config.map(|text| SourceFile {
                path: Some("/home/user/.aws/config"),
                text,
            }),
            credentials.map(|text| SourceFile {
                path: Some("/home/user/.aws/credentials"),
                text,
            }),
        );
        let output = &case["output"];

        if let Some(message) = output["errorContaining"].as_str() {
            let kind = expected_kind(message);
            let kinds: Vec<ParseErrorKind> = [config, credentials]
                .into_iter()
                .flatten()
                .filter_map(|text| profile::parse(text).err())
                .map(|e| e.kind)
                .collect();
            if !kinds.contains(&kind) {
                failures.push(format!(
                    "{name}: expected {kind:?}, parser reported {kinds:?}"
                ));
            }
            match result {
                Err(Error::InvalidConfig(e)) => {
                    if e.file.is_none() || e.line.is_none() {
                        failures.push(format!("{name}: error lacks file or line: {e:?}"));
                    }
                }
                other => failures.push(format!("{name}: expected InvalidConfig, got {other:?}")),
            }
            continue;
        }

        let set = match result {
            Ok(set) => set,
            Err(e) => {
                failures.push(format!("{name}: unexpected error {e}"));
                continue;
            }
        };
        let expected_profiles = as_sections(output["config"].get("profiles"));
        let profiles = flatten(&set.profiles);
        if profiles != expected_profiles {
            failures.push(format!(
                "{name}: profiles {profiles:?}, expected {expected_profiles:?}"
            ));
        }
        if let Some(sessions) = output["config"].get("sso_sessions") {
            let expected = as_sections(Some(sessions));
            let actual = flatten(&set.sso_sessions);
            if actual != expected {
                failures.push(format!(
                    "{name}: sso-sessions {actual:?}, expected {expected:?}"
                ));
            }
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
fn file_location_cases() {
    let Some(suite) = load_json("aws-config/file-location-tests.json") else {
        return;
    };
    let cases = suite["tests"].as_array().unwrap();
    assert!(!cases.is_empty());
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let env: Vec<(String, String)> = case["environment"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
            .collect();
        let platform = match case["platform"].as_str().unwrap() {
            "windows" => Platform::Windows,
            _ => Platform::Unix,
        };
        let (config, credentials) = config_locations(&env, platform);
        assert_eq!(
            config,
            case["configLocation"].as_str().unwrap(),
            "{name}: config"
        );
        assert_eq!(
            credentials,
            case["credentialsLocation"].as_str().unwrap(),
            "{name}: credentials"
        );
    }
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn tilde_expansion() {
    let unix = env(&[("HOME", "/home/user")]);
    assert_eq!(
        expand_tilde("~/x/y", &unix, Platform::Unix),
        "/home/user/x/y"
    );
    assert_eq!(expand_tilde("~", &unix, Platform::Unix), "/home/user");
    assert_eq!(expand_tilde("~other/x", &unix, Platform::Unix), "~other/x");
    assert_eq!(expand_tilde("/abs/~/x", &unix, Platform::Unix), "/abs/~/x");
    assert_eq!(expand_tilde("~/x", &[], Platform::Unix), "~/x");
    let windows = env(&[("USERPROFILE", "C:\\Users\\me")]);
    assert_eq!(
        expand_tilde("~/.aws/config", &windows, Platform::Windows),
        "C:\\Users\\me\\.aws\\config"
    );
    let overridden = env(&[("HOME", "/h"), ("AWS_CONFIG_FILE", "~/cfg")]);
    assert_eq!(config_locations(&overridden, Platform::Unix).0, "/h/cfg");
}

#[test]
fn parse_error_names_file_and_line() {
    let text = "[profile a]\nregion = us-east-1\n\n[profile b\n";
    let err = profile::load(
        Some(SourceFile {
            path: Some("/etc/aws/config"),
            text,
        }),
        None,
    )
    .unwrap_err();
    let Error::InvalidConfig(e) = &err else {
        panic!("expected InvalidConfig, got {err:?}");
    };
    assert_eq!(e.file.as_deref(), Some("/etc/aws/config"));
    assert_eq!(e.line, Some(4));
    let shown = err.to_string();
    assert!(shown.contains("/etc/aws/config, line 4"), "{shown}");
    assert!(shown.contains("`[profile b`"), "{shown}");
}

#[test]
fn duplicate_sections_merge_with_warning() {
    let text = "[profile a]\nx = 1\n[profile a]\nx = 2\ny = 3\n";
    let set = profile::load(
        Some(SourceFile {
            path: Some("cfg"),
            text,
        }),
        None,
    )
    .unwrap();
    let a = set.profile("a").unwrap();
    assert_eq!(a.get("x"), Some("2"));
    assert_eq!(a.get("y"), Some("3"));
    assert_eq!(set.warnings.len(), 1, "{:?}", set.warnings);
    assert!(set.warnings[0].contains("line 3"), "{:?}", set.warnings);
}

#[test]
fn credentials_override_config_keys() {
    let set = profile::load(
        Some(SourceFile {
            path: Some("cfg"),
            text: "[profile a]\naws_access_key_id = FROMCONFIG\nregion = eu-west-1\n",
        }),
        Some(SourceFile {
            path: Some("creds"),
            text: "[a]\naws_access_key_id = FROMCREDS\n",
        }),
    )
    .unwrap();
    let a = set.profile("a").unwrap();
    assert_eq!(a.get("aws_access_key_id"), Some("FROMCREDS"));
    assert_eq!(
        a.property("aws_access_key_id").unwrap().file.as_deref(),
        Some("creds")
    );
    assert_eq!(a.get("region"), Some("eu-west-1"));
}

#[test]
fn services_section_sub_properties() {
    let text = "[profile a]\nservices = local\n[services local]\nsts =\n  endpoint_url = http://localhost:5000\n";
    let set = profile::load(Some(SourceFile { path: None, text }), None).unwrap();
    let services = set.services.get("local").unwrap();
    let subs = profile::parser::sub_properties(services.get("sts").unwrap());
    assert_eq!(
        subs,
        vec![(
            "endpoint_url".to_string(),
            "http://localhost:5000".to_string()
        )]
    );
}

#[test]
fn debug_of_property_hides_value() {
    let set = profile::load(
        None,
        Some(SourceFile {
            path: None,
            text: "[a]\naws_secret_access_key = very-secret-value\n",
        }),
    )
    .unwrap();
    let shown = format!("{set:?}");
    assert!(!shown.contains("very-secret-value"), "{shown}");
}

#[test]
fn byte_order_mark_skipped() {
    let set = profile::load(
        Some(SourceFile {
            path: Some("cfg"),
            text: "\u{feff}[profile a]\nregion = eu-west-1\n",
        }),
        Some(SourceFile {
            path: Some("creds"),
            text: "\u{feff}[b]\r\naws_access_key_id = AKID\r\n",
        }),
    )
    .unwrap();
    assert_eq!(set.profile("a").unwrap().get("region"), Some("eu-west-1"));
    assert_eq!(
        set.profile("b").unwrap().get("aws_access_key_id"),
        Some("AKID")
    );
    // Only a leading mark is skipped.
    let inner = profile::parse("[a]\n\u{feff}[b]\n");
    assert!(inner.is_err(), "{inner:?}");
}

/// A 40-character secret key, AWS's documented example.
const EXAMPLE_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

#[test]
fn parse_errors_never_quote_lines() {
    let secret = EXAMPLE_SECRET;
    for (text, kind) in [
        (
            format!("{secret}\n[default]\n"),
            ParseErrorKind::PropertyOutsideSection,
        ),
        (
            format!("{secret} = x\n"),
            ParseErrorKind::PropertyOutsideSection,
        ),
        (
            format!("  {secret}\n"),
            ParseErrorKind::PropertyOutsideSection,
        ),
        (
            format!("[default]\n  {secret}\n"),
            ParseErrorKind::ContinuationWithoutProperty,
        ),
        (
            format!("[default]\nkey: {secret}\n"),
            ParseErrorKind::MissingEquals,
        ),
        (
            format!("[default]\nk =\n{secret}\n"),
            ParseErrorKind::MissingEquals,
        ),
        (
            format!("[default]\nk =\n  {secret}\n"),
            ParseErrorKind::SubPropertyMissingEquals,
        ),
        (
            format!("[default]\n= {secret}\n"),
            ParseErrorKind::EmptyPropertyName,
        ),
        (
            format!("[default]\nk =\n  = {secret}\n"),
            ParseErrorKind::EmptySubPropertyName,
        ),
        (
            format!("[default] {secret}\n"),
            ParseErrorKind::UnterminatedSection,
        ),
        (format!("[{secret}\n"), ParseErrorKind::UnterminatedSection),
    ] {
        let error = profile::parse(&text).unwrap_err();
        assert_eq!(error.kind, kind, "{text:?}");
        let shown = error.to_string();
        assert!(!shown.contains(&secret[..10]), "{text:?}: {shown}");
        assert!(!shown.contains(&secret[20..]), "{text:?}: {shown}");
    }
}

#[test]
fn parse_error_names_property() {
    let error = profile::parse("[default]\ns3 =\n  no-equals\n").unwrap_err();
    assert!(error.message.contains("`s3`"), "{error}");
    assert!(!error.message.contains("no-equals"), "{error}");
}

#[test]
fn ignored_property_warning_shows_first_word() {
    let token = "IQoJb3JpZ2luX2VjEXAMPLE+abc/def==";
    let text = format!("[profile a]\naws_session_token {token}\nin,valid = 1\n");
    let set = profile::load(
        Some(SourceFile {
            path: Some("cfg"),
            text: &text,
        }),
        None,
    )
    .unwrap();
    assert!(set.profile("a").unwrap().properties.is_empty());
    assert_eq!(set.warnings.len(), 2, "{:?}", set.warnings);
    assert!(
        set.warnings[0].contains("`aws_session_token`"),
        "{}",
        set.warnings[0]
    );
    assert!(set.warnings[0].contains("line 2"), "{}", set.warnings[0]);
    assert!(
        !set.warnings[0].to_lowercase().contains("iqojb3"),
        "{}",
        set.warnings[0]
    );
    assert!(
        set.warnings[1].contains("`in,valid`"),
        "{}",
        set.warnings[1]
    );
}

#[test]
fn long_invalid_property_name_not_quoted() {
    let text = format!("[profile a]\n\"{EXAMPLE_SECRET}\" = 1\n");
    let set = profile::load(
        Some(SourceFile {
            path: Some("cfg"),
            text: &text,
        }),
        None,
    )
    .unwrap();
    assert_eq!(set.warnings.len(), 1, "{:?}", set.warnings);
    let warning = set.warnings[0].to_lowercase();
    assert!(!warning.contains("wjalrxutnfemi"), "{warning}");
    assert!(warning.contains("42 characters"), "{warning}");
}

mod never_panics {
    use proptest::prelude::*;
    use rolechain::plan::{plan, InputFile, PlanInput};
    use rolechain::profile::{self, SourceFile};

    // Lines built from the characters that matter to the format, so the
    // generator reaches headers, continuations and comments often.
    fn config_text() -> impl Strategy<Value = String> {
        proptest::collection::vec("[ \\t]{0,2}[\\[\\]=#;a-z_ \\t\\r-]{0,20}", 0..12)
            .prop_map(|lines| lines.join("\n"))
    }

    proptest! {
        #[test]
        fn parser_accepts_or_rejects(text in config_text()) {
            let _ = profile::load(Some(SourceFile { path: None, text: &text }), Some(SourceFile { path: None, text: &text }));
        }

        #[test]
        fn planner_accepts_or_rejects(body in "[a-z_ =\\n:/\\[\\]-]{0,200}", name in "[a-z]{0,3}") {
            let text = format!("[profile {name}]\n{body}");
            let _ = plan(&PlanInput {
                config_file: Some(InputFile { path: "cfg".into(), text }),
                profile: Some(name),
                ..PlanInput::default()
            });
        }
    }
}
