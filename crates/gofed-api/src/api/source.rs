//! A [`PackageSource`] over loaded file trees: the analysed project and, for the standard
//! library, a GOROOT. Packages are parsed when first imported (so a single package pulls in
//! only what it depends on); [`TreeSource::prefetch`] parses many in parallel up front.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use foldhash::{HashMap, HashMapExt as _, HashSet};

use rayon::prelude::*;

use crate::load::{load_package, FileTree, Layout, LoadConfig, Project};
use crate::parser::{parse_file_with, ParseMode};
use crate::types::{PackageInput, PackageSource, SourceFile};

/// Parsed files on their way to a [`crate::types::Program`].
///
/// Two policies, chosen by the caller for how long a parsed file is worth keeping:
/// - [`ParseCache::default`] (shared): every file stays for the life of the cache, so several
///   analyses of one tree (build contexts, the two sides of an apidiff) parse it once (a file
///   parses the same whatever the context).
/// - [`ParseCache::transient`]: a file stays only between [`TreeSource::prefetch`] (which
///   parses ahead on all threads) and the import that takes it; a file asked for again is
///   read and parsed again. One analysis of a big tree then holds only the files of the
///   packages its program still has (see [`crate::types::Program::release_files`]), not
///   every file of the tree.
#[derive(Default)]
pub struct ParseCache {
    /// Each file's slot: filled once by whichever thread parses it first; a thread asking for
    /// a file being parsed waits for it rather than parsing it again.
    files: Mutex<HashMap<PathBuf, Slot>>,
    /// Transient caches: files already imported. A prefetch that comes after the import (it
    /// runs in the background, see [`TreeSource::prefetch`]) leaves them alone, or nothing
    /// would take them out again.
    imported: Mutex<HashSet<PathBuf>>,
    transient: bool,
}

/// A parsed file, or the place where one is being parsed (`None`: unreadable).
type Slot = Arc<OnceLock<Option<Arc<SourceFile>>>>;

impl ParseCache {
    /// A cache that keeps a file only from its prefetch until it is first imported.
    pub fn transient() -> ParseCache {
        ParseCache {
            transient: true,
            ..ParseCache::default()
        }
    }

    /// Whether files stay for the life of the cache.
    pub fn keeps_files(&self) -> bool {
        !self.transient
    }

    /// How many parsed files the cache holds now.
    pub fn len(&self) -> usize {
        self.files.lock().map_or(0, |files| {
            files.values().filter(|slot| slot.get().is_some()).count()
        })
    }

    /// Whether the cache holds no parsed file.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The parsed file at `path` (from `bytes` when the loader kept them). `prefetch`: the
    /// file is parsed ahead of its import, so a transient cache holds it until then.
    fn get_or_parse(
        &self,
        tree: &dyn FileTree,
        path: PathBuf,
        bytes: Option<&Arc<[u8]>>,
        prefetch: bool,
    ) -> Option<Arc<SourceFile>> {
        let slot = {
            let mut files = self.files.lock().ok()?;
            if !self.transient {
                Arc::clone(files.entry(path.clone()).or_default())
            } else if prefetch {
                if self.imported.lock().ok()?.contains(&path) {
                    return None;
                }
                Arc::clone(files.entry(path.clone()).or_default())
            } else {
                // The import takes the file out (waiting below if a prefetch is parsing it).
                self.imported.lock().ok()?.insert(path.clone());
                files.remove(&path).unwrap_or_default()
            }
        };
        slot.get_or_init(|| {
            let src: Arc<[u8]> = match bytes {
                Some(bytes) => Arc::clone(bytes),
                None => tree.read(&path).ok()?.into(),
            };
            let parsed = parse_file_with(&src, ParseMode::Declarations);
            Some(Arc::new(SourceFile::parsed(
                path.display().to_string(),
                src,
                parsed,
            )))
        })
        .clone()
    }

    /// The input of the package `entry` under the import path `path`, each file parsed once.
    fn input(&self, tree: &dyn FileTree, path: String, entry: &Entry) -> PackageInput {
        let files = entry
            .files
            .iter()
            .filter_map(|(name, src)| {
                self.get_or_parse(tree, entry.dir.join(name), src.as_ref(), false)
            })
            .collect();
        PackageInput { path, files }
    }
}

/// Packages of loaded projects.
pub struct TreeSource<'t> {
    tree: &'t dyn FileTree,
    cache: Arc<ParseCache>,
    packages: HashMap<String, Entry>,
}

struct Entry {
    dir: PathBuf,
    /// GoFiles and CgoFiles, with their bytes when the loader kept them.
    files: Vec<(String, Option<Arc<[u8]>>)>,
    /// The package's imports that resolve to another path than the one written (`vendor/`,
    /// GOPATH's minimal module compatibility), as the loader resolved them.
    import_map: BTreeMap<String, String>,
}

/// A package's GoFiles and CgoFiles, with their bytes when the loader kept them (then they
/// are not read a second time).
fn package_files(pkg: &crate::load::Package) -> Vec<(String, Option<Arc<[u8]>>)> {
    if pkg.sources.is_empty() {
        pkg.go_files
            .iter()
            .chain(&pkg.cgo_files)
            .map(|name| (name.clone(), None))
            .collect()
    } else {
        pkg.sources
            .iter()
            .map(|(name, src)| (name.clone(), Some(Arc::clone(src))))
            .collect()
    }
}

impl<'t> TreeSource<'t> {
    /// The packages of `projects` (earlier projects win when an import path appears twice);
    /// nothing is parsed yet.
    pub fn new(
        tree: &'t dyn FileTree,
        projects: &[&Project],
        cache: Arc<ParseCache>,
    ) -> TreeSource<'t> {
        let mut packages = HashMap::new();
        for project in projects {
            for pkg in &project.packages {
                if packages.contains_key(&pkg.import_path) {
                    continue;
                }
                let files = package_files(pkg);
                packages.insert(
                    pkg.import_path.clone(),
                    Entry {
                        dir: pkg.dir.clone(),
                        files,
                        import_map: pkg.import_map.clone(),
                    },
                );
            }
        }
        TreeSource {
            tree,
            cache,
            packages,
        }
    }

    /// Parses the given packages in parallel (for analyses that will need them soon: with a
    /// [`ParseCache::transient`] cache they are held until imported).
    pub fn prefetch<'a>(&self, paths: impl IntoIterator<Item = &'a str>) {
        let entries: Vec<&Entry> = paths
            .into_iter()
            .filter_map(|path| self.packages.get(path))
            .collect();
        entries
            .par_iter()
            .flat_map(|e| e.files.par_iter().map(move |file| (e, file)))
            .for_each(|(e, (name, src))| {
                let _ = self
                    .cache
                    .get_or_parse(self.tree, e.dir.join(name), src.as_ref(), true);
            });
    }

    /// Whether a package is available.
    pub fn contains(&self, path: &str) -> bool {
        self.packages.contains_key(path)
    }

    /// The input of a package by its (resolved) import path, parsing it if needed.
    pub fn input(&self, path: &str) -> Option<PackageInput> {
        let entry = self.packages.get(path)?;
        Some(self.cache.input(self.tree, path.to_owned(), entry))
    }
}

impl PackageSource for TreeSource<'_> {
    fn import(&self, importer: &str, path: &str) -> Option<PackageInput> {
        // The loader resolved the importer's imports as the go command does (`vendor/`, and
        // `x/y/v2/z` for `GOPATH/src/x/y/z` in GOPATH mode): one resolution, shared with deps.
        let resolved = self
            .packages
            .get(importer)
            .and_then(|entry| entry.import_map.get(path))
            .cloned()
            .unwrap_or_else(|| path.to_owned());
        self.input(&resolved).or_else(|| self.input(path))
    }
}

/// The packages of a Go distribution, loaded when first imported (a single package of a
/// project then costs only what it depends on, not a walk of the whole GOROOT).
pub struct GorootSource<'t> {
    tree: &'t dyn FileTree,
    src: PathBuf,
    layout: Layout,
    config: LoadConfig,
    cache: Arc<ParseCache>,
    /// Import path → loaded package (`None`: no such package).
    loaded: Mutex<HashMap<String, Option<Arc<Entry>>>>,
}

impl<'t> GorootSource<'t> {
    /// The standard library of the GOROOT whose `src` is `src`, for a build configuration.
    pub fn new(
        tree: &'t dyn FileTree,
        src: PathBuf,
        config: LoadConfig,
        cache: Arc<ParseCache>,
    ) -> GorootSource<'t> {
        let layout = crate::load::detect_layout(tree, &src);
        GorootSource {
            tree,
            src,
            layout,
            config,
            cache,
            loaded: Mutex::new(HashMap::new()),
        }
    }

    fn entry(&self, path: &str) -> Option<Arc<Entry>> {
        if let Some(entry) = self.loaded.lock().ok()?.get(path) {
            return entry.clone();
        }
        let dir = self.src.join(path);
        let entry = if path.is_empty() || path.starts_with('.') || !self.tree.is_dir(&dir) {
            None
        } else {
            load_package(self.tree, &self.src, &self.layout, &self.config, &dir).map(|pkg| {
                let files = package_files(&pkg);
                Arc::new(Entry {
                    dir: pkg.dir.clone(),
                    files,
                    import_map: pkg.import_map.clone(),
                })
            })
        };
        self.loaded
            .lock()
            .ok()?
            .insert(path.to_owned(), entry.clone());
        entry
    }
}

impl PackageSource for GorootSource<'_> {
    fn import(&self, importer: &str, path: &str) -> Option<PackageInput> {
        // Standard library packages import the distribution's vendored copies.
        let resolved = self
            .entry(importer)
            .and_then(|e| e.import_map.get(path).cloned())
            .unwrap_or_else(|| path.to_owned());
        let entry = self.entry(&resolved)?;
        Some(self.cache.input(self.tree, resolved, &entry))
    }
}

/// The packages of a GOPATH tree that its walk leaves out because they are reached through a
/// symbolic link (Debian installs `github.com/go-asn1-ber/asn1-ber` as a link to
/// `gopkg.in/asn1-ber.v1`). `go list ./...` does not follow such links, but go/build resolves
/// an import through them: the importing package gets the linked directory's package, under
/// the path it wrote. Only links whose target lies inside the analysed tree are followed;
/// packages are loaded when first imported.
pub struct LinkedSource<'t> {
    /// The GOPATH `src` directory's packages, loaded on demand.
    packages: GorootSource<'t>,
    /// `src` and the analysed tree's root with their links resolved.
    real_src: PathBuf,
    real_root: PathBuf,
    /// Import path → whether it is reached through a link into the tree.
    linked: Mutex<HashMap<String, bool>>,
}

impl<'t> LinkedSource<'t> {
    /// The linked packages of the GOPATH `src` for the tree rooted at `root` (`src` or a
    /// directory below it); `None` when either cannot be resolved.
    pub fn new(
        tree: &'t dyn FileTree,
        src: PathBuf,
        root: &Path,
        config: LoadConfig,
        cache: Arc<ParseCache>,
    ) -> Option<LinkedSource<'t>> {
        Some(LinkedSource {
            real_src: tree.real_path(&src)?,
            real_root: tree.real_path(root)?,
            packages: GorootSource::new(tree, src, config, cache),
            linked: Mutex::new(HashMap::new()),
        })
    }

    /// Whether the package directory of import path `path` is reached through a link whose
    /// target lies inside the tree.
    fn is_linked(&self, path: &str) -> bool {
        if std_like(path) {
            return false;
        }
        if let Some(linked) = self.linked.lock().ok().and_then(|l| l.get(path).copied()) {
            return linked;
        }
        let dir = self.packages.src.join(path);
        let linked = self.packages.tree.is_dir(&dir)
            && self.packages.tree.real_path(&dir).is_some_and(|real| {
                real != self.real_src.join(path) && real.starts_with(&self.real_root)
            });
        if let Ok(mut l) = self.linked.lock() {
            l.insert(path.to_owned(), linked);
        }
        linked
    }
}

impl PackageSource for LinkedSource<'_> {
    fn import(&self, importer: &str, path: &str) -> Option<PackageInput> {
        // Asked for every import the tree does not have (`fmt` of every package): answered
        // before the importer is looked at.
        if std_like(path) {
            return None;
        }
        // A linked package's own imports resolve through its `vendor/` directories as any other.
        let resolved = (self.is_linked(importer))
            .then(|| self.packages.entry(importer))
            .flatten()
            .and_then(|e| e.import_map.get(path).cloned())
            .unwrap_or_else(|| path.to_owned());
        if !self.is_linked(&resolved) {
            return None;
        }
        let entry = self.packages.entry(&resolved)?;
        Some(
            self.packages
                .cache
                .input(self.packages.tree, resolved, &entry),
        )
    }
}

/// Whether an import path looks like a standard library one (no dot in its first element) or
/// is relative: never a GOPATH package, nor vendored.
fn std_like(path: &str) -> bool {
    let first = path.split('/').next().unwrap_or_default();
    !first.contains('.') || path.starts_with('.')
}
