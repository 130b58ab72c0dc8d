//! The 基本チェックリスト (Kihon Checklist) of the Ministry of Health, Labour and Welfare: its
//! 25 questions as published (様式第一) and their scoring by the criteria of 様式第二.
//! Which answer scores differs by item: for some "いいえ" is the answer of concern. Item 12
//! is height and weight, 該当 when the BMI is under 18.5.

use serde::Serialize;

/// Which answer scores a point.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Concern {
    Yes,
    No,
}

/// The yes/no questions: (linkId, text, the answer that scores).
pub const QUESTIONS: [(&str, &str, Concern); 24] = [
    ("1", "バスや電車で1人で外出していますか", Concern::No),
    ("2", "日用品の買物をしていますか", Concern::No),
    ("3", "預貯金の出し入れをしていますか", Concern::No),
    ("4", "友人の家を訪ねていますか", Concern::No),
    ("5", "家族や友人の相談にのっていますか", Concern::No),
    (
        "6",
        "階段を手すりや壁をつたわらずに昇っていますか",
        Concern::No,
    ),
    (
        "7",
        "椅子に座った状態から何もつかまらずに立ち上がっていますか",
        Concern::No,
    ),
    ("8", "15分位続けて歩いていますか", Concern::No),
    ("9", "この1年間に転んだことがありますか", Concern::Yes),
    ("10", "転倒に対する不安は大きいですか", Concern::Yes),
    (
        "11",
        "6ヵ月間で2～3kg以上の体重減少がありましたか",
        Concern::Yes,
    ),
    (
        "13",
        "半年前に比べて固いものが食べにくくなりましたか",
        Concern::Yes,
    ),
    ("14", "お茶や汁物等でむせることがありますか", Concern::Yes),
    ("15", "口の渇きが気になりますか", Concern::Yes),
    ("16", "週に1回以上は外出していますか", Concern::No),
    ("17", "昨年と比べて外出の回数が減っていますか", Concern::Yes),
    (
        "18",
        "周りの人から「いつも同じ事を聞く」などの物忘れがあると言われますか",
        Concern::Yes,
    ),
    (
        "19",
        "自分で電話番号を調べて、電話をかけることをしていますか",
        Concern::No,
    ),
    (
        "20",
        "今日が何月何日かわからない時がありますか",
        Concern::Yes,
    ),
    ("21", "（ここ2週間）毎日の生活に充実感がない", Concern::Yes),
    (
        "22",
        "（ここ2週間）これまで楽しんでやれていたことが楽しめなくなった",
        Concern::Yes,
    ),
    (
        "23",
        "（ここ2週間）以前は楽にできていたことが今ではおっくうに感じられる",
        Concern::Yes,
    ),
    (
        "24",
        "（ここ2週間）自分が役に立つ人間だと思えない",
        Concern::Yes,
    ),
    (
        "25",
        "（ここ2週間）わけもなく疲れたような感じがする",
        Concern::Yes,
    ),
];

/// The questionnaire's id.
pub const ID: &str = "kihon-checklist";

/// One person's answers: the yes/no answers by item number (index 1–25; 12 unused) and
/// item 12's height (cm) and weight (kg).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Answers {
    pub yes: [Option<bool>; 26],
    pub height_cm: Option<f64>,
    pub weight_kg: Option<f64>,
}

/// 様式第二's criteria ①–⑦, and whether the person is 事業対象者 (any of them, 告示第197号).
#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct Flags {
    /// ① No.1–20: 10 or more.
    pub overall: bool,
    /// ② No.6–10: 3 or more (運動機能).
    pub motor: bool,
    /// ③ No.11 and No.12 both (栄養).
    pub nutrition: bool,
    /// ④ No.13–15: 2 or more (口腔機能).
    pub oral: bool,
    /// ⑤ No.16 (閉じこもり).
    pub housebound: bool,
    /// ⑥ No.18–20: 1 or more (認知機能).
    pub cognitive: bool,
    /// ⑦ No.21–25: 2 or more (うつ).
    pub depression: bool,
    /// 事業対象者: any of ①–⑦.
    pub eligible: bool,
}

#[derive(Debug, PartialEq, Serialize)]
pub struct KihonResult {
    pub flags: Flags,
    /// Items 該当 in No.1–20 (criterion ①).
    pub points_1_20: u32,
    /// BMI to one decimal.
    pub bmi: f64,
    /// The items answered the way that scores (No.12: the BMI under 18.5), by number.
    pub scored: Vec<String>,
    /// For each flagged domain, the words that find matching places near the patient's home
    /// on the resource map (`GET /api/v1/patients/{id}/nearby?q=`).
    pub suggestions: Vec<Suggestion>,
}

#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    pub domain: &'static str,
    pub label_ja: &'static str,
    pub words: &'static str,
}

/// A flagged domain's places: (domain, its name, the words that find them).
const PLACES: [(&str, &str, &str); 7] = [
    ("overall", "生活機能全般", "地域包括支援センター"),
    ("motor", "運動機能", "体操"),
    ("nutrition", "栄養", "配食"),
    ("oral", "口腔機能", "歯科"),
    ("housebound", "閉じこもり", "サロン"),
    ("cognitive", "認知機能", "認知症カフェ"),
    ("depression", "うつ", "相談"),
];

fn suggestions(f: &Flags) -> Vec<Suggestion> {
    let flagged = [
        f.overall,
        f.motor,
        f.nutrition,
        f.oral,
        f.housebound,
        f.cognitive,
        f.depression,
    ];
    PLACES
        .iter()
        .zip(flagged)
        .filter(|(_, on)| *on)
        .map(|(&(domain, label_ja, words), _)| Suggestion {
            domain,
            label_ja,
            words,
        })
        .collect()
}

/// Item 12: BMI under 18.5, decided in integers on hundredths of a centimetre and of a
/// kilogram (w/100 ÷ (h/10000)² < 18.5 ⇔ 2000000·w < 37·h²), so that a BMI of exactly
/// 18.5 is never a rounding error away from 該当.
pub fn underweight(height_cm: f64, weight_kg: f64) -> bool {
    let h = (height_cm * 100.0).round() as i128;
    let w = (weight_kg * 100.0).round() as i128;
    2_000_000 * w < 37 * h * h
}

pub fn bmi(height_cm: f64, weight_kg: f64) -> f64 {
    let m = height_cm / 100.0;
    (weight_kg / (m * m) * 10.0).round() / 10.0
}

/// Scores complete answers (every item answered: the caller checks).
pub fn score(a: &Answers) -> KihonResult {
    let (height, weight) = (a.height_cm.unwrap_or(0.0), a.weight_kg.unwrap_or(0.0));
    let item12 = height > 0.0 && underweight(height, weight);
    let hit = |n: usize| -> bool {
        if n == 12 {
            return item12;
        }
        let Some(&(_, _, concern)) = QUESTIONS.iter().find(|q| q.0 == n.to_string()) else {
            return false;
        };
        matches!(
            (a.yes[n], concern),
            (Some(true), Concern::Yes) | (Some(false), Concern::No)
        )
    };
    let count = |range: std::ops::RangeInclusive<usize>| range.filter(|&n| hit(n)).count() as u32;
    let points_1_20 = count(1..=20);
    let overall = points_1_20 >= 10;
    let motor = count(6..=10) >= 3;
    let nutrition = hit(11) && hit(12);
    let oral = count(13..=15) >= 2;
    let housebound = hit(16);
    let cognitive = count(18..=20) >= 1;
    let depression = count(21..=25) >= 2;
    let flags = Flags {
        overall,
        motor,
        nutrition,
        oral,
        housebound,
        cognitive,
        depression,
        eligible: overall || motor || nutrition || oral || housebound || cognitive || depression,
    };
    KihonResult {
        scored: (1..=25)
            .filter(|&n| hit(n))
            .map(|n| n.to_string())
            .collect(),
        suggestions: suggestions(&flags),
        flags,
        points_1_20,
        bmi: if height > 0.0 {
            bmi(height, weight)
        } else {
            0.0
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers with nothing of concern (every answer the one that scores 0), 160 cm, 55 kg.
    fn healthy() -> Answers {
        let mut a = Answers {
            height_cm: Some(160.0),
            weight_kg: Some(55.0),
            ..Answers::default()
        };
        for (link, _, concern) in QUESTIONS {
            let n: usize = link.parse().unwrap();
            a.yes[n] = Some(concern == Concern::No);
        }
        a
    }

    /// `a` with items `items` answered the way that scores.
    fn with(mut a: Answers, items: &[usize]) -> Answers {
        for &n in items {
            let concern = QUESTIONS.iter().find(|q| q.0 == n.to_string()).unwrap().2;
            a.yes[n] = Some(concern == Concern::Yes);
        }
        a
    }

    fn flags(items: &[usize]) -> Flags {
        score(&with(healthy(), items)).flags
    }

    #[test]
    fn nothing_of_concern_flags_nothing() {
        let r = score(&healthy());
        assert_eq!(r.points_1_20, 0);
        assert!(!r.flags.eligible);
        assert_eq!(r.bmi, 21.5);
    }

    #[test]
    fn which_answer_scores_differs_by_item() {
        // いいえ scores for 1–8, 16 and 19; はい for the rest.
        for n in [1, 2, 3, 4, 5, 6, 7, 8, 16, 19] {
            let mut a = healthy();
            a.yes[n] = Some(false);
            assert_eq!(score(&a).points_1_20, 1, "No.{n} いいえ");
        }
        for n in [9, 10, 11, 13, 14, 15, 17, 18, 20] {
            let mut a = healthy();
            a.yes[n] = Some(true);
            assert_eq!(score(&a).points_1_20, 1, "No.{n} はい");
        }
    }

    #[test]
    fn criterion_1_at_ten_of_items_1_to_20() {
        // Spread over domains so that no other criterion is met: 1–5, 9 (one motor), 13 (one
        // oral), 17, 11 (without BMI), and a tenth.
        let nine = [1, 2, 3, 4, 5, 9, 13, 17, 11];
        assert!(!flags(&nine).overall);
        assert!(!flags(&nine).eligible);
        let mut ten = nine.to_vec();
        ten.push(10);
        let f = flags(&ten);
        assert!(f.overall && !f.motor && !f.oral && !f.nutrition);
        assert!(f.eligible);
        // Items 21–25 are not part of ①.
        assert_eq!(
            score(&with(healthy(), &[21, 22, 23, 24, 25])).points_1_20,
            0
        );
    }

    #[test]
    fn criterion_2_at_three_of_items_6_to_10() {
        assert!(!flags(&[6, 10]).motor);
        assert!(flags(&[6, 9, 10]).motor);
        assert!(flags(&[7, 8, 9]).eligible);
    }

    #[test]
    fn criterion_3_needs_weight_loss_and_a_bmi_under_18_5() {
        let thin = |weight: f64| Answers {
            weight_kg: Some(weight),
            ..with(healthy(), &[11])
        };
        // 160 cm: BMI 18.5 is 47.36 kg.
        assert!(!score(&thin(47.4)).flags.nutrition);
        assert!(
            !score(&thin(47.36)).flags.nutrition,
            "18.5 itself is not under 18.5"
        );
        assert!(score(&thin(47.3)).flags.nutrition);
        assert!(score(&thin(47.3)).flags.eligible);
        // A low BMI without weight loss: item 12 counts towards ① only.
        let no_loss = Answers {
            weight_kg: Some(40.0),
            ..healthy()
        };
        assert!(!score(&no_loss).flags.nutrition);
        assert_eq!(score(&no_loss).points_1_20, 1);
        assert!(underweight(150.0, 41.6) && !underweight(150.0, 41.7));
    }

    #[test]
    fn criterion_4_at_two_of_items_13_to_15() {
        assert!(!flags(&[14]).oral);
        assert!(flags(&[13, 15]).oral);
    }

    #[test]
    fn a_flagged_domain_suggests_places() {
        let r = score(&with(healthy(), &[16, 6, 7, 8]));
        assert_eq!(r.scored, ["6", "7", "8", "16"]);
        let domains: Vec<&str> = r.suggestions.iter().map(|s| s.domain).collect();
        assert_eq!(domains, ["motor", "housebound"]);
        assert!(score(&healthy()).suggestions.is_empty());
    }

    #[test]
    fn criterion_5_is_item_16_alone() {
        assert!(flags(&[16]).housebound);
        assert!(flags(&[16]).eligible);
        // Item 17 has no criterion of its own.
        assert!(!flags(&[17]).housebound && !flags(&[17]).eligible);
    }

    #[test]
    fn criterion_6_at_one_of_items_18_to_20() {
        assert!(!flags(&[]).cognitive);
        for n in [18, 19, 20] {
            assert!(flags(&[n]).cognitive, "No.{n}");
            assert!(flags(&[n]).eligible);
        }
    }

    #[test]
    fn criterion_7_at_two_of_items_21_to_25() {
        assert!(!flags(&[23]).depression);
        assert!(!flags(&[23]).eligible);
        assert!(flags(&[21, 25]).depression);
        assert!(flags(&[21, 25]).eligible, "any of ①–⑦ (告示第197号)");
    }
}
