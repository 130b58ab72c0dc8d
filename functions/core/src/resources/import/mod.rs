//! Import of the Digital Agency's standard municipal open-data CSVs (自治体標準オープン
//! データセット): 介護サービス事業所一覧, 医療機関一覧, 公衆トイレ一覧, AED設置箇所一覧,
//! 指定緊急避難場所一覧, 公共施設一覧. The dataset is recognised from its header row; files
//! come as UTF-8 (with or without BOM) or Shift_JIS/CP932, with CRLF. Good rows go in, bad
//! rows are reported by line, and importing the same file again changes nothing.
//!
//! This module reads a file and stores it; what one row of each dataset means is `row`.

use serde::Serialize;

use super::layouts::{self, Detected, NotDetected};
use super::{Provenance, category_labels, insert_statement, update_statement};
use crate::csv_table::{self, RowError, file_error};
use crate::env::Env;
use crate::error::Error;
use crate::ports::{Database, Statement, Value};

pub use super::layouts::Dataset;

mod hsds;
mod parsed;
mod row;

pub use parsed::ParsedRow;
use row::*;

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
    let ParsedFile {
        dataset,
        detected_by,
        rows,
        errors,
    } = if hsds::is_json(bytes) {
        let labels = category_labels(env).await?;
        let codes: Vec<String> = labels.into_iter().map(|(code, _)| code).collect();
        let (rows, errors) = hsds::parse(bytes, municipality, &codes)?;
        ParsedFile {
            dataset: Dataset::Hsds,
            detected_by: Vec::new(),
            rows,
            errors,
        }
    } else {
        parse(bytes, municipality)?
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
                    statements.push(insert_statement(&env.new_id(), &row.fields, &from, &now));
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
                    &include_bytes!(concat!("../../../../../tests/fixtures/", $name))[..],
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
            "../../../../../tests/fixtures/hospital_v2_23233.sjis.csv"
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
            "../../../../../tests/fixtures/care_service_v2_23233.sjis.csv"
        ));
        let day = by_name(&care, "標準v2デイサービスセンター");
        assert_eq!(
            (day.category.as_str(), day.capacity),
            ("care.day_service", Some(40))
        );

        let aeds = read(include_bytes!(
            "../../../../../tests/fixtures/aed_v2_23233.csv"
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
                "../../../../../tests/fixtures/public_facility_v2_23233.csv"
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
            "../../../../../tests/fixtures/public_toilet_v2_23233.csv"
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
                "../../../../../tests/fixtures/childcare_v2_23233.csv"
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
            "../../../../../tests/fixtures/evacuation_space_v1_23233.sjis.csv"
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
                &include_bytes!("../../../../../tests/fixtures/cultural_property_v1_23233.csv")[..],
                "文化財一覧",
            ),
            (
                &include_bytes!("../../../../../tests/fixtures/tourism_v1_23233.csv")[..],
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
