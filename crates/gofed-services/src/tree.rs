//! Opening a [`Source`]: a directory on this machine, an uploaded bundle read into memory, or an artifact (a file
//! of this machine or an upload) read into memory with [`crate::artifact::open_artifact`].

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use gofed_go::load::{FileTree, MemoryTree, OsFileTree};
use gofed_service::{error_chain, ServiceError};

use crate::artifact::{open_artifact, OpenedArtifact, SourceMeta};
use crate::request::{ArtifactAt, Source};
use crate::saved::SavedApi;
use crate::ServiceContext;

/// A tree to analyse and the directory in it to start from.
pub struct OpenedTree {
    tree: Tree,
    root: PathBuf,
    /// For an artifact: what was read.
    source: Option<Arc<SourceMeta>>,
    /// A saved API analysis given instead of a tree (only `api_diff` reads it).
    saved: Option<Arc<SavedApi>>,
}

enum Tree {
    Os,
    Memory(Arc<MemoryTree>),
}

/// Unpacked bundles kept in memory, so that the analyses of one tree (several formats, both sides of many
/// diffs, retries) fetch and unpack it once. Keyed by sha256 and mount point; least recently used first out. Each
/// entry is charged the memory its tree really takes ([`MemoryTree::memory_size`]: contents, paths and names), not
/// the size of its tar.
#[derive(Debug)]
pub struct BundleCache {
    capacity: u64,
    entries: Mutex<VecDeque<CachedBundle>>,
}

#[derive(Debug)]
struct CachedBundle {
    sha256: String,
    mount: PathBuf,
    size: u64,
    tree: Arc<MemoryTree>,
    /// For an artifact: the directory to analyse and what was read.
    artifact: Option<(PathBuf, Arc<SourceMeta>)>,
}

/// A tree found in the cache.
type Cached = (Arc<MemoryTree>, Option<(PathBuf, Arc<SourceMeta>)>);

impl BundleCache {
    /// Default capacity: 512 MiB of unpacked trees.
    pub const DEFAULT_CAPACITY: u64 = 512 << 20;

    /// A cache holding trees of at most `capacity` bytes in all (0: no caching).
    pub fn new(capacity: u64) -> BundleCache {
        BundleCache {
            capacity,
            entries: Mutex::new(VecDeque::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<CachedBundle>> {
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn get(&self, sha256: &str, mount: &Path) -> Option<Arc<MemoryTree>> {
        self.get_entry(sha256, mount).map(|(tree, _)| tree)
    }

    fn get_entry(&self, sha256: &str, mount: &Path) -> Option<Cached> {
        let mut entries = self.lock();
        let index = entries
            .iter()
            .position(|e| e.sha256 == sha256 && e.mount == mount)?;
        let entry = entries.remove(index)?;
        let found = (Arc::clone(&entry.tree), entry.artifact.clone());
        entries.push_back(entry);
        Some(found)
    }

    fn insert(&self, sha256: &str, mount: &Path, tree: &Arc<MemoryTree>) {
        self.insert_entry(sha256, mount, tree, None);
    }

    fn insert_entry(
        &self,
        sha256: &str,
        mount: &Path,
        tree: &Arc<MemoryTree>,
        artifact: Option<(PathBuf, Arc<SourceMeta>)>,
    ) {
        let size = tree.memory_size();
        if size > self.capacity {
            return;
        }
        let mut entries = self.lock();
        let mut total: u64 = entries.iter().map(|e| e.size).sum::<u64>() + size;
        while total > self.capacity {
            match entries.pop_front() {
                Some(evicted) => total -= evicted.size,
                None => break,
            }
        }
        entries.push_back(CachedBundle {
            sha256: sha256.to_owned(),
            mount: mount.to_owned(),
            size,
            tree: Arc::clone(tree),
            artifact,
        });
    }
}

impl Default for BundleCache {
    fn default() -> Self {
        BundleCache::new(BundleCache::DEFAULT_CAPACITY)
    }
}

/// The file system, for sources that live as long as the program.
static OS_FILE_TREE: OsFileTree = OsFileTree;

impl OpenedTree {
    /// A directory of this machine, made absolute with symbolic links kept: a GOROOT is recognised by its layout
    /// (`GOROOT/src` next to `GOROOT/VERSION`), which links such as Debian's may hide.
    pub fn directory(source: &Path) -> anyhow::Result<OpenedTree> {
        let root = std::path::absolute(source)
            .map_err(|err| anyhow::anyhow!("{}: {err}", source.display()))?;
        if !root.exists() {
            anyhow::bail!("{}: no such directory", source.display());
        }
        if !root.is_dir() {
            anyhow::bail!("{}: not a directory", source.display());
        }
        Ok(OpenedTree {
            tree: Tree::Os,
            root,
            source: None,
            saved: None,
        })
    }

    /// An artifact read into memory.
    pub fn artifact(opened: OpenedArtifact) -> OpenedTree {
        OpenedTree {
            tree: Tree::Memory(Arc::new(opened.tree)),
            root: opened.root,
            source: Some(Arc::new(opened.meta)),
            saved: None,
        }
    }

    /// A saved API analysis (`gofed api --format json`), as if it were a tree mounted at `mount` (with no
    /// files: only `api_diff` reads its models).
    pub fn saved_api(saved: SavedApi, mount: &Path) -> OpenedTree {
        OpenedTree {
            tree: Tree::Memory(Arc::new(MemoryTree::new(mount))),
            root: mount.to_owned(),
            source: saved.source.clone().map(Arc::new),
            saved: Some(Arc::new(saved)),
        }
    }

    /// The saved API analysis given instead of a tree, if it was one.
    pub fn saved(&self) -> Option<&SavedApi> {
        self.saved.as_deref()
    }

    /// For an artifact: what was read (`meta.source`).
    pub fn source_meta(&self) -> Option<&SourceMeta> {
        self.source.as_deref()
    }

    /// The files.
    pub fn tree(&self) -> &(dyn FileTree + Sync) {
        match &self.tree {
            Tree::Os => &OS_FILE_TREE,
            Tree::Memory(tree) => tree.as_ref(),
        }
    }

    /// Whether the files are this machine's own (a directory SOURCE), not a tree in memory.
    pub fn is_on_disk(&self) -> bool {
        matches!(self.tree, Tree::Os)
    }

    /// The directory to analyse (absolute).
    pub fn root(&self) -> &Path {
        &self.root
    }
}

/// Opens `source` for an action: fetches and unpacks a bundle, or checks that a path may be used.
pub async fn open(context: &ServiceContext, source: &Source) -> Result<OpenedTree, ServiceError> {
    match source {
        Source::Path(path) => {
            if !context.allow_paths {
                return Err(ServiceError::invalid_input(
                    "source.path",
                    "this service does not read paths of its own machine; upload the tree as a bundle",
                ));
            }
            OpenedTree::directory(path)
                .map_err(|err| ServiceError::unprocessable(format!("{err:#}")))
        }
        Source::Bundle { file, mount, root } => {
            if !mount.is_absolute() || !root.starts_with(mount) {
                return Err(ServiceError::invalid_input(
                    "source.bundle.root",
                    "mount must be absolute and root must lie in it",
                ));
            }
            // No client has such a tree; checked before anything is fetched.
            let longest = mount.as_os_str().len().max(root.as_os_str().len());
            if longest > crate::bundle::MAX_PATH {
                return Err(ServiceError::unprocessable(format!(
                    "source.bundle: a mount or root of {longest} bytes is longer than PATH_MAX ({})",
                    crate::bundle::MAX_PATH
                )));
            }
            if let Some(tree) = context.bundles.get(file.sha256.as_str(), mount) {
                return Ok(OpenedTree {
                    tree: Tree::Memory(tree),
                    root: root.clone(),
                    source: None,
                    saved: None,
                });
            }
            let system = context.system.as_ref().ok_or_else(|| {
                ServiceError::unprocessable(
                    "this service has no file storage to fetch bundles from",
                )
            })?;
            let bytes = system.fetch(file).await.map_err(|err| {
                ServiceError::unprocessable(format!(
                    "fetching bundle {}: {}",
                    file.sha256,
                    error_chain(&err)
                ))
            })?;
            let (sha256, unpack_mount) = (file.sha256.to_string(), mount.clone());
            let tree = gofed_service::run_blocking(move |cancel| {
                crate::bundle::unpack_cancellable(&bytes, &sha256, &unpack_mount, &cancel.flag())
            })
            .await
            .map_err(|err| ServiceError::internal("unpacking a bundle", err))?
            .map_err(|err| ServiceError::unprocessable(err.to_string()))?;
            let tree = Arc::new(tree);
            // Fetched bytes are hash-checked, so the sha256 names this content.
            context.bundles.insert(file.sha256.as_str(), mount, &tree);
            Ok(OpenedTree {
                tree: Tree::Memory(tree),
                root: root.clone(),
                source: None,
                saved: None,
            })
        }
        Source::Artifact {
            at,
            name,
            mount,
            read,
        } => open_artifact_source(context, at, name, mount, read.as_deref()).await,
    }
}

/// Opens an artifact: reads a file of this machine (where paths are allowed) or fetches an upload (kept in the
/// cache of unpacked trees), then reads it in memory on the blocking pool.
async fn open_artifact_source(
    context: &ServiceContext,
    at: &ArtifactAt,
    name: &str,
    mount: &Path,
    read: Option<&SourceMeta>,
) -> Result<OpenedTree, ServiceError> {
    if !mount.is_absolute() || mount.as_os_str().len() > crate::bundle::MAX_PATH {
        return Err(ServiceError::invalid_input(
            "source.artifact.mount",
            "mount must be an absolute path of at most PATH_MAX bytes",
        ));
    }
    // An artifact's meta names its input: the name is part of the cache key.
    let cache_key = |sha256: &str| format!("{sha256} {name}");
    let bytes: Box<dyn AsRef<[u8]> + Send> = match at {
        ArtifactAt::Git { repo, rev, dir } => {
            if !context.allow_paths {
                return Err(ServiceError::invalid_input(
                    "source.artifact.git",
                    "this service does not read paths of its own machine; upload the revision's files",
                ));
            }
            let (name, repo, rev, dir, mount, limits) = (
                name.to_owned(),
                repo.clone(),
                rev.clone(),
                dir.clone(),
                mount.to_owned(),
                context.artifact_limits.clone(),
            );
            let opened = gofed_service::run_blocking(move |_| {
                crate::artifact::open_git(&name, &repo, &rev, &dir, &limits, &mount)
            })
            .await
            .map_err(|err| ServiceError::internal("reading a git revision", err))?
            .map_err(|err| ServiceError::unprocessable(err.to_string()))?;
            return Ok(OpenedTree::artifact(opened));
        }
        ArtifactAt::Path(path) => {
            if !context.allow_paths {
                return Err(ServiceError::invalid_input(
                    "source.artifact.path",
                    "this service does not read paths of its own machine; upload the artifact",
                ));
            }
            let path = path.clone();
            Box::new(
                gofed_service::run_blocking(move |_| {
                    std::fs::read(&path).map_err(|err| (path, err))
                })
                .await
                .map_err(|err| ServiceError::internal("reading an artifact", err))?
                .map_err(|(path, err)| {
                    ServiceError::unprocessable(format!("{}: {err}", path.display()))
                })?,
            )
        }
        ArtifactAt::File(file) => {
            if let Some((tree, Some((root, meta)))) = context
                .bundles
                .get_entry(&cache_key(file.sha256.as_str()), mount)
            {
                return Ok(OpenedTree {
                    tree: Tree::Memory(tree),
                    root,
                    source: Some(meta),
                    saved: None,
                });
            }
            let system = context.system.as_ref().ok_or_else(|| {
                ServiceError::unprocessable(
                    "this service has no file storage to fetch artifacts from",
                )
            })?;
            Box::new(system.fetch(file).await.map_err(|err| {
                ServiceError::unprocessable(format!(
                    "fetching artifact {} ({name}): {}",
                    file.sha256,
                    error_chain(&err)
                ))
            })?)
        }
    };
    // A saved API analysis is recognised by its content, as archives are.
    if read.is_none() && crate::saved::is_json((*bytes).as_ref()) {
        let name_owned = name.to_owned();
        let saved =
            gofed_service::run_blocking(move |_| SavedApi::read(&name_owned, (*bytes).as_ref()))
                .await
                .map_err(|err| ServiceError::internal("reading a saved API analysis", err))?
                .map_err(|err| ServiceError::unprocessable(err.to_string()))?;
        return Ok(OpenedTree::saved_api(saved, mount));
    }
    let (name_owned, mount_owned, limits, read) = (
        name.to_owned(),
        mount.to_owned(),
        context.artifact_limits.clone(),
        read.cloned(),
    );
    let opened = gofed_service::run_blocking(move |_| match read {
        Some(read) => crate::artifact::open_packed((*bytes).as_ref(), &limits, &mount_owned, read),
        None => open_artifact(&name_owned, (*bytes).as_ref(), &limits, &mount_owned),
    })
    .await
    .map_err(|err| ServiceError::internal("opening an artifact", err))?
    .map_err(|err| ServiceError::unprocessable(err.to_string()))?;
    let opened = OpenedTree::artifact(opened);
    if let (ArtifactAt::File(file), Tree::Memory(tree), Some(meta)) =
        (at, &opened.tree, &opened.source)
    {
        // Fetched bytes are hash-checked, so the sha256 names this content.
        context.bundles.insert_entry(
            &cache_key(file.sha256.as_str()),
            mount,
            tree,
            Some((opened.root.clone(), Arc::clone(meta))),
        );
    }
    Ok(opened)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundle_cache_evicts_the_least_recently_used() {
        // Trees of one 1,000-byte file each: a cache for two of them.
        let tree = |mount: &str| {
            let mut tree = MemoryTree::new(Path::new(mount));
            tree.insert_file(Path::new("f.go"), vec![b'x'; 1000])
                .unwrap();
            Arc::new(tree)
        };
        let (a, b, c) = (tree("/a"), tree("/b"), tree("/c"));
        let cache = BundleCache::new(a.memory_size() * 5 / 2);
        cache.insert("a", Path::new("/a"), &a);
        cache.insert("b", Path::new("/b"), &b);
        assert!(
            cache.get("a", Path::new("/a")).is_some(),
            "a is now the most recent"
        );
        assert!(
            cache.get("a", Path::new("/elsewhere")).is_none(),
            "the mount is part of the key"
        );
        cache.insert("c", Path::new("/c"), &c);
        assert!(
            cache.get("b", Path::new("/b")).is_none(),
            "b was the least recently used"
        );
        assert!(cache.get("a", Path::new("/a")).is_some());
        assert!(cache.get("c", Path::new("/c")).is_some());
        let mut huge = MemoryTree::new(Path::new("/h"));
        huge.insert_file(Path::new("f.go"), vec![b'x'; 3000])
            .unwrap();
        cache.insert("huge", Path::new("/h"), &Arc::new(huge));
        assert!(
            cache.get("huge", Path::new("/h")).is_none(),
            "larger than the whole cache"
        );
        assert!(
            cache.get("a", Path::new("/a")).is_some(),
            "and it evicted nothing"
        );
    }

    #[test]
    fn a_long_mount_costs_the_cache_its_length_once() {
        let tree = |mount: &Path| {
            let mut tree = MemoryTree::new(mount);
            for i in 0..1000 {
                tree.insert_file(Path::new(&format!("p/f{i}.go")), b"package p\n".to_vec())
                    .unwrap();
            }
            tree.memory_size()
        };
        let long = PathBuf::from(format!("/{}", "m".repeat(4000)));
        assert_eq!(tree(&long) - tree(Path::new("/m")), 4001 - 2);
    }
}
