//! How much a registry holds and how much its peers may send: every bound in one place.
//!
//! A registry is shared by every client of a team; one careless or hostile peer must not be able to
//! fill its memory, or the memory of everyone who lists it. With these bounds a full registry holds at
//! most [`Limits::max_instances`] instances of about 10 KB each (see
//! [`MAX_ACTIONS_BYTES`](crate::MAX_ACTIONS_BYTES)), and every answer a client reads is bounded by
//! [`MAX_ANSWER_BYTES`].

use crate::RegistryError;

/// Largest registration request body the embedded server reads; a valid [`crate::Instance`] is at most
/// about 11 KB of JSON.
pub const MAX_REQUEST_BYTES: usize = 16 * 1024;

/// Largest answer a registry client reads (the embedded server's list, or an etcd range); a larger one is
/// an error rather than unbounded memory. A full embedded registry answers about 22 MB at most.
pub const MAX_ANSWER_BYTES: usize = 64 << 20;

/// How many instances a registry keeps.
///
/// Registering again under a (name, instance id) already registered replaces it and is never refused;
/// a new instance beyond a bound is [`RegistryError::LimitExceeded`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Most instances of one service name (default 256).
    pub max_instances_per_name: usize,
    /// Most instances in all (default 2048).
    pub max_instances: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_instances_per_name: 256,
            max_instances: 2048,
        }
    }
}

impl Limits {
    /// Whether a new instance of `name` may join `n_of_name` instances of its name and `n_total` in all.
    pub(crate) fn check_new(
        &self,
        name: &str,
        n_of_name: usize,
        n_total: usize,
    ) -> Result<(), RegistryError> {
        if n_of_name >= self.max_instances_per_name {
            return Err(RegistryError::LimitExceeded {
                scope: format!("service `{name}`"),
                limit: self.max_instances_per_name,
            });
        }
        if n_total >= self.max_instances {
            return Err(RegistryError::LimitExceeded {
                scope: "the registry".to_owned(),
                limit: self.max_instances,
            });
        }
        Ok(())
    }
}
