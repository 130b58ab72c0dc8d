//! The family members who joined a patient's circle, as the team sees and manages them: the
//! list (who, relation, since when, how many passkeys, last sign-in) and ending a
//! membership, which stops the member's access at their next request and ends their
//! sessions (the team's recourse when a relative should no longer follow the record).

use serde::Serialize;

use super::patients::Member;
use crate::env::Env;
use crate::error::Error;
use crate::http::Request;
use crate::ports::{Database, Statement, StoreError};
use crate::vocabulary::Relation;

#[derive(Debug, Serialize)]
pub struct FamilyMember {
    pub id: String,
    pub name: String,
    pub relation: Relation,
    pub status: String,
    pub joined_at: String,
    pub closed_at: Option<String>,
    pub passkeys: i64,
    pub last_sign_in: Option<String>,
}

/// `GET /api/v1/patients/{id}/family-members`: everyone who joined, active first.
pub async fn list(env: &Env, req: &Request, member: &Member) -> Result<Vec<FamilyMember>, Error> {
    let rows = env
        .sql(Database::Care)
        .await?
        .query(
            "SELECT m.id, m.name, m.relation, m.status, m.joined_at, m.closed_at, \
             (SELECT count(*) FROM passkeys k WHERE k.owner_kind = 'family' AND k.owner_id = m.id) AS passkeys, \
             (SELECT max(k.last_used_at) FROM passkeys k WHERE k.owner_kind = 'family' AND k.owner_id = m.id) AS last_sign_in \
             FROM family_members m WHERE m.patient_id = ?1 ORDER BY m.status, m.joined_at",
            &[member.patient.clone().into()],
        )
        .await?;
    member.record(env, req, "family.members").await?;
    Ok(rows
        .iter()
        .map(|r| -> Result<FamilyMember, StoreError> {
            Ok(FamilyMember {
                id: r.text("id")?.to_owned(),
                name: r.text("name")?.to_owned(),
                relation: <Relation as crate::vocabulary::Word>::parse(r.text("relation")?)
                    .unwrap_or(Relation::Other),
                status: r.text("status")?.to_owned(),
                joined_at: r.text("joined_at")?.to_owned(),
                closed_at: r.opt_text("closed_at")?.map(str::to_owned),
                passkeys: r.int("passkeys")?,
                last_sign_in: r.opt_text("last_sign_in")?.map(str::to_owned),
            })
        })
        .collect::<Result<_, _>>()?)
}

/// `POST /api/v1/patients/{id}/family-members/{member}/close`: the membership ends, with its
/// sessions; closing it again changes nothing. Another patient's member is 404.
pub async fn close(env: &Env, req: &Request, member: &Member, id: &str) -> Result<(), Error> {
    let sql = env.sql(Database::Care).await?;
    let found = sql
        .query(
            "SELECT 1 AS found FROM family_members WHERE id = ?1 AND patient_id = ?2",
            &[id.into(), member.patient.clone().into()],
        )
        .await?;
    if found.is_empty() {
        member.refused(env, req, "family.close").await?;
        return Err(Error::NotFound);
    }
    let now_ms = env.clock.now_millis();
    sql.batch(&[
        Statement::new(
            "UPDATE family_members SET status = 'closed', closed_at = ?3 \
             WHERE id = ?1 AND patient_id = ?2 AND status = 'active'",
            vec![
                id.into(),
                member.patient.clone().into(),
                crate::time::iso8601(now_ms).into(),
            ],
        ),
        Statement::new(
            "UPDATE family_refresh_tokens SET revoked_at = ?2 WHERE member_id = ?1 AND revoked_at IS NULL",
            vec![id.into(), now_ms.into()],
        ),
        member.audited(env, req, "family.close"),
    ])
    .await?;
    Ok(())
}
