//! Vitals as data (blood pressure, pulse, temperature, SpO2, weight, respiration): each
//! kind with its unit, its LOINC code (for FHIR Observations) and the range a real reading
//! falls in, so that a typo (400 mmHg) is refused with a message rather than charted.
//!
//! Why this file is over 400 lines: the kinds table, the checks of one reading and the two
//! writes (one reading, a visit's readings in one batch) share those checks and ranges.

use serde::{Deserialize, Serialize};

use super::family_caller::Reader;
use super::patients::Member;
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::http::Request;
use crate::ports::{Database, Statement, StoreError, Value};

/// A kind of vital: (code, Japanese label, unit, LOINC, range of `value`).
pub struct Kind {
    pub code: &'static str,
    pub label_ja: &'static str,
    pub unit: &'static str,
    pub loinc: &'static str,
    pub range: (f64, f64),
}

pub const KINDS: [Kind; 6] = [
    Kind {
        code: "blood_pressure",
        label_ja: "血圧",
        unit: "mmHg",
        loinc: "85354-9",
        range: (50.0, 260.0),
    },
    Kind {
        code: "pulse",
        label_ja: "脈拍",
        unit: "/min",
        loinc: "8867-4",
        range: (20.0, 250.0),
    },
    Kind {
        code: "temperature",
        label_ja: "体温",
        unit: "Cel",
        loinc: "8310-5",
        range: (30.0, 45.0),
    },
    Kind {
        code: "spo2",
        label_ja: "SpO2",
        unit: "%",
        loinc: "59408-5",
        range: (50.0, 100.0),
    },
    Kind {
        code: "weight",
        label_ja: "体重",
        unit: "kg",
        loinc: "29463-7",
        range: (10.0, 300.0),
    },
    Kind {
        code: "respiration",
        label_ja: "呼吸数",
        unit: "/min",
        loinc: "9279-1",
        range: (4.0, 80.0),
    },
];
/// Diastolic pressure, the second value of a blood pressure reading.
pub const DIASTOLIC_RANGE: (f64, f64) = (30.0, 160.0);

/// The unit as a Japanese reader writes it (the API keeps UCUM: `/min`, `Cel`).
fn unit_ja(ucum: &str) -> &str {
    match ucum {
        "/min" => "回/分",
        "Cel" => "℃",
        other => other,
    }
}

pub fn kind(code: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.code == code)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewVital {
    pub kind: String,
    pub value: f64,
    #[serde(default)]
    pub value2: Option<f64>,
    /// ISO 8601; now when absent.
    #[serde(default)]
    pub measured_at: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct Vital {
    pub id: String,
    pub kind: String,
    pub label_ja: &'static str,
    pub value: f64,
    pub value2: Option<f64>,
    pub unit: &'static str,
    pub loinc: &'static str,
    pub measured_at: String,
    /// Who recorded it (the same as `recorded_by.id`; kept for older clients).
    pub author_id: String,
    pub recorded_by: RecordedBy,
}

/// Who recorded a reading: a professional of the team, or the family at home (自己測定).
#[derive(Debug, Serialize)]
pub struct RecordedBy {
    pub kind: &'static str,
    pub id: String,
    pub name: String,
    /// A family member's relation to the patient (`self`: the patient themself).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relation: Option<String>,
}

/// Readings of the team and of the family (the `readings` view), with who recorded each.
pub const READINGS: &str = "SELECT r.id, r.patient_id, r.kind, r.value, r.value2, r.measured_at, r.created_at, \
     r.recorded_by_kind, r.recorded_by_id, COALESCE(c.name, m.name, '') AS recorded_by_name, \
     m.relation AS recorded_by_relation FROM readings r \
     LEFT JOIN colleagues c ON r.recorded_by_kind = 'professional' AND c.id = r.recorded_by_id \
     LEFT JOIN family_members m ON r.recorded_by_kind = 'family' AND m.id = r.recorded_by_id";

/// The earliest time a reading can have been taken: nothing in a patient's record is older.
const EARLIEST_MEASUREMENT: &str = "1900-01-01T00:00:00Z";
/// How far ahead of the server's clock a device's clock may run.
const CLOCK_LEEWAY_MS: i64 = 5 * 60 * 1000;

fn check(input: &NewVital, now: i64) -> Result<&'static Kind, Error> {
    let mut errors = Vec::new();
    let k = check_reading(input, "#/", &mut errors);
    check_time(input.measured_at.as_deref(), now, &mut errors);
    match k {
        Some(k) if errors.is_empty() => Ok(k),
        _ => Err(Error::Validation(errors)),
    }
}

/// One reading's kind and values; pointers start with `at` (`#/` or `#/readings/2/`).
fn check_reading(
    input: &NewVital,
    at: &str,
    errors: &mut Vec<FieldError>,
) -> Option<&'static Kind> {
    let Some(k) = kind(&input.kind) else {
        errors.push(FieldError::new(
            format!("{at}kind"),
            "must be blood_pressure, pulse, temperature, spo2, weight or respiration",
            "種類が正しくありません",
        ));
        return None;
    };
    let in_range = |v: f64, (lo, hi): (f64, f64)| v.is_finite() && (lo..=hi).contains(&v);
    if !in_range(input.value, k.range) {
        errors.push(FieldError::new(
            format!("{at}value"),
            format!("{} must be {}–{} {}", k.code, k.range.0, k.range.1, k.unit),
            format!(
                "{}は {}〜{} {} の範囲で入力してください",
                k.label_ja,
                k.range.0,
                k.range.1,
                unit_ja(k.unit)
            ),
        ));
    }
    match (k.code, input.value2) {
        ("blood_pressure", Some(d)) if in_range(d, DIASTOLIC_RANGE) && d < input.value => {}
        ("blood_pressure", _) => errors.push(FieldError::new(
            format!("{at}value2"),
            "diastolic pressure (30–160 mmHg, below systolic) is required",
            "拡張期血圧（30〜160 mmHg、収縮期より低い値）を入力してください",
        )),
        (_, Some(_)) => errors.push(FieldError::new(
            format!("{at}value2"),
            "only blood pressure has a second value",
            "2つ目の値は血圧のみです",
        )),
        _ => {}
    }
    Some(k)
}

fn check_time(measured_at: Option<&str>, now: i64, errors: &mut Vec<FieldError>) {
    let earliest = crate::time::parse_rfc3339(EARLIEST_MEASUREMENT).unwrap_or(i64::MIN);
    if measured_at.is_some_and(|m| {
        crate::time::parse_local_jst(m).is_none_or(|at| at < earliest || at > now + CLOCK_LEEWAY_MS)
    }) {
        errors.push(FieldError::new(
            "#/measured_at",
            "must be a time that has passed: 2026-11-24T09:30 (Japan time) or RFC 3339 with a zone",
            "測定日時は過去の日時を 2026-11-24T09:30 の形式で入力してください",
        ));
    }
}

pub fn from_row(row: &crate::ports::Row<'_>) -> Result<Vital, StoreError> {
    let code = row.text("kind")?;
    let k = kind(code).ok_or_else(|| StoreError::Backend(format!("unknown vital kind {code}")))?;
    Ok(Vital {
        id: row.text("id")?.to_owned(),
        kind: k.code.to_owned(),
        label_ja: k.label_ja,
        value: row.real("value")?,
        value2: row.opt_real("value2")?,
        unit: k.unit,
        loinc: k.loinc,
        measured_at: row.text("measured_at")?.to_owned(),
        author_id: row.text("recorded_by_id")?.to_owned(),
        recorded_by: RecordedBy {
            kind: if row.text("recorded_by_kind")? == "family" {
                "family"
            } else {
                "professional"
            },
            id: row.text("recorded_by_id")?.to_owned(),
            name: row.text("recorded_by_name")?.to_owned(),
            relation: row.opt_text("recorded_by_relation")?.map(str::to_owned),
        },
    })
}

/// Records a measurement, by the team or (自己測定) by the family, and raises an alert when
/// it is outside the team's threshold, in the same batch. With a key, a retry returns the
/// first record and raises nothing.
pub async fn record(
    env: &Env,
    req: &Request,
    by: &Reader,
    input: NewVital,
    key: Option<&str>,
) -> Result<Vital, Error> {
    let (actor, patient) = (by.actor(), by.patient());
    let (table, owner) = match by {
        Reader::Team(_) => ("vitals", "author_id"),
        Reader::Family(_) => ("family_vitals", "member_id"),
    };
    let k = check(&input, env.clock.now_millis())?;
    let now = crate::time::iso8601(env.clock.now_millis());
    // Stored in UTC so that readings sort by time whatever zone they were entered in.
    let measured_at = input
        .measured_at
        .as_deref()
        .and_then(crate::time::parse_local_jst)
        .map_or_else(|| now.clone(), crate::time::iso8601);
    let id = env.new_id();
    let sql = env.sql(Database::Care).await?;
    let mut statements = vec![
        Statement::new(
            format!(
                "INSERT INTO {table} (id, patient_id, {owner}, kind, value, value2, measured_at, idempotency_key, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT ({owner}, idempotency_key) DO NOTHING"
            ),
            vec![
                id.clone().into(),
                patient.into(),
                actor.into(),
                k.code.into(),
                input.value.into(),
                input.value2.into(),
                measured_at.into(),
                key.into(),
                now.clone().into(),
            ],
        ),
        by.audited(env, req, "vital.create"),
    ];
    statements.extend(super::alerts::raise_if_outside(env, patient, actor, &id));
    sql.batch(&statements).await?;
    // An alert the reading raised is pushed once the response is out.
    env.defer();
    let (query, params): (String, Vec<Value>) = match key {
        Some(k) => (
            format!("{READINGS} WHERE r.recorded_by_id = ?1 AND r.idempotency_key = ?2"),
            vec![actor.into(), k.into()],
        ),
        None => (format!("{READINGS} WHERE r.id = ?1"), vec![id.into()]),
    };
    let rows = sql.query(&query, &params).await?;
    let row = rows.first().ok_or(Error::NotFound)?;
    // A key names one request: the same key for another patient is not a replay of it,
    // and must not answer with that patient's reading.
    let same_patient = row.text("patient_id")? == patient;
    let vital = from_row(&row)?;
    if !same_patient || vital.kind != input.kind || vital.value != input.value {
        return Err(Error::IdempotencyKeyReused);
    }
    Ok(vital)
}

/// The readings of one visit: one time, any of the kinds, each at most once.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewVisit {
    /// ISO 8601; now when absent.
    #[serde(default)]
    pub measured_at: Option<String>,
    pub readings: Vec<VisitReading>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VisitReading {
    pub kind: String,
    pub value: f64,
    #[serde(default)]
    pub value2: Option<f64>,
}

/// Records a visit's readings together: all of them or, with one wrong, none (each
/// wrong field named by its pointer, `#/readings/2/value`). With a key, a retry returns
/// the first visit's readings; the key on another visit is refused.
pub async fn record_visit(
    env: &Env,
    req: &Request,
    member: &Member,
    input: NewVisit,
    key: Option<&str>,
) -> Result<Vec<Vital>, Error> {
    let now_millis = env.clock.now_millis();
    // Refused before anything else is read: a body of thousands of readings must cost
    // nothing (each is compared with those before it).
    if input.readings.is_empty() || input.readings.len() > KINDS.len() {
        return Err(Error::Validation(vec![FieldError::new(
            "#/readings",
            format!("one to {} readings, each kind once", KINDS.len()),
            format!(
                "測定値を1〜{}件（種類ごとに1つ）入力してください",
                KINDS.len()
            ),
        )]));
    }
    let mut errors = Vec::new();
    let readings: Vec<NewVital> = input
        .readings
        .into_iter()
        .map(|r| NewVital {
            kind: r.kind,
            value: r.value,
            value2: r.value2,
            measured_at: None,
        })
        .collect();
    for (i, reading) in readings.iter().enumerate() {
        let at = format!("#/readings/{i}/");
        if check_reading(reading, &at, &mut errors).is_some()
            && readings[..i].iter().any(|r| r.kind == reading.kind)
        {
            errors.push(FieldError::new(
                format!("{at}kind"),
                "each kind at most once a visit",
                "同じ種類が2回あります",
            ));
        }
    }
    check_time(input.measured_at.as_deref(), now_millis, &mut errors);
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let (caller, patient) = (&member.caller, member.patient.as_str());
    let now = crate::time::iso8601(now_millis);
    let measured_at = input
        .measured_at
        .as_deref()
        .and_then(crate::time::parse_local_jst)
        .map_or_else(|| now.clone(), crate::time::iso8601);
    // One key per reading, `KEY:kind`; plain INSERTs, so a key used before fails the
    // whole batch instead of writing the readings it did not have.
    let keyed = |kind: &str| key.map(|k| format!("{k}:{kind}"));
    let ids: Vec<String> = readings.iter().map(|_| env.new_id()).collect();
    let mut statements: Vec<Statement> = readings
        .iter()
        .zip(&ids)
        .map(|(r, id)| {
            Statement::new(
                "INSERT INTO vitals (id, patient_id, author_id, kind, value, value2, measured_at, idempotency_key, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                vec![
                    id.clone().into(), patient.into(), caller.sub.clone().into(), r.kind.clone().into(),
                    r.value.into(), r.value2.into(), measured_at.clone().into(), keyed(&r.kind).into(),
                    now.clone().into(),
                ],
            )
        })
        .collect();
    statements.push(member.audited(env, req, "vital.create"));
    for id in &ids {
        statements.extend(super::alerts::raise_if_outside(
            env,
            patient,
            &caller.sub,
            id,
        ));
    }
    let sql = env.sql(Database::Care).await?;
    env.defer();
    let (query, params): (String, Vec<Value>) = match sql.batch(&statements).await {
        Ok(_) => (
            format!("{READINGS} WHERE r.id IN (SELECT value FROM json_each(?1)) ORDER BY r.kind"),
            vec![
                serde_json::to_string(&ids)
                    .map_err(|e| Error::Internal(format!("ids: {e}")))?
                    .into(),
            ],
        ),
        Err(StoreError::Constraint(_)) if key.is_some() => (
            // A retry: the first request's readings, all of them.
            format!(
                "{READINGS} WHERE r.recorded_by_id = ?1 AND r.idempotency_key > ?2 \
                 AND r.idempotency_key < ?3 ORDER BY r.kind"
            ),
            vec![
                caller.sub.clone().into(),
                keyed("").into(),
                key.map(|k| format!("{k};")).into(),
            ],
        ),
        Err(e) => return Err(e.into()),
    };
    let rows = sql.query(&query, &params).await?;
    let mut stored = Vec::with_capacity(rows.len());
    for row in rows.iter() {
        // A key names one request: the same key for another patient or other readings
        // is not a replay of it.
        if row.text("patient_id")? != patient {
            return Err(Error::IdempotencyKeyReused);
        }
        stored.push(from_row(&row)?);
    }
    let same = stored.len() == readings.len()
        && readings.iter().all(|r| {
            stored
                .iter()
                .any(|v| v.kind == r.kind && v.value == r.value && v.value2 == r.value2)
        });
    if !same {
        return Err(Error::IdempotencyKeyReused);
    }
    Ok(stored)
}

/// The series of one kind (or all), the team's and the family's readings, oldest first,
/// for charts.
pub async fn series(
    env: &Env,
    req: &Request,
    by: &Reader,
    kind_code: Option<&str>,
) -> Result<Vec<Vital>, Error> {
    let sql = env.sql(Database::Care).await?;
    let rows = sql
        .query(
            // The newest 2000, oldest first: a record of years must not lose its last week.
            &format!(
                "SELECT * FROM ({READINGS} WHERE r.patient_id = ?1 AND (?2 IS NULL OR r.kind = ?2) \
                 ORDER BY r.measured_at DESC, r.created_at DESC, r.id DESC LIMIT 2000) \
                 ORDER BY measured_at, created_at, id"
            ),
            &[by.patient().into(), kind_code.into()],
        )
        .await?;
    by.record(env, req, "vitals.read").await?;
    Ok(rows
        .iter()
        .map(|r| from_row(&r))
        .collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vital(kind: &str, value: f64, value2: Option<f64>) -> NewVital {
        NewVital {
            kind: kind.into(),
            value,
            value2,
            measured_at: Some("2026-11-24T09:30:00+09:00".into()),
        }
    }

    /// 2026-11-26T10:00:00Z, the server's clock in these tests.
    const NOW: i64 = 1_795_687_200_000;

    #[test]
    fn plausible_readings_pass_and_typos_are_refused() {
        let check = |v: &NewVital| super::check(v, NOW);
        assert!(check(&vital("blood_pressure", 130.0, Some(80.0))).is_ok());
        assert!(check(&vital("temperature", 36.8, None)).is_ok());
        assert!(check(&vital("blood_pressure", 400.0, Some(80.0))).is_err());
        assert!(check(&vital("blood_pressure", 120.0, Some(130.0))).is_err());
        assert!(check(&vital("blood_pressure", 120.0, None)).is_err());
        assert!(check(&vital("pulse", 72.0, Some(1.0))).is_err());
        assert!(check(&vital("mood", 1.0, None)).is_err());
        assert!(crate::time::parse_local_jst("2026-11-24T09:30").is_some());
        assert!(crate::time::parse_local_jst("2026-02-30T09:30").is_none());
        assert!(crate::time::parse_local_jst("yesterday").is_none());
    }

    #[test]
    fn readings_from_year_0_or_the_future_are_refused() {
        let at = |m: &str| NewVital {
            measured_at: Some(m.into()),
            ..vital("pulse", 70.0, None)
        };
        assert!(check(&at("0000-01-01T09:00"), NOW).is_err());
        assert!(check(&at("1899-12-31T09:00"), NOW).is_err());
        assert!(check(&at("9999-12-31T09:00"), NOW).is_err());
        assert!(check(&at("2026-11-27T09:00"), NOW).is_err());
        assert!(check(&at("2026-11-26T19:00"), NOW).is_ok());
    }
}
