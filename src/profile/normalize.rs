//! Normalization: from parsed sections to a set of profiles.
//!
//! The config file names profiles `[profile name]` (and `[default]`), the
//! credentials file `[name]`; `[sso-session name]` and `[services name]`
//! exist only in the config file. Keys of the credentials file override the
//! same keys of the config file for the same profile.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::parser::{self, RawSection};
use crate::Error;

/// The shared file a section came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileKind {
    /// `~/.aws/config`.
    Config,
    /// `~/.aws/credentials`.
    Credentials,
}

/// A property value and where it was written.
#[derive(Clone, PartialEq, Eq)]
pub struct Property {
    pub value: String,
    pub file_kind: FileKind,
    /// The file path as the host named it.
    pub file: Option<String>,
    /// The 1-based line of the key.
    pub line: u32,
}

// Property values may be secret keys, so `Debug` shows where a value came
// from, never the value.
impl core::fmt::Debug for Property {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Property")
            .field("file", &self.file)
            .field("line", &self.line)
            .finish_non_exhaustive()
    }
}

/// A named section with its properties: a profile, an `sso-session` or a
/// `services` section.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Section {
    pub name: String,
    /// Keys are lowercased.
    pub properties: BTreeMap<String, Property>,
}

impl Section {
    /// The value of `key` (lowercase), if set.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.properties.get(key).map(|p| p.value.as_str())
    }

    /// The property `key` with its location, if set.
    pub fn property(&self, key: &str) -> Option<&Property> {
        self.properties.get(key)
    }

    /// Whether `key` is set, even to an empty value.
    pub fn has(&self, key: &str) -> bool {
        self.properties.contains_key(key)
    }
}

/// Every profile, `sso-session` and `services` section of both files.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct ProfileSet {
    pub profiles: BTreeMap<String, Section>,
    pub sso_sessions: BTreeMap<String, Section>,
    pub services: BTreeMap<String, Section>,
    /// Ignored sections, duplicate sections and similar findings.
    pub warnings: Vec<String>,
}

impl ProfileSet {
    /// The profile `name`, if either file defines it.
    pub fn profile(&self, name: &str) -> Option<&Section> {
        self.profiles.get(name)
    }
}

/// A file to load: the path as the host names it, and its text.
#[derive(Clone, Copy, Debug)]
pub struct SourceFile<'a> {
    pub path: Option<&'a str>,
    pub text: &'a str,
}

enum SectionKind {
    Profile(String),
    SsoSession(String),
    Services(String),
}

fn strip_keyword<'a>(header: &'a str, keyword: &str) -> Option<&'a str> {
    let rest = header.strip_prefix(keyword)?;
    // The keyword must be followed by whitespace: `[profilefoo]` is not a
    // profile named `foo`.
    if rest.starts_with([' ', '\t']) {
        Some(rest.trim())
    } else {
        None
    }
}

fn classify(header: &str, kind: FileKind) -> Option<SectionKind> {
    match kind {
        FileKind::Credentials => Some(SectionKind::Profile(header.to_string())),
        FileKind::Config => {
            if header == "default" {
                Some(SectionKind::Profile(header.to_string()))
            } else if let Some(name) = strip_keyword(header, "profile") {
                Some(SectionKind::Profile(name.to_string()))
            } else if let Some(name) = strip_keyword(header, "sso-session") {
                Some(SectionKind::SsoSession(name.to_string()))
            } else {
                strip_keyword(header, "services").map(|n| SectionKind::Services(n.to_string()))
            }
        }
    }
}

fn file_label(file: Option<&str>, kind: FileKind) -> String {
    match (file, kind) {
        (Some(path), _) => path.to_string(),
        (None, FileKind::Config) => "the config file".to_string(),
        (None, FileKind::Credentials) => "the credentials file".to_string(),
    }
}

/// Returns `text` when a warning may quote it: at most 64 characters, with
/// no control character and no whitespace other than a space.
fn shown_text(text: &str) -> Option<&str> {
    let printable = text
        .chars()
        .all(|c| c == ' ' || !(c.is_whitespace() || c.is_control()));
    (printable && text.chars().count() <= 64).then_some(text)
}

/// Builds the warning for a property ignored because of its invalid name.
///
/// The name is quoted only when it looks like one. A line such as
/// `aws_session_token IQoJb3...==` lost its own `=` but still splits at the
/// token's `=` padding, so its "name" contains the token, and the warning then
/// quotes only the first word.
fn invalid_property_warning(key: &str) -> String {
    if key.contains(char::is_whitespace) {
        let first = key.split_whitespace().next().and_then(parser::shown_name);
        return match first {
            Some(first) => format!(
                "ignored the property starting with `{first}` because its name contains whitespace; write `name = value`"
            ),
            None => "ignored a property because its name contains whitespace; write `name = value`"
                .to_string(),
        };
    }
    // A secret access key has 40 characters, so a name this short cannot be
    // one with the invalid character added.
    match shown_text(key).filter(|name| name.chars().count() <= 40) {
        Some(name) => format!(
            "ignored property `{name}` because it is not a valid name; use letters, digits and `-_/.%@:+`"
        ),
        None => {
            let length = key.chars().count();
            let noun = if length == 1 { "character" } else { "characters" };
            format!(
                "ignored a property because its name of {length} {noun} is not valid; use letters, digits and `-_/.%@:+`"
            )
        }
    }
}

/// Adds one file's sections to `set`. Later keys win over earlier ones.
fn merge_file(set: &mut ProfileSet, sections: Vec<RawSection>, file: Option<&str>, kind: FileKind) {
    let label = file_label(file, kind);
    // In the config file, `[profile default]` wins over `[default]`: when
    // both exist the unprefixed one is ignored entirely.
    let has_prefixed_default = kind == FileKind::Config
        && sections
            .iter()
            .any(|s| strip_keyword(&s.header, "profile") == Some("default"));
    let mut seen: BTreeMap<(u8, String), u32> = BTreeMap::new();

    for section in sections {
        let Some(section_kind) = classify(&section.header, kind) else {
            let shown = match shown_text(&section.header) {
                Some(header) => format!("section `[{header}]`"),
                None => "a section".to_string(),
            };
            set.warnings.push(format!(
                "{label}, line {}: ignored {shown}; config file profiles are written `[profile name]`",
                section.line
            ));
            continue;
        };
        if has_prefixed_default && section.header == "default" {
            set.warnings.push(format!(
                "{label}, line {}: ignored `[default]` because `[profile default]` is also defined",
                section.line
            ));
            continue;
        }
        let (tag, name, map) = match section_kind {
            SectionKind::Profile(n) => (0, n, &mut set.profiles),
            SectionKind::SsoSession(n) => (1, n, &mut set.sso_sessions),
            SectionKind::Services(n) => (2, n, &mut set.services),
        };
        if !parser::is_valid_identifier(&name) {
            let shown = match shown_text(&section.header) {
                Some(header) => format!("section `[{header}]`"),
                None => "a section".to_string(),
            };
            set.warnings.push(format!(
                "{label}, line {}: ignored {shown} because its name is not valid; use letters, digits and `-_/.%@:+`",
                section.line
            ));
            continue;
        }
        if let Some(first) = seen.insert((tag, name.clone()), section.line) {
            set.warnings.push(format!(
                "{label}, line {}: section `[{}]` is defined again (first at line {first}); its keys are merged and later ones win",
                section.line, section.header
            ));
        }
        let target = map.entry(name.clone()).or_insert_with(|| Section {
            name,
            properties: BTreeMap::new(),
        });
        for property in section.properties {
            if !parser::is_valid_identifier(&property.key) {
                set.warnings.push(format!(
                    "{label}, line {}: {}",
                    property.line,
                    invalid_property_warning(&property.key)
                ));
                continue;
            }
            target.properties.insert(
                property.key,
                Property {
                    value: property.value,
                    file_kind: kind,
                    file: file.map(String::from),
                    line: property.line,
                },
            );
        }
    }
}

/// Parses and merges the config and credentials files into a profile set.
///
/// Fails with [`Error::InvalidConfig`] naming the file and line of the first
/// syntax error.
pub fn load(
    config: Option<SourceFile<'_>>,
    credentials: Option<SourceFile<'_>>,
) -> Result<ProfileSet, Error> {
    let mut set = ProfileSet::default();
    for (source, kind) in [
        (config, FileKind::Config),
        (credentials, FileKind::Credentials),
    ] {
        let Some(source) = source else { continue };
        let sections = parser::parse(source.text).map_err(|e| {
            let what = match kind {
                FileKind::Config => "config file",
                FileKind::Credentials => "credentials file",
            };
            Error::config(
                source.path,
                Some(e.line),
                format!("invalid {what}: {}", e.message),
            )
        })?;
        merge_file(&mut set, sections, source.path, kind);
    }
    Ok(set)
}
