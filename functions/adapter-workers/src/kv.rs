//! The key-value port over Workers KV.

use async_trait::async_trait;
use rainbownet_core::ports::{Kv, StoreError};

pub struct WorkersKv(pub worker::kv::KvStore);

/// Workers KV refuses expirations shorter than a minute.
const MIN_TTL_SECONDS: u64 = 60;

fn error(e: worker::kv::KvError) -> StoreError {
    StoreError::Backend(format!("workers kv: {e:?}"))
}

#[async_trait(?Send)]
impl Kv for WorkersKv {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.0.get(key).bytes().await.map_err(error)
    }

    async fn put(
        &self,
        key: &str,
        value: &[u8],
        ttl_seconds: Option<u64>,
    ) -> Result<(), StoreError> {
        let mut put = self.0.put_bytes(key, value).map_err(error)?;
        if let Some(ttl) = ttl_seconds {
            put = put.expiration_ttl(ttl.max(MIN_TTL_SECONDS));
        }
        put.execute().await.map_err(error)
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.0.delete(key).await.map_err(error)
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let mut keys = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut list = self.0.list().prefix(prefix.to_owned());
            if let Some(c) = cursor.take() {
                list = list.cursor(c);
            }
            let page = list.execute().await.map_err(error)?;
            keys.extend(page.keys.into_iter().map(|k| k.name));
            match page.cursor {
                Some(c) if !page.list_complete => cursor = Some(c),
                _ => return Ok(keys),
            }
        }
    }
}
