//! The bootstrap administrator token: a secret in configuration, sent as
//! `Authorization: Bearer …`. No token configured means administration is closed.

use ::http::header;

use crate::env::Env;
use crate::error::Error;
use crate::http::Request;

pub const CONFIG_KEY: &str = "RAINBOWNET_ADMIN_TOKEN";

/// Tokens shorter than this are refused even if configured, so a careless `x` can not
/// open administration.
const MIN_TOKEN_LEN: usize = 16;

pub fn require_admin(req: &Request, env: &Env) -> Result<(), Error> {
    let expected = env
        .config
        .get(CONFIG_KEY)
        .filter(|t| t.len() >= MIN_TOKEN_LEN)
        .ok_or(Error::Unauthorized)?;
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(Error::Unauthorized)?;
    if constant_time_eq(presented.as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(Error::Unauthorized)
    }
}

/// Compares without an early exit, so timing does not reveal how much of a guess matched.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    #[test]
    fn constant_time_eq_compares_whole_strings() {
        assert!(super::constant_time_eq(b"abc", b"abc"));
        assert!(!super::constant_time_eq(b"abc", b"abd"));
        assert!(!super::constant_time_eq(b"abc", b"abcd"));
    }
}
