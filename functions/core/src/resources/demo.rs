//! A believable demo region: a few hundred fictional resources spread over the three demo
//! municipalities, with plausible coordinates near each town's centre and schedules. The
//! same seed gives the same rows, and loading twice changes nothing (keyed by source_key).

use super::hazard::Hazards;
use super::schedule::Rule;
use super::{Provenance, ResourceFields, Status, insert_statement};
use crate::ports::Statement;

/// A kind of resource: category, its Japanese label, (name, kana) patterns, how many per town.
struct Kind(
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    usize,
);

const KINDS: &[Kind] = &[
    Kind(
        "gathering.salon",
        "サロン",
        &[
            ("ふれあいサロン", "フレアイサロン"),
            ("いきいきサロン", "イキイキサロン"),
            ("ひだまりサロン", "ヒダマリサロン"),
            ("なかよしサロン", "ナカヨシサロン"),
        ],
        14,
    ),
    Kind(
        "gathering.exercise",
        "体操教室",
        &[
            ("いきいき体操教室", "イキイキタイソウキョウシツ"),
            ("はつらつ体操教室", "ハツラツタイソウキョウシツ"),
            ("健康体操クラブ", "ケンコウタイソウクラブ"),
        ],
        12,
    ),
    Kind(
        "gathering.cafe",
        "認知症カフェ",
        &[
            ("オレンジカフェ", "オレンジカフェ"),
            ("ほっとカフェ", "ホットカフェ"),
        ],
        4,
    ),
    Kind(
        "medical.clinic",
        "診療所",
        &[
            ("内科クリニック", "ナイカクリニック"),
            ("ファミリークリニック", "ファミリークリニック"),
            ("整形外科", "セイケイゲカ"),
        ],
        10,
    ),
    Kind(
        "medical.dental",
        "歯科",
        &[
            ("歯科医院", "シカイイン"),
            ("デンタルクリニック", "デンタルクリニック"),
        ],
        6,
    ),
    Kind(
        "medical.pharmacy",
        "薬局",
        &[
            ("調剤薬局", "チョウザイヤッキョク"),
            ("さくら薬局", "サクラヤッキョク"),
        ],
        6,
    ),
    Kind(
        "care.home_care",
        "訪問介護・訪問看護",
        &[
            ("訪問看護ステーション", "ホウモンカンゴステーション"),
            ("ヘルパーステーション", "ヘルパーステーション"),
        ],
        6,
    ),
    Kind(
        "care.day_service",
        "通所介護（デイサービス）",
        &[
            ("デイサービスセンター", "デイサービスセンター"),
            ("デイサービスひまわり", "デイサービスヒマワリ"),
        ],
        6,
    ),
    Kind(
        "care.management",
        "居宅介護支援（ケアマネジャー）",
        &[("居宅介護支援事業所", "キョタクカイゴシエンジギョウショ")],
        4,
    ),
    Kind(
        "care.support_centre",
        "地域包括支援センター",
        &[("地域包括支援センター", "チイキホウカツシエンセンター")],
        2,
    ),
    Kind(
        "welfare.toilet",
        "多機能トイレ",
        &[
            ("公園多機能トイレ", "コウエンタキノウトイレ"),
            ("駅前多機能トイレ", "エキマエタキノウトイレ"),
        ],
        8,
    ),
    Kind(
        "welfare.dementia_supporter",
        "オレンジサポーター",
        &[("オレンジサポーターの店", "オレンジサポーターノミセ")],
        4,
    ),
    Kind(
        "shopping.mobile_supermarket",
        "移動スーパー",
        &[("移動スーパーとくし丸", "イドウスーパートクシマル")],
        4,
    ),
    Kind(
        "disaster.evacuation_site",
        "指定緊急避難場所",
        &[
            ("小学校", "ショウガッコウ"),
            ("公民館", "コウミンカン"),
            ("中学校", "チュウガッコウ"),
        ],
        6,
    ),
    Kind(
        "disaster.shelter",
        "指定避難所",
        &[("総合体育館", "ソウゴウタイイクカン")],
        2,
    ),
    Kind(
        "welfare.aed",
        "AED",
        &[
            (
                "コミュニティセンターAED",
                "コミュニティセンターエーイーディー",
            ),
            ("図書館AED", "トショカンエーイーディー"),
        ],
        3,
    ),
];

/// The hazards a demo evacuation site is designated for, and whether it is also a shelter:
/// schools (several floors, on raised ground) for floods too, halls not.
fn designation(category: &str, name: &str) -> (Hazards, Option<bool>) {
    use super::hazard::Hazard::*;
    match category {
        "disaster.evacuation_site" if name.ends_with("学校") => (
            [Flood, Earthquake, LargeFire, InlandFlood]
                .into_iter()
                .collect(),
            Some(true),
        ),
        "disaster.evacuation_site" => ([Earthquake, LargeFire].into_iter().collect(), Some(false)),
        "disaster.shelter" => (Hazards::default(), Some(true)),
        _ => (Hazards::default(), None),
    }
}

/// A demo town: code, name prefix, address prefix, centre, and (district, its kana).
struct Town {
    code: &'static str,
    prefix: &'static str,
    address: &'static str,
    centre: (f64, f64),
    districts: [(&'static str, &'static str); 4],
}

const TOWNS: [Town; 3] = [
    Town {
        code: "23233",
        prefix: "清須市立",
        address: "愛知県清須市",
        centre: (35.2040, 136.8470),
        districts: [
            ("清洲", "キヨス"),
            ("西枇杷島", "ニシビワジマ"),
            ("新川", "シンカワ"),
            ("春日", "ハルヒ"),
        ],
    },
    Town {
        code: "23234",
        prefix: "北名古屋市立",
        address: "愛知県北名古屋市",
        centre: (35.2456, 136.8658),
        districts: [
            ("西之保", "ニシノホ"),
            ("熊之庄", "クマノショウ"),
            ("久地野", "クジノ"),
            ("鹿田", "シカタ"),
        ],
    },
    Town {
        code: "23342",
        prefix: "豊山町立",
        address: "愛知県西春日井郡豊山町",
        centre: (35.2506, 136.9110),
        districts: [
            ("豊場", "トヨバ"),
            ("青山", "アオヤマ"),
            ("神明", "シンメイ"),
            ("伊勢山", "イセヤマ"),
        ],
    },
];

/// A small deterministic generator (xorshift64*): the demo must not depend on randomness.
struct Seq(u64);

impl Seq {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn schedule(category: &str, seq: &mut Seq) -> Vec<Rule> {
    let days = ["mon", "tue", "wed", "thu", "fri", "sat"];
    let day = days[(seq.next() % 5) as usize].to_owned();
    match category {
        "gathering.salon" | "gathering.cafe" => vec![Rule::Monthly {
            week: (seq.next() % 4 + 1) as i8,
            day,
            start: "10:00".into(),
            end: "11:30".into(),
        }],
        "gathering.exercise" => vec![Rule::Weekly {
            days: vec![day],
            start: "09:30".into(),
            end: "10:30".into(),
        }],
        "medical.clinic"
        | "medical.dental"
        | "medical.pharmacy"
        | "care.day_service"
        | "care.management"
        | "care.support_centre" => {
            vec![Rule::Weekly {
                days: days[..5].iter().map(|d| (*d).to_owned()).collect(),
                start: "09:00".into(),
                end: "17:30".into(),
            }]
        }
        "shopping.mobile_supermarket" => vec![Rule::Weekly {
            days: vec![day, "sat".into()],
            start: "13:00".into(),
            end: "13:30".into(),
        }],
        "welfare.toilet" => vec![Rule::Weekly {
            days: days
                .iter()
                .map(|d| (*d).to_owned())
                .chain(["sun".to_owned()])
                .collect(),
            start: "06:00".into(),
            end: "22:00".into(),
        }],
        _ => Vec::new(),
    }
}

/// The demo resources' INSERT statements, skipping any already loaded.
pub fn statements() -> Vec<Statement> {
    let mut out = Vec::new();
    let mut seq = Seq(0x5241_494e_424f_5721);
    for town in &TOWNS {
        let (code, (lat0, lng0)) = (town.code, town.centre);
        let mut n = 0;
        for Kind(category, label, names, count) in KINDS {
            for i in 0..*count {
                n += 1;
                let (district, district_kana) = town.districts[i % town.districts.len()];
                // District first, then the next name: distinct within a town while there
                // are districts × names of them.
                let (name, kana) = names[(i / town.districts.len()) % names.len()];
                let (hazards, shelter) = designation(category, name);
                let public =
                    category.starts_with("disaster") || category.starts_with("care.support");
                let name = if public {
                    format!("{}{district}{name}", town.prefix)
                } else {
                    format!("{district}{name}")
                };
                let kana = format!("{district_kana}{kana}");
                // Up to ~2 km from the centre, uniformly over the disc.
                let (r, t) = (
                    2000.0 * seq.unit().sqrt(),
                    std::f64::consts::TAU * seq.unit(),
                );
                let lat = lat0 + (r * t.cos()) / 111_320.0;
                let lng = lng0 + (r * t.sin()) / (111_320.0 * lat0.to_radians().cos());
                let phone = format!(
                    "052-{:03}-{:04}",
                    400 + seq.next() % 500,
                    seq.next() % 10_000
                );
                let fields = ResourceFields {
                    municipality_code: code.to_owned(),
                    category: (*category).to_owned(),
                    name: name.clone(),
                    name_kana: Some(kana),
                    description: Some(format!(
                        "{district}地区の{label}です。どなたでもお気軽にお越しください。"
                    )),
                    address: Some(format!(
                        "{}{district}{}丁目{}番地",
                        town.address,
                        i % 5 + 1,
                        seq.next() % 30 + 1
                    )),
                    lat: Some((lat * 1e6).round() / 1e6),
                    lng: Some((lng * 1e6).round() / 1e6),
                    phone: Some(phone),
                    website: None,
                    fee: category
                        .starts_with("gathering")
                        .then(|| "無料（お茶代100円）".to_owned()),
                    target: category
                        .starts_with("gathering")
                        .then(|| "おおむね65歳以上の方".to_owned()),
                    capacity: category
                        .starts_with("gathering")
                        .then_some(20 + (seq.next() % 20) as u32),
                    wheelchair: Some(!seq.next().is_multiple_of(3)),
                    accessible_toilet: Some(
                        *category == "welfare.toilet" || seq.next().is_multiple_of(2),
                    ),
                    parking: Some(seq.next().is_multiple_of(2)),
                    hazards,
                    shelter,
                    departments: Vec::new(),
                    schedule: schedule(category, &mut seq),
                    schedule_note: None,
                    status: Status::Published,
                    verified_on: Some("2026-10-01".into()),
                };
                let key = format!("demo|{code}|{n}");
                let id = ulid::Ulid::from_parts(
                    1_790_000_000_000,
                    u128::from(seq.next()) << 16 | n as u128,
                )
                .to_string();
                let from = Provenance {
                    source: "demo",
                    key: Some(&key),
                    hash: None,
                };
                let mut statement =
                    insert_statement(&id, &fields, &from, "2026-10-01T00:00:00.000Z");
                statement
                    .sql
                    .push_str(" ON CONFLICT (source_key) DO NOTHING");
                out.push(statement);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_few_hundred_valid_resources_inside_each_town() {
        let statements = super::statements();
        assert!(
            (250..=400).contains(&statements.len()),
            "{}",
            statements.len()
        );
        assert_eq!(statements, super::statements(), "deterministic");
    }

    #[test]
    fn names_are_distinct_within_each_town() {
        for town in &super::TOWNS {
            let mut seen = std::collections::HashSet::new();
            for super::Kind(_, _, names, count) in super::KINDS {
                assert!(*count <= town.districts.len() * names.len());
                for i in 0..*count {
                    let name = names[(i / town.districts.len()) % names.len()].0;
                    let district = town.districts[i % town.districts.len()].0;
                    assert!(seen.insert(format!("{district}{name}")), "{district}{name}");
                }
            }
        }
    }
}
