//! An input fetched by URL into the download cache and kept in `filestorage`: what `tarballstorage` and
//! `rpmstorage` answer.

use gofed_artifact::Kind;
use gofed_service::{BlobStore, FileRef, ServiceError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::downloads::{download, HttpStatus};
use crate::ServiceContext;

/// Output of `tarball_get`, `rpm_get`, `rpm_src_get` and `rpm_get_by_name`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct FetchedFile {
    /// The file, in `filestorage`.
    pub file: FileRef,
    /// Where it was downloaded from (once: later calls answer from the download cache).
    pub url: String,
    /// Its file name (`NAME-VERSION-RELEASE.ARCH.rpm`, `REPO-REF.tar.gz`).
    pub name: String,
}

/// What a fetched file must be.
#[derive(Debug, Clone, Copy)]
pub enum Expected {
    /// An archive (tar, compressed or not, or zip).
    Archive,
    /// A binary RPM.
    Rpm,
    /// A source RPM.
    Srpm,
}

impl Expected {
    fn accepts(self, kind: Option<Kind>) -> bool {
        matches!(
            (self, kind),
            (Expected::Archive, Some(Kind::Tar(_) | Kind::Zip))
                | (Expected::Rpm, Some(Kind::Rpm))
                | (Expected::Srpm, Some(Kind::Srpm))
        )
    }

    fn describe(self) -> &'static str {
        match self {
            Expected::Archive => "an archive",
            Expected::Rpm => "a binary RPM",
            Expected::Srpm => "a source RPM",
        }
    }
}

/// What `bytes` are, for an error: `"a source RPM"`, `"an unrecognised file: starts with ..."`.
fn what_it_is(bytes: &[u8]) -> String {
    match gofed_artifact::sniff(bytes) {
        Some(Kind::Tar(_) | Kind::Zip) => Expected::Archive.describe().to_owned(),
        Some(Kind::Rpm) => Expected::Rpm.describe().to_owned(),
        Some(Kind::Srpm) => Expected::Srpm.describe().to_owned(),
        Some(Kind::Directory | Kind::Git) | None => {
            format!("an unrecognised file{}", gofed_artifact::hint(bytes))
        }
    }
}

/// Downloads `url` (or takes it from the download cache), checks that it is what was `expected`, and stores it
/// in `filestorage`. A URL the server does not have is `not_found`; a file of another kind is `unprocessable`.
pub async fn fetch_into_storage(
    context: &ServiceContext,
    blobs: &BlobStore,
    url: String,
    name: String,
    expected: Expected,
) -> Result<FetchedFile, ServiceError> {
    let path = download(&url, &context.client, false)
        .await
        .map_err(|err| match err.downcast_ref::<HttpStatus>() {
            Some(status) if status.code == 404 || status.code == 410 => {
                ServiceError::NotFound(format!("{name} ({url}: HTTP {})", status.status))
            }
            _ => ServiceError::unprocessable(format!("{name}: {err:#}")),
        })?;
    let bytes = tokio::fs::read(&path).await.map_err(|err| {
        ServiceError::internal(
            format!("reading {} from the download cache", path.display()),
            err,
        )
    })?;
    if !expected.accepts(gofed_artifact::sniff(&bytes)) {
        return Err(ServiceError::unprocessable(format!(
            "{name}: {url} is not {} but {}",
            expected.describe(),
            what_it_is(&bytes)
        )));
    }
    let file = crate::filestorage::store_bytes(context, blobs, bytes, &name).await?;
    Ok(FetchedFile { file, url, name })
}

/// Checks that `value`, the request's `field`, is a name that is safe in a URL path and a file name: 1 to 255
/// of `A-Z a-z 0-9 . _ + ~ ^ -`, not starting with `.` or `-` (so never `..`, `/`, `?`, `%` or a space), as
/// package names, versions, releases, architectures and patch file names are.
pub(crate) fn check_name(field: &str, value: &str) -> Result<(), ServiceError> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "._+~^-".contains(c);
    let valid = !value.is_empty()
        && value.len() <= 255
        && value.chars().all(allowed)
        && !value.starts_with(['.', '-']);
    if valid {
        return Ok(());
    }
    let shown: String = value.chars().take(80).collect();
    Err(ServiceError::invalid_input(
        field,
        format!(
            "{shown:?} is not a name: 1 to 255 of A-Z a-z 0-9 . _ + ~ ^ -, not starting with . or -"
        ),
    ))
}
