//! The WHERE clause every search shares: the parameters, the words as read, the place.
//! Every value is bound; only the shape of the SQL depends on the query.

use super::SearchQuery;
use crate::geo;
use crate::ports::Value;
use crate::resources::words::{TextTerm, Understood};
use crate::text::{fts_phrase, is_bigram, like_contains};

/// Only published resources are searched. For nearby and word search the status is tested
/// as `+r.status` (SQLite's way to keep a term from choosing the index), so that the
/// planner reads each geohash cell as a range of `resources_geo`, or drives from the
/// full-text index, or scans the table once, instead of visiting every published row
/// through the status index (4× slower at 100,000 rows: `benches/nearby.rs`).
const PUBLISHED: &str = " WHERE r.status = 'published'";
const PUBLISHED_NOT_INDEXED: &str = " WHERE +r.status = 'published'";

struct Where {
    sql: String,
    params: Vec<Value>,
}

impl Where {
    fn bind(&mut self, v: impl Into<Value>) -> String {
        self.params.push(v.into());
        format!("?{}", self.params.len())
    }

    /// `category` or one of its children: by range, so that `_` in codes is no wildcard.
    /// One range of the index (`/` sorts right after `.`), the exact code or a child tested
    /// on the entries in it: written as an OR of the two, SQLite read every row of the
    /// category to test a weekday (16 ms for 20,000) where the index holds it (1 ms).
    fn category(&mut self, code: &str) -> String {
        let exact = self.bind(code.to_owned());
        let children = self.bind(format!("{code}."));
        let end = self.bind(format!("{code}/"));
        format!(
            "(r.category >= {exact} AND r.category < {end} \
             AND (r.category = {exact} OR r.category > {children}))"
        )
    }
}

/// Whether the words ask for "open now" (「今」) or the parameter does.
pub fn open_now(query: &SearchQuery, understood: &Understood) -> bool {
    query.open_now || understood.open_now
}

/// Which matches of the text terms a query selects.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Matches<'a> {
    /// Each term in the text or by category: every match.
    All,
    /// Those whose text holds a term (a name, kana, a label, the description).
    InText,
    /// Those a term names by category only, nothing in their text: they all score alike,
    /// so kana order ranks them, read from the category index in that order. `Some(code)`:
    /// that one category exactly (its children not included), so that the index gives
    /// its rows in kana order.
    ByCategoryOnly(Option<&'a str>),
}

/// The FROM and WHERE clauses of a search, with their bound values.
pub fn filters(
    query: &SearchQuery,
    understood: &Understood,
    now_millis: i64,
) -> (String, Vec<Value>) {
    filters_of(query, understood, now_millis, Matches::All)
}

/// [`filters`] for some of the matches only.
pub fn filters_of(
    query: &SearchQuery,
    understood: &Understood,
    now_millis: i64,
    matches: Matches<'_>,
) -> (String, Vec<Value>) {
    // Read in kana order through `resources_category (status, category, sort_key, …)`.
    let kana_ordered = matches!(matches, Matches::ByCategoryOnly(Some(_)));
    let mut w = Where {
        sql: String::from(
            if (query.near.is_some() || !understood.terms.is_empty()) && !kana_ordered {
                PUBLISHED_NOT_INDEXED
            } else {
                PUBLISHED
            },
        ),
        params: Vec::new(),
    };
    let mut from = String::from(" FROM resources r");
    if let Some(near) = &query.near {
        // The covering key ranges as one JSON value, joined first: each is one range of
        // `resources_geo`. (An OR of ranges made SQLite merge the rowids of every range
        // in a RowSet: a third of a nearby search's time at 100,000 resources.) Ranges are
        // disjoint, so no row comes twice; the last may be open ('{' sorts after z).
        let ranges: Vec<(String, String)> = geo::covering_ranges(near.lat, near.lng, near.radius_m)
            .into_iter()
            .map(|(from, to)| (from, to.unwrap_or_else(|| "{".into())))
            .collect();
        let p = w.bind(serde_json::to_string(&ranges).unwrap_or_else(|_| "[]".into()));
        from = format!(" FROM json_each({p}) AS cell CROSS JOIN resources r");
        w.sql.push_str(
            " AND r.geohash >= json_extract(cell.value, '$[0]') \
             AND r.geohash < json_extract(cell.value, '$[1]')",
        );
        // The circle's bounding box, tested on the index's own columns before a row is read,
        // and before the words: SQLite tests the conditions in the order written, and the
        // ranges hold more than the circle.
        let dlat = (near.radius_m / geo::EARTH_RADIUS_M).to_degrees();
        let dlng = dlat / near.lat.to_radians().cos().max(0.01);
        let bounds = [
            w.bind(near.lat - dlat),
            w.bind(near.lat + dlat),
            w.bind(near.lng - dlng),
            w.bind(near.lng + dlng),
        ];
        w.sql.push_str(&format!(
            " AND r.lat BETWEEN {} AND {} AND r.lng BETWEEN {} AND {}",
            bounds[0], bounds[1], bounds[2], bounds[3]
        ));
    }
    if let Some(m) = &query.municipality {
        let p = w.bind(m.clone());
        w.sql.push_str(&format!(" AND r.municipality_code = {p}"));
    }
    if let Some((code, _)) = &understood.town {
        let p = w.bind(code.clone());
        w.sql.push_str(&format!(" AND r.municipality_code = {p}"));
    }
    if let Some(c) = &query.category {
        let condition = w.category(c);
        w.sql.push_str(&format!(" AND {condition}"));
    }
    let mut days = understood.days;
    if let Some(d) = query.open_on {
        days |= 1 << d;
    }
    if open_now(query, understood) {
        days |= 1 << crate::time::jst(now_millis).weekday;
    }
    if days != 0 {
        let p = w.bind(days);
        w.sql.push_str(&format!(" AND (r.open_days & {p}) != 0"));
    }
    if !understood.hazards.is_empty() {
        // Every hazard named: a site for floods and not for earthquakes is no answer to
        // 「洪水 地震」.
        let p = w.bind(understood.hazards.0);
        w.sql.push_str(&format!(" AND (r.hazards & {p}) = {p}"));
    }
    for facility in &understood.facilities {
        w.sql.push_str(&format!(" AND {}", facility.sql()));
    }
    // Near a point the geohash cells are the narrowest index: the words are tested on each
    // place in them, from the index's own copy of the folded text (`resources_geo`).
    let through = if query.near.is_some() {
        Through::PlaceText
    } else {
        Through::Index
    };
    terms(&mut w, understood, through, matches);
    (format!("{from}{}", w.sql), w.params)
}

/// How a term is tested.
#[derive(Clone, Copy, PartialEq)]
enum Through {
    /// Over the whole table: the full-text indexes pick the rows.
    Index,
    /// On the places in a circle's cells: each place's own folded text. Asking the
    /// full-text index there would read every match in the region (12,500 for サロン at
    /// 100,000 resources) to keep the few inside the circle.
    PlaceText,
}

/// Each text term as one condition: any of its forms in the text (trigram index for three
/// characters or more, bigram index for two, LIKE for one; or the row's text) or any
/// category it names.
fn terms(w: &mut Where, understood: &Understood, through: Through, matches: Matches<'_>) {
    for term in &understood.terms {
        let text = text_of(w, term, through);
        let mut named = Vec::new();
        match matches {
            Matches::ByCategoryOnly(Some(code)) => {
                let p = w.bind(code.to_owned());
                named.push(format!("r.category = {p}"));
            }
            _ => {
                for code in &term.categories {
                    named.push(w.category(code));
                }
            }
        }
        let condition = match matches {
            // Near a point each place in the circle is tested: the category first, the
            // cheaper test, which passes for every place of a category the word names.
            Matches::All if through == Through::PlaceText => [named, text].concat().join(" OR "),
            Matches::All => [text, named].concat().join(" OR "),
            Matches::InText => text.join(" OR "),
            Matches::ByCategoryOnly(_) => {
                let named = if named.is_empty() {
                    "0".to_owned()
                } else {
                    named.join(" OR ")
                };
                if text.is_empty() {
                    named
                } else {
                    format!("({named}) AND NOT ({})", text.join(" OR "))
                }
            }
        };
        let condition = if condition.is_empty() {
            "0".to_owned()
        } else {
            condition
        };
        w.sql.push_str(&format!(" AND ({condition})"));
    }
}

/// A term's forms in the text, each form one condition.
fn text_of(w: &mut Where, term: &TextTerm, through: Through) -> Vec<String> {
    let mut any = Vec::new();
    if through == Through::PlaceText {
        // The same folded text the indexes hold: a form matches where it is a part.
        for form in term.least_forms() {
            let p = w.bind(form.to_owned());
            any.push(format!("instr(r.search_text, {p}) > 0"));
        }
        return any;
    }
    let (long, short): (Vec<&str>, Vec<&str>) = term
        .least_forms()
        .into_iter()
        .partition(|f| f.chars().count() >= 3);
    let (pairs, short): (Vec<&str>, Vec<&str>) = short.into_iter().partition(|f| is_bigram(f));
    for (forms, table) in [(long, "resources_fts"), (pairs, "resources_bigrams")] {
        if !forms.is_empty() {
            let phrase = forms
                .iter()
                .map(|f| fts_phrase(f))
                .collect::<Vec<_>>()
                .join(" OR ");
            let p = w.bind(phrase);
            any.push(format!(
                "r.rowid IN (SELECT rowid FROM {table} WHERE {table} MATCH {p})"
            ));
        }
    }
    for form in short {
        let p = w.bind(like_contains(form));
        any.push(format!("r.search_text LIKE {p} ESCAPE '\\'"));
    }
    any
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::words::{Dictionary, Synonym, understand};

    #[test]
    fn short_words_use_like_long_words_fts_and_synonyms_widen() {
        let dictionary = Dictionary {
            synonyms: vec![Synonym {
                word: "歯医者".into(),
                categories: vec!["medical.dental".into()],
                alternatives: vec!["歯科".into()],
            }],
            ..Dictionary::default()
        };
        let u = understand("体操 いきいき 歯医者 ・", &dictionary, 0);
        let (sql, params) = filters(&SearchQuery::default(), &u, 0);
        assert!(
            sql.contains("resources_bigrams MATCH ?1") && sql.contains("resources_fts MATCH ?2"),
            "{sql}"
        );
        assert_eq!(params[0], Value::from("\"体操\""));
        assert_eq!(params[1], Value::from("\"いきいき\""));
        assert_eq!(params[2], Value::from("\"歯医者\""));
        assert_eq!(params[3], Value::from("\"歯科\""));
        assert_eq!(params[4], Value::from("medical.dental"));
        assert!(sql.contains("LIKE ?8"), "one character is a LIKE: {sql}");
    }

    #[test]
    fn a_hazard_word_requires_the_designation_and_binds_it() {
        let u = understand("洪水 避難", &Dictionary::default(), 0);
        let (sql, params) = filters(&SearchQuery::default(), &u, 0);
        assert!(sql.contains("(r.hazards & ?1) = ?1"), "{sql}");
        assert_eq!(params[0], Value::from(1i64));
    }

    #[test]
    fn near_a_point_the_key_ranges_are_joined_first_as_one_value() {
        let query = SearchQuery {
            near: Some(super::super::Near {
                lat: 35.2,
                lng: 136.85,
                radius_m: 1000.0,
            }),
            ..SearchQuery::default()
        };
        let (sql, params) = filters(&query, &Understood::default(), 0);
        assert!(
            sql.starts_with(" FROM json_each(?1) AS cell CROSS JOIN resources r WHERE"),
            "{sql}"
        );
        assert!(matches!(&params[0], Value::Text(ranges) if ranges.starts_with("[[\"")));
        let (plain, _) = filters(&SearchQuery::default(), &Understood::default(), 0);
        assert!(plain.starts_with(" FROM resources r WHERE"), "{plain}");
    }
}
