//! A saved API analysis (`gofed api --format json`) as a SOURCE of `api_diff`: its typed API
//! models (one per build context), read back as the side of a comparison without the sources.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use gofed_go::api::model::{ApiModel, ModelSource, MAX_MODEL_PACKAGES, MODEL_VERSION};
use gofed_go::api::source::{GorootSource, ParseCache, TreeSource};
use gofed_go::api::stdlib::{Chain, StdSummary};
use gofed_go::diagnostic::Diagnostic;
use gofed_go::load::{FileTree, Layout, OsFileTree, Package, Project};
use serde::Deserialize;

use crate::api::World;
use crate::artifact::SourceMeta;
use crate::request::BuildContext;

/// A saved API analysis: its models and what it was read from.
#[derive(Debug)]
pub struct SavedApi {
    /// The input, as the user named it.
    pub name: String,
    models: Vec<ApiModel>,
    /// `meta.source` of the analysis (an artifact's), if any.
    pub source: Option<SourceMeta>,
}

/// Whether `bytes` look like a JSON document (a saved analysis), not an archive or a tree.
pub fn is_json(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{')
}

/// Why a saved analysis cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{name}: {reason}")]
pub struct SavedApiError {
    name: String,
    reason: String,
}

fn error(name: &str, reason: impl std::fmt::Display) -> SavedApiError {
    SavedApiError {
        name: name.to_owned(),
        reason: reason.to_string(),
    }
}

/// The number of elements of a JSON array, read without keeping them.
#[derive(Default)]
struct Count(usize);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Count, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Count;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Count, A::Error> {
                let mut n = 0;
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {
                    n += 1;
                }
                Ok(Count(n))
            }
        }
        d.deserialize_seq(Visitor)
    }
}

/// What is checked before the models are read: their versions and sizes (a model of another
/// version may have another shape; a million packages are refused before they are held).
#[derive(Deserialize)]
struct Probe {
    #[serde(default)]
    model: Option<ModelProbe>,
    #[serde(default)]
    models: Option<Vec<ModelProbe>>,
}

#[derive(Deserialize)]
struct ModelProbe {
    model_version: u32,
    #[serde(default)]
    packages: Count,
}

#[derive(Deserialize)]
struct Saved {
    #[serde(default)]
    model: Option<ApiModel>,
    #[serde(default)]
    models: Vec<ApiModel>,
    #[serde(default)]
    meta: SavedMeta,
}

#[derive(Deserialize, Default)]
struct SavedMeta {
    #[serde(default)]
    source: Option<SourceMeta>,
}

/// At most this many contexts in one file (`api_analysis` runs at most 128).
const MAX_MODELS: usize = 128;

impl SavedApi {
    /// Reads the saved analysis `bytes`, named `name` in errors.
    pub fn read(name: &str, bytes: &[u8]) -> Result<SavedApi, SavedApiError> {
        let not_json = |err: serde_json::Error| {
            error(
                name,
                format!("not a saved API analysis (gofed api --format json): {err}"),
            )
        };
        let probe: Probe = serde_json::from_slice(bytes).map_err(not_json)?;
        let probes: Vec<&ModelProbe> = probe
            .model
            .iter()
            .chain(probe.models.iter().flatten())
            .collect();
        if probes.is_empty() {
            return Err(error(
                name,
                "a JSON document without an API model (`gofed api --format json` of gofed 0.x with models writes one)",
            ));
        }
        if probes.len() > MAX_MODELS {
            return Err(error(
                name,
                format!("{} API models, more than {MAX_MODELS}", probes.len()),
            ));
        }
        for p in &probes {
            if p.model_version != MODEL_VERSION {
                return Err(error(
                    name,
                    format!(
                        "API model version {} is not supported (this gofed reads version {MODEL_VERSION})",
                        p.model_version
                    ),
                ));
            }
            if p.packages.0 > MAX_MODEL_PACKAGES {
                return Err(error(
                    name,
                    format!(
                        "the API model has {} packages, more than {MAX_MODEL_PACKAGES}",
                        p.packages.0
                    ),
                ));
            }
        }
        let saved: Saved = serde_json::from_slice(bytes).map_err(not_json)?;
        let mut models = saved.models;
        models.extend(saved.model);
        Ok(SavedApi {
            name: name.to_owned(),
            models,
            source: saved.meta.source,
        })
    }

    /// The model of the build context `ctx`.
    pub fn model_for(&self, ctx: &BuildContext) -> Result<&ApiModel, SavedApiError> {
        let mut want_tags = ctx.tags.clone();
        want_tags.sort();
        let found = self.models.iter().find(|m| {
            let mut tags = m.context.tags.clone();
            tags.sort();
            m.context.goos == ctx.goos
                && m.context.goarch == ctx.goarch
                && m.context.cgo == ctx.cgo
                && tags == want_tags
        });
        found.ok_or_else(|| {
            let wanted = gofed_go::api::model::ModelContext {
                goos: ctx.goos.clone(),
                goarch: ctx.goarch.clone(),
                cgo: ctx.cgo,
                tags: ctx.tags.clone(),
            };
            let has: Vec<String> = self.models.iter().map(|m| m.context.name()).collect();
            error(
                &self.name,
                format!(
                    "no API model for the build context {}; the file has {}",
                    wanted.name(),
                    has.join(", ")
                ),
            )
        })
    }
}

/// The file system, for the standard library of a GOROOT given with the request.
static OS_FILE_TREE: OsFileTree = OsFileTree;

/// One side of a comparison read from a saved model: a [`World`] whose packages are the
/// model's, and the errors the analysis stored (the model's declarations have no positions
/// of their own to report them again).
pub struct ModelWorld<'t> {
    /// The world: the tree's packages as the loader listed them, the model's declarations
    /// first in its source.
    pub world: World<'t>,
    /// Errors per import path of the listed packages.
    pub package_errors: HashMap<String, Vec<Diagnostic>>,
    /// The tree's errors.
    pub tree_errors: Vec<Diagnostic>,
    /// The analysed directory.
    pub root: PathBuf,
    /// The model's declarations (also first in `world.source`), for [`ModelWorld::damage`].
    pub source: Arc<ModelSource>,
    /// The saved analysis' name.
    pub name: String,
}

impl<'t> ModelWorld<'t> {
    /// Opens the model of `saved` for `ctx`: checks it and chains what the tree's imports
    /// resolved to (the embedded standard library summary, or `goroot`) after it.
    pub fn open(
        saved: &SavedApi,
        ctx: &BuildContext,
        goroot: Option<&Path>,
        empty: &'t (dyn FileTree + Sync),
        cache: &Arc<ParseCache>,
    ) -> anyhow::Result<ModelWorld<'t>> {
        let model = saved.model_for(ctx)?.clone();
        let layout = Layout::from(&model.layout);
        let is_goroot = matches!(layout, Layout::Goroot { .. });
        let project = Project {
            root: PathBuf::from(&model.root),
            layout,
            go_minor: model.go_minor,
            packages: model
                .packages
                .iter()
                .filter(|p| p.listed)
                .map(|p| Package {
                    dir: PathBuf::from(&p.dir),
                    import_path: p.path.clone(),
                    name: p.name.clone(),
                    vendored: p.vendored,
                    go_files: p.go_files.clone(),
                    ..Package::default()
                })
                .collect(),
            go_mod: None,
            vendor: None,
        };
        let package_errors = model
            .packages
            .iter()
            .filter(|p| p.listed && !p.errors.is_empty())
            .map(|p| (p.path.clone(), p.errors.clone()))
            .collect();
        let tree_errors = model.errors.clone();
        let std = model.std;
        let source = Arc::new(model.open().map_err(|err| error(&saved.name, err))?);
        let mut sources: Vec<Box<dyn gofed_go::types::PackageSource + Send + Sync + 't>> =
            vec![Box::new(Arc::clone(&source))];
        // As [`World::load`]: a GOROOT given, else the summary, unless the tree is a GOROOT's
        // (whose packages the API reaches are in the model).
        if !is_goroot {
            match goroot {
                Some(goroot) => {
                    let src = std::path::absolute(goroot.join("src"))?;
                    if !src.is_dir() {
                        anyhow::bail!("GOROOT {}: no src directory", goroot.display());
                    }
                    let std_ctx = BuildContext {
                        import_path: None,
                        ..ctx.clone()
                    };
                    let config = crate::deps::load_config(
                        &OS_FILE_TREE,
                        &src,
                        &std_ctx,
                        crate::deps::Purpose::Api,
                    );
                    sources.push(Box::new(GorootSource::new(
                        &OS_FILE_TREE,
                        src,
                        config,
                        Arc::clone(cache),
                    )));
                }
                None => sources.push(Box::new(StdSummary::new())),
            }
        }
        let root = project.root.clone();
        Ok(ModelWorld {
            world: World {
                project,
                source: Chain(sources),
                tree_source: Arc::new(TreeSource::new(empty, &[], Arc::clone(cache))),
                goroot_source: None,
                linked_source: None,
                std,
            },
            package_errors,
            tree_errors,
            root,
            source,
            name: saved.name.clone(),
        })
    }

    /// An error naming the file when a declaration read so far was damaged.
    pub fn damage(source: &ModelSource, name: &str) -> Result<(), SavedApiError> {
        match source.damage() {
            Some(damage) => Err(error(name, damage)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_truncation_and_other_versions_are_errors_naming_the_file() {
        let err = SavedApi::read("old.json", b"{\"model\": {\"model_version\": 1, ").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("old.json: not a saved API analysis"),
            "{err}"
        );
        let err = SavedApi::read("old.json", br#"{"packages": [], "meta": {}}"#).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("old.json: a JSON document without an API model"),
            "{err}"
        );
        let err = SavedApi::read(
            "old.json",
            br#"{"model": {"model_version": 7, "shape": "new"}}"#,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "old.json: API model version 7 is not supported (this gofed reads version 1)"
        );
        assert!(is_json(b"  \n{\"a\": 1}"));
        assert!(!is_json(b"\x1f\x8b{"));
    }

    #[test]
    fn a_million_packages_are_refused_before_they_are_read() {
        let mut doc = String::from(r#"{"model": {"model_version": 1, "packages": ["#);
        for i in 0..1_000_000 {
            if i > 0 {
                doc.push(',');
            }
            doc.push_str("{}");
        }
        doc.push_str("]}}");
        let err = SavedApi::read("big.json", doc.as_bytes()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "big.json: the API model has 1000000 packages, more than 200000"
        );
    }
}
