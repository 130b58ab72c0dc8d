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
