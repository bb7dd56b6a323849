//! The HTTP envelope: routes, auth, and the accept loop with graceful shutdown.
//!
//! | route | answer |
//! |---|---|
//! | `GET /v1/info` | [`Info`]: instance, hostname, services, actions with JSON Schemas |
//! | `POST /v1/actions/{action}` | [`ActionResponse`] (`result` + `meta`) or an error document |
//! | `PUT`, `GET`, `HEAD /v1/files/{sha256}` | blobs, see [`crate::files`] |
//! | `GET /healthz` | `ok`: the process answers (liveness) |
//! | `GET /readyz` | `ready`, or 503 `not ready: REASON` while an instance of `gofed serve` is not registered or a store its services need is unreachable (readiness) |
//! | `GET /metrics` | Prometheus text, see [`crate::metrics`] |
//!
//! With tokens configured (`token`, `tokens`, `tokens_file`), each request needs one whose scope covers it (401
//! without a known token, 403 `forbidden` when its scope is too small: see [`crate::config::Scope`]). Every route but `/healthz` and `/readyz` (which reveal nothing else, for a load
//! balancer's probes) requires `Authorization: Bearer <token>`. With a certificate, connections are TLS
//! ([`serve_incoming`]).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use gofed_registry::tls::Incoming;
use gofed_registry::token::{bearer, constant_time_eq, grant};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use serde_json::value::RawValue;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;
use tokio::net::TcpListener;

use crate::action::{Action, JsonInput, Service};
use crate::config::{Scope, ScopedToken, ServerConfig};
use crate::envelope::{ActionResponse, Info, Meta};
use crate::error::{BoxError, ServiceError};
use crate::files::{self, BlobStore};
use crate::limits::{self, CallLimiter};
use crate::metrics::Metrics;

/// Errors that stop [`serve`] (or prevent it from starting).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// Two hosted services declare the same action name.
    #[error("action `{action}` is declared by both `{first}` and `{second}`")]
    DuplicateAction {
        /// The action name.
        action: String,
        /// The first service declaring it.
        first: String,
        /// The second.
        second: String,
    },
    /// The blob directory cannot be created.
    #[error("cannot create blob directory {path}: {source}")]
    BlobDir {
        /// The directory.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The tokens cannot be read.
    #[error("{0}")]
    Config(crate::config::ConfigError),
    /// The listening socket cannot be used.
    #[error("cannot listen: {0}")]
    Listen(std::io::Error),
    /// A startup hook failed.
    #[error("startup hook of service `{service}` failed: {source}")]
    Startup {
        /// The service.
        service: String,
        /// Its error.
        source: BoxError,
    },
}

/// One hosted action and its metadata.
struct Hosted {
    service: Arc<str>,
    service_version: Arc<str>,
    action: Arc<Action>,
    /// The token scope a call needs.
    scope: Scope,
}

struct Inner {
    services: Vec<Service>,
    actions: BTreeMap<String, Hosted>,
    config: ServerConfig,
    metrics: Metrics,
    limiter: CallLimiter,
    blobs: Arc<BlobStore>,
    instance: String,
    hostname: String,
    started: String,
    /// Why the instance is not ready yet (`None`: ready).
    not_ready: std::sync::Mutex<Option<String>>,
    /// The tokens accepted, with their scopes; none: no auth.
    credentials: Vec<ScopedToken>,
    /// The web pages' settings, of every service that has pages.
    web: Vec<crate::action::WebPages>,
}

/// Shared state of the envelope's handlers.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

fn now_rfc3339() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
}

impl AppState {
    /// Check the services (action names unique) and open the blob directory.
    pub fn new(services: Vec<Service>, config: ServerConfig) -> Result<AppState, ServeError> {
        let blob_dir = config.blob_dir();
        let blobs = BlobStore::open(blob_dir.clone()).map_err(|source| ServeError::BlobDir {
            path: blob_dir,
            source,
        })?;
        AppState::with_blobs(services, config, Arc::new(blobs))
    }

    /// Check the services (action names unique); `/v1/files` serves `blobs`.
    pub fn with_blobs(
        services: Vec<Service>,
        config: ServerConfig,
        blobs: Arc<BlobStore>,
    ) -> Result<AppState, ServeError> {
        let mut actions: BTreeMap<String, Hosted> = BTreeMap::new();
        for service in &services {
            let name: Arc<str> = service.name().into();
            let version: Arc<str> = service.version().into();
            for action in service.actions() {
                if let Some(first) = actions.get(action.name()) {
                    return Err(ServeError::DuplicateAction {
                        action: action.name().to_owned(),
                        first: first.service.to_string(),
                        second: name.to_string(),
                    });
                }
                let hosted = Hosted {
                    service: Arc::clone(&name),
                    service_version: Arc::clone(&version),
                    action: Arc::clone(action),
                    scope: service.scope_of(action.name()),
                };
                actions.insert(action.name().to_owned(), hosted);
            }
        }
        let credentials = config.credentials().map_err(ServeError::Config)?;
        let metrics = Metrics::new(actions.iter().map(|(name, h)| (&*h.service, name.as_str())));
        let web = services
            .iter()
            .filter_map(|s| s.web_pages().cloned())
            .collect();
        let inner = Inner {
            limiter: CallLimiter::new(config.max_concurrent_calls),
            services,
            actions,
            config,
            metrics,
            blobs,
            // 16 random hex digits, as request ids.
            instance: crate::request_id::new_id(),
            hostname: gethostname::gethostname().to_string_lossy().into_owned(),
            started: now_rfc3339(),
            not_ready: std::sync::Mutex::new(None),
            credentials,
            web,
        };
        Ok(AppState {
            inner: Arc::new(inner),
        })
    }

    /// Marks the instance not ready (`/readyz` answers 503 with `reason`), or ready again with `None`.
    pub fn set_not_ready(&self, reason: Option<String>) {
        let mut not_ready = match self.inner.not_ready.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        *not_ready = reason;
    }

    fn not_ready(&self) -> Option<String> {
        match self.inner.not_ready.lock() {
            Ok(guard) => guard.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// The configuration served with.
    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    /// This process's instance id.
    pub fn instance(&self) -> &str {
        &self.inner.instance
    }

    /// The blob directory served under `/v1/files`.
    pub fn blobs(&self) -> &BlobStore {
        &self.inner.blobs
    }

    /// The `GET /v1/info` document.
    pub fn info(&self) -> Info {
        Info {
            instance: self.inner.instance.clone(),
            hostname: self.inner.hostname.clone(),
            started: self.inner.started.clone(),
            services: self.inner.services.iter().map(Service::info).collect(),
        }
    }
}

/// The envelope's routes with auth, for `state`.
pub fn router(state: AppState) -> Router {
    let mut app = Router::new()
        .merge(ops_router())
        .merge(actions_router())
        .merge(files::router())
        .with_state(state.clone());
    let mut groups: Vec<&str> = Vec::new();
    for service in &state.inner.services {
        for (group, routes) in service.route_groups() {
            if !groups.contains(&group.as_str()) {
                groups.push(group);
                app = app.merge(routes.clone());
            }
        }
    }
    app.fallback(|| async { ServiceError::NotFound("route".to_owned()) })
        .method_not_allowed_fallback(|| async { ServiceError::MethodNotAllowed })
        .layer(middleware::from_fn_with_state(state.clone(), auth))
        .layer(middleware::from_fn(request_context))
}

/// Every request runs in a `request` span with its id (the caller's `X-Request-Id`, else a new one), which its
/// outgoing calls carry on, and is logged once answered (info: method, path, status, milliseconds).
async fn request_context(request: Request, next: Next) -> Response {
    use tracing::Instrument as _;
    let id: Arc<str> = request
        .headers()
        .get(crate::request_id::HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|id| crate::request_id::is_valid(id))
        .map_or_else(|| crate::request_id::new_id().into(), Into::into);
    let (method, path) = (request.method().clone(), request.uri().path().to_owned());
    let span = tracing::info_span!("request", request_id = %id, %method, %path);
    let started = Instant::now();
    let mut response = crate::request_id::scope(Arc::clone(&id), next.run(request))
        .instrument(span.clone())
        .await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response
            .headers_mut()
            .insert(crate::request_id::HEADER, value);
    }
    span.in_scope(|| {
        tracing::info!(
            status = response.status().as_u16(),
            ms = started.elapsed().as_millis() as u64,
            "answered"
        );
    });
    response
}

fn ops_router() -> Router<AppState> {
    Router::new()
        .route(
            "/v1/info",
            get(|State(state): State<AppState>| async move { Json(state.info()) }),
        )
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

fn actions_router() -> Router<AppState> {
    Router::new().route("/v1/actions/{action}", post(call_action))
}

async fn metrics(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        state.inner.metrics.render(),
    )
}

async fn readyz(State(state): State<AppState>) -> Response {
    match state.not_ready() {
        None => "ready".into_response(),
        Some(reason) => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: {reason}"),
        )
            .into_response(),
    }
}

/// Routes a load balancer probes without a token.
const PROBES: [&str; 2] = ["/healthz", "/readyz"];

/// What a request needs: an action's own scope; otherwise `read` to look (GET, HEAD) and `write` to change
/// (uploads).
fn needed_scope(state: &AppState, method: &axum::http::Method, path: &str) -> Scope {
    if let Some(action) = path.strip_prefix("/v1/actions/") {
        return state
            .inner
            .actions
            .get(action)
            .map_or(Scope::Read, |h| h.scope);
    }
    let self_scoped = state
        .inner
        .web
        .iter()
        .flat_map(|w| &w.self_scoped)
        .any(|prefix| path.starts_with(prefix.as_str()));
    if self_scoped || method == axum::http::Method::GET || method == axum::http::Method::HEAD {
        Scope::Read
    } else {
        Scope::Write
    }
}

async fn auth(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let credentials = &state.inner.credentials;
    let path = request.uri().path();
    let public = state
        .inner
        .web
        .iter()
        .flat_map(|w| &w.public)
        .any(|prefix| path.starts_with(prefix.as_str()));
    if credentials.is_empty() || PROBES.contains(&path) || public {
        return next.run(request).await;
    }
    let headers = request.headers();
    // The header, else a browser's session cookie, which counts for a change only from a page of this origin.
    let given = match bearer(headers) {
        Some(token) => Some(token.to_owned()),
        None => crate::session::token(headers)
            .filter(|_| crate::session::same_origin(request.method(), headers)),
    };
    // The scraper's token opens `/metrics` and nothing else.
    let metrics_token = state.inner.config.metrics_token.as_deref();
    if let (Some(given), Some(token), "/metrics") = (given.as_deref(), metrics_token, path) {
        if constant_time_eq(given.as_bytes(), token.as_bytes()) {
            return next.run(request).await;
        }
    }
    let Some((_, granted)) = given.and_then(|given| grant(credentials, &given)) else {
        return unauthorized(&state, &request);
    };
    let needed = needed_scope(&state, request.method(), request.uri().path());
    if granted < needed {
        return ServiceError::Forbidden { needed, granted }.into_response();
    }
    request.extensions_mut().insert(granted);
    next.run(request).await
}

/// 401; for a browser asking for a page (a GET that accepts HTML) of a service with pages, a redirect to their
/// login form instead, which comes back to the page.
fn unauthorized(state: &AppState, request: &Request) -> Response {
    let wants_page = request.method() == axum::http::Method::GET
        && request
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"));
    let login = state.inner.web.iter().find(|w| !w.login.is_empty());
    match login {
        Some(web) if wants_page => {
            let next = request.uri().path_and_query().map_or("/", |p| p.as_str());
            let target = format!("{}?next={}", web.login, crate::session::url_encode(next));
            (
                axum::http::StatusCode::SEE_OTHER,
                [(header::LOCATION, target)],
            )
                .into_response()
        }
        _ => ServiceError::Unauthorized.into_response(),
    }
}

/// Whether an action's input asks to record its result in the store (`"record": true`), which takes a `write`
/// token.
fn asks_to_record(input: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Record {
        #[serde(default)]
        record: bool,
    }
    serde_json::from_slice::<Record>(input).is_ok_and(|r| r.record)
}

async fn call_action(
    State(state): State<AppState>,
    Path(name): Path<String>,
    granted: Option<axum::Extension<Scope>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<ActionResponse<Box<RawValue>>>, ServiceError> {
    let inner = &state.inner;
    let Some(hosted) = inner.actions.get(&name) else {
        return Err(ServiceError::UnknownAction {
            action: name,
            known: inner.actions.keys().cloned().collect(),
        });
    };
    let mut guard = inner.metrics.action(&name).map(|m| m.start());
    let started = now_rfc3339();
    let clock = Instant::now();

    let result = async {
        // The body first, within its deadline: a slow sender must not sit on a permit while it trickles.
        let input = limits::read_body(
            &headers,
            body,
            inner.config.json_body_limit,
            Duration::from_millis(inner.config.body_read_timeout_ms),
        )
        .await?;
        if let Some(axum::Extension(granted)) = granted {
            if granted < Scope::Write && asks_to_record(&input) {
                return Err(ServiceError::Forbidden {
                    needed: Scope::Write,
                    granted,
                });
            }
        }
        let _permit = inner.limiter.try_acquire()?;
        let timeout = inner.config.action_timeout(&name);
        limits::with_timeout(
            &name,
            timeout,
            hosted.action.call_raw(JsonInput::Bytes(input)),
        )
        .await
    }
    .await;

    let duration = clock.elapsed();
    match result {
        Ok(result) => {
            if let Some(guard) = guard.as_mut() {
                guard.succeed();
            }
            let meta = Meta {
                service: hosted.service.to_string(),
                service_version: hosted.service_version.to_string(),
                instance: inner.instance.clone(),
                hostname: inner.hostname.clone(),
                started,
                finished: now_rfc3339(),
                duration_ms: u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
                cached: false,
            };
            Ok(Json(ActionResponse { result, meta }))
        }
        Err(err) => {
            tracing::debug!(action = %name, code = err.code(), "action failed: {err}");
            Err(err)
        }
    }
}

/// Serve `services` on `listener` until `shutdown` completes.
///
/// Runs the services' startup hooks, then accepts connections (HTTP/1.1, each on its own task, with the configured
/// header read timeout). When `shutdown` completes it stops accepting, lets in-flight requests finish (for at most
/// `shutdown_timeout_ms`; past it their tasks are aborted, which sets the [`crate::Cancel`] of blocking work they
/// wait for), runs the shutdown hooks and returns. It never waits for blocking threads: a process that must exit
/// by its deadline drops its runtime with `shutdown_timeout` rather than waiting for the blocking pool.
pub async fn serve(
    listener: TcpListener,
    services: Vec<Service>,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    serve_state(listener, AppState::new(services, config)?, shutdown).await
}

/// [`serve`] with a state built beforehand (to learn the instance id, e.g. to register it, before serving).
pub async fn serve_state(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    let incoming = Incoming::plain(listener).map_err(ServeError::Listen)?;
    serve_incoming(incoming, state, shutdown).await
}

/// [`serve_state`] on connections that may be TLS ([`Incoming::tls`]).
pub async fn serve_incoming(
    mut listener: Incoming,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send,
) -> Result<(), ServeError> {
    for service in &state.inner.services {
        for hook in service.startup_hooks() {
            hook().await.map_err(|source| ServeError::Startup {
                service: service.name().to_owned(),
                source,
            })?;
        }
    }
    let config = &state.inner.config;
    let app = router(state.clone());
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(Duration::from_millis(config.header_read_timeout_ms.max(1)));
    let graceful = GracefulShutdown::new();
    tracing::info!(addr = %listener.local_addr(), instance = %state.inner.instance, "serving");

    // The connections' tasks, to abort those still running after the grace period.
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    while connections.try_join_next().is_some() {}
                    let service = TowerToHyperService::new(app.clone());
                    let conn = http.serve_connection(TokioIo::new(stream), service);
                    let conn = graceful.watch(conn);
                    connections.spawn(async move {
                        if let Err(err) = conn.await {
                            tracing::debug!(%peer, "connection ended: {err}");
                        }
                    });
                }
                Err(err) => {
                    // Typically EMFILE: back off instead of spinning.
                    tracing::warn!("accept failed: {err}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    tracing::info!("shutting down: waiting for in-flight requests");
    let grace = Duration::from_millis(config.shutdown_timeout_ms);
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            "in-flight requests still running after {} ms; stopping anyway",
            config.shutdown_timeout_ms
        );
    }
    // Dropping the calls still running sets their blocking work's cancellation flags.
    connections.abort_all();
    for service in &state.inner.services {
        for hook in service.shutdown_hooks() {
            if let Err(err) = hook().await {
                tracing::error!(service = service.name(), "shutdown hook failed: {err}");
            }
        }
    }
    Ok(())
}

/// Completes on SIGINT (Ctrl-C) or, on Unix, SIGTERM: the `shutdown` future for [`serve`] in a real process.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!("cannot listen for SIGINT: {err}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!("cannot listen for SIGTERM: {err}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
