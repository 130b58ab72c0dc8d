//! Changing the timeline after a post: the author's edits (the earlier text kept in the
//! post's history) and the team's comments.

use super::create::document;
use super::{
    Comment, NewComment, Post, PostEdit, check_body, comment_from, in_timeline, load, load_row,
};
use crate::audit::{self, Outcome};
use crate::care::patients::Member;
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::http::Request;
use crate::ports::{Database, Statement};

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
    let share = input.share_with_family.map(i64::from);
    if let PostEdit {
        body: None,
        fields: None,
        share_with_family: Some(_),
    } = input
    {
        // Sharing changes nothing in the text: no new version, no edit mark.
        env.sql(Database::Care)
            .await?
            .batch(&[
                Statement::new(
                    "UPDATE posts SET share_with_family = ?2 WHERE id = ?1",
                    vec![post.into(), share.into()],
                ),
                member.audited(env, req, "post.share"),
            ])
            .await?;
        return load(env, post).await;
    }
    let (body, fields) = match (
        current
            .template
            .as_deref()
            .and_then(crate::care::templates::find),
        input,
    ) {
        (
            Some(t),
            PostEdit {
                body: None,
                fields: Some(given),
                ..
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
                ..
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
            "UPDATE posts SET body = ?2, edited_at = ?3, fields = coalesce(?4, fields), \
             share_with_family = coalesce(?5, share_with_family) WHERE id = ?1",
            vec![
                post.into(),
                body.into(),
                now.into(),
                fields.into(),
                share.into(),
            ],
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
    errors.extend(crate::care::check_key(key));
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
        crate::care::push::outbox::Event {
            kind: crate::care::push::outbox::Kind::Comment,
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
