//! What gorelease knows of each version of the module: its path, its version (given, inferred or queried), where
//! its tags live in the repository, its go.mod, and the problems found in it that are not a package's.

use gofed_go::load::gomod::{split_path_version, GoMod};

/// One version of the module: the base (what was released before) or the release (what is about to be tagged).
#[derive(Clone, Debug, Default)]
pub struct Module {
    /// The module path in its go.mod.
    pub path: String,
    /// The version: canonical, `none` for a base when there is none (a first release), `""` for a release whose
    /// version is not given (gorelease then suggests one).
    pub version: String,
    /// A query the version was resolved from (`latest`, a branch name).
    pub version_query: Option<String>,
    /// Whether the version was not given but inferred (the base: the latest release below the release version;
    /// the release: the suggested version).
    pub version_inferred: bool,
    /// For a module in a subdirectory of its repository, what its version tags start with (`sub/`).
    pub tag_prefix: String,
    /// Its go.mod; `None` when it has none.
    pub go_mod: Option<GoMod>,
    /// Problems that are not a package's (the go directive missing, a wrong subdirectory), in gorelease's words.
    pub diagnostics: Vec<String>,
    /// Versions of the module that already exist (from the module proxy).
    pub existing_versions: Vec<String>,
    /// The highest version of itself the module requires through its dependencies (a cycle), if any.
    pub highest_transitive_version: Option<String>,
}

impl Module {
    /// The major version suffix of the module path: `/v2`, `.v3` (gopkg.in), `""`.
    pub fn path_major(&self) -> &str {
        split_path_version(&self.path).map_or("", |(_, major)| major)
    }
}

/// Where a module lives in its repository: the tag prefix of a module in a subdirectory, or why its path does
/// not fit the directory. `code_dir` is the module's directory relative to the repository root (slash-separated,
/// `""` at the root); `alt_module_path` reads the module path of the go.mod in a directory (relative to the
/// repository root), if there is one, to find a module defined twice (`sub/go.mod` and `sub/v2/go.mod`).
pub fn locate_in_repository(
    module: &mut Module,
    code_dir: &str,
    alt_module_path: impl Fn(&str) -> Option<String>,
) {
    if code_dir.is_empty() {
        return;
    }
    let path = module.path.clone();
    let major = module.path_major().to_owned();
    if major.starts_with('.') {
        module.diagnostics.push(format!(
            "{path}: module path starts with gopkg.in and must be declared in the root directory of the repository"
        ));
        return;
    }
    let alt_dir = if major.is_empty() {
        if path.ends_with(&format!("/{code_dir}")) {
            module.tag_prefix = format!("{code_dir}/");
        } else {
            module.diagnostics.push(format!(
                "{path}: module path must end with {code_dir:?}, since it is in subdirectory {code_dir:?}"
            ));
        }
        None
    } else if path.ends_with(&format!("/{code_dir}")) {
        // In a major version subdirectory (`sub/v2`): its tags do not name the major version.
        // `path` ends with `/vN` and with `/code_dir`, so `code_dir` ends with `vN`.
        let prefix = &code_dir[..(code_dir.len() + 1).saturating_sub(major.len())];
        module.tag_prefix = prefix.to_owned();
        Some(prefix.trim_end_matches('/').to_owned())
    } else if path.ends_with(&format!("/{code_dir}{major}")) {
        module.tag_prefix = format!("{code_dir}/");
        Some(format!("{code_dir}/{}", &major[1..]))
    } else {
        module.diagnostics.push(format!(
            "{path}: module path must end with {code_dir:?} or {:?}, since it is in subdirectory {code_dir:?}",
            format!("{code_dir}{major}")
        ));
        None
    };
    if let Some(alt_dir) = alt_dir {
        if alt_module_path(&alt_dir).as_deref() == Some(path.as_str()) {
            let alt = if alt_dir.is_empty() {
                "go.mod".to_owned()
            } else {
                format!("{alt_dir}/go.mod")
            };
            module.diagnostics.push(format!(
                "module is defined in two locations:\n\t{code_dir}/go.mod\n\t{alt}"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn located(path: &str, code_dir: &str, alt: Option<&str>) -> Module {
        let mut m = Module {
            path: path.to_owned(),
            ..Module::default()
        };
        locate_in_repository(&mut m, code_dir, |_| alt.map(str::to_owned));
        m
    }

    #[test]
    fn tag_prefixes() {
        assert_eq!(located("example.com/r", "", None).tag_prefix, "");
        assert_eq!(located("example.com/r/sub", "sub", None).tag_prefix, "sub/");
        // A major version subdirectory's tags do not name the major.
        assert_eq!(
            located("example.com/r/sub/v2", "sub/v2", None).tag_prefix,
            "sub/"
        );
        assert_eq!(located("example.com/r/v2", "v2", None).tag_prefix, "");
        assert_eq!(
            located("example.com/r/sub/v2", "sub", None).tag_prefix,
            "sub/"
        );
    }

    #[test]
    fn misplaced_modules() {
        let m = located("example.com/r/other", "sub", None);
        assert_eq!(
            m.diagnostics,
            ["example.com/r/other: module path must end with \"sub\", since it is in subdirectory \"sub\""]
        );
        let m = located("example.com/r/other/v2", "sub", None);
        assert_eq!(
            m.diagnostics,
            ["example.com/r/other/v2: module path must end with \"sub\" or \"sub/v2\", since it is in subdirectory \"sub\""]
        );
        let m = located("gopkg.in/yaml.v2", "sub", None);
        assert_eq!(m.diagnostics.len(), 1);
        let m = located("example.com/r/sub/v2", "sub", Some("example.com/r/sub/v2"));
        assert_eq!(
            m.diagnostics,
            ["module is defined in two locations:\n\tsub/go.mod\n\tsub/v2/go.mod"]
        );
    }
}
