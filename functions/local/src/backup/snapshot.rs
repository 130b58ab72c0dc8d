//! One consistent point-in-time copy of a data directory, taken beside a running host
//! without stopping it: one connection attaches every database, opens one read transaction
//! over all of them, and copies each with SQLite's online backup API inside it. Writers go
//! on (WAL); what they commit after the transaction began is not in the copy, in any file.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use super::BackupError;

/// The SQLite files of a data directory, by the name they have in it and in a backup.
pub const DATABASES: [&str; 4] = ["public", "care", "disaster", "kv"];

/// Copies every database of `data` into `into` (`<name>.sqlite`), all as of one moment.
pub fn databases(data: &Path, into: &Path) -> Result<Vec<PathBuf>, BackupError> {
    for name in DATABASES {
        let file = data.join(format!("{name}.sqlite"));
        if !file.is_file() {
            return Err(BackupError::NotData(data.to_path_buf(), file));
        }
    }
    // Read-write only so that SQLite may open the WAL index a running host keeps; nothing
    // is written through this connection.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let source = Connection::open_with_flags(data.join("care.sqlite"), flags)?;
    source.busy_timeout(std::time::Duration::from_secs(10))?;
    for name in DATABASES.iter().filter(|n| **n != "care") {
        let file = data.join(format!("{name}.sqlite"));
        source.execute("ATTACH DATABASE ?1 AS ?2", (file.to_string_lossy(), *name))?;
    }
    source.execute_batch("BEGIN")?;
    // The transaction takes its snapshot of each file at that file's first read: read them
    // all now, back to back, before copying any.
    for name in DATABASES {
        let schema = if name == "care" { "main" } else { name };
        source.query_row(
            &format!("SELECT count(*) FROM {schema}.sqlite_master"),
            [],
            |r| r.get::<_, i64>(0),
        )?;
    }
    let mut copies = Vec::new();
    for name in DATABASES {
        let target = into.join(format!("{name}.sqlite"));
        let mut copy = Connection::open(&target)?;
        let schema = if name == "care" { "main" } else { name };
        rusqlite::backup::Backup::new_with_names(&source, schema, &mut copy, "main")?.step(-1)?;
        // A copy stands alone: no WAL beside it.
        copy.pragma_update(None, "journal_mode", "DELETE")?;
        drop(copy);
        copies.push(target);
    }
    source.execute_batch("COMMIT")?;
    Ok(copies)
}
