//! Passkeys on one's own account: a second phone for a family member, a passkey in place
//! of password + TOTP for a professional. The challenge is bound to the account.

use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

use super::challenge::{self, Purpose};
use super::{CHALLENGE_TTL_MS, relying_party};
use crate::audit::{self, Outcome};
use crate::auth::token::Subject;
use crate::auth::webauthn::{self, Expected, RegistrationResponse, to_base64url};
use crate::env::Env;
use crate::error::Error;
use crate::http::Request;
use crate::ports::{Database, Statement, StoreError};

/// `POST /api/v1/auth/passkeys/options`: creation options for one more passkey on the
/// signed-in account (its existing passkeys excluded).
pub async fn add_options(env: &Env, req: &Request, caller: &Subject) -> Result<Json, Error> {
    let (_, rp_id) = relying_party(req, env);
    let existing = env
        .sql(Database::Care)
        .await?
        .query(
            "SELECT credential_id FROM passkeys WHERE owner_kind = ?1 AND owner_id = ?2 ORDER BY created_at",
            &[owner_kind(caller).into(), caller.sub.clone().into()],
        )
        .await?;
    let exclude = existing
        .iter()
        .map(|r| {
            r.text("credential_id")
                .map(|id| json!({"type": "public-key", "id": id}))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let name = caller.name.clone().unwrap_or_default();
    Ok(json!({
        "publicKey": {
            "rp": {"id": rp_id, "name": "RainbowNet"},
            "user": {"id": to_base64url(caller.sub.as_bytes()), "name": name, "displayName": name},
            "challenge": challenge::sign(env, Purpose::Add { owner: &caller.sub })?,
            "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
            "timeout": CHALLENGE_TTL_MS,
            "attestation": "none",
            "authenticatorSelection": {
                "residentKey": "required",
                "userVerification": if caller.is_family() { "preferred" } else { "required" },
            },
            "excludeCredentials": exclude,
        }
    }))
}

fn owner_kind(caller: &Subject) -> &'static str {
    if caller.is_family() {
        "family"
    } else {
        "professional"
    }
}

#[derive(Debug, Deserialize)]
pub struct AddInput {
    pub credential: RegistrationResponse,
}

#[derive(Debug, Serialize)]
pub struct Added {
    pub id: String,
    pub created_at: String,
}

/// `POST /api/v1/auth/passkeys {credential}`: one more passkey for the signed-in account.
pub async fn add(
    env: &Env,
    req: &Request,
    caller: &Subject,
    input: AddInput,
) -> Result<Added, Error> {
    let refused = || async {
        audit::record(
            env,
            req,
            Some(&caller.sub),
            "auth.passkey.add",
            caller.patient.as_deref(),
            Outcome::Denied,
        )
        .await?;
        Ok::<_, Error>(Error::Unauthorized)
    };
    let purpose = Purpose::Add { owner: &caller.sub };
    let Some((challenge, challenge_text, expires)) =
        challenge::signed(env, &input.credential.response.client_data_json, purpose)
    else {
        return Err(refused().await?);
    };
    let (origin, rp_id) = relying_party(req, env);
    let expected = Expected {
        origin: &origin,
        rp_id: &rp_id,
        challenge: &challenge,
        user_verification: !caller.is_family(),
    };
    let Ok(credential) = webauthn::register(&input.credential, &expected) else {
        return Err(refused().await?);
    };
    let now = crate::time::iso8601(env.clock.now_millis());
    let id = to_base64url(&credential.id);
    let written = env
        .sql(Database::Care)
        .await?
        .batch(&[
            challenge::spend(&challenge_text, expires, false),
            Statement::new(
                "INSERT INTO passkeys (credential_id, owner_kind, owner_id, public_key, sign_count, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                vec![
                    id.clone().into(),
                    owner_kind(caller).into(),
                    caller.sub.clone().into(),
                    credential.public_key.into(),
                    i64::from(credential.sign_count).into(),
                    now.clone().into(),
                ],
            ),
            audit::statement(
                env,
                req,
                Some(&caller.sub),
                "auth.passkey.add",
                caller.patient.as_deref(),
                Outcome::Allowed,
            ),
        ])
        .await;
    match written {
        Ok(_) => Ok(Added {
            id,
            created_at: now,
        }),
        Err(StoreError::Constraint(_)) => Err(Error::Conflict {
            en: "this passkey or its challenge is already used",
            ja: "このパスキーまたは確認コードはすでに使われています",
        }),
        Err(e) => Err(e.into()),
    }
}

/// `GET /api/v1/auth/passkeys`: the signed-in account's passkeys.
pub async fn list(env: &Env, caller: &Subject) -> Result<Vec<Json>, Error> {
    let rows = env
        .sql(Database::Care)
        .await?
        .query(
            "SELECT credential_id, created_at, last_used_at FROM passkeys \
             WHERE owner_kind = ?1 AND owner_id = ?2 ORDER BY created_at",
            &[owner_kind(caller).into(), caller.sub.clone().into()],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(json!({
                "id": r.text("credential_id")?,
                "created_at": r.text("created_at")?,
                "last_used_at": r.opt_text("last_used_at")?,
            }))
        })
        .collect::<Result<_, StoreError>>()
        .map_err(Error::from)
}
