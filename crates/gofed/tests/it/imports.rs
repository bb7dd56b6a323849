//! How `gofed api` and `gofed apidiff` resolve imports: GOPATH's minimal module compatibility
//! (`x/y/v2/z` found at `GOPATH/src/x/y/z`, checked against the go/packages reference `goapi`),
//! and imports that resolve nowhere (their types kept by name, never an invented change).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{gofed, write};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 temp path")
}

/// The go/packages reference (cmd/api 1.19's feature code over go/packages, GOPATH mode).
const GOAPI: &str = "/opt/oracle/bin/goapi";
/// The Go whose `go list` goapi runs (goapi is built with it).
const GO119: &str = "/usr/lib/go-1.19";

/// The reference, or `None` after a loud SKIP when it is not installed (a failure under `CI=true`).
fn oracle(test: &str) -> Option<PathBuf> {
    let goapi = PathBuf::from(GOAPI);
    if goapi.is_file() && Path::new(GO119).join("bin/go").is_file() {
        return Some(goapi);
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(
        !ci,
        "{GOAPI} or {GO119} is not installed and CI=true (run ../shared/oracle/setup.sh)"
    );
    let _ = writeln!(
        std::io::stderr(),
        "\n########## SKIP the goapi comparison of {test}: {GOAPI} is not installed \
         (../shared/oracle/setup.sh) ##########\n"
    );
    None
}

/// `GO111MODULE=off GOPATH=gopath goapi PACKAGES`, as the oracle's README runs it in GOPATH mode.
fn goapi(goapi: &Path, gopath: &Path, packages: &[&str]) -> Output {
    let path_env = format!("{GO119}/bin:{}", std::env::var("PATH").unwrap_or_default());
    Command::new(goapi)
        .arg("-goroot")
        .arg(GO119)
        .args(packages)
        .env("GO111MODULE", "off")
        .env("GOPATH", gopath)
        .env("GOFLAGS", "")
        .env("GOOS", "linux")
        .env("GOARCH", "amd64")
        .env("CGO_ENABLED", "0")
        .env("GOPROXY", "off")
        .env("GOCACHE", gopath.join("cache"))
        .env("PATH", path_env)
        .output()
        .expect("run goapi")
}

/// A GOPATH whose two modules import each other's packages through their major version
/// paths, as `go.mod` names them, while the code lies in GOPATH's directories without the
/// version: `github.com/o/r` says `module github.com/o/r/v2`, `github.com/o/q` says
/// `module github.com/o/q/v3`. Also a module that does live in its `v2` directory
/// (`github.com/o/d/v2`, imported unchanged), and a `/v5` element that is no module version
/// (`github.com/o/q/v3/api/v5/x` is `GOPATH/src/github.com/o/q/api/v5/x`).
fn major_version_gopath(gopath: &Path) {
    let src = gopath.join("src");
    write(
        &src,
        "github.com/o/r/go.mod",
        "module github.com/o/r/v2\n\ngo 1.18\n",
    );
    write(
        &src,
        "github.com/o/r/r.go",
        "package r\n\nimport (\n\t\"github.com/o/q/v3/qsub\"\n\t\"github.com/o/r/v2/sub\"\n)\n\n\
         type T struct {\n\tS sub.S\n\tQ *qsub.Q\n}\n\n\
         func New(s sub.S) (qsub.Q, error) { return 0, nil }\n",
    );
    write(
        &src,
        "github.com/o/r/use.go",
        "package r\n\nimport \"github.com/o/d/v2/dsub\"\n\nvar U dsub.D\n",
    );
    write(
        &src,
        "github.com/o/r/sub/sub.go",
        "package sub\n\ntype S struct{ N int }\n\nfunc (S) M() int { return 0 }\n",
    );
    write(&src, "github.com/o/q/go.mod", "module github.com/o/q/v3\n");
    write(
        &src,
        "github.com/o/q/q.go",
        "package q\n\nimport (\n\tsub \"github.com/o/r/v2/sub\"\n\t\"github.com/o/q/v3/qsub\"\n)\n\n\
         type Pair struct {\n\tsub.S\n\tQ qsub.Q\n}\n",
    );
    write(
        &src,
        "github.com/o/q/qsub/qsub.go",
        "package qsub\n\nimport \"github.com/o/r/v2/sub\"\n\ntype Q int\n\nvar Default sub.S\n\n\
         func From(s sub.S) Q { return Q(s.N) }\n",
    );
    write(
        &src,
        "github.com/o/q/api/v5/x/x.go",
        "package x\n\ntype X [2]string\n",
    );
    write(
        &src,
        "github.com/o/d/v2/go.mod",
        "module github.com/o/d/v2\n",
    );
    write(
        &src,
        "github.com/o/d/v2/dsub/dsub.go",
        "package dsub\n\nimport \"github.com/o/q/v3/api/v5/x\"\n\ntype D x.X\n\nfunc Use(x.X) {}\n",
    );
}

const MAJOR_VERSION_PACKAGES: [&str; 6] = [
    "github.com/o/d/v2/dsub",
    "github.com/o/q",
    "github.com/o/q/api/v5/x",
    "github.com/o/q/qsub",
    "github.com/o/r",
    "github.com/o/r/sub",
];

#[test]
fn gopath_major_version_imports_resolve_as_go_list_does() {
    let dir = tempfile::tempdir().unwrap();
    let gopath = dir.path().join("gopath");
    major_version_gopath(&gopath);
    let src = gopath.join("src");
    let out = gofed(&[
        "api",
        path(&src),
        "--format",
        "goapi",
        "--go",
        "1.19",
        "--goos",
        "linux",
        "--goarch",
        "amd64",
        "--cgo",
        "false",
    ]);
    // Everything resolves: no warning, no invalid type.
    assert_eq!(
        (out.status.code(), text(&out.stderr)),
        (Some(0), String::new())
    );
    let ours = text(&out.stdout);
    assert!(!ours.contains("invalid type"), "{ours}");
    for pkg in MAJOR_VERSION_PACKAGES {
        assert!(
            ours.contains(&format!("pkg {pkg}, ")),
            "{pkg} missing:\n{ours}"
        );
    }

    // apidiff loads the same way: a tree compared with itself, every type resolved.
    let out = gofed(&["apidiff", path(&src), path(&src), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["meta"]["unresolved_imports"], serde_json::json!([]));

    let Some(goapi_bin) = oracle("gopath_major_version_imports_resolve_as_go_list_does") else {
        return;
    };
    let reference = goapi(&goapi_bin, &gopath, &MAJOR_VERSION_PACKAGES);
    assert_eq!(
        reference.status.code(),
        Some(0),
        "goapi: {}",
        text(&reference.stderr)
    );
    assert_eq!(ours, text(&reference.stdout));
}

/// A package like golang.org/x/tools/go/ast/inspector of 2025, whose import
/// golang.org/x/tools/go/ast/edge resolves nowhere once it is copied out of its module.
fn cursor_package(root: &Path, edge_import: &str) {
    write(
        root,
        "cursor.go",
        format!(
            "package inspector\n\nimport (\n\t\"go/ast\"\n\n\t\"{edge_import}\"\n)\n\n\
             type Cursor struct {{\n\tin    *Inspector\n\tindex int32\n}}\n\n\
             type Inspector struct{{ events []ast.Node }}\n\n\
             func (c Cursor) ChildAt(k edge.Kind, idx int) Cursor {{ return c }}\n\n\
             func (c Cursor) ParentEdge() (edge.Kind, int) {{ return 0, 0 }}\n\n\
             func (c Cursor) ParentEdgeKind() edge.Kind {{ k, _ := c.ParentEdge(); return k }}\n\n\
             func (c Cursor) Edges() []*edge.Kind {{ return nil }}\n\n\
             type Visit func(edge.Kind) map[edge.Kind]edge.Set[int]\n"
        ),
    );
}

const EDGE: &str = "golang.org/x/tools/go/ast/edge";

/// The edge package, where it can be found.
fn edge_package(gopath_src: &Path) {
    write(
        gopath_src,
        &format!("{EDGE}/edge.go"),
        "package edge\n\ntype Kind uint8\n\ntype Set[T comparable] map[T]bool\n",
    );
}

#[test]
fn unresolved_imports_keep_their_names_and_invent_no_change() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("inspector");
    cursor_package(&tree, EDGE);

    // Compared with itself: nothing changed, whatever resolves (exit status 0).
    let out = gofed(&["apidiff", path(&tree), path(&tree)]);
    let warning = format!(
        "import \"{EDGE}\": package not found (imported by _{}): its types are kept by name only\n",
        tree.display()
    );
    assert_eq!(
        (out.status.code(), text(&out.stderr)),
        (Some(0), warning.clone()),
        "{}",
        text(&out.stdout)
    );
    assert!(
        !text(&out.stdout).contains("changed"),
        "{}",
        text(&out.stdout)
    );
    let out = gofed(&["apidiff", path(&tree), path(&tree), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["changed_packages"], serde_json::json!([]), "{json}");
    assert_eq!(
        json["meta"]["unresolved_imports"],
        serde_json::json!([{"import": EDGE, "importers": [format!("_{}", tree.display())]}])
    );

    // The API names edge's types as the source does, exactly as when edge is found.
    let unresolved = gofed(&["api", path(&tree), "--format", "goapi", "--go", "1.19"]);
    assert_eq!(
        (unresolved.status.code(), text(&unresolved.stderr)),
        (Some(0), warning)
    );
    let unresolved = text(&unresolved.stdout);
    assert!(!unresolved.contains("invalid type"), "{unresolved}");
    let gopath = dir.path().join("gopath");
    edge_package(&gopath.join("src"));
    let pkg = gopath.join("src/example.com/inspector");
    cursor_package(&pkg, EDGE);
    let found = gofed(&[
        "api",
        path(&gopath.join("src")),
        "--format",
        "goapi",
        "--go",
        "1.19",
    ]);
    assert_eq!(
        (found.status.code(), text(&found.stderr)),
        (Some(0), String::new())
    );
    let found: String = text(&found.stdout)
        .lines()
        .filter_map(|l| l.strip_prefix("pkg example.com/inspector, "))
        .map(|l| format!("pkg _{}, {l}\n", tree.display()))
        .collect();
    assert_eq!(unresolved, found);

    // And the reference prints the found version the same way.
    if let Some(goapi_bin) = oracle("unresolved_imports_keep_their_names_and_invent_no_change") {
        let reference = goapi(&goapi_bin, &gopath, &["example.com/inspector"]);
        assert_eq!(
            reference.status.code(),
            Some(0),
            "{}",
            text(&reference.stderr)
        );
        let reference: String = text(&reference.stdout)
            .lines()
            .filter_map(|l| l.strip_prefix("pkg example.com/inspector, "))
            .map(|l| format!("pkg _{}, {l}\n", tree.display()))
            .collect();
        assert_eq!(unresolved, reference);
    }
}

#[test]
fn an_unresolved_import_is_warned_about_once() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("m");
    write(&root, "go.mod", "module example.com/m\n\ngo 1.22\n");
    // Two packages, several files and many uses of the same missing package, one of them
    // under another local name.
    for (pkg, file) in [("a", "a1.go"), ("a", "a2.go"), ("b", "b.go")] {
        let stem = file.trim_end_matches(".go").to_uppercase();
        write(
            &root,
            &format!("{pkg}/{file}"),
            format!(
                "package {pkg}\n\nimport (\n\t\"github.com/no/where\"\n\tw2 \"github.com/no/where\"\n)\n\n\
                 var V{stem} where.W\n\nfunc F{stem}(where.W, *w2.W) []where.X {{ return nil }}\n"
            ),
        );
    }
    let importers = ["example.com/m/a", "example.com/m/b"];
    let warning = "import \"github.com/no/where\": package not found (imported by example.com/m/a and 1 more): \
                   its types are kept by name only\n";
    let out = gofed(&["api", path(&root), "--format", "goapi"]);
    assert_eq!(
        (out.status.code(), text(&out.stderr)),
        (Some(0), warning.to_owned())
    );
    let api = text(&out.stdout);
    assert!(
        api.contains("pkg example.com/m/b, func FB(where.W, *where.W) []where.X\n"),
        "{api}"
    );
    assert!(
        api.contains("pkg example.com/m/a, var VA1 where.W\n"),
        "{api}"
    );
    // Several contexts: still once.
    let out = gofed(&["api", path(&root), "--contexts", "linux-amd64,windows-386"]);
    assert_eq!(text(&out.stderr), warning);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["meta"]["unresolved_imports"],
        serde_json::json!([{"import": "github.com/no/where", "importers": importers}])
    );
    // apidiff: both versions miss it, one warning.
    let out = gofed(&["apidiff", path(&root), path(&root), "--format", "json"]);
    assert_eq!(
        (out.status.code(), text(&out.stderr)),
        (Some(0), warning.to_owned())
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["meta"]["unresolved_imports"],
        serde_json::json!([{"import": "github.com/no/where", "importers": importers}])
    );
}

#[test]
fn really_invalid_types_stay_invalid_next_to_unresolved_ones() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("m");
    write(&root, "go.mod", "module example.com/m\n\ngo 1.22\n");
    write(
        &root,
        "m.go",
        "package m\n\nimport \"github.com/no/where\"\n\n\
         var Undeclared Nowhere\n\nvar Named where.W\n\n\
         // The value of a function of a missing package is unknown.\nvar Called = where.New()\n",
    );
    let out = gofed(&["api", path(&root), "--format", "goapi", "-e"]);
    let api = text(&out.stdout);
    assert!(
        api.contains("pkg example.com/m, var Undeclared invalid type\n"),
        "{api}"
    );
    assert!(
        api.contains("pkg example.com/m, var Named where.W\n"),
        "{api}"
    );
    assert!(
        api.contains("pkg example.com/m, var Called invalid type\n"),
        "{api}"
    );
    // The undeclared name is an error of the package; the missing package's names are not.
    let stderr = text(&out.stderr);
    assert!(stderr.contains("undefined: Nowhere"), "{stderr}");
    assert!(!stderr.contains("where.New"), "{stderr}");
    let out = gofed(&["api", path(&root), "--format", "goapi"]);
    assert_ne!(out.status.code(), Some(0));
}

#[test]
fn every_use_of_missing_packages_compares_equal_to_itself() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("m");
    write(&root, "go.mod", "module example.com/m\n\ngo 1.22\n");
    // Types, embedded types, constants, values, aliases, instances, renamed, `go-` and `.vN`
    // imports, and a dot import of packages that resolve nowhere.
    write(
        &root,
        "m.go",
        "package m\n\nimport (\n\t\"github.com/no/edge\"\n\tyaml \"gopkg.in/yaml.v3\"\n\t\"github.com/no/go-thing\"\n\
         \t. \"github.com/no/dot\"\n)\n\n\
         type K edge.Kind\n\nconst C edge.Kind = 1\n\nconst D = edge.Max\n\n\
         type I interface {\n\tedge.Iface\n\tM() yaml.Node\n}\n\n\
         type S struct {\n\tedge.Embedded\n\t*yaml.Decoder\n\tF thing.Thing\n}\n\n\
         type G = edge.Set[int]\n\nvar X = edge.T{}\n\nvar Y = edge.T(3)\n\nvar Z = edge.New()\n\n\
         var W = S{}.Field\n\ntype A = edge.Alias\n\nfunc (k K) String() string { return \"\" }\n\n\
         var Q Dotted\n\nfunc F(edge.Kind, thing.Thing, ...Dotted) (yaml.Node, error) { return yaml.Node{}, nil }\n",
    );
    let out = gofed(&["apidiff", path(&root), path(&root)]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        !text(&out.stdout).contains("changed"),
        "{}",
        text(&out.stdout)
    );
    // No error of the package's own: only the four warnings.
    assert_eq!(
        text(&out.stderr).lines().count(),
        4,
        "{}",
        text(&out.stderr)
    );
    let out = gofed(&["api", path(&root), "--format", "goapi"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let api = text(&out.stdout);
    for line in [
        "pkg example.com/m, var Q dot.Dotted\n",
        "pkg example.com/m, type S struct, F thing.Thing\n",
        "pkg example.com/m, type S struct, embedded *yaml.Decoder\n",
        "pkg example.com/m, var X edge.T\n",
    ] {
        assert!(api.contains(line), "{line} not in\n{api}");
    }
}
