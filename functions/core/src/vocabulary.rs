//! The domain's words that are a fixed list, as enums: each variant is written once, with
//! the code stored and sent and its labels in Japanese and English ([`words!`]). Input is
//! parsed into these types where it enters ([`Word::parse_field`] in a validation, serde
//! elsewhere), so the rules compare types, not strings; `GET /api/v1/public/vocabulary` and
//! the clients' `static/lang/vocabulary.js` are written from the same lists (`lists.rs`),
//! so the server and the clients can not disagree on a word.

use serde::Serialize;

use crate::error::FieldError;
use crate::ports::StoreError;

/// One word of a list: the code stored and sent, and how people read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Term {
    pub code: &'static str,
    pub ja: &'static str,
    pub en: &'static str,
}

/// A fixed list of the domain, written with [`words!`].
pub trait Word: Copy + Eq + std::fmt::Debug + Sized + 'static {
    /// Every word, in the order the clients show them.
    const ALL: &'static [Self];

    fn term(self) -> Term;

    /// The code stored and sent (`needs_attention`).
    fn code(self) -> &'static str {
        self.term().code
    }

    fn label_ja(self) -> &'static str {
        self.term().ja
    }

    fn label_en(self) -> &'static str {
        self.term().en
    }

    fn parse(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|w| w.code() == code)
    }

    /// [`Word::parse_field`] inside a validation that gathers every field's error: the word,
    /// or `None` with its error added to `errors`.
    fn check(pointer: &str, code: &str, errors: &mut Vec<FieldError>) -> Option<Self> {
        Self::parse_field(pointer, code)
            .map_err(|e| errors.push(e))
            .ok()
    }

    /// A code read back from a store: one we wrote, so another is a damaged row.
    fn stored(code: &str) -> Result<Self, StoreError> {
        Self::parse(code)
            .ok_or_else(|| StoreError::Backend(format!("unknown code in a row: {code}")))
    }

    /// Every word with its labels, as the vocabulary route serves them.
    fn terms() -> Vec<Term> {
        Self::ALL.iter().map(|w| w.term()).collect()
    }

    /// `code` as a word of this list, or the field error that lists the words (codes in
    /// English, labels in Japanese) for the request's `pointer`.
    fn parse_field(pointer: &str, code: &str) -> Result<Self, FieldError> {
        Self::parse(code).ok_or_else(|| {
            let codes: Vec<&str> = Self::ALL.iter().map(|w| w.code()).collect();
            let labels: Vec<&str> = Self::ALL.iter().map(|w| w.label_ja()).collect();
            FieldError::new(
                pointer,
                format!("one of {}", codes.join(", ")),
                format!("{} のいずれかを指定してください", labels.join("・")),
            )
        })
    }
}

/// Declares a [`Word`] enum: `Variant = ("code", "日本語", "English"),` per word. Serde
/// reads and writes the code; an unknown code is a deserialization error naming the codes.
#[macro_export]
macro_rules! words {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident = ($code:literal, $ja:literal, $en:literal),)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $crate::vocabulary::Word for $name {
            const ALL: &'static [Self] = &[$($name::$variant,)+];

            fn term(self) -> $crate::vocabulary::Term {
                match self {
                    $($name::$variant => $crate::vocabulary::Term { code: $code, ja: $ja, en: $en },)+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($crate::vocabulary::Word::code(*self))
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str($crate::vocabulary::Word::code(*self))
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let code = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                <$name as $crate::vocabulary::Word>::parse(&code).ok_or_else(|| {
                    const CODES: &[&str] = &[$($code,)+];
                    ::serde::de::Error::unknown_variant(&code, CODES)
                })
            }
        }
    };
}

words! {
    pub enum Profession {
        Physician = ("physician", "医師", "Physician"),
        Nurse = ("nurse", "看護師", "Nurse"),
        Pharmacist = ("pharmacist", "薬剤師", "Pharmacist"),
        Dentist = ("dentist", "歯科医師", "Dentist"),
        CareManager = ("care_manager", "介護支援専門員（ケアマネジャー）", "Care manager"),
        CareWorker = ("care_worker", "介護職員", "Care worker"),
        Therapist = ("therapist", "リハビリ専門職", "Therapist"),
        SocialWorker = ("social_worker", "社会福祉士・相談員", "Social worker"),
        MunicipalStaff = ("municipal_staff", "市町職員", "Municipal staff"),
    }
}

words! {
    pub enum OrganizationKind {
        Clinic = ("clinic", "診療所", "Clinic"),
        Hospital = ("hospital", "病院", "Hospital"),
        VisitingNurseStation = ("visiting_nurse_station", "訪問看護ステーション", "Visiting nurse station"),
        Pharmacy = ("pharmacy", "薬局", "Pharmacy"),
        DentalClinic = ("dental_clinic", "歯科診療所", "Dental clinic"),
        CareManagementOffice = ("care_management_office", "居宅介護支援事業所", "Care management office"),
        CareService = ("care_service", "介護サービス事業所", "Care service"),
        Municipality = ("municipality", "市町村", "Municipality"),
        SupportCentre = ("support_centre", "地域包括支援センター", "Community support centre"),
    }
}

words! {
    /// Who a family invitation is for: the patient themself, or their family.
    pub enum Relation {
        Myself = ("self", "本人", "The patient"),
        Spouse = ("spouse", "配偶者", "Spouse"),
        Child = ("child", "子", "Child"),
        Parent = ("parent", "親", "Parent"),
        Sibling = ("sibling", "きょうだい", "Sibling"),
        Other = ("other", "その他の家族", "Other family"),
    }
}

words! {
    pub enum PostCategory {
        Contact = ("contact", "連絡", "Contact"),
        Report = ("report", "報告", "Report"),
        Consultation = ("consultation", "相談", "Consultation"),
    }
}

words! {
    pub enum ProjectKind {
        CareMeeting = ("care_meeting", "地域ケア会議", "Care meeting"),
        Training = ("training", "研修", "Training"),
        WorkingGroup = ("working_group", "部会", "Working group"),
        Other = ("other", "その他", "Other"),
    }
}

words! {
    pub enum Sex {
        Female = ("female", "女性", "Female"),
        Male = ("male", "男性", "Male"),
        Other = ("other", "その他", "Other"),
        Unknown = ("unknown", "不明", "Unknown"),
    }
}

words! {
    /// 要介護度: the level of a care certification (介護保険), `None` when not certified.
    pub enum CareLevel {
        None = ("none", "非該当", "Not certified"),
        Support1 = ("support_1", "要支援1", "Support level 1"),
        Support2 = ("support_2", "要支援2", "Support level 2"),
        Care1 = ("care_1", "要介護1", "Care level 1"),
        Care2 = ("care_2", "要介護2", "Care level 2"),
        Care3 = ("care_3", "要介護3", "Care level 3"),
        Care4 = ("care_4", "要介護4", "Care level 4"),
        Care5 = ("care_5", "要介護5", "Care level 5"),
    }
}

words! {
    /// How a patient's consent to sharing was taken.
    pub enum ConsentMethod {
        Individual = ("individual", "本人から個別に取得", "Taken from the person"),
        CareCertificationApplication = (
            "care_certification_application",
            "要介護認定の申請時に取得",
            "Taken with the care-certification application"
        ),
    }
}

words! {
    pub enum EventKind {
        Earthquake = ("earthquake", "地震", "Earthquake"),
        Flood = ("flood", "水害", "Flood"),
        Typhoon = ("typhoon", "台風", "Typhoon"),
        Landslide = ("landslide", "土砂災害", "Landslide"),
        Tsunami = ("tsunami", "津波", "Tsunami"),
        Other = ("other", "その他", "Other"),
    }
}

words! {
    /// A person's state in a safety check-in (安否確認).
    pub enum CheckinStatus {
        Safe = ("safe", "安全確認済み", "Confirmed safe"),
        /// 要確認: a supporter saw a need; a note says what.
        NeedsAttention = ("needs_attention", "要確認", "Needs check"),
        NotYet = ("not_yet", "未確認", "Not yet checked"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unique<W: Word>() {
        let mut codes: Vec<&str> = W::ALL.iter().map(|w| w.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), W::ALL.len());
        for w in W::ALL {
            assert_eq!(W::parse(w.code()), Some(*w));
        }
    }

    #[test]
    fn codes_are_unique_within_each_list_and_parse_back() {
        unique::<Profession>();
        unique::<OrganizationKind>();
        unique::<PostCategory>();
        unique::<ProjectKind>();
        unique::<Sex>();
        unique::<CareLevel>();
        unique::<ConsentMethod>();
        unique::<EventKind>();
        unique::<CheckinStatus>();
    }

    #[test]
    fn serde_uses_the_code_and_refuses_others() {
        assert_eq!(
            serde_json::to_string(&CheckinStatus::NeedsAttention).unwrap(),
            "\"needs_attention\""
        );
        let parsed: CheckinStatus = serde_json::from_str("\"safe\"").unwrap();
        assert_eq!(parsed, CheckinStatus::Safe);
        let err = serde_json::from_str::<CheckinStatus>("\"fine\"").unwrap_err();
        assert!(err.to_string().contains("needs_attention"), "{err}");
    }

    #[test]
    fn a_bad_code_names_the_field_and_the_words() {
        let err = Sex::parse_field("#/sex", "m").unwrap_err();
        assert_eq!(err.pointer, "#/sex");
        assert!(err.detail.contains("female, male, other, unknown"));
        assert!(err.detail_ja.contains("女性・男性・その他・不明"));
    }
}
