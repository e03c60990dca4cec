//! The signing key, derived from the secret access key and the scope, the
//! signature computed with it, and a cache of derived keys.
//!
//! ```text
//! kDate    = HMAC-SHA256("AWS4" + secret, yyyymmdd)
//! kRegion  = HMAC-SHA256(kDate, region)
//! kService = HMAC-SHA256(kRegion, service)
//! kSigning = HMAC-SHA256(kService, "aws4_request")
//! signature = hex(HMAC-SHA256(kSigning, string to sign))
//! ```

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::string_to_sign::Scope;
use crate::encoding::hex;

/// A derived signing key. It grants signing rights for one scope, so its
/// `Debug` prints a redaction marker.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct SigningKey([u8; 32]);

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(** redacted **)")
    }
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    // hmac 0.12 hashes a key longer than the block size and pads a shorter
    // one, so its `new_from_slice` always returns `Ok`.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Derives the signing key for `scope` from the secret access key.
pub(crate) fn derive_signing_key(secret_access_key: &str, scope: &Scope<'_>) -> SigningKey {
    let mut secret = Vec::with_capacity(4 + secret_access_key.len());
    secret.extend_from_slice(b"AWS4");
    secret.extend_from_slice(secret_access_key.as_bytes());
    let date_key = hmac_sha256(&secret, scope.date.as_bytes());
    let region_key = hmac_sha256(&date_key, scope.region.as_bytes());
    let service_key = hmac_sha256(&region_key, scope.service.as_bytes());
    SigningKey(hmac_sha256(&service_key, b"aws4_request"))
}

/// Returns the hex signature of `string_to_sign`.
pub(crate) fn signature(key: &SigningKey, string_to_sign: &str) -> String {
    hex(&hmac_sha256(&key.0, string_to_sign.as_bytes()))
}

/// Derived signing keys of one secret access key, by date, region and
/// service.
///
/// A key is valid for one UTC day, so a long-running signer keeps needing
/// new ones. The cache keeps at most [`KeyCache::CAPACITY`] keys and drops
/// the oldest entry when full.
#[derive(Clone, Debug, Default)]
pub(crate) struct KeyCache {
    entries: Vec<(CacheKey, SigningKey)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct CacheKey {
    date: String,
    region: String,
    service: String,
}

impl KeyCache {
    /// The maximum number of cached keys: enough for every region and
    /// service one process signs for in a day, in the common case.
    pub(crate) const CAPACITY: usize = 16;

    /// Returns the cached key for `scope`, deriving and caching it first if
    /// needed.
    pub(crate) fn get_or_derive(
        &mut self,
        secret_access_key: &str,
        scope: &Scope<'_>,
    ) -> SigningKey {
        let found = self.entries.iter().find(|(key, _)| {
            key.date == scope.date && key.region == scope.region && key.service == scope.service
        });
        if let Some((_, signing_key)) = found {
            return signing_key.clone();
        }
        let signing_key = derive_signing_key(secret_access_key, scope);
        if self.entries.len() >= Self::CAPACITY {
            self.entries.remove(0);
        }
        let cache_key = CacheKey {
            date: scope.date.into(),
            region: scope.region.into(),
            service: scope.service.into(),
        };
        self.entries.push((cache_key, signing_key.clone()));
        signing_key
    }

    /// Returns the number of cached keys.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    fn scope<'a>(date: &'a str, region: &'a str) -> Scope<'a> {
        Scope {
            date,
            region,
            service: "iam",
        }
    }

    #[test]
    fn derived_key_matches_aws_example() {
        // The signing key example of AWS's "Derive a signing key" page
        // (secret `wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY`, 20120215,
        // us-east-1, iam).
        let key = derive_signing_key(
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            &scope("20120215", "us-east-1"),
        );
        assert_eq!(
            hex(&key.0),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }

    #[test]
    fn cache_reuses_and_bounds_keys() {
        let mut cache = KeyCache::default();
        let first = cache.get_or_derive("secret", &scope("20150830", "us-east-1"));
        let again = cache.get_or_derive("secret", &scope("20150830", "us-east-1"));
        assert_eq!(first, again);
        assert_eq!(cache.len(), 1);
        for day in 0..KeyCache::CAPACITY + 3 {
            let date = format!("201509{:02}", day + 1);
            cache.get_or_derive("secret", &scope(&date, "us-east-1"));
        }
        assert_eq!(cache.len(), KeyCache::CAPACITY);
    }

    #[test]
    fn debug_hides_key_bytes() {
        let mut cache = KeyCache::default();
        let key = cache.get_or_derive("secret", &scope("20150830", "us-east-1"));
        let text = format!("{cache:?}");
        assert!(text.contains("redacted"), "{text}");
        assert!(!text.contains(&format!("{:?}", key.0)), "{text}");
    }
}
