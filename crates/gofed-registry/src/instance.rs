//! What a registry stores: one running instance of a service, and the checks on its fields.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::RegistryError;

/// Default interval between two heartbeats of an instance.
pub const DEFAULT_HEARTBEAT: Duration = Duration::from_secs(2);
/// Default time to live: an instance that has not heartbeaten for this long is pruned.
pub const DEFAULT_TTL: Duration = Duration::from_secs(6);
/// Shortest TTL a registry accepts.
pub const MIN_TTL: Duration = Duration::from_millis(50);
/// Longest TTL a registry accepts.
pub const MAX_TTL: Duration = Duration::from_secs(3600);

/// Longest service name, instance id, version and action name, in bytes.
pub const MAX_NAME_LEN: usize = 128;
/// Longest address, in bytes.
pub const MAX_ADDRESS_LEN: usize = 512;
/// Most actions one instance may list.
pub const MAX_ACTIONS: usize = 256;
/// Most bytes of action names one instance may list, all names together: with the other bounds, one
/// registration holds at most about 10 KB, so a full registry stays within tens of megabytes.
pub const MAX_ACTIONS_BYTES: usize = 8 * 1024;

/// One running instance of a service, as registered.
///
/// On the wire (gofed's HTTP registry, and the values stored in etcd) it is a JSON object with the
/// same field names, except that `ttl` travels as `ttl_ms`, whole milliseconds:
/// `{"name":"api","instance_id":"a1","address":"http://127.0.0.1:9000","version":"0.1.0",
/// "actions":["api_analysis"],"ttl_ms":6000}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    /// The service name (`api`, `deps`, `filestorage`, ...). Names are case-insensitive: a
    /// registry stores and returns them lower-cased. ASCII letters, digits, `-`, `_` and `.`, at
    /// most 128 bytes.
    pub name: String,
    /// Identifies this instance among those of the same name; case-sensitive, same characters as
    /// names. Registering the same name and id again replaces the earlier registration.
    pub instance_id: String,
    /// Where the instance serves, usually a base URL such as `http://127.0.0.1:9000`.
    pub address: String,
    /// The version of the software the instance runs.
    #[serde(default)]
    pub version: String,
    /// The actions the instance offers.
    #[serde(default)]
    pub actions: Vec<String>,
    /// How long the registry keeps the instance without a heartbeat, between [`MIN_TTL`] and
    /// [`MAX_TTL`]. etcd counts leases in whole seconds, so its backend rounds up.
    #[serde(rename = "ttl_ms", with = "millis")]
    pub ttl: Duration,
}

impl Instance {
    /// An instance with no version, no actions and the [`DEFAULT_TTL`].
    pub fn new(name: &str, instance_id: &str, address: &str) -> Instance {
        Instance {
            name: name.to_owned(),
            instance_id: instance_id.to_owned(),
            address: address.to_owned(),
            version: String::new(),
            actions: Vec::new(),
            ttl: DEFAULT_TTL,
        }
    }

    /// Sets the version.
    pub fn with_version(mut self, version: &str) -> Instance {
        self.version = version.to_owned();
        self
    }

    /// Sets the actions.
    pub fn with_actions<S: Into<String>>(
        mut self,
        actions: impl IntoIterator<Item = S>,
    ) -> Instance {
        self.actions = actions.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the TTL.
    pub fn with_ttl(mut self, ttl: Duration) -> Instance {
        self.ttl = ttl;
        self
    }

    /// Checks every field and returns the instance with its name lower-cased, as registries
    /// store it.
    pub fn normalized(mut self) -> Result<Instance, RegistryError> {
        self.name = normalize_name(&self.name)?;
        check_instance_id(&self.instance_id)?;
        check_address(&self.address)?;
        if self.version.len() > MAX_NAME_LEN {
            return Err(RegistryError::invalid(
                "version",
                &self.version,
                "longer than 128 bytes",
            ));
        }
        if self.actions.len() > MAX_ACTIONS {
            return Err(RegistryError::invalid(
                "action list",
                &format!("{} actions", self.actions.len()),
                "more than 256 actions",
            ));
        }
        let n_action_bytes: usize = self.actions.iter().map(String::len).sum();
        if n_action_bytes > MAX_ACTIONS_BYTES {
            return Err(RegistryError::invalid(
                "action list",
                &format!("{n_action_bytes} bytes of names"),
                "more than 8192 bytes of action names",
            ));
        }
        for action in &self.actions {
            check_token("action name", action)?;
        }
        if self.ttl < MIN_TTL || self.ttl > MAX_TTL {
            return Err(RegistryError::invalid(
                "ttl",
                &format!("{:?}", self.ttl),
                "must be between 50 ms and 1 hour",
            ));
        }
        Ok(self)
    }
}

/// Checks an instance's address: an absolute `http` or `https` base URL with a host and nothing after
/// it (no path but `/`, no query, fragment or user info), which is what every client turns into a
/// request URL. Whatever else a registration carries, one instance with an address clients cannot use
/// must not be stored, since every client of the service would meet it.
pub fn check_address(address: &str) -> Result<(), RegistryError> {
    let invalid = |reason| Err(RegistryError::invalid("address", address, reason));
    if address.is_empty() || address.len() > MAX_ADDRESS_LEN {
        return invalid("must be 1 to 512 bytes");
    }
    if address.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return invalid("contains a control or white-space character");
    }
    let lower = address.get(..8).unwrap_or(address).to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) {
        return invalid("must be an http:// or https:// URL such as http://127.0.0.1:8811");
    }
    let Ok(url) = reqwest::Url::parse(address) else {
        return invalid("is not a valid URL");
    };
    if url.host_str().is_none_or(str::is_empty) {
        return invalid("has no host");
    }
    if url.port() == Some(0) {
        return invalid("has port 0");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return invalid("must not contain user info");
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return invalid("must be a base URL without a path, query or fragment");
    }
    Ok(())
}

/// Checks a service name and returns it lower-cased: the form registries store and compare.
pub fn normalize_name(name: &str) -> Result<String, RegistryError> {
    check_token("service name", name)?;
    Ok(name.to_ascii_lowercase())
}

/// Checks an instance id (same characters as service names, case kept).
pub fn check_instance_id(instance_id: &str) -> Result<(), RegistryError> {
    check_token("instance id", instance_id)
}

/// Names and ids go into URL paths and etcd keys as they are, so they are restricted to
/// characters that need no escaping there, and can never contain `/`.
fn check_token(what: &'static str, value: &str) -> Result<(), RegistryError> {
    if value.is_empty() || value.len() > MAX_NAME_LEN {
        return Err(RegistryError::invalid(
            what,
            value,
            "must be 1 to 128 bytes",
        ));
    }
    let ok = value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if !ok || value == "." || value == ".." {
        return Err(RegistryError::invalid(
            what,
            value,
            "may only contain ASCII letters, digits, '-', '_' and '.'",
        ));
    }
    Ok(())
}

pub(crate) mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}
