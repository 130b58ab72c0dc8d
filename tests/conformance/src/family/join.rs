//! Invitations and joining with a passkey, and what a bad ceremony gets.

use rainbownet_core::auth::webauthn::{self, software};

use crate::auth::{access, register, with_token};
use crate::cases::{audit_entries, ensure_problem, expect_invalid_fields};
use crate::client::Client;
use crate::patients::patient_body;

use super::*;

pub(super) fn join(c: &Client) -> Result<(), String> {
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

pub(super) fn bad_ceremonies(c: &Client) -> Result<(), String> {
    let origin = c.base.clone();
    let (_, code, _) = invited(c, "bad-ceremony")?;
    let join = |credential: serde_json::Value| {
        post_json(
            c,
            "/api/v1/family/join",
            &serde_json::json!({"code": code, "credential": credential}),
        )
    };
    // Each try with a challenge of its own, so that each is refused for what it carries.
    let fresh = || -> Result<serde_json::Value, String> {
        let (challenge, rp_id) = options(c, &code)?;
        Ok(software::registration_json(
            &software::authenticator(68),
            &challenge,
            &origin,
            &rp_id,
        ))
    };
    let with_object = |object: Vec<u8>| -> Result<serde_json::Value, String> {
        let mut credential = fresh()?;
        credential["response"]["attestationObject"] = webauthn::to_base64url(&object).into();
        Ok(credential)
    };
    // Malformed JSON: a field of the wrong type, a missing response.
    for broken in [
        serde_json::json!({"id": 5, "type": "public-key", "response": {}}),
        serde_json::json!({"id": "x", "type": "public-key"}),
    ] {
        let resp = join(broken)?;
        ensure!(
            resp.status == 400,
            "malformed credential: {} {}",
            resp.status,
            resp.text()
        );
    }
    // 10,000 nested arrays; a map that claims four billion entries; a byte string that
    // claims 2^63 bytes; base64 that is not base64.
    let bombs = [
        [vec![0x81u8; 10_000], vec![0x00]].concat(),
        vec![0xBA, 0xFF, 0xFF, 0xFF, 0xFF],
        vec![
            0xA1, 0x63, b'f', b'm', b't', 0x5B, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        ],
    ];
    for bomb in bombs {
        let resp = join(with_object(bomb)?)?;
        ensure!(
            resp.status == 401,
            "a CBOR bomb: {} {}",
            resp.status,
            resp.text()
        );
    }
    let mut not_base64 = fresh()?;
    not_base64["response"]["attestationObject"] = "***".into();
    ensure!(
        join(not_base64)?.status == 401,
        "an attestationObject that is not base64"
    );
    // A megabyte of clientDataJSON: refused before it is read whole.
    let mut huge = fresh()?;
    huge["response"]["clientDataJSON"] = "A".repeat(1024 * 1024).into();
    let resp = join(huge)?;
    ensure!(resp.status == 413, "1 MB clientDataJSON: {}", resp.status);
    // None of it used the code up: a good ceremony joins.
    let joined = join(fresh()?)?;
    ensure!(
        joined.status == 201,
        "the code after the bad tries: {} {}",
        joined.status,
        joined.text()
    );
    Ok(())
}

pub(super) fn invitations(c: &Client) -> Result<(), String> {
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
    denied(c, "GET", &path, &other_token, 404)?;
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
    denied(
        c,
        "POST",
        &format!("/api/v1/patients/{elsewhere}/family-invitations/{id}/revoke"),
        &token,
        404,
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
