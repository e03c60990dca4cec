//! The literal parser of the shared config and credentials file format.
//!
//! It turns file text into sections and properties, with line numbers, and
//! does not decide what a section means: [`super::normalize`] does. The
//! rules are those of the AWS SDKs' shared parser test suite. `#` and `;`
//! start a comment at the start of a line, anywhere after a section header,
//! and after whitespace in a property value. A line starting with
//! whitespace continues the previous property, or adds a sub-property when
//! that property's value was empty.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

/// A section header and the properties under it, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawSection {
    /// The text between the brackets, trimmed, such as `profile dev`.
    pub header: String,
    /// The 1-based line of the header.
    pub line: u32,
    pub properties: Vec<RawProperty>,
}

/// One `key = value` property, with its continuation lines joined by `\n`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawProperty {
    /// The key, lowercased: keys are case-insensitive.
    pub key: String,
    pub value: String,
    /// The 1-based line of the key.
    pub line: u32,
}

/// The kinds of syntax error the parser reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// A `[` line without the closing `]`.
    UnterminatedSection,
    /// A property or continuation line before any section header.
    PropertyOutsideSection,
    /// A continuation line with no property to continue.
    ContinuationWithoutProperty,
    /// A property line without `=`.
    MissingEquals,
    /// A property line with nothing before `=`.
    EmptyPropertyName,
    /// A sub-property line without `=`.
    SubPropertyMissingEquals,
    /// A sub-property line with nothing before `=`.
    EmptySubPropertyName,
}

/// A syntax error with the line it was found on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub kind: ParseErrorKind,
    /// The 1-based line number.
    pub line: u32,
    /// The problem and what was expected.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Whether `name` is a valid profile, section or property name.
pub fn is_valid_identifier(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_/.%@:+".contains(c))
}

// A comment inside a property value only starts after whitespace, so
// `value;x` keeps its `;x` while `value ;x` loses it.
fn strip_value_comment(value: &str) -> &str {
    let mut previous_is_space = false;
    for (i, c) in value.char_indices() {
        if (c == '#' || c == ';') && previous_is_space {
            return &value[..i];
        }
        previous_is_space = c == ' ' || c == '\t';
    }
    value
}

fn error(kind: ParseErrorKind, line: u32, message: String) -> ParseError {
    ParseError {
        kind,
        line,
        message,
    }
}

/// The maximum length of a name that an error or warning quotes.
const MAX_SHOWN_NAME: usize = 64;

/// Returns the property name `name` when a message may quote it: at most 64
/// characters of ASCII letters, digits, `_`, `-` and `.`, the characters of
/// every property the AWS CLI reads.
///
/// A line that lost its `=` can put a secret access key or a session token
/// where a name belongs, so a message quotes only text that looks like a
/// property name. Base64 secrets almost always contain `/` or `+`, which this
/// rejects, but a short one without them would pass.
pub fn shown_name(name: &str) -> Option<&str> {
    let name = name.trim();
    let is_name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
    let valid = !name.is_empty() && name.len() <= MAX_SHOWN_NAME && name.chars().all(is_name_char);
    valid.then_some(name)
}

/// Returns the text of a section header for a message, such as
/// `profile dev`: at most 64 characters in at most two words, each one that
/// [`shown_name`] accepts. A valid profile name may contain `/` or `+`,
/// but then the header is not quoted, because a secret pasted after `[`
/// would contain them too.
fn shown_header(header: &str) -> Option<&str> {
    let header = header.trim();
    let words = header.split_whitespace().count();
    let each_is_name = header.split_whitespace().all(|w| shown_name(w).is_some());
    let valid = words <= 2 && each_is_name && header.chars().count() <= MAX_SHOWN_NAME;
    valid.then_some(header)
}

/// Names the section header that starts `line` for a message:
/// `` `[profile dev` `` when it looks like a header, else `the section
/// header`.
fn header_label(line: &str) -> String {
    let text = line.trim().trim_start_matches('[');
    let text = text.split([']', '#', ';']).next().unwrap_or_default();
    match shown_header(text) {
        Some(header) => alloc::format!("section header `[{header}`"),
        None => "the section header".to_string(),
    }
}

/// Parses the text of a config or credentials file into its sections.
///
/// A UTF-8 byte order mark at the start of the text is skipped, as the AWS
/// CLI does. Fails on the first line that is not a section header, a
/// property, a continuation, a comment or blank, returning its line number.
/// Error messages never quote the line, which may contain a secret: at most
/// they quote a property or section name (see [`shown_name`]).
pub fn parse(text: &str) -> Result<Vec<RawSection>, ParseError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut sections: Vec<RawSection> = Vec::new();
    // Whether the last property of the current section may be continued,
    // and whether it takes sub-properties (its value was empty).
    let mut continuable = false;
    let mut sub_properties = false;

    for (index, raw_line) in text.split('\n').enumerate() {
        let line_number = u32::try_from(index + 1).unwrap_or(u32::MAX);
        let line = raw_line.strip_suffix('\r').unwrap_or(raw_line);

        if line.trim().is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }

        if line.starts_with(' ') || line.starts_with('\t') {
            let Some(section) = sections.last_mut() else {
                return Err(error(
                    ParseErrorKind::PropertyOutsideSection,
                    line_number,
                    "expected a profile definition such as `[profile name]` before this indented line; remove its leading whitespace and put it under a section header".to_string(),
                ));
            };
            let property = match section.properties.last_mut() {
                Some(p) if continuable => p,
                _ => {
                    return Err(error(
                        ParseErrorKind::ContinuationWithoutProperty,
                        line_number,
                        "expected a property definition, found an indented continuation line with no property above it to continue; remove its leading whitespace or put it under a `name =` line".to_string(),
                    ))
                }
            };
            let content = line.trim();
            if sub_properties {
                let parent = match shown_name(&property.key) {
                    Some(name) => alloc::format!("property `{name}`"),
                    None => "the property above".to_string(),
                };
                let Some((name, _)) = content.split_once('=') else {
                    return Err(error(
                        ParseErrorKind::SubPropertyMissingEquals,
                        line_number,
                        alloc::format!(
                            "expected an `=` sign defining a sub-property of {parent}: indented lines under a property with an empty value must be `name = value`; if the line is the value itself, move it onto the line of that property after its `=`"
                        ),
                    ));
                };
                if name.trim().is_empty() {
                    return Err(error(
                        ParseErrorKind::EmptySubPropertyName,
                        line_number,
                        alloc::format!(
                            "sub-property of {parent} did not have a name before `=`; write `name = value`"
                        ),
                    ));
                }
            }
            property.value.push('\n');
            property.value.push_str(content);
            continue;
        }

        if let Some(rest) = line.strip_prefix('[') {
            // A comment may follow the closing bracket directly.
            let end = rest.find(']');
            let comment = rest.find(['#', ';']);
            let close = match (end, comment) {
                (Some(e), Some(c)) if c < e => None,
                (e, _) => e,
            };
            let Some(close) = close else {
                return Err(error(
                    ParseErrorKind::UnterminatedSection,
                    line_number,
                    alloc::format!("{} must end with `]`", header_label(line)),
                ));
            };
            let after = rest[close + 1..].trim();
            if !after.is_empty() && !after.starts_with(['#', ';']) {
                return Err(error(
                    ParseErrorKind::UnterminatedSection,
                    line_number,
                    alloc::format!(
                        "unexpected text after `]` of {}; only a comment may follow `]`",
                        header_label(line)
                    ),
                ));
            }
            sections.push(RawSection {
                header: rest[..close].trim().to_string(),
                line: line_number,
                properties: Vec::new(),
            });
            continuable = false;
            continue;
        }

        let Some(section) = sections.last_mut() else {
            return Err(error(
                ParseErrorKind::PropertyOutsideSection,
                line_number,
                "expected a profile definition such as `[profile name]` before this line; add a section header above it".to_string(),
            ));
        };
        let content = strip_value_comment(line);
        let Some((key, value)) = content.split_once('=') else {
            return Err(error(
                ParseErrorKind::MissingEquals,
                line_number,
                "expected an `=` sign defining a property: a line must be `name = value`, a `[section]` header or a comment; if the line is the value of the property above, move it after that property's `=`".to_string(),
            ));
        };
        let key = key.trim();
        if key.is_empty() {
            return Err(error(
                ParseErrorKind::EmptyPropertyName,
                line_number,
                "property did not have a name before `=`; write `name = value`".to_string(),
            ));
        }
        let value = value.trim();
        sub_properties = value.is_empty();
        continuable = true;
        section.properties.push(RawProperty {
            key: key.to_ascii_lowercase(),
            value: value.to_string(),
            line: line_number,
        });
    }
    Ok(sections)
}

/// Splits a property value written as sub-properties (`\nkey = value`
/// lines) into lowercased keys and values.
pub fn sub_properties(value: &str) -> Vec<(String, String)> {
    value
        .split('\n')
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .filter(|(k, _)| !k.is_empty())
        .collect()
}
