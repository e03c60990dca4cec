//! HTTP requests and responses as plain data, exchanged with the host.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

/// Headers whose values are credentials: `Debug` shows them redacted.
const SECRET_HEADERS: [&str; 4] = [
    "authorization",
    "x-amz-security-token",
    "x-amz-sso_bearer_token",
    "x-aws-ec2-metadata-token",
];

/// An HTTP request, as it goes on the wire.
///
/// `Debug` redacts credential headers and prints only the body's length,
/// because a body can carry an MFA code or a web identity token.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct HttpRequest {
    /// The method, such as `GET`.
    pub method: String,
    /// The absolute URL, with the path and query exactly as sent.
    pub url: String,
    /// Header names and values, in order; names may repeat.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| {
                let secret = SECRET_HEADERS.iter().any(|s| name.eq_ignore_ascii_case(s));
                (
                    name.as_str(),
                    if secret {
                        "** redacted **"
                    } else {
                        value.as_str()
                    },
                )
            })
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// An HTTP response, as the host received it.
///
/// `Debug` prints only the body's length, because a body can carry
/// credentials.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct HttpResponse {
    /// The status code.
    pub status: u16,
    /// Header names and values, in order.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl HttpResponse {
    /// The first header with this name, compared without case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn debug_redacts_credentials() {
        let request = HttpRequest {
            method: "POST".into(),
            url: "https://sts.amazonaws.com/".into(),
            headers: alloc::vec![
                (
                    "Authorization".into(),
                    "AWS4-HMAC-SHA256 Signature=abc".into()
                ),
                ("x-amz-security-token".into(), "token-value".into()),
                ("content-type".into(), "text/plain".into()),
            ],
            body: b"TokenCode=123456".to_vec(),
        };
        let text = format!("{request:?}");
        assert!(!text.contains("Signature=abc"));
        assert!(!text.contains("token-value"));
        assert!(!text.contains("123456"));
        assert!(text.contains("text/plain"));
    }
}
