//! The client's view of the whole system: call an action by name and let configuration decide where it runs.
//!
//! Per service, a [`Placement`] says where its actions run:
//! - [`Placement::Local`]: the [`Service`] compiled into this program, called in-process ([`Service::call_local`]):
//!   an ordinary function call, no serialisation, no socket;
//! - [`Placement::Remote`]: the instances the registry lists for the service's name;
//! - [`Placement::Fixed`]: instances at fixed base URLs, registry bypassed.
//!
//! Remote calls are balanced over the instances of a name: the instance with the fewest calls outstanding from this
//! client wins, ties go round robin. An instance that refuses the connection, resets it, times out or answers
//! 502/503/504 is marked down for a while (`down_ms`; an overloaded 503 only for `retry_wait_ms`) and the call is
//! retried on another instance (actions are idempotent: the same input gives the same output; uploads are
//! content-addressed, the sha256 is their idempotency key); after every instance has failed, the call waits
//! `retry_wait_ms`, asks the registry again and retries, down instances included, until `max_attempts` is reached. Registry lookups are cached for `lookup_ttl_ms` and refreshed
//! at once after a failure. Calls take `&self`, so independent calls run concurrently (`tokio::join!`).
//!
//! Files between machines: [`System::upload_bytes`] stores a blob on a `filestorage` instance (`HEAD` first, so a
//! blob already there is not sent again) and returns a [`FileRef`] naming where it is; [`System::fetch`] gets it
//! back from there, or from any other `filestorage` instance.

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
use crate::envelope::FileRef;
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SystemConfig {
    /// The registry: `http://HOST:PORT` (embedded) or `etcd://HOST:PORT[/PREFIX]`.
    pub registry: String,
    /// Placement of services not listed in `placement`. Default `local`.
    pub default_placement: Placement,
    /// Placement per service name.
    pub placement: BTreeMap<String, Placement>,
    /// How long a registry lookup is reused, in milliseconds. Default 1000.
    pub lookup_ttl_ms: u64,
    /// How long an instance that failed stays out of the rotation, in milliseconds. Default 5000.
    pub down_ms: u64,
    /// Most attempts of one call (each on the best instance at the time). Default 8.
    pub max_attempts: u32,
    /// Wait before retrying once every known instance has failed, in milliseconds. Default 250.
    pub retry_wait_ms: u64,
}

impl Default for SystemConfig {
    fn default() -> Self {
        SystemConfig {
            registry: format!("http://{}", gofed_registry::DEFAULT_ADDRESS),
            default_placement: Placement::Local,
            placement: BTreeMap::new(),
            lookup_ttl_ms: 1_000,
            down_ms: 5_000,
            max_attempts: 8,
            retry_wait_ms: 250,
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
    #[error("`{action}` failed on {attempts} attempts; last error")]
    Exhausted {
        /// The action.
        action: String,
        /// Attempts made.
        attempts: u32,
        /// The last error.
        #[source]
        last: ClientError,
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
}

impl Endpoint {
    fn is_down(&self, now: Instant) -> bool {
        lock(&self.down_until).is_some_and(|until| now < until)
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
    /// Every endpoint ever seen, by address, so that down marks and counters survive lookups.
    endpoints: Mutex<HashMap<String, Arc<Endpoint>>>,
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
            // A random start: short-lived clients (one command, one call) must not all pick the first instance.
            round_robin: AtomicUsize::new(random_start()),
        }
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

    /// Call `action` with a typed input, wherever it is placed.
    pub async fn call<In, Out>(&self, action: &str, input: In) -> Result<Out, SystemError>
    where
        In: Serialize + Send + Sync + 'static,
        Out: DeserializeOwned + Send + 'static,
    {
        let service = self.service_of(action)?;
        if self.is_local(service) {
            let local = self
                .local
                .get(service)
                .ok_or_else(|| SystemError::NotLocal {
                    service: service.to_owned(),
                })?;
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

    /// Store `bytes` on a `filestorage` instance (not sent when it is already there).
    pub async fn upload_bytes(&self, bytes: bytes::Bytes) -> Result<FileRef, SystemError> {
        self.with_failover(FILESTORAGE, "upload", |client| {
            let bytes = bytes.clone();
            async move {
                let (info, _) = client.upload_bytes(bytes).await?;
                Ok(FileRef {
                    sha256: info.sha256,
                    size: info.size,
                    origin: Some(client.base_url().to_owned()),
                })
            }
        })
        .await
    }

    /// The bytes of `file`: from its origin, else from any `filestorage` instance that has it.
    pub async fn fetch(&self, file: &FileRef) -> Result<bytes::Bytes, SystemError> {
        let mut last = None;
        if let Some(origin) = &file.origin {
            let downloaded = match self.endpoint(origin) {
                Ok(endpoint) => endpoint.client.download_bytes(&file.sha256).await,
                Err(err) => Err(err),
            };
            match downloaded {
                Ok(bytes) => return Ok(bytes),
                Err(err) => last = Some(err),
            }
        }
        let others = match self.endpoints_of(FILESTORAGE, true).await {
            Ok(others) => others,
            // No registry (or it failed): the origin's error says more, when there is one.
            Err(err) => match last {
                Some(last) => return Err(SystemError::Remote(last)),
                None => return Err(err),
            },
        };
        for endpoint in others {
            if Some(&endpoint.address) == file.origin.as_ref() {
                continue;
            }
            match endpoint.client.download_bytes(&file.sha256).await {
                Ok(bytes) => return Ok(bytes),
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

    /// The endpoint at `address`, made once and shared by every lookup (its client keeps its connections).
    fn endpoint(&self, address: &str) -> Result<Arc<Endpoint>, ClientError> {
        let mut known = lock(&self.endpoints);
        if let Some(endpoint) = known.get(address) {
            return Ok(Arc::clone(endpoint));
        }
        let endpoint = Arc::new(Endpoint {
            address: address.to_owned(),
            client: Client::new(address, &self.client_config)?,
            outstanding: AtomicUsize::new(0),
            calls: AtomicU64::new(0),
            down_until: Mutex::new(None),
        });
        known.insert(address.to_owned(), Arc::clone(&endpoint));
        Ok(endpoint)
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
        let mut last: Option<ClientError> = None;
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
            match result {
                Ok(value) => return Ok(value),
                Err(err) if is_retryable(&err) => {
                    tracing::info!(%service, %action, instance = %endpoint.address, "call failed, trying another instance: {err}");
                    // An overloaded instance is alive: keep it out only briefly.
                    let overloaded = matches!(err, ClientError::Service { status: 503, .. });
                    let down_ms = if overloaded {
                        self.config.retry_wait_ms
                    } else {
                        self.config.down_ms
                    };
                    *lock(&endpoint.down_until) =
                        Some(Instant::now() + Duration::from_millis(down_ms));
                    refresh = true;
                    last = Some(err);
                }
                Err(err) => return Err(SystemError::Remote(err)),
            }
        }
        match last {
            Some(last) => Err(SystemError::Exhausted {
                action: action.to_owned(),
                attempts,
                last,
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
        Ok(best.get(turn % best.len().max(1)).map(|e| Arc::clone(e)))
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

/// Transport failures and overloaded or unreachable upstreams: another instance may succeed.
fn is_retryable(err: &ClientError) -> bool {
    match err {
        ClientError::Http { .. } => true,
        ClientError::Service { status, .. } => matches!(status, 502..=504),
        _ => false,
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
