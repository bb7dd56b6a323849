//! The embedded registry's HTTP server (axum).
//!
//! | method and path | body | answer |
//! |---|---|---|
//! | `POST /v1/registry/instances` | an [`Instance`] | 204; registers or replaces; 422 `invalid_input` or 409 `limit_exceeded` |
//! | `PUT /v1/registry/instances/{name}/{instance_id}/heartbeat` | none | 204, or 404 `instance_not_found` |
//! | `DELETE /v1/registry/instances/{name}/{instance_id}` | none | 204, also when unknown |
//! | `GET /v1/registry/instances` | none | 200 `{"instances": [...]}`, every live instance |
//! | `GET /v1/registry/services/{name}` | none | 200 `{"instances": [...]}`, the live instances of `name` |
//! | `GET /healthz` | none | 200 `{"status": "ok"}` |
//!
//! Errors are JSON, `{"code": "...", "message": "..."}`, plus `"field": "address"` (the
//! [`Instance`] field at fault) when a registration is refused for one field, with these stable
//! codes:
//!
//! | code | status | meaning |
//! |---|---|---|
//! | `instance_not_found` | 404 | heartbeat for an instance the registry does not know: register again |
//! | `invalid_input` | 422 | a registration's name, id, address, version, actions or TTL was rejected (see [`RegistryError::InvalidInput`]) |
//! | `invalid_input` | 400 | a name or id in the path was rejected |
//! | `limit_exceeded` | 409 | the service name or the registry already has the most instances allowed (see [`crate::Limits`]) |
//! | `body_too_large` | 413 | the request body is over [`crate::MAX_REQUEST_BYTES`] |
//! | `invalid_json` | 400 | the body is not an [`Instance`] document |
//! | `not_found` | 404 | no such route |
//! | `backend_error` | 502 | the registry behind the server failed; details are logged, not sent |

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::{Instance, Registry, RegistryError, MAX_REQUEST_BYTES};

/// The embedded registry's default address.
pub const DEFAULT_ADDRESS: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 18811);

/// Configuration of the registry server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Where to listen; [`DEFAULT_ADDRESS`] (loopback, port 18811) unless configured. Port 0 picks
    /// a free port (see [`RegistryServer::local_addr`]).
    pub address: SocketAddr,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            address: DEFAULT_ADDRESS,
        }
    }
}

/// The body of the list and lookup answers.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct InstanceList {
    pub(crate) instances: Vec<Instance>,
}

/// The body of every error answer.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct ErrorBody {
    pub(crate) code: String,
    pub(crate) message: String,
    /// The [`Instance`] field a refused registration is refused for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) field: Option<String>,
}

/// The registry's routes over any [`Registry`] (usually a [`crate::MemoryRegistry`]).
pub fn router(registry: Arc<dyn Registry>) -> Router {
    Router::new()
        .route("/v1/registry/instances", post(register).get(list))
        .route(
            "/v1/registry/instances/{name}/{instance_id}/heartbeat",
            put(heartbeat),
        )
        .route(
            "/v1/registry/instances/{name}/{instance_id}",
            delete(deregister),
        )
        .route("/v1/registry/services/{name}", get(lookup))
        .route("/healthz", get(healthz))
        .fallback(fallback)
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .with_state(registry)
}

/// A registry server bound to its address, not yet serving.
pub struct RegistryServer {
    listener: TcpListener,
    local_addr: SocketAddr,
    registry: Arc<dyn Registry>,
}

impl RegistryServer {
    /// Binds to `config.address` to serve `registry`.
    pub async fn bind(
        config: &ServerConfig,
        registry: Arc<dyn Registry>,
    ) -> Result<RegistryServer, RegistryError> {
        let bind_err = |source| RegistryError::Bind {
            address: config.address,
            source,
        };
        let listener = TcpListener::bind(config.address).await.map_err(bind_err)?;
        let local_addr = listener.local_addr().map_err(bind_err)?;
        Ok(RegistryServer {
            listener,
            local_addr,
            registry,
        })
    }

    /// The address the server listens on (the real port when port 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Serves until `shutdown` completes, then stops accepting connections and waits for the
    /// requests in flight.
    pub async fn serve(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), RegistryError> {
        tracing::info!(address = %self.local_addr, "registry server listening");
        axum::serve(self.listener, router(self.registry))
            .with_graceful_shutdown(shutdown)
            .await
            .map_err(RegistryError::Serve)
    }

    /// Serves in a background task; the handle stops it.
    pub fn spawn(self) -> ServerHandle {
        let (stop, stopped) = oneshot::channel::<()>();
        let local_addr = self.local_addr;
        let task = tokio::spawn(self.serve(async move {
            // Either a stop message or a dropped handle stops the server.
            let _ = stopped.await;
        }));
        ServerHandle {
            local_addr,
            stop,
            task,
        }
    }
}

/// A registry server running in a background task. Dropping the handle stops the server too.
pub struct ServerHandle {
    local_addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<Result<(), RegistryError>>,
}

impl ServerHandle {
    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The base URL for [`crate::HttpRegistry::new`], e.g. `http://127.0.0.1:18811`.
    pub fn url(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    /// Stops the server and waits until it has closed its listener and connections.
    pub async fn shutdown(self) -> Result<(), RegistryError> {
        let _ = self.stop.send(());
        match self.task.await {
            Ok(res) => res,
            Err(err) => Err(RegistryError::Serve(std::io::Error::other(err))),
        }
    }
}

type AppState = State<Arc<dyn Registry>>;

async fn register(
    State(registry): AppState,
    payload: Result<Json<Instance>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(instance) = payload.map_err(ApiError::Json)?;
    registry.register(instance).await.map_err(|err| match err {
        // The document was well-formed JSON; what it says is refused.
        err @ RegistryError::InvalidInput { .. } => ApiError::Unprocessable(err),
        err => ApiError::Registry(err),
    })?;
    Ok(StatusCode::NO_CONTENT)
}

async fn heartbeat(
    State(registry): AppState,
    Path((name, instance_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    registry.heartbeat(&name, &instance_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn deregister(
    State(registry): AppState,
    Path((name, instance_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    registry.deregister(&name, &instance_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn lookup(
    State(registry): AppState,
    Path(name): Path<String>,
) -> Result<Json<InstanceList>, ApiError> {
    let instances = registry.lookup(&name).await?;
    Ok(Json(InstanceList { instances }))
}

async fn list(State(registry): AppState) -> Result<Json<InstanceList>, ApiError> {
    let instances = registry.list().await?;
    Ok(Json(InstanceList { instances }))
}

async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

async fn fallback() -> ApiError {
    ApiError::NoRoute
}

/// Everything a handler can answer with besides success.
enum ApiError {
    Registry(RegistryError),
    /// A registration's content refused: 422 naming the field.
    Unprocessable(RegistryError),
    Json(JsonRejection),
    NoRoute,
}

impl From<RegistryError> for ApiError {
    fn from(err: RegistryError) -> Self {
        ApiError::Registry(err)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut field = None;
        let (status, code, message) = match self {
            ApiError::Registry(err @ RegistryError::NotFound { .. }) => {
                (StatusCode::NOT_FOUND, "instance_not_found", err.to_string())
            }
            ApiError::Registry(err @ RegistryError::InvalidInput { .. }) => {
                (StatusCode::BAD_REQUEST, "invalid_input", err.to_string())
            }
            ApiError::Unprocessable(err) => {
                field = err.field().map(str::to_owned);
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_input",
                    err.to_string(),
                )
            }
            ApiError::Registry(err @ RegistryError::LimitExceeded { .. }) => {
                (StatusCode::CONFLICT, "limit_exceeded", err.to_string())
            }
            ApiError::Registry(err) => {
                tracing::error!(error = %err, source = ?std::error::Error::source(&err), "registry backend failed");
                (
                    StatusCode::BAD_GATEWAY,
                    "backend_error",
                    "the registry backend failed".to_owned(),
                )
            }
            ApiError::Json(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("the request body is over {MAX_REQUEST_BYTES} bytes"),
            ),
            ApiError::Json(rejection) => (
                StatusCode::BAD_REQUEST,
                "invalid_json",
                rejection.body_text(),
            ),
            ApiError::NoRoute => (
                StatusCode::NOT_FOUND,
                "not_found",
                "no such route".to_owned(),
            ),
        };
        let body = ErrorBody {
            code: code.to_owned(),
            message,
            field,
        };
        (status, Json(body)).into_response()
    }
}
