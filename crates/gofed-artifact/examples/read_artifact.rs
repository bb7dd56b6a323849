//! Reads an artifact into memory and prints what it holds: `cargo run --release --example read_artifact FILE`.
//! Used to measure the readers against `tar -x` on the same file.

use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: read_artifact FILE")?;
    let bytes = std::fs::read(&path)?;
    let start = Instant::now();
    let artifact = gofed_artifact::open(&path, &bytes, &gofed_artifact::Limits::default())?;
    let elapsed = start.elapsed();
    let total: usize = artifact.files.iter().map(|f| f.data.len()).sum();
    println!(
        "{path}: {} {} files, {total} bytes, root {:?}, {} warnings, read in {:.3} s",
        artifact.kind.map(|k| k.to_string()).unwrap_or_default(),
        artifact.files.len(),
        artifact.root,
        artifact.warnings.len(),
        elapsed.as_secs_f64()
    );
    Ok(())
}
