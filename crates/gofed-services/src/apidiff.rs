//! `api_diff`: API compatibility between two versions of a tree, with golang.org/x/exp/apidiff's
//! rules; exit status 1 when something is incompatible.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anyhow::Context as _;

use gofed_go::api::is_api_package;
use gofed_go::api::source::ParseCache;
use gofed_go::apidiff::{changes, diff_modules, next_version, Bump, ModuleReport, PackageReport};
use gofed_go::budget::Budget;
use gofed_go::load::Layout;
use gofed_go::types::{ObjKind, PkgId, Program, Sizes};
use serde::Serialize;

use crate::api::{package_errors, tree_errors, ErrorJson, World};
use crate::request::{ApidiffFormat, ApidiffRequest, Rendered};
use crate::tree::OpenedTree;
use gofed_go::diagnostic::Diagnostic;

/// The JSON document.
#[derive(Debug, Serialize)]
struct ApidiffJson<'a> {
    #[serde(flatten)]
    report: &'a ModuleReport,
    /// The smallest version bump the changes require.
    bump: Bump,
    /// With --base-version: the suggested next version.
    #[serde(skip_serializing_if = "Option::is_none")]
    next_version: Option<String>,
    /// Packages with errors in either version: not compared, not counted in the bump (as gorelease).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    not_compared: Vec<NotComparedJson>,
}

#[derive(Debug, Serialize)]
struct NotComparedJson {
    path: String,
    old_errors: Vec<ErrorJson>,
    new_errors: Vec<ErrorJson>,
}

/// A package that has errors in the old or the new version (or both): its API is incomplete there, so changes
/// would be guesses.
#[derive(Debug)]
struct NotCompared {
    path: String,
    old_errors: Vec<Diagnostic>,
    new_errors: Vec<Diagnostic>,
}

impl NotCompared {
    /// `not compared: errors in the new version` (gorelease's "errors in release version").
    fn reason(&self) -> &'static str {
        match (self.old_errors.is_empty(), self.new_errors.is_empty()) {
            (false, false) => "not compared: errors in the old and new versions",
            (false, true) => "not compared: errors in the old version",
            _ => "not compared: errors in the new version",
        }
    }
}

/// The `api_diff` action on two opened trees.
pub fn api_diff(
    old: &OpenedTree,
    new: &OpenedTree,
    args: &ApidiffRequest,
    budget: &Budget,
) -> anyhow::Result<Rendered> {
    let cache = std::sync::Arc::new(ParseCache::default());
    // The two sides load and check independently: in parallel.
    let load = |tree| World::load(tree, &args.context, args.goroot.as_deref(), &cache, budget);
    let (old_world, new_world) = rayon::join(|| load(old), || load(new));
    let (old_world, new_world) = (
        old_world.context("loading the old version")?,
        new_world.context("loading the new version")?,
    );
    let sizes = Sizes::for_arch(&args.context.goarch);
    let mut old = Program::new(&old_world.source, sizes);
    let mut new = Program::new(&new_world.source, sizes);
    old.set_budget(budget);
    new.set_budget(budget);
    let filter = args.package.as_deref();
    let (old_pkgs, new_pkgs) = rayon::join(
        || side_packages(&old_world, &mut old, filter),
        || side_packages(&new_world, &mut new, filter),
    );
    // Both sides share the budget: a breach or a cancellation ends the request.
    if let Some(err) = old.budget_error() {
        return Err(err.into());
    }

    // Two single packages (a package directory each): apidiff's own setting.
    let single = old_pkgs.len() == 1 && new_pkgs.len() == 1;

    // Packages with errors on either side are left out of the comparison (gorelease counts no change of theirs).
    let old_errors = side_errors(&old_world, &old, &old_pkgs);
    let new_errors = side_errors(&new_world, &new, &new_pkgs);
    let mut not_compared: BTreeMap<String, NotCompared> = BTreeMap::new();
    for (side_errors, pkgs, program, is_old) in [
        (&old_errors, &old_pkgs, &old, true),
        (&new_errors, &new_pkgs, &new, false),
    ] {
        for (rel, errors) in side_errors {
            let Some(&(_, id)) = pkgs.iter().find(|(r, _)| r == rel) else {
                continue;
            };
            let entry = not_compared
                .entry(rel.clone())
                .or_insert_with(|| NotCompared {
                    path: program.pkg(id).path.clone(),
                    old_errors: Vec::new(),
                    new_errors: Vec::new(),
                });
            if is_old {
                entry.old_errors.clone_from(errors);
            } else {
                entry.new_errors.clone_from(errors);
                // The new version names the package.
                entry.path.clone_from(&program.pkg(id).path);
            }
        }
    }
    let comparable = |pkgs: Vec<(String, PkgId)>| -> Vec<(String, PkgId)> {
        pkgs.into_iter()
            .filter(|(rel, _)| !not_compared.contains_key(rel))
            .collect()
    };
    let (old_pkgs, new_pkgs) = (comparable(old_pkgs), comparable(new_pkgs));
    let not_compared: Vec<NotCompared> = not_compared.into_values().collect();
    // Every error of either tree is shown (and fails the run without allow_errors), then what was not compared.
    let side_all = |world: &World, program: &Program| match filter {
        // Only the package asked for (and what it imports of its tree) matters.
        Some(_) => world
            .project
            .packages
            .iter()
            .filter(|p| !p.vendored && program.package_by_path(&p.import_path).is_some())
            .flat_map(|p| package_errors(p, program))
            .collect(),
        None => tree_errors(world, program),
    };
    let mut all_errors: Vec<Diagnostic> = side_all(&old_world, &old);
    all_errors.extend(side_all(&new_world, &new));
    let diagnostics: Vec<String> = all_errors
        .iter()
        .map(ToString::to_string)
        .chain(
            not_compared
                .iter()
                .map(|n| format!("{}: {}", n.path, n.reason())),
        )
        .collect();

    let report = if single && !not_compared.is_empty() {
        ModuleReport::default()
    } else if single {
        let r = changes(&mut old, old_pkgs[0].1, &mut new, new_pkgs[0].1);
        let mut m = ModuleReport::default();
        if !r.changes.is_empty() {
            m.changed_packages.push(PackageReport {
                path: new.pkg(new_pkgs[0].1).path.clone(),
                report: r,
            });
        }
        m
    } else {
        diff_modules(&mut old, &old_pkgs, &mut new, &new_pkgs)
    };
    if let Some(err) = old.budget_error() {
        return Err(err.into());
    }
    let bump = report.bump();
    let output = match args.format {
        ApidiffFormat::Lines => {
            let mut lines: Vec<String> = Vec::new();
            for pkg in &report.changed_packages {
                for c in &pkg.report.changes {
                    let tag = if c.compatible { "c" } else { "i" };
                    if single {
                        lines.push(format!("{tag} {}", c.message));
                    } else {
                        lines.push(format!("pkg {}, {tag} {}", pkg.path, c.message));
                    }
                }
            }
            for p in &report.removed_packages {
                lines.push(format!("pkg {p}, i package removed"));
            }
            for p in &report.added_packages {
                lines.push(format!("pkg {p}, c package added"));
            }
            for n in &not_compared {
                lines.push(format!("pkg {}, {}", n.path, n.reason()));
            }
            lines.sort();
            Rendered::lines(lines)
        }
        ApidiffFormat::Text => Rendered::text(render_text(
            &report,
            bump,
            args.base_version.as_deref(),
            &not_compared,
        )),
        ApidiffFormat::Json => {
            let next = args
                .base_version
                .as_deref()
                .filter(|_| not_compared.is_empty())
                .and_then(|v| next_version(v, bump));
            let errors = |d: &[Diagnostic]| d.iter().map(ErrorJson::from).collect();
            Rendered::json(&ApidiffJson {
                report: &report,
                bump,
                next_version: next,
                not_compared: not_compared
                    .iter()
                    .map(|n| NotComparedJson {
                        path: n.path.clone(),
                        old_errors: errors(&n.old_errors),
                        new_errors: errors(&n.new_errors),
                    })
                    .collect(),
            })?
        }
        ApidiffFormat::Gofed => Rendered::json(&legacy_diff(
            &report, &mut old, &old_pkgs, &mut new, &new_pkgs, &old_world, &new_world,
        ))?,
    };
    let rendered = Rendered {
        // A CI gate: incompatible changes fail.
        exit_code: u8::from(bump == Bump::Major),
        ..output
    };
    Ok(rendered.with_errors(diagnostics, !all_errors.is_empty(), args.allow_errors))
}

/// The errors of the compared packages of one side, by path relative to the root.
fn side_errors(
    world: &World,
    program: &Program,
    pkgs: &[(String, PkgId)],
) -> BTreeMap<String, Vec<Diagnostic>> {
    let mut out = BTreeMap::new();
    for (rel, id) in pkgs {
        let path = &program.pkg(*id).path;
        let Some(pkg) = world
            .project
            .packages
            .iter()
            .find(|p| p.import_path == *path)
        else {
            continue;
        };
        let errors = package_errors(pkg, program);
        if !errors.is_empty() {
            out.insert(rel.clone(), errors);
        }
    }
    out
}

/// The packages of one side whose API counts, keyed by path relative to the tree's root
/// (so that a moved module still matches).
fn side_packages(
    world: &World,
    program: &mut Program,
    filter: Option<&str>,
) -> Vec<(String, PkgId)> {
    let project = &world.project;
    let in_goroot = matches!(project.layout, Layout::Goroot { .. });
    let root = project.root_import_path().unwrap_or_default();
    let mut out = Vec::new();
    for pkg in &project.packages {
        let has_files = !pkg.go_files.is_empty() || !pkg.cgo_files.is_empty();
        if pkg.vendored
            || !has_files
            || !is_api_package(&pkg.import_path, &pkg.name, in_goroot, true)
        {
            continue;
        }
        let rel = relative(&pkg.import_path, &root);
        if let Some(filter) = filter {
            if filter != rel && filter != pkg.import_path {
                continue;
            }
        }
        if let Some(id) = program.package("", &pkg.import_path) {
            // Resolve the exported API now (in this side's thread), not during the diff.
            let _ = gofed_go::api::extract_package(
                program,
                id,
                gofed_go::constant::StringStyle::Current,
            );
            out.push((rel, id));
        }
    }
    out
}

fn relative(path: &str, root: &str) -> String {
    if path == root {
        return ".".into();
    }
    match path.strip_prefix(root).and_then(|r| r.strip_prefix('/')) {
        Some(rel) if !root.is_empty() => rel.to_owned(),
        _ => path.to_owned(),
    }
}

fn render_text(
    report: &ModuleReport,
    bump: Bump,
    base: Option<&str>,
    not_compared: &[NotCompared],
) -> String {
    let mut out = String::new();
    for n in not_compared {
        let _ = writeln!(out, "{}: {}", n.path, n.reason());
    }
    for p in &report.removed_packages {
        let _ = writeln!(out, "{p}: package removed (incompatible)");
    }
    // Packages with incompatible changes first, as apidiff's report puts them first.
    let mut pkgs: Vec<&PackageReport> = report.changed_packages.iter().collect();
    pkgs.sort_by_key(|p| (!p.report.has_incompatible(), p.path.clone()));
    for pkg in pkgs {
        let _ = writeln!(out, "{}", pkg.path);
        for line in pkg.report.text().lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
    for p in &report.added_packages {
        let _ = writeln!(out, "{p}: package added (compatible)");
    }
    let verdict = match bump {
        Bump::Major => "incompatible changes: a major version bump",
        Bump::Minor => "compatible additions: a minor version bump",
        Bump::Patch => "no API change: a patch release",
    };
    let _ = writeln!(out, "\nverdict: {verdict}");
    if !not_compared.is_empty() {
        // As gorelease: with errors, changes may be missing, so no version is suggested.
        let n = not_compared.len();
        let plural = if n == 1 { "" } else { "s" };
        let _ = writeln!(
            out,
            "errors were found: {n} package{plural} not compared, the verdict covers the others"
        );
        return out;
    }
    if let Some(next) = base.and_then(|b| next_version(b, bump)) {
        let _ = writeln!(out, "suggested version: {next}");
    }
    out
}

/// gofed-ng's historical diff shape.
#[derive(Debug, Serialize)]
struct LegacyDiff {
    newpackages: Vec<String>,
    removedpackages: Vec<String>,
    updatedpackages: Vec<LegacyUpdated>,
}

#[derive(Debug, Default, Serialize)]
struct LegacyUpdated {
    package: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    types: Option<LegacyChanges>,
    #[serde(skip_serializing_if = "Option::is_none")]
    functions: Option<LegacyChanges>,
    #[serde(skip_serializing_if = "Option::is_none")]
    variables: Option<LegacyChanges>,
}

#[derive(Debug, Default, Serialize)]
struct LegacyChanges {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    new: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    removed: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    updated: Vec<String>,
}

#[allow(clippy::too_many_arguments)]
fn legacy_diff(
    report: &ModuleReport,
    old: &mut Program,
    old_pkgs: &[(String, PkgId)],
    new: &mut Program,
    new_pkgs: &[(String, PkgId)],
    old_world: &World,
    new_world: &World,
) -> LegacyDiff {
    let old_root = old_world.project.root_import_path().unwrap_or_default();
    let new_root = new_world.project.root_import_path().unwrap_or_default();
    let mut updated = Vec::new();
    for pkg in &report.changed_packages {
        let rel = relative(&pkg.path, &new_root);
        let new_id = new_pkgs.iter().find(|(r, _)| *r == rel).map(|(_, id)| *id);
        let old_id = old_pkgs.iter().find(|(r, _)| *r == rel).map(|(_, id)| *id);
        let mut sections: BTreeMap<&'static str, LegacyChanges> = BTreeMap::new();
        for c in &pkg.report.changes {
            // The object the message is about: `Name`, `T.M`, `(*T).M`, `T.F`.
            let head = c.message.split(':').next().unwrap_or_default();
            let base = head
                .trim_start_matches("(*")
                .split(['.', ')', ','])
                .next()
                .unwrap_or(head);
            let kind = object_kind(new, new_id, base)
                .or_else(|| object_kind(old, old_id, base))
                .unwrap_or("types");
            let is_method = head.contains('.') && c.message.contains("func");
            let section = if is_method { "functions" } else { kind };
            let entry = sections.entry(section).or_default();
            let sign = if c.compatible { "+" } else { "-" };
            if c.message.ends_with(": added") {
                entry.new.push(head.to_owned());
            } else if c.message.ends_with(": removed") {
                entry.removed.push(head.to_owned());
            } else {
                entry.updated.push(format!("{sign}{}", c.message));
            }
        }
        updated.push(LegacyUpdated {
            package: rel,
            types: sections.remove("types"),
            functions: sections.remove("functions"),
            variables: sections.remove("variables"),
        });
    }
    LegacyDiff {
        newpackages: report
            .added_packages
            .iter()
            .map(|p| relative(p, &new_root))
            .collect(),
        removedpackages: report
            .removed_packages
            .iter()
            .map(|p| relative(p, &old_root))
            .collect(),
        updatedpackages: updated,
    }
}

/// The legacy section of a package-level name: `types`, `functions` or `variables`.
fn object_kind(p: &mut Program, pkg: Option<PkgId>, name: &str) -> Option<&'static str> {
    let &obj = p.pkg(pkg?).scope.get(name)?;
    Some(match &p.object(obj).kind {
        ObjKind::TypeName { .. } => "types",
        ObjKind::Func { .. } => "functions",
        _ => "variables",
    })
}
