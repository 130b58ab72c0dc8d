//! The emergency information (issue #35, step one): curated by the team, typed and checked
//! by pointer, every version kept, read and confirmed by the linked family.

use crate::auth::with_token;
use crate::cases::expect_invalid_fields;
use crate::client::Client;

use super::*;

pub(super) fn emergency_info(c: &Client) -> Result<(), String> {
    let (patient, _, team) = invited(c, "emergency-nurse")?;
    let (family, _, _) = family_member(c, &team, &patient, 74)?;
    let path = format!("/api/v1/patients/{patient}/emergency-info");
    let put = |token: &str, body: serde_json::Value| {
        with_token(c, "PUT", &path, token, Some(body.to_string()))
    };
    let empty = with_token(c, "GET", &path, &team, None)?;
    ensure!(
        empty.status == 200,
        "before any: {} {}",
        empty.status,
        empty.text()
    );
    let empty = empty.json()?;
    ensure!(
        empty["version"] == 0
            && empty["allergies"] == serde_json::json!([])
            && empty["updated_at"].is_null(),
        "nothing written yet: {empty}"
    );
    let info = serde_json::json!({
        "allergies": [{"substance": "ペニシリン", "reaction": "発疹"}],
        "medications": [{"name": "アムロジピン", "dose": "5mg 朝1錠"}],
        "conditions": ["高血圧", "心不全"],
        "advance_directive": {"wish": "延命治療は望まない。自宅で過ごしたい。", "recorded_on": "2026-04-01"},
        "contacts": [{"name": "清須 一郎", "relation": "長男", "phone": "090-1234-5678"}],
        "notes": "鍵は玄関横の植木鉢の下",
    });
    let first = put(&team, info.clone())?;
    ensure!(
        first.status == 200,
        "write: {} {}",
        first.status,
        first.text()
    );
    let first = first.json()?;
    ensure!(
        first["version"] == 1
            && first["allergies"][0]["substance"] == "ペニシリン"
            && first["updated_by"]["name"].is_string()
            && first["updated_at"].is_string(),
        "written with who and when: {first}"
    );
    // A string where a list belongs; a phone that is no phone; a wish recorded in the future.
    let wrong = put(&team, serde_json::json!({"allergies": "ペニシリン"}))?;
    ensure!(
        wrong.status == 400 && wrong.text().contains("allergies"),
        "a string for a list: {} {}",
        wrong.status,
        wrong.text()
    );
    expect_invalid_fields(
        &put(
            &team,
            serde_json::json!({
                "contacts": [{"name": "x", "relation": "長男", "phone": "yes"}],
                "advance_directive": {"wish": "x", "recorded_on": "2999-01-01"},
                "medications": [{"name": ""}],
            }),
        )?,
        &[
            "#/contacts/0/phone",
            "#/advance_directive/recorded_on",
            "#/medications/0/name",
        ],
    )?;
    // The family reads it and confirms it; they may not write it.
    let read = with_token(c, "GET", &path, &family, None)?;
    ensure!(
        read.status == 200 && read.json()?["version"] == 1,
        "the family reads it: {}",
        read.status
    );
    denied(c, "PUT", &path, &family, 403)?;
    let confirmed = with_token(c, "POST", &format!("{path}/confirm"), &family, None)?;
    ensure!(
        confirmed.status == 200,
        "confirm: {} {}",
        confirmed.status,
        confirmed.text()
    );
    ensure!(
        confirmed.json()?["confirmed_by"] == "家族 三郎",
        "confirmed by whom"
    );
    denied(c, "POST", &format!("{path}/confirm"), &team, 403)?;
    // A change keeps the earlier version and asks the family again.
    let mut changed = info.clone();
    changed["medications"] = serde_json::json!([]);
    let second = put(&team, changed)?.json()?;
    ensure!(
        second["version"] == 2
            && second["previous_versions"] == 1
            && second["confirmed_at"].is_null(),
        "version 2, one kept, to confirm again: {second}"
    );
    // Others: another professional and another patient's family get 404.
    let (other, _, other_team) = invited(c, "emergency-other")?;
    let (other_family, _, _) = family_member(c, &other_team, &other, 75)?;
    denied(c, "GET", &path, &other_family, 404)?;
    denied(c, "GET", &path, &other_team, 404)?;
    Ok(())
}
