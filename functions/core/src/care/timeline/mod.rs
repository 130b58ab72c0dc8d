//! A patient's timeline: posts (連絡 / 報告 / 相談) and templated documents by the care
//! team, newest first, with comments, read receipts and edit history. A post or comment
//! sent again with the same `Idempotency-Key` returns the first one and writes nothing
//! (phones retry on bad networks).
//!
//! This module is the post as it is stored and read (a page, one post, read receipts);
//! writing one is in `create` (posts and templated documents) and `edit` (edits and
//! comments).

mod create;
mod edit;

pub use create::create;
pub use edit::{comment, edit};

use serde::{Deserialize, Serialize};

use super::family_caller::Linked;
use super::patients::Member;
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::http::Request;
use crate::ports::{Database, Row, Statement, StoreError, Value};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPost {
    /// Required for a plain post; a document defaults to its template's category.
    #[serde(default)]
    pub category: Option<String>,
    /// The text of a plain post; a document's body is rendered from its fields.
    #[serde(default)]
    pub body: String,
    /// A document: the template's id (`GET /api/v1/care/templates`) and its fields.
    #[serde(default)]
    pub template: Option<String>,
    #[serde(default)]
    pub fields: Option<serde_json::Value>,
    /// Files uploaded beforehand (`POST …/attachments`) that this post names.
    #[serde(default)]
    pub attachments: Vec<String>,
    /// Shown to the patient's linked family too (default: the team's alone).
    #[serde(default)]
    pub share_with_family: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostEdit {
    /// A plain post's new text.
    #[serde(default)]
    pub body: Option<String>,
    /// A document's new fields (the whole set).
    #[serde(default)]
    pub fields: Option<serde_json::Value>,
    /// Share the post with the family, or stop sharing it (alone, or with a new text).
    #[serde(default)]
    pub share_with_family: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    pub body: String,
}

#[derive(Debug, Serialize)]
pub struct Comment {
    pub id: String,
    pub post_id: String,
    pub author_id: String,
    pub author_name: String,
    pub body: String,
    pub created_at: String,
}

#[derive(Debug, Serialize)]
pub struct Reader {
    pub id: String,
    pub name: String,
    pub read_at: String,
}

#[derive(Debug, Serialize)]
pub struct Post {
    pub id: String,
    pub patient_id: String,
    pub author_id: String,
    pub author_name: String,
    pub author_organization: String,
    pub category: String,
    pub body: String,
    /// Set on a templated document, with its fields.
    pub template: Option<String>,
    pub fields: Option<serde_json::Value>,
    pub created_at: String,
    pub edited_at: Option<String>,
    /// The linked family sees this post.
    pub share_with_family: bool,
    /// How many earlier texts the edit history keeps.
    pub previous_versions: i64,
    pub read_by: Vec<Reader>,
    pub attachments: Vec<super::attachments::Attachment>,
    pub comments: Vec<Comment>,
}

#[derive(Debug, Serialize)]
pub struct TimelinePage {
    pub items: Vec<Post>,
    pub next_cursor: Option<String>,
}

const SELECT: &str = "SELECT po.rowid AS seq, po.id, po.patient_id, po.author_id, pr.name AS author_name, pr.organization AS author_organization, \
     po.category, po.body, po.template, po.fields, po.created_at, po.edited_at, po.idempotency_key, po.share_with_family, \
     (SELECT count(*) FROM post_versions v WHERE v.post_id = po.id) AS previous_versions \
     FROM posts po JOIN colleagues pr ON pr.id = po.author_id";

fn check_body(pointer: &str, body: &str) -> Option<FieldError> {
    FieldError::length(pointer, body, 10_000, "本文")
}

fn post_from(row: &Row<'_>) -> Result<Post, StoreError> {
    Ok(Post {
        id: row.text("id")?.to_owned(),
        patient_id: row.text("patient_id")?.to_owned(),
        author_id: row.text("author_id")?.to_owned(),
        author_name: row.text("author_name")?.to_owned(),
        author_organization: row.text("author_organization")?.to_owned(),
        category: row.text("category")?.to_owned(),
        body: row.text("body")?.to_owned(),
        template: row.opt_text("template")?.map(str::to_owned),
        fields: row
            .opt_text("fields")?
            .and_then(|f| serde_json::from_str(f).ok()),
        created_at: row.text("created_at")?.to_owned(),
        edited_at: row.opt_text("edited_at")?.map(str::to_owned),
        share_with_family: row.int("share_with_family")? == 1,
        previous_versions: row.int("previous_versions")?,
        read_by: Vec::new(),
        attachments: Vec::new(),
        comments: Vec::new(),
    })
}

/// Fills in who has read each post, its files and its comments, in one query each for
/// the page.
async fn with_details(env: &Env, mut posts: Vec<Post>) -> Result<Vec<Post>, Error> {
    if posts.is_empty() {
        return Ok(posts);
    }
    let ids: Vec<Value> = posts.iter().map(|p| p.id.clone().into()).collect();
    let marks: Vec<String> = (1..=ids.len()).map(|i| format!("?{i}")).collect();
    let sql = env.sql(Database::Care).await?;
    let rows = sql
        .query(
            &format!(
                "SELECT r.post_id, r.professional_id, pr.name, r.read_at FROM post_reads r \
                 JOIN professionals pr ON pr.id = r.professional_id WHERE r.post_id IN ({}) ORDER BY r.read_at",
                marks.join(", ")
            ),
            &ids,
        )
        .await?;
    let files = sql
        .query(
            &format!(
                "SELECT {} FROM attachments WHERE post_id IN ({}) ORDER BY created_at, id",
                super::attachments::COLUMNS,
                marks.join(", ")
            ),
            &ids,
        )
        .await?;
    let comments = sql
        .query(
            &format!(
                "SELECT c.id, c.post_id, c.author_id, pr.name AS author_name, c.body, c.created_at \
                 FROM post_comments c JOIN professionals pr ON pr.id = c.author_id \
                 WHERE c.post_id IN ({}) ORDER BY c.rowid",
                marks.join(", ")
            ),
            &ids,
        )
        .await?;
    for row in comments.iter() {
        let comment = comment_from(&row)?;
        if let Some(post) = posts.iter_mut().find(|p| p.id == comment.post_id) {
            post.comments.push(comment);
        }
    }
    for row in files.iter() {
        let post_id = row.text("post_id")?;
        if let Some(post) = posts.iter_mut().find(|p| p.id == post_id) {
            post.attachments
                .push(super::attachments::Attachment::from_row(&row)?);
        }
    }
    for row in rows.iter() {
        let post_id = row.text("post_id")?;
        if let Some(post) = posts.iter_mut().find(|p| p.id == post_id) {
            post.read_by.push(Reader {
                id: row.text("professional_id")?.to_owned(),
                name: row.text("name")?.to_owned(),
                read_at: row.text("read_at")?.to_owned(),
            });
        }
    }
    Ok(posts)
}

fn comment_from(row: &Row<'_>) -> Result<Comment, StoreError> {
    Ok(Comment {
        id: row.text("id")?.to_owned(),
        post_id: row.text("post_id")?.to_owned(),
        author_id: row.text("author_id")?.to_owned(),
        author_name: row.text("author_name")?.to_owned(),
        body: row.text("body")?.to_owned(),
        created_at: row.text("created_at")?.to_owned(),
    })
}

/// The post's own row, without readers, files or comments: enough for the checks made
/// before a write (one query instead of four).
async fn load_row(env: &Env, id: &str) -> Result<Post, Error> {
    let sql = env.sql(Database::Care).await?;
    let rows = sql
        .query(&format!("{SELECT} WHERE po.id = ?1"), &[id.into()])
        .await?;
    Ok(post_from(&rows.first().ok_or(Error::NotFound)?)?)
}

async fn load(env: &Env, id: &str) -> Result<Post, Error> {
    let post = load_row(env, id).await?;
    Ok(with_details(env, vec![post]).await?.remove(0))
}

/// A page of the timeline, newest first. Reading it is audited.
pub async fn list(
    env: &Env,
    req: &Request,
    member: &Member,
    cursor: Option<&str>,
    limit: usize,
) -> Result<TimelinePage, Error> {
    let patient = member.patient.as_str();
    let limit = limit.clamp(1, crate::care::paging::MAX_PAGE);
    let sql = env.sql(Database::Care).await?;
    // Insertion order (rowid), not the id: ids made in the same millisecond do not sort
    // by time.
    let mut params: Vec<Value> = vec![patient.into()];
    let mut query = format!("{SELECT} WHERE po.patient_id = ?1");
    super::paging::keyset(&mut query, &mut params, "po", cursor, limit)?;
    let rows = sql.query(&query, &params).await?;
    let page = super::paging::page(&rows, limit, post_from)?;
    member.record(env, req, "timeline.read").await?;
    Ok(TimelinePage {
        items: with_details(env, page.items).await?,
        next_cursor: page.next_cursor,
    })
}

/// A page of what the team shared with the family, newest first: the posts and their
/// files, without the team's comments or read receipts. Reading it is audited.
pub async fn list_shared(
    env: &Env,
    req: &Request,
    linked: &Linked,
    cursor: Option<&str>,
    limit: usize,
) -> Result<TimelinePage, Error> {
    let limit = limit.clamp(1, crate::care::paging::MAX_PAGE);
    let sql = env.sql(Database::Care).await?;
    let mut params: Vec<Value> = vec![linked.patient.clone().into()];
    let mut query = format!("{SELECT} WHERE po.patient_id = ?1 AND po.share_with_family = 1");
    super::paging::keyset(&mut query, &mut params, "po", cursor, limit)?;
    let rows = sql.query(&query, &params).await?;
    let page = super::paging::page(&rows, limit, post_from)?;
    linked.record(env, req, "timeline.read").await?;
    let mut items = with_details(env, page.items).await?;
    for post in &mut items {
        post.read_by.clear();
        post.comments.clear();
    }
    Ok(TimelinePage {
        items,
        next_cursor: page.next_cursor,
    })
}

fn in_timeline(post: &Post, patient: &str) -> Result<(), Error> {
    if post.patient_id == patient {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// Marks a post read by the caller (a read receipt); doing it twice changes nothing.
pub async fn mark_read(
    env: &Env,
    req: &Request,
    member: &Member,
    post: &str,
) -> Result<Post, Error> {
    let (caller, patient) = (&member.caller, member.patient.as_str());
    in_timeline(&load_row(env, post).await?, patient)?;
    let now = crate::time::iso8601(env.clock.now_millis());
    let sql = env.sql(Database::Care).await?;
    sql.batch(&[
        Statement::new(
            "INSERT INTO post_reads (post_id, professional_id, read_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (post_id, professional_id) DO NOTHING",
            vec![post.into(), caller.sub.clone().into(), now.into()],
        ),
        member.audited(env, req, "post.read"),
    ])
    .await?;
    load(env, post).await
}
