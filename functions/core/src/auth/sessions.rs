//! Sessions after login: access tokens issued, refresh tokens rotated (one guarded batch,
//! with a short reuse interval for two tabs that refresh together), and logout, which ends
//! the session's whole refresh family.

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::keys::{signing_seed, to_hex};
use super::session;
use super::token::{self, ACCESS_TTL_SECONDS, Subject};
use crate::audit::{self, Outcome};
use crate::env::Env;
use crate::error::Error;
use crate::http::Request;
use crate::ports::{Database, KvStore, Statement};

pub const REFRESH_TTL_MS: i64 = 14 * 24 * 3600 * 1000;

#[derive(Debug, Serialize)]
pub struct Tokens {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub refresh_token: String,
    pub refresh_expires_in: i64,
}

pub(crate) fn token_hash(token: &str) -> String {
    to_hex(&Sha256::digest(token.as_bytes()))
}

pub(crate) fn tokens(
    env: &Env,
    subject: &Subject,
    refresh_token: String,
    now: i64,
) -> Result<Tokens, Error> {
    let access_token = token::issue(&signing_seed(env)?, subject, now)
        .map_err(|e| Error::Internal(e.to_string()))?;
    Ok(Tokens {
        access_token,
        token_type: "Bearer",
        expires_in: ACCESS_TTL_SECONDS,
        refresh_token,
        refresh_expires_in: REFRESH_TTL_MS / 1000,
    })
}

/// Whose session a refresh token continues: a professional's (`refresh_tokens`) or a
/// family member's (`family_refresh_tokens`; their tokens begin with [`FAMILY_PREFIX`], so a
/// refresh finds its table without asking both). The rotation rules are the same.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Holder {
    Professional,
    Family,
}

/// How a family member's refresh token begins.
pub const FAMILY_PREFIX: &str = "fam_";

impl Holder {
    fn of_token(token: &str) -> Holder {
        if token.starts_with(FAMILY_PREFIX) {
            Holder::Family
        } else {
            Holder::Professional
        }
    }

    pub fn of(subject: &Subject) -> Holder {
        if subject.is_family() {
            Holder::Family
        } else {
            Holder::Professional
        }
    }

    fn table(self) -> &'static str {
        match self {
            Holder::Professional => "refresh_tokens",
            Holder::Family => "family_refresh_tokens",
        }
    }

    fn owner(self) -> &'static str {
        match self {
            Holder::Professional => "professional_id",
            Holder::Family => "member_id",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Holder::Professional => "",
            Holder::Family => FAMILY_PREFIX,
        }
    }

    /// SQL true while the token's owner may still hold a session (`owner` is the column).
    fn active(self) -> &'static str {
        match self {
            Holder::Professional => {
                "EXISTS (SELECT 1 FROM professionals p WHERE p.id = professional_id AND p.status = 'active')"
            }
            Holder::Family => {
                "EXISTS (SELECT 1 FROM family_members m JOIN patients p ON p.id = m.patient_id \
                 WHERE m.id = member_id AND m.status = 'active' AND p.status = 'active')"
            }
        }
    }

    /// The owner's columns for a new access token, joined to the token row `r`.
    fn owner_columns(self) -> &'static str {
        match self {
            Holder::Professional => {
                "p.status, p.name, p.roles, p.organization_id, o.municipality_code, NULL AS patient_id \
                 FROM refresh_tokens r JOIN professionals p ON p.id = r.professional_id \
                 JOIN organizations o ON o.id = p.organization_id"
            }
            Holder::Family => {
                "CASE WHEN m.status = 'active' AND pa.status = 'active' THEN 'active' ELSE 'closed' END AS status, \
                 m.name, '[]' AS roles, NULL AS organization_id, NULL AS municipality_code, m.patient_id \
                 FROM family_refresh_tokens r JOIN family_members m ON m.id = r.member_id \
                 JOIN patients pa ON pa.id = m.patient_id"
            }
        }
    }

    /// A new session's first refresh token and the statement that stores it.
    pub(crate) fn begin(
        self,
        env: &Env,
        owner: &str,
        family: &str,
        now: i64,
    ) -> (String, Statement) {
        let token = format!("{}{}", self.prefix(), to_hex(&super::random::<32>(env)));
        let insert = Statement::new(
            format!(
                "INSERT INTO {} (token_hash, family, {}, issued_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                self.table(),
                self.owner()
            ),
            vec![
                token_hash(&token).into(),
                family.into(),
                owner.into(),
                now.into(),
                (now + REFRESH_TTL_MS).into(),
            ],
        );
        (token, insert)
    }
}

async fn revoke_family(env: &Env, holder: Holder, family: &str, now: i64) -> Result<(), Error> {
    let sql = env.sql(Database::Care).await?;
    sql.batch(&[Statement::new(
        format!(
            "UPDATE {} SET revoked_at = ?2 WHERE family = ?1 AND revoked_at IS NULL",
            holder.table()
        ),
        vec![family.into(), now.into()],
    )])
    .await?;
    Ok(())
}

/// How long a rotated refresh token, presented again, still answers with the same new
/// token instead of being taken for theft: two tabs of one browser that refresh together
/// when the network returns, or a response lost on the way. Beyond it a reuse revokes the
/// whole family.
pub const REUSE_INTERVAL_MS: i64 = 10_000;

/// The token that replaces `refresh_token`. It is derived (keyed by the signing seed)
/// rather than drawn, so that a retry within the reuse interval receives the same one
/// without the server ever storing a token in the clear.
fn successor(env: &Env, refresh_token: &str) -> Result<String, Error> {
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<Sha256>::new_from_slice(&signing_seed(env)?)
        .map_err(|e| Error::Internal(e.to_string()))?;
    mac.update(b"rainbownet refresh rotation\0");
    mac.update(refresh_token.as_bytes());
    let prefix = Holder::of_token(refresh_token).prefix();
    Ok(format!("{prefix}{}", to_hex(&mac.finalize().into_bytes())))
}

/// Exchanges a refresh token for new tokens; the old one is spent. Rotation is one batch
/// whose guard (the old token unrotated, unrevoked, unexpired) decides: a concurrent reuse
/// that revokes the family can not slip between marking the old token and writing the new.
pub async fn refresh(env: &Env, req: &Request, refresh_token: &str) -> Result<Tokens, Error> {
    let now = env.clock.now_millis();
    let hash = token_hash(refresh_token);
    let next = successor(env, refresh_token)?;
    let next_hash = token_hash(&next);
    let holder = Holder::of_token(refresh_token);
    let (table, owner) = (holder.table(), holder.owner());
    let sql = env.sql(Database::Care).await?;
    let done = sql
        .batch(&[
            Statement::new(
                format!(
                    "UPDATE {table} SET rotated_at = ?2, next_hash = ?3 \
                     WHERE token_hash = ?1 AND rotated_at IS NULL AND revoked_at IS NULL AND expires_at > ?2 \
                     AND {}",
                    holder.active()
                ),
                vec![hash.clone().into(), now.into(), next_hash.clone().into()],
            ),
            Statement::new(
                format!(
                    "INSERT INTO {table} (token_hash, family, {owner}, issued_at, expires_at) \
                     SELECT ?3, family, {owner}, ?2, ?4 FROM {table} \
                     WHERE token_hash = ?1 AND rotated_at = ?2 AND next_hash = ?3 \
                     ON CONFLICT (token_hash) DO NOTHING"
                ),
                vec![hash.clone().into(), now.into(), next_hash.clone().into(), (now + REFRESH_TTL_MS).into()],
            ),
            Statement::new(
                format!(
                    "SELECT r.family, r.{owner} AS owner_id, r.rotated_at, r.revoked_at, r.next_hash, \
                     n.revoked_at AS next_revoked, n.rotated_at AS next_rotated, n.token_hash IS NOT NULL AS next_exists, \
                     {} LEFT JOIN {table} n ON n.token_hash = r.next_hash WHERE r.token_hash = ?1",
                    holder.owner_columns()
                ),
                vec![hash.into()],
            ),
        ])
        .await?;
    let Some(row) = done.get(2).and_then(|r| r.first()) else {
        audit::record(env, req, None, "auth.refresh", None, Outcome::Failed).await?;
        return Err(Error::Unauthorized);
    };
    let id = row.text("owner_id")?.to_owned();
    let family = row.text("family")?.to_owned();
    let rotated_at = row.opt_int("rotated_at")?;
    let successor_live = row.opt_text("next_hash")? == Some(next_hash.as_str())
        && row.int("next_exists")? == 1
        && row.opt_int("next_revoked")?.is_none()
        && row.opt_int("next_rotated")?.is_none()
        && row.text("status")? == "active";
    match rotated_at {
        // Rotated now, or again within the reuse interval: the same successor.
        Some(at) if successor_live && now - at <= REUSE_INTERVAL_MS => {}
        Some(_) if row.opt_int("revoked_at")?.is_none() => {
            // A spent token came back: whoever holds the family's tokens, one copy is stolen.
            revoke_family(env, holder, &family, now).await?;
            audit::record(
                env,
                req,
                Some(&id),
                "auth.refresh.reuse",
                None,
                Outcome::Denied,
            )
            .await?;
            return Err(Error::Unauthorized);
        }
        _ => {
            audit::record(env, req, Some(&id), "auth.refresh", None, Outcome::Denied).await?;
            return Err(Error::Unauthorized);
        }
    }
    audit::record(env, req, Some(&id), "auth.refresh", None, Outcome::Allowed).await?;
    let subject = Subject {
        sub: id,
        roles: serde_json::from_str(row.text("roles")?).unwrap_or_default(),
        org: row.opt_text("organization_id")?.map(str::to_owned),
        municipality: row.opt_text("municipality_code")?.map(str::to_owned),
        jti: env.new_id(),
        sid: Some(family),
        name: Some(row.text("name")?.to_owned()),
        patient: row.opt_text("patient_id")?.map(str::to_owned),
    };
    tokens(env, &subject, next, now)
}

/// Ends a session: the access token is revoked until it would have expired anyway, and
/// the session's refresh family (named by the access token, or by the refresh token sent
/// with it) can not be used again.
pub async fn logout(
    env: &Env,
    req: &Request,
    subject: &Subject,
    refresh_token: Option<&str>,
) -> Result<(), Error> {
    let now = env.clock.now_millis();
    let kv = env.kv(KvStore::Auth).await?;
    let ttl = u64::try_from(ACCESS_TTL_SECONDS + 60).unwrap_or(660);
    // Every access token of the session, not only this one: they all outlive the logout by
    // up to their lifetime otherwise.
    kv.put(&session::revocation_key(subject), b"1", Some(ttl))
        .await?;
    let holder = Holder::of(subject);
    let (table, owner) = (holder.table(), holder.owner());
    let sql = env.sql(Database::Care).await?;
    sql.batch(&[Statement::new(
        format!(
            "UPDATE {table} SET revoked_at = ?3 WHERE {owner} = ?1 AND revoked_at IS NULL \
             AND family IN (SELECT ?2 UNION SELECT family FROM {table} WHERE token_hash = ?4 AND {owner} = ?1)"
        ),
        vec![
            subject.sub.clone().into(),
            subject.sid.clone().into(),
            now.into(),
            refresh_token.map(token_hash).into(),
        ],
    )])
    .await?;
    audit::record(
        env,
        req,
        Some(&subject.sub),
        "auth.logout",
        None,
        Outcome::Allowed,
    )
    .await
}
