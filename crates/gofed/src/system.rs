//! `gofed registry` and `gofed system status`: the embedded registry as a process, and what it
//! knows about the running system.

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use gofed_registry::{HttpRegistry, Instance, MemoryRegistry, Registry as _, RegistryServer};
use serde::Serialize;

use crate::cli::{Format, RegistryArgs, SystemStatusArgs};
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
    instances: Vec<Instance>,
}

#[derive(Serialize)]
struct SystemStatus<'a> {
    registry: &'a str,
    services: Vec<ServiceStatus>,
}

/// `gofed system status`: the services and instances the registry lists.
pub fn status(args: &SystemStatusArgs) -> anyhow::Result<ExitCode> {
    let instances = runtime()?.block_on(async {
        let registry = HttpRegistry::new(&args.registry)
            .with_context(|| format!("registry URL {}", args.registry))?;
        registry
            .list()
            .await
            .with_context(|| format!("cannot list the registry at {}", args.registry))
    })?;
    let status = SystemStatus {
        registry: &args.registry,
        services: group_by_service(instances),
    };
    match args.format {
        Format::Json => print_json(&status)?,
        Format::Text => print_status(&status)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// Groups instances by service name; `list` returns them sorted by name, then instance id.
fn group_by_service(instances: Vec<Instance>) -> Vec<ServiceStatus> {
    let mut services: Vec<ServiceStatus> = Vec::new();
    for instance in instances {
        match services.last_mut() {
            Some(service) if service.name == instance.name => service.instances.push(instance),
            _ => services.push(ServiceStatus {
                name: instance.name.clone(),
                instances: vec![instance],
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
        for instance in &service.instances {
            let version = if instance.version.is_empty() {
                "-"
            } else {
                &instance.version
            };
            writeln!(
                out,
                "  {}  {}  version {}  ttl {} ms  actions: {}",
                instance.instance_id,
                instance.address,
                version,
                instance.ttl.as_millis(),
                instance.actions.join(", ")
            )?;
        }
    }
    Ok(())
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}
