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

/// Records one event on its own.
pub async fn record(
    env: &Env,
    req: &Request,
    actor: Option<&str>,
    action: &str,
    target: Option<&str>,
    outcome: Outcome,
) -> Result<(), Error> {
    let sql = env.sql(Database::Care).await?;
    sql.batch(&[statement(env, req, actor, action, target, outcome)])
        .await?;
    Ok(())
}
