//! Sans-IO execution of a [`Plan`]: the session returns the next action
//! for the host (an HTTP request, an MFA prompt, a file to read, a process
//! to run), takes back the result, and ends with credentials.
//!
//! It builds and signs every STS request itself, parses every response,
//! retries throttling, 5xx and I/O failures, verifies each target with
//! GetCallerIdentity, and refreshes credentials before they expire when the
//! host keeps polling. It performs no I/O and reads no clock: the host
//! passes the time to every call that needs it.

mod action;
mod mfa;
mod retry;
mod steps;

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

pub use action::{Action, TargetCredentials, TargetError};

use crate::plan::model::{Plan, Root};
use crate::plan::root_label;
use crate::roots::{self, RootAction, RootFetch, RootInput, RootPoll};
use crate::sts::response::{self, CallerIdentity};
use crate::{Credentials, Error, HttpRequest, HttpResponse, Secret};
use retry::{Jitter, MAX_ATTEMPTS};

/// Credentials are refreshed once they expire within this many
/// milliseconds (15 minutes), the window in which botocore starts an
/// advisory refresh.
pub const ADVISORY_REFRESH_MS: i64 = 15 * 60_000;

/// Within this many milliseconds (10 minutes) of their expiry, credentials
/// count as expired: botocore's mandatory refresh window. A failed refresh
/// then fails the target instead of keeping the old credentials.
pub const MANDATORY_REFRESH_MS: i64 = 10 * 60_000;

/// The minimum time between the end of one run and the start of the next
/// refresh, in milliseconds. It bounds the request rate when STS returns
/// credentials that are already inside the advisory window, and it is the
/// delay before a failed advisory refresh is tried again.
pub const MIN_REFRESH_INTERVAL_MS: i64 = 60_000;

/// Steps one `poll` may take without returning; every step either returns
/// an action or consumes a job, so this only guards against a bug.
const MAX_STEPS_PER_POLL: usize = 1024;

/// A function that starts the fetch of a root that needs I/O, such as
/// [`roots::start`].
pub type RootStarter = fn(&Root, i64) -> Option<Box<dyn RootFetch>>;

/// One unit of work, in the order the session runs them.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Job {
    /// Get the root credentials.
    Root,
    /// GetSessionToken with an MFA code.
    SessionToken,
    /// AssumeRole for the base chain's hop at this index.
    Hop(usize),
    /// AssumeRole for this target's `-R` role.
    TargetRole(usize),
    /// GetCallerIdentity with this target's credentials.
    Verify(usize),
    /// Report this target's credentials.
    Ready(usize),
    /// Report this target's failure.
    Failed(usize, Error),
    /// Report the end of a run.
    Done,
}

impl Job {
    fn target(&self) -> Option<usize> {
        match self {
            Job::TargetRole(t) | Job::Verify(t) | Job::Ready(t) | Job::Failed(t, _) => Some(*t),
            _ => None,
        }
    }

    fn is_base(&self) -> bool {
        matches!(self, Job::Root | Job::SessionToken | Job::Hop(_))
    }
}

/// The action that waits for a `handle_*` call.
#[derive(Clone, PartialEq, Eq)]
enum Expect {
    Mfa(Option<String>),
    Http(HttpRequest),
    File(String),
    Process(Vec<String>),
}

impl Expect {
    fn action(&self) -> Action {
        match self {
            Expect::Mfa(serial) => Action::PromptMfa(serial.clone()),
            Expect::Http(request) => Action::SendHttp(request.clone()),
            Expect::File(path) => Action::ReadFile(path.clone()),
            Expect::Process(argv) => Action::RunProcess(argv.clone()),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Expect::Mfa(_) => "PromptMfa",
            Expect::Http(_) => "SendHttp",
            Expect::File(_) => "ReadFile",
            Expect::Process(_) => "RunProcess",
        }
    }
}

/// The state of an STS call while no action is outstanding.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Stage {
    /// Ask for an MFA code if the call needs one.
    Start,
    /// Build, sign and send the request.
    Send,
    /// Send again at this time.
    Backoff(i64),
    /// The last attempt failed; retry or fail the job.
    Errored { error: Error, retryable: bool },
}

/// The MFA serial and code for the current call.
#[derive(Clone)]
struct MfaAnswer {
    serial: String,
    code: Secret,
}

/// An STS call in progress for the job at the front of the queue.
#[derive(Clone)]
struct Call {
    stage: Stage,
    /// Requests sent so far.
    attempts: u32,
    mfa: Option<MfaAnswer>,
}

/// The per-target state of a session.
#[derive(Clone, Default)]
struct TargetState {
    /// The credentials last reported.
    credentials: Option<Credentials>,
    /// The credentials of the `-R` hop in this run, before they are
    /// reported.
    fresh: Option<Credentials>,
    /// The GetCallerIdentity result in this run.
    identity: Option<CallerIdentity>,
    /// Reported as failed: the target is never refreshed again.
    failed: bool,
}

/// The execution of one [`Plan`], driven by the host.
///
/// # Call order
///
/// The host owns all I/O and the clock; the session owns every decision.
/// Methods fall into two kinds:
///
/// - [`poll`](Self::poll) returns the next [`Action`]. Call it first, and
///   again after every `handle_*` call or wait.
/// - `handle_*` methods answer the action last returned by `poll`:
///   [`handle_response`](Self::handle_response) or
///   [`handle_io_error`](Self::handle_io_error) for `SendHttp`;
///   [`handle_file`](Self::handle_file) or `handle_io_error` for
///   `ReadFile`; [`handle_process_output`](Self::handle_process_output) or
///   `handle_io_error` for `RunProcess`; [`handle_mfa`](Self::handle_mfa)
///   for `PromptMfa`.
///
/// At most one action is outstanding. Polling again before answering it
/// returns the same action (the same request bytes, not re-signed). A
/// `handle_*` call that does not match the outstanding action returns
/// [`Error::Misuse`] and changes nothing. `Wait(until)`,
/// `CredentialsReady`, `TargetFailed` and `Done` need no answer: after
/// `Wait(until)`, poll again once `now >= until`.
///
/// A host loop therefore looks like:
///
/// ```text
/// loop {
///     match session.poll(clock.now()) {
///         SendHttp(req)          => match http.send(req) {
///                                      Ok(resp) => session.handle_response(resp, clock.now()),
///                                      Err(e) => session.handle_io_error(e.to_string()),
///                                   },
///         PromptMfa(serial)      => session.handle_mfa(serial_or_typed, code),
///         Wait(until)            => sleep_until(until),
///         CredentialsReady(t)    => use(t),
///         TargetFailed(e)        => report(e),
///         Done                   => break, // or keep polling to refresh
///         Failed(e)              => return Err(e),
///         ...
///     }
/// }
/// ```
///
/// # Order of work
///
/// The root first (no I/O for static keys and environment credentials),
/// then GetSessionToken when the plan has that step, then the profile hops
/// in order, then for each target its `-R` AssumeRole (from the base
/// chain's credentials) and GetCallerIdentity, unless the plan turns
/// verification off. Each target ends with `CredentialsReady` or
/// `TargetFailed`, and the run ends with `Done`.
///
/// # Failures
///
/// A failure of the base chain is final: `poll` returns the same
/// `Failed(error)` from then on. A failure of a target's own steps ends
/// that target only. Throttling, HTTP 429, 5xx and I/O errors are retried,
/// up to 3 attempts per request, after a `Wait` with exponential backoff
/// and full jitter from the host's seed.
///
/// # MFA
///
/// A code is asked for once for GetSessionToken, or for each hop that
/// needs one when the plan has no GetSessionToken step. `handle_mfa`
/// rejects a code that is not 6 digits, or a serial outside STS's limits,
/// with [`Error::InvalidArgument`] and leaves the prompt outstanding, so
/// the host can ask again. A serial the user typed for `PromptMfa(None)`
/// is reused for later prompts.
///
/// # Refresh
///
/// After `Done`, a host that keeps polling gets `Wait(until)`, where
/// `until` is 15 minutes before the earliest expiry among the targets'
/// credentials (and at least 1 minute after the last run). Once `now`
/// passes it, the session runs the chain again from the first step whose
/// credentials are due, keeping credentials that do not expire and a
/// GetSessionToken session that is more than 10 minutes from its expiry
/// (so no new MFA prompt), then reports each refreshed target and `Done`.
/// A refresh failure more than 10 minutes before a target's expiry keeps
/// its old credentials silently and is tried again a minute later.
/// Within 10 minutes of the expiry it is reported as `TargetFailed`, even
/// for a failure of the base chain, and that target is not refreshed
/// again. Without expiring credentials, `poll` keeps returning `Done`.
pub struct Session {
    plan: Plan,
    start_root: RootStarter,
    jitter: Jitter,
    jobs: VecDeque<Job>,
    call: Option<Call>,
    expect: Option<Expect>,
    root_fetch: Option<Box<dyn RootFetch>>,
    root: Option<Credentials>,
    session_token: Option<Credentials>,
    hops: Vec<Option<Credentials>>,
    targets: Vec<TargetState>,
    /// The serial the user typed for a `PromptMfa(None)`.
    typed_serial: Option<String>,
    /// The current run is a refresh, not the first run.
    refreshing: bool,
    /// No refresh starts before this time.
    not_before: i64,
    /// The `now` of the last `poll` or `handle_response`, passed on with
    /// host results that come without a time.
    last_now: i64,
    failed: Option<Error>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Credentials, MFA codes and requests are left out: they hold
        // secrets, and hosts may log this.
        f.debug_struct("Session")
            .field("profile", &self.plan.profile)
            .field("jobs", &self.jobs)
            .field("stage", &self.call.as_ref().map(|c| &c.stage))
            .field("outstanding", &self.expect.as_ref().map(Expect::name))
            .field("refreshing", &self.refreshing)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// Creates a session for `plan`. `seed` feeds the retry jitter; any
    /// value works, and a random one spreads the retries of many hosts.
    pub fn new(plan: Plan, now: i64, seed: u64) -> Self {
        Self::with_root_starter(plan, now, seed, roots::start)
    }

    /// Creates a session that starts root fetches with `start_root`
    /// instead of [`roots::start`]; for tests with a fake root.
    #[doc(hidden)]
    pub fn with_root_starter(plan: Plan, now: i64, seed: u64, start_root: RootStarter) -> Self {
        let mut jobs = VecDeque::new();
        jobs.push_back(Job::Root);
        if plan.base.session_token.is_some() {
            jobs.push_back(Job::SessionToken);
        }
        jobs.extend((0..plan.base.hops.len()).map(Job::Hop));
        let mut session = Session {
            hops: alloc::vec![None; plan.base.hops.len()],
            targets: alloc::vec![TargetState::default(); plan.targets.len()],
            plan,
            start_root,
            jitter: Jitter::new(seed),
            jobs,
            call: None,
            expect: None,
            root_fetch: None,
            root: None,
            session_token: None,
            typed_serial: None,
            refreshing: false,
            not_before: now,
            last_now: now,
            failed: None,
        };
        for target in 0..session.targets.len() {
            session.push_target_jobs(target);
        }
        session.jobs.push_back(Job::Done);
        session
    }

    /// Returns the next action for the host, at time `now` (milliseconds
    /// since the Unix epoch).
    ///
    /// Returns the outstanding action again until a `handle_*` call takes
    /// its result, and `Failed` forever once the base chain failed.
    #[must_use]
    pub fn poll(&mut self, now: i64) -> Action {
        self.last_now = now;
        for _ in 0..MAX_STEPS_PER_POLL {
            if let Some(error) = &self.failed {
                return Action::Failed(error.clone());
            }
            if let Some(expect) = &self.expect {
                return expect.action();
            }
            if let Some(action) = self.step(now) {
                return action;
            }
        }
        let error = Error::Other("the session made no progress; this is a bug in rolechain".into());
        self.failed = Some(error.clone());
        Action::Failed(error)
    }

    /// Takes the response to the outstanding `SendHttp`, received at `now`.
    ///
    /// Returns `Ok` once the response is taken, even an error response:
    /// what it means comes out of the next `poll`. Fails with
    /// [`Error::Misuse`] when no `SendHttp` is outstanding.
    pub fn handle_response(&mut self, response: HttpResponse, now: i64) -> Result<(), Error> {
        if !matches!(self.expect, Some(Expect::Http(_))) {
            return Err(self.misuse("handle_response"));
        }
        self.expect = None;
        self.last_now = now;
        if let Some(fetch) = self.current_root_fetch() {
            fetch.handle(RootInput::Response(response), now);
            return Ok(());
        }
        let Some(job) = self.jobs.front().cloned() else {
            return Ok(());
        };
        match self.read_response(&job, &response, now) {
            Ok(()) => self.finish_job(),
            Err(error) => {
                let retryable = matches!(&error, Error::Service(e) if response::is_retryable(e));
                self.set_stage(Stage::Errored { error, retryable });
            }
        }
        Ok(())
    }

    /// Takes the MFA device serial and the TOTP code for the outstanding
    /// `PromptMfa`.
    ///
    /// When the prompt named a serial, pass it back (or an empty string).
    /// When it did not, pass the serial the user typed.
    ///
    /// Fails with [`Error::Misuse`] when no `PromptMfa` is outstanding, and
    /// with [`Error::InvalidArgument`] when the code is not exactly 6
    /// digits, the typed serial is not 9 to 256 characters of
    /// `[\w+=/:,.@-]`, or the serial differs from the one prompted for.
    /// After `InvalidArgument` the prompt stays outstanding, so the host
    /// can ask the user again.
    pub fn handle_mfa(&mut self, serial: String, code: String) -> Result<(), Error> {
        let prompted = match &self.expect {
            Some(Expect::Mfa(prompted)) => prompted.clone(),
            _ => return Err(self.misuse("handle_mfa")),
        };
        mfa::check_token_code(&code)?;
        let serial = match prompted {
            Some(prompted) if serial.is_empty() || serial == prompted => prompted,
            Some(prompted) => {
                // The typed serial is not quoted: it may be the code.
                return Err(Error::InvalidArgument(format!(
                    "the MFA serial passed differs from `{prompted}`, which the prompt \
                     asked for; pass that serial or an empty string"
                )));
            }
            None => {
                mfa::check_serial(&serial)?;
                self.typed_serial = Some(serial.clone());
                serial
            }
        };
        self.expect = None;
        if let Some(call) = &mut self.call {
            call.mfa = Some(MfaAnswer {
                serial,
                code: Secret::new(code),
            });
            call.stage = Stage::Send;
        }
        Ok(())
    }

    /// Takes the contents of the file named by the outstanding `ReadFile`.
    ///
    /// Fails with [`Error::Misuse`] when no `ReadFile` is outstanding.
    pub fn handle_file(&mut self, contents: String) -> Result<(), Error> {
        if !matches!(self.expect, Some(Expect::File(_))) {
            return Err(self.misuse("handle_file"));
        }
        self.answer_root(RootInput::File(contents));
        Ok(())
    }

    /// Takes the output and exit status of the process the outstanding
    /// `RunProcess` named.
    ///
    /// Fails with [`Error::Misuse`] when no `RunProcess` is outstanding.
    pub fn handle_process_output(
        &mut self,
        stdout: String,
        stderr: String,
        status: i32,
    ) -> Result<(), Error> {
        if !matches!(self.expect, Some(Expect::Process(_))) {
            return Err(self.misuse("handle_process_output"));
        }
        self.answer_root(RootInput::ProcessOutput {
            stdout,
            stderr,
            status,
        });
        Ok(())
    }

    /// Reports that the outstanding `SendHttp`, `ReadFile` or `RunProcess`
    /// could not be performed (connection refused, timeout, file not
    /// found, ...). STS requests are retried; `message` appears in the
    /// final error, so it must hold no secret.
    ///
    /// Fails with [`Error::Misuse`] when none of those actions is
    /// outstanding.
    pub fn handle_io_error(&mut self, message: String) -> Result<(), Error> {
        let url = match &self.expect {
            Some(Expect::Http(request)) => request.url.clone(),
            Some(Expect::File(_) | Expect::Process(_)) => String::new(),
            _ => return Err(self.misuse("handle_io_error")),
        };
        if self.current_root_fetch().is_some() {
            self.answer_root(RootInput::IoError(message));
            return Ok(());
        }
        self.expect = None;
        let error = Error::Other(format!("request to `{url}` failed: {message}"));
        self.set_stage(Stage::Errored {
            error,
            retryable: true,
        });
        Ok(())
    }

    fn misuse(&self, method: &str) -> Error {
        let state = match (&self.failed, &self.expect) {
            (Some(_), _) => String::from("the session has failed"),
            (None, Some(expect)) => format!("the outstanding action is `{}`", expect.name()),
            (None, None) => String::from("no action is outstanding; call `poll` first"),
        };
        Error::Misuse(format!(
            "`{method}` does not match the outstanding action: {state}; call the `handle_*` \
             method for the action `poll` returned"
        ))
    }

    /// Returns the root fetch when the current job is the root.
    fn current_root_fetch(&mut self) -> Option<&mut Box<dyn RootFetch>> {
        if self.jobs.front() == Some(&Job::Root) {
            self.root_fetch.as_mut()
        } else {
            None
        }
    }

    fn answer_root(&mut self, input: RootInput) {
        self.expect = None;
        let now = self.last_now;
        if let Some(fetch) = self.current_root_fetch() {
            fetch.handle(input, now);
        }
    }

    /// Takes one step of the job at the front of the queue. Returns the
    /// action for the host, or `None` to take the next step.
    fn step(&mut self, now: i64) -> Option<Action> {
        let Some(job) = self.jobs.front().cloned() else {
            return self.idle(now);
        };
        match job {
            Job::Root => self.step_root(now),
            Job::SessionToken | Job::Hop(_) | Job::TargetRole(_) | Job::Verify(_) => {
                self.step_call(&job, now)
            }
            Job::Ready(target) => {
                self.jobs.pop_front();
                Some(self.ready(target))
            }
            Job::Failed(target, error) => {
                self.jobs.pop_front();
                Some(Action::TargetFailed(TargetError {
                    index: index_u32(target),
                    role_arn: self.target_role_arn(target).map(String::from),
                    error,
                }))
            }
            Job::Done => {
                self.jobs.pop_front();
                self.refreshing = false;
                self.not_before = now.saturating_add(MIN_REFRESH_INTERVAL_MS);
                Some(Action::Done)
            }
        }
    }

    fn step_root(&mut self, now: i64) -> Option<Action> {
        if let Some(credentials) = steps::static_root(&self.plan.base.root) {
            match credentials {
                Ok(credentials) => {
                    self.root = Some(credentials);
                    self.finish_job();
                }
                Err(error) => self.fail_job(&Job::Root, error, now),
            }
            return None;
        }
        if self.root_fetch.is_none() {
            match (self.start_root)(&self.plan.base.root, now) {
                Some(fetch) => self.root_fetch = Some(fetch),
                None => {
                    let error = Error::Other(format!(
                        "the {} credential source is not supported yet",
                        steps::root_name(&self.plan.base.root)
                    ));
                    self.fail_job(&Job::Root, error, now);
                    return None;
                }
            }
        }
        let fetch = self.root_fetch.as_mut()?;
        match fetch.poll(now) {
            RootPoll::Action(action) => {
                let expect = match action {
                    RootAction::SendHttp(request) => Expect::Http(request),
                    RootAction::ReadFile(path) => Expect::File(path),
                    RootAction::RunProcess(argv) => Expect::Process(argv),
                };
                let action = expect.action();
                self.expect = Some(expect);
                Some(action)
            }
            RootPoll::Wait(until) => Some(Action::Wait(until)),
            RootPoll::Ready(credentials) => {
                let step = root_label(&self.plan.base.root);
                match steps::check_not_expired(&credentials, &step, now) {
                    Ok(()) => {
                        self.root = Some(credentials);
                        self.finish_job();
                    }
                    Err(error) => self.fail_job(&Job::Root, error, now),
                }
                None
            }
            RootPoll::Failed(error) => {
                self.fail_job(&Job::Root, error, now);
                None
            }
        }
    }

    fn step_call(&mut self, job: &Job, now: i64) -> Option<Action> {
        let call = self.call.get_or_insert(Call {
            stage: Stage::Start,
            attempts: 0,
            mfa: None,
        });
        match call.stage.clone() {
            Stage::Start => {
                if let Some(serial) = self.mfa_prompt(job) {
                    self.expect = Some(Expect::Mfa(serial.clone()));
                    return Some(Action::PromptMfa(serial));
                }
                self.set_stage(Stage::Send);
                None
            }
            Stage::Send => self.send(job, now),
            Stage::Backoff(until) if now >= until => {
                self.set_stage(Stage::Send);
                None
            }
            Stage::Backoff(until) => Some(Action::Wait(until)),
            Stage::Errored { error, retryable } => {
                let attempts = call.attempts;
                if retryable && attempts < MAX_ATTEMPTS {
                    let until = now.saturating_add(self.jitter.backoff(attempts));
                    self.set_stage(Stage::Backoff(until));
                    Some(Action::Wait(until))
                } else {
                    self.fail_job(job, error, now);
                    None
                }
            }
        }
    }

    fn send(&mut self, job: &Job, now: i64) -> Option<Action> {
        let mfa = self.call.as_ref().and_then(|c| c.mfa.clone());
        let request =
            self.build_request(job, mfa.as_ref())
                .and_then(|(request, source, endpoint)| {
                    let signed = crate::sts::sign_request(&request, &source, &endpoint, now)?;
                    Ok(HttpRequest {
                        method: signed.method,
                        url: signed.url,
                        headers: signed.headers,
                        body: request.body,
                    })
                });
        match request {
            Ok(request) => {
                if let Some(call) = &mut self.call {
                    call.attempts = call.attempts.saturating_add(1);
                }
                self.expect = Some(Expect::Http(request.clone()));
                Some(Action::SendHttp(request))
            }
            Err(error) => {
                self.fail_job(job, error, now);
                None
            }
        }
    }

    fn set_stage(&mut self, stage: Stage) {
        if let Some(call) = &mut self.call {
            call.stage = stage;
        }
    }

    fn finish_job(&mut self) {
        self.jobs.pop_front();
        self.call = None;
        self.root_fetch = None;
    }

    fn push_target_jobs(&mut self, target: usize) {
        let Some(plan_target) = self.plan.targets.get(target) else {
            return;
        };
        if plan_target.role.is_some() {
            self.jobs.push_back(Job::TargetRole(target));
        }
        if self.plan.verify_identity {
            self.jobs.push_back(Job::Verify(target));
        }
        self.jobs.push_back(Job::Ready(target));
        if let Some(state) = self.targets.get_mut(target) {
            state.fresh = None;
            state.identity = None;
        }
    }

    /// Ends the job with `error`: the whole session for a base job in the
    /// first run, the target for a target job.
    fn fail_job(&mut self, job: &Job, error: Error, now: i64) {
        self.call = None;
        self.root_fetch = None;
        self.expect = None;
        if job.is_base() {
            self.fail_base(error, now);
        } else if let Some(target) = job.target() {
            self.fail_target(target, error, now);
        }
    }

    fn fail_base(&mut self, error: Error, now: i64) {
        if !self.refreshing {
            self.jobs.clear();
            self.failed = Some(error);
            return;
        }
        // In a refresh, each target of the run decides by its own expiry.
        let mut targets: Vec<usize> = Vec::new();
        for target in self.jobs.iter().filter_map(Job::target) {
            if !targets.contains(&target) {
                targets.push(target);
            }
        }
        self.jobs.retain(|job| *job == Job::Done);
        for &target in targets.iter().rev() {
            if self.in_mandatory_window(target, now) {
                self.mark_failed(target, error.clone());
            }
        }
    }

    fn fail_target(&mut self, target: usize, error: Error, now: i64) {
        self.jobs.retain(|job| job.target() != Some(target));
        if !self.refreshing || self.in_mandatory_window(target, now) {
            self.mark_failed(target, error);
        }
    }

    fn mark_failed(&mut self, target: usize, error: Error) {
        if let Some(state) = self.targets.get_mut(target) {
            state.failed = true;
        }
        self.jobs.push_front(Job::Failed(target, error));
    }

    /// Whether the target's last credentials are within 10 minutes of
    /// their expiry (or missing), so a failed refresh must be reported.
    fn in_mandatory_window(&self, target: usize, now: i64) -> bool {
        let expiration = self
            .targets
            .get(target)
            .and_then(|t| t.credentials.as_ref())
            .map(|c| c.expiration);
        match expiration {
            Some(Some(expiration)) => now >= expiration.saturating_sub(MANDATORY_REFRESH_MS),
            Some(None) => false,
            None => true,
        }
    }

    fn ready(&mut self, target: usize) -> Action {
        let base = self.base_credentials().cloned();
        let has_role = self
            .plan
            .targets
            .get(target)
            .is_some_and(|t| t.role.is_some());
        let role_arn = self.target_role_arn(target).map(String::from);
        let Some(state) = self.targets.get_mut(target) else {
            return Action::Done;
        };
        let credentials = if has_role { state.fresh.take() } else { base };
        let Some(mut credentials) = credentials else {
            state.failed = true;
            return Action::TargetFailed(TargetError {
                index: index_u32(target),
                role_arn,
                error: Error::Other(
                    "no credentials for the target; this is a bug in rolechain".into(),
                ),
            });
        };
        let identity = state.identity.take();
        if let Some(identity) = &identity {
            let account = identity
                .account
                .as_deref()
                .or_else(|| response::account_of_arn(&identity.arn));
            if let Some(account) = account {
                credentials.account_id = Some(account.into());
            }
        }
        state.credentials = Some(credentials.clone());
        Action::CredentialsReady(TargetCredentials {
            index: index_u32(target),
            role_arn,
            credentials,
            caller_arn: identity.map(|i| i.arn),
        })
    }

    /// Returns the action once every job is done: `Done` without expiring
    /// credentials, else `Wait` until the next refresh. Starts the refresh
    /// once `now` reaches that time.
    fn idle(&mut self, now: i64) -> Option<Action> {
        let Some(earliest) = self.earliest_expiry() else {
            return Some(Action::Done);
        };
        let at = earliest
            .saturating_sub(ADVISORY_REFRESH_MS)
            .max(self.not_before);
        if now < at {
            return Some(Action::Wait(at));
        }
        self.start_refresh(now);
        None
    }

    fn earliest_expiry(&self) -> Option<i64> {
        self.targets
            .iter()
            .filter(|t| !t.failed)
            .filter_map(|t| t.credentials.as_ref()?.expiration)
            .min()
    }

    fn start_refresh(&mut self, now: i64) {
        let due: Vec<usize> = (0..self.targets.len())
            .filter(|&t| {
                let state = &self.targets[t];
                let expiration = state.credentials.as_ref().and_then(|c| c.expiration);
                !state.failed
                    && expiration.is_some_and(|e| now >= e.saturating_sub(ADVISORY_REFRESH_MS))
            })
            .collect();
        let base = self.base_jobs();
        let mut restart = base
            .iter()
            .position(|job| self.base_job_due(job, now))
            .unwrap_or(base.len());
        // A target without a role uses the base chain's last credentials,
        // so only running that step again renews them.
        let needs_base = due
            .iter()
            .any(|&t| self.plan.targets.get(t).is_some_and(|t| t.role.is_none()));
        if needs_base {
            restart = restart.min(base.len().saturating_sub(1));
        }
        self.refreshing = true;
        self.jobs.clear();
        self.jobs.extend(base.into_iter().skip(restart));
        for target in due {
            self.push_target_jobs(target);
        }
        self.jobs.push_back(Job::Done);
    }

    fn base_jobs(&self) -> Vec<Job> {
        let mut jobs = alloc::vec![Job::Root];
        if self.plan.base.session_token.is_some() {
            jobs.push(Job::SessionToken);
        }
        jobs.extend((0..self.plan.base.hops.len()).map(Job::Hop));
        jobs
    }

    /// Whether a base step must run again in a refresh starting at `now`.
    /// A GetSessionToken session is kept until the mandatory window, so
    /// that the user is asked for a new MFA code as rarely as possible.
    fn base_job_due(&self, job: &Job, now: i64) -> bool {
        let (credentials, window) = match job {
            Job::Root => (self.root.as_ref(), ADVISORY_REFRESH_MS),
            Job::SessionToken => (self.session_token.as_ref(), MANDATORY_REFRESH_MS),
            Job::Hop(i) => (
                self.hops.get(*i).and_then(Option::as_ref),
                ADVISORY_REFRESH_MS,
            ),
            _ => return false,
        };
        match credentials {
            None => true,
            Some(credentials) => credentials
                .expiration
                .is_some_and(|e| now >= e.saturating_sub(window)),
        }
    }
}

fn index_u32(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}
