//! `rolechain sign`: signs one JSON request per stdin line.
//!
//! All signing happens in the component; this module only reads lines,
//! converts JSON to WIT values and prints the results.

use std::io::{self, BufRead, Write};

use base64::Engine as _;
use clap::Args;
use serde::Deserialize;
use serde_json::json;

use crate::args::PlanningArgs;
use crate::cli_error::{self, CliError};
use crate::clock;
use crate::commands;
use crate::driver::{self, DriverOptions, TargetOutcome};
use crate::prompt::Prompter;
use crate::runtime::signing::{PathEncoding, Payload, SessionTokenMode, SigningOptions};
use crate::runtime::types::{Credentials, HttpRequest};
use crate::runtime::{trap, Runtime};

#[derive(Args, Debug)]
pub struct SignArgs {
    /// Planning flags: with `--profile` or one `--role`, sign with that
    /// chain's credentials instead of the `AWS_*` keys. `--region` is also
    /// the signing region (default `AWS_REGION`, then `AWS_DEFAULT_REGION`).
    #[command(flatten)]
    planning: PlanningArgs,
    /// The service's signing name, such as `sts`, `execute-api` or `s3`.
    #[arg(long)]
    service: Option<String>,
    /// The signing time, `20150830T123600Z` or RFC 3339; defaults to now.
    #[arg(long)]
    time: Option<String>,
    /// Presign the URL for this many seconds (1 to 604800) instead of adding
    /// an `Authorization` header.
    #[arg(long, value_name = "SECONDS")]
    presign: Option<u32>,
    /// Use S3's rules: single path encoding, no normalization, and a signed
    /// `x-amz-content-sha256`; implies `--service s3`.
    #[arg(long)]
    s3: bool,
    /// Sign `UNSIGNED-PAYLOAD` instead of the body's hash.
    #[arg(long)]
    unsigned_payload: bool,
    /// Sign the path exactly as on the wire, without encoding it again.
    #[arg(long)]
    single_encode: bool,
    /// Leave `.` and `..` segments and repeated slashes in the path.
    #[arg(long)]
    no_normalize: bool,
    /// Add the session token after signing, unsigned.
    #[arg(long)]
    token_after_signing: bool,
    /// A header to leave unsigned, in addition to the default list; repeatable.
    #[arg(long, value_name = "NAME")]
    unsigned_header: Vec<String>,
}

/// One input line.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestLine {
    method: String,
    url: String,
    #[serde(default)]
    headers: Vec<(String, String)>,
    body: Option<String>,
    body_base64: Option<String>,
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn credentials_from_env() -> Result<Credentials, CliError> {
    match (
        env_var("AWS_ACCESS_KEY_ID"),
        env_var("AWS_SECRET_ACCESS_KEY"),
    ) {
        (Some(access_key_id), Some(secret_access_key)) => Ok(Credentials {
            access_key_id,
            secret_access_key,
            session_token: env_var("AWS_SESSION_TOKEN"),
            expiration: None,
            account_id: None,
        }),
        _ => Err(CliError::failed(
            "`AWS_ACCESS_KEY_ID` is set but `AWS_SECRET_ACCESS_KEY` is missing: set both",
        )),
    }
}

fn signing_options(args: &SignArgs, time: i64) -> Result<SigningOptions, CliError> {
    let region = args
        .planning
        .region
        .clone()
        .or_else(|| env_var("AWS_REGION"))
        .or_else(|| env_var("AWS_DEFAULT_REGION"))
        .ok_or_else(|| CliError::invalid("missing region: pass `--region` or set `AWS_REGION`"))?;
    let service = match (&args.service, args.s3) {
        (Some(service), _) => service.clone(),
        (None, true) => "s3".to_string(),
        (None, false) => {
            return Err(CliError::invalid(
                "missing service: pass `--service NAME` (such as `sts`) or `--s3`",
            ))
        }
    };
    let mut options = SigningOptions {
        region,
        service,
        time,
        presign_expires: args.presign,
        path_encoding: PathEncoding::Double,
        normalize_path: true,
        payload: Payload::HashBody,
        content_sha256_header: false,
        session_token_mode: SessionTokenMode::Signed,
        unsigned_headers: args.unsigned_header.clone(),
    };
    if args.s3 {
        options.path_encoding = PathEncoding::Single;
        options.normalize_path = false;
        // A presigned URL cannot carry the header; S3 presigns
        // `UNSIGNED-PAYLOAD` instead.
        options.content_sha256_header = args.presign.is_none();
        if args.presign.is_some() {
            options.payload = Payload::Unsigned;
        }
    }
    if args.single_encode {
        options.path_encoding = PathEncoding::Single;
    }
    if args.no_normalize {
        options.normalize_path = false;
    }
    if args.unsigned_payload {
        options.payload = Payload::Unsigned;
    }
    if args.token_after_signing {
        options.session_token_mode = SessionTokenMode::AfterSigning;
    }
    Ok(options)
}

fn parse_line(text: &str) -> Result<HttpRequest, String> {
    let line: RequestLine =
        serde_json::from_str(text).map_err(|e| format!("invalid request JSON: {e}"))?;
    let body = match (line.body, line.body_base64) {
        (Some(_), Some(_)) => return Err("give `body` or `body_base64`, not both".into()),
        (Some(text), None) => text.into_bytes(),
        (None, Some(encoded)) => base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .map_err(|e| format!("invalid `body_base64`: {e}"))?,
        (None, None) => Vec::new(),
    };
    Ok(HttpRequest {
        method: line.method,
        url: line.url,
        headers: line.headers,
        body,
    })
}

/// Replaces the session token in debugging text, so that it shows only in
/// the header or query parameter where the protocol puts it.
fn redact_token(text: &str, token: Option<&str>) -> String {
    match token {
        Some(token) if !token.is_empty() => {
            let encoded: String = token
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                        (b as char).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            // The canonical header value is trimmed with inner runs of
            // spaces collapsed, so that form is replaced too.
            let collapsed = token.split_whitespace().collect::<Vec<_>>().join(" ");
            text.replace(token, "<session-token>")
                .replace(&encoded, "<session-token>")
                .replace(&collapsed, "<session-token>")
        }
        _ => text.to_string(),
    }
}

/// Runs `rolechain sign` with credentials from the environment.
pub fn run(args: SignArgs) -> Result<u8, CliError> {
    if let Some(seconds) = args.presign {
        if !(1..=604_800).contains(&seconds) {
            return Err(CliError::invalid(format!(
                "invalid `--presign` value `{seconds}`: expected 1 to 604800 seconds"
            )));
        }
    }
    let time = match &args.time {
        Some(text) => clock::parse_time(text).map_err(CliError::invalid)?,
        None => clock::now_millis(),
    };
    let options = signing_options(&args, time)?;
    let mut runtime = Runtime::new()?;
    let use_chain = args.planning.selects_chain() || env_var("AWS_ACCESS_KEY_ID").is_none();
    let credentials = if use_chain {
        chain_credentials(&mut runtime, &args.planning)?
    } else {
        credentials_from_env()?
    };
    sign_lines(&mut runtime, &options, &credentials)
}

/// Runs the chain for `sign`, which allows one target and asks for MFA on
/// the terminal only, because stdin carries the requests.
fn chain_credentials(
    runtime: &mut Runtime,
    planning: &PlanningArgs,
) -> Result<Credentials, CliError> {
    if planning.roles.len() > 1 {
        return Err(CliError::invalid(format!(
            "`sign` takes at most one `--role`, but {} were given",
            planning.roles.len()
        )));
    }
    let plan = commands::resolve(runtime, planning)?;
    let prompter = Prompter::TerminalOnly;
    if runtime.needs_mfa(plan)? && !prompter.available() {
        return Err(CliError::invalid(
            "the chain needs an MFA code, but there is no terminal to ask on (`sign` reads \
             requests from stdin): run it from a terminal, or use `rolechain exec` or \
             `assume --output env` first",
        ));
    }
    for warning in runtime.warnings(plan)? {
        eprintln!("warning: {warning}");
    }
    let options = DriverOptions::new(false, prompter);
    match driver::run(runtime, plan, &options)?.into_iter().next() {
        Some(TargetOutcome::Ready(ready)) => Ok(ready.credentials),
        Some(TargetOutcome::Failed(failed)) => {
            Err(cli_error::from_component(&failed.error).into_failure())
        }
        None => Err(CliError::failed("the session reported no target")),
    }
}

/// Signs every stdin line with `credentials`; returns the exit code.
pub fn sign_lines(
    runtime: &mut Runtime,
    options: &SigningOptions,
    credentials: &Credentials,
) -> Result<u8, CliError> {
    let signing = runtime.guest.rolechain_aws_signing();
    let signer = signing
        .signer()
        .call_constructor(&mut runtime.store, credentials)
        .map_err(trap)?;

    let stdin = io::stdin();
    let mut input = stdin.lock();
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let mut exit = 0;
    let mut number = 0;
    loop {
        let mut bytes = Vec::new();
        let read = input
            .read_until(b'\n', &mut bytes)
            .map_err(|e| CliError::failed(format!("cannot read stdin: {e}")))?;
        if read == 0 {
            break;
        }
        number += 1;
        if bytes.ends_with(b"\n") {
            bytes.pop();
            if bytes.ends_with(b"\r") {
                bytes.pop();
            }
        }
        let result = match String::from_utf8(bytes) {
            Ok(line) => match parse_line(&line) {
                Ok(request) => signing
                    .signer()
                    .call_sign(&mut runtime.store, signer, &request, options)
                    .map_err(trap)?
                    .map_err(|e| cli_error::describe(&e)),
                Err(message) => Err(message),
            },
            Err(_) => Err("the line is not UTF-8 text: write JSON in UTF-8".to_string()),
        };
        let value = match result {
            Ok(signed) => {
                let token = credentials.session_token.as_deref();
                json!({
                    "method": signed.method,
                    "url": signed.url,
                    "headers": signed.headers,
                    "signature": signed.signature,
                    "canonical_request": redact_token(&signed.canonical_request, token),
                    "string_to_sign": signed.string_to_sign,
                })
            }
            Err(error) => {
                exit = cli_error::INVALID_INPUT;
                json!({"line": number, "error": error})
            }
        };
        writeln!(out, "{value}").map_err(|e| CliError::failed(format!("cannot write: {e}")))?;
    }
    signer.resource_drop(&mut runtime.store).map_err(trap)?;
    Ok(exit)
}
