//! Sends what the outbox holds: one message per device of each recipient, saying only how
//! many things of which kind are waiting and an opaque id. Runs after a response and on the
//! host's timer; two runs at once never send the same row, as each first claims its rows.

use serde::Serialize;

use super::AllowedHosts;
use super::preferences;
use super::webpush::{self, Vapid};
use crate::env::Env;
use crate::error::Error;
use crate::ports::{Database, Statement, Value};

/// Rows one run takes; the rest wait for the next run.
const BATCH: i64 = 100;
/// A claimed row that its run did not finish (the process died) is free again after this.
const LEASE_MS: i64 = 2 * 60_000;
/// After this many failed tries a notification is dropped (its post is still there).
pub const MAX_ATTEMPTS: i64 = 8;
/// How long the push service keeps a message for a phone that is off.
const TTL_SECS: &str = "86400";

/// What the service worker receives: nothing a push service could read about a patient.
#[derive(Debug, Serialize)]
pub struct Payload<'a> {
    pub kind: &'a str,
    pub id: &'a str,
    pub count: usize,
}

#[derive(Debug, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    /// Messages a push service accepted.
    pub sent: usize,
    /// Devices the push service said are gone (removed).
    pub gone: usize,
    /// Messages that will be tried again.
    pub retried: usize,
    /// Recipients held by their quiet hours.
    pub held: usize,
}

struct Claimed {
    recipient: String,
    kind: String,
    reference: String,
    attempts: i64,
}

enum Sent {
    Accepted,
    Gone,
    Failed,
}

/// Retry delay after `attempts` tries: 1, 2, 4 … minutes, at most an hour.
fn backoff_ms(attempts: i64) -> i64 {
    (60_000_i64 << attempts.clamp(1, 7).saturating_sub(1)).min(3_600_000)
}

fn subject(env: &Env) -> String {
    let configured = |s: crate::settings::Setting| env.config.get(s.name).filter(|v| !v.is_empty());
    configured(crate::settings::VAPID_SUBJECT)
        .or_else(|| {
            configured(crate::settings::PUBLIC_ORIGIN).filter(|o| o.starts_with("https://"))
        })
        .unwrap_or_else(|| "mailto:webmaster@localhost".to_owned())
}

/// Sends the due notifications. Errors of one recipient do not stop the others.
pub async fn deliver(env: &Env) -> Result<Report, Error> {
    let now = env.clock.now_millis();
    let at = |ms: i64| crate::time::iso8601(ms);
    let sql = env.sql(Database::Care).await?;
    let due = sql
        .query(
            "SELECT 1 AS due FROM push_outbox WHERE next_attempt_at <= ?1 LIMIT 1",
            &[at(now).into()],
        )
        .await?;
    let mut report = Report::default();
    if due.is_empty() {
        return Ok(report);
    }
    let claim = env.new_id();
    sql.batch(&[Statement::new(
        "UPDATE push_outbox SET claim = ?1, next_attempt_at = ?2, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM push_outbox WHERE next_attempt_at <= ?3 ORDER BY id LIMIT ?4)",
        vec![
            claim.clone().into(),
            at(now + LEASE_MS).into(),
            at(now).into(),
            BATCH.into(),
        ],
    )])
    .await?;
    let rows = sql
        .query(
            "SELECT recipient_id, kind, ref, attempts FROM push_outbox WHERE claim = ?1 ORDER BY id",
            &[claim.clone().into()],
        )
        .await?;
    let mut claimed: Vec<Claimed> = Vec::new();
    for row in rows.iter() {
        claimed.push(Claimed {
            recipient: row.text("recipient_id")?.to_owned(),
            kind: row.text("kind")?.to_owned(),
            reference: row.text("ref")?.to_owned(),
            attempts: row.int("attempts")?,
        });
    }
    let mut recipients: Vec<&str> = claimed.iter().map(|c| c.recipient.as_str()).collect();
    recipients.sort_unstable();
    recipients.dedup();
    let vapid = super::subscriptions::vapid(env)?;
    let allowed = AllowedHosts::from_env(env);
    let subject = subject(env);
    for recipient in recipients {
        let theirs: Vec<&Claimed> = claimed
            .iter()
            .filter(|c| c.recipient == recipient)
            .collect();
        let result = notify(
            env,
            &vapid,
            &allowed,
            &subject,
            recipient,
            &theirs,
            &mut report,
        )
        .await;
        let attempts = theirs.iter().map(|c| c.attempts).max().unwrap_or(1);
        let settle = |sql_text: &str, extra: Vec<Value>| {
            let mut params: Vec<Value> = vec![claim.clone().into(), recipient.into()];
            params.extend(extra);
            Statement::new(sql_text, params)
        };
        let statement = match result {
            Ok(Settled::Done) => settle(
                "DELETE FROM push_outbox WHERE claim = ?1 AND recipient_id = ?2",
                vec![],
            ),
            Ok(Settled::Held(left)) => {
                report.held += 1;
                settle(
                    "UPDATE push_outbox SET claim = NULL, attempts = attempts - 1, next_attempt_at = ?3 \
                     WHERE claim = ?1 AND recipient_id = ?2",
                    vec![at(now + left).into()],
                )
            }
            Ok(Settled::Retry) | Err(_) if attempts >= MAX_ATTEMPTS => {
                env.log.error(
                    &claim,
                    "push: a notification was dropped after its last try",
                );
                settle(
                    "DELETE FROM push_outbox WHERE claim = ?1 AND recipient_id = ?2",
                    vec![],
                )
            }
            Ok(Settled::Retry) | Err(_) => {
                report.retried += theirs.len();
                settle(
                    "UPDATE push_outbox SET claim = NULL, next_attempt_at = ?3 WHERE claim = ?1 AND recipient_id = ?2",
                    vec![at(now + backoff_ms(attempts)).into()],
                )
            }
        };
        if let Err(e) = sql.batch(&[statement]).await {
            env.log
                .error(&claim, &format!("push: settling the outbox failed: {e}"));
        }
    }
    Ok(report)
}

enum Settled {
    /// Sent to at least one device, or no device is left: the rows go.
    Done,
    /// Quiet hours: wait this long.
    Held(i64),
    /// Every device failed for now.
    Retry,
}

async fn notify(
    env: &Env,
    vapid: &Vapid,
    allowed: &AllowedHosts,
    subject: &str,
    recipient: &str,
    items: &[&Claimed],
    report: &mut Report,
) -> Result<Settled, Error> {
    let now = env.clock.now_millis();
    if let Some(left) = preferences::get(env, recipient).await?.quiet_left_ms(now) {
        return Ok(Settled::Held(left));
    }
    let Some(newest) = items.last() else {
        return Ok(Settled::Done);
    };
    let payload = serde_json::to_vec(&Payload {
        kind: &newest.kind,
        id: &newest.reference,
        count: items.len(),
    })
    .map_err(|e| Error::Internal(e.to_string()))?;
    let urgent = newest.kind == "message";
    let sql = env.sql(Database::Care).await?;
    let devices = sql
        .query(
            "SELECT id, endpoint, p256dh, auth FROM push_subscriptions WHERE professional_id = ?1",
            &[recipient.into()],
        )
        .await?;
    let (mut accepted, mut failed) = (0, 0);
    for device in devices.iter() {
        let id = device.text("id")?;
        let endpoint = device.text("endpoint")?;
        let outcome = if allowed.admits(endpoint) {
            send(
                env,
                vapid,
                subject,
                endpoint,
                device.text("p256dh")?,
                device.text("auth")?,
                &payload,
                urgent,
                now,
            )
            .await
        } else {
            // The allow-list changed since it subscribed.
            Sent::Gone
        };
        match outcome {
            Sent::Accepted => {
                accepted += 1;
                report.sent += 1;
                sql.batch(&[Statement::new(
                    "UPDATE push_subscriptions SET last_sent_at = ?2 WHERE id = ?1",
                    vec![id.into(), crate::time::iso8601(now).into()],
                )])
                .await?;
            }
            Sent::Gone => {
                report.gone += 1;
                sql.batch(&[Statement::new(
                    "DELETE FROM push_subscriptions WHERE id = ?1",
                    vec![id.into()],
                )])
                .await?;
            }
            Sent::Failed => failed += 1,
        }
    }
    Ok(if accepted == 0 && failed > 0 {
        Settled::Retry
    } else {
        Settled::Done
    })
}

#[allow(clippy::too_many_arguments)] // one message's parts, each used once
async fn send(
    env: &Env,
    vapid: &Vapid,
    subject: &str,
    endpoint: &str,
    p256dh: &str,
    auth: &str,
    payload: &[u8],
    urgent: bool,
    now: i64,
) -> Sent {
    let mut ephemeral = [0u8; 32];
    let mut salt = [0u8; 16];
    env.random.fill(&mut ephemeral);
    env.random.fill(&mut salt);
    let (Some(p256dh), Some(auth)) = (webpush::from_b64url(p256dh), webpush::from_b64url(auth))
    else {
        return Sent::Gone;
    };
    let Ok(body) = webpush::encrypt(&p256dh, &auth, payload, &ephemeral, &salt) else {
        return Sent::Gone;
    };
    let Ok(authorization) = vapid.authorization(endpoint, now / 1000, subject) else {
        return Sent::Gone;
    };
    let request = http::Request::builder()
        .method(http::Method::POST)
        .uri(endpoint)
        .header("TTL", TTL_SECS)
        .header("Urgency", if urgent { "high" } else { "normal" })
        .header(http::header::CONTENT_ENCODING, "aes128gcm")
        .header(http::header::CONTENT_TYPE, "application/octet-stream")
        .header(http::header::AUTHORIZATION, authorization)
        .body(body);
    let Ok(request) = request else {
        return Sent::Gone;
    };
    let service = webpush::origin(endpoint).unwrap_or_default();
    match env.outbound.send(request).await {
        Ok(200..=299) => Sent::Accepted,
        // RFC 8030 §7.3: the subscription expired or was removed.
        Ok(404 | 410) => Sent::Gone,
        Ok(status) => {
            // The endpoint is a capability: only its service is logged.
            env.log
                .warn("push", &format!("push service {service} answered {status}"));
            if matches!(status, 400 | 403 | 413) {
                // Our request is wrong for this device, and would be again.
                Sent::Gone
            } else {
                Sent::Failed
            }
        }
        Err(e) => {
            env.log
                .warn("push", &format!("push service {service}: {e}"));
            Sent::Failed
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let minutes: Vec<i64> = (1..=9).map(|a| super::backoff_ms(a) / 60_000).collect();
        assert_eq!(minutes, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }
}
