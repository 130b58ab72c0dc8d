//! The HQ's live totals per municipality and district, the 要確認 list (the follow-up list
//! once the event is closed) and their CSV.
//!
//! Totals read counters that triggers keep in the same transactions as the writes: people
//! per district (register imports) and reports per district (check-ins). The cost grows with
//! the number of districts, not with the register or the number of check-ins.

use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde::ser::SerializeStruct;
use serde_json::value::RawValue;

use super::events::{self, Event};
use crate::audit::Outcome;
use crate::auth::token::Subject;
use crate::env::Env;
use crate::error::Error;
use crate::http::Request;
use crate::ports::{Database, Value};

#[derive(Debug, Serialize, Default, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub total: i64,
    pub safe: i64,
    pub needs_attention: i64,
    pub not_yet: i64,
}

impl Totals {
    fn add(&mut self, other: &Totals) {
        self.total += other.total;
        self.safe += other.safe;
        self.needs_attention += other.needs_attention;
        self.not_yet += other.not_yet;
    }
}

#[derive(Debug, Serialize)]
pub struct DistrictTotals {
    pub code: String,
    pub name: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    #[serde(flatten)]
    pub totals: Totals,
}

#[derive(Debug, Serialize)]
pub struct MunicipalityTotals {
    pub code: String,
    pub totals: Totals,
    pub districts: Vec<DistrictTotals>,
}

/// An event's figures for a set of towns, as read at one `figures_version`.
#[derive(Debug)]
pub struct Figures {
    pub totals: Totals,
    pub municipalities: Vec<MunicipalityTotals>,
    /// `municipalities` as JSON, written once per version: every poll after the first
    /// copies it instead of reading and writing 200 districts again.
    municipalities_json: Box<RawValue>,
}

impl Figures {
    fn new(totals: Totals, municipalities: Vec<MunicipalityTotals>) -> Result<Figures, Error> {
        let municipalities_json = serde_json::value::to_raw_value(&municipalities)
            .map_err(|e| Error::Internal(format!("summary as JSON: {e}")))?;
        Ok(Figures {
            totals,
            municipalities,
            municipalities_json,
        })
    }
}

#[derive(Debug)]
pub struct Summary {
    pub event: Event,
    pub generated_at: String,
    pub figures: Arc<Figures>,
}

impl Serialize for Summary {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut out = serializer.serialize_struct("Summary", 4)?;
        out.serialize_field("event", &self.event)?;
        out.serialize_field("generated_at", &self.generated_at)?;
        out.serialize_field("totals", &self.figures.totals)?;
        out.serialize_field("municipalities", &self.figures.municipalities_json)?;
        out.end()
    }
}

/// Figures this instance has read, each with the `figures_version` it was read at: a poll
/// that finds the version unchanged is answered from here. Bounded by entries and bytes (a
/// prefecture's HQ may see thousands of districts; a Worker isolate has 128 MB). The local
/// host's process and each Worker isolate hold one; on Spin it lives for one request.
pub struct KeptFigures {
    entries: Mutex<Vec<Kept>>,
}

struct Kept {
    event_id: String,
    towns: Vec<String>,
    version: i64,
    figures: Arc<Figures>,
}

const MAX_KEPT: usize = 16;
/// Of JSON; the structured copy beside it is about as large again.
const MAX_KEPT_BYTES: usize = 4 * 1024 * 1024;

impl KeptFigures {
    pub const fn new() -> KeptFigures {
        KeptFigures {
            entries: Mutex::new(Vec::new()),
        }
    }

    fn get(&self, event_id: &str, towns: &[String], version: i64) -> Option<Arc<Figures>> {
        // A panic while holding the lock leaves at worst an entry of an old version: reuse.
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .iter()
            .find(|k| k.version == version && k.event_id == event_id && k.towns == towns)
            .map(|k| Arc::clone(&k.figures))
    }

    fn put(&self, event_id: &str, towns: &[String], version: i64, figures: &Arc<Figures>) {
        let size = figures.municipalities_json.get().len();
        if size > MAX_KEPT_BYTES / 4 {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        // The version is one for the whole store and only grows: figures of an older one
        // are never asked for again, and a slower read must not replace a newer one.
        if entries.iter().any(|k| k.version > version) {
            return;
        }
        entries.retain(|k| k.version == version && !(k.event_id == event_id && k.towns == towns));
        let bytes = |e: &Vec<Kept>| -> usize {
            e.iter()
                .map(|k| k.figures.municipalities_json.get().len())
                .sum()
        };
        while !entries.is_empty()
            && (entries.len() >= MAX_KEPT || bytes(&entries) + size > MAX_KEPT_BYTES)
        {
            entries.remove(0);
        }
        entries.push(Kept {
            event_id: event_id.to_owned(),
            towns: towns.to_vec(),
            version,
            figures: Arc::clone(figures),
        });
    }
}

impl Default for KeptFigures {
    fn default() -> Self {
        KeptFigures::new()
    }
}

/// The event, if the caller is staff (or HQ) of at least one town it covers; the towns the
/// caller may see named people of.
/// How a read of the event's figures is recorded in the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Logged {
    /// A screen polling the live totals: once per caller and event a minute.
    OncePerMinute,
    /// An export, or a list of people: every time.
    EveryTime,
}

async fn for_staff(
    env: &Env,
    req: &Request,
    caller: &Subject,
    event_id: &str,
    (action, logged): (&str, Logged),
) -> Result<(Event, Vec<String>), Error> {
    let event = events::visible(env, req, caller, event_id, action).await?;
    let towns: Vec<String> = super::staff_towns(caller, &event)
        .into_iter()
        .cloned()
        .collect();
    if towns.is_empty() {
        super::audit(env, req, caller, action, Some(event_id), Outcome::Denied).await?;
        return Err(Error::Forbidden);
    }
    match logged {
        Logged::OncePerMinute => {
            crate::audit::record_poll_in(
                env,
                crate::ports::Database::Disaster,
                req,
                &caller.sub,
                action,
                event_id,
            )
            .await?
        }
        Logged::EveryTime => {
            super::audit(env, req, caller, action, Some(event_id), Outcome::Allowed).await?
        }
    }
    Ok((event, towns))
}

/// Districts with fewer people than this show no centroid: with one person it is their home.
pub const MIN_PEOPLE_FOR_CENTROID: i64 = 3;

/// Live totals of the event by municipality and district, for the caller's towns; from
/// `kept` when nothing they are made of has changed since it was read.
pub async fn summary(
    env: &Env,
    req: &Request,
    caller: &Subject,
    event_id: &str,
    logged: Logged,
    kept: &KeptFigures,
) -> Result<Summary, Error> {
    let (event, towns) = for_staff(env, req, caller, event_id, ("event.summary", logged)).await?;
    let sql = env.sql(Database::Disaster).await?;
    // Read before the figures: a write between the two makes the figures newer than the
    // version they are kept under, so the next poll reads again; never the other way.
    let version = sql
        .query("SELECT version FROM figures_version WHERE id = 1", &[])
        .await?
        .first()
        .map(|row| row.int("version"))
        .transpose()?
        .unwrap_or_default();
    let figures = match kept.get(event_id, &towns, version) {
        Some(figures) => figures,
        None => {
            let figures = Arc::new(read_figures(&*sql, event_id, &towns).await?);
            kept.put(event_id, &towns, version, &figures);
            figures
        }
    };
    Ok(Summary {
        event,
        generated_at: crate::time::iso8601(env.clock.now_millis()),
        figures,
    })
}

async fn read_figures(
    sql: &dyn crate::ports::Sql,
    event_id: &str,
    towns: &[String],
) -> Result<Figures, Error> {
    let mut params: Vec<Value> = vec![event_id.into(), MIN_PEOPLE_FOR_CENTROID.into()];
    let marks = crate::ports::bind_list(&mut params, towns.iter().cloned());
    // Only the caller's towns; a district's centroid (the mean of its people's homes) only
    // when enough people are in it that it points at no one's home.
    let rows = sql
        .query(
            &format!(
                "SELECT d.municipality_code, d.code AS district_code, d.name, \
                 CASE WHEN d.people >= ?2 THEN d.lat END AS lat, CASE WHEN d.people >= ?2 THEN d.lng END AS lng, \
                 d.people AS total, coalesce(t.safe, 0) AS safe, coalesce(t.needs_attention, 0) AS needs_attention \
                 FROM districts d \
                 JOIN event_municipalities em ON em.event_id = ?1 AND em.municipality_code = d.municipality_code \
                 LEFT JOIN event_district_totals t ON t.event_id = ?1 AND t.municipality_code = d.municipality_code \
                      AND t.district_code = d.code \
                 WHERE d.people > 0 AND d.municipality_code IN ({marks}) \
                 ORDER BY d.municipality_code, d.code"
            ),
            &params,
        )
        .await?;
    let mut municipalities: Vec<MunicipalityTotals> = towns
        .iter()
        .map(|code| MunicipalityTotals {
            code: code.clone(),
            totals: Totals::default(),
            districts: Vec::new(),
        })
        .collect();
    let mut all = Totals::default();
    for row in rows.iter() {
        let (total, safe, attention) = (
            row.int("total")?,
            row.int("safe")?,
            row.int("needs_attention")?,
        );
        let totals = Totals {
            total,
            safe,
            needs_attention: attention,
            not_yet: (total - safe - attention).max(0),
        };
        all.add(&totals);
        let code = row.text("municipality_code")?;
        if let Some(town) = municipalities.iter_mut().find(|m| m.code == code) {
            town.totals.add(&totals);
            town.districts.push(DistrictTotals {
                code: row.text("district_code")?.to_owned(),
                name: row.opt_text("name")?.map(str::to_owned),
                lat: row.opt_real("lat")?,
                lng: row.opt_real("lng")?,
                totals,
            });
        }
    }
    Figures::new(all, municipalities)
}

/// The summary as CSV: one row per district, then one per town and the grand total.
pub fn summary_csv(summary: &Summary) -> Result<Vec<u8>, Error> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    let line = |town: &str, code: &str, name: &str, t: &Totals| {
        let reported = t.safe + t.needs_attention;
        let share = if t.total > 0 {
            format!("{:.1}", reported as f64 * 100.0 / t.total as f64)
        } else {
            String::new()
        };
        vec![
            town.to_owned(),
            code.to_owned(),
            name.to_owned(),
            t.total.to_string(),
            t.safe.to_string(),
            t.needs_attention.to_string(),
            t.not_yet.to_string(),
            share,
        ]
    };
    for town in &summary.figures.municipalities {
        for d in &town.districts {
            rows.push(line(
                &town.code,
                &d.code,
                d.name.as_deref().unwrap_or(""),
                &d.totals,
            ));
        }
        rows.push(line(&town.code, "", "市区町村計", &town.totals));
    }
    rows.push(line("", "", "合計", &summary.figures.totals));
    crate::csv_table::write(
        &[
            "市区町村コード",
            "地区コード",
            "地区名",
            "対象者数",
            "安全確認済み",
            "要確認",
            "未確認",
            "報告率(%)",
        ],
        rows,
    )
}

#[derive(Debug, Serialize)]
pub struct AttentionItem {
    pub person_id: String,
    pub name: String,
    pub municipality_code: String,
    pub district_code: String,
    pub district_name: Option<String>,
    pub address: String,
    pub phone: Option<String>,
    pub note: Option<String>,
    pub observed_at: String,
    pub reported_by: String,
    /// The reporter's name as their token carried it (absent for older check-ins).
    pub reported_by_name: Option<String>,
}

/// People whose latest check-in is 要確認, oldest first: the list the HQ works through,
/// and after closing the follow-up list (継続支援).
pub async fn attention(
    env: &Env,
    req: &Request,
    caller: &Subject,
    event_id: &str,
) -> Result<Vec<AttentionItem>, Error> {
    let (_, towns) = for_staff(
        env,
        req,
        caller,
        event_id,
        ("event.attention", Logged::EveryTime),
    )
    .await?;
    let mut params: Vec<Value> = vec![event_id.into()];
    let marks = crate::ports::bind_list(&mut params, towns.iter().cloned());
    let sql = env.sql(Database::Disaster).await?;
    let rows = sql
        .query(
            &format!(
                "SELECT p.id, p.name, p.municipality_code, p.district_code, d.name AS district_name, p.address, p.phone, \
                 c.note, l.observed_at, c.reported_by, c.reported_by_name FROM checkin_latest l \
                 JOIN checkins c ON c.id = l.checkin_id \
                 JOIN register_people p ON p.id = l.person_id \
                 LEFT JOIN districts d ON d.municipality_code = p.municipality_code AND d.code = p.district_code \
                 WHERE l.event_id = ?1 AND l.status = 'needs_attention' AND p.municipality_code IN ({marks}) \
                 ORDER BY l.observed_at, p.id LIMIT 5000"
            ),
            &params,
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            Ok(AttentionItem {
                person_id: r.text("id")?.to_owned(),
                name: r.text("name")?.to_owned(),
                municipality_code: r.text("municipality_code")?.to_owned(),
                district_code: r.text("district_code")?.to_owned(),
                district_name: r.opt_text("district_name")?.map(str::to_owned),
                address: r.text("address")?.to_owned(),
                phone: r.opt_text("phone")?.map(str::to_owned),
                note: r.opt_text("note")?.map(str::to_owned),
                observed_at: r.text("observed_at")?.to_owned(),
                reported_by: r.text("reported_by")?.to_owned(),
                reported_by_name: r.opt_text("reported_by_name")?.map(str::to_owned),
            })
        })
        .collect::<Result<_, crate::ports::StoreError>>()?)
}
