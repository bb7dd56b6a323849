//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use gofed_services::{ApiFormat, ApidiffFormat, BuildContext, Format};

/// gofed: Go source analysis for packagers, auditors and release engineers.
#[derive(Debug, Parser)]
#[command(name = "gofed", version, about, propagate_version = true)]
pub struct Cli {
    /// More logging on stderr (-v info, -vv debug); `GOFED_LOG` overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(flatten)]
    pub system: SystemArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the packages of a source tree, like `go list -e ./...`.
    Packages(PackagesArgs),
    /// Show what each package imports and the project's external dependencies.
    Deps(DepsArgs),
    /// What changed in the dependencies between two versions of a tree (a report: exits 0).
    Depsdiff(DepsdiffArgs),
    /// The exported API of a tree's packages (cmd/api's format with --format goapi).
    Api(ApiArgs),
    /// API changes between two versions, with golang.org/x/exp/apidiff's rules; exits 1
    /// when a change is incompatible (a CI gate).
    Apidiff(ApidiffArgs),
    /// Check a module before tagging a release, as golang.org/x/exp/cmd/gorelease does: the API changes since
    /// the base version (resolved through GOPROXY, or given with --base-source), then the version to suggest,
    /// or whether --version is valid (module path and major version, v0 and pre-release rules, existing
    /// versions, requirements). Exits 1 when the module may not be released so.
    Release(ReleaseArgs),
    /// Which dependents a library's new version breaks, and where: the incompatible changes from OLD to NEW
    /// (apidiff's) matched against every use each DEPENDENT makes of OLD's exported objects, fields and
    /// methods, values used as its interfaces. Per dependent: `breaks` (with the uses: position, line,
    /// change), `unchecked` (it uses what changed in a way whose effect is not decided per use: a method
    /// added to an interface that a type of the same method name is used as, a constant's value, a changed
    /// result kept in a variable) or `safe`. Calls of functions and methods whose signature changed are
    /// checked against the new one and reported where they break.
    /// Exits 1 when a dependent breaks.
    Impact(ImpactArgs),
    /// The licenses of a tree: every license file (vendored and nested modules included) matched against the
    /// SPDX license list, SPDX headers of .go files, one SPDX expression for the whole; `license diff` between
    /// two versions, `license name` for a license's names.
    License(LicenseArgs),
    /// The import graph of one or more trees, between projects (modules, repositories) or packages: cycles
    /// with the imports that close them, roots, leaves, a build order; --missing adds the imports no given
    /// tree provides (what is still to package). Text, JSON or Graphviz dot.
    Graph(GraphArgs),
    /// Go import paths and Fedora's and Debian's package names, both ways (the `goland` service).
    #[command(subcommand)]
    Goland(GolandCommand),
    /// An RPM spec file read as rpm does at the source-RPM stage (Fedora 44, x86_64, Fedora's Go macros),
    /// without rpm: packages, versions, sources, BuildRequires, Requires, Provides. Exits 1 when rpm would
    /// refuse the spec (the answer is still printed).
    #[command(subcommand)]
    Spec(SpecCommand),
    /// Run a tree's Go tests (`go test -json`) with the Go toolchain of the `gotest` service's host, in a
    /// private temporary directory with a timeout: per package and per test, pass, fail, skip or timeout.
    /// Exits 1 when a test fails or the run times out.
    Gotest(GotestArgs),
    /// rpmlint on a spec file, an RPM or a source RPM, on the `rpm` service's host, its findings as text or JSON.
    /// Exits 1 when rpmlint reports an error.
    Rpmlint(RpmlintArgs),
    /// Git repositories read from their object database: history, a revision stored as an archive.
    #[command(subcommand)]
    Scm(ScmCommand),
    /// Inputs fetched by the storage services and kept in filestorage: upstream archives, RPMs from Koji, spec
    /// files, patches and trees from dist-git. Prints the file id (sha256), or writes the file with -o.
    #[command(subcommand)]
    Get(GetCommand),
    /// The store (`[store]` in the configuration, or GOFED_STORE; default: SQLite under the user's data
    /// directory): analysis results, projects and their revisions, packages.
    #[command(subcommand)]
    Store(StoreCommand),
    /// Analyse every tag (or every commit since a date) of git repositories, and RPMs, recording each in the
    /// store (`--store`); the job list lives in the store, so a scan resumes after an interruption and several
    /// workers on several machines (one PostgreSQL store) share it without doing a job twice.
    Scan(ScanArgs),
    /// Run the embedded service registry (where services register and clients find them)
    /// until SIGINT or SIGTERM.
    Registry(RegistryArgs),
    /// Run services (api, deps, filestorage, ..., console) in one process, registered with the registry,
    /// until SIGINT or SIGTERM.
    Serve(ServeArgs),
    /// The web console for this machine: the services in-process, the store, API changes and graphs in a
    /// browser. Prints its URL and serves until SIGINT or SIGTERM (it opens no browser itself).
    Console(ConsoleArgs),
    /// The running system: registry, services and their instances; the action catalogue.
    #[command(subcommand)]
    System(SystemCommand),
    /// The configuration in effect (`config show`).
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Developer tools: parser dumps and throughput measurements.
    #[command(subcommand, hide = true)]
    Debug(DebugCommand),
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Every setting in effect (the file of --config/GOFED_CONFIG, GOFED_* variables and the service options
    /// applied to the defaults) with where its value came from: default, file, environment or flag. Tokens and
    /// passwords are masked.
    Show(FormatArgs),
    /// The reference of every setting of `gofed.toml` (its type, default, GOFED_* variable and meaning), written
    /// from the configuration types; `--format json` prints the JSON Schema it is written from.
    Reference(FormatArgs),
}

/// Where the scenarios' actions run (defaults: `gofed.toml`'s `[system]`, else everything
/// in-process).
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Service options")]
pub struct SystemArgs {
    /// Configuration file (`[server]`, `[client]`, `[system]` tables); default: none.
    #[arg(long, global = true, env = "GOFED_CONFIG")]
    pub config: Option<PathBuf>,
    /// The registry: `http://HOST:PORT` (`gofed registry`) or `etcd://HOST:PORT[/PREFIX]`.
    #[arg(long, global = true, env = "GOFED_REGISTRY")]
    pub registry: Option<String>,
    /// Where a service (api, deps, filestorage) runs: `SERVICE=local`, `SERVICE=remote` (found
    /// through the registry) or `SERVICE=URL[,URL...]` (fixed instances); `*=WHERE` for every
    /// service. Repeatable.
    #[arg(long, global = true, env = "GOFED_PLACEMENT", value_delimiter = ' ')]
    pub placement: Vec<String>,
    /// Shorthand for `--placement '*=remote'`: every action runs on registered instances.
    #[arg(long, global = true)]
    pub remote: bool,
    /// Bearer token sent to remote services.
    #[arg(long, global = true, env = "GOFED_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Whether `placement` came from `GOFED_PLACEMENT` rather than the command line (set by `main`).
    #[arg(skip)]
    pub placement_from_env: bool,
}

/// The ids of [`SystemArgs`]' options.
const SERVICE_OPTIONS: [&str; 5] = ["config", "registry", "placement", "remote", "token"];

/// Whether the command at `path` (`api`, `system status`) uses the service option `id`; the others accept it,
/// as a global option, but do not show it.
fn uses_service_option(path: &str, id: &str) -> bool {
    match path {
        "api" | "apidiff" | "deps" | "depsdiff" | "scm log" | "scm store" | "debug bench-calls" => {
            true
        }
        path if path.starts_with("get ") => true,
        // `serve` places `filestorage` with --placement; --remote is refused there.
        "serve" => id != "remote",
        // The registry requires the token of the fleet when one is given.
        "registry" => matches!(id, "config" | "token"),
        "system status" | "system deregister" => matches!(id, "config" | "registry" | "token"),
        // It shows what each of them changes.
        "config show" => true,
        "system catalogue" | "store info" | "store list" | "store show" | "store gc" => {
            id == "config"
        }
        _ => false,
    }
}

/// The command line: [`Cli`], with the service options (global, so that `gofed --remote api .` works) in their
/// own help section and shown only in the help of the commands that use them.
pub fn command() -> clap::Command {
    use clap::CommandFactory as _;
    let command = Cli::command();
    let hidden: Vec<clap::Arg> = SERVICE_OPTIONS
        .iter()
        .filter_map(|id| command.get_arguments().find(|a| a.get_id() == *id))
        .map(|arg| arg.clone().hide(true))
        .collect();
    hide_unused_service_options(command, "", &hidden)
}

/// Gives each command that does not use a service option a hidden copy of it: clap propagates a global option
/// only to commands that do not define it already, and the copy, global too, parses the same way.
fn hide_unused_service_options(
    mut command: clap::Command,
    path: &str,
    hidden: &[clap::Arg],
) -> clap::Command {
    // A group (`system`, `debug`) shows the options of any of its commands.
    fn shows(command: &clap::Command, path: &str, id: &str) -> bool {
        uses_service_option(path, id)
            || command
                .get_subcommands()
                .any(|sub| shows(sub, &format!("{path} {}", sub.get_name()), id))
    }
    let names: Vec<String> = command
        .get_subcommands()
        .map(|sub| sub.get_name().to_owned())
        .collect();
    for name in names {
        let sub_path = if path.is_empty() {
            name.clone()
        } else {
            format!("{path} {name}")
        };
        command = command.mut_subcommand(&name, |mut sub| {
            for arg in hidden {
                if !shows(&sub, &sub_path, arg.get_id().as_str()) {
                    sub = sub.arg(arg.clone());
                }
            }
            hide_unused_service_options(sub, &sub_path, hidden)
        });
    }
    command
}

#[derive(Debug, Args)]
pub struct RegistryArgs {
    /// Address to listen on; port 0 picks a free port. The address actually bound is printed
    /// on stdout as `listening on http://ADDR`. Loopback unless told otherwise.
    #[arg(long, env = "GOFED_REGISTRY_LISTEN", default_value_t = gofed_registry::DEFAULT_ADDRESS)]
    pub listen: std::net::SocketAddr,
    #[command(flatten)]
    pub tls: TlsArgs,
}

#[derive(Debug, Subcommand)]
pub enum SystemCommand {
    /// The topology: registry, services, their instances, versions and health (each instance
    /// is asked for `GET /v1/info`; `--registry` and `--token` apply).
    Status(FormatArgs),
    /// Every action of every service with its doc and JSON Schemas (gofed-ng's system.json).
    Catalogue(FormatArgs),
    /// Remove an instance from the registry (one that is gone but still listed, or one to drain). An embedded
    /// registry with tokens needs the token that registered it, or an `admin` token.
    Deregister(DeregisterArgs),
}

#[derive(Debug, Args)]
pub struct DeregisterArgs {
    /// The service name, as `system status` lists it.
    pub name: String,
    /// The instance id, as `system status` lists it.
    pub instance_id: String,
}

#[derive(Debug, Args)]
pub struct FormatArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Services to run in this process (`console`: the web console, reading the registry and the store).
    #[arg(required = true, value_parser = clap::builder::PossibleValuesParser::new(crate::serve::servable()))]
    pub services: Vec<String>,
    /// Print each service's name, version, description and actions, and exit.
    #[arg(long)]
    pub info: bool,
    /// Output format of --info (json: as `GET /v1/info` lists services, with schemas).
    #[arg(long, value_enum, default_value_t, requires = "info")]
    pub format: Format,
    /// Address to listen on (default: `[server] listen`, else 127.0.0.1:0, a free loopback
    /// port). The bound address is printed on stdout as `listening on http://ADDR`.
    #[arg(long, env = "GOFED_LISTEN")]
    pub listen: Option<std::net::SocketAddr>,
    /// Base URL registered for clients (default: `http://` + the bound address, `https://` with TLS).
    #[arg(long)]
    pub advertise: Option<String>,
    #[command(flatten)]
    pub tls: TlsArgs,
    /// Do not register with the registry (clients must use a fixed placement).
    #[arg(long)]
    pub no_register: bool,
    /// Accept sources given as paths of this machine (only when clients share its file
    /// system); otherwise trees must be uploaded as bundles.
    #[arg(long)]
    pub allow_paths: bool,
    /// Interval between two heartbeats to the registry, in milliseconds (default:
    /// `[registration] heartbeat_ms`, `GOFED_HEARTBEAT_MS`, else 2000).
    #[arg(long)]
    pub heartbeat_ms: Option<u64>,
    /// Time to live of the registration without heartbeats, in milliseconds (default:
    /// `[registration] ttl_ms`, `GOFED_TTL_MS`, else 6000).
    #[arg(long)]
    pub ttl_ms: Option<u64>,
}

#[derive(Debug, Args)]
pub struct ConsoleArgs {
    /// Address to listen on (default: `[server] listen`, else 127.0.0.1:0, a free loopback port).
    #[arg(long, env = "GOFED_LISTEN")]
    pub listen: Option<std::net::SocketAddr>,
    #[command(flatten)]
    pub tls: TlsArgs,
}

/// How a server (`serve`, `registry`) is exposed.
#[derive(Debug, Clone, Default, Args)]
pub struct TlsArgs {
    /// Serve HTTPS with this certificate chain (PEM; default `[server] tls_cert`, GOFED_TLS_CERT); reloaded,
    /// with the key, on SIGHUP.
    #[arg(long, value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM; default `[server] tls_key`, GOFED_TLS_KEY).
    #[arg(long, value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
    /// Mutual TLS: accept only clients presenting a certificate signed by these authorities (PEM bundle;
    /// default `[server] tls_client_ca`, GOFED_TLS_CLIENT_CA). Clients present theirs from `[client]
    /// cert_file`/`key_file` (GOFED_CLIENT_CERT, GOFED_CLIENT_KEY).
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_client_ca: Option<PathBuf>,
    /// Listen on a non-loopback address without TLS or without a token (refused otherwise: anyone who can
    /// reach the port could call every action, or read the token in clear).
    #[arg(long)]
    pub insecure: bool,
}

impl TlsArgs {
    /// Sets what the flags say over the configuration's `[server]`.
    pub fn apply_to(&self, server: &mut gofed_service::config::ServerConfig) {
        for (flag, setting) in [
            (&self.tls_cert, &mut server.tls_cert),
            (&self.tls_key, &mut server.tls_key),
            (&self.tls_client_ca, &mut server.tls_client_ca),
        ] {
            if flag.is_some() {
                setting.clone_from(flag);
            }
        }
        server.insecure |= self.insecure;
    }
}

#[derive(Debug, Args)]
pub struct ApiArgs {
    /// What to analyse: a directory (a GOROOT's src for the standard library); an archive (tar, gzip/xz/bzip2/zstd tar, zip, Go module zip), RPM or
    /// source RPM, recognised by content; a URL (`https://...`) of one, downloaded into the cache; the
    /// shorthand `github.com/OWNER/REPO@REF` (gitlab.com, bitbucket.org); `PATH@REV` for a git repository.
    #[arg(value_name = "SOURCE")]
    pub source: String,
    /// The revision of a git repository SOURCE (tag, branch, commit).
    #[arg(long)]
    pub rev: Option<String>,
    #[command(flatten)]
    pub context: ContextArgs,
    /// A Go distribution whose standard library resolves imports (default: $GOROOT).
    #[arg(long)]
    pub goroot: Option<PathBuf>,
    /// Several build contexts, cmd/api style: `linux-amd64-cgo,windows-386,...`, or
    /// `default` for cmd/api's default list. Features not in every context are written
    /// `pkg P (CONTEXT), ...`. With --all-platforms: every platform Go knows.
    #[arg(long, conflicts_with_all = ["goos", "goarch"])]
    pub contexts: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: ApiFormat,
    /// Go on when packages have errors, as `go list -e`: print the errors (stderr) and the result; without it,
    /// the errors alone and exit status 2.
    #[arg(short = 'e')]
    pub allow_errors: bool,
    /// Record the result in the store under what was read: a git revision's project (its go.mod module path)
    /// and revision (commit, tag, time), or an RPM's or SRPM's package (name, version, release, distribution).
    #[arg(long)]
    pub store: bool,
    /// Analyse again even when the store holds this result (the new result replaces it).
    #[arg(long)]
    pub no_cache: bool,
    // Last: its help heading applies to the options after it.
    #[command(flatten)]
    pub artifact: ArtifactArgs,
}

#[derive(Debug, Args)]
pub struct ApidiffArgs {
    /// The old version: a SOURCE (a directory, archive, RPM, URL, `github.com/OWNER/REPO@REF`, `PATH@REV`;
    /// see `gofed api --help`).
    #[arg(value_name = "OLD")]
    pub old: String,
    /// The new version: a SOURCE.
    #[arg(value_name = "NEW")]
    pub new: String,
    #[command(flatten)]
    pub context: ContextArgs,
    /// Only this package (import path or path relative to the root).
    #[arg(long)]
    pub package: Option<String>,
    /// The old version's number, to suggest the next one (e.g. v1.4.2).
    #[arg(long)]
    pub base_version: Option<String>,
    /// A Go distribution whose standard library resolves imports (default: $GOROOT, else
    /// gofed's embedded summary).
    #[arg(long)]
    pub goroot: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: ApidiffFormat,
    /// Go on when packages have errors, as `go list -e`: print the errors (stderr) and the result; without it,
    /// the errors alone and exit status 2.
    #[arg(short = 'e')]
    pub allow_errors: bool,
    /// Analyse again even when the store holds this result (the new result replaces it).
    #[arg(long)]
    pub no_cache: bool,
    // Last: its help heading applies to the options after it.
    #[command(flatten)]
    pub artifact: ArtifactArgs,
}

#[derive(Debug, Args)]
pub struct ReleaseArgs {
    /// The module to release: its root directory (with go.mod), or another SOURCE together with
    /// --base-source.
    #[arg(value_name = "SOURCE", default_value = ".")]
    pub source: String,
    /// The version to compare with, as gorelease takes it: a version (`v1.2.3`), a query (`latest`, a
    /// branch), `MODULE@VERSION` for another module path, or `none` for a first release. Default: the latest
    /// release below --version.
    #[arg(long)]
    pub base: Option<String>,
    /// The base version's tree as a SOURCE (a directory, archive, module zip, RPM, `PATH@REV`, ...) instead of
    /// downloading it; --base then names its version.
    #[arg(long, value_name = "SOURCE")]
    pub base_source: Option<String>,
    /// The proposed release version; without it, one is suggested.
    #[arg(long)]
    pub version: Option<String>,
    /// Take the module's versions from the tags of the git repository SOURCE is in (`v1.2.3`, `sub/v1.2.3` for
    /// a module in directory `sub`), not from the module proxy: the inferred base, --base VERSION or `latest`,
    /// and the versions that already exist. Dependencies are still read through the proxy.
    #[arg(long, conflicts_with = "base_source")]
    pub git_tags: bool,
    #[command(flatten)]
    pub context: ContextArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: gofed_services::release::ReleaseFormat,
    /// Analyse again even when the store holds this result.
    #[arg(long)]
    pub no_cache: bool,
    #[command(flatten)]
    pub artifact: ArtifactArgs,
}

/// Bounds on reading an archive or RPM SOURCE (defaults: `[artifact]` in the configuration, `GOFED_MAX_*`, else
/// limits a packager never reaches). Sizes take a K, M or G suffix (binary).
#[derive(Clone, Debug, Default, Args)]
#[command(next_help_heading = "Source options")]
pub struct ArtifactArgs {
    /// Most bytes of file content an archive or RPM may unpack to [default: 4G].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_unpacked_size: Option<u64>,
    /// Largest single file of an archive or RPM [default: 256M].
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_file_size: Option<u64>,
    /// Most entries of an archive or RPM [default: 200000].
    #[arg(long, value_name = "N")]
    pub max_entries: Option<u64>,
    /// Largest ratio of unpacked to compressed bytes (checked past 16M unpacked) [default: 100].
    #[arg(long, value_name = "N")]
    pub max_ratio: Option<u64>,
    /// Download a URL or forge SOURCE again even when the cache holds it (a branch's archive changes).
    #[arg(long)]
    pub refresh: bool,
}

/// `1048576`, `512K`, `64M`, `4G` (binary multiples).
fn parse_size(s: &str) -> Result<u64, String> {
    let (digits, shift) = match s.char_indices().last() {
        Some((i, 'K' | 'k')) => (&s[..i], 10),
        Some((i, 'M' | 'm')) => (&s[..i], 20),
        Some((i, 'G' | 'g')) => (&s[..i], 30),
        _ => (s, 0),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("expected a size like 1048576, 512K, 64M or 4G, found {s:?}"))?;
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("size {s:?} is too large"))
}

/// Which build configuration to analyse. `GOOS`, `GOARCH` and `CGO_ENABLED` in the environment apply when the
/// flag is not given, as for the go command: an empty value means the default, and a flag beats the environment
/// (so an exported `GOOS` does not conflict with --all-platforms or --contexts).
#[derive(Clone, Debug, Args)]
pub struct ContextArgs {
    /// Target operating system [default: $GOOS, else linux].
    #[arg(long)]
    pub goos: Option<String>,
    /// Target architecture [default: $GOARCH, else amd64].
    #[arg(long)]
    pub goarch: Option<String>,
    /// Whether cgo is enabled [default: $CGO_ENABLED when 0 or 1, else true].
    #[arg(long, value_parser = parse_cgo, action = clap::ArgAction::Set)]
    pub cgo: Option<bool>,
    /// Extra build tags, comma-separated (`a,b`) or, as go also accepts, space-separated (`"a b"`); the last
    /// --tags counts.
    #[arg(long, value_parser = parse_tags)]
    pub tags: Vec<BuildTags>,
    /// The union of every platform Go knows (what a distribution needs for BuildRequires):
    /// a file counts if any platform includes it.
    #[arg(long, conflicts_with_all = ["goos", "goarch"])]
    pub all_platforms: bool,
    /// Go version whose rules apply (e.g. 1.19); default: the GOROOT's VERSION when the
    /// tree is a Go distribution, else the newest known.
    #[arg(long = "go", value_parser = parse_go_version)]
    pub go_minor: Option<u32>,
    /// Import path of the tree's root (default: from go.mod, a GOPATH layout, or a GOROOT).
    #[arg(long)]
    pub import_path: Option<String>,
}

/// The build tags of one --tags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildTags(pub Vec<String>);

/// A variable of the environment, unless unset or empty (the go command's "empty means default").
fn from_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

impl ContextArgs {
    /// The build context of an analysis request: flags, else the environment, else the defaults.
    pub fn build_context(&self) -> BuildContext {
        let defaults = BuildContext::default();
        // Only `0` and `1` count, as cmd/go reads CGO_ENABLED.
        let cgo_env = match from_env("CGO_ENABLED").as_deref() {
            Some("0") => Some(false),
            Some("1") => Some(true),
            _ => None,
        };
        BuildContext {
            goos: self
                .goos
                .clone()
                .or_else(|| from_env("GOOS"))
                .unwrap_or(defaults.goos),
            goarch: self
                .goarch
                .clone()
                .or_else(|| from_env("GOARCH"))
                .unwrap_or(defaults.goarch),
            cgo: self.cgo.or(cgo_env).unwrap_or(defaults.cgo),
            tags: self.tags.last().map(|t| t.0.clone()).unwrap_or_default(),
            all_platforms: self.all_platforms,
            go_minor: self.go_minor,
            import_path: self.import_path.clone(),
        }
    }
}

fn parse_cgo(s: &str) -> Result<bool, String> {
    match s {
        "1" | "true" | "on" | "yes" => Ok(true),
        "0" | "false" | "off" | "no" => Ok(false),
        _ => Err(format!("expected true/false or 1/0, found {s:?}")),
    }
}

/// cmd/go's -tags: with a space or a quote, a list of fields (quoted fields allowed, as before Go 1.13), else
/// comma-separated; empty elements are dropped.
fn parse_tags(s: &str) -> Result<BuildTags, String> {
    if !s.contains([' ', '\'']) {
        return Ok(BuildTags(
            s.split(',')
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
        ));
    }
    let mut tags = Vec::new();
    let mut rest = s;
    loop {
        rest = rest.trim_start_matches([' ', '\t', '\n', '\r']);
        let Some(first) = rest.chars().next() else {
            break;
        };
        if first == '"' || first == '\'' {
            let Some(end) = rest[1..].find(first) else {
                return Err(format!("unterminated {first} string"));
            };
            tags.push(rest[1..=end].to_owned());
            rest = &rest[end + 2..];
        } else {
            let end = rest.find([' ', '\t', '\n', '\r']).unwrap_or(rest.len());
            tags.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
    }
    Ok(BuildTags(tags))
}

/// A Go version gofed has data for (`1.21`, `go1.21`, `1.21.3`).
fn parse_go_version(s: &str) -> Result<u32, String> {
    let rest = s.strip_prefix("go").unwrap_or(s);
    let minor = rest
        .strip_prefix("1.")
        .ok_or_else(|| format!("expected a Go version like 1.21, found {s:?}"))?;
    let minor = minor.split('.').next().unwrap_or(minor);
    let minor = minor
        .parse()
        .map_err(|_| format!("expected a Go version like 1.21, found {s:?}"))?;
    gofed_services::request::go_release(minor).map_err(|err| err.to_string())?;
    Ok(minor)
}

#[derive(Debug, Args)]
pub struct PackagesArgs {
    /// The SOURCE (a directory, default `.`; an archive, RPM, URL, `github.com/OWNER/REPO@REF`, `PATH@REV`:
    /// see `gofed api --help`), then package patterns read in it as `go list` reads them (default `./...`):
    /// `./...`, `./sub/...`, `./sub`, `example.com/x/...`, `std`. The first argument is a pattern, not the
    /// SOURCE, when it is written as one (`./x`, `../x`, `...`) or is neither an existing path, a URL nor
    /// written with `@`.
    #[arg(value_name = "SOURCE|PATTERN")]
    pub args: Vec<String>,
    /// The revision of a git repository SOURCE (tag, branch, commit).
    #[arg(long)]
    pub rev: Option<String>,
    #[command(flatten)]
    pub context: ContextArgs,
    /// Output format: text (import paths) or json (`go list -json`'s stream of objects).
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Print each package with a Go text/template, as `go list -f` (the fields of --format
    /// json; `join`, `range`, `if`, `printf`, ...).
    #[arg(
        short = 'f',
        long = "template",
        value_name = "TEMPLATE",
        conflicts_with = "format"
    )]
    pub template: Option<String>,
    // Last: its help heading applies to the options after it.
    #[command(flatten)]
    pub artifact: ArtifactArgs,
}

#[derive(Debug, Args)]
pub struct DepsArgs {
    /// What to analyse: a directory; an archive (tar, gzip/xz/bzip2/zstd tar, zip, Go module zip), RPM or
    /// source RPM, recognised by content; a URL (`https://...`) of one, downloaded into the cache; the
    /// shorthand `github.com/OWNER/REPO@REF` (gitlab.com, bitbucket.org); `PATH@REV` for a git repository.
    #[arg(value_name = "SOURCE")]
    pub source: String,
    /// The revision of a git repository SOURCE (tag, branch, commit).
    #[arg(long)]
    pub rev: Option<String>,
    #[command(flatten)]
    pub context: ContextArgs,
    /// Include test imports.
    #[arg(long)]
    pub tests: bool,
    /// Include standard library imports.
    #[arg(long)]
    pub std: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Go on when packages have errors, as `go list -e`: print the errors (stderr) and the result; without it,
    /// the errors alone and exit status 2.
    #[arg(short = 'e')]
    pub allow_errors: bool,
    /// Record the result in the store under what was read: a git revision's project (its go.mod module path)
    /// and revision (commit, tag, time), or an RPM's or SRPM's package (name, version, release, distribution).
    #[arg(long)]
    pub store: bool,
    /// Analyse again even when the store holds this result (the new result replaces it).
    #[arg(long)]
    pub no_cache: bool,
    // Last: its help heading applies to the options after it.
    #[command(flatten)]
    pub artifact: ArtifactArgs,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct LicenseArgs {
    #[command(subcommand)]
    pub command: Option<LicenseCommand>,
    #[command(flatten)]
    pub analysis: LicenseAnalysisArgs,
}

#[derive(Debug, Subcommand)]
pub enum LicenseCommand {
    /// License files added, removed and changed between two versions, and both SPDX expressions (a report:
    /// exits 0).
    Diff(LicenseDiffArgs),
    /// A license's SPDX identifier, full name, legacy Fedora name and Debian DEP-5 name, given any of them
    /// (`Expat`, `ASL 2.0`, `BSD-3-clause`); exits 1 when the name is not known.
    Name(LicenseNameArgs),
    /// Whether code under LICENSE (an SPDX expression) may be combined into a work under INTO (an SPDX id), and
    /// why; exits 0 for yes or conditional, 1 for no or unknown.
    Compatible(LicenseCompatibleArgs),
    /// One SPDX expression (what Fedora's License: tag should say) for a saved `gofed license --format json`
    /// document.
    Summarize(LicenseSummarizeArgs),
}

#[derive(Debug, Args)]
pub struct LicenseSummarizeArgs {
    /// The saved analysis (`-` for stdin).
    #[arg(value_name = "ANALYSIS.json")]
    pub analysis: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct ImpactArgs {
    /// The library's old version, the one the dependents build against: a SOURCE (see `gofed api --help`), or
    /// `PROJECT@REV`, a revision of a project the store recorded (`gofed scan`, `--store`), checked out from the
    /// project's repository.
    #[arg(value_name = "OLD")]
    pub old: String,
    /// The library's new version: a SOURCE, or a stored `PROJECT@REV`.
    #[arg(value_name = "NEW")]
    pub new: String,
    /// The dependents: SOURCEs whose packages import the library.
    #[arg(
        value_name = "DEPENDENT",
        required_unless_present = "dependents_from_store"
    )]
    pub dependents: Vec<String>,
    /// The dependents the store knows, added to those given, each where a recorded JSON dependency analysis
    /// (`gofed scan --action deps`, `gofed deps SOURCE --store --format json`) has a package that imports a package of OLD's
    /// project (OLD must be a stored `PROJECT@REV`): the newest such revision of every other stored project,
    /// checked out from its repository; and the newest version-release of every stored distribution package,
    /// as its source RPM fetched from Koji (`rpm_get_by_name`; `[client] koji_url`, `GOFED_KOJI_URL`).
    #[arg(long)]
    pub dependents_from_store: bool,
    #[command(flatten)]
    pub context: ContextArgs,
    /// A Go distribution whose standard library resolves imports (default: $GOROOT, else gofed's embedded
    /// summary).
    #[arg(long)]
    pub goroot: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Analyse again even when the store holds this result.
    #[arg(long)]
    pub no_cache: bool,
    #[command(flatten)]
    pub artifact: ArtifactArgs,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// The trees: SOURCEs (directories, archives, RPMs, URLs, `github.com/OWNER/REPO@REF`, `PATH@REV`; see
    /// `gofed deps --help`).
    #[arg(value_name = "SOURCE", required = true)]
    pub sources: Vec<String>,
    /// What the nodes are.
    #[arg(long, value_enum, default_value_t)]
    pub level: gofed_services::graph::GraphLevel,
    /// Test imports make edges too.
    #[arg(long)]
    pub tests: bool,
    /// Imports no given tree provides become nodes (dashed in dot) with their edges.
    #[arg(long)]
    pub missing: bool,
    #[command(flatten)]
    pub context: ContextArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: gofed_services::graph::GraphFormat,
    /// Analyse again even when the store holds this result.
    #[arg(long)]
    pub no_cache: bool,
    #[command(flatten)]
    pub artifact: ArtifactArgs,
}

#[derive(Debug, Subcommand)]
pub enum GolandCommand {
    /// The package each import path is in (Fedora: %gometa's name, as go-rpm-macros computes it; Debian:
    /// dh-make-golang's).
    #[command(name = "upstream2package")]
    Upstream2package(GolandUpstreamArgs),
    /// The import paths (repository roots) each package holds: from an index of the distribution's import
    /// paths (--index), else every root the name can stand for.
    #[command(name = "package2upstream")]
    Package2upstream(GolandPackageArgs),
    /// The packages of an index of import paths, each with the roots it holds.
    Listing(GolandListingArgs),
}

/// How names are made.
#[derive(Debug, Args)]
pub struct GolandNamingArgs {
    /// The distribution whose names are meant.
    #[arg(long, value_enum, default_value_t)]
    pub distro: gofed_services::goland::DistroName,
    /// Fedora: `%gometa -L`'s names of versioned packages (`golang-gopkg-yaml3`), as go2rpm writes new specs.
    #[arg(long)]
    pub new_versioning: bool,
    /// A name chosen by hand, IMPORT_PATH=PACKAGE (repeatable; added to `[goland] overrides`).
    #[arg(long = "override", value_name = "IMPORT_PATH=PACKAGE", value_parser = parse_override)]
    pub overrides: Vec<(String, String)>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

fn parse_override(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((path, name)) if !path.trim().is_empty() && !name.trim().is_empty() => {
            Ok((path.trim().to_owned(), name.trim().to_owned()))
        }
        _ => Err(format!("{text:?}: expected IMPORT_PATH=PACKAGE")),
    }
}

#[derive(Debug, Args)]
pub struct GolandUpstreamArgs {
    /// Go import paths.
    #[arg(value_name = "IMPORT_PATH", required = true)]
    pub import_paths: Vec<String>,
    /// Do not fetch the `go-import` meta tags of import paths whose host has no known rules (they are then
    /// named whole); `[goland] vanity = false` says the same.
    #[arg(long)]
    pub no_vanity: bool,
    #[command(flatten)]
    pub naming: GolandNamingArgs,
}

#[derive(Debug, Args)]
pub struct GolandPackageArgs {
    /// Package names (`-devel` / `-dev` accepted).
    #[arg(value_name = "PACKAGE", required = true)]
    pub packages: Vec<String>,
    /// The distribution's import paths: a file with one per line, or `golang(PATH)` provides as
    /// `dnf repoquery --provides` prints them (`-` for stdin), or an `http(s)://` URL of such a list; default
    /// `[goland] index`.
    #[arg(long, value_name = "FILE|URL")]
    pub index: Option<String>,
    #[command(flatten)]
    pub naming: GolandNamingArgs,
}

#[derive(Debug, Args)]
pub struct GolandListingArgs {
    /// The distribution's import paths (as for package2upstream: a file, `-` for stdin, or a URL); default
    /// `[goland] index`.
    #[arg(long, value_name = "FILE|URL")]
    pub index: Option<String>,
    #[command(flatten)]
    pub naming: GolandNamingArgs,
}

#[derive(Debug, Args)]
pub struct LicenseCompatibleArgs {
    /// The code's license: an SPDX expression (`MIT`, `Apache-2.0 OR GPL-2.0-or-later`).
    #[arg(value_name = "LICENSE")]
    pub license: String,
    /// The work's license: an SPDX identifier.
    #[arg(value_name = "INTO")]
    pub into: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct LicenseAnalysisArgs {
    /// What to analyse: a directory, archive, RPM or source RPM, URL, `github.com/OWNER/REPO@REF`, or
    /// `PATH@REV` (see `gofed deps --help`).
    #[arg(value_name = "SOURCE", required = true)]
    pub source: Option<String>,
    /// The revision of a git repository SOURCE (tag, branch, commit).
    #[arg(long)]
    pub rev: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Analyse again even when the store holds this result (the new result replaces it).
    #[arg(long)]
    pub no_cache: bool,
    /// Record the result in the store under what was read: a git revision's project (its go.mod module path)
    /// and revision (commit, tag, time), or an RPM's or SRPM's package (name, version, release, distribution).
    #[arg(long)]
    pub store: bool,
    // Last: its help heading applies to the options after it.
    #[command(flatten)]
    pub artifact: ArtifactArgs,
}

#[derive(Debug, Args)]
pub struct LicenseDiffArgs {
    /// The old version: a SOURCE.
    #[arg(value_name = "OLD")]
    pub old: String,
    /// The new version: a SOURCE.
    #[arg(value_name = "NEW")]
    pub new: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Compare again even when the store holds this result.
    #[arg(long)]
    pub no_cache: bool,
    #[command(flatten)]
    pub artifact: ArtifactArgs,
}

#[derive(Debug, Args)]
pub struct LicenseNameArgs {
    /// An SPDX identifier, a Debian short name or a legacy Fedora name.
    #[arg(value_name = "NAME")]
    pub name: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct DepsdiffArgs {
    /// The old version: a SOURCE (a directory, archive, RPM, URL, `github.com/OWNER/REPO@REF`, `PATH@REV`;
    /// see `gofed deps --help`).
    #[arg(value_name = "OLD")]
    pub old: String,
    /// The new version: a SOURCE.
    #[arg(value_name = "NEW")]
    pub new: String,
    // The build configuration applies to both versions.
    #[command(flatten)]
    pub context: ContextArgs,
    /// Include test imports.
    #[arg(long)]
    pub tests: bool,
    /// Include standard library imports.
    #[arg(long)]
    pub std: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    /// Analyse again even when the store holds this result (the new result replaces it).
    #[arg(long)]
    pub no_cache: bool,
    // Last: its help heading applies to the options after it.
    #[command(flatten)]
    pub artifact: ArtifactArgs,
}

#[derive(Debug, Subcommand)]
pub enum ScmCommand {
    /// The commits reachable from a branch, tag or commit, newest first as `git log` lists them, one per line:
    /// `HASH AUTHOR <EMAIL> DATE SUBJECT` (`git log --format='%H %an <%ae> %aI %s'`: author and author date).
    Log(ScmLogArgs),
    /// Store the repository at a revision in filestorage as a deterministic tar of its files; prints the file
    /// id (sha256).
    Store(ScmStoreArgs),
}

#[derive(Debug, Subcommand)]
pub enum GetCommand {
    /// An upstream project's archive at a commit or tag, from its forge (`tarball_get`).
    Tarball {
        /// The project: https://github.com/OWNER/REPO (also gitlab.com, bitbucket.org).
        upstream_url: String,
        /// The commit, tag or branch.
        commit: String,
        #[command(flatten)]
        output: GetOutput,
    },
    /// An RPM or source RPM from Koji by its file name, NAME-VERSION-RELEASE.ARCH.rpm (`rpm_get_by_name`;
    /// `[client] koji_url`).
    Rpm {
        /// The file name: etcd-3.5.16-1.fc41.x86_64.rpm, etcd-3.5.16-1.fc41.src.rpm.
        file_name: String,
        #[command(flatten)]
        output: GetOutput,
    },
    /// A package's spec file from dist-git (`spec_get`; `[client] distgit_url`).
    Spec {
        #[command(flatten)]
        at: DistGitArgs,
        #[command(flatten)]
        output: GetOutput,
    },
    /// The downstream patches (top-level *.patch files) of a package in dist-git, one per line
    /// (`spec_patch_listing`).
    Patches {
        #[command(flatten)]
        at: DistGitArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// One downstream patch of a package from dist-git (`spec_patch_get`).
    Patch {
        #[command(flatten)]
        at: DistGitArgs,
        /// The patch's file name.
        patch: String,
        #[command(flatten)]
        output: GetOutput,
    },
    /// A package's whole dist-git tree as a deterministic tar (`package_get`, `package_get_commit`).
    Package {
        #[command(flatten)]
        at: DistGitArgs,
        #[command(flatten)]
        output: GetOutput,
    },
}

/// A package in dist-git at a branch head or a commit.
#[derive(Debug, Args)]
pub struct DistGitArgs {
    /// The source package's name.
    pub package: String,
    /// The dist-git branch whose head is read [default: rawhide].
    #[arg(long, conflicts_with = "commit")]
    pub branch: Option<String>,
    /// The dist-git commit read instead of a branch head.
    #[arg(long)]
    pub commit: Option<String>,
}

/// Where a fetched file goes.
#[derive(Debug, Args)]
pub struct GetOutput {
    /// Write the file here (`-`: stdout) instead of printing its id.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output format of what is printed: the file id (text), or the action's whole result (json).
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Subcommand)]
pub enum StoreCommand {
    /// Where the store is, its schema version and how many records it holds.
    Info(FormatArgs),
    /// One page of projects, packages, or a project's revisions (`--after CURSOR` reads the next).
    List(StoreListArgs),
    /// The analysis recorded for a project revision (`PROJECT@REV`: a tag or commit id) or, with --distro, a
    /// package (`NAME-VERSION-RELEASE`), printed as the analysis printed it (its diagnostics on stderr, its exit
    /// status); `--format json`: the record (subject, key, result).
    Show(StoreShowArgs),
    /// Remove the stored results of other gofed builds (never answered again) that no project revision or
    /// package records; prints how many and their size.
    Gc(FormatArgs),
}

/// An analysis `gofed scan` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScanAction {
    /// The exported API (`gofed api --format json`).
    Api,
    /// The dependencies (`gofed deps --format json`).
    Deps,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Git repositories (a path, or an `http(s)://…/REPO.git` or `file://` URL: every tag is scanned) and RPM or
    /// SRPM files (a path or a URL).
    #[arg(value_name = "SOURCE")]
    pub sources: Vec<String>,
    /// A file naming more SOURCEs, one per line (blank lines and `#` comments skipped); `-` reads stdin.
    #[arg(long, value_name = "FILE")]
    pub list: Option<PathBuf>,
    /// The analyses to run on each revision (comma-separated or repeated).
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [ScanAction::Api])]
    pub action: Vec<ScanAction>,
    /// Scan every commit of a repository's HEAD committed since this date instead of its tags (`YYYY-MM-DD`,
    /// RFC 3339, `@SECONDS`).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Jobs this process runs at once (default: one per registered instance of the analysis when it runs
    /// remotely, else 1: an in-process analysis uses every core already).
    #[arg(short = 'j', long)]
    pub jobs: Option<usize>,
    /// This worker's name in the job table (default: HOSTNAME:PID; with --jobs N, NAME/1..NAME/N). A worker
    /// restarted under the same name takes back the jobs it had claimed when it stopped.
    #[arg(long)]
    pub worker: Option<String>,
    /// Put jobs claimed more than this many seconds ago back in the queue before working (their worker died
    /// and was not restarted under its name).
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    pub stale_after: u64,
    /// Only add the jobs; other workers do them.
    #[arg(long, conflicts_with = "work_only")]
    pub enqueue_only: bool,
    /// Only do queued jobs; add none.
    #[arg(long, conflicts_with_all = ["sources", "list", "since", "action"])]
    pub work_only: bool,
    #[command(flatten)]
    pub context: ContextArgs,
    /// Output format of the summary.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
    // Last: its help heading applies to the options after it.
    #[command(flatten)]
    pub artifact: ArtifactArgs,
}

/// What `gofed store list` lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StoreListing {
    /// Projects: import path and repository.
    Projects,
    /// A project's revisions (name the project after it).
    Revisions,
    /// Distribution packages.
    Packages,
}

#[derive(Debug, Args)]
pub struct StoreShowArgs {
    /// `PROJECT@REV`, or `NAME-VERSION-RELEASE` with --distro.
    pub subject: String,
    /// The distribution of a package (`fedora:42`): SUBJECT names a package.
    #[arg(long)]
    pub distro: Option<String>,
    /// Which analysis.
    #[arg(long, value_enum, default_value_t = ScanAction::Api)]
    pub action: ScanAction,
    /// Output format: the recorded document (text), or the record around it (json).
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct StoreListArgs {
    /// What to list.
    #[arg(value_enum)]
    pub what: StoreListing,
    /// The project whose revisions to list (its import path).
    pub project: Option<String>,
    /// Most items on the page (at most 1000).
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
    /// Start after this cursor (the `next` of the previous page).
    #[arg(long)]
    pub after: Option<String>,
    /// Only what has this analysis recorded (as the storage services' api_* and deps_* listings).
    #[arg(long, value_enum)]
    pub action: Option<ScanAction>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct ScmLogArgs {
    /// The git repository: a work tree or a bare repository.
    pub source: PathBuf,
    /// The branch, tag or commit whose history is listed [default: HEAD].
    #[arg(long)]
    pub branch: Option<String>,
    /// At most this many commits (`git log -n`).
    #[arg(long)]
    pub max_depth: Option<usize>,
    /// Only commits committed since this time (`git log --since`): `YYYY-MM-DD` (UTC),
    /// `YYYY-MM-DDTHH:MM:SS+HH:MM` or `@SECONDS`.
    #[arg(long, value_parser = parse_since)]
    pub since: Option<i64>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct ScmStoreArgs {
    /// The git repository: a work tree or a bare repository.
    pub source: PathBuf,
    /// The revision to store: tag, branch, commit [default: HEAD].
    #[arg(long)]
    pub rev: Option<String>,
}

fn parse_since(s: &str) -> Result<i64, String> {
    gofed_artifact::git::parse_date(s).ok_or_else(|| {
        format!("expected YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS(Z|+HH:MM) or @SECONDS, found {s:?}")
    })
}

#[derive(Debug, Subcommand)]
pub enum DebugCommand {
    /// Parse files and print declarations in the parser-oracle format.
    Parse {
        /// Files to parse.
        files: Vec<PathBuf>,
        /// Read more file paths from this file, one per line (`-` for stdin).
        #[arg(long)]
        files_from: Option<PathBuf>,
        /// Also print every node of every function body (go/ast's kind and position), as
        /// `goparsedump -nodes` does.
        #[arg(long)]
        nodes: bool,
    },
    /// Print the uses each package of a tree makes of other packages' exported objects, in
    /// scripts/oracle/gouses' format: qualified and dot-imported names, fields and methods of
    /// values, method expressions and struct literal keys.
    Uses {
        /// The `src` directory of a GOROOT or of a GOPATH; every package below it is listed.
        root: PathBuf,
        /// The Go whose standard library a GOPATH's packages import (default: the embedded
        /// summary).
        #[arg(long)]
        goroot: Option<PathBuf>,
    },
    /// Print Go-syntax stubs of a GOROOT's standard library API (the embedded summary).
    StdSummary {
        /// The Go distribution.
        #[arg(long)]
        goroot: PathBuf,
    },
    /// Print the cmd/api lines of the embedded standard library summary.
    StdSummaryApi,
    /// Measure the system's call paths (scripts/bench-system.sh): in-process overhead, or
    /// latency and throughput of remote calls placed by the global flags.
    BenchCalls {
        /// Nanoseconds per call of a trivial action: direct, Service::call_local, System::call.
        #[arg(long)]
        local_overhead: bool,
        /// upload_url (trivial) or api_analysis (of --tree).
        #[arg(long, default_value = "upload_url")]
        action: String,
        /// The tree api_analysis analyses (uploaded once).
        #[arg(long)]
        tree: Option<PathBuf>,
        /// Number of calls.
        #[arg(long, default_value_t = 2000)]
        requests: usize,
        /// Calls in flight at once.
        #[arg(long, default_value_t = 1)]
        concurrency: usize,
        /// Keep calling for this long instead of making --requests calls (a soak run).
        #[arg(long)]
        duration_ms: Option<u64>,
        /// Make every Nth call a hostile api_analysis request (bad file references, foreign origins, overlong
        /// mounts), counted apart: latencies are those of the normal calls.
        #[arg(long)]
        hostile_every: Option<usize>,
    },
    /// Measure single-thread parse throughput (bodies skipped, or parsed with --bodies) over every
    /// .go file of a tree.
    BenchParse {
        /// Root directory.
        root: PathBuf,
        /// Parse function bodies too (what go/parser does).
        #[arg(long)]
        bodies: bool,
        /// Number of timed runs (the median is reported).
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
}

/// The commands that call actions through the system, where `--remote` and `--placement` apply.
const PLACED_COMMANDS: &str = "api, apidiff, deps, depsdiff, get, scan, scm";

impl Cli {
    /// Refuses `--remote` (and `--placement` given on the command line) for a command that has no
    /// remote form, rather than run it in-process as if the flag had been honoured. A placement from
    /// `GOFED_PLACEMENT` is ignored there: an exported default must not break every other command.
    pub fn check_placement_applies(&self) -> Result<(), String> {
        let (command, placement_applies) = match &self.command {
            Command::Packages(_) => ("packages", false),
            Command::Registry(_) => ("registry", false),
            // `store` opens the configured store itself (a PostgreSQL one from anywhere).
            Command::Store(_) => ("store", false),
            Command::System(SystemCommand::Status(_)) => ("system status", false),
            Command::System(SystemCommand::Catalogue(_)) => ("system catalogue", false),
            Command::System(SystemCommand::Deregister(_)) => ("system deregister", false),
            Command::Config(_) => ("config show", false),
            // `serve` places `filestorage` (where its services fetch bundles) with --placement.
            Command::Serve(_) => ("serve", true),
            Command::Console(_) => ("console", false),
            Command::Deps(_)
            | Command::Depsdiff(_)
            | Command::License(_)
            | Command::Goland(_)
            | Command::Spec(_)
            | Command::Gotest(_)
            | Command::Rpmlint(_)
            | Command::Graph(_)
            | Command::Api(_)
            | Command::Apidiff(_)
            | Command::Release(_)
            | Command::Impact(_)
            | Command::Scan(_)
            | Command::Scm(_)
            | Command::Get(_)
            | Command::Debug(_) => return Ok(()),
        };
        let placement_given = !self.system.placement.is_empty() && !self.system.placement_from_env;
        let flag = if self.system.remote {
            "--remote"
        } else if placement_given && !placement_applies {
            "--placement"
        } else {
            return Ok(());
        };
        Err(format!(
            "`{command}` runs in-process only: {flag} applies to {PLACED_COMMANDS}"
        ))
    }
}

#[derive(Debug, Subcommand)]
pub enum SpecCommand {
    /// Everything read: the source package (name, version, release, license, URL, sources, patches,
    /// BuildRequires), each binary package with its dependencies, the Go import paths, and diagnostics.
    Show(SpecArgs),
    /// Provides of every package, one per line (as `rpmspec -q --provides`).
    Provides(SpecArgs),
    /// Requires of every package, one per line (as `rpmspec -q --requires`).
    Requires(SpecArgs),
    /// BuildRequires of the source package, one per line (as `rpmspec -q --buildrequires`).
    Buildrequires(SpecArgs),
    /// Write a Fedora Go spec for SOURCE in go2rpm's style (`%gometa -L -f`, a -devel subpackage, binaries
    /// for `main` packages): License from the license analysis, `golang(...)` BuildRequires from the imports of
    /// non-test, non-example code on the architectures Fedora builds Go for, test-only ones under
    /// `%if %{with check}`.
    Generate(SpecGenerateArgs),
    /// Check a spec against the code it packages (SOURCE), or alone: BuildRequires against the imports, the
    /// -devel package's `golang(...)` Provides against the tree's packages, License against the licenses found,
    /// names against Fedora's Go naming, %{goipath} against go.mod. Prints `E:`/`W:` lines; exits 1 on an
    /// error, as rpmlint.
    Lint(SpecLintArgs),
}

/// What `spec generate` and `spec lint` learn of a tree.
#[derive(Debug, Args)]
pub struct SpecSourceArgs {
    /// The revision of a git repository SOURCE (tag, branch, commit).
    #[arg(long)]
    pub rev: Option<String>,
    /// Import path of the tree's root (default: go.mod's module path, or the tree's GOPATH location).
    #[arg(long, value_name = "IMPORT_PATH")]
    pub import_path: Option<String>,
    #[command(flatten)]
    pub artifact: ArtifactArgs,
}

#[derive(Debug, Args)]
pub struct SpecGenerateArgs {
    /// The Go project: a directory, an archive, an RPM or source RPM, a URL, `github.com/OWNER/REPO@REF`,
    /// `PATH@REV` for a git repository.
    #[arg(value_name = "SOURCE")]
    pub source: String,
    #[command(flatten)]
    pub tree: SpecSourceArgs,
    /// The version packaged (default: 0).
    #[arg(long)]
    pub version: Option<String>,
    /// The commit packaged, for a snapshot (instead of --version).
    #[arg(long, conflicts_with = "version")]
    pub commit: Option<String>,
    /// Summary: (default: from the root package's doc comment).
    #[arg(long)]
    pub summary: Option<String>,
    /// %description (default: the root package's doc comment).
    #[arg(long)]
    pub description: Option<String>,
    /// License: as an SPDX expression (default: the license analysis's).
    #[arg(long)]
    pub license: Option<String>,
    /// Write the spec to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SpecLintArgs {
    /// The spec file.
    #[arg(value_name = "SPEC")]
    pub spec: PathBuf,
    /// The code it packages (as `spec generate`'s SOURCE); without it, the spec alone is checked.
    #[arg(value_name = "SOURCE")]
    pub source: Option<String>,
    #[command(flatten)]
    pub tree: SpecSourceArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct SpecArgs {
    /// The spec file (`-` for stdin).
    #[arg(value_name = "SPEC")]
    pub spec: PathBuf,
    /// As `rpmbuild --with NAME` (repeatable).
    #[arg(long, value_name = "NAME")]
    pub with: Vec<String>,
    /// As `rpmbuild --without NAME` (repeatable).
    #[arg(long, value_name = "NAME")]
    pub without: Vec<String>,
    /// As `rpm --define "NAME BODY"` (repeatable).
    #[arg(long, short = 'D', value_name = "NAME BODY")]
    pub define: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct GotestArgs {
    /// The Go project (as `gofed deps`'s SOURCE).
    #[arg(value_name = "SOURCE")]
    pub source: String,
    /// Package patterns [default: ./...].
    #[arg(value_name = "PACKAGE")]
    pub packages: Vec<String>,
    /// The revision of a git repository SOURCE.
    #[arg(long)]
    pub rev: Option<String>,
    /// Run only the tests matching REGEXP (`go test -run`).
    #[arg(long, value_name = "REGEXP")]
    pub run: Option<String>,
    /// `go test -short`.
    #[arg(long)]
    pub short: bool,
    /// Build tags, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub tags: Vec<String>,
    /// Import path of a tree without go.mod (tested in GOPATH mode there).
    #[arg(long)]
    pub import_path: Option<String>,
    /// Seconds the whole run may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 600)]
    pub timeout: u64,
    #[command(flatten)]
    pub artifact: ArtifactArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct RpmlintArgs {
    /// The spec file, RPM or source RPM.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

#[cfg(test)]
mod tests {
    /// clap checks the command line only in debug builds, and gofed's tests run release builds: two options of
    /// one name, or a `conflicts_with` naming nothing, would go unseen.
    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory as _;
        super::Cli::command().debug_assert();
    }
}
