//! STS's own parameter limits, checked before anything is sent.
//!
//! The limits are those of the STS API reference (AssumeRole,
//! GetSessionToken). Each check returns a message fragment that names the
//! value; the caller adds where the value came from.

use alloc::format;
use alloc::string::{String, ToString};

use super::model::AssumeRoleOptions;
use crate::endpoint::partition_by_name;

/// The shortest and longest `DurationSeconds` STS accepts for AssumeRole.
pub const MIN_DURATION: u32 = 900;
pub const MAX_DURATION: u32 = 43_200;
/// The STS limit for a session assumed with role-chained credentials.
pub const CHAINED_MAX_DURATION: u32 = 3_600;
/// `DurationSeconds` when none is given, as in botocore.
pub const DEFAULT_DURATION: u32 = 3_600;

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Returns the first character of `value` that is neither `\w` nor in
/// `extra`, escaped for a message.
fn check_chars(value: &str, extra: &str) -> Option<String> {
    value
        .chars()
        .find(|&c| !(is_word(c) || extra.contains(c)))
        .map(|c| c.escape_debug().to_string())
}

/// Cuts a value for display so a huge input does not flood a message, and
/// escapes control characters (as `\u{1b}`) so that it cannot drive the
/// terminal it is printed to.
pub fn shorten(value: &str) -> String {
    let mut shown = String::new();
    for (count, c) in value.chars().enumerate() {
        if count == 80 {
            shown.push_str("...");
            break;
        }
        if c.is_control() {
            shown.extend(c.escape_default());
        } else {
            shown.push(c);
        }
    }
    shown
}

/// Formats a count with its noun: "1 character", "2 characters". The noun
/// must form its plural with `s`.
pub(crate) fn count_of(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// The parts of a valid role ARN.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleArn<'a> {
    pub partition: &'a str,
    pub account: &'a str,
}

/// Checks `arn:<partition>:iam::<account>:role/<path and name>`, 20 to 2048
/// characters, with a known partition and an all-digit account.
///
/// The format is checked first, so that a value that is not an ARN at all
/// gets the expected format rather than a length.
pub fn role_arn(arn: &str) -> Result<RoleArn<'_>, String> {
    let shown = shorten(arn);
    let expected = "expected `arn:aws:iam::<12-digit account>:role/<name>`";

    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(partition), Some(service), Some(region), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return Err(format!("invalid role ARN `{shown}`: {expected}"));
    };
    if partition_by_name(partition).is_none() {
        return Err(format!(
            "invalid role ARN `{shown}`: unknown partition `{}`; expected `aws`, `aws-cn`, `aws-us-gov` or another AWS partition",
            shorten(partition)
        ));
    }
    if service != "iam" || !region.is_empty() {
        return Err(format!("invalid role ARN `{shown}`: {expected}"));
    }
    if account.is_empty() || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "invalid role ARN `{shown}`: account `{}` is not a number; {expected}",
            shorten(account)
        ));
    }
    let Some(path_and_name) = resource.strip_prefix("role/") else {
        return Err(format!(
            "invalid role ARN `{shown}`: the resource must start with `role/`; {expected}"
        ));
    };
    let name = path_and_name.rsplit('/').next().unwrap_or("");
    if name.is_empty() {
        return Err(format!(
            "invalid role ARN `{shown}`: the role name is empty; {expected}"
        ));
    }
    if let Some(c) = check_chars(path_and_name, "+=,.@-/") {
        return Err(format!(
            "invalid role ARN `{shown}`: character `{c}` is not allowed in a role path or name"
        ));
    }

    let len = arn.chars().count();
    if !(20..=2048).contains(&len) {
        return Err(format!(
            "invalid role ARN `{shown}`: it has {}, STS accepts 20 to 2048",
            count_of(len, "character")
        ));
    }
    Ok(RoleArn { partition, account })
}

/// Checks a `RoleSessionName`: 2 to 64 characters of `[\w+=,.@-]`.
pub fn role_session_name(name: &str) -> Result<(), String> {
    let len = name.chars().count();
    if !(2..=64).contains(&len) {
        return Err(format!(
            "invalid role session name `{}`: it has {}, STS accepts 2 to 64",
            shorten(name),
            count_of(len, "character")
        ));
    }
    if let Some(c) = check_chars(name, "+=,.@-") {
        return Err(format!(
            "invalid role session name `{}`: character `{c}` is not allowed; use letters, digits and `_+=,.@-`",
            shorten(name)
        ));
    }
    Ok(())
}

/// Checks `DurationSeconds` of AssumeRole: 900 to 43200.
pub fn duration(seconds: u32) -> Result<(), String> {
    if (MIN_DURATION..=MAX_DURATION).contains(&seconds) {
        Ok(())
    } else {
        Err(format!(
            "invalid session duration `{seconds}`: STS accepts 900 to 43200 seconds"
        ))
    }
}

/// Checks an `ExternalId`: 2 to 1224 characters of `[\w+=,.@:/-]`.
pub fn external_id(id: &str) -> Result<(), String> {
    let len = id.chars().count();
    if !(2..=1224).contains(&len) {
        return Err(format!(
            "invalid external ID `{}`: it has {}, STS accepts 2 to 1224",
            shorten(id),
            count_of(len, "character")
        ));
    }
    if let Some(c) = check_chars(id, "+=,.@:/-") {
        return Err(format!(
            "invalid external ID `{}`: character `{c}` is not allowed; use letters, digits and `_+=,.@:/-`",
            shorten(id)
        ));
    }
    Ok(())
}

/// Checks an MFA `SerialNumber`: 9 to 256 characters of `[\w+=/:,.@-]`.
///
/// A serial is not a secret, but an all-digit value may be a TOTP code
/// written where the serial belongs, so the message does not quote one.
pub fn mfa_serial(serial: &str) -> Result<(), String> {
    let shown = if serial.chars().all(|c| c.is_ascii_digit()) {
        String::from("invalid MFA serial")
    } else {
        format!("invalid MFA serial `{}`", shorten(serial))
    };
    let len = serial.chars().count();
    if !(9..=256).contains(&len) {
        return Err(format!(
            "{shown}: it has {}, STS accepts 9 to 256; use the device ARN such as `arn:aws:iam::123456789012:mfa/user`",
            count_of(len, "character")
        ));
    }
    if let Some(c) = check_chars(serial, "+=/:,.@-") {
        return Err(format!(
            "{shown}: character `{c}` is not allowed; use letters, digits and `_+=/:,.@-`"
        ));
    }
    Ok(())
}

/// Checks an MFA `TokenCode`: exactly 6 digits. The code itself is a
/// secret, so the message does not repeat it.
pub fn token_code(code: &str) -> Result<(), String> {
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(
            "invalid MFA code: STS expects exactly 6 digits; type the current 6-digit code from the device"
                .to_string(),
        )
    }
}

/// The maximum length of an access key ID, from `AccessKeyId` in the IAM
/// API reference.
pub const MAX_ACCESS_KEY_ID: usize = 128;

/// Checks an access key ID: 1 to 128 characters of `[A-Za-z0-9_]`, the
/// `[\w]+` pattern of IAM's `AccessKeyId`.
///
/// The message does not quote the value: a secret access key pasted in
/// its place fails here.
pub fn access_key_id(id: &str) -> Result<(), String> {
    let expected = "an access key ID is letters, digits and `_`, such as `AKIAIOSFODNN7EXAMPLE`";
    let len = id.chars().count();
    if len > MAX_ACCESS_KEY_ID {
        return Err(format!(
            "invalid access key ID: it has {}, IAM issues at most {MAX_ACCESS_KEY_ID}; {expected}",
            count_of(len, "character")
        ));
    }
    let bad = id
        .chars()
        .enumerate()
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'));
    if let Some((index, c)) = bad {
        return Err(format!(
            "invalid access key ID: character {} is `{}`, but {expected}; check that the secret access key is not in its place",
            index + 1,
            c.escape_debug()
        ));
    }
    Ok(())
}

/// Checks a secret access key or a session token for control characters,
/// which cannot go into a signature or a header. `what` names the value.
///
/// The message gives only the position: the value is a secret.
pub fn secret_text(value: &str, what: &str) -> Result<(), String> {
    match value.chars().position(char::is_control) {
        Some(index) => Err(format!(
            "invalid {what}: it contains a control character at character {}; copy the value again without it",
            index + 1
        )),
        None => Ok(()),
    }
}

/// Checks an inline session policy: 1 to 2048 characters of a JSON object.
/// The message gives serde_json's error and position, not the policy.
fn session_policy(policy: &str) -> Result<(), String> {
    let len = policy.chars().count();
    if len == 0 || len > 2048 {
        return Err(format!(
            "invalid `--policy`: it has {}, STS accepts 1 to 2048",
            count_of(len, "character")
        ));
    }
    match serde_json::from_str::<serde_json::Value>(policy) {
        Ok(serde_json::Value::Object(_)) => Ok(()),
        Ok(_) => Err(
            "invalid `--policy`: not a JSON object (the document is valid JSON of another type); pass the policy document as a JSON object such as `{\"Version\":\"2012-10-17\",\"Statement\":[...]}`"
                .to_string(),
        ),
        Err(e) => Err(format!(
            "invalid `--policy`: not a JSON object ({e}); pass the policy document as JSON"
        )),
    }
}

/// Checks the AssumeRole parameters that only the caller can set. STS takes
/// at most 50 tags (keys 1 to 128, values 0 to 256 characters) and at most
/// 10 policy ARNs. A policy has at most 2048 characters, and a source
/// identity 2 to 64 characters of `[\w+=,.@-]`. A policy must also parse
/// as a JSON object, the form of an IAM policy document.
pub fn assume_role_options(options: &AssumeRoleOptions) -> Result<(), String> {
    if let Some(policy) = &options.policy {
        session_policy(policy)?;
    }
    if options.policy_arns.len() > 10 {
        return Err(format!(
            "too many policy ARNs: {} given, STS accepts at most 10",
            options.policy_arns.len()
        ));
    }
    for arn in &options.policy_arns {
        let len = arn.chars().count();
        if !(20..=2048).contains(&len) || !arn.starts_with("arn:") {
            return Err(format!(
                "invalid policy ARN `{}`: expected an ARN of 20 to 2048 characters such as `arn:aws:iam::aws:policy/ReadOnlyAccess`",
                shorten(arn)
            ));
        }
    }
    if options.tags.len() > 50 {
        return Err(format!(
            "too many session tags: {} given, STS accepts at most 50",
            options.tags.len()
        ));
    }
    for (key, value) in &options.tags {
        let key_len = key.chars().count();
        if !(1..=128).contains(&key_len) {
            return Err(format!(
                "invalid session tag key `{}`: it has {}, STS accepts 1 to 128",
                shorten(key),
                count_of(key_len, "character")
            ));
        }
        let value_len = value.chars().count();
        if value_len > 256 {
            return Err(format!(
                "invalid value of session tag `{}`: it has {}, STS accepts at most 256",
                shorten(key),
                count_of(value_len, "character")
            ));
        }
    }
    if options.transitive_tag_keys.len() > 50 {
        return Err(format!(
            "too many transitive tag keys: {} given, STS accepts at most 50",
            options.transitive_tag_keys.len()
        ));
    }
    for key in &options.transitive_tag_keys {
        let len = key.chars().count();
        if !(1..=128).contains(&len) {
            return Err(format!(
                "invalid transitive tag key `{}`: it has {}, STS accepts 1 to 128",
                shorten(key),
                count_of(len, "character")
            ));
        }
    }
    if let Some(identity) = &options.source_identity {
        let len = identity.chars().count();
        if !(2..=64).contains(&len) {
            return Err(format!(
                "invalid source identity `{}`: it has {}, STS accepts 2 to 64",
                shorten(identity),
                count_of(len, "character")
            ));
        }
        if let Some(c) = check_chars(identity, "+=,.@-") {
            return Err(format!(
                "invalid source identity `{}`: character `{c}` is not allowed; use letters, digits and `_+=,.@-`",
                shorten(identity)
            ));
        }
    }
    Ok(())
}
