//! Recorded end-to-end exchanges of the AWS SDKs' shared test data, replayed
//! through the root state machines.
//!
//! Each case folder contains `env.json`, a virtual file system in `fs/`, the
//! HTTP exchange in `http-traffic.json` and the outcome in `test-case.json`.
//! Requests are matched on method, URL (query parameters in any order), the
//! IMDS token headers and the form parameters `Action` and
//! `WebIdentityToken`. `now` is the `date` of the first recorded
//! response. The recordings come from the Rust SDK, so errors are checked
//! by kind, not by wording. A case whose chain goes on to AssumeRole after
//! the root stops at the root: its credentials are checked against the
//! recorded response, not against the final result.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use rolechain::plan::model::{ImdsConfig, Root, SsoConfig, StsEndpoint, WebIdentityConfig};
use rolechain::roots::{self, container, imds, RootAction, RootInput, RootPoll};
use rolechain::time::DateTime;
use rolechain::{Credentials, Error, HttpResponse};
use serde_json::Value;

/// One recorded request and its response.
#[derive(Debug, Default)]
struct Exchange {
    method: String,
    uri: String,
    headers: BTreeMap<String, String>,
    request_body: String,
    status: u16,
    response_headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn read_json(path: &Path) -> Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

fn first_header(headers: &Value) -> impl Iterator<Item = (String, String)> + '_ {
    headers
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(name, values)| {
            let value = values.as_array()?.first()?.as_str()?;
            Some((name.to_ascii_lowercase(), value.to_string()))
        })
}

/// Reads the exchanges in the order their requests were sent.
fn exchanges(case: &Path) -> Vec<Exchange> {
    let traffic = read_json(&case.join("http-traffic.json"));
    let mut order: Vec<u64> = Vec::new();
    let mut by_connection: BTreeMap<u64, Exchange> = BTreeMap::new();
    for event in traffic["events"].as_array().into_iter().flatten() {
        let id = event["connection_id"].as_u64().unwrap_or_default();
        let action = &event["action"];
        if let Some(request) = action.get("Request") {
            let request = &request["request"];
            order.push(id);
            let exchange = by_connection.entry(id).or_default();
            exchange.method = request["method"].as_str().unwrap_or_default().to_string();
            exchange.uri = request["uri"].as_str().unwrap_or_default().to_string();
            exchange.headers = first_header(&request["headers"]).collect();
        } else if let Some(response) = action.get("Response") {
            let ok = &response["response"]["Ok"];
            let exchange = by_connection.entry(id).or_default();
            exchange.status = ok["status"].as_u64().unwrap_or_default() as u16;
            exchange.response_headers = first_header(&ok["headers"]).collect();
        } else if let Some(data) = action.get("Data") {
            let text = data["data"]["Utf8"].as_str().unwrap_or_default();
            let exchange = by_connection.entry(id).or_default();
            if data["direction"] == "Response" {
                exchange.body.extend_from_slice(text.as_bytes());
            } else {
                exchange.request_body.push_str(text);
            }
        }
    }
    order
        .into_iter()
        .filter_map(|id| by_connection.remove(&id))
        .collect()
}

fn env_of(case: &Path) -> Vec<(String, String)> {
    let env = read_json(&case.join("env.json"));
    env.as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
        .collect()
}

/// Parses an HTTP date such as `Mon, 20 Sep 2021 21:43:31 GMT` into
/// milliseconds since the epoch.
fn parse_http_date(text: &str) -> Option<i64> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = months.iter().position(|m| m == month)? as u32 + 1;
    let hms: Vec<u32> = time.split(':').filter_map(|p| p.parse().ok()).collect();
    let [hour, minute, second] = hms.as_slice() else {
        return None;
    };
    let date = DateTime {
        year: year.parse().ok()?,
        month,
        day: day.parse().ok()?,
        hour: *hour,
        minute: *minute,
        second: *second,
    };
    Some(date.to_millis())
}

/// Returns the recording's time, or 2021-09-01 when no response has a
/// `date`.
fn recording_now(exchanges: &[Exchange]) -> i64 {
    exchanges
        .iter()
        .flat_map(|e| e.response_headers.iter())
        .find(|(name, _)| name == "date")
        .and_then(|(_, value)| parse_http_date(value))
        .unwrap_or(1_630_454_400_000)
}

/// Sorts the URL's query parameters, so that their order does not count.
fn normalized(url: &str) -> String {
    match url.split_once('?') {
        Some((base, query)) => {
            let mut params: Vec<&str> = query.split('&').collect();
            params.sort_unstable();
            format!("{base}?{}", params.join("&"))
        }
        None => url.to_string(),
    }
}

fn form_param<'a>(body: &'a str, name: &str) -> Option<&'a str> {
    body.split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

/// How a replay ended.
#[derive(Debug)]
enum Outcome {
    Ready(Credentials),
    Failed(Error),
    /// The machine sent a request that the recording does not contain.
    Unrecorded(String),
}

/// Drives the fetch for `root` through the case's recording and returns the
/// outcome and the number of exchanges used.
fn replay(case: &Path, root: &Root) -> (Outcome, usize) {
    let recorded = exchanges(case);
    let mut now = recording_now(&recorded);
    let mut fetch = roots::start(root, now).expect("a root that needs I/O");
    let mut next = 0;
    for _ in 0..100 {
        match fetch.poll(now) {
            RootPoll::Ready(credentials) => return (Outcome::Ready(credentials), next),
            RootPoll::Failed(error) => return (Outcome::Failed(error), next),
            RootPoll::Wait(until) => now = until,
            RootPoll::Action(RootAction::ReadFile(path)) => {
                let file = case.join("fs").join(path.trim_start_matches('/'));
                let input = match std::fs::read_to_string(&file) {
                    Ok(contents) => RootInput::File(contents),
                    Err(e) => RootInput::IoError(e.to_string()),
                };
                fetch.handle(input, now);
            }
            RootPoll::Action(RootAction::SendHttp(request)) => {
                let Some(exchange) = recorded.get(next) else {
                    return (
                        Outcome::Unrecorded(format!("{} {}", request.method, request.url)),
                        next,
                    );
                };
                next += 1;
                let name = case.display();
                assert_eq!(
                    request.method, exchange.method,
                    "{name}: method of request {next}"
                );
                assert_eq!(
                    normalized(&request.url),
                    normalized(&exchange.uri),
                    "{name}: URL of request {next}"
                );
                for header in [
                    "x-aws-ec2-metadata-token",
                    "x-aws-ec2-metadata-token-ttl-seconds",
                ] {
                    let ours = request
                        .headers
                        .iter()
                        .find(|(n, _)| n.eq_ignore_ascii_case(header))
                        .map(|(_, v)| v.as_str());
                    let theirs = exchange.headers.get(header).map(String::as_str);
                    assert_eq!(ours, theirs, "{name}: `{header}` of request {next}");
                }
                // The recorded `RoleArn` of web identity cases is not the
                // one in their environment, so only these parameters count.
                let body = String::from_utf8_lossy(&request.body);
                for param in ["Action", "WebIdentityToken"] {
                    let ours = form_param(&body, param);
                    let theirs = form_param(&exchange.request_body, param);
                    assert_eq!(ours, theirs, "{name}: `{param}` of request {next}");
                }
                let response = HttpResponse {
                    status: exchange.status,
                    headers: exchange.response_headers.clone(),
                    body: exchange.body.clone(),
                };
                fetch.handle(RootInput::Response(response), now);
            }
            RootPoll::Action(other) => panic!("{}: unexpected action {other:?}", case.display()),
        }
    }
    panic!("{}: the fetch did not finish", case.display())
}

fn expected_ok(case: &Path) -> Option<Value> {
    let test_case = read_json(&case.join("test-case.json"));
    test_case["result"].get("Ok").cloned()
}

fn assert_matches_result(case: &Path, credentials: &Credentials) {
    let Some(expected) = expected_ok(case) else {
        panic!("{}: expected an error, got credentials", case.display());
    };
    let name = case.display();
    assert_eq!(
        Some(credentials.access_key_id.as_str()),
        expected["access_key_id"].as_str(),
        "{name}"
    );
    assert_eq!(
        Some(credentials.secret_access_key.expose()),
        expected["secret_access_key"].as_str(),
        "{name}"
    );
    assert_eq!(
        credentials.session_token.as_ref().map(|t| t.expose()),
        expected["session_token"].as_str(),
        "{name}"
    );
    assert_eq!(
        credentials.account_id.as_deref(),
        expected["account_id"].as_str(),
        "{name}"
    );
    let expiry = expected["expiry"].as_i64().map(|s| s * 1000);
    assert_eq!(credentials.expiration, expiry, "{name}");
}

fn imds_root(case: &Path) -> Root {
    let env = env_of(case);
    Root::Ec2InstanceMetadata(ImdsConfig {
        endpoint: imds::endpoint(&env, None, None).expect("a valid endpoint"),
        disabled: imds::disabled(&env),
    })
}

fn container_root(case: &Path) -> Root {
    Root::EcsContainer(container::config(&env_of(case)))
}

const IMDS_SUCCESS: [&str; 3] = [
    "imds_default_chain_success",
    "imds_config_with_no_creds",
    "imds_default_chain_retries",
];

#[test]
fn replay_imds_success() {
    let Some(dir) = common::vectors_dir("aws-config") else {
        return;
    };
    for name in IMDS_SUCCESS {
        let case = dir.join("default-credential-provider-chain").join(name);
        let (outcome, used) = replay(&case, &imds_root(&case));
        let Outcome::Ready(credentials) = outcome else {
            panic!("{name}: {outcome:?}");
        };
        assert_eq!(
            used,
            exchanges(&case).len(),
            "{name}: every recorded exchange is used"
        );
        assert_matches_result(&case, &credentials);
    }
}

#[test]
fn replay_imds_assume_role_root() {
    // The chain then calls AssumeRole; the root's own credentials are the
    // ones in the recorded IMDS response.
    let Some(dir) = common::vectors_dir("aws-config") else {
        return;
    };
    let case = dir.join("default-credential-provider-chain/imds_assume_role");
    let (outcome, used) = replay(&case, &imds_root(&case));
    let Outcome::Ready(credentials) = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(used, 3);
    assert_eq!(credentials.access_key_id, "ASIARSTSBASE");
    assert_eq!(
        credentials.session_token.as_ref().map(|t| t.expose()),
        Some("tokenbase")
    );
}

#[test]
fn replay_imds_errors() {
    let Some(dir) = common::vectors_dir("aws-config") else {
        return;
    };
    for name in [
        "imds_default_chain_error",
        "imds_no_iam_role",
        "imds_disabled",
    ] {
        let case = dir.join("default-credential-provider-chain").join(name);
        assert!(
            expected_ok(&case).is_none(),
            "{name}: the recording expects an error"
        );
        let (outcome, _) = replay(&case, &imds_root(&case));
        assert!(
            matches!(outcome, Outcome::Failed(Error::NoSourceCredentials(_))),
            "{name}: {outcome:?}"
        );
    }
}

#[test]
fn replay_imds_token_403_falls_back_unlike_recording() {
    // The Rust SDK stops when the token PUT gets 403; botocore, and so this
    // crate, tries IMDSv1, which the recording does not hold.
    let Some(dir) = common::vectors_dir("aws-config") else {
        return;
    };
    let case = dir.join("default-credential-provider-chain/imds_token_fail");
    let (outcome, used) = replay(&case, &imds_root(&case));
    assert_eq!(used, 1);
    let Outcome::Unrecorded(request) = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!(
        request,
        "GET http://169.254.169.254/latest/meta-data/iam/security-credentials/"
    );
}

#[test]
fn replay_container() {
    let Some(dir) = common::vectors_dir("aws-config") else {
        return;
    };
    for name in [
        "ecs_credentials",
        "ecs_credentials_invalid_profile",
        "eks_pod_identity_credentials",
    ] {
        let case = dir.join("default-credential-provider-chain").join(name);
        let (outcome, used) = replay(&case, &container_root(&case));
        let Outcome::Ready(credentials) = outcome else {
            panic!("{name}: {outcome:?}");
        };
        assert_eq!(used, 1, "{name}");
        assert_matches_result(&case, &credentials);
    }
}

#[test]
fn replay_ecs_assume_role_root() {
    let Some(dir) = common::vectors_dir("aws-config") else {
        return;
    };
    let case = dir.join("default-credential-provider-chain/ecs_assume_role");
    let (outcome, used) = replay(&case, &container_root(&case));
    assert!(matches!(outcome, Outcome::Ready(_)), "{outcome:?}");
    assert_eq!(used, 1);
}

#[test]
fn replay_eks_pod_identity_no_token_file() {
    let Some(dir) = common::vectors_dir("aws-config") else {
        return;
    };
    let case = dir.join("default-credential-provider-chain/eks_pod_identity_no_token_file");
    let (outcome, used) = replay(&case, &container_root(&case));
    assert_eq!(used, 0);
    let Outcome::Failed(error) = outcome else {
        panic!("{outcome:?}");
    };
    assert!(error.to_string().contains("/token.jwt"), "{error}");
}

fn sso_root(portal_region: &str, account_id: &str, role_name: &str, cache_file: &str) -> Root {
    Root::Sso(SsoConfig {
        profile: "sso-test".into(),
        session_name: None,
        start_url: "https://ssotest.awsapps.com/start".into(),
        region: portal_region.into(),
        account_id: account_id.into(),
        role_name: role_name.into(),
        portal_endpoint: format!("https://portal.sso.{portal_region}.amazonaws.com"),
        token_cache_file: format!("/home/.aws/sso/cache/{cache_file}.json"),
    })
}

#[test]
fn replay_sso() {
    let Some(dir) = common::vectors_dir("aws-config") else {
        return;
    };
    let chain = dir.join("default-credential-provider-chain");
    let cache = "dace00cba5f8355ec9d274ceb2bcebdfbeed0e12";
    let root = sso_root("us-east-2", "123456789", "MySsoRole", cache);

    let case = chain.join("sso_assume_role");
    let (outcome, _) = replay(&case, &root);
    let Outcome::Ready(credentials) = outcome else {
        panic!("sso_assume_role: {outcome:?}");
    };
    assert_matches_result(&case, &credentials);

    let (outcome, used) = replay(&chain.join("sso_no_token_file"), &root);
    assert_eq!(used, 0);
    let Outcome::Failed(error) = outcome else {
        panic!("sso_no_token_file: {outcome:?}");
    };
    assert!(error.to_string().contains(cache), "{error}");

    let (outcome, _) = replay(&chain.join("sso_server_error"), &root);
    assert!(
        matches!(&outcome, Outcome::Failed(Error::Service(e)) if e.status == 503),
        "sso_server_error: {outcome:?}"
    );

    // Recorded with `role_name` before `account_id` in the query.
    let case = dir.join("profile-provider/sso_credentials");
    let root = Root::Sso(SsoConfig {
        profile: "default".into(),
        session_name: Some("dev".into()),
        start_url: "https://d-abc123.awsapps.com/start".into(),
        region: "us-east-1".into(),
        account_id: "012345678901".into(),
        role_name: "SampleRole".into(),
        portal_endpoint: "https://portal.sso.us-east-1.amazonaws.com".into(),
        token_cache_file: "/home/.aws/sso/cache/34c6fceca75e456f25e7e99531e2425c6c1de443.json"
            .into(),
    });
    let (outcome, _) = replay(&case, &root);
    let Outcome::Ready(credentials) = outcome else {
        panic!("sso_credentials: {outcome:?}");
    };
    assert_matches_result(&case, &credentials);
}

fn web_identity_root(case: &Path, region: &str) -> Root {
    let env: BTreeMap<String, String> = env_of(case).into_iter().collect();
    Root::WebIdentity(WebIdentityConfig {
        role_arn: env["AWS_ROLE_ARN"].clone(),
        web_identity_token_file: env["AWS_WEB_IDENTITY_TOKEN_FILE"].clone(),
        role_session_name: env["AWS_ROLE_SESSION_NAME"].clone(),
        sts: StsEndpoint {
            url: format!("https://sts.{region}.amazonaws.com"),
            signing_region: region.into(),
        },
    })
}

#[test]
fn replay_web_identity_token_env() {
    let Some(dir) = common::vectors_dir("aws-config") else {
        return;
    };
    let case = dir.join("default-credential-provider-chain/web_identity_token_env");
    let (outcome, used) = replay(&case, &web_identity_root(&case, "eu-west-1"));
    assert_eq!(used, 1);
    let Outcome::Ready(credentials) = outcome else {
        panic!("{outcome:?}");
    };
    assert_matches_result(&case, &credentials);
}
