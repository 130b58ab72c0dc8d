//! The hazards a 指定緊急避難場所 is designated for. Sites are designated per hazard
//! (災害対策基本法 第49条の4), and a resident fleeing a flood who is sent to a site that is
//! not designated for floods is sent into danger; so hazards are typed data, stored as one
//! bit each in `resources.hazards`, filtered on exactly, and shown in words.

use crate::vocabulary::Word;

crate::words! {
    /// One hazard, in the order of the standard dataset's `災害種別_…` columns; the order is
    /// also the bit in `resources.hazards` (schema/public/0003), so it must not change.
    pub enum Hazard {
        Flood = ("flood", "洪水", "Flood"),
        Landslide = ("landslide", "崖崩れ・土石流・地滑り", "Landslide and debris flow"),
        StormSurge = ("storm_surge", "高潮", "Storm surge"),
        Earthquake = ("earthquake", "地震", "Earthquake"),
        Tsunami = ("tsunami", "津波", "Tsunami"),
        LargeFire = ("large_fire", "大規模な火事", "Large-scale fire"),
        InlandFlood = ("inland_flood", "内水氾濫", "Inland flooding"),
        Volcano = ("volcano", "火山現象", "Volcanic phenomena"),
    }
}

impl Hazard {
    pub fn bit(self) -> i64 {
        1 << (self as u8)
    }

    /// The standard dataset's column for this hazard (指定緊急避難場所一覧, v1 and v2).
    pub fn column(self) -> &'static str {
        match self {
            Hazard::Flood => "災害種別_洪水",
            Hazard::Landslide => "災害種別_崖崩れ、土石流及び地滑り",
            Hazard::StormSurge => "災害種別_高潮",
            Hazard::Earthquake => "災害種別_地震",
            Hazard::Tsunami => "災害種別_津波",
            Hazard::LargeFire => "災害種別_大規模な火事",
            Hazard::InlandFlood => "災害種別_内水氾濫",
            Hazard::Volcano => "災害種別_火山現象",
        }
    }

    /// The words residents type for this hazard, already folded (see `text::fold`). A query
    /// holding one of them returns only sites designated for the hazard.
    pub fn words(self) -> &'static [&'static str] {
        match self {
            Hazard::Flood => &["洪水", "水害", "大雨", "こうずい", "川の氾濫", "氾濫"],
            Hazard::Landslide => &[
                "土砂",
                "土砂災害",
                "崖崩れ",
                "がけ崩れ",
                "がけくずれ",
                "土石流",
                "地滑り",
                "地すべり",
                "山崩れ",
            ],
            Hazard::StormSurge => &["高潮", "たかしお"],
            Hazard::Earthquake => &["地震", "じしん", "揺れ"],
            Hazard::Tsunami => &["津波", "つなみ"],
            Hazard::LargeFire => &["火事", "火災", "大規模な火事", "大火", "かじ"],
            Hazard::InlandFlood => &["内水", "内水氾濫", "浸水", "冠水"],
            Hazard::Volcano => &["火山", "噴火", "火山現象"],
        }
    }

    /// The hazard a folded query word names, if any.
    pub fn from_word(folded: &str) -> Option<Hazard> {
        Hazard::ALL
            .iter()
            .copied()
            .find(|h| h.words().contains(&folded))
    }
}

/// A set of hazards: the bits of `resources.hazards`; in JSON, the list of codes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Hazards(pub i64);

impl Hazards {
    pub fn contains(self, h: Hazard) -> bool {
        self.0 & h.bit() != 0
    }

    pub fn insert(&mut self, h: Hazard) {
        self.0 |= h.bit();
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Hazard> {
        Hazard::ALL
            .iter()
            .copied()
            .filter(move |h| self.contains(*h))
    }

    /// 「洪水・地震」: the designated hazards in words, in the standard's order.
    pub fn label_ja(self) -> String {
        self.iter()
            .map(Hazard::label_ja)
            .collect::<Vec<_>>()
            .join("・")
    }

    /// The hazards not designated, in words: what a resident must not come here for.
    pub fn missing_label_ja(self) -> String {
        Hazard::ALL
            .iter()
            .copied()
            .filter(|h| !self.contains(*h))
            .map(Hazard::label_ja)
            .collect::<Vec<_>>()
            .join("・")
    }
}

impl FromIterator<Hazard> for Hazards {
    fn from_iter<I: IntoIterator<Item = Hazard>>(iter: I) -> Hazards {
        let mut set = Hazards::default();
        for h in iter {
            set.insert(h);
        }
        set
    }
}

impl serde::Serialize for Hazards {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> serde::Deserialize<'de> for Hazards {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Hazards, D::Error> {
        Ok(<Vec<Hazard> as serde::Deserialize>::deserialize(d)?
            .into_iter()
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::fold;

    #[test]
    fn bits_follow_the_standard_column_order() {
        let bits: Vec<i64> = Hazard::ALL.iter().map(|h| h.bit()).collect();
        assert_eq!(bits, [1, 2, 4, 8, 16, 32, 64, 128]);
        assert_eq!(Hazard::Volcano.column(), "災害種別_火山現象");
    }

    #[test]
    fn words_are_folded_and_name_one_hazard_each() {
        let mut seen = std::collections::HashSet::new();
        for h in Hazard::ALL {
            for w in h.words() {
                assert_eq!(fold(w), *w, "{w} is not folded");
                assert!(seen.insert(*w), "{w} names two hazards");
            }
        }
        assert_eq!(Hazard::from_word("洪水"), Some(Hazard::Flood));
        assert_eq!(Hazard::from_word("津波"), Some(Hazard::Tsunami));
        assert_eq!(Hazard::from_word("体操"), None);
    }

    #[test]
    fn sets_read_and_write_as_lists_of_codes() {
        let set: Hazards = serde_json::from_str(r#"["earthquake","flood"]"#).unwrap();
        assert_eq!(set.0, 9);
        assert_eq!(
            serde_json::to_string(&set).unwrap(),
            r#"["flood","earthquake"]"#
        );
        assert_eq!(set.label_ja(), "洪水・地震");
        assert!(set.missing_label_ja().starts_with("崖崩れ"));
        assert!(serde_json::from_str::<Hazards>(r#"["meteor"]"#).is_err());
    }
}
