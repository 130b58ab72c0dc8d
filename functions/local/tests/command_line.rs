//! The command line a town's administrator uses on the municipal server: registering the
//! first staff member (whose TOTP seed must not be readable from a copy of the database)
//! and bulk-registering patients from the care-certification export.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_rainbownet");

fn run(args: &[&str], stdin: &str) -> (bool, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .env("RAINBOWNET_JWT_SEED", "11".repeat(32))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rainbownet");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("rainbownet output");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn care_db(data: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(data.join("care.sqlite")).expect("open care.sqlite")
}

#[test]
fn staff_added_by_command_have_sealed_seeds_and_import_patients() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let data_arg = data.to_str().expect("utf-8 path");
    let (ok, out) = run(
        &[
            "user",
            "add",
            "--data",
            data_arg,
            "--email",
            "kaigo@city.kiyosu.example.jp",
            "--name",
            "清須 市子",
            "--profession",
            "municipal_staff",
            "--role",
            "professional,municipal_staff",
            "--organization",
            "清須市役所 高齢福祉課",
            "--organization-kind",
            "municipality",
            "--municipality",
            "23233",
        ],
        "a long enough password\n",
    );
    assert!(ok, "user add: {out}");
    let secret = out
        .split("or the secret ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .expect("the secret is printed once")
        .to_owned();
    assert!(secret.len() >= 16, "secret {secret}");

    let stored: String = care_db(&data)
        .query_row(
            "SELECT totp_secret FROM professionals WHERE email = 'kaigo@city.kiyosu.example.jp'",
            [],
            |r| r.get(0),
        )
        .expect("professional row");
    assert!(stored.starts_with("sealed1:"), "stored seed: {stored}");
    assert!(!stored.contains(&secret), "the seed is stored in the clear");

    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/care_applications_23233.sjis.csv");
    let fixture = fixture.to_str().expect("utf-8 path");
    let import = |who: &str| {
        run(
            &[
                "import",
                "patients",
                "--municipality",
                "23233",
                "--as",
                who,
                "--data",
                data_arg,
                fixture,
            ],
            "",
        )
    };
    // A town that is not on this network yet is refused, by name, before any row is read.
    let (ok, out) = import("kaigo@city.kiyosu.example.jp");
    assert!(
        !ok && out.contains("not a municipality of this network"),
        "{out}"
    );
    rusqlite::Connection::open(data.join("public.sqlite"))
        .expect("open public.sqlite")
        .execute(
            "INSERT INTO municipalities (code, name, name_kana, name_en, prefecture, lat, lng) \
             VALUES ('23233', '清須市', 'きよすし', 'Kiyosu', '愛知県', 35.2, 136.85)",
            [],
        )
        .expect("register the town");
    let (ok, out) = import("kaigo@city.kiyosu.example.jp");
    assert!(ok, "import: {out}");
    assert!(
        out.contains("registered 2, unchanged 0, without consent 1, rejected 2"),
        "{out}"
    );
    assert!(out.contains("line 5") && out.contains("line 6"), "{out}");
    let (ok, again) = import("kaigo@city.kiyosu.example.jp");
    assert!(ok, "re-run: {again}");
    assert!(
        again.contains("registered 0, unchanged 2, without consent 1, rejected 2"),
        "{again}"
    );
    let (ok, nobody) = import("nobody@example.jp");
    assert!(!ok && nobody.contains("no active professional"), "{nobody}");

    let db = care_db(&data);
    let teams: i64 = db
        .query_row(
            "SELECT count(*) FROM care_team_members t JOIN professionals p ON p.id = t.professional_id \
             WHERE p.email = 'kaigo@city.kiyosu.example.jp'",
            [],
            |r| r.get(0),
        )
        .expect("teams");
    assert_eq!(teams, 2, "the importing staff member opens each team");
    let audited: i64 = db
        .query_row(
            "SELECT count(*) FROM audit_log WHERE address = 'cli' AND outcome = 'allowed' AND action LIKE 'patient.%'",
            [],
            |r| r.get(0),
        )
        .expect("audit");
    assert!(audited >= 2, "the command's writes are audited: {audited}");
}
