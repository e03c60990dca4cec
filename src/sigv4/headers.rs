//! The canonical headers and signed headers of a canonical request.
//!
//! Each header name is lowercased, each value trimmed with its inner runs of
//! spaces and tabs collapsed to one space, and the values of a repeated name
//! are joined with `,` in the order received. Names are sorted. When the
//! request has no `Host` header, the one derived from the URL is signed,
//! because the HTTP client adds it on the wire.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::Error;

/// Header names never signed, in lowercase.
///
/// This is the union of botocore's `SIGNED_HEADERS_BLACKLIST` (botocore
/// 1.43: hop-by-hop headers a proxy may change, plus `expect`, `user-agent`
/// and `x-amzn-trace-id`), aws-sigv4's default excluded headers (1.6:
/// `authorization`, `user-agent`, `x-amzn-trace-id`, `transfer-encoding`),
/// and `x-forwarded-for`, which proxies add or rewrite. A server checks only
/// the headers that `SignedHeaders` names, so leaving one of these unsigned
/// never breaks a signature.
pub const DEFAULT_UNSIGNED_HEADERS: &[&str] = &[
    "authorization",
    "connection",
    "expect",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "user-agent",
    "x-amzn-trace-id",
    "x-forwarded-for",
];

/// The canonical headers block (one `name:value\n` line per name) and the
/// `SignedHeaders` list (`name;name`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CanonicalHeaders {
    pub canonical: String,
    pub signed: String,
}

/// Builds the canonical headers from `headers` (the request's own headers
/// plus those the signer adds before signing), leaving out the names for
/// which `unsigned` returns true, and adding `host` when it is missing.
pub(crate) fn canonical_headers(
    headers: &[(&str, &str)],
    host_header: &str,
    unsigned: &dyn Fn(&str) -> bool,
) -> CanonicalHeaders {
    let mut entries: Vec<(String, String)> = Vec::with_capacity(headers.len() + 1);
    for (name, value) in headers {
        let name = name.to_ascii_lowercase();
        if !unsigned(&name) {
            entries.push((name, trim_all(value)));
        }
    }
    if !entries.iter().any(|(name, _)| name == "host") {
        entries.push((String::from("host"), String::from(host_header)));
    }
    // A stable sort keeps the values of a repeated name in the order received.
    entries.sort_by(|a, b| a.0.cmp(&b.0));

    let mut canonical = String::new();
    let mut signed = String::new();
    let mut previous: Option<&str> = None;
    for (name, value) in &entries {
        if previous == Some(name.as_str()) {
            canonical.push(',');
        } else {
            if previous.is_some() {
                canonical.push('\n');
                signed.push(';');
            }
            canonical.push_str(name);
            canonical.push(':');
            signed.push_str(name);
        }
        canonical.push_str(value);
        previous = Some(name);
    }
    canonical.push('\n');
    CanonicalHeaders { canonical, signed }
}

/// Trims spaces and tabs at both ends and collapses each inner run of them
/// to one space: SigV4's `Trimall`.
///
/// botocore splits on any Unicode whitespace; aws-sigv4 1.6 only on spaces.
/// Both agree with this on values of visible ASCII and single spaces.
pub(crate) fn trim_all(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for word in value.split([' ', '\t']).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Checks that `name` is an HTTP token (RFC 9110 section 5.6.2) and that
/// `value` contains no control character other than a tab. A line break in
/// either would let a header inject lines into the canonical request and
/// into the request on the wire.
///
/// The error names the header but never shows its value, which may be a
/// credential.
pub(crate) fn check_header(name: &str, value: &str) -> Result<(), Error> {
    if name.is_empty() || !name.bytes().all(is_token_byte) {
        return Err(Error::invalid_argument(format!(
            "invalid header name `{}`: use letters, digits and `-`, such as `Content-Type`",
            name.escape_debug()
        )));
    }
    if let Some((index, byte)) = value
        .bytes()
        .enumerate()
        .find(|&(_, b)| (b < 0x20 && b != b'\t') || b == 0x7f)
    {
        return Err(Error::invalid_argument(format!(
            "invalid value of header `{name}`: control character 0x{byte:02X} at byte {index}; \
             remove it, or join a folded line to the previous one with a space"
        )));
    }
    Ok(())
}

/// Whether `b` is a `tchar` of RFC 9110: the bytes allowed in a method or a
/// header name.
pub(crate) fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed_all(_: &str) -> bool {
        false
    }

    #[test]
    fn trim_all_collapses_spaces_and_tabs() {
        assert_eq!(trim_all("  a   b\t\tc  "), "a b c");
        assert_eq!(trim_all("\"a   b   c\""), "\"a b c\"");
        assert_eq!(trim_all("   "), "");
        assert_eq!(trim_all("x"), "x");
    }

    #[test]
    fn repeated_names_joined_in_order() {
        let headers = [
            ("My-Header1", "value2"),
            ("Host", "example.amazonaws.com"),
            ("my-header1", " value2 "),
            ("MY-HEADER1", "value1"),
        ];
        let result = canonical_headers(&headers, "unused", &signed_all);
        assert_eq!(
            result.canonical,
            "host:example.amazonaws.com\nmy-header1:value2,value2,value1\n"
        );
        assert_eq!(result.signed, "host;my-header1");
    }

    #[test]
    fn host_added_when_missing() {
        let result =
            canonical_headers(&[("X-Amz-Date", "20150830T123600Z")], "h:8080", &signed_all);
        assert_eq!(
            result.canonical,
            "host:h:8080\nx-amz-date:20150830T123600Z\n"
        );
        assert_eq!(result.signed, "host;x-amz-date");
    }

    #[test]
    fn unsigned_names_left_out() {
        let unsigned = |name: &str| DEFAULT_UNSIGNED_HEADERS.contains(&name);
        let headers = [("User-Agent", "x"), ("Expect", "100-continue"), ("a", "1")];
        let result = canonical_headers(&headers, "h", &unsigned);
        assert_eq!(result.signed, "a;host");
    }

    #[test]
    fn header_checks() {
        assert!(check_header("X-Custom_1", "a\tb").is_ok());
        assert!(check_header("", "v").is_err());
        assert!(check_header("a b", "v").is_err());
        assert!(check_header("a:b", "v").is_err());
        let error = check_header("x-api-key", "secret\r\nInjected: 1").unwrap_err();
        let text = alloc::string::ToString::to_string(&error);
        assert!(text.contains("0x0D at byte 6"), "{text}");
        assert!(!text.contains("secret"), "{text}");
    }
}
