//! The `goland` service: Go import paths ↔ Fedora and Debian package names (gofed-ng's
//! `golang_upstream2package` and `golang_package2upstream`, and a listing of a package index); a thin adapter over
//! `gofed-goland`. The index (a distribution's `Provides: golang(...)` list) and name overrides travel in the
//! request: the service keeps no state and does no I/O.

use std::collections::BTreeMap;

use gofed_goland::{Distro, FedoraNaming, Overrides, PackageIndex};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A distribution whose naming rules gofed knows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum DistroName {
    /// Fedora (go-rpm-macros' `%gometa` names).
    #[default]
    Fedora,
    /// Debian (dh-make-golang's names).
    Debian,
}

impl From<DistroName> for Distro {
    fn from(d: DistroName) -> Distro {
        match d {
            DistroName::Fedora => Distro::Fedora,
            DistroName::Debian => Distro::Debian,
        }
    }
}

/// How names are made, shared by the requests.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct NamingOptions {
    /// The distribution.
    #[serde(default)]
    pub distro: DistroName,
    /// Fedora: `%gometa -L`'s naming of versioned packages (`golang-gopkg-yaml3`), as go2rpm writes new specs.
    #[serde(default)]
    pub new_versioning: bool,
    /// Names chosen by hand: import path (root) → package name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub overrides: BTreeMap<String, String>,
}

impl NamingOptions {
    fn fedora(&self) -> FedoraNaming {
        FedoraNaming {
            new_versioning: self.new_versioning,
            compat_id: None,
        }
    }
}

/// Input of `golang_upstream2package`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Upstream2PackageRequest {
    /// Go import paths.
    pub import_paths: Vec<String>,
    /// Repository roots of vanity import paths (import path → the prefix its `go-import` meta tag names), found
    /// by the client, which fetches the pages: the service does no I/O.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vanity_roots: BTreeMap<String, String>,
    /// How the names are made.
    #[serde(flatten)]
    pub naming: NamingOptions,
}

/// Where an import path is packaged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PackageOf {
    /// The import path asked about.
    pub import_path: String,
    /// The repository root the package is named after.
    pub root: String,
    /// Whether the provider's rules found the root (false: the path was taken whole; a vanity path's root is
    /// what its `go-import` meta tag says).
    pub root_known: bool,
    /// The (source) package.
    pub package: String,
    /// The package that installs the code for building (`-devel`, `-dev`).
    pub devel_package: String,
    /// Whether an override named it.
    pub overridden: bool,
}

/// Input of `golang_package2upstream`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Package2UpstreamRequest {
    /// Package names (`-devel` / `-dev` accepted).
    pub packages: Vec<String>,
    /// The distribution's import paths, one per line or as `golang(PATH)` provides; without it the import paths
    /// a name can stand for on the common providers are listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<String>,
    /// How the names are made.
    #[serde(flatten)]
    pub naming: NamingOptions,
}

/// The import paths a package holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct UpstreamOf {
    /// The package asked about.
    pub package: String,
    /// Its repository roots: from the index (exact), else every candidate the name can stand for (several when
    /// it is ambiguous; none when no provider's rules give it).
    pub import_paths: Vec<String>,
    /// Whether an index answered.
    pub from_index: bool,
}

/// Input of `goland_package_listing`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ListingRequest {
    /// The distribution's import paths (as in [`Package2UpstreamRequest::index`]).
    pub index: String,
    /// How the names are made.
    #[serde(flatten)]
    pub naming: NamingOptions,
}

/// One package of a listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ListedPackage {
    /// The package.
    pub package: String,
    /// The repository roots of the index's import paths it holds.
    pub roots: Vec<String>,
    /// How many of the index's import paths it holds.
    pub import_paths: usize,
}

/// `golang_upstream2package`.
pub fn upstream2package(request: &Upstream2PackageRequest) -> Vec<PackageOf> {
    let overrides: Overrides = request.naming.overrides.clone();
    let naming = request.naming.fedora();
    request
        .import_paths
        .iter()
        .map(|path| {
            let mapped = gofed_goland::upstream_to_package_in(
                path,
                request.vanity_roots.get(path).map(String::as_str),
                request.naming.distro.into(),
                &naming,
                &overrides,
            );
            PackageOf {
                import_path: mapped.import_path,
                root: mapped.root,
                root_known: mapped.root_known,
                package: mapped.package,
                devel_package: mapped.devel_package,
                overridden: mapped.overridden,
            }
        })
        .collect()
}

/// `golang_package2upstream`.
pub fn package2upstream(request: &Package2UpstreamRequest) -> Vec<UpstreamOf> {
    let overrides: Overrides = request.naming.overrides.clone();
    let naming = request.naming.fedora();
    let index = request.index.as_deref().map(PackageIndex::parse);
    request
        .packages
        .iter()
        .map(|package| UpstreamOf {
            package: package.clone(),
            import_paths: gofed_goland::package_to_upstream(
                package,
                request.naming.distro.into(),
                &naming,
                &overrides,
                index.as_ref(),
            ),
            from_index: index.is_some(),
        })
        .collect()
}

/// `goland_package_listing`: the packages of an index, each with the roots it holds.
pub fn package_listing(request: &ListingRequest) -> Vec<ListedPackage> {
    let overrides: Overrides = request.naming.overrides.clone();
    let naming = request.naming.fedora();
    let mut packages: BTreeMap<String, (Vec<String>, usize)> = BTreeMap::new();
    for path in PackageIndex::parse(&request.index).paths() {
        let mapped = gofed_goland::upstream_to_package(
            path,
            request.naming.distro.into(),
            &naming,
            &overrides,
        );
        let entry = packages.entry(mapped.package).or_default();
        if !entry.0.contains(&mapped.root) {
            entry.0.push(mapped.root);
        }
        entry.1 += 1;
    }
    packages
        .into_iter()
        .map(|(package, (roots, import_paths))| ListedPackage {
            package,
            roots,
            import_paths,
        })
        .collect()
}
