//! Store self-check: `GET …/_selfcheck/stores/{store}` asks the platform, from inside a
//! function, whether that function may open a store. It is how the conformance suite
//! proves least privilege on every host: a store the function is not granted answers
//! 403 `store-not-granted` (a problem, never a crash). It reveals no data.

use ::http::StatusCode;
use serde::Serialize;

use crate::env::Env;
use crate::error::Error;
use crate::http::{Response, json};
use crate::ports::{Database, KvStore};

#[derive(Serialize)]
struct Granted<'a> {
    function: &'a str,
    store: &'a str,
    granted: bool,
}

pub async fn store(env: &Env, function: &str, store: &str) -> Result<Response, Error> {
    if let Some(db) = Database::from_label(store) {
        env.sql(db).await?.query("SELECT 1", &[]).await?;
    } else if let Some(kv) = KvStore::from_label(store) {
        env.kv(kv).await?.get("selfcheck").await?;
    } else {
        return Err(Error::NotFound);
    }
    Ok(json(
        StatusCode::OK,
        &Granted {
            function,
            store,
            granted: true,
        },
    ))
}
