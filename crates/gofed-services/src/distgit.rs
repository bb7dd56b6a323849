//! A distribution package's dist-git repository (`{distgit_url}/PACKAGE.git`: its spec file, patches and
//! `sources`), as `specstorage` and `packagestorage` read it: `[client] distgit_url` is Fedora's
//! `https://src.fedoraproject.org/rpms` by default. An `http(s)://` repository is kept as a bare clone in the
//! download cache and fetched on each use (gofed-ng pulled its `fedpkg clone` likewise); a `file://` one is read
//! in place.

use std::path::PathBuf;
use std::sync::Mutex;

use gofed_service::{ClientConfig, ServiceError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::fetched::check_name;

/// The branch read when a request names neither a branch nor a commit (Fedora's development branch).
pub const DEFAULT_BRANCH: &str = "rawhide";

/// A package at a branch head or a commit: the input of `spec_get`, `spec_patch_listing` and `package_get`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct PackageRevision {
    /// The source package's name: `golang-github-stretchr-testify`.
    pub package: String,
    /// The dist-git branch whose head is read (`rawhide`, `f41`, ...); default `rawhide`.
    #[serde(default)]
    pub branch: Option<String>,
    /// The dist-git commit read instead of a branch head.
    #[serde(default)]
    pub commit: Option<String>,
}

/// A package's dist-git repository, ready to read at a commit.
#[derive(Debug)]
pub struct Checkout {
    /// The repository on this machine (a clone in the download cache, or a `file://` URL's directory).
    pub dir: PathBuf,
    /// Its URL.
    pub url: String,
    /// The commit the request named, as 40 hex digits.
    pub commit: String,
}

/// Clones and fetches of one process run one at a time: two fetches into one bare clone would race for its
/// reference locks, and dist-git repositories are small.
static FETCHING: Mutex<()> = Mutex::new(());

/// Checks that `value`, a branch or commit of the request's `field`, names a revision and nothing else: 1 to 255
/// of `A-Z a-z 0-9 . _ / + -`, not starting with `-` or `/`, no `..`.
fn check_revision(field: &str, value: &str) -> Result<(), ServiceError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "._/+-".contains(c);
    let valid = !value.is_empty()
        && value.len() <= 255
        && value.chars().all(allowed)
        && !value.starts_with(['-', '/'])
        && !value.contains("..");
    if valid {
        return Ok(());
    }
    Err(ServiceError::invalid_input(
        field,
        format!(
            "{:?} is not a branch or commit",
            value.chars().take(80).collect::<String>()
        ),
    ))
}

impl PackageRevision {
    /// The revision to read: the commit, else the branch, else [`DEFAULT_BRANCH`]; checked, with the package.
    pub fn checked_revision(&self) -> Result<&str, ServiceError> {
        check_name("package", &self.package)?;
        match (&self.branch, &self.commit) {
            (Some(_), Some(_)) => Err(ServiceError::invalid_input(
                "commit",
                "name a branch or a commit, not both",
            )),
            (None, Some(commit)) => check_revision("commit", commit).map(|()| commit.as_str()),
            (Some(branch), None) => check_revision("branch", branch).map(|()| branch.as_str()),
            (None, None) => Ok(DEFAULT_BRANCH),
        }
    }

    /// `read` of the package's dist-git repository at the revision this names (checked first), cloned or
    /// fetched; any failure is `unprocessable`, naming the package and revision. Blocking.
    pub fn read_with<T>(
        &self,
        client: &ClientConfig,
        read: impl FnOnce(&Checkout) -> anyhow::Result<T>,
    ) -> Result<T, ServiceError> {
        let rev = self.checked_revision()?;
        checkout(client, &self.package, rev)
            .and_then(|checkout| read(&checkout))
            .map_err(|err| {
                ServiceError::unprocessable(format!(
                    "dist-git of {} at {rev}: {err:#}",
                    self.package
                ))
            })
    }
}

/// The dist-git repository of `package` (a checked name) made ready to read (cloned or fetched), and the commit
/// `rev` (a checked revision) names there. Blocking.
fn checkout(client: &ClientConfig, package: &str, rev: &str) -> anyhow::Result<Checkout> {
    let url = format!("{}/{package}.git", client.distgit_url.trim_end_matches('/'));
    let dir = {
        let _one_at_a_time = FETCHING
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        crate::downloads::repository_at(&url, client)?.dir
    };
    let commit = crate::gitclone::commit_of(&dir, &url, rev)?;
    Ok(Checkout { dir, url, commit })
}
