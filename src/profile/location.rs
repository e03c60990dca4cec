//! Where the shared config and credentials files are, from the environment.
//!
//! The host reads the files; this module only computes their paths, so the
//! host passes the platform in.

use alloc::format;
use alloc::string::{String, ToString};

/// The platform whose path rules apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Platform {
    /// Linux, macOS and other Unix-like systems: `/` separators, home from
    /// `HOME`.
    #[default]
    Unix,
    /// Windows: `\` separators, home from `HOME`, then `USERPROFILE`, then
    /// `HOMEDRIVE` + `HOMEPATH`.
    Windows,
}

impl Platform {
    /// The path separator.
    pub fn separator(self) -> char {
        match self {
            Platform::Unix => '/',
            Platform::Windows => '\\',
        }
    }
}

fn lookup<'a>(env: &'a [(String, String)], name: &str) -> Option<&'a str> {
    // The last assignment wins, as when a shell exports a variable twice.
    env.iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// Returns the user's home directory, from the environment.
///
/// NOTE: on Windows this follows the SDKs' shared test data and looks at
/// `HOME` first; botocore uses Python's `expanduser`, which ignores `HOME`
/// there.
pub fn home_dir(env: &[(String, String)], platform: Platform) -> Option<String> {
    if let Some(home) = lookup(env, "HOME") {
        return Some(home.to_string());
    }
    match platform {
        Platform::Unix => None,
        Platform::Windows => lookup(env, "USERPROFILE").map(String::from).or_else(|| {
            let drive = lookup(env, "HOMEDRIVE")?;
            let path = lookup(env, "HOMEPATH")?;
            Some(format!("{drive}{path}"))
        }),
    }
}

/// Expands a leading `~` (alone or followed by a separator) to the home
/// directory. Other paths, and `~` when no home is known, stay as they are.
pub fn expand_tilde(path: &str, env: &[(String, String)], platform: Platform) -> String {
    let Some(rest) = path.strip_prefix('~') else {
        return path.to_string();
    };
    let is_separator = |c: char| c == '/' || (platform == Platform::Windows && c == '\\');
    if !(rest.is_empty() || rest.starts_with(is_separator)) {
        return path.to_string();
    }
    match home_dir(env, platform) {
        Some(home) => {
            let home = home.trim_end_matches(is_separator);
            let rest: String = rest
                .chars()
                .map(|c| {
                    if is_separator(c) {
                        platform.separator()
                    } else {
                        c
                    }
                })
                .collect();
            format!("{home}{rest}")
        }
        None => path.to_string(),
    }
}

/// Joins `~/.aws/<name>` in the platform's form, expanded when the home
/// directory is known.
pub fn aws_dir_file(name: &str, env: &[(String, String)], platform: Platform) -> String {
    let sep = platform.separator();
    expand_tilde(&format!("~{sep}.aws{sep}{name}"), env, platform)
}

/// Returns the paths of the config and credentials files:
/// `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` when set (with `~`
/// expanded), else `~/.aws/config` and `~/.aws/credentials`.
pub fn config_locations(env: &[(String, String)], platform: Platform) -> (String, String) {
    let config = match lookup(env, "AWS_CONFIG_FILE") {
        Some(path) => expand_tilde(path, env, platform),
        None => aws_dir_file("config", env, platform),
    };
    let credentials = match lookup(env, "AWS_SHARED_CREDENTIALS_FILE") {
        Some(path) => expand_tilde(path, env, platform),
        None => aws_dir_file("credentials", env, platform),
    };
    (config, credentials)
}
