//! gofed's service registry: which instances of which services are alive, and where.
//!
//! Services run as instances; each registers under its service name (`api`, `deps`,
//! `filestorage`, ...) with an address, a version, its actions and a TTL, then heartbeats. A
//! client looks a name up and gets the live instances. An instance that misses its TTL is pruned;
//! one that shuts down cleanly deregisters.
//!
//! - [`Registry`] is the one trait every backend implements: `register`, `heartbeat`,
//!   `deregister`, `lookup`, `list`. Service names are case-insensitive (stored lower-cased).
//! - [`MemoryRegistry`] keeps the registry in memory; [`RegistryServer`] serves any `Registry`
//!   over HTTP/JSON under `/v1/registry/` (loopback port 18811 by default, see [`server`] for the
//!   routes and error codes), and [`HttpRegistry`] is the client of that server. Together they are
//!   the embedded registry (`gofed registry`).
//! - [`EtcdRegistry`] keeps the registry in etcd: one key per instance under
//!   `/gofed/services/<name>/<instance_id>`, bound to a lease with the TTL; heartbeats are lease
//!   keep-alives. It talks to etcd's JSON gateway with the same HTTP client, so the default build
//!   needs no `protoc`, no system package and no extra crate, and it is always compiled in.
//! - [`connect`] turns a URL into a backend: `http://…` is the embedded registry,
//!   `etcd://HOST:PORT[/PREFIX]` is etcd.
//! - [`Registrar`] is what an instance runs: it registers, heartbeats in a background task,
//!   registers again when the registry has lost the instance (a restarted embedded registry is
//!   repopulated this way within one heartbeat), and deregisters on shutdown.
//!
//! Defaults: heartbeat every 2 s ([`DEFAULT_HEARTBEAT`]), TTL 6 s ([`DEFAULT_TTL`]); both are
//! configurable per instance ([`HeartbeatConfig`]).
//!
//! # Example
//!
//! An embedded registry on a free loopback port, one instance kept registered by a
//! [`Registrar`], and a lookup through the HTTP client:
//!
//! ```
//! use std::sync::Arc;
//! use gofed_registry::{
//!     HeartbeatConfig, HttpRegistry, Instance, MemoryRegistry, Registrar, Registry,
//!     RegistryServer, ServerConfig,
//! };
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), gofed_registry::RegistryError> {
//! let config = ServerConfig { address: "127.0.0.1:0".parse().unwrap(), ..ServerConfig::default() };
//! let server = RegistryServer::bind(&config, Arc::new(MemoryRegistry::default()))
//!     .await?
//!     .spawn();
//! let registry: Arc<dyn Registry> = Arc::new(HttpRegistry::new(&server.url())?);
//!
//! let instance = Instance::new("API", "api-1", "http://127.0.0.1:9000")
//!     .with_version("0.1.0")
//!     .with_actions(["api_analysis", "api_diff"]);
//! let registrar =
//!     Registrar::start(Arc::clone(&registry), instance, HeartbeatConfig::default()).await?;
//!
//! let found = registry.lookup("api").await?;
//! assert_eq!(found.len(), 1);
//! assert_eq!(found[0].name, "api");
//! assert_eq!(found[0].address, "http://127.0.0.1:9000");
//!
//! registrar.shutdown().await?; // deregisters
//! assert!(registry.lookup("api").await?.is_empty());
//! server.shutdown().await?;
//! # Ok(())
//! # }
//! ```
//!
//! # Invariants
//!
//! - Names and instance ids are checked (ASCII letters, digits, `-`, `_`, `.`; at most 128 bytes)
//!   before they reach a map, a URL or an etcd key, so they never need escaping and never contain
//!   `/`.
//! - An address is an `http`/`https` base URL with a host and nothing after it ([`check_address`]):
//!   a registration that clients could not call is refused, and an entry that is not a valid
//!   instance (an etcd key written by others, an older registry) is skipped by `lookup` and `list`,
//!   with a warning, so it never breaks the other instances of its service.
//! - Everything is bounded: field sizes ([`MAX_NAME_LEN`], [`MAX_ADDRESS_LEN`], [`MAX_ACTIONS`],
//!   [`MAX_ACTIONS_BYTES`]), instances per name and in all ([`Limits`]), the server's request body
//!   ([`MAX_REQUEST_BYTES`]), the list answers it builds and sends at once
//!   ([`server::MAX_LISTS_IN_FLIGHT`]) and every answer a client reads ([`MAX_ANSWER_BYTES`]).
//! - `lookup` and `list` never return an instance whose TTL has passed (etcd: once etcd has
//!   expired its lease, within 0.5 s of the TTL).
//! - `register` of an existing name and id replaces it; `deregister` of an unknown instance
//!   succeeds; `heartbeat` of an unknown instance is [`RegistryError::NotFound`].
//! - The server binds to loopback unless configured otherwise and answers errors as JSON with a
//!   stable code; backend details are logged, never sent.

#![warn(missing_docs)]

mod client;
mod connect;
mod error;
pub mod etcd;
mod instance;
mod limit;
mod memory;
mod registrar;
pub mod server;
pub mod tls;
pub mod token;

use async_trait::async_trait;

pub use crate::client::{HttpRegistry, DEFAULT_REQUEST_TIMEOUT};
pub use crate::connect::{connect, connect_with, ConnectOptions};
pub use crate::error::RegistryError;
pub use crate::etcd::{EtcdConfig, EtcdRegistry, EtcdTls};
pub use crate::instance::{
    check_address, check_instance_id, normalize_name, Instance, DEFAULT_HEARTBEAT, DEFAULT_TTL,
    MAX_ACTIONS, MAX_ACTIONS_BYTES, MAX_ADDRESS_LEN, MAX_NAME_LEN, MAX_TTL, MIN_TTL,
};
pub use crate::limit::{Limits, MAX_ANSWER_BYTES, MAX_REQUEST_BYTES};
pub use crate::memory::MemoryRegistry;
pub use crate::registrar::{HeartbeatConfig, Registrar, RegistrationStatus};
pub use crate::server::{RegistryServer, ServerConfig, ServerHandle, DEFAULT_ADDRESS};

/// A registry of service instances. Every backend implements it, and callers hold it as
/// `Arc<dyn Registry>`, so the backend is a configuration choice.
///
/// Contract, for every backend (the shared behavioural tests check it):
/// - `name` is case-insensitive: `register` stores it lower-cased, and `lookup("API")` finds
///   what `register` stored as `api`.
/// - `register` of an existing (name, instance id) replaces the earlier registration and
///   restarts its TTL.
/// - `heartbeat` restarts the TTL, or fails with [`RegistryError::NotFound`] when the registry
///   does not know the instance; the instance must then `register` again.
/// - `deregister` removes the instance; removing an unknown instance succeeds.
/// - `lookup` and `list` return only instances whose TTL has not passed, sorted by name, then
///   instance id.
#[async_trait]
pub trait Registry: Send + Sync {
    /// Registers `instance`, or replaces its earlier registration.
    async fn register(&self, instance: Instance) -> Result<(), RegistryError>;
    /// Tells the registry that the instance is alive, restarting its TTL.
    async fn heartbeat(&self, name: &str, instance_id: &str) -> Result<(), RegistryError>;
    /// Removes the instance.
    async fn deregister(&self, name: &str, instance_id: &str) -> Result<(), RegistryError>;
    /// The live instances of the service `name`.
    async fn lookup(&self, name: &str) -> Result<Vec<Instance>, RegistryError>;
    /// Every live instance of every service.
    async fn list(&self) -> Result<Vec<Instance>, RegistryError>;
}
