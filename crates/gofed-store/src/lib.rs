//! gofed's store: blobs by sha256, projects and their revisions, distribution packages,
//! compressed analysis results, and the job table of `gofed scan`.
//!
//! One API, [`Store`], over two drivers that pass the same test suite (`tests/store.rs`):
//!
//! - **SQLite** ([`Store::open_sqlite`]): a database in WAL mode (one writer, many readers) and a
//!   directory of blob files, the embedded default under [`default_store_dir`];
//! - **PostgreSQL** ([`Store::connect_postgres`]): metadata, results and blobs (in 1 MiB chunks)
//!   in one database, so that service instances on several machines share one store.
//!
//! Both apply the embedded schema migrations on open, in one transaction, and refuse a database
//! written by a newer gofed ([`StoreError::SchemaTooNew`]).
//!
//! ```
//! # fn main() -> Result<(), gofed_store::StoreError> {
//! # let tmp = tempfile::tempdir().expect("a temp dir");
//! # let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
//! # runtime.block_on(async {
//! use gofed_store::{Sha256, Store};
//! let store = Store::open_sqlite(tmp.path()).await?;
//! let id = store.put_blob(b"package main\n".to_vec()).await?;
//! assert_eq!(id, Sha256::of(b"package main\n"));
//! assert_eq!(store.get_blob(id).await?.as_deref(), Some(&b"package main\n"[..]));
//! # Ok(()) })
//! # }
//! ```
//!
//! Invariants:
//! - a blob or result is visible only once completely written, and its sha256 is checked on
//!   every read: a corrupted one is an error ([`StoreError::CorruptBlob`],
//!   [`StoreError::CorruptResult`]), never served;
//! - the store does no I/O but its own database and blob directory;
//! - nothing read from the database or the blob directory can make it panic.
#![warn(missing_docs)]

mod error;
mod model;
mod postgres;
mod result_reader;
mod result_writer;
mod sqlite;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use error::StoreError;
pub use model::{
    Cursor, GcReport, Job, JobCounts, JobState, NewJob, Package, PackageKey, Page, PageRequest,
    Project, ResultEntry, ResultKey, Revision, Sha256, StoreStats, Subject,
};
pub use postgres::PostgresStore;
pub use result_reader::ResultReader;
pub use result_writer::ResultWriter;
pub use sqlite::SqliteStore;

/// The store's directory when nothing says otherwise: `$GOFED_STORE_DIR`, else
/// `$XDG_DATA_HOME/gofed/store`, else `~/.local/share/gofed/store`; `None` without a home.
pub fn default_store_dir() -> Option<PathBuf> {
    let non_empty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    if let Some(dir) = non_empty("GOFED_STORE_DIR") {
        return Some(PathBuf::from(dir));
    }
    if let Some(data) = non_empty("XDG_DATA_HOME") {
        return Some(PathBuf::from(data).join("gofed").join("store"));
    }
    non_empty("HOME").map(|home| PathBuf::from(home).join(".local/share/gofed/store"))
}

/// A store, on one of the drivers. Cheap to clone: clones share the connections.
///
/// An enum rather than a trait object: the methods are plain `async fn`s that services and
/// scenarios call directly, with no boxing of futures.
#[derive(Clone)]
pub enum Store {
    /// SQLite and a blob directory.
    Sqlite(SqliteStore),
    /// PostgreSQL.
    Postgres(PostgresStore),
}

impl std::fmt::Debug for Store {
    /// The driver only: a connection string may hold a password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Store::Sqlite(_) => f.write_str("Store::Sqlite"),
            Store::Postgres(_) => f.write_str("Store::Postgres"),
        }
    }
}

macro_rules! dispatch {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match $self {
            Store::Sqlite(s) => s.$method($($arg),*).await,
            Store::Postgres(s) => s.$method($($arg),*).await,
        }
    };
}

impl Store {
    /// Opens (creating it if needed) the SQLite store in `dir`: `dir/store.sqlite` and the blob
    /// directory `dir/blobs`.
    pub async fn open_sqlite(dir: &Path) -> Result<Store, StoreError> {
        SqliteStore::open(dir).await.map(Store::Sqlite)
    }

    /// Connects to PostgreSQL with a libpq-style connection string (`host=... user=... dbname=...`
    /// or a `postgresql://` URL), applying the migrations.
    pub async fn connect_postgres(config: &str) -> Result<Store, StoreError> {
        PostgresStore::connect(config).await.map(Store::Postgres)
    }

    /// The schema version of the database (the number of migrations applied).
    pub async fn schema_version(&self) -> Result<i64, StoreError> {
        dispatch!(self.schema_version())
    }

    /// Stores a blob and returns its name. Storing it again does nothing (but repairs a
    /// corrupted copy on SQLite).
    pub async fn put_blob(&self, data: Vec<u8>) -> Result<Sha256, StoreError> {
        dispatch!(self.put_blob(data))
    }

    /// The blob's bytes, checked against its name; `None` when it is not stored.
    pub async fn get_blob(&self, sha256: Sha256) -> Result<Option<Vec<u8>>, StoreError> {
        dispatch!(self.get_blob(sha256))
    }

    /// Whether the blob is stored (not checked: reading it checks it).
    pub async fn has_blob(&self, sha256: Sha256) -> Result<bool, StoreError> {
        Ok(self.blob_size(sha256).await?.is_some())
    }

    /// The blob's size in bytes; `None` when it is not stored.
    pub async fn blob_size(&self, sha256: Sha256) -> Result<Option<u64>, StoreError> {
        dispatch!(self.blob_size(sha256))
    }

    /// How many records the store holds.
    pub async fn stats(&self) -> Result<StoreStats, StoreError> {
        dispatch!(self.stats())
    }

    /// Removes the results computed by an engine other than `keep_engine` that no project revision
    /// or package records: the result cache never serves them again. Recorded results stay.
    pub async fn gc_results(&self, keep_engine: &str) -> Result<GcReport, StoreError> {
        dispatch!(self.gc_results(keep_engine))
    }

    /// Stores a project, or updates its repository.
    pub async fn put_project(&self, project: &Project) -> Result<(), StoreError> {
        dispatch!(self.put_project(project))
    }

    /// The project with this import path.
    pub async fn get_project(&self, import_path: &str) -> Result<Option<Project>, StoreError> {
        dispatch!(self.get_project(import_path))
    }

    /// The projects, in the order they were first stored.
    pub async fn list_projects(&self, page: PageRequest) -> Result<Page<Project>, StoreError> {
        dispatch!(self.list_projects(None, None, page))
    }

    /// The projects whose import path contains `text` (ignoring ASCII case), with a result of `action` recorded
    /// when one is given, in the order they were first stored: the console's search.
    pub async fn search_projects(
        &self,
        text: &str,
        action: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Project>, StoreError> {
        dispatch!(self.list_projects(action, Some(text), page))
    }

    /// The projects with a result of `action` recorded under one of their revisions (with `None`, all of them),
    /// in the order they were first stored.
    pub async fn list_projects_recording(
        &self,
        action: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Project>, StoreError> {
        dispatch!(self.list_projects(action, None, page))
    }

    /// Stores a revision of a stored project, or updates its tag and time.
    pub async fn put_revision(&self, revision: &Revision) -> Result<(), StoreError> {
        dispatch!(self.put_revision(revision))
    }

    /// A revision of a project.
    pub async fn get_revision(
        &self,
        import_path: &str,
        commit: &str,
    ) -> Result<Option<Revision>, StoreError> {
        dispatch!(self.get_revision(import_path, commit))
    }

    /// The revision of a project that `rev` names: a commit id, else a tag (the newest revision
    /// stored with that tag, should a tag have moved).
    pub async fn find_revision(
        &self,
        import_path: &str,
        rev: &str,
    ) -> Result<Option<Revision>, StoreError> {
        dispatch!(self.find_revision(import_path, rev))
    }

    /// The revisions of a stored project, in the order they were first stored.
    pub async fn list_revisions(
        &self,
        import_path: &str,
        page: PageRequest,
    ) -> Result<Page<Revision>, StoreError> {
        dispatch!(self.list_revisions(import_path, None, page))
    }

    /// The revisions of a stored project with a result of `action` recorded (with `None`, all of them), in the
    /// order they were first stored.
    pub async fn list_revisions_recording(
        &self,
        import_path: &str,
        action: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Revision>, StoreError> {
        dispatch!(self.list_revisions(import_path, action, page))
    }

    /// Stores a package, or updates its source RPM.
    pub async fn put_package(&self, package: &Package) -> Result<(), StoreError> {
        dispatch!(self.put_package(package))
    }

    /// A package by name, version, release and distribution.
    pub async fn get_package(&self, key: &PackageKey) -> Result<Option<Package>, StoreError> {
        dispatch!(self.get_package(key))
    }

    /// The distributions of the stored packages, each once, sorted.
    pub async fn list_distros(&self) -> Result<Vec<String>, StoreError> {
        dispatch!(self.list_distros())
    }

    /// The packages, in the order they were first stored.
    pub async fn list_packages(&self, page: PageRequest) -> Result<Page<Package>, StoreError> {
        dispatch!(self.list_packages(None, None, page))
    }

    /// The packages whose name contains `text` (ignoring ASCII case), with a result of `action` recorded when one
    /// is given, in the order they were first stored.
    pub async fn search_packages(
        &self,
        text: &str,
        action: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Package>, StoreError> {
        dispatch!(self.list_packages(action, Some(text), page))
    }

    /// The packages with a result of `action` recorded (with `None`, all of them), in the order they were first
    /// stored.
    pub async fn list_packages_recording(
        &self,
        action: Option<&str>,
        page: PageRequest,
    ) -> Result<Page<Package>, StoreError> {
        dispatch!(self.list_packages(action, None, page))
    }

    /// Stores a result (compressed), replacing one with the same key, and links it to its
    /// subject, which must be stored. Returns what a listing shows of it.
    pub async fn put_result(
        &self,
        key: &ResultKey,
        data: &[u8],
        subject: Option<&Subject>,
    ) -> Result<ResultEntry, StoreError> {
        let mut written = ResultWriter::new().map_err(|err| compress_error(key, err))?;
        std::io::Write::write_all(&mut written, data).map_err(|err| compress_error(key, err))?;
        self.put_written_result(key, written, subject).await
    }

    /// Stores a result written to `written`, as [`Store::put_result`] does.
    pub async fn put_written_result(
        &self,
        key: &ResultKey,
        written: ResultWriter,
        subject: Option<&Subject>,
    ) -> Result<ResultEntry, StoreError> {
        let (compressed, size, digest) =
            written.finish().map_err(|err| compress_error(key, err))?;
        let entry = ResultEntry {
            key: key.clone(),
            size,
            digest,
        };
        match self {
            Store::Sqlite(s) => s.put_result(&entry, compressed, subject).await?,
            Store::Postgres(s) => s.put_result(&entry, &compressed, subject).await?,
        }
        Ok(entry)
    }

    /// The result's bytes, decompressed and checked; `None` when it is not stored.
    pub async fn get_result(&self, key: &ResultKey) -> Result<Option<Vec<u8>>, StoreError> {
        let stored = dispatch!(self.get_result(key))?;
        stored.map(|s| s.decompress(key)).transpose()
    }

    /// The result as a reader that decompresses it as it is read (see [`ResultReader`]), for a result
    /// passed on rather than kept (a cached answer written out); `None` when it is not stored.
    pub async fn read_result(&self, key: &ResultKey) -> Result<Option<ResultReader>, StoreError> {
        let stored = dispatch!(self.get_result(key))?;
        stored.map(|s| s.reader(key)).transpose()
    }

    /// The results linked to a stored revision, in the order they were first stored.
    pub async fn list_revision_results(
        &self,
        import_path: &str,
        commit: &str,
        page: PageRequest,
    ) -> Result<Page<ResultEntry>, StoreError> {
        dispatch!(self.list_revision_results(import_path, commit, page))
    }

    /// The results linked to a stored package, in the order they were first stored.
    pub async fn list_package_results(
        &self,
        key: &PackageKey,
        page: PageRequest,
    ) -> Result<Page<ResultEntry>, StoreError> {
        dispatch!(self.list_package_results(key, page))
    }

    /// Enqueues a job; `false` when a job of that kind and key exists already (in any state).
    pub async fn enqueue_job(&self, job: &NewJob) -> Result<bool, StoreError> {
        dispatch!(self.enqueue_job(job))
    }

    /// Claims the oldest queued job of `kind` for `worker`; no two claimers get the same job.
    pub async fn claim_job(&self, kind: &str, worker: &str) -> Result<Option<Job>, StoreError> {
        dispatch!(self.claim_job(kind, worker))
    }

    /// Marks a job claimed by `worker` done. Fails with [`StoreError::JobNotClaimed`] when the
    /// claim was lost (requeued as stale, claimed by another worker).
    pub async fn complete_job(&self, id: i64, worker: &str) -> Result<(), StoreError> {
        dispatch!(self.finish_job(id, worker, None))
    }

    /// Marks a job claimed by `worker` failed, keeping the error.
    pub async fn fail_job(&self, id: i64, worker: &str, error: &str) -> Result<(), StoreError> {
        dispatch!(self.finish_job(id, worker, Some(error)))
    }

    /// Puts jobs claimed longer than `older_than` ago back in the queue (their worker died);
    /// returns how many.
    pub async fn requeue_stale_jobs(&self, older_than: Duration) -> Result<u64, StoreError> {
        dispatch!(self.requeue_stale_jobs(older_than))
    }

    /// Puts the jobs `worker` has claimed back in the queue: a worker restarted under its name resumes what it
    /// was doing when it died, without waiting for the jobs to go stale. Returns how many.
    pub async fn release_worker_jobs(&self, worker: &str) -> Result<u64, StoreError> {
        dispatch!(self.release_worker_jobs(worker))
    }

    /// How many jobs of `kind` are in each state.
    pub async fn job_counts(&self, kind: &str) -> Result<JobCounts, StoreError> {
        dispatch!(self.job_counts(kind))
    }

    /// The jobs of `kind`, in the order they were enqueued.
    pub async fn list_jobs(&self, kind: &str, page: PageRequest) -> Result<Page<Job>, StoreError> {
        dispatch!(self.list_jobs(kind, page))
    }

    /// A job by id.
    pub async fn get_job(&self, id: i64) -> Result<Option<Job>, StoreError> {
        dispatch!(self.get_job(id))
    }
}

/// A result as a driver reads it: still compressed.
pub(crate) struct StoredResult {
    pub data: Vec<u8>,
    pub size: i64,
    /// The sha256 of the result (decompressed).
    pub digest: Vec<u8>,
    /// The sha256 of `data`, the stored bytes (none for a result stored before schema 2).
    pub data_digest: Option<Vec<u8>>,
}

impl StoredResult {
    /// The result's bytes, checked: the stored bytes against their sha256 before they are
    /// decompressed (zstd yields the same result from the same bytes), or, for a result stored
    /// without that digest, the result against its own.
    fn decompress(self, key: &ResultKey) -> Result<Vec<u8>, StoreError> {
        let corrupt = |detail: String| corrupt_result(key, detail);
        self.check_stored_bytes(key)?;
        // Decompressed into a buffer of the recorded size: a result of megabytes is not grown (copied) to fit.
        let size = usize::try_from(self.size)
            .map_err(|_| corrupt(format!("{} bytes recorded", self.size)))?;
        let mut data = Vec::new();
        // The recorded size is data too: one that cannot be allocated is a corrupt result, not an abort.
        data.try_reserve_exact(size)
            .map_err(|_| corrupt(format!("{size} bytes recorded: more than can be allocated")))?;
        zstd::bulk::Decompressor::new()
            .and_then(|mut d| d.decompress_to_buffer(&self.data[..], &mut data))
            .map_err(|err| corrupt(format!("does not decompress to {size} bytes: {err}")))?;
        if data.len() != size {
            return Err(corrupt(format!("{} bytes, {size} recorded", data.len())));
        }
        if self.data_digest.is_some() {
            return Ok(data);
        }
        let digest = Sha256::of(&data);
        if digest.as_bytes()[..] != self.digest[..] {
            return Err(corrupt(format!(
                "sha256 {digest}, {} recorded",
                hex::encode(&self.digest)
            )));
        }
        Ok(data)
    }

    /// A reader of the result: its stored bytes checked first, decompressed as they are read; a result stored
    /// without their digest is decompressed and checked whole first, as [`StoredResult::decompress`] does.
    fn reader(self, key: &ResultKey) -> Result<ResultReader, StoreError> {
        if self.data_digest.is_none() {
            return Ok(ResultReader::checked(self.decompress(key)?, key));
        }
        self.check_stored_bytes(key)?;
        let size = u64::try_from(self.size)
            .map_err(|_| corrupt_result(key, format!("{} bytes recorded", self.size)))?;
        ResultReader::compressed(self.data, size, key)
    }

    /// Checks the stored bytes against their recorded sha256, when there is one.
    fn check_stored_bytes(&self, key: &ResultKey) -> Result<(), StoreError> {
        if let Some(recorded) = &self.data_digest {
            let digest = Sha256::of(&self.data);
            if digest.as_bytes()[..] != recorded[..] {
                return Err(corrupt_result(
                    key,
                    format!(
                        "stored bytes' sha256 {digest}, {} recorded",
                        hex::encode(recorded)
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// A [`StoreError::CorruptResult`] of `key`.
pub(crate) fn corrupt_result(key: &ResultKey, detail: String) -> StoreError {
    StoreError::CorruptResult {
        key: Box::new(key.clone()),
        detail,
    }
}

/// The error of a driver's closure: a database error (named by the caller) or a store error.
pub(crate) enum Fail {
    Sqlite(rusqlite::Error),
    Postgres(tokio_postgres::Error),
    Store(StoreError),
}

impl From<rusqlite::Error> for Fail {
    fn from(e: rusqlite::Error) -> Self {
        Fail::Sqlite(e)
    }
}

impl From<tokio_postgres::Error> for Fail {
    fn from(e: tokio_postgres::Error) -> Self {
        Fail::Postgres(e)
    }
}

impl From<StoreError> for Fail {
    fn from(e: StoreError) -> Self {
        Fail::Store(e)
    }
}

impl Fail {
    fn named(self, what: impl FnOnce() -> String) -> StoreError {
        match self {
            Fail::Sqlite(source) => StoreError::Sqlite {
                what: what(),
                source,
            },
            Fail::Postgres(source) => StoreError::Postgres {
                what: what(),
                source,
            },
            Fail::Store(e) => e,
        }
    }
}

/// A failure to compress result `key` (only an allocation failure or a zstd bug can cause it).
fn compress_error(key: &ResultKey, source: std::io::Error) -> StoreError {
    StoreError::Io {
        what: format!("compress result {key}"),
        path: PathBuf::new(),
        source,
    }
}
