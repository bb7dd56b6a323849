//! The scenarios `gofed api`, `apidiff`, `deps`, `depsdiff`: each builds a request, calls one action through the
//! [`System`] (in-process by default, remote when configured) and prints the rendered result.
//!
//! When the action runs remotely, every tree is packed into a bundle and uploaded to `filestorage` first (a bundle
//! the storage already has is not sent again); the service analyses it in memory at the client's path, so the
//! output is byte for byte what the in-process call prints.
//!
//! A SOURCE that is an artifact (an archive, an RPM, a download; see [`crate::source`]) is not unpacked here when
//! the action runs remotely: the file itself is uploaded (once: `filestorage` is content-addressed) and the
//! service reads it in memory with the same function an in-process call uses.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use gofed_service::system::FILESTORAGE;
use gofed_service::{BlobStore, ClientError, Config, Placement, System, SystemError};
use gofed_services::tree::OpenedTree;
use gofed_services::{
    bundle, ApiRequest, ApidiffRequest, ArtifactAt, CheckRequest, DepsRequest, DepsdiffRequest,
    Rendered, ServiceContext, Source,
};
use rayon::prelude::*;
use serde::Serialize;

use crate::cli::{
    ApiArgs, ApidiffArgs, ArtifactArgs, DepsArgs, DepsdiffArgs, GolandCommand, GolandNamingArgs,
    GraphArgs, LicenseArgs, LicenseCommand, ScmLogArgs, ScmStoreArgs, SystemArgs,
};
use crate::source::Resolved;

/// The bounds on reading an artifact: flags, else `[artifact]` / `GOFED_MAX_*`, else the reader's defaults.
pub fn artifact_limits(config: &Config, args: &ArtifactArgs) -> gofed_artifact::Limits {
    let defaults = gofed_artifact::Limits::default();
    let from_config = &config.artifact;
    gofed_artifact::Limits {
        max_entries: args
            .max_entries
            .or(from_config.max_entries)
            .unwrap_or(defaults.max_entries),
        max_file_size: args
            .max_file_size
            .or(from_config.max_file_size)
            .unwrap_or(defaults.max_file_size),
        max_total_size: args
            .max_unpacked_size
            .or(from_config.max_unpacked_size)
            .unwrap_or(defaults.max_total_size),
        max_ratio: args
            .max_ratio
            .or(from_config.max_ratio)
            .unwrap_or(defaults.max_ratio),
    }
}

/// The configured registry's client: `[system] registry`, with the `[client] token` and `[system.etcd]`.
pub fn connect_registry(
    system: &gofed_service::system::SystemConfig,
    client: &gofed_service::config::ClientConfig,
) -> anyhow::Result<Arc<dyn gofed_registry::Registry>> {
    let options = gofed_registry::ConnectOptions {
        token: client.token.clone(),
        etcd_tls: system.etcd.clone(),
    };
    gofed_registry::connect_with(&system.registry, &options)
        .with_context(|| format!("registry {}", system.registry))
}

/// The configuration: `--config` file (if any) < `GOFED_*` < flags.
pub fn config(args: &SystemArgs) -> anyhow::Result<Config> {
    let mut config = Config::load(args.config.as_deref())?;
    let known = gofed_services::SERVICE_NAMES;
    config.check_placed_services(&known, args.config.as_deref())?;
    if let Some(registry) = &args.registry {
        config.system.registry.clone_from(registry);
    }
    if args.token.is_some() {
        config.client.token.clone_from(&args.token);
    }
    if args.remote {
        config.system.default_placement = Placement::Remote;
    }
    // Every client of this process (services, registry, downloads) trusts the fleet's authority too.
    if let Some(ca_file) = &config.client.ca_file {
        gofed_service::tls::trust_ca_file(ca_file).context("[client] ca_file (GOFED_CA_FILE)")?;
    }
    match (&config.client.cert_file, &config.client.key_file) {
        (Some(cert), Some(key)) => gofed_service::tls::use_client_certificate(cert, key)
            .context("[client] cert_file/key_file (GOFED_CLIENT_CERT, GOFED_CLIENT_KEY)")?,
        (None, None) => {}
        _ => anyhow::bail!(
            "[client] cert_file and key_file (GOFED_CLIENT_CERT, GOFED_CLIENT_KEY) go together"
        ),
    }
    for spec in &args.placement {
        let (service, place) = spec
            .split_once('=')
            .with_context(|| format!("--placement {spec:?}: expected SERVICE=WHERE"))?;
        let origin = if args.placement_from_env {
            format!("GOFED_PLACEMENT {spec:?}")
        } else {
            format!("--placement {spec:?}")
        };
        gofed_service::config::check_placed_service(service, &known, &origin)?;
        let place: Placement = place
            .parse()
            .map_err(|err| anyhow::anyhow!("--placement {spec:?}: {err}"))?;
        if service == "*" {
            config.system.default_placement = place;
        } else {
            config.system.placement.insert(service.to_owned(), place);
        }
    }
    Ok(config)
}

/// The system the scenarios call: the analysis services compiled in, and the registry when anything is remote.
pub fn system(args: &SystemArgs) -> anyhow::Result<System> {
    system_of(config(args)?, &ArtifactArgs::default(), None)
}

/// [`system`] of a configuration, in-process analyses reading artifacts within `artifact`'s limits and keeping
/// their results in `cache`.
fn system_of(
    config: Config,
    artifact: &ArtifactArgs,
    cache: Option<gofed_services::cache::ResultCache>,
) -> anyhow::Result<System> {
    // In-process, file storage has no URL of its own: it answers paths.
    let blobs = Arc::new(BlobStore::at(config.server.blob_dir()));
    // In-process analyses run under the same per-analysis memory limit as `gofed serve`'s.
    let context = ServiceContext {
        memory_limit: config.server.analysis_memory_limit,
        artifact_limits: artifact_limits(&config, artifact),
        cache,
        client: config.client.clone(),
        ..ServiceContext::local()
    };
    let services = gofed_services::services(&gofed_services::SERVICE_NAMES, &context, &blobs, "");
    let any_remote = services
        .iter()
        .any(|s| *config.system.placement_of(s.name()) == Placement::Remote);
    let registry = if any_remote {
        Some(connect_registry(&config.system, &config.client)?)
    } else {
        None
    };
    Ok(System::new(
        services,
        config.system,
        config.client,
        registry,
    ))
}

/// Runs scenario actions on a runtime of its own (one per thread that calls actions).
pub(crate) struct Scenario {
    system: Arc<System>,
    runtime: tokio::runtime::Runtime,
    /// The download cache and forges, for SOURCEs to resolve.
    client: gofed_service::ClientConfig,
    /// Bounds on reading a git revision here, for a remote action.
    artifact_limits: gofed_artifact::Limits,
    /// Download URL SOURCEs again (`--refresh`).
    refresh: bool,
    /// The store `store:PROJECT@REV` SOURCEs are read from.
    store: gofed_service::StoreConfig,
    /// Where an in-process `filestorage` keeps its files.
    blob_dir: PathBuf,
    /// The result cache of the analyses that run here.
    cache: Option<gofed_services::cache::ResultCache>,
}

impl Scenario {
    pub(crate) fn new(args: &SystemArgs, artifact: &ArtifactArgs) -> anyhow::Result<Scenario> {
        Scenario::with_config(config(args)?, artifact)
    }

    /// [`Scenario::new`] with the configuration already loaded (for a command that reads more of it).
    pub(crate) fn with_config(config: Config, artifact: &ArtifactArgs) -> anyhow::Result<Scenario> {
        let client = config.client.clone();
        // One thread is enough to wait on calls and uploads (analyses run on the blocking pool and rayon), and
        // starts measurably faster than a pool: a whole-std `deps` takes tens of milliseconds.
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        // The store is opened only for analyses that run here; remote ones use their service's.
        let analyses_here = ["api", "deps"]
            .iter()
            .any(|name| *config.system.placement_of(name) == Placement::Local);
        let cache = if analyses_here {
            runtime.block_on(crate::store::result_cache(&config.store))
        } else {
            None
        };
        Ok(Scenario {
            client,
            artifact_limits: artifact_limits(&config, artifact),
            refresh: artifact.refresh,
            store: config.store.clone(),
            blob_dir: config.server.blob_dir(),
            system: Arc::new(system_of(config, artifact, cache.clone())?),
            cache,
            runtime,
        })
    }

    /// Resolves a SOURCE (downloading a URL into the cache).
    pub(crate) fn resolve(&self, spec: &str, rev: Option<&str>) -> anyhow::Result<Resolved> {
        if let Some(stored) = spec.strip_prefix(crate::store::STORE_SCHEME) {
            let path = self.runtime.block_on(crate::store::saved_api(
                stored,
                &self.store,
                &gofed_services::downloads::downloads_dir(&self.client)?,
            ))?;
            return crate::source::local_artifact(&path, spec);
        }
        crate::source::resolve(spec, rev, &self.client, self.refresh, &self.runtime)
    }

    /// A revision the store recorded, checked out from its project's repository and named `PROJECT@REV`.
    pub(crate) fn resolve_stored(
        &self,
        stored: &crate::store::StoredRevision,
    ) -> anyhow::Result<Resolved> {
        let mut resolved = self
            .resolve(&stored.project.repository, Some(&stored.revision.commit))
            .with_context(|| {
                format!(
                    "{}: checking out {} of {}",
                    stored.name(),
                    stored.revision.commit,
                    stored.project.repository
                )
            })?;
        if let Resolved::Git { name, .. } | Resolved::Artifact { name, .. } = &mut resolved {
            *name = stored.name();
        }
        Ok(resolved)
    }

    /// A source RPM of Koji by its file name, fetched by `rpm_get_by_name` (wherever `rpmstorage` runs) and kept
    /// in the download directory as `NAME.src.rpm-<sha256>`, named by its file name.
    pub(crate) fn resolve_source_rpm(&self, file_name: &str) -> anyhow::Result<Resolved> {
        let fetched: gofed_services::fetched::FetchedFile = self
            .call(
                "rpm_get_by_name",
                gofed_services::rpmstorage::RpmFileQuery {
                    package: file_name.to_owned(),
                },
            )
            .with_context(|| format!("{file_name}: fetching the stored package's source RPM"))?;
        let dir = gofed_services::downloads::downloads_dir(&self.client)?;
        let path = dir.join(format!("{file_name}-{}", fetched.file.sha256));
        if !path.is_file() {
            let bytes = self.fetch_file(&fetched.file)?;
            std::fs::create_dir_all(&dir).with_context(|| format!("{}", dir.display()))?;
            let partial = dir.join(format!(".partial-{}", std::process::id()));
            std::fs::write(&partial, &bytes)
                .and_then(|()| std::fs::rename(&partial, &path))
                .with_context(|| format!("{}", path.display()))?;
        }
        crate::source::downloaded_artifact(&path, file_name)
    }

    /// The sources for `action` of SOURCE arguments, each resolved (see [`Scenario::resolve`]) and named by
    /// itself in errors.
    pub(crate) fn sources_of_specs(
        &self,
        action: &str,
        specs: &[&str],
    ) -> anyhow::Result<Vec<Source>> {
        let resolved: Vec<Resolved> = specs
            .iter()
            .map(|spec| self.resolve(spec, None))
            .collect::<anyhow::Result<_>>()?;
        let trees: Vec<(Option<&str>, &Resolved)> = specs
            .iter()
            .zip(&resolved)
            .map(|(spec, r)| (Some(*spec), r))
            .collect();
        self.sources(action, &trees)
    }

    /// The sources for `action`, one per tree (`which` names the version in errors): the paths themselves when
    /// the action runs here, else directories packed as bundles (in parallel) and artifact files as they are,
    /// uploaded concurrently.
    pub(crate) fn sources(
        &self,
        action: &str,
        trees: &[(Option<&str>, &Resolved)],
    ) -> anyhow::Result<Vec<Source>> {
        let context = |which: Option<&str>, path: &Path| match which {
            Some(which) => format!("loading the {which} version"),
            None => format!("{}", path.display()),
        };
        // The same check, with the same message, wherever the action runs (the message names the path already).
        for &(which, resolved) in trees {
            if let Resolved::Directory(path) = resolved {
                let opened = OpenedTree::directory(path);
                match which {
                    Some(which) => {
                        opened.with_context(|| format!("loading the {which} version"))?
                    }
                    None => opened?,
                };
            }
        }
        let service = self.system.service_of(action)?;
        if self.system.is_local(service) {
            return Ok(trees
                .iter()
                .map(|(_, resolved)| match resolved {
                    Resolved::Directory(path) => Source::Path(path.clone()),
                    Resolved::Artifact { path, name, mount } => Source::Artifact {
                        at: ArtifactAt::Path(path.clone()),
                        name: name.clone(),
                        mount: mount.clone(),
                        read: None,
                    },
                    Resolved::Git {
                        repo,
                        rev,
                        dir,
                        name,
                        mount,
                    } => Source::Artifact {
                        at: ArtifactAt::Git {
                            repo: repo.clone(),
                            rev: rev.clone(),
                            dir: dir.clone(),
                        },
                        name: name.clone(),
                        mount: mount.clone(),
                        read: None,
                    },
                })
                .collect());
        }
        if self.system.is_local(FILESTORAGE) {
            anyhow::bail!(
                "service `{service}` runs remotely, so trees are uploaded to `{FILESTORAGE}`, which is placed local: \
                 place it remote too (--placement {FILESTORAGE}=remote, or --remote)"
            );
        }
        /// What one tree uploads: a bundle of a directory, an artifact file's bytes as they are, or the files of a
        /// git revision (read here: the service has no repository) packed as a tar, with what was read.
        enum Upload {
            Bundle(bundle::Bundle),
            Artifact {
                bytes: Vec<u8>,
                name: String,
                mount: PathBuf,
                read: Option<Box<gofed_services::SourceMeta>>,
            },
        }
        let mut uploads: Vec<Upload> = trees
            .par_iter()
            .map(|&(which, resolved)| match resolved {
                Resolved::Directory(path) => Ok(Upload::Bundle(
                    bundle::pack(path).with_context(|| context(which, path))?,
                )),
                Resolved::Artifact { path, name, mount } => Ok(Upload::Artifact {
                    bytes: std::fs::read(path).with_context(|| name.clone())?,
                    name: name.clone(),
                    mount: mount.clone(),
                    read: None,
                }),
                Resolved::Git {
                    repo,
                    rev,
                    dir,
                    name,
                    mount,
                } => {
                    let artifact =
                        gofed_artifact::git::open_dir(repo, rev, dir, &self.artifact_limits)?;
                    let read = gofed_services::artifact::source_meta(name, &artifact);
                    Ok(Upload::Artifact {
                        bytes: gofed_services::artifact::pack_files(&artifact.files)
                            .with_context(|| format!("packing {name}"))?,
                        name: name.clone(),
                        mount: mount.clone(),
                        read: Some(Box::new(read)),
                    })
                }
            })
            .collect::<anyhow::Result<_>>()?;
        let files = self.runtime.block_on(async {
            let mut tasks = tokio::task::JoinSet::new();
            for (index, upload) in uploads.iter_mut().enumerate() {
                let bytes = match upload {
                    Upload::Bundle(bundle) => {
                        tracing::info!(files = bundle.files, bytes = bundle.bytes.len(), mount = %bundle.mount.display(), "uploading a bundle");
                        std::mem::take(&mut bundle.bytes)
                    }
                    Upload::Artifact { bytes, name, .. } => {
                        tracing::info!(bytes = bytes.len(), %name, "uploading an artifact");
                        std::mem::take(bytes)
                    }
                };
                let system = Arc::clone(&self.system);
                tasks.spawn(async move { (index, system.upload_bytes(bytes.into()).await) });
            }
            let mut files = vec![None; uploads.len()];
            while let Some(joined) = tasks.join_next().await {
                let (index, file) = joined.context("an upload task failed")?;
                let what = match trees[index].1 {
                    Resolved::Directory(path) => path.display().to_string(),
                    Resolved::Artifact { name, .. } | Resolved::Git { name, .. } => name.clone(),
                };
                files[index] = Some(file.with_context(|| format!("uploading {what}"))?);
            }
            Ok::<_, anyhow::Error>(files)
        })?;
        Ok(uploads
            .into_iter()
            .zip(files)
            .filter_map(|(upload, file)| {
                let file = file?;
                Some(match upload {
                    Upload::Bundle(bundle) => Source::Bundle {
                        file,
                        mount: bundle.mount,
                        root: bundle.root,
                    },
                    Upload::Artifact {
                        name, mount, read, ..
                    } => Source::Artifact {
                        at: ArtifactAt::File(file),
                        name,
                        mount,
                        read,
                    },
                })
            })
            .collect())
    }

    /// The source of one tree.
    pub(crate) fn source(
        &self,
        action: &str,
        spec: &str,
        rev: Option<&str>,
    ) -> anyhow::Result<Source> {
        let resolved = self.resolve(spec, rev)?;
        self.sources(action, &[(None, &resolved)])?
            .pop()
            .context("no source")
    }

    /// The sources of an old and a new version.
    fn old_new(&self, action: &str, old: &str, new: &str) -> anyhow::Result<(Source, Source)> {
        let old = self.resolve(old, None).context("loading the old version")?;
        let new = self.resolve(new, None).context("loading the new version")?;
        let mut sources = self.sources(action, &[(Some("old"), &old), (Some("new"), &new)])?;
        match (sources.pop(), sources.pop()) {
            (Some(new), Some(old)) => Ok((old, new)),
            _ => anyhow::bail!("missing sources"),
        }
    }

    /// Calls `action` and answers its result.
    pub(crate) fn call<Req, Out>(&self, action: &str, request: Req) -> anyhow::Result<Out>
    where
        Req: Serialize + Send + Sync + 'static,
        Out: serde::de::DeserializeOwned + Send + 'static,
    {
        self.runtime
            .block_on(self.system.call(action, request))
            .map_err(user_error)
    }

    /// The bytes of `file`, which an action stored in `filestorage` (in-process: in this machine's blob
    /// directory), checked against its sha256.
    pub(crate) fn fetch_file(&self, file: &gofed_service::FileRef) -> anyhow::Result<Vec<u8>> {
        let sha256 = file.sha256.to_string();
        if self.system.is_local(FILESTORAGE) {
            let blobs = BlobStore::at(self.blob_dir.clone());
            return self
                .runtime
                .block_on(blobs.read(&sha256))?
                .with_context(|| format!("file {sha256} is not in {}", self.blob_dir.display()));
        }
        Ok(self.runtime.block_on(self.system.fetch(file))?.to_vec())
    }

    /// Runs `future` (store calls, for instance) on this scenario's runtime.
    pub(crate) fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// The system the actions are called through.
    pub(crate) fn system(&self) -> &System {
        &self.system
    }

    /// Where the store is (`[store]`).
    pub(crate) fn store_config(&self) -> &gofed_service::StoreConfig {
        &self.store
    }

    /// The download cache and forges.
    pub(crate) fn client_config(&self) -> &gofed_service::ClientConfig {
        &self.client
    }

    /// The bounds on reading an archive.
    pub(crate) fn artifact_limits(&self) -> &gofed_artifact::Limits {
        &self.artifact_limits
    }

    /// [`Scenario::run`] of an analysis of the tree `source(&request)`, answered from the store as it is read
    /// when it runs here and the store holds its result: a cached answer is written out as it is decompressed,
    /// never held whole (a whole tree's API is 150 MB of text).
    pub(crate) fn run_analysis<Req: gofed_services::AnalysisRequest>(
        &self,
        action: &'static str,
        request: Req,
        source: fn(&Req) -> &Source,
    ) -> anyhow::Result<ExitCode> {
        let started = std::time::Instant::now();
        let stored = match &self.cache {
            Some(cache) if self.system.is_local(self.system.service_of(action)?) => {
                self.runtime.block_on(gofed_services::stored_answer(
                    cache,
                    action,
                    source(&request),
                    &request,
                ))
            }
            _ => None,
        };
        let Some(answer) = stored else {
            return self.run(action, request);
        };
        tracing::info!(
            action,
            placement = "in-process",
            cached = true,
            ms = started.elapsed().as_millis(),
            exit_code = answer.exit_code(),
            "action done"
        );
        let exit_code = answer.exit_code();
        // As `run` prints them (stderr's failure does not change the outcome).
        let _ = answer.write_diagnostics(&mut std::io::stderr().lock());
        crate::output::write_stdout(|out| answer.write_document(out))?;
        Ok(ExitCode::from(exit_code))
    }

    /// Calls `action` and prints what it rendered; the exit status is the action's.
    pub(crate) fn run<Req: Serialize + Send + Sync + 'static>(
        &self,
        action: &str,
        request: Req,
    ) -> anyhow::Result<ExitCode> {
        let started = std::time::Instant::now();
        let rendered: Rendered = self.call(action, request)?;
        let service = self.system.service_of(action)?;
        tracing::info!(
            action,
            placement = if self.system.is_local(service) {
                "in-process"
            } else {
                "remote"
            },
            ms = started.elapsed().as_millis(),
            exit_code = rendered.exit_code,
            "action done"
        );
        // Errors and warnings first, on stderr, as the action worded them (the same wherever it ran); a full or
        // closed stderr has nobody to tell and does not change the outcome.
        let _ = rendered.write_diagnostics(&mut std::io::stderr().lock());
        crate::output::write_stdout(|out| rendered.write_to(out))?;
        Ok(ExitCode::from(rendered.exit_code))
    }
}

/// An analysis that failed on its input says why in the same words wherever it ran; other errors keep their
/// chain (which instance, which transport failure).
fn user_error(err: SystemError) -> anyhow::Error {
    match &err {
        SystemError::Remote(ClientError::Service {
            code, message, url, ..
        }) if code == "unprocessable" => {
            tracing::info!(%url, "the action failed remotely");
            anyhow::anyhow!("{message}")
        }
        _ => err.into(),
    }
}

/// The standard library for the analysis: `--goroot`, else `$GOROOT`. A remote service has no access to this
/// machine's GOROOT, so there it must not be set.
fn goroot(scenario: &Scenario, flag: Option<&Path>) -> anyhow::Result<Option<std::path::PathBuf>> {
    let goroot = flag.map(Path::to_owned).or_else(|| {
        std::env::var_os("GOROOT")
            .filter(|g| !g.is_empty())
            .map(Into::into)
    });
    if goroot.is_some() && !scenario.system.is_local("api") {
        anyhow::bail!(
            "--goroot/GOROOT names a directory of this machine, but `api` runs remotely (with the embedded \
             standard library summary): unset it, or place api local"
        );
    }
    Ok(goroot)
}

/// Refuses a request whose build context or options no analysis can use before any tree is packed or uploaded;
/// the action checks it again (a remote service answers 422), in the same words.
pub(crate) fn check(request: &impl CheckRequest) -> anyhow::Result<()> {
    Ok(request.check()?)
}

pub fn api(system: &SystemArgs, args: &ApiArgs) -> anyhow::Result<ExitCode> {
    let scenario = Scenario::new(system, &args.artifact)?;
    let mut request = ApiRequest {
        source: Source::Path(PathBuf::from(&args.source)),
        context: args.context.build_context(),
        contexts: args.contexts.clone(),
        goroot: goroot(&scenario, args.goroot.as_deref())?,
        format: args.format,
        allow_errors: args.allow_errors,
        record: args.store,
        no_cache: args.no_cache,
    };
    check(&request)?;
    request.source = scenario.source("api_analysis", &args.source, args.rev.as_deref())?;
    scenario.run_analysis("api_analysis", request, |r| &r.source)
}

pub fn apidiff(system: &SystemArgs, args: &ApidiffArgs) -> anyhow::Result<ExitCode> {
    let scenario = Scenario::new(system, &args.artifact)?;
    let mut request = ApidiffRequest {
        old: Source::Path(PathBuf::from(&args.old)),
        new: Source::Path(PathBuf::from(&args.new)),
        context: args.context.build_context(),
        package: args.package.clone(),
        base_version: args.base_version.clone(),
        goroot: goroot(&scenario, args.goroot.as_deref())?,
        format: args.format,
        allow_errors: args.allow_errors,
        no_cache: args.no_cache,
    };
    check(&request)?;
    (request.old, request.new) = scenario.old_new("api_diff", &args.old, &args.new)?;
    scenario.run("api_diff", request)
}

pub fn deps(system: &SystemArgs, args: &DepsArgs) -> anyhow::Result<ExitCode> {
    let scenario = Scenario::new(system, &args.artifact)?;
    let mut request = DepsRequest {
        source: Source::Path(PathBuf::from(&args.source)),
        context: args.context.build_context(),
        tests: args.tests,
        std: args.std,
        format: args.format,
        allow_errors: args.allow_errors,
        record: args.store,
        no_cache: args.no_cache,
    };
    check(&request)?;
    request.source = scenario.source("deps_analysis", &args.source, args.rev.as_deref())?;
    scenario.run_analysis("deps_analysis", request, |r| &r.source)
}

pub fn depsdiff(system: &SystemArgs, args: &DepsdiffArgs) -> anyhow::Result<ExitCode> {
    let scenario = Scenario::new(system, &args.artifact)?;
    let mut request = DepsdiffRequest {
        old: Source::Path(PathBuf::from(&args.old)),
        new: Source::Path(PathBuf::from(&args.new)),
        context: args.context.build_context(),
        tests: args.tests,
        std: args.std,
        format: args.format,
        no_cache: args.no_cache,
    };
    check(&request)?;
    (request.old, request.new) = scenario.old_new("deps_diff", &args.old, &args.new)?;
    scenario.run("deps_diff", request)
}

/// `gofed license SOURCE`, `gofed license diff OLD NEW`, `gofed license name NAME`.
pub fn license(system: &SystemArgs, args: &LicenseArgs) -> anyhow::Result<ExitCode> {
    use gofed_services::license::{
        AbbreviationRequest, Abbreviations, CompatibleAnswer, CompatibleRequest, LicenseRequest,
        LicensediffRequest, SummarizeRequest, SummaryAnswer,
    };
    match &args.command {
        None => {
            let args = &args.analysis;
            let source = args.source.as_deref().context("no SOURCE")?;
            let scenario = Scenario::new(system, &args.artifact)?;
            let request = LicenseRequest {
                source: scenario.source("license_analysis", source, args.rev.as_deref())?,
                format: args.format,
                no_cache: args.no_cache,
                record: args.store,
            };
            scenario.run("license_analysis", request)
        }
        Some(LicenseCommand::Diff(args)) => {
            let scenario = Scenario::new(system, &args.artifact)?;
            let (old, new) = scenario.old_new("license_diff", &args.old, &args.new)?;
            let request = LicensediffRequest {
                old,
                new,
                format: args.format,
                no_cache: args.no_cache,
            };
            scenario.run("license_diff", request)
        }
        Some(LicenseCommand::Name(args)) => {
            let scenario = Scenario::new(system, &ArtifactArgs::default())?;
            let request = AbbreviationRequest {
                name: args.name.clone(),
            };
            let found: Abbreviations = scenario.call("license_abbreviation", request)?;
            crate::output::print_as(args.format, &found, |out| {
                for (n, license) in found.licenses.iter().enumerate() {
                    if n > 0 {
                        writeln!(out)?;
                    }
                    writeln!(out, "SPDX: {}", license.spdx)?;
                    writeln!(out, "full name: {}", license.full_name)?;
                    writeln!(out, "Fedora (legacy): {}", license.fedora_legacy)?;
                    writeln!(out, "Debian: {}", license.debian)?;
                }
                Ok(())
            })?;
            if found.licenses.is_empty() {
                // An unknown name answers "no" (exit 1), as grep does: the message says which.
                eprintln!(
                    "gofed: license name {:?}: not known (an SPDX id, Debian or Fedora name)",
                    found.name
                );
                return Ok(ExitCode::from(1));
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(LicenseCommand::Summarize(args)) => {
            let text = crate::output::read_input(&args.analysis, "analysis")?;
            let analysis: serde_json::Value = serde_json::from_str(&text)
                .with_context(|| format!("{}: not JSON", args.analysis.display()))?;
            let scenario = Scenario::new(system, &ArtifactArgs::default())?;
            let summary: SummaryAnswer =
                scenario.call("license_summarize", SummarizeRequest { analysis })?;
            crate::output::print_as(args.format, &summary, |out| {
                let expression = if summary.expression.is_empty() {
                    "none found"
                } else {
                    &summary.expression
                };
                writeln!(out, "license: {expression}")?;
                if !summary.unknown_files.is_empty() {
                    writeln!(
                        out,
                        "not recognised (check by hand): {}",
                        summary.unknown_files.join(", ")
                    )?;
                }
                Ok(())
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Some(LicenseCommand::Compatible(args)) => {
            let scenario = Scenario::new(system, &ArtifactArgs::default())?;
            let request = CompatibleRequest {
                license: args.license.clone(),
                into: args.into.clone(),
            };
            let answer: CompatibleAnswer = scenario.call("license_compatible", request)?;
            crate::output::print_as(args.format, &answer, |out| {
                writeln!(
                    out,
                    "{} into {}: {}",
                    answer.license, answer.into, answer.verdict
                )?;
                for reason in &answer.reasons {
                    writeln!(out, "  {reason}")?;
                }
                Ok(())
            })?;
            let fits = matches!(answer.verdict.as_str(), "yes" | "conditional");
            Ok(if fits {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

/// `gofed graph SOURCE...`.
pub fn graph(system: &SystemArgs, args: &GraphArgs) -> anyhow::Result<ExitCode> {
    let scenario = Scenario::new(system, &args.artifact)?;
    let mut request = gofed_services::graph::GraphRequest {
        sources: Vec::new(),
        context: args.context.build_context(),
        level: args.level,
        tests: args.tests,
        missing: args.missing,
        format: args.format,
        no_cache: args.no_cache,
    };
    check(&request)?;
    let specs: Vec<&str> = args.sources.iter().map(String::as_str).collect();
    request.sources = scenario.sources_of_specs("deps_graph", &specs)?;
    scenario.run("deps_graph", request)
}

/// `gofed impact OLD NEW DEPENDENT...`.
pub fn impact(system: &SystemArgs, args: &crate::cli::ImpactArgs) -> anyhow::Result<ExitCode> {
    let scenario = Scenario::new(system, &args.artifact)?;
    let mut request = gofed_services::impact::ImpactRequest {
        old: Source::Path(PathBuf::from(&args.old)),
        new: Source::Path(PathBuf::from(&args.new)),
        dependents: Vec::new(),
        context: args.context.build_context(),
        goroot: goroot(&scenario, args.goroot.as_deref())?,
        format: args.format,
        no_cache: args.no_cache,
    };
    check(&request)?;
    let store = scenario
        .runtime
        .block_on(crate::store::open(&scenario.store))?;
    // OLD and NEW: a stored `PROJECT@REV` (unless the path exists), else a SOURCE. Each tree is named in
    // errors by what the command line (or the store) calls it.
    let mut stored_old = None;
    let mut resolved: Vec<(String, Resolved)> = Vec::new();
    for (i, spec) in [&args.old, &args.new].into_iter().enumerate() {
        let on_disk = spec
            .rsplit_once('@')
            .is_some_and(|(path, _)| Path::new(path).exists());
        let stored = match &store {
            Some(store) if !on_disk => scenario
                .runtime
                .block_on(crate::store::find_stored_revision(store, spec))?,
            _ => None,
        };
        match stored {
            Some(stored) => {
                resolved.push((stored.name(), scenario.resolve_stored(&stored)?));
                if i == 0 {
                    stored_old = Some(stored);
                }
            }
            None => resolved.push((spec.clone(), scenario.resolve(spec, None)?)),
        }
    }
    for spec in &args.dependents {
        resolved.push((spec.clone(), scenario.resolve(spec, None)?));
    }
    if args.dependents_from_store {
        let (Some(store), Some(old)) = (&store, &stored_old) else {
            anyhow::bail!(
                "--dependents-from-store: OLD ({}) must be a revision of a project the store recorded \
                 (PROJECT@REV; gofed store list projects)",
                args.old
            );
        };
        let library = &old.project.import_path;
        let found = scenario
            .runtime
            .block_on(crate::store::stored_dependents(store, library))?;
        tracing::info!("{} stored dependents of {library}", found.len());
        for dependent in &found {
            resolved.push(match dependent {
                crate::store::StoredDependent::Revision(revision) => {
                    (revision.name(), scenario.resolve_stored(revision)?)
                }
                crate::store::StoredDependent::Package(source_rpm) => {
                    (source_rpm.clone(), scenario.resolve_source_rpm(source_rpm)?)
                }
            });
        }
    }
    let trees: Vec<(Option<&str>, &Resolved)> = resolved
        .iter()
        .map(|(name, r)| (Some(name.as_str()), r))
        .collect();
    let mut sources = scenario.sources("impact", &trees)?.into_iter();
    request.old = sources.next().context("no OLD")?;
    request.new = sources.next().context("no NEW")?;
    request.dependents = sources.collect();
    scenario.run("impact", request)
}

/// `gofed goland upstream2package|package2upstream|listing`.
pub fn goland(system: &SystemArgs, command: &GolandCommand) -> anyhow::Result<ExitCode> {
    use gofed_services::goland::{
        ListedPackage, ListingRequest, NamingOptions, Package2UpstreamRequest, PackageOf,
        Upstream2PackageRequest, UpstreamOf,
    };
    let config = config(system)?;
    let goland = config.goland.clone();
    let scenario = Scenario::with_config(config, &ArtifactArgs::default())?;
    let options = |args: &GolandNamingArgs| {
        let mut overrides = goland.overrides.clone();
        overrides.extend(args.overrides.iter().cloned());
        NamingOptions {
            distro: args.distro,
            new_versioning: args.new_versioning,
            overrides,
        }
    };
    // The index: --index, else `[goland] index`; a file, stdin (`-`) or a URL.
    let index = |given: &Option<String>| -> anyhow::Result<Option<String>> {
        let Some(spec) = given.as_ref().or(goland.index.as_ref()) else {
            return Ok(None);
        };
        if spec.starts_with("https://") || spec.starts_with("http://") {
            let file = scenario
                .block_on(gofed_services::downloads::download(
                    spec,
                    scenario.client_config(),
                    true,
                ))
                .with_context(|| format!("index {spec}"))?;
            return Ok(Some(
                std::fs::read_to_string(&file).with_context(|| format!("index {spec}"))?,
            ));
        }
        crate::output::read_input(Path::new(spec), "index").map(Some)
    };
    match command {
        GolandCommand::Upstream2package(args) => {
            let naming = options(&args.naming);
            let vanity_roots = if goland.vanity && !args.no_vanity {
                crate::vanity::roots(&scenario, &args.import_paths, &naming.overrides)
            } else {
                BTreeMap::new()
            };
            let request = Upstream2PackageRequest {
                import_paths: args.import_paths.clone(),
                vanity_roots,
                naming,
            };
            let found: Vec<PackageOf> = scenario.call("golang_upstream2package", request)?;
            crate::output::print_as(args.naming.format, &found, |out| {
                for p in &found {
                    let root = if !p.root_known {
                        " (a host without known rules: the whole path named)".to_owned()
                    } else if p.root != p.import_path {
                        format!(" (root {})", p.root)
                    } else {
                        String::new()
                    };
                    writeln!(out, "{}: {}{root}", p.import_path, p.package)?;
                }
                Ok(())
            })?;
            Ok(ExitCode::SUCCESS)
        }
        GolandCommand::Package2upstream(args) => {
            let request = Package2UpstreamRequest {
                packages: args.packages.clone(),
                index: index(&args.index)?,
                naming: options(&args.naming),
            };
            let found: Vec<UpstreamOf> = scenario.call("golang_package2upstream", request)?;
            crate::output::print_as(args.naming.format, &found, |out| {
                for p in &found {
                    match p.import_paths.as_slice() {
                        [] => writeln!(out, "{}: no import path known", p.package)?,
                        paths => writeln!(out, "{}: {}", p.package, paths.join(" "))?,
                    }
                }
                Ok(())
            })?;
            let all_found = found.iter().all(|p| !p.import_paths.is_empty());
            Ok(if all_found {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        GolandCommand::Listing(args) => {
            let request = ListingRequest {
                index: index(&args.index)?.context(
                    "no index: give --index FILE|URL, or set [goland] index (GOFED_GOLAND_INDEX)",
                )?,
                naming: options(&args.naming),
            };
            let found: Vec<ListedPackage> = scenario.call("goland_package_listing", request)?;
            crate::output::print_as(args.naming.format, &found, |out| {
                for p in &found {
                    let s = if p.import_paths == 1 { "" } else { "s" };
                    writeln!(
                        out,
                        "{}: {} ({} import path{s})",
                        p.package,
                        p.roots.join(" "),
                        p.import_paths
                    )?;
                }
                Ok(())
            })?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The repository of an `scm` command and the revision to read (`rev`, else the repository's default): a path
/// made absolute (a remote service, started with `--allow-paths` and sharing this file system, reads the same
/// directory, and errors name the same path wherever the action ran), or a repository URL, an `http(s)://…/REPO.git`
/// one cloned or fetched into the cache first.
fn repository(
    scenario: &Scenario,
    path: &Path,
    rev: Option<&str>,
) -> anyhow::Result<(Source, Option<String>)> {
    let url = path
        .to_str()
        .filter(|_| !path.exists())
        .and_then(crate::source::git_url);
    let Some((url, url_rev)) = url else {
        let absolute = std::path::absolute(path).with_context(|| format!("{}", path.display()))?;
        return Ok((Source::Path(absolute), rev.map(str::to_owned)));
    };
    if url_rev.is_some() {
        anyhow::bail!(
            "{}: name the revision with --branch (scm log) or --rev (scm store)",
            path.display()
        );
    }
    let at = gofed_services::downloads::repository_at(url, &scenario.client)?;
    let rev = match rev {
        Some(rev) => rev,
        None if at.cloned => at.default_rev,
        None => return Ok((Source::Path(at.dir), None)),
    };
    if at.cloned {
        // Checked here, so that an unknown revision is an error naming the URL (not the clone in the cache).
        gofed_services::gitclone::commit_of(&at.dir, url, rev)?;
    }
    Ok((Source::Path(at.dir), Some(rev.to_owned())))
}

pub fn scm_log(system: &SystemArgs, args: &ScmLogArgs) -> anyhow::Result<ExitCode> {
    let scenario = Scenario::new(system, &ArtifactArgs::default())?;
    let (source, branch) = repository(&scenario, &args.source, args.branch.as_deref())?;
    let request = gofed_services::scm::ScmLogRequest {
        source,
        branch,
        max_depth: args.max_depth,
        since: args.since,
        format: args.format,
    };
    scenario.run("scm_log", request)
}

pub fn scm_store(system: &SystemArgs, args: &ScmStoreArgs) -> anyhow::Result<ExitCode> {
    let scenario = Scenario::new(system, &ArtifactArgs::default())?;
    let (source, revision) = repository(&scenario, &args.source, args.rev.as_deref())?;
    let request = gofed_services::scm::ScmStoreRequest { source, revision };
    let stored: gofed_services::scm::StoredRevision = scenario.call("scm_store", request)?;
    for warning in &stored.warnings {
        eprintln!("warning: {warning}");
    }
    crate::output::write_stdout(|out| writeln!(out, "{}", stored.file.sha256))?;
    Ok(ExitCode::SUCCESS)
}
