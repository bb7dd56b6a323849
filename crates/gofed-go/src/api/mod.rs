//! The exported API of Go packages: one model ([`ApiPackage`] of [`Feature`]s), extracted
//! from a type-checked [`crate::types::Program`], with renderings in Go's `cmd/api` line
//! format ([`render_goapi`]) and as JSON (the model derives serde).
//!
//! The features and their order follow `cmd/api`'s walker (Go 1.19 `src/cmd/api/goapi.go`):
//! per package the exported package-level names in sorted order; constants with their type
//! and value, variables, functions, types with their fields, interface methods and the
//! method sets of `T` and `*T`.

mod extract;
pub mod legacy;
mod print;
pub mod source;
pub mod stdlib;
pub mod stub;

pub use extract::extract_package;

/// The API of one package.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ApiPackage {
    /// Import path.
    pub path: String,
    /// Package name.
    pub name: String,
    /// Features in cmd/api's emission order.
    pub features: Vec<Feature>,
    /// Problems found while checking the package (its API may be incomplete there).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub errors: Vec<String>,
}

/// One element of a package's API.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Feature {
    /// What kind of element.
    pub kind: FeatureKind,
    /// The name (`T.M` for methods, `T.F` for fields).
    pub name: String,
    /// cmd/api's text after `pkg P, ` (e.g. `func Open(string) (*File, error)`).
    pub text: String,
    /// Where the element is declared (`file:line:col`), for package-level names.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub position: Option<String>,
    /// The first sentence of its doc comment.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Option::is_none"))]
    pub doc: Option<String>,
}

impl Feature {
    /// A feature without position and doc.
    pub fn new(kind: FeatureKind, name: impl Into<String>, text: String) -> Feature {
        Feature {
            kind,
            name: name.into(),
            text,
            position: None,
            doc: None,
        }
    }
}

/// The kinds of API elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(rename_all = "snake_case")
)]
pub enum FeatureKind {
    /// `const X T` / `const X = V`
    Const,
    /// `var X T`
    Var,
    /// `func F(...)`
    Func,
    /// `type T ...`
    Type,
    /// `type T struct, F T`
    Field,
    /// `type T struct, embedded E`
    Embedded,
    /// `type I interface, M(...)`
    InterfaceMethod,
    /// `method (T) M(...)`
    Method,
}

/// Whether a package's API is reported: what other projects can import. Commands
/// (`package main`) and `internal` packages are no one else's API; in a GOROOT, cmd/api walks
/// `go list std` without vendored packages and `unsafe` (and `go list std` has no
/// `runtime/cgo` without cgo).
pub fn is_api_package(path: &str, name: &str, in_goroot: bool, cgo: bool) -> bool {
    if name == "main" || name.is_empty() || path.split('/').any(|e| e == "internal") {
        return false;
    }
    if in_goroot {
        return !path.starts_with("vendor/") && path != "unsafe" && (cgo || path != "runtime/cgo");
    }
    true
}

/// Renders packages as cmd/api does: `pkg PATH, TEXT` lines, sorted bytewise.
pub fn render_goapi(packages: &[ApiPackage]) -> String {
    let mut lines: Vec<String> = packages
        .iter()
        .flat_map(|pkg| {
            pkg.features
                .iter()
                .map(move |f| format!("pkg {}, {}", pkg.path, f.text))
        })
        .collect();
    lines.sort();
    lines.dedup();
    let mut out = String::with_capacity(lines.iter().map(|l| l.len() + 1).sum());
    for line in lines {
        out.push_str(&line);
        out.push('\n');
    }
    out
}
