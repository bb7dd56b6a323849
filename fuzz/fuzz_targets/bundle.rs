//! The bundle reader (a tar uploaded by a client, read into memory) on arbitrary bytes: an error
//! or a tree, no panic, no hang; every file lands below the mount point.
#![no_main]

use std::path::Path;

use gofed_go::load::FileTree;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mount = Path::new("/mount");
    if let Ok(tree) = gofed_services::bundle::unpack(data, "fuzz", mount) {
        // The mount point is always a directory, whatever the archive held.
        assert!(tree.is_dir(mount));
        let _ = tree.read_dir(mount);
    }
});
