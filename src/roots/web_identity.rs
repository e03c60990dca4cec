//! Web identity: AssumeRoleWithWebIdentity with an OIDC token read from a
//! file (`web_identity_token_file` or `AWS_WEB_IDENTITY_TOKEN_FILE`).
//!
//! The request is unsigned, because the token in its body authenticates
//! the caller. The fetch makes one attempt and does not retry.

use alloc::format;
use alloc::string::{String, ToString};
use core::fmt;

use super::driver::{self, Step};
use super::xml::text_at;
use super::{RootAction, RootFetch, RootInput, RootPoll};
use crate::plan::model::WebIdentityConfig;
use crate::sts::request::{assume_role_with_web_identity, WebIdentityRequest};
use crate::{Credentials, Error, HttpResponse, ServiceError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    TokenFile,
    AssumeRole,
}

/// A fetch of web identity role credentials.
pub struct WebIdentityFetch {
    config: WebIdentityConfig,
    phase: Phase,
    step: Step,
}

impl fmt::Debug for WebIdentityFetch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebIdentityFetch")
            .field("role_arn", &self.config.role_arn)
            .field("token_file", &self.config.web_identity_token_file)
            .field("phase", &self.phase)
            .field("step", &self.step)
            .finish()
    }
}

impl WebIdentityFetch {
    /// Starts by reading the token file.
    pub fn new(config: &WebIdentityConfig) -> Self {
        let path = config.web_identity_token_file.clone();
        WebIdentityFetch {
            config: config.clone(),
            phase: Phase::TokenFile,
            step: Step::Action(RootAction::ReadFile(path)),
        }
    }

    fn on_token(&mut self, contents: &str) -> Step {
        // Token files written by Kubernetes and by hand often end with a
        // newline, which is not part of the JWT.
        let token = contents.trim();
        if token.is_empty() {
            return Step::Failed(Error::NoSourceCredentials(format!(
                "the web identity token file `{}` is empty; check `web_identity_token_file` or `AWS_WEB_IDENTITY_TOKEN_FILE`",
                self.config.web_identity_token_file
            )));
        }
        self.phase = Phase::AssumeRole;
        let request = WebIdentityRequest {
            role_arn: &self.config.role_arn,
            role_session_name: &self.config.role_session_name,
            web_identity_token: token,
            duration_seconds: None,
        };
        let request = assume_role_with_web_identity(&self.config.sts, &request);
        Step::Action(RootAction::SendHttp(request))
    }

    fn on_response(&self, response: &HttpResponse) -> Step {
        let result = if response.status == 200 {
            parse_credentials(&response.body)
        } else {
            Err(service_error(response, &self.config.role_arn))
        };
        match result {
            Ok(credentials) => Step::Ready(credentials),
            Err(error) => Step::Failed(error),
        }
    }
}

/// Reads `AssumeRoleWithWebIdentityResult`: the `Credentials` and the
/// account ID from `AssumedRoleUser/Arn`.
fn parse_credentials(body: &[u8]) -> Result<Credentials, Error> {
    let xml = String::from_utf8_lossy(body);
    let field = |path: &[&str]| {
        text_at(&xml, path)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| {
                Error::MalformedResponse(format!(
                    "the AssumeRoleWithWebIdentity response has no `{}`",
                    path.join("/")
                ))
            })
    };
    let expiration_text = field(&["Credentials", "Expiration"])?;
    let expiration = crate::time::parse_rfc3339(&expiration_text).ok_or_else(|| {
        Error::MalformedResponse(format!(
            "`Expiration` `{}` in the AssumeRoleWithWebIdentity response is not an RFC 3339 time",
            driver::snippet(&expiration_text)
        ))
    })?;
    let mut credentials = Credentials::new(
        field(&["Credentials", "AccessKeyId"])?,
        field(&["Credentials", "SecretAccessKey"])?,
    )
    .with_session_token(field(&["Credentials", "SessionToken"])?);
    credentials.expiration = Some(expiration);
    credentials.account_id = text_at(&xml, &["AssumedRoleUser", "Arn"])
        .as_deref()
        .and_then(driver::account_of_arn);
    Ok(credentials)
}

/// Turns an STS `ErrorResponse` into [`Error::Service`], with a hint for
/// the common web identity errors.
fn service_error(response: &HttpResponse, role_arn: &str) -> Error {
    let xml = String::from_utf8_lossy(&response.body);
    let code = text_at(&xml, &["Error", "Code"]).filter(|c| !c.is_empty());
    let Some(code) = code else {
        return Error::Service(ServiceError {
            status: response.status,
            code: "Unknown".to_string(),
            message: format!(
                "AssumeRoleWithWebIdentity failed with no STS error in the body: {}",
                driver::body_snippet(&response.body)
            ),
            request_id: None,
            hint: None,
        });
    };
    let message = text_at(&xml, &["Error", "Message"]).unwrap_or_default();
    let hint = match code.as_str() {
        "InvalidIdentityToken" | "ExpiredTokenException" | "ExpiredToken" => Some(
            "check that the token file contains a current token from an OIDC provider that IAM trusts".to_string(),
        ),
        "AccessDenied" => Some(format!(
            "check that the trust policy of `{role_arn}` allows sts:AssumeRoleWithWebIdentity for this token's issuer, audience and subject"
        )),
        "IDPCommunicationError" | "IDPRejectedClaim" => {
            Some("the identity provider could not be reached or rejected the token; try again".to_string())
        }
        _ => None,
    };
    Error::Service(ServiceError {
        status: response.status,
        code: driver::snippet(&code),
        message: driver::snippet(&message),
        request_id: text_at(&xml, &["RequestId"]).filter(|id| !id.is_empty()),
        hint,
    })
}

impl RootFetch for WebIdentityFetch {
    fn poll(&mut self, now: i64) -> RootPoll {
        self.step.poll(now)
    }

    fn handle(&mut self, input: RootInput, _now: i64) {
        if self.step.outstanding().is_none() {
            return;
        }
        self.step = match (self.phase, input) {
            (Phase::TokenFile, RootInput::File(contents)) => self.on_token(&contents),
            (Phase::TokenFile, RootInput::IoError(message)) => Step::Failed(Error::NoSourceCredentials(format!(
                "failed to read the web identity token file `{}`: {}; check `web_identity_token_file` or `AWS_WEB_IDENTITY_TOKEN_FILE`",
                self.config.web_identity_token_file,
                driver::snippet(&message)
            ))),
            (Phase::AssumeRole, RootInput::Response(response)) => self.on_response(&response),
            (Phase::AssumeRole, RootInput::IoError(message)) => Step::Failed(Error::Other(format!(
                "AssumeRoleWithWebIdentity request to `{}` failed: {}",
                self.config.sts.url,
                driver::snippet(&message)
            ))),
            (Phase::TokenFile, other) => Step::Failed(super::unexpected_input(&other, "the file contents")),
            (Phase::AssumeRole, other) => Step::Failed(super::unexpected_input(&other, "an HTTP response")),
        };
    }
}
