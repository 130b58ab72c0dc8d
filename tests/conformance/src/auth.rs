//! Conformance cases of professional login (issue: care collaboration, part 1).

use rainbownet_core::auth::{token, totp};

use crate::cases::{Case, admin_json, ensure_problem, expect_invalid_fields};
use crate::client::{Client, Resp};

pub const CASES: &[Case] = &[
    Case {
        name: "professionals log in with password and TOTP; the token opens /me",
        run: login_and_me,
    },
    Case {
        name: "a one-time code is accepted once",
        run: code_once,
    },
    Case {
        name: "refresh tokens rotate; a retry at once gets the same successor; a reused one revokes its family",
        run: refresh_rotation,
    },
    Case {
        name: "logout ends the session at once: every access token it issued, and its refresh token",
        run: logout,
    },
    Case {
        name: "five failed logins lock the address out with 429 and Retry-After",
        run: lockout,
    },
    Case {
        name: "missing, malformed and forged tokens are 401 problems",
        run: bad_tokens,
    },
    Case {
        name: "registration checks each field and needs the bootstrap token",
        run: registration,
    },
    Case {
        name: "municipal staff administer their own town's public data only",
        run: staff_scope,
    },
    Case {
        name: "the bootstrap token closes once a sysadmin exists; refusals and audit reads are audited",
        run: bootstrap_closes,
    },
];

pub const PASSWORD: &str = "correct horse battery staple";

pub struct Account {
    pub email: String,
    pub secret: Vec<u8>,
}

pub fn now_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The suite's sysadmin access token. The first call registers the sysadmin with the
/// bootstrap token (which then closes, as for a town) and logs in; later calls reuse the
/// session, refreshing it before the access token runs out.
pub fn registrar_token(c: &Client) -> Result<String, String> {
    let mut session = c.registrar.lock().map_err(|e| e.to_string())?;
    if let Some((access, refresh, at)) = session.as_ref() {
        if at.elapsed().as_secs() < 300 {
            return Ok(access.clone());
        }
        let body = serde_json::json!({ "refresh_token": refresh }).to_string();
        let (access, refresh) = tokens(&c.request(
            "POST",
            "/api/v1/auth/refresh",
            &[("content-type", "application/json")],
            Some(body.into_bytes()),
        )?)?;
        *session = Some((access.clone(), refresh, std::time::Instant::now()));
        return Ok(access);
    }
    let email = format!(
        "registrar-{}-{}@example.jp",
        now_seconds(),
        std::process::id()
    );
    let body = serde_json::json!({
        "organization": {"municipality_code": "23233", "kind": "municipality", "name": "清須市役所"},
        "email": email, "name": "登録 管理者", "profession": "municipal_staff",
        "roles": ["sysadmin"], "password": PASSWORD,
    });
    let bootstrap = format!("Bearer {}", crate::hosts::ADMIN_TOKEN);
    let resp = c.request(
        "POST",
        "/api/v1/auth/professionals",
        &[
            ("authorization", &bootstrap),
            ("content-type", "application/json"),
        ],
        Some(body.to_string().into_bytes()),
    )?;
    ensure!(
        resp.status == 201,
        "registering the suite's sysadmin with the bootstrap token: {} {}",
        resp.status,
        resp.text()
    );
    let enrolment = resp.json()?;
    let account = Account {
        email,
        secret: totp::from_base32(enrolment["totp_secret"].as_str().ok_or("no secret")?)
            .map_err(|e| e.to_string())?,
    };
    let (access, refresh) = tokens(&login(c, &account.email, PASSWORD, &code(&account, 0)?)?)?;
    *session = Some((access.clone(), refresh, std::time::Instant::now()));
    Ok(access)
}

/// A fresh professional, so that each case has TOTP steps of its own.
pub fn register(c: &Client, label: &str) -> Result<Account, String> {
    register_as(c, label, &["professional"])
}

pub fn register_as(c: &Client, label: &str, roles: &[&str]) -> Result<Account, String> {
    register_in(c, label, roles, ("23233", "清須訪問看護ステーション"))
}

/// A professional of the organization (municipality code, name).
pub fn register_in(
    c: &Client,
    label: &str,
    roles: &[&str],
    org: (&str, &str),
) -> Result<Account, String> {
    let unique = format!(
        "{label}-{}-{}@example.jp",
        now_seconds(),
        std::process::id()
    );
    let body = serde_json::json!({
        "organization": {"municipality_code": org.0, "kind": "visiting_nurse_station", "name": org.1},
        "email": unique, "name": "試験 看護師", "profession": "nurse", "roles": roles, "password": PASSWORD,
    });
    let resp = admin_json(c, "POST", "/api/v1/auth/professionals", &body)?;
    ensure!(
        resp.status == 201,
        "register: {} {}",
        resp.status,
        resp.text()
    );
    let enrolment = resp.json()?;
    ensure!(
        enrolment["otpauth_uri"]
            .as_str()
            .is_some_and(|u| u.starts_with("otpauth://totp/RainbowNet:")),
        "enrolment URI: {enrolment}"
    );
    let secret = totp::from_base32(enrolment["totp_secret"].as_str().ok_or("no secret")?)
        .map_err(|e| e.to_string())?;
    Ok(Account {
        email: unique,
        secret,
    })
}

pub fn code(account: &Account, offset_steps: u64) -> Result<String, String> {
    totp::code_at(&account.secret, now_seconds() + 30 * offset_steps).map_err(|e| e.to_string())
}

pub fn login(c: &Client, email: &str, password: &str, code: &str) -> Result<Resp, String> {
    let body = serde_json::json!({"email": email, "password": password, "totp": code});
    c.request(
        "POST",
        "/api/v1/auth/login",
        &[("content-type", "application/json")],
        Some(body.to_string().into_bytes()),
    )
}

pub fn with_token(
    c: &Client,
    method: &str,
    path: &str,
    token: &str,
    body: Option<String>,
) -> Result<Resp, String> {
    let auth = format!("Bearer {token}");
    c.request(
        method,
        path,
        &[
            ("authorization", &auth),
            ("content-type", "application/json"),
        ],
        body.map(String::into_bytes),
    )
}

/// A fresh access token for `account` (its TOTP code at `step`).
pub fn access(c: &Client, account: &Account, step: u64) -> Result<String, String> {
    Ok(tokens(&login(c, &account.email, PASSWORD, &code(account, step)?)?)?.0)
}

pub fn tokens(resp: &Resp) -> Result<(String, String), String> {
    ensure!(
        resp.status == 200,
        "login/refresh: {} {}",
        resp.status,
        resp.text()
    );
    let body = resp.json()?;
    ensure!(
        body["token_type"] == "Bearer" && body["expires_in"].as_i64().is_some_and(|s| s <= 900),
        "token shape {body}"
    );
    Ok((
        body["access_token"]
            .as_str()
            .ok_or("no access token")?
            .to_owned(),
        body["refresh_token"]
            .as_str()
            .ok_or("no refresh token")?
            .to_owned(),
    ))
}

fn login_and_me(c: &Client) -> Result<(), String> {
    let account = register(c, "me")?;
    ensure_problem(
        &login(
            c,
            &account.email,
            "wrong password here",
            &code(&account, 0)?,
        )?,
        401,
        "/problems/invalid-credentials",
    )?;
    ensure_problem(
        &login(c, &account.email, PASSWORD, "000000")?,
        401,
        "/problems/invalid-credentials",
    )?;
    ensure_problem(
        &login(c, "nobody@example.jp", PASSWORD, "123456")?,
        401,
        "/problems/invalid-credentials",
    )?;
    let (access, _) = tokens(&login(
        c,
        &account.email.to_uppercase(),
        PASSWORD,
        &code(&account, 0)?,
    )?)?;
    let me = with_token(c, "GET", "/api/v1/auth/me", &access, None)?;
    ensure!(me.status == 200, "me: {} {}", me.status, me.text());
    let body = me.json()?;
    ensure!(
        body["email"] == account.email.as_str()
            && body["organization"]["municipality_code"] == "23233",
        "me: {body}"
    );
    ensure!(
        !me.text().contains("password") && !me.text().contains("totp"),
        "secrets in /me"
    );
    Ok(())
}

fn code_once(c: &Client) -> Result<(), String> {
    let account = register(c, "once")?;
    let now = code(&account, 0)?;
    tokens(&login(c, &account.email, PASSWORD, &now)?)?;
    ensure_problem(
        &login(c, &account.email, PASSWORD, &now)?,
        401,
        "/problems/invalid-credentials",
    )?;
    Ok(())
}

fn refresh_rotation(c: &Client) -> Result<(), String> {
    let account = register(c, "refresh")?;
    let (_, first) = tokens(&login(c, &account.email, PASSWORD, &code(&account, 0)?)?)?;
    let body = |t: &str| {
        Some(
            serde_json::json!({"refresh_token": t})
                .to_string()
                .into_bytes(),
        )
    };
    let json = [("content-type", "application/json")];
    let (access, second) =
        tokens(&c.request("POST", "/api/v1/auth/refresh", &json, body(&first))?)?;
    ensure!(second != first, "refresh token not rotated");
    ensure!(
        with_token(c, "GET", "/api/v1/auth/me", &access, None)?.status == 200,
        "refreshed access token refused"
    );
    // Presented again at once (a second tab, a lost response), the spent token answers
    // with the same successor instead of being taken for theft.
    let (_, again) = tokens(&c.request("POST", "/api/v1/auth/refresh", &json, body(&first))?)?;
    ensure!(
        again == second,
        "a retry within the reuse interval got another token"
    );
    let (_, third) = tokens(&c.request("POST", "/api/v1/auth/refresh", &json, body(&second))?)?;
    // Once its successor has rotated on, the first token coming back is a copy: 401, and
    // the whole family is revoked, the newest token included.
    ensure_problem(
        &c.request("POST", "/api/v1/auth/refresh", &json, body(&first))?,
        401,
        "/problems/unauthorized",
    )?;
    ensure_problem(
        &c.request("POST", "/api/v1/auth/refresh", &json, body(&third))?,
        401,
        "/problems/unauthorized",
    )?;
    ensure_problem(
        &c.request("POST", "/api/v1/auth/refresh", &json, body("f00d"))?,
        401,
        "/problems/unauthorized",
    )?;
    Ok(())
}

fn logout(c: &Client) -> Result<(), String> {
    let account = register(c, "logout")?;
    let (earlier, first) = tokens(&login(c, &account.email, PASSWORD, &code(&account, 0)?)?)?;
    // A refresh gives the same session a second access token; logging out with it ends both.
    let json = [("content-type", "application/json")];
    let (access, refresh) = tokens(
        &c.request(
            "POST",
            "/api/v1/auth/refresh",
            &json,
            Some(
                serde_json::json!({"refresh_token": first})
                    .to_string()
                    .into_bytes(),
            ),
        )?,
    )?;
    let resp = with_token(
        c,
        "POST",
        "/api/v1/auth/logout",
        &access,
        Some(serde_json::json!({"refresh_token": refresh}).to_string()),
    )?;
    ensure!(
        resp.status == 204,
        "logout: {} {}",
        resp.status,
        resp.text()
    );
    ensure_problem(
        &with_token(c, "GET", "/api/v1/auth/me", &access, None)?,
        401,
        "/problems/unauthorized",
    )?;
    ensure_problem(
        &with_token(c, "GET", "/api/v1/auth/me", &earlier, None)?,
        401,
        "/problems/unauthorized",
    )?;
    let again = c.request(
        "POST",
        "/api/v1/auth/refresh",
        &json,
        Some(
            serde_json::json!({"refresh_token": refresh})
                .to_string()
                .into_bytes(),
        ),
    )?;
    ensure_problem(&again, 401, "/problems/unauthorized")?;
    Ok(())
}

fn lockout(c: &Client) -> Result<(), String> {
    let account = register(c, "lockout")?;
    for _ in 0..5 {
        ensure_problem(
            &login(c, &account.email, "not the password!", "000000")?,
            401,
            "/problems/invalid-credentials",
        )?;
    }
    let locked = login(c, &account.email, PASSWORD, &code(&account, 0)?)?;
    ensure_problem(&locked, 429, "/problems/too-many-attempts")?;
    let retry: u64 = locked
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .ok_or("no Retry-After")?;
    ensure!((1..=900).contains(&retry), "Retry-After {retry}");
    Ok(())
}

fn bad_tokens(c: &Client) -> Result<(), String> {
    ensure_problem(&c.get("/api/v1/auth/me")?, 401, "/problems/unauthorized")?;
    ensure_problem(
        &with_token(c, "GET", "/api/v1/auth/me", "garbage", None)?,
        401,
        "/problems/unauthorized",
    )?;
    let forged = token::issue(
        &[42u8; 32],
        &token::Subject {
            sub: "01FORGED".into(),
            roles: vec![rainbownet_core::auth::role::Role::Sysadmin],
            org: None,
            municipality: None,
            jti: "01FORGEDJTI".into(),
            sid: None,
            name: None,
            patient: None,
        },
        i64::try_from(now_seconds() * 1000).unwrap_or(0),
    )
    .map_err(|e| e.to_string())?;
    ensure_problem(
        &with_token(c, "GET", "/api/v1/auth/me", &forged, None)?,
        401,
        "/problems/unauthorized",
    )?;
    ensure_problem(
        &with_token(c, "POST", "/api/v1/auth/logout", &forged, None)?,
        401,
        "/problems/unauthorized",
    )?;
    Ok(())
}

fn registration(c: &Client) -> Result<(), String> {
    let body = serde_json::json!({
        "organization": {"municipality_code": "2323", "kind": "castle", "name": ""},
        "email": "not-an-email", "name": "", "profession": "wizard", "roles": ["king"], "password": "short",
    });
    let resp = admin_json(c, "POST", "/api/v1/auth/professionals", &body)?;
    expect_invalid_fields(
        &resp,
        &[
            "#/email",
            "#/name",
            "#/profession",
            "#/roles",
            "#/password",
            "#/organization/municipality_code",
            "#/organization/kind",
            "#/organization/name",
        ],
    )?;
    let account = register(c, "dup")?;
    let dup = serde_json::json!({
        "organization": {"municipality_code": "23233", "kind": "clinic", "name": "清須内科"},
        "email": account.email, "name": "重複", "profession": "physician", "roles": ["professional"], "password": PASSWORD,
    });
    let resp = admin_json(c, "POST", "/api/v1/auth/professionals", &dup)?;
    expect_invalid_fields(&resp, &["#/email"])?;
    let anonymous = c.request(
        "POST",
        "/api/v1/auth/professionals",
        &[("content-type", "application/json")],
        Some(dup.to_string().into_bytes()),
    )?;
    ensure_problem(&anonymous, 401, "/problems/unauthorized")?;
    Ok(())
}

fn bootstrap_closes(c: &Client) -> Result<(), String> {
    let sysadmin = registrar_token(c)?;
    let bootstrap = crate::hosts::ADMIN_TOKEN;
    let someone = serde_json::json!({
        "organization": {"municipality_code": "23233", "kind": "clinic", "name": "清須内科"},
        "email": format!("late-{}@example.jp", now_seconds()), "name": "遅い 登録",
        "profession": "physician", "roles": ["sysadmin"], "password": PASSWORD,
    });
    // The bootstrap token no longer registers anyone, reads the audit log or administers
    // public data: a 403 problem, on every function.
    ensure_problem(
        &with_token(
            c,
            "POST",
            "/api/v1/auth/professionals",
            bootstrap,
            Some(someone.to_string()),
        )?,
        403,
        "/problems/forbidden",
    )?;
    ensure_problem(
        &with_token(c, "GET", "/api/v1/care/audit?limit=5", bootstrap, None)?,
        403,
        "/problems/forbidden",
    )?;
    ensure_problem(
        &with_token(
            c,
            "PUT",
            "/api/v1/public/municipalities/23233",
            bootstrap,
            Some("{}".into()),
        )?,
        403,
        "/problems/forbidden",
    )?;
    // The refusal, the sysadmin's registration (with its actor) and this very reading of
    // the log are on record.
    let log = with_token(c, "GET", "/api/v1/care/audit?limit=200", &sysadmin, None)?;
    ensure!(log.status == 200, "audit: {} {}", log.status, log.text());
    let items = log.json()?["items"].clone();
    let items = items.as_array().ok_or("no items")?;
    let has = |action: &str, outcome: &str, actor: Option<&str>| {
        items.iter().any(|e| {
            e["action"] == action
                && e["outcome"] == outcome
                && actor.is_none_or(|a| e["actor"] == a)
        })
    };
    ensure!(
        has("auth.bootstrap", "denied", Some("bootstrap")),
        "no denied bootstrap attempt in the log"
    );
    ensure!(
        has("professional.create", "allowed", Some("bootstrap")),
        "the sysadmin's registration has no actor"
    );
    let again = with_token(c, "GET", "/api/v1/care/audit?limit=200", &sysadmin, None)?;
    let items = again.json()?["items"].clone();
    ensure!(
        items.as_array().is_some_and(|a| a
            .iter()
            .any(|e| e["action"] == "audit.read" && e["outcome"] == "allowed")),
        "reading the audit log is not itself on record"
    );
    Ok(())
}

fn staff_scope(c: &Client) -> Result<(), String> {
    let staff = register_as(c, "staff", &["municipal_staff"])?;
    let (staff_token, _) = tokens(&login(c, &staff.email, PASSWORD, &code(&staff, 0)?)?)?;
    let nurse = register(c, "nurse")?;
    let (nurse_token, _) = tokens(&login(c, &nurse.email, PASSWORD, &code(&nurse, 0)?)?)?;
    let resource = |town: &str| {
        serde_json::json!({
            "municipality_code": town, "category": "gathering.salon", "name": "職員登録サロン",
            "lat": 35.2, "lng": 136.85, "status": "published",
        })
        .to_string()
    };
    let own = with_token(
        c,
        "POST",
        "/api/v1/public/resources",
        &staff_token,
        Some(resource("23233")),
    )?;
    ensure!(
        own.status == 201,
        "staff in own town: {} {}",
        own.status,
        own.text()
    );
    let id = own.json()?["id"].as_str().ok_or("no id")?.to_owned();
    let other = with_token(
        c,
        "POST",
        "/api/v1/public/resources",
        &staff_token,
        Some(resource("23234")),
    )?;
    ensure_problem(&other, 403, "/problems/forbidden")?;
    let moved = with_token(
        c,
        "PUT",
        &format!("/api/v1/public/resources/{id}"),
        &staff_token,
        Some(resource("23234")),
    )?;
    ensure_problem(&moved, 403, "/problems/forbidden")?;
    let nurse_try = with_token(
        c,
        "POST",
        "/api/v1/public/resources",
        &nurse_token,
        Some(resource("23233")),
    )?;
    ensure_problem(&nurse_try, 403, "/problems/forbidden")?;
    let region = serde_json::json!({"name":"清須市","name_kana":"きよすし","name_en":"Kiyosu","prefecture":"愛知県","lat":35.2,"lng":136.85});
    let town = with_token(
        c,
        "PUT",
        "/api/v1/public/municipalities/23233",
        &staff_token,
        Some(region.to_string()),
    )?;
    ensure_problem(&town, 403, "/problems/forbidden")?;
    let auth = format!("Bearer {staff_token}");
    let csv = std::fs::read(
        crate::hosts::repo_root().join("tests/fixtures/public_toilets_23233.sjis.csv"),
    )
    .map_err(|e| e.to_string())?;
    let foreign = c.request(
        "POST",
        "/api/v1/public/imports?municipality=23234",
        &[("authorization", &auth), ("content-type", "text/csv")],
        Some(csv.clone()),
    )?;
    ensure_problem(&foreign, 403, "/problems/forbidden")?;
    let home = c.request(
        "POST",
        "/api/v1/public/imports?municipality=23233",
        &[("authorization", &auth), ("content-type", "text/csv")],
        Some(csv),
    )?;
    ensure!(
        home.status == 200,
        "staff import in own town: {} {}",
        home.status,
        home.text()
    );
    Ok(())
}
