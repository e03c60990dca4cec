//! `credential_process`: an external command that prints credentials as
//! JSON.
//!
//! The command line is split into argv with POSIX shell-like rules, as
//! botocore does with Python's `shlex.split` on POSIX systems, and run
//! without a shell, so pipes, redirections and `$VAR` have no special
//! meaning. On Windows botocore passes the command line to the system
//! unsplit; this crate splits it the POSIX way on every platform.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use serde_json::Value;

use super::driver::{self, Document, Step};
use super::{RootAction, RootFetch, RootInput, RootPoll};
use crate::{Credentials, Error};

/// Maximum length, in characters, of stderr quoted in an error message.
const STDERR_CHARS: usize = 1000;

/// Splits a command line into argv the way Python's `shlex.split` does in
/// POSIX mode (`comments=False`):
///
/// - space, tab, CR and LF separate arguments;
/// - `'...'` keeps everything literally;
/// - `"..."` keeps everything, except that a backslash escapes `"` or `\`
///   (before any other character the backslash stays);
/// - outside quotes a backslash escapes the next character, whitespace
///   included;
/// - quoted and unquoted parts next to each other form one argument, and
///   an empty quoted argument (`''`) counts;
/// - `#` has no special meaning.
///
/// Fails on an unclosed quote or a trailing backslash.
pub fn split_command(command: &str) -> Result<Vec<String>, Error> {
    let mut argv = Vec::new();
    let mut word = String::new();
    // Whether the current argument exists, even if empty (`''`).
    let mut in_word = false;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\r' | '\n' => {
                if in_word {
                    argv.push(core::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err(split_error(command, "a single quote is not closed")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\')) => word.push(c),
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => {
                                return Err(split_error(command, "a double quote is not closed"))
                            }
                        },
                        Some(c) => word.push(c),
                        None => return Err(split_error(command, "a double quote is not closed")),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some(c) => word.push(c),
                    None => {
                        return Err(split_error(
                            command,
                            "it ends with a backslash that escapes nothing",
                        ))
                    }
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        argv.push(word);
    }
    Ok(argv)
}

fn split_error(command: &str, why: &str) -> Error {
    Error::config(
        None,
        None,
        format!(
            "invalid `credential_process` `{}`: {why}; quote it as a POSIX shell would",
            driver::snippet(command)
        ),
    )
}

/// A run of `credential_process`.
pub struct ProcessFetch {
    profile: String,
    /// The profile's `aws_account_id`, used when the output has no
    /// `AccountId`.
    account_id: Option<String>,
    step: Step,
}

impl fmt::Debug for ProcessFetch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessFetch")
            .field("profile", &self.profile)
            .field("account_id", &self.account_id)
            .field("step", &self.step)
            .finish()
    }
}

impl ProcessFetch {
    /// Splits `command` and starts by running it. Fails at once when the
    /// command line cannot be split or is empty.
    pub fn new(profile: &str, command: &str, account_id: Option<&str>) -> Self {
        let step = match split_command(command) {
            Ok(argv) if argv.is_empty() => Step::Failed(Error::config(
                None,
                None,
                format!(
                    "`credential_process` of profile `{profile}` is empty; set it to a command"
                ),
            )),
            Ok(argv) => Step::Action(RootAction::RunProcess(argv)),
            Err(error) => Step::Failed(error),
        };
        ProcessFetch {
            profile: profile.to_string(),
            account_id: account_id.map(String::from),
            step,
        }
    }

    fn on_output(&self, stdout: &str, stderr: &str, status: i32) -> Step {
        if status != 0 {
            let stderr = driver::clip(stderr, STDERR_CHARS);
            let detail = if stderr.is_empty() {
                "no error output".to_string()
            } else {
                format!("stderr: {stderr}")
            };
            return Step::Failed(Error::NoSourceCredentials(format!(
                "`credential_process` of profile `{}` exited with status {status}: {detail}",
                self.profile
            )));
        }
        match self.parse_output(stdout.as_bytes()) {
            Ok(credentials) => Step::Ready(credentials),
            Err(error) => Step::Failed(error),
        }
    }

    /// Reads Version 1 output: `Version`, `AccessKeyId`, `SecretAccessKey`,
    /// and optionally `SessionToken`, `Expiration` (RFC 3339) and
    /// `AccountId`. The error never quotes stdout, which contains secrets.
    fn parse_output(&self, stdout: &[u8]) -> Result<Credentials, Error> {
        let what = format!(
            "the output of `credential_process` of profile `{}`",
            self.profile
        );
        let map = driver::parse_object(stdout, &what)?;
        let version_one = match map.get("Version") {
            Some(Value::Number(n)) => n.as_u64() == Some(1) || n.as_f64() == Some(1.0),
            _ => false,
        };
        if !version_one {
            let found = match map.get("Version") {
                None => "no `Version`".to_string(),
                Some(v) => format!("`Version` `{}`", driver::snippet(&v.to_string())),
            };
            return Err(Error::MalformedResponse(format!(
                "{what} has {found}; only Version 1 is supported"
            )));
        }
        let doc = Document {
            map: &map,
            what: &what,
        };
        let mut credentials = Credentials::new(
            doc.required("AccessKeyId")?,
            doc.required("SecretAccessKey")?,
        );
        if let Some(token) = doc.optional("SessionToken")?.filter(|t| !t.is_empty()) {
            credentials = credentials.with_session_token(token);
        }
        credentials.expiration = doc.optional_time("Expiration")?;
        credentials.account_id = doc
            .optional("AccountId")?
            .filter(|id| !id.is_empty())
            .map(String::from)
            .or_else(|| self.account_id.clone());
        Ok(credentials)
    }
}

impl RootFetch for ProcessFetch {
    fn poll(&mut self, now: i64) -> RootPoll {
        self.step.poll(now)
    }

    fn handle(&mut self, input: RootInput, _now: i64) {
        let Some(action) = self.step.outstanding() else {
            return;
        };
        let program = match &action {
            RootAction::RunProcess(argv) => argv.first().cloned().unwrap_or_default(),
            _ => String::new(),
        };
        self.step = match input {
            RootInput::ProcessOutput {
                stdout,
                stderr,
                status,
            } => self.on_output(&stdout, &stderr, status),
            RootInput::IoError(message) => Step::Failed(Error::NoSourceCredentials(format!(
                "failed to run `{}` for `credential_process` of profile `{}`: {}",
                driver::snippet(&program),
                self.profile,
                driver::snippet(&message)
            ))),
            other => Step::Failed(super::unexpected_input(&other, "the process output")),
        };
    }
}
