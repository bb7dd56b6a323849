//! A spec checked against the code it packages, as a packager reviewing an update would: BuildRequires against
//! the imports, the `golang(...)` Provides of the `-devel` package against the tree's packages, `License:`
//! against the licenses found, the package names against Fedora's Go naming, `%{goipath}` against `go.mod`.
//! Findings are rpmlint-like: `E:` for what is wrong, `W:` for what should be looked at.

use std::collections::BTreeSet;
use std::fmt;

use crate::project::GoProject;
use crate::{Severity, Spec};

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Finding {
    pub severity: Severity,
    /// The check's name (`missing-buildrequires`, ...).
    pub check: String,
    /// What it found.
    pub message: String,
}

/// As rpmlint prints a finding: `E: check message`.
impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let letter = match self.severity {
            Severity::Error => 'E',
            Severity::Warning => 'W',
        };
        write!(f, "{letter}: {} {}", self.check, self.message)
    }
}

fn finding(severity: Severity, check: &str, message: String) -> Finding {
    Finding {
        severity,
        check: check.to_string(),
        message,
    }
}

/// The findings for `spec`, against `project` when given (the spec alone otherwise).
pub fn lint(spec: &Spec, project: Option<&GoProject>) -> Vec<Finding> {
    let mut findings: Vec<Finding> = spec
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| {
            finding(
                Severity::Error,
                "spec-error",
                format!("line {}: {}", d.line, d.message),
            )
        })
        .collect();
    if let Some(project) = project {
        check_import_path(spec, project, &mut findings);
        check_build_requires(spec, project, &mut findings);
        check_provides(spec, project, &mut findings);
        check_license(spec, project, &mut findings);
        check_names(spec, project, &mut findings);
    }
    findings.sort();
    findings.dedup();
    findings
}

fn check_import_path(spec: &Spec, project: &GoProject, findings: &mut Vec<Finding>) {
    let Some(goipath) = spec.import_paths.first() else {
        findings.push(finding(
            Severity::Error,
            "no-goipath",
            "the spec sets no %{goipath}".to_string(),
        ));
        return;
    };
    if let Some(module) = &project.module_path {
        if goipath != module {
            findings.push(finding(
                Severity::Error,
                "goipath-not-module-path",
                format!("%{{goipath}} is {goipath}, go.mod declares module {module}"),
            ));
        }
    }
}

/// The `golang(...)` names among a list of dependencies.
fn golang_names<'a>(deps: impl IntoIterator<Item = &'a crate::Dependency>) -> BTreeSet<String> {
    deps.into_iter()
        .filter_map(|d| {
            d.name
                .strip_prefix("golang(")
                .and_then(|n| n.strip_suffix(')'))
        })
        .map(str::to_string)
        .collect()
}

fn check_build_requires(spec: &Spec, project: &GoProject, findings: &mut Vec<Finding>) {
    let declared = golang_names(&spec.source.build_requires);
    if spec.source.dynamic_build_requires && declared.is_empty() {
        // %go_generate_buildrequires computes them from the code at build time.
        return;
    }
    for import in &project.imports {
        if !declared.contains(import) {
            findings.push(finding(
                Severity::Error,
                "missing-buildrequires",
                format!("golang({import})"),
            ));
        }
    }
    for import in &project.test_imports {
        if !declared.contains(import) && !project.imports.contains(import) {
            findings.push(finding(
                Severity::Warning,
                "missing-test-buildrequires",
                format!("golang({import})"),
            ));
        }
    }
    for name in &declared {
        if !project.imports.contains(name) && !project.test_imports.contains(name) {
            findings.push(finding(
                Severity::Warning,
                "superfluous-buildrequires",
                format!("golang({name}) is imported by no code of the tree"),
            ));
        }
    }
}

/// Under which of the spec's import paths a package of the tree is installed.
fn provided(spec: &Spec, package: &str) -> bool {
    spec.import_paths
        .iter()
        .any(|root| package == root || package.starts_with(&format!("{root}/")))
}

fn check_provides(spec: &Spec, project: &GoProject, findings: &mut Vec<Finding>) {
    let devel = spec
        .packages
        .iter()
        .any(|p| p.name.ends_with("-devel") && p.has_files);
    if !devel {
        if !project.packages.is_empty() && project.commands.is_empty() {
            findings.push(finding(
                Severity::Warning,
                "no-devel-package",
                "the tree has library packages but the spec builds no -devel package (%gopkg, %gopkgfiles)"
                    .to_string(),
            ));
        }
        return;
    }
    for package in &project.packages {
        if !provided(spec, package) {
            findings.push(finding(
                Severity::Error,
                "package-not-provided",
                format!("golang({package}): the tree's package is under none of the spec's import paths"),
            ));
        }
    }
}

/// The SPDX ids of an expression (`(MIT OR Apache-2.0) AND BSD-3-Clause WITH x` → MIT, Apache-2.0, BSD-3-Clause).
fn license_ids(expression: &str) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    let mut after_with = false;
    for word in expression
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter(|w| !w.is_empty())
    {
        match word {
            "AND" | "OR" | "and" | "or" => after_with = false,
            "WITH" | "with" => after_with = true,
            id if after_with => {
                after_with = false;
                let _ = id;
            }
            id => {
                ids.insert(id.trim_end_matches('+').to_string());
            }
        }
    }
    ids
}

fn check_license(spec: &Spec, project: &GoProject, findings: &mut Vec<Finding>) {
    let declared = license_ids(&spec.source.license);
    if project.license_ids.is_empty() {
        findings.push(finding(
            Severity::Warning,
            "no-license-found",
            "no license file in the tree: License: cannot be checked".to_string(),
        ));
        return;
    }
    for id in &project.license_ids {
        if !declared.contains(id) {
            findings.push(finding(
                Severity::Error,
                "license-missing",
                format!(
                    "{id} is found in the tree but not in License: {}",
                    spec.source.license
                ),
            ));
        }
    }
    for id in &declared {
        if !project.license_ids.contains(id) {
            findings.push(finding(
                Severity::Warning,
                "license-not-found",
                format!("{id} is in License: but no file of the tree carries it"),
            ));
        }
    }
}

fn check_names(spec: &Spec, project: &GoProject, findings: &mut Vec<Finding>) {
    let Some(goipath) = spec.import_paths.first() else {
        return;
    };
    let main = spec.packages.first().map(|p| p.name.as_str()).unwrap_or("");
    let new = gofed_goland::FedoraNaming {
        new_versioning: true,
        compat_id: None,
    };
    let old = gofed_goland::FedoraNaming {
        new_versioning: false,
        compat_id: None,
    };
    let names = [
        gofed_goland::fedora_name(goipath, &new),
        gofed_goland::fedora_name(goipath, &old),
    ];
    for package in &spec.packages {
        if let Some(base) = package.name.strip_suffix("-devel") {
            if !package.name.starts_with("compat-") && !names.iter().any(|n| n == base) {
                findings.push(finding(
                    Severity::Error,
                    "devel-name-not-goname",
                    format!(
                        "{} is not named after {goipath} ({}-devel)",
                        package.name, names[0]
                    ),
                ));
            }
        }
    }
    if project.commands.is_empty() && !names.iter().any(|n| n == main) {
        findings.push(finding(
            Severity::Warning,
            "name-not-goname",
            format!(
                "{main}: a library's package is named after its import path: {}",
                names[0]
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn license_expressions_give_their_ids() {
        let ids: Vec<String> =
            license_ids("(MIT OR Apache-2.0) AND GPL-2.0+ WITH Classpath-exception-2.0")
                .into_iter()
                .collect();
        assert_eq!(ids, ["Apache-2.0", "GPL-2.0", "MIT"]);
    }
}
