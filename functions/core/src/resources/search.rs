//! Resource search: words (folded; FTS5 trigram for 3+ characters, LIKE below), category
//! (a top-level code includes its children), municipality, open now / open on a weekday,
//! and near a point (geohash cells, then exact great-circle distance, nearest first).
//! Cursor pagination in a stable order: kana order without a point, distance with one.

use serde::Serialize;

use super::{Resource, SELECT, from_row, schedule};
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::geo;
use crate::http::{Request, query_param};
use crate::ports::{Database, Value};
use crate::text::{fold, fts_phrase, like_contains};

pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;
pub const MAX_RADIUS_M: f64 = 30_000.0;
pub const DEFAULT_RADIUS_M: f64 = 2_000.0;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Near {
    pub lat: f64,
    pub lng: f64,
    pub radius_m: f64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct SearchQuery {
    pub words: Option<String>,
    pub category: Option<String>,
    pub municipality: Option<String>,
    pub open_now: bool,
    /// 0 = Monday … 6 = Sunday.
    pub open_on: Option<u8>,
    pub near: Option<Near>,
    pub cursor: Option<String>,
    pub limit: usize,
}

#[derive(Debug, Serialize)]
pub struct Hit {
    #[serde(flatten)]
    pub resource: Resource,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_m: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct SearchPage {
    pub items: Vec<Hit>,
    pub next_cursor: Option<String>,
}

impl SearchQuery {
    /// Reads `q, category, municipality, open_now, open_on, lat, lng, radius_m, cursor,
    /// limit` from the query string; every bad parameter is reported.
    pub fn from_request(req: &Request) -> Result<SearchQuery, Error> {
        let mut errors = Vec::new();
        let param = |n: &str| {
            query_param(req, n)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let number = |n: &str, errors: &mut Vec<FieldError>| -> Option<f64> {
            let v = param(n)?;
            match v.parse::<f64>() {
                Ok(x) if x.is_finite() => Some(x),
                _ => {
                    errors.push(FieldError::new(
                        format!("?{n}"),
                        "must be a number",
                        "数値を指定してください",
                    ));
                    None
                }
            }
        };
        let lat = number("lat", &mut errors);
        let lng = number("lng", &mut errors);
        let radius = number("radius_m", &mut errors);
        let near = match (lat, lng) {
            (Some(lat), Some(lng)) => {
                if !(-90.0..=90.0).contains(&lat) {
                    errors.push(FieldError::new(
                        "?lat",
                        "must be −90 to 90",
                        "緯度は −90〜90 です",
                    ));
                }
                if !(-180.0..=180.0).contains(&lng) {
                    errors.push(FieldError::new(
                        "?lng",
                        "must be −180 to 180",
                        "経度は −180〜180 です",
                    ));
                }
                let radius_m = radius.unwrap_or(DEFAULT_RADIUS_M);
                if !(1.0..=MAX_RADIUS_M).contains(&radius_m) {
                    errors.push(FieldError::new(
                        "?radius_m",
                        format!("must be 1 to {MAX_RADIUS_M} metres"),
                        format!("半径は 1〜{MAX_RADIUS_M} メートルです"),
                    ));
                }
                Some(Near { lat, lng, radius_m })
            }
            (None, None) => None,
            _ => {
                errors.push(FieldError::new(
                    "?lat",
                    "give lat and lng together",
                    "緯度と経度は両方指定してください",
                ));
                None
            }
        };
        let limit = match param("limit").map(|v| v.parse::<usize>()) {
            None => DEFAULT_LIMIT,
            Some(Ok(n)) if (1..=MAX_LIMIT).contains(&n) => n,
            Some(_) => {
                errors.push(FieldError::new(
                    "?limit",
                    format!("must be 1 to {MAX_LIMIT}"),
                    format!("1〜{MAX_LIMIT} の件数を指定してください"),
                ));
                DEFAULT_LIMIT
            }
        };
        let open_on = param("open_on").and_then(|d| {
            let day = schedule::WEEKDAYS
                .iter()
                .position(|w| *w == d)
                .map(|i| i as u8);
            if day.is_none() {
                errors.push(FieldError::new(
                    "?open_on",
                    "must be mon … sun",
                    "曜日は mon〜sun で指定してください",
                ));
            }
            day
        });
        let words = param("q");
        if words.as_deref().is_some_and(|w| w.chars().count() > 100) {
            errors.push(FieldError::new(
                "?q",
                "at most 100 characters",
                "検索語は100文字までです",
            ));
        }
        let cursor = param("cursor");
        if cursor
            .as_deref()
            .is_some_and(|c| decode_cursor(c).is_none())
        {
            errors.push(FieldError::new(
                "?cursor",
                "is not a cursor this API gave",
                "ページ位置が正しくありません",
            ));
        }
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        Ok(SearchQuery {
            words,
            category: param("category"),
            municipality: param("municipality"),
            open_now: param("open_now").is_some_and(|v| v == "1" || v == "true"),
            open_on,
            near,
            cursor,
            limit,
        })
    }
}

/// Cursors are opaque to clients: hex of a JSON pair (sort key or distance, id).
fn encode_cursor(position: &serde_json::Value, id: &str) -> String {
    serde_json::json!([position, id])
        .to_string()
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn decode_cursor(cursor: &str) -> Option<(serde_json::Value, String)> {
    if !cursor.len().is_multiple_of(2) || cursor.len() > 2000 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..cursor.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(cursor.get(i..i + 2)?, 16).ok())
        .collect();
    let value: serde_json::Value = serde_json::from_slice(&bytes?).ok()?;
    let id = value.get(1)?.as_str()?.to_owned();
    Some((value.get(0)?.clone(), id))
}

/// Only published resources are searched. For nearby search the status is tested as
/// `+r.status` (SQLite's way to keep a term from choosing the index), so that the planner
/// reads each geohash cell as a range of `resources_geo` instead of every published row.
const PUBLISHED: &str = " WHERE r.status = 'published'";
const PUBLISHED_NOT_INDEXED: &str = " WHERE +r.status = 'published'";

/// The WHERE clause and parameters every search shares (everything but position).
fn filters(query: &SearchQuery, now_millis: i64) -> (String, Vec<Value>) {
    let mut sql = String::from(if query.near.is_some() {
        PUBLISHED_NOT_INDEXED
    } else {
        PUBLISHED
    });
    let mut params: Vec<Value> = Vec::new();
    let bind = |params: &mut Vec<Value>, v: Value| {
        params.push(v);
        format!("?{}", params.len())
    };
    if let Some(m) = &query.municipality {
        let p = bind(&mut params, m.clone().into());
        sql.push_str(&format!(" AND r.municipality_code = {p}"));
    }
    if let Some(c) = &query.category {
        // A parent includes its children: `care` matches `care.day_service`, by range so
        // that `_` in codes is not a LIKE wildcard.
        let exact = bind(&mut params, c.clone().into());
        let lo = bind(&mut params, format!("{c}.").into());
        let hi = bind(&mut params, format!("{c}/").into());
        sql.push_str(&format!(
            " AND (r.category = {exact} OR (r.category > {lo} AND r.category < {hi}))"
        ));
    }
    let mut days = 0i64;
    if let Some(d) = query.open_on {
        days |= 1 << d;
    }
    if query.open_now {
        days |= 1 << crate::time::jst(now_millis).weekday;
    }
    if days != 0 {
        let p = bind(&mut params, days.into());
        sql.push_str(&format!(" AND (r.open_days & {p}) != 0"));
    }
    if let Some(words) = &query.words {
        let folded = fold(words);
        let (long, short): (Vec<&str>, Vec<&str>) = folded
            .split(' ')
            .filter(|t| !t.is_empty())
            .partition(|t| t.chars().count() >= 3);
        if !long.is_empty() {
            let phrase = long
                .iter()
                .map(|t| fts_phrase(t))
                .collect::<Vec<_>>()
                .join(" AND ");
            let p = bind(&mut params, phrase.into());
            sql.push_str(&format!(
                " AND r.rowid IN (SELECT rowid FROM resources_fts WHERE resources_fts MATCH {p})"
            ));
        }
        for term in short {
            let p = bind(&mut params, like_contains(term).into());
            sql.push_str(&format!(" AND r.search_text LIKE {p} ESCAPE '\\'"));
        }
    }
    if let Some(near) = &query.near {
        let cells = geo::covering_cells(near.lat, near.lng, near.radius_m);
        let ranges: Vec<String> = cells
            .iter()
            .map(|cell| {
                let lo = bind(&mut params, cell.clone().into());
                // `{` sorts right after `z`, the last geohash character.
                let hi = bind(&mut params, format!("{cell}{{").into());
                format!("(r.geohash >= {lo} AND r.geohash < {hi})")
            })
            .collect();
        sql.push_str(&format!(" AND ({})", ranges.join(" OR ")));
    }
    (sql, params)
}

pub async fn search(env: &Env, query: &SearchQuery) -> Result<SearchPage, Error> {
    let now = env.clock.now_millis();
    let at = crate::time::jst(now);
    let keep = |r: &Resource| !query.open_now || schedule::is_open_at(&r.fields.schedule, &at);
    let sql = env.sql(Database::Public).await?;
    let (where_sql, params) = filters(query, now);
    let cursor = query.cursor.as_deref().and_then(decode_cursor);

    if let Some(near) = &query.near {
        return nearby(env, query, near, &where_sql, params, cursor.as_ref(), &at).await;
    }

    // Kana order; read in chunks while the open-now check (done here, not in SQL) drops rows.
    let mut items = Vec::new();
    let mut position = cursor.map(|(p, id)| (p.as_str().unwrap_or_default().to_owned(), id));
    let chunk = if query.open_now {
        (query.limit + 1) * 4
    } else {
        query.limit + 1
    };
    loop {
        let mut params = params.clone();
        let mut sql_text = format!("{SELECT}{where_sql}");
        if let Some((key, id)) = &position {
            params.push(key.clone().into());
            params.push(id.clone().into());
            sql_text.push_str(&format!(
                " AND (r.sort_key, r.id) > (?{}, ?{})",
                params.len() - 1,
                params.len()
            ));
        }
        params.push(i64::try_from(chunk).unwrap_or(100).into());
        sql_text.push_str(&format!(
            " ORDER BY r.sort_key, r.id LIMIT ?{}",
            params.len()
        ));
        let rows = sql.query(&sql_text, &params).await?;
        let exhausted = rows.len() < chunk;
        for row in rows.iter() {
            let resource = from_row(&row)?;
            position = Some((row.text("sort_key")?.to_owned(), resource.id.clone()));
            if keep(&resource) {
                items.push(Hit {
                    resource,
                    distance_m: None,
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
    Ok(SearchPage { items, next_cursor })
}

/// Nearest first, in two phases: the ids and locations inside the covering cells and the
/// circle's bounding box (an index-only read), measured and sorted here; then the full rows
/// of the one page shown.
async fn nearby(
    env: &Env,
    query: &SearchQuery,
    near: &Near,
    where_sql: &str,
    mut params: Vec<Value>,
    cursor: Option<&(serde_json::Value, String)>,
    at: &crate::time::JstDateTime,
) -> Result<SearchPage, Error> {
    let sql = env.sql(Database::Public).await?;
    let dlat = (near.radius_m / geo::EARTH_RADIUS_M).to_degrees();
    let dlng = dlat / near.lat.to_radians().cos().max(0.01);
    let mut bind = |v: f64| {
        params.push(v.into());
        format!("?{}", params.len())
    };
    let bbox = format!(
        " AND r.lat BETWEEN {} AND {} AND r.lng BETWEEN {} AND {}",
        bind(near.lat - dlat),
        bind(near.lat + dlat),
        bind(near.lng - dlng),
        bind(near.lng + dlng)
    );
    let schedule = if query.open_now { ", r.schedule" } else { "" };
    let rows = sql
        .query(
            &format!("SELECT r.id, r.lat, r.lng{schedule} FROM resources r{where_sql}{bbox}"),
            &params,
        )
        .await?;
    let mut candidates: Vec<(f64, String)> = Vec::new();
    for row in rows.iter() {
        let d = geo::distance_m(near.lat, near.lng, row.real("lat")?, row.real("lng")?);
        if d > near.radius_m {
            continue;
        }
        if query.open_now {
            let rules: Vec<schedule::Rule> =
                serde_json::from_str(row.text("schedule")?).unwrap_or_default();
            if !schedule::is_open_at(&rules, at) {
                continue;
            }
        }
        candidates.push(((d * 10.0).round() / 10.0, row.text("id")?.to_owned()));
    }
    candidates.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    if let Some((position, id)) = cursor {
        let after = position.as_f64().unwrap_or(f64::MAX);
        candidates.retain(|(d, i)| *d > after || (*d == after && i.as_str() > id.as_str()));
    }
    let next_cursor = (candidates.len() > query.limit).then(|| {
        let (d, id) = &candidates[query.limit - 1];
        encode_cursor(&serde_json::json!(d), id)
    });
    candidates.truncate(query.limit);
    if candidates.is_empty() {
        return Ok(SearchPage {
            items: Vec::new(),
            next_cursor,
        });
    }
    let ids: Vec<Value> = candidates.iter().map(|(_, id)| id.clone().into()).collect();
    let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("?{i}")).collect();
    let rows = sql
        .query(
            &format!("{SELECT} WHERE r.id IN ({})", placeholders.join(", ")),
            &ids,
        )
        .await?;
    let mut resources: Vec<Resource> = rows
        .iter()
        .map(|r| from_row(&r))
        .collect::<Result<_, _>>()?;
    let items = candidates
        .into_iter()
        .filter_map(|(d, id)| {
            let at = resources.iter().position(|r| r.id == id)?;
            Some(Hit {
                resource: resources.swap_remove(at),
                distance_m: Some(d),
            })
        })
        .collect();
    Ok(SearchPage { items, next_cursor })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(q: &str) -> Request {
        ::http::Request::builder()
            .uri(format!("/x?{q}"))
            .body(Vec::new())
            .unwrap()
    }

    #[test]
    fn reads_and_checks_parameters() {
        let q = SearchQuery::from_request(&req(
            "q=%E4%BD%93%E6%93%8D&lat=35.2&lng=136.8&radius_m=500&limit=5&open_on=mon",
        ))
        .unwrap();
        assert_eq!(q.words.as_deref(), Some("体操"));
        assert_eq!(
            q.near,
            Some(Near {
                lat: 35.2,
                lng: 136.8,
                radius_m: 500.0
            })
        );
        assert_eq!((q.limit, q.open_on), (5, Some(0)));
        let err =
            SearchQuery::from_request(&req("lat=x&limit=0&open_on=someday&cursor=zz")).unwrap_err();
        let Error::Validation(fields) = err else {
            panic!()
        };
        let pointers: Vec<&str> = fields.iter().map(|f| f.pointer.as_str()).collect();
        assert_eq!(pointers, ["?lat", "?limit", "?open_on", "?cursor"]);
    }

    #[test]
    fn cursors_round_trip() {
        let c = encode_cursor(&serde_json::json!("たいそう"), "01ABC");
        assert_eq!(
            decode_cursor(&c),
            Some((serde_json::json!("たいそう"), "01ABC".to_owned()))
        );
        assert_eq!(decode_cursor("7b"), None);
    }

    #[test]
    fn short_words_use_like_and_long_words_fts() {
        let q = SearchQuery {
            words: Some("体操 いきいき".into()),
            ..SearchQuery::default()
        };
        let (sql, params) = filters(&q, 0);
        assert!(sql.contains("MATCH ?1") && sql.contains("LIKE ?2"), "{sql}");
        assert_eq!(
            params,
            vec![Value::from("\"いきいき\""), Value::from("%体操%")]
        );
    }
}
