//! What changed in a project's dependencies between two versions (gofed-ng's `deps_diff`).
//!
//! [`diff`] compares two loaded [`Project`]s (no I/O; load them with [`crate::load`]) and
//! returns a [`DepsDiff`]:
//! - **go.mod**: `require` lines added, removed, or changed (version up or down by semantic
//!   version order, pseudo-versions and `+incompatible` included; `// indirect` flag),
//!   `replace` and `exclude` lines, `tool` lines, the `go` and `toolchain` directives, and
//!   whether there is a go.mod at all (a GOPATH project adopting modules).
//! - **packages** added and removed, and **main packages** (commands) added and removed.
//! - **external dependencies**, grouped as `gofed deps` groups them: by the module go.mod
//!   requires when it names one (or `vendor/modules.txt` assigns), else by provider prefix
//!   (repository root); each added, removed, or changed (packages of it newly used or no
//!   longer used, required version, vendoring, whether only tests use it).
//! - **standard library** packages newly used or no longer used ([`DiffOptions::std`]) and
//!   **unresolved** imports (neither standard, nor the project's, nor attributable).
//! - **per-package imports** added and removed, for packages present in both versions:
//!   normal imports, and test imports (`TestImports ∪ XTestImports`) with
//!   [`DiffOptions::tests`].
//!
//! # Identity across versions
//!
//! Packages are matched by their directory relative to the loaded root (`.` for the root
//! itself, `a/b` below it), not by import path: a module path change (`example.com/m` →
//! `example.com/m/v2`, or a moved repository) then does not make every package new. The
//! change of the root's import path is reported once, in [`DepsDiff::module`]. Imports of
//! the project's own packages are matched the same way, so `example.com/m/a` and
//! `example.com/m/v2/a` are the same import. Reported lists show each side's real import
//! paths: added entries the new version's, removed entries the old version's.
//!
//! External imports are matched by import path, after removing a GOPATH `…/vendor/` prefix,
//! so vendoring or unvendoring a dependency changes only its `vendored` flag.
//!
//! # Invariants
//!
//! No I/O and no panics on input; every list is sorted, so the output is deterministic.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::load::gomod::{semver, GoMod, ReplaceTarget};
use crate::load::importpath::{self, ClassifyContext, ImportOrigin};
use crate::load::{Layout, Package, Project};

/// What to compare.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DiffOptions {
    /// Include standard library (and cgo `"C"`) imports in per-package imports, and report
    /// standard library packages newly used or no longer used.
    pub std: bool,
    /// Include test imports (`TestImports ∪ XTestImports`): per package, and as users of
    /// external dependencies.
    pub tests: bool,
}

/// The changes between two versions of a project; see the module docs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct DepsDiff {
    /// The old version.
    pub old: Side,
    /// The new version.
    pub new: Side,
    /// The layout changed (`gopath` → `module`).
    pub layout: Option<Change<String>>,
    /// The root's import path changed (module path, `--import-path`, GOPATH location).
    pub module: Option<Change<Option<String>>>,
    /// go.mod changes.
    pub go_mod: GoModDiff,
    /// Packages added and removed.
    pub packages: ListDiff<PackageRef>,
    /// Main packages (commands) added and removed, including packages that became or
    /// stopped being `package main`.
    pub main_packages: ListDiff<PackageRef>,
    /// External dependencies.
    pub external: EntryDiff<ExternalDep, ExternalChange>,
    /// Standard library packages newly imported and no longer imported (only with
    /// [`DiffOptions::std`]).
    pub standard: ListDiff<String>,
    /// Imports that are neither standard, nor the project's, nor attributable to a
    /// provider (`notstd/pkg`, malformed paths), newly imported and no longer imported.
    pub unresolved: ListDiff<String>,
    /// Per-package import changes, for packages in both versions whose imports changed,
    /// sorted by path.
    pub imports: Vec<PackageImportsDiff>,
}

/// One version of the project.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Side {
    /// The loaded root.
    pub root: PathBuf,
    /// How import paths were assigned: `module`, `gopath`, `goroot`, `prefix` or `local`.
    pub layout: String,
    /// The root's import path (`None` for the `local` layout).
    pub import_path: Option<String>,
}

/// A value that changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Change<T> {
    /// In the old version.
    pub old: T,
    /// In the new version.
    pub new: T,
}

/// Items added and removed, each list sorted.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ListDiff<T> {
    /// Only in the new version.
    pub added: Vec<T>,
    /// Only in the old version.
    pub removed: Vec<T>,
}

impl<T> Default for ListDiff<T> {
    fn default() -> Self {
        ListDiff {
            added: Vec::new(),
            removed: Vec::new(),
        }
    }
}

impl<T> ListDiff<T> {
    /// Nothing added or removed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

/// Entries added, removed, and changed, each list sorted by key.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct EntryDiff<T, C> {
    /// Only in the new version.
    pub added: Vec<T>,
    /// Only in the old version.
    pub removed: Vec<T>,
    /// In both, with differences.
    pub changed: Vec<C>,
}

impl<T, C> Default for EntryDiff<T, C> {
    fn default() -> Self {
        EntryDiff {
            added: Vec::new(),
            removed: Vec::new(),
            changed: Vec::new(),
        }
    }
}

impl<T, C> EntryDiff<T, C> {
    /// Nothing added, removed or changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// go.mod changes. A version without go.mod counts as an empty one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct GoModDiff {
    /// A go.mod appeared or disappeared.
    pub present: Option<Change<bool>>,
    /// The `go` directive changed.
    pub go: Option<Change<Option<String>>>,
    /// The `toolchain` directive changed.
    pub toolchain: Option<Change<Option<String>>>,
    /// `require` lines, by module path.
    pub require: EntryDiff<Requirement, RequirementChange>,
    /// `replace` lines, by replaced path and version.
    pub replace: EntryDiff<Replacement, ReplacementChange>,
    /// `exclude` lines.
    pub exclude: ListDiff<ModuleVersion>,
    /// `tool` lines.
    pub tool: ListDiff<String>,
}

impl GoModDiff {
    /// No change.
    pub fn is_empty(&self) -> bool {
        self.present.is_none()
            && self.go.is_none()
            && self.toolchain.is_none()
            && self.require.is_empty()
            && self.replace.is_empty()
            && self.exclude.is_empty()
            && self.tool.is_empty()
    }
}

/// A `require` line.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Requirement {
    /// The module path.
    pub path: String,
    /// The required version.
    pub version: String,
    /// Marked `// indirect`.
    pub indirect: bool,
}

/// A `require` line of a module required in both versions, changed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct RequirementChange {
    /// The module path.
    pub path: String,
    /// The version changed.
    pub version: Option<VersionChange>,
    /// The `// indirect` flag changed.
    pub indirect: Option<Change<bool>>,
}

/// A required version that changed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct VersionChange {
    /// The old version.
    pub old: String,
    /// The new version.
    pub new: String,
    /// Which way, in semantic version order.
    pub direction: Direction,
}

/// Which way a version moved, by [`semver::compare`] (pre-releases and pseudo-versions
/// sort before their release; build metadata such as `+incompatible` is ignored).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Direction {
    /// A higher version.
    Upgrade,
    /// A lower version.
    Downgrade,
    /// Different text, same precedence (build metadata only, or two invalid versions).
    Changed,
}

/// A `replace` line.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Replacement {
    /// The replaced module path.
    pub path: String,
    /// The replaced version; `None` replaces every version.
    pub version: Option<String>,
    /// What replaces it.
    pub target: ReplaceTarget,
}

/// A `replace` of the same path and version in both versions, with another target.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ReplacementChange {
    /// The replaced module path.
    pub path: String,
    /// The replaced version; `None` replaces every version.
    pub version: Option<String>,
    /// The old target.
    pub old: ReplaceTarget,
    /// The new target.
    pub new: ReplaceTarget,
}

/// A module path and version (`exclude` lines).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ModuleVersion {
    /// The module path.
    pub path: String,
    /// The version.
    pub version: String,
}

/// A package of one version.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PackageRef {
    /// The directory relative to the root (`.` for the root): the identity across versions.
    pub path: String,
    /// The import path in that version.
    pub import_path: String,
}

/// An external dependency used by only one version.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ExternalDep {
    /// The module providing the packages (from go.mod or `vendor/modules.txt`), else the
    /// provider prefix: the grouping key, as `gofed deps`'s `root`.
    pub root: String,
    /// The repository root (gofed-ng's "ipprefix").
    pub provider: String,
    /// The version go.mod requires.
    pub version: Option<String>,
    /// The packages are vendored in the project.
    pub vendored: bool,
    /// Only tests import it (always false without [`DiffOptions::tests`]).
    pub test_only: bool,
    /// Its packages that the project imports.
    pub packages: Vec<String>,
    /// The project's packages importing it (import paths).
    pub used_by: Vec<String>,
}

/// An external dependency of both versions that changed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ExternalChange {
    /// The grouping key (see [`ExternalDep::root`]).
    pub root: String,
    /// The version go.mod requires changed.
    pub version: Option<Change<Option<String>>>,
    /// Vendoring changed.
    pub vendored: Option<Change<bool>>,
    /// Whether only tests use it changed.
    pub test_only: Option<Change<bool>>,
    /// Its packages newly imported and no longer imported.
    pub packages: ListDiff<String>,
}

/// Import changes of a package present in both versions.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PackageImportsDiff {
    /// The directory relative to the root (`.` for the root).
    pub path: String,
    /// The import path in the new version.
    pub import_path: String,
    /// Imports of the package's files (GoFiles, CgoFiles).
    pub imports: ListDiff<String>,
    /// Imports of its test files (TestImports ∪ XTestImports; only with
    /// [`DiffOptions::tests`]).
    pub test_imports: ListDiff<String>,
}

impl DepsDiff {
    /// Nothing changed (the sides' roots do not count).
    pub fn is_empty(&self) -> bool {
        self.layout.is_none()
            && self.module.is_none()
            && self.go_mod.is_empty()
            && self.packages.is_empty()
            && self.main_packages.is_empty()
            && self.external.is_empty()
            && self.standard.is_empty()
            && self.unresolved.is_empty()
            && self.imports.is_empty()
    }
}

/// Compares two versions of a project; see the module docs.
pub fn diff(old: &Project, new: &Project, options: &DiffOptions) -> DepsDiff {
    let old_idx = Index::new(old, options);
    let new_idx = Index::new(new, options);
    let mut res = DepsDiff {
        old: old_idx.side(),
        new: new_idx.side(),
        ..DepsDiff::default()
    };
    res.layout = change(layout_name(&old.layout), layout_name(&new.layout)).map(|c| Change {
        old: c.old.to_owned(),
        new: c.new.to_owned(),
    });
    res.module = change(
        old_idx.root_import_path.clone(),
        new_idx.root_import_path.clone(),
    );
    res.go_mod = diff_go_mod(
        old.go_mod.as_ref().map(|p| &p.go_mod),
        new.go_mod.as_ref().map(|p| &p.go_mod),
    );
    res.packages = diff_packages(&old_idx, &new_idx, |_| true);
    res.main_packages = diff_packages(&old_idx, &new_idx, Package::is_main);
    res.external = diff_external(&old_idx.usage.external, &new_idx.usage.external);
    if options.std {
        res.standard = diff_sets(&old_idx.usage.standard, &new_idx.usage.standard);
    }
    res.unresolved = diff_sets(&old_idx.usage.unresolved, &new_idx.usage.unresolved);
    for (path, new_imports) in &new_idx.imports {
        let Some(old_imports) = old_idx.imports.get(path) else {
            continue;
        };
        let entry = PackageImportsDiff {
            path: path.clone(),
            import_path: new_idx.packages[path].import_path.clone(),
            imports: diff_keyed(&old_imports.normal, &new_imports.normal),
            test_imports: diff_keyed(&old_imports.test, &new_imports.test),
        };
        if !entry.imports.is_empty() || !entry.test_imports.is_empty() {
            res.imports.push(entry);
        }
    }
    res
}

/// Whether `v` is a pseudo-version (`golang.org/x/mod/module.IsPseudoVersion`):
/// `vX.0.0-yyyymmddhhmmss-abcdefabcdef`, `vX.Y.(Z+1)-0.yyyymmddhhmmss-abcdef` or
/// `vX.Y.Z-pre.0.yyyymmddhhmmss-abcdef`, optionally with build metadata (`+incompatible`).
pub fn is_pseudo_version(v: &str) -> bool {
    let Some(pre) = semver::prerelease(v).and_then(|p| p.strip_prefix('-')) else {
        return false;
    };
    let Some((head, rev)) = pre.rsplit_once('-') else {
        return false;
    };
    if rev.is_empty() || !rev.bytes().all(|b| b.is_ascii_alphanumeric()) || head.len() < 14 {
        return false;
    }
    let (before, stamp) = head.split_at(head.len() - 14);
    if !stamp.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    if before.is_empty() {
        // `vX.0.0-stamp-rev`.
        let release = &v[..v.len() - pre.len() - 1];
        return release.ends_with(".0.0");
    }
    before == "0." || before.ends_with(".0.")
}

fn change<T: PartialEq>(old: T, new: T) -> Option<Change<T>> {
    (old != new).then_some(Change { old, new })
}

fn layout_name(layout: &Layout) -> &'static str {
    match layout {
        Layout::Goroot { .. } => "goroot",
        Layout::Module { .. } => "module",
        Layout::Gopath { .. } => "gopath",
        Layout::Prefix { .. } => "prefix",
        Layout::Local => "local",
    }
}

/// An import's identity across versions.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum ImportKey {
    /// One of the project's packages, by path relative to the root.
    Own(String),
    /// Anything else, by import path (GOPATH `…/vendor/` prefix removed).
    Path(String),
}

/// Imports of one package: identity → the import path as that version writes it.
#[derive(Default)]
struct PackageImports {
    normal: BTreeMap<ImportKey, String>,
    test: BTreeMap<ImportKey, String>,
}

/// What one version uses, project-wide.
#[derive(Default)]
struct Usage {
    external: BTreeMap<String, ExternalDep>,
    standard: BTreeSet<String>,
    unresolved: BTreeSet<String>,
}

/// Where an import comes from.
enum Origin {
    /// Standard library or cgo.
    Std,
    /// The project itself.
    Own(String),
    /// Another project's package.
    External {
        path: String,
        root: String,
        provider: String,
        vendored: bool,
    },
    /// Not attributable.
    Unresolved,
}

/// One version, indexed for comparison.
struct Index<'a> {
    project: &'a Project,
    ctx: ClassifyContext,
    root_import_path: Option<String>,
    /// Import path → relative path of the loaded (non-vendored) packages.
    own: BTreeMap<&'a str, String>,
    /// Relative path → package.
    packages: BTreeMap<String, &'a Package>,
    imports: BTreeMap<String, PackageImports>,
    usage: Usage,
}

impl<'a> Index<'a> {
    fn new(project: &'a Project, options: &DiffOptions) -> Index<'a> {
        let mut idx = Index {
            project,
            ctx: project.classify_context(),
            root_import_path: project.root_import_path(),
            own: BTreeMap::new(),
            packages: BTreeMap::new(),
            imports: BTreeMap::new(),
            usage: Usage::default(),
        };
        for pkg in project.packages.iter().filter(|p| !p.vendored) {
            let rel =
                relative_dir(&project.root, &pkg.dir).unwrap_or_else(|| pkg.import_path.clone());
            idx.own.insert(&pkg.import_path, rel.clone());
            idx.packages.insert(rel, pkg);
        }
        let packages: Vec<(String, &Package)> = idx
            .packages
            .iter()
            .map(|(rel, pkg)| (rel.clone(), *pkg))
            .collect();
        for (rel, pkg) in packages {
            let mut imports = PackageImports::default();
            imports.normal = idx.record(pkg, &pkg.imports, false, options);
            if options.tests {
                let test: Vec<String> = pkg
                    .test_imports
                    .iter()
                    .chain(&pkg.x_test_imports)
                    .cloned()
                    .collect();
                imports.test = idx.record(pkg, &test, true, options);
            }
            idx.imports.insert(rel, imports);
        }
        idx
    }

    fn side(&self) -> Side {
        Side {
            root: self.project.root.clone(),
            layout: layout_name(&self.project.layout).to_owned(),
            import_path: self.root_import_path.clone(),
        }
    }

    /// Classifies a package's imports, records project-wide usage, and returns the imports
    /// to compare per package.
    fn record(
        &mut self,
        pkg: &Package,
        imports: &[String],
        is_test: bool,
        options: &DiffOptions,
    ) -> BTreeMap<ImportKey, String> {
        let mut res = BTreeMap::new();
        for imp in imports {
            let key =
                match self.origin(imp) {
                    Origin::Std => {
                        if !options.std {
                            continue;
                        }
                        self.usage.standard.insert(imp.clone());
                        ImportKey::Path(imp.clone())
                    }
                    Origin::Own(rel) => ImportKey::Own(rel),
                    Origin::External {
                        path,
                        root,
                        provider,
                        vendored,
                    } => {
                        let version = self.required_version(&root);
                        let dep = self.usage.external.entry(root.clone()).or_insert_with(|| {
                            ExternalDep {
                                root,
                                provider,
                                version,
                                vendored,
                                test_only: true,
                                packages: Vec::new(),
                                used_by: Vec::new(),
                            }
                        });
                        dep.vendored |= vendored;
                        dep.test_only &= is_test;
                        insert_sorted(&mut dep.packages, &path);
                        insert_sorted(&mut dep.used_by, &pkg.import_path);
                        ImportKey::Path(path)
                    }
                    Origin::Unresolved => {
                        self.usage.unresolved.insert(imp.clone());
                        ImportKey::Path(imp.clone())
                    }
                };
            res.insert(key, imp.clone());
        }
        res
    }

    /// As `gofed deps` classifies: the project's packages first, then the standard library,
    /// then [`importpath::classify`] on the path without a GOPATH `…/vendor/` prefix.
    fn origin(&self, imp: &str) -> Origin {
        if let Some(rel) = self.own.get(imp) {
            return Origin::Own(rel.clone());
        }
        match importpath::import_origin(imp, &self.ctx) {
            ImportOrigin::Std => Origin::Std,
            ImportOrigin::Project => Origin::Own(self.relative_import(imp)),
            ImportOrigin::External {
                path,
                root,
                provider,
                vendored,
            } => Origin::External {
                path,
                root,
                provider,
                vendored,
            },
            ImportOrigin::Unresolved(_) => Origin::Unresolved,
        }
    }

    /// A project import path relative to the root's import path (the path itself when it
    /// lies outside the root).
    fn relative_import(&self, path: &str) -> String {
        let Some(prefix) = self.root_import_path.as_deref().filter(|p| !p.is_empty()) else {
            return path.to_owned();
        };
        match path.strip_prefix(prefix) {
            Some("") => ".".to_owned(),
            Some(rest) if rest.starts_with('/') => rest[1..].to_owned(),
            _ => path.to_owned(),
        }
    }

    /// The version go.mod requires of a module.
    fn required_version(&self, module: &str) -> Option<String> {
        let go_mod = &self.project.go_mod.as_ref()?.go_mod;
        go_mod
            .require
            .iter()
            .rev()
            .find(|r| r.path == module)
            .map(|r| r.version.clone())
    }
}

fn insert_sorted(list: &mut Vec<String>, item: &str) {
    if let Err(i) = list.binary_search_by(|x| x.as_str().cmp(item)) {
        list.insert(i, item.to_owned());
    }
}

/// `dir` relative to `root` with `/` separators, `.` for the root itself.
fn relative_dir(root: &Path, dir: &Path) -> Option<String> {
    let rel = dir.strip_prefix(root).ok()?;
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some(if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    })
}

fn diff_packages(
    old: &Index<'_>,
    new: &Index<'_>,
    filter: impl Fn(&Package) -> bool,
) -> ListDiff<PackageRef> {
    let only = |a: &Index<'_>, b: &Index<'_>| -> Vec<PackageRef> {
        a.packages
            .iter()
            .filter(|(_, pkg)| filter(pkg))
            .filter(|(rel, _)| !b.packages.get(*rel).is_some_and(|p| filter(p)))
            .map(|(rel, pkg)| PackageRef {
                path: rel.clone(),
                import_path: pkg.import_path.clone(),
            })
            .collect()
    };
    ListDiff {
        added: only(new, old),
        removed: only(old, new),
    }
}

fn diff_sets(old: &BTreeSet<String>, new: &BTreeSet<String>) -> ListDiff<String> {
    ListDiff {
        added: new.difference(old).cloned().collect(),
        removed: old.difference(new).cloned().collect(),
    }
}

/// Added entries with the new version's text, removed ones with the old version's, sorted.
fn diff_keyed(
    old: &BTreeMap<ImportKey, String>,
    new: &BTreeMap<ImportKey, String>,
) -> ListDiff<String> {
    let only = |a: &BTreeMap<ImportKey, String>, b: &BTreeMap<ImportKey, String>| {
        let mut res: Vec<String> = a
            .iter()
            .filter(|(k, _)| !b.contains_key(*k))
            .map(|(_, v)| v.clone())
            .collect();
        res.sort();
        res
    };
    ListDiff {
        added: only(new, old),
        removed: only(old, new),
    }
}

fn diff_external(
    old: &BTreeMap<String, ExternalDep>,
    new: &BTreeMap<String, ExternalDep>,
) -> EntryDiff<ExternalDep, ExternalChange> {
    let mut res = EntryDiff::default();
    for (root, dep) in new {
        let Some(before) = old.get(root) else {
            res.added.push(dep.clone());
            continue;
        };
        let before_pkgs: BTreeSet<String> = before.packages.iter().cloned().collect();
        let after_pkgs: BTreeSet<String> = dep.packages.iter().cloned().collect();
        let entry = ExternalChange {
            root: root.clone(),
            version: change(before.version.clone(), dep.version.clone()),
            vendored: change(before.vendored, dep.vendored),
            test_only: change(before.test_only, dep.test_only),
            packages: diff_sets(&before_pkgs, &after_pkgs),
        };
        let changed = entry.version.is_some()
            || entry.vendored.is_some()
            || entry.test_only.is_some()
            || !entry.packages.is_empty();
        if changed {
            res.changed.push(entry);
        }
    }
    res.removed = old
        .iter()
        .filter(|(root, _)| !new.contains_key(*root))
        .map(|(_, dep)| dep.clone())
        .collect();
    res
}

fn diff_go_mod(old: Option<&GoMod>, new: Option<&GoMod>) -> GoModDiff {
    let empty = GoMod::default();
    let mut res = GoModDiff {
        present: change(old.is_some(), new.is_some()),
        ..GoModDiff::default()
    };
    let (old, new) = (old.unwrap_or(&empty), new.unwrap_or(&empty));
    res.go = change(old.go.clone(), new.go.clone());
    res.toolchain = change(old.toolchain.clone(), new.toolchain.clone());

    // Requirements: a module listed twice counts with its last line.
    let requires = |m: &GoMod| -> BTreeMap<String, Requirement> {
        m.require
            .iter()
            .map(|r| {
                let req = Requirement {
                    path: r.path.clone(),
                    version: r.version.clone(),
                    indirect: r.indirect,
                };
                (r.path.clone(), req)
            })
            .collect()
    };
    let (old_req, new_req) = (requires(old), requires(new));
    for (path, req) in &new_req {
        let Some(before) = old_req.get(path) else {
            res.require.added.push(req.clone());
            continue;
        };
        let version = (before.version != req.version).then(|| VersionChange {
            old: before.version.clone(),
            new: req.version.clone(),
            direction: match semver::compare(&req.version, &before.version) {
                std::cmp::Ordering::Greater => Direction::Upgrade,
                std::cmp::Ordering::Less => Direction::Downgrade,
                std::cmp::Ordering::Equal => Direction::Changed,
            },
        });
        let indirect = change(before.indirect, req.indirect);
        if version.is_some() || indirect.is_some() {
            res.require.changed.push(RequirementChange {
                path: path.clone(),
                version,
                indirect,
            });
        }
    }
    res.require.removed = old_req
        .into_iter()
        .filter(|(path, _)| !new_req.contains_key(path))
        .map(|(_, req)| req)
        .collect();

    // Replacements, by replaced path and version.
    type ReplaceKey = (String, Option<String>);
    let replaces = |m: &GoMod| -> BTreeMap<ReplaceKey, ReplaceTarget> {
        m.replace
            .iter()
            .map(|r| ((r.old_path.clone(), r.old_version.clone()), r.new.clone()))
            .collect()
    };
    let (old_rep, new_rep) = (replaces(old), replaces(new));
    for ((path, version), target) in &new_rep {
        let key = (path.clone(), version.clone());
        match old_rep.get(&key) {
            None => res.replace.added.push(Replacement {
                path: path.clone(),
                version: version.clone(),
                target: target.clone(),
            }),
            Some(before) if before != target => res.replace.changed.push(ReplacementChange {
                path: path.clone(),
                version: version.clone(),
                old: before.clone(),
                new: target.clone(),
            }),
            Some(_) => {}
        }
    }
    res.replace.removed = old_rep
        .iter()
        .filter(|(key, _)| !new_rep.contains_key(*key))
        .map(|((path, version), target)| Replacement {
            path: path.clone(),
            version: version.clone(),
            target: target.clone(),
        })
        .collect();

    let excludes = |m: &GoMod| -> BTreeSet<ModuleVersion> {
        m.exclude
            .iter()
            .map(|e| ModuleVersion {
                path: e.path.clone(),
                version: e.version.clone(),
            })
            .collect()
    };
    let (old_ex, new_ex) = (excludes(old), excludes(new));
    res.exclude = ListDiff {
        added: new_ex.difference(&old_ex).cloned().collect(),
        removed: old_ex.difference(&new_ex).cloned().collect(),
    };
    let tools = |m: &GoMod| -> BTreeSet<String> { m.tool.iter().cloned().collect() };
    res.tool = diff_sets(&tools(old), &tools(new));
    res
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::io;
    use std::path::{Path, PathBuf};

    use crate::build::{Context, Selector};
    use crate::depsdiff::*;
    use crate::load::gomod;
    use crate::load::{load_tree, DirEntry, FileTree, LoadConfig};

    /// An in-memory tree: file paths and contents.
    struct MemTree(BTreeMap<PathBuf, Vec<u8>>);

    impl MemTree {
        fn new(files: &[(&str, &str)]) -> MemTree {
            let files = files
                .iter()
                .map(|(name, src)| (Path::new("/t").join(name), src.as_bytes().to_vec()))
                .collect();
            MemTree(files)
        }
    }

    impl FileTree for MemTree {
        fn read_dir(&self, dir: &Path) -> io::Result<Vec<DirEntry>> {
            let mut entries = BTreeMap::new();
            for path in self.0.keys() {
                let Ok(rel) = path.strip_prefix(dir) else {
                    continue;
                };
                let mut parts = rel.components();
                let Some(first) = parts.next() else {
                    continue;
                };
                let name = first.as_os_str().to_string_lossy().into_owned();
                entries.insert(name, parts.next().is_some());
            }
            if entries.is_empty() {
                return Err(io::Error::from(io::ErrorKind::NotFound));
            }
            Ok(entries
                .into_iter()
                .map(|(name, is_dir)| DirEntry { name, is_dir })
                .collect())
        }

        fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
            self.0
                .get(path)
                .cloned()
                .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
        }

        fn is_dir(&self, path: &Path) -> bool {
            self.0.keys().any(|p| p != path && p.starts_with(path))
        }

        fn is_file(&self, path: &Path) -> bool {
            self.0.contains_key(path)
        }
    }

    fn load(files: &[(&str, &str)]) -> Project {
        let config = LoadConfig {
            selector: Selector::Single(Context::for_go(22, "linux", "amd64")),
            go_minor: Some(22),
            import_path: None,
            include_vendor: false,
            skip_tests: false,
            keep_sources: false,
        };
        load_tree(&MemTree::new(files), Path::new("/t"), &config).unwrap()
    }

    fn check(old: &[(&str, &str)], new: &[(&str, &str)], options: DiffOptions) -> DepsDiff {
        diff(&load(old), &load(new), &options)
    }

    const ALL: DiffOptions = DiffOptions {
        std: true,
        tests: true,
    };

    fn paths(list: &[PackageRef]) -> Vec<&str> {
        list.iter().map(|p| p.path.as_str()).collect()
    }

    fn go_mod_diff(old: &str, new: &str) -> GoModDiff {
        let old = gomod::parse("old/go.mod", old.as_bytes()).go_mod;
        let new = gomod::parse("new/go.mod", new.as_bytes()).go_mod;
        diff_go_mod(Some(&old), Some(&new))
    }

    #[test]
    fn identical_trees_have_an_empty_diff() {
        let tree = [
            (
                "go.mod",
                "module example.com/m\n\ngo 1.22\n\nrequire github.com/a/b v1.0.0\n",
            ),
            (
                "a.go",
                "package m\n\nimport (\n\t\"fmt\"\n\t\"github.com/a/b\"\n)\n",
            ),
            ("a_test.go", "package m_test\n\nimport \"example.com/m\"\n"),
            (
                "cmd/x/main.go",
                "package main\n\nimport \"example.com/m\"\n",
            ),
        ];
        let res = check(&tree, &tree, ALL);
        assert!(res.is_empty(), "{res:#?}");
        assert_eq!(res.old.import_path.as_deref(), Some("example.com/m"));
        assert_eq!(res.new.layout, "module");
    }

    #[test]
    fn module_path_change_keeps_package_identity() {
        let old = [
            ("go.mod", "module example.com/m\n"),
            ("a/a.go", "package a\n\nimport \"example.com/m/b\"\n"),
            ("b/b.go", "package b\n"),
        ];
        let new = [
            ("go.mod", "module example.com/m/v2\n"),
            ("a/a.go", "package a\n\nimport \"example.com/m/v2/b\"\n"),
            ("b/b.go", "package b\n"),
            ("c/c.go", "package c\n\nimport \"example.com/m/v2/a\"\n"),
        ];
        let res = check(&old, &new, ALL);
        let module = res.module.as_ref().unwrap();
        assert_eq!(module.old.as_deref(), Some("example.com/m"));
        assert_eq!(module.new.as_deref(), Some("example.com/m/v2"));
        assert_eq!(paths(&res.packages.added), ["c"]);
        assert_eq!(res.packages.added[0].import_path, "example.com/m/v2/c");
        assert!(res.packages.removed.is_empty());
        assert!(res.imports.is_empty(), "{:#?}", res.imports);
        assert!(res.external.is_empty() && res.unresolved.is_empty());
    }

    #[test]
    fn packages_main_and_imports() {
        let old = [
            ("go.mod", "module example.com/m\n"),
            (
                "a/a.go",
                "package a\n\nimport (\n\t\"fmt\"\n\t\"github.com/old/dep\"\n)\n",
            ),
            ("gone/g.go", "package gone\n"),
            ("tool/t.go", "package tool\n"),
        ];
        let new = [
            ("go.mod", "module example.com/m\n"),
            (
                "a/a.go",
                "package a\n\nimport (\n\t\"os\"\n\t\"github.com/new/dep\"\n\t\"notstd/x\"\n)\n",
            ),
            (
                "a/a_test.go",
                "package a\n\nimport \"github.com/stretchr/testify/assert\"\n",
            ),
            ("tool/t.go", "package main\n"),
            ("cmd/new/main.go", "package main\n"),
        ];
        let res = check(&old, &new, DiffOptions::default());
        assert_eq!(paths(&res.packages.added), ["cmd/new"]);
        assert_eq!(paths(&res.packages.removed), ["gone"]);
        assert_eq!(paths(&res.main_packages.added), ["cmd/new", "tool"]);
        assert!(res.main_packages.removed.is_empty());
        assert_eq!(res.imports.len(), 1);
        let a = &res.imports[0];
        assert_eq!(a.path, "a");
        assert_eq!(a.imports.added, ["github.com/new/dep", "notstd/x"]);
        assert_eq!(a.imports.removed, ["github.com/old/dep"]);
        assert!(a.test_imports.is_empty());
        assert_eq!(res.unresolved.added, ["notstd/x"]);
        assert!(res.standard.is_empty());

        // With tests and the standard library.
        let res = check(&old, &new, ALL);
        let a = &res.imports[0];
        assert_eq!(a.imports.added, ["github.com/new/dep", "notstd/x", "os"]);
        assert_eq!(a.imports.removed, ["fmt", "github.com/old/dep"]);
        assert_eq!(a.test_imports.added, ["github.com/stretchr/testify/assert"]);
        assert_eq!(res.standard.added, ["os"]);
        assert_eq!(res.standard.removed, ["fmt"]);
        let roots: Vec<(&str, bool)> = res
            .external
            .added
            .iter()
            .map(|d| (d.root.as_str(), d.test_only))
            .collect();
        assert_eq!(
            roots,
            [
                ("github.com/new/dep", false),
                ("github.com/stretchr/testify", true)
            ]
        );
    }

    #[test]
    fn external_dependencies_grouped_by_module() {
        let old = [
            ("go.mod", "module example.com/m\n\nrequire (\n\tgolang.org/x/net v0.1.0\n\tgithub.com/gone/dep v1.0.0\n)\n"),
            ("a.go", "package m\n\nimport (\n\t\"golang.org/x/net/http2\"\n\t\"golang.org/x/net/idna\"\n\t\"github.com/gone/dep/sub\"\n)\n"),
        ];
        let new = [
            ("go.mod", "module example.com/m\n\nrequire (\n\tgolang.org/x/net v0.2.0\n\tgithub.com/pkg/errors v0.9.1\n)\n"),
            ("vendor/modules.txt", "# github.com/pkg/errors v0.9.1\n## explicit\ngithub.com/pkg/errors\n# golang.org/x/net v0.2.0\n## explicit\ngolang.org/x/net/http2\ngolang.org/x/net/html\n"),
            ("a.go", "package m\n\nimport (\n\t\"golang.org/x/net/http2\"\n\t\"golang.org/x/net/html\"\n\t\"github.com/pkg/errors\"\n)\n"),
        ];
        let res = check(&old, &new, DiffOptions::default());
        assert_eq!(res.external.added.len(), 1);
        let added = &res.external.added[0];
        assert_eq!(added.root, "github.com/pkg/errors");
        assert_eq!(added.version.as_deref(), Some("v0.9.1"));
        assert!(added.vendored);
        assert_eq!(added.used_by, ["example.com/m"]);
        assert_eq!(res.external.removed.len(), 1);
        assert_eq!(res.external.removed[0].root, "github.com/gone/dep");
        assert_eq!(
            res.external.removed[0].packages,
            ["github.com/gone/dep/sub"]
        );
        assert_eq!(res.external.changed.len(), 1);
        let net = &res.external.changed[0];
        assert_eq!(net.root, "golang.org/x/net");
        assert_eq!(net.packages.added, ["golang.org/x/net/html"]);
        assert_eq!(net.packages.removed, ["golang.org/x/net/idna"]);
        assert_eq!(
            net.vendored,
            Some(Change {
                old: false,
                new: true
            })
        );
        let version = net.version.as_ref().unwrap();
        assert_eq!(version.old.as_deref(), Some("v0.1.0"));
        assert_eq!(version.new.as_deref(), Some("v0.2.0"));
        assert!(net.test_only.is_none());
    }

    #[test]
    fn no_go_mod_to_module() {
        let old = [("a.go", "package a\n\nimport \"github.com/a/b/c\"\n")];
        let new = [
            (
                "go.mod",
                "module example.com/a\n\ngo 1.21\n\nrequire github.com/a/b v1.2.0\n",
            ),
            ("a.go", "package a\n\nimport \"github.com/a/b/c\"\n"),
        ];
        let res = check(&old, &new, DiffOptions::default());
        let layout = res.layout.as_ref().unwrap();
        assert_eq!(
            (layout.old.as_str(), layout.new.as_str()),
            ("local", "module")
        );
        assert_eq!(
            res.go_mod.present,
            Some(Change {
                old: false,
                new: true
            })
        );
        assert_eq!(res.go_mod.require.added.len(), 1);
        // The dependency is the same; only go.mod now pins its version.
        assert!(res.packages.is_empty());
        assert!(res.external.added.is_empty() && res.external.removed.is_empty());
        let version = res.external.changed[0].version.as_ref().unwrap();
        assert_eq!(version.new.as_deref(), Some("v1.2.0"));
    }

    #[test]
    fn require_changes() {
        let old = "module m

go 1.21

require (
	example.com/up v1.2.3
	example.com/down v1.5.0
	example.com/pseudo v0.0.0-20200101000000-abcdefabcdef
	example.com/prerel v1.2.4-0.20200101000000-abcdefabcdef
	example.com/incompat v2.0.0+incompatible
	example.com/flag v1.0.0 // indirect
	example.com/both v1.0.0 // indirect
	example.com/gone v1.0.0
)
";
        let new = "module m

go 1.22.1

toolchain go1.22.3

require (
	example.com/up v1.10.0
	example.com/down v1.4.9
	example.com/pseudo v0.1.0
	example.com/prerel v1.2.3
	example.com/incompat v3.0.0+incompatible
	example.com/flag v1.0.0
	example.com/both v1.1.0
	example.com/new v0.1.0 // indirect
)
";
        let res = go_mod_diff(old, new);
        assert_eq!(
            res.go,
            Some(Change {
                old: Some("1.21".to_owned()),
                new: Some("1.22.1".to_owned())
            })
        );
        assert_eq!(
            res.toolchain,
            Some(Change {
                old: None,
                new: Some("go1.22.3".to_owned())
            })
        );
        assert!(res.present.is_none());
        let added: Vec<(&str, &str, bool)> = res
            .require
            .added
            .iter()
            .map(|r| (r.path.as_str(), r.version.as_str(), r.indirect))
            .collect();
        assert_eq!(added, [("example.com/new", "v0.1.0", true)]);
        let removed: Vec<&str> = res
            .require
            .removed
            .iter()
            .map(|r| r.path.as_str())
            .collect();
        assert_eq!(removed, ["example.com/gone"]);
        let changed: Vec<String> = res
            .require
            .changed
            .iter()
            .map(|c| {
                let version = c
                    .version
                    .as_ref()
                    .map(|v| format!(" {} {:?} {}", v.old, v.direction, v.new))
                    .unwrap_or_default();
                let indirect = c
                    .indirect
                    .as_ref()
                    .map(|i| format!(" indirect {} -> {}", i.old, i.new))
                    .unwrap_or_default();
                format!("{}{version}{indirect}", c.path)
            })
            .collect();
        assert_eq!(
            changed,
            [
                "example.com/both v1.0.0 Upgrade v1.1.0 indirect true -> false",
                "example.com/down v1.5.0 Downgrade v1.4.9",
                "example.com/flag indirect true -> false",
                "example.com/incompat v2.0.0+incompatible Upgrade v3.0.0+incompatible",
                "example.com/prerel v1.2.4-0.20200101000000-abcdefabcdef Downgrade v1.2.3",
                "example.com/pseudo v0.0.0-20200101000000-abcdefabcdef Upgrade v0.1.0",
                "example.com/up v1.2.3 Upgrade v1.10.0",
            ]
        );
    }

    #[test]
    fn replace_exclude_tool_changes() {
        let old = "module m

replace example.com/a => ../a
replace example.com/b v1.0.0 => example.com/fork v1.0.1
replace example.com/gone => ./gone
exclude example.com/x v1.0.0
";
        let new = "module m

replace example.com/a => example.com/a-fork v1.1.0
replace example.com/b v1.0.0 => example.com/fork v1.0.1
replace example.com/b => ../b
exclude example.com/x v1.1.0
tool example.com/tool/cmd/gen
";
        let res = go_mod_diff(old, new);
        let render = |r: &Replacement| match &r.version {
            Some(v) => format!("{} {v} => {}", r.path, r.target),
            None => format!("{} => {}", r.path, r.target),
        };
        let added: Vec<String> = res.replace.added.iter().map(render).collect();
        assert_eq!(added, ["example.com/b => ../b"]);
        let removed: Vec<String> = res.replace.removed.iter().map(render).collect();
        assert_eq!(removed, ["example.com/gone => ./gone"]);
        assert_eq!(res.replace.changed.len(), 1);
        let changed = &res.replace.changed[0];
        assert_eq!(
            (
                changed.path.as_str(),
                changed.old.to_string(),
                changed.new.to_string()
            ),
            (
                "example.com/a",
                "../a".to_owned(),
                "example.com/a-fork v1.1.0".to_owned()
            )
        );
        assert_eq!(res.exclude.added[0].version, "v1.1.0");
        assert_eq!(res.exclude.removed[0].version, "v1.0.0");
        assert_eq!(res.tool.added, ["example.com/tool/cmd/gen"]);
        assert!(res.go.is_none() && res.toolchain.is_none() && res.require.is_empty());
    }

    #[test]
    fn pseudo_versions() {
        for (v, want) in [
            ("v0.0.0-20200101000000-abcdefabcdef", true),
            ("v1.0.0-20200101000000-abcdefabcdef", true),
            ("v1.2.4-0.20200101000000-abcdefabcdef", true),
            ("v1.2.3-pre.0.20200101000000-abcdefabcdef", true),
            ("v2.0.1-0.20200101000000-abcdefabcdef+incompatible", true),
            ("v1.2.3-20200101000000-abcdefabcdef", false),
            ("v1.2.3", false),
            ("v1.2.3-rc.1", false),
            ("v2.0.0+incompatible", false),
            ("v1.2.4-0.2020010100000-abcdefabcdef", false),
            ("v1.2.4-0.20200101000000-", false),
            ("not-a-version", false),
        ] {
            assert_eq!(is_pseudo_version(v), want, "{v}");
        }
    }
}
