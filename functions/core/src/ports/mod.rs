//! The ports: everything the core needs from a platform, as traits.
//!
//! Futures are not `Send` (JavaScript futures on Workers are not), so every async
//! trait here is `?Send`. Time and randomness come through ports because
//! `SystemTime::now()` and OS randomness fail on `wasm32-unknown-unknown`.

pub mod kv;
pub mod outbound;
pub mod sql;
pub mod system;

pub use kv::Kv;
pub use outbound::{NoOutbound, Outbound, OutboundError};
pub use sql::{Row, Rows, Sql, Statement, Value, bind_list, changed_rows};
pub use system::{Admission, Clock, Config, Log, Permit, Random, StderrLog, Unbounded};

use std::fmt;

/// A failure reported by a store adapter. The message is for the log, never for the client.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The platform did not grant this function the store (Spin `AccessDenied`, a missing
    /// Workers binding, or a store the local host left out because `spin.toml` does not grant it).
    #[error("store `{0}` is not granted to this function")]
    NotGranted(String),
    /// A constraint (UNIQUE, CHECK, FOREIGN KEY) refused the write.
    #[error("constraint failed: {0}")]
    Constraint(String),
    /// A limit of the SQL dialect we share with D1 (parameters, LIKE pattern, SQL length).
    #[error("statement exceeds a store limit: {0}")]
    Limit(String),
    /// The store answered with something the adapter could not understand, or failed.
    #[error("store failure: {0}")]
    Backend(String),
}

/// The SQL databases of a deployment. Labels match `spin.toml`, the D1 bindings
/// (`<LABEL>_DB`) and the local host's file names (`<label>.sqlite`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Database {
    Public,
    Care,
    Disaster,
}

impl Database {
    pub const ALL: [Database; 3] = [Database::Public, Database::Care, Database::Disaster];

    pub fn label(self) -> &'static str {
        match self {
            Database::Public => "public",
            Database::Care => "care",
            Database::Disaster => "disaster",
        }
    }

    pub fn from_label(label: &str) -> Option<Database> {
        Database::ALL.into_iter().find(|d| d.label() == label)
    }

    /// The Workers binding name of this database.
    pub fn binding(self) -> &'static str {
        match self {
            Database::Public => "PUBLIC_DB",
            Database::Care => "CARE_DB",
            Database::Disaster => "DISASTER_DB",
        }
    }
}

impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// The key-value stores of a deployment. `cache` holds rendered public pages and other
/// disposable data; `auth` holds the token revocation list that every function checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KvStore {
    Cache,
    Auth,
}

impl KvStore {
    pub const ALL: [KvStore; 2] = [KvStore::Cache, KvStore::Auth];

    pub fn label(self) -> &'static str {
        match self {
            KvStore::Cache => "cache",
            KvStore::Auth => "auth",
        }
    }

    pub fn from_label(label: &str) -> Option<KvStore> {
        KvStore::ALL.into_iter().find(|s| s.label() == label)
    }

    pub fn binding(self) -> &'static str {
        match self {
            KvStore::Cache => "CACHE_KV",
            KvStore::Auth => "AUTH_KV",
        }
    }
}

impl fmt::Display for KvStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}
