//! gofed's inputs: what a packager holds, read into memory safely.
//!
//! A *source* is recognised by its content (magic bytes, [`sniff`]), never by its file name: a tar (plain, gzip,
//! xz, bzip2 or zstd compressed), a zip (a Go module zip `module@version/...` gives its module path and version), a
//! binary RPM (Go devel packages ship sources under `/usr/share/gocode/src/<import path>`), a source RPM (the
//! archive named by `Source0`), or a git repository at a revision. [`open`] turns the bytes of an archive or an
//! RPM into an [`Artifact`]: its regular files in memory, the directory in it to analyse, and what it says about
//! itself (import path, version, revision). Nothing is written to disk.
//!
//! Every reader treats its input as hostile (`DESIGN.md` §6): entries with `..` or absolute paths, links, hard
//! links, devices and FIFOs are skipped with a [`Warning`] naming the input and the entry; [`Limits`] bound the
//! entry count, each file's size, the total unpacked size and the compression ratio; truncated or corrupt input is
//! an [`ArtifactError`] naming the input and what is wrong.
//!
//! This crate does no network I/O: downloading and cloning are the binary's job.

pub mod archive;
pub mod git;
mod limits;
pub mod rpm;
mod sniff;

pub use limits::Limits;
pub use sniff::{hint, sniff, Compression, Kind};

use std::fmt;

/// One regular file of an artifact.
#[derive(Clone, PartialEq, Eq)]
pub struct File {
    /// The path relative to the artifact's top: `/`-separated, no empty, `.` or `..` component, no leading `/`.
    pub path: String,
    /// The file's bytes.
    pub data: Vec<u8>,
}

impl fmt::Debug for File {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("File")
            .field("path", &self.path)
            .field("len", &self.data.len())
            .finish()
    }
}

/// An entry that was left out, and why (printed on stderr and listed in `meta`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// The input (the name it was opened with).
    pub input: String,
    /// The entry's path as the input spells it (lossily decoded).
    pub entry: String,
    /// Why it was left out.
    pub reason: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.input, self.entry, self.reason)
    }
}

/// An artifact read into memory.
#[derive(Debug, Default)]
pub struct Artifact {
    /// What the bytes were (`None` only for trees built by hand).
    pub kind: Option<Kind>,
    /// sha256 of the bytes opened, lower-case hex.
    pub sha256: String,
    /// Its regular files, sorted by path, each path once.
    pub files: Vec<File>,
    /// The directory among `files` to analyse (`""`: the top), `/`-separated: the single top directory of an
    /// upstream tarball, a module zip's `module@version`, an RPM's `usr/share/gocode/src/<import path>`, the
    /// directory `%setup` would enter for an SRPM's archive.
    pub root: String,
    /// The Go import path the artifact names: a module zip's module path, an RPM's path below
    /// `/usr/share/gocode/src`.
    pub import_path: Option<String>,
    /// The version it names: a module zip's, an SRPM spec's `Version`.
    pub version: Option<String>,
    /// An SRPM spec's `Release`.
    pub release: Option<String>,
    /// A git revision's commit id.
    pub revision: Option<String>,
    /// A git revision's commit time (committer), seconds since the Unix epoch.
    pub revision_time: Option<i64>,
    /// The tag a git revision was named by, when it was named by one.
    pub tag: Option<String>,
    /// An RPM's or SRPM's package name (the header's `Name`).
    pub package: Option<String>,
    /// The source RPM a binary RPM was built from (its header's `SOURCERPM`); an SRPM's own file name.
    pub source_rpm: Option<String>,
    /// For an SRPM: the files that were not analysed (the spec, patches, other sources).
    pub others: Vec<String>,
    /// Entries left out, with the reason.
    pub warnings: Vec<Warning>,
}

/// Why an artifact cannot be read. Every variant names the input.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// The bytes are no kind of artifact this crate reads.
    #[error(
        "{input}: not a directory, tar, zip, RPM or git repository (unrecognised content{hint})"
    )]
    Unrecognised {
        /// The input.
        input: String,
        /// `": starts with ..."` or empty.
        hint: String,
    },
    /// The input is truncated or corrupt.
    #[error("{input}: {what}")]
    Corrupt {
        /// The input.
        input: String,
        /// What is wrong, and where.
        what: String,
    },
    /// A limit was reached.
    #[error("{input}: {what} (limit {limit}; see --help for the option that raises it)")]
    Limit {
        /// The input.
        input: String,
        /// Which limit, and the value reached.
        what: String,
        /// The limit.
        limit: u64,
    },
    /// The input is readable but not what was asked for (an SRPM without its archive, an unknown revision, ...).
    #[error("{input}: {what}")]
    Unusable {
        /// The input.
        input: String,
        /// Why.
        what: String,
    },
}

/// Reads an archive or an RPM (a [`Kind`] that [`sniff`] returns) from its bytes. `input` names it in errors and
/// warnings.
pub fn open(input: &str, bytes: &[u8], limits: &Limits) -> Result<Artifact, ArtifactError> {
    let kind = sniff(bytes).ok_or_else(|| ArtifactError::Unrecognised {
        input: input.to_owned(),
        hint: sniff::hint(bytes),
    })?;
    let mut artifact = match kind {
        Kind::Tar(compression) => archive::read_tar(input, bytes, compression, limits)?,
        Kind::Zip => archive::read_zip(input, bytes, limits)?,
        Kind::Rpm => rpm::read_rpm(input, bytes, limits)?,
        Kind::Srpm => rpm::read_srpm(input, bytes, limits)?,
        Kind::Directory | Kind::Git => {
            return Err(ArtifactError::Unusable {
                input: input.to_owned(),
                what: format!("a {kind} is not read from bytes"),
            })
        }
    };
    artifact.kind = Some(kind);
    artifact.sha256 = sha256_hex(bytes);
    Ok(artifact)
}

/// sha256 of `bytes`, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::File;

    /// Empty files at `paths`: what the tests of path rules need.
    pub(crate) fn files(paths: &[&str]) -> Vec<File> {
        paths
            .iter()
            .map(|p| File {
                path: (*p).to_owned(),
                data: Vec::new(),
            })
            .collect()
    }
}
