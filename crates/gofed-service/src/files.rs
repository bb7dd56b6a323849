//! Content-addressed blobs: `PUT`, `GET` and `HEAD /v1/files/{sha256}`.
//!
//! Blobs live in a directory (`[server] files = "dir"`, the default) or in the gofed store (`files = "store"`).
//! In a directory they are at `<blob_dir>/sha256/<first two hex digits>/<sha256>`; an upload streams into
//! `<blob_dir>/tmp/`, hashing as it goes, and only a complete body with the right hash is renamed into place
//! (atomic on one file system). In the store an upload is received in memory, hashed, and handed to
//! `gofed_store::Store::put_blob` (SQLite: its blob directory, written the same way; PostgreSQL: chunks in one
//! transaction), so every `filestorage` instance on one PostgreSQL serves every file; a read is checked against
//! the sha256 before a byte is sent. Either way an interrupted or wrong upload never leaves a blob. Uploading a
//! blob that exists answers 200 without reading or rewriting it; a new one answers 201.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Body;
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;
use tokio_util::io::ReaderStream;

use crate::envelope::FileInfo;
use crate::error::ServiceError;
use crate::limits::check_content_length;
use crate::server::AppState;

/// Where the envelope's `/v1/files` routes and the `filestorage` service's actions keep blobs: a directory, or
/// the gofed store.
pub struct BlobStore {
    backend: Backend,
}

enum Backend {
    /// Files under a directory.
    Dir(PathBuf),
    /// The store's blobs.
    Store(gofed_store::Store),
}

impl std::fmt::Debug for BlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.backend {
            Backend::Dir(root) => f.debug_tuple("BlobStore::Dir").field(root).finish(),
            Backend::Store(_) => f.write_str("BlobStore::Store"),
        }
    }
}

/// Numbers temporary files, process-wide: several stores may share a directory.
static NEXT_TMP: AtomicU64 = AtomicU64::new(0);

/// The path of blob `sha256` under `root`.
fn blob_path(root: &Path, sha256: &str) -> PathBuf {
    root.join("sha256").join(&sha256[..2]).join(sha256)
}

/// A store error as the envelope answers it: a blob that does not match its name is never served.
fn store_error(what: &str, err: gofed_store::StoreError) -> ServiceError {
    ServiceError::internal(format!("{what} (store)"), err)
}

/// The store's name for a checked sha256.
fn store_sha256(sha256: &str) -> Result<gofed_store::Sha256, ServiceError> {
    sha256
        .parse()
        .map_err(|err| ServiceError::invalid_input("sha256", format!("{err}")))
}

impl BlobStore {
    /// Open (creating) the blob directory.
    pub fn open(root: PathBuf) -> std::io::Result<BlobStore> {
        std::fs::create_dir_all(root.join("tmp"))?;
        std::fs::create_dir_all(root.join("sha256"))?;
        Ok(BlobStore {
            backend: Backend::Dir(root),
        })
    }

    /// A store at `root` that touches nothing until the first write creates its directories (for describing a
    /// service without serving it).
    pub fn at(root: PathBuf) -> BlobStore {
        BlobStore {
            backend: Backend::Dir(root),
        }
    }

    /// Blobs kept in the gofed store.
    pub fn on_store(store: gofed_store::Store) -> BlobStore {
        BlobStore {
            backend: Backend::Store(store),
        }
    }

    /// The size of blob `sha256` (64 hex digits) when the store has it.
    pub async fn size(&self, sha256: &str) -> Result<Option<u64>, ServiceError> {
        let sha256 = parse_sha256(sha256)?;
        match &self.backend {
            Backend::Dir(root) => size_of(&blob_path(root, &sha256)).await,
            Backend::Store(store) => store
                .blob_size(store_sha256(&sha256)?)
                .await
                .map_err(|err| store_error("stat blob", err)),
        }
    }

    /// The bytes of blob `sha256`, checked against it (a blob changed on disk is an error, never served), or
    /// `None` when the store does not have it.
    pub async fn read(&self, sha256: &str) -> Result<Option<Vec<u8>>, ServiceError> {
        let sha256 = parse_sha256(sha256)?;
        let root = match &self.backend {
            Backend::Dir(root) => root,
            Backend::Store(store) => {
                return store
                    .get_blob(store_sha256(&sha256)?)
                    .await
                    .map_err(|err| store_error("read blob", err));
            }
        };
        let path = blob_path(root, &sha256);
        let bytes = match tokio::fs::read(&path).await {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(err) => {
                return Err(ServiceError::internal(
                    format!("read {}", path.display()),
                    err,
                ))
            }
        };
        if hex::encode(Sha256::digest(&bytes)) != sha256 {
            return Err(ServiceError::internal(
                format!("blob {sha256}"),
                std::io::Error::other("its content does not match its sha256"),
            ));
        }
        Ok(Some(bytes))
    }

    /// Stores `bytes` (atomically: a temporary file renamed into place) unless already there.
    pub async fn put_bytes(&self, bytes: &[u8]) -> Result<FileInfo, ServiceError> {
        let sha256 = hex::encode(Sha256::digest(bytes));
        let size = bytes.len() as u64;
        let root = match &self.backend {
            Backend::Dir(root) => root,
            Backend::Store(store) => {
                store
                    .put_blob(bytes.to_vec())
                    .await
                    .map_err(|err| store_error("store blob", err))?;
                return Ok(FileInfo { sha256, size });
            }
        };
        let dest = blob_path(root, &sha256);
        if size_of(&dest).await?.is_some() {
            return Ok(FileInfo { sha256, size });
        }
        let mut tmp = TempFile {
            path: tmp_path(root, &sha256),
            persisted: false,
        };
        let io = |what: &str, err: std::io::Error| {
            ServiceError::internal(format!("{what} blob {sha256}"), err)
        };
        tokio::fs::create_dir_all(root.join("tmp"))
            .await
            .map_err(|err| io("mkdir for", err))?;
        tokio::fs::write(&tmp.path, bytes)
            .await
            .map_err(|err| io("write", err))?;
        tmp.persist(&dest).await.map_err(|err| io("store", err))?;
        Ok(FileInfo { sha256, size })
    }
}

/// A temporary file for blob `sha256` under `root`.
fn tmp_path(root: &Path, sha256: &str) -> PathBuf {
    let n = NEXT_TMP.fetch_add(1, Ordering::Relaxed);
    root.join("tmp")
        .join(format!("{sha256}.{}.{n}.part", std::process::id()))
}

/// A sha256 from the URL: 64 hex digits, normalised to lowercase.
pub(crate) fn parse_sha256(text: &str) -> Result<String, ServiceError> {
    if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(text.to_ascii_lowercase())
    } else {
        Err(ServiceError::invalid_input(
            "sha256",
            format!("`{text}` is not 64 hexadecimal digits"),
        ))
    }
}

pub(crate) fn router() -> Router<AppState> {
    Router::new().route(
        "/v1/files/{sha256}",
        get(get_file).head(head_file).put(put_file),
    )
}

async fn size_of(path: &Path) -> Result<Option<u64>, ServiceError> {
    match tokio::fs::metadata(path).await {
        Ok(meta) => Ok(Some(meta.len())),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(ServiceError::internal(
            format!("stat {}", path.display()),
            err,
        )),
    }
}

fn octet_headers(sha256: &str, size: u64) -> [(header::HeaderName, HeaderValue); 3] {
    [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/octet-stream"),
        ),
        (header::CONTENT_LENGTH, HeaderValue::from(size)),
        (
            header::ETAG,
            HeaderValue::from_str(&format!("\"{sha256}\""))
                .unwrap_or(HeaderValue::from_static("\"\"")),
        ),
    ]
}

async fn head_file(
    State(state): State<AppState>,
    UrlPath(sha256): UrlPath<String>,
) -> Result<Response, ServiceError> {
    let sha256 = parse_sha256(&sha256)?;
    match state.blobs().size(&sha256).await? {
        Some(size) => Ok((octet_headers(&sha256, size), Body::empty()).into_response()),
        None => Err(ServiceError::NotFound(format!("blob {sha256}"))),
    }
}

async fn get_file(
    State(state): State<AppState>,
    UrlPath(sha256): UrlPath<String>,
) -> Result<Response, ServiceError> {
    let sha256 = parse_sha256(&sha256)?;
    let root = match &state.blobs().backend {
        Backend::Dir(root) => root,
        // Read whole and checked before the first byte goes out.
        Backend::Store(_) => {
            return match state.blobs().read(&sha256).await? {
                Some(bytes) => {
                    let size = bytes.len() as u64;
                    Ok((octet_headers(&sha256, size), Body::from(bytes)).into_response())
                }
                None => Err(ServiceError::NotFound(format!("blob {sha256}"))),
            };
        }
    };
    let path = blob_path(root, &sha256);
    let file = match tokio::fs::File::open(&path).await {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(ServiceError::NotFound(format!("blob {sha256}")))
        }
        Err(err) => {
            return Err(ServiceError::internal(
                format!("open {}", path.display()),
                err,
            ))
        }
    };
    let size = file
        .metadata()
        .await
        .map_err(|err| ServiceError::internal("stat blob", err))?
        .len();
    let body = Body::from_stream(ReaderStream::with_capacity(file, 64 << 10));
    Ok((octet_headers(&sha256, size), body).into_response())
}

/// A temporary file removed on drop unless persisted.
struct TempFile {
    path: PathBuf,
    persisted: bool,
}

impl TempFile {
    /// Renames the file to `dest` (atomic on one file system), creating its directory.
    async fn persist(&mut self, dest: &Path) -> std::io::Result<()> {
        if let Some(parent) = dest.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        tokio::fs::rename(&self.path, dest).await?;
        self.persisted = true;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.persisted {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Where an upload goes while it arrives: a temporary file of the blob directory, or memory for the store.
enum Sink {
    /// The file, and where it goes once complete.
    File(tokio::fs::File, TempFile, PathBuf),
    /// The bytes, and the store they go to.
    Memory(Vec<u8>, gofed_store::Store),
}

async fn put_file(
    State(state): State<AppState>,
    UrlPath(sha256): UrlPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<FileInfo>), ServiceError> {
    let sha256 = parse_sha256(&sha256)?;
    let blobs = state.blobs();
    if let Some(size) = blobs.size(&sha256).await? {
        return Ok((StatusCode::OK, Json(FileInfo { sha256, size })));
    }
    let limit = state.config().file_body_limit;
    check_content_length(&headers, limit)?;

    let io = |what: &str, err: std::io::Error| {
        ServiceError::internal(format!("{what} upload of {sha256}"), err)
    };
    let mut sink = match &blobs.backend {
        Backend::Dir(root) => {
            let tmp = TempFile {
                path: tmp_path(root, &sha256),
                persisted: false,
            };
            let file = tokio::fs::File::create(&tmp.path)
                .await
                .map_err(|err| io("create", err))?;
            Sink::File(file, tmp, blob_path(root, &sha256))
        }
        Backend::Store(store) => Sink::Memory(Vec::new(), store.clone()),
    };
    let mut hasher = Sha256::new();
    let mut size = 0u64;
    let mut stream = body.into_data_stream();
    // An upload may take long, but it must keep coming: each piece within the body read timeout.
    let idle_ms = state.config().body_read_timeout_ms;
    let idle = std::time::Duration::from_millis(idle_ms);
    loop {
        let next = tokio::time::timeout(idle, stream.next())
            .await
            .map_err(|_| ServiceError::RequestTimeout { ms: idle_ms })?;
        let Some(chunk) = next else {
            break;
        };
        let chunk = chunk.map_err(|err| {
            ServiceError::invalid_input("body", format!("upload interrupted: {err}"))
        })?;
        size += chunk.len() as u64;
        if size > limit {
            return Err(ServiceError::PayloadTooLarge { limit });
        }
        hasher.update(&chunk);
        match &mut sink {
            Sink::File(file, _, _) => file
                .write_all(&chunk)
                .await
                .map_err(|err| io("write", err))?,
            Sink::Memory(bytes, _) => bytes.extend_from_slice(&chunk),
        }
    }
    let actual = hex::encode(hasher.finalize());
    if actual != sha256 {
        return Err(ServiceError::HashMismatch {
            expected: sha256,
            actual,
        });
    }
    match sink {
        Sink::File(mut file, mut tmp, dest) => {
            file.flush().await.map_err(|err| io("flush", err))?;
            file.sync_all().await.map_err(|err| io("sync", err))?;
            drop(file);
            tmp.persist(&dest).await.map_err(|err| io("store", err))?;
        }
        Sink::Memory(bytes, store) => {
            store
                .put_blob(bytes)
                .await
                .map_err(|err| store_error("store blob", err))?;
        }
    }
    Ok((StatusCode::CREATED, Json(FileInfo { sha256, size })))
}
