//! `gofed packages`: the packages of a tree with go list's habits (always in-process):
//! package patterns, `--format json` as `go list -e -json` prints it (a stream of
//! tab-indented objects with go's field names and omitempty), and `-f` templates as
//! `go list -e -f` runs them.

mod pattern;

use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use gofed_go::load::{Layout, Package, Project};
use gofed_services::deps::{load, load_config, Purpose};
use gofed_services::tree::OpenedTree;
use gofed_services::Format;
use serde::Serialize;

use crate::cli::PackagesArgs;
use crate::packages::pattern::{is_wildcard, Matcher};
use crate::template::{self, StructTy, Template, Ty};

pub fn packages(args: &PackagesArgs) -> anyhow::Result<ExitCode> {
    // Parse the template before loading anything: a typo fails fast.
    let tmpl = match &args.template {
        Some(text) => Some(Template::parse("main", text)?),
        None => None,
    };
    let (source, patterns) = split_args(&args.args);
    let tree = open_source(&source, args)?;
    let project = load(
        &tree,
        &args.context.build_context(),
        Purpose::Deps,
        &gofed_go::budget::Budget::unlimited(),
    )?;
    let listed = select(&tree, &project, &args.context, &patterns)?;

    let mut out = crate::output::stdout();
    let mut text = String::new();
    for pkg in &listed {
        text.clear();
        match (&tmpl, args.format) {
            (Some(tmpl), _) => {
                let data = serde_json::to_value(pkg).context("encoding a package")?;
                if let Err(err) = template::execute(tmpl, &data, Ty::Ptr(&PACKAGE), &mut text) {
                    // What the template wrote before the error is output, as go's writer does.
                    out.write_all(text.as_bytes())?;
                    out.flush()?;
                    return Err(err.into());
                }
                // As go list: one template output per package, a newline after it unless it
                // is empty or already ends with one.
                if !text.is_empty() && !text.ends_with('\n') {
                    text.push('\n');
                }
            }
            (None, Format::Json) => {
                write_go_json(&mut text, pkg)?;
                text.push('\n');
            }
            (None, Format::Text) => {
                text.push_str(&pkg.import_path);
                text.push('\n');
            }
        }
        out.write_all(text.as_bytes())?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Opens the SOURCE: a directory as it is, an artifact (a file, a download) read in memory.
fn open_source(source: &str, args: &PackagesArgs) -> anyhow::Result<OpenedTree> {
    let config = gofed_service::Config::load(None)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let refresh = args.artifact.refresh;
    match crate::source::resolve(
        source,
        args.rev.as_deref(),
        &config.client,
        refresh,
        &runtime,
    )? {
        crate::source::Resolved::Directory(path) => OpenedTree::directory(&path),
        crate::source::Resolved::Artifact { path, name, mount } => {
            let bytes = std::fs::read(&path).with_context(|| name.clone())?;
            let limits = crate::scenario::artifact_limits(&config, &args.artifact);
            let opened = gofed_services::artifact::open_artifact(&name, &bytes, &limits, &mount)?;
            // As the analysis actions print them (their diagnostics); stderr may be closed.
            let mut stderr = std::io::stderr().lock();
            for warning in &opened.meta.warnings {
                let _ =
                    std::io::Write::write_fmt(&mut stderr, format_args!("warning: {warning}\n"));
            }
            Ok(OpenedTree::artifact(opened))
        }
        crate::source::Resolved::Git {
            repo,
            rev,
            dir,
            name,
            mount,
        } => {
            let limits = crate::scenario::artifact_limits(&config, &args.artifact);
            let opened =
                gofed_services::artifact::open_git(&name, &repo, &rev, &dir, &limits, &mount)?;
            let mut stderr = std::io::stderr().lock();
            for warning in &opened.meta.warnings {
                let _ =
                    std::io::Write::write_fmt(&mut stderr, format_args!("warning: {warning}\n"));
            }
            Ok(OpenedTree::artifact(opened))
        }
    }
}

/// The tree and the patterns: the first argument is the tree (SOURCE) unless it is written as
/// a pattern (`...`, `./x`, `../x`, `..`) or is a relative path that exists not, and is neither a URL nor written
/// with `@` (an import path); the tree defaults to `.`, the patterns to `./...`.
fn split_args(args: &[String]) -> (String, Vec<String>) {
    // An absolute path is the tree even when it does not exist: the error then names it.
    let is_source = |arg: &str| {
        !is_wildcard(arg)
            && !arg.starts_with("./")
            && !arg.starts_with("../")
            && arg != ".."
            && (Path::new(arg).is_absolute()
                || Path::new(arg).exists()
                || arg.contains("://")
                || arg.contains('@'))
    };
    let (source, rest) = match args.split_first() {
        Some((first, rest)) if is_source(first) => (first.clone(), rest),
        _ => (".".to_owned(), args),
    };
    let patterns = if rest.is_empty() {
        vec!["./...".to_owned()]
    } else {
        rest.to_vec()
    };
    (source, patterns)
}

/// A package as `go list -json` prints it: go's field names, in go's order, empty fields
/// omitted. Fields gofed does not compute (Doc, Target, Deps, Stale, ImportMap, ...) are
/// absent; templates that name them fail with a message saying so.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
struct GoListPackage {
    #[serde(skip_serializing_if = "String::is_empty")]
    dir: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    import_path: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    root: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    module: Option<GoListModule>,
    #[serde(rename = "Match", skip_serializing_if = "Vec::is_empty")]
    matches: Vec<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    goroot: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    standard: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    incomplete: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    go_files: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cgo_files: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ignored_go_files: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    invalid_go_files: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    imports: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<GoListError>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    deps_errors: Vec<GoListError>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    test_go_files: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    test_imports: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    x_test_go_files: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    x_test_imports: Vec<String>,
}

/// `modinfo.ModulePublic`, for the main module.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
struct GoListModule {
    path: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    main: bool,
    #[serde(skip_serializing_if = "String::is_empty")]
    dir: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    go_mod: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    go_version: String,
}

/// `load.PackageError` as go marshals it: every field, always.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
struct GoListError {
    import_stack: Vec<String>,
    pos: String,
    err: String,
}

/// The Go types of [`GoListPackage`] for templates (`*load.PackagePublic`).
static PACKAGE: StructTy = StructTy {
    name: "load.PackagePublic",
    fields: &[
        ("Dir", Ty::String),
        ("ImportPath", Ty::String),
        ("Name", Ty::String),
        ("Root", Ty::String),
        ("Module", Ty::Ptr(&MODULE)),
        ("Match", Ty::Slice(&Ty::String)),
        ("Goroot", Ty::Bool),
        ("Standard", Ty::Bool),
        ("Incomplete", Ty::Bool),
        ("GoFiles", Ty::Slice(&Ty::String)),
        ("CgoFiles", Ty::Slice(&Ty::String)),
        ("IgnoredGoFiles", Ty::Slice(&Ty::String)),
        ("InvalidGoFiles", Ty::Slice(&Ty::String)),
        ("Imports", Ty::Slice(&Ty::String)),
        ("Error", Ty::Ptr(&PACKAGE_ERROR)),
        ("DepsErrors", Ty::Slice(&Ty::Ptr(&PACKAGE_ERROR))),
        ("TestGoFiles", Ty::Slice(&Ty::String)),
        ("TestImports", Ty::Slice(&Ty::String)),
        ("XTestGoFiles", Ty::Slice(&Ty::String)),
        ("XTestImports", Ty::Slice(&Ty::String)),
    ],
    not_computed: &[
        "ImportComment",
        "Doc",
        "Target",
        "Shlib",
        "ConflictDir",
        "ForTest",
        "Export",
        "BuildID",
        "DepOnly",
        "BinaryOnly",
        "DefaultGODEBUG",
        "Stale",
        "StaleReason",
        "CompiledGoFiles",
        "IgnoredOtherFiles",
        "CFiles",
        "CXXFiles",
        "MFiles",
        "HFiles",
        "FFiles",
        "SFiles",
        "SwigFiles",
        "SwigCXXFiles",
        "SysoFiles",
        "EmbedPatterns",
        "EmbedFiles",
        "CgoCFLAGS",
        "CgoCPPFLAGS",
        "CgoCXXFLAGS",
        "CgoFFLAGS",
        "CgoLDFLAGS",
        "CgoPkgConfig",
        "ImportMap",
        "Deps",
        "TestEmbedPatterns",
        "TestEmbedFiles",
        "XTestEmbedPatterns",
        "XTestEmbedFiles",
    ],
    display: None,
};

static MODULE: StructTy = StructTy {
    name: "modinfo.ModulePublic",
    fields: &[
        ("Path", Ty::String),
        ("Version", Ty::String),
        ("Main", Ty::Bool),
        ("Indirect", Ty::Bool),
        ("Dir", Ty::String),
        ("GoMod", Ty::String),
        ("GoVersion", Ty::String),
    ],
    not_computed: &[
        "Query",
        "Versions",
        "Replace",
        "Time",
        "Update",
        "Retracted",
        "Deprecated",
        "Error",
        "Sum",
        "GoModSum",
        "Origin",
        "Reuse",
    ],
    display: Some(module_string),
};

static PACKAGE_ERROR: StructTy = StructTy {
    name: "load.PackageError",
    fields: &[
        ("ImportStack", Ty::Slice(&Ty::String)),
        ("Pos", Ty::String),
        ("Err", Ty::String),
    ],
    not_computed: &["IsImportCycle"],
    display: Some(package_error_string),
};

fn str_field<'a>(obj: &'a serde_json::Map<String, serde_json::Value>, key: &str) -> &'a str {
    obj.get(key)
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
}

/// `(*modinfo.ModulePublic).String` for what gofed fills in.
fn module_string(obj: &serde_json::Map<String, serde_json::Value>) -> String {
    let path = str_field(obj, "Path");
    match str_field(obj, "Version") {
        "" => path.to_owned(),
        version => format!("{path} {version}"),
    }
}

/// `(*load.PackageError).Error`.
fn package_error_string(obj: &serde_json::Map<String, serde_json::Value>) -> String {
    let pos = str_field(obj, "Pos");
    let err = str_field(obj, "Err");
    let stack: Vec<&str> = obj
        .get("ImportStack")
        .and_then(serde_json::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(serde_json::Value::as_str)
        .collect();
    if !pos.is_empty() {
        return format!("{pos}: {err}");
    }
    if stack.is_empty() {
        return err.to_owned();
    }
    format!("package {}: {err}", stack.join("\n\timports "))
}

/// Writes `value` as Go's `json.MarshalIndent(value, "", "\t")`: tab indentation, and `<`,
/// `>`, `&`, U+2028 and U+2029 escaped as `\u003c` ... as encoding/json does.
fn write_go_json<T: Serialize>(out: &mut String, value: &T) -> anyhow::Result<()> {
    let mut buf = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, GoFormatter::default());
    value.serialize(&mut ser)?;
    out.push_str(std::str::from_utf8(&buf)?);
    Ok(())
}

/// serde_json's pretty printer with a tab indent and encoding/json's HTML-safe escaping.
struct GoFormatter {
    pretty: serde_json::ser::PrettyFormatter<'static>,
}

impl Default for GoFormatter {
    fn default() -> GoFormatter {
        GoFormatter {
            pretty: serde_json::ser::PrettyFormatter::with_indent(b"\t"),
        }
    }
}

impl serde_json::ser::Formatter for GoFormatter {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.pretty.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.pretty.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.pretty.end_object_value(w)
    }
    fn write_string_fragment<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> std::io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            let escaped = match c {
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u{2028}' => "\\u2028",
                '\u{2029}' => "\\u2029",
                _ => continue,
            };
            w.write_all(&fragment.as_bytes()[start..i])?;
            w.write_all(escaped.as_bytes())?;
            start = i + c.len_utf8();
        }
        w.write_all(&fragment.as_bytes()[start..])
    }
}

/// go list's `Root`: the GOROOT, the GOPATH entry or the module root holding the package.
fn root_of(layout: &Layout) -> String {
    match layout {
        Layout::Goroot { goroot, .. } => goroot.display().to_string(),
        Layout::Module { dir, .. } => dir.display().to_string(),
        Layout::Gopath { src } => src
            .parent()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

fn module_of(project: &Project) -> Option<GoListModule> {
    let Layout::Module { dir, path } = &project.layout else {
        return None;
    };
    let go_version = project
        .go_mod
        .as_ref()
        .and_then(|parsed| parsed.go_mod.go.clone())
        .unwrap_or_default();
    Some(GoListModule {
        path: path.clone(),
        main: true,
        dir: dir.display().to_string(),
        go_mod: dir.join("go.mod").display().to_string(),
        go_version,
    })
}

/// A loaded package with go list's fields.
fn go_list_package(project: &Project, pkg: &Package) -> GoListPackage {
    let mut error = pkg
        .error
        .as_ref()
        .map(|err| package_error(project, pkg, &err.err));
    let mut deps_errors = Vec::new();
    for message in &pkg.import_errors {
        // "use of internal package ... not allowed": since Go 1.21 (checked against 1.21-1.27
        // sources) the importer's own error, before (Go 1.19) an error of the dependency.
        let imported = message
            .strip_prefix("use of internal package ")
            .and_then(|rest| rest.strip_suffix(" not allowed"))
            .unwrap_or_default();
        if project.go_minor >= 21 {
            if error.is_none() {
                error = Some(GoListError {
                    import_stack: vec![pkg.import_path.clone()],
                    pos: String::new(),
                    err: message.clone(),
                });
            }
        } else {
            deps_errors.push(GoListError {
                import_stack: vec![pkg.import_path.clone(), imported.to_owned()],
                pos: String::new(),
                err: message.clone(),
            });
        }
    }
    let goroot = matches!(project.layout, Layout::Goroot { .. });
    GoListPackage {
        dir: pkg.dir.display().to_string(),
        import_path: pkg.import_path.clone(),
        name: pkg.name.clone(),
        root: root_of(&project.layout),
        module: if pkg.standard {
            None
        } else {
            module_of(project)
        },
        matches: Vec::new(),
        goroot,
        standard: pkg.standard,
        incomplete: error.is_some() || !deps_errors.is_empty(),
        go_files: pkg.go_files.clone(),
        cgo_files: pkg.cgo_files.clone(),
        ignored_go_files: pkg.ignored_go_files.clone(),
        invalid_go_files: pkg.invalid_go_files.clone(),
        imports: pkg.imports.clone(),
        error,
        deps_errors,
        test_go_files: pkg.test_go_files.clone(),
        test_imports: pkg.test_imports.clone(),
        x_test_go_files: pkg.x_test_go_files.clone(),
        x_test_imports: pkg.x_test_imports.clone(),
    }
}

/// The loader's message as go list's error: a syntax error `FILE:LINE:COL: MESSAGE` has its
/// position apart (the file relative to the tree, as go's `ShortPath` makes it relative to
/// the working directory) and the package on its import stack.
fn package_error(project: &Project, pkg: &Package, message: &str) -> GoListError {
    let positioned = message.split_once(".go:").and_then(|(file, rest)| {
        let (line, rest) = rest.split_once(':')?;
        let (col, text) = rest.split_once(": ")?;
        let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        (numeric(line) && numeric(col)).then(|| {
            let path = PathBuf::from(format!("{file}.go"));
            let short = match path.strip_prefix(&project.root) {
                Ok(rel) => rel.display().to_string(),
                Err(_) => path.display().to_string(),
            };
            (format!("{short}:{line}:{col}"), text.to_owned())
        })
    });
    match positioned {
        Some((pos, err)) => GoListError {
            import_stack: vec![pkg.import_path.clone()],
            pos,
            err,
        },
        None => GoListError {
            import_stack: Vec::new(),
            pos: String::new(),
            err: message.to_owned(),
        },
    }
}

/// An entry for a pattern that names no package, as `go list -e` prints it.
fn pattern_error(pattern: &str, dir: Option<&Path>, err: String) -> GoListPackage {
    GoListPackage {
        dir: dir.map(|d| d.display().to_string()).unwrap_or_default(),
        import_path: pattern.to_owned(),
        matches: vec![pattern.to_owned()],
        incomplete: true,
        error: Some(GoListError {
            import_stack: Vec::new(),
            pos: String::new(),
            err,
        }),
        ..GoListPackage::default()
    }
}

/// Lexically cleans a path (`a/./b/../c` → `a/c`), keeping `...` elements.
fn clean(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn is_filesystem_pattern(pattern: &str) -> bool {
    pattern == "."
        || pattern == ".."
        || pattern.starts_with("./")
        || pattern.starts_with("../")
        || Path::new(pattern).is_absolute()
}

/// The packages the patterns select, in pattern order, each once, with the patterns that
/// matched it (`Match`).
fn select(
    tree: &OpenedTree,
    project: &Project,
    context: &crate::cli::ContextArgs,
    patterns: &[String],
) -> anyhow::Result<Vec<GoListPackage>> {
    let root = tree.root();
    // go list's order: its directory walk (entries sorted by name), which is the order of
    // the directories' paths compared element by element (`a`, `a/b`, `a-c`).
    let mut ordered: Vec<&Package> = project.packages.iter().collect();
    ordered.sort_by(|a, b| a.dir.cmp(&b.dir));
    let mut listed: Vec<GoListPackage> = Vec::new();
    for pattern in patterns {
        if is_filesystem_pattern(pattern) {
            // Relative patterns are read in the tree, as `go -C SOURCE list PATTERN`.
            let abs = clean(&root.join(pattern));
            let Ok(rel) = abs.strip_prefix(root) else {
                anyhow::bail!(
                    "pattern {pattern}: directory {} is outside the tree {} (give the tree as SOURCE)",
                    abs.display(),
                    root.display()
                );
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            if is_wildcard(pattern) {
                let local = if rel.is_empty() {
                    ".".to_owned()
                } else {
                    format!("./{rel}")
                };
                let matcher = Matcher::new(&local);
                let mut n_matched = 0;
                for pkg in &ordered {
                    let name = match pkg.dir.strip_prefix(root) {
                        Ok(r) if r.as_os_str().is_empty() => ".".to_owned(),
                        Ok(r) => format!("./{}", r.to_string_lossy().replace('\\', "/")),
                        Err(_) => continue,
                    };
                    if matcher.matches(&name) {
                        n_matched += 1;
                        add(&mut listed, go_list_package(project, pkg), pattern);
                    }
                }
                if n_matched == 0 {
                    // go list -e: a missing directory is an error entry, an empty match a
                    // warning.
                    // The directory the walk starts from: the pattern up to the last `/`
                    // before the wildcard, as written.
                    let before = &pattern[..pattern.find("...").unwrap_or(pattern.len())];
                    let start = &before[..before.rfind('/').map_or(0, |i| i + 1)];
                    if !start.is_empty() && !root.join(start).is_dir() {
                        add(
                            &mut listed,
                            pattern_error(
                                pattern,
                                None,
                                format!(
                                    "pattern {pattern}: lstat {start}: no such file or directory"
                                ),
                            ),
                            pattern,
                        );
                    } else {
                        eprintln!("gofed: warning: {pattern:?} matched no packages");
                    }
                }
                continue;
            }
            let dir = root.join(&rel);
            match project.packages.iter().find(|p| p.dir == dir) {
                Some(pkg) => add(&mut listed, go_list_package(project, pkg), pattern),
                None => {
                    let entry = literal_dir(tree, project, context, pattern, &dir);
                    add(&mut listed, entry, pattern);
                }
            }
        } else if matches!(pattern.as_str(), "std" | "cmd" | "all") || is_wildcard(pattern) {
            let matcher = Matcher::new(pattern);
            let mut n_matched = 0;
            for pkg in &ordered {
                let hit = match pattern.as_str() {
                    "std" => pkg.standard,
                    "cmd" => pkg.import_path == "cmd" || pkg.import_path.starts_with("cmd/"),
                    "all" => true,
                    _ => matcher.matches(&pkg.import_path),
                };
                if hit {
                    n_matched += 1;
                    add(&mut listed, go_list_package(project, pkg), pattern);
                }
            }
            if n_matched == 0 {
                eprintln!("gofed: warning: {pattern:?} matched no packages");
            }
        } else {
            match project.packages.iter().find(|p| p.import_path == *pattern) {
                Some(pkg) => add(&mut listed, go_list_package(project, pkg), pattern),
                None => add(
                    &mut listed,
                    pattern_error(
                        pattern,
                        None,
                        format!(
                            "package {pattern} is not in the tree {} (gofed lists only the packages of SOURCE)",
                            root.display()
                        ),
                    ),
                    pattern,
                ),
            }
        }
    }
    Ok(listed)
}

/// Adds a package a pattern matched: once, with every pattern that matched it.
fn add(listed: &mut Vec<GoListPackage>, mut pkg: GoListPackage, pattern: &str) {
    match listed
        .iter_mut()
        .find(|p| p.dir == pkg.dir && p.import_path == pkg.import_path)
    {
        Some(existing) => {
            if !existing.matches.iter().any(|m| m == pattern) {
                existing.matches.push(pattern.to_owned());
            }
        }
        None => {
            pkg.matches = vec![pattern.to_owned()];
            listed.push(pkg);
        }
    }
}

/// A directory named explicitly that `./...` does not list (testdata, `_x`, a nested module,
/// or no package at all): loaded on its own as go list does, else an error entry.
fn literal_dir(
    tree: &OpenedTree,
    project: &Project,
    context: &crate::cli::ContextArgs,
    pattern: &str,
    dir: &Path,
) -> GoListPackage {
    if !tree.tree().is_dir(dir) {
        return pattern_error(
            pattern,
            None,
            format!("stat {}: directory not found", dir.display()),
        );
    }
    let config = load_config(
        tree.tree(),
        tree.root(),
        &context.build_context(),
        Purpose::Deps,
    );
    if let Some(pkg) =
        gofed_go::load::load_package(tree.tree(), tree.root(), &project.layout, &config, dir)
    {
        return go_list_package(project, &pkg);
    }
    let has_go_files = tree
        .tree()
        .read_dir(dir)
        .is_ok_and(|entries| entries.iter().any(|e| !e.is_dir && e.name.ends_with(".go")));
    let err = if has_go_files {
        format!(
            "build constraints exclude all Go files in {}",
            dir.display()
        )
    } else {
        format!("no Go files in {}", dir.display())
    };
    pattern_error(pattern, Some(dir), err)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field the JSON output can carry is known to templates with a matching type, so
    /// a template sees exactly the JSON field names.
    #[test]
    fn template_schema_covers_the_json_fields() {
        let full = GoListPackage {
            dir: "d".into(),
            import_path: "p".into(),
            name: "n".into(),
            root: "r".into(),
            module: Some(GoListModule {
                path: "m".into(),
                main: true,
                dir: "d".into(),
                go_mod: "d/go.mod".into(),
                go_version: "1.22".into(),
            }),
            matches: vec!["./...".into()],
            goroot: true,
            standard: true,
            incomplete: true,
            go_files: vec!["a.go".into()],
            cgo_files: vec!["c.go".into()],
            ignored_go_files: vec!["i.go".into()],
            invalid_go_files: vec!["v.go".into()],
            imports: vec!["fmt".into()],
            error: Some(GoListError {
                import_stack: vec![],
                pos: String::new(),
                err: "e".into(),
            }),
            deps_errors: vec![GoListError {
                import_stack: vec!["p".into()],
                pos: String::new(),
                err: "e".into(),
            }],
            test_go_files: vec!["a_test.go".into()],
            test_imports: vec!["testing".into()],
            x_test_go_files: vec!["x_test.go".into()],
            x_test_imports: vec!["p".into()],
        };
        let value = serde_json::to_value(&full).unwrap();
        let obj = value.as_object().unwrap();
        let names: Vec<&str> = PACKAGE.fields.iter().map(|(n, _)| *n).collect();
        let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        let mut sorted_names = names.clone();
        sorted_names.sort_unstable();
        assert_eq!(keys, sorted_names, "JSON keys vs template fields");
        for (name, ty) in PACKAGE.fields {
            let v = &obj[*name];
            let ok = match ty {
                Ty::String => v.is_string(),
                Ty::Bool => v.is_boolean(),
                Ty::Slice(_) => v.is_array(),
                Ty::Ptr(_) => v.is_object(),
                _ => false,
            };
            assert!(ok, "{name}: {v}");
        }
        let module = obj["Module"].as_object().unwrap();
        for key in module.keys() {
            assert!(MODULE.fields.iter().any(|(n, _)| n == key), "Module.{key}");
        }
    }

    #[test]
    fn go_json_escapes_html_characters_and_indents_with_tabs() {
        let mut out = String::new();
        write_go_json(
            &mut out,
            &serde_json::json!({"A": ["<a&b>\u{2028}"], "B": []}),
        )
        .unwrap();
        assert_eq!(
            out,
            "{\n\t\"A\": [\n\t\t\"\\u003ca\\u0026b\\u003e\\u2028\"\n\t],\n\t\"B\": []\n}"
        );
    }
}
