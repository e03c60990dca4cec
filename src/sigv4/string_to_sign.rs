//! The credential scope and the string to sign.
//!
//! ```text
//! AWS4-HMAC-SHA256
//! <X-Amz-Date>
//! <yyyymmdd>/<region>/<service>/aws4_request
//! <hex SHA-256 of the canonical request>
//! ```

use alloc::format;
use alloc::string::String;

use sha2::{Digest, Sha256};

use crate::encoding::hex;

/// The signing algorithm, first line of the string to sign and of the
/// `Authorization` header.
pub(crate) const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The credential scope: the date, region and service a signature and its
/// signing key are valid for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Scope<'a> {
    /// The date as `yyyymmdd`, the first 8 characters of `X-Amz-Date`.
    pub date: &'a str,
    pub region: &'a str,
    pub service: &'a str,
}

impl Scope<'_> {
    /// Formats the scope as `yyyymmdd/region/service/aws4_request`.
    pub(crate) fn to_text(&self) -> String {
        format!(
            "{}/{}/{}/aws4_request",
            self.date, self.region, self.service
        )
    }
}

/// Returns the lowercase hex SHA-256 of `data`.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

/// Builds the string to sign from the `X-Amz-Date` value, the scope and the
/// canonical request.
pub(crate) fn string_to_sign(amz_date: &str, scope: &Scope<'_>, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{amz_date}\n{}\n{}",
        scope.to_text(),
        sha256_hex(canonical_request.as_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_to_sign_layout() {
        let scope = Scope {
            date: "20150830",
            region: "us-east-1",
            service: "service",
        };
        // The canonical request of the signing test suite's `get-vanilla` case.
        let creq = "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n\
                    host;x-amz-date\n\
                    e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        assert_eq!(
            string_to_sign("20150830T123600Z", &scope, creq),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n\
             bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
        );
    }

    #[test]
    fn empty_payload_hash() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
