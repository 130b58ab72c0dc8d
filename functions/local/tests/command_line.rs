//! The command line a town's administrator uses on the municipal server: registering the
//! first staff member (whose TOTP seed must not be readable from a copy of the database)
//! and bulk-registering patients from the care-certification export.

use std::path::Path;
use std::process::{Command, Stdio};

mod common;

const BIN: &str = env!("CARGO_BIN_EXE_rainbownet");

fn run(args: &[&str], stdin: &str) -> (bool, String) {
    let seed = "11".repeat(32);
    common::rainbownet(args, stdin, &[("RAINBOWNET_JWT_SEED", Some(&seed))])
}

/// What a copy of the data directory gives: the files are the owner's only, the key that
/// seals TOTP seeds is not among them, and the key derived from the token seed that is
/// among them does not open a sealed seed.
fn copied_data_does_not_open_seeds(data: &Path, stored: &str) {
    use rainbownet_core::auth::{keys, sealed};
    use sha2::{Digest, Sha256};
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777;
    assert_eq!(mode(data), 0o700, "the data directory");
    for entry in std::fs::read_dir(data).expect("read data dir") {
        let path = entry.expect("entry").path();
        assert_eq!(mode(&path), 0o600, "{}", path.display());
    }
    let key_file = data.with_file_name("data.key");
    assert_eq!(mode(&key_file), 0o600, "the data key file");
    let key = keys::from_hex(&std::fs::read_to_string(&key_file).expect("data key")).expect("hex");
    let owner: String = care_db(data)
        .query_row("SELECT id FROM professionals LIMIT 1", [], |r| r.get(0))
        .expect("owner");
    assert!(
        sealed::open(&key, stored, &owner).is_ok(),
        "the data key opens the seed"
    );
    // The token seed is the environment's here (`run` sets it), else the directory's own.
    let seed_hex =
        std::fs::read_to_string(data.join("token-seed.hex")).unwrap_or_else(|_| "11".repeat(32));
    if let Some(seed) = keys::from_hex(&seed_hex) {
        let mut hash = Sha256::new();
        hash.update(b"rainbownet/data-key/v1\0");
        hash.update(seed);
        let derived: [u8; 32] = hash.finalize().into();
        assert!(
            sealed::open(&derived, stored, &owner).is_err(),
            "what is in the data directory opens the seed"
        );
    }
}

#[test]
fn a_key_file_others_can_read_stops_the_start() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let data_arg = data.to_str().expect("utf-8 path");
    let (ok, out) = run(&["migrate", "--data", data_arg], "");
    assert!(ok, "migrate: {out}");
    let key = dir.path().join("data.key");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let (ok, out) = run(&["migrate", "--data", data_arg], "");
    assert!(!ok, "started with a world-readable key: {out}");
    assert!(
        out.contains("readable by others") && out.contains("chmod 600"),
        "{out}"
    );
}

fn care_db(data: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(data.join("care.sqlite")).expect("open care.sqlite")
}

#[test]
fn staff_added_by_command_have_sealed_seeds_and_import_patients() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let data_arg = data.to_str().expect("utf-8 path");
    let seed = "11".repeat(32);
    let secret = common::add_town_staff(
        data_arg,
        "kaigo@city.kiyosu.example.jp",
        "清須 市子",
        "professional,municipal_staff",
        "清須市役所 高齢福祉課",
        &[("RAINBOWNET_JWT_SEED", Some(&seed))],
    );
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
    copied_data_does_not_open_seeds(&data, &stored);

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
    // A town that is not on this network yet is refused, by name, before any row is read,
    // and the refusal gives the command that registers it.
    let (ok, out) = import("kaigo@city.kiyosu.example.jp");
    assert!(
        !ok && out.contains("not a municipality of this network"),
        "{out}"
    );
    assert!(out.contains("rainbownet municipality add 23233"), "{out}");
    let (ok, out) = run(
        &[
            "municipality",
            "add",
            "23233",
            "清須市",
            "--kana",
            "きよすし",
            "--name-en",
            "Kiyosu",
            "--prefecture",
            "愛知県",
            "--lat",
            "35.1996",
            "--lng",
            "136.8527",
            "--data",
            data_arg,
        ],
        "",
    );
    assert!(
        ok && out.contains("added 23233 清須市"),
        "municipality add: {out}"
    );
    let (ok, out) = run(&["municipality", "list", "--data", data_arg], "");
    assert!(
        ok && out.contains("23233  清須市（きよすし） 愛知県"),
        "municipality list: {out}"
    );
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

#[test]
fn the_public_key_of_a_given_seed_needs_no_data_directory() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = Command::new(BIN)
        .args(["keys", "public"])
        .current_dir(dir.path())
        .env("RAINBOWNET_JWT_SEED", "11".repeat(32))
        .output()
        .expect("rainbownet keys public");
    assert!(out.status.success());
    let key = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(
        key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit()),
        "{key}"
    );
    let left: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
    assert!(
        left.is_empty(),
        "nothing is created where it runs: {left:?}"
    );
}

/// A town's administrator imports the open-data file again with the command line while
/// the host serves: residents see the new name within seconds (the host trusts what it
/// read of the cache store for 2 s) on the page, in a search and near a point, not the
/// old one for up to a day (the page cache's life) as before.
#[test]
fn an_import_beside_a_running_host_shows_at_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().to_str().expect("utf-8 path");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let mut host = Command::new(BIN)
        .args([
            "serve",
            "--demo",
            "--data",
            data,
            "--addr",
            &format!("127.0.0.1:{port}"),
        ])
        .env("RAINBOWNET_JWT_SEED", "11".repeat(32))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the host");
    let get = |path: &str| -> String {
        ureq::get(&format!("{base}{path}"))
            .call()
            .and_then(|mut r| r.body_mut().read_to_string())
            .unwrap_or_default()
    };
    // Whether `path` answers with `text` within 5 s.
    let shows = |path: &str, text: &str| {
        (0..50).any(|_| {
            let shown = get(path).contains(text);
            if !shown {
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            shown
        })
    };
    let file = dir.path().join("公共施設一覧.csv");
    let import = |name: &str| {
        std::fs::write(
            &file,
            format!(
                "都道府県コード又は市区町村コード,NO,都道府県名,市区町村名,名称,名称_カナ,名称_通称,POIコード,住所,方書,緯度,経度,電話番号,内線番号,法人番号,団体名,利用可能曜日,開始時間,終了時間,利用可能時間特記事項,説明,バリアフリー情報,URL,備考\r\n\
                 232335,S1,愛知県,清須市,{name},,,,愛知県清須市清洲1丁目,,35.2,136.84,052-400-0001,,,,月～金,9:00,17:00,,,,,\r\n"
            ),
        )
        .expect("write the file");
        run(
            &[
                "import",
                "resources",
                "--data",
                data,
                "--municipality",
                "23233",
                file.to_str().expect("path"),
            ],
            "",
        )
    };
    let outcome = std::panic::catch_unwind(|| {
        assert!(shows("/healthz", "ok"), "the host did not start");
        let search = "/api/v1/public/resources?q=%E3%82%86%E3%81%9A%E3%82%8A%E3%81%AF";
        let near = "/api/v1/public/resources?lat=35.2&lng=136.84&radius_m=300";
        // Near the place before it is there: its cells are the host's to keep.
        for _ in 0..2 {
            assert!(!get(near).contains("ゆずりは交流館"));
        }
        let (ok, out) = import("ゆずりは交流館");
        assert!(ok, "import: {out}");
        assert!(
            shows(near, "ゆずりは交流館"),
            "near a point misses the new place"
        );
        let found: serde_json::Value = serde_json::from_str(&get(search)).expect("search JSON");
        let id = found["items"][0]["id"]
            .as_str()
            .expect("the place is found")
            .to_owned();
        let page = format!("/resources/{id}");
        assert!(shows(&page, "<title>ゆずりは交流館 |"));

        let (ok, out) = import("ゆずりは交流館（移転）");
        assert!(ok, "import again: {out}");
        assert!(
            shows(&page, "<title>ゆずりは交流館（移転） |"),
            "the page shows the old name"
        );
        assert!(
            shows(search, "ゆずりは交流館（移転）"),
            "the search shows the old name"
        );
        assert!(
            shows(near, "ゆずりは交流館（移転）"),
            "near a point shows the old name"
        );
    });
    host.kill().ok();
    host.wait().ok();
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}
