//! `gofed scan`: the ecosystem scan (gofed-ng's `golang-api-update` / `golang-deps-update`). Every tag (or every
//! commit since a date) of a list of git repositories, and every RPM or SRPM of a list, becomes one job per
//! analysis in the store's job table; workers claim jobs, run the analysis with `--store` (so each result is
//! recorded under its project revision or package), and mark them done.
//!
//! The job list lives in the store, so the scan is resumable and shared:
//! - enqueueing is idempotent (a job's key is unique), so scanning the same list again adds only what is new,
//!   and a finished job is never done again;
//! - several `gofed scan` processes on several machines that share one PostgreSQL store claim jobs with
//!   `FOR UPDATE SKIP LOCKED`: no job is claimed by two workers;
//! - a worker restarted under its name (`--worker`) first takes back the jobs it had claimed when it died, and
//!   jobs claimed longer than `--stale-after` ago by anyone go back to the queue.
//!
//! Each worker thread has its own [`Scenario`] (runtime, system, store connection), as if it were a separate
//! `gofed api SOURCE@REV --store` run; when the analysis is placed remote, the calls spread over the registered
//! instances, and by default as many jobs run at once as there are instances.

use std::path::Path;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use gofed_service::Placement;
use gofed_services::{ApiRequest, BuildContext, DepsRequest, Format, Rendered};
use gofed_store::{Job, JobCounts, NewJob, Store};
use serde::{Deserialize, Serialize};

use crate::cli::{ScanAction, ScanArgs, SystemArgs};
use crate::scenario::Scenario;

/// The job kind of the scan in the store's job table.
pub const JOB_KIND: &str = "scan";

/// What a job does: one analysis of one source at one revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct JobSpec {
    /// The action: `api_analysis` or `deps_analysis`.
    action: String,
    /// A git repository (path or URL) or an RPM/SRPM (path or URL), as listed.
    source: String,
    /// The revision of a repository: a tag or a commit id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    rev: Option<String>,
}

impl JobSpec {
    /// The job's key, unique in the table: the action and what it reads. A repository's revision is keyed by its
    /// commit (a tag moved to another commit is a new job).
    fn key(&self, commit: Option<&str>) -> String {
        match commit {
            Some(commit) => format!("{} {}@{commit}", self.action, self.source),
            None => format!("{} {}", self.action, self.source),
        }
    }
}

impl ScanAction {
    /// The service action that analyses and records it.
    pub(crate) fn action(self) -> &'static str {
        match self {
            ScanAction::Api => "api_analysis",
            ScanAction::Deps => "deps_analysis",
        }
    }
}

/// One job this process finished, as the summary lists it.
#[derive(Debug, Serialize)]
struct Finished {
    key: String,
    action: String,
    source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    rev: Option<String>,
    worker: String,
    /// `done` or `failed`.
    state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    /// Whether the store already held the result (another run recorded it).
    cached: bool,
    seconds: f64,
}

/// What `gofed scan --format json` prints.
#[derive(Debug, Serialize)]
struct Summary {
    /// Jobs this process added to the queue.
    enqueued: usize,
    /// Jobs already in the table (queued, done or failed earlier).
    known: usize,
    /// Jobs of dead workers put back in the queue.
    requeued: u64,
    /// The jobs this process did, in the order they finished.
    jobs: Vec<Finished>,
    /// The whole queue afterwards (every worker's jobs).
    queue: JobCounts,
}

/// `gofed scan`.
pub fn scan(system: &SystemArgs, args: &ScanArgs) -> anyhow::Result<ExitCode> {
    let scenario = Scenario::new(system, &args.artifact)?;
    let store = scenario
        .block_on(crate::store::open(scenario.store_config()))?
        .context(
            "gofed scan keeps its jobs and results in the store, which is off ([store] url / GOFED_STORE)",
        )?;
    let worker = match &args.worker {
        Some(name) => name.clone(),
        None => format!(
            "{}:{}",
            gethostname::gethostname().to_string_lossy(),
            std::process::id()
        ),
    };
    let jobs = match args.jobs {
        Some(0) => anyhow::bail!("--jobs must be at least 1"),
        Some(n) => n,
        None => default_jobs(&scenario, args)?,
    };
    let slots: Vec<String> = if jobs == 1 {
        vec![worker.clone()]
    } else {
        (1..=jobs).map(|n| format!("{worker}/{n}")).collect()
    };

    let mut summary = Summary {
        enqueued: 0,
        known: 0,
        requeued: 0,
        jobs: Vec::new(),
        queue: JobCounts::default(),
    };
    if !args.work_only {
        (summary.enqueued, summary.known) = enqueue(&scenario, &store, args)?;
        tracing::info!(
            enqueued = summary.enqueued,
            known = summary.known,
            "scan jobs enqueued"
        );
    }
    if !args.enqueue_only {
        scenario.block_on(async {
            for slot in &slots {
                summary.requeued += store.release_worker_jobs(slot).await?;
            }
            summary.requeued += store
                .requeue_stale_jobs(Duration::from_secs(args.stale_after))
                .await?;
            Ok::<_, gofed_store::StoreError>(())
        })?;
        summary.jobs = work(system, args, &scenario, &store, &slots)?;
    }
    summary.queue = scenario.block_on(store.job_counts(JOB_KIND))?;
    let failed = summary.jobs.iter().any(|j| j.state == "failed");
    crate::output::write_stdout(|out| match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &summary)?;
            writeln!(out)
        }
        Format::Text => write_text(out, &summary),
    })?;
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Jobs at once by default: one per registered instance of the first action's service when it runs remotely
/// (so a fleet is kept busy), else one (an in-process analysis already uses every core).
fn default_jobs(scenario: &Scenario, args: &ScanArgs) -> anyhow::Result<usize> {
    let action = args
        .action
        .first()
        .copied()
        .unwrap_or(ScanAction::Api)
        .action();
    let system = scenario.system();
    let service = system.service_of(action)?;
    Ok(match system.config().placement_of(service) {
        Placement::Local => 1,
        Placement::Fixed(urls) => urls.len().max(1),
        Placement::Remote => {
            let url = &system.config().registry;
            let registry =
                crate::scenario::connect_registry(system.config(), scenario.client_config())?;
            let instances = scenario
                .block_on(registry.lookup(service))
                .with_context(|| format!("cannot look up {service} in the registry at {url}"))?;
            instances.len().max(1)
        }
    })
}

/// The sources named on the command line and in `--list` (one per line; blank lines and `#` comments skipped).
fn sources(args: &ScanArgs) -> anyhow::Result<Vec<String>> {
    let mut sources = args.sources.clone();
    if let Some(list) = &args.list {
        let text = if list == Path::new("-") {
            std::io::read_to_string(std::io::stdin()).context("reading the list from stdin")?
        } else {
            std::fs::read_to_string(list).with_context(|| format!("{}", list.display()))?
        };
        sources.extend(
            text.lines()
                .map(str::trim)
                .filter(|line| !line.is_empty() && !line.starts_with('#'))
                .map(str::to_owned),
        );
    }
    anyhow::ensure!(
        !sources.is_empty(),
        "nothing to scan: name git repositories or RPMs, or --list FILE (or --work-only to do queued jobs)"
    );
    Ok(sources)
}

/// Adds a job per (analysis, revision) of every git repository and per (analysis, file) of every RPM; answers
/// how many were new and how many the table had already.
fn enqueue(scenario: &Scenario, store: &Store, args: &ScanArgs) -> anyhow::Result<(usize, usize)> {
    let since = match &args.since {
        Some(text) => Some(gofed_artifact::git::parse_date(text).with_context(|| {
            format!("--since {text:?}: expected YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS±HH:MM or @SECONDS")
        })?),
        None => None,
    };
    let mut new_jobs = Vec::new();
    for listed in sources(args)? {
        // A path is made absolute: the job's key and payload must mean the same to every worker (another
        // machine mounts the same shared path, not this one's working directory).
        let source = if Path::new(&listed).exists() {
            let absolute = std::path::absolute(&listed).with_context(|| listed.clone())?;
            absolute.to_string_lossy().into_owned()
        } else {
            listed
        };
        // (revision to name, its commit); a file has one "revision": itself.
        let revisions: Vec<(Option<String>, Option<String>)> =
            match repository_of(scenario, &source)? {
                Some(dir) => revisions(&dir, since)
                    .with_context(|| source.clone())?
                    .into_iter()
                    .map(|(rev, commit)| (Some(rev), Some(commit)))
                    .collect(),
                None => vec![(None, None)],
            };
        if revisions.is_empty() {
            tracing::warn!(%source, "no tags (or no commits since --since): nothing to scan");
        }
        for (rev, commit) in revisions {
            for action in &args.action {
                let spec = JobSpec {
                    action: action.action().to_owned(),
                    source: source.clone(),
                    rev: rev.clone(),
                };
                new_jobs.push(NewJob {
                    kind: JOB_KIND.to_owned(),
                    key: spec.key(commit.as_deref()),
                    payload: serde_json::to_string(&spec)?,
                });
            }
        }
    }
    let mut added = 0;
    for job in &new_jobs {
        if scenario.block_on(store.enqueue_job(job))? {
            added += 1;
        }
    }
    Ok((added, new_jobs.len() - added))
}

/// The repository `source` names on this machine (a `.git` URL cloned or fetched into the cache first), or
/// `None` when it is a file (an RPM or SRPM, or a URL of one) that the analysis reads as it is.
fn repository_of(scenario: &Scenario, source: &str) -> anyhow::Result<Option<std::path::PathBuf>> {
    let path = Path::new(source);
    if path.is_dir() {
        return Ok(Some(path.to_owned()));
    }
    if path.exists() {
        return Ok(None);
    }
    match crate::source::git_url(source) {
        Some((_, Some(_))) => anyhow::bail!(
            "{source}: name the repository without a revision: the scan takes its tags (or --since commits)"
        ),
        Some((url, None)) => {
            Ok(Some(gofed_services::downloads::repository_at(url, scenario.client_config())?.dir))
        }
        None if source.contains("://") => Ok(None),
        None => anyhow::bail!("{source}: no such file or directory"),
    }
}

/// The revisions of the repository at `dir` to scan: its tags (name, commit), or with `since`, the commits of
/// HEAD since then (commit, commit).
fn revisions(dir: &Path, since: Option<i64>) -> anyhow::Result<Vec<(String, String)>> {
    Ok(match since {
        None => gofed_artifact::git::tags(dir)?
            .into_iter()
            .map(|tag| (tag.name, tag.commit))
            .collect(),
        Some(since) => gofed_artifact::git::log(dir, "HEAD", None, Some(since))?
            .into_iter()
            .rev()
            .map(|commit| (commit.hash.clone(), commit.hash))
            .collect(),
    })
}

/// Runs a worker per slot until the queue is empty, with a progress bar of the whole queue (every worker's
/// jobs, so two machines' bars both reach the end); answers the jobs this process did.
fn work(
    system: &SystemArgs,
    args: &ScanArgs,
    scenario: &Scenario,
    store: &Store,
    slots: &[String],
) -> anyhow::Result<Vec<Finished>> {
    let counts = |scenario: &Scenario| scenario.block_on(store.job_counts(JOB_KIND));
    let start = counts(scenario)?;
    let finished_before = start.done + start.failed;
    let bar = indicatif::ProgressBar::new(start.queued + start.claimed);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} scan [{elapsed_precise}] {wide_bar} {pos}/{len} jobs, ETA {eta} {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let (events, finished) = mpsc::channel::<anyhow::Result<Finished>>();
    let mut done = Vec::new();
    let mut first_error = None;
    std::thread::scope(|scope| {
        for slot in slots {
            let events = events.clone();
            scope.spawn(move || {
                if let Err(err) = run_worker(system, args, slot, &events) {
                    let _ = events.send(Err(err.context(format!("worker {slot}"))));
                }
            });
        }
        drop(events);
        loop {
            match finished.recv_timeout(Duration::from_millis(500)) {
                Ok(Ok(job)) => {
                    match &job.error {
                        None => tracing::info!(
                            key = job.key,
                            worker = job.worker,
                            seconds = job.seconds,
                            "scan job done"
                        ),
                        Some(err) => bar.suspend(|| {
                            eprintln!("scan: {} failed ({}): {err}", job.key, job.worker)
                        }),
                    }
                    bar.set_message(job.key.clone());
                    done.push(job);
                }
                Ok(Err(err)) => {
                    bar.suspend(|| eprintln!("scan: {err:#}"));
                    first_error.get_or_insert(err);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
            if let Ok(now) = counts(scenario) {
                let position = (now.done + now.failed).saturating_sub(finished_before);
                bar.set_length(position + now.queued + now.claimed);
                bar.set_position(position);
            }
        }
    });
    bar.finish_and_clear();
    match first_error {
        Some(err) => Err(err),
        None => Ok(done),
    }
}

/// One worker: claims and does jobs until none is queued.
fn run_worker(
    system: &SystemArgs,
    args: &ScanArgs,
    worker: &str,
    events: &mpsc::Sender<anyhow::Result<Finished>>,
) -> anyhow::Result<()> {
    let scenario = Scenario::new(system, &args.artifact)?;
    let store = scenario
        .block_on(crate::store::open(scenario.store_config()))?
        .context("the store is off")?;
    while let Some(job) = scenario.block_on(store.claim_job(JOB_KIND, worker))? {
        let started = Instant::now();
        let spec: Result<JobSpec, _> = serde_json::from_str(&job.payload);
        let outcome = match &spec {
            Ok(spec) => run_job(&scenario, spec, args.context.build_context()),
            Err(err) => Err(anyhow::anyhow!("unreadable job payload: {err}")),
        };
        let error = outcome.as_ref().err().map(|err| format!("{err:#}"));
        match &error {
            None => scenario.block_on(store.complete_job(job.id, worker))?,
            Some(error) => scenario.block_on(store.fail_job(job.id, worker, error))?,
        }
        let Job { key, .. } = job;
        let spec = spec.unwrap_or(JobSpec {
            action: String::new(),
            source: String::new(),
            rev: None,
        });
        let finished = Finished {
            key,
            action: spec.action,
            source: spec.source,
            rev: spec.rev,
            worker: worker.to_owned(),
            state: if error.is_some() { "failed" } else { "done" },
            error,
            cached: outcome.unwrap_or(false),
            seconds: started.elapsed().as_secs_f64(),
        };
        if events.send(Ok(finished)).is_err() {
            break;
        }
    }
    Ok(())
}

/// Runs one job's analysis, recorded in the store (`--store`, JSON so that `store:PROJECT@REV` and the storage
/// services read it back); answers whether the store already held the result. Packages with errors are
/// analysed as `-e` does (an old tag of a project often has some), and the errors stay with the result.
fn run_job(scenario: &Scenario, spec: &JobSpec, context: BuildContext) -> anyhow::Result<bool> {
    let source = scenario.source(&spec.action, &spec.source, spec.rev.as_deref())?;
    let rendered: Rendered = match spec.action.as_str() {
        "api_analysis" => scenario.call(
            &spec.action,
            ApiRequest {
                source,
                context: context.clone(),
                contexts: None,
                goroot: None,
                format: gofed_services::ApiFormat::Json,
                allow_errors: true,
                record: true,
                no_cache: false,
            },
        )?,
        "deps_analysis" => scenario.call(
            &spec.action,
            DepsRequest {
                source,
                context,
                tests: false,
                std: false,
                format: Format::Json,
                allow_errors: true,
                record: true,
                no_cache: false,
            },
        )?,
        other => anyhow::bail!("unknown action {other:?}"),
    };
    anyhow::ensure!(
        rendered.exit_code == 0,
        "exit status {}: {}",
        rendered.exit_code,
        rendered.diagnostics.first().map_or("", String::as_str)
    );
    Ok(rendered.cached)
}

fn write_text(out: &mut dyn std::io::Write, summary: &Summary) -> std::io::Result<()> {
    for job in &summary.jobs {
        match &job.error {
            None => writeln!(out, "done    {}", job.key)?,
            Some(err) => writeln!(out, "failed  {}: {err}", job.key)?,
        }
    }
    let q = &summary.queue;
    writeln!(
        out,
        "scan: {} jobs enqueued ({} known already), {} requeued, {} done here; queue: {} queued, {} claimed, {} done, {} failed",
        summary.enqueued,
        summary.known,
        summary.requeued,
        summary.jobs.len(),
        q.queued,
        q.claimed,
        q.done,
        q.failed
    )
}
