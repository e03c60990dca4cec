//! Drives a session: performs each action the component returns and
//! passes the result back, until every target has reported.
//!
//! This is all the I/O rolechain does: HTTP, file reads, process runs, MFA
//! prompts and sleeping. Every decision stays in the component.

use std::cell::Cell;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::cli_error::{self, CliError};
use crate::clock;
use crate::http;
use crate::prompt::Prompter;
use crate::runtime::planning::{Action, TargetCredentials, TargetError};
use crate::runtime::types::ErrorCode;
use crate::runtime::{Answer, PlanHandle, Runtime, SessionHandle};

/// The maximum pause of one retry `wait` in `run`. A longer one is an
/// error, because `run` stops at the first `done` and never waits to refresh.
const MAX_WAIT: Duration = Duration::from_secs(120);

/// How often a rejected MFA code may be typed again on a terminal.
const MFA_ATTEMPTS: u32 = 3;

/// One target's result.
pub enum TargetOutcome {
    Ready(TargetCredentials),
    Failed(TargetError),
}

/// Options of one run.
pub struct DriverOptions {
    /// Log each action on stderr.
    pub verbose: bool,
    pub prompter: Prompter,
    /// Whether a request has been sent, so that a later invalid input (an
    /// MFA code, say) exits with 1 instead of 2.
    pub sent: Cell<bool>,
}

impl DriverOptions {
    pub fn new(verbose: bool, prompter: Prompter) -> Self {
        DriverOptions {
            verbose,
            prompter,
            sent: Cell::new(false),
        }
    }
}

pub fn log(options: &DriverOptions, message: &str) {
    if options.verbose {
        eprintln!("rolechain: {message}");
    }
}

fn seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    nanos ^ (u64::from(std::process::id()) << 32)
}

/// Names a request for logs: the STS `Action` of a query-protocol body,
/// else the URL's path. Neither carries a secret.
fn request_label(request: &crate::runtime::types::HttpRequest) -> String {
    let body = String::from_utf8_lossy(&request.body);
    let action = body
        .split('&')
        .find_map(|pair| pair.strip_prefix("Action="))
        .filter(|a| a.bytes().all(|b| b.is_ascii_alphanumeric()));
    match action {
        Some(action) => action.to_string(),
        None => {
            let rest = request.url.split_once("://").map_or("", |(_, r)| r);
            let path = rest.find('/').map_or("/", |i| &rest[i..]);
            path.split('?').next().unwrap_or("/").to_string()
        }
    }
}

fn send(options: &DriverOptions, request: &crate::runtime::types::HttpRequest) -> Answer {
    options.sent.set(true);
    let started = Instant::now();
    let host = format!(
        "{} {}",
        http::authority_of(&request.url),
        request_label(request)
    );
    match http::send(request) {
        Ok(response) => {
            log(
                options,
                &format!(
                    "{} {} -> {} ({} ms)",
                    request.method,
                    host,
                    response.status,
                    started.elapsed().as_millis()
                ),
            );
            Answer::Response(response, clock::now_millis())
        }
        Err(e) => {
            log(
                options,
                &format!(
                    "{} {} -> failed after {} ms: {e}",
                    request.method,
                    host,
                    started.elapsed().as_millis()
                ),
            );
            Answer::IoError(format!("{} {host}: {e}", request.method))
        }
    }
}

fn read_file(options: &DriverOptions, path: &str) -> Answer {
    log(options, &format!("reading {path}"));
    match std::fs::read_to_string(path) {
        Ok(contents) => Answer::File(contents),
        Err(e) => Answer::IoError(format!("cannot read `{path}`: {e}")),
    }
}

fn run_process(options: &DriverOptions, argv: &[String]) -> Answer {
    let Some((program, args)) = argv.split_first() else {
        return Answer::IoError("credential_process is empty".to_string());
    };
    log(options, &format!("running credential_process `{program}`"));
    // stdin stays free for MFA input; botocore captures stdout and stderr.
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output();
    match output {
        Ok(output) => Answer::Process {
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            status: output.status.code().unwrap_or(-1),
        },
        Err(e) => Answer::IoError(format!("cannot run `{program}`: {e}")),
    }
}

fn answer_or_fail(
    runtime: &mut Runtime,
    session: SessionHandle,
    answer: Answer,
) -> Result<(), CliError> {
    match runtime.answer(session, answer)? {
        Ok(()) => Ok(()),
        Err(e) => Err(cli_error::from_component(&e)),
    }
}

fn prompt_mfa(
    runtime: &mut Runtime,
    session: SessionHandle,
    options: &DriverOptions,
    serial: Option<String>,
) -> Result<(), CliError> {
    log(options, "asking for an MFA code");
    let mut attempts = 0;
    loop {
        attempts += 1;
        let answer = options.prompter.ask(serial.as_deref())?;
        match runtime.answer(session, Answer::Mfa(answer.serial, answer.code))? {
            Ok(()) => return Ok(()),
            Err(ErrorCode::InvalidArgument(message))
                if options.prompter.can_retry() && attempts < MFA_ATTEMPTS =>
            {
                eprintln!("error: {message}");
            }
            Err(e) => return Err(cli_error::from_component(&e)),
        }
    }
}

/// A session's report to the command, after the driver has performed the
/// I/O actions before it.
pub enum Event {
    Ready(TargetCredentials),
    Failed(TargetError),
    /// Every target has reported.
    Done,
    /// Nothing to do before this time, in milliseconds since the epoch.
    Wait(i64),
}

/// Starts a session for `plan`.
pub fn start(runtime: &mut Runtime, plan: PlanHandle) -> Result<SessionHandle, CliError> {
    runtime.start_session(plan, clock::now_millis(), seed())
}

/// Performs the session's I/O actions until it reports an [`Event`]. A
/// failure of the base chain is an error, with exit code 2 only when
/// nothing has been sent yet.
pub fn next_event(
    runtime: &mut Runtime,
    session: SessionHandle,
    options: &DriverOptions,
) -> Result<Event, CliError> {
    next_event_inner(runtime, session, options).map_err(|e| {
        if options.sent.get() {
            e.into_failure()
        } else {
            e
        }
    })
}

fn next_event_inner(
    runtime: &mut Runtime,
    session: SessionHandle,
    options: &DriverOptions,
) -> Result<Event, CliError> {
    loop {
        let action = runtime.poll(session, clock::now_millis())?;
        match action {
            Action::SendHttp(request) => {
                let answer = send(options, &request);
                answer_or_fail(runtime, session, answer)?;
            }
            Action::ReadFile(path) => {
                let answer = read_file(options, &path);
                answer_or_fail(runtime, session, answer)?;
            }
            Action::RunProcess(argv) => {
                let answer = run_process(options, &argv);
                answer_or_fail(runtime, session, answer)?;
            }
            Action::PromptMfa(serial) => prompt_mfa(runtime, session, options, serial)?,
            Action::Wait(until) => return Ok(Event::Wait(until)),
            Action::CredentialsReady(ready) => {
                log(options, &format!("target {} ready", ready.index + 1));
                return Ok(Event::Ready(ready));
            }
            Action::TargetFailed(failed) => {
                log(options, &format!("target {} failed", failed.index + 1));
                return Ok(Event::Failed(failed));
            }
            Action::Done => return Ok(Event::Done),
            Action::Failed(error) => return Err(cli_error::from_component(&error)),
        }
    }
}

/// Runs a session for `plan` to its first `done`, returning each target's
/// outcome in order. A failure of the base chain is an error.
pub fn run(
    runtime: &mut Runtime,
    plan: PlanHandle,
    options: &DriverOptions,
) -> Result<Vec<TargetOutcome>, CliError> {
    let session = start(runtime, plan)?;
    let mut outcomes = Vec::new();
    loop {
        match next_event(runtime, session, options)? {
            Event::Ready(ready) => outcomes.push(TargetOutcome::Ready(ready)),
            Event::Failed(failed) => outcomes.push(TargetOutcome::Failed(failed)),
            Event::Done => return Ok(outcomes),
            Event::Wait(until) => {
                let millis = until.saturating_sub(clock::now_millis()).max(0) as u64;
                let pause = Duration::from_millis(millis);
                if pause > MAX_WAIT {
                    return Err(CliError::failed(format!(
                        "the session asked to wait {} s, longer than this command waits",
                        pause.as_secs()
                    )));
                }
                log(options, &format!("retrying in {millis} ms"));
                std::thread::sleep(pause);
            }
        }
    }
}
