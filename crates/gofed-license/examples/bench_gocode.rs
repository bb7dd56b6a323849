//! Throughput of license detection over every license file of a tree (default `/usr/share/gocode/src`):
//! `cargo run --release -p gofed-license --example bench_gocode [DIR [--every-file]]`. Prints files, bytes,
//! seconds, files/s. `--every-file` takes every file of DIR as a license text (e.g. the texts
//! `GOFED_LICENSE_DUMP` writes) and adds no Debian copyright files.

use std::time::Instant;

use gofed_license::{
    analyze_license_file, is_license_file_name, license_list_size, Config, DirTree, EntryKind, Tree,
};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/usr/share/gocode/src".to_string());
    let tree = DirTree::new(std::path::Path::new(&root));
    let start = Instant::now();
    let n_licenses = license_list_size()?;
    println!(
        "store: {n_licenses} licenses loaded in {:.3}s",
        start.elapsed().as_secs_f64()
    );
    let every_file = std::env::args().nth(2).as_deref() == Some("--every-file");
    let entries = tree.entries()?;
    let config = Config::default();
    let mut inputs = Vec::new();
    for entry in &entries {
        let name = entry.path.rsplit('/').next().unwrap_or(&entry.path);
        if entry.kind == EntryKind::File && (every_file || is_license_file_name(name)) {
            inputs.push(tree.read(&entry.path, config.max_file_bytes)?);
        }
    }
    // Real trees of Debian's packages hold few license files; the Debian copyright texts are license texts too.
    let n_tree = inputs.len();
    if let Ok(dir) = std::fs::read_dir(if every_file {
        "/nonexistent"
    } else {
        "/usr/share/doc"
    }) {
        for dirent in dir.flatten() {
            if dirent.file_name().to_string_lossy().starts_with("golang-") {
                if let Ok(bytes) = std::fs::read(dirent.path().join("copyright")) {
                    inputs.push(bytes);
                }
            }
        }
    }
    let n_bytes: usize = inputs.iter().map(Vec::len).sum();
    let start = Instant::now();
    let mut n_detected = 0;
    for bytes in &inputs {
        let file = analyze_license_file(bytes, &config)?;
        n_detected += usize::from(!file.spdx_ids().is_empty());
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{} files ({n_tree} license files under {root}, the rest Debian copyright files), {n_bytes} bytes, \
         {n_detected} with a license: {secs:.2}s, {:.1} files/s, {:.2} MB/s (one thread)",
        inputs.len(),
        inputs.len() as f64 / secs,
        n_bytes as f64 / secs / 1e6
    );
    Ok(())
}
