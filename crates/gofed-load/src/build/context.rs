//! Build contexts: the tags one `go build` configuration satisfies.

use crate::build::filename::{self, NameTags, SourceKind};
use crate::build::header::FileHeader;
use crate::build::platform::GoRelease;

/// One build configuration, like go/build's `Context` (without the file-system hooks).
///
/// Build one with [`Context::for_go`] and adjust the public fields as needed.
#[derive(Debug, Clone)]
pub struct Context {
    /// The target operating system, e.g. `linux`.
    pub goos: String,
    /// The target architecture, e.g. `amd64`.
    pub goarch: String,
    /// Whether cgo is enabled: satisfies the `cgo` tag, and files importing `"C"` are
    /// package files (rather than ignored files) only then.
    pub cgo_enabled: bool,
    /// Extra tags, as given with `go build -tags`.
    pub build_tags: Vec<String>,
    /// Tags the toolchain sets (`amd64.v1`, `goexperiment.*`, ...).
    pub tool_tags: Vec<String>,
    /// Release tags: `go1.1` up to the Go version being matched.
    pub release_tags: Vec<String>,
    /// The compiler name, a satisfied tag too: `gc`.
    pub compiler: String,
    release: &'static GoRelease,
}

impl Context {
    /// The default context of the go command of Go 1.`go_minor` for `goos`/`goarch`.
    ///
    /// Release tags are `go1.1` … `go1.<go_minor>`. Tool tags are the go command's defaults for
    /// that platform in the nearest embedded release (see [`GoRelease::nearest`]); for a
    /// platform that release does not have, those of the first platform with the same GOARCH,
    /// or none. cgo is enabled if the platform supports it (as for a native build with a C
    /// compiler). The known OS/arch lists used for file names are the nearest release's too.
    pub fn for_go(go_minor: u32, goos: &str, goarch: &str) -> Context {
        let release = GoRelease::nearest(go_minor);
        let platform = release.platform(goos, goarch);
        let tool_tags = platform
            .or_else(|| release.platforms().iter().find(|p| p.goarch == goarch))
            .map(|p| p.tool_tags.iter().map(|t| (*t).to_owned()).collect())
            .unwrap_or_default();
        Context {
            goos: goos.to_owned(),
            goarch: goarch.to_owned(),
            cgo_enabled: platform.is_some_and(|p| p.cgo_supported),
            build_tags: Vec::new(),
            tool_tags,
            release_tags: (1..=go_minor).map(|minor| format!("go1.{minor}")).collect(),
            compiler: "gc".to_owned(),
            release,
        }
    }

    /// The release whose OS/arch lists this context uses.
    pub fn release(&self) -> &'static GoRelease {
        self.release
    }

    /// Whether the build tag `name` is satisfied, exactly as go/build's `matchTag`:
    /// `cgo` (if cgo is enabled), GOOS, GOARCH, the compiler, `linux` on `android`, `solaris`
    /// on `illumos`, `darwin` on `ios`, `unix` on Unix systems, and the build, tool and
    /// release tags (`boringcrypto` is an old name for `goexperiment.boringcrypto`).
    pub fn match_tag(&self, name: &str) -> bool {
        if self.cgo_enabled && name == "cgo" {
            return true;
        }
        if name == self.goos || name == self.goarch || name == self.compiler {
            return true;
        }
        let implied = match self.goos.as_str() {
            "android" => "linux",
            "illumos" => "solaris",
            "ios" => "darwin",
            _ => "",
        };
        if name == implied && !implied.is_empty() {
            return true;
        }
        if name == "unix" && self.release.is_unix_os(&self.goos) {
            return true;
        }
        let name = if name == "boringcrypto" {
            "goexperiment.boringcrypto"
        } else {
            name
        };
        [&self.build_tags, &self.tool_tags, &self.release_tags]
            .into_iter()
            .any(|tags| tags.iter().any(|t| t == name))
    }

    /// Whether the `_GOOS`/`_GOARCH` suffix of a file name, if any, matches this context
    /// (go/build's `goodOSArchFile`). `x_linux.go` needs `linux`, `x_linux_amd64_test.go`
    /// needs `linux` and `amd64`; `linux.go` and `x_unix.go` need nothing.
    pub fn good_os_arch_file(&self, name: &str) -> bool {
        self.name_tags_match(filename::name_tags(name, self.release))
    }

    /// Whether go/build includes file `name` with `header` in this context: a source name
    /// ([`is_source_name`](crate::build::is_source_name)), a matching name suffix, and
    /// satisfied constraints. `.syso` files are never read, so their header is not consulted.
    pub fn includes(&self, name: &str, header: &FileHeader) -> bool {
        self.name_matches(name) && self.header_matches(name, header)
    }

    /// The checks of [`includes`](Self::includes) that need only the name: if this fails,
    /// go/build does not read the file.
    pub fn name_matches(&self, name: &str) -> bool {
        filename::is_source_name(name) && self.good_os_arch_file(name)
    }

    pub(crate) fn name_tags_match(&self, tags: NameTags<'_>) -> bool {
        // Go matches the arch first; both are plain tag look-ups, so the order is invisible.
        tags.goarch.is_none_or(|arch| self.match_tag(arch))
            && tags.goos.is_none_or(|os| self.match_tag(os))
    }

    pub(crate) fn header_matches(&self, name: &str, header: &FileHeader) -> bool {
        filename::source_kind(name) == Some(SourceKind::Syso)
            || header.should_build(&mut |tag| self.match_tag(tag))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `tags` is `GOOS/GOARCH[,cgo][,tag...]`; renders each of `names` as `name` (matched) or
    /// `!name`.
    fn check(minor: u32, ctx: &str, names: &[&str], expect: &str) {
        let mut parts = ctx.split(',');
        let (goos, goarch) = parts
            .next()
            .and_then(|p| p.split_once('/'))
            .unwrap_or(("", ""));
        let mut c = Context::for_go(minor, goos, goarch);
        c.cgo_enabled = false;
        for extra in parts {
            if extra == "cgo" {
                c.cgo_enabled = true;
            } else {
                c.build_tags.push(extra.to_owned());
            }
        }
        let got: Vec<String> = names
            .iter()
            .map(|n| {
                if c.match_tag(n) {
                    (*n).to_owned()
                } else {
                    format!("!{n}")
                }
            })
            .collect();
        assert_eq!(got.join(" "), expect, "{ctx} go1.{minor}");
    }

    #[test]
    fn match_tag() {
        let names = [
            "linux", "amd64", "gc", "gccgo", "cgo", "unix", "go1.19", "go1.20", "go1.27", "go1.28",
        ];
        check(
            27,
            "linux/amd64,cgo",
            &names,
            "linux amd64 gc !gccgo cgo unix go1.19 go1.20 go1.27 !go1.28",
        );
        check(
            19,
            "linux/amd64",
            &names,
            "linux amd64 gc !gccgo !cgo unix go1.19 !go1.20 !go1.27 !go1.28",
        );
        let names = [
            "android", "linux", "unix", "darwin", "ios", "solaris", "illumos", "arm64",
        ];
        check(
            27,
            "android/arm64",
            &names,
            "android linux unix !darwin !ios !solaris !illumos arm64",
        );
        check(
            27,
            "linux/arm64",
            &names,
            "!android linux unix !darwin !ios !solaris !illumos arm64",
        );
        check(
            27,
            "ios/arm64",
            &names,
            "!android !linux unix darwin ios !solaris !illumos arm64",
        );
        check(
            27,
            "darwin/arm64",
            &names,
            "!android !linux unix darwin !ios !solaris !illumos arm64",
        );
        check(
            27,
            "illumos/amd64",
            &names,
            "!android !linux unix !darwin !ios solaris illumos !arm64",
        );
        check(
            27,
            "solaris/amd64",
            &names,
            "!android !linux unix !darwin !ios solaris !illumos !arm64",
        );
        let names = ["unix", "windows", "js", "wasm", "wasip1", "plan9"];
        check(
            27,
            "windows/amd64",
            &names,
            "!unix windows !js !wasm !wasip1 !plan9",
        );
        check(
            27,
            "js/wasm",
            &names,
            "!unix !windows js wasm !wasip1 !plan9",
        );
        check(
            27,
            "wasip1/wasm",
            &names,
            "!unix !windows !js wasm wasip1 !plan9",
        );
        check(
            27,
            "plan9/amd64",
            &names,
            "!unix !windows !js !wasm !wasip1 plan9",
        );
        let names = [
            "amd64.v1",
            "amd64.v2",
            "goexperiment.regabiargs",
            "goexperiment.boringcrypto",
            "boringcrypto",
            "foo",
            "",
        ];
        check(27, "linux/amd64", &names, "amd64.v1 !amd64.v2 goexperiment.regabiargs !goexperiment.boringcrypto !boringcrypto !foo !");
        check(27, "linux/amd64,foo,goexperiment.boringcrypto", &names, "amd64.v1 !amd64.v2 goexperiment.regabiargs goexperiment.boringcrypto boringcrypto foo !");
        check(19, "linux/amd64", &names, "!amd64.v1 !amd64.v2 goexperiment.regabiargs !goexperiment.boringcrypto !boringcrypto !foo !");
        check(
            27,
            "linux/arm",
            &["arm.5", "arm.6", "arm.7", "arm.8"],
            "arm.5 arm.6 arm.7 !arm.8",
        );
        check(
            27,
            "linux/386",
            &["386.sse2", "386.softfloat"],
            "386.sse2 !386.softfloat",
        );
    }

    #[test]
    fn for_go() {
        let c = Context::for_go(27, "linux", "amd64");
        assert!(c.cgo_enabled);
        assert_eq!(c.release_tags.len(), 27);
        assert_eq!(c.release().version(), "go1.27.3");
        assert!(!Context::for_go(27, "js", "wasm").cgo_enabled);
        // An unknown platform borrows the tool tags of its GOARCH.
        let c = Context::for_go(27, "hurd", "amd64");
        assert!(!c.cgo_enabled && c.match_tag("amd64.v1") && c.match_tag("unix"));
        let c = Context::for_go(0, "", "");
        assert!(c.release_tags.is_empty() && c.tool_tags.is_empty());
    }
}
