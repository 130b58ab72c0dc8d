//! Conformance cases of 患者・家族連携 (issue #34): the team's invitations, joining and
//! signing in with a passkey, and what the family sees.

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
    Case {
        name: "passkey sign-in: family and professionals; replay, counter going back, another key, wrong origin, forged challenge are 401 and audited; ten racing sign-ins with one assertion give one 200",
        run: passkey_sign_in,
    },
    Case {
        name: "passkey bad input: malformed WebAuthn JSON 400, CBOR bombs (deep nesting, huge lengths) and broken base64 401, a 1 MB clientDataJSON 413; the code still joins afterwards",
        run: bad_ceremonies,
    },
    Case {
        name: "the family's view: shared posts only, the patient's record, no professional route (403), nothing after consent is withdrawn",
        run: family_view,
    },
    Case {
        name: "questionnaires: the 基本チェックリスト as a FHIR Questionnaire, sent by the team, answered once by the family (a second or racing answer 409), bad responses named by pointer and nothing half-written; the access log for the family",
        run: questionnaires,
    },
    Case {
        name: "a town's own questionnaire (yes/no, choice, number, text): written by its staff only, sent by its nurses only, answered with type checks, a retry of the same answers is not a conflict, retired forms are sent no more",
        run: custom_questionnaires,
    },
    Case {
        name: "PHR: family readings marked as theirs; the team's thresholds raise one alert per reading outside them (none on a replay), acknowledged once; home blood pressure by JSH; FHIR performer RelatedPerson",
        run: phr,
    },
];

/// `YYYY-MM-DDTHH:MM:00+09:00`, `days` days ago in Japan.
fn jst_days_ago(days: i64, hour: u32, minute: u32) -> String {
    let now = i64::try_from(crate::auth::now_seconds() * 1000).unwrap_or(0);
    let d = rainbownet_core::time::jst(now - days * 86_400_000);
    format!(
        "{:04}-{:02}-{:02}T{hour:02}:{minute:02}:00+09:00",
        d.year, d.month, d.day
    )
}

/// A family member of `patient` who joined with the software authenticator `seed`: their
/// access token, refresh token and id.
pub fn family_member(
    c: &Client,
    team_token: &str,
    patient: &str,
    seed: u8,
) -> Result<(String, String, String), String> {
    let made = with_token(
        c,
        "POST",
        &format!("/api/v1/patients/{patient}/family-invitations"),
        team_token,
        Some(r#"{"name":"家族 三郎","relation":"spouse"}"#.into()),
    )?
    .json()?;
    let code = made["code"].as_str().ok_or("no code")?.to_owned();
    let (challenge, rp_id) = options(c, &code)?;
    let credential =
        software::registration_json(&software::authenticator(seed), &challenge, &c.base, &rp_id);
    let joined = post_json(
        c,
        "/api/v1/family/join",
        &serde_json::json!({"code": code, "credential": credential}),
    )?;
    ensure!(
        joined.status == 201,
        "join: {} {}",
        joined.status,
        joined.text()
    );
    let joined = joined.json()?;
    let field = |name: &str| {
        joined[name]
            .as_str()
            .map(str::to_owned)
            .ok_or(format!("join: no {name} in {joined}"))
    };
    Ok((
        field("access_token")?,
        field("refresh_token")?,
        field("id")?,
    ))
}

/// A sign-in challenge and the RP ID from fresh options.
fn signin_options(c: &Client) -> Result<(Vec<u8>, String), String> {
    let resp = post_json(c, "/api/v1/auth/passkey/options", &serde_json::json!({}))?;
    ensure!(
        resp.status == 200,
        "passkey options: {} {}",
        resp.status,
        resp.text()
    );
    let options = resp.json()?;
    let key = &options["publicKey"];
    let challenge =
        webauthn::from_base64url(key["challenge"].as_str().unwrap_or_default(), "challenge")
            .map_err(|e| e.to_string())?;
    ensure!(challenge.len() >= 16, "a long challenge: {options}");
    Ok((
        challenge,
        key["rpId"].as_str().unwrap_or_default().to_owned(),
    ))
}

fn sign_in(c: &Client, credential: &serde_json::Value) -> Result<crate::client::Resp, String> {
    post_json(
        c,
        "/api/v1/auth/passkey",
        &serde_json::json!({"credential": credential}),
    )
}

fn sign_in_refused(c: &Client, credential: &serde_json::Value) -> Result<(), String> {
    ensure_problem(&sign_in(c, credential)?, 401, "/problems/unauthorized").map(|_| ())
}

fn passkey_sign_in(c: &Client) -> Result<(), String> {
    let origin = c.base.clone();
    let (patient, _, team) = invited(c, "passkey-nurse")?;
    let (family_token, refresh, member) = family_member(c, &team, &patient, 61)?;
    ensure!(
        refresh.starts_with("fam_"),
        "a family session's refresh token: {refresh}"
    );
    let me = with_token(c, "GET", "/api/v1/auth/me", &family_token, None)?;
    ensure!(me.status == 200, "me: {} {}", me.status, me.text());
    let me = me.json()?;
    ensure!(
        me["kind"] == "family"
            && me["patient"]["id"] == patient.as_str()
            && me["id"] == member.as_str(),
        "me: {me}"
    );
    let phone = software::authenticator(61);
    let handle = member.as_bytes();

    // A good sign-in: the same token pair as a password login.
    let (challenge, rp_id) = signin_options(c)?;
    ensure!(origin.contains(&rp_id), "RP ID {rp_id} of {origin}");
    let good = software::assertion_json(&phone, &challenge, &origin, &rp_id, 1, handle);
    let signed = sign_in(c, &good)?;
    let (access_token, refresh) = crate::auth::tokens(&signed)?;
    ensure!(
        with_token(
            c,
            "GET",
            &format!("/api/v1/patients/{patient}"),
            &access_token,
            None
        )?
        .status
            == 200,
        "the new token reads the patient"
    );
    // The same assertion again (its challenge spent), and the counter going back.
    sign_in_refused(c, &good)?;
    let (challenge, _) = signin_options(c)?;
    sign_in_refused(
        c,
        &software::assertion_json(&phone, &challenge, &origin, &rp_id, 1, handle),
    )?;
    // Another key's signature under this credential's id; another origin; a challenge
    // this server never issued.
    let thief = software::Authenticator {
        key: software::authenticator(62).key,
        id: phone.id.clone(),
    };
    let (challenge, _) = signin_options(c)?;
    sign_in_refused(
        c,
        &software::assertion_json(&thief, &challenge, &origin, &rp_id, 5, handle),
    )?;
    sign_in_refused(
        c,
        &software::assertion_json(
            &phone,
            &challenge,
            "https://evil.example",
            &rp_id,
            5,
            handle,
        ),
    )?;
    let mut forged = challenge.clone();
    forged[0] ^= 1;
    sign_in_refused(
        c,
        &software::assertion_json(&phone, &forged, &origin, &rp_id, 5, handle),
    )?;
    // Malformed credentials are a clear 400, never a crash.
    let malformed = post_json(
        c,
        "/api/v1/auth/passkey",
        &serde_json::json!({"credential": {"id": 5}}),
    )?;
    ensure!(
        malformed.status == 400,
        "malformed credential: {} {}",
        malformed.status,
        malformed.text()
    );
    // The refreshed family session stays a family session.
    let refreshed = post_json(
        c,
        "/api/v1/auth/refresh",
        &serde_json::json!({"refresh_token": refresh}),
    )?;
    let (again, next) = crate::auth::tokens(&refreshed)?;
    ensure!(next.starts_with("fam_"), "rotated family token: {next}");
    denied(c, "GET", "/api/v1/patients", &again, 403)?;

    // Ten sign-ins racing with one assertion: one session.
    let (challenge, _) = signin_options(c)?;
    let once = software::assertion_json(&phone, &challenge, &origin, &rp_id, 9, handle);
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..10)
            .map(|_| s.spawn(|| sign_in(c, &once).map_or(0, |r| r.status)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).collect()
    });
    ensure!(
        statuses.iter().filter(|s| **s == 200).count() == 1
            && statuses.iter().all(|s| [200, 401].contains(s)),
        "ten racing sign-ins: {statuses:?}"
    );

    // A professional adds a passkey and signs in with it instead of password + TOTP.
    let (challenge, rp_id) = {
        let resp = with_token(
            c,
            "POST",
            "/api/v1/auth/passkeys/options",
            &team,
            Some("{}".into()),
        )?;
        ensure!(
            resp.status == 200,
            "add options: {} {}",
            resp.status,
            resp.text()
        );
        let options = resp.json()?;
        ensure!(
            options["publicKey"]["authenticatorSelection"]["userVerification"] == "required",
            "a professional's passkey verifies the user: {options}"
        );
        let challenge = webauthn::from_base64url(
            options["publicKey"]["challenge"]
                .as_str()
                .unwrap_or_default(),
            "challenge",
        )
        .map_err(|e| e.to_string())?;
        (
            challenge,
            options["publicKey"]["rp"]["id"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    };
    let laptop = software::authenticator(63);
    let registration = software::registration_json(&laptop, &challenge, &origin, &rp_id);
    let added = with_token(
        c,
        "POST",
        "/api/v1/auth/passkeys",
        &team,
        Some(serde_json::json!({"credential": registration}).to_string()),
    )?;
    ensure!(
        added.status == 201,
        "add passkey: {} {}",
        added.status,
        added.text()
    );
    let again = with_token(
        c,
        "POST",
        "/api/v1/auth/passkeys",
        &team,
        Some(serde_json::json!({"credential": registration}).to_string()),
    )?;
    ensure!(
        again.status == 409,
        "the same registration twice: {}",
        again.status
    );
    let nurse_id = with_token(c, "GET", "/api/v1/auth/me", &team, None)?.json()?["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let (challenge, _) = signin_options(c)?;
    let signed = sign_in(
        c,
        &software::assertion_json(&laptop, &challenge, &origin, &rp_id, 1, nurse_id.as_bytes()),
    )?;
    let (nurse_token, _) = crate::auth::tokens(&signed)?;
    let list = with_token(c, "GET", "/api/v1/patients", &nurse_token, None)?;
    ensure!(
        list.status == 200,
        "the nurse's passkey session lists patients: {}",
        list.status
    );
    let keys = with_token(c, "GET", "/api/v1/auth/passkeys", &nurse_token, None)?.json()?;
    ensure!(
        keys["items"]
            .as_array()
            .is_some_and(|k| k.len() == 1 && k[0]["last_used_at"].is_string()),
        "the nurse's passkeys: {keys}"
    );

    // Refusals are on record against the account they named.
    let audit = audit_entries(c, &format!("target={member}&limit=200"))?;
    // Refusals without a valid token within a minute from one address are one row with
    // their count (`repeats`).
    let denied: i64 = audit
        .iter()
        .filter(|e| e["action"] == "auth.passkey" && e["outcome"] == "denied")
        .map(|e| e["repeats"].as_i64().unwrap_or(1))
        .sum();
    ensure!(
        denied >= 4,
        "{denied} refused passkey sign-ins on record: {audit:?}"
    );
    Ok(())
}

fn family_view(c: &Client) -> Result<(), String> {
    let (patient, _, team) = invited(c, "view-nurse")?;
    let (family, refresh, _) = family_member(c, &team, &patient, 64)?;
    let posts = format!("/api/v1/patients/{patient}/posts");
    let post = |body: serde_json::Value| {
        let resp = with_token(c, "POST", &posts, &team, Some(body.to_string()))?;
        ensure!(resp.status == 201, "post: {} {}", resp.status, resp.text());
        Ok::<_, String>(resp.json()?["id"].as_str().unwrap_or_default().to_owned())
    };
    // A file on each post: the family reaches the shared post's file only.
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend((0..500u32).map(|i| (i % 251) as u8));
    let file = |what: &str| -> Result<String, String> {
        let up = crate::patients::upload(c, &team, &patient, "image/png", png.clone())?;
        ensure!(
            up.status == 201,
            "upload {what}: {} {}",
            up.status,
            up.text()
        );
        Ok(up.json()?["id"].as_str().unwrap_or_default().to_owned())
    };
    let (shared_file, kept_file) = (file("shared")?, file("kept")?);
    post(
        serde_json::json!({"category": "report", "body": "本日の訪問：血圧安定しています",
        "share_with_family": true, "attachments": [shared_file]}),
    )?;
    let hidden = post(
        serde_json::json!({"category": "consultation", "body": "チーム内の相談：服薬の見直し",
        "attachments": [kept_file]}),
    )?;
    let download = |id: &str| {
        let path = format!("/api/v1/patients/{patient}/attachments/{id}");
        with_token(c, "GET", &path, &family, None)
    };
    let got = download(&shared_file)?;
    ensure!(
        got.status == 200 && got.body == png,
        "the shared post's file: {}",
        got.status
    );
    ensure_problem(&download(&kept_file)?, 404, "/problems/not-found")?;
    let shared = |token: &str| -> Result<Vec<serde_json::Value>, String> {
        let resp = with_token(c, "GET", &posts, token, None)?;
        ensure!(
            resp.status == 200,
            "family timeline: {} {}",
            resp.status,
            resp.text()
        );
        ensure!(
            !resp.text().contains("チーム内の相談"),
            "an unshared post reached the family"
        );
        Ok(resp.json()?["items"]
            .as_array()
            .cloned()
            .unwrap_or_default())
    };
    let items = shared(&family)?;
    ensure!(
        items.len() == 1
            && items[0]["share_with_family"] == true
            && items[0]["comments"] == serde_json::json!([]),
        "one shared post, no comments: {items:?}"
    );
    // The author shares the second post: now the family sees both.
    let edited = with_token(
        c,
        "PUT",
        &format!("{posts}/{hidden}"),
        &team,
        Some(r#"{"share_with_family":true}"#.into()),
    )?;
    ensure!(
        edited.status == 200,
        "share: {} {}",
        edited.status,
        edited.text()
    );
    ensure!(
        edited.json()?["edited_at"].is_null(),
        "sharing is not an edit of the text"
    );
    let resp = with_token(c, "GET", &posts, &family, None)?;
    ensure!(
        resp.json()?["items"].as_array().map(Vec::len) == Some(2),
        "two shared posts"
    );

    // The record itself, yes; another patient, no; professional routes, 403.
    let record = with_token(
        c,
        "GET",
        &format!("/api/v1/patients/{patient}"),
        &family,
        None,
    )?;
    ensure!(
        record.status == 200,
        "the family reads the record: {}",
        record.status
    );
    let (other, _, _) = invited(c, "view-other")?;
    denied(c, "GET", &format!("/api/v1/patients/{other}"), &family, 404)?;
    for (method, path) in [
        ("GET", "/api/v1/patients".to_owned()),
        ("GET", format!("/api/v1/patients/{patient}/alerts")),
        (
            "GET",
            format!("/api/v1/patients/{patient}/family-invitations"),
        ),
        ("POST", posts.clone()),
        ("GET", "/api/v1/care/audit".to_owned()),
        ("GET", "/api/v1/disaster/events".to_owned()),
    ] {
        let resp = with_token(
            c,
            method,
            &path,
            &family,
            (method == "POST").then(|| "{}".to_owned()),
        )?;
        ensure!(
            resp.status == 403,
            "family {method} {path}: {} {}",
            resp.status,
            resp.text()
        );
    }

    // The family writes to the team; a retry with the same key is the same message.
    let messages = format!("/api/v1/patients/{patient}/family-messages");
    let write = |token: &str, key: &str, body: &str| {
        c.request(
            "POST",
            &messages,
            &[
                ("content-type", "application/json"),
                ("authorization", &format!("Bearer {token}")),
                ("idempotency-key", key),
            ],
            Some(serde_json::json!({ "body": body }).to_string().into_bytes()),
        )
    };
    let sent = write(&family, "msg-1", "母が昨夜から咳をしています。")?;
    ensure!(
        sent.status == 201,
        "family message: {} {}",
        sent.status,
        sent.text()
    );
    let sent = sent.json()?;
    let again = write(&family, "msg-1", "母が昨夜から咳をしています。")?.json()?;
    ensure!(again["id"] == sent["id"], "a retry is the first message");
    expect_invalid_fields(&write(&family, "msg-2", "   ")?, &["#/body"])?;
    denied(c, "POST", &messages, &team, 403)?;
    let read = with_token(c, "GET", &messages, &team, None)?.json()?;
    ensure!(
        read["items"].as_array().map(Vec::len) == Some(1)
            && read["items"][0]["relation"] == "spouse"
            && read["items"][0]["body"] == "母が昨夜から咳をしています。",
        "the team reads the family's message: {read}"
    );

    // The team sees who joined, and may end a membership: that member's access ends at once.
    let (second, second_refresh, second_id) = family_member(c, &team, &patient, 69)?;
    let members = with_token(
        c,
        "GET",
        &format!("/api/v1/patients/{patient}/family-members"),
        &team,
        None,
    )?;
    ensure!(
        members.status == 200,
        "members: {} {}",
        members.status,
        members.text()
    );
    let members = members.json()?["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    ensure!(
        members.len() == 2
            && members
                .iter()
                .all(|m| m["status"] == "active" && m["passkeys"] == 1),
        "two members with a passkey each: {members:?}"
    );
    denied(
        c,
        "GET",
        &format!("/api/v1/patients/{patient}/family-members"),
        &family,
        403,
    )?;
    let close = format!("/api/v1/patients/{patient}/family-members/{second_id}/close");
    ensure!(
        with_token(c, "POST", &close, &team, None)?.status == 204,
        "close a membership"
    );
    denied(c, "GET", &posts, &second, 404)?;
    ensure_problem(
        &post_json(
            c,
            "/api/v1/auth/refresh",
            &serde_json::json!({"refresh_token": second_refresh}),
        )?,
        401,
        "/problems/unauthorized",
    )?;
    ensure!(
        with_token(c, "GET", &posts, &family, None)?.status == 200,
        "the other member keeps access"
    );
    let (stranger, _, stranger_team) = invited(c, "view-stranger")?;
    let (_, _, strangers_member) = family_member(c, &stranger_team, &stranger, 70)?;
    denied(
        c,
        "POST",
        &format!("/api/v1/patients/{patient}/family-members/{strangers_member}/close"),
        &team,
        404,
    )?;

    // Consent withdrawn: the family's token, refresh token and passkey stop at once.
    let revoked = with_token(
        c,
        "POST",
        &format!("/api/v1/patients/{patient}/consent/revoke"),
        &team,
        None,
    )?;
    ensure!(revoked.status == 204, "consent revoke: {}", revoked.status);
    denied(c, "GET", &posts, &family, 404)?;
    denied(c, "GET", "/api/v1/auth/me", &family, 401)?;
    ensure_problem(
        &post_json(
            c,
            "/api/v1/auth/refresh",
            &serde_json::json!({"refresh_token": refresh}),
        )?,
        401,
        "/problems/unauthorized",
    )?;
    let (challenge, rp_id) = signin_options(c)?;
    sign_in_refused(
        c,
        &software::assertion_json(
            &software::authenticator(64),
            &challenge,
            &c.base,
            &rp_id,
            0,
            b"",
        ),
    )?;
    Ok(())
}

/// `method path` with `token` is refused with `status` (a problem document of its kind).
fn denied(c: &Client, method: &str, path: &str, token: &str, status: u16) -> Result<(), String> {
    let kind = match status {
        401 => "/problems/unauthorized",
        403 => "/problems/forbidden",
        404 => "/problems/not-found",
        _ => "/problems/conflict",
    };
    ensure_problem(&with_token(c, method, path, token, None)?, status, kind).map(|_| ())
}

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

fn phr(c: &Client) -> Result<(), String> {
    let (patient, _, team) = invited(c, "phr-nurse")?;
    let (family, _, member) = family_member(c, &team, &patient, 65)?;
    let path = |tail: &str| format!("/api/v1/patients/{patient}{tail}");
    let send = |token: &str, method: &str, tail: &str, body: serde_json::Value| {
        with_token(c, method, &path(tail), token, Some(body.to_string()))
    };

    // Thresholds: the team's alone, checked field by field.
    let set = send(
        &team,
        "PUT",
        "/vital-thresholds",
        serde_json::json!({"thresholds": [{"kind": "blood_pressure", "above": 160}, {"kind": "spo2", "below": 92}]}),
    )?;
    ensure!(
        set.status == 200,
        "thresholds: {} {}",
        set.status,
        set.text()
    );
    expect_invalid_fields(
        &send(
            &team,
            "PUT",
            "/vital-thresholds",
            serde_json::json!({"thresholds": [{"kind": "mood", "above": 1}, {"kind": "pulse", "above": 50, "below": 60}]}),
        )?,
        &["#/thresholds/0/kind", "#/thresholds/1/below"],
    )?;
    ensure_problem(
        &send(
            &team,
            "PUT",
            "/vital-thresholds",
            serde_json::json!({"thresholds": "160"}),
        )?,
        400,
        "/problems/malformed-json",
    )?;
    ensure_problem(
        &send(
            &family,
            "PUT",
            "/vital-thresholds",
            serde_json::json!({"thresholds": []}),
        )?,
        403,
        "/problems/forbidden",
    )?;

    // A family reading above the threshold: one alert, also when the phone sends it again.
    // Eight days ago: outside the home blood pressure's week below.
    let high = serde_json::json!({"kind": "blood_pressure", "value": 172, "value2": 96,
        "measured_at": jst_days_ago(8, 7, 0)});
    let record = |token: &str, key: &str, body: &serde_json::Value| {
        c.request(
            "POST",
            &path("/vitals"),
            &[
                ("content-type", "application/json"),
                ("authorization", &format!("Bearer {token}")),
                ("idempotency-key", key),
            ],
            Some(body.to_string().into_bytes()),
        )
    };
    let first = record(&family, "phr-high-1", &high)?;
    ensure!(
        first.status == 201,
        "family reading: {} {}",
        first.status,
        first.text()
    );
    let reading = first.json()?;
    ensure!(
        reading["recorded_by"]["kind"] == "family"
            && reading["recorded_by"]["id"] == member.as_str(),
        "recorded by the family: {reading}"
    );
    let again = record(&family, "phr-high-1", &high)?.json()?;
    ensure!(
        again["id"] == reading["id"],
        "a replay is the first reading"
    );
    ensure!(
        record(
            &family,
            "phr-normal",
            &serde_json::json!({"kind": "blood_pressure", "value": 121, "value2": 74,
            "measured_at": jst_days_ago(8, 7, 30)})
        )?
        .status
            == 201,
        "a normal reading"
    );
    expect_invalid_fields(
        &record(
            &family,
            "phr-typo",
            &serde_json::json!({"kind": "blood_pressure", "value": 400, "value2": 74}),
        )?,
        &["#/value"],
    )?;
    ensure!(
        record(
            &team,
            "phr-spo2",
            &serde_json::json!({"kind": "spo2", "value": 90})
        )?
        .status
            == 201,
        "the team's reading"
    );
    let alerts = with_token(c, "GET", &path("/alerts"), &team, None)?;
    ensure!(
        alerts.status == 200,
        "alerts: {} {}",
        alerts.status,
        alerts.text()
    );
    let items = alerts.json()?["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    ensure!(
        items.len() == 2
            && items[0]["kind"] == "spo2"
            && items[1]["kind"] == "blood_pressure"
            && items[1]["reading"]["recorded_by"]["kind"] == "family"
            && items[1]["reading"]["recorded_by"]["id"] == member.as_str()
            && items[1]["reading"]["value"] == 172.0
            && items[1]["threshold"]["above"] == 160.0,
        "two alerts, newest first: {items:?}"
    );
    ensure_problem(
        &with_token(c, "GET", &path("/alerts"), &family, None)?,
        403,
        "/problems/forbidden",
    )?;
    let alert = items[1]["id"].as_str().unwrap_or_default().to_owned();
    let ack = with_token(
        c,
        "POST",
        &path(&format!("/alerts/{alert}/ack")),
        &team,
        None,
    )?;
    ensure!(ack.status == 200, "ack: {} {}", ack.status, ack.text());
    let acked = ack.json()?;
    ensure!(
        acked["acknowledged_by"]["name"].is_string(),
        "acknowledged by whom: {acked}"
    );
    let twice = with_token(
        c,
        "POST",
        &path(&format!("/alerts/{alert}/ack")),
        &team,
        None,
    )?
    .json()?;
    ensure!(
        twice["acknowledged_at"] == acked["acknowledged_at"],
        "the first acknowledgement stands"
    );
    ensure_problem(
        &with_token(
            c,
            "POST",
            &path("/alerts/01J0000000000000000000NONE/ack"),
            &team,
            None,
        )?,
        404,
        "/problems/not-found",
    )?;
    let open = with_token(c, "GET", &path("/alerts?open=true"), &team, None)?.json()?;
    ensure!(
        open["items"].as_array().map(Vec::len) == Some(1),
        "one open alert: {open}"
    );

    // Both see both kinds of reading, each marked.
    let series = with_token(c, "GET", &path("/vitals"), &family, None)?;
    ensure!(
        series.status == 200,
        "family reads vitals: {}",
        series.status
    );
    let series = series.json()?["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    ensure!(
        series.len() == 3
            && series
                .iter()
                .filter(|v| v["recorded_by"]["kind"] == "family")
                .count()
                == 2,
        "the team's and the family's readings: {series:?}"
    );

    // Home blood pressure: five mornings, each two readings two minutes apart.
    for day in 1..=5 {
        for (minute, sys, dia) in [(0, 140, 88), (2, 136, 84)] {
            let body = serde_json::json!({"kind": "blood_pressure", "value": sys, "value2": dia,
                "measured_at": jst_days_ago(day, 7, minute)});
            let resp = record(&family, &format!("phr-home-{day}-{minute}"), &body)?;
            ensure!(
                resp.status == 201,
                "home reading: {} {}",
                resp.status,
                resp.text()
            );
        }
        // An evening reading: not part of the morning mean.
        let evening = serde_json::json!({"kind": "blood_pressure", "value": 110, "value2": 60,
            "measured_at": jst_days_ago(day, 21, 0)});
        record(&family, &format!("phr-evening-{day}"), &evening)?;
    }
    let home = with_token(c, "GET", &path("/vitals/home-bp?days=7"), &team, None)?;
    ensure!(
        home.status == 200,
        "home-bp: {} {}",
        home.status,
        home.text()
    );
    let home = home.json()?;
    ensure!(
        home["occasions"] == 5
            && home["days_with_readings"] == 5
            && home["systolic_mean"] == 138.0
            && home["diastolic_mean"] == 86.0
            && home["home_hypertension"] == true
            && home["sufficient"] == true,
        "home blood pressure: {home}"
    );
    let from_family = with_token(c, "GET", &path("/vitals/home-bp"), &family, None)?;
    ensure!(
        from_family.status == 200,
        "the family reads home-bp: {}",
        from_family.status
    );
    for bad in ["0", "91", "week"] {
        let resp = with_token(
            c,
            "GET",
            &path(&format!("/vitals/home-bp?days={bad}")),
            &team,
            None,
        )?;
        ensure!(resp.status == 422, "days={bad}: {}", resp.status);
    }

    // FHIR: the family's readings are observations of a RelatedPerson.
    let fhir = with_token(c, "GET", &path("/fhir"), &team, None)?.json()?;
    let entries = fhir["entry"].as_array().cloned().unwrap_or_default();
    let resource = |e: &serde_json::Value| e["resource"].clone();
    ensure!(
        entries
            .iter()
            .map(resource)
            .any(|r| r["resourceType"] == "RelatedPerson" && r["id"] == member.as_str())
            && entries
                .iter()
                .map(resource)
                .any(|r| r["resourceType"] == "Observation"
                    && r["performer"][0]["reference"] == format!("RelatedPerson/{member}")),
        "FHIR: RelatedPerson and its observations"
    );
    Ok(())
}

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

fn questionnaires(c: &Client) -> Result<(), String> {
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

fn bad_ceremonies(c: &Client) -> Result<(), String> {
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

fn custom_questionnaires(c: &Client) -> Result<(), String> {
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
