//! gofed-ng's historical API shape (`gofed api --format gofed`), for old consumers.
//!
//! # The historical shape
//!
//! gofed-ng's `api_analysis` action (`fridex/gofed-ng`, `services/api/service.py`) returned
//! `gofedlib.gosymbolsextractor.api(src_path)`: the list built by
//! `GoSymbolsExtractor.getProjectExportedAPI` (`gofed/gofedlib`, `gosymbolsextractor.py`;
//! later `gofedlib/go/symbolsextractor/extractor.py`, `_getProjectExportedAPI`). gofedlib ran
//! a small go/ast program on every file (`gofed/gofedlib`, `parseGo.go`) and recoded its
//! output with `GoTypeCoder` (`gofed/gofedlib`, `coder.py`). The result was validated by the
//! "Golang project exported api artefact" JSON schema (`gofed/infra`,
//! `gofedinfra/system/artefacts/schemas/golang-project-exported-api.json`, its `packages`
//! property), and a real instance is `gofed/gofedlib`, `go/apidiff/testdata/api1.json`:
//!
//! ```json
//! [{"package": "pkg/crc",
//!   "datatypes": [{"name": "Status", "def": {"type": "struct", "fields": [
//!                    {"name": "State", "def": {"type": "identifier", "def": "string"}}]}}],
//!   "functions": [
//!     {"name": "New", "def": {"type": "function",
//!        "params": [{"type": "identifier", "def": "uint32"},
//!                   {"type": "pointer", "def": {"type": "selector",
//!                      "prefix": {"type": "identifier", "def": "crc32"}, "item": "Table"}}],
//!        "results": [{"type": "selector", "prefix": {"type": "identifier", "def": "hash"},
//!                     "item": "Hash32"}]}},
//!     {"name": "Size", "def": {"type": "method",
//!        "receiver": {"type": "pointer", "def": {"type": "identifier", "def": "digest"}},
//!        "def": {"type": "function", "params": [],
//!                "results": [{"type": "identifier", "def": "int"}]}}}],
//!   "variables": [{"name": "Size"}]}]
//! ```
//!
//! Per package (`getProjectExportedAPI`): `package` (the directory relative to the project
//! root, `.` for the root), `datatypes` (`{name, def}`), `functions` (`{name, def}`) and
//! `variables` (`{name}` only: parseGo's `AddVar` kept names, `codeVariableType` emitted
//! `{"name": ...}`). Type descriptions (`coder.py`, schema `definitions`), all tagged by
//! `type`:
//!
//! | Go | JSON |
//! | --- | --- |
//! | `T` | `{"type": "identifier", "def": "T"}` (predeclared or not: `int`, `byte`, `error`) |
//! | `pkg.T` | `{"type": "selector", "prefix": {identifier pkg}, "item": "T"}` |
//! | `*T` | `{"type": "pointer", "def": T}` |
//! | `[]T` | `{"type": "slice", "elmtype": T}` |
//! | `[N]T` | `{"type": "array", "elmtype": T}` (no length: parseGo left it out) |
//! | `map[K]V` | `{"type": "map", "keytype": K, "valuetype": V}` |
//! | `chan T` | `{"type": "channel", "dir": "3", "value": T}` (`"1"` `chan<-`, `"2"` `<-chan`) |
//! | `...T` | `{"type": "ellipsis", "def": T}` (variadic parameter) |
//! | `func(P) R` | `{"type": "function", "params": [..], "results": [..]}` |
//! | `struct{..}` | `{"type": "struct", "fields": [{"name": "F", "def": T}]}` (embedded: `"name": ""`) |
//! | `interface{..}` | `{"type": "interface", "methods": [{"name": "M", "def": {function}}]}` |
//! | method | `{"type": "method", "receiver": T, "def": {function}}` |
//!
//! What gofedlib listed, and so what this module lists:
//!
//! - package-level names with an upper-case first letter (`ast.IsExported`): types,
//!   functions, and constants *and* variables together under `variables` (parseGo's
//!   `AddVar` ran on every `ValueSpec`; the schema's `constants` was never filled);
//! - every method with an exported name, whatever its receiver (`(*digest).Size` above);
//! - every struct field and interface method, exported or not (`IntervalTree`'s `root` and
//!   `count` in `api1.json`);
//! - a parameter or result once per name (`a, b int` is two), once if unnamed;
//! - names and types as written in the source (the description is syntactic: `byte` stays
//!   `byte`, `io.Writer` keeps the import's local name as prefix, `type A = B` is `A`
//!   described as `B`);
//! - declarations in source order, file after file; no `_test.go` file and no package
//!   named `main` (`extract`: "skip all main packages").
//!
//! gofed-ng's `api_diff` action (`gofed/gofedlib`, `goapidiff.py`; later
//! `gofedlib/go/apidiff/apidiff.py`; schema `gofed/infra`,
//! `gofedinfra/system/artefacts/schemas/golang-projects-api-diff.json`) compared two such
//! lists: `{"newpackages": [path..], "removedpackages": [path..], "updatedpackages":
//! [{"package", "types"?, "functions"?, "variables"?}]}`, each of the three per-package
//! entries `{"new": [..], "removed": [..], "updated": ["-type differs: ..", ..]}` with empty
//! keys left out; functions are keyed `Recv.Name` for methods, `Name` otherwise.
//!
//! # Deviations
//!
//! - The files are those of the [`Program`]'s package (selected by the build context);
//!   gofedlib parsed every `.go` file of a directory, so a function defined in two files
//!   for different platforms appeared twice.
//! - `package` is the import path; [`make_relative`] turns it into gofedlib's
//!   root-relative directory (`.` for the root).
//! - Packages come in the order given (gofedlib's came in Python dict order).
//! - `(T)` is described as `T` (gofedlib's coder had no case for parenthesised types and
//!   wrote `{}`).
//! - A method with an unnamed receiver (`func (T) M()`) is a method (parseGo counted
//!   receivers by name and so listed it as a plain function).
//! - Syntax gofedlib could not handle (its parser gave up on the whole file) has these
//!   additions, each left out when empty so that pre-generics code gives the historical
//!   output exactly: `"typeparams": [{"name", "def"}]` on generic types and functions,
//!   `"args": [..]` on an instantiated identifier or selector (`List[int]`), and
//!   `"embedded": [..]` on interfaces (gofedlib dropped embedded interfaces and type
//!   elements, which have no name). Expressions without a structural description (union
//!   terms, `~T`, syntax errors) become an identifier holding the source text.
//! - Types nested deeper than [`MAX_DEPTH`] levels are cut off the same way: an identifier
//!   holding the source text.

use crate::ast::{ChanDir, Decl, Expr, ExprId, FieldList, File, Spec};
use crate::token::TokenKind;
use crate::types::{is_exported, PkgId, Program};

/// How deep a type description may nest before the rest is written as source text.
pub const MAX_DEPTH: u32 = 200;

/// One package in gofed-ng's API shape.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct LegacyPackage {
    /// The package (its import path; see [`make_relative`]).
    pub package: String,
    /// Exported types.
    pub datatypes: Vec<LegacyDataType>,
    /// Exported functions, and methods with exported names.
    pub functions: Vec<LegacyFunction>,
    /// Exported constants and variables.
    pub variables: Vec<LegacyVariable>,
}

/// `{"name": "T", "def": TYPE}`
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct LegacyDataType {
    /// Type name.
    pub name: String,
    /// Its definition.
    pub def: LegacyType,
    /// Type parameters (an addition; left out when empty).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub typeparams: Vec<LegacyField>,
}

/// `{"name": "F", "def": FUNCTION-or-METHOD}`
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct LegacyFunction {
    /// Function or method name.
    pub name: String,
    /// A [`LegacyType::Function`], or a [`LegacyType::Method`] for methods.
    pub def: LegacyType,
    /// Type parameters (an addition; left out when empty).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
    pub typeparams: Vec<LegacyField>,
}

/// `{"name": "V"}`: a constant or variable (gofedlib kept no type).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct LegacyVariable {
    /// Name.
    pub name: String,
}

/// `{"name": "F", "def": TYPE}`: a struct field (`""` when embedded), an interface method
/// (its `def` a [`LegacyType::Function`]) or a type parameter (its `def` the constraint).
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct LegacyField {
    /// Name.
    pub name: String,
    /// Type.
    pub def: LegacyType,
}

/// A type description, tagged by `"type"`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize),
    serde(tag = "type", rename_all = "lowercase")
)]
pub enum LegacyType {
    /// `T`: `{"type": "identifier", "def": "T"}`
    Identifier {
        /// The name as written (or the source text of what has no description).
        def: String,
        /// Type arguments of an instantiation (an addition; left out when empty).
        #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
        args: Vec<LegacyType>,
    },
    /// `pkg.T`: `{"type": "selector", "prefix": {identifier}, "item": "T"}`
    Selector {
        /// What is selected from (the package's local name as written).
        prefix: Box<LegacyType>,
        /// The selected name.
        item: String,
        /// Type arguments of an instantiation (an addition; left out when empty).
        #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
        args: Vec<LegacyType>,
    },
    /// `*T`: `{"type": "pointer", "def": T}`
    Pointer {
        /// Pointed type.
        def: Box<LegacyType>,
    },
    /// `[]T`: `{"type": "slice", "elmtype": T}`
    Slice {
        /// Element type.
        elmtype: Box<LegacyType>,
    },
    /// `[N]T`: `{"type": "array", "elmtype": T}` (the length was never recorded)
    Array {
        /// Element type.
        elmtype: Box<LegacyType>,
    },
    /// `map[K]V`: `{"type": "map", "keytype": K, "valuetype": V}`
    Map {
        /// Key type.
        keytype: Box<LegacyType>,
        /// Value type.
        valuetype: Box<LegacyType>,
    },
    /// `chan T`: `{"type": "channel", "dir": "3", "value": T}`
    Channel {
        /// `"1"` send-only, `"2"` receive-only, `"3"` both (go/ast's `ChanDir` bits).
        dir: String,
        /// Element type.
        value: Box<LegacyType>,
    },
    /// `...T` (a variadic parameter): `{"type": "ellipsis", "def": T}`
    Ellipsis {
        /// Element type.
        def: Box<LegacyType>,
    },
    /// `func(P) R`: `{"type": "function", "params": [..], "results": [..]}`
    Function {
        /// Parameter types, one per name.
        params: Vec<LegacyType>,
        /// Result types, one per name.
        results: Vec<LegacyType>,
    },
    /// A method: `{"type": "method", "receiver": T, "def": {function}}`
    Method {
        /// Receiver type (`T` or `*T`).
        receiver: Box<LegacyType>,
        /// The signature, a [`LegacyType::Function`].
        def: Box<LegacyType>,
    },
    /// `interface{..}`: `{"type": "interface", "methods": [{"name", "def"}]}`
    Interface {
        /// Methods written in the interface (unexported ones too).
        methods: Vec<LegacyField>,
        /// Embedded interfaces and type elements (an addition; left out when empty).
        #[cfg_attr(feature = "serde", serde(skip_serializing_if = "Vec::is_empty"))]
        embedded: Vec<LegacyType>,
    },
    /// `struct{..}`: `{"type": "struct", "fields": [{"name", "def"}]}`
    Struct {
        /// Fields, one per name (unexported ones too); `""` names an embedded field.
        fields: Vec<LegacyField>,
    },
}

impl LegacyType {
    fn ident(name: impl Into<String>) -> LegacyType {
        LegacyType::Identifier {
            def: name.into(),
            args: Vec::new(),
        }
    }
}

/// The API of `pkgs` in gofed-ng's shape (`[{package, datatypes, functions, variables}]`).
///
/// Packages named `main` and packages that could not be loaded are left out, as are
/// `_test.go` files; see the module documentation for what is listed and how.
pub fn gofed_legacy(p: &mut Program, pkgs: &[PkgId]) -> Vec<LegacyPackage> {
    let p: &Program = p;
    pkgs.iter()
        .filter_map(|&id| {
            let pkg = p.pkg(id);
            if pkg.missing || pkg.name == "main" {
                return None;
            }
            let mut out = LegacyPackage {
                package: pkg.path.clone(),
                datatypes: Vec::new(),
                functions: Vec::new(),
                variables: Vec::new(),
            };
            for file in &pkg.files {
                if file.name.ends_with("_test.go") {
                    continue;
                }
                let coder = Coder {
                    file: &file.ast,
                    src: &file.src,
                };
                coder.file_symbols(&mut out);
            }
            Some(out)
        })
        .collect()
}

/// Rewrites import paths as gofedlib's directories relative to the project root `root`
/// (an import path): `root` itself becomes `.`, `root/a/b` becomes `a/b`; other paths are
/// left as they are.
pub fn make_relative(packages: &mut [LegacyPackage], root: &str) {
    let root = root.trim_end_matches('/');
    for pkg in packages {
        if pkg.package == root {
            pkg.package = ".".to_owned();
        } else if let Some(rest) = pkg
            .package
            .strip_prefix(root)
            .and_then(|r| r.strip_prefix('/'))
        {
            pkg.package = rest.to_owned();
        }
    }
}

/// Describes the declarations of one file (parseGo plus `GoTypeCoder`).
struct Coder<'a> {
    file: &'a File,
    src: &'a [u8],
}

impl Coder<'_> {
    fn file_symbols(&self, out: &mut LegacyPackage) {
        for decl in &self.file.decls {
            match decl {
                Decl::Gen(gen) => {
                    for spec in &gen.specs {
                        match spec {
                            Spec::Value(v)
                                if matches!(gen.tok, TokenKind::Const | TokenKind::Var) =>
                            {
                                for name in self.file.ident_list(v.names) {
                                    let name = name.text(self.src);
                                    if is_exported(name) {
                                        out.variables.push(LegacyVariable {
                                            name: name.to_owned(),
                                        });
                                    }
                                }
                            }
                            Spec::Type(t) => {
                                let name = t.name.text(self.src);
                                if is_exported(name) {
                                    out.datatypes.push(LegacyDataType {
                                        name: name.to_owned(),
                                        def: self.ty(t.ty, 0),
                                        typeparams: self.type_params(t.type_params),
                                    });
                                }
                            }
                            _ => {}
                        }
                    }
                }
                Decl::Func(f) => {
                    let name = f.name.text(self.src);
                    if !is_exported(name) {
                        continue;
                    }
                    let sig = self.signature(f.params, f.results, 0);
                    let receiver = f
                        .recv
                        .and_then(|recv| self.file.field_list(recv).first())
                        .map(|field| self.ty(field.ty, 0));
                    let def = match receiver {
                        Some(receiver) => LegacyType::Method {
                            receiver: Box::new(receiver),
                            def: Box::new(sig),
                        },
                        None => sig,
                    };
                    out.functions.push(LegacyFunction {
                        name: name.to_owned(),
                        def,
                        typeparams: self.type_params(f.type_params),
                    });
                }
                Decl::Bad(_) => {}
            }
        }
    }

    fn text(&self, e: ExprId) -> String {
        let text = self.file.expr_span(e).text(self.src).trim();
        if text.is_empty() {
            "invalid".to_owned()
        } else {
            text.to_owned()
        }
    }

    /// Types of a parameter or result list, once per name (once if unnamed).
    fn list(&self, list: FieldList, depth: u32) -> Vec<LegacyType> {
        let mut out = Vec::new();
        for field in self.file.field_list(list) {
            let ty = self.ty(field.ty, depth + 1);
            let n = (field.names.len as usize).max(1);
            out.extend(std::iter::repeat_n(ty, n));
        }
        out
    }

    fn signature(&self, params: FieldList, results: Option<FieldList>, depth: u32) -> LegacyType {
        LegacyType::Function {
            params: self.list(params, depth),
            results: results.map_or_else(Vec::new, |r| self.list(r, depth)),
        }
    }

    fn type_params(&self, list: Option<FieldList>) -> Vec<LegacyField> {
        let Some(list) = list else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for field in self.file.field_list(list) {
            let constraint = self.ty(field.ty, 1);
            for name in self.file.ident_list(field.names) {
                out.push(LegacyField {
                    name: name.text(self.src).to_owned(),
                    def: constraint.clone(),
                });
            }
        }
        out
    }

    fn boxed(&self, e: ExprId, depth: u32) -> Box<LegacyType> {
        Box::new(self.ty(e, depth + 1))
    }

    /// The description of type expression `e` (parseGo's `parseTypes` recoded by
    /// `GoTypeCoder._type_to_json`).
    fn ty(&self, e: ExprId, depth: u32) -> LegacyType {
        if depth > MAX_DEPTH {
            return LegacyType::ident(self.text(e));
        }
        match self.file.expr(e) {
            Expr::Ident => LegacyType::ident(self.text(e)),
            Expr::Selector { x, sel } => LegacyType::Selector {
                prefix: self.boxed(*x, depth),
                item: sel.text(self.src).to_owned(),
                args: Vec::new(),
            },
            Expr::Paren(inner) => self.ty(*inner, depth + 1),
            Expr::Star(inner) => LegacyType::Pointer {
                def: self.boxed(*inner, depth),
            },
            Expr::ArrayType { len, elem } => {
                let elmtype = self.boxed(*elem, depth);
                match len {
                    None => LegacyType::Slice { elmtype },
                    Some(_) => LegacyType::Array { elmtype },
                }
            }
            Expr::MapType { key, value } => LegacyType::Map {
                keytype: self.boxed(*key, depth),
                valuetype: self.boxed(*value, depth),
            },
            Expr::ChanType { dir, value } => LegacyType::Channel {
                dir: match dir {
                    ChanDir::Send => "1",
                    ChanDir::Recv => "2",
                    ChanDir::Both => "3",
                }
                .to_owned(),
                value: self.boxed(*value, depth),
            },
            Expr::Ellipsis(Some(elem)) => LegacyType::Ellipsis {
                def: self.boxed(*elem, depth),
            },
            Expr::FuncType {
                params, results, ..
            } => self.signature(*params, *results, depth),
            Expr::StructType(list) => {
                let mut fields = Vec::new();
                for field in self.file.field_list(*list) {
                    let def = self.ty(field.ty, depth + 1);
                    let names = self.file.ident_list(field.names);
                    if names.is_empty() {
                        fields.push(LegacyField {
                            name: String::new(),
                            def,
                        });
                    } else {
                        for name in names {
                            fields.push(LegacyField {
                                name: name.text(self.src).to_owned(),
                                def: def.clone(),
                            });
                        }
                    }
                }
                LegacyType::Struct { fields }
            }
            Expr::InterfaceType(list) => {
                let mut methods = Vec::new();
                let mut embedded = Vec::new();
                for field in self.file.field_list(*list) {
                    let def = self.ty(field.ty, depth + 1);
                    let names = self.file.ident_list(field.names);
                    if names.is_empty() {
                        embedded.push(def);
                    } else {
                        for name in names {
                            methods.push(LegacyField {
                                name: name.text(self.src).to_owned(),
                                def: def.clone(),
                            });
                        }
                    }
                }
                LegacyType::Interface { methods, embedded }
            }
            Expr::Index { x, index } => self.instance(e, *x, &[*index], depth),
            Expr::IndexList { x, indices } => {
                let indices = self.file.expr_list(*indices).to_vec();
                self.instance(e, *x, &indices, depth)
            }
            _ => LegacyType::ident(self.text(e)),
        }
    }

    /// `G[A, B]`: the generic type's description with `args`.
    fn instance(&self, e: ExprId, x: ExprId, indices: &[ExprId], depth: u32) -> LegacyType {
        let args: Vec<LegacyType> = indices.iter().map(|&i| self.ty(i, depth + 1)).collect();
        match self.ty(x, depth + 1) {
            LegacyType::Identifier { def, args: none } if none.is_empty() => {
                LegacyType::Identifier { def, args }
            }
            LegacyType::Selector {
                prefix,
                item,
                args: none,
            } if none.is_empty() => LegacyType::Selector { prefix, item, args },
            _ => LegacyType::ident(self.text(e)),
        }
    }
}

#[cfg(test)]
mod tests {

    use super::*;
    use crate::types::{MemorySource, Sizes};

    fn legacy(packages: &[(&str, &[(&str, &str)])], wanted: &[&str]) -> Vec<LegacyPackage> {
        let source = MemorySource::new(packages);
        let mut program = Program::new(&source, Sizes::for_arch("amd64"));
        let ids: Vec<PkgId> = wanted
            .iter()
            .map(|path| program.package("", path).expect("package"))
            .collect();
        gofed_legacy(&mut program, &ids)
    }

    fn id(name: &str) -> LegacyType {
        LegacyType::ident(name)
    }

    fn ptr(t: LegacyType) -> LegacyType {
        LegacyType::Pointer { def: Box::new(t) }
    }

    fn func(params: Vec<LegacyType>, results: Vec<LegacyType>) -> LegacyType {
        LegacyType::Function { params, results }
    }

    fn sel(prefix: &str, item: &str) -> LegacyType {
        LegacyType::Selector {
            prefix: Box::new(id(prefix)),
            item: item.to_owned(),
            args: Vec::new(),
        }
    }

    fn field(name: &str, def: LegacyType) -> LegacyField {
        LegacyField {
            name: name.to_owned(),
            def,
        }
    }

    /// The etcd `pkg/crc` and `error` packages of gofedlib's `api1.json`, cut down.
    const CRC: &str = r#"package crc

import (
	"hash"
	"hash/crc32"
)

const Size = 4

type digest struct {
	crc uint32
	tab *crc32.Table
}

func New(prev uint32, tab *crc32.Table) hash.Hash32 { return nil }

func (d *digest) Size() int { return Size }

func (d *digest) Write(p []byte) (n int, err error) { return 0, nil }

func (d *digest) reset() {}
"#;

    #[test]
    fn functions_methods_and_variables_as_gofedlib_wrote_them() {
        let got = legacy(
            &[("go.etcd.io/etcd/pkg/crc", &[("crc.go", CRC)])],
            &["go.etcd.io/etcd/pkg/crc"],
        );
        assert_eq!(got.len(), 1);
        let pkg = &got[0];
        assert_eq!(pkg.package, "go.etcd.io/etcd/pkg/crc");
        assert!(pkg.datatypes.is_empty(), "digest is unexported");
        assert_eq!(
            pkg.variables,
            vec![LegacyVariable {
                name: "Size".to_owned()
            }]
        );
        let digest = ptr(id("digest"));
        let method = |params, results| LegacyType::Method {
            receiver: Box::new(digest.clone()),
            def: Box::new(func(params, results)),
        };
        let byte_slice = LegacyType::Slice {
            elmtype: Box::new(id("byte")),
        };
        let want = vec![
            (
                "New",
                func(
                    vec![id("uint32"), ptr(sel("crc32", "Table"))],
                    vec![sel("hash", "Hash32")],
                ),
            ),
            ("Size", method(vec![], vec![id("int")])),
            (
                "Write",
                method(vec![byte_slice], vec![id("int"), id("error")]),
            ),
        ];
        let got: Vec<(&str, LegacyType)> = pkg
            .functions
            .iter()
            .map(|f| (f.name.as_str(), f.def.clone()))
            .collect();
        assert_eq!(got, want);
    }

    const TYPES: &str = r#"package p

import (
	ctx "context"
	"io"
)

type Status struct {
	State string
	a, b  int
	io.Reader
	*Inner
	Tags map[string][]*Inner
	Ch   <-chan struct{}
	Out  chan<- int
	Both chan (bool)
	Buf  [16]byte
}

type Inner struct{}

type Agent interface {
	ID() uint64
	Start(args ...string) (int, error)
	io.Closer
	invalidate()
}

type Job func(ctx.Context)

type Comparable = string

type Int64Comparable int64

type List[T any] struct{ items []T }

func (l *List[T]) Push(v T) {}

func (Inner) Anonymous() {}

func Map[T, U any](xs List[T], f func(T) U) *List[U] { return nil }

var (
	Default = &Status{}
	hidden  = 1
	A, B    int
)

func init() {}
func helper() {}
"#;

    #[test]
    fn types_are_described_structurally_from_the_source() {
        let got = legacy(
            &[(
                "p",
                &[
                    ("p.go", TYPES),
                    ("p_test.go", "package p\nfunc TestX() {}\n"),
                ],
            )],
            &["p"],
        );
        let pkg = &got[0];
        let names: Vec<&str> = pkg.datatypes.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Status",
                "Inner",
                "Agent",
                "Job",
                "Comparable",
                "Int64Comparable",
                "List"
            ]
        );

        let inner = id("Inner");
        let status = LegacyType::Struct {
            fields: vec![
                field("State", id("string")),
                field("a", id("int")),
                field("b", id("int")),
                field("", sel("io", "Reader")),
                field("", ptr(inner.clone())),
                field(
                    "Tags",
                    LegacyType::Map {
                        keytype: Box::new(id("string")),
                        valuetype: Box::new(LegacyType::Slice {
                            elmtype: Box::new(ptr(inner.clone())),
                        }),
                    },
                ),
                field(
                    "Ch",
                    LegacyType::Channel {
                        dir: "2".to_owned(),
                        value: Box::new(LegacyType::Struct { fields: vec![] }),
                    },
                ),
                field(
                    "Out",
                    LegacyType::Channel {
                        dir: "1".to_owned(),
                        value: Box::new(id("int")),
                    },
                ),
                field(
                    "Both",
                    LegacyType::Channel {
                        dir: "3".to_owned(),
                        value: Box::new(id("bool")),
                    },
                ),
                field(
                    "Buf",
                    LegacyType::Array {
                        elmtype: Box::new(id("byte")),
                    },
                ),
            ],
        };
        assert_eq!(pkg.datatypes[0].def, status);
        assert_eq!(pkg.datatypes[1].def, LegacyType::Struct { fields: vec![] });
        assert_eq!(
            pkg.datatypes[2].def,
            LegacyType::Interface {
                methods: vec![
                    field("ID", func(vec![], vec![id("uint64")])),
                    field(
                        "Start",
                        func(
                            vec![LegacyType::Ellipsis {
                                def: Box::new(id("string"))
                            }],
                            vec![id("int"), id("error")]
                        )
                    ),
                    field("invalidate", func(vec![], vec![])),
                ],
                embedded: vec![sel("io", "Closer")],
            }
        );
        assert_eq!(
            pkg.datatypes[3].def,
            func(vec![sel("ctx", "Context")], vec![])
        );
        assert_eq!(pkg.datatypes[4].def, id("string"));
        assert_eq!(pkg.datatypes[5].def, id("int64"));
        let t = id("T");
        assert_eq!(pkg.datatypes[6].typeparams, vec![field("T", id("any"))]);
        assert_eq!(
            pkg.datatypes[6].def,
            LegacyType::Struct {
                fields: vec![field(
                    "items",
                    LegacyType::Slice {
                        elmtype: Box::new(t.clone())
                    }
                )]
            }
        );

        let list_of = |arg: &str| LegacyType::Identifier {
            def: "List".to_owned(),
            args: vec![id(arg)],
        };
        let funcs: Vec<(&str, LegacyType)> = pkg
            .functions
            .iter()
            .map(|f| (f.name.as_str(), f.def.clone()))
            .collect();
        assert_eq!(
            funcs,
            vec![
                (
                    "Push",
                    LegacyType::Method {
                        receiver: Box::new(ptr(list_of("T"))),
                        def: Box::new(func(vec![t.clone()], vec![])),
                    }
                ),
                (
                    "Anonymous",
                    LegacyType::Method {
                        receiver: Box::new(inner),
                        def: Box::new(func(vec![], vec![])),
                    }
                ),
                (
                    "Map",
                    func(
                        vec![list_of("T"), func(vec![t], vec![id("U")])],
                        vec![ptr(list_of("U"))]
                    )
                ),
            ]
        );
        assert_eq!(
            pkg.functions[2].typeparams,
            vec![field("T", id("any")), field("U", id("any"))]
        );
        let vars: Vec<&str> = pkg.variables.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(vars, ["Default", "A", "B"]);
    }

    #[test]
    fn main_packages_are_skipped_and_paths_made_relative() {
        let mut got = legacy(
            &[
                ("example.com/proj", &[("a.go", "package proj\nvar X int\n")]),
                ("example.com/proj/sub/pkg", &[("b.go", "package pkg\n")]),
                (
                    "example.com/proj/cmd/tool",
                    &[("main.go", "package main\nfunc Run() {}\n")],
                ),
                ("example.com/project2", &[("c.go", "package project2\n")]),
            ],
            &[
                "example.com/proj",
                "example.com/proj/sub/pkg",
                "example.com/proj/cmd/tool",
                "example.com/project2",
            ],
        );
        make_relative(&mut got, "example.com/proj/");
        let paths: Vec<&str> = got.iter().map(|p| p.package.as_str()).collect();
        assert_eq!(paths, [".", "sub/pkg", "example.com/project2"]);
        assert!(
            got[1].datatypes.is_empty()
                && got[1].functions.is_empty()
                && got[1].variables.is_empty()
        );
    }

    #[test]
    fn deep_and_broken_types_do_not_overflow() {
        let deep = format!(
            "package p\ntype Deep {}int\ntype Bad [\n",
            "[]".repeat(5000)
        );
        let got = legacy(&[("p", &[("p.go", deep.as_str())])], &["p"]);
        let mut def = &got[0].datatypes[0].def;
        let mut levels = 0;
        while let LegacyType::Slice { elmtype } = def {
            def = elmtype;
            levels += 1;
        }
        assert!(levels <= MAX_DEPTH as usize + 1, "{levels}");
        assert!(matches!(def, LegacyType::Identifier { def, .. } if def.ends_with("[]int")));
    }

    #[cfg(feature = "serde")]
    #[test]
    fn json_matches_gofedlib_api1_json() {
        let got = legacy(
            &[("go.etcd.io/etcd/pkg/crc", &[("crc.go", CRC)])],
            &["go.etcd.io/etcd/pkg/crc"],
        );
        let mut got = got;
        make_relative(&mut got, "go.etcd.io/etcd");
        let json = serde_json::to_value(&got).unwrap();
        // From gofed/gofedlib go/apidiff/testdata/api1.json (the "pkg/crc" entry, trimmed to
        // the declarations above).
        let want: serde_json::Value = serde_json::from_str(
            r#"[{"variables": [{"name": "Size"}], "datatypes": [], "functions": [
              {"name": "New", "def": {"params": [{"type": "identifier", "def": "uint32"}, {"type": "pointer", "def": {"item": "Table", "prefix": {"type": "identifier", "def": "crc32"}, "type": "selector"}}], "type": "function", "results": [{"item": "Hash32", "prefix": {"type": "identifier", "def": "hash"}, "type": "selector"}]}},
              {"name": "Size", "def": {"type": "method", "def": {"params": [], "type": "function", "results": [{"type": "identifier", "def": "int"}]}, "receiver": {"type": "pointer", "def": {"type": "identifier", "def": "digest"}}}},
              {"name": "Write", "def": {"type": "method", "def": {"params": [{"elmtype": {"type": "identifier", "def": "byte"}, "type": "slice"}], "type": "function", "results": [{"type": "identifier", "def": "int"}, {"type": "identifier", "def": "error"}]}, "receiver": {"type": "pointer", "def": {"type": "identifier", "def": "digest"}}}}
            ], "package": "pkg/crc"}]"#,
        )
        .unwrap();
        assert_eq!(json, want);
    }

    #[cfg(feature = "serde")]
    #[test]
    fn json_of_the_other_kinds() {
        let got = legacy(&[("p", &[("p.go", TYPES)])], &["p"]);
        let json = serde_json::to_value(&got[0]).unwrap();
        let dt = &json["datatypes"];
        assert_eq!(
            dt[0]["def"]["fields"][5],
            serde_json::json!({"name": "Tags", "def": {"type": "map",
                "keytype": {"type": "identifier", "def": "string"},
                "valuetype": {"type": "slice", "elmtype": {"type": "pointer",
                    "def": {"type": "identifier", "def": "Inner"}}}}})
        );
        assert_eq!(
            dt[0]["def"]["fields"][6],
            serde_json::json!({"name": "Ch", "def": {"type": "channel", "dir": "2",
                "value": {"type": "struct", "fields": []}}})
        );
        assert_eq!(
            dt[2]["def"],
            serde_json::json!({"type": "interface", "methods": [
                {"name": "ID", "def": {"type": "function", "params": [],
                    "results": [{"type": "identifier", "def": "uint64"}]}},
                {"name": "Start", "def": {"type": "function",
                    "params": [{"type": "ellipsis", "def": {"type": "identifier", "def": "string"}}],
                    "results": [{"type": "identifier", "def": "int"}, {"type": "identifier", "def": "error"}]}},
                {"name": "invalidate", "def": {"type": "function", "params": [], "results": []}}],
                "embedded": [{"type": "selector", "prefix": {"type": "identifier", "def": "io"}, "item": "Closer"}]})
        );
        assert_eq!(
            dt[1],
            serde_json::json!({"name": "Inner", "def": {"type": "struct", "fields": []}})
        );
        assert_eq!(
            dt[6]["typeparams"],
            serde_json::json!([{"name": "T", "def": {"type": "identifier", "def": "any"}}])
        );
        assert_eq!(
            json["functions"][0]["def"]["receiver"],
            serde_json::json!({"type": "pointer", "def": {"type": "identifier", "def": "List",
                "args": [{"type": "identifier", "def": "T"}]}})
        );
        assert_eq!(
            json["variables"],
            serde_json::json!([{"name": "Default"}, {"name": "A"}, {"name": "B"}])
        );
    }
}
