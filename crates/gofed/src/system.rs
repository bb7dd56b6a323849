//! `gofed registry`, `gofed system status` and `gofed system catalogue`: the embedded registry as
//! a process, what it knows about the running system (each instance is asked for `GET /v1/info`
//! to show its health), and every action this program's services offer.

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use gofed_registry::{Instance, MemoryRegistry, RegistryServer};
use gofed_service::error_chain;
use serde::Serialize;

use gofed_services::Format;

use crate::cli::{FormatArgs, RegistryArgs, SystemArgs};
use crate::output::print_json;

/// `gofed registry`: serves an in-memory registry until SIGINT or SIGTERM, then finishes the
/// requests in flight and exits 0. Instances re-register on their next heartbeat after a
/// restart, so losing the state is harmless.
pub fn registry(args: &RegistryArgs) -> anyhow::Result<ExitCode> {
    runtime()?.block_on(async {
        let config = gofed_registry::ServerConfig {
            address: args.listen,
        };
        let server = RegistryServer::bind(&config, Arc::new(MemoryRegistry::default()))
            .await
            .with_context(|| format!("registry: cannot listen on {}", args.listen))?;
        // The bound address goes to stdout, so that scripts (and tests) that asked for port 0
        // learn the real one.
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on http://{}", server.local_addr())?;
        out.flush()?;
        drop(out);
        server
            .serve(gofed_service::shutdown_signal())
            .await
            .context("registry: serving failed")?;
        Ok(ExitCode::SUCCESS)
    })
}

/// One service and its live instances, as `gofed system status --format json` prints them.
#[derive(Serialize)]
struct ServiceStatus {
    name: String,
    instances: Vec<InstanceStatus>,
}

/// An instance as registered, and whether it answered `GET /v1/info` just now.
#[derive(Serialize)]
struct InstanceStatus {
    #[serde(flatten)]
    instance: Instance,
    /// `up` or `down`.
    health: &'static str,
    /// Why the instance is down.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// How long `system status` waits for an instance's answer before calling it down.
const PROBE_TIMEOUT_MS: u64 = 2_000;

#[derive(Serialize)]
struct SystemStatus<'a> {
    registry: &'a str,
    services: Vec<ServiceStatus>,
}

/// `gofed system status`: the services and instances the registry lists.
pub fn status(system: &SystemArgs, args: &FormatArgs) -> anyhow::Result<ExitCode> {
    let config = crate::scenario::config(system)?;
    let url = &config.system.registry;
    let instances = runtime()?.block_on(async {
        let registry =
            gofed_registry::connect(url).with_context(|| format!("registry URL {url}"))?;
        let instances = registry
            .list()
            .await
            .with_context(|| format!("cannot list the registry at {url}"))?;
        Ok::<_, anyhow::Error>(probe_all(instances, config.client.token.clone()).await)
    })?;
    let status = SystemStatus {
        registry: url,
        services: group_by_service(instances),
    };
    match args.format {
        Format::Json => print_json(&status)?,
        Format::Text => print_status(&status)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Asks every instance for `GET /v1/info`, all at once; the order of `instances` is kept.
async fn probe_all(instances: Vec<Instance>, token: Option<String>) -> Vec<InstanceStatus> {
    let config = gofed_service::config::ClientConfig {
        token,
        timeout_ms: PROBE_TIMEOUT_MS,
    };
    let mut probes = tokio::task::JoinSet::new();
    for (index, instance) in instances.iter().enumerate() {
        let (address, config) = (instance.address.clone(), config.clone());
        probes.spawn(async move {
            let answer = match gofed_service::Client::new(&address, &config) {
                Ok(client) => client
                    .info()
                    .await
                    .map(drop)
                    .map_err(|err| error_chain(&err)),
                Err(err) => Err(error_chain(&err)),
            };
            (index, answer)
        });
    }
    let mut answers: Vec<Option<Result<(), String>>> = vec![None; instances.len()];
    while let Some(joined) = probes.join_next().await {
        if let Ok((index, answer)) = joined {
            answers[index] = Some(answer);
        }
    }
    instances
        .into_iter()
        .zip(answers)
        .map(|(instance, answer)| {
            let answer = answer.unwrap_or_else(|| Err("the probe task failed".to_owned()));
            InstanceStatus {
                instance,
                health: if answer.is_ok() { "up" } else { "down" },
                error: answer.err(),
            }
        })
        .collect()
}

/// Groups instances by service name; `list` returns them sorted by name, then instance id.
fn group_by_service(instances: Vec<InstanceStatus>) -> Vec<ServiceStatus> {
    let mut services: Vec<ServiceStatus> = Vec::new();
    for status in instances {
        match services.last_mut() {
            Some(service) if service.name == status.instance.name => {
                service.instances.push(status);
            }
            _ => services.push(ServiceStatus {
                name: status.instance.name.clone(),
                instances: vec![status],
            }),
        }
    }
    services
}

fn print_status(status: &SystemStatus<'_>) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let n_instances: usize = status.services.iter().map(|s| s.instances.len()).sum();
    writeln!(
        out,
        "registry {}: {} service(s), {} instance(s)",
        status.registry,
        status.services.len(),
        n_instances
    )?;
    for service in &status.services {
        writeln!(out, "{}", service.name)?;
        for status in &service.instances {
            let instance = &status.instance;
            let version = if instance.version.is_empty() {
                "-"
            } else {
                &instance.version
            };
            writeln!(
                out,
                "  {}  {}  {}  version {}  ttl {} ms  actions: {}",
                instance.instance_id,
                instance.address,
                status.health,
                version,
                instance.ttl.as_millis(),
                instance.actions.join(", ")
            )?;
            if let Some(error) = &status.error {
                writeln!(out, "    {error}")?;
            }
        }
    }
    Ok(())
}

/// One action in `gofed system catalogue --format json`.
#[derive(Serialize)]
struct CatalogueAction<'a> {
    service: &'a str,
    service_version: &'a str,
    name: &'a str,
    doc: &'a str,
    input_schema: &'a serde_json::Value,
    output_schema: &'a serde_json::Value,
}

/// `gofed system catalogue`: every action of every service, generated from the code.
pub fn catalogue(system: &SystemArgs, args: &FormatArgs) -> anyhow::Result<ExitCode> {
    let config = crate::scenario::config(system)?;
    let services = crate::serve::describe(&gofed_services::SERVICE_NAMES, &config);
    let actions: Vec<CatalogueAction> = services
        .iter()
        .flat_map(|service| {
            service.actions().map(move |action| CatalogueAction {
                service: service.name(),
                service_version: service.version(),
                name: action.name(),
                doc: action.doc(),
                input_schema: action.input_schema(),
                output_schema: action.output_schema(),
            })
        })
        .collect();
    match args.format {
        Format::Json => print_json(&actions)?,
        Format::Text => {
            let mut out = std::io::stdout().lock();
            for action in &actions {
                let input = schema_title(action.input_schema);
                let output = schema_title(action.output_schema);
                writeln!(
                    out,
                    "{} ({} {})",
                    action.name, action.service, action.service_version
                )?;
                writeln!(out, "    {}", action.doc)?;
                writeln!(out, "    input: {input}  output: {output}")?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A schema's `title` (schemars sets it to the Rust type name), else its `type`.
fn schema_title(schema: &serde_json::Value) -> String {
    schema
        .get("title")
        .or_else(|| schema.get("type"))
        .map_or_else(
            || "any".to_owned(),
            |v| v.as_str().map_or_else(|| v.to_string(), str::to_owned),
        )
}

pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
