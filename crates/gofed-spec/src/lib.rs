//! gofed's RPM spec reader: what rpm makes of a spec file at the source-RPM stage, without rpm.
//!
//! [`parse`] evaluates a spec as `rpmspec -q` does on Fedora 44 for x86_64 with Fedora's Go packaging macros
//! loaded (the environment of the oracle's `rpmspec-go.sh`): rpm's macro language ([`Macros`]: `%define`,
//! `%global`, parametric macros with options, `%{?x:...}`, `%{expand:...}`, `%[expr]`, built-ins), its line
//! reader (`%if`/`%elif`/`%else`/`%endif` with rpm's expression grammar, `%ifarch`, continuation lines, macros
//! that expand to several lines), the preamble of every package, dependency fields with versions and rich
//! dependencies, scriptlets' interpreter dependencies, `%bcond`, and Fedora's Go and forge macros (`%gometa`,
//! `%gopkg`, `%godevelpkg`, `%goaltpkg`, `%gopkgfiles`, `%forgemeta`, `%gorpmname`), modelled in Rust from what
//! their Lua computes. The result is a [`Spec`]: the source package, each binary package with its
//! dependencies, and [`Diagnostic`]s for what rpm would refuse or what was not evaluated (`%(shell)`, other
//! `%{lua:...}`, unknown macros in the preamble).
//!
//! [`generate`] writes a Fedora Go spec for a [`GoProject`] (the facts the caller gathered from a tree) and
//! [`lint`] checks a spec against one.
//!
//! Nothing here reads files or runs programs: the caller passes the spec's bytes.

mod deps;
mod expr;
mod fedora;
mod generate;
mod lint;
mod lua_pattern;
mod macros;
mod parse;
mod platform;
mod project;
mod rpmver;

pub use deps::{sense, Dependency, DependencyKind};
pub use generate::generate;
pub use lint::{lint, Finding};
pub use macros::Macros;
pub use parse::parse_with;
pub use project::GoProject;
pub use rpmver::rpmvercmp;

/// Reads a spec as rpm does for Fedora 44 on x86_64 with Fedora's Go macros.
pub fn parse(name: &str, text: &[u8]) -> Spec {
    parse_with(name, text, &Options::default())
}

/// What the evaluation assumes.
#[derive(Clone, Debug)]
pub struct Options {
    /// `%{fedora}`; `None` leaves it undefined.
    pub fedora: Option<u32>,
    /// `%{dist}`.
    pub dist: String,
    /// `%{_target_cpu}`.
    pub target_cpu: String,
    /// `--with NAME` / `--without NAME` (rpm's `_with_NAME`, `_without_NAME`).
    pub with: Vec<String>,
    pub without: Vec<String>,
    /// Extra `--define "NAME BODY"` definitions, applied after the platform's.
    pub defines: Vec<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            fedora: Some(44),
            dist: ".fc44".to_string(),
            target_cpu: "x86_64".to_string(),
            with: Vec::new(),
            without: Vec::new(),
            defines: Vec::new(),
        }
    }
}

/// A spec as rpm reads it.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Spec {
    /// The source package (named after the main package): what `rpmspec -q --srpm` shows.
    pub source: SourcePackage,
    /// Binary packages in declaration order, the main package first.
    pub packages: Vec<Package>,
    /// Go import paths the spec packages (`%{goipath}`, `%{goipaths}`, `%{goaltipaths}` and their numbered forms).
    pub import_paths: Vec<String>,
    /// What rpm would refuse (errors) and what was not evaluated or looked wrong (warnings).
    pub diagnostics: Vec<Diagnostic>,
}

impl Spec {
    /// Whether rpm would refuse this spec.
    pub fn has_errors(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }

    pub fn package(&self, name: &str) -> Option<&Package> {
        self.packages.iter().find(|p| p.name == name)
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct SourcePackage {
    pub name: String,
    pub epoch: Option<u32>,
    pub version: String,
    pub release: String,
    /// `SourceLicense:` when given, the main package's `License:` otherwise.
    pub license: String,
    pub url: Option<String>,
    pub sources: Vec<SourceFile>,
    pub patches: Vec<SourceFile>,
    pub build_requires: Vec<Dependency>,
    pub build_conflicts: Vec<Dependency>,
    pub exclusive_arch: Vec<String>,
    pub exclude_arch: Vec<String>,
    /// `BuildArch:` of the main package (`noarch`).
    pub build_arch: Vec<String>,
    /// Whether the spec has a `%generate_buildrequires` section (its requirements are only known at build time).
    pub dynamic_build_requires: bool,
}

/// A `SourceN:` or `PatchN:` line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct SourceFile {
    pub number: u32,
    /// As written (expanded): a URL or a file name, with an optional `#/name` fragment.
    pub location: String,
    /// The file name rpm stores (after the last `/`).
    pub file_name: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Package {
    pub name: String,
    pub epoch: Option<u32>,
    pub version: String,
    pub release: String,
    pub summary: String,
    pub license: String,
    pub url: Option<String>,
    /// `noarch` or the target architecture.
    pub arch: String,
    pub description: String,
    /// Whether it has a `%files` section (rpm builds only those).
    pub has_files: bool,
    pub requires: Vec<Dependency>,
    /// Includes the `NAME = EVR` provide rpm adds to every package.
    pub provides: Vec<Dependency>,
    pub conflicts: Vec<Dependency>,
    pub obsoletes: Vec<Dependency>,
    pub recommends: Vec<Dependency>,
    pub suggests: Vec<Dependency>,
    pub supplements: Vec<Dependency>,
    pub enhances: Vec<Dependency>,
    pub order_with_requires: Vec<Dependency>,
}

impl Package {
    /// `[EPOCH:]VERSION-RELEASE`.
    pub fn evr(&self) -> String {
        match self.epoch {
            Some(epoch) => format!("{epoch}:{}-{}", self.version, self.release),
            None => format!("{}-{}", self.version, self.release),
        }
    }

    pub fn dependencies(&self, kind: DependencyKind) -> &[Dependency] {
        match kind {
            DependencyKind::Requires => &self.requires,
            DependencyKind::Provides => &self.provides,
            DependencyKind::Conflicts => &self.conflicts,
            DependencyKind::Obsoletes => &self.obsoletes,
            DependencyKind::Recommends => &self.recommends,
            DependencyKind::Suggests => &self.suggests,
            DependencyKind::Supplements => &self.supplements,
            DependencyKind::Enhances => &self.enhances,
            DependencyKind::OrderWithRequires => &self.order_with_requires,
            DependencyKind::BuildRequires | DependencyKind::BuildConflicts => &[],
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Severity {
    Warning,
    Error,
}

/// Something rpm would refuse or report, or that the reader did not evaluate, at a line of the spec.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Diagnostic {
    pub severity: Severity,
    /// 1-based line of the spec (0 when not tied to a line).
    pub line: usize,
    pub message: String,
}

impl Diagnostic {
    pub(crate) fn error(line: usize, message: String) -> Self {
        Diagnostic {
            severity: Severity::Error,
            line,
            message,
        }
    }

    pub(crate) fn warning(line: usize, message: String) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            line,
            message,
        }
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let severity = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        if self.line > 0 {
            write!(f, "{severity}: line {}: {}", self.line, self.message)
        } else {
            write!(f, "{severity}: {}", self.message)
        }
    }
}
