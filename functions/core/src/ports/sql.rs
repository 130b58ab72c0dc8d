//! The SQL port: SQLite's dialect, positional parameters, and `batch` as the atomic unit
//! (D1 has no BEGIN/COMMIT through its binding; the native and Spin adapters run a batch
//! in one transaction).

use async_trait::async_trait;

use super::StoreError;

/// A value bound to, or read from, a statement.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Integer(v)
    }
}
impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::Integer(v.into())
    }
}
impl From<u32> for Value {
    fn from(v: u32) -> Self {
        Value::Integer(v.into())
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Real(v)
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Integer(v.into())
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Blob(v)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// One statement with its positional (`?1`, `?2`, …) parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    pub sql: String,
    pub params: Vec<Value>,
}

impl Statement {
    pub fn new(sql: impl Into<String>, params: Vec<Value>) -> Self {
        Statement {
            sql: sql.into(),
            params,
        }
    }
}

/// The rows a statement returned (none for most writes; use `RETURNING` to read back).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Rows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

impl Rows {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(move |values| Row {
            columns: &self.columns,
            values,
        })
    }

    pub fn first(&self) -> Option<Row<'_>> {
        self.iter().next()
    }
}

impl Statement {
    /// How many rows the statement before it in a batch changed, read back with
    /// [`changed_rows`] (a batch's writes report nothing themselves).
    pub fn changes() -> Statement {
        Statement::new("SELECT changes() AS n", vec![])
    }
}

/// The count a [`Statement::changes`] at `index` of a batch's results read (0 when absent).
pub fn changed_rows(results: &[Rows], index: usize) -> Result<i64, StoreError> {
    results
        .get(index)
        .and_then(|r| r.first())
        .map_or(Ok(0), |r| r.int("n"))
}

/// A borrowed row with typed, name-based access. Accessors are lenient about the integer /
/// real distinction because D1 returns every number as a JavaScript double.
#[derive(Clone, Copy, Debug)]
pub struct Row<'a> {
    columns: &'a [String],
    values: &'a [Value],
}

impl<'a> Row<'a> {
    pub fn value(&self, column: &str) -> Result<&'a Value, StoreError> {
        self.columns
            .iter()
            .position(|c| c == column)
            .and_then(|i| self.values.get(i))
            .ok_or_else(|| StoreError::Backend(format!("no column `{column}` in result")))
    }

    pub fn text(&self, column: &str) -> Result<&'a str, StoreError> {
        match self.value(column)? {
            Value::Text(s) => Ok(s),
            other => Err(type_error(column, "text", other)),
        }
    }

    pub fn opt_text(&self, column: &str) -> Result<Option<&'a str>, StoreError> {
        match self.value(column)? {
            Value::Null => Ok(None),
            Value::Text(s) => Ok(Some(s)),
            other => Err(type_error(column, "text", other)),
        }
    }

    pub fn int(&self, column: &str) -> Result<i64, StoreError> {
        match self.value(column)? {
            Value::Integer(i) => Ok(*i),
            Value::Real(r) if r.fract() == 0.0 && r.abs() < 9.007_199_254_740_992e15 => {
                Ok(*r as i64)
            }
            other => Err(type_error(column, "integer", other)),
        }
    }

    pub fn opt_int(&self, column: &str) -> Result<Option<i64>, StoreError> {
        match self.value(column)? {
            Value::Null => Ok(None),
            _ => self.int(column).map(Some),
        }
    }

    pub fn blob(&self, column: &str) -> Result<&'a [u8], StoreError> {
        match self.value(column)? {
            Value::Blob(b) => Ok(b),
            other => Err(type_error(column, "blob", other)),
        }
    }

    pub fn real(&self, column: &str) -> Result<f64, StoreError> {
        match self.value(column)? {
            Value::Real(r) => Ok(*r),
            Value::Integer(i) => Ok(*i as f64),
            other => Err(type_error(column, "real", other)),
        }
    }

    pub fn opt_real(&self, column: &str) -> Result<Option<f64>, StoreError> {
        match self.value(column)? {
            Value::Null => Ok(None),
            _ => self.real(column).map(Some),
        }
    }
}

fn type_error(column: &str, wanted: &str, got: &Value) -> StoreError {
    StoreError::Backend(format!("column `{column}`: expected {wanted}, got {got:?}"))
}

/// Binds each item as a new positional parameter after those in `params` and returns
/// their placeholders for an `IN (…)` list (`?3, ?4, ?5`).
pub fn bind_list<T: Into<Value>>(
    params: &mut Vec<Value>,
    items: impl IntoIterator<Item = T>,
) -> String {
    let mut marks = Vec::new();
    for item in items {
        params.push(item.into());
        marks.push(format!("?{}", params.len()));
    }
    marks.join(", ")
}

#[async_trait(?Send)]
pub trait Sql {
    /// Runs one statement and returns its rows.
    async fn query(&self, sql: &str, params: &[Value]) -> Result<Rows, StoreError>;

    /// Runs the statements atomically: all of them or none. Returns each statement's rows.
    async fn batch(&self, statements: &[Statement]) -> Result<Vec<Rows>, StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bound_lists_number_after_existing_parameters() {
        let mut params = vec![Value::from("x")];
        assert_eq!(bind_list(&mut params, ["a", "b"]), "?2, ?3");
        assert_eq!(params.len(), 3);
    }

    #[test]
    fn rows_give_typed_values_by_name() {
        let rows = Rows {
            columns: vec!["code".into(), "lat".into(), "n".into(), "note".into()],
            rows: vec![vec![
                Value::from("23233"),
                Value::Integer(35),
                Value::Real(3.0),
                Value::Null,
            ]],
        };
        let row = rows.first().expect("one row");
        assert_eq!(row.text("code").unwrap(), "23233");
        assert_eq!(row.real("lat").unwrap(), 35.0);
        assert_eq!(row.int("n").unwrap(), 3);
        assert_eq!(row.opt_text("note").unwrap(), None);
        assert!(row.text("missing").is_err());
        assert!(row.int("code").is_err());
    }
}
