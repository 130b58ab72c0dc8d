//! Moving a town between hosts (issue #32): the local host's data as SQL into D1 and back.
//! `tests/deploy-local.sh --move` runs the three steps around wrangler:
//!
//! 1. `out`: a local host with written data (a nurse with TOTP, a patient, a post with a
//!    file over two blob chunks), exported with `rainbownet backup export-sql` while it serves;
//! 2. `check`: after wrangler loaded the SQL into D1, the same nurse logs in to the Workers
//!    and reads back the patient, the post and the file byte for byte, and writes a post;
//! 3. `back`: after `wrangler d1 export` and `rainbownet backup import-sql`, a local host on
//!    the imported directory shows all of it, the Workers' post included.
//!
//! What is expected travels between the steps in `<dir>/expect.json`.

use std::path::Path;
use std::process::Command;

use rainbownet_core::auth::totp;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::auth::{PASSWORD, login, registrar_token, tokens, with_token};
use crate::client::Client;
use crate::hosts::{RunningHost, rainbownet_bin};

#[derive(Serialize, Deserialize)]
struct Expect {
    email: String,
    /// The nurse's TOTP secret, base32.
    secret: String,
    /// The last TOTP step used: each host refuses a code at or before it.
    last_step: u64,
    patient: String,
    patient_name: String,
    /// Posts expected on the timeline, by body.
    posts: Vec<String>,
    attachment: String,
    attachment_sha256: String,
}

fn read(dir: &Path) -> Result<Expect, String> {
    let text = std::fs::read(dir.join("expect.json")).map_err(|e| format!("expect.json: {e}"))?;
    serde_json::from_slice(&text).map_err(|e| format!("expect.json: {e}"))
}

fn write(dir: &Path, expect: &Expect) -> Result<(), String> {
    let text = serde_json::to_vec_pretty(expect).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("expect.json"), text).map_err(|e| format!("expect.json: {e}"))
}

/// Logs the nurse in with a code of a step after `last_step` (waiting for it to come within
/// the one step of skew the hosts allow); the access token.
fn log_in(c: &Client, expect: &mut Expect) -> Result<String, String> {
    let secret = totp::from_base32(&expect.secret).map_err(|e| e.to_string())?;
    let now = crate::auth::now_seconds() / 30;
    let step = (expect.last_step + 1).max(now.saturating_sub(1));
    while crate::auth::now_seconds() / 30 + 1 < step {
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    let code = totp::code_at(&secret, step * 30).map_err(|e| e.to_string())?;
    let resp = login(c, &expect.email, PASSWORD, &code)?;
    ensure!(
        resp.status == 200,
        "{}: the moved nurse's login: {} {}",
        c.base,
        resp.status,
        resp.text()
    );
    expect.last_step = step;
    Ok(tokens(&resp)?.0)
}

/// Step 1: a town written through the API, then exported while its host serves.
pub fn out(dir: &Path) -> Result<String, String> {
    let data = dir.join("town");
    let host = RunningHost::local_on(&data)?;
    let c = Client::new(&host.base_url);
    // The registrar is the town's sysadmin: the bootstrap token closes, and must stay closed.
    registrar_token(&c)?;
    let nurse = crate::auth::register(&c, "moved-nurse")?;
    let mut expect = Expect {
        email: nurse.email.clone(),
        secret: totp::to_base32(&nurse.secret),
        last_step: 0,
        patient: String::new(),
        patient_name: "移転 花子".into(),
        posts: vec!["転居前の記録です。血圧 132/84。".into()],
        attachment: String::new(),
        attachment_sha256: String::new(),
    };
    let token = log_in(&c, &mut expect)?;
    let created = with_token(
        &c,
        "POST",
        "/api/v1/patients",
        &token,
        Some(crate::patients::patient_body(&expect.patient_name)),
    )?;
    ensure!(created.status == 201, "patient: {}", created.text());
    expect.patient = created.json()?["id"]
        .as_str()
        .ok_or("no patient id")?
        .to_owned();
    // Over two 512 KiB blob chunks, and bytes of every value: the SQL carries it in pieces.
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.extend((0..700_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    let up = crate::patients::upload(&c, &token, &expect.patient, "application/pdf", pdf.clone())?;
    ensure!(up.status == 201, "upload: {} {}", up.status, up.text());
    expect.attachment = up.json()?["id"].as_str().ok_or("no file id")?.to_owned();
    expect.attachment_sha256 = hex(&Sha256::digest(&pdf));
    let body = serde_json::json!({"category": "report", "body": expect.posts[0], "attachments": [expect.attachment]});
    let post = with_token(
        &c,
        "POST",
        &format!("/api/v1/patients/{}/posts", expect.patient),
        &token,
        Some(body.to_string()),
    )?;
    ensure!(post.status == 201, "post: {} {}", post.status, post.text());
    let sql = dir.join("sql");
    let exported = Command::new(rainbownet_bin()?)
        .args(["backup", "export-sql", "--data"])
        .arg(&data)
        .arg("--out")
        .arg(&sql)
        .output()
        .map_err(|e| format!("rainbownet backup export-sql: {e}"))?;
    ensure!(
        exported.status.success(),
        "export-sql: {}",
        String::from_utf8_lossy(&exported.stderr)
    );
    host.stop()?;
    write(dir, &expect)?;
    Ok(format!(
        "town written (nurse, patient, post, {} KB file) and exported while serving: {}",
        pdf.len() / 1000,
        String::from_utf8_lossy(&exported.stdout)
            .lines()
            .collect::<Vec<_>>()
            .join("; ")
    ))
}

/// Reads everything expected through `c`; with `post`, writes one more post.
fn check_on(c: &Client, dir: &Path, post: Option<&str>) -> Result<String, String> {
    let mut expect = read(dir)?;
    let token = log_in(c, &mut expect)?;
    let patient = with_token(
        c,
        "GET",
        &format!("/api/v1/patients/{}", expect.patient),
        &token,
        None,
    )?;
    ensure!(
        patient.status == 200 && patient.json()?["name"] == expect.patient_name.as_str(),
        "{}: the moved patient: {} {}",
        c.base,
        patient.status,
        patient.text()
    );
    let page = with_token(
        c,
        "GET",
        &format!("/api/v1/patients/{}/posts", expect.patient),
        &token,
        None,
    )?
    .json()?;
    let bodies: Vec<&str> = page["items"]
        .as_array()
        .map(|items| items.iter().filter_map(|i| i["body"].as_str()).collect())
        .unwrap_or_default();
    for wanted in &expect.posts {
        ensure!(
            bodies.contains(&wanted.as_str()),
            "{}: post {wanted:?} missing from the timeline: {page}",
            c.base
        );
    }
    let file = with_token(
        c,
        "GET",
        &format!(
            "/api/v1/patients/{}/attachments/{}",
            expect.patient, expect.attachment
        ),
        &token,
        None,
    )?;
    ensure!(
        file.status == 200 && hex(&Sha256::digest(&file.body)) == expect.attachment_sha256,
        "{}: the moved file: {} ({} bytes, not the same)",
        c.base,
        file.status,
        file.body.len()
    );
    if let Some(text) = post {
        let body = serde_json::json!({"category": "report", "body": text});
        let written = with_token(
            c,
            "POST",
            &format!("/api/v1/patients/{}/posts", expect.patient),
            &token,
            Some(body.to_string()),
        )?;
        ensure!(written.status == 201, "post: {}", written.text());
        expect.posts.push(text.to_owned());
    }
    // The bootstrap token stayed closed: the town's sysadmin came along.
    let bootstrap = c.request(
        "POST",
        "/api/v1/auth/professionals",
        &[
            (
                "authorization",
                &format!("Bearer {}", crate::hosts::ADMIN_TOKEN),
            ),
            ("content-type", "application/json"),
        ],
        Some(b"{}".to_vec()),
    )?;
    ensure!(
        bootstrap.status == 403 || bootstrap.status == 401,
        "{}: the bootstrap token opened again after the move: {}",
        c.base,
        bootstrap.status
    );
    write(dir, &expect)?;
    Ok(format!(
        "the nurse logs in with the same TOTP; patient, {} post(s) and the {} KB file read back byte for byte",
        expect.posts.len(),
        file.body.len() / 1000
    ))
}

/// Step 2: the Workers at `base`, after the SQL was loaded into D1.
pub fn check(base: &str, dir: &Path) -> Result<String, String> {
    check_on(
        &Client::new(base),
        dir,
        Some("転居後、Workers で書いた記録です。"),
    )
}

/// Step 3: a local host on the directory `import-sql` made.
pub fn back(dir: &Path, data: &Path) -> Result<String, String> {
    let host = RunningHost::local_on(data)?;
    let c = Client::new(&host.base_url);
    let report = check_on(&c, dir, None)?;
    host.stop()?;
    Ok(report)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
