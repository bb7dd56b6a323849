//! The RPM readers (binary and source) on arbitrary bytes, with small limits: an error or an artifact, no
//! panic, no hang; whatever is returned keeps the crate's promises (see `common/artifact.rs`).
#![no_main]

use gofed_artifact::rpm;
use libfuzzer_sys::fuzz_target;

#[path = "common/artifact.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    if let Ok(artifact) = rpm::read_rpm("fuzz.rpm", data, &common::LIMITS) {
        common::check(&artifact, &common::LIMITS, false);
        assert!(artifact.root.starts_with(rpm::GOCODE_SRC));
    }
    if let Ok(artifact) = rpm::read_srpm("fuzz.src.rpm", data, &common::LIMITS) {
        common::check(&artifact, &common::LIMITS, true);
    }
});
