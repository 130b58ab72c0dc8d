//! `Env`: what a function receives from its host for one request.

use std::cell::Cell;
use std::rc::Rc;

use async_trait::async_trait;

use crate::ports::{
    Admission, Clock, Config, Database, Kv, KvStore, Log, Outbound, Random, Sql, StoreError,
};

/// Opens the stores a host grants. A host that was not granted a store answers
/// `StoreError::NotGranted`: the platform is the authority (Spin's component grants, the
/// Workers bindings, the local host's reading of `spin.toml`), not the core.
#[async_trait(?Send)]
pub trait Stores {
    async fn sql(&self, db: Database) -> Result<Rc<dyn Sql>, StoreError>;
    async fn kv(&self, store: KvStore) -> Result<Rc<dyn Kv>, StoreError>;
}

pub struct Env {
    pub stores: Box<dyn Stores>,
    pub clock: Box<dyn Clock>,
    pub random: Box<dyn Random>,
    pub config: Box<dyn Config>,
    pub log: Box<dyn Log>,
    pub admission: Box<dyn Admission>,
    pub outbound: Box<dyn Outbound>,
    /// Set by a handler that left work for after the response (notifications written to
    /// the outbox): the host then runs the function's `after` once the response is out.
    pub after_response: Cell<bool>,
}

impl Env {
    /// Asks the host to run the function's `after` once the response is out.
    pub fn defer(&self) {
        self.after_response.set(true);
    }

    pub fn deferred(&self) -> bool {
        self.after_response.get()
    }

    pub async fn sql(&self, db: Database) -> Result<Rc<dyn Sql>, StoreError> {
        self.stores.sql(db).await
    }

    pub async fn kv(&self, store: KvStore) -> Result<Rc<dyn Kv>, StoreError> {
        self.stores.kv(store).await
    }

    /// A new identifier that can not be guessed: a ULID (48 bits of time, 80 random bits).
    pub fn new_id(&self) -> String {
        let mut bytes = [0u8; 10];
        self.random.fill(&mut bytes);
        let mut random: u128 = 0;
        for b in bytes {
            random = (random << 8) | u128::from(b);
        }
        let millis = u64::try_from(self.clock.now_millis()).unwrap_or(0);
        ulid::Ulid::from_parts(millis, random).to_string()
    }
}
