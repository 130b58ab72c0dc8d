//! What a database holds as rows of its own, in an order its foreign keys accept, and what
//! keeps derived rows in step (triggers, full-text indexes): both directions of the SQL move
//! need the same view of a schema.

use std::collections::{BTreeMap, BTreeSet};

use rusqlite::Connection;

use super::BackupError;

/// A table whose rows are data: not SQLite's, D1's, Litestream's, nor a virtual table or
/// the shadow tables behind one.
#[derive(Debug)]
pub struct Table {
    pub name: String,
    /// Stored columns in table order (generated columns are computed, not moved).
    pub columns: Vec<String>,
    /// The primary key's columns (empty: none declared).
    pub key: Vec<String>,
}

/// Names no host of ours writes rows to: SQLite's own, D1's (`d1_migrations`, `_cf_…`),
/// Litestream's.
pub fn internal(name: &str) -> bool {
    name.starts_with("sqlite_")
        || name == "d1_migrations"
        || name.starts_with("_cf_")
        || name.starts_with("_litestream")
}

pub fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The data tables of `schema` ("main" or an attached name), parents before children.
pub fn data_tables(conn: &Connection, schema: &str) -> Result<Vec<Table>, BackupError> {
    let names: Vec<String> = conn
        .prepare(
            "SELECT name FROM pragma_table_list WHERE schema = ?1 AND type = 'table' ORDER BY name",
        )?
        .query_map([schema], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut tables = BTreeMap::new();
    let mut parents: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for name in names.into_iter().filter(|n| !internal(n)) {
        let mut columns = Vec::new();
        let mut key = Vec::new();
        let mut info =
            conn.prepare("SELECT name, pk FROM pragma_table_info(?1, ?2) ORDER BY cid")?;
        let mut rows = info.query((&name, schema))?;
        let mut keyed = Vec::new();
        while let Some(row) = rows.next()? {
            let column: String = row.get(0)?;
            let pk: i64 = row.get(1)?;
            if pk > 0 {
                keyed.push((pk, column.clone()));
            }
            columns.push(column);
        }
        keyed.sort();
        key.extend(keyed.into_iter().map(|(_, c)| c));
        let refs: BTreeSet<String> = conn
            .prepare("SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?1, ?2)")?
            .query_map((&name, schema), |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        parents.insert(name.clone(), refs);
        tables.insert(name.clone(), Table { name, columns, key });
    }
    // Parents first; a table is placed once all the tables it refers to are (itself and
    // tables outside the set aside). A cycle, which no schema of ours has, keeps name order.
    let mut ordered = Vec::new();
    let mut placed = BTreeSet::new();
    while !tables.is_empty() {
        let ready: Vec<String> = tables
            .keys()
            .filter(|name| {
                parents[*name]
                    .iter()
                    .all(|p| p == *name || placed.contains(p) || !tables.contains_key(p))
            })
            .cloned()
            .collect();
        let next = if ready.is_empty() {
            tables.keys().take(1).cloned().collect()
        } else {
            ready
        };
        for name in next {
            if let Some(table) = tables.remove(&name) {
                placed.insert(name);
                ordered.push(table);
            }
        }
    }
    Ok(ordered)
}

/// The triggers of `schema`, (name, CREATE statement), in name order.
pub fn triggers(conn: &Connection, schema: &str) -> Result<Vec<(String, String)>, BackupError> {
    let sql = format!(
        "SELECT name, sql FROM {}.sqlite_master WHERE type = 'trigger' ORDER BY name",
        quoted(schema)
    );
    Ok(conn
        .prepare(&sql)?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?)
}

/// The full-text tables of `schema` that index a content table, rebuilt from it after a
/// move. A full-text table that keeps its own text would lose it: refused.
pub fn indexes(conn: &Connection, schema: &str) -> Result<Vec<String>, BackupError> {
    let sql = format!(
        "SELECT name, sql FROM {}.sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name",
        quoted(schema)
    );
    let virtuals: Vec<(String, String)> = conn
        .prepare(&sql)?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    virtuals
        .into_iter()
        .map(|(name, sql)| {
            let folded = sql.to_ascii_lowercase().replace(' ', "");
            if folded.contains("usingfts5") && folded.contains("content='") {
                Ok(name)
            } else {
                Err(BackupError::Unmovable(name))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_come_before_children_and_internal_tables_are_left_out() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE b (id TEXT PRIMARY KEY, a_id TEXT REFERENCES a (id));
             CREATE TABLE a (id TEXT PRIMARY KEY, up TEXT REFERENCES a (id));
             CREATE TABLE c (x INTEGER, y INTEGER, PRIMARY KEY (y, x)) WITHOUT ROWID;
             CREATE TABLE d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT);
             CREATE VIRTUAL TABLE f USING fts5 (t, content = 'a', content_rowid = 'rowid');",
        )
        .unwrap();
        let tables = data_tables(&conn, "main").unwrap();
        let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["a", "c", "b"]);
        assert_eq!(tables[1].key, ["y", "x"]);
        assert_eq!(indexes(&conn, "main").unwrap(), ["f"]);
        conn.execute_batch("CREATE VIRTUAL TABLE own USING fts5 (t)")
            .unwrap();
        assert!(matches!(
            indexes(&conn, "main"),
            Err(BackupError::Unmovable(name)) if name == "own"
        ));
    }
}
