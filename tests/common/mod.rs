//! Helpers shared by the integration tests: where the test vectors are, and
//! the SigV4 case runner.

// Each test crate includes this module and uses only part of it.
#![allow(dead_code)]

pub mod sigv4_cases;

use std::env;
use std::path::{Path, PathBuf};

/// Where each vector folder comes from, for the message shown when it is
/// missing.
const UPSTREAM: &[(&str, &str)] = &[
    (
        "sigv4/aws-signing-test-suite-v4",
        "https://github.com/smithy-lang/smithy-rs, folder \
         aws/rust-runtime/aws-sigv4/aws-signing-test-suite/v4/ at commit \
         56ee88c5c6edd967967656f1e29f46b229105e79 (itself from awslabs/aws-c-auth v0.9.0, \
         tests/aws-signing-test-suite)",
    ),
    (
        "sigv4/aws4-testsuite-legacy",
        "https://github.com/boto/botocore, folder tests/unit/auth/aws4_testsuite/ at commit \
         0e6e2404b85dc336dd2889814e089bde7d1a4c55",
    ),
    (
        "sigv4/s3-documentation-examples.json",
        "the two worked examples of the Amazon S3 API Reference ('Examples: Signature \
         Calculations in AWS Signature Version 4', GET Object with a Range header, and \
         'Authenticating Requests: Using Query Parameters', a presigned GET valid for \
         86400 s), written out as JSON",
    ),
    (
        "aws-config",
        "https://github.com/smithy-lang/smithy-rs, folders \
         aws/rust-runtime/aws-runtime/test-data/ (profile parser, file locations) and \
         aws/rust-runtime/aws-config/test-data/ (the rest) at commit \
         56ee88c5c6edd967967656f1e29f46b229105e79",
    ),
    (
        "sts-endpoints",
        "https://github.com/boto/botocore, file \
         tests/functional/endpoint-rules/sts/endpoint-tests-1.json at commit \
         0e6e2404b85dc336dd2889814e089bde7d1a4c55",
    ),
];

/// Returns the path of `relative` (such as `sigv4/aws4-testsuite-legacy`)
/// inside the test vectors folder: `$ROLECHAIN_VECTORS`, or else
/// `../shared/vectors` next to the workspace root.
///
/// When the path does not exist and `CI` is set, panics, so that a CI run
/// never passes without the vectors. Without `CI`, prints a warning to
/// stderr and returns `None`, and the calling test returns early.
pub fn vectors_dir(relative: &str) -> Option<PathBuf> {
    let root = match env::var_os("ROLECHAIN_VECTORS") {
        Some(path) => PathBuf::from(path),
        None => workspace_root().join("../shared/vectors"),
    };
    let path = root.join(relative);
    if path.exists() {
        return Some(path);
    }

    let source = UPSTREAM
        .iter()
        .find(|(prefix, _)| relative.starts_with(prefix))
        .map_or(
            "the public originals listed in the README",
            |(_, source)| source,
        );
    let message = format!(
        "test vectors not found at `{}`: set ROLECHAIN_VECTORS to the vectors folder, \
         or copy `{relative}` there from {source}",
        path.display()
    );
    if env::var_os("CI").is_some() {
        panic!("{message}");
    }
    let rule = "!".repeat(72);
    eprintln!("\n{rule}\nSKIPPED, not passed: {message}\n{rule}\n");
    None
}

/// Returns the nearest folder above the including crate whose `Cargo.toml` has a
/// `[workspace]` table, so crates inside the workspace find the same
/// vectors.
fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .ancestors()
        .find(|dir| {
            std::fs::read_to_string(dir.join("Cargo.toml"))
                .is_ok_and(|text| text.lines().any(|line| line.trim() == "[workspace]"))
        })
        .unwrap_or(manifest_dir)
        .to_path_buf()
}
