//! Presigned URLs: the SigV4 query parameters and the URL that carries them.
//!
//! The request's own query stays as it is on the wire, and the SigV4
//! parameters follow it. Their order is the one of AWS's documentation and
//! botocore: `X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Date`,
//! `X-Amz-Expires`, `X-Amz-SignedHeaders`, `X-Amz-Security-Token` (when the
//! credentials have a session token) and last `X-Amz-Signature`. A fragment
//! stays at the end.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::string_to_sign::ALGORITHM;
use super::url::WireUrl;
use crate::encoding::uri_encode;
use crate::Error;

/// The maximum validity of a presigned URL, in seconds (7 days).
pub const MAX_PRESIGN_EXPIRES: u32 = 604_800;

/// The query parameters a presigned URL carries, in lowercase.
const SIGV4_QUERY_PARAMS: [&str; 7] = [
    "x-amz-algorithm",
    "x-amz-credential",
    "x-amz-date",
    "x-amz-expires",
    "x-amz-signedheaders",
    "x-amz-security-token",
    "x-amz-signature",
];

/// Checks that `expires` is within 1 to [`MAX_PRESIGN_EXPIRES`] seconds.
pub(crate) fn check_expires(expires: u32) -> Result<(), Error> {
    if (1..=MAX_PRESIGN_EXPIRES).contains(&expires) {
        Ok(())
    } else {
        Err(Error::invalid_argument(format!(
            "invalid presign expiry `{expires}` seconds: use 1 to {MAX_PRESIGN_EXPIRES} (7 days)"
        )))
    }
}

/// Checks that the request's query, as encoded pairs, has no SigV4
/// parameter already: a second one would make the URL ambiguous.
pub(crate) fn check_query(pairs: &[(String, String)]) -> Result<(), Error> {
    for (key, _) in pairs {
        if let Some(name) = SIGV4_QUERY_PARAMS
            .iter()
            .find(|name| key.eq_ignore_ascii_case(name))
        {
            return Err(Error::invalid_argument(format!(
                "the URL query already contains `{name}`: remove the SigV4 parameters \
                 of the previous signature before presigning"
            )));
        }
    }
    Ok(())
}

/// Returns the SigV4 query parameters that are signed, with raw
/// (unencoded) values, in URL order.
pub(crate) fn signed_params(
    credential: &str,
    amz_date: &str,
    expires: u32,
    signed_headers: &str,
    session_token: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut params = Vec::with_capacity(6);
    params.push(("X-Amz-Algorithm", String::from(ALGORITHM)));
    params.push(("X-Amz-Credential", String::from(credential)));
    params.push(("X-Amz-Date", String::from(amz_date)));
    params.push(("X-Amz-Expires", format!("{expires}")));
    params.push(("X-Amz-SignedHeaders", String::from(signed_headers)));
    if let Some(token) = session_token {
        params.push(("X-Amz-Security-Token", String::from(token)));
    }
    params
}

/// Encodes `params` as canonical query pairs.
pub(crate) fn encoded_pairs(params: &[(&str, String)]) -> Vec<(String, String)> {
    params
        .iter()
        .map(|(key, value)| (uri_encode(key, false), uri_encode(value, false)))
        .collect()
}

/// Builds the presigned URL: the original URL with `params`, then the
/// session token added after signing (if any), then `X-Amz-Signature`.
pub(crate) fn presigned_url(
    url: &WireUrl<'_>,
    params: &[(&str, String)],
    unsigned_session_token: Option<&str>,
    signature: &str,
) -> String {
    let mut out = String::with_capacity(url.origin.len() + url.path.len() + 512);
    out.push_str(url.origin);
    out.push_str(url.path);
    out.push('?');
    if let Some(query) = url.query.filter(|q| !q.is_empty()) {
        out.push_str(query);
        if !query.ends_with('&') {
            out.push('&');
        }
    }
    let unsigned =
        unsigned_session_token.map(|token| ("X-Amz-Security-Token", String::from(token)));
    for (key, value) in params.iter().cloned().chain(unsigned) {
        out.push_str(key);
        out.push('=');
        out.push_str(&uri_encode(&value, false));
        out.push('&');
    }
    out.push_str("X-Amz-Signature=");
    out.push_str(signature);
    if let Some(fragment) = url.fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sigv4::url::parse;

    #[test]
    fn expiry_bounds() {
        assert!(check_expires(0).is_err());
        assert!(check_expires(1).is_ok());
        assert!(check_expires(MAX_PRESIGN_EXPIRES).is_ok());
        assert!(check_expires(MAX_PRESIGN_EXPIRES + 1).is_err());
    }

    #[test]
    fn rejects_existing_signature_params() {
        let pairs = [(String::from("x-amz-signature"), String::from("abc"))];
        let error = check_query(&pairs).unwrap_err();
        assert!(alloc::string::ToString::to_string(&error).contains("`x-amz-signature`"));
        assert!(check_query(&[(String::from("X-Amz-Meta"), String::new())]).is_ok());
    }

    #[test]
    fn url_keeps_query_and_fragment() {
        let url = parse("https://h/p?a=1+2#frag").unwrap();
        let params = signed_params(
            "AK/20150830/r/s/aws4_request",
            "20150830T123600Z",
            60,
            "host",
            None,
        );
        let presigned = presigned_url(&url, &params, Some("t+/="), "sig");
        assert_eq!(
            presigned,
            "https://h/p?a=1+2&X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AK%2F20150830%2Fr%2Fs%2Faws4_request&X-Amz-Date=20150830T123600Z\
             &X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Security-Token=t%2B%2F%3D\
             &X-Amz-Signature=sig#frag"
        );
    }

    #[test]
    fn url_without_query() {
        for (input, prefix) in [
            ("https://h", "https://h?"),
            ("https://h/?", "https://h/?"),
            ("https://h/?a&", "https://h/?a&"),
        ] {
            let url = parse(input).unwrap();
            let presigned = presigned_url(&url, &[], None, "sig");
            assert_eq!(presigned, format!("{prefix}X-Amz-Signature=sig"));
        }
    }
}
