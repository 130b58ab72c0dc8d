//! The SQL port over D1. D1 has no BEGIN/COMMIT through the binding; `batch` is its
//! atomic unit. Numbers come back as JavaScript doubles; the core's row accessors accept
//! either kind.

use async_trait::async_trait;
use rainbownet_core::ports::{Rows, Sql, Statement, StoreError, Value};
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, D1Result};

pub struct D1Sql(pub D1Database);

fn to_js(value: &Value) -> JsValue {
    match value {
        Value::Null => JsValue::NULL,
        // Not `JsValue::from(i64)`: that makes a BigInt, which D1 refuses.
        Value::Integer(i) => JsValue::from_f64(*i as f64),
        Value::Real(r) => JsValue::from_f64(*r),
        Value::Text(t) => JsValue::from_str(t),
        Value::Blob(b) => js_sys::Uint8Array::from(b.as_slice()).into(),
    }
}

fn from_json(value: serde_json::Value) -> Value {
    match value {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Integer(b.into()),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Real(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::Text(s),
        // D1 returns BLOBs as arrays of byte values.
        serde_json::Value::Array(items) => Value::Blob(
            items
                .into_iter()
                .map(|v| v.as_u64().and_then(|b| u8::try_from(b).ok()).unwrap_or(0))
                .collect(),
        ),
        other @ serde_json::Value::Object(_) => Value::Text(other.to_string()),
    }
}

fn error(e: worker::Error) -> StoreError {
    let message = e.to_string();
    if message.contains("constraint failed") {
        StoreError::Constraint(message)
    } else if message.contains("too many SQL variables")
        || message.contains("too many terms in compound SELECT")
        || message.contains("LIKE or GLOB pattern too complex")
        || message.contains("too big")
    {
        StoreError::Limit(message)
    } else {
        StoreError::Backend(message)
    }
}

impl D1Sql {
    fn prepare(&self, sql: &str, params: &[Value]) -> Result<D1PreparedStatement, StoreError> {
        let values: Vec<JsValue> = params.iter().map(to_js).collect();
        self.0.prepare(sql).bind(&values).map_err(error)
    }
}

/// Rows of a D1 result. Columns are the keys of the first row object (D1 has no separate
/// column list in `all()`); an empty result has no columns, which nothing needs.
fn rows(result: D1Result) -> Result<Rows, StoreError> {
    if let Some(message) = result.error() {
        return Err(error(worker::Error::RustError(message)));
    }
    let objects: Vec<serde_json::Map<String, serde_json::Value>> =
        result.results().map_err(error)?;
    let columns: Vec<String> = objects
        .first()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    let rows = objects
        .into_iter()
        .map(|mut object| {
            columns
                .iter()
                .map(|c| from_json(object.remove(c).unwrap_or(serde_json::Value::Null)))
                .collect()
        })
        .collect();
    Ok(Rows { columns, rows })
}

#[async_trait(?Send)]
impl Sql for D1Sql {
    async fn query(&self, sql: &str, params: &[Value]) -> Result<Rows, StoreError> {
        let result = self.prepare(sql, params)?.all().await.map_err(error)?;
        rows(result)
    }

    async fn batch(&self, statements: &[Statement]) -> Result<Vec<Rows>, StoreError> {
        let prepared = statements
            .iter()
            .map(|s| self.prepare(&s.sql, &s.params))
            .collect::<Result<Vec<_>, _>>()?;
        let results = self.0.batch(prepared).await.map_err(error)?;
        results.into_iter().map(rows).collect()
    }
}
