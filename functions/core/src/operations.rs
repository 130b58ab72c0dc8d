//! What operators see of the deployment itself: the last backup the host took, shown to
//! sysadmins on the admin page (`GET /api/v1/public/backup-status`), with a warning when it
//! is older than a nightly schedule allows. The local host's `rainbownet backup create`
//! records it in the `auth` KV store; Workers and Spin take no backups of their own (D1 Time
//! Travel, the platform's storage), so there it is absent.

use serde::{Deserialize, Serialize};

use crate::env::Env;
use crate::error::Error;
use crate::ports::KvStore;

/// The `auth` KV key the last backup is recorded under.
pub const LAST_BACKUP_KEY: &str = "system:last-backup";
/// A nightly backup, with two hours' grace.
pub const STALE_AFTER_MS: i64 = 26 * 3_600_000;

/// A backup as the host that took it recorded it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LastBackup {
    /// When the snapshot was taken (UTC, RFC 3339).
    pub at: String,
    /// The file it was written to, as the operator named it.
    pub file: String,
    pub bytes: u64,
    pub encrypted: bool,
}

#[derive(Debug, Serialize)]
pub struct BackupStatus {
    pub last_backup: Option<LastBackup>,
    /// No backup, or the last one older than `STALE_AFTER_MS`.
    pub stale: bool,
}

pub async fn backup_status(env: &Env) -> Result<BackupStatus, Error> {
    let kv = env.kv(KvStore::Auth).await?;
    let last: Option<LastBackup> = kv
        .get(LAST_BACKUP_KEY)
        .await?
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    let now = env.clock.now_millis();
    let stale = last
        .as_ref()
        .and_then(|b| crate::time::parse_rfc3339(&b.at))
        .is_none_or(|at| now - at > STALE_AFTER_MS);
    Ok(BackupStatus {
        last_backup: last,
        stale,
    })
}
