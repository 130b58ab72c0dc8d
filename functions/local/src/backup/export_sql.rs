//! `backup export-sql`: a town's databases as SQL that `wrangler d1 execute --file` loads
//! into D1 (or `sqlite3` into a Spin SQLite file), its auth KV entries as the JSON
//! `wrangler kv bulk put` takes, and the two secrets its tokens and TOTP seeds depend on.
//!
//! Rows only: the target's own migrations make the schema, so a town moves between hosts
//! of the same version. Each file first drops the triggers (they would count rows twice:
//! the counters are copied as they are) and deletes every row, then inserts, rebuilds the
//! full-text index from its content table and creates the triggers again; loading a file
//! twice, or again after a failure part way, ends in the same state.

use std::io::Write;
use std::path::{Path, PathBuf};

use rusqlite::Connection;
use rusqlite::types::ValueRef;

use super::tables::{self, Table, quoted};
use super::{BackupError, snapshot};

/// The databases that move as SQL; in D1 they are `rainbownet-<name>`.
pub const DATABASES: [&str; 3] = ["public", "care", "disaster"];
/// The file beside the SQL that `wrangler kv bulk put --binding AUTH_KV` takes.
pub const KV_FILE: &str = "auth-kv.json";
/// The file beside the SQL that `wrangler secret bulk` takes.
pub const SECRETS_FILE: &str = "secrets.json";

/// D1 refuses a statement over 100 KB: rows are grouped below this.
const STATEMENT_BYTES: usize = 90_000;
/// A value whose literal is longer goes in pieces of this many bytes (an attachment's
/// 512 KiB chunk is one value).
const PIECE_BYTES: usize = 30_000;
/// KV entries that expire sooner are not worth moving (`wrangler kv bulk put` refuses an
/// expiration less than 60 s ahead).
const KV_MARGIN_MS: i64 = 120_000;

/// What `export-sql` wrote.
pub struct Exported {
    pub files: Vec<(PathBuf, u64)>,
    pub kv_entries: usize,
}

/// Writes `out/{public,care,disaster}.sql`, `out/auth-kv.json` and `out/secrets.json` from
/// one consistent snapshot of `data` (a running host goes on serving).
pub fn export(data: &Path, out: &Path) -> Result<Exported, BackupError> {
    let occupied = std::fs::read_dir(out)
        .map(|mut entries| entries.next().is_some())
        .unwrap_or(false);
    if occupied {
        return Err(BackupError::ExportExists(out.to_path_buf()));
    }
    crate::store::private::directory(out).map_err(|e| BackupError::Damaged(e.to_string()))?;
    let staging = tempfile::tempdir().map_err(|e| BackupError::io(Path::new("temp dir"), e))?;
    snapshot::databases(data, staging.path())?;
    let mut files = Vec::new();
    for name in DATABASES {
        let conn = Connection::open(staging.path().join(format!("{name}.sqlite")))?;
        let path = out.join(format!("{name}.sql"));
        let mut file = std::io::BufWriter::new(super::archive::private_file(&path)?);
        let rows = write_database(&conn, name, &mut file).map_err(|e| match e {
            Failure::Io(e) => BackupError::io(&path, e),
            Failure::Backup(e) => e,
        })?;
        file.into_inner()
            .map_err(|e| BackupError::io(&path, e.into_error()))?
            .sync_all()
            .map_err(|e| BackupError::io(&path, e))?;
        files.push((path, rows));
    }
    let kv = Connection::open(staging.path().join("kv.sqlite"))?;
    let kv_entries = write_kv(&kv, &out.join(KV_FILE))?;
    let secrets = tempfile::tempdir().map_err(|e| BackupError::io(Path::new("temp dir"), e))?;
    super::archive::stage_secrets(data, secrets.path())?;
    write_secrets(secrets.path(), &out.join(SECRETS_FILE))?;
    Ok(Exported { files, kv_entries })
}

enum Failure {
    Io(std::io::Error),
    Backup(BackupError),
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Io(e)
    }
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Self {
        Failure::Backup(e.into())
    }
}

impl From<BackupError> for Failure {
    fn from(e: BackupError) -> Self {
        Failure::Backup(e)
    }
}

/// One database as SQL; the number of rows written.
fn write_database(conn: &Connection, name: &str, out: &mut impl Write) -> Result<u64, Failure> {
    let tables = tables::data_tables(conn, "main")?;
    let triggers = tables::triggers(conn, "main")?;
    let indexes = tables::indexes(conn, "main")?;
    let migrations: Vec<String> = conn
        .prepare("SELECT name FROM d1_migrations ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    writeln!(
        out,
        "-- RainbowNet: the {name} database as rows, by `rainbownet backup export-sql` {version}.\n\
         -- Load it into a database with the same migrations applied (here: {first} … {last}):\n\
         --   wrangler d1 migrations apply rainbownet-{name} --remote\n\
         --   wrangler d1 execute rainbownet-{name} --remote --file {name}.sql\n\
         -- It replaces every row of that database. Loading it again gives the same result.",
        version = env!("CARGO_PKG_VERSION"),
        first = migrations.first().map_or("none", String::as_str),
        last = migrations.last().map_or("none", String::as_str),
    )?;
    writeln!(out, "PRAGMA defer_foreign_keys = TRUE;")?;
    for (trigger, _) in &triggers {
        writeln!(out, "DROP TRIGGER IF EXISTS {};", quoted(trigger))?;
    }
    for table in tables.iter().rev() {
        writeln!(out, "DELETE FROM {};", quoted(&table.name))?;
    }
    let mut rows = 0;
    for table in &tables {
        rows += write_rows(conn, table, out)?;
    }
    for index in &indexes {
        writeln!(
            out,
            "INSERT INTO {0} ({0}) VALUES ('rebuild');",
            quoted(index)
        )?;
    }
    for (_, sql) in &triggers {
        writeln!(out, "{sql};")?;
    }
    Ok(rows)
}

/// The rows of one table as INSERT statements under D1's statement size, long values
/// completed by UPDATEs on the row's key.
fn write_rows(conn: &Connection, table: &Table, out: &mut impl Write) -> Result<u64, Failure> {
    let columns: Vec<String> = table.columns.iter().map(|c| quoted(c)).collect();
    let head = format!(
        "INSERT INTO {} ({}) VALUES\n",
        quoted(&table.name),
        columns.join(", ")
    );
    let mut select = conn.prepare(&format!(
        "SELECT {} FROM {}",
        columns.join(", "),
        quoted(&table.name)
    ))?;
    let mut result = select.query([])?;
    let mut batch = String::new();
    let mut rows = 0;
    while let Some(row) = result.next()? {
        let mut values = Vec::with_capacity(columns.len());
        let mut rest = Vec::new();
        for (i, column) in table.columns.iter().enumerate() {
            let mut pieces = literal_pieces(row.get_ref(i)?);
            let first = pieces.remove(0);
            if !pieces.is_empty() {
                rest.push((column, pieces));
            }
            values.push(first.text);
        }
        let tuple = format!("({})", values.join(", "));
        if !batch.is_empty() && batch.len() + tuple.len() + 3 > STATEMENT_BYTES {
            out.write_all(batch.as_bytes())?;
            out.write_all(b";\n")?;
            batch.clear();
        }
        if batch.is_empty() {
            batch.push_str(&head);
        } else {
            batch.push_str(",\n");
        }
        batch.push_str(&tuple);
        rows += 1;
        if rest.is_empty() {
            continue;
        }
        // The row goes in now, so that its pieces can follow.
        out.write_all(batch.as_bytes())?;
        out.write_all(b";\n")?;
        batch.clear();
        let key = row_key(table, row)?;
        for (column, pieces) in rest {
            let column = quoted(column);
            for piece in pieces {
                let value = match piece.kind {
                    Kind::Blob => format!("CAST({column} || {} AS BLOB)", piece.text),
                    Kind::Text => format!("{column} || {}", piece.text),
                };
                writeln!(
                    out,
                    "UPDATE {} SET {column} = {value} WHERE {key};",
                    quoted(&table.name)
                )?;
            }
        }
    }
    if !batch.is_empty() {
        out.write_all(batch.as_bytes())?;
        out.write_all(b";\n")?;
    }
    Ok(rows)
}

/// `"a" = 'x' AND "b" = 2`: the row by its primary key, for the UPDATEs that complete it.
fn row_key(table: &Table, row: &rusqlite::Row) -> Result<String, Failure> {
    if table.key.is_empty() {
        return Err(BackupError::Unmovable(format!(
            "{} (a value over {PIECE_BYTES} bytes in a table without a primary key)",
            table.name
        ))
        .into());
    }
    let mut terms = Vec::new();
    for column in &table.key {
        let i = table
            .columns
            .iter()
            .position(|c| c == column)
            .ok_or_else(|| BackupError::Unmovable(table.name.clone()))?;
        terms.push(format!(
            "{} = {}",
            quoted(column),
            literal_pieces(row.get_ref(i)?).remove(0).text
        ));
    }
    Ok(terms.join(" AND "))
}

#[derive(Clone, Copy)]
enum Kind {
    Text,
    Blob,
}

struct Piece {
    text: String,
    kind: Kind,
}

/// A value as SQL literals: one, or (a long text or blob) its first piece and the pieces
/// to append.
fn literal_pieces(value: ValueRef) -> Vec<Piece> {
    let piece = |text: String, kind| Piece { text, kind };
    match value {
        ValueRef::Null => vec![piece("NULL".into(), Kind::Text)],
        ValueRef::Integer(i) => vec![piece(i.to_string(), Kind::Text)],
        ValueRef::Real(f) if f.is_infinite() => vec![piece(
            if f > 0.0 { "9e999" } else { "-9e999" }.into(),
            Kind::Text,
        )],
        // Rust's shortest form reads back as the same double, and keeps the point or exponent
        // that makes SQLite read a REAL.
        ValueRef::Real(f) => vec![piece(format!("{f:?}"), Kind::Text)],
        ValueRef::Blob(bytes) => {
            let chunks: Vec<&[u8]> = if bytes.is_empty() {
                vec![bytes]
            } else {
                bytes.chunks(PIECE_BYTES / 2).collect()
            };
            chunks
                .into_iter()
                .map(|c| piece(format!("X'{}'", hex(c)), Kind::Blob))
                .collect()
        }
        ValueRef::Text(bytes) => match std::str::from_utf8(bytes) {
            // NUL can not stand in a literal; text that is not UTF-8 is kept byte for byte.
            Ok(text) if !text.contains('\0') => split_text(text, PIECE_BYTES)
                .into_iter()
                .map(|t| piece(format!("'{}'", t.replace('\'', "''")), Kind::Text))
                .collect(),
            _ => vec![piece(
                format!("CAST(X'{}' AS TEXT)", hex(bytes)),
                Kind::Text,
            )],
        },
    }
}

/// `text` cut into pieces of at most `limit` bytes, on character boundaries.
fn split_text(text: &str, limit: usize) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while rest.len() > limit {
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        let (head, tail) = rest.split_at(cut);
        pieces.push(head);
        rest = tail;
    }
    pieces.push(rest);
    pieces
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut text = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(text, "{b:02x}");
    }
    text
}

/// The auth KV entries that outlive the move, for `wrangler kv bulk put`.
fn write_kv(kv: &Connection, path: &Path) -> Result<usize, BackupError> {
    let now = crate::system::SystemClock::millis();
    let mut entries = Vec::new();
    let mut select = kv.prepare(
        "SELECT key, value, expires_at FROM kv WHERE store = ?1 \
         AND (expires_at IS NULL OR expires_at > ?2) ORDER BY key",
    )?;
    let mut rows = select.query((
        rainbownet_core::ports::KvStore::Auth.label(),
        now + KV_MARGIN_MS,
    ))?;
    while let Some(row) = rows.next()? {
        let key: String = row.get(0)?;
        let value: Vec<u8> = row.get(1)?;
        let expires: Option<i64> = row.get(2)?;
        let mut entry = serde_json::Map::new();
        entry.insert("key".into(), key.into());
        match String::from_utf8(value) {
            Ok(text) => entry.insert("value".into(), text.into()),
            Err(e) => {
                use base64ct::Encoding;
                entry.insert("base64".into(), true.into());
                entry.insert(
                    "value".into(),
                    base64ct::Base64::encode_string(e.as_bytes()).into(),
                )
            }
        };
        if let Some(ms) = expires {
            entry.insert("expiration".into(), (ms / 1000).into());
        }
        entries.push(serde_json::Value::Object(entry));
    }
    let text =
        serde_json::to_vec_pretty(&entries).map_err(|e| BackupError::Damaged(e.to_string()))?;
    let mut file = super::archive::private_file(path)?;
    file.write_all(&text)
        .and_then(|()| file.sync_all())
        .map_err(|e| BackupError::io(path, e))?;
    Ok(entries.len())
}

/// The token seed and the data key, as `wrangler secret bulk` takes them: without the data
/// key no TOTP seed opens, without the seed every session ends.
fn write_secrets(staged: &Path, path: &Path) -> Result<(), BackupError> {
    let mut secrets = serde_json::Map::new();
    for (file, name) in [
        (
            super::archive::SEED_FILE,
            rainbownet_core::auth::keys::SEED_KEY,
        ),
        (
            super::archive::KEY_FILE,
            rainbownet_core::auth::sealed::DATA_KEY,
        ),
    ] {
        if let Ok(text) = std::fs::read_to_string(staged.join(file)) {
            secrets.insert(name.into(), text.trim().into());
        }
    }
    let text =
        serde_json::to_vec_pretty(&secrets).map_err(|e| BackupError::Damaged(e.to_string()))?;
    let mut file = super::archive::private_file(path)?;
    file.write_all(&text)
        .and_then(|()| file.sync_all())
        .map_err(|e| BackupError::io(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_become_literals_sqlite_reads_back_the_same() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, r REAL, s TEXT, b BLOB) STRICT;",
        )
        .unwrap();
        let long_text = "あいう'\n".repeat(9_000);
        let mut long_blob: Vec<u8> = (0..=255u8).cycle().take(300_000).collect();
        long_blob[7] = 0;
        conn.execute(
            "INSERT INTO t VALUES (1, 35.1993, ?1, ?2), (2, 1e300, 'it''s', X''), (3, NULL, NULL, NULL)",
            (&long_text, &long_blob),
        )
        .unwrap();
        let table = &tables::data_tables(&conn, "main").unwrap()[0];
        let mut sql = Vec::new();
        assert!(write_rows(&conn, table, &mut sql).is_ok());
        let sql = String::from_utf8(sql).unwrap();
        assert!(
            sql.split(";\n").all(|s| s.len() < 100_000),
            "a statement over D1's limit"
        );
        let copy = Connection::open_in_memory().unwrap();
        copy.execute_batch(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, r REAL, s TEXT, b BLOB) STRICT;",
        )
        .unwrap();
        copy.execute_batch(&sql).unwrap();
        let (r, s, b): (f64, String, Vec<u8>) = copy
            .query_row("SELECT r, s, b FROM t WHERE id = 1", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
        assert_eq!(
            (r, s.as_str(), b.as_slice()),
            (35.1993, long_text.as_str(), long_blob.as_slice())
        );
        let two: (f64, String, Vec<u8>) = copy
            .query_row("SELECT r, s, b FROM t WHERE id = 2", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
        assert_eq!(two, (1e300, "it's".to_owned(), Vec::new()));
        let nulls: i64 = copy
            .query_row(
                "SELECT count(*) FROM t WHERE id = 3 AND r IS NULL AND s IS NULL AND b IS NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(nulls, 1);
    }
}
