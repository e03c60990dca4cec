//! Glue for the `signing` interface.

use core::cell::RefCell;

use super::convert::{credentials_from_wit, error_to_wit, request_from_wit};
use super::exports::rolechain::aws::signing as wit;
use super::exports::rolechain::aws::types::{Credentials, ErrorCode, HttpRequest};
use super::Component;
use crate::sigv4;

fn options_from_wit(options: wit::SigningOptions) -> sigv4::SigningOptions {
    sigv4::SigningOptions {
        region: options.region,
        service: options.service,
        time: options.time,
        presign_expires: options.presign_expires,
        path_encoding: match options.path_encoding {
            wit::PathEncoding::Double => sigv4::PathEncoding::Double,
            wit::PathEncoding::Single => sigv4::PathEncoding::Single,
        },
        normalize_path: options.normalize_path,
        payload: match options.payload {
            wit::Payload::HashBody => sigv4::Payload::Hash,
            wit::Payload::Unsigned => sigv4::Payload::Unsigned,
            wit::Payload::Precomputed(hash) => sigv4::Payload::Precomputed(hash),
        },
        content_sha256_header: options.content_sha256_header,
        session_token_mode: match options.session_token_mode {
            wit::SessionTokenMode::Signed => sigv4::SessionTokenMode::Signed,
            wit::SessionTokenMode::AfterSigning => sigv4::SessionTokenMode::AfterSigning,
        },
        unsigned_headers: options.unsigned_headers,
    }
}

fn options_to_wit(options: sigv4::SigningOptions) -> wit::SigningOptions {
    wit::SigningOptions {
        region: options.region,
        service: options.service,
        time: options.time,
        presign_expires: options.presign_expires,
        path_encoding: match options.path_encoding {
            sigv4::PathEncoding::Double => wit::PathEncoding::Double,
            sigv4::PathEncoding::Single => wit::PathEncoding::Single,
        },
        normalize_path: options.normalize_path,
        payload: match options.payload {
            sigv4::Payload::Hash => wit::Payload::HashBody,
            sigv4::Payload::Unsigned => wit::Payload::Unsigned,
            sigv4::Payload::Precomputed(hash) => wit::Payload::Precomputed(hash),
        },
        content_sha256_header: options.content_sha256_header,
        session_token_mode: match options.session_token_mode {
            sigv4::SessionTokenMode::Signed => wit::SessionTokenMode::Signed,
            sigv4::SessionTokenMode::AfterSigning => wit::SessionTokenMode::AfterSigning,
        },
        unsigned_headers: options.unsigned_headers,
    }
}

fn signed_to_wit(signed: sigv4::SignedRequest) -> wit::SignedRequest {
    wit::SignedRequest {
        method: signed.method,
        url: signed.url,
        headers: signed.headers,
        signature: signed.signature,
        canonical_request: signed.canonical_request,
        string_to_sign: signed.string_to_sign,
    }
}

impl wit::Guest for Component {
    type Signer = Signer;

    fn default_options(
        region: alloc::string::String,
        service: alloc::string::String,
        time: i64,
    ) -> wit::SigningOptions {
        options_to_wit(sigv4::SigningOptions::new(&region, &service, time))
    }

    fn s3_options(region: alloc::string::String, time: i64) -> wit::SigningOptions {
        options_to_wit(sigv4::SigningOptions::s3(&region, time))
    }

    fn sign(
        request: HttpRequest,
        credentials: Credentials,
        options: wit::SigningOptions,
    ) -> Result<wit::SignedRequest, ErrorCode> {
        sigv4::sign(
            &request_from_wit(request),
            &credentials_from_wit(credentials),
            &options_from_wit(options),
        )
        .map(signed_to_wit)
        .map_err(error_to_wit)
    }
}

/// The `signer` resource: a core signer behind a `RefCell`, because WIT
/// methods take `&self`.
pub struct Signer(RefCell<sigv4::Signer>);

impl wit::GuestSigner for Signer {
    fn new(credentials: Credentials) -> Self {
        Signer(RefCell::new(sigv4::Signer::new(credentials_from_wit(
            credentials,
        ))))
    }

    fn sign(
        &self,
        request: HttpRequest,
        options: wit::SigningOptions,
    ) -> Result<wit::SignedRequest, ErrorCode> {
        self.0
            .borrow_mut()
            .sign(&request_from_wit(request), &options_from_wit(options))
            .map(signed_to_wit)
            .map_err(error_to_wit)
    }
}
