//! Reading a town's register file: its columns found by their header names (any order,
//! the usual variants), then each row checked on its own. A bad row is refused with its
//! line number and reason; the good rows go on to be stored.

use std::collections::HashMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::auth::keys::to_hex;
use crate::csv_table::{self, RowError, Table};
use crate::error::{Error, FieldError};

/// One good row of the file.
#[derive(Debug, PartialEq, Serialize)]
pub(super) struct Entry {
    #[serde(skip)]
    pub line: u64,
    pub register_number: String,
    pub name: String,
    pub name_kana: Option<String>,
    pub birth_date: Option<String>,
    pub sex: &'static str,
    pub address: String,
    pub location: Option<(f64, f64)>,
    pub phone: Option<String>,
    pub district_code: String,
    pub district_name: String,
    pub reasons: Vec<String>,
    pub emergency_contact_name: Option<String>,
    pub emergency_contact_phone: Option<String>,
    pub consent: bool,
    pub plan_supporter: Option<String>,
    pub plan_site: Option<String>,
    pub plan_route: Option<String>,
    pub care_patient_id: Option<String>,
}

impl Entry {
    /// What the row says, so that importing the same row again changes nothing.
    pub fn hash(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        to_hex(&Sha256::digest(json.as_bytes()))[..32].to_owned()
    }
}

/// Where each column is in this file. The first five are required.
struct Columns {
    number: usize,
    name: usize,
    address: usize,
    district: usize,
    consent: usize,
    kana: Option<usize>,
    birth: Option<usize>,
    sex: Option<usize>,
    lat: Option<usize>,
    lng: Option<usize>,
    phone: Option<usize>,
    district_name: Option<usize>,
    reasons: Option<usize>,
    contact_name: Option<usize>,
    contact_phone: Option<usize>,
    supporter: Option<usize>,
    site: Option<usize>,
    route: Option<usize>,
    patient: Option<usize>,
}

impl Columns {
    fn find(table: &Table) -> Result<Columns, Error> {
        let col = |names: &[&str]| table.column(names);
        let (Some(number), Some(name), Some(address), Some(district), Some(consent)) = (
            col(&["台帳番号", "名簿番号"]),
            col(&["氏名"]),
            col(&["住所"]),
            col(&["地区コード", "地区"]),
            col(&["平常時情報提供同意", "情報提供同意", "同意"]),
        ) else {
            return Err(Error::Validation(vec![FieldError::new(
                "file",
                "the header row needs 台帳番号, 氏名, 住所, 地区コード and 平常時情報提供同意",
                "見出し行に 台帳番号・氏名・住所・地区コード・平常時情報提供同意 が必要です",
            )]));
        };
        Ok(Columns {
            number,
            name,
            address,
            district,
            consent,
            kana: col(&["ふりがな", "フリガナ", "氏名カナ"]),
            birth: col(&["生年月日"]),
            sex: col(&["性別"]),
            lat: col(&["緯度"]),
            lng: col(&["経度"]),
            phone: col(&["電話番号"]),
            district_name: col(&["地区名", "町丁目", "自治会"]),
            reasons: col(&["支援が必要な理由", "要支援理由", "理由"]),
            contact_name: col(&["緊急連絡先氏名", "緊急連絡先"]),
            contact_phone: col(&["緊急連絡先電話番号"]),
            supporter: col(&["避難支援者"]),
            site: col(&["避難先"]),
            route: col(&["避難経路"]),
            patient: col(&["患者ID"]),
        })
    }
}

/// Why a row is refused, in English and in Japanese.
type Refusal = (String, String);

fn refuse(en: impl Into<String>, ja: impl Into<String>) -> Refusal {
    (en.into(), ja.into())
}

/// Reads the file: the good rows and a line-numbered error for each bad one.
pub(super) fn parse(bytes: &[u8], today: &str) -> Result<(Vec<Entry>, Vec<RowError>), Error> {
    let table = csv_table::read(bytes)?;
    let columns = Columns::find(&table)?;
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    for (line, record) in &table.records {
        match entry(&columns, *line, record, today, &first_line) {
            Ok(entry) => {
                first_line.insert(entry.register_number.clone(), entry.line);
                entries.push(entry);
            }
            Err((reason, reason_ja)) => errors.push(RowError {
                line: *line,
                reason,
                reason_ja,
            }),
        }
    }
    errors.extend(table.errors);
    errors.sort_by_key(|e| e.line);
    Ok((entries, errors))
}

/// One row checked: the entry, or why it is refused (the first problem found).
fn entry(
    c: &Columns,
    line: u64,
    record: &csv::StringRecord,
    today: &str,
    first_line: &HashMap<String, u64>,
) -> Result<Entry, Refusal> {
    let cell = |i: Option<usize>| {
        i.and_then(|i| record.get(i))
            .map(str::trim)
            .unwrap_or("")
            .to_owned()
    };
    let optional = |i: Option<usize>| Some(cell(i)).filter(|v| !v.is_empty());
    let register_number = crate::text::nfkc(&cell(Some(c.number)));
    if register_number.is_empty()
        || register_number.len() > 30
        || !register_number
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(refuse(
            "台帳番号 is missing or not alphanumeric",
            "台帳番号が空か、英数字ではありません",
        ));
    }
    if let Some(first) = first_line.get(&register_number) {
        return Err(refuse(
            format!("台帳番号 {register_number} is already on line {first}"),
            format!("台帳番号 {register_number} は {first} 行目と重複しています"),
        ));
    }
    let name = cell(Some(c.name));
    if name.is_empty() || name.chars().count() > 100 {
        return Err(refuse("氏名 is empty or too long", "氏名が空か長すぎます"));
    }
    let address = cell(Some(c.address));
    if address.is_empty() || address.chars().count() > 200 {
        return Err(refuse("住所 is empty or too long", "住所が空か長すぎます"));
    }
    let district_code = crate::text::nfkc(&cell(Some(c.district)));
    if district_code.is_empty() || district_code.chars().count() > 20 {
        return Err(refuse("地区コード is empty", "地区コードが空です"));
    }
    let birth_text = cell(c.birth);
    let birth_date = if birth_text.is_empty() {
        None
    } else {
        Some(
            crate::wareki::parse_birth_date(&birth_text, today).ok_or_else(|| {
                refuse(
                    format!("生年月日 is not a date: {birth_text}"),
                    format!("生年月日が日付ではありません: {birth_text}"),
                )
            })?,
        )
    };
    let sex = csv_table::sex(&cell(c.sex))
        .ok_or_else(|| refuse("性別 must be 男 or 女", "性別は 男／女 で記入してください"))?;
    let location = position(
        &crate::text::nfkc(&cell(c.lat)),
        &crate::text::nfkc(&cell(c.lng)),
    )?;
    let consent_text = cell(Some(c.consent));
    let consent = csv_table::yes_no(&consent_text).ok_or_else(|| {
        refuse(
            format!("平常時情報提供同意 must be 有 or 無, not {consent_text}"),
            format!("平常時情報提供同意は 有／無 で記入してください（{consent_text}）"),
        )
    })?;
    let reasons: Vec<String> = cell(c.reasons)
        .split(['、', ';', '；', '・', '/', '／'])
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .collect();
    let too_long = [
        (c.phone, 30, "電話番号"),
        (c.contact_phone, 30, "緊急連絡先電話番号"),
        (c.contact_name, 100, "緊急連絡先氏名"),
        (c.supporter, 100, "避難支援者"),
        (c.site, 200, "避難先"),
        (c.route, 500, "避難経路"),
        (c.kana, 100, "ふりがな"),
    ]
    .into_iter()
    .find(|(column, max, _)| cell(*column).chars().count() > *max);
    if let Some((_, max, label)) = too_long {
        return Err(refuse(
            format!("{label} is longer than {max} characters"),
            format!("{label}が{max}文字を超えています"),
        ));
    }
    Ok(Entry {
        line,
        register_number,
        name,
        name_kana: optional(c.kana),
        birth_date,
        sex,
        address,
        location,
        phone: optional(c.phone),
        district_name: optional(c.district_name).unwrap_or_else(|| district_code.clone()),
        district_code,
        reasons,
        emergency_contact_name: optional(c.contact_name),
        emergency_contact_phone: optional(c.contact_phone),
        consent,
        plan_supporter: optional(c.supporter),
        plan_site: optional(c.site),
        plan_route: optional(c.route),
        care_patient_id: optional(c.patient),
    })
}

/// 緯度 and 経度 as a position: both empty is none; anything else must be a point on Earth.
fn position(lat: &str, lng: &str) -> Result<Option<(f64, f64)>, Refusal> {
    if lat.is_empty() && lng.is_empty() {
        return Ok(None);
    }
    match (lat.parse::<f64>(), lng.parse::<f64>()) {
        (Ok(la), Ok(ln)) if (-90.0..=90.0).contains(&la) && (-180.0..=180.0).contains(&ln) => {
            Ok(Some((la, ln)))
        }
        _ => Err(refuse(
            format!("緯度/経度 are not a position: {lat}, {lng}"),
            format!("緯度・経度が正しくありません: {lat}, {lng}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "台帳番号,氏名,ふりがな,生年月日,性別,住所,緯度,経度,電話番号,地区コード,地区名,支援が必要な理由,緊急連絡先氏名,緊急連絡先電話番号,平常時情報提供同意,避難支援者,避難先,避難経路\r\n\
        A-0001,清須 花子,きよす はなこ,昭和15年4月1日,女,清須市西枇杷島町1,35.2,136.85,052-000-0001,01,西枇杷島町,要介護3以上、独居高齢者,清須 一郎,090-0000-0001,有,隣の田中さん,西枇杷島小学校,県道経由\r\n\
        A-0002,新川 太郎,しんかわ たろう,S10.1.1,男,清須市新川1,,,,02,新川町,障害,,,無,,,\r\n\
        A-0003,位置 違い,いち ちがい,,女,清須市1,95,136,,01,西枇杷島町,,,,有,,,\r\n\
        A-0001,重複 行,じゅうふく ぎょう,,女,清須市2,,,,01,西枇杷島町,,,,有,,,\r\n\
        A-0005,同意 不明,どうい ふめい,,女,清須市3,,,,01,西枇杷島町,,,,たぶん,,,\r\n";

    #[test]
    fn good_rows_and_line_numbered_errors() {
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(FILE);
        let (entries, errors) = parse(&sjis, "2026-11-26").unwrap();
        assert_eq!(entries.len(), 2, "{errors:?}");
        assert_eq!(entries[0].reasons, ["要介護3以上", "独居高齢者"]);
        assert_eq!(entries[0].birth_date.as_deref(), Some("1940-04-01"));
        assert_eq!(entries[0].location, Some((35.2, 136.85)));
        assert!(entries[0].consent && !entries[1].consent);
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), [4, 5, 6]);
        assert!(errors[1].reason.contains("line 2"), "{:?}", errors[1]);
    }

    #[test]
    fn the_hash_changes_with_content_only() {
        let (entries, _) = parse(FILE.as_bytes(), "2026-11-26").unwrap();
        let (again, _) = parse(FILE.as_bytes(), "2026-11-26").unwrap();
        assert_eq!(entries[0].hash(), again[0].hash());
        assert_ne!(entries[0].hash(), entries[1].hash());
    }
}
