//! 患者・家族連携, step two (issue #34): the invited person joins with a passkey. The options
//! carry a challenge kept server-side for five minutes and taken once; the registration is
//! checked by `auth::webauthn`; the invitation is used, the member and their passkey are
//! written in one batch, and of parallel joins with one code exactly one succeeds.

use serde::{Deserialize, Serialize};
use serde_json::{Value as Json, json};

use super::family;
use crate::audit::{self, Outcome};
use crate::auth::passkey::relying_party;
use crate::auth::sessions::{self, Holder, Tokens};
use crate::auth::token::Subject;
use crate::auth::webauthn::{self, Expected, RegistrationResponse, to_base64url};
use crate::env::Env;
use crate::error::Error;
use crate::http::Request;
use crate::ports::{Database, Statement, StoreError};
use crate::vocabulary::Word;

/// How long a ceremony's challenge stands.
const CHALLENGE_TTL_MS: i64 = 5 * 60 * 1000;
/// Challenges one code may hold open at once (a phone that retries, a second device).
const OPEN_PER_CODE: usize = 5;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionsInput {
    pub code: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JoinInput {
    pub code: String,
    pub credential: RegistrationResponse,
}

/// The new member, signed in at once: the same token pair a passkey sign-in gives.
#[derive(Debug, Serialize)]
pub struct Joined {
    pub id: String,
    pub patient_id: String,
    pub name: String,
    pub relation: crate::vocabulary::Relation,
    #[serde(flatten)]
    pub tokens: Tokens,
}

/// `POST /api/v1/family/join/options {code}`: `PublicKeyCredentialCreationOptionsJSON`.
pub async fn options(env: &Env, req: &Request, input: OptionsInput) -> Result<Json, Error> {
    let invitation = match family::open(env, &input.code).await {
        Ok(invitation) => invitation,
        Err(e) => {
            audit::record(env, req, None, "family.join", None, Outcome::Denied).await?;
            return Err(e);
        }
    };
    let mut challenge = [0u8; 32];
    env.random.fill(&mut challenge);
    let challenge = to_base64url(&challenge);
    let member = env.new_id();
    let now = env.clock.now_millis();
    env.sql(Database::Care)
        .await?
        .batch(&[
            Statement::new(
                "DELETE FROM webauthn_challenges WHERE expires_at <= ?1",
                vec![now.into()],
            ),
            // One code keeps at most OPEN_PER_CODE challenges: asking again drops the oldest.
            Statement::new(
                "DELETE FROM webauthn_challenges WHERE purpose = 'join' AND subject = ?1 \
                 AND challenge NOT IN (SELECT challenge FROM webauthn_challenges \
                 WHERE purpose = 'join' AND subject = ?1 ORDER BY rowid DESC LIMIT ?2)",
                vec![
                    invitation.id.clone().into(),
                    i64::try_from(OPEN_PER_CODE - 1).unwrap_or(0).into(),
                ],
            ),
            Statement::new(
                "INSERT INTO webauthn_challenges (challenge, purpose, subject, user_handle, expires_at) \
                 VALUES (?1, 'join', ?2, ?3, ?4)",
                vec![
                    challenge.clone().into(),
                    invitation.id.clone().into(),
                    member.clone().into(),
                    (now + CHALLENGE_TTL_MS).into(),
                ],
            ),
        ])
        .await?;
    let (_, rp_id) = relying_party(req, env);
    Ok(json!({
        "publicKey": {
            "rp": {"id": rp_id, "name": "RainbowNet"},
            "user": {
                "id": to_base64url(member.as_bytes()),
                "name": invitation.name,
                "displayName": invitation.name,
            },
            "challenge": challenge,
            "pubKeyCredParams": [{"type": "public-key", "alg": -7}],
            "timeout": CHALLENGE_TTL_MS,
            "attestation": "none",
            "authenticatorSelection": {"residentKey": "required", "userVerification": "preferred"},
            "excludeCredentials": [],
        }
    }))
}

/// The challenge `clientDataJSON` names, taken once: deleted, with the member-to-be's id,
/// if it was issued for this invitation's join and has not expired.
async fn take_challenge(
    env: &Env,
    credential: &RegistrationResponse,
    invitation: &str,
) -> Result<(Vec<u8>, String), Error> {
    #[derive(Deserialize)]
    struct Named {
        challenge: String,
    }
    let raw = webauthn::from_base64url(&credential.response.client_data_json, "clientDataJSON")
        .map_err(|_| Error::Unauthorized)?;
    let named: Named = serde_json::from_slice(&raw).map_err(|_| Error::Unauthorized)?;
    let rows = env
        .sql(Database::Care)
        .await?
        .batch(&[Statement::new(
            "DELETE FROM webauthn_challenges WHERE challenge = ?1 AND purpose = 'join' \
             AND subject = ?2 AND expires_at > ?3 RETURNING user_handle",
            vec![
                named.challenge.clone().into(),
                invitation.into(),
                env.clock.now_millis().into(),
            ],
        )])
        .await?;
    let member = rows
        .first()
        .and_then(|r| r.first())
        .map(|r| r.text("user_handle").map(str::to_owned))
        .transpose()?
        .ok_or(Error::Unauthorized)?;
    let challenge =
        webauthn::from_base64url(&named.challenge, "challenge").map_err(|_| Error::Unauthorized)?;
    Ok((challenge, member))
}

/// `POST /api/v1/family/join {code, credential}`.
pub async fn join(env: &Env, req: &Request, input: JoinInput) -> Result<Joined, Error> {
    let refused = |target: Option<String>| async move {
        audit::record(
            env,
            req,
            None,
            "family.join",
            target.as_deref(),
            Outcome::Denied,
        )
        .await?;
        Ok::<_, Error>(Error::Unauthorized)
    };
    let Ok(invitation) = family::open(env, &input.code).await else {
        return Err(refused(None).await?);
    };
    let Ok((challenge, member)) = take_challenge(env, &input.credential, &invitation.id).await
    else {
        return Err(refused(Some(invitation.patient_id)).await?);
    };
    let (origin, rp_id) = relying_party(req, env);
    let expected = Expected {
        origin: &origin,
        rp_id: &rp_id,
        challenge: &challenge,
        user_verification: false,
    };
    let Ok(credential) = webauthn::register(&input.credential, &expected) else {
        return Err(refused(Some(invitation.patient_id)).await?);
    };
    let now_ms = env.clock.now_millis();
    let now = crate::time::iso8601(now_ms);
    let sid = env.new_id();
    let (refresh, session) = Holder::Family.begin(env, &member, &sid, now_ms);
    let written = env
        .sql(Database::Care)
        .await?
        .batch(&[
            Statement::new(
                "UPDATE family_invitations SET used_at = ?2 WHERE id = ?1 AND used_at IS NULL",
                vec![invitation.id.clone().into(), now.clone().into()],
            ),
            Statement::new(
                "INSERT INTO family_members (id, patient_id, invitation_id, name, relation, joined_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                vec![
                    member.clone().into(),
                    invitation.patient_id.clone().into(),
                    invitation.id.clone().into(),
                    invitation.name.clone().into(),
                    invitation.relation.code().into(),
                    now.clone().into(),
                ],
            ),
            Statement::new(
                "INSERT INTO passkeys (credential_id, owner_kind, owner_id, public_key, sign_count, created_at) \
                 VALUES (?1, 'family', ?2, ?3, ?4, ?5)",
                vec![
                    to_base64url(&credential.id).into(),
                    member.clone().into(),
                    credential.public_key.into(),
                    i64::from(credential.sign_count).into(),
                    now.into(),
                ],
            ),
            session,
            audit::statement(
                env,
                req,
                Some(&member),
                "family.join",
                Some(&invitation.patient_id),
                Outcome::Allowed,
            ),
        ])
        .await;
    match written {
        Ok(_) => {
            let subject = Subject {
                sub: member.clone(),
                roles: Vec::new(),
                org: None,
                municipality: None,
                jti: env.new_id(),
                sid: Some(sid),
                name: Some(invitation.name.clone()),
                patient: Some(invitation.patient_id.clone()),
            };
            Ok(Joined {
                id: member,
                patient_id: invitation.patient_id,
                name: invitation.name,
                relation: invitation.relation,
                tokens: sessions::tokens(env, &subject, refresh, now_ms)?,
            })
        }
        // Another join with the same code, or the same passkey, came first.
        Err(StoreError::Constraint(_)) => Err(Error::Conflict {
            en: "this invitation or passkey is already used",
            ja: "この招待またはパスキーはすでに使われています",
        }),
        Err(e) => Err(e.into()),
    }
}
