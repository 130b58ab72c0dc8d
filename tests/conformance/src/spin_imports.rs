//! Least privilege on Spin, checked on the built components: a component may import a
//! store interface only if `spin.toml` grants it a store of that kind, outbound HTTP only
//! if `spin.toml` names the https hosts it may reach (care: the push services), and no
//! component imports sockets or a store kind RainbowNet does not use. (Which database
//! label a component opens is enforced by Spin at run time, from the same `spin.toml`.)

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde::Deserialize;

#[derive(Deserialize)]
struct SpinToml {
    component: BTreeMap<String, Component>,
}

#[derive(Deserialize)]
struct Component {
    source: String,
    #[serde(default)]
    sqlite_databases: Vec<String>,
    #[serde(default)]
    key_value_stores: Vec<String>,
    #[serde(default)]
    variables: BTreeMap<String, String>,
    #[serde(default)]
    allowed_outbound_hosts: Vec<String>,
}

/// Outbound HTTP interfaces: allowed only with `allowed_outbound_hosts`.
const OUTBOUND_HTTP: &[&str] = &["wasi:http/outgoing-handler", "wasi:http/client"];

/// Interfaces no RainbowNet component may import: other stores, AI, messaging and raw
/// sockets (a component that can not call out can not leak what it reads).
const FORBIDDEN: &[&str] = &[
    "spin:mysql",
    "spin:postgres",
    "spin:redis",
    "spin:llm",
    "spin:mqtt",
    "fermyon:",
    "wasi:sockets",
];

/// Checks every component of `spin.toml` under `root`; returns one line per component.
pub fn check(root: &Path) -> Result<Vec<String>, String> {
    let text =
        std::fs::read_to_string(root.join("spin.toml")).map_err(|e| format!("spin.toml: {e}"))?;
    let manifest: SpinToml = toml::from_str(&text).map_err(|e| format!("spin.toml: {e}"))?;
    let mut report = Vec::new();
    for (name, component) in &manifest.component {
        let wasm = root.join(&component.source);
        let output = Command::new("wasm-tools")
            .args(["component", "wit"])
            .arg(&wasm)
            .output()
            .map_err(|e| format!("wasm-tools: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "{name}: wasm-tools component wit {}: {}",
                wasm.display(),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        let wit = String::from_utf8_lossy(&output.stdout);
        let imports: Vec<&str> = wit
            .lines()
            .filter_map(|l| l.trim().strip_prefix("import "))
            .map(|l| l.trim_end_matches(';'))
            .collect();
        let imports_kind = |prefix: &str| imports.iter().any(|i| i.starts_with(prefix));
        if imports_kind("spin:sqlite") && component.sqlite_databases.is_empty() {
            return Err(format!(
                "{name} imports spin:sqlite but spin.toml grants it no database"
            ));
        }
        if imports_kind("spin:key-value") && component.key_value_stores.is_empty() {
            return Err(format!(
                "{name} imports spin:key-value but spin.toml grants it no store"
            ));
        }
        if imports_kind("spin:variables") && component.variables.is_empty() {
            return Err(format!(
                "{name} imports spin:variables but spin.toml gives it none"
            ));
        }
        if OUTBOUND_HTTP.iter().any(|i| imports_kind(i)) {
            if component.allowed_outbound_hosts.is_empty() {
                return Err(format!(
                    "{name} imports outbound HTTP but spin.toml allows it no host"
                ));
            }
            // Named https hosts only: no plain http, no `*` host, no `self`.
            if let Some(bad) = component.allowed_outbound_hosts.iter().find(|h| {
                !h.starts_with("https://")
                    || h.trim_start_matches("https://").starts_with("*:")
                    || h.trim_start_matches("https://") == "*"
            }) {
                return Err(format!(
                    "{name} may reach {bad}: outbound hosts must be named https hosts"
                ));
            }
        } else if !component.allowed_outbound_hosts.is_empty() {
            return Err(format!(
                "{name} is allowed outbound hosts it never calls: drop them from spin.toml"
            ));
        }
        if let Some(bad) = imports
            .iter()
            .find(|i| FORBIDDEN.iter().any(|f| i.starts_with(f)))
        {
            return Err(format!(
                "{name} imports {bad}, which no RainbowNet component may"
            ));
        }
        let stores: Vec<&str> = imports
            .iter()
            .copied()
            .filter(|i| i.starts_with("spin:"))
            .collect();
        report.push(format!(
            "{name}: imports {stores:?}; granted databases {:?}, key-value {:?}, outbound {:?}",
            component.sqlite_databases,
            component.key_value_stores,
            component.allowed_outbound_hosts
        ));
    }
    Ok(report)
}
