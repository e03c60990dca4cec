//! Builders for STS query-protocol requests.
//!
//! Each builder returns an unsigned [`HttpRequest`]: `POST` to the endpoint
//! URL with a `application/x-www-form-urlencoded; charset=utf-8` body.
//! Parameter names and the list encoding (`PolicyArns.member.1.arn`) are
//! those of the STS API reference, version 2011-06-15.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::encoding::form_encode;
use crate::plan::model::{AssumeRoleOptions, StsEndpoint};
use crate::sigv4::{self, SignedRequest, SigningOptions};
use crate::{Credentials, Error, HttpRequest};

/// The STS API version every request names.
pub const API_VERSION: &str = "2011-06-15";

/// The content type of every STS request body.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// Parameters of one AssumeRole call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AssumeRoleRequest<'a> {
    pub role_arn: &'a str,
    pub role_session_name: &'a str,
    pub duration_seconds: Option<u32>,
    pub external_id: Option<&'a str>,
    /// `SerialNumber`: the MFA device.
    pub serial_number: Option<&'a str>,
    /// `TokenCode`: the MFA code. It is a secret: it is sent in the body
    /// only and never printed.
    pub token_code: Option<&'a str>,
    pub options: Option<&'a AssumeRoleOptions>,
}

/// Parameters of one GetSessionToken call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GetSessionTokenRequest<'a> {
    pub duration_seconds: Option<u32>,
    pub serial_number: Option<&'a str>,
    /// The MFA code; never printed.
    pub token_code: Option<&'a str>,
}

/// Parameters of one AssumeRoleWithWebIdentity call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WebIdentityRequest<'a> {
    pub role_arn: &'a str,
    pub role_session_name: &'a str,
    /// The OIDC token read from the token file. It is a credential and the
    /// request body contains it, so hosts must not print this request.
    pub web_identity_token: &'a str,
    pub duration_seconds: Option<u32>,
}

struct Form(String);

impl Form {
    fn new(action: &str) -> Self {
        Form(format!("Action={action}&Version={API_VERSION}"))
    }

    fn add(&mut self, name: &str, value: &str) {
        self.0.push('&');
        self.0.push_str(name);
        self.0.push('=');
        self.0.push_str(&form_encode(value));
    }

    fn add_opt(&mut self, name: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.add(name, value);
        }
    }

    fn into_request(self, endpoint: &StsEndpoint) -> HttpRequest {
        let mut headers = Vec::new();
        if let Some(host) = host_of(&endpoint.url) {
            headers.push(("host".to_string(), host.to_string()));
        }
        headers.push(("content-type".to_string(), FORM_CONTENT_TYPE.to_string()));
        // STS takes every request at the root path.
        let mut url = endpoint.url.clone();
        if !url[scheme_len(&url)..].contains('/') {
            url.push('/');
        }
        HttpRequest {
            method: "POST".to_string(),
            url,
            headers,
            body: self.0.into_bytes(),
        }
    }
}

fn scheme_len(url: &str) -> usize {
    url.find("://").map_or(0, |i| i + 3)
}

/// The `host[:port]` part of an absolute URL, without user info.
fn host_of(url: &str) -> Option<&str> {
    let rest = &url[scheme_len(url)..];
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit('@').next()?;
    (!host.is_empty()).then_some(host)
}

/// Builds an unsigned AssumeRole request with every parameter given.
pub fn assume_role(endpoint: &StsEndpoint, request: &AssumeRoleRequest<'_>) -> HttpRequest {
    let mut form = Form::new("AssumeRole");
    form.add("RoleArn", request.role_arn);
    form.add("RoleSessionName", request.role_session_name);
    if let Some(duration) = request.duration_seconds {
        form.add("DurationSeconds", &duration.to_string());
    }
    form.add_opt("ExternalId", request.external_id);
    if let Some(options) = request.options {
        form.add_opt("Policy", options.policy.as_deref());
        for (i, arn) in options.policy_arns.iter().enumerate() {
            form.add(&format!("PolicyArns.member.{}.arn", i + 1), arn);
        }
        for (i, (key, value)) in options.tags.iter().enumerate() {
            form.add(&format!("Tags.member.{}.Key", i + 1), key);
            form.add(&format!("Tags.member.{}.Value", i + 1), value);
        }
        for (i, key) in options.transitive_tag_keys.iter().enumerate() {
            form.add(&format!("TransitiveTagKeys.member.{}", i + 1), key);
        }
        form.add_opt("SourceIdentity", options.source_identity.as_deref());
    }
    form.add_opt("SerialNumber", request.serial_number);
    form.add_opt("TokenCode", request.token_code);
    form.into_request(endpoint)
}

/// Builds an unsigned GetSessionToken request.
pub fn get_session_token(
    endpoint: &StsEndpoint,
    request: &GetSessionTokenRequest<'_>,
) -> HttpRequest {
    let mut form = Form::new("GetSessionToken");
    if let Some(duration) = request.duration_seconds {
        form.add("DurationSeconds", &duration.to_string());
    }
    form.add_opt("SerialNumber", request.serial_number);
    form.add_opt("TokenCode", request.token_code);
    form.into_request(endpoint)
}

/// Builds an unsigned GetCallerIdentity request.
pub fn get_caller_identity(endpoint: &StsEndpoint) -> HttpRequest {
    Form::new("GetCallerIdentity").into_request(endpoint)
}

/// Builds an AssumeRoleWithWebIdentity request. STS takes it unsigned:
/// the token in the body authenticates the caller.
pub fn assume_role_with_web_identity(
    endpoint: &StsEndpoint,
    request: &WebIdentityRequest<'_>,
) -> HttpRequest {
    let mut form = Form::new("AssumeRoleWithWebIdentity");
    form.add("RoleArn", request.role_arn);
    form.add("RoleSessionName", request.role_session_name);
    form.add("WebIdentityToken", request.web_identity_token);
    if let Some(duration) = request.duration_seconds {
        form.add("DurationSeconds", &duration.to_string());
    }
    form.into_request(endpoint)
}

/// Signs an STS request with SigV4 for service `sts` and the endpoint's
/// signing region, at `now` (milliseconds since the Unix epoch).
///
/// Fails as [`crate::sigv4::sign`] does.
pub fn sign_request(
    request: &HttpRequest,
    credentials: &Credentials,
    endpoint: &StsEndpoint,
    now: i64,
) -> Result<SignedRequest, Error> {
    let options = SigningOptions::new(&endpoint.signing_region, "sts", now);
    sigv4::sign(request, credentials, &options)
}
