//! `rainbownet backup` as an operator uses it: a snapshot taken while writes go on holds
//! every write acknowledged before it began and none begun after it ended; a damaged file,
//! the wrong key and an occupied target are refused with a line saying what to do; and a
//! restored directory serves, with its professionals' existing TOTP second factors.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_rainbownet");
const ADMIN_TOKEN: &str = "backup-test-admin-token-0123456789";

/// The host's own secrets, not the environment's: a backup must carry them.
const OWN_SECRETS: [(&str, Option<&str>); 3] = [
    ("RAINBOWNET_JWT_SEED", None),
    ("RAINBOWNET_DATA_KEY", None),
    ("RAINBOWNET_DATA_KEY_FILE", None),
];

fn rainbownet(args: &[&str], stdin: &str) -> (bool, String) {
    common::rainbownet(args, stdin, &OWN_SECRETS)
}

fn ok(args: &[&str]) -> String {
    let (ok, out) = rainbownet(args, "");
    assert!(ok, "{args:?}: {out}");
    out
}

fn refused(args: &[&str], says: &str) {
    let (ok, out) = rainbownet(args, "");
    assert!(!ok, "{args:?} should fail: {out}");
    assert!(out.contains(says), "{args:?}: {out}");
    assert_eq!(out.trim().lines().count(), 1, "one line: {out}");
}

fn s(path: &Path) -> &str {
    path.to_str().expect("utf-8 path")
}

/// `backup create` of `data` into `to`, encrypted to `recipient`.
fn create(data: &Path, to: &Path, recipient: &str) {
    ok(&[
        "backup",
        "create",
        "--data",
        s(data),
        "--to",
        s(to),
        "--recipient",
        recipient,
    ]);
}

/// `backup restore` of `file` with `key` into `data` (over what is there with `force`).
fn restore(file: &Path, key: &Path, data: &Path, force: bool) -> String {
    let mut args = vec![
        "backup",
        "restore",
        s(file),
        "--identity",
        s(key),
        "--data",
        s(data),
    ];
    if force {
        args.push("--force");
    }
    ok(&args)
}

/// A key pair: the identity file and the recipient it prints.
fn keygen(dir: &Path, name: &str) -> (std::path::PathBuf, String) {
    let key = dir.join(name);
    let out = ok(&["backup", "keygen", "--out", s(&key)]);
    let recipient = out.lines().next().expect("recipient").trim().to_owned();
    assert!(recipient.starts_with("age1"), "{out}");
    (key, recipient)
}

#[test]
fn a_snapshot_during_writes_holds_what_was_acknowledged_before_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    ok(&["migrate", "--data", s(&data)]);
    let (key, recipient) = keygen(dir.path(), "backup.key");

    // A writer like the host's: its own connection, WAL, each row committed alone; the
    // time each commit returned is when it was acknowledged.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let stop = Arc::clone(&stop);
        let file = data.join("care.sqlite");
        std::thread::spawn(move || {
            let conn = rusqlite::Connection::open(file).expect("open care");
            conn.busy_timeout(Duration::from_secs(5))
                .expect("busy timeout");
            let mut log = Vec::new();
            let mut n = 0u32;
            while !stop.load(Ordering::Relaxed) {
                let began = Instant::now();
                conn.execute(
                    "INSERT INTO audit_log (id, at, action, outcome) VALUES (?1, '2026-12-07T00:00:00Z', 'test.write', 'allowed')",
                    [format!("{n:08}")],
                )
                .expect("write");
                log.push((n, began, Instant::now()));
                n += 1;
            }
            log
        })
    };
    std::thread::sleep(Duration::from_millis(300));
    let backup = dir.path().join("town.age");
    let started = Instant::now();
    create(&data, &backup, &recipient);
    let ended = Instant::now();
    std::thread::sleep(Duration::from_millis(200));
    stop.store(true, Ordering::Relaxed);
    let log = writer.join().expect("writer");

    let restored = dir.path().join("restored");
    let out = restore(&backup, &key, &restored, false);
    assert!(out.contains("restored"), "{out}");
    let conn = rusqlite::Connection::open(restored.join("care.sqlite")).expect("restored care");
    let present = |n: u32| -> bool {
        conn.query_row(
            "SELECT count(*) FROM audit_log WHERE id = ?1",
            [format!("{n:08}")],
            |r| r.get::<_, i64>(0),
        )
        .expect("count")
            == 1
    };
    let before: Vec<u32> = log
        .iter()
        .filter(|(_, _, acked)| *acked < started)
        .map(|w| w.0)
        .collect();
    let after: Vec<u32> = log
        .iter()
        .filter(|(_, began, _)| *began > ended)
        .map(|w| w.0)
        .collect();
    assert!(
        before.len() > 10 && !after.is_empty(),
        "writes before {} after {}",
        before.len(),
        after.len()
    );
    let lost: Vec<&u32> = before.iter().filter(|n| !present(**n)).collect();
    assert!(
        lost.is_empty(),
        "acknowledged before the snapshot, missing: {lost:?}"
    );
    let late: Vec<&u32> = after.iter().filter(|n| present(**n)).collect();
    assert!(
        late.is_empty(),
        "begun after the snapshot ended, present: {late:?}"
    );
    // The restore is on record in the restored audit log.
    let restores: i64 = conn
        .query_row("SELECT count(*) FROM audit_log WHERE action = 'system.restore' AND target LIKE 'town.age taken %'", [], |r| r.get(0))
        .expect("restore audit");
    assert_eq!(restores, 1);
}

#[test]
fn damage_the_wrong_key_and_an_occupied_target_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    ok(&["migrate", "--data", s(&data)]);
    let (key, recipient) = keygen(dir.path(), "backup.key");
    let (other, _) = keygen(dir.path(), "other.key");
    let backup = dir.path().join("town.age");
    create(&data, &backup, &recipient);
    let out = ok(&["backup", "verify", s(&backup), "--identity", s(&key)]);
    assert!(out.starts_with("ok: "), "{out}");

    // Without a recipient nothing is written in the clear by accident.
    refused(
        &[
            "backup",
            "create",
            "--data",
            s(&data),
            "--to",
            s(&dir.path().join("x")),
        ],
        "--recipient",
    );
    refused(&["backup", "verify", s(&backup)], "--identity");
    refused(
        &["backup", "verify", s(&backup), "--identity", s(&other)],
        "another key",
    );

    // One flipped byte, encrypted and in the clear.
    let plain = dir.path().join("town.tar");
    ok(&[
        "backup",
        "create",
        "--data",
        s(&data),
        "--to",
        s(&plain),
        "--plaintext",
    ]);
    ok(&["backup", "verify", s(&plain)]);
    for (file, identity) in [(&backup, Some(&key)), (&plain, None)] {
        let mut bytes = std::fs::read(file).expect("read backup");
        let at = bytes.len() / 2;
        bytes[at] ^= 0x01;
        let bad = file.with_extension("bad");
        std::fs::write(&bad, bytes).expect("write damaged copy");
        let mut args = vec!["backup", "verify", s(&bad)];
        let mut restore = vec!["backup", "restore", s(&bad)];
        if let Some(k) = identity {
            args.extend(["--identity", s(k)]);
            restore.extend(["--identity", s(k)]);
        }
        refused(&args, "damaged");
        let target = dir
            .path()
            .join(format!("from-{}", bad.display().to_string().len()));
        restore.extend(["--data", s(&target)]);
        refused(&restore, "damaged");
        assert!(!target.exists(), "a refused restore leaves nothing behind");
    }

    // The running data directory is not overwritten without --force.
    refused(
        &[
            "backup",
            "restore",
            s(&backup),
            "--identity",
            s(&key),
            "--data",
            s(&data),
        ],
        "not empty",
    );
    restore(&backup, &key, &data, true);
}

struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(data: &Path) -> (Serving, String) {
    let mut command = Command::new(BIN);
    for (name, _) in OWN_SECRETS {
        command.env_remove(name);
    }
    let mut child = command
        .env("RAINBOWNET_ADMIN_TOKEN", ADMIN_TOKEN)
        .args(["serve", "--addr", "127.0.0.1:0", "--data", s(data)])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let stdout = child.stdout.take().expect("stdout");
    let serving = Serving(child);
    let base = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|l| {
            l.split("listening on ")
                .nth(1)
                .and_then(|u| u.split_whitespace().next())
                .map(str::to_owned)
        })
        .expect("the host says where it listens");
    (serving, base)
}

#[test]
fn a_restored_host_logs_its_professionals_in_with_their_totp() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let secret = common::add_town_staff(
        s(&data),
        "bousai@city.kiyosu.example.jp",
        "清須 防災",
        "professional,disaster_hq",
        "清須市役所 危機管理課",
        &OWN_SECRETS,
    );
    let (key, recipient) = keygen(dir.path(), "backup.key");
    let backup = dir.path().join("town.age");
    create(&data, &backup, &recipient);

    // The disk is lost: the directory and its data key with it.
    std::fs::remove_dir_all(&data).expect("lose the data");
    std::fs::remove_file(dir.path().join("data.key")).expect("lose the key");
    restore(&backup, &key, &data, false);

    let (_host, base) = serve(&data);
    let seed = rainbownet_core::auth::totp::from_base32(&secret).expect("base32");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let code = rainbownet_core::auth::totp::code_at(&seed, now).expect("code");
    let body = serde_json::json!({"email": "bousai@city.kiyosu.example.jp",
        "password": "a long enough password", "totp": code});
    let mut resp = ureq::post(&format!("{base}/api/v1/auth/login"))
        .config()
        .http_status_as_error(false)
        .build()
        .header("content-type", "application/json")
        .send(body.to_string())
        .expect("login request");
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    assert_eq!(status, 200, "login on the restored host: {text}");
    assert!(text.contains("access_token"), "{text}");
}

fn backup_status(base: &str) -> serde_json::Value {
    let mut resp = ureq::get(&format!("{base}/api/v1/public/backup-status"))
        .header("authorization", &format!("Bearer {ADMIN_TOKEN}"))
        .call()
        .expect("backup status");
    serde_json::from_str(&resp.body_mut().read_to_string().expect("body")).expect("json")
}

#[test]
fn the_serving_host_shows_the_last_backup_to_its_sysadmins() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let (_host, base) = serve(&data);
    let none = backup_status(&base);
    assert_eq!(none["last_backup"], serde_json::Value::Null, "{none}");
    assert_eq!(none["stale"], true, "no backup is a stale backup");
    let (_, recipient) = keygen(dir.path(), "backup.key");
    let backup = dir.path().join("town.age");
    create(&data, &backup, &recipient);
    let status = backup_status(&base);
    assert_eq!(status["stale"], false, "{status}");
    assert_eq!(status["last_backup"]["file"], s(&backup), "{status}");
    assert_eq!(status["last_backup"]["encrypted"], true, "{status}");
    let bytes = std::fs::metadata(&backup).expect("backup file").len();
    assert_eq!(status["last_backup"]["bytes"], bytes, "{status}");
}
