//! The search dictionary as sysadmins keep it: `GET /api/v1/public/search-words` lists it,
//! `PUT …/{word}` sets one word (the categories and words it stands for), `DELETE` removes
//! one. The search reads it on every query, so an edit applies at once on every host.

use serde::{Deserialize, Serialize};

use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::ports::{Database, Statement, StoreError};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SearchWord {
    pub word: String,
    pub categories: Vec<String>,
    pub alternatives: Vec<String>,
    pub updated_at: String,
}

/// The body of `PUT /api/v1/public/search-words/{word}`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchWordInput {
    #[serde(default)]
    pub categories: Vec<String>,
    #[serde(default)]
    pub alternatives: Vec<String>,
}

const MAX_WORD_CHARS: usize = 40;
const MAX_ALTERNATIVES: usize = 20;

pub async fn list(env: &Env) -> Result<Vec<SearchWord>, Error> {
    let sql = env.sql(Database::Public).await?;
    let rows = sql
        .query(
            "SELECT word, categories, alternatives, updated_at FROM search_words ORDER BY word",
            &[],
        )
        .await?;
    rows.iter()
        .map(|r| {
            let split = |c: &str| -> Result<Vec<String>, StoreError> {
                Ok(r.text(c)?.split_whitespace().map(str::to_owned).collect())
            };
            Ok(SearchWord {
                word: r.text("word")?.to_owned(),
                categories: split("categories")?,
                alternatives: split("alternatives")?,
                updated_at: r.text("updated_at")?.to_owned(),
            })
        })
        .collect::<Result<_, StoreError>>()
        .map_err(Error::from)
}

/// Checks a word and what it stands for; every problem is reported at once.
fn check(word: &str, input: &SearchWordInput, known: &[String]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let fits = |w: &str| {
        let n = w.chars().count();
        (1..=MAX_WORD_CHARS).contains(&n) && !w.chars().any(|c| c.is_whitespace() || c.is_control())
    };
    if !fits(word) {
        errors.push(FieldError::new(
            "word",
            format!("one word of 1 to {MAX_WORD_CHARS} characters, without spaces"),
            format!("ことばは空白なしの1〜{MAX_WORD_CHARS}文字です"),
        ));
    }
    for (i, code) in input.categories.iter().enumerate() {
        if !known.contains(code) {
            errors.push(FieldError::new(
                format!("#/categories/{i}"),
                "unknown category",
                "分類が登録されていません",
            ));
        }
    }
    if input.alternatives.len() > MAX_ALTERNATIVES {
        errors.push(FieldError::new(
            "#/alternatives",
            format!("at most {MAX_ALTERNATIVES} words"),
            format!("言いかえは{MAX_ALTERNATIVES}語までです"),
        ));
    }
    for (i, w) in input.alternatives.iter().enumerate() {
        if !fits(w) {
            errors.push(FieldError::new(
                format!("#/alternatives/{i}"),
                format!("one word of 1 to {MAX_WORD_CHARS} characters, without spaces"),
                format!("言いかえは空白なしの1〜{MAX_WORD_CHARS}文字です"),
            ));
        }
    }
    if input.categories.is_empty() && input.alternatives.is_empty() {
        errors.push(FieldError::new(
            "#",
            "give categories or alternatives (or delete the word)",
            "分類か言いかえを指定してください（不要なら削除してください）",
        ));
    }
    errors
}

/// Sets `word`; returns it as stored.
pub async fn put(env: &Env, word: &str, input: SearchWordInput) -> Result<SearchWord, Error> {
    let word = word.trim();
    let sql = env.sql(Database::Public).await?;
    let known: Vec<String> = sql
        .query("SELECT code FROM categories", &[])
        .await?
        .iter()
        .map(|r| r.text("code").map(str::to_owned))
        .collect::<Result<_, _>>()?;
    let errors = check(word, &input, &known);
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    let now = crate::time::iso8601(env.clock.now_millis());
    sql.batch(&[Statement::new(
        "INSERT INTO search_words (word, categories, alternatives, updated_at) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (word) DO UPDATE SET categories = excluded.categories, \
         alternatives = excluded.alternatives, updated_at = excluded.updated_at",
        vec![
            word.into(),
            input.categories.join(" ").into(),
            input.alternatives.join(" ").into(),
            now.clone().into(),
        ],
    )])
    .await?;
    Ok(SearchWord {
        word: word.to_owned(),
        categories: input.categories,
        alternatives: input.alternatives,
        updated_at: now,
    })
}

/// Removes `word`; `false` when there was no such word.
pub async fn delete(env: &Env, word: &str) -> Result<bool, Error> {
    let sql = env.sql(Database::Public).await?;
    let done = sql
        .batch(&[
            Statement::new(
                "DELETE FROM search_words WHERE word = ?1",
                vec![word.trim().into()],
            ),
            Statement::new("SELECT changes() AS n", vec![]),
        ])
        .await?;
    let n = done
        .get(1)
        .and_then(|r| r.first())
        .map(|r| r.int("n"))
        .transpose()?;
    Ok(n.unwrap_or(0) > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_is_reported() {
        let input = SearchWordInput {
            categories: vec!["medical.dental".into(), "nope".into()],
            alternatives: vec!["ok".into(), "two words".into()],
        };
        let known = vec!["medical.dental".to_owned()];
        let pointers: Vec<String> = check(" ", &input, &known)
            .into_iter()
            .map(|e| e.pointer)
            .collect();
        assert_eq!(pointers, ["word", "#/categories/1", "#/alternatives/1"]);
        let empty = SearchWordInput {
            categories: vec![],
            alternatives: vec![],
        };
        assert_eq!(check("歯医者", &empty, &known).len(), 1);
    }
}
