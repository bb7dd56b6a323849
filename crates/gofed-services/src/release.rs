//! `release_check`: the version a module's next release may have, by gorelease's rules (`gofed-release`), from
//! the API changes between the base version's tree and the release's.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use gofed_go::api::source::ParseCache;
use gofed_go::apidiff::changes;
use gofed_go::budget::Budget;
use gofed_go::load::gomod::GoMod;
use gofed_go::types::{PkgId, Program, Sizes};
use gofed_release::{pair_packages, Module, Package, PackageReport, Report};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::api::{package_errors, World};
use crate::request::{
    BuildContext, CacheControl, CheckRequest, MachinePaths, Rendered, RequestError,
};
use crate::tree::OpenedTree;
use crate::Source;

/// Output formats of `release_check`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum ReleaseFormat {
    /// gorelease's report.
    #[default]
    Text,
    /// The report as JSON.
    Json,
}

/// Input of `release_check`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ReleaseRequest {
    /// The module about to be released (its root directory's tree).
    pub release: Source,
    /// The base version's tree: the release before, as downloaded or given; none for a first release.
    #[serde(default)]
    pub base: Option<Source>,
    /// The module path the base was asked for (its go.mod may name another; a tree without go.mod has this one).
    #[serde(default)]
    pub base_module: Option<String>,
    /// The base version: canonical (`v1.2.3`), or `none` for a first release.
    pub base_version: String,
    /// The query the base version was resolved from (`latest`, a branch name).
    #[serde(default)]
    pub base_query: Option<String>,
    /// The base version was not given but inferred (the latest release below the release version).
    #[serde(default)]
    pub base_inferred: bool,
    /// Versions of the base's module that already exist (from the module proxy).
    #[serde(default)]
    pub existing_versions: Vec<String>,
    /// The proposed release version; none: suggest one.
    #[serde(default)]
    pub version: Option<String>,
    /// For a module in a subdirectory of its repository: its version tags' prefix (`sub/`).
    #[serde(default)]
    pub tag_prefix: String,
    /// Problems with where the module lies in its repository (found where the repository is).
    #[serde(default)]
    pub location_diagnostics: Vec<String>,
    /// What the release's go.mod and go.sum lack (the requirements and sums `go get` adds in gorelease's load
    /// directory), found through the module proxy; reported after the location's.
    #[serde(default)]
    pub requirement_diagnostics: Vec<String>,
    /// Problems of the module graph found through the module proxy (required modules whose selected version
    /// is retracted), reported after the release's own.
    #[serde(default)]
    pub graph_diagnostics: Vec<String>,
    /// The version of the release's own module that its module graph selects, when the graph was read: higher
    /// than the release version when the module depends on a higher version of itself.
    #[serde(default)]
    pub highest_transitive_version: Option<String>,
    /// The build context of both versions.
    #[serde(default)]
    pub context: BuildContext,
    /// Output format.
    #[serde(default)]
    pub format: ReleaseFormat,
    /// Analyse again even when the store holds this result.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_cache: bool,
}

impl CheckRequest for ReleaseRequest {
    fn check(&self) -> Result<(), RequestError> {
        self.context.check()
    }
}
impl MachinePaths for ReleaseRequest {}
impl CacheControl for ReleaseRequest {
    fn no_cache(&self) -> bool {
        self.no_cache
    }
}

impl ReleaseRequest {
    /// The trees to open: the release, then the base.
    pub fn sources(&self) -> Vec<&Source> {
        std::iter::once(&self.release).chain(&self.base).collect()
    }
}

/// The JSON document.
#[derive(Debug, Serialize)]
struct ReleaseJson<'a> {
    base: ModuleJson<'a>,
    release: ModuleJson<'a>,
    /// Packages with errors or API changes.
    packages: Vec<&'a PackageReport>,
    /// Problems of the release that are not a package's.
    diagnostics: &'a [String],
    /// The suggested version, or the proposed one when it is valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'a str>,
    /// Whether `version` was suggested rather than proposed.
    suggested: bool,
    /// The tag to push for it (with the prefix of a module in a subdirectory).
    #[serde(skip_serializing_if = "Option::is_none")]
    tag: Option<String>,
    /// Why no version can be suggested, or why the proposed one is not valid.
    #[serde(skip_serializing_if = "Option::is_none")]
    problem: Option<&'a gofed_release::VersionProblem>,
    compatible_changes: bool,
    incompatible_changes: bool,
    base_errors: bool,
    release_errors: bool,
    /// Whether the module may be released at `version`.
    success: bool,
}

#[derive(Debug, Serialize)]
struct ModuleJson<'a> {
    module: &'a str,
    version: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    query: Option<&'a str>,
    inferred: bool,
}

impl<'a> From<&'a Module> for ModuleJson<'a> {
    fn from(m: &'a Module) -> Self {
        ModuleJson {
            module: &m.path,
            version: &m.version,
            query: m.version_query.as_deref(),
            inferred: m.version_inferred,
        }
    }
}

/// One version's packages (sorted by path) with their errors, and where each is in the program.
fn version_packages(world: &World, program: &mut Program) -> Vec<(Package, Option<PkgId>)> {
    let mut packages = Vec::new();
    for pkg in &world.project.packages {
        let has_files = !pkg.go_files.is_empty() || !pkg.cgo_files.is_empty();
        // gorelease lists the module's packages but not those in or below `internal` directories (nor
        // `testdata`, `_x` and `.x` ones, which the loader does not list either), nor vendored ones.
        let internal = pkg.import_path.split('/').any(|e| e == "internal");
        if pkg.vendored || !has_files || internal {
            continue;
        }
        let id = program.package("", &pkg.import_path);
        if let Some(id) = id {
            // Resolving the exported API checks the declarations it reaches (and records their errors).
            let _ = gofed_go::api::extract_package(
                program,
                id,
                gofed_go::constant::StringStyle::Current,
            );
        }
        // File names relative to the module's root, as gorelease prints them.
        let errors = package_errors(pkg, program)
            .into_iter()
            .map(|mut d| {
                if let Ok(rel) = Path::new(&d.file).strip_prefix(&world.project.root) {
                    d.file = rel.to_string_lossy().into_owned();
                }
                d.to_string()
            })
            .collect();
        packages.push((
            Package {
                path: pkg.import_path.clone(),
                name: pkg.name.clone(),
                errors,
            },
            id,
        ));
    }
    packages.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    packages
}

/// Loads one version (each with its own parse cache: the two versions may have the same file paths).
fn load<'t>(
    tree: &'t OpenedTree,
    args: &ReleaseRequest,
    budget: &Budget,
) -> anyhow::Result<World<'t>> {
    World::load(
        tree,
        &args.context,
        None,
        &Arc::new(ParseCache::default()),
        budget,
    )
}

fn go_mod(world: &World) -> Option<GoMod> {
    world.project.go_mod.as_ref().map(|p| p.go_mod.clone())
}

/// The `release_check` action: `opened` is the release's tree, then the base's when there is one.
pub fn release_check(
    opened: &[OpenedTree],
    args: &ReleaseRequest,
    budget: &Budget,
) -> anyhow::Result<Rendered> {
    let (release_tree, base_tree) = match opened {
        [release] => (release, None),
        [release, base] => (release, Some(base)),
        _ => anyhow::bail!("release_check reads one or two trees, not {}", opened.len()),
    };
    let (release_world, base_world) = rayon::join(
        || load(release_tree, args, budget).context("loading the release version"),
        || {
            base_tree
                .map(|t| load(t, args, budget).context("loading the base version"))
                .transpose()
        },
    );
    let (release_world, base_world) = (release_world?, base_world?);
    let sizes = Sizes::for_arch(&args.context.goarch);

    let release_go_mod = go_mod(&release_world)
        .with_context(|| format!("{}: cannot find go.mod file", release_tree.root().display()))?;
    let release_path = release_go_mod
        .module_path()
        .map(str::to_owned)
        .with_context(|| {
            format!(
                "{}/go.mod: module directive is missing",
                release_tree.root().display()
            )
        })?;
    gofed_release::check_module_path(&release_path).map_err(anyhow::Error::msg)?;

    let mut release_program = Program::new(&release_world.source, sizes);
    release_program.set_budget(budget);
    let release_packages = version_packages(&release_world, &mut release_program);
    let mut base_program = base_world.as_ref().map(|w| {
        let mut p = Program::new(&w.source, sizes);
        p.set_budget(budget);
        p
    });
    let base_packages = match (&base_world, &mut base_program) {
        (Some(w), Some(p)) => version_packages(w, p),
        _ => Vec::new(),
    };
    if let Some(err) = release_program.budget_error() {
        return Err(err.into());
    }

    // The release: its module and what is wrong with it as a whole.
    let mut release = Module {
        path: release_path.clone(),
        version: args.version.clone().unwrap_or_default(),
        tag_prefix: args.tag_prefix.clone(),
        ..Module::default()
    };
    if let Some(v) = &args.version {
        if gofed_release::version::sorts_below_pseudo_versions(v) {
            release.diagnostics.push(format!(
                "Version {v} is lower than most pseudo-versions. Consider releasing v0.1.0-0 instead."
            ));
        }
    }
    if release_go_mod.go.is_none() {
        release
            .diagnostics
            .push("go.mod: go directive is missing".to_owned());
    }
    release
        .diagnostics
        .extend(args.location_diagnostics.iter().cloned());
    release
        .diagnostics
        .extend(args.requirement_diagnostics.iter().cloned());
    if release_packages.iter().any(|(p, _)| !p.errors.is_empty()) {
        // The release is loaded as a dependency would be: its own replace and exclude directives do not apply.
        let directives = match (
            release_go_mod.replace.is_empty(),
            release_go_mod.exclude.is_empty(),
        ) {
            (false, false) => Some("replace and exclude"),
            (false, true) => Some("replace"),
            (true, false) => Some("exclude"),
            (true, true) => None,
        };
        if let Some(directives) = directives {
            release.diagnostics.push(format!(
                "go.mod: this module contains {directives} directives. These directives only apply within the main module and may cause the errors above."
            ));
        }
    }
    release
        .diagnostics
        .extend(args.graph_diagnostics.iter().cloned());
    release
        .highest_transitive_version
        .clone_from(&args.highest_transitive_version);
    release.go_mod = Some(release_go_mod);

    // The base: a tree without go.mod is the module it was asked for (the go command makes one up).
    let base_asked = args
        .base_module
        .clone()
        .unwrap_or_else(|| release_path.clone());
    let base_go_mod = base_world.as_ref().map(|w| {
        go_mod(w).unwrap_or_else(|| GoMod {
            module: Some(gofed_go::load::gomod::Module {
                path: base_asked.clone(),
                deprecated: None,
                line: 1,
            }),
            ..GoMod::default()
        })
    });
    let base = Module {
        path: base_go_mod
            .as_ref()
            .and_then(|m| m.module_path().map(str::to_owned))
            .unwrap_or(base_asked),
        version: args.base_version.clone(),
        version_query: args.base_query.clone(),
        version_inferred: args.base_inferred,
        go_mod: base_go_mod,
        existing_versions: args.existing_versions.clone(),
        ..Module::default()
    };

    let should_compare = base_world.is_some();
    let base_pkgs: Vec<Package> = base_packages.iter().map(|(p, _)| p.clone()).collect();
    let release_pkgs: Vec<Package> = release_packages.iter().map(|(p, _)| p.clone()).collect();
    let id_of = |list: &[(Package, Option<PkgId>)], path: &str| {
        list.iter()
            .find(|(p, _)| p.path == path)
            .and_then(|(_, id)| *id)
    };
    let mut reports = Vec::new();
    for pair in pair_packages(&base.path, &base_pkgs, &release.path, &release_pkgs) {
        let report = PackageReport::for_pair(pair, should_compare, |b, r| {
            match (
                base_program.as_mut(),
                id_of(&base_packages, &b.path),
                id_of(&release_packages, &r.path),
            ) {
                (Some(bp), Some(bid), Some(rid)) => {
                    changes(bp, bid, &mut release_program, rid).changes
                }
                _ => Vec::new(),
            }
        });
        reports.extend(report);
    }
    if let Some(err) = base_program.as_ref().and_then(Program::budget_error) {
        return Err(err.into());
    }
    let report = Report::new(base, release, reports);
    let exit_code = u8::from(!report.is_successful());
    let mut rendered = match args.format {
        ReleaseFormat::Text => Rendered::text(report.render()),
        ReleaseFormat::Json => {
            let version = (report.version_problem.is_none() && !report.release.version.is_empty())
                .then_some(report.release.version.as_str());
            Rendered::json(&ReleaseJson {
                base: (&report.base).into(),
                release: (&report.release).into(),
                packages: report
                    .packages
                    .iter()
                    .filter(|p| {
                        !(p.changes.is_empty()
                            && p.base_errors.is_empty()
                            && p.release_errors.is_empty())
                    })
                    .collect(),
                diagnostics: &report.release.diagnostics,
                version,
                suggested: version.is_some() && report.release.version_inferred,
                tag: report.tag(),
                problem: report.version_problem.as_ref(),
                compatible_changes: report.have_compatible_changes,
                incompatible_changes: report.have_incompatible_changes,
                base_errors: report.have_base_errors,
                release_errors: report.have_release_errors,
                success: report.is_successful(),
            })?
        }
    };
    rendered.exit_code = exit_code;
    Ok(rendered)
}
