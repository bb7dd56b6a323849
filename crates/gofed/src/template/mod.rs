//! The part of Go's `text/template` that `go list -f` users rely on, evaluated over the JSON
//! value of a package, so that a template sees exactly the field names of `--format json`.
//!
//! ```text
//! template text ──lex──▶ items ──parse──▶ Vec<Node> (AST) ──exec(JSON value, Go type)──▶ text
//! ```
//!
//! Supported, with Go's semantics and Go's error messages: text and actions, `{{- -}}` trim
//! markers, `{{/* comments */}}`, fields and chains (`.Error.Err`, `(pipeline).Field`),
//! variables (`$`, `$x := ...`, `$x = ...`), pipelines with `|`, parenthesised pipelines,
//! string, raw string, character, number, boolean and `nil` literals, `{{if}}`/`{{else
//! if}}`/`{{else}}`, `{{range}}` (slices, maps in key order, integers; one or two variables;
//! `{{else}}`, `{{break}}`, `{{continue}}`), `{{with}}`/`{{else with}}`, and the functions `and`,
//! `or`, `not`, `len`, `index`, `print`, `printf`, `println`, `eq`, `ne`, `lt`, `le`, `gt`,
//! `ge`, `html`, `urlquery`, plus go list's `join` (`strings.Join`).
//!
//! Not supported (a parse error says so): `{{define}}`, `{{template}}`, `{{block}}`, complex
//! numbers, and the functions `call`, `js`, `slice` and go list's `context` and `module`.
//! Methods are not modelled: `{{.Error.Error}}` is an error, but printing `{{.Error}}` or
//! `{{.Module}}` prints what Go's `Error()`/`String()` methods print.
//!
//! Go's templates reflect over typed Go values; here the data is a `serde_json::Value` plus a
//! static description of the Go types ([`Ty`], [`StructTy`]). The types give what JSON alone
//! cannot: the zero value of a field that `omitempty` left out (`{{.Incomplete}}` prints
//! `false`, `{{.GoFiles}}` prints `[]`, `{{.Error}}` prints `<nil>`), Go's errors for unknown
//! fields (`can't evaluate field Foo in type *load.PackagePublic`) and nil pointers, and the
//! type names in Go's messages.
//!
//! Why not a crate: `gtmpl` has had no release since 2021 and `gotmpl` (maintained) needs Rust
//! 1.89 (the workspace supports 1.85); both evaluate over untyped maps, so an omitted field
//! would print `<no value>` where `go list` prints `false` or `[]`, `{{.Error}}` would print a
//! map instead of the error text, and `.Foo` would not be an error.

mod exec;
mod format;
mod lex;
mod parse;

use std::fmt;

pub use exec::execute;
pub use parse::Template;

/// A template error, formatted as Go formats it (`template: main:1:2: ...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError(pub String);

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TemplateError {}

/// A Go type, as far as templates need it.
#[derive(Clone, Copy, Debug)]
pub enum Ty {
    /// `string`.
    String,
    /// `bool`.
    Bool,
    /// `int`.
    Int,
    /// `float64`.
    Float,
    /// `[]T`.
    Slice(&'static Ty),
    /// `map[string]T`.
    // No field gofed fills in is a map yet (go list's ImportMap is not computed).
    #[allow(dead_code)]
    Map(&'static Ty),
    /// `*T` of a struct type; JSON `null` is the nil pointer.
    Ptr(&'static StructTy),
}

/// A Go method that prints a struct (`Error()` or `String()`), given its JSON object.
pub type Display = fn(&serde_json::Map<String, serde_json::Value>) -> String;

/// A Go struct type: its fields and, when the Go type has an `Error()` or `String()` method,
/// what that method returns (`fmt` prints that instead of the fields).
#[derive(Debug)]
pub struct StructTy {
    /// The qualified name Go's messages use (`load.PackagePublic`).
    pub name: &'static str,
    /// The exported fields, in declaration order.
    pub fields: &'static [(&'static str, Ty)],
    /// Fields the Go type has that the data never fills in: naming one is an error that
    /// says so, rather than a silent zero value.
    pub not_computed: &'static [&'static str],
    /// `Error()` or `String()`, given the struct's JSON object.
    pub display: Option<Display>,
}

impl StructTy {
    fn field(&self, name: &str) -> Option<Ty> {
        self.fields
            .iter()
            .find(|(field, _)| *field == name)
            .map(|(_, ty)| *ty)
    }
}

impl Ty {
    /// Go's spelling of the type (`[]string`, `*load.PackageError`).
    pub fn go_name(&self) -> String {
        match self {
            Ty::String => "string".to_owned(),
            Ty::Bool => "bool".to_owned(),
            Ty::Int => "int".to_owned(),
            Ty::Float => "float64".to_owned(),
            Ty::Slice(elem) => format!("[]{}", elem.go_name()),
            Ty::Map(elem) => format!("map[string]{}", elem.go_name()),
            Ty::Ptr(strukt) => format!("*{}", strukt.name),
        }
    }

    /// The zero value, as it appears in JSON (what `omitempty` left out).
    fn zero(&self) -> serde_json::Value {
        match self {
            Ty::String => serde_json::Value::String(String::new()),
            Ty::Bool => serde_json::Value::Bool(false),
            Ty::Int => serde_json::Value::from(0),
            Ty::Float => serde_json::Value::from(0.0),
            Ty::Slice(_) => serde_json::Value::Array(Vec::new()),
            Ty::Map(_) => serde_json::Value::Object(serde_json::Map::new()),
            Ty::Ptr(_) => serde_json::Value::Null,
        }
    }
}

/// Runs `f` with enough stack for deep nesting: Go's templates nest `{{if}}`s without a limit
/// (goroutine stacks grow), and parentheses up to 10,000 levels.
pub(crate) fn with_stack<R>(f: impl FnOnce() -> R) -> R {
    stacker::maybe_grow(64 * 1024, 2 * 1024 * 1024, f)
}

#[cfg(test)]
mod tests;
