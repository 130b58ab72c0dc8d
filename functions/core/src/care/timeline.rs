//! A patient's timeline: posts (連絡 / 報告 / 相談) and templated documents by the care
//! team, newest first, with comments, read receipts and edit history. A post or comment
//! sent again with the same `Idempotency-Key` returns the first one and writes nothing
//! (phones retry on bad networks).

use serde::{Deserialize, Serialize};

use super::patients::Member;
use crate::audit::{self, Outcome};
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::http::Request;
use crate::ports::{Database, Row, Statement, StoreError, Value};

pub const MAX_PAGE: usize = 50;

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

const SELECT: &str = "SELECT po.rowid AS seq, po.id, po.patient_id, po.author_id, pr.name AS author_name, o.name AS author_organization, \
     po.category, po.body, po.template, po.fields, po.created_at, po.edited_at, po.idempotency_key, \
     (SELECT count(*) FROM post_versions v WHERE v.post_id = po.id) AS previous_versions \
     FROM posts po JOIN professionals pr ON pr.id = po.author_id JOIN organizations o ON o.id = pr.organization_id";

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

/// A document's fields checked against its template, and rendered as the post's body.
fn document(
    template: &super::templates::Template,
    fields: &serde_json::Value,
) -> Result<(String, String), Vec<FieldError>> {
    let fields = super::templates::validate(template, fields)?;
    let body = super::templates::render(template, &fields);
    if body.chars().count() > 10_000 {
        return Err(vec![FieldError::new(
            "#/fields",
            "the document is longer than 10,000 characters",
            "文書全体で10000文字以内にしてください",
        )]);
    }
    Ok((body, serde_json::Value::Object(fields).to_string()))
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

/// Posts to the timeline. With a key, a retry returns the first post (`created` false).
pub async fn create(
    env: &Env,
    req: &Request,
    member: &Member,
    input: NewPost,
    key: Option<&str>,
) -> Result<(Post, bool), Error> {
    let (caller, patient) = (&member.caller, member.patient.as_str());
    let mut errors = Vec::new();
    let template = match input.template.as_deref() {
        None => None,
        Some(t) => {
            let found = super::templates::find(t);
            if found.is_none() {
                errors.push(FieldError::new(
                    "#/template",
                    "unknown template (see GET /api/v1/care/templates)",
                    "文書の様式が正しくありません",
                ));
            }
            found
        }
    };
    let category = input
        .category
        .clone()
        .or_else(|| template.map(|t| t.category.to_owned()))
        .unwrap_or_default();
    if !crate::vocabulary::contains(crate::vocabulary::POST_CATEGORIES, &category) {
        errors.push(FieldError::new(
            "#/category",
            "must be contact, report or consultation",
            "分類は 連絡・報告・相談 のいずれかです",
        ));
    }
    let mut body = input.body.trim().to_owned();
    let mut fields: Option<String> = None;
    match (input.template.is_some(), template, &input.fields) {
        (_, Some(t), Some(given)) => match document(t, given) {
            Ok((text, json)) => {
                body = text;
                fields = Some(json);
            }
            Err(e) => errors.extend(e),
        },
        (_, Some(_), None) => errors.push(FieldError::new(
            "#/fields",
            "a document needs its fields",
            "文書の項目を入力してください",
        )),
        // An unknown template is reported above.
        (true, None, _) => {}
        (false, None, Some(_)) => errors.push(FieldError::new(
            "#/template",
            "fields belong to a template",
            "項目を送るときは様式を指定してください",
        )),
        (false, None, None) => errors.extend(check_body("#/body", &input.body)),
    }
    errors.extend(super::check_key(key));
    let mut files = input.attachments.clone();
    files.sort();
    files.dedup();
    if files.len() > 10 {
        errors.push(FieldError::new(
            "#/attachments",
            "at most 10 files per post",
            "添付は1投稿10件までです",
        ));
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let id = env.new_id();
    let now = crate::time::iso8601(env.clock.now_millis());
    let sql = env.sql(Database::Care).await?;
    if !files.is_empty() {
        // Only the author's own uploads for this patient, not yet on a post (a replay
        // finds them on the first post and links nothing).
        let mut params: Vec<Value> = vec![patient.into(), caller.sub.clone().into()];
        let marks = crate::ports::bind_list(&mut params, files.iter().cloned());
        let usable = sql
            .query(
                &format!(
                    "SELECT count(*) AS n FROM attachments WHERE patient_id = ?1 AND uploaded_by = ?2 \
                     AND (post_id IS NULL OR post_id IN (SELECT id FROM posts WHERE author_id = ?2 AND idempotency_key = ?{})) \
                     AND id IN ({marks})",
                    params.len() + 1
                ),
                &[params.clone(), vec![key.into()]].concat(),
            )
            .await?;
        if usable.first().map(|r| r.int("n")).transpose()? != Some(files.len() as i64) {
            return Err(Error::Validation(vec![FieldError::new(
                "#/attachments",
                "name files you uploaded for this patient and have not posted yet",
                "この患者さんに自分がアップロードした未投稿のファイルを指定してください",
            )]));
        }
    }
    let mut statements = vec![
        Statement::new(
            "INSERT INTO posts (id, patient_id, author_id, category, body, template, fields, idempotency_key, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (author_id, idempotency_key) DO NOTHING",
            vec![
                id.clone().into(),
                patient.into(),
                caller.sub.clone().into(),
                category.clone().into(),
                body.clone().into(),
                input.template.clone().into(),
                fields.into(),
                key.into(),
                now.into(),
            ],
        ),
        member.audited(env, req, "post.create"),
        super::push::outbox::Event {
            kind: super::push::outbox::Kind::Post,
            reference: patient,
            author: &caller.sub,
            urgent: category == "consultation",
            text: &body,
            written: ("posts", &id),
        }
        .to_care_team(env, patient),
    ];
    for file in &files {
        // Links only if this request's post was written (not on a replay).
        statements.push(Statement::new(
            "UPDATE attachments SET post_id = ?1 WHERE id = ?2 AND post_id IS NULL \
             AND EXISTS (SELECT 1 FROM posts WHERE id = ?1)",
            vec![id.clone().into(), file.clone().into()],
        ));
    }
    sql.batch(&statements).await?;
    env.defer();
    let stored_id = match key {
        None => id.clone(),
        Some(k) => {
            let rows = sql
                .query(
                    "SELECT id FROM posts WHERE author_id = ?1 AND idempotency_key = ?2",
                    &[caller.sub.clone().into(), k.into()],
                )
                .await?;
            rows.first().ok_or(Error::NotFound)?.text("id")?.to_owned()
        }
    };
    let post = load(env, &stored_id).await?;
    if post.patient_id != patient
        || post.category != category
        || post.template != input.template
        || (stored_id != id && post.body != body)
    {
        return Err(Error::IdempotencyKeyReused);
    }
    Ok((post, stored_id == id))
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
    let limit = limit.clamp(1, MAX_PAGE);
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

/// The author edits a post; the previous text is kept in its history.
pub async fn edit(
    env: &Env,
    req: &Request,
    member: &Member,
    post: &str,
    input: PostEdit,
) -> Result<Post, Error> {
    let (caller, patient) = (&member.caller, member.patient.as_str());
    let current = load_row(env, post).await?;
    in_timeline(&current, patient)?;
    if current.author_id != caller.sub {
        audit::record(
            env,
            req,
            Some(&caller.sub),
            "post.edit",
            Some(patient),
            Outcome::Denied,
        )
        .await?;
        return Err(Error::Forbidden);
    }
    let (body, fields) = match (
        current.template.as_deref().and_then(super::templates::find),
        input,
    ) {
        (
            Some(t),
            PostEdit {
                body: None,
                fields: Some(given),
            },
        ) => {
            let (text, json) = document(t, &given).map_err(Error::Validation)?;
            (text, Some(json))
        }
        (
            None,
            PostEdit {
                body: Some(text),
                fields: None,
            },
        ) => {
            if let Some(e) = check_body("#/body", &text) {
                return Err(Error::Validation(vec![e]));
            }
            (text.trim().to_owned(), None)
        }
        (Some(_), _) => {
            return Err(Error::Validation(vec![FieldError::new(
                "#/fields",
                "a document is edited by sending its fields (not a body)",
                "文書は項目を送って修正してください",
            )]));
        }
        (None, _) => {
            return Err(Error::Validation(vec![FieldError::new(
                "#/body",
                "a post is edited by sending its body",
                "本文を送って修正してください",
            )]));
        }
    };
    let now = crate::time::iso8601(env.clock.now_millis());
    let sql = env.sql(Database::Care).await?;
    sql.batch(&[
        Statement::new(
            "INSERT INTO post_versions (post_id, version, body, replaced_at) \
             VALUES (?1, (SELECT count(*) + 1 FROM post_versions WHERE post_id = ?1), ?2, ?3)",
            vec![post.into(), current.body.clone().into(), now.clone().into()],
        ),
        Statement::new(
            "UPDATE posts SET body = ?2, edited_at = ?3, fields = coalesce(?4, fields) WHERE id = ?1",
            vec![post.into(), body.into(), now.into(), fields.into()],
        ),
        member.audited(env, req, "post.edit"),
    ])
    .await?;
    load(env, post).await
}

/// Comments on a post, by any member of the team. With a key, a retry returns the first
/// comment (`created` false) and writes nothing.
pub async fn comment(
    env: &Env,
    req: &Request,
    member: &Member,
    post: &str,
    input: NewComment,
    key: Option<&str>,
) -> Result<(Comment, bool), Error> {
    let (caller, patient) = (&member.caller, member.patient.as_str());
    in_timeline(&load_row(env, post).await?, patient)?;
    let mut errors: Vec<FieldError> = FieldError::length("#/body", &input.body, 4_000, "コメント")
        .into_iter()
        .collect();
    errors.extend(super::check_key(key));
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let id = env.new_id();
    let body = input.body.trim().to_owned();
    let now = crate::time::iso8601(env.clock.now_millis());
    let sql = env.sql(Database::Care).await?;
    sql.batch(&[
        Statement::new(
            "INSERT INTO post_comments (id, post_id, author_id, body, idempotency_key, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (author_id, idempotency_key) DO NOTHING",
            vec![
                id.clone().into(),
                post.into(),
                caller.sub.clone().into(),
                body.clone().into(),
                key.into(),
                now.into(),
            ],
        ),
        member.audited(env, req, "comment.create"),
        super::push::outbox::Event {
            kind: super::push::outbox::Kind::Comment,
            reference: patient,
            author: &caller.sub,
            urgent: false,
            text: &body,
            written: ("post_comments", &id),
        }
        .to_care_team(env, patient),
    ])
    .await?;
    env.defer();
    let rows = sql
        .query(
            "SELECT c.id, c.post_id, c.author_id, pr.name AS author_name, c.body, c.created_at \
             FROM post_comments c JOIN professionals pr ON pr.id = c.author_id \
             WHERE c.id = ?1 OR (c.author_id = ?2 AND c.idempotency_key = ?3)",
            &[id.clone().into(), caller.sub.clone().into(), key.into()],
        )
        .await?;
    let stored = comment_from(&rows.first().ok_or(Error::NotFound)?)?;
    if stored.post_id != post || (stored.id != id && stored.body != body) {
        return Err(Error::IdempotencyKeyReused);
    }
    let created = stored.id == id;
    Ok((stored, created))
}
