//! The authorization matrix read from the functions' own route tables: every route of
//! `portal`, `care` and `disaster` is called as every kind of caller, and what each may get follows
//! from the route's guard alone. A new route is in the table, so it is in this matrix; a
//! new kind of guard has no expectation here until one is written (the `match` is
//! exhaustive).

use rainbownet_core::auth::token;
use rainbownet_core::http::router::{Guard, RouteInfo};

use crate::auth::{PASSWORD, code, login, now_seconds, register_in, tokens, with_token};
use crate::cases::Case;
use crate::client::{Client, Resp};
use crate::hosts::TEST_TOKEN_SEED;

pub const CASES: &[Case] = &[Case {
    name: "route tables: every portal, care and disaster route × no, forged and expired tokens, an outsider and two family members (linked, of another patient), as its guard says",
    run: every_route,
}];

/// The records a route's path may name: real ones the outsider has no part in.
struct Records {
    /// The patient's team member (the lead).
    owner: String,
    patient: String,
    project: String,
    event: String,
    team: String,
    professional: String,
}

fn path_for(route: &RouteInfo, r: &Records) -> String {
    route
        .path
        .replace("{id}", &r.patient)
        .replace("{project}", &r.project)
        .replace("{event}", &r.event)
        .replace("{team}", &r.team)
        .replace("{professional}", &r.professional)
        .replace("{post}", "01J0000000000000000000POST")
        .replace("{attachment}", "01J00000000000000000000ATT")
        .replace("{invitation}", "01J00000000000000000000INV")
        .replace("{alert}", "01J000000000000000000ALERT")
        .replace("{request}", "01J00000000000000000000REQ")
        .replace("{member}", "01J00000000000000000000MEM")
        .replace("{questionnaire}", "kihon-checklist")
        .replace("{store}", "auth")
        .replace("{code}", "23233")
        .replace("{word}", "%E3%81%91%E3%81%84%E3%82%8D")
}

fn created(resp: Resp, what: &str) -> Result<String, String> {
    ensure!(
        resp.status == 201,
        "{what}: {} {}",
        resp.status,
        resp.text()
    );
    Ok(resp.json()?["id"]
        .as_str()
        .ok_or(format!("{what}: no id"))?
        .to_owned())
}

fn session(
    c: &Client,
    label: &str,
    roles: &[&str],
    org: (&str, &str),
) -> Result<(String, String), String> {
    let account = register_in(c, label, roles, org)?;
    let (token, _) = tokens(&login(c, &account.email, PASSWORD, &code(&account, 0)?)?)?;
    let me = with_token(c, "GET", "/api/v1/auth/me", &token, None)?;
    let id = me.json()?["id"].as_str().ok_or("no id")?.to_owned();
    Ok((token, id))
}

fn records(c: &Client) -> Result<Records, String> {
    let stamp = now_seconds();
    let (owner, owner_id) = session(
        c,
        "routes-owner",
        &["professional"],
        ("23233", "清須訪問看護ステーション"),
    )?;
    let (staff, _) = session(
        c,
        "routes-staff",
        &["municipal_staff", "disaster_hq"],
        ("23233", "清須市役所 危機管理課"),
    )?;
    let patient = created(
        with_token(
            c,
            "POST",
            "/api/v1/patients",
            &owner,
            Some(crate::patients::patient_body("経路 表子")),
        )?,
        "patient",
    )?;
    let project = created(
        with_token(
            c,
            "POST",
            "/api/v1/care/projects",
            &owner,
            Some(serde_json::json!({"kind": "care_meeting", "name": format!("経路の会{stamp}"), "members": []}).to_string()),
        )?,
        "project",
    )?;
    let event = created(
        with_token(
            c,
            "POST",
            "/api/v1/disaster/events",
            &staff,
            Some(serde_json::json!({"name": "経路の訓練", "kind": "earthquake", "municipalities": ["23233"]}).to_string()),
        )?,
        "event",
    )?;
    let team = created(
        with_token(
            c,
            "POST",
            "/api/v1/disaster/teams",
            &staff,
            Some(serde_json::json!({"municipality_code": "23233", "name": format!("経路班{stamp}"), "members": [owner_id]}).to_string()),
        )?,
        "team",
    )?;
    // A post the team keeps to itself: no family answer may carry it.
    let kept = with_token(
        c,
        "POST",
        &format!("/api/v1/patients/{patient}/posts"),
        &owner,
        Some(serde_json::json!({"category": "consultation", "body": UNSHARED}).to_string()),
    )?;
    ensure!(kept.status == 201, "unshared post: {}", kept.text());
    Ok(Records {
        owner,
        patient,
        project,
        event,
        team,
        professional: owner_id,
    })
}

/// The text of a post the team did not share with the family.
const UNSHARED: &str = "経路の非共有記録";

/// What a family member may get: professionals' routes refuse them (403), the routes of
/// the signed-in and of the team-or-family serve them for their own patient and hide
/// another's (404).
fn family_ok(route: &RouteInfo, linked: bool, status: u16) -> bool {
    // A record inside the patient's (a post, a request) that the matrix names by a made-up
    // id is not found, for the family as for the team.
    let names_a_record = route.path.matches('{').count() > 1;
    match route.guard {
        Guard::Public | Guard::PublicOrAdministrator => {
            status < 500 && status != 401 && status != 403
        }
        Guard::SignedIn => status < 500 && status != 401 && status != 403 && status != 404,
        Guard::PatientMemberOrFamily if linked => {
            status < 500 && status != 401 && status != 403 && (status != 404 || names_a_record)
        }
        Guard::PatientMemberOrFamily => status == 404,
        Guard::Session
        | Guard::PatientMember
        | Guard::ProjectMember
        | Guard::TownStaff
        | Guard::OrgAdmin
        | Guard::Administrator
        | Guard::RegionAdministrator => status == 403,
    }
}

/// What a caller without a valid token may get: a public route answers them (never 401,
/// 403 or a failure of ours); a route that reads credentials when sent refuses bad ones
/// (401); every other route is 401.
fn anonymous_ok(guard: Guard, sent_token: bool, status: u16) -> bool {
    match guard {
        Guard::Public => status < 500 && status != 401 && status != 403,
        Guard::PublicOrAdministrator if !sent_token => {
            status < 500 && status != 401 && status != 403
        }
        _ => status == 401,
    }
}

/// What a logged-in professional with no part in the records may get.
fn outsider_ok(guard: Guard, status: u16) -> bool {
    match guard {
        Guard::Public | Guard::Session | Guard::SignedIn | Guard::PublicOrAdministrator => {
            status < 500 && status != 401
        }
        // The region's own data: sysadmins only.
        Guard::RegionAdministrator => status == 403,
        // The record's existence is not revealed.
        Guard::PatientMember | Guard::PatientMemberOrFamily | Guard::ProjectMember => status == 404,
        // Refused, or turned away by what they sent; never served.
        Guard::TownStaff | Guard::OrgAdmin | Guard::Administrator => {
            matches!(status, 400 | 403 | 404 | 409 | 415 | 422)
        }
    }
}

fn send(c: &Client, route: &RouteInfo, path: &str, token: Option<&str>) -> Result<Resp, String> {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("content-type", "application/json")];
    if let Some(a) = auth.as_deref() {
        headers.push(("authorization", a));
    }
    let body = (route.method != http::Method::GET).then(|| b"{}".to_vec());
    c.request(route.method.as_str(), path, &headers, body)
}

fn every_route(c: &Client) -> Result<(), String> {
    let r = records(c)?;
    let (outsider, _) = session(
        c,
        "routes-outsider",
        &["professional"],
        ("23233", "清須よそ者クリニック"),
    )?;
    let (family, _, _) = crate::family::family_member(c, &r.owner, &r.patient, 71)?;
    let elsewhere = created(
        with_token(
            c,
            "POST",
            "/api/v1/patients",
            &outsider,
            Some(crate::patients::patient_body("経路 別子")),
        )?,
        "another patient",
    )?;
    let (family_elsewhere, _, _) = crate::family::family_member(c, &outsider, &elsewhere, 72)?;
    let seed = rainbownet_core::auth::keys::from_hex(TEST_TOKEN_SEED).ok_or("seed")?;
    let subject = |jti: &str| token::Subject {
        sub: r.professional.clone(),
        roles: vec![
            rainbownet_core::auth::role::Role::Sysadmin,
            rainbownet_core::auth::role::Role::MunicipalStaff,
        ],
        org: None,
        municipality: Some("23233".into()),
        jti: jti.into(),
        sid: None,
        name: None,
        patient: None,
    };
    let now_ms = i64::try_from(now_seconds() * 1000).unwrap_or(0);
    let forged =
        token::issue(&[42u8; 32], &subject("forged"), now_ms).map_err(|e| e.to_string())?;
    let expired =
        token::issue(&seed, &subject("expired"), now_ms - 3_600_000).map_err(|e| e.to_string())?;
    let mut routes: Vec<RouteInfo> = rainbownet_care::routes()
        .chain(rainbownet_disaster::routes())
        .chain(rainbownet_portal::routes())
        .collect();
    // A route that ends the caller's session goes last, so the outsider and the family keep
    // theirs.
    routes.sort_by_key(|route| route.path.ends_with("/logout"));
    let mut failures = Vec::new();
    let mut calls = 0;
    for route in &routes {
        let path = path_for(route, &r);
        for (who, token) in [
            ("no token", None),
            ("forged token", Some(forged.as_str())),
            ("expired token", Some(expired.as_str())),
        ] {
            let resp = send(c, route, &path, token)?;
            calls += 1;
            if !anonymous_ok(route.guard, token.is_some(), resp.status) {
                failures.push(format!(
                    "{who} {} {} ({:?}): {}",
                    route.method, route.path, route.guard, resp.status
                ));
            }
        }
        let resp = send(c, route, &path, Some(&outsider))?;
        calls += 1;
        if !outsider_ok(route.guard, resp.status) {
            failures.push(format!(
                "outsider {} {} ({:?}): {} {}",
                route.method,
                route.path,
                route.guard,
                resp.status,
                resp.text().chars().take(160).collect::<String>()
            ));
        }
        if resp.text().contains("経路 表子") {
            failures.push(format!(
                "outsider {} {}: the patient's name in the answer",
                route.method, route.path
            ));
        }
        for (who, token, linked) in [
            ("family", family.as_str(), true),
            ("another's family", family_elsewhere.as_str(), false),
        ] {
            let resp = send(c, route, &path, Some(token))?;
            calls += 1;
            if !family_ok(route, linked, resp.status) {
                failures.push(format!(
                    "{who} {} {} ({:?}): {} {}",
                    route.method,
                    route.path,
                    route.guard,
                    resp.status,
                    resp.text().chars().take(160).collect::<String>()
                ));
            }
            let text = resp.text();
            if text.contains(UNSHARED) || (!linked && text.contains("経路 表子")) {
                failures.push(format!(
                    "{who} {} {}: what the team did not share is in the answer",
                    route.method, route.path
                ));
            }
        }
    }
    ensure!(
        failures.is_empty(),
        "{} of {calls} calls broke their route's guard:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
    ensure!(
        routes.len() >= 90,
        "only {} routes in the tables",
        routes.len()
    );
    Ok(())
}
