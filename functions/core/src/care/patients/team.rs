//! The care team of a patient: who joins, who may remove whom, handing over the lead, and
//! revoking consent. Anyone on the team may add a colleague or leave; the lead (or the
//! lead's org admin) steers the rest, and every refusal is audited.

use super::{Member, Patient, load};
use crate::audit::{self, Outcome};
use crate::auth::role::Role;
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::http::Request;
use crate::ports::{Database, Statement};

/// Adds a professional (of any organization) to the team; takes effect at once.
pub async fn add_member(
    env: &Env,
    req: &Request,
    member: &Member,
    professional: &str,
) -> Result<Patient, Error> {
    let (caller, id) = (&member.caller, member.patient.as_str());
    let now = crate::time::iso8601(env.clock.now_millis());
    let sql = env.sql(Database::Care).await?;
    let known = sql
        .query("SELECT EXISTS (SELECT 1 FROM professionals WHERE id = ?1 AND status = 'active') AS known", &[professional.into()])
        .await?;
    if known.first().map(|r| r.int("known")).transpose()? != Some(1) {
        return Err(Error::Validation(vec![FieldError::new(
            "#/professional_id",
            "no active professional with this id",
            "この専門職は登録されていません",
        )]));
    }
    sql.batch(&[
        Statement::new(
            "INSERT INTO care_team_members (patient_id, professional_id, added_by, added_at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (patient_id, professional_id) DO UPDATE SET removed_at = NULL, added_by = ?3, added_at = ?4",
            vec![id.into(), professional.into(), caller.sub.clone().into(), now.into()],
        ),
        audit::statement(env, req, Some(&caller.sub), "team.add", Some(id), Outcome::Allowed),
    ])
    .await?;
    load(env, id).await
}

/// Who the patient's lead is, and whether the caller steers the team: the lead, or an
/// org admin of the lead's organization.
async fn stewardship(env: &Env, member: &Member) -> Result<(Option<String>, bool), Error> {
    let rows = env
        .sql(Database::Care)
        .await?
        .query(
            "SELECT p.lead_id, l.organization_id AS lead_org FROM patients p \
             LEFT JOIN professionals l ON l.id = p.lead_id WHERE p.id = ?1",
            &[member.patient.clone().into()],
        )
        .await?;
    let row = rows.first().ok_or(Error::NotFound)?;
    let lead = row.opt_text("lead_id")?.map(str::to_owned);
    let lead_org = row.opt_text("lead_org")?.map(str::to_owned);
    let caller = &member.caller;
    let steers = lead.as_deref() == Some(caller.sub.as_str())
        || (caller.has(Role::OrgAdmin) && lead_org.is_some() && lead_org == caller.org);
    Ok((lead, steers))
}

/// Refuses (audited, 403) a team action the caller may not take as an ordinary member.
async fn refuse(env: &Env, req: &Request, member: &Member, action: &str) -> Error {
    match member.refused(env, req, action).await {
        Ok(()) => Error::Forbidden,
        Err(e) => e,
    }
}

/// Removes a professional from the team, at once: anyone may leave (but the lead, who hands
/// over first), and only the lead or their org admin removes someone else.
pub async fn remove_member(
    env: &Env,
    req: &Request,
    member: &Member,
    professional: &str,
) -> Result<(), Error> {
    let (caller, id) = (&member.caller, member.patient.as_str());
    let (lead, steers) = stewardship(env, member).await?;
    if lead.as_deref() == Some(professional) {
        return Err(Error::Conflict {
            en: "the lead can not leave or be removed; hand the lead over to another member first",
            ja: "主担当者は外せません。先に他のメンバーへ主担当を引き継いでください",
        });
    }
    if professional != caller.sub && !steers {
        return Err(refuse(env, req, member, "team.remove").await);
    }
    let now = crate::time::iso8601(env.clock.now_millis());
    let sql = env.sql(Database::Care).await?;
    sql.batch(&[
        Statement::new(
            "UPDATE care_team_members SET removed_at = ?3 WHERE patient_id = ?1 AND professional_id = ?2 AND removed_at IS NULL",
            vec![id.into(), professional.into(), now.into()],
        ),
        audit::statement(env, req, Some(&caller.sub), "team.remove", Some(id), Outcome::Allowed),
    ])
    .await?;
    Ok(())
}

/// Hands the lead to another active member of the team: the lead or their org admin.
pub async fn hand_over(
    env: &Env,
    req: &Request,
    member: &Member,
    professional: &str,
) -> Result<Patient, Error> {
    let (caller, id) = (&member.caller, member.patient.as_str());
    let (_, steers) = stewardship(env, member).await?;
    if !steers {
        return Err(refuse(env, req, member, "team.lead").await);
    }
    let sql = env.sql(Database::Care).await?;
    let done = sql
        .batch(&[
            Statement::new(
                "UPDATE patients SET lead_id = ?2, updated_at = ?3 WHERE id = ?1 AND EXISTS (SELECT 1 FROM care_team_members t \
                 JOIN professionals pr ON pr.id = t.professional_id WHERE t.patient_id = ?1 AND t.professional_id = ?2 \
                 AND t.removed_at IS NULL AND pr.status = 'active')",
                vec![id.into(), professional.into(), crate::time::iso8601(env.clock.now_millis()).into()],
            ),
            Statement::new("SELECT changes() AS n", vec![]),
            audit::statement(env, req, Some(&caller.sub), "team.lead", Some(id), Outcome::Allowed),
        ])
        .await?;
    if done
        .get(1)
        .and_then(|r| r.first())
        .map(|r| r.int("n"))
        .transpose()?
        != Some(1)
    {
        return Err(Error::Validation(vec![FieldError::new(
            "#/professional_id",
            "the lead goes to an active member of the team",
            "主担当はチームの有効なメンバーに引き継いでください",
        )]));
    }
    load(env, id).await
}

/// Records the withdrawal of consent; the record closes to everyone. The lead or their
/// org admin only: it ends every member's access at once.
pub async fn revoke_consent(env: &Env, req: &Request, member: &Member) -> Result<(), Error> {
    let (caller, id) = (&member.caller, member.patient.as_str());
    if !stewardship(env, member).await?.1 {
        return Err(refuse(env, req, member, "consent.revoke").await);
    }
    let now = crate::time::iso8601(env.clock.now_millis());
    let sql = env.sql(Database::Care).await?;
    sql.batch(&[
        Statement::new(
            "UPDATE consents SET revoked_at = ?2, revoked_by = ?3 WHERE patient_id = ?1 AND revoked_at IS NULL",
            vec![id.into(), now.clone().into(), caller.sub.clone().into()],
        ),
        Statement::new(
            "UPDATE patients SET status = 'consent_revoked', updated_at = ?2 WHERE id = ?1",
            vec![id.into(), now.clone().into()],
        ),
        // The family's door closes with the team's (issue #34): members and open invitations.
        Statement::new(
            "UPDATE family_members SET status = 'closed', closed_at = ?2 WHERE patient_id = ?1 AND status = 'active'",
            vec![id.into(), now.clone().into()],
        ),
        Statement::new(
            "UPDATE family_invitations SET revoked_at = ?2 WHERE patient_id = ?1 AND used_at IS NULL AND revoked_at IS NULL",
            vec![id.into(), now.into()],
        ),
        audit::statement(env, req, Some(&caller.sub), "consent.revoke", Some(id), Outcome::Allowed),
    ])
    .await?;
    Ok(())
}
