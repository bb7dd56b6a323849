//! The client's view of the whole system: call an action by name and let configuration decide where it runs.
//!
//! Per service, a [`Placement`] says where its actions run:
//! - [`Placement::Local`]: the [`Service`] compiled into this program, called in-process ([`Service::call_local`]):
//!   an ordinary function call, no serialisation, no socket;
//! - [`Placement::Remote`]: the instances the registry lists for the service's name;
//! - [`Placement::Fixed`]: instances at fixed base URLs, registry bypassed.
//!
//! Remote calls are balanced over the instances of a name: the instance with the fewest calls outstanding from this
//! client wins, ties go round robin. Retries never amplify a poison request (a "query of death"):
//! - an instance that refuses the connection (nothing was sent) or answers 503 `overloaded` (nothing was done) is
//!   marked down for a while (`down_ms`; an overloaded one only for `retry_wait_ms`) and the call moves on to
//!   another instance, as often as `max_attempts` allows;
//! - a transport failure after the request was sent (reset, client timeout, 502) marks the instance down and is
//!   retried **once** on another instance: the request may be what broke the first one;
//! - a 504 (the action timed out on the instance) is never retried: it would time out on every other one too.
//!
//! Actions are idempotent (the same input gives the same output; uploads are content-addressed), so one retry is
//! safe. After every instance has failed, the call waits `retry_wait_ms`, asks the registry again and retries, down
//! instances included, until `max_attempts` is reached. Errors name the instance that failed. Registry lookups are
//! cached for `lookup_ttl_ms` and refreshed at once after a failure. Calls take `&self`, so independent calls run
//! concurrently (`tokio::join!`). The clients of instances share one HTTP connection pool, and at most
//! `max_endpoints` instances are remembered (the least recently used idle ones are forgotten first).
//!
//! Files between machines: [`System::upload_bytes`] stores a blob on a `filestorage` instance (`HEAD` first, so a
//! blob already there is not sent again) and returns a [`FileRef`] naming where it is; [`System::fetch`] gets it
//! back from the `filestorage` instances that the registry or configuration knows, never from an address the
//! [`FileRef`] names (its `origin` only says which known instance to try first), at most `max_fetch_bytes`,
//! hash-checked as it streams in. The bearer token therefore only ever goes to configured peers.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gofed_registry::{Registry, RegistryError};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::action::Service;
use crate::client::{Client, ClientError};
use crate::config::ClientConfig;
use crate::envelope::{FileRef, Sha256};
use crate::error::ServiceError;

/// The name of the storage service that holds uploaded files.
pub const FILESTORAGE: &str = "filestorage";

/// Where one service's actions run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Placement {
    /// In this process: a plain function call.
    #[default]
    Local,
    /// On the instances the registry lists.
    Remote,
    /// On these instances (base URLs), without asking the registry.
    Fixed(Vec<String>),
}

impl FromStr for Placement {
    type Err = String;

    /// `local`, `remote`, or one or more comma-separated base URLs.
    fn from_str(text: &str) -> Result<Placement, String> {
        match text.trim() {
            "local" => Ok(Placement::Local),
            "remote" => Ok(Placement::Remote),
            "" => Err("empty placement: expected local, remote or base URLs".to_owned()),
            urls => {
                let urls: Vec<String> = urls.split(',').map(|u| u.trim().to_owned()).collect();
                match urls
                    .iter()
                    .find(|u| !(u.starts_with("http://") || u.starts_with("https://")))
                {
                    Some(bad) => Err(format!(
                        "placement {bad:?}: expected local, remote or http(s):// base URLs"
                    )),
                    None => Ok(Placement::Fixed(urls)),
                }
            }
        }
    }
}

impl fmt::Display for Placement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Placement::Local => f.write_str("local"),
            Placement::Remote => f.write_str("remote"),
            Placement::Fixed(urls) => f.write_str(&urls.join(",")),
        }
    }
}

impl Serialize for Placement {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Placement {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Placement, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// The `[system]` table of `gofed.toml`: where services run and how remote calls behave.
///
/// ```toml
/// [system]
/// registry = "http://127.0.0.1:18811"   # or etcd://127.0.0.1:2379
/// default_placement = "local"
/// [system.placement]
/// api = "remote"
/// filestorage = "remote"
/// deps = "http://10.0.0.5:8811,http://10.0.0.6:8811"
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SystemConfig {
    /// The registry: `http(s)://HOST:PORT` (`gofed registry`), or etcd at `etcd://HOST:PORT[/PREFIX]` (`etcds://` over TLS).
    #[schemars(extend("x-env" = "GOFED_REGISTRY"))]
    pub registry: String,
    /// TLS towards an `etcds://` registry: its authority and client certificate (`[system.etcd]`).
    pub etcd: gofed_registry::EtcdTls,
    /// Placement of services not listed in `placement`: `local`, `remote`, or comma-separated base URLs.
    #[schemars(with = "String")]
    pub default_placement: Placement,
    /// Placement per service name (`[system.placement]`, e.g. `api = "remote"`).
    #[schemars(with = "BTreeMap<String, String>")]
    pub placement: BTreeMap<String, Placement>,
    /// How long a registry lookup is reused, in milliseconds. Default 1000.
    pub lookup_ttl_ms: u64,
    /// How long an instance that failed stays out of the rotation, in milliseconds. Default 5000.
    pub down_ms: u64,
    /// Most attempts of one call (each on the best instance at the time). Default 8.
    pub max_attempts: u32,
    /// Wait before retrying once every known instance has failed, in milliseconds. Default 250.
    pub retry_wait_ms: u64,
    /// Largest file [`System::fetch`] downloads, in bytes. Default 1 GiB (the envelope's default `file_body_limit`).
    pub max_fetch_bytes: u64,
    /// Most instances remembered (with their down marks and counters); past it, the least recently used idle
    /// ones are forgotten. Default 256.
    pub max_endpoints: usize,
}

impl Default for SystemConfig {
    fn default() -> Self {
        SystemConfig {
            registry: format!("http://{}", gofed_registry::DEFAULT_ADDRESS),
            etcd: gofed_registry::EtcdTls::default(),
            default_placement: Placement::Local,
            placement: BTreeMap::new(),
            lookup_ttl_ms: 1_000,
            down_ms: 5_000,
            max_attempts: 8,
            retry_wait_ms: 250,
            max_fetch_bytes: 1 << 30,
            max_endpoints: 256,
        }
    }
}

impl SystemConfig {
    /// The placement of service `name`.
    pub fn placement_of(&self, name: &str) -> &Placement {
        self.placement.get(name).unwrap_or(&self.default_placement)
    }
}

/// Why a call through the [`System`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SystemError {
    /// No known service has the action.
    #[error("unknown action `{action}`")]
    UnknownAction {
        /// The action.
        action: String,
    },
    /// The service is placed locally but this program does not have it.
    #[error("service `{service}` is placed local, but this program does not contain it")]
    NotLocal {
        /// The service.
        service: String,
    },
    /// The in-process action failed.
    #[error(transparent)]
    Local(#[from] ServiceError),
    /// The registry could not be asked.
    #[error("registry lookup of `{service}` failed")]
    Registry {
        /// The service.
        service: String,
        /// Why.
        #[source]
        source: RegistryError,
    },
    /// No live instance of the service.
    #[error("no instance of service `{service}` is available ({placement})")]
    NoInstance {
        /// The service.
        service: String,
        /// Where instances were looked for.
        placement: String,
    },
    /// The remote action answered with an error that retrying cannot mend.
    #[error(transparent)]
    Remote(ClientError),
    /// Every attempt failed on a transport error or an overloaded instance.
    #[error("`{action}` failed on {attempts} attempts, last on instance {instance}")]
    Exhausted {
        /// The action.
        action: String,
        /// Attempts made.
        attempts: u32,
        /// The instance of the last attempt.
        instance: String,
        /// The last error.
        #[source]
        last: Box<ClientError>,
    },
    /// The call failed on an instance in a way that another instance would likely repeat (the action timed out,
    /// or the request broke a second instance): not retried further.
    #[error("`{action}` failed on instance {instance} ({reason}); not retried on other instances")]
    NotRetried {
        /// The action.
        action: String,
        /// The instance that failed last.
        instance: String,
        /// Why it is not retried.
        reason: &'static str,
        /// Its error.
        #[source]
        source: Box<ClientError>,
    },
    /// A file is larger than `max_fetch_bytes`.
    #[error("file {sha256} has {size} bytes, more than the limit of {limit}")]
    FileTooLarge {
        /// The file.
        sha256: String,
        /// Its declared size.
        size: u64,
        /// The limit.
        limit: u64,
    },
}

/// One remote instance, as this client sees it.
struct Endpoint {
    address: String,
    client: Client,
    /// Calls this client has running on the instance now.
    outstanding: AtomicUsize,
    /// Calls this client has made to it.
    calls: AtomicU64,
    down_until: Mutex<Option<Instant>>,
    /// When it was last handed out (a tick of [`System::clock`]), to forget the least recently used first.
    last_used: AtomicU64,
}

impl Endpoint {
    fn is_down(&self, now: Instant) -> bool {
        lock(&self.down_until).is_some_and(|until| now < until)
    }

    fn touch(&self, clock: &AtomicU64) {
        self.last_used
            .store(clock.fetch_add(1, Ordering::Relaxed), Ordering::Relaxed);
    }
}

/// Counts a call as outstanding for as long as it lives.
struct Outstanding<'a>(&'a Endpoint);

impl<'a> Outstanding<'a> {
    fn new(endpoint: &'a Endpoint) -> Self {
        endpoint.outstanding.fetch_add(1, Ordering::Relaxed);
        endpoint.calls.fetch_add(1, Ordering::Relaxed);
        Outstanding(endpoint)
    }
}

impl Drop for Outstanding<'_> {
    fn drop(&mut self) {
        self.0.outstanding.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The instance list of one service, with when it was fetched.
struct Pool {
    endpoints: Vec<Arc<Endpoint>>,
    fetched: Instant,
}

/// A poisoned lock only means another call panicked; the data (counters, lists) is still usable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Calls actions wherever configuration places them. Cheap to share: wrap it in an `Arc`.
pub struct System {
    config: SystemConfig,
    client_config: ClientConfig,
    /// Services compiled into this program, by name.
    local: BTreeMap<String, Service>,
    /// Action name → service name, for every known service.
    action_service: BTreeMap<String, String>,
    registry: Option<Arc<dyn Registry>>,
    pools: Mutex<HashMap<String, Pool>>,
    /// The endpoints seen lately (at most `max_endpoints`), by address, so that down marks and counters survive
    /// lookups.
    endpoints: Mutex<HashMap<String, Arc<Endpoint>>>,
    /// One HTTP client for every endpoint: one connection pool (`None` if it could not be built: then each
    /// endpoint builds its own and reports why not). Built on the first remote call: a command answered
    /// in-process (from the result cache, say) does not load the system's root certificates.
    http: std::sync::OnceLock<Option<reqwest::Client>>,
    /// Ticks for `Endpoint::last_used`.
    clock: AtomicU64,
    round_robin: AtomicUsize,
}

impl fmt::Debug for System {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("System")
            .field("config", &self.config)
            .field("local", &self.local.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl System {
    /// A system knowing `services` (the catalogue: used in-process where placed local, and to find which service
    /// hosts an action), with `registry` for services placed remote (connected lazily by the caller: pass `None`
    /// when nothing is placed remote).
    pub fn new(
        services: Vec<Service>,
        config: SystemConfig,
        client_config: ClientConfig,
        registry: Option<Arc<dyn Registry>>,
    ) -> System {
        let mut action_service = BTreeMap::new();
        let mut local = BTreeMap::new();
        for service in services {
            for action in service.actions() {
                action_service.insert(action.name().to_owned(), service.name().to_owned());
            }
            local.insert(service.name().to_owned(), service);
        }
        System {
            config,
            client_config,
            local,
            action_service,
            registry,
            pools: Mutex::new(HashMap::new()),
            endpoints: Mutex::new(HashMap::new()),
            http: std::sync::OnceLock::new(),
            clock: AtomicU64::new(0),
            // A random start: short-lived clients (one command, one call) must not all pick the first instance.
            round_robin: AtomicUsize::new(random_start()),
        }
    }

    /// The shared HTTP client, built on first use.
    fn http(&self) -> Option<&reqwest::Client> {
        self.http
            .get_or_init(|| match crate::client::http_client(&self.client_config) {
                Ok(http) => Some(http),
                Err(err) => {
                    tracing::warn!("cannot build the shared HTTP client: {err}");
                    None
                }
            })
            .as_ref()
    }

    /// The configuration.
    pub fn config(&self) -> &SystemConfig {
        &self.config
    }

    /// The service hosting `action`.
    pub fn service_of(&self, action: &str) -> Result<&str, SystemError> {
        self.action_service
            .get(action)
            .map(String::as_str)
            .ok_or_else(|| SystemError::UnknownAction {
                action: action.to_owned(),
            })
    }

    /// Whether `service` runs in this process.
    pub fn is_local(&self, service: &str) -> bool {
        *self.config.placement_of(service) == Placement::Local
    }

    /// The in-process service of that name.
    fn local_service(&self, service: &str) -> Result<&Service, SystemError> {
        self.local
            .get(service)
            .ok_or_else(|| SystemError::NotLocal {
                service: service.to_owned(),
            })
    }

    /// Call `action` with a typed input, wherever it is placed.
    pub async fn call<In, Out>(&self, action: &str, input: In) -> Result<Out, SystemError>
    where
        In: Serialize + Send + Sync + 'static,
        Out: DeserializeOwned + Send + 'static,
    {
        let service = self.service_of(action)?;
        if self.is_local(service) {
            let local = self.local_service(service)?;
            return Ok(local.call_local::<In, Out>(action, input).await?);
        }
        let service = service.to_owned();
        self.with_failover(&service, action, |client| {
            let input = &input;
            async move {
                let response = client.call::<In, Out>(action, input).await?;
                let meta = &response.meta;
                tracing::info!(%action, instance = %meta.instance, address = %client.base_url(), duration_ms = meta.duration_ms, "called");
                Ok(response.result)
            }
        })
        .await
    }

    /// Call `action` with a JSON input wherever it is placed, and answer the whole envelope: the result and the
    /// `meta` of the instance that ran it (of this process for a local call: instance `in-process`). The console's
    /// action form shows both.
    pub async fn call_json_envelope(
        &self,
        action: &str,
        input: serde_json::Value,
    ) -> Result<crate::envelope::ActionResponse<serde_json::Value>, SystemError> {
        let service = self.service_of(action)?;
        if self.is_local(service) {
            let local = self.local_service(service)?;
            let now = || {
                time::OffsetDateTime::now_utc()
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default()
            };
            let started = now();
            let clock = Instant::now();
            let result = local.call_json(action, input).await?;
            let meta = crate::envelope::Meta {
                service: local.name().to_owned(),
                service_version: local.version().to_owned(),
                instance: "in-process".to_owned(),
                hostname: gethostname::gethostname().to_string_lossy().into_owned(),
                started,
                finished: now(),
                duration_ms: u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX),
                cached: false,
            };
            return Ok(crate::envelope::ActionResponse { result, meta });
        }
        let service = service.to_owned();
        self.with_failover(&service, action, |client| {
            let input = &input;
            async move {
                client
                    .call::<serde_json::Value, serde_json::Value>(action, input)
                    .await
            }
        })
        .await
    }

    /// Store `bytes` on a `filestorage` instance (not sent when it is already there).
    pub async fn upload_bytes(&self, bytes: bytes::Bytes) -> Result<FileRef, SystemError> {
        self.with_failover(FILESTORAGE, "upload", |client| {
            let bytes = bytes.clone();
            async move {
                let (info, _) = client.upload_bytes(bytes).await?;
                let sha256 = Sha256::parse(&info.sha256).map_err(|err| ClientError::Decode {
                    url: client.base_url().to_owned(),
                    message: err.to_string(),
                })?;
                Ok(FileRef {
                    sha256,
                    size: info.size,
                    origin: Some(client.base_url().to_owned()),
                })
            }
        })
        .await
    }

    /// The bytes of `file`, from a `filestorage` instance that the registry or configuration knows: the one its
    /// `origin` names first when it is one of them (an unknown origin is ignored: a caller must not make this
    /// service call a URL of its choosing, with its token), then the others. At most `max_fetch_bytes`, checked
    /// against the sha256 as the bytes arrive.
    pub async fn fetch(&self, file: &FileRef) -> Result<bytes::Bytes, SystemError> {
        let limit = self.config.max_fetch_bytes;
        if file.size > limit {
            return Err(SystemError::FileTooLarge {
                sha256: file.sha256.to_string(),
                size: file.size,
                limit,
            });
        }
        let mut known = self.endpoints_of(FILESTORAGE, false).await?;
        if let Some(origin) = &file.origin {
            let origin = origin.trim_end_matches('/');
            match known
                .iter()
                .position(|e| e.address.trim_end_matches('/') == origin)
            {
                Some(index) => known[..=index].rotate_right(1),
                None => tracing::debug!(
                    origin = %origin.chars().take(200).collect::<String>(),
                    "ignoring a file origin that is not a known filestorage instance"
                ),
            }
        }
        let mut last = None;
        for endpoint in known {
            endpoint.touch(&self.clock);
            match endpoint.client.download_bytes(&file.sha256, limit).await {
                Ok(bytes) => return Ok(bytes),
                // The same file is as large everywhere.
                Err(err @ ClientError::TooLarge { .. }) => return Err(SystemError::Remote(err)),
                Err(err) => last = Some(err),
            }
        }
        match last {
            Some(err) => Err(SystemError::Remote(err)),
            None => Err(SystemError::NoInstance {
                service: FILESTORAGE.to_owned(),
                placement: self.config.placement_of(FILESTORAGE).to_string(),
            }),
        }
    }

    /// Calls made by this client per instance address (for tests and `--verbose` reports).
    pub fn calls_per_instance(&self) -> BTreeMap<String, u64> {
        lock(&self.endpoints)
            .iter()
            .map(|(address, e)| (address.clone(), e.calls.load(Ordering::Relaxed)))
            .collect()
    }

    /// The endpoint at `address`, made once and shared by every lookup. At most `max_endpoints` are kept: making
    /// one more forgets the least recently used that no call is using.
    fn endpoint(&self, address: &str) -> Result<Arc<Endpoint>, ClientError> {
        let mut known = lock(&self.endpoints);
        if let Some(endpoint) = known.get(address) {
            endpoint.touch(&self.clock);
            return Ok(Arc::clone(endpoint));
        }
        let client = match self.http() {
            Some(http) => Client::with_http(address, &self.client_config, http.clone())?,
            None => Client::new(address, &self.client_config)?,
        };
        let endpoint = Arc::new(Endpoint {
            address: address.to_owned(),
            client,
            outstanding: AtomicUsize::new(0),
            calls: AtomicU64::new(0),
            down_until: Mutex::new(None),
            last_used: AtomicU64::new(0),
        });
        endpoint.touch(&self.clock);
        let max = self.config.max_endpoints.max(1);
        if known.len() >= max {
            let mut idle: Vec<(u64, String)> = known
                .values()
                .filter(|e| e.outstanding.load(Ordering::Relaxed) == 0)
                .map(|e| (e.last_used.load(Ordering::Relaxed), e.address.clone()))
                .collect();
            idle.sort_unstable();
            let excess = known.len() + 1 - max;
            for (_, address) in idle.into_iter().take(excess) {
                known.remove(&address);
            }
        }
        known.insert(address.to_owned(), Arc::clone(&endpoint));
        Ok(endpoint)
    }

    /// How many instances this client remembers now (at most `max_endpoints`, unless more have calls running).
    pub fn endpoint_count(&self) -> usize {
        lock(&self.endpoints).len()
    }

    /// Run `op` on the best instance of `service`, retrying on others after transport failures.
    async fn with_failover<T, F, Fut>(
        &self,
        service: &str,
        action: &str,
        op: F,
    ) -> Result<T, SystemError>
    where
        F: Fn(Client) -> Fut,
        Fut: std::future::Future<Output = Result<T, ClientError>>,
    {
        let mut attempts = 0;
        let mut refresh = false;
        let mut failed_after_sending = 0;
        let mut last: Option<(String, ClientError)> = None;
        while attempts < self.config.max_attempts.max(1) {
            let endpoint = match self.pick(service, refresh, false).await? {
                Some(endpoint) => endpoint,
                None => {
                    // Every instance failed lately, or none is listed: wait a moment, ask the registry again, and
                    // try even an instance marked down (it may be back; the wait bounds the pace).
                    attempts += 1;
                    tokio::time::sleep(Duration::from_millis(self.config.retry_wait_ms)).await;
                    refresh = true;
                    match self.pick(service, true, true).await? {
                        Some(endpoint) if attempts < self.config.max_attempts => endpoint,
                        _ => continue,
                    }
                }
            };
            attempts += 1;
            let result = {
                let _outstanding = Outstanding::new(&endpoint);
                op(endpoint.client.clone()).await
            };
            let err = match result {
                Ok(value) => return Ok(value),
                Err(err) => err,
            };
            let instance = endpoint.address.clone();
            let failure = Failure::of(&err);
            if failure == Failure::Final {
                return Err(match err {
                    ClientError::Service { status: 504, .. } => SystemError::NotRetried {
                        action: action.to_owned(),
                        instance,
                        reason: "the action timed out there, and would on any other instance",
                        source: Box::new(err),
                    },
                    err => SystemError::Remote(err),
                });
            }
            // The instance is unreachable, broken or overloaded: keep it out of the rotation for a while (an
            // overloaded one only briefly: it is alive).
            let overloaded = matches!(err, ClientError::Service { status: 503, .. });
            let down_ms = if overloaded {
                self.config.retry_wait_ms
            } else {
                self.config.down_ms
            };
            *lock(&endpoint.down_until) = Some(Instant::now() + Duration::from_millis(down_ms));
            if failure == Failure::AfterSending {
                failed_after_sending += 1;
                if failed_after_sending > 1 {
                    return Err(SystemError::NotRetried {
                        action: action.to_owned(),
                        instance,
                        reason: "the request failed after it was sent, on a second instance too",
                        source: Box::new(err),
                    });
                }
            }
            tracing::info!(%service, %action, %instance, "call failed, trying another instance: {err}");
            refresh = true;
            last = Some((instance, err));
        }
        match last {
            Some((instance, last)) => Err(SystemError::Exhausted {
                action: action.to_owned(),
                attempts,
                instance,
                last: Box::new(last),
            }),
            None => Err(SystemError::NoInstance {
                service: service.to_owned(),
                placement: self.config.placement_of(service).to_string(),
            }),
        }
    }

    /// The instance with the fewest outstanding calls among those not marked down (unless `include_down`), round
    /// robin among equals.
    async fn pick(
        &self,
        service: &str,
        refresh: bool,
        include_down: bool,
    ) -> Result<Option<Arc<Endpoint>>, SystemError> {
        let endpoints = self.endpoints_of(service, refresh).await?;
        let now = Instant::now();
        let up: Vec<&Arc<Endpoint>> = endpoints
            .iter()
            .filter(|e| include_down || !e.is_down(now))
            .collect();
        if up.is_empty() {
            return Ok(None);
        }
        // One snapshot of the counts: they change under our feet as other calls finish.
        let loads: Vec<usize> = up
            .iter()
            .map(|e| e.outstanding.load(Ordering::Relaxed))
            .collect();
        let least = loads.iter().copied().min().unwrap_or(0);
        let best: Vec<&Arc<Endpoint>> = up
            .iter()
            .zip(&loads)
            .filter(|(_, &load)| load == least)
            .map(|(e, _)| *e)
            .collect();
        let turn = self.round_robin.fetch_add(1, Ordering::Relaxed);
        let chosen = best.get(turn % best.len().max(1)).map(|e| Arc::clone(e));
        if let Some(endpoint) = &chosen {
            endpoint.touch(&self.clock);
        }
        Ok(chosen)
    }

    /// The instances of `service`: fixed, or from the registry (cached for `lookup_ttl_ms` unless `refresh`).
    async fn endpoints_of(
        &self,
        service: &str,
        refresh: bool,
    ) -> Result<Vec<Arc<Endpoint>>, SystemError> {
        let (addresses, from_registry) = match self.config.placement_of(service) {
            Placement::Fixed(urls) => (urls.clone(), false),
            Placement::Local | Placement::Remote => {
                let ttl = Duration::from_millis(self.config.lookup_ttl_ms);
                if !refresh {
                    if let Some(pool) = lock(&self.pools).get(service) {
                        if pool.fetched.elapsed() < ttl {
                            return Ok(pool.endpoints.clone());
                        }
                    }
                }
                let registry = self
                    .registry
                    .as_ref()
                    .ok_or_else(|| SystemError::NoInstance {
                        service: service.to_owned(),
                        placement: "no registry configured".to_owned(),
                    })?;
                let instances =
                    registry
                        .lookup(service)
                        .await
                        .map_err(|source| SystemError::Registry {
                            service: service.to_owned(),
                            source,
                        })?;
                (instances.into_iter().map(|i| i.address).collect(), true)
            }
        };
        let mut endpoints = Vec::with_capacity(addresses.len());
        for address in &addresses {
            match self.endpoint(address) {
                Ok(endpoint) => endpoints.push(endpoint),
                // Anyone may register (or write to etcd): one unusable address must not fail every call of the
                // service while its other instances are fine. A fixed address is the user's own: say so.
                Err(err) if from_registry => {
                    tracing::warn!(%service, %address, "skipping a registered instance: {err}");
                }
                Err(err) => return Err(SystemError::Remote(err)),
            }
        }
        lock(&self.pools).insert(
            service.to_owned(),
            Pool {
                endpoints: endpoints.clone(),
                fetched: Instant::now(),
            },
        );
        Ok(endpoints)
    }
}

fn random_start() -> usize {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    hasher.finish() as usize
}

/// What a failed attempt allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    /// Nothing reached the instance (connection refused) or it did nothing (503 `overloaded`): fail over freely.
    NotSent,
    /// The request was sent and the transport failed (reset, client timeout, 502): the request itself may be what
    /// broke the instance, so it is retried once only.
    AfterSending,
    /// An answer that another instance would repeat (4xx, 500, 504): not retried.
    Final,
}

impl Failure {
    fn of(err: &ClientError) -> Failure {
        match err {
            ClientError::Http { source, .. } if source.is_connect() => Failure::NotSent,
            ClientError::Http { .. } => Failure::AfterSending,
            ClientError::Service { status: 503, .. } => Failure::NotSent,
            ClientError::Service { status: 502, .. } => Failure::AfterSending,
            _ => Failure::Final,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placements_parse_and_configure() {
        assert_eq!("local".parse::<Placement>(), Ok(Placement::Local));
        assert_eq!(" remote ".parse::<Placement>(), Ok(Placement::Remote));
        assert_eq!(
            "http://a:1,https://b:2".parse::<Placement>(),
            Ok(Placement::Fixed(vec![
                "http://a:1".to_owned(),
                "https://b:2".to_owned()
            ]))
        );
        for bad in ["", "elsewhere", "http://a:1,ftp://b"] {
            assert!(bad.parse::<Placement>().is_err(), "{bad:?}");
        }
        let config = crate::Config::from_toml(
            "[system]\nregistry = \"etcd://127.0.0.1:2379\"\ndefault_placement = \"remote\"\n\
             [system.placement]\napi = \"local\"\ndeps = \"http://h:1\"\n\
             [registration]\nttl_ms = 9000\n",
            std::path::Path::new("gofed.toml"),
        )
        .unwrap();
        assert_eq!(config.registration.ttl, Duration::from_secs(9));
        assert_eq!(config.registration.interval, Duration::from_secs(2));
        let system = &config.system;
        assert_eq!(system.registry, "etcd://127.0.0.1:2379");
        assert_eq!(*system.placement_of("api"), Placement::Local);
        assert_eq!(
            *system.placement_of("deps"),
            Placement::Fixed(vec!["http://h:1".to_owned()])
        );
        assert_eq!(*system.placement_of("filestorage"), Placement::Remote);
        let err = crate::Config::from_toml(
            "[system.placement]\napi = \"nowhere\"\n",
            std::path::Path::new("gofed.toml"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("nowhere"), "{err}");
    }

    #[test]
    fn the_endpoint_pool_is_bounded() {
        let config = SystemConfig {
            max_endpoints: 16,
            ..SystemConfig::default()
        };
        let system = System::new(Vec::new(), config, ClientConfig::default(), None);
        for port in 2..2002 {
            system
                .endpoint(&format!("http://127.0.0.1:{port}"))
                .unwrap();
            // An endpoint with a call running is never forgotten, however many come after it.
            if port % 500 == 0 {
                let busy = system.endpoint("http://127.0.0.1:1").unwrap();
                let _call = Outstanding::new(&busy);
                for other in 0..40 {
                    system
                        .endpoint(&format!("http://127.0.0.2:{other}"))
                        .unwrap();
                }
                assert!(lock(&system.endpoints).contains_key("http://127.0.0.1:1"));
            }
        }
        assert_eq!(system.endpoint_count(), 16);
        // The most recently used are the ones kept.
        assert!(lock(&system.endpoints).contains_key("http://127.0.0.1:2001"));
        assert!(!lock(&system.endpoints).contains_key("http://127.0.0.1:2"));
    }

    #[test]
    fn retries_depend_on_whether_the_request_was_sent() {
        let service = |status| ClientError::Service {
            url: "u".to_owned(),
            status,
            code: String::new(),
            message: String::new(),
        };
        assert_eq!(Failure::of(&service(503)), Failure::NotSent);
        assert_eq!(Failure::of(&service(502)), Failure::AfterSending);
        for status in [400, 404, 422, 500, 504] {
            assert_eq!(Failure::of(&service(status)), Failure::Final, "{status}");
        }
    }

    #[tokio::test]
    async fn unknown_actions_and_missing_instances_are_errors() {
        let config = SystemConfig {
            default_placement: Placement::Remote,
            max_attempts: 2,
            retry_wait_ms: 1,
            ..SystemConfig::default()
        };
        let greeter = Service::new("greeter", "1", "hello").action(
            "hello",
            "greets",
            |name: String| async move { Ok(format!("hello, {name}")) },
        );
        let system = System::new(vec![greeter], config, ClientConfig::default(), None);
        let err = system
            .call::<_, String>("nope", "x".to_owned())
            .await
            .unwrap_err();
        assert!(matches!(err, SystemError::UnknownAction { .. }), "{err}");
        let err = system
            .call::<_, String>("hello", "x".to_owned())
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("no instance of service `greeter`"),
            "{err}"
        );
    }
}
