//! Who may administer public data (resources, imports, notices): the bootstrap token, a
//! `sysadmin`, or `municipal_staff` of the municipality the data belongs to.

use super::role::Role;
use super::token::Subject;
use super::{bootstrap, session};
use crate::env::Env;
use crate::error::Error;
use crate::http::Request;

#[derive(Clone)]
pub enum Admin {
    /// The deployment's bootstrap token (no person behind it).
    Bootstrap,
    Staff(Subject),
}

impl Admin {
    /// May this caller manage data of `municipality` (`None`: the region itself)?
    pub fn may_manage(&self, municipality: Option<&str>) -> Result<(), Error> {
        let Admin::Staff(subject) = self else {
            return Ok(());
        };
        let own_town = municipality.is_some() && subject.municipality.as_deref() == municipality;
        if subject.has(Role::Sysadmin) || (subject.has(Role::MunicipalStaff) && own_town) {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }

    /// The town an administrator's list is of: the one `named`, else a staff member's own
    /// (the region for sysadmins and the bootstrap token); 403 unless they may manage it.
    pub fn list_town(&self, named: Option<String>) -> Result<Option<String>, Error> {
        let town = match (named, self) {
            (Some(town), _) => Some(town),
            (None, Admin::Staff(subject)) if !subject.has(Role::Sysadmin) => {
                subject.municipality.clone()
            }
            (None, _) => None,
        };
        self.may_manage(town.as_deref())?;
        Ok(town)
    }

    /// The actor for audit records.
    pub fn actor(&self) -> &str {
        match self {
            Admin::Bootstrap => "bootstrap",
            Admin::Staff(s) => &s.sub,
        }
    }
}

/// The caller, if they hold the bootstrap token (while it is open) or a valid access
/// token; otherwise 401. The bootstrap token once closed is a 403, recorded in the care
/// audit log (or, for a function without it, the operator's log). What a caller may manage
/// is decided by [`Admin::may_manage`] once the record is known.
pub async fn authenticate(req: &Request, env: &Env) -> Result<Admin, Error> {
    if bootstrap::require_admin(req, env).is_err() {
        // A family member administers nothing.
        return match session::authenticate(req, env).await? {
            subject if subject.is_family() => Err(Error::Forbidden),
            subject => Ok(Admin::Staff(subject)),
        };
    }
    if !bootstrap::is_closed(env).await? {
        return Ok(Admin::Bootstrap);
    }
    match crate::audit::record(
        env,
        req,
        Some("bootstrap"),
        "auth.bootstrap",
        None,
        crate::audit::Outcome::Denied,
    )
    .await
    {
        Err(Error::Store(crate::ports::StoreError::NotGranted(_))) => env.log.warn(
            req.headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-"),
            "the bootstrap token was presented after it closed",
        ),
        other => other?,
    }
    Err(Error::Forbidden)
}

/// May this caller read the audit of `target`? Sysadmins (and the bootstrap token) read
/// everything; municipal staff read what concerns their own town's patients.
pub async fn may_read_audit(env: &Env, caller: &Admin, target: Option<&str>) -> Result<(), Error> {
    if caller.may_manage(None).is_ok() {
        return Ok(());
    }
    let target = target.ok_or(Error::Forbidden)?;
    let sql = env.sql(crate::ports::Database::Care).await?;
    let rows = sql
        .query(
            "SELECT municipality_code FROM patients WHERE id = ?1",
            &[target.into()],
        )
        .await?;
    let town = rows
        .first()
        .map(|r| r.text("municipality_code").map(str::to_owned))
        .transpose()?;
    caller.may_manage(town.as_deref())
}

/// [`may_read_audit`], with the reading itself put on record, allowed or denied: who looked at
/// the access log is part of the access log (3省2ガイドライン).
pub async fn may_read_audit_recorded(
    env: &Env,
    req: &Request,
    caller: &Admin,
    action: &str,
    target: Option<&str>,
) -> Result<(), Error> {
    let decision = may_read_audit(env, caller, target).await;
    let outcome = if decision.is_ok() {
        crate::audit::Outcome::Allowed
    } else {
        crate::audit::Outcome::Denied
    };
    crate::audit::record(env, req, Some(caller.actor()), action, target, outcome).await?;
    decision
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vocabulary::Word;

    fn staff(roles: &[&str], town: &str) -> Admin {
        Admin::Staff(Subject {
            sub: "01P".into(),
            roles: roles.iter().filter_map(|r| Role::parse(r)).collect(),
            org: None,
            municipality: Some(town.into()),
            jti: "01J".into(),
            sid: None,
            name: None,
            patient: None,
        })
    }

    #[test]
    fn staff_manage_their_own_town_only() {
        assert!(
            staff(&["municipal_staff"], "23233")
                .may_manage(Some("23233"))
                .is_ok()
        );
        assert!(
            staff(&["municipal_staff"], "23233")
                .may_manage(Some("23234"))
                .is_err()
        );
        assert!(
            staff(&["municipal_staff"], "23233")
                .may_manage(None)
                .is_err()
        );
        assert!(
            staff(&["professional"], "23233")
                .may_manage(Some("23233"))
                .is_err()
        );
        assert!(staff(&["sysadmin"], "23233").may_manage(None).is_ok());
        assert!(Admin::Bootstrap.may_manage(Some("23342")).is_ok());
    }
}
