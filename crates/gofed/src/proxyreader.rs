//! What gorelease's load directory reads ([`gofed_release::loaddir::ModuleReader`]): dependencies through the
//! module proxy (go.mod files, zips opened once each, `latest` queries, `h1:` hashes), and the release module
//! from its own directory, as gorelease copies it (nested modules and vendored packages left out).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use gofed_go::load::gomod::GoMod;
use gofed_release::loaddir::{hash1, GoFiles, LoadDirError, ModuleReader};

use crate::goproxy::ModuleProxy;
use crate::scenario::Scenario;

/// The reader of one release check.
pub struct ProxyReader<'a> {
    scenario: &'a Scenario,
    proxy: &'a ModuleProxy,
    /// The release module's path and directory.
    release: (&'a str, PathBuf),
    /// The release's go.sum: hash by `MODULE VERSION[/go.mod]`.
    go_sum: HashMap<&'a str, &'a str>,
    /// Module zips opened, with their `h1:` hashes, by `path@version`.
    zips: HashMap<String, Arc<(gofed_artifact::Artifact, String)>>,
}

impl<'a> ProxyReader<'a> {
    /// A reader for the release module `(path, directory)` whose go.sum is `go_sum`.
    pub fn new(
        scenario: &'a Scenario,
        proxy: &'a ModuleProxy,
        (release, release_dir): (&'a str, &Path),
        go_sum: &'a str,
    ) -> ProxyReader<'a> {
        let go_sum = go_sum
            .lines()
            .filter_map(|line| {
                let (key, hash) = line.trim_end().rsplit_once(' ')?;
                Some((key, hash))
            })
            .collect();
        ProxyReader {
            scenario,
            proxy,
            release: (release, release_dir.to_owned()),
            go_sum,
            zips: HashMap::new(),
        }
    }

    /// `hash` (of `path@version`'s zip, or go.mod with `/go.mod`), checked against the release's go.sum as
    /// the go command checks a download: a line for it with another hash is a security error.
    fn checked(
        &self,
        path: &str,
        version: &str,
        go_mod: bool,
        hash: String,
    ) -> Result<String, LoadDirError> {
        let suffix = if go_mod { "/go.mod" } else { "" };
        match self.go_sum.get(format!("{path} {version}{suffix}").as_str()) {
            Some(recorded) if *recorded != hash => Err(LoadDirError(format!(
                "verifying {path}@{version}{suffix}: checksum mismatch\n\tdownloaded: {hash}\n\tgo.sum:     \
                 {recorded}\n\nSECURITY ERROR\nThis download does NOT match an earlier download recorded in \
                 go.sum."
            ))),
            _ => Ok(hash),
        }
    }

    /// The files of the zip of `path@version`, and its `h1:` hash (read, hashed and checked once).
    fn zip(
        &mut self,
        path: &str,
        version: &str,
    ) -> Result<Arc<(gofed_artifact::Artifact, String)>, LoadDirError> {
        let key = format!("{path}@{version}");
        if let Some(zip) = self.zips.get(&key) {
            return Ok(zip.clone());
        }
        let opened = self
            .proxy
            .open_zip(self.scenario, path, version)
            .map_err(|err| LoadDirError(format!("{key}: {err:#}")))?;
        let opened = Arc::new(opened);
        self.zips.insert(key, opened.clone());
        Ok(opened)
    }
}

/// Whether `name` is a `.go` file's name.
fn is_go(name: &str) -> bool {
    name.ends_with(".go")
}

impl ModuleReader for ProxyReader<'_> {
    fn go_mod(&mut self, path: &str, version: &str) -> Option<GoMod> {
        match self.proxy.go_mod(self.scenario, path, version) {
            Ok(go_mod) => go_mod,
            Err(err) => {
                tracing::warn!("{err:#}");
                None
            }
        }
    }

    fn go_files(&mut self, path: &str, version: &str, dir: &str) -> Result<GoFiles, LoadDirError> {
        if path == self.release.0 {
            return release_go_files(&self.release.1, dir);
        }
        let zip = self.zip(path, version)?;
        let prefix = if dir.is_empty() {
            format!("{path}@{version}/")
        } else {
            format!("{path}@{version}/{dir}/")
        };
        Ok(zip
            .0
            .files
            .iter()
            .filter_map(|f| {
                let name = f.path.strip_prefix(&prefix)?;
                (!name.contains('/') && is_go(name)).then(|| (name.to_owned(), f.data.clone()))
            })
            .collect())
    }

    fn latest(&mut self, path: &str) -> Option<String> {
        self.proxy.query(self.scenario, path, "latest").ok()
    }

    fn hash(&mut self, path: &str, version: &str, go_mod: bool) -> Result<String, LoadDirError> {
        if go_mod {
            let data = self
                .proxy
                .go_mod_bytes(self.scenario, path, version)
                .map_err(|err| LoadDirError(format!("{path}@{version}: {err:#}")))?
                .ok_or_else(|| LoadDirError(format!("{path}@{version}: no go.mod")))?;
            return self.checked(path, version, true, hash1([("go.mod", data.as_slice())]));
        }
        let hash = self.zip(path, version)?.1.clone();
        self.checked(path, version, false, hash)
    }
}

/// The `.go` files directly in `dir` of the release module at `root`: none when `dir` (or a directory between
/// it and the root) holds another module's go.mod or lies in a `vendor` directory, as a module zip has none.
fn release_go_files(root: &Path, dir: &str) -> Result<GoFiles, LoadDirError> {
    let mut at = root.to_owned();
    for element in dir.split('/').filter(|e| !e.is_empty()) {
        at.push(element);
        if element == "vendor" || at.join("go.mod").is_file() {
            return Ok(Vec::new());
        }
    }
    let Ok(entries) = std::fs::read_dir(&at) else {
        return Ok(Vec::new());
    };
    let mut files = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !is_go(&name) || !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let data = std::fs::read(entry.path())
            .map_err(|err| LoadDirError(format!("{}: {err}", entry.path().display())))?;
        files.push((name, data));
    }
    files.sort();
    Ok(files)
}
