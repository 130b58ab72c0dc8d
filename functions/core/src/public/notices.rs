//! Portal notices and events (お知らせ / イベント) per municipality, shown from their
//! publish date until their end date.

use serde::{Deserialize, Serialize};

use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::ports::{Database, Statement, StoreError};

#[derive(Debug, Serialize, PartialEq)]
pub struct Notice {
    pub id: String,
    pub municipality_code: String,
    pub municipality_name: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub event_date: Option<String>,
    pub publish_from: String,
    pub publish_until: Option<String>,
}

/// A notice as its town's staff see it in the admin page: with whether residents see it.
#[derive(Debug, Serialize, PartialEq)]
pub struct ManagedNotice {
    #[serde(flatten)]
    pub notice: Notice,
    /// `scheduled` (not yet shown), `published`, or `ended` (past its end date).
    pub state: String,
}

const COLUMNS: &str = "n.id, n.municipality_code, m.name AS municipality_name, n.kind, n.title, n.body, \
     n.event_date, n.publish_from, n.publish_until";

fn notice(r: crate::ports::Row) -> Result<Notice, StoreError> {
    Ok(Notice {
        id: r.text("id")?.to_owned(),
        municipality_code: r.text("municipality_code")?.to_owned(),
        municipality_name: r.text("municipality_name")?.to_owned(),
        kind: r.text("kind")?.to_owned(),
        title: r.text("title")?.to_owned(),
        body: r.text("body")?.to_owned(),
        event_date: r.opt_text("event_date")?.map(str::to_owned),
        publish_from: r.text("publish_from")?.to_owned(),
        publish_until: r.opt_text("publish_until")?.map(str::to_owned),
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeInput {
    pub municipality_code: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    #[serde(default)]
    pub event_date: Option<String>,
    /// ISO 8601; now when absent.
    #[serde(default)]
    pub publish_from: Option<String>,
    #[serde(default)]
    pub publish_until: Option<String>,
}

/// Published notices, newest first, optionally of one municipality.
pub async fn published(
    env: &Env,
    municipality: Option<&str>,
    limit: u32,
) -> Result<Vec<Notice>, Error> {
    let now = crate::time::iso8601(env.clock.now_millis());
    let sql = env.sql(Database::Public).await?;
    let rows = sql
        .query(
            &format!(
                "SELECT {COLUMNS} FROM notices n JOIN municipalities m ON m.code = n.municipality_code \
                 WHERE n.publish_from <= ?1 AND (n.publish_until IS NULL OR n.publish_until > ?1) \
                 AND (?2 IS NULL OR n.municipality_code = ?2) ORDER BY n.publish_from DESC, n.id DESC LIMIT ?3"
            ),
            &[now.into(), municipality.into(), limit.into()],
        )
        .await?;
    rows.iter()
        .map(notice)
        .collect::<Result<_, StoreError>>()
        .map_err(Error::from)
}

/// Every notice of the towns given (`None`: all towns), scheduled and ended ones too, newest
/// first: what staff edit or withdraw.
pub async fn managed(
    env: &Env,
    municipality: Option<&str>,
    limit: u32,
) -> Result<Vec<ManagedNotice>, Error> {
    let now = crate::time::iso8601(env.clock.now_millis());
    let sql = env.sql(Database::Public).await?;
    let rows = sql
        .query(
            &format!(
                "SELECT {COLUMNS}, CASE WHEN n.publish_from > ?1 THEN 'scheduled' \
                 WHEN n.publish_until IS NOT NULL AND n.publish_until <= ?1 THEN 'ended' \
                 ELSE 'published' END AS state \
                 FROM notices n JOIN municipalities m ON m.code = n.municipality_code \
                 WHERE (?2 IS NULL OR n.municipality_code = ?2) \
                 ORDER BY n.publish_from DESC, n.id DESC LIMIT ?3"
            ),
            &[now.into(), municipality.into(), limit.into()],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(ManagedNotice {
                notice: notice(r)?,
                state: r.text("state")?.to_owned(),
            })
        })
        .collect::<Result<_, StoreError>>()
        .map_err(Error::from)
}

/// A notice's form, checked, with its dates in their stored form.
struct Checked {
    kind: String,
    title: String,
    body: String,
    event_date: Option<String>,
    publish_from: Option<String>,
    publish_until: Option<String>,
}

fn check(input: NoticeInput) -> Result<Checked, Error> {
    let mut errors = Vec::new();
    if !matches!(input.kind.as_str(), "notice" | "event") {
        errors.push(FieldError::new(
            "#/kind",
            "must be notice or event",
            "種類は notice か event です",
        ));
    }
    errors.extend(FieldError::length("#/title", &input.title, 200, "題名"));
    if input.body.chars().count() > 10_000 {
        errors.push(FieldError::new(
            "#/body",
            "at most 10,000 characters",
            "本文は10000文字までです",
        ));
    }
    // Dates are data: an event date as people write it (2026-12-05, 令和8年12月5日), and the
    // publishing window as times, both stored in one form, because the portal compares them.
    let event_date = match input.event_date.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => {
            let date = crate::wareki::parse_date(text);
            if date.is_none() {
                errors.push(FieldError::new(
                    "#/event_date",
                    "must be a date (2026-12-05 or 令和8年12月5日)",
                    "開催日は日付で入力してください（例: 2026-12-05、令和8年12月5日）",
                ));
            }
            date
        }
    };
    let mut time = |pointer: &str, text: Option<&str>| match text.map(str::trim) {
        None | Some("") => None,
        Some(text) => {
            let at = crate::time::parse_rfc3339(text)
                .or_else(|| crate::time::parse_local_jst(text))
                .or_else(|| {
                    crate::wareki::parse_date(text)
                        .and_then(|d| crate::time::parse_local_jst(&format!("{d}T00:00")))
                });
            if at.is_none() {
                errors.push(FieldError::new(
                    pointer,
                    "must be a time (2026-12-01T09:00, Japan time, or RFC 3339) or a date",
                    "日時は 2026-12-01T09:00 の形式か日付で入力してください",
                ));
            }
            at
        }
    };
    let publish_from = time("#/publish_from", input.publish_from.as_deref());
    let publish_until = time("#/publish_until", input.publish_until.as_deref());
    if let (Some(from), Some(until)) = (publish_from, publish_until)
        && until <= from
    {
        errors.push(FieldError::new(
            "#/publish_until",
            "must be after publish_from",
            "掲載終了は掲載開始より後にしてください",
        ));
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    Ok(Checked {
        kind: input.kind,
        title: input.title.trim().to_owned(),
        body: input.body,
        event_date,
        publish_from: publish_from.map(crate::time::iso8601),
        publish_until: publish_until.map(crate::time::iso8601),
    })
}

pub async fn create(env: &Env, input: NoticeInput) -> Result<String, Error> {
    let municipality = input.municipality_code.trim().to_owned();
    let checked = check(input)?;
    let id = env.new_id();
    let now = crate::time::iso8601(env.clock.now_millis());
    let sql = env.sql(Database::Public).await?;
    sql.batch(&[Statement::new(
        "INSERT INTO notices (id, municipality_code, kind, title, body, event_date, publish_from, publish_until, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        vec![
            id.clone().into(),
            municipality.into(),
            checked.kind.into(),
            checked.title.into(),
            checked.body.into(),
            checked.event_date.into(),
            checked.publish_from.unwrap_or_else(|| now.clone()).into(),
            checked.publish_until.into(),
            now.into(),
        ],
    )])
    .await
    .map_err(|e| match e {
        StoreError::Constraint(_) => Error::Validation(vec![FieldError::new(
            "#/municipality_code",
            "unknown municipality",
            "市区町村が登録されていません",
        )]),
        other => Error::Store(other),
    })?;
    Ok(id)
}

/// The town a notice belongs to, to decide who may withdraw it; `None` for no such notice.
pub async fn municipality_of(env: &Env, id: &str) -> Result<Option<String>, Error> {
    let sql = env.sql(Database::Public).await?;
    let rows = sql
        .query(
            "SELECT municipality_code FROM notices WHERE id = ?1",
            &[id.into()],
        )
        .await?;
    Ok(match rows.first() {
        Some(row) => Some(row.text("municipality_code")?.to_owned()),
        None => None,
    })
}

/// Corrects a notice of `municipality` (the town the caller was allowed for) in place, with
/// the same checks as a new one; an absent `publish_from` keeps the notice's. `None` when
/// there was no such notice.
pub async fn update(
    env: &Env,
    id: &str,
    municipality: &str,
    input: NoticeInput,
) -> Result<Option<Notice>, Error> {
    // Moving a notice to another town would need the other town's permission too: withdraw
    // it and publish it there.
    let moved = input.municipality_code.trim() != municipality;
    let checked = match check(input) {
        Ok(checked) if !moved => checked,
        outcome => {
            let mut errors = match outcome {
                Err(Error::Validation(errors)) => errors,
                Err(other) => return Err(other),
                Ok(_) => Vec::new(),
            };
            if moved {
                errors.push(FieldError::new(
                    "#/municipality_code",
                    "a notice stays in its town; withdraw it and publish it in the other",
                    "お知らせの市区町村は変更できません（掲載をやめて、改めて掲載してください）",
                ));
            }
            return Err(Error::Validation(errors));
        }
    };
    let sql = env.sql(Database::Public).await?;
    let results = sql
        .batch(&[Statement::new(
            "UPDATE notices SET kind = ?3, title = ?4, body = ?5, event_date = ?6, \
             publish_from = COALESCE(?7, publish_from), publish_until = ?8 \
             WHERE id = ?1 AND municipality_code = ?2 RETURNING id",
            vec![
                id.into(),
                municipality.into(),
                checked.kind.into(),
                checked.title.into(),
                checked.body.into(),
                checked.event_date.into(),
                checked.publish_from.into(),
                checked.publish_until.into(),
            ],
        )])
        .await?;
    if results.first().is_none_or(|rows| rows.is_empty()) {
        return Ok(None);
    }
    let rows = sql
        .query(
            &format!(
                "SELECT {COLUMNS} FROM notices n JOIN municipalities m ON m.code = n.municipality_code \
                 WHERE n.id = ?1"
            ),
            &[id.into()],
        )
        .await?;
    rows.first().map(notice).transpose().map_err(Error::from)
}

/// Takes a notice down at once: a wrong date or a cancelled event must not stay on the
/// residents' pages until its end date. Only a notice of `municipality` is removed (the
/// town the caller was allowed for); false when there was none.
pub async fn withdraw(env: &Env, id: &str, municipality: &str) -> Result<bool, Error> {
    let sql = env.sql(Database::Public).await?;
    let results = sql
        .batch(&[Statement::new(
            "DELETE FROM notices WHERE id = ?1 AND municipality_code = ?2 RETURNING id",
            vec![id.into(), municipality.into()],
        )])
        .await?;
    Ok(results.first().is_some_and(|rows| !rows.is_empty()))
}

/// Demo notices, one notice and one event per town.
pub fn demo_statements() -> Vec<Statement> {
    let items = [
        (
            "01KDEMONOTICE000000000KIYS",
            "23233",
            "notice",
            "地域資源マップを公開しました",
            "市内のサロン・体操教室・多機能トイレなどを地図で探せます。",
            None,
        ),
        (
            "01KDEMONOTICE000000000KIYE",
            "23233",
            "event",
            "認知症サポーター養成講座のご案内",
            "どなたでも参加できます。申込みは地域包括支援センターまで。",
            Some("2026-12-12"),
        ),
        (
            "01KDEMONOTICE000000000KITS",
            "23234",
            "notice",
            "通いの場の新規登録を受け付けています",
            "地域で集いの場を運営している方はご相談ください。",
            None,
        ),
        (
            "01KDEMONOTICE000000000TOYE",
            "23342",
            "event",
            "いきいき体操 合同発表会",
            "町内の体操教室が集まって日頃の成果を発表します。",
            Some("2026-12-05"),
        ),
    ];
    items
        .into_iter()
        .map(|(id, code, kind, title, body, date)| {
            Statement::new(
                "INSERT INTO notices (id, municipality_code, kind, title, body, event_date, publish_from, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, '2026-10-01T00:00:00.000Z', '2026-10-01T00:00:00.000Z') \
                 ON CONFLICT (id) DO NOTHING",
                vec![id.into(), code.into(), kind.into(), title.into(), body.into(), date.into()],
            )
        })
        .collect()
}
