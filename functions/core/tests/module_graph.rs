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
    // What operators see of the deployment (the last backup).
    "operations",
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
    // Every fixed list with its labels, as the clients receive them.
    "lists",
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

/// A Rust source file as a module: where its children live and what `super` is.
struct Module {
    file: PathBuf,
    /// The folder its child modules are in.
    children: PathBuf,
    /// The folder its parent's children are in (its own folder).
    parent: Option<PathBuf>,
}

impl Module {
    fn of(src: &Path, file: &Path) -> Module {
        let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let dir = file.parent().expect("in a folder").to_path_buf();
        let root = dir == src && matches!(stem, "lib" | "main");
        let children = if stem == "mod" || root {
            dir.clone()
        } else {
            dir.join(stem)
        };
        let parent = if root {
            None
        } else if stem == "mod" {
            dir.parent().map(Path::to_path_buf)
        } else {
            Some(dir)
        };
        Module {
            file: file.to_path_buf(),
            children,
            parent,
        }
    }
}

/// The file of the module `name` in folder `dir`, if there is one.
fn module_file(dir: &Path, name: &str) -> Option<PathBuf> {
    [
        dir.join(format!("{name}.rs")),
        dir.join(name).join("mod.rs"),
    ]
    .into_iter()
    .find(|p| p.is_file())
}

/// The file of the folder's own module (`mod.rs`, `lib.rs`, or `x.rs` beside `x/`).
fn folder_file(src: &Path, dir: &Path) -> Option<PathBuf> {
    if dir == src {
        return ["lib.rs", "main.rs"]
            .into_iter()
            .map(|f| dir.join(f))
            .find(|p| p.is_file());
    }
    let own = dir.join("mod.rs");
    if own.is_file() {
        return Some(own);
    }
    let name = dir.file_name()?.to_str()?;
    Some(dir.parent()?.join(format!("{name}.rs"))).filter(|p| p.is_file())
}

/// The deepest module file a path reaches, starting in folder `dir` (`a::b::Item`).
fn resolve(src: &Path, mut dir: PathBuf, segments: &[&str]) -> Option<PathBuf> {
    let mut reached = folder_file(src, &dir);
    for segment in segments {
        match module_file(&dir, segment) {
            Some(file) => {
                dir = Module::of(src, &file).children;
                reached = Some(file);
            }
            None => break,
        }
    }
    reached
}

/// The paths a file names (`crate::a::b`, `super::c`, `self::d`, `use e::f` of a child),
/// each as its segments, with `{…}` groups opened one level.
fn paths(code: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let bytes = code.as_bytes();
    for prefix in ["crate::", "super::", "self::"] {
        for (i, _) in code.match_indices(prefix) {
            if i > 0 && (bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_') {
                continue;
            }
            let rest = &code[i..];
            let head: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | ':'))
                .collect();
            let mut segments: Vec<String> = head
                .split("::")
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect();
            if rest[head.len()..].starts_with('{') {
                let inner = &rest[head.len() + 1..];
                let mut depth = 0;
                let end = inner
                    .char_indices()
                    .find(|(_, c)| {
                        match c {
                            '{' => depth += 1,
                            '}' if depth == 0 => return true,
                            '}' => depth -= 1,
                            _ => {}
                        }
                        false
                    })
                    .map_or(inner.len(), |(j, _)| j);
                let mut depth = 0;
                let mut start = 0;
                let group = &inner[..end];
                for (j, c) in group.char_indices().chain([(group.len(), ',')]) {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            let item = group[start..j].trim();
                            let first: String = item
                                .chars()
                                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                                .collect();
                            if !first.is_empty() {
                                let mut s = segments.clone();
                                s.push(first);
                                found.push(s);
                            }
                            start = j + 1;
                        }
                        _ => {}
                    }
                }
                segments.clear();
            }
            if !segments.is_empty() {
                found.push(segments);
            }
        }
    }
    found
}

/// The module files `file` imports, its own ancestors left out (a child using what its
/// parent holds is how Rust is written; a cycle is between files that could be apart).
fn imports(src: &Path, file: &Path) -> Vec<PathBuf> {
    let text = std::fs::read_to_string(file).expect("read a source file");
    let code = text.split("#[cfg(test)]").next().unwrap_or(&text);
    let module = Module::of(src, file);
    let mut ancestors = Vec::new();
    let mut up = module.parent.clone();
    while let Some(dir) = up {
        ancestors.extend(folder_file(src, &dir));
        up = (dir != src)
            .then(|| dir.parent().map(Path::to_path_buf))
            .flatten();
    }
    let mut out = Vec::new();
    for segments in paths(code) {
        let mut dir = module.children.clone();
        let mut rest: &[String] = &segments;
        match rest.first().map(String::as_str) {
            Some("crate") => {
                dir = src.to_path_buf();
                rest = &rest[1..];
            }
            Some("self") => rest = &rest[1..],
            _ => {}
        }
        while rest.first().map(String::as_str) == Some("super") {
            let here = Module::of(
                src,
                &folder_file(src, &dir).unwrap_or_else(|| module.file.clone()),
            );
            dir = here.parent.unwrap_or_else(|| src.to_path_buf());
            rest = &rest[1..];
        }
        let names: Vec<&str> = rest.iter().map(String::as_str).collect();
        if let Some(target) = resolve(src, dir, &names)
            && target != module.file
            && !ancestors.contains(&target)
        {
            out.push(target);
        }
    }
    // A child module used by name (`use row::*;`, `row::parse(…)`).
    for line in code.lines() {
        if let Some(name) = line
            .trim()
            .strip_prefix("mod ")
            .or_else(|| line.trim().strip_prefix("pub mod "))
            .and_then(|r| r.strip_suffix(';'))
            && let Some(child) = module_file(&module.children, name)
            && code.contains(&format!("{name}::"))
        {
            out.push(child);
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Files of one crate that import each other round: the first cycle found, as paths.
fn cycle_in(src: &Path) -> Option<Vec<PathBuf>> {
    let mut files = Vec::new();
    sources(src, &mut files);
    files.sort();
    let graph: BTreeMap<PathBuf, Vec<PathBuf>> =
        files.iter().map(|f| (f.clone(), imports(src, f))).collect();
    // 0 unseen, 1 on the current path, 2 done.
    let mut state: BTreeMap<&PathBuf, u8> = BTreeMap::new();
    fn visit<'a>(
        node: &'a PathBuf,
        graph: &'a BTreeMap<PathBuf, Vec<PathBuf>>,
        state: &mut BTreeMap<&'a PathBuf, u8>,
        path: &mut Vec<&'a PathBuf>,
    ) -> Option<Vec<PathBuf>> {
        state.insert(node, 1);
        path.push(node);
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next).copied().unwrap_or(0) {
                1 => {
                    let from = path.iter().position(|p| *p == next).unwrap_or(0);
                    return Some(path[from..].iter().map(|p| (*p).clone()).collect());
                }
                0 => {
                    if let Some(found) = visit(next, graph, state, path) {
                        return Some(found);
                    }
                }
                _ => {}
            }
        }
        path.pop();
        state.insert(node, 2);
        None
    }
    for file in &files {
        if state.get(file).copied().unwrap_or(0) == 0
            && let Some(found) = visit(file, &graph, &mut state, &mut Vec::new())
        {
            return Some(found);
        }
    }
    None
}

/// No two files of any crate under `functions/` import each other, directly or round a
/// circle: what two files share goes into a third that both use.
#[test]
fn no_import_circles_in_any_crate() {
    #[allow(clippy::disallowed_methods)] // lets a reviewer point the test at an older tree
    let functions = std::env::var_os("RAINBOWNET_FUNCTIONS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".."));
    let mut crates: Vec<PathBuf> = std::fs::read_dir(&functions)
        .expect("read functions/")
        .map(|e| e.expect("entry").path().join("src"))
        .filter(|p| p.is_dir())
        .collect();
    crates.sort();
    let circles: Vec<String> = crates
        .iter()
        .filter_map(|src| cycle_in(src))
        .map(|cycle| {
            cycle
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" -> ")
        })
        .collect();
    assert!(
        circles.is_empty(),
        "import circles:\n{}",
        circles.join("\n")
    );
}
