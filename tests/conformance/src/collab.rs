//! Conformance cases of collaboration beyond one timeline post: comments and templated
//! documents, invitations, the directory, projects, direct messages, usage figures, audit
//! paging and the login limit by address.

use crate::auth::{
    Account, PASSWORD, access, code, login, now_seconds, register, register_in, tokens, with_token,
};
use crate::cases::{Case, admin_request, ensure_problem, expect_invalid_fields};
use crate::client::{Client, Resp};
use crate::patients::patient_body;

pub const CASES: &[Case] = &[
    Case {
        name: "templated documents are checked field by field, kept as data and edited by fields; comments retry once",
        run: documents_and_comments,
    },
    Case {
        name: "org admins invite staff, who choose their own password; an invitation is used once",
        run: invitations,
    },
    Case {
        name: "the directory finds colleagues by name or organization, never lists addresses",
        run: directory,
    },
    Case {
        name: "projects: members only, their own timeline, unread counts, leaving takes effect at once",
        run: projects,
    },
    Case {
        name: "direct messages: one thread per pair, unread until opened, retries once",
        run: messages,
    },
    Case {
        name: "usage figures: staff see their own town, others are refused; CSV for the council",
        run: usage,
    },
    Case {
        name: "the audit log pages by cursor and period without gaps or overlaps",
        run: audit_paging,
    },
    Case {
        name: "failed logins from one address over many accounts are limited",
        run: address_limit,
    },
];

pub(crate) fn my_id(c: &Client, token: &str) -> Result<String, String> {
    Ok(
        with_token(c, "GET", "/api/v1/auth/me", token, None)?.json()?["id"]
            .as_str()
            .ok_or("no id")?
            .to_owned(),
    )
}

pub(crate) fn created(resp: Resp, what: &str) -> Result<serde_json::Value, String> {
    ensure!(
        resp.status == 201,
        "{what}: {} {}",
        resp.status,
        resp.text()
    );
    resp.json()
}

pub(crate) fn ok(resp: Resp, what: &str) -> Result<serde_json::Value, String> {
    ensure!(
        resp.status == 200,
        "{what}: {} {}",
        resp.status,
        resp.text()
    );
    resp.json()
}

fn with_key(
    c: &Client,
    path: &str,
    token: &str,
    key: &str,
    body: serde_json::Value,
) -> Result<Resp, String> {
    let auth = format!("Bearer {token}");
    c.request(
        "POST",
        path,
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
            ("idempotency-key", key),
        ],
        Some(body.to_string().into_bytes()),
    )
}

/// Sends `body` to `path` twice with one key, expecting the same record back, then other
/// content with that key, expecting 409: what a retrying phone relies on.
fn replayed_once(
    c: &Client,
    path: &str,
    token: &str,
    label: &str,
    body: &str,
) -> Result<serde_json::Value, String> {
    let key = format!("{label}-{}-{}", now_seconds(), std::process::id());
    let send = |text: &str| with_key(c, path, token, &key, serde_json::json!({ "body": text }));
    let first = created(send(body)?, label)?;
    let again = created(send(body)?, label)?;
    ensure!(
        first["id"] == again["id"],
        "{label}: a replay returns the first record: {first} {again}"
    );
    ensure_problem(&send("別の内容")?, 409, "/problems/idempotency-key-reused")
        .map_err(|e| format!("{label}: same key, other content: {e}"))?;
    Ok(first)
}

/// A patient of `token`'s with `others` on the team.
pub(crate) fn patient_with_team(
    c: &Client,
    token: &str,
    name: &str,
    others: &[&str],
) -> Result<String, String> {
    let patient = created(
        with_token(
            c,
            "POST",
            "/api/v1/patients",
            token,
            Some(patient_body(name)),
        )?,
        "patient",
    )?["id"]
        .as_str()
        .ok_or("no patient id")?
        .to_owned();
    for other in others {
        created(
            with_token(
                c,
                "POST",
                &format!("/api/v1/patients/{patient}/team"),
                token,
                Some(serde_json::json!({ "professional_id": other }).to_string()),
            )?,
            "team",
        )?;
    }
    Ok(patient)
}

fn documents_and_comments(c: &Client) -> Result<(), String> {
    let pharmacist = register(c, "doc-pharmacist")?;
    let nurse = register(c, "doc-nurse")?;
    let p_token = access(c, &pharmacist, 0)?;
    let n_token = access(c, &nurse, 0)?;
    let nurse_id = my_id(c, &n_token)?;
    let patient = patient_with_team(c, &p_token, "文書 五郎", &[&nurse_id])?;
    let templates = ok(
        with_token(c, "GET", "/api/v1/care/templates", &p_token, None)?,
        "templates",
    )?;
    let ids: Vec<&str> = templates["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|t| t["id"].as_str()).collect())
        .unwrap_or_default();
    ensure!(
        ids == [
            "discharge_conference",
            "medication_information",
            "home_nursing_report"
        ],
        "templates: {ids:?}"
    );
    ensure_problem(
        &c.get("/api/v1/care/templates")?,
        401,
        "/problems/unauthorized",
    )?;

    let posts = format!("/api/v1/patients/{patient}/posts");
    let bad = with_token(
        c,
        "POST",
        &posts,
        &p_token,
        Some(
            serde_json::json!({
                "template": "medication_information",
                "fields": { "reported_on": "先週", "adherence": "sometimes", "colour": "red" },
            })
            .to_string(),
        ),
    )?;
    expect_invalid_fields(
        &bad,
        &[
            "#/fields/colour",
            "#/fields/reported_on",
            "#/fields/addressee",
            "#/fields/adherence",
            "#/fields/medications",
        ],
    )?;
    expect_invalid_fields(
        &with_token(
            c,
            "POST",
            &posts,
            &p_token,
            Some(serde_json::json!({ "template": "fax_cover", "fields": {} }).to_string()),
        )?,
        &["#/template"],
    )?;
    let fields = serde_json::json!({
        "reported_on": "令和8年11月25日",
        "addressee": "清須内科 山田医師",
        "adherence": "partial",
        "medications": "アムロジピン5mg 朝1錠\nマグミット330mg 毎食後",
        "leftover": "アムロジピン 6錠",
    });
    let document = created(
        with_key(
            c,
            &posts,
            &p_token,
            &format!("doc-{}", now_seconds()),
            serde_json::json!({ "template": "medication_information", "fields": fields }),
        )?,
        "document",
    )?;
    ensure!(
        document["template"] == "medication_information"
            && document["category"] == "report"
            && document["fields"]["reported_on"] == "2026-11-25"
            && document["fields"]["adherence"] == "partial",
        "document data: {document}"
    );
    let body = document["body"].as_str().unwrap_or_default();
    ensure!(
        body.starts_with("【服薬情報提供書】") && body.contains("■服薬状況: 時々飲み忘れ"),
        "document text: {body}"
    );
    let post_id = document["id"].as_str().ok_or("no post id")?.to_owned();
    let post_path = format!("{posts}/{post_id}");
    expect_invalid_fields(
        &with_token(
            c,
            "PUT",
            &post_path,
            &p_token,
            Some(serde_json::json!({ "body": "本文で上書き" }).to_string()),
        )?,
        &["#/fields"],
    )?;
    let mut changed = fields.clone();
    changed["adherence"] = "good".into();
    let edited = ok(
        with_token(
            c,
            "PUT",
            &post_path,
            &p_token,
            Some(serde_json::json!({ "fields": changed }).to_string()),
        )?,
        "edit document",
    )?;
    ensure!(
        edited["fields"]["adherence"] == "good"
            && edited["previous_versions"] == 1
            && edited["body"]
                .as_str()
                .is_some_and(|b| b.contains("■服薬状況: 良好")),
        "edited document: {edited}"
    );

    // Comments: any member, retried with the same key once, shown under the post.
    let comments = format!("{post_path}/comments");
    replayed_once(
        c,
        &comments,
        &n_token,
        "comment",
        "残薬は次回訪問時に確認します。",
    )?;
    expect_invalid_fields(
        &with_token(
            c,
            "POST",
            &comments,
            &n_token,
            Some(serde_json::json!({ "body": "  " }).to_string()),
        )?,
        &["#/body"],
    )?;
    ensure_problem(
        &with_token(
            c,
            "POST",
            &format!("{posts}/01NOSUCHPOST/comments"),
            &n_token,
            Some(serde_json::json!({ "body": "x" }).to_string()),
        )?,
        404,
        "/problems/not-found",
    )?;
    let page = ok(with_token(c, "GET", &posts, &p_token, None)?, "timeline")?;
    let shown = page["items"]
        .as_array()
        .and_then(|items| items.iter().find(|p| p["id"] == post_id.as_str()))
        .cloned()
        .ok_or("document missing from the timeline")?;
    ensure!(
        shown["comments"].as_array().map(Vec::len) == Some(1)
            && shown["comments"][0]["author_id"] == nurse_id.as_str()
            && shown["fields"]["adherence"] == "good",
        "timeline shows the document with its comment: {shown}"
    );
    // A plain post can not carry fields without a template.
    expect_invalid_fields(
        &with_token(
            c,
            "POST",
            &posts,
            &p_token,
            Some(
                serde_json::json!({ "category": "contact", "body": "x", "fields": {} }).to_string(),
            ),
        )?,
        &["#/template"],
    )?;
    Ok(())
}

fn invitations(c: &Client) -> Result<(), String> {
    let org = ("23233", &*format!("清須みどり薬局{}", now_seconds()));
    let admin = register_in(c, "org-admin", &["professional", "org_admin"], org)?;
    let admin_token = access(c, &admin, 0)?;
    let plain = register_in(c, "org-plain", &["professional"], org)?;
    let plain_token = access(c, &plain, 0)?;
    let email = format!(
        "invited-{}-{}@example.jp",
        now_seconds(),
        std::process::id()
    );
    let invite = serde_json::json!({
        "email": email, "name": "招待 薬剤師", "profession": "pharmacist", "roles": ["professional"],
    });
    ensure_problem(
        &with_token(
            c,
            "POST",
            "/api/v1/auth/invitations",
            &plain_token,
            Some(invite.to_string()),
        )?,
        403,
        "/problems/forbidden",
    )?;
    let mut too_much = invite.clone();
    too_much["roles"] = serde_json::json!(["professional", "sysadmin"]);
    expect_invalid_fields(
        &with_token(
            c,
            "POST",
            "/api/v1/auth/invitations",
            &admin_token,
            Some(too_much.to_string()),
        )?,
        &["#/roles"],
    )?;
    let mut elsewhere = invite.clone();
    elsewhere["organization_id"] = "01SOMEONEELSESORG".into();
    ensure_problem(
        &with_token(
            c,
            "POST",
            "/api/v1/auth/invitations",
            &admin_token,
            Some(elsewhere.to_string()),
        )?,
        403,
        "/problems/forbidden",
    )?;
    let mut taken = invite.clone();
    taken["email"] = plain.email.clone().into();
    expect_invalid_fields(
        &with_token(
            c,
            "POST",
            "/api/v1/auth/invitations",
            &admin_token,
            Some(taken.to_string()),
        )?,
        &["#/email"],
    )?;
    let invitation = created(
        with_token(
            c,
            "POST",
            "/api/v1/auth/invitations",
            &admin_token,
            Some(invite.to_string()),
        )?,
        "invite",
    )?;
    let token = invitation["token"].as_str().ok_or("no token")?.to_owned();
    ensure!(
        invitation["accept_url"]
            .as_str()
            .is_some_and(|u| u.ends_with(&format!("/app/care/#invite={token}"))),
        "accept url: {invitation}"
    );
    let accept = |body: serde_json::Value| {
        c.request(
            "POST",
            "/api/v1/auth/invitations/accept",
            &[("content-type", "application/json")],
            Some(body.to_string().into_bytes()),
        )
    };
    expect_invalid_fields(
        &accept(serde_json::json!({ "token": token, "password": "short" }))?,
        &["#/password"],
    )?;
    expect_invalid_fields(
        &accept(serde_json::json!({ "token": "0".repeat(64), "password": PASSWORD }))?,
        &["#/token"],
    )?;
    let enrolment = created(
        accept(serde_json::json!({ "token": token, "password": PASSWORD }))?,
        "accept",
    )?;
    let secret = rainbownet_core::auth::totp::from_base32(
        enrolment["totp_secret"].as_str().ok_or("no secret")?,
    )
    .map_err(|e| e.to_string())?;
    let invited = Account {
        email: email.clone(),
        secret,
    };
    let invited_token = access(c, &invited, 0)?;
    let me = ok(
        with_token(c, "GET", "/api/v1/auth/me", &invited_token, None)?,
        "me",
    )?;
    ensure!(
        me["profession"] == "pharmacist"
            && me["roles"] == serde_json::json!(["professional"])
            && me["organization"]["name"] == org.1,
        "the invited professional: {me}"
    );
    expect_invalid_fields(
        &accept(serde_json::json!({ "token": token, "password": PASSWORD }))?,
        &["#/token"],
    )
    .map_err(|e| format!("an invitation is used once: {e}"))?;
    let list = ok(
        with_token(c, "GET", "/api/v1/auth/invitations", &admin_token, None)?,
        "list",
    )?;
    let listed = list["items"]
        .as_array()
        .and_then(|i| i.iter().find(|x| x["email"] == email.as_str()).cloned())
        .ok_or("invitation not listed")?;
    ensure!(
        listed["accepted_at"].is_string() && listed.get("token").is_none(),
        "listed invitation: {listed}"
    );
    ensure_problem(
        &with_token(c, "GET", "/api/v1/auth/invitations", &plain_token, None)?,
        403,
        "/problems/forbidden",
    )?;
    // Registering directly stays with the bootstrap token (and sysadmins).
    ensure_problem(
        &with_token(
            c,
            "POST",
            "/api/v1/auth/professionals",
            &admin_token,
            Some(serde_json::json!({}).to_string()),
        )?,
        403,
        "/problems/forbidden",
    )?;

    // When someone leaves: the org admin sees their staff and disables the account; its
    // refresh tokens end and it can not log in; other organizations' admins can not.
    let invited_id = me["id"].as_str().ok_or("no id")?.to_owned();
    let (_, invited_refresh) = tokens(&login(c, &email, PASSWORD, &code(&invited, 1)?)?)?;
    let staff = ok(
        with_token(c, "GET", "/api/v1/auth/staff", &admin_token, None)?,
        "staff",
    )?;
    ensure!(
        staff["items"].as_array().is_some_and(|i| i
            .iter()
            .any(|m| m["id"] == invited_id.as_str() && m["status"] == "active")),
        "staff list: {staff}"
    );
    let disable = format!("/api/v1/auth/professionals/{invited_id}/disable");
    let stranger = register_in(
        c,
        "other-admin",
        &["professional", "org_admin"],
        ("23233", "別の事業所"),
    )?;
    ensure_problem(
        &with_token(c, "POST", &disable, &access(c, &stranger, 0)?, None)?,
        404,
        "/problems/not-found",
    )?;
    ensure_problem(
        &with_token(c, "POST", &disable, &plain_token, None)?,
        403,
        "/problems/forbidden",
    )?;
    let done = with_token(c, "POST", &disable, &admin_token, None)?;
    ensure!(
        done.status == 204,
        "disable: {} {}",
        done.status,
        done.text()
    );
    let refreshed = c.request(
        "POST",
        "/api/v1/auth/refresh",
        &[("content-type", "application/json")],
        Some(
            serde_json::json!({ "refresh_token": invited_refresh })
                .to_string()
                .into_bytes(),
        ),
    )?;
    ensure_problem(&refreshed, 401, "/problems/unauthorized")
        .map_err(|e| format!("a disabled account's refresh token: {e}"))?;
    ensure_problem(
        &login(c, &email, PASSWORD, &code(&invited, 2)?)?,
        401,
        "/problems/invalid-credentials",
    )
    .map_err(|e| format!("a disabled account logs in: {e}"))?;
    Ok(())
}

fn directory(c: &Client) -> Result<(), String> {
    let org = format!("名簿テスト診療所{}", now_seconds());
    let doctor = register_in(c, "directory", &["professional"], ("23233", &org))?;
    let token = access(c, &doctor, 0)?;
    let found = ok(
        with_token(
            c,
            "GET",
            &format!("/api/v1/care/professionals?q={}", percent(&org)),
            &token,
            None,
        )?,
        "directory",
    )?;
    let items = found["items"].as_array().cloned().unwrap_or_default();
    ensure!(
        items.len() == 1 && items[0]["organization"] == org.as_str() && items[0]["id"].is_string(),
        "by organization: {found}"
    );
    ensure!(
        !found.to_string().contains('@'),
        "no addresses in the directory: {found}"
    );
    let by_email = ok(
        with_token(
            c,
            "GET",
            &format!("/api/v1/care/professionals?q={}", percent(&doctor.email)),
            &token,
            None,
        )?,
        "by email",
    )?;
    ensure!(
        by_email["items"].as_array().map(Vec::len) == Some(1),
        "an exact address finds one: {by_email}"
    );
    let partial = ok(
        with_token(
            c,
            "GET",
            &format!(
                "/api/v1/care/professionals?q={}",
                percent(&doctor.email[..6])
            ),
            &token,
            None,
        )?,
        "partial email",
    )?;
    ensure!(
        !partial.to_string().contains(&org),
        "part of an address finds nobody: {partial}"
    );
    expect_invalid_fields(
        &with_token(c, "GET", "/api/v1/care/professionals?q=", &token, None)?,
        &["?q"],
    )?;
    ensure_problem(
        &c.get("/api/v1/care/professionals?q=x")?,
        401,
        "/problems/unauthorized",
    )?;
    Ok(())
}

fn percent(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn projects(c: &Client) -> Result<(), String> {
    let owner = register(c, "project-owner")?;
    let member = register(c, "project-member")?;
    let outsider = register(c, "project-outsider")?;
    let o_token = access(c, &owner, 0)?;
    let m_token = access(c, &member, 0)?;
    let x_token = access(c, &outsider, 0)?;
    let member_id = my_id(c, &m_token)?;
    let outsider_id = my_id(c, &x_token)?;
    expect_invalid_fields(
        &with_token(
            c,
            "POST",
            "/api/v1/care/projects",
            &o_token,
            Some(
                serde_json::json!({ "kind": "party", "name": "", "members": ["01NOBODY"] })
                    .to_string(),
            ),
        )?,
        &["#/kind", "#/name", "#/members"],
    )?;
    let project = created(
        with_token(
            c,
            "POST",
            "/api/v1/care/projects",
            &o_token,
            Some(
                serde_json::json!({
                    "kind": "care_meeting", "name": "清須市 地域ケア会議 12月",
                    "description": "困難事例の検討", "members": [member_id],
                })
                .to_string(),
            ),
        )?,
        "project",
    )?;
    let id = project["id"].as_str().ok_or("no project id")?.to_owned();
    ensure!(
        project["members"].as_array().map(Vec::len) == Some(2)
            && project["members"][0]["role"] == "owner",
        "members: {project}"
    );
    let path = format!("/api/v1/care/projects/{id}");
    let posts = format!("{path}/posts");
    // An outsider learns nothing, and the attempts are on record.
    ensure_problem(
        &with_token(c, "GET", &path, &x_token, None)?,
        404,
        "/problems/not-found",
    )?;
    ensure_problem(
        &with_token(c, "GET", &posts, &x_token, None)?,
        404,
        "/problems/not-found",
    )?;
    ensure_problem(
        &with_token(
            c,
            "POST",
            &posts,
            &x_token,
            Some(serde_json::json!({ "body": "x" }).to_string()),
        )?,
        404,
        "/problems/not-found",
    )?;
    ensure_problem(&c.get(&posts)?, 401, "/problems/unauthorized")?;
    let first = replayed_once(c, &posts, &o_token, "project", "12月の事例を共有します。")?;
    created(
        with_token(
            c,
            "POST",
            &posts,
            &o_token,
            Some(serde_json::json!({ "body": "資料を添付します。" }).to_string()),
        )?,
        "second post",
    )?;
    let unread = |token: &str| -> Result<i64, String> {
        let list = ok(
            with_token(c, "GET", "/api/v1/care/projects", token, None)?,
            "projects",
        )?;
        list["items"]
            .as_array()
            .and_then(|i| i.iter().find(|p| p["id"] == id.as_str()))
            .and_then(|p| p["unread"].as_i64())
            .ok_or_else(|| format!("project not in the list: {list}"))
    };
    ensure!(unread(&m_token)? == 2, "the member has 2 unread");
    ensure!(
        unread(&o_token)? == 0,
        "the author has read their own posts"
    );
    let page = ok(
        with_token(c, "GET", &format!("{posts}?limit=1"), &m_token, None)?,
        "page",
    )?;
    ensure!(
        page["items"].as_array().map(Vec::len) == Some(1) && page["next_cursor"].is_string(),
        "first page: {page}"
    );
    let cursor = page["next_cursor"].as_str().unwrap_or_default();
    let older = ok(
        with_token(
            c,
            "GET",
            &format!("{posts}?limit=1&cursor={cursor}"),
            &m_token,
            None,
        )?,
        "older",
    )?;
    ensure!(
        older["items"][0]["id"] == first["id"] && older["next_cursor"].is_null(),
        "second page: {older}"
    );
    ensure!(unread(&m_token)? == 0, "reading clears the unread count");

    // Members add colleagues; the owner removes; a member leaves, and is out at once.
    created(
        with_token(
            c,
            "POST",
            &format!("{path}/members"),
            &m_token,
            Some(serde_json::json!({ "professional_id": outsider_id }).to_string()),
        )?,
        "add",
    )?;
    ok(
        with_token(c, "GET", &path, &x_token, None)?,
        "a new member reads",
    )?;
    ensure_problem(
        &with_token(
            c,
            "DELETE",
            &format!("{path}/members/{outsider_id}"),
            &m_token,
            None,
        )?,
        403,
        "/problems/forbidden",
    )?;
    let left = with_token(
        c,
        "DELETE",
        &format!("{path}/members/{member_id}"),
        &m_token,
        None,
    )?;
    ensure!(left.status == 204, "leave: {}", left.status);
    ensure_problem(
        &with_token(c, "GET", &posts, &m_token, None)?,
        404,
        "/problems/not-found",
    )?;
    let removed = with_token(
        c,
        "DELETE",
        &format!("{path}/members/{outsider_id}"),
        &o_token,
        None,
    )?;
    ensure!(removed.status == 204, "owner removes: {}", removed.status);
    ensure_problem(
        &with_token(c, "GET", &path, &x_token, None)?,
        404,
        "/problems/not-found",
    )?;

    let audit = ok(
        admin_request(
            c,
            "GET",
            &format!("/api/v1/care/audit?target={id}&limit=1000"),
            "application/json",
            Vec::new(),
        )?,
        "audit",
    )?;
    let denied = audit["items"]
        .as_array()
        .map(|i| i.iter().filter(|e| e["outcome"] == "denied").count())
        .unwrap_or(0);
    // 3 by the outsider, 1 refused removal, 2 after leaving and removal; the anonymous
    // attempt is on record too.
    ensure!(denied == 7, "denied project audit rows: {denied}");
    Ok(())
}

fn messages(c: &Client) -> Result<(), String> {
    let a = register(c, "dm-a")?;
    let b = register(c, "dm-b")?;
    let a_token = access(c, &a, 0)?;
    let b_token = access(c, &b, 0)?;
    let a_id = my_id(c, &a_token)?;
    let b_id = my_id(c, &b_token)?;
    let to_b = format!("/api/v1/care/messages/{b_id}");
    let to_a = format!("/api/v1/care/messages/{a_id}");
    replayed_once(
        c,
        &to_b,
        &a_token,
        "dm",
        "明日のカンファレンス、15時からでよろしいですか。",
    )?;
    created(
        with_token(
            c,
            "POST",
            &to_b,
            &a_token,
            Some(serde_json::json!({ "body": "資料は当日お持ちします。" }).to_string()),
        )?,
        "second",
    )?;
    expect_invalid_fields(
        &with_token(
            c,
            "POST",
            &to_a,
            &a_token,
            Some(serde_json::json!({ "body": "自分宛て" }).to_string()),
        )?,
        &["professional"],
    )?;
    expect_invalid_fields(
        &with_token(
            c,
            "POST",
            &to_b,
            &a_token,
            Some(serde_json::json!({ "body": "" }).to_string()),
        )?,
        &["#/body"],
    )?;
    ensure_problem(
        &with_token(
            c,
            "POST",
            "/api/v1/care/messages/01NOSUCHPROFESSIONAL",
            &a_token,
            Some(serde_json::json!({ "body": "x" }).to_string()),
        )?,
        404,
        "/problems/not-found",
    )?;
    let inbox = ok(
        with_token(c, "GET", "/api/v1/care/messages", &b_token, None)?,
        "inbox",
    )?;
    let thread = inbox["items"]
        .as_array()
        .and_then(|i| i.iter().find(|t| t["with"]["id"] == a_id.as_str()).cloned())
        .ok_or_else(|| format!("no thread with a: {inbox}"))?;
    ensure!(
        thread["unread"] == 2 && thread["last_message"]["body"] == "資料は当日お持ちします。",
        "thread summary: {thread}"
    );
    let opened = ok(with_token(c, "GET", &to_a, &b_token, None)?, "open")?;
    ensure!(
        opened["items"].as_array().map(Vec::len) == Some(2)
            && opened["with"]["id"] == a_id.as_str(),
        "thread: {opened}"
    );
    let inbox = ok(
        with_token(c, "GET", "/api/v1/care/messages", &b_token, None)?,
        "inbox",
    )?;
    ensure!(
        inbox["items"]
            .as_array()
            .and_then(|i| i.iter().find(|t| t["with"]["id"] == a_id.as_str()))
            .is_some_and(|t| t["unread"] == 0),
        "opening the thread reads it: {inbox}"
    );
    let seen = ok(
        with_token(c, "GET", &to_b, &a_token, None)?,
        "sender's view",
    )?;
    ensure!(
        seen["items"]
            .as_array()
            .is_some_and(|i| i.iter().all(|m| m["read_at"].is_string())),
        "the sender sees them read: {seen}"
    );
    ensure_problem(
        &c.get("/api/v1/care/messages")?,
        401,
        "/problems/unauthorized",
    )?;
    Ok(())
}

fn usage(c: &Client) -> Result<(), String> {
    let staff = register_in(
        c,
        "usage-staff",
        &["municipal_staff"],
        ("23233", "清須市役所"),
    )?;
    let staff_token = access(c, &staff, 0)?;
    // Something to count: a patient with a post this month.
    let nurse = register(c, "usage-nurse")?;
    let nurse_token = access(c, &nurse, 0)?;
    let patient = patient_with_team(c, &nurse_token, "利用 六郎", &[])?;
    created(
        with_token(
            c,
            "POST",
            &format!("/api/v1/patients/{patient}/posts"),
            &nurse_token,
            Some(serde_json::json!({ "category": "report", "body": "訪問しました。" }).to_string()),
        )?,
        "post",
    )?;
    let report = ok(
        with_token(c, "GET", "/api/v1/care/usage", &staff_token, None)?,
        "usage",
    )?;
    ensure!(
        report["municipality_code"] == "23233",
        "own town by default: {report}"
    );
    let totals = &report["totals"];
    for key in [
        "organizations",
        "professionals",
        "patients",
        "posts",
        "resources_published",
    ] {
        ensure!(
            totals[key].as_i64().is_some_and(|n| n > 0),
            "{key} counted: {totals}"
        );
    }
    let months = report["months"].as_array().cloned().unwrap_or_default();
    ensure!(months.len() == 12, "twelve months: {}", months.len());
    let this_month = months.last().cloned().unwrap_or_default();
    ensure!(
        this_month["posts"].as_i64().is_some_and(|n| n >= 1)
            && this_month["patients_registered"]
                .as_i64()
                .is_some_and(|n| n >= 1),
        "this month: {this_month}"
    );
    ensure!(
        !report.to_string().contains("利用 六郎"),
        "figures only, no patient data"
    );
    ensure_problem(
        &with_token(
            c,
            "GET",
            "/api/v1/care/usage?municipality=23234",
            &staff_token,
            None,
        )?,
        403,
        "/problems/forbidden",
    )?;
    ensure_problem(
        &with_token(c, "GET", "/api/v1/care/usage", &nurse_token, None)?,
        403,
        "/problems/forbidden",
    )?;
    let csv = with_token(c, "GET", "/api/v1/care/usage.csv", &staff_token, None)?;
    ensure!(
        csv.status == 200 && csv.body.starts_with("\u{feff}月,新規専門職".as_bytes()),
        "usage csv: {} {}",
        csv.status,
        csv.text()
    );
    Ok(())
}

fn audit_paging(c: &Client) -> Result<(), String> {
    let nurse = register(c, "audit-pages")?;
    let token = access(c, &nurse, 0)?;
    let patient = patient_with_team(c, &token, "頁 七郎", &[])?;
    for _ in 0..6 {
        ok(
            with_token(
                c,
                "GET",
                &format!("/api/v1/patients/{patient}"),
                &token,
                None,
            )?,
            "read",
        )?;
    }
    let everything = ok(
        admin_request(
            c,
            "GET",
            &format!("/api/v1/care/audit?target={patient}&limit=1000"),
            "application/json",
            Vec::new(),
        )?,
        "all",
    )?;
    // Each reading of the log is itself on record (about the same target), so the reads
    // made while paging are left out of the comparison.
    let not_a_read = |e: &&serde_json::Value| e["action"] != "audit.read";
    let all: Vec<String> = everything["items"]
        .as_array()
        .map(|i| {
            i.iter()
                .filter(not_a_read)
                .filter_map(|e| e["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    ensure!(all.len() >= 7, "entries: {}", all.len());
    let mut paged = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let path = match &cursor {
            Some(cur) => format!("/api/v1/care/audit?target={patient}&limit=3&cursor={cur}"),
            None => format!("/api/v1/care/audit?target={patient}&limit=3"),
        };
        let page = ok(
            admin_request(c, "GET", &path, "application/json", Vec::new())?,
            "page",
        )?;
        paged.extend(
            page["items"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .filter(not_a_read)
                .filter_map(|e| e["id"].as_str().map(str::to_owned)),
        );
        cursor = page["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    ensure!(
        paged == all,
        "pages of 3 add up to the whole: {paged:?} vs {all:?}"
    );
    let future = ok(
        admin_request(
            c,
            "GET",
            &format!("/api/v1/care/audit?target={patient}&from=2999-01-01"),
            "application/json",
            Vec::new(),
        )?,
        "future",
    )?;
    ensure!(
        future["items"].as_array().is_some_and(Vec::is_empty),
        "a period with nothing: {future}"
    );
    let today = ok(
        admin_request(
            c,
            "GET",
            &format!(
                "/api/v1/care/audit?target={patient}&from=2000-01-01&to=2999-01-01&limit=1000"
            ),
            "application/json",
            Vec::new(),
        )?,
        "period",
    )?;
    ensure!(
        today["items"]
            .as_array()
            .map(|i| i.iter().filter(not_a_read).count())
            == Some(all.len()),
        "a period holding everything: {today}"
    );
    expect_invalid_fields(
        &admin_request(
            c,
            "GET",
            "/api/v1/care/audit?from=yesterday",
            "application/json",
            Vec::new(),
        )?,
        &["?from"],
    )?;
    let csv = admin_request(
        c,
        "GET",
        &format!("/api/v1/care/audit.csv?target={patient}"),
        "text/csv",
        Vec::new(),
    )?;
    let lines = csv
        .text()
        .lines()
        .filter(|l| !l.contains(",audit.read,") && !l.contains(",audit.export,"))
        .count();
    ensure!(
        lines == all.len() + 1,
        "the CSV holds every entry: {lines} lines"
    );
    Ok(())
}

/// The client address the host records: the local host believes `X-Forwarded-For` from
/// its trusted proxy (the suite starts it so), Workers take `CF-Connecting-IP`.
pub fn from_address(
    c: &Client,
    address: &str,
    email: &str,
    password: &str,
    totp: &str,
) -> Result<Resp, String> {
    let body = serde_json::json!({"email": email, "password": password, "totp": totp});
    c.request(
        "POST",
        "/api/v1/auth/login",
        &[
            ("content-type", "application/json"),
            ("x-forwarded-for", address),
            ("cf-connecting-ip", address),
        ],
        Some(body.to_string().into_bytes()),
    )
}

fn address_limit(c: &Client) -> Result<(), String> {
    // An address of the documentation range, different in every run.
    let address = format!("198.51.100.{}", 1 + (now_seconds() % 250));
    let probe = format!("probe-{}@example.jp", now_seconds());
    ensure_problem(
        &from_address(c, &address, &probe, "wrong password!", "000000")?,
        401,
        "/problems/invalid-credentials",
    )?;
    let audit = ok(
        admin_request(
            c,
            "GET",
            "/api/v1/care/audit?limit=20",
            "application/json",
            Vec::new(),
        )?,
        "audit",
    )?;
    let recorded = audit["items"].as_array().is_some_and(|i| {
        i.iter()
            .any(|e| e["action"] == "auth.login" && e["address"] == address.as_str())
    });
    ensure!(
        recorded,
        "the host records the forwarded client address: {audit}"
    );
    let victim = register(c, "sprayed")?;
    let max = rainbownet_core::auth::login::MAX_ADDRESS_FAILURES;
    // Spraying: a few guesses each at many accounts, never five at one.
    for i in 1..max {
        let email = format!("spray-{i}-{}@example.jp", now_seconds());
        ensure_problem(
            &from_address(c, &address, &email, "Summer2026!!", "000000")?,
            401,
            "/problems/invalid-credentials",
        )
        .map_err(|e| format!("attempt {i}: {e}"))?;
    }
    let blocked = from_address(c, &address, &victim.email, PASSWORD, &code(&victim, 0)?)?;
    ensure_problem(&blocked, 429, "/problems/too-many-attempts")
        .map_err(|e| format!("after {max} failures from one address: {e}"))?;
    ensure!(blocked.header("retry-after").is_some(), "Retry-After");
    // The account itself is not locked: from another address it logs in.
    let elsewhere = format!("203.0.113.{}", 1 + (now_seconds() % 250));
    let fine = from_address(c, &elsewhere, &victim.email, PASSWORD, &code(&victim, 0)?)?;
    tokens(&fine).map_err(|e| format!("another address: {e}"))?;
    Ok(())
}
