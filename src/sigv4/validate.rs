//! Checks on the options, credentials and method before anything is
//! signed.
//!
//! Every value checked here ends up in a line of the canonical request or
//! the string to sign, or in the `Authorization` header, so a line break or
//! a delimiter in it would change what those lines mean. Messages never show
//! the secret access key or the session token.

use alloc::format;

use super::headers::is_token_byte;
use super::{presign, Payload, SessionTokenMode, SigningOptions};
use crate::time::DateTime;
use crate::{Credentials, Error};

/// Checks the region, service, time, expiry, payload hash and unsigned
/// header names of `options`. `has_session_token` is whether the
/// credentials carry a session token.
pub(crate) fn check_options(
    options: &SigningOptions,
    has_session_token: bool,
) -> Result<(), Error> {
    if !is_scope_name(&options.region) {
        return Err(Error::invalid_argument(format!(
            "invalid signing region `{}`: use a region name such as `us-east-1`",
            options.region.escape_debug()
        )));
    }
    if !is_scope_name(&options.service) {
        return Err(Error::invalid_argument(format!(
            "invalid signing service `{}`: use a service signing name such as `sts` or `s3`",
            options.service.escape_debug()
        )));
    }

    // `X-Amz-Date` has a four-digit year.
    let year = DateTime::from_millis(options.time).year;
    if !(0..=9999).contains(&year) {
        return Err(Error::invalid_argument(format!(
            "invalid signing time `{}` ms: use milliseconds since the Unix epoch \
             for a date in the years 0 to 9999",
            options.time
        )));
    }

    if let Some(expires) = options.presign_expires {
        presign::check_expires(expires)?;
    }

    if let Payload::Precomputed(hash) = &options.payload {
        if hash.is_empty() || !hash.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::invalid_argument(format!(
                "invalid precomputed payload hash `{}`: use the lowercase hex SHA-256 \
                 of the body, or a literal such as `UNSIGNED-PAYLOAD`",
                hash.escape_debug()
            )));
        }
    }

    check_unsigned_headers(options, has_session_token)
}

/// Rejects unsigned header names that SigV4 or the options require to be
/// signed: `host` and `x-amz-date` always, and `x-amz-content-sha256` and
/// `x-amz-security-token` when the signer adds them as signed headers.
fn check_unsigned_headers(options: &SigningOptions, has_session_token: bool) -> Result<(), Error> {
    let header_mode = options.presign_expires.is_none();
    for name in &options.unsigned_headers {
        let is = |expected: &str| name.eq_ignore_ascii_case(expected);
        let conflict = if is("host") || is("x-amz-date") {
            Some(("SigV4 requires it", "remove it from `unsigned_headers`"))
        } else if is("x-amz-content-sha256") && header_mode && options.content_sha256_header {
            Some((
                "`content_sha256_header` adds it as a signed header",
                "remove it from `unsigned_headers` or turn `content_sha256_header` off",
            ))
        } else if is("x-amz-security-token")
            && header_mode
            && has_session_token
            && options.session_token_mode == SessionTokenMode::Signed
        {
            Some((
                "the session token is signed",
                "remove it from `unsigned_headers` or use `SessionTokenMode::AfterSigning`",
            ))
        } else {
            None
        };
        if let Some((reason, fix)) = conflict {
            return Err(Error::invalid_argument(format!(
                "header `{}` cannot be left unsigned because {reason}: {fix}",
                name.escape_debug()
            )));
        }
    }
    Ok(())
}

/// Returns whether `name` can be a region or service in the credential scope:
/// AWS's names use letters, digits and `-`, and `.` or `_` are accepted
/// for other SigV4 servers. A `/` would split the scope.
fn is_scope_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
}

/// Checks the access key ID, secret access key and session token.
pub(crate) fn check_credentials(credentials: &Credentials) -> Result<(), Error> {
    let access_key_id = credentials.access_key_id.as_str();
    if access_key_id.is_empty() {
        return Err(Error::invalid_argument(
            "missing access key ID: check the credential source",
        ));
    }
    // The ID goes into `Credential=<id>/<scope>,` of the `Authorization`
    // header, where `/`, `,` or a space would end it early.
    if !access_key_id
        .bytes()
        .all(|b| b.is_ascii_graphic() && b != b'/' && b != b',')
    {
        return Err(Error::invalid_argument(format!(
            "invalid access key ID `{}`: use letters and digits, such as `AKIAIOSFODNN7EXAMPLE`",
            access_key_id.escape_debug()
        )));
    }
    if credentials.secret_access_key.expose().is_empty() {
        return Err(Error::invalid_argument(format!(
            "missing secret access key for access key ID `{access_key_id}`: \
             check the credential source"
        )));
    }
    if let Some(token) = &credentials.session_token {
        let control = token.expose().bytes().position(|b| b.is_ascii_control());
        if let Some(index) = control {
            return Err(Error::invalid_argument(format!(
                "invalid session token for access key ID `{access_key_id}`: \
                 control character at byte {index}; check the credential source"
            )));
        }
    }
    Ok(())
}

/// Checks that `method` is an HTTP token, such as `GET`.
pub(crate) fn check_method(method: &str) -> Result<(), Error> {
    if method.is_empty() || !method.bytes().all(is_token_byte) {
        return Err(Error::invalid_argument(format!(
            "invalid HTTP method `{}`: use a method such as `GET` or `POST`",
            method.escape_debug()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::{String, ToString};
    use alloc::vec;

    fn message(result: Result<(), Error>) -> String {
        result.expect_err("expected an error").to_string()
    }

    #[test]
    fn scope_names() {
        let mut options = SigningOptions::new("us-east-1", "sts", 0);
        assert!(check_options(&options, false).is_ok());
        options.region = "us east".into();
        assert!(message(check_options(&options, false)).contains("region `us east`"));
        options.region = "us-east-1".into();
        options.service = "s3/x".into();
        assert!(message(check_options(&options, false)).contains("service `s3/x`"));
        options.service = String::new();
        assert!(check_options(&options, false).is_err());
    }

    #[test]
    fn time_range() {
        let mut options = SigningOptions::new("us-east-1", "sts", -1);
        assert!(check_options(&options, false).is_ok());
        options.time = i64::MAX;
        assert!(message(check_options(&options, false)).contains("signing time"));
        options.time = i64::MIN;
        assert!(check_options(&options, false).is_err());
    }

    #[test]
    fn precomputed_hash() {
        let mut options = SigningOptions::new("us-east-1", "s3", 0);
        options.payload = Payload::Precomputed("STREAMING-AWS4-HMAC-SHA256-PAYLOAD".into());
        assert!(check_options(&options, false).is_ok());
        options.payload = Payload::Precomputed("abc\ndef".into());
        assert!(check_options(&options, false).is_err());
        options.payload = Payload::Precomputed(String::new());
        assert!(check_options(&options, false).is_err());
    }

    #[test]
    fn required_headers_stay_signed() {
        let mut options = SigningOptions::s3("us-east-1", 0);
        for name in ["Host", "X-Amz-Date", "x-amz-content-sha256"] {
            options.unsigned_headers = vec![name.into()];
            assert!(
                message(check_options(&options, false)).contains(name),
                "{name}"
            );
        }
        options.unsigned_headers = vec!["x-amz-security-token".into()];
        assert!(check_options(&options, false).is_ok());
        assert!(check_options(&options, true).is_err());
        options.session_token_mode = SessionTokenMode::AfterSigning;
        assert!(check_options(&options, true).is_ok());
        options.unsigned_headers = vec!["x-custom".into()];
        assert!(check_options(&options, true).is_ok());
    }

    #[test]
    fn credential_checks_hide_secrets() {
        let credentials =
            Credentials::new("AKID", "top-secret").with_session_token("tok\nen-value");
        let text = message(check_credentials(&credentials));
        assert!(text.contains("byte 3"), "{text}");
        assert!(!text.contains("en-value"), "{text}");
        assert!(!text.contains("top-secret"), "{text}");
        assert!(check_credentials(&Credentials::new("AK/ID", "s")).is_err());
        assert!(check_credentials(&Credentials::new("", "s")).is_err());
        assert!(check_credentials(&Credentials::new("AKID", "")).is_err());
    }

    #[test]
    fn methods() {
        assert!(check_method("GET").is_ok());
        assert!(check_method("").is_err());
        assert!(check_method("GET /").is_err());
    }
}
