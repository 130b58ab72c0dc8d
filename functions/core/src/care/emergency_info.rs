//! The emergency information the team curates for a patient (救急情報連携, issue #35, step
//! one): allergies, medicines, conditions, the person's wishes (ACP), whom to call and notes
//! (where the key is), typed and checked where it enters, each change kept with who and when
//! (the crew sees 最終更新) and every earlier version kept. The primary physician, the care
//! manager and the care level come from the record itself. The linked family reads it and
//! confirms it.

use serde::{Deserialize, Serialize};

use super::family_caller::{Linked, Reader};
use super::patients::{self, Member};
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::http::Request;
use crate::ports::{Database, Statement, StoreError};

/// Entries of one list at most: a real list is a handful.
const MAX_ENTRIES: usize = 30;

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EmergencyData {
    #[serde(default)]
    pub allergies: Vec<Allergy>,
    #[serde(default)]
    pub medications: Vec<Medication>,
    #[serde(default)]
    pub conditions: Vec<String>,
    #[serde(default)]
    pub advance_directive: Option<AdvanceDirective>,
    #[serde(default)]
    pub contacts: Vec<Contact>,
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Allergy {
    pub substance: String,
    #[serde(default)]
    pub reaction: Option<String>,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Medication {
    pub name: String,
    #[serde(default)]
    pub dose: Option<String>,
}

/// 本人の意思 (ACP): the wish in the person's words, and when it was recorded.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AdvanceDirective {
    pub wish: String,
    pub recorded_on: String,
}

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    pub name: String,
    pub relation: String,
    pub phone: String,
}

/// A professional of the team named on the sheet.
#[derive(Debug, Serialize)]
pub struct Named {
    pub name: String,
    pub organization: String,
}

#[derive(Debug, Serialize)]
pub struct EmergencyInfo {
    pub patient_id: String,
    /// 0 before the team first writes it.
    pub version: i64,
    /// How many earlier versions are kept.
    pub previous_versions: i64,
    #[serde(flatten)]
    pub data: EmergencyData,
    pub primary_physician: Option<Named>,
    pub care_manager: Option<Named>,
    pub care_level: Option<String>,
    pub updated_by: Option<Named>,
    pub updated_at: Option<String>,
    pub confirmed_by: Option<String>,
    pub confirmed_at: Option<String>,
}

fn text(errors: &mut Vec<FieldError>, pointer: String, value: &str, max: usize, label: &str) {
    if let Some(e) = FieldError::length(&pointer, value, max, label) {
        errors.push(e);
    }
}

fn optional(errors: &mut Vec<FieldError>, pointer: String, value: Option<&str>, max: usize) {
    if value.is_some_and(|v| v.chars().count() > max) {
        errors.push(FieldError::new(
            pointer,
            format!("at most {max} characters"),
            format!("{max}文字までです"),
        ));
    }
}

/// Every field's limits, each fault by its pointer.
fn check(data: &EmergencyData, today: &str) -> Result<(), Error> {
    let mut errors = Vec::new();
    for (name, len) in [
        ("allergies", data.allergies.len()),
        ("medications", data.medications.len()),
        ("conditions", data.conditions.len()),
        ("contacts", data.contacts.len()),
    ] {
        if len > MAX_ENTRIES {
            errors.push(FieldError::new(
                format!("#/{name}"),
                format!("at most {MAX_ENTRIES} entries"),
                format!("{MAX_ENTRIES}件までです"),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    for (i, a) in data.allergies.iter().enumerate() {
        text(
            &mut errors,
            format!("#/allergies/{i}/substance"),
            &a.substance,
            100,
            "原因",
        );
        optional(
            &mut errors,
            format!("#/allergies/{i}/reaction"),
            a.reaction.as_deref(),
            200,
        );
    }
    for (i, m) in data.medications.iter().enumerate() {
        text(
            &mut errors,
            format!("#/medications/{i}/name"),
            &m.name,
            100,
            "薬の名前",
        );
        optional(
            &mut errors,
            format!("#/medications/{i}/dose"),
            m.dose.as_deref(),
            100,
        );
    }
    for (i, c) in data.conditions.iter().enumerate() {
        text(&mut errors, format!("#/conditions/{i}"), c, 200, "病名");
    }
    if let Some(d) = &data.advance_directive {
        text(
            &mut errors,
            "#/advance_directive/wish".into(),
            &d.wish,
            1000,
            "本人の意思",
        );
        match crate::wareki::parse_date(&d.recorded_on) {
            Some(date) if date.as_str() <= today => {}
            _ => errors.push(FieldError::new(
                "#/advance_directive/recorded_on",
                "a date that has passed (YYYY-MM-DD or 令和8年4月1日)",
                "記録した日を入力してください（例：2026-04-01、令和8年4月1日）",
            )),
        }
    }
    for (i, c) in data.contacts.iter().enumerate() {
        text(
            &mut errors,
            format!("#/contacts/{i}/name"),
            &c.name,
            100,
            "名前",
        );
        text(
            &mut errors,
            format!("#/contacts/{i}/relation"),
            &c.relation,
            50,
            "続柄",
        );
        let digits = c.phone.chars().filter(char::is_ascii_digit).count();
        let phone_ok = c
            .phone
            .chars()
            .all(|ch| ch.is_ascii_digit() || "-+() ".contains(ch))
            && (10..=15).contains(&digits);
        if !phone_ok {
            errors.push(FieldError::new(
                format!("#/contacts/{i}/phone"),
                "a phone number of 10 to 15 digits",
                "電話番号を入力してください（例：052-400-1234）",
            ));
        }
    }
    optional(&mut errors, "#/notes".into(), data.notes.as_deref(), 1000);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(errors))
    }
}

/// The information as it stands, with the team's physician and care manager.
async fn load(env: &Env, patient: &str) -> Result<EmergencyInfo, Error> {
    let record = patients::load(env, patient).await?;
    let named = |profession: &str| {
        record
            .team
            .iter()
            .find(|m| m.profession == profession)
            .map(|m| Named {
                name: m.name.clone(),
                organization: m.organization.clone(),
            })
    };
    let rows = env
        .sql(Database::Care)
        .await?
        .query(
            "SELECT e.version, e.data, e.updated_at, c.name AS by_name, c.organization AS by_org, \
             e.confirmed_at, m.name AS confirmed_name, \
             (SELECT count(*) FROM emergency_info_versions v WHERE v.patient_id = e.patient_id) AS previous \
             FROM emergency_info e \
             LEFT JOIN colleagues c ON c.id = e.updated_by \
             LEFT JOIN family_members m ON m.id = e.confirmed_by WHERE e.patient_id = ?1",
            &[patient.into()],
        )
        .await?;
    let row = rows.first();
    let stored = |c: &str| -> Result<Option<String>, StoreError> {
        Ok(row
            .map(|r| r.opt_text(c))
            .transpose()?
            .flatten()
            .map(str::to_owned))
    };
    Ok(EmergencyInfo {
        patient_id: patient.to_owned(),
        version: row.map(|r| r.int("version")).transpose()?.unwrap_or(0),
        previous_versions: row.map(|r| r.int("previous")).transpose()?.unwrap_or(0),
        data: stored("data")?
            .and_then(|d| serde_json::from_str(&d).ok())
            .unwrap_or_default(),
        primary_physician: named("physician"),
        care_manager: named("care_manager"),
        care_level: record.care_level,
        updated_by: match (stored("by_name")?, stored("by_org")?) {
            (Some(name), Some(organization)) => Some(Named { name, organization }),
            _ => None,
        },
        updated_at: stored("updated_at")?,
        confirmed_by: stored("confirmed_name")?,
        confirmed_at: stored("confirmed_at")?,
    })
}

/// `GET /api/v1/patients/{id}/emergency-info`: the team and the linked family.
pub async fn get(env: &Env, req: &Request, by: &Reader) -> Result<EmergencyInfo, Error> {
    let info = load(env, by.patient()).await?;
    by.record(env, req, "emergency_info.read").await?;
    Ok(info)
}

/// `PUT /api/v1/patients/{id}/emergency-info`: the whole information, by the team. The
/// version it replaces is kept, and a family confirmation stands for the old version only.
pub async fn put(
    env: &Env,
    req: &Request,
    member: &Member,
    data: EmergencyData,
) -> Result<EmergencyInfo, Error> {
    let now_ms = env.clock.now_millis();
    check(&data, &crate::time::today_jst(now_ms))?;
    let json = serde_json::to_string(&data).map_err(|e| Error::Internal(e.to_string()))?;
    let patient = member.patient.as_str();
    let now = crate::time::iso8601(now_ms);
    env.sql(Database::Care)
        .await?
        .batch(&[
            Statement::new(
                "INSERT INTO emergency_info_versions (patient_id, version, data, updated_by, updated_at) \
                 SELECT patient_id, version, data, updated_by, updated_at FROM emergency_info WHERE patient_id = ?1",
                vec![patient.into()],
            ),
            Statement::new(
                "INSERT INTO emergency_info (patient_id, version, data, updated_by, updated_at) \
                 VALUES (?1, 1, ?2, ?3, ?4) ON CONFLICT (patient_id) DO UPDATE SET \
                 version = version + 1, data = excluded.data, updated_by = excluded.updated_by, \
                 updated_at = excluded.updated_at, confirmed_by = NULL, confirmed_at = NULL",
                vec![
                    patient.into(),
                    json.into(),
                    member.caller.sub.clone().into(),
                    now.into(),
                ],
            ),
            member.audited(env, req, "emergency_info.update"),
        ])
        .await?;
    load(env, patient).await
}

/// `POST /api/v1/patients/{id}/emergency-info/confirm`: a family member says the current
/// version is right (409 before the team has written any).
pub async fn confirm(env: &Env, req: &Request, linked: &Linked) -> Result<EmergencyInfo, Error> {
    let sql = env.sql(Database::Care).await?;
    let done = sql
        .batch(&[
            Statement::new(
                "UPDATE emergency_info SET confirmed_by = ?2, confirmed_at = ?3 WHERE patient_id = ?1",
                vec![
                    linked.patient.clone().into(),
                    linked.caller.sub.clone().into(),
                    crate::time::iso8601(env.clock.now_millis()).into(),
                ],
            ),
            Statement::changes(),
            linked.audited(env, req, "emergency_info.confirm"),
        ])
        .await?;
    let changed = crate::ports::changed_rows(&done, 1)?;
    if changed != 1 {
        return Err(Error::Conflict {
            en: "the team has not written the emergency information yet",
            ja: "救急情報はまだ登録されていません",
        });
    }
    load(env, &linked.patient).await
}
