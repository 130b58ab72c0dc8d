//! What a backup says of itself (`manifest.json`, the archive's first entry): its format,
//! when it was taken, each part's size and SHA-256, and each database's schema version and
//! row counts; and the checks a restore runs against it before it trusts a byte.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::BackupError;
use super::snapshot::DATABASES;

/// The layout of the archive this code writes and reads.
pub const FORMAT: u32 = 1;
pub const FILE_NAME: &str = "manifest.json";

#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub format: u32,
    /// When the snapshot was taken (UTC).
    pub created_at: String,
    /// The `rainbownet` that took it.
    pub host_version: String,
    pub parts: Vec<Part>,
    pub databases: BTreeMap<String, Facts>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct Part {
    pub name: String,
    pub bytes: u64,
    pub sha256: String,
}

#[derive(Debug, Serialize, Deserialize, PartialEq)]
pub struct Facts {
    /// The last migration applied (`d1_migrations`), the schema's version.
    pub schema: Option<String>,
    /// Rows per table.
    pub tables: BTreeMap<String, i64>,
}

pub fn sha256_of(path: &Path) -> Result<(u64, String), BackupError> {
    let mut file = std::fs::File::open(path).map_err(|e| BackupError::io(path, e))?;
    let mut hash = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(|e| BackupError::io(path, e))?;
        if n == 0 {
            break;
        }
        hash.update(&buf[..n]);
        bytes += n as u64;
    }
    let hex = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
    Ok((bytes, hex))
}

/// The schema version and row counts of one database file.
pub fn facts(path: &Path) -> Result<Facts, BackupError> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let names: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")?
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut tables = BTreeMap::new();
    for name in &names {
        let quoted = name.replace('"', "\"\"");
        let count: i64 =
            conn.query_row(&format!("SELECT count(*) FROM \"{quoted}\""), [], |r| {
                r.get(0)
            })?;
        tables.insert(name.clone(), count);
    }
    let schema = if names.iter().any(|n| n == "d1_migrations") {
        conn.query_row(
            "SELECT name FROM d1_migrations ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .ok()
    } else {
        None
    };
    Ok(Facts { schema, tables })
}

impl Manifest {
    /// Checks the parts in `dir` against the manifest: every part there with its size and
    /// hash, nothing missing, each database whole (`integrity_check`, `foreign_key_check`)
    /// and holding the rows it says. The first fault is the error.
    pub fn check(&self, dir: &Path) -> Result<(), BackupError> {
        if self.format != FORMAT {
            return Err(BackupError::Format(self.format));
        }
        for name in DATABASES {
            let wanted = format!("{name}.sqlite");
            if !self.parts.iter().any(|p| p.name == wanted) {
                return Err(BackupError::Damaged(format!("{wanted} is missing")));
            }
        }
        for part in &self.parts {
            let path = dir.join(&part.name);
            if !path.is_file() {
                return Err(BackupError::Damaged(format!("{} is missing", part.name)));
            }
            let (bytes, sha256) = sha256_of(&path)?;
            if bytes != part.bytes || sha256 != part.sha256 {
                return Err(BackupError::Damaged(format!(
                    "{} does not match its SHA-256 in the manifest",
                    part.name
                )));
            }
        }
        for (name, wanted) in &self.databases {
            let path = dir.join(format!("{name}.sqlite"));
            let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
            let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
            if integrity != "ok" {
                return Err(BackupError::Damaged(format!("{name}: {integrity}")));
            }
            let broken: i64 =
                conn.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                    r.get(0)
                })?;
            if broken > 0 {
                return Err(BackupError::Damaged(format!(
                    "{name}: {broken} rows break a foreign key"
                )));
            }
            drop(conn);
            if &facts(&path)? != wanted {
                return Err(BackupError::Damaged(format!(
                    "{name}: the row counts differ from the manifest"
                )));
            }
        }
        Ok(())
    }

    /// One line per database: its schema version and its rows, the largest tables first.
    pub fn summary(&self) -> Vec<String> {
        self.databases
            .iter()
            .map(|(name, facts)| {
                let rows: i64 = facts.tables.values().sum();
                let mut largest: Vec<(&String, &i64)> = facts.tables.iter().collect();
                largest.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
                let shown: Vec<String> = largest
                    .iter()
                    .take(5)
                    .map(|(t, n)| format!("{t} {n}"))
                    .collect();
                format!(
                    "{name}: schema {}, {rows} rows ({})",
                    facts.schema.as_deref().unwrap_or("-"),
                    shown.join(", ")
                )
            })
            .collect()
    }
}
