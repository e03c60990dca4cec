//! IAM Identity Center (SSO): GetRoleCredentials with the access token that
//! `aws sso login` cached.
//!
//! The fetch reads the token cache file, checks that the token has not
//! expired, then sends `GET /federation/credentials` to the portal with the
//! token in `x-amz-sso_bearer_token`. It does not refresh an expired token
//! with the cached refresh token, which botocore does for `sso-session`
//! profiles: the user runs `aws sso login` again instead. It makes one
//! attempt and does not retry.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec;
use core::fmt;

use serde_json::Value;

use super::driver::{self, Document, Step};
use super::{RootAction, RootFetch, RootInput, RootPoll};
use crate::encoding::uri_encode;
use crate::plan::model::SsoConfig;
use crate::{Credentials, Error, HttpResponse, Secret, ServiceError};

/// The header that carries the access token.
pub const BEARER_TOKEN_HEADER: &str = "x-amz-sso_bearer_token";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    TokenCache,
    RoleCredentials,
}

/// A fetch of SSO role credentials.
pub struct SsoFetch {
    config: SsoConfig,
    phase: Phase,
    step: Step,
}

impl fmt::Debug for SsoFetch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SsoFetch")
            .field("profile", &self.config.profile)
            .field("account_id", &self.config.account_id)
            .field("role_name", &self.config.role_name)
            .field("phase", &self.phase)
            .field("step", &self.step)
            .finish()
    }
}

impl SsoFetch {
    /// Starts by reading the token cache file.
    pub fn new(config: &SsoConfig) -> Self {
        SsoFetch {
            config: config.clone(),
            phase: Phase::TokenCache,
            step: Step::Action(RootAction::ReadFile(config.token_cache_file.clone())),
        }
    }

    /// Returns the command that caches a new token for this profile.
    fn login_command(&self) -> String {
        match &self.config.session_name {
            Some(session) => format!("aws sso login --sso-session {session}"),
            None => format!("aws sso login --profile {}", self.config.profile),
        }
    }

    fn login_needed(&self, what: &str) -> Error {
        Error::NoSourceCredentials(format!(
            "{what}; run `{}` to sign in again",
            self.login_command()
        ))
    }

    fn on_token_cache(&mut self, contents: &str, now: i64) -> Step {
        let path = &self.config.token_cache_file;
        let token = match read_token(contents.as_bytes(), path, now) {
            Ok(token) => token,
            Err(TokenProblem::Expired(at)) => {
                return Step::Failed(self.login_needed(&format!(
                    "the SSO access token in `{path}` expired at {}",
                    crate::time::format_rfc3339(at)
                )))
            }
            Err(TokenProblem::Invalid(why)) => return Step::Failed(self.login_needed(&why)),
        };
        self.phase = Phase::RoleCredentials;
        let url = format!(
            "{}/federation/credentials?account_id={}&role_name={}",
            self.config.portal_endpoint.trim_end_matches('/'),
            uri_encode(&self.config.account_id, false),
            uri_encode(&self.config.role_name, false)
        );
        let headers = vec![(BEARER_TOKEN_HEADER.to_string(), token.expose().to_string())];
        Step::Action(RootAction::SendHttp(driver::get(url, headers)))
    }

    fn on_response(&self, response: &HttpResponse) -> Step {
        if response.status != 200 {
            return Step::Failed(self.service_error(response));
        }
        match parse_role_credentials(&response.body) {
            Ok(mut credentials) => {
                credentials.account_id = Some(self.config.account_id.clone());
                Step::Ready(credentials)
            }
            Err(error) => Step::Failed(error),
        }
    }

    /// Builds the error for a failed portal response. The REST-JSON protocol names the error in
    /// `x-amzn-errortype` or `__type` and describes it in `message`.
    fn service_error(&self, response: &HttpResponse) -> Error {
        let body = serde_json::from_slice::<Value>(&response.body).ok();
        let from_body = |key: &str| {
            body.as_ref()
                .and_then(|b| b.get(key))
                .and_then(Value::as_str)
        };
        let code = response
            .header("x-amzn-errortype")
            .or_else(|| from_body("__type"))
            .map(|c| c.split([':', '#']).next().unwrap_or(c))
            .filter(|c| !c.is_empty())
            .map(driver::snippet)
            .unwrap_or_else(|| "Unknown".to_string());
        let message = from_body("message")
            .or_else(|| from_body("Message"))
            .map(driver::snippet)
            .unwrap_or_else(|| driver::body_snippet(&response.body));
        let message = if message.trim().is_empty() {
            format!(
                "the SSO portal `{}` returned HTTP {} with an empty body",
                self.config.portal_endpoint, response.status
            )
        } else {
            message
        };
        let hint = match response.status {
            401 | 403 => Some(format!(
                "the SSO session has expired or lacks access to role `{}` in account `{}`; run `{}` and check the role assignment",
                self.config.role_name,
                self.config.account_id,
                self.login_command()
            )),
            500..=599 => Some("the SSO portal failed; try again later".to_string()),
            _ => None,
        };
        Error::Service(ServiceError {
            status: response.status,
            code,
            message,
            request_id: response.header("x-amzn-requestid").map(driver::snippet),
            hint,
        })
    }
}

enum TokenProblem {
    /// The token expired at this time, in milliseconds since the epoch.
    Expired(i64),
    Invalid(String),
}

/// Reads `accessToken` and `expiresAt` from a token cache file. A token
/// that expires at `now` counts as expired.
fn read_token(contents: &[u8], path: &str, now: i64) -> Result<Secret, TokenProblem> {
    let what = format!("the SSO token cache file `{path}`");
    let map =
        driver::parse_object(contents, &what).map_err(|e| TokenProblem::Invalid(e.to_string()))?;
    let doc = Document {
        map: &map,
        what: &what,
    };
    let token = doc
        .required("accessToken")
        .map_err(|e| TokenProblem::Invalid(e.to_string()))?;
    let expires_at = doc
        .optional_time("expiresAt")
        .map_err(|e| TokenProblem::Invalid(e.to_string()))?
        .ok_or_else(|| TokenProblem::Invalid(format!("{what} has no `expiresAt`")))?;
    if expires_at <= now {
        return Err(TokenProblem::Expired(expires_at));
    }
    Ok(Secret::new(token))
}

/// Reads `roleCredentials` from a GetRoleCredentials response;
/// `expiration` is in milliseconds since the epoch.
fn parse_role_credentials(body: &[u8]) -> Result<Credentials, Error> {
    let what = "the GetRoleCredentials response";
    let map = driver::parse_object(body, what)?;
    let Some(Value::Object(role)) = map.get("roleCredentials") else {
        return Err(Error::MalformedResponse(format!(
            "{what} has no `roleCredentials`"
        )));
    };
    let what = "`roleCredentials` in the GetRoleCredentials response";
    let doc = Document { map: role, what };
    let mut credentials = Credentials::new(
        doc.required("accessKeyId")?,
        doc.required("secretAccessKey")?,
    )
    .with_session_token(doc.required("sessionToken")?);
    credentials.expiration = match role.get("expiration") {
        Some(value) => Some(value.as_i64().ok_or_else(|| {
            Error::MalformedResponse(format!(
                "`expiration` in {what} is not a number of milliseconds"
            ))
        })?),
        None => {
            return Err(Error::MalformedResponse(format!(
                "{what} has no `expiration`"
            )))
        }
    };
    Ok(credentials)
}

impl RootFetch for SsoFetch {
    fn poll(&mut self, now: i64) -> RootPoll {
        self.step.poll(now)
    }

    fn handle(&mut self, input: RootInput, now: i64) {
        if self.step.outstanding().is_none() {
            return;
        }
        self.step = match (self.phase, input) {
            (Phase::TokenCache, RootInput::File(contents)) => self.on_token_cache(&contents, now),
            (Phase::TokenCache, RootInput::IoError(message)) => {
                Step::Failed(self.login_needed(&format!(
                    "failed to read the SSO token cache file `{}`: {}",
                    self.config.token_cache_file,
                    driver::snippet(&message)
                )))
            }
            (Phase::RoleCredentials, RootInput::Response(response)) => self.on_response(&response),
            (Phase::RoleCredentials, RootInput::IoError(message)) => {
                Step::Failed(Error::Other(format!(
                    "GetRoleCredentials request to `{}` failed: {}",
                    self.config.portal_endpoint,
                    driver::snippet(&message)
                )))
            }
            (Phase::TokenCache, other) => {
                Step::Failed(super::unexpected_input(&other, "the file contents"))
            }
            (Phase::RoleCredentials, other) => {
                Step::Failed(super::unexpected_input(&other, "an HTTP response"))
            }
        };
    }
}
