//! `rolechain`: a command-line host for the rolechain component.
//!
//! The host performs I/O only: it reads stdin, files, the environment and
//! the clock, and passes them to the component, which makes every decision.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use rolechain_cli::{commands, sign};

/// AWS role assumption and SigV4 signing, run from a WebAssembly component.
#[derive(Parser)]
#[command(name = "rolechain", version, about)]
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
    Exec(commands::ExecArgs),
    /// Sign HTTP requests read from stdin, one JSON object per line.
    Sign(sign::SignArgs),
}

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
