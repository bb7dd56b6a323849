//! The embedded registry's HTTP server (axum).
//!
//! | method and path | body | answer |
//! |---|---|---|
//! | `POST /v1/registry/instances` | an [`Instance`] | 204; registers or replaces; 422 `invalid_input` or 409 `limit_exceeded` |
//! | `PUT /v1/registry/instances/{name}/{instance_id}/heartbeat` | none | 204, or 404 `instance_not_found` |
//! | `DELETE /v1/registry/instances/{name}/{instance_id}` | none | 204, also when unknown |
//! | `GET /v1/registry/instances` | none | 200 `{"instances": [...]}`, every live instance; 503 `busy` |
//! | `GET /v1/registry/services/{name}` | none | 200 `{"instances": [...]}`, the live instances of `name`; 503 `busy` |
//! | `GET /healthz` | none | 200 `{"status": "ok"}` |
//!
//! With tokens configured ([`ServerConfig::token`], [`ServerConfig::tokens`]), every route but `/healthz` needs
//! `Authorization: Bearer <token>` (401 `unauthorized` without a known one), and its [`Scope`]: `read` to look
//! up and list; `write` to register, heartbeat and deregister the instances registered with the same token;
//! `admin` to replace or deregister any instance (403 `forbidden` otherwise). So a service's token cannot
//! remove or take over another team's instances, and an operator's can.
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
//! | `unauthorized` | 401 | no bearer token, or not a known one |
//! | `forbidden` | 403 | the token's scope does not allow this, or the instance was registered with another token |
//! | `not_found` | 404 | no such route |
//! | `backend_error` | 502 | the registry behind the server failed; details are logged, not sent |
//! | `busy` | 503 | too many list (or lookup) answers were being sent for [`ANSWER_WAIT`] (or [`RegistryServer::with_answer_wait`]): try again later |
//!
//! A list answer of a full registry is about 20 MB of JSON, and the instances copied to build it as
//! much again; so only [`MAX_LISTS_IN_FLIGHT`] list answers (and [`MAX_LOOKUPS_IN_FLIGHT`] lookup
//! answers) are built and sent at once, each holding its permit until its last byte has been handed
//! to the connection. Other requests wait for a permit, at most [`ANSWER_WAIT`].

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;

use crate::token::{Scope, ScopedToken};
use crate::{Instance, Registry, RegistryError, MAX_REQUEST_BYTES};

/// The embedded registry's default address.
pub const DEFAULT_ADDRESS: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 18811);

/// Most list answers (`GET /v1/registry/instances`) built or being sent at once. Each costs about twice
/// the registry's data while it is built (the copied instances and their JSON, ~40 MB for a full
/// registry); sixteen unbounded listings took a full registry from 60 MB to a 507 MB peak.
pub const MAX_LISTS_IN_FLIGHT: usize = 2;

/// Most lookup answers (`GET /v1/registry/services/{name}`) built or being sent at once: each is at most
/// one name's instances (about 2.5 MB of JSON for 256 large instances).
pub const MAX_LOOKUPS_IN_FLIGHT: usize = 8;

/// Longest wait of a list or lookup request for its permit before it is answered 503 `busy` (unless
/// [`RegistryServer::with_answer_wait`] says otherwise). Generous: a burst of sixteen listings of a full
/// registry is served two at a time, in eight turns of up to a few seconds each on a loaded machine.
pub const ANSWER_WAIT: Duration = Duration::from_secs(60);

/// Size of the pieces a list answer is sent in: each is copied out of the answer, so that once the
/// last piece is handed to the connection the whole answer (and its permit) can go, whatever the
/// speed of the client.
const ANSWER_CHUNK_BYTES: usize = 64 << 10;

/// Configuration of the registry server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Where to listen; [`DEFAULT_ADDRESS`] (loopback, port 18811) unless configured. Port 0 picks
    /// a free port (see [`RegistryServer::local_addr`]).
    pub address: SocketAddr,
    /// When set, every route but `/healthz` requires `Authorization: Bearer <token>`: without it, anyone who
    /// reaches the registry could register an instance of their own and receive the fleet's calls. This token
    /// may do everything (`admin`).
    pub token: Option<String>,
    /// More tokens, each with its scope (see the module documentation).
    pub tokens: Vec<ScopedToken>,
}

impl ServerConfig {
    /// Every token accepted: `token` (admin), then `tokens`.
    pub fn credentials(&self) -> Vec<ScopedToken> {
        let admin = self.token.iter().map(|token| ScopedToken {
            token: token.clone(),
            scope: Scope::Admin,
        });
        admin.chain(self.tokens.iter().cloned()).collect()
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            address: DEFAULT_ADDRESS,
            token: None,
            tokens: Vec::new(),
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

/// What the handlers share: the registry, the permits of the large answers, the tokens.
#[derive(Clone)]
struct AppState {
    registry: Arc<dyn Registry>,
    lists: Arc<Semaphore>,
    lookups: Arc<Semaphore>,
    answer_wait: Duration,
    /// `None`: no tokens, every request allowed.
    auth: Option<Arc<Auth>>,
}

/// The tokens, and which one registered each instance.
struct Auth {
    credentials: Vec<ScopedToken>,
    owners: std::sync::Mutex<Owners>,
}

/// The token (its index in [`Auth::credentials`]) that registered each instance. An instance that expired
/// stays here until the next pruning, which runs when the map has doubled since the last one; an expired
/// instance's entry is ignored meanwhile (anyone with `write` may register that name and id again).
#[derive(Default)]
struct Owners {
    by_instance: std::collections::HashMap<(String, String), usize>,
    prune_at: usize,
}

/// Who is calling: which token, with which scope (an extension of authenticated requests).
#[derive(Clone, Copy)]
struct Caller {
    token: usize,
    scope: Scope,
}

/// The registry's routes over any [`Registry`] (usually a [`crate::MemoryRegistry`]), without tokens.
pub fn router(registry: Arc<dyn Registry>) -> Router {
    routes(registry, ANSWER_WAIT, Vec::new())
}

fn routes(
    registry: Arc<dyn Registry>,
    answer_wait: Duration,
    credentials: Vec<ScopedToken>,
) -> Router {
    let auth = (!credentials.is_empty()).then(|| {
        Arc::new(Auth {
            credentials,
            owners: std::sync::Mutex::new(Owners::default()),
        })
    });
    let state = AppState {
        registry,
        lists: Arc::new(Semaphore::new(MAX_LISTS_IN_FLIGHT)),
        lookups: Arc::new(Semaphore::new(MAX_LOOKUPS_IN_FLIGHT)),
        answer_wait,
        auth,
    };
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
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            require_token,
        ))
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .with_state(state)
}

/// A registry server bound to its address, not yet serving.
pub struct RegistryServer {
    listener: TcpListener,
    local_addr: SocketAddr,
    registry: Arc<dyn Registry>,
    answer_wait: Duration,
    credentials: Vec<ScopedToken>,
    tls: Option<crate::tls::ServerTls>,
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
            answer_wait: ANSWER_WAIT,
            credentials: config.credentials(),
            tls: None,
        })
    }

    /// Serves HTTPS with `tls` (reloaded on SIGHUP once serving).
    pub fn with_tls(mut self, tls: crate::tls::ServerTls) -> RegistryServer {
        self.tls = Some(tls);
        self
    }

    /// Answers 503 `busy` to a list or lookup request that waited `wait` for its turn, rather than
    /// [`ANSWER_WAIT`].
    pub fn with_answer_wait(mut self, wait: Duration) -> RegistryServer {
        self.answer_wait = wait;
        self
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
        tracing::info!(address = %self.local_addr, tls = self.tls.is_some(), "registry server listening");
        let app = routes(self.registry, self.answer_wait, self.credentials);
        let incoming = match &self.tls {
            Some(tls) => {
                tls.reload_on_sighup();
                crate::tls::Incoming::tls(self.listener, tls)
            }
            None => crate::tls::Incoming::plain(self.listener),
        }
        .map_err(RegistryError::Serve)?;
        axum::serve(incoming, app)
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

/// Refuses a request without a known bearer token (but `/healthz`, for probes), or one whose scope is below
/// what the route needs (`read` to look, `write` to change; instances' owners are checked by the handlers).
async fn require_token(
    State(state): State<AppState>,
    mut request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let Some(auth) = &state.auth else {
        return next.run(request).await;
    };
    if request.uri().path() == "/healthz" {
        return next.run(request).await;
    }
    let granted = crate::token::bearer(request.headers())
        .and_then(|given| crate::token::grant(&auth.credentials, given));
    let Some((token, scope)) = granted else {
        return ApiError::Unauthorized.into_response();
    };
    let looks = matches!(
        *request.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    );
    let needed = if looks { Scope::Read } else { Scope::Write };
    if scope < needed {
        return ApiError::Forbidden(format!(
            "this token's scope is {}; {} is needed",
            scope.as_str(),
            needed.as_str()
        ))
        .into_response();
    }
    request.extensions_mut().insert(Caller { token, scope });
    next.run(request).await
}

impl AppState {
    /// Whether `caller` may change instance `name`/`instance_id`: with no tokens, an admin token, or the token
    /// that registered it while it is live. A live instance nobody owns here (registered before the tokens, or
    /// into the backend directly) is an admin's.
    async fn may_change(
        &self,
        caller: Option<Caller>,
        name: &str,
        instance_id: &str,
    ) -> Result<(), ApiError> {
        let (Some(auth), Some(caller)) = (&self.auth, caller) else {
            return Ok(());
        };
        if caller.scope >= Scope::Admin {
            return Ok(());
        }
        let owner = lock(&auth.owners)
            .by_instance
            .get(&(name.to_owned(), instance_id.to_owned()))
            .copied();
        if owner == Some(caller.token) {
            return Ok(());
        }
        let live = self
            .registry
            .lookup(name)
            .await?
            .iter()
            .any(|i| i.instance_id == instance_id);
        if !live {
            return Ok(());
        }
        Err(ApiError::Forbidden(format!(
            "instance {name}/{instance_id} was registered with another token; only an admin token may change it"
        )))
    }

    /// Records that `caller` registered `name`/`instance_id`; prunes the entries of expired instances when the
    /// map has doubled.
    async fn set_owner(&self, caller: Option<Caller>, name: &str, instance_id: &str) {
        let (Some(auth), Some(caller)) = (&self.auth, caller) else {
            return;
        };
        let prune = {
            let mut owners = lock(&auth.owners);
            owners
                .by_instance
                .insert((name.to_owned(), instance_id.to_owned()), caller.token);
            owners.by_instance.len() > owners.prune_at.max(1024)
        };
        if prune {
            let Ok(live) = self.registry.list().await else {
                return;
            };
            let live: std::collections::HashSet<(String, String)> =
                live.into_iter().map(|i| (i.name, i.instance_id)).collect();
            let mut owners = lock(&auth.owners);
            owners.by_instance.retain(|key, _| live.contains(key));
            owners.prune_at = owners.by_instance.len() * 2;
        }
    }

    fn forget_owner(&self, name: &str, instance_id: &str) {
        if let Some(auth) = &self.auth {
            lock(&auth.owners)
                .by_instance
                .remove(&(name.to_owned(), instance_id.to_owned()));
        }
    }
}

/// The lock, also after a panic elsewhere (the map stays consistent: each change is one call).
fn lock<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn register(
    State(state): State<AppState>,
    caller: Option<axum::Extension<Caller>>,
    payload: Result<Json<Instance>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(instance) = payload.map_err(ApiError::Json)?;
    let caller = caller.map(|axum::Extension(c)| c);
    let (name, instance_id) = (instance.name.clone(), instance.instance_id.clone());
    state.may_change(caller, &name, &instance_id).await?;
    state
        .registry
        .register(instance)
        .await
        .map_err(|err| match err {
            // The document was well-formed JSON; what it says is refused.
            err @ RegistryError::InvalidInput { .. } => ApiError::Unprocessable(err),
            err => ApiError::Registry(err),
        })?;
    state.set_owner(caller, &name, &instance_id).await;
    Ok(StatusCode::NO_CONTENT)
}

async fn heartbeat(
    State(state): State<AppState>,
    caller: Option<axum::Extension<Caller>>,
    Path((name, instance_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let caller = caller.map(|axum::Extension(c)| c);
    state.may_change(caller, &name, &instance_id).await?;
    state.registry.heartbeat(&name, &instance_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn deregister(
    State(state): State<AppState>,
    caller: Option<axum::Extension<Caller>>,
    Path((name, instance_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let caller = caller.map(|axum::Extension(c)| c);
    state.may_change(caller, &name, &instance_id).await?;
    state.registry.deregister(&name, &instance_id).await?;
    state.forget_owner(&name, &instance_id);
    Ok(StatusCode::NO_CONTENT)
}

async fn lookup(
    State(AppState {
        registry,
        lookups,
        answer_wait,
        ..
    }): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let permit = acquire(lookups, answer_wait, "lookup").await?;
    let instances = registry.lookup(&name).await?;
    Ok(list_answer(instances, permit))
}

async fn list(
    State(AppState {
        registry,
        lists,
        answer_wait,
        ..
    }): State<AppState>,
) -> Result<Response, ApiError> {
    let permit = acquire(lists, answer_wait, "list").await?;
    let instances = registry.list().await?;
    Ok(list_answer(instances, permit))
}

/// A permit of `permits`, waiting for one at most `wait`.
async fn acquire(
    permits: Arc<Semaphore>,
    wait: Duration,
    what: &'static str,
) -> Result<OwnedSemaphorePermit, ApiError> {
    match tokio::time::timeout(wait, permits.acquire_owned()).await {
        Ok(Ok(permit)) => Ok(permit),
        // The semaphore is never closed; a closed one is busy for good.
        Ok(Err(_)) | Err(_) => Err(ApiError::Busy { what, wait }),
    }
}

/// The `{"instances": [...]}` answer, serialized under `permit` into a buffer of its exact size (no
/// doubling growth, the instances dropped at once) and sent by a body that keeps `permit` until its
/// last piece has been taken by the connection, or the connection is gone.
fn list_answer(instances: Vec<Instance>, permit: OwnedSemaphorePermit) -> Response {
    let list = InstanceList { instances };
    let mut counter = ByteCounter(0);
    let json = serde_json::to_writer(&mut counter, &list).and_then(|()| {
        let mut json = Vec::with_capacity(counter.0);
        serde_json::to_writer(&mut json, &list)?;
        Ok(json)
    });
    drop(list);
    match json {
        Ok(json) => (
            [(
                axum::http::header::CONTENT_TYPE,
                axum::http::HeaderValue::from_static("application/json"),
            )],
            axum::body::Body::new(PermitBody {
                json,
                sent: 0,
                permit: Some(permit),
            }),
        )
            .into_response(),
        Err(err) => ApiError::Registry(RegistryError::Decode {
            url: "list answer".to_owned(),
            reason: err.to_string(),
        })
        .into_response(),
    }
}

/// An [`std::io::Write`] that only counts the bytes written to it.
struct ByteCounter(usize);

impl std::io::Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The body of a list answer: `json` in pieces of [`ANSWER_CHUNK_BYTES`], each copied out, holding
/// `permit` until the last piece is taken (then both `json` and `permit` are released), or until the
/// body is dropped with its connection.
struct PermitBody {
    json: Vec<u8>,
    sent: usize,
    permit: Option<OwnedSemaphorePermit>,
}

impl http_body::Body for PermitBody {
    type Data = bytes::Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let this = &mut *self;
        let end = this.json.len().min(this.sent + ANSWER_CHUNK_BYTES);
        if this.sent >= end {
            return Poll::Ready(None);
        }
        let piece = bytes::Bytes::copy_from_slice(&this.json[this.sent..end]);
        this.sent = end;
        if this.sent == this.json.len() {
            // The connection has all of it: the answer's memory and its permit are free.
            this.json = Vec::new();
            this.sent = 0;
            this.permit = None;
        }
        Poll::Ready(Some(Ok(http_body::Frame::data(piece))))
    }

    fn is_end_stream(&self) -> bool {
        self.sent >= self.json.len()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact((self.json.len() - self.sent) as u64)
    }
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
    /// No permit for a list (or lookup) answer came within [`ANSWER_WAIT`].
    Busy {
        what: &'static str,
        wait: Duration,
    },
    NoRoute,
    Unauthorized,
    /// Why the token may not do this.
    Forbidden(String),
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
            ApiError::Busy { what, wait } => (
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                format!(
                    "too many {what} answers in flight for {} ms; try again later",
                    wait.as_millis()
                ),
            ),
            ApiError::NoRoute => (
                StatusCode::NOT_FOUND,
                "not_found",
                "no such route".to_owned(),
            ),
            ApiError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "missing or wrong bearer token".to_owned(),
            ),
            ApiError::Forbidden(message) => (StatusCode::FORBIDDEN, "forbidden", message),
        };
        let body = ErrorBody {
            code: code.to_owned(),
            message,
            field,
        };
        (status, Json(body)).into_response()
    }
}
