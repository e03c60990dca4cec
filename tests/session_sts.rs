//! The session driven through STS chains by a simulated host on a fake
//! clock, with canned STS responses.

#[path = "session_support.rs"]
mod support;

use rolechain::plan::model::{AssumeRoleOptions, MfaSerial, Root};
use rolechain::roots::{RootAction, RootFetch, RootInput, RootPoll};
use rolechain::session::{Action, Session};
use rolechain::{Credentials, Error};
use support::*;

const ACCOUNT_A: &str = "111111111111";
const ACCOUNT_B: &str = "222222222222";

#[test]
fn static_keys_to_role() {
    let role = role_arn(ACCOUNT_A, "audit");
    let mut session = Session::new(plan(vec![], vec![Some(role_option(&role))]), NOW, 1);

    let request = expect_http(&mut session, NOW);
    assert_eq!(request.method, "POST");
    assert_eq!(request.url, "https://sts.us-east-1.amazonaws.com/");
    assert_eq!(sts_action(&request), "AssumeRole");
    assert_eq!(param(&request, "RoleArn").as_deref(), Some(role.as_str()));
    assert_eq!(
        param(&request, "RoleSessionName").as_deref(),
        Some("rolechain-session")
    );
    assert_eq!(param(&request, "DurationSeconds").as_deref(), Some("3600"));
    assert_eq!(param(&request, "Version").as_deref(), Some("2011-06-15"));
    assert_eq!(param(&request, "TokenCode"), None);
    assert_eq!(signing_key_id(&request), ROOT_KEY);
    assert_eq!(header(&request, "x-amz-date"), Some("20231114T221320Z"));
    assert!(header(&request, "authorization")
        .unwrap()
        .contains("/us-east-1/sts/aws4_request"));
    assert_eq!(header(&request, "x-amz-security-token"), None);

    let expiration = NOW + HOUR;
    session
        .handle_response(assume_role_ok(&role, "ASIAAUDIT", expiration), NOW)
        .unwrap();

    let verify = answer_caller_identity(&mut session, NOW, &assumed_arn(&role));
    assert_eq!(signing_key_id(&verify), "ASIAAUDIT");
    assert_eq!(
        header(&verify, "x-amz-security-token"),
        Some("ASIAAUDIT-token")
    );

    let ready = expect_ready(&mut session, NOW);
    assert_eq!(ready.index, 0);
    assert_eq!(ready.role_arn.as_deref(), Some(role.as_str()));
    assert_eq!(ready.caller_arn, Some(assumed_arn(&role)));
    assert_eq!(ready.credentials.access_key_id, "ASIAAUDIT");
    assert_eq!(
        ready.credentials.secret_access_key.expose(),
        "ASIAAUDIT-secret"
    );
    assert_eq!(
        ready.credentials.session_token.as_ref().map(|t| t.expose()),
        Some("ASIAAUDIT-token")
    );
    assert_eq!(ready.credentials.expiration, Some(expiration));
    assert_eq!(ready.credentials.account_id.as_deref(), Some(ACCOUNT_A));
    assert_eq!(session.poll(NOW), Action::Done);
}

#[test]
fn two_hop_chain() {
    let first = role_arn(ACCOUNT_A, "jump");
    let second = role_arn(ACCOUNT_B, "target");
    let mut session = Session::new(plan(vec![hop(&first), hop(&second)], vec![None]), NOW, 1);

    let request = answer_assume_role(&mut session, NOW, "ASIAJUMP", NOW + HOUR);
    assert_eq!(param(&request, "RoleArn").as_deref(), Some(first.as_str()));
    assert_eq!(signing_key_id(&request), ROOT_KEY);

    let request = answer_assume_role(&mut session, NOW, "ASIATARGET", NOW + HOUR);
    assert_eq!(param(&request, "RoleArn").as_deref(), Some(second.as_str()));
    assert_eq!(signing_key_id(&request), "ASIAJUMP");
    assert_eq!(
        header(&request, "x-amz-security-token"),
        Some("ASIAJUMP-token")
    );

    let verify = answer_caller_identity(&mut session, NOW, &assumed_arn(&second));
    assert_eq!(signing_key_id(&verify), "ASIATARGET");

    let ready = expect_ready(&mut session, NOW);
    assert_eq!(ready.role_arn.as_deref(), Some(second.as_str()));
    assert_eq!(ready.credentials.access_key_id, "ASIATARGET");
    assert_eq!(session.poll(NOW), Action::Done);
}

#[test]
fn one_target_fails_other_succeeds() {
    let denied = role_arn(ACCOUNT_A, "denied");
    let allowed = role_arn(ACCOUNT_B, "allowed");
    let targets = vec![Some(role_option(&denied)), Some(role_option(&allowed))];
    let mut session = Session::new(plan(vec![], targets), NOW, 1);

    let request = expect_http(&mut session, NOW);
    assert_eq!(param(&request, "RoleArn").as_deref(), Some(denied.as_str()));
    let denial = error_response(
        403,
        "AccessDenied",
        "User is not authorized to perform sts:AssumeRole",
    );
    session.handle_response(denial, NOW).unwrap();

    let failure = expect_target_failed(&mut session, NOW);
    assert_eq!(failure.index, 0);
    assert_eq!(failure.role_arn.as_deref(), Some(denied.as_str()));
    let Error::Service(service) = &failure.error else {
        panic!("expected a service error, got {:?}", failure.error);
    };
    assert_eq!(service.code, "AccessDenied");
    assert_eq!(service.status, 403);
    assert_eq!(service.request_id.as_deref(), Some("req-err"));
    assert!(service.hint.as_deref().unwrap().contains("trust policy"));

    let request = answer_assume_role(&mut session, NOW, "ASIAALLOWED", NOW + HOUR);
    assert_eq!(
        param(&request, "RoleArn").as_deref(),
        Some(allowed.as_str())
    );
    assert_eq!(signing_key_id(&request), ROOT_KEY);
    answer_caller_identity(&mut session, NOW, &assumed_arn(&allowed));
    let ready = expect_ready(&mut session, NOW);
    assert_eq!(ready.index, 1);
    assert_eq!(session.poll(NOW), Action::Done);
}

#[test]
fn targets_assume_from_base_chain() {
    let base = role_arn(ACCOUNT_A, "base");
    let target = role_arn(ACCOUNT_B, "target");
    let mut session = Session::new(
        plan(vec![hop(&base)], vec![Some(role_option(&target))]),
        NOW,
        1,
    );
    answer_assume_role(&mut session, NOW, "ASIABASE", NOW + HOUR);
    let request = answer_assume_role(&mut session, NOW, "ASIATARGET", NOW + HOUR);
    assert_eq!(param(&request, "RoleArn").as_deref(), Some(target.as_str()));
    assert_eq!(signing_key_id(&request), "ASIABASE");
    answer_caller_identity(&mut session, NOW, &assumed_arn(&target));
    let ready = expect_ready(&mut session, NOW);
    assert_eq!(ready.role_arn.as_deref(), Some(target.as_str()));
}

#[test]
fn assume_role_sends_every_parameter() {
    let role = role_arn(ACCOUNT_A, "audit");
    let mut target = role_option(&role);
    target.duration_seconds = 900;
    target.external_id = Some("ext-id:42".into());
    target.options = AssumeRoleOptions {
        policy: Some("{\"Version\":\"2012-10-17\"}".into()),
        policy_arns: vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".into()],
        tags: vec![("team".into(), "sec ops".into())],
        transitive_tag_keys: vec!["team".into()],
        source_identity: Some("alice".into()),
    };
    let mut session = Session::new(plan(vec![], vec![Some(target)]), NOW, 1);
    let request = expect_http(&mut session, NOW);
    let expected = [
        ("DurationSeconds", "900"),
        ("ExternalId", "ext-id:42"),
        ("Policy", "{\"Version\":\"2012-10-17\"}"),
        (
            "PolicyArns.member.1.arn",
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
        ),
        ("Tags.member.1.Key", "team"),
        ("Tags.member.1.Value", "sec ops"),
        ("TransitiveTagKeys.member.1", "team"),
        ("SourceIdentity", "alice"),
    ];
    for (name, value) in expected {
        assert_eq!(param(&request, name).as_deref(), Some(value), "{name}");
    }
}

#[test]
fn mfa_on_one_assume_role() {
    let role = role_arn(ACCOUNT_A, "admin");
    let mut admin = hop(&role);
    admin.mfa_serial = Some(MfaSerial::Known(MFA_SERIAL.into()));
    let mut session = Session::new(plan(vec![admin], vec![None]), NOW, 1);

    assert_eq!(
        session.poll(NOW),
        Action::PromptMfa(Some(MFA_SERIAL.into()))
    );
    // Polling again returns the same prompt.
    assert_eq!(
        session.poll(NOW),
        Action::PromptMfa(Some(MFA_SERIAL.into()))
    );
    session
        .handle_mfa(MFA_SERIAL.into(), MFA_CODE.into())
        .unwrap();

    let request = expect_http(&mut session, NOW);
    assert_eq!(param(&request, "SerialNumber").as_deref(), Some(MFA_SERIAL));
    assert_eq!(param(&request, "TokenCode").as_deref(), Some(MFA_CODE));
}

#[test]
fn mfa_serial_may_be_empty_when_known() {
    let mut admin = hop(&role_arn(ACCOUNT_A, "admin"));
    admin.mfa_serial = Some(MfaSerial::Known(MFA_SERIAL.into()));
    let mut session = Session::new(plan(vec![admin], vec![None]), NOW, 1);
    assert!(matches!(session.poll(NOW), Action::PromptMfa(_)));
    let other = session.handle_mfa("arn:aws:iam::111111111111:mfa/bob".into(), MFA_CODE.into());
    assert!(matches!(other, Err(Error::InvalidArgument(_))));
    session.handle_mfa(String::new(), MFA_CODE.into()).unwrap();
    let request = expect_http(&mut session, NOW);
    assert_eq!(param(&request, "SerialNumber").as_deref(), Some(MFA_SERIAL));
}

#[test]
fn mfa_each_hop_asks_fresh_code() {
    let mut first = hop(&role_arn(ACCOUNT_A, "first"));
    first.mfa_serial = Some(MfaSerial::Known(MFA_SERIAL.into()));
    let mut second = hop(&role_arn(ACCOUNT_B, "second"));
    second.mfa_serial = Some(MfaSerial::Known(MFA_SERIAL.into()));
    let mut session = Session::new(plan(vec![first, second], vec![None]), NOW, 1);

    assert!(matches!(session.poll(NOW), Action::PromptMfa(Some(_))));
    session
        .handle_mfa(MFA_SERIAL.into(), "111111".into())
        .unwrap();
    let request = answer_assume_role(&mut session, NOW, "ASIAFIRST", NOW + HOUR);
    assert_eq!(param(&request, "TokenCode").as_deref(), Some("111111"));

    assert!(matches!(session.poll(NOW), Action::PromptMfa(Some(_))));
    session
        .handle_mfa(MFA_SERIAL.into(), "222222".into())
        .unwrap();
    let request = expect_http(&mut session, NOW);
    assert_eq!(param(&request, "TokenCode").as_deref(), Some("222222"));
}

#[test]
fn mfa_via_session_token_for_two_targets() {
    let first = role_arn(ACCOUNT_A, "first");
    let second = role_arn(ACCOUNT_B, "second");
    let mut targets = Vec::new();
    for role in [&first, &second] {
        let mut target = role_option(role);
        target.mfa_serial = Some(MfaSerial::Known(MFA_SERIAL.into()));
        target.mfa_from_session = true;
        target.chained = true;
        targets.push(Some(target));
    }
    let mut plan = plan(vec![], targets);
    plan.base.session_token = Some(session_token_step(MfaSerial::Known(MFA_SERIAL.into())));
    let mut session = Session::new(plan, NOW, 1);

    assert_eq!(
        session.poll(NOW),
        Action::PromptMfa(Some(MFA_SERIAL.into()))
    );
    session
        .handle_mfa(MFA_SERIAL.into(), MFA_CODE.into())
        .unwrap();

    let request = expect_http(&mut session, NOW);
    assert_eq!(sts_action(&request), "GetSessionToken");
    assert_eq!(param(&request, "TokenCode").as_deref(), Some(MFA_CODE));
    assert_eq!(param(&request, "SerialNumber").as_deref(), Some(MFA_SERIAL));
    assert_eq!(param(&request, "DurationSeconds").as_deref(), Some("43200"));
    assert_eq!(signing_key_id(&request), ROOT_KEY);
    session
        .handle_response(session_token_ok("ASIAMFA", NOW + 12 * HOUR), NOW)
        .unwrap();

    for (index, role) in [&first, &second].into_iter().enumerate() {
        // No second prompt: the AssumeRole goes straight out.
        let request = answer_assume_role(&mut session, NOW, "ASIAROLE", NOW + HOUR);
        assert_eq!(param(&request, "TokenCode"), None);
        assert_eq!(param(&request, "SerialNumber"), None);
        assert_eq!(signing_key_id(&request), "ASIAMFA");
        answer_caller_identity(&mut session, NOW, &assumed_arn(role));
        let ready = expect_ready(&mut session, NOW);
        assert_eq!(ready.index as usize, index);
    }
    assert_eq!(session.poll(NOW), Action::Done);
}

#[test]
fn mfa_ask_takes_typed_serial() {
    let mut admin = hop(&role_arn(ACCOUNT_A, "admin"));
    admin.mfa_serial = Some(MfaSerial::Ask);
    let mut second = hop(&role_arn(ACCOUNT_B, "second"));
    second.mfa_serial = Some(MfaSerial::Ask);
    let mut session = Session::new(plan(vec![admin, second], vec![None]), NOW, 1);

    assert_eq!(session.poll(NOW), Action::PromptMfa(None));
    let bad_serial = session.handle_mfa("bad serial".into(), MFA_CODE.into());
    assert!(matches!(bad_serial, Err(Error::InvalidArgument(_))));
    assert_eq!(session.poll(NOW), Action::PromptMfa(None));

    session
        .handle_mfa(MFA_SERIAL.into(), MFA_CODE.into())
        .unwrap();
    let request = answer_assume_role(&mut session, NOW, "ASIAADMIN", NOW + HOUR);
    assert_eq!(param(&request, "SerialNumber").as_deref(), Some(MFA_SERIAL));
    assert_eq!(param(&request, "TokenCode").as_deref(), Some(MFA_CODE));

    // The typed serial is reused for the next prompt.
    assert_eq!(
        session.poll(NOW),
        Action::PromptMfa(Some(MFA_SERIAL.into()))
    );
}

#[test]
fn bad_mfa_code_rejected_before_sending() {
    let mut admin = hop(&role_arn(ACCOUNT_A, "admin"));
    admin.mfa_serial = Some(MfaSerial::Known(MFA_SERIAL.into()));
    let mut session = Session::new(plan(vec![admin], vec![None]), NOW, 1);
    assert!(matches!(session.poll(NOW), Action::PromptMfa(_)));

    for code in ["12345", "1234567", "12a456", "", "987654 "] {
        let result = session.handle_mfa(MFA_SERIAL.into(), code.into());
        let Err(Error::InvalidArgument(message)) = result else {
            panic!("code {code:?} accepted: {result:?}");
        };
        assert!(!message.contains("98765"), "{message}");
        assert_eq!(
            session.poll(NOW),
            Action::PromptMfa(Some(MFA_SERIAL.into()))
        );
    }
    session
        .handle_mfa(MFA_SERIAL.into(), MFA_CODE.into())
        .unwrap();
    assert!(matches!(session.poll(NOW), Action::SendHttp(_)));
}

#[test]
fn retries_500_with_backoff() {
    let role = role_arn(ACCOUNT_A, "audit");
    let mut session = Session::new(plan(vec![hop(&role)], vec![None]), NOW, 7);
    let first = expect_http(&mut session, NOW);
    session
        .handle_response(error_response(500, "InternalFailure", "oops"), NOW)
        .unwrap();

    let until = expect_wait(&mut session, NOW);
    assert!(until >= NOW);
    assert!(until <= NOW + 500);
    // Too early: the same wait.
    if until > NOW {
        assert_eq!(session.poll(until - 1), Action::Wait(until));
    }
    // The retry is signed again at the new time.
    let later = NOW + 2_000;
    let retry = expect_http(&mut session, later.max(until));
    assert_eq!(retry.body, first.body);
    assert_eq!(header(&retry, "x-amz-date"), Some("20231114T221322Z"));
    assert_ne!(
        header(&retry, "authorization"),
        header(&first, "authorization")
    );
}

#[test]
fn retries_throttling_then_succeeds() {
    let role = role_arn(ACCOUNT_A, "audit");
    let mut session = Session::new(plan(vec![hop(&role)], vec![None]), NOW, 3);
    let mut now = NOW;
    let _ = expect_http(&mut session, now);
    session
        .handle_response(error_response(400, "Throttling", "Rate exceeded"), now)
        .unwrap();
    now = expect_wait(&mut session, now);
    let _ = expect_http(&mut session, now);
    session
        .handle_response(response(429, "slow down"), now)
        .unwrap();
    now = expect_wait(&mut session, now);
    answer_assume_role(&mut session, now, "ASIAAUDIT", now + HOUR);
    answer_caller_identity(&mut session, now, &assumed_arn(&role));
    let ready = expect_ready(&mut session, now);
    assert_eq!(ready.credentials.access_key_id, "ASIAAUDIT");
}

#[test]
fn io_errors_bounded_attempts() {
    let role = role_arn(ACCOUNT_A, "audit");
    let mut session = Session::new(plan(vec![hop(&role)], vec![None]), NOW, 9);
    let mut now = NOW;
    let mut sent = 0;
    loop {
        match session.poll(now) {
            Action::SendHttp(_) => {
                sent += 1;
                session
                    .handle_io_error("connection refused".into())
                    .unwrap();
            }
            Action::Wait(until) => now = until,
            Action::Failed(error) => {
                assert!(error.to_string().contains("connection refused"), "{error}");
                assert!(
                    error.to_string().contains("sts.us-east-1.amazonaws.com"),
                    "{error}"
                );
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
        assert!(sent <= 3);
    }
    assert_eq!(sent, 3);
}

#[test]
fn non_retryable_error_fails_without_wait() {
    let role = role_arn(ACCOUNT_A, "audit");
    let mut session = Session::new(plan(vec![hop(&role)], vec![None]), NOW, 1);
    let _ = expect_http(&mut session, NOW);
    session
        .handle_response(error_response(403, "InvalidClientTokenId", "bad key"), NOW)
        .unwrap();
    let Action::Failed(Error::Service(service)) = session.poll(NOW) else {
        panic!("expected a service failure");
    };
    assert_eq!(service.code, "InvalidClientTokenId");
    assert!(service.hint.unwrap().contains("access key ID"));
}

#[test]
fn base_failure_is_sticky() {
    let role = role_arn(ACCOUNT_A, "audit");
    let mut session = Session::new(
        plan(
            vec![hop(&role)],
            vec![Some(role_option(&role_arn(ACCOUNT_B, "x")))],
        ),
        NOW,
        1,
    );
    let _ = expect_http(&mut session, NOW);
    session
        .handle_response(error_response(403, "AccessDenied", "no"), NOW)
        .unwrap();
    let first = session.poll(NOW);
    assert!(matches!(first, Action::Failed(Error::Service(_))));
    assert_eq!(session.poll(NOW + HOUR), first);
    assert_eq!(session.poll(NOW + 2 * HOUR), first);
    let late = session.handle_response(caller_identity_ok("arn:aws:sts::1:x"), NOW);
    assert!(matches!(late, Err(Error::Misuse(_))));
    assert_eq!(session.poll(NOW), first);
}

#[test]
fn handle_without_poll_is_misuse() {
    let role = role_arn(ACCOUNT_A, "audit");
    let mut session = Session::new(plan(vec![hop(&role)], vec![None]), NOW, 1);
    let response = session.handle_response(assume_role_ok(&role, "ASIA", NOW + HOUR), NOW);
    assert!(matches!(response, Err(Error::Misuse(_))));
    assert!(matches!(
        session.handle_io_error("x".into()),
        Err(Error::Misuse(_))
    ));
    assert!(matches!(
        session.handle_mfa(MFA_SERIAL.into(), MFA_CODE.into()),
        Err(Error::Misuse(_))
    ));
    // Nothing changed: the first request still goes out.
    let request = expect_http(&mut session, NOW);
    assert_eq!(sts_action(&request), "AssumeRole");
}

#[test]
fn wrong_handle_kind_is_misuse() {
    let role = role_arn(ACCOUNT_A, "audit");
    let mut session = Session::new(plan(vec![hop(&role)], vec![None]), NOW, 1);
    let request = expect_http(&mut session, NOW);
    assert!(matches!(
        session.handle_file("{}".into()),
        Err(Error::Misuse(_))
    ));
    let process = session.handle_process_output(String::new(), String::new(), 0);
    assert!(matches!(process, Err(Error::Misuse(_))));
    let mfa = session.handle_mfa(MFA_SERIAL.into(), MFA_CODE.into());
    let Err(Error::Misuse(message)) = mfa else {
        panic!("expected misuse, got {mfa:?}");
    };
    assert!(message.contains("SendHttp"), "{message}");
    // The same request is still outstanding.
    assert_eq!(session.poll(NOW), Action::SendHttp(request));
    session
        .handle_response(assume_role_ok(&role, "ASIA", NOW + HOUR), NOW)
        .unwrap();
    // A second answer to the same request is misuse.
    let again = session.handle_response(assume_role_ok(&role, "ASIA", NOW + HOUR), NOW);
    assert!(matches!(again, Err(Error::Misuse(_))));
}

#[test]
fn response_while_prompting_is_misuse() {
    let mut admin = hop(&role_arn(ACCOUNT_A, "admin"));
    admin.mfa_serial = Some(MfaSerial::Ask);
    let mut session = Session::new(plan(vec![admin], vec![None]), NOW, 1);
    assert_eq!(session.poll(NOW), Action::PromptMfa(None));
    let response = session.handle_response(response(200, ""), NOW);
    assert!(matches!(response, Err(Error::Misuse(_))));
    assert_eq!(session.poll(NOW), Action::PromptMfa(None));
}

#[test]
fn caller_account_mismatch_fails_target() {
    let role = role_arn(ACCOUNT_A, "audit");
    let other = role_arn(ACCOUNT_B, "other");
    let mut session = Session::new(
        plan(
            vec![],
            vec![Some(role_option(&role)), Some(role_option(&other))],
        ),
        NOW,
        1,
    );
    answer_assume_role(&mut session, NOW, "ASIAAUDIT", NOW + HOUR);
    answer_caller_identity(
        &mut session,
        NOW,
        "arn:aws:sts::999999999999:assumed-role/audit/s",
    );
    let failure = expect_target_failed(&mut session, NOW);
    assert_eq!(failure.index, 0);
    let message = failure.error.to_string();
    assert!(message.contains("999999999999"), "{message}");
    assert!(message.contains(ACCOUNT_A), "{message}");

    answer_assume_role(&mut session, NOW, "ASIAOTHER", NOW + HOUR);
    answer_caller_identity(&mut session, NOW, &assumed_arn(&other));
    assert_eq!(expect_ready(&mut session, NOW).index, 1);
    assert_eq!(session.poll(NOW), Action::Done);
}

#[test]
fn verify_identity_off_sends_no_caller_identity() {
    let role = role_arn(ACCOUNT_A, "audit");
    let mut plan = plan(vec![], vec![Some(role_option(&role))]);
    plan.verify_identity = false;
    let mut session = Session::new(plan, NOW, 1);
    answer_assume_role(&mut session, NOW, "ASIAAUDIT", NOW + HOUR);
    let ready = expect_ready(&mut session, NOW);
    assert_eq!(ready.caller_arn, None);
    assert_eq!(ready.credentials.account_id.as_deref(), Some(ACCOUNT_A));
    assert_eq!(session.poll(NOW), Action::Done);
}

#[test]
fn root_target_reports_caller() {
    let mut session = Session::new(plan(vec![], vec![None]), NOW, 1);
    let request = answer_caller_identity(&mut session, NOW, "arn:aws:iam::111111111111:user/alice");
    assert_eq!(signing_key_id(&request), ROOT_KEY);
    let ready = expect_ready(&mut session, NOW);
    assert_eq!(ready.role_arn, None);
    assert_eq!(
        ready.caller_arn.as_deref(),
        Some("arn:aws:iam::111111111111:user/alice")
    );
    assert_eq!(ready.credentials.access_key_id, ROOT_KEY);
    assert_eq!(
        ready.credentials.account_id.as_deref(),
        Some("111111111111")
    );
}

#[test]
fn empty_environment_fails_before_sending() {
    let mut plan = plan(vec![hop(&role_arn(ACCOUNT_A, "audit"))], vec![None]);
    plan.base.root = Root::Environment {
        credentials: Credentials::new("", ""),
    };
    let mut session = Session::new(plan, NOW, 1);
    let action = session.poll(NOW);
    assert!(
        matches!(action, Action::Failed(Error::NoSourceCredentials(_))),
        "{action:?}"
    );
}

#[test]
fn environment_session_token_signs() {
    let mut plan = plan(vec![hop(&role_arn(ACCOUNT_A, "audit"))], vec![None]);
    plan.base.root = Root::Environment {
        credentials: Credentials::new("ASIAENV", "env-secret").with_session_token("env-token"),
    };
    let mut session = Session::new(plan, NOW, 1);
    let request = expect_http(&mut session, NOW);
    assert_eq!(signing_key_id(&request), "ASIAENV");
    assert_eq!(header(&request, "x-amz-security-token"), Some("env-token"));
}

#[test]
fn malformed_success_fails_step() {
    let role = role_arn(ACCOUNT_A, "audit");
    let mut session = Session::new(plan(vec![hop(&role)], vec![None]), NOW, 1);
    let _ = expect_http(&mut session, NOW);
    let body = "<AssumeRoleResponse><AssumeRoleResult><Credentials>\
                <AccessKeyId>ASIA</AccessKeyId><SecretAccessKey>hidden-secret</SecretAccessKey>\
                </Credentials></AssumeRoleResult></AssumeRoleResponse>";
    session.handle_response(response(200, body), NOW).unwrap();
    let Action::Failed(Error::MalformedResponse(message)) = session.poll(NOW) else {
        panic!("expected a malformed response failure");
    };
    assert!(message.contains("SessionToken"), "{message}");
    assert!(!message.contains("hidden-secret"), "{message}");
}

#[test]
fn truncated_xml_fails_target() {
    let role = role_arn(ACCOUNT_A, "audit");
    let mut session = Session::new(plan(vec![], vec![Some(role_option(&role))]), NOW, 1);
    let _ = expect_http(&mut session, NOW);
    session
        .handle_response(response(200, "<AssumeRoleResponse><AssumeRoleResult>"), NOW)
        .unwrap();
    let failure = expect_target_failed(&mut session, NOW);
    assert!(matches!(failure.error, Error::MalformedResponse(_)));
    assert_eq!(session.poll(NOW), Action::Done);
}

#[test]
fn secrets_stay_out_of_debug_and_errors() {
    let mut admin = hop(&role_arn(ACCOUNT_A, "admin"));
    admin.mfa_serial = Some(MfaSerial::Known(MFA_SERIAL.into()));
    let target = role_arn(ACCOUNT_B, "target");
    let mut plan = plan(vec![admin], vec![Some(role_option(&target))]);
    plan.base.root = Root::Environment {
        credentials: Credentials::new("ASIAENV", ROOT_SECRET).with_session_token("env-token-value"),
    };
    let mut session = Session::new(plan, NOW, 1);
    let mut seen = Vec::new();

    seen.push(format!("{:?}", session.poll(NOW)));
    session
        .handle_mfa(MFA_SERIAL.into(), MFA_CODE.into())
        .unwrap();
    seen.push(format!("{session:?}"));
    let action = session.poll(NOW);
    seen.push(format!("{action:?}"));
    seen.push(format!("{session:?}"));
    session
        .handle_response(
            assume_role_ok(&role_arn(ACCOUNT_A, "admin"), "ASIAADMIN", NOW + HOUR),
            NOW,
        )
        .unwrap();
    let action = session.poll(NOW);
    seen.push(format!("{action:?}"));
    session
        .handle_response(error_response(403, "AccessDenied", "denied"), NOW)
        .unwrap();
    let action = session.poll(NOW);
    seen.push(format!("{action:?}"));
    if let Action::TargetFailed(failure) = &action {
        seen.push(failure.error.to_string());
    }
    seen.push(format!("{session:?}"));

    for text in &seen {
        for secret in [
            ROOT_SECRET,
            "env-token-value",
            MFA_CODE,
            "ASIAADMIN-secret",
            "ASIAADMIN-token",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
    }
    // The requests themselves carry the token where the protocol puts it.
    assert!(seen.iter().any(|t| t.contains("x-amz-security-token")));
}

#[test]
fn ready_credentials_debug_redacts() {
    let role = role_arn(ACCOUNT_A, "audit");
    let mut plan = plan(vec![], vec![Some(role_option(&role))]);
    plan.verify_identity = false;
    let mut session = Session::new(plan, NOW, 1);
    answer_assume_role(&mut session, NOW, "ASIAAUDIT", NOW + HOUR);
    let text = format!("{:?}", session.poll(NOW));
    assert!(text.contains("ASIAAUDIT"), "{text}");
    assert!(!text.contains("ASIAAUDIT-secret"), "{text}");
    assert!(!text.contains("ASIAAUDIT-token"), "{text}");
}

// ---- roots that need I/O, through a fake fetch ----

/// A root that reads one file and returns its contents as the secret key.
#[derive(Debug, Default)]
struct FileRoot {
    contents: Option<String>,
    failed: Option<String>,
}

impl RootFetch for FileRoot {
    fn poll(&mut self, _now: i64) -> RootPoll {
        if let Some(message) = &self.failed {
            return RootPoll::Failed(Error::Other(format!("reading the token failed: {message}")));
        }
        match &self.contents {
            None => RootPoll::Action(RootAction::ReadFile("/token".into())),
            Some(contents) => RootPoll::Ready(Credentials::new("AKIAFILE", contents.trim())),
        }
    }

    fn handle(&mut self, input: RootInput, _now: i64) {
        match input {
            RootInput::File(contents) => self.contents = Some(contents),
            RootInput::IoError(message) => self.failed = Some(message),
            _ => self.failed = Some("unexpected input".into()),
        }
    }
}

fn start_file_root(_root: &Root, _now: i64) -> Option<Box<dyn RootFetch>> {
    Some(Box::new(FileRoot::default()))
}

fn sso_plan() -> rolechain::plan::model::Plan {
    let mut plan = plan(vec![hop(&role_arn(ACCOUNT_A, "audit"))], vec![None]);
    plan.base.root = Root::CredentialProcess {
        profile: "tool".into(),
        command: "tool --json".into(),
        account_id: None,
    };
    plan
}

#[test]
fn root_fetch_reads_file() {
    let mut session = Session::with_root_starter(sso_plan(), NOW, 1, start_file_root);
    assert_eq!(session.poll(NOW), Action::ReadFile("/token".into()));
    let wrong = session.handle_response(response(200, ""), NOW);
    assert!(matches!(wrong, Err(Error::Misuse(_))));
    session.handle_file("file-secret\n".into()).unwrap();
    let request = expect_http(&mut session, NOW);
    assert_eq!(signing_key_id(&request), "AKIAFILE");
}

#[test]
fn root_fetch_failure_is_base_failure() {
    let mut session = Session::with_root_starter(sso_plan(), NOW, 1, start_file_root);
    assert_eq!(session.poll(NOW), Action::ReadFile("/token".into()));
    session.handle_io_error("no such file".into()).unwrap();
    let action = session.poll(NOW);
    let Action::Failed(error) = &action else {
        panic!("expected Failed, got {action:?}");
    };
    assert!(error.to_string().contains("no such file"));
    assert_eq!(session.poll(NOW), action);
}

#[test]
fn unsupported_root_fails() {
    fn no_fetch(_root: &Root, _now: i64) -> Option<Box<dyn RootFetch>> {
        None
    }
    let mut session = Session::with_root_starter(sso_plan(), NOW, 1, no_fetch);
    assert!(matches!(session.poll(NOW), Action::Failed(Error::Other(_))));
}

#[test]
fn empty_targets_end_after_base() {
    let role = role_arn(ACCOUNT_A, "audit");
    let mut session = Session::new(plan(vec![hop(&role)], vec![]), NOW, 1);
    answer_assume_role(&mut session, NOW, "ASIAAUDIT", NOW + HOUR);
    assert_eq!(session.poll(NOW), Action::Done);
}

#[test]
fn credential_process_root_runs_process() {
    let mut session = Session::new(sso_plan(), NOW, 1);
    let action = session.poll(NOW);
    assert_eq!(
        action,
        Action::RunProcess(vec!["tool".into(), "--json".into()])
    );
    let file = session.handle_file(String::new());
    assert!(matches!(file, Err(Error::Misuse(_))));
    let stdout =
        r#"{"Version": 1, "AccessKeyId": "AKIAPROCESS", "SecretAccessKey": "process-secret"}"#;
    session
        .handle_process_output(stdout.into(), String::new(), 0)
        .unwrap();
    let request = expect_http(&mut session, NOW);
    assert_eq!(sts_action(&request), "AssumeRole");
    assert_eq!(signing_key_id(&request), "AKIAPROCESS");
}

/// A root that waits until `NOW + 250` before its credentials are ready.
#[derive(Debug)]
struct SlowRoot;

impl RootFetch for SlowRoot {
    fn poll(&mut self, now: i64) -> RootPoll {
        if now < NOW + 250 {
            RootPoll::Wait(NOW + 250)
        } else {
            RootPoll::Ready(Credentials::new("AKIASLOW", "slow-secret"))
        }
    }

    fn handle(&mut self, _input: RootInput, _now: i64) {}
}

#[test]
fn root_wait_becomes_session_wait() {
    fn start(_root: &Root, _now: i64) -> Option<Box<dyn RootFetch>> {
        Some(Box::new(SlowRoot))
    }
    let mut session = Session::with_root_starter(sso_plan(), NOW, 1, start);
    assert_eq!(session.poll(NOW), Action::Wait(NOW + 250));
    // A wait needs no answer.
    assert!(matches!(
        session.handle_io_error("x".into()),
        Err(Error::Misuse(_))
    ));
    let request = expect_http(&mut session, NOW + 250);
    assert_eq!(signing_key_id(&request), "AKIASLOW");
}

// ---- credentials that are already expired ----

/// `NOW` in RFC 3339, as expiry messages show it.
const NOW_RFC3339: &str = "2023-11-14T22:13:20Z";

/// Polls and expects `Failed`, returning its message.
fn expect_failed(session: &mut Session, now: i64) -> String {
    match session.poll(now) {
        Action::Failed(error) => error.to_string(),
        other => panic!("expected Failed, got {other:?}"),
    }
}

#[test]
fn expired_hop_credentials_fail_base() {
    let role = role_arn(ACCOUNT_A, "audit");
    let mut session = Session::new(plan(vec![hop(&role)], vec![None]), NOW, 1);
    // Expiring exactly at `now` counts as expired.
    answer_assume_role(&mut session, NOW, "ASIAOLD", NOW);
    let message = expect_failed(&mut session, NOW);
    assert!(message.contains(&format!("role `{role}`")), "{message}");
    assert!(
        message.contains(&format!("expired at {NOW_RFC3339}")),
        "{message}"
    );
    assert!(message.contains("check the host clock"), "{message}");
}

#[test]
fn expired_target_credentials_fail_target() {
    let role = role_arn(ACCOUNT_A, "audit");
    let mut session = Session::new(plan(vec![], vec![Some(role_option(&role))]), NOW, 1);
    answer_assume_role(&mut session, NOW, "ASIAOLD", NOW - HOUR);
    let failed = expect_target_failed(&mut session, NOW);
    let message = failed.error.to_string();
    assert!(message.contains("AssumeRole for `--role"), "{message}");
    assert!(
        message.contains("expired at 2023-11-14T21:13:20Z"),
        "{message}"
    );
    assert_eq!(session.poll(NOW), Action::Done);
}

#[test]
fn expired_session_token_fails_base() {
    let mut target = role_option(&role_arn(ACCOUNT_A, "audit"));
    target.mfa_serial = Some(MfaSerial::Known(MFA_SERIAL.into()));
    target.mfa_from_session = true;
    let mut plan = plan(vec![], vec![Some(target)]);
    plan.base.session_token = Some(session_token_step(MfaSerial::Known(MFA_SERIAL.into())));
    let mut session = Session::new(plan, NOW, 1);

    assert!(matches!(session.poll(NOW), Action::PromptMfa(Some(_))));
    session
        .handle_mfa(MFA_SERIAL.into(), MFA_CODE.into())
        .unwrap();
    let request = expect_http(&mut session, NOW);
    assert_eq!(sts_action(&request), "GetSessionToken");
    session
        .handle_response(session_token_ok("ASIAOLD", NOW - MINUTE), NOW)
        .unwrap();
    let message = expect_failed(&mut session, NOW);
    assert!(
        message.contains("from GetSessionToken expired"),
        "{message}"
    );
    assert!(!message.contains(MFA_CODE), "{message}");
}

/// A root whose credentials expired an hour before `NOW`.
#[derive(Debug)]
struct ExpiredRoot;

impl RootFetch for ExpiredRoot {
    fn poll(&mut self, _now: i64) -> RootPoll {
        let mut credentials = Credentials::new("ASIASTALE", "stale-secret");
        credentials.expiration = Some(NOW - HOUR);
        RootPoll::Ready(credentials)
    }

    fn handle(&mut self, _input: RootInput, _now: i64) {}
}

#[test]
fn expired_root_credentials_fail_base() {
    fn start(_root: &Root, _now: i64) -> Option<Box<dyn RootFetch>> {
        Some(Box::new(ExpiredRoot))
    }
    let mut session = Session::with_root_starter(sso_plan(), NOW, 1, start);
    let message = expect_failed(&mut session, NOW);
    assert!(
        message.contains("from credential_process of profile `tool` expired at"),
        "{message}"
    );
    assert!(!message.contains("stale-secret"), "{message}");
}

#[test]
fn credentials_expiring_after_now_are_ready() {
    let role = role_arn(ACCOUNT_A, "audit");
    let mut plan = plan(vec![], vec![Some(role_option(&role))]);
    plan.verify_identity = false;
    let mut session = Session::new(plan, NOW, 1);
    // One second after `now`: STS timestamps have whole seconds.
    answer_assume_role(&mut session, NOW, "ASIANEW", NOW + 1_000);
    let ready = expect_ready(&mut session, NOW);
    assert_eq!(ready.credentials.access_key_id, "ASIANEW");
}
