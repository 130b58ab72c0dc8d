//! Projects: groups of professionals not tied to one patient (地域ケア会議, 研修, 部会),
//! each with its own timeline and unread count. Only members see a project; a
//! non-member's attempt is audited and answered as "not found", as for patients.
//!
//! This module is the project and its members; its timeline is in `posts`.
//!
//! Why this file is just over 400 lines: creating a project, its membership check and its
//! member changes share the member statements and the active-professional check.

mod posts;

pub use posts::{NewProjectPost, PostPage, ProjectPost, post, posts};

use serde::{Deserialize, Serialize};

use crate::audit::{self, Outcome};
use crate::auth::token::Subject;
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::http::Request;
use crate::ports::{Database, Statement, StoreError, Value};
use crate::vocabulary::{ProjectKind, Word};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewProject {
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Colleagues to add at once (from the directory).
    #[serde(default)]
    pub members: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    pub professional_id: String,
}

#[derive(Debug, Serialize)]
pub struct ProjectMember {
    pub id: String,
    pub name: String,
    pub profession: String,
    pub organization: String,
    pub role: String,
}

#[derive(Debug, Serialize)]
pub struct Project {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub description: String,
    pub municipality_code: String,
    pub created_by: String,
    pub created_at: String,
    pub members: Vec<ProjectMember>,
}

#[derive(Debug, Serialize)]
pub struct ProjectSummary {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub members: i64,
    pub unread: i64,
    pub last_post_at: Option<String>,
}

/// Proof that the caller is a current member of the project (made once per request).
pub struct Membership {
    pub caller: Subject,
    pub project: String,
    pub role: String,
}

fn validation(pointer: &str, en: &str, ja: &str) -> Error {
    Error::Validation(vec![FieldError::new(pointer, en, ja)])
}

/// Are all of `ids` active professionals? (One query for the list.)
async fn all_active(env: &Env, ids: &[String]) -> Result<bool, Error> {
    if ids.is_empty() {
        return Ok(true);
    }
    let mut params: Vec<Value> = Vec::new();
    let marks = crate::ports::bind_list(&mut params, ids.iter().cloned());
    let rows = env
        .sql(Database::Care)
        .await?
        .query(
            &format!(
                "SELECT count(*) AS n FROM professionals WHERE status = 'active' AND id IN ({marks})"
            ),
            &params,
        )
        .await?;
    Ok(rows.first().map(|r| r.int("n")).transpose()? == Some(ids.len() as i64))
}

fn member_statement(
    project: &str,
    professional: &str,
    role: &str,
    by: &str,
    now: &str,
) -> Statement {
    // Re-adding someone who left makes them a member again (unread from now on).
    Statement::new(
        "INSERT INTO project_members (project_id, professional_id, role, added_by, added_at, last_read_seq) \
         VALUES (?1, ?2, ?3, ?4, ?5, coalesce((SELECT max(rowid) FROM project_posts WHERE project_id = ?1), 0)) \
         ON CONFLICT (project_id, professional_id) DO UPDATE SET removed_at = NULL, added_by = excluded.added_by, \
         added_at = excluded.added_at WHERE removed_at IS NOT NULL",
        vec![
            project.into(),
            professional.into(),
            role.into(),
            by.into(),
            now.into(),
        ],
    )
}

pub async fn create(
    env: &Env,
    req: &Request,
    caller: &Subject,
    input: NewProject,
) -> Result<Project, Error> {
    let mut errors = Vec::new();
    ProjectKind::check("#/kind", &input.kind, &mut errors);
    errors.extend(FieldError::length("#/name", &input.name, 200, "名称"));
    if input.description.chars().count() > 2_000 {
        errors.push(FieldError::new(
            "#/description",
            "at most 2,000 characters",
            "説明は2000文字以内です",
        ));
    }
    let mut members = input.members.clone();
    members.retain(|m| *m != caller.sub);
    members.sort();
    members.dedup();
    if members.len() > 200 {
        errors.push(FieldError::new(
            "#/members",
            "at most 200 members at once",
            "一度に追加できるのは200人までです",
        ));
    } else if !all_active(env, &members).await? {
        errors.push(FieldError::new(
            "#/members",
            "name active professionals (see GET /api/v1/care/professionals)",
            "登録済みの専門職を指定してください",
        ));
    }
    let Some(municipality) = caller.municipality.clone() else {
        return Err(Error::Forbidden);
    };
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let id = env.new_id();
    let now = crate::time::iso8601(env.clock.now_millis());
    let mut statements = vec![
        Statement::new(
            "INSERT INTO projects (id, kind, name, description, municipality_code, created_by, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            vec![
                id.clone().into(),
                input.kind.into(),
                input.name.trim().into(),
                input.description.trim().into(),
                municipality.into(),
                caller.sub.clone().into(),
                now.clone().into(),
            ],
        ),
        member_statement(&id, &caller.sub, "owner", &caller.sub, &now),
    ];
    for m in &members {
        statements.push(member_statement(&id, m, "member", &caller.sub, &now));
    }
    statements.push(audit::statement(
        env,
        req,
        Some(&caller.sub),
        "project.create",
        Some(&id),
        Outcome::Allowed,
    ));
    env.sql(Database::Care).await?.batch(&statements).await?;
    load(env, &id).await
}

/// The caller's projects, the most recently active first, with unread counts.
pub async fn list_mine(env: &Env, caller: &Subject) -> Result<Vec<ProjectSummary>, Error> {
    let rows = env
        .sql(Database::Care)
        .await?
        .query(
            "SELECT p.id, p.kind, p.name, \
             (SELECT count(*) FROM project_members x WHERE x.project_id = p.id AND x.removed_at IS NULL) AS members, \
             (SELECT count(*) FROM project_posts pp WHERE pp.project_id = p.id AND pp.rowid > m.last_read_seq) AS unread, \
             (SELECT max(created_at) FROM project_posts pp WHERE pp.project_id = p.id) AS last_post_at \
             FROM project_members m JOIN projects p ON p.id = m.project_id \
             WHERE m.professional_id = ?1 AND m.removed_at IS NULL \
             ORDER BY coalesce(last_post_at, p.created_at) DESC, p.id DESC LIMIT 200",
            &[caller.sub.clone().into()],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(ProjectSummary {
                id: r.text("id")?.to_owned(),
                kind: r.text("kind")?.to_owned(),
                name: r.text("name")?.to_owned(),
                members: r.int("members")?,
                unread: r.int("unread")?,
                last_post_at: r.opt_text("last_post_at")?.map(str::to_owned),
            })
        })
        .collect()
}

/// Is `caller` a current member of `project`? A denial is audited and answered 404.
pub async fn require_member(
    env: &Env,
    req: &Request,
    caller: &Subject,
    project: &str,
    action: &str,
) -> Result<Membership, Error> {
    let rows = env
        .sql(Database::Care)
        .await?
        .query(
            "SELECT role FROM project_members WHERE project_id = ?1 AND professional_id = ?2 AND removed_at IS NULL",
            &[project.into(), caller.sub.clone().into()],
        )
        .await?;
    if let Some(row) = rows.first() {
        return Ok(Membership {
            caller: caller.clone(),
            project: project.to_owned(),
            role: row.text("role")?.to_owned(),
        });
    }
    audit::record(
        env,
        req,
        Some(&caller.sub),
        action,
        Some(project),
        Outcome::Denied,
    )
    .await?;
    Err(Error::NotFound)
}

async fn load(env: &Env, id: &str) -> Result<Project, Error> {
    let sql = env.sql(Database::Care).await?;
    let rows = sql
        .query(
            "SELECT id, kind, name, description, municipality_code, created_by, created_at FROM projects WHERE id = ?1",
            &[id.into()],
        )
        .await?;
    let row = rows.first().ok_or(Error::NotFound)?;
    let members = sql
        .query(
            "SELECT pr.id, pr.name, pr.profession, pr.organization, m.role FROM project_members m \
             JOIN colleagues pr ON pr.id = m.professional_id \
             WHERE m.project_id = ?1 AND m.removed_at IS NULL ORDER BY m.role DESC, m.added_at, pr.id",
            &[id.into()],
        )
        .await?;
    Ok(Project {
        id: row.text("id")?.to_owned(),
        kind: row.text("kind")?.to_owned(),
        name: row.text("name")?.to_owned(),
        description: row.text("description")?.to_owned(),
        municipality_code: row.text("municipality_code")?.to_owned(),
        created_by: row.text("created_by")?.to_owned(),
        created_at: row.text("created_at")?.to_owned(),
        members: members
            .iter()
            .map(|m| {
                Ok(ProjectMember {
                    id: m.text("id")?.to_owned(),
                    name: m.text("name")?.to_owned(),
                    profession: m.text("profession")?.to_owned(),
                    organization: m.text("organization")?.to_owned(),
                    role: m.text("role")?.to_owned(),
                })
            })
            .collect::<Result<_, StoreError>>()?,
    })
}

pub async fn get(env: &Env, req: &Request, m: &Membership) -> Result<Project, Error> {
    audit::record(
        env,
        req,
        Some(&m.caller.sub),
        "project.read",
        Some(&m.project),
        Outcome::Allowed,
    )
    .await?;
    load(env, &m.project).await
}

/// Any member adds a colleague (projects grow as a meeting does).
pub async fn add_member(
    env: &Env,
    req: &Request,
    m: &Membership,
    input: NewMember,
) -> Result<Project, Error> {
    if !all_active(env, std::slice::from_ref(&input.professional_id)).await? {
        return Err(validation(
            "#/professional_id",
            "no active professional with this id",
            "この専門職は登録されていません",
        ));
    }
    let now = crate::time::iso8601(env.clock.now_millis());
    env.sql(Database::Care)
        .await?
        .batch(&[
            member_statement(
                &m.project,
                &input.professional_id,
                "member",
                &m.caller.sub,
                &now,
            ),
            audit::statement(
                env,
                req,
                Some(&m.caller.sub),
                "project.member.add",
                Some(&m.project),
                Outcome::Allowed,
            ),
        ])
        .await?;
    load(env, &m.project).await
}

/// The owner removes anyone but themselves; a member can leave. Takes effect at once.
pub async fn remove_member(
    env: &Env,
    req: &Request,
    m: &Membership,
    professional: &str,
) -> Result<(), Error> {
    let leaving = professional == m.caller.sub;
    if (leaving && m.role == "owner") || (!leaving && m.role != "owner") {
        audit::record(
            env,
            req,
            Some(&m.caller.sub),
            "project.member.remove",
            Some(&m.project),
            Outcome::Denied,
        )
        .await?;
        return Err(Error::Forbidden);
    }
    let now = crate::time::iso8601(env.clock.now_millis());
    let results = env
        .sql(Database::Care)
        .await?
        .batch(&[
            Statement::new(
                "UPDATE project_members SET removed_at = ?3 WHERE project_id = ?1 AND professional_id = ?2 AND removed_at IS NULL",
                vec![m.project.clone().into(), professional.into(), now.into()],
            ),
            Statement::new("SELECT changes() AS n", vec![]),
            audit::statement(
                env,
                req,
                Some(&m.caller.sub),
                "project.member.remove",
                Some(&m.project),
                Outcome::Allowed,
            ),
        ])
        .await?;
    let changed = results
        .get(1)
        .and_then(|r| r.first())
        .map(|r| r.int("n"))
        .transpose()?;
    if changed == Some(1) {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}
