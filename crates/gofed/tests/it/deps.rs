//! `gofed deps` on a module tree: main packages, vendored and external dependencies with
//! go.mod versions, internal visibility, unresolved imports, test imports, platforms.

use std::path::Path;

use crate::common::{gofed, success_json, write};

/// `gofed deps DIR --format json -e EXTRA`: the tree has a package with an error on purpose (an `internal` import
/// from outside its parent), which without `-e` fails the run.
fn deps(dir: &Path, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["deps", dir.to_str().unwrap(), "--format", "json", "-e"];
    args.extend(extra);
    success_json(&gofed(&args))
}

fn module() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "go.mod", "module example.com/m\n\ngo 1.22\n\nrequire (\n\tgithub.com/pkg/errors v0.9.1\n\tgithub.com/stretchr/testify v1.9.0\n\tgolang.org/x/sys v0.20.0 // indirect\n)\n");
    write(
        root,
        "vendor/modules.txt",
        "# github.com/pkg/errors v0.9.1\n## explicit\ngithub.com/pkg/errors\n",
    );
    write(
        root,
        "vendor/github.com/pkg/errors/errors.go",
        "package errors\n",
    );
    write(
        root,
        "cmd/tool/main.go",
        "package main\n\nimport (\n\t\"fmt\"\n\t\"example.com/m/internal/x\"\n\t\"github.com/pkg/errors\"\n\t\"notstd/pkg\"\n)\n\nfunc main() { fmt.Println(x.X, errors.New) }\n",
    );
    write(
        root,
        "cmd/tool/main_windows.go",
        "package main\n\nimport \"golang.org/x/sys/windows\"\n\nvar _ = windows.Handle(0)\n",
    );
    write(root, "cmd/tool/main_test.go", "package main\n\nimport (\n\t\"testing\"\n\t\"github.com/stretchr/testify/assert\"\n)\n\nfunc TestX(t *testing.T) { assert.True(t, true) }\n");
    write(root, "internal/x/x.go", "package x\n\nconst X = 1\n");
    write(root, "cmd/tool/internal/y/y.go", "package y\n");
    write(
        root,
        "other/o.go",
        "package other\n\nimport _ \"example.com/m/cmd/tool/internal/y\"\n",
    );
    dir
}

fn package<'a>(report: &'a serde_json::Value, path: &str) -> &'a serde_json::Value {
    report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["ImportPath"] == path)
        .unwrap()
}

fn external_roots(report: &serde_json::Value) -> Vec<String> {
    report["external"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["root"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn module_dependencies() {
    let dir = module();
    let report = deps(dir.path(), &[]);
    let tool = package(&report, "example.com/m/cmd/tool");
    assert_eq!(tool["Main"], true);
    assert_eq!(
        tool["Imports"],
        serde_json::json!([
            "example.com/m/internal/x",
            "github.com/pkg/errors",
            "notstd/pkg"
        ])
    );
    assert!(tool.get("TestImports").is_none(), "tests only with --tests");

    assert_eq!(external_roots(&report), ["github.com/pkg/errors"]);
    let errors = &report["external"][0];
    assert_eq!(errors["version"], "v0.9.1");
    assert_eq!(errors["vendored"], true);
    assert_eq!(report["unresolved"][0]["import"], "notstd/pkg");

    let other = package(&report, "example.com/m/other");
    assert_eq!(
        other["ImportErrors"],
        serde_json::json!([
            "use of internal package example.com/m/cmd/tool/internal/y not allowed"
        ])
    );

    // Without -e the error fails the run, as `go list` without -e: the error alone, on stderr.
    let out = gofed(&["deps", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "package example.com/m/other: use of internal package example.com/m/cmd/tool/internal/y not allowed\n"
    );
}

#[test]
fn tests_std_and_platforms() {
    let dir = module();
    let report = deps(dir.path(), &["--tests", "--std"]);
    let tool = package(&report, "example.com/m/cmd/tool");
    assert_eq!(tool["Imports"][0], "example.com/m/internal/x");
    assert!(tool["Imports"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("fmt")));
    assert_eq!(
        tool["TestImports"],
        serde_json::json!(["github.com/stretchr/testify/assert", "testing"])
    );
    let testify = report["external"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["root"] == "github.com/stretchr/testify")
        .unwrap();
    assert_eq!(testify["test_only"], true);

    // windows-only imports appear for windows and for the union of all platforms.
    let windows = deps(dir.path(), &["--goos", "windows"]);
    assert!(external_roots(&windows).contains(&"golang.org/x/sys".to_owned()));
    assert_eq!(
        windows["external"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["root"] == "golang.org/x/sys")
            .unwrap()["version"],
        "v0.20.0"
    );
    let all = deps(dir.path(), &["--all-platforms"]);
    assert!(external_roots(&all).contains(&"golang.org/x/sys".to_owned()));
    let linux = deps(dir.path(), &[]);
    assert!(!external_roots(&linux).contains(&"golang.org/x/sys".to_owned()));
}
