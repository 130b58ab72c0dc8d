//! "Anything new?": what a professional's open page polls. One small answer per person —
//! for each of their patients how many posts and comments there are and how many are
//! unread, and their unread projects and messages — with an ETag, so that a poll that finds
//! nothing new is a 304 without a body. It carries no text of any post: the page fetches
//! (and the audit log records) the timeline itself only when the person asks for it.

use serde::Serialize;

use crate::auth::token::Subject;
use crate::env::Env;
use crate::error::Error;
use crate::http::{Request, Response};
use crate::ports::Database;

#[derive(Debug, Serialize)]
pub struct PatientActivity {
    pub id: String,
    /// Posts on the timeline, and comments on them: a page that showed fewer has news.
    pub posts: i64,
    pub comments: i64,
    /// Posts the caller has not read.
    pub unread: i64,
}

#[derive(Debug, Serialize)]
pub struct Updates {
    pub patients: Vec<PatientActivity>,
    /// Project posts newer than what the caller has seen, over all their projects.
    pub unread_project_posts: i64,
    pub unread_messages: i64,
}

pub async fn get(env: &Env, caller: &Subject) -> Result<Updates, Error> {
    let sql = env.sql(Database::Care).await?;
    let me = || caller.sub.clone().into();
    let rows = sql
        .query(
            "SELECT m.patient_id AS id, \
             (SELECT count(*) FROM posts po WHERE po.patient_id = m.patient_id) AS posts, \
             (SELECT count(*) FROM post_comments c JOIN posts po ON po.id = c.post_id WHERE po.patient_id = m.patient_id) AS comments, \
             (SELECT count(*) FROM posts po WHERE po.patient_id = m.patient_id AND po.author_id <> ?1 \
               AND NOT EXISTS (SELECT 1 FROM post_reads r WHERE r.post_id = po.id AND r.professional_id = ?1)) AS unread \
             FROM care_team_members m JOIN patients p ON p.id = m.patient_id \
             WHERE m.professional_id = ?1 AND m.removed_at IS NULL AND p.status = 'active' ORDER BY m.patient_id",
            &[me()],
        )
        .await?;
    let patients = rows
        .iter()
        .map(|r| {
            Ok(PatientActivity {
                id: r.text("id")?.to_owned(),
                posts: r.int("posts")?,
                comments: r.int("comments")?,
                unread: r.int("unread")?,
            })
        })
        .collect::<Result<Vec<_>, crate::ports::StoreError>>()?;
    let totals = sql
        .query(
            "SELECT \
             (SELECT count(*) FROM project_members pm JOIN project_posts pp ON pp.project_id = pm.project_id \
               WHERE pm.professional_id = ?1 AND pm.removed_at IS NULL AND pp.rowid > pm.last_read_seq) AS projects, \
             (SELECT count(*) FROM messages WHERE recipient_id = ?1 AND read_at IS NULL) AS messages",
            &[me()],
        )
        .await?;
    let totals = totals.first().ok_or(Error::NotFound)?;
    Ok(Updates {
        patients,
        unread_project_posts: totals.int("projects")?,
        unread_messages: totals.int("messages")?,
    })
}

/// The answer with a strong ETag over its bytes; 304 when the page has it already. Private:
/// no shared cache may keep one person's answer.
pub fn respond(req: &Request, updates: &Updates) -> Result<Response, Error> {
    let body = serde_json::to_vec(updates).map_err(|e| Error::Internal(e.to_string()))?;
    let mut response = crate::web::cacheable(req, "application/json", body);
    response.headers_mut().insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("private, no-cache"),
    );
    Ok(response)
}
