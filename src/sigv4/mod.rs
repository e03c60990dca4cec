//! AWS Signature Version 4: canonical request, string to sign, signing key,
//! and the `Authorization` header or presigned URL built from them.
//!
//! The signer works on the request as it goes on the wire: it splits the
//! URL itself ([`url`]) and never decodes, normalizes or re-encodes more
//! than the SigV4 rules say. For a request already in canonical wire form
//! (a path and query of unreserved characters and uppercase `%XX` escapes),
//! the result is what botocore 1.43 computes, which is what moto checks.
//!
//! The steps, one module each:
//!
//! 1. [`canonical`] and [`headers`]: the canonical request;
//! 2. [`string_to_sign`]: the credential scope and the string to sign;
//! 3. [`key`]: the signing key and the signature;
//! 4. this module, or [`presign`] for presigned URLs: the signed request.
//!
//! Known differences from botocore, for requests that are not in canonical
//! wire form, are listed in `tests/sigv4_regressions.rs`.

mod canonical;
mod headers;
mod key;
mod presign;
mod string_to_sign;
mod url;
mod validate;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

pub use headers::DEFAULT_UNSIGNED_HEADERS;
pub use presign::MAX_PRESIGN_EXPIRES;

use key::{KeyCache, SigningKey};
use string_to_sign::{sha256_hex, Scope, ALGORITHM};

use crate::time::format_amz_date;
use crate::{Credentials, Error, HttpRequest};

/// The payload hash of a presigned S3 URL, or of an unsigned body.
const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// How the request path is encoded in the canonical request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathEncoding {
    /// Encode the path once more: the rule for every service but S3, and
    /// what botocore does for them. `%3D` on the wire signs as `%253D`.
    Double,
    /// Use the path exactly as it is on the wire: S3's rule. Bytes that an
    /// HTTP client must percent-encode before sending (a space, UTF-8, `{`,
    /// `}`, ...) are encoded once, as the server receives them.
    Single,
}

/// What the canonical request uses as the payload hash.
///
/// When the request carries its own `x-amz-content-sha256` header and
/// [`SigningOptions::content_sha256_header`] is off, that header's value is
/// the payload hash instead, because S3, and botocore (which moto uses to
/// check signatures), read the hash from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Payload {
    /// SHA-256 of the body. A presigned S3 URL (service `s3`) uses
    /// `UNSIGNED-PAYLOAD` instead, because the body is not known when the
    /// URL is made; botocore's S3 presigner does the same.
    Hash,
    /// The literal `UNSIGNED-PAYLOAD`.
    Unsigned,
    /// A hex SHA-256 computed by the caller (or another literal such as
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`).
    Precomputed(String),
}

/// Where the session token goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionTokenMode {
    /// Add `X-Amz-Security-Token` before signing, so it is signed.
    Signed,
    /// Add it after signing, unsigned (some services require this).
    AfterSigning,
}

/// Options for one signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningOptions {
    /// The region of the credential scope, such as `us-east-1`.
    pub region: String,
    /// The service signing name of the credential scope, such as `sts`.
    pub service: String,
    /// The signing time, in milliseconds since the Unix epoch; SigV4 uses
    /// whole seconds.
    pub time: i64,
    /// Presign for this many seconds (1 to 604800) instead of adding an
    /// `Authorization` header.
    pub presign_expires: Option<u32>,
    /// How the path is encoded in the canonical request.
    pub path_encoding: PathEncoding,
    /// Remove `.` and `..` segments and repeated slashes from the path
    /// before encoding it (every service but S3).
    pub normalize_path: bool,
    /// The payload hash of the canonical request.
    pub payload: Payload,
    /// Add and sign `x-amz-content-sha256` (required by S3). Ignored when
    /// presigning, because a presigned URL carries no headers of its own.
    pub content_sha256_header: bool,
    /// Where the session token goes, when the credentials have one.
    pub session_token_mode: SessionTokenMode,
    /// More header names (any case) to leave unsigned, besides
    /// [`DEFAULT_UNSIGNED_HEADERS`]. `host`, `x-amz-date` and the headers
    /// the options add as signed cannot be listed.
    pub unsigned_headers: Vec<String>,
}

/// A signed request and the intermediate values, for debugging.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedRequest {
    /// The method, unchanged.
    pub method: String,
    /// The URL to send: the presigned URL when presigning, else the
    /// request's URL unchanged.
    pub url: String,
    /// Every header to send: the request's own (without those the signer
    /// replaces), then the added ones in lowercase: `x-amz-date`,
    /// `x-amz-content-sha256`, `x-amz-security-token` and `authorization`.
    /// A presigned request adds none.
    pub headers: Vec<(String, String)>,
    /// The hex signature.
    pub signature: String,
    /// The canonical request that was signed. It contains the session token
    /// when the token is signed.
    pub canonical_request: String,
    /// The string to sign.
    pub string_to_sign: String,
}

impl SigningOptions {
    /// Defaults for every service but S3: double path encoding, path
    /// normalization, the body's SHA-256, and a signed session token.
    pub fn new(region: &str, service: &str, time: i64) -> Self {
        SigningOptions {
            region: region.into(),
            service: service.into(),
            time,
            presign_expires: None,
            path_encoding: PathEncoding::Double,
            normalize_path: true,
            payload: Payload::Hash,
            content_sha256_header: false,
            session_token_mode: SessionTokenMode::Signed,
            unsigned_headers: Vec::new(),
        }
    }

    /// S3's rules: single path encoding, no normalization, and a signed
    /// `x-amz-content-sha256` header.
    pub fn s3(region: &str, time: i64) -> Self {
        SigningOptions {
            path_encoding: PathEncoding::Single,
            normalize_path: false,
            content_sha256_header: true,
            ..SigningOptions::new(region, "s3", time)
        }
    }
}

/// Signs `request` with `credentials`.
///
/// Fails with [`Error::InvalidArgument`] on an invalid URL, method, header,
/// option or credential; the message names the value (never a secret) and
/// the fix.
pub fn sign(
    request: &HttpRequest,
    credentials: &Credentials,
    options: &SigningOptions,
) -> Result<SignedRequest, Error> {
    let secret = credentials.secret_access_key.expose();
    sign_with_key(request, credentials, options, &mut |scope| {
        key::derive_signing_key(secret, scope)
    })
}

/// A signer that caches derived signing keys across calls, by date, region
/// and service. A key changes once a day, so most calls skip the four
/// HMACs of the derivation.
#[derive(Debug)]
pub struct Signer {
    credentials: Credentials,
    keys: KeyCache,
}

impl Signer {
    /// Creates a signer for `credentials`, with an empty key cache.
    pub fn new(credentials: Credentials) -> Self {
        Signer {
            credentials,
            keys: KeyCache::default(),
        }
    }

    /// Signs `request` as [`sign`] does, reusing a cached signing key when
    /// one matches the date, region and service.
    pub fn sign(
        &mut self,
        request: &HttpRequest,
        options: &SigningOptions,
    ) -> Result<SignedRequest, Error> {
        let secret = self.credentials.secret_access_key.expose();
        let keys = &mut self.keys;
        sign_with_key(request, &self.credentials, options, &mut |scope| {
            keys.get_or_derive(secret, scope)
        })
    }

    /// Returns the number of signing keys in the cache.
    pub fn cached_key_count(&self) -> usize {
        self.keys.len()
    }
}

/// Runs the SigV4 steps, taking the signing key for a scope from
/// `signing_key`.
fn sign_with_key(
    request: &HttpRequest,
    credentials: &Credentials,
    options: &SigningOptions,
    signing_key: &mut dyn FnMut(&Scope<'_>) -> SigningKey,
) -> Result<SignedRequest, Error> {
    // botocore also treats an empty token as no token.
    let token = credentials
        .session_token
        .as_ref()
        .map(|token| token.expose())
        .filter(|token| !token.is_empty());
    validate::check_options(options, token.is_some())?;
    validate::check_credentials(credentials)?;
    validate::check_method(&request.method)?;
    for (name, value) in &request.headers {
        headers::check_header(name, value)?;
    }
    let url = url::parse(&request.url)?;

    let amz_date = format_amz_date(options.time);
    let scope = Scope {
        // `check_options` keeps the year at four digits, so this is the
        // ASCII `yyyymmdd` prefix.
        date: amz_date.get(..8).unwrap_or(&amz_date),
        region: &options.region,
        service: &options.service,
    };
    let presign_expires = options.presign_expires;
    let header_mode = presign_expires.is_none();
    let add_content_sha256 = header_mode && options.content_sha256_header;
    let token_after_signing =
        token.filter(|_| options.session_token_mode == SessionTokenMode::AfterSigning);
    let token_signed = token.filter(|_| options.session_token_mode == SessionTokenMode::Signed);

    // The request's own headers, without those the signer replaces.
    let replaced = |name: &str| {
        name.eq_ignore_ascii_case("authorization")
            || (header_mode
                && (name.eq_ignore_ascii_case("x-amz-date")
                    || (token.is_some() && name.eq_ignore_ascii_case("x-amz-security-token"))
                    || (add_content_sha256 && name.eq_ignore_ascii_case("x-amz-content-sha256"))))
    };
    let own: Vec<(&str, &str)> = request
        .headers
        .iter()
        .filter(|(name, _)| !replaced(name))
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect();

    let payload_hash = payload_hash(request, options, &own, add_content_sha256);

    // Headers the signer adds before signing, so they are signed.
    let mut added: Vec<(&'static str, String)> = Vec::new();
    if header_mode {
        added.push(("x-amz-date", amz_date.clone()));
        if add_content_sha256 {
            added.push(("x-amz-content-sha256", payload_hash.clone()));
        }
        if let Some(token) = token_signed {
            added.push(("x-amz-security-token", String::from(token)));
        }
    }

    let mut to_sign = own.clone();
    to_sign.extend(added.iter().map(|(name, value)| (*name, value.as_str())));
    let unsigned = |name: &str| {
        DEFAULT_UNSIGNED_HEADERS.contains(&name)
            || options
                .unsigned_headers
                .iter()
                .any(|unsigned| unsigned.eq_ignore_ascii_case(name))
    };
    let canonical_headers = headers::canonical_headers(&to_sign, &url.host_header, &unsigned);

    let credential = format!("{}/{}", credentials.access_key_id, scope.to_text());
    let mut query_pairs = url.query.map(canonical::query_pairs).unwrap_or_default();
    let presign_params = match presign_expires {
        Some(expires) => {
            presign::check_query(&query_pairs)?;
            let params = presign::signed_params(
                &credential,
                &amz_date,
                expires,
                &canonical_headers.signed,
                token_signed,
            );
            query_pairs.extend(presign::encoded_pairs(&params));
            Some(params)
        }
        None => None,
    };

    let canonical_request = canonical::canonical_request(
        &request.method,
        &canonical::canonical_uri(url.path, options.path_encoding, options.normalize_path),
        &canonical::canonical_query(query_pairs),
        &canonical_headers,
        &payload_hash,
    );
    let string_to_sign = string_to_sign::string_to_sign(&amz_date, &scope, &canonical_request);
    let signature = key::signature(&signing_key(&scope), &string_to_sign);

    let mut headers: Vec<(String, String)> = own
        .iter()
        .map(|(name, value)| (String::from(*name), String::from(*value)))
        .collect();
    let signed_url = match presign_params {
        Some(params) => presign::presigned_url(&url, &params, token_after_signing, &signature),
        None => {
            headers.extend(
                added
                    .into_iter()
                    .map(|(name, value)| (String::from(name), value)),
            );
            if let Some(token) = token_after_signing {
                headers.push((String::from("x-amz-security-token"), String::from(token)));
            }
            let authorization = format!(
                "{ALGORITHM} Credential={credential}, SignedHeaders={}, Signature={signature}",
                canonical_headers.signed
            );
            headers.push((String::from("authorization"), authorization));
            request.url.clone()
        }
    };

    Ok(SignedRequest {
        method: request.method.clone(),
        url: signed_url,
        headers,
        signature,
        canonical_request,
        string_to_sign,
    })
}

/// Returns the payload hash: from the options, unless the request carries
/// its own `x-amz-content-sha256` header that the signer does not replace.
fn payload_hash(
    request: &HttpRequest,
    options: &SigningOptions,
    own_headers: &[(&str, &str)],
    add_content_sha256: bool,
) -> String {
    if !add_content_sha256 {
        let own = own_headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("x-amz-content-sha256"));
        if let Some((_, value)) = own {
            return headers::trim_all(value);
        }
    }
    match &options.payload {
        Payload::Hash if options.presign_expires.is_some() && options.service == "s3" => {
            String::from(UNSIGNED_PAYLOAD)
        }
        Payload::Hash => sha256_hex(&request.body),
        Payload::Unsigned => String::from(UNSIGNED_PAYLOAD),
        Payload::Precomputed(hash) => hash.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    // 2015-08-30T12:36:00Z, the time of AWS's signing test suites.
    const TIME: i64 = 1_440_938_160_000;

    fn credentials() -> Credentials {
        Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
    }

    fn request(url: &str) -> HttpRequest {
        HttpRequest {
            method: "GET".into(),
            url: url.into(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    fn header<'a>(signed: &'a SignedRequest, name: &str) -> Option<&'a str> {
        signed
            .headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    #[test]
    fn get_vanilla_signature() {
        let options = SigningOptions::new("us-east-1", "service", TIME);
        let signed = sign(
            &request("https://example.amazonaws.com/"),
            &credentials(),
            &options,
        )
        .unwrap();
        assert_eq!(
            signed.signature,
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
        assert_eq!(header(&signed, "x-amz-date"), Some("20150830T123600Z"));
        assert_eq!(signed.url, "https://example.amazonaws.com/");
    }

    #[test]
    fn signer_matches_sign_and_caches_keys() {
        let mut signer = Signer::new(credentials());
        let req = request("https://example.amazonaws.com/");
        let mut options = SigningOptions::new("us-east-1", "service", TIME);
        let expected = sign(&req, &credentials(), &options).unwrap();
        assert_eq!(signer.sign(&req, &options).unwrap(), expected);
        assert_eq!(signer.sign(&req, &options).unwrap(), expected);
        assert_eq!(signer.cached_key_count(), 1);

        // Another second of the same day reuses the key.
        options.time += 1000;
        signer.sign(&req, &options).unwrap();
        assert_eq!(signer.cached_key_count(), 1);

        options.region = "eu-west-1".into();
        let other_region = signer.sign(&req, &options).unwrap();
        assert_eq!(other_region, sign(&req, &credentials(), &options).unwrap());
        assert_eq!(signer.cached_key_count(), 2);
    }

    #[test]
    fn replaces_previous_signing_headers() {
        let mut req = request("https://example.amazonaws.com/");
        req.headers = vec![
            ("Authorization".into(), "old".into()),
            ("X-Amz-Date".into(), "19990101T000000Z".into()),
            ("X-Amz-Security-Token".into(), "old-token".into()),
            ("X-Custom".into(), "kept".into()),
        ];
        let creds = credentials().with_session_token("new-token");
        let options = SigningOptions::new("us-east-1", "service", TIME);
        let signed = sign(&req, &creds, &options).unwrap();
        let names: Vec<&str> = signed.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "X-Custom",
                "x-amz-date",
                "x-amz-security-token",
                "authorization"
            ]
        );
        assert_eq!(header(&signed, "x-amz-security-token"), Some("new-token"));
    }

    #[test]
    fn own_content_sha256_header_is_the_payload_hash() {
        let mut req = request("https://example.amazonaws.com/");
        req.headers = vec![("x-amz-content-sha256".into(), "UNSIGNED-PAYLOAD".into())];
        req.body = b"body".to_vec();
        let options = SigningOptions::new("us-east-1", "service", TIME);
        let signed = sign(&req, &credentials(), &options).unwrap();
        assert!(signed.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));

        // With `content_sha256_header` the signer replaces it.
        let options = SigningOptions::s3("us-east-1", TIME);
        let signed = sign(&req, &credentials(), &options).unwrap();
        let body_hash = sha256_hex(b"body");
        assert!(signed.canonical_request.ends_with(&body_hash));
        assert_eq!(
            header(&signed, "x-amz-content-sha256"),
            Some(body_hash.as_str())
        );
    }

    #[test]
    fn presigned_s3_url_is_unsigned_payload() {
        let mut options = SigningOptions::s3("us-east-1", TIME);
        options.presign_expires = Some(60);
        let mut req = request("https://b.s3.amazonaws.com/k");
        req.body = b"ignored".to_vec();
        let signed = sign(&req, &credentials(), &options).unwrap();
        assert!(signed
            .canonical_request
            .ends_with("\nhost\nUNSIGNED-PAYLOAD"));
        assert!(signed.headers.is_empty());
    }
}
