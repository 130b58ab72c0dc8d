//! The team's thresholds for a patient's readings (PHR, issue #34); a reading outside one
//! raises an alert (`alerts::raise_if_outside`).

use serde::{Deserialize, Serialize};

use super::patients::Member;
use super::vitals;
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::http::Request;
use crate::ports::{Database, Statement, StoreError};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdsInput {
    pub thresholds: Vec<ThresholdInput>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdInput {
    pub kind: String,
    #[serde(default)]
    pub above: Option<f64>,
    #[serde(default)]
    pub below: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct Threshold {
    pub kind: String,
    /// An alert when a reading is above this (for blood pressure, the systolic value).
    pub above: Option<f64>,
    /// An alert when a reading is below this.
    pub below: Option<f64>,
    pub set_by: String,
    /// The professional's name as the team sees it (kept when they leave the team).
    pub set_by_name: String,
    pub set_at: String,
}

/// Each kind once, a known kind, at least one bound, bounds within the kind's range and
/// `below` under `above`; every wrong field named.
fn check(input: &ThresholdsInput) -> Result<(), Error> {
    let mut errors = Vec::new();
    if input.thresholds.len() > vitals::KINDS.len() {
        errors.push(FieldError::new(
            "#/thresholds",
            format!("at most {} thresholds, one per kind", vitals::KINDS.len()),
            "しきい値は種類ごとに1つまでです",
        ));
        return Err(Error::Validation(errors));
    }
    for (i, t) in input.thresholds.iter().enumerate() {
        let at = |field: &str| format!("#/thresholds/{i}/{field}");
        let Some(kind) = vitals::kind(&t.kind) else {
            errors.push(FieldError::new(
                at("kind"),
                "must be blood_pressure, pulse, temperature, spo2, weight or respiration",
                "種類が正しくありません",
            ));
            continue;
        };
        if input.thresholds[..i].iter().any(|o| o.kind == t.kind) {
            errors.push(FieldError::new(
                at("kind"),
                "each kind at most once",
                "同じ種類が2回あります",
            ));
        }
        let (lo, hi) = kind.range;
        for (field, bound) in [("above", t.above), ("below", t.below)] {
            if bound.is_some_and(|b| !b.is_finite() || b < lo || b > hi) {
                errors.push(FieldError::new(
                    at(field),
                    format!("must be {lo}–{hi} {}", kind.unit),
                    format!(
                        "{}のしきい値は {lo}〜{hi} の範囲で入力してください",
                        kind.label_ja
                    ),
                ));
            }
        }
        match (t.below, t.above) {
            (None, None) => errors.push(FieldError::new(
                at("above"),
                "give above, below or both",
                "上限か下限を入力してください",
            )),
            (Some(b), Some(a)) if b >= a => errors.push(FieldError::new(
                at("below"),
                "below must be less than above",
                "下限は上限より小さくしてください",
            )),
            _ => {}
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(errors))
    }
}

/// `PUT /api/v1/patients/{id}/vital-thresholds`: the whole set, replaced in one batch.
pub async fn put(
    env: &Env,
    req: &Request,
    member: &Member,
    input: ThresholdsInput,
) -> Result<Vec<Threshold>, Error> {
    check(&input)?;
    let patient = member.patient.as_str();
    let now = crate::time::iso8601(env.clock.now_millis());
    let mut statements = vec![Statement::new(
        "DELETE FROM vital_thresholds WHERE patient_id = ?1",
        vec![patient.into()],
    )];
    for t in &input.thresholds {
        statements.push(Statement::new(
            "INSERT INTO vital_thresholds (patient_id, kind, above, below, set_by, set_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            vec![
                patient.into(),
                t.kind.clone().into(),
                t.above.into(),
                t.below.into(),
                member.caller.sub.clone().into(),
                now.clone().into(),
            ],
        ));
    }
    statements.push(member.audited(env, req, "thresholds.set"));
    env.sql(Database::Care).await?.batch(&statements).await?;
    load(env, patient).await
}

/// `GET /api/v1/patients/{id}/vital-thresholds`.
pub async fn get(env: &Env, req: &Request, member: &Member) -> Result<Vec<Threshold>, Error> {
    let thresholds = load(env, &member.patient).await?;
    member.record(env, req, "thresholds.read").await?;
    Ok(thresholds)
}

async fn load(env: &Env, patient: &str) -> Result<Vec<Threshold>, Error> {
    let rows = env
        .sql(Database::Care)
        .await?
        .query(
            "SELECT t.kind, t.above, t.below, t.set_by, c.name AS set_by_name, t.set_at FROM vital_thresholds t \
             LEFT JOIN colleagues c ON c.id = t.set_by WHERE t.patient_id = ?1 ORDER BY t.kind",
            &[patient.into()],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            Ok(Threshold {
                kind: r.text("kind")?.to_owned(),
                above: r.opt_real("above")?,
                below: r.opt_real("below")?,
                set_by: r.text("set_by")?.to_owned(),
                set_by_name: r.opt_text("set_by_name")?.unwrap_or_default().to_owned(),
                set_at: r.text("set_at")?.to_owned(),
            })
        })
        .collect::<Result<_, StoreError>>()?)
}

#[cfg(test)]
mod tests {
    use super::{ThresholdInput, ThresholdsInput, check};

    fn one(kind: &str, above: Option<f64>, below: Option<f64>) -> ThresholdsInput {
        ThresholdsInput {
            thresholds: vec![ThresholdInput {
                kind: kind.into(),
                above,
                below,
            }],
        }
    }

    #[test]
    fn thresholds_need_a_known_kind_and_sane_bounds() {
        assert!(check(&one("blood_pressure", Some(160.0), None)).is_ok());
        assert!(check(&one("spo2", None, Some(92.0))).is_ok());
        assert!(check(&one("temperature", Some(37.5), Some(35.0))).is_ok());
        assert!(check(&one("mood", Some(1.0), None)).is_err());
        assert!(check(&one("pulse", None, None)).is_err());
        assert!(check(&one("pulse", Some(50.0), Some(60.0))).is_err());
        assert!(check(&one("spo2", None, Some(120.0))).is_err());
        assert!(check(&one("spo2", Some(f64::NAN), None)).is_err());
        let twice = ThresholdsInput {
            thresholds: vec![
                ThresholdInput {
                    kind: "pulse".into(),
                    above: Some(120.0),
                    below: None,
                },
                ThresholdInput {
                    kind: "pulse".into(),
                    above: None,
                    below: Some(40.0),
                },
            ],
        };
        assert!(check(&twice).is_err());
    }
}
