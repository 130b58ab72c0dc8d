//! Professional login: password (Argon2id) + TOTP → a 10-minute access token and a
//! rotating refresh token. Failures count in SQL and lock an address of mail out for 15
//! minutes after five; a refresh token presented again after rotation revokes its whole
//! family (someone copied it). Every attempt is audited.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::keys::{signing_seed, to_hex};
use super::token::{self, ACCESS_TTL_SECONDS, Subject};
use super::{password, sealed, session, totp};
use crate::audit::{self, Outcome};
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::http::Request;
use crate::ports::{Database, KvStore, Statement, StoreError};

pub const MAX_FAILURES: i64 = 5;
pub const LOCKOUT_MS: i64 = 15 * 60 * 1000;
/// Failures from one address (over any accounts) before it is refused for the window.
/// High enough that a town hall behind one NAT address is not locked out by a few typos,
/// low enough that spraying passwords over many accounts stops quickly.
pub const MAX_ADDRESS_FAILURES: i64 = 50;
pub const REFRESH_TTL_MS: i64 = 14 * 24 * 3600 * 1000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrganization {
    pub municipality_code: String,
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewProfessional {
    pub organization: NewOrganization,
    pub email: String,
    pub name: String,
    pub profession: String,
    pub roles: Vec<String>,
    pub password: String,
}

/// What a new professional needs to enrol their authenticator app; shown once.
#[derive(Debug, Serialize)]
pub struct Enrolment {
    pub id: String,
    pub organization_id: String,
    pub email: String,
    pub totp_secret: String,
    pub otpauth_uri: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginInput {
    pub email: String,
    pub password: String,
    pub totp: String,
}

#[derive(Debug, Serialize)]
pub struct Tokens {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    pub refresh_token: String,
    pub refresh_expires_in: i64,
}

fn random<const N: usize>(env: &Env) -> [u8; N] {
    let mut bytes = [0u8; N];
    env.random.fill(&mut bytes);
    bytes
}

pub(crate) fn token_hash(token: &str) -> String {
    to_hex(&Sha256::digest(token.as_bytes()))
}

/// The person's own fields (address, name, profession, roles), as checked both when a
/// professional is registered and when one is invited.
pub(crate) fn check_person(
    email: &str,
    name: &str,
    profession: &str,
    roles: &[String],
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    errors.extend(FieldError::length("#/name", name, 100, "氏名"));
    let mut err = |p: &str, en: &str, ja: &str| errors.push(FieldError::new(p, en, ja));
    let email = email.trim();
    if email.len() > 254
        || email.split('@').count() != 2
        || email.starts_with('@')
        || email.ends_with('@')
    {
        err(
            "#/email",
            "must be an email address",
            "メールアドレスを入力してください",
        );
    }
    if !crate::vocabulary::contains(crate::vocabulary::PROFESSIONS, profession) {
        err(
            "#/profession",
            "unknown profession",
            "職種が正しくありません",
        );
    }
    if super::role::Role::parse_all(roles).is_none() {
        err(
            "#/roles",
            "roles must be some of professional, org_admin, municipal_staff, disaster_hq, sysadmin",
            "権限が正しくありません",
        );
    }
    errors
}

pub(crate) fn check_new(input: &NewProfessional) -> Vec<FieldError> {
    let mut errors = check_person(&input.email, &input.name, &input.profession, &input.roles);
    errors.extend(FieldError::length(
        "#/organization/name",
        &input.organization.name,
        200,
        "事業所名",
    ));
    let mut err = |p: &str, en: &str, ja: &str| errors.push(FieldError::new(p, en, ja));
    if let Err(super::AuthError::WeakPassword(why)) = password::check_policy(&input.password) {
        err(
            "#/password",
            &format!("password: {why}"),
            "パスワードは12文字以上256文字以下にしてください",
        );
    }
    let org = &input.organization;
    if !crate::public::municipalities::is_code(&org.municipality_code) {
        err(
            "#/organization/municipality_code",
            "must be a 5-digit municipality code",
            "5桁の市区町村コードを指定してください",
        );
    }
    if !crate::vocabulary::contains(crate::vocabulary::ORGANIZATION_KINDS, &org.kind) {
        err(
            "#/organization/kind",
            "unknown organization kind",
            "事業所の種類が正しくありません",
        );
    }
    errors
}

/// Registers a professional (and their organization, if new); `actor` is who registers
/// them (a sysadmin's id, `bootstrap`, or `cli` for the command line), for the audit.
pub async fn create_professional(
    env: &Env,
    req: &Request,
    actor: &str,
    input: NewProfessional,
) -> Result<Enrolment, Error> {
    let errors = check_new(&input);
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let sql = env.sql(Database::Care).await?;
    let now = crate::time::iso8601(env.clock.now_millis());
    let org = &input.organization;
    let rows = sql
        .batch(&[
            Statement::new(
                "INSERT INTO organizations (id, municipality_code, kind, name, created_at) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (municipality_code, name) DO NOTHING",
                vec![env.new_id().into(), org.municipality_code.clone().into(), org.kind.clone().into(), org.name.trim().into(), now.clone().into()],
            ),
            Statement::new(
                "SELECT id FROM organizations WHERE municipality_code = ?1 AND name = ?2",
                vec![org.municipality_code.clone().into(), org.name.trim().into()],
            ),
        ])
        .await?;
    let organization_id = rows
        .get(1)
        .and_then(|r| r.first().map(|row| row.text("id").map(str::to_owned)))
        .transpose()?
        .ok_or_else(|| StoreError::Backend("organization not found after insert".into()))?;
    enrol(env, req, Some(actor), &organization_id, &input, Vec::new()).await
}

/// Writes a new professional of `organization_id` (password hashed, TOTP seed sealed)
/// with `extra` statements in the same batch, and returns their enrolment. `actor` is who
/// registered them, for the audit. Enrolling a sysadmin closes the bootstrap token.
pub(crate) async fn enrol(
    env: &Env,
    req: &Request,
    actor: Option<&str>,
    organization_id: &str,
    input: &NewProfessional,
    extra: Vec<Statement>,
) -> Result<Enrolment, Error> {
    let sql = env.sql(Database::Care).await?;
    let now = crate::time::iso8601(env.clock.now_millis());
    let secret = random::<{ totp::SECRET_LEN }>(env);
    let hash = {
        let _admitted = password::admit(env)?;
        password::hash(&input.password, &random::<16>(env))
            .map_err(|e| Error::Internal(e.to_string()))?
    };
    let id = env.new_id();
    let email = input.email.trim().to_owned();
    let roles = serde_json::to_string(&input.roles).unwrap_or_else(|_| "[]".into());
    let sealed_secret = sealed::seal(
        &sealed::data_key(env)?,
        random::<12>(env),
        totp::to_base32(&secret).as_bytes(),
        &id,
    );
    let mut statements = vec![Statement::new(
        "INSERT INTO professionals (id, organization_id, email, name, profession, roles, password_hash, totp_secret, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
        vec![
            id.clone().into(),
            organization_id.into(),
            email.clone().into(),
            input.name.trim().into(),
            input.profession.clone().into(),
            roles.into(),
            hash.into(),
            sealed_secret.into(),
            now.into(),
        ],
    )];
    statements.extend(extra);
    statements.push(audit::statement(
        env,
        req,
        actor,
        "professional.create",
        Some(&id),
        Outcome::Allowed,
    ));
    sql.batch(&statements).await.map_err(|e| match e {
        StoreError::Constraint(_) => Error::Validation(vec![FieldError::new(
            "#/email",
            "this address is already registered",
            "このメールアドレスは登録済みです",
        )]),
        other => Error::Store(other),
    })?;
    if super::role::Role::parse_all(&input.roles)
        .is_some_and(|roles| roles.contains(&super::role::Role::Sysadmin))
    {
        super::bootstrap::close(env).await?;
    }
    Ok(Enrolment {
        otpauth_uri: totp::enrolment_uri(&secret, &email)
            .map_err(|e| Error::Internal(e.to_string()))?,
        totp_secret: totp::to_base32(&secret),
        id,
        organization_id: organization_id.to_owned(),
        email,
    })
}

/// The subject an active professional's token would carry, found by their address: for
/// work done on their behalf outside a request (`rainbownet import patients --as`).
pub async fn subject_by_email(env: &Env, email: &str) -> Result<Subject, Error> {
    let sql = env.sql(Database::Care).await?;
    let rows = sql
        .query(
            "SELECT p.id, p.roles, p.organization_id, o.municipality_code FROM professionals p \
             JOIN organizations o ON o.id = p.organization_id WHERE p.email = ?1 AND p.status = 'active'",
            &[email.trim().into()],
        )
        .await?;
    let row = rows.first().ok_or(Error::NotFound)?;
    Ok(Subject {
        sub: row.text("id")?.to_owned(),
        roles: serde_json::from_str(row.text("roles")?).unwrap_or_default(),
        org: Some(row.text("organization_id")?.to_owned()),
        municipality: Some(row.text("municipality_code")?.to_owned()),
        jti: env.new_id(),
        sid: None,
    })
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
            "SELECT p.id, p.password_hash, p.totp_secret, p.totp_last_step, p.roles, p.status, \
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
    tokens(env, &subject, refresh, now)
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

fn tokens(env: &Env, subject: &Subject, refresh_token: String, now: i64) -> Result<Tokens, Error> {
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

async fn revoke_family(env: &Env, family: &str, now: i64) -> Result<(), Error> {
    let sql = env.sql(Database::Care).await?;
    sql.batch(&[Statement::new(
        "UPDATE refresh_tokens SET revoked_at = ?2 WHERE family = ?1 AND revoked_at IS NULL",
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
    Ok(to_hex(&mac.finalize().into_bytes()))
}

/// Exchanges a refresh token for new tokens; the old one is spent. Rotation is one batch
/// whose guard (the old token unrotated, unrevoked, unexpired) decides: a concurrent reuse
/// that revokes the family can not slip between marking the old token and writing the new.
pub async fn refresh(env: &Env, req: &Request, refresh_token: &str) -> Result<Tokens, Error> {
    let now = env.clock.now_millis();
    let hash = token_hash(refresh_token);
    let next = successor(env, refresh_token)?;
    let next_hash = token_hash(&next);
    let sql = env.sql(Database::Care).await?;
    let done = sql
        .batch(&[
            Statement::new(
                "UPDATE refresh_tokens SET rotated_at = ?2, next_hash = ?3 \
                 WHERE token_hash = ?1 AND rotated_at IS NULL AND revoked_at IS NULL AND expires_at > ?2 \
                 AND EXISTS (SELECT 1 FROM professionals p WHERE p.id = professional_id AND p.status = 'active')",
                vec![hash.clone().into(), now.into(), next_hash.clone().into()],
            ),
            Statement::new(
                "INSERT INTO refresh_tokens (token_hash, family, professional_id, issued_at, expires_at) \
                 SELECT ?3, family, professional_id, ?2, ?4 FROM refresh_tokens \
                 WHERE token_hash = ?1 AND rotated_at = ?2 AND next_hash = ?3 \
                 ON CONFLICT (token_hash) DO NOTHING",
                vec![hash.clone().into(), now.into(), next_hash.clone().into(), (now + REFRESH_TTL_MS).into()],
            ),
            Statement::new(
                "SELECT r.family, r.professional_id, r.rotated_at, r.revoked_at, r.next_hash, \
                 n.revoked_at AS next_revoked, n.rotated_at AS next_rotated, n.token_hash IS NOT NULL AS next_exists, \
                 p.roles, p.status, \
                 p.organization_id, o.municipality_code FROM refresh_tokens r \
                 JOIN professionals p ON p.id = r.professional_id JOIN organizations o ON o.id = p.organization_id \
                 LEFT JOIN refresh_tokens n ON n.token_hash = r.next_hash \
                 WHERE r.token_hash = ?1",
                vec![hash.into()],
            ),
        ])
        .await?;
    let Some(row) = done.get(2).and_then(|r| r.first()) else {
        audit::record(env, req, None, "auth.refresh", None, Outcome::Failed).await?;
        return Err(Error::Unauthorized);
    };
    let id = row.text("professional_id")?.to_owned();
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
            revoke_family(env, &family, now).await?;
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
        org: Some(row.text("organization_id")?.to_owned()),
        municipality: Some(row.text("municipality_code")?.to_owned()),
        jti: env.new_id(),
        sid: Some(family),
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
    kv.put(&session::revocation_key(&subject.jti), b"1", Some(ttl))
        .await?;
    let sql = env.sql(Database::Care).await?;
    sql.batch(&[Statement::new(
        "UPDATE refresh_tokens SET revoked_at = ?3 WHERE professional_id = ?1 AND revoked_at IS NULL \
         AND family IN (SELECT ?2 UNION SELECT family FROM refresh_tokens WHERE token_hash = ?4 AND professional_id = ?1)",
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
