//! The exported API of Go packages: one model ([`ApiPackage`] of [`Feature`]s), extracted
//! from a type-checked [`crate::types::Program`], with renderings in Go's `cmd/api` line
//! format ([`render_goapi`]) and as JSON (the model derives serde).
//!
//! The features and their order follow `cmd/api`'s walker (Go 1.19 `src/cmd/api/goapi.go`,
//! since Go 1.21 `main_test.go`): per package the exported package-level names in sorted
//! order; constants with their type and value, variables, functions, types with their
//! fields, interface methods and the method sets of `T` and `*T`. What each Go release's
//! walker prints differently is a [`Release`].

mod deprecated;
mod extract;
pub mod legacy;
pub mod model;
mod print;
pub mod source;
pub mod stdlib;
pub mod stub;

pub use deprecated::{doc_text, DeprecatedRule};
pub use extract::{extract_package, extract_package_for, extract_package_texts};

use crate::constant::StringStyle;

/// The Go release whose `cmd/api` output is reproduced. The walkers differ in:
/// - Go 1.20: `go/constant` prints floats that are not integers with all their digits
///   (`1.0000001` where 1.19 printed `1`);
/// - Go 1.21: `//deprecated` features (`func F //deprecated`, also for aliases) for elements
///   whose doc comment has a line starting with `// Deprecated:` (its walker panics on an
///   exported alias of an unnamed type, which Go 1.22 fixed by checking aliases first; gofed
///   prints such an alias as 1.22 does);
/// - Go 1.23: type arguments of instantiated types (`Pair[$0, $1]`, not `Pair`);
/// - Go 1.27: deprecation decided on the doc text's paragraphs (`Deprecated: ` at the start
///   of the text or of a paragraph), not on comment lines.
///
/// Go 1.20's walker is taken as 1.19's: the `//deprecated` lines first appear in
/// `api/go1.21.txt`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Release {
    /// The minor version (27 for Go 1.27).
    pub go_minor: u32,
}

impl Release {
    /// Go 1.`go_minor`'s walker.
    pub const fn go(go_minor: u32) -> Release {
        Release { go_minor }
    }

    /// How constant values are printed.
    pub fn style(self) -> StringStyle {
        if self.go_minor <= 19 {
            StringStyle::Go119
        } else {
            StringStyle::Current
        }
    }

    /// How deprecation is decided, if the walker reports it.
    pub fn deprecated_rule(self) -> Option<DeprecatedRule> {
        match self.go_minor {
            0..=20 => None,
            21..=26 => Some(DeprecatedRule::Lines),
            _ => Some(DeprecatedRule::Paragraphs),
        }
    }

    /// Whether instantiated types are printed with their type arguments.
    pub fn type_arguments(self) -> bool {
        self.go_minor >= 23
    }
}

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
    /// cmd/api's deprecation line for the element (`func F //deprecated`), when its doc
    /// comment deprecates it as the [`Release`] decides; `"deprecated": true` in JSON.
    #[cfg_attr(
        feature = "serde",
        serde(
            rename = "deprecated",
            skip_serializing_if = "Option::is_none",
            serialize_with = "serialize_is_some"
        )
    )]
    pub deprecated: Option<String>,
}

#[cfg(feature = "serde")]
fn serialize_is_some<S: serde::Serializer>(
    value: &Option<String>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_bool(value.is_some())
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
            deprecated: None,
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

/// Renders packages as cmd/api does: `pkg PATH, TEXT` lines (and the `//deprecated` line of
/// a deprecated element), sorted bytewise.
pub fn render_goapi(packages: &[ApiPackage]) -> String {
    let mut lines: Vec<String> = packages
        .iter()
        .flat_map(|pkg| feature_texts(pkg).map(move |text| format!("pkg {}, {text}", pkg.path)))
        .collect();
    lines.sort();
    lines.dedup();
    joined_lines(&lines)
}

/// One package's lines as [`render_goapi`] prints them, without the `pkg PATH, ` that each of
/// them starts with (on a big tree a third of the text): `TEXT` lines, sorted bytewise, each
/// once (the common prefix changes no order).
pub fn render_goapi_features(pkg: &ApiPackage) -> String {
    let mut texts: Vec<&str> = feature_texts(pkg).collect();
    texts.sort_unstable();
    texts.dedup();
    joined_lines(&texts)
}

/// A package's feature texts: each feature's, and the `//deprecated` line of a deprecated one.
fn feature_texts(pkg: &ApiPackage) -> impl Iterator<Item = &str> {
    pkg.features
        .iter()
        .flat_map(|f| std::iter::once(f.text.as_str()).chain(f.deprecated.as_deref()))
}

/// `lines`, each newline-terminated, in one string of exactly their size.
fn joined_lines<S: AsRef<str>>(lines: &[S]) -> String {
    let mut out = String::with_capacity(lines.iter().map(|l| l.as_ref().len() + 1).sum());
    for line in lines {
        out.push_str(line.as_ref());
        out.push('\n');
    }
    out
}
