//! The runtime configuration file (`--runtime-config-file`): where each labelled SQLite
//! database and key-value store lives. Resolved as the Spin CLI resolves it:
//!
//! * `[sqlite_database.LABEL] type = "spin", path = "..."`: a relative path is relative to
//!   the working directory; no path means an in-memory database (a new one per `open`).
//!   The label `default` exists even when not configured: `<state dir>/sqlite_db.db`.
//! * `[key_value_store.LABEL] type = "spin", path = "..."`: a relative path is relative to
//!   the directory of the runtime configuration file (not the working directory); no path
//!   means in memory. `default` exists even when not configured:
//!   `<state dir>/sqlite_key_value.db`.
//! * The state directory is `--state-dir`, else `state_dir` in the file, else `.spin` next
//!   to the manifest; an empty `state_dir` means none (defaults then live in memory).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq)]
pub enum Location {
    InMemory,
    Path(PathBuf),
}

#[derive(Debug, Clone)]
pub struct SqliteDatabase {
    pub location: Location,
    pub allow_attach_file: bool,
}

#[derive(Debug, Clone, Default)]
pub struct RuntimeConfig {
    pub sqlite_databases: BTreeMap<String, SqliteDatabase>,
    pub key_value_stores: BTreeMap<String, Location>,
}

#[derive(Deserialize)]
struct TypedTable {
    #[serde(rename = "type")]
    type_: String,
    #[serde(flatten)]
    rest: toml::Table,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpinSqlite {
    path: Option<PathBuf>,
    #[serde(default)]
    allow_attach_file: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SpinKv {
    path: Option<PathBuf>,
}

/// How the caller chose the state directory.
#[derive(Debug, Clone)]
pub enum StateDir {
    /// `--state-dir` given.
    Provided(PathBuf),
    /// Not given: the file's `state_dir`, else `.spin` beside the manifest.
    Default,
}

fn resolve(path: &Path, base: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        base.join(path)
    }
}

fn ensure_parent(path: &Path) -> anyhow::Result<()> {
    if let Some(parent) = path.parent()
        && !parent.as_os_str().is_empty()
        && !parent.exists()
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("failed to create directory {}", parent.display()))?;
    }
    Ok(())
}

impl RuntimeConfig {
    /// Reads the file (if any). `cwd` is the working directory, `manifest_dir` the
    /// application directory.
    pub fn load(
        file: Option<&Path>,
        cwd: &Path,
        manifest_dir: &Path,
        state_dir: StateDir,
    ) -> anyhow::Result<RuntimeConfig> {
        let table: toml::Table = match file {
            Some(f) => {
                let text = std::fs::read_to_string(f).with_context(|| {
                    format!("failed to read runtime config file '{}'", f.display())
                })?;
                toml::from_str(&text).with_context(|| {
                    format!(
                        "failed to parse runtime config file '{}' as toml",
                        f.display()
                    )
                })?
            }
            None => toml::Table::new(),
        };
        let file_dir = file.map(|f| {
            let abs = std::path::absolute(f).unwrap_or_else(|_| f.to_path_buf());
            abs.parent().map(Path::to_path_buf).unwrap_or_default()
        });

        let state_dir: Option<PathBuf> = match state_dir {
            StateDir::Provided(p) => Some(std::path::absolute(p)?),
            StateDir::Default => match table.get("state_dir").and_then(toml::Value::as_str) {
                Some("") => None,
                Some(p) => Some(std::path::absolute(p)?),
                None => Some(manifest_dir.join(".spin")),
            },
        };

        for key in ["variables_provider", "config_provider"] {
            if table.contains_key(key) {
                bail!(
                    "[[{key}]] is not supported by this harness: variables come from SPIN_VARIABLE_* and .env only"
                );
            }
        }

        let mut config = RuntimeConfig::default();

        if let Some(dbs) = table.get("sqlite_database") {
            let dbs: BTreeMap<String, TypedTable> = dbs
                .clone()
                .try_into()
                .context("invalid [sqlite_database] runtime configuration")?;
            for (label, typed) in dbs {
                match typed.type_.as_str() {
                    "spin" => {
                        let db: SpinSqlite = toml::Value::Table(typed.rest)
                            .try_into()
                            .with_context(|| format!("invalid [sqlite_database.{label}]"))?;
                        let location = match db.path {
                            Some(p) => {
                                let p = resolve(&p, cwd);
                                ensure_parent(&p)?;
                                Location::Path(p)
                            }
                            None => Location::InMemory,
                        };
                        config.sqlite_databases.insert(
                            label,
                            SqliteDatabase {
                                location,
                                allow_attach_file: db.allow_attach_file,
                            },
                        );
                    }
                    other => bail!(
                        "[sqlite_database.{label}]: database type {other:?} is not supported by this harness (only \"spin\")"
                    ),
                }
            }
        }
        // The 'default' database: created lazily on first use, in the state directory.
        config
            .sqlite_databases
            .entry("default".to_owned())
            .or_insert_with(|| SqliteDatabase {
                location: match &state_dir {
                    Some(d) => Location::Path(d.join("sqlite_db.db")),
                    None => Location::InMemory,
                },
                allow_attach_file: false,
            });

        if let Some(stores) = table.get("key_value_store") {
            let stores: BTreeMap<String, TypedTable> = stores
                .clone()
                .try_into()
                .context("invalid [key_value_store] runtime configuration")?;
            for (label, typed) in stores {
                match typed.type_.as_str() {
                    "spin" => {
                        let kv: SpinKv = toml::Value::Table(typed.rest)
                            .try_into()
                            .with_context(|| format!("invalid [key_value_store.{label}]"))?;
                        let location = match (kv.path, &file_dir) {
                            (Some(p), Some(base)) => Location::Path(resolve(&p, base)),
                            (Some(p), None) => Location::Path(p),
                            (None, _) => Location::InMemory,
                        };
                        config.key_value_stores.insert(label, location);
                    }
                    other => bail!(
                        "[key_value_store.{label}]: store type {other:?} is not supported by this harness (only \"spin\")"
                    ),
                }
            }
        }
        config
            .key_value_stores
            .entry("default".to_owned())
            .or_insert_with(|| match &state_dir {
                Some(d) => Location::Path(d.join("sqlite_key_value.db")),
                None => Location::InMemory,
            });

        Ok(config)
    }

    /// Creates the parent directories of the key-value stores the application uses, as
    /// Spin does when it makes each store at start-up.
    pub fn prepare_key_value_dirs<'a>(
        &self,
        used: impl IntoIterator<Item = &'a String>,
    ) -> anyhow::Result<()> {
        for label in used {
            if let Some(Location::Path(p)) = self.key_value_stores.get(label) {
                ensure_parent(p)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_follow_spin() {
        let dir = tempfile::tempdir().unwrap();
        let rc = dir.path().join("conf/rc.toml");
        std::fs::create_dir_all(rc.parent().unwrap()).unwrap();
        std::fs::write(
            &rc,
            r#"
[sqlite_database.public]
type = "spin"
path = "data/public.sqlite"
[sqlite_database.mem]
type = "spin"
[key_value_store.cache]
type = "spin"
path = "data/cache.sqlite"
"#,
        )
        .unwrap();
        let cwd = dir.path().join("cwd");
        let config =
            RuntimeConfig::load(Some(&rc), &cwd, Path::new("/app"), StateDir::Default).unwrap();
        // SQLite: relative to the working directory.
        assert_eq!(
            config.sqlite_databases["public"].location,
            Location::Path(cwd.join("data/public.sqlite"))
        );
        assert!(cwd.join("data").is_dir());
        assert_eq!(config.sqlite_databases["mem"].location, Location::InMemory);
        // Key-value: relative to the runtime configuration file.
        assert_eq!(
            config.key_value_stores["cache"],
            Location::Path(dir.path().join("conf/data/cache.sqlite"))
        );
        // Defaults: in the state directory beside the manifest.
        assert_eq!(
            config.sqlite_databases["default"].location,
            Location::Path(PathBuf::from("/app/.spin/sqlite_db.db"))
        );
        assert_eq!(
            config.key_value_stores["default"],
            Location::Path(PathBuf::from("/app/.spin/sqlite_key_value.db"))
        );
    }

    #[test]
    fn unsupported_types_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let rc = dir.path().join("rc.toml");
        std::fs::write(
            &rc,
            "[key_value_store.x]\ntype = \"redis\"\nurl = \"redis://x\"\n",
        )
        .unwrap();
        assert!(RuntimeConfig::load(Some(&rc), dir.path(), dir.path(), StateDir::Default).is_err());
    }
}
