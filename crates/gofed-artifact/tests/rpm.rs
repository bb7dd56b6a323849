//! Binary and source RPMs, built for real in the test (rpmbuild from Debian's `rpm` package, and the rpm crate's
//! builder), read with `gofed_artifact::open`; and hostile ones: corrupt and truncated headers, crafted cpio
//! payloads (traversal, absolute paths, links, devices, a huge declared size, a bomb, many entries).

use gofed_artifact::{open, rpm as rpm_reader, Artifact, ArtifactError, Kind, Limits};
use std::io::Write;
use std::path::Path;
use std::process::Command;

#[path = "support/rpmbuild.rs"]
mod support;
use support::{rpmbuild, rpmbuild_in};

/// The sources the devel package installs, below /usr/share/gocode/src/github.com/example/foo.
const SOURCES: [(&str, &str); 3] = [
    ("foo.go", "package foo\n\nfunc Foo() int { return 1 }\n"),
    ("sub/bar.go", "package sub\n\nconst Bar = \"bar\"\n"),
    (".goipath", "version: 1.2.3\n"),
];
const GOCODE_ROOT: &str = "usr/share/gocode/src/github.com/example/foo";

/// The spec of golang-github-example-foo: a devel subpackage with the sources under %{gopath}/src (and a symlink
/// among them, as alias import paths are), and a subpackage with no Go sources.
const DEVEL_SPEC: &str = r#"Name: golang-github-example-foo
Version: 1.2.3
Release: 4.fc42
Summary: Example Go library
License: MIT
BuildArch: noarch
%description
Example.
%package devel
Summary: Example Go library, sources
%description devel
Sources.
%package doc
Summary: Example Go library, documentation
%description doc
Documentation.
%install
d=%{buildroot}/usr/share/gocode/src/github.com/example/foo
mkdir -p $d/sub %{buildroot}/usr/share/licenses/foo %{buildroot}/usr/share/doc/foo
printf 'package foo\n\nfunc Foo() int { return 1 }\n' > $d/foo.go
printf 'package sub\n\nconst Bar = "bar"\n' > $d/sub/bar.go
printf 'version: 1.2.3\n' > $d/.goipath
ln -s foo.go $d/alias.go
printf 'MIT\n' > %{buildroot}/usr/share/licenses/foo/LICENSE
printf 'docs\n' > %{buildroot}/usr/share/doc/foo/README
%files devel
/usr/share/gocode/src/github.com/example/foo
/usr/share/licenses/foo
%files doc
/usr/share/doc/foo
"#;

/// Builds the devel and doc packages with the payload `io` (`w9.gzdio`, ...); returns (devel, doc).
fn build_devel(rpmbuild: &Path, top: &Path, io: &str) -> (Vec<u8>, Vec<u8>) {
    let specs = top.join("SPECS");
    std::fs::create_dir_all(&specs).expect("SPECS");
    let spec = specs.join("foo.spec");
    std::fs::write(&spec, DEVEL_SPEC).expect("spec");
    let spec = spec.to_str().expect("utf-8 path");
    let rpms = rpmbuild_in(
        rpmbuild,
        top,
        &["--define", &format!("_binary_payload {io}"), "-bb", spec],
    );
    let find = |sub: &str| {
        let path = rpms
            .iter()
            .find(|p| {
                p.file_name().is_some_and(|n| {
                    n.to_string_lossy()
                        .starts_with(&format!("golang-github-example-foo-{sub}-"))
                })
            })
            .unwrap_or_else(|| panic!("the {sub} package among {rpms:?}"));
        std::fs::read(path).expect("read rpm")
    };
    (find("devel"), find("doc"))
}

/// Where the payload of an RPM starts: after the lead, the signature header (padded to 8) and the header.
fn payload_offset(rpm: &[u8]) -> usize {
    let header_len = |at: usize| {
        let be = |i: usize| u32::from_be_bytes(rpm[i..i + 4].try_into().expect("4 bytes")) as usize;
        16 + 16 * be(at + 8) + be(at + 12)
    };
    let signature_end = 96 + header_len(96);
    let header_start = signature_end.next_multiple_of(8);
    header_start + header_len(header_start)
}

fn paths(artifact: &Artifact) -> Vec<&str> {
    artifact.files.iter().map(|f| f.path.as_str()).collect()
}

fn expected_devel_paths() -> Vec<String> {
    let mut expected: Vec<String> = SOURCES
        .iter()
        .map(|(path, _)| format!("{GOCODE_ROOT}/{path}"))
        .collect();
    expected.push("usr/share/licenses/foo/LICENSE".to_owned());
    expected.sort();
    expected
}

#[test]
fn devel_rpms_with_gzip_xz_and_zstd_payloads_give_their_sources_and_import_path() {
    let Some(rpmbuild) =
        rpmbuild("devel_rpms_with_gzip_xz_and_zstd_payloads_give_their_sources_and_import_path")
    else {
        return;
    };
    for (io, magic) in [
        ("w9.gzdio", &b"\x1f\x8b"[..]),
        ("w6.xzdio", &b"\xfd7zXZ\x00"[..]),
        ("w19.zstdio", &[0x28, 0xb5, 0x2f, 0xfd][..]),
    ] {
        let top = tempfile::tempdir().expect("temp dir");
        let (devel, doc) = build_devel(&rpmbuild, top.path(), io);
        assert!(
            devel[payload_offset(&devel)..].starts_with(magic),
            "{io}: the payload is compressed as asked"
        );
        let input = format!("foo-devel-{io}.rpm");
        let artifact = open(&input, &devel, &Limits::default()).expect("the devel RPM reads");
        assert_eq!(artifact.kind, Some(Kind::Rpm));
        assert_eq!(paths(&artifact), expected_devel_paths(), "{io}");
        for (path, content) in SOURCES {
            let file = artifact
                .files
                .iter()
                .find(|f| f.path == format!("{GOCODE_ROOT}/{path}"))
                .expect("source present");
            assert_eq!(file.data, content.as_bytes(), "{io}: {path}");
        }
        assert_eq!(
            artifact.import_path.as_deref(),
            Some("github.com/example/foo")
        );
        assert_eq!(artifact.root, GOCODE_ROOT);
        assert_eq!(artifact.version.as_deref(), Some("1.2.3"));
        assert_eq!(artifact.release.as_deref(), Some("4.fc42"));
        assert_eq!(artifact.sha256, gofed_artifact::sha256_hex(&devel));
        // The alias symlink is left out, and said so.
        assert_eq!(artifact.warnings.len(), 1, "{:?}", artifact.warnings);
        assert_eq!(artifact.warnings[0].input, input);
        assert!(artifact.warnings[0].entry.ends_with("/alias.go"));
        assert!(artifact.warnings[0].reason.contains("symbolic link"));

        // A package without Go sources cannot be analysed: an error naming it.
        let err = open("foo-doc.rpm", &doc, &Limits::default()).expect_err("no Go sources");
        assert!(matches!(err, ArtifactError::Unusable { .. }), "{err}");
        let message = err.to_string();
        assert!(message.starts_with("foo-doc.rpm: "), "{message}");
        assert!(message.contains("/usr/share/gocode/src"), "{message}");
    }
}

#[test]
fn rpms_from_the_rpm_crates_builder_read_too() {
    for compression in [::rpm::CompressionType::Gzip, ::rpm::CompressionType::None] {
        let mut builder = ::rpm::PackageBuilder::new(
            "golang-github-example-bar-devel",
            "0.9.1",
            "MIT",
            "noarch",
            "bar",
        );
        builder
            .release("2.fc43")
            .using_config(::rpm::BuildConfig::default().compression(compression));
        for (path, content) in [
            ("github.com/example/bar/bar.go", "package bar\n"),
            ("github.com/example/bar/v2/bar.go", "package bar\n"),
            ("github.com/example/bar/.goipath", ""),
            ("github.com/example/bar/v2/.goipath", ""),
        ] {
            builder
                .with_file_contents(
                    content,
                    ::rpm::FileOptions::new(format!("/usr/share/gocode/src/{path}")),
                )
                .expect("file added");
        }
        let package = builder.build().expect("package built");
        let mut bytes = Vec::new();
        package.write(&mut bytes).expect("package written");
        let artifact = open("bar.rpm", &bytes, &Limits::default()).expect("reads");
        assert_eq!(paths(&artifact).len(), 4);
        // Two import paths, one inside the other: their common root.
        assert_eq!(
            artifact.import_path.as_deref(),
            Some("github.com/example/bar")
        );
        assert_eq!(artifact.root, "usr/share/gocode/src/github.com/example/bar");
        assert_eq!(artifact.version.as_deref(), Some("0.9.1"));
        assert_eq!(artifact.release.as_deref(), Some("2.fc43"));
        assert!(artifact.warnings.is_empty(), "{:?}", artifact.warnings);
    }
}

/// Builds `SOURCES/name` as a tar.gz of `top_dir/` holding `files`, with the real `tar`.
fn make_tarball(sources: &Path, name: &str, top_dir: &str, files: &[(&str, &str)]) {
    let staging = tempfile::tempdir().expect("staging");
    for (path, content) in files {
        let path = staging.path().join(top_dir).join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
        std::fs::write(path, content).expect("file");
    }
    let status = Command::new("tar")
        .arg("-czf")
        .arg(sources.join(name))
        .arg("-C")
        .arg(staging.path())
        .arg(top_dir)
        .status()
        .expect("tar runs");
    assert!(status.success());
}

/// Builds a source RPM from `spec` with `sources` (name, content) already in SOURCES, plus `defines`.
fn build_srpm(rpmbuild: &Path, top: &Path, spec: &str, defines: &[(&str, &str)]) -> Vec<u8> {
    std::fs::create_dir_all(top.join("SPECS")).expect("SPECS");
    let spec_path = top.join("SPECS/foo.spec");
    std::fs::write(&spec_path, spec).expect("spec");
    let mut args: Vec<String> = vec!["--define".to_owned(), "_source_payload w9.gzdio".to_owned()];
    for (name, body) in defines {
        args.push("--define".to_owned());
        args.push(format!("{name} {body}"));
    }
    args.push("-bs".to_owned());
    args.push(spec_path.to_string_lossy().into_owned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match rpmbuild_in(rpmbuild, top, &args).as_slice() {
        [srpm] => std::fs::read(srpm).expect("read srpm"),
        built => panic!("one source package: {built:?}"),
    }
}

const UPSTREAM: [(&str, &str); 2] = [
    ("foo.go", "package foo\n\nfunc Foo() int { return 1 }\n"),
    ("go.mod", "module github.com/example/foo\n\ngo 1.21\n"),
];

#[test]
fn srpm_gives_the_source0_archive_entered_as_setup_would() {
    let Some(rpmbuild) = rpmbuild("srpm_gives_the_source0_archive_entered_as_setup_would") else {
        return;
    };
    let top = tempfile::tempdir().expect("temp dir");
    let sources = top.path().join("SOURCES");
    std::fs::create_dir_all(&sources).expect("SOURCES");
    // The archive's top directory is not %{name}-%{version}: %autosetup -n names it.
    make_tarball(&sources, "foo-1.2.3.tar.gz", "foo-1.2.3", &UPSTREAM);
    make_tarball(
        &sources,
        "extra-data.tar.gz",
        "extra",
        &[("data.txt", "x\n")],
    );
    std::fs::write(sources.join("fix.patch"), "--- a/foo.go\n+++ b/foo.go\n").expect("patch");
    let spec = r#"%global goipath github.com/example/foo
%global shortname foo
Name: golang-github-example-foo
Version: 1.2.3
Release: 5.fc42
Summary: x
License: MIT
URL: https://%{goipath}
Source1: extra-data.tar.gz
Source0: %{url}/archive/v%{version}/%{shortname}-%{version}.tar.gz
Patch0: fix.patch
%description
x
%prep
%autosetup -p1 -n %{shortname}-%{version}
%setup -q -T -D -a 1
%files
"#;
    let srpm = build_srpm(&rpmbuild, top.path(), spec, &[]);
    let artifact = open("foo.src.rpm", &srpm, &Limits::default()).expect("the SRPM reads");
    assert_eq!(artifact.kind, Some(Kind::Srpm));
    assert_eq!(paths(&artifact), ["foo-1.2.3/foo.go", "foo-1.2.3/go.mod"]);
    assert_eq!(artifact.root, "foo-1.2.3");
    assert_eq!(artifact.version.as_deref(), Some("1.2.3"));
    assert_eq!(artifact.release.as_deref(), Some("5.fc42"));
    assert_eq!(
        artifact.others,
        ["extra-data.tar.gz", "fix.patch", "foo.spec"]
    );
    assert!(artifact.warnings.is_empty(), "{:?}", artifact.warnings);
}

#[test]
fn srpm_with_go_macros_it_cannot_expand_uses_the_headers_sources() {
    let Some(rpmbuild) = rpmbuild("srpm_with_go_macros_it_cannot_expand_uses_the_headers_sources")
    else {
        return;
    };
    let top = tempfile::tempdir().expect("temp dir");
    let sources = top.path().join("SOURCES");
    std::fs::create_dir_all(&sources).expect("SOURCES");
    let commit = "0123456789abcdef0123456789abcdef01234567";
    make_tarball(
        &sources,
        &format!("foo-{commit}.tar.gz"),
        &format!("foo-{commit}"),
        &UPSTREAM,
    );
    std::fs::write(sources.join("foo-vendor.tar.bz2"), "not read").expect("vendor");
    // As on Fedora, %gosource and %goprep come from go-rpm-macros' macro files, not from the spec (here:
    // --define); the reader sees only the spec and the header.
    let spec = format!(
        r#"%global goipath github.com/example/foo
%global commit {commit}
Name: golang-github-example-foo
Version: 0
Release: 0.1.20250101git0123456%{{?dist}}
Summary: x
License: MIT
Source0: %{{gosource}}
Source1: foo-vendor.tar.bz2
%description
x
%prep
%goprep
%files
"#
    );
    let srpm = build_srpm(
        &rpmbuild,
        top.path(),
        &spec,
        &[
            (
                "gosource",
                "https://github.com/example/foo/archive/%{commit}/foo-%{commit}.tar.gz",
            ),
            ("goprep", "%setup -q -n foo-%{commit}"),
        ],
    );
    let artifact = open("foo.src.rpm", &srpm, &Limits::default()).expect("the SRPM reads");
    let top_dir = format!("foo-{commit}");
    assert_eq!(artifact.root, top_dir);
    assert_eq!(
        paths(&artifact),
        [format!("{top_dir}/foo.go"), format!("{top_dir}/go.mod")]
    );
    assert_eq!(artifact.version.as_deref(), Some("0"));
    assert_eq!(artifact.release.as_deref(), Some("0.1.20250101git0123456"));
    assert_eq!(artifact.others, ["foo-vendor.tar.bz2", "foo.spec"]);
}

#[test]
fn srpm_without_its_source0_archive_is_unusable_and_says_which() {
    let Some(rpmbuild) = rpmbuild("srpm_without_its_source0_archive_is_unusable_and_says_which")
    else {
        return;
    };
    let top = tempfile::tempdir().expect("temp dir");
    let sources = top.path().join("SOURCES");
    std::fs::create_dir_all(&sources).expect("SOURCES");
    std::fs::write(sources.join("fix.patch"), "--- a/x\n").expect("patch");
    make_tarball(&sources, "foo-2.0.tar.gz", "foo-2.0", &UPSTREAM);
    // NoSource: rpmbuild leaves Source0 out of the package (a .nosrc.rpm, still a source package).
    let spec = r#"Name: foo
Version: 2.0
Release: 1
Summary: x
License: MIT
Source0: https://example.com/foo-%{version}.tar.gz
NoSource: 0
Patch0: fix.patch
%description
x
%prep
%autosetup -p1
%files
"#;
    let srpm = build_srpm(&rpmbuild, top.path(), spec, &[]);
    let err = open("foo.nosrc.rpm", &srpm, &Limits::default()).expect_err("no archive");
    assert!(matches!(err, ArtifactError::Unusable { .. }), "{err}");
    let message = err.to_string();
    assert!(message.starts_with("foo.nosrc.rpm: "), "{message}");
    assert!(message.contains("foo-2.0.tar.gz"), "{message}");
}

/// A small devel RPM from the rpm crate's builder, the base of the hostile cases.
fn small_rpm() -> Vec<u8> {
    let mut builder = ::rpm::PackageBuilder::new("golang-x-devel", "1.0", "MIT", "noarch", "x");
    builder.using_config(::rpm::BuildConfig::default().compression(::rpm::CompressionType::Gzip));
    builder
        .with_file_contents(
            "package x\n",
            ::rpm::FileOptions::new("/usr/share/gocode/src/example.org/x/x.go"),
        )
        .expect("file added");
    let mut bytes = Vec::new();
    builder
        .build()
        .expect("built")
        .write(&mut bytes)
        .expect("written");
    bytes
}

#[test]
fn corrupt_rpm_headers_are_errors_naming_the_input_never_panics() {
    let good = small_rpm();
    let payload = payload_offset(&good);
    open("good.rpm", &good, &Limits::default()).expect("the unmodified RPM reads");
    // Every byte of the lead and both headers, inverted in turn.
    let mut errors = 0;
    for at in 0..payload {
        let mut bad = good.clone();
        bad[at] = !bad[at];
        match rpm_reader::read_rpm("bad.rpm", &bad, &Limits::default()) {
            Ok(_) => {}
            Err(err) => {
                assert!(err.to_string().starts_with("bad.rpm: "), "{err}");
                errors += 1;
            }
        }
    }
    assert!(errors > 0, "some of the {payload} corruptions are noticed");
    // Claims the reader must not believe: a huge entry count, a huge data size, an offset outside the header.
    let header = (96 + 16 + 16 * be32(&good, 96 + 8) + be32(&good, 96 + 12)).next_multiple_of(8);
    for (at, value, expected) in [
        (header + 8, u32::MAX, "entries"),
        (header + 12, u32::MAX, "bytes of data"),
        (header + 16 + 8, 0x7fff_fff0, "outside the header"),
        (header + 16 + 8, u32::MAX, "outside the header"),
        (header + 16 + 12, u32::MAX, "past the header"),
    ] {
        let mut bad = good.clone();
        bad[at..at + 4].copy_from_slice(&value.to_be_bytes());
        let err = rpm_reader::read_rpm("bad.rpm", &bad, &Limits::default()).expect_err("corrupt");
        assert!(matches!(err, ArtifactError::Corrupt { .. }), "{err}");
        assert!(err.to_string().contains(expected), "{expected}: {err}");
    }
}

fn be32(bytes: &[u8], at: usize) -> usize {
    u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize
}

#[test]
fn truncated_rpms_are_errors_naming_the_input() {
    let good = small_rpm();
    let payload = payload_offset(&good);
    for cut in 0..good.len() - 1 {
        let err = rpm_reader::read_rpm("cut.rpm", &good[..cut], &Limits::default())
            .expect_err("truncated");
        // Cut inside the compressed stream, the reader sees a damaged stream or a truncated one.
        assert!(matches!(err, ArtifactError::Corrupt { .. }), "{cut}: {err}");
        let message = err.to_string();
        assert!(message.starts_with("cut.rpm: "), "{message}");
        if cut <= payload + 5 {
            assert!(message.contains("truncated"), "{cut}: {message}");
        }
    }
}

#[test]
fn files_that_are_not_rpms_are_unrecognised_whatever_their_name() {
    for bytes in [
        &b"package main\n"[..],
        b"",
        // The RPM magic with a package type that is neither binary nor source.
        &[0xed, 0xab, 0xee, 0xdb, 3, 0, 0, 9, 0, 0],
    ] {
        let err = open(
            "golang-foo-devel-1.0-1.noarch.rpm",
            bytes,
            &Limits::default(),
        )
        .expect_err("not an RPM");
        assert!(matches!(err, ArtifactError::Unrecognised { .. }), "{err}");
        assert!(err
            .to_string()
            .starts_with("golang-foo-devel-1.0-1.noarch.rpm: "));
    }
    // The magic and a binary type, then nothing an RPM has.
    let mut fake = vec![0xed, 0xab, 0xee, 0xdb, 3, 0, 0, 0];
    fake.extend(b"package main\n".repeat(20));
    let err = open("fake.rpm", &fake, &Limits::default()).expect_err("corrupt");
    assert!(matches!(err, ArtifactError::Corrupt { .. }), "{err}");
}

/// One newc cpio entry.
fn cpio_entry(out: &mut Vec<u8>, name: &str, mode: u32, nlink: u32, declared: u64, data: &[u8]) {
    let fields = [
        1,
        mode as u64,
        0,
        0,
        nlink as u64,
        0,
        declared,
        0,
        0,
        0,
        0,
        name.len() as u64 + 1,
        0,
    ];
    out.extend(b"070701");
    for field in fields {
        out.extend(format!("{field:08x}").as_bytes());
    }
    out.extend(name.as_bytes());
    out.push(0);
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
    out.extend(data);
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
}

fn cpio_trailer(out: &mut Vec<u8>) {
    cpio_entry(out, "TRAILER!!!", 0, 1, 0, b"");
}

/// `bytes` compressed by the `gzip` binary: the flate2 encoder, unoptimised in a test build, takes minutes for
/// the bomb's 64 MiB.
fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut child = Command::new("gzip")
        .arg("-1c")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("gzip runs");
    let mut stdin = child.stdin.take().expect("stdin");
    let output = std::thread::scope(|scope| {
        scope.spawn(move || stdin.write_all(bytes).expect("gzip input"));
        child.wait_with_output().expect("gzip output")
    });
    assert!(output.status.success());
    output.stdout
}

/// `bytes` compressed with zstd: in a test build its C library is still fast, where the Rust inflate of a gzip
/// stream runs at a few hundred KB/s (its CRC unoptimised), minutes for a bomb.
fn zstd(bytes: &[u8]) -> Vec<u8> {
    zstd::stream::encode_all(bytes, 1).expect("zstd")
}

/// A real RPM (lead and headers) with `payload` in place of its own.
fn with_payload(payload: &[u8]) -> Vec<u8> {
    let good = small_rpm();
    let mut crafted = good[..payload_offset(&good)].to_vec();
    crafted.extend(payload);
    crafted
}

const OK: &str = "./usr/share/gocode/src/example.org/x/ok.go";

#[test]
fn hostile_cpio_entries_are_skipped_with_warnings_naming_them() {
    let mut cpio = Vec::new();
    cpio_entry(&mut cpio, OK, 0o100644, 1, 10, b"package x\n");
    let hostile = [
        (
            "./usr/share/gocode/src/example.org/x/../../../../../etc/evil.go",
            0o100644,
            1,
            "`..`",
        ),
        ("/etc/absolute.go", 0o100644, 1, "absolute"),
        (
            "./usr/share/gocode/src/example.org/x/link.go",
            0o120777,
            1,
            "symbolic link",
        ),
        (
            "./usr/share/gocode/src/example.org/x/tty",
            0o020666,
            1,
            "device",
        ),
        (
            "./usr/share/gocode/src/example.org/x/disk",
            0o060666,
            1,
            "device",
        ),
        (
            "./usr/share/gocode/src/example.org/x/fifo",
            0o010644,
            1,
            "FIFO",
        ),
        (
            "./usr/share/gocode/src/example.org/x/socket",
            0o140644,
            1,
            "not a regular file",
        ),
        (
            "./usr/share/gocode/src/example.org/x/hard.go",
            0o100644,
            2,
            "hard link",
        ),
    ];
    for (name, mode, nlink, _) in hostile {
        let data: &[u8] = match mode & 0o170000 {
            0o120000 => b"../../../../../../etc/passwd",
            0o100000 if nlink == 1 => b"package evil\n",
            _ => b"",
        };
        cpio_entry(&mut cpio, name, mode, nlink, data.len() as u64, data);
    }
    cpio_trailer(&mut cpio);
    for payload in [gzip(&cpio), cpio.clone()] {
        let artifact = open("hostile.rpm", &with_payload(&payload), &Limits::default())
            .expect("the RPM reads, without the hostile entries");
        assert_eq!(
            paths(&artifact),
            ["usr/share/gocode/src/example.org/x/ok.go"]
        );
        assert_eq!(artifact.import_path.as_deref(), Some("example.org/x"));
        assert_eq!(
            artifact.warnings.len(),
            hostile.len(),
            "{:?}",
            artifact.warnings
        );
        for ((name, _, _, reason), warning) in hostile.iter().zip(&artifact.warnings) {
            assert_eq!(warning.input, "hostile.rpm");
            assert_eq!(warning.entry, *name);
            assert!(
                warning.reason.contains(reason),
                "{name}: {}",
                warning.reason
            );
        }
    }
}

#[test]
fn declared_sizes_are_not_trusted() {
    // A size beyond the single-file limit: refused before anything is read or allocated.
    let mut huge = Vec::new();
    cpio_entry(&mut huge, OK, 0o100644, 1, 0xffff_ffff, b"package x\n");
    let err = open("huge.rpm", &with_payload(&gzip(&huge)), &Limits::default()).expect_err("limit");
    assert!(matches!(err, ArtifactError::Limit { .. }), "{err}");
    assert!(
        err.to_string().starts_with("huge.rpm: ") && err.to_string().contains("ok.go"),
        "{err}"
    );
    // Within the limit but more than is there: truncated.
    let mut short = Vec::new();
    cpio_entry(&mut short, OK, 0o100644, 1, 100_000, b"package x\n");
    let err = open(
        "short.rpm",
        &with_payload(&gzip(&short)),
        &Limits::default(),
    )
    .expect_err("short");
    assert!(matches!(err, ArtifactError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("truncated"), "{err}");
    // The total limit, over several files.
    let mut many = Vec::new();
    for i in 0..4 {
        cpio_entry(
            &mut many,
            &format!("{OK}{i}"),
            0o100644,
            1,
            1000,
            &[b' '; 1000],
        );
    }
    cpio_trailer(&mut many);
    let limits = Limits {
        max_total_size: 2500,
        ..Limits::default()
    };
    let err = open("total.rpm", &with_payload(&gzip(&many)), &limits).expect_err("total");
    assert!(
        matches!(err, ArtifactError::Limit { limit: 2500, .. }),
        "{err}"
    );
}

#[test]
fn a_payload_bomb_stops_at_the_ratio_limit() {
    // 64 MiB of zeros compress to a few KiB: a ratio in the thousands.
    let mut cpio = Vec::new();
    cpio_entry(&mut cpio, OK, 0o100644, 1, 64 << 20, &vec![0; 64 << 20]);
    cpio_trailer(&mut cpio);
    let bomb = with_payload(&zstd(&cpio));
    drop(cpio);
    let err = open("bomb.rpm", &bomb, &Limits::default()).expect_err("ratio");
    assert!(
        matches!(err, ArtifactError::Limit { limit: 100, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("compression ratio"), "{err}");
}

#[test]
fn many_tiny_entries_stop_at_the_entry_limit() {
    let mut cpio = Vec::new();
    for i in 0..30_000 {
        cpio_entry(
            &mut cpio,
            &format!("./usr/share/gocode/src/x/{i}.go"),
            0o100644,
            1,
            0,
            b"",
        );
    }
    cpio_trailer(&mut cpio);
    let rpm = with_payload(&zstd(&cpio));
    let limits = Limits {
        max_entries: 20_000,
        ..Limits::default()
    };
    let err = open("many.rpm", &rpm, &limits).expect_err("entries");
    assert!(
        matches!(err, ArtifactError::Limit { limit: 20_000, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("more than 20000 entries"), "{err}");
    // Raised, they are read.
    let limits = Limits {
        max_entries: 30_000,
        ..Limits::default()
    };
    let artifact = open("many.rpm", &rpm, &limits).expect("within the raised limit");
    assert_eq!(artifact.files.len(), 30_000);
    assert_eq!(artifact.import_path.as_deref(), Some("x"));
}

#[test]
fn corrupt_payloads_are_errors() {
    let mut cpio = Vec::new();
    cpio_entry(&mut cpio, OK, 0o100644, 1, 10, b"package x\n");
    cpio_trailer(&mut cpio);
    let mut compressed = gzip(&cpio);
    // Damage the deflate stream in its middle.
    let middle = compressed.len() / 2;
    compressed[middle] ^= 0xff;
    compressed[middle + 1] ^= 0xff;
    let err = open(
        "damaged.rpm",
        &with_payload(&compressed),
        &Limits::default(),
    )
    .expect_err("corrupt");
    assert!(
        err.to_string().starts_with("damaged.rpm: gzip payload"),
        "{err}"
    );
    // Not cpio inside.
    let err = open(
        "notcpio.rpm",
        &with_payload(&gzip(
            &b"hello world, not a cpio archive at all. ".repeat(10),
        )),
        &Limits::default(),
    )
    .expect_err("not cpio");
    assert!(err.to_string().contains("not a newc cpio header"), "{err}");
    // A bzip2 payload (older RPMs) reads; the legacy lzma-alone format does not.
    let mut bzip2 = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::fast());
    bzip2.write_all(&cpio).expect("bzip2");
    let bzip2 = bzip2.finish().expect("bzip2");
    let artifact =
        open("bz.rpm", &with_payload(&bzip2), &Limits::default()).expect("bzip2 payload");
    assert_eq!(
        paths(&artifact),
        ["usr/share/gocode/src/example.org/x/ok.go"]
    );
    let err = open(
        "lzma.rpm",
        &with_payload(b"\x5d\x00\x00\x80\x00\xff\xff\xff\xff\xff\xff\xff\xff"),
        &Limits::default(),
    )
    .expect_err("lzma");
    assert!(matches!(err, ArtifactError::Unusable { .. }), "{err}");
}
