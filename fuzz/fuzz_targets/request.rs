//! What a service reads from a caller, on arbitrary bytes: the input documents of the analysis actions (decoded as
//! the envelope decodes them), and a bundle unpacked at an arbitrary mount point (the first line of the input;
//! the rest is the tar). An error or a value, never a panic or a hang; an unpacked tree is mounted where asked,
//! its paths within PATH_MAX and its memory within the bound charged for it.
#![no_main]

use std::path::PathBuf;

use gofed_go::load::FileTree;
use gofed_services::bundle::{unpack, MAX_MEMORY_FACTOR, MAX_PATH, MEMORY_ALLOWANCE};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = serde_json::from_slice::<gofed_services::ApiRequest>(data) {
        // A decoded file reference is a sha256, whatever the document said.
        if let gofed_services::Source::Bundle { file, .. } = &request.source {
            assert_eq!(file.sha256.as_str().len(), 64);
            assert!(file.sha256.as_str().bytes().all(|b| b.is_ascii_hexdigit()));
        }
    }
    let _ = serde_json::from_slice::<gofed_services::ApidiffRequest>(data);
    let _ = serde_json::from_slice::<gofed_services::DepsRequest>(data);
    let _ = serde_json::from_slice::<gofed_services::DepsdiffRequest>(data);

    let (mount, tar) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let mount = PathBuf::from("/").join(String::from_utf8_lossy(mount).as_ref());
    if let Ok(tree) = unpack(tar, "fuzz", &mount) {
        assert!(mount.as_os_str().len() <= MAX_PATH);
        assert!(tree.is_dir(&mount));
        let _ = tree.read_dir(&mount);
        assert!(tree.memory_size() <= MAX_MEMORY_FACTOR * tar.len() as u64 + MEMORY_ALLOWANCE);
    }
});
