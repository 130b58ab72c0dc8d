//! Professional login: password (Argon2id) + TOTP → a 10-minute access token and a
//! rotating refresh token (`sessions`). Each attempt is reserved as a failure before it is
//! judged, so five (per account from one address), fifty (per address) or a hundred (per
//! account from anywhere) in 15 minutes lock out even when sent in parallel. Counting an
//! account's failures per address keeps the lockout from being a weapon: whoever knows an
//! HQ member's address can lock out their own address, not the member at their desk. A
//! caller already locked out is refused before it queues for a hash. Every attempt is
//! audited.

use serde::Deserialize;

use super::random;
use super::sessions::{self, Tokens};
use super::token::Subject;
use super::{password, sealed, totp};
use crate::audit::{self, Outcome};
use crate::env::Env;
use crate::error::Error;
use crate::http::Request;
use crate::ports::{Database, Statement, StoreError};

/// Failures for one account from one address.
pub const MAX_FAILURES: i64 = 5;
pub const LOCKOUT_MS: i64 = 15 * 60 * 1000;
/// Failures from one address (over any accounts) before it is refused for the window.
/// High enough that a town hall behind one NAT address is not locked out by a few typos,
/// low enough that spraying passwords over many accounts stops quickly.
pub const MAX_ADDRESS_FAILURES: i64 = 50;
/// Failures for one account from every address together: a guesser spread over many
/// addresses stops too (and still needs the TOTP code).
pub const MAX_ACCOUNT_FAILURES: i64 = 100;

/// The conditions of a reservation, as SQL over ?1 email, ?3 address, ?4 window start and
/// the limits ?5 (account from the address), ?6 (address), ?7 (account).
const UNDER_LIMITS: &str = "(SELECT count(*) FROM login_failures WHERE email = ?1 AND address IS ?3 AND at > ?4) < ?5 AND \
     (?3 IS NULL OR (SELECT count(*) FROM login_failures WHERE address = ?3 AND at > ?4) < ?6) AND \
     (SELECT count(*) FROM login_failures WHERE email = ?1 AND at > ?4) < ?7";

/// When a locked-out caller may try again: the oldest failure of each limit reached, over
/// the same parameters.
const OLDEST_COUNTED: &str = "SELECT changes() AS reserved, \
     (SELECT CASE WHEN count(*) >= ?5 THEN min(at) END FROM login_failures WHERE email = ?1 AND address IS ?3 AND at > ?4) AS by_account_here, \
     (SELECT CASE WHEN count(*) >= ?6 THEN min(at) END FROM login_failures WHERE address = ?3 AND at > ?4) AS by_address, \
     (SELECT CASE WHEN count(*) >= ?7 THEN min(at) END FROM login_failures WHERE email = ?1 AND at > ?4) AS by_account";

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
    let params = || -> Vec<crate::ports::Value> {
        vec![
            email.into(),
            now.into(),
            address.clone().into(),
            (now - LOCKOUT_MS).into(),
            MAX_FAILURES.into(),
            MAX_ADDRESS_FAILURES.into(),
            MAX_ACCOUNT_FAILURES.into(),
        ]
    };
    // A caller already locked out is refused before it queues for a hash: a flood of its
    // attempts must not take the places of others' correct logins (503).
    let before = sql.query(OLDEST_COUNTED, &params()).await?;
    if let Some(retry_after_seconds) = before
        .first()
        .map(|r| retry_after(&r, now))
        .transpose()?
        .flatten()
    {
        audit::record(env, req, None, "auth.login", None, Outcome::Denied).await?;
        return Err(Error::TooManyAttempts {
            retry_after_seconds,
        });
    }
    // Admitted next (a full queue of hashes is a 503 that costs no attempt), then the
    // attempt is reserved as a failure *before* the password is judged, in one conditional
    // statement: parallel attempts can not all be judged before any of them is counted, so
    // no more than the limits are ever judged in a window, on every host. A success removes
    // the account's failures from that address again.
    let permit = password::admit(env)?;
    let reserved = sql
        .batch(&[
            Statement::new(
                format!(
                    "INSERT INTO login_failures (email, at, address) SELECT ?1, ?2, ?3 WHERE {UNDER_LIMITS}"
                ),
                params(),
            ),
            Statement::new(OLDEST_COUNTED, params()),
        ])
        .await?;
    let row = reserved
        .get(1)
        .and_then(|r| r.first())
        .ok_or_else(|| StoreError::Backend("no reservation".into()))?;
    if row.int("reserved")? != 1 {
        drop(permit);
        audit::record(env, req, None, "auth.login", None, Outcome::Denied).await?;
        return Err(Error::TooManyAttempts {
            retry_after_seconds: retry_after(&row, now)?.unwrap_or(60),
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
        patient: None,
    };
    let (refresh, session) = sessions::Holder::Professional.begin(env, &id, &family, now);
    let mut statements = vec![
        session,
        Statement::new(
            "DELETE FROM login_failures WHERE email = ?1 AND address IS ?2",
            vec![email.into(), address.clone().into()],
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

/// Seconds until the oldest counted failure of a limit that is reached leaves the window;
/// none when no limit is reached.
fn retry_after(row: &crate::ports::Row<'_>, now: i64) -> Result<Option<u64>, StoreError> {
    let reached = [
        row.opt_int("by_account_here")?,
        row.opt_int("by_address")?,
        row.opt_int("by_account")?,
    ];
    Ok(reached
        .into_iter()
        .flatten()
        .max()
        .map(|first| u64::try_from((first + LOCKOUT_MS - now).max(1000) / 1000).unwrap_or(60)))
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
