//! The download cache: files downloaded by URL and bare clones of repository URLs, kept on this machine's disk
//! and bounded in size, shared by the command line's SOURCEs and the storage services that fetch inputs
//! (`tarballstorage`, `rpmstorage`, `specstorage`, `packagestorage`).
//!
//! Downloads are kept under `[client] cache_dir` (`GOFED_CACHE_DIR`; default `$XDG_CACHE_HOME/gofed`, else
//! `~/.cache/gofed`), in `downloads/`: one file per URL named by the URL's and the content's sha256, and one bare
//! clone per repository URL (`<URL's sha256>.git`, see [`crate::gitclone`]), the least recently used evicted beyond
//! `[client] cache_size` (default 2 GiB; a clone counts the size of its files). A URL in the cache is not
//! downloaded again unless refreshed; a clone in the cache is fetched (brought up to date), not cloned again.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use gofed_service::ClientConfig;
use sha2::Digest as _;

/// A repository named by a URL, made ready to read: a `file://` URL's directory as it is, an `http(s)://` URL's
/// clone in the cache cloned or fetched. The revision read by default is the remote's `HEAD`.
pub struct RepositoryAt {
    /// The repository of this machine.
    pub dir: PathBuf,
    /// The revision that stands for "none named".
    pub default_rev: &'static str,
    /// Whether `dir` is a clone in the cache (its files are then mounted at a synthetic directory).
    pub cloned: bool,
}

/// The repository `url` names (see [`RepositoryAt`]).
pub fn repository_at(url: &str, config: &ClientConfig) -> anyhow::Result<RepositoryAt> {
    if url.starts_with("file://") {
        let dir = gofed_artifact::git::repository_of_url(url)?;
        return Ok(RepositoryAt {
            dir: std::path::absolute(&dir).with_context(|| url.to_owned())?,
            default_rev: "HEAD",
            cloned: false,
        });
    }
    let cache = downloads_dir(config)?;
    let url_key = hex_sha256(url.as_bytes())[..32].to_owned();
    let dir = cache.join(format!("{url_key}.git"));
    crate::gitclone::clone_or_fetch(url, &dir, &cache, config.cache_size)?;
    touch(&dir);
    evict(&cache, config.cache_size, &dir);
    Ok(RepositoryAt {
        dir,
        default_rev: crate::gitclone::REMOTE_HEAD,
        cloned: true,
    })
}

/// The forge archive URL of `github.com/OWNER/REPO@REF` (gitlab.com, bitbucket.org), if `spec` is written so.
pub fn forge_url(spec: &str, config: &ClientConfig) -> anyhow::Result<Option<String>> {
    let Some((host, rest)) = spec.split_once('/') else {
        return Ok(None);
    };
    let base = match host {
        "github.com" => &config.github_url,
        "gitlab.com" => &config.gitlab_url,
        "bitbucket.org" => &config.bitbucket_url,
        _ => return Ok(None),
    };
    let Some((repo, reference)) = rest.rsplit_once('@') else {
        anyhow::bail!(
            "{spec}: name the revision to read: {host}/OWNER/REPO@REF (a tag, branch or commit)"
        );
    };
    let (owner, name) = match repo.split('/').collect::<Vec<_>>().as_slice() {
        [owner, name] if !owner.is_empty() && !name.is_empty() => (*owner, *name),
        _ => anyhow::bail!("{spec}: expected {host}/OWNER/REPO@REF"),
    };
    let bad =
        |s: &str| s.is_empty() || s.contains(['?', '#', ' ']) || s.split('/').any(|p| p == "..");
    if bad(reference) || bad(owner) || bad(name) {
        anyhow::bail!("{spec}: expected {host}/OWNER/REPO@REF");
    }
    let base = base.trim_end_matches('/');
    Ok(Some(match host {
        "github.com" => format!("{base}/{owner}/{name}/tar.gz/{reference}"),
        "gitlab.com" => {
            // GitLab names the archive after the repository and the ref, a branch's `/` turned into `-`.
            let file_ref = reference.replace('/', "-");
            format!("{base}/{owner}/{name}/-/archive/{reference}/{name}-{file_ref}.tar.gz")
        }
        _ => format!("{base}/{owner}/{name}/get/{reference}.tar.gz"),
    }))
}

/// The directory of downloads in the cache.
pub fn downloads_dir(config: &ClientConfig) -> anyhow::Result<PathBuf> {
    let dir = config.cache_dir().context(
        "no cache directory for downloads: set GOFED_CACHE_DIR, XDG_CACHE_HOME or HOME, or [client] cache_dir",
    )?;
    Ok(dir.join("downloads"))
}

/// hex sha256 of `text`.
fn hex_sha256(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The cached download of `url`, if any.
fn cached(dir: &Path, url_key: &str) -> Option<PathBuf> {
    let prefix = format!("{url_key}-");
    std::fs::read_dir(dir).ok()?.flatten().find_map(|entry| {
        let name = entry.file_name().into_string().ok()?;
        (name.starts_with(&prefix) && entry.file_type().ok()?.is_file()).then(|| entry.path())
    })
}

/// A download the server answered with an error status (a 404 is an input that does not exist).
#[derive(Debug, thiserror::Error)]
#[error("downloading {url}: HTTP {status}")]
pub struct HttpStatus {
    /// The URL.
    pub url: String,
    /// The status code.
    pub code: u16,
    /// The status line's code and reason (`404 Not Found`).
    pub status: String,
}

/// Downloads `url` into the cache (unless it is there and not to be `refresh`ed) and returns the cached file. At
/// most `cache_size` bytes.
pub async fn download(url: &str, config: &ClientConfig, refresh: bool) -> anyhow::Result<PathBuf> {
    let dir = downloads_dir(config)?;
    let url_key = hex_sha256(url.as_bytes())[..32].to_owned();
    let earlier = cached(&dir, &url_key);
    if let Some(file) = earlier.as_ref().filter(|_| !refresh) {
        tracing::info!(url, file = %file.display(), "download cache hit");
        touch(file);
        return Ok(file.clone());
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let client = gofed_service::tls::client_builder()
        .timeout(std::time::Duration::from_millis(config.timeout_ms))
        .build()
        .context("cannot build an HTTP client")?;
    let started = std::time::Instant::now();
    let mut response = client
        .get(url)
        .send()
        .await
        .with_context(|| format!("downloading {url}"))?;
    if !response.status().is_success() {
        return Err(HttpStatus {
            url: url.to_owned(),
            code: response.status().as_u16(),
            status: response.status().to_string(),
        }
        .into());
    }
    let limit = config.cache_size;
    let partial = tempfile::Builder::new()
        .prefix(".partial-")
        .tempfile_in(&dir)
        .with_context(|| format!("creating a file in {}", dir.display()))?;
    let mut writer = std::io::BufWriter::new(partial.as_file());
    let mut hasher = sha2::Sha256::new();
    let mut size: u64 = 0;
    while let Some(chunk) = response
        .chunk()
        .await
        .with_context(|| format!("downloading {url}"))?
    {
        size += chunk.len() as u64;
        if size > limit {
            anyhow::bail!(
                "downloading {url}: larger than the download cache ({limit} bytes; [client] cache_size, GOFED_CACHE_SIZE)"
            );
        }
        hasher.update(&chunk);
        writer
            .write_all(&chunk)
            .with_context(|| format!("writing into {}", dir.display()))?;
    }
    writer
        .flush()
        .with_context(|| format!("writing into {}", dir.display()))?;
    drop(writer);
    let sha256: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let file = dir.join(format!("{url_key}-{sha256}"));
    partial
        .persist(&file)
        .with_context(|| format!("storing {}", file.display()))?;
    // A refreshed URL whose content changed: the earlier content goes (the same content was just replaced).
    if let Some(earlier) = earlier.filter(|earlier| *earlier != file) {
        let _ = std::fs::remove_file(earlier);
    }
    tracing::info!(url, bytes = size, ms = started.elapsed().as_millis(), file = %file.display(), "downloaded");
    evict(&dir, limit, &file);
    Ok(file)
}

/// Marks the download or clone at `path` as just used: the modification time orders eviction, and what was just
/// used is the last to go.
fn touch(path: &Path) {
    // A directory opens read-only, and its times can be set through that handle as a file's.
    let handle = if path.is_dir() {
        std::fs::File::open(path)
    } else {
        std::fs::File::options().append(true).open(path)
    };
    if let Ok(handle) = handle {
        let _ = handle.set_modified(std::time::SystemTime::now());
    }
}

/// Removes the least recently used downloads and clones until the cache holds at most `limit` bytes, keeping
/// `keep`. A clone counts the bytes of its files.
fn evict(dir: &Path, limit: u64, keep: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut files: Vec<(std::time::SystemTime, u64, PathBuf)> = entries
        .flatten()
        .filter_map(|entry| {
            let meta = entry.metadata().ok()?;
            let size = if meta.is_dir() {
                crate::gitclone::dir_size(&entry.path())
            } else if meta.is_file() {
                meta.len()
            } else {
                return None;
            };
            Some((meta.modified().ok()?, size, entry.path()))
        })
        .collect();
    let mut total: u64 = files.iter().map(|(_, size, _)| size).sum();
    files.sort();
    for (_, size, path) in files {
        if total <= limit {
            break;
        }
        if path == keep {
            continue;
        }
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        match removed {
            Ok(()) => {
                tracing::info!(file = %path.display(), bytes = size, "evicted from the download cache");
                total -= size;
            }
            Err(err) => tracing::warn!(file = %path.display(), %err, "cannot evict"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forge_shorthands_become_archive_urls_of_the_configured_bases() {
        let config = ClientConfig {
            github_url: "http://127.0.0.1:1/".to_owned(),
            ..ClientConfig::default()
        };
        let url = |spec| forge_url(spec, &config).unwrap();
        assert_eq!(
            url("github.com/o/r@v1.2.0").as_deref(),
            Some("http://127.0.0.1:1/o/r/tar.gz/v1.2.0")
        );
        assert_eq!(
            url("gitlab.com/o/r@rel/1").as_deref(),
            Some("https://gitlab.com/o/r/-/archive/rel/1/r-rel-1.tar.gz")
        );
        assert_eq!(
            url("bitbucket.org/o/r@abc123").as_deref(),
            Some("https://bitbucket.org/o/r/get/abc123.tar.gz")
        );
        assert_eq!(url("example.com/o/r@v1"), None);
        for bad in [
            "github.com/o/r",
            "github.com/o@v1",
            "github.com/o/r/x@v1",
            "github.com/o/r@../x",
        ] {
            assert!(forge_url(bad, &config).is_err(), "{bad}");
        }
    }

    #[test]
    fn eviction_removes_the_least_recently_used_first_and_keeps_the_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let now = std::time::SystemTime::now();
        for (i, name) in ["old", "mid", "new"].iter().enumerate() {
            let path = dir.path().join(name);
            std::fs::write(&path, vec![0u8; 100]).unwrap();
            let file = std::fs::File::options().append(true).open(&path).unwrap();
            file.set_modified(now - std::time::Duration::from_secs(100 - i as u64))
                .unwrap();
        }
        evict(dir.path(), 200, &dir.path().join("new"));
        assert!(!dir.path().join("old").exists());
        assert!(dir.path().join("mid").exists());
        assert!(dir.path().join("new").exists());
        evict(dir.path(), 50, &dir.path().join("new"));
        assert!(!dir.path().join("mid").exists());
        assert!(
            dir.path().join("new").exists(),
            "the file just downloaded stays"
        );
    }

    #[test]
    fn eviction_counts_a_clone_by_its_files_and_removes_it_whole() {
        let dir = tempfile::tempdir().unwrap();
        let clone = dir.path().join("abc.git");
        std::fs::create_dir_all(clone.join("objects/pack")).unwrap();
        std::fs::write(clone.join("HEAD"), vec![0u8; 50]).unwrap();
        std::fs::write(clone.join("objects/pack/p.pack"), vec![0u8; 250]).unwrap();
        let file = dir.path().join("download");
        std::fs::write(&file, vec![0u8; 100]).unwrap();
        // The clone was used last: it stays, the download goes (300 + 100 bytes, 350 allowed).
        std::thread::sleep(std::time::Duration::from_millis(20));
        touch(&clone);
        evict(dir.path(), 350, &dir.path().join("none"));
        assert!(clone.join("objects/pack/p.pack").exists());
        assert!(!file.exists());
        // Over the limit by itself: removed with everything in it.
        evict(dir.path(), 299, &dir.path().join("none"));
        assert!(!clone.exists());
    }
}
