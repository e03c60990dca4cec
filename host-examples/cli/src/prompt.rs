//! Asking the user for an MFA device and code.
//!
//! On a terminal the code is read without echo. When stdin is not a
//! terminal, lines are read from stdin instead: the serial first when it is
//! not known, then the code. `sign` reads requests from stdin, so it asks
//! on `/dev/tty` only.

use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal, Write};

use crate::cli_error::CliError;

/// The source of the serial and code the user types.
pub enum Prompter {
    /// The controlling terminal when stdin is one, else stdin lines.
    TerminalOrStdin,
    /// The controlling terminal only (`/dev/tty`).
    TerminalOnly,
}

/// The serial and code the user typed.
pub struct MfaAnswer {
    pub serial: String,
    pub code: String,
}

fn read_stdin_line(what: &str) -> Result<String, CliError> {
    let mut line = String::new();
    let read = io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| CliError::failed(format!("cannot read the {what} from stdin: {e}")))?;
    if read == 0 {
        return Err(CliError::invalid(format!(
            "stdin ended before the {what}: write it on its own line"
        )));
    }
    Ok(line.trim().to_string())
}

fn tty_line(prompt: &str) -> Result<String, CliError> {
    let tty = File::options()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|e| CliError::invalid(format!("cannot open the terminal to ask for MFA: {e}")))?;
    let mut writer = tty
        .try_clone()
        .map_err(|e| CliError::failed(format!("cannot use the terminal: {e}")))?;
    write!(writer, "{prompt}").and_then(|_| writer.flush()).ok();
    let mut line = String::new();
    BufReader::new(tty)
        .read_line(&mut line)
        .map_err(|e| CliError::failed(format!("cannot read from the terminal: {e}")))?;
    Ok(line.trim().to_string())
}

fn tty_secret(prompt: &str) -> Result<String, CliError> {
    rpassword::prompt_password(prompt)
        .map(|code| code.trim().to_string())
        .map_err(|e| CliError::invalid(format!("cannot read the MFA code from the terminal: {e}")))
}

impl Prompter {
    /// Returns whether this prompter can prompt at all: `TerminalOnly` needs a
    /// controlling terminal.
    pub fn available(&self) -> bool {
        match self {
            Prompter::TerminalOrStdin => true,
            Prompter::TerminalOnly => File::options()
                .read(true)
                .write(true)
                .open("/dev/tty")
                .is_ok(),
        }
    }

    fn interactive(&self) -> bool {
        match self {
            Prompter::TerminalOrStdin => io::stdin().is_terminal(),
            Prompter::TerminalOnly => true,
        }
    }

    /// Asks for the serial (when `serial` is `None`) and a code.
    pub fn ask(&self, serial: Option<&str>) -> Result<MfaAnswer, CliError> {
        if !self.interactive() {
            let serial = match serial {
                Some(s) => s.to_string(),
                None => read_stdin_line("MFA device serial")?,
            };
            let code = read_stdin_line("MFA code")?;
            return Ok(MfaAnswer { serial, code });
        }
        let serial = match serial {
            Some(s) => s.to_string(),
            None => tty_line("MFA device ARN or serial number: ")?,
        };
        let code = tty_secret(&format!("MFA code for {serial}: "))?;
        Ok(MfaAnswer { serial, code })
    }

    /// Returns whether a rejected code may be typed again.
    pub fn can_retry(&self) -> bool {
        self.interactive()
    }
}
