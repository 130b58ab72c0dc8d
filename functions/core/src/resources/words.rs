//! What the words of a resident's query mean. Residents do not type our category names:
//! 「歯医者」 means the 歯科 category, 「月曜」 a day the place is open, 「洪水」 the sites
//! designated for floods, 「北名古屋」 the town. Each word is read once here into a filter
//! (weekday, time, hazard, facility, town) or a text term with the words and categories it
//! stands for; the search builds its SQL from the result and explains it in words.
//!
//! The synonyms are data (`search_words`, editable by sysadmins); weekdays, time words,
//! hazards and facilities are fixed vocabulary because they map onto columns.

use serde::Serialize;

use super::hazard::{Hazard, Hazards};
use super::schedule::WEEKDAYS;
use crate::env::Env;
use crate::error::Error;
use crate::ports::{Database, StoreError};
use crate::text::fold;
use crate::vocabulary::Word;

/// One row of `search_words`, folded.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Synonym {
    pub word: String,
    pub categories: Vec<String>,
    pub alternatives: Vec<String>,
}

/// The words the search knows, read from the store in one query: the synonyms, the
/// categories' labels and the towns' names.
#[derive(Clone, Debug, Default)]
pub struct Dictionary {
    pub synonyms: Vec<Synonym>,
    /// (code, folded label, label)
    pub categories: Vec<(String, String, String)>,
    /// (code, folded name, name)
    pub towns: Vec<(String, String, String)>,
}

impl Dictionary {
    pub async fn load(env: &Env) -> Result<Dictionary, Error> {
        let sql = env.sql(Database::Public).await?;
        let rows = sql
            .query(
                "SELECT 'w' AS kind, word AS a, categories AS b, alternatives AS c FROM search_words \
                 UNION ALL SELECT 'c', code, name_ja, '' FROM categories \
                 UNION ALL SELECT 'm', code, name, '' FROM municipalities",
                &[],
            )
            .await?;
        let mut dictionary = Dictionary::default();
        for row in rows.iter() {
            let (a, b, c) = (row.text("a")?, row.text("b")?, row.text("c")?);
            match row.text("kind")? {
                "w" => dictionary.synonyms.push(Synonym {
                    word: fold(a),
                    categories: b.split_whitespace().map(str::to_owned).collect(),
                    alternatives: fold(c)
                        .split(' ')
                        .filter(|w| !w.is_empty())
                        .map(str::to_owned)
                        .collect(),
                }),
                "c" => dictionary
                    .categories
                    .push((a.to_owned(), fold(b), b.to_owned())),
                "m" => dictionary.towns.push((a.to_owned(), fold(b), b.to_owned())),
                other => return Err(StoreError::Backend(format!("dictionary row {other}")).into()),
            }
        }
        Ok(dictionary)
    }

    fn synonym(&self, word: &str) -> Option<&Synonym> {
        self.synonyms.iter().find(|s| s.word == word)
    }

    /// A town named by `word`: its whole name (北名古屋市) or the name without 市・町・村
    /// (北名古屋), never a fragment, so that 「清洲」 (a district) is not 「清須市」.
    fn town(&self, word: &str) -> Option<&(String, String, String)> {
        self.towns.iter().find(|(_, folded, _)| {
            let town = folded.rsplit_once('郡').map_or(folded.as_str(), |(_, t)| t);
            [folded.as_str(), town].into_iter().any(|name| {
                name == word || name.strip_suffix(['市', '町', '村', '区']) == Some(word)
            })
        })
    }

    /// The folded label of category `code`.
    pub fn category_label(&self, code: &str) -> Option<&str> {
        self.categories
            .iter()
            .find(|(c, _, _)| c == code)
            .map(|(_, folded, _)| folded.as_str())
    }
}

/// A fact of a place that a word asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Facility {
    Wheelchair,
    Parking,
    Free,
}

impl Facility {
    const WORDS: [(&'static str, Facility); 9] = [
        ("車いす", Facility::Wheelchair),
        ("車椅子", Facility::Wheelchair),
        ("くるまいす", Facility::Wheelchair),
        ("バリアフリー", Facility::Wheelchair),
        ("駐車場", Facility::Parking),
        ("駐車場あり", Facility::Parking),
        ("車で", Facility::Parking),
        ("無料", Facility::Free),
        ("ただ", Facility::Free),
    ];

    fn from_word(word: &str) -> Option<Facility> {
        Facility::WORDS
            .iter()
            .find(|(w, _)| fold(w) == word)
            .map(|(_, f)| *f)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Facility::Wheelchair => "車椅子で利用できる",
            Facility::Parking => "駐車場がある",
            Facility::Free => "無料",
        }
    }

    /// The condition on a resource row `r`.
    pub fn sql(self) -> &'static str {
        match self {
            Facility::Wheelchair => "r.wheelchair = 1",
            Facility::Parking => "r.parking = 1",
            Facility::Free => "r.fee LIKE '%無料%'",
        }
    }
}

/// A word matched against the text: the word as typed (folded), the words it stands for,
/// and the categories it names.
#[derive(Clone, Debug, PartialEq)]
pub struct TextTerm {
    /// As the resident typed it, for saying what matched.
    pub typed: String,
    pub word: String,
    pub alternatives: Vec<String>,
    pub categories: Vec<String>,
}

impl TextTerm {
    /// Every form the term matches in text: the word, then what it stands for.
    pub fn forms(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.word.as_str()).chain(self.alternatives.iter().map(String::as_str))
    }

    /// The forms a text must contain one of, less those that contain another form: a text
    /// with ふれあいさろん has さろん, so testing both only doubles the work.
    pub fn least_forms(&self) -> Vec<&str> {
        let forms: Vec<&str> = self.forms().collect();
        let mut least: Vec<&str> = Vec::with_capacity(forms.len());
        for (i, form) in forms.iter().enumerate() {
            let implied = forms.iter().enumerate().any(|(j, other)| {
                // Of two equal forms the first is kept.
                j != i && form.contains(other) && (form.len() > other.len() || j < i)
            });
            if !implied {
                least.push(form);
            }
        }
        least
    }
}

/// A query read into filters and text terms.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Understood {
    pub terms: Vec<TextTerm>,
    pub hazards: Hazards,
    /// Bit per weekday, Monday = 1: open on any of these days.
    pub days: i64,
    pub open_now: bool,
    pub facilities: Vec<Facility>,
    /// (code, name)
    pub town: Option<(String, String)>,
    /// What each filter word was read as, in words, for the page and the API: 「月曜」 → 月曜日に開く.
    pub readings: Vec<Reading>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reading {
    pub word: String,
    pub meaning: String,
}

const DAY_JA: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];

/// The weekdays a word names: 月曜, 月曜日, 毎週月曜, 月曜日の; 平日, 週末, 土日.
fn days_of(word: &str) -> Option<i64> {
    match word {
        "平日" => return Some(0b001_1111),
        "週末" | "土日" => return Some(0b110_0000),
        _ => {}
    }
    let w = word.strip_prefix("毎週").unwrap_or(word);
    let w = w.strip_suffix('の').unwrap_or(w);
    let w = w
        .strip_suffix('日')
        .filter(|s| s.ends_with('曜'))
        .unwrap_or(w);
    let day = w.strip_suffix('曜')?;
    DAY_JA.iter().position(|d| *d == day).map(|i| 1 << i)
}

fn day_names(days: i64) -> String {
    DAY_JA
        .iter()
        .enumerate()
        .filter(|(i, _)| days & (1 << i) != 0)
        .map(|(_, d)| format!("{d}曜日"))
        .collect::<Vec<_>>()
        .join("・")
}

/// Reads `words` (as typed) with `dictionary`; `today` is the weekday in Japan, 0 = Monday.
pub fn understand(words: &str, dictionary: &Dictionary, today: u8) -> Understood {
    let mut u = Understood::default();
    let pieces = words.split_whitespace().flat_map(|typed| {
        let folded = fold(typed);
        let parts: Vec<String> = folded
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect();
        let whole = parts.len() == 1;
        parts
            .into_iter()
            .map(move |p| (if whole { typed.to_owned() } else { p.clone() }, p))
    });
    for (typed, word) in pieces {
        let word = word.as_str();
        let mut read = |meaning: String| {
            u.readings.push(Reading {
                word: typed.clone(),
                meaning,
            })
        };
        if let Some(days) = days_of(word) {
            read(format!("{}に開く", day_names(days)));
            u.days |= days;
        } else if matches!(word, "今日" | "きょう" | "本日") {
            read(format!(
                "今日（{}曜日）開く",
                DAY_JA[usize::from(today % 7)]
            ));
            u.days |= 1 << today;
        } else if matches!(
            word,
            "今" | "いま" | "今すぐ" | "営業中" | "開いている" | "あいている"
        ) {
            read("今開いている".into());
            u.open_now = true;
        } else if let Some(hazard) = Hazard::from_word(word) {
            read(format!("{}に対応する避難場所", hazard.label_ja()));
            u.hazards.insert(hazard);
        } else if let Some(facility) = Facility::from_word(word) {
            read(facility.label_ja().into());
            if !u.facilities.contains(&facility) {
                u.facilities.push(facility);
            }
        } else if let Some((code, _, name)) = dictionary.town(word) {
            read(format!("{name}の中"));
            u.town = Some((code.clone(), name.clone()));
        } else {
            let (alternatives, categories) = match dictionary.synonym(word) {
                Some(s) => (s.alternatives.clone(), s.categories.clone()),
                None => (Vec::new(), Vec::new()),
            };
            let mut term = TextTerm {
                typed: typed.clone(),
                word: word.to_owned(),
                alternatives: alternatives.into_iter().filter(|a| a != word).collect(),
                categories,
            };
            // A category whose name holds the word (サロン, 認知症カフェ for カフェ) is named by
            // it: its places match as that category, not through their text, which does
            // not hold the category's name (`ResourceFields::search_text`).
            for (code, label, _) in &dictionary.categories {
                let covered = term.categories.iter().any(|named| {
                    code.strip_prefix(named.as_str())
                        .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
                });
                if !covered && term.forms().any(|f| label.contains(f)) {
                    term.categories.push(code.clone());
                }
            }
            u.terms.push(term);
        }
    }
    u
}

/// Whether the words ask for "open now", which changes by the minute.
pub fn asks_for_now(words: &str) -> bool {
    fold(words).split(' ').any(|w| {
        matches!(
            w,
            "今" | "いま" | "今すぐ" | "営業中" | "開いている" | "あいている"
        )
    })
}

/// How well a result matched one term, best first; the order of results follows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Match {
    Description = 1,
    Category = 3,
    Kana = 4,
    NameSynonym = 6,
    Name = 8,
}

impl Match {
    pub fn label_ja(self) -> &'static str {
        match self {
            Match::Name => "名称",
            Match::NameSynonym => "名称（言いかえ）",
            Match::Kana => "ふりがな",
            Match::Category => "分類",
            Match::Description => "住所・説明",
        }
    }
}

/// Where `term` matched a result: its folded name and kana, and its category.
pub fn match_of(
    term: &TextTerm,
    name: &str,
    kana: &str,
    category: &str,
    dictionary: &Dictionary,
) -> Match {
    if name.contains(term.word.as_str()) {
        return Match::Name;
    }
    if term.alternatives.iter().any(|a| name.contains(a.as_str())) {
        return Match::NameSynonym;
    }
    if term.forms().any(|f| kana.contains(f)) {
        return Match::Kana;
    }
    let named = term.categories.iter().any(|c| {
        category == c
            || category
                .strip_prefix(c.as_str())
                .is_some_and(|rest| rest.starts_with('.'))
    });
    let label = dictionary.category_label(category).unwrap_or_default();
    if named || term.forms().any(|f| label.contains(f)) {
        return Match::Category;
    }
    Match::Description
}

/// The weekday names the days of `WEEKDAYS` use, for the API's `open_on`.
pub fn weekday_code(day: u8) -> &'static str {
    WEEKDAYS[usize::from(day % 7)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_that_contains_another_is_not_tested_again() {
        let term = TextTerm {
            typed: "サロン".into(),
            word: "さろん".into(),
            alternatives: vec!["ふれあいさろん".into(), "つどい".into(), "さろん".into()],
            categories: Vec::new(),
        };
        assert_eq!(term.least_forms(), ["さろん", "つどい"]);
        let wider = TextTerm {
            word: "ふれあいさろん".into(),
            alternatives: vec!["さろん".into()],
            ..term
        };
        assert_eq!(wider.least_forms(), ["さろん"]);
    }

    fn dictionary() -> Dictionary {
        Dictionary {
            synonyms: vec![Synonym {
                word: fold("歯医者"),
                categories: vec!["medical.dental".into()],
                alternatives: vec![fold("歯科")],
            }],
            categories: vec![
                ("medical.dental".into(), fold("歯科"), "歯科".into()),
                (
                    "care.home_care".into(),
                    fold("訪問介護・訪問看護"),
                    "訪問介護・訪問看護".into(),
                ),
                ("gathering.salon".into(), fold("サロン"), "サロン".into()),
            ],
            towns: vec![
                ("23234".into(), fold("北名古屋市"), "北名古屋市".into()),
                (
                    "23342".into(),
                    fold("西春日井郡豊山町"),
                    "西春日井郡豊山町".into(),
                ),
            ],
        }
    }

    #[test]
    fn a_word_in_a_categorys_name_names_the_category() {
        let d = dictionary();
        let terms = |w: &str| understand(w, &d, 0).terms;
        assert_eq!(terms("訪問看護")[0].categories, ["care.home_care"]);
        assert_eq!(terms("さろん")[0].categories, ["gathering.salon"], "folded");
        // Named by its synonym already: not twice.
        assert_eq!(terms("歯医者")[0].categories, ["medical.dental"]);
        assert!(terms("公園")[0].categories.is_empty());
    }

    #[test]
    fn weekday_forms_are_one_day() {
        for w in ["月曜", "月曜日", "毎週月曜", "毎週月曜日", "月曜日の"] {
            assert_eq!(days_of(w), Some(1), "{w}");
        }
        assert_eq!(days_of("日曜"), Some(64));
        assert_eq!(days_of("平日"), Some(31));
        assert_eq!(days_of("月"), None, "a month is not a Monday");
        assert_eq!(days_of("曜日"), None);
    }

    #[test]
    fn words_become_filters_and_terms() {
        let u = understand(
            "体操教室 月曜 洪水 車いす 北名古屋 歯医者 今日",
            &dictionary(),
            2,
        );
        assert_eq!(u.days, 1 | 4);
        assert!(u.hazards.contains(Hazard::Flood));
        assert_eq!(u.facilities, [Facility::Wheelchair]);
        assert_eq!(u.town.as_ref().map(|t| t.0.as_str()), Some("23234"));
        let words: Vec<&str> = u.terms.iter().map(|t| t.word.as_str()).collect();
        assert_eq!(words, ["体操教室", "歯医者"]);
        assert_eq!(u.terms[1].categories, ["medical.dental"]);
        let meanings: Vec<&str> = u.readings.iter().map(|r| r.meaning.as_str()).collect();
        assert!(meanings.contains(&"洪水に対応する避難場所"), "{meanings:?}");
        assert!(meanings.contains(&"今日（水曜日）開く"), "{meanings:?}");
    }

    #[test]
    fn a_town_is_named_whole_or_without_its_suffix() {
        let d = dictionary();
        assert!(d.town(&fold("北名古屋")).is_some());
        assert!(d.town(&fold("豊山町")).is_some());
        assert!(d.town(&fold("豊山")).is_some());
        assert!(
            d.town(&fold("北名")).is_none(),
            "a fragment is a word, not a town"
        );
    }

    #[test]
    fn name_matches_rank_above_kana_category_and_text() {
        let d = dictionary();
        let term = |w: &str| understand(w, &d, 0).terms.remove(0);
        let nursing = term("訪問看護");
        assert_eq!(
            match_of(
                &nursing,
                &fold("清洲訪問看護ステーション"),
                "",
                "care.home_care",
                &d
            ),
            Match::Name
        );
        assert_eq!(
            match_of(
                &nursing,
                &fold("清洲ヘルパーステーション"),
                "",
                "care.home_care",
                &d
            ),
            Match::Category
        );
        let dentist = term("歯医者");
        assert_eq!(
            match_of(&dentist, &fold("春日歯科医院"), "", "medical.dental", &d),
            Match::NameSynonym
        );
        assert!(Match::Name > Match::NameSynonym && Match::Kana > Match::Category);
    }
}
