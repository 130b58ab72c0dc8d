//! Disaster events: declared and closed by municipal staff or the HQ of every town they
//! cover. Declaring one opens the register of those towns to their supporters.

use crate::auth::role::Role;
use serde::{Deserialize, Serialize};

use crate::audit::Outcome;
use crate::auth::token::Subject;
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::http::Request;
use crate::ports::{Database, Row, Statement};
use crate::vocabulary::{EventKind, Word};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    pub name: String,
    pub kind: String,
    pub municipalities: Vec<String>,
    #[serde(default)]
    pub started_at: Option<String>,
}

#[derive(Debug, Serialize, Clone)]
pub struct Event {
    pub id: String,
    pub name: String,
    pub kind: EventKind,
    pub municipalities: Vec<String>,
    pub started_at: String,
    pub declared_by: String,
    pub closed_at: Option<String>,
    pub closed_by: Option<String>,
    pub status: &'static str,
}

impl Event {
    pub fn is_open(&self) -> bool {
        self.closed_at.is_none()
    }

    fn from_row(row: &Row<'_>) -> Result<Event, crate::ports::StoreError> {
        let closed_at = row.opt_text("closed_at")?.map(str::to_owned);
        Ok(Event {
            id: row.text("id")?.to_owned(),
            name: row.text("name")?.to_owned(),
            kind: EventKind::stored(row.text("kind")?)?,
            municipalities: row
                .text("municipalities")?
                .split(',')
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect(),
            started_at: row.text("started_at")?.to_owned(),
            declared_by: row.text("declared_by")?.to_owned(),
            status: if closed_at.is_some() {
                "closed"
            } else {
                "open"
            },
            closed_at,
            closed_by: row.opt_text("closed_by")?.map(str::to_owned),
        })
    }
}

const SELECT: &str = "SELECT e.id, e.name, e.kind, e.started_at, e.declared_by, e.closed_at, e.closed_by, \
     (SELECT group_concat(municipality_code, ',') FROM (SELECT municipality_code FROM event_municipalities \
      WHERE event_id = e.id ORDER BY municipality_code)) AS municipalities FROM events e";

/// Declares an event. The caller must be staff of every town it covers.
pub async fn declare(
    env: &Env,
    req: &Request,
    caller: &Subject,
    input: EventInput,
) -> Result<Event, Error> {
    let mut errors = Vec::new();
    let name = input.name.trim().to_owned();
    errors.extend(FieldError::length("#/name", &name, 100, "名称"));
    let kind = EventKind::check("#/kind", &input.kind, &mut errors);
    let mut towns = input.municipalities.clone();
    towns.sort();
    towns.dedup();
    if towns.is_empty()
        || towns.len() > 50
        || !towns
            .iter()
            .all(|c| crate::public::municipalities::is_code(c))
    {
        errors.push(FieldError::new(
            "#/municipalities",
            "1 to 50 five-digit municipality codes",
            "市区町村コード（5桁）を1〜50件指定してください",
        ));
    }
    let now = env.clock.now_millis();
    let started_at = match input.started_at.as_deref() {
        None => crate::time::iso8601(now),
        Some(text) => match crate::time::parse_rfc3339(text) {
            Some(at) if at <= now + 60_000 => crate::time::iso8601(at),
            _ => {
                errors.push(FieldError::new(
                    "#/started_at",
                    "an RFC 3339 time, not in the future",
                    "発生日時は RFC 3339 形式の過去の日時です",
                ));
                String::new()
            }
        },
    };
    let Some(kind) = kind.filter(|_| errors.is_empty()) else {
        return Err(Error::Validation(errors));
    };
    for town in &towns {
        super::require_staff(env, req, caller, town, "event.declare").await?;
    }
    let id = env.new_id();
    let mut statements = vec![Statement::new(
        "INSERT INTO events (id, name, kind, started_at, declared_by) VALUES (?1, ?2, ?3, ?4, ?5)",
        vec![
            id.clone().into(),
            name.into(),
            kind.code().into(),
            started_at.into(),
            caller.sub.clone().into(),
        ],
    )];
    for town in &towns {
        statements.push(Statement::new(
            "INSERT INTO event_municipalities (event_id, municipality_code) VALUES (?1, ?2)",
            vec![id.clone().into(), town.clone().into()],
        ));
    }
    statements.push(crate::audit::statement(
        env,
        req,
        Some(&caller.sub),
        "event.declare",
        Some(&id),
        Outcome::Allowed,
    ));
    env.sql(Database::Disaster)
        .await?
        .batch(&statements)
        .await?;
    load(env, &id).await
}

/// The event, or `NotFound`.
pub async fn load(env: &Env, id: &str) -> Result<Event, Error> {
    let sql = env.sql(Database::Disaster).await?;
    let rows = sql
        .query(&format!("{SELECT} WHERE e.id = ?1"), &[id.into()])
        .await?;
    let row = rows.first().ok_or(Error::NotFound)?;
    Ok(Event::from_row(&row)?)
}

/// The event, when the caller's town is among its towns (any event for a sysadmin). Anyone
/// else learns nothing (404), and the attempt is recorded as refused under `action`: the
/// route's guard let them through (their role fits), so it is this check that refuses.
pub async fn visible(
    env: &Env,
    req: &Request,
    caller: &Subject,
    id: &str,
    action: &str,
) -> Result<Event, Error> {
    let event = load(env, id).await?;
    if caller.has(Role::Sysadmin)
        || caller
            .municipality
            .as_deref()
            .is_some_and(|m| event.municipalities.iter().any(|e| e == m))
    {
        return Ok(event);
    }
    super::audit(env, req, caller, action, Some(id), Outcome::Denied).await?;
    Err(Error::NotFound)
}

/// Events covering the caller's town (every event for a sysadmin), newest first.
pub async fn list(env: &Env, caller: &Subject) -> Result<Vec<Event>, Error> {
    let sql = env.sql(Database::Disaster).await?;
    let rows = if caller.has(Role::Sysadmin) {
        sql.query(
            &format!("{SELECT} ORDER BY e.started_at DESC, e.id DESC LIMIT 200"),
            &[],
        )
        .await?
    } else {
        sql.query(
            &format!(
                "{SELECT} WHERE e.id IN (SELECT event_id FROM event_municipalities WHERE municipality_code = ?1) \
                 ORDER BY e.started_at DESC, e.id DESC LIMIT 200"
            ),
            &[caller.municipality.clone().into()],
        )
        .await?
    };
    Ok(rows
        .iter()
        .map(|r| Event::from_row(&r))
        .collect::<Result<_, _>>()?)
}

/// Closes an open event. People still flagged 要確認 stay on its follow-up list.
pub async fn close(env: &Env, req: &Request, caller: &Subject, id: &str) -> Result<Event, Error> {
    let event = visible(env, req, caller, id, "event.close").await?;
    for town in &event.municipalities {
        super::require_staff(env, req, caller, town, "event.close").await?;
    }
    if !event.is_open() {
        return Ok(event);
    }
    let now = crate::time::iso8601(env.clock.now_millis());
    env.sql(Database::Disaster)
        .await?
        .batch(&[
            Statement::new(
                "UPDATE events SET closed_at = ?2, closed_by = ?3 WHERE id = ?1 AND closed_at IS NULL",
                vec![id.into(), now.into(), caller.sub.clone().into()],
            ),
            crate::audit::statement(
                env,
                req,
                Some(&caller.sub),
                "event.close",
                Some(id),
                Outcome::Allowed,
            ),
        ])
        .await?;
    load(env, id).await
}
