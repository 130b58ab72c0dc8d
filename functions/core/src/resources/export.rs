//! Open data out: every published resource as Open Referral HSDS 3.0 services (the shape
//! of HSDS's paginated `/services` response) and as CSV (UTF-8 with BOM, for Excel).

use serde_json::{Value as Json, json};

use super::published::each_published;
pub use super::published::{published_count, published_page};
use super::schedule::{DAYS_OF_WEEK, Rule, WEEKDAYS};
use super::{Resource, Status};
use crate::env::Env;
use crate::error::Error;
use crate::vocabulary::Word;

fn byday(days: &[String]) -> String {
    let codes = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
    days.iter()
        .filter_map(|d| WEEKDAYS.iter().position(|w| w == d).map(|i| codes[i]))
        .collect::<Vec<_>>()
        .join(",")
}

fn hsds_schedule(id: String, rule: &Rule) -> Json {
    match rule {
        Rule::Weekly { days, start, end } => json!({
            "id": id, "freq": "WEEKLY", "interval": 1, "byday": byday(days),
            "opens_at": start, "closes_at": end, "description": rule.describe_ja(),
        }),
        Rule::Monthly {
            week,
            day,
            start,
            end,
        } => json!({
            "id": id, "freq": "MONTHLY", "interval": 1, "byday": format!("{week}{}", byday(std::slice::from_ref(day))),
            "opens_at": start, "closes_at": end, "description": rule.describe_ja(),
        }),
    }
}

pub fn hsds_service(r: &Resource, origin: &str) -> Json {
    let f = &r.fields;
    let location_id = format!("{}-location", r.id);
    let accessibility: Vec<Json> = [
        f.wheelchair
            .map(|w| json!({"description": if w { "車椅子対応" } else { "車椅子非対応" }})),
        f.accessible_toilet
            .filter(|t| *t)
            .map(|_| json!({"description": "多機能トイレあり"})),
        f.parking
            .filter(|p| *p)
            .map(|_| json!({"description": "駐車場あり"})),
    ]
    .into_iter()
    .flatten()
    .enumerate()
    .map(|(i, mut a)| {
        a["id"] = json!(format!("{location_id}-accessibility-{i}"));
        a
    })
    .collect();
    without_nulls(json!({
        "id": r.id,
        "name": f.name,
        "alternate_name": f.name_kana,
        "description": f.description,
        "url": format!("{origin}{}", r.url),
        "status": if f.status == Status::Published { "active" } else { "inactive" },
        "fees_description": f.fee,
        "eligibility_description": f.target,
        "last_modified": r.updated_at,
        "assured_date": f.verified_on,
        "phones": f.phone.iter().map(|p| json!({"id": format!("{}-phone", r.id), "number": p})).collect::<Vec<_>>(),
        "schedules": f.schedule.iter().enumerate()
            .map(|(i, rule)| hsds_schedule(format!("{}-schedule-{i}", r.id), rule))
            .collect::<Vec<_>>(),
        "attributes": std::iter::once(json!({
            "id": format!("{}-category", r.id),
            "link_type": "service_type",
            "taxonomy_term": {
                "id": f.category, "code": f.category, "name": r.category_name,
                "description": r.category_name, "vocabulary": "rainbownet",
            },
        }))
        // The hazards an evacuation site is designated for, one attribute each, so that a
        // reader of the feed can filter sites for floods as our search does.
        .chain(f.hazards.iter().map(|h| {
            let term = h.term();
            json!({
                "id": format!("{}-hazard-{}", r.id, term.code),
                "link_type": "designated_hazard",
                "value": "true",
                "taxonomy_term": {
                    "id": format!("hazard.{}", term.code), "code": term.code, "name": term.ja,
                    "description": format!("指定緊急避難場所（{}）", term.ja), "vocabulary": "rainbownet-hazards",
                },
            })
        }))
        // 診療科目, one attribute each, in the town's own words.
        .chain(f.departments.iter().enumerate().map(|(i, d)| {
            json!({
                "id": format!("{}-department-{i}", r.id),
                "link_type": "medical_department",
                "value": d,
                "taxonomy_term": {
                    "id": format!("department.{d}"), "code": d, "name": d,
                    "description": format!("診療科目（{d}）"), "vocabulary": "rainbownet-departments",
                },
            })
        }))
        .collect::<Vec<_>>(),
        "service_at_locations": [{
            "id": format!("{}-sal", r.id),
            "location": {
                "id": location_id,
                "location_type": "physical",
                "name": f.name,
                "latitude": f.lat,
                "longitude": f.lng,
                "external_identifiers": [{"identifier": f.municipality_code, "identifier_type": "全国地方公共団体コード"}],
                "addresses": f.address.iter().map(|a| json!({
                    "id": format!("{location_id}-address"), "address_type": "physical",
                    "address_1": a, "city": "", "region": "", "state_province": "", "postal_code": "", "country": "JP",
                })).collect::<Vec<_>>(),
                "accessibility": accessibility,
            },
        }],
    }))
}

/// HSDS leaves a field out when it has no value: its schema types them as strings, numbers
/// or objects, never null.
fn without_nulls(value: Json) -> Json {
    match value {
        Json::Object(map) => Json::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, without_nulls(v)))
                .collect(),
        ),
        Json::Array(items) => Json::Array(items.into_iter().map(without_nulls).collect()),
        other => other,
    }
}

/// `GET /api/v1/public/resources.hsds.json`: every published service as one HSDS page,
/// written a chunk of the store at a time (the JSON text grows; no tree of the whole).
pub async fn hsds(env: &Env, origin: &str) -> Result<Vec<u8>, Error> {
    let mut contents = Vec::from(&b"["[..]);
    let mut count = 0usize;
    each_published(env, &mut |chunk| {
        for r in chunk {
            if count > 0 {
                contents.push(b',');
            }
            serde_json::to_writer(&mut contents, &hsds_service(r, origin))
                .map_err(|e| Error::Internal(format!("hsds: {e}")))?;
            count += 1;
        }
        Ok(())
    })
    .await?;
    contents.push(b']');
    let head = json!({
        "total_items": count,
        "total_pages": 1,
        "page_number": 1,
        "size": count,
        "first_page": true,
        "last_page": true,
        "empty": count == 0,
    });
    let mut out = serde_json::to_vec(&head).map_err(|e| Error::Internal(format!("hsds: {e}")))?;
    // `{…}` becomes `{…,"contents":[…]}`.
    out.pop();
    out.extend_from_slice(b",\"contents\":");
    out.extend_from_slice(&contents);
    out.push(b'}');
    Ok(out)
}

/// Largest `per_page` of `GET /hsds/services`.
pub const HSDS_MAX_PER_PAGE: usize = 500;

/// One page of services in HSDS's `Page` shape (`page` counts from 1; past the end is an
/// empty page, as the HSDS API describes): `resources` is that page, of `total` in all.
pub fn hsds_page(
    resources: &[Resource],
    total: usize,
    origin: &str,
    page: usize,
    per_page: usize,
) -> Json {
    let per_page = per_page.max(1);
    let page = page.max(1);
    let total_pages = total.div_ceil(per_page).max(1);
    let contents: Vec<Json> = resources.iter().map(|r| hsds_service(r, origin)).collect();
    json!({
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page,
        "size": contents.len(),
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": contents.is_empty(),
        "contents": contents,
    })
}

/// `GET /api/v1/public/resources.csv`, written a chunk of the store at a time.
pub async fn csv(env: &Env, origin: &str) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    let mut first = true;
    each_published(env, &mut |chunk| {
        let part = csv_rows(chunk, origin)?;
        if first {
            out = part;
            first = false;
        } else {
            // Each part is a whole CSV: keep its rows only (after the BOM and header line).
            let body = part
                .windows(2)
                .position(|w| w == b"\r\n")
                .map_or(&part[..0], |at| &part[at + 2..]);
            out.extend_from_slice(body);
        }
        Ok(())
    })
    .await?;
    if first {
        out = csv_rows(&[], origin)?;
    }
    Ok(out)
}

fn csv_rows(resources: &[Resource], origin: &str) -> Result<Vec<u8>, Error> {
    let yes = |b: Option<bool>| b.map_or("", |b| if b { "有" } else { "無" }).to_owned();
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let number = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    crate::csv_table::write(
        &[
            "ID",
            "名称",
            "名称_カナ",
            "分類コード",
            "分類",
            "全国地方公共団体コード",
            "住所",
            "緯度",
            "経度",
            "電話番号",
            "URL",
            "利用日時",
            "料金",
            "対象",
            "定員",
            "車椅子対応",
            "多機能トイレ",
            "駐車場",
            "対応する災害",
            "指定避難所",
            "説明",
            "ページ",
            "更新日時",
        ],
        resources.iter().map(|r| {
            let f = &r.fields;
            let days = f
                .schedule
                .iter()
                .map(Rule::describe_ja)
                .collect::<Vec<_>>()
                .join(" / ");
            vec![
                r.id.clone(),
                f.name.clone(),
                text(&f.name_kana),
                f.category.clone(),
                r.category_name.clone(),
                f.municipality_code.clone(),
                text(&f.address),
                number(f.lat),
                number(f.lng),
                text(&f.phone),
                text(&f.website),
                days,
                text(&f.fee),
                text(&f.target),
                f.capacity.map(|c| c.to_string()).unwrap_or_default(),
                yes(f.wheelchair),
                yes(f.accessible_toilet),
                yes(f.parking),
                f.hazards.label_ja(),
                yes(f.shelter),
                text(&f.description),
                format!("{origin}{}", r.url),
                r.updated_at.clone(),
            ]
        }),
    )
}

/// schema.org `openingHoursSpecification` for the weekly rules.
pub fn opening_hours(rules: &[Rule]) -> Vec<Json> {
    rules
        .iter()
        .filter_map(|r| match r {
            Rule::Weekly { days, start, end } => Some(json!({
                "@type": "OpeningHoursSpecification",
                "dayOfWeek": days.iter().filter_map(|d| WEEKDAYS.iter().position(|w| w == d))
                    .map(|i| format!("https://schema.org/{}", DAYS_OF_WEEK[i])).collect::<Vec<_>>(),
                "opens": start, "closes": end,
            })),
            Rule::Monthly { .. } => None,
        })
        .collect()
}
