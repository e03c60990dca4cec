//! The SigV4 steps for one request, from the checks on the input to the
//! signed request: the `Authorization` header, or the presigned URL.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::headers::{self, DEFAULT_UNSIGNED_HEADERS};
use super::key::{self, SigningKey};
use super::string_to_sign::{self, sha256_hex, Scope, ALGORITHM};
use super::{canonical, presign, url, validate};
use super::{Payload, SessionTokenMode, SignedRequest, SigningOptions};
use crate::time::format_amz_date;
use crate::{Credentials, Error, HttpRequest};

/// The payload hash of a presigned S3 URL, or of an unsigned body.
const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// Signs `request`, taking the signing key for a scope from `signing_key`.
pub(crate) fn sign_with_key(
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
    let header_mode = options.presign_expires.is_none();
    let add_content_sha256 = header_mode && options.content_sha256_header;
    let token_signed = token.filter(|_| options.session_token_mode == SessionTokenMode::Signed);
    let token_after_signing =
        token.filter(|_| options.session_token_mode == SessionTokenMode::AfterSigning);

    // Task 1: the canonical request.
    let own = own_headers(request, header_mode, token.is_some(), add_content_sha256);
    let payload_hash = payload_hash(request, options, &own, add_content_sha256);
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
    let is_unsigned = |name: &str| {
        DEFAULT_UNSIGNED_HEADERS.contains(&name)
            || options
                .unsigned_headers
                .iter()
                .any(|unsigned| unsigned.eq_ignore_ascii_case(name))
    };
    let canonical_headers = headers::canonical_headers(&to_sign, &url.host_header, &is_unsigned);

    let credential = format!("{}/{}", credentials.access_key_id, scope.to_text());
    let mut query_pairs = url.query.map(canonical::query_pairs).unwrap_or_default();
    let presign_params = match options.presign_expires {
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

    // Tasks 2 and 3: the string to sign and the signature.
    let string_to_sign = string_to_sign::string_to_sign(&amz_date, &scope, &canonical_request);
    let signature = key::signature(&signing_key(&scope), &string_to_sign);

    // Task 4: the signature goes into the URL or the `Authorization` header.
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

/// Returns the request's own headers without those the signer replaces:
/// `authorization` always, and in header mode `x-amz-date`,
/// `x-amz-security-token` (when the credentials have a token) and
/// `x-amz-content-sha256` (when the signer adds it).
fn own_headers(
    request: &HttpRequest,
    header_mode: bool,
    has_token: bool,
    add_content_sha256: bool,
) -> Vec<(&str, &str)> {
    let is_replaced = |name: &str| {
        let is = |replaced: &str| name.eq_ignore_ascii_case(replaced);
        is("authorization")
            || (header_mode
                && (is("x-amz-date")
                    || (has_token && is("x-amz-security-token"))
                    || (add_content_sha256 && is("x-amz-content-sha256"))))
    };
    request
        .headers
        .iter()
        .filter(|(name, _)| !is_replaced(name))
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect()
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
