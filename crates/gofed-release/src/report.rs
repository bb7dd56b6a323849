//! The release report: each package's errors and API changes, then the verdict on the release version — the
//! one suggested, or whether the one proposed is valid — with gorelease's rules and in its words.

use std::fmt::Write as _;

use gofed_go::apidiff::Change;
use gofed_go::load::gomod::{semver, split_path_version};
use serde::Serialize;

use crate::module::Module;
use crate::version::{inc_decimal, major, major_minor, parse_version, sorts_below_pseudo_versions};

/// One package of either version, as loaded.
#[derive(Clone, Debug)]
pub struct Package {
    /// Import path.
    pub path: String,
    /// Package name (`main` packages are compared by presence only).
    pub name: String,
    /// Loading and type-checking errors, `file:line:col: message` with file names relative to the module root.
    pub errors: Vec<String>,
}

/// A package of the base paired with the release's, by their paths within their modules.
#[derive(Clone, Copy, Debug)]
pub enum Pair<'a> {
    Removed(&'a Package),
    Added(&'a Package),
    Matched(&'a Package, &'a Package),
}

/// Pairs packages (each list sorted by path) by their path relative to their module path, as gorelease does:
/// `example.com/m/x` with `example.com/m/v2/x`.
pub fn pair_packages<'a>(
    base_module: &str,
    base: &'a [Package],
    release_module: &str,
    release: &'a [Package],
) -> Vec<Pair<'a>> {
    let (mut b, mut r) = (base.iter().peekable(), release.iter().peekable());
    let mut pairs = Vec::with_capacity(base.len().max(release.len()));
    loop {
        let pair = match (b.peek(), r.peek()) {
            (None, None) => break,
            (Some(&bp), None) => Pair::Removed(bp),
            (None, Some(&rp)) => Pair::Added(rp),
            (Some(&bp), Some(&rp)) => {
                let (bs, rs) = (
                    trim_path_prefix(&bp.path, base_module),
                    trim_path_prefix(&rp.path, release_module),
                );
                match bs.cmp(rs) {
                    std::cmp::Ordering::Less => Pair::Removed(bp),
                    std::cmp::Ordering::Greater => Pair::Added(rp),
                    std::cmp::Ordering::Equal => Pair::Matched(bp, rp),
                }
            }
        };
        match pair {
            Pair::Removed(_) => drop(b.next()),
            Pair::Added(_) => drop(r.next()),
            Pair::Matched(..) => {
                b.next();
                r.next();
            }
        }
        pairs.push(pair);
    }
    pairs
}

/// `path` without the `prefix/` it starts with; `""` for `prefix` itself.
fn trim_path_prefix<'a>(path: &'a str, prefix: &str) -> &'a str {
    if path == prefix {
        return "";
    }
    path.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('/'))
        .unwrap_or(path)
}

/// One package's part of the report.
#[derive(Clone, Debug, Default, Serialize)]
pub struct PackageReport {
    pub path: String,
    pub base_errors: Vec<String>,
    pub release_errors: Vec<String>,
    /// Incompatible changes first, as apidiff orders them.
    pub changes: Vec<ChangeJson>,
}

/// A change as the report keeps it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChangeJson {
    pub message: String,
    pub compatible: bool,
}

impl From<Change> for ChangeJson {
    fn from(c: Change) -> Self {
        Self {
            message: c.message,
            compatible: c.compatible,
        }
    }
}

impl PackageReport {
    /// The report of a pair; `changes` computes the API changes of two matched packages (neither `main`).
    /// With no base version (`should_compare` false) added packages are not listed, only their errors.
    pub fn for_pair(
        pair: Pair<'_>,
        should_compare: bool,
        changes: impl FnOnce(&Package, &Package) -> Vec<Change>,
    ) -> Option<Self> {
        match pair {
            Pair::Removed(base) => Some(Self {
                path: base.path.clone(),
                base_errors: base.errors.clone(),
                release_errors: Vec::new(),
                changes: vec![ChangeJson {
                    message: "package removed".to_owned(),
                    compatible: false,
                }],
            }),
            Pair::Added(release) => (should_compare || !release.errors.is_empty()).then(|| Self {
                path: release.path.clone(),
                base_errors: Vec::new(),
                release_errors: release.errors.clone(),
                changes: if should_compare {
                    vec![ChangeJson {
                        message: "package added".to_owned(),
                        compatible: true,
                    }]
                } else {
                    Vec::new()
                },
            }),
            Pair::Matched(base, release) => {
                (base.name != "main" && release.name != "main").then(|| Self {
                    path: base.path.clone(),
                    base_errors: base.errors.clone(),
                    release_errors: release.errors.clone(),
                    changes: changes(base, release)
                        .into_iter()
                        .map(ChangeJson::from)
                        .collect(),
                })
            }
        }
    }

    fn render(&self, out: &mut String) {
        if self.changes.is_empty() && self.base_errors.is_empty() && self.release_errors.is_empty()
        {
            return;
        }
        let _ = writeln!(out, "# {}", self.path);
        for (title, errors) in [
            ("base", &self.base_errors),
            ("release", &self.release_errors),
        ] {
            if !errors.is_empty() {
                let _ = writeln!(out, "## errors in {title} version:");
                for e in errors {
                    let _ = writeln!(out, "{e}");
                }
                out.push('\n');
            }
        }
        if self.changes.is_empty() {
            return;
        }
        for (title, compatible) in [("incompatible", false), ("compatible", true)] {
            let mut group = self
                .changes
                .iter()
                .filter(|c| c.compatible == compatible)
                .peekable();
            if group.peek().is_some() {
                let _ = writeln!(out, "## {title} changes");
                for c in group {
                    let _ = writeln!(out, "{}", c.message);
                }
            }
        }
        out.push('\n');
    }
}

/// Why a version cannot be suggested, or why the proposed one is not valid.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VersionProblem {
    /// `Cannot suggest a release version.`, or `V is not a valid semantic version for this release.`
    pub message: String,
    pub reason: String,
}

/// The whole report.
#[derive(Clone, Debug)]
pub struct Report {
    pub base: Module,
    pub release: Module,
    /// Sorted by path.
    pub packages: Vec<PackageReport>,
    pub version_problem: Option<VersionProblem>,
    pub have_compatible_changes: bool,
    pub have_incompatible_changes: bool,
    pub have_base_errors: bool,
    pub have_release_errors: bool,
}

impl Report {
    /// Counts the packages' changes and errors, then suggests a release version (none given) or checks the
    /// one given.
    pub fn new(base: Module, release: Module, packages: Vec<PackageReport>) -> Self {
        let mut r = Report {
            base,
            release,
            packages: Vec::new(),
            version_problem: None,
            have_compatible_changes: false,
            have_incompatible_changes: false,
            have_base_errors: false,
            have_release_errors: false,
        };
        for p in packages {
            r.add_package(p);
        }
        if r.can_verify_release_version() {
            if r.release.version.is_empty() {
                r.suggest_release_version();
            } else {
                r.validate_release_version();
            }
        }
        r
    }

    fn add_package(&mut self, p: PackageReport) {
        // With errors, declarations may be missing and fixes look incompatible: such a package's changes are
        // reported but count for nothing.
        if p.base_errors.is_empty() && p.release_errors.is_empty() {
            for c in &p.changes {
                if c.compatible {
                    self.have_compatible_changes = true;
                } else {
                    self.have_incompatible_changes = true;
                }
            }
        }
        self.have_base_errors |= !p.base_errors.is_empty();
        self.have_release_errors |= !p.release_errors.is_empty();
        self.packages.push(p);
    }

    /// Whether a version can be judged at all: the two module paths are the same but for the major suffix.
    pub fn can_verify_release_version(&self) -> bool {
        let strip = |m: &Module| {
            m.path
                .strip_suffix(m.path_major())
                .unwrap_or(&m.path)
                .to_owned()
        };
        strip(&self.base) == strip(&self.release)
    }

    fn problem(&mut self, message: String, reason: String) {
        self.version_problem = Some(VersionProblem { message, reason });
    }

    fn validate_release_version(&mut self) {
        let version = self.release.version.clone();
        let invalid = format!("{version} is not a valid semantic version for this release.");
        if self.have_release_errors {
            return self.problem(invalid, "Errors were found in one or more packages.".into());
        }
        let path = self.release.path.clone();
        let Some((_, suffix)) = split_path_version(&path) else {
            return self.problem(
                invalid,
                format!("{path}: could not find version suffix in module path"),
            );
        };
        if !suffix.is_empty() {
            if !suffix.starts_with(['/', '.']) {
                return self.problem(
                    invalid,
                    format!("{path}: unknown module path version suffix: {suffix:?}"),
                );
            }
            if &suffix[1..] != major(&version) {
                return self.problem(
                    invalid,
                    format!(
                        "The major version {} does not match the major version suffix\nin the module path: {path}",
                        major(&version)
                    ),
                );
            }
        } else if !matches!(major(&version), "v0" | "v1") {
            return self.problem(
                invalid,
                format!(
                    "The module path does not end with the major version suffix /{},\nwhich is required for major versions v2 or greater.",
                    major(&version)
                ),
            );
        }
        // gorelease goes on past an existing version: a later reason replaces this one.
        if let Some(v) = self
            .base
            .existing_versions
            .iter()
            .find(|v| semver::compare(v, &version).is_eq())
        {
            self.problem(invalid.clone(), format!("version {v} already exists"));
        }
        if major(&self.base.version) == "v0" || self.base.path != self.release.path {
            return;
        }
        if self.have_incompatible_changes {
            return self.problem(invalid, "There are incompatible changes.".into());
        }
        if self.have_compatible_changes && major_minor(&self.base.version) == major_minor(&version)
        {
            return self.problem(
                invalid,
                format!(
                    "There are compatible changes, but the minor version is not incremented\nover the base version ({}).",
                    self.base.version
                ),
            );
        }
        if let Some(highest) = &self.release.highest_transitive_version {
            if semver::compare(highest, &version).is_gt() {
                let reason = format!(
                    "Module indirectly depends on a higher version of itself ({highest}).\n\t\t"
                );
                self.problem(invalid, reason);
            }
        }
    }

    fn suggest_release_version(&mut self) {
        let cannot = || "Cannot suggest a release version.".to_owned();
        if self.base.path != self.release.path {
            return self.problem(
                cannot(),
                "Base module path is different from release.".into(),
            );
        }
        if self.have_release_errors || self.have_base_errors {
            return self.problem(cannot(), "Errors were found.".into());
        }
        let base_version = self.base.version.clone();
        let first = base_version == "none";
        let (mut major_n, mut minor, mut patch, mut pre) =
            (String::new(), String::new(), String::new(), String::new());
        if !first {
            if let Some(highest) = &self.release.highest_transitive_version {
                if semver::compare(highest, &base_version).is_gt() {
                    let reason = format!(
                        "Module indirectly depends on a higher version of itself ({highest}) than the base version ({base_version})."
                    );
                    return self.problem(cannot(), reason);
                }
            }
            let Some(p) = parse_version(&base_version) else {
                // gorelease only gets here with a canonical base version.
                return self.problem(
                    cannot(),
                    format!("could not parse base version {base_version:?}"),
                );
            };
            (major_n, minor, patch, pre) = (
                p.major.to_owned(),
                p.minor.to_owned(),
                p.patch.to_owned(),
                p.prerelease.to_owned(),
            );
        }
        if self.have_incompatible_changes && !first && pre.is_empty() && major_n != "0" {
            return self.problem(cannot(), "Incompatible changes were detected.".into());
        }
        // Only against the most recent version of the base's major.
        let latest = self
            .base
            .existing_versions
            .iter()
            .filter(|v| major(v) == major(&base_version))
            .max_by(|a, b| semver::compare(a, b));
        if let Some(latest) = latest {
            if *latest != base_version {
                let reason = format!(
                    "Can only suggest a release version when compared against the most recent version of this major: {latest}."
                );
                return self.problem(cannot(), reason);
            }
        }
        let version = if first {
            match self.release.path_major() {
                "" => "v0.1.0".to_owned(),
                suffix => format!("{}.0.0", &suffix[1..]),
            }
        } else {
            if !pre.is_empty() {
                // The release of the pre-release's version.
            } else if self.have_compatible_changes
                || (self.have_incompatible_changes && major_n == "0")
                || self.requirements_changed()
            {
                minor = inc_decimal(&minor);
                patch = "0".to_owned();
            } else {
                patch = inc_decimal(&patch);
            }
            format!("v{major_n}.{minor}.{patch}")
        };
        self.release.version = version;
        self.release.version_inferred = true;
    }

    /// Whether the requirements changed enough to need a minor release: a requirement added or raised to a
    /// higher minor version, the `go` version raised, or a go.mod where there was none.
    pub fn requirements_changed(&self) -> bool {
        let Some(base) = &self.base.go_mod else {
            return true;
        };
        let Some(release) = &self.release.go_mod else {
            return false;
        };
        let raised = release.require.iter().any(|r| {
            match base.require.iter().rev().find(|b| b.path == r.path) {
                None => true,
                Some(b) => {
                    semver::compare(&major_minor(&r.version), &major_minor(&b.version)).is_gt()
                }
            }
        });
        // gorelease compares the go versions as strings.
        let go_raised = matches!((&release.go, &base.go), (Some(r), Some(b)) if r > b);
        raised || go_raised
    }

    /// Whether the module may be released at the proposed or suggested version.
    pub fn is_successful(&self) -> bool {
        self.release.diagnostics.is_empty() && self.version_problem.is_none()
    }

    /// The version to tag (with its prefix), when there is one.
    pub fn tag(&self) -> Option<String> {
        (self.version_problem.is_none() && !self.release.version.is_empty())
            .then(|| format!("{}{}", self.release.tag_prefix, self.release.version))
    }

    /// gorelease's text: the packages, then the diagnostics and the summary.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for p in &self.packages {
            p.render(&mut out);
        }
        if !self.can_verify_release_version() {
            return out;
        }
        if !self.release.diagnostics.is_empty() {
            out.push_str("# diagnostics\n");
            for d in &self.release.diagnostics {
                let _ = writeln!(out, "{d}");
            }
            out.push('\n');
        }
        out.push_str("# summary\n");
        let mut base_version = self.base.version.clone();
        if self.base.path != self.release.path {
            base_version = format!("{}@{base_version}", self.base.path);
        }
        if self.base.version_inferred {
            let _ = writeln!(out, "Inferred base version: {base_version}");
        } else if let Some(query) = &self.base.version_query {
            let _ = writeln!(out, "Base version: {base_version} ({query})");
        }
        let (version, prefix) = (&self.release.version, &self.release.tag_prefix);
        if let Some(problem) = &self.version_problem {
            // gorelease prints the message's own final newline, then one more.
            let _ = writeln!(out, "{}\n{}\n", problem.message, problem.reason);
        } else if self.release.version_inferred {
            if prefix.is_empty() {
                let _ = writeln!(out, "Suggested version: {version}");
            } else {
                let _ = writeln!(
                    out,
                    "Suggested version: {version} (with tag {prefix}{version})"
                );
            }
        } else if !version.is_empty() {
            if prefix.is_empty() {
                let _ = writeln!(
                    out,
                    "{version} is a valid semantic version for this release."
                );
                if sorts_below_pseudo_versions(version) {
                    // gorelease prints this note without a final newline.
                    let _ = write!(
                        out,
                        "Note: {version} sorts lower in MVS than pseudo-versions, which may be\nunexpected for users. So, it may be better to choose a different suffix."
                    );
                }
            } else {
                let _ = writeln!(
                    out,
                    "{version} (with tag {prefix}{version}) is a valid semantic version for this release"
                );
            }
        }
        if self.version_problem.is_none() && self.have_base_errors {
            out.push_str(
                "Errors were found in the base version. Some API changes may be omitted.\n",
            );
        }
        out
    }
}
