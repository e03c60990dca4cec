//! The session through the component, driven by a simulated host on a fake
//! clock: planning from file text, AssumeRole with canned STS responses,
//! GetCallerIdentity, MFA, misuse, and refresh in the advisory and mandatory
//! windows.

use rolechain_cli::runtime::planning::{
    Action, AssumeRoleOptions, InputFile, PlanInput, Platform, TargetCredentials,
};
use rolechain_cli::runtime::types::{ErrorCode, HttpRequest, HttpResponse};
use rolechain_cli::runtime::{Answer, PlanHandle, Runtime, SessionHandle};

/// 2023-11-14T22:13:20Z.
const NOW: i64 = 1_700_000_000_000;
const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const ROLE: &str = "arn:aws:iam::123456789012:role/scanner";

const CONFIG: &str = "\
[profile base]
region = us-east-1

[profile mfa]
role_arn = arn:aws:iam::123456789012:role/guarded
source_profile = base
mfa_serial = arn:aws:iam::111111111111:mfa/alice
";

const CREDENTIALS: &str = "\
[base]
aws_access_key_id = AKIABASEEXAMPLE
aws_secret_access_key = base-secret-value
";

fn input(profile: &str, roles: &[&str]) -> PlanInput {
    PlanInput {
        config_file: Some(InputFile {
            path: "/home/test/.aws/config".into(),
            text: CONFIG.into(),
        }),
        credentials_file: Some(InputFile {
            path: "/home/test/.aws/credentials".into(),
            text: CREDENTIALS.into(),
        }),
        environment: vec![("AWS_EC2_METADATA_DISABLED".into(), "true".into())],
        now: NOW,
        platform: Platform::Unix,
        profile: Some(profile.into()),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        duration_seconds: None,
        external_id: None,
        role_session_name: (!roles.is_empty()).then(|| "scan".to_string()),
        mfa: false,
        mfa_serial: None,
        region: None,
        endpoint_url: None,
        verify_identity: true,
        assume_role_options: AssumeRoleOptions {
            policy: None,
            policy_arns: Vec::new(),
            tags: Vec::new(),
            transitive_tag_keys: Vec::new(),
            source_identity: None,
        },
    }
}

fn rfc3339(ms: i64) -> String {
    let secs = ms / 1000;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since the epoch (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

fn assume_role_response(key: &str, expiration: i64, role: &str) -> HttpResponse {
    let body = format!(
        "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
         <AssumeRoleResult><Credentials><AccessKeyId>{key}</AccessKeyId>\
         <SecretAccessKey>secret-of-{key}</SecretAccessKey><SessionToken>token-of-{key}</SessionToken>\
         <Expiration>{}</Expiration></Credentials>\
         <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/{role}/scan</Arn>\
         <AssumedRoleId>AROAEXAMPLE:scan</AssumedRoleId></AssumedRoleUser></AssumeRoleResult>\
         <ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></AssumeRoleResponse>",
        rfc3339(expiration)
    );
    ok(body)
}

fn caller_identity_response(role: &str) -> HttpResponse {
    ok(format!(
        "<GetCallerIdentityResponse><GetCallerIdentityResult>\
         <Arn>arn:aws:sts::123456789012:assumed-role/{role}/scan</Arn>\
         <UserId>AROAEXAMPLE:scan</UserId><Account>123456789012</Account>\
         </GetCallerIdentityResult></GetCallerIdentityResponse>"
    ))
}

fn ok(body: String) -> HttpResponse {
    HttpResponse {
        status: 200,
        headers: vec![("content-type".into(), "text/xml".into())],
        body: body.into_bytes(),
    }
}

fn error_response(status: u16, code: &str) -> HttpResponse {
    HttpResponse {
        status,
        headers: Vec::new(),
        body: format!(
            "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>\
             <Message>not today</Message></Error><RequestId>req-2</RequestId></ErrorResponse>"
        )
        .into_bytes(),
    }
}

fn form_value(request: &HttpRequest, key: &str) -> Option<String> {
    let body = String::from_utf8_lossy(&request.body).into_owned();
    body.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| v.to_string())
    })
}

struct Host {
    runtime: Runtime,
    session: SessionHandle,
    now: i64,
}

impl Host {
    fn start(input: &PlanInput) -> (Host, PlanHandle) {
        let mut runtime = Runtime::new().unwrap();
        let plan = runtime.resolve(input).expect("the plan resolves");
        let session = runtime.start_session(plan, NOW, 7).unwrap();
        (
            Host {
                runtime,
                session,
                now: NOW,
            },
            plan,
        )
    }

    fn poll(&mut self) -> Action {
        self.runtime.poll(self.session, self.now).unwrap()
    }

    fn expect_request(&mut self) -> HttpRequest {
        match self.poll() {
            Action::SendHttp(request) => request,
            other => panic!("expected send-http, got {}", describe(&other)),
        }
    }

    fn respond(&mut self, response: HttpResponse) {
        let answer = Answer::Response(response, self.now);
        let result = self.runtime.answer(self.session, answer).unwrap();
        assert!(result.is_ok(), "handle-response failed: {result:?}");
    }

    fn expect_ready(&mut self) -> TargetCredentials {
        match self.poll() {
            Action::CredentialsReady(ready) => ready,
            other => panic!("expected credentials-ready, got {}", describe(&other)),
        }
    }
}

fn describe(action: &Action) -> String {
    match action {
        Action::SendHttp(r) => format!("send-http {}", r.url),
        Action::ReadFile(p) => format!("read-file {p}"),
        Action::RunProcess(_) => "run-process".into(),
        Action::PromptMfa(s) => format!("prompt-mfa {s:?}"),
        Action::Wait(t) => format!("wait {t}"),
        Action::CredentialsReady(r) => format!("credentials-ready {}", r.index),
        Action::TargetFailed(e) => format!("target-failed {} {:?}", e.index, e.error),
        Action::Done => "done".into(),
        Action::Failed(e) => format!("failed {e:?}"),
    }
}

/// Runs a `-R` target to its first `done`; the credentials expire an hour
/// after `NOW`.
fn run_first(host: &mut Host) -> TargetCredentials {
    let request = host.expect_request();
    assert_eq!(
        form_value(&request, "Action").as_deref(),
        Some("AssumeRole")
    );
    host.respond(assume_role_response("ASIAFIRST", NOW + HOUR, "scanner"));
    let check = host.expect_request();
    assert_eq!(
        form_value(&check, "Action").as_deref(),
        Some("GetCallerIdentity")
    );
    host.respond(caller_identity_response("scanner"));
    let ready = host.expect_ready();
    assert!(matches!(host.poll(), Action::Done));
    ready
}

#[test]
fn role_target_through_component() {
    let (mut host, _) = Host::start(&input("base", &[ROLE]));
    let ready = run_first(&mut host);
    assert_eq!(ready.index, 0);
    assert_eq!(ready.role_arn.as_deref(), Some(ROLE));
    assert_eq!(ready.credentials.access_key_id, "ASIAFIRST");
    assert_eq!(ready.credentials.expiration, Some(NOW + HOUR));
    assert_eq!(
        ready.caller_arn.as_deref(),
        Some("arn:aws:sts::123456789012:assumed-role/scanner/scan")
    );
}

#[test]
fn assume_role_request_is_signed_by_base_key() {
    let (mut host, _) = Host::start(&input("base", &[ROLE]));
    let request = host.expect_request();
    let authorization = request
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("authorization"))
        .map(|(_, value)| value.clone())
        .expect("an authorization header");
    assert!(authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIABASEEXAMPLE/20231114/"));
    assert_eq!(
        form_value(&request, "RoleSessionName").as_deref(),
        Some("scan")
    );
    assert_eq!(
        form_value(&request, "DurationSeconds").as_deref(),
        Some("3600")
    );
}

#[test]
fn handle_without_poll_is_misuse() {
    let (mut host, _) = Host::start(&input("base", &[ROLE]));
    let answer = Answer::Mfa(
        "arn:aws:iam::111111111111:mfa/alice".into(),
        "123456".into(),
    );
    let result = host.runtime.answer(host.session, answer).unwrap();
    assert!(matches!(result, Err(ErrorCode::Misuse(_))), "{result:?}");
}

#[test]
fn mfa_prompt_then_code_on_assume_role() {
    let (mut host, _) = Host::start(&input("mfa", &[]));
    match host.poll() {
        Action::PromptMfa(serial) => {
            assert_eq!(
                serial.as_deref(),
                Some("arn:aws:iam::111111111111:mfa/alice")
            )
        }
        other => panic!("expected prompt-mfa, got {}", describe(&other)),
    }
    let bad = Answer::Mfa("arn:aws:iam::111111111111:mfa/alice".into(), "12345".into());
    let result = host.runtime.answer(host.session, bad).unwrap();
    assert!(
        matches!(result, Err(ErrorCode::InvalidArgument(_))),
        "{result:?}"
    );

    let good = Answer::Mfa(
        "arn:aws:iam::111111111111:mfa/alice".into(),
        "123456".into(),
    );
    let result = host.runtime.answer(host.session, good).unwrap();
    assert!(result.is_ok(), "{result:?}");
    let request = host.expect_request();
    assert_eq!(form_value(&request, "TokenCode").as_deref(), Some("123456"));
    assert!(form_value(&request, "SerialNumber").is_some());
}

#[test]
fn refresh_waits_for_advisory_window() {
    let (mut host, _) = Host::start(&input("base", &[ROLE]));
    run_first(&mut host);
    match host.poll() {
        Action::Wait(until) => assert_eq!(until, NOW + HOUR - 15 * MINUTE),
        other => panic!("expected wait, got {}", describe(&other)),
    }
}

#[test]
fn refresh_renews_credentials() {
    let (mut host, _) = Host::start(&input("base", &[ROLE]));
    run_first(&mut host);
    host.now = NOW + HOUR - 15 * MINUTE;
    let request = host.expect_request();
    assert_eq!(
        form_value(&request, "Action").as_deref(),
        Some("AssumeRole")
    );
    host.respond(assume_role_response(
        "ASIASECOND",
        NOW + 2 * HOUR,
        "scanner",
    ));
    let check = host.expect_request();
    assert_eq!(
        form_value(&check, "Action").as_deref(),
        Some("GetCallerIdentity")
    );
    host.respond(caller_identity_response("scanner"));
    let ready = host.expect_ready();
    assert_eq!(ready.credentials.access_key_id, "ASIASECOND");
    assert!(matches!(host.poll(), Action::Done));
}

#[test]
fn advisory_failure_keeps_old_credentials() {
    let (mut host, _) = Host::start(&input("base", &[ROLE]));
    run_first(&mut host);
    host.now = NOW + HOUR - 15 * MINUTE;
    host.expect_request();
    host.respond(error_response(403, "AccessDenied"));
    // No target failure: the old credentials stay valid, and the refresh is
    // tried again later.
    loop {
        match host.poll() {
            Action::Wait(until) => {
                assert!(until > host.now, "wait must move forward");
                break;
            }
            Action::Done => continue,
            other => panic!("expected wait, got {}", describe(&other)),
        }
    }
}

#[test]
fn mandatory_failure_fails_target() {
    let (mut host, _) = Host::start(&input("base", &[ROLE]));
    run_first(&mut host);
    host.now = NOW + HOUR - 5 * MINUTE;
    host.expect_request();
    host.respond(error_response(403, "AccessDenied"));
    match host.poll() {
        Action::TargetFailed(failed) => {
            assert_eq!(failed.index, 0);
            assert!(matches!(failed.error, ErrorCode::ServiceError(_)));
        }
        other => panic!("expected target-failed, got {}", describe(&other)),
    }
}
