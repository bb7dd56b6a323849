//! The `scm` service (gofed-ng's `scm_log` and `scm_store`): the history of a git repository, and a repository at
//! a revision stored as an archive in `filestorage`.
//!
//! Both read the repository with gix straight from its object database ([`gofed_artifact::git`]): no checkout, no
//! `git` binary. The repository is a [`Source::Path`] of the machine running the action, so a service started by
//! `gofed serve` reads it only with `--allow-paths` (clients sharing its file system).

use std::fmt::Write as _;
use std::path::Path;
use std::sync::Arc;

use gofed_artifact::git;
use gofed_artifact::Limits;
use gofed_service::{BlobStore, FileRef, Service, ServiceError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::request::{Format, Rendered, Source};
use crate::ServiceContext;

/// Input of `scm_log`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ScmLogRequest {
    /// The repository (a work tree or a bare repository).
    pub source: Source,
    /// The branch, tag or commit whose history is listed; default `HEAD`.
    #[serde(default)]
    pub branch: Option<String>,
    /// At most this many commits, newest first (`git log -n`).
    #[serde(default)]
    pub max_depth: Option<usize>,
    /// Only commits committed at or after this time, in seconds since the Unix epoch (`git log --since`: the walk
    /// stops at older commits).
    #[serde(default)]
    pub since: Option<i64>,
    /// Output format: text (`git log --format='%H %an <%ae> %aI %s'`) or json.
    #[serde(default)]
    pub format: Format,
}

/// Input of `scm_store`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ScmStoreRequest {
    /// The repository (a work tree or a bare repository).
    pub source: Source,
    /// The revision to store (tag, branch, commit id, `HEAD`, ...); default `HEAD`.
    #[serde(default)]
    pub revision: Option<String>,
}

/// Output of `scm_store`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct StoredRevision {
    /// The stored archive: a tar of the revision's regular files, sorted, with no owner, mode or time, so that the
    /// same tree is always the same file.
    pub file: FileRef,
    /// The commit id the revision named.
    pub commit: String,
    /// Number of files in the archive.
    pub files: usize,
    /// Entries left out (symbolic links, submodules), one line each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// One commit of `scm_log`'s JSON.
#[derive(Debug, Serialize)]
struct CommitJson<'a> {
    hash: &'a str,
    author: &'a str,
    email: &'a str,
    /// Author time, seconds since the Unix epoch.
    time: i64,
    /// Author time in RFC 3339, in the author's zone.
    date: &'a str,
    subject: &'a str,
}

/// The repository directory a request names, if this service may read it.
fn repository<'a>(context: &ServiceContext, source: &'a Source) -> Result<&'a Path, ServiceError> {
    match source {
        Source::Path(path) => {
            if !context.allow_paths {
                return Err(ServiceError::invalid_input(
                    "source.path",
                    "this service does not read paths of its own machine (start it with --allow-paths when its \
                     clients share its file system)",
                ));
            }
            Ok(path)
        }
        Source::Bundle { .. } | Source::Artifact { .. } => Err(ServiceError::invalid_input(
            "source",
            "scm reads git repositories, not bundles or artifacts: give the repository's path",
        )),
    }
}

/// The text lines of a log: `HASH AUTHOR <EMAIL> DATE SUBJECT`, as `git log --format='%H %an <%ae> %aI %s'`.
pub fn log_text(commits: &[git::Commit]) -> String {
    let mut text = String::new();
    for c in commits {
        let _ = writeln!(
            text,
            "{} {} <{}> {} {}",
            c.hash, c.author, c.email, c.time_rfc3339, c.subject
        );
    }
    text
}

/// The `scm_log` action.
pub fn scm_log(request: &ScmLogRequest, repo: &Path) -> anyhow::Result<Rendered> {
    let rev = request.branch.as_deref().unwrap_or("HEAD");
    let commits = git::log(repo, rev, request.max_depth, request.since)?;
    Ok(match request.format {
        Format::Text => Rendered::text(log_text(&commits)),
        Format::Json => Rendered::json(
            &commits
                .iter()
                .map(|c| CommitJson {
                    hash: &c.hash,
                    author: &c.author,
                    email: &c.email,
                    time: c.time,
                    date: &c.time_rfc3339,
                    subject: &c.subject,
                })
                .collect::<Vec<_>>(),
        )?,
    })
}

/// The archive `scm_store` stores: the revision's files, sorted (as [`git::open`] gives them), through the
/// bundles' deterministic tar writer; with the commit id, the file count and the warnings. The revision is read
/// within `limits` (the service's, as for every artifact it opens).
pub fn revision_archive(
    repo: &Path,
    rev: &str,
    limits: &Limits,
) -> anyhow::Result<(Vec<u8>, String, usize, Vec<String>)> {
    let artifact = git::open(repo, rev, limits)?;
    let mut tar = tar::Builder::new(Vec::new());
    for file in &artifact.files {
        crate::bundle::append_file(&mut tar, Path::new(&file.path), &file.data)?;
    }
    let bytes = tar.into_inner()?;
    let warnings = artifact.warnings.iter().map(ToString::to_string).collect();
    Ok((
        bytes,
        artifact.revision.unwrap_or_default(),
        artifact.files.len(),
        warnings,
    ))
}

/// The `scm` service. Archives go to `filestorage` through the context's system when it has one (`gofed serve`),
/// else into `blobs` (in-process).
pub fn service(context: ServiceContext, blobs: Arc<BlobStore>) -> Service {
    let log_context = context.clone();
    Service::new(
        "scm",
        crate::VERSION,
        "git repositories read from their object database: commit history, and a revision stored as an archive",
    )
    .action(
        "scm_log",
        "The commits reachable from a branch, tag or commit, newest first as `git log` lists them.",
        move |request: ScmLogRequest| {
            let context = log_context.clone();
            async move {
                let repo = repository(&context, &request.source)?.to_owned();
                crate::blocking("scm_log", move |_cancel| scm_log(&request, &repo)).await
            }
        },
    )
    .action(
        "scm_store",
        "Stores a repository at a revision in filestorage as a deterministic tar; answers its file id.",
        move |request: ScmStoreRequest| {
            let (context, blobs) = (context.clone(), Arc::clone(&blobs));
            async move {
                let repo = repository(&context, &request.source)?.to_owned();
                let rev = request.revision.unwrap_or_else(|| "HEAD".to_owned());
                let limits = context.artifact_limits.clone();
                let (bytes, commit, files, warnings) = crate::blocking("scm_store", move |_cancel| {
                    revision_archive(&repo, &rev, &limits)
                })
                .await?;
                let file =
                    crate::filestorage::store_bytes(&context, &blobs, bytes, "the archive").await?;
                Ok(StoredRevision {
                    file,
                    commit,
                    files,
                    warnings,
                })
            }
        },
    )
}
