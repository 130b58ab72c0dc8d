//! What a search reads from the store: the matches of its filters and words when they can
//! not be answered from the places in memory, and the full rows of the page it shows
//! (kept per generation when the caller keeps places).

use std::sync::Arc;

use super::filters::open_now;
use super::found::{Found, Kept, is_open};
use super::{Hit, MAX_RANKED, SearchQuery};
use crate::env::Env;
use crate::error::Error;
use crate::ports::{Database, Row, Sql, StoreError, Value};
use crate::resources::words::Understood;
use crate::resources::{Resource, SELECT, from_row};
use crate::text::fold;

/// The matches of a search with words, read from the store (open now decided here).
pub(super) async fn found_in_store(
    env: &Env,
    query: &SearchQuery,
    understood: &Understood,
    where_sql: &str,
    mut params: Vec<Value>,
    now: i64,
) -> Result<Vec<Found<'static>>, Error> {
    let sql = env.sql(Database::Public).await?;
    let open_now = open_now(query, understood);
    let schedule = if open_now { ", r.schedule" } else { "" };
    let columns = format!("{FOUND_COLUMNS}{schedule}");
    let rows = if query.near.is_some() {
        // The circle's cells are read from `resources_geo`, whose entries carry the folded
        // words: only the places that match are read from the table.
        sql.query(&format!("SELECT {columns} {where_sql}"), &params)
            .await?
    } else {
        params.push(i64::try_from(MAX_RANKED).unwrap_or(5_000).into());
        // No ORDER BY: the planner drives from the full-text index instead of walking the
        // kana index to test every row; the order is decided below.
        sql.query(
            &format!("SELECT {columns} {where_sql} LIMIT ?{}", params.len()),
            &params,
        )
        .await?
    };
    let mut found = Vec::with_capacity(rows.len());
    for row in rows.iter() {
        if open_now && !is_open(row.text("schedule")?, now) {
            continue;
        }
        found.push(found_of(&row)?);
    }
    Ok(found)
}

/// The columns [`found_of`] reads.
pub(super) const FOUND_COLUMNS: &str = "r.id, r.name, r.sort_key, r.category, r.lat, r.lng";

/// A match as ranking reads it, from a row of [`FOUND_COLUMNS`].
pub(super) fn found_of(row: &Row<'_>) -> Result<Found<'static>, StoreError> {
    Ok(Found {
        id: row.text("id")?.to_owned().into(),
        name: fold(row.text("name")?).into(),
        sort_key: row.text("sort_key")?.to_owned().into(),
        category: row.text("category")?.to_owned().into(),
        lat: row.opt_real("lat")?,
        lng: row.opt_real("lng")?,
    })
}

/// The places near a point that pass a search without words, read from the store: ids and
/// locations inside the covering cells and the circle's bounding box (an index-only read;
/// open now decided here).
pub(super) async fn near_in_store(
    env: &Env,
    query: &SearchQuery,
    understood: &Understood,
    where_sql: &str,
    params: Vec<Value>,
    now: i64,
) -> Result<Vec<(f64, f64, String)>, Error> {
    let sql = env.sql(Database::Public).await?;
    let open_now = open_now(query, understood);
    let schedule = if open_now { ", r.schedule" } else { "" };
    let rows = sql
        .query(
            &format!("SELECT r.id, r.lat, r.lng{schedule} {where_sql}"),
            &params,
        )
        .await?;
    let mut found = Vec::with_capacity(rows.len());
    for row in rows.iter() {
        if open_now && !is_open(row.text("schedule")?, now) {
            continue;
        }
        found.push((
            row.real("lat")?,
            row.real("lng")?,
            row.text("id")?.to_owned(),
        ));
    }
    Ok(found)
}

/// The full rows of one page, in the order given: those kept in memory for the generation,
/// the rest read in one query (and kept).
pub(super) async fn full_rows(
    env: &Env,
    kept: Kept<'_>,
    page: Vec<(String, Option<f64>, Vec<String>)>,
) -> Result<Vec<Hit>, Error> {
    if page.is_empty() {
        return Ok(Vec::new());
    }
    let now = env.clock.now_millis();
    let ids: Vec<&str> = page.iter().map(|(id, _, _)| id.as_str()).collect();
    let mut resources: Vec<Arc<Resource>> = match kept {
        Some((cells, generation)) => cells.resources(generation, now, &ids),
        None => Vec::new(),
    };
    let missing: Vec<Value> = ids
        .iter()
        .filter(|id| !resources.iter().any(|r| r.id == **id))
        .map(|id| (*id).into())
        .collect();
    if !missing.is_empty() {
        let sql = env.sql(Database::Public).await?;
        let placeholders: Vec<String> = (1..=missing.len()).map(|i| format!("?{i}")).collect();
        let rows = sql
            .query(
                &format!("{SELECT} WHERE r.id IN ({})", placeholders.join(", ")),
                &missing,
            )
            .await?;
        let read: Vec<Arc<Resource>> = rows
            .iter()
            .map(|r| from_row(&r).map(Arc::new))
            .collect::<Result<_, _>>()?;
        if let Some((cells, generation)) = kept {
            cells.keep_resources(generation, now, &read);
        }
        resources.extend(read);
    }
    Ok(page
        .into_iter()
        .filter_map(|(id, distance_m, matched)| {
            let at = resources.iter().position(|r| r.id == id)?;
            Some(Hit {
                resource: resources.swap_remove(at),
                distance_m,
                matched,
            })
        })
        .collect())
}

/// `count(*)` of the rows the clauses select, up to `cap` when given.
pub(super) async fn counted(
    sql: &dyn Sql,
    where_sql: &str,
    mut params: Vec<Value>,
    cap: Option<usize>,
) -> Result<usize, Error> {
    let sql_text = match cap {
        None => format!("SELECT count(*) AS n {where_sql}"),
        Some(cap) => {
            params.push(i64::try_from(cap).unwrap_or(i64::MAX).into());
            format!(
                "SELECT count(*) AS n FROM (SELECT 1 {where_sql} LIMIT ?{})",
                params.len()
            )
        }
    };
    let rows = sql.query(&sql_text, &params).await?;
    Ok(rows
        .first()
        .map(|r| r.int("n"))
        .transpose()?
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0))
}

/// Appends to `sql_text` the page of `limit` rows after `after` (kana, id) in kana order.
pub(super) fn in_kana_order(
    sql_text: &mut String,
    params: &mut Vec<Value>,
    after: Option<&(String, String)>,
    limit: usize,
) {
    if let Some((key, id)) = after {
        params.push(key.clone().into());
        params.push(id.clone().into());
        sql_text.push_str(&format!(
            " AND (r.sort_key, r.id) > (?{}, ?{})",
            params.len() - 1,
            params.len()
        ));
    }
    params.push(i64::try_from(limit).unwrap_or(101).into());
    sql_text.push_str(&format!(
        " ORDER BY r.sort_key, r.id LIMIT ?{}",
        params.len()
    ));
}
