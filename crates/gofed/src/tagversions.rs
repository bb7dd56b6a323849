//! A module's versions read from the tags of the git repository it lives in (`gofed release --git-tags`), as the
//! go command reads them when it fetches a module from its version control system (`GOPROXY=direct`): the tags
//! `PREFIX` + a canonical version of the module's major version, where PREFIX is the module's directory in the
//! repository (`sub/`; a major version subdirectory's tags do not name it). A version's tree is the module's
//! directory at that tag: for a `/vN` module path, `PREFIX/vN` when its go.mod declares the module, else
//! `PREFIX`. Retractions are those of the go.mod at the latest tag, as through a proxy.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use gofed_go::load::gomod::{self, semver, Retract};
use gofed_release::version::{is_pseudo_version, latest_of};

use crate::source::Resolved;

/// The largest go.mod read at a tag.
const MAX_GO_MOD: u64 = 16 << 20;

/// The tags of one repository, for the modules of one directory family.
#[derive(Debug)]
pub struct TagVersions {
    repo: PathBuf,
    /// What the module's tags start with (`""` or `sub/`).
    prefix: String,
    /// Every tag, by name.
    tags: Vec<String>,
}

impl TagVersions {
    /// The tags of the repository at `repo` for modules whose tags start with `prefix`.
    pub fn read(repo: &Path, prefix: &str) -> anyhow::Result<TagVersions> {
        let tags = gofed_artifact::git::tags(repo)
            .with_context(|| format!("reading the tags of {}", repo.display()))?;
        Ok(TagVersions {
            repo: repo.to_owned(),
            prefix: prefix.to_owned(),
            tags: tags.into_iter().map(|t| t.name).collect(),
        })
    }

    /// The versions of `module` its tags name that its author has not retracted, in semantic-version order:
    /// canonical, not pseudo-versions, of the module path's major version.
    pub fn versions(&self, module: &str) -> anyhow::Result<Vec<String>> {
        let listed = self.listed_versions(module);
        let retractions = match latest_of(&listed) {
            Some(latest) => self.retractions(module, latest)?,
            None => Vec::new(),
        };
        Ok(listed
            .into_iter()
            .filter(|v| gofed_release::graph::retraction_of(v, &retractions).is_none())
            .collect())
    }

    fn listed_versions(&self, module: &str) -> Vec<String> {
        let major = gomod::split_path_version(module).map_or("", |(_, m)| m);
        let mut versions: Vec<String> = self
            .tags
            .iter()
            .filter_map(|tag| tag.strip_prefix(&self.prefix))
            .filter(|v| {
                semver::canonical(v).as_deref() == Some(*v)
                    && !is_pseudo_version(v)
                    && gomod::check_path_major(v, major).is_ok()
            })
            .map(str::to_owned)
            .collect();
        versions.sort_by(|a, b| semver::compare(a, b));
        versions.dedup();
        versions
    }

    /// The `retract` directives of the go.mod of `module` at `version`.
    fn retractions(&self, module: &str, version: &str) -> anyhow::Result<Vec<Retract>> {
        let tag = format!("{}{version}", self.prefix);
        let dir = self.module_dir(module, &tag)?;
        let path = join(&dir, "go.mod");
        Ok(
            match gofed_artifact::git::file_at(&self.repo, &tag, &path, &go_mod_limits())? {
                Some(data) => {
                    gomod::parse(&format!("{module}@{version}/go.mod"), &data)
                        .go_mod
                        .retract
                }
                None => Vec::new(),
            },
        )
    }

    /// The version a query names: `latest` (the highest release, else pre-release); tags answer no other
    /// query.
    pub fn query(&self, module: &str, query: &str) -> anyhow::Result<String> {
        let context = || format!("could not resolve version {module}@{query}");
        if query != "latest" {
            anyhow::bail!(
                "{}: with --git-tags, --base takes a version, `latest` or `none` (a branch or revision query needs \
                 the module proxy)",
                context()
            );
        }
        let versions = self.versions(module).with_context(context)?;
        match latest_of(&versions) {
            Some(v) => Ok(v.to_owned()),
            None => anyhow::bail!("{}: no matching versions for query \"latest\"", context()),
        }
    }

    /// The tree of `module` at `version`: its directory at the version's tag.
    pub fn tree(&self, module: &str, version: &str) -> anyhow::Result<Resolved> {
        let tag = format!("{}{version}", self.prefix);
        if !self.tags.contains(&tag) {
            anyhow::bail!(
                "error downloading module {module}@{version}: {} has no tag {tag}",
                self.repo.display()
            );
        }
        let dir = self.module_dir(module, &tag)?;
        Ok(Resolved::Git {
            mount: self.repo.clone(),
            repo: self.repo.clone(),
            rev: tag.clone(),
            name: format!("{}@{tag}", join(&self.repo.display().to_string(), &dir)),
            dir,
        })
    }

    /// Where `module` is at `tag`: `PREFIX/vN` for a `/vN` path when that directory's go.mod declares the
    /// module, else `PREFIX`.
    fn module_dir(&self, module: &str, tag: &str) -> anyhow::Result<String> {
        let base = self.prefix.trim_end_matches('/').to_owned();
        let major = gomod::split_path_version(module).map_or("", |(_, m)| m);
        if let Some(n) = major.strip_prefix('/') {
            let dir = join(&base, n);
            let go_mod = gofed_artifact::git::file_at(
                &self.repo,
                tag,
                &join(&dir, "go.mod"),
                &go_mod_limits(),
            )?;
            if go_mod.and_then(|data| gomod::module_path(&data)).as_deref() == Some(module) {
                return Ok(dir);
            }
        }
        Ok(base)
    }
}

/// `dir/name`, or `name` at the top.
fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

/// Bounds for reading a go.mod at a tag.
fn go_mod_limits() -> gofed_artifact::Limits {
    gofed_artifact::Limits {
        max_file_size: MAX_GO_MOD,
        ..gofed_artifact::Limits::default()
    }
}
