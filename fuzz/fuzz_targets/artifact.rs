//! gofed-artifact's readers (tar in every compression, zip, RPM, SRPM: whatever the magic bytes say) on arbitrary
//! bytes with small limits: an error or an artifact, no panic, no hang, bounded memory; and what comes out keeps
//! the crate's promises (clean, sorted, unique paths within the limits, a root every file lies under).
#![no_main]

use gofed_artifact::{open, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits {
        max_entries: 256,
        max_file_size: 1 << 20,
        max_total_size: 4 << 20,
        max_ratio: 100,
    };
    let Ok(artifact) = open("fuzz", data, &limits) else {
        return;
    };
    let mut total = 0u64;
    let mut previous: Option<&str> = None;
    for file in &artifact.files {
        let path = file.path.as_str();
        assert!(!path.is_empty() && !path.starts_with('/') && !path.ends_with('/'), "{path:?}");
        assert!(
            path.split('/').all(|c| !c.is_empty() && c != "." && c != ".."),
            "{path:?}"
        );
        if let Some(previous) = previous {
            assert!(previous < path, "sorted and unique: {previous:?} {path:?}");
        }
        previous = Some(path);
        assert!(file.data.len() as u64 <= limits.max_file_size);
        total += file.data.len() as u64;
        if !artifact.root.is_empty() {
            assert!(path.starts_with(&format!("{}/", artifact.root)), "{path:?} under {:?}", artifact.root);
        }
    }
    assert!(total <= limits.max_total_size);
    assert!(artifact.files.len() as u64 <= limits.max_entries);
});
