//! A word that names a category (サロン, 体操) matches thousands of places by their category
//! alone, and those all score alike (分類 for that word): among themselves they rank in kana
//! order. So away from a point they are read a page at a time in that order, straight from
//! `resources_category (status, category, sort_key, id, …)`, one category at a time, beside
//! the few whose text holds the word, which are ranked as any match is. Reading and ranking
//! all of them (up to 5,000 of 20,000 for 「サロン」 over a region of 100,000) spent most of
//! a search's time copying and folding rows that the page never showed.

use super::filters::{Matches, filters_of, open_now};
use super::found::Found;
use super::store::{FOUND_COLUMNS, counted, found_in_store, found_of, in_kana_order};
use super::{MAX_RANKED, SearchQuery, decode_cursor};
use crate::env::Env;
use crate::error::Error;
use crate::ports::Database;
use crate::resources::words::{Dictionary, Match, TextTerm, Understood};

/// The matches to rank for the page asked (those in text, then the page of those by
/// category only) and how many match in all (at most [`MAX_RANKED`], as when all are
/// ranked). `None` when the search is not one word naming categories away from a point.
pub(super) async fn find(
    env: &Env,
    query: &SearchQuery,
    understood: &Understood,
    dictionary: &Dictionary,
    now: i64,
) -> Result<Option<(Vec<Found<'static>>, usize)>, Error> {
    let Some(term) = one_word(query, understood) else {
        return Ok(None);
    };
    // Each category the word names and its children, as the network lists them (a
    // resource's category must be one of them).
    let mut codes: Vec<&str> = dictionary
        .categories
        .iter()
        .map(|(code, _, _)| code.as_str())
        .filter(|code| {
            term.categories.iter().any(|named| {
                code.strip_prefix(named.as_str())
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
            })
        })
        .collect();
    codes.sort_unstable();
    codes.dedup();
    if codes.is_empty() {
        return Ok(None);
    }

    let (where_sql, params) = filters_of(query, understood, now, Matches::InText);
    let mut found = found_in_store(env, query, understood, &where_sql, params, now).await?;
    let in_text = found.len();

    // Where the page starts among those by category only: all of them score this.
    let score = Match::Category as i64;
    let after = match query.cursor.as_deref().and_then(decode_cursor) {
        None => Some(None),
        Some((position, id)) => {
            let at = position.get(0).and_then(|v| v.as_i64()).unwrap_or(i64::MAX);
            let key = position.get(2).and_then(|v| v.as_str()).unwrap_or_default();
            match at.cmp(&score) {
                std::cmp::Ordering::Greater => Some(None),
                std::cmp::Ordering::Equal => Some(Some((key.to_owned(), id))),
                std::cmp::Ordering::Less => None,
            }
        }
    };
    let sql = env.sql(Database::Public).await?;
    let page = query.limit + 1;
    let mut whole = query.cursor.is_none();
    if let Some(after) = &after {
        for code in &codes {
            let (where_sql, mut params) =
                filters_of(query, understood, now, Matches::ByCategoryOnly(Some(code)));
            let mut text = format!("SELECT {FOUND_COLUMNS}{where_sql}");
            in_kana_order(&mut text, &mut params, after.as_ref(), page);
            let rows = sql.query(&text, &params).await?;
            whole &= rows.len() < page;
            for row in rows.iter() {
                found.push(found_of(&row)?);
            }
        }
    }
    let by_category = if whole {
        found.len() - in_text
    } else {
        let (where_sql, params) = filters_of(query, understood, now, Matches::ByCategoryOnly(None));
        counted(
            &*sql,
            &where_sql,
            params,
            Some(MAX_RANKED - in_text.min(MAX_RANKED)),
        )
        .await?
    };
    Ok(Some((found, (in_text + by_category).min(MAX_RANKED))))
}

/// The one word of a search away from a point, not open now, when it names categories.
fn one_word<'a>(query: &SearchQuery, understood: &'a Understood) -> Option<&'a TextTerm> {
    match understood.terms.as_slice() {
        [term]
            if !term.categories.is_empty()
                && query.near.is_none()
                && !open_now(query, understood) =>
        {
            Some(term)
        }
        _ => None,
    }
}
