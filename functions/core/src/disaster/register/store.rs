//! Storing a parsed register: each person upserted by municipality + 台帳番号 with its
//! content hash (a re-run changes nothing), districts named, in batches of one transaction
//! each, and the import audited.

use std::collections::HashMap;

use super::RegisterImportReport;
use super::parse::{Entry, parse};
use crate::audit::Outcome;
use crate::env::Env;
use crate::error::{Error, FieldError};
use crate::http::Request;
use crate::ports::{Database, Statement, Value};

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
