//! What an empty first page offers instead: the same search less one thing that may have
//! excluded everything (the place, a filter word, all words but one), each only if it
//! finds something.

use super::filters::open_now;
use super::{SearchQuery, Suggestion, orders};
use crate::env::Env;
use crate::error::Error;
use crate::resources::words::{Dictionary, Understood, understand};

/// Searches that would find something: without the place, without one filter word, one
/// word alone, a category a word names in place of the one asked for, the whole region. Never without a hazard word: a site
/// not designated for the hazard is no answer to a resident fleeing it.
pub(super) async fn suggest(
    env: &Env,
    query: &SearchQuery,
    understood: &Understood,
    dictionary: &Dictionary,
    now: i64,
) -> Result<Vec<Suggestion>, Error> {
    let words: Vec<&str> = query
        .words
        .as_deref()
        .map(|w| w.split_whitespace().collect())
        .unwrap_or_default();
    // The words as typed, less one (compared folded, as the search reads them).
    let without = |skip: &str| -> Option<String> {
        let skip = crate::text::fold(skip);
        let rest: Vec<&str> = words
            .iter()
            .copied()
            .filter(|w| crate::text::fold(w) != skip)
            .collect();
        (!rest.is_empty()).then(|| rest.join(" "))
    };
    let base = SearchQuery {
        cursor: None,
        limit: 1,
        ..query.clone()
    };
    let mut variants: Vec<(String, SearchQuery)> = Vec::new();
    if query.near.is_some() {
        variants.push((
            "現在地にこだわらず、地域全体で探す".into(),
            SearchQuery {
                near: None,
                ..base.clone()
            },
        ));
    }
    for reading in &understood.readings {
        let hazard = crate::resources::hazard::Hazard::from_word(&crate::text::fold(&reading.word))
            .is_some();
        if !hazard {
            variants.push((
                format!("「{}」（{}）を外して探す", reading.word, reading.meaning),
                SearchQuery {
                    words: without(&reading.word),
                    ..base.clone()
                },
            ));
        }
    }
    if query.municipality.is_some()
        || query.category.is_some()
        || query.open_now
        || query.open_on.is_some()
    {
        variants.push((
            "市町・分類・曜日の指定を外して探す".into(),
            SearchQuery {
                words: query.words.clone(),
                near: query.near.clone(),
                limit: 1,
                ..SearchQuery::default()
            },
        ));
    }
    for term in &understood.terms {
        // A category the word names, in place of the one asked for: without one asked
        // for, its places were all in this search already, which found none of them.
        let named = if query.category.is_some() {
            term.categories.as_slice()
        } else {
            &[]
        };
        for code in named {
            if let Some((_, _, label)) = dictionary.categories.iter().find(|(c, _, _)| c == code) {
                variants.push((
                    format!("分類「{label}」をすべて見る"),
                    SearchQuery {
                        words: without(&term.typed),
                        category: Some(code.clone()),
                        ..base.clone()
                    },
                ));
            }
        }
        if understood.terms.len() > 1 {
            variants.push((
                format!("「{}」だけで探す", term.typed),
                SearchQuery {
                    words: Some(term.typed.clone()),
                    ..base.clone()
                },
            ));
        }
    }
    if !understood.hazards.is_empty() {
        variants.push((
            "避難場所・避難所の一覧（それぞれの対応する災害をご確認ください）".into(),
            SearchQuery {
                category: Some("disaster".into()),
                limit: 1,
                ..SearchQuery::default()
            },
        ));
    }
    let mut found = Vec::new();
    // An empty answer costs at most TRIES counts more than the search that found nothing,
    // and never a whole search: a flood of words that match nothing (anyone can send one)
    // must not cost the host several searches each (issue #33 M4).
    let mut tries = 0;
    for (label, variant) in variants {
        if tries == TRIES {
            break;
        }
        let understood = variant
            .words
            .as_deref()
            .map(|w| understand(w, dictionary, crate::time::jst(now).weekday))
            .unwrap_or_default();
        // Only what SQL counts without reading the matches: near a point (the circle is
        // measured here) or open now (the schedule is read here) would be a whole search.
        if variant.near.is_some() || open_now(&variant, &understood) {
            continue;
        }
        tries += 1;
        let count = orders::count(env, &variant, &understood, now).await?;
        if count > 0 {
            found.push(Suggestion {
                label,
                query: variant.to_query_string(),
                count,
            });
        }
    }
    Ok(found)
}

/// Counts an empty answer may run to find its suggestions: one keeps it at half the rate
/// of a search that finds (`tests/bench-abuse.sh`, figure 4).
const TRIES: usize = 1;
