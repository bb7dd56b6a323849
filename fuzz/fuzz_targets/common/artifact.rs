//! What every artifact reader promises, checked on whatever a fuzz target's input produced: clean relative
//! paths, sorted and each once, within the limits; files under the root when the caller says they lie there
//! (see [`check`]).

use gofed_artifact::{Artifact, Limits};

/// Small limits, so that a fuzzer reaches them.
pub const LIMITS: Limits = Limits {
    max_entries: 256,
    max_file_size: 1 << 20,
    max_total_size: 4 << 20,
    max_ratio: 100,
};

/// `rooted`: every file lies under the root (not so for an RPM, whose root is one directory among the
/// package's other files).
pub fn check(artifact: &Artifact, limits: &Limits, rooted: bool) {
    let mut total = 0u64;
    for pair in artifact.files.windows(2) {
        assert!(pair[0].path < pair[1].path, "sorted and unique: {:?} {:?}", pair[0].path, pair[1].path);
    }
    for file in &artifact.files {
        let path = file.path.as_str();
        assert!(!path.is_empty() && !path.starts_with('/') && !path.ends_with('/'), "{path:?}");
        assert!(path.split('/').all(|c| !c.is_empty() && c != "." && c != ".."), "{path:?}");
        assert!(file.data.len() as u64 <= limits.max_file_size);
        total += file.data.len() as u64;
        if rooted && !artifact.root.is_empty() {
            assert!(path.starts_with(&format!("{}/", artifact.root)), "{path:?} under {:?}", artifact.root);
        }
    }
    assert!(total <= limits.max_total_size);
    assert!(artifact.files.len() as u64 <= limits.max_entries);
}
