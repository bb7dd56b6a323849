//! The store as the command line and `gofed serve` open it: from the `[store]` configuration (`GOFED_STORE`),
//! SQLite in the default directory when nothing names one; and `gofed store info|list|show|gc`, which open it
//! directly (a PostgreSQL store from any machine that reaches it).

use std::process::ExitCode;

use anyhow::Context as _;
use gofed_service::StoreConfig;
use gofed_services::cache::{ResultCache, ENGINE};
use gofed_services::Format;
use gofed_store::{Cursor, PageRequest, Store};
use serde::Serialize;

use crate::cli::{
    ScanAction, StoreCommand, StoreListArgs, StoreListing, StoreShowArgs, SystemArgs,
};

/// Where the configuration puts the store; `None` when it says `off`.
#[derive(Debug)]
enum Location {
    Sqlite(std::path::PathBuf),
    Postgres(String),
}

fn location(config: &StoreConfig) -> anyhow::Result<Option<Location>> {
    Ok(match config.url.as_deref().map(str::trim) {
        Some("off") => None,
        Some(url) if url.starts_with("sqlite:") => {
            let dir = &url["sqlite:".len()..];
            anyhow::ensure!(!dir.is_empty(), "store {url:?}: sqlite: needs a directory");
            Some(Location::Sqlite(dir.into()))
        }
        Some(url) if !url.is_empty() => Some(Location::Postgres(url.to_owned())),
        _ => Some(Location::Sqlite(gofed_store::default_store_dir().context(
            "no store directory: set GOFED_STORE_DIR (or HOME), or [store] url",
        )?)),
    })
}

/// Opens the configured store; `None` when it is `off`.
pub async fn open(config: &StoreConfig) -> anyhow::Result<Option<Store>> {
    Ok(match location(config)? {
        None => None,
        Some(Location::Sqlite(dir)) => Some(
            Store::open_sqlite(&dir)
                .await
                .with_context(|| format!("store {}", dir.display()))?,
        ),
        Some(Location::Postgres(url)) => Some(
            Store::connect_postgres(&url)
                .await
                .context("store (PostgreSQL)")?,
        ),
    })
}

/// The result cache of the analyses: the configured store unless caching is off. A store that cannot be opened
/// costs the cache, not the analysis: it is logged and the analyses run uncached.
pub async fn result_cache(config: &StoreConfig) -> Option<ResultCache> {
    if !config.cache {
        return None;
    }
    match open(config).await {
        Ok(store) => store.map(ResultCache::new),
        Err(err) => {
            tracing::warn!("result cache off: {err:#}");
            None
        }
    }
}

/// A revision of a project the store recorded, to check out from the project's repository.
#[derive(Debug, Clone)]
pub struct StoredRevision {
    pub project: gofed_store::Project,
    pub revision: gofed_store::Revision,
}

impl StoredRevision {
    /// `PROJECT@TAG`, else `PROJECT@COMMIT`.
    pub fn name(&self) -> String {
        let rev = self
            .revision
            .tag
            .as_deref()
            .unwrap_or(&self.revision.commit);
        format!("{}@{rev}", self.project.import_path)
    }
}

/// `PROJECT@REV` (`REV` a tag or a commit id) as the store recorded it; `None` when the store has no such
/// project or revision.
pub async fn find_stored_revision(
    store: &Store,
    spec: &str,
) -> anyhow::Result<Option<StoredRevision>> {
    let Some((project, rev)) = spec.rsplit_once('@') else {
        return Ok(None);
    };
    let Some(project) = store.get_project(project).await? else {
        return Ok(None);
    };
    Ok(store
        .find_revision(&project.import_path, rev)
        .await?
        .map(|revision| StoredRevision { project, revision }))
}

/// A dependent the store knows: a revision of a project, checked out from its repository, or a distribution
/// package, fetched from Koji as its source RPM.
#[derive(Debug, Clone)]
pub enum StoredDependent {
    Revision(StoredRevision),
    /// The source RPM's file name (`NAME-VERSION-RELEASE.src.rpm`) of a stored package.
    Package(String),
}

/// The dependents of the project `library` the store knows, whose recorded dependency analysis
/// (`gofed deps --store`, `gofed scan --action deps`) has a package that imports `library` or a package below it:
/// - for every other stored project, its newest revision (by commit time) with such an analysis;
/// - for every source package of the stored distribution packages (by name and distribution), its newest
///   version-release (compared as rpm does) with such an analysis, as its source RPM (a binary package and the
///   source package it was built from are one dependent).
pub async fn stored_dependents(
    store: &Store,
    library: &str,
) -> anyhow::Result<Vec<StoredDependent>> {
    let mut out = Vec::new();
    for project in all_pages(|page| store.list_projects(page)).await? {
        if project.import_path == library {
            continue;
        }
        let revisions = all_pages(|page| {
            store.list_revisions_recording(&project.import_path, Some(DEPS), page)
        })
        .await?;
        let Some(revision) = revisions.into_iter().reduce(|newest, revision| {
            if revision.commit_time >= newest.commit_time {
                revision
            } else {
                newest
            }
        }) else {
            continue;
        };
        let subject = gofed_store::Subject::Revision {
            import_path: project.import_path.clone(),
            commit: revision.commit.clone(),
        };
        if imports(store, &subject, &project.import_path, library).await? {
            out.push(StoredDependent::Revision(StoredRevision {
                project,
                revision,
            }));
        }
    }
    // The stored packages by source package and distribution, those of the newest version-release only.
    let packages = all_pages(|page| store.list_packages_recording(Some(DEPS), page)).await?;
    let mut newest: std::collections::BTreeMap<(String, String), Vec<gofed_store::Package>> =
        std::collections::BTreeMap::new();
    for package in packages {
        let (name, version, release) = source_nvr(&package);
        let group = newest
            .entry((name.to_owned(), package.key.distro.clone()))
            .or_default();
        let order = group.first().map_or(std::cmp::Ordering::Greater, |other| {
            let (_, other_version, other_release) = source_nvr(other);
            gofed_spec::rpmvercmp(version, other_version)
                .then_with(|| gofed_spec::rpmvercmp(release, other_release))
        });
        match order {
            std::cmp::Ordering::Greater => *group = vec![package],
            std::cmp::Ordering::Equal => group.push(package),
            std::cmp::Ordering::Less => {}
        }
    }
    for group in newest.into_values() {
        for package in &group {
            let key = &package.key;
            let name = format!("{}-{}-{}", key.name, key.version, key.release);
            let subject = gofed_store::Subject::Package(key.clone());
            if imports(store, &subject, &name, library).await? {
                out.push(StoredDependent::Package(source_rpm_of(package)));
                break;
            }
        }
    }
    Ok(out)
}

/// The file name of the source RPM `package` was built from: the one it records (a source package records
/// itself), else its own name, version and release.
fn source_rpm_of(package: &gofed_store::Package) -> String {
    if package.source_rpm.ends_with(".src.rpm") {
        return package.source_rpm.clone();
    }
    let key = &package.key;
    format!("{}-{}-{}.src.rpm", key.name, key.version, key.release)
}

/// The name, version and release of the source package `package` was built from (a binary package's source
/// package may have another name: `golang-x-devel` is built from `golang-x`).
fn source_nvr(package: &gofed_store::Package) -> (&str, &str, &str) {
    let key = &package.key;
    let own = (
        key.name.as_str(),
        key.version.as_str(),
        key.release.as_str(),
    );
    let Some(nvr) = package.source_rpm.strip_suffix(".src.rpm") else {
        return own;
    };
    let mut parts = nvr.rsplitn(3, '-');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(release), Some(version), Some(name)) if !name.is_empty() => (name, version, release),
        _ => own,
    }
}

/// The recording action of a dependency analysis.
const DEPS: &str = "deps_analysis";

/// Every item of a paged listing.
async fn all_pages<T, F, Fut>(mut list: F) -> anyhow::Result<Vec<T>>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: std::future::Future<Output = Result<gofed_store::Page<T>, gofed_store::StoreError>>,
{
    let mut items = Vec::new();
    let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
    loop {
        let listed = list(page).await?;
        items.extend(listed.items);
        match listed.next {
            Some(next) => page.after = Some(next),
            None => return Ok(items),
        }
    }
}

/// Whether the newest JSON dependency analysis recorded for `subject` (named `name` in errors) has a package
/// that imports `library` or a package below it.
async fn imports(
    store: &Store,
    subject: &gofed_store::Subject,
    name: &str,
    library: &str,
) -> anyhow::Result<bool> {
    let analysis = gofed_services::storage::newest_result(store, subject, DEPS)
        .await
        .map_err(|err| anyhow::anyhow!("{name}: {err}"))?;
    let raw = match analysis.map(|a| a.result.output) {
        Some(gofed_services::Output::Json(raw)) => raw,
        Some(gofed_services::Output::Text(_)) => {
            tracing::warn!(
                "{name}: not a dependent: its dependency analysis is recorded as text only (record it with \
                 --format json)"
            );
            return Ok(false);
        }
        None => return Ok(false),
    };
    let doc: serde_json::Value = serde_json::from_str(raw.get())
        .with_context(|| format!("the stored deps analysis of {name}"))?;
    let imports_library = |path: &str| {
        path.strip_prefix(library)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    Ok(doc["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|p| p["Imports"].as_array().into_iter().flatten())
        .filter_map(serde_json::Value::as_str)
        .any(imports_library))
}

/// The SOURCE prefix of an analysis the store recorded: `store:PROJECT@REV`.
pub const STORE_SCHEME: &str = "store:";

/// `PROJECT@REV` (`REV` a tag or a commit id): the JSON API analysis the store recorded for that revision of
/// the project (`gofed api SOURCE@REV --store --format json`), the newest when there are several, written to
/// `dir` as `store-<sha256>.json`, a saved analysis `apidiff` compares like any other.
pub async fn saved_api(
    spec: &str,
    config: &StoreConfig,
    dir: &std::path::Path,
) -> anyhow::Result<std::path::PathBuf> {
    let named = format!("{STORE_SCHEME}{spec}");
    let (project, rev) = spec
        .rsplit_once('@')
        .with_context(|| format!("{named}: expected store:PROJECT@REV (a tag or a commit id)"))?;
    let store = open(config)
        .await?
        .with_context(|| format!("{named}: the store is off ([store] url / GOFED_STORE)"))?;
    let revision = store.find_revision(project, rev).await?.with_context(|| {
        format!("{named}: the store has no revision {rev} of {project} (gofed store list revisions {project})")
    })?;
    let subject = gofed_store::Subject::Revision {
        import_path: revision.import_path,
        commit: revision.commit.clone(),
    };
    let newest = gofed_services::storage::newest_result(&store, &subject, "api_analysis")
        .await
        .with_context(|| format!("{named}: reading the stored API analysis"))?;
    let saved = match newest.map(|stored| stored.result.output) {
        Some(gofed_services::Output::Json(raw)) => raw.get().to_owned(),
        _ => anyhow::bail!(
            "{named}: no JSON API analysis of {project} at {} is recorded (record one with gofed api \
             SOURCE@{rev} --store --format json)",
            revision.commit
        ),
    };
    std::fs::create_dir_all(dir).with_context(|| format!("{}", dir.display()))?;
    let path = dir.join(format!(
        "store-{}.json",
        gofed_store::Sha256::of(saved.as_bytes())
    ));
    if !path.is_file() {
        let partial = dir.join(format!(".partial-{}", std::process::id()));
        std::fs::write(&partial, saved.as_bytes())
            .and_then(|()| std::fs::rename(&partial, &path))
            .with_context(|| format!("{}", path.display()))?;
    }
    Ok(path)
}

/// What `gofed store info` prints.
#[derive(Serialize)]
struct Info {
    /// `sqlite DIR` or `postgresql` (a connection string may hold a password: not shown).
    location: String,
    schema_version: i64,
    /// The engine of this gofed: stored results of other engines are never answered.
    engine: &'static str,
    #[serde(flatten)]
    stats: gofed_store::StoreStats,
}

/// `gofed store ...`.
pub fn run(system: &SystemArgs, command: &StoreCommand) -> anyhow::Result<ExitCode> {
    let config = crate::scenario::config(system)?;
    let location =
        location(&config.store)?.context("the store is off ([store] url / GOFED_STORE)")?;
    let shown = match &location {
        Location::Sqlite(dir) => format!("sqlite {}", dir.display()),
        Location::Postgres(_) => "postgresql".to_owned(),
    };
    let runtime = crate::system::runtime()?;
    runtime.block_on(async {
        let store = open(&config.store)
            .await?
            .context("the store is off ([store] url / GOFED_STORE)")?;
        match command {
            StoreCommand::Info(args) => {
                let info = Info {
                    location: shown,
                    schema_version: store.schema_version().await?,
                    engine: ENGINE,
                    stats: store.stats().await?,
                };
                match args.format {
                    Format::Json => crate::output::print_json(&info)?,
                    Format::Text => crate::output::write_stdout(|out| {
                        writeln!(out, "store: {}", info.location)?;
                        writeln!(out, "schema version: {}", info.schema_version)?;
                        writeln!(out, "engine: {}", info.engine)?;
                        let s = &info.stats;
                        writeln!(out, "projects: {}", s.projects)?;
                        writeln!(out, "revisions: {}", s.revisions)?;
                        writeln!(out, "packages: {}", s.packages)?;
                        writeln!(out, "results: {} ({} bytes)", s.results, s.result_bytes)?;
                        writeln!(out, "jobs: {}", s.jobs)
                    })?,
                }
            }
            StoreCommand::List(args) => list(&store, args).await?,
            StoreCommand::Show(args) => return show(&store, args).await,
            StoreCommand::Gc(args) => {
                let report = store.gc_results(ENGINE).await?;
                match args.format {
                    Format::Json => crate::output::print_json(&report)?,
                    Format::Text => crate::output::write_stdout(|out| {
                        writeln!(
                            out,
                            "removed {} results of other gofed builds ({} bytes)",
                            report.results, report.bytes
                        )
                    })?,
                }
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// `gofed store show`: the recorded analysis, printed as the analysis printed it.
async fn show(store: &Store, args: &StoreShowArgs) -> anyhow::Result<ExitCode> {
    use gofed_services::storage::{recorded_analysis, Kind, Stored};
    let of = match &args.distro {
        None => {
            let (project, rev) = args.subject.rsplit_once('@').with_context(|| {
                format!(
                    "{}: expected PROJECT@REV (a tag or commit id), or NAME-VERSION-RELEASE with --distro",
                    args.subject
                )
            })?;
            Stored::Revision {
                project: project.to_owned(),
                rev: rev.to_owned(),
            }
        }
        Some(distro) => {
            let parts = args
                .subject
                .rsplit_once('-')
                .and_then(|(nv, release)| Some((nv.rsplit_once('-')?, release)));
            let Some(((name, version), release)) = parts else {
                anyhow::bail!("{}: expected NAME-VERSION-RELEASE", args.subject);
            };
            Stored::Package(gofed_store::PackageKey {
                name: name.to_owned(),
                version: version.to_owned(),
                release: release.to_owned(),
                distro: distro.clone(),
            })
        }
    };
    let kind = match args.action {
        ScanAction::Api => Kind::Api,
        ScanAction::Deps => Kind::Deps,
    };
    let recorded = recorded_analysis(store, kind, &of)
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    if args.format == Format::Json {
        crate::output::print_json(&recorded)?;
        return Ok(ExitCode::SUCCESS);
    }
    let _ = recorded
        .result
        .write_diagnostics(&mut std::io::stderr().lock());
    crate::output::write_stdout(|out| recorded.result.write_to(out))?;
    Ok(ExitCode::from(recorded.result.exit_code))
}

/// One page of a listing: JSON as the store pages it (`items`, `next`), text one item per line with the next
/// cursor on stderr.
async fn list(store: &Store, args: &StoreListArgs) -> anyhow::Result<()> {
    let after = args
        .after
        .as_deref()
        .map(str::parse::<Cursor>)
        .transpose()
        .context("--after")?;
    let page = PageRequest {
        after,
        limit: args.limit,
    };
    let recording = args.action.map(ScanAction::action);
    let (lines, next, json) = match args.what {
        StoreListing::Projects => {
            let page = store.list_projects_recording(recording, page).await?;
            let lines = page
                .items
                .iter()
                .map(|p| format!("{} {}", p.import_path, p.repository))
                .collect::<Vec<_>>();
            (lines, page.next, serde_json::to_value(&page)?)
        }
        StoreListing::Revisions => {
            let project = args
                .project
                .as_deref()
                .context("store list revisions: name the project (its import path)")?;
            let page = store
                .list_revisions_recording(project, recording, page)
                .await?;
            let lines = page
                .items
                .iter()
                .map(|r| {
                    format!(
                        "{} {} {}",
                        r.commit,
                        r.tag.as_deref().unwrap_or("-"),
                        gofed_artifact::git::rfc3339(r.commit_time, 0)
                    )
                })
                .collect::<Vec<_>>();
            (lines, page.next, serde_json::to_value(&page)?)
        }
        StoreListing::Packages => {
            let page = store.list_packages_recording(recording, page).await?;
            let lines = page
                .items
                .iter()
                .map(|p| {
                    let k = &p.key;
                    format!(
                        "{}-{}-{} {} {}",
                        k.name, k.version, k.release, k.distro, p.source_rpm
                    )
                })
                .collect::<Vec<_>>();
            (lines, page.next, serde_json::to_value(&page)?)
        }
    };
    match args.format {
        Format::Json => crate::output::print_json(&json)?,
        Format::Text => {
            crate::output::write_stdout(|out| {
                for line in &lines {
                    writeln!(out, "{line}")?;
                }
                Ok(())
            })?;
            if let Some(next) = next {
                eprintln!("more: --after {next}");
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(name: &str, source_rpm: &str) -> gofed_store::Package {
        gofed_store::Package {
            key: gofed_store::PackageKey {
                name: name.into(),
                version: "1.0".into(),
                release: "10.fc42".into(),
                distro: "fedora:42".into(),
            },
            source_rpm: source_rpm.into(),
        }
    }

    #[test]
    fn a_package_names_the_source_rpm_it_was_built_from() {
        let devel = package(
            "golang-github-x-y-devel",
            "golang-github-x-y-1.0~rc1-10.fc42.src.rpm",
        );
        assert_eq!(
            source_nvr(&devel),
            ("golang-github-x-y", "1.0~rc1", "10.fc42")
        );
        assert_eq!(
            source_rpm_of(&devel),
            "golang-github-x-y-1.0~rc1-10.fc42.src.rpm"
        );
        // Recorded without one, or with a name that is no source RPM: its own.
        for recorded in ["", "x.tar.gz", "-1-2.src.rpm", "noversion.src.rpm"] {
            let own = package("golang-x", recorded);
            assert_eq!(
                source_nvr(&own),
                ("golang-x", "1.0", "10.fc42"),
                "{recorded:?}"
            );
        }
        assert_eq!(
            source_rpm_of(&package("golang-x", "")),
            "golang-x-1.0-10.fc42.src.rpm"
        );
    }
}
