//! Conformance cases of 患者・家族連携 (issue #34): the team's invitations so far.

use crate::auth::{access, register, with_token};
use crate::cases::{Case, audit_entries, ensure_problem, expect_invalid_fields};
use crate::client::Client;
use crate::patients::patient_body;

pub const CASES: &[Case] = &[Case {
    name: "family invitations: the team invites with a one-time code (URL, QR), lists without codes, revokes; others 404",
    run: invitations,
}];

fn invitations(c: &Client) -> Result<(), String> {
    let nurse = register(c, "family-nurse")?;
    let token = access(c, &nurse, 0)?;
    let created = with_token(
        c,
        "POST",
        "/api/v1/patients",
        &token,
        Some(patient_body("家族 花子")),
    )?;
    ensure!(created.status == 201, "patient: {}", created.text());
    let patient = created.json()?["id"].as_str().ok_or("no id")?.to_owned();
    let path = format!("/api/v1/patients/{patient}/family-invitations");
    let invite =
        |body: serde_json::Value| with_token(c, "POST", &path, &token, Some(body.to_string()));

    let made = invite(serde_json::json!({"name": "家族 一郎", "relation": "child"}))?;
    ensure!(
        made.status == 201,
        "invite: {} {}",
        made.status,
        made.text()
    );
    let made = made.json()?;
    let code = made["code"].as_str().unwrap_or_default();
    ensure!(
        code.len() == 26
            && code
                .chars()
                .all(|ch| ch.is_ascii_uppercase() || ('2'..='7').contains(&ch)),
        "the code is 128 bits of base32: {code:?}"
    );
    ensure!(
        made["url"]
            .as_str()
            .is_some_and(|u| u.ends_with(&format!("/app/family/#join={code}")))
            && made["qr_svg"].as_str().is_some_and(|q| q.contains("<svg")),
        "URL with the code in its fragment, and its QR code: {made}"
    );
    let second = invite(serde_json::json!({"name": "本人", "relation": "self"}))?.json()?;
    ensure!(second["code"] != made["code"], "two invitations, one code");

    expect_invalid_fields(
        &invite(serde_json::json!({"name": "", "relation": "neighbour"}))?,
        &["#/name", "#/relation"],
    )?;
    ensure_problem(
        &invite(serde_json::json!({"name": "x", "relation": "child", "role": "admin"}))?,
        400,
        "/problems/malformed-json",
    )?;

    // The list shows who and when, never a code.
    let list = with_token(c, "GET", &path, &token, None)?;
    ensure!(list.status == 200, "list: {}", list.status);
    let text = list.text();
    ensure!(
        !text.contains(code) && !text.contains("\"code\""),
        "a code in the list: {text}"
    );
    let items = list.json()?["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    ensure!(items.len() == 2, "two invitations: {text}");

    // Outsiders: another professional 404, nobody 401.
    let other = register(c, "family-outsider")?;
    let other_token = access(c, &other, 0)?;
    ensure_problem(
        &with_token(
            c,
            "POST",
            &path,
            &other_token,
            Some(r#"{"name":"x","relation":"child"}"#.into()),
        )?,
        404,
        "/problems/not-found",
    )?;
    ensure_problem(
        &with_token(c, "GET", &path, &other_token, None)?,
        404,
        "/problems/not-found",
    )?;
    ensure_problem(&c.get(&path)?, 401, "/problems/unauthorized")?;

    // Revoking: once, by the team, for this patient only.
    let id = made["id"].as_str().ok_or("no invitation id")?;
    let revoke = format!("{path}/{id}/revoke");
    ensure!(
        with_token(c, "POST", &revoke, &token, None)?.status == 204,
        "revoke"
    );
    let items = with_token(c, "GET", &path, &token, None)?.json()?["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    ensure!(
        items
            .iter()
            .any(|i| i["id"] == id && i["revoked_at"].is_string()),
        "revoked in the list: {items:?}"
    );
    let elsewhere = with_token(
        c,
        "POST",
        "/api/v1/patients",
        &token,
        Some(patient_body("家族 次郎")),
    )?
    .json()?["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    ensure_problem(
        &with_token(
            c,
            "POST",
            &format!("/api/v1/patients/{elsewhere}/family-invitations/{id}/revoke"),
            &token,
            None,
        )?,
        404,
        "/problems/not-found",
    )?;
    let audit = audit_entries(c, &format!("target={patient}&limit=100"))?;
    for action in [
        "family.invite",
        "family.invitations",
        "family.invite.revoke",
    ] {
        ensure!(
            audit
                .iter()
                .any(|e| e["action"] == action && e["outcome"] == "allowed"),
            "{action} not audited"
        );
    }
    Ok(())
}
