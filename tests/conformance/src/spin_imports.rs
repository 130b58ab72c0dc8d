//! Least privilege on Spin, checked on the built components: a component may import a
//! store interface only if `spin.toml` grants it a store of that kind, and no component
//! imports outbound networking or a store kind RainbowNet does not use. (Which database
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
}

/// Interfaces no RainbowNet component may import: other stores, AI, messaging and
/// outbound HTTP (a component that can not call out can not leak what it reads).
const FORBIDDEN: &[&str] = &[
    "spin:mysql",
    "spin:postgres",
    "spin:redis",
    "spin:llm",
    "spin:mqtt",
    "fermyon:",
    "wasi:http/outgoing-handler",
    "wasi:http/client",
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
            "{name}: imports {stores:?}; granted databases {:?}, key-value {:?}",
            component.sqlite_databases, component.key_value_stores
        ));
    }
    Ok(report)
}
