//! Timings of the native core: signing, planning and profile parsing.
//!
//! A plain harness (no criterion), so `cargo bench` builds quickly. Each
//! line of output is one JSON object, which `scripts/bench.sh` turns into
//! `bench/RESULTS.md`. Nothing here is asserted: timings vary by machine.

use std::hint::black_box;
use std::time::Instant;

use rolechain::plan::{self, InputFile, PlanInput};
use rolechain::profile::{self, SourceFile};
use rolechain::sigv4::{self, Signer, SigningOptions};
use rolechain::{Credentials, HttpRequest};

/// Runs `f` in batches for about `budget_ms` and prints the median time per
/// call over the batches.
fn measure(name: &str, budget_ms: u128, mut f: impl FnMut()) {
    // Warm up, and size a batch to take about a millisecond.
    let started = Instant::now();
    let mut calls = 0u64;
    while started.elapsed().as_micros() < 1000 {
        f();
        calls += 1;
    }
    let batch = calls.max(1);
    let mut per_call = Vec::new();
    let started = Instant::now();
    while started.elapsed().as_millis() < budget_ms {
        let t = Instant::now();
        for _ in 0..batch {
            f();
        }
        per_call.push(t.elapsed().as_nanos() as f64 / batch as f64);
    }
    per_call.sort_by(|a, b| a.total_cmp(b));
    let median = per_call[per_call.len() / 2];
    println!(
        "{{\"bench\": \"{name}\", \"median_ns\": {median:.0}, \"batches\": {}, \"batch_size\": {batch}}}",
        per_call.len()
    );
}

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
