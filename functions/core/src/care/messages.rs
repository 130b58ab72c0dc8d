//! Direct messages between two professionals: one thread per pair, newest first, with
//! unread counts and read times. Only the two of them can read a thread, by construction:
//! the caller is always one end of the thread they ask for.

use serde::{Deserialize, Serialize};

use crate::audit::{self, Outcome};
use crate::auth::token::Subject;
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::http::Request;
use crate::ports::{Database, Row, Statement, StoreError, Value};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMessage {
    pub body: String,
}

#[derive(Debug, Serialize)]
pub struct Message {
    pub id: String,
    pub sender_id: String,
    pub recipient_id: String,
    pub body: String,
    pub created_at: String,
    pub read_at: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Counterpart {
    pub id: String,
    pub name: String,
    pub profession: String,
    pub organization: String,
}

#[derive(Debug, Serialize)]
pub struct Conversation {
    pub with: Counterpart,
    pub last_message: Message,
    pub unread: i64,
}

#[derive(Debug, Serialize)]
pub struct Thread {
    pub with: Counterpart,
    pub items: Vec<Message>,
    pub next_cursor: Option<String>,
}

/// The thread of two professionals, the same whoever asks.
fn conversation(a: &str, b: &str) -> String {
    if a < b {
        format!("{a}:{b}")
    } else {
        format!("{b}:{a}")
    }
}

const COLUMNS: &str =
    "m.rowid AS seq, m.id, m.sender_id, m.recipient_id, m.body, m.created_at, m.read_at";

fn message_from(row: &Row<'_>) -> Result<Message, StoreError> {
    Ok(Message {
        id: row.text("id")?.to_owned(),
        sender_id: row.text("sender_id")?.to_owned(),
        recipient_id: row.text("recipient_id")?.to_owned(),
        body: row.text("body")?.to_owned(),
        created_at: row.text("created_at")?.to_owned(),
        read_at: row.opt_text("read_at")?.map(str::to_owned),
    })
}

/// The other professional, if active (a thread with an unknown id is "not found").
async fn counterpart(env: &Env, caller: &Subject, id: &str) -> Result<Counterpart, Error> {
    if id == caller.sub {
        return Err(Error::Validation(vec![FieldError::new(
            "professional",
            "a message goes to someone else",
            "自分宛てには送れません",
        )]));
    }
    let rows = env
        .sql(Database::Care)
        .await?
        .query(
            "SELECT id, name, profession, organization FROM colleagues WHERE id = ?1 AND status = 'active'",
            &[id.into()],
        )
        .await?;
    let row = rows.first().ok_or(Error::NotFound)?;
    Ok(Counterpart {
        id: row.text("id")?.to_owned(),
        name: row.text("name")?.to_owned(),
        profession: row.text("profession")?.to_owned(),
        organization: row.text("organization")?.to_owned(),
    })
}

pub async fn send(
    env: &Env,
    req: &Request,
    caller: &Subject,
    to: &str,
    input: NewMessage,
    key: Option<&str>,
) -> Result<Message, Error> {
    let body = input.body.trim().to_owned();
    let mut errors: Vec<FieldError> = FieldError::length("#/body", &body, 4_000, "メッセージ")
        .into_iter()
        .collect();
    errors.extend(super::check_key(key));
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    counterpart(env, caller, to).await?;
    let id = env.new_id();
    let sql = env.sql(Database::Care).await?;
    sql.batch(&[
        Statement::new(
            "INSERT INTO messages (id, conversation, sender_id, recipient_id, body, idempotency_key, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (sender_id, idempotency_key) DO NOTHING",
            vec![
                id.clone().into(),
                conversation(&caller.sub, to).into(),
                caller.sub.clone().into(),
                to.into(),
                body.clone().into(),
                key.into(),
                crate::time::iso8601(env.clock.now_millis()).into(),
            ],
        ),
        audit::statement(
            env,
            req,
            Some(&caller.sub),
            "message.send",
            Some(to),
            Outcome::Allowed,
        ),
        super::push::outbox::Event {
            kind: super::push::outbox::Kind::Message,
            reference: &caller.sub,
            author: &caller.sub,
            urgent: true,
            text: "",
            written: ("messages", &id),
        }
        .to_person(env, to),
    ])
    .await?;
    env.defer();
    let rows = sql
        .query(
            &format!(
                "SELECT {COLUMNS} FROM messages m WHERE m.id = ?1 OR (m.sender_id = ?2 AND m.idempotency_key = ?3)"
            ),
            &[id.clone().into(), caller.sub.clone().into(), key.into()],
        )
        .await?;
    let stored = message_from(&rows.first().ok_or(Error::NotFound)?)?;
    if stored.recipient_id != to || (stored.id != id && stored.body != body) {
        return Err(Error::IdempotencyKeyReused);
    }
    Ok(stored)
}

/// The caller's threads, the most recent first, each with its last message and how many
/// of its messages to the caller are unread.
pub async fn conversations(env: &Env, caller: &Subject) -> Result<Vec<Conversation>, Error> {
    let rows = env
        .sql(Database::Care)
        .await?
        .query(
            &format!(
                "WITH mine AS (SELECT conversation, max(rowid) AS last_seq, \
                 sum(recipient_id = ?1 AND read_at IS NULL) AS unread FROM messages \
                 WHERE sender_id = ?1 OR recipient_id = ?1 GROUP BY conversation) \
                 SELECT {COLUMNS}, mine.unread, c.id AS other_id, c.name AS other_name, \
                 c.profession AS other_profession, c.organization AS other_organization \
                 FROM mine JOIN messages m ON m.rowid = mine.last_seq \
                 JOIN colleagues c ON c.id = CASE WHEN m.sender_id = ?1 THEN m.recipient_id ELSE m.sender_id END \
                 ORDER BY mine.last_seq DESC LIMIT 200"
            ),
            &[caller.sub.clone().into()],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Conversation {
                with: Counterpart {
                    id: r.text("other_id")?.to_owned(),
                    name: r.text("other_name")?.to_owned(),
                    profession: r.text("other_profession")?.to_owned(),
                    organization: r.text("other_organization")?.to_owned(),
                },
                last_message: message_from(&r)?,
                unread: r.int("unread")?,
            })
        })
        .collect()
}

/// A page of the thread with `other`, newest first. Opening it marks the messages to the
/// caller read.
pub async fn thread(
    env: &Env,
    req: &Request,
    caller: &Subject,
    other: &str,
    cursor: Option<&str>,
    limit: usize,
) -> Result<Thread, Error> {
    let with = counterpart(env, caller, other).await?;
    let limit = limit.clamp(1, crate::care::paging::MAX_PAGE);
    let thread = conversation(&caller.sub, other);
    let sql = env.sql(Database::Care).await?;
    let now = crate::time::iso8601(env.clock.now_millis());
    sql.batch(&[
        Statement::new(
            "UPDATE messages SET read_at = ?3 WHERE conversation = ?1 AND recipient_id = ?2 AND read_at IS NULL",
            vec![thread.clone().into(), caller.sub.clone().into(), now.into()],
        ),
        audit::statement(
            env,
            req,
            Some(&caller.sub),
            "message.read",
            Some(other),
            Outcome::Allowed,
        ),
    ])
    .await?;
    let mut params: Vec<Value> = vec![thread.into()];
    let mut query = format!("SELECT {COLUMNS} FROM messages m WHERE m.conversation = ?1");
    super::paging::keyset(&mut query, &mut params, "m", cursor, limit)?;
    let rows = sql.query(&query, &params).await?;
    let page = super::paging::page(&rows, limit, message_from)?;
    Ok(Thread {
        with,
        items: page.items,
        next_cursor: page.next_cursor,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_pair_has_one_thread_whoever_writes() {
        assert_eq!(super::conversation("01B", "01A"), "01A:01B");
        assert_eq!(super::conversation("01A", "01B"), "01A:01B");
    }
}
