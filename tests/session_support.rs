//! Plans, canned STS responses and a simulated host for the session tests.
//! The other `session_*` tests include this file as a module.

#![allow(dead_code)]

use rolechain::encoding::percent_decode;
use rolechain::plan::model::{
    AssumeRoleHop, AssumeRoleOptions, BaseChain, HopOrigin, MfaSerial, Plan, Root,
    SessionTokenStep, StsEndpoint, Target,
};
use rolechain::session::{Action, Session, TargetCredentials, TargetError};
use rolechain::time::format_rfc3339;
use rolechain::{Credentials, HttpRequest, HttpResponse};

/// 2023-11-14T22:13:20Z.
pub const NOW: i64 = 1_700_000_000_000;
pub const HOUR: i64 = 3_600_000;
pub const MINUTE: i64 = 60_000;

pub const ROOT_KEY: &str = "AKIAROOTEXAMPLE";
pub const ROOT_SECRET: &str = "root-secret-key-value";
pub const MFA_SERIAL: &str = "arn:aws:iam::111111111111:mfa/alice";
pub const MFA_CODE: &str = "493817";

pub fn endpoint() -> StsEndpoint {
    StsEndpoint {
        url: "https://sts.us-east-1.amazonaws.com".into(),
        signing_region: "us-east-1".into(),
    }
}

pub fn role_arn(account: &str, name: &str) -> String {
    format!("arn:aws:iam::{account}:role/{name}")
}

/// A profile hop to `arn`, without MFA.
pub fn hop(arn: &str) -> AssumeRoleHop {
    AssumeRoleHop {
        origin: HopOrigin::Profile("dev".into()),
        role_arn: arn.into(),
        role_session_name: "rolechain-session".into(),
        duration_seconds: 3600,
        external_id: None,
        mfa_serial: None,
        chained: false,
        mfa_from_session: false,
        options: AssumeRoleOptions::default(),
        sts: endpoint(),
    }
}

/// A `-R` hop to `arn`.
pub fn role_option(arn: &str) -> AssumeRoleHop {
    AssumeRoleHop {
        origin: HopOrigin::RoleOption,
        ..hop(arn)
    }
}

pub fn static_root() -> Root {
    Root::StaticKeys {
        profile: "default".into(),
        credentials: Credentials::new(ROOT_KEY, ROOT_SECRET),
    }
}

/// A plan from static keys through `hops` to `targets`, with identity
/// verification on.
pub fn plan(hops: Vec<AssumeRoleHop>, targets: Vec<Option<AssumeRoleHop>>) -> Plan {
    Plan {
        profile: Some("dev".into()),
        base: BaseChain {
            root: static_root(),
            hops,
            session_token: None,
        },
        targets: targets.into_iter().map(|role| Target { role }).collect(),
        mfa_decision: None,
        warnings: Vec::new(),
        verify_identity: true,
        region: "us-east-1".into(),
        configured_region: None,
        sts: endpoint(),
    }
}

pub fn session_token_step(serial: MfaSerial) -> SessionTokenStep {
    SessionTokenStep {
        mfa_serial: serial,
        duration_seconds: 43_200,
        sts: endpoint(),
    }
}

// ---- canned responses ----

pub fn response(status: u16, body: &str) -> HttpResponse {
    HttpResponse {
        status,
        headers: vec![("content-type".into(), "text/xml".into())],
        body: body.as_bytes().to_vec(),
    }
}

fn credentials_xml(key: &str, expiration: i64) -> String {
    format!(
        "<Credentials><AccessKeyId>{key}</AccessKeyId>\
         <SecretAccessKey>{key}-secret</SecretAccessKey>\
         <SessionToken>{key}-token</SessionToken>\
         <Expiration>{}</Expiration></Credentials>",
        format_rfc3339(expiration)
    )
}

/// A successful AssumeRole response for `role` with the access key `key`,
/// whose secret is `{key}-secret` and session token `{key}-token`.
pub fn assume_role_ok(role: &str, key: &str, expiration: i64) -> HttpResponse {
    let (account, name) = split_role(role);
    response(
        200,
        &format!(
            "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n\
             <AssumeRoleResult>\n\
             <AssumedRoleUser><AssumedRoleId>AROA:s</AssumedRoleId>\
             <Arn>arn:aws:sts::{account}:assumed-role/{name}/rolechain-session</Arn>\
             </AssumedRoleUser>\n{}\n\
             </AssumeRoleResult>\n\
             <ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>\n\
             </AssumeRoleResponse>",
            credentials_xml(key, expiration)
        ),
    )
}

pub fn session_token_ok(key: &str, expiration: i64) -> HttpResponse {
    response(
        200,
        &format!(
            "<GetSessionTokenResponse><GetSessionTokenResult>{}</GetSessionTokenResult>\
             <ResponseMetadata><RequestId>req-2</RequestId></ResponseMetadata>\
             </GetSessionTokenResponse>",
            credentials_xml(key, expiration)
        ),
    )
}

pub fn caller_identity_ok(arn: &str) -> HttpResponse {
    let account = arn.split(':').nth(4).unwrap_or("");
    response(
        200,
        &format!(
            "<GetCallerIdentityResponse><GetCallerIdentityResult>\
             <Arn>{arn}</Arn><UserId>AROA:s</UserId><Account>{account}</Account>\
             </GetCallerIdentityResult></GetCallerIdentityResponse>"
        ),
    )
}

pub fn error_response(status: u16, code: &str, message: &str) -> HttpResponse {
    response(
        status,
        &format!(
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
             <Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>\
             <RequestId>req-err</RequestId></ErrorResponse>"
        ),
    )
}

/// The account and name of `arn:aws:iam::ACCOUNT:role/NAME`.
pub fn split_role(role: &str) -> (String, String) {
    let account = role.split(':').nth(4).unwrap_or("").to_string();
    let name = role.rsplit('/').next().unwrap_or("").to_string();
    (account, name)
}

/// The assumed-role ARN STS returns for `role`.
pub fn assumed_arn(role: &str) -> String {
    let (account, name) = split_role(role);
    format!("arn:aws:sts::{account}:assumed-role/{name}/rolechain-session")
}

// ---- request inspection ----

/// The decoded form parameters of a request body.
pub fn form(request: &HttpRequest) -> Vec<(String, String)> {
    let body = String::from_utf8(request.body.clone()).unwrap();
    body.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            // A form writes a space as `+` and a literal `+` as `%2B`.
            let decode = |s: &str| String::from_utf8(percent_decode(&s.replace('+', " "))).unwrap();
            (decode(name), decode(value))
        })
        .collect()
}

pub fn param(request: &HttpRequest, name: &str) -> Option<String> {
    form(request)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
}

pub fn header<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    request
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// The access key ID in the request's `Authorization` header.
pub fn signing_key_id(request: &HttpRequest) -> String {
    let authorization = header(request, "authorization").unwrap_or("");
    let credential = authorization
        .split("Credential=")
        .nth(1)
        .unwrap_or("")
        .split('/')
        .next()
        .unwrap_or("");
    credential.to_string()
}

// ---- polling helpers ----

/// Polls and expects `SendHttp`.
pub fn expect_http(session: &mut Session, now: i64) -> HttpRequest {
    match session.poll(now) {
        Action::SendHttp(request) => request,
        other => panic!("expected SendHttp, got {other:?}"),
    }
}

pub fn expect_ready(session: &mut Session, now: i64) -> TargetCredentials {
    match session.poll(now) {
        Action::CredentialsReady(target) => target,
        other => panic!("expected CredentialsReady, got {other:?}"),
    }
}

pub fn expect_target_failed(session: &mut Session, now: i64) -> TargetError {
    match session.poll(now) {
        Action::TargetFailed(error) => error,
        other => panic!("expected TargetFailed, got {other:?}"),
    }
}

pub fn expect_wait(session: &mut Session, now: i64) -> i64 {
    match session.poll(now) {
        Action::Wait(until) => until,
        other => panic!("expected Wait, got {other:?}"),
    }
}

/// The Action parameter of an STS request.
pub fn sts_action(request: &HttpRequest) -> String {
    param(request, "Action").unwrap_or_default()
}

/// Polls for an AssumeRole request and responds with success for its
/// `RoleArn`. Returns the request.
pub fn answer_assume_role(
    session: &mut Session,
    now: i64,
    key: &str,
    expiration: i64,
) -> HttpRequest {
    let request = expect_http(session, now);
    assert_eq!(sts_action(&request), "AssumeRole");
    let role = param(&request, "RoleArn").unwrap();
    session
        .handle_response(assume_role_ok(&role, key, expiration), now)
        .unwrap();
    request
}

/// Polls for a GetCallerIdentity request and responds with `arn`.
pub fn answer_caller_identity(session: &mut Session, now: i64, arn: &str) -> HttpRequest {
    let request = expect_http(session, now);
    assert_eq!(sts_action(&request), "GetCallerIdentity");
    session
        .handle_response(caller_identity_ok(arn), now)
        .unwrap();
    request
}
