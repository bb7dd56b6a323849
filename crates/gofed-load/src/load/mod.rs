//! Package loading: a directory tree into packages with `go list` semantics.
//!
//! [`load_tree`] walks a tree like `go list ./...` (skipping `vendor/`, `testdata/`, `_x`,
//! `.x` and, in module mode, nested modules), decides per file what go/build decides
//! (via [`crate::build`]), reads only each file's package clause and imports (like go/build's
//! `readGoInfo`; [`crate::parser::ParseMode::ImportsOnly`]), and fills the fields of
//! `go list -json`: files per category, imports per category (sorted, deduplicated, resolved
//! through `vendor/` as the go command does), the package name and errors.
//!
//! The tree is read through the [`FileTree`] trait, so archives and other sources can be
//! loaded without touching the disk; [`OsFileTree`] reads a directory. Directories load in
//! parallel (rayon); the result is sorted and deterministic.

pub mod gomod;
pub mod importpath;
mod memory_tree;
pub mod stdlib;
pub mod vendor;

pub use memory_tree::{MemoryTree, MemoryTreeError};

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::budget::{Budget, BudgetError};
use crate::build::{self, Selector};
use crate::lexer::unquote;
use crate::parser::{parse_file_with, ParseMode};
use crate::span::LineIndex;

/// Read access to a file tree.
pub trait FileTree: Sync {
    /// The entries of a directory (names and whether each is a directory or a regular file;
    /// other kinds are left out).
    fn read_dir(&self, dir: &Path) -> io::Result<Vec<DirEntry>>;
    /// A file's bytes.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// A file's first `len` bytes or more (all of them by default), for readers that need only
    /// its beginning.
    fn read_head(&self, path: &Path, len: usize) -> io::Result<Vec<u8>> {
        let _ = len;
        self.read(path)
    }
    /// Whether `path` is a directory.
    fn is_dir(&self, path: &Path) -> bool;
    /// Whether `path` is a regular file.
    fn is_file(&self, path: &Path) -> bool;
    /// `path` with every symbolic link in it resolved (`None` when it does not exist). A tree
    /// without links has `path` itself.
    fn real_path(&self, path: &Path) -> Option<PathBuf> {
        (self.is_dir(path) || self.is_file(path)).then(|| path.to_path_buf())
    }
}

/// One directory entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirEntry {
    /// The entry's name.
    pub name: String,
    /// A directory (symbolic links to directories are not followed, as `./...` does not).
    pub is_dir: bool,
}

/// The operating system's file system.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsFileTree;

impl FileTree for OsFileTree {
    fn read_dir(&self, dir: &Path) -> io::Result<Vec<DirEntry>> {
        let mut entries = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            let is_dir = file_type.is_dir();
            let is_file = if file_type.is_symlink() {
                // go/build follows links to files.
                std::fs::metadata(entry.path())
                    .map(|m| m.is_file())
                    .unwrap_or(false)
            } else {
                file_type.is_file()
            };
            if !is_dir && !is_file {
                continue;
            }
            // Non-UTF-8 names cannot be Go import paths or file names go/build lists.
            let Ok(name) = entry.file_name().into_string() else {
                continue;
            };
            entries.push(DirEntry { name, is_dir });
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(entries)
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        std::fs::read(path)
    }

    fn read_head(&self, path: &Path, len: usize) -> io::Result<Vec<u8>> {
        use std::io::Read as _;
        let mut head = Vec::with_capacity(len);
        std::fs::File::open(path)?
            .take(len as u64)
            .read_to_end(&mut head)?;
        Ok(head)
    }

    fn is_dir(&self, path: &Path) -> bool {
        path.is_dir()
    }

    fn is_file(&self, path: &Path) -> bool {
        path.is_file()
    }

    fn real_path(&self, path: &Path) -> Option<PathBuf> {
        std::fs::canonicalize(path).ok()
    }
}

/// Errors that stop a whole load (per-file and per-package problems are reported in the
/// packages instead).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The root cannot be read.
    #[error("{path}: {source}")]
    Root {
        /// The root.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The root holds no Go package.
    #[error("{path}: no Go packages found")]
    NoPackages {
        /// The root.
        path: PathBuf,
    },
    /// The main module's go.mod is invalid: the go command refuses to do anything with it
    /// (the main module's go.mod is read strictly: unknown directives are errors too).
    #[error("errors parsing go.mod:\n{}", join_lines(.errors))]
    GoMod {
        /// The errors, in file order, as modfile words them (`/m/go.mod:1: unknown directive: modul`).
        errors: Vec<gomod::GoModError>,
    },
    /// The main module's go.mod has no `module` directive.
    #[error(
        "error reading go.mod: missing module declaration. To specify the module path:\n\tgo mod edit -module=example.com/mod"
    )]
    MissingModule {
        /// The go.mod file.
        path: PathBuf,
    },
    /// A directory lies deeper below the root than [`MAX_DIR_DEPTH`].
    #[error("{path}: directory nested more than {limit} levels below the root")]
    TooDeep {
        /// The first directory too deep.
        path: PathBuf,
        /// [`MAX_DIR_DEPTH`].
        limit: usize,
    },
    /// The load was cancelled or went over its memory budget.
    #[error(transparent)]
    Budget(#[from] BudgetError),
}

fn join_lines(errors: &[gomod::GoModError]) -> String {
    let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    lines.join("\n")
}

/// How import paths are assigned, as the go command decides (see [`detect_layout`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
// Exhaustive: the stored API model (gofed_api's `ModelLayout`) mirrors every variant.
pub enum Layout {
    /// A Go distribution's `src` (or a directory below it): the standard library.
    Goroot {
        /// The GOROOT (parent of `src`).
        goroot: PathBuf,
        /// Its Go minor version, from the `VERSION` file.
        go_minor: Option<u32>,
    },
    /// A module: a `go.mod` in the root or above it.
    Module {
        /// The module's directory.
        dir: PathBuf,
        /// The module path.
        path: String,
    },
    /// A GOPATH: the root is `GOPATH/src` or below it.
    Gopath {
        /// `GOPATH/src`.
        src: PathBuf,
    },
    /// Import paths given by the user: the root's import path.
    Prefix {
        /// The root's import path.
        import_path: String,
    },
    /// None of the above: go's `_/abs/dir` paths.
    Local,
}

/// What to load.
#[derive(Clone, Debug)]
pub struct LoadConfig {
    /// Which build configurations count.
    pub selector: Selector,
    /// The Go minor version whose rules apply (standard library list, release tags); `None`
    /// takes it from the GOROOT the tree lies in, else the newest known.
    pub go_minor: Option<u32>,
    /// The root's import path, overriding detection (`--import-path`).
    pub import_path: Option<String>,
    /// Also load the packages under `vendor/` directories (as dependencies for type
    /// checking; `go list ./...` does not list them).
    pub include_vendor: bool,
    /// Skip `_test.go` files entirely (their names and imports are not reported): what
    /// API analysis needs, and faster.
    pub skip_tests: bool,
    /// Keep the bytes of the package files (GoFiles, CgoFiles) in [`Package::sources`], so
    /// that a later full parse does not read them again.
    pub keep_sources: bool,
}

/// A package, with `go list -json`'s field names and meanings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "PascalCase")
)]
pub struct Package {
    /// Absolute directory.
    pub dir: PathBuf,
    /// Import path.
    pub import_path: String,
    /// Package name (`main` for commands; empty when no file names it).
    pub name: String,
    /// Whether it belongs to the standard library.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "std::ops::Not::not"))]
    pub standard: bool,
    /// Whether it lies in a `vendor/` directory (loaded only with `include_vendor`).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "std::ops::Not::not"))]
    pub vendored: bool,
    /// `.go` files (no tests, no cgo).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub go_files: Vec<String>,
    /// `.go` files that import `"C"`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub cgo_files: Vec<String>,
    /// `.go` files excluded by build constraints or file names.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub ignored_go_files: Vec<String>,
    /// `.go` files with errors (syntax, constraints, mixed package names).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub invalid_go_files: Vec<String>,
    /// `_test.go` files of the package.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub test_go_files: Vec<String>,
    /// `_test.go` files of the external test package `NAME_test`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub x_test_go_files: Vec<String>,
    /// Imports of `go_files` and `cgo_files`, resolved (vendor), sorted by source path.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub imports: Vec<String>,
    /// The imports of `go_files` and `cgo_files` that resolve to another path than the one
    /// written (through `vendor/`, or GOPATH's minimal module compatibility): written →
    /// resolved, as go list's `ImportMap`. Type checking reads a file's import through it.
    #[cfg_attr(feature = "serde", serde(skip))]
    pub import_map: std::collections::BTreeMap<String, String>,
    /// Imports of `test_go_files`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub test_imports: Vec<String>,
    /// Imports of `x_test_go_files`.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub x_test_imports: Vec<String>,
    /// The package's error (`go list -e`'s `Error.Err`), if any.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub error: Option<PackageError>,
    /// Imports the go command refuses: `internal` packages outside their parent's tree
    /// (`go list` reports them as errors of the dependency).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub import_errors: Vec<String>,
    /// The bytes of GoFiles and CgoFiles, when loaded with `keep_sources`.
    #[cfg_attr(feature = "serde", serde(skip))]
    pub sources: Vec<(String, std::sync::Arc<[u8]>)>,
}

/// `go list`'s `Error` object.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "PascalCase")
)]
pub struct PackageError {
    /// The message.
    pub err: String,
}

impl Package {
    /// Whether this is a command (`package main`).
    pub fn is_main(&self) -> bool {
        self.name == "main"
    }
}

/// The result of loading a tree.
#[derive(Clone, Debug)]
pub struct Project {
    /// The root, absolute.
    pub root: PathBuf,
    /// How import paths were assigned.
    pub layout: Layout,
    /// The Go minor version whose rules were applied.
    pub go_minor: u32,
    /// The packages, sorted by import path.
    pub packages: Vec<Package>,
    /// The module's go.mod (module layout), with its problems.
    pub go_mod: Option<gomod::ParsedGoMod>,
    /// The module's `vendor/modules.txt`, if any.
    pub vendor: Option<vendor::ParsedModulesTxt>,
}

impl Project {
    /// The import path of the root directory (`None` for `_/abs/dir` layouts).
    pub fn root_import_path(&self) -> Option<String> {
        let under = |base: &Path, prefix: &str| -> Option<String> {
            let rel = self
                .root
                .strip_prefix(base)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            Some(match (prefix.is_empty(), rel.is_empty()) {
                (_, true) => prefix.to_owned(),
                (true, false) => rel,
                (false, false) => format!("{prefix}/{rel}"),
            })
        };
        match &self.layout {
            Layout::Goroot { goroot, .. } => under(&goroot.join("src"), ""),
            Layout::Module { dir, path } => under(dir, path),
            Layout::Gopath { src } => under(src, ""),
            Layout::Prefix { import_path } => Some(import_path.clone()),
            Layout::Local => None,
        }
    }

    /// The context for [`importpath::classify`]ing this project's imports.
    pub fn classify_context(&self) -> importpath::ClassifyContext {
        let mut ctx = importpath::ClassifyContext {
            go_minor: self.go_minor,
            ..Default::default()
        };
        ctx.project = match &self.layout {
            Layout::Module { path, .. } => Some(path.clone()),
            Layout::Prefix { import_path } => Some(import_path.clone()),
            _ => None,
        };
        ctx.std_importer = matches!(self.layout, Layout::Goroot { .. });
        if let Some(parsed) = &self.go_mod {
            ctx = ctx.with_go_mod(&parsed.go_mod);
            // The go directive does not change which standard library gofed applies.
            ctx.go_minor = self.go_minor;
        }
        if let Some(parsed) = &self.vendor {
            ctx = ctx.with_vendor(&parsed.modules_txt);
        }
        ctx
    }
}

/// The newest Go minor version gofed knows.
pub const NEWEST_GO_MINOR: u32 = 27;

/// Loads every package under `root` (`go list -e ./...`).
pub fn load_tree(
    tree: &dyn FileTree,
    root: &Path,
    config: &LoadConfig,
) -> Result<Project, LoadError> {
    load_tree_with_budget(tree, root, config, &Budget::unlimited())
}

/// [`load_tree`] charging the bytes of the files it reads to `budget` and stopping when the
/// budget is exhausted or cancelled.
pub fn load_tree_with_budget(
    tree: &dyn FileTree,
    root: &Path,
    config: &LoadConfig,
    budget: &Budget,
) -> Result<Project, LoadError> {
    if !tree.is_dir(root) {
        let source = io::Error::new(io::ErrorKind::NotFound, "not a directory");
        return Err(LoadError::Root {
            path: root.to_path_buf(),
            source,
        });
    }
    let layout = match &config.import_path {
        Some(prefix) => Layout::Prefix {
            import_path: prefix.trim_end_matches('/').to_owned(),
        },
        None => detect_layout(tree, root),
    };
    let go_minor = config
        .go_minor
        .or(match &layout {
            Layout::Goroot { go_minor, .. } => *go_minor,
            _ => None,
        })
        .unwrap_or(NEWEST_GO_MINOR);
    let (go_mod, vendor) = match &layout {
        Layout::Module { dir, .. } => {
            let go_mod_path = dir.join("go.mod");
            let go_mod = tree
                .read(&go_mod_path)
                .ok()
                .map(|src| gomod::parse(&go_mod_path.display().to_string(), &src));
            let txt_path = dir.join("vendor").join("modules.txt");
            let vendor = tree
                .read(&txt_path)
                .ok()
                .map(|src| vendor::parse_modules_txt(&txt_path.display().to_string(), &src));
            (go_mod, vendor)
        }
        _ => (None, None),
    };
    if let (Layout::Module { dir, .. }, Some(parsed)) = (&layout, &go_mod) {
        // The main module's go.mod, read as the go command reads it: strictly.
        let mut errors: Vec<gomod::GoModError> = parsed
            .errors
            .iter()
            .chain(&parsed.warnings)
            .cloned()
            .collect();
        errors.sort_by_key(|e| (e.line, e.col));
        if !errors.is_empty() {
            return Err(LoadError::GoMod { errors });
        }
        if parsed.go_mod.module.is_none() {
            return Err(LoadError::MissingModule {
                path: dir.join("go.mod"),
            });
        }
    }
    let module_mode = matches!(layout, Layout::Goroot { .. } | Layout::Module { .. });

    // Walk the directories `./...` matches.
    let mut dirs = Vec::new();
    let walk_options = WalkOptions {
        module_mode,
        include_vendor: config.include_vendor,
    };
    walk(tree, root, walk_options, budget, &mut dirs)?;

    let ctx = LoadContext {
        tree,
        root,
        layout: &layout,
        selector: &config.selector,
        skip_tests: config.skip_tests,
        keep_sources: config.keep_sources,
        budget,
    };
    let mut packages: Vec<Package> = dirs
        .par_iter()
        .filter_map(|rel| {
            let dir = if rel.as_os_str().is_empty() {
                root.to_path_buf()
            } else {
                root.join(rel)
            };
            ctx.load_dir(&dir)
        })
        // As cmd/go: `builtin` exists only for documentation.
        .filter(|pkg| pkg.import_path != "builtin")
        .collect();
    // A directory stops loading once the budget is exhausted; the load as a whole fails.
    budget.check()?;
    packages.sort_by(|a, b| {
        a.import_path
            .cmp(&b.import_path)
            .then_with(|| a.dir.cmp(&b.dir))
    });
    if packages.is_empty() {
        return Err(LoadError::NoPackages {
            path: root.to_path_buf(),
        });
    }
    Ok(Project {
        root: root.to_path_buf(),
        layout,
        go_minor,
        packages,
        go_mod,
        vendor,
    })
}

/// Loads the one package in `dir` of a tree whose layout is known (for loading a GOROOT's
/// packages on demand instead of walking it all). `None` when the directory holds no
/// buildable Go files.
pub fn load_package(
    tree: &dyn FileTree,
    root: &Path,
    layout: &Layout,
    config: &LoadConfig,
    dir: &Path,
) -> Option<Package> {
    let ctx = LoadContext {
        tree,
        root,
        layout,
        selector: &config.selector,
        skip_tests: config.skip_tests,
        keep_sources: config.keep_sources,
        budget: &Budget::unlimited(),
    };
    ctx.load_dir(dir)
}

/// Decides the layout as the go command (and the oracle's `golist.sh`) does: a GOROOT's
/// `src`, a module (`go.mod` in the root or above, unless a GOPATH `src` comes first), a
/// GOPATH `src`, else `_/abs/dir` paths.
pub fn detect_layout(tree: &dyn FileTree, root: &Path) -> Layout {
    // GOROOT: an ancestor-or-self directory named src whose parent has VERSION and src/runtime.
    for dir in root.ancestors() {
        if dir.file_name().is_some_and(|n| n == "src") {
            if let Some(goroot) = dir.parent() {
                if tree.is_file(&goroot.join("VERSION")) && tree.is_dir(&dir.join("runtime")) {
                    let go_minor = tree
                        .read(&goroot.join("VERSION"))
                        .ok()
                        .and_then(|v| parse_go_version(&v));
                    return Layout::Goroot {
                        goroot: goroot.to_path_buf(),
                        go_minor,
                    };
                }
            }
        }
    }
    // Any go.mod makes a module, as for the go command: one without a usable `module` line
    // is reported when it is parsed, not read as some other layout.
    if tree.is_file(&root.join("go.mod")) {
        return Layout::Module {
            dir: root.to_path_buf(),
            path: read_module_path(tree, root).unwrap_or_default(),
        };
    }
    // A GOPATH src at or above the root, with no go.mod in between.
    for dir in root.ancestors() {
        if dir != root && tree.is_file(&dir.join("go.mod")) {
            break;
        }
        if dir.file_name().is_some_and(|n| n == "src") {
            return Layout::Gopath {
                src: dir.to_path_buf(),
            };
        }
    }
    for dir in root.ancestors().skip(1) {
        if tree.is_file(&dir.join("go.mod")) {
            return Layout::Module {
                dir: dir.to_path_buf(),
                path: read_module_path(tree, dir).unwrap_or_default(),
            };
        }
    }
    Layout::Local
}

fn read_module_path(tree: &dyn FileTree, dir: &Path) -> Option<String> {
    let src = tree.read(&dir.join("go.mod")).ok()?;
    gomod::module_path(&src)
}

/// `go1.27.3 ...` → 27.
fn parse_go_version(text: &[u8]) -> Option<u32> {
    let text = std::str::from_utf8(text).ok()?;
    let rest = text.trim_start().strip_prefix("go1.")?;
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

/// Collects the directories `./...` visits, in sorted order.
#[derive(Clone, Copy)]
struct WalkOptions {
    module_mode: bool,
    include_vendor: bool,
}

/// The deepest directory [`load_tree`] walks, in levels below the root. No real Go tree comes
/// near it: a path with more levels has more than 4,096 bytes (each level adds a name and a
/// slash), Linux's `PATH_MAX`, so the go command could not open a file there; the bound keeps
/// a crafted tree (an archive of `a/a/a/…`) from costing more than such paths would.
pub const MAX_DIR_DEPTH: usize = 2048;

/// Walks iteratively (an explicit stack, not one native frame per level: a crafted tree
/// may be deeper than any thread's stack), visiting directories in the order a recursive
/// sorted walk would. `out` gets each directory relative to `root` (the root itself as the
/// empty path): a tree of many directories under a long root would otherwise hold the root
/// once per directory (80,000 directories under a 4,000-byte mount: 320 MB).
fn walk(
    tree: &dyn FileTree,
    root: &Path,
    options: WalkOptions,
    budget: &Budget,
    out: &mut Vec<PathBuf>,
) -> Result<(), LoadError> {
    let entries = tree.read_dir(root).map_err(|source| LoadError::Root {
        path: root.to_path_buf(),
        source,
    })?;
    out.push(PathBuf::new());
    // Each item: a directory whose subdirectories are still to be visited, its depth, and
    // its remaining subdirectories in reverse order (so `pop` takes the smallest name).
    let mut stack: Vec<(PathBuf, usize, Vec<String>)> = vec![(
        root.to_path_buf(),
        0,
        subdirs(tree, root, root, &entries, options),
    )];
    while let Some((dir, depth, pending)) = stack.last_mut() {
        budget.check().map_err(LoadError::Budget)?;
        let Some(name) = pending.pop() else {
            stack.pop();
            continue;
        };
        let sub = dir.join(&name);
        let depth = *depth + 1;
        if depth > MAX_DIR_DEPTH {
            return Err(LoadError::TooDeep {
                path: sub,
                limit: MAX_DIR_DEPTH,
            });
        }
        out.push(sub.strip_prefix(root).unwrap_or(&sub).to_path_buf());
        // An unreadable subdirectory is skipped, as go list reports nothing for it.
        let children = match tree.read_dir(&sub) {
            Ok(entries) => subdirs(tree, root, &sub, &entries, options),
            Err(_) => Vec::new(),
        };
        stack.push((sub, depth, children));
    }
    Ok(())
}

/// The subdirectories of `dir` that `./...` enters, in reverse name order.
fn subdirs(
    tree: &dyn FileTree,
    root: &Path,
    dir: &Path,
    entries: &[DirEntry],
    options: WalkOptions,
) -> Vec<String> {
    let mut names: Vec<String> = entries
        .iter()
        .filter(|e| e.is_dir)
        .map(|e| e.name.as_str())
        .filter(|name| {
            !(name.starts_with('.')
                || name.starts_with('_')
                || *name == "testdata"
                || *name == "vendor" && !options.include_vendor)
        })
        // Nested modules are other modules (module mode only). Under `vendor/` a go.mod is a
        // vendored module's own (`go mod vendor` kept them before Go 1.17): its packages are
        // still the main module's vendored ones.
        .filter(|name| {
            let sub = dir.join(name);
            let in_vendor = sub
                .strip_prefix(root)
                .is_ok_and(|rel| rel.components().any(|c| c.as_os_str() == "vendor"));
            !(options.module_mode && !in_vendor && tree.is_file(&sub.join("go.mod")))
        })
        .map(str::to_owned)
        .collect();
    names.sort();
    names.reverse();
    names
}

/// How much of a `.go` file the loader reads first ([`LoadContext::read_go_file`]): the
/// package clause and the imports nearly always come within a licence header's length.
const HEAD_BYTES: usize = 8 * 1024;

struct LoadContext<'a> {
    tree: &'a dyn FileTree,
    root: &'a Path,
    layout: &'a Layout,
    selector: &'a Selector,
    skip_tests: bool,
    keep_sources: bool,
    budget: &'a Budget,
}

/// What one `.go` file contributes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FileClass {
    Go,
    Cgo,
    Test,
    XTest,
    Ignored,
}

impl LoadContext<'_> {
    fn import_path_of(&self, dir: &Path) -> String {
        let rel_to = |base: &Path| -> Option<String> {
            let rel = dir.strip_prefix(base).ok()?;
            Some(rel.to_string_lossy().replace('\\', "/"))
        };
        let join = |prefix: &str, rel: String| -> String {
            match (prefix.is_empty(), rel.is_empty()) {
                (_, true) => prefix.to_owned(),
                (true, false) => rel,
                (false, false) => format!("{prefix}/{rel}"),
            }
        };
        match self.layout {
            Layout::Goroot { goroot, .. } => rel_to(&goroot.join("src")).unwrap_or_default(),
            Layout::Module { dir: mod_dir, path } => {
                let rel = rel_to(mod_dir).unwrap_or_default();
                // A module's vendored packages keep their own import paths.
                match rel.strip_prefix("vendor/") {
                    Some(vendored) => vendored.to_owned(),
                    None => join(path, rel),
                }
            }
            Layout::Gopath { src } => rel_to(src).unwrap_or_default(),
            Layout::Prefix { import_path } => {
                join(import_path, rel_to(self.root).unwrap_or_default())
            }
            Layout::Local => format!("_{}", dir.display()),
        }
    }

    fn load_dir(&self, dir: &Path) -> Option<Package> {
        let entries = self.tree.read_dir(dir).ok()?;
        let mut pkg = Package {
            dir: dir.to_path_buf(),
            import_path: self.import_path_of(dir),
            ..Package::default()
        };
        pkg.standard = matches!(self.layout, Layout::Goroot { .. });
        pkg.vendored = dir
            .strip_prefix(self.root)
            .is_ok_and(|rel| rel.components().any(|c| c.as_os_str() == "vendor"));
        let mut imports = BTreeSet::new();
        let mut test_imports = BTreeSet::new();
        let mut xtest_imports = BTreeSet::new();
        let mut first_file = String::new();
        let mut errors: Vec<String> = Vec::new();

        for entry in entries.iter().filter(|e| !e.is_dir) {
            if self.budget.check().is_err() {
                return None;
            }
            let name = entry.name.as_str();
            if !name.ends_with(".go")
                || build::is_hidden(name)
                || self.skip_tests && name.ends_with("_test.go")
            {
                continue;
            }
            if !self.selector.name_matches(name) {
                pkg.ignored_go_files.push(name.to_owned());
                continue;
            }
            let path = dir.join(name);
            let Some((src, header, parsed)) = self.read_go_file(&path) else {
                pkg.invalid_go_files.push(name.to_owned());
                errors.push(format!("{name}: cannot read file"));
                continue;
            };
            if self.budget.charge("file bytes", src.len() as u64).is_err() {
                return None;
            }
            let header = match header {
                Ok(header) => header,
                Err(err) => {
                    pkg.invalid_go_files.push(name.to_owned());
                    errors.push(format!("{}: {err}", path.display()));
                    continue;
                }
            };
            if !self.selector.includes(name, &header) {
                pkg.ignored_go_files.push(name.to_owned());
                continue;
            }

            if let Some(err) = parsed.errors.first() {
                let lines = LineIndex::new(&src);
                errors.push(err.render(&path.display().to_string(), &src, &lines));
                pkg.invalid_go_files.push(name.to_owned());
            }
            let mut file_pkg = parsed.file.package_name.text(&src).to_owned();
            if file_pkg == "documentation" {
                pkg.ignored_go_files.push(name.to_owned());
                continue;
            }
            let is_test = name.ends_with("_test.go");
            let mut is_xtest = false;
            if is_test && file_pkg.ends_with("_test") && pkg.name != file_pkg {
                is_xtest = true;
                file_pkg.truncate(file_pkg.len() - "_test".len());
            }
            if pkg.name.is_empty() {
                pkg.name = file_pkg;
                first_file = name.to_owned();
            } else if file_pkg != pkg.name {
                errors.push(format!(
                    "found packages {} ({first_file}) and {file_pkg} ({name}) in {}",
                    pkg.name,
                    dir.display()
                ));
                pkg.invalid_go_files.push(name.to_owned());
            }

            let file_imports: Vec<String> = parsed
                .file
                .imports()
                .filter_map(|spec| unquote(spec.path.slice(&src)))
                .collect();
            let is_cgo = file_imports.iter().any(|p| p == "C");
            if is_cgo && is_test {
                errors.push(format!(
                    "{}: use of cgo in test not supported",
                    path.display()
                ));
            }
            let class = if is_cgo && !is_test {
                if self.selector.includes_cgo(name, &header) {
                    FileClass::Cgo
                } else {
                    FileClass::Ignored
                }
            } else if is_xtest {
                FileClass::XTest
            } else if is_test {
                FileClass::Test
            } else {
                FileClass::Go
            };
            let (list, set) = match class {
                FileClass::Go => (&mut pkg.go_files, Some(&mut imports)),
                FileClass::Cgo => (&mut pkg.cgo_files, Some(&mut imports)),
                FileClass::Test => (&mut pkg.test_go_files, Some(&mut test_imports)),
                FileClass::XTest => (&mut pkg.x_test_go_files, Some(&mut xtest_imports)),
                FileClass::Ignored => (&mut pkg.ignored_go_files, None),
            };
            list.push(name.to_owned());
            if let Some(set) = set {
                set.extend(file_imports);
            }
            if self.keep_sources && matches!(class, FileClass::Go | FileClass::Cgo) {
                pkg.sources
                    .push((name.to_owned(), std::sync::Arc::from(src)));
            }
        }

        let n_buildable = pkg.go_files.len()
            + pkg.cgo_files.len()
            + pkg.test_go_files.len()
            + pkg.x_test_go_files.len();
        if n_buildable == 0 {
            // `./...` lists a directory without buildable files only when some are invalid
            // (go/build's NoGoError otherwise; cmd/go's scanDir ErrNoGo in module mode).
            if pkg.invalid_go_files.is_empty() {
                return None;
            }
            if errors.is_empty() {
                errors.push(if pkg.ignored_go_files.is_empty() {
                    format!("no Go files in {}", dir.display())
                } else {
                    format!(
                        "build constraints exclude all Go files in {}",
                        dir.display()
                    )
                });
            }
        }
        // go list keeps Imports in source-path order after resolving vendored paths, but sorts
        // TestImports and XTestImports after resolving.
        pkg.import_map = imports
            .iter()
            .filter_map(|written| {
                let resolved = self.resolve_import(dir, written.clone());
                (resolved != *written).then(|| (written.clone(), resolved))
            })
            .collect();
        pkg.imports = imports
            .into_iter()
            .map(|path| match pkg.import_map.get(&path) {
                Some(resolved) => resolved.clone(),
                None => path,
            })
            .collect();
        pkg.test_imports = self.resolve_all(dir, test_imports);
        pkg.test_imports.sort();
        pkg.x_test_imports = self.resolve_all(dir, xtest_imports);
        pkg.x_test_imports.sort();
        pkg.error = errors.into_iter().next().map(|err| PackageError { err });
        let all_imports = pkg
            .imports
            .iter()
            .chain(&pkg.test_imports)
            .chain(&pkg.x_test_imports);
        let mut import_errors: Vec<String> = all_imports
            .filter(|imp| !internal_import_allowed(&pkg.import_path, imp))
            .map(|imp| format!("use of internal package {imp} not allowed"))
            .collect();
        import_errors.sort();
        import_errors.dedup();
        pkg.import_errors = import_errors;
        Some(pkg)
    }

    /// A `.go` file's bytes, build constraints and imports. Only its beginning is read when
    /// that holds the package clause and all the imports (they end before the first other
    /// token, which ends before the bytes read do): on a distribution tree the loader
    /// otherwise reads every byte of every file once more than the check does.
    fn read_go_file(
        &self,
        path: &Path,
    ) -> Option<(
        Vec<u8>,
        Result<build::FileHeader, build::ConstraintError>,
        crate::parser::Parsed,
    )> {
        if !self.keep_sources {
            let head = self.tree.read_head(path, HEAD_BYTES).ok()?;
            let header = build::parse_file_header(&head);
            let parsed = parse_file_with(&head, ParseMode::ImportsOnly);
            let complete = head.len() < HEAD_BYTES
                || parsed.is_ok()
                    && parsed
                        .stopped_before
                        .is_some_and(|end| (end as usize) < head.len());
            if complete {
                return Some((head, header, parsed));
            }
        }
        let src = self.tree.read(path).ok()?;
        let header = build::parse_file_header(&src);
        let parsed = parse_file_with(&src, ParseMode::ImportsOnly);
        Some((src, header, parsed))
    }

    fn resolve_all(&self, dir: &Path, imports: BTreeSet<String>) -> Vec<String> {
        imports
            .into_iter()
            .map(|path| self.resolve_import(dir, path))
            .collect()
    }

    /// Resolves an import through `vendor/` directories as the go command does: in a GOROOT
    /// (`GOROOT/src/vendor/P` becomes `vendor/P`) and in GOPATH mode (the nearest
    /// `D/vendor/P` from the importing directory up to `GOPATH/src`). Module mode keeps
    /// import paths as written.
    fn resolve_import(&self, dir: &Path, path: String) -> String {
        // Standard-library-looking paths (no dot in the first element), "C" and relative
        // paths are never vendored.
        let first = path.split('/').next().unwrap_or_default();
        if !first.contains('.') || path.starts_with('.') {
            return path;
        }
        match self.layout {
            Layout::Goroot { goroot, .. } => {
                if self
                    .tree
                    .is_dir(&goroot.join("src").join("vendor").join(&path))
                {
                    return format!("vendor/{path}");
                }
                path
            }
            Layout::Gopath { src } => {
                let vendored = dir
                    .ancestors()
                    .take_while(|ancestor| ancestor.starts_with(src) && *ancestor != src.as_path())
                    .map(|ancestor| ancestor.join("vendor").join(&path))
                    .find(|candidate| self.tree.is_dir(candidate));
                match vendored.as_deref().and_then(|c| c.strip_prefix(src).ok()) {
                    Some(rel) => rel.to_string_lossy().replace('\\', "/"),
                    None => self.module_import_path(dir, src, path),
                }
            }
            // Module mode keeps import paths as written, vendored or not.
            _ => path,
        }
    }
}

impl LoadContext<'_> {
    /// GOPATH mode's "minimal module compatibility" (cmd/go's `moduleImportPath`): code in a
    /// tree with a `go.mod` may import `x/y/v2/z` for `GOPATH/src/x/y/z` when
    /// `GOPATH/src/x/y/go.mod` says `module x/y/v2`.
    fn module_import_path(&self, dir: &Path, src: &Path, path: String) -> String {
        if last_version_element(&path).is_none() {
            return path;
        }
        let in_module_tree = dir
            .ancestors()
            .take_while(|d| d.starts_with(src))
            .any(|d| self.tree.is_file(&d.join("go.mod")));
        if !in_module_tree || self.tree.is_dir(&src.join(&path)) {
            return path;
        }
        let mut limit = path.len();
        while let Some((i, j)) = last_version_element(&path[..limit]) {
            let base = src.join(&path[..i]);
            if self.tree.is_dir(&base) {
                if let Some(module) = self
                    .tree
                    .read(&base.join("go.mod"))
                    .ok()
                    .and_then(|m| gomod::module_path(&m))
                {
                    if module == path[..j] {
                        return format!("{}{}", &path[..i], &path[j..]);
                    }
                    return path;
                }
            }
            limit = i;
        }
        path
    }
}

/// The last `/vN` element (N ≥ 2, no leading zero) of an import path: the byte range of
/// `/vN`.
fn last_version_element(path: &str) -> Option<(usize, usize)> {
    let mut end = path.len();
    while end > 0 {
        let start = path[..end].rfind('/')?;
        let elem = &path[start + 1..end];
        let is_version = elem.len() >= 2
            && elem.starts_with('v')
            && elem[1..].bytes().all(|b| b.is_ascii_digit())
            && !elem[1..].starts_with('0')
            && elem != "v1";
        if is_version {
            return Some((start, end));
        }
        end = start;
    }
    None
}

/// Whether `importer` may import `path` under Go's `internal` rule: a path with an `internal`
/// element is importable only from the tree rooted at that element's parent (cmd/go's
/// `disallowInternal`). The standard library's vendored copies (`vendor/...`) are judged
/// without their prefix.
pub fn internal_import_allowed(importer: &str, path: &str) -> bool {
    let path = path.strip_prefix("vendor/").unwrap_or(path);
    let importer = importer.strip_prefix("vendor/").unwrap_or(importer);
    // The last `internal` element decides (its parent is the deepest allowed root).
    let elems: Vec<&str> = path.split('/').collect();
    let Some(idx) = elems.iter().rposition(|&e| e == "internal") else {
        return true;
    };
    if idx == 0 {
        // `internal/...`: the standard library's own (importers without a dot in the first
        // element).
        return !importer.split('/').next().unwrap_or("").contains('.');
    }
    let parent = elems[..idx].join("/");
    importer == parent || importer.starts_with(&format!("{parent}/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_rule() {
        let check = |importer: &str, path: &str| internal_import_allowed(importer, path);
        assert!(check("a/b", "a/b/internal/c"));
        assert!(check("a/b/x/y", "a/b/internal/c"));
        assert!(check("a/b/internal/c/d", "a/b/internal/c"));
        assert!(!check("a/bc", "a/b/internal/c"));
        assert!(!check("a", "a/b/internal/c"));
        assert!(check("a/b/internal/x", "a/b/internal/x/internal/y"));
        assert!(!check("a/b", "a/b/internal/x/internal/y"));
        assert!(check("net/http", "internal/poll"));
        assert!(!check("github.com/x/y", "internal/poll"));
        assert!(check(
            "vendor/golang.org/x/crypto/chacha20poly1305",
            "vendor/golang.org/x/crypto/internal/poly1305"
        ));
        assert!(!check(
            "crypto/tls",
            "vendor/golang.org/x/crypto/internal/poly1305"
        ));
        assert!(check("strings", "strings"));
    }
}
