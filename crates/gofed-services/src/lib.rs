//! gofed's services: the analyses, the storage of their results, and the storage of inputs, as thin adapters
//! from typed requests to the libraries.
//!
//! | service | actions | does |
//! |---|---|---|
//! | `api` | `api_analysis`, `api_diff`, `release_check` | exported API (cmd/api's lines, JSON, gofed-ng's shape); x/exp/apidiff |
//! | `deps` | `deps_analysis`, `deps_diff` | imports per package, external dependencies; their diff |
//! | `filestorage` | `upload`, `upload_url`, `download` | content-addressed files that the others fetch by id |
//! | `scm` | `scm_log`, `scm_store` | a git repository's history; a revision stored as an archive in `filestorage` |
//! | `apistorage` | `api_get`, `api_projects`, `api_revisions`, `api_packages`, `api_distros`, `api_stored_diff` | recorded API analyses, their diffs; REST views ([`storage`]) |
//! | `depsstorage` | `deps_get`, `deps_projects`, `deps_revisions`, `deps_packages` | recorded dependency analyses; REST views |
//! | `tarballstorage` | `tarball_get` | an upstream archive from its forge at a commit ([`tarballstorage`]) |
//! | `rpmstorage` | `rpm_get`, `rpm_src_get`, `rpm_get_by_name` | RPMs and SRPMs of a Koji ([`rpmstorage`]) |
//! | `specstorage` | `spec_get`, `spec_patch_listing`, `spec_patch_get` | spec files and patches from dist-git |
//! | `packagestorage` | `package_get`, `package_get_commit` | a package's dist-git tree as an archive |
//!
//! An analysis takes a [`Source`]: a path (when the action runs on the machine that has the tree) or a bundle
//! uploaded to `filestorage` ([`bundle`]), read into memory and analysed as if it were at the client's path, so
//! the result is the same bytes either way. Analyses render their result in the requested format ([`Rendered`]).
//! A computational service calls storage only (here: fetching bundles); storage calls nothing.

#![warn(missing_docs)]

pub mod api;
pub mod apidiff;
pub mod artifact;
pub mod bundle;
pub mod cache;
pub mod deps;
pub mod depsdiff;
pub mod distgit;
pub mod downloads;
pub mod fetched;
pub mod filestorage;
pub mod gitclone;
pub mod goland;
pub mod gotest;
pub mod graph;
pub mod impact;
pub mod license;
pub mod packagestorage;
mod process;
pub mod record;
pub mod release;
pub mod request;
pub mod rpm;
pub mod rpmstorage;
pub mod saved;
pub mod scm;
pub mod spec;
pub mod specstorage;
pub mod storage;
pub mod tarballstorage;
pub mod tree;

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use gofed_go::budget::{Budget, BudgetError};
use gofed_go::load::LoadError;
use gofed_service::{BoxFuture, Cancel, Service, ServiceError, System};
use tree::OpenedTree;

pub use artifact::SourceMeta;
pub use request::{
    ApiFormat, ApiRequest, ApidiffFormat, ApidiffRequest, ArtifactAt, BuildContext, CacheControl,
    CheckRequest, DepsRequest, DepsdiffRequest, Format, MachinePaths, Output, Rendered,
    RequestError, Source,
};

/// The version every service of this crate reports.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What the analysis services may reach.
#[derive(Clone, Debug, Default)]
pub struct ServiceContext {
    /// The system, to fetch uploaded bundles from `filestorage` (`None`: bundles are refused).
    pub system: Option<Arc<System>>,
    /// Whether [`Source::Path`] is accepted: true in-process, false for a service reachable over the network
    /// unless its clients share its file system.
    pub allow_paths: bool,
    /// Bundles already fetched and unpacked.
    pub bundles: Arc<tree::BundleCache>,
    /// Bytes one analysis may allocate; `None`: [`ANALYSIS_MEMORY_LIMIT`].
    pub memory_limit: Option<u64>,
    /// What reading one artifact ([`Source::Artifact`]) may unpack.
    pub artifact_limits: gofed_artifact::Limits,
    /// Where analyses keep their results and answer repeated calls from (`None`: every call analyses).
    pub cache: Option<cache::ResultCache>,
    /// The store the storage services read (`None`: the cache's store, if any).
    pub store: Option<gofed_store::Store>,
    /// Where the input storage services fetch from (forges, Koji, dist-git) and keep what they fetched (the
    /// download cache): the process's `[client]` configuration.
    pub client: gofed_service::ClientConfig,
}

impl ServiceContext {
    /// In-process use: paths allowed, no bundles.
    pub fn local() -> ServiceContext {
        ServiceContext {
            allow_paths: true,
            ..ServiceContext::default()
        }
    }
}

/// How many bytes one analysis may allocate (one build context of an API analysis; see
/// [`Budget`]). Loading and checking the whole Go 1.27 standard library charges about
/// 25 MB (the process peaks at 190 MB); a crafted tree (constants doubling a string, types whose printed form doubles)
/// stops here instead of taking the process's memory.
pub const ANALYSIS_MEMORY_LIMIT: u64 = 2 << 30;

impl ServiceContext {
    /// The budget an action's analysis runs under: `cancel` is the envelope's cancellation
    /// flag for the call (a timeout or shutdown sets it; `None` where no flag is passed).
    pub fn analysis_budget(&self, cancel: Option<Arc<AtomicBool>>) -> Budget {
        Budget::new(
            cancel,
            Some(self.memory_limit.unwrap_or(ANALYSIS_MEMORY_LIMIT)),
        )
    }
}

/// Runs an analysis on tokio's blocking pool with a [`Cancel`] that is set when its result can no longer be
/// delivered (the action timed out, the call was dropped, the envelope shut down); its errors are the user's to
/// read (`unprocessable`), except that a cancelled analysis answers `timeout` (504).
async fn blocking<T: Send + 'static>(
    action: &'static str,
    f: impl FnOnce(Cancel) -> anyhow::Result<T> + Send + 'static,
) -> Result<T, ServiceError> {
    match gofed_service::run_blocking(f).await {
        Ok(result) => result.map_err(|err| analysis_error(action, &err)),
        Err(err) => Err(ServiceError::internal("running an analysis", err)),
    }
}

/// Runs blocking I/O that answers service errors of its own (reading a repository) on tokio's blocking pool.
async fn run_blocking_io<T: Send + 'static>(
    what: &'static str,
    f: impl FnOnce() -> Result<T, ServiceError> + Send + 'static,
) -> Result<T, ServiceError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|err| ServiceError::internal(what, err))?
}

/// The service error for an analysis that failed: a [`BudgetError::Cancelled`] anywhere in the chain is a
/// timeout, anything else (an over-budget analysis included) is `unprocessable` with the whole chain as message.
fn analysis_error(action: &'static str, err: &anyhow::Error) -> ServiceError {
    // A load error wraps the budget's transparently: look for both.
    let cancelled = err.chain().any(|cause| {
        matches!(
            cause.downcast_ref::<BudgetError>(),
            Some(BudgetError::Cancelled)
        ) || matches!(
            cause.downcast_ref::<LoadError>(),
            Some(LoadError::Budget(BudgetError::Cancelled))
        )
    });
    if cancelled {
        // The envelope's own timeout (or shutdown) set the flag and answers for the call; its
        // duration is not known here.
        return ServiceError::Timeout {
            action: action.to_owned(),
            ms: 0,
        };
    }
    ServiceError::unprocessable(format!("{err:#}"))
}

/// A request that names no valid build context or option is refused before any tree is fetched (`unprocessable`,
/// in the words the command line uses); a service that does not read its machine's paths refuses a GOROOT too.
fn check_request(
    context: &ServiceContext,
    request: &(impl MachinePaths + CheckRequest),
) -> Result<(), ServiceError> {
    request
        .check()
        .map_err(|err| ServiceError::unprocessable(err.to_string()))?;
    if !context.allow_paths && request.goroot().is_some() {
        return Err(ServiceError::invalid_input(
            "goroot",
            "this service does not read paths of its own machine; leave goroot out (the embedded standard library \
             summary is used)",
        ));
    }
    Ok(())
}

/// `rendered` with the warnings of reading `trees` (entries of an artifact left out) first among its diagnostics,
/// once each, so that the command line prints them on stderr wherever the action ran.
fn with_source_warnings(mut rendered: Rendered, trees: &[&OpenedTree]) -> Rendered {
    let mut lines: Vec<String> = Vec::new();
    for tree in trees {
        for warning in tree.source_meta().map_or(&[][..], |m| &m.warnings) {
            let line = format!("warning: {warning}");
            if !lines.contains(&line) {
                lines.push(line);
            }
        }
    }
    if !lines.is_empty() {
        lines.append(&mut rendered.diagnostics);
        rendered.diagnostics = lines;
    }
    rendered
}

/// What an analysis action takes: a request the cache can key.
pub trait AnalysisRequest:
    MachinePaths + CheckRequest + CacheControl + serde::Serialize + Send + Sync + 'static
{
}
impl<T: MachinePaths + CheckRequest + CacheControl + serde::Serialize + Send + Sync + 'static>
    AnalysisRequest for T
{
}

/// A command's cached answer to `action` on `source` in this process (`api_analysis`, `deps_analysis`): the
/// stored result, opened to be written out as it is decompressed (a whole tree's API is 150 MB of text), when
/// `cache` holds it and the request takes a cached answer (not `no_cache`, not `record`). `None` otherwise: the
/// action is to be called next, as ever (it answers from the cache what it can: a result this could not open),
/// and takes the key computed here instead of keying the input again. The request must be checked
/// ([`CheckRequest`]); the key reads this machine's paths.
pub async fn stored_answer<Req: AnalysisRequest>(
    cache: &cache::ResultCache,
    action: &'static str,
    source: &Source,
    request: &Req,
) -> Option<cache::StoredAnswer> {
    if request.no_cache() || request.record() {
        return None;
    }
    let sources = vec![source.clone()];
    let key = cache.key(action, sources.clone(), request, true).await?;
    let answer = cache.open(&key).await;
    if answer.is_none() {
        // The action keys the same call next.
        cache.hand_over(&sources, key);
    }
    answer
}

/// The context's result cache with the key of this call, unless there is no cache or the call cannot be keyed.
async fn cache_key<Req: AnalysisRequest>(
    context: &ServiceContext,
    action: &'static str,
    sources: &[&Source],
    request: &Req,
) -> Option<(cache::ResultCache, gofed_store::ResultKey)> {
    let cache = context.cache.as_ref()?;
    let sources = sources.iter().map(|&s| s.clone()).collect();
    let key = cache
        .key(action, sources, request, context.allow_paths)
        .await?;
    Some((cache.clone(), key))
}

/// The record of an analysis of `tree` for `--store`, or why there is none (`unprocessable`).
fn record_of(tree: &OpenedTree) -> Result<record::Record, ServiceError> {
    record::record_of(tree).map_err(ServiceError::unprocessable)
}

/// Records a result under `record` in the cache's store (`--store`).
async fn record_result(
    cache: &cache::ResultCache,
    key: &gofed_store::ResultKey,
    written: std::io::Result<gofed_store::ResultWriter>,
    record: &record::Record,
) -> Result<(), ServiceError> {
    let written = written.map_err(|err| ServiceError::internal("serialising the result", err))?;
    cache
        .record(key, written, record)
        .await
        .map_err(|err| ServiceError::internal("recording the result in the store", err))
}

/// An action analysing the tree `source(request)` names with `analyse`, on the blocking pool, under the
/// context's [`ServiceContext::analysis_budget`]. The context's result cache answers a call it holds the
/// result of (unless `no_cache`), and keeps the result of any other; with `record`, the result is recorded
/// under the project revision or package that was read.
fn on_tree<Req: AnalysisRequest>(
    context: ServiceContext,
    action: &'static str,
    source: fn(&Req) -> &Source,
    analyse: fn(&OpenedTree, &Req, &Budget) -> anyhow::Result<Rendered>,
) -> impl Fn(Req) -> BoxFuture<Result<Rendered, ServiceError>> + Send + Sync + 'static {
    move |request: Req| {
        let context = context.clone();
        Box::pin(async move {
            check_request(&context, &request)?;
            let cache = cache_key(&context, action, &[source(&request)], &request).await;
            let record = request.record();
            if record && cache.is_none() {
                return Err(ServiceError::unprocessable(
                    "--store: this gofed has no store to record in ([store] url / GOFED_STORE is off, or the \
                     store could not be opened: see the log)",
                ));
            }
            if let (Some((cache, key)), false) = (&cache, request.no_cache()) {
                if let Some(hit) = cache.get(key, !record).await {
                    if !record {
                        return Ok(hit);
                    }
                    // What was read says what to record: the tree is opened, not analysed.
                    let tree = tree::open(&context, source(&request)).await?;
                    record_result(cache, key, cache::written(&hit), &record_of(&tree)?).await?;
                    return Ok(cache::mark_cached(hit));
                }
            }
            let tree = tree::open(&context, source(&request)).await?;
            // Refused before the analysis: nothing to record under.
            let record = if record {
                Some(record_of(&tree)?)
            } else {
                None
            };
            // The envelope sets the flag when the call's result can no longer be delivered.
            let rendered = blocking(action, move |cancel: Cancel| {
                let budget = context.analysis_budget(Some(cancel.flag()));
                analyse(&tree, &request, &budget).map(|r| with_source_warnings(r, &[&tree]))
            })
            .await?;
            match (&cache, &record) {
                (Some((cache, key)), Some(record)) => {
                    record_result(cache, key, cache::written(&rendered), record).await?;
                }
                (Some((cache, key)), None) => cache.put(key, &rendered).await,
                (None, _) => {}
            }
            Ok(rendered)
        })
    }
}

/// An action comparing the trees `old(request)` and `new(request)` (opened concurrently) with `diff`; cached as
/// [`on_tree`]'s.
fn on_two_trees<Req: AnalysisRequest>(
    context: ServiceContext,
    action: &'static str,
    old: fn(&Req) -> &Source,
    new: fn(&Req) -> &Source,
    diff: fn(&OpenedTree, &OpenedTree, &Req, &Budget) -> anyhow::Result<Rendered>,
) -> impl Fn(Req) -> BoxFuture<Result<Rendered, ServiceError>> + Send + Sync + 'static {
    move |request: Req| {
        let context = context.clone();
        Box::pin(async move {
            check_request(&context, &request)?;
            let cache =
                cache_key(&context, action, &[old(&request), new(&request)], &request).await;
            if let (Some((cache, key)), false) = (&cache, request.no_cache()) {
                if let Some(hit) = cache.get(key, true).await {
                    return Ok(hit);
                }
            }
            let (old, new) = tokio::try_join!(
                tree::open(&context, old(&request)),
                tree::open(&context, new(&request))
            )?;
            // The envelope sets the flag when the call's result can no longer be delivered.
            let rendered = blocking(action, move |cancel: Cancel| {
                let budget = context.analysis_budget(Some(cancel.flag()));
                diff(&old, &new, &request, &budget).map(|r| with_source_warnings(r, &[&old, &new]))
            })
            .await?;
            if let Some((cache, key)) = &cache {
                cache.put(key, &rendered).await;
            }
            Ok(rendered)
        })
    }
}

/// An action reading the trees `sources(request)` names (opened one after the other: each may be a bundle to
/// fetch and unpack, and they share the memory budget) with `analyse`; cached as [`on_tree`]'s.
fn on_trees<Req: AnalysisRequest>(
    context: ServiceContext,
    action: &'static str,
    sources: fn(&Req) -> Vec<&Source>,
    analyse: fn(&[OpenedTree], &Req, &Budget) -> anyhow::Result<Rendered>,
) -> impl Fn(Req) -> BoxFuture<Result<Rendered, ServiceError>> + Send + Sync + 'static {
    move |request: Req| {
        let context = context.clone();
        Box::pin(async move {
            check_request(&context, &request)?;
            if sources(&request).is_empty() {
                return Err(ServiceError::invalid_input(
                    "sources",
                    "at least one source",
                ));
            }
            let named: Vec<&Source> = sources(&request);
            let cache = cache_key(&context, action, &named, &request).await;
            if let (Some((cache, key)), false) = (&cache, request.no_cache()) {
                if let Some(hit) = cache.get(key, true).await {
                    return Ok(hit);
                }
            }
            let mut trees = Vec::new();
            for source in sources(&request) {
                trees.push(tree::open(&context, source).await?);
            }
            let rendered = blocking(action, move |cancel: Cancel| {
                let budget = context.analysis_budget(Some(cancel.flag()));
                let refs: Vec<&OpenedTree> = trees.iter().collect();
                analyse(&trees, &request, &budget).map(|r| with_source_warnings(r, &refs))
            })
            .await?;
            if let Some((cache, key)) = &cache {
                cache.put(key, &rendered).await;
            }
            Ok(rendered)
        })
    }
}

/// The `api` service.
pub fn api_service(context: ServiceContext) -> Service {
    Service::new(
        "api",
        VERSION,
        "exported API of Go trees (cmd/api's format) and API compatibility between versions (x/exp/apidiff)",
    )
    .action(
        "api_analysis",
        "The exported API of a tree's packages for one or several build contexts.",
        on_tree(context.clone(), "api_analysis", |r: &ApiRequest| &r.source, api::api_analysis),
    )
    .action(
        "api_diff",
        "API changes between two versions with x/exp/apidiff's rules; exit_code 1 when one is incompatible.",
        on_two_trees(context.clone(), "api_diff", |r: &ApidiffRequest| &r.old, |r| &r.new, apidiff::api_diff),
    )
    .action(
        "release_check",
        "gorelease's release check: the API changes between the base version and the module about to be \
         released, then the version to suggest, or whether the proposed one is valid (module path and major \
         version, v0 and pre-release rules, existing versions, requirements); exit_code 1 when it may not be \
         released.",
        on_trees(context.clone(), "release_check", release::ReleaseRequest::sources, release::release_check),
    )
    .action(
        "impact",
        "Which dependents a library's new version breaks: the incompatible changes from the old version to the \
         new one (apidiff) matched against every use each dependent makes of the old version's exported \
         objects, fields and methods, with positions; a verdict per dependent (breaks, unchecked, safe); \
         exit_code 1 when one breaks.",
        on_trees(context, "impact", impact::ImpactRequest::sources, impact::impact),
    )
}

/// The `deps` service.
pub fn deps_service(context: ServiceContext) -> Service {
    Service::new(
        "deps",
        VERSION,
        "imports of Go packages and external dependencies (go list semantics), and their diff between versions",
    )
    .action(
        "deps_analysis",
        "What each package imports and the project's external dependencies.",
        on_tree(context.clone(), "deps_analysis", |r: &DepsRequest| &r.source, deps::deps_analysis),
    )
    .action(
        "deps_diff",
        "What changed in the dependencies between two versions of a tree.",
        on_two_trees(context.clone(), "deps_diff", |r: &DepsdiffRequest| &r.old, |r| &r.new, depsdiff::deps_diff),
    )
    .action(
        "deps_graph",
        "The import graph of one or more trees between projects or packages: cycles (strongly connected \
         components) with the imports that close them, roots, leaves, a build order, and the imports no given \
         tree provides; text, JSON or Graphviz dot.",
        on_trees(context, "deps_graph", |r: &graph::GraphRequest| r.sources.iter().collect(), graph::deps_graph),
    )
}

/// The `license` service.
pub fn license_service(context: ServiceContext) -> Service {
    use license::{
        AbbreviationRequest, CompatibleRequest, LicenseRequest, LicensediffRequest,
        SummarizeRequest,
    };
    Service::new(
        "license",
        VERSION,
        "licenses of Go trees (license files matched against the SPDX list, SPDX headers), their diff between \
         versions, and license names",
    )
    .action(
        "license_analysis",
        "Every license file of the tree (vendored and nested modules included) with its SPDX identifier, score \
         and coverage, or why it is unknown; the SPDX-License-Identifier headers of .go files; one SPDX \
         expression for the whole (what Fedora's License: tag says).",
        on_tree(context.clone(), "license_analysis", |r: &LicenseRequest| &r.source, license::license_analysis),
    )
    .action(
        "license_diff",
        "License files added, removed and changed between two versions of a tree, and both SPDX expressions.",
        on_two_trees(context, "license_diff", |r: &LicensediffRequest| &r.old, |r| &r.new, license::license_diff),
    )
    .action(
        "license_abbreviation",
        "The SPDX identifier, full name, legacy Fedora name and Debian DEP-5 name of a license, given any of them.",
        |request: AbbreviationRequest| async move { Ok(license::license_abbreviation(&request)) },
    )
    .action(
        "license_summarize",
        "One SPDX expression for a license_analysis document (what Fedora's License: tag should say), with the \
         license files that were not recognised listed apart.",
        |request: SummarizeRequest| async move {
            license::license_summarize(request).map_err(|err| ServiceError::invalid_input("analysis", err))
        },
    )
    .action(
        "license_compatible",
        "Whether code under a license (an SPDX expression) may be combined into a work under another (an SPDX \
         id): yes, conditional, no or unknown, with the reason (permissive, weak, strong and network copyleft; \
         the FSF's GPL compatibility list and the licenses' relicensing clauses).",
        |request: CompatibleRequest| async move { Ok(license::license_compatible(&request)) },
    )
}

/// The `goland` service.
pub fn goland_service() -> Service {
    use goland::{ListingRequest, Package2UpstreamRequest, Upstream2PackageRequest};
    Service::new(
        "goland",
        VERSION,
        "Go import paths and Fedora's and Debian's package names, both ways",
    )
    .action(
        "golang_upstream2package",
        "The package each import path is in: its repository root named by Fedora's %gometa (go-rpm-macros' \
         rpmname, with or without -L) or by dh-make-golang for Debian, overrides first.",
        |request: Upstream2PackageRequest| async move { Ok(goland::upstream2package(&request)) },
    )
    .action(
        "golang_package2upstream",
        "The import paths (repository roots) each package holds: from the distribution's index of import paths \
         when given, else every root the name can stand for on the common providers.",
        |request: Package2UpstreamRequest| async move { Ok(goland::package2upstream(&request)) },
    )
    .action(
        "goland_package_listing",
        "The packages of a distribution's index of import paths, each with the repository roots it holds.",
        |request: ListingRequest| async move { Ok(goland::package_listing(&request)) },
    )
}

/// The `spec` service.
pub fn spec_service(context: ServiceContext) -> Service {
    use spec::{Query, SpecRequest};
    let on = |context: &ServiceContext, query: Query| {
        let context = context.clone();
        move |request: SpecRequest| spec::dependencies(context.clone(), request, query)
    };
    Service::new(
        "spec",
        VERSION,
        "RPM spec files read as rpm does at the source-RPM stage (Fedora 44, x86_64, Fedora's Go macros), from a \
         spec or a source RPM",
    )
    .action(
        "spec_summary",
        "Everything the spec declares: the source package (name, epoch, version, release, license, URL, sources, \
         patches, BuildRequires, ExclusiveArch), each binary package with its dependencies, the Go import paths, \
         and what rpm would refuse or what was not evaluated.",
        {
            let context = context.clone();
            move |request: SpecRequest| spec::summary(context.clone(), request)
        },
    )
    .action(
        "spec_provides",
        "The Provides of each binary package, with versions (rpm's own `NAME = EVR` included).",
        on(&context, Query::Provides),
    )
    .action(
        "spec_requires",
        "The Requires of each binary package, with versions and qualifiers (scriptlet interpreters included).",
        on(&context, Query::Requires),
    )
    .action(
        "spec_buildrequires",
        "The BuildRequires of the source package (those a %generate_buildrequires section adds are known only at \
         build time).",
        on(&context, Query::BuildRequires),
    )
}

/// The `gotest` service.
pub fn gotest_service(context: ServiceContext) -> Service {
    Service::new("gotest", VERSION, "Go tests run with the Go toolchain of the service's host")
        .action(
            "gotest_run",
            "`go test -json` on a tree (./... by default) in a private temporary directory (a copy of the tree, its \
             own GOPATH and HOME, the host's build cache; modules from the host's GOPROXY, else vendor/ only), killed at its timeout: per package and per test, pass, \
             fail, skip or timeout, the time taken, and the output of what failed.",
            move |request: gotest::GotestRequest| gotest::gotest_run(context.clone(), request),
        )
}

/// The `rpm` service.
pub fn rpm_service(context: ServiceContext) -> Service {
    Service::new("rpm", VERSION, "rpm's tools on the service's host: rpmlint").action(
        "rpm_lint",
        "rpmlint on a spec file, an RPM or a source RPM: each finding's severity, check, location and message, \
         and rpmlint's counts and exit status.",
        move |request: rpm::RpmLintRequest| rpm::rpm_lint(context.clone(), request),
    )
}

/// Names of the services this crate provides, in catalogue order.
pub const SERVICE_NAMES: [&str; 15] = [
    "api",
    "deps",
    "license",
    "goland",
    "spec",
    "gotest",
    "rpm",
    "filestorage",
    "scm",
    "apistorage",
    "depsstorage",
    "tarballstorage",
    "rpmstorage",
    "specstorage",
    "packagestorage",
];

/// The services named (each once, in the order given; names not in [`SERVICE_NAMES`] are skipped): the analyses
/// with `context`, `filestorage` storing in `blobs` and answering URLs under `public_url`.
pub fn services<S: AsRef<str>>(
    names: &[S],
    context: &ServiceContext,
    blobs: &Arc<gofed_service::BlobStore>,
    public_url: &str,
) -> Vec<Service> {
    let mut services: Vec<Service> = Vec::new();
    for name in names {
        let service = match name.as_ref() {
            "api" => api_service(context.clone()),
            "deps" => deps_service(context.clone()),
            "license" => license_service(context.clone()),
            "goland" => goland_service(),
            "spec" => spec_service(context.clone()),
            "gotest" => gotest_service(context.clone()),
            "rpm" => rpm_service(context.clone()),
            "filestorage" => filestorage::service(Arc::clone(blobs), public_url),
            "scm" => scm::service(context.clone(), Arc::clone(blobs)),
            "apistorage" => storage::apistorage_service(context),
            "depsstorage" => storage::depsstorage_service(context),
            "tarballstorage" => tarballstorage::service(context.clone(), Arc::clone(blobs)),
            "rpmstorage" => rpmstorage::service(context.clone(), Arc::clone(blobs)),
            "specstorage" => specstorage::service(context.clone(), Arc::clone(blobs)),
            "packagestorage" => packagestorage::service(context.clone(), Arc::clone(blobs)),
            _ => continue,
        };
        if !services.iter().any(|s| s.name() == service.name()) {
            services.push(with_scopes(service));
        }
    }
    services
}

/// The actions that store what they receive or fetch: with scoped tokens, they take a `write` one (the others,
/// analyses and reads, a `read` one; an analysis that records its result in the store takes `write` too, which
/// the envelope checks).
pub const WRITE_ACTIONS: [&str; 11] = [
    "upload",
    "upload_url",
    "scm_store",
    "tarball_get",
    "rpm_get",
    "rpm_get_by_name",
    "rpm_src_get",
    "spec_get",
    "spec_patch_get",
    "package_get",
    "package_get_commit",
];

fn with_scopes(mut service: Service) -> Service {
    for action in WRITE_ACTIONS {
        if service.actions().any(|a| a.name() == action) {
            service = service.requires(action, gofed_service::config::Scope::Write);
        }
    }
    service
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancelled_analyses_time_out_and_over_budget_ones_are_unprocessable() {
        let status = |err: anyhow::Error| analysis_error("api_analysis", &err).status();
        let cancelled = anyhow::Error::from(BudgetError::Cancelled).context("checking");
        assert_eq!(status(cancelled), 504);
        let load_cancelled = anyhow::Error::from(LoadError::Budget(BudgetError::Cancelled))
            .context("loading the old version");
        assert_eq!(status(load_cancelled), 504);
        let over = anyhow::Error::from(BudgetError::OverBudget {
            what: "constant values",
            limit: 10,
        });
        let err = analysis_error("api_analysis", &over);
        assert_eq!(err.status(), 422);
        assert_eq!(
            err.public_message(),
            "analysis exceeds its memory budget of 10 bytes (growing constant values)"
        );
    }
}
