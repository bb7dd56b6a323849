//! `gofed release`: gorelease's check. This side resolves the base version (through the module proxy, or a
//! SOURCE given with --base-source) and where the module lies in its repository; the `release_check` action
//! compares the two trees and judges the version.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use gofed_go::load::gomod::{self, semver};
use gofed_release::version::maybe_first_version;
use gofed_release::{locate_in_repository, parse_options, BaseChoice, Module};
use gofed_services::release::ReleaseRequest;
use gofed_services::Source;

use crate::cli::{ReleaseArgs, SystemArgs};
use crate::goproxy::ModuleProxy;
use crate::proxyreader::ProxyReader;
use crate::scenario::{check, Scenario};
use crate::source::Resolved;
use crate::tagversions::TagVersions;
use gofed_release::loaddir::LoadDir;

/// Where the module's own versions are found.
enum Versions<'a> {
    /// Through the module proxy.
    Proxy(&'a ModuleProxy),
    /// Among the tags of the repository the release is in.
    Tags(TagVersions),
}

impl Versions<'_> {
    fn versions(&self, scenario: &Scenario, module: &str) -> anyhow::Result<Vec<String>> {
        match self {
            Versions::Proxy(proxy) => proxy.versions(scenario, module),
            Versions::Tags(tags) => tags.versions(module),
        }
    }

    fn query(&self, scenario: &Scenario, module: &str, query: &str) -> anyhow::Result<String> {
        match self {
            Versions::Proxy(proxy) => proxy.query(scenario, module, query),
            Versions::Tags(tags) => tags.query(module, query),
        }
    }

    /// The tree of `module@version`.
    fn tree(&self, scenario: &Scenario, module: &str, version: &str) -> anyhow::Result<Resolved> {
        match self {
            Versions::Proxy(proxy) => {
                let zip = proxy.zip(scenario, module, version)?;
                crate::source::local_artifact(&zip, &format!("{module}@{version}"))
            }
            Versions::Tags(tags) => tags.tree(module, version),
        }
    }
}

/// gorelease's usage line, printed with a usage error (exit status 2).
const USAGE: &str =
    "usage: gofed release [SOURCE] [--base VERSION] [--version VERSION] [--base-source SOURCE]";

/// Runs the check; as gorelease, a failure (no go.mod, a base that cannot be found or loaded) exits 1, a usage
/// error 2.
pub fn release(system: &SystemArgs, args: &ReleaseArgs) -> anyhow::Result<ExitCode> {
    match check_release(system, args) {
        Ok(code) => Ok(code),
        Err(err) => {
            eprintln!("gofed: error: {err:#}");
            Ok(ExitCode::from(1))
        }
    }
}

fn check_release(system: &SystemArgs, args: &ReleaseArgs) -> anyhow::Result<ExitCode> {
    let choice = match parse_options(args.base.as_deref(), args.version.as_deref()) {
        Ok(choice) => choice,
        Err(usage) => {
            eprintln!("{USAGE}\n{usage}");
            return Ok(ExitCode::from(2));
        }
    };
    let scenario = Scenario::new(system, &args.artifact)?;
    let mut request = ReleaseRequest {
        release: Source::Path(PathBuf::from(&args.source)),
        base: None,
        base_module: None,
        base_version: String::new(),
        base_query: None,
        base_inferred: false,
        existing_versions: Vec::new(),
        version: args.version.clone(),
        tag_prefix: String::new(),
        location_diagnostics: Vec::new(),
        requirement_diagnostics: Vec::new(),
        graph_diagnostics: Vec::new(),
        highest_transitive_version: None,
        context: args.context.build_context(),
        format: args.format,
        no_cache: args.no_cache,
    };
    check(&request)?;

    let release = scenario.resolve(&args.source, None)?;
    // The module path and where the module is in its repository, read from a directory's go.mod.
    let (release_module, release_go_mod, repository) = match &release {
        Resolved::Directory(dir) => {
            let (module, repository) = local_module(dir)?;
            request.location_diagnostics = module.diagnostics;
            request.tag_prefix = module.tag_prefix;
            (Some(module.path), module.go_mod, repository)
        }
        _ => (None, None, None),
    };
    let proxy = ModuleProxy::from_env()?;
    let versions = if args.git_tags {
        let Some(repository) = repository.filter(|r| r.join(".git").exists()) else {
            anyhow::bail!(
                "{}: --git-tags reads the tags of the git repository the release's directory is in, and there is none",
                args.source
            );
        };
        Versions::Tags(TagVersions::read(&repository, &request.tag_prefix)?)
    } else {
        Versions::Proxy(&proxy)
    };

    // gorelease's load directory, through the proxy (not with --base-source, which needs no proxy).
    if let (Some(go_mod), Some(release_module), Resolved::Directory(dir), None) = (
        &release_go_mod,
        &release_module,
        &release,
        &args.base_source,
    ) {
        let version = load_version(release_module, args.version.as_deref());
        check_load_dir(
            &scenario,
            &proxy,
            (release_module, &version, dir, go_mod),
            &mut request,
        )?;
    }
    let base = match (&args.base_source, choice) {
        (_, BaseChoice::None) => None,
        (Some(spec), choice) => {
            // The base's tree is given: --base only names its version.
            let BaseChoice::Version { module, version } = choice else {
                anyhow::bail!(
                    "--base-source needs --base to name the base version (v1.2.3 or MODULE@v1.2.3), not a query"
                );
            };
            request.base_module = module;
            request.base_version = version;
            Some(scenario.resolve(spec, None)?)
        }
        (None, choice) => {
            let Some(release_module) = &release_module else {
                anyhow::bail!(
                    "{}: the module path of a release given as an archive or revision is not known before it is \
                     read; give the base version's tree with --base-source, or the release as a directory",
                    args.source
                );
            };
            let base_module = choice.module_path(release_module);
            gofed_release::check_module_path(&base_module).map_err(anyhow::Error::msg)?;
            let version = match &choice {
                BaseChoice::Inferred | BaseChoice::Module(_) => {
                    request.base_inferred = true;
                    let max = match choice {
                        BaseChoice::Inferred => args.version.as_deref(),
                        _ => None,
                    };
                    infer_base_version(&scenario, &versions, &base_module, max)?
                }
                BaseChoice::Query { query, .. } => {
                    request.base_query = Some(query.clone());
                    let v = versions.query(&scenario, &base_module, query)?;
                    if let Some(max) = args.version.as_deref().filter(|_| v != "none") {
                        if semver::compare(&v, max).is_ge() {
                            anyhow::bail!(
                                "base version {v} ({query}) must be lower than release version {max}"
                            );
                        }
                    }
                    v
                }
                BaseChoice::Version { version, .. } => {
                    let major = gomod::split_path_version(&base_module).map_or("", |(_, m)| m);
                    if gomod::check_path_major(version, major).is_err() {
                        anyhow::bail!(
                            "can't compare major versions: base version {version} does not belong to module \
                             {base_module}"
                        );
                    }
                    version.clone()
                }
                BaseChoice::None => "none".to_owned(),
            };
            request.base_module = Some(base_module.clone());
            request.base_version = version.clone();
            if version == "none" {
                None
            } else {
                let tree = versions.tree(&scenario, &base_module, &version)?;
                request.existing_versions = versions.versions(&scenario, &base_module)?;
                Some(tree)
            }
        }
    };
    if base.is_none() {
        request.base_version = "none".to_owned();
    }
    // A download that failed its check stops the command, even where it was not needed in the end.
    if let Some(failed) = proxy.failed_check() {
        anyhow::bail!(failed);
    }
    let mut trees: Vec<(Option<&str>, &Resolved)> = vec![(Some("release"), &release)];
    if let Some(base) = &base {
        trees.push((Some("base"), base));
    }
    let mut sources = scenario.sources("release_check", &trees)?.into_iter();
    request.release = sources.next().context("no release source")?;
    request.base = sources.next();
    scenario.run("release_check", request)
}

/// What gorelease finds in its load directory for the release `(module, version, dir, go_mod)`: the
/// requirements and sums `go get -d .` adds there, then, in the module graph it leaves, retracted requirements
/// and a dependency on a higher version of the module itself; into `request`.
fn check_load_dir(
    scenario: &Scenario,
    proxy: &ModuleProxy,
    (module, version, dir, go_mod): (&str, &str, &Path, &gomod::GoMod),
    request: &mut ReleaseRequest,
) -> anyhow::Result<()> {
    let (packages, configuration) = release_packages(dir, &request.context)?;
    let go_sum = match std::fs::read_to_string(dir.join("go.sum")) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(err) => return Err(err).context(format!("{}/go.sum", dir.display())),
    };
    let load_dir = LoadDir {
        module,
        version,
        go_mod,
        packages: &packages,
        go_sum: &go_sum,
        configuration: &configuration,
    };
    let mut reader = ProxyReader::new(scenario, proxy, (module, dir), &go_sum);
    let findings = gofed_release::loaddir::go_get(&load_dir, &mut reader)
        .with_context(|| format!("preparing to load packages for {module}"))?;
    request.requirement_diagnostics = findings.diagnostics;
    let (selected, retracted) =
        proxy.graph_findings(scenario, (module, version), go_mod, &findings.requirements);
    request.highest_transitive_version = selected;
    request.graph_diagnostics = retracted;
    Ok(())
}

/// The version the release is loaded at in its module graph: the proposed one when it suits the module path,
/// else a made-up one of the path's major version (gorelease's `v0.0.0-gorelease`).
fn load_version(module: &str, version: Option<&str>) -> String {
    let major = gomod::split_path_version(module).map_or("", |(_, m)| m);
    match version {
        Some(v)
            if semver::canonical(v).as_deref() == Some(v)
                && gomod::check_path_major(v, major).is_ok() =>
        {
            v.to_owned()
        }
        _ if major.is_empty() => "v0.0.0-gorelease".to_owned(),
        _ => format!("{}.0.0-gorelease", &major[1..]),
    }
}

/// The latest release of `module` below `max` (pre-releases aside); `none` when there is none and `max` looks
/// like a first release (or is not given).
fn infer_base_version(
    scenario: &Scenario,
    versions: &Versions,
    module: &str,
    max: Option<&str>,
) -> anyhow::Result<String> {
    let first = match gomod::split_path_version(module) {
        Some((_, major)) if !major.is_empty() => format!("{}.0.0", &major[1..]),
        _ => "v0.1.0".to_owned(),
    };
    let explain = |err: String| {
        anyhow::anyhow!(
            "could not find base version. Consider setting -version={first} if this is a first release, or \
             explicitly set -base=none: {err}"
        )
    };
    let versions = versions
        .versions(scenario, module)
        .map_err(|err| explain(format!("could not load versions for {module}: {err:#}")))?;
    let below = versions.iter().rev().find(|v| {
        semver::prerelease(v) == Some("") && max.is_none_or(|max| semver::compare(v, max).is_lt())
    });
    match (below, max) {
        (Some(v), _) => Ok(v.clone()),
        (None, None) => Ok("none".to_owned()),
        (None, Some(max)) if maybe_first_version(max) => Ok("none".to_owned()),
        (None, Some(max)) => Err(explain(format!("no versions found lower than {max}"))),
    }
}

/// The module in directory `dir`: its path (from its go.mod), and its tag prefix or what is wrong with where it
/// lies when it is in a subdirectory of a repository (.git, .hg, .svn or .bzr above it); and that repository's
/// root.
fn local_module(dir: &Path) -> anyhow::Result<(Module, Option<PathBuf>)> {
    let go_mod = dir.join("go.mod");
    let data = std::fs::read(&go_mod)
        .with_context(|| format!("{}: cannot find go.mod file", dir.display()))?;
    let path = gomod::module_path(&data)
        .with_context(|| format!("{}: module directive is missing", go_mod.display()))?;
    gofed_release::check_module_path(&path).map_err(anyhow::Error::msg)?;
    let mut module = Module {
        path,
        go_mod: gomod::parse(&go_mod.to_string_lossy(), &data)
            .into_result()
            .ok(),
        ..Module::default()
    };
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_owned());
    let repository = repository_root(&dir);
    if let Some(repo) = &repository {
        // gorelease releases what the last commit holds, and refuses a git work tree with changes not in it.
        if repo.join(".git").exists() {
            if let Some(change) = gofed_artifact::git::uncommitted_change(repo)? {
                anyhow::bail!(
                    "repo {} has uncommitted changes (such as {change}): commit them, or release from a clean \
                     work tree",
                    repo.display()
                );
            }
        }
        let code_dir = dir
            .strip_prefix(repo)
            .map(|rel| rel.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        locate_in_repository(&mut module, &code_dir, |alt| {
            let data = std::fs::read(repo.join(alt).join("go.mod")).ok()?;
            gomod::module_path(&data)
        });
    }
    Ok((module, repository))
}

/// The import paths of the release's packages, as gorelease lists them for its load directory
/// (`collectImportPaths`): every directory with Go files for the build context, commands too, but none in or
/// below an `internal` directory (nor `testdata`, `_x`, `.x`, vendored or nested modules, which the loader
/// does not list); and that build context.
fn release_packages(
    dir: &Path,
    context: &gofed_services::BuildContext,
) -> anyhow::Result<(Vec<String>, gofed_go::build::Selector)> {
    let tree = gofed_go::load::OsFileTree;
    let config =
        gofed_services::deps::load_config(&tree, dir, context, gofed_services::deps::Purpose::Deps);
    let project = gofed_go::load::load_tree(&tree, dir, &config)
        .with_context(|| format!("listing packages in {}", dir.display()))?;
    let packages = project
        .packages
        .into_iter()
        .filter(|p| {
            let files = p.go_files.len()
                + p.cgo_files.len()
                + p.test_go_files.len()
                + p.x_test_go_files.len();
            files > 0 && !p.vendored && !p.import_path.split('/').any(|e| e == "internal")
        })
        .map(|p| p.import_path)
        .collect();
    Ok((packages, config.selector))
}

/// The nearest directory at or above `dir` with a version control system's metadata.
fn repository_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| {
            [".git", ".hg", ".svn", ".bzr"]
                .iter()
                .any(|vcs| d.join(vcs).exists())
        })
        .map(Path::to_owned)
}
