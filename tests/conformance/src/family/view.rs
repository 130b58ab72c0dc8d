//! What a family member sees, and what the team may do about their membership.

use rainbownet_core::auth::webauthn::software;

use crate::auth::with_token;
use crate::cases::{ensure_problem, expect_invalid_fields};
use crate::client::Client;

use super::passkeys::{sign_in_refused, signin_options};
use super::*;

pub(super) fn family_view(c: &Client) -> Result<(), String> {
    let (patient, _, team) = invited(c, "view-nurse")?;
    let (family, refresh, member) = family_member(c, &team, &patient, 64)?;
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
    // Each refusal is on record with the family member as the actor, the administrators'
    // routes' too.
    let recent = crate::cases::audit_entries(c, "limit=200")?;
    for action in ["patient.list", "audit.read"] {
        ensure!(
            recent.iter().any(|e| e["actor"] == member.as_str()
                && e["action"] == action
                && e["outcome"] == "denied"),
            "the family's {action} refusal is not on record"
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
