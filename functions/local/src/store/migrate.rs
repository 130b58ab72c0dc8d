//! Applies the embedded `schema/<database>/NNNN_*.sql` migrations at start, recording them
//! in `d1_migrations` exactly as `wrangler d1 migrations apply` does, so `/healthz` reads
//! the schema version the same way on every host.

use rainbownet_core::ports::{Database, StoreError};

use super::sqlite::{SqliteDb, store_error};
use crate::embedded::MIGRATIONS;

const MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS d1_migrations(
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT UNIQUE,
    applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
);";

/// Applies every migration of `db` not yet recorded, each in its own transaction with its
/// record, so a crash leaves either the whole migration or none of it. Returns how many ran.
pub fn apply(sqlite: &SqliteDb, db: Database) -> Result<usize, StoreError> {
    let mut conn = sqlite.writer();
    conn.execute_batch(MIGRATIONS_TABLE).map_err(store_error)?;
    let mut applied = 0;
    for (label, name, sql) in MIGRATIONS.iter().filter(|(l, _, _)| *l == db.label()) {
        let done: bool = conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM d1_migrations WHERE name = ?1)",
                [name],
                |r| r.get(0),
            )
            .map_err(store_error)?;
        if done {
            continue;
        }
        let tx = conn.transaction().map_err(store_error)?;
        tx.execute_batch(sql)
            .map_err(|e| StoreError::Backend(format!("migration {label}/{name}: {e}")))?;
        tx.execute("INSERT INTO d1_migrations (name) VALUES (?1)", [name])
            .map_err(store_error)?;
        tx.commit().map_err(store_error)?;
        applied += 1;
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_once_and_records_names() {
        let dir = tempfile::tempdir().unwrap();
        let db = SqliteDb::open(
            &dir.path().join("public.sqlite"),
            crate::store::sqlite::Reads::Mapped,
        )
        .unwrap();
        let first = apply(&db, Database::Public).unwrap();
        assert!(first >= 1);
        assert_eq!(apply(&db, Database::Public).unwrap(), 0);
        let rows = db
            .query("SELECT name FROM d1_migrations ORDER BY id", &[])
            .unwrap();
        assert_eq!(rows.len(), first);
        assert!(
            rows.first()
                .unwrap()
                .text("name")
                .unwrap()
                .starts_with("0001_")
        );
    }
}
