//! `vendor/modules.txt`: which module each vendored package comes from, read as the go
//! command reads it (`cmd/go/internal/modload/vendor.go`).
//!
//! ```text
//! # github.com/pkg/errors v0.9.1            module header: path and version
//! ## explicit; go 1.12                      annotations of that module
//! github.com/pkg/errors                     a package vendored from it
//! # example.com/a v1.0.0 => ./a             a replaced module (=> path [version])
//! # example.com/b => ../b                   a replaced module without version (go.work)
//! ```
//!
//! Like the go command, the reader never fails; lines it cannot use are skipped. gofed
//! reports each skipped line as a [`VendorWarning`] where the go command stays silent.
//! A header it cannot read resets the current module, so the package lines after it are
//! skipped too; a header with fewer than three fields is skipped without resetting it,
//! as the go command does.

use std::collections::BTreeMap;

use crate::load::gomod::semver;
use crate::load::importpath::check_import_path;

/// The content of a `vendor/modules.txt`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ModulesTxt {
    /// Modules in order of first appearance.
    pub modules: Vec<VendoredModule>,
    /// Package import path → index in `modules` (the last module listing it wins).
    #[cfg_attr(feature = "serde", serde(skip))]
    package_idx: BTreeMap<String, usize>,
}

/// One module of `vendor/modules.txt`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct VendoredModule {
    /// The module path.
    pub path: String,
    /// The version; `None` for a versionless replaced module (`# path => dir`).
    pub version: Option<String>,
    /// The replacement, from `=> path [version]`.
    pub replacement: Option<VendorReplacement>,
    /// `## explicit`: go.mod requires the module directly.
    pub explicit: bool,
    /// `## go 1.N`: the module's go.mod `go` version.
    pub go_version: Option<String>,
    /// The packages vendored from it, in file order.
    pub packages: Vec<String>,
}

/// The target of a replaced module.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct VendorReplacement {
    /// The replacement module path or directory.
    pub path: String,
    /// Its version; `None` for a directory.
    pub version: Option<String>,
}

/// The outcome of [`parse_modules_txt`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedModulesTxt {
    /// What was read.
    pub modules_txt: ModulesTxt,
    /// Lines skipped.
    pub warnings: Vec<VendorWarning>,
}

/// A line of `vendor/modules.txt` that was skipped: `file:line: message`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {kind}")]
pub struct VendorWarning {
    /// The file name given to [`parse_modules_txt`].
    pub file: String,
    /// The 1-based line.
    pub line: u32,
    /// Why it was skipped.
    pub kind: VendorWarningKind,
}

/// Why a line was skipped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VendorWarningKind {
    /// The line is not UTF-8.
    #[error("invalid UTF-8 encoding")]
    InvalidUtf8,
    /// `# path` without a version or replacement.
    #[error("module line needs a path and a version or '=>'")]
    ShortHeader,
    /// `# path vX` where vX is not a semantic version; the packages after it are skipped.
    #[error("invalid version {0:?} in module line")]
    InvalidVersion(String),
    /// `=> …` that is neither `=> path` nor `=> path version`.
    #[error("malformed replacement in module line")]
    InvalidReplacement,
    /// An annotation or package line before any module line.
    #[error("line outside any module")]
    OutsideModule,
    /// A line that is neither a header, an annotation nor a valid package path.
    #[error("not a package import path: {0}")]
    NotAPackage(String),
}

/// Reads a `vendor/modules.txt`. `file` names it in warnings. Never fails or panics.
pub fn parse_modules_txt(file: &str, src: &[u8]) -> ParsedModulesTxt {
    let mut res = ParsedModulesTxt::default();
    let txt = &mut res.modules_txt;
    // Index of the current module; `None` before the first header or after a bad one.
    let mut cur: Option<usize> = None;
    let mut keys: BTreeMap<(String, Option<String>), usize> = BTreeMap::new();
    for (line_idx, raw) in src.split(|&b| b == b'\n').enumerate() {
        let line_no = u32::try_from(line_idx + 1).unwrap_or(u32::MAX);
        let mut warn = |kind| {
            res.warnings.push(VendorWarning {
                file: file.to_owned(),
                line: line_no,
                kind,
            })
        };
        let Ok(line) = std::str::from_utf8(raw) else {
            warn(VendorWarningKind::InvalidUtf8);
            continue;
        };
        if line.starts_with("# ") {
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 3 {
                warn(VendorWarningKind::ShortHeader);
                continue;
            }
            let (path, version, rest) = if semver::is_valid(f[2]) {
                (f[1], Some(f[2]), &f[3..])
            } else if f[2] == "=>" {
                (f[1], None, &f[2..])
            } else {
                warn(VendorWarningKind::InvalidVersion(f[2].to_owned()));
                cur = None;
                continue;
            };
            let key = (path.to_owned(), version.map(str::to_owned));
            let idx = *keys.entry(key).or_insert_with(|| {
                txt.modules.push(VendoredModule {
                    path: path.to_owned(),
                    version: version.map(str::to_owned),
                    ..VendoredModule::default()
                });
                txt.modules.len() - 1
            });
            cur = Some(idx);
            if rest.first() == Some(&"=>") {
                let replacement = match rest {
                    [_, path] => Some(VendorReplacement {
                        path: (*path).to_owned(),
                        version: None,
                    }),
                    [_, path, v] if semver::is_valid(v) => Some(VendorReplacement {
                        path: (*path).to_owned(),
                        version: Some((*v).to_owned()),
                    }),
                    _ => None,
                };
                match replacement {
                    Some(r) => txt.modules[idx].replacement = Some(r),
                    None => warn(VendorWarningKind::InvalidReplacement),
                }
            }
            continue;
        }
        let Some(idx) = cur else {
            if !line.trim().is_empty() {
                warn(VendorWarningKind::OutsideModule);
            }
            continue;
        };
        if let Some(annotations) = line.strip_prefix("## ") {
            let module = &mut txt.modules[idx];
            for entry in annotations.split(';').map(str::trim) {
                if entry == "explicit" {
                    module.explicit = true;
                }
                if let Some(v) = entry.strip_prefix("go ") {
                    module.go_version = Some(v.to_owned());
                }
            }
            continue;
        }
        match line.split_whitespace().collect::<Vec<_>>()[..] {
            [] => {}
            [pkg] if check_import_path(pkg).is_ok() => {
                txt.modules[idx].packages.push(pkg.to_owned());
                txt.package_idx.insert(pkg.to_owned(), idx);
            }
            _ => warn(VendorWarningKind::NotAPackage(line.trim().to_owned())),
        }
    }
    res
}

impl ModulesTxt {
    /// The module a vendored package belongs to.
    pub fn module_of(&self, package: &str) -> Option<&VendoredModule> {
        self.package_idx.get(package).map(|&i| &self.modules[i])
    }

    /// Whether `package` is vendored (listed under a module).
    pub fn is_vendored_package(&self, package: &str) -> bool {
        self.package_idx.contains_key(package)
    }

    /// Every vendored package with its module, sorted by import path.
    pub fn packages(&self) -> impl Iterator<Item = (&str, &VendoredModule)> {
        self.package_idx
            .iter()
            .map(|(p, &i)| (p.as_str(), &self.modules[i]))
    }

    /// The module with this path that contributes packages (the highest version if several),
    /// else any module with this path.
    pub fn module(&self, path: &str) -> Option<&VendoredModule> {
        let with_path = self.modules.iter().filter(|m| m.path == path);
        let first = with_path.clone().next();
        with_path
            .filter(|m| !m.packages.is_empty())
            .max_by(|a, b| {
                semver::compare(
                    a.version.as_deref().unwrap_or(""),
                    b.version.as_deref().unwrap_or(""),
                )
            })
            .or(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders the model one module per line: `path version [=> repl] [explicit] [go X]:
    /// packages`, then the warnings.
    fn check(src: &str, expect: &str) {
        let parsed = parse_modules_txt("vendor/modules.txt", src.as_bytes());
        let mut out = String::new();
        for m in &parsed.modules_txt.modules {
            out.push_str(&m.path);
            out.push(' ');
            out.push_str(m.version.as_deref().unwrap_or("-"));
            if let Some(r) = &m.replacement {
                out.push_str(&format!(
                    " => {} {}",
                    r.path,
                    r.version.as_deref().unwrap_or("-")
                ));
            }
            if m.explicit {
                out.push_str(" explicit");
            }
            if let Some(v) = &m.go_version {
                out.push_str(&format!(" go{v}"));
            }
            out.push_str(&format!(": {}\n", m.packages.join(" ")));
        }
        for w in &parsed.warnings {
            out.push_str(&format!("warning: {w}\n"));
        }
        assert_eq!(out, expect, "input:\n{src}");
    }

    #[test]
    fn modules_txt() {
        check(
            "# github.com/pkg/errors v0.9.1
## explicit
github.com/pkg/errors
# golang.org/x/sys v0.17.0
## explicit; go 1.18
golang.org/x/sys/unix
golang.org/x/sys/windows
# gopkg.in/yaml.v3 v3.0.1
## go 1.12
gopkg.in/yaml.v3
",
            "github.com/pkg/errors v0.9.1 explicit: github.com/pkg/errors
golang.org/x/sys v0.17.0 explicit go1.18: golang.org/x/sys/unix golang.org/x/sys/windows
gopkg.in/yaml.v3 v3.0.1 go1.12: gopkg.in/yaml.v3
",
        );
        check(
            "# example.com/a v1.0.0 => ./local/a
## explicit; go 1.21
example.com/a
example.com/a/sub
# example.com/b v1.2.0 => example.com/fork/b v1.2.1
## explicit
example.com/b
# example.com/c => ../c
## explicit; go 1.22
example.com/c
# example.com/d v0.1.0 => ./d
",
            "example.com/a v1.0.0 => ./local/a - explicit go1.21: example.com/a example.com/a/sub
example.com/b v1.2.0 => example.com/fork/b v1.2.1 explicit: example.com/b
example.com/c - => ../c - explicit go1.22: example.com/c
example.com/d v0.1.0 => ./d -: 
",
        );
        // Go 1.11-era file: no annotations, CRLF line ends.
        check(
            "# github.com/davecgh/go-spew v1.1.1\r\ngithub.com/davecgh/go-spew/spew\r\n",
            "github.com/davecgh/go-spew v1.1.1: github.com/davecgh/go-spew/spew\n",
        );
        // Unknown annotations are ignored, as by the go command.
        check(
            "# example.com/m v1.0.0\n## explicit; future thing; go 1.30\nexample.com/m\n",
            "example.com/m v1.0.0 explicit go1.30: example.com/m\n",
        );
    }

    /// `resources/gomod/vendor-modules.txt` was written by `go mod vendor` (Go 1.27) for a
    /// module with two directory replacements, one versionless.
    #[test]
    fn go_mod_vendor_output() {
        check(
            include_str!("../../resources/gomod/vendor-modules.txt"),
            "example.com/dep v1.0.0 => ../dep - explicit go1.21: example.com/dep/pkg
example.com/other v0.1.0 => ../other - explicit: example.com/other
example.com/other - => ../other -: \n",
        );
    }

    #[test]
    fn malformed() {
        check(
            "example.com/early
## explicit
# example.com/short
# example.com/bad master
example.com/bad/pkg
# example.com/ok v1.0.0 => a b c
example.com/ok
two fields
./rel
#comment
\u{1}
",
            "example.com/ok v1.0.0: example.com/ok
warning: vendor/modules.txt:1: line outside any module
warning: vendor/modules.txt:2: line outside any module
warning: vendor/modules.txt:3: module line needs a path and a version or '=>'
warning: vendor/modules.txt:4: invalid version \"master\" in module line
warning: vendor/modules.txt:5: line outside any module
warning: vendor/modules.txt:6: malformed replacement in module line
warning: vendor/modules.txt:8: not a package import path: two fields
warning: vendor/modules.txt:9: not a package import path: ./rel
warning: vendor/modules.txt:10: not a package import path: #comment
warning: vendor/modules.txt:11: not a package import path: \u{1}
",
        );
        let parsed = parse_modules_txt("m.txt", b"# a.com/m v1.0.0\na.com/\xff\n");
        assert_eq!(
            parsed.warnings[0].to_string(),
            "m.txt:2: invalid UTF-8 encoding"
        );
        check("", "");
    }

    #[test]
    fn lookups() {
        let parsed = parse_modules_txt(
            "vendor/modules.txt",
            b"# example.com/m v1.0.0\n## explicit\nexample.com/m\nexample.com/m/x\n# example.com/n v1.0.0 => ./n\n",
        );
        let txt = parsed.modules_txt;
        assert!(txt.is_vendored_package("example.com/m/x"));
        assert!(!txt.is_vendored_package("example.com/m/y"));
        assert!(!txt.is_vendored_package("example.com/n"));
        assert_eq!(
            txt.module_of("example.com/m/x").map(|m| m.path.as_str()),
            Some("example.com/m")
        );
        assert_eq!(
            txt.module("example.com/n").map(|m| m.packages.len()),
            Some(0)
        );
        let pkgs: Vec<&str> = txt.packages().map(|(p, _)| p).collect();
        assert_eq!(pkgs, ["example.com/m", "example.com/m/x"]);
    }
}
