//! Disaster safety check-ins (安否確認): the register of people who need help in an
//! evacuation, support teams, declared events, check-ins and the HQ's live totals.
//!
//! Who sees whom:
//! - municipal staff and the disaster HQ of a town (and sysadmins) see the town's whole
//!   register, always;
//! - a supporter (a member of a support team) sees the people assigned to the team, by
//!   district or one by one; in normal times only those who consented to sharing, while an
//!   event covering the town is open everyone assigned (the law lets the town share the
//!   register in a disaster), and after it closes those still flagged 要確認 (follow-up).

pub mod checkins;
pub mod districts;
pub mod events;
pub mod figures;
pub mod register;
pub mod summary;
pub mod teams;

use crate::audit::{self, Outcome};
use crate::auth::role::Role;
use crate::auth::token::Subject;
use crate::env::Env;
use crate::error::Error;
use crate::http::Request;
use crate::ports::Database;

/// Staff of `municipality` for the register: municipal staff or disaster HQ of that town,
/// or a sysadmin.
pub fn is_staff_of(caller: &Subject, municipality: &str) -> bool {
    caller.has(Role::Sysadmin)
        || ((caller.has(Role::MunicipalStaff) || caller.has(Role::DisasterHq))
            && caller.municipality.as_deref() == Some(municipality))
}

/// The towns of `event` whose register the caller sees as staff.
pub fn staff_towns<'a>(caller: &Subject, event: &'a events::Event) -> Vec<&'a String> {
    event
        .municipalities
        .iter()
        .filter(|m| is_staff_of(caller, m))
        .collect()
}

/// Refuses (and audits the refusal) unless the caller is staff of `municipality`.
pub async fn require_staff(
    env: &Env,
    req: &Request,
    caller: &Subject,
    municipality: &str,
    action: &str,
) -> Result<(), Error> {
    if is_staff_of(caller, municipality) {
        return Ok(());
    }
    audit(
        env,
        req,
        caller,
        action,
        Some(municipality),
        Outcome::Denied,
    )
    .await?;
    Err(Error::Forbidden)
}

/// Records one event in the disaster database's audit log.
pub async fn audit(
    env: &Env,
    req: &Request,
    caller: &Subject,
    action: &str,
    target: Option<&str>,
    outcome: Outcome,
) -> Result<(), Error> {
    audit::record_in(
        env,
        Database::Disaster,
        req,
        Some(&caller.sub),
        action,
        target,
        outcome,
    )
    .await
}

/// The SQL condition "person `p` is assigned to a team the professional `?N` is in".
fn assigned_to(param: usize) -> String {
    format!(
        "EXISTS (SELECT 1 FROM support_team_members m JOIN support_assignments a ON a.team_id = m.team_id \
         WHERE m.professional_id = ?{param} AND (a.person_id = p.id OR (a.person_id IS NULL \
         AND a.municipality_code = p.municipality_code AND a.district_code = p.district_code)))"
    )
}
