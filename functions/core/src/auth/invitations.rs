//! Organization administrators invite their own staff. The invitation carries who the
//! invitee is and what they may do; the invitee opens the link, chooses their password and
//! enrols their authenticator. The token is shown once, stored as its SHA-256, used once,
//! and expires after seven days.

use serde::{Deserialize, Serialize};

use super::enrolment::{self, Enrolment, NewOrganization, NewProfessional};
use super::role::Role;
use super::sessions::token_hash;
use super::token::Subject;
use crate::audit::{self, Outcome};
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::http::Request;
use crate::ports::{Database, Statement};
use crate::vocabulary::Word;

pub const TTL_MS: i64 = 7 * 24 * 3600 * 1000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewInvitation {
    pub email: String,
    pub name: String,
    pub profession: String,
    pub roles: Vec<String>,
    /// Only a sysadmin names another organization; an org admin invites into their own.
    #[serde(default)]
    pub organization_id: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Invitation {
    pub id: String,
    pub organization_id: String,
    pub email: String,
    pub name: String,
    pub profession: String,
    pub roles: Vec<String>,
    pub expires_at: String,
    pub accepted_at: Option<String>,
    pub revoked_at: Option<String>,
    /// The secret link, returned only when the invitation is made.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accept_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acceptance {
    pub token: String,
    pub password: String,
}

/// The roles `inviter` may hand out: a sysadmin any; an org admin the professional and
/// org-admin roles, and the municipal ones only inside a municipality's own organization.
fn may_grant(inviter: &Subject, role: Role, municipality_org: bool) -> bool {
    inviter.has(Role::Sysadmin)
        || (inviter.has(Role::OrgAdmin)
            && match role {
                Role::Professional | Role::OrgAdmin => true,
                Role::MunicipalStaff | Role::DisasterHq => municipality_org,
                Role::Sysadmin => false,
            })
}

pub async fn create(
    env: &Env,
    req: &Request,
    inviter: &Subject,
    input: NewInvitation,
) -> Result<Invitation, Error> {
    // An org admin invites into their own organization; a sysadmin into any.
    let organization_id = match (&input.organization_id, inviter.has(Role::Sysadmin)) {
        (Some(org), true) => Some(org.clone()),
        (None, true) => inviter.org.clone(),
        (Some(org), false) if inviter.org.as_deref() == Some(org.as_str()) => Some(org.clone()),
        (None, false) => inviter.org.clone(),
        (Some(_), false) => None,
    }
    .filter(|_| inviter.has(Role::OrgAdmin) || inviter.has(Role::Sysadmin));
    let Some(organization_id) = organization_id else {
        audit::record(
            env,
            req,
            Some(&inviter.sub),
            "invitation.create",
            None,
            Outcome::Denied,
        )
        .await?;
        return Err(Error::Forbidden);
    };
    let sql = env.sql(Database::Care).await?;
    let org = sql
        .query(
            "SELECT kind, municipality_code, name FROM organizations WHERE id = ?1",
            &[organization_id.clone().into()],
        )
        .await?;
    let Some(org) = org.first() else {
        return Err(Error::Validation(vec![FieldError::new(
            "#/organization_id",
            "no such organization",
            "事業所が見つかりません",
        )]));
    };
    // The person is checked as a directly registered professional is; the password is
    // the invitee's to choose at acceptance, and the organization is already on record.
    let mut errors =
        enrolment::check_person(&input.email, &input.name, &input.profession, &input.roles);
    let municipality_org = org.text("kind")? == "municipality";
    if let Some(role) = input
        .roles
        .iter()
        .filter_map(|r| Role::parse(r))
        .find(|r| !may_grant(inviter, *r, municipality_org))
    {
        errors.push(FieldError::new(
            "#/roles",
            format!("you may not grant {}", role.as_str()),
            format!("{} の権限は付与できません", role.label_ja()),
        ));
    }
    let registered = sql
        .query(
            "SELECT EXISTS (SELECT 1 FROM professionals WHERE email = ?1) AS taken",
            &[input.email.trim().into()],
        )
        .await?;
    if registered.first().map(|r| r.int("taken")).transpose()? == Some(1) {
        // Said now, to the inviter, rather than to the invitee when they accept.
        errors.push(FieldError::new(
            "#/email",
            "this address is already registered",
            "このメールアドレスは登録済みです",
        ));
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let token = super::keys::to_hex(&{
        let mut bytes = [0u8; 32];
        env.random.fill(&mut bytes);
        bytes
    });
    let id = env.new_id();
    let now_ms = env.clock.now_millis();
    let expires = now_ms + TTL_MS;
    let roles = serde_json::to_string(&input.roles).unwrap_or_else(|_| "[]".into());
    sql.batch(&[
        Statement::new(
            "INSERT INTO invitations (id, token_hash, organization_id, email, name, profession, roles, invited_by, created_at, expires_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            vec![
                id.clone().into(),
                token_hash(&token).into(),
                organization_id.clone().into(),
                input.email.trim().into(),
                input.name.trim().into(),
                input.profession.clone().into(),
                roles.into(),
                inviter.sub.clone().into(),
                crate::time::iso8601(now_ms).into(),
                expires.into(),
            ],
        ),
        audit::statement(
            env,
            req,
            Some(&inviter.sub),
            "invitation.create",
            Some(&id),
            Outcome::Allowed,
        ),
    ])
    .await?;
    let origin = crate::http::origin::request_origin(req, env);
    Ok(Invitation {
        accept_url: Some(format!("{origin}/app/care/#invite={token}")),
        token: Some(token),
        id,
        organization_id,
        email: input.email.trim().to_owned(),
        name: input.name.trim().to_owned(),
        profession: input.profession,
        roles: input.roles,
        expires_at: crate::time::iso8601(expires),
        accepted_at: None,
        revoked_at: None,
    })
}

/// The invitations of the caller's organization (an org admin's) or all (a sysadmin's),
/// newest first.
pub async fn list(env: &Env, caller: &Subject) -> Result<Vec<Invitation>, Error> {
    let all = caller.has(Role::Sysadmin);
    if !all && !caller.has(Role::OrgAdmin) {
        return Err(Error::Forbidden);
    }
    let sql = env.sql(Database::Care).await?;
    let rows = sql
        .query(
            "SELECT id, organization_id, email, name, profession, roles, expires_at, accepted_at, revoked_at FROM invitations \
             WHERE ?1 OR organization_id = ?2 ORDER BY created_at DESC, id DESC LIMIT 200",
            &[all.into(), caller.org.clone().into()],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Invitation {
                id: r.text("id")?.to_owned(),
                organization_id: r.text("organization_id")?.to_owned(),
                email: r.text("email")?.to_owned(),
                name: r.text("name")?.to_owned(),
                profession: r.text("profession")?.to_owned(),
                roles: serde_json::from_str(r.text("roles")?).unwrap_or_default(),
                expires_at: crate::time::iso8601(r.int("expires_at")?),
                accepted_at: r.opt_text("accepted_at")?.map(str::to_owned),
                revoked_at: r.opt_text("revoked_at")?.map(str::to_owned),
                token: None,
                accept_url: None,
            })
        })
        .collect()
}

/// Revokes a pending invitation: the org admin of its organization or a sysadmin. Others
/// learn nothing of it (404). Revoking one already accepted or revoked changes nothing.
pub async fn revoke(env: &Env, req: &Request, caller: &Subject, id: &str) -> Result<(), Error> {
    let sql = env.sql(Database::Care).await?;
    let rows = sql
        .query(
            "SELECT organization_id FROM invitations WHERE id = ?1",
            &[id.into()],
        )
        .await?;
    let organization = rows
        .first()
        .map(|r| r.text("organization_id").map(str::to_owned))
        .transpose()?;
    let allowed = organization.is_some()
        && (caller.has(Role::Sysadmin)
            || (caller.has(Role::OrgAdmin) && organization == caller.org));
    if !allowed {
        audit::record(
            env,
            req,
            Some(&caller.sub),
            "invitation.revoke",
            Some(id),
            Outcome::Denied,
        )
        .await?;
        return Err(Error::NotFound);
    }
    sql.batch(&[
        Statement::new(
            "UPDATE invitations SET revoked_at = ?2 WHERE id = ?1 AND accepted_at IS NULL AND revoked_at IS NULL",
            vec![id.into(), crate::time::iso8601(env.clock.now_millis()).into()],
        ),
        audit::statement(
            env,
            req,
            Some(&caller.sub),
            "invitation.revoke",
            Some(id),
            Outcome::Allowed,
        ),
    ])
    .await?;
    Ok(())
}

/// The invitee accepts: their account is made with their own password, the invitation is
/// spent in the same batch (a second acceptance finds it spent), and the enrolment for
/// their authenticator app is returned once.
pub async fn accept(env: &Env, req: &Request, input: Acceptance) -> Result<Enrolment, Error> {
    let sql = env.sql(Database::Care).await?;
    let hash = token_hash(input.token.trim());
    let rows = sql
        .query(
            "SELECT i.id, i.organization_id, i.email, i.name, i.profession, i.roles, i.expires_at, i.accepted_at, \
             o.municipality_code, o.kind, o.name AS organization_name \
             FROM invitations i JOIN organizations o ON o.id = i.organization_id \
             JOIN professionals inviter ON inviter.id = i.invited_by \
             WHERE i.token_hash = ?1 AND i.revoked_at IS NULL AND inviter.status = 'active'",
            &[hash.into()],
        )
        .await?;
    let usable = rows.first().filter(|r| {
        r.opt_text("accepted_at").ok().flatten().is_none()
            && r.int("expires_at")
                .is_ok_and(|e| e > env.clock.now_millis())
    });
    let Some(row) = usable else {
        audit::record(env, req, None, "invitation.accept", None, Outcome::Failed).await?;
        return Err(Error::Validation(vec![FieldError::new(
            "#/token",
            "this invitation is unknown, used or expired; ask for a new one",
            "この招待は無効か、使用済みか、期限切れです。再度招待を依頼してください",
        )]));
    };
    let invitation = row.text("id")?.to_owned();
    let input = NewProfessional {
        organization: NewOrganization {
            municipality_code: row.text("municipality_code")?.to_owned(),
            kind: row.text("kind")?.to_owned(),
            name: row.text("organization_name")?.to_owned(),
        },
        email: row.text("email")?.to_owned(),
        name: row.text("name")?.to_owned(),
        profession: row.text("profession")?.to_owned(),
        roles: serde_json::from_str(row.text("roles")?).unwrap_or_default(),
        password: input.password,
    };
    let errors = enrolment::check_new(&input);
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let organization_id = row.text("organization_id")?.to_owned();
    // Spent only if still unspent: two racing acceptances can not both make an account,
    // because the professional's email is unique and the batch is one transaction.
    let spend = Statement::new(
        "UPDATE invitations SET accepted_at = ?2, professional_id = (SELECT id FROM professionals WHERE email = ?3) \
         WHERE id = ?1 AND accepted_at IS NULL AND revoked_at IS NULL",
        vec![
            invitation.clone().into(),
            crate::time::iso8601(env.clock.now_millis()).into(),
            input.email.clone().into(),
        ],
    );
    let accepted = audit::statement(
        env,
        req,
        None,
        "invitation.accept",
        Some(&invitation),
        Outcome::Allowed,
    );
    enrolment::enrol(
        env,
        req,
        None,
        &organization_id,
        &input,
        vec![spend, accepted],
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject(roles: &[&str]) -> Subject {
        Subject {
            sub: "01A".into(),
            roles: roles.iter().filter_map(|r| Role::parse(r)).collect(),
            org: Some("01ORG".into()),
            municipality: Some("23233".into()),
            jti: "01J".into(),
            sid: None,
            name: None,
            patient: None,
        }
    }

    #[test]
    fn org_admins_grant_only_what_their_organization_may_hold() {
        let admin = subject(&["professional", "org_admin"]);
        assert!(may_grant(&admin, Role::Professional, false));
        assert!(may_grant(&admin, Role::OrgAdmin, false));
        assert!(!may_grant(&admin, Role::Sysadmin, true));
        assert!(!may_grant(&admin, Role::MunicipalStaff, false));
        assert!(may_grant(&admin, Role::MunicipalStaff, true));
        assert!(!may_grant(
            &subject(&["professional"]),
            Role::Professional,
            false
        ));
        assert!(may_grant(&subject(&["sysadmin"]), Role::Sysadmin, false));
    }
}
