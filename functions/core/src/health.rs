//! Health: the service version and each database's schema version, as the migration
//! tables record it (`d1_migrations`, the table `wrangler d1 migrations apply` keeps and
//! the local host keeps the same way).

use ::http::StatusCode;
use serde::Serialize;
use std::collections::BTreeMap;

use crate::env::Env;
use crate::http::{Response, json};
use crate::ports::{Database, StoreError};

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Debug, Serialize)]
struct Health {
    status: &'static str,
    service: &'static str,
    version: &'static str,
    databases: BTreeMap<&'static str, DatabaseHealth>,
}

#[derive(Debug, Serialize)]
struct DatabaseHealth {
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    schema_version: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    migration: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'static str>,
}

/// 200 when every database answers with a schema version, 503 otherwise, always JSON.
pub async fn check(env: &Env) -> Response {
    let mut databases = BTreeMap::new();
    for db in Database::ALL {
        let health = match schema_version(env, db).await {
            Ok(Some((version, name))) => DatabaseHealth {
                ok: true,
                schema_version: Some(version),
                migration: Some(name),
                error: None,
            },
            Ok(None) => DatabaseHealth {
                ok: false,
                schema_version: None,
                migration: None,
                error: Some("no migrations applied"),
            },
            Err(err) => {
                env.log.error("health", &format!("{db}: {err}"));
                DatabaseHealth {
                    ok: false,
                    schema_version: None,
                    migration: None,
                    error: Some(match err {
                        StoreError::NotGranted(_) => "not granted",
                        _ => "unavailable",
                    }),
                }
            }
        };
        databases.insert(db.label(), health);
    }
    let ok = databases.values().all(|d| d.ok);
    let body = Health {
        status: if ok { "ok" } else { "degraded" },
        service: "rainbownet",
        version: VERSION,
        databases,
    };
    json(
        if ok {
            StatusCode::OK
        } else {
            StatusCode::SERVICE_UNAVAILABLE
        },
        &body,
    )
}

/// The number and file name of the newest applied migration (`0003_x.sql` → 3).
async fn schema_version(env: &Env, db: Database) -> Result<Option<(u32, String)>, StoreError> {
    let sql = env.sql(db).await?;
    let rows = sql
        .query(
            "SELECT name FROM d1_migrations ORDER BY id DESC LIMIT 1",
            &[],
        )
        .await?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let name = row.text("name")?.to_owned();
    Ok(migration_number(&name).map(|n| (n, name)))
}

pub fn migration_number(file_name: &str) -> Option<u32> {
    let digits: String = file_name.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn migration_numbers_come_from_the_file_name() {
        assert_eq!(super::migration_number("0001_init.sql"), Some(1));
        assert_eq!(super::migration_number("0012_resources.sql"), Some(12));
        assert_eq!(super::migration_number("init.sql"), None);
    }
}
