//! Document templates: the forms Japanese care networks exchange instead of fax
//! (退院時カンファレンス記録, 服薬情報提供書, 訪問看護報告書). A template is a list of fields;
//! a document is a timeline post that keeps its fields as data and, as its body, the same
//! fields rendered as text (so read receipts, edit history and FHIR treat it as a post).

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::FieldError;

#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Kind {
    /// One line, at most `max` characters.
    Text { max: usize },
    /// Several lines, at most `max` characters.
    LongText { max: usize },
    /// A date: ISO (2026-11-25) or 和暦 (令和8年11月25日), stored as ISO.
    Date,
    /// One of `options` (code, Japanese label).
    Choice {
        options: &'static [(&'static str, &'static str)],
    },
}

#[derive(Debug, Serialize)]
pub struct Field {
    pub key: &'static str,
    pub label_ja: &'static str,
    pub label_en: &'static str,
    pub required: bool,
    #[serde(flatten)]
    pub kind: Kind,
}

#[derive(Debug, Serialize)]
pub struct Template {
    pub id: &'static str,
    pub name_ja: &'static str,
    pub name_en: &'static str,
    /// The timeline category a document of this template is filed under.
    pub category: &'static str,
    pub fields: &'static [Field],
}

const fn field(
    key: &'static str,
    label_ja: &'static str,
    label_en: &'static str,
    required: bool,
    kind: Kind,
) -> Field {
    Field {
        key,
        label_ja,
        label_en,
        required,
        kind,
    }
}

const LINE: Kind = Kind::Text { max: 200 };
const NOTE: Kind = Kind::LongText { max: 2_000 };

pub const TEMPLATES: [Template; 3] = [
    Template {
        id: "discharge_conference",
        name_ja: "退院時カンファレンス記録",
        name_en: "Discharge conference record",
        category: "report",
        fields: &[
            field("held_on", "開催日", "Held on", true, Kind::Date),
            field(
                "hospital",
                "医療機関・病棟",
                "Hospital and ward",
                true,
                LINE,
            ),
            field("attendees", "参加者", "Attendees", true, NOTE),
            field("diagnosis", "病名", "Diagnosis", false, LINE),
            field(
                "course",
                "入院中の経過・病状",
                "Course in hospital",
                true,
                NOTE,
            ),
            field(
                "medications",
                "退院時処方",
                "Discharge medication",
                false,
                NOTE,
            ),
            field("adl", "ADL・生活状況", "ADL and daily life", false, NOTE),
            field(
                "plan",
                "退院後の支援方針",
                "Support plan after discharge",
                true,
                NOTE,
            ),
            field(
                "services",
                "利用予定サービス",
                "Planned services",
                false,
                NOTE,
            ),
            field(
                "discharge_on",
                "退院予定日",
                "Planned discharge",
                false,
                Kind::Date,
            ),
        ],
    },
    Template {
        id: "medication_information",
        name_ja: "服薬情報提供書",
        name_en: "Medication information report",
        category: "report",
        fields: &[
            field("reported_on", "報告日", "Reported on", true, Kind::Date),
            field("addressee", "宛先（処方医）", "To (prescriber)", true, LINE),
            field(
                "adherence",
                "服薬状況",
                "Adherence",
                true,
                Kind::Choice {
                    options: &[
                        ("good", "良好"),
                        ("partial", "時々飲み忘れ"),
                        ("poor", "不良"),
                    ],
                },
            ),
            field(
                "medications",
                "服用中の薬",
                "Current medication",
                true,
                NOTE,
            ),
            field("leftover", "残薬の状況", "Leftover medication", false, NOTE),
            field(
                "side_effects",
                "副作用・体調の変化",
                "Side effects",
                false,
                NOTE,
            ),
            field(
                "proposal",
                "処方提案",
                "Proposal to the prescriber",
                false,
                NOTE,
            ),
        ],
    },
    Template {
        id: "home_nursing_report",
        name_ja: "訪問看護報告書",
        name_en: "Home-visit nursing report",
        category: "report",
        fields: &[
            field(
                "period",
                "報告対象月",
                "Month reported (YYYY-MM)",
                true,
                LINE,
            ),
            field("visit_dates", "訪問日", "Visit dates", true, LINE),
            field("condition", "病状の経過", "Course of illness", true, NOTE),
            field("care_given", "看護の内容", "Nursing provided", true, NOTE),
            field("family", "家庭での介護の状況", "Care at home", false, NOTE),
            field("remarks", "特記すべき事項", "Remarks", false, NOTE),
        ],
    },
];

pub fn find(id: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.id == id)
}

/// Checks `fields` against the template and returns them normalized (trimmed text,
/// dates as ISO, empty optional fields dropped) or every field error at once.
pub fn validate(
    template: &Template,
    fields: &Value,
) -> Result<Map<String, Value>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let Some(given) = fields.as_object() else {
        return Err(vec![FieldError::new(
            "#/fields",
            "must be an object of the template's fields",
            "項目はオブジェクトで指定してください",
        )]);
    };
    for key in given.keys() {
        if !template.fields.iter().any(|f| f.key == key) {
            errors.push(FieldError::new(
                format!("#/fields/{key}"),
                format!("{} has no such field", template.id),
                format!("{}にこの項目はありません", template.name_ja),
            ));
        }
    }
    let mut out = Map::new();
    for f in template.fields {
        let pointer = format!("#/fields/{}", f.key);
        let text = match given.get(f.key) {
            None | Some(Value::Null) => "",
            Some(Value::String(s)) => s.trim(),
            Some(_) => {
                errors.push(FieldError::new(
                    pointer,
                    "must be text",
                    format!("{}は文字で入力してください", f.label_ja),
                ));
                continue;
            }
        };
        if text.is_empty() {
            if f.required {
                errors.push(FieldError::new(
                    pointer,
                    "is required",
                    format!("{}を入力してください", f.label_ja),
                ));
            }
            continue;
        }
        let value = match &f.kind {
            Kind::Text { max } | Kind::LongText { max } => {
                let single = matches!(f.kind, Kind::Text { .. });
                if text.chars().count() > *max || (single && text.contains(['\n', '\r'])) {
                    errors.push(FieldError::new(
                        pointer,
                        format!(
                            "at most {max} characters{}",
                            if single { " on one line" } else { "" }
                        ),
                        format!(
                            "{}は{max}文字以内{}で入力してください",
                            f.label_ja,
                            if single { "・1行" } else { "" }
                        ),
                    ));
                    continue;
                }
                text.to_owned()
            }
            Kind::Date => match crate::wareki::parse_date(text) {
                Some(iso) => iso,
                None => {
                    errors.push(FieldError::new(
                        pointer,
                        "must be a date (2026-11-25 or 令和8年11月25日)",
                        format!(
                            "{}は日付（2026-11-25 や 令和8年11月25日）で入力してください",
                            f.label_ja
                        ),
                    ));
                    continue;
                }
            },
            Kind::Choice { options } => {
                if !options.iter().any(|(code, _)| *code == text) {
                    let codes: Vec<&str> = options.iter().map(|(c, _)| *c).collect();
                    errors.push(FieldError::new(
                        pointer,
                        format!("must be one of {}", codes.join(", ")),
                        format!("{}の選択肢から選んでください", f.label_ja),
                    ));
                    continue;
                }
                text.to_owned()
            }
        };
        out.insert(f.key.to_owned(), Value::String(value));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// The document as text (the post's body): the title, then each filled field with its
/// Japanese label; choices by their label.
pub fn render(template: &Template, fields: &Map<String, Value>) -> String {
    let mut text = format!("【{}】", template.name_ja);
    for f in template.fields {
        let Some(value) = fields.get(f.key).and_then(Value::as_str) else {
            continue;
        };
        let shown = match &f.kind {
            Kind::Choice { options } => options
                .iter()
                .find(|(code, _)| *code == value)
                .map_or(value, |(_, label)| *label),
            _ => value,
        };
        if shown.contains('\n') {
            text.push_str(&format!("\n■{}\n{}", f.label_ja, shown));
        } else {
            text.push_str(&format!("\n■{}: {}", f.label_ja, shown));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_field_error_is_reported_at_once() {
        let t = find("medication_information").unwrap();
        let errors = validate(
            t,
            &json!({ "reported_on": "昨日", "adherence": "sometimes", "colour": "red" }),
        )
        .unwrap_err();
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert!(pointers.contains(&"#/fields/colour"));
        assert!(pointers.contains(&"#/fields/reported_on"));
        assert!(pointers.contains(&"#/fields/adherence"));
        assert!(pointers.contains(&"#/fields/addressee"));
        assert!(pointers.contains(&"#/fields/medications"));
    }

    #[test]
    fn wareki_dates_become_iso_and_choices_render_by_label() {
        let t = find("medication_information").unwrap();
        let fields = validate(
            t,
            &json!({
                "reported_on": "令和8年11月25日",
                "addressee": " 山田医師 ",
                "adherence": "partial",
                "medications": "アムロジピン 5mg\n朝1錠",
                "leftover": "",
            }),
        )
        .unwrap();
        assert_eq!(fields["reported_on"], "2026-11-25");
        assert_eq!(fields["addressee"], "山田医師");
        assert!(!fields.contains_key("leftover"));
        let text = render(t, &fields);
        assert!(text.starts_with("【服薬情報提供書】"));
        assert!(text.contains("■服薬状況: 時々飲み忘れ"));
        assert!(text.contains("■服用中の薬\nアムロジピン 5mg\n朝1錠"));
    }

    #[test]
    fn a_single_line_field_refuses_newlines() {
        let t = find("home_nursing_report").unwrap();
        let errors = validate(
            t,
            &json!({ "period": "2026-11\n2026-12", "visit_dates": "1,8", "condition": "安定", "care_given": "清拭" }),
        )
        .unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].pointer, "#/fields/period");
    }
}
