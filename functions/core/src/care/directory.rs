//! The professional directory: who is who in the network, so that a care team, a project
//! or a support team is formed by finding a colleague by name or organization rather than
//! by typing an id. Only active professionals, only to logged-in professionals, and never
//! their email addresses (an address is matched exactly, so a known colleague can be found
//! without the directory becoming a list of addresses).

use serde::Serialize;

use crate::auth::token::Subject;
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::ports::Database;

pub const MAX_RESULTS: i64 = 20;

#[derive(Debug, Serialize)]
pub struct Entry {
    pub id: String,
    pub name: String,
    pub profession: String,
    pub organization_id: String,
    pub organization: String,
    pub organization_kind: String,
    pub municipality_code: String,
}

/// Professionals whose name or organization contains `q`, or whose address is `q`; the
/// caller's own town first. `instr`, not `LIKE`: D1 (and the local host, which keeps D1's
/// limits) refuses LIKE patterns over 50 bytes, which 17 kanji already are, and a refused
/// pattern was a 503 (found by tests/schemathesis.sh). `lower` folds ASCII as LIKE did.
pub async fn search(env: &Env, caller: &Subject, q: &str) -> Result<Vec<Entry>, Error> {
    let q = crate::text::nfkc(q);
    let n = q.chars().count();
    if n == 0 || n > 100 {
        return Err(Error::Validation(vec![FieldError::new(
            "?q",
            "1 to 100 characters of a name, an organization or an email address",
            "氏名・事業所名・メールアドレスを1〜100文字で入力してください",
        )]));
    }
    let sql = env.sql(Database::Care).await?;
    let rows = sql
        .query(
            "SELECT id, name, profession, organization_id, organization, organization_kind, \
             municipality_code FROM colleagues \
             WHERE status = 'active' AND (instr(lower(name), lower(?1)) > 0 \
             OR instr(lower(organization), lower(?1)) > 0 OR email = ?2) \
             ORDER BY municipality_code = ?3 DESC, name, id LIMIT ?4",
            &[
                q.clone().into(),
                q.clone().into(),
                caller.municipality.clone().into(),
                MAX_RESULTS.into(),
            ],
        )
        .await?;
    rows.iter()
        .map(|r| {
            Ok(Entry {
                id: r.text("id")?.to_owned(),
                name: r.text("name")?.to_owned(),
                profession: r.text("profession")?.to_owned(),
                organization_id: r.text("organization_id")?.to_owned(),
                organization: r.text("organization")?.to_owned(),
                organization_kind: r.text("organization_kind")?.to_owned(),
                municipality_code: r.text("municipality_code")?.to_owned(),
            })
        })
        .collect()
}
