//! Questionnaires (アンケート・問診, issue #34): forms as FHIR R4 `Questionnaire` resources,
//! sent by the team to a patient, answered once by the patient's family (or by the team at a
//! visit) with a FHIR `QuestionnaireResponse`, and scored. Built in: the Ministry's
//! 基本チェックリスト (`kihon`).

pub mod kihon;
mod requests;
mod response;

pub use requests::{NewRequest, create, list, respond};

use serde_json::{Value as Json, json};

/// The forms there are: (id, title).
pub const FORMS: [(&str, &str); 1] = [(kihon::ID, "基本チェックリスト")];

pub fn known(id: &str) -> bool {
    FORMS.iter().any(|(f, _)| *f == id)
}

/// `GET /api/v1/care/questionnaires`: the forms, as short summaries.
pub fn summaries() -> Vec<Json> {
    FORMS
        .iter()
        .map(|(id, title)| json!({"id": id, "title": title, "publisher": "厚生労働省"}))
        .collect()
}

/// The canonical URL of a form.
pub fn url(id: &str) -> String {
    format!("urn:rainbownet:questionnaire:{id}")
}

/// `GET /api/v1/care/questionnaires/{id}`: the form as a FHIR R4 Questionnaire.
pub fn questionnaire(id: &str) -> Option<Json> {
    if id != kihon::ID {
        return None;
    }
    let unit = |code: &str| {
        json!([{"url": "http://hl7.org/fhir/StructureDefinition/questionnaire-unit",
            "valueCoding": {"system": "http://unitsofmeasure.org", "code": code, "display": code}}])
    };
    let mut items: Vec<Json> = Vec::new();
    for n in 1..=25 {
        if n == 12 {
            items.push(json!({"linkId": "12.height", "prefix": "12", "text": "身長（cm）", "type": "decimal", "required": true, "extension": unit("cm")}));
            items.push(json!({"linkId": "12.weight", "prefix": "12", "text": "体重（kg）", "type": "decimal", "required": true, "extension": unit("kg")}));
            continue;
        }
        let Some((link, text, _)) = kihon::QUESTIONS.iter().find(|q| q.0 == n.to_string()) else {
            continue;
        };
        items.push(json!({"linkId": link, "prefix": link, "text": text, "type": "boolean", "required": true}));
    }
    Some(json!({
        "resourceType": "Questionnaire",
        "id": id,
        "url": url(id),
        "name": "KihonChecklist",
        "title": "基本チェックリスト",
        "status": "active",
        "subjectType": ["Patient"],
        "publisher": "厚生労働省",
        "description": "介護予防・日常生活支援総合事業の基本チェックリスト（様式第一）。回答は はい = true、いいえ = false。No.12 は身長（cm）と体重（kg）。",
        "item": items,
    }))
}
