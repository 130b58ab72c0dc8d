//! A place as a search near a point tests it (what the index `resources_geo` holds:
//! position, category, weekdays, hazards, words), and how places are read from the store:
//! the cells a search covers (the whole region: `region`).

use std::collections::HashMap;
use std::sync::Arc;

use super::SearchQuery;
use super::filters::open_now;
use crate::env::Env;
use crate::error::Error;
use crate::geo;
use crate::ports::Database;
use crate::resources::words::Understood;
use crate::text::fold;

/// A published place as a search tests it. Its five texts are one allocation (100,000
/// places are read at once into memory: five allocations each were a quarter of the read).
#[derive(Clone, Debug)]
pub struct Place {
    pub lat: f64,
    pub lng: f64,
    pub hazards: i64,
    pub open_days: i64,
    /// id, category, folded name, sort key and folded words, one after the other.
    text: Box<str>,
    /// Where each of the first four ends in `text`.
    ends: [u32; 4],
}

impl Place {
    /// `name` is folded here, as the search folds words (ranking compares them); the words
    /// (`search_text`, what the full-text indexes hold: name, kana, description, address…)
    /// are stored folded.
    fn new(
        [lat, lng]: [f64; 2],
        [hazards, open_days]: [i64; 2],
        [id, category, name, sort_key, search_text]: [&str; 5],
    ) -> Place {
        let name = fold(name);
        let mut text = String::with_capacity(
            id.len() + category.len() + name.len() + sort_key.len() + search_text.len(),
        );
        let mut ends = [0u32; 4];
        for (end, part) in ends.iter_mut().zip([id, category, name.as_str(), sort_key]) {
            text.push_str(part);
            // A place's texts are far below 4 GB (the store bounds a row at 2 MB).
            *end = u32::try_from(text.len()).unwrap_or(u32::MAX);
        }
        text.push_str(search_text);
        Place {
            lat,
            lng,
            hazards,
            open_days,
            text: text.into_boxed_str(),
            ends,
        }
    }

    fn part(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        let end = self.ends.get(i).map_or(self.text.len(), |e| *e as usize);
        self.text.get(start..end).unwrap_or_default()
    }

    pub fn id(&self) -> &str {
        self.part(0)
    }

    pub fn category(&self) -> &str {
        self.part(1)
    }

    /// Folded.
    pub fn name(&self) -> &str {
        self.part(2)
    }

    pub fn sort_key(&self) -> &str {
        self.part(3)
    }

    pub fn search_text(&self) -> &str {
        self.part(4)
    }

    fn bytes(&self) -> usize {
        std::mem::size_of::<Place>() + self.text.len()
    }

    /// The category is `code` or one of its children.
    fn in_category(&self, code: &str) -> bool {
        let category = self.category();
        category == code
            || (category.len() > code.len()
                && category.starts_with(code)
                && category.as_bytes()[code.len()] == b'.')
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
                // The category first: a few bytes compared, where the words are searched.
                term.categories.iter().any(|c| self.in_category(c))
                    || forms.iter().any(|form| self.search_text().contains(form))
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

/// What a kept cell costs besides its places (its entry in the map).
const CELL_BYTES: usize = 96;

/// What a cell and its places are counted at against the bound on kept bytes.
pub(super) fn cell_bytes(cell: &str, places: &[Place]) -> usize {
    CELL_BYTES + cell.len() + places.iter().map(Place::bytes).sum::<usize>()
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
pub(super) async fn load(
    env: &Env,
    cells: &[String],
) -> Result<HashMap<String, Arc<Vec<Place>>>, Error> {
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
            &format!(
                "SELECT cell.key AS cell, {PLACE_COLUMNS} \
                 FROM json_each(?1) AS cell CROSS JOIN resources r \
                 WHERE r.geohash >= json_extract(cell.value, '$[0]') \
                 AND r.geohash < json_extract(cell.value, '$[1]') AND +r.status = 'published'"
            ),
            &[ranges.into()],
        )
        .await?;
    let mut read: HashMap<String, Vec<Place>> =
        cells.iter().map(|c| (c.clone(), Vec::new())).collect();
    for row in rows.iter() {
        let index = usize::try_from(row.int("cell")?).unwrap_or(usize::MAX);
        if let (Some(cell), Some(place)) = (cells.get(index), place_of(&row)?)
            && let Some(places) = read.get_mut(cell)
        {
            places.push(place);
        }
    }
    Ok(read.into_iter().map(|(c, p)| (c, Arc::new(p))).collect())
}

/// What a place is read as, by `load` and `load_region`.
pub(super) const PLACE_COLUMNS: &str = "r.id, r.lat, r.lng, r.category, r.hazards, r.open_days, r.name, \
     r.sort_key, r.search_text";

/// A place as read (`None` for one without a position: no search near a point finds it).
pub(super) fn place_of(row: &crate::ports::Row<'_>) -> Result<Option<Place>, Error> {
    let (Some(lat), Some(lng)) = (row.opt_real("lat")?, row.opt_real("lng")?) else {
        return Ok(None);
    };
    Ok(Some(Place::new(
        [lat, lng],
        [row.int("hazards")?, row.int("open_days")?],
        [
            row.text("id")?,
            row.text("category")?,
            row.text("name")?,
            row.text("sort_key")?,
            row.text("search_text")?,
        ],
    )))
}
