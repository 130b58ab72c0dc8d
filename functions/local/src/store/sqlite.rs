//! The SQL port over rusqlite: one writer connection and a few read-only connections per
//! file (WAL lets readers run beside the writer), D1's limits set on every connection so
//! local tests catch what D1 would refuse, and `synchronous=FULL` so that a write that was
//! acknowledged survives a crash of the process or of the machine.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, TryLockError};
use std::time::Duration;

use async_trait::async_trait;
use rainbownet_core::ports::{Rows, Sql, Statement, StoreError, Value};
use rusqlite::limits::Limit;
use rusqlite::types::{Value as SqlValue, ValueRef};
use rusqlite::{Connection, OpenFlags, ffi};

const READERS: usize = 4;

/// Prepared statements kept per connection.
const STATEMENTS_KEPT: usize = 128;

/// D1's limits (EDGE-NOTES): 100 bound parameters, 5 compound SELECT terms, LIKE patterns
/// of 50 bytes, 100 KB of SQL text.
const D1_LIMITS: [(Limit, i32); 4] = [
    (Limit::SQLITE_LIMIT_VARIABLE_NUMBER, 100),
    (Limit::SQLITE_LIMIT_COMPOUND_SELECT, 5),
    (Limit::SQLITE_LIMIT_LIKE_PATTERN_LENGTH, 50),
    (Limit::SQLITE_LIMIT_SQL_LENGTH, 100_000),
];

/// A batch waiting for the next group commit, and where its result goes.
struct Job {
    statements: Vec<Statement>,
    result: Arc<Mutex<Option<BatchResult>>>,
}

type BatchResult = Result<Vec<Rows>, StoreError>;

/// How a file's readers get its pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reads {
    /// Mapped into memory: reads copy nothing (a third of a nearby search's time at
    /// 100,000 resources was copying pages out of the OS cache: tests/bench-outside.sh
    /// under perf). For files written rarely: every commit makes each mapped reader unmap
    /// the whole file at its next read.
    Mapped,
    /// Copied page by page: for files written all the time (a surge of check-ins spent a
    /// tenth of its time in those unmaps and the page faults after them).
    Copied,
}

pub struct SqliteDb {
    path: PathBuf,
    writer: Mutex<Connection>,
    /// Batches queued for the writer. Whoever takes the writer commits all of them in one
    /// transaction, each inside its own savepoint (group commit): one fsync for many
    /// requests, and each batch still all-or-nothing on its own.
    pending: Mutex<Vec<Job>>,
    /// Signalled (with `pending` held) when a group's results are filled in and its leader
    /// has let the writer go.
    committed: Condvar,
    /// The reader connections not in use; a query takes any, and waits for the first one
    /// given back when all are in use (waiting for one in turn made a search wait out a
    /// region's 400 ms read beside idle readers: p99 370–410 ms after a write).
    idle_readers: Mutex<Vec<Connection>>,
    reader_back: Condvar,
}

/// A reader connection taken from the idle ones, given back when dropped.
struct Reader<'a> {
    db: &'a SqliteDb,
    conn: Option<Connection>,
}

impl std::ops::Deref for Reader<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        // Taken out only in drop.
        self.conn
            .as_ref()
            .expect("a reader holds its connection until dropped")
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.db
                .idle_readers
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(conn);
            self.db.reader_back.notify_one();
        }
    }
}

impl SqliteDb {
    pub fn open(path: &Path, reads: Reads) -> Result<SqliteDb, StoreError> {
        let writer = Connection::open(path).map_err(|e| backend(path, e))?;
        writer
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                 PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
            )
            .map_err(|e| backend(path, e))?;
        set_limits(&writer).map_err(|e| backend(path, e))?;
        let readers = (0..READERS)
            .map(|_| {
                let conn = Connection::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                conn.execute_batch("PRAGMA busy_timeout = 5000; PRAGMA cache_size = -16384;")?;
                if reads == Reads::Mapped {
                    conn.execute_batch("PRAGMA mmap_size = 1073741824;")?;
                }
                set_limits(&conn)?;
                Ok(conn)
            })
            .collect::<Result<_, rusqlite::Error>>()
            .map_err(|e| backend(path, e))?;
        Ok(SqliteDb {
            path: path.to_owned(),
            writer: Mutex::new(writer),
            pending: Mutex::new(Vec::new()),
            committed: Condvar::new(),
            idle_readers: Mutex::new(readers),
            reader_back: Condvar::new(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The writer connection, for migrations and the host's own maintenance.
    pub fn writer(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite consistent (transactions roll back on
        // drop), so a poisoned lock is safe to reuse.
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// An idle reader, or the first one given back.
    fn reader(&self) -> Reader<'_> {
        let mut idle = self.idle_readers.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(conn) = idle.pop() {
                return Reader {
                    db: self,
                    conn: Some(conn),
                };
            }
            idle = self
                .reader_back
                .wait(idle)
                .unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Runs a read-only statement on a reader and anything else on the writer.
    pub fn query(&self, sql: &str, params: &[Value]) -> Result<Rows, StoreError> {
        {
            let reader = self.reader();
            let mut stmt = reader.prepare_cached(sql).map_err(store_error)?;
            if stmt.readonly() {
                return run(&mut stmt, params);
            }
        }
        let writer = self.writer();
        let mut stmt = writer.prepare_cached(sql).map_err(store_error)?;
        run(&mut stmt, params)
    }

    /// Runs the statements atomically: all or nothing. Concurrent batches share one
    /// transaction and one fsync (group commit); a failing batch rolls back to its own
    /// savepoint without touching the others. Returns only once the commit is durable.
    pub fn batch(&self, statements: &[Statement]) -> BatchResult {
        let result = Arc::new(Mutex::new(None));
        let mut pending = lock(&self.pending);
        pending.push(Job {
            statements: statements.to_vec(),
            result: Arc::clone(&result),
        });
        loop {
            // Followers wait on the condition variable, not in line for the writer: taking
            // the writer one after another only to find their batch committed cost a
            // context switch each, and left the writer idle in between.
            if let Some(done) = lock(&result).take() {
                return done;
            }
            let mut writer = match self.writer.try_lock() {
                Ok(writer) => writer,
                // A panic under the lock left SQLite consistent (see `writer`).
                Err(TryLockError::Poisoned(p)) => p.into_inner(),
                Err(TryLockError::WouldBlock) => {
                    // Bounded: the writer may be held outside a group (a migration, a
                    // single statement), whose end signals nobody.
                    pending = self
                        .committed
                        .wait_timeout(pending, Duration::from_millis(2))
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                    continue;
                }
            };
            let jobs = std::mem::take(&mut *pending);
            drop(pending);
            commit_group(&mut writer, jobs);
            drop(writer);
            // Under `pending`, so that no follower is between its look at the writer and
            // its wait when the signal goes.
            let signal = lock(&self.pending);
            self.committed.notify_all();
            drop(signal);
            return lock(&result)
                .take()
                .unwrap_or_else(|| Err(StoreError::Backend("batch lost by group commit".into())));
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// Commits `jobs` in one IMMEDIATE transaction, each in a savepoint, and fills their results.
fn commit_group(writer: &mut Connection, jobs: Vec<Job>) {
    let mut outcomes: Vec<BatchResult> = Vec::with_capacity(jobs.len());
    let committed = (|| -> Result<(), StoreError> {
        let tx = writer
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
            .map_err(store_error)?;
        for job in &jobs {
            // Savepoints by cached statements: rusqlite's own parse their SQL each time.
            let mark = |sql: &str| -> Result<(), StoreError> {
                tx.prepare_cached(sql)
                    .and_then(|mut stmt| stmt.execute([]))
                    .map(drop)
                    .map_err(store_error)
            };
            mark("SAVEPOINT job")?;
            let outcome = job
                .statements
                .iter()
                .map(|statement| {
                    let mut stmt = tx.prepare_cached(&statement.sql).map_err(store_error)?;
                    run(&mut stmt, &statement.params)
                })
                .collect::<BatchResult>();
            if outcome.is_err() {
                mark("ROLLBACK TO job")?;
            }
            mark("RELEASE job")?;
            outcomes.push(outcome);
        }
        tx.commit().map_err(store_error)
    })();
    for (i, job) in jobs.into_iter().enumerate() {
        let outcome = match &committed {
            Ok(()) => outcomes
                .get_mut(i)
                .map(|o| std::mem::replace(o, Ok(Vec::new())))
                .unwrap_or_else(|| Err(StoreError::Backend("no outcome".into()))),
            Err(e) => Err(StoreError::Backend(format!("group commit failed: {e}"))),
        };
        *lock(&job.result) = Some(outcome);
    }
}

fn set_limits(conn: &Connection) -> rusqlite::Result<()> {
    for (limit, value) in D1_LIMITS {
        conn.set_limit(limit, value)?;
    }
    // The same plan whatever is bound: without it SQLite parses a statement again whenever a
    // new value is bound to a parameter its plan looked at (3.54 does that for partial
    // indexes, LIKE patterns, LIMIT, small integers), and a surge of check-ins spent a third
    // of its time in the parser (`sqlite3Reprepare` under `sqlite3_step`, perf). The plans
    // here do not depend on the values: queries are written for their indexes.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    // Searches alone have dozens of shapes (each filter, each count, each suggestion):
    // rusqlite keeps the last 16 used, so a varied load would parse each again each time.
    conn.set_prepared_statement_cache_capacity(STATEMENTS_KEPT);
    Ok(())
}

fn run(stmt: &mut rusqlite::CachedStatement<'_>, params: &[Value]) -> Result<Rows, StoreError> {
    let columns: Vec<String> = stmt.column_names().map(str::to_owned).collect();
    let params = params.iter().map(|v| match v {
        Value::Null => SqlValue::Null,
        Value::Integer(i) => SqlValue::Integer(*i),
        Value::Real(r) => SqlValue::Real(*r),
        Value::Text(t) => SqlValue::Text(t.clone()),
        Value::Blob(b) => SqlValue::Blob(b.clone()),
    });
    let mut rows = stmt
        .query(rusqlite::params_from_iter(params))
        .map_err(store_error)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(store_error)? {
        let mut values = Vec::with_capacity(columns.len());
        for i in 0..columns.len() {
            values.push(match row.get_ref(i).map_err(store_error)? {
                ValueRef::Null => Value::Null,
                ValueRef::Integer(i) => Value::Integer(i),
                ValueRef::Real(r) => Value::Real(r),
                // Checked first as UTF-8 (the fast path): the lossy conversion walks
                // every text in chunks, a twentieth of reading 100,000 places.
                ValueRef::Text(t) => Value::Text(match std::str::from_utf8(t) {
                    Ok(text) => text.to_owned(),
                    Err(_) => String::from_utf8_lossy(t).into_owned(),
                }),
                ValueRef::Blob(b) => Value::Blob(b.to_vec()),
            });
        }
        out.push(values);
    }
    Ok(Rows { columns, rows: out })
}

fn backend(path: &Path, e: rusqlite::Error) -> StoreError {
    StoreError::Backend(format!("{}: {e}", path.display()))
}

/// Sorts SQLite's failures into the port's kinds: constraints and D1's limits apart from
/// everything else.
pub fn store_error(e: rusqlite::Error) -> StoreError {
    let message = e.to_string();
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            StoreError::Constraint(message)
        }
        rusqlite::Error::SqliteFailure(f, _) if f.extended_code == ffi::SQLITE_TOOBIG => {
            StoreError::Limit(message)
        }
        _ if message.contains("too many SQL variables")
            || message.contains("too many terms in compound SELECT")
            || message.contains("LIKE or GLOB pattern too complex") =>
        {
            StoreError::Limit(message)
        }
        _ => StoreError::Backend(message),
    }
}

/// The SQL port for one database.
pub struct NativeSql(pub Arc<SqliteDb>);

#[async_trait(?Send)]
impl Sql for NativeSql {
    async fn query(&self, sql: &str, params: &[Value]) -> Result<Rows, StoreError> {
        self.0.query(sql, params)
    }

    async fn batch(&self, statements: &[Statement]) -> Result<Vec<Rows>, StoreError> {
        self.0.batch(statements)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> (tempfile::TempDir, SqliteDb) {
        let dir = tempfile::tempdir().unwrap();
        let db = SqliteDb::open(&dir.path().join("t.sqlite"), Reads::Copied).unwrap();
        db.query("CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER)", &[])
            .unwrap();
        (dir, db)
    }

    #[test]
    fn a_new_binding_does_not_parse_the_statement_again() {
        let (_dir, db) = db();
        // A partial index: SQLite 3.54 would check each new value against its WHERE.
        db.query("CREATE INDEX t_five ON t (k) WHERE n = 5", &[])
            .unwrap();
        let sql = "SELECT k FROM t WHERE n = ?1 AND k LIKE ?2 LIMIT ?3";
        for n in 1..=5 {
            let params = vec![Value::Integer(n), format!("{n}%").into(), Value::Integer(n)];
            db.batch(&[Statement::new(sql, params)]).unwrap();
        }
        let writer = db.writer();
        let stmt = writer.prepare_cached(sql).unwrap();
        assert_eq!(stmt.get_status(rusqlite::StatementStatus::RePrepare), 0);
    }

    #[test]
    fn batch_is_all_or_nothing() {
        let (_dir, db) = db();
        let insert = |k: &str| Statement::new("INSERT INTO t VALUES (?1, 1)", vec![k.into()]);
        let err = db
            .batch(&[insert("a"), insert("b"), insert("a")])
            .unwrap_err();
        assert!(matches!(err, StoreError::Constraint(_)), "{err:?}");
        let count = db.query("SELECT count(*) AS n FROM t", &[]).unwrap();
        assert_eq!(count.first().unwrap().int("n").unwrap(), 0);
        db.batch(&[insert("a"), insert("b")]).unwrap();
        let count = db.query("SELECT count(*) AS n FROM t", &[]).unwrap();
        assert_eq!(count.first().unwrap().int("n").unwrap(), 2);
    }

    #[test]
    fn concurrent_batches_commit_together_and_fail_alone() {
        let (_dir, db) = db();
        let db = Arc::new(db);
        // 16 threads × 50 batches of two rows; every fifth batch repeats a key of its own
        // and must vanish whole, whoever it shared a transaction with.
        let threads: Vec<_> = (0..16)
            .map(|t| {
                let db = Arc::clone(&db);
                std::thread::spawn(move || {
                    let mut failed = 0;
                    for i in 0..50 {
                        let a = format!("{t}-{i}-a");
                        let b = if i % 5 == 0 {
                            a.clone()
                        } else {
                            format!("{t}-{i}-b")
                        };
                        let insert = |k: &str| {
                            Statement::new("INSERT INTO t VALUES (?1, 1)", vec![k.into()])
                        };
                        match db.batch(&[insert(&a), insert(&b)]) {
                            Ok(_) => {}
                            Err(StoreError::Constraint(_)) => failed += 1,
                            Err(e) => panic!("{e}"),
                        }
                    }
                    failed
                })
            })
            .collect();
        let failed: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
        assert_eq!(failed, 16 * 10);
        let rows = db.query("SELECT count(*) AS n FROM t", &[]).unwrap();
        assert_eq!(rows.first().unwrap().int("n").unwrap(), 16 * 40 * 2);
    }

    #[test]
    fn d1_limits_are_enforced_locally() {
        let (_dir, db) = db();
        let params: Vec<Value> = (0..101).map(Value::from).collect();
        let placeholders = ["?"; 101].join(",");
        let err = db
            .query(&format!("SELECT {placeholders}"), &params)
            .unwrap_err();
        assert!(matches!(err, StoreError::Limit(_)), "{err:?}");
        let union = ["SELECT 1"; 7].join(" UNION ALL ");
        assert!(matches!(db.query(&union, &[]), Err(StoreError::Limit(_))));
        let pattern = "x".repeat(60);
        let like = db.query("SELECT 'a' LIKE ?1", &[pattern.into()]);
        assert!(matches!(like, Err(StoreError::Limit(_))), "{like:?}");
    }

    #[test]
    fn writes_returning_rows_go_to_the_writer() {
        let (_dir, db) = db();
        let rows = db
            .query("INSERT INTO t VALUES ('x', 7) RETURNING n", &[])
            .unwrap();
        assert_eq!(rows.first().unwrap().int("n").unwrap(), 7);
    }
}
