//! HTTP client of one envelope instance: call actions, read `/v1/info`, move files.
//!
//! Uploads ask `HEAD /v1/files/{sha256}` first, so a blob that the instance already holds is not sent again.

use std::path::Path;
use std::time::Duration;

use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::config::ClientConfig;
use crate::envelope::{ActionResponse, ErrorBody, FileInfo, Info, Sha256 as Sha256Id};

/// Longest wait for a TCP connection to an instance.
const CONNECT_TIMEOUT_MS: u64 = 2_000;

/// Most bytes of an error document read from an instance (the rest is dropped: an error needs no more).
const ERROR_BODY_LIMIT: usize = 64 << 10;

/// Most bytes of a `GET /v1/info` answer read from an instance: a real one is a few KB (its actions and
/// their schemas); `system status` asks every registered instance, and one that answers without end must
/// cost an error, not memory.
pub const MAX_INFO_BYTES: u64 = 4 << 20;

/// An HTTP client configured as `config` says (call timeout, quick connect timeout), to share between the
/// [`Client`]s of many instances ([`Client::with_http`]): one connection pool, one set of buffers.
pub fn http_client(config: &ClientConfig) -> Result<reqwest::Client, reqwest::Error> {
    gofed_registry::tls::client_builder()
        .timeout(Duration::from_millis(config.timeout_ms))
        // A dead host should fail over quickly, whatever the (long) call timeout.
        .connect_timeout(Duration::from_millis(
            config.timeout_ms.min(CONNECT_TIMEOUT_MS),
        ))
        .build()
}

/// Errors of the client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The base URL is not a valid URL.
    #[error("invalid base URL `{url}`: {message}")]
    BaseUrl {
        /// The URL given.
        url: String,
        /// Why.
        message: String,
    },
    /// The request could not be made or its answer not read.
    #[error("{url}: {source}")]
    Http {
        /// The URL requested.
        url: String,
        /// Why.
        source: reqwest::Error,
    },
    /// The service answered with an error document.
    #[error("{url}: {status}: {code}: {message}")]
    Service {
        /// The URL requested.
        url: String,
        /// HTTP status.
        status: u16,
        /// Stable error code (see [`crate::error`]).
        code: String,
        /// Message.
        message: String,
    },
    /// The answer is not the expected document.
    #[error("{url}: unexpected answer: {message}")]
    Decode {
        /// The URL requested.
        url: String,
        /// What was wrong.
        message: String,
    },
    /// A local file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A download or an answer (`/v1/info`) is larger than the limit (declared or received); it was stopped there.
    #[error("{url}: answer larger than the limit of {limit} bytes")]
    TooLarge {
        /// The URL requested.
        url: String,
        /// The limit, in bytes.
        limit: u64,
    },
    /// A downloaded blob does not hash to its sha256.
    #[error("downloaded blob hashes to {actual}, not {expected}")]
    HashMismatch {
        /// The sha256 asked for.
        expected: String,
        /// The sha256 of what arrived.
        actual: String,
    },
}

impl ClientError {
    /// The stable error code when the service answered with an error document.
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Service { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// An absolute `http` or `https` URL.
fn check_base_url(base_url: &str) -> Result<(), ClientError> {
    let parsed = reqwest::Url::parse(base_url).map_err(|err| ClientError::BaseUrl {
        url: base_url.to_owned(),
        message: err.to_string(),
    })?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(ClientError::BaseUrl {
            url: base_url.to_owned(),
            message: "not http or https".to_owned(),
        });
    }
    Ok(())
}

/// Whether an upload sent the bytes or found them already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upload {
    /// The bytes were sent and stored.
    Sent,
    /// The instance already had the blob; nothing was sent.
    AlreadyThere,
}

/// A client of one envelope instance at a base URL such as `http://127.0.0.1:8811`.
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Client {
    /// A client for `base_url` with the given configuration (token, timeout).
    pub fn new(base_url: &str, config: &ClientConfig) -> Result<Client, ClientError> {
        check_base_url(base_url)?;
        let http = http_client(config).map_err(|source| ClientError::Http {
            url: base_url.to_owned(),
            source,
        })?;
        Client::with_http(base_url, config, http)
    }

    /// A client for `base_url` that shares `http` (made by [`http_client`]) with others.
    pub fn with_http(
        base_url: &str,
        config: &ClientConfig,
        http: reqwest::Client,
    ) -> Result<Client, ClientError> {
        check_base_url(base_url)?;
        Ok(Client {
            http,
            base: base_url.trim_end_matches('/').to_owned(),
            token: config.token.clone(),
        })
    }

    /// A client for another instance at `base_url` that shares this one's configuration and
    /// connection pool: much cheaper than [`Client::new`] when talking to many instances.
    pub fn for_base_url(&self, base_url: &str) -> Result<Client, ClientError> {
        check_base_url(base_url)?;
        Ok(Client {
            http: self.http.clone(),
            base: base_url.trim_end_matches('/').to_owned(),
            token: self.token.clone(),
        })
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn request(&self, method: reqwest::Method, url: &str) -> reqwest::RequestBuilder {
        let builder = self
            .http
            .request(method, url)
            .header(crate::request_id::HEADER, &*crate::request_id::current());
        match &self.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    async fn send(
        &self,
        url: &str,
        builder: reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ClientError> {
        let response = builder.send().await.map_err(|source| ClientError::Http {
            url: url.to_owned(),
            source,
        })?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status();
        let bytes = read_bounded(url, response, ERROR_BODY_LIMIT).await?;
        Err(match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) => ClientError::Service {
                url: url.to_owned(),
                status: status.as_u16(),
                code: body.error.code,
                message: body.error.message,
            },
            Err(_) => ClientError::Service {
                url: url.to_owned(),
                status: status.as_u16(),
                code: String::new(),
                message: String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).into_owned(),
            },
        })
    }

    async fn json<T: DeserializeOwned>(
        url: &str,
        response: reqwest::Response,
    ) -> Result<T, ClientError> {
        let bytes = response.bytes().await.map_err(|source| ClientError::Http {
            url: url.to_owned(),
            source,
        })?;
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(&mut de).map_err(|err| ClientError::Decode {
            url: url.to_owned(),
            message: format!("at `{}`: {}", err.path(), err.inner()),
        })
    }

    /// `GET /v1/info`.
    pub async fn info(&self) -> Result<Info, ClientError> {
        let url = self.url("/v1/info");
        let response = self
            .send(&url, self.request(reqwest::Method::GET, &url))
            .await?;
        let bytes = read_at_most(&url, response, MAX_INFO_BYTES).await?;
        let mut de = serde_json::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(&mut de).map_err(|err| ClientError::Decode {
            url: url.clone(),
            message: format!("at `{}`: {}", err.path(), err.inner()),
        })
    }

    /// `GET /metrics`: the Prometheus text (at most [`MAX_INFO_BYTES`], as `/v1/info`).
    pub async fn metrics(&self) -> Result<String, ClientError> {
        let url = self.url("/metrics");
        let response = self
            .send(&url, self.request(reqwest::Method::GET, &url))
            .await?;
        let bytes = read_at_most(&url, response, MAX_INFO_BYTES).await?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    /// Call `action` with a typed input, getting the typed output and its `meta`.
    pub async fn call<In: Serialize + ?Sized, Out: DeserializeOwned>(
        &self,
        action: &str,
        input: &In,
    ) -> Result<ActionResponse<Out>, ClientError> {
        let url = self.url(&format!("/v1/actions/{action}"));
        let response = self
            .send(&url, self.request(reqwest::Method::POST, &url).json(input))
            .await?;
        Client::json(&url, response).await
    }

    /// Call `action` with a JSON input document.
    pub async fn call_json(
        &self,
        action: &str,
        input: &serde_json::Value,
    ) -> Result<ActionResponse<serde_json::Value>, ClientError> {
        self.call(action, input).await
    }

    /// The size of blob `sha256` when the instance has it (`HEAD /v1/files/{sha256}`).
    pub async fn file_size(&self, sha256: &str) -> Result<Option<u64>, ClientError> {
        let url = self.url(&format!("/v1/files/{sha256}"));
        let response = self
            .request(reqwest::Method::HEAD, &url)
            .send()
            .await
            .map_err(|source| ClientError::Http {
                url: url.clone(),
                source,
            })?;
        match response.status() {
            StatusCode::NOT_FOUND => Ok(None),
            // Read the header itself: for HEAD, the body's length (what `content_length()` reports) is 0.
            status if status.is_success() => Ok(response
                .headers()
                .get(reqwest::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())),
            status => Err(ClientError::Service {
                url,
                status: status.as_u16(),
                code: if status == StatusCode::UNAUTHORIZED {
                    "unauthorized"
                } else {
                    ""
                }
                .to_owned(),
                message: format!("HEAD answered {status}"),
            }),
        }
    }

    /// Upload bytes, unless the instance already has them.
    pub async fn upload_bytes(
        &self,
        bytes: impl Into<bytes::Bytes>,
    ) -> Result<(FileInfo, Upload), ClientError> {
        let bytes = bytes.into();
        let sha256 = hex::encode(Sha256::digest(&bytes));
        if let Some(size) = self.file_size(&sha256).await? {
            return Ok((FileInfo { sha256, size }, Upload::AlreadyThere));
        }
        let url = self.url(&format!("/v1/files/{sha256}"));
        let response = self
            .send(&url, self.request(reqwest::Method::PUT, &url).body(bytes))
            .await?;
        Ok((Client::json(&url, response).await?, Upload::Sent))
    }

    /// Upload a file (streamed, hashed first), unless the instance already has it.
    pub async fn upload_file(&self, path: &Path) -> Result<(FileInfo, Upload), ClientError> {
        let io = |source| ClientError::Io {
            path: path.to_owned(),
            source,
        };
        let mut file = tokio::fs::File::open(path).await.map_err(io)?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 64 << 10];
        let mut size = 0u64;
        loop {
            let n = file.read(&mut buf).await.map_err(io)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            size += n as u64;
        }
        let sha256 = hex::encode(hasher.finalize());
        if let Some(size) = self.file_size(&sha256).await? {
            return Ok((FileInfo { sha256, size }, Upload::AlreadyThere));
        }
        let file = tokio::fs::File::open(path).await.map_err(io)?;
        let body =
            reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::with_capacity(file, 64 << 10));
        let url = self.url(&format!("/v1/files/{sha256}"));
        let builder = self
            .request(reqwest::Method::PUT, &url)
            .header(reqwest::header::CONTENT_LENGTH, size)
            .body(body);
        let response = self.send(&url, builder).await?;
        Ok((Client::json(&url, response).await?, Upload::Sent))
    }

    /// Download blob `sha256` into `dest`, verifying its hash (a mismatching download is removed).
    pub async fn download_file(&self, sha256: &str, dest: &Path) -> Result<u64, ClientError> {
        let url = self.url(&format!("/v1/files/{sha256}"));
        let mut response = self
            .send(&url, self.request(reqwest::Method::GET, &url))
            .await?;
        let io = |source| ClientError::Io {
            path: dest.to_owned(),
            source,
        };
        let mut file = tokio::fs::File::create(dest).await.map_err(io)?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        while let Some(chunk) = response.chunk().await.map_err(|source| ClientError::Http {
            url: url.clone(),
            source,
        })? {
            hasher.update(&chunk);
            size += chunk.len() as u64;
            file.write_all(&chunk).await.map_err(io)?;
        }
        file.flush().await.map_err(io)?;
        drop(file);
        let actual = hex::encode(hasher.finalize());
        if !actual.eq_ignore_ascii_case(sha256) {
            let _ = tokio::fs::remove_file(dest).await;
            return Err(ClientError::HashMismatch {
                expected: sha256.to_owned(),
                actual,
            });
        }
        Ok(size)
    }

    /// Download blob `sha256` into memory, at most `limit` bytes (refused from its `Content-Length`, else stopped
    /// as soon as more arrive), verifying its hash as it streams in.
    pub async fn download_bytes(
        &self,
        sha256: &Sha256Id,
        limit: u64,
    ) -> Result<bytes::Bytes, ClientError> {
        let url = self.url(&format!("/v1/files/{sha256}"));
        let mut response = self
            .send(&url, self.request(reqwest::Method::GET, &url))
            .await?;
        let too_large = || ClientError::TooLarge {
            url: url.clone(),
            limit,
        };
        if response.content_length().is_some_and(|len| len > limit) {
            return Err(too_large());
        }
        let mut hasher = Sha256::new();
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|source| ClientError::Http {
            url: url.clone(),
            source,
        })? {
            if (bytes.len() + chunk.len()) as u64 > limit {
                return Err(too_large());
            }
            hasher.update(&chunk);
            bytes.extend_from_slice(&chunk);
        }
        let actual = Sha256Id::from_hasher(hasher);
        if actual != *sha256 {
            return Err(ClientError::HashMismatch {
                expected: sha256.to_string(),
                actual: actual.to_string(),
            });
        }
        Ok(bytes.into())
    }
}

/// The body of `response`, or [`ClientError::TooLarge`] as soon as it is known to be over `limit` bytes
/// (from its `Content-Length`, else from what arrived).
async fn read_at_most(
    url: &str,
    mut response: reqwest::Response,
    limit: u64,
) -> Result<Vec<u8>, ClientError> {
    let too_large = || ClientError::TooLarge {
        url: url.to_owned(),
        limit,
    };
    if response.content_length().is_some_and(|len| len > limit) {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|source| ClientError::Http {
        url: url.to_owned(),
        source,
    })? {
        if (bytes.len() + chunk.len()) as u64 > limit {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// The body of `response`, at most `limit` bytes (the rest is not read).
async fn read_bounded(
    url: &str,
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, ClientError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|source| ClientError::Http {
        url: url.to_owned(),
        source,
    })? {
        let room = limit.saturating_sub(bytes.len());
        bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if bytes.len() >= limit {
            break;
        }
    }
    Ok(bytes)
}
