//! The ECS and EKS Pod Identity container credentials endpoint: selection
//! from the environment and the credentials fetch.
//!
//! The fetch is one `GET` with `Accept: application/json` and, when a token
//! is configured, `Authorization: <token>`. The response is a JSON document
//! with `AccessKeyId`, `SecretAccessKey`, `Token`, `Expiration` and,
//! optionally, `AccountId`.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use super::driver::{self, body_snippet, env_value, is_transient, Document, Retry, Step};
use super::{RootAction, RootFetch, RootInput, RootPoll};
use crate::plan::endpoint_url;
use crate::plan::model::ContainerConfig;
use crate::{Credentials, Error, HttpResponse, Secret};

/// The ECS agent's address, the base of `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`.
pub const ECS_BASE_URL: &str = "http://169.254.170.2";

/// Hosts that `AWS_CONTAINER_CREDENTIALS_FULL_URI` may reach over plain
/// HTTP besides loopback addresses: the ECS agent and the EKS Pod Identity
/// agent over IPv4 and IPv6. This is botocore's list (botocore 1.34).
const ALLOWED_HTTP_HOSTS: [&str; 4] = [
    "169.254.170.2",
    "169.254.170.23",
    "fd00:ec2::23",
    "localhost",
];

const RELATIVE_URI: &str = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
const FULL_URI: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";

/// Reads the container endpoint settings from the environment.
///
/// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` wins over
/// `AWS_CONTAINER_CREDENTIALS_FULL_URI`, and
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` over
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN`, as in botocore. A full URI must be
/// `https`, or `http` to a loopback address or one of the agents' addresses.
/// When no URL can be used, `url` is `None` and `error` contains the reason.
pub fn config(env: &[(String, String)]) -> ContainerConfig {
    let (url, error) = match select_url(env) {
        Ok(url) => (Some(url), None),
        Err(message) => (None, Some(message)),
    };
    let authorization_token_file =
        env_value(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE").map(String::from);
    let authorization_token = match authorization_token_file {
        Some(_) => None,
        None => env_value(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN").map(Secret::from),
    };
    ContainerConfig {
        url,
        error,
        authorization_token_file,
        authorization_token,
    }
}

fn select_url(env: &[(String, String)]) -> Result<String, String> {
    if let Some(relative) = env_value(env, RELATIVE_URI) {
        let separator = if relative.starts_with('/') { "" } else { "/" };
        return Ok(format!("{ECS_BASE_URL}{separator}{relative}"));
    }
    let Some(full) = env_value(env, FULL_URI) else {
        return Err(format!(
            "no container credentials endpoint: set `{RELATIVE_URI}` or `{FULL_URI}`"
        ));
    };
    let shown = endpoint_url::shown(full);
    let Some((scheme, rest)) = full.split_once("://") else {
        return Err(format!(
            "invalid `{FULL_URI}` `{shown}`: the URI did not specify a scheme and a host; use a URL such as `http://169.254.170.23/v1/credentials`"
        ));
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host_port.split(':').next().unwrap_or(""),
    }
    .to_ascii_lowercase();
    if host.is_empty() {
        return Err(format!(
            "invalid `{FULL_URI}` `{shown}`: the URI did not specify a host"
        ));
    }
    if full.bytes().any(|b| b.is_ascii_control() || b == b' ') {
        return Err(format!(
            "invalid `{FULL_URI}` `{shown}`: the URI contains a space or a control character"
        ));
    }
    if let Err(problem) = endpoint_url::check_any_case(full) {
        return Err(format!(
            "invalid `{FULL_URI}` `{shown}`: {problem}; use a URL such as `http://169.254.170.23/v1/credentials`"
        ));
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(full.to_string()),
        "http" if is_loopback(&host) || ALLOWED_HTTP_HOSTS.contains(&host.as_str()) => {
            Ok(full.to_string())
        }
        "http" => Err(format!(
            "`{FULL_URI}` `{shown}` uses plain http to host `{}`; use https, a loopback address, or one of {}",
            driver::snippet(&host),
            ALLOWED_HTTP_HOSTS.join(", ")
        )),
        _ => Err(format!(
            "invalid `{FULL_URI}` `{shown}`: the scheme must be http or https"
        )),
    }
}

/// Returns whether `host` is a loopback address: `127.0.0.0/8` or `::1`
/// (compressed or written out in full).
fn is_loopback(host: &str) -> bool {
    if let Some(rest) = host.strip_prefix("127.") {
        let octets: Vec<&str> = rest.split('.').collect();
        let is_octet = |p: &&str| !p.is_empty() && p.len() <= 3 && p.parse::<u8>().is_ok();
        return octets.len() == 3 && octets.iter().all(is_octet);
    }
    if host == "::1" {
        return true;
    }
    let groups: Vec<&str> = host.split(':').collect();
    let is_zero = |g: &&str| !g.is_empty() && g.bytes().all(|b| b == b'0');
    groups.len() == 8 && groups[..7].iter().all(is_zero) && groups[7].trim_start_matches('0') == "1"
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Reading `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`.
    TokenFile,
    /// The `GET` to the endpoint.
    Credentials,
}

/// A fetch from the container credentials endpoint.
///
/// Transient failures (an I/O error, 429 or 5xx) are retried up to 3 times
/// in all, 1 second apart, as botocore does.
pub struct ContainerFetch {
    url: String,
    token_file: Option<String>,
    token: Option<Secret>,
    phase: Phase,
    retry: Retry,
    step: Step,
}

impl fmt::Debug for ContainerFetch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ContainerFetch")
            .field("url", &self.url)
            .field("token_file", &self.token_file)
            .field("token", &self.token)
            .field("phase", &self.phase)
            .field("step", &self.step)
            .finish()
    }
}

impl ContainerFetch {
    /// Starts by reading the token file when one is configured, else with
    /// the request. Fails at once when `config.error` is set.
    pub fn new(config: &ContainerConfig) -> Self {
        let mut fetch = ContainerFetch {
            url: config.url.clone().unwrap_or_default(),
            token_file: config.authorization_token_file.clone(),
            token: None,
            phase: Phase::Credentials,
            retry: Retry::default(),
            step: Step::Failed(Error::Other(String::new())),
        };
        fetch.step = match (&config.url, &config.error) {
            (_, Some(message)) => Step::Failed(Error::config(None, None, message.clone())),
            (None, None) => Step::Failed(Error::config(
                None,
                None,
                format!("no container credentials endpoint: set `{RELATIVE_URI}` or `{FULL_URI}`"),
            )),
            (Some(_), None) => match (
                &config.authorization_token_file,
                &config.authorization_token,
            ) {
                (Some(path), _) => {
                    fetch.phase = Phase::TokenFile;
                    Step::Action(RootAction::ReadFile(path.clone()))
                }
                (None, Some(token)) => {
                    fetch.with_token(token.expose(), "`AWS_CONTAINER_AUTHORIZATION_TOKEN`")
                }
                (None, None) => fetch.request(),
            },
        };
        fetch
    }

    /// Checks the token and moves to the request. `source` names where the
    /// token came from; the token itself never appears in a message.
    fn with_token(&mut self, raw: &str, source: &str) -> Step {
        let token = raw.trim();
        if token.is_empty() {
            return Step::Failed(Error::config(
                None,
                None,
                format!("the container authorization token in {source} is empty; set it to the agent's token"),
            ));
        }
        // A line break would split the `Authorization` header in two.
        if token.contains(['\r', '\n']) {
            return Step::Failed(Error::config(
                None,
                None,
                format!("the container authorization token in {source} contains a line break; it must be one line"),
            ));
        }
        self.token = Some(Secret::new(token));
        self.request()
    }

    fn request(&mut self) -> Step {
        self.phase = Phase::Credentials;
        self.retry.reset();
        let mut headers = vec![("accept".to_string(), "application/json".to_string())];
        if let Some(token) = &self.token {
            headers.push(("authorization".to_string(), token.expose().to_string()));
        }
        Step::Action(RootAction::SendHttp(driver::get(self.url.clone(), headers)))
    }

    fn on_response(&mut self, response: HttpResponse, action: RootAction, now: i64) -> Step {
        let status = response.status;
        if status == 200 {
            return match parse_credentials(&response.body) {
                Ok(credentials) => Step::Ready(credentials),
                Err(error) => Step::Failed(error),
            };
        }
        let failed = || {
            Step::Failed(Error::NoSourceCredentials(format!(
                "the container credentials endpoint `{}` returned HTTP {status}: {}",
                self.url,
                error_message(&response)
            )))
        };
        if is_transient(status) {
            return self.retry.again(action, now).unwrap_or_else(failed);
        }
        failed()
    }
}

/// Extracts the message of an error response: the JSON `message` field
/// when there is one, else the start of the body.
fn error_message(response: &HttpResponse) -> String {
    let parsed = serde_json::from_slice::<serde_json::Value>(&response.body).ok();
    let from_json = parsed.as_ref().and_then(|value| {
        ["message", "Message"]
            .iter()
            .find_map(|key| value.get(key).and_then(serde_json::Value::as_str))
    });
    let text = match from_json {
        Some(message) => driver::snippet(message),
        None => body_snippet(&response.body),
    };
    if text.is_empty() {
        "no message".to_string()
    } else {
        text
    }
}

fn parse_credentials(body: &[u8]) -> Result<Credentials, Error> {
    let what = "the container credentials endpoint's response";
    let map = driver::parse_object(body, what)?;
    let doc = Document { map: &map, what };
    let mut credentials = Credentials::new(
        doc.required("AccessKeyId")?,
        doc.required("SecretAccessKey")?,
    )
    .with_session_token(doc.required("Token")?);
    credentials.expiration = Some(doc.required_time("Expiration")?);
    credentials.account_id = doc.optional("AccountId")?.map(String::from);
    Ok(credentials)
}

impl RootFetch for ContainerFetch {
    fn poll(&mut self, now: i64) -> RootPoll {
        self.step.poll(now)
    }

    fn handle(&mut self, input: RootInput, now: i64) {
        let Some(action) = self.step.outstanding() else {
            return;
        };
        self.step = match (self.phase, input) {
            (Phase::TokenFile, RootInput::File(contents)) => {
                let path = self.token_file.clone().unwrap_or_default();
                self.with_token(&contents, &format!("file `{path}`"))
            }
            (Phase::TokenFile, RootInput::IoError(message)) => Step::Failed(Error::NoSourceCredentials(format!(
                "failed to read the container authorization token file `{}`: {}; check `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`",
                self.token_file.as_deref().unwrap_or(""),
                driver::snippet(&message)
            ))),
            (Phase::Credentials, RootInput::Response(response)) => self.on_response(response, action, now),
            (Phase::Credentials, RootInput::IoError(message)) => {
                self.retry.again(action, now).unwrap_or_else(|| {
                    Step::Failed(Error::NoSourceCredentials(format!(
                        "requests to the container credentials endpoint `{}` failed {} times: {}",
                        self.url,
                        driver::MAX_ATTEMPTS,
                        driver::snippet(&message)
                    )))
                })
            }
            (Phase::TokenFile, other) => Step::Failed(super::unexpected_input(&other, "the file contents")),
            (Phase::Credentials, other) => Step::Failed(super::unexpected_input(&other, "an HTTP response")),
        };
    }
}
