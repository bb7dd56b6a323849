//! The store's one error type.

use std::path::PathBuf;

use crate::{ResultKey, Sha256};

/// What went wrong in the store; every variant names the blob, key or operation concerned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A SQLite call failed.
    #[error("sqlite: {what}: {source}")]
    Sqlite {
        /// The operation and its subject.
        what: String,
        /// The driver's error.
        #[source]
        source: rusqlite::Error,
    },
    /// A PostgreSQL call failed.
    #[error("postgres: {what}: {source}")]
    Postgres {
        /// The operation and its subject.
        what: String,
        /// The driver's error.
        #[source]
        source: tokio_postgres::Error,
    },
    /// No PostgreSQL connection could be had from the pool.
    #[error("postgres: {what}: no connection: {message}")]
    Pool {
        /// The operation and its subject.
        what: String,
        /// The pool's error.
        message: String,
    },
    /// A file of the blob directory could not be read or written.
    #[error("{what} {}: {source}", path.display())]
    Io {
        /// The operation.
        what: String,
        /// The file or directory.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// A stored blob does not hash to its name: it is never served.
    #[error("blob {sha256} is corrupt: {detail}")]
    CorruptBlob {
        /// The blob's name.
        sha256: Sha256,
        /// What is wrong.
        detail: String,
    },
    /// A stored result does not decompress or does not match its recorded digest.
    #[error("result {key} is corrupt: {detail}")]
    CorruptResult {
        /// The result's key.
        key: Box<ResultKey>,
        /// What is wrong.
        detail: String,
    },
    /// A row holds a value the store never writes.
    #[error("corrupt store: {0}")]
    Corrupt(String),
    /// The database was written by a newer gofed.
    #[error(
        "the store's schema is version {found}, newer than this gofed's {supported}: upgrade gofed"
    )]
    SchemaTooNew {
        /// The version in the database.
        found: i64,
        /// The newest version this code knows.
        supported: i64,
    },
    /// A record refers to a project, revision or package that is not stored.
    #[error("unknown {0}")]
    Unknown(String),
    /// A job is not claimed by the worker that tries to finish it.
    #[error("job {id} is not claimed by worker {worker}")]
    JobNotClaimed {
        /// The job's id.
        id: i64,
        /// The worker.
        worker: String,
    },
    /// A string that should be 64 hex digits is not.
    #[error("invalid sha256 digest {0:?}")]
    InvalidDigest(String),
    /// A cursor that the store did not hand out.
    #[error("invalid cursor {0:?}")]
    InvalidCursor(String),
    /// A blocking task of the SQLite driver did not finish (it panicked or the runtime is going away).
    #[error("{what}: the store task did not finish: {message}")]
    Task {
        /// The operation.
        what: String,
        /// Why.
        message: String,
    },
}
