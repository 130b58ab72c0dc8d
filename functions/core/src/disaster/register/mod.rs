//! The register of people who need help in an evacuation (避難行動要支援者名簿): import from
//! the municipality's CSV and the normal-times list.
//!
//! Columns (header names, any order): 台帳番号, 氏名, ふりがな (or フリガナ, 氏名カナ),
//! 生年月日 (和暦 accepted), 性別, 住所, 緯度, 経度, 電話番号, 地区コード, 地区名,
//! 支援が必要な理由 (several separated by 、 or ;), 緊急連絡先氏名, 緊急連絡先電話番号,
//! 平常時情報提供同意 (or 同意: 有/無), 避難支援者, 避難先, 避難経路, 患者ID.
//! A person is keyed by municipality + 台帳番号 and a content hash, so a re-run changes
//! nothing and an edited row is updated in place.
//!
//! This module is the register as it is read; the file is read and checked in `parse`,
//! and stored in `store`.

mod parse;
mod store;

pub use store::import;

use serde::Serialize;

use crate::audit::Outcome;
use crate::auth::token::Subject;
use crate::csv_table::RowError;
use crate::env::Env;
use crate::error::Error;
use crate::http::Request;
use crate::ports::{Database, Row as SqlRow, Value};

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
