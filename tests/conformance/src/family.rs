//! Conformance cases of 患者・家族連携 (issue #34): the team's invitations so far.

use rainbownet_core::auth::webauthn::{self, software};

use crate::auth::{access, register, with_token};
use crate::cases::{Case, audit_entries, ensure_problem, expect_invalid_fields};
use crate::client::Client;
use crate::patients::patient_body;

pub const CASES: &[Case] = &[
    Case {
        name: "family invitations: the team invites with a one-time code (URL, QR), lists without codes, revokes; others 404",
        run: invitations,
    },
    Case {
        name: "family join: a passkey registers once per code; wrong origin, RP, reused or dropped challenge, used code, withdrawn consent are 401; parallel joins give one 201",
        run: join,
    },
];

/// A patient of a new nurse, and an invitation's code for it.
fn invited(c: &Client, label: &str) -> Result<(String, String, String), String> {
    let nurse = register(c, label)?;
    let token = access(c, &nurse, 0)?;
    let patient = with_token(
        c,
        "POST",
        "/api/v1/patients",
        &token,
        Some(patient_body("家族 花子")),
    )?
    .json()?["id"]
        .as_str()
        .ok_or("no patient")?
        .to_owned();
    let made = with_token(
        c,
        "POST",
        &format!("/api/v1/patients/{patient}/family-invitations"),
        &token,
        Some(r#"{"name":"家族 一郎","relation":"child"}"#.into()),
    )?
    .json()?;
    let code = made["code"].as_str().ok_or("no code")?.to_owned();
    Ok((patient, code, token))
}

fn post_json(
    c: &Client,
    path: &str,
    body: &serde_json::Value,
) -> Result<crate::client::Resp, String> {
    c.request(
        "POST",
        path,
        &[("content-type", "application/json")],
        Some(body.to_string().into_bytes()),
    )
}

/// The challenge and RP ID of fresh join options for `code`.
fn options(c: &Client, code: &str) -> Result<(Vec<u8>, String), String> {
    let resp = post_json(
        c,
        "/api/v1/family/join/options",
        &serde_json::json!({"code": code}),
    )?;
    ensure!(
        resp.status == 200,
        "options: {} {}",
        resp.status,
        resp.text()
    );
    let options = resp.json()?;
    let key = &options["publicKey"];
    ensure!(
        key["pubKeyCredParams"][0]["alg"] == -7 && key["attestation"] == "none",
        "ES256, attestation none: {options}"
    );
    let challenge =
        webauthn::from_base64url(key["challenge"].as_str().unwrap_or_default(), "challenge")
            .map_err(|e| e.to_string())?;
    ensure!(challenge.len() == 32, "a 256-bit challenge: {options}");
    Ok((
        challenge,
        key["rp"]["id"].as_str().unwrap_or_default().to_owned(),
    ))
}

/// Join options for `code` are refused (401).
fn options_refused(c: &Client, code: &str) -> Result<(), String> {
    let resp = post_json(
        c,
        "/api/v1/family/join/options",
        &serde_json::json!({"code": code}),
    )?;
    ensure_problem(&resp, 401, "/problems/unauthorized").map(|_| ())
}

/// A join with `code` and `credential` is refused (401).
fn join_refused(c: &Client, code: &str, credential: &serde_json::Value) -> Result<(), String> {
    let body = serde_json::json!({"code": code, "credential": credential});
    ensure_problem(
        &post_json(c, "/api/v1/family/join", &body)?,
        401,
        "/problems/unauthorized",
    )
    .map(|_| ())
}

fn join(c: &Client) -> Result<(), String> {
    let origin = c.base.clone();
    let (patient, code, _) = invited(c, "join-nurse")?;
    let phone = software::authenticator(21);
    let send = |credential: serde_json::Value| {
        post_json(
            c,
            "/api/v1/family/join",
            &serde_json::json!({"code": code, "credential": credential}),
        )
    };
    // A bad code: no options.
    options_refused(c, "AAAAAAAAAAAAAAAAAAAAAAAAAA")?;
    // Wrong origin, wrong RP ID: refused, and each challenge is gone with its try.
    let (challenge, rp_id) = options(c, &code)?;
    ensure!(
        origin.contains(&rp_id),
        "RP ID {rp_id} is the host of {origin}"
    );
    let evil = software::registration_json(&phone, &challenge, "https://evil.example", &rp_id);
    join_refused(c, &code, &evil)?;
    let (challenge, _) = options(c, &code)?;
    let other_rp = software::registration_json(&phone, &challenge, &origin, "evil.example");
    join_refused(c, &code, &other_rp)?;
    // The right ceremony joins; its replay (same challenge) and the code again are refused.
    let (challenge, _) = options(c, &code)?;
    let good = software::registration_json(&phone, &challenge, &origin, &rp_id);
    let joined = send(good.clone())?;
    ensure!(
        joined.status == 201,
        "join: {} {}",
        joined.status,
        joined.text()
    );
    let joined = joined.json()?;
    ensure!(
        joined["patient_id"] == patient.as_str() && joined["relation"] == "child",
        "joined: {joined}"
    );
    join_refused(c, &code, &good)?;
    options_refused(c, &code)?;

    // One code holds at most five challenges open: the sixth request drops the first.
    let (_, code, _) = invited(c, "join-many")?;
    let (first, rp_id) = options(c, &code)?;
    for _ in 0..5 {
        options(c, &code)?;
    }
    let stale = software::registration_json(&software::authenticator(99), &first, &origin, &rp_id);
    join_refused(c, &code, &stale)?;

    // Consent withdrawn: the patient's open invitations stop working at once.
    let (patient, code, token) = invited(c, "join-consent")?;
    options(c, &code)?;
    let revoked = with_token(
        c,
        "POST",
        &format!("/api/v1/patients/{patient}/consent/revoke"),
        &token,
        None,
    )?;
    ensure!(revoked.status == 204, "consent revoke: {}", revoked.status);
    options_refused(c, &code)?;

    // Twenty parallel joins with one code, each with its own challenge and key: one 201.
    let (_, code, _) = invited(c, "join-race")?;
    let ceremonies: Vec<serde_json::Value> = (0..20u8)
        .map(|i| {
            let (challenge, rp_id) = options(c, &code)?;
            Ok(software::registration_json(
                &software::authenticator(40 + i),
                &challenge,
                &origin,
                &rp_id,
            ))
        })
        .collect::<Result<_, String>>()?;
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = ceremonies
            .iter()
            .map(|credential| {
                let code = code.clone();
                s.spawn(move || {
                    post_json(
                        c,
                        "/api/v1/family/join",
                        &serde_json::json!({"code": code, "credential": credential}),
                    )
                    .map_or(0, |r| r.status)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).collect()
    });
    let won = statuses.iter().filter(|s| **s == 201).count();
    ensure!(
        won == 1 && statuses.iter().all(|s| [201, 401, 409].contains(s)),
        "20 parallel joins: {statuses:?}"
    );
    Ok(())
}

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
