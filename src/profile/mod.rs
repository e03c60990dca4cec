//! Shared config and credentials files: parsing, normalization, locations.
//!
//! [`parser`] reads the literal format with line numbers, [`normalize`]
//! turns sections into a [`ProfileSet`], and [`location`] computes where the
//! host should look for the files. Resolving profiles into a credentials
//! chain is the planner's job, not this module's.

pub mod location;
pub mod normalize;
pub mod parser;

pub use location::{config_locations, expand_tilde, home_dir, Platform};
pub use normalize::{load, FileKind, ProfileSet, Property, Section, SourceFile};
pub use parser::{parse, ParseError, ParseErrorKind};
