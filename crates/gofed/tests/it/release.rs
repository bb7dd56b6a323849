//! `gofed release`: gorelease's check on modules whose base versions come from a file:// module proxy built
//! here, or from a SOURCE (--base-source). The conformance with gorelease itself is scripts/oracle-release.sh.

use std::io::Write as _;
use std::path::Path;
use std::process::Output;

use crate::common::{gofed_command, write};

const GO_MOD: &str = "module example.com/m\n\ngo 1.18\n";
const BASE: &str = "package a\n\nfunc A() {}\n\nfunc B() {}\n";

/// Publishes `module@version` with `files` in the proxy at `proxy`, as golang.org/x/mod/zip lays it out.
fn publish(proxy: &Path, module: &str, version: &str, files: &[(&str, &str)]) {
    let dir = proxy.join(module).join("@v");
    std::fs::create_dir_all(&dir).expect("proxy dir");
    let mut list = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("list"))
        .expect("list");
    writeln!(list, "{version}").expect("list");
    write(
        &dir,
        &format!("{version}.info"),
        format!("{{\"Version\":\"{version}\"}}"),
    );
    write(&dir, &format!("{version}.mod"), GO_MOD);
    let file = std::fs::File::create(dir.join(format!("{version}.zip"))).expect("zip");
    let mut zip = zip::ZipWriter::new(file);
    for (name, content) in files {
        zip.start_file(
            format!("{module}@{version}/{name}"),
            zip::write::SimpleFileOptions::default(),
        )
        .expect("zip entry");
        zip.write_all(content.as_bytes()).expect("zip entry");
    }
    zip.finish().expect("zip");
}

fn release(dir: &Path, proxy: &Path, args: &[&str]) -> Output {
    gofed_command()
        .arg("release")
        .args(args)
        .current_dir(dir)
        .env("GOPROXY", format!("file://{}", proxy.display()))
        // The modules are made up here: no checksum database knows them (as the go command needs too).
        .env("GOSUMDB", "off")
        .output()
        .expect("run gofed release")
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn suggests_and_checks_versions_with_a_module_proxy() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (proxy, module) = (tmp.path().join("proxy"), tmp.path().join("m"));
    for v in ["v1.0.0", "v1.1.0"] {
        publish(
            &proxy,
            "example.com/m",
            v,
            &[("go.mod", GO_MOD), ("a/a.go", BASE)],
        );
    }
    write(&module, "go.mod", GO_MOD);

    // A removal in v1: no version can be suggested (v2 is another module path), exit 1.
    write(&module, "a/a.go", "package a\n\nfunc A() {}\n");
    let out = release(&module, &proxy, &[]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(
        text(&out),
        "# example.com/m/a\n## incompatible changes\nB: removed\n\n# summary\nInferred base version: v1.1.0\n\
         Cannot suggest a release version.\nIncompatible changes were detected.\n\n"
    );
    let out = release(&module, &proxy, &["--version", "v2.0.0"]);
    assert!(
        text(&out).contains("The module path does not end with the major version suffix /v2,"),
        "{}",
        text(&out)
    );

    // An addition: the next minor, against the latest release; an older base cannot suggest one.
    write(&module, "a/a.go", format!("{BASE}\nfunc C() {{}}\n"));
    let out = release(&module, &proxy, &[]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        text(&out).ends_with("Suggested version: v1.2.0\n"),
        "{}",
        text(&out)
    );
    let out = release(&module, &proxy, &["--base", "v1.0.0"]);
    assert!(
        text(&out).contains("most recent version of this major: v1.1.0."),
        "{}",
        text(&out)
    );
    // A proposed version: valid, existing, not incremented.
    let out = release(&module, &proxy, &["--version", "v1.2.0"]);
    assert!(text(&out).ends_with("v1.2.0 is a valid semantic version for this release.\n"));
    let out = release(&module, &proxy, &["--version", "v1.1.1"]);
    assert!(
        text(&out).contains("the minor version is not incremented"),
        "{}",
        text(&out)
    );

    // JSON says the same.
    let out = release(&module, &proxy, &["--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["version"], "v1.2.0");
    assert_eq!(json["suggested"], true);
    assert_eq!(json["base"]["version"], "v1.1.0");
    assert_eq!(json["base"]["inferred"], true);
    assert_eq!(json["packages"][0]["changes"][0]["message"], "C: added");
}

#[test]
fn takes_the_base_as_a_source_and_refuses_bad_requests() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (base, module, proxy) = (
        tmp.path().join("base"),
        tmp.path().join("m"),
        tmp.path().join("empty-proxy"),
    );
    for dir in [&base, &module] {
        write(dir, "go.mod", GO_MOD);
        write(dir, "a/a.go", BASE);
    }
    write(&module, "b/b.go", "package b\n\nfunc X() {}\n");
    let base_arg = base.to_str().expect("utf-8");
    // v0: additions bump the minor, no proxy needed.
    let out = release(
        &module,
        &proxy,
        &["--base-source", base_arg, "--base", "v0.4.2"],
    );
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        text(&out),
        "# example.com/m/b\n## compatible changes\npackage added\n\n# summary\nSuggested version: v0.5.0\n"
    );
    // --base-source needs a version to name.
    let out = release(
        &module,
        &proxy,
        &["--base-source", base_arg, "--base", "latest"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--base-source needs --base"));

    // Usage errors, as gorelease words them: exit 2.
    for (args, message) in [
        (
            &["--version", "v1.2"][..],
            "release version \"v1.2\" is not a canonical semantic version",
        ),
        (
            &["--base", "v1.3.0", "--version", "v1.2.0"][..],
            "base version (\"v1.3.0\") must be lower than release version (\"v1.2.0\")",
        ),
        (
            &["--base", "example.com/m@none"][..],
            "cannot have version \"none\" with explicit module path",
        ),
    ] {
        let out = release(&module, &proxy, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(message),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn a_broken_proxy_or_module_is_a_clear_error() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let (proxy, module) = (tmp.path().join("proxy"), tmp.path().join("m"));
    write(&module, "go.mod", GO_MOD);
    write(&module, "a/a.go", BASE);
    // The proxy does not know the module: no base to infer (gorelease's advice), exit 1.
    let out = release(&module, &proxy, &["--version", "v1.4.0"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(stderr.contains("could not find base version"), "{stderr}");
    assert!(stderr.contains("example.com/m"), "{stderr}");
    // A zip that is not one.
    write(&proxy, "example.com/m/@v/list", "v1.0.0\n");
    write(&proxy, "example.com/m/@v/v1.0.0.zip", "not a zip");
    let out = release(&module, &proxy, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("example.com/m@v1.0.0: not a directory, tar, zip"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // No go.mod in the release's directory.
    let out = release(tmp.path(), &proxy, &["--base", "none"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot find go.mod file"));
}
