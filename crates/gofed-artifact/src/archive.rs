//! Tar (plain, gzip, xz, bzip2, zstd) and zip archives, Go module zips among them.

use crate::{Artifact, ArtifactError, Compression, Limits};

/// Reads a tar archive with the given compression.
pub fn read_tar(
    input: &str,
    _bytes: &[u8],
    compression: Compression,
    _limits: &Limits,
) -> Result<Artifact, ArtifactError> {
    Err(ArtifactError::Unusable {
        input: input.to_owned(),
        what: format!("reading {compression:?} tar archives is not implemented yet"),
    })
}

/// Reads a zip archive; a Go module zip (`module@version/...`) gives its module path and version.
pub fn read_zip(input: &str, _bytes: &[u8], _limits: &Limits) -> Result<Artifact, ArtifactError> {
    Err(ArtifactError::Unusable {
        input: input.to_owned(),
        what: "reading zip archives is not implemented yet".to_owned(),
    })
}
