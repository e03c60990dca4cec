//! Checks of the MFA serial and TOTP code the host passes to
//! [`super::Session::handle_mfa`], with the limits of STS's `SerialNumber`
//! and `TokenCode` parameters.

use alloc::format;

use crate::Error;

/// Checks a TOTP code: exactly 6 ASCII digits. The message never contains
/// the code, which is a secret.
pub fn check_token_code(code: &str) -> Result<(), Error> {
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(Error::invalid_argument(
            "invalid MFA code: a TOTP code is exactly 6 digits; type the current 6-digit code from the device",
        ))
    }
}

/// Checks an MFA serial number or device ARN: 9 to 256 characters of
/// `[\w+=/:,.@-]`, where `\w` is an ASCII letter, digit or `_`.
///
/// The serial comes from the user's keyboard, and a user who types the TOTP
/// code at the serial prompt makes it a secret, so the message never quotes
/// it and gives only the expected format.
pub fn check_serial(serial: &str) -> Result<(), Error> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_+=/:,.@-".contains(c);
    let expected = "expected the MFA device's serial number or ARN, 9 to 256 characters of \
                    letters, digits and `_+=/:,.@-`, such as \
                    `arn:aws:iam::123456789012:mfa/user`; enter the serial again";
    let length = serial.chars().count();
    if !(9..=256).contains(&length) {
        return Err(Error::InvalidArgument(format!(
            "invalid MFA serial: it has {}; {expected}",
            crate::plan::validate::count_of(length, "character")
        )));
    }
    if !serial.chars().all(allowed) {
        return Err(Error::InvalidArgument(format!(
            "invalid MFA serial: it contains a character that is not allowed; {expected}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_codes() {
        assert!(check_token_code("012345").is_ok());
        assert!(check_token_code("12345").is_err());
        assert!(check_token_code("1234567").is_err());
        assert!(check_token_code("12345a").is_err());
        assert!(check_token_code("١٢٣٤٥٦").is_err());
    }

    #[test]
    fn serials() {
        assert!(check_serial("arn:aws:iam::123456789012:mfa/user").is_ok());
        assert!(check_serial("GAHT12345678").is_ok());
        assert!(check_serial("short").is_err());
        assert!(check_serial("arn:aws:iam::123456789012:mfa/us er").is_err());
        assert!(check_serial(&"a".repeat(257)).is_err());
        let error = check_serial("a").unwrap_err();
        assert!(error.to_string().contains("it has 1 character;"), "{error}");
    }

    #[test]
    fn serial_error_hides_no_code() {
        let error = check_token_code("999999x").unwrap_err();
        assert!(!error.to_string().contains("999999"));
        assert!(
            error
                .to_string()
                .ends_with("type the current 6-digit code from the device"),
            "{error}"
        );
    }

    #[test]
    fn serial_error_hides_typed_value() {
        // A user who types the code at the serial prompt.
        let error = check_serial("987654").unwrap_err();
        assert!(!error.to_string().contains("987654"), "{error}");
        let error = check_serial("9876543210 ").unwrap_err();
        assert!(!error.to_string().contains("9876543210"), "{error}");
    }
}
