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
    pub action_en: &'static str,
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

/// What each action did, as a patient reads it: (action, Japanese, English).
const ACTIONS: [(&str, &str, &str); 39] = [
    ("patient.create", "登録しました", "registered the record"),
    (
        "patient.import",
        "一括登録しました",
        "registered the record from the town's list",
    ),
    ("patient.read", "記録を見ました", "opened the record"),
    (
        "patient.fhir",
        "記録を書き出しました（FHIR）",
        "exported the record (FHIR)",
    ),
    (
        "patient.nearby",
        "近くの地域資源を探しました",
        "looked for places nearby",
    ),
    (
        "patient.introduce",
        "地域資源を紹介しました",
        "introduced a place nearby",
    ),
    ("timeline.read", "連絡帳を見ました", "read the notes"),
    ("post.create", "連絡帳に書きました", "wrote in the notes"),
    (
        "post.edit",
        "連絡帳の書き込みを直しました",
        "corrected a note",
    ),
    (
        "post.share",
        "書き込みの家族との共有を変えました",
        "changed what is shared with the family",
    ),
    ("post.read", "書き込みを読みました", "read a note"),
    ("comment.create", "コメントを書きました", "wrote a comment"),
    (
        "attachment.upload",
        "ファイルを添付しました",
        "attached a file",
    ),
    (
        "attachment.read",
        "添付ファイルを見ました",
        "opened an attached file",
    ),
    ("vitals.read", "測定値を見ました", "read the measurements"),
    (
        "vital.create",
        "測定値を記録しました",
        "recorded a measurement",
    ),
    (
        "vitals.home_bp",
        "家庭血圧を見ました",
        "read the home blood pressure",
    ),
    (
        "thresholds.read",
        "しきい値を見ました",
        "read the thresholds",
    ),
    (
        "thresholds.set",
        "しきい値を設定しました",
        "set the thresholds",
    ),
    ("alerts.read", "アラートを見ました", "read the alerts"),
    (
        "alert.ack",
        "アラートを確認しました",
        "acknowledged an alert",
    ),
    (
        "team.add",
        "ケアチームを変更しました",
        "changed the care team",
    ),
    (
        "team.remove",
        "ケアチームを変更しました",
        "changed the care team",
    ),
    (
        "team.lead",
        "ケアチームを変更しました",
        "changed the care team",
    ),
    (
        "consent.revoke",
        "同意の撤回を記録しました",
        "recorded the withdrawal of consent",
    ),
    (
        "family.invite",
        "家族を招待しました",
        "invited a family member",
    ),
    (
        "family.invitations",
        "家族の招待を見ました",
        "read the family invitations",
    ),
    (
        "family.invite.revoke",
        "家族の招待を取り消しました",
        "withdrew a family invitation",
    ),
    ("family.join", "家族として参加しました", "joined as family"),
    (
        "family.members",
        "家族の一覧を見ました",
        "read the list of family members",
    ),
    (
        "family.close",
        "家族の参加を終えました",
        "ended a family member's access",
    ),
    (
        "family.message",
        "ケアチームに連絡しました",
        "wrote to the care team",
    ),
    (
        "emergency_info.read",
        "救急情報を見ました",
        "read the emergency information",
    ),
    (
        "emergency_info.update",
        "救急情報を更新しました",
        "updated the emergency information",
    ),
    (
        "emergency_info.confirm",
        "救急情報を確認しました",
        "confirmed the emergency information",
    ),
    (
        "family.messages",
        "家族からの連絡を見ました",
        "read the family's messages",
    ),
    (
        "questionnaire.request",
        "問診を依頼しました",
        "sent a questionnaire",
    ),
    (
        "questionnaire.list",
        "問診を見ました",
        "read the questionnaires",
    ),
    (
        "questionnaire.respond",
        "問診に回答しました",
        "answered a questionnaire",
    ),
];

/// What an action did, in Japanese and in English (an action not listed: "handled the record").
pub fn action_words(action: &str) -> (&'static str, &'static str) {
    ACTIONS.iter().find(|(code, _, _)| *code == action).map_or(
        ("記録を扱いました", "handled the record"),
        |&(_, ja, en)| (ja, en),
    )
}

/// The reads a family member makes by opening the family page: their own are left out of
/// their log (they know they looked), not others'.
const OWN_READS: [&str; 8] = [
    "emergency_info.read",
    "family.messages",
    "patient.read",
    "timeline.read",
    "vitals.read",
    "vitals.home_bp",
    "questionnaire.list",
    "attachment.read",
];

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
    let (action_ja, action_en) = action_words(&action);
    Ok(Access {
        at: row.text("at")?.to_owned(),
        action_ja,
        action_en,
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
    let own_reads =
        serde_json::to_string(&OWN_READS).map_err(|e| Error::Internal(e.to_string()))?;
    // A family member's own reads (?3, ?4): left out; the team sees everything.
    let (own, skipped) = match by {
        Reader::Family(f) => (Some(f.caller.sub.clone()), own_reads),
        Reader::Team(_) => (None, "[]".to_owned()),
    };
    let mut params: Vec<Value> = vec![
        by.patient().into(),
        ACTION.into(),
        own.into(),
        skipped.into(),
    ];
    let mut query = String::from(
        "SELECT a.rowid AS seq, a.at, a.action, c.name AS pro_name, c.profession, c.organization, \
         m.name AS member_name, m.relation FROM audit_log a \
         LEFT JOIN colleagues c ON c.id = a.actor LEFT JOIN family_members m ON m.id = a.actor \
         WHERE a.target = ?1 AND a.outcome = 'allowed' AND a.action <> ?2 \
         AND NOT (a.actor IS ?3 AND a.action IN (SELECT value FROM json_each(?4)))",
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
