//! The `spec` service: what an RPM spec file declares, read as rpm does at the source-RPM stage (gofed-ng's
//! `spec_provides`, `spec_requires`, `spec_buildrequires`, and `spec_summary`); a thin adapter over `gofed-spec`.
//! The spec comes as text, as a file of the service's machine, or as an upload to filestorage; a source RPM is
//! recognised by its content and its spec read from its payload.

use std::path::PathBuf;

use gofed_service::FileRef;
use gofed_spec::{Dependency, Options, Spec};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ServiceContext;
use gofed_service::ServiceError;

/// Where the spec is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SpecInput {
    /// The spec's text.
    Text {
        /// Its file name, for messages.
        name: String,
        /// The spec.
        text: String,
    },
    /// A spec file or a source RPM on the machine that runs the action (refused by services that do not read
    /// their machine's paths).
    Path(PathBuf),
    /// A spec file or a source RPM uploaded to filestorage.
    File {
        /// The upload.
        file: FileRef,
        /// Its name as the user gave it, for messages.
        name: String,
    },
}

/// Input of every `spec_*` action.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SpecRequest {
    /// The spec, or the source RPM holding it.
    pub spec: SpecInput,
    /// As `rpmbuild --with NAME`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub with: Vec<String>,
    /// As `rpmbuild --without NAME`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub without: Vec<String>,
    /// As `rpm --define "NAME BODY"`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub define: Vec<String>,
}

/// Output of `spec_provides`, `spec_requires` and `spec_buildrequires`: the dependencies of each package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SpecDependencies {
    /// One entry per binary package (for BuildRequires: the source package).
    pub packages: Vec<PackageDependencies>,
    /// What rpm would refuse and what was not evaluated.
    pub diagnostics: Vec<gofed_spec::Diagnostic>,
}

/// One package's dependencies of the kind asked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PackageDependencies {
    /// The package's name.
    pub package: String,
    /// Sorted as rpm sorts them (name, version, flags).
    pub dependencies: Vec<Dependency>,
}

/// Which dependencies a `spec_*` action answers.
#[derive(Clone, Copy, Debug)]
pub enum Query {
    /// Each binary package's Provides.
    Provides,
    /// Each binary package's Requires.
    Requires,
    /// The source package's BuildRequires.
    BuildRequires,
}

/// `spec_summary`: the whole spec as read.
pub async fn summary(context: ServiceContext, request: SpecRequest) -> Result<Spec, ServiceError> {
    read(&context, &request).await
}

/// `spec_provides`, `spec_requires`, `spec_buildrequires`.
pub async fn dependencies(
    context: ServiceContext,
    request: SpecRequest,
    query: Query,
) -> Result<SpecDependencies, ServiceError> {
    let spec = read(&context, &request).await?;
    Ok(dependencies_of(spec, query))
}

/// The dependencies `query` names, per package.
pub fn dependencies_of(spec: Spec, query: Query) -> SpecDependencies {
    let packages = match query {
        Query::BuildRequires => {
            vec![PackageDependencies {
                package: spec.source.name.clone(),
                dependencies: spec.source.build_requires,
            }]
        }
        Query::Provides | Query::Requires => spec
            .packages
            .into_iter()
            .map(|p| PackageDependencies {
                package: p.name,
                dependencies: if matches!(query, Query::Provides) {
                    p.provides
                } else {
                    p.requires
                },
            })
            .collect(),
    };
    SpecDependencies {
        packages,
        diagnostics: spec.diagnostics,
    }
}

/// The name and bytes of a spec input (a source RPM's bytes as they are).
pub async fn input_bytes(
    context: &ServiceContext,
    input: &SpecInput,
) -> Result<(String, Vec<u8>), ServiceError> {
    Ok(match input {
        SpecInput::Text { name, text } => (name.clone(), text.clone().into_bytes()),
        SpecInput::Path(path) => {
            if !context.allow_paths {
                return Err(ServiceError::invalid_input(
                    "path",
                    "this service does not read paths of its own machine; upload the file",
                ));
            }
            let bytes = std::fs::read(path)
                .map_err(|err| ServiceError::unprocessable(format!("{}: {err}", path.display())))?;
            (path.display().to_string(), bytes)
        }
        SpecInput::File { file, name } => {
            let system = context.system.as_ref().ok_or_else(|| {
                ServiceError::unprocessable("this service has no file storage to fetch specs from")
            })?;
            let bytes = system.fetch(file).await.map_err(|err| {
                ServiceError::unprocessable(format!("fetching {name} ({}): {err}", file.sha256))
            })?;
            (name.clone(), bytes.to_vec())
        }
    })
}

async fn read(context: &ServiceContext, request: &SpecRequest) -> Result<Spec, ServiceError> {
    let (name, bytes) = input_bytes(context, &request.spec).await?;
    let options = Options {
        with: request.with.clone(),
        without: request.without.clone(),
        defines: request.define.clone(),
        ..Options::default()
    };
    let limits = context.artifact_limits.clone();
    gofed_service::run_blocking(move |_| {
        let (name, text) = if gofed_artifact::rpm::is_rpm(&bytes) {
            let spec = gofed_artifact::rpm::srpm_spec(&name, &bytes, &limits)
                .map_err(|err| err.to_string())?;
            (format!("{name}: {}", spec.path), spec.data)
        } else {
            (name, bytes)
        };
        Ok::<Spec, String>(gofed_spec::parse_with(&name, &text, &options))
    })
    .await
    .map_err(|err| ServiceError::internal("reading a spec", err))?
    .map_err(ServiceError::unprocessable)
}
