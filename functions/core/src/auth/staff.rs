//! An organization's own staff list, and taking an account out of use when someone leaves:
//! org admins for their organization, sysadmins for any. Disabling ends every refresh
//! token at once and stops logins; an access token already issued lives out its ten
//! minutes, as every function checks tokens without reading the users table.

use serde::Serialize;

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

fn has(subject: &Subject, role: &str) -> bool {
    subject.roles.iter().any(|r| r == role)
}

/// The caller's organization's professionals (an org admin's), by name.
pub async fn list(env: &Env, caller: &Subject) -> Result<Vec<StaffMember>, Error> {
    if !has(caller, "org_admin") && !has(caller, "sysadmin") {
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

/// Disables a professional of the caller's organization (any, for a sysadmin); never the
/// caller themselves, so an organization can not lock out its last administrator by a slip.
pub async fn disable(env: &Env, req: &Request, caller: &Subject, id: &str) -> Result<(), Error> {
    let sql = env.sql(Database::Care).await?;
    let rows = sql
        .query(
            "SELECT organization_id FROM professionals WHERE id = ?1",
            &[id.into()],
        )
        .await?;
    let organization = rows
        .first()
        .map(|r| r.text("organization_id").map(str::to_owned))
        .transpose()?;
    let allowed = id != caller.sub
        && (has(caller, "sysadmin")
            || (has(caller, "org_admin") && organization.is_some() && organization == caller.org));
    if !allowed {
        audit::record(
            env,
            req,
            Some(&caller.sub),
            "professional.disable",
            Some(id),
            Outcome::Denied,
        )
        .await?;
        // Someone else's staff are not the caller's business: not found, as for patients.
        return Err(if organization.is_some() && organization == caller.org {
            Error::Forbidden
        } else {
            Error::NotFound
        });
    }
    let now = env.clock.now_millis();
    sql.batch(&[
        Statement::new(
            "UPDATE professionals SET status = 'disabled', updated_at = ?2 WHERE id = ?1",
            vec![id.into(), crate::time::iso8601(now).into()],
        ),
        Statement::new(
            "UPDATE refresh_tokens SET revoked_at = ?2 WHERE professional_id = ?1 AND revoked_at IS NULL",
            vec![id.into(), now.into()],
        ),
        audit::statement(
            env,
            req,
            Some(&caller.sub),
            "professional.disable",
            Some(id),
            Outcome::Allowed,
        ),
    ])
    .await?;
    Ok(())
}
