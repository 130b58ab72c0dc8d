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
    sql.batch(&[statement(env, req, actor, action, target, outcome)])
        .await?;
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
}

/// The newest entries about `target` (or all), newest first, at most `limit`.
pub async fn list(env: &Env, target: Option<&str>, limit: u32) -> Result<Vec<Entry>, Error> {
    let sql = env.sql(Database::Care).await?;
    let rows = sql
        .query(
            "SELECT id, at, actor, action, target, address, outcome, request_id FROM audit_log \
             WHERE (?1 IS NULL OR target = ?1) ORDER BY id DESC LIMIT ?2",
            &[target.into(), limit.into()],
        )
        .await?;
    rows.iter()
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
            })
        })
        .collect::<Result<_, crate::ports::StoreError>>()
        .map_err(Error::from)
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
            ]
        }),
    )
}

/// May this caller read the audit of `target`? Sysadmins (and the bootstrap token) read
/// everything; municipal staff read what concerns their own town's patients.
pub async fn may_read(
    env: &Env,
    caller: &crate::auth::admin::Admin,
    target: Option<&str>,
) -> Result<(), Error> {
    if caller.may_manage(None).is_ok() {
        return Ok(());
    }
    let target = target.ok_or(Error::Forbidden)?;
    let sql = env.sql(Database::Care).await?;
    let rows = sql
        .query(
            "SELECT municipality_code FROM patients WHERE id = ?1",
            &[target.into()],
        )
        .await?;
    let town = rows
        .first()
        .map(|r| r.text("municipality_code").map(str::to_owned))
        .transpose()?;
    caller.may_manage(town.as_deref())
}
