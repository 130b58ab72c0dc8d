//! The three orders a search answers in: by relevance when there are text terms, nearest
//! first near a point, kana order otherwise. Relevance and distance are decided here on
//! the matches (the places kept in memory, or an index-only read: `store`), then the full
//! rows of the one page shown are read.

use std::borrow::Cow;

use super::by_category;
use super::filters::{filters, open_now};
use super::found::{Found, Kept, is_open};
use super::place;
use super::store::{counted, found_in_store, full_rows, in_kana_order, near_in_store};
use super::{Hit, MAX_RANKED, Near, SearchPage, SearchQuery, decode_cursor, encode_cursor};
use crate::env::Env;
use crate::error::Error;
use crate::geo;
use crate::ports::{Database, Value};
use crate::resources::words::{Dictionary, Understood, match_of};
use crate::resources::{SELECT, from_row};

pub async fn find(
    env: &Env,
    query: &SearchQuery,
    understood: &Understood,
    dictionary: &Dictionary,
    now: i64,
    kept: Kept<'_>,
) -> Result<SearchPage, Error> {
    // Near a point, from the places in memory when the search's filters allow it; the SQL
    // of the filters only when the store is asked.
    let cells = match kept {
        Some((cells, generation)) if place::usable(query, understood) => {
            cells.matching(env, generation, query).await?
        }
        _ => None,
    };
    let mut page = if !understood.terms.is_empty() {
        let (found, total) = match &cells {
            Some(cells) => (
                place::candidates(cells, query, understood)
                    .map(Found::from)
                    .collect(),
                None,
            ),
            None => match by_category::find(env, query, understood, dictionary, now).await? {
                Some((found, total)) => (found, Some(total)),
                None => {
                    let (where_sql, params) = filters(query, understood, now);
                    let found =
                        found_in_store(env, query, understood, &where_sql, params, now).await?;
                    (found, None)
                }
            },
        };
        ranked(env, query, understood, dictionary, found, total, kept).await?
    } else if let Some(near) = &query.near {
        let found = match &cells {
            Some(cells) => place::candidates(cells, query, understood)
                .map(|p| (p.lat, p.lng, p.id().to_owned()))
                .collect(),
            None => {
                let (where_sql, params) = filters(query, understood, now);
                near_in_store(env, query, understood, &where_sql, params, now).await?
            }
        };
        nearby(env, query, near, found, kept).await?
    } else {
        let (where_sql, params) = filters(query, understood, now);
        kana(env, query, understood, &where_sql, params, now).await?
    };
    let facets: Vec<String> = understood
        .readings
        .iter()
        .map(|r| r.meaning.clone())
        .collect();
    for hit in &mut page.items {
        hit.matched.extend(facets.iter().cloned());
    }
    Ok(page)
}

/// How many a search without a place or "open now" finds, counted as its first page
/// would count them (words: up to [`MAX_RANKED`], ranked; none: all, kana order),
/// without reading them: what a suggestion needs to be offered and labelled.
pub(super) async fn count(
    env: &Env,
    query: &SearchQuery,
    understood: &Understood,
    now: i64,
) -> Result<usize, Error> {
    debug_assert!(query.near.is_none() && !open_now(query, understood));
    let (where_sql, params) = filters(query, understood, now);
    let sql = env.sql(Database::Public).await?;
    let cap = (!understood.terms.is_empty()).then_some(MAX_RANKED);
    counted(&*sql, &where_sql, params, cap).await
}

/// Kana order; read in chunks while the open-now check (done here, not in SQL) drops rows.
async fn kana(
    env: &Env,
    query: &SearchQuery,
    understood: &Understood,
    where_sql: &str,
    params: Vec<Value>,
    now: i64,
) -> Result<SearchPage, Error> {
    let sql = env.sql(Database::Public).await?;
    let open_now = open_now(query, understood);
    let total = if query.cursor.is_none() && !open_now {
        Some(counted(&*sql, where_sql, params.clone(), None).await?)
    } else {
        None
    };
    let mut items = Vec::new();
    let mut position = query
        .cursor
        .as_deref()
        .and_then(decode_cursor)
        .map(|(p, id)| (p.as_str().unwrap_or_default().to_owned(), id));
    let chunk = if open_now {
        (query.limit + 1) * 4
    } else {
        query.limit + 1
    };
    loop {
        let mut params = params.clone();
        // Kana order is never near a point: its FROM is the plain table, which SELECT
        // names with its joins.
        let conditions = where_sql
            .strip_prefix(" FROM resources r")
            .unwrap_or(where_sql);
        let mut sql_text = format!("{SELECT}{conditions}");
        in_kana_order(&mut sql_text, &mut params, position.as_ref(), chunk);
        let rows = sql.query(&sql_text, &params).await?;
        let exhausted = rows.len() < chunk;
        for row in rows.iter() {
            let resource = from_row(&row)?;
            position = Some((row.text("sort_key")?.to_owned(), resource.id.clone()));
            if !open_now || is_open(row.text("schedule")?, now) {
                items.push(Hit {
                    resource: resource.into(),
                    distance_m: None,
                    matched: Vec::new(),
                });
                if items.len() > query.limit {
                    break;
                }
            }
        }
        if exhausted || items.len() > query.limit {
            break;
        }
    }
    let next_cursor = (items.len() > query.limit).then(|| {
        let last = &items[query.limit - 1].resource;
        encode_cursor(&serde_json::json!(last.fields.sort_key()), &last.id)
    });
    items.truncate(query.limit);
    Ok(SearchPage {
        items,
        next_cursor,
        total,
        ..SearchPage::default()
    })
}

/// One match, placed: its order key and the match itself.
struct Placed<'a> {
    score: i64,
    distance: f64,
    found: Found<'a>,
}

impl Placed<'_> {
    fn key(&self) -> serde_json::Value {
        serde_json::json!([self.score, self.distance, self.found.sort_key])
    }

    /// Best first: score, then distance, then kana, then id.
    fn cmp(&self, other: &Placed<'_>) -> std::cmp::Ordering {
        other
            .score
            .cmp(&self.score)
            .then_with(|| self.distance.total_cmp(&other.distance))
            .then_with(|| self.found.sort_key.cmp(&other.found.sort_key))
            .then_with(|| self.found.id.cmp(&other.found.id))
    }

    /// Whether this comes after the cursor's position.
    fn after(&self, position: &serde_json::Value, id: &str) -> bool {
        let at = Placed {
            score: position.get(0).and_then(|v| v.as_i64()).unwrap_or(i64::MAX),
            distance: position.get(1).and_then(|v| v.as_f64()).unwrap_or(0.0),
            found: Found {
                id: Cow::Borrowed(id),
                name: Cow::Borrowed(""),
                sort_key: Cow::Borrowed(
                    position.get(2).and_then(|v| v.as_str()).unwrap_or_default(),
                ),
                category: Cow::Borrowed(""),
                lat: None,
                lng: None,
            },
        };
        self.cmp(&at) == std::cmp::Ordering::Greater
    }
}

/// Relevance: each text term scores where it matched (name, kana, category, description);
/// the sum orders the results, distance from the resident (when known) breaks ties. What
/// each result matched is put in words for the page shown only. `total`: how many match,
/// when `found` holds only those that can be on this page (`by_category`).
async fn ranked(
    env: &Env,
    query: &SearchQuery,
    understood: &Understood,
    dictionary: &Dictionary,
    found: Vec<Found<'_>>,
    total: Option<usize>,
    kept: Kept<'_>,
) -> Result<SearchPage, Error> {
    let mut placed = Vec::new();
    for f in found {
        let distance = match (&query.near, f.lat, f.lng) {
            (Some(near), Some(lat), Some(lng)) => {
                let d = geo::distance_m(near.lat, near.lng, lat, lng);
                if d > near.radius_m {
                    continue;
                }
                (d * 10.0).round() / 10.0
            }
            (Some(_), _, _) => continue,
            _ => 0.0,
        };
        let score = understood
            .terms
            .iter()
            .map(|term| match_of(term, &f.name, &f.sort_key, &f.category, dictionary) as i64)
            .sum();
        placed.push(Placed {
            score,
            distance,
            found: f,
        });
    }
    placed.sort_by(Placed::cmp);
    let total = total.unwrap_or(placed.len());
    if let Some((position, id)) = query.cursor.as_deref().and_then(decode_cursor) {
        placed.retain(|p| p.after(&position, &id));
    }
    let next_cursor = (placed.len() > query.limit).then(|| {
        let last = &placed[query.limit - 1];
        encode_cursor(&last.key(), &last.found.id)
    });
    placed.truncate(query.limit);
    let distances = query.near.is_some();
    let page = placed
        .into_iter()
        .map(|p| {
            let f = &p.found;
            let matched = understood
                .terms
                .iter()
                .map(|term| {
                    let m = match_of(term, &f.name, &f.sort_key, &f.category, dictionary);
                    format!("「{}」: {}", term.typed, m.label_ja())
                })
                .collect();
            (f.id.to_string(), distances.then_some(p.distance), matched)
        })
        .collect();
    let items = full_rows(env, kept, page).await?;
    Ok(SearchPage {
        items,
        next_cursor,
        total: Some(total),
        ..SearchPage::default()
    })
}

/// Nearest first: the places found, measured and sorted here.
async fn nearby(
    env: &Env,
    query: &SearchQuery,
    near: &Near,
    found: Vec<(f64, f64, String)>,
    kept: Kept<'_>,
) -> Result<SearchPage, Error> {
    let mut candidates: Vec<(f64, String)> = Vec::new();
    for (lat, lng, id) in found {
        let d = geo::distance_m(near.lat, near.lng, lat, lng);
        if d > near.radius_m {
            continue;
        }
        candidates.push(((d * 10.0).round() / 10.0, id));
    }
    candidates.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    let total = candidates.len();
    if let Some((position, id)) = query.cursor.as_deref().and_then(decode_cursor) {
        let after = position.as_f64().unwrap_or(f64::MAX);
        candidates.retain(|(d, i)| *d > after || (*d == after && i.as_str() > id.as_str()));
    }
    let next_cursor = (candidates.len() > query.limit).then(|| {
        let (d, id) = &candidates[query.limit - 1];
        encode_cursor(&serde_json::json!(d), id)
    });
    candidates.truncate(query.limit);
    let items = full_rows(
        env,
        kept,
        candidates
            .into_iter()
            .map(|(d, id)| (id, Some(d), Vec::new()))
            .collect(),
    )
    .await?;
    Ok(SearchPage {
        items,
        next_cursor,
        total: Some(total),
        ..SearchPage::default()
    })
}
