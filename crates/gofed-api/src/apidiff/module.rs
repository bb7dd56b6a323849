//! Module level: packages added and removed, per-package reports, and a semver verdict in
//! gorelease's spirit (the smallest version bump the changes require).

use crate::types::{PkgId, Program};

use super::{changes, Report};

/// The smallest semantic-version bump a set of changes needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "snake_case")
)]
pub enum Bump {
    /// No API change.
    Patch,
    /// Compatible additions only.
    Minor,
    /// Something incompatible (a removal, a changed type).
    Major,
}

impl Bump {
    /// The verdict `gofed apidiff` prints for it.
    pub fn verdict(self) -> &'static str {
        match self {
            Bump::Major => "incompatible changes: a major version bump",
            Bump::Minor => "compatible additions: a minor version bump",
            Bump::Patch => "no API change: a patch release",
        }
    }

    /// The bump of its name in the JSON report (`major`, `minor`, `patch`).
    pub fn from_name(name: &str) -> Option<Bump> {
        match name {
            "major" => Some(Bump::Major),
            "minor" => Some(Bump::Minor),
            "patch" => Some(Bump::Patch),
            _ => None,
        }
    }
}

/// The changes of one package present on both sides.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct PackageReport {
    /// Import path (as on the new side).
    pub path: String,
    /// Its changes.
    pub report: Report,
}

/// The API difference of two versions of a module or tree.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ModuleReport {
    /// Packages only in the new version (compatible).
    pub added_packages: Vec<String>,
    /// Packages only in the old version (incompatible).
    pub removed_packages: Vec<String>,
    /// Packages in both with at least one change.
    pub changed_packages: Vec<PackageReport>,
}

impl ModuleReport {
    /// The bump the changes need (`internal/` packages are the callers' to leave out).
    pub fn bump(&self) -> Bump {
        if !self.removed_packages.is_empty()
            || self
                .changed_packages
                .iter()
                .any(|p| p.report.has_incompatible())
        {
            Bump::Major
        } else if !self.added_packages.is_empty()
            || self
                .changed_packages
                .iter()
                .any(|p| !p.report.changes.is_empty())
        {
            Bump::Minor
        } else {
            Bump::Patch
        }
    }
}

/// Compares packages matched by relative path: `old` and `new` list (relative path, package)
/// pairs of each side.
pub fn diff_modules(
    old: &mut Program,
    old_pkgs: &[(String, PkgId)],
    new: &mut Program,
    new_pkgs: &[(String, PkgId)],
) -> ModuleReport {
    let mut report = ModuleReport::default();
    for (rel, o) in old_pkgs {
        match new_pkgs.iter().find(|(r, _)| r == rel) {
            None => report.removed_packages.push(old.pkg(*o).path.clone()),
            Some((_, n)) => {
                let r = changes(old, *o, new, *n);
                if !r.changes.is_empty() {
                    report.changed_packages.push(PackageReport {
                        path: new.pkg(*n).path.clone(),
                        report: r,
                    });
                }
            }
        }
    }
    for (rel, n) in new_pkgs {
        if !old_pkgs.iter().any(|(r, _)| r == rel) {
            report.added_packages.push(new.pkg(*n).path.clone());
        }
    }
    report.added_packages.sort();
    report.removed_packages.sort();
    report.changed_packages.sort_by(|a, b| a.path.cmp(&b.path));
    report
}
