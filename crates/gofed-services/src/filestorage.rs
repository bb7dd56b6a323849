//! The `filestorage` service: content-addressed files that other services fetch by id.
//!
//! The bytes themselves travel through the envelope's `PUT|GET|HEAD /v1/files/{sha256}` (streamed, hash-verified);
//! these actions tell a client where to send or find a file, and take small files inline.

use std::sync::Arc;

use base64::Engine as _;
use gofed_service::{BlobStore, FileRef, Service, ServiceError, Sha256};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Input of `upload_url` and `download`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct FileQuery {
    /// Lowercase hex sha256 of the content.
    pub sha256: String,
}

/// Output of `upload_url`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct UploadUrl {
    /// Where to `PUT` the bytes.
    pub url: String,
    /// Whether the file is already stored (then there is nothing to send).
    pub exists: bool,
}

/// Input of `upload`: a small file inline.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct InlineFile {
    /// The content, base64 (standard alphabet, padded). Limited by the JSON body limit; larger files go through
    /// `upload_url`.
    pub content_base64: String,
}

/// Output of `download`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct DownloadUrl {
    /// Where to `GET` the bytes.
    pub url: String,
    /// Size in bytes.
    pub size: u64,
}

/// Stores `bytes` (an input a storage service fetched, an archive it made) where the caller will fetch it:
/// in `filestorage` through the context's system when there is one (`gofed serve`), else in `blobs`
/// (in-process). `what` names it in errors.
pub async fn store_bytes(
    context: &crate::ServiceContext,
    blobs: &BlobStore,
    bytes: Vec<u8>,
    what: &str,
) -> Result<FileRef, ServiceError> {
    match &context.system {
        Some(system) => system
            .upload_bytes(bytes.into())
            .await
            .map_err(|err| ServiceError::internal(format!("storing {what}"), err)),
        None => {
            let info = blobs.put_bytes(&bytes).await?;
            Ok(FileRef {
                sha256: Sha256::parse(&info.sha256)
                    .map_err(|err| ServiceError::internal(format!("storing {what}"), err))?,
                size: info.size,
                origin: None,
            })
        }
    }
}

/// The service, storing in `blobs` and reachable at `public_url` (the envelope's base URL).
pub fn service(blobs: Arc<BlobStore>, public_url: &str) -> Service {
    let public_url: Arc<str> = public_url.trim_end_matches('/').into();
    let url_of = move |sha256: &str| format!("{public_url}/v1/files/{sha256}");
    let (url_a, url_b) = (url_of.clone(), url_of);
    let (blobs_a, blobs_b, blobs_c) = (Arc::clone(&blobs), Arc::clone(&blobs), blobs);
    Service::new(
        "filestorage",
        env!("CARGO_PKG_VERSION"),
        "content-addressed file storage: files other services fetch by sha256",
    )
    .action(
        "upload_url",
        "Where to PUT a file of this sha256, and whether it is already stored (HEAD semantics).",
        move |query: FileQuery| {
            let (blobs, url_of) = (Arc::clone(&blobs_a), url_a.clone());
            async move {
                let exists = blobs.size(&query.sha256).await?.is_some();
                Ok(UploadUrl {
                    url: url_of(&query.sha256.to_ascii_lowercase()),
                    exists,
                })
            }
        },
    )
    .action(
        "upload",
        "Store a small file sent inline (base64); answers its file id.",
        move |file: InlineFile| {
            let blobs = Arc::clone(&blobs_b);
            async move {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(file.content_base64.as_bytes())
                    .map_err(|err| {
                        ServiceError::invalid_input("content_base64", err.to_string())
                    })?;
                let info = blobs.put_bytes(&bytes).await?;
                let sha256 = Sha256::parse(&info.sha256)
                    .map_err(|err| ServiceError::internal("storing an upload", err))?;
                Ok(FileRef {
                    sha256,
                    size: info.size,
                    origin: None,
                })
            }
        },
    )
    .action(
        "download",
        "Where to GET a stored file, and its size; not_found when it is not stored here.",
        move |query: FileQuery| {
            let (blobs, url_of) = (Arc::clone(&blobs_c), url_b.clone());
            async move {
                match blobs.size(&query.sha256).await? {
                    Some(size) => Ok(DownloadUrl {
                        url: url_of(&query.sha256.to_ascii_lowercase()),
                        size,
                    }),
                    None => Err(ServiceError::NotFound(format!("file {}", query.sha256))),
                }
            }
        },
    )
}
