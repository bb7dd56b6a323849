//! `gofed graph`: the import graph of several trees between projects and between packages, its cycles, build
//! order, roots, leaves and missing imports; text, JSON and dot; the same on a remote `deps` service. (The
//! project graph of /usr/share/gocode is compared with go list's in scripts/oracle-golist.sh.)

use std::process::Output;

use crate::common::system::{serve, wait_registered, Process};
use crate::common::{success_json, write};

/// `gofed ARGS` in-process (unless ARGS say otherwise), without a store.
fn run(args: &[&str]) -> Output {
    crate::common::gofed_with_store("off", args)
}

/// Three modules: a imports b, b imports a (a cycle), c imports a and a package nobody provides; d stands alone.
fn trees(dir: &std::path::Path) {
    for (m, imports) in [
        ("a", vec!["example.com/b/bp", "fmt"]),
        ("b", vec!["example.com/a"]),
        ("c", vec!["example.com/a", "example.com/nowhere/x"]),
        ("d", vec![]),
    ] {
        write(
            dir,
            &format!("{m}/go.mod"),
            format!("module example.com/{m}\n\ngo 1.21\n"),
        );
        let body: String = imports
            .iter()
            .map(|i| format!("import _ \"{i}\"\n"))
            .collect();
        let file = if m == "b" {
            "b/bp/bp.go".to_owned()
        } else {
            format!("{m}/{m}.go")
        };
        let pkg = if m == "b" { "bp" } else { m };
        write(dir, &file, format!("package {pkg}\n\n{body}"));
    }
}

#[test]
fn graphs_of_several_trees() {
    let dir = tempfile::tempdir().expect("temp dir");
    trees(dir.path());
    let paths: Vec<String> = ["a", "b", "c", "d"]
        .iter()
        .map(|m| dir.path().join(m).to_string_lossy().into_owned())
        .collect();
    let mut args: Vec<&str> = vec!["graph"];
    args.extend(paths.iter().map(String::as_str));

    let mut json_args = args.clone();
    json_args.extend(["--format", "json", "--missing"]);
    let doc = success_json(&run(&json_args));
    let names: Vec<&str> = doc["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "example.com",
            "example.com/a",
            "example.com/b",
            "example.com/c",
            "example.com/d"
        ]
    );
    // An import path of an unknown host belongs to the host's project.
    assert_eq!(doc["nodes"][0]["missing"], true);
    assert_eq!(
        doc["cycles"],
        serde_json::json!([["example.com/a", "example.com/b"]])
    );
    assert_eq!(
        doc["roots"],
        serde_json::json!(["example.com/c", "example.com/d"])
    );
    assert_eq!(
        doc["leaves"],
        serde_json::json!(["example.com", "example.com/d"])
    );
    // Dependencies first: the cycle before c, the missing project before c.
    let order: Vec<String> = doc["build_order"]
        .as_array()
        .expect("order")
        .iter()
        .map(|c| c.to_string())
        .collect();
    let pos = |s: &str| order.iter().position(|c| c.contains(s)).expect(s);
    assert!(pos("example.com/a") < pos("example.com/c"));
    assert!(pos("\"example.com\"") < pos("example.com/c"));
    assert_eq!(doc["missing"][0]["import"], "example.com/nowhere/x");
    assert_eq!(
        doc["missing"][0]["used_by"],
        serde_json::json!(["example.com/c"])
    );
    let ab = doc["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .find(|e| e["from"] == "example.com/a")
        .expect("a's edge");
    assert_eq!(
        ab["via"],
        serde_json::json!([["example.com/a", "example.com/b/bp"]])
    );

    // Packages: b's package is its own node; without --missing nowhere is only listed.
    let mut pkg_args = args.clone();
    pkg_args.extend(["--level", "packages", "--format", "json"]);
    let pkgs = success_json(&run(&pkg_args));
    assert_eq!(
        pkgs["cycles"],
        serde_json::json!([["example.com/a", "example.com/b/bp"]])
    );
    assert_eq!(pkgs["nodes"].as_array().map(Vec::len), Some(4));
    assert_eq!(pkgs["missing"].as_array().map(Vec::len), Some(1));

    let text = run(&args);
    let text = String::from_utf8(text.stdout).expect("utf-8");
    assert!(text.starts_with("4 projects, 3 edges, 1 cycles, 1 missing imports\ncycle: example.com/a example.com/b\n"), "{text}");
    assert!(
        text.contains(
            "  example.com/a -> example.com/b (example.com/a imports example.com/b/bp)\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("missing:\n  example.com/nowhere/x (used by example.com/c)\n"),
        "{text}"
    );

    let mut dot_args = args.clone();
    dot_args.extend(["--format", "dot", "--missing"]);
    let dot = String::from_utf8(run(&dot_args).stdout).expect("utf-8");
    assert!(dot.starts_with("digraph gofed {\n"), "{dot}");
    assert!(
        dot.contains("  \"example.com/a\" -> \"example.com/b\" [color=red];\n"),
        "{dot}"
    );
    assert!(dot.contains("  \"example.com\" [style=dashed];\n"), "{dot}");

    // A remote deps service draws the same graph from the uploaded bundles.
    let registry = Process::start(&["registry", "--listen", "127.0.0.1:0"], &[]);
    let _deps = serve(
        &["deps", "filestorage"],
        &registry.url,
        6000,
        &dir.path().join("blobs"),
    );
    wait_registered(&registry.url, "deps");
    wait_registered(&registry.url, "filestorage");
    let mut remote: Vec<&str> = vec!["--registry", &registry.url, "--remote"];
    remote.extend(&json_args);
    assert_eq!(success_json(&run(&remote)), doc);
}

#[test]
fn graph_refuses_bad_sources_by_name() {
    let out = run(&["graph", "/nonexistent/tree"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/tree"));
}
