//! Resource search as a resident uses it. The words are read first (`words.rs`): weekdays,
//! 今日 and 今, hazards, facilities and towns become filters; the rest are text terms, each
//! with the words and categories it stands for (FTS5 trigram for 3+ characters, LIKE below).
//! Results come in one of three orders: by relevance when there are text terms (name before
//! kana, before category or synonym, before description; distance breaks ties), nearest
//! first near a point, kana order otherwise. Cursor pagination is stable in each. An empty
//! first page suggests searches that would find something (`suggest`).
//!
//! Why this file is over 400 lines: the query as read from a request (each parameter's check,
//! the cache key) sits beside the answer types it fills: the one place a new parameter is
//! added. The SQL is in `filters` and `orders`.

mod by_category;
mod filters;
mod found;
mod orders;
mod place;
mod places;
mod region;
mod store;
mod suggest;

pub use found::Kept;
pub use places::Cells;

use suggest::suggest;

use std::sync::Arc;

use serde::Serialize;

use super::Resource;
use super::words::{Dictionary, Reading, Understood, understand};
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::http::{Request, query_param};
use crate::text::url_encode;

pub const DEFAULT_LIMIT: usize = 20;
pub const MAX_LIMIT: usize = 100;
pub const MAX_RADIUS_M: f64 = 30_000.0;
/// Words a search takes (residents type two or three).
pub const MAX_WORDS: usize = 8;
pub const DEFAULT_RADIUS_M: f64 = 2_000.0;
/// Ranked search away from a point reads at most this many matches (in kana order) to
/// rank; a query that matches more is told to narrow down. Near a point every match in
/// the circle is ranked (the radius bounds them).
pub const MAX_RANKED: usize = 5_000;

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
    pub view: View,
}

/// How much of each result an answer carries: every field (`full`, the default), or what a
/// result card or a map pin shows (`list`: under half the bytes; the page of one resource
/// has the rest).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum View {
    #[default]
    Full,
    List,
}

/// A result as a card shows it (`view=list`).
#[derive(Debug, Serialize)]
pub struct Card<'a> {
    pub id: &'a str,
    pub url: &'a str,
    pub name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_kana: Option<&'a str>,
    pub category: &'a str,
    pub category_name: &'a str,
    pub municipality_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub district: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lng: Option<f64>,
    pub schedule_text: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_m: Option<f64>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub matched: &'a [String],
}

impl<'a> From<&'a Hit> for Card<'a> {
    fn from(hit: &'a Hit) -> Card<'a> {
        let r = &hit.resource;
        Card {
            id: &r.id,
            url: &r.url,
            name: &r.fields.name,
            name_kana: r.fields.name_kana.as_deref(),
            category: &r.fields.category,
            category_name: &r.category_name,
            municipality_name: &r.municipality_name,
            district: r.district.as_deref(),
            address: r.fields.address.as_deref(),
            phone: r.fields.phone.as_deref(),
            lat: r.fields.lat,
            lng: r.fields.lng,
            schedule_text: &r.schedule_text,
            distance_m: hit.distance_m,
            matched: &hit.matched,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Hit {
    /// Shared with the rows kept in memory for the page generation (`places`).
    #[serde(flatten)]
    pub resource: Arc<Resource>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_m: Option<f64>,
    /// What this result matched, in words: 「歯医者」→分類, 月曜日に開く.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matched: Vec<String>,
}

/// A search that would find something when this one found nothing.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Suggestion {
    pub label: String,
    /// The query string of that search, for `/resources?…` and the API alike.
    pub query: String,
    pub count: usize,
}

#[derive(Debug, Default, Serialize)]
pub struct SearchPage {
    pub items: Vec<Hit>,
    pub next_cursor: Option<String>,
    /// How many resources match in all (not counted on later pages of a kana-order list).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<usize>,
    /// How the words were read, for the resident to see: 「月曜」→ 月曜日に開く.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub readings: Vec<Reading>,
    /// Only on an empty first page.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suggestions: Vec<Suggestion>,
    /// Whether the query asks for evacuation sites or shelters, so that pages can say
    /// which is which.
    #[serde(skip)]
    pub about_evacuation: bool,
    /// Whether this answer may be kept in the cache store: only for searches made of
    /// words the network knows (synonyms, category names, towns, weekdays, hazards,
    /// facilities), a few of them, and no exact position. Free text and positions are
    /// endless, and an outsider must not be able to fill the store (or the town's bill)
    /// by sending new ones; shared caches still keep every answer for `s-maxage`, and the
    /// instance that answered keeps it in memory for up to 30 s (portal `memo`).
    #[serde(skip)]
    pub keepable: bool,
}

impl SearchPage {
    /// The answer's JSON in the view asked for.
    pub fn to_json(&self, view: View) -> serde_json::Result<Vec<u8>> {
        match view {
            View::Full => serde_json::to_vec(self),
            View::List => {
                #[derive(Serialize)]
                struct ListPage<'a> {
                    items: Vec<Card<'a>>,
                    next_cursor: &'a Option<String>,
                    #[serde(skip_serializing_if = "Option::is_none")]
                    total: Option<usize>,
                    #[serde(skip_serializing_if = "<[Reading]>::is_empty")]
                    readings: &'a [Reading],
                    #[serde(skip_serializing_if = "<[Suggestion]>::is_empty")]
                    suggestions: &'a [Suggestion],
                }
                serde_json::to_vec(&ListPage {
                    items: self.items.iter().map(Card::from).collect(),
                    next_cursor: &self.next_cursor,
                    total: self.total,
                    readings: &self.readings,
                    suggestions: &self.suggestions,
                })
            }
        }
    }
}

/// At most this many words in a search whose answer is kept.
const MAX_KEPT_WORDS: usize = 3;

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
            let day = super::schedule::WEEKDAYS
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
        } else if words
            .as_deref()
            .is_some_and(|w| w.split_whitespace().count() > MAX_WORDS)
        {
            // Each word is a few bound parameters of one statement, and D1 takes 100.
            errors.push(FieldError::new(
                "?q",
                format!("at most {MAX_WORDS} words"),
                format!("検索語は{MAX_WORDS}語までです"),
            ));
        }
        let view = match param("view").as_deref() {
            None | Some("full") => View::Full,
            Some("list") => View::List,
            Some(_) => {
                errors.push(FieldError::new(
                    "?view",
                    "must be full or list",
                    "view は full か list で指定してください",
                ));
                View::Full
            }
        };
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
            view,
        })
    }

    /// A key for keeping this search's answer: the same for every query that must get the
    /// same answer at `now_millis` (words folded, the position to about 11 m, the day in
    /// Japan, and the minute when the answer is "open now"), with how long the answer may
    /// be kept (writes make it obsolete sooner: the cache's generation). Hashed, as
    /// residents' words do not belong in a key's name.
    pub fn cache_key(&self, now_millis: i64) -> (String, u64) {
        use sha2::{Digest, Sha256};
        let at = crate::time::jst(now_millis);
        let by_minute = self.open_now
            || self
                .words
                .as_deref()
                .is_some_and(super::words::asks_for_now);
        let near = self.near.as_ref().map(|n| {
            (
                format!("{:.4}", n.lat),
                format!("{:.4}", n.lng),
                n.radius_m.round() as i64,
            )
        });
        let normalized = serde_json::json!([
            self.words.as_deref().map(crate::text::fold),
            self.category,
            self.municipality,
            self.open_now,
            self.open_on,
            near,
            self.cursor,
            self.limit,
            self.view == View::List,
            [at.year, at.month, at.day],
            by_minute.then_some(at.minute_of_day),
        ]);
        let digest = Sha256::digest(normalized.to_string().as_bytes());
        let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
        (hex, if by_minute { 60 } else { 3_600 })
    }

    /// The query string that repeats this query (without the cursor).
    pub fn to_query_string(&self) -> String {
        let mut parts = Vec::new();
        let mut add = |k: &str, v: String| parts.push(format!("{k}={}", url_encode(&v)));
        if let Some(w) = &self.words {
            add("q", w.clone());
        }
        if let Some(c) = &self.category {
            add("category", c.clone());
        }
        if let Some(m) = &self.municipality {
            add("municipality", m.clone());
        }
        if self.open_now {
            add("open_now", "1".into());
        }
        if let Some(d) = self.open_on {
            add(
                "open_on",
                super::schedule::WEEKDAYS[usize::from(d % 7)].into(),
            );
        }
        if let Some(n) = &self.near {
            add("lat", n.lat.to_string());
            add("lng", n.lng.to_string());
            add("radius_m", n.radius_m.to_string());
        }
        if self.view == View::List {
            add("view", "list".into());
        }
        parts.join("&")
    }
}

/// Cursors are opaque to clients: hex of a JSON pair (sort key or distance, id).
pub(crate) fn encode_cursor(position: &serde_json::Value, id: &str) -> String {
    serde_json::json!([position, id])
        .to_string()
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub(crate) fn decode_cursor(cursor: &str) -> Option<(serde_json::Value, String)> {
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

pub async fn search(env: &Env, query: &SearchQuery) -> Result<SearchPage, Error> {
    let dictionary = match &query.words {
        Some(_) => Dictionary::load(env).await?,
        None => Dictionary::default(),
    };
    search_with(env, query, &dictionary, None).await
}

/// [`search`] with the words the network knows already read (the portal keeps them in
/// memory per page generation: reading and folding them was a fifth of a free-text search).
pub async fn search_with(
    env: &Env,
    query: &SearchQuery,
    dictionary: &Dictionary,
    kept: Kept<'_>,
) -> Result<SearchPage, Error> {
    let now = env.clock.now_millis();
    let today = crate::time::jst(now).weekday;
    let understood = query
        .words
        .as_deref()
        .map(|w| understand(w, dictionary, today))
        .unwrap_or_default();
    let mut page = orders::find(env, query, &understood, dictionary, now, kept).await?;
    if page.items.is_empty() && query.cursor.is_none() {
        page.suggestions = suggest(env, query, &understood, dictionary, now).await?;
    }
    page.keepable = keepable(query, &understood, dictionary);
    page.readings = understood.readings.clone();
    page.about_evacuation = !understood.hazards.is_empty()
        || query
            .category
            .as_deref()
            .is_some_and(|c| c.starts_with("disaster"))
        || understood
            .terms
            .iter()
            .any(|t| t.categories.iter().any(|c| c.starts_with("disaster")));
    Ok(page)
}

/// See [`SearchPage::keepable`].
fn keepable(query: &SearchQuery, understood: &Understood, dictionary: &Dictionary) -> bool {
    query.near.is_none()
        && understood.terms.len() + understood.readings.len() <= MAX_KEPT_WORDS
        && understood.terms.iter().all(|t| {
            // Words the network lists: a synonym or a category's whole name. (A term also
            // names each category whose name merely holds it, and such pieces are many.)
            dictionary.synonyms.iter().any(|s| s.word == t.word)
                || dictionary
                    .categories
                    .iter()
                    .any(|(_, label, _)| *label == t.word)
        })
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
    fn equal_searches_share_a_key_and_now_keys_by_the_minute() {
        let q = |s: &str| SearchQuery::from_request(&req(s)).unwrap();
        let at = 1_795_557_123_456;
        let (a, ttl) = q("q=%E3%82%BF%E3%82%A4%E3%82%BD%E3%82%A6").cache_key(at);
        let (b, _) = q("q=%E3%81%9F%E3%81%84%E3%81%9D%E3%81%86").cache_key(at);
        assert_eq!(a, b, "タイソウ and たいそう are one search");
        assert_eq!(ttl, 3_600);
        assert_ne!(a, q("q=%E4%BD%93%E6%93%8D").cache_key(at).0);
        let (now, ttl) = q("open_now=1").cache_key(at);
        assert_eq!(ttl, 60);
        assert_ne!(
            now,
            q("open_now=1").cache_key(at + 60_000).0,
            "a minute later"
        );
        assert_eq!(
            q("lat=35.20401&lng=136.84702").cache_key(at).0,
            q("lat=35.20399&lng=136.84698").cache_key(at).0,
            "positions within about 11 m are one search"
        );
        assert_ne!(
            a,
            q("q=%E3%81%9F%E3%81%84%E3%81%9D%E3%81%86")
                .cache_key(at + 86_400_000)
                .0,
            "another day"
        );
    }

    #[test]
    fn only_known_words_without_a_position_are_kept() {
        use crate::resources::words::Synonym;
        let dictionary = Dictionary {
            synonyms: vec![Synonym {
                word: "歯医者".into(),
                categories: vec!["medical.dental".into()],
                alternatives: vec![],
            }],
            categories: vec![("gathering.salon".into(), "さろん".into(), "サロン".into())],
            ..Dictionary::default()
        };
        let kept = |s: &str| {
            let q = SearchQuery::from_request(&req(s)).unwrap();
            let u = understand(q.words.as_deref().unwrap_or(""), &dictionary, 0);
            keepable(&q, &u, &dictionary)
        };
        assert!(kept("q=%E6%AD%AF%E5%8C%BB%E8%80%85"), "歯医者");
        assert!(
            kept("q=%E3%82%B5%E3%83%AD%E3%83%B3+%E6%9C%88%E6%9B%9C"),
            "サロン 月曜"
        );
        assert!(kept("category=medical"), "no words");
        assert!(!kept("q=xyzzy"), "free text");
        assert!(
            !kept("q=%E3%82%8D%E3%82%93"),
            "ろん, a piece of a category's name"
        );
        assert!(
            !kept("q=%E6%AD%AF%E5%8C%BB%E8%80%85&lat=35.2&lng=136.8"),
            "a position"
        );
        assert!(
            !kept(
                "q=%E6%AD%AF%E5%8C%BB%E8%80%85+%E6%9C%88%E6%9B%9C+%E7%81%AB%E6%9B%9C+%E6%B0%B4%E6%9B%9C"
            ),
            "four words"
        );
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
}
