//! gofed-artifact's readers (tar in every compression, zip, RPM, SRPM: whatever the magic bytes say) on arbitrary
//! bytes with small limits: an error or an artifact, no panic, no hang, bounded memory; and what comes out keeps
//! the crate's promises (see `common/artifact.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common/artifact.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    if let Ok(artifact) = gofed_artifact::open("fuzz", data, &common::LIMITS) {
        let rooted = artifact.kind != Some(gofed_artifact::Kind::Rpm);
        common::check(&artifact, &common::LIMITS, rooted);
    }
});
