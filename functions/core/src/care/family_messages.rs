//! Messages from the family to the care team (連絡, issue #34): written by a linked family
//! member, read by the whole team and by the patient's family, each team member told by push
//! (no patient data in the message). A phone's retry with the same `Idempotency-Key` gets the
//! first message and writes nothing.

use serde::{Deserialize, Serialize};

use super::family_caller::{Linked, Reader};
use super::push::outbox::{Event, Kind};
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::http::Request;
use crate::ports::{Database, Row, Statement, StoreError, Value};
use crate::vocabulary::{Relation, Word};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    pub body: String,
}

#[derive(Debug, Serialize)]
pub struct FamilyMessage {
    pub id: String,
    pub body: String,
    pub created_at: String,
    pub author_id: String,
    pub author_name: String,
    pub relation: Relation,
}

#[derive(Debug, Serialize)]
pub struct MessagePage {
    pub items: Vec<FamilyMessage>,
    pub next_cursor: Option<String>,
}

const SELECT: &str = "SELECT f.rowid AS seq, f.id, f.body, f.created_at, f.member_id, m.name, m.relation \
     FROM family_messages f JOIN family_members m ON m.id = f.member_id";

fn from_row(row: &Row<'_>) -> Result<FamilyMessage, StoreError> {
    Ok(FamilyMessage {
        id: row.text("id")?.to_owned(),
        body: row.text("body")?.to_owned(),
        created_at: row.text("created_at")?.to_owned(),
        author_id: row.text("member_id")?.to_owned(),
        author_name: row.text("name")?.to_owned(),
        relation: Relation::parse(row.text("relation")?).unwrap_or(Relation::Other),
    })
}

/// `POST /api/v1/patients/{id}/family-messages {body}`: by a linked family member.
pub async fn send(
    env: &Env,
    req: &Request,
    linked: &Linked,
    input: NewMessage,
    key: Option<&str>,
) -> Result<FamilyMessage, Error> {
    let body = input.body.trim().to_owned();
    let mut errors: Vec<FieldError> = FieldError::length("#/body", &body, 2000, "連絡")
        .into_iter()
        .collect();
    errors.extend(super::check_key(key));
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let id = env.new_id();
    let patient = linked.patient.as_str();
    let author = linked.caller.sub.as_str();
    let sql = env.sql(Database::Care).await?;
    sql.batch(&[
        Statement::new(
            "INSERT INTO family_messages (id, patient_id, member_id, body, idempotency_key, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (member_id, idempotency_key) DO NOTHING",
            vec![
                id.clone().into(),
                patient.into(),
                author.into(),
                body.clone().into(),
                key.into(),
                crate::time::iso8601(env.clock.now_millis()).into(),
            ],
        ),
        linked.audited(env, req, "family.message"),
        Event {
            kind: Kind::FamilyMessage,
            reference: patient,
            author,
            urgent: true,
            text: &body,
            written: ("family_messages", &id),
        }
        .to_care_team(env, patient),
    ])
    .await?;
    let (query, params): (String, Vec<Value>) = match key {
        Some(k) => (
            format!("{SELECT} WHERE f.member_id = ?1 AND f.idempotency_key = ?2"),
            vec![author.into(), k.into()],
        ),
        None => (format!("{SELECT} WHERE f.id = ?1"), vec![id.into()]),
    };
    let rows = sql.query(&query, &params).await?;
    let message = from_row(&rows.first().ok_or(Error::NotFound)?)?;
    // A key names one message: the same key with another text is not a retry of it.
    if key.is_some() && message.body != body {
        return Err(Error::IdempotencyKeyReused);
    }
    env.defer();
    Ok(message)
}

/// `GET /api/v1/patients/{id}/family-messages`: newest first, for the team and the family.
pub async fn list(
    env: &Env,
    req: &Request,
    by: &Reader,
    cursor: Option<&str>,
    limit: usize,
) -> Result<MessagePage, Error> {
    let limit = limit.clamp(1, super::paging::MAX_PAGE);
    let mut params: Vec<Value> = vec![by.patient().into()];
    let mut query = format!("{SELECT} WHERE f.patient_id = ?1");
    super::paging::keyset(&mut query, &mut params, "f", cursor, limit)?;
    let rows = env
        .sql(Database::Care)
        .await?
        .query(&query, &params)
        .await?;
    let page = super::paging::page(&rows, limit, from_row)?;
    by.record(env, req, "family.messages").await?;
    Ok(MessagePage {
        items: page.items,
        next_cursor: page.next_cursor,
    })
}
