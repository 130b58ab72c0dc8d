//! A FHIR R4 `QuestionnaireResponse` read into a form's answers, every fault named by its
//! JSON pointer: the wrong resource, an unknown or repeated linkId, an answer of the wrong
//! type or out of range, a question left unanswered.

use serde_json::Value as Json;

use super::custom::{Form, ItemType};
use super::kihon::{self, Answers};
use crate::error::FieldError;

/// More items than any form has: refused before each is looked at.
const MAX_ITEMS: usize = 64;
/// The longest answer to a text question, in characters.
const MAX_TEXT_ANSWER: usize = 2000;
pub(super) const HEIGHT_CM: (f64, f64) = (80.0, 250.0);
pub(super) const WEIGHT_KG: (f64, f64) = (15.0, 250.0);

fn fault(pointer: String, en: &str, ja: &str) -> FieldError {
    FieldError::new(pointer, en, ja)
}

/// The one answer of item `i`, or its fault.
pub(super) fn one_answer(
    item: &Json,
    i: usize,
) -> Result<&serde_json::Map<String, Json>, FieldError> {
    match item
        .get("answer")
        .and_then(Json::as_array)
        .map(Vec::as_slice)
    {
        Some([one]) => one.as_object().ok_or_else(|| {
            fault(
                format!("#/item/{i}/answer/0"),
                "an answer is an object",
                "回答の形式が正しくありません",
            )
        }),
        _ => Err(fault(
            format!("#/item/{i}/answer"),
            "exactly one answer",
            "回答を1つ選んでください",
        )),
    }
}

/// The faults of the resource around the items: not a QuestionnaireResponse, another
/// questionnaire (`form` is the id the request names), not completed.
pub(super) fn envelope(response: &Json, form: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if response.get("resourceType").and_then(Json::as_str) != Some("QuestionnaireResponse") {
        errors.push(fault(
            "#/resourceType".into(),
            "must be QuestionnaireResponse",
            "回答の形式（QuestionnaireResponse）が正しくありません",
        ));
    }
    if let Some(q) = response.get("questionnaire")
        && q.as_str() != Some(&super::url(form))
        && q.as_str() != Some(form)
    {
        errors.push(fault(
            "#/questionnaire".into(),
            "names another questionnaire",
            "別の問診票への回答です",
        ));
    }
    if let Some(s) = response.get("status")
        && s.as_str() != Some("completed")
    {
        errors.push(fault(
            "#/status".into(),
            "a response is sent completed",
            "回答は完了した状態で送ってください",
        ));
    }
    errors
}

/// The answered items, at most as many as any form has.
pub(super) fn items(response: &Json) -> Result<&[Json], FieldError> {
    match response.get("item").and_then(Json::as_array) {
        Some(items) if items.len() <= MAX_ITEMS => Ok(items.as_slice()),
        Some(_) => Err(fault(
            "#/item".into(),
            "too many items",
            "回答の項目が多すぎます",
        )),
        None => Err(fault(
            "#/item".into(),
            "the answers are missing",
            "回答がありません",
        )),
    }
}

/// The 基本チェックリスト's answers from `response`.
pub fn kihon_answers(response: &Json) -> Result<Answers, Vec<FieldError>> {
    let mut errors = envelope(response, kihon::ID);
    let items = match items(response) {
        Ok(items) => items,
        Err(e) => {
            errors.push(e);
            return Err(errors);
        }
    };
    let mut answers = Answers::default();
    let mut seen: Vec<&str> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(link) = item.get("linkId").and_then(Json::as_str) else {
            errors.push(fault(
                format!("#/item/{i}/linkId"),
                "a linkId is required",
                "項目の番号がありません",
            ));
            continue;
        };
        if seen.contains(&link) {
            errors.push(fault(
                format!("#/item/{i}/linkId"),
                "answered twice",
                "同じ項目に2回回答しています",
            ));
            continue;
        }
        seen.push(link);
        let number = |a: &serde_json::Map<String, Json>| {
            a.get("valueDecimal")
                .or_else(|| a.get("valueInteger"))
                .and_then(Json::as_f64)
        };
        match link {
            "12.height" | "12.weight" => {
                let (range, slot, ja) = if link == "12.height" {
                    (
                        HEIGHT_CM,
                        &mut answers.height_cm,
                        "身長は 80〜250 cm で入力してください",
                    )
                } else {
                    (
                        WEIGHT_KG,
                        &mut answers.weight_kg,
                        "体重は 15〜250 kg で入力してください",
                    )
                };
                match one_answer(item, i).map(number) {
                    Ok(Some(v)) if v.is_finite() && v >= range.0 && v <= range.1 => *slot = Some(v),
                    Ok(_) => errors.push(fault(
                        format!("#/item/{i}/answer/0"),
                        &format!("valueDecimal, {}–{}", range.0, range.1),
                        ja,
                    )),
                    Err(e) => errors.push(e),
                }
            }
            _ => match kihon::QUESTIONS.iter().position(|q| q.0 == link) {
                Some(_) => {
                    match one_answer(item, i).map(|a| a.get("valueBoolean").and_then(Json::as_bool))
                    {
                        Ok(Some(yes)) => {
                            let n: usize = link.parse().unwrap_or(0);
                            answers.yes[n] = Some(yes);
                        }
                        Ok(None) => errors.push(fault(
                            format!("#/item/{i}/answer/0"),
                            "valueBoolean (true: はい, false: いいえ)",
                            "「はい」か「いいえ」で回答してください",
                        )),
                        Err(e) => errors.push(e),
                    }
                }
                None => errors.push(fault(
                    format!("#/item/{i}/linkId"),
                    "not a question of this questionnaire",
                    "この問診票にない項目です",
                )),
            },
        }
    }
    let mut missing: Vec<String> = kihon::QUESTIONS
        .iter()
        .filter(|q| !seen.contains(&q.0))
        .map(|q| q.0.to_owned())
        .collect();
    for part in ["12.height", "12.weight"] {
        if !seen.contains(&part) {
            missing.push(part.to_owned());
        }
    }
    if !missing.is_empty() && errors.is_empty() {
        errors.push(FieldError::new(
            "#/item",
            format!("unanswered: {}", missing.join(", ")),
            format!("未回答の項目があります（{}）", missing.join("、")),
        ));
    }
    if errors.is_empty() {
        Ok(answers)
    } else {
        Err(errors)
    }
}

/// The answers of a QuestionnaireResponse to `form`, checked item by item (the count of
/// answered items is the result: a form of our own is not scored).
pub fn custom_answers(form: &Form, response: &Json) -> Result<Json, Vec<FieldError>> {
    let mut errors = envelope(response, &form.id);
    let items = match items(response) {
        Ok(items) => items,
        Err(e) => {
            errors.push(e);
            return Err(errors);
        }
    };
    let mut seen: Vec<&str> = Vec::new();
    for (i, answered) in items.iter().enumerate() {
        let Some(link) = answered.get("linkId").and_then(Json::as_str) else {
            errors.push(FieldError::new(
                format!("#/item/{i}/linkId"),
                "a linkId is required",
                "項目の番号がありません",
            ));
            continue;
        };
        let Some(item) = form.items.iter().find(|q| q.link_id == link) else {
            errors.push(FieldError::new(
                format!("#/item/{i}/linkId"),
                "not a question of this questionnaire",
                "この問診票にない項目です",
            ));
            continue;
        };
        if seen.contains(&link) {
            errors.push(FieldError::new(
                format!("#/item/{i}/linkId"),
                "answered twice",
                "同じ項目に2回回答しています",
            ));
            continue;
        }
        seen.push(link);
        let answer = match one_answer(answered, i) {
            Ok(a) => a,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        let fits = match item.kind {
            ItemType::Boolean => answer.get("valueBoolean").is_some_and(Json::is_boolean),
            ItemType::Decimal => answer
                .get("valueDecimal")
                .or_else(|| answer.get("valueInteger"))
                .and_then(Json::as_f64)
                .is_some_and(|v| v.is_finite() && v.abs() <= 1e6),
            ItemType::Text => answer
                .get("valueString")
                .and_then(Json::as_str)
                .is_some_and(|s| !s.trim().is_empty() && s.chars().count() <= MAX_TEXT_ANSWER),
            ItemType::Choice => answer
                .get("valueCoding")
                .and_then(|c| c.get("code"))
                .and_then(Json::as_str)
                .and_then(|c| c.parse::<usize>().ok())
                .is_some_and(|n| (1..=item.options.len()).contains(&n)),
        };
        if !fits {
            errors.push(FieldError::new(
                format!("#/item/{i}/answer/0"),
                "an answer of this question's type",
                "この質問に合う形で回答してください",
            ));
        }
    }
    let missing: Vec<&str> = form
        .items
        .iter()
        .filter(|q| q.required && !seen.contains(&q.link_id.as_str()))
        .map(|q| q.link_id.as_str())
        .collect();
    if !missing.is_empty() && errors.is_empty() {
        errors.push(FieldError::new(
            "#/item",
            format!("unanswered: {}", missing.join(", ")),
            format!("未回答の項目があります（{}）", missing.join("、")),
        ));
    }
    if errors.is_empty() {
        Ok(serde_json::json!({"answered": seen.len()}))
    } else {
        Err(errors)
    }
}
