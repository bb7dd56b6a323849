//! One string picks the backend: what `--registry` and `GOFED_REGISTRY` accept.

use std::sync::Arc;

use crate::etcd::DEFAULT_ETCD_PREFIX;
use crate::{EtcdConfig, EtcdRegistry, EtcdTls, HttpRegistry, Registry, RegistryError};

/// A registry client for `url`:
///
/// - `http://HOST:PORT` or `https://…`: gofed's embedded registry (`gofed registry`);
/// - `etcd://HOST:PORT[/PREFIX]`: etcd's client endpoint `http://HOST:PORT` (its JSON gateway),
///   instances under `PREFIX` (default `/gofed/services/`); `etcds://` for TLS (see [`EtcdTls`]).
///
/// ```
/// let etcd = gofed_registry::connect("etcd://127.0.0.1:2379/team/a").unwrap();
/// let embedded = gofed_registry::connect("http://127.0.0.1:18811").unwrap();
/// assert!(gofed_registry::connect("ftp://x").is_err());
/// # drop((etcd, embedded));
/// ```
pub fn connect(url: &str) -> Result<Arc<dyn Registry>, RegistryError> {
    connect_with(url, &ConnectOptions::default())
}

/// What a client needs besides the URL.
#[derive(Clone, Debug, Default)]
pub struct ConnectOptions {
    /// The token an embedded registry (`http(s)://`) requires.
    pub token: Option<String>,
    /// The authority and client certificate of an `etcds://` registry.
    pub etcd_tls: EtcdTls,
}

/// [`connect`] with `options`.
pub fn connect_with(
    url: &str,
    options: &ConnectOptions,
) -> Result<Arc<dyn Registry>, RegistryError> {
    let invalid = |reason| RegistryError::invalid("registry URL", url, reason);
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| invalid("expected http://HOST:PORT or etcd://HOST:PORT[/PREFIX]"))?;
    match scheme {
        "http" | "https" => Ok(Arc::new(
            HttpRegistry::new(url)?.with_token(options.token.clone()),
        )),
        "etcd" | "etcds" => {
            let (host, prefix) = match rest.find('/') {
                Some(slash) if slash + 1 < rest.len() => (&rest[..slash], &rest[slash..]),
                Some(slash) => (&rest[..slash], DEFAULT_ETCD_PREFIX),
                None => (rest, DEFAULT_ETCD_PREFIX),
            };
            if host.is_empty() {
                return Err(invalid("no etcd host"));
            }
            let tls = scheme == "etcds";
            let config = EtcdConfig {
                endpoint: format!("{}://{host}", if tls { "https" } else { "http" }),
                prefix: prefix.to_owned(),
                tls: if tls {
                    options.etcd_tls.clone()
                } else {
                    EtcdTls::default()
                },
                ..EtcdConfig::default()
            };
            Ok(Arc::new(EtcdRegistry::new(&config)?))
        }
        _ => Err(invalid("the scheme must be http, https, etcd or etcds")),
    }
}
