//! The conformance cases. Each takes a client bound to a base URL and knows nothing of
//! the host behind it.

use crate::client::{Client, Resp};

pub struct Case {
    pub name: &'static str,
    pub run: fn(&Client) -> Result<(), String>,
}

pub const CASES: &[Case] = &[
    Case {
        name: "healthz reports version and schema versions",
        run: healthz,
    },
    Case {
        name: "municipalities lists the demo region",
        run: municipalities,
    },
    Case {
        name: "unknown routes are 404 problems",
        run: not_found,
    },
    Case {
        name: "wrong methods are 405 problems with Allow",
        run: method_not_allowed,
    },
    Case {
        name: "a stranger's Host header never reaches a shared cache (sitemap, print, CSV, HSDS)",
        run: host_header_not_shared,
    },
    Case {
        name: "malformed JSON is a 400 problem naming the error",
        run: malformed_json,
    },
    Case {
        name: "invalid fields are a 422 problem listing each field",
        run: validation,
    },
    Case {
        name: "administration without the token is a 401 problem",
        run: unauthorized,
    },
    Case {
        name: "oversize bodies are 413 problems and the host keeps serving",
        run: oversize,
    },
    Case {
        name: "municipality upsert creates, replaces and is listed",
        run: upsert_municipality,
    },
    Case {
        name: "every response carries the security headers and a request id",
        run: security_headers,
    },
    Case {
        name: "least privilege: each function opens only its granted stores",
        run: least_privilege,
    },
    Case {
        name: "HEAD is served like GET without a body",
        run: head,
    },
    Case {
        name: "static files are served with an ETag and 304",
        run: static_files,
    },
    Case {
        name: "people get readable error pages, the API gets problems",
        run: error_pages,
    },
    Case {
        name: "the vocabulary lists every fixed word with labels, and the API accepts what it lists",
        run: vocabulary,
    },
];

fn vocabulary(c: &Client) -> Result<(), String> {
    use crate::auth::{PASSWORD, code, login, register, tokens, with_token};
    let resp = c.get("/api/v1/public/vocabulary")?;
    ensure!(
        resp.status == 200,
        "vocabulary: {} {}",
        resp.status,
        resp.text()
    );
    let v = resp.json()?;
    let codes = |list: &str| -> Vec<String> {
        v[list]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter(|t| t["ja"].as_str().is_some_and(|s| !s.is_empty()))
                    .filter_map(|t| t["code"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    for (list, at_least) in [
        ("roles", 5),
        ("professions", 9),
        ("organization_kinds", 9),
        ("post_categories", 3),
        ("project_kinds", 4),
        ("sexes", 4),
        ("care_levels", 8),
        ("consent_methods", 2),
        ("event_kinds", 6),
        ("checkin_statuses", 3),
        ("vital_kinds", 6),
    ] {
        ensure!(
            codes(list).len() >= at_least,
            "{list}: {:?} (each with a Japanese label)",
            codes(list)
        );
    }
    // What it lists, the API takes: a patient of every sex, a post of every category.
    let nurse = register(c, "vocabulary")?;
    let (token, _) = tokens(&login(c, &nurse.email, PASSWORD, &code(&nurse, 0)?)?)?;
    let mut patient = String::new();
    for sex in codes("sexes") {
        let mut body: serde_json::Value =
            serde_json::from_str(&crate::patients::patient_body("語彙 試子"))
                .map_err(|e| e.to_string())?;
        body["sex"] = sex.clone().into();
        let created = with_token(
            c,
            "POST",
            "/api/v1/patients",
            &token,
            Some(body.to_string()),
        )?;
        ensure!(
            created.status == 201,
            "sex {sex}: {} {}",
            created.status,
            created.text()
        );
        patient = created.json()?["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
    }
    for category in codes("post_categories") {
        let body = serde_json::json!({"category": category, "body": "語彙の確認"}).to_string();
        let posted = with_token(
            c,
            "POST",
            &format!("/api/v1/patients/{patient}/posts"),
            &token,
            Some(body),
        )?;
        ensure!(
            posted.status == 201,
            "category {category}: {} {}",
            posted.status,
            posted.text()
        );
    }
    Ok(())
}

/// A 422 validation problem whose field errors name (at least) every pointer in `wanted`;
/// returns every pointer it names.
pub fn expect_invalid_fields(resp: &Resp, wanted: &[&str]) -> Result<Vec<String>, String> {
    let body = expect_problem(resp, 422, "/problems/validation")?;
    let pointers: Vec<String> = body["errors"]
        .as_array()
        .ok_or("no errors")?
        .iter()
        .filter_map(|e| e["pointer"].as_str().map(str::to_owned))
        .collect();
    for w in wanted {
        ensure!(
            pointers.iter().any(|p| p == w),
            "{w} missing from {pointers:?}"
        );
    }
    Ok(pointers)
}

pub fn ensure_problem(resp: &Resp, status: u16, kind: &str) -> Result<serde_json::Value, String> {
    expect_problem(resp, status, kind)
}

/// The care audit log's entries for `query` (`target=…&limit=…`), read by the suite's
/// sysadmin.
pub fn audit_entries(c: &Client, query: &str) -> Result<Vec<serde_json::Value>, String> {
    let audit = admin_request(
        c,
        "GET",
        &format!("/api/v1/care/audit?{query}"),
        "application/json",
        Vec::new(),
    )?;
    ensure!(
        audit.status == 200,
        "audit: {} {}",
        audit.status,
        audit.text()
    );
    Ok(audit.json()?["items"]
        .as_array()
        .cloned()
        .unwrap_or_default())
}

/// An administrator's request with a JSON body.
pub fn admin_json(
    c: &Client,
    method: &str,
    path: &str,
    body: &serde_json::Value,
) -> Result<Resp, String> {
    admin_request(
        c,
        method,
        path,
        "application/json",
        body.to_string().into_bytes(),
    )
}

/// An administrator's request with a body.
pub fn admin_request(
    c: &Client,
    method: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> Result<Resp, String> {
    let auth = format!("Bearer {}", crate::auth::registrar_token(c)?);
    c.request(
        method,
        path,
        &[("authorization", &auth), ("content-type", content_type)],
        Some(body),
    )
}

fn expect_problem(resp: &Resp, status: u16, kind: &str) -> Result<serde_json::Value, String> {
    ensure!(
        resp.status == status,
        "expected {status}, got {} {}",
        resp.status,
        resp.text()
    );
    ensure!(
        resp.header("content-type") == Some("application/problem+json"),
        "content-type {:?}",
        resp.header("content-type")
    );
    let body = resp.json()?;
    ensure!(
        body["type"] == kind,
        "type {} (wanted {kind})",
        body["type"]
    );
    ensure!(body["status"] == status, "status member {}", body["status"]);
    for member in [
        "title",
        "detail",
        "title_ja",
        "title_en",
        "detail_ja",
        "detail_en",
        "instance",
    ] {
        ensure!(
            body[member].as_str().is_some_and(|s| !s.is_empty()),
            "problem has no {member}: {body}"
        );
    }
    Ok(body)
}

fn admin_put(c: &Client, path: &str, body: &str) -> Result<Resp, String> {
    admin_request(c, "PUT", path, "application/json", body.as_bytes().to_vec())
}

fn healthz(c: &Client) -> Result<(), String> {
    let resp = c.get("/healthz")?;
    ensure!(
        resp.status == 200,
        "status {}: {}",
        resp.status,
        resp.text()
    );
    ensure!(
        resp.header("content-type") == Some("application/json"),
        "content-type"
    );
    let body = resp.json()?;
    ensure!(body["status"] == "ok", "status {}", body["status"]);
    ensure!(
        body["version"].as_str().is_some_and(|v| !v.is_empty()),
        "no version"
    );
    for db in ["public", "care", "disaster"] {
        let version = body["databases"][db]["schema_version"].as_u64();
        ensure!(
            version.is_some_and(|v| v >= 1),
            "{db} schema version {:?}",
            version
        );
    }
    Ok(())
}

fn municipalities(c: &Client) -> Result<(), String> {
    let resp = c.get("/api/v1/public/municipalities")?;
    ensure!(resp.status == 200, "status {}", resp.status);
    let cache = resp.header("cache-control").unwrap_or("");
    ensure!(
        cache.contains("s-maxage") && cache.contains("stale-while-revalidate"),
        "cache-control {cache}"
    );
    let body = resp.json()?;
    let items = body["items"].as_array().ok_or("no items")?;
    for (code, name) in [
        ("23233", "清須市"),
        ("23234", "北名古屋市"),
        ("23342", "豊山町"),
    ] {
        ensure!(
            items
                .iter()
                .any(|m| m["code"] == code && m["name"] == name && m["prefecture"] == "愛知県"),
            "{name} ({code}) missing from {body}"
        );
    }
    let codes: Vec<&str> = items.iter().filter_map(|m| m["code"].as_str()).collect();
    ensure!(
        codes.windows(2).all(|w| w[0] < w[1]),
        "not ordered by code: {codes:?}"
    );
    Ok(())
}

fn not_found(c: &Client) -> Result<(), String> {
    for path in [
        "/no/such/page",
        "/api/v1/public/nothing",
        "/api/v1/care/nothing",
        "/api/v1/disaster/nothing",
    ] {
        expect_problem(&c.get(path)?, 404, "/problems/not-found")
            .map_err(|e| format!("{path}: {e}"))?;
    }
    Ok(())
}

fn method_not_allowed(c: &Client) -> Result<(), String> {
    let resp = c.request("DELETE", "/api/v1/public/municipalities", &[], None)?;
    expect_problem(&resp, 405, "/problems/method-not-allowed")?;
    let allow = resp.header("allow").unwrap_or("");
    ensure!(allow.contains("GET"), "Allow {allow}");
    let resp = c.request("POST", "/healthz", &[], None)?;
    expect_problem(&resp, 405, "/problems/method-not-allowed")?;
    Ok(())
}

/// Answers that name an origin take it from the configuration, or, when there is none, from
/// the request's Host: then a shared cache must not keep them (one request from a stranger
/// would give everyone links to the stranger's site).
fn host_header_not_shared(c: &Client) -> Result<(), String> {
    let id = c.get("/api/v1/public/resources?limit=1")?.json()?["items"][0]["id"]
        .as_str()
        .ok_or("no resource")?
        .to_owned();
    for path in [
        "/sitemap.xml".to_owned(),
        "/robots.txt".to_owned(),
        format!("/resources/print?ids={id}"),
        "/api/v1/public/resources.csv".to_owned(),
        "/api/v1/public/resources.hsds.json".to_owned(),
        "/hsds/services?per_page=1".to_owned(),
        format!("/hsds/services/{id}"),
    ] {
        let resp = c.request("GET", &path, &[("host", "poison.example")], None)?;
        ensure!(resp.status == 200, "{path}: {}", resp.status);
        let named = resp.text().contains("poison.example");
        let cache = resp.header("cache-control").unwrap_or("");
        let shared = cache.contains("public") || cache.contains("s-maxage");
        ensure!(
            !(named && shared),
            "{path}: the request's Host in an answer shared caches keep ({cache})"
        );
    }
    Ok(())
}

fn malformed_json(c: &Client) -> Result<(), String> {
    let resp = admin_put(c, "/api/v1/public/municipalities/23233", "{\"name\": ")?;
    let body = expect_problem(&resp, 400, "/problems/malformed-json")?;
    ensure!(
        body["detail_en"].as_str().unwrap_or("").contains("EOF"),
        "detail {body}"
    );
    let resp = admin_put(
        c,
        "/api/v1/public/municipalities/23233",
        r#"{"name":"清須市","name_kana":"きよすし","name_en":"Kiyosu","prefecture":"愛知県","lat":"north","lng":136.85}"#,
    )?;
    let body = expect_problem(&resp, 400, "/problems/malformed-json")?;
    ensure!(body["errors"][0]["pointer"] == "#/lat", "pointer: {body}");
    // A NUL in any text is refused before it reaches a record (C tools and CSV cut there).
    let resp = admin_put(
        c,
        "/api/v1/public/municipalities/23233",
        r#"{"name":"清須\u0000市","name_kana":"きよすし","name_en":"Kiyosu","prefecture":"愛知県","lat":35.2,"lng":136.85}"#,
    )?;
    let body = expect_problem(&resp, 400, "/problems/malformed-json")?;
    ensure!(
        body["detail_en"].as_str().unwrap_or("").contains("NUL"),
        "detail {body}"
    );
    let auth = format!("Bearer {}", crate::auth::registrar_token(c)?);
    let resp = c.request(
        "PUT",
        "/api/v1/public/municipalities/23233",
        &[("authorization", &auth), ("content-type", "text/plain")],
        Some(b"{}".to_vec()),
    )?;
    expect_problem(&resp, 415, "/problems/unsupported-media-type")?;
    Ok(())
}

fn validation(c: &Client) -> Result<(), String> {
    let resp = admin_put(
        c,
        "/api/v1/public/municipalities/2323",
        r#"{"name":"","name_kana":"Kiyosu","name_en":"Kiyosu","prefecture":"愛知県","lat":99,"lng":136.85}"#,
    )?;
    let pointers = expect_invalid_fields(&resp, &["code", "#/name", "#/name_kana", "#/lat"])?;
    ensure!(
        !pointers.iter().any(|p| p == "#/lng"),
        "lng is valid: {pointers:?}"
    );
    Ok(())
}

fn unauthorized(c: &Client) -> Result<(), String> {
    let body = r#"{"name":"x","name_kana":"えっくす","name_en":"x","prefecture":"愛知県","lat":35,"lng":136}"#;
    let resp = c.request(
        "PUT",
        "/api/v1/public/municipalities/23999",
        &[("content-type", "application/json")],
        Some(body.as_bytes().to_vec()),
    )?;
    expect_problem(&resp, 401, "/problems/unauthorized")?;
    ensure!(
        resp.header("www-authenticate").is_some(),
        "no WWW-Authenticate"
    );
    let resp = c.request(
        "PUT",
        "/api/v1/public/municipalities/23999",
        &[
            ("content-type", "application/json"),
            ("authorization", "Bearer wrong-token-0123456789"),
        ],
        Some(body.as_bytes().to_vec()),
    )?;
    expect_problem(&resp, 401, "/problems/unauthorized")?;
    Ok(())
}

fn oversize(c: &Client) -> Result<(), String> {
    let big = vec![b' '; 9 * 1024 * 1024];
    let resp = admin_request(
        c,
        "PUT",
        "/api/v1/public/municipalities/23233",
        "application/json",
        big,
    )?;
    expect_problem(&resp, 413, "/problems/payload-too-large")?;
    let resp = c.get("/healthz")?;
    ensure!(
        resp.status == 200,
        "host stopped serving after 413: {}",
        resp.status
    );
    Ok(())
}

fn upsert_municipality(c: &Client) -> Result<(), String> {
    let body = r#"{"name":"試験町","name_kana":"しけんちょう","name_en":"Shiken","prefecture":"愛知県","lat":35.1,"lng":136.9}"#;
    let first = admin_put(c, "/api/v1/public/municipalities/23998", body)?;
    ensure!(
        first.status == 201 || first.status == 200,
        "first put {} {}",
        first.status,
        first.text()
    );
    let renamed = body.replace("試験町", "試験市");
    let second = admin_put(c, "/api/v1/public/municipalities/23998", &renamed)?;
    ensure!(
        second.status == 200,
        "second put {} {}",
        second.status,
        second.text()
    );
    ensure!(
        second.json()?["name"] == "試験市",
        "not replaced: {}",
        second.text()
    );
    let list = c.get("/api/v1/public/municipalities")?.json()?;
    let found = list["items"]
        .as_array()
        .ok_or("no items")?
        .iter()
        .filter(|m| m["code"] == "23998")
        .count();
    ensure!(found == 1, "23998 listed {found} times");
    Ok(())
}

fn security_headers(c: &Client) -> Result<(), String> {
    for path in ["/healthz", "/api/v1/public/municipalities", "/nowhere"] {
        let resp = c.get(path)?;
        let csp = resp.header("content-security-policy").unwrap_or("");
        ensure!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{path}: CSP {csp}"
        );
        ensure!(
            resp.header("x-content-type-options") == Some("nosniff"),
            "{path}: nosniff"
        );
        ensure!(
            resp.header("referrer-policy").is_some(),
            "{path}: referrer-policy"
        );
        ensure!(
            resp.header("x-request-id").is_some_and(|v| v.len() >= 16),
            "{path}: request id"
        );
    }
    let resp = c.request(
        "GET",
        "/healthz",
        &[("x-request-id", "trace-abc-123")],
        None,
    )?;
    // The host names each request itself: what a caller chose would reach the audit log.
    ensure!(
        resp.header("x-request-id")
            .is_some_and(|id| id != "trace-abc-123" && id.len() >= 16),
        "a caller's request id was taken: {:?}",
        resp.header("x-request-id")
    );
    let resp = c.request("GET", "/healthz", &[("x-request-id", "<script>")], None)?;
    ensure!(
        resp.header("x-request-id") != Some("<script>"),
        "unsafe request id echoed"
    );
    Ok(())
}

fn least_privilege(c: &Client) -> Result<(), String> {
    let expectations = [
        ("/api/v1/public", "public", true),
        ("/api/v1/public", "care", false),
        ("/api/v1/public", "disaster", false),
        ("/api/v1/public", "cache", true),
        ("/api/v1/care", "care", true),
        ("/api/v1/care", "public", true),
        ("/api/v1/care", "disaster", false),
        ("/api/v1/care", "cache", false),
        ("/api/v1/disaster", "disaster", true),
        ("/api/v1/disaster", "care", false),
        ("/api/v1/disaster", "public", false),
        ("/api/v1/disaster", "auth", true),
    ];
    for (prefix, store, granted) in expectations {
        let path = format!("{prefix}/_selfcheck/stores/{store}");
        let resp = c.get(&path)?;
        if granted {
            ensure!(
                resp.status == 200,
                "{path}: {} {}",
                resp.status,
                resp.text()
            );
        } else {
            expect_problem(&resp, 403, "/problems/store-not-granted")
                .map_err(|e| format!("{path}: {e}"))?;
        }
    }
    Ok(())
}

fn head(c: &Client) -> Result<(), String> {
    let resp = c.request("HEAD", "/healthz", &[], None)?;
    ensure!(resp.status == 200, "status {}", resp.status);
    ensure!(resp.body.is_empty(), "HEAD returned a body");
    Ok(())
}

fn static_files(c: &Client) -> Result<(), String> {
    let resp = c.get("/app/app.css")?;
    ensure!(resp.status == 200, "status {}", resp.status);
    ensure!(
        resp.header("content-type")
            .is_some_and(|t| t.starts_with("text/css")),
        "content-type"
    );
    let etag = resp.header("etag").ok_or("no ETag")?.to_owned();
    let again = c.request("GET", "/app/app.css", &[("if-none-match", &etag)], None)?;
    ensure!(
        again.status == 304 && again.body.is_empty(),
        "revalidation gave {}",
        again.status
    );
    expect_problem(&c.get("/app/nothing.css")?, 404, "/problems/not-found")?;
    Ok(())
}

fn error_pages(c: &Client) -> Result<(), String> {
    let browser = [("accept", "text/html,application/xhtml+xml,*/*;q=0.8")];
    let resp = c.request("GET", "/no/such/page?q=%3Cscript%3E", &browser, None)?;
    ensure!(resp.status == 404, "status {}", resp.status);
    ensure!(
        resp.header("content-type")
            .is_some_and(|t| t.starts_with("text/html")),
        "not HTML"
    );
    let html = resp.text();
    ensure!(
        html.contains("見つかりません") && html.contains("Not found"),
        "no bilingual text"
    );
    ensure!(!html.contains("<script>"), "unescaped input in the page");
    let api = c.request("GET", "/api/v1/public/nothing", &browser, None)?;
    expect_problem(&api, 404, "/problems/not-found")?;
    Ok(())
}

/// Runs every case, printing one line each, and returns how many failed.
/// Runs every case whose name contains `only` (all when empty) against `client`, prints a
/// line per case and the count with the time taken, and returns how many failed.
/// Every case of the suite, in the order they run.
pub fn all() -> impl Iterator<Item = &'static Case> {
    CASES
        .iter()
        .chain(crate::resources::CASES)
        .chain(crate::search::CASES)
        .chain(crate::auth::CASES)
        .chain(crate::patients::CASES)
        .chain(crate::family::CASES)
        .chain(crate::collab::CASES)
        .chain(crate::push::CASES)
        .chain(crate::disaster::CASES)
        .chain(crate::abuse::CASES)
        .chain(crate::routes::CASES)
        .chain(crate::openapi::CASES)
}

pub fn run_all(host: &str, client: &Client, only: &str) -> usize {
    let started = std::time::Instant::now();
    let mut failed = 0;
    let all: Vec<&Case> = all().filter(|case| case.name.contains(only)).collect();
    for case in &all {
        match (case.run)(client) {
            Ok(()) => println!("[{host}] ok    {}", case.name),
            Err(e) => {
                failed += 1;
                println!("[{host}] FAIL  {}: {e}", case.name);
            }
        }
    }
    println!(
        "[{host}] {} passed, {failed} failed in {:.1} s ({})",
        all.len() - failed,
        started.elapsed().as_secs_f64(),
        client.base
    );
    failed
}
