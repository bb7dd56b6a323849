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

/// The next version after `base` for a bump (`v1.4.2` + minor → `v1.5.0`); `v0.x` majors
/// bump the minor, as Go modules before v1 do. `None` when `base` is not a semantic version.
pub fn next_version(base: &str, bump: Bump) -> Option<String> {
    let core = base.strip_prefix('v')?;
    let core = core.split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|x| x.parse::<u64>().ok());
    let (major, minor, patch) = (parts.next()??, parts.next()??, parts.next()??);
    Some(match (bump, major) {
        (Bump::Major, 0) | (Bump::Minor, _) => format!("v{major}.{}.0", minor + 1),
        (Bump::Major, _) => format!("v{}.0.0", major + 1),
        (Bump::Patch, _) => format!("v{major}.{minor}.{}", patch + 1),
    })
}
