//! The in-memory registry: the state behind the embedded registry server.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use async_trait::async_trait;

use crate::instance::{check_instance_id, normalize_name};
use crate::{Instance, Limits, Registry, RegistryError};

/// A registry held in this process's memory.
///
/// Pruning is lazy: every operation first drops the instances whose TTL has passed, so a lookup
/// never returns an expired instance, and no background task is needed. Results are sorted by
/// name, then instance id. A restart loses everything; the instances' next heartbeats get
/// [`RegistryError::NotFound`] and register again. It holds at most what its [`Limits`] allow.
#[derive(Debug, Default)]
pub struct MemoryRegistry {
    services: Mutex<BTreeMap<String, BTreeMap<String, Entry>>>,
    limits: Limits,
}

#[derive(Debug)]
struct Entry {
    instance: Instance,
    expires: Instant,
}

type Services = BTreeMap<String, BTreeMap<String, Entry>>;

impl MemoryRegistry {
    /// An empty registry that keeps at most what `limits` allow.
    pub fn with_limits(limits: Limits) -> MemoryRegistry {
        MemoryRegistry {
            services: Mutex::default(),
            limits,
        }
    }

    fn with_pruned<T>(&self, f: impl FnOnce(&mut Services, Instant) -> T) -> T {
        // A panic while the lock was held cannot leave the maps half-updated in a way that
        // matters (each operation is one insert or remove), so a poisoned lock is taken over.
        let mut services = self
            .services
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let now = Instant::now();
        services.retain(|_, instances| {
            instances.retain(|_, entry| entry.expires > now);
            !instances.is_empty()
        });
        f(&mut services, now)
    }
}

#[async_trait]
impl Registry for MemoryRegistry {
    async fn register(&self, instance: Instance) -> Result<(), RegistryError> {
        let instance = instance.normalized()?;
        self.with_pruned(|services, now| {
            let of_name = services.get(&instance.name);
            let known = of_name.is_some_and(|m| m.contains_key(&instance.instance_id));
            if !known {
                let n_total = services.values().map(BTreeMap::len).sum();
                self.limits
                    .check_new(&instance.name, of_name.map_or(0, BTreeMap::len), n_total)?;
            }
            let entry = Entry {
                expires: now + instance.ttl,
                instance,
            };
            services
                .entry(entry.instance.name.clone())
                .or_default()
                .insert(entry.instance.instance_id.clone(), entry);
            Ok(())
        })
    }

    async fn heartbeat(&self, name: &str, instance_id: &str) -> Result<(), RegistryError> {
        let name = normalize_name(name)?;
        check_instance_id(instance_id)?;
        self.with_pruned(|services, now| {
            match services
                .get_mut(&name)
                .and_then(|instances| instances.get_mut(instance_id))
            {
                Some(entry) => {
                    entry.expires = now + entry.instance.ttl;
                    Ok(())
                }
                None => Err(RegistryError::not_found(&name, instance_id)),
            }
        })
    }

    async fn deregister(&self, name: &str, instance_id: &str) -> Result<(), RegistryError> {
        let name = normalize_name(name)?;
        check_instance_id(instance_id)?;
        self.with_pruned(|services, _| {
            if let Some(instances) = services.get_mut(&name) {
                instances.remove(instance_id);
                if instances.is_empty() {
                    services.remove(&name);
                }
            }
        });
        Ok(())
    }

    async fn lookup(&self, name: &str) -> Result<Vec<Instance>, RegistryError> {
        let name = normalize_name(name)?;
        Ok(self.with_pruned(|services, _| {
            services
                .get(&name)
                .map(|instances| instances.values().map(|e| e.instance.clone()).collect())
                .unwrap_or_default()
        }))
    }

    async fn list(&self) -> Result<Vec<Instance>, RegistryError> {
        Ok(self.with_pruned(|services, _| {
            services
                .values()
                .flat_map(|instances| instances.values().map(|e| e.instance.clone()))
                .collect()
        }))
    }
}
