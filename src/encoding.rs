//! Hex and percent-encoding as SigV4 defines them.

use alloc::string::String;
use alloc::vec::Vec;

const HEX: &[u8; 16] = b"0123456789abcdef";
const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 15)] as char);
    }
    out
}

/// Whether SigV4 leaves `b` unencoded: the RFC 3986 unreserved set.
pub fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Percent-encodes every byte outside the unreserved set, in upper case,
/// keeping `/` when `keep_slash` is set.
pub fn uri_encode(text: &str, keep_slash: bool) -> String {
    uri_encode_bytes(text.as_bytes(), keep_slash)
}

/// [`uri_encode`] for bytes that need not be UTF-8, such as a decoded query
/// parameter.
pub fn uri_encode_bytes(bytes: &[u8], keep_slash: bool) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        if is_unreserved(b) || (keep_slash && b == b'/') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX_UPPER[usize::from(b >> 4)] as char);
            out.push(HEX_UPPER[usize::from(b & 15)] as char);
        }
    }
    out
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes `%XX` escapes; a `%` not followed by two hex digits stays as is.
/// A `+` stays a `+`: SigV4 works on the wire form, where it is not a space.
pub fn percent_decode(text: &str) -> Vec<u8> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex_value(b[i + 1]), hex_value(b[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// Encodes `value` for an `application/x-www-form-urlencoded` body the way
/// botocore sends AWS query protocol requests (Python's `urlencode`):
/// unreserved bytes stay, a space becomes `+`, everything else is `%XX`.
///
/// STS accepts `%20` too, since the signature covers the body's bytes; but
/// servers that check signatures by re-encoding the parsed form, as moto
/// does, expect botocore's bytes.
pub fn form_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for (index, part) in value.split(' ').enumerate() {
        if index > 0 {
            out.push('+');
        }
        out.push_str(&uri_encode(part, false));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_reserved_bytes_upper_case() {
        assert_eq!(uri_encode("a b+c/~", false), "a%20b%2Bc%2F~");
        assert_eq!(uri_encode("a b/c", true), "a%20b/c");
        assert_eq!(uri_encode("é", false), "%C3%A9");
        assert_eq!(uri_encode_bytes(&[0xff, b'a'], false), "%FFa");
    }

    #[test]
    fn decodes_escapes_and_keeps_plus() {
        assert_eq!(percent_decode("a%20b+c"), b"a b+c");
        assert_eq!(percent_decode("100%"), b"100%");
        assert_eq!(percent_decode("%zz%4"), b"%zz%4");
    }

    #[test]
    fn form_encoding_writes_spaces_as_plus() {
        assert_eq!(form_encode("a b+c"), "a+b%2Bc");
        assert_eq!(form_encode(" x "), "+x+");
        assert_eq!(form_encode("{\"k\": 1}"), "%7B%22k%22%3A+1%7D");
        assert_eq!(form_encode(""), "");
    }

    #[test]
    fn hex_is_lowercase() {
        assert_eq!(hex(&[0xab, 0x01]), "ab01");
    }
}
