//! FHIR R4 export of one patient: a `collection` Bundle with Patient, CareTeam, Consent,
//! a Communication per timeline post and an Observation per vital (LOINC coded; blood
//! pressure as the 85354-9 panel with systolic 8480-6 and diastolic 8462-4 components).

use serde_json::{Value as Json, json};

use super::patients::{self, Member};
use super::vitals;
use crate::audit::{self, Outcome};
use crate::env::Env;
use crate::error::Error;
use crate::http::Request;
use crate::ports::Database;

/// A LOINC concept: `display` is LOINC's own name; our Japanese label goes in `text`.
fn loinc(code: &str, display: &str, text: Option<&str>) -> Json {
    let mut concept =
        json!({"coding": [{"system": "http://loinc.org", "code": code, "display": display}]});
    if let Some(text) = text {
        concept["text"] = text.into();
    }
    concept
}

fn loinc_display(code: &str) -> &'static str {
    match code {
        "85354-9" => "Blood pressure panel with all children optional",
        "8867-4" => "Heart rate",
        "8310-5" => "Body temperature",
        "59408-5" => "Oxygen saturation in Arterial blood by Pulse oximetry",
        "29463-7" => "Body weight",
        "9279-1" => "Respiratory rate",
        _ => "",
    }
}

fn quantity(value: f64, unit: &str) -> Json {
    json!({"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit})
}

/// Who measured: a practitioner of the team, the patient themself (自己測定), or a family
/// member as a RelatedPerson.
fn performer(patient: &str, v: &vitals::Vital) -> String {
    match (v.recorded_by.kind, v.recorded_by.relation.as_deref()) {
        ("family", Some("self")) => format!("Patient/{patient}"),
        ("family", _) => format!("RelatedPerson/{}", v.recorded_by.id),
        _ => format!("Practitioner/{}", v.recorded_by.id),
    }
}

/// HL7 v3 RoleCode for a family relation.
fn role_code(relation: &str) -> &'static str {
    match relation {
        "spouse" => "SPS",
        "child" => "CHILD",
        "parent" => "PRN",
        "sibling" => "SIB",
        _ => "FAMMEMB",
    }
}

fn observation(patient: &str, v: &vitals::Vital) -> Json {
    let category = json!([{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}]);
    let mut obs = json!({
        "resourceType": "Observation",
        "id": v.id,
        "status": "final",
        "category": category,
        "code": loinc(v.loinc, loinc_display(v.loinc), Some(v.label_ja)),
        "subject": {"reference": format!("Patient/{patient}")},
        "effectiveDateTime": v.measured_at,
        "performer": [{"reference": performer(patient, v)}],
    });
    if v.kind == "blood_pressure" {
        obs["component"] = json!([
            {"code": loinc("8480-6", "Systolic blood pressure", None), "valueQuantity": quantity(v.value, "mm[Hg]")},
            {"code": loinc("8462-4", "Diastolic blood pressure", None), "valueQuantity": quantity(v.value2.unwrap_or_default(), "mm[Hg]")},
        ]);
    } else {
        obs["valueQuantity"] = quantity(v.value, v.unit);
    }
    obs
}

pub async fn bundle(env: &Env, req: &Request, member: &Member) -> Result<Json, Error> {
    let (caller, patient_id) = (&member.caller, member.patient.as_str());
    let patient = patients::load(env, patient_id).await?;
    let sql = env.sql(Database::Care).await?;
    let posts = sql
        .query(
            "SELECT id, author_id, category, body, created_at FROM posts WHERE patient_id = ?1 ORDER BY rowid LIMIT 5000",
            &[patient_id.into()],
        )
        .await?;
    let readings = sql
        .query(
            &format!(
                "{} WHERE r.patient_id = ?1 ORDER BY r.measured_at, r.created_at, r.id LIMIT 5000",
                vitals::READINGS
            ),
            &[patient_id.into()],
        )
        .await?;
    let mut entries = vec![json!({
        "resourceType": "Patient",
        "id": patient.id,
        "identifier": [{"system": format!("urn:rainbownet:municipality:{}", patient.municipality_code), "value": patient.id}],
        "name": [
            {"use": "official", "text": patient.name},
            {"use": "usual", "text": patient.name_kana, "extension": [{"url": "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation", "valueCode": "SYL"}]},
        ],
        "gender": patient.sex,
        "birthDate": patient.birth_date,
        "telecom": patient.phone.iter().map(|p| json!({"system": "phone", "value": p})).collect::<Vec<_>>(),
        "address": patient.address.iter().map(|a| json!({"text": a, "country": "JP"})).collect::<Vec<_>>(),
    })];
    entries.push(json!({
        "resourceType": "CareTeam",
        "id": format!("{}-team", patient.id),
        "status": "active",
        "subject": {"reference": format!("Patient/{}", patient.id)},
        "participant": patient.team.iter().map(|m| json!({
            "member": {"reference": format!("Practitioner/{}", m.id), "display": m.name},
            "onBehalfOf": {"display": m.organization},
            "role": [{"text": m.profession}],
        })).collect::<Vec<_>>(),
    }));
    entries.push(json!({
        "resourceType": "Consent",
        "id": format!("{}-consent", patient.id),
        "status": "active",
        "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
        "category": [{"text": patient.consent_method}],
        // Opt-in sharing with the care team (FHIR invariant ppc-1 wants a policy).
        "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]},
        "patient": {"reference": format!("Patient/{}", patient.id)},
        "dateTime": patient.consent_taken_on,
    }));
    for row in posts.iter() {
        entries.push(json!({
            "resourceType": "Communication",
            "id": row.text("id")?,
            "status": "completed",
            "category": [{"text": row.text("category")?}],
            "subject": {"reference": format!("Patient/{}", patient.id)},
            "sender": {"reference": format!("Practitioner/{}", row.text("author_id")?)},
            "sent": row.text("created_at")?,
            "payload": [{"contentString": row.text("body")?}],
        }));
    }
    let mut related: Vec<String> = Vec::new();
    for row in readings.iter() {
        let v = vitals::from_row(&row)?;
        if let ("family", Some(relation)) = (v.recorded_by.kind, v.recorded_by.relation.as_deref())
            && relation != "self"
            && !related.contains(&v.recorded_by.id)
        {
            related.push(v.recorded_by.id.clone());
            entries.push(json!({
                "resourceType": "RelatedPerson",
                "id": v.recorded_by.id,
                "patient": {"reference": format!("Patient/{}", patient.id)},
                "name": [{"text": v.recorded_by.name}],
                "relationship": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-RoleCode", "code": role_code(relation)}]}],
            }));
        }
        entries.push(observation(&patient.id, &v));
    }
    audit::record(
        env,
        req,
        Some(&caller.sub),
        "patient.fhir",
        Some(patient_id),
        Outcome::Allowed,
    )
    .await?;
    let base = format!("{}/fhir", crate::http::origin::request_origin(req, env));
    Ok(json!({
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": crate::time::iso8601(env.clock.now_millis()),
        "entry": entries.into_iter().map(|resource| json!({
            // RESTful full URLs, so that `Patient/{id}` references resolve inside the bundle.
            "fullUrl": format!("{base}/{}/{}", resource["resourceType"].as_str().unwrap_or(""), resource["id"].as_str().unwrap_or("")),
            "resource": resource,
        })).collect::<Vec<_>>(),
    }))
}
