//! EC2 instance metadata (IMDS): endpoint selection and the credentials
//! fetch.
//!
//! The fetch follows botocore: a session token from `PUT /latest/api/token`
//! (IMDSv2), the role name from `GET /latest/meta-data/iam/security-credentials/`,
//! then the role's credentials from the same path plus the role name. When
//! the token request gets 403, 404 or 405, or keeps failing
//! with another status, the GETs go out without a token (IMDSv1).
//!
//! It does not refresh credentials, and it does not extend credentials that
//! IMDS returns already expired, which botocore does during an outage.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use super::driver::{self, body_snippet, env_value, is_transient, Document, Retry, Step};
use super::{RootAction, RootFetch, RootInput, RootPoll};
use crate::plan::endpoint_url;
use crate::plan::model::ImdsConfig;
use crate::{Credentials, Error, HttpRequest, HttpResponse, Secret};

/// The IPv4 endpoint, botocore's default.
pub const IPV4_ENDPOINT: &str = "http://169.254.169.254";
/// The IPv6 endpoint, used with endpoint mode `IPv6`.
pub const IPV6_ENDPOINT: &str = "http://[fd00:ec2::254]";

/// The path of the session token request.
pub const TOKEN_PATH: &str = "latest/api/token";
/// The path listing the instance's role; the role name follows it.
pub const CREDENTIALS_PATH: &str = "latest/meta-data/iam/security-credentials/";
/// The session token lifetime requested, in seconds: 6 hours, as botocore.
pub const TOKEN_TTL_SECONDS: &str = "21600";

const TTL_HEADER: &str = "x-aws-ec2-metadata-token-ttl-seconds";
const TOKEN_HEADER: &str = "x-aws-ec2-metadata-token";

/// Returns whether `AWS_EC2_METADATA_DISABLED` turns instance metadata off. As in
/// botocore, only `true` (in any case) does.
pub fn disabled(env: &[(String, String)]) -> bool {
    env_value(env, "AWS_EC2_METADATA_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// Selects the IMDS base URL from the environment and the profile's
/// `ec2_metadata_service_endpoint` and `ec2_metadata_service_endpoint_mode`.
///
/// An endpoint (`AWS_EC2_METADATA_SERVICE_ENDPOINT`, then the profile's)
/// wins over a mode (`AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE`, then the
/// profile's); without either the IPv4 endpoint is used. The URL is
/// returned without a trailing `/`.
///
/// Fails when the mode is neither `IPv4` nor `IPv6` (in any case), even if
/// an endpoint is set, as botocore does, or when the endpoint is not an
/// `http` or `https` URL.
pub fn endpoint(
    env: &[(String, String)],
    profile_endpoint: Option<&str>,
    profile_mode: Option<&str>,
) -> Result<String, Error> {
    endpoint_with_overrides(env, profile_endpoint, profile_mode, None, None)
}

/// [`endpoint`] with an endpoint or a mode set by the caller (an option of
/// the host), which win over the profile. The endpoint override also wins
/// over the environment, but the mode override does not win over an
/// endpoint from any source. This is the precedence of the AWS SDKs'
/// shared IMDS configuration tests.
pub fn endpoint_with_overrides(
    env: &[(String, String)],
    profile_endpoint: Option<&str>,
    profile_mode: Option<&str>,
    override_endpoint: Option<&str>,
    override_mode: Option<&str>,
) -> Result<String, Error> {
    let mode = [
        (override_mode, "the endpoint mode option"),
        (
            env_value(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"),
            "`AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE`",
        ),
        (
            profile_mode,
            "the profile's `ec2_metadata_service_endpoint_mode`",
        ),
    ]
    .into_iter()
    .find_map(|(value, source)| value.filter(|v| !v.is_empty()).map(|v| (v, source)));
    let default = match mode {
        None => IPV4_ENDPOINT,
        Some((m, _)) if m.eq_ignore_ascii_case("ipv4") => IPV4_ENDPOINT,
        Some((m, _)) if m.eq_ignore_ascii_case("ipv6") => IPV6_ENDPOINT,
        Some((m, source)) => {
            return Err(Error::config(
                None,
                None,
                format!(
                    "`{}` is not a valid endpoint mode (from {source}); use `IPv4` or `IPv6`",
                    driver::snippet(m)
                ),
            ))
        }
    };
    let chosen = [
        (override_endpoint, "the endpoint option"),
        (
            env_value(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT"),
            "`AWS_EC2_METADATA_SERVICE_ENDPOINT`",
        ),
        (
            profile_endpoint,
            "the profile's `ec2_metadata_service_endpoint`",
        ),
    ]
    .into_iter()
    .find_map(|(value, source)| value.filter(|v| !v.is_empty()).map(|v| (v, source)));
    let Some((url, source)) = chosen else {
        return Ok(default.to_string());
    };
    let problem = match endpoint_url::check_any_case(url) {
        Err(problem) => Some(problem),
        Ok(()) if !is_valid_base_url(url) => {
            Some("it contains a character that is not allowed in a URL".into())
        }
        Ok(()) => None,
    };
    if let Some(problem) = problem {
        return Err(Error::config(
            None,
            None,
            format!(
                "invalid IMDS endpoint `{}` (from {source}): {problem}; expected a URL such as `http://169.254.169.254`",
                endpoint_url::shown(url)
            ),
        ));
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// Checks for an `http` or `https` URL with a host and only characters
/// that a URL may contain unescaped.
fn is_valid_base_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    let rest = match lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"))
    {
        Some(rest) => rest,
        None => return false,
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let url_byte = |b: u8| b.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=%".contains(&b);
    !host.is_empty() && url.bytes().all(url_byte)
}

fn join(base: &str, path: &str) -> String {
    format!("{}/{path}", base.trim_end_matches('/'))
}

/// Returns the role list's first line if it can be an IAM role name: 1 to 64
/// characters of `[\w+=,.@-]`, the IAM limits. An HTML error page never
/// is one.
fn role_name(body: &[u8]) -> Option<String> {
    let text = core::str::from_utf8(body).ok()?;
    let first = text.lines().next()?.trim();
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c);
    let plausible = (1..=64).contains(&first.len()) && first.chars().all(allowed);
    plausible.then(|| first.to_string())
}

/// Returns the session token in a token response if it is visible ASCII
/// without spaces, so that it fits in a header.
fn session_token(body: &[u8]) -> Option<Secret> {
    let text = core::str::from_utf8(body).ok()?.trim();
    let plausible = !text.is_empty() && text.bytes().all(|b| b.is_ascii_graphic());
    plausible.then(|| Secret::new(text))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// `PUT /latest/api/token`.
    Token,
    /// `GET .../security-credentials/`.
    RoleName,
    /// `GET .../security-credentials/<role>`.
    Credentials,
}

/// A fetch of the instance role's credentials.
///
/// Transient failures (an I/O error, 429 or 5xx) are retried, with up to
/// 3 attempts per request, 1 second apart, through [`RootPoll::Wait`].
pub struct ImdsFetch {
    base: String,
    phase: Phase,
    /// `None` after the fallback to IMDSv1.
    token: Option<Secret>,
    role: Option<String>,
    retry: Retry,
    step: Step,
}

impl fmt::Debug for ImdsFetch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImdsFetch")
            .field("base", &self.base)
            .field("phase", &self.phase)
            .field("token", &self.token)
            .field("role", &self.role)
            .field("step", &self.step)
            .finish()
    }
}

impl ImdsFetch {
    /// Starts with the token request, or fails at once when instance
    /// metadata is disabled.
    pub fn new(config: &ImdsConfig) -> Self {
        let base = config.endpoint.clone();
        let step = if config.disabled {
            Step::Failed(Error::NoSourceCredentials(
                "EC2 instance metadata is disabled by `AWS_EC2_METADATA_DISABLED=true`; unset it or use another credential source"
                    .to_string(),
            ))
        } else {
            Step::Action(RootAction::SendHttp(token_request(&base)))
        };
        ImdsFetch {
            base,
            phase: Phase::Token,
            token: None,
            role: None,
            retry: Retry::default(),
            step,
        }
    }

    fn get(&self, path: &str) -> Step {
        let mut headers = Vec::new();
        if let Some(token) = &self.token {
            headers.push((TOKEN_HEADER.to_string(), token.expose().to_string()));
        }
        let request = driver::get(join(&self.base, path), headers);
        Step::Action(RootAction::SendHttp(request))
    }

    fn next(&mut self, phase: Phase) -> Step {
        self.phase = phase;
        self.retry.reset();
        match phase {
            Phase::Token => Step::Action(RootAction::SendHttp(token_request(&self.base))),
            Phase::RoleName => self.get(CREDENTIALS_PATH),
            Phase::Credentials => {
                let role = self.role.clone().unwrap_or_default();
                self.get(&format!("{CREDENTIALS_PATH}{role}"))
            }
        }
    }

    fn on_response(&mut self, response: HttpResponse, action: RootAction, now: i64) -> Step {
        let status = response.status;
        match self.phase {
            Phase::Token => match status {
                200 => match session_token(&response.body) {
                    Some(token) => {
                        self.token = Some(token);
                        self.next(Phase::RoleName)
                    }
                    None => Step::Failed(Error::MalformedResponse(format!(
                        "instance metadata at `{}` returned an empty or invalid session token",
                        self.base
                    ))),
                },
                // botocore's IMDSv1 fallback: the service or a proxy does
                // not take the token request.
                403..=405 => self.next(Phase::RoleName),
                400 => Step::Failed(Error::NoSourceCredentials(format!(
                    "instance metadata at `{}` rejected the session token request with HTTP 400; check that `{}` is an IMDS endpoint",
                    self.base, self.base
                ))),
                // botocore tries again on any other status, then falls back.
                _ => self
                    .retry
                    .again(action, now)
                    .unwrap_or_else(|| self.next(Phase::RoleName)),
            },
            Phase::RoleName => match status {
                200 => match role_name(&response.body) {
                    Some(role) => {
                        self.role = Some(role);
                        self.next(Phase::Credentials)
                    }
                    None if response.body.iter().all(u8::is_ascii_whitespace) => {
                        self.retry_or(action, now, "returned an empty role list".to_string())
                    }
                    None => Step::Failed(Error::NoSourceCredentials(format!(
                        "instance metadata at `{}` returned no IAM role name but `{}`; check that the instance has an instance profile",
                        self.base,
                        body_snippet(&response.body)
                    ))),
                },
                404 => Step::Failed(Error::NoSourceCredentials(format!(
                    "no IAM role is attached to this instance (instance metadata at `{}` returned HTTP 404 for the role list); attach an instance profile or use another credential source",
                    self.base
                ))),
                _ => self.on_failure(status, action, now),
            },
            Phase::Credentials => {
                let role = self.role.clone().unwrap_or_default();
                match status {
                    200 => self.credentials(&response.body, &role),
                    404 => Step::Failed(Error::NoSourceCredentials(format!(
                        "instance metadata has no credentials for role `{role}` (HTTP 404); check the instance profile"
                    ))),
                    _ => self.on_failure(status, action, now),
                }
            }
        }
    }

    fn on_failure(&mut self, status: u16, action: RootAction, now: i64) -> Step {
        if status == 401 {
            return Step::Failed(Error::NoSourceCredentials(format!(
                "instance metadata at `{}` rejected the session token (HTTP 401); check that no proxy rewrites IMDS requests",
                self.base
            )));
        }
        if is_transient(status) {
            return self.retry_or(action, now, format!("returned HTTP {status}"));
        }
        Step::Failed(Error::NoSourceCredentials(format!(
            "instance metadata at `{}` returned HTTP {status} for `{}`",
            self.base,
            self.path()
        )))
    }

    fn retry_or(&mut self, action: RootAction, now: i64, what: String) -> Step {
        self.retry.again(action, now).unwrap_or_else(|| {
            Step::Failed(Error::NoSourceCredentials(format!(
                "instance metadata at `{}` {what} for `{}` after {} attempts",
                self.base,
                self.path(),
                driver::MAX_ATTEMPTS
            )))
        })
    }

    fn path(&self) -> String {
        match self.phase {
            Phase::Token => TOKEN_PATH.to_string(),
            Phase::RoleName => CREDENTIALS_PATH.to_string(),
            Phase::Credentials => {
                format!("{CREDENTIALS_PATH}{}", self.role.as_deref().unwrap_or(""))
            }
        }
    }

    fn credentials(&self, body: &[u8], role: &str) -> Step {
        match parse_credentials(body, role) {
            Ok(credentials) => Step::Ready(credentials),
            Err(error) => Step::Failed(error),
        }
    }
}

fn token_request(base: &str) -> HttpRequest {
    HttpRequest {
        method: "PUT".to_string(),
        url: join(base, TOKEN_PATH),
        headers: vec![(TTL_HEADER.to_string(), TOKEN_TTL_SECONDS.to_string())],
        body: Vec::new(),
    }
}

/// Reads the role's credential document: `Code`, `AccessKeyId`,
/// `SecretAccessKey`, `Token`, `Expiration` and, on newer instances,
/// `AccountId`.
fn parse_credentials(body: &[u8], role: &str) -> Result<Credentials, Error> {
    let what = format!("the instance metadata credentials of role `{role}`");
    let map = driver::parse_object(body, &what)?;
    let doc = Document {
        map: &map,
        what: &what,
    };

    // IMDS returns 200 with a `Code` other than `Success` when it cannot
    // assume the role, for instance when EC2 is not a trusted entity.
    if let Some(code) = doc.optional("Code")? {
        if code != "Success" {
            let message = doc.optional("Message")?.unwrap_or("");
            return Err(Error::NoSourceCredentials(format!(
                "instance metadata could not get credentials for role `{role}`: `{}` {}; check the role's trust policy",
                driver::snippet(code),
                driver::snippet(message)
            )));
        }
    }

    let mut credentials = Credentials::new(
        doc.required("AccessKeyId")?,
        doc.required("SecretAccessKey")?,
    )
    .with_session_token(doc.required("Token")?);
    credentials.expiration = Some(doc.required_time("Expiration")?);
    credentials.account_id = doc.optional("AccountId")?.map(String::from);
    Ok(credentials)
}

impl RootFetch for ImdsFetch {
    fn poll(&mut self, now: i64) -> RootPoll {
        self.step.poll(now)
    }

    fn handle(&mut self, input: RootInput, now: i64) {
        let Some(action) = self.step.outstanding() else {
            return;
        };
        self.step = match input {
            RootInput::Response(response) => self.on_response(response, action, now),
            // Unlike botocore, which then tries IMDSv1 at the same address,
            // an unreachable service ends the fetch.
            RootInput::IoError(message) => self.retry.again(action, now).unwrap_or_else(|| {
                Step::Failed(Error::NoSourceCredentials(format!(
                    "requests to instance metadata at `{}` failed {} times: {}; run on EC2 or use another credential source",
                    self.base,
                    driver::MAX_ATTEMPTS,
                    driver::snippet(&message)
                )))
            }),
            other => Step::Failed(super::unexpected_input(&other, "an HTTP response")),
        };
    }
}
