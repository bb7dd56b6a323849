//! `gofed api` and `gofed apidiff` on real trees in temp directories, without a Go
//! installation (the standard library comes from the embedded summary).

use crate::common;
use std::path::Path;
use std::process::Output;

use crate::common::write;

/// `gofed ARGS` without GOROOT: the standard library comes from the embedded summary.
fn gofed(args: &[&str]) -> Output {
    common::gofed_command()
        .args(args)
        .env_remove("GOROOT")
        .output()
        .expect("run gofed")
}

fn module(dir: &Path, lib: &str) {
    write(dir, "go.mod", "module example.com/lib\n\ngo 1.22\n");
    write(dir, "lib.go", lib);
    write(dir, "internal/x/x.go", "package x\n\nfunc Hidden() {}\n");
    write(dir, "cmd/tool/main.go", "package main\n\nfunc main() {}\n");
}

const V1: &str = r#"package lib

import (
	"io"
	"net/http"
)

// Client talks to servers.
type Client struct {
	HTTP *http.Client
	Name string
}

func (c *Client) Get(url string) (io.ReadCloser, error) { return nil, nil }

const Version = "1.0"

func New() *Client { return nil }
"#;

#[test]
fn api_uses_the_embedded_standard_library() {
    let dir = tempfile::tempdir().unwrap();
    module(dir.path(), V1);
    let out = gofed(&["api", dir.path().to_str().unwrap(), "--format", "goapi"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text,
        "pkg example.com/lib, const Version = \"1.0\"\n\
         pkg example.com/lib, const Version ideal-string\n\
         pkg example.com/lib, func New() *Client\n\
         pkg example.com/lib, method (*Client) Get(string) (io.ReadCloser, error)\n\
         pkg example.com/lib, type Client struct\n\
         pkg example.com/lib, type Client struct, HTTP *http.Client\n\
         pkg example.com/lib, type Client struct, Name string\n"
    );
    // JSON: positions, doc summaries, nothing unresolved.
    let out = gofed(&["api", dir.path().to_str().unwrap()]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let client = json["packages"][0]["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "Client")
        .unwrap();
    assert_eq!(client["doc"], "Client talks to servers.");
    assert!(client["position"].as_str().unwrap().ends_with("lib.go:9:6"));
    assert_eq!(json["meta"]["unresolved_imports"], serde_json::json!([]));
}

const DEPRECATED: &str = r#"package lib

// Pair holds two values.
type Pair[K comparable, V any] struct{ Key K }

// Old makes a pair.
//
// Deprecated: use Make.
func Old() Pair[string, int] { return Pair[string, int]{} }
"#;

#[test]
fn api_prints_the_format_of_the_go_release() {
    let dir = tempfile::tempdir().unwrap();
    module(dir.path(), DEPRECATED);
    let tree = dir.path().to_str().unwrap();
    let lines = |args: &[&str]| {
        let out = gofed(&[&["api", tree, "--format", "goapi"], args].concat());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    // The default is the newest release's cmd/api: a deprecation line, type arguments.
    let newest = lines(&[]);
    assert!(newest.contains("pkg example.com/lib, func Old //deprecated\n"));
    assert!(newest.contains("pkg example.com/lib, func Old() Pair[string, int]\n"));
    assert_eq!(newest, lines(&["--go", "1.27"]));
    // Go 1.22's cmd/api knew deprecations but printed no type arguments; Go 1.19's neither.
    let go122 = lines(&["--go", "1.22"]);
    assert!(go122.contains("pkg example.com/lib, func Old //deprecated\n"));
    assert!(go122.contains("pkg example.com/lib, func Old() Pair\n"));
    let go119 = lines(&["--go", "1.19"]);
    assert!(!go119.contains("//deprecated"));
    assert!(go119.contains("pkg example.com/lib, func Old() Pair\n"));
    // JSON says which features are deprecated.
    let out = gofed(&["api", tree]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let features = json["packages"][0]["features"].as_array().unwrap();
    let old = features.iter().find(|f| f["name"] == "Old").unwrap();
    assert_eq!(old["deprecated"], serde_json::json!(true));
    let pair = features.iter().find(|f| f["name"] == "Pair").unwrap();
    assert!(pair.get("deprecated").is_none(), "{pair}");
}

#[test]
fn apidiff_is_a_ci_gate() {
    let old = tempfile::tempdir().unwrap();
    let new = tempfile::tempdir().unwrap();
    module(old.path(), V1);
    // Compatible: a new function and a new field.
    let compatible = V1
        .replace("const Version", "func Extra() {}\n\nconst Version")
        .replace("\tName string\n", "\tName string\n\tTimeout int\n");
    module(new.path(), &compatible);
    let out = gofed(&[
        "apidiff",
        old.path().to_str().unwrap(),
        new.path().to_str().unwrap(),
        "--format",
        "lines",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "c Client.Timeout: added\nc Extra: added\n"
    );

    // Incompatible: a changed signature, a removed function and a changed constant.
    let breaking = V1
        .replace("Get(url string)", "Get(url string, retries int)")
        .replace("func New() *Client { return nil }\n", "")
        .replace("\"1.0\"", "\"2.0\"");
    module(new.path(), &breaking);
    let out = gofed(&[
        "apidiff",
        old.path().to_str().unwrap(),
        new.path().to_str().unwrap(),
        "--format",
        "lines",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "i (*Client).Get: changed from func(string) (io.ReadCloser, error) to func(string, int) (io.ReadCloser, error)\n\
         i New: removed\n\
         i Version: value changed from \"1.0\" to \"2.0\"\n"
    );
    let out = gofed(&[
        "apidiff",
        old.path().to_str().unwrap(),
        new.path().to_str().unwrap(),
        "--format",
        "json",
        "--base-version",
        "v1.4.2",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["bump"], "major");
    // A v1 module cannot have v2.0.0 (that is example.com/m/v2's): as gorelease, no version is suggested.
    assert_eq!(json["next_version"], serde_json::Value::Null);
    assert_eq!(
        json["version_problem"]["reason"],
        "Incompatible changes were detected."
    );

    // The same tree: no change, exit 0, patch.
    let out = gofed(&[
        "apidiff",
        old.path().to_str().unwrap(),
        old.path().to_str().unwrap(),
        "--format",
        "json",
        "--base-version",
        "v1.4.2",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["bump"], "patch");
    assert_eq!(json["next_version"], "v1.4.3");
}

#[test]
fn apidiff_reports_packages_added_and_removed() {
    let old = tempfile::tempdir().unwrap();
    let new = tempfile::tempdir().unwrap();
    module(old.path(), V1);
    write(old.path(), "gone/gone.go", "package gone\n\nfunc G() {}\n");
    module(new.path(), V1);
    write(
        new.path(),
        "fresh/fresh.go",
        "package fresh\n\nfunc F() {}\n",
    );
    let out = gofed(&[
        "apidiff",
        old.path().to_str().unwrap(),
        new.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["added_packages"],
        serde_json::json!(["example.com/lib/fresh"])
    );
    assert_eq!(
        json["removed_packages"],
        serde_json::json!(["example.com/lib/gone"])
    );
}

#[test]
fn api_errors_for_bad_paths() {
    let out = gofed(&["api", "/nonexistent/gofed/dir"]);
    assert_eq!(out.status.code(), Some(2));
    let out = gofed(&["apidiff", "/nonexistent/a", "/nonexistent/b"]);
    assert_eq!(out.status.code(), Some(2));
}
