//! The bootstrap administrator token: a secret in configuration, sent as
//! `Authorization: Bearer …`. No token configured means administration is closed.
//!
//! It exists to register the first administrators. It has no second factor and no person
//! behind it, so it closes for good once an active sysadmin exists: a flag in the `auth`
//! KV store (which every function can read) is set when a sysadmin is enrolled, or when the
//! `care` function finds one. Recovery after that is `rainbownet user add`, which needs the
//! machine, not the network.

use ::http::header;

use crate::env::Env;
use crate::error::Error;
use crate::http::Request;
use crate::ports::{Database, KvStore, StoreError};

/// Set in the `auth` KV store once the bootstrap token is closed; never removed.
pub const CLOSED_KEY: &str = "bootstrap:closed";

pub const CONFIG_KEY: &str = crate::settings::ADMIN_TOKEN.name;

/// Tokens shorter than this are refused even if configured, so a careless `x` can not
/// open administration.
const MIN_TOKEN_LEN: usize = 16;

pub fn require_admin(req: &Request, env: &Env) -> Result<(), Error> {
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(Error::Unauthorized)?;
    if is_the_token(presented, env) {
        Ok(())
    } else {
        Err(Error::Unauthorized)
    }
}

/// Whether `presented` is the configured bootstrap token (open or closed: the guard asks).
pub fn is_the_token(presented: &str, env: &Env) -> bool {
    env.config
        .get(CONFIG_KEY)
        .filter(|t| t.len() >= MIN_TOKEN_LEN)
        .is_some_and(|expected| constant_time_eq(presented.as_bytes(), expected.as_bytes()))
}

/// Closes the bootstrap token (an active sysadmin now exists).
pub async fn close(env: &Env) -> Result<(), Error> {
    let kv = env.kv(KvStore::Auth).await?;
    kv.put(CLOSED_KEY, b"1", None).await?;
    Ok(())
}

/// Whether the bootstrap token is closed: the flag is set, or (where the care database is
/// granted) an active sysadmin exists, which sets the flag for the functions that can not
/// look.
pub async fn is_closed(env: &Env) -> Result<bool, Error> {
    let kv = env.kv(KvStore::Auth).await?;
    if kv.get(CLOSED_KEY).await?.is_some() {
        return Ok(true);
    }
    let sql = match env.sql(Database::Care).await {
        Ok(sql) => sql,
        Err(StoreError::NotGranted(_)) => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    let rows = sql
        .query(
            "SELECT EXISTS (SELECT 1 FROM professionals p, json_each(p.roles) r \
             WHERE p.status = 'active' AND r.value = 'sysadmin') AS found",
            &[],
        )
        .await?;
    let found = rows.first().map(|r| r.int("found")).transpose()? == Some(1);
    if found {
        close(env).await?;
    }
    Ok(found)
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
