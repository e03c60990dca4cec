//! The canonical request: method, canonical URI, canonical query string,
//! canonical headers, signed headers and payload hash, one per line.
//!
//! Everything here works on the request as it goes on the wire (see
//! [`super::url`]), so that a request already in canonical form signs
//! exactly as botocore signs it.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use super::headers::CanonicalHeaders;
use super::PathEncoding;
use crate::encoding::{percent_decode, uri_encode, uri_encode_bytes};

/// Builds the canonical URI from the path as it is on the wire.
///
/// With `normalize`, `.` and `..` segments and repeated slashes are removed
/// first. Then [`PathEncoding::Double`] percent-encodes the path once more,
/// keeping `/` (what botocore does with `quote(path, safe='/~')`), and
/// [`PathEncoding::Single`] keeps it as it is, except for the bytes an HTTP
/// client must percent-encode before sending (see [`encode_for_wire`]).
pub(crate) fn canonical_uri(path: &str, encoding: PathEncoding, normalize: bool) -> String {
    let path = if path.is_empty() { "/" } else { path };
    let path: Cow<'_, str> = if normalize {
        Cow::Owned(remove_dot_segments(path))
    } else {
        Cow::Borrowed(path)
    };
    match encoding {
        PathEncoding::Double => uri_encode(&path, true),
        PathEncoding::Single => encode_for_wire(&path),
    }
}

/// Removes `.` and `..` segments as RFC 3986 section 5.2.4 does, and empty
/// segments (repeated slashes) as AWS requires, for an absolute path.
///
/// A path that ends in `/`, `/.` or `/..` keeps a trailing slash, as the RFC
/// and aws-sigv4 1.6 do: `/a/b/..` becomes `/a/`. botocore 1.43 keeps the
/// trailing slash only when the path itself ends in `/`, so it makes `/a`
/// of that path.
pub(crate) fn remove_dot_segments(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let last = path.rsplit('/').next().unwrap_or("");
    let trailing_slash = matches!(last, "" | "." | "..");

    let mut out = String::with_capacity(path.len());
    for segment in &segments {
        out.push('/');
        out.push_str(segment);
    }
    if out.is_empty() || trailing_slash {
        out.push('/');
    }
    out
}

/// Percent-encodes the bytes that cannot appear raw in the path of an HTTP
/// request target: anything but RFC 3986's unreserved characters,
/// sub-delimiters, `:`, `@`, `/` and the `%` of an escape. An HTTP client
/// encodes them (a space, UTF-8, `{`, `}`, ...) before sending, so the
/// result is the path as the server receives it.
pub(crate) fn encode_for_wire(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        let raw_ok = c.is_ascii_alphanumeric() || "-._~!$&'()*+,;=:@/%".contains(c);
        if raw_ok {
            out.push(c);
        } else {
            let mut buffer = [0u8; 4];
            out.push_str(&uri_encode(c.encode_utf8(&mut buffer), false));
        }
    }
    out
}

/// Parses a query string as it is on the wire into encoded `(key, value)`
/// pairs.
///
/// Each key and value is percent-decoded and encoded again with uppercase
/// escapes for every byte but the unreserved ones, so `%7e` becomes `~` and
/// a raw `!` becomes `%21`. A `+` is a literal plus (`%2B`), not a space:
/// SigV4 signs the URL, not a form. A key without `=` gets an empty value
/// (`?acl` signs as `acl=`), repeated keys are all kept, and empty pieces
/// between `&`s are skipped.
pub(crate) fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (key, value) = piece.split_once('=').unwrap_or((piece, ""));
            (reencode(key), reencode(value))
        })
        .collect()
}

fn reencode(text: &str) -> String {
    uri_encode_bytes(&percent_decode(text), false)
}

/// Sorts encoded pairs by key, then by value, and joins them as
/// `key=value&key=value`.
pub(crate) fn canonical_query(mut pairs: Vec<(String, String)>) -> String {
    pairs.sort();
    let mut out = String::new();
    for (key, value) in &pairs {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(key);
        out.push('=');
        out.push_str(value);
    }
    out
}

/// Joins the six parts of the canonical request with line feeds.
pub(crate) fn canonical_request(
    method: &str,
    uri: &str,
    query: &str,
    headers: &CanonicalHeaders,
    payload_hash: &str,
) -> String {
    [
        method,
        uri,
        query,
        &headers.canonical,
        &headers.signed,
        payload_hash,
    ]
    .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_segments_removed() {
        let cases = [
            ("/", "/"),
            ("//", "/"),
            ("/./", "/"),
            ("/./example", "/example"),
            ("/example/..", "/"),
            ("/example1/example2/../..", "/"),
            ("//example//", "/example/"),
            ("/a/b/..", "/a/"),
            ("/a/b/.", "/a/b/"),
            ("/a/./b/../c", "/a/c"),
            ("/../a", "/a"),
            ("/a/%2E%2E", "/a/%2E%2E"),
        ];
        for (path, expected) in cases {
            assert_eq!(remove_dot_segments(path), expected, "path {path}");
        }
    }

    #[test]
    fn double_encoding_encodes_escapes_again() {
        let uri = canonical_uri(
            "/test/@connections/JBDvjfGEIAMCERw%3D",
            PathEncoding::Double,
            true,
        );
        assert_eq!(uri, "/test/%40connections/JBDvjfGEIAMCERw%253D");
        assert_eq!(
            canonical_uri("/a b/~", PathEncoding::Double, false),
            "/a%20b/~"
        );
    }

    #[test]
    fn single_encoding_keeps_wire_form() {
        let path = "/b/a%20b%7Bc%7D!$'()*+,;=:@";
        assert_eq!(canonical_uri(path, PathEncoding::Single, false), path);
        assert_eq!(canonical_uri("", PathEncoding::Single, false), "/");
        assert_eq!(canonical_uri("//a//", PathEncoding::Single, false), "//a//");
    }

    #[test]
    fn single_encoding_encodes_raw_bytes() {
        let uri = canonical_uri("/a b/{c}/ሴ\"<>\\^`|[]", PathEncoding::Single, false);
        assert_eq!(uri, "/a%20b/%7Bc%7D/%E1%88%B4%22%3C%3E%5C%5E%60%7C%5B%5D");
    }

    #[test]
    fn query_keeps_plus_and_empty_values() {
        let pairs = query_pairs("a=1+2&acl&=b&c=&&x=%7e%2f!");
        let expected = [
            ("a", "1%2B2"),
            ("acl", ""),
            ("", "b"),
            ("c", ""),
            ("x", "~%2F%21"),
        ];
        assert_eq!(pairs.len(), expected.len());
        for ((key, value), (want_key, want_value)) in pairs.iter().zip(expected) {
            assert_eq!((key.as_str(), value.as_str()), (want_key, want_value));
        }
    }

    #[test]
    fn query_sorted_by_key_then_value() {
        let query = canonical_query(query_pairs("Param-3=Value3&Param=Value2&Param1=b&Param1=B"));
        assert_eq!(query, "Param=Value2&Param-3=Value3&Param1=B&Param1=b");
    }
}
