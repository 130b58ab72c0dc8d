//! Cursor pages in insertion order (rowid), newest first, shared by the patient timeline,
//! project timelines and message threads. The cursor is the rowid of the last item of a
//! page: opaque to clients, stable under inserts, and served by `(owner, rowid)` indexes
//! without a sort.

use crate::error::{Error, FieldError};
use crate::ports::{Row, Rows, StoreError, Value};

/// The most items a page holds, whatever `?limit=` asks.
pub const MAX_PAGE: usize = 50;

/// Appends to `query` (which selects `rowid AS seq` from a table aliased `alias`) the
/// cursor condition, the order and a limit one past the page, binding both in `params`.
pub fn keyset(
    query: &mut String,
    params: &mut Vec<Value>,
    alias: &str,
    cursor: Option<&str>,
    limit: usize,
) -> Result<(), Error> {
    if let Some(c) = cursor {
        let seq: i64 = c.parse().map_err(|_| {
            Error::Validation(vec![FieldError::new(
                "?cursor",
                "is not a cursor this API gave",
                "ページ位置が正しくありません",
            )])
        })?;
        params.push(seq.into());
        query.push_str(&format!(" AND {alias}.rowid < ?{}", params.len()));
    }
    params.push(i64::try_from(limit + 1).unwrap_or(i64::MAX).into());
    query.push_str(&format!(
        " ORDER BY {alias}.rowid DESC LIMIT ?{}",
        params.len()
    ));
    Ok(())
}

/// A page read with [`keyset`]: its items, the cursor of the next page, and the newest
/// rowid on it (for read marks).
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
    pub newest: Option<i64>,
}

pub fn page<T>(
    rows: &Rows,
    limit: usize,
    item: impl Fn(&Row<'_>) -> Result<T, StoreError>,
) -> Result<Page<T>, StoreError> {
    let mut items = Vec::new();
    let mut seqs = Vec::new();
    for row in rows.iter() {
        seqs.push(row.int("seq")?);
        items.push(item(&row)?);
    }
    let next_cursor = (items.len() > limit)
        .then(|| seqs.get(limit.wrapping_sub(1)).map(i64::to_string))
        .flatten();
    items.truncate(limit);
    Ok(Page {
        items,
        next_cursor,
        newest: seqs.first().copied(),
    })
}
