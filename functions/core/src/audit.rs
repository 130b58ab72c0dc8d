//! The audit log: who did what to which record, when, from where, and whether it was
//! allowed. Append-only (triggers refuse UPDATE and DELETE). Patient data never goes in it,
//! only ids.

use crate::env::Env;
use crate::error::Error;
use crate::http::{CLIENT_ADDR_HEADER, Request};
use crate::ports::{Database, Statement};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Allowed,
    Denied,
    Failed,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }
}

/// The statement that records one event, to run in the same batch as the change it
/// describes (so that a change and its record are written together or not at all).
pub fn statement(
    env: &Env,
    req: &Request,
    actor: Option<&str>,
    action: &str,
    target: Option<&str>,
    outcome: Outcome,
) -> Statement {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    Statement::new(
        "INSERT INTO audit_log (id, at, actor, action, target, address, outcome, request_id) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        vec![
            env.new_id().into(),
            crate::time::iso8601(env.clock.now_millis()).into(),
            actor.into(),
            action.into(),
            target.into(),
            header(CLIENT_ADDR_HEADER).into(),
            outcome.as_str().into(),
            header("x-request-id").into(),
        ],
    )
}

/// Records one event about care data on its own.
pub async fn record(
    env: &Env,
    req: &Request,
    actor: Option<&str>,
    action: &str,
    target: Option<&str>,
    outcome: Outcome,
) -> Result<(), Error> {
    record_in(env, Database::Care, req, actor, action, target, outcome).await
}

/// Writes one audit record made by [`statement`] on its own, in the care database (a read:
/// no batch of its own to ride in).
pub async fn write(env: &Env, record: Statement) -> Result<(), Error> {
    env.sql(Database::Care).await?.batch(&[record]).await?;
    Ok(())
}

/// Records one event in the audit log of `db` (care and disaster each keep their own, next
/// to the data they describe).
pub async fn record_in(
    env: &Env,
    db: Database,
    req: &Request,
    actor: Option<&str>,
    action: &str,
    target: Option<&str>,
    outcome: Outcome,
) -> Result<(), Error> {
    let sql = env.sql(db).await?;
    let record = statement(env, req, actor, action, target, outcome);
    if actor.is_some() || outcome == Outcome::Allowed {
        sql.batch(&[record]).await?;
    } else {
        sql.batch(&anonymous(env, req, action, outcome, record))
            .await?;
    }
    Ok(())
}

/// A refusal of a caller with no valid token: counted in `audit_repeats` per address,
/// action and minute, and written to the log only as the first of its minute (in one
/// batch, so the count and the row agree).
fn anonymous(
    env: &Env,
    req: &Request,
    action: &str,
    outcome: Outcome,
    record: Statement,
) -> [Statement; 2] {
    let at = crate::time::iso8601(env.clock.now_millis());
    let minute = at.get(..16).unwrap_or(&at).to_owned();
    let address = req
        .headers()
        .get(CLIENT_ADDR_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let key = vec![
        minute.into(),
        address.into(),
        action.into(),
        outcome.as_str().into(),
    ];
    let mut params = record.params;
    params.extend(key.iter().cloned());
    [
        Statement::new(
            "INSERT INTO audit_repeats (minute, address, action, outcome, count) \
             VALUES (?1, ?2, ?3, ?4, 1) \
             ON CONFLICT (minute, address, action, outcome) DO UPDATE SET count = count + 1",
            key,
        ),
        Statement::new(
            "INSERT INTO audit_log (id, at, actor, action, target, address, outcome, request_id) \
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8 WHERE (SELECT count FROM audit_repeats \
             WHERE minute = ?9 AND address = ?10 AND action = ?11 AND outcome = ?12) = 1",
            params,
        ),
    ]
}

/// How long one record stands for the repeated reads of a polling screen.
const POLL_WINDOW_MS: i64 = 60_000;

/// Records an allowed read that a screen repeats every few seconds (the HQ's live totals)
/// once per actor, action and target a minute: the log still says who watched what and
/// when, without a commit for every poll (at 32 HQ clients those commits, not the totals,
/// set the pace: `bench --clients 32 local disaster`). Refusals and every other access are
/// recorded each time (`record_in`).
pub async fn record_poll_in(
    env: &Env,
    db: Database,
    req: &Request,
    actor: &str,
    action: &str,
    target: &str,
) -> Result<(), Error> {
    let since = crate::time::iso8601(env.clock.now_millis() - POLL_WINDOW_MS);
    let sql = env.sql(db).await?;
    let recent = sql
        .query(
            "SELECT 1 AS recent FROM audit_log WHERE target = ?1 AND at > ?2 AND actor = ?3 \
             AND action = ?4 AND outcome = ?5 LIMIT 1",
            &[
                target.into(),
                since.into(),
                actor.into(),
                action.into(),
                Outcome::Allowed.as_str().into(),
            ],
        )
        .await?;
    if recent.is_empty() {
        record_in(
            env,
            db,
            req,
            Some(actor),
            action,
            Some(target),
            Outcome::Allowed,
        )
        .await?;
    }
    Ok(())
}

#[derive(Debug, serde::Serialize)]
pub struct Entry {
    pub id: String,
    pub at: String,
    pub actor: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub address: Option<String>,
    pub outcome: String,
    pub request_id: Option<String>,
    /// For a refusal without a valid token: how many such refusals (this one included) the
    /// same address had for the same action in the same minute.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeats: Option<i64>,
}

/// Which entries to read: about one target (or all), within a period, after a cursor.
#[derive(Debug, Default)]
pub struct Filter {
    pub target: Option<String>,
    /// Inclusive start and exclusive end, ms since the epoch.
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// The id of the last entry of the previous page.
    pub before: Option<String>,
}

impl Filter {
    /// Reads `target`, `from`, `to` and `cursor` from the query string, checking the dates.
    pub fn from_query(req: &Request) -> Result<Filter, Error> {
        let q = |name: &str| crate::http::query_param(req, name).filter(|v| !v.is_empty());
        let mut errors = Vec::new();
        let mut date = |name: &str| {
            let value = q(name)?;
            let normalized = if value.len() == 10 {
                format!("{value}T00:00:00Z")
            } else {
                value.clone()
            };
            match crate::time::parse_rfc3339(&normalized) {
                Some(ms) => Some(ms),
                None => {
                    errors.push(crate::error::FieldError::new(
                        format!("?{name}"),
                        "must be a date (2026-11-01) or an RFC 3339 time",
                        "日付（2026-11-01）または日時で指定してください",
                    ));
                    None
                }
            }
        };
        let (from, to) = (date("from"), date("to"));
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        Ok(Filter {
            target: q("target"),
            from,
            to,
            before: q("cursor"),
        })
    }
}

/// Entries matching `filter`, newest first, at most `limit`; and the cursor of the next
/// page if there is one.
pub async fn list(
    env: &Env,
    filter: &Filter,
    limit: u32,
) -> Result<(Vec<Entry>, Option<String>), Error> {
    let sql = env.sql(Database::Care).await?;
    // Ids are ULIDs, which begin with their time: bounds on the id let a period be read as
    // a range of the primary key (with a second either side, as the id's clock reading
    // and the `at` column's may differ by a little).
    let id_at =
        |ms: i64| ulid::Ulid::from_parts(u64::try_from(ms.max(0)).unwrap_or(0), 0).to_string();
    let rows = sql
        .query(
            "SELECT id, at, actor, action, target, address, outcome, request_id, \
             (SELECT p.count FROM audit_repeats p WHERE audit_log.actor IS NULL \
              AND p.minute = substr(audit_log.at, 1, 16) AND p.address = coalesce(audit_log.address, '') \
              AND p.action = audit_log.action AND p.outcome = audit_log.outcome) AS repeats \
             FROM audit_log WHERE (?1 IS NULL OR target = ?1) AND (?2 IS NULL OR (at >= ?2 AND id >= ?6)) \
             AND (?3 IS NULL OR (at < ?3 AND id < ?7)) AND (?4 IS NULL OR id < ?4) ORDER BY id DESC LIMIT ?5",
            &[
                filter.target.clone().into(),
                filter.from.map(crate::time::iso8601).into(),
                filter.to.map(crate::time::iso8601).into(),
                filter.before.clone().into(),
                (limit + 1).into(),
                filter.from.map(|ms| id_at(ms - 1000)).into(),
                filter.to.map(|ms| id_at(ms + 1000)).into(),
            ],
        )
        .await?;
    let mut entries = rows
        .iter()
        .map(|r| {
            let text = |c: &str| r.opt_text(c).map(|v| v.map(str::to_owned));
            Ok(Entry {
                id: r.text("id")?.to_owned(),
                at: r.text("at")?.to_owned(),
                actor: text("actor")?,
                action: r.text("action")?.to_owned(),
                target: text("target")?,
                address: text("address")?,
                outcome: r.text("outcome")?.to_owned(),
                request_id: text("request_id")?,
                repeats: r.opt_int("repeats")?,
            })
        })
        .collect::<Result<Vec<_>, crate::ports::StoreError>>()?;
    let more = entries.len() > limit as usize;
    entries.truncate(limit as usize);
    let next = more.then(|| entries.last().map(|e| e.id.clone())).flatten();
    Ok((entries, next))
}

/// The most entries one CSV export holds; a longer period is refused with a message to
/// narrow it (a Worker holds the whole file in memory).
pub const MAX_EXPORT: usize = 100_000;

/// Every entry matching `filter`, read page by page, newest first.
pub async fn list_all(env: &Env, filter: &mut Filter) -> Result<Vec<Entry>, Error> {
    let mut all = Vec::new();
    loop {
        let (mut page, next) = list(env, filter, 5_000).await?;
        all.append(&mut page);
        if all.len() > MAX_EXPORT {
            return Err(Error::Validation(vec![crate::error::FieldError::new(
                "?from",
                format!("more than {MAX_EXPORT} entries; export a shorter period (from, to)"),
                format!("{MAX_EXPORT}件を超えます。期間（from, to）を短くしてください"),
            )]));
        }
        match next {
            Some(cursor) => filter.before = Some(cursor),
            None => return Ok(all),
        }
    }
}

/// The entries as CSV, for the municipality's records.
pub fn csv(entries: &[Entry]) -> Result<Vec<u8>, Error> {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    crate::csv_table::write(
        &[
            "日時",
            "操作者",
            "操作",
            "対象",
            "接続元",
            "結果",
            "リクエストID",
            "同じ分の回数",
        ],
        entries.iter().map(|e| {
            vec![
                e.at.clone(),
                text(&e.actor),
                e.action.clone(),
                text(&e.target),
                text(&e.address),
                e.outcome.clone(),
                text(&e.request_id),
                e.repeats.map(|n| n.to_string()).unwrap_or_default(),
            ]
        }),
    )
}
