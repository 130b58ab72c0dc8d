//! Token keys from configuration: the `care` function signs with `RAINBOWNET_JWT_SEED`
//! (32 bytes, hex); every function verifies with `RAINBOWNET_JWT_PUBLIC_KEY` (hex), or with
//! the key derived from the seed where it has one.

use crate::env::Env;
use crate::error::Error;

pub const SEED_KEY: &str = crate::settings::JWT_SEED.name;
pub const PUBLIC_KEY_KEY: &str = crate::settings::JWT_PUBLIC_KEY.name;

pub fn from_hex(text: &str) -> Option<[u8; 32]> {
    let text = text.trim();
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn signing_seed(env: &Env) -> Result<[u8; 32], Error> {
    env.config
        .get(SEED_KEY)
        .and_then(|s| from_hex(&s))
        .ok_or(Error::NotConfigured(
            "RAINBOWNET_JWT_SEED (64 hex characters)",
        ))
}

pub fn verifying_key(env: &Env) -> Result<[u8; 32], Error> {
    if let Some(key) = env.config.get(PUBLIC_KEY_KEY).and_then(|s| from_hex(&s)) {
        return Ok(key);
    }
    signing_seed(env).map(|seed| super::token::public_key(&seed))
}

#[cfg(test)]
mod tests {
    #[test]
    fn hex_round_trips_and_refuses_bad_input() {
        let bytes = [0xab; 32];
        assert_eq!(super::from_hex(&super::to_hex(&bytes)), Some(bytes));
        assert_eq!(super::from_hex("abc"), None);
        assert_eq!(super::from_hex(&"zz".repeat(32)), None);
    }
}
