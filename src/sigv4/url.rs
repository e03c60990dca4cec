//! Splits a request URL into the parts SigV4 signs, as they go on the wire.
//!
//! The split follows RFC 3986's generic syntax,
//! `scheme://authority/path?query#fragment`, and unlike a WHATWG URL parser
//! it rewrites nothing: dot segments stay, percent-escapes are neither decoded
//! nor re-encoded, and a `+` stays a `+`. The only derived value is the `host`
//! header, which botocore and aws-sigv4 build the same way: the lowercase
//! host, plus the port unless it is the scheme's default.
//!
//! Error messages show the URL without its user information and without its
//! query, which may carry a session token or another credential.

use alloc::format;
use alloc::string::String;

use crate::Error;

/// A URL split into the parts the canonical request needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct WireUrl<'a> {
    /// `scheme://authority` exactly as given, user information included.
    pub origin: &'a str,
    /// The value of the `host` header derived from the authority.
    pub host_header: String,
    /// The path exactly as given; empty when the URL has none.
    pub path: &'a str,
    /// The text after `?`, or `None` when the URL has no `?`.
    pub query: Option<&'a str>,
    /// The text after `#`, or `None` when the URL has no `#`.
    pub fragment: Option<&'a str>,
}

/// Splits `url` and checks that SigV4 can sign it.
///
/// Fails on a URL that is not absolute or has a scheme other than `http` or
/// `https`. Also fails on an empty or invalid host, an invalid port, a
/// control character, or a `%` that does not start a `%XX` escape in the
/// path or query.
pub(crate) fn parse(url: &str) -> Result<WireUrl<'_>, Error> {
    if let Some((index, byte)) = find_control(url) {
        return Err(Error::invalid_argument(format!(
            "invalid URL `{}`: control character 0x{byte:02X} at byte {index}; \
             percent-encode it as `%{byte:02X}`",
            redact(url)
        )));
    }

    let Some((scheme, rest)) = url.split_once("://") else {
        return Err(Error::invalid_argument(format!(
            "invalid URL `{}`: expected an absolute URL such as `https://sts.amazonaws.com/`",
            redact(url)
        )));
    };
    let default_port = default_port(scheme, url)?;

    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, after_authority) = rest.split_at(authority_end);
    let origin = &url[..scheme.len() + 3 + authority_end];

    let (before_fragment, fragment) = match after_authority.split_once('#') {
        Some((before, fragment)) => (before, Some(fragment)),
        None => (after_authority, None),
    };
    let (path, query) = match before_fragment.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (before_fragment, None),
    };

    let host_header = host_header(authority, default_port, url)?;
    check_escapes(path, "path", url)?;
    if let Some(query) = query {
        check_escapes(query, "query", url)?;
    }

    Ok(WireUrl {
        origin,
        host_header,
        path,
        query,
        fragment,
    })
}

/// Returns `url` cut before its query or fragment, without user information,
/// for error messages.
pub(crate) fn redact(url: &str) -> String {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    let without_query = &url[..end];
    let mut out = match without_query.split_once("://") {
        Some((scheme, rest)) => {
            let authority_end = rest.find('/').unwrap_or(rest.len());
            let (authority, path) = rest.split_at(authority_end);
            let host = match authority.rfind('@') {
                Some(at) => &authority[at + 1..],
                None => authority,
            };
            format!("{scheme}://{host}{path}")
        }
        None => String::from(without_query),
    };
    if end < url.len() {
        out.push_str("...");
    }
    out
}

fn find_control(text: &str) -> Option<(usize, u8)> {
    text.bytes()
        .enumerate()
        .find(|&(_, b)| b < 0x20 || b == 0x7f)
}

fn default_port(scheme: &str, url: &str) -> Result<u16, Error> {
    if scheme.eq_ignore_ascii_case("https") {
        Ok(443)
    } else if scheme.eq_ignore_ascii_case("http") {
        Ok(80)
    } else {
        Err(Error::invalid_argument(format!(
            "unsupported scheme `{}` in URL `{}`: use `https` or `http`",
            scheme.escape_debug(),
            redact(url)
        )))
    }
}

/// Builds the `host` header value from `authority`: user information
/// removed, host lowercased, default port dropped (as botocore's
/// `_host_from_url` does).
fn host_header(authority: &str, default_port: u16, url: &str) -> Result<String, Error> {
    let host_and_port = match authority.rfind('@') {
        Some(at) => &authority[at + 1..],
        None => authority,
    };

    let (host, port) = if host_and_port.starts_with('[') {
        // An IP literal such as `[::1]:8080`: the port comes after `]`.
        let Some(close) = host_and_port.find(']') else {
            return Err(invalid_host(url, "the IPv6 address has no closing `]`"));
        };
        let (host, rest) = host_and_port.split_at(close + 1);
        match rest.strip_prefix(':') {
            Some(port) => (host, Some(port)),
            None if rest.is_empty() => (host, None),
            None => return Err(invalid_host(url, "text follows the IPv6 address")),
        }
    } else {
        match host_and_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_and_port, None),
        }
    };

    if host.is_empty() {
        return Err(Error::invalid_argument(format!(
            "invalid URL `{}`: the host is missing; add one, such as `sts.amazonaws.com`",
            redact(url)
        )));
    }
    let name = match host.strip_prefix('[') {
        Some(literal) => literal.strip_suffix(']').unwrap_or(literal),
        None => host,
    };
    let ip_literal = name.len() != host.len();
    if let Some(c) = name.chars().find(|&c| !is_host_char(c, ip_literal)) {
        let fix = if c.is_ascii() {
            "remove it"
        } else {
            "convert an internationalized host name to its ASCII (punycode) form"
        };
        return Err(Error::invalid_argument(format!(
            "invalid character `{}` in the host of URL `{}`: {fix}",
            c.escape_debug(),
            redact(url)
        )));
    }

    let mut header = host.to_ascii_lowercase();
    // An empty port (`host:`) means the default port, as RFC 3986 allows.
    if let Some(port) = port.filter(|p| !p.is_empty()) {
        let number = parse_port(port).ok_or_else(|| {
            Error::invalid_argument(format!(
                "invalid port `{}` in URL `{}`: use a number from 0 to 65535",
                port.escape_debug(),
                redact(url)
            ))
        })?;
        if number != default_port {
            header.push_str(&format!(":{number}"));
        }
    }
    Ok(header)
}

fn invalid_host(url: &str, reason: &str) -> Error {
    Error::invalid_argument(format!(
        "invalid host in URL `{}`: {reason}; write an IPv6 host as `[2001:db8::1]`",
        redact(url)
    ))
}

/// Returns whether `c` may appear in a registered name or an IPv4 address, or, with
/// `ip_literal`, between the brackets of an IPv6 address (which may carry a
/// `%25` zone ID).
fn is_host_char(c: char, ip_literal: bool) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, '-' | '.' | '_' | '~' | '%')
        || (ip_literal && c == ':')
}

fn parse_port(port: &str) -> Option<u16> {
    if !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Leading zeros are allowed, as in botocore, which reads the port as an
    // integer.
    let trimmed = port.trim_start_matches('0');
    if trimmed.is_empty() {
        return Some(0);
    }
    trimmed.parse().ok()
}

/// Checks that every `%` in `text` starts a `%XX` escape.
fn check_escapes(text: &str, part: &str, url: &str) -> Result<(), Error> {
    let bytes = text.as_bytes();
    for (index, &b) in bytes.iter().enumerate() {
        if b != b'%' {
            continue;
        }
        let valid = matches!(
            (bytes.get(index + 1), bytes.get(index + 2)),
            (Some(h), Some(l)) if h.is_ascii_hexdigit() && l.is_ascii_hexdigit()
        );
        if !valid {
            let escape: String = text[index..].chars().take(3).collect();
            return Err(Error::invalid_argument(format!(
                "invalid percent-encoding `{}` in the {part} of URL `{}`: \
                 write a literal `%` as `%25`",
                escape.escape_debug(),
                redact(url)
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(result: Result<WireUrl<'_>, Error>) -> String {
        match result {
            Err(Error::InvalidArgument(message)) => message,
            other => panic!("expected an invalid argument error, got {other:?}"),
        }
    }

    #[test]
    fn splits_all_parts() {
        let url = parse("https://Example.COM:8443/a/b?x=1&y#frag").unwrap();
        assert_eq!(url.origin, "https://Example.COM:8443");
        assert_eq!(url.host_header, "example.com:8443");
        assert_eq!(url.path, "/a/b");
        assert_eq!(url.query, Some("x=1&y"));
        assert_eq!(url.fragment, Some("frag"));
    }

    #[test]
    fn empty_path_and_query() {
        let url = parse("http://h").unwrap();
        assert_eq!((url.path, url.query, url.fragment), ("", None, None));
        let url = parse("http://h?").unwrap();
        assert_eq!((url.path, url.query), ("", Some("")));
        let url = parse("http://h#f?x").unwrap();
        assert_eq!((url.path, url.query, url.fragment), ("", None, Some("f?x")));
    }

    #[test]
    fn default_ports_dropped() {
        assert_eq!(parse("https://h:443/").unwrap().host_header, "h");
        assert_eq!(parse("http://h:80/").unwrap().host_header, "h");
        assert_eq!(parse("http://h:443/").unwrap().host_header, "h:443");
        assert_eq!(parse("https://h:80/").unwrap().host_header, "h:80");
        assert_eq!(parse("https://h:/").unwrap().host_header, "h");
        assert_eq!(parse("https://h:0443/").unwrap().host_header, "h");
    }

    #[test]
    fn user_information_removed() {
        let url = parse("https://user:pa%40ss@h.example/p").unwrap();
        assert_eq!(url.host_header, "h.example");
        assert_eq!(url.origin, "https://user:pa%40ss@h.example");
    }

    #[test]
    fn ipv6_hosts() {
        assert_eq!(
            parse("https://[::1]:8080/").unwrap().host_header,
            "[::1]:8080"
        );
        assert_eq!(
            parse("https://[FE80::1]/").unwrap().host_header,
            "[fe80::1]"
        );
        assert!(parse("https://[::1/").is_err());
        assert!(parse("https://[::1]x/").is_err());
        assert!(parse("https://a:b:443/").is_err());
        assert!(parse("https://[a]b]/").is_err());
    }

    #[test]
    fn rejects_malformed_urls() {
        assert!(message(parse("/relative")).contains("expected an absolute URL"));
        assert!(message(parse("ftp://h/")).contains("unsupported scheme `ftp`"));
        assert!(message(parse("https:///path")).contains("the host is missing"));
        assert!(message(parse("https://h:99999/")).contains("invalid port `99999`"));
        assert!(message(parse("https://h:8a/")).contains("invalid port `8a`"));
        assert!(message(parse("https://h é/")).contains("invalid character ` `"));
        assert!(message(parse("https://hé/")).contains("punycode"));
        assert!(message(parse("https://h/a\r\nb")).contains("control character 0x0D"));
        assert!(message(parse("https://h/a%zz")).contains("`%zz` in the path"));
        assert!(message(parse("https://h/?a=%4")).contains("`%4` in the query"));
        assert!(message(parse("https://h/?a=%")).contains("`%` in the query"));
    }

    #[test]
    fn errors_hide_query_and_user_information() {
        let text = message(parse("ftp://user:secret@h/p?X-Amz-Security-Token=tok"));
        assert!(!text.contains("secret"), "{text}");
        assert!(!text.contains("tok"), "{text}");
        assert!(text.contains("`ftp://h/p...`"), "{text}");
    }

    #[test]
    fn escape_check_is_utf8_safe() {
        assert!(message(parse("https://h/%é")).contains("`%é`"));
        assert!(message(parse("https://h/%aé")).contains("`%aé`"));
    }
}
