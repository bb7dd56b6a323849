//! `gofed serve SERVICE...`: run services in one envelope, registered with the registry, until SIGINT or SIGTERM;
//! `gofed serve --info SERVICE...`: describe them.
//!
//! On a signal the instance first deregisters (clients stop choosing it), then stops accepting connections, lets
//! the calls in flight finish (at most `shutdown_timeout_ms`: then their work is cancelled and the process exits
//! without waiting for it), and exits 0.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use gofed_registry::tls::Incoming;
use gofed_registry::{Instance, Registrar, RegistrationStatus};
use gofed_service::system::FILESTORAGE;
use gofed_service::{AppState, BlobStore, Config, FilesLocation, Placement, Service, System};
use gofed_services::{services, Format, ServiceContext};

use crate::cli::{ConsoleArgs, ServeArgs, SystemArgs};

/// What `gofed serve` runs: the services of [`gofed_services::SERVICE_NAMES`] and the web console.
pub fn servable() -> impl Iterator<Item = &'static str> {
    gofed_services::SERVICE_NAMES
        .into_iter()
        .chain([gofed_console::NAME])
}

/// The services named, for describing them (nothing is opened or served).
pub fn describe<S: AsRef<str>>(names: &[S], config: &Config) -> Vec<Service> {
    let blobs = Arc::new(BlobStore::at(config.server.blob_dir()));
    let mut described = services(names, &ServiceContext::default(), &blobs, "http://ADDRESS");
    if names.iter().any(|n| n.as_ref() == gofed_console::NAME) {
        let system = System::new(
            Vec::new(),
            config.system.clone(),
            config.client.clone(),
            None,
        );
        described.push(gofed_console::service(console_of(
            config,
            Arc::new(system),
            None,
            None,
            false,
        )));
    }
    described
}

/// The console's settings from the configuration: `system` calls the actions, `registry` lists the fleet
/// (`None`: one machine), `store` holds what it shows.
fn console_of(
    config: &Config,
    system: Arc<System>,
    registry: Option<Arc<dyn gofed_registry::Registry>>,
    store: Option<gofed_store::Store>,
    tls: bool,
) -> gofed_console::Console {
    let catalogue = describe(&gofed_services::SERVICE_NAMES, config);
    let actions = catalogue
        .iter()
        .flat_map(|service| {
            service.actions().map(|action| gofed_console::ActionEntry {
                service: service.name().to_owned(),
                service_version: service.version().to_owned(),
                name: action.name().to_owned(),
                doc: action.doc().to_owned(),
                input_schema: action.input_schema().clone(),
                output_schema: action.output_schema().clone(),
                scope: service.scope_of(action.name()),
            })
        })
        .collect();
    gofed_console::Console {
        registry,
        registry_url: config.system.registry.clone(),
        store,
        system,
        actions,
        // An unreadable tokens file stops `serve` before this, where the envelope reads it.
        credentials: config.server.credentials().unwrap_or_default(),
        client: config.client.clone(),
        tls,
        scan_kind: crate::scan::JOB_KIND.to_owned(),
        forget_after: Duration::from_secs(600),
    }
}

/// `gofed console`: `gofed serve console filestorage` for one machine: not registered, every analysis
/// in-process, the action form's uploads kept by its own `filestorage`.
pub fn console(system_args: &SystemArgs, args: ConsoleArgs) -> anyhow::Result<ExitCode> {
    let serve_args = ServeArgs {
        services: vec![gofed_console::NAME.to_owned(), FILESTORAGE.to_owned()],
        info: false,
        format: Format::Text,
        listen: args.listen,
        advertise: None,
        tls: args.tls,
        no_register: true,
        allow_paths: false,
        heartbeat_ms: None,
        ttl_ms: None,
    };
    serve(system_args, &serve_args)
}

pub fn serve(system_args: &SystemArgs, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let mut config = crate::scenario::config(system_args)?;
    if args.info {
        let services = describe(&args.services, &config);
        if args.format == Format::Json {
            let infos: Vec<_> = services.iter().map(Service::info).collect();
            crate::output::print_json(&infos)?;
            return Ok(ExitCode::SUCCESS);
        }
        crate::output::write_stdout(|out| {
            for service in &services {
                writeln!(
                    out,
                    "{} {}: {}",
                    service.name(),
                    service.version(),
                    service.description()
                )?;
                for action in service.actions() {
                    writeln!(out, "  {}: {}", action.name(), action.doc())?;
                }
            }
            Ok(())
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(listen) = args.listen {
        config.server.listen = listen;
    }
    if system_args.token.is_some() {
        config.server.token.clone_from(&system_args.token);
    }
    args.tls.apply_to(&mut config.server);
    config.server.check_exposure().map_err(anyhow::Error::msg)?;
    if let Some(ms) = args.heartbeat_ms {
        config.registration.interval = Duration::from_millis(ms);
    }
    if let Some(ms) = args.ttl_ms {
        config.registration.ttl = Duration::from_millis(ms);
    }
    let runtime = crate::system::runtime()?;
    let result = runtime.block_on(run(config, args));
    // `serve` has waited its grace period and cancelled the calls still running; blocking work that has not
    // noticed yet must not hold the process past its shutdown deadline (dropping a runtime waits for its blocking
    // threads without limit).
    runtime.shutdown_timeout(Duration::from_millis(100));
    result
}

/// The certificate, key and client authorities of `server` read (`None` without TLS), for `serve` and
/// `registry` alike: a certificate without its key, or the reverse, is an error.
pub(crate) fn server_tls(
    server: &gofed_service::config::ServerConfig,
) -> anyhow::Result<Option<gofed_service::tls::ServerTls>> {
    Ok(match (&server.tls_cert, &server.tls_key) {
        (Some(cert), Some(key)) => Some(gofed_service::tls::ServerTls::load_with_client_ca(
            cert,
            key,
            server.tls_client_ca.as_deref(),
        )?),
        (None, None) => None,
        (Some(_), None) => anyhow::bail!("tls_cert is set without tls_key"),
        (None, Some(_)) => anyhow::bail!("tls_key is set without tls_cert"),
    })
}

async fn run(config: Config, args: &ServeArgs) -> anyhow::Result<ExitCode> {
    let listen = config.server.listen;
    // The certificate is read before anything listens: a bad one stops here.
    let tls = server_tls(&config.server)?;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("serve: cannot listen on {listen}"))?;
    let address = listener.local_addr()?;
    let scheme = if tls.is_some() { "https" } else { "http" };
    let public_url = args
        .advertise
        .clone()
        .unwrap_or_else(|| format!("{scheme}://{address}"));
    let listener = match &tls {
        Some(tls) => {
            tls.reload_on_sighup();
            Incoming::tls(listener, tls)?
        }
        None => Incoming::plain(listener)?,
    };
    let registry = if args.no_register {
        None
    } else {
        Some(crate::scenario::connect_registry(
            &config.system,
            &config.client,
        )?)
    };
    // What the analysis services may call: bundles come only from the `filestorage` instances that configuration
    // (a fixed placement) or the registry knows; a bundle's origin just says which of them to try first. Without a
    // registry, an envelope that hosts `filestorage` knows itself.
    let mut storage_config = config.system.clone();
    if !matches!(
        storage_config.placement_of(FILESTORAGE),
        Placement::Fixed(_)
    ) {
        let hosts_storage = args.services.iter().any(|s| s == FILESTORAGE);
        let place = if registry.is_none() && hosts_storage {
            Placement::Fixed(vec![public_url.clone()])
        } else {
            Placement::Remote
        };
        storage_config
            .placement
            .insert(FILESTORAGE.to_owned(), place);
    }
    // The console uploads the form's files where the analyses fetch them.
    let console_system_config = storage_config.clone();
    let storage = System::new(
        Vec::new(),
        storage_config,
        config.client.clone(),
        registry.clone(),
    );
    let context = ServiceContext {
        system: Some(Arc::new(storage)),
        allow_paths: args.allow_paths,
        bundles: Arc::default(),
        client: config.client.clone(),
        memory_limit: config.server.analysis_memory_limit,
        artifact_limits: crate::scenario::artifact_limits(
            &config,
            &crate::cli::ArtifactArgs::default(),
        ),
        cache: if args.services.iter().any(|s| s == "api" || s == "deps") {
            crate::store::result_cache(&config.store).await
        } else {
            None
        },
        // The storage services read the store whether or not the analyses cache in it.
        store: if args
            .services
            .iter()
            .any(|s| s == "apistorage" || s == "depsstorage")
        {
            crate::store::open(&config.store)
                .await
                .context("the store of apistorage/depsstorage")?
        } else {
            None
        },
    };
    // The stores the services cannot work without, which readiness watches (a result cache is not one: an
    // analysis runs uncached when the cache's store is away).
    let mut needed_stores: Vec<gofed_store::Store> = context.store.iter().cloned().collect();
    let blobs = Arc::new(match config.server.files {
        FilesLocation::Dir => {
            let blob_dir = config.server.blob_dir();
            BlobStore::open(blob_dir.clone())
                .with_context(|| format!("blob directory {}", blob_dir.display()))?
        }
        FilesLocation::Store => {
            let store = crate::store::open(&config.store)
                .await
                .context("[server] files = \"store\"")?
                .context(
                    "[server] files = \"store\", but the store is off ([store] url / GOFED_STORE)",
                )?;
            needed_stores.push(store.clone());
            BlobStore::on_store(store)
        }
    });
    let mut services = services(&args.services, &context, &blobs, &public_url);
    let hosts_console = args.services.iter().any(|s| s == gofed_console::NAME);
    if hosts_console {
        // The console reads the store itself, and calls actions where they are placed: in this process (with
        // the store, for the storage services' reads) unless configured remote.
        let store = crate::store::open(&config.store)
            .await
            .context("the console's store")?;
        let local_context = ServiceContext {
            store: store.clone(),
            ..context.clone()
        };
        let local =
            gofed_services::services(&gofed_services::SERVICE_NAMES, &local_context, &blobs, "");
        let system = System::new(
            local,
            console_system_config,
            config.client.clone(),
            registry.clone(),
        );
        services.push(gofed_console::service(console_of(
            &config,
            Arc::new(system),
            registry.clone(),
            store,
            tls.is_some(),
        )));
    }
    let state = AppState::with_blobs(services.clone(), config.server.clone(), blobs)?;

    let mut registrars = Vec::new();
    if let Some(registry) = &registry {
        for service in &services {
            let instance = Instance::new(service.name(), state.instance(), &public_url)
                .with_version(service.version())
                .with_actions(service.actions().map(|a| a.name().to_owned()));
            let registrar = Registrar::start(Arc::clone(registry), instance, config.registration)
                .await
                .with_context(|| {
                    format!(
                        "registering `{}` with {}",
                        service.name(),
                        config.system.registry
                    )
                })?;
            registrars.push(registrar);
        }
    }
    watch_readiness(
        state.clone(),
        registrars.iter().map(Registrar::status).collect(),
        needed_stores,
        config.registration.interval,
    );
    // The bound address goes to stdout, so that scripts (and tests) that asked for port 0 learn the real one.
    crate::output::write_stdout(|out| {
        writeln!(
            out,
            "listening on {public_url} instance {}",
            state.instance()
        )?;
        if hosts_console {
            writeln!(out, "console: {public_url}/console/")?;
        }
        Ok(())
    })?;

    let shutdown = async move {
        gofed_service::shutdown_signal().await;
        for registrar in registrars {
            if let Err(err) = registrar.shutdown().await {
                tracing::warn!(
                    "deregistering failed (the registry prunes the instance after its TTL): {err}"
                );
            }
        }
    };
    gofed_service::serve_incoming(listener, state, shutdown)
        .await
        .context("serving failed")?;
    Ok(ExitCode::SUCCESS)
}

/// Keeps `/readyz` true to what the instance depends on, checked every `period` (the heartbeat interval): each
/// service registered (when it registers), and the stores its services read reachable. The reason it gives
/// names no address, for the probe reveals nothing else.
fn watch_readiness(
    state: AppState,
    registrations: Vec<RegistrationStatus>,
    stores: Vec<gofed_store::Store>,
    period: std::time::Duration,
) {
    if registrations.is_empty() && stores.is_empty() {
        return;
    }
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let mut reasons = Vec::new();
            if registrations.iter().any(|r| !r.is_registered()) {
                reasons.push("not registered");
            }
            for store in &stores {
                let answer = tokio::time::timeout(period, store.schema_version()).await;
                if !matches!(answer, Ok(Ok(_))) {
                    reasons.push("store unreachable");
                    break;
                }
            }
            state.set_not_ready((!reasons.is_empty()).then(|| reasons.join(", ")));
        }
    });
}
