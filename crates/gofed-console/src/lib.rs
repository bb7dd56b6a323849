//! The web console: a service with no actions whose routes are HTML pages, served by the envelope like any
//! service (`gofed serve console`, or `gofed console` with everything in-process).
//!
//! | page | what it shows | reads |
//! |---|---|---|
//! | `/console/` | services, instances, versions, health, calls in flight and errors; refreshed every 2 s | the registry, each instance's `/v1/info` and `/metrics` |
//! | `/console/actions` | every action with its documentation and schemas; a form per action that calls it | the services compiled in; the call goes wherever the action is placed |
//! | `/console/projects`, `/console/packages` | stored projects, revisions and packages, with search and paging; a revision's API, dependencies and licenses | the store, and `api_get`/`deps_get` |
//! | `/console/diff` | the API diff of two stored revisions, by package, incompatible first, with the verdict | `api_stored_diff` |
//! | `/console/graph.svg` | a stored revision's package graph, cycles red | the stored dependency analysis, Graphviz `dot` or `layout-rs` |
//! | `/console/scans` | `gofed scan`'s jobs and their states | the store's job table |
//!
//! Pages are rendered on the server (maud templates: every value is escaped unless marked), work without
//! JavaScript (the one script only refreshes the system table), and are served with a strict
//! Content-Security-Policy (no inline script or style). With tokens configured, a browser logs in with a form
//! that sets the envelope's session cookie ([`gofed_service::session`]); every other page needs it.

mod catalogue;
mod diff;
mod graph;
mod login;
mod page;
mod scans;
mod store;
mod system;

use std::sync::Arc;
use std::time::Duration;

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use gofed_registry::Registry;
use gofed_service::config::{Scope, ScopedToken};
use gofed_service::{ClientConfig, Service, System, WebPages};

pub use catalogue::ActionEntry;

/// The console service's name and version.
pub const NAME: &str = "console";
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What the console reads and calls.
pub struct Console {
    /// The registry of the fleet; `None` for one machine (`gofed console`), whose services run in-process.
    pub registry: Option<Arc<dyn Registry>>,
    /// The registry's address, as shown.
    pub registry_url: String,
    /// The store: projects, packages, jobs (`None`: the store is off).
    pub store: Option<gofed_store::Store>,
    /// Calls actions wherever they are placed (the action form, stored analyses, diffs).
    pub system: Arc<System>,
    /// Every action of the services compiled in.
    pub actions: Vec<ActionEntry>,
    /// The tokens the login form accepts (the envelope's); none: no login.
    pub credentials: Vec<ScopedToken>,
    /// How instances are probed (the fleet's token, TLS).
    pub client: ClientConfig,
    /// Whether the page is served over TLS (the session cookie is then `Secure`).
    pub tls: bool,
    /// The job kind of `gofed scan` in the store's job table.
    pub scan_kind: String,
    /// An instance that left the registry (its TTL passed, or it deregistered) stays listed, red, this long.
    pub forget_after: Duration,
}

/// The shared state of the pages.
#[derive(Clone)]
pub(crate) struct Ctx {
    console: Arc<Console>,
    seen: Arc<system::Seen>,
}

/// The `console` service: no actions; its pages, login form and assets as the envelope's routes.
pub fn service(console: Console) -> Service {
    let ctx = Ctx {
        console: Arc::new(console),
        seen: Arc::default(),
    };
    let router = Router::new()
        .route("/", get(|| async { Redirect::to("/console/") }))
        .route("/console", get(|| async { Redirect::to("/console/") }))
        .route("/console/", get(system::page))
        .route("/console/system/table", get(system::table))
        .route("/console/actions", get(catalogue::list))
        .route(
            "/console/actions/{name}",
            get(catalogue::form).post(catalogue::call),
        )
        .route("/console/projects", get(store::projects))
        .route("/console/project", get(store::project))
        .route("/console/revision", get(store::revision))
        .route("/console/packages", get(store::packages))
        .route("/console/package", get(store::package))
        .route("/console/diff", get(diff::page))
        .route("/console/graph", get(graph::page))
        .route("/console/graph.svg", get(graph::svg))
        .route("/console/scans", get(scans::page))
        .route("/console/login", get(login::form).post(login::submit))
        .route("/console/logout", axum::routing::post(login::logout))
        .route("/console/assets/console.css", get(stylesheet))
        .route("/console/assets/console.js", get(script))
        .route("/console/assets/favicon.svg", get(favicon))
        .layer(axum::extract::DefaultBodyLimit::max(
            catalogue::UPLOAD_LIMIT,
        ))
        .layer(axum::middleware::map_response(security_headers))
        .with_state(ctx);
    Service::new(
        NAME,
        VERSION,
        "the web console: the running system, the action catalogue, the store, API changes, dependency graphs \
         and scans",
    )
    .web(WebPages {
        // Logging out only clears the cookie: it needs no token.
        public: vec![
            "/console/login".into(),
            "/console/logout".into(),
            "/console/assets/".into(),
        ],
        login: "/console/login".into(),
        self_scoped: vec!["/console/actions/".into()],
    })
    .routes(NAME, router)
}

/// The page's policy: nothing but this origin's style sheet, script, images and forms; no framing, no inline
/// script or style (so that an injected `<script>` or `style=` would not run even if an escape were missed).
const CSP: &str =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    let is_svg = headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|t| t.as_bytes().starts_with(b"image/svg"));
    // Graphviz's drawing styles its text inline; as an image it runs no script whatever it holds.
    let csp = if is_svg {
        "default-src 'none'; style-src 'unsafe-inline'"
    } else {
        CSP
    };
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(csp),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}

async fn stylesheet() -> Response {
    asset(
        "text/css; charset=utf-8",
        include_str!("../assets/console.css"),
    )
}

async fn script() -> Response {
    asset(
        "text/javascript; charset=utf-8",
        include_str!("../assets/console.js"),
    )
}

async fn favicon() -> Response {
    asset("image/svg+xml", include_str!("../assets/favicon.svg"))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// The scope a request was granted by the envelope (`admin` when no tokens are configured: no auth).
pub(crate) fn granted_scope(granted: Option<axum::Extension<Scope>>) -> Scope {
    granted.map_or(Scope::Admin, |axum::Extension(scope)| scope)
}
