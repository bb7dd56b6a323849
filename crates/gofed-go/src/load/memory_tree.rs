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
#[derive(Debug, Default)]
pub struct MemoryTree {
    mount: PathBuf,
    files: HashMap<PathBuf, Vec<u8>>,
    /// Directory → its entries (name → is a directory), sorted by name.
    dirs: HashMap<PathBuf, BTreeMap<String, bool>>,
}

impl MemoryTree {
    /// An empty tree: only the directory `mount` exists.
    pub fn new(mount: &Path) -> MemoryTree {
        let mut dirs = HashMap::new();
        dirs.insert(mount.to_owned(), BTreeMap::new());
        MemoryTree {
            mount: mount.to_owned(),
            files: HashMap::new(),
            dirs,
        }
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
        let mut dir = self.mount.clone();
        for name in dir_names {
            let entries = self.dirs.entry(dir.clone()).or_default();
            if entries.insert((*name).to_owned(), true) == Some(false) {
                return Err(conflict());
            }
            dir.push(name);
        }
        let entries = self.dirs.entry(dir.clone()).or_default();
        if entries.contains_key(*file_name) {
            return Err(conflict());
        }
        entries.insert((*file_name).to_owned(), false);
        self.files.insert(dir.join(file_name), bytes);
        Ok(())
    }
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
        match self.dirs.get(dir) {
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
        self.files.get(path).cloned().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::NotFound,
                format!("{}: no such file", path.display()),
            )
        })
    }

    fn is_dir(&self, path: &Path) -> bool {
        self.dirs.contains_key(path)
    }

    fn is_file(&self, path: &Path) -> bool {
        self.files.contains_key(path)
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
    }
}
