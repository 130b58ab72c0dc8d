//! End to end: the harness binary serving RainbowNet's real Spin components (built under
//! `target/wasm32-wasip2/release/` of the repository; the tests are skipped with a notice
//! when they or `target/release/rainbownet` are missing), plus the grants of the real
//! `spin.toml` checked on the host side.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use spin_harness::host::{AppStores, SpinState};
use spin_harness::manifest::Manifest;
use spin_harness::runtime_config::{RuntimeConfig, StateDir};
use spin_harness::variables::{EnvProvider, ResolvedVariables};

const ADMIN_TOKEN: &str = "conformance-admin-token-0123456789";
const SEED: &str = "1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a7988";

fn repo() -> PathBuf {
    std::env::var_os("RAINBOWNET_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
}

fn rainbownet() -> PathBuf {
    repo().join("target/release/rainbownet")
}

fn artifacts_present() -> bool {
    let root = repo();
    let ok = rainbownet().exists()
        && ["portal", "care", "disaster", "health", "assets"]
            .iter()
            .all(|c| {
                root.join(format!("target/wasm32-wasip2/release/rainbownet_{c}.wasm"))
                    .exists()
            });
    if !ok {
        eprintln!("skipped: build rainbownet and the wasm32-wasip2 components first");
    }
    ok
}

/// A data directory as the conformance runner prepares it (the layout of docs/operations.md): migrated,
/// demo region loaded into `public` by the harness's `--sqlite`, the runtime configuration
/// in `edge-config/`, whose key-value paths lead back to `data/spin/`.
fn prepare(dir: &Path) {
    let status = Command::new(rainbownet())
        .args(["migrate", "--data", "data/spin"])
        .current_dir(dir)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "rainbownet migrate");
    let demo = Command::new(rainbownet())
        .args(["demo-sql", "public"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(demo.status.success(), "rainbownet demo-sql");
    std::fs::write(dir.join("demo-public.sql"), demo.stdout).unwrap();
    std::fs::create_dir_all(dir.join("edge-config")).unwrap();
    std::fs::copy(
        repo().join("edge-config/spin-runtime-config.toml"),
        dir.join("edge-config/spin-runtime-config.toml"),
    )
    .unwrap();
}

fn public_key() -> String {
    // `rainbownet` may create its default data directory: keep that out of the source tree.
    let scratch = tempfile::tempdir().unwrap();
    let out = Command::new(rainbownet())
        .args(["keys", "public"])
        .current_dir(scratch.path())
        .env("RAINBOWNET_JWT_SEED", SEED)
        .output()
        .unwrap();
    assert!(out.status.success(), "rainbownet keys public");
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

struct Harness {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
}

impl Harness {
    fn start(extra: &[&str], env: &[(&str, &str)]) -> Result<Harness, String> {
        let dir = tempfile::tempdir().unwrap();
        prepare(dir.path());
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_spin-harness"));
        cmd.current_dir(dir.path())
            .arg("--manifest")
            .arg(repo().join("spin.toml"))
            .args([
                "--runtime-config-file",
                "edge-config/spin-runtime-config.toml",
                "--listen",
                "127.0.0.1:0",
                "--sqlite",
                "@demo-public.sql:public",
                "--timing-samples",
                "2",
            ])
            .args(extra)
            .env("SPIN_VARIABLE_RAINBOWNET_ADMIN_TOKEN", ADMIN_TOKEN)
            .env("SPIN_VARIABLE_RAINBOWNET_JWT_SEED", SEED)
            .env("SPIN_VARIABLE_RAINBOWNET_JWT_PUBLIC_KEY", public_key())
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        match line
            .trim()
            .strip_prefix("spin-harness listening on http://")
        {
            Some(addr) => Ok(Harness {
                addr: addr.to_owned(),
                child,
                _dir: dir,
            }),
            None => {
                let _ = child.wait();
                let mut err = String::new();
                child
                    .stderr
                    .take()
                    .unwrap()
                    .read_to_string(&mut err)
                    .unwrap();
                Err(err)
            }
        }
    }

    /// A minimal HTTP/1.1 GET: (status, headers, body).
    fn get(&self, path: &str) -> (u16, HashMap<String, String>, String) {
        let mut s = TcpStream::connect(&self.addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.addr
        )
        .unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect::<HashMap<_, _>>();
        let body = if headers
            .get("transfer-encoding")
            .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
        {
            dechunk(body)
        } else {
            body.to_owned()
        };
        (status, headers, body)
    }

    fn stop(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "harness did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// A manifest with the real portal component alone on every route, no stores granted, and
/// `extra` lines in its component table.
fn portal_only_manifest(name: &str, extra: &str) -> String {
    format!(
        r#"spin_manifest_version = 2
[application]
name = "{name}"
[variables]
rainbownet_jwt_public_key = {{ default = "" }}
[[trigger.http]]
route = "/..."
component = "portal"
[component.portal]
source = "{}"
{extra}[component.portal.variables]
rainbownet_jwt_public_key = "{{{{ rainbownet_jwt_public_key }}}}"
"#,
        repo()
            .join("target/wasm32-wasip2/release/rainbownet_portal.wasm")
            .display()
    )
}

/// Stops the harness with SIGTERM, as `spin up` is stopped, and answers what it logged; it
/// must exit cleanly.
fn stop_gracefully(child: &mut Child) -> String {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(child.wait().unwrap().success());
    err
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}

#[test]
fn serves_the_real_components() {
    if !artifacts_present() {
        return;
    }
    // A fresh instance per request, as the brief's baseline.
    let h = Harness::start(&["--max-instance-reuse-count", "1"], &[]).expect("harness starts");
    let (status, headers, body) = h.get("/healthz");
    assert_eq!(status, 200, "{body}");
    assert!(
        headers["content-type"].contains("json"),
        "healthz content type {headers:?}"
    );
    serde_json_like(&body);
    let (status, headers, body) = h.get("/");
    assert_eq!(status, 200);
    assert!(headers["content-type"].contains("text/html"), "{headers:?}");
    assert!(body.to_ascii_lowercase().contains("<html"), "{body}");
    // The demo region, loaded with --sqlite, is served by the portal from `public`.
    let (status, _, body) = h.get("/api/v1/public/resources");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"id\""), "demo resources: {body}");
    // Spin answers its own well-known paths.
    assert_eq!(h.get("/.well-known/spin/health").0, 200);
    assert!(h.stop().success(), "exit status 0 on SIGTERM");
}

fn serde_json_like(body: &str) {
    let t = body.trim();
    assert!(
        t.starts_with('{') && t.ends_with('}'),
        "JSON object: {body}"
    );
}

#[test]
fn required_variable_missing_is_a_startup_error() {
    if !artifacts_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    prepare(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_spin-harness"))
        .current_dir(dir.path())
        .arg("--manifest")
        .arg(repo().join("spin.toml"))
        .args([
            "--runtime-config-file",
            "edge-config/spin-runtime-config.toml",
            "--listen",
            "127.0.0.1:0",
        ])
        .env_remove("SPIN_VARIABLE_RAINBOWNET_JWT_SEED")
        .env_remove("SPIN_VARIABLE_RAINBOWNET_JWT_PUBLIC_KEY")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("rainbownet_jwt_seed"), "{err}");
}

#[test]
fn ungranted_database_without_runtime_config_is_a_startup_error() {
    if !artifacts_present() {
        return;
    }
    // Without the runtime configuration only `default` exists: Spin refuses to start.
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_spin-harness"))
        .current_dir(dir.path())
        .arg("--manifest")
        .arg(repo().join("spin.toml"))
        .args(["--listen", "127.0.0.1:0"])
        .env("SPIN_VARIABLE_RAINBOWNET_JWT_SEED", SEED)
        .env("SPIN_VARIABLE_RAINBOWNET_JWT_PUBLIC_KEY", "00")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Component portal uses database 'public'"),
        "{err}"
    );
}

/// The real manifest's grants, checked on the host side of `spin:sqlite` and
/// `spin:key-value`: the portal is refused the care database, the health component any
/// key-value store — with Spin's `access-denied`.
#[tokio::test(flavor = "multi_thread")]
async fn grants_of_the_real_manifest() {
    use spin_harness::host::bindings::spin::key_value::key_value as kv;
    use spin_harness::host::bindings::spin::sqlite::sqlite as sql;
    use sql::HostConnection as _;

    let dir = tempfile::tempdir().unwrap();
    let manifest = Manifest::load(&repo().join("spin.toml")).unwrap();
    std::fs::create_dir_all(dir.path().join("edge-config")).unwrap();
    std::fs::copy(
        repo().join("edge-config/spin-runtime-config.toml"),
        dir.path().join("edge-config/rc.toml"),
    )
    .unwrap();
    let config = RuntimeConfig::load(
        Some(&dir.path().join("edge-config/rc.toml")),
        dir.path(),
        dir.path(),
        StateDir::Default,
    )
    .unwrap();
    let provider = EnvProvider::from_map(HashMap::from([
        (
            "SPIN_VARIABLE_RAINBOWNET_JWT_SEED".to_owned(),
            SEED.to_owned(),
        ),
        (
            "SPIN_VARIABLE_RAINBOWNET_JWT_PUBLIC_KEY".to_owned(),
            "ab".to_owned(),
        ),
    ]));
    let variables = ResolvedVariables::resolve(&manifest, &provider).unwrap();
    let stores = Arc::new(AppStores::new(&config));
    let state = |id: &str| {
        let c = &manifest.components[id];
        SpinState::new(
            id,
            Arc::new(c.sqlite_databases.iter().cloned().collect()),
            Arc::new(c.key_value_stores.iter().cloned().collect()),
            Arc::new(variables.for_component(id)),
            stores.clone(),
        )
    };

    let mut portal = state("portal");
    assert!(matches!(
        portal.open("care".to_owned()).await,
        Err(sql::Error::AccessDenied)
    ));
    assert!(matches!(
        portal.open("disaster".to_owned()).await,
        Err(sql::Error::AccessDenied)
    ));
    // Not granted and not configured: still access-denied (the grant is checked first).
    assert!(matches!(
        portal.open("nonexistent".to_owned()).await,
        Err(sql::Error::AccessDenied)
    ));
    let conn = portal
        .open("public".to_owned())
        .await
        .expect("portal opens public");
    let rows = portal
        .execute(conn, "SELECT 1, 2.5, 'x', x'00ff', NULL".to_owned(), vec![])
        .await
        .unwrap();
    assert_eq!(
        format!("{:?}", rows.rows[0].values),
        format!(
            "{:?}",
            vec![
                sql::Value::Integer(1),
                sql::Value::Real(2.5),
                sql::Value::Text("x".into()),
                sql::Value::Blob(vec![0, 255]),
                sql::Value::Null
            ]
        )
    );

    let mut care = state("care");
    assert!(care.open("care".to_owned()).await.is_ok());
    assert!(matches!(
        care.open("disaster".to_owned()).await,
        Err(sql::Error::AccessDenied)
    ));

    let mut health = state("health");
    assert!(matches!(
        health.open_kv("auth"),
        Err(kv::Error::AccessDenied)
    ));
    let mut disaster = state("disaster");
    assert!(matches!(
        disaster.open_kv("cache"),
        Err(kv::Error::AccessDenied)
    ));
    assert!(disaster.open_kv("auth").is_ok());

    // Variables: only the component's own, lower-case names.
    let portal_vars = variables.for_component("portal");
    assert_eq!(portal_vars.get("rainbownet_jwt_public_key").unwrap(), "ab");
    assert!(matches!(
        portal_vars.get("rainbownet_jwt_seed"),
        Err(spin_harness::variables::GetError::Undefined(_))
    ));
    assert!(matches!(
        portal_vars.get("RAINBOWNET_JWT_PUBLIC_KEY"),
        Err(spin_harness::variables::GetError::InvalidName(_))
    ));
    assert_eq!(
        variables
            .for_component("care")
            .get("rainbownet_jwt_seed")
            .unwrap(),
        SEED
    );
    // A defaulted secret with no value given: its default.
    assert_eq!(portal_vars.get("rainbownet_admin_token").unwrap(), "");
    // A component with no variables at all.
    assert!(matches!(
        variables
            .for_component("health")
            .get("rainbownet_admin_token"),
        Err(spin_harness::variables::GetError::Undefined(_))
    ));
}

/// A component that imports `spin:sqlite` and `spin:key-value` but is granted nothing:
/// it starts (Spin links every interface), and its `open` gets `access-denied`, which the
/// RainbowNet adapter reports as a store not granted to the function.
#[test]
fn ungranted_component_starts_and_is_denied_at_open() {
    if !artifacts_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("spin.toml");
    std::fs::write(&manifest, portal_only_manifest("ungranted", "")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_spin-harness"))
        .current_dir(dir.path())
        .args([
            "--from",
            "spin.toml",
            "--listen",
            "127.0.0.1:0",
            "--timing-samples",
            "0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("spin-harness listening on http://")
        .expect("an ungranted component still starts")
        .to_owned();
    let mut s = TcpStream::connect(&addr).unwrap();
    write!(
        s,
        "GET /api/v1/public/resources HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    assert!(!raw.starts_with("HTTP/1.1 200"), "{raw}");
    let err = stop_gracefully(&mut child);
    assert!(
        err.contains("store `public` is not granted to this function"),
        "the component saw access-denied: {err}"
    );
}

/// `allowed_outbound_hosts` and `--allow-outbound` are parsed at start-up: a bad entry
/// is a start-up error naming where it came from; good ones are listed per component.
#[test]
fn outbound_hosts_are_checked_at_startup() {
    if !artifacts_present() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let write_manifest = |allowed: &str| {
        std::fs::write(
            dir.path().join("spin.toml"),
            portal_only_manifest(
                "outbound",
                &format!("allowed_outbound_hosts = [{allowed}]\n"),
            ),
        )
        .unwrap();
    };
    let harness = |extra: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_spin-harness"));
        cmd.current_dir(dir.path())
            .args([
                "--from",
                "spin.toml",
                "--listen",
                "127.0.0.1:0",
                "--timing-samples",
                "0",
            ])
            .args(extra);
        cmd
    };

    // A flag without a scheme: refused before anything is compiled.
    write_manifest(r#""https://fcm.googleapis.com""#);
    let out = harness(&["--allow-outbound", "127.0.0.1:*"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--allow-outbound \"127.0.0.1:*\""), "{err}");

    // A manifest entry this harness cannot honour.
    write_manifest(r#""https://{{ push_host }}""#);
    let out = harness(&[]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("invalid allowed_outbound_hosts"), "{err}");

    // Both lists, joined, for every component.
    write_manifest(r#""https://fcm.googleapis.com""#);
    let mut child = harness(&["--allow-outbound", "http://127.0.0.1:*"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("spin-harness listening on "), "{line}");
    let err = stop_gracefully(&mut child);
    assert!(
        err.contains(
            "component \"portal\" may send outbound HTTP to: https://fcm.googleapis.com, http://127.0.0.1:*"
        ),
        "{err}"
    );
}
