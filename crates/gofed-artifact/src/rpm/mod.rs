//! Binary RPMs (Go sources under `/usr/share/gocode/src`) and source RPMs (the archive `Source0` names).
//!
//! The lead and headers are read with the `rpm` crate ([`header`]); the payload, a compressed cpio archive, is
//! decompressed and unpacked here as a stream ([`cpio`]), bounded by [`Limits`]. Nothing runs `rpm2cpio`.

mod cpio;
mod header;
mod srpm;

use crate::{Artifact, ArtifactError, File, Limits};

/// Where Fedora's Go devel packages install their sources (`%{gopath}/src`), relative to `/`.
pub const GOCODE_SRC: &str = "usr/share/gocode/src";

/// Reads a binary RPM: its regular files (paths relative to `/`), the import path found below
/// `/usr/share/gocode/src` (see [`import_path_root`]), and the header's version and release.
pub fn read_rpm(input: &str, bytes: &[u8], limits: &Limits) -> Result<Artifact, ArtifactError> {
    let (header, payload) = read_package(input, bytes, limits)?;
    let Some(import_path) = import_path_root(&payload.files) else {
        return Err(ArtifactError::Unusable {
            input: input.to_owned(),
            what: format!(
                "the RPM {}-{}-{} has no Go sources under /{GOCODE_SRC} ({} regular files in it)",
                header.name,
                header.version,
                header.release,
                payload.files.len()
            ),
        });
    };
    let root = if import_path.is_empty() {
        GOCODE_SRC.to_owned()
    } else {
        format!("{GOCODE_SRC}/{import_path}")
    };
    Ok(Artifact {
        files: payload.files,
        root,
        import_path: (!import_path.is_empty()).then_some(import_path),
        package: Some(header.name),
        source_rpm: (!header.source_rpm.is_empty()).then_some(header.source_rpm),
        version: Some(header.version),
        release: Some(header.release),
        warnings: payload.warnings,
        ..Artifact::default()
    })
}

/// An RPM's header and its payload's files, read within `limits`.
fn read_package(
    input: &str,
    bytes: &[u8],
    limits: &Limits,
) -> Result<(header::Header, cpio::Payload), ArtifactError> {
    let header = header::read(input, bytes)?;
    let payload = cpio::read_payload(
        input,
        bytes.get(header.payload_offset..).unwrap_or_default(),
        bytes.len() as u64,
        limits,
    )?;
    Ok((header, payload))
}

/// Reads a source RPM: the archive its spec's `Source0` names, entered as `%setup` would (see [`srpm`]); the
/// other files of the package (spec, patches, other sources) are listed in `others`.
pub fn read_srpm(input: &str, bytes: &[u8], limits: &Limits) -> Result<Artifact, ArtifactError> {
    let (header, payload) = read_package(input, bytes, limits)?;
    srpm::read(input, &header, payload, limits)
}

/// The spec file of a source RPM: its path in the payload and its bytes (the one named after the package, else
/// the first `*.spec`).
pub fn srpm_spec(input: &str, bytes: &[u8], limits: &Limits) -> Result<File, ArtifactError> {
    let (header, payload) = read_package(input, bytes, limits)?;
    let spec_name = format!("{}.spec", header.name);
    let index = payload
        .files
        .iter()
        .position(|f| f.path == spec_name)
        .or_else(|| payload.files.iter().position(|f| f.path.ends_with(".spec")))
        .ok_or_else(|| ArtifactError::Unusable {
            input: input.to_owned(),
            what: "the source RPM holds no spec file".to_owned(),
        })?;
    let mut files = payload.files;
    Ok(files.swap_remove(index))
}

/// Whether `bytes` begin as an RPM package does (its lead's magic number).
pub fn is_rpm(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xed, 0xab, 0xee, 0xdb])
}

/// The import path of a Go devel package: the directory below [`GOCODE_SRC`] that holds its sources.
///
/// Fedora's `%goinstall` writes a `.goipath` file into the directory of every import path it installs, so when
/// such files exist their directories are the roots. Without them (older packages, other builders) the sources'
/// directories are the evidence. Either way the answer is the deepest directory common to all of them: one import
/// path normally, and for a package that installs several (`github.com/o/r` and `github.com/o/r/v2`, or aliases)
/// the one containing them all, so that every package is analysed. `None` when nothing is below
/// [`GOCODE_SRC`]; `""` when the common directory is [`GOCODE_SRC`] itself.
pub fn import_path_root(files: &[File]) -> Option<String> {
    let prefix = format!("{GOCODE_SRC}/");
    let below: Vec<&str> = files
        .iter()
        .filter_map(|file| file.path.strip_prefix(&prefix))
        .collect();
    if below.is_empty() {
        return None;
    }
    let marked: Vec<&str> = below
        .iter()
        .filter_map(|path| path.strip_suffix("/.goipath"))
        .collect();
    let dirs: Vec<&str> = if marked.is_empty() {
        below
            .iter()
            .map(|path| path.rsplit_once('/').map_or("", |(dir, _)| dir))
            .collect()
    } else {
        marked
    };
    Some(common_dir(&dirs))
}

/// The longest common leading run of `/`-separated components of `dirs`.
fn common_dir(dirs: &[&str]) -> String {
    let mut common: Vec<&str> = match dirs.first() {
        Some(first) => first.split('/').filter(|c| !c.is_empty()).collect(),
        None => return String::new(),
    };
    for dir in &dirs[1..] {
        let shared = dir
            .split('/')
            .filter(|c| !c.is_empty())
            .zip(&common)
            .take_while(|(a, b)| a == *b)
            .count();
        common.truncate(shared);
    }
    common.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::tests::files;

    #[test]
    fn import_path_is_the_deepest_common_directory() {
        let src = |p: &str| format!("{GOCODE_SRC}/{p}");
        let one = files(&[
            &src("github.com/o/r/a.go"),
            &src("github.com/o/r/sub/b.go"),
            "usr/share/licenses/x/LICENSE",
        ]);
        assert_eq!(import_path_root(&one).as_deref(), Some("github.com/o/r"));
        let only_sub = files(&[
            &src("github.com/o/r/sub/b.go"),
            &src("github.com/o/r/sub/c.go"),
        ]);
        assert_eq!(
            import_path_root(&only_sub).as_deref(),
            Some("github.com/o/r/sub")
        );
        // .goipath marks the roots even when all sources sit in a subdirectory.
        let marked = files(&[
            &src("github.com/o/r/.goipath"),
            &src("github.com/o/r/sub/b.go"),
        ]);
        assert_eq!(import_path_root(&marked).as_deref(), Some("github.com/o/r"));
        let two = files(&[
            &src("github.com/o/r/.goipath"),
            &src("github.com/o/r/v2/.goipath"),
            &src("github.com/o/r/v2/a.go"),
        ]);
        assert_eq!(import_path_root(&two).as_deref(), Some("github.com/o/r"));
        let apart = files(&[&src("a.io/x/a.go"), &src("b.io/y/b.go")]);
        assert_eq!(import_path_root(&apart).as_deref(), Some(""));
        // "usr/share/gocode/srcx" is not below "usr/share/gocode/src".
        assert_eq!(
            import_path_root(&files(&["usr/share/gocode/srcx/a.go"])),
            None
        );
    }
}
