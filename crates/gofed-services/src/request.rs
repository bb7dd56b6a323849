//! What the analysis actions take and give: a source tree, a build context, an output format, and the rendered
//! result.
//!
//! Actions render their result themselves, in the format the request names, so that a scenario prints the same
//! bytes whether the action ran in-process or on another machine.

use std::io::Write;
use std::path::PathBuf;

use gofed_go::build::GoRelease;
use gofed_service::FileRef;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// Where the Go code to analyse is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A directory on the machine that runs the action. Services started by `gofed serve` refuse it unless they
    /// were told that clients share their file system (`--allow-paths`).
    Path(PathBuf),
    /// A bundle (see [`crate::bundle`]) uploaded to `filestorage`, analysed in memory as if it were mounted at
    /// `mount`, so that paths in the result are the client's.
    Bundle {
        /// The uploaded bundle.
        file: FileRef,
        /// The absolute directory the bundle was made from.
        mount: PathBuf,
        /// The directory to analyse: `mount` or below it.
        root: PathBuf,
    },
    /// An artifact (a tar in any compression, a zip, a Go module zip, an RPM, an SRPM), recognised by its content
    /// and read in memory (see [`crate::artifact`]), its files mounted at `mount`.
    Artifact {
        /// Where its bytes are.
        at: ArtifactAt,
        /// The input as the user named it: in errors, warnings and `meta.source`.
        name: String,
        /// The absolute directory its files are mounted at ([`crate::artifact::mount_point`]).
        mount: PathBuf,
        /// What the client read, when it read the artifact itself (a git revision, whose files it packed as a
        /// tar): the files are mounted, and the directory to analyse and `meta.source` are taken from here.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        read: Option<Box<crate::SourceMeta>>,
    },
}

/// Where the bytes of an artifact are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ArtifactAt {
    /// A file on the machine that runs the action (refused, as [`Source::Path`], by services that do not read their
    /// machine's paths).
    Path(PathBuf),
    /// A file uploaded to `filestorage`.
    File(FileRef),
    /// A git repository of the machine that runs the action (refused as [`ArtifactAt::Path`] is), at a revision
    /// (a tag, branch, commit id, or anything `git rev-parse` reads).
    Git {
        /// The repository: a directory with `.git`, or a bare repository.
        repo: PathBuf,
        /// The revision.
        rev: String,
        /// The directory of the revision to read (`/`-separated, from the top; empty: the whole tree): a module
        /// in a subdirectory of its repository.
        #[serde(default, skip_serializing_if = "String::is_empty")]
        dir: String,
    },
}

impl Source {
    /// The directory analysed, as the client named it.
    pub fn root(&self) -> &std::path::Path {
        match self {
            Source::Path(path) => path,
            Source::Bundle { root, .. } => root,
            Source::Artifact { mount, .. } => mount,
        }
    }
}

/// The build configuration an analysis applies (`go/build`'s context).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct BuildContext {
    /// Target operating system.
    pub goos: String,
    /// Target architecture.
    pub goarch: String,
    /// Whether cgo is enabled.
    pub cgo: bool,
    /// Extra build tags.
    pub tags: Vec<String>,
    /// The union of every platform Go knows: a file counts if any platform includes it.
    pub all_platforms: bool,
    /// Go minor version whose rules apply (21 for Go 1.21); default: the GOROOT's, else the newest known.
    pub go_minor: Option<u32>,
    /// Import path of the tree's root; default: from go.mod, a GOPATH layout, or a GOROOT.
    pub import_path: Option<String>,
}

impl Default for BuildContext {
    fn default() -> Self {
        BuildContext {
            goos: "linux".to_owned(),
            goarch: "amd64".to_owned(),
            cgo: true,
            tags: Vec::new(),
            all_platforms: false,
            go_minor: None,
            import_path: None,
        }
    }
}

/// Why a request cannot be analysed as given: the service answers `unprocessable` (422) with this message, and
/// the command line refuses it (exit status 2) before loading anything.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// Not a platform of the Go release (`go tool dist list`), in the go command's words (control characters
    /// escaped: the values may come from a remote request).
    #[error("unsupported GOOS/GOARCH pair {}/{}", goos.escape_debug(), goarch.escape_debug())]
    UnsupportedPlatform {
        /// The GOOS asked for.
        goos: String,
        /// The GOARCH asked for.
        goarch: String,
    },
    /// A Go version gofed has no platform and standard library data for.
    #[error("unsupported Go version 1.{minor}: gofed has data for Go {known}")]
    UnknownGoVersion {
        /// The minor version asked for.
        minor: u32,
        /// The versions gofed knows, e.g. `1.19, 1.21, ..., 1.27`.
        known: String,
    },
    /// A `contexts` entry that is not `GOOS-GOARCH` or `GOOS-GOARCH-cgo`.
    #[error("bad context {0:?}: expected GOOS-GOARCH or GOOS-GOARCH-cgo")]
    BadContext(String),
    /// A `contexts` list naming more distinct entries than there are real contexts.
    #[error("too many contexts: more than {MAX_CONTEXTS} distinct GOOS-GOARCH[-cgo] entries")]
    TooManyContexts,
    /// A base version that is not a canonical semantic version (gorelease requires one).
    #[error(
        "base version {version:?} is not a canonical semantic version (vMAJOR.MINOR.PATCH{hint})"
    )]
    NotCanonicalVersion {
        /// The version given.
        version: String,
        /// `, e.g. v1.4.2`, or the canonical form of what was meant (`; did you mean v1.4.0?`).
        hint: String,
    },
}

impl BuildContext {
    /// Checks the Go version and the platform: a Go version gofed has data for, and a GOOS/GOARCH pair that
    /// Go release supports (any release gofed knows when no version is given: a GOROOT tree brings its own).
    /// With `all_platforms`, GOOS and GOARCH are not used and not checked.
    pub fn check(&self) -> Result<(), RequestError> {
        let release = match self.go_minor {
            Some(minor) => Some(go_release(minor)?),
            None => None,
        };
        if !self.all_platforms {
            check_platform(release, &self.goos, &self.goarch)?;
        }
        Ok(())
    }
}

/// The embedded data of Go 1.`minor`, or why there is none.
pub fn go_release(minor: u32) -> Result<&'static GoRelease, RequestError> {
    let releases = GoRelease::all();
    releases
        .iter()
        .find(|r| r.minor() == minor)
        .ok_or_else(|| RequestError::UnknownGoVersion {
            minor,
            known: releases
                .iter()
                .map(|r| format!("1.{}", r.minor()))
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// Whether `goos`/`goarch` is a real platform of `release` (of any known release when `None`).
fn check_platform(
    release: Option<&GoRelease>,
    goos: &str,
    goarch: &str,
) -> Result<(), RequestError> {
    let known = match release {
        // cmd/api's default contexts are analysed as that release's cmd/api does, also one its
        // `go tool dist list` no longer has (Go 1.27's freebsd/riscv64).
        Some(release) => {
            release.platform(goos, goarch).is_some()
                || crate::api::is_default_context_platform(release.minor(), goos, goarch)
        }
        None => GoRelease::all()
            .iter()
            .any(|r| r.platform(goos, goarch).is_some()),
    };
    if known {
        Ok(())
    } else {
        Err(RequestError::UnsupportedPlatform {
            goos: goos.to_owned(),
            goarch: goarch.to_owned(),
        })
    }
}

/// One context of a cmd/api style list (`linux-amd64`, `linux-amd64-cgo`): GOOS, GOARCH, cgo, checked against
/// Go 1.`go_minor` (any known release when `None`).
pub fn parse_context(
    text: &str,
    go_minor: Option<u32>,
) -> Result<(String, String, bool), RequestError> {
    let parts: Vec<&str> = text.split('-').collect();
    let (goos, goarch, cgo) = match parts.as_slice() {
        [goos, goarch] => (*goos, *goarch, false),
        [goos, goarch, "cgo"] => (*goos, *goarch, true),
        _ => return Err(RequestError::BadContext(text.to_owned())),
    };
    let release = match go_minor {
        Some(minor) => Some(go_release(minor)?),
        None => None,
    };
    check_platform(release, goos, goarch)?;
    Ok((goos.to_owned(), goarch.to_owned(), cgo))
}

/// Checks that `version` is a canonical semantic version (`v1.4.2`, `v2.0.0-rc.1`), as gorelease requires of
/// the versions it compares: a `v` prefix, major.minor.patch, an optional pre-release, no build metadata.
pub fn check_base_version(version: &str) -> Result<(), RequestError> {
    use gofed_go::load::gomod::semver;
    match semver::canonical(version) {
        Some(canonical) if canonical == version => Ok(()),
        canonical => {
            // What was probably meant: `1.4.2` → v1.4.2, `v1.4` → v1.4.0.
            let meant = canonical.or_else(|| {
                semver::canonical(&format!("v{version}")).filter(|_| !version.starts_with('v'))
            });
            Err(RequestError::NotCanonicalVersion {
                version: version.to_owned(),
                hint: match meant {
                    Some(meant) => format!("; did you mean {meant}?"),
                    None => ", e.g. v1.4.2".to_owned(),
                },
            })
        }
    }
}

/// The most build contexts one request may name: Go 1.27 has about 50 platforms, so twice that covers each with
/// and without cgo.
pub const MAX_CONTEXTS: usize = 128;

/// What a request's own fields must satisfy before any tree is opened.
pub trait CheckRequest {
    /// Checks the request's build context and options.
    fn check(&self) -> Result<(), RequestError>;
}

impl CheckRequest for ApiRequest {
    fn check(&self) -> Result<(), RequestError> {
        if let Some(minor) = self.context.go_minor {
            go_release(minor)?;
        }
        match self.contexts.as_deref() {
            // cmd/api's own default list, known good.
            Some("default") => Ok(()),
            Some(list) => {
                // Counted before anything else is checked: each distinct entry is a whole analysis.
                let mut distinct = std::collections::HashSet::new();
                for context in list.split(',') {
                    if distinct.insert(context) && distinct.len() > MAX_CONTEXTS {
                        return Err(RequestError::TooManyContexts);
                    }
                }
                for context in list.split(',') {
                    parse_context(context, self.context.go_minor)?;
                }
                Ok(())
            }
            None => self.context.check(),
        }
    }
}

impl CheckRequest for ApidiffRequest {
    fn check(&self) -> Result<(), RequestError> {
        self.context.check()?;
        match &self.base_version {
            Some(version) => check_base_version(version),
            None => Ok(()),
        }
    }
}

impl CheckRequest for DepsRequest {
    fn check(&self) -> Result<(), RequestError> {
        self.context.check()
    }
}

impl CheckRequest for DepsdiffRequest {
    fn check(&self) -> Result<(), RequestError> {
        self.context.check()
    }
}

/// Output formats of the deps analyses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Human-readable text.
    #[default]
    Text,
    /// JSON (field names as `go list -json` where the meaning is the same).
    Json,
}

/// Output formats of `api_analysis`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum ApiFormat {
    /// Go's cmd/api lines (`pkg P, func F(int) error`), sorted; `text` names it too, as on the other commands.
    #[cfg_attr(feature = "clap", value(alias = "text"))]
    #[serde(alias = "text")]
    Goapi,
    /// Packages and their features with kinds, plus meta (unresolved imports).
    #[default]
    Json,
    /// gofed-ng's historical shape: `[{package, datatypes, functions, variables}]`.
    Gofed,
}

/// Output formats of `api_diff`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "snake_case")]
pub enum ApidiffFormat {
    /// Per package, incompatible changes first (apidiff's report), and a semver verdict.
    #[default]
    Text,
    /// The module report with the verdict.
    Json,
    /// `i MESSAGE` / `c MESSAGE` lines sorted (x/exp/apidiff's oracle format); prefixed
    /// `pkg P, ` when the trees hold several packages.
    Lines,
    /// gofed-ng's historical diff shape (newpackages/removedpackages/updatedpackages).
    Gofed,
}

/// Directories of the machine running the action that a request names besides its sources (a service reachable
/// over the network refuses them, as it refuses [`Source::Path`]).
pub trait MachinePaths {
    /// The GOROOT whose standard library resolves imports.
    fn goroot(&self) -> Option<&std::path::Path> {
        None
    }
}

impl MachinePaths for ApiRequest {
    fn goroot(&self) -> Option<&std::path::Path> {
        self.goroot.as_deref()
    }
}

impl MachinePaths for ApidiffRequest {
    fn goroot(&self) -> Option<&std::path::Path> {
        self.goroot.as_deref()
    }
}

impl MachinePaths for DepsRequest {}
impl MachinePaths for DepsdiffRequest {}

/// What the result cache ([`crate::cache`]) asks of a request besides its options.
pub trait CacheControl {
    /// Whether the caller wants a fresh analysis (`--no-cache`).
    fn no_cache(&self) -> bool;
    /// Whether the result is to be recorded under what was read (`--store`).
    fn record(&self) -> bool {
        false
    }
}

impl CacheControl for ApiRequest {
    fn no_cache(&self) -> bool {
        self.no_cache
    }
    fn record(&self) -> bool {
        self.record
    }
}

impl CacheControl for DepsRequest {
    fn no_cache(&self) -> bool {
        self.no_cache
    }
    fn record(&self) -> bool {
        self.record
    }
}

impl CacheControl for ApidiffRequest {
    fn no_cache(&self) -> bool {
        self.no_cache
    }
}

impl CacheControl for DepsdiffRequest {
    fn no_cache(&self) -> bool {
        self.no_cache
    }
}

/// Input of `api_analysis`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ApiRequest {
    /// The tree (a GOROOT's `src` for the standard library).
    pub source: Source,
    /// The build context (ignored when `contexts` is given or `all_platforms` is set).
    #[serde(default)]
    pub context: BuildContext,
    /// Several contexts, cmd/api style (`linux-amd64-cgo,windows-386`), or `default` for cmd/api's list.
    #[serde(default)]
    pub contexts: Option<String>,
    /// A Go distribution, on the machine running the action, whose standard library resolves imports; default:
    /// gofed's embedded summary of Go's standard library.
    #[serde(default)]
    pub goroot: Option<PathBuf>,
    /// Output format.
    #[serde(default)]
    pub format: ApiFormat,
    /// Go on when packages have errors (`-e`): print them and the result; otherwise the errors alone and exit
    /// status 2.
    #[serde(default)]
    pub allow_errors: bool,
    /// Record the result in the store under the project revision or the package that was read (`--store`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub record: bool,
    /// Analyse again even when the store holds this result (`--no-cache`); the new result replaces the stored one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_cache: bool,
}

/// Input of `api_diff`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ApidiffRequest {
    /// The old version: a package directory or a tree.
    pub old: Source,
    /// The new version.
    pub new: Source,
    /// The build context of both versions.
    #[serde(default)]
    pub context: BuildContext,
    /// Only this package (import path or path relative to the root).
    #[serde(default)]
    pub package: Option<String>,
    /// The old version's number, to suggest the next one (e.g. v1.4.2).
    #[serde(default)]
    pub base_version: Option<String>,
    /// As in [`ApiRequest::goroot`].
    #[serde(default)]
    pub goroot: Option<PathBuf>,
    /// Output format.
    #[serde(default)]
    pub format: ApidiffFormat,
    /// Go on when packages have errors (`-e`): print them and the result; otherwise the errors alone and exit
    /// status 2.
    #[serde(default)]
    pub allow_errors: bool,
    /// Analyse again even when the store holds this result (`--no-cache`); the new result replaces the stored one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_cache: bool,
}

/// Input of `deps_analysis`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct DepsRequest {
    /// The tree.
    pub source: Source,
    /// The build context.
    #[serde(default)]
    pub context: BuildContext,
    /// Include test imports.
    #[serde(default)]
    pub tests: bool,
    /// Include standard library imports.
    #[serde(default)]
    pub std: bool,
    /// Output format.
    #[serde(default)]
    pub format: Format,
    /// As in [`ApiRequest::allow_errors`].
    #[serde(default)]
    pub allow_errors: bool,
    /// Record the result in the store under the project revision or the package that was read (`--store`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub record: bool,
    /// Analyse again even when the store holds this result (`--no-cache`); the new result replaces the stored one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_cache: bool,
}

/// Input of `deps_diff`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct DepsdiffRequest {
    /// The old version.
    pub old: Source,
    /// The new version.
    pub new: Source,
    /// The build context of both versions.
    #[serde(default)]
    pub context: BuildContext,
    /// Include test imports.
    #[serde(default)]
    pub tests: bool,
    /// Include standard library imports.
    #[serde(default)]
    pub std: bool,
    /// Output format.
    #[serde(default)]
    pub format: Format,
    /// Analyse again even when the store holds this result (`--no-cache`); the new result replaces the stored one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_cache: bool,
}

/// A result rendered in the requested format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Rendered {
    /// The document.
    pub output: Output,
    /// The exit status a command-line scenario ends with (`api_diff`: 1 when a change is incompatible; 2 when
    /// packages have errors and the request did not allow them).
    pub exit_code: u8,
    /// Lines for the user's terminal (stderr), before the document: errors (`path:line:col: message`) and
    /// warnings (`path: import "x": ...`). A scenario prints them as they are, wherever the action ran.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<String>,
    /// Whether the result was answered from the store (`meta.cached` in the JSON documents).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub cached: bool,
}

/// The exit status of a scenario whose tree has packages with errors (without `allow_errors`), as for every
/// other error of the command line.
pub const EXIT_ERRORS: u8 = 2;

/// The rendered document.
///
/// JSON travels as the pretty-printed text the command line prints, embedded as JSON (a raw value): a remote
/// caller reads a JSON document, and the scenario prints the very bytes the action rendered, with no tree of
/// values built in between.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Output {
    /// A JSON document (the json and gofed formats).
    Json(#[schemars(with = "serde_json::Value")] Box<RawValue>),
    /// Text (the text, goapi and lines formats), newline-terminated.
    Text(String),
}

impl PartialEq for Output {
    fn eq(&self, other: &Output) -> bool {
        match (self, other) {
            (Output::Json(a), Output::Json(b)) => a.get() == b.get(),
            (Output::Text(a), Output::Text(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Output {}

impl Rendered {
    /// A JSON document, exit status 0.
    pub fn json<T: Serialize>(value: &T) -> Result<Rendered, serde_json::Error> {
        Ok(Rendered {
            output: Output::Json(RawValue::from_string(serde_json::to_string_pretty(value)?)?),
            exit_code: 0,
            diagnostics: Vec::new(),
            cached: false,
        })
    }

    /// Text, exit status 0.
    pub fn text(text: String) -> Rendered {
        Rendered {
            output: Output::Text(text),
            exit_code: 0,
            diagnostics: Vec::new(),
            cached: false,
        }
    }

    /// Lines of text, each newline-terminated, exit status 0.
    pub fn lines(lines: impl IntoIterator<Item = String>) -> Rendered {
        let mut text = String::new();
        for line in lines {
            text.push_str(&line);
            text.push('\n');
        }
        Rendered::text(text)
    }

    /// The result of a tree with errors (`diagnostics`): without `allow_errors` the errors alone, nothing on
    /// stdout, exit status [`EXIT_ERRORS`] (the go command's habit without `-e`); with it, the document too.
    pub fn with_errors(
        self,
        diagnostics: Vec<String>,
        has_errors: bool,
        allow_errors: bool,
    ) -> Rendered {
        if has_errors && !allow_errors {
            return Rendered {
                output: Output::Text(String::new()),
                exit_code: EXIT_ERRORS,
                diagnostics,
                cached: self.cached,
            };
        }
        Rendered {
            diagnostics,
            ..self
        }
    }

    /// Writes the diagnostics, one per line (what a scenario prints on stderr).
    pub fn write_diagnostics(&self, out: &mut dyn Write) -> std::io::Result<()> {
        write_lines(&self.diagnostics, out)
    }

    /// Writes the document as the command line prints it: JSON pretty-printed with a final newline, text as is.
    pub fn write_to(&self, out: &mut dyn Write) -> std::io::Result<()> {
        match &self.output {
            Output::Json(json) => {
                out.write_all(json.get().as_bytes())?;
                out.write_all(b"\n")
            }
            Output::Text(text) => out.write_all(text.as_bytes()),
        }
    }
}

/// Writes `lines`, each ended by a newline.
pub(crate) fn write_lines(lines: &[String], out: &mut dyn Write) -> std::io::Result<()> {
    for line in lines {
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
