//! The error type shared by every stage of the core.
//!
//! Messages are lowercase without a trailing period, name the offending
//! value in backticks and say what to do. None of them ever contains a
//! secret access key, a session token or an MFA code.

use alloc::string::String;
use core::fmt;

/// Every way a call into the core can fail.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A config or credentials file, or a profile in it, is invalid.
    InvalidConfig(ConfigError),
    /// An option or argument passed by the caller is invalid.
    InvalidArgument(String),
    /// No credentials could be found to start the chain from. The message
    /// names the places searched.
    NoSourceCredentials(String),
    /// A service (STS, the SSO portal, ...) returned an error response.
    Service(ServiceError),
    /// A response could not be parsed.
    MalformedResponse(String),
    /// The host called the API out of order.
    Misuse(String),
    /// Any other failure; callers must not parse the text.
    Other(String),
}

/// An error in a config or credentials file, with its location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The file the error was found in, as the host named it.
    pub file: Option<String>,
    /// The 1-based line number, when the error belongs to one line.
    pub line: Option<u32>,
    /// The problem and its fix.
    pub message: String,
}

/// An error response from an AWS service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceError {
    /// The HTTP status code.
    pub status: u16,
    /// The error code, such as `AccessDenied`.
    pub code: String,
    /// The service's own message.
    pub message: String,
    /// The request ID, for AWS support.
    pub request_id: Option<String>,
    /// The things to check, for the common errors.
    pub hint: Option<String>,
}

impl Error {
    /// Builds an [`Error::InvalidArgument`] from any message.
    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Error::InvalidArgument(message.into())
    }

    /// Builds an [`Error::InvalidConfig`] with a file and a line.
    pub fn config(file: Option<&str>, line: Option<u32>, message: impl Into<String>) -> Self {
        Error::InvalidConfig(ConfigError {
            file: file.map(String::from),
            line,
            message: message.into(),
        })
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidConfig(e) => e.fmt(f),
            Error::InvalidArgument(m)
            | Error::NoSourceCredentials(m)
            | Error::MalformedResponse(m)
            | Error::Misuse(m)
            | Error::Other(m) => f.write_str(m),
            Error::Service(e) => e.fmt(f),
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{file}, line {line}: {}", self.message),
            (Some(file), None) => write!(f, "{file}: {}", self.message),
            (None, Some(line)) => write!(f, "line {line}: {}", self.message),
            (None, None) => f.write_str(&self.message),
        }
    }
}

impl fmt::Display for ServiceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (HTTP {}): {}", self.code, self.status, self.message)?;
        if let Some(id) = &self.request_id {
            write!(f, " (request ID {id})")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "; {hint}")?;
        }
        Ok(())
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl std::error::Error for Error {}
