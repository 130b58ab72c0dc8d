//! The three hosts must not drift: every Worker config in `edge-config/wrangler/` binds
//! exactly the stores `spin.toml` grants its component and serves the same routes, and the
//! Spin runtime config declares every store some component is granted.

use std::collections::BTreeSet;
use std::path::Path;

use rainbownet::embedded::SPIN_TOML;
use rainbownet::manifest::Manifest;
use rainbownet_core::ports::{Database, KvStore};

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn worker_config(component: &str) -> serde_json::Value {
    let path = root().join(format!("edge-config/wrangler/{component}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn strings(value: &serde_json::Value, list: &str, field: &str) -> BTreeSet<String> {
    value[list]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i[field].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn worker_bindings_and_routes_match_spin_toml() {
    let manifest = Manifest::parse(SPIN_TOML).expect("spin.toml parses");
    let configs = std::fs::read_dir(root().join("edge-config/wrangler")).expect("wrangler dir");
    let config_names: BTreeSet<String> = configs
        .filter_map(|e| {
            e.ok()?
                .file_name()
                .to_str()?
                .strip_suffix(".json")
                .map(str::to_owned)
        })
        .collect();
    let components: BTreeSet<String> = manifest.grants.keys().cloned().collect();
    assert_eq!(
        config_names, components,
        "one Worker config per Spin component"
    );

    for (component, grants) in &manifest.grants {
        let config = worker_config(component);
        assert_eq!(config["name"], format!("rainbownet-{component}"));
        let d1: BTreeSet<String> = strings(&config, "d1_databases", "binding");
        let granted_d1: BTreeSet<String> =
            grants.sql.iter().map(|d| d.binding().to_owned()).collect();
        assert_eq!(d1, granted_d1, "{component}: D1 bindings");
        let kv = strings(&config, "kv_namespaces", "binding");
        let granted_kv: BTreeSet<String> =
            grants.kv.iter().map(|s| s.binding().to_owned()).collect();
        assert_eq!(kv, granted_kv, "{component}: KV bindings");
        for db in config["d1_databases"].as_array().into_iter().flatten() {
            let binding = db["binding"].as_str().unwrap_or_default();
            let label = Database::ALL
                .into_iter()
                .find(|d| d.binding() == binding)
                .expect("known binding");
            assert_eq!(db["database_name"], format!("rainbownet-{label}"));
            assert_eq!(db["migrations_dir"], format!("../../schema/{label}"));
        }

        // Spin `/x/...` is Cloudflare `host/x/*`; Spin `/...` is `host/*`. Spin's exact `/x`
        // is Cloudflare `host/x*`: a Cloudflare pattern is matched against the whole URL,
        // query string included, so only a trailing `*` lets `/x?q=1` through.
        let spin_routes: BTreeSet<String> = manifest
            .routes
            .iter()
            .filter(|r| &r.component == component)
            .map(|r| match r.pattern.strip_suffix("/...") {
                Some(prefix) => format!("{prefix}/*"),
                None => format!("{}*", r.pattern),
            })
            .collect();
        let worker_routes: BTreeSet<String> = strings(&config, "routes", "pattern")
            .into_iter()
            .map(|p| p[p.find('/').expect("host/path pattern")..].to_owned())
            .collect();
        assert_eq!(worker_routes, spin_routes, "{component}: routes");
    }
}

#[test]
fn spin_runtime_config_declares_every_granted_store() {
    let text = std::fs::read_to_string(root().join("edge-config/spin-runtime-config.toml"))
        .expect("edge-config/spin-runtime-config.toml");
    let config: toml::Table = toml::from_str(&text).expect("runtime config parses");
    let manifest = Manifest::parse(SPIN_TOML).expect("spin.toml parses");
    let sql: BTreeSet<Database> = manifest
        .grants
        .values()
        .flat_map(|g| g.sql.clone())
        .collect();
    let kv: BTreeSet<&str> = manifest
        .grants
        .values()
        .flat_map(|g| g.kv.iter().map(|s| s.label()))
        .collect();
    for db in sql {
        assert!(
            config["sqlite_database"].get(db.label()).is_some(),
            "sqlite_database.{db}"
        );
    }
    for store in kv {
        assert!(KvStore::from_label(store).is_some());
        assert!(
            config["key_value_store"].get(store).is_some(),
            "key_value_store.{store}"
        );
    }
}

/// Every setting the core reads is a variable of `spin.toml`, required and secret as the
/// core says, and no variable there is one the core does not read; each component passes
/// on only variables that exist.
#[test]
fn spin_variables_are_the_core_settings() {
    let doc: toml::Table = SPIN_TOML.parse().expect("spin.toml parses");
    let variables = doc["variables"].as_table().expect("[variables]");
    for setting in rainbownet_core::settings::ALL {
        let name = setting.spin_name();
        let variable = variables
            .get(&name)
            .and_then(toml::Value::as_table)
            .unwrap_or_else(|| panic!("spin.toml declares no variable {name}"));
        let flag = |key: &str| {
            variable
                .get(key)
                .and_then(toml::Value::as_bool)
                .unwrap_or(false)
        };
        assert_eq!(flag("required"), setting.required, "{name}: required");
        assert_eq!(flag("secret"), setting.secret, "{name}: secret");
    }
    let known: BTreeSet<String> = rainbownet_core::settings::ALL
        .iter()
        .map(|s| s.spin_name())
        .collect();
    for name in variables.keys() {
        assert!(
            known.contains(name),
            "spin.toml declares {name}, which the core never reads"
        );
    }
    let components = doc["component"].as_table().expect("[component]");
    for (component, table) in components {
        if let Some(passed) = table.get("variables").and_then(toml::Value::as_table) {
            for name in passed.keys() {
                assert!(
                    known.contains(name),
                    "component {component} passes unknown {name}"
                );
            }
        }
    }
}
