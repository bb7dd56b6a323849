//! The `packagestorage` service (gofed-ng named its actions and left them to design): a distribution package's
//! dist-git tree ([`crate::distgit`]: spec file, patches, `sources`) at a branch head or a commit, stored in
//! `filestorage` as `scm_store` stores a revision: a deterministic tar of its files.

use std::sync::Arc;

use gofed_service::{BlobStore, Service, ServiceError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::distgit::PackageRevision;
use crate::scm::{revision_archive, StoredRevision};
use crate::ServiceContext;

/// Input of `package_get`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PackageQuery {
    /// The source package's name.
    pub package: String,
    /// The dist-git branch whose head is stored; default `rawhide`.
    #[serde(default)]
    pub branch: Option<String>,
}

/// Input of `package_get_commit`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PackageCommitQuery {
    /// The source package's name.
    pub package: String,
    /// The dist-git commit stored.
    pub commit: String,
}

/// Stores the dist-git tree of `at` as an archive.
async fn store(
    context: ServiceContext,
    blobs: Arc<BlobStore>,
    at: PackageRevision,
) -> Result<StoredRevision, ServiceError> {
    let reading = context.clone();
    let (bytes, commit, files, warnings) = crate::run_blocking_io("reading dist-git", move || {
        at.read_with(&reading.client, |c| {
            revision_archive(&c.dir, &c.commit, &reading.artifact_limits)
        })
    })
    .await?;
    let file = crate::filestorage::store_bytes(&context, &blobs, bytes, "the archive").await?;
    Ok(StoredRevision {
        file,
        commit,
        files,
        warnings,
    })
}

/// The `packagestorage` service.
pub fn service(context: ServiceContext, blobs: Arc<BlobStore>) -> Service {
    let (context_a, blobs_a) = (context.clone(), Arc::clone(&blobs));
    Service::new(
        "packagestorage",
        crate::VERSION,
        "distribution packages' dist-git trees ([client] distgit_url) stored as archives in filestorage",
    )
    .action(
        "package_get",
        "A package's dist-git tree at a branch head (default rawhide), stored in filestorage as a \
         deterministic tar.",
        move |q: PackageQuery| {
            let at = PackageRevision {
                package: q.package,
                branch: q.branch,
                commit: None,
            };
            store(context_a.clone(), Arc::clone(&blobs_a), at)
        },
    )
    .action(
        "package_get_commit",
        "A package's dist-git tree at a commit, stored in filestorage as a deterministic tar.",
        move |q: PackageCommitQuery| {
            let at = PackageRevision {
                package: q.package,
                branch: None,
                commit: Some(q.commit),
            };
            store(context.clone(), Arc::clone(&blobs), at)
        },
    )
}
