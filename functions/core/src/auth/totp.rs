//! TOTP second factor (RFC 6238): 6 digits, 30-second steps, HMAC-SHA1 (what every
//! authenticator app supports), one step of clock skew either way. The caller stores the
//! last accepted step so that a code is accepted only once (RFC 6238 §5.2).

use totp_rs::{Algorithm, Builder, Secret, Totp};

use super::AuthError;

pub const ISSUER: &str = "RainbowNet";
/// 160 bits, as RFC 4226 recommends.
pub const SECRET_LEN: usize = 20;

fn totp(secret: &[u8], account: &str) -> Result<Totp, AuthError> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(secret.to_vec())
        .with_account_name(account)
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| AuthError::Key(format!("{e:?}")))
}

/// The secret as authenticator apps show it (base32).
pub fn to_base32(secret: &[u8]) -> String {
    Secret::from(secret.to_vec()).to_base32()
}

pub fn from_base32(text: &str) -> Result<Vec<u8>, AuthError> {
    Secret::try_from_base32(text)
        .map(|s| s.as_ref().to_vec())
        .map_err(|e| AuthError::Key(format!("{e:?}")))
}

/// The `otpauth://` URI to enrol an authenticator app (shown once, as text or QR code).
pub fn enrolment_uri(secret: &[u8], account: &str) -> Result<String, AuthError> {
    totp(secret, account)?
        .to_url()
        .map_err(|e| AuthError::Key(format!("{e:?}")))
}

/// The step a valid `code` belongs to at `now_seconds`, if it is valid and newer than
/// `last_step` (the step of the last code accepted for this account).
pub fn check(
    secret: &[u8],
    code: &str,
    now_seconds: u64,
    last_step: Option<u64>,
) -> Result<u64, AuthError> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let step = totp(secret, "check")?
        .check(&code, now_seconds)
        .ok_or(AuthError::Mismatch)?;
    if last_step.is_some_and(|last| step <= last) {
        return Err(AuthError::Mismatch);
    }
    Ok(step)
}

/// The current code (tests and enrolment checks).
pub fn code_at(secret: &[u8], now_seconds: u64) -> Result<String, AuthError> {
    Ok(totp(secret, "code")?.generate(now_seconds).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B's SHA-1 secret; the vectors there have 8 digits, these are their
    /// last 6.
    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn matches_rfc_6238_vectors() {
        assert_eq!(code_at(RFC_SECRET, 59).unwrap(), "287082");
        assert_eq!(code_at(RFC_SECRET, 1_111_111_109).unwrap(), "081804");
        assert_eq!(code_at(RFC_SECRET, 1_234_567_890).unwrap(), "005924");
    }

    #[test]
    fn accepts_a_code_once_within_the_skew() {
        let now = 1_800_000_000;
        let code = code_at(RFC_SECRET, now).unwrap();
        let step = check(RFC_SECRET, &code, now + 20, None).unwrap();
        assert_eq!(step, now / 30);
        assert_eq!(
            check(RFC_SECRET, &code, now + 20, Some(step)),
            Err(AuthError::Mismatch)
        );
        assert_eq!(
            check(RFC_SECRET, &code, now + 120, None),
            Err(AuthError::Mismatch)
        );
        assert_eq!(
            check(RFC_SECRET, "000000", now, None),
            Err(AuthError::Mismatch)
        );
    }

    #[test]
    fn enrolment_uri_and_base32_round_trip() {
        let uri = enrolment_uri(RFC_SECRET, "nurse@example.jp").unwrap();
        assert!(
            uri.starts_with("otpauth://totp/RainbowNet:nurse%40example.jp?"),
            "{uri}"
        );
        assert_eq!(from_base32(&to_base32(RFC_SECRET)).unwrap(), RFC_SECRET);
    }
}
