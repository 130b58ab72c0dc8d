//! A town's districts as the register knows them (code, name, how many people), for the
//! HQ to give a team its area by name rather than by a code typed from memory.

use serde::Serialize;

use crate::env::Env;
use crate::error::Error;
use crate::ports::{Database, StoreError};

#[derive(Debug, Serialize)]
pub struct District {
    pub municipality_code: String,
    pub code: String,
    pub name: String,
    pub name_kana: Option<String>,
    /// People on the register in the district.
    pub people: i64,
}

/// The districts of `municipality`, in kana order (code order without kana). The caller
/// has been checked to be its staff.
pub async fn list(env: &Env, municipality: &str) -> Result<Vec<District>, Error> {
    let sql = env.sql(Database::Disaster).await?;
    let rows = sql
        .query(
            "SELECT municipality_code, code, name, name_kana, people FROM districts \
             WHERE municipality_code = ?1 ORDER BY coalesce(name_kana, name), code LIMIT 2000",
            &[municipality.into()],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(District {
                municipality_code: r.text("municipality_code")?.to_owned(),
                code: r.text("code")?.to_owned(),
                name: r.text("name")?.to_owned(),
                name_kana: r.opt_text("name_kana")?.map(str::to_owned),
                people: r.int("people")?,
            })
        })
        .collect::<Result<_, StoreError>>()
        .map_err(Error::from)
}
