//! Artifacts (archives, Go module zips, RPMs, SRPMs) opened as trees in memory: the one way both an in-process
//! call (the artifact is a file of this machine) and a service (the artifact was uploaded) turn an artifact's
//! bytes into the [`MemoryTree`] an analysis reads, so that both print the same bytes.
//!
//! The tree is mounted where the artifact's files would be if it were unpacked on the client: next to the archive
//! (where `tar -xf` in its directory puts them), at `/` for a binary RPM (where `rpm -i` puts
//! `/usr/share/gocode/src/<import path>`, so the GOPATH layout gives the import paths), at a synthetic
//! `/gofed/source/<sha256 prefix>` for a download. The client chooses the mount ([`mount_point`]) and sends it, so
//! paths in the output are the same wherever the analysis runs.

use std::path::{Path, PathBuf};

use gofed_artifact::{Artifact, ArtifactError, Kind, Limits};
use gofed_go::load::{MemoryTree, MemoryTreeError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What was read: `meta.source` of an analysis of an artifact.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
// Fields left out when empty are read back as empty (a client sends what it read of a git revision).
#[serde(default)]
pub struct SourceMeta {
    /// The input as the user named it (a path, a URL, `github.com/o/r@v1`).
    pub name: String,
    /// What it is: `tar.gz`, `tar.xz`, `zip`, `rpm`, `srpm`, `git`, ...
    pub kind: String,
    /// sha256 of the bytes read, lower-case hex.
    pub sha256: String,
    /// The Go import path the artifact names (a module zip's module path, an RPM's path below
    /// `/usr/share/gocode/src`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub import_path: Option<String>,
    /// The version it names (a module zip's, an SRPM spec's `Version`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// An SRPM spec's `Release`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
    /// A git revision's commit id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// A git revision's commit time, seconds since the Unix epoch.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision_time: Option<i64>,
    /// The tag that named the git revision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// An RPM's or SRPM's package name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// The source RPM of a binary RPM; an SRPM's own `NAME-VERSION-RELEASE.src.rpm`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_rpm: Option<String>,
    /// The directory analysed, relative to the artifact's top (`""`: the top).
    pub root: String,
    /// The files not analysed (an SRPM's spec, patches, other sources).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub others: Vec<String>,
    /// Entries left out, and why (`INPUT: ENTRY: REASON`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// An artifact read into memory and mounted.
#[derive(Debug)]
pub struct OpenedArtifact {
    /// Its files, mounted.
    pub tree: MemoryTree,
    /// The directory to analyse (absolute, in `tree`).
    pub root: PathBuf,
    /// What was read.
    pub meta: SourceMeta,
}

/// Why an artifact cannot be opened as a tree.
#[derive(Debug, thiserror::Error)]
pub enum OpenArtifactError {
    /// The artifact cannot be read (the error names the input).
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
    /// A file of the artifact cannot be placed in the tree.
    #[error("{input}: entry {entry:?}: {source}")]
    Tree {
        /// The input.
        input: String,
        /// The entry.
        entry: String,
        /// Why.
        source: MemoryTreeError,
    },
    /// The mount point is not an absolute path.
    #[error("{input}: mount point {mount:?} is not absolute")]
    Mount {
        /// The input.
        input: String,
        /// The mount point given.
        mount: PathBuf,
    },
}

/// Where the files of an artifact of `kind` are mounted, `beside` being the directory the client would unpack it
/// in (the archive's own directory, or a synthetic one for a download).
pub fn mount_point(kind: Kind, beside: &Path) -> PathBuf {
    match kind {
        // An RPM's paths are absolute once installed: `usr/share/gocode/src/...` is `/usr/share/gocode/src/...`.
        Kind::Rpm => PathBuf::from("/"),
        _ => beside.to_owned(),
    }
}

/// The synthetic directory a downloaded artifact is mounted in: nothing on the client's disk is named by it.
pub fn download_mount(sha256: &str) -> PathBuf {
    let prefix = sha256.get(..12).unwrap_or(sha256);
    PathBuf::from(format!("/gofed/source/{prefix}"))
}

/// A mount point must be absolute (checked before anything is read).
fn check_mount(name: &str, mount: &Path) -> Result<(), OpenArtifactError> {
    if mount.is_absolute() {
        return Ok(());
    }
    Err(OpenArtifactError::Mount {
        input: name.to_owned(),
        mount: mount.to_owned(),
    })
}

/// Reads the artifact `bytes` (named `name` in errors, warnings and `meta.source`) within `limits` and mounts its
/// files at `mount`.
pub fn open_artifact(
    name: &str,
    bytes: &[u8],
    limits: &Limits,
    mount: &Path,
) -> Result<OpenedArtifact, OpenArtifactError> {
    check_mount(name, mount)?;
    let started = std::time::Instant::now();
    let artifact = gofed_artifact::open(name, bytes, limits)?;
    let opened = mount_artifact(name, artifact, mount)?;
    tracing::info!(
        input = name,
        kind = %opened.meta.kind,
        files = opened.tree.len(),
        root = %opened.root.display(),
        ms = started.elapsed().as_millis(),
        "opened an artifact"
    );
    Ok(opened)
}

/// Reads the git repository `repo` at `rev` (within `limits`) and mounts its files at `mount`; `dir` (empty:
/// the whole tree) is the directory read and analysed.
pub fn open_git(
    name: &str,
    repo: &Path,
    rev: &str,
    dir: &str,
    limits: &Limits,
    mount: &Path,
) -> Result<OpenedArtifact, OpenArtifactError> {
    check_mount(name, mount)?;
    let artifact = gofed_artifact::git::open_dir(repo, rev, dir, limits)?;
    mount_artifact(name, artifact, mount)
}

/// Reads `bytes`, a tar of the files of an artifact the client read itself ([`pack_files`]), and mounts them at
/// `mount`, with the root and `meta.source` the client gives (`read`).
pub fn open_packed(
    bytes: &[u8],
    limits: &Limits,
    mount: &Path,
    read: SourceMeta,
) -> Result<OpenedArtifact, OpenArtifactError> {
    let mut opened = open_artifact(&read.name, bytes, limits, mount)?;
    opened.root = if read.root.is_empty() {
        mount.to_owned()
    } else {
        mount.join(&read.root)
    };
    opened.meta = read;
    Ok(opened)
}

/// A deterministic tar of `files` (sorted, no owner, mode 0644, no time): what a client uploads of an artifact it
/// read itself, so that the same revision uploads the same bytes once.
pub fn pack_files(files: &[gofed_artifact::File]) -> std::io::Result<Vec<u8>> {
    let mut tar = tar::Builder::new(Vec::new());
    let mut sorted: Vec<&gofed_artifact::File> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));
    for file in sorted {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Regular);
        header.set_size(file.data.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        tar.append_data(&mut header, &file.path, file.data.as_slice())?;
    }
    tar.into_inner()
}

/// What `meta.source` says of `artifact`, read from the input `name`.
pub fn source_meta(name: &str, artifact: &Artifact) -> SourceMeta {
    SourceMeta {
        name: name.to_owned(),
        kind: artifact
            .kind
            .map_or_else(|| "tree".to_owned(), |k| k.to_string()),
        sha256: artifact.sha256.clone(),
        import_path: artifact.import_path.clone(),
        version: artifact.version.clone(),
        release: artifact.release.clone(),
        revision: artifact.revision.clone(),
        revision_time: artifact.revision_time,
        tag: artifact.tag.clone(),
        package: artifact.package.clone(),
        source_rpm: artifact.source_rpm.clone(),
        root: artifact.root.clone(),
        others: artifact.others.clone(),
        warnings: artifact.warnings.iter().map(ToString::to_string).collect(),
    }
}

/// Mounts the files of `artifact` at `mount` (absolute).
pub fn mount_artifact(
    name: &str,
    mut artifact: Artifact,
    mount: &Path,
) -> Result<OpenedArtifact, OpenArtifactError> {
    let meta = source_meta(name, &artifact);
    let files = std::mem::take(&mut artifact.files);
    let root = artifact.root;
    let mut tree = MemoryTree::new(mount);
    for file in files {
        tree.insert_file(Path::new(&file.path), file.data)
            .map_err(|source| OpenArtifactError::Tree {
                input: name.to_owned(),
                entry: file.path.clone(),
                source,
            })?;
    }
    let root_path = if root.is_empty() {
        mount.to_owned()
    } else {
        mount.join(&root)
    };
    Ok(OpenedArtifact {
        tree,
        root: root_path,
        meta,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use gofed_artifact::File;
    use gofed_go::load::FileTree as _;

    #[test]
    fn files_are_mounted_and_the_root_lies_below_the_mount() {
        let artifact = Artifact {
            kind: Some(Kind::Zip),
            sha256: "ab".repeat(32),
            files: vec![
                File {
                    path: "m@v1.0.0/go.mod".to_owned(),
                    data: b"module m\n".to_vec(),
                },
                File {
                    path: "m@v1.0.0/p/p.go".to_owned(),
                    data: b"package p\n".to_vec(),
                },
            ],
            root: "m@v1.0.0".to_owned(),
            import_path: Some("m".to_owned()),
            version: Some("v1.0.0".to_owned()),
            ..Artifact::default()
        };
        let opened = mount_artifact("m.zip", artifact, Path::new("/x/y")).unwrap();
        assert_eq!(opened.root, Path::new("/x/y/m@v1.0.0"));
        assert!(opened.tree.is_file(Path::new("/x/y/m@v1.0.0/p/p.go")));
        assert_eq!(opened.meta.kind, "zip");
        assert_eq!(opened.meta.version.as_deref(), Some("v1.0.0"));
    }

    #[test]
    fn a_relative_mount_and_unrecognised_bytes_are_errors_naming_the_input() {
        let err = open_artifact("in.bin", b"hello", &Limits::default(), Path::new("rel"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("in.bin") && err.contains("not absolute"),
            "{err}"
        );
        let err = open_artifact("in.bin", b"hello", &Limits::default(), Path::new("/m"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("in.bin") && err.contains("unrecognised"),
            "{err}"
        );
    }

    #[test]
    fn an_rpm_is_mounted_at_the_root_and_others_beside() {
        assert_eq!(mount_point(Kind::Rpm, Path::new("/a")), Path::new("/"));
        assert_eq!(mount_point(Kind::Zip, Path::new("/a")), Path::new("/a"));
        assert_eq!(
            download_mount(&"0123456789abcdef".repeat(4)),
            Path::new("/gofed/source/0123456789ab")
        );
    }
}
