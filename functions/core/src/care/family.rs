//! 患者・家族連携, step one (issue #34): the patient's team invites the patient themself
//! (relation `self`) or a family member. The code carries 128 random bits, is shown once (as
//! a QR code and a short URL the team prints or sends), is stored as its SHA-256, is used
//! once, expires after 72 hours and can be revoked. Joining with a passkey
//! (`auth::webauthn`) and what a family member sees build on it.

use serde::{Deserialize, Serialize};

use super::patients::Member;
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::http::Request;
use crate::ports::{Database, Statement};
use crate::vocabulary::{Relation, Word};

pub const TTL_MS: i64 = 72 * 3600 * 1000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewInvitation {
    pub name: String,
    pub relation: String,
}

#[derive(Debug, Serialize)]
pub struct Invitation {
    pub id: String,
    pub name: String,
    pub relation: Relation,
    pub invited_by: String,
    pub created_at: String,
    pub expires_at: String,
    pub used_at: Option<String>,
    pub revoked_at: Option<String>,
    /// The code and where it is used: returned once, when the invitation is made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The URL as a QR code (SVG), to print or show on the team's screen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qr_svg: Option<String>,
}

/// Base32 without padding (RFC 4648 alphabet, as TOTP secrets are written): 26 characters
/// for 128 bits, unambiguous to read out and to type.
fn new_code(env: &Env) -> String {
    let mut bytes = [0u8; 16];
    env.random.fill(&mut bytes);
    crate::auth::totp::to_base32(&bytes)
}

fn code_hash(code: &str) -> String {
    crate::auth::sessions::token_hash(&code.trim().to_ascii_uppercase())
}

fn check(input: &NewInvitation) -> Result<(String, Relation), Error> {
    let mut errors = Vec::new();
    let name = input.name.trim();
    let count = name.chars().count();
    if count == 0 || count > 100 || name.chars().any(char::is_control) {
        errors.push(FieldError::new(
            "#/name",
            "a name of 1 to 100 characters",
            "お名前は1〜100文字で入力してください",
        ));
    }
    let relation = Relation::check("#/relation", &input.relation, &mut errors);
    match (errors.is_empty(), relation) {
        (true, Some(relation)) => Ok((name.to_owned(), relation)),
        _ => Err(Error::Validation(errors)),
    }
}

/// `POST /api/v1/patients/{id}/family-invitations` by a member of the team.
pub async fn create(
    env: &Env,
    req: &Request,
    member: &Member,
    input: NewInvitation,
) -> Result<Invitation, Error> {
    let (name, relation) = check(&input)?;
    let sql = env.sql(Database::Care).await?;
    let code = new_code(env);
    let id = env.new_id();
    let now = env.clock.now_millis();
    let expires = now + TTL_MS;
    sql.batch(&[
        Statement::new(
            "INSERT INTO family_invitations (id, code_hash, patient_id, name, relation, invited_by, created_at, expires_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            vec![
                id.clone().into(),
                code_hash(&code).into(),
                member.patient.clone().into(),
                name.clone().into(),
                relation.code().into(),
                member.caller.sub.clone().into(),
                crate::time::iso8601(now).into(),
                expires.into(),
            ],
        ),
        member.audited(env, req, "family.invite"),
    ])
    .await?;
    let origin = crate::http::origin::request_origin(req, env);
    // In the fragment: it is not sent to servers, so no access log keeps it.
    let url = format!("{origin}/app/family/#join={code}");
    Ok(Invitation {
        qr_svg: Some(crate::web::resource_pages::qr_svg(&url)),
        url: Some(url),
        code: Some(code),
        id,
        name,
        relation,
        invited_by: member.caller.sub.clone(),
        created_at: crate::time::iso8601(now),
        expires_at: crate::time::iso8601(expires),
        used_at: None,
        revoked_at: None,
    })
}

/// The patient's invitations, newest first (without their codes).
pub async fn list(env: &Env, req: &Request, member: &Member) -> Result<Vec<Invitation>, Error> {
    let sql = env.sql(Database::Care).await?;
    let rows = sql
        .query(
            "SELECT id, name, relation, invited_by, created_at, expires_at, used_at, revoked_at \
             FROM family_invitations WHERE patient_id = ?1 ORDER BY created_at DESC, id DESC LIMIT 100",
            &[member.patient.clone().into()],
        )
        .await?;
    let invitations = rows
        .iter()
        .map(|r| {
            Ok(Invitation {
                id: r.text("id")?.to_owned(),
                name: r.text("name")?.to_owned(),
                relation: Relation::stored(r.text("relation")?)?,
                invited_by: r.text("invited_by")?.to_owned(),
                created_at: r.text("created_at")?.to_owned(),
                expires_at: crate::time::iso8601(r.int("expires_at")?),
                used_at: r.opt_text("used_at")?.map(str::to_owned),
                revoked_at: r.opt_text("revoked_at")?.map(str::to_owned),
                code: None,
                url: None,
                qr_svg: None,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    member.record(env, req, "family.invitations").await?;
    Ok(invitations)
}

/// `POST …/family-invitations/{invitation}/revoke`: an unused invitation of this patient
/// stops working at once. Another patient's, or one that does not exist, is 404.
pub async fn revoke(env: &Env, req: &Request, member: &Member, id: &str) -> Result<(), Error> {
    let sql = env.sql(Database::Care).await?;
    let found = sql
        .query(
            "SELECT 1 AS found FROM family_invitations WHERE id = ?1 AND patient_id = ?2",
            &[id.into(), member.patient.clone().into()],
        )
        .await?;
    if found.is_empty() {
        member.refused(env, req, "family.invite.revoke").await?;
        return Err(Error::NotFound);
    }
    sql.batch(&[
        Statement::new(
            "UPDATE family_invitations SET revoked_at = ?3 \
             WHERE id = ?1 AND patient_id = ?2 AND used_at IS NULL AND revoked_at IS NULL",
            vec![
                id.into(),
                member.patient.clone().into(),
                crate::time::iso8601(env.clock.now_millis()).into(),
            ],
        ),
        member.audited(env, req, "family.invite.revoke"),
    ])
    .await?;
    Ok(())
}

/// The invitation a code opens: unused, unrevoked, unexpired, of a patient whose consent
/// stands. Any other code is the same refusal, so that a guess learns nothing.
pub async fn open(env: &Env, code: &str) -> Result<OpenInvitation, Error> {
    let sql = env.sql(Database::Care).await?;
    let rows = sql
        .query(
            "SELECT i.id, i.patient_id, i.name, i.relation FROM family_invitations i \
             WHERE i.code_hash = ?1 AND i.used_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > ?2 \
             AND EXISTS (SELECT 1 FROM consents c WHERE c.patient_id = i.patient_id AND c.revoked_at IS NULL)",
            &[code_hash(code).into(), env.clock.now_millis().into()],
        )
        .await?;
    let row = rows.first().ok_or(Error::Unauthorized)?;
    Ok(OpenInvitation {
        id: row.text("id")?.to_owned(),
        patient_id: row.text("patient_id")?.to_owned(),
        name: row.text("name")?.to_owned(),
        relation: Relation::stored(row.text("relation")?)?,
    })
}

/// An invitation a code opened.
#[derive(Debug)]
pub struct OpenInvitation {
    pub id: String,
    pub patient_id: String,
    pub name: String,
    pub relation: Relation,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_relations_are_checked_together() {
        let bad = NewInvitation {
            name: " ".into(),
            relation: "neighbour".into(),
        };
        let Err(Error::Validation(errors)) = check(&bad) else {
            panic!("accepted");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(fields, ["#/name", "#/relation"]);
        let good = NewInvitation {
            name: "試験 一郎".into(),
            relation: "child".into(),
        };
        assert!(matches!(check(&good), Ok((_, Relation::Child))));
    }

    #[test]
    fn codes_are_compared_as_typed_in_any_case() {
        assert_eq!(code_hash("abcd2345"), code_hash(" ABCD2345 "));
    }
}
