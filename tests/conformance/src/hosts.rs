//! Starts a host on a free loopback port (port 0; the host prints the address it bound),
//! and stops it afterwards with SIGTERM, as an operator would.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// The bootstrap administrator token every launched host is given.
pub const ADMIN_TOKEN: &str = "conformance-admin-token-0123456789";

/// The token signing seed the workerd test bed is given (a deployment sets its own secret;
/// the local host makes one under its data directory).
pub const TEST_TOKEN_SEED: &str =
    "1f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a79881f2e3d4c5b6a7988";

/// The public key of [`TEST_TOKEN_SEED`], hex.
pub fn test_public_key() -> String {
    use rainbownet_core::auth::{keys, token};
    keys::from_hex(TEST_TOKEN_SEED)
        .map(|seed| keys::to_hex(&token::public_key(&seed)))
        .unwrap_or_default()
}

pub struct RunningHost {
    pub name: &'static str,
    pub base_url: String,
    child: Option<Child>,
    _state: tempfile::TempDir,
}

/// The repository root (this crate lives in `tests/conformance`).
pub fn repo_root() -> PathBuf {
    std::env::var_os("RAINBOWNET_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.."))
}

/// The `rainbownet` binary: `$RAINBOWNET_BIN`, else the release build, else the debug one.
pub fn rainbownet_bin() -> Result<PathBuf, String> {
    if let Some(bin) = std::env::var_os("RAINBOWNET_BIN") {
        return Ok(PathBuf::from(bin));
    }
    let root = repo_root();
    ["target/release/rainbownet", "target/debug/rainbownet"]
        .iter()
        .map(|p| root.join(p))
        .find(|p| p.exists())
        .ok_or_else(|| "no rainbownet binary: run `cargo build --release -p rainbownet`".into())
}

impl RunningHost {
    /// The local host over embedded SQLite, with the demo region loaded.
    pub fn local() -> Result<RunningHost, String> {
        Self::local_with(&[])
    }

    /// The local host with its benchmark baseline routes (`/_host/hello`, `/_host/bytes/{n}`).
    pub fn local_for_bench() -> Result<RunningHost, String> {
        Self::local_with(&[("RAINBOWNET_HOST_BENCH", "1")])
    }

    fn local_with(env: &[(&str, &str)]) -> Result<RunningHost, String> {
        let state = tempfile::tempdir().map_err(|e| e.to_string())?;
        let data = state.path().join("data");
        Self::local_command(env, &data, state)
    }

    /// The local host over a data directory the caller keeps, so that a test can kill it
    /// and start it again on the same files.
    pub fn local_on(data: &Path) -> Result<RunningHost, String> {
        let state = tempfile::tempdir().map_err(|e| e.to_string())?;
        Self::local_command(&[], data, state)
    }

    /// The host's process id (for the benchmark's memory figures).
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// SIGKILL: no shutdown at all, as a power cut or the OOM killer would leave it.
    pub fn kill(mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    fn local_command(
        env: &[(&str, &str)],
        data: &Path,
        state: tempfile::TempDir,
    ) -> Result<RunningHost, String> {
        let mut command = Command::new(rainbownet_bin()?);
        // The suite mints tokens of its own (expired ones) with the test seed.
        command.env("RAINBOWNET_JWT_SEED", TEST_TOKEN_SEED);
        // As behind a reverse proxy on the same machine: the login limit by address is
        // tested with forwarded addresses.
        command.env("RAINBOWNET_TRUSTED_PROXY", "127.0.0.1");
        command.env(push_hosts().0, push_hosts().1);
        command.envs(env.iter().copied());
        command
            .args(["serve", "--demo", "--addr", "127.0.0.1:0", "--data"])
            .arg(data)
            .env("RAINBOWNET_ADMIN_TOKEN", ADMIN_TOKEN);
        Self::start(
            "local",
            command,
            "RainbowNet listening on ",
            state,
            Duration::from_secs(60),
        )
    }

    /// Every Worker in workerd through Miniflare (`tests/workerd/serve.mjs`), with
    /// migrations and the demo region applied by wrangler.
    pub fn workerd() -> Result<RunningHost, String> {
        let state = tempfile::tempdir().map_err(|e| e.to_string())?;
        let demo = state.path().join("demo-public.sql");
        let output = Command::new(rainbownet_bin()?)
            .args(["demo-sql", "public"])
            .output()
            .map_err(|e| format!("rainbownet demo-sql: {e}"))?;
        std::fs::write(&demo, output.stdout).map_err(|e| e.to_string())?;
        let mut command = Command::new("node");
        command
            .arg(repo_root().join("tests/workerd/serve.mjs"))
            .arg("--state")
            .arg(state.path().join("wrangler"))
            .args(["--port", "0", "--demo-sql"])
            .arg(format!("public={}", demo.display()))
            .args(["--var", &format!("RAINBOWNET_ADMIN_TOKEN={ADMIN_TOKEN}")])
            .args(["--var", &format!("{}={}", push_hosts().0, push_hosts().1)])
            // As deployed: only the care Worker holds the signing seed (a secret); every
            // Worker gets the public key to verify tokens with.
            .args([
                "--worker-var",
                &format!("rainbownet-care:RAINBOWNET_JWT_SEED={TEST_TOKEN_SEED}"),
            ])
            .args([
                "--var",
                &format!("RAINBOWNET_JWT_PUBLIC_KEY={}", test_public_key()),
            ]);
        Self::start(
            "workerd",
            command,
            "workerd listening on ",
            state,
            Duration::from_secs(180),
        )
    }

    /// The Spin components under `tests/spin-harness` (wasmtime, Spin's published
    /// interfaces), laid out as the Spin steps of docs/operations.md say: databases migrated by
    /// `rainbownet migrate --data data/spin`, `edge-config/spin-runtime-config.toml`, the
    /// demo region loaded as `spin up --sqlite @FILE` would, the seed for `care` only.
    pub fn spin() -> Result<RunningHost, String> {
        let state = tempfile::tempdir().map_err(|e| e.to_string())?;
        let dir = state.path();
        let bin = rainbownet_bin()?;
        let migrate = Command::new(&bin)
            .args(["migrate", "--data"])
            .arg(dir.join("data/spin"))
            .output()
            .map_err(|e| format!("rainbownet migrate: {e}"))?;
        if !migrate.status.success() {
            return Err(format!(
                "rainbownet migrate: {}",
                String::from_utf8_lossy(&migrate.stderr)
            ));
        }
        let demo = Command::new(&bin)
            .args(["demo-sql", "public"])
            .output()
            .map_err(|e| format!("rainbownet demo-sql: {e}"))?;
        std::fs::write(dir.join("demo-public.sql"), demo.stdout).map_err(|e| e.to_string())?;
        std::fs::create_dir_all(dir.join("edge-config")).map_err(|e| e.to_string())?;
        std::fs::copy(
            repo_root().join("edge-config/spin-runtime-config.toml"),
            dir.join("edge-config/spin-runtime-config.toml"),
        )
        .map_err(|e| format!("runtime config: {e}"))?;
        let harness = std::env::var_os("SPIN_HARNESS_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo_root().join("tests/spin-harness/target/release/spin-harness"));
        let mut command = Command::new(harness);
        command
            .current_dir(dir)
            .arg("--manifest")
            .arg(repo_root().join("spin.toml"))
            .args([
                "--runtime-config-file",
                "edge-config/spin-runtime-config.toml",
                "--listen",
                "127.0.0.1:0",
                // The suite's push receiver (push.rs) listens on loopback; spin.toml lets
                // care reach the browsers' push services only.
                "--allow-outbound",
                "http://127.0.0.1:*",
                "--sqlite",
                "@demo-public.sql:public",
            ])
            .env("SPIN_VARIABLE_RAINBOWNET_ADMIN_TOKEN", ADMIN_TOKEN)
            .env("SPIN_VARIABLE_RAINBOWNET_JWT_SEED", TEST_TOKEN_SEED)
            .env("SPIN_VARIABLE_RAINBOWNET_JWT_PUBLIC_KEY", test_public_key())
            // As for the local host: the suite's forwarded addresses come from loopback.
            .env("SPIN_VARIABLE_RAINBOWNET_TRUSTED_PROXY", "127.0.0.1")
            .env(format!("SPIN_VARIABLE_{}", push_hosts().0), push_hosts().1);
        Self::start(
            "spin",
            command,
            "spin-harness listening on ",
            state,
            Duration::from_secs(180),
        )
    }

    fn start(
        name: &'static str,
        mut command: Command,
        banner: &'static str,
        state: tempfile::TempDir,
        timeout: Duration,
    ) -> Result<RunningHost, String> {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("starting {name}: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix(banner) {
                    let url = rest.split_whitespace().next().unwrap_or("").to_owned();
                    let _ = tx.send(url);
                }
            }
        });
        let mut host = RunningHost {
            name,
            base_url: String::new(),
            child: Some(child),
            _state: state,
        };
        let deadline = Instant::now() + timeout;
        loop {
            match rx.recv_timeout(Duration::from_millis(200)) {
                Ok(url) => {
                    host.base_url = url;
                    return Ok(host);
                }
                Err(mpsc::RecvTimeoutError::Timeout) if Instant::now() < deadline => {
                    if let Some(status) = host
                        .child
                        .as_mut()
                        .and_then(|c| c.try_wait().ok().flatten())
                    {
                        return Err(format!("{name} exited before it was ready: {status}"));
                    }
                }
                Err(_) => return Err(format!("{name} did not start within {timeout:?}")),
            }
        }
    }

    /// Sends SIGTERM and waits; the host must exit on its own, successfully.
    pub fn stop(mut self) -> Result<(), String> {
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        terminate(&child);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
                // Miniflare's own exit hook answers SIGTERM by disposing workerd and
                // exiting with 128 + 15; only the local host's shutdown is ours to judge.
                let clean =
                    status.success() || (self.name == "workerd" && status.code() == Some(143));
                return if clean {
                    Ok(())
                } else {
                    Err(format!("{} exited with {status} after SIGTERM", self.name))
                };
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                return Err(format!("{} did not stop within 20 s of SIGTERM", self.name));
            }
            thread::sleep(Duration::from_millis(50));
        }
    }
}

#[allow(unsafe_code)] // SIGTERM, as an operator would send it: std only has SIGKILL
fn terminate(child: &Child) {
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill(2) on a child we started and have not yet reaped.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
    }
}

impl Drop for RunningHost {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The push services a test host may send to: the browsers' and the suite's own receiver
/// on loopback (`push.rs`).
fn push_hosts() -> (&'static str, String) {
    (
        rainbownet_core::settings::PUSH_HOSTS.name,
        format!("{},127.0.0.1", rainbownet_core::care::push::DEFAULT_HOSTS),
    )
}

/// The local host in this process, over a temporary data directory with the demo region:
/// the suite calls its request handling directly (see [`crate::client::Client::in_process`]).
/// Configured as the launched hosts are: the bootstrap token, the test signing seed, and
/// 127.0.0.1 as a trusted proxy.
pub fn in_process() -> Result<(std::sync::Arc<rainbownet::server::Host>, tempfile::TempDir), String>
{
    use rainbownet_core::auth::keys::{self, PUBLIC_KEY_KEY, SEED_KEY};
    let state = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut data = rainbownet::store::DataDir::open(&state.path().join("data"))
        .map_err(|e| format!("data directory: {e}"))?;
    let public = keys::from_hex(TEST_TOKEN_SEED)
        .map(|seed| keys::to_hex(&rainbownet_core::auth::token::public_key(&seed)))
        .ok_or("the test seed")?;
    data.config_defaults
        .retain(|(k, _)| *k != SEED_KEY && *k != PUBLIC_KEY_KEY);
    data.config_defaults.extend([
        (SEED_KEY, TEST_TOKEN_SEED.to_owned()),
        (PUBLIC_KEY_KEY, public),
        (
            rainbownet_core::settings::ADMIN_TOKEN.name,
            ADMIN_TOKEN.to_owned(),
        ),
        (push_hosts().0, push_hosts().1),
    ]);
    rainbownet::cli::load_demo(&data).map_err(|e| format!("demo: {e}"))?;
    let manifest = rainbownet::manifest::Manifest::parse(rainbownet::embedded::SPIN_TOML)
        .map_err(|e| e.to_string())?;
    let host = rainbownet::server::Host::new(manifest, std::sync::Arc::new(data))
        .map_err(|e| e.to_string())?
        .with_trusted_proxy(std::net::IpAddr::from([127, 0, 0, 1]));
    let host = std::sync::Arc::new(host);
    rainbownet::followups::start(&host).map_err(|e| e.to_string())?;
    Ok((host, state))
}
