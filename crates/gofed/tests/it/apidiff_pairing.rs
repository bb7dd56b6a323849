//! `gofed apidiff` never answers "no API change" for something it did not compare (issue 18): --package names a
//! package of the trees (an import path or a directory as go users write it), packages are paired by import path
//! whatever directory each version was given as, a changed module path is said first, and --base-version is a
//! canonical semantic version.

use crate::common;
use std::path::Path;
use std::process::{Output, Stdio};

use crate::common::write;

fn run(args: &[&str]) -> Output {
    common::gofed_command()
        .args(args)
        .stdin(Stdio::null())
        .env_remove("GOROOT")
        .env_remove("GOOS")
        .env_remove("GOARCH")
        .env_remove("GOFED_PLACEMENT")
        .env_remove("GOFED_CONFIG")
        .output()
        .expect("run gofed")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A module `path` with a root package and `sub`; `root_api` and `sub_api` are their declarations.
fn module(dir: &Path, path: &str, root_api: &str, sub_api: &str) {
    write(dir, "go.mod", format!("module {path}\n\ngo 1.22\n"));
    write(dir, "root.go", format!("package root\n\n{root_api}\n"));
    write(dir, "sub/sub.go", format!("package sub\n\n{sub_api}\n"));
    write(dir, "cmd/tool/main.go", "package main\n\nfunc main() {}\n");
}

/// v1 and v2 of example.com/m: the root package is unchanged, `sub` lost `Old` (incompatible).
fn versions(dir: &Path) -> (String, String) {
    let (v1, v2) = (dir.join("v1"), dir.join("v2"));
    module(
        &v1,
        "example.com/m",
        "func R() {}",
        "func Old() {}\n\nfunc Kept() {}",
    );
    module(&v2, "example.com/m", "func R() {}", "func Kept() {}");
    (
        v1.to_str().expect("utf-8").to_owned(),
        v2.to_str().expect("utf-8").to_owned(),
    )
}

#[test]
fn a_package_in_neither_tree_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (v1, v2) = versions(dir.path());
    for package in [
        "nosuch",
        "./nosuch",
        "example.com/m/nosuch",
        "example.com/other",
    ] {
        let out = run(&["apidiff", &v1, &v2, "--package", package]);
        assert_eq!(out.status.code(), Some(2), "{package}: {}", stdout(&out));
        assert_eq!(stdout(&out), "", "{package}");
        assert_eq!(
            stderr(&out),
            format!(
                "gofed: error: package {package:?} is in neither version (old {v1}, new {v2})\n"
            ),
        );
    }
    // A command has no API: said so, not "no API change".
    let out = run(&["apidiff", &v1, &v2, "--package", "./cmd/tool"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "gofed: error: package example.com/m/cmd/tool has no API to compare (a command or an internal package)\n"
    );
}

#[test]
fn a_package_is_named_as_go_users_write_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (v1, v2) = versions(dir.path());
    let whole = run(&["apidiff", &v1, &v2, "--format", "lines"]);
    assert_eq!(whole.status.code(), Some(1), "{}", stderr(&whole));
    assert_eq!(stdout(&whole), "pkg example.com/m/sub, i Old: removed\n");
    for package in ["./sub", "sub", "sub/", "./sub/", "example.com/m/sub"] {
        let out = run(&["apidiff", &v1, &v2, "--package", package]);
        assert_eq!(out.status.code(), Some(1), "{package}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(
            text.starts_with("example.com/m/sub\n") && text.contains("Old: removed"),
            "{package}: {text}"
        );
        assert!(
            text.ends_with("verdict: incompatible changes: a major version bump\n"),
            "{text}"
        );
    }
    // One package named: apidiff's single-package lines, without `pkg P, `.
    let out = run(&[
        "apidiff",
        &v1,
        &v2,
        "--package",
        "./sub",
        "--format",
        "lines",
    ]);
    assert_eq!(
        (out.status.code(), stdout(&out)),
        (Some(1), "i Old: removed\n".to_owned())
    );
    // The root package alone did not change.
    for package in [".", "./", "example.com/m"] {
        let out = run(&["apidiff", &v1, &v2, "--package", package]);
        assert_eq!(out.status.code(), Some(0), "{package}: {}", stderr(&out));
        assert_eq!(stdout(&out), "\nverdict: no API change: a patch release\n");
    }
}

#[test]
fn packages_pair_by_import_path_whatever_directory_is_given() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (v1, v2) = versions(dir.path());
    // The old version given as its `sub` directory: sub is compared with sub, not with the root package, and
    // the new version's other packages are not "added".
    let out = run(&["apidiff", &format!("{v1}/sub"), &v2]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "comparing example.com/m/sub and the packages below it (one version was given as that directory)\n\
         \n\
         example.com/m/sub\n  Incompatible changes:\n  - Old: removed\n\
         \n\
         verdict: incompatible changes: a major version bump\n"
    );
    let out = run(&["apidiff", &v1, &format!("{v2}/sub"), "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["scope"], "example.com/m/sub");
    assert_eq!(json["added_packages"], serde_json::json!([]));
    assert_eq!(json["removed_packages"], serde_json::json!([]));
    assert_eq!(json["changed_packages"][0]["path"], "example.com/m/sub");
    assert!(json.get("module_path_changed").is_none(), "{json:#}");
}

#[test]
fn gopath_trees_pair_by_import_path_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (gopath, sub) in [
        ("gp1", "func Old() {}\n\nfunc Kept() {}"),
        ("gp2", "func Kept() {}"),
    ] {
        let project = dir.path().join(gopath).join("src/github.com/a/b");
        write(&project, "b.go", "package b\n\nfunc R() {}\n");
        write(&project, "sub/sub.go", format!("package sub\n\n{sub}\n"));
    }
    let (old, new) = (
        dir.path().join("gp1/src/github.com/a/b/sub"),
        dir.path().join("gp2/src/github.com/a/b"),
    );
    let out = run(&[
        "apidiff",
        old.to_str().expect("utf-8"),
        new.to_str().expect("utf-8"),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["scope"], "github.com/a/b/sub");
    assert_eq!(json["changed_packages"][0]["path"], "github.com/a/b/sub");
    assert_eq!(json["added_packages"], serde_json::json!([]));
}

#[test]
fn a_changed_module_path_is_said_first() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    module(&a, "example.com/a", "func R() {}", "func S() {}");
    module(
        &b,
        "example.com/b",
        "func R() {}\n\nfunc New() {}",
        "func S() {}",
    );
    let (a, b) = (a.to_str().expect("utf-8"), b.to_str().expect("utf-8"));
    let out = run(&["apidiff", a, b, "--base-version", "v1.2.3"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(
            "module path changed: example.com/a (old), example.com/b (new); packages are paired by their path within the module\n"
        ),
        "{text}"
    );
    // Paired by path within the module: the root packages are compared, nothing is "removed".
    assert!(text.contains("example.com/b\n"), "{text}");
    assert!(text.contains("New: added"), "{text}");
    assert!(!text.contains("package removed"), "{text}");
    // gorelease suggests no version across module paths.
    assert!(!text.contains("suggested version"), "{text}");
    let out = run(&["apidiff", a, b, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        json["module_path_changed"],
        serde_json::json!({"old": "example.com/a", "new": "example.com/b"})
    );
    // The same module path says nothing of it.
    let (v1, v2) = versions(dir.path());
    let out = run(&["apidiff", &v1, &v2]);
    assert!(!stdout(&out).contains("module path"), "{}", stdout(&out));
}

#[test]
fn the_base_version_is_a_canonical_semantic_version() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    module(&a, "example.com/m", "func R() {}", "func S() {}");
    module(
        &b,
        "example.com/m",
        "func R() {}\n\nfunc New() {}",
        "func S() {}",
    );
    let (a, b) = (a.to_str().expect("utf-8"), b.to_str().expect("utf-8"));
    for (version, hint) in [
        ("banana", ", e.g. v1.4.2"),
        ("1.4.2", "; did you mean v1.4.2?"),
        ("v1.4", "; did you mean v1.4.0?"),
        ("v1", "; did you mean v1.0.0?"),
        ("v1.4.2+build.1", "; did you mean v1.4.2?"),
        ("v01.4.2", ", e.g. v1.4.2"),
        ("", ", e.g. v1.4.2"),
    ] {
        let out = run(&["apidiff", a, b, "--base-version", version]);
        assert_eq!(out.status.code(), Some(2), "{version}: {}", stdout(&out));
        assert_eq!(
            stderr(&out),
            format!(
                "gofed: error: base version {version:?} is not a canonical semantic version (vMAJOR.MINOR.PATCH{hint})\n"
            )
        );
        assert_eq!(stdout(&out), "");
    }
    for (version, next) in [("v1.4.2", "v1.5.0"), ("v0.3.1", "v0.4.0")] {
        let out = run(&["apidiff", a, b, "--base-version", version]);
        assert_eq!(out.status.code(), Some(0), "{version}: {}", stderr(&out));
        assert!(
            stdout(&out).ends_with(&format!(
                "verdict: compatible additions: a minor version bump\nsuggested version: {next}\n"
            )),
            "{version}: {}",
            stdout(&out)
        );
    }
}
