//! The core's top-level modules form layers: each may use only the modules of the layers
//! below it, so the graph has no cycle and a newcomer can read it from the bottom up. A
//! `crate::x` path that points up (or sideways into a later module of the same layer) fails
//! here, with the file that does it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Bottom first. A module may use any module listed before it.
const LAYERS: &[&str] = &[
    // Ports and plain values: no knowledge of HTTP or of the domain.
    "ports",
    "error",
    "settings",
    "vocabulary",
    "env",
    "time",
    "text",
    "wareki",
    "geo",
    "csv_table",
    "blob",
    // The HTTP boundary.
    "http",
    "selfcheck",
    "health",
    // The audit log, read and written by everything that follows.
    "audit",
    // The public data and its pages.
    "public",
    "resources",
    "demo",
    "web",
    // Professionals, then what they work on.
    "auth",
    "care",
    "disaster",
    // Routes as data: the guards that admit callers to care and disaster.
    "guard",
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read the core's sources") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `crate::name` paths in the file's code before its unit tests.
fn uses(text: &str) -> Vec<&str> {
    let code = text.split("#[cfg(test)]").next().unwrap_or(text);
    code.match_indices("crate::")
        .map(|(i, _)| {
            let rest = &code[i + "crate::".len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .collect()
}

#[test]
fn the_core_is_layered_without_cycles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let rank: BTreeMap<&str, usize> = LAYERS.iter().enumerate().map(|(i, m)| (*m, i)).collect();
    let mut wrong = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).expect("under src");
        let module = relative
            .components()
            .next()
            .and_then(|c| c.as_os_str().to_str())
            .map(|m| m.trim_end_matches(".rs"))
            .expect("a module");
        if module == "lib" {
            continue;
        }
        let Some(&own) = rank.get(module) else {
            wrong.push(format!("{module} is not in LAYERS: place it in its layer"));
            continue;
        };
        let text = std::fs::read_to_string(file).expect("read a source file");
        for used in uses(&text) {
            match rank.get(used) {
                Some(&r) if r > own => wrong.push(format!(
                    "{} uses crate::{used}, which sits above {module}",
                    relative.display()
                )),
                _ => {}
            }
        }
    }
    wrong.sort();
    wrong.dedup();
    assert!(
        wrong.is_empty(),
        "upward imports in the core:\n{}",
        wrong.join("\n")
    );
}

/// A file is one thing a reader can hold: over 400 lines of code (unit tests aside), its
/// opening comment says why it is not split.
#[test]
fn a_long_file_says_why() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut long: Vec<String> = files
        .iter()
        .filter_map(|file| {
            let text = std::fs::read_to_string(file).expect("read a source file");
            let code = text.split("#[cfg(test)]").next().unwrap_or(&text);
            let lines = code.lines().count();
            let header: Vec<&str> = text.lines().take_while(|l| l.starts_with("//!")).collect();
            let says_why = header.iter().any(|l| l.contains("Why this file"));
            (lines > 400 && !says_why).then(|| format!("{} ({lines} lines)", file.display()))
        })
        .collect();
    long.sort();
    assert!(
        long.is_empty(),
        "split these, or say at the top why not (\"Why this file …\"):\n{}",
        long.join("\n")
    );
}
