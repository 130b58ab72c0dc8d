//! `backup import-sql`: a data directory made from what `wrangler d1 export` writes (each
//! database as SQL with its schema), for a town moving from Workers to its own server.
//!
//! Each dump is run into a scratch SQLite file exactly as written (its schema, its rows,
//! its triggers last), then its rows are copied by column name into a database this
//! version's migrations made, with the triggers dropped while the rows go in (the copied
//! counters stand as they were) and the full-text index rebuilt. Every table is checked
//! (`integrity_check`, `foreign_key_check`) before the directory is put in place with one
//! rename, so a failure leaves nothing behind.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rusqlite::Connection;

use super::BackupError;
use super::export_sql::SECRETS_FILE;
use super::tables::{self, quoted};

/// The dumps to import: `<from>/{public,care,disaster}.sql`, and where present the auth
/// KV entries and the secrets, as `export-sql` names them.
pub struct Dumps {
    pub public: PathBuf,
    pub care: PathBuf,
    pub disaster: PathBuf,
    pub kv: Option<PathBuf>,
    pub secrets: Option<PathBuf>,
}

impl Dumps {
    pub fn from_dir(from: &Path) -> Dumps {
        let present = |name: &str| Some(from.join(name)).filter(|p| p.is_file());
        Dumps {
            public: from.join("public.sql"),
            care: from.join("care.sql"),
            disaster: from.join("disaster.sql"),
            kv: present(super::export_sql::KV_FILE),
            secrets: present(SECRETS_FILE),
        }
    }
}

/// Rows imported per database.
pub struct Imported {
    pub rows: Vec<(&'static str, u64)>,
    pub kv_entries: usize,
}

pub fn import(dumps: &Dumps, data: &Path, force: bool) -> Result<Imported, BackupError> {
    let staging = super::staging_beside(data, force, ".rainbownet-import-")?;
    let mut rows = Vec::new();
    for (db, dump) in [
        (rainbownet_core::ports::Database::Public, &dumps.public),
        (rainbownet_core::ports::Database::Care, &dumps.care),
        (rainbownet_core::ports::Database::Disaster, &dumps.disaster),
    ] {
        rows.push((db.label(), import_database(db, dump, staging.path())?));
    }
    let kv_entries = write_kv(staging.path(), dumps.kv.as_deref())?;
    if let Some(path) = &dumps.secrets {
        stage_secrets(path, staging.path())?;
    }
    let absent = !data.exists();
    let placed = super::archive::take_key(staging.path(), data, force)
        .and_then(|key| super::archive::put_in_place(staging, data, key));
    super::leave_nothing(absent, data, placed)?;
    Ok(Imported { rows, kv_entries })
}

/// One dump into `<staging>/<db>.sqlite`, made by this version's migrations; rows copied.
fn import_database(
    db: rainbownet_core::ports::Database,
    dump: &Path,
    staging: &Path,
) -> Result<u64, BackupError> {
    let scratch = staging.join(format!("{}.dump.sqlite", db.label()));
    {
        let sql = std::fs::read_to_string(dump).map_err(|e| BackupError::io(dump, e))?;
        let conn = Connection::open(&scratch)?;
        conn.execute_batch(&sql)
            .map_err(|e| BackupError::Dump(dump.to_path_buf(), e.to_string()))?;
    }
    let target = staging.join(format!("{}.sqlite", db.label()));
    {
        let made =
            crate::store::sqlite::SqliteDb::open(&target, crate::store::sqlite::Reads::Copied)
                .map_err(|e| BackupError::Damaged(e.to_string()))?;
        crate::store::migrate::apply(&made, db).map_err(|e| BackupError::Damaged(e.to_string()))?;
    }
    let mut conn = Connection::open(&target)?;
    conn.execute("ATTACH DATABASE ?1 AS dump", [scratch.to_string_lossy()])?;
    let ours: BTreeSet<String> = names(&conn, "SELECT name FROM main.d1_migrations")?;
    // A dump without d1_migrations (a partial export) is taken on its tables alone.
    let has_record: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM dump.sqlite_master WHERE name = 'd1_migrations')",
        [],
        |r| r.get(0),
    )?;
    if has_record {
        let theirs = names(&conn, "SELECT name FROM dump.d1_migrations")?;
        if let Some(unknown) = theirs.difference(&ours).next() {
            return Err(BackupError::Newer(dump.to_path_buf(), unknown.clone()));
        }
    }
    let targets = tables::data_tables(&conn, "main")?;
    let sources = tables::data_tables(&conn, "dump")?;
    if let Some(stranger) = sources
        .iter()
        .find(|s| !targets.iter().any(|t| t.name == s.name))
    {
        return Err(BackupError::Newer(
            dump.to_path_buf(),
            format!("table {}", stranger.name),
        ));
    }
    let triggers = tables::triggers(&conn, "main")?;
    let indexes = tables::indexes(&conn, "main")?;
    let tx = conn.transaction()?;
    tx.execute_batch("PRAGMA defer_foreign_keys = TRUE")?;
    for (name, _) in &triggers {
        tx.execute_batch(&format!("DROP TRIGGER main.{}", quoted(name)))?;
    }
    for table in targets.iter().rev() {
        tx.execute_batch(&format!("DELETE FROM main.{}", quoted(&table.name)))?;
    }
    let mut rows = 0;
    for table in &targets {
        let Some(source) = sources.iter().find(|s| s.name == table.name) else {
            continue;
        };
        let common: Vec<String> = table
            .columns
            .iter()
            .filter(|c| source.columns.contains(c))
            .map(|c| quoted(c))
            .collect();
        let columns = common.join(", ");
        rows += tx.execute(
            &format!(
                "INSERT INTO main.{t} ({columns}) SELECT {columns} FROM dump.{t}",
                t = quoted(&table.name)
            ),
            [],
        )? as u64;
    }
    for index in &indexes {
        tx.execute_batch(&format!(
            "INSERT INTO main.{0} ({0}) VALUES ('rebuild')",
            quoted(index)
        ))?;
    }
    for (_, sql) in &triggers {
        tx.execute_batch(sql)?;
    }
    tx.commit()?;
    conn.execute_batch("DETACH DATABASE dump")?;
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    let orphans: i64 =
        conn.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })?;
    if integrity != "ok" || orphans != 0 {
        return Err(BackupError::Dump(
            dump.to_path_buf(),
            format!("integrity {integrity}, {orphans} rows refer to rows that are not there"),
        ));
    }
    conn.pragma_update(None, "wal_checkpoint", "TRUNCATE")?;
    drop(conn);
    std::fs::remove_file(&scratch).map_err(|e| BackupError::io(&scratch, e))?;
    Ok(rows)
}

fn names(conn: &Connection, sql: &str) -> Result<BTreeSet<String>, BackupError> {
    Ok(conn
        .prepare(sql)?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?)
}

/// The auth KV store: the entries given, and the bootstrap token closed where an active
/// sysadmin came with the care database (the portal, which can not look, reads the flag).
fn write_kv(staging: &Path, file: Option<&Path>) -> Result<usize, BackupError> {
    let kv_path = staging.join("kv.sqlite");
    crate::store::kv::KvFile::open(&kv_path).map_err(|e| BackupError::Damaged(e.to_string()))?;
    let conn = Connection::open(&kv_path)?;
    let store = rainbownet_core::ports::KvStore::Auth.label();
    let mut written = 0;
    if let Some(file) = file {
        let text = std::fs::read(file).map_err(|e| BackupError::io(file, e))?;
        let entries: Vec<KvEntry> = serde_json::from_slice(&text)
            .map_err(|e| BackupError::Json(file.to_path_buf(), e.to_string()))?;
        for entry in entries {
            let value = if entry.base64 {
                use base64ct::Encoding;
                base64ct::Base64::decode_vec(&entry.value)
                    .map_err(|e| BackupError::Json(file.to_path_buf(), e.to_string()))?
            } else {
                entry.value.into_bytes()
            };
            conn.execute(
                "INSERT OR REPLACE INTO kv (store, key, value, expires_at) VALUES (?1, ?2, ?3, ?4)",
                (store, &entry.key, value, entry.expiration.map(|s| s * 1000)),
            )?;
            written += 1;
        }
    }
    let care = Connection::open(staging.join("care.sqlite"))?;
    let sysadmin: bool = care.query_row(
        "SELECT EXISTS (SELECT 1 FROM professionals p, json_each(p.roles) r \
         WHERE p.status = 'active' AND r.value = 'sysadmin')",
        [],
        |r| r.get(0),
    )?;
    if sysadmin {
        conn.execute(
            "INSERT OR REPLACE INTO kv (store, key, value, expires_at) VALUES (?1, ?2, ?3, NULL)",
            (
                store,
                rainbownet_core::auth::bootstrap::CLOSED_KEY,
                b"1".as_slice(),
            ),
        )?;
    }
    Ok(written)
}

#[derive(serde::Deserialize)]
struct KvEntry {
    key: String,
    value: String,
    #[serde(default)]
    base64: bool,
    expiration: Option<i64>,
}

/// The token seed into the staged directory, and the data key where `take_key` finds it.
fn stage_secrets(path: &Path, staging: &Path) -> Result<(), BackupError> {
    let text = std::fs::read(path).map_err(|e| BackupError::io(path, e))?;
    let secrets: std::collections::BTreeMap<String, String> = serde_json::from_slice(&text)
        .map_err(|e| BackupError::Json(path.to_path_buf(), e.to_string()))?;
    for (name, file) in [
        (
            rainbownet_core::auth::keys::SEED_KEY,
            super::archive::SEED_FILE,
        ),
        (
            rainbownet_core::auth::sealed::DATA_KEY,
            super::archive::KEY_FILE,
        ),
    ] {
        if let Some(value) = secrets.get(name) {
            if rainbownet_core::auth::keys::from_hex(value).is_none() {
                return Err(BackupError::Json(
                    path.to_path_buf(),
                    format!("{name} is not 64 hex characters ({SECRETS_FILE})"),
                ));
            }
            let target = staging.join(file);
            std::io::Write::write_all(
                &mut super::archive::private_file(&target)?,
                value.as_bytes(),
            )
            .map_err(|e| BackupError::io(&target, e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECORD: &str = "CREATE TABLE d1_migrations(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL);";

    fn dumps(dir: &Path, public: &str) -> Dumps {
        for (name, sql) in [("public", public), ("care", RECORD), ("disaster", RECORD)] {
            std::fs::write(dir.join(format!("{name}.sql")), sql).unwrap();
        }
        Dumps::from_dir(dir)
    }

    #[test]
    fn dumps_it_can_not_read_are_refused_and_leave_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let future =
            format!("{RECORD} INSERT INTO d1_migrations VALUES (1, '9999_future.sql', 'x');");
        let refused = import(&dumps(dir.path(), &future), &data, false);
        assert!(
            matches!(&refused, Err(BackupError::Newer(_, name)) if name == "9999_future.sql"),
            "{:?}",
            refused.err()
        );
        let rows_only = "INSERT INTO \"municipalities\" VALUES('23233','清須市');";
        let refused = import(&dumps(dir.path(), rows_only), &data, false);
        assert!(
            matches!(&refused, Err(BackupError::Dump(..))),
            "{:?}",
            refused.err()
        );
        let stranger = format!("{RECORD} CREATE TABLE bitcoin (x);");
        let refused = import(&dumps(dir.path(), &stranger), &data, false);
        assert!(matches!(&refused, Err(BackupError::Newer(_, t)) if t == "table bitcoin"));
        assert!(!data.exists(), "a refused import left {}", data.display());
        let leftovers = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(".rainbownet-import-")
            })
            .count();
        assert_eq!(leftovers, 0);
        // A data directory in use is not replaced without --force.
        std::fs::create_dir(&data).unwrap();
        std::fs::write(data.join("care.sqlite"), b"x").unwrap();
        assert!(matches!(
            import(&dumps(dir.path(), RECORD), &data, false),
            Err(BackupError::NotEmpty(_))
        ));
    }

    #[test]
    fn an_empty_export_makes_an_empty_town() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let imported = import(&dumps(dir.path(), RECORD), &data, false).unwrap();
        assert!(imported.rows.iter().all(|(_, rows)| *rows == 0));
        assert!(data.join("public.sqlite").is_file() && data.join("kv.sqlite").is_file());
    }
}
