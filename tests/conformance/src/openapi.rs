//! The OpenAPI document (`schema/openapi.yaml`, served as `GET /api/v1/openapi.json`) kept
//! honest: it describes exactly the routes of the functions' own tables, its references
//! resolve, its path parameters match its paths, every error it names is a problem, and its
//! `Problem` schema accepts the problems the host really sends. Schemathesis
//! (`tests/schemathesis.sh`) then checks every operation's answers against it.

use std::collections::{BTreeSet, HashSet};

use serde_json::Value;

use crate::cases::Case;
use crate::client::Client;

pub const CASES: &[Case] = &[Case {
    name: "openapi: the served document describes every route of every function's table and nothing else, and is well formed",
    run: document,
}];

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Every (method, path) the functions serve, from their route tables. `health` has one
/// route and no table; `assets` serves files under `/app/`, which the document leaves out.
fn served() -> BTreeSet<(String, String)> {
    let care = rainbownet_care::routes().map(|r| (r.method, r.path));
    let disaster = rainbownet_disaster::routes().map(|r| (r.method, r.path));
    let portal = rainbownet_portal::routes().map(|r| (r.method, r.path));
    care.chain(disaster)
        .chain(portal)
        .chain([(http::Method::GET, "/healthz")])
        .map(|(method, path)| (method.as_str().to_ascii_lowercase(), path.to_owned()))
        .collect()
}

fn described(doc: &Value) -> Result<BTreeSet<(String, String)>, String> {
    let paths = doc["paths"]
        .as_object()
        .ok_or("the document has no paths")?;
    let mut out = BTreeSet::new();
    for (path, item) in paths {
        let item = item.as_object().ok_or(format!("{path}: not an object"))?;
        for method in item.keys().filter(|k| METHODS.contains(&k.as_str())) {
            out.insert((method.clone(), path.clone()));
        }
    }
    Ok(out)
}

fn list(pairs: &BTreeSet<&(String, String)>) -> String {
    pairs
        .iter()
        .map(|(m, p)| format!("{} {p}", m.to_ascii_uppercase()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The node a local `$ref` (`#/components/…`) points at.
fn resolve<'a>(doc: &'a Value, reference: &str) -> Option<&'a Value> {
    doc.pointer(reference.strip_prefix('#')?)
}

/// Every `$ref` under `value`, with where it was found.
fn references(value: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "$ref"
                    && let Some(r) = v.as_str()
                {
                    out.push((at.to_owned(), r.to_owned()));
                }
                references(v, &format!("{at}/{k}"), out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                references(v, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

/// A parameter, through its `$ref` if it has one.
fn parameter<'a>(doc: &'a Value, p: &'a Value) -> &'a Value {
    p["$ref"]
        .as_str()
        .and_then(|r| resolve(doc, r))
        .unwrap_or(p)
}

/// The problems found in one operation.
fn check_operation(
    doc: &Value,
    path: &str,
    method: &str,
    item: &Value,
    op: &Value,
    ids: &mut HashSet<String>,
) -> Vec<String> {
    let here = format!("{} {path}", method.to_ascii_uppercase());
    let mut problems = Vec::new();
    match op["operationId"].as_str() {
        Some(id) if ids.insert(id.to_owned()) => {}
        Some(id) => problems.push(format!("{here}: operationId {id} is used twice")),
        None => problems.push(format!("{here}: no operationId")),
    }
    // Path parameters: each `{name}` of the path declared once, in the path item or the
    // operation, required; and none declared that the path does not have.
    let in_path: BTreeSet<&str> = path
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect();
    let declared: Vec<&Value> = [&item["parameters"], &op["parameters"]]
        .into_iter()
        .filter_map(Value::as_array)
        .flatten()
        .map(|p| parameter(doc, p))
        .filter(|p| p["in"] == "path")
        .collect();
    let names: BTreeSet<&str> = declared.iter().filter_map(|p| p["name"].as_str()).collect();
    if names != in_path || declared.len() != names.len() {
        problems.push(format!(
            "{here}: path parameters declared {names:?}, the path has {in_path:?}"
        ));
    }
    if declared.iter().any(|p| p["required"] != true) {
        problems.push(format!("{here}: a path parameter is not required"));
    }
    for scheme in op["security"].as_array().into_iter().flatten() {
        for name in scheme.as_object().into_iter().flat_map(|m| m.keys()) {
            if doc["components"]["securitySchemes"][name].is_null() {
                problems.push(format!("{here}: unknown security scheme {name}"));
            }
        }
    }
    let Some(responses) = op["responses"].as_object() else {
        problems.push(format!("{here}: no responses"));
        return problems;
    };
    if !responses.keys().any(|s| s.starts_with('2')) {
        problems.push(format!("{here}: no success response"));
    }
    for (status, response) in responses {
        let response = response["$ref"]
            .as_str()
            .and_then(|r| resolve(doc, r))
            .unwrap_or(response);
        let error = status.starts_with('4') || status.starts_with('5');
        // `/healthz` answers 503 with its own report: that is its purpose, not a problem.
        let exempt = path == "/healthz" && status == "503";
        let problem = &response["content"]["application/problem+json"]["schema"]["$ref"];
        if error && !exempt && problem != "#/components/schemas/Problem" {
            problems.push(format!("{here}: {status} is not a problem+json Problem"));
        }
    }
    problems
}

fn document(c: &Client) -> Result<(), String> {
    let resp = c.get("/api/v1/openapi.json")?;
    ensure!(resp.status == 200, "openapi.json: {}", resp.status);
    ensure!(
        resp.header("content-type") == Some("application/json"),
        "openapi.json content type: {:?}",
        resp.header("content-type")
    );
    ensure!(resp.header("etag").is_some(), "openapi.json has no ETag");
    let doc = resp.json()?;

    // Both ways: every route of a table is described, and every described route is served.
    let served = served();
    let described = described(&doc)?;
    let missing: BTreeSet<_> = served.difference(&described).collect();
    let unserved: BTreeSet<_> = described.difference(&served).collect();
    let mut differences = Vec::new();
    if !missing.is_empty() {
        differences.push(format!(
            "routes missing from schema/openapi.yaml: {}",
            list(&missing)
        ));
    }
    if !unserved.is_empty() {
        differences.push(format!(
            "schema/openapi.yaml describes routes no function serves: {}",
            list(&unserved)
        ));
    }
    ensure!(differences.is_empty(), "{}", differences.join("; "));

    // The document's own shape.
    let version = doc["openapi"].as_str().unwrap_or("");
    ensure!(
        version.starts_with("3.1.") && version[4..].bytes().all(|b| b.is_ascii_digit()),
        "openapi is {version:?}, not 3.1.x"
    );
    ensure!(
        doc["info"]["title"].is_string() && doc["info"]["version"].is_string(),
        "info needs a title and a version"
    );
    let mut problems = Vec::new();
    let mut refs = Vec::new();
    references(&doc, "#", &mut refs);
    for (at, reference) in &refs {
        if resolve(&doc, reference).is_none() {
            problems.push(format!("{at}: $ref {reference} resolves to nothing"));
        }
    }
    let mut ids = HashSet::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                problems.extend(check_operation(&doc, path, method, item, op, &mut ids));
            }
        }
    }
    ensure!(problems.is_empty(), "{}", problems.join("; "));

    // The Problem schema accepts the problems the host sends: a plain one and one listing
    // fields (it does not allow members it does not name, so a new member must be added).
    let schema = serde_json::json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": "#/components/schemas/Problem",
        "components": doc["components"],
    });
    let validator = jsonschema::draft202012::new(&schema).map_err(|e| format!("Problem: {e}"))?;
    let not_found = c.get("/api/v1/public/resources/01J00000000000000000NOSUCH")?;
    let invalid = c.get("/api/v1/public/resources?limit=0&lat=1")?;
    for (what, resp, status) in [("404", not_found, 404), ("422", invalid, 422)] {
        ensure!(resp.status == status, "{what}: got {}", resp.status);
        let body = resp.json()?;
        if let Some(e) = validator.iter_errors(&body).next() {
            return Err(format!(
                "a real {what} problem does not match the Problem schema: {e} at {}",
                e.instance_path()
            ));
        }
    }
    Ok(())
}
