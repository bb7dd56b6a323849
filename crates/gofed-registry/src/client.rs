//! The HTTP client of the embedded registry server: a [`Registry`] that is somewhere else.

use std::time::Duration;

use async_trait::async_trait;
// The same `bytes::Bytes` that reqwest returns; axum re-exports it.
use axum::body::Bytes;
use reqwest::{Method, StatusCode};

use crate::instance::{check_instance_id, normalize_name};
use crate::server::ErrorBody;
use crate::{Instance, Registry, RegistryError, MAX_ANSWER_BYTES};

/// Time limit of one request, unless the client is built with [`HttpRegistry::with_client`].
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// A [`Registry`] served by a gofed registry server (see [`crate::RegistryServer`]).
///
/// Names and ids are checked before any request is sent. A heartbeat that the server answers
/// with 404 `instance_not_found` returns [`RegistryError::NotFound`]. Answers over
/// [`MAX_ANSWER_BYTES`] are an error; listed entries that are not valid instances (an address
/// clients cannot use, say) are skipped with a warning.
#[derive(Clone, Debug)]
pub struct HttpRegistry {
    base: String,
    client: reqwest::Client,
    /// Sent as `Authorization: Bearer` when set (a registry started with a token requires it).
    token: Option<String>,
}

impl HttpRegistry {
    /// A client of the server at `base_url` (e.g. `http://127.0.0.1:18811`), with a
    /// [`DEFAULT_REQUEST_TIMEOUT`].
    pub fn new(base_url: &str) -> Result<HttpRegistry, RegistryError> {
        let client = crate::tls::client_builder()
            .timeout(DEFAULT_REQUEST_TIMEOUT)
            .connect_timeout(DEFAULT_REQUEST_TIMEOUT)
            .build()
            .map_err(|source| RegistryError::Transport {
                url: base_url.to_owned(),
                source,
            })?;
        Ok(HttpRegistry::with_client(base_url, client))
    }

    /// A client of the server at `base_url` that sends its requests through `client`.
    pub fn with_client(base_url: &str, client: reqwest::Client) -> HttpRegistry {
        HttpRegistry {
            base: base_url.trim_end_matches('/').to_owned(),
            client,
            token: None,
        }
    }

    /// Sends `token` as the bearer token of every request.
    pub fn with_token(mut self, token: Option<String>) -> HttpRegistry {
        self.token = token;
        self
    }

    /// The server's base URL.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Instance>,
    ) -> Result<(String, StatusCode, Bytes), RegistryError> {
        let url = format!("{}{path}", self.base);
        let mut req = self.client.request(method, &url);
        if let Some(token) = &self.token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let transport = |source| RegistryError::Transport {
            url: url.clone(),
            source,
        };
        let resp = req.send().await.map_err(transport)?;
        let status = resp.status();
        let bytes = read_answer(resp, &url).await?;
        Ok((url, status, bytes))
    }

    /// Sends a request whose success answer has no body.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Instance>,
    ) -> Result<(), RegistryError> {
        let (url, status, bytes) = self.send(method, path, body).await?;
        if status.is_success() {
            Ok(())
        } else {
            Err(error_answer(url, status, &bytes))
        }
    }

    async fn get_list(&self, path: &str) -> Result<Vec<Instance>, RegistryError> {
        let (url, status, bytes) = self.send(Method::GET, path, None).await?;
        if !status.is_success() {
            return Err(error_answer(url, status, &bytes));
        }
        let list = serde_json::from_slice::<RawInstanceList>(&bytes).map_err(|err| {
            RegistryError::Decode {
                url: url.clone(),
                reason: err.to_string(),
            }
        })?;
        Ok(valid_instances(&url, &list.instances))
    }
}

/// A list answer whose entries are decoded one by one, so that one bad entry costs only itself.
#[derive(serde::Deserialize)]
struct RawInstanceList<'a> {
    #[serde(borrow)]
    instances: Vec<&'a serde_json::value::RawValue>,
}

/// The entries that are valid instances; the others are logged and skipped (an older or foreign
/// registry may hold them, and one must not break the lookup of every other instance).
fn valid_instances(url: &str, entries: &[&serde_json::value::RawValue]) -> Vec<Instance> {
    let mut instances = Vec::with_capacity(entries.len());
    for entry in entries {
        let checked = serde_json::from_str::<Instance>(entry.get())
            .map_err(|err| err.to_string())
            .and_then(|instance| instance.normalized().map_err(|err| err.to_string()));
        match checked {
            Ok(instance) => instances.push(instance),
            Err(reason) => {
                tracing::warn!(%url, %reason, "skipping a listed entry that is not a usable instance");
            }
        }
    }
    instances
}

/// The body of `resp`, at most [`MAX_ANSWER_BYTES`]: a registry (or something posing as one) that
/// answers more is an error, not unbounded memory.
pub(crate) async fn read_answer(
    mut resp: reqwest::Response,
    url: &str,
) -> Result<Bytes, RegistryError> {
    let too_large = || RegistryError::Decode {
        url: url.to_owned(),
        reason: format!("the answer is over {MAX_ANSWER_BYTES} bytes"),
    };
    if resp
        .content_length()
        .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|source| RegistryError::Transport {
            url: url.to_owned(),
            source,
        })?
    {
        if body.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Bytes::from(body))
}

fn error_answer(url: String, status: StatusCode, bytes: &[u8]) -> RegistryError {
    match serde_json::from_slice::<ErrorBody>(bytes) {
        Ok(body) => RegistryError::Rejected {
            url,
            status: status.as_u16(),
            code: body.code,
            message: body.message,
        },
        Err(_) => RegistryError::Rejected {
            url,
            status: status.as_u16(),
            code: String::new(),
            message: String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).into_owned(),
        },
    }
}

#[async_trait]
impl Registry for HttpRegistry {
    async fn register(&self, instance: Instance) -> Result<(), RegistryError> {
        let instance = instance.normalized()?;
        self.call(Method::POST, "/v1/registry/instances", Some(&instance))
            .await
    }

    async fn heartbeat(&self, name: &str, instance_id: &str) -> Result<(), RegistryError> {
        let name = normalize_name(name)?;
        check_instance_id(instance_id)?;
        let path = format!("/v1/registry/instances/{name}/{instance_id}/heartbeat");
        match self.call(Method::PUT, &path, None).await {
            Err(RegistryError::Rejected {
                status: 404, code, ..
            }) if code == "instance_not_found" => Err(RegistryError::not_found(&name, instance_id)),
            res => res,
        }
    }

    async fn deregister(&self, name: &str, instance_id: &str) -> Result<(), RegistryError> {
        let name = normalize_name(name)?;
        check_instance_id(instance_id)?;
        let path = format!("/v1/registry/instances/{name}/{instance_id}");
        self.call(Method::DELETE, &path, None).await
    }

    async fn lookup(&self, name: &str) -> Result<Vec<Instance>, RegistryError> {
        let name = normalize_name(name)?;
        self.get_list(&format!("/v1/registry/services/{name}"))
            .await
    }

    async fn list(&self) -> Result<Vec<Instance>, RegistryError> {
        self.get_list("/v1/registry/instances").await
    }
}
