//! Writing a post or a templated document to a patient's timeline, with its files, the
//! audit row and the care team's notification in one batch.

use super::{NewPost, Post, check_body, load};
use crate::care::patients::Member;
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::http::Request;
use crate::ports::{Database, Statement, Value};
use crate::vocabulary::{PostCategory, Word};

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
            let found = crate::care::templates::find(t);
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
    PostCategory::check("#/category", &category, &mut errors);
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
    errors.extend(crate::care::check_key(key));
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
            "INSERT INTO posts (id, patient_id, author_id, category, body, template, fields, idempotency_key, created_at, share_with_family) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT (author_id, idempotency_key) DO NOTHING",
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
                i64::from(input.share_with_family).into(),
            ],
        ),
        member.audited(env, req, "post.create"),
        crate::care::push::outbox::Event {
            kind: crate::care::push::outbox::Kind::Post,
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

/// A document's fields checked against its template, and rendered as the post's body.
pub(super) fn document(
    template: &crate::care::templates::Template,
    fields: &serde_json::Value,
) -> Result<(String, String), Vec<FieldError>> {
    let fields = crate::care::templates::validate(template, fields)?;
    let body = crate::care::templates::render(template, &fields);
    if body.chars().count() > 10_000 {
        return Err(vec![FieldError::new(
            "#/fields",
            "the document is longer than 10,000 characters",
            "文書全体で10000文字以内にしてください",
        )]);
    }
    Ok((body, serde_json::Value::Object(fields).to_string()))
}
