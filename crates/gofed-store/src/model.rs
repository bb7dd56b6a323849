//! The records the store holds: the same serde types for every driver, so a client that reads a
//! store in-process and one that reads it through a storage service see the same documents.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::StoreError;

/// A sha256 digest: the name of a blob, and the digests in a [`ResultKey`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(with = "String"))]
#[serde(into = "String", try_from = "String")]
pub struct Sha256([u8; 32]);

impl Sha256 {
    /// The digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Sha256(sha2::Sha256::digest(bytes).into())
    }

    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The digest from its 32 raw bytes (as PostgreSQL returns a `bytea`).
    pub fn from_slice(bytes: &[u8]) -> Result<Self, StoreError> {
        <[u8; 32]>::try_from(bytes)
            .map(Sha256)
            .map_err(|_| StoreError::InvalidDigest(hex::encode(bytes)))
    }

    /// Lowercase hex, 64 characters.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    pub(crate) fn from_digest(digest: sha2::Sha256) -> Self {
        Sha256(digest.finalize().into())
    }
}

impl From<[u8; 32]> for Sha256 {
    /// The digest from its 32 raw bytes (as a hasher's `finalize` gives them).
    fn from(bytes: [u8; 32]) -> Self {
        Sha256(bytes)
    }
}

impl FromStr for Sha256 {
    type Err = StoreError;

    /// Accepts exactly 64 hex digits, either case.
    fn from_str(s: &str) -> Result<Self, StoreError> {
        let mut bytes = [0u8; 32];
        if s.len() != 64 || hex::decode_to_slice(s, &mut bytes).is_err() {
            return Err(StoreError::InvalidDigest(s.to_owned()));
        }
        Ok(Sha256(bytes))
    }
}

impl TryFrom<String> for Sha256 {
    type Error = StoreError;
    fn try_from(s: String) -> Result<Self, StoreError> {
        s.parse()
    }
}

impl From<Sha256> for String {
    fn from(d: Sha256) -> String {
        d.to_hex()
    }
}

impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256({})", self.to_hex())
    }
}

/// An upstream project: a Go import path and where its repository lives.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Project {
    /// The import path prefix, e.g. `github.com/coreos/etcd`.
    pub import_path: String,
    /// The repository URL.
    pub repository: String,
}

/// One revision of a project.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Revision {
    /// The project's import path (the project must be stored first).
    pub import_path: String,
    /// The commit id.
    pub commit: String,
    /// The tag naming this commit, if any.
    pub tag: Option<String>,
    /// The commit time, seconds since the Unix epoch.
    pub commit_time: i64,
}

/// What names a distribution package: name, version, release and distribution.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct PackageKey {
    /// The package name, e.g. `golang-github-coreos-etcd`.
    pub name: String,
    /// The upstream version.
    pub version: String,
    /// The distribution release, e.g. `3.fc38`.
    pub release: String,
    /// The distribution, e.g. `fedora:38` or `debian:bookworm`.
    pub distro: String,
}

/// A distribution package.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Package {
    /// Name, version, release, distribution.
    #[serde(flatten)]
    pub key: PackageKey,
    /// The source RPM (or source package) it was built from.
    pub source_rpm: String,
}

/// What identifies an analysis result: the same action on the same input with the same options
/// by the same engine gives the same result, so a stored one can answer a repeated call.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct ResultKey {
    /// The action name, e.g. `api_analysis`.
    pub action: String,
    /// The digest of the input (a file id, a tree digest).
    pub input_digest: Sha256,
    /// The digest of the action's options, canonically serialised by the caller.
    pub options_digest: Sha256,
    /// The version of the engine that computed the result.
    pub engine_version: String,
}

impl fmt::Display for ResultKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} input {} options {} engine {}",
            self.action, self.input_digest, self.options_digest, self.engine_version
        )
    }
}

/// What a stored result is about, for the listings by project revision and by package.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Subject {
    /// A revision of a project (both stored first).
    Revision {
        /// The project's import path.
        import_path: String,
        /// The commit id.
        commit: String,
    },
    /// A distribution package (stored first).
    Package(PackageKey),
}

/// A stored result in a listing: its key, and the size and digest of its uncompressed bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct ResultEntry {
    /// The result's key.
    pub key: ResultKey,
    /// The uncompressed size in bytes.
    pub size: u64,
    /// The sha256 of the uncompressed bytes.
    pub digest: Sha256,
}

/// A position in a listing: the row after which the next page starts. Keyset paging on a row id
/// that only grows, so a cursor stays valid while rows are added, unlike an OFFSET.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "schemars", schemars(with = "String"))]
#[serde(into = "String", try_from = "String")]
pub struct Cursor(pub(crate) i64);

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl FromStr for Cursor {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, StoreError> {
        match s.parse::<i64>() {
            Ok(n) if n >= 0 => Ok(Cursor(n)),
            _ => Err(StoreError::InvalidCursor(s.to_owned())),
        }
    }
}

impl TryFrom<String> for Cursor {
    type Error = StoreError;
    fn try_from(s: String) -> Result<Self, StoreError> {
        s.parse()
    }
}

impl From<Cursor> for String {
    fn from(c: Cursor) -> String {
        c.to_string()
    }
}

/// Which page of a listing to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct PageRequest {
    /// Start after this cursor; `None` starts at the beginning.
    pub after: Option<Cursor>,
    /// At most this many items (clamped to 1..=[`PageRequest::MAX_LIMIT`]).
    pub limit: u32,
}

impl PageRequest {
    /// The largest page a driver returns.
    pub const MAX_LIMIT: u32 = 1000;

    /// The first page of `limit` items.
    pub fn first(limit: u32) -> Self {
        PageRequest { after: None, limit }
    }

    pub(crate) fn after_id(&self) -> i64 {
        self.after.map_or(0, |c| c.0)
    }

    pub(crate) fn clamped_limit(&self) -> i64 {
        i64::from(self.limit.clamp(1, Self::MAX_LIMIT))
    }
}

/// One page of a listing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
pub struct Page<T> {
    /// The items, in the order they were first stored.
    pub items: Vec<T>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
}

impl<T> Page<T> {
    /// Builds a page from `(row id, item)` rows fetched with `limit + 1`: the extra row only
    /// says that there is a next page.
    pub(crate) fn from_rows(mut rows: Vec<(i64, T)>, limit: i64) -> Self {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next = if more {
            rows.last().map(|(id, _)| Cursor(*id))
        } else {
            None
        };
        Page {
            items: rows.into_iter().map(|(_, item)| item).collect(),
            next,
        }
    }
}

/// How many records a store holds (`gofed store info`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreStats {
    /// Projects.
    pub projects: u64,
    /// Revisions of all projects.
    pub revisions: u64,
    /// Distribution packages.
    pub packages: u64,
    /// Analysis results.
    pub results: u64,
    /// Their uncompressed bytes.
    pub result_bytes: u64,
    /// Jobs of `gofed scan`, in any state.
    pub jobs: u64,
}

impl StoreStats {
    pub(crate) fn from_counts(counts: [i64; 6]) -> Self {
        let [projects, revisions, packages, results, result_bytes, jobs] =
            counts.map(|n| u64::try_from(n).unwrap_or(0));
        StoreStats {
            projects,
            revisions,
            packages,
            results,
            result_bytes,
            jobs,
        }
    }
}

/// What [`crate::Store::gc_results`] removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GcReport {
    /// Results removed.
    pub results: u64,
    /// Their uncompressed bytes.
    pub bytes: u64,
}

impl GcReport {
    pub(crate) fn of_sizes(sizes: &[i64]) -> Self {
        GcReport {
            results: sizes.len() as u64,
            bytes: sizes.iter().map(|&s| u64::try_from(s).unwrap_or(0)).sum(),
        }
    }
}

/// A job to enqueue for `gofed scan`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewJob {
    /// What kind of job, e.g. `api_revision`; workers claim jobs of one kind.
    pub kind: String,
    /// A key unique per kind (e.g. `github.com/x/y@v1.2.0`): enqueueing it again does nothing.
    pub key: String,
    /// The job's parameters, a JSON document chosen by the scan.
    pub payload: String,
}

/// Where a job is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for a worker.
    Queued,
    /// Claimed by a worker that has not finished it.
    Claimed,
    /// Completed.
    Done,
    /// Failed; the error is kept.
    Failed,
}

impl JobState {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Claimed => "claimed",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self, StoreError> {
        Ok(match s {
            "queued" => JobState::Queued,
            "claimed" => JobState::Claimed,
            "done" => JobState::Done,
            "failed" => JobState::Failed,
            _ => return Err(StoreError::Corrupt(format!("unknown job state {s:?}"))),
        })
    }
}

/// How many jobs of a kind are in each state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobCounts {
    /// Waiting for a worker.
    pub queued: u64,
    /// Claimed and not finished.
    pub claimed: u64,
    /// Completed.
    pub done: u64,
    /// Failed.
    pub failed: u64,
}

impl JobCounts {
    /// Adds `n` jobs in `state` (a stored state name; others are corrupt).
    pub(crate) fn add(&mut self, state: &str, n: i64) -> Result<(), StoreError> {
        let n = u64::try_from(n).unwrap_or(0);
        match JobState::parse(state)? {
            JobState::Queued => self.queued += n,
            JobState::Claimed => self.claimed += n,
            JobState::Done => self.done += n,
            JobState::Failed => self.failed += n,
        }
        Ok(())
    }
}

/// A job as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    /// The job's id, unique in the store.
    pub id: i64,
    /// Its kind.
    pub kind: String,
    /// Its key, unique per kind.
    pub key: String,
    /// Its parameters.
    pub payload: String,
    /// Where it is.
    pub state: JobState,
    /// The worker that claimed it last.
    pub worker: Option<String>,
    /// How many times it was claimed.
    pub attempts: u32,
    /// The error of a failed job.
    pub error: Option<String>,
}
