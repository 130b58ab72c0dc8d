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
//!
//! A host that has the memory keeps the whole region instead, read off the request path
//! (`keep_region_fresh`, the portal's work after responses): before it serves, then after
//! each write mended by what changed (`resource_changes`). Reading the cells as residents
//! ask set the p99 of an instance's first second (p50 15 ms, p99 92 ms there against 7 and
//! 15 once the cells were kept: `tests/bench-outside.sh`); reading the region on a
//! request's path made that second worse (one search held for 350 ms while the rest raced
//! it), and reading it whole after each write left the 5 s after it at p99 46–72 ms.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use super::SearchQuery;
use super::place::{Place, cell_bytes, load};
use super::region::{Region, in_region, load_region, mend_region};
use crate::env::Env;
use crate::error::Error;
use crate::geo;
use crate::resources::Resource;

/// Longest time places and full rows are kept, for writes that make no new generation (a
/// tool other than ours writing the database), as for the words the network knows.
const TTL_MILLIS: i64 = 60_000;

/// The most bytes of places kept by default (about 100,000 places); beyond it everything
/// is dropped and read again as asked: simpler than an order of use, and a region fits.
const MAX_BYTES: usize = 64 * 1024 * 1024;

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
    /// Every place, when this host keeps the region: then no cell is read.
    region: Option<Region>,
    /// The region kept for the generation before (or until `until` passed), mended by what
    /// changed since instead of read again.
    base: Option<Region>,
    reading: Reading,
}

#[derive(Default, PartialEq)]
enum Reading {
    #[default]
    Idle,
    /// Being read (off the request path); searches read cells as asked meanwhile.
    Now,
    /// More places than the bound allows: cells are read one by one as asked.
    TooLarge,
}

/// Cells remembered as asked for once, at most (~1 MB): an outsider asking around the
/// globe must not grow the set without bound; past it, it starts again.
const MAX_ASKED: usize = 20_000;

/// Changes mended into a kept region at most; more (an import of a town's file) and it is
/// read again.
const MOST_CHANGES: usize = 5_000;

/// What one place is counted at, at least, when deciding how many rows a region read may
/// bring (the exact bytes are checked after).
const MIN_PLACE_BYTES: usize = 200;

/// The most full rows kept by default (1–2 KB each in memory): the places a surge's
/// searches show.
const MAX_RESOURCES: usize = 20_000;

/// The places of the cells searched so far in this instance, for one page generation.
pub struct Cells {
    kept: Mutex<Option<Kept>>,
    max_bytes: usize,
    max_resources: usize,
    /// Whether a surge reads the whole region at once (a host process: its instance lives
    /// on; not on Spin, where it lives for one request, nor on a Worker, where one D1 read of
    /// tens of thousands of rows would meet D1's limits).
    reads_regions: bool,
}

impl Default for Cells {
    fn default() -> Self {
        Cells::new()
    }
}

impl Cells {
    /// Bounded for a host process: a region's places and a surge's rows; the region read
    /// whole in a surge when it fits.
    pub const fn new() -> Cells {
        Cells::with_bounds(MAX_BYTES, MAX_RESOURCES, true)
    }

    /// Bounded by `max_bytes` of places and `max_resources` full rows, for an instance
    /// with less memory to spare than a host process; cells read one by one as asked.
    pub const fn bounded(max_bytes: usize, max_resources: usize) -> Cells {
        Cells::with_bounds(max_bytes, max_resources, false)
    }

    /// Bounded as [`Cells::bounded`], the whole region read in a surge when it fits.
    pub const fn reading_regions(max_bytes: usize, max_resources: usize) -> Cells {
        Cells::with_bounds(max_bytes, max_resources, true)
    }

    const fn with_bounds(max_bytes: usize, max_resources: usize, reads_regions: bool) -> Cells {
        Cells {
            kept: Mutex::new(None),
            max_bytes,
            max_resources,
            reads_regions,
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
            let mut old = std::mem::replace(
                kept,
                Kept {
                    generation: generation.to_owned(),
                    until: now + TTL_MILLIS,
                    ..Kept::default()
                },
            );
            kept.base = old.region.take().or_else(|| old.base.take());
            // A region too large stays so: read again after every write, it would cost a
            // full read (a second of a core past 64 MB) each time to be refused again.
            if old.reading == Reading::TooLarge {
                kept.reading = Reading::TooLarge;
            }
            old
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
        let (plan, wants_region) = self.with(generation, now, |kept| {
            (self.plan(kept, &wanted), self.wants_region(kept))
        });
        if wants_region {
            env.defer();
        }
        let (mut found, missing) = match plan {
            Plan::Store => return Ok(None),
            Plan::Kept(found) => return Ok(Some(found)),
            Plan::Cells(found, missing) => (found, missing),
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
                    .map(|(cell, places)| cell_bytes(cell, places))
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

/// How one search near a point gets its places.
enum Plan {
    /// From the store's index, for its circle alone.
    Store,
    /// All kept.
    Kept(Vec<Arc<Vec<Place>>>),
    /// Those kept, and the missing cells read by this search.
    Cells(Vec<Arc<Vec<Place>>>, Vec<String>),
}

impl Cells {
    fn plan(&self, kept: &mut Kept, wanted: &[String]) -> Plan {
        if let Some(region) = &kept.region {
            return Plan::Kept(in_region(&region.cells, wanted));
        }
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for cell in wanted {
            match kept.cells.get(cell) {
                Some(places) => found.push(Arc::clone(places)),
                None if kept.loading.contains(cell) => return Plan::Store,
                None => missing.push(cell.clone()),
            }
        }
        if missing.is_empty() {
            return Plan::Kept(found);
        }
        if missing.iter().any(|cell| !kept.asked.contains(cell)) {
            if kept.asked.len() > MAX_ASKED {
                kept.asked.clear();
            }
            kept.asked.extend(missing);
            return Plan::Store;
        }
        kept.loading.extend(missing.iter().cloned());
        Plan::Cells(found, missing)
    }

    /// Whether the region should be read: this host keeps regions, and has none for this
    /// generation (nor is reading one, nor found it too large).
    fn wants_region(&self, kept: &Kept) -> bool {
        self.reads_regions && kept.region.is_none() && kept.reading == Reading::Idle
    }

    /// Keeps every published place for `generation` when they fit, if the region is wanted
    /// (see `wants_region`): the region kept before mended by what changed since (a few
    /// rows), or read whole (100,000 rows: 0.4 s of a core). Searches near a point then
    /// read no cell. For a host's work after responses, never a request's path.
    pub async fn keep_region_fresh(&self, env: &Env, generation: &str) -> Result<(), Error> {
        let now = env.clock.now_millis();
        let base = self.with(generation, now, |kept| {
            if !self.wants_region(kept) {
                return None;
            }
            kept.reading = Reading::Now;
            Some(kept.base.take())
        });
        let Some(base) = base else {
            return Ok(());
        };
        let _reading = ReadingRegion {
            cells: self,
            generation,
        };
        let mended = match &base {
            Some(base) => mend_region(env, base, MOST_CHANGES).await?,
            None => None,
        };
        drop(base);
        let read = match mended {
            Some(region) => Some(region),
            None => load_region(env, self.max_bytes / MIN_PLACE_BYTES).await?,
        };
        let dropped = self.with(generation, now, |kept| match read {
            Some(region) if region.bytes <= self.max_bytes => {
                kept.bytes = region.bytes;
                kept.region = Some(region);
                kept.reading = Reading::Idle;
                kept.asked = HashSet::new();
                std::mem::take(&mut kept.cells)
            }
            _ => {
                kept.reading = Reading::TooLarge;
                HashMap::new()
            }
        });
        drop(dropped);
        Ok(())
    }
}

/// The region being read; dropped before it is kept (a failed read), it may be read again.
struct ReadingRegion<'a> {
    cells: &'a Cells,
    generation: &'a str,
}

impl Drop for ReadingRegion<'_> {
    fn drop(&mut self) {
        let mut guard = self.cells.kept.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(kept) = guard.as_mut()
            && kept.generation == self.generation
            && kept.reading == Reading::Now
        {
            kept.reading = Reading::Idle;
        }
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
    /// Whether this instance keeps whole regions (see `keep_region_fresh`).
    pub fn reads_regions(&self) -> bool {
        self.reads_regions
    }

    /// Whether the places of every cell are kept (the region was read and fits).
    pub fn holds_region(&self) -> bool {
        let guard = self.kept.lock().unwrap_or_else(|p| p.into_inner());
        guard.as_ref().is_some_and(|kept| kept.region.is_some())
    }

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

    /// Keeps full rows read for the generation, up to the bound: those asked first stay
    /// until the generation (or `until`) ends. Dropping them all when full, as before,
    /// freed 20,000 rows four times a second under random free-text searches, in a
    /// request's time: p99 21–25 ms, 13–17 with the first kept (tests/bench-outside.sh).
    pub fn keep_resources(&self, generation: &str, now: i64, read: &[Arc<Resource>]) {
        self.with(generation, now, |kept| {
            let room = self.max_resources.saturating_sub(kept.resources.len());
            for resource in read.iter().take(room) {
                kept.resources
                    .insert(resource.id.clone(), Arc::clone(resource));
            }
        });
    }
}
