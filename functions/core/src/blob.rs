//! The blob port: immutable byte objects by id, kept as chunks in a function's own SQL
//! database (`blob_chunks`). Chunks stay under D1's 2 MB row limit, a blob is written by
//! statements that join the caller's batch (so the record naming it and its bytes commit
//! together), and every host (local SQLite, D1, Spin SQLite) stores it the same way. R2
//! or a Spin blob store would implement the same two calls for very large files.

use crate::ports::{Sql, Statement, StoreError};

/// Bytes per chunk: well under D1's 2,000,000-byte row limit.
pub const CHUNK: usize = 512 * 1024;

/// The statements that store `bytes` as blob `id`; run them in the caller's batch.
pub fn put(id: &str, bytes: &[u8]) -> Vec<Statement> {
    bytes
        .chunks(CHUNK)
        .enumerate()
        .map(|(seq, chunk)| {
            Statement::new(
                "INSERT INTO blob_chunks (blob_id, seq, data) VALUES (?1, ?2, ?3)",
                vec![id.into(), (seq as i64).into(), chunk.to_vec().into()],
            )
        })
        .collect()
}

/// The bytes of blob `id`, or `None` if there is no such blob.
pub async fn get(sql: &dyn Sql, id: &str) -> Result<Option<Vec<u8>>, StoreError> {
    let mut out = Vec::new();
    let mut seq = 0i64;
    // One chunk per query keeps every result small on platforms that copy rows as JSON.
    loop {
        let rows = sql
            .query(
                "SELECT data FROM blob_chunks WHERE blob_id = ?1 AND seq = ?2",
                &[id.into(), seq.into()],
            )
            .await?;
        let Some(row) = rows.first() else {
            return Ok((seq > 0).then_some(out));
        };
        match row.value("data")? {
            crate::ports::Value::Blob(data) => out.extend_from_slice(data),
            other => {
                return Err(StoreError::Backend(format!(
                    "blob chunk is not bytes: {other:?}"
                )));
            }
        }
        seq += 1;
    }
}
