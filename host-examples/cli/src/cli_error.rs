//! The command's failures and their exit codes.

use std::fmt::Display;

use crate::runtime::types::ErrorCode;

/// Exit code 1: the operation failed (a request, a target, no credentials).
pub const FAILED: u8 = 1;
/// Exit code 2: invalid input, detected before anything was sent.
pub const INVALID_INPUT: u8 = 2;

/// A failure that ends the command.
#[derive(Debug)]
pub struct CliError {
    pub code: u8,
    pub message: String,
}

impl CliError {
    pub fn failed(message: impl Display) -> Self {
        CliError {
            code: FAILED,
            message: message.to_string(),
        }
    }

    pub fn invalid(message: impl Display) -> Self {
        CliError {
            code: INVALID_INPUT,
            message: message.to_string(),
        }
    }
}

impl From<anyhow::Error> for CliError {
    fn from(error: anyhow::Error) -> Self {
        CliError::failed(format!("{error:#}"))
    }
}

/// Returns the text of a component error, without secrets (the component never
/// puts one in an error).
pub fn describe(error: &ErrorCode) -> String {
    match error {
        ErrorCode::InvalidConfig(e) => match (&e.file, e.line) {
            (Some(file), Some(line)) => format!("{file}, line {line}: {}", e.message),
            (Some(file), None) => format!("{file}: {}", e.message),
            (None, Some(line)) => format!("line {line}: {}", e.message),
            (None, None) => e.message.clone(),
        },
        ErrorCode::ServiceError(e) => {
            let mut text = format!("{} (HTTP {}): {}", e.code, e.status, e.message);
            if let Some(id) = &e.request_id {
                text.push_str(&format!(" (request ID {id})"));
            }
            if let Some(hint) = &e.hint {
                text.push_str(&format!("; {hint}"));
            }
            text
        }
        ErrorCode::InvalidArgument(m)
        | ErrorCode::NoSourceCredentials(m)
        | ErrorCode::MalformedResponse(m)
        | ErrorCode::Misuse(m)
        | ErrorCode::Other(m) => m.clone(),
    }
}

/// Returns the exit code for a component error: 2 when the input was invalid and
/// nothing was sent, 1 otherwise.
pub fn exit_code(error: &ErrorCode) -> u8 {
    match error {
        ErrorCode::InvalidConfig(_) | ErrorCode::InvalidArgument(_) => INVALID_INPUT,
        _ => FAILED,
    }
}

/// Converts a component error into a command failure.
pub fn from_component(error: &ErrorCode) -> CliError {
    CliError {
        code: exit_code(error),
        message: describe(error),
    }
}

impl CliError {
    /// Returns the same message with exit code 1: a target failed after requests
    /// were sent, whatever the kind of error.
    pub fn into_failure(self) -> Self {
        CliError {
            code: FAILED,
            message: self.message,
        }
    }
}
