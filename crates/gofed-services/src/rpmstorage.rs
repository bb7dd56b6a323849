//! The `rpmstorage` service (gofed-ng's actions): RPMs and source RPMs of a Koji build system by name, version,
//! release and architecture, fetched once into the download cache and kept in `filestorage`.
//!
//! Koji lays out its builds as `{koji_url}/NAME/VERSION/RELEASE/ARCH/NAME-VERSION-RELEASE.ARCH.rpm`, with `src` as
//! the architecture of the source RPM (`[client] koji_url`, default Fedora's
//! `https://kojipkgs.fedoraproject.org/packages`). The release is written with its distribution tag, as Koji
//! does: `3.fc41`.

use std::sync::Arc;

use gofed_service::{BlobStore, Service, ServiceError};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::fetched::{check_name, fetch_into_storage, Expected, FetchedFile};
use crate::ServiceContext;

/// Input of `rpm_get`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RpmQuery {
    /// The (sub)package name: `golang-github-stretchr-testify-devel`.
    pub name: String,
    /// Its version: `1.9.0`.
    pub version: String,
    /// Its release with the distribution tag: `3.fc41`.
    pub release: String,
    /// Its architecture: `noarch`, `x86_64`, ...
    pub arch: String,
}

/// Input of `rpm_src_get`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SrpmQuery {
    /// The source package name: `golang-github-stretchr-testify`.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Its release with the distribution tag.
    pub release: String,
}

/// Input of `rpm_get_by_name`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RpmFileQuery {
    /// A file name as Koji names it: `etcd-3.5.16-1.fc41.x86_64.rpm`, or `etcd-3.5.16-1.fc41.src.rpm` for the
    /// source RPM.
    pub package: String,
}

/// An RPM's name, version, release and architecture (`src` for a source RPM), each a checked name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nvra {
    /// Name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Release.
    pub release: String,
    /// Architecture.
    pub arch: String,
}

impl Nvra {
    /// Checks every part (see [`check_name`]; a version or release has no `-`, which separates them).
    fn checked(self) -> Result<Nvra, ServiceError> {
        check_name("name", &self.name)?;
        for (field, value) in [
            ("version", &self.version),
            ("release", &self.release),
            ("arch", &self.arch),
        ] {
            check_name(field, value)?;
            if value.contains('-') {
                return Err(ServiceError::invalid_input(
                    field,
                    format!("{value:?} contains `-`, which separates name, version and release"),
                ));
            }
        }
        Ok(self)
    }

    /// Parses `NAME-VERSION-RELEASE.ARCH.rpm`: the architecture after the last `.`, the release and the version
    /// after the last two `-` before it.
    pub fn parse(file: &str) -> Option<Nvra> {
        let (nvr, arch) = file.strip_suffix(".rpm")?.rsplit_once('.')?;
        let (nv, release) = nvr.rsplit_once('-')?;
        let (name, version) = nv.rsplit_once('-')?;
        Some(Nvra {
            name: name.to_owned(),
            version: version.to_owned(),
            release: release.to_owned(),
            arch: arch.to_owned(),
        })
    }

    /// `NAME-VERSION-RELEASE.ARCH.rpm`.
    pub fn file_name(&self) -> String {
        format!(
            "{}-{}-{}.{}.rpm",
            self.name, self.version, self.release, self.arch
        )
    }

    /// Where Koji keeps it under `koji_url`.
    pub fn url(&self, koji_url: &str) -> String {
        format!(
            "{}/{}/{}/{}/{}/{}",
            koji_url.trim_end_matches('/'),
            self.name,
            self.version,
            self.release,
            self.arch,
            self.file_name()
        )
    }
}

/// Fetches `nvra` from Koji into `filestorage`.
async fn get(
    context: &ServiceContext,
    blobs: &BlobStore,
    nvra: Nvra,
) -> Result<FetchedFile, ServiceError> {
    let nvra = nvra.checked()?;
    let expected = if nvra.arch == "src" {
        Expected::Srpm
    } else {
        Expected::Rpm
    };
    let url = nvra.url(&context.client.koji_url);
    fetch_into_storage(context, blobs, url, nvra.file_name(), expected).await
}

/// The `rpmstorage` service.
pub fn service(context: ServiceContext, blobs: Arc<BlobStore>) -> Service {
    let (context_a, blobs_a) = (context.clone(), Arc::clone(&blobs));
    let (context_b, blobs_b) = (context.clone(), Arc::clone(&blobs));
    Service::new(
        "rpmstorage",
        crate::VERSION,
        "RPMs and source RPMs of a Koji build system ([client] koji_url), kept in filestorage",
    )
    .action(
        "rpm_get",
        "A binary RPM by name, version, release (with its dist tag) and architecture, stored in filestorage.",
        move |q: RpmQuery| {
            let (context, blobs) = (context_a.clone(), Arc::clone(&blobs_a));
            async move {
                if q.arch == "src" {
                    return Err(ServiceError::invalid_input(
                        "arch",
                        "`src` names a source RPM: use rpm_src_get",
                    ));
                }
                let nvra = Nvra {
                    name: q.name,
                    version: q.version,
                    release: q.release,
                    arch: q.arch,
                };
                get(&context, &blobs, nvra).await
            }
        },
    )
    .action(
        "rpm_src_get",
        "A source RPM by name, version and release (with its dist tag), stored in filestorage.",
        move |q: SrpmQuery| {
            let (context, blobs) = (context_b.clone(), Arc::clone(&blobs_b));
            async move {
                let nvra = Nvra {
                    name: q.name,
                    version: q.version,
                    release: q.release,
                    arch: "src".to_owned(),
                };
                get(&context, &blobs, nvra).await
            }
        },
    )
    .action(
        "rpm_get_by_name",
        "An RPM or source RPM by its file name (etcd-3.5.16-1.fc41.x86_64.rpm, etcd-3.5.16-1.fc41.src.rpm).",
        move |q: RpmFileQuery| {
            let (context, blobs) = (context.clone(), Arc::clone(&blobs));
            async move {
                let nvra = Nvra::parse(&q.package).ok_or_else(|| {
                    ServiceError::invalid_input(
                        "package",
                        format!(
                            "{:?} is not NAME-VERSION-RELEASE.ARCH.rpm",
                            q.package.chars().take(80).collect::<String>()
                        ),
                    )
                })?;
                get(&context, &blobs, nvra).await
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_split_from_the_right_and_give_kojis_layout() {
        let nvra = Nvra::parse("golang-github-stretchr-testify-devel-1.9.0-3.fc41.noarch.rpm")
            .expect("parses");
        assert_eq!(nvra.name, "golang-github-stretchr-testify-devel");
        assert_eq!(nvra.version, "1.9.0");
        assert_eq!(nvra.release, "3.fc41");
        assert_eq!(nvra.arch, "noarch");
        assert_eq!(
            nvra.url("https://koji/packages/"),
            "https://koji/packages/golang-github-stretchr-testify-devel/1.9.0/3.fc41/noarch/\
             golang-github-stretchr-testify-devel-1.9.0-3.fc41.noarch.rpm"
        );
        let src = Nvra::parse("etcd-3.5.16-1.fc41.src.rpm").expect("parses");
        assert_eq!((src.name.as_str(), src.arch.as_str()), ("etcd", "src"));
        for bad in [
            "etcd.rpm",
            "etcd-1.x86_64.rpm",
            "etcd-1-2.fc41.x86_64",
            "-1-2.x.rpm",
        ] {
            let parsed = Nvra::parse(bad).map(Nvra::checked);
            assert!(!matches!(parsed, Some(Ok(_))), "{bad} must not give an RPM");
        }
    }

    #[test]
    fn names_that_could_leave_the_layout_are_refused() {
        for bad in [
            "..", "../x", "a/b", "a b", "a?b", "%2e%2e", "", ".hidden", "-n",
        ] {
            let nvra = Nvra {
                name: bad.to_owned(),
                version: "1".to_owned(),
                release: "1.fc41".to_owned(),
                arch: "noarch".to_owned(),
            };
            assert!(nvra.checked().is_err(), "{bad:?}");
        }
        let dash = Nvra {
            name: "n".to_owned(),
            version: "1-2".to_owned(),
            release: "1".to_owned(),
            arch: "noarch".to_owned(),
        };
        assert!(dash.checked().is_err());
    }
}
