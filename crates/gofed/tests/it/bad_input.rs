//! Bad input is normal input: the binary reports per-file errors and still analyses the rest.

use std::path::Path;

use crate::common::{gofed, write};

fn packages_json(dir: &Path) -> serde_json::Value {
    let out = gofed(&["packages", dir.to_str().unwrap(), "--format", "json"]);
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    json_stream(&out.stdout)
}

/// The objects of `go list -json`'s output format, as one array.
fn json_stream(stdout: &[u8]) -> serde_json::Value {
    serde_json::Deserializer::from_slice(stdout)
        .into_iter::<serde_json::Value>()
        .collect::<Result<Vec<_>, _>>()
        .map(serde_json::Value::Array)
        .expect("stdout is a stream of JSON objects")
}

fn package<'a>(pkgs: &'a serde_json::Value, import_path: &str) -> &'a serde_json::Value {
    pkgs.as_array()
        .unwrap()
        .iter()
        .find(|p| p["ImportPath"] == import_path)
        .unwrap_or_else(|| panic!("no package {import_path} in {pkgs:#}"))
}

#[test]
fn missing_path_is_a_clear_error() {
    let out = gofed(&["packages", "/nonexistent/gofed/test/dir"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("/nonexistent/gofed/test/dir"),
        "stderr: {stderr}"
    );
    let out = gofed(&["deps", "/nonexistent/gofed/test/dir"]);
    assert!(!out.status.success());
}

#[test]
fn tree_without_go_code_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "README", b"no go here\n");
    write(dir.path(), "sub/notes.txt", b"nor here\n");
    for cmd in ["packages", "deps"] {
        let out = gofed(&[cmd, dir.path().to_str().unwrap()]);
        assert!(!out.status.success());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("no Go packages found"), "stderr: {stderr}");
    }
}

#[test]
fn broken_files_are_reported_and_the_rest_is_analysed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "go.mod", b"module example.com/m\n\ngo 1.22\n");
    write(
        root,
        "good/good.go",
        b"package good\n\nimport \"strings\"\n\nvar _ = strings.ToUpper\n",
    );
    write(root, "bad/a.go", b"package bad\n\nimport \"fmt\"\n");
    write(
        root,
        "bad/nonutf8.go",
        b"package bad\n\nimport \"os\"\n\nvar s = \"\xff\xfe\"\nvar \xc3\x28 = 1\n",
    );
    write(
        root,
        "bad/nul.go",
        b"package bad\n\nimport \"io\"\nvar x = 1\x00\n",
    );
    write(
        root,
        "bad/unterminated_string.go",
        b"package bad\n\nimport \"bytes\"\nvar s = \"abc\n",
    );
    write(
        root,
        "bad/unterminated_raw.go",
        b"package bad\n\nimport \"bufio\"\nvar s = `abc\n",
    );
    write(
        root,
        "bad/unterminated_comment.go",
        b"package bad\n\nimport \"sort\"\n/* never closed\n",
    );
    write(root, "bad/empty.go", b"");
    write(root, "bad/bom_only.go", b"\xef\xbb\xbf");
    let nested = format!(
        "package bad\n\nimport \"math\"\n\nvar deep = {}1{}\n",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    write(root, "bad/deep.go", nested.as_bytes());
    let deep_type = format!("package bad\n\ntype T {}int\n", "*".repeat(150_000));
    write(root, "bad/deep_type.go", deep_type.as_bytes());

    let pkgs = packages_json(root);
    let good = package(&pkgs, "example.com/m/good");
    assert_eq!(good["Imports"], serde_json::json!(["strings"]));
    assert!(good.get("Error").is_none());

    let bad = package(&pkgs, "example.com/m/bad");
    // Imports come from the import section, as go/build reads it: later errors do not matter.
    assert_eq!(
        bad["Imports"],
        serde_json::json!(["bufio", "bytes", "fmt", "io", "math", "os", "sort"])
    );
    let invalid: Vec<&str> = bad["InvalidGoFiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        invalid.contains(&"empty.go") && invalid.contains(&"bom_only.go"),
        "invalid: {invalid:?}"
    );
    // As go list: the position (file relative to the tree) apart from the message.
    let pos = bad["Error"]["Pos"].as_str().unwrap();
    assert!(
        pos.starts_with("bad/bom_only.go:") || pos.starts_with("bad/empty.go:"),
        "error: {}",
        bad["Error"]
    );
    assert_eq!(
        bad["Error"]["ImportStack"],
        serde_json::json!(["example.com/m/bad"])
    );
    assert_eq!(bad["Incomplete"], true);

    // The full parser on every file: one verdict per file, nesting limits instead of crashes.
    let files: Vec<String> = std::fs::read_dir(root.join("bad"))
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    let mut args = vec!["debug", "parse"];
    args.extend(files.iter().map(String::as_str));
    let out = gofed(&args);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    for file in &files {
        let verdicts = stdout
            .lines()
            .filter(|l| {
                l.starts_with(&format!("{file}\t"))
                    && (l.contains("\tok") || l.contains("\terror\t"))
            })
            .count();
        assert_eq!(verdicts, 1, "{file}: {stdout}");
    }
    let verdict = |name: &str| {
        let prefix = format!("{}\t", root.join("bad").join(name).display());
        stdout
            .lines()
            .find(|l| l.starts_with(&prefix))
            .unwrap()
            .to_owned()
    };
    assert!(
        verdict("deep.go").ends_with("exceeded max nesting depth"),
        "{}",
        verdict("deep.go")
    );
    assert!(verdict("deep_type.go").ends_with("exceeded max nesting depth"));
    assert!(
        verdict("nul.go").contains("illegal character NUL"),
        "{}",
        verdict("nul.go")
    );
    assert!(verdict("unterminated_raw.go").contains("raw string literal not terminated"));
    assert!(verdict("unterminated_comment.go").contains("comment not terminated"));
    assert!(verdict("unterminated_string.go").contains("string literal not terminated"));
    assert!(
        verdict("empty.go").contains("expected 'package', found 'EOF'"),
        "{}",
        verdict("empty.go")
    );
    assert!(verdict("a.go").ends_with("\tok"));
}

#[test]
fn a_huge_generated_file_is_analysed() {
    let dir = tempfile::tempdir().unwrap();
    let mut src = String::from("package big\n\nimport \"unicode\"\n\nvar table = []int{\n");
    while src.len() < 50 * 1024 * 1024 {
        src.push_str("\t1234567, 7654321, 1111111, 2222222, 3333333, 4444444, 5555555, 6666666,\n");
    }
    src.push_str("}\n\nfunc F() bool { return unicode.IsLetter('x') }\n");
    write(dir.path(), "big.go", src.as_bytes());
    write(
        dir.path(),
        "small.go",
        b"package big\n\nimport \"errors\"\n\nvar E = errors.New(\"e\")\n",
    );
    let out = gofed(&[
        "packages",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
        "--import-path",
        "example.com/big",
    ]);
    assert!(out.status.success());
    let pkgs = json_stream(&out.stdout);
    let big = package(&pkgs, "example.com/big");
    assert_eq!(big["Imports"], serde_json::json!(["errors", "unicode"]));
    assert_eq!(big["GoFiles"], serde_json::json!(["big.go", "small.go"]));
    let big_go = dir.path().join("big.go");
    let out = gofed(&["debug", "parse", big_go.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("{}\tdecl\tfunc\tF", big_go.display())),
        "{}",
        &stdout[..stdout.len().min(500)]
    );
}

#[test]
fn parse_dump_reports_errors_per_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "ok.go", b"package p\n\nfunc F() {}\n");
    write(dir.path(), "bad.go", b"package p\n\nfunc F( {}\n");
    let ok = dir.path().join("ok.go");
    let bad = dir.path().join("bad.go");
    let out = gofed(&[
        "debug",
        "parse",
        ok.to_str().unwrap(),
        bad.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("{}\tok", ok.display())),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{}\tdecl\tfunc\tF", ok.display())),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("{}\terror\t", bad.display())),
        "{stdout}"
    );
}
