//! A file tree held in memory and mounted at an absolute path: how a service analyses a tree
//! that a client uploaded, with the same paths (and so the same output) as on the client.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::{Component, Path, PathBuf};

use super::{DirEntry, FileTree};

/// Why a file cannot be added to a [`MemoryTree`].
#[derive(Debug, thiserror::Error)]
pub enum MemoryTreeError {
    /// The path is empty, absolute, or has `..`, `.` or a prefix component.
    #[error("{path:?}: not a plain relative path")]
    NotRelative {
        /// The path given.
        path: PathBuf,
    },
    /// The file lies more than [`super::MAX_DIR_DEPTH`] directories deep: no Go tree does,
    /// and each level would hold its whole path in memory.
    #[error("a path {n_dirs} directories deep (at most {limit})")]
    TooDeep {
        /// Directories in the path.
        n_dirs: usize,
        /// [`super::MAX_DIR_DEPTH`].
        limit: usize,
    },
    /// A file and a directory would have the same path (or a file would be added twice).
    #[error("{path:?}: already in the tree")]
    Conflict {
        /// The path given.
        path: PathBuf,
    },
}

/// Files and directories in memory under one absolute mount point.
///
/// Paths are kept relative to the mount point, which is stored once: a long mount point costs its length once,
/// not once per file and directory.
#[derive(Debug, Default)]
pub struct MemoryTree {
    mount: PathBuf,
    /// Relative path → content.
    files: HashMap<PathBuf, Vec<u8>>,
    /// Relative directory (`""`: the mount point) → its entries (name → is a directory), sorted by name.
    dirs: HashMap<PathBuf, BTreeMap<String, bool>>,
    /// Estimated heap bytes held (see [`MemoryTree::memory_size`]).
    bytes: u64,
}

/// Estimated fixed heap cost of one map entry (hash slot, B-tree node share, `PathBuf`/`String` headers).
const ENTRY_OVERHEAD: u64 = 64;

impl MemoryTree {
    /// An empty tree: only the directory `mount` exists.
    pub fn new(mount: &Path) -> MemoryTree {
        let mut dirs = HashMap::new();
        dirs.insert(PathBuf::new(), BTreeMap::new());
        MemoryTree {
            mount: mount.to_owned(),
            files: HashMap::new(),
            dirs,
            bytes: mount.as_os_str().len() as u64 + ENTRY_OVERHEAD,
        }
    }

    /// Estimated heap bytes the tree holds: file contents, every path and name, and a fixed overhead per entry.
    /// What a cache of trees should charge for it.
    pub fn memory_size(&self) -> u64 {
        self.bytes
    }

    /// `path` relative to the mount point, if it lies there.
    fn relative<'p>(&self, path: &'p Path) -> Option<&'p Path> {
        path.strip_prefix(&self.mount).ok()
    }

    /// Where the tree is mounted.
    pub fn mount(&self) -> &Path {
        &self.mount
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether the tree has no files.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Adds a file at `relative` (below the mount point), creating its directories.
    pub fn insert_file(&mut self, relative: &Path, bytes: Vec<u8>) -> Result<(), MemoryTreeError> {
        let names = plain_names(relative)?;
        let Some((file_name, dir_names)) = names.split_last() else {
            return Err(MemoryTreeError::NotRelative {
                path: relative.to_owned(),
            });
        };
        if dir_names.len() > super::MAX_DIR_DEPTH {
            return Err(MemoryTreeError::TooDeep {
                n_dirs: dir_names.len(),
                limit: super::MAX_DIR_DEPTH,
            });
        }
        let conflict = || MemoryTreeError::Conflict {
            path: relative.to_owned(),
        };
        // Most files go to a directory that exists already (and then so do its ancestors): one lookup, not one per
        // level.
        let parent: PathBuf = dir_names.iter().collect();
        if let Some(entries) = self.dirs.get_mut(&parent) {
            if entries.contains_key(*file_name) {
                return Err(conflict());
            }
            entries.insert((*file_name).to_owned(), false);
            let path = parent.join(file_name);
            self.bytes += file_cost(&path, &bytes);
            self.files.insert(path, bytes);
            return Ok(());
        }
        let mut dir = PathBuf::new();
        let mut added: u64 = 0;
        for name in dir_names {
            let entries = self.dirs.entry(dir.clone()).or_default();
            match entries.insert((*name).to_owned(), true) {
                Some(false) => return Err(conflict()),
                Some(true) => {}
                None => added += name.len() as u64 + ENTRY_OVERHEAD,
            }
            dir.push(name);
            if !self.dirs.contains_key(&dir) {
                added += dir.as_os_str().len() as u64 + ENTRY_OVERHEAD;
                self.dirs.insert(dir.clone(), BTreeMap::new());
            }
        }
        let entries = self.dirs.entry(dir.clone()).or_default();
        if entries.contains_key(*file_name) {
            return Err(conflict());
        }
        entries.insert((*file_name).to_owned(), false);
        let path = dir.join(file_name);
        added += file_cost(&path, &bytes);
        self.files.insert(path, bytes);
        self.bytes += added;
        Ok(())
    }
}

/// Estimated heap bytes of a file at `path` (relative): its content, its path, its name in its directory.
fn file_cost(path: &Path, bytes: &[u8]) -> u64 {
    let name = path.file_name().map_or(0, |n| n.len() as u64);
    name + path.as_os_str().len() as u64 + bytes.len() as u64 + 2 * ENTRY_OVERHEAD
}

/// The names of a plain relative path (no root, `.`, `..` or prefix), as UTF-8.
fn plain_names(path: &Path) -> Result<Vec<&str>, MemoryTreeError> {
    let not_relative = || MemoryTreeError::NotRelative {
        path: path.to_owned(),
    };
    let mut names = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(name) => names.push(name.to_str().ok_or_else(not_relative)?),
            _ => return Err(not_relative()),
        }
    }
    if names.is_empty() {
        return Err(not_relative());
    }
    Ok(names)
}

impl FileTree for MemoryTree {
    fn read_dir(&self, dir: &Path) -> io::Result<Vec<DirEntry>> {
        match self.relative(dir).and_then(|rel| self.dirs.get(rel)) {
            Some(entries) => Ok(entries
                .iter()
                .map(|(name, &is_dir)| DirEntry {
                    name: name.clone(),
                    is_dir,
                })
                .collect()),
            None => Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("{}: no such directory", dir.display()),
            )),
        }
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let file = self.relative(path).and_then(|rel| self.files.get(rel));
        file.cloned().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("{}: no such file", path.display()),
            )
        })
    }

    fn is_dir(&self, path: &Path) -> bool {
        self.relative(path)
            .is_some_and(|rel| self.dirs.contains_key(rel))
    }

    fn is_file(&self, path: &Path) -> bool {
        self.relative(path)
            .is_some_and(|rel| self.files.contains_key(rel))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_dirs_and_bad_paths() {
        let mut tree = MemoryTree::new(Path::new("/m"));
        tree.insert_file(Path::new("b/x.go"), b"package b".to_vec())
            .unwrap();
        tree.insert_file(Path::new("a.go"), b"package a".to_vec())
            .unwrap();
        let names: Vec<(String, bool)> = tree
            .read_dir(Path::new("/m"))
            .unwrap()
            .into_iter()
            .map(|e| (e.name, e.is_dir))
            .collect();
        assert_eq!(names, [("a.go".into(), false), ("b".into(), true)]);
        assert!(tree.is_dir(Path::new("/m/b")));
        assert!(tree.is_file(Path::new("/m/b/x.go")));
        assert!(!tree.is_dir(Path::new("/m/b/x.go")));
        assert_eq!(tree.read(Path::new("/m/a.go")).unwrap(), b"package a");
        assert!(tree.read(Path::new("/m/c.go")).is_err());
        for bad in ["", "/etc/passwd", "../x.go", "a/../../x.go", "./x.go"] {
            assert!(
                matches!(
                    tree.insert_file(Path::new(bad), Vec::new()),
                    Err(MemoryTreeError::NotRelative { .. })
                ),
                "{bad:?}"
            );
        }
        assert!(matches!(
            tree.insert_file(Path::new("b"), Vec::new()),
            Err(MemoryTreeError::Conflict { .. })
        ));
        assert!(matches!(
            tree.insert_file(Path::new("a.go/y.go"), Vec::new()),
            Err(MemoryTreeError::Conflict { .. })
        ));
        assert_eq!(tree.len(), 2);
        assert!(!tree.is_file(Path::new("/elsewhere/a.go")));
        assert!(!tree.is_dir(Path::new("/")));
    }

    #[test]
    fn a_long_mount_point_is_held_once() {
        let files = |mount: &Path| {
            let mut tree = MemoryTree::new(mount);
            for i in 0..100 {
                tree.insert_file(Path::new(&format!("d{i}/f.go")), vec![b'x'; 10])
                    .unwrap();
            }
            tree
        };
        let short = files(Path::new("/m"));
        let long_mount = format!("/{}", "m".repeat(4000));
        let long = files(Path::new(&long_mount));
        assert_eq!(long.memory_size() - short.memory_size(), 4001 - 2);
        assert!(long.is_file(&Path::new(&long_mount).join("d7/f.go")));
        // Contents, paths and names are all counted.
        assert!(short.memory_size() > 100 * (10 + "d0/f.go".len() as u64));
    }
}
