//! Alerts for a patient's team (PHR readings outside a threshold today; watch-over sensors
//! and others later): listed newest first, each acknowledged once, by whom it says. A
//! reading's alert is written in the reading's own batch, so that it exists if and only if
//! its reading does (a replay raises nothing), and pushed to the team with no patient data
//! in the message (the push service sees only "an alert"; the app fetches the rest).

use serde::Serialize;

use super::patients::Member;
use super::push::outbox::{Event, Kind};
use crate::env::Env;
use crate::error::Error;
use crate::http::Request;
use crate::ports::{Database, Row, Statement, StoreError};

#[derive(Debug, Serialize)]
pub struct Alert {
    pub id: String,
    pub source: String,
    pub kind: String,
    pub reading: Option<AlertReading>,
    pub threshold: Bound,
    pub raised_at: String,
    pub acknowledged_at: Option<String>,
    pub acknowledged_by: Option<Acknowledger>,
}

#[derive(Debug, Serialize)]
pub struct AlertReading {
    pub id: String,
    pub value: Option<f64>,
    pub value2: Option<f64>,
    pub measured_at: Option<String>,
    /// Who recorded it (`kind` family: 自己測定).
    pub recorded_by: Option<Recorder>,
}

#[derive(Debug, Serialize)]
pub struct Recorder {
    pub kind: String,
    pub id: String,
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct Bound {
    pub above: Option<f64>,
    pub below: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct Acknowledger {
    pub id: String,
    pub name: String,
}

const SELECT: &str = "SELECT a.id, a.source, a.kind, a.reading_id, a.value, a.value2, a.threshold_above, \
     a.threshold_below, a.raised_at, a.acknowledged_at, a.acknowledged_by, c.name AS acknowledged_by_name, \
     r.measured_at, r.recorded_by_kind, r.recorded_by_id, COALESCE(rc.name, rm.name, '') AS recorded_by_name \
     FROM alerts a LEFT JOIN colleagues c ON c.id = a.acknowledged_by LEFT JOIN readings r ON r.id = a.reading_id \
     LEFT JOIN colleagues rc ON r.recorded_by_kind = 'professional' AND rc.id = r.recorded_by_id \
     LEFT JOIN family_members rm ON r.recorded_by_kind = 'family' AND rm.id = r.recorded_by_id";

fn from_row(row: &Row<'_>) -> Result<Alert, StoreError> {
    Ok(Alert {
        id: row.text("id")?.to_owned(),
        source: row.text("source")?.to_owned(),
        kind: row.text("kind")?.to_owned(),
        reading: row
            .opt_text("reading_id")?
            .map(|id| -> Result<AlertReading, StoreError> {
                Ok(AlertReading {
                    id: id.to_owned(),
                    value: row.opt_real("value")?,
                    value2: row.opt_real("value2")?,
                    measured_at: row.opt_text("measured_at")?.map(str::to_owned),
                    recorded_by: match (
                        row.opt_text("recorded_by_kind")?,
                        row.opt_text("recorded_by_id")?,
                    ) {
                        (Some(kind), Some(id)) => Some(Recorder {
                            kind: kind.to_owned(),
                            id: id.to_owned(),
                            name: row
                                .opt_text("recorded_by_name")?
                                .unwrap_or_default()
                                .to_owned(),
                        }),
                        _ => None,
                    },
                })
            })
            .transpose()?,
        threshold: Bound {
            above: row.opt_real("threshold_above")?,
            below: row.opt_real("threshold_below")?,
        },
        raised_at: row.text("raised_at")?.to_owned(),
        acknowledged_at: row.opt_text("acknowledged_at")?.map(str::to_owned),
        acknowledged_by: row
            .opt_text("acknowledged_by")?
            .map(|id| -> Result<Acknowledger, StoreError> {
                Ok(Acknowledger {
                    id: id.to_owned(),
                    name: row
                        .opt_text("acknowledged_by_name")?
                        .unwrap_or_default()
                        .to_owned(),
                })
            })
            .transpose()?,
    })
}

/// `GET /api/v1/patients/{id}/alerts[?open=true]`: newest first, at most 200.
pub async fn list(
    env: &Env,
    req: &Request,
    member: &Member,
    only_open: bool,
) -> Result<Vec<Alert>, Error> {
    let rows = env
        .sql(Database::Care)
        .await?
        .query(
            &format!(
                "{SELECT} WHERE a.patient_id = ?1 AND (?2 = 0 OR a.acknowledged_at IS NULL) \
                 ORDER BY a.raised_at DESC, a.id DESC LIMIT 200"
            ),
            &[member.patient.clone().into(), i64::from(only_open).into()],
        )
        .await?;
    member.record(env, req, "alerts.read").await?;
    Ok(rows
        .iter()
        .map(|r| from_row(&r))
        .collect::<Result<_, _>>()?)
}

/// `POST /api/v1/patients/{id}/alerts/{alert}/ack`: the first acknowledgement stands; a
/// second one answers with it.
pub async fn acknowledge(
    env: &Env,
    req: &Request,
    member: &Member,
    alert: &str,
) -> Result<Alert, Error> {
    let now = crate::time::iso8601(env.clock.now_millis());
    let sql = env.sql(Database::Care).await?;
    let done = sql
        .batch(&[
            Statement::new(
                "UPDATE alerts SET acknowledged_at = ?3, acknowledged_by = ?4 \
                 WHERE id = ?1 AND patient_id = ?2 AND acknowledged_at IS NULL",
                vec![
                    alert.into(),
                    member.patient.clone().into(),
                    now.into(),
                    member.caller.sub.clone().into(),
                ],
            ),
            member.audited(env, req, "alert.ack"),
            Statement::new(
                format!("{SELECT} WHERE a.id = ?1 AND a.patient_id = ?2"),
                vec![alert.into(), member.patient.clone().into()],
            ),
        ])
        .await?;
    let row = done
        .get(2)
        .and_then(|rows| rows.first())
        .ok_or(Error::NotFound)?;
    Ok(from_row(&row)?)
}

/// The statements that raise an alert for reading `reading` of `patient` when it is outside
/// the patient's threshold for its kind (and nothing otherwise), with the team's push.
pub fn raise_if_outside(env: &Env, patient: &str, author: &str, reading: &str) -> Vec<Statement> {
    let alert = env.new_id();
    let now = crate::time::iso8601(env.clock.now_millis());
    let raise = Statement::new(
        "INSERT INTO alerts (id, patient_id, source, kind, reading_id, value, value2, threshold_above, threshold_below, raised_at) \
         SELECT ?1, r.patient_id, 'vitals', r.kind, r.id, r.value, r.value2, t.above, t.below, ?3 \
         FROM readings r JOIN vital_thresholds t ON t.patient_id = r.patient_id AND t.kind = r.kind \
         WHERE r.id = ?2 AND ((t.above IS NOT NULL AND r.value > t.above) OR (t.below IS NOT NULL AND r.value < t.below))",
        vec![alert.clone().into(), reading.into(), now.into()],
    );
    let push = Event {
        kind: Kind::Alert,
        reference: patient,
        author,
        urgent: true,
        text: "",
        written: ("alerts", &alert),
    }
    .to_care_team(env, patient);
    vec![raise, push]
}
