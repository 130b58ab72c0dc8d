//! Safety check-ins: one tap per person, sent again and again on a bad network.
//!
//! A check-in is written in one batch (one transaction): the history row (unique per
//! event, reporter and `Idempotency-Key`, so a replay writes nothing), the per-person
//! latest row (which only moves forward by `(observed_at, id)`: the latest observation
//! wins whatever order requests arrive in, and equal times fall to the greater id), the
//! district totals (triggers on the latest row) and the audit row. Nothing is
//! read-modify-written outside SQL, so totals stay exact under any concurrency.
//!
//! Who a supporter may see (the consent rule) and the history export are in `people`.

mod people;

pub use people::{EventPerson, history_csv, people};

use crate::auth::role::Role;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::audit::Outcome;
use crate::auth::keys::to_hex;
use crate::auth::token::Subject;
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::http::Request;
use crate::ports::{Database, Row, Statement};
use crate::vocabulary::{CheckinStatus, Word};

/// A phone whose clock runs ahead is still believed up to the server's own time (the tap
/// cannot have been later than its arrival); beyond a day ahead the time is nonsense.
const CLOCK_SKEW_MS: i64 = 24 * 3_600_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckinInput {
    pub person_id: String,
    pub status: String,
    #[serde(default)]
    pub note: Option<String>,
    /// When the supporter saw the person; queued check-ins arrive later than that.
    #[serde(default)]
    pub observed_at: Option<String>,
    #[serde(default)]
    pub location: Option<Location>,
}

#[derive(Debug, Deserialize, Serialize, Clone, Copy, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Location {
    pub lat: f64,
    pub lng: f64,
}

#[derive(Debug, Serialize)]
pub struct Checkin {
    pub id: String,
    pub event_id: String,
    pub person_id: String,
    pub status: CheckinStatus,
    pub note: Option<String>,
    pub observed_at: String,
    pub received_at: String,
    pub reported_by: String,
    pub location: Option<Location>,
}

const CHECKIN_COLUMNS: &str = "id, event_id, person_id, status, note, observed_at, received_at, reported_by, lat, lng, request_hash";

impl Checkin {
    fn from_row(row: &Row<'_>) -> Result<Checkin, crate::ports::StoreError> {
        let location = match (row.opt_real("lat")?, row.opt_real("lng")?) {
            (Some(lat), Some(lng)) => Some(Location { lat, lng }),
            _ => None,
        };
        Ok(Checkin {
            id: row.text("id")?.to_owned(),
            event_id: row.text("event_id")?.to_owned(),
            person_id: row.text("person_id")?.to_owned(),
            status: CheckinStatus::stored(row.text("status")?)?,
            note: row.opt_text("note")?.map(str::to_owned),
            observed_at: row.text("observed_at")?.to_owned(),
            received_at: row.text("received_at")?.to_owned(),
            reported_by: row.text("reported_by")?.to_owned(),
            location,
        })
    }
}

/// The outcome of a check-in request: the stored check-in, and whether this request wrote
/// it (false for a replay).
pub struct Recorded {
    pub checkin: Checkin,
    pub created: bool,
}

fn validate(
    input: &CheckinInput,
    key: Option<&str>,
    (started_at, closed_at): (&str, Option<&str>),
    now: i64,
) -> Result<Valid, Error> {
    let mut errors = Vec::new();
    match key {
        Some(k) if !k.is_empty() && k.len() <= 200 && k.bytes().all(|b| b.is_ascii_graphic()) => {}
        _ => errors.push(FieldError::new(
            "Idempotency-Key",
            "required: 1 to 200 visible ASCII characters, the same for every retry",
            "再送キー（Idempotency-Key）が必要です（半角200文字まで、再送時も同じ値）",
        )),
    }
    let status = CheckinStatus::check("#/status", &input.status, &mut errors);
    let note = input
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    if note.as_ref().is_some_and(|n| n.chars().count() > 1000) {
        errors.push(FieldError::new(
            "#/note",
            "at most 1,000 characters",
            "メモは1000文字までです",
        ));
    }
    if status == Some(CheckinStatus::NeedsAttention) && note.is_none() {
        errors.push(FieldError::new(
            "#/note",
            "say what the person needs",
            "要確認のときは状況をメモに書いてください",
        ));
    }
    if let Some(loc) = input.location
        && !((-90.0..=90.0).contains(&loc.lat) && (-180.0..=180.0).contains(&loc.lng))
    {
        errors.push(FieldError::new(
            "#/location",
            "lat -90..90 and lng -180..180",
            "位置が正しくありません",
        ));
    }
    let started = crate::time::parse_rfc3339(started_at).unwrap_or(0);
    let observed = match input.observed_at.as_deref() {
        None => now,
        Some(text) => match crate::time::parse_rfc3339(text) {
            Some(at) if at <= now + CLOCK_SKEW_MS => at.clamp(started, now),
            _ => {
                errors.push(FieldError::new(
                    "#/observed_at",
                    "an RFC 3339 time, not in the future",
                    "確認日時は RFC 3339 形式の過去の日時です",
                ));
                now
            }
        },
    };
    let Some(status) = status.filter(|_| errors.is_empty()) else {
        return Err(Error::Validation(errors));
    };
    // A closed event still takes what was observed before it closed (a phone that was
    // offline at the time); anything later belongs to a new event.
    if let Some(closed) = closed_at.and_then(crate::time::parse_rfc3339)
        && observed >= closed
    {
        return Err(Error::EventClosed);
    }
    Ok(Valid {
        status,
        observed_at: crate::time::iso8601(observed),
        note,
    })
}

/// A check-in as validation read it.
struct Valid {
    status: CheckinStatus,
    observed_at: String,
    note: Option<String>,
}

/// Fingerprint of what the client asked for, to tell a replay from a reused key.
fn request_hash(input: &CheckinInput) -> String {
    let canonical = serde_json::json!([
        input.person_id,
        input.status,
        input.note.as_deref().map(str::trim),
        input.observed_at,
        input.location.map(|l| [l.lat, l.lng]),
    ]);
    to_hex(&Sha256::digest(canonical.to_string().as_bytes()))[..32].to_owned()
}

/// Records a check-in for `event_id`, or returns the first result for a replayed key.
pub async fn record(
    env: &Env,
    req: &Request,
    caller: &Subject,
    event_id: &str,
    input: CheckinInput,
    key: Option<&str>,
) -> Result<Recorded, Error> {
    // One read for the event, the caller's right to see it and the person: a surge is
    // many check-ins, and each read here is one less for the commit to wait behind.
    let sql = env.sql(Database::Disaster).await?;
    let rows = sql
        .query(
            &format!(
                "SELECT e.started_at, e.closed_at, \
                 EXISTS (SELECT 1 FROM event_municipalities WHERE event_id = e.id AND municipality_code = ?4) AS in_town, \
                 p.municipality_code, p.district_code, {} AS assigned \
                 FROM events e LEFT JOIN register_people p ON p.id = ?1 AND p.municipality_code IN \
                 (SELECT municipality_code FROM event_municipalities WHERE event_id = e.id) \
                 WHERE e.id = ?2",
                super::assigned_to(3)
            ),
            &[
                input.person_id.clone().into(),
                event_id.into(),
                caller.sub.clone().into(),
                caller.municipality.clone().into(),
            ],
        )
        .await?;
    let found = rows.first().ok_or(Error::NotFound)?;
    if found.int("in_town")? != 1 && !caller.has(Role::Sysadmin) {
        return Err(Error::NotFound);
    }
    let now = env.clock.now_millis();
    let Valid {
        status,
        observed_at,
        note,
    } = validate(
        &input,
        key,
        (found.text("started_at")?, found.opt_text("closed_at")?),
        now,
    )?;
    let key = key.unwrap_or_default();
    // The person must be in a town the event covers, and the caller staff of that town or
    // a member of a team assigned to the person. Anyone else learns nothing: 404.
    let person = found
        .opt_text("municipality_code")?
        .is_some()
        .then_some(found);
    let allowed = match person {
        Some(row) => {
            row.int("assigned")? == 1 || super::is_staff_of(caller, row.text("municipality_code")?)
        }
        None => false,
    };
    let (Some(row), true) = (person, allowed) else {
        super::audit(
            env,
            req,
            caller,
            "checkin.create",
            Some(&input.person_id),
            Outcome::Denied,
        )
        .await?;
        return Err(Error::NotFound);
    };
    let (municipality, district) = (
        row.text("municipality_code")?.to_owned(),
        row.text("district_code")?.to_owned(),
    );

    let id = env.new_id();
    let hash = request_hash(&input);
    let results = sql
        .batch(&[
            Statement::new(
                "INSERT INTO checkins (id, event_id, person_id, status, note, observed_at, received_at, reported_by, \
                 lat, lng, idempotency_key, request_hash, after_close, reported_by_name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, \
                 (SELECT closed_at IS NOT NULL FROM events WHERE id = ?2), ?13) \
                 ON CONFLICT (event_id, reported_by, idempotency_key) DO NOTHING",
                vec![
                    id.clone().into(),
                    event_id.into(),
                    input.person_id.clone().into(),
                    status.code().into(),
                    note.into(),
                    observed_at.into(),
                    crate::time::iso8601(now).into(),
                    caller.sub.clone().into(),
                    input.location.map(|l| l.lat).into(),
                    input.location.map(|l| l.lng).into(),
                    key.into(),
                    hash.clone().into(),
                    caller.name.clone().into(),
                ],
            ),
            // Only a row this request inserted can move the latest state.
            Statement::new(
                "INSERT INTO checkin_latest (event_id, person_id, municipality_code, district_code, checkin_id, status, observed_at) \
                 SELECT event_id, person_id, ?2, ?3, id, status, observed_at FROM checkins WHERE id = ?1 \
                 ON CONFLICT (event_id, person_id) DO UPDATE SET checkin_id = excluded.checkin_id, \
                 status = excluded.status, observed_at = excluded.observed_at \
                 WHERE (excluded.observed_at, excluded.checkin_id) > (checkin_latest.observed_at, checkin_latest.checkin_id)",
                vec![id.clone().into(), municipality.into(), district.into()],
            ),
            crate::audit::statement(
                env,
                req,
                Some(&caller.sub),
                "checkin.create",
                Some(&input.person_id),
                Outcome::Allowed,
            ),
            Statement::new(
                format!(
                    "SELECT {CHECKIN_COLUMNS} FROM checkins WHERE event_id = ?1 AND reported_by = ?2 AND idempotency_key = ?3"
                ),
                vec![event_id.into(), caller.sub.clone().into(), key.into()],
            ),
        ])
        .await?;
    let stored = results
        .last()
        .and_then(|rows| rows.first())
        .ok_or_else(|| Error::Internal("check-in not found after writing it".into()))?;
    if stored.text("request_hash")? != hash {
        return Err(Error::IdempotencyKeyReused);
    }
    let checkin = Checkin::from_row(&stored)?;
    let created = checkin.id == id;
    Ok(Recorded { checkin, created })
}
