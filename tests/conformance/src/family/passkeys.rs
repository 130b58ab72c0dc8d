//! Signing in with a passkey: the family's and a professional's, and every refusal.

use rainbownet_core::auth::webauthn::{self, software};

use crate::auth::with_token;
use crate::cases::{audit_entries, ensure_problem};
use crate::client::Client;

use super::*;

/// A sign-in challenge and the RP ID from fresh options.
pub(super) fn signin_options(c: &Client) -> Result<(Vec<u8>, String), String> {
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

pub(super) fn sign_in(
    c: &Client,
    credential: &serde_json::Value,
) -> Result<crate::client::Resp, String> {
    post_json(
        c,
        "/api/v1/auth/passkey",
        &serde_json::json!({"credential": credential}),
    )
}

pub(super) fn sign_in_refused(c: &Client, credential: &serde_json::Value) -> Result<(), String> {
    ensure_problem(&sign_in(c, credential)?, 401, "/problems/unauthorized").map(|_| ())
}

pub(super) fn passkey_sign_in(c: &Client) -> Result<(), String> {
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
