//! The `rolechain` command's modules, as a library so that integration
//! tests can load the same embedded component the binary runs.

pub mod args;
pub mod cli_error;
pub mod clock;
pub mod commands;
pub mod driver;
pub mod http;
pub mod prompt;
pub mod runtime;
pub mod serve;
pub mod sign;
