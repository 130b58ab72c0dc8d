//! Professional login: password (Argon2id) + TOTP → a 10-minute access token and a
//! rotating refresh token (`sessions`). Each attempt is reserved as a failure before it is
//! judged, so five (per account) or fifty (per address) in 15 minutes lock out even when
//! sent in parallel. Every attempt is audited.

use serde::Deserialize;

use super::keys::to_hex;
use super::random;
use super::sessions::{self, REFRESH_TTL_MS, Tokens, token_hash};
use super::token::Subject;
use super::{password, sealed, totp};
use crate::audit::{self, Outcome};
use crate::env::Env;
use crate::error::Error;
use crate::http::Request;
use crate::ports::{Database, Statement, StoreError};

pub const MAX_FAILURES: i64 = 5;
pub const LOCKOUT_MS: i64 = 15 * 60 * 1000;
/// Failures from one address (over any accounts) before it is refused for the window.
/// High enough that a town hall behind one NAT address is not locked out by a few typos,
/// low enough that spraying passwords over many accounts stops quickly.
pub const MAX_ADDRESS_FAILURES: i64 = 50;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
    pub totp: String,
}

/// A hash of a random password: checking it costs what checking a real one does, so that
/// the time of a failed login does not reveal whether the address exists.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$Qg2uB6S9Q1bWmvnVMPmSmgN1Wg3uFqKx1yOQ8pOdYxI";

pub async fn login(env: &Env, req: &Request, input: &LoginInput) -> Result<Tokens, Error> {
    let now = env.clock.now_millis();
    let email = input.email.trim();
    let sql = env.sql(Database::Care).await?;
    let address = req
        .headers()
        .get(crate::http::CLIENT_ADDR_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // Admitted first (a full queue of hashes is a 503 that costs no attempt), then the
    // attempt is reserved as a failure *before* the password is judged, in one conditional
    // statement: parallel attempts can not all be judged before any of them is counted, so
    // at most MAX_FAILURES (per account) and MAX_ADDRESS_FAILURES (per address) are ever
    // judged in a window, on every host. A success removes the account's failures again.
    let permit = password::admit(env)?;
    let reserved = sql
        .batch(&[
            Statement::new(
                "INSERT INTO login_failures (email, at, address) SELECT ?1, ?2, ?3 WHERE \
                 (SELECT count(*) FROM login_failures WHERE email = ?1 AND at > ?4) < ?5 AND \
                 (?3 IS NULL OR (SELECT count(*) FROM login_failures WHERE address = ?3 AND at > ?4) < ?6)",
                vec![
                    email.into(),
                    now.into(),
                    address.clone().into(),
                    (now - LOCKOUT_MS).into(),
                    MAX_FAILURES.into(),
                    MAX_ADDRESS_FAILURES.into(),
                ],
            ),
            // The oldest failure that counts towards each limit, if the limit is reached.
            Statement::new(
                "SELECT changes() AS reserved, \
                 (SELECT CASE WHEN count(*) >= ?3 THEN min(at) END FROM login_failures WHERE email = ?1 AND at > ?2) AS by_account, \
                 (SELECT CASE WHEN count(*) >= ?5 THEN min(at) END FROM login_failures WHERE address = ?4 AND at > ?2) AS by_address",
                vec![
                    email.into(),
                    (now - LOCKOUT_MS).into(),
                    MAX_FAILURES.into(),
                    address.clone().into(),
                    MAX_ADDRESS_FAILURES.into(),
                ],
            ),
        ])
        .await?;
    let row = reserved
        .get(1)
        .and_then(|r| r.first())
        .ok_or_else(|| StoreError::Backend("no reservation".into()))?;
    if row.int("reserved")? != 1 {
        drop(permit);
        audit::record(env, req, None, "auth.login", None, Outcome::Denied).await?;
        let first = match (row.opt_int("by_account")?, row.opt_int("by_address")?) {
            (Some(a), Some(b)) => a.max(b),
            (a, b) => a.or(b).unwrap_or(now),
        };
        let retry_after_seconds =
            u64::try_from((first + LOCKOUT_MS - now).max(1000) / 1000).unwrap_or(60);
        return Err(Error::TooManyAttempts {
            retry_after_seconds,
        });
    }
    let found = sql
        .query(
            "SELECT p.id, p.name, p.password_hash, p.totp_secret, p.totp_last_step, p.roles, p.status, \
             p.organization_id, o.municipality_code FROM professionals p \
             JOIN organizations o ON o.id = p.organization_id WHERE p.email = ?1",
            &[email.into()],
        )
        .await?;
    let account = found.first();
    let phc = account
        .map(|a| a.text("password_hash"))
        .transpose()?
        .unwrap_or(DUMMY_HASH);
    let password_ok = password::verify(&input.password, phc) && account.is_some();
    drop(permit);
    let step = match (password_ok, account) {
        (true, Some(a)) if a.text("status")? == "active" => {
            let secret = totp_secret(env, a.text("id")?, a.text("totp_secret")?)?;
            let last = a
                .opt_int("totp_last_step")?
                .and_then(|s| u64::try_from(s).ok());
            totp::check(
                &secret,
                &input.totp,
                u64::try_from(now / 1000).unwrap_or(0),
                last,
            )
            .ok()
        }
        _ => None,
    };
    let actor = account
        .map(|a| a.text("id"))
        .transpose()?
        .map(str::to_owned);
    // The attempt already counts as a failure (reserved above); only the audit is left.
    let fail = |env: &Env| {
        vec![audit::statement(
            env,
            req,
            actor.as_deref(),
            "auth.login",
            None,
            Outcome::Failed,
        )]
    };
    let (Some(step), Some(account)) = (step, account) else {
        sql.batch(&fail(env)).await?;
        return Err(Error::InvalidCredentials);
    };
    let id = account.text("id")?.to_owned();
    // Accept each code once, even when two logins race with the same code.
    let claimed = sql
        .batch(&[
            Statement::new(
                "UPDATE professionals SET totp_last_step = ?2 WHERE id = ?1 AND (totp_last_step IS NULL OR totp_last_step < ?2)",
                vec![id.clone().into(), i64::try_from(step).unwrap_or(i64::MAX).into()],
            ),
            Statement::new("SELECT changes() AS n", vec![]),
        ])
        .await?;
    if claimed
        .get(1)
        .and_then(|r| r.first())
        .map(|r| r.int("n"))
        .transpose()?
        != Some(1)
    {
        sql.batch(&fail(env)).await?;
        return Err(Error::InvalidCredentials);
    }
    let family = env.new_id();
    let subject = Subject {
        sub: id.clone(),
        roles: serde_json::from_str(account.text("roles")?).unwrap_or_default(),
        org: Some(account.text("organization_id")?.to_owned()),
        municipality: Some(account.text("municipality_code")?.to_owned()),
        jti: env.new_id(),
        sid: Some(family.clone()),
        name: Some(account.text("name")?.to_owned()),
    };
    let refresh = to_hex(&random::<32>(env));
    let mut statements = vec![
        Statement::new(
            "INSERT INTO refresh_tokens (token_hash, family, professional_id, issued_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            vec![
                token_hash(&refresh).into(),
                family.clone().into(),
                id.clone().into(),
                now.into(),
                (now + REFRESH_TTL_MS).into(),
            ],
        ),
        Statement::new(
            "DELETE FROM login_failures WHERE email = ?1",
            vec![email.into()],
        ),
        audit::statement(env, req, Some(&id), "auth.login", None, Outcome::Allowed),
    ];
    // An account enrolled before seeds were sealed, or sealed under an older key, is
    // sealed under the data key at its next login.
    let stored_secret = account.text("totp_secret")?;
    let (base32, current) = totp_base32(env, &id, stored_secret)?;
    if !current {
        let sealed_now = sealed::seal(
            &sealed::data_key(env)?,
            random::<12>(env),
            base32.as_bytes(),
            &id,
        );
        statements.push(Statement::new(
            "UPDATE professionals SET totp_secret = ?2 WHERE id = ?1 AND totp_secret = ?3",
            vec![id.clone().into(), sealed_now.into(), stored_secret.into()],
        ));
    }
    sql.batch(&statements).await?;
    sessions::tokens(env, &subject, refresh, now)
}

/// The account's TOTP seed as base32, and whether it is stored as it should be: sealed
/// under the current data key. An account enrolled before sealing (plain base32) or sealed
/// under an older key is sealed again at its next login.
fn totp_base32(env: &Env, owner: &str, stored: &str) -> Result<(String, bool), Error> {
    if !sealed::is_sealed(stored) {
        return Ok((stored.to_owned(), false));
    }
    let (opened, current) = sealed::open_current(env, stored, owner)?;
    let base32 = String::from_utf8(opened).map_err(|e| Error::Internal(e.to_string()))?;
    Ok((base32, current))
}

fn totp_secret(env: &Env, owner: &str, stored: &str) -> Result<Vec<u8>, Error> {
    let (base32, _) = totp_base32(env, owner, stored)?;
    totp::from_base32(&base32).map_err(|e| Error::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_dummy_hash_is_a_real_argon2id_hash() {
        assert!(!super::password::verify(
            "anything at all here",
            super::DUMMY_HASH
        ));
        assert!(argon2::password_hash::phc::PasswordHash::new(super::DUMMY_HASH).is_ok());
    }
}
