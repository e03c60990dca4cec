//! Timings of the native core: signing, planning and profile parsing.
//!
//! A plain harness (no criterion), so `cargo bench` builds quickly. Each
//! line of output is one JSON object, which `scripts/bench.sh` turns into
//! `bench/RESULTS.md`. Nothing here is asserted: timings vary by machine.

use std::hint::black_box;

#[path = "support/measure.rs"]
mod measure;

use measure::measure;

use rolechain::plan::{self, InputFile, PlanInput};
use rolechain::profile::{self, SourceFile};
use rolechain::sigv4::{self, Signer, SigningOptions};
use rolechain::{Credentials, HttpRequest};

fn example(name: &str) -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/aws/");
    std::fs::read_to_string(format!("{path}{name}")).expect("the bundled example exists")
}

fn main() {
    let credentials = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    let request = HttpRequest {
        method: "POST".into(),
        url: "https://sts.us-east-1.amazonaws.com/".into(),
        headers: vec![(
            "content-type".into(),
            "application/x-www-form-urlencoded; charset=utf-8".into(),
        )],
        body: b"Action=GetCallerIdentity&Version=2011-06-15".to_vec(),
    };
    let options = SigningOptions::new("us-east-1", "sts", 1_440_938_160_000);
    measure("sign: STS POST, header", 300, || {
        black_box(sigv4::sign(black_box(&request), &credentials, &options).unwrap());
    });

    let mut signer = Signer::new(credentials.clone());
    measure("sign: STS POST, cached signing key", 300, || {
        black_box(signer.sign(black_box(&request), &options).unwrap());
    });

    let presign = SigningOptions {
        presign_expires: Some(900),
        ..SigningOptions::s3("us-east-1", 1_440_938_160_000)
    };
    let get = HttpRequest {
        method: "GET".into(),
        url: "https://examplebucket.s3.amazonaws.com/test.txt".into(),
        ..HttpRequest::default()
    };
    measure("sign: S3 presigned URL", 300, || {
        black_box(sigv4::sign(black_box(&get), &credentials, &presign).unwrap());
    });

    let config = example("config");
    let credentials_text = example("credentials");
    measure("profile: parse and merge the example files", 300, || {
        let set = profile::load(
            Some(SourceFile {
                path: Some("config"),
                text: &config,
            }),
            Some(SourceFile {
                path: Some("credentials"),
                text: &credentials_text,
            }),
        );
        black_box(set.unwrap());
    });

    let input = PlanInput {
        config_file: Some(InputFile {
            path: "config".into(),
            text: config.clone(),
        }),
        credentials_file: Some(InputFile {
            path: "credentials".into(),
            text: credentials_text.clone(),
        }),
        environment: vec![("AWS_EC2_METADATA_DISABLED".into(), "true".into())],
        now: 1_440_938_160_000,
        profile: Some("member-account".into()),
        ..PlanInput::default()
    };
    measure("plan: two-hop profile chain", 300, || {
        black_box(plan::plan(black_box(&input)).unwrap());
    });
}
