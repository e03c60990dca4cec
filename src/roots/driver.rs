//! Plumbing shared by the root state machines: the step a fetch is at,
//! bounded retries, and helpers for response bodies and credential
//! documents.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use serde_json::{Map, Value};

use super::{RootAction, RootPoll};
use crate::{Credentials, Error, HttpRequest};

/// Attempts per request for the instance metadata and container endpoints,
/// the first one included. botocore makes 1 attempt to IMDS by default and
/// 3 to the container endpoint. We make 3 to both, so a short outage of the
/// link-local service does not fail the chain.
pub(crate) const MAX_ATTEMPTS: u32 = 3;

/// Pause before a retry, in milliseconds. botocore sleeps 1 second between
/// container endpoint attempts.
pub(crate) const RETRY_DELAY_MS: i64 = 1_000;

/// Maximum length, in characters, of response text quoted in a message.
const SNIPPET_CHARS: usize = 200;

/// The state of a fetch. Its `Debug` names the action without headers or
/// body, because those may contain a token.
pub(crate) enum Step {
    /// The host must perform this action, then call `handle`.
    Action(RootAction),
    /// A retry: nothing to do before `until`, then `action`.
    Waiting {
        until: i64,
        action: RootAction,
    },
    Ready(Credentials),
    Failed(Error),
}

impl Step {
    /// Returns the step's [`RootPoll`] at `now`, turning an elapsed wait
    /// into its action.
    pub(crate) fn poll(&mut self, now: i64) -> RootPoll {
        if let Step::Waiting { until, action } = self {
            if now < *until {
                return RootPoll::Wait(*until);
            }
            let action = core::mem::replace(action, RootAction::RunProcess(Vec::new()));
            *self = Step::Action(action);
        }
        match self {
            Step::Action(action) => RootPoll::Action(action.clone()),
            Step::Waiting { until, .. } => RootPoll::Wait(*until),
            Step::Ready(credentials) => RootPoll::Ready(credentials.clone()),
            Step::Failed(error) => RootPoll::Failed(error.clone()),
        }
    }

    /// Checks that an input may be taken now and returns the outstanding
    /// action. A finished fetch ignores late input, so its outcome stays
    /// the first one. Input during a wait is host misuse and fails the
    /// fetch.
    pub(crate) fn outstanding(&mut self) -> Option<RootAction> {
        match self {
            Step::Action(action) => Some(action.clone()),
            Step::Waiting { .. } => {
                *self = Step::Failed(Error::Misuse(
                    "a result was passed while the fetch was waiting to retry; poll until it returns an action"
                        .to_string(),
                ));
                None
            }
            Step::Ready(_) | Step::Failed(_) => None,
        }
    }
}

impl fmt::Debug for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Action(action) => write!(f, "Action({})", ActionName(action)),
            Step::Waiting { until, action } => {
                write!(
                    f,
                    "Waiting {{ until: {until}, action: {} }}",
                    ActionName(action)
                )
            }
            Step::Ready(credentials) => write!(f, "Ready({credentials:?})"),
            Step::Failed(error) => write!(f, "Failed({error:?})"),
        }
    }
}

/// An action named without secrets: method and URL, file path, or program.
struct ActionName<'a>(&'a RootAction);

impl fmt::Display for ActionName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            RootAction::SendHttp(request) => {
                write!(f, "SendHttp {} {}", request.method, request.url)
            }
            RootAction::ReadFile(path) => write!(f, "ReadFile {path}"),
            // Arguments can contain secrets, so only the program name is shown.
            RootAction::RunProcess(argv) => {
                write!(f, "RunProcess {}", argv.first().map_or("", String::as_str))
            }
        }
    }
}

/// Counts the attempts at the current request.
#[derive(Debug, Default)]
pub(crate) struct Retry {
    attempts: u32,
}

impl Retry {
    /// Starts counting for a new request.
    pub(crate) fn reset(&mut self) {
        self.attempts = 0;
    }

    /// After a transient failure of `action`, returns the step that retries
    /// it, or `None` when every attempt has been spent.
    pub(crate) fn again(&mut self, action: RootAction, now: i64) -> Option<Step> {
        self.attempts += 1;
        if self.attempts >= MAX_ATTEMPTS {
            return None;
        }
        Some(Step::Waiting {
            until: now.saturating_add(RETRY_DELAY_MS),
            action,
        })
    }
}

/// Returns whether a status is worth retrying: throttling (429) or a
/// server error (5xx).
pub(crate) fn is_transient(status: u16) -> bool {
    status == 429 || (500..600).contains(&status)
}

/// Builds a GET request with these headers.
pub(crate) fn get(url: String, headers: Vec<(String, String)>) -> HttpRequest {
    HttpRequest {
        method: "GET".to_string(),
        url,
        headers,
        body: Vec::new(),
    }
}

/// `text` trimmed, with control characters replaced by spaces and cut to
/// a bounded length, for quoting in a message.
pub(crate) fn snippet(text: &str) -> String {
    clip(text, SNIPPET_CHARS)
}

/// `text` trimmed, with control characters replaced by spaces and cut to
/// `max` characters, with `...` when cut.
pub(crate) fn clip(text: &str, max: usize) -> String {
    let trimmed = text.trim();
    let mut out: String = trimmed
        .chars()
        .take(max)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if trimmed.chars().nth(max).is_some() {
        out.push_str("...");
    }
    out
}

/// Returns a response body as text for a message, as [`snippet`] does.
pub(crate) fn body_snippet(body: &[u8]) -> String {
    snippet(&String::from_utf8_lossy(body))
}

/// Parses a JSON object. The error names `what` and serde_json's position,
/// never the text, which may hold secrets.
pub(crate) fn parse_object(body: &[u8], what: &str) -> Result<Map<String, Value>, Error> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Error::MalformedResponse(format!(
            "{what} is not a JSON object"
        ))),
        Err(e) => Err(Error::MalformedResponse(format!(
            "{what} is not valid JSON: {e}"
        ))),
    }
}

/// A JSON credential document with its field names, for messages.
pub(crate) struct Document<'a> {
    pub(crate) map: &'a Map<String, Value>,
    /// A description of the document for messages, such as `the container endpoint's response`.
    pub(crate) what: &'a str,
}

impl Document<'_> {
    /// Returns an optional string field, counting `null` as absent.
    pub(crate) fn optional(&self, key: &str) -> Result<Option<&str>, Error> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(Error::MalformedResponse(format!(
                "`{key}` in {} is not a string",
                self.what
            ))),
        }
    }

    /// Returns a required, non-empty string field.
    pub(crate) fn required(&self, key: &str) -> Result<&str, Error> {
        match self.optional(key)? {
            Some(value) if !value.is_empty() => Ok(value),
            _ => Err(Error::MalformedResponse(format!(
                "{} has no `{key}`",
                self.what
            ))),
        }
    }

    /// Returns a required RFC 3339 time field, in milliseconds since the epoch.
    pub(crate) fn required_time(&self, key: &str) -> Result<i64, Error> {
        self.optional_time(key)?
            .ok_or_else(|| Error::MalformedResponse(format!("{} has no `{key}`", self.what)))
    }

    /// Returns an optional RFC 3339 time field, in milliseconds since the
    /// epoch.
    pub(crate) fn optional_time(&self, key: &str) -> Result<Option<i64>, Error> {
        let Some(text) = self.optional(key)? else {
            return Ok(None);
        };
        match crate::time::parse_rfc3339(text) {
            Some(ms) => Ok(Some(ms)),
            None => Err(Error::MalformedResponse(format!(
                "`{key}` `{}` in {} is not an RFC 3339 time",
                snippet(text),
                self.what
            ))),
        }
    }
}

/// Returns the value of the environment variable `name`, when set and not
/// empty; when a name repeats, the last value wins.
pub(crate) fn env_value<'a>(env: &'a [(String, String)], name: &str) -> Option<&'a str> {
    env.iter()
        .rev()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
        .filter(|value| !value.is_empty())
}
