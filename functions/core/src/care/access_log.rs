//! The access log for the patient and the family (issue #34): who opened or changed the
//! record and when, from the audit log, as a patient reads it. A professional is named as
//! the team sees them (name, profession, organization), a family member by name and
//! relation; addresses and request ids stay in the audit log. Reading this log is itself
//! audited but not listed in it.

use serde::Serialize;

use super::family_caller::Reader;
use crate::env::Env;
use crate::error::Error;
use crate::http::Request;
use crate::ports::{Row, StoreError, Value};
use crate::vocabulary::{Profession, Relation, Word};

/// The action this log's own reading is audited as.
pub const ACTION: &str = "access_log.read";

#[derive(Debug, Serialize)]
pub struct Access {
    pub at: String,
    pub action: String,
    pub action_ja: &'static str,
    pub who: Who,
}

#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Who {
    Professional {
        name: String,
        profession: String,
        profession_ja: &'static str,
        organization: String,
    },
    Family {
        name: String,
        relation: Relation,
        relation_ja: &'static str,
    },
    /// The town's bulk registration, or an account that no longer exists.
    Other,
}

#[derive(Debug, Serialize)]
pub struct AccessPage {
    pub items: Vec<Access>,
    pub next_cursor: Option<String>,
}

/// What an action did, as a patient reads it.
pub fn action_ja(action: &str) -> &'static str {
    match action {
        "patient.create" => "登録しました",
        "patient.import" => "一括登録しました",
        "patient.read" => "記録を見ました",
        "patient.fhir" => "記録を書き出しました（FHIR）",
        "patient.nearby" => "近くの地域資源を探しました",
        "patient.introduce" => "地域資源を紹介しました",
        "timeline.read" => "連絡帳を見ました",
        "post.create" => "連絡帳に書きました",
        "post.edit" => "連絡帳の書き込みを直しました",
        "post.share" => "書き込みの家族との共有を変えました",
        "post.read" => "書き込みを読みました",
        "comment.create" => "コメントを書きました",
        "attachment.upload" => "ファイルを添付しました",
        "attachment.read" => "添付ファイルを見ました",
        "vitals.read" => "測定値を見ました",
        "vital.create" => "測定値を記録しました",
        "vitals.home_bp" => "家庭血圧を見ました",
        "thresholds.read" => "しきい値を見ました",
        "thresholds.set" => "しきい値を設定しました",
        "alerts.read" => "アラートを見ました",
        "alert.ack" => "アラートを確認しました",
        "team.add" | "team.remove" | "team.lead" => "ケアチームを変更しました",
        "consent.revoke" => "同意の撤回を記録しました",
        "family.invite" => "家族を招待しました",
        "family.invitations" => "家族の招待を見ました",
        "family.invite.revoke" => "家族の招待を取り消しました",
        "family.join" => "家族として参加しました",
        "questionnaire.request" => "問診を依頼しました",
        "questionnaire.list" => "問診を見ました",
        "questionnaire.respond" => "問診に回答しました",
        _ => "記録を扱いました",
    }
}

fn from_row(row: &Row<'_>) -> Result<Access, StoreError> {
    let action = row.text("action")?.to_owned();
    let who = if let Some(name) = row.opt_text("pro_name")? {
        let profession = row.opt_text("profession")?.unwrap_or_default();
        Who::Professional {
            name: name.to_owned(),
            profession_ja: Profession::parse(profession).map_or("", Profession::label_ja),
            profession: profession.to_owned(),
            organization: row.opt_text("organization")?.unwrap_or_default().to_owned(),
        }
    } else if let Some(name) = row.opt_text("member_name")? {
        let relation = Relation::parse(row.opt_text("relation")?.unwrap_or_default())
            .unwrap_or(Relation::Other);
        Who::Family {
            name: name.to_owned(),
            relation,
            relation_ja: relation.label_ja(),
        }
    } else {
        Who::Other
    };
    Ok(Access {
        at: row.text("at")?.to_owned(),
        action_ja: action_ja(&action),
        action,
        who,
    })
}

/// `GET /api/v1/patients/{id}/access-log[?cursor=&limit=]`: newest first, what was allowed.
pub async fn list(
    env: &Env,
    req: &Request,
    by: &Reader,
    cursor: Option<&str>,
    limit: usize,
) -> Result<AccessPage, Error> {
    let limit = limit.clamp(1, super::paging::MAX_PAGE);
    let mut params: Vec<Value> = vec![by.patient().into(), ACTION.into()];
    let mut query = String::from(
        "SELECT a.rowid AS seq, a.at, a.action, c.name AS pro_name, c.profession, c.organization, \
         m.name AS member_name, m.relation FROM audit_log a \
         LEFT JOIN colleagues c ON c.id = a.actor LEFT JOIN family_members m ON m.id = a.actor \
         WHERE a.target = ?1 AND a.outcome = 'allowed' AND a.action <> ?2",
    );
    super::paging::keyset(&mut query, &mut params, "a", cursor, limit)?;
    let rows = env
        .sql(crate::ports::Database::Care)
        .await?
        .query(&query, &params)
        .await?;
    let page = super::paging::page(&rows, limit, from_row)?;
    by.record(env, req, ACTION).await?;
    Ok(AccessPage {
        items: page.items,
        next_cursor: page.next_cursor,
    })
}
