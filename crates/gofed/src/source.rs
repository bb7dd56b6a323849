//! The SOURCE argument: what the user named, resolved to a directory or an artifact file of this machine.
//!
//! A SOURCE is, in this order: a path that exists as given (a directory, or a file recognised by its content: an
//! archive, a Go module zip, an RPM, an SRPM, or a JSON document: a saved `gofed api --format json`, which only
//! `apidiff` reads; a directory name may contain `@`); a git repository URL
//! (`https://HOST/PATH.git`, `http://…/PATH.git`, optionally `@REV`, or with `--rev REV`), cloned into the cache
//! (see [`gofed_services::gitclone`]), or `file://PATH[@REV]`, read in place; any other URL (`https://...`, `http://...`),
//! downloaded into the cache; the shorthand `github.com/OWNER/REPO@REF` (also `gitlab.com`, `bitbucket.org`),
//! turned into the forge's archive URL (the base URLs are configuration: `[client] github_url`, ...); `PATH@REV`
//! or `--rev REV`, a git repository at a revision. A repository URL is told from an archive's by its `.git`
//! suffix; without a revision, the remote's `HEAD` (a file URL's `HEAD`) is read.
//!
//! Downloads and clones are kept in the size-bounded download cache ([`gofed_services::downloads`]).

use std::io::Read as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use gofed_artifact::Kind;
use gofed_service::ClientConfig;
use gofed_services::artifact::{download_mount, mount_point};
use gofed_services::downloads::{download, forge_url, repository_at};

/// A SOURCE resolved.
#[derive(Debug, Clone)]
pub enum Resolved {
    /// A directory, analysed as today.
    Directory(PathBuf),
    /// An artifact file (given, or downloaded into the cache).
    Artifact {
        /// The file (absolute).
        path: PathBuf,
        /// The SOURCE as the user wrote it.
        name: String,
        /// Where its files are mounted.
        mount: PathBuf,
    },
    /// A git repository at a revision: its files are mounted at the repository's directory, where a checkout
    /// of the revision would put them.
    Git {
        /// The repository (absolute): the user's, or a clone in the cache.
        repo: PathBuf,
        /// The revision.
        rev: String,
        /// The directory of the revision analysed (`/`-separated, from the top; empty: the whole tree): `PATH@REV`
        /// where PATH is a subdirectory of the repository, such as a module's.
        dir: String,
        /// The SOURCE as the user wrote it (`PATH@REV`, or `PATH@REV` made of PATH and --rev).
        name: String,
        /// Where its files are mounted: the repository's own directory, or a synthetic one for a clone.
        mount: PathBuf,
    },
}

/// How many leading bytes recognise a file (a plain tar's magic is at offset 257).
const SNIFF_BYTES: u64 = 4096;

/// Resolves `spec` (with `--rev`, if given) for `config`'s cache and forges. Downloads block on `runtime`.
pub fn resolve(
    spec: &str,
    rev: Option<&str>,
    config: &ClientConfig,
    refresh: bool,
    runtime: &tokio::runtime::Runtime,
) -> anyhow::Result<Resolved> {
    let path = Path::new(spec);
    // A path that exists as given wins: a directory may be named `x@y`, a file `github.com/...`.
    if path.exists() {
        return match rev {
            Some(rev) => git_source(path, rev),
            None if path.is_dir() => Ok(Resolved::Directory(path.to_owned())),
            None => local_artifact(path, spec),
        };
    }
    if let Some(resolved) = git_url_source(spec, rev, config)? {
        return Ok(resolved);
    }
    if rev.is_some() {
        anyhow::bail!(
            "{spec}: no such git repository (--rev names a revision of a repository: a path, a file:// URL, or a URL ending in .git)"
        );
    }
    let url = if spec.starts_with("https://") || spec.starts_with("http://") {
        Some(spec.to_owned())
    } else {
        forge_url(spec, config)?
    };
    if let Some(url) = url {
        let file = runtime.block_on(download(&url, config, refresh))?;
        return downloaded_artifact(&file, spec);
    }
    if let Some((repo, rev)) = spec.rsplit_once('@') {
        if Path::new(repo).is_dir() {
            return git_source(Path::new(repo), rev);
        }
    }
    anyhow::bail!("{spec}: no such file or directory (nor a URL, nor github.com/OWNER/REPO@REF)")
}

/// A git repository at a revision: `path` is a directory with `.git`, a bare repository (`HEAD` and
/// `objects`), or a directory of a work tree (a module in a subdirectory: that directory of the revision is
/// read, at the same place).
fn git_source(path: &Path, rev: &str) -> anyhow::Result<Resolved> {
    let name = format!("{}@{rev}", path.display());
    if rev.is_empty() {
        anyhow::bail!("{name}: name the revision (a tag, branch or commit)");
    }
    let is_repository = |d: &Path| {
        d.join(".git").exists() || (d.join("HEAD").is_file() && d.join("objects").is_dir())
    };
    let path = std::path::absolute(path).with_context(|| name.clone())?;
    let Some(repo) = path.ancestors().find(|d| is_repository(d)) else {
        anyhow::bail!(
            "{name}: {} is not in a git repository (no .git at or above it, not a bare repository)",
            path.display()
        );
    };
    let dir = path
        .strip_prefix(repo)
        .map(|rel| rel.to_string_lossy().replace('\\', "/"))
        .unwrap_or_default();
    Ok(Resolved::Git {
        mount: repo.to_owned(),
        repo: repo.to_owned(),
        rev: rev.to_owned(),
        dir,
        name,
    })
}

/// A git repository URL, if `spec` is one: `http(s)://…/REPO.git` (a trailing `/` allowed) or `file://…`, and the
/// revision written after its `@`, if any.
pub fn git_url(spec: &str) -> Option<(&str, Option<&str>)> {
    if spec.starts_with("file://") {
        // A path may contain `@`: the whole URL names the repository if it is one.
        if let Some((url, rev)) = spec.rsplit_once('@') {
            if gofed_artifact::git::repository_of_url(spec).is_err()
                && gofed_artifact::git::repository_of_url(url).is_ok()
            {
                return Some((url, Some(rev)));
            }
        }
        return Some((spec, None));
    }
    if !(spec.starts_with("https://") || spec.starts_with("http://")) {
        return None;
    }
    let names_repository = |url: &str| url.trim_end_matches('/').ends_with(".git");
    if names_repository(spec) {
        return Some((spec, None));
    }
    let (url, rev) = spec.rsplit_once('@')?;
    names_repository(url).then_some((url, Some(rev)))
}

/// A `http(s)://…/REPO.git[@REV]` or `file://…[@REV]` SOURCE (a revision given once, in the URL or as `--rev`).
fn git_url_source(
    spec: &str,
    rev: Option<&str>,
    config: &ClientConfig,
) -> anyhow::Result<Option<Resolved>> {
    let Some((url, url_rev)) = git_url(spec) else {
        return Ok(None);
    };
    let rev = match (url_rev, rev) {
        (Some(_), Some(_)) => {
            anyhow::bail!("{spec}: name the revision once (in the URL after `@`, or with --rev)")
        }
        (Some(""), None) => {
            anyhow::bail!("{spec}: name the revision after `@` (a tag, branch or commit)")
        }
        (Some(rev), None) | (None, Some(rev)) => Some(rev),
        (None, None) => None,
    };
    let name = match rev {
        Some(rev) => format!("{url}@{rev}"),
        None => url.to_owned(),
    };
    let at = repository_at(url, config)?;
    let rev = rev.unwrap_or(at.default_rev);
    if !at.cloned {
        return Ok(Some(Resolved::Git {
            mount: at.dir.clone(),
            repo: at.dir,
            rev: rev.to_owned(),
            dir: String::new(),
            name,
        }));
    }
    // Checked here, so that an unknown revision is an error naming the URL (not the clone in the cache).
    let commit = gofed_services::gitclone::commit_of(&at.dir, url, rev)?;
    Ok(Some(Resolved::Git {
        mount: download_mount(&gofed_artifact::sha256_hex(commit.as_bytes())),
        repo: at.dir,
        rev: commit,
        dir: String::new(),
        name,
    }))
}

/// The kind of the file at `path` (named `name` in errors), from its first bytes: an artifact's, or `None` for a
/// JSON document (a saved API analysis, which `apidiff` compares; the service reads and checks it).
fn sniff_file(path: &Path, name: &str) -> anyhow::Result<Option<Kind>> {
    let mut head = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(SNIFF_BYTES).read_to_end(&mut head))
        .with_context(|| name.to_owned())?;
    if gofed_services::saved::is_json(&head) {
        return Ok(None);
    }
    match gofed_artifact::sniff(&head) {
        Some(kind) => Ok(Some(kind)),
        // The reader's own error, which names the input and what it starts with.
        None => match gofed_artifact::open(name, &head, &gofed_artifact::Limits::default()) {
            Err(err) => Err(err.into()),
            Ok(_) => anyhow::bail!("{name}: not a directory, archive or RPM"),
        },
    }
}

/// A file of this machine: mounted beside itself, where unpacking it in its directory would put its files.
pub(crate) fn local_artifact(path: &Path, name: &str) -> anyhow::Result<Resolved> {
    let kind = sniff_file(path, name)?;
    let path = std::path::absolute(path).with_context(|| name.to_owned())?;
    let beside = path.parent().unwrap_or(Path::new("/")).to_owned();
    Ok(Resolved::Artifact {
        mount: kind.map_or_else(|| beside.clone(), |kind| mount_point(kind, &beside)),
        path,
        name: name.to_owned(),
    })
}

/// A file of the download directory, named `<url hash or file name>-<content sha256>`: mounted at a synthetic
/// directory.
pub(crate) fn downloaded_artifact(file: &Path, name: &str) -> anyhow::Result<Resolved> {
    let kind = sniff_file(file, name)?;
    let sha256 = file
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.rsplit_once('-'))
        .map_or("", |(_, sha)| sha);
    let beside = download_mount(sha256);
    Ok(Resolved::Artifact {
        mount: kind.map_or_else(|| beside.clone(), |kind| mount_point(kind, &beside)),
        path: file.to_owned(),
        name: name.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_urls_are_told_by_their_git_suffix() {
        assert_eq!(
            git_url("https://h/o/r.git"),
            Some(("https://h/o/r.git", None))
        );
        assert_eq!(
            git_url("https://h/o/r.git@v1.2.0"),
            Some(("https://h/o/r.git", Some("v1.2.0")))
        );
        assert_eq!(
            git_url("http://u@h/r.git/@main"),
            Some(("http://u@h/r.git/", Some("main")))
        );
        assert_eq!(
            git_url("https://u@h/r.git"),
            Some(("https://u@h/r.git", None))
        );
        // Archives, and URLs of repositories not written with `.git`, are downloads.
        assert_eq!(git_url("https://h/o/r/archive/v1.tar.gz"), None);
        assert_eq!(git_url("https://h/o/r@v1"), None);
        assert_eq!(git_url("github.com/o/r@v1"), None);
        assert_eq!(
            git_url("file:///nowhere/r@v1"),
            Some(("file:///nowhere/r@v1", None))
        );
    }
}
