//! File and directory name rules of go/build and `go list`.

use crate::build::platform::GoRelease;

/// The kinds of files go/build puts in a package, by extension (go/build's `fileListForExt`
/// plus `.go`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SourceKind {
    /// `.go`.
    Go,
    /// `.c`.
    C,
    /// `.cc`, `.cpp`, `.cxx`.
    Cxx,
    /// `.m` (Objective-C).
    ObjC,
    /// `.h`, `.hh`, `.hpp`, `.hxx`.
    Header,
    /// `.f`, `.F`, `.for`, `.f90`.
    Fortran,
    /// `.s`.
    Asm,
    /// `.S`, `.sx`: assembly for the C compiler, kept only when the package uses cgo.
    AsmCpp,
    /// `.swig`.
    Swig,
    /// `.swigcxx`.
    SwigCxx,
    /// `.syso`: object files, included without reading them.
    Syso,
}

/// How `go list ./...`-style pattern walks treat a directory name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DirKind {
    /// An ordinary directory, walked.
    Normal,
    /// Starts with `.` or `_`, or is `testdata`: never walked by `...` patterns, and go/build
    /// rejects import paths through `testdata`.
    Ignored,
    /// `vendor`: holds vendored packages; in module mode `./...` does not descend into it.
    Vendor,
}

/// The source kind go/build gives `name` by its extension (the text from the last `.`), or
/// `None` if go/build never looks at such files (they are not even listed as ignored).
///
/// Names starting with `_` or `.` are skipped before this; see [`is_hidden`].
pub fn source_kind(name: &str) -> Option<SourceKind> {
    let ext = name.rfind('.').map_or("", |i| &name[i..]);
    let kind = match ext {
        ".go" => SourceKind::Go,
        ".c" => SourceKind::C,
        ".cc" | ".cpp" | ".cxx" => SourceKind::Cxx,
        ".m" => SourceKind::ObjC,
        ".h" | ".hh" | ".hpp" | ".hxx" => SourceKind::Header,
        ".f" | ".F" | ".for" | ".f90" => SourceKind::Fortran,
        ".s" => SourceKind::Asm,
        ".S" | ".sx" => SourceKind::AsmCpp,
        ".swig" => SourceKind::Swig,
        ".swigcxx" => SourceKind::SwigCxx,
        ".syso" => SourceKind::Syso,
        _ => return None,
    };
    Some(kind)
}

/// Whether go/build skips `name` silently because it starts with `_` or `.` (editor and
/// temporary files); such files are not listed among the ignored files either.
pub fn is_hidden(name: &str) -> bool {
    name.starts_with(['_', '.'])
}

/// Whether go/build considers `name` at all: not [hidden](is_hidden) and of a known
/// [`SourceKind`]. Other names are neither package files nor ignored files.
pub fn is_source_name(name: &str) -> bool {
    !is_hidden(name) && source_kind(name).is_some()
}

/// Whether `name` is a Go test file (`*_test.go`).
pub fn is_test_file(name: &str) -> bool {
    name.ends_with("_test.go")
}

/// How `go list` pattern walks treat a directory called `name`.
pub fn dir_kind(name: &str) -> DirKind {
    if name.starts_with(['.', '_']) || name == "testdata" {
        DirKind::Ignored
    } else if name == "vendor" {
        DirKind::Vendor
    } else {
        DirKind::Normal
    }
}

/// The GOOS and GOARCH a file name constrains the file to (go/build's `goodOSArchFile`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct NameTags<'a> {
    pub(crate) goos: Option<&'a str>,
    pub(crate) goarch: Option<&'a str>,
}

/// Splits the name's `_GOOS`, `_GOARCH` or `_GOOS_GOARCH` suffix (before the first `.`, after
/// dropping one `_test`). Only the known values of `release` count, and only after a first
/// `_`: `linux.go` is not constrained.
pub(crate) fn name_tags<'a>(name: &'a str, release: &GoRelease) -> NameTags<'a> {
    let stem = name.split_once('.').map_or(name, |(stem, _)| stem);
    let Some(i) = stem.find('_') else {
        return NameTags::default();
    };
    // The `_`-separated words from the first `_` on, last first ("_a_linux_test" gives
    // "test", "linux", "a", ""), dropping one trailing `test`.
    let mut words = stem[i..].rsplit('_');
    let mut last = words.next();
    if last == Some("test") {
        last = words.next();
    }
    let Some(last) = last else {
        return NameTags::default();
    };
    match words.next() {
        Some(os) if release.is_known_os(os) && release.is_known_arch(last) => NameTags {
            goos: Some(os),
            goarch: Some(last),
        },
        _ if release.is_known_os(last) => NameTags {
            goos: Some(last),
            goarch: None,
        },
        _ if release.is_known_arch(last) => NameTags {
            goos: None,
            goarch: Some(last),
        },
        _ => NameTags::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::build::context::Context;

    /// Renders what the name rules say about `name` for Go 1.`minor`:
    /// `hidden`, `not source`, or `KIND os=.. arch=..` plus `test`.
    fn check(minor: u32, name: &str, expect: &str) {
        let release = GoRelease::nearest(minor);
        let got = if is_hidden(name) {
            "hidden".to_owned()
        } else if let Some(kind) = source_kind(name) {
            let tags = name_tags(name, release);
            let mut s = format!("{kind:?}");
            if let Some(os) = tags.goos {
                s += &format!(" os={os}");
            }
            if let Some(arch) = tags.goarch {
                s += &format!(" arch={arch}");
            }
            if is_test_file(name) {
                s += " test";
            }
            s
        } else {
            "not source".to_owned()
        };
        assert_eq!(got, expect, "name: {name:?} (go1.{minor})");
    }

    #[test]
    fn name_rules() {
        check(27, "x.go", "Go");
        check(27, "x_linux.go", "Go os=linux");
        check(27, "x_linux_amd64.go", "Go os=linux arch=amd64");
        check(27, "x_amd64.go", "Go arch=amd64");
        check(27, "x_amd64_linux.go", "Go os=linux");
        check(27, "linux.go", "Go");
        check(27, "amd64.go", "Go");
        check(27, "linux_amd64.go", "Go arch=amd64");
        check(27, "x_test.go", "Go test");
        check(27, "x_linux_test.go", "Go os=linux test");
        check(27, "x_linux_amd64_test.go", "Go os=linux arch=amd64 test");
        check(27, "x_test_linux.go", "Go os=linux");
        check(27, "x_linux_test_test.go", "Go test");
        check(27, "linux_test.go", "Go test");
        check(27, "x_android.go", "Go os=android");
        check(27, "x_unix.go", "Go");
        check(27, "x_Linux.go", "Go");
        check(27, "x_linux.pb.go", "Go os=linux");
        check(27, "x.linux_amd64.go", "Go");
        check(27, "x_nacl_amd64p32.go", "Go os=nacl arch=amd64p32");
        check(27, "x_wasip1_wasm.go", "Go os=wasip1 arch=wasm");
        check(19, "x_wasip1_wasm.go", "Go arch=wasm");
        check(19, "x_wasip1.go", "Go");
        check(27, "x__linux.go", "Go os=linux");
        check(27, "x_linux_.go", "Go");
        check(27, "_x_linux.go", "hidden");
        check(27, ".x.go", "hidden");
        check(27, "x_linux.c", "C os=linux");
        check(27, "x_amd64.s", "Asm arch=amd64");
        check(27, "x.S", "AsmCpp");
        check(27, "x.sx", "AsmCpp");
        check(27, "x.cpp", "Cxx");
        check(27, "x.hxx", "Header");
        check(27, "x.F", "Fortran");
        check(27, "x.syso", "Syso");
        check(27, "x_windows_amd64.syso", "Syso os=windows arch=amd64");
        check(27, "x.swigcxx", "SwigCxx");
        check(27, "x.txt", "not source");
        check(27, "Makefile", "not source");
        check(27, "x.GO", "not source");
        check(27, "go", "not source");
    }

    #[test]
    fn good_os_arch_file() {
        let linux = Context::for_go(27, "linux", "amd64");
        let android = Context::for_go(27, "android", "arm64");
        let cases = [
            ("x_linux.go", true, true),
            ("x_android.go", false, true),
            ("x_linux_arm64.go", false, true),
            ("x_linux_amd64.go", true, false),
            ("x_arm64.go", false, true),
            ("x_windows.go", false, false),
            ("windows.go", true, true),
            ("x_unix.go", true, true),
        ];
        for (name, on_linux, on_android) in cases {
            assert_eq!(linux.good_os_arch_file(name), on_linux, "{name} on linux");
            assert_eq!(
                android.good_os_arch_file(name),
                on_android,
                "{name} on android"
            );
        }
    }

    #[test]
    fn dirs() {
        assert_eq!(dir_kind("testdata"), DirKind::Ignored);
        assert_eq!(dir_kind("_x"), DirKind::Ignored);
        assert_eq!(dir_kind(".git"), DirKind::Ignored);
        assert_eq!(dir_kind("vendor"), DirKind::Vendor);
        assert_eq!(dir_kind("internal"), DirKind::Normal);
        assert_eq!(dir_kind("testdata2"), DirKind::Normal);
        assert!(is_source_name("a.go"));
        assert!(!is_source_name("_a.go"));
        assert!(!is_source_name("a.txt"));
    }
}
