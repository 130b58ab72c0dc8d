//! Who is calling: a bearer access token, checked by signature and expiry, then against
//! the revocation list in the `auth` KV store (no database read of users, so every
//! function can do it).

use ::http::header;

use super::token::{self, Subject};
use crate::env::Env;
use crate::error::Error;
use crate::http::Request;
use crate::ports::KvStore;

/// The revocation list's key for a token: its session's (every access token a login and its
/// refreshes issued carries the session, `sid`, so logging out ends all of them), else the
/// token's own.
pub fn revocation_key(subject: &Subject) -> String {
    match &subject.sid {
        Some(sid) => format!("revoked:sid:{sid}"),
        None => format!("revoked:jti:{}", subject.jti),
    }
}

pub fn bearer(req: &Request) -> Option<&str> {
    req.headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// `authenticate`, with a refusal written to the audit log of `db` (as denied, with no
/// actor): attempts on personal data are on record even without a valid token.
pub async fn authenticate_audited(
    req: &Request,
    env: &Env,
    db: crate::ports::Database,
    action: &str,
    target: Option<&str>,
) -> Result<Subject, Error> {
    match authenticate(req, env).await {
        Ok(subject) => Ok(subject),
        Err(err) => {
            crate::audit::record_in(
                env,
                db,
                req,
                None,
                action,
                target,
                crate::audit::Outcome::Denied,
            )
            .await?;
            Err(err)
        }
    }
}

/// The caller's subject, or `Unauthorized` (no, bad, expired or revoked token).
pub async fn authenticate(req: &Request, env: &Env) -> Result<Subject, Error> {
    let token = bearer(req).ok_or(Error::Unauthorized)?;
    let key = super::keys::verifying_key(env)?;
    let subject =
        token::verify(&key, token, env.clock.now_millis()).map_err(|_| Error::Unauthorized)?;
    let kv = env.kv(KvStore::Auth).await?;
    if kv.get(&revocation_key(&subject)).await?.is_some() {
        return Err(Error::Unauthorized);
    }
    Ok(subject)
}
