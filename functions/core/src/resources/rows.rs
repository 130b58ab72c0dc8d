//! A resource as a row of the `resources` table: the columns every read selects, the row
//! read back into a [`Resource`], and the insert and update statements (with the import's
//! provenance) that write one.

use super::hazard::Hazards;
use super::schedule::{self, Rule};
use super::{Resource, ResourceFields, Status, district_of};
use crate::ports::{Row, Statement, StoreError, Value};

/// Where a row came from, for imports' idempotency.
pub struct Provenance<'a> {
    pub source: &'a str,
    pub key: Option<&'a str>,
    pub hash: Option<&'a str>,
}

/// The columns every read selects, with the category joined in.
pub const SELECT: &str = "SELECT r.id, r.municipality_code, r.category, r.name, r.name_kana, \
     r.description, r.address, r.lat, r.lng, r.phone, r.url, r.fee, r.target, r.capacity, \
     r.wheelchair, r.accessible_toilet, r.parking, r.hazards, r.shelter, r.departments, r.schedule, r.schedule_note, r.status, \
     r.verified_on, r.source, r.sort_key, r.created_at, r.updated_at, c.name_ja AS category_name, \
     c.name_en AS category_name_en, c.schema_type, m.name AS municipality_name \
     FROM resources r JOIN categories c ON c.code = r.category \
     LEFT JOIN municipalities m ON m.code = r.municipality_code";

fn opt_bool(row: &Row<'_>, column: &str) -> Result<Option<bool>, StoreError> {
    Ok(row.opt_int(column)?.map(|v| v != 0))
}

pub fn from_row(row: &Row<'_>) -> Result<Resource, StoreError> {
    let text = |c: &str| row.opt_text(c).map(|v| v.map(str::to_owned));
    let schedule: Vec<Rule> = serde_json::from_str(row.text("schedule")?)
        .map_err(|e| StoreError::Backend(format!("schedule: {e}")))?;
    let id = row.text("id")?.to_owned();
    let municipality_name = row
        .opt_text("municipality_name")?
        .unwrap_or_default()
        .to_owned();
    let address = text("address")?;
    Ok(Resource {
        url: format!("/resources/{id}"),
        id,
        district: address
            .as_deref()
            .and_then(|a| district_of(a, &municipality_name)),
        municipality_name,
        category_name: row.text("category_name")?.to_owned(),
        category_name_en: row.text("category_name_en")?.to_owned(),
        schema_type: row.text("schema_type")?.to_owned(),
        schedule_text: schedule.iter().map(Rule::describe_ja).collect(),
        fields: ResourceFields {
            municipality_code: row.text("municipality_code")?.to_owned(),
            category: row.text("category")?.to_owned(),
            name: row.text("name")?.to_owned(),
            name_kana: text("name_kana")?,
            description: text("description")?,
            address,
            lat: row.opt_real("lat")?,
            lng: row.opt_real("lng")?,
            phone: text("phone")?,
            website: text("url")?,
            fee: text("fee")?,
            target: text("target")?,
            capacity: row.opt_int("capacity")?.and_then(|c| u32::try_from(c).ok()),
            wheelchair: opt_bool(row, "wheelchair")?,
            accessible_toilet: opt_bool(row, "accessible_toilet")?,
            parking: opt_bool(row, "parking")?,
            hazards: Hazards(row.int("hazards")?),
            shelter: opt_bool(row, "shelter")?,
            departments: departments_from(row.text("departments")?),
            schedule,
            schedule_note: text("schedule_note")?,
            status: Status::parse(row.text("status")?)?,
            verified_on: text("verified_on")?,
        },
        source: row.text("source")?.to_owned(),
        created_at: row.text("created_at")?.to_owned(),
        updated_at: row.text("updated_at")?.to_owned(),
    })
}

/// The departments column: one per line (a department never holds a line break).
fn departments_from(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The values of the content columns, in the order of [`CONTENT_COLUMNS`].
fn content_values(f: &ResourceFields) -> Vec<Value> {
    let flag = |b: Option<bool>| b.map(i64::from);
    vec![
        f.municipality_code.clone().into(),
        f.category.clone().into(),
        f.name.clone().into(),
        f.name_kana.clone().into(),
        f.description.clone().into(),
        f.address.clone().into(),
        f.lat.into(),
        f.lng.into(),
        f.geohash().into(),
        f.phone.clone().into(),
        f.website.clone().into(),
        f.fee.clone().into(),
        f.target.clone().into(),
        f.capacity.into(),
        flag(f.wheelchair).into(),
        flag(f.accessible_toilet).into(),
        flag(f.parking).into(),
        f.hazards.0.into(),
        flag(f.shelter).into(),
        f.departments.join("\n").into(),
        serde_json::to_string(&f.schedule)
            .unwrap_or_else(|_| "[]".into())
            .into(),
        f.schedule_note.clone().into(),
        schedule::open_days(&f.schedule).into(),
        f.status.as_str().into(),
        f.verified_on.clone().into(),
        f.sort_key().into(),
        f.search_text().into(),
        crate::text::bigrams(&f.search_text()).into(),
    ]
}

const CONTENT_COLUMNS: [&str; 28] = [
    "municipality_code",
    "category",
    "name",
    "name_kana",
    "description",
    "address",
    "lat",
    "lng",
    "geohash",
    "phone",
    "url",
    "fee",
    "target",
    "capacity",
    "wheelchair",
    "accessible_toilet",
    "parking",
    "hazards",
    "shelter",
    "departments",
    "schedule",
    "schedule_note",
    "open_days",
    "status",
    "verified_on",
    "sort_key",
    "search_text",
    "search_bigrams",
];

/// INSERT of a new resource.
pub fn insert_statement(
    id: &str,
    f: &ResourceFields,
    from: &Provenance<'_>,
    now: &str,
) -> Statement {
    let mut params = content_values(f);
    let columns = CONTENT_COLUMNS.join(", ");
    params.extend([
        id.into(),
        from.source.into(),
        from.key.into(),
        from.hash.into(),
        now.into(),
    ]);
    let placeholders: Vec<String> = (1..=params.len()).map(|i| format!("?{i}")).collect();
    Statement::new(
        format!(
            "INSERT INTO resources ({columns}, id, source, source_key, source_hash, created_at, updated_at) \
             VALUES ({}, ?{})",
            placeholders.join(", "),
            params.len()
        ),
        params,
    )
}

/// UPDATE of the content of resource `id` (and its import hash, when imported).
pub fn update_statement(id: &str, f: &ResourceFields, hash: Option<&str>, now: &str) -> Statement {
    let mut params = content_values(f);
    let sets: Vec<String> = CONTENT_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ?{}", i + 1))
        .collect();
    let n = params.len();
    params.extend([hash.into(), now.into(), id.into()]);
    Statement::new(
        format!(
            "UPDATE resources SET {}, source_hash = coalesce(?{}, source_hash), updated_at = ?{} WHERE id = ?{}",
            sets.join(", "),
            n + 1,
            n + 2,
            n + 3
        ),
        params,
    )
}
