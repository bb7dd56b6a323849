//! What an instance runs to stay registered: register, heartbeat, re-register, deregister.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::{interval_at, Instant, MissedTickBehavior};

use crate::instance::{DEFAULT_HEARTBEAT, DEFAULT_TTL};
use crate::{Instance, Registry, RegistryError};

/// How often an instance heartbeats and how long the registry keeps it without one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct HeartbeatConfig {
    /// Interval between heartbeats ([`DEFAULT_HEARTBEAT`], 2 s). Must be shorter than `ttl`.
    #[serde(rename = "heartbeat_ms", with = "crate::instance::millis")]
    #[schemars(with = "u64", extend("x-env" = "GOFED_HEARTBEAT_MS"))]
    pub interval: Duration,
    /// TTL the instance registers with ([`DEFAULT_TTL`], 6 s): up to `ttl / interval - 1`
    /// heartbeats may be lost before the registry prunes the instance.
    #[serde(rename = "ttl_ms", with = "crate::instance::millis")]
    #[schemars(with = "u64", extend("x-env" = "GOFED_TTL_MS"))]
    pub ttl: Duration,
}

impl Default for HeartbeatConfig {
    fn default() -> Self {
        HeartbeatConfig {
            interval: DEFAULT_HEARTBEAT,
            ttl: DEFAULT_TTL,
        }
    }
}

/// Keeps one instance registered for as long as it runs.
///
/// [`Registrar::start`] registers the instance, then a background task heartbeats every interval.
/// When a heartbeat answers [`RegistryError::NotFound`] (the registry restarted, or the instance
/// missed its TTL, e.g. after a long pause), the task registers the instance again. Other errors
/// (registry unreachable) are logged and the next tick tries again, so the instance comes back
/// on its own once the registry does. [`Registrar::shutdown`] stops the task and deregisters;
/// dropping a `Registrar` stops the task without deregistering, and the registry prunes the
/// instance when its TTL passes, as it would after a crash.
pub struct Registrar {
    registry: Arc<dyn Registry>,
    instance: Instance,
    n_registrations: Arc<AtomicU64>,
    status: RegistrationStatus,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Registrar {
    /// Registers `instance` with `config.ttl` (its own `ttl` is replaced) and starts heartbeating
    /// every `config.interval`. Fails when the first registration fails, so that a misconfigured
    /// instance learns it at once.
    pub async fn start(
        registry: Arc<dyn Registry>,
        instance: Instance,
        config: HeartbeatConfig,
    ) -> Result<Registrar, RegistryError> {
        if config.interval.is_zero() || config.interval >= config.ttl {
            return Err(RegistryError::invalid(
                "heartbeat interval",
                &format!("{:?}", config.interval),
                "must be non-zero and shorter than the ttl",
            ));
        }
        let instance = instance.with_ttl(config.ttl).normalized()?;
        registry.register(instance.clone()).await?;
        tracing::info!(
            name = %instance.name,
            instance_id = %instance.instance_id,
            address = %instance.address,
            "registered"
        );
        let n_registrations = Arc::new(AtomicU64::new(1));
        let status = RegistrationStatus(Arc::new(AtomicBool::new(true)));
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(heartbeat_loop(
            Arc::clone(&registry),
            instance.clone(),
            config.interval,
            Arc::clone(&n_registrations),
            status.clone(),
            stopped,
        ));
        Ok(Registrar {
            registry,
            instance,
            n_registrations,
            status,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The instance as registered (name lower-cased, TTL from the config).
    pub fn instance(&self) -> &Instance {
        &self.instance
    }

    /// How many times the instance has been registered: 1 after start, one more for each
    /// re-registration after the registry had lost it.
    pub fn n_registrations(&self) -> u64 {
        self.n_registrations.load(Ordering::Relaxed)
    }

    /// Whether the last heartbeat (or registration) succeeded, readable after the registrar has moved.
    pub fn status(&self) -> RegistrationStatus {
        self.status.clone()
    }

    /// Stops heartbeating and deregisters the instance.
    pub async fn shutdown(mut self) -> Result<(), RegistryError> {
        self.stop_task().await;
        let res = self
            .registry
            .deregister(&self.instance.name, &self.instance.instance_id)
            .await;
        if res.is_ok() {
            tracing::info!(
                name = %self.instance.name,
                instance_id = %self.instance.instance_id,
                "deregistered"
            );
        }
        res
    }

    /// Stops heartbeating without deregistering, as a crash would: the registry prunes the
    /// instance once its TTL has passed.
    pub async fn abandon(mut self) {
        self.stop_task().await;
    }

    async fn stop_task(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            // The loop only ends on the stop message, or by panicking; either way it is over.
            let _ = task.await;
        }
    }
}

/// Whether a [`Registrar`]'s instance is registered, as its last heartbeat found: what a readiness probe
/// reports.
#[derive(Clone, Debug)]
pub struct RegistrationStatus(Arc<AtomicBool>);

impl RegistrationStatus {
    /// `false` from a failed heartbeat (registry unreachable, or refusing) until one succeeds again.
    pub fn is_registered(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

impl Drop for Registrar {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

async fn heartbeat_loop(
    registry: Arc<dyn Registry>,
    instance: Instance,
    period: Duration,
    n_registrations: Arc<AtomicU64>,
    status: RegistrationStatus,
    mut stopped: oneshot::Receiver<()>,
) {
    let mut ticks = interval_at(Instant::now() + period, period);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    // Log a failure when the state changes, not on every tick of a long outage.
    let mut failing = false;
    loop {
        tokio::select! {
            _ = &mut stopped => return,
            _ = ticks.tick() => {}
        }
        let res = match registry
            .heartbeat(&instance.name, &instance.instance_id)
            .await
        {
            Err(RegistryError::NotFound { .. }) => {
                let res = registry.register(instance.clone()).await;
                if res.is_ok() {
                    n_registrations.fetch_add(1, Ordering::Relaxed);
                    tracing::info!(
                        name = %instance.name,
                        instance_id = %instance.instance_id,
                        "the registry had lost the instance: registered again"
                    );
                }
                res
            }
            res => res,
        };
        status.0.store(res.is_ok(), Ordering::Relaxed);
        match res {
            Ok(()) if failing => {
                failing = false;
                tracing::info!(name = %instance.name, instance_id = %instance.instance_id, "heartbeats succeed again");
            }
            Ok(()) => {}
            Err(err) if !failing => {
                failing = true;
                tracing::warn!(
                    name = %instance.name,
                    instance_id = %instance.instance_id,
                    error = %err,
                    "heartbeat failed; retrying every interval"
                );
            }
            Err(err) => {
                tracing::debug!(error = %err, "heartbeat failed again");
            }
        }
    }
}
