//! What the analysis actions take and give: a source tree, a build context, an output format, and the rendered
//! result.
//!
//! Actions render their result themselves, in the format the request names, so that a scenario prints the same
//! bytes whether the action ran in-process or on another machine.

use std::io::Write;
use std::path::PathBuf;

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
}

impl Source {
    /// The directory analysed, as the client named it.
    pub fn root(&self) -> &std::path::Path {
        match self {
            Source::Path(path) => path,
            Source::Bundle { root, .. } => root,
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
    /// Go's cmd/api lines (`pkg P, func F(int) error`), sorted.
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
        })
    }

    /// Text, exit status 0.
    pub fn text(text: String) -> Rendered {
        Rendered {
            output: Output::Text(text),
            exit_code: 0,
            diagnostics: Vec::new(),
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
            };
        }
        Rendered {
            diagnostics,
            ..self
        }
    }

    /// Writes the diagnostics, one per line (what a scenario prints on stderr).
    pub fn write_diagnostics(&self, out: &mut dyn Write) -> std::io::Result<()> {
        for line in &self.diagnostics {
            out.write_all(line.as_bytes())?;
            out.write_all(b"\n")?;
        }
        Ok(())
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
