//! Computes the engine fingerprint: a digest of every source file whose change can change an analysis's result
//! (this crate, the Go engine's crates with their embedded data, the artifact readers, and the locked dependency versions).
//! The result cache keys results by it (`cache::ENGINE`), so a build with different code never answers from
//! results an older build stored, without anyone having to remember to bump a version.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let crates = manifest.parent().unwrap_or(Path::new(".")).to_path_buf();
    let inputs = [
        manifest.join("src"),
        crates.join("gofed-go/src"),
        crates.join("gofed-go/Cargo.toml"),
        crates.join("gofed-syntax/src"),
        crates.join("gofed-syntax/Cargo.toml"),
        crates.join("gofed-load/src"),
        crates.join("gofed-load/data"),
        crates.join("gofed-load/resources"),
        crates.join("gofed-load/Cargo.toml"),
        crates.join("gofed-types/src"),
        crates.join("gofed-types/Cargo.toml"),
        crates.join("gofed-api/src"),
        crates.join("gofed-api/data"),
        crates.join("gofed-api/Cargo.toml"),
        crates.join("gofed-artifact/src"),
        crates.join("gofed-artifact/Cargo.toml"),
        crates.join("gofed-license/src"),
        crates.join("gofed-license/Cargo.toml"),
        manifest.join("Cargo.toml"),
        crates.join("../Cargo.lock"),
    ];
    let mut files: Vec<PathBuf> = Vec::new();
    for input in &inputs {
        // A directory is scanned recursively by cargo too: any change below it reruns this script.
        println!("cargo::rerun-if-changed={}", input.display());
        collect(input, &mut files);
    }
    files.sort();
    let mut digest = Sha256::new();
    for file in &files {
        // Outside the workspace (a packaged crate) the sibling crates are absent: they are simply not hashed.
        let Ok(bytes) = std::fs::read(file) else {
            continue;
        };
        let rel = file.strip_prefix(&crates).unwrap_or(file);
        digest.update(rel.to_string_lossy().as_bytes());
        digest.update([0]);
        digest.update((bytes.len() as u64).to_le_bytes());
        digest.update(&bytes);
    }
    let hex: String = digest.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    println!("cargo::rustc-env=GOFED_ENGINE_DIGEST={hex}");
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) {
    match std::fs::read_dir(path) {
        Ok(entries) => {
            for entry in entries.flatten() {
                collect(&entry.path(), out);
            }
        }
        Err(_) if path.is_file() => out.push(path.to_owned()),
        Err(_) => {}
    }
}
