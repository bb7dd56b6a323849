//! Which files `go/build` includes in a package, as a pure library (no I/O).
//!
//! go/build decides per file, in this order (`(*Context).matchFile`):
//!
//! 1. **Name.** Names starting with `_` or `.` are skipped silently ([`is_hidden`]); only
//!    known extensions count ([`source_kind`]); a `_GOOS`, `_GOARCH` or `_GOOS_GOARCH` suffix
//!    must match ([`Context::good_os_arch_file`]). A file failing here is not even read.
//! 2. **Header.** The leading comments may hold a `//go:build` line or, in older code,
//!    `// +build` lines ([`parse_file_header`]; malformed ones are errors, as in go/build).
//! 3. **Constraints.** The header's expression is evaluated with [`Context::match_tag`].
//!
//! A [`Selector`] answers steps 1 and 3 for one [`Context`] or for the union of every real
//! platform of a Go release ([`Selector::all_platforms`]), which is what a distribution needs
//! to find every dependency a package can have.
//!
//! ```
//! use gofed_load::build::{parse_file_header, Context, Selector};
//!
//! let src = b"//go:build windows && !cgo\n\npackage p\n";
//! let header = parse_file_header(src)?;
//!
//! let linux = Selector::Single(Context::for_go(27, "linux", "amd64"));
//! assert!(!linux.includes("p.go", &header));
//!
//! let any = Selector::all_platforms(27, Vec::new());
//! assert!(any.includes("p.go", &header));
//! assert!(!any.includes("p_linux.go", &header));
//! # Ok::<(), gofed_load::build::ConstraintError>(())
//! ```
//!
//! # How a package loader uses this
//!
//! For each directory entry `name` (go/build's `Import`):
//!
//! - [`is_hidden`] or no [`source_kind`]: skip, and do not report the file.
//! - `!selector.name_matches(name)`: an ignored file (`IgnoredGoFiles` for `.go`,
//!   `IgnoredOtherFiles` otherwise); do not read it.
//! - Otherwise read it (`.syso` files excepted) and call [`parse_file_header`] once. An error
//!   makes a `.go` file invalid (`InvalidGoFiles`, reported as `name: error`) and a non-Go file
//!   ignored. If `!selector.includes(name, &header)` the file is ignored.
//! - A `.go` file that imports `"C"` is a `CgoFiles` entry only if
//!   [`Selector::includes_cgo`] holds (for a single context: cgo is enabled; for all
//!   platforms: some cgo-enabled platform includes it), otherwise it is ignored. `.S`/`.sx`
//!   files count only if the package has cgo files. [`Selector::cgo_enabled_any`] tells
//!   whether cgo can be on at all.
//! - The rest (test files, the `documentation` package, `//go:binary-only-package` only in
//!   non-test `.go` files, NUL bytes in the header) is up to the loader.
//!
//! Directories: [`dir_kind`] tells which ones `./...` walks skip.
//!
//! Invariants: no I/O, no panics on any input. Parsing and printing expressions use explicit
//! stacks, and a parsed expression is at most [`MAX_EXPR_SIZE`] deep, which bounds the
//! recursion of evaluating and dropping it (a test runs them on a 256 KiB stack). The rules are those of Go 1.27, checked
//! to be the same in Go 1.19, except that 1.19 (and 1.21) had no size limits on expressions.
//! Per-release data (known GOOS/GOARCH, platforms, default tool tags) is embedded for Go 1.19
//! and 1.21–1.27; other versions use the nearest. Go ≤ 1.16, which ignored `//go:build`
//! lines, is not modelled.
//!
//! `GOFED_ORACLE_TESTS=1 cargo test -p gofed-go build::` compares all of this with the real
//! go/build (`MatchFile`, `constraint.Parse`) of Go 1.27 and 1.19, including every file of
//! their GOROOT/src.

mod constraint;
mod context;
mod filename;
mod header;
#[cfg(test)]
mod oracle_tests;
mod platform;

pub use constraint::{
    is_go_build, is_plus_build, is_valid_tag, parse_expr, parse_plus_build_expr, ConstraintError,
    Expr, SyntaxErrorKind, MAX_EXPR_SIZE,
};
pub use context::Context;
pub use filename::{
    dir_kind, is_hidden, is_source_name, is_test_file, source_kind, DirKind, SourceKind,
};
pub use header::{parse_file_header, FileHeader};
pub use platform::{GoRelease, Platform};

/// Which build configurations a package load covers.
#[derive(Debug, Clone)]
pub enum Selector {
    /// One configuration, like `go list` with a given GOOS/GOARCH/CGO_ENABLED/-tags.
    Single(Context),
    /// The union over every real platform of a Go release, with cgo off and (where supported)
    /// on: a file is in if any of these configurations includes it. Build it with
    /// [`Selector::all_platforms`].
    AllPlatforms(PlatformUnion),
}

/// The configurations of [`Selector::AllPlatforms`].
#[derive(Debug, Clone)]
pub struct PlatformUnion {
    go_minor: u32,
    tags: Vec<String>,
    contexts: Vec<Context>,
}

impl PlatformUnion {
    /// The Go minor version whose platforms are covered.
    pub fn go_minor(&self) -> u32 {
        self.go_minor
    }

    /// The extra build tags set in every configuration.
    pub fn tags(&self) -> &[String] {
        &self.tags
    }
}

impl Selector {
    /// The union over every platform of the embedded release nearest Go 1.`go_minor`
    /// (see [`GoRelease::nearest`]), each with cgo off and, where the platform supports
    /// it, on, and with `tags` as extra build tags. First-class ports come first.
    pub fn all_platforms(go_minor: u32, tags: Vec<String>) -> Selector {
        let release = GoRelease::nearest(go_minor);
        let mut platforms: Vec<&Platform> = release.platforms().iter().collect();
        platforms.sort_by_key(|p| !p.first_class);
        let mut contexts = Vec::with_capacity(2 * platforms.len());
        for p in platforms {
            let mut ctx = Context::for_go(go_minor, p.goos, p.goarch);
            ctx.build_tags.clone_from(&tags);
            if p.cgo_supported {
                ctx.cgo_enabled = true;
                contexts.push(ctx.clone());
            }
            ctx.cgo_enabled = false;
            contexts.push(ctx);
        }
        Selector::AllPlatforms(PlatformUnion {
            go_minor,
            tags,
            contexts,
        })
    }

    /// The configurations covered: one for [`Selector::Single`].
    pub fn contexts(&self) -> &[Context] {
        match self {
            Selector::Single(ctx) => std::slice::from_ref(ctx),
            Selector::AllPlatforms(union) => &union.contexts,
        }
    }

    /// Whether some configuration accepts the file name (see [`Context::name_matches`]). If
    /// not, go/build does not read the file.
    pub fn name_matches(&self, name: &str) -> bool {
        self.any_context(name, None, false)
    }

    /// Whether some configuration includes file `name` with `header` (name and constraints
    /// checked against the same configuration, see [`Context::includes`]).
    pub fn includes(&self, name: &str, header: &FileHeader) -> bool {
        self.any_context(name, Some(header), false)
    }

    /// Whether some cgo-enabled configuration includes the file: the test for a `.go` file
    /// that imports `"C"` (a cgo file when true, an ignored file otherwise).
    pub fn includes_cgo(&self, name: &str, header: &FileHeader) -> bool {
        self.any_context(name, Some(header), true)
    }

    /// Whether some (cgo-enabled, if `cgo`) configuration accepts the name and, if given, the
    /// header. The name's GOOS/GOARCH suffix is split once per release, not per context.
    fn any_context(&self, name: &str, header: Option<&FileHeader>, cgo: bool) -> bool {
        if !is_source_name(name) {
            return false;
        }
        let mut split: Option<(&'static GoRelease, filename::NameTags<'_>)> = None;
        self.contexts()
            .iter()
            .filter(|ctx| ctx.cgo_enabled || !cgo)
            .any(|ctx| {
                let tags = match split {
                    Some((release, tags)) if std::ptr::eq(release, ctx.release()) => tags,
                    _ => {
                        let tags = filename::name_tags(name, ctx.release());
                        split = Some((ctx.release(), tags));
                        tags
                    }
                };
                ctx.name_tags_match(tags) && header.is_none_or(|h| ctx.header_matches(name, h))
            })
    }

    /// Whether cgo is enabled in some configuration.
    pub fn cgo_enabled_any(&self) -> bool {
        self.contexts().iter().any(|ctx| ctx.cgo_enabled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// For each `(name, source)`, renders `name` if `sel` includes it, `name(cgo)` if it
    /// also passes `includes_cgo`, or `!name`, or `name: error`.
    fn check(sel: &Selector, files: &[(&str, &str)], expect: &str) {
        let got: Vec<String> = files
            .iter()
            .map(|&(name, src)| match parse_file_header(src.as_bytes()) {
                Err(err) => format!("{name}: {err}"),
                Ok(h) if sel.includes_cgo(name, &h) => format!("{name}(cgo)"),
                Ok(h) if sel.includes(name, &h) => name.to_owned(),
                Ok(_) => format!("!{name}"),
            })
            .collect();
        assert_eq!(got.join(" "), expect);
    }

    const FILES: &[(&str, &str)] = &[
        ("plain.go", "package p\n"),
        ("win.go", "//go:build windows\n\npackage p\n"),
        ("ignore.go", "//go:build ignore\n\npackage main\n"),
        (
            "neither.go",
            "//go:build !linux && !windows && !darwin\n\npackage p\n",
        ),
        ("nocgo.go", "//go:build !cgo\n\npackage p\n"),
        ("cgo.go", "//go:build cgo\n\npackage p\n"),
        ("lw.go", "//go:build linux && windows\n\npackage p\n"),
        ("a_windows.go", "//go:build linux\n\npackage p\n"),
        ("b_linux.go", "//go:build linux\n\npackage p\n"),
        ("old_linux.go", "// +build !linux\n\npackage p\n"),
        ("wasm.go", "//go:build js && wasm\n\npackage p\n"),
        ("x_nacl.go", "package p\n"),
        ("x_ppc.go", "package p\n"),
        ("tagged.go", "//go:build foo\n\npackage p\n"),
        ("new.go", "//go:build go1.25\n\npackage p\n"),
        ("_hidden.go", "package p\n"),
        ("x.txt", "package p\n"),
        ("bad.go", "//go:build (linux\n\npackage p\n"),
    ];

    #[test]
    fn all_platforms() {
        let sel = Selector::all_platforms(27, Vec::new());
        check(
            &sel,
            FILES,
            "plain.go(cgo) win.go(cgo) !ignore.go neither.go(cgo) nocgo.go cgo.go(cgo) !lw.go \
             !a_windows.go b_linux.go(cgo) !old_linux.go wasm.go !x_nacl.go !x_ppc.go !tagged.go \
             new.go(cgo) !_hidden.go !x.txt bad.go: parsing //go:build line: missing close paren",
        );
        assert!(sel.cgo_enabled_any());
        let sel = Selector::all_platforms(19, vec!["foo".to_owned()]);
        assert!(
            matches!(&sel, Selector::AllPlatforms(u) if u.go_minor() == 19 && u.tags() == ["foo"])
        );
        check(&sel, &FILES[13..15], "tagged.go(cgo) !new.go");
        assert!(sel.contexts().len() > 80);
    }

    #[test]
    fn single() {
        let sel = Selector::Single(Context::for_go(27, "linux", "amd64"));
        check(
            &sel,
            FILES,
            "plain.go(cgo) !win.go !ignore.go !neither.go !nocgo.go cgo.go(cgo) !lw.go \
             !a_windows.go b_linux.go(cgo) !old_linux.go !wasm.go !x_nacl.go !x_ppc.go \
             !tagged.go new.go(cgo) !_hidden.go !x.txt bad.go: parsing //go:build line: missing close paren",
        );
        let mut ctx = Context::for_go(27, "windows", "386");
        ctx.cgo_enabled = false;
        let sel = Selector::Single(ctx);
        assert!(!sel.cgo_enabled_any());
        check(
            &sel,
            &FILES[..5],
            "plain.go win.go !ignore.go !neither.go nocgo.go",
        );
        assert!(!sel.name_matches("x_linux.go") && sel.name_matches("x_windows_386.go"));
        let syso = FileHeader {
            go_build: Some(Expr::tag("ignore")),
            ..FileHeader::default()
        };
        assert!(sel.includes("x.syso", &syso) && !sel.includes("x.go", &syso));
    }
}
