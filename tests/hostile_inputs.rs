//! Hostile input to the native core: malformed config files, random bytes
//! and random call orders. Nothing here may panic, and no error or `Debug`
//! text may contain the secret access key, the session token or an MFA
//! code.
//!
//! Some of these tests fail against the current code. Each one names the
//! input that breaks the rule it checks.

use std::process::Command;

use proptest::prelude::*;
use rolechain::plan::{plan, InputFile, PlanInput};
use rolechain::profile::parse;
use rolechain::session::{Action, Session};
use rolechain::sigv4::{sign, PathEncoding, Payload, SessionTokenMode, SigningOptions};
use rolechain::{Credentials, Error, HttpRequest, HttpResponse};

/// 2023-11-14T22:13:20Z.
const NOW: i64 = 1_700_000_000_000;
const KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
/// AWS's documented example secret key: 40 characters.
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const TOKEN: &str = "FwoGZXIvYXdzEXAMPLETOKENvalue+/=";
const MFA_CODE: &str = "493817";
const ROLE: &str = "arn:aws:iam::123456789012:role/scanner";

fn config_input(text: &str) -> PlanInput {
    PlanInput {
        config_file: Some(InputFile {
            path: "/home/u/.aws/config".into(),
            text: text.into(),
        }),
        environment: vec![("AWS_EC2_METADATA_DISABLED".into(), "true".into())],
        now: NOW,
        ..PlanInput::default()
    }
}

/// Fails the test when `text` contains a secret of this file.
fn assert_no_secret(text: &str, context: &str) {
    assert!(
        !text.contains(SECRET),
        "{context}: the secret access key appears in `{text}`"
    );
    // Any 16-character piece of the secret counts: error excerpts cut lines.
    for start in 0..=SECRET.len() - 16 {
        let piece = &SECRET[start..start + 16];
        assert!(
            !text.contains(piece),
            "{context}: part `{piece}` of the secret access key appears in `{text}`"
        );
    }
    assert!(
        !text.contains(TOKEN),
        "{context}: the session token appears in `{text}`"
    );
}

// ---------------------------------------------------------------------------
// Config file syntax errors
// ---------------------------------------------------------------------------

#[test]
fn parse_error_hides_secret_without_equals() {
    // A typo (`:` for `=`) on the secret's line.
    let text =
        format!("[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key: {SECRET}\n");
    let error = plan(&config_input(&text)).expect_err("a line without `=` is invalid");
    assert!(matches!(error, Error::InvalidConfig(_)), "{error:?}");
    assert_no_secret(&error.to_string(), "property without `=`");
}

#[test]
fn parse_error_hides_secret_on_next_line() {
    // The value wrapped onto its own line when pasted.
    let text =
        format!("[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key =\n{SECRET}\n");
    let error = plan(&config_input(&text)).expect_err("a bare line is invalid");
    assert_no_secret(&error.to_string(), "bare secret line");
}

#[test]
fn parse_error_hides_secret_as_sub_property() {
    let text =
        format!("[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key =\n  {SECRET}\n");
    let error = plan(&config_input(&text)).expect_err("a sub-property needs `=`");
    assert_no_secret(&error.to_string(), "indented secret line");
}

#[test]
fn parse_error_hides_secret_before_section() {
    let text = format!("{SECRET}\n[default]\naws_access_key_id = {KEY_ID}\n");
    let error = plan(&config_input(&text)).expect_err("a line before any section is invalid");
    assert_no_secret(&error.to_string(), "secret before the first section");
}

#[test]
fn parse_error_hides_session_token() {
    // The token without its `=` padding, so that the line has no `=`.
    let token = TOKEN.trim_end_matches('=');
    let text = format!(
        "[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = x\naws_session_token {token}\n"
    );
    let error = plan(&config_input(&text)).expect_err("a line without `=` is invalid");
    let message = error.to_string();
    assert!(
        !message.contains(&token[..16]),
        "the session token appears in `{message}`"
    );
}

#[test]
fn ignored_property_warning_hides_session_token() {
    // A session token often ends in `=` padding, so a line that lost its own
    // `=` still splits there, and the whole line becomes the property name.
    let text = format!(
        "[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = x\naws_session_token {TOKEN}\n"
    );
    let plan = plan(&config_input(&text)).expect("the line is a property with an invalid name");
    let prefix = TOKEN[..16].to_ascii_lowercase();
    for warning in &plan.warnings {
        assert!(
            !warning.to_ascii_lowercase().contains(&prefix),
            "a warning shows the session token: {warning}"
        );
    }
}

#[test]
fn byte_order_mark_accepted() {
    // Windows editors often save UTF-8 with a byte order mark, so the
    // planner should accept it or name it in the error.
    let text =
        format!("\u{feff}[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = x\n");
    match plan(&config_input(&text)) {
        Ok(_) => {}
        Err(error) => {
            let message = error.to_string();
            assert!(
                message.contains("byte order mark") || message.contains("BOM"),
                "the error does not name the byte order mark: {message}"
            );
        }
    }
}

#[test]
fn control_characters_in_keys_rejected() {
    // A NUL or escape byte in a key ID cannot be sent in a header, and the
    // plan prints it raw to the terminal.
    for key_id in ["AK\0ID", "AK\u{1b}[31mID"] {
        let text = format!("[default]\naws_access_key_id = {key_id}\naws_secret_access_key = x\n");
        let result = plan(&config_input(&text));
        assert!(
            matches!(result, Err(Error::InvalidConfig(_))),
            "access key ID {key_id:?} gave {result:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// Deep source_profile chains
// ---------------------------------------------------------------------------

const DEEP_CHAIN_CHILD: &str = "ROLECHAIN_HOSTILE_DEEP_CHAIN_CHILD";
const DEEP_CHAIN_HOPS: usize = 5_000;
/// The stack of the planning thread in the child process. The component,
/// run by the CLI, traps on a chain of about 980 hops.
const DEEP_CHAIN_STACK: usize = 1 << 20;

fn deep_chain_config(hops: usize) -> String {
    let mut text =
        format!("[profile p0]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = x\n");
    for i in 1..=hops {
        text.push_str(&format!(
            "[profile p{i}]\nrole_arn = arn:aws:iam::123456789012:role/r{i}\nsource_profile = p{}\n",
            i - 1
        ));
    }
    text
}

/// Plans a 5000-hop chain on a 1 MiB stack. Run in a child process by
/// `deep_source_profile_chain_no_overflow`, because a stack overflow aborts
/// the whole test binary.
#[test]
fn deep_chain_child_process() {
    if std::env::var_os(DEEP_CHAIN_CHILD).is_none() {
        return;
    }
    let mut input = config_input(&deep_chain_config(DEEP_CHAIN_HOPS));
    input.profile = Some(format!("p{DEEP_CHAIN_HOPS}"));
    let outcome = std::thread::Builder::new()
        .stack_size(DEEP_CHAIN_STACK)
        .spawn(move || match plan(&input) {
            Ok(_) => "ok".to_string(),
            Err(Error::InvalidConfig(e)) => format!("invalid config: {e}"),
            Err(other) => panic!("unexpected error kind: {other:?}"),
        })
        .expect("spawn the planning thread")
        .join()
        .expect("the planning thread panicked");
    println!("deep chain outcome: {outcome}");
}

#[test]
fn deep_source_profile_chain_no_overflow() {
    let exe = std::env::current_exe().expect("the test binary's path");
    let output = Command::new(exe)
        .args(["--exact", "deep_chain_child_process", "--nocapture"])
        .env(DEEP_CHAIN_CHILD, "1")
        .output()
        .expect("run the child test");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "planning a {DEEP_CHAIN_HOPS}-hop source_profile chain crashed ({}):\n{stderr}",
        output.status
    );
    assert!(stdout.contains("deep chain outcome:"), "{stdout}");
}

// ---------------------------------------------------------------------------
// Debug output of actions
// ---------------------------------------------------------------------------

#[test]
fn action_debug_hides_container_token() {
    let token = "container-authorization-token-value";
    let mut input = PlanInput {
        environment: vec![
            (
                "AWS_CONTAINER_CREDENTIALS_FULL_URI".into(),
                "http://127.0.0.1:9/creds".into(),
            ),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN".into(), token.into()),
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
        ],
        now: NOW,
        ..PlanInput::default()
    };
    input.roles = vec![ROLE.into()];
    let plan = plan(&input).expect("a container root is valid");

    let mut session = Session::new(plan, NOW, 7);
    let action = session.poll(NOW);
    let Action::SendHttp(request) = &action else {
        panic!("expected the container request, got {action:?}");
    };
    assert!(
        request.headers.iter().any(|(_, v)| v == token),
        "the request carries the token"
    );

    let request_debug = format!("{request:?}");
    assert!(!request_debug.contains(token), "{request_debug}");
    let action_debug = format!("{action:?}");
    assert!(
        !action_debug.contains(token),
        "Action's Debug shows the container authorization token: {action_debug}"
    );
}

// ---------------------------------------------------------------------------
// Random input: parser, planner, signer
// ---------------------------------------------------------------------------

/// Lines built from the config format's own pieces, so that random files
/// reach past the first syntax error.
fn config_line() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("[default]".to_string()),
        "\\[profile [a-c ]{0,3}\\]",
        Just("[sso-session s]".to_string()),
        Just("[services x]".to_string()),
        "[ \t]{0,2}(role_arn|source_profile|credential_source|mfa_serial|duration_seconds|external_id|role_session_name|region|sts_regional_endpoints|endpoint_url|aws_access_key_id|aws_secret_access_key|aws_session_token|credential_process|web_identity_token_file|sso_session|sso_start_url|sso_account_id|sso_role_name|sso_region|use_fips_endpoint|use_dualstack_endpoint|services|sts) ?= ?.{0,30}",
        Just("source_profile = default".to_string()),
        "source_profile = [a-c]",
        "role_arn = arn:aws:iam::[0-9]{9,13}:role/[a-z]{1,5}",
        "credential_source = (Environment|Ec2InstanceMetadata|EcsContainer|Other)",
        "duration_seconds = -?[0-9]{0,12}",
        "  [a-z_]{0,10} ?= ?.{0,10}",
        ".{0,40}",
        "[#;].{0,10}",
    ]
}

fn environment() -> impl Strategy<Value = Vec<(String, String)>> {
    let name = prop_oneof![
        Just("AWS_PROFILE"),
        Just("AWS_REGION"),
        Just("AWS_DEFAULT_REGION"),
        Just("AWS_ACCESS_KEY_ID"),
        Just("AWS_SECRET_ACCESS_KEY"),
        Just("AWS_SESSION_TOKEN"),
        Just("AWS_ENDPOINT_URL"),
        Just("AWS_ENDPOINT_URL_STS"),
        Just("AWS_STS_REGIONAL_ENDPOINTS"),
        Just("AWS_USE_FIPS_ENDPOINT"),
        Just("AWS_USE_DUALSTACK_ENDPOINT"),
        Just("AWS_ROLE_ARN"),
        Just("AWS_WEB_IDENTITY_TOKEN_FILE"),
        Just("AWS_CONTAINER_CREDENTIALS_FULL_URI"),
        Just("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"),
        Just("AWS_EC2_METADATA_SERVICE_ENDPOINT"),
        Just("AWS_EC2_METADATA_DISABLED"),
        Just("HOME"),
    ];
    proptest::collection::vec((name.prop_map(String::from), ".{0,24}"), 0..5)
}

fn maybe_text(pattern: &'static str) -> impl Strategy<Value = Option<String>> {
    proptest::option::of(pattern)
}

prop_compose! {
    fn plan_input()(
        lines in proptest::collection::vec(config_line(), 0..16),
        credentials in proptest::collection::vec(config_line(), 0..6),
        environment in environment(),
        now in prop_oneof![Just(NOW), any::<i64>()],
        profile in maybe_text("[a-c]{0,2}|default|.{0,8}"),
        roles in proptest::collection::vec(
            prop_oneof![Just(ROLE.to_string()), ".{0,60}", "arn:aws:iam::[0-9]{12}:role/.{0,10}"],
            0..3,
        ),
        duration in proptest::option::of(any::<u32>()),
        external_id in maybe_text(".{0,12}"),
        session_name in maybe_text(".{0,70}"),
        mfa in any::<bool>(),
        mfa_serial in maybe_text(".{0,20}"),
        region in maybe_text("[a-zA-Z0-9./-]{0,15}"),
        endpoint_url in maybe_text("(https?|ftp)://.{0,20}|.{0,10}"),
        verify in any::<bool>(),
    ) -> PlanInput {
        PlanInput {
            config_file: Some(InputFile { path: "config".into(), text: lines.join("\n") }),
            credentials_file: Some(InputFile {
                path: "credentials".into(),
                text: credentials.join("\r\n"),
            }),
            environment,
            now,
            profile,
            roles,
            duration_seconds: duration,
            external_id,
            role_session_name: session_name,
            mfa,
            mfa_serial,
            region,
            endpoint_url,
            verify_identity: verify,
            ..PlanInput::default()
        }
    }
}

fn signing_options() -> impl Strategy<Value = SigningOptions> {
    (
        "[a-z0-9-]{1,12}|.{0,12}",
        "[a-z0-9-]{1,8}|.{0,8}",
        prop_oneof![Just(1_440_938_160_000i64), any::<i64>()],
        proptest::option::of(prop_oneof![
            Just(0u32),
            Just(604_801u32),
            any::<u32>(),
            1u32..60
        ]),
        any::<bool>(),
        any::<bool>(),
        0u8..3,
        any::<bool>(),
        any::<bool>(),
        proptest::collection::vec(".{0,12}", 0..3),
    )
        .prop_map(
            |(region, service, time, presign, single, normalize, payload, sha, after, unsigned)| {
                SigningOptions {
                    region,
                    service,
                    time,
                    presign_expires: presign,
                    path_encoding: if single {
                        PathEncoding::Single
                    } else {
                        PathEncoding::Double
                    },
                    normalize_path: normalize,
                    payload: match payload {
                        0 => Payload::Hash,
                        1 => Payload::Unsigned,
                        _ => Payload::Precomputed("UNSIGNED-PAYLOAD".into()),
                    },
                    content_sha256_header: sha,
                    session_token_mode: if after {
                        SessionTokenMode::AfterSigning
                    } else {
                        SessionTokenMode::Signed
                    },
                    unsigned_headers: unsigned,
                }
            },
        )
}

fn request() -> impl Strategy<Value = HttpRequest> {
    let url = prop_oneof![
        "https://[a-z.]{1,12}(:[0-9]{0,6})?/[ -~]{0,30}",
        "https?://(\\[[0-9a-f:]{0,8}\\]?)?[ -~]{0,30}",
        ".{0,40}",
        Just(format!("https://h/?X-Amz-Security-Token={TOKEN}")),
        Just("https://user:password@h/".to_string()),
    ];
    let header = ("[ -~]{0,10}|.{0,4}", ".{0,16}");
    (
        "GET|POST|[ -~]{0,6}",
        url,
        proptest::collection::vec(header, 0..6),
        proptest::collection::vec(any::<u8>(), 0..32),
    )
        .prop_map(|(method, url, headers, body)| HttpRequest {
            method,
            url,
            headers,
            body,
        })
}

proptest! {
    // No failure persistence, so proptest writes no regression file beside
    // this one.
    #![proptest_config(ProptestConfig {
        cases: 512,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn parse_random_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = parse(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn parse_random_lines_never_panics(lines in proptest::collection::vec(config_line(), 0..24)) {
        let _ = parse(&lines.join("\n"));
    }

    #[test]
    fn plan_random_input_never_panics(input in plan_input()) {
        if let Err(error) = plan(&input) {
            // Every error names its problem.
            prop_assert!(!error.to_string().trim().is_empty(), "{:?}", error);
        }
    }

    #[test]
    fn plan_errors_hide_environment_secret(input in plan_input()) {
        let mut input = input;
        input.environment.push(("AWS_ACCESS_KEY_ID".into(), KEY_ID.into()));
        input.environment.push(("AWS_SECRET_ACCESS_KEY".into(), SECRET.into()));
        input.environment.push(("AWS_SESSION_TOKEN".into(), TOKEN.into()));
        match plan(&input) {
            Ok(plan) => {
                let debug = format!("{plan:?}");
                prop_assert!(!debug.contains(SECRET), "plan Debug shows the secret");
                prop_assert!(!debug.contains(TOKEN), "plan Debug shows the token");
                for warning in &plan.warnings {
                    prop_assert!(!warning.contains(SECRET), "{}", warning);
                    prop_assert!(!warning.contains(TOKEN), "{}", warning);
                }
            }
            Err(error) => {
                let text = format!("{error} {error:?}");
                prop_assert!(!text.contains(SECRET), "{}", text);
                prop_assert!(!text.contains(TOKEN), "{}", text);
            }
        }
    }

    #[test]
    fn sign_random_request_never_panics(request in request(), options in signing_options()) {
        let credentials = Credentials::new(KEY_ID, SECRET).with_session_token(TOKEN);
        match sign(&request, &credentials, &options) {
            Ok(signed) => {
                let debug = format!("{signed:?}");
                prop_assert!(!debug.contains(SECRET), "{}", debug);
                prop_assert!(!debug.contains(TOKEN), "{}", debug);
            }
            Err(error) => {
                prop_assert!(matches!(error, Error::InvalidArgument(_)), "{:?}", error);
                let text = format!("{error} {error:?}");
                prop_assert!(!text.contains(SECRET), "{}", text);
                prop_assert!(!text.contains(TOKEN), "{}", text);
            }
        }
    }

    #[test]
    fn sign_random_credentials_never_panics(
        key_id in ".{0,24}",
        secret in ".{0,40}",
        token in proptest::option::of(".{0,24}"),
    ) {
        let mut credentials = Credentials::new(key_id, secret.clone());
        if let Some(token) = &token {
            credentials = credentials.with_session_token(token.clone());
        }
        let request = HttpRequest {
            method: "GET".into(),
            url: "https://sts.amazonaws.com/".into(),
            headers: Vec::new(),
            body: Vec::new(),
        };
        let options = SigningOptions::new("us-east-1", "sts", 1_440_938_160_000);
        if let Err(error) = sign(&request, &credentials, &options) {
            let text = error.to_string();
            if secret.len() >= 8 {
                prop_assert!(!text.contains(&secret), "{}", text);
            }
            if let Some(token) = token.filter(|t| t.len() >= 8) {
                prop_assert!(!text.contains(&token), "{}", text);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Random call orders on a session
// ---------------------------------------------------------------------------

/// One host call on a session.
#[derive(Clone, Debug)]
enum HostCall {
    Poll(i64),
    Response(u16, Vec<u8>),
    Mfa(String, String),
    File(String),
    Process(String, String, i32),
    IoError(String),
}

fn sts_body() -> impl Strategy<Value = Vec<u8>> {
    let exp = "2099-01-01T00:00:00Z";
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..64),
        Just(Vec::new()),
        Just(format!(
            "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAX</AccessKeyId>\
             <SecretAccessKey>{SECRET}</SecretAccessKey><SessionToken>{TOKEN}</SessionToken>\
             <Expiration>{exp}</Expiration></Credentials><AssumedRoleUser>\
             <Arn>arn:aws:sts::123456789012:assumed-role/scanner/s</Arn></AssumedRoleUser>\
             </AssumeRoleResult></AssumeRoleResponse>"
        ).into_bytes()),
        Just(
            "<GetCallerIdentityResponse><GetCallerIdentityResult>\
             <Arn>arn:aws:sts::123456789012:assumed-role/scanner/s</Arn>\
             <Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>"
                .as_bytes()
                .to_vec()
        ),
        Just(b"<ErrorResponse><Error><Code>Throttling</Code><Message>slow</Message></Error></ErrorResponse>".to_vec()),
        Just(format!("<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>A</AccessKeyId><SecretAccessKey>{SECRET}</SecretAccessKey><SessionToken>{TOKEN}</SessionToken><Expiration>never</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>").into_bytes()),
        Just("<a>".repeat(10_000).into_bytes()),
        "<[ -~]{0,40}".prop_map(String::into_bytes),
    ]
}

fn host_call() -> impl Strategy<Value = HostCall> {
    prop_oneof![
        4 => prop_oneof![Just(NOW), NOW..NOW + 86_400_000, any::<i64>()].prop_map(HostCall::Poll),
        3 => (prop_oneof![Just(200u16), Just(400u16), Just(500u16), any::<u16>()], sts_body())
            .prop_map(|(status, body)| HostCall::Response(status, body)),
        1 => (
            prop_oneof![Just(String::new()), Just("arn:aws:iam::123456789012:mfa/u".to_string()), ".{0,12}"],
            prop_oneof![Just(MFA_CODE.to_string()), "[0-9]{0,8}", ".{0,8}"],
        )
            .prop_map(|(serial, code)| HostCall::Mfa(serial, code)),
        1 => ".{0,40}".prop_map(HostCall::File),
        1 => (".{0,40}", ".{0,10}", any::<i32>())
            .prop_map(|(out, err, status)| HostCall::Process(out, err, status)),
        1 => ".{0,20}".prop_map(HostCall::IoError),
    ]
}

/// Checks that `error` shows none of the secrets a session may have been
/// given, in its message or its `Debug`.
fn assert_error_clean(error: &Error, context: &str) {
    let text = format!("{error} {error:?}");
    assert!(!text.contains(SECRET), "{context}: {text}");
    assert!(!text.contains(TOKEN), "{context}: {text}");
    assert!(!text.contains(MFA_CODE), "{context}: {text}");
}

fn session_plan(mfa: bool) -> rolechain::plan::Plan {
    let text = format!(
        "[profile base]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n\
         [profile mid]\nrole_arn = arn:aws:iam::123456789012:role/mid\nsource_profile = base\n"
    );
    let mut input = config_input(&text);
    input.profile = Some("mid".into());
    input.roles = vec![ROLE.into(), "arn:aws:iam::210987654321:role/other".into()];
    input.mfa = mfa;
    plan(&input).expect("the session plan is valid")
}

/// Applies `calls` to a session and checks the misuse contract: a
/// `handle_*` call that does not match the action last polled fails with
/// `Error::Misuse`, and one that matches it is accepted.
fn run_calls(session: &mut Session, calls: &[HostCall]) {
    let mut outstanding: Option<Action> = None;
    for call in calls {
        let (result, answers) = match call {
            HostCall::Poll(now) => {
                let action = session.poll(*now);
                let debug = format!("{action:?}");
                assert!(!debug.contains(SECRET), "{debug}");
                assert!(!debug.contains(TOKEN), "{debug}");
                assert!(!debug.contains(MFA_CODE), "{debug}");
                match &action {
                    Action::Failed(error) => assert_error_clean(error, "Failed"),
                    Action::TargetFailed(failed) => {
                        assert_error_clean(&failed.error, "TargetFailed")
                    }
                    _ => {}
                }
                outstanding = Some(action);
                continue;
            }
            HostCall::Response(status, body) => (
                session.handle_response(
                    HttpResponse {
                        status: *status,
                        headers: Vec::new(),
                        body: body.clone(),
                    },
                    NOW,
                ),
                matches!(outstanding, Some(Action::SendHttp(_))),
            ),
            HostCall::Mfa(serial, code) => (
                session.handle_mfa(serial.clone(), code.clone()),
                matches!(outstanding, Some(Action::PromptMfa(_))),
            ),
            HostCall::File(contents) => (
                session.handle_file(contents.clone()),
                matches!(outstanding, Some(Action::ReadFile(_))),
            ),
            HostCall::Process(stdout, stderr, status) => (
                session.handle_process_output(stdout.clone(), stderr.clone(), *status),
                matches!(outstanding, Some(Action::RunProcess(_))),
            ),
            HostCall::IoError(message) => (
                session.handle_io_error(message.clone()),
                matches!(
                    outstanding,
                    Some(Action::SendHttp(_) | Action::ReadFile(_) | Action::RunProcess(_))
                ),
            ),
        };
        match result {
            Ok(()) => {
                assert!(
                    answers,
                    "{call:?} was accepted while {outstanding:?} was outstanding"
                );
                outstanding = None;
            }
            Err(Error::Misuse(message)) => {
                assert!(
                    !answers,
                    "{call:?} answered {outstanding:?} but failed as misuse: {message}"
                );
            }
            Err(error) => {
                assert_error_clean(&error, "handle_*");
                assert!(
                    matches!(error, Error::InvalidArgument(_)) && matches!(call, HostCall::Mfa(..)),
                    "{call:?} failed with {error:?}"
                );
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn session_random_calls_never_panic(
        mfa in any::<bool>(),
        seed in any::<u64>(),
        calls in proptest::collection::vec(host_call(), 0..40),
    ) {
        let mut session = Session::new(session_plan(mfa), NOW, seed);
        run_calls(&mut session, &calls);
        let debug = format!("{session:?}");
        prop_assert!(!debug.contains(SECRET), "{}", debug);
        prop_assert!(!debug.contains(TOKEN), "{}", debug);
    }
}

#[test]
fn session_handles_before_poll_are_misuse() {
    let mut session = Session::new(session_plan(false), NOW, 1);
    let response = HttpResponse {
        status: 200,
        headers: Vec::new(),
        body: Vec::new(),
    };
    assert!(matches!(
        session.handle_response(response, NOW),
        Err(Error::Misuse(_))
    ));
    assert!(matches!(
        session.handle_mfa(String::new(), MFA_CODE.into()),
        Err(Error::Misuse(_))
    ));
    assert!(matches!(
        session.handle_file(String::new()),
        Err(Error::Misuse(_))
    ));
    assert!(matches!(
        session.handle_process_output(String::new(), String::new(), 0),
        Err(Error::Misuse(_))
    ));
    assert!(matches!(
        session.handle_io_error("x".into()),
        Err(Error::Misuse(_))
    ));
}

#[test]
fn session_survives_repeated_server_errors() {
    // Every request gets a 500: the session must give up after a bounded
    // number of attempts and waits, not loop forever.
    let mut session = Session::new(session_plan(false), NOW, 3);
    let mut now = NOW;
    let mut requests = 0;
    for _ in 0..1_000 {
        match session.poll(now) {
            Action::SendHttp(_) => {
                requests += 1;
                let response = HttpResponse {
                    status: 500,
                    headers: Vec::new(),
                    body: b"<ErrorResponse><Error><Code>InternalError</Code><Message>boom</Message></Error></ErrorResponse>".to_vec(),
                };
                session.handle_response(response, now).unwrap();
            }
            Action::Wait(until) => {
                assert!(until >= now, "wait goes back in time: {until} < {now}");
                assert!(until - now <= 60_000, "a backoff of {} ms", until - now);
                now = until;
            }
            Action::Failed(error) => {
                assert_error_clean(&error, "Failed");
                assert!(requests <= 10, "{requests} requests before failing");
                return;
            }
            other => panic!("unexpected action {other:?}"),
        }
    }
    panic!("the session neither failed nor finished after {requests} requests");
}

#[test]
fn session_mfa_errors_hide_code() {
    let mut session = Session::new(session_plan(true), NOW, 5);
    let mut now = NOW;
    for _ in 0..100 {
        match session.poll(now) {
            Action::PromptMfa(serial) => {
                // A code with a seventh digit, then the same code as a serial.
                let error = session
                    .handle_mfa(serial.clone().unwrap_or_default(), format!("{MFA_CODE}0"))
                    .expect_err("seven digits are invalid");
                assert_error_clean(&error, "seven-digit code");
                if serial.is_none() {
                    let error = session
                        .handle_mfa(MFA_CODE.into(), MFA_CODE.into())
                        .expect_err("a code is not a serial");
                    assert_error_clean(&error, "code typed as the serial");
                }
                return;
            }
            Action::SendHttp(request) => {
                let body = String::from_utf8_lossy(&request.body);
                let response = if body.contains("GetCallerIdentity") {
                    "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/u</Arn></GetCallerIdentityResult></GetCallerIdentityResponse>".to_string()
                } else {
                    "<AssumeRoleResponse><AssumeRoleResult><Credentials><AccessKeyId>ASIAX</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResult></AssumeRoleResponse>".to_string()
                };
                session
                    .handle_response(
                        HttpResponse {
                            status: 200,
                            headers: Vec::new(),
                            body: response.into_bytes(),
                        },
                        now,
                    )
                    .unwrap();
            }
            Action::Wait(until) => now = until,
            other => panic!("expected an MFA prompt, got {other:?}"),
        }
    }
    panic!("the session never asked for an MFA code");
}
