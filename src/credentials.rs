//! AWS credentials, with secrets that never print.

use alloc::string::String;
use core::fmt;

/// A secret string: its `Debug` prints a redaction marker.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret itself, for signing or for an output the user asked for.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("** redacted **")
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

/// A set of AWS credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// The access key ID, such as `AKIDEXAMPLE`; not a secret.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: Secret,
    /// The session token of temporary credentials.
    pub session_token: Option<Secret>,
    /// When temporary credentials expire, in milliseconds since the Unix epoch.
    pub expiration: Option<i64>,
    /// The account the credentials belong to, when known.
    pub account_id: Option<String>,
}

impl Credentials {
    /// Builds long-term credentials from an access key pair.
    pub fn new(access_key_id: impl Into<String>, secret_access_key: impl Into<String>) -> Self {
        Credentials {
            access_key_id: access_key_id.into(),
            secret_access_key: Secret::new(secret_access_key),
            session_token: None,
            expiration: None,
            account_id: None,
        }
    }

    /// Adds a session token.
    pub fn with_session_token(mut self, token: impl Into<String>) -> Self {
        self.session_token = Some(Secret::new(token));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn debug_redacts_secrets() {
        let creds = Credentials::new("AKID", "very-secret").with_session_token("token-value");
        let text = format!("{creds:?}");
        assert!(text.contains("AKID"));
        assert!(!text.contains("very-secret"));
        assert!(!text.contains("token-value"));
    }
}
