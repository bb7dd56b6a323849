//! `api_diff`: API compatibility between two versions of a tree, with today's
//! golang.org/x/exp/apidiff's rules; exit status 1 when something is incompatible.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;

use gofed_go::api::is_api_package;
use gofed_go::api::source::ParseCache;
use gofed_go::apidiff::{changes, diff_modules, Bump, ModuleReport, PackageReport};
use gofed_go::budget::Budget;
use gofed_go::load::{Layout, Package};
use gofed_go::types::{ObjKind, PkgId, Program, Sizes};
use serde::Serialize;

use crate::api::{
    package_errors, tree_errors, unresolved_imports, unresolved_warning, ErrorJson,
    UnresolvedImport, World,
};
use crate::request::{ApidiffFormat, ApidiffRequest, Rendered};
use crate::saved::ModelWorld;
use crate::tree::OpenedTree;
use gofed_go::api::model::ModelSource;
use gofed_go::diagnostic::Diagnostic;

/// The JSON document.
#[derive(Debug, Serialize)]
struct ApidiffJson<'a> {
    /// When the two versions' module paths differ: both (packages are paired by their path within the module).
    #[serde(skip_serializing_if = "Option::is_none")]
    module_path_changed: Option<&'a ModulePaths>,
    /// When one version was given as a directory below its module's root: that directory's import path (only
    /// packages in and below it are compared).
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'a str>,
    #[serde(flatten)]
    report: &'a ModuleReport,
    /// The smallest version bump the changes require.
    bump: Bump,
    /// With --base-version: the next version by gorelease's rules (`gofed release`)...
    #[serde(skip_serializing_if = "Option::is_none")]
    next_version: Option<String>,
    /// ... or why there is none (incompatible changes in v1 or later, errors, another module path).
    #[serde(skip_serializing_if = "Option::is_none")]
    version_problem: Option<gofed_release::VersionProblem>,
    /// Packages with errors in either version: not compared, not counted in the bump (as gorelease).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    not_compared: Vec<NotComparedJson>,
    meta: ApidiffMeta<'a>,
}

/// What the comparison could not see.
#[derive(Debug, Serialize)]
struct ApidiffMeta<'a> {
    /// Imports of either version that could not be resolved, once each: their types are
    /// compared by import path and name only (`edge.Kind` is `edge.Kind`).
    unresolved_imports: Vec<UnresolvedImport>,
    /// For an artifact (archive, RPM, ...): what was read as the old version.
    #[serde(skip_serializing_if = "Option::is_none")]
    old_source: Option<&'a crate::SourceMeta>,
    /// ... and as the new one.
    #[serde(skip_serializing_if = "Option::is_none")]
    new_source: Option<&'a crate::SourceMeta>,
    /// Whether this document was answered from the store (the result cache) rather than analysed.
    cached: bool,
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

/// The module paths of the two versions.
#[derive(Debug, Serialize)]
struct ModulePaths {
    old: String,
    new: String,
}

/// What the report says before the changes.
#[derive(Debug, Default)]
struct Preamble {
    module_path_changed: Option<ModulePaths>,
    /// The import path of the directory the comparison is limited to.
    scope: Option<String>,
}

/// The `api_diff` action on two opened trees.
pub fn api_diff(
    old_tree: &OpenedTree,
    new_tree: &OpenedTree,
    args: &ApidiffRequest,
    budget: &Budget,
) -> anyhow::Result<Rendered> {
    // The two sides load and check independently: in parallel, each with its own parse cache, which keys files
    // by path: two versions may have the same paths with different contents (two revisions of one repository,
    // two RPMs of one package), and one cache gave the new version the old one's files.
    let load = |tree| {
        let cache = std::sync::Arc::new(ParseCache::default());
        SideWorld::load(tree, args, &cache, budget)
    };
    let (old_side_world, new_side_world) = rayon::join(|| load(old_tree), || load(new_tree));
    let (old_side_world, new_side_world) = (
        old_side_world.context("loading the old version")?,
        new_side_world.context("loading the new version")?,
    );
    let (old_world, new_world) = (&old_side_world.world, &new_side_world.world);
    let sizes = Sizes::for_arch(&args.context.goarch);
    let mut old = Program::new(&old_world.source, sizes);
    let mut new = Program::new(&new_world.source, sizes);
    old.set_budget(budget);
    new.set_budget(budget);
    let filter = args.package.as_deref().map(PackageFilter::new);
    let (mut old_side, mut new_side) = rayon::join(
        || side_packages(old_world, &mut old, filter.as_ref()),
        || side_packages(new_world, &mut new, filter.as_ref()),
    );
    // Both sides share the budget: a breach or a cancellation ends the request.
    if let Some(err) = old.budget_error() {
        return Err(err.into());
    }
    if let Some(filter) = &filter {
        filter.check(
            &old_side,
            &old_side_world.root,
            &new_side,
            &new_side_world.root,
        )?;
    }
    let mut preamble = Preamble::default();
    if let (Some(o), Some(n)) = (&old_side.module, &new_side.module) {
        if o != n {
            preamble.module_path_changed = Some(ModulePaths {
                old: o.clone(),
                new: n.clone(),
            });
        }
    }
    // One package each, named by --package or given as the directory: apidiff's own setting (its line format
    // without `pkg P, `), compared whatever their paths.
    let one_each = old_side.pkgs.len() == 1 && new_side.pkgs.len() == 1;
    let single = (filter.is_some() && one_each)
        || (old_side.is_one_package_dir() && new_side.is_one_package_dir());
    if !single {
        preamble.scope = limit_to_common_scope(&mut old_side, &mut new_side);
    }
    let (old_pkgs, new_pkgs) = (old_side.pkgs.clone(), new_side.pkgs.clone());
    // Packages with errors on either side are left out of the comparison (gorelease counts no change of theirs).
    let old_errors = side_errors(&old_side_world, &old, &old_pkgs);
    let new_errors = side_errors(&new_side_world, &new, &new_pkgs);
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
    let side_all = |side: &SideWorld, program: &Program| match &filter {
        // Only the package asked for (and what it imports of its tree) matters.
        Some(_) => side
            .world
            .project
            .packages
            .iter()
            .filter(|p| !p.vendored && program.package_by_path(&p.import_path).is_some())
            .flat_map(|p| side.package_errors(p, program))
            .collect(),
        None => side.tree_errors(program),
    };
    let mut all_errors: Vec<Diagnostic> = side_all(&old_side_world, &old);
    all_errors.extend(side_all(&new_side_world, &new));
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
    // A model whose declarations were damaged gave a program that is not its tree's.
    for side in [&old_side_world, &new_side_world] {
        if let Some((source, name)) = &side.model {
            ModelWorld::damage(source, name)?;
        }
    }
    // Once per import path, whichever version (or both) could not resolve it.
    let unresolved =
        unresolved_imports(old.unresolved_imports.iter().chain(&new.unresolved_imports));
    let diagnostics: Vec<String> = diagnostics
        .into_iter()
        .chain(unresolved.iter().map(unresolved_warning))
        .collect();
    let bump = report.bump();
    let suggestion = args.base_version.as_deref().map(|base_version| {
        suggest_version(
            base_version,
            [&old_side_world, &new_side_world],
            [old_side.module.as_deref(), new_side.module.as_deref()],
            &report,
            &not_compared,
        )
    });
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
            &preamble,
            &report,
            bump,
            suggestion.as_ref(),
            &not_compared,
        )),
        ApidiffFormat::Json => {
            let errors = |d: &[Diagnostic]| d.iter().map(ErrorJson::from).collect();
            Rendered::json(&ApidiffJson {
                module_path_changed: preamble.module_path_changed.as_ref(),
                scope: preamble.scope.as_deref(),
                report: &report,
                bump,
                next_version: suggestion.clone().and_then(Result::ok),
                version_problem: suggestion.clone().and_then(Result::err),
                not_compared: not_compared
                    .iter()
                    .map(|n| NotComparedJson {
                        path: n.path.clone(),
                        old_errors: errors(&n.old_errors),
                        new_errors: errors(&n.new_errors),
                    })
                    .collect(),
                meta: ApidiffMeta {
                    unresolved_imports: unresolved,
                    old_source: old_tree.source_meta(),
                    new_source: new_tree.source_meta(),
                    cached: false,
                },
            })?
        }
        ApidiffFormat::Gofed => Rendered::json(&legacy_diff(
            &report, &mut old, &old_side, &mut new, &new_side, old_world, new_world,
        ))?,
    };
    let rendered = Rendered {
        // A CI gate: incompatible changes fail.
        exit_code: u8::from(bump == Bump::Major),
        ..output
    };
    Ok(rendered.with_errors(diagnostics, !all_errors.is_empty(), args.allow_errors))
}

/// A saved model's errors: per package (by import path), and the tree's.
type StoredErrors = (HashMap<String, Vec<Diagnostic>>, Vec<Diagnostic>);

/// One version: a tree, or a saved API model of one.
struct SideWorld<'t> {
    world: World<'t>,
    /// From a saved model: the errors the analysis stored, per package and of the whole tree (its declarations
    /// no longer have the positions to find them again).
    stored: Option<StoredErrors>,
    /// The directory given (the tree's, or the one the model was saved from).
    root: PathBuf,
    /// From a saved model: its declarations and the file's name, to refuse a damaged one.
    model: Option<(Arc<ModelSource>, String)>,
}

impl<'t> SideWorld<'t> {
    fn load(
        opened: &'t OpenedTree,
        args: &ApidiffRequest,
        cache: &Arc<ParseCache>,
        budget: &Budget,
    ) -> anyhow::Result<SideWorld<'t>> {
        let goroot = args.goroot.as_deref();
        match opened.saved() {
            Some(saved) => {
                let model = ModelWorld::open(saved, &args.context, goroot, opened.tree(), cache)?;
                Ok(SideWorld {
                    world: model.world,
                    stored: Some((model.package_errors, model.tree_errors)),
                    root: model.root,
                    model: Some((model.source, model.name)),
                })
            }
            None => Ok(SideWorld {
                world: World::load(opened, &args.context, goroot, cache, budget)?,
                stored: None,
                root: opened.root().to_owned(),
                model: None,
            }),
        }
    }

    /// A package's errors ([`package_errors`]).
    fn package_errors(&self, pkg: &Package, program: &Program) -> Vec<Diagnostic> {
        match &self.stored {
            Some((errors, _)) => errors.get(&pkg.import_path).cloned().unwrap_or_default(),
            None => package_errors(pkg, program),
        }
    }

    /// The tree's errors ([`tree_errors`]).
    fn tree_errors(&self, program: &Program) -> Vec<Diagnostic> {
        match &self.stored {
            Some((_, errors)) => errors.clone(),
            None => tree_errors(&self.world, program),
        }
    }
}

/// The errors of the compared packages of one side, by key (see [`Side`]).
fn side_errors(
    side: &SideWorld,
    program: &Program,
    pkgs: &[(String, PkgId)],
) -> BTreeMap<String, Vec<Diagnostic>> {
    let mut out = BTreeMap::new();
    for (rel, id) in pkgs {
        let path = &program.pkg(*id).path;
        let Some(pkg) = side
            .world
            .project
            .packages
            .iter()
            .find(|p| p.import_path == *path)
        else {
            continue;
        };
        let errors = side.package_errors(pkg, program);
        if !errors.is_empty() {
            out.insert(rel.clone(), errors);
        }
    }
    out
}

/// One version's packages whose API counts, keyed by their path within the module, as gorelease pairs them:
/// the same import path when the module path is the same, `example.com/m/x` with `example.com/m/v2/x` across a
/// major version, whatever directory of the module each version was given as.
pub(crate) struct Side {
    /// (key, package), sorted by key.
    pub(crate) pkgs: Vec<(String, PkgId)>,
    /// What keys are relative to: the module path; nothing in a GOPATH or GOROOT (keys are import paths);
    /// else the root's import path (`--import-path`, or `_/abs/dir` for a tree with neither go.mod nor GOPATH).
    base: String,
    /// The module path (`None` when the tree is no module).
    module: Option<String>,
    /// The root directory's key (`.` at the module's root, `sub` for a directory below it).
    scope: String,
    /// Import paths of every package the --package filter matched, with or without an API.
    filter_matches: Vec<String>,
}

impl Side {
    /// Whether the side is one package, in the directory given.
    fn is_one_package_dir(&self) -> bool {
        matches!(self.pkgs.as_slice(), [(key, _)] if *key == self.scope)
    }
}

pub(crate) fn side_packages(
    world: &World,
    program: &mut Program,
    filter: Option<&PackageFilter>,
) -> Side {
    let project = &world.project;
    let in_goroot = matches!(project.layout, Layout::Goroot { .. });
    let root = project
        .root_import_path()
        .unwrap_or_else(|| format!("_{}", project.root.display()));
    let module = match &project.layout {
        Layout::Module { path, .. } => Some(path.clone()),
        _ => None,
    };
    let base = match &project.layout {
        Layout::Module { path, .. } => path.clone(),
        // Import paths mean the same in every GOPATH and GOROOT: compared as they are.
        Layout::Gopath { .. } | Layout::Goroot { .. } => String::new(),
        // Paths given by --import-path or made from the directory (`_/abs/dir`): relative to the root.
        _ => root.clone(),
    };
    let mut side = Side {
        pkgs: Vec::new(),
        scope: relative(&root, &base),
        base,
        module,
        filter_matches: Vec::new(),
    };
    for pkg in &project.packages {
        let has_files = !pkg.go_files.is_empty() || !pkg.cgo_files.is_empty();
        if pkg.vendored || !has_files {
            continue;
        }
        let key = relative(&pkg.import_path, &side.base);
        if let Some(filter) = filter {
            if !filter.matches(&pkg.import_path, &relative(&pkg.import_path, &root), &key) {
                continue;
            }
            side.filter_matches.push(pkg.import_path.clone());
        }
        if !is_api_package(&pkg.import_path, &pkg.name, in_goroot, true) {
            continue;
        }
        if let Some(id) = program.package("", &pkg.import_path) {
            // Resolve the exported API now (in this side's thread), not during the diff.
            let _ = gofed_go::api::extract_package(
                program,
                id,
                gofed_go::constant::StringStyle::Current,
            );
            side.pkgs.push((key, id));
        }
    }
    side.pkgs.sort_by(|a, b| a.0.cmp(&b.0));
    side
}

/// Whether `key` is `scope` or below it.
fn within(key: &str, scope: &str) -> bool {
    scope == "."
        || key == scope
        || key
            .strip_prefix(scope)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// When one version was given as a directory below the other's (`apidiff v1/sub v2`), only that directory and
/// below are compared on both sides: the packages of the other version outside it were not asked about, and
/// reporting them as added or removed would be a wrong verdict. Returns the directory's import path.
fn limit_to_common_scope(old: &mut Side, new: &mut Side) -> Option<String> {
    let (narrow, wide) = if old.scope == new.scope {
        return None;
    } else if within(&old.scope, &new.scope) {
        (&*old, new)
    } else if within(&new.scope, &old.scope) {
        (&*new, old)
    } else {
        // Unrelated directories: paired by import path, what differs is added or removed.
        return None;
    };
    wide.pkgs.retain(|(key, _)| within(key, &narrow.scope));
    Some(match (narrow.base.as_str(), narrow.scope.as_str()) {
        (base, ".") => base.to_owned(),
        ("", scope) => scope.to_owned(),
        (base, scope) => format!("{base}/{scope}"),
    })
}

/// `--package`, as go users write a package: an import path, or a directory relative to the tree's root
/// (`./sub`, `sub`, `.`).
pub(crate) struct PackageFilter {
    given: String,
    /// The directory form: `sub` for `./sub/`, `.` for `./`.
    dir: String,
}

impl PackageFilter {
    fn new(given: &str) -> PackageFilter {
        let mut dir = given.trim_end_matches('/');
        while let Some(rest) = dir.strip_prefix("./") {
            dir = rest.trim_start_matches('/');
        }
        let dir = if dir.is_empty() { "." } else { dir };
        PackageFilter {
            given: given.to_owned(),
            dir: dir.to_owned(),
        }
    }

    /// Whether the package with `import_path`, at `dir` relative to the root given and `key` within its
    /// module, is the one asked for.
    fn matches(&self, import_path: &str, dir: &str, key: &str) -> bool {
        import_path == self.given || dir == self.dir || key == self.dir
    }

    /// A package that is in neither version is an error, not "no API change".
    fn check(
        &self,
        old: &Side,
        old_root: &Path,
        new: &Side,
        new_root: &Path,
    ) -> anyhow::Result<()> {
        if old.filter_matches.is_empty() && new.filter_matches.is_empty() {
            anyhow::bail!(
                "package {:?} is in neither version (old {}, new {})",
                self.given,
                old_root.display(),
                new_root.display()
            );
        }
        if old.pkgs.is_empty() && new.pkgs.is_empty() {
            let path = old.filter_matches.first().or(new.filter_matches.first());
            anyhow::bail!(
                "package {} has no API to compare (a command or an internal package)",
                path.map_or(self.given.as_str(), String::as_str)
            );
        }
        Ok(())
    }
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
    preamble: &Preamble,
    report: &ModuleReport,
    bump: Bump,
    suggestion: Option<&Result<String, gofed_release::VersionProblem>>,
    not_compared: &[NotCompared],
) -> String {
    let mut out = String::new();
    if let Some(paths) = &preamble.module_path_changed {
        let _ = writeln!(
            out,
            "module path changed: {} (old), {} (new); packages are paired by their path within the module\n",
            paths.old, paths.new
        );
    }
    if let Some(scope) = &preamble.scope {
        let _ = writeln!(
            out,
            "comparing {scope} and the packages below it (one version was given as that directory)\n"
        );
    }
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
    let _ = writeln!(out, "\nverdict: {}", bump.verdict());
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
    match suggestion {
        Some(Ok(next)) => {
            let _ = writeln!(out, "suggested version: {next}");
        }
        Some(Err(problem)) => {
            let reason = problem.reason.replace('\n', " ");
            let _ = writeln!(
                out,
                "no version to suggest: {reason} (`gofed release` checks a module's next version in full)"
            );
        }
        None => {}
    }
    out
}

/// The version after `base_version` that gorelease would suggest for these changes (`gofed release`'s rules:
/// module paths and their major version, v0 and pre-releases, requirements), or why it suggests none. The
/// versions' module paths are the sides' (`None` outside a module); neither side's existing versions are known
/// here.
fn suggest_version(
    base_version: &str,
    sides: [&SideWorld; 2],
    modules: [Option<&str>; 2],
    report: &ModuleReport,
    not_compared: &[NotCompared],
) -> Result<String, gofed_release::VersionProblem> {
    let module = |i: usize| gofed_release::Module {
        path: modules[i].unwrap_or_default().to_owned(),
        go_mod: Some(
            sides[i]
                .world
                .project
                .go_mod
                .as_ref()
                .map(|p| p.go_mod.clone())
                .unwrap_or_default(),
        ),
        ..gofed_release::Module::default()
    };
    let base = gofed_release::Module {
        version: base_version.to_owned(),
        ..module(0)
    };
    let change = |message: &str, compatible| gofed_release::ChangeJson {
        message: message.to_owned(),
        compatible,
    };
    let mut packages: Vec<gofed_release::PackageReport> = report
        .changed_packages
        .iter()
        .map(|p| gofed_release::PackageReport {
            path: p.path.clone(),
            changes: p.report.changes.iter().cloned().map(Into::into).collect(),
            ..Default::default()
        })
        .collect();
    for (paths, message, compatible) in [
        (&report.removed_packages, "package removed", false),
        (&report.added_packages, "package added", true),
    ] {
        packages.extend(paths.iter().map(|path| gofed_release::PackageReport {
            path: path.clone(),
            changes: vec![change(message, compatible)],
            ..Default::default()
        }));
    }
    packages.extend(not_compared.iter().map(|n| gofed_release::PackageReport {
        path: n.path.clone(),
        base_errors: n.old_errors.iter().map(ToString::to_string).collect(),
        release_errors: n.new_errors.iter().map(ToString::to_string).collect(),
        changes: Vec::new(),
    }));
    let judged = gofed_release::Report::new(base, module(1), packages);
    match judged.version_problem {
        Some(problem) => Err(problem),
        // Two different modules (not two majors of one): gorelease judges no version at all.
        None if !judged.can_verify_release_version() => Err(gofed_release::VersionProblem {
            message: "Cannot suggest a release version.".to_owned(),
            reason: "Base module path is different from release.".to_owned(),
        }),
        None => Ok(judged.release.version),
    }
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
    old_side: &Side,
    new: &mut Program,
    new_side: &Side,
    old_world: &World,
    new_world: &World,
) -> LegacyDiff {
    let old_root = old_world.project.root_import_path().unwrap_or_default();
    let new_root = new_world.project.root_import_path().unwrap_or_default();
    let mut updated = Vec::new();
    for pkg in &report.changed_packages {
        let rel = relative(&pkg.path, &new_root);
        let key = relative(&pkg.path, &new_side.base);
        // Two package directories are compared whatever their keys.
        let id_of = |side: &Side| match side.pkgs.as_slice() {
            [(_, id)] => Some(*id),
            pkgs => pkgs.iter().find(|(k, _)| *k == key).map(|(_, id)| *id),
        };
        let (new_id, old_id) = (id_of(new_side), id_of(old_side));
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
