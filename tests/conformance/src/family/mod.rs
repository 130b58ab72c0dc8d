//! Conformance cases of 患者・家族連携 (issue #34): invitations, joining and signing in with
//! a passkey, what the family sees, readings at home, questionnaires, the access log; and the
//! helpers the cases share.

mod emergency;
mod join;
mod passkeys;
mod phr;
mod questionnaires;
mod view;

use emergency::emergency_info;
use join::{bad_ceremonies, invitations, join};
use passkeys::passkey_sign_in;
use phr::phr;
use questionnaires::{custom_questionnaires, questionnaires};
use view::family_view;

use rainbownet_core::auth::webauthn::{self, software};

use crate::auth::{access, register, with_token};
use crate::cases::{Case, ensure_problem};
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
    Case {
        name: "emergency information (#35): written by the team with who and when, typed and checked by pointer, every version kept, read and confirmed by the linked family, others 404",
        run: emergency_info,
    },
];

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

/// `method path` with `token` is refused with `status` (a problem document of its kind).
pub(super) fn denied(
    c: &Client,
    method: &str,
    path: &str,
    token: &str,
    status: u16,
) -> Result<(), String> {
    let kind = match status {
        401 => "/problems/unauthorized",
        403 => "/problems/forbidden",
        404 => "/problems/not-found",
        _ => "/problems/conflict",
    };
    ensure_problem(&with_token(c, method, path, token, None)?, status, kind).map(|_| ())
}

/// A patient of a new nurse, and an invitation's code for it.
pub(super) fn invited(c: &Client, label: &str) -> Result<(String, String, String), String> {
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

pub(super) fn post_json(
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
pub(super) fn options(c: &Client, code: &str) -> Result<(Vec<u8>, String), String> {
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
pub(super) fn options_refused(c: &Client, code: &str) -> Result<(), String> {
    let resp = post_json(
        c,
        "/api/v1/family/join/options",
        &serde_json::json!({"code": code}),
    )?;
    ensure_problem(&resp, 401, "/problems/unauthorized").map(|_| ())
}

/// A join with `code` and `credential` is refused (401).
pub(super) fn join_refused(
    c: &Client,
    code: &str,
    credential: &serde_json::Value,
) -> Result<(), String> {
    let body = serde_json::json!({"code": code, "credential": credential});
    ensure_problem(
        &post_json(c, "/api/v1/family/join", &body)?,
        401,
        "/problems/unauthorized",
    )
    .map(|_| ())
}
