//! A family member (or the patient themself) as a caller (患者・家族連携, issue #34). Their
//! token names one patient; a route admits them only when its guard names family callers,
//! and then only while they are still an active member for an active patient: withdrawn
//! consent or a closed membership ends their access at the next request, not when the
//! token expires.

use super::patients::Member;
use crate::audit::{self, Outcome};
use crate::auth::token::Subject;
use crate::env::Env;
use crate::error::Error;
use crate::http::Request;
use crate::ports::{Database, Statement};
use crate::vocabulary::{Relation, Word};

/// Proof that the caller is an active family member of an active patient, made once per
/// request by the guard.
pub struct Linked {
    pub caller: Subject,
    pub patient: String,
    pub name: String,
    pub relation: Relation,
}

impl Linked {
    /// The audit record of an allowed `action` on the patient by this family member, to
    /// run in the batch that does it.
    pub fn audited(&self, env: &Env, req: &Request, action: &str) -> Statement {
        audit::statement(
            env,
            req,
            Some(&self.caller.sub),
            action,
            Some(&self.patient),
            Outcome::Allowed,
        )
    }

    /// Records an allowed read on its own.
    pub async fn record(&self, env: &Env, req: &Request, action: &str) -> Result<(), Error> {
        audit::write(env, self.audited(env, req, action)).await
    }
}

/// Who reads or writes a patient's record on a route open to the team and the family.
pub enum Reader {
    Team(Member),
    Family(Linked),
}

impl Reader {
    pub fn patient(&self) -> &str {
        match self {
            Reader::Team(m) => &m.patient,
            Reader::Family(f) => &f.patient,
        }
    }

    /// Who acts: the professional's or the family member's id.
    pub fn actor(&self) -> &str {
        match self {
            Reader::Team(m) => &m.caller.sub,
            Reader::Family(f) => &f.caller.sub,
        }
    }

    /// The audit record of an allowed `action` by this reader, for the batch that does it.
    pub fn audited(&self, env: &Env, req: &Request, action: &str) -> Statement {
        match self {
            Reader::Team(m) => m.audited(env, req, action),
            Reader::Family(f) => f.audited(env, req, action),
        }
    }

    /// Records an allowed read on its own.
    pub async fn record(&self, env: &Env, req: &Request, action: &str) -> Result<(), Error> {
        audit::write(env, self.audited(env, req, action)).await
    }
}

/// Is `caller` a family member linked to `patient` (their own patient when `None`), still
/// active, for a patient whose consent stands? Refusals are audited; a named patient that is
/// not theirs is "not found", a membership that has ended is "not signed in".
pub async fn require_linked(
    env: &Env,
    req: &Request,
    caller: &Subject,
    patient: Option<&str>,
    action: &str,
) -> Result<Linked, Error> {
    let own = caller.patient.as_deref().unwrap_or_default();
    let named = patient.unwrap_or(own);
    let rows = if named == own {
        env.sql(Database::Care)
            .await?
            .query(
                "SELECT m.name, m.relation FROM family_members m JOIN patients p ON p.id = m.patient_id \
                 WHERE m.id = ?1 AND m.patient_id = ?2 AND m.status = 'active' AND p.status = 'active'",
                &[caller.sub.clone().into(), own.into()],
            )
            .await?
    } else {
        crate::ports::Rows::default()
    };
    if let Some(row) = rows.first() {
        return Ok(Linked {
            caller: caller.clone(),
            patient: own.to_owned(),
            name: row.text("name")?.to_owned(),
            relation: Relation::parse(row.text("relation")?).unwrap_or(Relation::Other),
        });
    }
    audit::record(
        env,
        req,
        Some(&caller.sub),
        action,
        Some(named),
        Outcome::Denied,
    )
    .await?;
    Err(if patient.is_some() {
        Error::NotFound
    } else {
        Error::Unauthorized
    })
}

/// `GET /api/v1/auth/me` for a family member: who they are and whose record they follow.
pub async fn profile(env: &Env, linked: &Linked) -> Result<serde_json::Value, Error> {
    let rows = env
        .sql(Database::Care)
        .await?
        .query(
            "SELECT name FROM patients WHERE id = ?1",
            &[linked.patient.clone().into()],
        )
        .await?;
    let patient_name = rows
        .first()
        .map(|r| r.text("name").map(str::to_owned))
        .transpose()?
        .unwrap_or_default();
    Ok(serde_json::json!({
        "kind": "family",
        "id": linked.caller.sub,
        "name": linked.name,
        "relation": linked.relation,
        "patient": {"id": linked.patient, "name": patient_name},
    }))
}
