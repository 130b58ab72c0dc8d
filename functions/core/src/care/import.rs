//! Bulk registration of patients from the municipality's export of care-certification
//! applications (介護認定申請) that carry the consent box (情報共有への同意). Rows with
//! consent register the patient, their consent (with the application) and a care team
//! opened by the importing staff member; rows without consent are skipped and counted;
//! bad rows are reported by line; a patient already registered is left unchanged.
//!
//! Columns (header names, any order): 被保険者番号, 氏名, 氏名カナ (or フリガナ), 生年月日,
//! 性別, 住所, 電話番号, 要介護度, 同意 (or 情報共有同意: 有/無), 同意日 (or 申請日).

use serde::Serialize;

use crate::audit::{self, Outcome};
use crate::auth::token::Subject;
use crate::csv_table::{self, RowError};
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::http::Request;
use crate::ports::{Database, Statement, Value};
use crate::wareki::parse_date;

#[derive(Debug, Serialize, PartialEq)]
pub struct PatientImportReport {
    pub registered: usize,
    pub unchanged: usize,
    pub without_consent: usize,
    pub rejected: usize,
    pub errors: Vec<RowError>,
}

impl PatientImportReport {
    pub fn summary(&self) -> String {
        format!(
            "registered {}, unchanged {}, without consent {}, rejected {}",
            self.registered, self.unchanged, self.without_consent, self.rejected
        )
    }
}

#[derive(Debug, PartialEq)]
struct Row {
    line: u64,
    insured_number: String,
    name: String,
    name_kana: String,
    birth_date: String,
    sex: &'static str,
    address: Option<String>,
    phone: Option<String>,
    care_level: Option<&'static str>,
    consent_on: String,
}

fn care_level(text: &str) -> Option<Option<&'static str>> {
    let t = crate::text::fold(text);
    let level = match t.as_str() {
        "" => return Some(None),
        "非該当" | "自立" => "none",
        "要支援1" => "support_1",
        "要支援2" => "support_2",
        "要介護1" => "care_1",
        "要介護2" => "care_2",
        "要介護3" => "care_3",
        "要介護4" => "care_4",
        "要介護5" => "care_5",
        _ => return None,
    };
    Some(Some(level))
}

/// Reads the file: one entry per row, `None` for a row without consent; every problem is a
/// line-numbered error.
fn parse(bytes: &[u8], today: &str) -> Result<(Vec<Option<Row>>, Vec<RowError>), Error> {
    let table = csv_table::read(bytes)?;
    let col = |names: &[&str]| table.column(names);
    let (Some(number), Some(name), Some(birth), Some(consent)) = (
        col(&["被保険者番号"]),
        col(&["氏名"]),
        col(&["生年月日"]),
        col(&["同意", "情報共有同意", "情報提供同意"]),
    ) else {
        return Err(Error::Validation(vec![FieldError::new(
            "file",
            "the header row needs 被保険者番号, 氏名, 生年月日 and 同意",
            "見出し行に 被保険者番号・氏名・生年月日・同意 が必要です",
        )]));
    };
    let kana = col(&["氏名カナ", "フリガナ", "氏名_カナ"]);
    let (sex_col, address, phone, level, consent_on) = (
        col(&["性別"]),
        col(&["住所"]),
        col(&["電話番号"]),
        col(&["要介護度"]),
        col(&["同意日", "申請日"]),
    );
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for (line, record) in &table.records {
        let line = *line;
        let cell = |i: Option<usize>| {
            i.and_then(|i| record.get(i))
                .map(str::trim)
                .unwrap_or("")
                .to_owned()
        };
        let mut reject = |en: &str, ja: &str| {
            errors.push(RowError {
                line,
                reason: en.into(),
                reason_ja: ja.into(),
            })
        };
        let consent_text = cell(Some(consent));
        let Some(consenting) = csv_table::yes_no(&consent_text) else {
            reject(
                &format!("同意 must be 有 or 無, not {consent_text}"),
                &format!("同意欄は 有／無 で記入してください（{consent_text}）"),
            );
            continue;
        };
        if !consenting {
            rows.push(None);
            continue;
        }
        let insured_number = crate::text::fold(&cell(Some(number)));
        if insured_number.is_empty()
            || insured_number.len() > 20
            || !insured_number.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            reject(
                "被保険者番号 is missing or not alphanumeric",
                "被保険者番号が空か、英数字ではありません",
            );
            continue;
        }
        let name_text = cell(Some(name));
        if name_text.is_empty() || name_text.chars().count() > 100 {
            reject("氏名 is empty", "氏名が空です");
            continue;
        }
        let Some(birth_date) = crate::wareki::parse_birth_date(&cell(Some(birth)), today) else {
            reject(
                &format!("生年月日 is not a date: {}", cell(Some(birth))),
                &format!("生年月日が日付ではありません: {}", cell(Some(birth))),
            );
            continue;
        };
        let Some(sex) = csv_table::sex(&cell(sex_col)) else {
            reject("性別 must be 男 or 女", "性別は 男／女 で記入してください");
            continue;
        };
        let Some(care_level) = care_level(&cell(level)) else {
            reject(
                &format!("要介護度 is not known: {}", cell(level)),
                &format!("要介護度が正しくありません: {}", cell(level)),
            );
            continue;
        };
        let Some(consent_on) = parse_date(&cell(consent_on)) else {
            reject("同意日 is not a date", "同意日が日付ではありません");
            continue;
        };
        let optional = |i: Option<usize>| Some(cell(i)).filter(|v| !v.is_empty());
        rows.push(Some(Row {
            line,
            insured_number,
            name: name_text,
            name_kana: cell(kana),
            birth_date,
            sex,
            address: optional(address),
            phone: optional(phone),
            care_level,
            consent_on,
        }));
    }
    errors.extend(table.errors);
    errors.sort_by_key(|e| e.line);
    Ok((rows, errors))
}

/// Imports the file for `municipality`; the caller opens each new patient's care team.
pub async fn import(
    env: &Env,
    req: &Request,
    caller: &Subject,
    municipality: &str,
    bytes: &[u8],
) -> Result<PatientImportReport, Error> {
    if !crate::public::municipalities::is_known(env, municipality).await? {
        return Err(Error::Validation(vec![
            crate::public::municipalities::unknown("?municipality", municipality),
        ]));
    }
    let (rows, errors) = parse(bytes, &crate::time::today_jst(env.clock.now_millis()))?;
    let sql = env.sql(Database::Care).await?;
    let now = crate::time::iso8601(env.clock.now_millis());
    let mut report = PatientImportReport {
        registered: 0,
        unchanged: 0,
        without_consent: 0,
        rejected: errors.len(),
        errors,
    };
    let consenting: Vec<&Row> = rows.iter().flatten().collect();
    report.without_consent = rows.len() - consenting.len();
    for chunk in consenting.chunks(20) {
        let mut params: Vec<Value> = vec![municipality.into()];
        let marks =
            crate::ports::bind_list(&mut params, chunk.iter().map(|r| r.insured_number.clone()));
        let existing = sql
            .query(
                &format!("SELECT insured_number FROM patients WHERE municipality_code = ?1 AND insured_number IN ({marks})"),
                &params,
            )
            .await?;
        let known: Vec<String> = existing
            .iter()
            .filter_map(|r| r.text("insured_number").ok().map(str::to_owned))
            .collect();
        let mut statements = Vec::new();
        let mut seen: Vec<&str> = Vec::new();
        for row in chunk {
            if known.contains(&row.insured_number) || seen.contains(&row.insured_number.as_str()) {
                report.unchanged += 1;
                continue;
            }
            seen.push(&row.insured_number);
            let id = env.new_id();
            statements.push(Statement::new(
                "INSERT INTO patients (id, municipality_code, insured_number, name, name_kana, birth_date, sex, address, phone, \
                 care_level, created_by, lead_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12, ?12)",
                vec![
                    id.clone().into(), municipality.into(), row.insured_number.clone().into(), row.name.clone().into(),
                    row.name_kana.clone().into(), row.birth_date.clone().into(), row.sex.into(), row.address.clone().into(),
                    row.phone.clone().into(), row.care_level.into(), caller.sub.clone().into(), now.clone().into(),
                ],
            ));
            statements.push(Statement::new(
                "INSERT INTO consents (id, patient_id, method, scope, taken_by, taken_on, created_at) \
                 VALUES (?1, ?2, 'care_certification_application', '介護認定申請書の同意欄による情報共有', ?3, ?4, ?5)",
                vec![env.new_id().into(), id.clone().into(), caller.sub.clone().into(), row.consent_on.clone().into(), now.clone().into()],
            ));
            statements.push(Statement::new(
                "INSERT INTO care_team_members (patient_id, professional_id, added_by, added_at) VALUES (?1, ?2, ?2, ?3)",
                vec![id.clone().into(), caller.sub.clone().into(), now.clone().into()],
            ));
            statements.push(audit::statement(
                env,
                req,
                Some(&caller.sub),
                "patient.import",
                Some(&id),
                Outcome::Allowed,
            ));
            report.registered += 1;
        }
        if !statements.is_empty() {
            sql.batch(&statements).await?;
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "被保険者番号,氏名,氏名カナ,生年月日,性別,住所,要介護度,同意,同意日\r\n\
        0000100001,清須 花子,キヨス ハナコ,昭和15年4月1日,女,清須市清洲1,要介護2,有,令和8年4月1日\r\n\
        0000100002,清須 一郎,キヨス イチロウ,S10.1.1,男,清須市新川,要支援1,無,\r\n\
        0000100003,日付 違い,ヒヅケ チガイ,昭和99年1月1日,男,,要介護1,有,令和8年4月1日\r\n\
        ,番号 なし,バンゴウ ナシ,昭和20年1月1日,女,,,有,令和8年4月1日\r\n";

    #[test]
    fn consent_no_consent_and_broken_rows() {
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(FILE);
        let (rows, errors) = parse(&sjis, "2026-11-26").unwrap();
        let consenting: Vec<&Row> = rows.iter().flatten().collect();
        assert_eq!(consenting.len(), 1, "{errors:?}");
        assert_eq!(consenting[0].birth_date, "1940-04-01");
        assert_eq!(consenting[0].care_level, Some("care_2"));
        assert_eq!(rows.len() - consenting.len(), 1);
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), [4, 5]);
    }
}
