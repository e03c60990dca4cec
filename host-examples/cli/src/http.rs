//! The host's HTTP client: sends the component's requests exactly as built.
//!
//! Proxies come from the standard variables: `HTTPS_PROXY` for https URLs,
//! `HTTP_PROXY` for http URLs (either name also in lower case, then
//! `ALL_PROXY`), except for hosts listed in `NO_PROXY`.

use std::time::Duration;

use anyhow::{anyhow, Result};
use ureq::{Agent, Proxy};

use crate::runtime::types::{HttpRequest, HttpResponse};

/// Connection and whole-request timeouts. STS responds in well under a
/// second, and instance metadata is on a local link.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The largest response body accepted; STS and credential responses are a
/// few kilobytes.
const MAX_BODY: u64 = 1 << 20;

fn env_first(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
}

/// Returns the proxy URL for a request to `scheme://host`, or `None` to
/// connect directly.
pub fn proxy_for(scheme: &str, host: &str) -> Option<String> {
    let proxy = if scheme.eq_ignore_ascii_case("https") {
        env_first(&["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"])
    } else {
        env_first(&["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"])
    }?;
    let no_proxy = env_first(&["NO_PROXY", "no_proxy"]).unwrap_or_default();
    if bypasses_proxy(host, &no_proxy) {
        None
    } else {
        Some(proxy)
    }
}

/// Returns whether `host` matches a `NO_PROXY` list: `*`, an exact host, or a
/// domain suffix (`example.com` and `.example.com` both match
/// `api.example.com`). Ports in entries are ignored.
pub fn bypasses_proxy(host: &str, no_proxy: &str) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    no_proxy.split(',').map(str::trim).any(|entry| {
        if entry == "*" {
            return true;
        }
        let entry = entry.trim_start_matches("*.").trim_start_matches('.');
        let entry = match entry.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
            _ => entry,
        };
        let entry = entry
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        !entry.is_empty() && (host == entry || host.ends_with(&format!(".{entry}")))
    })
}

fn split_url(url: &str) -> Option<(&str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host_port.starts_with('[') {
        host_port.split_inclusive(']').next()?
    } else {
        host_port.split(':').next()?
    };
    Some((scheme, host))
}

fn agent(proxy: Option<&str>) -> Result<Agent> {
    let proxy = match proxy {
        Some(url) => Some(Proxy::new(url).map_err(|e| anyhow!("invalid proxy `{url}`: {e}"))?),
        None => None,
    };
    let config = Agent::config_builder()
        .proxy(proxy)
        .http_status_as_error(false)
        .timeout_connect(Some(CONNECT_TIMEOUT))
        .timeout_global(Some(REQUEST_TIMEOUT))
        .max_redirects(0)
        .build();
    Ok(Agent::new_with_config(config))
}

/// Sends `request` and returns the response, whatever its status. An error
/// means no response arrived (refused, timed out, invalid URL).
pub fn send(request: &HttpRequest) -> Result<HttpResponse> {
    let (scheme, host) =
        split_url(&request.url).ok_or_else(|| anyhow!("invalid URL `{}`", request.url))?;
    let agent = agent(proxy_for(scheme, host).as_deref())?;
    let mut builder = ureq::http::Request::builder()
        .method(request.method.as_str())
        .uri(request.url.as_str());
    for (name, value) in &request.headers {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let http_request = builder
        .body(request.body.clone())
        .map_err(|e| anyhow!("invalid request to `{host}`: {e}"))?;
    let response = agent.run(http_request).map_err(|e| match e {
        ureq::Error::Timeout(_) => anyhow!(
            "timed out (connect limit {} s, request limit {} s)",
            CONNECT_TIMEOUT.as_secs(),
            REQUEST_TIMEOUT.as_secs()
        ),
        ureq::Error::Io(e) => anyhow!("{e}"),
        other => anyhow!("{other}"),
    })?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            (name.as_str().to_string(), value)
        })
        .collect();
    let body = response
        .into_body()
        .with_config()
        .limit(MAX_BODY)
        .read_to_vec()
        .map_err(|e| anyhow!("cannot read the response from `{host}`: {e}"))?;
    Ok(HttpResponse {
        status,
        headers,
        body,
    })
}

/// Returns the host and port of a URL, without any user information, for
/// logs.
pub fn authority_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_proxy_matches_hosts_and_suffixes() {
        let list = "127.0.0.1,localhost, .internal.example,corp.example:8443";
        assert!(bypasses_proxy("127.0.0.1", list));
        assert!(bypasses_proxy("LOCALHOST", list));
        assert!(bypasses_proxy("api.internal.example", list));
        assert!(bypasses_proxy("a.corp.example", list));
        assert!(!bypasses_proxy("sts.amazonaws.com", list));
        assert!(!bypasses_proxy("127.0.0.2", list));
        assert!(bypasses_proxy("anything", "*"));
        assert!(!bypasses_proxy("host", ""));
    }

    #[test]
    fn url_split_finds_scheme_and_host() {
        assert_eq!(
            split_url("https://sts.amazonaws.com/"),
            Some(("https", "sts.amazonaws.com"))
        );
        assert_eq!(
            split_url("http://127.0.0.1:5000/x"),
            Some(("http", "127.0.0.1"))
        );
        assert_eq!(
            split_url("http://[fd00:ec2::254]/latest"),
            Some(("http", "[fd00:ec2::254]"))
        );
    }
}
