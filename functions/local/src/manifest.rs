//! Reads `spin.toml`: which component serves which route, and which stores each component
//! is granted. The local host takes both from here so that it can not drift from Spin.

use std::collections::BTreeMap;

use rainbownet_core::ports::{Database, KvStore};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct SpinToml {
    trigger: Triggers,
    component: BTreeMap<String, ComponentToml>,
}

#[derive(Debug, Deserialize)]
struct Triggers {
    http: Vec<HttpTrigger>,
}

#[derive(Debug, Deserialize)]
struct HttpTrigger {
    route: String,
    component: String,
}

#[derive(Debug, Deserialize)]
struct ComponentToml {
    #[serde(default)]
    sqlite_databases: Vec<String>,
    #[serde(default)]
    key_value_stores: Vec<String>,
}

/// The stores a component may open.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Grants {
    pub sql: Vec<Database>,
    pub kv: Vec<KvStore>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    /// `/healthz` (exact) or `/api/v1/care/...` (that prefix and everything under it).
    pub pattern: String,
    pub component: String,
}

#[derive(Debug)]
pub struct Manifest {
    pub routes: Vec<Route>,
    pub grants: BTreeMap<String, Grants>,
}

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("spin.toml: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("spin.toml: component `{component}` is granted unknown {kind} `{label}`")]
    UnknownStore {
        component: String,
        kind: &'static str,
        label: String,
    },
    #[error("spin.toml: route `{route}` names unknown component `{component}`")]
    UnknownComponent { route: String, component: String },
}

impl Manifest {
    pub fn parse(text: &str) -> Result<Manifest, ManifestError> {
        let toml: SpinToml = toml::from_str(text)?;
        let mut grants = BTreeMap::new();
        for (name, component) in &toml.component {
            let unknown = |kind, label: &String| ManifestError::UnknownStore {
                component: name.clone(),
                kind,
                label: label.clone(),
            };
            let sql = component
                .sqlite_databases
                .iter()
                .map(|l| Database::from_label(l).ok_or_else(|| unknown("database", l)))
                .collect::<Result<_, _>>()?;
            let kv = component
                .key_value_stores
                .iter()
                .map(|l| KvStore::from_label(l).ok_or_else(|| unknown("key-value store", l)))
                .collect::<Result<_, _>>()?;
            grants.insert(name.clone(), Grants { sql, kv });
        }
        let routes = toml
            .trigger
            .http
            .into_iter()
            .map(|t| {
                if grants.contains_key(&t.component) {
                    Ok(Route {
                        pattern: t.route,
                        component: t.component,
                    })
                } else {
                    Err(ManifestError::UnknownComponent {
                        route: t.route,
                        component: t.component,
                    })
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(Manifest { routes, grants })
    }

    /// The component for `path`, as Spin picks it: an exact route first, then the longest
    /// wildcard prefix.
    pub fn component_for(&self, path: &str) -> Option<&str> {
        let mut best: Option<(usize, &Route)> = None;
        for route in &self.routes {
            let score = match route.pattern.strip_suffix("/...") {
                Some(prefix) => {
                    let under = path == prefix
                        || prefix.is_empty()
                        || path
                            .strip_prefix(prefix)
                            .is_some_and(|rest| rest.starts_with('/'));
                    under.then_some(prefix.len())
                }
                None => (route.pattern == path).then_some(usize::MAX),
            };
            if let Some(score) = score
                && best.is_none_or(|(s, _)| score > s)
            {
                best = Some((score, route));
            }
        }
        best.map(|(_, r)| r.component.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOML: &str = r#"
        spin_manifest_version = 2
        [application]
        name = "t"
        [[trigger.http]]
        route = "/..."
        component = "portal"
        [[trigger.http]]
        route = "/api/v1/care/..."
        component = "care"
        [[trigger.http]]
        route = "/healthz"
        component = "health"
        [component.portal]
        source = "p.wasm"
        sqlite_databases = ["public"]
        key_value_stores = ["cache"]
        [component.care]
        source = "c.wasm"
        sqlite_databases = ["care", "public"]
        [component.health]
        source = "h.wasm"
    "#;

    #[test]
    fn picks_exact_then_longest_prefix() {
        let m = Manifest::parse(TOML).unwrap();
        assert_eq!(m.component_for("/healthz"), Some("health"));
        assert_eq!(m.component_for("/healthz/x"), Some("portal"));
        assert_eq!(m.component_for("/api/v1/care"), Some("care"));
        assert_eq!(m.component_for("/api/v1/care/patients"), Some("care"));
        assert_eq!(m.component_for("/api/v1/careful"), Some("portal"));
        assert_eq!(m.component_for("/"), Some("portal"));
    }

    #[test]
    fn reads_grants_and_refuses_unknown_stores() {
        let m = Manifest::parse(TOML).unwrap();
        assert_eq!(m.grants["portal"].sql, vec![Database::Public]);
        assert_eq!(m.grants["care"].sql, vec![Database::Care, Database::Public]);
        assert!(m.grants["health"].sql.is_empty());
        let bad = TOML.replace(r#"["cache"]"#, r#"["secrets"]"#);
        assert!(matches!(
            Manifest::parse(&bad),
            Err(ManifestError::UnknownStore { .. })
        ));
    }

    #[test]
    fn the_real_spin_toml_parses_and_routes() {
        let m = Manifest::parse(crate::embedded::SPIN_TOML).unwrap();
        assert_eq!(m.component_for("/healthz"), Some("health"));
        assert_eq!(
            m.component_for("/api/v1/public/municipalities"),
            Some("portal")
        );
        assert_eq!(m.component_for("/api/v1/disaster/events"), Some("disaster"));
        assert!(!m.grants["portal"].sql.contains(&Database::Care));
    }
}
