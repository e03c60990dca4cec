//! Fetching the first credentials of a chain from a root that needs I/O:
//! instance metadata, the container endpoint, web identity, SSO and
//! `credential_process`.
//!
//! Each root is a small sans-IO state machine driven by the session: the
//! session polls it for the next [`RootAction`], performs nothing itself,
//! hands the action to the host, and feeds the host's answer back with
//! [`RootFetch::handle`]. Static keys and environment roots need no I/O and
//! never get here.

use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

pub mod container;
mod driver;
pub mod imds;
pub mod process;
pub mod sso;
pub mod web_identity;

use crate::plan::model::Root;
use crate::{Credentials, Error, HttpRequest, HttpResponse};

/// The next thing a root needs the host to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RootAction {
    /// Send this request and pass the result as [`RootInput::Response`].
    SendHttp(HttpRequest),
    /// Read this file and pass the text as [`RootInput::File`].
    ReadFile(String),
    /// Run this argv without a shell and answer with
    /// [`RootInput::ProcessOutput`].
    RunProcess(Vec<String>),
}

/// The host's answer to the last [`RootAction`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RootInput {
    Response(HttpResponse),
    File(String),
    ProcessOutput {
        stdout: String,
        stderr: String,
        status: i32,
    },
    /// The action could not be performed (connection refused, timeout,
    /// file not found, command not found, ...).
    IoError(String),
}

/// The next step of a root fetch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RootPoll {
    /// The host must perform this action, then call [`RootFetch::handle`].
    Action(RootAction),
    /// The credentials are ready; the fetch is over.
    Ready(Credentials),
    /// Nothing to do before this time (a retry backoff), in milliseconds
    /// since the Unix epoch; then poll again.
    Wait(i64),
    /// The fetch failed; the error is final for this attempt.
    Failed(Error),
}

/// A fetch in progress for one root.
pub trait RootFetch: core::fmt::Debug {
    /// Returns the next step. Calling it again without `handle` in between
    /// returns the same action.
    fn poll(&mut self, now: i64) -> RootPoll;

    /// Takes the host's answer to the action last returned by `poll`.
    fn handle(&mut self, input: RootInput, now: i64);
}

/// Starts a fetch for `root`, or returns `None` for roots that need no I/O
/// (static keys, environment).
///
/// A fetch that cannot start (instance metadata disabled, a container
/// configuration error, a `credential_process` that cannot be split) is
/// returned anyway and fails on its first poll.
pub fn start(root: &Root, _now: i64) -> Option<Box<dyn RootFetch>> {
    match root {
        Root::StaticKeys { .. } | Root::Environment { .. } => None,
        Root::Ec2InstanceMetadata(config) => Some(Box::new(imds::ImdsFetch::new(config))),
        Root::EcsContainer(config) => Some(Box::new(container::ContainerFetch::new(config))),
        Root::WebIdentity(config) => Some(Box::new(web_identity::WebIdentityFetch::new(config))),
        Root::Sso(config) => Some(Box::new(sso::SsoFetch::new(config))),
        Root::CredentialProcess {
            profile,
            command,
            account_id,
        } => Some(Box::new(process::ProcessFetch::new(
            profile,
            command,
            account_id.as_deref(),
        ))),
    }
}

/// Builds the misuse error for an input that does not match the
/// outstanding action.
fn unexpected_input(input: &RootInput, expected: &str) -> Error {
    let got = match input {
        RootInput::Response(_) => "an HTTP response",
        RootInput::File(_) => "file contents",
        RootInput::ProcessOutput { .. } => "process output",
        RootInput::IoError(_) => "an I/O error",
    };
    Error::Misuse(format!(
        "the host passed {got} where {expected} was expected; pass the result of the action last polled"
    ))
}
