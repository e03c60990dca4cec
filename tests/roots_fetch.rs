//! The root state machines driven with canned host results.

use rolechain::plan::model::{ImdsConfig, Root, SsoConfig, StsEndpoint, WebIdentityConfig};
use rolechain::roots::container::{self, ContainerFetch};
use rolechain::roots::imds::ImdsFetch;
use rolechain::roots::process::{split_command, ProcessFetch};
use rolechain::roots::sso::SsoFetch;
use rolechain::roots::web_identity::WebIdentityFetch;
use rolechain::roots::{self, RootAction, RootFetch, RootInput, RootPoll};
use rolechain::{Credentials, Error, HttpRequest, HttpResponse};

const NOW: i64 = 1_700_000_000_000;

// ---- helpers -------------------------------------------------------------

fn expect_http(fetch: &mut dyn RootFetch, now: i64) -> HttpRequest {
    match fetch.poll(now) {
        RootPoll::Action(RootAction::SendHttp(request)) => request,
        other => panic!("expected SendHttp, got {other:?}"),
    }
}

fn expect_read(fetch: &mut dyn RootFetch, now: i64) -> String {
    match fetch.poll(now) {
        RootPoll::Action(RootAction::ReadFile(path)) => path,
        other => panic!("expected ReadFile, got {other:?}"),
    }
}

fn expect_ready(fetch: &mut dyn RootFetch, now: i64) -> Credentials {
    match fetch.poll(now) {
        RootPoll::Ready(credentials) => credentials,
        other => panic!("expected Ready, got {other:?}"),
    }
}

fn expect_failed(fetch: &mut dyn RootFetch, now: i64) -> Error {
    match fetch.poll(now) {
        RootPoll::Failed(error) => error,
        other => panic!("expected Failed, got {other:?}"),
    }
}

fn respond(fetch: &mut dyn RootFetch, status: u16, body: &str, now: i64) {
    let response = HttpResponse {
        status,
        headers: Vec::new(),
        body: body.as_bytes().to_vec(),
    };
    fetch.handle(RootInput::Response(response), now);
}

fn header<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Asserts that neither the error text nor the fetch's `Debug` contains any
/// of `secrets`.
fn assert_no_secret(fetch: &dyn RootFetch, error: Option<&Error>, secrets: &[&str]) {
    let debug = format!("{fetch:?}");
    let text = error.map(|e| format!("{e} {e:?}")).unwrap_or_default();
    for secret in secrets {
        assert!(!debug.contains(secret), "Debug leaks `{secret}`: {debug}");
        assert!(!text.contains(secret), "error leaks `{secret}`: {text}");
    }
}

// ---- start ---------------------------------------------------------------

#[test]
fn start_skips_roots_without_io() {
    let static_keys = Root::StaticKeys {
        profile: "p".into(),
        credentials: Credentials::new("AKID", "SECRET"),
    };
    let environment = Root::Environment {
        credentials: Credentials::new("AKID", "SECRET"),
    };
    assert!(roots::start(&static_keys, NOW).is_none());
    assert!(roots::start(&environment, NOW).is_none());
}

#[test]
fn start_picks_machine_per_root() {
    let imds = Root::Ec2InstanceMetadata(imds_config());
    let mut fetch = roots::start(&imds, NOW).expect("an IMDS fetch");
    assert_eq!(expect_http(fetch.as_mut(), NOW).method, "PUT");

    let process = Root::CredentialProcess {
        profile: "p".into(),
        command: "/bin/creds --json".into(),
        account_id: None,
    };
    let mut fetch = roots::start(&process, NOW).expect("a process fetch");
    let action = fetch.poll(NOW);
    let expected = RootAction::RunProcess(vec!["/bin/creds".into(), "--json".into()]);
    assert_eq!(action, RootPoll::Action(expected));

    let sso = Root::Sso(sso_config(None));
    let mut fetch = roots::start(&sso, NOW).expect("an SSO fetch");
    assert_eq!(
        expect_read(fetch.as_mut(), NOW),
        "/home/.aws/sso/cache/abc.json"
    );
}

#[test]
fn poll_repeats_outstanding_action() {
    let mut fetch = ImdsFetch::new(&imds_config());
    let first = fetch.poll(NOW);
    let second = fetch.poll(NOW + 5);
    assert_eq!(first, second);
}

#[test]
fn wrong_input_kind_is_misuse() {
    let mut fetch = ImdsFetch::new(&imds_config());
    fetch.handle(RootInput::File("x".into()), NOW);
    let error = expect_failed(&mut fetch, NOW);
    assert!(matches!(error, Error::Misuse(_)), "{error:?}");
}

#[test]
fn input_after_failure_is_ignored() {
    let mut fetch = ImdsFetch::new(&imds_config());
    respond(&mut fetch, 400, "", NOW);
    let first = expect_failed(&mut fetch, NOW);
    respond(&mut fetch, 200, "token", NOW);
    assert_eq!(expect_failed(&mut fetch, NOW), first);
}

// ---- IMDS ----------------------------------------------------------------

fn imds_config() -> ImdsConfig {
    ImdsConfig {
        endpoint: "http://169.254.169.254".into(),
        disabled: false,
    }
}

const IMDS_CREDENTIALS: &str = r#"{
  "Code" : "Success",
  "LastUpdated" : "2021-09-20T21:42:26Z",
  "Type" : "AWS-HMAC",
  "AccessKeyId" : "ASIARTEST",
  "SecretAccessKey" : "imds-secret-key",
  "Token" : "imds-session-token",
  "Expiration" : "2021-09-21T04:16:53Z",
  "AccountId" : "123456789012"
}"#;

#[test]
fn imds_happy_path() {
    let mut fetch = ImdsFetch::new(&imds_config());

    let put = expect_http(&mut fetch, NOW);
    assert_eq!(put.method, "PUT");
    assert_eq!(put.url, "http://169.254.169.254/latest/api/token");
    assert_eq!(
        header(&put, "x-aws-ec2-metadata-token-ttl-seconds"),
        Some("21600")
    );
    assert_eq!(header(&put, "x-aws-ec2-metadata-token"), None);
    respond(&mut fetch, 200, "imds-v2-token", NOW);

    let list = expect_http(&mut fetch, NOW);
    assert_eq!(list.method, "GET");
    assert_eq!(
        list.url,
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
    );
    assert_eq!(
        header(&list, "x-aws-ec2-metadata-token"),
        Some("imds-v2-token")
    );
    respond(&mut fetch, 200, "my-role\n", NOW);

    let get = expect_http(&mut fetch, NOW);
    assert_eq!(get.method, "GET");
    assert_eq!(
        get.url,
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/my-role"
    );
    assert_eq!(
        header(&get, "x-aws-ec2-metadata-token"),
        Some("imds-v2-token")
    );
    respond(&mut fetch, 200, IMDS_CREDENTIALS, NOW);

    let credentials = expect_ready(&mut fetch, NOW);
    assert_eq!(credentials.access_key_id, "ASIARTEST");
    assert_eq!(credentials.secret_access_key.expose(), "imds-secret-key");
    assert_eq!(
        credentials.session_token.as_ref().map(|t| t.expose()),
        Some("imds-session-token")
    );
    assert_eq!(credentials.expiration, Some(1_632_197_813_000));
    assert_eq!(credentials.account_id.as_deref(), Some("123456789012"));
    assert_no_secret(
        &fetch,
        None,
        &["imds-secret-key", "imds-session-token", "imds-v2-token"],
    );
}

#[test]
fn imds_v1_fallback_on_403_404_405() {
    for status in [403, 404, 405] {
        let mut fetch = ImdsFetch::new(&imds_config());
        expect_http(&mut fetch, NOW);
        respond(&mut fetch, status, "", NOW);
        let list = expect_http(&mut fetch, NOW);
        assert!(
            list.url.ends_with("/security-credentials/"),
            "status {status}"
        );
        assert_eq!(
            header(&list, "x-aws-ec2-metadata-token"),
            None,
            "status {status}"
        );
        respond(&mut fetch, 200, "role", NOW);
        let get = expect_http(&mut fetch, NOW);
        assert_eq!(
            header(&get, "x-aws-ec2-metadata-token"),
            None,
            "status {status}"
        );
        respond(&mut fetch, 200, IMDS_CREDENTIALS, NOW);
        expect_ready(&mut fetch, NOW);
    }
}

#[test]
fn imds_400_on_token_is_error() {
    let mut fetch = ImdsFetch::new(&imds_config());
    expect_http(&mut fetch, NOW);
    respond(&mut fetch, 400, "", NOW);
    let error = expect_failed(&mut fetch, NOW);
    assert!(matches!(error, Error::NoSourceCredentials(_)), "{error:?}");
    assert!(error.to_string().contains("400"), "{error}");
}

#[test]
fn imds_token_put_refused() {
    // Connection refused: retried, then the fetch fails without trying
    // IMDSv1 at the same address.
    let mut fetch = ImdsFetch::new(&imds_config());
    let mut now = NOW;
    let mut puts = 0;
    loop {
        match fetch.poll(now) {
            RootPoll::Action(RootAction::SendHttp(request)) => {
                assert_eq!(request.method, "PUT");
                puts += 1;
                fetch.handle(RootInput::IoError("connection refused".into()), now);
            }
            RootPoll::Wait(until) => now = until,
            RootPoll::Failed(error) => {
                assert!(error.to_string().contains("connection refused"), "{error}");
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(puts, 3);
}

#[test]
fn imds_token_put_5xx_retries_then_falls_back() {
    let mut fetch = ImdsFetch::new(&imds_config());
    let mut now = NOW;
    for _ in 0..3 {
        let put = expect_http(&mut fetch, now);
        assert_eq!(put.method, "PUT");
        respond(&mut fetch, 503, "", now);
        if let RootPoll::Wait(until) = fetch.poll(now) {
            now = until;
        }
    }
    let list = expect_http(&mut fetch, now);
    assert_eq!(list.method, "GET");
    assert_eq!(header(&list, "x-aws-ec2-metadata-token"), None);
}

#[test]
fn imds_no_role_404() {
    let mut fetch = ImdsFetch::new(&imds_config());
    expect_http(&mut fetch, NOW);
    respond(&mut fetch, 200, "token", NOW);
    expect_http(&mut fetch, NOW);
    respond(
        &mut fetch,
        404,
        "<html><title>404 - Not Found</title></html>",
        NOW,
    );
    let error = expect_failed(&mut fetch, NOW);
    assert!(matches!(error, Error::NoSourceCredentials(_)), "{error:?}");
    assert!(error.to_string().contains("no IAM role"), "{error}");
}

#[test]
fn imds_html_page_is_not_role() {
    let pages = [
        "<?xml version=\"1.0\"?>\n<html><body><h1>404 - Not Found</h1></body></html>",
        "Not Found",
        "role/with/slash",
    ];
    for page in pages {
        let mut fetch = ImdsFetch::new(&imds_config());
        expect_http(&mut fetch, NOW);
        respond(&mut fetch, 200, "token", NOW);
        expect_http(&mut fetch, NOW);
        respond(&mut fetch, 200, page, NOW);
        let error = expect_failed(&mut fetch, NOW);
        assert!(
            matches!(error, Error::NoSourceCredentials(_)),
            "{page}: {error:?}"
        );
    }
}

#[test]
fn imds_role_name_length_limit() {
    for (role, accepted) in [("r".repeat(64), true), ("r".repeat(65), false)] {
        let mut fetch = ImdsFetch::new(&imds_config());
        expect_http(&mut fetch, NOW);
        respond(&mut fetch, 200, "token", NOW);
        expect_http(&mut fetch, NOW);
        respond(&mut fetch, 200, &role, NOW);
        let next = fetch.poll(NOW);
        assert_eq!(
            matches!(next, RootPoll::Action(_)),
            accepted,
            "{} chars: {next:?}",
            role.len()
        );
    }
}

#[test]
fn imds_wrong_token_401() {
    let mut fetch = ImdsFetch::new(&imds_config());
    expect_http(&mut fetch, NOW);
    respond(&mut fetch, 200, "token", NOW);
    expect_http(&mut fetch, NOW);
    respond(&mut fetch, 401, "", NOW);
    let error = expect_failed(&mut fetch, NOW);
    assert!(error.to_string().contains("401"), "{error}");
}

#[test]
fn imds_retries_bounded() {
    let mut fetch = ImdsFetch::new(&imds_config());
    expect_http(&mut fetch, NOW);
    respond(&mut fetch, 200, "token", NOW);
    let mut now = NOW;
    let mut gets = 0;
    loop {
        match fetch.poll(now) {
            RootPoll::Action(RootAction::SendHttp(_)) => {
                gets += 1;
                respond(&mut fetch, 503, "", now);
            }
            RootPoll::Wait(until) => {
                assert_eq!(until, now + 1_000);
                // Polling early keeps waiting.
                assert_eq!(fetch.poll(until - 1), RootPoll::Wait(until));
                now = until;
            }
            RootPoll::Failed(error) => {
                assert!(error.to_string().contains("503"), "{error}");
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(gets, 3);
}

#[test]
fn imds_disabled_fails_at_once() {
    let config = ImdsConfig {
        endpoint: "http://169.254.169.254".into(),
        disabled: true,
    };
    let mut fetch = ImdsFetch::new(&config);
    let error = expect_failed(&mut fetch, NOW);
    assert!(
        error.to_string().contains("AWS_EC2_METADATA_DISABLED"),
        "{error}"
    );
}

#[test]
fn imds_error_code_in_document() {
    let mut fetch = ImdsFetch::new(&imds_config());
    expect_http(&mut fetch, NOW);
    respond(&mut fetch, 200, "token", NOW);
    expect_http(&mut fetch, NOW);
    respond(&mut fetch, 200, "role", NOW);
    expect_http(&mut fetch, NOW);
    let body = r#"{"Code":"AssumeRoleUnauthorizedAccess","Message":"EC2 cannot assume the role","LastUpdated":"2021-01-01T00:00:00Z"}"#;
    respond(&mut fetch, 200, body, NOW);
    let error = expect_failed(&mut fetch, NOW);
    assert!(
        error.to_string().contains("AssumeRoleUnauthorizedAccess"),
        "{error}"
    );
}

#[test]
fn imds_invalid_json_fails_without_quoting() {
    let mut fetch = ImdsFetch::new(&imds_config());
    expect_http(&mut fetch, NOW);
    respond(&mut fetch, 200, "token", NOW);
    expect_http(&mut fetch, NOW);
    respond(&mut fetch, 200, "role", NOW);
    expect_http(&mut fetch, NOW);
    respond(
        &mut fetch,
        200,
        r#"{"SecretAccessKey":"leaked-secret", oops"#,
        NOW,
    );
    let error = expect_failed(&mut fetch, NOW);
    assert!(matches!(error, Error::MalformedResponse(_)), "{error:?}");
    assert_no_secret(&fetch, Some(&error), &["leaked-secret"]);
}

#[test]
fn imds_ipv6_base_url() {
    let config = ImdsConfig {
        endpoint: "http://[fd00:ec2::254]/".into(),
        disabled: false,
    };
    let mut fetch = ImdsFetch::new(&config);
    assert_eq!(
        expect_http(&mut fetch, NOW).url,
        "http://[fd00:ec2::254]/latest/api/token"
    );
}

// ---- container -----------------------------------------------------------

const CONTAINER_CREDENTIALS: &str = r#"{"RoleArn":"arn:aws:iam::123456789012:role/task","AccessKeyId":"ASIACONT","SecretAccessKey":"container-secret","Token":"container-session","AccountId":"012345678901","Expiration":"2009-02-13T23:31:30Z"}"#;

#[test]
fn container_relative_uri() {
    let config = container::config(&env(&[(
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "/v2/credentials/abc",
    )]));
    let mut fetch = ContainerFetch::new(&config);
    let request = expect_http(&mut fetch, NOW);
    assert_eq!(request.method, "GET");
    assert_eq!(request.url, "http://169.254.170.2/v2/credentials/abc");
    assert_eq!(header(&request, "accept"), Some("application/json"));
    assert_eq!(header(&request, "authorization"), None);
    respond(&mut fetch, 200, CONTAINER_CREDENTIALS, NOW);
    let credentials = expect_ready(&mut fetch, NOW);
    assert_eq!(credentials.access_key_id, "ASIACONT");
    assert_eq!(
        credentials.session_token.as_ref().map(|t| t.expose()),
        Some("container-session")
    );
    assert_eq!(credentials.expiration, Some(1_234_567_890_000));
    assert_eq!(credentials.account_id.as_deref(), Some("012345678901"));
}

#[test]
fn container_full_uri_allowed_hosts() {
    let allowed = [
        "http://127.0.0.1/creds",
        "http://127.1.2.3:8080/creds",
        "http://localhost:51679/creds",
        "http://[::1]/creds",
        "http://[0:0:0:0:0:0:0:1]:8080/creds",
        "http://169.254.170.2/creds",
        "http://169.254.170.23/v1/credentials",
        "http://[fd00:ec2::23]/v1/credentials",
        "HTTP://LOCALHOST/creds",
        "https://example.com/creds",
        "https://10.1.2.3:8443/creds",
    ];
    for url in allowed {
        let config = container::config(&env(&[("AWS_CONTAINER_CREDENTIALS_FULL_URI", url)]));
        assert_eq!(
            config.url.as_deref(),
            Some(url),
            "{url}: {:?}",
            config.error
        );
    }
}

#[test]
fn container_full_uri_refused_hosts() {
    let refused = [
        "http://example.com/creds",
        "http://169.254.169.254/latest",
        "http://127.0.0.1.example.com/creds",
        "http://localhost.example.com/creds",
        "http://10.0.0.1/creds",
        "ftp://localhost/creds",
        "/creds",
        "http:///creds",
    ];
    for url in refused {
        let config = container::config(&env(&[("AWS_CONTAINER_CREDENTIALS_FULL_URI", url)]));
        assert_eq!(config.url, None, "{url}");
        let message = config.error.clone().expect("an error");
        assert!(
            message.contains("AWS_CONTAINER_CREDENTIALS_FULL_URI"),
            "{url}: {message}"
        );
        let mut fetch = ContainerFetch::new(&config);
        let error = expect_failed(&mut fetch, NOW);
        assert!(matches!(error, Error::InvalidConfig(_)), "{url}: {error:?}");
        assert!(error.to_string().contains(&message), "{url}: {error}");
    }
}

#[test]
fn container_token_file() {
    let config = container::config(&env(&[
        (
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "http://169.254.170.23/v1/credentials",
        ),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/var/run/token"),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "env-token-loses"),
    ]));
    assert_eq!(config.authorization_token, None);
    let mut fetch = ContainerFetch::new(&config);
    assert_eq!(expect_read(&mut fetch, NOW), "/var/run/token");
    fetch.handle(RootInput::File("file-token-value\n".into()), NOW);
    let request = expect_http(&mut fetch, NOW);
    assert_eq!(header(&request, "authorization"), Some("file-token-value"));
    assert_no_secret(&fetch, None, &["file-token-value"]);
    respond(&mut fetch, 200, CONTAINER_CREDENTIALS, NOW);
    expect_ready(&mut fetch, NOW);
}

#[test]
fn container_token_with_line_break() {
    let config = container::config(&env(&[
        ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/creds"),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/var/run/token"),
    ]));
    let mut fetch = ContainerFetch::new(&config);
    expect_read(&mut fetch, NOW);
    fetch.handle(RootInput::File("first-half\r\nsecond-half".into()), NOW);
    let error = expect_failed(&mut fetch, NOW);
    assert!(error.to_string().contains("line break"), "{error}");
    assert!(error.to_string().contains("/var/run/token"), "{error}");
    assert_no_secret(&fetch, Some(&error), &["first-half", "second-half"]);
}

#[test]
fn container_token_file_missing() {
    let config = container::config(&env(&[
        (
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "http://169.254.170.23/v1/credentials",
        ),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/token.jwt"),
    ]));
    let mut fetch = ContainerFetch::new(&config);
    expect_read(&mut fetch, NOW);
    fetch.handle(
        RootInput::IoError("No such file or directory (os error 2)".into()),
        NOW,
    );
    let error = expect_failed(&mut fetch, NOW);
    assert!(error.to_string().contains("/token.jwt"), "{error}");
    assert!(error.to_string().contains("No such file"), "{error}");
}

#[test]
fn container_token_env() {
    let config = container::config(&env(&[
        (
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "http://localhost:8080/creds",
        ),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "env-token-value"),
    ]));
    let mut fetch = ContainerFetch::new(&config);
    let request = expect_http(&mut fetch, NOW);
    assert_eq!(request.url, "http://localhost:8080/creds");
    assert_eq!(header(&request, "authorization"), Some("env-token-value"));
    assert_no_secret(&fetch, None, &["env-token-value"]);
}

#[test]
fn container_error_status() {
    let config = container::config(&env(&[
        ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/creds"),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN", "env-token-value"),
    ]));
    let mut fetch = ContainerFetch::new(&config);
    expect_http(&mut fetch, NOW);
    respond(
        &mut fetch,
        403,
        r#"{"code":"AccessDenied","message":"token rejected"}"#,
        NOW,
    );
    let error = expect_failed(&mut fetch, NOW);
    let text = error.to_string();
    assert!(text.contains("403"), "{text}");
    assert!(text.contains("token rejected"), "{text}");
    assert_no_secret(&fetch, Some(&error), &["env-token-value"]);
}

#[test]
fn container_5xx_retried_bounded() {
    let config = container::config(&env(&[(
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "/creds",
    )]));
    let mut fetch = ContainerFetch::new(&config);
    let mut now = NOW;
    let mut attempts = 0;
    loop {
        match fetch.poll(now) {
            RootPoll::Action(_) => {
                attempts += 1;
                respond(&mut fetch, 500, "internal error", now);
            }
            RootPoll::Wait(until) => now = until,
            RootPoll::Failed(error) => {
                assert!(error.to_string().contains("500"), "{error}");
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(attempts, 3);
}

#[test]
fn container_missing_token_field() {
    let config = container::config(&env(&[(
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "/creds",
    )]));
    let mut fetch = ContainerFetch::new(&config);
    expect_http(&mut fetch, NOW);
    let body = r#"{"AccessKeyId":"A","SecretAccessKey":"container-secret","Expiration":"2009-02-13T23:31:30Z"}"#;
    respond(&mut fetch, 200, body, NOW);
    let error = expect_failed(&mut fetch, NOW);
    assert!(error.to_string().contains("`Token`"), "{error}");
    assert_no_secret(&fetch, Some(&error), &["container-secret"]);
}

// ---- web identity --------------------------------------------------------

fn web_identity_config() -> WebIdentityConfig {
    WebIdentityConfig {
        role_arn: "arn:aws:iam::123456789012:role/test-role".into(),
        web_identity_token_file: "/token.jwt".into(),
        role_session_name: "test-session".into(),
        sts: StsEndpoint {
            url: "https://sts.eu-west-1.amazonaws.com".into(),
            signing_region: "eu-west-1".into(),
        },
    }
}

const WEB_IDENTITY_RESPONSE: &str = r#"<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleWithWebIdentityResult>
    <AssumedRoleUser>
      <AssumedRoleId>AROARTEST:test-session</AssumedRoleId>
      <Arn>arn:aws:sts::123456789012:assumed-role/test-role/test-session</Arn>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>ASIAWEB</AccessKeyId>
      <SecretAccessKey>web-secret</SecretAccessKey>
      <SessionToken>web-session</SessionToken>
      <Expiration>2021-08-16T20:52:53Z</Expiration>
    </Credentials>
  </AssumeRoleWithWebIdentityResult>
  <ResponseMetadata><RequestId>f874b1d6</RequestId></ResponseMetadata>
</AssumeRoleWithWebIdentityResponse>"#;

#[test]
fn web_identity_request_shape() {
    let mut fetch = WebIdentityFetch::new(&web_identity_config());
    assert_eq!(expect_read(&mut fetch, NOW), "/token.jwt");
    fetch.handle(RootInput::File("header.payload.signature\n".into()), NOW);
    let request = expect_http(&mut fetch, NOW);
    assert_eq!(request.method, "POST");
    assert_eq!(request.url, "https://sts.eu-west-1.amazonaws.com/");
    assert_eq!(header(&request, "authorization"), None, "must be unsigned");
    assert_eq!(header(&request, "x-amz-date"), None, "must be unsigned");
    let body = String::from_utf8(request.body.clone()).unwrap();
    let params: Vec<&str> = body.split('&').collect();
    assert!(
        params.contains(&"Action=AssumeRoleWithWebIdentity"),
        "{body}"
    );
    assert!(params.contains(&"Version=2011-06-15"), "{body}");
    assert!(
        params.contains(&"RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Ftest-role"),
        "{body}"
    );
    assert!(params.contains(&"RoleSessionName=test-session"), "{body}");
    assert!(
        params.contains(&"WebIdentityToken=header.payload.signature"),
        "{body}"
    );
    assert_no_secret(&fetch, None, &["header.payload.signature"]);

    respond(&mut fetch, 200, WEB_IDENTITY_RESPONSE, NOW);
    let credentials = expect_ready(&mut fetch, NOW);
    assert_eq!(credentials.access_key_id, "ASIAWEB");
    assert_eq!(credentials.secret_access_key.expose(), "web-secret");
    assert_eq!(
        credentials.session_token.as_ref().map(|t| t.expose()),
        Some("web-session")
    );
    assert_eq!(credentials.expiration, Some(1_629_147_173_000));
    assert_eq!(credentials.account_id.as_deref(), Some("123456789012"));
}

#[test]
fn web_identity_account_from_short_arn() {
    // Some public test data uses 9-digit accounts; the ARN's account field
    // is taken as it is.
    let response = WEB_IDENTITY_RESPONSE.replace("123456789012", "123456789");
    let mut fetch = WebIdentityFetch::new(&web_identity_config());
    fetch.handle(RootInput::File("jwt".into()), NOW);
    respond(&mut fetch, 200, &response, NOW);
    let credentials = expect_ready(&mut fetch, NOW);
    assert_eq!(credentials.account_id.as_deref(), Some("123456789"));
}

#[test]
fn web_identity_error_xml() {
    let mut fetch = WebIdentityFetch::new(&web_identity_config());
    fetch.handle(RootInput::File("jwt".into()), NOW);
    expect_http(&mut fetch, NOW);
    let body = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error>
    <Type>Sender</Type>
    <Code>InvalidIdentityToken</Code>
    <Message>No OpenIDConnect provider found in your account</Message>
  </Error>
  <RequestId>5045ca91-d123</RequestId>
</ErrorResponse>"#;
    respond(&mut fetch, 400, body, NOW);
    let Error::Service(error) = expect_failed(&mut fetch, NOW) else {
        panic!("expected a service error");
    };
    assert_eq!(error.status, 400);
    assert_eq!(error.code, "InvalidIdentityToken");
    assert_eq!(
        error.message,
        "No OpenIDConnect provider found in your account"
    );
    assert_eq!(error.request_id.as_deref(), Some("5045ca91-d123"));
    assert!(error.hint.is_some());
}

#[test]
fn web_identity_empty_token_file() {
    let mut fetch = WebIdentityFetch::new(&web_identity_config());
    fetch.handle(RootInput::File("  \n".into()), NOW);
    let error = expect_failed(&mut fetch, NOW);
    assert!(error.to_string().contains("/token.jwt"), "{error}");
}

#[test]
fn web_identity_missing_credentials() {
    let mut fetch = WebIdentityFetch::new(&web_identity_config());
    fetch.handle(RootInput::File("jwt".into()), NOW);
    respond(&mut fetch, 200, "<AssumeRoleWithWebIdentityResponse/>", NOW);
    let error = expect_failed(&mut fetch, NOW);
    assert!(matches!(error, Error::MalformedResponse(_)), "{error:?}");
}

// ---- SSO -----------------------------------------------------------------

fn sso_config(session_name: Option<&str>) -> SsoConfig {
    SsoConfig {
        profile: "dev".into(),
        session_name: session_name.map(String::from),
        start_url: "https://d-abc123.awsapps.com/start".into(),
        region: "us-east-1".into(),
        account_id: "012345678901".into(),
        role_name: "SampleRole".into(),
        portal_endpoint: "https://portal.sso.us-east-1.amazonaws.com".into(),
        token_cache_file: "/home/.aws/sso/cache/abc.json".into(),
    }
}

fn token_cache(expires_at: &str) -> String {
    format!(
        r#"{{"accessToken":"sso-access-token","expiresAt":"{expires_at}","region":"us-east-1","startUrl":"https://d-abc123.awsapps.com/start"}}"#
    )
}

#[test]
fn sso_expired_token() {
    for (session, command) in [
        (None, "aws sso login --profile dev"),
        (Some("corp"), "aws sso login --sso-session corp"),
    ] {
        let mut fetch = SsoFetch::new(&sso_config(session));
        expect_read(&mut fetch, NOW);
        // 2023-11-14T22:13:20Z is NOW exactly: a token expiring now is expired.
        fetch.handle(RootInput::File(token_cache("2023-11-14T22:13:20Z")), NOW);
        let error = expect_failed(&mut fetch, NOW);
        let text = error.to_string();
        assert!(text.contains("expired"), "{text}");
        assert!(text.contains(command), "{text}");
        assert_no_secret(&fetch, Some(&error), &["sso-access-token"]);
    }
}

#[test]
fn sso_missing_token_file() {
    let mut fetch = SsoFetch::new(&sso_config(None));
    fetch.handle(
        RootInput::IoError("No such file or directory (os error 2)".into()),
        NOW,
    );
    let error = expect_failed(&mut fetch, NOW).to_string();
    assert!(error.contains("/home/.aws/sso/cache/abc.json"), "{error}");
    assert!(error.contains("aws sso login --profile dev"), "{error}");
}

#[test]
fn sso_happy_path() {
    let mut fetch = SsoFetch::new(&sso_config(Some("corp")));
    fetch.handle(RootInput::File(token_cache("2199-11-14T04:05:45Z")), NOW);
    let request = expect_http(&mut fetch, NOW);
    assert_eq!(request.method, "GET");
    assert_eq!(
        request.url,
        "https://portal.sso.us-east-1.amazonaws.com/federation/credentials?account_id=012345678901&role_name=SampleRole"
    );
    assert_eq!(
        header(&request, "x-amz-sso_bearer_token"),
        Some("sso-access-token")
    );
    assert_eq!(header(&request, "authorization"), None);
    assert_no_secret(&fetch, None, &["sso-access-token"]);
    let body = r#"{"roleCredentials":{"accessKeyId":"ASIASSO","secretAccessKey":"sso-secret","sessionToken":"sso-session","expiration":1651516560000}}"#;
    respond(&mut fetch, 200, body, NOW);
    let credentials = expect_ready(&mut fetch, NOW);
    assert_eq!(credentials.access_key_id, "ASIASSO");
    assert_eq!(
        credentials.session_token.as_ref().map(|t| t.expose()),
        Some("sso-session")
    );
    assert_eq!(credentials.expiration, Some(1_651_516_560_000));
    assert_eq!(credentials.account_id.as_deref(), Some("012345678901"));
}

#[test]
fn sso_401_hints_login() {
    let mut fetch = SsoFetch::new(&sso_config(None));
    fetch.handle(RootInput::File(token_cache("2199-11-14T04:05:45Z")), NOW);
    expect_http(&mut fetch, NOW);
    let response = HttpResponse {
        status: 401,
        headers: vec![(
            "x-amzn-ErrorType".into(),
            "UnauthorizedException:http://internal".into(),
        )],
        body: br#"{"message":"Session token not found or invalid"}"#.to_vec(),
    };
    fetch.handle(RootInput::Response(response), NOW);
    let error = expect_failed(&mut fetch, NOW);
    let Error::Service(service) = &error else {
        panic!("expected a service error, got {error:?}");
    };
    assert_eq!(service.status, 401);
    assert_eq!(service.code, "UnauthorizedException");
    assert_eq!(service.message, "Session token not found or invalid");
    assert!(
        error.to_string().contains("aws sso login --profile dev"),
        "{error}"
    );
    assert_no_secret(&fetch, Some(&error), &["sso-access-token"]);
}

#[test]
fn sso_server_error_status() {
    let mut fetch = SsoFetch::new(&sso_config(None));
    fetch.handle(RootInput::File(token_cache("2199-11-14T04:05:45Z")), NOW);
    respond(&mut fetch, 503, "", NOW);
    let Error::Service(service) = expect_failed(&mut fetch, NOW) else {
        panic!("expected a service error");
    };
    assert_eq!(service.status, 503);
    assert_eq!(service.code, "Unknown");
    assert!(
        service.message.contains("empty body"),
        "{}",
        service.message
    );
    assert!(service.hint.is_some_and(|h| h.contains("try again")));
}

#[test]
fn sso_token_cache_without_access_token() {
    let mut fetch = SsoFetch::new(&sso_config(None));
    fetch.handle(
        RootInput::File(r#"{"expiresAt":"2199-01-01T00:00:00Z"}"#.into()),
        NOW,
    );
    let error = expect_failed(&mut fetch, NOW).to_string();
    assert!(error.contains("accessToken"), "{error}");
    assert!(error.contains("aws sso login"), "{error}");
}

// ---- credential_process --------------------------------------------------

#[test]
fn process_argv_splitting() {
    let cases: &[(&str, &[&str])] = &[
        ("/bin/creds", &["/bin/creds"]),
        ("  a   b\tc\n", &["a", "b", "c"]),
        ("a 'b c' d", &["a", "b c", "d"]),
        (r#"a "b c" d"#, &["a", "b c", "d"]),
        (r#"a"b c"d"#, &["ab cd"]),
        ("a '' b", &["a", "", "b"]),
        (r#"a """#, &["a", ""]),
        (r"a\ b", &["a b"]),
        (r"a\\b", &[r"a\b"]),
        (r"a\'b", &["a'b"]),
        (r#""a\"b""#, &[r#"a"b"#]),
        (r#""a\\b""#, &[r"a\b"]),
        (r#""a\nb""#, &[r"a\nb"]),
        (r"'a\nb'", &[r"a\nb"]),
        ("'it'\\''s'", &["it's"]),
        ("a # not a comment", &["a", "#", "not", "a", "comment"]),
        ("echo $HOME | cat", &["echo", "$HOME", "|", "cat"]),
        ("C:\\path\\creds.exe", &["C:pathcreds.exe"]),
        (
            "\"C:\\path\\creds.exe\" --x",
            &["C:\\path\\creds.exe", "--x"],
        ),
        ("", &[]),
        ("   ", &[]),
    ];
    for (command, expected) in cases {
        let argv = split_command(command).unwrap_or_else(|e| panic!("{command:?}: {e}"));
        assert_eq!(argv, *expected, "{command:?}");
    }
}

#[test]
fn process_argv_split_errors() {
    for command in ["a 'b", r#"a "b"#, r"a\", r#"a "b\"#] {
        let error = split_command(command).expect_err(command);
        assert!(
            matches!(error, Error::InvalidConfig(_)),
            "{command:?}: {error:?}"
        );
    }
}

const PROCESS_OUTPUT: &str = r#"{"Version": 1, "AccessKeyId": "ASIAPROC", "SecretAccessKey": "process-secret", "SessionToken": "process-session", "Expiration": "2022-05-02T18:36:00+00:00", "AccountId": "123456789002"}"#;

fn run(fetch: &mut ProcessFetch, stdout: &str, stderr: &str, status: i32) {
    fetch.handle(
        RootInput::ProcessOutput {
            stdout: stdout.into(),
            stderr: stderr.into(),
            status,
        },
        NOW,
    );
}

#[test]
fn process_happy_path() {
    let mut fetch = ProcessFetch::new("p", "/usr/bin/get-creds --profile 'my profile'", None);
    let action = fetch.poll(NOW);
    let argv = vec![
        "/usr/bin/get-creds".to_string(),
        "--profile".into(),
        "my profile".into(),
    ];
    assert_eq!(action, RootPoll::Action(RootAction::RunProcess(argv)));
    run(&mut fetch, PROCESS_OUTPUT, "", 0);
    let credentials = expect_ready(&mut fetch, NOW);
    assert_eq!(credentials.access_key_id, "ASIAPROC");
    assert_eq!(credentials.secret_access_key.expose(), "process-secret");
    assert_eq!(
        credentials.session_token.as_ref().map(|t| t.expose()),
        Some("process-session")
    );
    assert_eq!(credentials.expiration, Some(1_651_516_560_000));
    assert_eq!(credentials.account_id.as_deref(), Some("123456789002"));
    assert_no_secret(&fetch, None, &["process-secret", "process-session"]);
}

#[test]
fn process_long_term_keys() {
    let mut fetch = ProcessFetch::new("p", "creds", None);
    run(
        &mut fetch,
        r#"{"Version":1,"AccessKeyId":"AKIA","SecretAccessKey":"s"}"#,
        "",
        0,
    );
    let credentials = expect_ready(&mut fetch, NOW);
    assert_eq!(credentials.session_token, None);
    assert_eq!(credentials.expiration, None);
    assert_eq!(credentials.account_id, None);
}

#[test]
fn process_account_id_fallback() {
    let output = r#"{"Version":1,"AccessKeyId":"AKIA","SecretAccessKey":"s"}"#;
    let mut fetch = ProcessFetch::new("p", "creds", Some("123456789001"));
    run(&mut fetch, output, "", 0);
    assert_eq!(
        expect_ready(&mut fetch, NOW).account_id.as_deref(),
        Some("123456789001")
    );

    // The output's own AccountId wins over the profile's.
    let mut fetch = ProcessFetch::new("p", "creds", Some("123456789001"));
    run(&mut fetch, PROCESS_OUTPUT, "", 0);
    assert_eq!(
        expect_ready(&mut fetch, NOW).account_id.as_deref(),
        Some("123456789002")
    );
}

#[test]
fn process_nonzero_exit_with_stderr() {
    let mut fetch = ProcessFetch::new("p", "creds", None);
    run(
        &mut fetch,
        PROCESS_OUTPUT,
        "\n  token expired, run login  \n",
        1,
    );
    let error = expect_failed(&mut fetch, NOW);
    let text = error.to_string();
    assert!(text.contains("status 1"), "{text}");
    assert!(text.contains("stderr: token expired, run login"), "{text}");
    assert!(!text.contains("login  "), "stderr must be trimmed: {text}");
    assert_no_secret(&fetch, Some(&error), &["process-secret", "process-session"]);
}

#[test]
fn process_stderr_is_bounded() {
    let mut fetch = ProcessFetch::new("p", "creds", None);
    run(&mut fetch, "", &"x".repeat(100_000), 2);
    let text = expect_failed(&mut fetch, NOW).to_string();
    assert!(text.len() < 1_200, "message of {} bytes", text.len());
    assert!(text.ends_with("..."), "{text}");
}

#[test]
fn process_invalid_json() {
    let mut fetch = ProcessFetch::new("p", "creds", None);
    run(&mut fetch, "SecretAccessKey=process-secret not json", "", 0);
    let error = expect_failed(&mut fetch, NOW);
    assert!(matches!(error, Error::MalformedResponse(_)), "{error:?}");
    assert!(error.to_string().contains("not valid JSON"), "{error}");
    assert_no_secret(&fetch, Some(&error), &["process-secret"]);
}

#[test]
fn process_version_checks() {
    let outputs = [
        (
            r#"{"Version":2,"AccessKeyId":"A","SecretAccessKey":"process-secret"}"#,
            "`Version` `2`",
        ),
        (
            r#"{"Version":"1","AccessKeyId":"A","SecretAccessKey":"process-secret"}"#,
            "`Version` `\"1\"`",
        ),
        (
            r#"{"AccessKeyId":"A","SecretAccessKey":"process-secret"}"#,
            "no `Version`",
        ),
    ];
    for (output, expected) in outputs {
        let mut fetch = ProcessFetch::new("p", "creds", None);
        run(&mut fetch, output, "", 0);
        let error = expect_failed(&mut fetch, NOW);
        assert!(error.to_string().contains(expected), "{output}: {error}");
        assert_no_secret(&fetch, Some(&error), &["process-secret"]);
    }
}

#[test]
fn process_missing_keys() {
    let outputs = [
        (
            r#"{"Version":1,"SecretAccessKey":"process-secret"}"#,
            "`AccessKeyId`",
        ),
        (r#"{"Version":1,"AccessKeyId":"A"}"#, "`SecretAccessKey`"),
        (
            r#"{"Version":1,"AccessKeyId":"A","SecretAccessKey":"s","Expiration":"soon"}"#,
            "`Expiration`",
        ),
    ];
    for (output, expected) in outputs {
        let mut fetch = ProcessFetch::new("p", "creds", None);
        run(&mut fetch, output, "", 0);
        let error = expect_failed(&mut fetch, NOW);
        assert!(error.to_string().contains(expected), "{output}: {error}");
        assert_no_secret(&fetch, Some(&error), &["process-secret"]);
    }
}

#[test]
fn process_not_found() {
    let mut fetch = ProcessFetch::new("p", "missing-tool --flag", None);
    fetch.handle(RootInput::IoError("No such file or directory".into()), NOW);
    let error = expect_failed(&mut fetch, NOW).to_string();
    assert!(error.contains("`missing-tool`"), "{error}");
}

#[test]
fn process_empty_command() {
    let mut fetch = ProcessFetch::new("p", "  ", None);
    let error = expect_failed(&mut fetch, NOW);
    assert!(matches!(error, Error::InvalidConfig(_)), "{error:?}");
}
