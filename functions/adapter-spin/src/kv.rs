//! The key-value port over Spin key-value. Spin has no expiry, so each value carries its
//! own: 8 bytes of expiry time (milliseconds, big-endian, 0 = never) before the data.
//! Spin lists every key of a store; `list` filters by prefix here, which suits the small
//! stores we keep in KV (revocations, cache keys).

use async_trait::async_trait;
use rainbownet_core::ports::{Clock, Kv, KvStore, StoreError, kv};
use spin_sdk::key_value::{self, Store};

use crate::system::WasiClock;

pub struct SpinKv(Store);

impl SpinKv {
    pub async fn open(store: KvStore) -> Result<SpinKv, StoreError> {
        match Store::open(store.label()).await {
            Ok(s) => Ok(SpinKv(s)),
            Err(key_value::Error::AccessDenied | key_value::Error::NoSuchStore) => {
                Err(StoreError::NotGranted(store.label().to_owned()))
            }
            Err(e) => Err(error(e)),
        }
    }
}

fn error(e: key_value::Error) -> StoreError {
    StoreError::Backend(format!("spin key-value: {e:?}"))
}

#[async_trait(?Send)]
impl Kv for SpinKv {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(stored) = self.0.get(key).await.map_err(error)? else {
            return Ok(None);
        };
        let Some((expiry, value)) = stored.split_first_chunk::<8>() else {
            return Ok(None);
        };
        let expires = i64::from_be_bytes(*expiry);
        if expires != 0 && expires <= WasiClock.now_millis() {
            self.0.delete(key).await.map_err(error)?;
            return Ok(None);
        }
        Ok(Some(value.to_vec()))
    }

    async fn put(
        &self,
        key: &str,
        value: &[u8],
        ttl_seconds: Option<u64>,
    ) -> Result<(), StoreError> {
        let expires = ttl_seconds.map_or(0, |t| kv::expires_at(WasiClock.now_millis(), t));
        let mut stored = Vec::with_capacity(8 + value.len());
        stored.extend_from_slice(&expires.to_be_bytes());
        stored.extend_from_slice(value);
        self.0.set(key, &stored).await.map_err(error)
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.0.delete(key).await.map_err(error)
    }

    async fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError> {
        let mut keys: Vec<String> = self
            .0
            .get_keys()
            .await
            .collect()
            .await
            .map_err(error)?
            .into_iter()
            .filter(|k| k.starts_with(prefix))
            .collect();
        keys.sort();
        Ok(keys)
    }
}
