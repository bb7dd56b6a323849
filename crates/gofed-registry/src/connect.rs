//! One string picks the backend: what `--registry` and `GOFED_REGISTRY` accept.

use std::sync::Arc;

use crate::etcd::DEFAULT_ETCD_PREFIX;
use crate::{EtcdConfig, EtcdRegistry, HttpRegistry, Registry, RegistryError};

/// A registry client for `url`:
///
/// - `http://HOST:PORT` or `https://…`: gofed's embedded registry (`gofed registry`);
/// - `etcd://HOST:PORT[/PREFIX]`: etcd's client endpoint `http://HOST:PORT` (its JSON gateway),
///   instances under `PREFIX` (default `/gofed/services/`); `etcds://` for TLS.
///
/// ```
/// let etcd = gofed_registry::connect("etcd://127.0.0.1:2379/team/a").unwrap();
/// let embedded = gofed_registry::connect("http://127.0.0.1:18811").unwrap();
/// assert!(gofed_registry::connect("ftp://x").is_err());
/// # drop((etcd, embedded));
/// ```
pub fn connect(url: &str) -> Result<Arc<dyn Registry>, RegistryError> {
    connect_with_token(url, None)
}

/// [`connect`], sending `token` to an embedded registry (`http(s)://`) that requires one.
pub fn connect_with_token(
    url: &str,
    token: Option<&str>,
) -> Result<Arc<dyn Registry>, RegistryError> {
    let invalid = |reason| RegistryError::invalid("registry URL", url, reason);
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| invalid("expected http://HOST:PORT or etcd://HOST:PORT[/PREFIX]"))?;
    match scheme {
        "http" | "https" => Ok(Arc::new(
            HttpRegistry::new(url)?.with_token(token.map(str::to_owned)),
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
            let http = if scheme == "etcds" { "https" } else { "http" };
            let config = EtcdConfig {
                endpoint: format!("{http}://{host}"),
                prefix: prefix.to_owned(),
                ..EtcdConfig::default()
            };
            Ok(Arc::new(EtcdRegistry::new(&config)?))
        }
        _ => Err(invalid("the scheme must be http, https, etcd or etcds")),
    }
}
