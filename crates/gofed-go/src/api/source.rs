//! A [`PackageSource`] over loaded file trees: the analysed project and, for the standard
//! library, a GOROOT.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use crate::load::{FileTree, Package, Project};
use crate::parser::parse_file;
use crate::types::{PackageInput, PackageSource, SourceFile};

/// Parsed files shared between analyses of several build contexts (a file parses the same
/// whatever the context).
#[derive(Default)]
pub struct ParseCache {
    files: Mutex<HashMap<PathBuf, Arc<SourceFile>>>,
}

impl ParseCache {
    fn get_or_parse(
        &self,
        tree: &dyn FileTree,
        path: PathBuf,
        bytes: Option<&Arc<[u8]>>,
    ) -> Option<Arc<SourceFile>> {
        if let Some(file) = self.files.lock().ok()?.get(&path) {
            return Some(Arc::clone(file));
        }
        let src = match bytes {
            Some(bytes) => bytes.to_vec(),
            None => tree.read(&path).ok()?,
        };
        let ast = parse_file(&src).file;
        let file = Arc::new(SourceFile::new(path.display().to_string(), src, ast));
        self.files.lock().ok()?.insert(path, Arc::clone(&file));
        Some(file)
    }
}

/// Packages of loaded projects, parsed in parallel up front.
pub struct TreeSource {
    packages: HashMap<String, Entry>,
}

struct Entry {
    /// Resolved imports of the package (to map written paths through `vendor/`).
    imports: Vec<String>,
    files: Vec<Arc<SourceFile>>,
}

impl TreeSource {
    /// Reads and parses the Go files (GoFiles and CgoFiles) of every package of `projects`;
    /// earlier projects win when an import path appears twice.
    pub fn new(tree: &dyn FileTree, projects: &[&Project], cache: &ParseCache) -> TreeSource {
        let mut wanted: Vec<&Package> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for project in projects {
            for pkg in &project.packages {
                if seen.insert(pkg.import_path.as_str()) {
                    wanted.push(pkg);
                }
            }
        }
        let packages = wanted
            .par_iter()
            .map(|pkg| {
                let files = if pkg.sources.is_empty() {
                    pkg.go_files
                        .iter()
                        .chain(&pkg.cgo_files)
                        .filter_map(|name| cache.get_or_parse(tree, pkg.dir.join(name), None))
                        .collect()
                } else {
                    // The loader kept the bytes: no second read.
                    pkg.sources
                        .iter()
                        .filter_map(|(name, src)| {
                            cache.get_or_parse(tree, pkg.dir.join(name), Some(src))
                        })
                        .collect()
                };
                (
                    pkg.import_path.clone(),
                    Entry {
                        imports: pkg.imports.clone(),
                        files,
                    },
                )
            })
            .collect();
        TreeSource { packages }
    }

    /// Whether a package is available.
    pub fn contains(&self, path: &str) -> bool {
        self.packages.contains_key(path)
    }

    /// The input of a package by its (resolved) import path.
    pub fn input(&self, path: &str) -> Option<PackageInput> {
        let entry = self.packages.get(path)?;
        Some(PackageInput {
            path: path.to_owned(),
            files: entry.files.clone(),
        })
    }
}

impl PackageSource for TreeSource {
    fn import(&self, importer: &str, path: &str) -> Option<PackageInput> {
        // The importer's resolved imports say where a vendored path went.
        let resolved = self.packages.get(importer).and_then(|entry| {
            entry
                .imports
                .iter()
                .find(|imp| {
                    *imp == path
                        || imp
                            .strip_suffix(path)
                            .is_some_and(|prefix| prefix.ends_with("vendor/"))
                })
                .cloned()
        });
        let resolved = resolved.unwrap_or_else(|| path.to_owned());
        self.input(&resolved).or_else(|| self.input(path))
    }
}
