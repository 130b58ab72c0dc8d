//! Embedded stores: one SQLite file per database, and the key-value stores as a table in
//! one more SQLite file, all under `--data`.

pub mod kv;
pub mod migrate;
pub mod sqlite;

use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;

use async_trait::async_trait;
use rainbownet_core::Stores;
use rainbownet_core::ports::{Database, Kv, KvStore, Sql, StoreError};

use crate::manifest::Grants;
use kv::{KvFile, NativeKv};
use sqlite::{NativeSql, Reads, SqliteDb};

/// Every store of the deployment, opened once at start and shared by all requests.
pub struct DataDir {
    /// Configuration the host supplies when the environment does not (the token key).
    pub config_defaults: Vec<(&'static str, String)>,
    public: Arc<SqliteDb>,
    care: Arc<SqliteDb>,
    disaster: Arc<SqliteDb>,
    kv: Arc<KvFile>,
}

impl DataDir {
    /// Opens (creating on first start) the files under `dir` and applies pending migrations.
    /// The directory is the owner's only (0700, every file 0600), and the key that seals
    /// TOTP seeds is kept outside it, so that a copy of the directory does not open them.
    pub fn open(dir: &Path) -> Result<DataDir, StoreError> {
        private::directory(dir)?;
        let open = |db: Database| -> Result<Arc<SqliteDb>, StoreError> {
            let path = dir.join(format!("{}.sqlite", db.label()));
            private::file(&path)?;
            // Residents' searches read the public file, written by staff now and then;
            // care and disaster are written all day.
            let reads = match db {
                Database::Public => Reads::Mapped,
                Database::Care | Database::Disaster => Reads::Copied,
            };
            let sqlite = SqliteDb::open(&path, reads)?;
            migrate::apply(&sqlite, db)?;
            Ok(Arc::new(sqlite))
        };
        let kv_path = dir.join("kv.sqlite");
        private::file(&kv_path)?;
        Ok(DataDir {
            config_defaults: {
                use rainbownet_core::auth::keys::{PUBLIC_KEY_KEY, SEED_KEY, from_hex, to_hex};
                // The environment's seed wins; otherwise this directory's own.
                let seed = std::env::var(SEED_KEY)
                    .ok()
                    .filter(|s| from_hex(s).is_some())
                    .map_or_else(|| private::secret(&dir.join("token-seed.hex")), Ok)?;
                let public = from_hex(&seed)
                    .map(|s| to_hex(&rainbownet_core::auth::token::public_key(&s)))
                    .unwrap_or_default();
                let data_key = std::env::var(rainbownet_core::auth::sealed::DATA_KEY)
                    .ok()
                    .filter(|k| from_hex(k).is_some())
                    .map_or_else(|| private::secret(&private::data_key_path(dir)?), Ok)?;
                vec![
                    (SEED_KEY, seed),
                    (PUBLIC_KEY_KEY, public),
                    (rainbownet_core::auth::sealed::DATA_KEY, data_key),
                ]
            },
            public: open(Database::Public)?,
            care: open(Database::Care)?,
            disaster: open(Database::Disaster)?,
            kv: Arc::new(KvFile::open(&kv_path)?),
        })
    }

    pub fn database(&self, db: Database) -> &Arc<SqliteDb> {
        match db {
            Database::Public => &self.public,
            Database::Care => &self.care,
            Database::Disaster => &self.disaster,
        }
    }

    /// The stores one component may open, as `spin.toml` grants them.
    pub fn granted(self: &Arc<Self>, grants: &Grants) -> GrantedStores {
        GrantedStores {
            data: Arc::clone(self),
            grants: grants.clone(),
        }
    }
}

pub struct GrantedStores {
    data: Arc<DataDir>,
    grants: Grants,
}

#[async_trait(?Send)]
impl Stores for GrantedStores {
    async fn sql(&self, db: Database) -> Result<Rc<dyn Sql>, StoreError> {
        if !self.grants.sql.contains(&db) {
            return Err(StoreError::NotGranted(db.label().to_owned()));
        }
        Ok(Rc::new(NativeSql(Arc::clone(self.data.database(db)))))
    }

    async fn kv(&self, store: KvStore) -> Result<Rc<dyn Kv>, StoreError> {
        if !self.grants.kv.contains(&store) {
            return Err(StoreError::NotGranted(store.label().to_owned()));
        }
        Ok(Rc::new(NativeKv::new(Arc::clone(&self.data.kv), store)))
    }
}

/// Files only their owner reads: the data directory, its databases and the keys.
pub(crate) mod private {
    use std::path::{Path, PathBuf};

    use rainbownet_core::ports::StoreError;

    /// Where the data key lives unless the environment names the file
    /// (`RAINBOWNET_DATA_KEY_FILE`) or gives the key itself (`RAINBOWNET_DATA_KEY`): beside
    /// the data directory, not in it (`./data` → `./data.key`).
    pub const KEY_FILE_ENV: &str = "RAINBOWNET_DATA_KEY_FILE";

    fn failed(path: &Path, e: impl std::fmt::Display) -> StoreError {
        StoreError::Backend(format!("{}: {e}", path.display()))
    }

    pub fn data_key_path(dir: &Path) -> Result<PathBuf, StoreError> {
        if let Some(path) = std::env::var_os(KEY_FILE_ENV).filter(|p| !p.is_empty()) {
            return Ok(PathBuf::from(path));
        }
        let dir = dir.canonicalize().map_err(|e| failed(dir, e))?;
        let name = dir
            .file_name()
            .ok_or_else(|| failed(&dir, "the data directory needs a name of its own"))?;
        let mut key = name.to_owned();
        key.push(".key");
        Ok(dir.with_file_name(key))
    }

    #[cfg(unix)]
    fn set_mode(path: &Path, mode: u32) -> Result<(), StoreError> {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
            .map_err(|e| failed(path, e))
    }

    #[cfg(not(unix))]
    fn set_mode(_: &Path, _: u32) -> Result<(), StoreError> {
        Ok(())
    }

    /// Creates the directory if needed and makes it the owner's only (0700).
    pub fn directory(dir: &Path) -> Result<(), StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| failed(dir, e))?;
        set_mode(dir, 0o700)
    }

    /// A database file, created empty with mode 0600 before SQLite opens it (SQLite gives
    /// its `-wal` and `-shm` files the database's mode), or tightened to 0600 if it exists.
    pub fn file(path: &Path) -> Result<(), StoreError> {
        if path.exists() {
            return set_mode(path, 0o600);
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options.open(path).map(drop).map_err(|e| failed(path, e))
    }

    /// A 32-byte secret as hex, made on first use from the OS's generator and kept in
    /// `path` (0600). An existing file that others may read is refused: the secret may
    /// already be copied, and the operator must know.
    pub fn secret(path: &Path) -> Result<String, StoreError> {
        use rainbownet_core::auth::keys::{from_hex, to_hex};
        if let Ok(text) = std::fs::read_to_string(path) {
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(path)
                    .map_err(|e| failed(path, e))?
                    .permissions()
                    .mode();
                if mode & 0o077 != 0 {
                    return Err(failed(
                        path,
                        format!(
                            "readable by others (mode {:o}); anyone on this machine may have copied \
                             it. Make it the owner's only (chmod 600) and consider replacing it",
                            mode & 0o777
                        ),
                    ));
                }
            }
            if from_hex(&text).is_some() {
                return Ok(text.trim().to_owned());
            }
            return Err(failed(path, "not 64 hex characters"));
        }
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| failed(path, format!("random: {e}")))?;
        let hex = to_hex(&bytes);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).map_err(|e| failed(path, e))?;
        std::io::Write::write_all(&mut file, hex.as_bytes()).map_err(|e| failed(path, e))?;
        Ok(hex)
    }
}
