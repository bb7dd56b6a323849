//! The crate's one error type.

use std::net::SocketAddr;

/// Every way a registry operation can fail, whichever backend runs it.
///
/// Variants name their input (the instance, the URL, the address), so a message reads on its own.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistryError {
    /// The registry does not know this instance: it never registered, it missed its TTL and was
    /// pruned, or the registry restarted and lost it. A heartbeat that gets this answer must
    /// register again ([`crate::Registrar`] does). HTTP: 404 with code `instance_not_found`.
    #[error("instance {instance_id:?} of service {name:?} is not registered")]
    NotFound {
        /// The service name (lower-cased).
        name: String,
        /// The instance id.
        instance_id: String,
    },
    /// A name, instance id, address, TTL or interval is not acceptable. HTTP: 400 with code
    /// `invalid_input`.
    #[error("invalid {what} {value:?}: {reason}")]
    InvalidInput {
        /// What was checked (`service name`, `instance id`, ...).
        what: &'static str,
        /// The rejected value as given (its first 160 bytes when longer).
        value: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// A new instance would exceed the registry's bounds (see [`crate::Limits`]). HTTP: 409 with code
    /// `limit_exceeded`.
    #[error(
        "{scope} already has {limit} instances, the most allowed: deregister some, or wait until dead ones expire"
    )]
    LimitExceeded {
        /// `service `NAME`` or `the registry`.
        scope: String,
        /// The bound reached.
        limit: usize,
    },
    /// The registry server could not listen on its address.
    #[error("cannot bind the registry server to {address}")]
    Bind {
        /// The address asked for.
        address: SocketAddr,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The registry server stopped with an I/O error.
    #[error("the registry server failed")]
    Serve(#[source] std::io::Error),
    /// A request to a remote registry (gofed's HTTP registry or etcd) did not get an answer.
    #[error("request to {url} failed")]
    Transport {
        /// The URL requested.
        url: String,
        /// The HTTP client's error.
        #[source]
        source: reqwest::Error,
    },
    /// A remote registry answered with an error status.
    #[error("{url} answered {status} ({code}): {message}")]
    Rejected {
        /// The URL requested.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The server's error code: gofed's snake_case code, or etcd's numeric gRPC code.
        code: String,
        /// The server's message.
        message: String,
    },
    /// A certificate, key or authority file for the connection to etcd cannot be used.
    #[error("etcd TLS: {0}")]
    Tls(#[source] crate::tls::TlsError),
    /// A remote registry answered something that is not the expected JSON document.
    #[error("cannot decode the answer of {url}: {reason}")]
    Decode {
        /// The URL requested.
        url: String,
        /// What was wrong with the answer.
        reason: String,
    },
}

impl RegistryError {
    pub(crate) fn not_found(name: &str, instance_id: &str) -> Self {
        RegistryError::NotFound {
            name: name.to_owned(),
            instance_id: instance_id.to_owned(),
        }
    }

    pub(crate) fn invalid(what: &'static str, value: &str, reason: &'static str) -> Self {
        // The value may be a 16 KB string sent to fill logs: its start says enough.
        const SHOWN: usize = 160;
        let value = if value.len() > SHOWN {
            let mut end = SHOWN;
            while !value.is_char_boundary(end) {
                end -= 1;
            }
            format!("{}...", &value[..end])
        } else {
            value.to_owned()
        };
        RegistryError::InvalidInput {
            what,
            value,
            reason,
        }
    }

    /// The JSON field of an [`Instance`](crate::Instance) that an
    /// [`RegistryError::InvalidInput`] is about (`address`, `version`, ...), if any.
    pub fn field(&self) -> Option<&'static str> {
        let RegistryError::InvalidInput { what, .. } = self else {
            return None;
        };
        match *what {
            "service name" => Some("name"),
            "instance id" => Some("instance_id"),
            "address" => Some("address"),
            "version" => Some("version"),
            "action name" | "action list" => Some("actions"),
            "ttl" => Some("ttl_ms"),
            _ => None,
        }
    }

    /// True when the registry could not be reached at all (connection refused, no route, connect
    /// timeout): usually no registry runs at the configured address.
    pub fn is_unreachable(&self) -> bool {
        matches!(self, RegistryError::Transport { source, .. } if source.is_connect())
    }

    /// True when the registry does not know the instance (see [`RegistryError::NotFound`]).
    pub fn is_not_found(&self) -> bool {
        matches!(self, RegistryError::NotFound { .. })
    }
}
