//! Removes the session token from a signed request's `Debug` output.
//!
//! The token appears in three places: the `x-amz-security-token` header, the
//! `X-Amz-Security-Token` query parameter of a presigned URL, and the
//! canonical request (a header line, or a parameter of the canonical query).

use alloc::borrow::Cow;
use alloc::string::String;

/// The text that replaces a session token.
const MARKER: &str = "** redacted **";

/// Returns `value`, or the marker when `name` is `x-amz-security-token`.
pub(crate) fn header_value<'a>(name: &str, value: &'a str) -> &'a str {
    if name.eq_ignore_ascii_case("x-amz-security-token") {
        MARKER
    } else {
        value
    }
}

/// Replaces the value of every `X-Amz-Security-Token=` query parameter
/// (any case) in `text` with the marker. A value ends at `&`, `#`, a line
/// feed or the end of the text.
pub(crate) fn query_token(text: &str) -> Cow<'_, str> {
    const PARAM: &str = "x-amz-security-token=";
    let lower = text.to_ascii_lowercase();
    if !lower.contains(PARAM) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = 0;
    while let Some(found) = lower[rest..].find(PARAM) {
        let value_start = rest + found + PARAM.len();
        let value_end = lower[value_start..]
            .find(['&', '#', '\n'])
            .map_or(text.len(), |end| value_start + end);
        out.push_str(&text[rest..value_start]);
        out.push_str(MARKER);
        rest = value_end;
    }
    out.push_str(&text[rest..]);
    Cow::Owned(out)
}

/// Replaces the session token in a canonical request: the value of the
/// `x-amz-security-token:` header line and of the query parameter.
pub(crate) fn canonical_request(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (index, line) in text.split('\n').enumerate() {
        if index > 0 {
            out.push('\n');
        }
        if line.starts_with("x-amz-security-token:") {
            out.push_str("x-amz-security-token:");
            out.push_str(MARKER);
        } else {
            out.push_str(&query_token(line));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_token_replaced() {
        assert_eq!(
            query_token("https://h/?a=1&X-Amz-Security-Token=t%2B&X-Amz-Signature=s#f"),
            "https://h/?a=1&X-Amz-Security-Token=** redacted **&X-Amz-Signature=s#f"
        );
        assert_eq!(
            query_token("?x-amz-security-token=t"),
            "?x-amz-security-token=** redacted **"
        );
        assert_eq!(query_token("https://h/?a=1"), "https://h/?a=1");
    }

    #[test]
    fn query_token_handles_non_ascii() {
        // Lowercasing keeps byte offsets only for ASCII letters, which is
        // all `to_ascii_lowercase` changes.
        assert_eq!(
            query_token("/é?X-Amz-Security-Token=ü&b"),
            "/é?X-Amz-Security-Token=** redacted **&b"
        );
    }

    #[test]
    fn canonical_request_lines_replaced() {
        let creq =
            "GET\n/\nX-Amz-Security-Token=abc&b=1\nhost:h\nx-amz-security-token:abc\n\nhost\nhash";
        let redacted = canonical_request(creq);
        assert!(!redacted.contains("abc"), "{redacted}");
        assert_eq!(redacted.lines().count(), creq.lines().count());
    }
}
