//! Binary RPMs (Go sources under `/usr/share/gocode/src`) and source RPMs (the archive `Source0` names).

use crate::{Artifact, ArtifactError, Limits};

/// Reads a binary RPM.
pub fn read_rpm(input: &str, _bytes: &[u8], _limits: &Limits) -> Result<Artifact, ArtifactError> {
    Err(ArtifactError::Unusable {
        input: input.to_owned(),
        what: "reading RPMs is not implemented yet".to_owned(),
    })
}

/// Reads a source RPM.
pub fn read_srpm(input: &str, _bytes: &[u8], _limits: &Limits) -> Result<Artifact, ArtifactError> {
    Err(ArtifactError::Unusable {
        input: input.to_owned(),
        what: "reading source RPMs is not implemented yet".to_owned(),
    })
}
