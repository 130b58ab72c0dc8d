//! The standard open-data datasets (自治体標準オープンデータセット) as towns publish them: for
//! each, the columns that identify it and the header names each field goes by — the v1
//! template's, the v2 正式版's and what towns write instead. Detection scores every layout by
//! the identifying columns a header row has, so one dataset is never taken for another, and
//! says which columns decided it.
//!
//! Why this file is long: most of it is data, the header names of seven datasets as towns
//! publish them (`LAYOUTS`); a new variant goes beside its siblings, where detection can be
//! read against it.

use serde::Serialize;

use crate::csv_table::Table;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dataset {
    CareServices,
    MedicalInstitutions,
    PublicToilets,
    Aed,
    EvacuationSites,
    PublicFacilities,
    ChildcareFacilities,
    /// Open Referral HSDS 3.0 services (JSON), read by `import::hsds`.
    Hsds,
}

impl Dataset {
    pub fn name(self) -> &'static str {
        match self {
            Dataset::CareServices => "care_services",
            Dataset::MedicalInstitutions => "medical_institutions",
            Dataset::PublicToilets => "public_toilets",
            Dataset::Aed => "aed",
            Dataset::EvacuationSites => "evacuation_sites",
            Dataset::PublicFacilities => "public_facilities",
            Dataset::ChildcareFacilities => "childcare_facilities",
            Dataset::Hsds => "hsds",
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Dataset::CareServices => "介護サービス事業所一覧",
            Dataset::MedicalInstitutions => "医療機関一覧",
            Dataset::PublicToilets => "公衆トイレ一覧",
            Dataset::Aed => "AED設置箇所一覧",
            Dataset::EvacuationSites => "指定緊急避難場所一覧",
            Dataset::PublicFacilities => "公共施設一覧",
            Dataset::ChildcareFacilities => "子育て施設一覧",
            Dataset::Hsds => "HSDS 3.0 のサービス",
        }
    }
}

/// What a column holds, whatever the file calls it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Code,
    Id,
    Name,
    Kana,
    /// 名称_通称: the name people use, kept as a searchable word.
    CommonName,
    Address,
    AddressExtra,
    Lat,
    Lng,
    Phone,
    Url,
    Days,
    Start,
    End,
    /// Both ends of the hours in one cell ("9:00-16:30").
    Hours,
    HoursNote,
    /// The kind of service or practice (実施サービス, 医療機関の種類, 種別).
    Kind,
    /// 診療科目.
    Departments,
    Beds,
    AfterHours,
    Description,
    /// Where in the building (設置位置).
    Place,
    BarrierFree,
    Capacity,
    Areas,
    AccessibleToilet,
    WheelchairToilet,
    /// 車椅子可 (v2 公共施設一覧).
    Wheelchair,
    /// 災害拠点分類 of a hospital (v2 医療機関一覧).
    DisasterRole,
    TargetAge,
    Elevation,
    Parking,
    Shelter,
    Remarks,
}

/// Header names of the fields every dataset shares, in the order they are tried.
const COMMON: &[(Field, &[&str])] = &[
    (
        Field::Code,
        &[
            "全国地方公共団体コード",
            "都道府県コード又は市区町村コード",
            "市区町村コード",
        ],
    ),
    // The order decides import keys (`parse_row`), so it must not change.
    (
        Field::Id,
        &["ID", "NO", "No", "事業所番号", "医療機関コード"],
    ),
    (Field::Name, &["名称"]),
    (Field::Kana, &["名称_カナ", "名称カナ", "ふりがな"]),
    (Field::Address, &["住所", "所在地_連結表記", "所在地"]),
    (Field::AddressExtra, &["方書", "建物名等(方書)", "建物名"]),
    (Field::Lat, &["緯度"]),
    (Field::Lng, &["経度"]),
    (Field::Phone, &["電話番号"]),
    (Field::Url, &["URL", "ホームページ"]),
    (Field::Days, &["利用可能曜日"]),
    (Field::Start, &["開始時間", "利用開始時間"]),
    (Field::End, &["終了時間", "利用終了時間"]),
    (Field::Hours, &["利用可能時間帯"]),
    (
        Field::HoursNote,
        &[
            "利用可能曜日特記事項",
            "利用可能時間特記事項",
            "利用可能日時特記事項",
        ],
    ),
    (Field::Capacity, &["定員", "収容人数"]),
    (Field::Parking, &["駐車場有無", "駐車場"]),
    (Field::Remarks, &["備考"]),
];

/// One dataset's layout.
#[derive(Debug, PartialEq)]
pub struct Layout {
    pub dataset: Dataset,
    /// Columns only this dataset has (in any version); detection counts them.
    marks: &'static [&'static str],
    /// This dataset's own header names, tried before [`COMMON`]'s.
    columns: &'static [(Field, &'static [&'static str])],
    /// Yes/no columns residents search for, and the words the description says when yes.
    pub facts: &'static [(&'static str, &'static str)],
}

impl Layout {
    /// The header names of `field`, this dataset's first.
    pub fn names(&self, field: Field) -> impl Iterator<Item = &'static str> + '_ {
        [self.columns, COMMON]
            .into_iter()
            .flat_map(move |table| table.iter().filter(move |(f, _)| *f == field))
            .flat_map(|(_, names)| names.iter().copied())
    }
}

pub const LAYOUTS: &[Layout] = &[
    Layout {
        dataset: Dataset::CareServices,
        marks: &[
            "介護サービス事業所名称",
            "介護サービス事業所名称_カナ",
            "実施サービス",
            "介護サービスの種類",
            "事業所番号",
        ],
        columns: &[
            (Field::Name, &["介護サービス事業所名称", "事業所名"]),
            (Field::Kana, &["介護サービス事業所名称_カナ"]),
            (Field::Kind, &["実施サービス", "介護サービスの種類"]),
        ],
        facts: &[],
    },
    Layout {
        dataset: Dataset::MedicalInstitutions,
        marks: &[
            "医療機関の種類",
            "診療科目",
            "医療機関コード",
            "診療曜日",
            "診療開始時間",
            "時間外における対応",
            "病床数",
            "災害拠点分類",
        ],
        columns: &[
            (Field::Kind, &["医療機関の種類"]),
            (Field::Departments, &["診療科目"]),
            (Field::Days, &["診療曜日"]),
            (Field::Start, &["診療開始時間"]),
            (Field::End, &["診療終了時間"]),
            (Field::Hours, &["診療時間"]),
            (Field::HoursNote, &["診療日時特記事項"]),
            (Field::AfterHours, &["時間外における対応"]),
            (Field::Beds, &["病床数"]),
            (Field::DisasterRole, &["災害拠点分類"]),
        ],
        facts: &[],
    },
    Layout {
        dataset: Dataset::PublicToilets,
        marks: &[
            "多機能トイレ数",
            "バリアフリートイレ数",
            "男性トイレ総数",
            "女性トイレ総数",
            "男女共用トイレ総数",
            "車椅子使用者用トイレ有無",
            "乳幼児用設備設置トイレ有無",
            "オストメイト設置トイレ有無",
        ],
        columns: &[
            (
                Field::AccessibleToilet,
                &["多機能トイレ数", "バリアフリートイレ数"],
            ),
            (Field::WheelchairToilet, &["車椅子使用者用トイレ有無"]),
            (Field::Place, &["設置位置"]),
        ],
        facts: &[
            ("オストメイト設置トイレ有無", "オストメイト対応トイレあり"),
            (
                "乳幼児用設備設置トイレ有無",
                "乳幼児用設備（おむつ替えなど）あり",
            ),
        ],
    },
    Layout {
        dataset: Dataset::Aed,
        marks: &[
            "AED設置場所",
            "設置施設名",
            "パッド有効期限",
            "小児対応設備の有無",
            "小児対応機器設備の有無",
            "外部利用不可",
            "設置位置",
        ],
        columns: &[
            (Field::Name, &["設置施設名"]),
            (Field::Place, &["設置位置", "AED設置場所"]),
        ],
        facts: &[
            ("小児対応設備の有無", "小児対応（小児用パッドなど）あり"),
            ("小児対応機器設備の有無", "小児対応（小児用パッドなど）あり"),
            // v2: the AED is for the building's own people.
            (
                "外部利用不可",
                "施設の外の方は使えません（施設の利用者のためのAEDです）",
            ),
        ],
    },
    Layout {
        dataset: Dataset::EvacuationSites,
        marks: &[
            "災害種別_洪水",
            "災害種別_崖崩れ、土石流及び地滑り",
            "災害種別_高潮",
            "災害種別_地震",
            "災害種別_津波",
            "災害種別_大規模な火事",
            "災害種別_内水氾濫",
            "災害種別_火山現象",
            "指定避難所との重複",
            "想定収容人数",
            "対象となる町会・自治会",
        ],
        columns: &[
            (Field::Capacity, &["想定収容人数"]),
            (Field::Areas, &["対象となる町会・自治会"]),
            (Field::Shelter, &["指定避難所との重複"]),
            (Field::Elevation, &["標高"]),
        ],
        facts: &[],
    },
    Layout {
        dataset: Dataset::PublicFacilities,
        marks: &[
            "名称_通称",
            "POIコード",
            "バリアフリー情報",
            "開館曜日",
            "車椅子可",
            "ツエ貸出",
            "点字ブロック等の移動支援",
            "字幕",
            "筆談対応",
        ],
        columns: &[
            (Field::CommonName, &["名称_通称"]),
            (Field::Days, &["開館曜日"]),
            (Field::Start, &["開館時間"]),
            (Field::End, &["閉館時間"]),
            (Field::Description, &["説明"]),
            // v1: one free-text column; v2 has one yes/no column per fact instead.
            (Field::BarrierFree, &["バリアフリー情報"]),
            (Field::Wheelchair, &["車椅子可"]),
            (Field::AccessibleToilet, &["バリアフリートイレ"]),
        ],
        facts: &[
            ("車椅子貸出", "車椅子の貸出あり"),
            ("ツエ貸出", "つえの貸出あり"),
            (
                "スロープ、エレベータ、エスカレータ",
                "スロープ・エレベーター・エスカレーターあり",
            ),
            ("点字ブロック等の移動支援", "点字ブロックなどの移動支援あり"),
            ("点字や読上による支援", "点字や読み上げによる支援あり"),
            (
                "盲導犬・介助犬、聴導犬同伴",
                "盲導犬・介助犬・聴導犬と入れます",
            ),
            ("字幕", "字幕あり"),
            ("筆談対応", "筆談できます"),
            ("優先駐車場", "優先駐車場あり"),
            ("オストメイト対応トイレ", "オストメイト対応トイレあり"),
            ("授乳室", "授乳室あり"),
            ("おむつ替えコーナー", "おむつ替えコーナーあり"),
            ("ベビーカー貸出", "ベビーカーの貸出あり"),
            ("ベビーカー利用", "ベビーカーで入れます"),
        ],
    },
    Layout {
        dataset: Dataset::ChildcareFacilities,
        marks: &[
            "受入年齢",
            "収容定員",
            "認可等年月日",
            "一時預かりの有無",
            "病児保育の有無",
            "子供預かり料金種別",
        ],
        columns: &[
            (Field::Kind, &["種別"]),
            (Field::TargetAge, &["受入年齢"]),
            (Field::Capacity, &["収容定員"]),
        ],
        facts: &[
            ("一時預かりの有無", "一時預かりあり"),
            ("病児保育の有無", "病児保育あり"),
            ("授乳室", "授乳室あり"),
            ("おむつ替えコーナー", "おむつ替えコーナーあり"),
        ],
    },
];

/// Standard datasets that are not services or places of care: recognised, so that the
/// refusal can say what the file is instead of "unknown header".
const NOT_RESOURCES: &[(&str, &[&str])] = &[
    (
        "文化財一覧",
        &[
            "文化財分類",
            "文化財指定日",
            "所有者等",
            "員数（数）",
            "員数（単位）",
            "場所名称",
            "概要",
            "概要_英語",
        ],
    ),
    (
        "観光施設一覧",
        &[
            "料金（基本）",
            "料金（詳細）",
            "説明_英語",
            "アクセス方法",
            "駐車場情報",
            "連絡先名称",
            "連絡先電話番号",
            "連絡先内線番号",
        ],
    ),
];

/// The dataset a header row is, and the identifying columns that decided it.
#[derive(Debug, PartialEq)]
pub struct Detected {
    pub layout: &'static Layout,
    pub by: Vec<&'static str>,
}

/// Why a header row is not one of the datasets read.
#[derive(Debug, PartialEq)]
pub enum NotDetected {
    /// No dataset's identifying columns are there.
    Unknown,
    /// A standard dataset, but not one of places and services residents look for.
    NotResources {
        dataset: &'static str,
        by: Vec<&'static str>,
    },
    /// Two datasets score the same.
    Ambiguous(&'static str, &'static str),
}

fn marks_present(table: &Table, marks: &'static [&'static str]) -> Vec<&'static str> {
    marks
        .iter()
        .copied()
        .filter(|m| table.column(&[m]).is_some())
        .collect()
}

/// Scores every layout (and every standard dataset that is not a resource) by the identifying
/// columns the header has; the highest wins, a tie is refused.
pub fn detect(table: &Table) -> Result<Detected, NotDetected> {
    let mut scored: Vec<(
        usize,
        Option<&'static Layout>,
        &'static str,
        Vec<&'static str>,
    )> = LAYOUTS
        .iter()
        .map(|l| {
            let by = marks_present(table, l.marks);
            (by.len(), Some(l), l.dataset.label_ja(), by)
        })
        .chain(NOT_RESOURCES.iter().map(|(label, marks)| {
            let by = marks_present(table, marks);
            (by.len(), None, *label, by)
        }))
        .filter(|(score, ..)| *score > 0)
        .collect();
    scored.sort_by_key(|s| std::cmp::Reverse(s.0));
    let mut best = scored.into_iter();
    let Some((score, layout, label, by)) = best.next() else {
        return Err(NotDetected::Unknown);
    };
    if let Some((second, _, other, _)) = best.next()
        && second == score
    {
        return Err(NotDetected::Ambiguous(label, other));
    }
    match layout {
        Some(layout) => Ok(Detected { layout, by }),
        None => Err(NotDetected::NotResources { dataset: label, by }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(line: &str) -> Table {
        crate::csv_table::read(format!("{line}\r\n").as_bytes()).unwrap()
    }

    #[test]
    fn each_template_is_detected_as_itself() {
        let v1 = [
            (
                "都道府県コード又は市区町村コード,NO,都道府県名,市区町村名,介護サービス事業所名称,介護サービス事業所名称_カナ,実施サービス,住所,方書,緯度,経度,電話番号,内線番号,FAX番号,法人番号,法人の名称,事業所番号,利用可能曜日,利用可能曜日特記事項,定員,URL,備考",
                Dataset::CareServices,
            ),
            (
                "都道府県コード又は市区町村コード,NO,都道府県名,市区町村名,名称,名称_カナ,医療機関の種類,住所,方書,緯度,経度,電話番号,内線番号,FAX番号,法人番号,法人の名称,医療機関コード,診療曜日,診療開始時間,診療終了時間,診療日時特記事項,時間外における対応,診療科目,病床数,URL,備考",
                Dataset::MedicalInstitutions,
            ),
            (
                "都道府県コード又は市区町村コード,NO,都道府県名,市区町村名,名称,名称_カナ,住所,方書,緯度,経度,設置位置,電話番号,内線番号,法人番号,団体名,利用可能曜日,開始時間,終了時間,利用可能日時特記事項,小児対応設備の有無,URL,備考",
                Dataset::Aed,
            ),
            (
                "都道府県コード又は市区町村コード,NO,都道府県名,市区町村名,名称,名称_カナ,名称_通称,POIコード,住所,方書,緯度,経度,電話番号,内線番号,法人番号,団体名,利用可能曜日,開始時間,終了時間,利用可能時間特記事項,説明,バリアフリー情報,URL,備考",
                Dataset::PublicFacilities,
            ),
            (
                "都道府県コード又は市区町村コード,NO,都道府県名,市区町村名,名称,名称_カナ,名称_英語,住所,方書,設置位置,緯度,経度,男性トイレ総数,男性トイレ数（小便器）,男性トイレ数（和式）,男性トイレ数（洋式）,女性トイレ総数,女性トイレ数（和式）,女性トイレ数（洋式）,男女共用トイレ総数,男女共用トイレ数（和式）,男女共用トイレ数（洋式）,多機能トイレ数,車椅子使用者用トイレ有無,乳幼児用設備設置トイレ有無,オストメイト設置トイレ有無,利用開始時間,利用終了時間,利用可能時間特記事項,画像,画像_ライセンス,備考",
                Dataset::PublicToilets,
            ),
        ];
        for (line, dataset) in v1 {
            let found = detect(&header(line)).unwrap();
            assert_eq!(found.layout.dataset, dataset, "{line}");
            assert!(found.by.len() >= 2, "{dataset:?} by {:?}", found.by);
        }
    }

    #[test]
    fn other_standard_datasets_are_named_in_the_refusal() {
        let tourism = "都道府県コード又は市区町村コード,NO,都道府県名,市区町村名,名称,名称_カナ,名称_英語,POIコード,住所,方書,緯度,経度,利用可能曜日,開始時間,終了時間,利用可能日時特記事項,料金（基本）,料金（詳細）,説明,説明_英語,アクセス方法,駐車場情報,バリアフリー情報,連絡先名称,連絡先電話番号,連絡先内線番号,画像,画像_ライセンス,URL,備考";
        match detect(&header(tourism)) {
            Err(NotDetected::NotResources { dataset, by }) => {
                assert_eq!(dataset, "観光施設一覧");
                assert!(by.contains(&"アクセス方法"));
            }
            other => panic!("tourism file read as {other:?}"),
        }
        assert_eq!(detect(&header("a,b,c")), Err(NotDetected::Unknown));
    }

    #[test]
    fn names_try_the_dataset_own_first() {
        let care = &LAYOUTS[0];
        let names: Vec<_> = care.names(Field::Name).collect();
        assert_eq!(names, ["介護サービス事業所名称", "事業所名", "名称"]);
    }
}
