//! `gofed registry`, `gofed system status` and `gofed system catalogue`: the embedded registry as
//! a process, what it knows about the running system (each instance is asked for `GET /v1/info`
//! to show its health; the exit status is 1 unless every instance is up), and every action this
//! program's services offer. Text output escapes what peers wrote ([`escape_untrusted`]).

use std::borrow::Cow;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use gofed_registry::{Instance, MemoryRegistry, RegistryServer};
use gofed_service::{error_chain, ClientError};
use serde::Serialize;

use gofed_services::Format;

use crate::cli::{FormatArgs, RegistryArgs, SystemArgs};
use crate::output::print_json;

/// `gofed registry`: serves an in-memory registry until SIGINT or SIGTERM, then finishes the
/// requests in flight and exits 0. Instances re-register on their next heartbeat after a
/// restart, so losing the state is harmless.
pub fn registry(system: &SystemArgs, args: &RegistryArgs) -> anyhow::Result<ExitCode> {
    let config = crate::scenario::config(system)?;
    // The fleet's token (--token, GOFED_TOKEN, `[server] token`) and certificate, as `serve` takes them.
    let mut server = config.server.clone();
    args.tls.apply_to(&mut server);
    if let Some(token) = &system.token {
        server.token = Some(token.clone());
    }
    // The same tokens and scopes as `serve`: `token`, `[[server.tokens]]`, `tokens_file`.
    let tokens = server.credentials()?;
    let tls = crate::serve::server_tls(&server)?;
    gofed_service::config::check_exposure(
        &args.listen,
        tls.is_some(),
        !tokens.is_empty(),
        server.insecure,
    )
    .map_err(anyhow::Error::msg)?;
    runtime()?.block_on(async {
        let server_config = gofed_registry::ServerConfig {
            address: args.listen,
            token: None,
            tokens,
        };
        let mut server = RegistryServer::bind(&server_config, Arc::new(MemoryRegistry::default()))
            .await
            .with_context(|| format!("registry: cannot listen on {}", args.listen))?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        if let Some(tls) = tls {
            server = server.with_tls(tls);
        }
        // The bound address goes to stdout, so that scripts (and tests) that asked for port 0
        // learn the real one.
        crate::output::write_stdout(|out| {
            writeln!(out, "listening on {scheme}://{}", server.local_addr())
        })?;
        server
            .serve(gofed_service::shutdown_signal())
            .await
            .context("registry: serving failed")?;
        Ok(ExitCode::SUCCESS)
    })
}

/// `gofed system deregister NAME INSTANCE_ID`: removes one instance from the registry.
pub fn deregister(
    system: &SystemArgs,
    args: &crate::cli::DeregisterArgs,
) -> anyhow::Result<ExitCode> {
    let config = crate::scenario::config(system)?;
    let url = &config.system.registry;
    runtime()?.block_on(async {
        let registry = crate::scenario::connect_registry(&config.system, &config.client)?;
        registry
            .deregister(&args.name, &args.instance_id)
            .await
            .with_context(|| {
                format!(
                    "cannot deregister {}/{} at {url}",
                    args.name, args.instance_id
                )
            })
    })?;
    Ok(ExitCode::SUCCESS)
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
    /// `up`; `unauthorized` when it refused the token (401 or 403: none given, or a wrong one);
    /// `down` for any other failure.
    health: &'static str,
    /// Why the instance is not up.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// How long `system status` waits for an instance's answer before calling it down.
const PROBE_TIMEOUT_MS: u64 = 2_000;

/// Most probes in flight at once: a registry may list thousands of instances, and each probe holds
/// a client and a connection.
const PROBE_CONCURRENCY: usize = 32;

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
        let registry = crate::scenario::connect_registry(&config.system, &config.client)?;
        let instances = registry
            .list()
            .await
            .with_context(|| format!("cannot list the registry at {url}"))?;
        Ok::<_, anyhow::Error>(probe_all(instances, config.client.token.clone()).await)
    })?;
    // A monitoring script (or a person) must not read "all is well" from the exit status while an
    // instance is down or refuses the token.
    let all_up = instances.iter().all(|i| i.health == "up");
    let status = SystemStatus {
        registry: url,
        services: group_by_service(instances),
    };
    match args.format {
        Format::Json => print_json(&status)?,
        Format::Text => print_status(&status)?,
    }
    Ok(if all_up {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Asks every instance for `GET /v1/info`, all at once; the order of `instances` is kept.
async fn probe_all(instances: Vec<Instance>, token: Option<String>) -> Vec<InstanceStatus> {
    let config = gofed_service::config::ClientConfig {
        token,
        timeout_ms: PROBE_TIMEOUT_MS,
        ..Default::default()
    };
    // One client (one connection pool, one TLS set-up) for every probe: building one per
    // instance took most of the time of a status of thousands.
    let client = match gofed_service::Client::new("http://probe.invalid", &config) {
        Ok(client) => client,
        Err(err) => {
            let error = error_chain(&err);
            return instances
                .into_iter()
                .map(|instance| InstanceStatus {
                    instance,
                    health: "down",
                    error: Some(error.clone()),
                })
                .collect();
        }
    };
    let mut probes = tokio::task::JoinSet::new();
    let mut answers: Vec<Option<Result<(), (&'static str, String)>>> = vec![None; instances.len()];
    let mut next = 0;
    loop {
        while probes.len() < PROBE_CONCURRENCY && next < instances.len() {
            let probed = client.for_base_url(&instances[next].address);
            let index = next;
            probes.spawn(async move { (index, probe(probed).await) });
            next += 1;
        }
        match probes.join_next().await {
            Some(Ok((index, answer))) => answers[index] = Some(answer),
            Some(Err(_)) => {}
            None => break,
        }
    }
    instances
        .into_iter()
        .zip(answers)
        .map(|(instance, answer)| {
            let answer =
                answer.unwrap_or_else(|| Err(("down", "the probe task failed".to_owned())));
            let (health, error) = match answer {
                Ok(()) => ("up", None),
                Err((health, error)) => (health, Some(error)),
            };
            InstanceStatus {
                instance,
                health,
                error,
            }
        })
        .collect()
}

/// `GET /v1/info` of an instance: `Ok` when it answers, else its health and why.
async fn probe(
    client: Result<gofed_service::Client, ClientError>,
) -> Result<(), (&'static str, String)> {
    let client = client.map_err(|err| ("down", error_chain(&err)))?;
    match client.info().await {
        Ok(_) => Ok(()),
        Err(
            err @ ClientError::Service {
                status: 401 | 403, ..
            },
        ) => Err(("unauthorized", error_chain(&err))),
        Err(err) => Err(("down", error_chain(&err))),
    }
}

/// `text` as it may be shown on a terminal: characters that are not printable (escape sequences
/// that would clear the screen or move the cursor, bidirectional overrides) are written as Rust
/// escapes (`\u{1b}`), as Go's `%q` does; other characters, quotes and backslashes included, are
/// kept. Registry entries and error messages come from peers, so their text is untrusted.
pub fn escape_untrusted(text: &str) -> Cow<'_, str> {
    let needs_escape = |c: char| !matches!(c, '"' | '\'' | '\\') && c.escape_debug().len() > 1;
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if needs_escape(c) {
            escaped.extend(c.escape_debug());
        } else {
            escaped.push(c);
        }
    }
    Cow::Owned(escaped)
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

/// The text form: every string from the registry or an instance is escaped ([`escape_untrusted`]).
fn print_status(status: &SystemStatus<'_>) -> anyhow::Result<()> {
    let e = escape_untrusted;
    crate::output::write_stdout(|out| {
        let n_instances: usize = status.services.iter().map(|s| s.instances.len()).sum();
        writeln!(
            out,
            "registry {}: {} service(s), {} instance(s)",
            e(status.registry),
            status.services.len(),
            n_instances
        )?;
        for service in &status.services {
            writeln!(out, "{}", e(&service.name))?;
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
                    e(&instance.instance_id),
                    e(&instance.address),
                    status.health,
                    e(version),
                    instance.ttl.as_millis(),
                    e(&instance.actions.join(", "))
                )?;
                if let Some(error) = &status.error {
                    writeln!(out, "    {}", e(error))?;
                }
            }
        }
        Ok(())
    })?;
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
            crate::output::write_stdout(|out| {
                for action in &actions {
                    let input = schema_title(action.input_schema);
                    let output = schema_title(action.output_schema);
                    let e = escape_untrusted;
                    writeln!(
                        out,
                        "{} ({} {})",
                        e(action.name),
                        e(action.service),
                        e(action.service_version)
                    )?;
                    writeln!(out, "    {}", e(action.doc))?;
                    writeln!(out, "    input: {}  output: {}", e(&input), e(&output))?;
                }
                Ok(())
            })?;
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
