//! `plan`, `assume` and `exec`: gather inputs, run the component, print.

use std::process::Command;

use clap::{Args, ValueEnum};
use serde_json::{json, Map, Value};

use crate::args::{plan_input, PlanningArgs};
use crate::cli_error::{self, CliError};
use crate::clock;
use crate::driver::{self, DriverOptions, TargetOutcome};
use crate::prompt::Prompter;
use crate::runtime::planning::{RenderFormat, TargetCredentials};
use crate::runtime::types::Credentials;
use crate::runtime::{PlanHandle, Runtime};
use crate::serve;

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum PlanFormat {
    Text,
    Json,
}

#[derive(Args, Debug)]
pub struct PlanArgs {
    #[command(flatten)]
    pub planning: PlanningArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: PlanFormat,
    /// Add the signed first request, showing its signature but no secret.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// A summary for people, with the secrets masked.
    Text,
    /// The `credential_process` Version 1 JSON; one line per target.
    Json,
    /// `export` lines for a POSIX shell; one target only.
    Env,
}

#[derive(Args, Debug)]
pub struct AssumeArgs {
    #[command(flatten)]
    pub planning: PlanningArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub output: OutputFormat,
    /// Log each request on stderr (method, host, status, time taken).
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Args, Debug)]
pub struct ExecArgs {
    #[command(flatten)]
    pub planning: PlanningArgs,
    /// Log each request on stderr (method, host, status, time taken).
    #[arg(short, long)]
    pub verbose: bool,
    /// Keep the credentials fresh while the command runs: serve them on a
    /// loopback container credentials endpoint
    /// (`AWS_CONTAINER_CREDENTIALS_FULL_URI`) instead of static
    /// `AWS_ACCESS_KEY_ID` variables, and refresh them before they expire.
    #[arg(long)]
    pub refresh: bool,
    /// The command and its arguments, after `--`.
    #[arg(last = true, required = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

/// Resolves the plan for `args`, printing its warnings on stderr.
pub fn resolve(runtime: &mut Runtime, args: &PlanningArgs) -> Result<PlanHandle, CliError> {
    let input = plan_input(runtime, args)?;
    runtime.resolve(&input)
}

/// `rolechain plan`.
pub fn plan(args: PlanArgs) -> Result<u8, CliError> {
    let mut runtime = Runtime::new()?;
    let plan = resolve(&mut runtime, &args.planning)?;
    let format = match args.format {
        PlanFormat::Text => RenderFormat::Text,
        PlanFormat::Json => RenderFormat::Json,
    };
    let text = runtime.render(plan, format, args.dry_run, clock::now_millis())?;
    println!("{}", text.trim_end());
    Ok(0)
}

fn print_warnings(runtime: &mut Runtime, plan: PlanHandle) -> Result<(), CliError> {
    for warning in runtime.warnings(plan)? {
        eprintln!("warning: {warning}");
    }
    Ok(())
}

/// Returns the account of an ARN such as `arn:aws:iam::123456789012:role/X`.
fn arn_account(arn: &str) -> Option<String> {
    let account = arn.split(':').nth(4)?;
    (!account.is_empty()).then(|| account.to_string())
}

fn account_of(ready: &TargetCredentials) -> Option<String> {
    ready
        .credentials
        .account_id
        .clone()
        .or_else(|| ready.caller_arn.as_deref().and_then(arn_account))
        .or_else(|| ready.role_arn.as_deref().and_then(arn_account))
}

fn credential_process_json(credentials: &Credentials) -> Map<String, Value> {
    let mut object = Map::new();
    object.insert("Version".into(), json!(1));
    object.insert("AccessKeyId".into(), json!(credentials.access_key_id));
    object.insert(
        "SecretAccessKey".into(),
        json!(credentials.secret_access_key),
    );
    if let Some(token) = &credentials.session_token {
        object.insert("SessionToken".into(), json!(token));
    }
    if let Some(expiration) = credentials.expiration {
        object.insert(
            "Expiration".into(),
            json!(clock::format_rfc3339(expiration)),
        );
    }
    object
}

/// Quotes a value for a POSIX shell.
fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

fn print_text(outcomes: &[TargetOutcome]) {
    let ready = outcomes.iter().filter_map(|o| match o {
        TargetOutcome::Ready(ready) => Some(ready),
        TargetOutcome::Failed(_) => None,
    });
    for (position, ready) in ready.enumerate() {
        if position > 0 {
            println!();
        }
        let c = &ready.credentials;
        let name = ready.role_arn.as_deref().unwrap_or("base credentials");
        println!("target {}: {name}", ready.index + 1);
        if let Some(caller) = &ready.caller_arn {
            println!("  caller:            {caller}");
        }
        if let Some(account) = account_of(ready) {
            println!("  account:           {account}");
        }
        println!("  access key id:     {}", c.access_key_id);
        println!("  secret access key: ******** (use --output json or env to see it)");
        if let Some(token) = &c.session_token {
            println!("  session token:     ******** ({} characters)", token.len());
        }
        if let Some(expiration) = c.expiration {
            println!("  expires:           {}", clock::format_rfc3339(expiration));
        }
    }
}

/// Prints each failed target's error on stderr.
fn report_failures(outcomes: &[TargetOutcome]) {
    for outcome in outcomes {
        if let TargetOutcome::Failed(failed) = outcome {
            let name = failed.role_arn.as_deref().unwrap_or("base credentials");
            eprintln!(
                "error: target {} ({name}): {}",
                failed.index + 1,
                cli_error::describe(&failed.error)
            );
        }
    }
}

fn print_json(outcomes: &[TargetOutcome], several: bool) {
    for outcome in outcomes {
        let value = match outcome {
            TargetOutcome::Ready(ready) => {
                let mut object = credential_process_json(&ready.credentials);
                if several {
                    object.insert("RoleArn".into(), json!(ready.role_arn));
                    object.insert("AccountId".into(), json!(account_of(ready)));
                }
                Value::Object(object)
            }
            TargetOutcome::Failed(failed) => json!({
                "RoleArn": failed.role_arn,
                "Error": cli_error::describe(&failed.error),
            }),
        };
        println!("{value}");
    }
}

fn print_env(ready: &TargetCredentials) {
    let c = &ready.credentials;
    println!("export AWS_ACCESS_KEY_ID={}", shell_quote(&c.access_key_id));
    println!(
        "export AWS_SECRET_ACCESS_KEY={}",
        shell_quote(&c.secret_access_key)
    );
    match &c.session_token {
        Some(token) => println!("export AWS_SESSION_TOKEN={}", shell_quote(token)),
        None => println!("unset AWS_SESSION_TOKEN"),
    }
    if let Some(expiration) = c.expiration {
        println!(
            "export AWS_CREDENTIAL_EXPIRATION={}",
            shell_quote(&clock::format_rfc3339(expiration))
        );
    }
}

/// Resolves the plan, checks its target count and prints its warnings.
fn checked_plan(
    runtime: &mut Runtime,
    planning: &PlanningArgs,
    max_targets: Option<(u32, &str)>,
) -> Result<PlanHandle, CliError> {
    let plan = resolve(runtime, planning)?;
    if let Some((max, why)) = max_targets {
        let count = runtime.target_count(plan)?;
        if count > max {
            return Err(CliError::invalid(format!(
                "{why} takes one target, but {count} `--role` values were given: pass one"
            )));
        }
    }
    print_warnings(runtime, plan)?;
    Ok(plan)
}

fn driver_options(verbose: bool) -> DriverOptions {
    DriverOptions::new(verbose, Prompter::TerminalOrStdin)
}

/// Resolves and runs the chain; returns each target's outcome.
fn run_chain(
    runtime: &mut Runtime,
    planning: &PlanningArgs,
    verbose: bool,
    max_targets: Option<(u32, &str)>,
) -> Result<Vec<TargetOutcome>, CliError> {
    let plan = checked_plan(runtime, planning, max_targets)?;
    driver::run(runtime, plan, &driver_options(verbose))
}

/// `rolechain assume`.
pub fn assume(args: AssumeArgs) -> Result<u8, CliError> {
    let mut runtime = Runtime::new()?;
    let max = (args.output == OutputFormat::Env).then_some((1, "`--output env`"));
    let outcomes = run_chain(&mut runtime, &args.planning, args.verbose, max)?;
    let failed = outcomes
        .iter()
        .any(|o| matches!(o, TargetOutcome::Failed(_)));
    let several = outcomes.len() > 1;
    if several || args.output == OutputFormat::Text {
        report_failures(&outcomes);
    }
    match args.output {
        OutputFormat::Text => print_text(&outcomes),
        OutputFormat::Json if several => print_json(&outcomes, true),
        OutputFormat::Json | OutputFormat::Env => match outcomes.first() {
            Some(TargetOutcome::Ready(ready)) if args.output == OutputFormat::Env => {
                print_env(ready)
            }
            Some(TargetOutcome::Ready(_)) => print_json(&outcomes, false),
            Some(TargetOutcome::Failed(failed)) => {
                return Err(cli_error::from_component(&failed.error).into_failure())
            }
            None => return Err(CliError::failed("the session reported no target")),
        },
    }
    Ok(if failed { cli_error::FAILED } else { 0 })
}

/// `rolechain exec`: runs the command with the target's credentials in its
/// environment and exits with its status.
pub fn exec(args: ExecArgs) -> Result<u8, CliError> {
    let mut runtime = Runtime::new()?;
    let plan = checked_plan(&mut runtime, &args.planning, Some((1, "`exec`")))?;
    let (program, rest) = args
        .command
        .split_first()
        .ok_or_else(|| CliError::invalid("missing command after `--`"))?;
    let mut command = Command::new(program);
    command.args(rest);
    // The command gets the profile's region too, as `aws --profile` would
    // use it; a region already in the environment stays.
    let region_set = ["AWS_REGION", "AWS_DEFAULT_REGION"]
        .iter()
        .any(|name| std::env::var_os(name).is_some());
    if !region_set {
        if let Some(region) = runtime.configured_region(plan)? {
            command
                .env("AWS_REGION", &region)
                .env("AWS_DEFAULT_REGION", &region);
        }
    }
    let options = driver_options(args.verbose);
    if args.refresh {
        return serve::exec_with_refresh(&mut runtime, plan, &options, command);
    }
    let outcomes = driver::run(&mut runtime, plan, &options)?;
    let ready = match outcomes.into_iter().next() {
        Some(TargetOutcome::Ready(ready)) => ready,
        Some(TargetOutcome::Failed(failed)) => {
            return Err(cli_error::from_component(&failed.error).into_failure())
        }
        None => return Err(CliError::failed("the session reported no target")),
    };
    let c = &ready.credentials;
    command
        .env("AWS_ACCESS_KEY_ID", &c.access_key_id)
        .env("AWS_SECRET_ACCESS_KEY", &c.secret_access_key)
        // The credentials above must win over any profile the child reads.
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_DEFAULT_PROFILE");
    match &c.session_token {
        Some(token) => command.env("AWS_SESSION_TOKEN", token),
        None => command.env_remove("AWS_SESSION_TOKEN"),
    };
    if let Some(expiration) = c.expiration {
        command.env(
            "AWS_CREDENTIAL_EXPIRATION",
            clock::format_rfc3339(expiration),
        );
    }
    let status = match command.status() {
        Ok(status) => status,
        Err(e) => {
            eprintln!("error: cannot run `{program}`: {e}");
            return Ok(match e.kind() {
                std::io::ErrorKind::NotFound => 127,
                _ => 126,
            });
        }
    };
    if let Some(code) = status.code() {
        return Ok(u8::try_from(code).unwrap_or(1));
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return Ok(u8::try_from(128 + signal).unwrap_or(1));
        }
    }
    Ok(1)
}
