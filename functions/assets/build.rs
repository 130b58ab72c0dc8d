//! Embeds every file under `static/` with a content hash for its ETag, so the assets
//! function needs no store and every host serves the same bytes.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// FNV-1a, 64 bits: enough to tell versions of a file apart for caching.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../static");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    let mut out = String::from("pub const FILES: &[(&str, &[u8], &str)] = &[\n");
    for file in files {
        println!("cargo:rerun-if-changed={}", file.display());
        let rel = file
            .strip_prefix(&root)
            .expect("under static/")
            .to_string_lossy()
            .replace('\\', "/");
        let bytes = fs::read(&file).expect("read static file");
        let abs = file.canonicalize().expect("static file exists");
        writeln!(
            out,
            "    ({rel:?}, include_bytes!({:?}), \"\\\"{:016x}\\\"\"),",
            abs.display().to_string(),
            fnv1a(&bytes)
        )
        .expect("write to string");
    }
    out.push_str("];\n");
    fs::write(
        Path::new(&env::var("OUT_DIR").expect("OUT_DIR")).join("files.rs"),
        out,
    )
    .expect("write files.rs");
}
