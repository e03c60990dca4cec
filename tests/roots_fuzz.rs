//! Arbitrary input never panics the root state machines or the parsers
//! behind them.

use proptest::prelude::*;
use rolechain::plan::model::{ImdsConfig, SsoConfig, StsEndpoint, WebIdentityConfig};
use rolechain::roots::container::{self, ContainerFetch};
use rolechain::roots::imds::{self, ImdsFetch};
use rolechain::roots::process::{split_command, ProcessFetch};
use rolechain::roots::sso::SsoFetch;
use rolechain::roots::web_identity::WebIdentityFetch;
use rolechain::roots::{RootFetch, RootInput, RootPoll};
use rolechain::HttpResponse;

const NOW: i64 = 1_700_000_000_000;

/// Responds to every action with `answers` in turn (a file read gets the body
/// as text), waiting out retries, until the fetch ends or the answers run
/// out.
fn drive(fetch: &mut dyn RootFetch, answers: &[(u16, Vec<u8>)]) {
    let mut now = NOW;
    let mut answers = answers.iter();
    for _ in 0..50 {
        match fetch.poll(now) {
            RootPoll::Ready(_) | RootPoll::Failed(_) => return,
            RootPoll::Wait(until) => now = until,
            RootPoll::Action(action) => {
                let Some((status, body)) = answers.next() else {
                    return;
                };
                let input = match action {
                    rolechain::roots::RootAction::SendHttp(_) => {
                        RootInput::Response(HttpResponse {
                            status: *status,
                            headers: Vec::new(),
                            body: body.clone(),
                        })
                    }
                    rolechain::roots::RootAction::ReadFile(_) => {
                        RootInput::File(String::from_utf8_lossy(body).into_owned())
                    }
                    rolechain::roots::RootAction::RunProcess(_) => RootInput::ProcessOutput {
                        stdout: String::from_utf8_lossy(body).into_owned(),
                        stderr: String::from_utf8_lossy(body).into_owned(),
                        status: i32::from(*status) - 1,
                    },
                };
                fetch.handle(input, now);
            }
        }
    }
}

fn answers() -> impl Strategy<Value = Vec<(u16, Vec<u8>)>> {
    let status = prop_oneof![
        Just(200u16),
        Just(1u16),
        Just(404u16),
        Just(503u16),
        any::<u16>()
    ];
    let body = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..64),
        "[ -~]{0,64}".prop_map(String::into_bytes),
        Just(br#"{"Version":1,"AccessKeyId":"A","SecretAccessKey":"S","Expiration":"x"}"#.to_vec()),
        Just(br#"{"accessToken":"t","expiresAt":"2199-01-01T00:00:00Z"}"#.to_vec()),
        Just(b"<Credentials><Expiration>2021-13-99T00:00:00Z</Expiration></Credentials>".to_vec()),
    ];
    proptest::collection::vec((status, body), 0..6)
}

proptest! {
    #[test]
    fn split_command_never_panics(command in ".{0,64}") {
        let _ = split_command(&command);
    }

    #[test]
    fn endpoint_selection_never_panics(value in ".{0,40}", mode in ".{0,8}") {
        let env = vec![
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI".to_string(), value.clone()),
            ("AWS_EC2_METADATA_SERVICE_ENDPOINT".to_string(), value.clone()),
        ];
        let _ = container::config(&env);
        let _ = imds::endpoint(&env, Some(&value), Some(&mode));
    }

    #[test]
    fn machines_never_panic(answers in answers()) {
        let imds_config = ImdsConfig { endpoint: "http://169.254.169.254".into(), disabled: false };
        drive(&mut ImdsFetch::new(&imds_config), &answers);

        let env = vec![
            ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI".to_string(), "/c".to_string()),
            ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE".to_string(), "/t".to_string()),
        ];
        drive(&mut ContainerFetch::new(&container::config(&env)), &answers);

        let web = WebIdentityConfig {
            role_arn: "arn:aws:iam::123456789012:role/r".into(),
            web_identity_token_file: "/t".into(),
            role_session_name: "s".into(),
            sts: StsEndpoint { url: "https://sts.amazonaws.com".into(), signing_region: "us-east-1".into() },
        };
        drive(&mut WebIdentityFetch::new(&web), &answers);

        let sso = SsoConfig {
            profile: "p".into(),
            session_name: None,
            start_url: "https://x.awsapps.com/start".into(),
            region: "us-east-1".into(),
            account_id: "123456789012".into(),
            role_name: "r".into(),
            portal_endpoint: "https://portal.sso.us-east-1.amazonaws.com".into(),
            token_cache_file: "/c.json".into(),
        };
        drive(&mut SsoFetch::new(&sso), &answers);

        drive(&mut ProcessFetch::new("p", "creds", None), &answers);
    }
}
