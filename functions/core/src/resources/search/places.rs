//! Places near a point, kept in the instance's memory per page generation: a surge of
//! residents asking "near me" from a thousand different doorsteps asks the same few
//! hundred geohash cells again and again, and a cell's places read once serve every later
//! search in it until a write makes a new generation. A search then tests its filters and
//! words on the places in memory instead of reading the index again (the index read was
//! half of a cold nearby search: `tests/bench-outside.sh`).
//!
//! Only what the index of places near a point holds is answered here: published places;
//! the category; weekdays, hazards and words. A search that asks for more (a town,
//! facilities, open now) reads SQL as before (`usable`). On Spin an instance lives
//! for one request, so there the cells are read for that request alone.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use super::SearchQuery;
use super::filters::open_now;
use crate::env::Env;
use crate::error::Error;
use crate::geo;
use crate::ports::Database;
use crate::resources::Resource;
use crate::resources::words::Understood;
use crate::text::fold;

/// Longest time places are kept, for writes that make no new generation (the command line
/// writing the database beside a running host), as for the words the network knows.
const TTL_MILLIS: i64 = 60_000;

/// The most bytes of places kept by default (about 100,000 places); beyond it everything
/// is dropped and read again as asked: simpler than an order of use, and a region fits.
const MAX_BYTES: usize = 64 * 1024 * 1024;

/// A published place as a search tests it.
#[derive(Debug)]
pub struct Place {
    pub id: String,
    pub lat: f64,
    pub lng: f64,
    pub category: String,
    pub hazards: i64,
    pub open_days: i64,
    /// The name folded as the search folds words (ranking compares them).
    pub name: String,
    pub sort_key: String,
    /// The folded text the full-text indexes hold: name, kana, description, address…
    pub search_text: String,
}

impl Place {
    fn bytes(&self) -> usize {
        std::mem::size_of::<Place>()
            + self.id.len()
            + self.category.len()
            + self.name.len()
            + self.sort_key.len()
            + self.search_text.len()
    }

    /// The category is `code` or one of its children.
    fn in_category(&self, code: &str) -> bool {
        self.category == code
            || (self.category.len() > code.len()
                && self.category.starts_with(code)
                && self.category.as_bytes()[code.len()] == b'.')
    }

    /// Whether the place passes the search's filters and every one of its words (`forms`:
    /// each term's least forms, worked out once per search).
    fn matches(&self, query: &SearchQuery, understood: &Understood, forms: &[Vec<&str>]) -> bool {
        let mut days = understood.days;
        if let Some(d) = query.open_on {
            days |= 1 << d;
        }
        query
            .category
            .as_deref()
            .is_none_or(|c| self.in_category(c))
            && (days == 0 || self.open_days & days != 0)
            && self.hazards & understood.hazards.0 == understood.hazards.0
            && understood.terms.iter().zip(forms).all(|(term, forms)| {
                forms.iter().any(|form| self.search_text.contains(form))
                    || term.categories.iter().any(|c| self.in_category(c))
            })
    }
}

/// Whether a search near a point can be answered from the places in memory: a place there
/// holds what the index `resources_geo` holds (so that reading a cell reads no table row),
/// which has no town, facilities or hours.
pub fn usable(query: &SearchQuery, understood: &Understood) -> bool {
    query.near.is_some()
        && query.municipality.is_none()
        && understood.town.is_none()
        && understood.facilities.is_empty()
        && !open_now(query, understood)
}

#[derive(Default)]
struct Kept {
    generation: String,
    /// Until when these cells may be used.
    until: i64,
    cells: HashMap<String, Arc<Vec<Place>>>,
    /// Cells a search is reading now: another search that needs one of them asks the store
    /// for its own circle instead of reading the same cells again (in an instance's first
    /// seconds eight searches at once read overlapping cells, each for itself).
    loading: HashSet<String>,
    /// Cells asked for once: read into memory when asked again. A cell asked for once only
    /// is answered from the store's index for the circle alone, cheaper than reading it.
    asked: HashSet<String>,
    bytes: usize,
    /// The full rows of the places a search answered with, by id: the same places answer
    /// many residents of one neighbourhood.
    resources: HashMap<String, Arc<Resource>>,
}

/// Cells remembered as asked for once, at most (~1 MB): an outsider asking around the
/// globe must not grow the set without bound; past it, it starts again.
const MAX_ASKED: usize = 20_000;

/// What a kept cell costs besides its places (its entry in the map).
const CELL_BYTES: usize = 96;

/// The most full rows kept by default (1–2 KB each in memory): the places a surge's
/// searches show.
const MAX_RESOURCES: usize = 20_000;

/// The places of the cells searched so far in this instance, for one page generation.
pub struct Cells {
    kept: Mutex<Option<Kept>>,
    max_bytes: usize,
    max_resources: usize,
}

impl Default for Cells {
    fn default() -> Self {
        Cells::new()
    }
}

impl Cells {
    /// Bounded for a host process: a region's places and a surge's rows.
    pub const fn new() -> Cells {
        Cells::bounded(MAX_BYTES, MAX_RESOURCES)
    }

    /// Bounded by `max_bytes` of places and `max_resources` full rows, for an instance
    /// with less memory to spare than a host process.
    pub const fn bounded(max_bytes: usize, max_resources: usize) -> Cells {
        Cells {
            kept: Mutex::new(None),
            max_bytes,
            max_resources,
        }
    }

    /// What is kept for `generation` and still fresh at `now` (emptied otherwise).
    /// What is given up (an old generation, dropped cells or rows) is freed after the lock
    /// is let go: freeing tens of megabytes under it held up every search near a point.
    fn with<T>(&self, generation: &str, now: i64, f: impl FnOnce(&mut Kept) -> T) -> T {
        // A panic while holding the lock leaves whole cells or none: reuse it.
        let mut guard = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        let kept = guard.get_or_insert_with(Kept::default);
        let stale = (kept.generation != generation || kept.until <= now).then(|| {
            std::mem::replace(
                kept,
                Kept {
                    generation: generation.to_owned(),
                    until: now + TTL_MILLIS,
                    ..Kept::default()
                },
            )
        });
        let out = f(kept);
        drop(guard);
        drop(stale);
        out
    }

    /// The places of the cells covering the search's circle: those kept, and those not yet
    /// kept read from the store in one query (and kept). `None` when one of them is asked
    /// for the first time, or another search is reading it: the caller asks the store for
    /// its circle alone (an instance's first seconds read far fewer places: cold nearby p99
    /// 37–50 ms instead of 66–111 in the first 5 s, `tests/bench-outside.sh`).
    pub async fn matching(
        &self,
        env: &Env,
        generation: &str,
        query: &SearchQuery,
    ) -> Result<Option<Vec<Arc<Vec<Place>>>>, Error> {
        let Some(near) = &query.near else {
            return Ok(Some(Vec::new()));
        };
        let wanted = geo::covering_cells(near.lat, near.lng, near.radius_m);
        let now = env.clock.now_millis();
        let taken = self.with(generation, now, |kept| {
            let mut found = Vec::new();
            let mut missing = Vec::new();
            for cell in &wanted {
                match kept.cells.get(cell) {
                    Some(places) => found.push(Arc::clone(places)),
                    None if kept.loading.contains(cell) => return None,
                    None => missing.push(cell.clone()),
                }
            }
            if missing.iter().any(|cell| !kept.asked.contains(cell)) {
                if kept.asked.len() > MAX_ASKED {
                    kept.asked.clear();
                }
                kept.asked.extend(missing);
                return None;
            }
            kept.loading.extend(missing.iter().cloned());
            Some((found, missing))
        });
        let Some((mut found, missing)) = taken else {
            return Ok(None);
        };
        if !missing.is_empty() {
            // Let go of the cells however this ends, a failed read or a search dropped.
            let _loading = Loading {
                cells: self,
                generation,
                missing: &missing,
            };
            let read = load(env, &missing).await?;
            let dropped = self.with(generation, now, |kept| {
                // An empty cell costs its entry: searches far from any place (an outsider
                // asking around the globe) must not grow the map without bound.
                let size: usize = read
                    .iter()
                    .map(|(cell, places)| {
                        CELL_BYTES + cell.len() + places.iter().map(Place::bytes).sum::<usize>()
                    })
                    .sum();
                let dropped = if kept.bytes + size > self.max_bytes {
                    kept.bytes = 0;
                    std::mem::take(&mut kept.cells)
                } else {
                    HashMap::new()
                };
                kept.bytes += size;
                for (cell, places) in &read {
                    kept.cells.insert(cell.clone(), Arc::clone(places));
                }
                dropped
            });
            drop(dropped);
            found.extend(read.into_values());
        }
        Ok(Some(found))
    }
}

/// Cells one search is reading; dropped, they are no longer marked as being read.
struct Loading<'a> {
    cells: &'a Cells,
    generation: &'a str,
    missing: &'a [String],
}

impl Drop for Loading<'_> {
    fn drop(&mut self) {
        let mut guard = self.cells.kept.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(kept) = guard.as_mut()
            && kept.generation == self.generation
        {
            for cell in self.missing {
                kept.loading.remove(cell);
            }
        }
    }
}

impl Cells {
    /// The bytes the kept cells are counted at (what `max_bytes` bounds).
    pub fn bytes(&self) -> usize {
        let guard = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        guard.as_ref().map_or(0, |kept| kept.bytes)
    }

    /// The kept full rows of `ids` for the generation (those not kept are left out).
    pub fn resources(&self, generation: &str, now: i64, ids: &[&str]) -> Vec<Arc<Resource>> {
        self.with(generation, now, |kept| {
            ids.iter()
                .filter_map(|id| kept.resources.get(*id).map(Arc::clone))
                .collect()
        })
    }

    /// Keeps full rows read for the generation.
    pub fn keep_resources(&self, generation: &str, now: i64, read: &[Arc<Resource>]) {
        let dropped = self.with(generation, now, |kept| {
            let dropped = if kept.resources.len() + read.len() > self.max_resources {
                std::mem::take(&mut kept.resources)
            } else {
                HashMap::new()
            };
            for resource in read {
                kept.resources
                    .insert(resource.id.clone(), Arc::clone(resource));
            }
            dropped
        });
        drop(dropped);
    }
}

/// The places in the box around the circle that pass the search, from `cells`.
pub fn candidates<'a>(
    cells: &'a [Arc<Vec<Place>>],
    query: &'a SearchQuery,
    understood: &'a Understood,
) -> impl Iterator<Item = &'a Place> + 'a {
    let (lat_range, lng_range) = match &query.near {
        Some(near) => {
            let dlat = (near.radius_m / geo::EARTH_RADIUS_M).to_degrees();
            let dlng = dlat / near.lat.to_radians().cos().max(0.01);
            (
                (near.lat - dlat)..=(near.lat + dlat),
                (near.lng - dlng)..=(near.lng + dlng),
            )
        }
        None => (0.0..=0.0, 0.0..=0.0),
    };
    let forms: Vec<Vec<&str>> = understood.terms.iter().map(|t| t.least_forms()).collect();
    cells
        .iter()
        .flat_map(|places| places.iter())
        .filter(move |p| lat_range.contains(&p.lat) && lng_range.contains(&p.lng))
        .filter(move |p| p.matches(query, understood, &forms))
}

/// Reads the published places of `cells` (geohash prefixes) in one query.
async fn load(env: &Env, cells: &[String]) -> Result<HashMap<String, Arc<Vec<Place>>>, Error> {
    let ranges: Vec<(&str, String)> = cells
        .iter()
        .map(|cell| {
            let end = geo::successor(cell).unwrap_or_else(|| "{".into());
            (cell.as_str(), end)
        })
        .collect();
    let ranges = serde_json::to_string(&ranges).map_err(|e| Error::Internal(e.to_string()))?;
    let sql = env.sql(Database::Public).await?;
    let rows = sql
        .query(
            "SELECT cell.key AS cell, r.id, r.lat, r.lng, r.category, r.hazards, \
             r.open_days, r.name, r.sort_key, r.search_text \
             FROM json_each(?1) AS cell CROSS JOIN resources r \
             WHERE r.geohash >= json_extract(cell.value, '$[0]') \
             AND r.geohash < json_extract(cell.value, '$[1]') AND +r.status = 'published'",
            &[ranges.into()],
        )
        .await?;
    let mut read: HashMap<String, Vec<Place>> =
        cells.iter().map(|c| (c.clone(), Vec::new())).collect();
    for row in rows.iter() {
        let index = usize::try_from(row.int("cell")?).unwrap_or(usize::MAX);
        let Some(cell) = cells.get(index) else {
            continue;
        };
        let (Some(lat), Some(lng)) = (row.opt_real("lat")?, row.opt_real("lng")?) else {
            continue;
        };
        let place = Place {
            id: row.text("id")?.to_owned(),
            lat,
            lng,
            category: row.text("category")?.to_owned(),
            hazards: row.int("hazards")?,
            open_days: row.int("open_days")?,
            name: fold(row.text("name")?),
            sort_key: row.text("sort_key")?.to_owned(),
            search_text: row.text("search_text")?.to_owned(),
        };
        if let Some(places) = read.get_mut(cell) {
            places.push(place);
        }
    }
    Ok(read.into_iter().map(|(c, p)| (c, Arc::new(p))).collect())
}
