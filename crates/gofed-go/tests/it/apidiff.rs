//! Properties of the API differ over every package of the embedded standard library
//! summary (real, varied Go API, no Go installation needed): a package compared with itself
//! has no change; removing an exported declaration is incompatible; adding one is
//! compatible. (Conformance with x/exp/apidiff's own cases and real version pairs is checked
//! by scripts/oracle-apidiff.sh.)

use gofed_go::api::stdlib::{Chain, StdSummary};
use gofed_go::apidiff::changes;
use gofed_go::types::{MemorySource, PackageSource, Program, Sizes};

/// The stub source of one summary package.
fn stub_source(summary: &StdSummary, path: &str) -> String {
    let input = summary.import("", path).expect("package in summary");
    String::from_utf8(input.files[0].src.to_vec()).expect("utf-8 stub")
}

/// The changes from `old_src` to `new_src`, both as package `path`, other imports from the
/// summary.
fn diff(path: &str, old_src: &str, new_src: &str) -> gofed_go::apidiff::Report {
    let old_mem = MemorySource::new(&[(path, &[("old.go", old_src)])]);
    let new_mem = MemorySource::new(&[(path, &[("new.go", new_src)])]);
    let old_source = Chain(vec![Box::new(old_mem), Box::new(StdSummary::new())]);
    let new_source = Chain(vec![Box::new(new_mem), Box::new(StdSummary::new())]);
    let mut old = Program::new(&old_source, Sizes::for_arch("amd64"));
    let mut new = Program::new(&new_source, Sizes::for_arch("amd64"));
    let o = old.package("", path).expect("old package");
    let n = new.package("", path).expect("new package");
    changes(&mut old, o, &mut new, n)
}

fn public_packages(summary: &StdSummary) -> Vec<&'static str> {
    summary
        .paths()
        .into_iter()
        .filter(|p| !p.split('/').any(|e| e == "internal") && !p.starts_with("vendor/"))
        .collect()
}

#[test]
fn a_package_compared_with_itself_has_no_change() {
    let summary = StdSummary::new();
    let packages = public_packages(&summary);
    assert!(
        packages.len() > 100,
        "summary too small: {}",
        packages.len()
    );
    for path in packages {
        let src = stub_source(&summary, path);
        let report = diff(path, &src, &src);
        assert!(
            report.changes.is_empty(),
            "{path}: {:#?}",
            &report.changes[..report.changes.len().min(5)]
        );
    }
}

#[test]
fn removing_an_exported_declaration_is_incompatible_and_adding_one_is_compatible() {
    let summary = StdSummary::new();
    let mut n_checked = 0;
    for (i, path) in public_packages(&summary).into_iter().enumerate() {
        let src = stub_source(&summary, path);
        // Exported functions and variables declared on one line each, deterministically
        // sampled.
        let candidates: Vec<&str> = src
            .lines()
            .filter(|l| {
                (l.starts_with("func ") || l.starts_with("var "))
                    && l.split_whitespace()
                        .nth(1)
                        .is_some_and(|n| n.starts_with(char::is_uppercase))
            })
            .collect();
        if candidates.is_empty() {
            continue;
        }
        let victim = candidates[i % candidates.len()];
        let name: String = victim
            .split_whitespace()
            .nth(1)
            .unwrap_or_default()
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        // Other declarations might use the removed one; only top-level names are removed.
        let removed = src.replacen(&format!("{victim}\n"), "", 1);
        let report = diff(path, &src, &removed);
        assert!(
            report
                .changes
                .iter()
                .any(|c| !c.compatible && c.message == format!("{name}: removed")),
            "{path}: removing {name} gave {:?}",
            report.changes
        );
        assert!(report.has_incompatible());

        let added = format!("{src}func GofedAddedFunc(int) string\nvar GofedAddedVar []byte\n");
        let report = diff(path, &src, &added);
        assert!(
            !report.has_incompatible(),
            "{path}: additions reported incompatible: {:?}",
            report.changes
        );
        for name in ["GofedAddedFunc", "GofedAddedVar"] {
            assert!(
                report
                    .changes
                    .iter()
                    .any(|c| c.compatible && c.message == format!("{name}: added")),
                "{path}: {:?}",
                report.changes
            );
        }
        n_checked += 1;
    }
    assert!(n_checked > 80, "only {n_checked} packages checked");
}

/// A test file in x/exp/apidiff's format (`// old`, `// new`, `// both` switch the
/// package(s) the following lines go to; `// i MSG` and `// c MSG` are expected
/// incompatible and compatible changes) split as its apidiff_test.go does: the old
/// source, the new source, and the expected `i MSG` / `c MSG` lines, sorted.
fn split_case(text: &str) -> (String, String, Vec<String>) {
    let (mut old, mut new, mut want) = (String::new(), String::new(), Vec::new());
    let (mut to_old, mut to_new) = (true, true);
    for line in text.lines() {
        let t = line.trim();
        match t {
            "// old" => (to_old, to_new) = (true, false),
            "// new" => (to_old, to_new) = (false, true),
            "// both" => (to_old, to_new) = (true, true),
            _ if t.starts_with("// i ") || t.starts_with("// c ") => {
                want.push(format!("{} {}", &t[3..4], t[4..].trim()));
            }
            _ => {
                for (on, buf) in [(to_old, &mut old), (to_new, &mut new)] {
                    if on {
                        buf.push_str(line);
                        buf.push('\n');
                    }
                }
            }
        }
    }
    want.sort();
    (old, new, want)
}

/// gofed's own annotated cases, tests/apidiff/*.go: one per rule of today's x/exp/apidiff
/// (same-named types correspond first, alias receivers, aliases becoming defined types,
/// alias names inside changed types, instances, package-qualified names of other packages,
/// one removal per embedded method, promoted methods of other packages, constraint
/// correspondence). Each expected line was checked against apidiff-head by
/// scripts/oracle-apidiff.sh testdata.
#[test]
fn annotated_cases_of_todays_apidiff_rules() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/apidiff");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/apidiff")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "go"))
        .collect();
    files.sort();
    assert!(files.len() >= 9, "{} case files", files.len());
    let mut failures = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("case file");
        let (old, new, want) = split_case(&text);
        assert!(!want.is_empty(), "{}: no expected change", file.display());
        let report = diff("example.com/p", &old, &new);
        let mut got: Vec<String> = report
            .changes
            .iter()
            .map(|c| format!("{} {}", if c.compatible { 'c' } else { 'i' }, c.message))
            .collect();
        got.sort();
        if got != want {
            failures.push(format!(
                "{}:\n  want {want:?}\n  got  {got:?}",
                file.display()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
