//! Signing in with a passkey (issue #34), for family members and for professionals in place
//! of password + TOTP, and adding a passkey to one's own account (a new phone).
//!
//! The options carry a challenge the server signs instead of storing (its expiry and
//! purpose inside, an HMAC keyed by the token seed over them), so that an anonymous caller
//! asking for options writes nothing. A challenge is spent in `spent_challenges` in the
//! batch that opens the session: a second use of it finds it there and the batch fails.

mod challenge;
mod own;

pub use own::{AddInput, Added, add, add_options, list};

use serde::Deserialize;
use serde_json::{Value as Json, json};

use super::sessions::{self, Holder, Tokens};
use super::token::Subject;
use super::webauthn::{self, AuthenticationResponse, Expected};
use crate::audit::{self, Outcome};
use crate::env::Env;
use crate::error::Error;
use crate::http::Request;
use crate::ports::{Database, Statement, StoreError};
use challenge::Purpose;

/// How long a ceremony's challenge stands.
pub const CHALLENGE_TTL_MS: i64 = 5 * 60 * 1000;

/// The origin passkeys are for, and its host as the RP ID.
pub fn relying_party(req: &Request, env: &Env) -> (String, String) {
    let origin = crate::http::origin::request_origin(req, env);
    let host = origin
        .split_once("://")
        .map_or(origin.as_str(), |(_, rest)| rest)
        .split(':')
        .next()
        .unwrap_or_default()
        .to_owned();
    (origin, host)
}

/// `POST /api/v1/auth/passkey/options`: `PublicKeyCredentialRequestOptionsJSON` for a
/// discoverable credential (the phone offers the passkeys it holds for this site).
pub fn signin_options(env: &Env, req: &Request) -> Result<Json, Error> {
    let (_, rp_id) = relying_party(req, env);
    Ok(json!({
        "publicKey": {
            "challenge": challenge::sign(env, Purpose::SignIn)?,
            "rpId": rp_id,
            "timeout": CHALLENGE_TTL_MS,
            "userVerification": "preferred",
            "allowCredentials": [],
        }
    }))
}

#[derive(Debug, Deserialize)]
pub struct SignInInput {
    pub credential: AuthenticationResponse,
}

/// The stored passkey a sign-in names, with its owner's standing.
struct Stored {
    owner_kind: String,
    owner_id: String,
    public_key: Vec<u8>,
    sign_count: i64,
}

async fn stored(env: &Env, credential_id: &str) -> Result<Option<Stored>, Error> {
    let rows = env
        .sql(Database::Care)
        .await?
        .query(
            "SELECT owner_kind, owner_id, public_key, sign_count FROM passkeys WHERE credential_id = ?1",
            &[credential_id.into()],
        )
        .await?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    Ok(Some(Stored {
        owner_kind: row.text("owner_kind")?.to_owned(),
        owner_id: row.text("owner_id")?.to_owned(),
        public_key: row.blob("public_key")?.to_vec(),
        sign_count: row.int("sign_count")?,
    }))
}

/// The subject an active owner's new session carries, or `None` when the owner may no
/// longer sign in (a disabled professional, a closed membership, withdrawn consent).
async fn owner_subject(env: &Env, stored: &Stored, sid: &str) -> Result<Option<Subject>, Error> {
    let sql = env.sql(Database::Care).await?;
    let subject = if stored.owner_kind == "family" {
        let rows = sql
            .query(
                "SELECT m.name, m.patient_id FROM family_members m JOIN patients p ON p.id = m.patient_id \
                 WHERE m.id = ?1 AND m.status = 'active' AND p.status = 'active'",
                &[stored.owner_id.clone().into()],
            )
            .await?;
        rows.first()
            .map(|row| -> Result<Subject, StoreError> {
                Ok(Subject {
                    sub: stored.owner_id.clone(),
                    roles: Vec::new(),
                    org: None,
                    municipality: None,
                    jti: env.new_id(),
                    sid: Some(sid.to_owned()),
                    name: Some(row.text("name")?.to_owned()),
                    patient: Some(row.text("patient_id")?.to_owned()),
                })
            })
            .transpose()?
    } else {
        let rows = sql
            .query(
                "SELECT p.name, p.roles, p.organization_id, o.municipality_code FROM professionals p \
                 JOIN organizations o ON o.id = p.organization_id WHERE p.id = ?1 AND p.status = 'active'",
                &[stored.owner_id.clone().into()],
            )
            .await?;
        rows.first()
            .map(|row| -> Result<Subject, StoreError> {
                Ok(Subject {
                    sub: stored.owner_id.clone(),
                    roles: super::role::Role::from_stored(row.text("roles")?),
                    org: Some(row.text("organization_id")?.to_owned()),
                    municipality: Some(row.text("municipality_code")?.to_owned()),
                    jti: env.new_id(),
                    sid: Some(sid.to_owned()),
                    name: Some(row.text("name")?.to_owned()),
                    patient: None,
                })
            })
            .transpose()?
    };
    Ok(subject)
}

/// `POST /api/v1/auth/passkey {credential}`: the same token pair as a password login. Every
/// refusal is 401 and on record (with the account it named as the target, when it named one).
pub async fn sign_in(env: &Env, req: &Request, input: SignInInput) -> Result<Tokens, Error> {
    let refused = |owner: Option<String>| async move {
        audit::record(
            env,
            req,
            None,
            "auth.passkey",
            owner.as_deref(),
            Outcome::Denied,
        )
        .await?;
        Ok::<_, Error>(Error::Unauthorized)
    };
    let credential = &input.credential;
    let Some((challenge, challenge_text, expires)) =
        challenge::signed(env, &credential.response.client_data_json, Purpose::SignIn)
    else {
        return Err(refused(None).await?);
    };
    let Some(stored) = stored(env, &credential.id).await? else {
        return Err(refused(None).await?);
    };
    let (origin, rp_id) = relying_party(req, env);
    // A professional's passkey stands in for password and TOTP: it must verify the user.
    let expected = Expected {
        origin: &origin,
        rp_id: &rp_id,
        challenge: &challenge,
        user_verification: stored.owner_kind == "professional",
    };
    let count = u32::try_from(stored.sign_count).unwrap_or(u32::MAX);
    let assertion = match webauthn::authenticate(credential, &expected, &stored.public_key, count) {
        Ok(a)
            if a.user_handle
                .as_deref()
                .is_none_or(|h| h == stored.owner_id.as_bytes()) =>
        {
            a
        }
        _ => return Err(refused(Some(stored.owner_id)).await?),
    };
    let sid = env.new_id();
    let Some(subject) = owner_subject(env, &stored, &sid).await? else {
        return Err(refused(Some(stored.owner_id)).await?);
    };
    let holder = Holder::of(&subject);
    let now = env.clock.now_millis();
    let (refresh, session) = holder.begin(env, &stored.owner_id, &sid, now);
    let written = env
        .sql(Database::Care)
        .await?
        .batch(&[
            Statement::new(
                "DELETE FROM spent_challenges WHERE expires_at <= ?1",
                vec![now.into()],
            ),
            // The counter moves only from the value the check was made against: of two
            // sign-ins racing with one assertion, one passes.
            Statement::new(
                "UPDATE passkeys SET sign_count = ?2, last_used_at = ?3 WHERE credential_id = ?1 AND sign_count = ?4",
                vec![
                    credential.id.clone().into(),
                    i64::from(assertion.sign_count).into(),
                    crate::time::iso8601(now).into(),
                    stored.sign_count.into(),
                ],
            ),
            challenge::spend(&challenge_text, expires, true),
            session,
            audit::statement(
                env,
                req,
                Some(&stored.owner_id),
                "auth.passkey",
                None,
                Outcome::Allowed,
            ),
        ])
        .await;
    match written {
        Ok(_) => sessions::tokens(env, &subject, refresh, now),
        Err(StoreError::Constraint(_)) => Err(refused(Some(stored.owner_id)).await?),
        Err(e) => Err(e.into()),
    }
}
