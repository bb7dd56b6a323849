//! `gofed api`: the exported API of a tree's packages, for one build context or several
//! (merged as cmd/api merges them: a feature not present in every context is written
//! `pkg P (CONTEXT), ...`).

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use gofed_go::api::legacy::{gofed_legacy, make_relative, LegacyPackage};
use std::sync::Arc;

use gofed_go::api::source::{GorootSource, ParseCache, TreeSource};
use gofed_go::api::stdlib::{Chain, StdSummary};
use gofed_go::api::{extract_package, is_api_package, render_goapi, ApiPackage};
use gofed_go::build::Selector;
use gofed_go::constant::StringStyle;
use gofed_go::load::{Layout, OsFileTree, Project};
use gofed_go::types::{Program, Sizes};
use rayon::prelude::*;
use serde::Serialize;

use crate::cli::{ApiArgs, ApiFormat, ContextArgs};
use crate::deps::{load, Purpose};

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

    fn parse(text: &str) -> anyhow::Result<ContextSpec> {
        let parts: Vec<&str> = text.split('-').collect();
        match parts.as_slice() {
            [goos, goarch] => Ok(ContextSpec {
                goos: (*goos).into(),
                goarch: (*goarch).into(),
                cgo: false,
            }),
            [goos, goarch, "cgo"] => Ok(ContextSpec {
                goos: (*goos).into(),
                goarch: (*goarch).into(),
                cgo: true,
            }),
            _ => anyhow::bail!("bad context {text:?}: expected GOOS-GOARCH or GOOS-GOARCH-cgo"),
        }
    }
}

/// cmd/api's default context list.
const DEFAULT_CONTEXTS: &str = "linux-386-cgo,linux-386,linux-amd64-cgo,linux-amd64,linux-arm-cgo,linux-arm,\
darwin-amd64-cgo,darwin-amd64,windows-amd64,windows-386,freebsd-386-cgo,freebsd-386,freebsd-amd64-cgo,\
freebsd-amd64,freebsd-arm-cgo,freebsd-arm,netbsd-386-cgo,netbsd-386,netbsd-amd64-cgo,netbsd-amd64,\
netbsd-arm-cgo,netbsd-arm,netbsd-arm64-cgo,netbsd-arm64,openbsd-386-cgo,openbsd-386,openbsd-amd64-cgo,\
openbsd-amd64";

/// The JSON document.
#[derive(Debug, Serialize)]
struct ApiReport {
    packages: Vec<MergedPackage>,
    meta: ApiMeta,
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
    /// Imports that could not be resolved (the API mentioning them is incomplete).
    unresolved_imports: Vec<UnresolvedImport>,
}

#[derive(Debug, Serialize, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct UnresolvedImport {
    importer: String,
    import: String,
}

/// The file system, for sources that live as long as the program.
static OS_FILE_TREE: OsFileTree = OsFileTree;

/// A tree loaded for type checking, with where its imports come from: the tree itself
/// (and its `vendor/`), the standard library of the GOROOT it lies in, else of `--goroot` /
/// `$GOROOT`, else gofed's embedded standard library summary.
pub struct World {
    /// The analysed tree.
    pub project: Project,
    /// Package source for a [`Program`].
    pub source: Chain,
}

impl World {
    pub fn load(
        path: &std::path::Path,
        ctx: &ContextArgs,
        goroot: Option<&std::path::Path>,
        cache: &Arc<ParseCache>,
    ) -> anyhow::Result<World> {
        let project = load(path, ctx, Purpose::Api)?;
        let goroot_src = match &project.layout {
            // A package inside a GOROOT: that GOROOT's standard library.
            Layout::Goroot { goroot, .. } if project.root != goroot.join("src") => {
                Some(goroot.join("src"))
            }
            Layout::Goroot { .. } => None,
            _ => goroot
                .map(|g| g.join("src"))
                .or_else(|| std::env::var_os("GOROOT").map(|g| PathBuf::from(g).join("src"))),
        };
        let tree_source = TreeSource::new(&OS_FILE_TREE, &[&project], Arc::clone(cache));
        // Analysing a whole tree needs nearly all its packages: parse them in parallel now.
        tree_source.prefetch(project.packages.iter().map(|p| p.import_path.as_str()));
        let mut sources: Vec<Box<dyn gofed_go::types::PackageSource + Send + Sync>> =
            vec![Box::new(tree_source)];
        match goroot_src {
            // The standard library of a GOROOT, loaded package by package as imported.
            Some(src) => {
                let src = crate::deps::absolute_dir(&src)
                    .with_context(|| "the standard library's GOROOT".to_owned())?;
                let std_ctx = ContextArgs {
                    import_path: None,
                    ..ctx.clone()
                };
                let config = crate::deps::load_config(&src, &std_ctx, Purpose::Api);
                sources.push(Box::new(GorootSource::new(
                    &OS_FILE_TREE,
                    src,
                    config,
                    Arc::clone(cache),
                )));
            }
            None if !is_goroot_layout(&project) => sources.push(Box::new(StdSummary::new())),
            None => {}
        }
        Ok(World {
            project,
            source: Chain(sources),
        })
    }
}

/// One context's result.
struct ContextResult {
    context: ContextSpec,
    go_minor: u32,
    packages: Vec<ApiPackage>,
    unresolved: Vec<UnresolvedImport>,
    /// gofed-ng's historical shape (with `--format gofed`).
    legacy: Vec<LegacyPackage>,
}

pub fn api(args: &ApiArgs) -> anyhow::Result<ExitCode> {
    let contexts = contexts(args)?;
    let cache = Arc::new(ParseCache::default());
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
    let results: Vec<ContextResult> = contexts
        .par_iter()
        .map(|ctx| {
            let result = analyse(args, ctx, &cache);
            progress.set_message(ctx.name());
            progress.inc(1);
            result
        })
        .collect::<anyhow::Result<_>>()?;
    progress.finish_and_clear();
    let n_contexts = results.len();
    match args.format {
        ApiFormat::Goapi if n_contexts == 1 => {
            let mut out = std::io::stdout().lock();
            out.write_all(render_goapi(&results[0].packages).as_bytes())?;
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
            let mut out = std::io::stdout().lock();
            for line in out_lines {
                writeln!(out, "{line}")?;
            }
        }
        ApiFormat::Json => {
            let report = merge_json(&results);
            crate::output::print_json(&report)?;
        }
        ApiFormat::Gofed => {
            // The historical shape has no contexts: the first context's API.
            let legacy = results.first().map_or(&[][..], |r| r.legacy.as_slice());
            crate::output::print_json(&legacy)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn contexts(args: &ApiArgs) -> anyhow::Result<Vec<ContextSpec>> {
    let c = &args.context;
    if let Some(list) = &args.contexts {
        let list = if list == "default" {
            DEFAULT_CONTEXTS
        } else {
            list.as_str()
        };
        return list.split(',').map(ContextSpec::parse).collect();
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
    args: &ApiArgs,
    spec: &ContextSpec,
    cache: &Arc<ParseCache>,
) -> anyhow::Result<ContextResult> {
    let ctx = ContextArgs {
        goos: spec.goos.clone(),
        goarch: spec.goarch.clone(),
        cgo: spec.cgo,
        all_platforms: false,
        ..args.context.clone()
    };
    let world = World::load(&args.source, &ctx, args.goroot.as_deref(), cache)?;
    let project = &world.project;
    let mut program = Program::new(&world.source, Sizes::for_arch(&spec.goarch));

    let is_goroot = matches!(project.layout, Layout::Goroot { .. });
    // cmd/api of Go 1.19 and earlier printed some float constants differently.
    let style = if project.go_minor <= 19 {
        StringStyle::Go119
    } else {
        StringStyle::Current
    };
    let mut packages = Vec::new();
    let mut ids = Vec::new();
    for pkg in &project.packages {
        let has_files = !pkg.go_files.is_empty() || !pkg.cgo_files.is_empty();
        if pkg.vendored
            || !has_files
            || !is_api_package(&pkg.import_path, &pkg.name, is_goroot, spec.cgo)
        {
            continue;
        }
        let Some(id) = program.package("", &pkg.import_path) else {
            continue;
        };
        ids.push(id);
        packages.push(extract_package(&mut program, id, style));
    }
    let mut unresolved: Vec<UnresolvedImport> = program
        .unresolved_imports
        .iter()
        .map(|(importer, import)| UnresolvedImport {
            importer: importer.clone(),
            import: import.clone(),
        })
        .collect();
    unresolved.sort();
    unresolved.dedup();
    let legacy = if args.format == ApiFormat::Gofed {
        let mut legacy = gofed_legacy(&mut program, &ids);
        if let Some(root) = project.root_import_path() {
            make_relative(&mut legacy, &root);
        }
        legacy
    } else {
        Vec::new()
    };
    Ok(ContextResult {
        context: spec.clone(),
        go_minor: project.go_minor,
        packages,
        unresolved,
        legacy,
    })
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
    let mut unresolved: Vec<UnresolvedImport> = results
        .iter()
        .flat_map(|r| r.unresolved.iter().cloned())
        .collect();
    unresolved.sort();
    unresolved.dedup();
    ApiReport {
        packages,
        meta: ApiMeta {
            go_version: format!("1.{}", results.first().map_or(0, |r| r.go_minor)),
            contexts: results.iter().map(|r| r.context.name()).collect(),
            unresolved_imports: unresolved,
        },
    }
}

fn is_goroot_layout(project: &Project) -> bool {
    matches!(project.layout, Layout::Goroot { .. })
}
