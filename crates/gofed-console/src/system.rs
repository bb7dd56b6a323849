//! The System page: every registered instance, probed now (`GET /v1/info` for health, `GET /metrics` for calls
//! in flight and errors), refreshed every 2 seconds by the page's script (a link reloads it without JavaScript).
//!
//! An instance that stops answering is red at the next refresh (`down`); once the registry drops it (its TTL
//! passed without a heartbeat, or it deregistered) it stays listed red as `gone` for
//! [`crate::Console::forget_after`], so that a dead instance does not silently vanish from the page.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use gofed_registry::Instance;
use gofed_service::{error_chain, Client, ClientError};
use maud::{html, Markup};

use crate::{page, Ctx};

/// How long a probe may take before the instance counts as down.
const PROBE_TIMEOUT: Duration = Duration::from_millis(1500);

/// The instances listed before, with when the registry last listed them.
#[derive(Default)]
pub(crate) struct Seen(Mutex<BTreeMap<(String, String), (Instance, Instant)>>);

/// One row of the table.
struct Row {
    instance: Instance,
    health: Health,
    /// Why it is not up.
    error: Option<String>,
    calls: Option<Calls>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Health {
    Up,
    Unauthorized,
    Down,
    /// No longer in the registry.
    Gone,
    /// Runs in this process (`gofed console`).
    InProcess,
}

impl Health {
    fn label(self) -> &'static str {
        match self {
            Health::Up => "up",
            Health::Unauthorized => "unauthorized",
            Health::Down => "down",
            Health::Gone => "gone",
            Health::InProcess => "in-process",
        }
    }

    fn class(self) -> &'static str {
        match self {
            Health::Up | Health::InProcess => "ok",
            Health::Unauthorized => "warn",
            Health::Down | Health::Gone => "bad",
        }
    }
}

/// A service's action counters on one instance, from its `/metrics`.
#[derive(Clone, Copy, Default)]
struct Calls {
    in_flight: f64,
    total: f64,
    errors: f64,
}

pub(crate) async fn page(State(ctx): State<Ctx>) -> Response {
    let table = table_markup(&ctx).await;
    let body = html! {
        p.lead {
            @if ctx.console.registry.is_some() {
                "Registry " code { (ctx.console.registry_url) } ". "
            } @else {
                "One machine: the services run in this process. "
            }
            a href="/console/" { "Reload" }
        }
        div #system-table data-refresh="/console/system/table" { (table) }
    };
    page::shell("System", "/console/", body).into_response()
}

/// The table alone, which the page's script fetches every 2 seconds.
pub(crate) async fn table(State(ctx): State<Ctx>) -> Response {
    table_markup(&ctx).await.into_response()
}

async fn table_markup(ctx: &Ctx) -> Markup {
    let rows = match &ctx.console.registry {
        Some(registry) => match registry.list().await {
            Ok(listed) => Ok(probe_all(ctx, remember(ctx, listed)).await),
            Err(err) => Err(format!(
                "cannot list the registry {}: {}",
                ctx.console.registry_url,
                error_chain(&err)
            )),
        },
        None => Ok(in_process(ctx)),
    };
    let rows = match rows {
        Ok(rows) => rows,
        Err(message) => return html! { p.error role="alert" { (message) } },
    };
    let n_bad = rows
        .iter()
        .filter(|r| matches!(r.health, Health::Down | Health::Gone))
        .count();
    html! {
        p.summary {
            (rows.len()) " instance(s) of "
            (rows.iter().map(|r| &r.instance.name).collect::<BTreeSet<_>>().len()) " service(s)"
            @if n_bad > 0 { ", " strong.bad { (n_bad) " not answering" } }
        }
        div.scroll {
            table.system {
                thead { tr {
                    th { "Service" } th { "Instance" } th { "Address" } th { "Version" } th { "Health" }
                    th.num { "In flight" } th.num { "Calls" } th.num { "Errors" } th.num { "Actions" }
                } }
                tbody {
                    @for row in &rows {
                        tr class=(row.health.class()) data-health=(row.health.label()) {
                            td { (row.instance.name) }
                            td { code { (row.instance.instance_id) } }
                            td { (row.instance.address) }
                            td { (if row.instance.version.is_empty() { "-" } else { &row.instance.version }) }
                            td {
                                span.badge { (row.health.label()) }
                                @if let Some(error) = &row.error { br; small { (error) } }
                            }
                            @match row.calls {
                                Some(calls) => {
                                    td.num { (calls.in_flight) }
                                    td.num { (calls.total) }
                                    td.num {
                                        (calls.errors)
                                        @if calls.total > 0.0 {
                                            " (" (format!("{:.1}", 100.0 * calls.errors / calls.total)) " %)"
                                        }
                                    }
                                }
                                None => { td.num { "-" } td.num { "-" } td.num { "-" } }
                            }
                            td.num title=(row.instance.actions.join(", ")) { (row.instance.actions.len()) }
                        }
                    }
                }
            }
        }
    }
}

/// Records what the registry lists now, and returns it with the instances it listed before and no longer does
/// (within `forget_after`), those marked gone.
fn remember(ctx: &Ctx, listed: Vec<Instance>) -> Vec<(Instance, bool)> {
    let now = Instant::now();
    let mut seen = match ctx.seen.0.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    let current: BTreeSet<(String, String)> = listed
        .iter()
        .map(|i| (i.name.clone(), i.instance_id.clone()))
        .collect();
    for instance in listed {
        seen.insert(
            (instance.name.clone(), instance.instance_id.clone()),
            (instance, now),
        );
    }
    let forget_after = ctx.console.forget_after;
    seen.retain(|_, (_, last)| now.duration_since(*last) <= forget_after);
    seen.iter()
        .map(|(key, (instance, _))| (instance.clone(), !current.contains(key)))
        .collect()
}

/// Probes every address once (an envelope hosting several services is one process), all at once.
async fn probe_all(ctx: &Ctx, instances: Vec<(Instance, bool)>) -> Vec<Row> {
    let addresses: BTreeSet<String> = instances
        .iter()
        .filter(|(_, gone)| !gone)
        .map(|(i, _)| i.address.clone())
        .collect();
    let client_config = gofed_service::ClientConfig {
        timeout_ms: u64::try_from(PROBE_TIMEOUT.as_millis()).unwrap_or(u64::MAX),
        ..ctx.console.client.clone()
    };
    let mut probes = tokio::task::JoinSet::new();
    for address in addresses {
        let client = Client::new(&address, &client_config);
        probes.spawn(async move { (address, probe(client).await) });
    }
    let mut answers: BTreeMap<String, Probe> = BTreeMap::new();
    while let Some(joined) = probes.join_next().await {
        if let Ok((address, answer)) = joined {
            answers.insert(address, answer);
        }
    }
    instances
        .into_iter()
        .map(|(instance, gone)| {
            if gone {
                return Row {
                    instance,
                    health: Health::Gone,
                    error: Some(
                        "no longer registered (its TTL passed without a heartbeat, or it left)"
                            .into(),
                    ),
                    calls: None,
                };
            }
            let answer = answers.get(&instance.address);
            let (health, error, metrics) = match answer {
                Some(Probe::Up(metrics)) => (Health::Up, None, metrics.as_deref()),
                Some(Probe::Failed(health, error)) => (*health, Some(error.clone()), None),
                None => (Health::Down, Some("the probe failed".to_owned()), None),
            };
            let calls = metrics.map(|text| calls_of(text, &instance.name));
            Row {
                instance,
                health,
                error,
                calls,
            }
        })
        .collect()
}

enum Probe {
    /// Answered `/v1/info`; its `/metrics` text when that answered too.
    Up(Option<String>),
    Failed(Health, String),
}

async fn probe(client: Result<Client, ClientError>) -> Probe {
    let client = match client {
        Ok(client) => client,
        Err(err) => return Probe::Failed(Health::Down, error_chain(&err)),
    };
    match client.info().await {
        Ok(_) => Probe::Up(client.metrics().await.ok()),
        Err(
            err @ ClientError::Service {
                status: 401 | 403, ..
            },
        ) => Probe::Failed(Health::Unauthorized, error_chain(&err)),
        Err(err) => Probe::Failed(Health::Down, error_chain(&err)),
    }
}

/// The sums over `service`'s actions of `gofed_action_in_flight`, `gofed_action_calls_total` and
/// `gofed_action_errors_total` in a Prometheus text.
fn calls_of(metrics: &str, service: &str) -> Calls {
    let label = format!("service=\"{service}\"");
    let mut calls = Calls::default();
    for line in metrics.lines() {
        let Some((series, value)) = line.rsplit_once(' ') else {
            continue;
        };
        let Some((name, labels)) = series.split_once('{') else {
            continue;
        };
        if !labels.split(',').any(|l| l == label) {
            continue;
        }
        let Ok(value) = value.parse::<f64>() else {
            continue;
        };
        match name {
            "gofed_action_in_flight" => calls.in_flight += value,
            "gofed_action_calls_total" => calls.total += value,
            "gofed_action_errors_total" => calls.errors += value,
            _ => {}
        }
    }
    calls
}

/// One machine: a row per service compiled in, all in this process.
fn in_process(ctx: &Ctx) -> Vec<Row> {
    let mut services: BTreeMap<&str, Instance> = BTreeMap::new();
    for action in &ctx.console.actions {
        let instance = services.entry(&action.service).or_insert_with(|| {
            let mut instance = Instance::new(&action.service, "in-process", "-");
            instance.version.clone_from(&action.service_version);
            instance
        });
        instance.actions.push(action.name.clone());
    }
    services
        .into_values()
        .map(|instance| Row {
            instance,
            health: Health::InProcess,
            error: None,
            calls: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::calls_of;

    #[test]
    fn calls_are_summed_per_service() {
        let text = "# TYPE gofed_action_calls_total counter\n\
            gofed_action_calls_total{service=\"api\",action=\"api_analysis\"} 4\n\
            gofed_action_calls_total{service=\"api\",action=\"api_diff\"} 6\n\
            gofed_action_calls_total{service=\"deps\",action=\"deps_analysis\"} 100\n\
            gofed_action_errors_total{service=\"api\",action=\"api_diff\"} 1\n\
            gofed_action_in_flight{service=\"api\",action=\"api_diff\"} 2\n\
            gofed_action_duration_seconds_count{service=\"api\",action=\"api_diff\"} 6\n\
            garbage line\n";
        let calls = calls_of(text, "api");
        assert_eq!(
            (calls.total, calls.errors, calls.in_flight),
            (10.0, 1.0, 2.0)
        );
        assert_eq!(calls_of(text, "deps").total, 100.0);
        assert_eq!(calls_of(text, "ap").total, 0.0);
    }
}
