//! The gofed command line: thin wiring of the `gofed-go` library to the terminal.

mod bench;
mod cli;
mod config_reference;
mod config_show;
mod debug;
mod get;
mod goproxy;
mod output;
mod packages;
mod proxyreader;
mod release;
mod scan;
mod scenario;
mod serve;
mod source;
mod spec;
mod store;
mod system;
mod tagversions;
mod template;
mod vanity;

use std::io::Write as _;
use std::process::ExitCode;

use clap::FromArgMatches as _;

/// mimalloc: the analyses allocate many small objects; measured a third faster than the
/// system allocator on `gofed api` over the standard library.
///
/// Built with its `no_thp` feature: mimalloc otherwise `madvise(MADV_HUGEPAGE)`s its 1 GiB
/// arena, and with the common THP setting (`enabled=madvise`, `defrag=madvise`) every page
/// fault in it may then compact memory synchronously to find a free 2 MiB page, and each
/// purge (`MADV_DONTNEED` of 64 KiB) splits one again. On a loaded 2-core machine that was
/// 0.05-0.33 s of system time on the Go 1.19 std (`gofed api`), 7.5 s on /usr/share/gocode,
/// and twice the resident memory; with 4 KiB pages it is a steady 0.08-0.14 s (4.8 s).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc 3's `purge_delay` option (`mi_option_purge_delay` in its `mimalloc.h`; the Rust
/// binding names only the options of mimalloc 2).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How long freed memory stays resident before mimalloc gives it back to the OS, in ms.
/// mimalloc 3 waits 1 s by default: on a whole distribution tree (`gofed api
/// /usr/share/gocode/src`), where parsed files are freed as fast as new ones are read, that
/// held 100-150 MB more at the peak than 250 ms does (720-840 MB against 645-670 MB, in the
/// same time). Much shorter delays purge and fault the same pages again and again: 0 ms was
/// another 1.2 s of system time for 40 MB less.
const PURGE_DELAY_MS: std::ffi::c_long = 250;

/// Sets mimalloc's options that differ from its defaults, unless the environment sets them
/// (`MIMALLOC_PURGE_DELAY`, read by mimalloc itself).
#[allow(unsafe_code)]
fn tune_allocator() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none() {
        // SAFETY: `mi_option_set` stores an integer in mimalloc's option table, and this runs
        // first in `main`, before any other thread exists that could read the option.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS) }
    }
}

fn main() -> ExitCode {
    tune_allocator();
    let parsed = cli::command().try_get_matches().and_then(|matches| {
        let mut cli = cli::Cli::from_arg_matches(&matches)?;
        cli.system.placement_from_env =
            matches.value_source("placement") == Some(clap::parser::ValueSource::EnvVariable);
        Ok(cli)
    });
    let cli = match parsed {
        Ok(cli) => cli,
        Err(err) => return ExitCode::from(output::clap_exit(&err)),
    };
    init_tracing(cli.verbose);
    // The command's request id, carried by every call it makes (X-Request-Id) and by its log lines.
    let _command =
        tracing::info_span!("command", request_id = %gofed_service::request_id::current())
            .entered();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            let status = output::report_error(&err, 2);
            if status == 2 {
                if let Some(hint) = hint(&err) {
                    let _ = writeln!(std::io::stderr().lock(), "gofed: hint: {hint}");
                }
            }
            ExitCode::from(status)
        }
    }
}

/// What to do about the most common mistakes, when `err` is one of them.
fn hint(err: &anyhow::Error) -> Option<String> {
    tls_hint(err).or_else(|| registry_hint(err))
}

/// What to configure when a TLS handshake failed for want of a certificate or an authority.
fn tls_hint(err: &anyhow::Error) -> Option<String> {
    let chain = format!("{err:#}");
    let etcd = chain.contains("etcds://");
    let (client, ca) = if etcd {
        (
            "[system.etcd] cert_file and key_file (GOFED_ETCD_CERT, GOFED_ETCD_KEY)",
            "[system.etcd] ca_file (GOFED_ETCD_CA_FILE)",
        )
    } else {
        (
            "[client] cert_file and key_file (GOFED_CLIENT_CERT, GOFED_CLIENT_KEY)",
            "[client] ca_file (GOFED_CA_FILE)",
        )
    };
    if chain.contains("BadCertificate") || chain.contains("CertificateRequired") {
        return Some(format!(
            "the server requires a client certificate it trusts: set {client}"
        ));
    }
    if chain.contains("UnknownIssuer") {
        return Some(format!(
            "the server's certificate is signed by an authority not trusted here: set {ca}"
        ));
    }
    None
}

fn registry_hint(err: &anyhow::Error) -> Option<String> {
    let unreachable = err.chain().find_map(|cause| {
        cause
            .downcast_ref::<gofed_registry::RegistryError>()
            .filter(|e| e.is_unreachable())
    })?;
    let url = match unreachable {
        gofed_registry::RegistryError::Transport { url, .. } => url.as_str(),
        _ => "",
    };
    // The registry's base URL, not the route that was asked.
    let url = url
        .find("://")
        .and_then(|scheme| Some(&url[..scheme + 3 + url[scheme + 3..].find('/')?]))
        .unwrap_or(url);
    Some(format!(
        "no registry answers at {url}: start `gofed registry` or pass `--registry`"
    ))
}

fn run(cli: cli::Cli) -> anyhow::Result<ExitCode> {
    cli.check_placement_applies().map_err(anyhow::Error::msg)?;
    match cli.command {
        cli::Command::Packages(args) => packages::packages(&args),
        cli::Command::Deps(args) => scenario::deps(&cli.system, &args),
        cli::Command::Depsdiff(args) => scenario::depsdiff(&cli.system, &args),
        cli::Command::License(args) => scenario::license(&cli.system, &args),
        cli::Command::Goland(command) => scenario::goland(&cli.system, &command),
        cli::Command::Spec(command) => spec::run(&cli.system, &command),
        cli::Command::Gotest(args) => spec::gotest(&cli.system, &args),
        cli::Command::Rpmlint(args) => spec::rpmlint(&cli.system, &args),
        cli::Command::Graph(args) => scenario::graph(&cli.system, &args),
        cli::Command::Api(args) => scenario::api(&cli.system, &args),
        cli::Command::Apidiff(args) => scenario::apidiff(&cli.system, &args),
        cli::Command::Release(args) => release::release(&cli.system, &args),
        cli::Command::Impact(args) => scenario::impact(&cli.system, &args),
        cli::Command::Scm(cli::ScmCommand::Log(args)) => scenario::scm_log(&cli.system, &args),
        cli::Command::Scm(cli::ScmCommand::Store(args)) => scenario::scm_store(&cli.system, &args),
        cli::Command::Get(cmd) => get::run(&cli.system, &cmd),
        cli::Command::Store(cmd) => store::run(&cli.system, &cmd),
        cli::Command::Scan(args) => scan::scan(&cli.system, &args),
        cli::Command::Registry(args) => system::registry(&cli.system, &args),
        cli::Command::Serve(args) => serve::serve(&cli.system, &args),
        cli::Command::Console(args) => serve::console(&cli.system, args),
        cli::Command::System(cli::SystemCommand::Status(args)) => {
            system::status(&cli.system, &args)
        }
        cli::Command::System(cli::SystemCommand::Catalogue(args)) => {
            system::catalogue(&cli.system, &args)
        }
        cli::Command::System(cli::SystemCommand::Deregister(args)) => {
            system::deregister(&cli.system, &args)
        }
        cli::Command::Config(cli::ConfigCommand::Reference(args)) => {
            config_reference::reference(&args)
        }
        cli::Command::Config(cli::ConfigCommand::Show(args)) => {
            config_show::show(&cli.system, &args)
        }
        cli::Command::Debug(cmd) => debug::run(&cli.system, cmd),
    }
}

fn init_tracing(verbose: u8) {
    // Entries an artifact reader leaves out are printed once, as `warning: ...` lines with the analysis's
    // diagnostics (the same wherever it ran): the reader's own log of them shows from -v on.
    let default = match verbose {
        0 => "warn,gofed_artifact=error",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("GOFED_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    // GOFED_LOG_FORMAT=json: one JSON object a line (with the request span's id), for log collectors.
    let json = std::env::var("GOFED_LOG_FORMAT").is_ok_and(|f| f == "json");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .init();
    } else {
        builder
            .with_ansi(output::colour_on(&std::io::stderr()))
            .init();
    }
}
