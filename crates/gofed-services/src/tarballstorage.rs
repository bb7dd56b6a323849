//! The `tarballstorage` service (gofed-ng's `tarball_get`): an upstream project's archive at a commit or tag,
//! from its forge (GitHub, GitLab, Bitbucket; their archive servers are `[client] github_url`, `gitlab_url`,
//! `bitbucket_url`), fetched once into the download cache and kept in `filestorage`.

use std::sync::Arc;

use gofed_service::{BlobStore, Service, ServiceError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::downloads::forge_url;
use crate::fetched::{fetch_into_storage, Expected};
use crate::ServiceContext;

/// Input of `tarball_get`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct TarballQuery {
    /// The project: `https://github.com/OWNER/REPO` (also `gitlab.com`, `bitbucket.org`; the scheme, a trailing
    /// `/` and `.git` are optional).
    pub upstream_url: String,
    /// The commit, tag or branch whose archive is wanted.
    pub commit: String,
}

/// `host/OWNER/REPO` of an upstream URL, if it is written so.
fn project_of(upstream_url: &str) -> Option<(&str, &str, &str)> {
    let rest = upstream_url
        .strip_prefix("https://")
        .or_else(|| upstream_url.strip_prefix("http://"))
        .unwrap_or(upstream_url);
    let rest = rest.trim_end_matches('/');
    let rest = rest.strip_suffix(".git").unwrap_or(rest);
    let rest = rest.strip_prefix("www.").unwrap_or(rest);
    match rest.split('/').collect::<Vec<_>>().as_slice() {
        [host, owner, repo] => Some((host, owner, repo)),
        _ => None,
    }
}

/// The `tarballstorage` service.
pub fn service(context: ServiceContext, blobs: Arc<BlobStore>) -> Service {
    Service::new(
        "tarballstorage",
        crate::VERSION,
        "upstream archives from their forge (GitHub, GitLab, Bitbucket) at a commit or tag, kept in filestorage",
    )
    .action(
        "tarball_get",
        "An upstream project's archive at a commit or tag, from its forge, stored in filestorage.",
        move |q: TarballQuery| {
            let (context, blobs) = (context.clone(), Arc::clone(&blobs));
            async move {
                let unknown = || {
                    ServiceError::invalid_input(
                        "upstream_url",
                        "expected https://HOST/OWNER/REPO of github.com, gitlab.com or bitbucket.org",
                    )
                };
                let (host, owner, repo) = project_of(&q.upstream_url).ok_or_else(unknown)?;
                let shorthand = format!("{host}/{owner}/{repo}@{}", q.commit);
                let url = forge_url(&shorthand, &context.client)
                    .map_err(|err| ServiceError::invalid_input("upstream_url", format!("{err:#}")))?
                    .ok_or_else(unknown)?;
                let name = format!("{repo}-{}.tar.gz", q.commit.replace('/', "-"));
                fetch_into_storage(&context, &blobs, url, name, Expected::Archive).await
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_urls_name_host_owner_and_repository() {
        for written in [
            "https://github.com/o/r",
            "https://github.com/o/r/",
            "http://www.github.com/o/r.git",
            "github.com/o/r",
        ] {
            assert_eq!(
                project_of(written),
                Some(("github.com", "o", "r")),
                "{written}"
            );
        }
        assert_eq!(project_of("https://github.com/o"), None);
        assert_eq!(project_of("https://github.com/o/r/tree/main"), None);
    }
}
