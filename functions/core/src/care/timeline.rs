//! A patient's timeline: posts (連絡 / 報告 / 相談) by the care team, newest first, with
//! read receipts and edit history. A post sent again with the same `Idempotency-Key`
//! returns the first post and writes nothing (phones retry on bad networks).

use serde::{Deserialize, Serialize};

use super::patients::Member;
use crate::audit::{self, Outcome};
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::http::Request;
use crate::ports::{Database, Row, Statement, StoreError, Value};

pub const CATEGORIES: [&str; 3] = ["contact", "report", "consultation"];
pub const MAX_PAGE: usize = 50;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPost {
    pub category: String,
    pub body: String,
    /// Files uploaded beforehand (`POST …/attachments`) that this post names.
    #[serde(default)]
    pub attachments: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostEdit {
    pub body: String,
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
    pub created_at: String,
    pub edited_at: Option<String>,
    /// How many earlier texts the edit history keeps.
    pub previous_versions: i64,
    pub read_by: Vec<Reader>,
    pub attachments: Vec<super::attachments::Attachment>,
}

#[derive(Debug, Serialize)]
pub struct TimelinePage {
    pub items: Vec<Post>,
    pub next_cursor: Option<String>,
}

const SELECT: &str = "SELECT po.rowid AS seq, po.id, po.patient_id, po.author_id, pr.name AS author_name, o.name AS author_organization, \
     po.category, po.body, po.created_at, po.edited_at, po.idempotency_key, \
     (SELECT count(*) FROM post_versions v WHERE v.post_id = po.id) AS previous_versions \
     FROM posts po JOIN professionals pr ON pr.id = po.author_id JOIN organizations o ON o.id = pr.organization_id";

fn check_body(pointer: &str, body: &str) -> Option<FieldError> {
    let n = body.trim().chars().count();
    (n == 0 || n > 10_000)
        .then(|| FieldError::new(pointer, "1 to 10,000 characters", "本文は1〜10000文字です"))
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
        created_at: row.text("created_at")?.to_owned(),
        edited_at: row.opt_text("edited_at")?.map(str::to_owned),
        previous_versions: row.int("previous_versions")?,
        read_by: Vec::new(),
        attachments: Vec::new(),
    })
}

/// Fills in who has read each post and its files, in one query each for the page.
async fn with_readers(env: &Env, mut posts: Vec<Post>) -> Result<Vec<Post>, Error> {
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

async fn load(env: &Env, id: &str) -> Result<Post, Error> {
    let sql = env.sql(Database::Care).await?;
    let rows = sql
        .query(&format!("{SELECT} WHERE po.id = ?1"), &[id.into()])
        .await?;
    let post = post_from(&rows.first().ok_or(Error::NotFound)?)?;
    Ok(with_readers(env, vec![post]).await?.remove(0))
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
    if !CATEGORIES.contains(&input.category.as_str()) {
        errors.push(FieldError::new(
            "#/category",
            "must be contact, report or consultation",
            "分類は 連絡・報告・相談 のいずれかです",
        ));
    }
    errors.extend(check_body("#/body", &input.body));
    if key
        .is_some_and(|k| k.is_empty() || k.len() > 200 || !k.bytes().all(|b| b.is_ascii_graphic()))
    {
        errors.push(FieldError::new(
            "Idempotency-Key",
            "1 to 200 visible ASCII characters",
            "再送キーは半角200文字までです",
        ));
    }
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
    let body = input.body.trim().to_owned();
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
            "INSERT INTO posts (id, patient_id, author_id, category, body, idempotency_key, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (author_id, idempotency_key) DO NOTHING",
            vec![
                id.clone().into(),
                patient.into(),
                caller.sub.clone().into(),
                input.category.clone().into(),
                body.clone().into(),
                key.into(),
                now.into(),
            ],
        ),
        audit::statement(
            env,
            req,
            Some(&caller.sub),
            "post.create",
            Some(patient),
            Outcome::Allowed,
        ),
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
        || post.category != input.category
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
    let (caller, patient) = (&member.caller, member.patient.as_str());
    let limit = limit.clamp(1, MAX_PAGE);
    let sql = env.sql(Database::Care).await?;
    // Insertion order (rowid), not the id: ids made in the same millisecond do not sort
    // by time.
    let mut params: Vec<Value> = vec![patient.into()];
    let mut query = format!("{SELECT} WHERE po.patient_id = ?1");
    if let Some(c) = cursor {
        let seq: i64 = c.parse().map_err(|_| {
            Error::Validation(vec![FieldError::new(
                "?cursor",
                "is not a cursor this API gave",
                "ページ位置が正しくありません",
            )])
        })?;
        params.push(seq.into());
        query.push_str(" AND po.rowid < ?2");
    }
    params.push(i64::try_from(limit + 1).unwrap_or(51).into());
    query.push_str(&format!(" ORDER BY po.rowid DESC LIMIT ?{}", params.len()));
    let rows = sql.query(&query, &params).await?;
    let seqs: Vec<i64> = rows
        .iter()
        .map(|r| r.int("seq"))
        .collect::<Result<_, _>>()?;
    let mut posts: Vec<Post> = rows
        .iter()
        .map(|r| post_from(&r))
        .collect::<Result<_, _>>()?;
    let next_cursor = (posts.len() > limit).then(|| seqs[limit - 1].to_string());
    posts.truncate(limit);
    audit::record(
        env,
        req,
        Some(&caller.sub),
        "timeline.read",
        Some(patient),
        Outcome::Allowed,
    )
    .await?;
    Ok(TimelinePage {
        items: with_readers(env, posts).await?,
        next_cursor,
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
    in_timeline(&load(env, post).await?, patient)?;
    let now = crate::time::iso8601(env.clock.now_millis());
    let sql = env.sql(Database::Care).await?;
    sql.batch(&[
        Statement::new(
            "INSERT INTO post_reads (post_id, professional_id, read_at) VALUES (?1, ?2, ?3) \
             ON CONFLICT (post_id, professional_id) DO NOTHING",
            vec![post.into(), caller.sub.clone().into(), now.into()],
        ),
        audit::statement(
            env,
            req,
            Some(&caller.sub),
            "post.read",
            Some(patient),
            Outcome::Allowed,
        ),
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
    let current = load(env, post).await?;
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
    if let Some(e) = check_body("#/body", &input.body) {
        return Err(Error::Validation(vec![e]));
    }
    let now = crate::time::iso8601(env.clock.now_millis());
    let sql = env.sql(Database::Care).await?;
    sql.batch(&[
        Statement::new(
            "INSERT INTO post_versions (post_id, version, body, replaced_at) \
             VALUES (?1, (SELECT count(*) + 1 FROM post_versions WHERE post_id = ?1), ?2, ?3)",
            vec![post.into(), current.body.clone().into(), now.clone().into()],
        ),
        Statement::new(
            "UPDATE posts SET body = ?2, edited_at = ?3 WHERE id = ?1",
            vec![post.into(), input.body.trim().into(), now.into()],
        ),
        audit::statement(
            env,
            req,
            Some(&caller.sub),
            "post.edit",
            Some(patient),
            Outcome::Allowed,
        ),
    ])
    .await?;
    load(env, post).await
}
