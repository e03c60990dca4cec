//! Web identity: AssumeRoleWithWebIdentity with an OIDC token read from a
//! file (`web_identity_token_file` or `AWS_WEB_IDENTITY_TOKEN_FILE`).
//!
//! The request is unsigned, because the token in its body authenticates
//! the caller. The fetch makes one attempt and does not retry.

use alloc::format;
use alloc::string::{String, ToString};
use core::fmt;

use super::driver::{self, Step};
use super::{RootAction, RootFetch, RootInput, RootPoll};
use crate::plan::model::WebIdentityConfig;
use crate::sts::request::{assume_role_with_web_identity, WebIdentityRequest};
use crate::sts::response;
use crate::{Error, HttpResponse};

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
        match response::assume_role_with_web_identity_result(response) {
            Ok(result) => Step::Ready(result.credentials),
            Err(Error::Service(mut error)) => {
                if let Some(hint) = web_identity_hint(&error.code, &self.config.role_arn) {
                    error.hint = Some(hint);
                }
                Step::Failed(Error::Service(error))
            }
            Err(error) => Step::Failed(error),
        }
    }
}

/// What to check for the errors specific to web identity; other codes keep
/// the general STS hint.
fn web_identity_hint(code: &str, role_arn: &str) -> Option<String> {
    match code {
        "InvalidIdentityToken" | "ExpiredTokenException" | "ExpiredToken" => Some(
            "check that the token file contains a current token from an OIDC provider that IAM trusts".to_string(),
        ),
        "AccessDenied" => Some(format!(
            "check that the trust policy of `{role_arn}` allows sts:AssumeRoleWithWebIdentity for this token's issuer, audience and subject"
        )),
        "IDPCommunicationError" | "IDPRejectedClaim" => Some(
            "the identity provider could not be reached or rejected the token; try again".to_string(),
        ),
        _ => None,
    }
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
