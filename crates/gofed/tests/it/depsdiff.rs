//! `gofed depsdiff OLD NEW`: two versions of a module (go.mod, packages, imports, test
//! imports, vendoring), identical trees, a GOPATH tree, text output and bad input.

use std::path::Path;

use crate::common::{gofed, success_json, write};
use serde_json::{json, Value};

fn depsdiff(old: &Path, new: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["depsdiff", old.to_str().unwrap(), new.to_str().unwrap()];
    args.extend(["--format", "json"]);
    args.extend(extra);
    success_json(&gofed(&args))
}

fn depsdiff_text(old: &Path, new: &Path, extra: &[&str]) -> String {
    let mut args = vec!["depsdiff", old.to_str().unwrap(), new.to_str().unwrap()];
    args.extend(extra);
    let out = gofed(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Version 1 of a small module.
fn module_v1(root: &Path) {
    write(
        root,
        "go.mod",
        "module example.com/m

go 1.21

require (
	github.com/pkg/errors v0.8.1
	golang.org/x/net v0.1.0
	github.com/gone/dep v1.0.0
	golang.org/x/sys v0.20.0 // indirect
)

replace github.com/gone/dep => ../gone
",
    );
    write(
        root,
        "a/a.go",
        "package a

import (
	\"fmt\"

	\"example.com/m/b\"
	\"github.com/gone/dep\"
	\"github.com/pkg/errors\"
	\"golang.org/x/net/idna\"
)

var _ = fmt.Sprint(b.B, dep.X, errors.New, idna.New)
",
    );
    write(root, "b/b.go", "package b\n\nconst B = 1\n");
    write(root, "old/old.go", "package old\n");
    write(
        root,
        "cmd/tool/main.go",
        "package main\n\nimport _ \"example.com/m/a\"\n\nfunc main() {}\n",
    );
}

/// Version 2: module path /v2, requires and replaces changed, `old` removed, `newpkg` and
/// the `cmd/gen` command added, `a`'s imports changed, a test import, errors vendored.
fn module_v2(root: &Path) {
    write(
        root,
        "go.mod",
        "module example.com/m/v2

go 1.22

toolchain go1.22.3

require (
	github.com/pkg/errors v0.9.1
	golang.org/x/net v0.0.0-20200101000000-abcdefabcdef
	golang.org/x/sys v0.20.0
	github.com/stretchr/testify v1.9.0
)

replace golang.org/x/net => ../net
",
    );
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
        "a/a.go",
        "package a

import (
	\"os\"

	\"example.com/m/v2/b\"
	\"github.com/pkg/errors\"
	\"golang.org/x/net/html\"
	\"golang.org/x/sys/unix\"
)

var _ = fmt.Sprint(os.Args, b.B, errors.New, html.Parse, unix.Getpid)
",
    );
    write(
        root,
        "a/a_test.go",
        "package a_test

import (
	\"testing\"

	\"example.com/m/v2/a\"
	\"github.com/stretchr/testify/assert\"
)

func TestA(t *testing.T) { assert.True(t, a.A) }
",
    );
    write(root, "b/b.go", "package b\n\nconst B = 1\n");
    write(root, "newpkg/n.go", "package newpkg\n");
    write(
        root,
        "cmd/tool/main.go",
        "package main\n\nimport _ \"example.com/m/v2/a\"\n\nfunc main() {}\n",
    );
    write(root, "cmd/gen/main.go", "package main\n\nfunc main() {}\n");
}

fn two_versions() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("v1"), dir.path().join("v2"));
    module_v1(&old);
    module_v2(&new);
    (dir, old, new)
}

#[test]
fn module_versions() {
    let (_dir, old, new) = two_versions();
    let res = depsdiff(&old, &new, &[]);

    assert_eq!(res["old"]["import_path"], "example.com/m");
    assert_eq!(res["new"]["import_path"], "example.com/m/v2");
    assert_eq!(res["new"]["layout"], "module");
    assert_eq!(res["layout"], Value::Null);
    assert_eq!(
        res["module"],
        json!({"old": "example.com/m", "new": "example.com/m/v2"})
    );

    let go_mod = &res["go_mod"];
    assert_eq!(go_mod["present"], Value::Null);
    assert_eq!(go_mod["go"], json!({"old": "1.21", "new": "1.22"}));
    assert_eq!(go_mod["toolchain"], json!({"old": null, "new": "go1.22.3"}));
    assert_eq!(
        go_mod["require"],
        json!({
            "added": [{"path": "github.com/stretchr/testify", "version": "v1.9.0", "indirect": false}],
            "removed": [{"path": "github.com/gone/dep", "version": "v1.0.0", "indirect": false}],
            "changed": [
                {
                    "path": "github.com/pkg/errors",
                    "version": {"old": "v0.8.1", "new": "v0.9.1", "direction": "upgrade"},
                    "indirect": null
                },
                {
                    "path": "golang.org/x/net",
                    "version": {
                        "old": "v0.1.0",
                        "new": "v0.0.0-20200101000000-abcdefabcdef",
                        "direction": "downgrade"
                    },
                    "indirect": null
                },
                {
                    "path": "golang.org/x/sys",
                    "version": null,
                    "indirect": {"old": true, "new": false}
                }
            ]
        })
    );
    assert_eq!(
        go_mod["replace"],
        json!({
            "added": [{"path": "golang.org/x/net", "version": null, "target": {"kind": "dir", "path": "../net"}}],
            "removed": [{"path": "github.com/gone/dep", "version": null, "target": {"kind": "dir", "path": "../gone"}}],
            "changed": []
        })
    );
    assert_eq!(go_mod["exclude"], json!({"added": [], "removed": []}));
    assert_eq!(go_mod["tool"], json!({"added": [], "removed": []}));

    // Packages by path relative to the root: the module path change makes none new.
    assert_eq!(
        res["packages"],
        json!({
            "added": [
                {"path": "cmd/gen", "import_path": "example.com/m/v2/cmd/gen"},
                {"path": "newpkg", "import_path": "example.com/m/v2/newpkg"}
            ],
            "removed": [{"path": "old", "import_path": "example.com/m/old"}]
        })
    );
    assert_eq!(
        res["main_packages"],
        json!({
            "added": [{"path": "cmd/gen", "import_path": "example.com/m/v2/cmd/gen"}],
            "removed": []
        })
    );

    // Without --tests, testify is not a dependency; without --std, no standard library.
    let external = &res["external"];
    assert_eq!(
        external["added"],
        json!([{
            "root": "golang.org/x/sys",
            "provider": "golang.org/x/sys",
            "version": "v0.20.0",
            "vendored": false,
            "test_only": false,
            "packages": ["golang.org/x/sys/unix"],
            "used_by": ["example.com/m/v2/a"]
        }])
    );
    assert_eq!(
        external["removed"],
        json!([{
            "root": "github.com/gone/dep",
            "provider": "github.com/gone/dep",
            "version": "v1.0.0",
            "vendored": false,
            "test_only": false,
            "packages": ["github.com/gone/dep"],
            "used_by": ["example.com/m/a"]
        }])
    );
    assert_eq!(
        external["changed"],
        json!([
            {
                "root": "github.com/pkg/errors",
                "version": {"old": "v0.8.1", "new": "v0.9.1"},
                "vendored": {"old": false, "new": true},
                "test_only": null,
                "packages": {"added": [], "removed": []}
            },
            {
                "root": "golang.org/x/net",
                "version": {"old": "v0.1.0", "new": "v0.0.0-20200101000000-abcdefabcdef"},
                "vendored": null,
                "test_only": null,
                "packages": {"added": ["golang.org/x/net/html"], "removed": ["golang.org/x/net/idna"]}
            }
        ])
    );
    assert_eq!(res["standard"], json!({"added": [], "removed": []}));
    assert_eq!(res["unresolved"], json!({"added": [], "removed": []}));

    // Per package: `a` only (its import of `b` moved to /v2 but is the same package).
    assert_eq!(
        res["imports"],
        json!([{
            "path": "a",
            "import_path": "example.com/m/v2/a",
            "imports": {
                "added": ["golang.org/x/net/html", "golang.org/x/sys/unix"],
                "removed": ["github.com/gone/dep", "golang.org/x/net/idna"]
            },
            "test_imports": {"added": [], "removed": []}
        }])
    );
}

#[test]
fn tests_and_std_flags() {
    let (_dir, old, new) = two_versions();
    let res = depsdiff(&old, &new, &["--tests", "--std"]);
    let a = &res["imports"][0];
    assert_eq!(a["path"], "a");
    assert_eq!(
        a["imports"]["added"],
        json!(["golang.org/x/net/html", "golang.org/x/sys/unix", "os"])
    );
    assert_eq!(
        a["imports"]["removed"],
        json!(["fmt", "github.com/gone/dep", "golang.org/x/net/idna"])
    );
    // The external test package's import of `a` itself is the project's, not a dependency.
    assert_eq!(
        a["test_imports"]["added"],
        json!([
            "example.com/m/v2/a",
            "github.com/stretchr/testify/assert",
            "testing"
        ])
    );
    assert_eq!(
        res["standard"],
        json!({"added": ["os", "testing"], "removed": ["fmt"]})
    );
    let added: Vec<(&str, bool)> = res["external"]["added"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["root"].as_str().unwrap(),
                d["test_only"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        added,
        [
            ("github.com/stretchr/testify", true),
            ("golang.org/x/sys", false)
        ]
    );
}

#[test]
fn text_output() {
    let (_dir, old, new) = two_versions();
    let text = depsdiff_text(&old, &new, &["--tests"]);
    let expected = [
        "project:\n  import path: example.com/m -> example.com/m/v2\n",
        "go.mod:\n  go: 1.21 -> 1.22\n  toolchain: (none) -> go1.22.3\n  require:\n",
        "    + github.com/stretchr/testify v1.9.0\n",
        "    ~ github.com/pkg/errors v0.8.1 -> v0.9.1 (upgrade)\n",
        "    ~ golang.org/x/net v0.1.0 -> v0.0.0-20200101000000-abcdefabcdef (downgrade, to a pseudo-version)\n",
        "    ~ golang.org/x/sys indirect -> direct\n",
        "  replace:\n    + golang.org/x/net => ../net\n    - github.com/gone/dep => ../gone\n",
        "packages:\n  + cmd/gen (example.com/m/v2/cmd/gen)\n",
        "main packages:\n  + cmd/gen (example.com/m/v2/cmd/gen)\n",
        "external dependencies:\n  + github.com/stretchr/testify v1.9.0 (1 package, used by 1, tests only)\n      github.com/stretchr/testify/assert\n",
        "  ~ github.com/pkg/errors: v0.8.1 -> v0.9.1, not vendored -> vendored\n",
        "  ~ golang.org/x/net: v0.1.0 -> v0.0.0-20200101000000-abcdefabcdef\n      + golang.org/x/net/html\n      - golang.org/x/net/idna\n",
        "imports:\n  a (example.com/m/v2/a)\n",
        "    + github.com/stretchr/testify/assert (test)\n",
    ];
    for part in expected {
        assert!(text.contains(part), "missing {part:?} in:\n{text}");
    }
}

#[test]
fn identical_trees_give_an_empty_diff() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    module_v2(&a);
    module_v2(&b);
    let res = depsdiff(&a, &b, &["--tests", "--std"]);
    let empty = json!({"added": [], "removed": []});
    let empty3 = json!({"added": [], "removed": [], "changed": []});
    assert_eq!(res["layout"], Value::Null);
    assert_eq!(res["module"], Value::Null);
    assert_eq!(
        res["go_mod"],
        json!({
            "present": null, "go": null, "toolchain": null,
            "require": empty3, "replace": empty3, "exclude": empty, "tool": empty
        })
    );
    for key in ["packages", "main_packages", "standard", "unresolved"] {
        assert_eq!(res[key], empty, "{key}");
    }
    assert_eq!(res["external"], empty3);
    assert_eq!(res["imports"], json!([]));

    let text = depsdiff_text(&a, &b, &[]);
    assert!(text.ends_with("\n\nno dependency changes\n"), "{text}");
}

#[test]
fn gopath_tree() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old/src/github.com/o/r");
    let new = dir.path().join("new/src/github.com/o/r");
    // Old: errors vendored GOPATH-style, a local package imported.
    write(
        &old,
        "r.go",
        "package r\n\nimport (\n\t\"github.com/o/r/util\"\n\t\"github.com/pkg/errors\"\n)\n",
    );
    write(&old, "util/u.go", "package util\n");
    write(
        &old,
        "vendor/github.com/pkg/errors/errors.go",
        "package errors\n",
    );
    // New: errors no longer vendored, a new dependency, `util` renamed to `internal/util`.
    write(
        &new,
        "r.go",
        "package r\n\nimport (\n\t\"github.com/o/r/internal/util\"\n\t\"github.com/pkg/errors\"\n\t\"gopkg.in/yaml.v3\"\n)\n",
    );
    write(&new, "internal/util/u.go", "package util\n");

    let res = depsdiff(&old, &new, &[]);
    assert_eq!(res["old"]["layout"], "gopath");
    assert_eq!(res["old"]["import_path"], "github.com/o/r");
    assert_eq!(res["module"], Value::Null);
    assert_eq!(res["go_mod"]["present"], Value::Null);
    assert_eq!(
        res["packages"],
        json!({
            "added": [{"path": "internal/util", "import_path": "github.com/o/r/internal/util"}],
            "removed": [{"path": "util", "import_path": "github.com/o/r/util"}]
        })
    );
    assert_eq!(
        res["external"]["added"],
        json!([{
            "root": "gopkg.in/yaml.v3",
            "provider": "gopkg.in/yaml.v3",
            "version": null,
            "vendored": false,
            "test_only": false,
            "packages": ["gopkg.in/yaml.v3"],
            "used_by": ["github.com/o/r"]
        }])
    );
    // Unvendoring changes only the flag: the package is matched without `…/vendor/`.
    assert_eq!(
        res["external"]["changed"],
        json!([{
            "root": "github.com/pkg/errors",
            "version": null,
            "vendored": {"old": true, "new": false},
            "test_only": null,
            "packages": {"added": [], "removed": []}
        }])
    );
    assert_eq!(
        res["imports"],
        json!([{
            "path": ".",
            "import_path": "github.com/o/r",
            "imports": {
                "added": ["github.com/o/r/internal/util", "gopkg.in/yaml.v3"],
                "removed": ["github.com/o/r/util"]
            },
            "test_imports": {"added": [], "removed": []}
        }])
    );
}

#[test]
fn gopath_to_module() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("gopath/src/github.com/o/r");
    let new = dir.path().join("module");
    write(
        &old,
        "r.go",
        "package r\n\nimport \"github.com/pkg/errors\"\n",
    );
    write(
        &new,
        "go.mod",
        "module github.com/o/r\n\ngo 1.22\n\nrequire github.com/pkg/errors v0.9.1\n",
    );
    write(
        &new,
        "r.go",
        "package r\n\nimport \"github.com/pkg/errors\"\n",
    );
    let res = depsdiff(&old, &new, &[]);
    assert_eq!(res["layout"], json!({"old": "gopath", "new": "module"}));
    assert_eq!(res["module"], Value::Null);
    assert_eq!(res["go_mod"]["present"], json!({"old": false, "new": true}));
    assert_eq!(res["go_mod"]["go"], json!({"old": null, "new": "1.22"}));
    assert_eq!(res["packages"], json!({"added": [], "removed": []}));
    assert_eq!(
        res["external"]["changed"][0]["version"],
        json!({"old": null, "new": "v0.9.1"})
    );
    assert_eq!(res["imports"], json!([]));
}

#[test]
fn bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let module = dir.path().join("m");
    module_v1(&module);
    let m = module.to_str().unwrap();

    let missing = dir.path().join("nonexistent");
    let missing = missing.to_str().unwrap();
    for args in [["depsdiff", missing, m], ["depsdiff", m, missing]] {
        let out = gofed(&args);
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!("{missing}: no such file or directory")),
            "{stderr}"
        );
        assert!(out.stdout.is_empty());
    }
    let out = gofed(&["depsdiff", missing, m]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("loading the old version"));

    let no_go = dir.path().join("docs");
    write(&no_go, "README.md", "# not Go\n");
    let out = gofed(&["depsdiff", m, no_go.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("loading the new version") && stderr.contains("no Go packages found"),
        "{stderr}"
    );

    // A file that is no archive is not a tree: the error names it.
    let file = no_go.join("README.md");
    let file = file.to_str().unwrap();
    let out = gofed(&["depsdiff", file, m]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(file) && stderr.contains("unrecognised content"),
        "{stderr}"
    );
}
