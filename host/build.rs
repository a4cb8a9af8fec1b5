//! Embeds what `plugins new` writes into a new plugin folder: the templates (`templates/`),
//! the Rust SDK's sources and WIT, the language SDKs (`sdk/python/pmsync_sdk.py`,
//! `sdk/js/pmsync_sdk.js`) and the host's WIT. Generates `$OUT_DIR/scaffold_files.rs`, a list
//! of `(path from the repository root, bytes)`; `include_bytes!` makes cargo rebuild when a
//! listed file changes, and `rerun-if-changed` on the folders when one is added or removed.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Folders whose files are embedded, from the repository root.
const FOLDERS: [&str; 3] = ["templates", "sdk/src", "sdk/wit"];
/// Single files embedded when they exist.
const FILES: [&str; 3] = [
    "wit/pmsync.wit",
    "sdk/python/pmsync_sdk.py",
    "sdk/js/pmsync_sdk.js",
];
/// Build outputs and tool caches that live beside template sources and are never embedded.
const SKIPPED_NAMES: [&str; 6] = [
    "node_modules",
    "__pycache__",
    ".venv",
    "target",
    ".pytest_cache",
    "package-lock.json",
];
/// A bound on what the templates can add to the binary.
const MAX_TOTAL_BYTES: u64 = 4 * 1024 * 1024;

fn collect(folder: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if SKIPPED_NAMES.contains(&name) || name.ends_with(".wasm") || name.ends_with(".pyc") {
            continue;
        }
        if path.is_dir() {
            collect(&path, out);
        } else if path.is_file() {
            out.push(path);
        }
    }
}

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let root = manifest_dir
        .parent()
        .expect("host/ is inside the repository")
        .to_path_buf();
    let mut files = Vec::new();
    for folder in FOLDERS {
        let path = root.join(folder);
        println!("cargo:rerun-if-changed={}", path.display());
        collect(&path, &mut files);
    }
    for file in FILES {
        let path = root.join(file);
        println!("cargo:rerun-if-changed={}", path.display());
        if path.is_file() {
            files.push(path);
        }
    }
    let mut total = 0;
    let mut code = String::from(
        "/// Embedded scaffold files: (path from the repository root, bytes).\npub static FILES: &[(&str, &[u8])] = &[\n",
    );
    for path in &files {
        total += std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let relative = path.strip_prefix(&root).expect("collected under root");
        let relative = relative.to_string_lossy().replace('\\', "/");
        writeln!(
            code,
            "    ({relative:?}, include_bytes!({:?})),",
            path.display().to_string()
        )
        .expect("writing to a String");
    }
    code.push_str("];\n");
    assert!(
        total <= MAX_TOTAL_BYTES,
        "scaffold files add {total} bytes to the binary, more than {MAX_TOTAL_BYTES}"
    );
    println!(
        "cargo:rustc-env=PMSYNC_WIT_BINDGEN_VERSION={}",
        wit_bindgen_version(&root)
    );
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets it"));
    std::fs::write(out.join("scaffold_files.rs"), code).expect("OUT_DIR is writable");
}

/// The locked version of the workspace's `wit-bindgen` requirement (`"0.46"` in Cargo.toml,
/// `0.46.0` in Cargo.lock): the version a new Rust plugin's copy of the SDK pins.
fn wit_bindgen_version(root: &Path) -> String {
    for file in ["Cargo.toml", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={}", root.join(file).display());
    }
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).expect("workspace Cargo.toml");
    let requirement = manifest
        .lines()
        .find_map(|line| line.strip_prefix("wit-bindgen = \""))
        .and_then(|rest| rest.split('"').next())
        .expect("the workspace depends on wit-bindgen = \"X.Y\"");
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).expect("Cargo.lock");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wit-bindgen\"" {
            let version = lines
                .next()
                .and_then(|l| l.strip_prefix("version = \""))
                .and_then(|rest| rest.split('"').next())
                .unwrap_or("");
            if version.starts_with(&format!("{requirement}.")) || version == requirement {
                return version.to_owned();
            }
        }
    }
    panic!("Cargo.lock has no wit-bindgen matching {requirement}");
}
