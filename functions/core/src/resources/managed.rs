//! The resources an administrator keeps: drafts and closed ones too, in kana order, found
//! by a part of the name. Residents search with `search`; this list is what the admin
//! page picks a record to edit from, so nobody has to know an id.

use serde::Serialize;

use super::Status;
use super::search::{decode_cursor, encode_cursor};
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::ports::{Database, Value};
use crate::text::fold;

/// Rows per page.
pub const PAGE: usize = 50;

/// What the admin page asks for, read once from the query string.
#[derive(Debug, Default, PartialEq)]
pub struct ManagedQuery {
    /// Only this town (`None`: every town the caller may manage — the region for a sysadmin).
    pub municipality: Option<String>,
    /// A part of the name as written, or of its kana in any width or script.
    pub words: Option<String>,
    pub status: Option<Status>,
    cursor: Option<(String, String)>,
}

impl ManagedQuery {
    pub fn from_params(param: impl Fn(&str) -> Option<String>) -> Result<ManagedQuery, Error> {
        let mut errors = Vec::new();
        let municipality = param("municipality").filter(|m| !m.is_empty());
        if municipality
            .as_deref()
            .is_some_and(|m| !crate::public::municipalities::is_code(m))
        {
            errors.push(FieldError::new(
                "?municipality",
                "is not a five-digit municipality code",
                "市区町村コード（5桁）ではありません",
            ));
        }
        let words = param("q")
            .map(|q| q.trim().to_owned())
            .filter(|q| !q.is_empty());
        if words.as_deref().is_some_and(|q| q.chars().count() > 50) {
            errors.push(FieldError::new(
                "?q",
                "is longer than 50 characters",
                "50文字以内で入力してください",
            ));
        }
        let status = match param("status").as_deref() {
            None | Some("") => None,
            Some("draft") => Some(Status::Draft),
            Some("published") => Some(Status::Published),
            Some("closed") => Some(Status::Closed),
            Some(_) => {
                errors.push(FieldError::new(
                    "?status",
                    "must be draft, published or closed",
                    "公開状態は draft・published・closed のどれかです",
                ));
                None
            }
        };
        let cursor = match param("cursor").filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => match decode_cursor(&c) {
                Some((serde_json::Value::String(key), id)) => Some((key, id)),
                _ => {
                    errors.push(FieldError::new(
                        "?cursor",
                        "is not a cursor this API gave",
                        "続きの指定が正しくありません",
                    ));
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(Error::Validation(errors));
        }
        Ok(ManagedQuery {
            municipality,
            words,
            status,
            cursor,
        })
    }
}

/// One line of the list: what tells records apart at a glance.
#[derive(Debug, Serialize)]
pub struct ManagedItem {
    pub id: String,
    pub name: String,
    pub name_kana: Option<String>,
    pub municipality_code: String,
    pub category: String,
    pub category_name: String,
    pub address: Option<String>,
    pub status: Status,
    pub source: String,
    pub updated_at: String,
}

#[derive(Debug, Serialize)]
pub struct ManagedPage {
    pub items: Vec<ManagedItem>,
    pub next_cursor: Option<String>,
}

/// The page of resources `query` asks for, within `towns` (`None`: every town).
pub async fn list(
    env: &Env,
    query: &ManagedQuery,
    towns: Option<&[String]>,
) -> Result<ManagedPage, Error> {
    let mut params: Vec<Value> = Vec::new();
    let mut conditions = Vec::new();
    if let Some(towns) = towns {
        let marks = crate::ports::bind_list(&mut params, towns.iter().cloned());
        conditions.push(format!("r.municipality_code IN ({marks})"));
    }
    if let Some(status) = query.status {
        params.push(status.as_str().into());
        conditions.push(format!("r.status = ?{}", params.len()));
    }
    if let Some(words) = &query.words {
        // instr, not LIKE: a name may hold % or _, and D1 caps LIKE patterns at 50 bytes.
        // The name as written (kanji), or the folded kana key (サロン, ｻﾛﾝ and さろん alike).
        params.push(words.clone().into());
        params.push(fold(words).into());
        let n = params.len();
        conditions.push(format!(
            "(instr(r.name, ?{}) > 0 OR instr(r.sort_key, ?{n}) > 0)",
            n - 1
        ));
    }
    if let Some((key, id)) = &query.cursor {
        params.push(key.clone().into());
        params.push(id.clone().into());
        let n = params.len();
        conditions.push(format!("(r.sort_key, r.id) > (?{}, ?{n})", n - 1));
    }
    let filter = if conditions.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", conditions.join(" AND "))
    };
    let sql = env.sql(Database::Public).await?;
    let rows = sql
        .query(
            &format!(
                "SELECT r.id, r.name, r.name_kana, r.municipality_code, r.category, \
                 c.name_ja AS category_name, r.address, r.status, r.source, r.updated_at, r.sort_key \
                 FROM resources r JOIN categories c ON c.code = r.category {filter} \
                 ORDER BY r.sort_key, r.id LIMIT {}",
                PAGE + 1
            ),
            &params,
        )
        .await?;
    let mut items = Vec::with_capacity(rows.len().min(PAGE));
    let mut last_key = None;
    for row in rows.iter().take(PAGE) {
        last_key = Some(row.text("sort_key")?.to_owned());
        items.push(ManagedItem {
            id: row.text("id")?.to_owned(),
            name: row.text("name")?.to_owned(),
            name_kana: row.opt_text("name_kana")?.map(str::to_owned),
            municipality_code: row.text("municipality_code")?.to_owned(),
            category: row.text("category")?.to_owned(),
            category_name: row.text("category_name")?.to_owned(),
            address: row.opt_text("address")?.map(str::to_owned),
            status: Status::parse(row.text("status")?)?,
            source: row.text("source")?.to_owned(),
            updated_at: row.text("updated_at")?.to_owned(),
        });
    }
    let next_cursor = match (rows.len() > PAGE, last_key, items.last()) {
        (true, Some(key), Some(last)) => Some(encode_cursor(&key.into(), &last.id)),
        _ => None,
    };
    Ok(ManagedPage { items, next_cursor })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> Result<ManagedQuery, Error> {
        ManagedQuery::from_params(|name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn reads_the_query_once_and_names_each_bad_field() {
        let q = query(&[
            ("municipality", "23233"),
            ("q", " サロン "),
            ("status", "draft"),
        ])
        .unwrap();
        assert_eq!(q.municipality.as_deref(), Some("23233"));
        assert_eq!(q.words.as_deref(), Some("サロン"));
        assert_eq!(q.status, Some(Status::Draft));
        let Err(Error::Validation(errors)) = query(&[
            ("municipality", "'; DROP TABLE resources"),
            ("status", "deleted"),
            ("cursor", "zz"),
            ("q", &"あ".repeat(51)),
        ]) else {
            panic!("bad input accepted");
        };
        let pointers: Vec<_> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, ["?municipality", "?q", "?status", "?cursor"]);
    }

    #[test]
    fn a_cursor_is_the_one_the_list_gave() {
        let cursor = encode_cursor(&"さろん".into(), "01ABC");
        let q = query(&[("cursor", &cursor)]).unwrap();
        assert_eq!(q.cursor, Some(("さろん".to_owned(), "01ABC".to_owned())));
        // A search cursor (a number where the key was) is not one.
        let other = encode_cursor(&serde_json::json!(12.5), "01ABC");
        assert!(query(&[("cursor", &other)]).is_err());
    }
}
