//! An organization's own staff list, and taking an account out of use when someone leaves:
//! org admins for their organization, sysadmins for any. Disabling ends every refresh
//! token at once and stops logins; an access token already issued lives out its ten
//! minutes, as every function checks tokens without reading the users table.

use serde::Serialize;

use super::role::Role;
use super::token::Subject;
use crate::audit::{self, Outcome};
use crate::env::Env;
use crate::error::Error;
use crate::http::Request;
use crate::ports::{Database, Statement};

#[derive(Debug, Serialize)]
pub struct StaffMember {
    pub id: String,
    pub email: String,
    pub name: String,
    pub profession: String,
    pub roles: Vec<String>,
    pub status: String,
    pub created_at: String,
}

/// The caller's organization's professionals (an org admin's), by name.
pub async fn list(env: &Env, caller: &Subject) -> Result<Vec<StaffMember>, Error> {
    if !caller.has(Role::OrgAdmin) && !caller.has(Role::Sysadmin) {
        return Err(Error::Forbidden);
    }
    let rows = env
        .sql(Database::Care)
        .await?
        .query(
            "SELECT id, email, name, profession, roles, status, created_at FROM professionals \
             WHERE organization_id = ?1 ORDER BY status, name, id LIMIT 1000",
            &[caller.org.clone().into()],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(StaffMember {
                id: r.text("id")?.to_owned(),
                email: r.text("email")?.to_owned(),
                name: r.text("name")?.to_owned(),
                profession: r.text("profession")?.to_owned(),
                roles: serde_json::from_str(r.text("roles")?).unwrap_or_default(),
                status: r.text("status")?.to_owned(),
                created_at: r.text("created_at")?.to_owned(),
            })
        })
        .collect()
}

/// Whether an account is in use: a leaver's is disabled, and can be enabled again (someone
/// returning, or a slip undone).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountStatus {
    Active,
    Disabled,
}

impl AccountStatus {
    fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Disabled => "disabled",
        }
    }

    fn action(self) -> &'static str {
        match self {
            AccountStatus::Active => "professional.enable",
            AccountStatus::Disabled => "professional.disable",
        }
    }
}

/// Disables or enables a professional. An org admin manages their own organization's
/// staff but not its sysadmins (a sysadmin answers to sysadmins only); a sysadmin manages
/// anyone; nobody their own account, so an organization can not lock out its last
/// administrator by a slip. Disabling ends every refresh token and every invitation the
/// person sent that is still pending, in the same batch.
pub async fn set_status(
    env: &Env,
    req: &Request,
    caller: &Subject,
    id: &str,
    status: AccountStatus,
) -> Result<(), Error> {
    let sql = env.sql(Database::Care).await?;
    let rows = sql
        .query(
            "SELECT organization_id, roles FROM professionals WHERE id = ?1",
            &[id.into()],
        )
        .await?;
    let target = rows.first();
    let organization = target
        .map(|r| r.text("organization_id").map(str::to_owned))
        .transpose()?;
    let target_is_sysadmin = target
        .map(|r| r.text("roles"))
        .transpose()?
        .is_some_and(|roles| Role::from_stored(roles).contains(&Role::Sysadmin));
    let same_org = organization.is_some() && organization == caller.org;
    let allowed = id != caller.sub
        && (caller.has(Role::Sysadmin)
            || (caller.has(Role::OrgAdmin) && same_org && !target_is_sysadmin));
    if !allowed {
        audit::record(
            env,
            req,
            Some(&caller.sub),
            status.action(),
            Some(id),
            Outcome::Denied,
        )
        .await?;
        // Someone else's staff are not the caller's business: not found, as for patients.
        return Err(if same_org {
            Error::Forbidden
        } else {
            Error::NotFound
        });
    }
    let now = env.clock.now_millis();
    let now_iso = crate::time::iso8601(now);
    let mut statements = vec![Statement::new(
        "UPDATE professionals SET status = ?2, updated_at = ?3 WHERE id = ?1",
        vec![id.into(), status.as_str().into(), now_iso.clone().into()],
    )];
    if status == AccountStatus::Disabled {
        statements.push(Statement::new(
            "UPDATE refresh_tokens SET revoked_at = ?2 WHERE professional_id = ?1 AND revoked_at IS NULL",
            vec![id.into(), now.into()],
        ));
        statements.push(Statement::new(
            "UPDATE invitations SET revoked_at = ?2 WHERE invited_by = ?1 AND accepted_at IS NULL AND revoked_at IS NULL",
            vec![id.into(), now_iso.into()],
        ));
    }
    statements.push(audit::statement(
        env,
        req,
        Some(&caller.sub),
        status.action(),
        Some(id),
        Outcome::Allowed,
    ));
    sql.batch(&statements).await?;
    Ok(())
}
