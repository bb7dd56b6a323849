//! gofed's service envelope: actions, services, the HTTP server that hosts them, and the client that calls them.
//!
//! An **action** is a plain async or blocking function with a typed input and output (serde + JSON Schema), a
//! name unique across the system and a doc string. A **service** is a named, versioned set of actions. The same
//! [`Service`] value can be called in-process ([`Service::call_local`]: an ordinary function call, no
//! serialisation), by JSON ([`Service::call_json`]), or over HTTP once [`serve`] hosts it:
//!
//! - `GET /v1/info`, `POST /v1/actions/{action}` (answer: `{"result": ..., "meta": {...}}`),
//!   `PUT|GET|HEAD /v1/files/{sha256}`, `GET /healthz`, `GET /metrics` ([`server`]);
//! - errors are `{"error": {"code", "message"}}` with stable codes ([`error`]);
//! - limits: body sizes, bodies read within a deadline before a concurrency slot is taken (408), a concurrency
//!   limit that sheds load with 503, per-action timeouts, a header read timeout ([`limits`]); a [`Cancel`] flag
//!   for blocking work, set on timeout, dropped call and shutdown ([`cancel`]); an optional bearer token on every
//!   request; graceful shutdown;
//! - configuration from `gofed.toml` and `GOFED_*` variables ([`config`]), passed explicitly;
//! - a [`Client`] for one instance's actions and files, and a [`System`] that calls actions wherever configuration
//!   places them (in-process, registry lookup, fixed address), balancing and failing over between instances.
//!
//! Invariants: the server binds what it is given (the default config listens on loopback); internal error
//! details are logged, never sent; an upload is stored only complete and with the right sha256; a request names
//! files by [`Sha256`], never by a place: the [`System`] fetches them only from the instances its registry or
//! configuration knows, so neither a request nor its caller can make a service call a URL with its token.
//!
//! ```no_run
//! use gofed_service::{serve, shutdown_signal, Client, Config, Service};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let greeter = Service::new("greeter", "1.0.0", "says hello")
//!     .action("hello", "greets a name", |name: String| async move { Ok(format!("hello, {name}")) });
//! let config = Config::load(None)?;
//! let listener = tokio::net::TcpListener::bind(config.server.listen).await?;
//! let base = format!("http://{}", listener.local_addr()?);
//! tokio::spawn(serve(listener, vec![greeter.clone()], config.server.clone(), shutdown_signal()));
//!
//! // The same action, in-process and remote.
//! let local: String = greeter.call_local("hello", "gopher".to_owned()).await?;
//! let remote = Client::new(&base, &config.client)?.call::<_, String>("hello", "gopher").await?;
//! assert_eq!(local, remote.result);
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

pub mod action;
pub mod cancel;
pub mod client;
pub mod config;
pub mod envelope;
pub mod error;
pub mod files;
pub mod limits;
pub mod metrics;
pub mod request_id;
pub mod server;
pub mod session;
pub mod system;

pub use gofed_registry::tls;

pub use action::{Action, BoxFuture, Service, WebPages};
pub use cancel::{run_blocking, Cancel, CancelOnDrop};
pub use client::{Client, ClientError, Upload};
pub use config::{ClientConfig, Config, ConfigError, FilesLocation, ServerConfig, StoreConfig};
pub use envelope::{
    ActionInfo, ActionResponse, ErrorBody, ErrorDetail, FileInfo, FileRef, Info, InvalidSha256,
    Meta, ServiceInfo, Sha256,
};
pub use error::{error_chain, BoxError, ServiceError};
pub use files::BlobStore;
pub use server::{
    router, serve, serve_incoming, serve_state, shutdown_signal, AppState, ServeError,
};
pub use system::{Placement, System, SystemConfig, SystemError};
