//! The restore drill: the local host under a surge of check-ins replicating every database
//! to S3 with Litestream; host and Litestream are killed at the same moment, the data
//! directory is wiped, the databases are restored from the replica (`-integrity-check
//! full`), and the host started on them must hold every check-in it acknowledged longer ago
//! than the replication bound. `tests/litestream-drill.sh` starts the S3 server (SeaweedFS)
//! and writes the Litestream config, then runs `conformance drill`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::client::Client;
use crate::disaster::{history_ids, surge_setup, surge_until};
use crate::hosts::RunningHost;

const DATABASES: [&str; 4] = ["public", "care", "disaster", "kv"];

/// What the drill measured.
pub struct Drill {
    pub acknowledged: usize,
    /// Acknowledged but not restored: all within `bound` of the kill.
    pub lost: usize,
    /// The age at the kill of the oldest acknowledged check-in that was not restored (zero
    /// when none was lost): the recovery point.
    pub recovery_point: Duration,
    pub restore: Duration,
}

/// Litestream with the environment cleared of what would point its AWS SDK elsewhere (a CA
/// bundle set for other tools makes it refuse to start).
fn litestream(bin: &Path) -> Command {
    let mut command = Command::new(bin);
    for name in [
        "AWS_CA_BUNDLE",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_S3",
        "AWS_SESSION_TOKEN",
    ] {
        command.env_remove(name);
    }
    command.env("AWS_EC2_METADATA_DISABLED", "true");
    command
}

fn replicated(bin: &Path, config: &Path, db: &Path) -> bool {
    litestream(bin)
        .args(["ltx", "-config"])
        .arg(config)
        .arg(db)
        .stderr(Stdio::null())
        .output()
        .is_ok_and(|out| {
            out.status.success()
                && String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .skip(1)
                    .any(|l| l.split_whitespace().count() >= 5)
        })
}

struct Replicating(Child);

impl Drop for Replicating {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs the drill on `data`, replicated as `config` says; `bound` is how old an
/// acknowledged check-in may be at the kill and still be lost (Litestream's sync and
/// monitor intervals, and a little).
pub fn drill(data: &Path, bin: &Path, config: &Path, bound: Duration) -> Result<Drill, String> {
    let host = RunningHost::local_on(data)?;
    let c = Client::new(&host.base_url);
    let (staff, event, plan) = surge_setup(&c, "drill")?;
    let replica = litestream(bin)
        .args(["replicate", "-config"])
        .arg(config)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("start litestream: {e}"))?;
    let mut replica = Some(Replicating(replica));
    let paths: Vec<PathBuf> = DATABASES
        .iter()
        .map(|d| data.join(format!("{d}.sqlite")))
        .collect();
    let waited = Instant::now();
    for path in &paths {
        while !replicated(bin, config, path) {
            ensure!(
                waited.elapsed() < Duration::from_secs(60),
                "no replica of {} after 60 s",
                path.display()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    // The surge, with no retries: what the host acknowledged, and when; then the plug is
    // pulled on both at once.
    let mut host = Some(host);
    let (acked, killed_at) = surge_until(&c, &staff.token, &event, &plan, 16, 2_500, || {
        replica.take();
        if let Some(h) = host.take() {
            h.kill();
        }
    });

    // The disk is lost.
    std::fs::remove_dir_all(data).map_err(|e| format!("wipe {}: {e}", data.display()))?;
    std::fs::create_dir_all(data).map_err(|e| e.to_string())?;
    let started = Instant::now();
    for path in &paths {
        let out = litestream(bin)
            .args(["restore", "-config"])
            .arg(config)
            .args(["-integrity-check", "full"])
            .arg(path)
            .output()
            .map_err(|e| format!("litestream restore: {e}"))?;
        ensure!(
            out.status.success(),
            "litestream restore {}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let restore = started.elapsed();

    let host = RunningHost::local_on(data)?;
    let c = Client::new(&host.base_url);
    let history = history_ids(&c, &staff.token, &event)?;
    let stored: HashSet<&String> = history.iter().collect();
    let lost: Vec<Duration> = acked
        .values()
        .filter(|(id, _)| !stored.contains(id))
        .map(|(_, at)| killed_at.saturating_duration_since(*at))
        .collect();
    let recovery_point = lost.iter().max().copied().unwrap_or_default();
    host.stop()?;
    ensure!(
        recovery_point <= bound,
        "{} of {} acknowledged check-ins lost, the oldest {:.2} s before the kill (bound {:.2} s)",
        lost.len(),
        acked.len(),
        recovery_point.as_secs_f64(),
        bound.as_secs_f64()
    );
    Ok(Drill {
        acknowledged: acked.len(),
        lost: lost.len(),
        recovery_point,
        restore,
    })
}
