//! gorelease's load directory: a module that requires the release (replaced by its directory) and the release's
//! own requirements, with one file importing every package of the release, in which gorelease runs
//! `go get -d .`. The requirements that command adds to that go.mod are the ones the release's go.mod lacks, and
//! the `go.sum` lines it adds are the ones the release's go.sum lacks; gorelease reports either. This module
//! replays that `go get` with the go command's rules (cmd/go/internal/modload and modget):
//!
//! - **The build list** is minimal version selection over the module graph ([`graph::selected_versions`]:
//!   pruned for a go 1.17 or later release).
//! - **Packages** are loaded from the release's packages down through their imports, as `go get` loads them:
//!   every tag both set and unset except `ignore` ([`Expr::eval_any_tags`]), no test files, standard-library
//!   paths (no dot in the first element) not followed. A package comes from the selected module whose path is
//!   a prefix of its own and whose directory has a `.go` file; with a pruned graph the roots are searched
//!   first.
//! - **A missing package** is looked up with a `latest` query of each of its path prefixes, the longest module
//!   that has it winning; that module is added at that version, and everything is loaded again.
//! - **The go.mod go get writes** lists each requirement at its selected version and, with a pruned graph,
//!   every module a loaded package comes from (the invariant of graph pruning). What it lists that the release
//!   did not is reported.
//! - **The go.sum lines go get adds** are those of `keepSums` it has used: the go.mod of every module whose
//!   requirements are in the graph and of every module a loaded package comes from, and the zips of the
//!   selected modules whose paths are prefixes of a loaded package's (roots only, for a package of a root of
//!   a pruned graph), which the import search opened.
//!
//! [`Expr::eval_any_tags`]: gofed_go::build::Expr::eval_any_tags

use std::collections::{BTreeMap, BTreeSet, HashSet, VecDeque};

use gofed_go::build::Selector;
use gofed_go::load::gomod::GoMod;
use gofed_go::parser::{parse_file_with, ParseMode};

use crate::graph;

/// How many times the packages are loaded again after a module was added before giving up (each round adds at
/// least one module).
const MAX_ROUNDS: usize = 256;

/// What the load directory reads of other modules; the binary's module proxy answers.
pub trait ModuleReader {
    /// The go.mod of `path@version`; `None` when it cannot be had.
    fn go_mod(&mut self, path: &str, version: &str) -> Option<GoMod>;
    /// The regular files directly in directory `dir` (`/`-separated below the module's root, `""`: the root)
    /// of `path@version` whose names end in `.go`, as (name, content); empty when there is no such directory.
    /// The release module is read from its own tree.
    fn go_files(&mut self, path: &str, version: &str, dir: &str) -> Result<GoFiles, LoadDirError>;
    /// The version a `latest` query of module `path` answers; `None` when no such module exists.
    fn latest(&mut self, path: &str) -> Option<String>;
    /// The `h1:` hash of the zip of `path@version`, or of its go.mod when `go_mod` is set.
    fn hash(&mut self, path: &str, version: &str, go_mod: bool) -> Result<String, LoadDirError>;
}

/// Why the load directory cannot be set up (what makes gorelease stop "looking for missing dependencies").
#[derive(Debug, thiserror::Error)]
#[error("looking for missing dependencies: {0}")]
pub struct LoadDirError(pub String);

/// The release as the load directory sees it.
#[derive(Clone, Copy, Debug)]
pub struct LoadDir<'a> {
    /// The release's module path.
    pub module: &'a str,
    /// The version it is required at (the proposed one, or `v0.0.0-gorelease`).
    pub version: &'a str,
    /// Its go.mod.
    pub go_mod: &'a GoMod,
    /// The import paths of its packages (gorelease's `collectImportPaths`).
    pub packages: &'a [String],
    /// Its go.sum (empty when it has none).
    pub go_sum: &'a str,
    /// The build configuration `go get` checks the packages in at the end (the go command's own: GOOS,
    /// GOARCH, cgo): a package no module provides is an error only when this configuration imports it.
    pub configuration: &'a Selector,
}

/// What `go get -d .` changed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Findings {
    /// The load directory's requirements afterwards (the release first), which later module queries see.
    pub requirements: Vec<(String, String)>,
    /// gorelease's diagnostics: the requirements needed, else whether sums are missing.
    pub diagnostics: Vec<String>,
}

/// A directory's `.go` files: (name, content).
pub type GoFiles = Vec<(String, Vec<u8>)>;

/// A package that was loaded, the module version it came from, and what it imports in the build
/// configuration.
struct Loaded {
    path: String,
    module: String,
    version: String,
    configured_imports: BTreeSet<String>,
}

/// Replays `go get -d .` in gorelease's load directory for `release`.
pub fn go_get(release: &LoadDir, reader: &mut dyn ModuleReader) -> Result<Findings, LoadDirError> {
    let old: Vec<(String, String)> = std::iter::once((release.module, release.version))
        .chain(
            release
                .go_mod
                .require
                .iter()
                .map(|r| (r.path.as_str(), r.version.as_str())),
        )
        .map(|(p, v)| (p.to_owned(), v.to_owned()))
        .collect();
    let pruned = graph::pruned(release.go_mod);
    // Modules made roots since: found for missing packages, and (pruned) providers of loaded packages.
    let mut added: BTreeMap<String, String> = BTreeMap::new();
    for _ in 0..MAX_ROUNDS {
        let roots: Vec<(String, String)> = old
            .iter()
            .cloned()
            .chain(added.iter().map(|(p, v)| (p.clone(), v.clone())))
            .collect();
        let mut read: BTreeSet<(String, String)> = BTreeSet::new();
        let selected = graph::selected_versions(release.go_mod, &roots, |path, version| {
            let go_mod = if path == release.module && version == release.version {
                Some(release.go_mod.clone())
            } else {
                reader.go_mod(path, version)
            };
            if go_mod.is_some() {
                read.insert((path.to_owned(), version.to_owned()));
            }
            go_mod
        });
        let root_paths: HashSet<&str> = roots.iter().map(|(p, _)| p.as_str()).collect();
        let (loaded, missing) =
            load_packages(release, reader, &selected, pruned.then_some(&root_paths))?;

        let mut changed = false;
        let mut unresolved = HashSet::new();
        for package in &missing {
            match find_module(reader, package)? {
                Some((module, version)) => changed |= added.insert(module, version).is_none(),
                None => {
                    unresolved.insert(package.as_str());
                }
            }
        }
        if pruned {
            // Every module a package comes from is a root of a pruned graph.
            for l in &loaded {
                if !root_paths.contains(l.module.as_str()) {
                    changed |= added.insert(l.module.clone(), l.version.clone()).is_none();
                }
            }
        }
        if changed {
            continue;
        }
        // What no module provides is left unresolved; `go get` fails only when the build configuration
        // imports it.
        if let Some(package) = configured_import_of(release, &loaded, &unresolved) {
            return Err(LoadDirError(format!(
                "cannot find module providing package {package}"
            )));
        }

        // The go.mod go get writes: each root at its selected version.
        let at_selected = |path: &str| {
            let version = selected.get(path).cloned().unwrap_or_default();
            (path.to_owned(), version)
        };
        let mut requirements: Vec<(String, String)> = Vec::new();
        for path in old.iter().map(|(p, _)| p).chain(added.keys()) {
            if !requirements.iter().any(|(p, _)| p == path) {
                requirements.push(at_selected(path));
            }
        }
        let mut findings = Findings {
            requirements,
            diagnostics: Vec::new(),
        };
        let needed: Vec<String> = findings
            .requirements
            .iter()
            .filter(|(p, v)| p != release.module && !old.iter().any(|(op, ov)| op == p && ov == v))
            .map(|(p, v)| format!("{p}@{v}"))
            .collect();
        if !needed.is_empty() {
            findings.diagnostics.push(format!(
                "go.mod: the following requirements are needed\n\t{}\nRun 'go mod tidy' to add missing requirements.",
                needed.join("\n\t")
            ));
            return Ok(findings);
        }
        let present: HashSet<&str> = release.go_sum.lines().collect();
        for line in sum_lines(
            release,
            reader,
            &selected,
            &read,
            &root_paths,
            &loaded,
            pruned,
        )? {
            if !present.contains(line.as_str()) {
                findings.diagnostics.push(
                    "go.sum: one or more sums are missing. Run 'go mod tidy' to add missing sums."
                        .to_owned(),
                );
                break;
            }
        }
        return Ok(findings);
    }
    Err(LoadDirError(format!(
        "more than {MAX_ROUNDS} rounds of adding modules for missing packages"
    )))
}

/// Loads the release's packages and everything they import; the packages no selected module provides are
/// returned apart. `roots` (for a pruned graph) are searched before the other selected modules.
fn load_packages(
    release: &LoadDir,
    reader: &mut dyn ModuleReader,
    selected: &BTreeMap<String, String>,
    roots: Option<&HashSet<&str>>,
) -> Result<(Vec<Loaded>, Vec<String>), LoadDirError> {
    let mut queue: VecDeque<String> = release.packages.iter().cloned().collect();
    let mut seen: HashSet<String> = HashSet::new();
    let (mut loaded, mut missing) = (Vec::new(), Vec::new());
    while let Some(package) = queue.pop_front() {
        if is_standard(&package) || !seen.insert(package.clone()) {
            continue;
        }
        // The release module is replaced by its tree at the version it is required at.
        let version_of = |module: &str| {
            if module == release.module {
                Some(release.version.to_owned())
            } else {
                selected.get(module).filter(|v| *v != "none").cloned()
            }
        };
        let mut found: Option<(String, String, GoFiles)> = None;
        for pass_roots in [true, false] {
            if pass_roots && roots.is_none() {
                continue;
            }
            let mut providers = Vec::new();
            for module in prefixes(&package) {
                if pass_roots
                    && !roots.is_some_and(|r| r.contains(module))
                    && module != release.module
                {
                    continue;
                }
                let Some(version) = version_of(module) else {
                    continue;
                };
                let dir = package[module.len()..].trim_start_matches('/');
                let files = reader.go_files(module, &version, dir)?;
                if !files.is_empty() {
                    providers.push((module.to_owned(), version, files));
                }
            }
            match providers.len() {
                0 => continue,
                1 => {
                    found = providers.pop();
                    break;
                }
                _ => {
                    let list: Vec<String> = providers
                        .iter()
                        .map(|(m, v, _)| format!("{m} {v}"))
                        .collect();
                    return Err(LoadDirError(format!(
                        "ambiguous import: found package {package} in multiple modules:\n\t{}",
                        list.join("\n\t")
                    )));
                }
            }
        }
        match found {
            Some((module, version, files)) => {
                let (imports, configured_imports) = imports_of(&files, release.configuration);
                queue.extend(imports);
                loaded.push(Loaded {
                    path: package,
                    module,
                    version,
                    configured_imports,
                });
            }
            None => missing.push(package),
        }
    }
    Ok((loaded, missing))
}

/// The module a missing package is added from: of its path prefixes that are modules, the longest whose
/// `latest` version has the package; `None` when none has it.
fn find_module(
    reader: &mut dyn ModuleReader,
    package: &str,
) -> Result<Option<(String, String)>, LoadDirError> {
    for module in prefixes(package) {
        let Some(version) = reader.latest(module) else {
            continue;
        };
        let dir = package[module.len()..].trim_start_matches('/');
        if !reader.go_files(module, &version, dir)?.is_empty() {
            return Ok(Some((module.to_owned(), version)));
        }
    }
    Ok(None)
}

/// The first of `unresolved` that the release's packages import, through the loaded packages, in the build
/// configuration (`go get`'s final check, which loads without its every-tag rule).
fn configured_import_of<'u>(
    release: &LoadDir,
    loaded: &[Loaded],
    unresolved: &HashSet<&'u str>,
) -> Option<&'u str> {
    if unresolved.is_empty() {
        return None;
    }
    let by_path: std::collections::HashMap<&str, &Loaded> =
        loaded.iter().map(|l| (l.path.as_str(), l)).collect();
    let mut queue: VecDeque<&str> = release.packages.iter().map(String::as_str).collect();
    let mut seen: HashSet<&str> = HashSet::new();
    while let Some(package) = queue.pop_front() {
        if !seen.insert(package) {
            continue;
        }
        if let Some(found) = unresolved.get(package) {
            return Some(found);
        }
        if let Some(l) = by_path.get(package) {
            queue.extend(l.configured_imports.iter().map(String::as_str));
        }
    }
    None
}

/// The go.sum lines `go get` uses and keeps (cmd/go's `keepSums`), the release module's aside.
fn sum_lines(
    release: &LoadDir,
    reader: &mut dyn ModuleReader,
    selected: &BTreeMap<String, String>,
    read: &BTreeSet<(String, String)>,
    roots: &HashSet<&str>,
    loaded: &[Loaded],
    pruned: bool,
) -> Result<BTreeSet<String>, LoadDirError> {
    // (module, version, whether the go.mod's)
    let mut keep: BTreeSet<(String, String, bool)> = BTreeSet::new();
    for (path, version) in read {
        keep.insert((path.clone(), version.clone(), true));
    }
    for package in loaded {
        keep.insert((package.module.clone(), package.version.clone(), true));
        let from_root = pruned
            && roots.contains(package.module.as_str())
            && (package.module == release.module
                || selected.get(&package.module) == Some(&package.version));
        for module in prefixes(&package.path) {
            if from_root && !roots.contains(module) {
                continue;
            }
            if let Some(version) = selected.get(module).filter(|v| *v != "none") {
                keep.insert((module.to_owned(), version.clone(), false));
            }
        }
    }
    let mut lines = BTreeSet::new();
    for (path, version, go_mod) in keep {
        if path == release.module {
            continue;
        }
        let hash = reader.hash(&path, &version, go_mod)?;
        let suffix = if go_mod { "/go.mod" } else { "" };
        lines.insert(format!("{path} {version}{suffix} {hash}"));
    }
    Ok(lines)
}

/// The imports of a package's files as `go get` reads them: every file whose name does not start with `_` or
/// `.` and does not end in `_test.go`, unless its build constraints hold for no configuration; `C` and
/// App Engine's old paths left out. Second, those of the files `configuration` builds.
fn imports_of(
    files: &[(String, Vec<u8>)],
    configuration: &Selector,
) -> (BTreeSet<String>, BTreeSet<String>) {
    let (mut imports, mut configured) = (BTreeSet::new(), BTreeSet::new());
    for (name, src) in files {
        if name.starts_with(['_', '.']) || !name.ends_with(".go") || name.ends_with("_test.go") {
            continue;
        }
        let Ok(header) = gofed_go::build::parse_file_header(src) else {
            continue;
        };
        if !header.should_build_any_tags() {
            continue;
        }
        let parsed = parse_file_with(src, ParseMode::ImportsOnly);
        let paths: Vec<String> = parsed
            .file
            .imports()
            .filter_map(|spec| gofed_go::lexer::unquote(spec.path.slice(src)))
            .collect();
        let uses_cgo = paths.iter().any(|p| p == "C");
        let built = configuration.includes(name, &header)
            && (!uses_cgo || configuration.includes_cgo(name, &header));
        for path in paths {
            let appengine = ["appengine", "appengine_internal"]
                .iter()
                .any(|a| path == *a || path.starts_with(&format!("{a}/")));
            if path == "C" || appengine || path.starts_with('.') {
                continue;
            }
            if built {
                configured.insert(path.clone());
            }
            imports.insert(path);
        }
    }
    (imports, configured)
}

/// The `h1:` hash of a set of files, as `golang.org/x/mod/sumdb/dirhash.Hash1` makes it (what go.sum records):
/// the sha256 of the lines `SHA256HEX  NAME\n` of the files sorted by name, in standard base64. A module zip's
/// files are named with their `module@version/` prefix; a go.mod alone is named `go.mod`.
pub fn hash1<'a>(files: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> String {
    use base64::Engine as _;
    use sha2::{Digest, Sha256};
    let mut files: Vec<(&str, &[u8])> = files.into_iter().collect();
    files.sort_by(|a, b| a.0.cmp(b.0));
    let mut summary = Sha256::new();
    for (name, data) in files {
        let digest = Sha256::digest(data);
        let mut line = String::with_capacity(name.len() + 68);
        for byte in digest {
            line.push_str(&format!("{byte:02x}"));
        }
        line.push_str("  ");
        line.push_str(name);
        line.push('\n');
        summary.update(line.as_bytes());
    }
    format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(summary.finalize())
    )
}

/// Whether the go command takes `path` for a standard-library package: no dot in its first element.
fn is_standard(path: &str) -> bool {
    !path.split('/').next().unwrap_or_default().contains('.')
}

/// `path` and its parents at `/` boundaries, longest first.
fn prefixes(path: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(path), |p| p.rfind('/').map(|i| &p[..i]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_dirhash_hash1() {
        // The go.sum line every module that ever required golang.org/x/text v0.3.0 carries (that version has no
        // go.mod; the go command makes up `module golang.org/x/text`).
        assert_eq!(
            hash1([("go.mod", &b"module golang.org/x/text\n"[..])]),
            "h1:NqM8EUOU14njkJ3fqMW+pc6Ldnwhi/IjpwHt7yyuwOQ="
        );
        // Sorted by name, whatever the order given.
        let a = hash1([("b", &b"2"[..]), ("a", &b"1"[..])]);
        let b = hash1([("a", &b"1"[..]), ("b", &b"2"[..])]);
        assert_eq!(a, b);
    }

    #[test]
    fn prefixes_and_standard_paths() {
        let p: Vec<&str> = prefixes("example.com/a/b").collect();
        assert_eq!(p, ["example.com/a/b", "example.com/a", "example.com"]);
        assert!(is_standard("net/http"));
        assert!(!is_standard("example.com/x"));
    }

    #[test]
    fn imports_are_read_for_every_configuration_but_ignore() {
        let files = vec![
            (
                "a.go".to_owned(),
                b"package a\n\nimport \"example.com/x\"\n".to_vec(),
            ),
            (
                "a_windows.go".to_owned(),
                b"//go:build !linux\n\npackage a\n\nimport (\n\t\"example.com/w\"\n\t\"C\"\n)\n"
                    .to_vec(),
            ),
            (
                "ig.go".to_owned(),
                b"//go:build ignore\n\npackage main\n\nimport \"example.com/i\"\n".to_vec(),
            ),
            (
                "a_test.go".to_owned(),
                b"package a\n\nimport \"example.com/t\"\n".to_vec(),
            ),
            (
                "_x.go".to_owned(),
                b"package a\n\nimport \"example.com/u\"\n".to_vec(),
            ),
        ];
        let linux = Selector::Single(gofed_go::build::Context::for_go(27, "linux", "amd64"));
        let (any, configured) = imports_of(&files, &linux);
        assert_eq!(
            any.into_iter().collect::<Vec<_>>(),
            ["example.com/w", "example.com/x"]
        );
        assert_eq!(
            configured.into_iter().collect::<Vec<_>>(),
            ["example.com/x"]
        );
    }
}
