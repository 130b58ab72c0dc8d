//! Password hashes: Argon2id with OWASP's minimum parameters (19 MiB, 2 passes, 1 lane),
//! stored as PHC strings so that parameters can be raised later without losing old hashes.
//! The salt comes from the randomness port; nothing here reads the OS.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

use super::AuthError;
use crate::env::Env;
use crate::error::Error;
use crate::ports::Permit;

pub const MIN_LENGTH: usize = 12;
/// Long enough for any passphrase, short enough that hashing it is not a denial of service.
pub const MAX_LENGTH: usize = 256;

fn argon2() -> Result<Argon2<'static>, AuthError> {
    let params = Params::new(19_456, 2, 1, None).map_err(|e| AuthError::Key(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Admission to hash (or verify) a password: held for the hash's 19 MiB, refused with
/// 503 when the host's queue of hashes is full.
pub fn admit(env: &Env) -> Result<Permit, Error> {
    env.admission.costly().ok_or(Error::Busy {
        retry_after_seconds: 1,
    })
}

/// Checks the policy: length only, as NIST SP 800-63B advises (no composition rules).
pub fn check_policy(password: &str) -> Result<(), AuthError> {
    let n = password.chars().count();
    if n < MIN_LENGTH {
        Err(AuthError::WeakPassword("at least 12 characters"))
    } else if n > MAX_LENGTH {
        Err(AuthError::WeakPassword("at most 256 characters"))
    } else {
        Ok(())
    }
}

pub fn hash(password: &str, salt: &[u8; 16]) -> Result<String, AuthError> {
    check_policy(password)?;
    argon2()?
        .hash_password_with_salt(password.as_bytes(), salt)
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Key(e.to_string()))
}

/// True when `password` matches the stored PHC string.
pub fn verify(password: &str, phc: &str) -> bool {
    if password.chars().count() > MAX_LENGTH {
        return false;
    }
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    argon2().is_ok_and(|a| a.verify_password(password.as_bytes(), &parsed).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_refuse() {
        let phc = hash("correct horse battery staple", &[7; 16]).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify("correct horse battery staple", &phc));
        assert!(!verify("correct horse battery stapl", &phc));
        assert!(!verify("x", "not a hash"));
        assert_eq!(
            hash("short", &[0; 16]),
            Err(AuthError::WeakPassword("at least 12 characters"))
        );
    }
}
