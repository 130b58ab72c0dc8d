//! Secrets that must be stored but must not be readable from a copy of the database:
//! the TOTP seeds. Sealed with ChaCha20-Poly1305 under a key from configuration
//! (`RAINBOWNET_DATA_KEY`, 32 bytes hex; without it, one derived from the token-signing
//! seed, which only the `care` function holds), bound to the row's owner by the
//! associated data so a sealed value copied onto another account does not open.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use sha2::{Digest, Sha256};

use super::AuthError;
use super::keys::{from_hex, signing_seed, to_hex};
use crate::env::Env;
use crate::error::Error;

pub const DATA_KEY: &str = crate::settings::DATA_KEY.name;
/// Marks a sealed value; anything else in the column is an older plain value.
const PREFIX: &str = "sealed1:";

/// The data key: configured, or derived from the signing seed under its own label.
pub fn data_key(env: &Env) -> Result<[u8; 32], Error> {
    if let Some(key) = env.config.get(DATA_KEY).and_then(|s| from_hex(&s)) {
        return Ok(key);
    }
    derived_key(env)
}

/// Opens a sealed value under the data key, or (sealed before a data key was configured)
/// under the key derived from the signing seed. The flag says whether it was the data key
/// itself; if not, the caller seals the value again under it.
pub fn open_current(env: &Env, stored: &str, owner: &str) -> Result<(Vec<u8>, bool), Error> {
    let current = data_key(env)?;
    match open(&current, stored, owner) {
        Ok(plain) => Ok((plain, true)),
        Err(first) => {
            let derived = derived_key(env)?;
            if derived == current {
                return Err(Error::Internal(first.to_string()));
            }
            open(&derived, stored, owner)
                .map(|plain| (plain, false))
                .map_err(|e| Error::Internal(e.to_string()))
        }
    }
}

/// The key derived from the signing seed: the data key where none is configured.
fn derived_key(env: &Env) -> Result<[u8; 32], Error> {
    let seed = signing_seed(env)?;
    let mut hash = Sha256::new();
    hash.update(b"rainbownet/data-key/v1\0");
    hash.update(seed);
    Ok(hash.finalize().into())
}

pub fn seal(key: &[u8; 32], nonce: [u8; 12], plaintext: &[u8], owner: &str) -> String {
    let cipher = ChaCha20Poly1305::new(&(*key).into());
    // Encryption with a 32-byte key and a 12-byte nonce can not fail.
    let sealed = cipher
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: plaintext,
                aad: owner.as_bytes(),
            },
        )
        .unwrap_or_default();
    format!("{PREFIX}{}{}", to_hex(&nonce), to_hex(&sealed))
}

pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

pub fn open(key: &[u8; 32], stored: &str, owner: &str) -> Result<Vec<u8>, AuthError> {
    let bad = || AuthError::Key("sealed value is damaged or belongs to another owner".into());
    let hex = stored.strip_prefix(PREFIX).ok_or_else(bad)?;
    let bytes: Vec<u8> = (0..hex.len() / 2)
        .map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2).unwrap_or("zz"), 16))
        .collect::<Result<_, _>>()
        .map_err(|_| bad())?;
    if bytes.len() < 12 + 16 || hex.len() % 2 != 0 {
        return Err(bad());
    }
    let (nonce, sealed) = bytes.split_at(12);
    let nonce: [u8; 12] = nonce.try_into().map_err(|_| bad())?;
    ChaCha20Poly1305::new(&(*key).into())
        .decrypt(
            &Nonce::from(nonce),
            Payload {
                msg: sealed,
                aad: owner.as_bytes(),
            },
        )
        .map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_for_its_owner_only() {
        let key = [7u8; 32];
        let stored = seal(&key, [1u8; 12], b"JBSWY3DPEHPK3PXP", "01OWNER");
        assert!(is_sealed(&stored));
        assert!(!stored.contains("JBSWY3DPEHPK3PXP"));
        assert_eq!(open(&key, &stored, "01OWNER").unwrap(), b"JBSWY3DPEHPK3PXP");
        assert!(open(&key, &stored, "01OTHER").is_err());
        assert!(open(&[8u8; 32], &stored, "01OWNER").is_err());
        let mut damaged = stored.clone();
        damaged.pop();
        assert!(open(&key, &damaged, "01OWNER").is_err());
        assert!(open(&key, "JBSWY3DPEHPK3PXP", "01OWNER").is_err());
    }
}
