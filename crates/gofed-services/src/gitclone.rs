//! Git repositories named by an `https://…/REPO.git` URL: a bare clone in the download cache, fetched again each
//! time it is used, then read by `gofed_artifact::git` like any repository of this machine.
//!
//! The clone is made with gix over its smart-HTTP client (the workspace's reqwest): no checkout, no `git`
//! binary. It is built in a `.partial-` directory of the cache and renamed into place once the fetch succeeded,
//! so a failed clone leaves nothing behind. Every branch and tag of the remote is mirrored under its own name
//! (`refs/heads/*`, `refs/tags/*`), so a revision names in the clone what it names on the remote, and the remote's
//! `HEAD` is kept as [`REMOTE_HEAD`], the revision read when none is named.
//!
//! The repository is opened isolated (no global or system git configuration, no `GIT_*` variables), as
//! gofed-artifact opens it: the same URL gives the same clone on every machine.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use anyhow::Context as _;
use gix::bstr::ByteSlice as _;

/// The reference the remote's `HEAD` is fetched to: the revision read when the SOURCE names none.
pub const REMOTE_HEAD: &str = "refs/remotes/origin/HEAD";

/// What a fetch brings: every branch and tag under its own name, and the remote's `HEAD`.
const REFSPECS: [&str; 3] = [
    "+refs/heads/*:refs/heads/*",
    "+refs/tags/*:refs/tags/*",
    "+HEAD:refs/remotes/origin/HEAD",
];

/// Nobody interrupts a clone from inside: Ctrl-C ends the process (a `.partial-` directory it leaves is evicted
/// from the cache like any other entry).
static NEVER_INTERRUPT: AtomicBool = AtomicBool::new(false);

/// Whether the clone of `url` was made now or brought up to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fetched {
    /// A new clone.
    Cloned,
    /// An existing clone, fetched.
    Updated,
}

/// The bare clone of `url` at `dir` (in the cache directory `cache`), cloned when it does not exist, fetched
/// otherwise. A new clone larger than `limit` bytes is removed again, with an error.
pub fn clone_or_fetch(url: &str, dir: &Path, cache: &Path, limit: u64) -> anyhow::Result<Fetched> {
    gofed_service::tls::install_provider();
    let started = std::time::Instant::now();
    if dir.is_dir() {
        tracing::info!(url, clone = %dir.display(), "updating the clone in the cache (fetch)");
        let repo = open(dir)
            .with_context(|| format!("{url}: the clone in the cache ({})", dir.display()))?;
        fetch(&repo, url)?;
        tracing::info!(url, ms = started.elapsed().as_millis(), "fetched");
        return Ok(Fetched::Updated);
    }
    std::fs::create_dir_all(cache).with_context(|| format!("creating {}", cache.display()))?;
    tracing::info!(url, clone = %dir.display(), "cloning into the cache");
    // Removed with everything in it when this returns early: no half clone stays in the cache.
    let partial = tempfile::Builder::new()
        .prefix(".partial-")
        .tempdir_in(cache)
        .with_context(|| format!("creating a directory in {}", cache.display()))?;
    let repo = gix::ThreadSafeRepository::init_opts(
        partial.path(),
        gix::create::Kind::Bare,
        gix::create::Options::default(),
        gix::open::Options::isolated(),
    )
    .with_context(|| {
        format!(
            "{url}: creating a repository in {}",
            partial.path().display()
        )
    })?
    .to_thread_local();
    fetch(&repo, url)?;
    drop(repo);
    let size = dir_size(partial.path());
    if size > limit {
        anyhow::bail!(
            "cloning {url}: {size} bytes, larger than the download cache ({limit} bytes; [client] cache_size, GOFED_CACHE_SIZE)"
        );
    }
    let partial = partial.keep();
    if let Err(err) = std::fs::rename(&partial, dir) {
        let _ = std::fs::remove_dir_all(&partial);
        // Another gofed cloned the same URL meanwhile: its clone serves as well.
        if !dir.is_dir() {
            return Err(err)
                .with_context(|| format!("storing the clone of {url} as {}", dir.display()));
        }
    }
    tracing::info!(url, bytes = size, ms = started.elapsed().as_millis(), clone = %dir.display(), "cloned");
    Ok(Fetched::Cloned)
}

/// The commit `rev` names in the clone of `url` at `dir` (tags peeled), as lower-case hex; an error naming the URL
/// when the remote has no such revision.
pub fn commit_of(dir: &Path, url: &str, rev: &str) -> anyhow::Result<String> {
    let repo =
        open(dir).with_context(|| format!("{url}: the clone in the cache ({})", dir.display()))?;
    let shown = if rev == REMOTE_HEAD { "HEAD" } else { rev };
    let id = repo
        .rev_parse_single(rev.as_bytes().as_bstr())
        .map_err(|err| {
            anyhow::anyhow!(
                "{url}@{shown}: unknown revision {shown:?} (no such branch, tag or commit on the remote): {}",
                gofed_service::error_chain(&err)
            )
        })?;
    let not_a_commit = || format!("{url}@{shown}: revision {shown:?} is not a commit");
    let commit = id
        .object()
        .with_context(not_a_commit)?
        .peel_to_commit()
        .with_context(not_a_commit)?;
    Ok(commit.id.to_string())
}

/// The clone at `dir`, opened as gofed-artifact opens repositories.
fn open(dir: &Path) -> anyhow::Result<gix::Repository> {
    Ok(gix::open_opts(dir, gix::open::Options::isolated())?)
}

/// Fetches every branch, tag and the `HEAD` of `url` into `repo`.
fn fetch(repo: &gix::Repository, url: &str) -> anyhow::Result<()> {
    let failed = |what: &str, err: &dyn std::error::Error| {
        anyhow::anyhow!("{url}: {what}: {}", gofed_service::error_chain(err))
    };
    let remote = repo
        .remote_at(url)
        .map_err(|err| failed("not a git URL", &err))?
        .with_refspecs(REFSPECS, gix::remote::Direction::Fetch)
        .map_err(|err| failed("refspecs", &err))?
        // The refspecs name the tags already.
        .with_fetch_tags(gix::remote::fetch::Tags::None);
    let connection = remote
        .connect(gix::remote::Direction::Fetch)
        .map_err(|err| failed("cannot connect", &err))?;
    let prepared = connection
        .prepare_fetch(gix::progress::Discard, Default::default())
        .map_err(|err| {
            failed(
                "cannot read the repository's references (unreachable, or not a git repository)",
                &err,
            )
        })?;
    let outcome = prepared
        .receive(gix::progress::Discard, &NEVER_INTERRUPT)
        .map_err(|err| failed("fetching", &err))?;
    match outcome.status {
        gix::remote::fetch::Status::Change {
            write_pack_bundle, ..
        } => {
            tracing::info!(
                url,
                objects = write_pack_bundle.index.num_objects,
                "received a pack"
            );
        }
        gix::remote::fetch::Status::NoPackReceived { .. } => {
            tracing::info!(url, "nothing new on the remote");
        }
    }
    Ok(())
}

/// The bytes of the files under `dir` (what a clone costs the cache).
pub fn dir_size(dir: &Path) -> u64 {
    let mut total = 0;
    let mut pending: Vec<PathBuf> = vec![dir.to_owned()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => pending.push(entry.path()),
                Ok(kind) if kind.is_file() => {
                    total += entry.metadata().map_or(0, |meta| meta.len());
                }
                _ => {}
            }
        }
    }
    total
}
