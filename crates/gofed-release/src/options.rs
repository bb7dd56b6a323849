//! What `--base` and `--version` may say, checked before anything is loaded (gorelease's usage errors, exit 2),
//! and which module the base version belongs to.

use gofed_go::load::gomod::{check_path_major, semver, split_path_version};
use gofed_go::load::importpath;

use crate::version::{dir_major_suffix, major};

/// A usage error, in gorelease's words.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The base version as `--base` gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BaseChoice {
    /// Nothing: the latest release below the release version (`--version`), of the release's module.
    Inferred,
    /// `none`: a first release.
    None,
    /// A canonical version (`v1.2.3`), maybe of another module path (`example.com/m@v1.2.3`).
    Version {
        module: Option<String>,
        version: String,
    },
    /// A query the module proxy resolves (`latest`, a branch name), maybe of another module path.
    Query {
        module: Option<String>,
        query: String,
    },
    /// Another module's path alone: its latest release.
    Module(String),
}

/// Checks `--base` and `--version` as gorelease does.
pub fn parse_options(base: Option<&str>, version: Option<&str>) -> Result<BaseChoice, UsageError> {
    if let Some(v) = version {
        if semver::build(v).is_some_and(|b| !b.is_empty()) {
            return Err(UsageError(format!(
                "release version {v:?} is not a canonical semantic version: build metadata is not supported"
            )));
        }
        if semver::canonical(v).as_deref() != Some(v) {
            return Err(UsageError(format!(
                "release version {v:?} is not a canonical semantic version"
            )));
        }
    }
    let base = base.unwrap_or("");
    let (module, base_version) = match base.split_once('@') {
        Some((m, v)) => (Some(m.to_owned()), v.to_owned()),
        None => match (base.find('.'), base.find('/')) {
            (Some(dot), Some(slash)) if dot < slash => (Some(base.to_owned()), String::new()),
            _ => (None, base.to_owned()),
        },
    };
    match &module {
        None => {
            if let Some(v) = version {
                if semver::canonical(&base_version).as_deref() == Some(base_version.as_str()) {
                    match semver::compare(&base_version, v) {
                        std::cmp::Ordering::Equal => {
                            return Err(UsageError("-base and -version must be different".into()))
                        }
                        std::cmp::Ordering::Greater => {
                            return Err(UsageError(format!(
                                "base version ({base_version:?}) must be lower than release version ({v:?})"
                            )))
                        }
                        std::cmp::Ordering::Less => {}
                    }
                }
            }
        }
        Some(_) if base_version == "none" => {
            return Err(UsageError(format!(
                "base version ({base:?}) cannot have version \"none\" with explicit module path"
            )))
        }
        Some(_) => {}
    }
    Ok(match (module, base_version.as_str()) {
        (None, "") => BaseChoice::Inferred,
        (None, "none") => BaseChoice::None,
        (Some(m), "") => BaseChoice::Module(m),
        (module, v) if semver::canonical(v).as_deref() == Some(v) => BaseChoice::Version {
            module,
            version: v.to_owned(),
        },
        (module, q) => BaseChoice::Query {
            module,
            query: q.to_owned(),
        },
    })
}

impl BaseChoice {
    /// The module path the base version is of, given the release's: a base version of another major than the
    /// release's module path belongs to that major's module (`-base=v1.0.0` for `example.com/m/v2` is
    /// `example.com/m@v1.0.0`).
    pub fn module_path(&self, release_module: &str) -> String {
        match self {
            BaseChoice::Version {
                module: None,
                version,
            } if check_path_major(version, path_major(release_module)).is_err() => {
                let prefix = split_path_version(release_module).map_or(release_module, |(p, _)| p);
                let major = major(version);
                if prefix.starts_with("gopkg.in/") {
                    format!("{prefix}.{major}")
                } else if major >= "v2" {
                    format!("{prefix}/{major}")
                } else {
                    prefix.to_owned()
                }
            }
            BaseChoice::Version {
                module: Some(m), ..
            }
            | BaseChoice::Query {
                module: Some(m), ..
            }
            | BaseChoice::Module(m) => m.clone(),
            _ => release_module.to_owned(),
        }
    }
}

fn path_major(path: &str) -> &str {
    split_path_version(path).map_or("", |(_, m)| m)
}

/// gorelease's check of a module path: `module.CheckPath` with friendlier words for a wrong major suffix and an
/// absolute path.
pub fn check_module_path(path: &str) -> Result<(), String> {
    if path.starts_with('/') {
        return Err(format!(
            "module path {path:?} must not be an absolute path.\nIt must be an address where your module may be found."
        ));
    }
    let suffix = dir_major_suffix(path);
    if suffix == "v0" || suffix == "v1" {
        return Err(format!(
            "module path {path:?} has major version suffix {suffix:?}.\nA major version suffix is only allowed for v2 or later."
        ));
    } else if suffix.starts_with("v0") {
        return Err(format!(
            "module path {path:?} has major version suffix {suffix:?}.\nA major version may not have a leading zero."
        ));
    } else if suffix.contains('.') {
        return Err(format!(
            "module path {path:?} has major version suffix {suffix:?}.\nA major version may not contain dots."
        ));
    }
    importpath::check_module_path(path).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_choices() {
        assert_eq!(parse_options(None, None), Ok(BaseChoice::Inferred));
        assert_eq!(parse_options(Some("none"), None), Ok(BaseChoice::None));
        assert_eq!(
            parse_options(Some("v1.2.3"), None),
            Ok(BaseChoice::Version {
                module: None,
                version: "v1.2.3".into()
            })
        );
        assert_eq!(
            parse_options(Some("example.com/m@latest"), None),
            Ok(BaseChoice::Query {
                module: Some("example.com/m".into()),
                query: "latest".into()
            })
        );
        assert_eq!(
            parse_options(Some("example.com/m"), None),
            Ok(BaseChoice::Module("example.com/m".into()))
        );
        assert_eq!(
            parse_options(Some("master"), None),
            Ok(BaseChoice::Query {
                module: None,
                query: "master".into()
            })
        );
    }

    #[test]
    fn usage_errors() {
        let err = |b: Option<&str>, v: Option<&str>| parse_options(b, v).err().map(|e| e.0);
        assert_eq!(
            err(None, Some("v1.2")).as_deref(),
            Some("release version \"v1.2\" is not a canonical semantic version")
        );
        assert_eq!(
            err(None, Some("v1.2.0+meta")).as_deref(),
            Some("release version \"v1.2.0+meta\" is not a canonical semantic version: build metadata is not supported")
        );
        assert_eq!(
            err(Some("v1.2.0"), Some("v1.2.0")).as_deref(),
            Some("-base and -version must be different")
        );
        assert_eq!(
            err(Some("v1.3.0"), Some("v1.2.0")).as_deref(),
            Some("base version (\"v1.3.0\") must be lower than release version (\"v1.2.0\")")
        );
        assert!(err(Some("example.com/m@none"), None).is_some());
    }

    #[test]
    fn base_module_paths() {
        let v = |version: &str| BaseChoice::Version {
            module: None,
            version: version.into(),
        };
        assert_eq!(v("v1.0.0").module_path("example.com/m/v2"), "example.com/m");
        assert_eq!(
            v("v3.0.0").module_path("example.com/m/v2"),
            "example.com/m/v3"
        );
        assert_eq!(
            v("v2.1.0").module_path("example.com/m/v2"),
            "example.com/m/v2"
        );
        assert_eq!(
            v("v2.0.0").module_path("gopkg.in/yaml.v3"),
            "gopkg.in/yaml.v2"
        );
        assert_eq!(v("v1.0.0").module_path("example.com/m"), "example.com/m");
    }

    #[test]
    fn module_paths() {
        assert!(check_module_path("example.com/m/v1")
            .is_err_and(|e| e.contains("only allowed for v2 or later")));
        assert!(check_module_path("example.com/m/v02").is_err_and(|e| e.contains("leading zero")));
        assert!(check_module_path("/abs/m").is_err());
        assert!(check_module_path("example.com/m/v2").is_ok());
    }
}
