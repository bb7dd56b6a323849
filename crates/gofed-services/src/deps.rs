//! `deps_analysis`: what each package imports and the project's external dependencies; and the package loading
//! every analysis shares.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use gofed_go::budget::Budget;
use gofed_go::build::{Context, Selector};
use gofed_go::load::importpath::{self, ImportOrigin};
use gofed_go::load::{load_tree_with_budget, FileTree, Layout, LoadConfig, Package, Project};
use serde::Serialize;

use crate::request::{BuildContext, DepsRequest, Format, Rendered};
use crate::tree::OpenedTree;

/// What a load is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Package lists and imports with `go list` semantics (tests included, no vendor).
    Deps,
    /// Type checking: packages under `vendor/` too, no tests.
    Api,
}

/// Loads the packages of a tree, charging the bytes read to `budget`.
pub fn load(
    opened: &OpenedTree,
    args: &BuildContext,
    purpose: Purpose,
    budget: &Budget,
) -> anyhow::Result<Project> {
    // Every analysis loads through here: a platform or Go version no release has is refused, not analysed as
    // an empty context.
    args.check()?;
    if let Some(saved) = opened.saved() {
        anyhow::bail!(
            "{}: a saved API analysis has no files to analyse; only apidiff compares it",
            saved.name
        );
    }
    let started = std::time::Instant::now();
    let config = load_config(opened.tree(), opened.root(), args, purpose);
    let project = load_tree_with_budget(opened.tree(), opened.root(), &config, budget)?;
    tracing::info!(
        root = %opened.root().display(),
        packages = project.packages.len(),
        go = %format_args!("1.{}", project.go_minor),
        context = %describe_context(args),
        ms = started.elapsed().as_millis(),
        "loaded a tree"
    );
    Ok(project)
}

/// `linux/amd64 cgo tags=a,b` or `all platforms`, for logs.
fn describe_context(args: &BuildContext) -> String {
    let mut text = if args.all_platforms {
        "all platforms".to_owned()
    } else {
        let cgo = if args.cgo { " cgo" } else { "" };
        format!("{}/{}{cgo}", args.goos, args.goarch)
    };
    if !args.tags.is_empty() {
        text.push_str(" tags=");
        text.push_str(&args.tags.join(","));
    }
    text
}

/// The load configuration for a tree: the context's Go version is that of the tree when it
/// is a GOROOT (its `VERSION`), else `--go`, else the newest known.
pub fn load_config(
    tree: &dyn FileTree,
    root: &Path,
    args: &BuildContext,
    purpose: Purpose,
) -> LoadConfig {
    let layout = gofed_go::load::detect_layout(tree, root);
    let minor = args
        .go_minor
        .or(match &layout {
            gofed_go::load::Layout::Goroot { go_minor, .. } => *go_minor,
            _ => None,
        })
        .unwrap_or(gofed_go::load::NEWEST_GO_MINOR);
    let selector = if args.all_platforms {
        Selector::all_platforms(minor, args.tags.clone())
    } else {
        let mut ctx = Context::for_go(minor, &args.goos, &args.goarch);
        ctx.cgo_enabled = args.cgo;
        ctx.build_tags.clone_from(&args.tags);
        Selector::Single(ctx)
    };
    LoadConfig {
        selector,
        go_minor: Some(minor),
        import_path: args.import_path.clone(),
        include_vendor: purpose == Purpose::Api,
        skip_tests: purpose == Purpose::Api,
        // The type checker reads a file again when it parses it: keeping every file's bytes from the
        // walk on would hold the whole tree (530 MB for /usr/share/gocode) for the whole analysis.
        keep_sources: false,
    }
}

/// The `deps` result.
#[derive(Debug, Serialize)]
struct DepsReport<'a> {
    /// The analysed root.
    root: &'a Path,
    /// Go minor version whose rules applied.
    go_version: String,
    /// Per package.
    packages: Vec<PackageDeps<'a>>,
    /// External dependencies grouped by module (or provider when no go.mod names one).
    external: Vec<ExternalDep>,
    /// Imports that could not be attributed.
    unresolved: Vec<Unresolved>,
    meta: DepsMeta<'a>,
}

#[derive(Debug, Serialize)]
struct DepsMeta<'a> {
    /// For an artifact (archive, RPM, ...): what was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<&'a crate::SourceMeta>,
    /// Whether this document was answered from the store (the result cache) rather than analysed.
    cached: bool,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct PackageDeps<'a> {
    import_path: &'a str,
    dir: &'a Path,
    name: &'a str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    main: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    imports: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    test_imports: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    x_test_imports: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    import_errors: &'a [String],
}

#[derive(Debug, Serialize)]
struct ExternalDep {
    /// The module providing the packages (from go.mod or vendor/modules.txt), else the
    /// provider prefix (repository root).
    root: String,
    /// Repository root (gofed-ng's "ipprefix").
    provider: String,
    /// The version go.mod requires.
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    /// Whether the packages are vendored in the project.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    vendored: bool,
    /// Imported packages of it.
    packages: BTreeSet<String>,
    /// Project packages importing it.
    used_by: BTreeSet<String>,
    /// Only imported by tests.
    test_only: bool,
}

/// An import that is neither standard, nor the project's, nor attributable to a provider.
#[derive(Debug, Serialize)]
struct Unresolved {
    import: String,
    reason: String,
    used_by: BTreeSet<String>,
}

/// The `deps_analysis` action on an opened tree.
pub fn deps_analysis(
    opened: &OpenedTree,
    args: &DepsRequest,
    budget: &Budget,
) -> anyhow::Result<Rendered> {
    let project = load(opened, &args.context, Purpose::Deps, budget)?;
    let classifier = Classifier::new(&project, opened.tree());
    let keep = |path: &&str| args.std || !classifier.is_std(path);
    let mut packages = Vec::new();
    let mut external: BTreeMap<String, ExternalDep> = BTreeMap::new();
    let mut unresolved: BTreeMap<String, Unresolved> = BTreeMap::new();
    for pkg in &project.packages {
        let imports: Vec<&str> = pkg
            .imports
            .iter()
            .map(String::as_str)
            .filter(keep)
            .collect();
        let (test_imports, x_test_imports) = if args.tests {
            (
                pkg.test_imports
                    .iter()
                    .map(String::as_str)
                    .filter(keep)
                    .collect(),
                pkg.x_test_imports
                    .iter()
                    .map(String::as_str)
                    .filter(keep)
                    .collect(),
            )
        } else {
            (Vec::new(), Vec::new())
        };
        for (list, is_test) in [
            (&imports, false),
            (&test_imports, true),
            (&x_test_imports, true),
        ] {
            for &imp in list {
                match classifier.classify(imp) {
                    Origin::Internal => {}
                    Origin::External {
                        root,
                        provider,
                        vendored,
                    } => {
                        let version = classifier.required_version(&root);
                        let dep = external.entry(root.clone()).or_insert_with(|| ExternalDep {
                            root,
                            provider,
                            version,
                            vendored,
                            packages: BTreeSet::new(),
                            used_by: BTreeSet::new(),
                            test_only: true,
                        });
                        dep.packages.insert(imp.to_owned());
                        dep.used_by.insert(pkg.import_path.clone());
                        dep.test_only &= is_test;
                    }
                    Origin::Unresolved(reason) => {
                        let entry =
                            unresolved
                                .entry(imp.to_owned())
                                .or_insert_with(|| Unresolved {
                                    import: imp.to_owned(),
                                    reason,
                                    used_by: BTreeSet::new(),
                                });
                        entry.used_by.insert(pkg.import_path.clone());
                    }
                }
            }
        }
        packages.push(PackageDeps {
            import_path: &pkg.import_path,
            dir: &pkg.dir,
            name: &pkg.name,
            main: pkg.is_main(),
            imports,
            test_imports,
            x_test_imports,
            error: pkg.error.as_ref().map(|e| e.err.as_str()),
            import_errors: &pkg.import_errors,
        });
    }
    let report = DepsReport {
        root: &project.root,
        go_version: format!("1.{}", project.go_minor),
        packages,
        external: external.into_values().collect(),
        unresolved: unresolved.into_values().collect(),
        meta: DepsMeta {
            source: opened.source_meta(),
            cached: false,
        },
    };
    // What `go list` without -e reports on stderr: each package's error.
    let mut diagnostics = Vec::new();
    for pkg in &project.packages {
        if let Some(err) = &pkg.error {
            diagnostics.push(err.err.clone());
        }
        for err in &pkg.import_errors {
            diagnostics.push(format!("package {}: {err}", pkg.import_path));
        }
    }
    let has_errors = !diagnostics.is_empty();
    let rendered = match args.format {
        Format::Json => Rendered::json(&report)?,
        Format::Text => Rendered::text(render_text(&report)),
    };
    Ok(rendered.with_errors(diagnostics, has_errors, args.allow_errors))
}

fn render_text(report: &DepsReport) -> String {
    let mut out = String::new();
    for pkg in &report.packages {
        let main = if pkg.main { " (main)" } else { "" };
        let _ = writeln!(out, "{}{main}", pkg.import_path);
        if let Some(err) = pkg.error {
            let _ = writeln!(out, "  error: {err}");
        }
        for err in pkg.import_errors {
            let _ = writeln!(out, "  error: {err}");
        }
        for imp in &pkg.imports {
            let _ = writeln!(out, "  {imp}");
        }
        // go list's TestImports (package foo, _test.go) and XTestImports (package foo_test) apart.
        for imp in &pkg.test_imports {
            let _ = writeln!(out, "  {imp} (test)");
        }
        for imp in &pkg.x_test_imports {
            let _ = writeln!(out, "  {imp} (xtest)");
        }
    }
    let _ = writeln!(out, "\nexternal dependencies ({}):", report.external.len());
    for dep in &report.external {
        let version = dep
            .version
            .as_deref()
            .map(|v| format!(" {v}"))
            .unwrap_or_default();
        let n = dep.packages.len();
        let plural = if n == 1 { "" } else { "s" };
        let test = if dep.test_only { ", tests only" } else { "" };
        let vendored = if dep.vendored { ", vendored" } else { "" };
        let _ = writeln!(
            out,
            "  {}{version} ({n} package{plural}, used by {}{test}{vendored})",
            dep.root,
            dep.used_by.len()
        );
    }
    if !report.unresolved.is_empty() {
        let _ = writeln!(out, "\nunresolved imports ({}):", report.unresolved.len());
        for u in &report.unresolved {
            let _ = writeln!(
                out,
                "  {}: {} (used by {})",
                u.import,
                u.reason,
                u.used_by.len()
            );
        }
    }
    out
}

/// Where an import comes from, for the report.
enum Origin {
    /// Standard library, cgo, or the project itself.
    Internal,
    /// Another project's package.
    External {
        root: String,
        provider: String,
        vendored: bool,
    },
    /// Not attributable (not in std, malformed).
    Unresolved(String),
}

/// Import classification for the report, on the library's [`importpath::import_origin`].
struct Classifier<'a> {
    project: &'a Project,
    /// The tree, to tell whether a package of the module exists outside the analysed directory.
    tree: &'a dyn FileTree,
    ctx: importpath::ClassifyContext,
    /// Import paths of the loaded packages (a GOPATH tree holds many projects).
    own: BTreeSet<&'a str>,
}

impl<'a> Classifier<'a> {
    fn new(project: &'a Project, tree: &'a dyn FileTree) -> Classifier<'a> {
        let own = project
            .packages
            .iter()
            .map(|p: &Package| p.import_path.as_str())
            .collect();
        Classifier {
            project,
            tree,
            ctx: project.classify_context(),
            own,
        }
    }

    fn is_std(&self, path: &str) -> bool {
        importpath::import_origin(path, &self.ctx) == ImportOrigin::Std
    }

    fn classify(&self, path: &str) -> Origin {
        if self.own.contains(path) {
            return Origin::Internal;
        }
        let module = match &self.project.layout {
            Layout::Module { dir, path: module } => Some((dir, module.as_str())),
            _ => None,
        };
        match importpath::import_origin(path, &self.ctx) {
            ImportOrigin::Std => Origin::Internal,
            ImportOrigin::Project => match module {
                // A package of the main module that is not there: nothing provides it (the go command's words).
                Some((dir, module)) if !self.module_has_package(dir, module, path) => {
                    Origin::Unresolved(format!("no required module provides package {path}"))
                }
                _ => Origin::Internal,
            },
            ImportOrigin::External {
                root,
                provider,
                vendored,
                ..
            } => {
                // In a module, what no requirement provides (and nothing vendors) cannot be built.
                let required = self.ctx.module_for(path).is_some();
                match module {
                    Some(_) if !required && !vendored => {
                        Origin::Unresolved(format!("no required module provides package {path}"))
                    }
                    _ => Origin::External {
                        root,
                        provider,
                        vendored,
                    },
                }
            }
            ImportOrigin::Unresolved(reason) => Origin::Unresolved(reason),
        }
    }

    /// Whether the main module (its directory `dir`, its path `module`) has a package `path`: a directory with
    /// `.go` files, not in a nested module.
    fn module_has_package(&self, dir: &Path, module: &str, path: &str) -> bool {
        let Some(rel) = path
            .strip_prefix(module)
            .map(|rel| rel.trim_start_matches('/'))
        else {
            return false;
        };
        let pkg_dir = dir.join(rel);
        let has_go_files = self.tree.read_dir(&pkg_dir).is_ok_and(|entries| {
            entries
                .iter()
                .any(|e| !e.is_dir && e.name.ends_with(".go") && !e.name.ends_with("_test.go"))
        });
        // A nested module owns its directories.
        let nested = pkg_dir
            .ancestors()
            .take_while(|d| *d != dir)
            .any(|d| self.tree.is_file(&d.join("go.mod")));
        has_go_files && !nested
    }

    /// The version go.mod requires of a module.
    fn required_version(&self, module: &str) -> Option<String> {
        let go_mod = &self.project.go_mod.as_ref()?.go_mod;
        go_mod
            .require
            .iter()
            .find(|r| r.path == module)
            .map(|r| r.version.clone())
    }
}
