//! Refresh after `Done`: the advisory window (15 minutes before expiry),
//! the mandatory window (10 minutes), failures in each, and MFA prompts
//! only when the GetSessionToken session is itself due.

#[path = "session_support.rs"]
mod support;

use rolechain::plan::model::{MfaSerial, Root};
use rolechain::roots::{RootAction, RootFetch, RootInput, RootPoll};
use rolechain::session::{Action, Session};
use rolechain::{Credentials, Error};
use support::*;

const ACCOUNT: &str = "111111111111";

/// A session from static keys to one `-R` role, run to its first `Done`
/// at `NOW`; the role's credentials expire at `NOW + HOUR`.
fn one_role_session() -> (Session, String) {
    let role = role_arn(ACCOUNT, "audit");
    let mut session = Session::new(plan(vec![], vec![Some(role_option(&role))]), NOW, 5);
    answer_assume_role(&mut session, NOW, "ASIAFIRST", NOW + HOUR);
    answer_caller_identity(&mut session, NOW, &assumed_arn(&role));
    let ready = expect_ready(&mut session, NOW);
    assert_eq!(ready.credentials.access_key_id, "ASIAFIRST");
    assert_eq!(session.poll(NOW), Action::Done);
    (session, role)
}

#[test]
fn waits_until_advisory_window() {
    let (mut session, _) = one_role_session();
    let refresh_at = NOW + HOUR - 15 * MINUTE;
    assert_eq!(expect_wait(&mut session, NOW), refresh_at);
    assert_eq!(expect_wait(&mut session, refresh_at - 1), refresh_at);
}

#[test]
fn advisory_refresh_reports_new_credentials() {
    let (mut session, role) = one_role_session();
    let now = expect_wait(&mut session, NOW);
    let expiration = now + HOUR;

    let request = answer_assume_role(&mut session, now, "ASIASECOND", expiration);
    assert_eq!(signing_key_id(&request), ROOT_KEY);
    assert_eq!(header(&request, "x-amz-date"), Some("20231114T225820Z"));
    answer_caller_identity(&mut session, now, &assumed_arn(&role));
    let ready = expect_ready(&mut session, now);
    assert_eq!(ready.index, 0);
    assert_eq!(ready.credentials.access_key_id, "ASIASECOND");
    assert_eq!(ready.credentials.expiration, Some(expiration));
    assert_eq!(session.poll(now), Action::Done);
    assert_eq!(expect_wait(&mut session, now), expiration - 15 * MINUTE);
}

#[test]
fn advisory_failure_keeps_old_credentials() {
    let (mut session, _) = one_role_session();
    let now = expect_wait(&mut session, NOW);
    let _ = expect_http(&mut session, now);
    session
        .handle_response(error_response(403, "AccessDenied", "no"), now)
        .unwrap();
    // No TargetFailed: the old credentials are still good for 15 minutes.
    assert_eq!(session.poll(now), Action::Done);
    // Tried again a minute later.
    let retry_at = expect_wait(&mut session, now);
    assert_eq!(retry_at, now + MINUTE);
    let request = expect_http(&mut session, retry_at);
    assert_eq!(sts_action(&request), "AssumeRole");
}

#[test]
fn mandatory_failure_fails_target() {
    let (mut session, role) = one_role_session();
    // The host slept past the advisory window.
    let now = NOW + HOUR - 9 * MINUTE;
    let _ = expect_http(&mut session, now);
    session
        .handle_response(error_response(403, "AccessDenied", "no"), now)
        .unwrap();
    let failure = expect_target_failed(&mut session, now);
    assert_eq!(failure.index, 0);
    assert_eq!(failure.role_arn.as_deref(), Some(role.as_str()));
    assert!(matches!(failure.error, Error::Service(_)));
    assert_eq!(session.poll(now), Action::Done);
    // The failed target is not refreshed again.
    assert_eq!(session.poll(now + HOUR), Action::Done);
}

#[test]
fn advisory_failures_until_mandatory() {
    let (mut session, _) = one_role_session();
    let mut now = expect_wait(&mut session, NOW);
    let mut silent_failures = 0;
    loop {
        let _ = expect_http(&mut session, now);
        session
            .handle_response(error_response(403, "AccessDenied", "no"), now)
            .unwrap();
        match session.poll(now) {
            Action::Done => {
                silent_failures += 1;
                assert!(now < NOW + HOUR - 10 * MINUTE);
                now = expect_wait(&mut session, now);
            }
            Action::TargetFailed(_) => {
                assert!(now >= NOW + HOUR - 10 * MINUTE);
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(silent_failures, 5);
}

#[test]
fn retryable_errors_retry_within_refresh() {
    let (mut session, role) = one_role_session();
    let now = expect_wait(&mut session, NOW);
    let _ = expect_http(&mut session, now);
    session
        .handle_response(error_response(503, "ServiceUnavailable", "busy"), now)
        .unwrap();
    let until = expect_wait(&mut session, now);
    assert!(until <= now + 500);
    answer_assume_role(&mut session, until, "ASIARETRY", until + HOUR);
    answer_caller_identity(&mut session, until, &assumed_arn(&role));
    assert_eq!(
        expect_ready(&mut session, until).credentials.access_key_id,
        "ASIARETRY"
    );
}

#[test]
fn no_expiration_never_refreshes() {
    let mut session = Session::new(plan(vec![], vec![None]), NOW, 1);
    answer_caller_identity(&mut session, NOW, "arn:aws:iam::111111111111:user/alice");
    let ready = expect_ready(&mut session, NOW);
    assert_eq!(ready.credentials.expiration, None);
    assert_eq!(session.poll(NOW), Action::Done);
    assert_eq!(session.poll(NOW + 24 * HOUR), Action::Done);
}

#[test]
fn short_credentials_refresh_at_most_each_minute() {
    let role = role_arn(ACCOUNT, "audit");
    let mut session = Session::new(plan(vec![], vec![Some(role_option(&role))]), NOW, 1);
    answer_assume_role(&mut session, NOW, "ASIASHORT", NOW + 5 * MINUTE);
    answer_caller_identity(&mut session, NOW, &assumed_arn(&role));
    let _ = expect_ready(&mut session, NOW);
    assert_eq!(session.poll(NOW), Action::Done);
    assert_eq!(expect_wait(&mut session, NOW), NOW + MINUTE);
}

#[test]
fn base_chain_refresh_reruns_hops() {
    let first = role_arn(ACCOUNT, "first");
    let second = role_arn("222222222222", "second");
    let mut session = Session::new(plan(vec![hop(&first), hop(&second)], vec![None]), NOW, 1);
    answer_assume_role(&mut session, NOW, "ASIAONE", NOW + HOUR);
    answer_assume_role(&mut session, NOW, "ASIATWO", NOW + HOUR);
    answer_caller_identity(&mut session, NOW, &assumed_arn(&second));
    let _ = expect_ready(&mut session, NOW);
    assert_eq!(session.poll(NOW), Action::Done);

    let now = expect_wait(&mut session, NOW);
    let request = answer_assume_role(&mut session, now, "ASIAONE2", now + HOUR);
    assert_eq!(param(&request, "RoleArn").as_deref(), Some(first.as_str()));
    assert_eq!(signing_key_id(&request), ROOT_KEY);
    let request = answer_assume_role(&mut session, now, "ASIATWO2", now + HOUR);
    assert_eq!(signing_key_id(&request), "ASIAONE2");
    answer_caller_identity(&mut session, now, &assumed_arn(&second));
    let ready = expect_ready(&mut session, now);
    assert_eq!(ready.credentials.access_key_id, "ASIATWO2");
    assert_eq!(session.poll(now), Action::Done);
}

#[test]
fn long_base_hop_is_kept() {
    let base = role_arn(ACCOUNT, "base");
    let target = role_arn("222222222222", "target");
    let mut base_hop = hop(&base);
    base_hop.duration_seconds = 43_200;
    let mut session = Session::new(
        plan(vec![base_hop], vec![Some(role_option(&target))]),
        NOW,
        1,
    );
    answer_assume_role(&mut session, NOW, "ASIABASE", NOW + 12 * HOUR);
    answer_assume_role(&mut session, NOW, "ASIATARGET", NOW + HOUR);
    answer_caller_identity(&mut session, NOW, &assumed_arn(&target));
    let _ = expect_ready(&mut session, NOW);
    assert_eq!(session.poll(NOW), Action::Done);

    let now = expect_wait(&mut session, NOW);
    let request = answer_assume_role(&mut session, now, "ASIATARGET2", now + HOUR);
    assert_eq!(param(&request, "RoleArn").as_deref(), Some(target.as_str()));
    assert_eq!(signing_key_id(&request), "ASIABASE");
}

#[test]
fn base_failure_in_advisory_window_is_silent() {
    let first = role_arn(ACCOUNT, "first");
    let mut session = Session::new(plan(vec![hop(&first)], vec![None]), NOW, 1);
    answer_assume_role(&mut session, NOW, "ASIAONE", NOW + HOUR);
    answer_caller_identity(&mut session, NOW, &assumed_arn(&first));
    let _ = expect_ready(&mut session, NOW);
    assert_eq!(session.poll(NOW), Action::Done);

    let now = expect_wait(&mut session, NOW);
    let _ = expect_http(&mut session, now);
    session
        .handle_response(error_response(403, "ExpiredToken", "expired"), now)
        .unwrap();
    assert_eq!(session.poll(now), Action::Done);
    assert_eq!(expect_wait(&mut session, now), now + MINUTE);

    // In the mandatory window the same failure is reported, not sticky.
    let late = NOW + HOUR - 5 * MINUTE;
    let _ = expect_http(&mut session, late);
    session
        .handle_response(error_response(403, "ExpiredToken", "expired"), late)
        .unwrap();
    let failure = expect_target_failed(&mut session, late);
    let Error::Service(service) = &failure.error else {
        panic!("expected a service error, got {:?}", failure.error);
    };
    assert!(service.hint.as_deref().unwrap().contains("refresh"));
    assert_eq!(session.poll(late), Action::Done);
    assert_eq!(session.poll(late + HOUR), Action::Done);
}

/// A session with a GetSessionToken step expiring at `session_expiry`
/// and one `-R` role that takes its MFA from it, run to its first `Done`.
fn mfa_session(session_expiry: i64) -> (Session, String) {
    let role = role_arn(ACCOUNT, "admin");
    let mut target = role_option(&role);
    target.mfa_serial = Some(MfaSerial::Known(MFA_SERIAL.into()));
    target.mfa_from_session = true;
    target.chained = true;
    let mut plan = plan(vec![], vec![Some(target)]);
    plan.base.session_token = Some(session_token_step(MfaSerial::Known(MFA_SERIAL.into())));
    let mut session = Session::new(plan, NOW, 1);
    assert!(matches!(session.poll(NOW), Action::PromptMfa(Some(_))));
    session
        .handle_mfa(MFA_SERIAL.into(), MFA_CODE.into())
        .unwrap();
    let _ = expect_http(&mut session, NOW);
    session
        .handle_response(session_token_ok("ASIAMFA", session_expiry), NOW)
        .unwrap();
    answer_assume_role(&mut session, NOW, "ASIAADMIN", NOW + HOUR);
    answer_caller_identity(&mut session, NOW, &assumed_arn(&role));
    let _ = expect_ready(&mut session, NOW);
    assert_eq!(session.poll(NOW), Action::Done);
    (session, role)
}

#[test]
fn no_mfa_prompt_while_session_valid() {
    let (mut session, role) = mfa_session(NOW + 12 * HOUR);
    let now = expect_wait(&mut session, NOW);
    let request = answer_assume_role(&mut session, now, "ASIAADMIN2", now + HOUR);
    assert_eq!(signing_key_id(&request), "ASIAMFA");
    assert_eq!(param(&request, "TokenCode"), None);
    answer_caller_identity(&mut session, now, &assumed_arn(&role));
    assert_eq!(
        expect_ready(&mut session, now).credentials.access_key_id,
        "ASIAADMIN2"
    );
}

#[test]
fn mfa_prompt_when_session_due() {
    // At the first refresh (NOW + 45 min) the MFA session has 13 minutes
    // left: inside the advisory window but not the mandatory one, so it is
    // kept. At the second it has expired.
    let (mut session, role) = mfa_session(NOW + 58 * MINUTE);
    let first = expect_wait(&mut session, NOW);
    let request = answer_assume_role(&mut session, first, "ASIAADMIN2", first + HOUR);
    assert_eq!(signing_key_id(&request), "ASIAMFA");
    answer_caller_identity(&mut session, first, &assumed_arn(&role));
    let _ = expect_ready(&mut session, first);
    assert_eq!(session.poll(first), Action::Done);

    let second = expect_wait(&mut session, first);
    assert_eq!(
        session.poll(second),
        Action::PromptMfa(Some(MFA_SERIAL.into()))
    );
    session
        .handle_mfa(MFA_SERIAL.into(), "654321".into())
        .unwrap();
    let request = expect_http(&mut session, second);
    assert_eq!(sts_action(&request), "GetSessionToken");
    assert_eq!(param(&request, "TokenCode").as_deref(), Some("654321"));
    session
        .handle_response(session_token_ok("ASIAMFA2", second + 12 * HOUR), second)
        .unwrap();
    let request = answer_assume_role(&mut session, second, "ASIAADMIN3", second + HOUR);
    assert_eq!(signing_key_id(&request), "ASIAMFA2");
}

#[test]
fn two_targets_refresh_separately() {
    let early = role_arn(ACCOUNT, "early");
    let late = role_arn("222222222222", "late");
    let targets = vec![Some(role_option(&early)), Some(role_option(&late))];
    let mut session = Session::new(plan(vec![], targets), NOW, 1);
    answer_assume_role(&mut session, NOW, "ASIAEARLY", NOW + HOUR);
    answer_caller_identity(&mut session, NOW, &assumed_arn(&early));
    let _ = expect_ready(&mut session, NOW);
    answer_assume_role(&mut session, NOW, "ASIALATE", NOW + 3 * HOUR);
    answer_caller_identity(&mut session, NOW, &assumed_arn(&late));
    let _ = expect_ready(&mut session, NOW);
    assert_eq!(session.poll(NOW), Action::Done);

    let now = expect_wait(&mut session, NOW);
    assert_eq!(now, NOW + HOUR - 15 * MINUTE);
    let request = answer_assume_role(&mut session, now, "ASIAEARLY2", now + HOUR);
    assert_eq!(param(&request, "RoleArn").as_deref(), Some(early.as_str()));
    answer_caller_identity(&mut session, now, &assumed_arn(&early));
    assert_eq!(expect_ready(&mut session, now).index, 0);
    // Only the due target was refreshed.
    assert_eq!(session.poll(now), Action::Done);
}

/// A root whose credentials expire an hour after they are fetched.
#[derive(Debug)]
struct ExpiringRoot {
    read: bool,
}

impl RootFetch for ExpiringRoot {
    fn poll(&mut self, now: i64) -> RootPoll {
        if !self.read {
            return RootPoll::Action(RootAction::ReadFile("/creds".into()));
        }
        let mut credentials = Credentials::new("ASIAROOT", "root-secret").with_session_token("t");
        credentials.expiration = Some(now + HOUR);
        RootPoll::Ready(credentials)
    }

    fn handle(&mut self, _input: RootInput, _now: i64) {
        self.read = true;
    }
}

#[test]
fn expiring_root_fetched_again() {
    fn start(_root: &Root, _now: i64) -> Option<Box<dyn RootFetch>> {
        Some(Box::new(ExpiringRoot { read: false }))
    }
    let mut plan = plan(vec![], vec![None]);
    plan.verify_identity = false;
    plan.base.root = Root::CredentialProcess {
        profile: "tool".into(),
        command: "tool".into(),
        account_id: None,
    };
    let mut session = Session::with_root_starter(plan, NOW, 1, start);
    assert_eq!(session.poll(NOW), Action::ReadFile("/creds".into()));
    session.handle_file(String::new()).unwrap();
    assert_eq!(
        expect_ready(&mut session, NOW).credentials.expiration,
        Some(NOW + HOUR)
    );
    assert_eq!(session.poll(NOW), Action::Done);

    let now = expect_wait(&mut session, NOW);
    assert_eq!(session.poll(now), Action::ReadFile("/creds".into()));
    session.handle_file(String::new()).unwrap();
    let ready = expect_ready(&mut session, now);
    assert_eq!(ready.credentials.expiration, Some(now + HOUR));
    assert_eq!(session.poll(now), Action::Done);
}
