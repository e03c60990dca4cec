//! AWS Signature Version 4: canonical request, string to sign, signing key,
//! and the `Authorization` header or presigned URL built from them.
//!
//! The signer works on the request as it goes on the wire: it splits the
//! URL itself (`url.rs`), and decodes, normalizes or re-encodes only where
//! the SigV4 rules require it. For a request already in canonical wire form
//! (a path and query of unreserved characters and uppercase `%XX` escapes),
//! the result is what botocore 1.43 computes, which is what moto checks.
//!
//! The steps, one module each:
//!
//! 1. `canonical.rs` and `headers.rs`: the canonical request;
//! 2. `string_to_sign.rs`: the credential scope and the string to sign;
//! 3. `key.rs`: the signing key and the signature;
//! 4. `signing.rs`, or `presign.rs` for presigned URLs: the signed request.
//!
//! `signing.rs` runs the steps in order, after the checks of `validate.rs`.
//!
//! Known differences from botocore, for requests that are not in canonical
//! wire form, are listed in `tests/sigv4_regressions.rs`.

mod canonical;
mod headers;
mod key;
mod presign;
mod redact;
mod signing;
mod string_to_sign;
mod url;
mod validate;

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

pub use headers::DEFAULT_UNSIGNED_HEADERS;
pub use presign::MAX_PRESIGN_EXPIRES;

use key::KeyCache;
use signing::sign_with_key;

use crate::{Credentials, Error, HttpRequest};

/// The encoding of the request path in the canonical request.
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

/// The payload hash of the canonical request.
///
/// When the request carries its own `x-amz-content-sha256` header and
/// [`SigningOptions::content_sha256_header`] is off, that header's value is
/// the payload hash instead. S3 reads the hash from that header, and so does
/// botocore, which moto uses to check signatures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Payload {
    /// SHA-256 of the body. A presigned S3 URL (service `s3`) uses
    /// `UNSIGNED-PAYLOAD` instead, because the body is not known when the
    /// URL is made. botocore's S3 presigner does the same.
    Hash,
    /// The literal `UNSIGNED-PAYLOAD`.
    Unsigned,
    /// A hex SHA-256 computed by the caller (or another literal such as
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`).
    Precomputed(String),
}

/// The placement of the session token.
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
    /// The encoding of the path in the canonical request.
    pub path_encoding: PathEncoding,
    /// Remove `.` and `..` segments and repeated slashes from the path
    /// before encoding it (every service but S3).
    pub normalize_path: bool,
    /// The payload hash of the canonical request.
    pub payload: Payload,
    /// Add and sign `x-amz-content-sha256` (required by S3). Ignored when
    /// presigning, because a presigned URL carries no headers of its own.
    pub content_sha256_header: bool,
    /// The placement of the session token, when the credentials have one.
    pub session_token_mode: SessionTokenMode,
    /// More header names (any case) to leave unsigned, besides
    /// [`DEFAULT_UNSIGNED_HEADERS`]. Listing `host`, `x-amz-date` or a
    /// header the options add as signed is an error.
    pub unsigned_headers: Vec<String>,
}

/// A signed request and the intermediate values, for debugging.
///
/// Its `Debug` replaces the session token with a redaction marker wherever
/// it appears: in the `x-amz-security-token` header, the
/// `X-Amz-Security-Token` query parameter and the canonical request.
#[derive(Clone, PartialEq, Eq)]
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

impl fmt::Debug for SignedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), redact::header_value(name, value)))
            .collect();
        f.debug_struct("SignedRequest")
            .field("method", &self.method)
            .field("url", &redact::query_token(&self.url))
            .field("headers", &headers)
            .field("signature", &self.signature)
            .field(
                "canonical_request",
                &redact::canonical_request(&self.canonical_request),
            )
            .field("string_to_sign", &self.string_to_sign)
            .finish()
    }
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
/// option or credential. The message names the value (never a secret) and
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

#[cfg(test)]
mod tests {
    use super::string_to_sign::sha256_hex;
    use super::*;
    use alloc::format;
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
    fn debug_hides_session_token() {
        let creds = credentials().with_session_token("token-value");
        let req = request("https://example.amazonaws.com/");
        let mut options = SigningOptions::new("us-east-1", "service", TIME);
        for (presign, mode) in [
            (None, SessionTokenMode::Signed),
            (None, SessionTokenMode::AfterSigning),
            (Some(60), SessionTokenMode::Signed),
            (Some(60), SessionTokenMode::AfterSigning),
        ] {
            options.presign_expires = presign;
            options.session_token_mode = mode;
            let signed = sign(&req, &creds, &options).unwrap();
            let all_fields = format!(
                "{}{:?}{}",
                signed.url, signed.headers, signed.canonical_request
            );
            assert!(all_fields.contains("token-value"));
            let text = format!("{signed:?}");
            assert!(!text.contains("token-value"), "{text}");
            assert!(text.contains("** redacted **"), "{text}");
        }
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
