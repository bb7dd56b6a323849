//! The etcd backend, through etcd's JSON gateway.
//!
//! etcd v3 speaks gRPC, and also serves the same API as JSON over HTTP (its grpc-gateway, under
//! `/v3/`, since etcd 3.4). This backend uses the JSON gateway with the HTTP client gofed already
//! has, so the default build needs neither `protoc` nor any system package, and no extra crate:
//! it is always compiled in. Tested against etcd 3.4.23 (Debian bookworm's `etcd-server`).
//!
//! Layout: each instance is one key, `<prefix><name>/<instance_id>` (the prefix defaults to
//! `/gofed/services/`), whose value is the [`Instance`] as JSON, bound to a lease granted with the
//! instance's TTL rounded up to whole seconds. A heartbeat is a lease keep-alive; when the lease
//! expires, etcd deletes the key, which is the pruning. A lookup is a range read over
//! `<prefix><name>/`. The gateway encodes keys and values in base64 and 64-bit integers as
//! decimal strings.
//!
//! etcd refuses leases shorter than its minimum (about 1.5 × its election timeout; 2 s with the
//! default `--election-timeout 1000`) and lengthens them silently, and it checks for expired leases
//! every 500 ms; so an etcd registry prunes a dead instance within `max(ttl, minimum) + 0.5 s`.

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::client::read_answer;
use crate::instance::{check_instance_id, normalize_name};
use crate::{Instance, Limits, Registry, RegistryError};

/// The default etcd endpoint.
pub const DEFAULT_ETCD_ENDPOINT: &str = "http://127.0.0.1:2379";
/// The default key prefix.
pub const DEFAULT_ETCD_PREFIX: &str = "/gofed/services/";

/// Configuration of the etcd backend.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EtcdConfig {
    /// Base URL of one etcd client endpoint ([`DEFAULT_ETCD_ENDPOINT`]).
    pub endpoint: String,
    /// Key prefix under which instances live ([`DEFAULT_ETCD_PREFIX`]); a missing final `/` is
    /// added.
    pub prefix: String,
    /// Time limit of one request, in milliseconds (5000).
    #[serde(rename = "timeout_ms", with = "crate::instance::millis")]
    pub timeout: Duration,
    /// TLS towards an `https://` endpoint.
    pub tls: EtcdTls,
}

/// TLS towards etcd (`etcds://`): the authority of etcd's certificate and the client certificate etcd requires
/// with `--client-cert-auth`. etcd deployments usually have their own authority, apart from the fleet's, so
/// these are separate from `[client]` (`[system.etcd]` in `gofed.toml`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct EtcdTls {
    /// Certificate authorities (PEM bundle) trusted for etcd's certificate, besides the system's and
    /// `[client] ca_file` (etcdctl's `--cacert`).
    #[schemars(extend("x-env" = "GOFED_ETCD_CA_FILE"))]
    pub ca_file: Option<PathBuf>,
    /// The client certificate (PEM) to present, with `key_file` (etcdctl's `--cert`).
    #[schemars(extend("x-env" = "GOFED_ETCD_CERT"))]
    pub cert_file: Option<PathBuf>,
    /// Its private key (PEM) (etcdctl's `--key`).
    #[schemars(extend("x-env" = "GOFED_ETCD_KEY"))]
    pub key_file: Option<PathBuf>,
}

impl EtcdTls {
    /// `builder` trusting `ca_file` and presenting `cert_file`, each when given.
    fn configure(
        &self,
        mut builder: reqwest::ClientBuilder,
    ) -> Result<reqwest::ClientBuilder, RegistryError> {
        if let Some(ca) = &self.ca_file {
            for cert in crate::tls::read_ca_file(ca).map_err(RegistryError::Tls)? {
                builder = builder.add_root_certificate(cert);
            }
        }
        match (&self.cert_file, &self.key_file) {
            (Some(cert), Some(key)) => Ok(builder
                .identity(crate::tls::client_identity(cert, key).map_err(RegistryError::Tls)?)),
            (None, None) => Ok(builder),
            (Some(cert), None) => Err(RegistryError::Tls(crate::tls::TlsError::Invalid {
                path: cert.clone(),
                reason: "a client certificate without its key (key_file)".to_owned(),
            })),
            (None, Some(key)) => Err(RegistryError::Tls(crate::tls::TlsError::Invalid {
                path: key.clone(),
                reason: "a key without its client certificate (cert_file)".to_owned(),
            })),
        }
    }
}

impl Default for EtcdConfig {
    fn default() -> Self {
        EtcdConfig {
            endpoint: DEFAULT_ETCD_ENDPOINT.to_owned(),
            prefix: DEFAULT_ETCD_PREFIX.to_owned(),
            timeout: crate::client::DEFAULT_REQUEST_TIMEOUT,
            tls: EtcdTls::default(),
        }
    }
}

/// A [`Registry`] kept in etcd.
#[derive(Clone, Debug)]
pub struct EtcdRegistry {
    endpoint: String,
    prefix: String,
    client: reqwest::Client,
    limits: Limits,
}

impl EtcdRegistry {
    /// A registry in the etcd at `config.endpoint`.
    pub fn new(config: &EtcdConfig) -> Result<EtcdRegistry, RegistryError> {
        let client = config
            .tls
            .configure(crate::tls::client_builder())?
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .build()
            .map_err(|source| RegistryError::Transport {
                url: config.endpoint.clone(),
                source,
            })?;
        let mut prefix = config.prefix.clone();
        if !prefix.ends_with('/') {
            prefix.push('/');
        }
        Ok(EtcdRegistry {
            endpoint: config.endpoint.trim_end_matches('/').to_owned(),
            prefix,
            client,
            limits: Limits::default(),
        })
    }

    /// The same registry, registering new instances only within `limits` (default:
    /// [`Limits::default`]). Keys under the prefix that others wrote count too.
    pub fn with_limits(mut self, limits: Limits) -> EtcdRegistry {
        self.limits = limits;
        self
    }

    fn key(&self, name: &str, instance_id: &str) -> String {
        format!("{}{name}/{instance_id}", self.prefix)
    }

    /// One gateway call: POST `path` with `req` as JSON, decode the first JSON document of the
    /// answer (keep-alive answers are a stream of documents).
    async fn call<Req: Serialize, Resp: DeserializeOwned>(
        &self,
        path: &str,
        req: &Req,
    ) -> Result<Resp, RegistryError> {
        let url = format!("{}{path}", self.endpoint);
        let transport = |source| RegistryError::Transport {
            url: url.clone(),
            source,
        };
        let resp = self
            .client
            .post(&url)
            .json(req)
            .send()
            .await
            .map_err(transport)?;
        let status = resp.status();
        let bytes = read_answer(resp, &url).await?;
        if !status.is_success() {
            let (code, message) = match serde_json::from_slice::<GatewayError>(&bytes) {
                Ok(err) => (err.code.to_string(), err.message),
                Err(_) => (
                    String::new(),
                    String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).into_owned(),
                ),
            };
            return Err(RegistryError::Rejected {
                url,
                status: status.as_u16(),
                code,
                message,
            });
        }
        let first = serde_json::Deserializer::from_slice(&bytes)
            .into_iter::<Resp>()
            .next();
        match first {
            Some(Ok(resp)) => Ok(resp),
            Some(Err(err)) => Err(RegistryError::Decode {
                url,
                reason: err.to_string(),
            }),
            None => Err(RegistryError::Decode {
                url,
                reason: "empty answer".to_owned(),
            }),
        }
    }

    /// The key-values in `[key, range_end)`, or only `key` without a range end.
    async fn range(&self, key: &str, range_end: Option<&str>) -> Result<Vec<Kv>, RegistryError> {
        let req = RangeRequest {
            key: BASE64.encode(key),
            range_end: range_end.map(|end| BASE64.encode(end)),
            count_only: false,
        };
        let resp: RangeResponse = self.call("/v3/kv/range", &req).await?;
        Ok(resp.kvs)
    }

    /// How many keys start with `prefix` (etcd counts them; no value is sent).
    async fn count(&self, prefix: &str) -> Result<usize, RegistryError> {
        let req = RangeRequest {
            key: BASE64.encode(prefix),
            range_end: Some(BASE64.encode(prefix_end(prefix))),
            count_only: true,
        };
        let resp: RangeResponse = self.call("/v3/kv/range", &req).await?;
        Ok(resp
            .count
            .as_deref()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0))
    }

    /// The instances stored under `prefix`; values that are not valid instances (others may write
    /// under the prefix: junk, an address clients cannot use) are skipped (logged).
    async fn range_instances(&self, prefix: &str) -> Result<Vec<Instance>, RegistryError> {
        let kvs = self.range(prefix, Some(&prefix_end(prefix))).await?;
        let mut instances = Vec::with_capacity(kvs.len());
        for kv in kvs {
            match kv.instance() {
                Ok(instance) => instances.push(instance),
                Err(reason) => {
                    tracing::warn!(key = %kv.key, %reason, "skipping an etcd value that is not a gofed instance");
                }
            }
        }
        instances.sort_by(|a, b| (&a.name, &a.instance_id).cmp(&(&b.name, &b.instance_id)));
        Ok(instances)
    }

    /// The lease the instance's key is bound to, if the key exists.
    async fn lease_of(&self, key: &str) -> Result<Option<i64>, RegistryError> {
        let kvs = self.range(key, None).await?;
        Ok(kvs.first().map(|kv| kv.lease_id()))
    }

    async fn revoke(&self, lease: i64) -> Result<(), RegistryError> {
        let req = LeaseId {
            id: lease.to_string(),
        };
        match self
            .call::<_, serde_json::Value>("/v3/lease/revoke", &req)
            .await
        {
            Ok(_) => Ok(()),
            // An expired or already revoked lease: nothing left to do.
            Err(RegistryError::Rejected { status: 404, .. }) => Ok(()),
            Err(err) => Err(err),
        }
    }
}

#[async_trait]
impl Registry for EtcdRegistry {
    async fn register(&self, instance: Instance) -> Result<(), RegistryError> {
        let instance = instance.normalized()?;
        let key = self.key(&instance.name, &instance.instance_id);
        let previous = self.lease_of(&key).await?;
        if previous.is_none() {
            // Counted, then written: concurrent registrations may overshoot by a few, which the
            // bound tolerates (it is there against thousands).
            let n_of_name = self
                .count(&format!("{}{}/", self.prefix, instance.name))
                .await?;
            let n_total = self.count(&self.prefix).await?;
            self.limits.check_new(&instance.name, n_of_name, n_total)?;
        }
        let ttl_secs = i64::try_from(instance.ttl.as_millis().div_ceil(1000))
            .unwrap_or(i64::MAX)
            .max(1);
        let grant: LeaseGrantResponse = self
            .call("/v3/lease/grant", &LeaseGrantRequest { ttl: ttl_secs })
            .await?;
        let lease = grant.id.as_deref().and_then(parse_i64).unwrap_or(0);
        if lease == 0 {
            return Err(RegistryError::Decode {
                url: format!("{}/v3/lease/grant", self.endpoint),
                reason: grant
                    .error
                    .unwrap_or_else(|| "no lease id in the answer".to_owned()),
            });
        }
        let value = serde_json::to_vec(&instance).map_err(|err| RegistryError::Decode {
            url: format!("{}/v3/kv/put", self.endpoint),
            reason: err.to_string(),
        })?;
        let put = PutRequest {
            key: BASE64.encode(&key),
            value: BASE64.encode(value),
            lease: lease.to_string(),
        };
        if let Err(err) = self.call::<_, serde_json::Value>("/v3/kv/put", &put).await {
            // Do not leave the fresh lease behind; it would expire anyway.
            let _ = self.revoke(lease).await;
            return Err(err);
        }
        // A re-registration leaves the old lease without keys: revoke it rather than wait.
        if let Some(old) = previous.filter(|&old| old != 0 && old != lease) {
            self.revoke(old).await?;
        }
        Ok(())
    }

    async fn heartbeat(&self, name: &str, instance_id: &str) -> Result<(), RegistryError> {
        let name = normalize_name(name)?;
        check_instance_id(instance_id)?;
        let key = self.key(&name, instance_id);
        let lease = match self.lease_of(&key).await? {
            Some(lease) if lease != 0 => lease,
            // No key (expired, deleted), or a key without a lease, which would never expire:
            // either way the instance must register again.
            _ => return Err(RegistryError::not_found(&name, instance_id)),
        };
        let req = LeaseId {
            id: lease.to_string(),
        };
        let resp: KeepAliveStream = match self.call("/v3/lease/keepalive", &req).await {
            Ok(resp) => resp,
            Err(RegistryError::Rejected { status: 404, .. }) => {
                return Err(RegistryError::not_found(&name, instance_id))
            }
            Err(err) => return Err(err),
        };
        if let Some(err) = resp.error {
            return Err(RegistryError::Rejected {
                url: format!("{}/v3/lease/keepalive", self.endpoint),
                status: 200,
                code: err.code.to_string(),
                message: err.message,
            });
        }
        // etcd answers a keep-alive of an expired lease with no TTL (or TTL 0).
        let ttl = resp
            .result
            .and_then(|r| r.ttl)
            .as_deref()
            .and_then(parse_i64)
            .unwrap_or(0);
        if ttl <= 0 {
            return Err(RegistryError::not_found(&name, instance_id));
        }
        Ok(())
    }

    async fn deregister(&self, name: &str, instance_id: &str) -> Result<(), RegistryError> {
        let name = normalize_name(name)?;
        check_instance_id(instance_id)?;
        let key = self.key(&name, instance_id);
        if let Some(lease) = self.lease_of(&key).await? {
            if lease != 0 {
                self.revoke(lease).await?;
            }
            // Revoking deletes the key; this catches a key without a lease.
            let req = RangeRequest {
                key: BASE64.encode(&key),
                range_end: None,
                count_only: false,
            };
            self.call::<_, serde_json::Value>("/v3/kv/deleterange", &req)
                .await?;
        }
        Ok(())
    }

    async fn lookup(&self, name: &str) -> Result<Vec<Instance>, RegistryError> {
        let name = normalize_name(name)?;
        self.range_instances(&format!("{}{name}/", self.prefix))
            .await
    }

    async fn list(&self) -> Result<Vec<Instance>, RegistryError> {
        self.range_instances(&self.prefix).await
    }
}

/// The end of the range that holds every key starting with `prefix` (etcd's `--prefix`): the
/// prefix with its last byte incremented. Every prefix here ends with `/`, which becomes `0`.
fn prefix_end(prefix: &str) -> String {
    debug_assert!(prefix.ends_with('/'));
    format!("{}0", prefix.strip_suffix('/').unwrap_or(prefix))
}

fn parse_i64(s: &str) -> Option<i64> {
    s.parse().ok()
}

#[derive(Serialize)]
struct RangeRequest {
    key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    range_end: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    count_only: bool,
}

#[derive(Deserialize)]
struct RangeResponse {
    #[serde(default)]
    kvs: Vec<Kv>,
    /// The number of keys in the range, a decimal string (absent when 0).
    #[serde(default)]
    count: Option<String>,
}

#[derive(Deserialize)]
struct Kv {
    key: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    lease: Option<String>,
}

impl Kv {
    fn lease_id(&self) -> i64 {
        self.lease.as_deref().and_then(parse_i64).unwrap_or(0)
    }

    fn instance(&self) -> Result<Instance, String> {
        let bytes = BASE64.decode(&self.value).map_err(|e| e.to_string())?;
        let instance: Instance = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
        instance.normalized().map_err(|e| e.to_string())
    }
}

#[derive(Serialize)]
struct PutRequest {
    key: String,
    value: String,
    lease: String,
}

#[derive(Serialize)]
struct LeaseGrantRequest {
    #[serde(rename = "TTL")]
    ttl: i64,
}

#[derive(Deserialize)]
struct LeaseGrantResponse {
    #[serde(rename = "ID", default)]
    id: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Serialize)]
struct LeaseId {
    #[serde(rename = "ID")]
    id: String,
}

#[derive(Deserialize)]
struct KeepAliveStream {
    #[serde(default)]
    result: Option<KeepAliveResult>,
    #[serde(default)]
    error: Option<GatewayError>,
}

#[derive(Deserialize)]
struct KeepAliveResult {
    #[serde(rename = "TTL", default)]
    ttl: Option<String>,
}

#[derive(Deserialize)]
struct GatewayError {
    /// `code` in unary answers, `grpc_code` in the error documents of a stream.
    #[serde(default, alias = "grpc_code")]
    code: i64,
    #[serde(default)]
    message: String,
}
