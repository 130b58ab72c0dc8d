//! What the local host's tests share: the `rainbownet` command run as an operator runs it;
//! for the search tests, a repeatable random sequence and a generated region of places
//! stored through the core's own insert, served by a local host.
#![allow(dead_code)] // each test uses part of it

use std::sync::Arc;

use rainbownet::manifest::Manifest;
use rainbownet::server::Host;
use rainbownet::store::DataDir;
use rainbownet_core::ports::{Database, Statement};
use rainbownet_core::resources::{Provenance, ResourceFields, insert_statement};

/// xorshift: the same places and points on every run.
pub struct Seq(pub u64);

impl Seq {
    pub fn unit(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[((self.unit() * items.len() as f64) as usize).min(items.len() - 1)]
    }
}

/// The demo's three towns and `places`, stored as imports store them (ids in order), and a
/// host over them. The directory lives as long as the first value.
pub fn region(places: Vec<ResourceFields>) -> (tempfile::TempDir, Host, Arc<DataDir>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = Arc::new(DataDir::open(dir.path()).expect("data dir"));
    let db = data.database(Database::Public);
    db.batch(&rainbownet_core::demo::statements(Database::Public)[..3])
        .expect("municipalities");
    let statements = stored(&places, "PLACE", "2026-01-01T00:00:00Z");
    for chunk in statements.chunks(500) {
        db.batch(chunk).expect("insert");
    }
    let host = Host::new(
        Manifest::parse(rainbownet::embedded::SPIN_TOML).expect("spin.toml"),
        data.clone(),
    )
    .expect("host");
    (dir, host, data)
}

/// The statements that store `places` as imports store them, with ids `{prefix}{n}` in order
/// (26 characters, as ULIDs are) and import keys of their own.
pub fn stored(places: &[ResourceFields], prefix: &str, at: &str) -> Vec<Statement> {
    places
        .iter()
        .enumerate()
        .map(|(n, fields)| {
            let key = format!("test|{prefix}|{n}");
            let from = Provenance {
                source: "test",
                key: Some(&key),
                hash: None,
            };
            let id = format!("{prefix}{n:0width$}", width = 26 - prefix.len());
            insert_statement(&id, fields, &from, at)
        })
        .collect()
}

/// Runs the `rainbownet` command with `stdin`, each `(name, Some(value))` of `env` set and
/// each `(name, None)` removed; whether it succeeded, and its stdout then stderr.
pub fn rainbownet(args: &[&str], stdin: &str, env: &[(&str, Option<&str>)]) -> (bool, String) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut command = Command::new(env!("CARGO_BIN_EXE_rainbownet"));
    command.args(args);
    for (name, value) in env {
        match value {
            Some(v) => command.env(name, v),
            None => command.env_remove(name),
        };
    }
    let mut child = command
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

/// `rainbownet user add` of a town-hall member of 清須市 (password from stdin) with `env`
/// as for [`rainbownet`]; the TOTP secret it prints once.
pub fn add_town_staff(
    data: &str,
    email: &str,
    name: &str,
    roles: &str,
    organization: &str,
    env: &[(&str, Option<&str>)],
) -> String {
    let (ok, out) = rainbownet(
        &[
            "user",
            "add",
            "--data",
            data,
            "--email",
            email,
            "--name",
            name,
            "--profession",
            "municipal_staff",
            "--role",
            roles,
            "--organization",
            organization,
            "--organization-kind",
            "municipality",
            "--municipality",
            "23233",
        ],
        "a long enough password\n",
        env,
    );
    assert!(ok, "user add: {out}");
    out.split("or the secret ")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .expect("the secret is printed once")
        .to_owned()
}
