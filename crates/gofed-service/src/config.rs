//! Configuration: one serde struct for `gofed.toml`, with precedence defaults < file < `GOFED_*` environment.
//!
//! ```toml
//! [server]
//! listen = "127.0.0.1:8811"       # loopback unless told otherwise
//! token = "s3cret"                # bearer token required on every request when set (scope admin)
//! tokens = [{ token = "r3ad", scope = "read" }, { token = "wr1te", scope = "write" }]
//! tokens_file = "/etc/gofed/tokens"  # more: one `SCOPE TOKEN` per line
//! metrics_token = "scrape"        # for /metrics alone
//! tls_cert = "/etc/gofed/cert.pem"  # serve HTTPS with this certificate chain (PEM), reloaded on SIGHUP
//! tls_key = "/etc/gofed/key.pem"
//! tls_client_ca = "/etc/gofed/clients-ca.pem"  # mutual TLS: clients need a certificate it signed
//! insecure = false                # allow a non-loopback `listen` without TLS and a token
//! blob_dir = "/var/lib/gofed/blobs"
//! json_body_limit = 16777216      # bytes
//! file_body_limit = 1073741824    # bytes
//! max_concurrent_calls = 64       # more concurrent action calls are answered 503 `overloaded`
//! action_timeout_ms = 300000
//! header_read_timeout_ms = 10000
//! body_read_timeout_ms = 30000     # an action's whole body, or each piece of an upload; else 408
//! shutdown_timeout_ms = 30000
//! analysis_memory_limit = 2147483648  # bytes one analysis may allocate (analysis services); else 422
//! [server.action_timeouts_ms]
//! api_analysis = 600000
//!
//! [client]
//! token = "s3cret"
//! ca_file = "/etc/gofed/ca.pem"   # also trust these certificate authorities (a fleet's own)
//! cert_file = "/etc/gofed/client.pem"  # present this certificate where mutual TLS is required
//! key_file = "/etc/gofed/client.key"
//! timeout_ms = 600000
//! cache_dir = "/var/cache/gofed"  # downloads; default $XDG_CACHE_HOME/gofed, else ~/.cache/gofed
//! cache_size = 2147483648         # bytes; least recently used downloads are evicted beyond it
//! github_url = "https://codeload.github.com"  # forge archive servers of `github.com/OWNER/REPO@REF`
//! gitlab_url = "https://gitlab.com"
//! bitbucket_url = "https://bitbucket.org"
//!
//! [artifact]                      # what reading one archive or RPM may unpack (unset: the reader's defaults)
//! max_unpacked_size = 4294967296  # bytes of file content in all
//! max_entries = 200000
//! max_file_size = 268435456
//! max_ratio = 100                 # unpacked bytes per compressed byte
//!
//! [store]                         # results, projects, packages (see gofed-store)
//! url = "postgresql://gofed@db.example/gofed"  # or "sqlite:/var/lib/gofed/store", or "off";
//!                                 # default: SQLite in $GOFED_STORE_DIR, else $XDG_DATA_HOME/gofed/store
//! cache = true                    # answer a repeated analysis from its stored result
//!
//! [registration]                  # how `gofed serve` stays registered
//! heartbeat_ms = 2000
//! ttl_ms = 6000
//!
//! [system]                        # see `SystemConfig`
//! registry = "http://127.0.0.1:18811"  # or "etcd://HOST:2379[/PREFIX]", "etcds://..." for TLS
//! [system.etcd]                   # TLS towards an etcds:// registry (etcd's own authority, as etcdctl takes it)
//! ca_file = "/etc/etcd/ca.pem"
//! cert_file = "/etc/gofed/etcd-client.pem"  # etcd --client-cert-auth
//! key_file = "/etc/gofed/etcd-client.key"
//! [system.placement]
//! api = "remote"
//! ```
//!
//! Environment variables: `GOFED_LISTEN`, `GOFED_TOKEN` (server and client), `GOFED_TLS_CERT`, `GOFED_TLS_KEY`,
//! `GOFED_TLS_CLIENT_CA`, `GOFED_TOKENS_FILE`, `GOFED_METRICS_TOKEN`, `GOFED_INSECURE`, `GOFED_CA_FILE`, `GOFED_CLIENT_CERT`,
//! `GOFED_CLIENT_KEY`, `GOFED_BLOB_DIR`,
//! `GOFED_JSON_BODY_LIMIT`, `GOFED_FILE_BODY_LIMIT`, `GOFED_MAX_CONCURRENT_CALLS`, `GOFED_ACTION_TIMEOUT_MS`,
//! `GOFED_HEADER_READ_TIMEOUT_MS`, `GOFED_BODY_READ_TIMEOUT_MS`, `GOFED_SHUTDOWN_TIMEOUT_MS`,
//! `GOFED_ANALYSIS_MEMORY_LIMIT`, `GOFED_CLIENT_TIMEOUT_MS`, `GOFED_REGISTRY`, `GOFED_ETCD_CA_FILE`, `GOFED_ETCD_CERT`, `GOFED_ETCD_KEY`, `GOFED_HEARTBEAT_MS`, `GOFED_TTL_MS`,
//! `GOFED_CACHE_DIR`, `GOFED_CACHE_SIZE`, `GOFED_GITHUB_URL`, `GOFED_GITLAB_URL`, `GOFED_BITBUCKET_URL`,
//! `GOFED_MAX_UNPACKED_SIZE`, `GOFED_MAX_ENTRIES`, `GOFED_MAX_FILE_SIZE`, `GOFED_MAX_RATIO`, `GOFED_STORE`,
//! `GOFED_STORE_CACHE` (`GOFED_STORE_DIR` is read by gofed-store itself). Config is passed
//! explicitly, never read from a global.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Errors of loading configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML for [`Config`].
    #[error("{path}: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// Why (names the key and line).
        source: Box<toml::de::Error>,
    },
    /// A placement names a service that no program part provides (a typo such as `apii`).
    #[error(
        "{origin}: unknown service `{name}`; known services: {known}, and `*` for every service"
    )]
    UnknownService {
        /// Where the placement was given (`--placement "apii=remote"`, the file's `[system.placement]`).
        origin: String,
        /// The name given.
        name: String,
        /// The known names, comma-separated.
        known: String,
    },
    /// A line of a tokens file is not `SCOPE TOKEN`.
    #[error("{path}:{line}: {reason}")]
    TokensFile {
        /// The file.
        path: PathBuf,
        /// The line (1-based).
        line: usize,
        /// What is wrong (never the token).
        reason: String,
    },
    /// An environment variable has a value of the wrong form.
    #[error("environment variable {name}={value:?}: {message}")]
    Env {
        /// The variable.
        name: String,
        /// Its value.
        value: String,
        /// What was expected.
        message: String,
    },
}

/// The whole of `gofed.toml` that this crate knows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// How the service envelope serves.
    pub server: ServerConfig,
    /// How the HTTP client calls remote services.
    pub client: ClientConfig,
    /// Where services run and how remote calls are balanced (see [`crate::system`]).
    pub system: crate::system::SystemConfig,
    /// How a served instance stays registered: `heartbeat_ms` (default 2000) and `ttl_ms` (default 6000).
    pub registration: gofed_registry::HeartbeatConfig,
    /// Bounds on reading one artifact, wherever it is read.
    pub artifact: ArtifactConfig,
    /// Where results, projects and packages are kept.
    pub store: StoreConfig,
    /// Import paths and distribution package names (`gofed goland`).
    pub goland: GolandConfig,
}

/// The `[goland]` table: what `gofed goland` names by hand, the distribution's index of import paths, and
/// whether vanity import paths are looked up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct GolandConfig {
    /// Names chosen by hand: import path (repository root) → package name; `--override` adds to them.
    pub overrides: BTreeMap<String, String>,
    /// The distribution's import paths (one per line, or `golang(PATH)` provides): a file, or an `http(s)://`
    /// URL read again on each use; `--index` replaces it.
    #[schemars(extend("x-env" = "GOFED_GOLAND_INDEX"))]
    pub index: Option<String>,
    /// Fetch the `go-import` meta tag (`https://PATH?go-get=1`, kept in the download cache) of an import path
    /// whose host has no known rules, to find its repository root; off, such a path is named whole.
    #[schemars(extend("x-env" = "GOFED_GOLAND_VANITY"))]
    pub vanity: bool,
}

impl Default for GolandConfig {
    fn default() -> Self {
        GolandConfig {
            overrides: BTreeMap::new(),
            index: None,
            vanity: true,
        }
    }
}

/// The `[store]` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct StoreConfig {
    /// `sqlite:DIR`, a PostgreSQL connection string (`postgresql://...` or `host=... dbname=...`), or `off`;
    /// unset: SQLite in the default store directory.
    #[schemars(extend("x-env" = "GOFED_STORE"))]
    pub url: Option<String>,
    /// Whether analyses answer a repeated call from its stored result (and store every result).
    #[schemars(extend("x-env" = "GOFED_STORE_CACHE"))]
    pub cache: bool,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            url: None,
            cache: true,
        }
    }
}

/// The `[artifact]` table: bounds on what reading one archive or RPM may unpack; unset fields keep the reader's
/// defaults (which a packager never reaches).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ArtifactConfig {
    /// Most bytes of file content in all.
    #[schemars(extend("x-env" = "GOFED_MAX_UNPACKED_SIZE"))]
    pub max_unpacked_size: Option<u64>,
    /// Most entries.
    #[schemars(extend("x-env" = "GOFED_MAX_ENTRIES"))]
    pub max_entries: Option<u64>,
    /// Largest single file, in bytes.
    #[schemars(extend("x-env" = "GOFED_MAX_FILE_SIZE"))]
    pub max_file_size: Option<u64>,
    /// Largest ratio of unpacked to compressed bytes.
    #[schemars(extend("x-env" = "GOFED_MAX_RATIO"))]
    pub max_ratio: Option<u64>,
}

/// Where the envelope keeps uploaded files.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum FilesLocation {
    /// The blob directory (`blob_dir`).
    #[default]
    Dir,
    /// The gofed store (`[store]`).
    Store,
}

impl FromStr for FilesLocation {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "dir" => Ok(FilesLocation::Dir),
            "store" => Ok(FilesLocation::Store),
            _ => Err(format!("expected dir or store, found {s:?}")),
        }
    }
}

/// The `[server]` table: listening, auth, limits, timeouts, blob directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on. Default `127.0.0.1:0` (loopback, any free port).
    #[schemars(extend("x-env" = "GOFED_LISTEN"))]
    pub listen: SocketAddr,
    /// When set, every request must carry `Authorization: Bearer <token>` (but `/healthz` and `/readyz`); this
    /// token may do everything (`admin`).
    #[schemars(extend("x-env" = "GOFED_TOKEN"))]
    pub token: Option<String>,
    /// More tokens, each with its scope; with any token configured, a request needs one whose scope covers it.
    pub tokens: Vec<ScopedToken>,
    /// A file of more tokens, one `SCOPE TOKEN` per line, read when the server starts.
    #[schemars(extend("x-env" = "GOFED_TOKENS_FILE"))]
    pub tokens_file: Option<PathBuf>,
    /// A token for `/metrics` alone (a metrics scraper needs no other access); the other tokens work there too.
    #[schemars(extend("x-env" = "GOFED_METRICS_TOKEN"))]
    pub metrics_token: Option<String>,
    /// The certificate chain (PEM) to serve HTTPS with; with `tls_key`.
    #[schemars(extend("x-env" = "GOFED_TLS_CERT"))]
    pub tls_cert: Option<PathBuf>,
    /// Its private key (PEM).
    #[schemars(extend("x-env" = "GOFED_TLS_KEY"))]
    pub tls_key: Option<PathBuf>,
    /// Mutual TLS: clients must present a certificate signed by these authorities (PEM bundle).
    #[schemars(extend("x-env" = "GOFED_TLS_CLIENT_CA"))]
    pub tls_client_ca: Option<PathBuf>,
    /// Allow listening on a non-loopback address without TLS and a token (anyone who reaches the port may
    /// then call every action, and the token travels in clear).
    #[schemars(extend("x-env" = "GOFED_INSECURE"))]
    pub insecure: bool,
    /// Where uploaded blobs live. Default: `$XDG_DATA_HOME/gofed/blobs` (or `~/.local/share/gofed/blobs`).
    #[schemars(extend("x-env" = "GOFED_BLOB_DIR"))]
    pub blob_dir: Option<PathBuf>,
    /// Where `/v1/files` keeps files: `dir` (`blob_dir`, the default) or `store` (the `[store]`: every instance
    /// on one PostgreSQL serves every file).
    #[schemars(extend("x-env" = "GOFED_FILES"))]
    pub files: FilesLocation,
    /// Largest action input document, in bytes. Default 16 MiB.
    #[schemars(extend("x-env" = "GOFED_JSON_BODY_LIMIT"))]
    pub json_body_limit: u64,
    /// Largest uploaded file, in bytes. Default 1 GiB.
    #[schemars(extend("x-env" = "GOFED_FILE_BODY_LIMIT"))]
    pub file_body_limit: u64,
    /// Most action calls running at once; further calls are answered 503 `overloaded`. Default 64.
    #[schemars(extend("x-env" = "GOFED_MAX_CONCURRENT_CALLS"))]
    pub max_concurrent_calls: usize,
    /// Timeout of one action call, in milliseconds. Default 300000 (5 minutes).
    #[schemars(extend("x-env" = "GOFED_ACTION_TIMEOUT_MS"))]
    pub action_timeout_ms: u64,
    /// Per-action timeouts overriding `action_timeout_ms`, by action name.
    pub action_timeouts_ms: BTreeMap<String, u64>,
    /// Time a client has to send the request headers, in milliseconds. Default 10000.
    #[schemars(extend("x-env" = "GOFED_HEADER_READ_TIMEOUT_MS"))]
    pub header_read_timeout_ms: u64,
    /// Time a client has to send an action's whole body, or each piece of an upload's body, in milliseconds
    /// (408 `request_timeout` past it). Default 30000.
    #[schemars(extend("x-env" = "GOFED_BODY_READ_TIMEOUT_MS"))]
    pub body_read_timeout_ms: u64,
    /// On shutdown, how long in-flight requests may take to finish, in milliseconds. Default 30000.
    #[schemars(extend("x-env" = "GOFED_SHUTDOWN_TIMEOUT_MS"))]
    pub shutdown_timeout_ms: u64,
    /// Bytes one analysis may allocate in an analysis service (`api`, `deps`); an analysis past it is answered
    /// 422 `unprocessable`, and the instance goes on serving. Default (`None`): the analysis services' own
    /// (2 GiB).
    #[schemars(extend("x-env" = "GOFED_ANALYSIS_MEMORY_LIMIT"))]
    pub analysis_memory_limit: Option<u64>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            token: None,
            tokens: Vec::new(),
            tokens_file: None,
            metrics_token: None,
            tls_cert: None,
            tls_key: None,
            tls_client_ca: None,
            insecure: false,
            blob_dir: None,
            files: FilesLocation::Dir,
            json_body_limit: 16 << 20,
            file_body_limit: 1 << 30,
            max_concurrent_calls: 64,
            action_timeout_ms: 300_000,
            action_timeouts_ms: BTreeMap::new(),
            header_read_timeout_ms: 10_000,
            body_read_timeout_ms: 30_000,
            shutdown_timeout_ms: 30_000,
            analysis_memory_limit: None,
        }
    }
}

impl ServerConfig {
    /// Refuses to expose the services unsafely: a non-loopback `listen` needs TLS and a token, unless `insecure`
    /// says so; a certificate needs its key and a key its certificate. The error names the risk.
    pub fn check_exposure(&self) -> Result<(), String> {
        match (&self.tls_cert, &self.tls_key) {
            (Some(_), None) => return Err("tls_cert is set without tls_key".to_owned()),
            (None, Some(_)) => return Err("tls_key is set without tls_cert".to_owned()),
            _ => {}
        }
        check_exposure(
            &self.listen,
            self.tls_cert.is_some(),
            self.token.is_some() || !self.tokens.is_empty() || self.tokens_file.is_some(),
            self.insecure,
        )
    }

    /// Every token the server accepts with its scope: `token` (admin), `tokens`, and those of `tokens_file`.
    pub fn credentials(&self) -> Result<Vec<ScopedToken>, ConfigError> {
        let mut all: Vec<ScopedToken> = self
            .token
            .iter()
            .map(|token| ScopedToken {
                token: token.clone(),
                scope: Scope::Admin,
            })
            .chain(self.tokens.iter().cloned())
            .collect();
        if let Some(path) = &self.tokens_file {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.to_owned(),
                source,
            })?;
            all.extend(parse_tokens_file(&text, path)?);
        }
        Ok(all)
    }

    /// The timeout of one action.
    pub fn action_timeout(&self, action: &str) -> Duration {
        Duration::from_millis(
            self.action_timeouts_ms
                .get(action)
                .copied()
                .unwrap_or(self.action_timeout_ms),
        )
    }

    /// The blob directory: `blob_dir`, or the default under the user's data directory.
    pub fn blob_dir(&self) -> PathBuf {
        if let Some(dir) = &self.blob_dir {
            return dir.clone();
        }
        let data = std::env::var_os("XDG_DATA_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".local/share")))
            .unwrap_or_else(|| PathBuf::from("."));
        data.join("gofed").join("blobs")
    }
}

/// Whether a server may listen on `listen`: loopback always; another address only with TLS and a token, or when
/// the operator said `insecure`. The error says what is missing and what it would expose.
pub fn check_exposure(
    listen: &SocketAddr,
    tls: bool,
    token: bool,
    insecure: bool,
) -> Result<(), String> {
    if listen.ip().is_loopback() || insecure || (tls && token) {
        return Ok(());
    }
    let missing = match (tls, token) {
        (false, false) => "without TLS and without a token",
        (false, true) => "without TLS",
        _ => "without a token",
    };
    let risk = if token {
        "the token would travel in clear, and whoever reads it may call every action"
    } else if tls {
        "anyone who can reach the port may call every action and upload files"
    } else {
        "anyone who can reach the port may call every action and upload files, in clear"
    };
    Err(format!(
        "refusing to listen on {listen} {missing}: {risk}. Give a certificate and key (--tls-cert, --tls-key) \
         and a token (--token), listen on a loopback address, or accept the risk with --insecure"
    ))
}

pub use gofed_registry::token::{Scope, ScopedToken};

/// The tokens of a tokens file: one `SCOPE TOKEN` per line (`#` comments, blank lines ignored).
pub fn parse_tokens_file(text: &str, path: &Path) -> Result<Vec<ScopedToken>, ConfigError> {
    let mut tokens = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let invalid = |reason: String| ConfigError::TokensFile {
            path: path.to_owned(),
            line: n + 1,
            reason,
        };
        let (scope, token) = line
            .split_once(char::is_whitespace)
            .ok_or_else(|| invalid("expected `SCOPE TOKEN`".to_owned()))?;
        let token = token.trim();
        if token.is_empty() {
            return Err(invalid("expected `SCOPE TOKEN`".to_owned()));
        }
        tokens.push(ScopedToken {
            token: token.to_owned(),
            scope: scope.parse().map_err(invalid)?,
        });
    }
    Ok(tokens)
}

/// The `[client]` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ClientConfig {
    /// Bearer token sent with every request.
    #[schemars(extend("x-env" = "GOFED_TOKEN"))]
    pub token: Option<String>,
    /// Certificate authorities (a PEM bundle) trusted besides the system's, for `https://` services and
    /// registries of a fleet with its own.
    #[schemars(extend("x-env" = "GOFED_CA_FILE"))]
    pub ca_file: Option<PathBuf>,
    /// A certificate (PEM) to present to servers that require one (mutual TLS), with `key_file`.
    #[schemars(extend("x-env" = "GOFED_CLIENT_CERT"))]
    pub cert_file: Option<PathBuf>,
    /// Its private key (PEM).
    #[schemars(extend("x-env" = "GOFED_CLIENT_KEY"))]
    pub key_file: Option<PathBuf>,
    /// Timeout of one request, in milliseconds. Default 600000 (10 minutes).
    #[schemars(extend("x-env" = "GOFED_CLIENT_TIMEOUT_MS"))]
    pub timeout_ms: u64,
    /// Where downloaded sources are kept; default `$XDG_CACHE_HOME/gofed`, else `~/.cache/gofed`.
    #[schemars(extend("x-env" = "GOFED_CACHE_DIR"))]
    pub cache_dir: Option<PathBuf>,
    /// Most bytes the download cache keeps; the least recently used are evicted beyond it. Default 2 GiB.
    #[schemars(extend("x-env" = "GOFED_CACHE_SIZE"))]
    pub cache_size: u64,
    /// GitHub's archive server, for `github.com/OWNER/REPO@REF` (`{github_url}/OWNER/REPO/tar.gz/REF`).
    #[schemars(extend("x-env" = "GOFED_GITHUB_URL"))]
    pub github_url: String,
    /// GitLab's base URL, for `gitlab.com/OWNER/REPO@REF` (`{gitlab_url}/OWNER/REPO/-/archive/REF/REPO-REF.tar.gz`).
    #[schemars(extend("x-env" = "GOFED_GITLAB_URL"))]
    pub gitlab_url: String,
    /// Bitbucket's base URL, for `bitbucket.org/OWNER/REPO@REF` (`{bitbucket_url}/OWNER/REPO/get/REF.tar.gz`).
    #[schemars(extend("x-env" = "GOFED_BITBUCKET_URL"))]
    pub bitbucket_url: String,
    /// Where `rpmstorage` finds RPMs, in Koji's layout: `{koji_url}/NAME/VERSION/RELEASE/ARCH/NAME-VERSION-RELEASE.ARCH.rpm`
    /// (`src` as ARCH for source RPMs). Default Fedora's `https://kojipkgs.fedoraproject.org/packages`.
    #[schemars(extend("x-env" = "GOFED_KOJI_URL"))]
    pub koji_url: String,
    /// Where `specstorage` and `packagestorage` find a package's dist-git repository: `{distgit_url}/NAME.git`
    /// (`http(s)://` or `file://`). Default Fedora's `https://src.fedoraproject.org/rpms`.
    #[schemars(extend("x-env" = "GOFED_DISTGIT_URL"))]
    pub distgit_url: String,
}

impl ClientConfig {
    /// The default [`ClientConfig::cache_size`]: 2 GiB.
    pub const DEFAULT_CACHE_SIZE: u64 = 2 << 30;

    /// The download cache's directory: `cache_dir`, else `$XDG_CACHE_HOME/gofed`, else `$HOME/.cache/gofed`.
    pub fn cache_dir(&self) -> Option<PathBuf> {
        if let Some(dir) = &self.cache_dir {
            return Some(dir.clone());
        }
        let non_empty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
        if let Some(xdg) = non_empty("XDG_CACHE_HOME") {
            return Some(PathBuf::from(xdg).join("gofed"));
        }
        non_empty("HOME").map(|home| PathBuf::from(home).join(".cache").join("gofed"))
    }
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            token: None,
            ca_file: None,
            cert_file: None,
            key_file: None,
            timeout_ms: 600_000,
            cache_dir: None,
            cache_size: ClientConfig::DEFAULT_CACHE_SIZE,
            github_url: "https://codeload.github.com".to_owned(),
            gitlab_url: "https://gitlab.com".to_owned(),
            bitbucket_url: "https://bitbucket.org".to_owned(),
            koji_url: "https://kojipkgs.fedoraproject.org/packages".to_owned(),
            distgit_url: "https://src.fedoraproject.org/rpms".to_owned(),
        }
    }
}

impl Config {
    /// Parse a `gofed.toml` document.
    pub fn from_toml(text: &str, path: &Path) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|err| ConfigError::Parse {
            path: path.to_owned(),
            source: Box::new(err),
        })
    }

    /// Defaults < `path` (if given) < the process environment.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let mut config = match path {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                Config::from_toml(&text, path)?
            }
            None => Config::default(),
        };
        config.apply_env(
            std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))),
        )?;
        Ok(config)
    }

    /// Override fields from `GOFED_*` variables (given as pairs, so tests need not touch the process environment).
    pub fn apply_env(
        &mut self,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<(), ConfigError> {
        for (name, value) in vars {
            let s = &mut self.server;
            match name.as_str() {
                "GOFED_LISTEN" => s.listen = parse(&name, &value)?,
                "GOFED_TOKEN" => {
                    let token = (!value.is_empty()).then(|| value.clone());
                    s.token = token.clone();
                    self.client.token = token;
                }
                "GOFED_METRICS_TOKEN" => {
                    s.metrics_token = (!value.is_empty()).then(|| value.clone())
                }
                "GOFED_TOKENS_FILE" => {
                    s.tokens_file = (!value.is_empty()).then(|| PathBuf::from(&value));
                }
                "GOFED_TLS_CERT" => s.tls_cert = (!value.is_empty()).then(|| PathBuf::from(&value)),
                "GOFED_TLS_KEY" => s.tls_key = (!value.is_empty()).then(|| PathBuf::from(&value)),
                "GOFED_INSECURE" => s.insecure = parse(&name, &value)?,
                "GOFED_TLS_CLIENT_CA" => {
                    s.tls_client_ca = (!value.is_empty()).then(|| PathBuf::from(&value));
                }
                "GOFED_CLIENT_CERT" => {
                    self.client.cert_file = (!value.is_empty()).then(|| PathBuf::from(&value));
                }
                "GOFED_CLIENT_KEY" => {
                    self.client.key_file = (!value.is_empty()).then(|| PathBuf::from(&value));
                }
                "GOFED_CA_FILE" => {
                    self.client.ca_file = (!value.is_empty()).then(|| PathBuf::from(&value));
                }
                "GOFED_BLOB_DIR" => s.blob_dir = Some(PathBuf::from(&value)),
                "GOFED_FILES" => s.files = parse(&name, &value)?,
                "GOFED_JSON_BODY_LIMIT" => s.json_body_limit = parse(&name, &value)?,
                "GOFED_FILE_BODY_LIMIT" => s.file_body_limit = parse(&name, &value)?,
                "GOFED_MAX_CONCURRENT_CALLS" => s.max_concurrent_calls = parse(&name, &value)?,
                "GOFED_ACTION_TIMEOUT_MS" => s.action_timeout_ms = parse(&name, &value)?,
                "GOFED_HEADER_READ_TIMEOUT_MS" => s.header_read_timeout_ms = parse(&name, &value)?,
                "GOFED_BODY_READ_TIMEOUT_MS" => s.body_read_timeout_ms = parse(&name, &value)?,
                "GOFED_SHUTDOWN_TIMEOUT_MS" => s.shutdown_timeout_ms = parse(&name, &value)?,
                "GOFED_ANALYSIS_MEMORY_LIMIT" => {
                    s.analysis_memory_limit = Some(parse(&name, &value)?);
                }
                "GOFED_CLIENT_TIMEOUT_MS" => self.client.timeout_ms = parse(&name, &value)?,
                "GOFED_CACHE_DIR" => {
                    self.client.cache_dir = (!value.is_empty()).then(|| PathBuf::from(&value));
                }
                "GOFED_CACHE_SIZE" => self.client.cache_size = parse(&name, &value)?,
                "GOFED_GITHUB_URL" => self.client.github_url.clone_from(&value),
                "GOFED_GITLAB_URL" => self.client.gitlab_url.clone_from(&value),
                "GOFED_BITBUCKET_URL" => self.client.bitbucket_url.clone_from(&value),
                "GOFED_KOJI_URL" => self.client.koji_url.clone_from(&value),
                "GOFED_DISTGIT_URL" => self.client.distgit_url.clone_from(&value),
                "GOFED_MAX_UNPACKED_SIZE" => {
                    self.artifact.max_unpacked_size = Some(parse(&name, &value)?);
                }
                "GOFED_MAX_ENTRIES" => self.artifact.max_entries = Some(parse(&name, &value)?),
                "GOFED_MAX_FILE_SIZE" => self.artifact.max_file_size = Some(parse(&name, &value)?),
                "GOFED_MAX_RATIO" => self.artifact.max_ratio = Some(parse(&name, &value)?),
                "GOFED_REGISTRY" => self.system.registry.clone_from(&value),
                "GOFED_ETCD_CA_FILE" => {
                    self.system.etcd.ca_file = (!value.is_empty()).then(|| PathBuf::from(&value));
                }
                "GOFED_ETCD_CERT" => {
                    self.system.etcd.cert_file = (!value.is_empty()).then(|| PathBuf::from(&value));
                }
                "GOFED_ETCD_KEY" => {
                    self.system.etcd.key_file = (!value.is_empty()).then(|| PathBuf::from(&value));
                }
                "GOFED_STORE" => self.store.url = Some(value.clone()),
                "GOFED_STORE_CACHE" => self.store.cache = parse(&name, &value)?,
                "GOFED_GOLAND_INDEX" => {
                    self.goland.index = (!value.is_empty()).then(|| value.clone());
                }
                "GOFED_GOLAND_VANITY" => self.goland.vanity = parse(&name, &value)?,
                "GOFED_HEARTBEAT_MS" => {
                    self.registration.interval = Duration::from_millis(parse(&name, &value)?);
                }
                "GOFED_TTL_MS" => {
                    self.registration.ttl = Duration::from_millis(parse(&name, &value)?)
                }
                _ => {}
            }
        }
        Ok(())
    }
}

/// Checks that `name`, a service named in a placement given at `origin`, is one of `known` (or `*`).
pub fn check_placed_service(name: &str, known: &[&str], origin: &str) -> Result<(), ConfigError> {
    if name == "*" || known.contains(&name) {
        return Ok(());
    }
    Err(ConfigError::UnknownService {
        origin: origin.to_owned(),
        name: name.to_owned(),
        known: known.join(", "),
    })
}

impl Config {
    /// Checks that every service named in `[system.placement]` is one of `known`: a misspelt name
    /// would otherwise be ignored, and its service silently run where the default places it.
    pub fn check_placed_services(
        &self,
        known: &[&str],
        path: Option<&Path>,
    ) -> Result<(), ConfigError> {
        let origin = match path {
            Some(path) => format!("{}: [system.placement]", path.display()),
            None => "[system.placement]".to_owned(),
        };
        for name in self.system.placement.keys() {
            check_placed_service(name, known, &origin)?;
        }
        Ok(())
    }
}

fn parse<T: FromStr>(name: &str, value: &str) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    value
        .trim()
        .parse()
        .map_err(|err: T::Err| ConfigError::Env {
            name: name.to_owned(),
            value: value.to_owned(),
            message: err.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every setting's `GOFED_*` variable as the schema documents it (`x-env`), by dotted key.
    fn documented_variables() -> Vec<(String, String)> {
        fn walk(
            path: &str,
            node: &serde_json::Value,
            defs: &serde_json::Value,
            out: &mut Vec<(String, String)>,
        ) {
            let Some(props) = node.get("properties").and_then(|p| p.as_object()) else {
                return;
            };
            for (key, prop) in props {
                let key = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                if let Some(env) = prop.get("x-env").and_then(|e| e.as_str()) {
                    out.push((key.clone(), env.to_owned()));
                }
                let target = prop
                    .get("$ref")
                    .and_then(|r| r.as_str())
                    .and_then(|r| r.strip_prefix("#/$defs/"))
                    .and_then(|name| defs.get(name));
                walk(&key, target.unwrap_or(prop), defs, out);
            }
        }
        let schema = serde_json::to_value(schemars::schema_for!(Config)).unwrap();
        let mut out = Vec::new();
        walk("", &schema, &schema["$defs"], &mut out);
        out
    }

    /// The value at a dotted key of the configuration as JSON.
    fn at<'a>(value: &'a serde_json::Value, key: &str) -> &'a serde_json::Value {
        key.split('.').fold(value, |v, part| &v[part])
    }

    #[test]
    fn every_documented_variable_sets_its_setting() {
        let documented = documented_variables();
        assert!(documented.len() > 40, "{documented:?}");
        let default = serde_json::to_value(Config::default()).unwrap();
        for (key, env) in &documented {
            // The first sample of the setting's form that the variable takes, and that changes that setting.
            let samples = ["7", "true", "false", "127.0.0.9:9", "store", "/x/y"];
            let changed = samples.iter().any(|sample| {
                let mut config = Config::default();
                config
                    .apply_env([(env.clone(), (*sample).to_owned())])
                    .is_ok()
                    && at(&serde_json::to_value(&config).unwrap(), key) != at(&default, key)
            });
            assert!(changed, "{env} does not set {key}");
        }
    }

    #[test]
    fn every_variable_read_is_documented() {
        let documented: std::collections::BTreeSet<String> = documented_variables()
            .into_iter()
            .map(|(_, env)| env)
            .collect();
        // The variables `apply_env` matches on, read from its source.
        let source = include_str!("config.rs");
        let body = &source[source.find("pub fn apply_env").unwrap()..];
        let body = &body[..body.find("\n    }\n}").unwrap()];
        let read: std::collections::BTreeSet<String> = body
            .split('"')
            .filter(|s| {
                s.starts_with("GOFED_") && s.chars().all(|c| c.is_ascii_uppercase() || c == '_')
            })
            .map(str::to_owned)
            .collect();
        assert_eq!(read, documented);
    }

    #[test]
    fn defaults_file_env() {
        let config = Config::from_toml(
            "[server]\nlisten = \"127.0.0.1:9000\"\naction_timeout_ms = 5\n[server.action_timeouts_ms]\nslow = 7\n",
            Path::new("gofed.toml"),
        )
        .unwrap();
        assert_eq!(config.server.listen.port(), 9000);
        assert_eq!(config.server.json_body_limit, 16 << 20);
        assert_eq!(
            config.server.action_timeout("slow"),
            Duration::from_millis(7)
        );
        assert_eq!(
            config.server.action_timeout("other"),
            Duration::from_millis(5)
        );

        let mut config = config;
        config
            .apply_env([
                ("GOFED_LISTEN".to_owned(), "127.0.0.2:9001".to_owned()),
                ("GOFED_TOKEN".to_owned(), "t".to_owned()),
                ("PATH".to_owned(), "/bin".to_owned()),
            ])
            .unwrap();
        assert_eq!(config.server.listen, "127.0.0.2:9001".parse().unwrap());
        assert_eq!(config.server.token.as_deref(), Some("t"));
        assert_eq!(config.client.token.as_deref(), Some("t"));
        assert_eq!(
            config.server.action_timeout_ms, 5,
            "env does not reset file values"
        );
    }

    #[test]
    fn analysis_memory_limit_from_file_and_env() {
        assert_eq!(Config::default().server.analysis_memory_limit, None);
        let mut config = Config::from_toml(
            "[server]\nanalysis_memory_limit = 268435456\n",
            Path::new("gofed.toml"),
        )
        .unwrap();
        assert_eq!(config.server.analysis_memory_limit, Some(256 << 20));
        config
            .apply_env([(
                "GOFED_ANALYSIS_MEMORY_LIMIT".to_owned(),
                "1048576".to_owned(),
            )])
            .unwrap();
        assert_eq!(config.server.analysis_memory_limit, Some(1 << 20));
        let err = config
            .apply_env([("GOFED_ANALYSIS_MEMORY_LIMIT".to_owned(), "1G".to_owned())])
            .unwrap_err();
        assert!(
            err.to_string().contains("GOFED_ANALYSIS_MEMORY_LIMIT"),
            "{err}"
        );
    }

    #[test]
    fn placements_of_unknown_services_are_errors() {
        let known = ["api", "deps", "filestorage"];
        let config = Config::from_toml(
            "[system.placement]\napi = \"remote\"\ndeps = \"local\"\n",
            Path::new("gofed.toml"),
        )
        .unwrap();
        config
            .check_placed_services(&known, Some(Path::new("gofed.toml")))
            .unwrap();
        let config = Config::from_toml(
            "[system.placement]\napii = \"remote\"\n",
            Path::new("gofed.toml"),
        )
        .unwrap();
        let err = config
            .check_placed_services(&known, Some(Path::new("gofed.toml")))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "gofed.toml: [system.placement]: unknown service `apii`; known services: api, deps, \
             filestorage, and `*` for every service"
        );
        assert!(check_placed_service("*", &known, "--placement").is_ok());
        assert!(check_placed_service("API", &known, "--placement").is_err());
    }

    #[test]
    fn default_listen_is_loopback() {
        let config = Config::from_toml("", Path::new("gofed.toml")).unwrap();
        assert_eq!(config, Config::default());
        assert!(config.server.listen.ip().is_loopback());
    }

    #[test]
    fn unknown_keys_and_bad_env_are_errors() {
        let err = Config::from_toml("[server]\nlisten_addr = \"x\"\n", Path::new("gofed.toml"))
            .unwrap_err();
        assert!(err.to_string().contains("listen_addr"), "{err}");
        let err = Config::default()
            .apply_env([("GOFED_MAX_CONCURRENT_CALLS".to_owned(), "many".to_owned())])
            .unwrap_err();
        assert!(
            err.to_string().contains("GOFED_MAX_CONCURRENT_CALLS"),
            "{err}"
        );
    }
}
