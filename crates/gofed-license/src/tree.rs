//! The trees an analysis reads: a directory on disk or files in memory.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::LicenseError;

/// What an entry of a tree is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    /// A regular file.
    File,
    /// A directory.
    Directory,
    /// A symbolic link, device, FIFO or socket: never read.
    Other,
}

/// One entry of a tree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Path relative to the tree's top, `/`-separated.
    pub path: String,
    /// What it is.
    pub kind: EntryKind,
    /// Its size in bytes (0 for non-files).
    pub size: u64,
}

/// A tree of files the analysis lists and reads.
pub trait Tree: Sync {
    /// Every entry, directories included.
    fn entries(&self) -> Result<Vec<Entry>, LicenseError>;
    /// At most `limit` bytes from the start of the file at `path`.
    fn read(&self, path: &str, limit: u64) -> std::io::Result<Vec<u8>>;
}

/// `(path, bytes)` pairs held in memory; the directories are those the paths imply.
#[derive(Clone, Debug, Default)]
pub struct MemoryTree {
    files: BTreeMap<String, Vec<u8>>,
}

impl MemoryTree {
    /// A tree of these files (`/`-separated relative paths).
    pub fn new(files: Vec<(String, Vec<u8>)>) -> Self {
        MemoryTree {
            files: files.into_iter().collect(),
        }
    }
}

impl Tree for MemoryTree {
    fn entries(&self) -> Result<Vec<Entry>, LicenseError> {
        let mut dirs = std::collections::BTreeSet::new();
        let mut res = Vec::new();
        for (path, bytes) in &self.files {
            let mut rest = path.as_str();
            while let Some((parent, _)) = rest.rsplit_once('/') {
                dirs.insert(parent.to_string());
                rest = parent;
            }
            res.push(Entry {
                path: path.clone(),
                kind: EntryKind::File,
                size: bytes.len() as u64,
            });
        }
        res.extend(dirs.into_iter().map(|path| Entry {
            path,
            kind: EntryKind::Directory,
            size: 0,
        }));
        Ok(res)
    }

    fn read(&self, path: &str, limit: u64) -> std::io::Result<Vec<u8>> {
        let bytes = self.files.get(path).ok_or(std::io::ErrorKind::NotFound)?;
        let n = usize::try_from(limit)
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        Ok(bytes[..n].to_vec())
    }
}

/// A directory on disk, walked with `std::fs` without following symbolic links; `.git` directories are skipped.
#[derive(Clone, Debug)]
pub struct DirTree {
    root: PathBuf,
}

impl DirTree {
    /// The tree under `root`.
    pub fn new(root: &Path) -> Self {
        DirTree {
            root: root.to_path_buf(),
        }
    }
}

impl Tree for DirTree {
    fn entries(&self) -> Result<Vec<Entry>, LicenseError> {
        let io_err = |path: &Path, source| LicenseError::Io {
            path: path.display().to_string(),
            source,
        };
        let mut res = Vec::new();
        let mut stack = vec![(self.root.clone(), String::new())];
        while let Some((dir, rel)) = stack.pop() {
            let read_dir = std::fs::read_dir(&dir).map_err(|err| io_err(&dir, err))?;
            for dirent in read_dir {
                let dirent = dirent.map_err(|err| io_err(&dir, err))?;
                let name = dirent.file_name().to_string_lossy().into_owned();
                let path = if rel.is_empty() {
                    name.clone()
                } else {
                    format!("{rel}/{name}")
                };
                let meta = std::fs::symlink_metadata(dirent.path())
                    .map_err(|err| io_err(&dirent.path(), err))?;
                let kind = if meta.is_file() {
                    EntryKind::File
                } else if meta.is_dir() {
                    EntryKind::Directory
                } else {
                    EntryKind::Other
                };
                if kind == EntryKind::Directory && name != ".git" {
                    stack.push((dirent.path(), path.clone()));
                }
                res.push(Entry {
                    path,
                    kind,
                    size: if kind == EntryKind::File {
                        meta.len()
                    } else {
                        0
                    },
                });
            }
        }
        Ok(res)
    }

    fn read(&self, path: &str, limit: u64) -> std::io::Result<Vec<u8>> {
        let file = std::fs::File::open(self.root.join(path))?;
        let mut res = Vec::new();
        file.take(limit).read_to_end(&mut res)?;
        Ok(res)
    }
}
