//! `api_analysis`: the exported API of a tree's packages, for one build context or several
//! (merged as cmd/api merges them: a feature not present in every context is written
//! `pkg P (CONTEXT), ...`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use gofed_go::api::legacy::{gofed_legacy, make_relative, LegacyPackage};
use gofed_go::api::model::{
    collect_declarations, sort_packages, ApiModel, ModelContext, ModelLayout, ModelPackage,
    StdFrom, MODEL_VERSION,
};

use gofed_go::api::source::{GorootSource, LinkedSource, ParseCache, TreeSource};
use gofed_go::api::stdlib::{Chain, StdSummary};
use gofed_go::api::{
    extract_package_for, extract_package_texts, is_api_package, render_goapi,
    render_goapi_features, ApiPackage, Release,
};
use gofed_go::budget::Budget;
use gofed_go::build::Selector;
use gofed_go::diagnostic::Diagnostic;
use gofed_go::load::{FileTree, Layout, OsFileTree, Package, Project};
use gofed_go::types::{PackageSource as _, Program, Sizes};
use rayon::prelude::*;
use serde::Serialize;

use crate::deps::{load, Purpose};
use crate::request::{ApiFormat, ApiRequest, BuildContext, Rendered};
use crate::tree::OpenedTree;

/// One build context of an API run (cmd/api's `goos-goarch[-cgo]`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct ContextSpec {
    goos: String,
    goarch: String,
    cgo: bool,
}

impl ContextSpec {
    fn name(&self) -> String {
        let cgo = if self.cgo { "-cgo" } else { "" };
        format!("{}-{}{cgo}", self.goos, self.goarch)
    }

    /// One entry of a cmd/api context list, checked as requests are ([`crate::request::parse_context`]).
    fn parse(text: &str, go_minor: Option<u32>) -> anyhow::Result<ContextSpec> {
        let (goos, goarch, cgo) = crate::request::parse_context(text, go_minor)?;
        Ok(ContextSpec { goos, goarch, cgo })
    }
}

/// cmd/api's default context list up to Go 1.20.
const DEFAULT_CONTEXTS: &str = "linux-386-cgo,linux-386,linux-amd64-cgo,linux-amd64,linux-arm-cgo,linux-arm,\
darwin-amd64-cgo,darwin-amd64,windows-amd64,windows-386,freebsd-386-cgo,freebsd-386,freebsd-amd64-cgo,\
freebsd-amd64,freebsd-arm-cgo,freebsd-arm,netbsd-386-cgo,netbsd-386,netbsd-amd64-cgo,netbsd-amd64,\
netbsd-arm-cgo,netbsd-arm,netbsd-arm64-cgo,netbsd-arm64,openbsd-386-cgo,openbsd-386,openbsd-amd64-cgo,\
openbsd-amd64";

/// cmd/api's default context list since Go 1.21 (`main_test.go` added darwin/arm64, freebsd/arm64 and
/// freebsd/riscv64; unchanged through Go 1.27).
const DEFAULT_CONTEXTS_GO121: &str = "linux-386-cgo,linux-386,linux-amd64-cgo,linux-amd64,linux-arm-cgo,\
linux-arm,darwin-amd64-cgo,darwin-amd64,darwin-arm64-cgo,darwin-arm64,windows-amd64,windows-386,freebsd-386-cgo,\
freebsd-386,freebsd-amd64-cgo,freebsd-amd64,freebsd-arm-cgo,freebsd-arm,freebsd-arm64-cgo,freebsd-arm64,\
freebsd-riscv64-cgo,freebsd-riscv64,netbsd-386-cgo,netbsd-386,netbsd-amd64-cgo,netbsd-amd64,netbsd-arm-cgo,\
netbsd-arm,netbsd-arm64-cgo,netbsd-arm64,openbsd-386-cgo,openbsd-386,openbsd-amd64-cgo,openbsd-amd64";

/// cmd/api's default context list of Go 1.`minor`.
fn default_contexts(minor: u32) -> &'static str {
    if minor >= 21 {
        DEFAULT_CONTEXTS_GO121
    } else {
        DEFAULT_CONTEXTS
    }
}

/// Whether `goos`/`goarch` is in cmd/api's default context list of Go 1.`minor`.
pub(crate) fn is_default_context_platform(minor: u32, goos: &str, goarch: &str) -> bool {
    default_contexts(minor).split(',').any(|c| {
        let mut parts = c.split('-');
        parts.next() == Some(goos) && parts.next() == Some(goarch)
    })
}

/// The JSON document.
#[derive(Debug, Serialize)]
struct ApiReport {
    packages: Vec<MergedPackage>,
    meta: ApiMeta,
    /// With one context: its typed API, which `apidiff` compares without the sources.
    #[serde(skip_serializing_if = "Option::is_none")]
    model: Option<ApiModel>,
    /// With several contexts: one model each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    models: Vec<ApiModel>,
}

#[derive(Debug, Serialize)]
struct MergedPackage {
    path: String,
    name: String,
    features: Vec<MergedFeature>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<String>,
}

#[derive(Debug, Serialize)]
struct MergedFeature {
    #[serde(flatten)]
    feature: gofed_go::api::Feature,
    /// The contexts that have the feature, when not all of them do.
    #[serde(skip_serializing_if = "Option::is_none")]
    contexts: Option<Vec<String>>,
}

#[derive(Debug, Serialize)]
struct ApiMeta {
    go_version: String,
    contexts: Vec<String>,
    /// Imports that could not be resolved, once each with their importers: the API names
    /// their types as written (`edge.Kind`), knowing nothing else of them.
    unresolved_imports: Vec<UnresolvedImport>,
    /// Syntax, type and load errors of the tree's packages (their API may be incomplete).
    errors: Vec<ErrorJson>,
    /// For an artifact (archive, RPM, ...): what was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<crate::SourceMeta>,
    /// Whether this document was answered from the store (the result cache) rather than analysed.
    cached: bool,
}

/// An error in the JSON documents: `{"position": "path:line:col", "message": "..."}` (no position when the
/// problem is a package's, like mixed package names).
#[derive(Debug, Serialize, Clone, PartialEq, Eq)]
pub(crate) struct ErrorJson {
    #[serde(skip_serializing_if = "String::is_empty")]
    position: String,
    message: String,
}

impl From<&Diagnostic> for ErrorJson {
    fn from(d: &Diagnostic) -> ErrorJson {
        ErrorJson {
            position: d.position(),
            message: d.message.clone(),
        }
    }
}

/// The errors of the tree's own packages (not vendored ones, not the standard library it imports): the loader's,
/// the syntax errors of every package and the type errors of those the program checked; what `go build` would
/// reject. Call after the API was extracted (objects resolve lazily).
pub(crate) fn tree_errors(world: &World, program: &Program) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for pkg in world.project.packages.iter().filter(|p| !p.vendored) {
        out.extend(package_errors(pkg, program));
        // Packages no API reaches (commands, internal packages nothing exported uses) are not checked, but their
        // syntax errors count: `go build ./...` stops on them.
        let has_files = !pkg.go_files.is_empty() || !pkg.cgo_files.is_empty();
        if has_files && program.package_by_path(&pkg.import_path).is_none() {
            if let Some(input) = world.source.import("", &pkg.import_path) {
                for file in &input.files {
                    out.extend(file.syntax_diagnostics());
                }
            }
        }
    }
    sort_errors(&mut out);
    out
}

/// The errors of one package of a tree: the loader's, and the syntax and type errors its check found.
pub(crate) fn package_errors(pkg: &Package, program: &Program) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if let Some(err) = &pkg.error {
        out.push(Diagnostic::unpositioned(err.err.clone()));
    }
    for err in &pkg.import_errors {
        out.push(Diagnostic::unpositioned(format!(
            "package {}: {err}",
            pkg.import_path
        )));
    }
    if let Some(id) = program.package_by_path(&pkg.import_path) {
        out.extend(program.package_diagnostics(id));
    }
    sort_errors(&mut out);
    out
}

/// Sorts by position and drops repeats (the loader and the full parse report a header's syntax error alike).
pub(crate) fn sort_errors(errors: &mut Vec<Diagnostic>) {
    errors.sort();
    let mut seen = std::collections::HashSet::new();
    errors.retain(|d| seen.insert(d.to_string()));
}

/// The warning for an import that could not be resolved (one per import path, however many
/// packages import it).
pub(crate) fn unresolved_warning(u: &UnresolvedImport) -> String {
    let importers = match u.importers.as_slice() {
        [] => String::new(),
        [one] => format!(" (imported by {one})"),
        [first, rest @ ..] => format!(" (imported by {first} and {} more)", rest.len()),
    };
    format!(
        "import \"{}\": package not found{importers}: its types are kept by name only",
        u.import
    )
}

/// An import path that could not be resolved, with the packages importing it.
#[derive(Debug, Serialize, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct UnresolvedImport {
    import: String,
    importers: Vec<String>,
}

/// The imports the programs could not resolve, one entry per import path (sorted), each with
/// its importers (sorted, each once).
pub(crate) fn unresolved_imports<'a>(
    pairs: impl IntoIterator<Item = &'a (String, String)>,
) -> Vec<UnresolvedImport> {
    let mut by_import: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (importer, import) in pairs {
        by_import.entry(import).or_default().insert(importer);
    }
    by_import
        .into_iter()
        .map(|(import, importers)| UnresolvedImport {
            import: import.to_owned(),
            importers: importers.into_iter().map(str::to_owned).collect(),
        })
        .collect()
}

/// The file system, for the standard library of a GOROOT.
static OS_FILE_TREE: OsFileTree = OsFileTree;

/// A tree loaded for type checking, with where its imports come from: the tree itself
/// (and its `vendor/`), the standard library of the GOROOT it lies in, else of `goroot`,
/// else gofed's embedded standard library summary.
pub struct World<'t> {
    /// The analysed tree.
    pub project: Project,
    /// Package source for a [`Program`].
    pub source: Chain<'t>,
    /// The tree's packages (the first source of `source`), to parse ahead.
    pub tree_source: Arc<TreeSource<'t>>,
    /// The standard library of a GOROOT (the tree's own, or the one given), when `source` has one.
    pub goroot_source: Option<Arc<GorootSource<'t>>>,
    /// A GOPATH tree's packages reached through symbolic links, when `source` has them.
    pub linked_source: Option<Arc<LinkedSource<'t>>>,
    /// Where the standard library comes from (what a saved model records).
    pub std: StdFrom,
}

impl<'t> World<'t> {
    /// Loads `opened` for `ctx`.
    pub fn load(
        opened: &'t OpenedTree,
        ctx: &BuildContext,
        goroot: Option<&Path>,
        cache: &Arc<ParseCache>,
        budget: &Budget,
    ) -> anyhow::Result<World<'t>> {
        let project = load(opened, ctx, Purpose::Api, budget)?;
        // Where the standard library comes from: the GOROOT the tree lies in (part of the
        // opened tree), else `goroot` on this machine, else the embedded summary.
        let tree_and_src: Option<(&'t (dyn FileTree + Sync), PathBuf)> = match &project.layout {
            Layout::Goroot { goroot, .. } if project.root != goroot.join("src") => {
                Some((opened.tree(), goroot.join("src")))
            }
            Layout::Goroot { .. } => None,
            _ => match goroot {
                Some(goroot) => {
                    let src = std::path::absolute(goroot.join("src"))?;
                    if !src.is_dir() {
                        anyhow::bail!("GOROOT {}: no src directory", goroot.display());
                    }
                    Some((&OS_FILE_TREE, src))
                }
                None => None,
            },
        };
        // A directory below its module's root imports the module's other packages and its vendored ones, as
        // `go list` there does: they come from the whole module (the analysed packages first).
        let module = match &project.layout {
            Layout::Module { dir, .. } if *dir != project.root => {
                let config = crate::deps::load_config(opened.tree(), dir, ctx, Purpose::Api);
                Some(gofed_go::load::load_tree(opened.tree(), dir, &config)?)
            }
            _ => None,
        };
        let mut projects = vec![&project];
        projects.extend(module.as_ref());
        let tree_source = Arc::new(TreeSource::new(opened.tree(), &projects, Arc::clone(cache)));
        // Analysing a whole tree needs nearly all its packages: parse them in parallel now
        // when the cache keeps them anyway (a transient cache is filled as the check goes).
        if cache.keeps_files() {
            tree_source.prefetch(project.packages.iter().map(|p| p.import_path.as_str()));
        }
        let mut sources: Vec<Box<dyn gofed_go::types::PackageSource + Send + Sync + 't>> =
            vec![Box::new(Arc::clone(&tree_source))];
        // In a GOPATH, packages the walk does not list because a symbolic link leads to them.
        let linked_source = match &project.layout {
            Layout::Gopath { src } => {
                let config = gofed_go::load::LoadConfig {
                    import_path: None,
                    ..crate::deps::load_config(opened.tree(), src, ctx, Purpose::Api)
                };
                let cache = Arc::clone(cache);
                LinkedSource::new(opened.tree(), src.clone(), &project.root, config, cache)
                    .map(Arc::new)
            }
            _ => None,
        };
        if let Some(linked) = &linked_source {
            sources.push(Box::new(Arc::clone(linked)));
        }
        let mut goroot_source = None;
        let std = match (&tree_and_src, is_goroot_layout(&project)) {
            (Some(_), _) => StdFrom::Goroot,
            (None, false) => StdFrom::Summary,
            (None, true) => StdFrom::Nothing,
        };
        match tree_and_src {
            // The standard library of a GOROOT, loaded package by package as imported.
            Some((tree, src)) => {
                let std_ctx = BuildContext {
                    import_path: None,
                    ..ctx.clone()
                };
                let config = crate::deps::load_config(tree, &src, &std_ctx, Purpose::Api);
                let goroot = Arc::new(GorootSource::new(tree, src, config, Arc::clone(cache)));
                sources.push(Box::new(Arc::clone(&goroot)));
                goroot_source = Some(goroot);
            }
            None if !is_goroot_layout(&project) => sources.push(Box::new(StdSummary::new())),
            None => {}
        }
        Ok(World {
            project,
            source: Chain(sources),
            tree_source,
            goroot_source,
            linked_source,
            std,
        })
    }

    /// The saved model of this world for `ctx`, once `program` checked the API of `roots` (the
    /// import paths of the tree's API packages): the tree's packages with their errors, and the
    /// declarations of every package of the tree (and of its GOROOT) the roots import.
    pub fn model(
        &self,
        ctx: &BuildContext,
        program: &Program,
        roots: &[String],
        errors: &[Diagnostic],
    ) -> ApiModel {
        let mut own: Vec<Box<dyn gofed_go::types::PackageSource + Send + Sync + 't>> =
            vec![Box::new(Arc::clone(&self.tree_source))];
        if let Some(goroot) = &self.goroot_source {
            own.push(Box::new(Arc::clone(goroot)));
        }
        let mut collected = collect_declarations(&Chain(own), roots);
        let mut packages: Vec<ModelPackage> = Vec::new();
        for pkg in &self.project.packages {
            let found = collected.remove(&pkg.import_path);
            packages.push(ModelPackage {
                path: pkg.import_path.clone(),
                name: pkg.name.clone(),
                dir: pkg.dir.display().to_string(),
                listed: true,
                vendored: pkg.vendored,
                go_files: pkg.go_files.iter().chain(&pkg.cgo_files).cloned().collect(),
                import_map: found
                    .as_ref()
                    .map(|f| f.import_map.clone())
                    .unwrap_or_default(),
                errors: package_errors(pkg, program),
                files: found.map(|f| f.files).unwrap_or_default(),
            });
        }
        for (path, found) in collected {
            packages.push(ModelPackage {
                path,
                name: found.name,
                dir: found.dir,
                go_files: found.files.iter().map(|f| f.name.clone()).collect(),
                import_map: found.import_map,
                files: found.files,
                ..ModelPackage::default()
            });
        }
        sort_packages(&mut packages);
        ApiModel {
            model_version: MODEL_VERSION,
            context: ModelContext {
                goos: ctx.goos.clone(),
                goarch: ctx.goarch.clone(),
                cgo: ctx.cgo,
                tags: ctx.tags.clone(),
            },
            go_minor: self.project.go_minor,
            root: self.project.root.display().to_string(),
            layout: ModelLayout::from(&self.project.layout),
            std: self.std,
            packages,
            errors: errors.to_vec(),
        }
    }
}

/// One context's result.
struct ContextResult {
    context: ContextSpec,
    go_minor: u32,
    packages: Vec<ApiPackage>,
    /// With `--format goapi` and one context: each package's lines, rendered as it was checked
    /// (`packages` is then empty: a big tree's features are not all held), without their
    /// `pkg PATH, ` prefix, which [`goapi_text`] puts back once the program is gone.
    goapi_lines: Vec<PackageLines>,
    /// (importer, import) pairs that could not be resolved.
    unresolved: Vec<(String, String)>,
    /// Errors of the tree's packages.
    errors: Vec<Diagnostic>,
    /// gofed-ng's historical shape (with `--format gofed`).
    legacy: Vec<LegacyPackage>,
    /// The saved model (with `--format json`).
    model: Option<ApiModel>,
}

/// The `api_analysis` action on an opened tree. Each build context runs under its own
/// [`Budget::fork`] of `budget` (contexts free their memory when done); all share its
/// cancellation flag.
pub fn api_analysis(
    opened: &OpenedTree,
    args: &ApiRequest,
    budget: &Budget,
) -> anyhow::Result<Rendered> {
    let contexts = contexts(opened, args)?;
    // Several contexts parse the same files: keep each once for all. One context parses each
    // file once anyway, and holding them all would hold the whole tree.
    let cache = Arc::new(if contexts.len() > 1 {
        ParseCache::default()
    } else {
        ParseCache::transient()
    });
    // Several contexts take seconds: show progress on a terminal (hidden otherwise).
    let progress = if contexts.len() > 1 {
        indicatif::ProgressBar::new(contexts.len() as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    progress.set_style(
        indicatif::ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} contexts {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    progress.set_prefix("gofed api");
    let mut results: Vec<ContextResult> = contexts
        .par_iter()
        .map(|ctx| {
            let render_now = args.format == ApiFormat::Goapi && contexts.len() == 1;
            let result = analyse(opened, args, ctx, &cache, &budget.fork(), render_now);
            progress.set_message(ctx.name());
            progress.inc(1);
            result
        })
        .collect::<anyhow::Result<_>>()?;
    progress.finish_and_clear();
    let n_contexts = results.len();
    let mut errors: Vec<Diagnostic> = results.iter().flat_map(|r| r.errors.clone()).collect();
    sort_errors(&mut errors);
    let unresolved = unresolved_imports(results.iter().flat_map(|r| &r.unresolved));
    let diagnostics: Vec<String> = errors
        .iter()
        .map(ToString::to_string)
        .chain(unresolved.iter().map(unresolved_warning))
        .collect();
    let rendered = match args.format {
        ApiFormat::Goapi if n_contexts == 1 => {
            Rendered::text(goapi_text(std::mem::take(&mut results[0].goapi_lines))?)
        }
        ApiFormat::Goapi => {
            // feature line → contexts having it
            let mut lines: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            for result in &results {
                for line in render_goapi(&result.packages).lines() {
                    lines
                        .entry(line.to_owned())
                        .or_default()
                        .insert(result.context.name());
                }
            }
            let mut out_lines = Vec::new();
            for (line, ctxs) in lines {
                if ctxs.len() == n_contexts {
                    out_lines.push(line);
                    continue;
                }
                let comma = line.find(',').unwrap_or(line.len());
                for ctx in ctxs {
                    out_lines.push(format!("{} ({ctx}){}", &line[..comma], &line[comma..]));
                }
            }
            out_lines.sort();
            Rendered::lines(out_lines)
        }
        ApiFormat::Json => {
            let mut report = merge_json(&results);
            report.meta.source = opened.source_meta().cloned();
            let mut models: Vec<ApiModel> =
                results.iter_mut().filter_map(|r| r.model.take()).collect();
            if models.len() == 1 {
                report.model = models.pop();
            } else {
                report.models = models;
            }
            Rendered::json(&report)?
        }
        // The historical shape has no contexts: the first context's API.
        ApiFormat::Gofed => {
            Rendered::json(&results.first().map_or(&[][..], |r| r.legacy.as_slice()))?
        }
    };
    Ok(rendered.with_errors(diagnostics, !errors.is_empty(), args.allow_errors))
}

/// One package's goapi lines without their `pkg PATH, ` prefix ([`render_goapi_features`]),
/// zstd-compressed while the check goes on: a whole distribution tree's lines (87 MB for
/// /usr/share/gocode) would otherwise be held at the check's largest.
struct PackageLines {
    path: String,
    compressed: Vec<u8>,
    len: usize,
    line_count: usize,
}

/// A fast level: the lines compress about tenfold even so.
const LINES_LEVEL: i32 = 1;

impl PackageLines {
    /// One package's lines, compressed by `compressor` (one for all packages: setting one up
    /// costs more than compressing a small package's lines).
    fn new(
        path: String,
        lines: &str,
        compressor: &mut zstd::bulk::Compressor<'_>,
    ) -> std::io::Result<PackageLines> {
        let mut compressed = compressor.compress(lines.as_bytes())?;
        // zstd's buffer is as large as the input: on /usr/share/gocode/src 53 MB at the peak
        // for 9 MB of compressed lines.
        compressed.shrink_to_fit();
        Ok(PackageLines {
            path,
            compressed,
            len: lines.len(),
            line_count: lines.lines().count(),
        })
    }

    fn lines(&self, decompressor: &mut zstd::bulk::Decompressor<'_>) -> std::io::Result<String> {
        let bytes = decompressor.decompress(&self.compressed, self.len)?;
        String::from_utf8(bytes)
            .map_err(|err| std::io::Error::new(std::io::ErrorKind::InvalidData, err))
    }
}

/// The goapi text of packages rendered one by one: their lines with the `pkg PATH, ` prefix
/// put back, sorted bytewise. Built in one string of its exact size (growing one by doubling
/// held twice the text, at the end of a big tree's check, when the program is largest).
fn goapi_text(mut packages: Vec<PackageLines>) -> std::io::Result<String> {
    // In the order of `pkg PATH, `, the packages' texts follow each other sorted (unless a
    // GOPATH directory name holds ", "; `sorted_lines` sorts that).
    fn key(package: &PackageLines) -> impl Iterator<Item = u8> + '_ {
        package.path.bytes().chain(*b", ")
    }
    packages.sort_unstable_by(|a, b| key(a).cmp(key(b)));
    let size = packages
        .iter()
        .map(|p| p.len + p.line_count * ("pkg , ".len() + p.path.len()))
        .sum();
    let mut text = String::with_capacity(size);
    let mut decompressor = zstd::bulk::Decompressor::new()?;
    for package in packages {
        for line in package.lines(&mut decompressor)?.lines() {
            text.push_str("pkg ");
            text.push_str(&package.path);
            text.push_str(", ");
            text.push_str(line);
            text.push('\n');
        }
    }
    Ok(sorted_lines(text))
}

/// `text`'s lines sorted bytewise, each once (as [`render_goapi`] prints them).
fn sorted_lines(text: String) -> String {
    // The text is usually sorted already, and then it is not copied (on a big tree it is
    // hundreds of MB).
    let mut lines = text.lines();
    let mut previous = lines.next();
    let already = lines.all(|line| {
        let ordered = previous < Some(line);
        previous = Some(line);
        ordered
    });
    if already {
        return text;
    }
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort_unstable();
    lines.dedup();
    let mut out = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
    for line in lines {
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn contexts(opened: &OpenedTree, args: &ApiRequest) -> anyhow::Result<Vec<ContextSpec>> {
    let c = &args.context;
    if let Some(list) = &args.contexts {
        let list = if list == "default" {
            // The release whose cmd/api is followed, as `World::load` decides it.
            let minor = c.go_minor.unwrap_or_else(|| {
                match gofed_go::load::detect_layout(opened.tree(), opened.root()) {
                    Layout::Goroot {
                        go_minor: Some(minor),
                        ..
                    } if c.import_path.is_none() => minor,
                    _ => gofed_go::load::NEWEST_GO_MINOR,
                }
            });
            default_contexts(minor)
        } else {
            list.as_str()
        };
        // Each context is a whole analysis: a repeated one is done once (the request's check
        // bounds how many distinct ones there may be).
        let mut specs: Vec<ContextSpec> = Vec::new();
        for text in list.split(',') {
            let spec = ContextSpec::parse(text, c.go_minor)?;
            if !specs.contains(&spec) {
                specs.push(spec);
            }
        }
        return Ok(specs);
    }
    if c.all_platforms {
        // Every real platform of the Go version, with and without cgo where supported.
        let minor = c.go_minor.unwrap_or(gofed_go::load::NEWEST_GO_MINOR);
        let union = Selector::all_platforms(minor, c.tags.clone());
        let mut list: Vec<ContextSpec> = union
            .contexts()
            .iter()
            .map(|ctx| ContextSpec {
                goos: ctx.goos.clone(),
                goarch: ctx.goarch.clone(),
                cgo: ctx.cgo_enabled,
            })
            .collect();
        list.sort();
        list.dedup();
        return Ok(list);
    }
    Ok(vec![ContextSpec {
        goos: c.goos.clone(),
        goarch: c.goarch.clone(),
        cgo: c.cgo,
    }])
}

fn analyse(
    opened: &OpenedTree,
    args: &ApiRequest,
    spec: &ContextSpec,
    cache: &Arc<ParseCache>,
    budget: &Budget,
    render_now: bool,
) -> anyhow::Result<ContextResult> {
    let ctx = BuildContext {
        goos: spec.goos.clone(),
        goarch: spec.goarch.clone(),
        cgo: spec.cgo,
        all_platforms: false,
        ..args.context.clone()
    };
    let world = World::load(opened, &ctx, args.goroot.as_deref(), cache, budget)?;
    let project = &world.project;
    let mut program = Program::new(&world.source, Sizes::for_arch(&spec.goarch));
    program.set_budget(budget);

    let is_goroot = matches!(project.layout, Layout::Goroot { .. });
    // The output of the Go release's own cmd/api: `--go`, else the GOROOT's, else the newest.
    let release = Release::go(project.go_minor);
    let mut packages = Vec::new();
    let mut goapi_lines = Vec::new();
    let mut compressor = zstd::bulk::Compressor::new(LINES_LEVEL)?;
    let mut ids = Vec::new();
    let mut todo: Vec<&Package> = project
        .packages
        .iter()
        .filter(|pkg| {
            let has_files = !pkg.go_files.is_empty() || !pkg.cgo_files.is_empty();
            !pkg.vendored
                && has_files
                && is_api_package(&pkg.import_path, &pkg.name, is_goroot, spec.cgo)
        })
        .collect();
    // In import path order, the lines rendered package by package come out sorted.
    todo.sort_by(|a, b| a.import_path.cmp(&b.import_path));
    // gofed-ng's format reads every package's declarations again at the end.
    let let_files_go = args.format != ApiFormat::Gofed;
    let release_after = if let_files_go {
        release_points(project, &todo)
    } else {
        Vec::new()
    };
    // A transient cache parses ahead of the check, in the background: while this thread checks
    // the packages of one window, the other threads parse the next window's.
    let source = &world.tree_source;
    let checked: anyhow::Result<()> = rayon::scope(|scope| {
        let parse_ahead = |window: usize, program: &Program| {
            if cache.keeps_files() {
                return;
            }
            let paths: Vec<&str> = todo
                .iter()
                .skip(window * PARSE_AHEAD)
                .take(PARSE_AHEAD)
                .map(|p| p.import_path.as_str())
                .filter(|path| program.package_by_path(path).is_none())
                .collect();
            if !paths.is_empty() {
                scope.spawn(move |_| source.prefetch(paths));
            }
        };
        parse_ahead(0, &program);
        for (i, pkg) in todo.iter().enumerate() {
            if i % PARSE_AHEAD == 0 {
                parse_ahead(i / PARSE_AHEAD + 1, &program);
            }
            if let Some(id) = program.package("", &pkg.import_path) {
                ids.push(id);
                // The goapi lines have no positions and doc summaries.
                let api = if args.format == ApiFormat::Goapi {
                    extract_package_texts(&mut program, id, release)
                } else {
                    extract_package_for(&mut program, id, release)
                };
                if render_now {
                    let lines = render_goapi_features(&api);
                    goapi_lines.push(PackageLines::new(api.path, &lines, &mut compressor)?);
                } else {
                    packages.push(api);
                }
                // A cancelled or over-budget check leaves the API incomplete: the request fails.
                if let Some(err) = program.budget_error() {
                    return Err(err.into());
                }
            }
            // Packages nothing left to check imports: their syntax trees and bytes go.
            for path in release_after.get(i).into_iter().flatten() {
                if let Some(id) = program.package_by_path(path) {
                    program.release_files(id);
                }
            }
        }
        Ok(())
    });
    checked?;
    let mut unresolved = program.unresolved_imports.clone();
    unresolved.sort();
    unresolved.dedup();
    let errors = tree_errors(&world, &program);
    let model = (args.format == ApiFormat::Json).then(|| {
        // What apidiff checks of the tree: its API packages, decided as it decides them (with cgo, so
        // `runtime/cgo` of a GOROOT too), and what they import.
        let roots: Vec<String> = project
            .packages
            .iter()
            .filter(|pkg| {
                let has_files = !pkg.go_files.is_empty() || !pkg.cgo_files.is_empty();
                !pkg.vendored
                    && has_files
                    && is_api_package(&pkg.import_path, &pkg.name, is_goroot, true)
            })
            .map(|p| p.import_path.clone())
            .collect();
        world.model(&ctx, &program, &roots, &errors)
    });
    let legacy = if args.format == ApiFormat::Gofed {
        let mut legacy = gofed_legacy(&mut program, &ids);
        if let Some(err) = program.budget_error() {
            return Err(err.into());
        }
        if let Some(root) = project.root_import_path() {
            make_relative(&mut legacy, &root);
        }
        legacy
    } else {
        Vec::new()
    };
    tracing::debug!(
        context = %spec.name(),
        charged_bytes = budget.used(),
        "api analysis of one context done"
    );
    Ok(ContextResult {
        context: spec.clone(),
        go_minor: project.go_minor,
        packages,
        goapi_lines,
        unresolved,
        errors,
        legacy,
        model,
    })
}

/// How many packages are parsed ahead of the check, as one window, with a transient parse
/// cache: enough to keep every thread busy, few enough that their trees are a small part of
/// the memory. On /usr/share/gocode/src (2 cores), 16 ran as fast as 64 and peaked 40 MB
/// lower (the tree's big generated packages make some windows tens of MB).
const PARSE_AHEAD: usize = 16;

/// For each package of `todo` (checked in that order), the tree's packages that no later
/// package of `todo` imports, directly or not: after checking `todo[i]`, the program can let
/// the files of `release_points(..)[i]` go. Packages outside the tree (the standard library
/// of a GOROOT) are left out: they stay.
fn release_points<'p>(project: &'p Project, todo: &[&'p Package]) -> Vec<Vec<&'p str>> {
    let imports: std::collections::HashMap<&str, &[String]> = project
        .packages
        .iter()
        .map(|p| (p.import_path.as_str(), p.imports.as_slice()))
        .collect();
    // The last user of a package is found from the last package checked backwards: a package
    // already claimed by a later one keeps that (and so do the packages it imports).
    let mut last_user: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    let mut stack: Vec<&str> = Vec::new();
    for (i, pkg) in todo.iter().enumerate().rev() {
        stack.push(pkg.import_path.as_str());
        while let Some(path) = stack.pop() {
            if last_user.contains_key(path) {
                continue;
            }
            last_user.insert(path, i);
            if let Some(deps) = imports.get(path) {
                stack.extend(
                    deps.iter()
                        .map(String::as_str)
                        .filter(|d| !last_user.contains_key(d)),
                );
            }
        }
    }
    let mut points = vec![Vec::new(); todo.len()];
    for (path, i) in last_user {
        if imports.contains_key(path) {
            points[i].push(path);
        }
    }
    points
}

/// A package's features across contexts, while merging.
struct PackageAcc {
    name: String,
    errors: Vec<String>,
    /// Feature text → (feature, contexts having it).
    features: BTreeMap<String, (gofed_go::api::Feature, BTreeSet<String>)>,
}

fn merge_json(results: &[ContextResult]) -> ApiReport {
    let n_contexts = results.len();
    let mut packages: BTreeMap<String, PackageAcc> = BTreeMap::new();
    for result in results {
        for pkg in &result.packages {
            let acc = packages
                .entry(pkg.path.clone())
                .or_insert_with(|| PackageAcc {
                    name: pkg.name.clone(),
                    errors: Vec::new(),
                    features: BTreeMap::new(),
                });
            for err in &pkg.errors {
                if !acc.errors.contains(err) {
                    acc.errors.push(err.clone());
                }
            }
            for f in &pkg.features {
                acc.features
                    .entry(f.text.clone())
                    .or_insert_with(|| (f.clone(), BTreeSet::new()))
                    .1
                    .insert(result.context.name());
            }
        }
    }
    let packages = packages
        .into_iter()
        .map(|(path, acc)| MergedPackage {
            path,
            name: acc.name,
            errors: acc.errors,
            features: acc
                .features
                .into_values()
                .map(|(feature, ctxs)| MergedFeature {
                    feature,
                    contexts: (ctxs.len() != n_contexts).then(|| ctxs.into_iter().collect()),
                })
                .collect(),
        })
        .collect();
    let unresolved = unresolved_imports(results.iter().flat_map(|r| &r.unresolved));
    let mut errors: Vec<Diagnostic> = results.iter().flat_map(|r| r.errors.clone()).collect();
    sort_errors(&mut errors);
    ApiReport {
        packages,
        meta: ApiMeta {
            go_version: format!("1.{}", results.first().map_or(0, |r| r.go_minor)),
            contexts: results.iter().map(|r| r.context.name()).collect(),
            unresolved_imports: unresolved,
            errors: errors.iter().map(ErrorJson::from).collect(),
            source: None,
            cached: false,
        },
        model: None,
        models: Vec::new(),
    }
}

fn is_goroot_layout(project: &Project) -> bool {
    matches!(project.layout, Layout::Goroot { .. })
}

#[cfg(test)]
mod tests {
    use super::{goapi_text, sorted_lines, PackageLines};

    #[test]
    fn goapi_text_puts_the_prefixes_back_in_cmd_api_order() {
        let mut compressor = zstd::bulk::Compressor::new(0).unwrap();
        let mut package = |path: &str, lines: &str| {
            PackageLines::new(path.to_owned(), lines, &mut compressor).unwrap()
        };
        // Import path order is not line order: "a/b+c" < "a/b," as '+' < ','.
        let text = goapi_text(vec![
            package("a/b", "func F()\nfunc G()\n"),
            package("a/b+c", "func H()\n"),
            package("a", "const A = 1\n"),
            package("a/e", ""),
        ])
        .unwrap();
        assert_eq!(
            text,
            "pkg a, const A = 1\npkg a/b+c, func H()\npkg a/b, func F()\npkg a/b, func G()\n"
        );
        assert_eq!(text.capacity(), text.len(), "built at its exact size");
    }

    #[test]
    fn sorted_lines_keeps_sorted_text_and_sorts_the_rest() {
        let sorted = "pkg a, const A = 1\npkg a, func F()\npkg a-b, func G()\npkg a/b, func H()\n"
            .to_owned();
        let buffer = sorted.as_ptr();
        let kept = sorted_lines(sorted);
        assert_eq!(
            kept.as_ptr(),
            buffer,
            "sorted text is returned as it is, not copied"
        );
        assert_eq!(
            sorted_lines("pkg b, x\npkg a, y\npkg b, x\n".to_owned()),
            "pkg a, y\npkg b, x\n",
            "unsorted text is sorted and its repeated lines dropped"
        );
        assert_eq!(
            sorted_lines("pkg a, x\npkg a, x\n".to_owned()),
            "pkg a, x\n"
        );
        assert_eq!(sorted_lines(String::new()), "");
    }
}
