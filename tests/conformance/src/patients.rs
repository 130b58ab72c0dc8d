//! Conformance cases of patients: the authorization matrix.

use rainbownet_core::auth::token;

use crate::auth::{access, now_seconds, register, register_in, with_token};
use crate::cases::{Case, admin_request, audit_entries, ensure_problem, expect_invalid_fields};
use crate::client::{Client, Resp};
use crate::hosts::TEST_TOKEN_SEED;

pub const CASES: &[Case] = &[
    Case {
        name: "patients need consent; 和暦 birth dates are read; fields are checked",
        run: registration,
    },
    Case {
        name: "authorization matrix: all 17 patient routes × seven callers, audited, nothing leaked",
        run: matrix,
    },
    Case {
        name: "timeline: idempotent posts, read receipts, unread counts, edit history, pages",
        run: timeline,
    },
    Case {
        name: "attachments: type-checked, size-limited, team-only, posted and read back byte for byte",
        run: attachments,
    },
    Case {
        name: "nearby resources for a patient, introduced on the timeline with a handout",
        run: nearby,
    },
    Case {
        name: "bulk registration from a Shift_JIS export: consent, no consent, broken rows; re-run changes nothing",
        run: bulk_import,
    },
    Case {
        name: "the audit log: CSV export; municipal staff read their own town's patients only",
        run: audit_access,
    },
    Case {
        name: "vitals: units, LOINC codes, typos refused, retries once; the FHIR R4 bundle carries them",
        run: vitals,
    },
    Case {
        name: "a visit's vitals are stored together or not at all; a retry returns them, the key on other readings is refused; outsiders cannot",
        run: vitals_of_a_visit,
    },
];

pub fn patient_body(name: &str) -> String {
    serde_json::json!({
        "municipality_code": "23233", "name": name, "name_kana": "シケン ハナコ",
        "birth_date": "昭和20年5月1日", "sex": "female", "care_level": "care_2",
        "address": "愛知県清須市清洲1丁目", "lat": 35.2186, "lng": 136.8419,
        "consent": {"method": "care_certification_application", "taken_on": "令和8年4月1日"},
    })
    .to_string()
}

fn registration(c: &Client) -> Result<(), String> {
    let nurse = register(c, "register-patient")?;
    let token = access(c, &nurse, 0)?;
    let resp = with_token(
        c,
        "POST",
        "/api/v1/patients",
        &token,
        Some(patient_body("試験 花子")),
    )?;
    ensure!(
        resp.status == 201,
        "create: {} {}",
        resp.status,
        resp.text()
    );
    let patient = resp.json()?;
    ensure!(
        patient["birth_date"] == "1945-05-01" && patient["consent_taken_on"] == "2026-04-01",
        "dates: {patient}"
    );
    ensure!(
        patient["team"].as_array().map(Vec::len) == Some(1),
        "team: {patient}"
    );
    let mine = with_token(c, "GET", "/api/v1/patients", &token, None)?.json()?;
    ensure!(
        mine["items"]
            .as_array()
            .is_some_and(|i| i.iter().any(|p| p["id"] == patient["id"])),
        "list: {mine}"
    );
    let mut bad: serde_json::Value =
        serde_json::from_str(&patient_body("")).map_err(|e| e.to_string())?;
    bad["birth_date"] = "昭和99年1月1日".into();
    bad["name_kana"] = "Hanako".into();
    bad["consent"]["method"] = "verbal".into();
    let resp = with_token(c, "POST", "/api/v1/patients", &token, Some(bad.to_string()))?;
    expect_invalid_fields(
        &resp,
        &["#/name", "#/name_kana", "#/birth_date", "#/consent/method"],
    )?;
    let mut no_consent: serde_json::Value =
        serde_json::from_str(&patient_body("同意なし")).map_err(|e| e.to_string())?;
    no_consent
        .as_object_mut()
        .ok_or("object")?
        .remove("consent");
    let resp = with_token(
        c,
        "POST",
        "/api/v1/patients",
        &token,
        Some(no_consent.to_string()),
    )?;
    ensure_problem(&resp, 400, "/problems/malformed-json")?;
    Ok(())
}

fn matrix(c: &Client) -> Result<(), String> {
    let member = register(c, "member")?;
    let same_org = register(c, "same-org")?;
    let other = register_in(
        c,
        "other",
        &["professional"],
        ("23233", "清須内科クリニック"),
    )?;
    let far_staff = register_in(
        c,
        "far-staff",
        &["municipal_staff"],
        ("23234", "北名古屋市役所"),
    )?;

    let member_token = access(c, &member, 0)?;
    let name = format!("機密 太郎{}", now_seconds());
    let created = with_token(
        c,
        "POST",
        "/api/v1/patients",
        &member_token,
        Some(patient_body(&name)),
    )?;
    ensure!(
        created.status == 201,
        "create: {} {}",
        created.status,
        created.text()
    );
    let patient = created.json()?["id"].as_str().ok_or("no id")?.to_owned();
    let member_id = with_token(c, "GET", "/api/v1/auth/me", &member_token, None)?.json()?["id"]
        .as_str()
        .ok_or("no member id")?
        .to_owned();
    let other_token = access(c, &other, 0)?;
    let other_id = with_token(c, "GET", "/api/v1/auth/me", &other_token, None)?.json()?["id"]
        .as_str()
        .ok_or("no other id")?
        .to_owned();

    // An expired token with the member's identity, and a revoked one.
    let seed = rainbownet_core::auth::keys::from_hex(TEST_TOKEN_SEED).ok_or("seed")?;
    let an_hour_ago = i64::try_from((now_seconds() - 3600) * 1000).unwrap_or(0);
    let expired = token::issue(
        &seed,
        &token::Subject {
            sub: member_id.clone(),
            roles: vec![rainbownet_core::auth::role::Role::Professional],
            org: None,
            municipality: Some("23233".into()),
            jti: format!("expired{}", now_seconds()),
            sid: None,
            name: None,
            patient: None,
        },
        an_hour_ago,
    )
    .map_err(|e| e.to_string())?;
    let revoked = access(c, &member, 1)?;
    ensure!(
        with_token(c, "POST", "/api/v1/auth/logout", &revoked, None)?.status == 204,
        "logout"
    );

    let callers: Vec<(&str, Option<String>, u16)> = vec![
        (
            "same-organization non-member",
            Some(access(c, &same_org, 0)?),
            404,
        ),
        ("other professional", Some(other_token.clone()), 404),
        (
            "municipal staff of another town",
            Some(access(c, &far_staff, 0)?),
            404,
        ),
        ("no token", None, 401),
        ("expired token", Some(expired), 401),
        ("revoked token", Some(revoked), 401),
    ];
    let team_body = serde_json::json!({"professional_id": other_id}).to_string();
    let routes: Vec<(&str, String, Option<String>)> = vec![
        ("GET", format!("/api/v1/patients/{patient}"), None),
        (
            "POST",
            format!("/api/v1/patients/{patient}/team"),
            Some(team_body.clone()),
        ),
        (
            "DELETE",
            format!("/api/v1/patients/{patient}/team/{member_id}"),
            None,
        ),
        (
            "POST",
            format!("/api/v1/patients/{patient}/consent/revoke"),
            None,
        ),
        (
            "POST",
            format!("/api/v1/patients/{patient}/lead"),
            Some(team_body.clone()),
        ),
        (
            "POST",
            format!("/api/v1/patients/{patient}/attachments?name=x.png"),
            Some("{}".into()),
        ),
        (
            "GET",
            format!("/api/v1/patients/{patient}/attachments/01ANYATTACHMENT"),
            None,
        ),
        ("GET", format!("/api/v1/patients/{patient}/posts"), None),
        (
            "POST",
            format!("/api/v1/patients/{patient}/posts"),
            Some(r#"{"category":"contact","body":"x"}"#.into()),
        ),
        (
            "PUT",
            format!("/api/v1/patients/{patient}/posts/01ANYPOST"),
            Some(r#"{"body":"x"}"#.into()),
        ),
        (
            "POST",
            format!("/api/v1/patients/{patient}/posts/01ANYPOST/read"),
            None,
        ),
        (
            "POST",
            format!("/api/v1/patients/{patient}/posts/01ANYPOST/comments"),
            Some(r#"{"body":"x"}"#.into()),
        ),
        ("GET", format!("/api/v1/patients/{patient}/vitals"), None),
        (
            "POST",
            format!("/api/v1/patients/{patient}/vitals"),
            Some(r#"{"kind":"pulse","value":70,"measured_at":"2026-11-24T09:00:00+09:00"}"#.into()),
        ),
        ("GET", format!("/api/v1/patients/{patient}/fhir"), None),
        ("GET", format!("/api/v1/patients/{patient}/nearby"), None),
        (
            "POST",
            format!("/api/v1/patients/{patient}/nearby/introduce"),
            Some(r#"{"resource_ids":["01ANYRESOURCE"]}"#.into()),
        ),
    ];
    let secrets = [
        name.as_str(),
        "シケン ハナコ",
        "1945-05-01",
        "清須市清洲1丁目",
    ];
    for (who, token, status) in &callers {
        for (method, path, body) in &routes {
            let resp = match token {
                Some(t) => with_token(c, method, path, t, body.clone())?,
                None => c.request(
                    method,
                    path,
                    &[("content-type", "application/json")],
                    body.clone().map(String::into_bytes),
                )?,
            };
            let kind = if *status == 401 {
                "/problems/unauthorized"
            } else {
                "/problems/not-found"
            };
            ensure_problem(&resp, *status, kind)
                .map_err(|e| format!("{who} {method} {path}: {e}"))?;
            let text = resp.text();
            ensure!(
                !secrets.iter().any(|s| text.contains(s)),
                "{who} {method} {path}: patient data in a denied response"
            );
        }
        if let Some(t) = token.as_ref().filter(|_| *status == 404) {
            let list = with_token(c, "GET", "/api/v1/patients", t, None)?.text();
            ensure!(
                !list.contains(&patient),
                "{who} sees the patient in their list"
            );
        }
    }

    // The member may do everything, in an order that leaves the record closed at the end.
    let read = with_token(c, "GET", &routes[0].1, &member_token, None)?;
    ensure!(
        read.status == 200 && read.json()?["name"] == name.as_str(),
        "member read: {}",
        read.status
    );
    let added = with_token(c, "POST", &routes[1].1, &member_token, Some(team_body))?;
    ensure!(
        added.status == 201 && added.json()?["team"].as_array().map(Vec::len) == Some(2),
        "member add: {}",
        added.text()
    );
    ensure!(
        with_token(c, "GET", &routes[0].1, &other_token, None)?.status == 200,
        "a new member is let in at once"
    );
    let removed = with_token(
        c,
        "DELETE",
        &format!("/api/v1/patients/{patient}/team/{other_id}"),
        &member_token,
        None,
    )?;
    ensure!(removed.status == 204, "member remove: {}", removed.status);
    ensure_problem(
        &with_token(c, "GET", &routes[0].1, &other_token, None)?,
        404,
        "/problems/not-found",
    )
    .map_err(|e| format!("a removed member is shut out at once: {e}"))?;
    let revoke = with_token(c, "POST", &routes[3].1, &member_token, None)?;
    ensure!(revoke.status == 204, "member revoke: {}", revoke.status);
    ensure_problem(
        &with_token(c, "GET", &routes[0].1, &member_token, None)?,
        404,
        "/problems/not-found",
    )
    .map_err(|e| format!("revoked consent closes the record to the team too: {e}"))?;

    // One audit row per attempt: 6 callers × every route denied, then the team's own actions.
    let items = audit_entries(c, &format!("target={patient}&limit=1000"))?;
    let count = |action: &str, outcome: &str| {
        items
            .iter()
            .filter(|i| i["action"] == action && i["outcome"] == outcome)
            .count()
    };
    let denied = |named: bool| {
        items
            .iter()
            .filter(move |i| i["outcome"] == "denied" && i["actor"].is_string() == named)
    };
    // The callers with a valid token × 16 routes denied by the matrix, 1 for the removed
    // member, 1 for the member after revocation: a row each.
    let named = callers
        .iter()
        .filter(|(_, _, status)| *status == 404)
        .count();
    let expected = named * routes.len() + 2;
    ensure!(
        denied(true).count() == expected,
        "denied audit rows of callers with a token: {}, expected {expected}",
        denied(true).count()
    );
    // Those without a valid token are counted per address, action and minute: a row for the
    // first of each minute, which carries the count.
    let anonymous = (callers.len() - named) * routes.len();
    ensure!(
        denied(false).count() <= anonymous
            && denied(false).all(|i| i["repeats"].as_i64().is_some_and(|n| n >= 1)),
        "anonymous denied rows: {:?}",
        denied(false).collect::<Vec<_>>()
    );
    for action in [
        "patient.create",
        "team.add",
        "team.remove",
        "consent.revoke",
    ] {
        ensure!(
            count(action, "allowed") == 1,
            "allowed {action}: {}",
            count(action, "allowed")
        );
    }
    ensure!(
        count("patient.read", "allowed") == 2,
        "allowed reads: {}",
        count("patient.read", "allowed")
    );
    ensure!(
        items
            .iter()
            .all(|i| i["at"].is_string() && i["request_id"].is_string()),
        "audit rows carry time and request id"
    );
    let anonymous = c.get(&format!("/api/v1/care/audit?target={patient}"))?;
    ensure_problem(&anonymous, 401, "/problems/unauthorized")?;
    Ok(())
}

fn timeline(c: &Client) -> Result<(), String> {
    let author = register(c, "author")?;
    let reader = register(c, "reader")?;
    let author_token = access(c, &author, 0)?;
    let reader_token = access(c, &reader, 0)?;
    let reader_id = with_token(c, "GET", "/api/v1/auth/me", &reader_token, None)?.json()?["id"]
        .as_str()
        .ok_or("no reader id")?
        .to_owned();
    let created = with_token(
        c,
        "POST",
        "/api/v1/patients",
        &author_token,
        Some(patient_body("時系列 次郎")),
    )?;
    let patient = created.json()?["id"]
        .as_str()
        .ok_or("no patient")?
        .to_owned();
    let team = serde_json::json!({"professional_id": reader_id}).to_string();
    ensure!(
        with_token(
            c,
            "POST",
            &format!("/api/v1/patients/{patient}/team"),
            &author_token,
            Some(team)
        )?
        .status
            == 201,
        "team"
    );

    let posts = format!("/api/v1/patients/{patient}/posts");
    let key = format!("retry-{}-{}", now_seconds(), std::process::id());
    let auth = format!("Bearer {author_token}");
    let send = |body: &str| {
        c.request(
            "POST",
            &posts,
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
                ("idempotency-key", &key),
            ],
            Some(
                serde_json::json!({"category": "contact", "body": body})
                    .to_string()
                    .into_bytes(),
            ),
        )
    };
    let first = send("明日の訪問時間を10時に変更します。")?;
    let again = send("明日の訪問時間を10時に変更します。")?;
    ensure!(
        first.status == 201 && again.status == 201,
        "post and replay: {} {}",
        first.status,
        again.status
    );
    let (a, b) = (first.json()?, again.json()?);
    ensure!(a["id"] == b["id"], "a replay made a second post");
    ensure_problem(&send("別の内容")?, 409, "/problems/idempotency-key-reused")?;
    let page = with_token(c, "GET", &posts, &author_token, None)?.json()?;
    ensure!(
        page["items"].as_array().map(Vec::len) == Some(1),
        "timeline after a replay: {page}"
    );
    let post = a["id"].as_str().ok_or("no id")?.to_owned();

    let unread = |t: &str| -> Result<i64, String> {
        let list = with_token(c, "GET", "/api/v1/patients", t, None)?.json()?;
        list["items"]
            .as_array()
            .and_then(|i| i.iter().find(|p| p["id"] == patient.as_str()))
            .and_then(|p| p["unread"].as_i64())
            .ok_or_else(|| format!("patient not listed: {list}"))
    };
    ensure!(
        unread(&reader_token)? == 1 && unread(&author_token)? == 0,
        "unread before reading"
    );
    let read = with_token(
        c,
        "POST",
        &format!("{posts}/{post}/read"),
        &reader_token,
        None,
    )?;
    ensure!(read.status == 200, "read: {}", read.status);
    ensure!(
        read.json()?["read_by"][0]["id"] == reader_id.as_str(),
        "read receipt"
    );
    with_token(
        c,
        "POST",
        &format!("{posts}/{post}/read"),
        &reader_token,
        None,
    )?;
    ensure!(unread(&reader_token)? == 0, "unread after reading");

    let edit = serde_json::json!({"body": "明日の訪問時間を11時に変更します。"}).to_string();
    let edited = with_token(
        c,
        "PUT",
        &format!("{posts}/{post}"),
        &author_token,
        Some(edit.clone()),
    )?;
    ensure!(
        edited.status == 200,
        "edit: {} {}",
        edited.status,
        edited.text()
    );
    let edited = edited.json()?;
    ensure!(
        edited["previous_versions"] == 1 && edited["edited_at"].is_string(),
        "edit history: {edited}"
    );
    ensure_problem(
        &with_token(
            c,
            "PUT",
            &format!("{posts}/{post}"),
            &reader_token,
            Some(edit),
        )?,
        403,
        "/problems/forbidden",
    )?;

    for i in 0..3 {
        let body =
            serde_json::json!({"category": "report", "body": format!("報告 {i}")}).to_string();
        ensure!(
            with_token(c, "POST", &posts, &reader_token, Some(body))?.status == 201,
            "post {i}"
        );
    }
    let first_page =
        with_token(c, "GET", &format!("{posts}?limit=2"), &author_token, None)?.json()?;
    let cursor = first_page["next_cursor"].as_str().ok_or("no cursor")?;
    let second_page = with_token(
        c,
        "GET",
        &format!("{posts}?limit=2&cursor={cursor}"),
        &author_token,
        None,
    )?
    .json()?;
    let ids: Vec<String> = [&first_page, &second_page]
        .iter()
        .flat_map(|p| p["items"].as_array().cloned().unwrap_or_default())
        .filter_map(|i| i["id"].as_str().map(str::to_owned))
        .collect();
    // Order is insertion order (checked by the bodies below), not id order.
    let mut distinct = ids.clone();
    distinct.sort();
    distinct.dedup();
    ensure!(
        ids.len() == 4 && distinct.len() == 4,
        "pages without repeats: {ids:?}"
    );
    let bodies: Vec<String> = [&first_page, &second_page]
        .iter()
        .flat_map(|p| p["items"].as_array().cloned().unwrap_or_default())
        .filter_map(|i| i["body"].as_str().map(str::to_owned))
        .collect();
    ensure!(
        bodies
            == [
                "報告 2",
                "報告 1",
                "報告 0",
                "明日の訪問時間を11時に変更します。"
            ],
        "newest first across pages: {bodies:?}"
    );
    ensure!(
        unread(&author_token)? == 3,
        "the author has 3 unread posts by the reader"
    );
    Ok(())
}

fn nearby(c: &Client) -> Result<(), String> {
    let nurse = register(c, "nearby")?;
    let token = access(c, &nurse, 0)?;
    let created = with_token(
        c,
        "POST",
        "/api/v1/patients",
        &token,
        Some(patient_body("近所 三郎")),
    )?;
    let patient = created.json()?["id"]
        .as_str()
        .ok_or("no patient")?
        .to_owned();
    let found = with_token(
        c,
        "GET",
        &format!("/api/v1/patients/{patient}/nearby?category=gathering&radius_m=1500"),
        &token,
        None,
    )?;
    ensure!(
        found.status == 200,
        "nearby: {} {}",
        found.status,
        found.text()
    );
    let body = found.json()?;
    let items = body["items"].as_array().cloned().unwrap_or_default();
    ensure!(
        !items.is_empty(),
        "no gathering places near the patient: {body}"
    );
    let distances: Vec<f64> = items
        .iter()
        .filter_map(|i| i["distance_m"].as_f64())
        .collect();
    ensure!(
        distances.len() == items.len() && distances.windows(2).all(|w| w[0] <= w[1]),
        "nearest first: {distances:?}"
    );
    ensure!(
        distances.iter().all(|d| *d <= 1500.0),
        "inside the radius: {distances:?}"
    );
    ensure!(
        items.iter().all(|i| i["category"]
            .as_str()
            .is_some_and(|c| c.starts_with("gathering"))),
        "category"
    );
    let ids: Vec<&str> = items
        .iter()
        .take(2)
        .filter_map(|i| i["id"].as_str())
        .collect();
    let intro = serde_json::json!({"resource_ids": ids, "note": "ご家族と相談のうえ参加をご検討ください。"}).to_string();
    let post = with_token(
        c,
        "POST",
        &format!("/api/v1/patients/{patient}/nearby/introduce"),
        &token,
        Some(intro),
    )?;
    ensure!(
        post.status == 201,
        "introduce: {} {}",
        post.status,
        post.text()
    );
    let introduced = post.json()?;
    let text = introduced["body"].as_str().unwrap_or_default().to_owned();
    ensure!(
        introduced["print_url"]
            .as_str()
            .is_some_and(|u| text.ends_with(u) && u.contains("/resources/print?ids=")),
        "the handout URL is returned: {introduced}"
    );
    let first_name = items[0]["name"].as_str().unwrap_or_default();
    ensure!(
        text.contains(first_name) && text.contains("/resources/print?ids="),
        "introduction post: {text}"
    );
    let print = text
        .rsplit("案内の印刷: ")
        .next()
        .unwrap_or_default()
        .trim();
    let handout = c.get(print)?;
    ensure!(
        handout.status == 200 && handout.text().contains(first_name),
        "handout {print}: {}",
        handout.status
    );
    let bad = with_token(
        c,
        "POST",
        &format!("/api/v1/patients/{patient}/nearby/introduce"),
        &token,
        Some(serde_json::json!({"resource_ids": []}).to_string()),
    )?;
    expect_invalid_fields(&bad, &["#/resource_ids"])?;
    Ok(())
}

fn bulk_import(c: &Client) -> Result<(), String> {
    let staff = crate::auth::register_in(
        c,
        "import-staff",
        &["municipal_staff"],
        ("23233", "清須市役所"),
    )?;
    let token = access(c, &staff, 0)?;
    let file = std::fs::read(
        crate::hosts::repo_root().join("tests/fixtures/care_applications_23233.sjis.csv"),
    )
    .map_err(|e| e.to_string())?;
    let auth = format!("Bearer {token}");
    let send = |town: &str, auth: &str| {
        c.request(
            "POST",
            &format!("/api/v1/patients/imports?municipality={town}"),
            &[("authorization", auth), ("content-type", "text/csv")],
            Some(file.clone()),
        )
    };
    let first = send("23233", &auth)?;
    ensure!(
        first.status == 200,
        "import: {} {}",
        first.status,
        first.text()
    );
    let report = first.json()?;
    let lines: Vec<u64> = report["errors"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|e| e["line"].as_u64())
        .collect();
    ensure!(lines == [5, 6], "rejected lines {lines:?}: {report}");
    ensure!(
        report["without_consent"] == 1 && report["rejected"] == 2,
        "counts: {report}"
    );
    let registered =
        report["registered"].as_u64().unwrap_or(0) + report["unchanged"].as_u64().unwrap_or(0);
    ensure!(registered == 2, "consenting rows: {report}");
    let again = send("23233", &auth)?.json()?;
    ensure!(
        again["registered"] == 0 && again["unchanged"] == 2,
        "re-run changed something: {again}"
    );
    let mine = with_token(c, "GET", "/api/v1/patients", &token, None)?.text();
    ensure!(
        mine.contains("清洲 梅子") && mine.contains("新川 竹雄") && !mine.contains("春日 松子"),
        "imported patients and their team: {mine}"
    );
    ensure_problem(&send("23234", &auth)?, 403, "/problems/forbidden")?;
    let nurse = register(c, "import-nurse")?;
    let nurse_auth = format!("Bearer {}", access(c, &nurse, 0)?);
    ensure_problem(&send("23233", &nurse_auth)?, 403, "/problems/forbidden")?;
    ensure_problem(
        &send("23233", "Bearer nope")?,
        401,
        "/problems/unauthorized",
    )?;
    Ok(())
}

fn audit_access(c: &Client) -> Result<(), String> {
    let nurse = register(c, "audited-nurse")?;
    let nurse_token = access(c, &nurse, 0)?;
    let created = with_token(
        c,
        "POST",
        "/api/v1/patients",
        &nurse_token,
        Some(patient_body("監査 四郎")),
    )?;
    let patient = created.json()?["id"]
        .as_str()
        .ok_or("no patient")?
        .to_owned();
    let path = format!("/api/v1/care/audit?target={patient}");
    let town_staff = crate::auth::register_in(
        c,
        "audit-staff",
        &["municipal_staff"],
        ("23233", "清須市役所"),
    )?;
    let town = with_token(c, "GET", &path, &access(c, &town_staff, 0)?, None)?;
    ensure!(
        town.status == 200 && town.text().contains("patient.create"),
        "own town's staff: {} {}",
        town.status,
        town.text()
    );
    let far = crate::auth::register_in(
        c,
        "audit-far",
        &["municipal_staff"],
        ("23234", "北名古屋市役所"),
    )?;
    ensure_problem(
        &with_token(c, "GET", &path, &access(c, &far, 0)?, None)?,
        403,
        "/problems/forbidden",
    )?;
    ensure_problem(
        &with_token(c, "GET", &path, &nurse_token, None)?,
        403,
        "/problems/forbidden",
    )?;
    ensure_problem(
        &with_token(
            c,
            "GET",
            "/api/v1/care/audit",
            &access(c, &town_staff, 1)?,
            None,
        )?,
        403,
        "/problems/forbidden",
    )?;
    let csv = admin_request(
        c,
        "GET",
        &format!("/api/v1/care/audit.csv?target={patient}"),
        "text/csv",
        Vec::new(),
    )?;
    ensure!(
        csv.header("content-type")
            .is_some_and(|t| t.starts_with("text/csv")),
        "csv type"
    );
    ensure!(
        csv.body.starts_with("\u{feff}日時,操作者,操作".as_bytes()),
        "csv header: {}",
        csv.text()
    );
    ensure!(
        csv.text().contains("patient.create") && !csv.text().contains("監査 四郎"),
        "csv rows carry ids, not names"
    );
    Ok(())
}

fn vitals(c: &Client) -> Result<(), String> {
    let nurse = register(c, "vitals")?;
    let token = access(c, &nurse, 0)?;
    let created = with_token(
        c,
        "POST",
        "/api/v1/patients",
        &token,
        Some(patient_body("測定 五郎")),
    )?;
    let patient = created.json()?["id"]
        .as_str()
        .ok_or("no patient")?
        .to_owned();
    let path = format!("/api/v1/patients/{patient}/vitals");
    let auth = format!("Bearer {token}");
    let key = format!("bp-{}-{}", now_seconds(), std::process::id());
    let bp = serde_json::json!({"kind": "blood_pressure", "value": 132, "value2": 84, "measured_at": "2026-11-24T09:30:00+09:00"}).to_string();
    let send = || {
        c.request(
            "POST",
            &path,
            &[
                ("authorization", &auth),
                ("content-type", "application/json"),
                ("idempotency-key", &key),
            ],
            Some(bp.clone().into_bytes()),
        )
    };
    let first = send()?;
    ensure!(
        first.status == 201,
        "blood pressure: {} {}",
        first.status,
        first.text()
    );
    let again = send()?;
    ensure!(
        first.json()?["id"] == again.json()?["id"],
        "a retry recorded twice"
    );
    for (kind, value, at) in [
        ("pulse", 72.0, "2026-11-24T09:31"),
        ("temperature", 36.8, "2026-11-24T09:32"),
        ("spo2", 97.0, "2026-11-24T09:33"),
    ] {
        let body = serde_json::json!({"kind": kind, "value": value, "measured_at": at}).to_string();
        let r = with_token(c, "POST", &path, &token, Some(body))?;
        ensure!(r.status == 201, "{kind}: {} {}", r.status, r.text());
    }
    let typo =
        serde_json::json!({"kind": "blood_pressure", "value": 400, "value2": 90}).to_string();
    expect_invalid_fields(
        &with_token(c, "POST", &path, &token, Some(typo))?,
        &["#/value"],
    )?;
    let inverted =
        serde_json::json!({"kind": "blood_pressure", "value": 110, "value2": 120}).to_string();
    expect_invalid_fields(
        &with_token(c, "POST", &path, &token, Some(inverted))?,
        &["#/value2"],
    )?;
    let series = with_token(
        c,
        "GET",
        &format!("{path}?kind=blood_pressure"),
        &token,
        None,
    )?
    .json()?;
    let items = series["items"].as_array().cloned().unwrap_or_default();
    ensure!(items.len() == 1, "one blood pressure reading: {series}");
    ensure!(
        items[0]["unit"] == "mmHg" && items[0]["loinc"] == "85354-9" && items[0]["value2"] == 84.0,
        "reading: {}",
        items[0]
    );
    let all = with_token(c, "GET", &path, &token, None)?.json()?;
    let kinds: Vec<&str> = all["items"]
        .as_array()
        .ok_or("items")?
        .iter()
        .filter_map(|i| i["kind"].as_str())
        .collect();
    ensure!(
        kinds == ["blood_pressure", "pulse", "temperature", "spo2"],
        "measurement order: {kinds:?}"
    );
    Ok(())
}

pub fn upload(
    c: &Client,
    token: &str,
    patient: &str,
    kind: &str,
    bytes: Vec<u8>,
) -> Result<Resp, String> {
    let auth = format!("Bearer {token}");
    c.request(
        "POST",
        &format!("/api/v1/patients/{patient}/attachments?name=%E5%86%99%E7%9C%9F.png"),
        &[("authorization", &auth), ("content-type", kind)],
        Some(bytes),
    )
}

fn attachments(c: &Client) -> Result<(), String> {
    let nurse = register(c, "attach")?;
    let token = access(c, &nurse, 0)?;
    let created = with_token(
        c,
        "POST",
        "/api/v1/patients",
        &token,
        Some(patient_body("添付 花子")),
    )?;
    ensure!(created.status == 201, "create: {}", created.text());
    let patient = created.json()?["id"].as_str().ok_or("no id")?.to_owned();

    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend((0..2_000u32).map(|i| (i % 251) as u8));
    let up = upload(c, &token, &patient, "image/png", png.clone())?;
    ensure!(up.status == 201, "upload: {} {}", up.status, up.text());
    let image = up.json()?;
    ensure!(
        image["name"] == "写真.png" && image["size"] == png.len(),
        "upload: {image}"
    );
    let image_id = image["id"].as_str().ok_or("no id")?.to_owned();

    // A PDF over two chunks, to read back whole.
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.extend((0..1_200_000u32).map(|i| (i % 253) as u8));
    let doc = upload(c, &token, &patient, "application/pdf", pdf.clone())?;
    ensure!(doc.status == 201, "pdf: {} {}", doc.status, doc.text());
    let pdf_id = doc.json()?["id"].as_str().ok_or("no id")?.to_owned();

    // Bytes that are not what they claim, or not a type we take, or too large.
    expect_invalid_fields(
        &upload(c, &token, &patient, "image/png", b"MZ\x90\0rest".to_vec())?,
        &["file"],
    )?;
    expect_invalid_fields(
        &upload(c, &token, &patient, "image/png", pdf[..100].to_vec())?,
        &["file"],
    )?;
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(5 * 1024 * 1024 + 1, b' ');
    expect_invalid_fields(
        &upload(c, &token, &patient, "application/pdf", big)?,
        &["file"],
    )?;

    let body = serde_json::json!({"category": "report", "body": "創部の写真と紹介状です。", "attachments": [image_id, pdf_id]});
    let post = with_token(
        c,
        "POST",
        &format!("/api/v1/patients/{patient}/posts"),
        &token,
        Some(body.to_string()),
    )?;
    ensure!(post.status == 201, "post: {} {}", post.status, post.text());
    let files = post.json()?["attachments"].as_array().map(Vec::len);
    ensure!(files == Some(2), "post attachments: {}", post.text());
    let page = with_token(
        c,
        "GET",
        &format!("/api/v1/patients/{patient}/posts"),
        &token,
        None,
    )?
    .json()?;
    ensure!(
        page["items"][0]["attachments"].as_array().map(Vec::len) == Some(2),
        "timeline: {page}"
    );
    // A file already on a post cannot be named again, nor one that does not exist.
    let again = serde_json::json!({"category": "report", "body": "再掲", "attachments": [pdf_id]});
    expect_invalid_fields(
        &with_token(
            c,
            "POST",
            &format!("/api/v1/patients/{patient}/posts"),
            &token,
            Some(again.to_string()),
        )?,
        &["#/attachments"],
    )?;

    for (id, bytes, kind) in [
        (&image_id, &png, "image/png"),
        (&pdf_id, &pdf, "application/pdf"),
    ] {
        let got = with_token(
            c,
            "GET",
            &format!("/api/v1/patients/{patient}/attachments/{id}"),
            &token,
            None,
        )?;
        ensure!(
            got.status == 200 && got.body == *bytes && got.header("content-type") == Some(kind),
            "read back {kind}: {} ({} bytes)",
            got.status,
            got.body.len()
        );
        ensure!(
            got.header("cache-control") == Some("private, no-store"),
            "cache-control"
        );
    }
    // Outside the team: 404, for the file and for an upload.
    let stranger = register_in(
        c,
        "attach-other",
        &["professional"],
        ("23233", "清須内科クリニック"),
    )?;
    let other = access(c, &stranger, 0)?;
    ensure_problem(
        &with_token(
            c,
            "GET",
            &format!("/api/v1/patients/{patient}/attachments/{image_id}"),
            &other,
            None,
        )?,
        404,
        "/problems/not-found",
    )?;
    ensure_problem(
        &upload(c, &other, &patient, "image/png", png)?,
        404,
        "/problems/not-found",
    )?;
    Ok(())
}

fn vitals_of_a_visit(c: &Client) -> Result<(), String> {
    let nurse = register(c, "visit-vitals")?;
    let token = access(c, &nurse, 0)?;
    let created = with_token(
        c,
        "POST",
        "/api/v1/patients",
        &token,
        Some(patient_body("訪問 測子")),
    )?;
    let patient = created.json()?["id"]
        .as_str()
        .ok_or("no patient")?
        .to_owned();
    let path = format!("/api/v1/patients/{patient}/vitals/visits");
    let auth = format!("Bearer {token}");
    let key = format!("visit-{}-{}", now_seconds(), std::process::id());
    let send = |body: &serde_json::Value, key: Option<&str>| {
        let mut headers = vec![
            ("authorization", auth.as_str()),
            ("content-type", "application/json"),
        ];
        if let Some(key) = key {
            headers.push(("idempotency-key", key));
        }
        c.request("POST", &path, &headers, Some(body.to_string().into_bytes()))
    };
    let count = || -> Result<usize, String> {
        let list = with_token(
            c,
            "GET",
            &format!("/api/v1/patients/{patient}/vitals"),
            &token,
            None,
        )?;
        Ok(list.json()?["items"].as_array().map_or(0, Vec::len))
    };
    let visit = serde_json::json!({"measured_at": "2026-11-24T10:00", "readings": [
        {"kind": "blood_pressure", "value": 128, "value2": 76},
        {"kind": "pulse", "value": 70},
        {"kind": "temperature", "value": 36.6},
        {"kind": "weight", "value": 48.2},
    ]});
    let first = send(&visit, Some(&key))?;
    ensure!(
        first.status == 201,
        "visit: {} {}",
        first.status,
        first.text()
    );
    let items = first.json()?["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    ensure!(items.len() == 4, "four readings: {items:?}");
    ensure!(
        items
            .iter()
            .all(|v| v["measured_at"] == "2026-11-24T01:00:00.000Z"),
        "one time for the visit (10:00 in Japan): {items:?}"
    );
    let ids = |resp: &Resp| -> Result<Vec<String>, String> {
        let mut ids: Vec<String> = resp.json()?["items"]
            .as_array()
            .ok_or("no items")?
            .iter()
            .filter_map(|v| v["id"].as_str().map(str::to_owned))
            .collect();
        ids.sort();
        Ok(ids)
    };
    // A retry (the phone lost the answer) stores nothing new and answers the same readings.
    let again = send(&visit, Some(&key))?;
    ensure!(
        again.status == 201,
        "retry: {} {}",
        again.status,
        again.text()
    );
    ensure!(
        ids(&again)? == ids(&first)?,
        "a retry recorded the visit twice"
    );
    // The key on other readings is refused, and none of them is written.
    let other = serde_json::json!({"readings": [
        {"kind": "pulse", "value": 70}, {"kind": "spo2", "value": 96},
    ]});
    ensure_problem(
        &send(&other, Some(&key))?,
        409,
        "/problems/idempotency-key-reused",
    )?;
    ensure!(count()? == 4, "the refused retry wrote a reading");
    // One wrong value: nothing of the visit is stored, and the field is named.
    let typo = serde_json::json!({"readings": [
        {"kind": "pulse", "value": 80}, {"kind": "spo2", "value": 120},
    ]});
    expect_invalid_fields(&send(&typo, None)?, &["#/readings/1/value"])?;
    let twice = serde_json::json!({"readings": [
        {"kind": "pulse", "value": 80}, {"kind": "pulse", "value": 82},
    ]});
    expect_invalid_fields(&send(&twice, None)?, &["#/readings/1/kind"])?;
    expect_invalid_fields(
        &send(&serde_json::json!({"readings": []}), None)?,
        &["#/readings"],
    )?;
    // Thousands of readings in one body are refused as a whole, at once (20,000 would be over
    // the 256 KiB of a form route: 413 before the body is parsed).
    let flood: Vec<serde_json::Value> = (0..2_000)
        .map(|i| serde_json::json!({"kind": "pulse", "value": 60 + i % 40}))
        .collect();
    let flooded = send(&serde_json::json!({ "readings": flood }), None)?;
    expect_invalid_fields(&flooded, &["#/readings"])?;
    ensure!(
        flooded.text().len() < 4_000,
        "one error for the flood, not one per reading: {} bytes",
        flooded.text().len()
    );
    ensure!(count()? == 4, "a refused visit wrote a reading");
    // Another team's nurse does not learn the patient exists; nobody is let in.
    let outsider = register(c, "visit-outsider")?;
    let outsider_token = access(c, &outsider, 0)?;
    let refused = with_token(c, "POST", &path, &outsider_token, Some(visit.to_string()))?;
    ensure_problem(&refused, 404, "/problems/not-found")?;
    let anonymous = c.request(
        "POST",
        &path,
        &[("content-type", "application/json")],
        Some(visit.to_string().into_bytes()),
    )?;
    ensure_problem(&anonymous, 401, "/problems/unauthorized")?;
    ensure!(count()? == 4, "an outsider wrote a reading");
    Ok(())
}
