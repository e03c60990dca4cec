//! The `rolechain` command's modules, as a library so that integration
//! tests can load the same embedded component the binary runs.

pub mod cli_error;
pub mod clock;
pub mod runtime;
pub mod sign;
