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
use sqlite::{NativeSql, SqliteDb};

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
    pub fn open(dir: &Path) -> Result<DataDir, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Backend(format!("create {}: {e}", dir.display())))?;
        let open = |db: Database| -> Result<Arc<SqliteDb>, StoreError> {
            let sqlite = SqliteDb::open(&dir.join(format!("{}.sqlite", db.label())))?;
            migrate::apply(&sqlite, db)?;
            Ok(Arc::new(sqlite))
        };
        Ok(DataDir {
            config_defaults: {
                use rainbownet_core::auth::keys::{PUBLIC_KEY_KEY, SEED_KEY, from_hex, to_hex};
                // The environment's seed wins; otherwise this directory's own.
                let seed = std::env::var(SEED_KEY)
                    .ok()
                    .filter(|s| from_hex(s).is_some())
                    .map_or_else(|| token_seed(dir), Ok)?;
                let public = from_hex(&seed)
                    .map(|s| to_hex(&rainbownet_core::auth::token::public_key(&s)))
                    .unwrap_or_default();
                vec![(SEED_KEY, seed), (PUBLIC_KEY_KEY, public)]
            },
            public: open(Database::Public)?,
            care: open(Database::Care)?,
            disaster: open(Database::Disaster)?,
            kv: Arc::new(KvFile::open(&dir.join("kv.sqlite"))?),
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

/// The token signing seed of this data directory: made on first start from the OS's
/// generator, kept in `token-seed.hex`, readable by its owner only.
fn token_seed(dir: &Path) -> Result<String, StoreError> {
    use rainbownet_core::auth::keys::{from_hex, to_hex};
    let path = dir.join("token-seed.hex");
    if let Ok(text) = std::fs::read_to_string(&path)
        && from_hex(&text).is_some()
    {
        return Ok(text.trim().to_owned());
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| StoreError::Backend(format!("random: {e}")))?;
    let hex = to_hex(&seed);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&path)
        .map_err(|e| StoreError::Backend(format!("{}: {e}", path.display())))?;
    std::io::Write::write_all(&mut file, hex.as_bytes())
        .map_err(|e| StoreError::Backend(format!("{}: {e}", path.display())))?;
    Ok(hex)
}
