//! Embeds `schema/<database>/NNNN_*.sql` and `spin.toml` so the binary carries its own
//! migrations and route table and runs from any directory.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let schema = root.join("schema");
    println!("cargo:rerun-if-changed={}", schema.display());
    println!(
        "cargo:rerun-if-changed={}",
        root.join("spin.toml").display()
    );

    let mut out =
        String::from("/// (database label, file name, SQL), in the order to apply them.\n");
    out.push_str("pub const MIGRATIONS: &[(&str, &str, &str)] = &[\n");
    for db in ["public", "care", "disaster"] {
        let dir = schema.join(db);
        println!("cargo:rerun-if-changed={}", dir.display());
        let mut files: Vec<PathBuf> = fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "sql"))
            .collect();
        files.sort();
        for file in files {
            let name = file
                .file_name()
                .and_then(|n| n.to_str())
                .expect("utf-8 file name");
            let path = file.canonicalize().expect("schema file exists");
            writeln!(
                out,
                "    ({db:?}, {name:?}, include_str!({:?})),",
                path.display().to_string()
            )
            .expect("write to string");
        }
    }
    out.push_str("];\n");
    let manifest = root
        .join("spin.toml")
        .canonicalize()
        .expect("spin.toml exists");
    writeln!(
        out,
        "pub const SPIN_TOML: &str = include_str!({:?});",
        manifest.display().to_string()
    )
    .expect("write to string");
    let dest = Path::new(&env::var("OUT_DIR").expect("OUT_DIR")).join("embedded.rs");
    fs::write(dest, out).expect("write embedded.rs");
}
