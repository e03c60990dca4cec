//! Planner behaviour for the scanner's options: STS limits, role chaining,
//! MFA, `-R` targets, region and endpoint precedence, rendering and the
//! dry run.

use rolechain::plan::{
    self, plan, render, render_json, render_text, sha1_hex, steps, AssumeRoleOptions, Format,
    HopOrigin, InputFile, MfaSerial, Plan, PlanInput, Root,
};
use rolechain::sts::{self, AssumeRoleRequest};
use rolechain::Error;
use serde_json::Value;

const NOW: i64 = 1_700_000_000_000;
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const TOKEN: &str = "FQoGZXIvYXdzEXAMPLESESSIONTOKEN";
const ROLE_X: &str = "arn:aws:iam::123456789012:role/X";
const ROLE_Y: &str = "arn:aws:iam::123456789012:role/Y";

const CONFIG: &str = "\
[profile base]
region = eu-west-1

[profile one]
role_arn = arn:aws:iam::111122223333:role/One
source_profile = base

[profile two]
role_arn = arn:aws:iam::111122223333:role/Two
source_profile = one

[profile long]
role_arn = arn:aws:iam::111122223333:role/Long
source_profile = one
duration_seconds = 7200

[profile mfa]
role_arn = arn:aws:iam::111122223333:role/Mfa
source_profile = base
mfa_serial = arn:aws:iam::111122223333:mfa/me

[profile imds-role]
role_arn = arn:aws:iam::111122223333:role/FromImds
credential_source = Ec2InstanceMetadata

[profile bad-duration]
role_arn = arn:aws:iam::111122223333:role/Bad
source_profile = base
duration_seconds = 60

[profile sso-user]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = ReadOnly

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-central-1

[profile local]
services = local-sts
[services local-sts]
sts =
  endpoint_url = http://localhost:5000
";

const CREDENTIALS: &str = "\
[base]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
";

fn input() -> PlanInput {
    PlanInput {
        config_file: Some(InputFile {
            path: "/home/u/.aws/config".into(),
            text: CONFIG.into(),
        }),
        credentials_file: Some(InputFile {
            path: "/home/u/.aws/credentials".into(),
            text: CREDENTIALS.into(),
        }),
        now: NOW,
        ..PlanInput::default()
    }
}

fn with_profile(profile: &str) -> PlanInput {
    PlanInput {
        profile: Some(profile.into()),
        ..input()
    }
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn invalid_argument(result: Result<Plan, Error>) -> String {
    match result {
        Err(Error::InvalidArgument(message)) => message,
        other => panic!("expected InvalidArgument, got {other:?}"),
    }
}

fn target_hop(plan: &Plan, i: usize) -> &plan::AssumeRoleHop {
    plan.targets[i].role.as_ref().expect("target has a -R hop")
}

// --- validation table -------------------------------------------------

#[test]
fn role_option_needs_12_digit_account() {
    let message = invalid_argument(plan(&PlanInput {
        roles: vec!["arn:aws:iam::123456789:role/X".into()],
        ..with_profile("base")
    }));
    assert!(
        message.contains("`arn:aws:iam::123456789:role/X`"),
        "{message}"
    );
    assert!(message.contains("12"), "{message}");
}

#[test]
fn role_option_rejects_malformed_arns() {
    for arn in [
        "arn:aws:iam::123456789012:user/X",
        "arn:aws:s3::123456789012:role/X",
        "arn:nope:iam::123456789012:role/X",
        "arn:aws:iam::123456789012:role/",
        "arn:aws:iam:us-east-1:123456789012:role/X",
        "not an arn at all, really",
        "arn:aws:iam::123456789012:role/bad name",
    ] {
        let message = invalid_argument(plan(&PlanInput {
            roles: vec![arn.into()],
            ..with_profile("base")
        }));
        assert!(message.contains("--role"), "{arn}: {message}");
    }
}

#[test]
fn session_duration_limits() {
    for seconds in [0, 899, 43_201] {
        let message = invalid_argument(plan(&PlanInput {
            roles: vec![ROLE_X.into()],
            duration_seconds: Some(seconds),
            ..with_profile("base")
        }));
        assert!(message.contains(&format!("`{seconds}`")), "{message}");
        assert!(message.contains("900 to 43200"), "{message}");
    }
    for seconds in [900, 43_200] {
        let plan = plan(&PlanInput {
            roles: vec![ROLE_X.into()],
            duration_seconds: Some(seconds),
            ..with_profile("base")
        })
        .unwrap();
        assert_eq!(target_hop(&plan, 0).duration_seconds, seconds);
    }
}

#[test]
fn external_id_and_session_name_limits() {
    let bad_ids = ["x", "has space", &"a".repeat(1225)];
    for id in bad_ids {
        let message = invalid_argument(plan(&PlanInput {
            roles: vec![ROLE_X.into()],
            external_id: Some(id.to_string()),
            ..with_profile("base")
        }));
        assert!(message.contains("external ID"), "{message}");
    }
    let bad_names = ["x", "has space", "a/b", &"a".repeat(65)];
    for name in bad_names {
        let message = invalid_argument(plan(&PlanInput {
            roles: vec![ROLE_X.into()],
            role_session_name: Some(name.to_string()),
            ..with_profile("base")
        }));
        assert!(message.contains("role session name"), "{message}");
    }
    let plan = plan(&PlanInput {
        roles: vec![ROLE_X.into()],
        external_id: Some("ext:id/with=all+chars,.@-_".into()),
        role_session_name: Some("scan+run=1,a.b@c-d_e".into()),
        ..with_profile("base")
    })
    .unwrap();
    let hop = target_hop(&plan, 0);
    assert_eq!(
        hop.external_id.as_deref(),
        Some("ext:id/with=all+chars,.@-_")
    );
    assert_eq!(hop.role_session_name, "scan+run=1,a.b@c-d_e");
}

#[test]
fn mfa_serial_limits() {
    let message = invalid_argument(plan(&PlanInput {
        roles: vec![ROLE_X.into()],
        mfa_serial: Some("short".into()),
        ..with_profile("base")
    }));
    assert!(message.contains("MFA serial `short`"), "{message}");
    assert!(plan::validate::token_code("123456").is_ok());
    assert!(plan::validate::token_code("12345").is_err());
    assert!(plan::validate::token_code("12345a").is_err());
    let err = plan::validate::token_code("9876543").unwrap_err();
    assert!(!err.contains("9876543"), "the code is a secret: {err}");
}

#[test]
fn assume_role_options_limits() {
    let cases: Vec<(AssumeRoleOptions, &str)> = vec![
        (
            AssumeRoleOptions {
                tags: (0..51).map(|i| (format!("k{i}"), "v".into())).collect(),
                ..Default::default()
            },
            "at most 50",
        ),
        (
            AssumeRoleOptions {
                tags: vec![("k".repeat(129), "v".into())],
                ..Default::default()
            },
            "1 to 128",
        ),
        (
            AssumeRoleOptions {
                tags: vec![(String::new(), "v".into())],
                ..Default::default()
            },
            "1 to 128",
        ),
        (
            AssumeRoleOptions {
                tags: vec![("k".into(), "v".repeat(257))],
                ..Default::default()
            },
            "at most 256",
        ),
        (
            AssumeRoleOptions {
                policy_arns: (0..11)
                    .map(|i| format!("arn:aws:iam::aws:policy/P{i}"))
                    .collect(),
                ..Default::default()
            },
            "at most 10",
        ),
        (
            AssumeRoleOptions {
                policy: Some("x".repeat(2049)),
                ..Default::default()
            },
            "1 to 2048",
        ),
        (
            AssumeRoleOptions {
                source_identity: Some("a".into()),
                ..Default::default()
            },
            "2 to 64",
        ),
        (
            AssumeRoleOptions {
                source_identity: Some("bad identity".into()),
                ..Default::default()
            },
            "not allowed",
        ),
    ];
    for (options, needle) in cases {
        let message = invalid_argument(plan(&PlanInput {
            roles: vec![ROLE_X.into()],
            assume_role_options: options,
            ..with_profile("base")
        }));
        assert!(message.contains(needle), "{message:?} lacks {needle:?}");
    }
    let ok = AssumeRoleOptions {
        tags: vec![("team".into(), String::new())],
        transitive_tag_keys: vec!["team".into()],
        policy_arns: vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".into()],
        source_identity: Some("alice@example.com".into()),
        policy: Some("{}".into()),
    };
    let plan = plan(&PlanInput {
        roles: vec![ROLE_X.into()],
        assume_role_options: ok.clone(),
        ..with_profile("base")
    })
    .unwrap();
    assert_eq!(target_hop(&plan, 0).options, ok);
}

#[test]
fn role_options_without_role_name_role_flag() {
    let inputs = [
        PlanInput {
            duration_seconds: Some(3600),
            ..with_profile("base")
        },
        PlanInput {
            external_id: Some("abc".into()),
            ..with_profile("base")
        },
        PlanInput {
            role_session_name: Some("abc".into()),
            ..with_profile("base")
        },
    ];
    for input in inputs {
        let message = invalid_argument(plan(&input));
        assert!(message.contains("`--role"), "{message}");
    }
}

#[test]
fn role_only_options_name_the_flag() {
    let cases: Vec<(AssumeRoleOptions, &str)> = vec![
        (
            AssumeRoleOptions {
                policy: Some("{}".into()),
                ..Default::default()
            },
            "`--policy` applies",
        ),
        (
            AssumeRoleOptions {
                policy_arns: vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".into()],
                ..Default::default()
            },
            "`--policy-arn` applies",
        ),
        (
            AssumeRoleOptions {
                tags: vec![("team".into(), "a".into())],
                ..Default::default()
            },
            "`--tag` applies",
        ),
        (
            AssumeRoleOptions {
                transitive_tag_keys: vec!["team".into()],
                ..Default::default()
            },
            "`--transitive-tag-key` applies",
        ),
        (
            AssumeRoleOptions {
                source_identity: Some("alice".into()),
                ..Default::default()
            },
            "`--source-identity` applies",
        ),
        (
            AssumeRoleOptions {
                policy: Some("{}".into()),
                tags: vec![("team".into(), "a".into())],
                ..Default::default()
            },
            "`--policy` and `--tag` apply",
        ),
    ];
    for (options, needle) in cases {
        let message = invalid_argument(plan(&PlanInput {
            assume_role_options: options,
            ..with_profile("base")
        }));
        assert!(message.contains(needle), "{message:?} lacks {needle:?}");
        assert!(message.ends_with("add `--role ARN`"), "{message}");
        // Profiles cannot set policies, tags or a source identity.
        assert!(!message.contains("profile"), "{message}");
    }
}

#[test]
fn profile_settable_options_offer_profile() {
    let message = invalid_argument(plan(&PlanInput {
        duration_seconds: Some(3600),
        external_id: Some("abc".into()),
        ..with_profile("base")
    }));
    assert!(
        message.contains("`-T/--session-duration` and `-I/--external-id` apply"),
        "{message}"
    );
    assert!(
        message.contains("set `duration_seconds` and `external_id` in the profile"),
        "{message}"
    );

    let mixed = invalid_argument(plan(&PlanInput {
        duration_seconds: Some(3600),
        assume_role_options: AssumeRoleOptions {
            source_identity: Some("alice".into()),
            ..Default::default()
        },
        ..with_profile("base")
    }));
    assert!(mixed.ends_with("add `--role ARN`"), "{mixed}");
}

#[test]
fn mfa_without_role_rejected() {
    let message = invalid_argument(plan(&PlanInput {
        mfa: true,
        ..with_profile("base")
    }));
    assert!(message.contains("`--mfa` applies"), "{message}");
    assert!(message.contains("`mfa_serial`"), "{message}");
    assert!(message.ends_with("add `--role ARN`"), "{message}");

    let message = invalid_argument(plan(&PlanInput {
        mfa_serial: Some("arn:aws:iam::123456789012:mfa/opt".into()),
        ..with_profile("one")
    }));
    assert!(message.contains("`--mfa-serial` applies"), "{message}");

    let message = invalid_argument(plan(&PlanInput {
        mfa: true,
        mfa_serial: Some("arn:aws:iam::123456789012:mfa/opt".into()),
        ..with_profile("base")
    }));
    assert!(
        message.contains("`--mfa` and `--mfa-serial` apply"),
        "{message}"
    );
}

#[test]
fn mfa_with_profile_mfa_serial_accepted() {
    let with_flag = plan(&PlanInput {
        mfa: true,
        ..with_profile("mfa")
    })
    .unwrap();
    assert!(with_flag.base.hops[0].mfa_serial.is_some());

    let with_serial = plan(&PlanInput {
        mfa_serial: Some("arn:aws:iam::123456789012:mfa/opt".into()),
        ..with_profile("mfa")
    })
    .unwrap();
    // `--mfa-serial` names the device over the profile's `mfa_serial`.
    assert_eq!(
        with_serial.base.hops[0].mfa_serial,
        Some(MfaSerial::Known("arn:aws:iam::123456789012:mfa/opt".into()))
    );
}

#[test]
fn role_arn_format_checked_before_length() {
    let message = invalid_argument(plan(&PlanInput {
        roles: vec!["not-an-arn".into()],
        ..with_profile("base")
    }));
    assert!(
        message.contains(
            "invalid role ARN `not-an-arn`: expected `arn:aws:iam::<12-digit account>:role/<name>`"
        ),
        "{message}"
    );
    assert!(!message.contains("characters"), "{message}");

    let long = format!("arn:aws:iam::123456789012:role/{}", "a".repeat(2048));
    let message = invalid_argument(plan(&PlanInput {
        roles: vec![long],
        ..with_profile("base")
    }));
    assert!(
        message.contains("it has 2079 characters, STS accepts 20 to 2048"),
        "{message}"
    );
}

#[test]
fn counts_use_singular_for_one() {
    let message = invalid_argument(plan(&PlanInput {
        roles: vec!["arn:aws:iam::1:role/a".into()],
        ..with_profile("base")
    }));
    assert!(message.contains("account `1` has 1 digit,"), "{message}");

    let message = invalid_argument(plan(&PlanInput {
        roles: vec![ROLE_X.into()],
        role_session_name: Some("x".into()),
        ..with_profile("base")
    }));
    assert!(message.contains("it has 1 character,"), "{message}");

    let message = invalid_argument(plan(&PlanInput {
        roles: vec![ROLE_X.into()],
        external_id: Some("x".into()),
        ..with_profile("base")
    }));
    assert!(message.contains("it has 1 character,"), "{message}");
}

#[test]
fn policy_must_be_json_object() {
    let message = invalid_argument(plan(&PlanInput {
        roles: vec![ROLE_X.into()],
        assume_role_options: AssumeRoleOptions {
            policy: Some("garbage-policy-text".into()),
            ..Default::default()
        },
        ..with_profile("base")
    }));
    assert!(
        message.starts_with("invalid `--policy`: not a JSON object ("),
        "{message}"
    );
    assert!(message.contains("line 1 column"), "{message}");
    assert!(!message.contains("garbage-policy-text"), "{message}");

    let message = invalid_argument(plan(&PlanInput {
        roles: vec![ROLE_X.into()],
        assume_role_options: AssumeRoleOptions {
            policy: Some("[1, 2]".into()),
            ..Default::default()
        },
        ..with_profile("base")
    }));
    assert!(message.contains("not a JSON object"), "{message}");

    let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    let accepted = plan(&PlanInput {
        roles: vec![ROLE_X.into()],
        assume_role_options: AssumeRoleOptions {
            policy: Some(policy.into()),
            ..Default::default()
        },
        ..with_profile("base")
    });
    assert!(accepted.is_ok(), "{accepted:?}");
}

#[test]
fn profile_value_errors_carry_file_and_line() {
    let err = plan(&with_profile("bad-duration")).unwrap_err();
    let Error::InvalidConfig(config) = &err else {
        panic!("expected InvalidConfig, got {err:?}");
    };
    assert_eq!(config.file.as_deref(), Some("/home/u/.aws/config"));
    assert_eq!(config.line, Some(29));
    let shown = err.to_string();
    assert!(shown.contains("/home/u/.aws/config, line 29"), "{shown}");
    assert!(shown.contains("`60`"), "{shown}");
    assert!(shown.contains("bad-duration"), "{shown}");
}

#[test]
fn profile_arn_with_short_account_warns() {
    let config = "[profile a]\nrole_arn = arn:aws:iam::123456789:role/A\nsource_profile = b\n[profile b]\naws_access_key_id = AKID\naws_secret_access_key = S\n";
    let plan = plan(&PlanInput {
        config_file: Some(InputFile {
            path: "cfg".into(),
            text: config.into(),
        }),
        profile: Some("a".into()),
        ..PlanInput::default()
    })
    .unwrap();
    assert_eq!(plan.warnings.len(), 1, "{:?}", plan.warnings);
    assert!(
        plan.warnings[0].contains("`123456789`"),
        "{:?}",
        plan.warnings
    );
    assert!(
        plan.warnings[0].contains("cfg, line 2"),
        "{:?}",
        plan.warnings
    );
}

#[test]
fn malformed_file_names_file_and_line() {
    let err = plan(&PlanInput {
        config_file: Some(InputFile {
            path: "/x/config".into(),
            text: "[profile a]\nregion\n".into(),
        }),
        ..PlanInput::default()
    })
    .unwrap_err();
    assert!(matches!(err, Error::InvalidConfig(_)), "{err:?}");
    let shown = err.to_string();
    assert!(shown.starts_with("/x/config, line 2:"), "{shown}");
}

// --- profile selection and the default chain --------------------------

#[test]
fn explicit_missing_profile_is_config_error() {
    for input in [
        with_profile("nope"),
        PlanInput {
            environment: env(&[("AWS_PROFILE", "nope")]),
            ..input()
        },
    ] {
        let err = plan(&input).unwrap_err();
        assert!(matches!(err, Error::InvalidConfig(_)), "{err:?}");
        let shown = err.to_string();
        assert!(shown.contains("profile `nope`"), "{shown}");
        assert!(shown.contains("`base`"), "lists defined profiles: {shown}");
    }
}

#[test]
fn environment_keys_come_first_without_profile_option() {
    let plan = plan(&PlanInput {
        environment: env(&[
            ("AWS_PROFILE", "one"),
            ("AWS_ACCESS_KEY_ID", "AKIDENV"),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
        ]),
        ..input()
    })
    .unwrap();
    assert!(matches!(plan.base.root, Root::Environment { .. }));
    assert!(plan.base.hops.is_empty());
    assert!(
        plan.warnings.iter().any(|w| w.contains("--profile one")),
        "{:?}",
        plan.warnings
    );
}

#[test]
fn profile_option_skips_environment_keys() {
    let plan = plan(&PlanInput {
        environment: env(&[
            ("AWS_ACCESS_KEY_ID", "AKIDENV"),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
        ]),
        ..with_profile("one")
    })
    .unwrap();
    assert!(matches!(plan.base.root, Root::StaticKeys { .. }));
    assert_eq!(plan.base.hops.len(), 1);
}

#[test]
fn container_then_imds_then_error() {
    let container = plan(&PlanInput {
        environment: env(&[("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/creds")]),
        ..PlanInput::default()
    })
    .unwrap();
    let Root::EcsContainer(c) = &container.base.root else {
        panic!("expected container root, got {:?}", container.base.root);
    };
    assert_eq!(c.url.as_deref(), Some("http://169.254.170.2/v2/creds"));

    let imds = plan(&PlanInput::default()).unwrap();
    assert!(matches!(imds.base.root, Root::Ec2InstanceMetadata(_)));

    let err = plan(&PlanInput {
        environment: env(&[("AWS_EC2_METADATA_DISABLED", "TRUE")]),
        ..PlanInput::default()
    })
    .unwrap_err();
    let Error::NoSourceCredentials(message) = &err else {
        panic!("expected NoSourceCredentials, got {err:?}");
    };
    assert!(message.contains("AWS_ACCESS_KEY_ID"), "{message}");
    assert!(
        message.contains("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"),
        "{message}"
    );
    assert!(message.contains("AWS_EC2_METADATA_DISABLED"), "{message}");
}

#[test]
fn no_credentials_without_files() {
    let err = plan(&PlanInput {
        environment: env(&[("AWS_EC2_METADATA_DISABLED", "true")]),
        ..PlanInput::default()
    })
    .unwrap_err();
    let Error::NoSourceCredentials(message) = &err else {
        panic!("expected NoSourceCredentials, got {err:?}");
    };
    assert!(
        message.contains("looked for credentials in profile `default`, but neither a config file nor a credentials file exists"),
        "{message}"
    );
    assert!(message.contains("AWS_SHARED_CREDENTIALS_FILE"), "{message}");
    assert!(!message.contains("of no config"), "{message}");
}

#[test]
fn no_credentials_names_missing_profile() {
    let err = plan(&PlanInput {
        environment: env(&[("AWS_EC2_METADATA_DISABLED", "true")]),
        ..input()
    })
    .unwrap_err();
    let Error::NoSourceCredentials(message) = &err else {
        panic!("expected NoSourceCredentials, got {err:?}");
    };
    assert!(
        message.contains(
            "profile `default` is not in /home/u/.aws/config or /home/u/.aws/credentials"
        ),
        "{message}"
    );
}

#[test]
fn container_full_uri_must_be_allowed() {
    let err = plan(&PlanInput {
        environment: env(&[(
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "http://evil.example/creds",
        )]),
        ..PlanInput::default()
    })
    .unwrap_err();
    assert!(
        err.to_string().contains("`http://evil.example/creds`"),
        "{err}"
    );
    for ok in [
        "https://anywhere.example/creds",
        "http://localhost:8080/c",
        "http://127.0.0.1/c",
        "http://169.254.170.23/v1/credentials",
        "http://[fd00:ec2::23]/v1/credentials",
    ] {
        plan(&PlanInput {
            environment: env(&[("AWS_CONTAINER_CREDENTIALS_FULL_URI", ok)]),
            ..PlanInput::default()
        })
        .unwrap_or_else(|e| panic!("{ok}: {e}"));
    }
}

#[test]
fn web_identity_from_environment() {
    let plan = plan(&PlanInput {
        environment: env(&[
            ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/Pod"),
            ("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token"),
            ("AWS_ROLE_SESSION_NAME", "pod-session"),
            ("AWS_REGION", "us-west-2"),
        ]),
        roles: vec![ROLE_X.into()],
        ..PlanInput::default()
    })
    .unwrap();
    let Root::WebIdentity(w) = &plan.base.root else {
        panic!("expected web identity, got {:?}", plan.base.root);
    };
    assert_eq!(w.role_session_name, "pod-session");
    assert_eq!(w.sts.url, "https://sts.us-west-2.amazonaws.com");
    // Credentials from AssumeRoleWithWebIdentity are temporary.
    assert!(target_hop(&plan, 0).chained);
}

#[test]
fn sso_session_root() {
    let plan = plan(&PlanInput {
        environment: env(&[("HOME", "/home/u")]),
        ..with_profile("sso-user")
    })
    .unwrap();
    let Root::Sso(sso) = &plan.base.root else {
        panic!("expected SSO, got {:?}", plan.base.root);
    };
    assert_eq!(
        sso.portal_endpoint,
        "https://portal.sso.eu-central-1.amazonaws.com"
    );
    assert_eq!(
        sso.token_cache_file,
        format!("/home/u/.aws/sso/cache/{}.json", sha1_hex(b"corp"))
    );
    assert_eq!(sso.start_url, "https://corp.awsapps.com/start");
    assert_eq!(sso.account_id, "111122223333");

    let overridden = plan_sso_with(&[("AWS_ENDPOINT_URL_SSO", "http://localhost:9000")]);
    assert_eq!(overridden, "http://localhost:9000");
}

fn plan_sso_with(pairs: &[(&str, &str)]) -> String {
    let plan = plan(&PlanInput {
        environment: env(pairs),
        ..with_profile("sso-user")
    })
    .unwrap();
    match plan.base.root {
        Root::Sso(sso) => sso.portal_endpoint,
        other => panic!("expected SSO, got {other:?}"),
    }
}

#[test]
fn legacy_sso_cache_uses_start_url() {
    let config = "[profile s]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 111122223333\nsso_role_name = R\n";
    let plan = plan(&PlanInput {
        config_file: Some(InputFile {
            path: "cfg".into(),
            text: config.into(),
        }),
        environment: env(&[("HOME", "/h")]),
        profile: Some("s".into()),
        ..PlanInput::default()
    })
    .unwrap();
    let Root::Sso(sso) = &plan.base.root else {
        panic!("expected SSO root");
    };
    let digest = sha1_hex(b"https://x.awsapps.com/start");
    assert_eq!(
        sso.token_cache_file,
        format!("/h/.aws/sso/cache/{digest}.json")
    );
    assert_eq!(sso.session_name, None);
}

#[test]
fn credential_process_root() {
    let config = "[profile p]\ncredential_process = /usr/bin/get-creds --json\n";
    let plan = plan(&PlanInput {
        config_file: Some(InputFile {
            path: "cfg".into(),
            text: config.into(),
        }),
        profile: Some("p".into()),
        roles: vec![ROLE_X.into()],
        duration_seconds: Some(7200),
        ..PlanInput::default()
    })
    .unwrap();
    assert!(matches!(plan.base.root, Root::CredentialProcess { .. }));
    // The process may return role credentials: a warning, not an error.
    assert!(!target_hop(&plan, 0).chained);
    assert!(
        plan.warnings.iter().any(|w| w.contains("`7200`")),
        "{:?}",
        plan.warnings
    );
}

// --- -R targets and role chaining -------------------------------------

#[test]
fn each_role_option_is_its_own_target() {
    let plan = plan(&PlanInput {
        roles: vec![ROLE_X.into(), ROLE_Y.into()],
        ..with_profile("one")
    })
    .unwrap();
    assert_eq!(plan.targets.len(), 2);
    assert_eq!(plan.base.hops.len(), 1);
    for (i, arn) in [ROLE_X, ROLE_Y].iter().enumerate() {
        let hop = target_hop(&plan, i);
        assert_eq!(hop.role_arn, *arn);
        assert_eq!(hop.origin, HopOrigin::RoleOption);
        // Assumed with the profile hop's role credentials.
        assert!(hop.chained);
        assert_eq!(hop.duration_seconds, 3600);
        assert_eq!(hop.role_session_name, "botocore-session-1700000000");
    }
    let views = steps(&plan);
    assert_eq!(views.len(), 2);
    assert_eq!(views[1].steps.len(), 3, "root, profile hop, -R hop");
    assert_eq!(views[1].role_arn.as_deref(), Some(ROLE_Y));
}

#[test]
fn roles_from_static_keys_are_not_chained() {
    let plan = plan(&PlanInput {
        roles: vec![ROLE_X.into()],
        duration_seconds: Some(43_200),
        ..with_profile("base")
    })
    .unwrap();
    let hop = target_hop(&plan, 0);
    assert!(!hop.chained);
    assert_eq!(hop.duration_seconds, 43_200);
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
}

#[test]
fn chained_role_option_over_one_hour_is_rejected() {
    let message = invalid_argument(plan(&PlanInput {
        roles: vec![ROLE_X.into()],
        duration_seconds: Some(7200),
        ..with_profile("one")
    }));
    assert!(message.contains("`7200`"), "{message}");
    assert!(message.contains(ROLE_X), "{message}");
    assert!(message.contains("3600"), "{message}");
    assert!(message.contains("role chaining"), "{message}");
}

#[test]
fn chained_profile_hop_over_one_hour_is_rejected() {
    let message = invalid_argument(plan(&with_profile("long")));
    assert!(message.contains("`7200`"), "{message}");
    assert!(message.contains("profile `long`"), "{message}");
    assert!(message.contains("1 hour"), "{message}");
}

#[test]
fn two_profile_hops_chain() {
    let plan = plan(&with_profile("two")).unwrap();
    assert_eq!(plan.base.hops.len(), 2);
    assert!(!plan.base.hops[0].chained);
    assert!(plan.base.hops[1].chained);
    assert_eq!(
        plan.base.hops[0].role_arn,
        "arn:aws:iam::111122223333:role/One"
    );
}

#[test]
fn temporary_root_warns_instead_of_rejecting() {
    let plan = plan(&PlanInput {
        environment: env(&[
            ("AWS_ACCESS_KEY_ID", "ASIAEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
            ("AWS_SESSION_TOKEN", TOKEN),
        ]),
        roles: vec![ROLE_X.into()],
        duration_seconds: Some(7200),
        ..PlanInput::default()
    })
    .unwrap();
    assert!(!target_hop(&plan, 0).chained);
    assert_eq!(plan.warnings.len(), 1, "{:?}", plan.warnings);
    assert!(plan.warnings[0].contains("`7200`"), "{:?}", plan.warnings);

    let imds = plan_imds_role_7200();
    assert!(
        imds.warnings.iter().any(|w| w.contains("`7200`")),
        "{:?}",
        imds.warnings
    );
}

fn plan_imds_role_7200() -> Plan {
    plan(&PlanInput {
        roles: vec![ROLE_X.into()],
        duration_seconds: Some(7200),
        ..PlanInput::default()
    })
    .unwrap()
}

#[test]
fn credential_source_imds_disabled_is_an_error() {
    let err = plan(&PlanInput {
        environment: env(&[("AWS_EC2_METADATA_DISABLED", "true")]),
        ..with_profile("imds-role")
    })
    .unwrap_err();
    assert!(matches!(err, Error::NoSourceCredentials(_)), "{err:?}");
    assert!(err.to_string().contains("imds-role"), "{err}");
}

// --- MFA ----------------------------------------------------------------

#[test]
fn single_mfa_hop_carries_the_code() {
    let plan = plan(&with_profile("mfa")).unwrap();
    assert!(plan.base.session_token.is_none());
    let hop = &plan.base.hops[0];
    assert_eq!(
        hop.mfa_serial,
        Some(MfaSerial::Known("arn:aws:iam::111122223333:mfa/me".into()))
    );
    assert!(!hop.mfa_from_session);
    assert!(!hop.chained);
    let decision = plan.mfa_decision.unwrap();
    assert!(decision.contains("one hop"), "{decision}");
}

#[test]
fn several_mfa_hops_use_get_session_token() {
    let plan = plan(&PlanInput {
        roles: vec![ROLE_X.into(), ROLE_Y.into()],
        mfa: true,
        ..with_profile("base")
    })
    .unwrap();
    let step = plan
        .base
        .session_token
        .as_ref()
        .expect("GetSessionToken step");
    // No serial anywhere, so the session prompts for it.
    assert_eq!(step.mfa_serial, MfaSerial::Ask);
    assert_eq!(step.duration_seconds, plan::SESSION_TOKEN_DURATION);
    for i in 0..2 {
        let hop = target_hop(&plan, i);
        assert!(hop.mfa_from_session);
        assert!(hop.chained);
    }
    let decision = plan.mfa_decision.unwrap();
    assert!(decision.contains("GetSessionToken"), "{decision}");
}

#[test]
fn mfa_serial_comes_from_option_then_profile() {
    let from_profile = plan(&PlanInput {
        roles: vec![ROLE_X.into(), ROLE_Y.into()],
        mfa: true,
        ..with_profile("mfa")
    })
    .unwrap();
    let step = from_profile.base.session_token.as_ref().unwrap();
    assert_eq!(
        step.mfa_serial,
        MfaSerial::Known("arn:aws:iam::111122223333:mfa/me".into())
    );
    // The profile hop needs MFA too, and is now covered by the session.
    assert!(from_profile.base.hops[0].mfa_from_session);
    assert!(from_profile.base.hops[0].chained);

    let from_option = plan(&PlanInput {
        roles: vec![ROLE_X.into()],
        mfa_serial: Some("arn:aws:iam::123456789012:mfa/opt".into()),
        ..with_profile("base")
    })
    .unwrap();
    assert!(from_option.base.session_token.is_none());
    assert_eq!(
        target_hop(&from_option, 0).mfa_serial,
        Some(MfaSerial::Known("arn:aws:iam::123456789012:mfa/opt".into()))
    );
}

#[test]
fn chained_durations_conflict_with_get_session_token() {
    let message = invalid_argument(plan(&PlanInput {
        roles: vec![ROLE_X.into(), ROLE_Y.into()],
        mfa: true,
        duration_seconds: Some(7200),
        ..with_profile("base")
    }));
    assert!(message.contains("`7200`"), "{message}");
}

#[test]
fn temporary_root_sends_a_code_per_hop() {
    let plan = plan(&PlanInput {
        environment: env(&[
            ("AWS_ACCESS_KEY_ID", "ASIAEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
            ("AWS_SESSION_TOKEN", TOKEN),
        ]),
        roles: vec![ROLE_X.into(), ROLE_Y.into()],
        mfa: true,
        ..PlanInput::default()
    })
    .unwrap();
    assert!(plan.base.session_token.is_none());
    assert!(!target_hop(&plan, 0).mfa_from_session);
    assert!(plan.mfa_decision.unwrap().contains("its own MFA code"));
}

// --- region and endpoints -----------------------------------------------

fn endpoint_with(
    extra_env: &[(&str, &str)],
    region: Option<&str>,
    profile: &str,
) -> (String, String) {
    let plan = plan(&PlanInput {
        environment: env(extra_env),
        region: region.map(String::from),
        roles: vec![ROLE_X.into()],
        ..with_profile(profile)
    })
    .unwrap();
    let hop = target_hop(&plan, 0);
    (hop.sts.url.clone(), hop.sts.signing_region.clone())
}

#[test]
fn region_precedence() {
    let all = [
        ("AWS_REGION", "us-west-1"),
        ("AWS_DEFAULT_REGION", "us-west-2"),
    ];
    assert_eq!(
        endpoint_with(&all, Some("ap-south-1"), "base").1,
        "ap-south-1"
    );
    assert_eq!(endpoint_with(&all, None, "base").1, "us-west-1");
    assert_eq!(endpoint_with(&all[1..], None, "base").1, "us-west-2");
    assert_eq!(
        endpoint_with(&[], None, "base").1,
        "eu-west-1",
        "profile region"
    );
    assert_eq!(
        endpoint_with(&[], None, "one"),
        (
            "https://sts.us-east-1.amazonaws.com".into(),
            "us-east-1".into()
        ),
        "partition default"
    );
}

#[test]
fn partition_default_region_from_arn() {
    let plan = plan(&PlanInput {
        roles: vec!["arn:aws-cn:iam::123456789012:role/X".into()],
        ..with_profile("one")
    })
    .unwrap();
    let hop = target_hop(&plan, 0);
    assert_eq!(hop.sts.url, "https://sts.cn-north-1.amazonaws.com.cn");
    assert_eq!(hop.sts.signing_region, "cn-north-1");
}

#[test]
fn invalid_region_is_rejected() {
    let err = plan(&PlanInput {
        region: Some("us-east-1/../x".into()),
        ..with_profile("base")
    })
    .unwrap_err();
    assert!(err.to_string().contains("`us-east-1/../x`"), "{err}");
}

#[test]
fn endpoint_flags() {
    let legacy = endpoint_with(
        &[("AWS_STS_REGIONAL_ENDPOINTS", "legacy")],
        Some("us-east-1"),
        "base",
    );
    assert_eq!(
        legacy,
        ("https://sts.amazonaws.com".into(), "us-east-1".into())
    );
    let legacy_new_region = endpoint_with(
        &[("AWS_STS_REGIONAL_ENDPOINTS", "legacy")],
        Some("ap-east-1"),
        "base",
    );
    assert_eq!(legacy_new_region.0, "https://sts.ap-east-1.amazonaws.com");
    let fips = endpoint_with(
        &[("AWS_USE_FIPS_ENDPOINT", "true")],
        Some("us-east-2"),
        "base",
    );
    assert_eq!(fips.0, "https://sts-fips.us-east-2.amazonaws.com");
    let dual = endpoint_with(
        &[("AWS_USE_DUALSTACK_ENDPOINT", "true")],
        Some("us-east-2"),
        "base",
    );
    assert_eq!(dual.0, "https://sts.us-east-2.api.aws");
    let err = plan(&PlanInput {
        environment: env(&[("AWS_STS_REGIONAL_ENDPOINTS", "sometimes")]),
        ..with_profile("base")
    })
    .unwrap_err();
    assert!(err.to_string().contains("`sometimes`"), "{err}");
}

#[test]
fn endpoint_url_precedence() {
    let services = endpoint_with(&[], None, "local");
    assert_eq!(services.0, "http://localhost:5000", "services section");
    let global_env = endpoint_with(&[("AWS_ENDPOINT_URL", "http://global:1")], None, "local");
    assert_eq!(
        global_env.0, "http://localhost:5000",
        "services section beats AWS_ENDPOINT_URL"
    );
    let sts_env = endpoint_with(
        &[("AWS_ENDPOINT_URL_STS", "http://sts-env:2")],
        None,
        "local",
    );
    assert_eq!(sts_env.0, "http://sts-env:2");
    let ignored = endpoint_with(
        &[("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")],
        None,
        "local",
    );
    assert_eq!(ignored.0, "https://sts.us-east-1.amazonaws.com");

    let plan = plan(&PlanInput {
        environment: env(&[("AWS_ENDPOINT_URL_STS", "http://sts-env:2")]),
        endpoint_url: Some("http://option:3".into()),
        roles: vec![ROLE_X.into()],
        ..with_profile("base")
    })
    .unwrap();
    let hop = target_hop(&plan, 0);
    assert_eq!(hop.sts.url, "http://option:3");
    assert_eq!(hop.sts.signing_region, "eu-west-1");

    let err = plan_with_endpoint("ftp://x");
    assert!(err.contains("`ftp://x`"), "{err}");
}

fn plan_with_endpoint(url: &str) -> String {
    plan(&PlanInput {
        endpoint_url: Some(url.into()),
        ..with_profile("base")
    })
    .unwrap_err()
    .to_string()
}

#[test]
fn custom_endpoint_with_fips_fails_before_sending() {
    let err = plan(&PlanInput {
        environment: env(&[
            ("AWS_USE_FIPS_ENDPOINT", "true"),
            ("AWS_ENDPOINT_URL", "http://x:1"),
        ]),
        roles: vec![ROLE_X.into()],
        ..with_profile("base")
    })
    .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");
    assert!(err.to_string().contains("AWS_ENDPOINT_URL"), "{err}");
}

// --- rendering and the dry run ------------------------------------------

#[test]
fn render_json_shape() {
    let plan = plan(&PlanInput {
        roles: vec![ROLE_X.into()],
        ..with_profile("one")
    })
    .unwrap();
    let json: Value = serde_json::from_str(&render_json(&plan, NOW)).unwrap();
    let target = &json["targets"][0];
    assert_eq!(target["role_arn"], ROLE_X);
    let steps = target["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 3);
    assert_eq!(steps[0]["type"], "static-keys");
    assert_eq!(steps[0]["access_key_id"], "AKIAIOSFODNN7EXAMPLE");
    let hop = &steps[2];
    assert_eq!(hop["type"], "assume-role");
    assert_eq!(hop["role_arn"], ROLE_X);
    assert_eq!(hop["role_session_name"], "botocore-session-1700000000");
    assert_eq!(hop["duration_seconds"], 3600);
    assert_eq!(hop["external_id"], Value::Null);
    assert_eq!(hop["mfa_serial"], Value::Null);
    assert_eq!(hop["chained"], true);
    // Profile `one` sets no region, and the source profile's region does
    // not apply (botocore reads only the selected profile).
    assert_eq!(hop["sts_endpoint"], "https://sts.us-east-1.amazonaws.com");
    assert_eq!(hop["signing_region"], "us-east-1");
    assert_eq!(steps[1]["chained"], false);
    assert!(json["warnings"].is_array());
    assert!(json.get("dry_run").is_none());
}

#[test]
fn render_text_lists_chain_decision_and_warnings() {
    let plan = plan(&PlanInput {
        roles: vec![ROLE_X.into(), ROLE_Y.into()],
        mfa: true,
        ..with_profile("base")
    })
    .unwrap();
    let text = render_text(&plan, NOW);
    assert!(
        text.contains("Target 1: arn:aws:iam::123456789012:role/X"),
        "{text}"
    );
    assert!(
        text.contains("Target 2: arn:aws:iam::123456789012:role/Y"),
        "{text}"
    );
    assert!(
        text.contains("  1. static keys of profile `base`"),
        "{text}"
    );
    assert!(text.contains("  2. GetSessionToken"), "{text}");
    assert!(
        text.contains("endpoint https://sts.eu-west-1.amazonaws.com"),
        "{text}"
    );
    assert!(text.contains("MFA: 2 hops need MFA"), "{text}");
    assert!(!text.contains(SECRET), "{text}");
}

#[test]
fn render_text_uses_readable_labels() {
    let plan = plan(&PlanInput {
        environment: env(&[
            ("AWS_ACCESS_KEY_ID", "AKIDENV"),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
        ]),
        roles: vec![ROLE_X.into()],
        assume_role_options: AssumeRoleOptions {
            tags: vec![("team".into(), "a".into())],
            transitive_tag_keys: vec!["team".into()],
            ..Default::default()
        },
        ..PlanInput::default()
    })
    .unwrap();
    let text = render_text(&plan, NOW);
    assert!(text.contains("     no session token\n"), "{text}");
    assert!(text.contains("transitive tag keys: team"), "{text}");
    assert!(text.contains("session tags: team=a"), "{text}");
    assert!(!text.contains("session_token_set"), "{text}");
    assert!(!text.contains("transitive_tag_keys"), "{text}");

    let json: Value = serde_json::from_str(&render_json(&plan, NOW)).unwrap();
    let steps = &json["targets"][0]["steps"];
    assert_eq!(steps[0]["session_token_set"], "false");
    assert_eq!(steps[1]["transitive_tag_keys"], "team");
}

fn assert_no_secrets(text: &str) {
    assert!(!text.contains(SECRET), "secret key in output: {text}");
    assert!(!text.contains(TOKEN), "session token in output: {text}");
}

#[test]
fn dry_run_shows_no_secret() {
    let plan = plan(&PlanInput {
        environment: env(&[
            ("AWS_ACCESS_KEY_ID", "ASIAEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", SECRET),
            ("AWS_SESSION_TOKEN", TOKEN),
        ]),
        roles: vec![ROLE_X.into()],
        external_id: Some("ext-123".into()),
        ..PlanInput::default()
    })
    .unwrap();
    let json_text = render(&plan, Format::Json, NOW, true);
    assert_no_secrets(&json_text);
    let json: Value = serde_json::from_str(&json_text).unwrap();
    let dry = &json["dry_run"];
    assert_eq!(dry["method"], "POST");
    assert_eq!(dry["url"], "https://sts.us-east-1.amazonaws.com/");
    let body = dry["body"].as_str().unwrap();
    assert!(
        body.starts_with("Action=AssumeRole&Version=2011-06-15"),
        "{body}"
    );
    assert!(body.contains("ExternalId=ext-123"), "{body}");
    // Signing may not be available yet; either way no secret shows.
    if dry["signature"].is_string() {
        let headers = dry["headers"].as_array().unwrap();
        assert!(headers
            .iter()
            .any(|h| h[0].as_str().unwrap().eq_ignore_ascii_case("authorization")));
    } else {
        assert!(dry["error"].is_string());
    }
    let text = render(&plan, Format::Text, NOW, true);
    assert_no_secrets(&text);
    assert!(text.contains("Dry run: AssumeRole"), "{text}");
    assert_no_secrets(&format!("{plan:?}"));
}

#[test]
fn dry_run_needs_known_keys() {
    let plan = plan(&PlanInput {
        roles: vec![ROLE_X.into()],
        ..PlanInput::default()
    })
    .unwrap();
    assert!(plan::dry_run(&plan, NOW).is_none());
    let json: Value = serde_json::from_str(&render(&plan, Format::Json, NOW, true)).unwrap();
    assert_eq!(json["dry_run"], Value::Null);
    assert_eq!(
        json["targets"][0]["steps"][0]["type"],
        "ec2-instance-metadata"
    );
}

#[test]
fn debug_of_plan_hides_static_secret() {
    let plan = plan(&with_profile("one")).unwrap();
    assert_no_secrets(&format!("{plan:?}"));
    assert_no_secrets(&render(&plan, Format::Json, NOW, true));
}

// --- the bundled example and the STS request builders -------------------

#[test]
fn bundled_example_plans_without_network() {
    let root = env!("CARGO_MANIFEST_DIR");
    let read = |name: &str| std::fs::read_to_string(format!("{root}/examples/aws/{name}")).unwrap();
    let base = PlanInput {
        config_file: Some(InputFile {
            path: "examples/aws/config".into(),
            text: read("config"),
        }),
        credentials_file: Some(InputFile {
            path: "examples/aws/credentials".into(),
            text: read("credentials"),
        }),
        now: NOW,
        ..PlanInput::default()
    };
    for profile in ["audit", "vendor", "member-account", "audit-mfa"] {
        let plan = plan(&PlanInput {
            profile: Some(profile.into()),
            ..base.clone()
        })
        .unwrap_or_else(|e| panic!("{profile}: {e}"));
        assert!(
            matches!(plan.base.root, Root::StaticKeys { .. }),
            "{profile}"
        );
        assert!(plan.warnings.is_empty(), "{profile}: {:?}", plan.warnings);
    }
    let ecs = plan(&PlanInput {
        profile: Some("ecs-task".into()),
        environment: env(&[(
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "/v2/credentials/x",
        )]),
        ..base.clone()
    })
    .unwrap();
    assert!(matches!(ecs.base.root, Root::EcsContainer(_)));
    let vendor = plan(&PlanInput {
        profile: Some("vendor".into()),
        ..base
    })
    .unwrap();
    assert_eq!(
        vendor.base.hops[0].external_id.as_deref(),
        Some("example-external-id-1234")
    );
}

#[test]
fn assume_role_request_has_every_parameter() {
    let endpoint = plan::StsEndpoint {
        url: "https://sts.us-east-1.amazonaws.com".into(),
        signing_region: "us-east-1".into(),
    };
    let options = AssumeRoleOptions {
        policy: Some("{\"Version\":\"2012-10-17\"}".into()),
        policy_arns: vec![
            "arn:aws:iam::aws:policy/A".into(),
            "arn:aws:iam::aws:policy/B".into(),
        ],
        tags: vec![("team".into(), "sec ops".into())],
        transitive_tag_keys: vec!["team".into()],
        source_identity: Some("alice".into()),
    };
    let request = sts::assume_role(
        &endpoint,
        &AssumeRoleRequest {
            role_arn: ROLE_X,
            role_session_name: "s1",
            duration_seconds: Some(900),
            external_id: Some("e/x"),
            serial_number: Some("arn:aws:iam::123456789012:mfa/me"),
            token_code: Some("123456"),
            options: Some(&options),
        },
    );
    assert_eq!(request.method, "POST");
    assert_eq!(request.url, "https://sts.us-east-1.amazonaws.com/");
    assert!(request.headers.contains(&(
        "content-type".into(),
        "application/x-www-form-urlencoded; charset=utf-8".into()
    )));
    assert!(request
        .headers
        .contains(&("host".into(), "sts.us-east-1.amazonaws.com".into())));
    let body = String::from_utf8(request.body).unwrap();
    let expected = [
        "Action=AssumeRole",
        "Version=2011-06-15",
        "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FX",
        "RoleSessionName=s1",
        "DurationSeconds=900",
        "ExternalId=e%2Fx",
        "Policy=%7B%22Version%22%3A%222012-10-17%22%7D",
        "PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FA",
        "PolicyArns.member.2.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FB",
        "Tags.member.1.Key=team",
        // A space is `+`, as in botocore's `urlencode` of the form.
        "Tags.member.1.Value=sec+ops",
        "TransitiveTagKeys.member.1=team",
        "SourceIdentity=alice",
        "SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Fme",
        "TokenCode=123456",
    ];
    let params: Vec<&str> = body.split('&').collect();
    assert_eq!(params, expected);
}

#[test]
fn other_sts_requests() {
    let endpoint = plan::StsEndpoint {
        url: "http://localhost:5000/".into(),
        signing_region: "us-east-1".into(),
    };
    let gst = sts::get_session_token(
        &endpoint,
        &sts::GetSessionTokenRequest {
            duration_seconds: Some(3600),
            serial_number: Some("arn:aws:iam::123456789012:mfa/me"),
            token_code: Some("654321"),
        },
    );
    assert_eq!(
        String::from_utf8(gst.body).unwrap(),
        "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=3600&SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Fme&TokenCode=654321"
    );
    assert_eq!(gst.url, "http://localhost:5000/");
    assert!(gst
        .headers
        .contains(&("host".into(), "localhost:5000".into())));
    let gci = sts::get_caller_identity(&endpoint);
    assert_eq!(
        String::from_utf8(gci.body).unwrap(),
        "Action=GetCallerIdentity&Version=2011-06-15"
    );
    let web = sts::assume_role_with_web_identity(
        &endpoint,
        &sts::WebIdentityRequest {
            role_arn: ROLE_X,
            role_session_name: "pod",
            web_identity_token: "eyJ.token",
            duration_seconds: None,
        },
    );
    assert_eq!(
        String::from_utf8(web.body).unwrap(),
        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2FX&RoleSessionName=pod&WebIdentityToken=eyJ.token"
    );
}
