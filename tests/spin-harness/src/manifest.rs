//! The Spin application manifest (`spin.toml`, manifest version 2): the parts a Spin HTTP
//! application uses — variables, HTTP triggers and components with their grants — checked
//! the way `spin up` checks them when it loads an application.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail, ensure};
use serde::Deserialize;

use crate::variables::{Key, Template};

#[derive(Debug, Deserialize)]
struct RawManifest {
    spin_manifest_version: toml::Value,
    application: RawApplication,
    #[serde(default)]
    variables: BTreeMap<String, Variable>,
    #[serde(default)]
    trigger: BTreeMap<String, Vec<toml::Table>>,
    #[serde(default)]
    component: BTreeMap<String, RawComponent>,
}

#[derive(Debug, Deserialize)]
struct RawApplication {
    name: String,
    #[serde(default)]
    trigger: RawAppTriggers,
}

#[derive(Debug, Default, Deserialize)]
struct RawAppTriggers {
    http: Option<RawAppHttp>,
}

#[derive(Debug, Deserialize)]
struct RawAppHttp {
    base: Option<String>,
}

/// An application variable (`[variables]`): exactly one of `required` and `default`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variable {
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub default: Option<String>,
    #[serde(default)]
    pub secret: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttpTrigger {
    #[serde(default)]
    id: Option<String>,
    route: RawRoute,
    component: Option<RawComponentRef>,
    #[serde(default)]
    executor: Option<toml::Table>,
    #[serde(default)]
    static_response: Option<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawRoute {
    Route(String),
    Private {
        #[allow(dead_code)]
        private: bool,
    },
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawComponentRef {
    Id(String),
    Inline(Box<RawComponent>),
}

#[derive(Debug, Deserialize)]
struct RawComponent {
    source: RawSource,
    #[serde(default)]
    sqlite_databases: Vec<String>,
    #[serde(default)]
    key_value_stores: Vec<String>,
    #[serde(default)]
    variables: BTreeMap<String, String>,
    #[serde(default)]
    environment: BTreeMap<String, String>,
    #[serde(default)]
    allowed_outbound_hosts: Vec<String>,
    #[serde(default)]
    files: Vec<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawSource {
    Path(String),
    Other(toml::Table),
}

/// One HTTP route of the application.
#[derive(Debug, Clone)]
pub struct HttpRoute {
    /// The route as written in the manifest (`/api/...`).
    pub raw: String,
    pub component: String,
}

/// One component, its Wasm file and what it was granted.
#[derive(Debug, Clone)]
pub struct Component {
    pub id: String,
    pub source: PathBuf,
    pub sqlite_databases: Vec<String>,
    pub key_value_stores: Vec<String>,
    /// Component variable name → template over application variables.
    pub variables: BTreeMap<String, Template>,
    pub environment: BTreeMap<String, String>,
    pub allowed_outbound_hosts: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Manifest {
    pub name: String,
    pub dir: PathBuf,
    pub base: String,
    pub variables: BTreeMap<String, Variable>,
    pub routes: Vec<HttpRoute>,
    pub components: BTreeMap<String, Component>,
}

impl Manifest {
    pub fn load(path: &Path) -> anyhow::Result<Manifest> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("failed to read manifest {}", path.display()))?;
        let dir = std::path::absolute(path)?
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        Self::parse(&text, &dir).with_context(|| format!("invalid manifest {}", path.display()))
    }

    pub fn parse(text: &str, dir: &Path) -> anyhow::Result<Manifest> {
        let raw: RawManifest = toml::from_str(text)?;
        ensure!(
            raw.spin_manifest_version.as_integer() == Some(2)
                || raw.spin_manifest_version.as_str() == Some("2"),
            "only spin_manifest_version = 2 is supported (got {})",
            raw.spin_manifest_version
        );

        for (name, variable) in &raw.variables {
            Key::new(name).with_context(|| format!("invalid variable name {name:?}"))?;
            ensure!(
                variable.required ^ variable.default.is_some(),
                "invalid variable {name:?}: must be `required` OR have a `default`"
            );
        }

        let mut components = BTreeMap::new();
        for (id, raw_component) in raw.component {
            let component = convert_component(&id, raw_component, dir, &raw.variables)?;
            components.insert(id, component);
        }

        let mut routes = Vec::new();
        for (trigger_type, triggers) in &raw.trigger {
            if trigger_type != "http" {
                bail!("trigger type {trigger_type:?} is not supported by this harness (only http)");
            }
            for (index, table) in triggers.iter().enumerate() {
                let trigger: RawHttpTrigger = toml::Value::Table(table.clone())
                    .try_into()
                    .with_context(|| format!("invalid [[trigger.http]] #{}", index + 1))?;
                if trigger.static_response.is_some() {
                    bail!("[[trigger.http]] static_response is not supported by this harness");
                }
                if let Some(executor) = &trigger.executor
                    && executor.get("type").and_then(toml::Value::as_str) != Some("http")
                {
                    bail!("[[trigger.http]] executor {executor:?} is not supported (only http)");
                }
                let component = match trigger.component {
                    Some(RawComponentRef::Id(id)) => {
                        ensure!(
                            components.contains_key(&id),
                            "trigger {} refers to unknown component {id:?}",
                            trigger.id.as_deref().unwrap_or("(unnamed)")
                        );
                        id
                    }
                    Some(RawComponentRef::Inline(inline)) => {
                        let id = trigger
                            .id
                            .clone()
                            .unwrap_or_else(|| format!("inline-component{}", index + 1));
                        let component = convert_component(&id, *inline, dir, &raw.variables)?;
                        components.insert(id.clone(), component);
                        id
                    }
                    None => bail!("[[trigger.http]] #{} names no component", index + 1),
                };
                match trigger.route {
                    RawRoute::Route(raw) => routes.push(HttpRoute { raw, component }),
                    // Private endpoints are reachable only by service chaining, not over HTTP.
                    RawRoute::Private { .. } => {}
                }
            }
        }

        let base = raw
            .application
            .trigger
            .http
            .and_then(|h| h.base)
            .unwrap_or_else(|| "/".to_owned());

        Ok(Manifest {
            name: raw.application.name,
            dir: dir.to_path_buf(),
            base,
            variables: raw.variables,
            routes,
            components,
        })
    }
}

/// Store labels are kebab-case or snake_case, as Spin's manifest schema requires.
fn check_label(label: &str) -> anyhow::Result<()> {
    let ok = !label.is_empty()
        && label
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && label.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && !(label.contains('-') && label.contains('_'));
    ensure!(
        ok,
        "invalid label {label:?}: expected kebab-case or snake_case"
    );
    Ok(())
}

fn convert_component(
    id: &str,
    raw: RawComponent,
    dir: &Path,
    app_variables: &BTreeMap<String, Variable>,
) -> anyhow::Result<Component> {
    let source = match raw.source {
        RawSource::Path(p) => dir.join(p),
        RawSource::Other(t) => {
            bail!("component {id:?}: only file sources are supported by this harness, not {t}")
        }
    };
    for label in raw.sqlite_databases.iter().chain(&raw.key_value_stores) {
        check_label(label).with_context(|| format!("component {id:?}"))?;
    }
    let mut variables = BTreeMap::new();
    for (name, template) in raw.variables {
        Key::new(&name).with_context(|| format!("component {id:?}: invalid variable name"))?;
        let template = Template::new(&template)
            .with_context(|| format!("component {id:?}: variable {name:?}"))?;
        for referenced in template.variables() {
            ensure!(
                app_variables.contains_key(referenced),
                "component {id:?}: variable {name:?} refers to unknown variable {referenced:?}"
            );
        }
        variables.insert(name, template);
    }
    if !raw.files.is_empty() {
        eprintln!(
            "spin-harness: warning: component {id:?} `files` are not mounted by this harness"
        );
    }
    Ok(Component {
        id: id.to_owned(),
        source,
        sqlite_databases: raw.sqlite_databases,
        key_value_stores: raw.key_value_stores,
        variables,
        environment: raw.environment,
        allowed_outbound_hosts: raw.allowed_outbound_hosts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
spin_manifest_version = 2
[application]
name = "t"
[variables]
token = { default = "", secret = true }
seed = { required = true }
[[trigger.http]]
route = "/..."
component = "a"
[component.a]
source = "a.wasm"
sqlite_databases = ["public"]
[component.a.variables]
token = "x-{{ token }}-{{seed}}"
"#;

    #[test]
    fn parses_minimal() {
        let m = Manifest::parse(MINIMAL, Path::new("/app")).unwrap();
        assert_eq!(m.routes.len(), 1);
        assert_eq!(m.components["a"].source, Path::new("/app/a.wasm"));
        assert_eq!(m.components["a"].sqlite_databases, ["public"]);
        assert!(m.variables["token"].secret);
    }

    #[test]
    fn variable_must_be_required_or_defaulted() {
        let both = MINIMAL.replace(
            "{ required = true }",
            "{ required = true, default = \"x\" }",
        );
        assert!(Manifest::parse(&both, Path::new("/")).is_err());
        let neither = MINIMAL.replace("{ required = true }", "{ secret = true }");
        assert!(Manifest::parse(&neither, Path::new("/")).is_err());
    }

    #[test]
    fn unknown_variable_in_template_is_rejected() {
        let bad = MINIMAL.replace("{{seed}}", "{{ nope }}");
        let err = Manifest::parse(&bad, Path::new("/")).unwrap_err();
        assert!(format!("{err:#}").contains("unknown variable"), "{err:#}");
    }

    #[test]
    fn unknown_component_in_trigger_is_rejected() {
        let bad = MINIMAL.replace("component = \"a\"", "component = \"b\"");
        assert!(Manifest::parse(&bad, Path::new("/")).is_err());
    }
}
