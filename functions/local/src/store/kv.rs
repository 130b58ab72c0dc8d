//! The key-value port as a table in `kv.sqlite`: one row per (store, key), with an
//! optional expiry that reads honour and writes clean up.

use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use rainbownet_core::ports::{Kv, KvStore, StoreError, kv};
use rusqlite::{Connection, OptionalExtension, params};

use super::sqlite::store_error;

pub struct KvFile {
    conn: Mutex<Connection>,
}

impl KvFile {
    pub fn open(path: &Path) -> Result<KvFile, StoreError> {
        let conn = Connection::open(path).map_err(store_error)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;
             CREATE TABLE IF NOT EXISTS kv (
                 store TEXT NOT NULL,
                 key TEXT NOT NULL,
                 value BLOB NOT NULL,
                 expires_at INTEGER,
                 PRIMARY KEY (store, key)
             ) WITHOUT ROWID;",
        )
        .map_err(store_error)?;
        Ok(KvFile {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub struct NativeKv {
    file: Arc<KvFile>,
    store: KvStore,
}

impl NativeKv {
    pub fn new(file: Arc<KvFile>, store: KvStore) -> Self {
        NativeKv { file, store }
    }
}

fn now_millis() -> i64 {
    crate::system::SystemClock::millis()
}

#[async_trait(?Send)]
impl Kv for NativeKv {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.file
            .conn()
            .prepare_cached(
                "SELECT value FROM kv WHERE store = ?1 AND key = ?2 \
                 AND (expires_at IS NULL OR expires_at > ?3)",
            )
            .and_then(|mut s| {
                s.query_row(params![self.store.label(), key, now_millis()], |r| r.get(0))
                    .optional()
            })
            .map_err(store_error)
    }

    async fn put(
        &self,
        key: &str,
        value: &[u8],
        ttl_seconds: Option<u64>,
    ) -> Result<(), StoreError> {
        let now = now_millis();
        let expires = ttl_seconds.map(|t| kv::expires_at(now, t));
        let conn = self.file.conn();
        conn.prepare_cached(
            "INSERT INTO kv (store, key, value, expires_at) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (store, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at",
        )
        .and_then(|mut s| s.execute(params![self.store.label(), key, value, expires]))
        .map_err(store_error)?;
        // Expired entries are invisible already; removing them on writes keeps the file small.
        conn.prepare_cached("DELETE FROM kv WHERE expires_at <= ?1")
            .and_then(|mut s| s.execute(params![now]))
            .map_err(store_error)?;
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.file
            .conn()
            .prepare_cached("DELETE FROM kv WHERE store = ?1 AND key = ?2")
            .and_then(|mut s| s.execute(params![self.store.label(), key]))
            .map(|_| ())
            .map_err(store_error)
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        // A range instead of LIKE: no escaping, and it uses the primary key.
        let conn = self.file.conn();
        let mut stmt = conn
            .prepare_cached(
                "SELECT key FROM kv WHERE store = ?1 AND key >= ?2 \
                 AND (expires_at IS NULL OR expires_at > ?3) ORDER BY key",
            )
            .map_err(store_error)?;
        let keys = stmt
            .query_map(params![self.store.label(), prefix, now_millis()], |r| {
                r.get::<_, String>(0)
            })
            .map_err(store_error)?;
        let mut out = Vec::new();
        for key in keys {
            let key = key.map_err(store_error)?;
            if !key.starts_with(prefix) {
                break;
            }
            out.push(key);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn get_put_delete_list_and_stores_are_separate() {
        let dir = tempfile::tempdir().unwrap();
        let file = Arc::new(KvFile::open(&dir.path().join("kv.sqlite")).unwrap());
        let cache = NativeKv::new(file.clone(), KvStore::Cache);
        let auth = NativeKv::new(file, KvStore::Auth);
        pollster::block_on(async {
            cache.put("a:1", b"one", None).await.unwrap();
            cache.put("a:2", b"two", Some(60)).await.unwrap();
            cache.put("b:1", b"x", None).await.unwrap();
            assert_eq!(
                cache.get("a:1").await.unwrap().as_deref(),
                Some(&b"one"[..])
            );
            assert_eq!(auth.get("a:1").await.unwrap(), None);
            assert_eq!(cache.list("a:").await.unwrap(), vec!["a:1", "a:2"]);
            cache.delete("a:1").await.unwrap();
            assert_eq!(cache.get("a:1").await.unwrap(), None);
            cache.put("gone", b"x", Some(0)).await.unwrap();
            assert_eq!(cache.get("gone").await.unwrap(), None);
        });
    }
}
