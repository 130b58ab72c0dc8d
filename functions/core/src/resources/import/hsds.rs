//! Open Referral HSDS 3.0 in: services as another network's `/services` page (`contents`),
//! a bare list of services, or one service, read into resources of one town. The CSV
//! importer stores them (`import::import` sends JSON here), so keys, re-runs and reports
//! behave the same: a service is keyed by its HSDS `id`, and importing the same file
//! again changes nothing.
//!
//! What is read: `name`, `alternate_name` (kana), `description`, `url` (the service's own
//! site), the first phone, `fees_description`, `eligibility_description`, WEEKLY and
//! MONTHLY schedules, the category from an attribute whose `taxonomy_term.code` is one of
//! ours, hazards from the `rainbownet-hazards` vocabulary, and from the first location its
//! position, first address, accessibility and 全国地方公共団体コード.

use serde_json::Value as Json;

use super::parsed::ParsedRow;
use super::row::{Read, drop_minor, keep, phone_of, url_of};
use crate::csv_table::{RowError, file_error};
use crate::error::Error;
use crate::resources::hazard::{Hazard, Hazards};
use crate::resources::schedule::{Rule, WEEKDAYS};
use crate::resources::{ResourceFields, Status};
use crate::vocabulary::Word;

/// Whether `bytes` look like JSON rather than a CSV.
pub fn is_json(bytes: &[u8]) -> bool {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    matches!(
        text.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[')
    )
}

/// The services of a file, each with its place in it (1-based), for line-like reports.
fn services(bytes: &[u8]) -> Result<Vec<Json>, Error> {
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let doc: Json = serde_json::from_slice(text).map_err(|e| {
        file_error(
            &format!("not JSON: {e}"),
            &format!("JSON として読めません: {e}"),
        )
    })?;
    match doc {
        Json::Array(items) => Ok(items),
        Json::Object(ref map) if map.get("contents").is_some_and(Json::is_array) => Ok(map
            .get("contents")
            .and_then(Json::as_array)
            .cloned()
            .unwrap_or_default()),
        Json::Object(ref map) if map.contains_key("name") => Ok(vec![doc]),
        _ => Err(file_error(
            "not HSDS services: give a list of services, a page with `contents`, or one service",
            "HSDS のサービス（一覧、contents を持つページ、または1件）ではありません",
        )),
    }
}

/// Reads the services for `municipality`: the good ones and, by their place in the file,
/// the refused ones. `categories` are the codes this network knows.
pub fn parse(
    bytes: &[u8],
    municipality: &str,
    categories: &[String],
) -> Result<(Vec<ParsedRow>, Vec<RowError>), Error> {
    let mut rows: Vec<ParsedRow> = Vec::new();
    let mut errors = Vec::new();
    for (i, service) in services(bytes)?.iter().enumerate() {
        let line = u64::try_from(i + 1).unwrap_or(u64::MAX);
        let read = read(service, municipality, categories);
        keep(&mut rows, &mut errors, line, read, ("service", "件目"));
    }
    Ok((rows, errors))
}

fn text(v: &Json, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Json::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn read(service: &Json, municipality: &str, categories: &[String]) -> Read {
    let name = text(service, "name").ok_or((
        "a service without a name".to_owned(),
        "名称（name）がありません".to_owned(),
    ))?;
    let id = text(service, "id").unwrap_or_else(|| name.clone());
    let location = service
        .get("service_at_locations")
        .and_then(|s| s.get(0))
        .and_then(|s| s.get("location"))
        .or_else(|| service.get("locations").and_then(|l| l.get(0)))
        .cloned()
        .unwrap_or(Json::Null);
    let town = location
        .get("external_identifiers")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .find(|e| text(e, "identifier_type").as_deref() == Some("全国地方公共団体コード"))
        .and_then(|e| text(e, "identifier"));
    if let Some(town) = town
        && crate::public::municipalities::code_readings(&town)
            .iter()
            .all(|c| c != municipality)
    {
        return Err((
            format!("the service is in another town ({town})"),
            format!("別の市区町村（{town}）のサービスです"),
        ));
    }
    let attributes: Vec<&Json> = service
        .get("attributes")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .collect();
    let code_of = |a: &&Json| a.get("taxonomy_term").and_then(|t| text(t, "code"));
    let category = attributes
        .iter()
        .filter_map(code_of)
        .find(|c| categories.contains(c))
        .ok_or((
            "no attribute names one of this network's categories (taxonomy_term.code)".to_owned(),
            "分類（attributes の taxonomy_term.code）がこのネットワークの分類にありません"
                .to_owned(),
        ))?;
    let hazards: Hazards = attributes
        .iter()
        .filter(|a| {
            a.get("taxonomy_term")
                .and_then(|t| text(t, "vocabulary"))
                .as_deref()
                == Some("rainbownet-hazards")
        })
        .filter_map(code_of)
        .filter_map(|code| Hazard::parse(&code))
        .collect();
    let departments: Vec<String> = attributes
        .iter()
        .filter(|a| {
            a.get("taxonomy_term")
                .and_then(|t| text(t, "vocabulary"))
                .as_deref()
                == Some("rainbownet-departments")
        })
        .filter_map(code_of)
        .collect();
    let accessibility: Vec<String> = location
        .get("accessibility")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|a| text(a, "description"))
        .collect();
    let has = |words: &[&str]| {
        accessibility
            .iter()
            .any(|a| words.iter().any(|w| a.contains(w)))
    };
    let mut dropped = Vec::new();
    let schedule = service
        .get("schedules")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|s| {
            let rule = rule_of(s);
            if rule.is_none() {
                dropped.push((
                    "schedule: only WEEKLY and MONTHLY rules with opens_at and closes_at are read (left out)".to_owned(),
                    "日時: 毎週・毎月（opens_at と closes_at のあるもの）だけ読めます（この項目を除いて取り込みました）".to_owned(),
                ));
            }
            rule
        })
        .collect();
    let mut fields = ResourceFields {
        municipality_code: municipality.to_owned(),
        category,
        name,
        name_kana: text(service, "alternate_name"),
        description: text(service, "description"),
        address: location
            .get("addresses")
            .and_then(|a| a.get(0))
            .and_then(|a| text(a, "address_1")),
        lat: location.get("latitude").and_then(Json::as_f64),
        lng: location.get("longitude").and_then(Json::as_f64),
        phone: service
            .get("phones")
            .and_then(|p| p.get(0))
            .and_then(|p| text(p, "number"))
            .and_then(|n| phone_of(&n)),
        website: text(service, "url").and_then(|u| url_of(&u)),
        fee: text(service, "fees_description"),
        target: text(service, "eligibility_description"),
        capacity: None,
        wheelchair: if has(&["車椅子非対応", "車いす非対応"]) {
            Some(false)
        } else if has(&["車椅子", "車いす", "wheelchair"]) {
            Some(true)
        } else {
            None
        },
        accessible_toilet: has(&["多機能トイレ", "accessible toilet"]).then_some(true),
        parking: has(&["駐車場", "parking"]).then_some(true),
        hazards,
        shelter: None,
        departments,
        schedule,
        schedule_note: None,
        status: Status::Published,
        verified_on: text(service, "assured_date")
            .filter(|d| d.len() >= 10)
            .map(|d| d[..10].to_owned()),
    }
    .normalized();
    // As for CSV rows: only the name, the town and the position refuse a service.
    for problem in fields.check() {
        let field = problem.pointer.trim_start_matches("#/");
        let reason = (
            format!("{field}: {}", problem.detail),
            problem.detail_ja.clone(),
        );
        if !drop_minor(&mut fields, field) {
            return Err(reason);
        }
        dropped.push((
            format!("{} (left out)", reason.0),
            format!("{}（この項目を除いて取り込みました）", reason.1),
        ));
    }
    Ok((format!("{municipality}|hsds|{id}"), fields, dropped))
}

/// An HSDS schedule as one of our rules: WEEKLY on BYDAY days, or MONTHLY on the nth
/// weekday (`2MO`), from `opens_at` to `closes_at`.
fn rule_of(s: &Json) -> Option<Rule> {
    let start = text(s, "opens_at")?.get(..5)?.to_owned();
    let end = text(s, "closes_at")?.get(..5)?.to_owned();
    let byday = text(s, "byday")?;
    let day_of = |code: &str| {
        ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
            .iter()
            .position(|c| *c == code)
            .map(|i| WEEKDAYS[i].to_owned())
    };
    match text(s, "freq")?.to_ascii_uppercase().as_str() {
        "WEEKLY" => {
            let days: Option<Vec<String>> = byday.split(',').map(|d| day_of(d.trim())).collect();
            Some(Rule::Weekly {
                days: days?,
                start,
                end,
            })
        }
        "MONTHLY" => {
            let split = byday.len().checked_sub(2)?;
            let week: i8 = byday.get(..split)?.parse().ok()?;
            Some(Rule::Monthly {
                week,
                day: day_of(byday.get(split..)?)?,
                start,
                end,
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::Resource;

    fn categories() -> Vec<String> {
        vec!["gathering.salon".into(), "disaster.evacuation_site".into()]
    }

    #[test]
    fn our_own_export_reads_back_as_it_was() {
        let fields: ResourceFields = serde_json::from_str(
            r#"{"municipality_code":"23233","category":"disaster.evacuation_site","name":"清洲小学校",
                "name_kana":"キヨスショウガッコウ","lat":35.2,"lng":136.85,"phone":"052-400-0001",
                "address":"愛知県清須市清洲1丁目","wheelchair":true,"parking":true,
                "hazards":["flood","earthquake"],"status":"published",
                "schedule":[{"freq":"monthly","week":2,"day":"mon","start":"10:00","end":"11:30"},
                            {"freq":"weekly","days":["tue","fri"],"start":"09:00","end":"17:00"}]}"#,
        )
        .unwrap();
        let resource = Resource {
            id: "01SITE".into(),
            url: "/resources/01SITE".into(),
            municipality_name: "清須市".into(),
            district: None,
            category_name: "指定緊急避難場所".into(),
            category_name_en: "Designated evacuation sites".into(),
            schema_type: "CivicStructure".into(),
            schedule_text: vec![],
            fields: fields.clone(),
            source: "manual".into(),
            created_at: "x".into(),
            updated_at: "x".into(),
        };
        let page =
            crate::resources::export::hsds_page(&[resource], 1, "https://map.example.jp", 1, 1);
        let bytes = serde_json::to_vec(&page).unwrap();
        let (rows, errors) = parse(&bytes, "23233", &categories()).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        let back = &rows[0].fields;
        assert_eq!(rows[0].key, "23233|hsds|01SITE");
        assert_eq!(back.name, fields.name);
        assert_eq!(back.category, fields.category);
        assert_eq!(back.hazards, fields.hazards);
        assert_eq!(back.schedule, fields.schedule);
        assert_eq!((back.lat, back.lng), (fields.lat, fields.lng));
        assert_eq!((back.wheelchair, back.parking), (Some(true), Some(true)));
        assert_eq!(back.phone, fields.phone);
    }

    #[test]
    fn departments_go_out_and_come_back_as_attributes() {
        let fields: ResourceFields = serde_json::from_str(
            r#"{"municipality_code":"23233","category":"medical.clinic","name":"清洲医院",
                "departments":["内科","小児科"],"status":"published"}"#,
        )
        .unwrap();
        let resource = Resource {
            id: "01CLINIC".into(),
            url: "/resources/01CLINIC".into(),
            municipality_name: "清須市".into(),
            district: None,
            category_name: "診療所".into(),
            category_name_en: "Clinics".into(),
            schema_type: "MedicalClinic".into(),
            schedule_text: vec![],
            fields,
            source: "manual".into(),
            created_at: "x".into(),
            updated_at: "x".into(),
        };
        let page =
            crate::resources::export::hsds_page(&[resource], 1, "https://map.example.jp", 1, 1);
        let bytes = serde_json::to_vec(&page).unwrap();
        let (rows, errors) = parse(&bytes, "23233", &["medical.clinic".to_owned()]).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(rows[0].fields.departments, ["内科", "小児科"]);
    }

    #[test]
    fn refusals_and_dropped_fields_are_reported_by_place() {
        let file = r#"[
            {"id":"a","name":"","attributes":[]},
            {"id":"b","name":"よそのサロン","attributes":[{"taxonomy_term":{"code":"gathering.salon"}}],
             "service_at_locations":[{"location":{"external_identifiers":[{"identifier":"131016","identifier_type":"全国地方公共団体コード"}]}}]},
            {"id":"c","name":"分類なし"},
            {"id":"d","name":"電話なしサロン","alternate_name":"(かな)","phones":[{"number":"なし"}],
             "attributes":[{"taxonomy_term":{"code":"gathering.salon"}}],
             "schedules":[{"freq":"DAILY","opens_at":"09:00","closes_at":"10:00"}]},
            {"id":"d","name":"重複"}
        ]"#;
        let (rows, errors) = parse(file.as_bytes(), "23233", &categories()).unwrap();
        let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [1, 2, 3, 5]);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].fields.phone, None);
        assert_eq!(rows[0].dropped.len(), 2, "{:?}", rows[0].dropped);
        assert!(is_json(b"\xEF\xBB\xBF  [") && !is_json(b"ID,name"));
        assert!(parse(b"{\"x\":1}", "23233", &categories()).is_err());
    }
}
