//! The RPM readers (binary and source) on arbitrary bytes, with small limits: an error or an artifact, no
//! panic, no hang; whatever is returned keeps the crate's promises (clean relative paths, sorted and unique,
//! within the limits).
#![no_main]

use gofed_artifact::{rpm, Artifact, Limits};
use libfuzzer_sys::fuzz_target;

fn check(artifact: &Artifact, limits: &Limits) {
    let mut total = 0u64;
    for pair in artifact.files.windows(2) {
        assert!(pair[0].path < pair[1].path, "sorted, each path once");
    }
    for file in &artifact.files {
        assert!(!file.path.starts_with('/'), "{}", file.path);
        assert!(
            file.path.split('/').all(|c| !c.is_empty() && c != "." && c != ".."),
            "{}",
            file.path
        );
        assert!(file.data.len() as u64 <= limits.max_file_size);
        total += file.data.len() as u64;
    }
    assert!(total <= limits.max_total_size);
    assert!(artifact.files.len() as u64 <= limits.max_entries);
}

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_entries: 256,
        max_file_size: 1 << 20,
        max_total_size: 4 << 20,
        max_ratio: 100,
    };
    if let Ok(artifact) = rpm::read_rpm("fuzz.rpm", data, &limits) {
        check(&artifact, &limits);
        assert!(artifact.root.starts_with(rpm::GOCODE_SRC));
    }
    if let Ok(artifact) = rpm::read_srpm("fuzz.src.rpm", data, &limits) {
        check(&artifact, &limits);
    }
});
