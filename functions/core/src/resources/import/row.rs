//! One row of a standard dataset read into a resource: the cells by the layout's column
//! names, the category the row belongs in, hours, hazards, phones and URLs, and the minor
//! fields left out (with why) rather than refusing the row.

use super::parsed::{ParsedRow, content_hash};
use crate::csv_table::{RowError, Table};
use crate::resources::hazard::{Hazard, Hazards};
use crate::resources::layouts::{Dataset, Field, Layout};
use crate::resources::schedule::{Rule, parse_days_ja, parse_time_ja};
use crate::resources::{ResourceFields, Status};
use crate::vocabulary::Word;

pub(in crate::resources) struct Cells<'a> {
    pub(in crate::resources) layout: &'static Layout,
    pub(in crate::resources) table: &'a Table,
    pub(in crate::resources) record: &'a csv::StringRecord,
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
pub(in crate::resources) fn yes(v: &str) -> bool {
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
pub(in crate::resources) fn departments_of(text: &str) -> Vec<String> {
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

pub(in crate::resources) fn category(dataset: Dataset, cells: &Cells<'_>) -> &'static str {
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
pub(in crate::resources) type Parsed = (String, ResourceFields, Vec<(String, String)>);

/// A row read, or why it is refused.
pub(in crate::resources) type Read = Result<Parsed, (String, String)>;

/// Keeps a read row, or reports it by `line`: refused, or a second row with a key already
/// kept. `place` names a line in the file's words: ("line", "行目") or ("service", "件目").
pub(in crate::resources) fn keep(
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

pub(in crate::resources) fn parse_row(
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
        None if !cells.has(Field::Days) => crate::resources::schedule::WEEKDAYS
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
pub(in crate::resources) fn facts(cells: &Cells<'_>) -> Option<String> {
    let mut said: Vec<&str> = Vec::new();
    for (column, phrase) in cells.layout.facts {
        if cells.cell(column).is_some_and(|v| yes(&v)) && !said.contains(phrase) {
            said.push(phrase);
        }
    }
    (!said.is_empty()).then(|| said.join("・"))
}

/// The first whole number in a cell: 定員 「40/12」 (two services' places) gives 40.
pub(in crate::resources) fn first_number(text: &str) -> Option<u32> {
    let folded = crate::text::fold(text);
    let digits: String = folded
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// The hazards an evacuation site is designated for, from the `災害種別_…` columns.
pub(in crate::resources) fn hazards_of(cells: &Cells<'_>) -> Hazards {
    Hazard::ALL
        .iter()
        .copied()
        .filter(|h| cells.cell(h.column()).is_some_and(|v| yes(&v)))
        .collect()
}

/// The phone number in a cell as towns write it: 「052-400-0001（代表）」 gives the number,
/// 「なし」 or 「-」 gives none.
pub(in crate::resources) fn phone_of(text: &str) -> Option<String> {
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
pub(in crate::resources) fn url_of(text: &str) -> Option<String> {
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
pub(in crate::resources) fn drop_minor(fields: &mut ResourceFields, field: &str) -> bool {
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
