//! The `specstorage` service (gofed-ng's actions): a distribution package's spec file and downstream patches
//! from its dist-git repository ([`crate::distgit`]) at a branch head or a commit, kept in `filestorage`.

use std::sync::Arc;

use gofed_artifact::{Artifact, Limits};
use gofed_service::{BlobStore, FileRef, Service, ServiceError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::distgit::PackageRevision;
use crate::fetched::check_name;
use crate::ServiceContext;

/// Input of `spec_patch_get`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PatchQuery {
    /// The package and revision.
    #[serde(flatten)]
    pub at: PackageRevision,
    /// The patch's file name, as `spec_patch_listing` lists it.
    pub patch: String,
}

/// Output of `spec_get` and `spec_patch_get`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct DistGitFile {
    /// The file, in `filestorage`.
    pub file: FileRef,
    /// Its name in the repository: `PACKAGE.spec`, a patch's.
    pub name: String,
    /// The dist-git commit it was read at.
    pub commit: String,
}

/// Output of `spec_patch_listing`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PatchListing {
    /// The dist-git commit listed.
    pub commit: String,
    /// The names of the repository's top-level `*.patch` files, sorted.
    pub patches: Vec<String>,
}

/// The files of `at`'s dist-git repository at the revision it names, and that commit. Blocking.
fn read(
    context: &ServiceContext,
    at: &PackageRevision,
    limits: &Limits,
) -> Result<(Artifact, String), ServiceError> {
    at.read_with(&context.client, |c| {
        Ok((
            gofed_artifact::git::open(&c.dir, &c.commit, limits)?,
            c.commit.clone(),
        ))
    })
}

/// The bytes of the top-level file `name` of `at`, stored in `filestorage`.
async fn get_file(
    context: ServiceContext,
    blobs: Arc<BlobStore>,
    at: PackageRevision,
    name: String,
) -> Result<DistGitFile, ServiceError> {
    let reading = context.clone();
    let limits = context.artifact_limits.clone();
    let (name, bytes, commit) = crate::run_blocking_io("reading dist-git", move || {
        let (artifact, commit) = read(&reading, &at, &limits)?;
        let bytes = artifact
            .files
            .into_iter()
            .find(|f| f.path == name)
            .map(|f| f.data)
            .ok_or_else(|| {
                ServiceError::NotFound(format!(
                    "{name} in the dist-git of {} at {commit}",
                    at.package
                ))
            })?;
        Ok((name, bytes, commit))
    })
    .await?;
    let file = crate::filestorage::store_bytes(&context, &blobs, bytes, &name).await?;
    Ok(DistGitFile { file, name, commit })
}

/// The `specstorage` service.
pub fn service(context: ServiceContext, blobs: Arc<BlobStore>) -> Service {
    let (context_a, blobs_a) = (context.clone(), Arc::clone(&blobs));
    let context_b = context.clone();
    Service::new(
        "specstorage",
        crate::VERSION,
        "spec files and downstream patches of distribution packages from dist-git ([client] distgit_url)",
    )
    .action(
        "spec_get",
        "A package's spec file (PACKAGE.spec) at a dist-git branch head (default rawhide) or commit, stored in \
         filestorage.",
        move |at: PackageRevision| {
            let name = format!("{}.spec", at.package);
            get_file(context_a.clone(), Arc::clone(&blobs_a), at, name)
        },
    )
    .action(
        "spec_patch_listing",
        "The downstream patches (top-level *.patch files) of a package at a dist-git branch head or commit.",
        move |at: PackageRevision| {
            let context = context_b.clone();
            async move {
                let limits = context.artifact_limits.clone();
                crate::run_blocking_io("reading dist-git", move || {
                    let (artifact, commit) = read(&context, &at, &limits)?;
                    let patches = artifact
                        .files
                        .into_iter()
                        .map(|f| f.path)
                        .filter(|path| !path.contains('/') && path.ends_with(".patch"))
                        .collect();
                    Ok(PatchListing { commit, patches })
                })
                .await
            }
        },
    )
    .action(
        "spec_patch_get",
        "One downstream patch of a package at a dist-git branch head or commit, stored in filestorage.",
        move |q: PatchQuery| {
            let (context, blobs) = (context.clone(), Arc::clone(&blobs));
            async move {
                check_name("patch", &q.patch)?;
                get_file(context, blobs, q.at, q.patch).await
            }
        },
    )
}
