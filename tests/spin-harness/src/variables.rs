//! Application variables as Spin resolves them: `[variables]` declares them (`required`
//! or a `default`, maybe `secret`), components bind their own variables to templates such
//! as `"{{ app_variable }}"`, and values come from the environment (`SPIN_VARIABLE_<NAME>`,
//! then a `.env` file in the working directory), else the default.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use anyhow::{bail, ensure};

use crate::manifest::{Manifest, Variable};

/// A variable name: lower-case ASCII letters, digits and single underscores, starting
/// with a letter and ending with a letter or digit (Spin's rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key<'a>(&'a str);

impl<'a> Key<'a> {
    pub fn new(key: &'a str) -> Result<Key<'a>, KeyError> {
        let reason = if key.is_empty() {
            Some("must not be empty".to_owned())
        } else if let Some(c) = key
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_'))
        {
            Some(format!(
                "invalid character {c:?}. Variable names may contain only lower-case letters, numbers, and underscores."
            ))
        } else if !key.as_bytes()[0].is_ascii_lowercase() {
            Some("must start with a lowercase ASCII letter".to_owned())
        } else if !key.as_bytes()[key.len() - 1].is_ascii_alphanumeric() {
            Some("must end with a lowercase ASCII letter or digit".to_owned())
        } else if key.contains("__") {
            Some("must not contain multiple consecutive underscores".to_owned())
        } else {
            None
        };
        match reason {
            Some(reason) => Err(KeyError(format!("{key:?}: {reason}"))),
            None => Ok(Key(key)),
        }
    }

    pub fn as_str(&self) -> &'a str {
        self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError(pub String);

impl std::fmt::Display for KeyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid variable name {}", self.0)
    }
}

impl std::error::Error for KeyError {}

/// A component variable's value: literal text and `{{ variable }}` expressions.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Lit(String),
    Expr(String),
}

impl Template {
    pub fn new(text: &str) -> anyhow::Result<Template> {
        let mut parts = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            if let Some(after_open) = rest.strip_prefix("{{") {
                let Some((expr, after)) = after_open.split_once("}}") else {
                    bail!("invalid template: unmatched '{{{{' in template");
                };
                parts.push(Part::Expr(expr.trim().to_owned()));
                rest = after;
            } else if let Some(idx) = rest.find("{{") {
                parts.push(Part::Lit(rest[..idx].to_owned()));
                rest = &rest[idx..];
            } else {
                parts.push(Part::Lit(rest.to_owned()));
                rest = "";
            }
        }
        Ok(Template { parts })
    }

    /// The application variables the template refers to.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Expr(e) => Some(e.as_str()),
            Part::Lit(_) => None,
        })
    }

    fn render(&self, values: &HashMap<String, String>) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Lit(l) => out.push_str(l),
                Part::Expr(e) => out.push_str(values.get(e)?),
            }
        }
        Some(out)
    }
}

/// Reads one environment variable (the process's, or a test's own).
type EnvLookup = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Where variable values come from, in Spin's order: the process environment with the
/// `SPIN_VARIABLE_` prefix, then the `.env` file of the working directory.
pub struct EnvProvider {
    env: EnvLookup,
    dotenv: HashMap<String, String>,
}

impl EnvProvider {
    pub fn from_process(dotenv_path: Option<&Path>) -> anyhow::Result<EnvProvider> {
        let mut dotenv = HashMap::new();
        if let Some(path) = dotenv_path
            && path.exists()
        {
            for item in dotenvy::from_path_iter(path)? {
                let (k, v) = item?;
                dotenv.insert(k, v);
            }
        }
        Ok(EnvProvider {
            env: Box::new(|k| std::env::var(k).ok()),
            dotenv,
        })
    }

    pub fn from_map(map: HashMap<String, String>) -> EnvProvider {
        EnvProvider {
            env: Box::new(move |k| map.get(k).cloned()),
            dotenv: HashMap::new(),
        }
    }

    fn get(&self, key: &str) -> Option<String> {
        let env_key = format!("SPIN_VARIABLE_{}", key.to_ascii_uppercase());
        (self.env)(&env_key).or_else(|| self.dotenv.get(&env_key).cloned())
    }
}

/// Errors of `spin:variables/variables.get`, as Spin reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GetError {
    InvalidName(String),
    Undefined(String),
}

/// Every component's variables, resolved once at start (the environment does not change
/// under a running process, so this equals Spin's resolution on each `get`).
#[derive(Debug, Default, Clone)]
pub struct ResolvedVariables {
    by_component: HashMap<String, BTreeMap<String, String>>,
}

impl ResolvedVariables {
    /// Resolves all variables; a required variable without a value is a start-up error,
    /// as with `spin up`.
    pub fn resolve(manifest: &Manifest, provider: &EnvProvider) -> anyhow::Result<Self> {
        let mut values = HashMap::new();
        let mut missing = Vec::new();
        for (name, Variable { default, .. }) in &manifest.variables {
            match provider.get(name).or_else(|| default.clone()) {
                Some(value) => {
                    values.insert(name.clone(), value);
                }
                None => missing.push(name.clone()),
            }
        }
        ensure!(
            missing.is_empty(),
            "no provider resolved required variable(s): {missing:?} (set SPIN_VARIABLE_{})",
            missing
                .iter()
                .map(|m| m.to_ascii_uppercase())
                .collect::<Vec<_>>()
                .join(", SPIN_VARIABLE_")
        );
        let mut by_component = HashMap::new();
        for (id, component) in &manifest.components {
            let mut resolved = BTreeMap::new();
            for (name, template) in &component.variables {
                let Some(value) = template.render(&values) else {
                    bail!("component {id:?}: variable {name:?} could not be resolved");
                };
                resolved.insert(name.clone(), value);
            }
            by_component.insert(id.clone(), resolved);
        }
        Ok(ResolvedVariables { by_component })
    }

    pub fn for_component(&self, id: &str) -> ComponentVariables {
        ComponentVariables {
            component: id.to_owned(),
            values: self.by_component.get(id).cloned(),
        }
    }
}

/// One component's view: only its own `[component.X.variables]`.
#[derive(Debug, Clone)]
pub struct ComponentVariables {
    component: String,
    values: Option<BTreeMap<String, String>>,
}

impl ComponentVariables {
    pub fn get(&self, name: &str) -> Result<String, GetError> {
        let key = Key::new(name).map_err(|e| GetError::InvalidName(e.0))?;
        let Some(values) = &self.values else {
            return Err(GetError::Undefined(format!(
                "no variable for {:?}",
                self.component
            )));
        };
        values.get(key.as_str()).cloned().ok_or_else(|| {
            GetError::Undefined(format!("no variable for {:?}.{:?}", self.component, key))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        for good in [
            "a",
            "abc",
            "a1b2c3",
            "a_1",
            "a_1_b_3",
            "rainbownet_jwt_seed",
        ] {
            Key::new(good).expect(good);
        }
        for bad in [
            "",
            "aX",
            "1bc",
            "_x",
            "x.y",
            "x_",
            "a__b",
            "x-y",
            "RAINBOWNET",
        ] {
            Key::new(bad).expect_err(bad);
        }
    }

    fn manifest() -> Manifest {
        Manifest::parse(
            r#"
spin_manifest_version = 2
[application]
name = "t"
[variables]
token = { default = "dflt", secret = true }
seed = { required = true, secret = true }
origin = { default = "" }
[[trigger.http]]
route = "/..."
component = "a"
[component.a]
source = "a.wasm"
[component.a.variables]
token = "{{ token }}"
url = "https://{{ origin }}/x"
[component.b]
source = "b.wasm"
[component.b.variables]
seed = "{{ seed }}"
"#,
            Path::new("/"),
        )
        .unwrap()
    }

    fn env(pairs: &[(&str, &str)]) -> EnvProvider {
        EnvProvider::from_map(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn required_without_value_is_an_error() {
        let err = ResolvedVariables::resolve(&manifest(), &env(&[])).unwrap_err();
        assert!(err.to_string().contains("\"seed\""), "{err}");
        assert!(err.to_string().contains("SPIN_VARIABLE_SEED"), "{err}");
    }

    #[test]
    fn defaults_environment_and_secrets() {
        let m = manifest();
        let r = ResolvedVariables::resolve(&m, &env(&[("SPIN_VARIABLE_SEED", "s3cret")])).unwrap();
        let a = r.for_component("a");
        assert_eq!(a.get("token").unwrap(), "dflt");
        assert_eq!(a.get("url").unwrap(), "https:///x");
        // Only the component's own variables, even when the application has the name.
        assert!(matches!(a.get("seed"), Err(GetError::Undefined(_))));
        assert!(matches!(a.get("Token"), Err(GetError::InvalidName(_))));
        assert_eq!(r.for_component("b").get("seed").unwrap(), "s3cret");
        // The environment overrides a default, secret or not.
        let r = ResolvedVariables::resolve(
            &m,
            &env(&[
                ("SPIN_VARIABLE_SEED", "s"),
                ("SPIN_VARIABLE_TOKEN", "t"),
                ("SPIN_VARIABLE_ORIGIN", "h"),
            ]),
        )
        .unwrap();
        assert_eq!(r.for_component("a").get("token").unwrap(), "t");
        assert_eq!(r.for_component("a").get("url").unwrap(), "https://h/x");
    }

    #[test]
    fn templates() {
        let t = Template::new("a-{{ x }}-{{y}}").unwrap();
        assert_eq!(t.variables().collect::<Vec<_>>(), ["x", "y"]);
        let values = HashMap::from([("x".into(), "1".into()), ("y".into(), "2".into())]);
        assert_eq!(t.render(&values).unwrap(), "a-1-2");
        assert!(Template::new("{{ open").is_err());
        assert_eq!(
            Template::new("plain").unwrap().render(&values).unwrap(),
            "plain"
        );
    }
}
