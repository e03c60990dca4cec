//! Timings of the component through wasmtime: compiling and instantiating
//! it, and calls across the component boundary. Prints one JSON object per
//! line for `scripts/bench.sh`; nothing is asserted.

use std::hint::black_box;

#[path = "../../../benches/support/measure.rs"]
mod measure;

use measure::measure;

use rolechain_cli::runtime::planning::{AssumeRoleOptions, InputFile, PlanInput, Platform};
use rolechain_cli::runtime::signing::SigningOptions;
use rolechain_cli::runtime::types::{Credentials, HttpRequest};
use rolechain_cli::runtime::{self, Runtime};

fn example(name: &str) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/aws/");
    std::fs::read_to_string(format!("{path}{name}")).expect("the bundled example exists")
}

fn main() {
    println!(
        "{{\"bench\": \"component size\", \"bytes\": {}}}",
        runtime::COMPONENT_BYTES.len()
    );
    let engine = runtime::engine().unwrap();
    measure("component: compile with cranelift", 3000, || {
        black_box(runtime::component(&engine).unwrap());
    });
    measure(
        "component: instantiate (compiled once per process)",
        500,
        || {
            black_box(Runtime::new().unwrap());
        },
    );

    let mut rt = Runtime::new().unwrap();
    let credentials = Credentials {
        access_key_id: "AKIDEXAMPLE".into(),
        secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
        session_token: None,
        expiration: None,
        account_id: None,
    };
    let request = HttpRequest {
        method: "POST".into(),
        url: "https://sts.us-east-1.amazonaws.com/".into(),
        headers: vec![(
            "content-type".into(),
            "application/x-www-form-urlencoded; charset=utf-8".into(),
        )],
        body: b"Action=GetCallerIdentity&Version=2011-06-15".to_vec(),
    };
    let options: SigningOptions = rt
        .guest
        .rolechain_aws_signing()
        .call_default_options(&mut rt.store, "us-east-1", "sts", 1_440_938_160_000)
        .unwrap();
    measure("component: sign an STS POST", 500, || {
        let signed = rt
            .guest
            .rolechain_aws_signing()
            .call_sign(&mut rt.store, &request, &credentials, &options)
            .unwrap();
        black_box(signed.unwrap());
    });

    let input = PlanInput {
        config_file: Some(InputFile {
            path: "config".into(),
            text: example("config"),
        }),
        credentials_file: Some(InputFile {
            path: "credentials".into(),
            text: example("credentials"),
        }),
        environment: vec![("AWS_EC2_METADATA_DISABLED".into(), "true".into())],
        now: 1_440_938_160_000,
        platform: Platform::Unix,
        profile: Some("member-account".into()),
        roles: Vec::new(),
        duration_seconds: None,
        external_id: None,
        role_session_name: None,
        mfa: false,
        mfa_serial: None,
        region: None,
        endpoint_url: None,
        verify_identity: true,
        assume_role_options: AssumeRoleOptions {
            policy: None,
            policy_arns: Vec::new(),
            tags: Vec::new(),
            transitive_tag_keys: Vec::new(),
            source_identity: None,
        },
    };
    measure("component: resolve a two-hop plan", 500, || {
        let plan = rt.resolve(&input).unwrap();
        black_box(plan);
    });
}
