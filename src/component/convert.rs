//! Conversions shared by every interface.

use alloc::string::ToString;

use super::exports::rolechain::aws::types as wit;
use crate::{Credentials, Error, HttpRequest, HttpResponse, Secret};

pub fn request_from_wit(request: wit::HttpRequest) -> HttpRequest {
    HttpRequest {
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: request.body,
    }
}

pub fn request_to_wit(request: HttpRequest) -> wit::HttpRequest {
    wit::HttpRequest {
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: request.body,
    }
}

pub fn response_from_wit(response: wit::HttpResponse) -> HttpResponse {
    HttpResponse {
        status: response.status,
        headers: response.headers,
        body: response.body,
    }
}

pub fn credentials_from_wit(credentials: wit::Credentials) -> Credentials {
    Credentials {
        access_key_id: credentials.access_key_id,
        secret_access_key: Secret::new(credentials.secret_access_key),
        session_token: credentials.session_token.map(Secret::new),
        expiration: credentials.expiration,
        account_id: credentials.account_id,
    }
}

pub fn credentials_to_wit(credentials: Credentials) -> wit::Credentials {
    wit::Credentials {
        access_key_id: credentials.access_key_id,
        secret_access_key: credentials.secret_access_key.expose().to_string(),
        session_token: credentials.session_token.map(|t| t.expose().to_string()),
        expiration: credentials.expiration,
        account_id: credentials.account_id,
    }
}

pub fn error_to_wit(error: Error) -> wit::ErrorCode {
    match error {
        Error::InvalidConfig(e) => wit::ErrorCode::InvalidConfig(wit::ConfigError {
            file: e.file,
            line: e.line,
            message: e.message,
        }),
        Error::InvalidArgument(m) => wit::ErrorCode::InvalidArgument(m),
        Error::NoSourceCredentials(m) => wit::ErrorCode::NoSourceCredentials(m),
        Error::Service(e) => wit::ErrorCode::ServiceError(wit::ServiceError {
            status: e.status,
            code: e.code,
            message: e.message,
            request_id: e.request_id,
            hint: e.hint,
        }),
        Error::MalformedResponse(m) => wit::ErrorCode::MalformedResponse(m),
        Error::Misuse(m) => wit::ErrorCode::Misuse(m),
        Error::Other(m) => wit::ErrorCode::Other(m),
    }
}
