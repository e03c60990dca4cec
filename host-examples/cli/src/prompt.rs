//! Asking the user for an MFA device and code.
//!
//! On a terminal the code is read without echo. When stdin is not a
//! terminal, lines are read from stdin instead: the serial first when it is
//! not known, then the code. `sign` reads requests from stdin, so it prompts
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

/// Restores the terminal's settings when dropped, so that echo comes back
/// on every path out of `tty_secret`.
#[cfg(unix)]
struct EchoGuard {
    fd: std::os::unix::io::RawFd,
    original: libc::termios,
}

#[cfg(unix)]
impl Drop for EchoGuard {
    fn drop(&mut self) {
        // SAFETY: `fd` is the open terminal of `tty_secret`, which outlives
        // the guard, and `original` came from `tcgetattr` on it.
        unsafe {
            libc::tcsetattr(self.fd, libc::TCSANOW, &self.original);
        }
    }
}

/// Reads a line from the terminal without echo. Echo is turned off before
/// the prompt is written, so nothing typed after the prompt appears shows.
#[cfg(unix)]
fn tty_secret(prompt: &str) -> Result<String, CliError> {
    use std::os::unix::io::AsRawFd;

    let tty = File::options()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .map_err(|e| CliError::invalid(format!("cannot open the terminal to ask for MFA: {e}")))?;
    let fd = tty.as_raw_fd();
    // SAFETY: `termios` is plain data; `tcgetattr` fills it for an open fd.
    let mut original: libc::termios = unsafe { std::mem::zeroed() };
    if unsafe { libc::tcgetattr(fd, &mut original) } != 0 {
        return Err(CliError::invalid(format!(
            "cannot read the terminal's settings: {}",
            std::io::Error::last_os_error()
        )));
    }
    let mut silent = original;
    silent.c_lflag &= !libc::ECHO;
    silent.c_lflag |= libc::ECHONL;
    // SAFETY: `silent` is a copy of valid settings with echo cleared.
    if unsafe { libc::tcsetattr(fd, libc::TCSANOW, &silent) } != 0 {
        return Err(CliError::invalid(format!(
            "cannot turn off echo on the terminal: {}",
            std::io::Error::last_os_error()
        )));
    }
    let _guard = EchoGuard { fd, original };
    let mut writer = &tty;
    write!(writer, "{prompt}").and_then(|_| writer.flush()).ok();
    let mut line = String::new();
    BufReader::new(&tty)
        .read_line(&mut line)
        .map_err(|e| CliError::failed(format!("cannot read from the terminal: {e}")))?;
    Ok(line.trim().to_string())
}

#[cfg(not(unix))]
fn tty_secret(prompt: &str) -> Result<String, CliError> {
    // NOTE: without termios the code is read with echo on.
    tty_line(prompt)
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
