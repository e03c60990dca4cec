//! Checks of endpoint URLs from options, the environment and config files,
//! so that a URL the HTTP client cannot send fails at planning, with its
//! source, instead of at the first request.

use alloc::format;
use alloc::string::{String, ToString};
use core::net::Ipv6Addr;
use core::str::FromStr;

use super::validate::shorten;

/// Checks that `url` is an absolute `http://` or `https://` URL with a host,
/// an optional port from 1 to 65535, and a path and query whose `%` signs
/// all start `%XX` escapes.
///
/// Also rejects whitespace, control characters, user information
/// (`user:password@`, or any `@` before the query) and a fragment. Returns
/// what is wrong as a message fragment that quotes no part of the URL
/// before its host, where a password would be.
pub fn check(url: &str) -> Result<(), String> {
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("it contains whitespace or a control character".to_string());
    }
    let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
    else {
        return Err("it does not start with `https://` or `http://`".to_string());
    };
    // An `@` after the authority, in the path, is valid, but a password
    // containing `/` would put its `@` there too. Endpoints have no use for
    // `@` in their path, so any `@` before the query counts as user
    // information, as in `shown`.
    let query_start = rest.find(['?', '#']).unwrap_or(rest.len());
    if rest[..query_start].contains('@') {
        return Err(
            "it contains user information (`user:password@`), which AWS endpoints do not take"
                .to_string(),
        );
    }
    if url.contains('#') {
        return Err("it has a fragment (`#...`), which is never sent".to_string());
    }
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path_and_query) = rest.split_at(authority_end);
    check_authority(authority)?;
    check_escapes(path_and_query)
}

/// [`check`] with the scheme compared without case, as RFC 3986 allows,
/// for hosts that accept `HTTP://`.
pub fn check_any_case(url: &str) -> Result<(), String> {
    match url.split_once("://") {
        Some((scheme, rest)) => check(&format!("{}://{rest}", scheme.to_ascii_lowercase())),
        None => check(url),
    }
}

/// Returns `url` for a message: user information replaced by `***`, control
/// characters escaped, and cut to 80 characters.
///
/// Everything from `://` to the last `@` before the query is replaced, so a
/// password that contains `/` (which ends the authority early) is hidden too.
pub fn shown(url: &str) -> String {
    let hidden = match url.split_once("://") {
        Some((scheme, rest)) => {
            let query = rest.find(['?', '#']).unwrap_or(rest.len());
            match rest[..query].rfind('@') {
                Some(at) => format!("{scheme}://***{}", &rest[at..]),
                None => url.to_string(),
            }
        }
        None => url.to_string(),
    };
    shorten(&hidden)
}

/// Checks `host`, `host:port`, `[IPv6]` or `[IPv6]:port`.
fn check_authority(authority: &str) -> Result<(), String> {
    let port = if let Some(literal) = authority.strip_prefix('[') {
        let Some((address, after)) = literal.split_once(']') else {
            return Err("the IPv6 address has no closing `]`".to_string());
        };
        // A zone ID, such as `%25eth0`, may follow the address.
        let address = address.split_once("%25").map_or(address, |(a, _)| a);
        if Ipv6Addr::from_str(address).is_err() {
            return Err(format!(
                "`[{}]` is not a valid IPv6 address",
                shorten(address)
            ));
        }
        match after.strip_prefix(':') {
            Some(port) => Some(port),
            None if after.is_empty() => None,
            None => return Err("text follows the `]` of the IPv6 address".to_string()),
        }
    } else {
        if authority.contains(['[', ']']) {
            return Err(
                "its brackets are unbalanced; write an IPv6 host as `[2001:db8::1]`".to_string(),
            );
        }
        let (host, port) = match authority.split_once(':') {
            Some((_, port)) if port.contains(':') => {
                return Err(
                    "an IPv6 host must be in brackets, such as `http://[::1]:8080`".to_string(),
                )
            }
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        };
        check_host(host)?;
        port
    };
    match port {
        Some(port) => check_port(port),
        None => Ok(()),
    }
}

/// Checks a host name or IPv4 address.
fn check_host(host: &str) -> Result<(), String> {
    if host.is_empty() {
        return Err("the host is missing".to_string());
    }
    let is_host_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~');
    match host.chars().find(|&c| !is_host_char(c)) {
        Some(c) => Err(format!(
            "the host contains `{}`; use letters, digits, `-` and `.`, with an internationalized name in its ASCII (punycode) form",
            c.escape_debug()
        )),
        None => Ok(()),
    }
}

/// Checks a port: 1 to 65535, leading zeros allowed.
fn check_port(port: &str) -> Result<(), String> {
    let number = port
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| port.trim_start_matches('0').parse::<u16>().ok())
        .flatten();
    match number {
        Some(number) if number > 0 => Ok(()),
        _ => Err("the port must be a number from 1 to 65535".to_string()),
    }
}

/// Checks that every `%` in `text` starts a `%XX` escape.
fn check_escapes(text: &str) -> Result<(), String> {
    let bytes = text.as_bytes();
    for (index, &b) in bytes.iter().enumerate() {
        if b != b'%' {
            continue;
        }
        let hex = |i: usize| bytes.get(i).is_some_and(u8::is_ascii_hexdigit);
        if !(hex(index + 1) && hex(index + 2)) {
            let escape: String = text[index..].chars().take(3).collect();
            return Err(format!(
                "it has a malformed percent-encoding `{}` (a literal `%` is written `%25`)",
                escape.escape_debug()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_endpoints() {
        for url in [
            "https://sts.us-east-1.amazonaws.com",
            "https://sts.amazonaws.com/",
            "http://localhost:4566",
            "http://127.0.0.1:5000/path?x=%2F",
            "http://[::1]:8080/",
            "http://[fe80::1%25eth0]/",
            "https://h:443",
        ] {
            assert_eq!(check(url), Ok(()), "{url}");
        }
    }

    #[test]
    fn rejects_malformed_endpoints() {
        for (url, reason) in [
            ("http://127.0.0.1:99999", "port"),
            ("http://127.0.0.1:0", "port"),
            ("http://h:/", "port"),
            ("http://h:8x", "port"),
            ("http://[::1", "closing `]`"),
            ("http://[::1]x", "follows"),
            ("http://[zz::1]/", "not a valid IPv6"),
            ("http://::1/", "brackets"),
            ("http://h]/", "unbalanced"),
            ("http://h/?x=%zz", "percent-encoding `%zz`"),
            ("http://h/a%2", "percent-encoding"),
            ("http://h/#top", "fragment"),
            ("http://user:pw@h/", "user information"),
            ("http://user:p/w@h/", "user information"),
            ("http:///path", "host is missing"),
            ("http://h st/", "whitespace"),
            ("ftp://h/", "https://"),
        ] {
            let message = check(url).expect_err(url);
            assert!(message.contains(reason), "{url}: {message}");
        }
    }

    #[test]
    fn shown_hides_user_information() {
        assert_eq!(shown("http://user:hunter2@h:8/p"), "http://***@h:8/p");
        assert_eq!(shown("http://user:hun/ter2@h/p"), "http://***@h/p");
        assert_eq!(shown("http://h/p?a=b@c"), "http://h/p?a=b@c");
        assert_eq!(shown("http://h/\u{1b}"), "http://h/\\u{1b}");
    }
}
