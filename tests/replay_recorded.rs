//! Replays the recorded credential-provider runs of the AWS SDK for Rust
//! (smithy-rs `aws/rust-runtime/aws-config/test-data/profile-provider/` and
//! `default-credential-provider-chain/`) through `plan` and `Session`.
//!
//! Each case folder contains `env.json`, a virtual file system in `fs/`, the
//! recorded HTTP exchanges in `http-traffic.json` and the expected result in
//! `test-case.json`. A replay plans from the case's files and environment,
//! answers every `SendHttp` with the next recorded response after checking
//! that the request matches the recorded one, answers `ReadFile` from `fs/`,
//! and compares the credentials or the error with `test-case.json`.
//!
//! The data encodes the Rust SDK's choices, while rolechain follows
//! botocore. Cases where the two differ, or that need something the test
//! cannot emulate, are listed in `NOT_REPLAYED` with the reason, and request
//! differences that botocore explains are listed in `REQUEST_QUIRKS`.

mod common;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use rolechain::plan::{plan, InputFile, PlanInput};
use rolechain::profile::Platform;
use rolechain::session::{Action, Session};
use rolechain::time::parse_rfc3339;
use rolechain::{Credentials, Error, HttpRequest, HttpResponse};
use serde_json::Value;

const PROFILE_PROVIDER: &str = "profile-provider";
const DEFAULT_CHAIN: &str = "default-credential-provider-chain";

/// Cases replayed from `profile-provider/`. The Rust SDK runs these through
/// its profile provider alone, so the replay removes the environment keys
/// and switches off instance metadata: see [`profile_provider_environment`].
const PROFILE_PROVIDER_REPLAYED: &[&str] = &[
    "assume_role_override_global_env_url",
    "assume_role_override_global_profile_url",
    "assume_role_override_service_env_url",
    "assume_role_override_service_profile_url",
    "credential_process_failure",
    "credential_process_invalid",
    "e2e_assume_role",
    "e2e_fips_and_dual_stack_sts",
    "empty_config",
    "invalid_config",
    "invalid_sso_credentials_config",
    "region_override",
    "retry_on_error",
    "sso_credentials",
    "sso_override_global_env_url",
    "sso_token",
];

/// Cases replayed from `default-credential-provider-chain/`, with the
/// environment exactly as recorded.
const DEFAULT_CHAIN_REPLAYED: &[&str] = &[
    "e2e_fips_and_dual_stack_sso",
    "ecs_assume_role",
    "ecs_credentials",
    "ecs_credentials_invalid_profile",
    "eks_pod_identity_credentials",
    "eks_pod_identity_no_token_file",
    "environment_variables",
    "imds_assume_role",
    "imds_config_with_no_creds",
    "imds_default_chain_error",
    "imds_default_chain_retries",
    "imds_default_chain_success",
    "imds_disabled",
    "imds_no_iam_role",
    "prefer_environment",
    "profile_name",
    "profile_overrides_web_identity",
    "profile_static_keys",
    "profile_static_keys_case_insensitive",
    "sso_assume_role",
    "sso_no_token_file",
    "sso_server_error",
    "web_identity_source_profile_no_env",
    "web_identity_token_env",
    "web_identity_token_invalid_jwt",
    "web_identity_token_profile",
    "web_identity_token_source_profile",
];

/// Case folders that are not replayed, as `folder/case`, with the reason.
const NOT_REPLAYED: &[(&str, &str)] = &[
    (
        "profile-provider/credential_process",
        "the credential_process command uses a shell pipe `| base64 --decode`; botocore \
         (shlex.split, then Popen without a shell) and rolechain run the argv without a shell, \
         so `echo` would print the pipe literally and the output is not JSON",
    ),
    (
        "profile-provider/credential_process_account_id_fallback",
        "the credential_process command uses a shell pipe `| base64 --decode`; botocore and \
         rolechain run the argv without a shell",
    ),
    (
        "default-credential-provider-chain/environment_variables_blank",
        "expects the Rust SDK's choice: `AWS_ACCESS_KEY_ID=\" \"` counts as absent, so profile \
         `some_profile`'s keys are used. botocore uses the blank keys and STS rejects them; \
         rolechain rejects them when planning, which `blank_env_keys_rejected` checks",
    ),
    (
        "default-credential-provider-chain/imds_token_fail",
        "expects the Rust SDK's behaviour: a 403 to the IMDS token PUT stops the chain. \
         botocore falls back to IMDSv1 and sends the role-list GET, which the recording does \
         not have; `imds_token_403_falls_back` checks that rolechain does the same",
    ),
];

/// Form parameters left out of the comparison for one case, with the reason.
const REQUEST_QUIRKS: &[(&str, &[&str], &str)] = &[
    (
        "default-credential-provider-chain/web_identity_token_env",
        &["RoleArn"],
        "the recorded RoleArn names account 123456789123 while AWS_ROLE_ARN names \
         123456789012; the recording was not made with this environment",
    ),
    (
        "default-credential-provider-chain/web_identity_token_profile",
        &["RoleArn", "WebIdentityToken"],
        "the recorded request carries another role (`134095065856:role/s3-reader`) and a real \
         token, while the profile names `1234567890123:role/RoleA` and the token file holds \
         `sometoken`; the recording was reused from another run",
    ),
    (
        "default-credential-provider-chain/web_identity_token_source_profile",
        &["RoleArn", "WebIdentityToken"],
        "the recorded AssumeRoleWithWebIdentity request carries account 134095065856 and a \
         real token, while profile B names 123456789012 and the token file holds `sometoken`; \
         the recording was reused from another run",
    ),
];

/// The kind of error a case expects. `test-case.json` contains the Rust SDK's
/// wording, so the replay checks the kind of error and, where the message
/// must carry a value, that value.
#[derive(Clone, Copy, Debug)]
enum Expected {
    /// `Error::NoSourceCredentials`: the chain found nothing to use.
    NoSource,
    /// `Error::InvalidConfig` whose message contains this text.
    Config(&'static str),
    /// `Error::MalformedResponse`.
    Malformed,
    /// Any error whose message contains this text, such as the host's I/O
    /// error message passed through.
    Mentions(&'static str),
    /// `Error::Service` with this error code and HTTP status.
    Service(&'static str, u16),
    /// `Error::Service` with this HTTP status.
    Status(u16),
}

/// The error kind each error case expects, with the Rust SDK's message in
/// the comment.
const EXPECTED_ERRORS: &[(&str, Expected)] = &[
    // "exited with code exit status: 1"
    (
        "profile-provider/credential_process_failure",
        Expected::Mentions("exited with status 1"),
    ),
    // "could not parse response: invalid JSON in response"
    (
        "profile-provider/credential_process_invalid",
        Expected::Malformed,
    ),
    // "the credential provider was not enabled"
    ("profile-provider/empty_config", Expected::NoSource),
    // "could not parse profile file"
    (
        "profile-provider/invalid_config",
        Expected::Config("line 2"),
    ),
    // "selected profile will resolve an access token instead of credentials"
    (
        "profile-provider/invalid_sso_credentials_config",
        Expected::Config("sso_account_id"),
    ),
    (
        "profile-provider/sso_token",
        Expected::Config("sso_account_id"),
    ),
    // "No such file or directory (os error 2)"
    (
        "default-credential-provider-chain/eks_pod_identity_no_token_file",
        Expected::Mentions(NOT_FOUND),
    ),
    // "the credential provider was not enabled"
    (
        "default-credential-provider-chain/imds_default_chain_error",
        Expected::NoSource,
    ),
    (
        "default-credential-provider-chain/imds_disabled",
        Expected::NoSource,
    ),
    (
        "default-credential-provider-chain/imds_no_iam_role",
        Expected::NoSource,
    ),
    // "provider was not enabled": profile A takes `credential_source =
    // Environment` and the environment has no keys.
    (
        "default-credential-provider-chain/profile_overrides_web_identity",
        Expected::NoSource,
    ),
    // "failed to read `/home/.aws/sso/cache/dace00...json`: No such file"
    (
        "default-credential-provider-chain/sso_no_token_file",
        Expected::Mentions(NOT_FOUND),
    ),
    // "an error occurred while loading credentials", after a 503
    (
        "default-credential-provider-chain/sso_server_error",
        Expected::Status(503),
    ),
    // "`web_identity_token_file` was specified but `role_arn` was missing"
    (
        "default-credential-provider-chain/web_identity_source_profile_no_env",
        Expected::Config("role_arn"),
    ),
    // "InvalidIdentityTokenException: No OpenIDConnect provider found"
    (
        "default-credential-provider-chain/web_identity_token_invalid_jwt",
        Expected::Service("InvalidIdentityToken", 400),
    ),
];

/// The message the replay host passes to `handle_io_error` for a file that
/// is not in the case's `fs/`.
const NOT_FOUND: &str = "No such file or directory (os error 2)";

/// The time used when a recording has no `Date` header and the expected
/// credentials have no expiry: 2021-08-05T18:58:02Z, the time of the
/// profile-provider recordings.
const FALLBACK_NOW: i64 = 1_628_189_882_000;

/// Polls allowed per replay before it counts as stuck.
const MAX_POLLS: usize = 200;

fn expected_error(case: &str) -> Option<Expected> {
    EXPECTED_ERRORS
        .iter()
        .find(|(name, _)| *name == case)
        .map(|(_, expected)| *expected)
}

impl Expected {
    fn matches(self, error: &Error) -> bool {
        match self {
            Expected::NoSource => matches!(error, Error::NoSourceCredentials(_)),
            Expected::Config(text) => {
                matches!(error, Error::InvalidConfig(_)) && error.to_string().contains(text)
            }
            Expected::Malformed => matches!(error, Error::MalformedResponse(_)),
            Expected::Mentions(text) => error.to_string().contains(text),
            Expected::Service(code, status) => {
                matches!(error, Error::Service(e) if e.code == code && e.status == status)
            }
            Expected::Status(status) => matches!(error, Error::Service(e) if e.status == status),
        }
    }
}

// ---------------------------------------------------------------------------
// Reading a case folder

/// One recorded request and its response.
#[derive(Clone, Debug, Default)]
struct Exchange {
    method: String,
    uri: String,
    request_headers: Vec<(String, String)>,
    request_body: String,
    status: u16,
    response_headers: Vec<(String, String)>,
    response_body: String,
}

/// What `test-case.json` expects.
#[derive(Debug)]
enum Outcome {
    Credentials {
        access_key_id: String,
        secret_access_key: String,
        session_token: Option<String>,
        account_id: Option<String>,
        /// Seconds since the Unix epoch.
        expiry: Option<i64>,
    },
    Error(String),
}

struct Case {
    /// `folder/case`, as in the tables.
    name: String,
    dir: PathBuf,
    environment: Vec<(String, String)>,
    exchanges: Vec<Exchange>,
    outcome: Outcome,
}

fn read_json(path: &Path) -> Value {
    let text = fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("failed to read `{}`: {e}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("`{}` is not valid JSON: {e}", path.display()))
}

fn string_field(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(String::from)
}

/// Flattens a recorded header map (`name: [values]`) into pairs.
fn header_pairs(headers: Option<&Value>) -> Vec<(String, String)> {
    let Some(Value::Object(map)) = headers else {
        return Vec::new();
    };
    let mut pairs = Vec::new();
    for (name, values) in map {
        for value in values.as_array().into_iter().flatten() {
            pairs.push((name.clone(), value.as_str().unwrap_or_default().to_string()));
        }
    }
    pairs
}

/// Reads `http-traffic.json` into exchanges, in the order of their
/// `Request` events. Events of one exchange share a `connection_id`.
fn read_exchanges(path: &Path) -> Vec<Exchange> {
    let traffic = read_json(path);
    let events = traffic["events"]
        .as_array()
        .unwrap_or_else(|| panic!("`{}` has no `events` array", path.display()));
    let mut exchanges: Vec<Exchange> = Vec::new();
    let mut by_connection: BTreeMap<u64, usize> = BTreeMap::new();
    for event in events {
        let connection = event["connection_id"]
            .as_u64()
            .unwrap_or_else(|| panic!("`{}`: an event has no connection_id", path.display()));
        let action = &event["action"];
        if let Some(request) = action.get("Request") {
            let request = &request["request"];
            by_connection.insert(connection, exchanges.len());
            exchanges.push(Exchange {
                method: string_field(request, "method").unwrap_or_default(),
                uri: string_field(request, "uri").unwrap_or_default(),
                request_headers: header_pairs(request.get("headers")),
                ..Exchange::default()
            });
            continue;
        }
        let Some(&index) = by_connection.get(&connection) else {
            panic!(
                "`{}`: connection {connection} has an event before its request",
                path.display()
            );
        };
        let exchange = &mut exchanges[index];
        if let Some(response) = action.get("Response") {
            let ok = response["response"].get("Ok").unwrap_or_else(|| {
                panic!(
                    "`{}`: connection {connection} has a response that is not `Ok`; \
                     the replay supports only recorded HTTP responses",
                    path.display()
                )
            });
            exchange.status = ok["status"].as_u64().unwrap_or(0) as u16;
            exchange.response_headers = header_pairs(ok.get("headers"));
        } else if let Some(data) = action.get("Data") {
            let text = data["data"]["Utf8"].as_str().unwrap_or_else(|| {
                panic!(
                    "`{}`: connection {connection} has data that is not `Utf8`",
                    path.display()
                )
            });
            match data["direction"].as_str() {
                Some("Request") => exchange.request_body.push_str(text),
                Some("Response") => exchange.response_body.push_str(text),
                other => panic!(
                    "`{}`: connection {connection} has data with direction {other:?}",
                    path.display()
                ),
            }
        }
    }
    exchanges
}

fn read_outcome(path: &Path) -> Outcome {
    let case = read_json(path);
    let result = &case["result"];
    if let Some(ok) = result.get("Ok") {
        return Outcome::Credentials {
            access_key_id: string_field(ok, "access_key_id").unwrap_or_default(),
            secret_access_key: string_field(ok, "secret_access_key").unwrap_or_default(),
            session_token: string_field(ok, "session_token"),
            account_id: string_field(ok, "account_id"),
            expiry: ok.get("expiry").and_then(Value::as_i64),
        };
    }
    for key in ["ErrorContains", "Error", "errorContaining"] {
        if let Some(text) = string_field(result, key) {
            return Outcome::Error(text);
        }
    }
    panic!(
        "`{}`: `result` is neither `Ok` nor an error: {result}",
        path.display()
    )
}

fn read_environment(path: &Path) -> Vec<(String, String)> {
    let Value::Object(map) = read_json(path) else {
        panic!("`{}` is not a JSON object", path.display());
    };
    map.into_iter()
        .map(|(name, value)| (name, value.as_str().unwrap_or_default().to_string()))
        .collect()
}

fn read_case(folder: &str, dir: &Path) -> Case {
    let case = dir.file_name().unwrap().to_string_lossy().into_owned();
    Case {
        name: format!("{folder}/{case}"),
        dir: dir.to_path_buf(),
        environment: read_environment(&dir.join("env.json")),
        exchanges: read_exchanges(&dir.join("http-traffic.json")),
        outcome: read_outcome(&dir.join("test-case.json")),
    }
}

/// Lists the case folders under `dir`, sorted.
fn case_folders(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("failed to list `{}`: {e}", dir.display()))
        .map(|entry| entry.unwrap())
        .filter(|entry| entry.path().is_dir())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

// ---------------------------------------------------------------------------
// The virtual file system and the clock

/// Maps an absolute path of the recording's machine into the case's `fs/`.
fn fs_path(case_dir: &Path, path: &str) -> Option<PathBuf> {
    let relative = path.strip_prefix('/')?;
    Some(case_dir.join("fs").join(relative))
}

fn read_virtual(case_dir: &Path, path: &str) -> Option<String> {
    let real = fs_path(case_dir, path)?;
    fs::read_to_string(real).ok()
}

fn env_value<'a>(environment: &'a [(String, String)], name: &str) -> Option<&'a str> {
    environment
        .iter()
        .rev()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
        .filter(|value| !value.is_empty())
}

/// Reads the config or credentials file from the case's `fs/` at the path
/// the environment gives (`variable`), or else at `$HOME/.aws/<file>`.
fn shared_file(
    case_dir: &Path,
    environment: &[(String, String)],
    variable: &str,
    file: &str,
) -> Option<InputFile> {
    let path = match env_value(environment, variable) {
        Some(path) => path.to_string(),
        None => format!("{}/.aws/{file}", env_value(environment, "HOME")?),
    };
    let text = read_virtual(case_dir, &path)?;
    Some(InputFile { path, text })
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Parses an HTTP `Date` header (`Thu, 05 Aug 2021 18:58:02 GMT`) into
/// milliseconds since the Unix epoch.
fn parse_http_date(text: &str) -> Option<i64> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    let month = MONTHS.iter().position(|m| m == month)? as i64 + 1;
    let clock: Vec<i64> = time
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let [hour, minute, second] = clock.as_slice() else {
        return None;
    };
    let days = days_from_civil(year.parse().ok()?, month, day.parse().ok()?);
    Some(((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000)
}

/// Collects the expiration times, in milliseconds since the Unix epoch, of
/// the credentials in the recorded responses: `Expiration` of a JSON document
/// (instance metadata, container endpoint) or of an STS XML response, and
/// `roleCredentials.expiration` of an SSO response.
fn recorded_expirations(case: &Case) -> Vec<i64> {
    let mut times = Vec::new();
    for exchange in &case.exchanges {
        let body = &exchange.response_body;
        if let Ok(json) = serde_json::from_str::<Value>(body) {
            if let Some(time) = json["Expiration"].as_str().and_then(parse_rfc3339) {
                times.push(time);
            }
            if let Some(ms) = json["roleCredentials"]["expiration"].as_i64() {
                times.push(ms);
            }
        } else if let Some((_, rest)) = body.split_once("<Expiration>") {
            if let Some(time) = rest.split("</Expiration>").next().and_then(parse_rfc3339) {
                times.push(time);
            }
        }
    }
    times
}

/// Returns the time of the recording: the first `Date` response header,
/// or one hour before the earliest credential expiry in the recording or in
/// `test-case.json` when that comes first. Some recordings pair a 2021
/// `Date` with credentials that expired in 2009, which the Rust SDK's test
/// clock accepted. rolechain rejects expired credentials, a check these
/// recordings did not make.
fn recording_now(case: &Case) -> i64 {
    const HOUR: i64 = 3_600_000;
    let date = case
        .exchanges
        .iter()
        .flat_map(|e| e.response_headers.iter())
        .find(|(name, _)| name.eq_ignore_ascii_case("date"))
        .and_then(|(_, value)| parse_http_date(value));
    let mut expirations = recorded_expirations(case);
    if let Outcome::Credentials {
        expiry: Some(seconds),
        ..
    } = &case.outcome
    {
        expirations.push(seconds * 1000);
    }
    let earliest = expirations.into_iter().min();
    match (date, earliest) {
        (Some(date), Some(earliest)) if date >= earliest => earliest - HOUR,
        (Some(date), _) => date,
        (None, Some(earliest)) => earliest - HOUR,
        (None, None) => FALLBACK_NOW,
    }
}

// ---------------------------------------------------------------------------
// Request matching

/// Decodes `application/x-www-form-urlencoded` text (`+` is a space). A
/// `%` without two hex digits after it stays as it is.
fn form_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = match bytes.get(i..i + 3) {
            Some([b'%', high, low]) => hex(*high).zip(hex(*low)),
            _ => None,
        };
        if let Some((high, low)) = escaped {
            out.push((high * 16 + low) as u8);
            i += 3;
            continue;
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Decodes a form body or a query string into sorted name-value pairs.
fn form_pairs(text: &str) -> BTreeMap<String, String> {
    text.split('&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (name, value) = part.split_once('=').unwrap_or((part, ""));
            (form_decode(name), form_decode(value))
        })
        .collect()
}

/// A URL split for comparison: scheme and host lowercased, the default
/// port dropped, an empty path as `/`, and the query decoded and sorted.
/// The Rust SDK and rolechain put the SSO query parameters in different
/// orders, which means nothing to the server.
#[derive(Debug, PartialEq, Eq)]
struct NormalUrl {
    scheme: String,
    authority: String,
    path: String,
    query: BTreeMap<String, String>,
}

fn normalize_url(url: &str) -> NormalUrl {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let scheme = scheme.to_ascii_lowercase();
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path_and_query) = rest.split_at(split);
    let mut authority = authority.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => ":80",
        "https" => ":443",
        _ => "",
    };
    if !default_port.is_empty() && authority.ends_with(default_port) {
        authority.truncate(authority.len() - default_port.len());
    }
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let path = if path.is_empty() { "/" } else { path };
    NormalUrl {
        scheme,
        authority,
        path: path.to_string(),
        query: form_pairs(query),
    }
}

/// Checks whether a recorded `RoleSessionName` is one the Rust SDK generated:
/// `assume-role-provider-session`, `assume-role-from-profile-<ms>` or
/// `web-identity-token-profile-<ms>`.
fn is_generated_session_name(name: &str) -> bool {
    if name == "assume-role-provider-session" {
        return true;
    }
    ["assume-role-from-profile-", "web-identity-token-profile-"]
        .iter()
        .any(|prefix| {
            name.strip_prefix(prefix).is_some_and(|digits| {
                !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
            })
        })
}

fn ignored_params(case: &str) -> &'static [&'static str] {
    REQUEST_QUIRKS
        .iter()
        .find(|(name, _, _)| *name == case)
        .map_or(&[], |(_, params, _)| params)
}

fn is_form(exchange: &Exchange) -> bool {
    exchange.request_headers.iter().any(|(name, value)| {
        name.eq_ignore_ascii_case("content-type")
            && value.starts_with("application/x-www-form-urlencoded")
    }) || (exchange.method == "POST" && exchange.request_body.contains('='))
}

/// Compares the form parameters of a request with the recorded ones and
/// returns the differences, one per line. Three differences that botocore
/// explains are accepted:
///
/// - `RoleSessionName`: where the Rust SDK generated one, botocore (and
///   rolechain) send `botocore-session-<Unix seconds>`;
/// - `DurationSeconds=3600`: rolechain always sends it, and 3600 is STS's
///   default when it is absent, as in the recordings;
/// - `WebIdentityToken`: rolechain trims the token file, while the
///   recordings carry its trailing newline (`%0A`); a JWT has no whitespace.
fn form_differences(
    case: &str,
    recorded: &BTreeMap<String, String>,
    sent: &BTreeMap<String, String>,
    now: i64,
) -> Vec<String> {
    let ignored = ignored_params(case);
    let mut differences = Vec::new();
    let names: std::collections::BTreeSet<&String> = recorded.keys().chain(sent.keys()).collect();
    for name in names {
        if ignored.contains(&name.as_str()) {
            continue;
        }
        let want = recorded.get(name).map(String::as_str);
        let got = sent.get(name).map(String::as_str);
        let accepted = match (name.as_str(), want, got) {
            (_, Some(w), Some(g)) if w == g => true,
            ("RoleSessionName", Some(w), Some(g)) if is_generated_session_name(w) => {
                g == format!("botocore-session-{}", now.div_euclid(1000))
            }
            ("DurationSeconds", None, Some("3600")) => true,
            ("WebIdentityToken", Some(w), Some(g)) => w.trim() == g,
            _ => false,
        };
        if !accepted {
            differences.push(format!(
                "form parameter `{name}`: recorded {want:?}, sent {got:?}"
            ));
        }
    }
    differences
}

/// Checks a request of the session against the recorded one and returns
/// the differences, or an empty list when they match.
fn request_differences(
    case: &str,
    recorded: &Exchange,
    sent: &HttpRequest,
    now: i64,
) -> Vec<String> {
    let mut differences = Vec::new();
    if !sent.method.eq_ignore_ascii_case(&recorded.method) {
        differences.push(format!(
            "method: recorded `{}`, sent `{}`",
            recorded.method, sent.method
        ));
    }
    let want = normalize_url(&recorded.uri);
    let got = normalize_url(&sent.url);
    if want != got {
        differences.push(format!(
            "URL: recorded `{}`, sent `{}`",
            recorded.uri, sent.url
        ));
    }
    let body = String::from_utf8_lossy(&sent.body);
    if is_form(recorded) {
        let recorded_form = form_pairs(&recorded.request_body);
        let sent_form = form_pairs(&body);
        differences.extend(form_differences(case, &recorded_form, &sent_form, now));
    } else if recorded.request_body != body {
        differences.push(format!(
            "body: recorded {} bytes, sent {} bytes",
            recorded.request_body.len(),
            body.len()
        ));
    }
    differences
}

fn recorded_response(exchange: &Exchange) -> HttpResponse {
    HttpResponse {
        status: exchange.status,
        headers: exchange.response_headers.clone(),
        body: exchange.response_body.clone().into_bytes(),
    }
}

// ---------------------------------------------------------------------------
// Running a case

/// Builds the environment of a profile-provider case. The Rust SDK runs these
/// through its profile provider alone, which reads neither the environment
/// keys nor instance metadata. rolechain has only the whole chain, so the
/// replay removes `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
/// `AWS_SESSION_TOKEN` and sets `AWS_EC2_METADATA_DISABLED=true`. No
/// profile-provider case sets the container variables.
fn profile_provider_environment(environment: &[(String, String)]) -> Vec<(String, String)> {
    const KEYS: [&str; 3] = [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
    ];
    let mut kept: Vec<(String, String)> = environment
        .iter()
        .filter(|(name, _)| !KEYS.contains(&name.as_str()))
        .cloned()
        .collect();
    kept.push(("AWS_EC2_METADATA_DISABLED".into(), "true".into()));
    kept
}

/// Emulates the few processes the replayed cases run. `echo` prints its
/// arguments, as it does without a shell. `exit N` is a shell builtin that
/// a host without a shell would not find, so the emulation exits with
/// status N as the recording's shell did, and the case still tests a
/// failing command.
fn run_process(argv: &[String]) -> Option<(String, i32)> {
    match argv {
        [program, args @ ..] if program == "echo" => Some((format!("{}\n", args.join(" ")), 0)),
        [program, status] if program == "exit" => Some((String::new(), status.parse().ok()?)),
        _ => None,
    }
}

/// What a session run produced.
struct Run {
    credentials: Option<Credentials>,
    error: Option<Error>,
    /// Recorded exchanges used so far.
    consumed: usize,
}

/// Drives the session like a host, with responses, files and process
/// output from the recording. Returns an error message for a request the
/// recording does not have or that differs from it, and for an action the
/// replay cannot emulate.
fn run_session(case: &Case, input: &PlanInput, plan: rolechain::plan::Plan) -> Result<Run, String> {
    let mut clock = input.now;
    let mut session = Session::new(plan, clock, 1);
    let mut run = Run {
        credentials: None,
        error: None,
        consumed: 0,
    };
    for _ in 0..MAX_POLLS {
        match session.poll(clock) {
            Action::SendHttp(request) => {
                let Some(recorded) = case.exchanges.get(run.consumed) else {
                    return Err(format!(
                        "sent {} `{}` after all {} recorded requests were answered",
                        request.method,
                        request.url,
                        case.exchanges.len()
                    ));
                };
                let differences = request_differences(&case.name, recorded, &request, input.now);
                if !differences.is_empty() {
                    return Err(format!(
                        "request {} differs from the recording:\n    {}",
                        run.consumed + 1,
                        differences.join("\n    ")
                    ));
                }
                run.consumed += 1;
                session
                    .handle_response(recorded_response(recorded), clock)
                    .map_err(|e| format!("handle_response failed: {e}"))?;
            }
            Action::ReadFile(path) => {
                let result = match read_virtual(&case.dir, &path) {
                    Some(text) => session.handle_file(text),
                    None => {
                        session.handle_io_error(format!("failed to read `{path}`: {NOT_FOUND}"))
                    }
                };
                result.map_err(|e| format!("answering ReadFile `{path}` failed: {e}"))?;
            }
            Action::RunProcess(argv) => {
                let Some((stdout, status)) = run_process(&argv) else {
                    return Err(format!("RunProcess {argv:?} cannot be emulated"));
                };
                session
                    .handle_process_output(stdout, String::new(), status)
                    .map_err(|e| format!("handle_process_output failed: {e}"))?;
            }
            Action::PromptMfa(serial) => {
                return Err(format!(
                    "unexpected PromptMfa({serial:?}): no case uses MFA"
                ));
            }
            Action::Wait(until) => clock = clock.max(until),
            Action::CredentialsReady(target) => run.credentials = Some(target.credentials),
            Action::TargetFailed(failure) => run.error = Some(failure.error),
            Action::Done => return Ok(run),
            Action::Failed(error) => {
                run.error = Some(error);
                return Ok(run);
            }
        }
    }
    Err(format!(
        "the session did not finish within {MAX_POLLS} polls"
    ))
}

fn is_profile_provider(case: &Case) -> bool {
    case.name.starts_with("profile-provider/")
}

fn plan_input(case: &Case) -> PlanInput {
    let environment = if is_profile_provider(case) {
        profile_provider_environment(&case.environment)
    } else {
        case.environment.clone()
    };
    let config_file = shared_file(&case.dir, &environment, "AWS_CONFIG_FILE", "config");
    let credentials_file = shared_file(
        &case.dir,
        &environment,
        "AWS_SHARED_CREDENTIALS_FILE",
        "credentials",
    );
    PlanInput {
        config_file,
        credentials_file,
        environment,
        now: recording_now(case),
        platform: Platform::Unix,
        // The recordings contain no GetCallerIdentity call.
        verify_identity: false,
        ..PlanInput::default()
    }
}

fn compare_credentials(got: &Credentials, outcome: &Outcome) -> Vec<String> {
    let Outcome::Credentials {
        access_key_id,
        secret_access_key,
        session_token,
        account_id,
        expiry,
    } = outcome
    else {
        return vec!["expected an error, got credentials".into()];
    };
    let mut differences = Vec::new();
    if &got.access_key_id != access_key_id {
        differences.push(format!(
            "access key ID: expected `{access_key_id}`, got `{}`",
            got.access_key_id
        ));
    }
    if got.secret_access_key.expose() != secret_access_key {
        differences.push("secret access key differs from the expected one".into());
    }
    let token = got.session_token.as_ref().map(|t| t.expose());
    match (session_token.as_deref(), token) {
        (Some(want), Some(got)) if want != got => {
            differences.push("session token differs from the expected one".into());
        }
        (Some(_), None) => differences.push("session token: expected one, got none".into()),
        (None, Some(_)) => differences.push("session token: expected none, got one".into()),
        _ => {}
    }
    let expiration = expiry.map(|s| s * 1000);
    if got.expiration != expiration {
        differences.push(format!(
            "expiration: expected {expiration:?} ms, got {:?} ms",
            got.expiration
        ));
    }
    if account_id.is_some() && &got.account_id != account_id {
        differences.push(format!(
            "account ID: expected {account_id:?}, got {:?}",
            got.account_id
        ));
    }
    differences
}

/// Replays one case and returns what differed, or an empty string when it
/// matched.
fn replay(case: &Case) -> String {
    let input = plan_input(case);
    let planned = plan(&input);
    let expected = expected_error(&case.name);
    let mut report = String::new();

    if let Outcome::Error(text) = &case.outcome {
        let Some(expected) = expected else {
            return format!("expects the error {text:?} but has no entry in EXPECTED_ERRORS");
        };
        let error = match planned {
            Err(error) => error,
            Ok(plan) => match run_session(case, &input, plan) {
                Err(message) => return message,
                Ok(run) => match (run.error, run.credentials) {
                    (Some(error), _) => {
                        if run.consumed != case.exchanges.len() {
                            let _ = write!(
                                report,
                                "answered {} of {} recorded requests; ",
                                run.consumed,
                                case.exchanges.len()
                            );
                        }
                        error
                    }
                    (None, Some(credentials)) => {
                        return format!(
                            "expected an error like {text:?}, got credentials for `{}`",
                            credentials.access_key_id
                        )
                    }
                    (None, None) => {
                        return "the session ended without credentials or an error".into()
                    }
                },
            },
        };
        if !expected.matches(&error) {
            let _ = write!(
                report,
                "expected an error of kind {expected:?} (Rust SDK: {text:?}), got {error:?}"
            );
        }
        return report;
    }

    if expected.is_some() {
        return "has an EXPECTED_ERRORS entry but test-case.json expects credentials".into();
    }
    let plan = match planned {
        Ok(plan) => plan,
        Err(error) => return format!("planning failed: {error}"),
    };
    let run = match run_session(case, &input, plan) {
        Ok(run) => run,
        Err(message) => return message,
    };
    if let Some(error) = run.error {
        return format!("the session failed: {error}");
    }
    let Some(credentials) = run.credentials else {
        return "the session ended without credentials".into();
    };
    let mut differences = compare_credentials(&credentials, &case.outcome);
    if run.consumed != case.exchanges.len() {
        differences.push(format!(
            "answered {} of {} recorded requests",
            run.consumed,
            case.exchanges.len()
        ));
    }
    differences.join("; ")
}

/// Reads the case `folder/name` (`folder` without `aws-config/`), or
/// returns `None` when the vectors are missing outside CI.
fn load_case(folder: &str, name: &str) -> Option<Case> {
    let dir = common::vectors_dir(&format!("aws-config/{folder}"))?;
    Some(read_case(folder, &dir.join(name)))
}

/// Replays every listed case of `folder` and fails with one line per case
/// that differed.
fn replay_folder(folder: &str, cases: &[&str]) {
    let mut failures = Vec::new();
    for name in cases {
        let Some(case) = load_case(folder, name) else {
            return;
        };
        let report = replay(&case);
        if !report.is_empty() {
            failures.push(format!("{}: {report}", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

// ---------------------------------------------------------------------------
// Tests

#[test]
fn profile_provider_cases() {
    replay_folder(PROFILE_PROVIDER, PROFILE_PROVIDER_REPLAYED);
}

#[test]
fn default_chain_cases() {
    replay_folder(DEFAULT_CHAIN, DEFAULT_CHAIN_REPLAYED);
}

/// Every case folder is either replayed or listed in `NOT_REPLAYED`, never
/// both, and every table entry names an existing folder.
#[test]
fn tables_cover_folders() {
    let folders = [
        (PROFILE_PROVIDER, PROFILE_PROVIDER_REPLAYED, 18),
        (DEFAULT_CHAIN, DEFAULT_CHAIN_REPLAYED, 29),
    ];
    let mut all = Vec::new();
    for (short, replayed, count) in folders {
        let Some(dir) = common::vectors_dir(&format!("aws-config/{short}")) else {
            return;
        };
        let names = case_folders(&dir);
        assert_eq!(
            names.len(),
            count,
            "`{short}` has {} case folders, expected {count}: {names:?}",
            names.len()
        );
        for name in &names {
            let full = format!("{short}/{name}");
            let is_replayed = replayed.contains(&name.as_str());
            let is_listed = NOT_REPLAYED.iter().any(|(n, _)| *n == full);
            assert!(
                is_replayed || is_listed,
                "`{full}` is neither replayed nor listed in NOT_REPLAYED"
            );
            assert!(
                !(is_replayed && is_listed),
                "`{full}` is both replayed and listed in NOT_REPLAYED"
            );
            all.push(full);
        }
        for name in replayed {
            assert!(
                names.contains(&name.to_string()),
                "replayed case `{short}/{name}` has no folder"
            );
        }
    }
    let tables = NOT_REPLAYED
        .iter()
        .map(|(name, _)| *name)
        .chain(REQUEST_QUIRKS.iter().map(|(name, _, _)| *name))
        .chain(EXPECTED_ERRORS.iter().map(|(name, _)| *name));
    for name in tables {
        assert!(
            all.iter().any(|n| n == name),
            "table entry `{name}` names no case folder"
        );
    }
    for (name, reason) in NOT_REPLAYED {
        assert!(
            !reason.is_empty(),
            "NOT_REPLAYED entry `{name}` has no reason"
        );
    }
}

/// rolechain rejects `AWS_ACCESS_KEY_ID=" "` when planning, instead of
/// skipping it like the Rust SDK or sending it like botocore.
#[test]
fn blank_env_keys_rejected() {
    let Some(case) = load_case(DEFAULT_CHAIN, "environment_variables_blank") else {
        return;
    };
    let error = match plan(&plan_input(&case)) {
        Ok(plan) => panic!(
            "{}: expected a planning error, got a plan with root {:?}",
            case.name, plan.base.root
        ),
        Err(error) => error,
    };
    assert!(
        matches!(error, Error::InvalidArgument(_)),
        "{}: expected InvalidArgument, got {error:?}",
        case.name
    );
    assert!(
        error.to_string().contains("AWS_ACCESS_KEY_ID"),
        "{}: the error does not name AWS_ACCESS_KEY_ID: {error}",
        case.name
    );
}

/// A 403 to the IMDS token PUT makes botocore fall back to IMDSv1: the next
/// request is the role-list GET without a token. The recording stops after
/// the 403, so only its first exchange is replayed.
#[test]
fn imds_token_403_falls_back() {
    let Some(case) = load_case(DEFAULT_CHAIN, "imds_token_fail") else {
        return;
    };
    let input = plan_input(&case);
    let plan = plan(&input).unwrap_or_else(|e| panic!("{}: planning failed: {e}", case.name));
    let mut session = Session::new(plan, input.now, 1);

    let Action::SendHttp(request) = session.poll(input.now) else {
        panic!("{}: the first action is not SendHttp", case.name);
    };
    let recorded = &case.exchanges[0];
    let differences = request_differences(&case.name, recorded, &request, input.now);
    assert!(
        differences.is_empty(),
        "{}: the token request differs: {differences:?}",
        case.name
    );
    assert_eq!(recorded.status, 403, "{}: the recorded status", case.name);
    session
        .handle_response(recorded_response(recorded), input.now)
        .unwrap();

    let Action::SendHttp(next) = session.poll(input.now) else {
        panic!("{}: no request follows the 403", case.name);
    };
    assert_eq!(next.method, "GET", "{}: the fallback method", case.name);
    assert_eq!(
        next.url, "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "{}: the fallback URL",
        case.name
    );
    assert!(
        !next
            .headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("x-aws-ec2-metadata-token")),
        "{}: the IMDSv1 request carries a token header",
        case.name
    );
}
