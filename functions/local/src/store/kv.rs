//! The key-value port as a table in `kv.sqlite`: one row per (store, key), with an
//! optional expiry that reads honour and writes clean up.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

use async_trait::async_trait;
use rainbownet_core::ports::{Kv, KvStore, StoreError, kv};
use rusqlite::{Connection, OptionalExtension, params};

use super::sqlite::store_error;

pub struct KvFile {
    conn: Mutex<Connection>,
    /// The cache store's entries as last read or written here, so that a cached page is
    /// served without a query on the one connection every request would queue for
    /// (`tests/bench-outside.sh` under perf). Only the cache store: its answers may be a
    /// moment old, sessions and counters may not.
    memo: RwLock<MemoMap>,
}

#[derive(Default)]
struct MemoMap {
    entries: HashMap<String, Memo>,
    /// The values' bytes, bounded by [`MEMO_BYTES`].
    bytes: usize,
}

/// A cache entry as this process last saw it (`None`: not there).
#[derive(Clone)]
struct Memo {
    value: Option<Vec<u8>>,
    expires_at: Option<i64>,
    seen_at: i64,
}

/// How long an entry read here is trusted: another process (the CLI's imports) may write
/// the same file, and its change is seen within this time.
const MEMO_MILLIS: i64 = 2_000;
/// Beyond this many entries or bytes the memo starts over: a bound, not an eviction policy.
const MEMO_ENTRIES: usize = 4_096;
const MEMO_BYTES: usize = 64 * 1024 * 1024;
/// Larger values are read from the file each time.
const MEMO_VALUE_BYTES: usize = 256 * 1024;

impl MemoMap {
    fn remove(&mut self, key: &str) {
        if let Some(old) = self.entries.remove(key) {
            self.bytes -= old.value.map_or(0, |v| v.len());
        }
    }
}

impl Memo {
    fn fresh(&self, now: i64) -> bool {
        now < self.seen_at + MEMO_MILLIS && self.expires_at.is_none_or(|e| e > now)
    }
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
            memo: RwLock::new(MemoMap::default()),
        })
    }

    fn remembered(&self, key: &str, now: i64) -> Option<Option<Vec<u8>>> {
        let memo = self.memo.read().unwrap_or_else(|p| p.into_inner());
        memo.entries
            .get(key)
            .filter(|m| m.fresh(now))
            .map(|m| m.value.clone())
    }

    fn remember(&self, key: &str, value: Option<&[u8]>, expires_at: Option<i64>, now: i64) {
        let mut memo = self.memo.write().unwrap_or_else(|p| p.into_inner());
        memo.remove(key);
        let size = value.map_or(0, <[u8]>::len);
        if size > MEMO_VALUE_BYTES {
            return;
        }
        if memo.entries.len() >= MEMO_ENTRIES || memo.bytes + size > MEMO_BYTES {
            *memo = MemoMap::default();
        }
        memo.bytes += size;
        memo.entries.insert(
            key.to_owned(),
            Memo {
                value: value.map(<[u8]>::to_vec),
                expires_at,
                seen_at: now,
            },
        );
    }

    fn forget(&self, key: &str) {
        let mut memo = self.memo.write().unwrap_or_else(|p| p.into_inner());
        memo.remove(key);
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
        let now = now_millis();
        let memo = self.store == KvStore::Cache;
        if memo && let Some(value) = self.file.remembered(key, now) {
            return Ok(value);
        }
        let found: Option<(Vec<u8>, Option<i64>)> = self
            .file
            .conn()
            .prepare_cached(
                "SELECT value, expires_at FROM kv WHERE store = ?1 AND key = ?2 \
                 AND (expires_at IS NULL OR expires_at > ?3)",
            )
            .and_then(|mut s| {
                s.query_row(params![self.store.label(), key, now], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()
            })
            .map_err(store_error)?;
        if memo {
            let expires = found.as_ref().and_then(|(_, e)| *e);
            self.file
                .remember(key, found.as_ref().map(|(v, _)| v.as_slice()), expires, now);
        }
        Ok(found.map(|(value, _)| value))
    }

    async fn put(
        &self,
        key: &str,
        value: &[u8],
        ttl_seconds: Option<u64>,
    ) -> Result<(), StoreError> {
        let now = now_millis();
        let expires = ttl_seconds.map(|t| kv::expires_at(now, t));
        if self.store == KvStore::Cache {
            self.file.forget(key);
        }
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
        drop(conn);
        if self.store == KvStore::Cache {
            self.file.remember(key, Some(value), expires, now);
        }
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        if self.store == KvStore::Cache {
            self.file.forget(key);
        }
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

    #[test]
    fn the_cache_memo_follows_writes_here_and_other_processes_within_its_time() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("kv.sqlite");
        let file = Arc::new(KvFile::open(&path).unwrap());
        let cache = NativeKv::new(file, KvStore::Cache);
        // Another process (the CLI) writing the same file.
        let other = NativeKv::new(Arc::new(KvFile::open(&path).unwrap()), KvStore::Cache);
        pollster::block_on(async {
            assert_eq!(cache.get("generation").await.unwrap(), None);
            cache.put("generation", b"1", None).await.unwrap();
            assert_eq!(
                cache.get("generation").await.unwrap().as_deref(),
                Some(&b"1"[..])
            );
            cache.delete("generation").await.unwrap();
            assert_eq!(cache.get("generation").await.unwrap(), None);
            other.put("generation", b"2", None).await.unwrap();
            // Seen once the memo's time has passed.
            std::thread::sleep(std::time::Duration::from_millis(
                u64::try_from(MEMO_MILLIS).unwrap() + 50,
            ));
            assert_eq!(
                cache.get("generation").await.unwrap().as_deref(),
                Some(&b"2"[..])
            );
        });
    }
}
