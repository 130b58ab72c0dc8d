//! Questionnaires (アンケート・問診, issue #34): forms as FHIR R4 `Questionnaire` resources,
//! sent by the team to a patient, answered once by the patient's family (or by the team at a
//! visit) with a FHIR `QuestionnaireResponse`, and scored. Built in: the Ministry's
//! 基本チェックリスト (`kihon`).

pub mod custom;
pub mod kihon;
mod requests;
mod response;

pub use requests::{NewRequest, create, list, respond};

use serde_json::{Value as Json, json};

use crate::auth::token::Subject;
use crate::env::Env;
use crate::error::Error;

/// The forms there are: (id, title).
pub const FORMS: [(&str, &str); 1] = [(kihon::ID, "基本チェックリスト")];

pub fn known(id: &str) -> bool {
    FORMS.iter().any(|(f, _)| *f == id)
}

/// `GET /api/v1/care/questionnaires`: the forms `caller` may send, as short summaries: the
/// built-in ones, and for a professional their town's and their organization's.
pub async fn summaries(env: &Env, caller: &Subject) -> Result<Vec<Json>, Error> {
    let mut forms: Vec<Json> = FORMS
        .iter()
        .map(|(id, title)| json!({"id": id, "title": title, "publisher": "厚生労働省", "owner": "builtin"}))
        .collect();
    if !caller.is_family() {
        for form in custom::usable(env, caller).await? {
            forms.push(json!({"id": form.id, "title": form.title, "owner": form.owner, "items": form.items.len()}));
        }
    }
    Ok(forms)
}

/// `GET /api/v1/care/questionnaires/{id}`: a built-in form or one of a town's or an
/// organization's, as a FHIR R4 Questionnaire.
pub async fn find(env: &Env, id: &str) -> Result<Option<Json>, Error> {
    if let Some(builtin) = questionnaire(id) {
        return Ok(Some(builtin));
    }
    Ok(custom::find(env, id)
        .await?
        .as_ref()
        .map(custom::questionnaire))
}

/// The canonical URL of a form.
pub fn url(id: &str) -> String {
    format!("urn:rainbownet:questionnaire:{id}")
}

/// A built-in form as a FHIR R4 Questionnaire.
pub fn questionnaire(id: &str) -> Option<Json> {
    if id != kihon::ID {
        return None;
    }
    // The unit, and the range the answer is checked against (response.rs), for forms that
    // warn on the spot.
    let unit = |code: &str, (min, max): (f64, f64)| {
        json!([
            {"url": "http://hl7.org/fhir/StructureDefinition/questionnaire-unit",
                "valueCoding": {"system": "http://unitsofmeasure.org", "code": code, "display": code}},
            {"url": "http://hl7.org/fhir/StructureDefinition/minValue", "valueDecimal": min},
            {"url": "http://hl7.org/fhir/StructureDefinition/maxValue", "valueDecimal": max},
        ])
    };
    let mut items: Vec<Json> = Vec::new();
    for n in 1..=25 {
        if n == 12 {
            items.push(json!({"linkId": "12.height", "prefix": "12", "text": "身長（cm）", "type": "decimal", "required": true, "extension": unit("cm", response::HEIGHT_CM)}));
            items.push(json!({"linkId": "12.weight", "prefix": "12", "text": "体重（kg）", "type": "decimal", "required": true, "extension": unit("kg", response::WEIGHT_KG)}));
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
