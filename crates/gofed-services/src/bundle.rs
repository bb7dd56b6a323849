//! Bundles: the files of a Go tree that an analysis reads, in one deterministic tar, so that a tree can be sent to a
//! service on another machine and analysed there exactly as here.
//!
//! [`pack`] chooses the directory to bundle (the *mount*): the GOROOT of a tree inside a Go distribution, the module
//! directory when `go.mod` is above the tree, else the tree itself. It keeps what the loader reads: `*.go`, `go.mod`,
//! `vendor/modules.txt`, and a GOROOT's `VERSION`; and the license files (`LICENSE*`, `COPYING*`, ...); directories that `go/build` ignores (`testdata`, `_x`, `.x`) are
//! left out, as are symbolic links to directories. Entries are sorted and carry no owner, mode or time, so the
//! same tree always gives the same bytes and the same sha256: a second upload is a `HEAD` that finds it.
//!
//! [`unpack`] reads a bundle into a [`MemoryTree`] mounted at the client's path: nothing is written to disk, and
//! every entry is checked (regular files only, plain relative paths, limits on count and size). A mounted path is at
//! most [`MAX_PATH`] bytes, as on the client's own system, and the tree in memory (contents, paths, names) may take
//! at most [`MAX_MEMORY_FACTOR`] times the bundle's size plus [`MEMORY_ALLOWANCE`]: deep or long directory names
//! cannot turn a small bundle into a large tree.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use gofed_go::load::{detect_layout, Layout, MemoryTree, OsFileTree};

/// Most entries a bundle may have (Go's standard library bundles about 7,000 files; the largest Go trees with their
/// vendored code a few tens of thousands).
pub const MAX_ENTRIES: usize = 200_000;
/// Longest path of a mounted file, in bytes (Linux's `PATH_MAX`): the client could not have such a tree.
pub const MAX_PATH: usize = 4096;
/// The tree in memory may take this many times the bundle's size...
pub const MAX_MEMORY_FACTOR: u64 = 2;
/// ...plus this many bytes (a real tree takes less than its tar, whose headers are 512 bytes per file).
pub const MEMORY_ALLOWANCE: u64 = 16 << 20;
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
    /// The mount point is not acceptable.
    #[error("mount point of {} bytes, longer than PATH_MAX ({MAX_PATH})", .0)]
    MountTooLong(usize),
    /// The work was cancelled (the call that wanted it is gone).
    #[error("bundle {0}: cancelled")]
    Cancelled(String),
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

/// The files an analysis of a directory reads: what [`pack`] bundles and [`digest`] hashes.
#[derive(Debug)]
pub struct TreeFiles {
    /// The absolute directory the files are relative to.
    pub mount: PathBuf,
    /// The analysed directory (absolute): `mount` or below it.
    pub root: PathBuf,
    /// The files, relative to `mount`, sorted.
    pub files: Vec<PathBuf>,
}

/// Chooses the mount of `root` and lists the files below it that the loader reads.
pub fn tree_files(root: &Path) -> Result<TreeFiles, BundleError> {
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
    Ok(TreeFiles { mount, root, files })
}

/// Packs the files an analysis of `root` reads.
pub fn pack(root: &Path) -> Result<Bundle, BundleError> {
    let TreeFiles { mount, root, files } = tree_files(root)?;
    let mut tar = tar::Builder::new(Vec::new());
    for rel in &files {
        let path = mount.join(rel);
        let bytes = std::fs::read(&path).map_err(|source| BundleError::Read {
            path: path.clone(),
            source,
        })?;
        append_file(&mut tar, rel, &bytes).map_err(|source| BundleError::Read { path, source })?;
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

/// A file modified this recently may change again within the same timestamp tick (file systems stamp with a
/// coarse clock, FAT with 2 s) without its metadata changing: its content is hashed instead.
const RACY_WINDOW: std::time::Duration = std::time::Duration::from_secs(3);

/// A digest that changes whenever what an analysis of the directory `root` reads changes: its mount and root
/// (paths appear in results), the path of each file [`pack`] would bundle, and each file's identity and
/// modification stamps (size, inode, device, mtime and ctime in nanoseconds), as git's index tells a changed
/// file without reading it. A file stamped within [`RACY_WINDOW`] of now is hashed by content instead. The
/// files are not read otherwise: keying the Go standard library takes a walk and 7,000 `stat`s. The same
/// content elsewhere, or touched, gets another digest (the cache then analyses again: never a wrong answer).
pub fn digest(root: &Path) -> Result<[u8; 32], BundleError> {
    use rayon::prelude::*;
    use sha2::Digest as _;
    let TreeFiles { mount, root, files } = tree_files(root)?;
    let racy_since = racy_since();
    let stamps: Vec<Vec<u8>> = files
        .par_iter()
        .map(|rel| identity(&mount.join(rel), racy_since))
        .collect::<Result<_, BundleError>>()?;
    let mut digest = sha2::Sha256::new();
    for path in [&mount, &root] {
        digest.update(path.as_os_str().as_encoded_bytes());
        digest.update([0]);
    }
    for (rel, stamp) in files.iter().zip(&stamps) {
        digest.update(rel.as_os_str().as_encoded_bytes());
        digest.update([0]);
        digest.update([u8::try_from(stamp.len()).unwrap_or(u8::MAX)]);
        digest.update(stamp);
    }
    Ok(digest.finalize().into())
}

/// What identifies the content of the file at `path` for a cache key, by [`digest`]'s rule: its identity and
/// modification stamps, or the sha256 of its bytes when it was modified within [`RACY_WINDOW`]. An archive
/// SOURCE is keyed so: hashing a 15 MB archive took longer than answering its analysis from the store.
pub fn file_identity(path: &Path) -> Result<Vec<u8>, BundleError> {
    identity(path, racy_since())
}

fn racy_since() -> std::time::SystemTime {
    std::time::SystemTime::now()
        .checked_sub(RACY_WINDOW)
        .unwrap_or(std::time::UNIX_EPOCH)
}

fn identity(path: &Path, racy_since: std::time::SystemTime) -> Result<Vec<u8>, BundleError> {
    use sha2::Digest as _;
    let read_err = |source| BundleError::Read {
        path: path.to_owned(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(read_err)?;
    match file_stamp(&meta, racy_since) {
        Some(stamp) => Ok(stamp),
        None => {
            let mut file = std::fs::File::open(path).map_err(read_err)?;
            let mut digest = sha2::Sha256::new();
            std::io::copy(&mut file, &mut digest).map_err(read_err)?;
            Ok(digest.finalize().to_vec())
        }
    }
}

/// A file's size, inode, device, mtime and ctime, unless it was modified since `racy_since` (or the system
/// has no such stamps): then `None`, and its content must be hashed.
#[cfg(unix)]
fn file_stamp(meta: &std::fs::Metadata, racy_since: std::time::SystemTime) -> Option<Vec<u8>> {
    use std::os::unix::fs::MetadataExt as _;
    let since = racy_since
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .and_then(|d| i64::try_from(d.as_secs()).ok())?;
    if meta.mtime() >= since || meta.ctime() >= since {
        return None;
    }
    let mut stamp = Vec::with_capacity(56);
    for n in [meta.size(), meta.ino(), meta.dev()] {
        stamp.extend_from_slice(&n.to_le_bytes());
    }
    for n in [
        meta.mtime(),
        meta.mtime_nsec(),
        meta.ctime(),
        meta.ctime_nsec(),
    ] {
        stamp.extend_from_slice(&n.to_le_bytes());
    }
    Some(stamp)
}

#[cfg(not(unix))]
fn file_stamp(_meta: &std::fs::Metadata, _racy_since: std::time::SystemTime) -> Option<Vec<u8>> {
    None
}

/// Appends a regular file to a deterministic tar: no owner, mode 0644, time 0, so that the bytes depend on the
/// paths and contents alone (callers append in sorted order). `scm_store` makes its archives with it too.
pub fn append_file(
    tar: &mut tar::Builder<Vec<u8>>,
    rel: &Path,
    bytes: &[u8],
) -> std::io::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_entry_type(tar::EntryType::Regular);
    header.set_size(bytes.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(0);
    header.set_uid(0);
    header.set_gid(0);
    tar.append_data(&mut header, rel, bytes)
}

/// Whether the loader reads a file of this name.
fn is_bundled_file(dir_rel: &Path, name: &str) -> bool {
    name.ends_with(".go")
        || name == "go.mod"
        || (name == "modules.txt" && dir_rel.file_name().is_some_and(|d| d == "vendor"))
        // What `license_analysis` reads.
        || gofed_license::is_license_file_name(name)
}

/// A directory no bundle holds: go/build ignores `testdata`, `_x` and `.x`.
pub(crate) fn is_skipped_dir(name: &str) -> bool {
    name == "testdata" || name.starts_with('_') || name.starts_with('.')
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
            if is_skipped_dir(&name) {
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
    unpack_cancellable(bytes, sha256, mount, &AtomicBool::new(false))
}

/// [`unpack`], stopping with [`BundleError::Cancelled`] once `cancel` is set.
pub fn unpack_cancellable(
    bytes: &[u8],
    sha256: &str,
    mount: &Path,
    cancel: &AtomicBool,
) -> Result<MemoryTree, BundleError> {
    let tar_err = |source| BundleError::Tar {
        sha256: sha256.to_owned(),
        source,
    };
    let mount_len = mount.as_os_str().len();
    if mount_len > MAX_PATH {
        return Err(BundleError::MountTooLong(mount_len));
    }
    let max_memory = MAX_MEMORY_FACTOR
        .saturating_mul(bytes.len() as u64)
        .saturating_add(MEMORY_ALLOWANCE);
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
        if cancel.load(Ordering::Relaxed) {
            return Err(BundleError::Cancelled(sha256.to_owned()));
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
        // As the client would name it: mount, separator, path.
        let full_len = mount_len + 1 + path.as_os_str().len();
        if full_len > MAX_PATH {
            return Err(entry_err(format!(
                "mounted path of {full_len} bytes, longer than PATH_MAX ({MAX_PATH})"
            )));
        }
        let size = entry.size();
        content = content.saturating_add(size);
        if content > MAX_CONTENT {
            return Err(BundleError::TooLarge {
                sha256: sha256.to_owned(),
                reason: format!("content larger than {MAX_CONTENT} bytes"),
            });
        }
        // The size comes from the header: read at most that much, preallocating no more than the bundle holds.
        let capacity = usize::try_from(size).unwrap_or(usize::MAX).min(bytes.len());
        let mut data = Vec::with_capacity(capacity);
        entry
            .by_ref()
            .take(size)
            .read_to_end(&mut data)
            .map_err(tar_err)?;
        tree.insert_file(&path, data)
            .map_err(|err| entry_err(err.to_string()))?;
        if tree.memory_size() > max_memory {
            return Err(BundleError::TooLarge {
                sha256: sha256.to_owned(),
                reason: format!(
                    "the unpacked tree would take more than {max_memory} bytes of memory ({MAX_MEMORY_FACTOR} times \
                     the bundle's {} bytes, plus {MEMORY_ALLOWANCE})",
                    bytes.len()
                ),
            });
        }
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

    fn tar_of(paths: impl IntoIterator<Item = String>) -> Vec<u8> {
        let mut tar = tar::Builder::new(Vec::new());
        for path in paths {
            let mut header = tar::Header::new_gnu();
            header.set_size(0);
            tar.append_data(&mut header, path, std::io::empty())
                .unwrap();
        }
        tar.into_inner().unwrap()
    }

    #[test]
    fn long_paths_and_amplifying_trees_are_refused() {
        let err = unpack(&[], "m", Path::new(&format!("/{}", "m".repeat(5000)))).unwrap_err();
        assert!(matches!(err, BundleError::MountTooLong(5001)), "{err}");

        // 3,999 + 1 + 206 bytes: past PATH_MAX once mounted, fine under a short mount.
        let tar = tar_of([format!("{}/x.go", "d".repeat(200))]);
        let long_mount = format!("/{}", "m".repeat(3998));
        let err = unpack(&tar, "p", Path::new(&long_mount)).unwrap_err();
        assert!(err.to_string().contains("longer than PATH_MAX"), "{err}");
        assert!(unpack(&tar, "p", Path::new("/m")).is_ok());

        // Each entry a chain of 1,000 new directories: a few KB of tar, megabytes of paths in memory.
        let tar = tar_of((0..40).map(|i| format!("u{i}/{}x.go", "a/".repeat(1000))));
        let err = unpack(&tar, "deep", Path::new("/m")).unwrap_err();
        assert!(
            err.to_string().contains("bytes of memory"),
            "{err} (bundle of {} bytes)",
            tar.len()
        );
    }

    #[test]
    fn unpacking_stops_when_cancelled() {
        let tar = tar_of((0..10).map(|i| format!("f{i}.go")));
        let err =
            unpack_cancellable(&tar, "c", Path::new("/m"), &AtomicBool::new(true)).unwrap_err();
        assert!(matches!(err, BundleError::Cancelled(_)), "{err}");
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
