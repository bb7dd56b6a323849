//! Naming against the real references, at test time:
//! - Fedora: go-rpm-macros' own `rpmname` (the Lua of `%gorpmname`, run by Debian's `rpm --eval` from
//!   `../shared/oracle/third_party/fedora-go-macros`), with and without `-L`, on every import path below;
//!   and the names of the Fedora spec corpus (`../shared/corpus/fedora-go-specs`) whose `Name:` is `%{goname}`.
//! - Debian: every installed `golang-*-dev` package and the import path its files sit under
//!   (`dpkg -L`), against [`debian_package`].
//!
//! Without `rpm`, `dpkg` or the corpora the tests say so and pass, except under `CI=true`, where a missing
//! reference is a failure.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use gofed_goland::{
    debian_package, fedora_name, repository_root, upstream_to_package, Distro, FedoraNaming,
    Overrides,
};

fn ci() -> bool {
    matches!(std::env::var("CI").as_deref(), Ok("true" | "1"))
}

/// Skips (loudly) or, under CI, fails when a reference is missing.
fn missing(what: &str) {
    assert!(!ci(), "CI=true: {what} is missing");
    eprintln!("SKIP: {what} is missing");
}

/// The shared directory of the oracle kit and the corpora, found as `scripts/lib.sh` finds the oracle:
/// `$ORACLE_DIR/..`, else `REPO/../shared`, else `/work/shared` (a clean clone elsewhere, as CI's).
fn shared() -> PathBuf {
    if let Some(oracle) = std::env::var_os("ORACLE_DIR").filter(|d| !d.is_empty()) {
        return Path::new(&oracle).join("..");
    }
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if beside.join("oracle").is_dir() {
        return beside;
    }
    PathBuf::from("/work/shared")
}

/// `%global goipath X` (or `goipath0`) and whether `%gometa` has `-L`, for each spec of the Fedora corpus.
fn corpus_specs() -> Vec<(PathBuf, String, bool, String)> {
    let dir = shared().join("corpus/fedora-go-specs");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut specs = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|e| e != "spec") {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let mut goipath = None;
        let mut new_versioning = false;
        let mut name = String::new();
        for line in text.lines() {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["%global", "goipath" | "goipath0", value, ..] if goipath.is_none() => {
                    goipath = Some((*value).to_owned())
                }
                ["%gometa", flags @ ..] => new_versioning |= flags.contains(&"-L"),
                ["Name:", value, ..] if name.is_empty() => name = (*value).to_owned(),
                _ => {}
            }
        }
        // A goipath made of other macros is not a plain import path.
        if let Some(goipath) = goipath.filter(|g| !g.contains('%')) {
            specs.push((path, goipath, new_versioning, name));
        }
    }
    specs.sort();
    specs
}

/// Import paths of the Debian packages installed here: package → the root its files sit under.
fn debian_pairs() -> Option<Vec<(String, String)>> {
    let listed = Command::new("dpkg-query")
        .args(["-W", "-f", "${Package}\n", "golang-*-dev"])
        .output()
        .ok()?;
    let packages: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    let mut pairs = Vec::new();
    for package in packages {
        let Ok(files) = Command::new("dpkg").args(["-L", &package]).output() else {
            continue;
        };
        let dirs: BTreeSet<String> = String::from_utf8_lossy(&files.stdout)
            .lines()
            .filter(|l| l.ends_with(".go"))
            .filter_map(|l| l.strip_prefix("/usr/share/gocode/src/"))
            .filter_map(|l| l.rsplit_once('/').map(|(d, _)| d.to_owned()))
            .collect();
        // The shortest common directory of its Go files: the root it installs.
        let Some(first) = dirs.iter().next() else {
            continue;
        };
        let mut root: Vec<&str> = first.split('/').collect();
        for dir in &dirs {
            let parts: Vec<&str> = dir.split('/').collect();
            let common = root.iter().zip(&parts).take_while(|(a, b)| a == b).count();
            root.truncate(common);
        }
        let root = root.join("/");
        if root.contains('.') {
            pairs.push((package, root));
        }
    }
    Some(pairs)
}

/// go-rpm-macros' `rpmname` of each path, run by rpm's Lua; `None` when rpm is not installed.
fn lua_rpmnames(paths: &[String], new_versioning: bool) -> Option<Vec<String>> {
    let kit = shared().join("oracle/third_party/fedora-go-macros/lua");
    if !kit.is_dir() {
        return None;
    }
    // One rpm run for all: the names separated by a line of their own.
    let list: String = paths.iter().map(|p| format!("[==[{p}]==],")).collect();
    let define = if new_versioning {
        "rpm.define(\"go_use_new_versioning 1\");"
    } else {
        ""
    };
    let lua = format!(
        "%{{lua: package.path = \"{}/?.lua;\" .. package.path; {define} local go = require \"fedora.srpm.go\"; \
         for _, p in ipairs({{{list}}}) do print(go.rpmname(p, \"\") .. \"\\n\") end}}",
        kit.display()
    );
    let out = Command::new("rpm").arg("--eval").arg(&lua).output().ok()?;
    assert!(
        out.status.success(),
        "rpm --eval: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    Some(names)
}

#[test]
fn fedora_names_equal_go_rpm_macros_rpmname() {
    let mut paths: BTreeSet<String> = corpus_specs().into_iter().map(|(_, g, _, _)| g).collect();
    if let Some(pairs) = debian_pairs() {
        paths.extend(pairs.into_iter().map(|(_, root)| root));
    }
    // The rules' corners: schemes, .git, git. prefixes, x.y.z runs, -for-go-, repeated words, v-versions, case.
    for tricky in [
        "https://github.com/Azure/azure-sdk-for-go/sdk/azcore",
        "git.sr.ht/~sircmpwn/getopt",
        "github.com/go-git/go-git/v5",
        "github.com/golang/go.tools.git/foo",
        "gopkg.in/check.v1",
        "github.com/a/b.v1.2.3-rc",
        "github.com/foo/foo-foo/v10",
        "github.com/x/lib2/v3",
        "go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc",
        "k8s.io/client-go",
        "HTTPS://Example.COM/A_B/c~d",
        "gitlab.com/x/y.git",
        "gonum.org/v1/gonum",
        "cloud.google.com/go/storage",
        "github.com/a/v2.5.0",
    ] {
        paths.insert(tricky.to_owned());
    }
    let paths: Vec<String> = paths.into_iter().collect();
    assert!(paths.len() > 15 || !ci(), "the corpora give import paths");
    for new_versioning in [false, true] {
        let Some(want) = lua_rpmnames(&paths, new_versioning) else {
            missing("rpm (Debian's rpm package) or the fedora-go-macros kit");
            return;
        };
        assert_eq!(want.len(), paths.len(), "one name per path from rpm");
        let naming = FedoraNaming {
            new_versioning,
            compat_id: None,
        };
        let differ: Vec<String> = paths
            .iter()
            .zip(&want)
            .filter(|(path, want)| fedora_name(path, &naming) != **want)
            .map(|(path, want)| {
                format!(
                    "{path}: rpmname {want}, gofed {}",
                    fedora_name(path, &naming)
                )
            })
            .collect();
        assert!(
            differ.is_empty(),
            "-L {new_versioning}: {} of {} differ:\n{}",
            differ.len(),
            paths.len(),
            differ.join("\n")
        );
        eprintln!(
            "fedora rpmname (-L {new_versioning}): {} import paths, all equal",
            paths.len()
        );
    }
}

#[test]
fn fedora_corpus_names_are_the_computed_ones() {
    let specs = corpus_specs();
    if specs.is_empty() {
        missing("the Fedora spec corpus (../shared/corpus/fedora-go-specs)");
        return;
    }
    let mut compared = 0;
    let mut differ = Vec::new();
    for (path, goipath, new_versioning, name) in &specs {
        // Only packages named by %gometa: applications name themselves.
        if name != "%{goname}" && name != "%goname" {
            continue;
        }
        compared += 1;
        let naming = FedoraNaming {
            new_versioning: *new_versioning,
            compat_id: None,
        };
        // %gometa names the package after goipath itself, which is the repository root the spec packages.
        let ours = fedora_name(goipath, &naming);
        let mapped = upstream_to_package(goipath, Distro::Fedora, &naming, &Overrides::new());
        if mapped.root_known && mapped.package != ours {
            differ.push(format!(
                "{}: root {} named {}, goipath named {ours}",
                path.display(),
                mapped.root,
                mapped.package
            ));
        }
    }
    eprintln!("fedora corpus: {compared} specs named by %gometa; {} whose goipath is below its repository root", differ.len());
    assert!(compared >= 200, "{compared} specs compared");
    // A goipath deeper than its repository root (a module in a subdirectory) is named after itself.
    assert!(differ.len() * 20 <= compared, "{}", differ.join("\n"));
}

#[test]
fn debian_names_equal_the_installed_packages() {
    let Some(pairs) = debian_pairs() else {
        missing("dpkg");
        return;
    };
    if pairs.len() < 50 {
        missing("the Debian golang-*-dev packages (scripts/install-test-deps.sh)");
        return;
    }
    let mut differ = Vec::new();
    for (package, root) in &pairs {
        // The package is named after the root of the repository it ships, when the provider's rules know it.
        let root = repository_root(root).unwrap_or(root);
        let ours = debian_package(root);
        if &ours != package {
            differ.push(format!("{package}: {root} named {ours}"));
        }
    }
    let agree = pairs.len() - differ.len();
    eprintln!(
        "debian: {agree} of {} installed packages named as dh-make-golang names them",
        pairs.len()
    );
    for line in &differ {
        eprintln!("  {line}");
    }
    // Debian's older packages kept names chosen by hand (listed above): the rule must hold for most.
    assert!(
        agree * 100 >= pairs.len() * 85,
        "{agree} of {} agree",
        pairs.len()
    );
}
