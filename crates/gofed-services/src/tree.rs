//! Opening a [`Source`]: a directory on this machine, or an uploaded bundle read into memory.

use std::path::{Path, PathBuf};

use gofed_go::load::{FileTree, MemoryTree, OsFileTree};
use gofed_service::{error_chain, ServiceError};

use crate::request::Source;
use crate::ServiceContext;

/// A tree to analyse and the directory in it to start from.
pub struct OpenedTree {
    tree: Tree,
    root: PathBuf,
}

enum Tree {
    Os,
    Memory(MemoryTree),
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
        })
    }

    /// The files.
    pub fn tree(&self) -> &(dyn FileTree + Sync) {
        match &self.tree {
            Tree::Os => &OS_FILE_TREE,
            Tree::Memory(tree) => tree,
        }
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
            let (sha256, mount, root) = (file.sha256.clone(), mount.clone(), root.clone());
            let tree =
                tokio::task::spawn_blocking(move || crate::bundle::unpack(&bytes, &sha256, &mount))
                    .await
                    .map_err(|err| ServiceError::internal("unpacking a bundle", err))?
                    .map_err(|err| ServiceError::unprocessable(err.to_string()))?;
            Ok(OpenedTree {
                tree: Tree::Memory(tree),
                root,
            })
        }
    }
}
