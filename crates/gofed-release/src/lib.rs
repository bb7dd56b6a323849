//! The release check: which version a Go module's next release may have, by the rules of
//! `golang.org/x/exp/cmd/gorelease`.
//!
//! The caller loads both versions of the module and compares their packages (gofed-go's apidiff); this crate
//! pairs the packages, counts their changes and errors, and judges the version: the one to suggest, or whether
//! a proposed one is valid (module path and major version, v0 and pre-release rules, versions that already
//! exist, requirements that changed). [`Report::render`] prints gorelease's text.
//!
//! No I/O: resolving the base version through a module proxy is the binary's job.

pub mod graph;
pub mod loaddir;
pub mod module;
pub mod options;
pub mod report;
pub mod sumdb;
pub mod version;

pub use module::{locate_in_repository, Module};
pub use options::{check_module_path, parse_options, BaseChoice, UsageError};
pub use report::{pair_packages, ChangeJson, Package, PackageReport, Pair, Report, VersionProblem};
