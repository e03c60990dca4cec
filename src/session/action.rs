//! The actions a session returns to the host, and its reports.

use alloc::string::String;
use alloc::vec::Vec;

use crate::{Credentials, Error, HttpRequest};

/// The next thing the host must do, returned by [`super::Session::poll`].
///
/// `SendHttp`, `ReadFile`, `RunProcess` and `PromptMfa` wait for the
/// matching `handle_*` call before anything else happens. The other actions
/// need no reply.
///
/// `Debug` shows no secret: a request prints through [`HttpRequest`]'s
/// `Debug`, which redacts credential headers and the body, and
/// credentials through [`Credentials`]' `Debug`, which redacts the secret
/// key and the session token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Send this request exactly as given, then call
    /// [`handle_response`](super::Session::handle_response), or
    /// [`handle_io_error`](super::Session::handle_io_error) when no
    /// response arrived. The body may hold an MFA code or a web identity
    /// token, and a header may hold a session token: never log them.
    SendHttp(HttpRequest),
    /// Read this file as UTF-8, then call
    /// [`handle_file`](super::Session::handle_file) or `handle_io_error`.
    ReadFile(String),
    /// Run this argv without a shell, then call
    /// [`handle_process_output`](super::Session::handle_process_output) or
    /// `handle_io_error`.
    RunProcess(Vec<String>),
    /// Ask the user for a TOTP code from the MFA device with this serial
    /// (or ARN), or for the serial as well when it is `None`. Then call
    /// [`handle_mfa`](super::Session::handle_mfa).
    PromptMfa(Option<String>),
    /// Nothing to do before this time, in milliseconds since the Unix
    /// epoch; then poll again.
    Wait(i64),
    /// A target's credentials, ready to use.
    CredentialsReady(TargetCredentials),
    /// A target failed; the other targets go on.
    TargetFailed(TargetError),
    /// Every target has been reported. Poll again later only to refresh.
    Done,
    /// The base chain failed, so no target can succeed. Final: every later
    /// poll returns the same error.
    Failed(Error),
}

/// The credentials of one target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetCredentials {
    /// The target's index in the plan's `targets`.
    pub index: u32,
    /// The ARN of the role the credentials belong to: the target's `-R`
    /// role, or the last profile hop's role, or `None` for the root's own
    /// credentials.
    pub role_arn: Option<String>,
    pub credentials: Credentials,
    /// The ARN that GetCallerIdentity returned, when the plan verifies
    /// identities.
    pub caller_arn: Option<String>,
}

/// The failure of one target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetError {
    /// The target's index in the plan's `targets`.
    pub index: u32,
    /// The role the target was to assume, as in [`TargetCredentials`].
    pub role_arn: Option<String>,
    pub error: Error,
}
