//! The domain's words that are a fixed list: each code once, with its labels in Japanese
//! and English. Validation reads the codes from here and `GET /api/v1/public/vocabulary`
//! serves the labels, so the server and the clients can not disagree on a word.

use serde::Serialize;

/// One word of a list: the code stored and sent, and how people read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Term {
    pub code: &'static str,
    pub ja: &'static str,
    pub en: &'static str,
}

const fn t(code: &'static str, ja: &'static str, en: &'static str) -> Term {
    Term { code, ja, en }
}

/// Whether `code` is one of `terms`.
pub fn contains(terms: &[Term], code: &str) -> bool {
    terms.iter().any(|t| t.code == code)
}

/// The codes of `terms`, for messages that list them.
pub fn codes(terms: &[Term]) -> Vec<&'static str> {
    terms.iter().map(|t| t.code).collect()
}

pub const PROFESSIONS: &[Term] = &[
    t("physician", "医師", "Physician"),
    t("nurse", "看護師", "Nurse"),
    t("pharmacist", "薬剤師", "Pharmacist"),
    t("dentist", "歯科医師", "Dentist"),
    t(
        "care_manager",
        "介護支援専門員（ケアマネジャー）",
        "Care manager",
    ),
    t("care_worker", "介護職員", "Care worker"),
    t("therapist", "リハビリ専門職", "Therapist"),
    t("social_worker", "社会福祉士・相談員", "Social worker"),
    t("municipal_staff", "市町職員", "Municipal staff"),
];

pub const ORGANIZATION_KINDS: &[Term] = &[
    t("clinic", "診療所", "Clinic"),
    t("hospital", "病院", "Hospital"),
    t(
        "visiting_nurse_station",
        "訪問看護ステーション",
        "Visiting nurse station",
    ),
    t("pharmacy", "薬局", "Pharmacy"),
    t("dental_clinic", "歯科診療所", "Dental clinic"),
    t(
        "care_management_office",
        "居宅介護支援事業所",
        "Care management office",
    ),
    t("care_service", "介護サービス事業所", "Care service"),
    t("municipality", "市町村", "Municipality"),
    t(
        "support_centre",
        "地域包括支援センター",
        "Community support centre",
    ),
];

pub const POST_CATEGORIES: &[Term] = &[
    t("contact", "連絡", "Contact"),
    t("report", "報告", "Report"),
    t("consultation", "相談", "Consultation"),
];

pub const PROJECT_KINDS: &[Term] = &[
    t("care_meeting", "地域ケア会議", "Care meeting"),
    t("training", "研修", "Training"),
    t("working_group", "部会", "Working group"),
    t("other", "その他", "Other"),
];

pub const SEXES: &[Term] = &[
    t("female", "女性", "Female"),
    t("male", "男性", "Male"),
    t("other", "その他", "Other"),
    t("unknown", "不明", "Unknown"),
];

pub const CARE_LEVELS: &[Term] = &[
    t("none", "非該当", "Not certified"),
    t("support_1", "要支援1", "Support level 1"),
    t("support_2", "要支援2", "Support level 2"),
    t("care_1", "要介護1", "Care level 1"),
    t("care_2", "要介護2", "Care level 2"),
    t("care_3", "要介護3", "Care level 3"),
    t("care_4", "要介護4", "Care level 4"),
    t("care_5", "要介護5", "Care level 5"),
];

pub const CONSENT_METHODS: &[Term] = &[
    t("individual", "本人から個別に取得", "Taken from the person"),
    t(
        "care_certification_application",
        "要介護認定の申請時に取得",
        "Taken with the care-certification application",
    ),
];

pub const EVENT_KINDS: &[Term] = &[
    t("earthquake", "地震", "Earthquake"),
    t("flood", "水害", "Flood"),
    t("typhoon", "台風", "Typhoon"),
    t("landslide", "土砂災害", "Landslide"),
    t("tsunami", "津波", "Tsunami"),
    t("other", "その他", "Other"),
];

pub const CHECKIN_STATUSES: &[Term] = &[
    t("safe", "安全確認済み", "Confirmed safe"),
    t("needs_attention", "要確認", "Needs check"),
    t("not_yet", "未確認", "Not yet checked"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_within_each_list() {
        for list in [
            PROFESSIONS,
            ORGANIZATION_KINDS,
            POST_CATEGORIES,
            PROJECT_KINDS,
            SEXES,
            CARE_LEVELS,
            CONSENT_METHODS,
            EVENT_KINDS,
            CHECKIN_STATUSES,
        ] {
            let mut codes = codes(list);
            codes.sort_unstable();
            codes.dedup();
            assert_eq!(codes.len(), list.len());
        }
    }
}
