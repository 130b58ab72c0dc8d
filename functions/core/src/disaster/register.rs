//! The register of people who need help in an evacuation (避難行動要支援者名簿): import from
//! the municipality's CSV and the normal-times list.
//!
//! Columns (header names, any order): 台帳番号, 氏名, ふりがな (or フリガナ, 氏名カナ),
//! 生年月日 (和暦 accepted), 性別, 住所, 緯度, 経度, 電話番号, 地区コード, 地区名,
//! 支援が必要な理由 (several separated by 、 or ;), 緊急連絡先氏名, 緊急連絡先電話番号,
//! 平常時情報提供同意 (or 同意: 有/無), 避難支援者, 避難先, 避難経路, 患者ID.
//! A person is keyed by municipality + 台帳番号 and a content hash, so a re-run changes
//! nothing and an edited row is updated in place.

use std::collections::HashMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::audit::Outcome;
use crate::auth::keys::to_hex;
use crate::auth::token::Subject;
use crate::csv_table::{self, RowError};
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::http::Request;
use crate::ports::{Database, Row as SqlRow, Statement, Value};

#[derive(Debug, Serialize, PartialEq)]
pub struct RegisterImportReport {
    pub imported: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected: usize,
    pub districts: usize,
    pub errors: Vec<RowError>,
}

impl RegisterImportReport {
    pub fn summary(&self) -> String {
        format!(
            "imported {}, updated {}, unchanged {}, rejected {} ({} districts)",
            self.imported, self.updated, self.unchanged, self.rejected, self.districts
        )
    }
}

/// One good row of the file.
#[derive(Debug, PartialEq, Serialize)]
struct Entry {
    #[serde(skip)]
    line: u64,
    register_number: String,
    name: String,
    name_kana: Option<String>,
    birth_date: Option<String>,
    sex: &'static str,
    address: String,
    location: Option<(f64, f64)>,
    phone: Option<String>,
    district_code: String,
    district_name: String,
    reasons: Vec<String>,
    emergency_contact_name: Option<String>,
    emergency_contact_phone: Option<String>,
    consent: bool,
    plan_supporter: Option<String>,
    plan_site: Option<String>,
    plan_route: Option<String>,
    care_patient_id: Option<String>,
}

impl Entry {
    fn hash(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_default();
        to_hex(&Sha256::digest(json.as_bytes()))[..32].to_owned()
    }
}

/// Reads the file: the good rows and a line-numbered error for each bad one.
fn parse(bytes: &[u8], today: &str) -> Result<(Vec<Entry>, Vec<RowError>), Error> {
    let table = csv_table::read(bytes)?;
    let col = |names: &[&str]| table.column(names);
    let (Some(number), Some(name), Some(address), Some(district), Some(consent_col)) = (
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
    let kana = col(&["ふりがな", "フリガナ", "氏名カナ"]);
    let birth = col(&["生年月日"]);
    let sex_col = col(&["性別"]);
    let (lat_col, lng_col) = (col(&["緯度"]), col(&["経度"]));
    let phone = col(&["電話番号"]);
    let district_name = col(&["地区名", "町丁目", "自治会"]);
    let reasons_col = col(&["支援が必要な理由", "要支援理由", "理由"]);
    let (contact_name, contact_phone) = (
        col(&["緊急連絡先氏名", "緊急連絡先"]),
        col(&["緊急連絡先電話番号"]),
    );
    let (supporter, site, route) = (col(&["避難支援者"]), col(&["避難先"]), col(&["避難経路"]));
    let patient = col(&["患者ID"]);

    let mut entries = Vec::new();
    let mut errors = Vec::new();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    for (line, record) in &table.records {
        let line = *line;
        let cell = |i: Option<usize>| {
            i.and_then(|i| record.get(i))
                .map(str::trim)
                .unwrap_or("")
                .to_owned()
        };
        let optional = |i: Option<usize>| Some(cell(i)).filter(|v| !v.is_empty());
        let mut reject = |en: String, ja: String| {
            errors.push(RowError {
                line,
                reason: en,
                reason_ja: ja,
            })
        };
        let register_number = crate::text::nfkc(&cell(Some(number)));
        if register_number.is_empty()
            || register_number.len() > 30
            || !register_number
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            reject(
                "台帳番号 is missing or not alphanumeric".into(),
                "台帳番号が空か、英数字ではありません".into(),
            );
            continue;
        }
        if let Some(first) = first_line.get(&register_number) {
            reject(
                format!("台帳番号 {register_number} is already on line {first}"),
                format!("台帳番号 {register_number} は {first} 行目と重複しています"),
            );
            continue;
        }
        let name_text = cell(Some(name));
        if name_text.is_empty() || name_text.chars().count() > 100 {
            reject(
                "氏名 is empty or too long".into(),
                "氏名が空か長すぎます".into(),
            );
            continue;
        }
        let address_text = cell(Some(address));
        if address_text.is_empty() || address_text.chars().count() > 200 {
            reject(
                "住所 is empty or too long".into(),
                "住所が空か長すぎます".into(),
            );
            continue;
        }
        let district_code = crate::text::nfkc(&cell(Some(district)));
        if district_code.is_empty() || district_code.chars().count() > 20 {
            reject("地区コード is empty".into(), "地区コードが空です".into());
            continue;
        }
        let birth_text = cell(birth);
        let birth_date = if birth_text.is_empty() {
            None
        } else if let Some(date) = crate::wareki::parse_birth_date(&birth_text, today) {
            Some(date)
        } else {
            reject(
                format!("生年月日 is not a date: {birth_text}"),
                format!("生年月日が日付ではありません: {birth_text}"),
            );
            continue;
        };
        let Some(sex) = csv_table::sex(&cell(sex_col)) else {
            reject(
                "性別 must be 男 or 女".into(),
                "性別は 男／女 で記入してください".into(),
            );
            continue;
        };
        let (lat_text, lng_text) = (
            crate::text::nfkc(&cell(lat_col)),
            crate::text::nfkc(&cell(lng_col)),
        );
        let location = match (lat_text.as_str(), lng_text.as_str()) {
            ("", "") => None,
            (lat, lng) => match (lat.parse::<f64>(), lng.parse::<f64>()) {
                (Ok(lat), Ok(lng))
                    if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng) =>
                {
                    Some((lat, lng))
                }
                _ => {
                    reject(
                        format!("緯度/経度 are not a position: {lat}, {lng}"),
                        format!("緯度・経度が正しくありません: {lat}, {lng}"),
                    );
                    continue;
                }
            },
        };
        let consent_text = cell(Some(consent_col));
        let Some(consenting) = csv_table::yes_no(&consent_text) else {
            reject(
                format!("平常時情報提供同意 must be 有 or 無, not {consent_text}"),
                format!("平常時情報提供同意は 有／無 で記入してください（{consent_text}）"),
            );
            continue;
        };
        let reasons: Vec<String> = cell(reasons_col)
            .split(['、', ';', '；', '・', '/', '／'])
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
            .collect();
        let too_long = [
            (&phone, 30, "電話番号"),
            (&contact_phone, 30, "緊急連絡先電話番号"),
            (&contact_name, 100, "緊急連絡先氏名"),
            (&supporter, 100, "避難支援者"),
            (&site, 200, "避難先"),
            (&route, 500, "避難経路"),
            (&kana, 100, "ふりがな"),
        ]
        .into_iter()
        .find(|(column, max, _)| cell(**column).chars().count() > *max);
        if let Some((_, max, label)) = too_long {
            reject(
                format!("{label} is longer than {max} characters"),
                format!("{label}が{max}文字を超えています"),
            );
            continue;
        }
        first_line.insert(register_number.clone(), line);
        entries.push(Entry {
            line,
            register_number,
            name: name_text,
            name_kana: optional(kana),
            birth_date,
            sex,
            address: address_text,
            location,
            phone: optional(phone),
            district_name: optional(district_name).unwrap_or_else(|| district_code.clone()),
            district_code,
            reasons,
            emergency_contact_name: optional(contact_name),
            emergency_contact_phone: optional(contact_phone),
            consent: consenting,
            plan_supporter: optional(supporter),
            plan_site: optional(site),
            plan_route: optional(route),
            care_patient_id: optional(patient),
        });
    }
    errors.extend(table.errors);
    errors.sort_by_key(|e| e.line);
    Ok((entries, errors))
}

/// Rows per batch: each person is one statement, and a batch is one transaction.
const CHUNK: usize = 50;

/// Imports the file into `municipality`'s register. `actor` is recorded in the audit.
pub async fn import(
    env: &Env,
    req: Option<&Request>,
    actor: &str,
    municipality: &str,
    bytes: &[u8],
) -> Result<RegisterImportReport, Error> {
    if !crate::public::municipalities::is_code(municipality) {
        return Err(Error::Validation(vec![FieldError::new(
            "municipality",
            "a 5-digit municipality code",
            "市区町村コード（5桁）を指定してください",
        )]));
    }
    let (entries, errors) = parse(bytes, &crate::time::today_jst(env.clock.now_millis()))?;
    let sql = env.sql(Database::Disaster).await?;
    let now = crate::time::iso8601(env.clock.now_millis());
    let mut report = RegisterImportReport {
        imported: 0,
        updated: 0,
        unchanged: 0,
        rejected: errors.len(),
        districts: 0,
        errors,
    };

    // Districts first: people refer to them.
    let mut districts: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e.district_code.as_str(), e.district_name.as_str()))
        .collect();
    districts.sort();
    districts.dedup_by_key(|d| d.0);
    report.districts = districts.len();
    for chunk in districts.chunks(CHUNK) {
        let statements: Vec<Statement> = chunk
            .iter()
            .map(|(code, name)| {
                Statement::new(
                    "INSERT INTO districts (municipality_code, code, name) VALUES (?1, ?2, ?3) \
                     ON CONFLICT (municipality_code, code) DO UPDATE SET name = excluded.name",
                    vec![municipality.into(), (*code).into(), (*name).into()],
                )
            })
            .collect();
        sql.batch(&statements).await?;
    }

    for chunk in entries.chunks(CHUNK) {
        let mut params: Vec<Value> = vec![municipality.into()];
        let marks =
            crate::ports::bind_list(&mut params, chunk.iter().map(|e| e.register_number.clone()));
        let existing = sql
            .query(
                &format!(
                    "SELECT id, register_number, content_hash FROM register_people \
                     WHERE municipality_code = ?1 AND register_number IN ({marks})"
                ),
                &params,
            )
            .await?;
        let known: HashMap<String, (String, String)> = existing
            .iter()
            .map(|r| {
                Ok((
                    r.text("register_number")?.to_owned(),
                    (r.text("id")?.to_owned(), r.text("content_hash")?.to_owned()),
                ))
            })
            .collect::<Result<_, crate::ports::StoreError>>()?;
        let mut statements = Vec::new();
        for entry in chunk {
            let hash = entry.hash();
            let id = match known.get(&entry.register_number) {
                Some((_, old)) if *old == hash => {
                    report.unchanged += 1;
                    continue;
                }
                Some((id, _)) => {
                    report.updated += 1;
                    id.clone()
                }
                None => {
                    report.imported += 1;
                    env.new_id()
                }
            };
            statements.push(upsert(entry, &id, municipality, &hash, &now));
        }
        if !statements.is_empty() {
            sql.batch(&statements).await?;
        }
    }

    // District centroids place the districts on the HQ's map.
    let mut closing = vec![Statement::new(
        "UPDATE districts SET \
         lat = (SELECT avg(p.lat) FROM register_people p WHERE p.municipality_code = districts.municipality_code AND p.district_code = districts.code), \
         lng = (SELECT avg(p.lng) FROM register_people p WHERE p.municipality_code = districts.municipality_code AND p.district_code = districts.code) \
         WHERE municipality_code = ?1",
        vec![municipality.into()],
    )];
    if let Some(req) = req {
        closing.push(crate::audit::statement(
            env,
            req,
            Some(actor),
            "register.import",
            Some(municipality),
            Outcome::Allowed,
        ));
    }
    sql.batch(&closing).await?;
    Ok(report)
}

fn upsert(entry: &Entry, id: &str, municipality: &str, hash: &str, now: &str) -> Statement {
    let (lat, lng) = entry.location.unzip();
    let geohash = entry
        .location
        .and_then(|(lat, lng)| crate::geo::encode(lat, lng));
    Statement::new(
        "INSERT INTO register_people (id, municipality_code, register_number, name, name_kana, birth_date, sex, address, \
         lat, lng, geohash, phone, district_code, reasons, emergency_contact_name, emergency_contact_phone, consent, \
         plan_supporter, plan_site, plan_route, care_patient_id, content_hash, created_at, updated_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?23) \
         ON CONFLICT (municipality_code, register_number) DO UPDATE SET name = excluded.name, name_kana = excluded.name_kana, \
         birth_date = excluded.birth_date, sex = excluded.sex, address = excluded.address, lat = excluded.lat, lng = excluded.lng, \
         geohash = excluded.geohash, phone = excluded.phone, district_code = excluded.district_code, reasons = excluded.reasons, \
         emergency_contact_name = excluded.emergency_contact_name, emergency_contact_phone = excluded.emergency_contact_phone, \
         consent = excluded.consent, plan_supporter = excluded.plan_supporter, plan_site = excluded.plan_site, \
         plan_route = excluded.plan_route, care_patient_id = excluded.care_patient_id, content_hash = excluded.content_hash, \
         updated_at = excluded.updated_at",
        vec![
            id.into(),
            municipality.into(),
            entry.register_number.clone().into(),
            entry.name.clone().into(),
            entry.name_kana.clone().into(),
            entry.birth_date.clone().into(),
            entry.sex.into(),
            entry.address.clone().into(),
            lat.into(),
            lng.into(),
            geohash.into(),
            entry.phone.clone().into(),
            entry.district_code.clone().into(),
            serde_json::to_string(&entry.reasons)
                .unwrap_or_else(|_| "[]".into())
                .into(),
            entry.emergency_contact_name.clone().into(),
            entry.emergency_contact_phone.clone().into(),
            entry.consent.into(),
            entry.plan_supporter.clone().into(),
            entry.plan_site.clone().into(),
            entry.plan_route.clone().into(),
            entry.care_patient_id.clone().into(),
            hash.into(),
            now.into(),
        ],
    )
}

/// A person of the register as the API shows them.
#[derive(Debug, Serialize)]
pub struct Person {
    pub id: String,
    pub municipality_code: String,
    pub register_number: String,
    pub name: String,
    pub name_kana: Option<String>,
    pub birth_date: Option<String>,
    pub sex: String,
    pub address: String,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub phone: Option<String>,
    pub district_code: String,
    pub district_name: Option<String>,
    pub reasons: Vec<String>,
    pub emergency_contact_name: Option<String>,
    pub emergency_contact_phone: Option<String>,
    pub consent: bool,
    pub plan: Plan,
    pub care_patient_id: Option<String>,
}

/// The individual evacuation plan (個別避難計画).
#[derive(Debug, Serialize)]
pub struct Plan {
    pub supporter: Option<String>,
    pub site: Option<String>,
    pub route: Option<String>,
}

/// Columns that `Person::from_row` reads, for `FROM register_people p LEFT JOIN districts d`.
pub const PERSON_COLUMNS: &str = "p.id, p.municipality_code, p.register_number, p.name, p.name_kana, p.birth_date, p.sex, \
     p.address, p.lat, p.lng, p.phone, p.district_code, d.name AS district_name, p.reasons, p.emergency_contact_name, \
     p.emergency_contact_phone, p.consent, p.plan_supporter, p.plan_site, p.plan_route, p.care_patient_id";

/// The join that names each person's district.
pub const PERSON_FROM: &str = "register_people p LEFT JOIN districts d \
     ON d.municipality_code = p.municipality_code AND d.code = p.district_code";

impl Person {
    pub fn from_row(row: &SqlRow<'_>) -> Result<Person, crate::ports::StoreError> {
        let owned = |c: &str| row.opt_text(c).map(|v| v.map(str::to_owned));
        Ok(Person {
            id: row.text("id")?.to_owned(),
            municipality_code: row.text("municipality_code")?.to_owned(),
            register_number: row.text("register_number")?.to_owned(),
            name: row.text("name")?.to_owned(),
            name_kana: owned("name_kana")?,
            birth_date: owned("birth_date")?,
            sex: row.text("sex")?.to_owned(),
            address: row.text("address")?.to_owned(),
            lat: row.opt_real("lat")?,
            lng: row.opt_real("lng")?,
            phone: owned("phone")?,
            district_code: row.text("district_code")?.to_owned(),
            district_name: owned("district_name")?,
            reasons: serde_json::from_str(row.text("reasons")?).unwrap_or_default(),
            emergency_contact_name: owned("emergency_contact_name")?,
            emergency_contact_phone: owned("emergency_contact_phone")?,
            consent: row.int("consent")? == 1,
            plan: Plan {
                supporter: owned("plan_supporter")?,
                site: owned("plan_site")?,
                route: owned("plan_route")?,
            },
            care_patient_id: owned("care_patient_id")?,
        })
    }
}

/// Page size of register lists.
pub const PAGE: usize = 500;

#[derive(Debug, Serialize)]
pub struct PersonPage {
    pub items: Vec<Person>,
    pub next_cursor: Option<String>,
}

/// The normal-times register of `municipality`: everyone for its staff; for a supporter
/// the assigned people who consented to sharing. Paged by id.
pub async fn list(
    env: &Env,
    req: &Request,
    caller: &Subject,
    municipality: &str,
    cursor: Option<&str>,
) -> Result<PersonPage, Error> {
    let staff = super::is_staff_of(caller, municipality);
    let mut params: Vec<Value> = vec![municipality.into(), cursor.unwrap_or("").into()];
    let filter = if staff {
        String::new()
    } else {
        params.push(caller.sub.clone().into());
        format!("AND p.consent = 1 AND {}", super::assigned_to(3))
    };
    let sql = env.sql(Database::Disaster).await?;
    let rows = sql
        .query(
            &format!(
                "SELECT {PERSON_COLUMNS} FROM {PERSON_FROM} WHERE p.municipality_code = ?1 AND p.id > ?2 {filter} \
                 ORDER BY p.id LIMIT {}",
                PAGE + 1
            ),
            &params,
        )
        .await?;
    let mut items = rows
        .iter()
        .map(|r| Person::from_row(&r))
        .collect::<Result<Vec<_>, _>>()?;
    let next_cursor = (items.len() > PAGE).then(|| {
        items.truncate(PAGE);
        items.last().map(|p| p.id.clone()).unwrap_or_default()
    });
    super::audit(
        env,
        req,
        caller,
        "register.list",
        Some(municipality),
        Outcome::Allowed,
    )
    .await?;
    Ok(PersonPage { items, next_cursor })
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
