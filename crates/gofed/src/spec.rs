//! `gofed spec`: a spec file read by `gofed-spec`, printed as rpmspec's queries print it.

use std::process::ExitCode;

use anyhow::Context as _;
use gofed_services::spec::{SpecInput, SpecRequest};
use gofed_services::Format;
use gofed_spec::{Dependency, GoProject, Spec};

use crate::cli::{
    ArtifactArgs, GotestArgs, RpmlintArgs, SpecCommand, SpecGenerateArgs, SpecLintArgs,
    SpecSourceArgs, SystemArgs,
};
use crate::scenario::Scenario;

pub fn run(system: &SystemArgs, command: &SpecCommand) -> anyhow::Result<ExitCode> {
    let (args, query) = match command {
        SpecCommand::Generate(args) => return generate(system, args),
        SpecCommand::Lint(args) => return lint(system, args),
        SpecCommand::Show(args) => (args, Query::Show),
        SpecCommand::Provides(args) => (args, Query::Provides),
        SpecCommand::Requires(args) => (args, Query::Requires),
        SpecCommand::Buildrequires(args) => (args, Query::BuildRequires),
    };
    let scenario = Scenario::new(system, &ArtifactArgs::default())?;
    let request = SpecRequest {
        spec: file_input(&scenario, &args.spec, "spec_summary")?,
        with: args.with.clone(),
        without: args.without.clone(),
        define: args.define.clone(),
    };
    let spec: Spec = scenario.call("spec_summary", request)?;
    let failed = spec.has_errors();
    let name = args.spec.display().to_string();
    match query {
        Query::Show => crate::output::print_as(args.format, &spec, |out| show(out, &spec))?,
        Query::Provides | Query::Requires | Query::BuildRequires => {
            let kind = match query {
                Query::Provides => gofed_services::spec::Query::Provides,
                Query::Requires => gofed_services::spec::Query::Requires,
                _ => gofed_services::spec::Query::BuildRequires,
            };
            let answer = gofed_services::spec::dependencies_of(spec, kind);
            if args.format == Format::Text {
                for diagnostic in &answer.diagnostics {
                    eprintln!("{name}: {diagnostic}");
                }
            }
            crate::output::print_as(args.format, &answer, |out| {
                lines(out, answer.packages.iter().flat_map(|p| &p.dependencies))
            })?;
        }
    }
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// A file for `action`: its path when the action runs here, else its bytes uploaded to filestorage; stdin
/// (`-`) as text.
fn file_input(
    scenario: &Scenario,
    file: &std::path::Path,
    action: &str,
) -> anyhow::Result<SpecInput> {
    if file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut text).context("reading stdin")?;
        return Ok(SpecInput::Text {
            name: "-".to_string(),
            text,
        });
    }
    let path = std::path::absolute(file).with_context(|| format!("{}", file.display()))?;
    let system = scenario.system();
    if system.is_local(system.service_of(action)?) {
        anyhow::ensure!(path.is_file(), "{}: no such file", file.display());
        return Ok(SpecInput::Path(path));
    }
    let bytes = std::fs::read(&path).with_context(|| format!("reading {}", file.display()))?;
    let upload = scenario.block_on(system.upload_bytes(bytes.into()))?;
    Ok(SpecInput::File {
        name: file.display().to_string(),
        file: upload,
    })
}

/// `gofed gotest`.
pub fn gotest(system: &SystemArgs, args: &GotestArgs) -> anyhow::Result<ExitCode> {
    use gofed_services::gotest::{GotestRequest, GotestResult};
    let scenario = Scenario::new(system, &args.artifact)?;
    let request = GotestRequest {
        source: scenario.source("gotest_run", &args.source, args.rev.as_deref())?,
        packages: args.packages.clone(),
        run: args.run.clone(),
        short: args.short,
        tags: args.tags.clone(),
        import_path: args.import_path.clone(),
        timeout_seconds: Some(args.timeout),
    };
    let result: GotestResult = scenario.call("gotest_run", request)?;
    crate::output::print_as(args.format, &result, |out| {
        for package in &result.packages {
            for test in package.tests.iter().filter(|t| t.status != "pass") {
                writeln!(
                    out,
                    "--- {} {} ({:.2}s)",
                    test.status.to_uppercase(),
                    test.name,
                    test.elapsed
                )?;
                for line in test.output.lines() {
                    writeln!(out, "    {line}")?;
                }
            }
            let label = match package.status.as_str() {
                "pass" => "ok  ",
                "fail" => "FAIL",
                "skip" => "?   ",
                _ => "TIMEOUT",
            };
            writeln!(out, "{label}\t{}\t{:.3}s", package.package, package.elapsed)?;
            for line in package.output.lines().filter(|_| package.status == "fail") {
                writeln!(out, "    {line}")?;
            }
        }
        if !result.stderr.is_empty() {
            write!(out, "{}", result.stderr)?;
        }
        let timeout = if result.timed_out { " (timed out)" } else { "" };
        writeln!(
            out,
            "{} passed, {} failed, {} skipped{timeout}; {}",
            result.passed, result.failed, result.skipped, result.go_version
        )
    })?;
    let failed = result.exit_code != 0 || result.failed > 0 || result.timed_out;
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// `gofed rpmlint`.
pub fn rpmlint(system: &SystemArgs, args: &RpmlintArgs) -> anyhow::Result<ExitCode> {
    use gofed_services::rpm::{RpmLintRequest, RpmLintResult};
    let scenario = Scenario::new(system, &ArtifactArgs::default())?;
    let request = RpmLintRequest {
        file: file_input(&scenario, &args.file, "rpm_lint")?,
        timeout_seconds: None,
    };
    let result: RpmLintResult = scenario.call("rpm_lint", request)?;
    crate::output::print_as(args.format, &result, |out| {
        for finding in &result.findings {
            let letter = match finding.severity.as_str() {
                "error" => 'E',
                "warning" => 'W',
                _ => 'I',
            };
            writeln!(
                out,
                "{}: {letter}: {} {}",
                finding.location, finding.check, finding.message
            )?;
        }
        writeln!(
            out,
            "{} errors, {} warnings ({})",
            result.errors, result.warnings, result.rpmlint_version
        )
    })?;
    Ok(if result.errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

enum Query {
    Show,
    Provides,
    Requires,
    BuildRequires,
}

fn lines<'a>(
    out: &mut dyn std::io::Write,
    deps: impl IntoIterator<Item = &'a Dependency>,
) -> std::io::Result<()> {
    for dep in deps {
        writeln!(out, "{dep}")?;
    }
    Ok(())
}

fn show(out: &mut dyn std::io::Write, spec: &Spec) -> std::io::Result<()> {
    let source = &spec.source;
    writeln!(out, "source package: {}", source.name)?;
    if let Some(epoch) = source.epoch {
        writeln!(out, "  epoch: {epoch}")?;
    }
    writeln!(out, "  version: {}", source.version)?;
    writeln!(out, "  release: {}", source.release)?;
    writeln!(out, "  license: {}", source.license)?;
    if let Some(url) = &source.url {
        writeln!(out, "  url: {url}")?;
    }
    for file in &source.sources {
        writeln!(out, "  source{}: {}", file.number, file.location)?;
    }
    for file in &source.patches {
        writeln!(out, "  patch{}: {}", file.number, file.location)?;
    }
    if !source.exclusive_arch.is_empty() {
        writeln!(out, "  exclusive arch: {}", source.exclusive_arch.join(" "))?;
    }
    for dep in &source.build_requires {
        writeln!(out, "  build requires: {dep}")?;
    }
    if source.dynamic_build_requires {
        writeln!(
            out,
            "  build requires: (more generated by %generate_buildrequires)"
        )?;
    }
    for path in &spec.import_paths {
        writeln!(out, "  import path: {path}")?;
    }
    for package in &spec.packages {
        writeln!(out, "package: {} ({})", package.name, package.arch)?;
        writeln!(out, "  evr: {}", package.evr())?;
        writeln!(out, "  summary: {}", package.summary)?;
        writeln!(out, "  license: {}", package.license)?;
        for (label, deps) in [
            ("provides", &package.provides),
            ("requires", &package.requires),
            ("recommends", &package.recommends),
            ("suggests", &package.suggests),
            ("supplements", &package.supplements),
            ("enhances", &package.enhances),
            ("conflicts", &package.conflicts),
            ("obsoletes", &package.obsoletes),
        ] {
            for dep in deps {
                match dep.qualifiers().as_slice() {
                    [] => writeln!(out, "  {label}: {dep}")?,
                    qualifiers => writeln!(out, "  {label}({}): {dep}", qualifiers.join(","))?,
                }
            }
        }
    }
    for diagnostic in &spec.diagnostics {
        writeln!(out, "{diagnostic}")?;
    }
    Ok(())
}

/// The Go architectures Fedora builds Go packages on with `%gometa -f` (`%{golang_arches_future}`): x86_64,
/// %{arm}, aarch64, ppc64le, s390x, riscv64, loongarch64.
const FEDORA_GOARCHES: [&str; 7] = [
    "amd64", "arm", "arm64", "ppc64le", "s390x", "riscv64", "loong64",
];

/// `gofed spec generate`.
fn generate(system: &SystemArgs, args: &SpecGenerateArgs) -> anyhow::Result<ExitCode> {
    let scenario = Scenario::new(system, &args.tree.artifact)?;
    let mut project = go_project(&scenario, &args.source, &args.tree)?;
    project.version = args
        .version
        .as_ref()
        .map(|v| v.trim_start_matches('v').to_string());
    project.commit.clone_from(&args.commit);
    if let Some(summary) = &args.summary {
        project.summary.clone_from(summary);
    }
    if let Some(description) = &args.description {
        project.description.clone_from(description);
    }
    if let Some(license) = &args.license {
        project.license.clone_from(license);
    }
    let text = gofed_spec::generate(&project, &format!("gofed {}", env!("CARGO_PKG_VERSION")));
    match &args.output {
        Some(path) => {
            std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?
        }
        None => std::io::Write::write_all(&mut std::io::stdout(), text.as_bytes())?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `gofed spec lint`.
fn lint(system: &SystemArgs, args: &SpecLintArgs) -> anyhow::Result<ExitCode> {
    let scenario = Scenario::new(system, &args.tree.artifact)?;
    let request = SpecRequest {
        spec: file_input(&scenario, &args.spec, "spec_summary")?,
        with: vec![],
        without: vec![],
        define: vec![],
    };
    let spec: Spec = scenario.call("spec_summary", request)?;
    let project = match &args.source {
        Some(source) => Some(go_project(&scenario, source, &args.tree)?),
        None => None,
    };
    let findings = gofed_spec::lint(&spec, project.as_ref());
    let name = args.spec.file_name().map_or_else(
        || args.spec.display().to_string(),
        |n| n.to_string_lossy().into(),
    );
    crate::output::print_as(args.format, &findings, |out| {
        for finding in &findings {
            writeln!(out, "{name}: {finding}")?;
        }
        let errors = findings
            .iter()
            .filter(|f| f.severity == gofed_spec::Severity::Error)
            .count();
        writeln!(
            out,
            "{} findings: {errors} errors, {} warnings.",
            findings.len(),
            findings.len() - errors
        )
    })?;
    let failed = findings
        .iter()
        .any(|f| f.severity == gofed_spec::Severity::Error);
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// What a spec needs to know of a tree, from the `deps` service (imports with tests, on every architecture
/// Fedora builds Go for) and the `license` service, plus the documentation files and package doc comment of a
/// directory SOURCE.
fn go_project(
    scenario: &Scenario,
    source: &str,
    tree: &SpecSourceArgs,
) -> anyhow::Result<GoProject> {
    use gofed_services::{BuildContext, DepsRequest, Output, Rendered};
    let deps_source = scenario.source("deps_analysis", source, tree.rev.as_deref())?;
    let mut project = GoProject::default();
    let mut root_import_path: Option<String> = None;
    let mut package_imports: Vec<(String, Vec<String>, Vec<String>)> = Vec::new();
    for goarch in FEDORA_GOARCHES {
        let request = DepsRequest {
            source: deps_source.clone(),
            context: BuildContext {
                goos: "linux".to_string(),
                goarch: goarch.to_string(),
                cgo: true,
                import_path: tree.import_path.clone(),
                ..BuildContext::default()
            },
            tests: true,
            std: false,
            format: Format::Json,
            allow_errors: true,
            record: false,
            no_cache: false,
        };
        let rendered: Rendered = scenario.call("deps_analysis", request)?;
        let Output::Json(raw) = rendered.output else {
            anyhow::bail!("deps_analysis answered text")
        };
        let doc: serde_json::Value =
            serde_json::from_str(raw.get()).context("deps_analysis's document")?;
        let root = doc["root"].as_str().unwrap_or_default().to_string();
        for package in doc["packages"].as_array().into_iter().flatten() {
            let import_path = package["ImportPath"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let dir = package["Dir"].as_str().unwrap_or_default();
            let relative = dir
                .strip_prefix(&root)
                .unwrap_or(dir)
                .trim_start_matches('/');
            if root_import_path.is_none() {
                root_import_path = Some(match relative {
                    "" => import_path.clone(),
                    rel => import_path
                        .strip_suffix(&format!("/{rel}"))
                        .unwrap_or(&import_path)
                        .to_string(),
                });
            }
            if GoProject::is_example(relative) {
                continue;
            }
            if package["Main"].as_bool() == Some(true) {
                if !project.commands.iter().any(|c| c == relative) {
                    project.commands.push(relative.to_string());
                }
            } else {
                project.packages.insert(import_path.clone());
            }
            let strings = |key: &str| -> Vec<String> {
                package[key]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            };
            let mut tests = strings("TestImports");
            tests.extend(strings("XTestImports"));
            package_imports.push((import_path, strings("Imports"), tests));
        }
    }
    let root = root_import_path
        .or_else(|| tree.import_path.clone())
        .context("the tree has no Go package")?;
    let internal = |path: &str| path == root || path.starts_with(&format!("{root}/"));
    for (_, imports, tests) in &package_imports {
        project
            .imports
            .extend(imports.iter().filter(|i| !internal(i)).cloned());
        project
            .test_imports
            .extend(tests.iter().filter(|i| !internal(i)).cloned());
    }
    let imports = project.imports.clone();
    project.test_imports.retain(|i| !imports.contains(i));
    project.commands.sort();
    project.module_path = Some(root.clone());
    project.import_path = root;

    let request = gofed_services::license::LicenseRequest {
        source: scenario.source("license_analysis", source, tree.rev.as_deref())?,
        format: Format::Json,
        no_cache: false,
        record: false,
    };
    let rendered: Rendered = scenario.call("license_analysis", request)?;
    if let Output::Json(raw) = rendered.output {
        let doc: serde_json::Value =
            serde_json::from_str(raw.get()).context("license_analysis's document")?;
        project.license = doc["summary"]["expression"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        project.license_ids = doc["summary"]["ids"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(String::from))
            .collect();
        for file in doc["files"].as_array().into_iter().flatten() {
            let path = file["path"].as_str().unwrap_or_default();
            if !path.contains('/') && file["verdict"]["kind"] == "detected" {
                project.license_files.push(path.to_string());
            }
        }
    }
    let dir = std::path::Path::new(source);
    if dir.is_dir() {
        project.doc_files = doc_files(dir);
        if let Some((summary, description)) = package_doc(dir) {
            project.summary = summary;
            project.description = description;
        }
    }
    if project.summary.is_empty() {
        let last = project
            .import_path
            .rsplit('/')
            .next()
            .unwrap_or(&project.import_path)
            .to_string();
        project.summary = format!("Go package {last}");
    }
    if project.description.is_empty() {
        project.description = format!("{}.", project.summary);
    }
    Ok(project)
}

/// Documentation files at the top of a directory, as go2rpm picks them.
fn doc_files(dir: &std::path::Path) -> Vec<String> {
    let mut docs: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| {
            let upper = name.to_ascii_uppercase();
            [
                "README",
                "CHANGELOG",
                "CHANGES",
                "AUTHORS",
                "CONTRIBUTORS",
                "NEWS",
                "HISTORY",
            ]
            .iter()
            .any(|prefix| upper.starts_with(prefix))
                && !name.contains(' ')
                && !name.contains('%')
        })
        .collect();
    docs.sort();
    docs
}

/// The summary (first sentence) and description (first paragraph) of the root package's doc comment.
fn package_doc(dir: &std::path::Path) -> Option<(String, String)> {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "go") && !p.to_string_lossy().ends_with("_test.go")
        })
        .collect();
    files.sort_by_key(|p| !p.ends_with("doc.go"));
    for file in files {
        let text = std::fs::read_to_string(&file).ok()?;
        let mut comment: Vec<String> = Vec::new();
        for line in text.lines() {
            let trimmed = line.trim();
            if let Some(rest) = trimmed.strip_prefix("//") {
                if rest.starts_with("go:") || rest.starts_with("+build") {
                    comment.clear();
                    continue;
                }
                comment.push(rest.trim().to_string());
            } else if trimmed.starts_with("package ") {
                break;
            } else {
                comment.clear();
            }
        }
        let paragraph: Vec<&str> = comment
            .iter()
            .map(String::as_str)
            .take_while(|l| !l.is_empty())
            .collect();
        let paragraph = paragraph.join(" ");
        if !paragraph.starts_with("Package ") {
            continue;
        }
        let sentence = paragraph
            .split(". ")
            .next()
            .unwrap_or(&paragraph)
            .trim_end_matches('.');
        let mut words = sentence.splitn(3, ' ');
        let (_, _, rest) = (words.next(), words.next(), words.next().unwrap_or(""));
        let mut summary = rest.to_string();
        if summary.chars().count() > 79 {
            // At a word boundary, as a summary line is read.
            let cut: String = summary.chars().take(79).collect();
            summary = cut
                .rsplit_once(' ')
                .map_or(cut.clone(), |(head, _)| head.to_string());
        }
        if let Some(first) = summary.get(..1) {
            summary = first.to_uppercase() + &summary[1..];
        }
        if summary.is_empty() {
            continue;
        }
        return Some((summary, paragraph));
    }
    None
}
