//! A project's timeline: posts by its members, newest first, and each member's unread
//! mark. A post sent again with the same `Idempotency-Key` returns the first one.

use serde::{Deserialize, Serialize};

use super::Membership;
use crate::audit::{self, Outcome};
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::http::Request;
use crate::ports::{Database, Row, Statement, StoreError, Value};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewProjectPost {
    pub body: String,
}

#[derive(Debug, Serialize)]
pub struct ProjectPost {
    pub id: String,
    pub project_id: String,
    pub author_id: String,
    pub author_name: String,
    pub author_organization: String,
    pub body: String,
    pub created_at: String,
}

#[derive(Debug, Serialize)]
pub struct PostPage {
    pub items: Vec<ProjectPost>,
    pub next_cursor: Option<String>,
}

const POST_SELECT: &str = "SELECT pp.rowid AS seq, pp.id, pp.project_id, pp.author_id, pr.name AS author_name, \
     pr.organization AS author_organization, pp.body, pp.created_at FROM project_posts pp \
     JOIN colleagues pr ON pr.id = pp.author_id";

fn post_from(row: &Row<'_>) -> Result<ProjectPost, StoreError> {
    Ok(ProjectPost {
        id: row.text("id")?.to_owned(),
        project_id: row.text("project_id")?.to_owned(),
        author_id: row.text("author_id")?.to_owned(),
        author_name: row.text("author_name")?.to_owned(),
        author_organization: row.text("author_organization")?.to_owned(),
        body: row.text("body")?.to_owned(),
        created_at: row.text("created_at")?.to_owned(),
    })
}

/// Posts to the project's timeline; with a key, a retry returns the first post.
pub async fn post(
    env: &Env,
    req: &Request,
    m: &Membership,
    input: NewProjectPost,
    key: Option<&str>,
) -> Result<ProjectPost, Error> {
    let body = input.body.trim().to_owned();
    let mut errors: Vec<FieldError> = FieldError::length("#/body", &body, 10_000, "本文")
        .into_iter()
        .collect();
    errors.extend(crate::care::check_key(key));
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let id = env.new_id();
    let sql = env.sql(Database::Care).await?;
    sql.batch(&[
        Statement::new(
            "INSERT INTO project_posts (id, project_id, author_id, body, idempotency_key, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (author_id, idempotency_key) DO NOTHING",
            vec![
                id.clone().into(),
                m.project.clone().into(),
                m.caller.sub.clone().into(),
                body.clone().into(),
                key.into(),
                crate::time::iso8601(env.clock.now_millis()).into(),
            ],
        ),
        // The author has read their own post.
        Statement::new(
            "UPDATE project_members SET last_read_seq = max(last_read_seq, coalesce((SELECT rowid FROM project_posts WHERE id = ?3), 0)) \
             WHERE project_id = ?1 AND professional_id = ?2",
            vec![m.project.clone().into(), m.caller.sub.clone().into(), id.clone().into()],
        ),
        audit::statement(
            env,
            req,
            Some(&m.caller.sub),
            "project.post.create",
            Some(&m.project),
            Outcome::Allowed,
        ),
        crate::care::push::outbox::Event {
            kind: crate::care::push::outbox::Kind::ProjectPost,
            reference: &m.project,
            author: &m.caller.sub,
            urgent: false,
            text: &body,
            written: ("project_posts", &id),
        }
        .to_project(env, &m.project),
    ])
    .await?;
    env.defer();
    let rows = sql
        .query(
            &format!(
                "{POST_SELECT} WHERE pp.id = ?1 OR (pp.author_id = ?2 AND pp.idempotency_key = ?3)"
            ),
            &[id.clone().into(), m.caller.sub.clone().into(), key.into()],
        )
        .await?;
    let stored = post_from(&rows.first().ok_or(Error::NotFound)?)?;
    if stored.project_id != m.project || (stored.id != id && stored.body != body) {
        return Err(Error::IdempotencyKeyReused);
    }
    Ok(stored)
}

/// A page of the project's timeline, newest first. Reading the newest page marks the
/// project read up to its newest post.
pub async fn posts(
    env: &Env,
    req: &Request,
    m: &Membership,
    cursor: Option<&str>,
    limit: usize,
) -> Result<PostPage, Error> {
    let limit = limit.clamp(1, crate::care::paging::MAX_PAGE);
    let mut params: Vec<Value> = vec![m.project.clone().into()];
    let mut query = format!("{POST_SELECT} WHERE pp.project_id = ?1");
    crate::care::paging::keyset(&mut query, &mut params, "pp", cursor, limit)?;
    let sql = env.sql(Database::Care).await?;
    let rows = sql.query(&query, &params).await?;
    let page = crate::care::paging::page(&rows, limit, post_from)?;
    sql.batch(&[
        Statement::new(
            "UPDATE project_members SET last_read_seq = max(last_read_seq, ?3) WHERE project_id = ?1 AND professional_id = ?2",
            vec![
                m.project.clone().into(),
                m.caller.sub.clone().into(),
                page.newest.unwrap_or(0).into(),
            ],
        ),
        audit::statement(
            env,
            req,
            Some(&m.caller.sub),
            "project.posts.read",
            Some(&m.project),
            Outcome::Allowed,
        ),
    ])
    .await?;
    Ok(PostPage {
        items: page.items,
        next_cursor: page.next_cursor,
    })
}
