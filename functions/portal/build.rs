//! Turns `schema/openapi.yaml`, the OpenAPI document people edit, into the JSON the portal
//! serves at `/api/v1/openapi.json`. A document that is not valid YAML fails the build.

use std::path::Path;
use std::{env, fs};

/// YAML allows keys that are not strings (`200:`); JSON does not, so every key is written
/// as the text YAML shows.
fn to_json(value: serde_norway::Value) -> serde_json::Value {
    use serde_norway::Value as Y;
    match value {
        Y::Null => serde_json::Value::Null,
        Y::Bool(b) => b.into(),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into()
            } else if let Some(u) = n.as_u64() {
                u.into()
            } else {
                serde_json::Number::from_f64(n.as_f64().unwrap_or_default())
                    .map_or(serde_json::Value::Null, serde_json::Value::Number)
            }
        }
        Y::String(s) => s.into(),
        Y::Sequence(items) => items.into_iter().map(to_json).collect(),
        Y::Mapping(map) => map
            .into_iter()
            .map(|(k, v)| {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => panic!("schema/openapi.yaml: a key that is not text: {other:?}"),
                };
                (key, to_json(v))
            })
            .collect::<serde_json::Map<_, _>>()
            .into(),
        Y::Tagged(tagged) => to_json(tagged.value),
    }
}

fn main() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schema/openapi.yaml");
    println!("cargo:rerun-if-changed={}", source.display());
    let text =
        fs::read_to_string(&source).unwrap_or_else(|e| panic!("reading {}: {e}", source.display()));
    let yaml: serde_norway::Value = serde_norway::from_str(&text)
        .unwrap_or_else(|e| panic!("schema/openapi.yaml is not valid YAML: {e}"));
    let json = serde_json::to_vec(&to_json(yaml)).expect("a JSON value serializes");
    let out = Path::new(&env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("openapi.json");
    fs::write(&out, json).unwrap_or_else(|e| panic!("writing {}: {e}", out.display()));
}
