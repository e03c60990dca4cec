//! `rolechain`: a command-line host for the rolechain component.
//!
//! The host performs I/O only: it reads stdin, files, the environment and
//! the clock, and passes them to the component, which makes every decision.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use rolechain_cli::{commands, sign};

/// Assume AWS roles through source_profile chains and sign requests with
/// SigV4, as botocore does. All the logic runs in an embedded WebAssembly
/// component.
#[derive(Parser)]
#[command(name = "rolechain", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show the credential chain for the flags, files and environment,
    /// without sending anything.
    Plan(commands::PlanArgs),
    /// Assume the chain's roles and print the credentials.
    Assume(commands::AssumeArgs),
    /// Run a command with the chain's credentials in its environment.
    #[command(
        after_help = "Put the command after `--`: rolechain exec [OPTIONS] -- COMMAND [ARGS]..."
    )]
    Exec(commands::ExecArgs),
    /// Sign HTTP requests read from stdin, one JSON object per line.
    #[command(after_help = SIGN_HELP)]
    Sign(sign::SignArgs),
}

const SIGN_HELP: &str = "\
Each input line is {\"method\", \"url\", \"headers\": [[name, value], ...], \"body\"} (or
\"body_base64\"); headers and body are optional. Each output line is {\"method\", \"url\",
\"headers\", \"signature\", \"canonical_request\", \"string_to_sign\"}, where headers lists
everything to send; a malformed line gives {\"line\": N, \"error\": ...} and exit status 2.

--region is the signing region (default AWS_REGION, then AWS_DEFAULT_REGION) and also
the STS region of a chain. Credentials come from AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY, or from the chain of --profile or one --role; an MFA code is
then read from the terminal only, because stdin carries the requests.";

fn main() -> ExitCode {
    // Exit quietly when stdout is closed early (`rolechain plan | head`),
    // as command-line tools do, instead of panicking in `println!`.
    #[cfg(unix)]
    // SAFETY: resetting SIGPIPE to its default action at startup, before
    // any thread exists, has no other effect on the process.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Plan(args) => commands::plan(args),
        Command::Assume(args) => commands::assume(args),
        Command::Exec(args) => commands::exec(args),
        Command::Sign(args) => sign::run(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {}", e.message);
            ExitCode::from(e.code)
        }
    }
}
