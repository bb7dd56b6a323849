//! Helpers shared by the integration tests of the `gofed` binary.

// Each test file is a crate of its own and uses only some of these.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// The binary under test.
pub const GOFED: &str = env!("CARGO_BIN_EXE_gofed");

/// Runs `gofed ARGS` to completion.
pub fn gofed(args: &[&str]) -> Output {
    Command::new(GOFED).args(args).output().expect("run gofed")
}

/// The stdout of a run that must have succeeded, parsed as JSON.
pub fn success_json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

/// Writes `content` to `dir/name`, creating the directories on the way.
pub fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().expect("a file has a parent")).expect("create dirs");
    std::fs::write(path, content).expect("write file");
}
pub mod system;

/// An HTTP client (reqwest needs the process's TLS provider installed before it builds one).
pub fn http_client() -> reqwest::Client {
    gofed_registry::tls::client_builder()
        .build()
        .expect("an HTTP client")
}
