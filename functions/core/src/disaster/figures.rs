//! An event's figures for a set of towns (people, 安全確認済み, 要確認 and 未確認 per
//! district and town), read from the counters that triggers keep in the same transactions
//! as the writes: people per district (register imports) and reports per district
//! (check-ins). The cost grows with the number of districts, not with the register or the
//! number of check-ins. An instance keeps what it read while `figures_version` (kept by
//! triggers too) is unchanged: every HQ screen polls the same figures.

use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::value::RawValue;

use crate::error::Error;
use crate::ports::{Sql, Value};

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
    pub(super) municipalities_json: Box<RawValue>,
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

    pub(super) fn get(
        &self,
        event_id: &str,
        towns: &[String],
        version: i64,
    ) -> Option<Arc<Figures>> {
        // A panic while holding the lock leaves at worst an entry of an old version: reuse.
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .iter()
            .find(|k| k.version == version && k.event_id == event_id && k.towns == towns)
            .map(|k| Arc::clone(&k.figures))
    }

    pub(super) fn put(
        &self,
        event_id: &str,
        towns: &[String],
        version: i64,
        figures: &Arc<Figures>,
    ) {
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

/// Districts with fewer people than this show no centroid: with one person it is their home.
pub const MIN_PEOPLE_FOR_CENTROID: i64 = 3;

/// The figures as the store has them now.
pub(super) async fn read(
    sql: &dyn Sql,
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
