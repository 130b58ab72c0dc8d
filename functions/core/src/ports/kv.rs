//! The key-value port. Eventually consistent on Workers: never use it for anything that
//! must be exact (counts, idempotency); that belongs in SQL.

use async_trait::async_trait;

use super::StoreError;

#[async_trait(?Send)]
pub trait Kv {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// Stores `value`; with `ttl_seconds` the entry disappears after that long (Workers KV
    /// rounds anything below 60 s up to 60 s, so callers must not rely on shorter lives).
    async fn put(
        &self,
        key: &str,
        value: &[u8],
        ttl_seconds: Option<u64>,
    ) -> Result<(), StoreError>;

    async fn delete(&self, key: &str) -> Result<(), StoreError>;

    /// Keys that start with `prefix`, in lexicographic order.
    async fn list(&self, prefix: &str) -> Result<Vec<String>, StoreError>;
}

/// When an entry put now with `ttl_seconds` expires, in milliseconds since the epoch, for
/// stores that keep expiry themselves (the local table, Spin). Saturates, never overflows.
pub fn expires_at(now_millis: i64, ttl_seconds: u64) -> i64 {
    now_millis.saturating_add(i64::try_from(ttl_seconds.saturating_mul(1000)).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    #[test]
    fn expiry_adds_seconds_and_saturates() {
        assert_eq!(super::expires_at(1_000, 60), 61_000);
        assert_eq!(super::expires_at(1_000, u64::MAX), i64::MAX);
    }
}
