//! Building RPMs for real in tests: Debian's `rpmbuild`, found on PATH, run in a throw-away top directory.
//! Shared by the reader tests (`gofed-artifact/tests/rpm.rs`) and the CLI tests (`gofed/tests/it/artifact.rs`).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// rpmbuild, or `None` after a loud SKIP when it is not installed (a failure under `CI=true`).
pub fn rpmbuild(test: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("rpmbuild"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(
            !ci,
            "rpmbuild is not installed and CI=true: install it with `apt-get install -y rpm`"
        );
        let _ = writeln!(
            std::io::stderr(),
            "\n########## SKIP {test}: rpmbuild is not installed (apt-get install -y rpm) ##########\n"
        );
    }
    found
}

/// Runs `rpmbuild ARGS` with its top directory `top` and without the distribution's post-install scripts
/// (Debian's rpm would try to strip and byte-compile); returns the packages it wrote, sorted.
pub fn rpmbuild_in(rpmbuild: &Path, top: &Path, args: &[&str]) -> Vec<PathBuf> {
    let output = Command::new(rpmbuild)
        .arg("--define")
        .arg(format!("_topdir {}", top.display()))
        .args(["--define", "__os_install_post %{nil}"])
        .args(["--define", "_build_id_links none"])
        .arg("--nodeps")
        .args(args)
        .env("HOME", top)
        .output()
        .expect("rpmbuild runs");
    assert!(
        output.status.success(),
        "rpmbuild {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let mut built: Vec<PathBuf> = [walk(&top.join("RPMS")), walk(&top.join("SRPMS"))]
        .concat()
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rpm"))
        .collect();
    built.sort();
    built
}

/// Every file below `dir` (none when it does not exist).
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(walk(&path));
        } else {
            found.push(path);
        }
    }
    found
}
