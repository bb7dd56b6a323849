//! Bundles: the files of a Go tree that an analysis reads, in one deterministic tar, so that a tree can be sent to a
//! service on another machine and analysed there exactly as here.
//!
//! [`pack`] chooses the directory to bundle (the *mount*): the GOROOT of a tree inside a Go distribution, the module
//! directory when `go.mod` is above the tree, else the tree itself. It keeps what the loader reads: `*.go`, `go.mod`,
//! `vendor/modules.txt`, and a GOROOT's `VERSION`; directories that `go/build` ignores (`testdata`, `_x`, `.x`) are
//! left out, as are symbolic links to directories. Entries are sorted and carry no owner, mode or time, so the
//! same tree always gives the same bytes and the same sha256: a second upload is a `HEAD` that finds it.
//!
//! [`unpack`] reads a bundle into a [`MemoryTree`] mounted at the client's path: nothing is written to disk, and
//! every entry is checked (regular files only, plain relative paths, limits on count and size).

use std::io::Read;
use std::path::{Path, PathBuf};

use gofed_go::load::{detect_layout, Layout, MemoryTree, OsFileTree};

/// Most entries a bundle may have.
pub const MAX_ENTRIES: usize = 1_000_000;
/// Most bytes of file content a bundle may unpack to.
pub const MAX_CONTENT: u64 = 4 << 30;

/// Errors of packing or unpacking a bundle.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// The tree could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The tree is not a directory.
    #[error("{0}: not a directory")]
    NotADirectory(PathBuf),
    /// The bundle is not a valid tar.
    #[error("bundle {sha256}: not a valid tar: {source}")]
    Tar {
        /// The bundle.
        sha256: String,
        /// Why.
        source: std::io::Error,
    },
    /// An entry is not acceptable.
    #[error("bundle {sha256}: entry {entry:?}: {reason}")]
    Entry {
        /// The bundle.
        sha256: String,
        /// The entry's path.
        entry: String,
        /// Why.
        reason: String,
    },
    /// The bundle is larger than the limits.
    #[error("bundle {sha256}: {reason}")]
    TooLarge {
        /// The bundle.
        sha256: String,
        /// Which limit.
        reason: String,
    },
}

/// A packed tree.
#[derive(Debug)]
pub struct Bundle {
    /// The tar.
    pub bytes: Vec<u8>,
    /// The absolute directory the entries are relative to.
    pub mount: PathBuf,
    /// The analysed directory (absolute): `mount` or below it.
    pub root: PathBuf,
    /// Number of files.
    pub files: usize,
}

/// Packs the files an analysis of `root` reads.
pub fn pack(root: &Path) -> Result<Bundle, BundleError> {
    let root = std::path::absolute(root).map_err(|source| BundleError::Read {
        path: root.to_owned(),
        source,
    })?;
    if !root.is_dir() {
        return Err(BundleError::NotADirectory(root));
    }
    let (mount, walk_from) = match detect_layout(&OsFileTree, &root) {
        Layout::Goroot { goroot, .. } => (goroot.clone(), goroot.join("src")),
        Layout::Module { dir, .. } => (dir.clone(), dir),
        _ => (root.clone(), root.clone()),
    };
    let mut files: Vec<PathBuf> = Vec::new();
    if walk_from != mount && mount.join("VERSION").is_file() {
        files.push(PathBuf::from("VERSION"));
    }
    collect(&mount, &walk_from, &mut files)?;
    files.sort();
    let mut tar = tar::Builder::new(Vec::new());
    for rel in &files {
        let path = mount.join(rel);
        let bytes = std::fs::read(&path).map_err(|source| BundleError::Read {
            path: path.clone(),
            source,
        })?;
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        tar.append_data(&mut header, rel, bytes.as_slice())
            .map_err(|source| BundleError::Read { path, source })?;
    }
    let bytes = tar.into_inner().map_err(|source| BundleError::Read {
        path: mount.clone(),
        source,
    })?;
    Ok(Bundle {
        bytes,
        mount,
        root,
        files: files.len(),
    })
}

/// Whether the loader reads a file of this name.
fn is_bundled_file(dir_rel: &Path, name: &str) -> bool {
    name.ends_with(".go")
        || name == "go.mod"
        || (name == "modules.txt" && dir_rel.file_name().is_some_and(|d| d == "vendor"))
}

/// Appends the bundled files below `dir` (paths relative to `mount`), skipping what `go/build` ignores.
fn collect(mount: &Path, dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), BundleError> {
    let read_err = |source| BundleError::Read {
        path: dir.to_owned(),
        source,
    };
    let rel_dir = dir.strip_prefix(mount).unwrap_or(Path::new(""));
    for entry in std::fs::read_dir(dir).map_err(read_err)? {
        let entry = entry.map_err(read_err)?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if name == "testdata" || name.starts_with('_') || name.starts_with('.') {
                continue;
            }
            collect(mount, &entry.path(), out)?;
        } else if is_bundled_file(rel_dir, &name) {
            // Links to files count (go/build follows them); links to directories do not.
            let is_file = kind.is_file() || (kind.is_symlink() && entry.path().is_file());
            if is_file {
                out.push(rel_dir.join(&name));
            }
        }
    }
    Ok(())
}

/// Reads a bundle into memory, mounted at `mount`. `sha256` names the bundle in errors.
pub fn unpack(bytes: &[u8], sha256: &str, mount: &Path) -> Result<MemoryTree, BundleError> {
    let tar_err = |source| BundleError::Tar {
        sha256: sha256.to_owned(),
        source,
    };
    let mut tree = MemoryTree::new(mount);
    let mut archive = tar::Archive::new(bytes);
    let mut content: u64 = 0;
    for (n, entry) in archive.entries().map_err(tar_err)?.enumerate() {
        if n >= MAX_ENTRIES {
            return Err(BundleError::TooLarge {
                sha256: sha256.to_owned(),
                reason: format!("more than {MAX_ENTRIES} entries"),
            });
        }
        let mut entry = entry.map_err(tar_err)?;
        let path = entry.path().map_err(tar_err)?.into_owned();
        let entry_err = |reason: String| BundleError::Entry {
            sha256: sha256.to_owned(),
            entry: path.display().to_string(),
            reason,
        };
        match entry.header().entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous => {}
            tar::EntryType::Directory => continue,
            other => return Err(entry_err(format!("{other:?} entries are not accepted"))),
        }
        let size = entry.size();
        content = content.saturating_add(size);
        if content > MAX_CONTENT {
            return Err(BundleError::TooLarge {
                sha256: sha256.to_owned(),
                reason: format!("content larger than {MAX_CONTENT} bytes"),
            });
        }
        // The size comes from the header: read at most that much, never trusting it for a preallocation.
        let mut data = Vec::new();
        entry
            .by_ref()
            .take(size)
            .read_to_end(&mut data)
            .map_err(tar_err)?;
        tree.insert_file(&path, data)
            .map_err(|err| entry_err(err.to_string()))?;
    }
    Ok(tree)
}

#[cfg(test)]
mod tests {
    use gofed_go::load::FileTree;

    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn pack_is_deterministic_and_unpacks_to_the_same_tree() {
        let dir = tempfile::tempdir().unwrap();
        let m = dir.path().join("m");
        write(&m, "go.mod", "module example.com/m\n");
        write(&m, "a.go", "package m\n");
        write(&m, "sub/b.go", "package sub\n");
        write(&m, "sub/README", "not bundled\n");
        write(&m, "testdata/t.go", "package t\n");
        write(&m, "vendor/modules.txt", "# x.org/y v1.0.0\n");
        let first = pack(&m.join("sub")).unwrap();
        assert_eq!(first.mount, m, "a tree below a module bundles the module");
        assert_eq!(first.root, m.join("sub"));
        assert_eq!(first.files, 4);
        let again = pack(&m.join("sub")).unwrap();
        assert_eq!(first.bytes, again.bytes);

        let tree = unpack(&first.bytes, "x", Path::new("/client/m")).unwrap();
        assert_eq!(tree.len(), 4);
        assert!(tree.is_file(Path::new("/client/m/sub/b.go")));
        assert!(tree.is_file(Path::new("/client/m/vendor/modules.txt")));
        assert!(!tree.is_file(Path::new("/client/m/sub/README")));
        assert!(!tree.is_dir(Path::new("/client/m/testdata")));
    }

    #[test]
    fn hostile_bundles_are_refused() {
        let header = |path: &str, kind: tar::EntryType, size: u64| {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(kind);
            h.set_size(size);
            let bytes = path.as_bytes();
            // Write the name directly: `set_path` itself refuses `..`.
            h.as_old_mut().name[..bytes.len()].copy_from_slice(bytes);
            h.set_cksum();
            h
        };
        for (path, kind) in [
            ("../escape.go", tar::EntryType::Regular),
            ("/etc/passwd", tar::EntryType::Regular),
            ("link.go", tar::EntryType::Symlink),
            ("dev", tar::EntryType::Char),
        ] {
            let mut tar = tar::Builder::new(Vec::new());
            tar.append(&header(path, kind, 0), std::io::empty())
                .unwrap();
            let bytes = tar.into_inner().unwrap();
            let err = unpack(&bytes, "abc", Path::new("/m")).unwrap_err();
            assert!(matches!(err, BundleError::Entry { .. }), "{path}: {err}");
            assert!(err.to_string().contains("bundle abc"), "{err}");
        }
        // Truncated and garbage input: an error, no panic.
        let mut tar = tar::Builder::new(Vec::new());
        tar.append(
            &header("a.go", tar::EntryType::Regular, 1000),
            &[0u8; 1000][..],
        )
        .unwrap();
        let bytes = tar.into_inner().unwrap();
        assert!(unpack(&bytes[..700], "t", Path::new("/m")).is_err());
        let garbage: Vec<u8> = (0..5000u32).map(|i| (i * 7919 % 251) as u8).collect();
        assert!(unpack(&garbage, "g", Path::new("/m")).is_err());
    }
}
