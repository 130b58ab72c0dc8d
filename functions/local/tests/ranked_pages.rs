//! A word search away from a point, page after page, gives every match once, in the order
//! relevance defines (score, then kana, then id), with the same total on every page: the
//! places a word names by category alone are read in kana order from the category index
//! (`search/by_category.rs`), the rest ranked; the order here is worked out from every
//! row of the store, apart from the search.

use rainbownet::functions::Component;
use rainbownet::store::DataDir;
use rainbownet_core::ports::Database;
use rainbownet_core::resources::schedule::Rule;
use rainbownet_core::resources::search::{SearchQuery, search_with};
use rainbownet_core::resources::words::{Dictionary, match_of, understand};
use rainbownet_core::resources::{ResourceFields, Status};
use rainbownet_core::text::fold;

mod common;

use common::{Seq, region};

const CATEGORIES: [&str; 7] = [
    "gathering.salon",
    "gathering.exercise",
    "gathering.cafe",
    "medical.clinic",
    "medical.hospital",
    "care.day_service",
    "public.facility",
];
const NAMES: [&str; 8] = [
    "ふれあいサロン",
    "サロン・ド・みどり",
    "いきいき体操教室",
    "みどり診療所",
    "中央病院",
    "カフェ・オレンジ",
    "公民館",
    "健康づくり広場",
];
const KANA: [&str; 6] = ["あ", "か", "さ", "た", "な", "は"];

fn places(seq: &mut Seq) -> Vec<ResourceFields> {
    let towns = ["23233", "23234", "23342"];
    (0..1_500)
        .map(|n| {
            // Few kana, so that many places tie on it and the id decides.
            let kana =
                (seq.unit() < 0.7).then(|| (0..2).map(|_| *seq.pick(&KANA)).collect::<String>());
            ResourceFields {
                municipality_code: (*seq.pick(&towns)).into(),
                category: (*seq.pick(&CATEGORIES)).into(),
                name: format!("{}{}", seq.pick(&NAMES), n % 7),
                name_kana: kana,
                description: (seq.unit() < 0.2).then(|| "体操とサロンの会場です".to_owned()),
                lat: Some(35.17 + 0.05 * seq.unit()),
                lng: Some(136.80 + 0.06 * seq.unit()),
                schedule: if seq.unit() < 0.4 {
                    vec![Rule::Weekly {
                        days: vec!["mon".into()],
                        start: "10:00".into(),
                        end: "12:00".into(),
                    }]
                } else {
                    Vec::new()
                },
                status: if seq.unit() < 0.1 {
                    Status::Draft
                } else {
                    Status::Published
                },
                ..ResourceFields::default()
            }
        })
        .collect()
}

/// Whether `category` is `named` or one of its children.
fn under(category: &str, named: &str) -> bool {
    category
        .strip_prefix(named)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// Every match of `query` in relevance order, worked out from every published row.
fn expected(data: &DataDir, query: &SearchQuery, dictionary: &Dictionary) -> Vec<String> {
    let db = data.database(Database::Public);
    let rows = db
        .query(
            "SELECT id, name, sort_key, category, search_text, open_days, municipality_code \
             FROM resources WHERE status = 'published'",
            &[],
        )
        .expect("rows");
    let understood = understand(query.words.as_deref().unwrap_or(""), dictionary, 0);
    let mut ranked: Vec<(i64, String, String)> = Vec::new();
    for row in rows.iter() {
        let (id, name, sort_key, category, text) = (
            row.text("id").unwrap(),
            row.text("name").unwrap(),
            row.text("sort_key").unwrap(),
            row.text("category").unwrap(),
            row.text("search_text").unwrap(),
        );
        let days = row.int("open_days").unwrap();
        let town = row.text("municipality_code").unwrap();
        let matches = understood.terms.iter().all(|t| {
            t.least_forms().iter().any(|f| text.contains(f))
                || t.categories.iter().any(|c| under(category, c))
        });
        let kept = matches
            && (understood.days == 0 || days & understood.days != 0)
            && query.municipality.as_deref().is_none_or(|m| m == town)
            && query.category.as_deref().is_none_or(|c| under(category, c));
        if kept {
            let folded = fold(name);
            let score = understood
                .terms
                .iter()
                .map(|t| match_of(t, &folded, sort_key, category, dictionary) as i64)
                .sum();
            ranked.push((score, sort_key.to_owned(), id.to_owned()));
        }
    }
    ranked.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| (&a.1, &a.2).cmp(&(&b.1, &b.2))));
    ranked.into_iter().map(|(_, _, id)| id).collect()
}

#[test]
fn pages_of_a_word_search_follow_relevance_to_the_end() {
    let mut seq = Seq(0x51_7cc1_b727_220a);
    let (_dir, host, data) = region(places(&mut seq));
    let env = host.env_for(Component::Portal);
    let dictionary = pollster::block_on(Dictionary::load(&env)).expect("dictionary");
    // (words, town, category, page size): the last reads all its category-only matches
    // in one page, so counts them itself.
    let asks = [
        ("サロン", None, None, 7),
        ("体操", None, None, 7),
        ("サロン 月曜", None, None, 7),
        ("病院", None, None, 7),
        ("お医者さん", None, None, 7),
        ("カフェ", None, None, 7),
        ("サロン", Some("23234"), None, 7),
        ("体操", None, Some("gathering"), 7),
        ("公民館", None, None, 7),
        ("カフェ 月曜", Some("23342"), None, 60),
    ];
    for (words, town, category, limit) in asks {
        let mut query = SearchQuery {
            words: Some(words.into()),
            municipality: town.map(str::to_owned),
            category: category.map(str::to_owned),
            limit,
            ..SearchQuery::default()
        };
        let want = expected(&data, &query, &dictionary);
        assert!(
            want.len() > 20,
            "{words}: a test of many pages ({})",
            want.len()
        );
        let mut got = Vec::new();
        loop {
            let page = pollster::block_on(search_with(&env, &query, &dictionary, None))
                .unwrap_or_else(|e| panic!("{words}: {e:?}"));
            assert_eq!(page.total, Some(want.len()), "{words}: total on every page");
            got.extend(page.items.iter().map(|h| h.resource.id.clone()));
            match page.next_cursor {
                Some(cursor) => query.cursor = Some(cursor),
                None => break,
            }
            assert!(got.len() <= want.len(), "{words}: more pages than matches");
        }
        assert_eq!(got, want, "{words} {town:?} {category:?}");
    }
}
