//! `gofed impact OLD NEW DEPENDENT...` (issue #15) against the Go compiler: a library is mutated
//! one API change at a time, and for every (mutation, dependent) pair gofed's verdict is compared
//! with `go build` of the dependent against the new version (Go 1.27.3, module mode, offline):
//! - a dependent gofed calls `breaks` fails to build (precision), and every use it calls
//!   breaking is on a line the compiler reports (precision per use);
//! - a dependent that fails to build is called `breaks` (none of these changes leaves it
//!   `unchecked`), and every line the compiler reports an error on holds a use gofed reported
//!   (recall, per line: the compiler may point at the value of `A: 1` where gofed points at the
//!   key);
//! - a dependent gofed calls `safe` builds.
//!
//! Skipped loudly without the go command, a failure under `CI=true`.

use std::path::Path;

use crate::common;
use crate::common::{offline_go, real_go, write};

const LIB: &str = "package lib

type T struct {
	A int
	B string
}

func (T) M() int { return 0 }

func (*T) P() {}

func F(x int) int { return 0 }

func G() {}

func Gen[E any](x int, e E) E { return e }

type I interface{ Do() }

const C = 1

var V T

type Inner struct{ N int }

type Outer struct{ Inner }
";

/// (name, what the new version replaces, by what).
const MUTATIONS: &[(&str, &str, &str)] = &[
    ("remove func", "func F(x int) int { return 0 }\n", ""),
    ("param type", "func F(x int)", "func F(x string)"),
    // Calls with constants still compile.
    ("param widened", "func F(x int)", "func F(x int64)"),
    ("param added", "func F(x int)", "func F(x, y int)"),
    // The number of arguments of a generic function's calls is checked without inferring its
    // type arguments.
    (
        "generic param added",
        "func Gen[E any](x int, e E)",
        "func Gen[E any](x, y int, e E)",
    ),
    ("result type", "func F(x int) int", "func F(x int) int64"),
    ("remove method", "func (T) M() int { return 0 }\n", ""),
    ("remove pointer method", "func (*T) P() {}\n", ""),
    ("remove field", "\tB string\n", ""),
    // Compatible for apidiff; unkeyed literals stop compiling.
    ("field added", "\tB string\n", "\tB string\n\tC bool\n"),
    // Not in the API at all: unkeyed literals stop compiling too.
    (
        "unexported field added",
        "\tB string\n",
        "\tB string\n\tc bool\n",
    ),
    ("field type", "\tA int\n", "\tA string\n"),
    (
        "interface method added",
        "type I interface{ Do() }",
        "type I interface {\n\tDo()\n\tUndo()\n}",
    ),
    ("var to pointer", "var V T", "var V *T"),
    ("remove type", "type Outer struct{ Inner }\n", ""),
    ("constant value", "const C = 1", "const C = 2"),
    // Operations with typed operands of another type stop compiling; with untyped ones, or
    // comparisons, they do not.
    ("constant typed", "const C = 1", "const C uint64 = 1"),
    (
        "embedding removed",
        "type Outer struct{ Inner }",
        "type Outer struct{ Inner *Inner }",
    ),
    // Type arguments inferred from the calls must now be comparable.
    (
        "constraint tightened",
        "func Gen[E any](x int, e E) E",
        "func Gen[E comparable](x int, e E) E",
    ),
    // An equivalent type under another name: apidiff calls it incompatible, the uses compile.
    (
        "identity changed",
        "type Inner struct{ N int }",
        "type Inner = inner\n\ntype inner struct{ N int }",
    ),
];

/// (name, body of the dependent's file after `import "example.com/lib"`).
const DEPENDENTS: &[(&str, &str)] = &[
    (
        "fields",
        "func Fields(t lib.T) string {\n\t_ = lib.T{A: 1, B: \"x\"}\n\treturn t.B\n}\n",
    ),
    (
        "methods",
        "func Methods(t lib.T) int {\n\t(&t).P()\n\treturn t.M()\n}\n",
    ),
    (
        "funcs",
        "func Funcs() int {\n\tlib.G()\n\t_ = lib.Gen(1, \"s\")\n\treturn lib.F(1)\n}\n",
    ),
    (
        "implements",
        "type impl struct{}\n\nfunc (impl) Do() {}\n\nvar _ lib.I = impl{}\n",
    ),
    (
        "vars",
        "func Vars() lib.T {\n\tvar t lib.T = lib.V\n\treturn t\n}\n",
    ),
    (
        "promoted",
        "func Promoted(o lib.Outer) int { return o.N }\n",
    ),
    // A value passed as the interface on a line of its own: the compiler points at the value.
    (
        "passes",
        "type impl struct{}\n\nfunc (impl) Do() {}\n\nfunc take(lib.I) {}\n\nfunc Passes() {\n\ttake(\n\t\timpl{},\n\t)\n}\n",
    ),
    // Types that keep implementing an interface that gains Undo: one has it already, one embeds
    // the interface.
    (
        "hasmethod",
        "type both struct{}\n\nfunc (both) Do() {}\n\nfunc (both) Undo() {}\n\nvar _ lib.I = both{}\n",
    ),
    (
        "embeds",
        "type wrap struct{ lib.I }\n\nfunc Embeds(w wrap) lib.I { return w }\n",
    ),
    // The dependent's own interface embeds the library's.
    (
        "ownface",
        "type mine interface{ lib.I }\n\ntype impl struct{}\n\nfunc (impl) Do() {}\n\nvar _ mine = impl{}\n",
    ),
    // Calls checked against the new signature, a field's and a variable's value passed as `any`:
    // they compile whatever their type; the compiler
    // points at the argument or at the closing parenthesis, lines below the call's name.
    (
        "calls",
        "func show(...any) {}\n\nfunc Calls(t lib.T) {\n\tshow(t.A, lib.V)\n\tlib.F(\n\t\t2,\n\t)\n}\n",
    ),
    // The dependent's type implements its own interface with a method promoted from the
    // library's type.
    (
        "promotes",
        "type hasM interface{ M() int }\n\ntype mine struct{ lib.T }\n\nvar _ hasM = mine{}\n",
    ),
    // The library's values used as interfaces that are not the library's (its methods are what
    // they implement them with), a field's value assigned and converted, a variable's members.
    (
        "values",
        "type hasM interface{ M() int }\n\nvar _ hasM = lib.V\n\nfunc Values(t *lib.T) interface{ P() } { return t }\n\nfunc Count(t lib.T) int {\n\tvar n int = t.A\n\t_ = lib.V.A\n\t_ = lib.V.M()\n\treturn n +\n\t\tint(t.A)\n}\n",
    ),
    // Unkeyed literals, one spread over lines: the compiler points at the closing brace for too
    // few values, at the extra value for too many, at a value of the wrong type.
    (
        "unkeyed",
        "var t = lib.T{1, \"x\"}\n\nfunc Unkeyed() []lib.T {\n\treturn []lib.T{\n\t\t{\n\t\t\t2,\n\t\t\t\"y\",\n\t\t},\n\t}\n}\n",
    ),
    // A function kept in a variable: the compiler reports the variable's calls, not where it
    // is defined.
    (
        "kept",
        "func Kept() int {\n\tf := lib.F\n\tf(1)\n\treturn f(\n\t\t2,\n\t)\n}\n",
    ),
    // A constant in binary operations (a shift's operands need not match) and converted.
    (
        "consts",
        "func Consts(n int, d int64) (int, bool) {\n\tx := n + lib.C\n\t_ = lib.C + 1\n\t_ = d * lib.C\n\t_ = int(lib.C)\n\t_ = n << lib.C\n\treturn x, lib.C == 2\n}\n",
    ),
    // A generic function's type argument inferred from a typed value, an untyped constant, a
    // variable.
    (
        "generic",
        "func Generic(m map[string]int) {\n\t_ = lib.Gen(1, []int{1})\n\t_ = lib.Gen(2, 1.5)\n\t_ = lib.Gen(3, m)\n}\n",
    ),
    ("safe", "func Safe() { lib.G() }\n"),
];

fn library(dir: &Path, src: &str) {
    write(dir, "go.mod", "module example.com/lib\n\ngo 1.22\n");
    write(dir, "lib.go", src);
}

/// A dependent module requiring example.com/lib from `lib_dir`.
fn dependent(dir: &Path, name: &str, body: &str, lib_dir: &Path) {
    write(
        dir,
        "go.mod",
        format!(
            "module example.com/{name}\n\ngo 1.22\n\nrequire example.com/lib v0.0.0\n\nreplace example.com/lib => {}\n",
            lib_dir.display()
        ),
    );
    write(
        dir,
        &format!("{name}.go"),
        format!("package {name}\n\nimport \"example.com/lib\"\n\n{body}"),
    );
}

/// `go build ./...` in `dir`: the lines (of the dependent's file) the compiler reports errors on.
fn compile_errors(go: &Path, dir: &Path, scratch: &Path) -> Vec<u32> {
    let out = offline_go(go, dir, scratch, &["build", "-mod=mod", "./..."]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<u32> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("./"))
        .filter_map(|l| l.split(':').nth(1)?.parse().ok())
        .collect();
    assert_eq!(
        out.status.success(),
        lines.is_empty(),
        "go build in {}: {stderr}",
        dir.display()
    );
    lines
}

#[test]
fn verdicts_agree_with_the_compiler_on_every_mutation() {
    let Some(go) = real_go("impact against the compiler") else {
        return;
    };
    let scratch = tempfile::tempdir().expect("temp dir");
    let root = scratch.path();
    let old = root.join("old");
    library(&old, LIB);
    // Every dependent builds against the old version.
    let mut dirs = Vec::new();
    for (name, body) in DEPENDENTS {
        let dir = root.join("old-deps").join(name);
        dependent(&dir, name, body, &old);
        assert_eq!(
            compile_errors(&go, &dir, root),
            Vec::<u32>::new(),
            "{name} against the old version"
        );
        dirs.push(dir);
    }
    let mut pairs = 0;
    let mut breaking_pairs = 0;
    for (mutation, from, to) in MUTATIONS {
        assert!(LIB.contains(from), "{mutation}");
        let new = root.join("new").join(mutation.replace(' ', "-"));
        library(&new, &LIB.replacen(from, to, 1));
        let mut args: Vec<&str> = vec!["impact", "--format", "json"];
        let (old_s, new_s) = (old.to_str().expect("utf-8"), new.to_str().expect("utf-8"));
        args.extend([old_s, new_s]);
        args.extend(dirs.iter().map(|d| d.to_str().expect("utf-8")));
        let out = common::gofed_command()
            .args(&args)
            .env_remove("GOROOT")
            .env_remove("GOFED_PLACEMENT")
            .output()
            .expect("run gofed");
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!("{mutation}: {e}: {}", String::from_utf8_lossy(&out.stderr))
        });
        let dependents = doc["dependents"].as_array().expect("dependents");
        assert_eq!(dependents.len(), DEPENDENTS.len());
        let mut any_breaks = false;
        for (((name, body), report), old_dir) in DEPENDENTS.iter().zip(dependents).zip(&dirs) {
            // The same dependent, built against the new version.
            let dir = new.with_extension("deps").join(name);
            dependent(&dir, name, body, &new);
            let errors = compile_errors(&go, &dir, root);
            let verdict = report["verdict"].as_str().expect("verdict");
            let hit_lines: Vec<u32> = report["hits"]
                .as_array()
                .expect("hits")
                .iter()
                .filter_map(|h| h["position"].as_str()?.split(':').nth(1)?.parse().ok())
                .collect();
            let what = format!("{mutation} / {name}: verdict {verdict}, compiler errors on lines {errors:?}, hits on {hit_lines:?}");
            assert!(report["source"].as_str() == old_dir.to_str(), "{what}");
            pairs += 1;
            if errors.is_empty() {
                assert_ne!(verdict, "breaks", "precision: {what}");
            } else {
                breaking_pairs += 1;
                // Every change of this library that breaks a build is decided per use.
                assert_eq!(verdict, "breaks", "recall: {what}");
                for line in &errors {
                    assert!(hit_lines.contains(line), "recall of line {line}: {what}");
                }
                // And per use: every use called breaking is on a line the compiler reports.
                let breaking_lines = report["hits"]
                    .as_array()
                    .expect("hits")
                    .iter()
                    .filter(|h| h["effect"] == "breaks")
                    .filter_map(|h| h["position"].as_str()?.split(':').nth(1)?.parse().ok());
                for line in breaking_lines {
                    assert!(errors.contains(&line), "precision of line {line}: {what}");
                }
            }
            any_breaks |= verdict == "breaks";
        }
        assert_eq!(
            out.status.code(),
            Some(i32::from(any_breaks)),
            "{mutation}: exit status"
        );
    }
    assert_eq!(pairs, MUTATIONS.len() * DEPENDENTS.len());
    // The corpus exercises both outcomes.
    assert!(
        breaking_pairs > 5 && breaking_pairs < pairs,
        "{breaking_pairs} of {pairs}"
    );
}

#[test]
fn text_output_names_each_breaking_use() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let root = scratch.path();
    let (old, new) = (root.join("old"), root.join("new"));
    library(&old, LIB);
    library(&new, &LIB.replacen("\tB string\n", "", 1));
    let (fields, safe) = (root.join("fields"), root.join("safe"));
    dependent(&fields, "fields", DEPENDENTS[0].1, &old);
    dependent(&safe, "safe", "func Safe() { lib.G() }\n", &old);
    let p = |d: &Path| d.to_str().expect("utf-8").to_owned();
    let out = common::gofed_command()
        .args(["impact", &p(&old), &p(&new), &p(&fields), &p(&safe)])
        .env_remove("GOROOT")
        .env_remove("GOFED_PLACEMENT")
        .output()
        .expect("run gofed");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "Incompatible changes:\n- example.com/lib: T.B: removed\n\n{}: breaks (2 uses)\n  \
             fields.go:6:18: breaks: example.com/lib: T.B: removed\n    _ = lib.T{{A: 1, B: \"x\"}}\n  \
             fields.go:7:11: breaks: example.com/lib: T.B: removed\n    return t.B\n\n{}: safe\n",
            p(&fields),
            p(&safe)
        )
    );
}

/// A git repository at `dir` whose successive commits hold `versions` (file name and source), each tagged.
fn tagged_repo(dir: &Path, module: &str, versions: &[(&str, &str, &str)]) {
    std::fs::create_dir_all(dir).expect("mkdir");
    common::git(dir, &["init", "-q", "-b", "main"]);
    write(dir, "go.mod", format!("module {module}\n\ngo 1.22\n"));
    for (tag, file, src) in versions {
        write(dir, file, *src);
        common::git(dir, &["add", "-A"]);
        common::git(dir, &["commit", "-q", "-m", tag]);
        common::git(dir, &["tag", tag]);
    }
}

/// `gofed impact` of the stored example.com/lib v1.0.0 → v1.1.0 against the store's dependents, as JSON.
const STORED_IMPACT: [&str; 6] = [
    "impact",
    "example.com/lib@v1.0.0",
    "example.com/lib@v1.1.0",
    "--dependents-from-store",
    "--format",
    "json",
];

/// The repository `root/lib` of example.com/lib: `LIB` tagged v1.0.0, then v1.1.0 without `F`.
fn tagged_lib(root: &Path) -> std::path::PathBuf {
    let lib = root.join("lib");
    tagged_repo(
        &lib,
        "example.com/lib",
        &[
            ("v1.0.0", "lib.go", LIB),
            (
                "v1.1.0",
                "lib.go",
                &LIB.replacen("func F(x int) int { return 0 }\n", "", 1),
            ),
        ],
    );
    lib
}

#[test]
fn dependents_from_the_store_are_its_projects_that_import_the_library() {
    let scratch = tempfile::tempdir().expect("temp dir");
    let root = scratch.path();
    let store = format!("sqlite:{}", root.join("store").display());
    let lib = tagged_lib(root);
    let dependent = |name: &str, body: &str| {
        let dir = root.join(name);
        let src = format!("package {name}\n\nimport \"example.com/lib\"\n\n{body}");
        tagged_repo(
            &dir,
            &format!("example.com/{name}"),
            &[("v0.1.0", &format!("{name}.go"), &src)],
        );
        dir
    };
    let funcs = dependent("funcs", DEPENDENTS[2].1);
    let safe = dependent("safe", "func Safe() { lib.G() }\n");
    // Another project of the store that does not import the library.
    let other = root.join("other");
    tagged_repo(
        &other,
        "example.com/other",
        &[(
            "v0.1.0",
            "other.go",
            "package other\n\nimport \"strings\"\n\nvar _ = strings.ToUpper\n",
        )],
    );
    let p = |d: &Path| d.to_str().expect("utf-8").to_owned();
    let scan = common::gofed_with_store(
        &store,
        &[
            "scan",
            &p(&lib),
            &p(&funcs),
            &p(&safe),
            &p(&other),
            "--action",
            "deps",
        ],
    );
    assert!(
        scan.status.success(),
        "scan: {}",
        String::from_utf8_lossy(&scan.stderr)
    );

    let out = common::gofed_with_store(&store, &STORED_IMPACT);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(out.status.code(), Some(1), "{doc}");
    let verdicts: Vec<(&str, &str)> = doc["dependents"]
        .as_array()
        .expect("dependents")
        .iter()
        .map(|d| {
            (
                d["source"].as_str().unwrap_or(""),
                d["verdict"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        [
            ("example.com/funcs@v0.1.0", "breaks"),
            ("example.com/safe@v0.1.0", "safe")
        ],
        "{doc}"
    );
    assert_eq!(doc["changes"][0]["message"], "F: removed", "{doc}");

    // OLD must be a stored revision; a store without the project says so.
    let out = common::gofed_with_store(
        &store,
        &["impact", &p(&lib), &p(&lib), "--dependents-from-store"],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("must be a revision of a project the store recorded"),
        "{stderr}"
    );
}

/// Distribution packages the store recorded are dependents too: the newest version-release of each (compared as
/// rpm does: release 10 after 9), fetched from Koji (a server on loopback) as its source RPM, once for a binary
/// package and the source package it was built from.
#[test]
fn dependents_from_the_store_include_its_packages_fetched_from_koji() {
    let test = "dependents_from_the_store_include_its_packages_fetched_from_koji";
    let Some(rpmbuild) = crate::rpmbuild::rpmbuild(test) else {
        return;
    };
    let scratch = tempfile::tempdir().expect("temp dir");
    let root = scratch.path();
    let store = format!("sqlite:{}", root.join("store").display());
    let lib = tagged_lib(root);
    // golang-example-m (import path example.com/m): release 9 calls lib.G only, release 10 calls lib.F too.
    let build = |release: &str, body: &str| {
        let top = root.join(format!("rpmbuild-{release}"));
        write(
            &root.join(release),
            "m-1.0/m.go",
            format!("package m\n\nimport \"example.com/lib\"\n\n{body}"),
        );
        std::fs::create_dir_all(top.join("SOURCES")).expect("SOURCES");
        let status = std::process::Command::new("tar")
            .current_dir(root.join(release))
            .args(["-czf"])
            .arg(top.join("SOURCES/m-1.0.tar.gz"))
            .arg("m-1.0")
            .status()
            .expect("tar");
        assert!(status.success());
        let spec = common::GOLANG_SPEC.replace("Release: 3.fc42", &format!("Release: {release}"));
        write(&top, "SPECS/golang-example-m.spec", spec);
        let spec = top.join("SPECS/golang-example-m.spec");
        crate::rpmbuild::rpmbuild_in(&rpmbuild, &top, &["-ba", spec.to_str().expect("utf-8")])
    };
    let old = build("9.fc42", "func M() { lib.G() }\n");
    let new = build(
        "10.fc42",
        "func M() int {\n\tlib.G()\n\treturn lib.F(1)\n}\n",
    );
    let named = |built: &[std::path::PathBuf], part: &str| {
        built
            .iter()
            .find(|p| p.to_string_lossy().ends_with(part))
            .unwrap_or_else(|| panic!("{part} among {built:?}"))
            .to_str()
            .expect("utf-8")
            .to_owned()
    };
    let p = |d: &Path| d.to_str().expect("utf-8").to_owned();
    // gofed with the store, a download cache of the test's own and `envs`.
    let gofed = |args: &[&str], envs: &[(&str, &str)]| {
        let mut command = common::gofed_command();
        command
            .args(args)
            .env_remove("GOROOT")
            .env_remove("GOFED_PLACEMENT")
            .env_remove("GOFED_REGISTRY")
            .env("GOFED_STORE", &store)
            .env("GOFED_CACHE_DIR", root.join("cache"))
            .envs(envs.iter().copied());
        command.output().expect("run gofed")
    };
    let run = |args: &[&str], envs: &[(&str, &str)]| {
        let out = gofed(args, envs);
        assert!(
            out.status.code().is_some_and(|code| code < 2),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    };
    run(&["scan", &p(&lib), "--action", "deps"], &[]);
    // Both packages of each release (the source package, and the devel package built from it) are recorded.
    for built in [&old, &new] {
        for part in [".src.rpm", ".noarch.rpm"] {
            run(
                &["deps", &named(built, part), "--store", "--format", "json"],
                &[],
            );
        }
    }
    let srpm = std::fs::read(named(&new, "golang-example-m-1.0-10.fc42.src.rpm")).expect("read");
    let koji_path =
        "/packages/golang-example-m/1.0/10.fc42/src/golang-example-m-1.0-10.fc42.src.rpm";
    let server = common::file_server::FileServer::start(vec![(koji_path.to_owned(), srpm)]);
    let koji = format!("{}/packages", server.url);
    for round in 0..2 {
        let out = run(&STORED_IMPACT, &[("GOFED_KOJI_URL", &koji)]);
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(out.status.code(), Some(1), "{doc}");
        let dependents = doc["dependents"].as_array().expect("dependents");
        assert_eq!(dependents.len(), 1, "{doc}");
        let dependent = &dependents[0];
        assert_eq!(
            dependent["source"], "golang-example-m-1.0-10.fc42.src.rpm",
            "{doc}"
        );
        assert_eq!(dependent["verdict"], "breaks", "{doc}");
        let hits = dependent["hits"].as_array().expect("hits");
        assert_eq!(hits.len(), 1, "round {round}: {doc}");
        assert_eq!(hits[0]["change"], "F: removed", "{doc}");
        let position = hits[0]["position"].as_str().unwrap_or_default();
        assert!(position.starts_with("m.go:7:"), "{doc}");
    }
    // Fetched once: the second run reads the download cache.
    assert_eq!(server.hits(koji_path), 1);

    // A package Koji does not have is an error naming it.
    let empty = common::file_server::FileServer::start(Vec::new());
    let out = gofed(
        &STORED_IMPACT,
        &[
            ("GOFED_KOJI_URL", &format!("{}/packages", empty.url)),
            ("GOFED_CACHE_DIR", &p(&root.join("other-cache"))),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("golang-example-m-1.0-10.fc42.src.rpm") && stderr.contains("404"),
        "{stderr}"
    );
}
