//! Questionnaires: the 基本チェックリスト, a town's own forms, and the access log.

use crate::auth::with_token;
use crate::cases::{ensure_problem, expect_invalid_fields};
use crate::client::Client;

use super::*;

/// A 基本チェックリスト response: every item answered the way of no concern, except
/// `concerns` (item numbers answered the way that scores), at `height` cm and `weight` kg.
fn kihon_response(concerns: &[u32], height: f64, weight: f64) -> serde_json::Value {
    // いいえ scores for these items, はい for the others.
    const NO_SCORES: [u32; 10] = [1, 2, 3, 4, 5, 6, 7, 8, 16, 19];
    let mut items = Vec::new();
    for n in 1..=25u32 {
        if n == 12 {
            items.push(
                serde_json::json!({"linkId": "12.height", "answer": [{"valueDecimal": height}]}),
            );
            items.push(
                serde_json::json!({"linkId": "12.weight", "answer": [{"valueDecimal": weight}]}),
            );
            continue;
        }
        let scores_yes = !NO_SCORES.contains(&n);
        let concern = concerns.contains(&n);
        let yes = if concern { scores_yes } else { !scores_yes };
        items.push(serde_json::json!({"linkId": n.to_string(), "answer": [{"valueBoolean": yes}]}));
    }
    serde_json::json!({
        "resourceType": "QuestionnaireResponse",
        "questionnaire": "urn:rainbownet:questionnaire:kihon-checklist",
        "status": "completed",
        "item": items,
    })
}

pub(super) fn questionnaires(c: &Client) -> Result<(), String> {
    let (patient, _, team) = invited(c, "kihon-nurse")?;
    let (family, _, _) = family_member(c, &team, &patient, 66)?;
    let forms = with_token(c, "GET", "/api/v1/care/questionnaires", &family, None)?;
    ensure!(
        forms.status == 200,
        "forms: {} {}",
        forms.status,
        forms.text()
    );
    ensure!(
        forms.text().contains("kihon-checklist"),
        "the checklist is listed: {}",
        forms.text()
    );
    let form = with_token(
        c,
        "GET",
        "/api/v1/care/questionnaires/kihon-checklist",
        &team,
        None,
    )?;
    ensure!(
        form.status == 200
            && form
                .header("content-type")
                .is_some_and(|t| t.starts_with("application/fhir+json")),
        "the form: {} {:?}",
        form.status,
        form.header("content-type")
    );
    let form = form.json()?;
    let links: Vec<&str> = form["item"]
        .as_array()
        .map(|items| items.iter().filter_map(|i| i["linkId"].as_str()).collect())
        .unwrap_or_default();
    let mut wanted: Vec<String> = (1..=11).map(|n| n.to_string()).collect();
    wanted.extend(["12.height".to_owned(), "12.weight".to_owned()]);
    wanted.extend((13..=25).map(|n| n.to_string()));
    ensure!(
        form["resourceType"] == "Questionnaire" && links == wanted,
        "Questionnaire linkIds: {links:?}"
    );
    ensure!(
        form["item"][0]["text"] == "バスや電車で1人で外出していますか"
            && form["item"][0]["type"] == "boolean",
        "item 1 as published: {}",
        form["item"][0]
    );

    let requests = format!("/api/v1/patients/{patient}/questionnaire-requests");
    let ask = |body: &str| with_token(c, "POST", &requests, &team, Some(body.into()));
    expect_invalid_fields(&ask(r#"{"questionnaire":"phq-9"}"#)?, &["#/questionnaire"])?;
    ensure_problem(
        &with_token(
            c,
            "POST",
            &requests,
            &family,
            Some(r#"{"questionnaire":"kihon-checklist"}"#.into()),
        )?,
        403,
        "/problems/forbidden",
    )?;
    let made = ask(r#"{"questionnaire":"kihon-checklist"}"#)?;
    ensure!(
        made.status == 201,
        "request: {} {}",
        made.status,
        made.text()
    );
    let id = made.json()?["id"].as_str().unwrap_or_default().to_owned();
    let seen = with_token(c, "GET", &requests, &family, None)?.json()?;
    ensure!(
        seen["items"][0]["id"] == id.as_str() && seen["items"][0]["answered_at"].is_null(),
        "the family sees the open request: {seen}"
    );

    let answer_path = format!("{requests}/{id}/response");
    let answer = |body: &serde_json::Value| {
        with_token(c, "POST", &answer_path, &family, Some(body.to_string()))
    };
    // Faults, each by its pointer; none of them answers the request.
    expect_invalid_fields(
        &answer(&serde_json::json!({"resourceType": "Patient", "item": []}))?,
        &["#/resourceType"],
    )?;
    let mut unknown = kihon_response(&[], 160.0, 55.0);
    unknown["item"][3]["linkId"] = "99".into();
    expect_invalid_fields(&answer(&unknown)?, &["#/item/3/linkId"])?;
    let mut wrong_type = kihon_response(&[], 160.0, 55.0);
    wrong_type["item"][0]["answer"] = serde_json::json!([{"valueString": "はい"}]);
    expect_invalid_fields(&answer(&wrong_type)?, &["#/item/0/answer/0"])?;
    let mut short = kihon_response(&[], 160.0, 55.0);
    if let Some(items) = short["item"].as_array_mut() {
        items.truncate(20);
    }
    expect_invalid_fields(&answer(&short)?, &["#/item"])?;
    expect_invalid_fields(
        &answer(&kihon_response(&[], 160.0, 500.0))?,
        &["#/item/12/answer/0"],
    )?;
    ensure_problem(
        &with_token(
            c,
            "POST",
            &answer_path,
            &family,
            Some("{\"resourceType\":".into()),
        )?,
        400,
        "/problems/malformed-json",
    )?;
    let still = with_token(c, "GET", &requests, &team, None)?.json()?;
    ensure!(
        still["items"][0]["answered_at"].is_null(),
        "a refused answer wrote nothing: {still}"
    );

    // Motor (6, 7, 8), housebound (16), and weight loss with a BMI of exactly 18.5 (not under it).
    let good = kihon_response(&[6, 7, 8, 16, 11], 160.0, 47.36);
    let done = answer(&good)?;
    ensure!(
        done.status == 201,
        "answer: {} {}",
        done.status,
        done.text()
    );
    let done = done.json()?;
    let done_at = done["answered_at"].clone();
    let result = done["result"].clone();
    let flags = &result["flags"];
    ensure!(
        flags["motor"] == true
            && flags["housebound"] == true
            && flags["nutrition"] == false
            && flags["overall"] == false
            && flags["eligible"] == true
            && result["points_1_20"] == 5
            && result["bmi"] == 18.5,
        "scored by 様式第二: {result}"
    );
    ensure!(
        result["suggestions"]
            .as_array()
            .is_some_and(|s| s.iter().any(|x| x["domain"] == "motor")),
        "a flagged domain suggests places: {result}"
    );
    // The same answers again from the same person (a phone that lost the 201): the request as
    // it stands; other answers: 409.
    let replay = answer(&good)?;
    ensure!(
        replay.status == 201 && replay.json()?["answered_at"] == done_at,
        "a retry of the same answers: {} {}",
        replay.status,
        replay.text()
    );
    ensure_problem(
        &answer(&kihon_response(&[], 160.0, 60.0))?,
        409,
        "/problems/conflict",
    )?;
    let team_view = with_token(c, "GET", &requests, &team, None)?.json()?;
    ensure!(
        team_view["items"][0]["answered_by"] == "family"
            && team_view["items"][0]["response"]["item"].is_array(),
        "the team sees the answers: {team_view}"
    );

    // Ten different answers racing for one request: one is kept.
    let made = ask(r#"{"questionnaire":"kihon-checklist"}"#)?.json()?;
    let racing = format!(
        "{requests}/{}/response",
        made["id"].as_str().unwrap_or_default()
    );
    let bodies: Vec<String> = (0..10u8)
        .map(|i| kihon_response(&[21, 22], 150.0, 50.0 + f64::from(i)).to_string())
        .collect();
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = bodies
            .iter()
            .map(|body| {
                s.spawn(|| {
                    with_token(c, "POST", &racing, &family, Some(body.clone()))
                        .map_or(0, |r| r.status)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).collect()
    });
    ensure!(
        statuses.iter().filter(|s| **s == 201).count() == 1
            && statuses.iter().all(|s| [201, 409].contains(s)),
        "ten racing answers: {statuses:?}"
    );

    // The access log: the team's and the family's doings, named as the patient reads them.
    let log = with_token(
        c,
        "GET",
        &format!("/api/v1/patients/{patient}/access-log"),
        &family,
        None,
    )?;
    ensure!(
        log.status == 200,
        "access log: {} {}",
        log.status,
        log.text()
    );
    let text = log.text();
    let entries = log.json()?["items"].as_array().cloned().unwrap_or_default();
    ensure!(
        entries
            .iter()
            .any(|e| e["action"] == "questionnaire.request"
                && e["who"]["kind"] == "professional"
                && e["who"]["organization"].is_string()
                && e["action_ja"] == "問診を依頼しました")
            && entries
                .iter()
                .any(|e| e["action"] == "questionnaire.respond" && e["who"]["kind"] == "family"),
        "who did what: {entries:?}"
    );
    ensure!(
        !text.contains("127.0.0.1")
            && !text.contains("request_id")
            && !text.contains("access_log.read"),
        "no addresses, request ids or the log's own reads: {text}"
    );
    let (other, _, other_team) = invited(c, "kihon-other")?;
    let (other_family, _, _) = family_member(c, &other_team, &other, 67)?;
    denied(
        c,
        "GET",
        &format!("/api/v1/patients/{patient}/access-log"),
        &other_family,
        404,
    )?;
    Ok(())
}

pub(super) fn custom_questionnaires(c: &Client) -> Result<(), String> {
    let (patient, _, team) = invited(c, "custom-nurse")?;
    let (family, _, _) = family_member(c, &team, &patient, 73)?;
    let staff = crate::auth::register_in(
        c,
        "custom-town",
        &["municipal_staff"],
        ("23233", "清須市役所 高齢福祉課"),
    )?;
    let staff = crate::auth::access(c, &staff, 0)?;
    let form = serde_json::json!({
        "title": "退院後の暮らしアンケート",
        "items": [
            {"text": "夜はよく眠れていますか", "type": "boolean"},
            {"text": "痛みはどのくらいですか", "type": "choice", "options": ["なし", "少し", "強い"]},
            {"text": "1日に歩いた歩数", "type": "decimal"},
            {"text": "困っていること", "type": "text", "required": false},
        ],
    });
    let post = |token: &str, body: &serde_json::Value| {
        with_token(
            c,
            "POST",
            "/api/v1/care/questionnaires",
            token,
            Some(body.to_string()),
        )
    };
    // A plain professional may not write a town's form; bad items are named.
    ensure_problem(&post(&team, &form)?, 403, "/problems/forbidden")?;
    expect_invalid_fields(
        &post(
            &staff,
            &serde_json::json!({"title": "", "items": [{"text": "x", "type": "choice", "options": ["一つだけ"]}]}),
        )?,
        &["#/title", "#/items/0/options"],
    )?;
    let made = post(&staff, &form)?;
    ensure!(made.status == 201, "form: {} {}", made.status, made.text());
    let id = made.json()?["id"].as_str().unwrap_or_default().to_owned();
    // The town's nurses see it among the forms; as FHIR it has its items and options.
    let forms = with_token(c, "GET", "/api/v1/care/questionnaires", &team, None)?.text();
    ensure!(
        forms.contains(&id),
        "the town's form is listed for its nurse: {forms}"
    );
    let fhir = with_token(
        c,
        "GET",
        &format!("/api/v1/care/questionnaires/{id}"),
        &family,
        None,
    )?
    .json()?;
    ensure!(
        fhir["resourceType"] == "Questionnaire"
            && fhir["item"][1]["type"] == "choice"
            && fhir["item"][1]["answerOption"][2]["valueCoding"]["display"] == "強い"
            && fhir["item"][3]["required"] == false,
        "the form as FHIR: {fhir}"
    );
    let requests = format!("/api/v1/patients/{patient}/questionnaire-requests");
    let sent = with_token(
        c,
        "POST",
        &requests,
        &team,
        Some(serde_json::json!({"questionnaire": id}).to_string()),
    )?;
    ensure!(
        sent.status == 201,
        "send the town's form: {} {}",
        sent.status,
        sent.text()
    );
    let request = sent.json()?["id"].as_str().unwrap_or_default().to_owned();
    let answer_path = format!("{requests}/{request}/response");
    let answer = |items: serde_json::Value| {
        let body = serde_json::json!({"resourceType": "QuestionnaireResponse", "status": "completed", "item": items});
        with_token(c, "POST", &answer_path, &family, Some(body.to_string()))
    };
    // Wrong types and an option that is not there; the optional text may be left out.
    expect_invalid_fields(
        &answer(serde_json::json!([
            {"linkId": "1", "answer": [{"valueString": "はい"}]},
            {"linkId": "2", "answer": [{"valueCoding": {"code": "4"}}]},
            {"linkId": "3", "answer": [{"valueDecimal": 3200}]},
        ]))?,
        &["#/item/0/answer/0", "#/item/1/answer/0"],
    )?;
    expect_invalid_fields(
        &answer(serde_json::json!([{"linkId": "1", "answer": [{"valueBoolean": true}]}]))?,
        &["#/item"],
    )?;
    let good = serde_json::json!([
        {"linkId": "1", "answer": [{"valueBoolean": false}]},
        {"linkId": "2", "answer": [{"valueCoding": {"code": "2", "display": "少し"}}]},
        {"linkId": "3", "answer": [{"valueInteger": 3200}]},
    ]);
    let done = answer(good.clone())?;
    ensure!(
        done.status == 201,
        "answer: {} {}",
        done.status,
        done.text()
    );
    ensure!(
        done.json()?["title"] == "退院後の暮らしアンケート",
        "the request names its form"
    );
    // The same answers again from the same person (a lost 201): the request as it stands.
    let again = answer(good)?;
    ensure!(
        again.status == 201,
        "a retry of the same answers: {}",
        again.status
    );
    ensure_problem(
        &answer(
            serde_json::json!([{"linkId": "1", "answer": [{"valueBoolean": true}]}, {"linkId": "2", "answer": [{"valueCoding": {"code": "1"}}]}, {"linkId": "3", "answer": [{"valueInteger": 1}]}]),
        )?,
        409,
        "/problems/conflict",
    )?;
    // Another town's nurse can not send it; retired, it is sent no more.
    let (other, _, other_team) = invited(c, "custom-other")?;
    let _ = other;
    let elsewhere = crate::auth::register_in(
        c,
        "custom-far",
        &["professional"],
        ("23234", "北名古屋の診療所"),
    )?;
    let far = crate::auth::access(c, &elsewhere, 0)?;
    let far_patient = with_token(
        c,
        "POST",
        "/api/v1/patients",
        &far,
        Some(crate::patients::patient_body("遠方 花子")),
    )?
    .json()?["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    expect_invalid_fields(
        &with_token(
            c,
            "POST",
            &format!("/api/v1/patients/{far_patient}/questionnaire-requests"),
            &far,
            Some(serde_json::json!({"questionnaire": id}).to_string()),
        )?,
        &["#/questionnaire"],
    )?;
    let _ = other_team;
    ensure!(
        with_token(
            c,
            "POST",
            &format!("/api/v1/care/questionnaires/{id}/retire"),
            &staff,
            None
        )?
        .status
            == 204,
        "retire"
    );
    expect_invalid_fields(
        &with_token(
            c,
            "POST",
            &requests,
            &team,
            Some(serde_json::json!({"questionnaire": id}).to_string()),
        )?,
        &["#/questionnaire"],
    )?;
    Ok(())
}
