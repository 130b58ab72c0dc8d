//! The whole region's places, read at once into memory, and mended by what changed since
//! (`resource_changes`, schema/public/0009): what a host keeps (`places`) so that no search
//! near a point reads a cell.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Bound;
use std::sync::Arc;

use super::place::{PLACE_COLUMNS, Place, cell_bytes, place_of};
use crate::env::Env;
use crate::error::Error;
use crate::ports::Database;

/// The cells of a region read whole: 0.6 km × 1.2 km in Japan, the cells of the
/// most common searches (300 m to 2 km); finer cells are answered by their parent, coarser
/// ones by their children (a search tests the distance of every place it is given).
pub(super) const REGION_PRECISION: usize = 6;

/// The places of the region's cells that cover `wanted` (cells of one precision).
pub(super) fn in_region(
    region: &BTreeMap<String, Arc<Vec<Place>>>,
    wanted: &[String],
) -> Vec<Arc<Vec<Place>>> {
    let mut found = Vec::new();
    let mut parents: Vec<&str> = Vec::new();
    for cell in wanted {
        if let Some(parent) = cell.get(..REGION_PRECISION) {
            if !parents.contains(&parent) {
                parents.push(parent);
                found.extend(region.get(parent).cloned());
            }
        } else {
            found.extend(
                region
                    .range::<str, _>((Bound::Included(cell.as_str()), Bound::Unbounded))
                    .take_while(|(key, _)| key.starts_with(cell.as_str()))
                    .map(|(_, places)| Arc::clone(places)),
            );
        }
    }
    found
}

/// Every published place with a position, by cell of [`REGION_PRECISION`], as of one
/// change of the store (`resource_changes`, schema/public/0009).
#[derive(Clone, Default)]
pub(super) struct Region {
    pub cells: BTreeMap<String, Arc<Vec<Place>>>,
    /// The store's name and the last change the places include (`None`: unknown, an empty
    /// region).
    pub seq: Option<(String, i64)>,
    /// What the places are counted at.
    pub bytes: usize,
}

fn cell_of(geohash: &str) -> &str {
    geohash.get(..REGION_PRECISION).unwrap_or(geohash)
}

/// The whole region, `None` when it has more than `limit` places. In geohash order (the
/// index `resources_geo` holds every column read), so a cell's places come together; the
/// last change is read in the same statement, so both are of one moment.
pub(super) async fn load_region(env: &Env, limit: usize) -> Result<Option<Region>, Error> {
    let sql = env.sql(Database::Public).await?;
    let rows = sql
        .query(
            &format!(
                "SELECT (SELECT id FROM resource_changes_origin) AS origin, \
                 (SELECT coalesce(max(seq), 0) FROM resource_changes) AS seq, \
                 r.geohash, {PLACE_COLUMNS} FROM resources r \
                 WHERE r.geohash >= '' AND +r.status = 'published' ORDER BY r.geohash LIMIT ?1"
            ),
            &[i64::try_from(limit.saturating_add(1))
                .unwrap_or(i64::MAX)
                .into()],
        )
        .await?;
    if rows.len() > limit {
        return Ok(None);
    }
    let mut region = Region::default();
    let mut cell = String::new();
    let mut places = Vec::new();
    for row in rows.iter() {
        if region.seq.is_none() {
            region.seq = Some((row.text("origin")?.to_owned(), row.int("seq")?));
        }
        let Some(place) = place_of(&row)? else {
            continue;
        };
        let of = cell_of(row.text("geohash")?);
        if of != cell {
            if !places.is_empty() {
                region.bytes += cell_bytes(&cell, &places);
                region.cells.insert(
                    std::mem::take(&mut cell),
                    Arc::new(std::mem::take(&mut places)),
                );
            }
            of.clone_into(&mut cell);
        }
        places.push(place);
    }
    if !places.is_empty() {
        region.bytes += cell_bytes(&cell, &places);
        region.cells.insert(cell, Arc::new(places));
    }
    Ok(Some(region))
}

/// `base` with the places changed since it was read (at most `most` changes) read again:
/// only their cells are made anew. `None` when it can not be mended (changes it missed were
/// dropped, too many changed, its moment is unknown): the region is read again.
pub(super) async fn mend_region(
    env: &Env,
    base: &Region,
    most: usize,
) -> Result<Option<Region>, Error> {
    let Some((origin, seq)) = &base.seq else {
        return Ok(None);
    };
    let seq = *seq;
    let sql = env.sql(Database::Public).await?;
    // One statement: the store's name, the changes and the places as they are now, of one
    // moment; one row with no change when nothing changed.
    let rows = sql
        .query(
            &format!(
                "SELECT o.id AS origin, c.seq AS change, c.id AS changed, c.old_geohash, \
                 (SELECT min(seq) FROM resource_changes) AS oldest, \
                 r.status, r.geohash, {PLACE_COLUMNS} \
                 FROM resource_changes_origin o \
                 LEFT JOIN resource_changes c ON c.seq > ?1 \
                 LEFT JOIN resources r ON r.id = c.id ORDER BY c.seq LIMIT ?2"
            ),
            &[
                seq.into(),
                i64::try_from(most.saturating_add(1))
                    .unwrap_or(i64::MAX)
                    .into(),
            ],
        )
        .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    if first.text("origin")? != origin.as_str() {
        return Ok(None);
    }
    if first.opt_int("change")?.is_none() {
        return Ok(Some(base.clone()));
    }
    if rows.len() > most || first.int("oldest")? > seq + 1 {
        return Ok(None);
    }
    let mut changed: HashSet<String> = HashSet::new();
    let mut touched: HashSet<String> = HashSet::new();
    // Each changed place as it is now, in its cell (`None`: no longer searched near).
    let mut now: HashMap<String, Option<(String, Place)>> = HashMap::new();
    let mut last = seq;
    for row in rows.iter() {
        last = row.int("change")?;
        let id = row.text("changed")?;
        changed.insert(id.to_owned());
        if let Some(old) = row.opt_text("old_geohash")? {
            touched.insert(cell_of(old).to_owned());
        }
        let current = match (row.opt_text("status")?, row.opt_text("geohash")?) {
            (Some("published"), Some(hash)) => {
                place_of(&row)?.map(|place| (cell_of(hash).to_owned(), place))
            }
            _ => None,
        };
        if let Some((cell, _)) = &current {
            touched.insert(cell.clone());
        }
        now.insert(id.to_owned(), current);
    }
    let mut region = Region {
        cells: base.cells.clone(),
        seq: Some((origin.clone(), last)),
        bytes: base.bytes,
    };
    for cell in &touched {
        let mut places: Vec<Place> = match region.cells.remove(cell) {
            Some(old) => {
                region.bytes = region.bytes.saturating_sub(cell_bytes(cell, &old));
                old.iter()
                    .filter(|p| !changed.contains(p.id()))
                    .cloned()
                    .collect()
            }
            None => Vec::new(),
        };
        places.extend(
            now.values()
                .flatten()
                .filter(|(of, _)| of == cell)
                .map(|(_, place)| place.clone()),
        );
        if !places.is_empty() {
            region.bytes += cell_bytes(cell, &places);
            region.cells.insert(cell.clone(), Arc::new(places));
        }
    }
    Ok(Some(region))
}
