//! The host side of Spin's published interfaces, with the semantics of the Spin CLI's
//! own implementations (`spin-factor-sqlite` + `spin-sqlite-inproc`,
//! `spin-factor-key-value` + `spin-key-value-spin`, `spin-factor-variables` with the
//! environment provider), written against the same WIT:
//!
//! * `spin:sqlite/sqlite@3.1.0`: `open` of a label the component was not granted
//!   (`sqlite_databases`) is `access-denied`; an unknown label `no-such-database` (Spin
//!   refuses to start when a granted label is not configured, so a granted label always
//!   exists). Each `open` is a new SQLite connection to the label's file (in-memory: a new,
//!   empty database); `ATTACH` of a file is refused unless `allow_attach_file`. Values map
//!   one to one onto SQLite's storage classes; `changes` and `last-insert-rowid` are
//!   SQLite's, of the connection. Statement errors are `io(message)`; with `execute-async`
//!   they arrive on the returned future, after any rows read before the error.
//! * `spin:key-value/key-value@3.0.0`: `open` of an ungranted label is `access-denied`.
//!   Each label is one store: a shared connection to its SQLite file, table
//!   `spin_key_value(store, key, value)` keyed by label. `get` of a missing key is `none`;
//!   `delete` of a missing key succeeds; `get-keys` lists every key of the store.
//! * `spin:variables/variables@3.0.0`: `get` of an invalid name is `invalid-name`, of a
//!   name the component does not declare `undefined`.
//!
//! Every interface is linked for every component, as Spin links them; grants are checked
//! when a store is opened.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use wasmtime::component::{Accessor, FutureReader, HasData, Linker, Resource, StreamReader};

use crate::runtime_config::{Location, RuntimeConfig, SqliteDatabase};
use crate::variables::{ComponentVariables, GetError};

pub mod bindings {
    wasmtime::component::bindgen!({
        path: "wit",
        world: "rainbownet:spin-harness/host",
        imports: { default: async | trappable },
        trappable_error_type: {
            "spin:sqlite/sqlite@3.1.0.error" => spin::sqlite::sqlite::Error,
            "spin:key-value/key-value@3.0.0.error" => spin::key_value::key_value::Error,
            "spin:variables/variables@3.0.0.error" => spin::variables::variables::Error,
        },
    });
}

use bindings::spin::key_value::key_value as kv;
use bindings::spin::sqlite::sqlite as sql;
use bindings::spin::variables::variables as vars;

/// The most a query result, key list or value may hold in host memory (Spin's
/// `MAX_HOST_BUFFERED_BYTES`).
pub const MAX_HOST_BUFFERED_BYTES: usize = 128 << 20;

/// Spin's per-instance limit on open connections and stores.
const TABLE_CAPACITY: usize = 256;

/// A small handle table: resource representations are our own indices, as in Spin.
struct Table<T> {
    items: HashMap<u32, T>,
    next: u32,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table {
            items: HashMap::new(),
            next: 1,
        }
    }
}

impl<T> Table<T> {
    fn push(&mut self, item: T) -> Result<u32, ()> {
        if self.items.len() >= TABLE_CAPACITY {
            return Err(());
        }
        let id = self.next;
        self.next = self.next.wrapping_add(1).max(1);
        self.items.insert(id, item);
        Ok(id)
    }
    fn get(&self, id: u32) -> Option<&T> {
        self.items.get(&id)
    }
    fn remove(&mut self, id: u32) -> Option<T> {
        self.items.remove(&id)
    }
}

// ---------------------------------------------------------------------------------------
// Application-wide stores

/// One key-value store label: a lazily opened connection shared by every instance.
pub struct KvStore {
    label: String,
    location: Location,
    connection: OnceLock<Arc<Mutex<rusqlite::Connection>>>,
}

impl KvStore {
    fn connection(&self) -> Result<Arc<Mutex<rusqlite::Connection>>, kv::Error> {
        if let Some(c) = self.connection.get() {
            return Ok(c.clone());
        }
        let conn = match &self.location {
            Location::InMemory => rusqlite::Connection::open_in_memory(),
            Location::Path(p) => rusqlite::Connection::open(p),
        }
        .map_err(kv_error)?;
        conn.execute(
            "CREATE TABLE IF NOT EXISTS spin_key_value (
                store TEXT NOT NULL,
                key   TEXT NOT NULL,
                value BLOB NOT NULL,
                PRIMARY KEY (store, key)
            )",
            [],
        )
        .map_err(kv_error)?;
        let conn = Arc::new(Mutex::new(conn));
        Ok(self.connection.get_or_init(|| conn).clone())
    }
}

fn kv_error(e: impl std::fmt::Display) -> kv::Error {
    kv::Error::Other(e.to_string())
}

/// The stores of the application, shared by all components and instances.
pub struct AppStores {
    sqlite: BTreeMap<String, SqliteDatabase>,
    kv: BTreeMap<String, Arc<KvStore>>,
}

impl AppStores {
    pub fn new(config: &RuntimeConfig) -> AppStores {
        AppStores {
            sqlite: config.sqlite_databases.clone(),
            kv: config
                .key_value_stores
                .iter()
                .map(|(label, location)| {
                    (
                        label.clone(),
                        Arc::new(KvStore {
                            label: label.clone(),
                            location: location.clone(),
                            connection: OnceLock::new(),
                        }),
                    )
                })
                .collect(),
        }
    }

    pub fn has_sqlite(&self, label: &str) -> bool {
        self.sqlite.contains_key(label)
    }

    pub fn has_kv(&self, label: &str) -> bool {
        self.kv.contains_key(label)
    }

    /// Runs a batch of SQL against a labelled database (`--sqlite @file:label`).
    pub fn execute_batch(&self, label: &str, sql_text: &str) -> anyhow::Result<()> {
        let db = self
            .sqlite
            .get(label)
            .ok_or_else(|| anyhow::anyhow!("no sqlite database with label {label:?}"))?;
        let conn = SqliteConnection::new(db.clone());
        let c = conn.connection().map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let guard = c.lock().unwrap();
        guard.execute_batch(sql_text)?;
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// SQLite

/// One `open`ed connection: the database is opened on first use.
pub struct SqliteConnection {
    db: SqliteDatabase,
    connection: OnceLock<Arc<Mutex<rusqlite::Connection>>>,
}

impl SqliteConnection {
    fn new(db: SqliteDatabase) -> SqliteConnection {
        SqliteConnection {
            db,
            connection: OnceLock::new(),
        }
    }

    fn connection(&self) -> Result<Arc<Mutex<rusqlite::Connection>>, sql::Error> {
        if let Some(c) = self.connection.get() {
            return Ok(c.clone());
        }
        let mut conn = match &self.db.location {
            Location::InMemory => rusqlite::Connection::open_in_memory(),
            Location::Path(p) => rusqlite::Connection::open(p),
        }
        .map_err(|e| sql::Error::Io(e.to_string()))?;
        if !self.db.allow_attach_file {
            conn.authorizer(Some(|ctx: rusqlite::hooks::AuthContext<'_>| {
                use rusqlite::hooks::{AuthAction, Authorization};
                match ctx.action {
                    AuthAction::Attach { filename } if !matches!(filename, "" | ":memory:") => {
                        Authorization::Deny
                    }
                    _ => Authorization::Allow,
                }
            }))
            .map_err(|e| sql::Error::Io(e.to_string()))?;
        }
        let conn = Arc::new(Mutex::new(conn));
        Ok(self.connection.get_or_init(|| conn).clone())
    }
}

fn to_sql_param(v: sql::Value) -> rusqlite::types::Value {
    match v {
        sql::Value::Null => rusqlite::types::Value::Null,
        sql::Value::Integer(i) => rusqlite::types::Value::Integer(i),
        sql::Value::Real(r) => rusqlite::types::Value::Real(r),
        sql::Value::Text(t) => rusqlite::types::Value::Text(t),
        sql::Value::Blob(b) => rusqlite::types::Value::Blob(b),
    }
}

fn from_sql_value(v: rusqlite::types::ValueRef<'_>) -> sql::Value {
    match v {
        rusqlite::types::ValueRef::Null => sql::Value::Null,
        rusqlite::types::ValueRef::Integer(i) => sql::Value::Integer(i),
        rusqlite::types::ValueRef::Real(f) => sql::Value::Real(f),
        // Spin assumes UTF-8 here (and panics otherwise); a lossy conversion is kinder.
        rusqlite::types::ValueRef::Text(t) => {
            sql::Value::Text(String::from_utf8_lossy(t).into_owned())
        }
        rusqlite::types::ValueRef::Blob(b) => sql::Value::Blob(b.to_vec()),
    }
}

fn value_size(v: &sql::Value) -> usize {
    std::mem::size_of::<sql::Value>()
        + match v {
            sql::Value::Text(t) => t.len(),
            sql::Value::Blob(b) => b.len(),
            _ => 0,
        }
}

/// Runs one statement: the column names, the rows read, and how it ended. Rows read
/// before an error are kept (the async interface streams them before the error).
fn run_query(
    connection: &Mutex<rusqlite::Connection>,
    query: &str,
    parameters: Vec<sql::Value>,
) -> (Vec<String>, Vec<sql::RowResult>, Result<(), sql::Error>) {
    let io = |e: rusqlite::Error| sql::Error::Io(e.to_string());
    let conn = connection.lock().unwrap();
    let mut statement = match conn.prepare_cached(query) {
        Ok(s) => s,
        Err(e) => return (Vec::new(), Vec::new(), Err(io(e))),
    };
    let columns: Vec<String> = statement.column_names().map(ToOwned::to_owned).collect();
    let column_count = columns.len();
    let mut rows_out = Vec::new();
    let mut rows = match statement.query(rusqlite::params_from_iter(
        parameters.into_iter().map(to_sql_param),
    )) {
        Ok(r) => r,
        Err(e) => return (columns, rows_out, Err(io(e))),
    };
    let mut bytes = 0usize;
    loop {
        match rows.next() {
            Ok(None) => break,
            Ok(Some(row)) => {
                let mut values = Vec::with_capacity(column_count);
                for i in 0..column_count {
                    match row.get_ref(i) {
                        Ok(v) => values.push(from_sql_value(v)),
                        Err(e) => return (columns, rows_out, Err(io(e))),
                    }
                }
                bytes += values.iter().map(value_size).sum::<usize>();
                if bytes > MAX_HOST_BUFFERED_BYTES {
                    return (
                        columns,
                        rows_out,
                        Err(sql::Error::Io(format!(
                            "query result exceeds limit of {MAX_HOST_BUFFERED_BYTES} bytes"
                        ))),
                    );
                }
                rows_out.push(sql::RowResult { values });
            }
            Err(e) => return (columns, rows_out, Err(io(e))),
        }
    }
    (columns, rows_out, Ok(()))
}

async fn blocking<R: Send + 'static>(
    f: impl FnOnce() -> R + Send + 'static,
) -> wasmtime::Result<R> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| wasmtime::format_err!("internal runtime error: {e}"))
}

// ---------------------------------------------------------------------------------------
// Per-instance state

/// What one component instance may reach, and what it has opened.
pub struct SpinState {
    component: String,
    allowed_databases: Arc<HashSet<String>>,
    allowed_stores: Arc<HashSet<String>>,
    variables: Arc<ComponentVariables>,
    app: Arc<AppStores>,
    connections: Table<Arc<SqliteConnection>>,
    stores: Table<Arc<KvStore>>,
}

impl SpinState {
    pub fn new(
        component: &str,
        allowed_databases: Arc<HashSet<String>>,
        allowed_stores: Arc<HashSet<String>>,
        variables: Arc<ComponentVariables>,
        app: Arc<AppStores>,
    ) -> SpinState {
        SpinState {
            component: component.to_owned(),
            allowed_databases,
            allowed_stores,
            variables,
            app,
            connections: Table::default(),
            stores: Table::default(),
        }
    }

    pub fn component(&self) -> &str {
        &self.component
    }

    pub fn open_sqlite(&mut self, database: &str) -> Result<u32, sql::Error> {
        if !self.allowed_databases.contains(database) {
            return Err(sql::Error::AccessDenied);
        }
        let db = self
            .app
            .sqlite
            .get(database)
            .ok_or(sql::Error::NoSuchDatabase)?;
        self.connections
            .push(Arc::new(SqliteConnection::new(db.clone())))
            .map_err(|()| sql::Error::Io("too many connections opened".to_owned()))
    }

    fn sqlite(&self, rep: u32) -> Result<Arc<SqliteConnection>, sql::Error> {
        self.connections
            .get(rep)
            .cloned()
            .ok_or(sql::Error::InvalidConnection)
    }

    pub fn open_kv(&mut self, label: &str) -> Result<u32, kv::Error> {
        if !self.allowed_stores.contains(label) {
            return Err(kv::Error::AccessDenied);
        }
        let store = self
            .app
            .kv
            .get(label)
            .ok_or(kv::Error::NoSuchStore)?
            .clone();
        // Spin makes the store's connection (and table) when a store is first opened.
        store.connection()?;
        self.stores
            .push(store)
            .map_err(|()| kv::Error::StoreTableFull)
    }

    fn kv(&self, rep: u32) -> Result<Arc<KvStore>, kv::Error> {
        self.stores.get(rep).cloned().ok_or(kv::Error::NoSuchStore)
    }
}

/// The `HasData` marker the generated `add_to_linker` functions take.
pub struct SpinHost;

impl HasData for SpinHost {
    type Data<'a> = &'a mut SpinState;
}

pub fn add_to_linker<T: Send + 'static>(
    linker: &mut Linker<T>,
    get: fn(&mut T) -> &mut SpinState,
) -> wasmtime::Result<()> {
    sql::add_to_linker::<T, SpinHost>(linker, get)?;
    kv::add_to_linker::<T, SpinHost>(linker, get)?;
    vars::add_to_linker::<T, SpinHost>(linker, get)?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// spin:sqlite/sqlite@3.1.0

impl sql::Host for SpinState {
    fn convert_error(&mut self, err: sql::Error) -> wasmtime::Result<sql::Error> {
        Ok(err)
    }
}

impl sql::HostConnection for SpinState {
    async fn open(&mut self, database: String) -> Result<Resource<sql::Connection>, sql::Error> {
        self.open_sqlite(&database).map(Resource::new_own)
    }

    async fn execute(
        &mut self,
        connection: Resource<sql::Connection>,
        statement: String,
        parameters: Vec<sql::Value>,
    ) -> Result<sql::QueryResult, sql::Error> {
        let conn = self.sqlite(connection.rep())?;
        let (columns, rows, result) = blocking(move || {
            let c = conn.connection()?;
            Ok::<_, sql::Error>(run_query(&c, &statement, parameters))
        })
        .await
        .map_err(|e: wasmtime::Error| sql::Error::Io(e.to_string()))??;
        result?;
        Ok(sql::QueryResult { columns, rows })
    }

    async fn last_insert_rowid(
        &mut self,
        connection: Resource<sql::Connection>,
    ) -> wasmtime::Result<i64> {
        let conn = self.sqlite(connection.rep())?;
        let c = conn.connection()?;
        let id = c.lock().unwrap().last_insert_rowid();
        Ok(id)
    }

    async fn changes(&mut self, connection: Resource<sql::Connection>) -> wasmtime::Result<u64> {
        let conn = self.sqlite(connection.rep())?;
        let c = conn.connection()?;
        let n = c.lock().unwrap().changes();
        Ok(n)
    }

    async fn drop(&mut self, connection: Resource<sql::Connection>) -> wasmtime::Result<()> {
        self.connections.remove(connection.rep());
        Ok(())
    }
}

impl<T> sql::HostConnectionWithStore<T> for SpinHost {
    async fn open_async(
        accessor: &Accessor<T, Self>,
        database: String,
    ) -> Result<Resource<sql::Connection>, sql::Error> {
        accessor.with(|mut access| access.get().open_sqlite(&database).map(Resource::new_own))
    }

    async fn execute_async(
        accessor: &Accessor<T, Self>,
        connection: Resource<sql::Connection>,
        statement: String,
        parameters: Vec<sql::Value>,
    ) -> Result<
        (
            Vec<String>,
            StreamReader<sql::RowResult>,
            FutureReader<Result<(), sql::Error>>,
        ),
        sql::Error,
    > {
        let conn = accessor.with(|mut access| access.get().sqlite(connection.rep()))?;
        let (columns, rows, result) = blocking(move || match conn.connection() {
            Ok(c) => run_query(&c, &statement, parameters),
            Err(e) => (Vec::new(), Vec::new(), Err(e)),
        })
        .await
        .map_err(|e| sql::Error::Io(e.to_string()))?;
        accessor
            .with(|mut access| {
                let rows = StreamReader::new(&mut access, rows)?;
                let done =
                    FutureReader::new(
                        &mut access,
                        async move { Ok::<_, wasmtime::Error>(result) },
                    )?;
                wasmtime::Result::Ok((columns, rows, done))
            })
            .map_err(|e: wasmtime::Error| sql::Error::Io(e.to_string()))
    }

    async fn last_insert_rowid_async(
        accessor: &Accessor<T, Self>,
        connection: Resource<sql::Connection>,
    ) -> wasmtime::Result<i64> {
        let conn = accessor.with(|mut access| access.get().sqlite(connection.rep()))?;
        let c = conn.connection()?;
        let id = c.lock().unwrap().last_insert_rowid();
        Ok(id)
    }

    async fn changes_async(
        accessor: &Accessor<T, Self>,
        connection: Resource<sql::Connection>,
    ) -> wasmtime::Result<u64> {
        let conn = accessor.with(|mut access| access.get().sqlite(connection.rep()))?;
        let c = conn.connection()?;
        let n = c.lock().unwrap().changes();
        Ok(n)
    }
}

// ---------------------------------------------------------------------------------------
// spin:key-value/key-value@3.0.0

impl kv::Host for SpinState {
    fn convert_error(&mut self, err: kv::Error) -> wasmtime::Result<kv::Error> {
        Ok(err)
    }
}

impl kv::HostStore for SpinState {
    async fn drop(&mut self, store: Resource<kv::Store>) -> wasmtime::Result<()> {
        self.stores.remove(store.rep());
        Ok(())
    }
}

fn kv_get(store: &KvStore, key: &str) -> Result<Option<Vec<u8>>, kv::Error> {
    let conn = store.connection()?;
    let conn = conn.lock().unwrap();
    let value = conn
        .prepare_cached("SELECT value FROM spin_key_value WHERE store=$1 AND key=$2")
        .map_err(kv_error)?
        .query_map([store.label.as_str(), key], |row| row.get::<_, Vec<u8>>(0))
        .map_err(kv_error)?
        .next()
        .transpose()
        .map_err(kv_error)?;
    if std::mem::size_of::<Option<Vec<u8>>>() + value.as_ref().map_or(0, Vec::len)
        > MAX_HOST_BUFFERED_BYTES
    {
        return Err(kv::Error::Other(format!(
            "query result exceeds limit of {MAX_HOST_BUFFERED_BYTES} bytes"
        )));
    }
    Ok(value)
}

fn kv_set(store: &KvStore, key: &str, value: &[u8]) -> Result<(), kv::Error> {
    let conn = store.connection()?;
    let conn = conn.lock().unwrap();
    conn.prepare_cached(
        "INSERT INTO spin_key_value (store, key, value) VALUES ($1, $2, $3)
         ON CONFLICT(store, key) DO UPDATE SET value=$3",
    )
    .map_err(kv_error)?
    .execute(rusqlite::params![store.label, key, value])
    .map_err(kv_error)?;
    Ok(())
}

fn kv_delete(store: &KvStore, key: &str) -> Result<(), kv::Error> {
    let conn = store.connection()?;
    let conn = conn.lock().unwrap();
    conn.prepare_cached("DELETE FROM spin_key_value WHERE store=$1 AND key=$2")
        .map_err(kv_error)?
        .execute([store.label.as_str(), key])
        .map_err(kv_error)?;
    Ok(())
}

fn kv_keys(store: &KvStore) -> (Vec<String>, Result<(), kv::Error>) {
    let mut keys = Vec::new();
    let result = (|| {
        let conn = store.connection()?;
        let conn = conn.lock().unwrap();
        let mut stmt = conn
            .prepare_cached("SELECT key FROM spin_key_value WHERE store=$1")
            .map_err(kv_error)?;
        let mut rows = stmt.query([store.label.as_str()]).map_err(kv_error)?;
        while let Some(row) = rows.next().map_err(kv_error)? {
            let key: String = row.get(0).map_err(kv_error)?;
            if key.len() > MAX_HOST_BUFFERED_BYTES {
                return Err(kv::Error::Other(format!(
                    "query result exceeds limit of {MAX_HOST_BUFFERED_BYTES} bytes"
                )));
            }
            keys.push(key);
        }
        Ok(())
    })();
    (keys, result)
}

async fn with_store<T, R: Send + 'static>(
    accessor: &Accessor<T, SpinHost>,
    store: &Resource<kv::Store>,
    op: impl FnOnce(&KvStore) -> Result<R, kv::Error> + Send + 'static,
) -> Result<R, kv::Error> {
    let rep = store.rep();
    let store = accessor.with(|mut access| access.get().kv(rep))?;
    blocking(move || op(&store)).await.map_err(kv_error)?
}

impl<T> kv::HostStoreWithStore<T> for SpinHost {
    async fn open(
        accessor: &Accessor<T, Self>,
        label: String,
    ) -> Result<Resource<kv::Store>, kv::Error> {
        // Check the grant before any blocking work, then make the connection off-thread.
        let (allowed, app) = accessor.with(|mut access| {
            let state = access.get();
            (state.allowed_stores.contains(&label), state.app.clone())
        });
        if !allowed {
            return Err(kv::Error::AccessDenied);
        }
        let store = app.kv.get(&label).cloned().ok_or(kv::Error::NoSuchStore)?;
        blocking(move || store.connection().map(drop))
            .await
            .map_err(kv_error)??;
        accessor.with(|mut access| access.get().open_kv(&label).map(Resource::new_own))
    }

    async fn get(
        accessor: &Accessor<T, Self>,
        self_: Resource<kv::Store>,
        key: String,
    ) -> Result<Option<Vec<u8>>, kv::Error> {
        with_store(accessor, &self_, move |s| kv_get(s, &key)).await
    }

    async fn set(
        accessor: &Accessor<T, Self>,
        self_: Resource<kv::Store>,
        key: String,
        value: Vec<u8>,
    ) -> Result<(), kv::Error> {
        with_store(accessor, &self_, move |s| kv_set(s, &key, &value)).await
    }

    async fn delete(
        accessor: &Accessor<T, Self>,
        self_: Resource<kv::Store>,
        key: String,
    ) -> Result<(), kv::Error> {
        with_store(accessor, &self_, move |s| kv_delete(s, &key)).await
    }

    async fn exists(
        accessor: &Accessor<T, Self>,
        self_: Resource<kv::Store>,
        key: String,
    ) -> Result<bool, kv::Error> {
        with_store(accessor, &self_, move |s| {
            kv_get(s, &key).map(|v| v.is_some())
        })
        .await
    }

    async fn get_keys(
        accessor: &Accessor<T, Self>,
        self_: Resource<kv::Store>,
    ) -> wasmtime::Result<(StreamReader<String>, FutureReader<Result<(), kv::Error>>)> {
        let (keys, result) = match accessor.with(|mut access| access.get().kv(self_.rep())) {
            Ok(store) => blocking(move || kv_keys(&store)).await?,
            Err(e) => (Vec::new(), Err(e)),
        };
        accessor.with(|mut access| {
            let keys = StreamReader::new(&mut access, keys)?;
            let done =
                FutureReader::new(&mut access, async move { Ok::<_, wasmtime::Error>(result) })?;
            Ok((keys, done))
        })
    }
}

// ---------------------------------------------------------------------------------------
// spin:variables/variables@3.0.0

impl vars::Host for SpinState {
    fn convert_error(&mut self, err: vars::Error) -> wasmtime::Result<vars::Error> {
        Ok(err)
    }
}

impl<T> vars::HostWithStore<T> for SpinHost {
    async fn get(accessor: &Accessor<T, Self>, name: String) -> Result<String, vars::Error> {
        let variables = accessor.with(|mut access| access.get().variables.clone());
        variables.get(&name).map_err(|e| match e {
            GetError::InvalidName(m) => vars::Error::InvalidName(m),
            GetError::Undefined(m) => vars::Error::Undefined(m),
        })
    }
}
