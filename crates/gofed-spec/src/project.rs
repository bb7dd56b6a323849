//! What a spec is written from and checked against: the facts of a Go project's tree, gathered by the caller
//! (import analysis for the platforms Fedora builds, license detection, the files at the top of the tree).

use std::collections::BTreeSet;

/// A Go project as a spec needs to know it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct GoProject {
    /// The import path of the tree's root (`%{goipath}`).
    pub import_path: String,
    /// The module path `go.mod` declares, when there is one.
    pub module_path: Option<String>,
    /// The released version (without a leading `v`), when known.
    pub version: Option<String>,
    /// The commit, when packaging a snapshot.
    pub commit: Option<String>,
    /// One line for `Summary:`.
    pub summary: String,
    /// Paragraphs for `%description`.
    pub description: String,
    /// The SPDX expression of the licenses found (empty when none was).
    pub license: String,
    /// The SPDX ids in it.
    pub license_ids: Vec<String>,
    /// License files at the top of the tree (`%{golicenses}`).
    pub license_files: Vec<String>,
    /// Documentation files at the top of the tree (`%{godocs}`).
    pub doc_files: Vec<String>,
    /// Packages outside the project and the standard library that non-test, non-example code imports.
    pub imports: BTreeSet<String>,
    /// Those that only tests import.
    pub test_imports: BTreeSet<String>,
    /// The project's importable packages (what the `-devel` package provides as `golang(...)`).
    pub packages: BTreeSet<String>,
    /// Directories (relative to the root, "" for the root) of `main` packages, examples excluded.
    pub commands: Vec<String>,
}

impl GoProject {
    /// Whether a directory (relative to the project's root) holds example code, which Fedora's Go macros leave
    /// out of dependencies and Provides (go-rpm-macros' default `-r '.*example.*'`).
    pub fn is_example(relative_dir: &str) -> bool {
        relative_dir.contains("example")
    }
}
