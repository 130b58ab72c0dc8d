//! The SQL port over Spin SQLite. A batch runs between BEGIN and COMMIT on one connection.

use async_trait::async_trait;
use rainbownet_core::ports::{Database, Rows, Sql, Statement, StoreError, Value};
use spin_sdk::sqlite::{self, Connection};

pub struct SpinSql(Connection);

impl SpinSql {
    pub async fn open(db: Database) -> Result<SpinSql, StoreError> {
        match Connection::open(db.label()).await {
            Ok(conn) => Ok(SpinSql(conn)),
            Err(sqlite::Error::AccessDenied | sqlite::Error::NoSuchDatabase) => {
                Err(StoreError::NotGranted(db.label().to_owned()))
            }
            Err(e) => Err(StoreError::Backend(format!("spin sqlite {db}: {e:?}"))),
        }
    }

    async fn execute(&self, sql: &str, params: &[Value]) -> Result<Rows, StoreError> {
        let params = params.iter().map(|v| match v {
            Value::Null => sqlite::Value::Null,
            Value::Integer(i) => sqlite::Value::Integer(*i),
            Value::Real(r) => sqlite::Value::Real(*r),
            Value::Text(t) => sqlite::Value::Text(t.clone()),
            Value::Blob(b) => sqlite::Value::Blob(b.clone()),
        });
        let result = self.0.execute(sql, params).await.map_err(error)?;
        let columns = result.columns().to_vec();
        let rows = result
            .collect()
            .await
            .map_err(error)?
            .into_iter()
            .map(|row| {
                row.values
                    .into_iter()
                    .map(|v| match v {
                        sqlite::Value::Null => Value::Null,
                        sqlite::Value::Integer(i) => Value::Integer(i),
                        sqlite::Value::Real(r) => Value::Real(r),
                        sqlite::Value::Text(t) => Value::Text(t),
                        sqlite::Value::Blob(b) => Value::Blob(b),
                    })
                    .collect()
            })
            .collect();
        Ok(Rows { columns, rows })
    }
}

fn error(e: sqlite::Error) -> StoreError {
    let message = format!("{e:?}");
    if message.contains("constraint failed") {
        StoreError::Constraint(message)
    } else if message.contains("too many SQL variables")
        || message.contains("LIKE or GLOB pattern too complex")
        || message.contains("too many terms in compound SELECT")
    {
        StoreError::Limit(message)
    } else {
        StoreError::Backend(message)
    }
}

#[async_trait(?Send)]
impl Sql for SpinSql {
    async fn query(&self, sql: &str, params: &[Value]) -> Result<Rows, StoreError> {
        self.execute(sql, params).await
    }

    async fn batch(&self, statements: &[Statement]) -> Result<Vec<Rows>, StoreError> {
        self.execute("BEGIN IMMEDIATE", &[]).await?;
        let mut results = Vec::with_capacity(statements.len());
        for statement in statements {
            match self.execute(&statement.sql, &statement.params).await {
                Ok(rows) => results.push(rows),
                Err(e) => {
                    // The first error is what the caller needs; a failed rollback adds nothing.
                    let _ = self.execute("ROLLBACK", &[]).await;
                    return Err(e);
                }
            }
        }
        self.execute("COMMIT", &[]).await?;
        Ok(results)
    }
}
