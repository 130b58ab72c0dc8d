//! Registering a professional: their fields checked, their password hashed (admitted by
//! the host's bound on costly work), their TOTP seed drawn and sealed, and the enrolment
//! for their authenticator app returned once. Used by the bootstrap token and sysadmins
//! (`create_professional`), by invitations, and by the command line.

use serde::{Deserialize, Serialize};

use super::random;
use super::token::Subject;
use super::{password, sealed, totp};
use crate::audit::{self, Outcome};
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::http::Request;
use crate::ports::{Database, Statement, StoreError};
use crate::vocabulary::{OrganizationKind, Profession, Word};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrganization {
    pub municipality_code: String,
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewProfessional {
    pub organization: NewOrganization,
    pub email: String,
    pub name: String,
    pub profession: String,
    pub roles: Vec<String>,
    pub password: String,
}

/// What a new professional needs to enrol their authenticator app; shown once.
#[derive(Debug, Serialize)]
pub struct Enrolment {
    pub id: String,
    pub organization_id: String,
    pub email: String,
    pub totp_secret: String,
    pub otpauth_uri: String,
}

/// The person's own fields (address, name, profession, roles), as checked both when a
/// professional is registered and when one is invited.
pub(crate) fn check_person(
    email: &str,
    name: &str,
    profession: &str,
    roles: &[String],
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    errors.extend(FieldError::length("#/name", name, 100, "氏名"));
    Profession::check("#/profession", profession, &mut errors);
    let mut err = |p: &str, en: &str, ja: &str| errors.push(FieldError::new(p, en, ja));
    let email = email.trim();
    if email.len() > 254
        || email.split('@').count() != 2
        || email.starts_with('@')
        || email.ends_with('@')
    {
        err(
            "#/email",
            "must be an email address",
            "メールアドレスを入力してください",
        );
    }
    if super::role::Role::parse_all(roles).is_none() {
        err(
            "#/roles",
            "roles must be some of professional, org_admin, municipal_staff, disaster_hq, sysadmin",
            "権限が正しくありません",
        );
    }
    errors
}

pub(crate) fn check_new(input: &NewProfessional) -> Vec<FieldError> {
    let mut errors = check_person(&input.email, &input.name, &input.profession, &input.roles);
    errors.extend(FieldError::length(
        "#/organization/name",
        &input.organization.name,
        200,
        "事業所名",
    ));
    let org = &input.organization;
    OrganizationKind::check("#/organization/kind", &org.kind, &mut errors);
    let mut err = |p: &str, en: &str, ja: &str| errors.push(FieldError::new(p, en, ja));
    if let Err(super::AuthError::WeakPassword(why)) = password::check_policy(&input.password) {
        err(
            "#/password",
            &format!("password: {why}"),
            "パスワードは12文字以上256文字以下にしてください",
        );
    }
    if !crate::public::municipalities::is_code(&org.municipality_code) {
        err(
            "#/organization/municipality_code",
            "must be a 5-digit municipality code",
            "5桁の市区町村コードを指定してください",
        );
    }
    errors
}

/// Registers a professional (and their organization, if new); `actor` is who registers
/// them (a sysadmin's id, `bootstrap`, or `cli` for the command line), for the audit.
pub async fn create_professional(
    env: &Env,
    req: &Request,
    actor: &str,
    input: NewProfessional,
) -> Result<Enrolment, Error> {
    let errors = check_new(&input);
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let sql = env.sql(Database::Care).await?;
    let now = crate::time::iso8601(env.clock.now_millis());
    let org = &input.organization;
    let rows = sql
        .batch(&[
            Statement::new(
                "INSERT INTO organizations (id, municipality_code, kind, name, created_at) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (municipality_code, name) DO NOTHING",
                vec![env.new_id().into(), org.municipality_code.clone().into(), org.kind.clone().into(), org.name.trim().into(), now.clone().into()],
            ),
            Statement::new(
                "SELECT id FROM organizations WHERE municipality_code = ?1 AND name = ?2",
                vec![org.municipality_code.clone().into(), org.name.trim().into()],
            ),
        ])
        .await?;
    let organization_id = rows
        .get(1)
        .and_then(|r| r.first().map(|row| row.text("id").map(str::to_owned)))
        .transpose()?
        .ok_or_else(|| StoreError::Backend("organization not found after insert".into()))?;
    enrol(env, req, Some(actor), &organization_id, &input, Vec::new()).await
}

/// Writes a new professional of `organization_id` (password hashed, TOTP seed sealed)
/// with `extra` statements in the same batch, and returns their enrolment. `actor` is who
/// registered them, for the audit. Enrolling a sysadmin closes the bootstrap token.
pub(crate) async fn enrol(
    env: &Env,
    req: &Request,
    actor: Option<&str>,
    organization_id: &str,
    input: &NewProfessional,
    extra: Vec<Statement>,
) -> Result<Enrolment, Error> {
    let sql = env.sql(Database::Care).await?;
    let now = crate::time::iso8601(env.clock.now_millis());
    let secret = random::<{ totp::SECRET_LEN }>(env);
    let hash = {
        let _admitted = password::admit(env)?;
        password::hash(&input.password, &random::<16>(env))
            .map_err(|e| Error::Internal(e.to_string()))?
    };
    let id = env.new_id();
    let email = input.email.trim().to_owned();
    let roles = serde_json::to_string(&input.roles).unwrap_or_else(|_| "[]".into());
    let sealed_secret = sealed::seal(
        &sealed::data_key(env)?,
        random::<12>(env),
        totp::to_base32(&secret).as_bytes(),
        &id,
    );
    let mut statements = vec![Statement::new(
        "INSERT INTO professionals (id, organization_id, email, name, profession, roles, password_hash, totp_secret, created_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
        vec![
            id.clone().into(),
            organization_id.into(),
            email.clone().into(),
            input.name.trim().into(),
            input.profession.clone().into(),
            roles.into(),
            hash.into(),
            sealed_secret.into(),
            now.into(),
        ],
    )];
    statements.extend(extra);
    statements.push(audit::statement(
        env,
        req,
        actor,
        "professional.create",
        Some(&id),
        Outcome::Allowed,
    ));
    sql.batch(&statements).await.map_err(|e| match e {
        StoreError::Constraint(_) => Error::Validation(vec![FieldError::new(
            "#/email",
            "this address is already registered",
            "このメールアドレスは登録済みです",
        )]),
        other => Error::Store(other),
    })?;
    if super::role::Role::parse_all(&input.roles)
        .is_some_and(|roles| roles.contains(&super::role::Role::Sysadmin))
    {
        super::bootstrap::close(env).await?;
    }
    Ok(Enrolment {
        otpauth_uri: totp::enrolment_uri(&secret, &email)
            .map_err(|e| Error::Internal(e.to_string()))?,
        totp_secret: totp::to_base32(&secret),
        id,
        organization_id: organization_id.to_owned(),
        email,
    })
}

/// The subject an active professional's token would carry, found by their address: for
/// work done on their behalf outside a request (`rainbownet import patients --as`).
pub async fn subject_by_email(env: &Env, email: &str) -> Result<Subject, Error> {
    let sql = env.sql(Database::Care).await?;
    let rows = sql
        .query(
            "SELECT p.id, p.name, p.roles, p.organization_id, o.municipality_code FROM professionals p \
             JOIN organizations o ON o.id = p.organization_id WHERE p.email = ?1 AND p.status = 'active'",
            &[email.trim().into()],
        )
        .await?;
    let row = rows.first().ok_or(Error::NotFound)?;
    Ok(Subject {
        sub: row.text("id")?.to_owned(),
        roles: serde_json::from_str(row.text("roles")?).unwrap_or_default(),
        org: Some(row.text("organization_id")?.to_owned()),
        municipality: Some(row.text("municipality_code")?.to_owned()),
        jti: env.new_id(),
        sid: None,
        name: Some(row.text("name")?.to_owned()),
        patient: None,
    })
}

/// A professional's own profile (`GET /api/v1/auth/me`): who the token's subject is, as
/// stored now, with the roles the token carries.
pub async fn profile(env: &Env, subject: &Subject) -> Result<serde_json::Value, Error> {
    let sql = env.sql(Database::Care).await?;
    let rows = sql
        .query(
            "SELECT id, email, name, profession, organization_id, organization AS organization_name, \
             municipality_code FROM colleagues WHERE id = ?1",
            &[subject.sub.clone().into()],
        )
        .await?;
    let row = rows.first().ok_or(Error::Unauthorized)?;
    Ok(serde_json::json!({
        "id": row.text("id")?,
        "email": row.text("email")?,
        "name": row.text("name")?,
        "profession": row.text("profession")?,
        "roles": subject.roles,
        "organization": {
            "id": row.text("organization_id")?,
            "name": row.text("organization_name")?,
            "municipality_code": row.text("municipality_code")?,
        },
    }))
}
