//! Web Push from the host to a push service the test runs itself: a member subscribes with
//! an endpoint on the receiver, a teammate posts, and the receiver checks what arrives as a
//! browser and a push service would — `aes128gcm` it can decrypt with the subscription's
//! keys (RFC 8291), a VAPID token that verifies with the server's key (RFC 8292) — and that
//! nothing in it names the patient. The receiver then answers 410 and the subscription must
//! be gone. The decryption here is written apart from the server's, from the RFCs.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes128Gcm, Nonce};
use base64ct::{Base64UrlUnpadded, Encoding};
use hkdf::Hkdf;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::elliptic_curve::sec1::ToSec1Point;
use p256::{PublicKey, SecretKey};
use sha2::Sha256;

use crate::auth::access;
use crate::auth::{register, with_token};
use crate::cases::{Case, ensure_problem, expect_invalid_fields};
use crate::client::Client;
use crate::collab::{created, my_id, ok, patient_with_team};

pub const CASES: &[Case] = &[
    Case {
        name: "push: a teammate's post reaches a subscribed phone encrypted, VAPID-signed and without patient data; 410 removes the device; off-list endpoints are refused",
        run: push_notifications,
    },
    Case {
        name: "push: who chose 相談 and mentions only hears of a mention and a 相談, not of a report",
        run: consultation_only,
    },
    Case {
        name: "updates: an open page's poll is 304 until a teammate posts, then counts the new post; outsiders see nothing of the patient",
        run: live_updates,
    },
];

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Received {
    path: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

/// A push service on a loopback port: records every request, answers 201, or 410 for
/// paths marked gone.
struct Receiver {
    port: u16,
    got: Arc<Mutex<Vec<Received>>>,
    gone: Arc<Mutex<Vec<String>>>,
}

impl Receiver {
    fn start() -> Result<Receiver, String> {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let got = Arc::new(Mutex::new(Vec::new()));
        let gone: Arc<Mutex<Vec<String>>> = Arc::new(Mutex::new(Vec::new()));
        let (g, d) = (Arc::clone(&got), Arc::clone(&gone));
        // The thread ends with the test process; one connection at a time is plenty.
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = serve_one(stream, &g, &d);
            }
        });
        Ok(Receiver { port, got, gone })
    }

    fn endpoint(&self, name: &str) -> String {
        format!("http://127.0.0.1:{}/push/{name}", self.port)
    }

    fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn mark_gone(&self, name: &str) {
        self.gone
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(format!("/push/{name}"));
    }

    fn requests_to(&self, name: &str) -> Vec<Received> {
        let path = format!("/push/{name}");
        self.got
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    /// Waits (up to 20 s: a host sends after its response) for the `n`th request to `name`.
    fn wait_for(&self, name: &str, n: usize) -> Result<Received, String> {
        let start = Instant::now();
        loop {
            if let Some(r) = self.requests_to(name).get(n - 1) {
                return Ok(r.clone());
            }
            if start.elapsed() > Duration::from_secs(20) {
                return Err(format!(
                    "the push receiver got no request {n} for {name} in 20 s"
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn serve_one(
    stream: std::net::TcpStream,
    got: &Mutex<Vec<Received>>,
    gone: &Mutex<Vec<String>>,
) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let path = line.split(' ').nth(1).unwrap_or("").to_owned();
    let mut headers = HashMap::new();
    loop {
        let mut header = String::new();
        reader.read_line(&mut header)?;
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
        }
    }
    let body = if headers
        .get("transfer-encoding")
        .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
    {
        read_chunked(&mut reader)?
    } else {
        let length = headers
            .get("content-length")
            .and_then(|l| l.parse::<usize>().ok())
            .unwrap_or(0);
        let mut body = vec![0; length.min(64 * 1024)];
        reader.read_exact(&mut body)?;
        body
    };
    let status = if gone
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .contains(&path)
    {
        "410 Gone"
    } else {
        "201 Created"
    };
    got.lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(Received {
            path,
            headers,
            body,
        });
    let mut stream = stream;
    stream.write_all(
        format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").as_bytes(),
    )
}

/// An HTTP/1.1 chunked body (RFC 9112 §7.1), as push services take it too.
fn read_chunked(reader: &mut impl BufRead) -> std::io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size)?;
        let size = usize::from_str_radix(size.trim().split(';').next().unwrap_or(""), 16)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        let mut chunk = vec![0; size + 2];
        reader.read_exact(&mut chunk)?;
        if size == 0 || body.len() > 64 * 1024 {
            return Ok(body);
        }
        body.extend_from_slice(&chunk[..size]);
    }
}

fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

fn unb64(text: &str) -> Result<Vec<u8>, String> {
    Base64UrlUnpadded::decode_vec(text.trim_end_matches('=')).map_err(|e| e.to_string())
}

/// A browser's subscription keys.
struct Browser {
    secret: SecretKey,
    auth: [u8; 16],
}

impl Browser {
    fn new(seed: u8) -> Result<Browser, String> {
        let mut material = [seed; 32];
        material[0] = 1;
        material[31] = std::process::id().to_le_bytes()[0];
        Ok(Browser {
            secret: SecretKey::from_slice(&material).map_err(|e| e.to_string())?,
            auth: [seed.wrapping_mul(7); 16],
        })
    }

    fn public(&self) -> Vec<u8> {
        self.secret
            .public_key()
            .to_sec1_point(false)
            .as_bytes()
            .to_vec()
    }

    fn subscription(&self, endpoint: &str) -> String {
        serde_json::json!({
            "endpoint": endpoint,
            "expirationTime": null,
            "keys": { "p256dh": b64(&self.public()), "auth": b64(&self.auth) },
        })
        .to_string()
    }

    /// RFC 8188 §2 with the key of RFC 8291 §3.4: what the browser does on `push`.
    fn decrypt(&self, body: &[u8]) -> Result<Vec<u8>, String> {
        ensure!(body.len() > 21, "push body too short: {} bytes", body.len());
        let salt = &body[..16];
        let idlen = usize::from(body[20]);
        ensure!(
            idlen == 65 && body.len() > 21 + idlen,
            "keyid is not a P-256 key"
        );
        let sender = &body[21..21 + idlen];
        let sender_key = PublicKey::from_sec1_bytes(sender).map_err(|e| e.to_string())?;
        let shared =
            p256::ecdh::diffie_hellman(self.secret.to_nonzero_scalar(), sender_key.as_affine());
        let mut info = b"WebPush: info\0".to_vec();
        info.extend_from_slice(&self.public());
        info.extend_from_slice(sender);
        let mut ikm = [0u8; 32];
        Hkdf::<Sha256>::new(Some(&self.auth), shared.raw_secret_bytes())
            .expand(&info, &mut ikm)
            .map_err(|e| e.to_string())?;
        let prk = Hkdf::<Sha256>::new(Some(salt), &ikm);
        let (mut cek, mut nonce) = ([0u8; 16], [0u8; 12]);
        prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek)
            .map_err(|e| e.to_string())?;
        prk.expand(b"Content-Encoding: nonce\0", &mut nonce)
            .map_err(|e| e.to_string())?;
        let cipher = Aes128Gcm::new_from_slice(&cek).map_err(|e| e.to_string())?;
        let mut plain = cipher
            .decrypt(&Nonce::from(nonce), &body[21 + idlen..])
            .map_err(|_| {
                "the push body does not decrypt with the subscription's keys".to_owned()
            })?;
        while plain.last() == Some(&0) {
            plain.pop();
        }
        ensure!(
            plain.pop() == Some(2),
            "the record does not end with the last-record delimiter"
        );
        Ok(plain)
    }
}

/// Checks the VAPID `Authorization` (RFC 8292 §2–3) against the server's public key.
fn check_vapid(received: &Received, server_key: &str, audience: &str) -> Result<(), String> {
    let header = received
        .headers
        .get("authorization")
        .ok_or("no Authorization header")?;
    let (token, key) = header
        .strip_prefix("vapid t=")
        .and_then(|rest| rest.split_once(", k="))
        .ok_or_else(|| format!("not a vapid Authorization: {header}"))?;
    ensure!(key == server_key, "k= is not the key the server publishes");
    let (signed, signature) = token.rsplit_once('.').ok_or("no JWT signature")?;
    let verifier = VerifyingKey::from_sec1_bytes(&unb64(key)?).map_err(|e| e.to_string())?;
    let signature = Signature::from_slice(&unb64(signature)?).map_err(|e| e.to_string())?;
    verifier
        .verify(signed.as_bytes(), &signature)
        .map_err(|_| "the VAPID JWT does not verify with the server's public key".to_owned())?;
    let mut parts = signed.split('.');
    let head: serde_json::Value =
        serde_json::from_slice(&unb64(parts.next().unwrap_or(""))?).map_err(|e| e.to_string())?;
    let claims: serde_json::Value =
        serde_json::from_slice(&unb64(parts.next().unwrap_or(""))?).map_err(|e| e.to_string())?;
    ensure!(head["alg"] == "ES256", "alg: {head}");
    ensure!(
        claims["aud"] == audience,
        "aud {} is not {audience}",
        claims["aud"]
    );
    let now = crate::auth::now_seconds() as i64;
    let exp = claims["exp"].as_i64().ok_or("no exp")?;
    ensure!(
        exp > now && exp <= now + 24 * 3600 + 60,
        "exp {exp} is not within 24 h of {now}"
    );
    ensure!(
        claims["sub"]
            .as_str()
            .is_some_and(|s| s.starts_with("mailto:") || s.starts_with("https:")),
        "sub: {claims}"
    );
    Ok(())
}

fn push_notifications(c: &Client) -> Result<(), String> {
    let receiver = Receiver::start()?;
    let [n_token, m_token, o_token] =
        three_signed_in(c, ["push-nurse", "push-manager", "push-outsider"])?;
    let nurse_id = my_id(c, &n_token)?;
    let run = std::process::id();

    // The key browsers subscribe with.
    ensure_problem(
        &c.get("/api/v1/care/push/vapid-public-key")?,
        401,
        "/problems/unauthorized",
    )?;
    let key = ok(
        with_token(
            c,
            "GET",
            "/api/v1/care/push/vapid-public-key",
            &n_token,
            None,
        )?,
        "vapid key",
    )?["public_key"]
        .as_str()
        .ok_or("no public_key")?
        .to_owned();
    ensure!(
        unb64(&key)?.len() == 65,
        "the VAPID key is not an uncompressed P-256 point"
    );

    // Endpoints off the allow-list, and keys that are not keys, are refused by field.
    let phone = Browser::new(3)?;
    for endpoint in [
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "https://push.attacker.example/x".to_owned(),
        format!("https://fcm.googleapis.com.attacker.example/{run}"),
        "file:///etc/passwd".to_owned(),
    ] {
        let resp = with_token(
            c,
            "POST",
            "/api/v1/care/push/subscriptions",
            &n_token,
            Some(phone.subscription(&endpoint)),
        )?;
        expect_invalid_fields(&resp, &["#/endpoint"]).map_err(|e| format!("{endpoint}: {e}"))?;
    }
    let bad_keys = serde_json::json!({
        "endpoint": receiver.endpoint("bad"),
        "keys": { "p256dh": b64(&[4u8; 65]), "auth": "c2hvcnQ" },
    });
    expect_invalid_fields(
        &with_token(
            c,
            "POST",
            "/api/v1/care/push/subscriptions",
            &n_token,
            Some(bad_keys.to_string()),
        )?,
        &["#/keys/p256dh", "#/keys/auth"],
    )?;

    // The nurse's phone subscribes; the manager (the author) has a phone too.
    let name = format!("nurse-{run}");
    let device = created(
        with_token(
            c,
            "POST",
            "/api/v1/care/push/subscriptions",
            &n_token,
            Some(phone.subscription(&receiver.endpoint(&name))),
        )?,
        "subscribe",
    )?;
    ensure!(
        device["service"] == receiver.origin() && !device.to_string().contains("/push/"),
        "a device shows its push service, not its endpoint: {device}"
    );
    let manager_phone = Browser::new(5)?;
    let manager_name = format!("manager-{run}");
    created(
        with_token(
            c,
            "POST",
            "/api/v1/care/push/subscriptions",
            &m_token,
            Some(manager_phone.subscription(&receiver.endpoint(&manager_name))),
        )?,
        "subscribe the author",
    )?;

    // Someone who learned the endpoint but not its keys can not take the device over.
    let thief = Browser::new(17)?;
    ensure_problem(
        &with_token(
            c,
            "POST",
            "/api/v1/care/push/subscriptions",
            &o_token,
            Some(thief.subscription(&receiver.endpoint(&name))),
        )?,
        409,
        "/problems/conflict",
    )?;
    let devices = ok(
        with_token(c, "GET", "/api/v1/care/push/subscriptions", &n_token, None)?,
        "devices after a takeover attempt",
    )?;
    ensure!(
        devices["items"].as_array().is_some_and(|d| d.len() == 1),
        "the nurse's device is still hers: {devices}"
    );

    // Someone else's device can not be removed (it is not theirs to see).
    let device_id = device["id"].as_str().ok_or("no device id")?;
    ensure_problem(
        &with_token(
            c,
            "DELETE",
            &format!("/api/v1/care/push/subscriptions/{device_id}"),
            &o_token,
            None,
        )?,
        404,
        "/problems/not-found",
    )?;

    // A teammate posts about the patient.
    let patient_name = format!("通知 試験{run}");
    let patient = patient_with_team(c, &m_token, &patient_name, &[&nurse_id])?;
    let secret_text = format!("血圧 180/110 ふらつきあり {run}");
    post(c, &m_token, &patient, "consultation", &secret_text)?;
    let message = receiver.wait_for(&name, 1)?;
    ensure!(
        message.headers.get("content-encoding").map(String::as_str) == Some("aes128gcm"),
        "Content-Encoding: {:?}",
        message.headers.get("content-encoding")
    );
    ensure!(message.headers.contains_key("ttl"), "no TTL header");
    check_vapid(&message, &key, &receiver.origin())?;
    let plain = phone.decrypt(&message.body)?;
    let text = String::from_utf8(plain).map_err(|e| e.to_string())?;
    let payload: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))?;
    ensure!(
        payload["kind"] == "post"
            && payload["id"] == patient.as_str()
            && payload["count"].as_u64() >= Some(1),
        "the message names a kind, the patient's opaque id and a count: {payload}"
    );
    for leak in [
        patient_name.as_str(),
        "通知",
        secret_text.as_str(),
        "血圧",
        "シケン",
    ] {
        ensure!(
            !text.contains(leak),
            "the push message carries patient data ({leak}): {text}"
        );
    }
    ensure!(
        receiver.requests_to(&manager_name).is_empty(),
        "the author was notified of their own post"
    );

    // The push service says the phone is gone: the next message removes the device.
    receiver.mark_gone(&name);
    post(c, &m_token, &patient, "report", "訪問しました")?;
    receiver.wait_for(&name, 2)?;
    let start = Instant::now();
    loop {
        let devices = ok(
            with_token(c, "GET", "/api/v1/care/push/subscriptions", &n_token, None)?,
            "devices",
        )?;
        if devices["items"].as_array().is_some_and(Vec::is_empty) {
            break;
        }
        ensure!(
            start.elapsed() < Duration::from_secs(20),
            "the device is still subscribed after its push service answered 410: {devices}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    // Settings: "nothing" is kept; half quiet hours are refused by field.
    expect_invalid_fields(
        &put_settings(c, &n_token, r#"{"level":"all","quiet_from":"22:00"}"#)?,
        &["#/quiet_until"],
    )?;
    ok(
        put_settings(
            c,
            &n_token,
            r#"{"level":"none","quiet_from":"22:00","quiet_until":"07:00"}"#,
        )?,
        "settings",
    )?;
    let settings = ok(
        with_token(
            c,
            "GET",
            "/api/v1/care/notification-settings",
            &n_token,
            None,
        )?,
        "settings read",
    )?;
    ensure!(
        settings["level"] == "none" && settings["quiet_until"] == "07:00",
        "{settings}"
    );
    Ok(())
}

fn updates(c: &Client, token: &str, etag: Option<&str>) -> Result<crate::client::Resp, String> {
    let auth = format!("Bearer {token}");
    let mut headers = vec![("authorization", auth.as_str())];
    if let Some(tag) = etag {
        headers.push(("if-none-match", tag));
    }
    c.request("GET", "/api/v1/care/updates", &headers, None)
}

fn live_updates(c: &Client) -> Result<(), String> {
    let [n_token, m_token, o_token] =
        three_signed_in(c, ["live-nurse", "live-manager", "live-outsider"])?;
    ensure_problem(
        &c.get("/api/v1/care/updates")?,
        401,
        "/problems/unauthorized",
    )?;
    let nurse_id = my_id(c, &n_token)?;
    let patient = patient_with_team(c, &m_token, "新着 確認", &[&nurse_id])?;
    let first = updates(c, &n_token, None)?;
    let etag = first.header("etag").ok_or("no ETag")?.to_owned();
    ensure!(
        first
            .header("cache-control")
            .is_some_and(|v| v.contains("private")),
        "one person's updates must not sit in a shared cache: {:?}",
        first.header("cache-control")
    );
    let before = first.json()?;
    let count = |json: &serde_json::Value, field: &str| {
        json["patients"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["id"] == patient.as_str()))
            .and_then(|p| p[field].as_i64())
    };
    ensure!(
        count(&before, "posts") == Some(0),
        "a new patient has no posts: {before}"
    );
    let again = updates(c, &n_token, Some(&etag))?;
    ensure!(
        again.status == 304 && again.body.is_empty(),
        "nothing new is a bodiless 304, got {}",
        again.status
    );

    post(c, &m_token, &patient, "contact", "明日の訪問は10時です")?;
    let after = updates(c, &n_token, Some(&etag))?;
    ensure!(
        after.status == 200,
        "a teammate's post changes the answer, got {}",
        after.status
    );
    let after = after.json()?;
    ensure!(
        count(&after, "posts") == Some(1) && count(&after, "unread") == Some(1),
        "the nurse sees one new, unread post: {after}"
    );
    ensure!(
        !after.to_string().contains("訪問"),
        "updates carry no post text: {after}"
    );
    let theirs = ok(updates(c, &o_token, None)?, "outsider updates")?;
    ensure!(
        count(&theirs, "posts").is_none(),
        "an outsider's updates name the patient: {theirs}"
    );
    Ok(())
}

/// Registers a professional per label and signs each in: their access tokens, in order.
fn three_signed_in(c: &Client, labels: [&str; 3]) -> Result<[String; 3], String> {
    let tokens = labels
        .iter()
        .map(|label| access(c, &register(c, label)?, 0))
        .collect::<Result<Vec<_>, String>>()?;
    <[String; 3]>::try_from(tokens).map_err(|_| "three accounts".to_owned())
}

/// Sets `token`'s professional's notification settings.
fn put_settings(c: &Client, token: &str, json: &str) -> Result<crate::client::Resp, String> {
    with_token(
        c,
        "PUT",
        "/api/v1/care/notification-settings",
        token,
        Some(json.to_owned()),
    )
}

/// A post on the patient's timeline, as `token`'s professional.
fn post(c: &Client, token: &str, patient: &str, category: &str, body: &str) -> Result<(), String> {
    created(
        with_token(
            c,
            "POST",
            &format!("/api/v1/patients/{patient}/posts"),
            token,
            Some(serde_json::json!({ "category": category, "body": body }).to_string()),
        )?,
        "post",
    )
    .map(|_| ())
}

fn consultation_only(c: &Client) -> Result<(), String> {
    let receiver = Receiver::start()?;
    let [n_token, w_token, m_token] =
        three_signed_in(c, ["mention-nurse", "mention-worker", "mention-manager"])?;
    let run = std::process::id();
    let (nurse_path, worker_path) = (format!("mention-n-{run}"), format!("mention-w-{run}"));
    let (nurse_phone, worker_phone) = (Browser::new(11)?, Browser::new(13)?);
    for (token, phone, path) in [
        (&n_token, &nurse_phone, &nurse_path),
        (&w_token, &worker_phone, &worker_path),
    ] {
        created(
            with_token(
                c,
                "POST",
                "/api/v1/care/push/subscriptions",
                token,
                Some(phone.subscription(&receiver.endpoint(path))),
            )?,
            "subscribe",
        )?;
    }
    ok(
        put_settings(c, &n_token, r#"{"level":"consultation"}"#)?,
        "consultation only",
    )?;
    let me = ok(
        with_token(c, "GET", "/api/v1/auth/me", &n_token, None)?,
        "me",
    )?;
    let nurse_name = me["name"]
        .as_str()
        .ok_or("no name")?
        .replace([' ', '　'], "");
    let patient = patient_with_team(
        c,
        &m_token,
        "言及 確認",
        &[me["id"].as_str().ok_or("no id")?, &my_id(c, &w_token)?],
    )?;

    // A report: the care worker (everything) hears of it, the nurse does not.
    post(c, &m_token, &patient, "report", "入浴介助を行いました")?;
    receiver.wait_for(&worker_path, 1)?;
    // A report naming her (spaces left out, as people type): she hears of it.
    post(
        c,
        &m_token,
        &patient,
        "report",
        &format!("@{nurse_name} さん、軟膏の残りを確認してください"),
    )?;
    let mention = receiver.wait_for(&nurse_path, 1)?;
    let payload: serde_json::Value =
        serde_json::from_slice(&nurse_phone.decrypt(&mention.body)?).map_err(|e| e.to_string())?;
    // A late message of the first report would show now, as a second request or a count of 2.
    std::thread::sleep(Duration::from_millis(1500));
    ensure!(
        receiver.requests_to(&nurse_path).len() == 1 && payload["count"] == 1,
        "the nurse was told of the report she chose not to hear of: {} requests, {payload}",
        receiver.requests_to(&nurse_path).len()
    );
    // A 相談 reaches her without a mention.
    post(
        c,
        &m_token,
        &patient,
        "consultation",
        "褥瘡の処置について相談です",
    )?;
    receiver.wait_for(&nurse_path, 2)?;
    Ok(())
}
