//! Import of the Digital Agency's standard municipal open-data CSVs (自治体標準オープン
//! データセット): 介護サービス事業所一覧, 医療機関一覧, 公衆トイレ一覧, AED設置箇所一覧,
//! 指定緊急避難場所一覧, 公共施設一覧. The dataset is recognised from its header row; files
//! come as UTF-8 (with or without BOM) or Shift_JIS/CP932, with CRLF. Good rows go in, bad
//! rows are reported by line, and importing the same file again changes nothing.

use serde::Serialize;

use super::hazard::{Hazard, Hazards};
use super::layouts::{self, Detected, Field, Layout, NotDetected};
use super::schedule::{Rule, parse_days_ja, parse_time_ja};
use super::{
    Provenance, ResourceFields, Status, category_labels, insert_statement, update_statement,
};
use crate::csv_table::{self, RowError, Table, file_error};
use crate::env::Env;
use crate::error::Error;
use crate::ports::{Database, Statement, Value};

pub use super::layouts::Dataset;

#[derive(Debug, Serialize, PartialEq)]
pub struct ImportReport {
    pub dataset: Dataset,
    pub dataset_label: &'static str,
    /// The identifying columns the dataset was recognised by.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub detected_by: Vec<&'static str>,
    pub imported: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub rejected: usize,
    pub errors: Vec<RowError>,
    /// Rows that were imported without a minor field that could not be read (a phone of
    /// 「なし」, kana with brackets, a URL without its scheme…), by line.
    pub warnings: Vec<RowError>,
}

impl ImportReport {
    /// "imported N, updated N, unchanged N, rejected N".
    pub fn summary(&self) -> String {
        format!(
            "imported {}, updated {}, unchanged {}, rejected {}",
            self.imported, self.updated, self.unchanged, self.rejected
        )
    }
}

/// One good row, ready to write.
#[derive(Debug)]
pub struct ParsedRow {
    pub line: u64,
    pub key: String,
    pub hash: String,
    pub fields: ResourceFields,
    /// Minor fields left out, with why.
    pub dropped: Vec<(String, String)>,
}

/// FNV-1a over the row's fields: equal content, equal hash, on every host.
pub(super) fn content_hash(fields: &ResourceFields) -> String {
    let json = serde_json::to_string(fields).unwrap_or_default();
    let h = json.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    format!("{h:016x}")
}

struct Cells<'a> {
    layout: &'static Layout,
    table: &'a Table,
    record: &'a csv::StringRecord,
}

impl Cells<'_> {
    /// The first non-blank cell under one of the field's header names.
    fn get(&self, field: Field) -> Option<String> {
        self.layout.names(field).find_map(|n| self.cell(n))
    }

    fn cell(&self, column: &str) -> Option<String> {
        let v = self.record.get(self.table.column(&[column])?)?.trim();
        (!v.is_empty()).then(|| v.to_owned())
    }

    /// Whether the file has a column for the field at all.
    fn has(&self, field: Field) -> bool {
        self.layout
            .names(field)
            .any(|n| self.table.column(&[n]).is_some())
    }

    fn yes(&self, field: Field) -> Option<bool> {
        self.get(field).map(|v| yes(&v))
    }
}

/// A yes/no or count cell: a count above zero, 有, ○, 1, true.
fn yes(v: &str) -> bool {
    if let Ok(n) = v.parse::<u32>() {
        return n > 0;
    }
    matches!(
        v,
        // Not 「可」: under 外部利用不可 it would read "may be used" as "restricted".
        "有" | "有り" | "あり" | "○" | "〇" | "1" | "true" | "TRUE" | "True" | "対応"
    )
}

/// 診療科目 as towns write it (「内科、小児科・歯科」): one word per department.
fn departments_of(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for d in text.split(|c: char| {
        matches!(c, '、' | ',' | '，' | '・' | '/' | '／' | ';' | '；' | '　') || c.is_whitespace()
    }) {
        let d = d.trim();
        if !d.is_empty() && !out.iter().any(|o| o == d) {
            out.push(d.to_owned());
        }
    }
    out
}

fn category(dataset: Dataset, cells: &Cells<'_>) -> &'static str {
    match dataset {
        Dataset::PublicToilets => "welfare.toilet",
        Dataset::Aed => "welfare.aed",
        Dataset::EvacuationSites => "disaster.evacuation_site",
        Dataset::ChildcareFacilities => "welfare.childcare",
        // HSDS services carry their own category; this reader never sees them.
        Dataset::PublicFacilities | Dataset::Hsds => "public.facility",
        Dataset::CareServices => {
            let kind = cells.get(Field::Kind).unwrap_or_default();
            if kind.contains("居宅介護支援") {
                "care.management"
            } else if kind.contains("地域包括") {
                "care.support_centre"
            } else if kind.contains("訪問") {
                "care.home_care"
            } else if kind.contains("通所") || kind.contains("デイ") {
                "care.day_service"
            } else {
                "care.facility"
            }
        }
        Dataset::MedicalInstitutions => {
            // The standard's 医療機関の種類 is only 病院 / 有床診療所 / 無床診療所: what kind of
            // practice it is (歯科, 薬局) is in 診療科目. A hospital with a 歯科口腔外科 is
            // still a hospital; a practice whose every department is dental is a dentist.
            let kind = cells.get(Field::Kind).unwrap_or_default();
            let departments = departments_of(&cells.get(Field::Departments).unwrap_or_default());
            let dental = !departments.is_empty() && departments.iter().all(|d| d.contains("歯科"));
            if kind.contains("薬局") {
                "medical.pharmacy"
            } else if kind.contains("病院") && !kind.contains("歯科") {
                "medical.hospital"
            } else if kind.contains("歯科") || dental {
                "medical.dental"
            } else {
                "medical.clinic"
            }
        }
    }
}

/// A row read: its key, its fields, and the minor fields left out (why, in English and
/// Japanese).
pub(super) type Parsed = (String, ResourceFields, Vec<(String, String)>);

/// A row read, or why it is refused.
pub(super) type Read = Result<Parsed, (String, String)>;

/// Keeps a read row, or reports it by `line`: refused, or a second row with a key already
/// kept. `place` names a line in the file's words: ("line", "行目") or ("service", "件目").
pub(super) fn keep(
    rows: &mut Vec<ParsedRow>,
    errors: &mut Vec<RowError>,
    line: u64,
    read: Read,
    place: (&str, &str),
) {
    let refusal = match read {
        Ok((key, fields, dropped)) => match rows.iter().find(|r| r.key == key) {
            Some(first) => (
                format!("same ID as {} {}", place.0, first.line),
                format!("{}{}と同じIDです", first.line, place.1),
            ),
            None => {
                rows.push(ParsedRow {
                    line,
                    hash: content_hash(&fields),
                    key,
                    fields,
                    dropped,
                });
                return;
            }
        },
        Err(refusal) => refusal,
    };
    errors.push(RowError {
        line,
        reason: refusal.0,
        reason_ja: refusal.1,
    });
}

fn parse_row(
    dataset: Dataset,
    municipality: &str,
    cells: &Cells<'_>,
) -> Result<Parsed, (String, String)> {
    let reject = |en: &str, ja: &str| Err((en.to_owned(), ja.to_owned()));
    // The town's code (5 or 6 digits, perhaps without its leading zero), or its
    // prefecture's, which some files carry in every row.
    if let Some(text) = cells.get(Field::Code) {
        let ours = crate::public::municipalities::code_readings(&text)
            .iter()
            .any(|c| {
                c == municipality || (c.ends_with("000") && municipality.get(..2) == c.get(..2))
            });
        if !ours {
            return reject(
                &format!("municipality code {text} is not {municipality}"),
                &format!("市区町村コード {text} が {municipality} と一致しません"),
            );
        }
    }
    let Some(name) = cells.get(Field::Name) else {
        return reject("名称 (name) is empty", "名称が空です");
    };
    let coordinate = |field: Field, label: &str| -> Result<Option<f64>, (String, String)> {
        match cells.get(field) {
            None => Ok(None),
            Some(v) => crate::text::fold(&v).parse::<f64>().map(Some).map_err(|_| {
                (
                    format!("{label} is not a number: {v}"),
                    format!("{label}が数値ではありません: {v}"),
                )
            }),
        }
    };
    let lat = coordinate(Field::Lat, "緯度")?;
    let lng = coordinate(Field::Lng, "経度")?;
    let days = match cells.get(Field::Days) {
        Some(d) => parse_days_ja(&d),
        // Datasets without a weekday column (公衆トイレ一覧) give hours that hold every day.
        None if !cells.has(Field::Days) => super::schedule::WEEKDAYS
            .iter()
            .map(|d| (*d).to_owned())
            .collect(),
        None => Vec::new(),
    };
    let start = cells.get(Field::Start).and_then(|t| parse_time_ja(&t));
    let end = cells.get(Field::End).and_then(|t| parse_time_ja(&t));
    // 利用可能時間帯 holds both ends ("9:00-16:30") where there are no separate columns.
    let (start, end) = match (start, end) {
        (None, None) => cells
            .get(Field::Hours)
            .and_then(|span| {
                let span = crate::text::fold(&span);
                let (a, b) = span.split_once(['-', '~', '〜'])?;
                Some((parse_time_ja(a), parse_time_ja(b)))
            })
            .unwrap_or((None, None)),
        other => other,
    };
    let schedule = match (days.is_empty(), start, end) {
        (false, Some(start), Some(end)) => vec![Rule::Weekly { days, start, end }],
        _ => Vec::new(),
    };
    let note = cells.get(Field::HoursNote);
    let address = cells
        .get(Field::Address)
        .map(|a| match cells.get(Field::AddressExtra) {
            Some(extra) => format!("{a} {extra}"),
            None => a,
        });
    let departments = if dataset == Dataset::MedicalInstitutions {
        departments_of(&cells.get(Field::Departments).unwrap_or_default())
    } else {
        Vec::new()
    };
    let labelled = |field: Field, label: &str| cells.get(field).map(|v| format!("{label}: {v}"));
    // What residents read and search for, one line each, in the order the page shows it.
    let description = [
        labelled(Field::CommonName, "通称"),
        labelled(Field::Areas, "対象となる町会・自治会"),
        cells.get(Field::Kind),
        cells.get(Field::Description),
        cells.get(Field::Place),
        labelled(Field::BarrierFree, "バリアフリー"),
        labelled(Field::AfterHours, "時間外の対応"),
        cells
            .get(Field::Beds)
            .map(|b| crate::text::fold(&b))
            .map(|b| match b.parse::<u32>() {
                Ok(n) => format!("病床数: {n}床"),
                Err(_) => format!("病床数: {b}"),
            }),
        labelled(Field::Elevation, "標高").map(|e| {
            if e.ends_with('m') || e.ends_with('ｍ') {
                e
            } else {
                format!("{e}m")
            }
        }),
        labelled(Field::DisasterRole, "災害拠点"),
        facts(cells),
        cells.get(Field::Remarks),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join("\n");
    let toilet = cells.yes(Field::AccessibleToilet);
    let wheelchair_toilet = cells.yes(Field::WheelchairToilet);
    let fields = ResourceFields {
        municipality_code: municipality.to_owned(),
        category: category(dataset, cells).to_owned(),
        name: name.clone(),
        name_kana: cells.get(Field::Kana),
        description: (!description.is_empty()).then_some(description),
        address: address.clone(),
        lat,
        lng,
        phone: cells.get(Field::Phone).and_then(|p| phone_of(&p)),
        website: cells.get(Field::Url).and_then(|u| url_of(&u)),
        fee: None,
        target: cells.get(Field::TargetAge),
        capacity: cells.get(Field::Capacity).and_then(|c| first_number(&c)),
        wheelchair: cells.yes(Field::Wheelchair).or(wheelchair_toilet),
        accessible_toilet: match (toilet, wheelchair_toilet) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(false) || b.unwrap_or(false)),
        },
        parking: cells.yes(Field::Parking),
        hazards: hazards_of(cells),
        shelter: cells.yes(Field::Shelter),
        departments,
        schedule,
        schedule_note: note,
        status: Status::Published,
        verified_on: None,
    }
    .normalized();
    // Only the name, the position and the town refuse a row; a minor field that can not be
    // read is left out, and the report says so by line.
    let mut fields = fields;
    let mut dropped = Vec::new();
    for problem in fields.check() {
        let field = problem.pointer.trim_start_matches("#/");
        let minor = drop_minor(&mut fields, field);
        let reason = (
            format!("{field}: {}", problem.detail),
            problem.detail_ja.clone(),
        );
        if !minor {
            return Err(reason);
        }
        dropped.push((
            format!("{} (left out)", reason.0),
            format!("{}（この項目を除いて取り込みました）", reason.1),
        ));
    }
    // Keyed by the dataset's own number where it has one, else by name and address.
    let key = match cells.get(Field::Id) {
        Some(id) => format!("{municipality}|{}|{id}", dataset.name()),
        None => format!(
            "{municipality}|{}|{}|{}",
            dataset.name(),
            name,
            address.unwrap_or_default()
        ),
    };
    Ok((key, fields, dropped))
}

/// The yes/no facts of the layout that hold for this row, as one line of words (「授乳室あり・
/// 字幕あり」). A phrase two columns share (v1 and v2 names) is said once.
fn facts(cells: &Cells<'_>) -> Option<String> {
    let mut said: Vec<&str> = Vec::new();
    for (column, phrase) in cells.layout.facts {
        if cells.cell(column).is_some_and(|v| yes(&v)) && !said.contains(phrase) {
            said.push(phrase);
        }
    }
    (!said.is_empty()).then(|| said.join("・"))
}

/// The first whole number in a cell: 定員 「40/12」 (two services' places) gives 40.
fn first_number(text: &str) -> Option<u32> {
    let folded = crate::text::fold(text);
    let digits: String = folded
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The hazards an evacuation site is designated for, from the `災害種別_…` columns.
fn hazards_of(cells: &Cells<'_>) -> Hazards {
    Hazard::ALL
        .into_iter()
        .filter(|h| cells.cell(h.column()).is_some_and(|v| yes(&v)))
        .collect()
}

/// The phone number in a cell as towns write it: 「052-400-0001（代表）」 gives the number,
/// 「なし」 or 「-」 gives none.
pub(super) fn phone_of(text: &str) -> Option<String> {
    let folded = crate::text::fold(text);
    let start = folded.find(|c: char| c.is_ascii_digit() || c == '+')?;
    let number: String = folded[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, '-' | ' ' | '(' | ')' | '+'))
        .collect();
    let number = number.trim_end_matches(['-', ' ', '(']).trim().to_owned();
    (number.chars().filter(char::is_ascii_digit).count() >= 3).then_some(number)
}

/// A web address as towns write it: one without its scheme (`www.city.example.jp`) gets
/// `https://`; anything that is not an address is left out.
pub(super) fn url_of(text: &str) -> Option<String> {
    let text = text.trim();
    if text.starts_with("https://") || text.starts_with("http://") {
        return Some(text.to_owned());
    }
    let looks_like_host = text.contains('.')
        && !text.contains(char::is_whitespace)
        && text.is_ascii()
        && !text.starts_with('.');
    looks_like_host.then(|| format!("https://{text}"))
}

/// Clears the field behind a validation pointer if it is a minor one (everything but the
/// name, the town and the position); true when it was.
pub(super) fn drop_minor(fields: &mut ResourceFields, field: &str) -> bool {
    match field.split('/').next().unwrap_or(field) {
        "name_kana" => fields.name_kana = None,
        "phone" => fields.phone = None,
        "website" => fields.website = None,
        "description" => fields.description = None,
        "schedule_note" => fields.schedule_note = None,
        "verified_on" => fields.verified_on = None,
        "schedule" => fields.schedule.clear(),
        "capacity" => fields.capacity = None,
        "address" => fields.address = None,
        "departments" => fields.departments.clear(),
        "target" => fields.target = None,
        _ => return false,
    }
    true
}

/// A file read: which dataset, why, the good rows and the rejected ones.
pub struct ParsedFile {
    pub dataset: Dataset,
    /// The identifying columns that decided the dataset.
    pub detected_by: Vec<&'static str>,
    pub rows: Vec<ParsedRow>,
    pub errors: Vec<RowError>,
}

const READ: &str = "介護サービス事業所一覧, 医療機関一覧, 公衆トイレ一覧, AED設置箇所一覧, 指定緊急避難場所一覧, 公共施設一覧, 子育て施設一覧";

fn not_detected(why: NotDetected) -> Error {
    match why {
        NotDetected::Unknown => file_error(
            &format!("the header row is not one of the standard datasets read here ({READ})"),
            &format!("見出し行が標準オープンデータセット（{READ}）のどれとも一致しません"),
        ),
        NotDetected::NotResources { dataset, by } => file_error(
            &format!(
                "this is a {dataset} file (columns {}): not a dataset of places and services residents look for; the datasets read are {READ}",
                by.join(", ")
            ),
            &format!(
                "{dataset}のファイルです（{}の列）。地域資源として取り込むのは {READ} です",
                by.join("・")
            ),
        ),
        NotDetected::Ambiguous(a, b) => file_error(
            &format!("the header row fits {a} and {b} equally; remove the other dataset's columns"),
            &format!(
                "見出し行が{a}と{b}の両方に同じだけ当てはまります。どちらかの列を除いてください"
            ),
        ),
    }
}

/// Reads the file: its dataset, the good rows and the rejected ones.
pub fn parse(bytes: &[u8], municipality: &str) -> Result<ParsedFile, Error> {
    let table = csv_table::read(bytes)?;
    let Detected { layout, by } = layouts::detect(&table).map_err(not_detected)?;
    let dataset = layout.dataset;
    let mut rows: Vec<ParsedRow> = Vec::new();
    let mut errors = Vec::new();
    for (line, record) in &table.records {
        let line = *line;
        let cells = Cells {
            layout,
            table: &table,
            record,
        };
        let read = parse_row(dataset, municipality, &cells);
        keep(&mut rows, &mut errors, line, read, ("line", "行目"));
    }
    errors.extend(table.errors);
    errors.sort_by_key(|e| e.line);
    Ok(ParsedFile {
        dataset,
        detected_by: by,
        rows,
        errors,
    })
}

/// Rows per batch: each statement binds under 40 parameters and D1 runs a batch as one
/// transaction; 50 keeps a batch quick.
const BATCH_ROWS: usize = 50;

/// Imports a file for `municipality`. `progress(done, total)` is called after each batch.
pub async fn import(
    env: &Env,
    municipality: &str,
    bytes: &[u8],
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ImportReport, Error> {
    let sql = env.sql(Database::Public).await?;
    if !crate::public::municipalities::is_known(env, municipality).await? {
        return Err(Error::Validation(vec![
            crate::public::municipalities::unknown("municipality", municipality),
        ]));
    }
    let labels = category_labels(env).await?;
    let ParsedFile {
        dataset,
        detected_by,
        rows,
        errors,
    } = if super::import_hsds::is_json(bytes) {
        let codes: Vec<String> = labels.iter().map(|(code, _)| code.clone()).collect();
        let (rows, errors) = super::import_hsds::parse(bytes, municipality, &codes)?;
        ParsedFile {
            dataset: Dataset::Hsds,
            detected_by: Vec::new(),
            rows,
            errors,
        }
    } else {
        parse(bytes, municipality)?
    };
    let label = |code: &str| {
        labels
            .iter()
            .find(|(c, _)| c == code)
            .map_or("", |(_, l)| l.as_str())
    };
    let now = crate::time::iso8601(env.clock.now_millis());
    let (mut imported, mut updated, mut unchanged) = (0, 0, 0);
    for (done, chunk) in rows.chunks(BATCH_ROWS).enumerate() {
        let mut params: Vec<Value> = Vec::new();
        let placeholders: Vec<String> = chunk
            .iter()
            .map(|r| {
                params.push(r.key.clone().into());
                format!("?{}", params.len())
            })
            .collect();
        let existing = sql
            .query(
                &format!(
                    "SELECT id, source_key, source_hash FROM resources WHERE source_key IN ({})",
                    placeholders.join(", ")
                ),
                &params,
            )
            .await?;
        let mut statements: Vec<Statement> = Vec::new();
        for row in chunk {
            let found = existing
                .iter()
                .find(|e| e.text("source_key").ok() == Some(row.key.as_str()));
            match found {
                Some(e) if e.opt_text("source_hash")? == Some(row.hash.as_str()) => unchanged += 1,
                Some(e) => {
                    statements.push(update_statement(
                        e.text("id")?,
                        &row.fields,
                        label(&row.fields.category),
                        Some(&row.hash),
                        &now,
                    ));
                    updated += 1;
                }
                None => {
                    let from = Provenance {
                        source: dataset.name(),
                        key: Some(&row.key),
                        hash: Some(&row.hash),
                    };
                    statements.push(insert_statement(
                        &env.new_id(),
                        &row.fields,
                        label(&row.fields.category),
                        &from,
                        &now,
                    ));
                    imported += 1;
                }
            }
        }
        if !statements.is_empty() {
            sql.batch(&statements).await?;
        }
        progress(((done + 1) * BATCH_ROWS).min(rows.len()), rows.len());
    }
    let warnings = rows
        .iter()
        .flat_map(|r| {
            r.dropped.iter().map(|(reason, reason_ja)| RowError {
                line: r.line,
                reason: reason.clone(),
                reason_ja: reason_ja.clone(),
            })
        })
        .collect();
    let report = ImportReport {
        dataset,
        dataset_label: dataset.label_ja(),
        detected_by,
        imported,
        updated,
        unchanged,
        rejected: errors.len(),
        errors,
        warnings,
    };
    sql.query(
        "INSERT INTO resource_imports (id, municipality_code, dataset, imported, updated, unchanged, rejected, at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        &[
            env.new_id().into(),
            municipality.into(),
            dataset.name().into(),
            i64::try_from(report.imported).unwrap_or(i64::MAX).into(),
            i64::try_from(report.updated).unwrap_or(i64::MAX).into(),
            i64::try_from(report.unchanged).unwrap_or(i64::MAX).into(),
            i64::try_from(report.rejected).unwrap_or(i64::MAX).into(),
            now.into(),
        ],
    )
    .await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_and_addresses_as_towns_write_them() {
        assert_eq!(
            phone_of("052-400-0001（代表）").as_deref(),
            Some("052-400-0001")
        );
        assert_eq!(
            phone_of("０５２－４００－０００１").as_deref(),
            Some("052-400-0001")
        );
        assert_eq!(phone_of("なし"), None);
        assert_eq!(phone_of("-"), None);
        assert_eq!(
            url_of("www.city.example.jp/aed").as_deref(),
            Some("https://www.city.example.jp/aed")
        );
        assert_eq!(
            url_of("http://a.example.jp").as_deref(),
            Some("http://a.example.jp")
        );
        assert_eq!(url_of("市のホームページ"), None);
    }

    const TOILETS: &str = "全国地方公共団体コード,ID,地方公共団体名,名称,名称_カナ,住所,緯度,経度,多機能トイレ数,車椅子使用者用トイレ有無,利用可能曜日,利用開始時間,利用終了時間\r\n\
        232335,T1,清須市,清洲公園トイレ,キヨスコウエントイレ,清須市清洲1,35.2186,136.8419,1,有,月～金,9:00,17:00\r\n\
        232335,T2,清須市,,,清須市,35.2,136.8,0,無,,,\r\n\
        232335,T3,清須市,駅前トイレ,エキマエトイレ,清須市西枇杷島町,north,136.8,0,無,,,\r\n";

    use crate::csv_table::decode;

    #[test]
    fn shift_jis_and_utf8_with_bom_read_the_same() {
        let (sjis, _, _) = encoding_rs::SHIFT_JIS.encode(TOILETS);
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(TOILETS.as_bytes());
        assert_eq!(decode(&sjis).unwrap(), TOILETS);
        assert_eq!(decode(&bom).unwrap(), TOILETS);
        // UTF-16 LE with its BOM, as Excel saves 「Unicode テキスト」.
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(TOILETS.encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(decode(&utf16).unwrap(), TOILETS);
    }

    #[test]
    fn toilets_are_recognised_and_bad_rows_reported_by_line() {
        let ParsedFile {
            dataset,
            rows,
            errors,
            ..
        } = parse(TOILETS.as_bytes(), "23233").unwrap();
        assert_eq!(dataset, Dataset::PublicToilets);
        assert_eq!(rows.len(), 1);
        let row = &rows[0];
        assert_eq!(row.key, "23233|public_toilets|T1");
        assert_eq!(row.fields.category, "welfare.toilet");
        assert_eq!(row.fields.accessible_toilet, Some(true));
        assert_eq!(
            row.fields.schedule[0].describe_ja(),
            "毎週 月曜〜金曜 09:00〜17:00"
        );
        let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [3, 4]);
        assert!(errors[0].reason_ja.contains("名称"));
        assert!(errors[1].reason.contains("緯度"));
    }

    #[test]
    fn line_numbers_are_file_lines_with_lf_and_crlf() {
        let lf = TOILETS.replace("\r\n", "\n");
        for text in [TOILETS.to_owned(), lf] {
            let errors = parse(text.as_bytes(), "23233").unwrap().errors;
            assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), [3, 4]);
        }
    }

    #[test]
    fn other_municipalities_rows_and_unknown_files_are_refused() {
        let ParsedFile { rows, errors, .. } = parse(TOILETS.as_bytes(), "23234").unwrap();
        assert!(rows.is_empty());
        assert_eq!(errors.len(), 3);
        assert!(matches!(
            parse("a,b\r\n1,2\r\n".as_bytes(), "23233"),
            Err(Error::Validation(_))
        ));
        assert!(matches!(
            parse(&[0x82, 0xff, 0xff, 0x00], "23233"),
            Err(Error::Validation(_))
        ));
    }

    /// Every standard layout in `tests/fixtures`, as published (v1 and v2; Shift_JIS or
    /// UTF-8): the dataset, the columns that decided it, the rows; and the same file in
    /// the other encoding reads the same.
    #[test]
    fn every_fixture_layout_reads_in_either_encoding() {
        macro_rules! fixture {
            ($name:literal) => {
                (
                    $name,
                    &include_bytes!(concat!("../../../../tests/fixtures/", $name))[..],
                )
            };
        }
        let files = [
            (
                fixture!("care_service_standard_23233.csv"),
                Dataset::CareServices,
                3,
            ),
            (
                fixture!("care_service_v2_23233.sjis.csv"),
                Dataset::CareServices,
                2,
            ),
            (
                fixture!("hospital_standard_23233.csv"),
                Dataset::MedicalInstitutions,
                2,
            ),
            (
                fixture!("hospital_v2_23233.sjis.csv"),
                Dataset::MedicalInstitutions,
                3,
            ),
            (fixture!("aed_minor_fields_23233.csv"), Dataset::Aed, 3),
            (fixture!("aed_v2_23233.csv"), Dataset::Aed, 2),
            (
                fixture!("public_facility_v1_23233.sjis.csv"),
                Dataset::PublicFacilities,
                1,
            ),
            (
                fixture!("public_facility_v2_23233.csv"),
                Dataset::PublicFacilities,
                1,
            ),
            (
                fixture!("public_toilets_23233.sjis.csv"),
                Dataset::PublicToilets,
                3,
            ),
            (
                fixture!("public_toilet_v2_23233.csv"),
                Dataset::PublicToilets,
                2,
            ),
            (
                fixture!("evacuation_space_v1_23233.sjis.csv"),
                Dataset::EvacuationSites,
                2,
            ),
            (
                fixture!("evacuation_space_v2_23233.csv"),
                Dataset::EvacuationSites,
                2,
            ),
            (
                fixture!("childcare_v1_23233.sjis.csv"),
                Dataset::ChildcareFacilities,
                1,
            ),
            (
                fixture!("childcare_v2_23233.csv"),
                Dataset::ChildcareFacilities,
                1,
            ),
        ];
        for ((name, bytes), dataset, good) in files {
            let file = parse(bytes, "23233").unwrap_or_else(|e| panic!("{name}: {e:?}"));
            assert_eq!(file.dataset, dataset, "{name}");
            assert!(
                file.detected_by.len() >= 2,
                "{name}: {:?}",
                file.detected_by
            );
            assert_eq!(file.rows.len(), good, "{name}: {:?}", file.errors);
            let text = decode(bytes).unwrap();
            let other = if name.contains(".sjis.") {
                text.into_bytes()
            } else {
                encoding_rs::SHIFT_JIS.encode(&text).0.into_owned()
            };
            let again = parse(&other, "23233").unwrap();
            let hashes = |f: &ParsedFile| f.rows.iter().map(|r| r.hash.clone()).collect::<Vec<_>>();
            assert_eq!(
                hashes(&again),
                hashes(&file),
                "{name} in the other encoding"
            );
        }
    }

    #[test]
    fn what_each_v2_layout_keeps() {
        let read = |bytes: &[u8]| parse(bytes, "23233").unwrap().rows;
        let by_name = |rows: &[ParsedRow], name: &str| {
            rows.iter()
                .find(|r| r.fields.name == name)
                .map(|r| r.fields.clone())
                .unwrap_or_else(|| panic!("{name} not read"))
        };
        let hospitals = read(include_bytes!(
            "../../../../tests/fixtures/hospital_v2_23233.sjis.csv"
        ));
        let clinic = by_name(&hospitals, "標準v2内科小児科クリニック");
        assert_eq!(clinic.category, "medical.clinic");
        assert_eq!(clinic.departments, ["内科", "小児科"]);
        assert!(
            clinic
                .description
                .as_deref()
                .unwrap()
                .contains("時間外の対応: 電話で相談に応じます")
        );
        assert!(
            clinic
                .schedule_note
                .as_deref()
                .unwrap()
                .contains("土曜は午前のみ")
        );
        let hospital = by_name(&hospitals, "標準v2総合病院");
        // A hospital with a 歯科口腔外科 is a hospital.
        assert_eq!(hospital.category, "medical.hospital");
        assert!(
            hospital
                .description
                .as_deref()
                .unwrap()
                .contains("病床数: 199床")
        );
        assert!(
            hospital
                .description
                .as_deref()
                .unwrap()
                .contains("災害拠点: 地域災害拠点病院")
        );
        assert_eq!(
            by_name(&hospitals, "標準v2こども歯科").category,
            "medical.dental"
        );

        let care = read(include_bytes!(
            "../../../../tests/fixtures/care_service_v2_23233.sjis.csv"
        ));
        let day = by_name(&care, "標準v2デイサービスセンター");
        assert_eq!(
            (day.category.as_str(), day.capacity),
            ("care.day_service", Some(40))
        );

        let aeds = read(include_bytes!(
            "../../../../tests/fixtures/aed_v2_23233.csv"
        ));
        let gym = by_name(&aeds, "標準v2市民体育館");
        assert!(gym.description.as_deref().unwrap().contains("小児対応"));
        assert_eq!(gym.schedule[0].describe_ja(), "毎日 09:00〜21:00");
        let nursery = by_name(&aeds, "標準v2あおぞら保育園");
        assert!(
            nursery
                .description
                .as_deref()
                .unwrap()
                .contains("施設の外の方は使えません")
        );
        assert!(!gym.description.as_deref().unwrap().contains("施設の外の方"));

        let library = by_name(
            &read(include_bytes!(
                "../../../../tests/fixtures/public_facility_v2_23233.csv"
            )),
            "標準v2市立図書館",
        );
        assert_eq!(
            (library.wheelchair, library.accessible_toilet),
            (Some(true), Some(true))
        );
        let about = library.description.unwrap();
        assert!(about.contains("通称: まちの本棚"), "{about}");
        assert!(
            about.contains("スロープ・エレベーター・エスカレーターあり・筆談できます・授乳室あり"),
            "{about}"
        );
        assert!(!about.contains("字幕"), "{about}");

        let toilets = read(include_bytes!(
            "../../../../tests/fixtures/public_toilet_v2_23233.csv"
        ));
        let station = by_name(&toilets, "標準v2駅前公衆トイレ");
        assert_eq!(station.accessible_toilet, Some(true));
        assert!(
            station
                .description
                .as_deref()
                .unwrap()
                .contains("オストメイト対応トイレあり")
        );
        assert_eq!(
            by_name(&toilets, "標準v2河川敷トイレ").accessible_toilet,
            Some(false)
        );

        let kids = by_name(
            &read(include_bytes!(
                "../../../../tests/fixtures/childcare_v2_23233.csv"
            )),
            "標準v2こども園",
        );
        assert_eq!(kids.category, "welfare.childcare");
        assert_eq!(
            (kids.capacity, kids.target.as_deref()),
            (Some(120), Some("0歳～5歳"))
        );
        assert!(
            kids.description
                .as_deref()
                .unwrap()
                .contains("病児保育あり・授乳室あり")
        );

        let sites = read(include_bytes!(
            "../../../../tests/fixtures/evacuation_space_v1_23233.sjis.csv"
        ));
        let school = by_name(&sites, "標準v1北小学校");
        assert_eq!(school.hazards.label_ja(), "洪水・地震・内水氾濫");
        assert_eq!((school.shelter, school.capacity), (Some(true), Some(650)));
        assert!(
            by_name(&sites, "標準v1高台公園")
                .description
                .unwrap()
                .contains("標高: 12.5m")
        );
    }

    #[test]
    fn other_standard_datasets_are_refused_by_name() {
        for (bytes, name) in [
            (
                &include_bytes!("../../../../tests/fixtures/cultural_property_v1_23233.csv")[..],
                "文化財一覧",
            ),
            (
                &include_bytes!("../../../../tests/fixtures/tourism_v1_23233.csv")[..],
                "観光施設一覧",
            ),
        ] {
            let Err(Error::Validation(errors)) = parse(bytes, "23233") else {
                panic!("{name} was read");
            };
            assert!(
                errors[0]
                    .detail_ja
                    .starts_with(&format!("{name}のファイルです")),
                "{errors:?}"
            );
        }
    }
}
