//! Published resources read for the public exports, a page or a chunk at a time: what an
//! export holds of the store is bounded, whatever the region's size.

use super::{Resource, SELECT, from_row};
use crate::env::Env;
use crate::error::Error;
use crate::ports::Database;

/// Rows one export reads per query: what it holds of the store at a time, whatever the
/// region's size.
const CHUNK: usize = 500;

/// How many resources are published.
pub async fn published_count(env: &Env) -> Result<usize, Error> {
    let sql = env.sql(Database::Public).await?;
    let rows = sql
        .query(
            "SELECT count(*) AS n FROM resources WHERE status = 'published'",
            &[],
        )
        .await?;
    let n = rows.first().map(|r| r.int("n")).transpose()?.unwrap_or(0);
    Ok(usize::try_from(n).unwrap_or(0))
}

/// One page of published resources (`page` from 1), read as that page alone.
pub async fn published_page(
    env: &Env,
    page: usize,
    per_page: usize,
) -> Result<Vec<Resource>, Error> {
    let sql = env.sql(Database::Public).await?;
    let offset = page.saturating_sub(1).saturating_mul(per_page);
    let rows = sql
        .query(
            &format!(
                "{SELECT} WHERE r.status = 'published' ORDER BY r.sort_key, r.id LIMIT ?1 OFFSET ?2"
            ),
            &[
                i64::try_from(per_page).unwrap_or(i64::MAX).into(),
                i64::try_from(offset).unwrap_or(i64::MAX).into(),
            ],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| from_row(&r))
        .collect::<Result<_, _>>()?)
}

/// Every published resource in the exports' order, [`CHUNK`] at a time (keyset on
/// `sort_key, id`), each chunk handed to `each` before the next is read.
pub async fn each_published(
    env: &Env,
    each: &mut dyn FnMut(&[Resource]) -> Result<(), Error>,
) -> Result<(), Error> {
    let sql = env.sql(Database::Public).await?;
    let mut after: Option<(String, String)> = None;
    loop {
        let rows = match &after {
            None => {
                sql.query(
                    &format!("{SELECT} WHERE r.status = 'published' ORDER BY r.sort_key, r.id LIMIT {CHUNK}"),
                    &[],
                )
                .await?
            }
            Some((key, id)) => {
                sql.query(
                    &format!(
                        "{SELECT} WHERE r.status = 'published' AND (r.sort_key, r.id) > (?1, ?2) \
                         ORDER BY r.sort_key, r.id LIMIT {CHUNK}"
                    ),
                    &[key.as_str().into(), id.as_str().into()],
                )
                .await?
            }
        };
        let Some(last) = rows.iter().last() else {
            return Ok(());
        };
        after = Some((
            last.text("sort_key")?.to_owned(),
            last.text("id")?.to_owned(),
        ));
        let chunk: Vec<Resource> = rows
            .iter()
            .map(|r| from_row(&r))
            .collect::<Result<_, _>>()?;
        each(&chunk)?;
        if rows.len() < CHUNK {
            return Ok(());
        }
    }
}
