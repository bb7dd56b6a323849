//! Type checking of package-level declarations: the part of go/types the API engine needs.
//!
//! A [`Program`] holds packages by import path and resolves package-level objects lazily:
//! constants (with go/constant values), variables (types inferred from initialisers), types
//! (named types, aliases, generics) and functions and methods. Function bodies are never
//! looked at. Packages are pulled in on demand through a [`PackageSource`] (the analysed tree,
//! a GOROOT), so only what the exported API reaches is checked.
//!
//! Errors never stop the check: an unresolvable name or an invalid expression gives
//! [`Type::Invalid`] and a [`CheckError`] on the package; the rest is still resolved. Cycles
//! (`type A B; type B A`, `const C = len([C]int{})`) are detected and reported, never
//! followed forever.

mod arena;
pub(crate) mod check;
mod collect;
pub mod methodset;
mod sizes;
pub mod ty;
pub mod typestring;
mod universe;
pub mod uses;

use std::sync::Arc;

// The checker's maps hash with foldhash (seeded per process), not std's SipHash: it looks up
// names and ids millions of times on a big tree, and SipHash was 0.7 s of user time of
// `gofed api /usr/share/gocode/src` (6.4 -> 5.7 s).
use foldhash::{HashMap, HashMapExt as _};

use crate::ast::File;
use crate::budget::{Budget, BudgetError};
use crate::constant::Value;

pub use check::{
    alias_type_args, default_type, imported_package, is_exported, mentions_type_params,
    named_type_params, param_type, representable, subst, unify, STACK_RED_ZONE, STACK_SEGMENT,
};
pub use sizes::Sizes;
pub use ty::{
    BasicKind, Field, IfaceMethod, Interface, NamedId, PkgId, Signature, Struct, Term, Type,
    TypeId, TypeParamId,
};

/// One source file of a package: its name, bytes and tree.
#[derive(Debug)]
pub struct SourceFile {
    /// File name (for errors).
    pub name: String,
    /// The bytes (shared with the loader that read them).
    pub src: Arc<[u8]>,
    /// The parsed file (bodies skipped).
    pub ast: File,
    /// The parser's errors (the tree is what could be made of the rest).
    pub syntax_errors: Vec<crate::diagnostic::SyntaxError>,
    /// Line starts, built when a position is first shown.
    lines: std::sync::OnceLock<crate::span::LineIndex>,
}

impl SourceFile {
    /// A file from its name, bytes and tree.
    pub fn new(name: String, src: impl Into<Arc<[u8]>>, ast: File) -> SourceFile {
        SourceFile {
            name,
            src: src.into(),
            ast,
            syntax_errors: Vec::new(),
            lines: std::sync::OnceLock::new(),
        }
    }

    /// A file from its name, bytes and what the parser made of them (errors included).
    pub fn parsed(
        name: String,
        src: impl Into<Arc<[u8]>>,
        parsed: crate::parser::Parsed,
    ) -> SourceFile {
        SourceFile {
            syntax_errors: parsed.errors,
            ..SourceFile::new(name, src, parsed.file)
        }
    }

    /// The syntax errors, positioned.
    pub fn syntax_diagnostics(&self) -> impl Iterator<Item = crate::diagnostic::Diagnostic> + '_ {
        self.syntax_errors
            .iter()
            .map(|err| self.diagnostic(err.span.start, err.message(&self.src)))
    }

    /// A problem at a byte offset of this file.
    pub fn diagnostic(&self, offset: u32, message: String) -> crate::diagnostic::Diagnostic {
        let pos = self.line_col(offset);
        crate::diagnostic::Diagnostic {
            file: self.name.clone(),
            line: pos.line,
            col: pos.col,
            message,
        }
    }

    /// Line and column of a byte offset.
    pub fn line_col(&self, offset: u32) -> crate::span::LineCol {
        self.lines
            .get_or_init(|| crate::span::LineIndex::new(&self.src))
            .line_col(offset)
    }
}

/// A package's files as the build context selects them.
#[derive(Debug, Clone)]
pub struct PackageInput {
    /// The import path.
    pub path: String,
    /// The files (GoFiles and CgoFiles).
    pub files: Vec<Arc<SourceFile>>,
}

impl PackageInput {
    /// The package name: the first file's `package` clause that has one (empty when none has).
    pub fn package_name(&self) -> String {
        self.files
            .iter()
            .map(|f| f.ast.package_name.text(&f.src))
            .find(|n| !n.is_empty())
            .unwrap_or_default()
            .to_owned()
    }
}

/// Where imported packages come from (shared by checkers running on several threads).
pub trait PackageSource: Sync {
    /// The package an import `path` written in package `importer` refers to (after vendor
    /// resolution), or `None` when it is not available.
    fn import(&self, importer: &str, path: &str) -> Option<PackageInput>;
}

impl<S: PackageSource + Send> PackageSource for Arc<S> {
    fn import(&self, importer: &str, path: &str) -> Option<PackageInput> {
        (**self).import(importer, path)
    }
}

/// Packages held in memory (sources parsed once): for tests and for tools that already
/// have the bytes.
#[derive(Debug, Default)]
pub struct MemorySource(HashMap<String, Vec<Arc<SourceFile>>>);

impl MemorySource {
    /// Packages from (import path, [(file name, source)]) pairs.
    pub fn new(packages: &[(&str, &[(&str, &str)])]) -> MemorySource {
        let mut map = HashMap::new();
        for (path, files) in packages {
            let files = files
                .iter()
                .map(|(name, src)| {
                    let src = src.as_bytes().to_vec();
                    let parsed = crate::parser::parse_file(&src);
                    Arc::new(SourceFile::parsed((*name).to_owned(), src, parsed))
                })
                .collect();
            map.insert((*path).to_owned(), files);
        }
        MemorySource(map)
    }
}

impl PackageSource for MemorySource {
    fn import(&self, _importer: &str, path: &str) -> Option<PackageInput> {
        let files = self.0.get(path)?.clone();
        Some(PackageInput {
            path: path.to_owned(),
            files,
        })
    }
}

/// A problem found while checking, attached to a package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckError {
    /// File name.
    pub file: String,
    /// Byte offset in the file.
    pub offset: u32,
    /// What.
    pub message: String,
}

/// A package-level object.
#[derive(Clone, Debug)]
pub struct Object {
    /// Its name.
    pub name: Box<str>,
    /// Its package (`None` for universe objects).
    pub pkg: Option<PkgId>,
    /// What it is, once resolved.
    pub kind: ObjKind,
    /// Where it is declared.
    decl: Option<DeclRef>,
    state: ObjState,
}

/// Index of an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjId(pub u32);

/// The kinds of objects.
#[derive(Clone, Debug)]
pub enum ObjKind {
    /// Not resolved yet (or failed).
    Pending,
    /// `const X T = v`
    Const {
        /// Type (possibly untyped).
        ty: TypeId,
        /// Value (boxed: a big number makes a `Value` 64 bytes, and every other kind of
        /// object would be as large).
        val: Box<Value>,
    },
    /// `var X T`
    Var {
        /// Type.
        ty: TypeId,
    },
    /// `type T ...` (`alias` for `type T = U`).
    TypeName {
        /// The named type, or the aliased type.
        ty: TypeId,
        /// An alias declaration.
        alias: bool,
    },
    /// `func F(...)`
    Func {
        /// A `Signature` type.
        sig: TypeId,
    },
    /// A builtin function (`len`, `unsafe.Sizeof`, ...).
    Builtin(Builtin),
    /// `nil`
    Nil,
}

/// Builtin functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Builtin {
    Append,
    Cap,
    Clear,
    Close,
    Complex,
    Copy,
    Delete,
    Imag,
    Len,
    Make,
    Max,
    Min,
    New,
    Panic,
    Print,
    Println,
    Real,
    Recover,
    Alignof,
    Offsetof,
    Sizeof,
    Add,
    Slice,
    SliceData,
    String,
    StringData,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ObjState {
    Unresolved,
    Resolving,
    Done,
}

/// Where an object is declared: file, declaration, spec and name indexes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct DeclRef {
    file: u32,
    decl: u32,
    spec: u32,
    name: u32,
}

/// An import of one file.
#[derive(Clone, Debug)]
struct FileImport {
    /// The path as written.
    path: String,
    /// The local name as written (`.`, `_` or a name), if any.
    local: Option<String>,
    /// The package, once looked up (`Some(None)`: not available).
    pkg: Option<Option<PkgId>>,
}

/// The types of the arena with one hash (nearly always one).
/// A declared type.
#[derive(Clone, Debug)]
pub struct Named {
    /// The type's object.
    pub obj: ObjId,
    /// Its package (`None` for `error` and `comparable`).
    pub pkg: Option<PkgId>,
    /// Its name.
    pub name: String,
    /// Type parameters (`TypeParam` types), once resolved.
    pub type_params: Vec<TypeId>,
    /// The underlying type, once resolved.
    pub underlying: Option<TypeId>,
    /// Declared methods.
    pub methods: Vec<Method>,
    state: ObjState,
    tparams_state: ObjState,
    decl: Option<DeclRef>,
    /// Known not to contain itself (go/types' `validType`), or already reported.
    validated: bool,
}

/// A method declared on a named type.
#[derive(Clone, Debug)]
pub struct Method {
    /// Name.
    pub name: Box<str>,
    /// Signature, once resolved (`None` until then).
    pub sig: Option<TypeId>,
    /// Pointer receiver.
    pub ptr_recv: bool,
    /// The receiver's type parameters (`TypeParam` types of the method's own).
    pub recv_type_params: Box<[TypeId]>,
    /// The alias the receiver is written as (`func (R) M()` with `type R = T`): go/types
    /// keeps the alias as the receiver's type, so x/exp/apidiff names the method `R.M`.
    pub recv_alias: Option<Box<str>>,
    decl: DeclRef,
}

/// A type parameter.
#[derive(Clone, Debug)]
pub struct TypeParamData {
    /// Its name.
    pub name: String,
    /// Index in its list (cmd/api prints `$index`).
    pub index: u32,
    /// Constraint (an interface type), once resolved.
    pub constraint: TypeId,
}

/// The written type of a declaration ([`Program::object_type_syntax`]).
#[derive(Clone, Copy, Debug)]
pub enum TypeSyntax {
    /// A type expression.
    Expr(crate::ast::ExprId),
    /// A func declaration's signature.
    Func {
        /// Parameters.
        params: crate::ast::FieldList,
        /// Results.
        results: Option<crate::ast::FieldList>,
    },
}

/// A checked package.
#[derive(Debug)]
pub struct Package {
    /// Import path.
    pub path: String,
    /// Package name.
    pub name: String,
    /// The files.
    pub files: Vec<Arc<SourceFile>>,
    /// Package scope: name → object.
    pub scope: HashMap<String, ObjId>,
    /// Problems found.
    pub errors: Vec<CheckError>,
    /// Imports per file, resolved lazily.
    file_imports: Vec<Vec<FileImport>>,
    /// Whether the package is a stand-in for an import that could not be loaded: it has no
    /// files, its name is the one the import path suggests, and its scope holds a placeholder
    /// type for each exported name the importers use as a type (see [`Program::placeholder`]).
    pub missing: bool,
    /// Set while the files are released ([`Program::release_files`]): what they were, so that
    /// the same bytes are recognised when they come back.
    released: Option<Vec<FileStamp>>,
}

/// What identifies a released file: its name, length and a hash of its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileStamp {
    name: String,
    len: usize,
    hash: u64,
}

impl FileStamp {
    fn of(file: &SourceFile) -> FileStamp {
        // Not a defence against an adversary, only against an edit between two reads: a
        // multiply-xor over 8-byte words runs at memory speed (every file of a tree is
        // stamped when released).
        let mut words = file.src.chunks_exact(8);
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for word in &mut words {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            hash = (hash ^ u64::from_le_bytes(w)).wrapping_mul(0x0000_0100_0000_01b3);
            hash ^= hash >> 29;
        }
        for &b in words.remainder() {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        FileStamp {
            name: file.name.clone(),
            len: file.src.len(),
            hash,
        }
    }
}

/// The type checker's state: every package reached, the type arena and the universe.
pub struct Program<'s> {
    source: &'s dyn PackageSource,
    budget: &'s Budget,
    sizes: Sizes,
    types: arena::TypeArena,
    /// All declared types.
    pub named: Vec<Named>,
    /// All type parameters.
    pub type_params: Vec<TypeParamData>,
    /// All objects.
    pub objects: Vec<Object>,
    /// All packages.
    pub packages: Vec<Package>,
    by_path: HashMap<String, PkgId>,
    universe: HashMap<&'static str, ObjId>,
    unsafe_pkg: Option<PkgId>,
    /// Import paths that could not be loaded, with the importing package.
    pub unresolved_imports: Vec<(String, String)>,
    /// The stand-in package of each import path that could not be loaded (one per path, so
    /// that all its importers share its placeholder types).
    placeholders: HashMap<String, PkgId>,
    /// Predeclared types.
    pub basic: HashMap<BasicKind, TypeId>,
    /// The `error` type.
    pub error_type: TypeId,
    /// The `comparable` type.
    pub comparable_type: TypeId,
    /// The empty interface.
    pub empty_interface: TypeId,
    invalid: TypeId,
    /// Objects being resolved, innermost last: a cycle is the part from the repeated one on.
    resolving: Vec<ObjId>,
    /// The type parameters of each generic alias (`type A[P any] = T`), once resolved.
    alias_type_params: HashMap<ObjId, Vec<TypeId>>,
    /// Declared types whose underlying type is being resolved, innermost last.
    resolving_named: Vec<NamedId>,
    /// Method lists of interface types, computed once each (`methodset::interface_methods`).
    iface_methods: HashMap<TypeId, Arc<[methodset::MethodEntry]>>,
}

impl<'s> Program<'s> {
    /// A program that loads packages from `source` with type sizes `sizes`.
    pub fn new(source: &'s dyn PackageSource, sizes: Sizes) -> Program<'s> {
        let mut program = Program {
            source,
            budget: Budget::unlimited_ref(),
            sizes,
            types: arena::TypeArena::new(),
            named: Vec::new(),
            type_params: Vec::new(),
            objects: Vec::new(),
            packages: Vec::new(),
            by_path: HashMap::new(),
            universe: HashMap::new(),
            unsafe_pkg: None,
            unresolved_imports: Vec::new(),
            placeholders: HashMap::new(),
            basic: HashMap::new(),
            error_type: TypeId(0),
            comparable_type: TypeId(0),
            empty_interface: TypeId(0),
            invalid: TypeId(0),
            iface_methods: HashMap::new(),
            resolving: Vec::new(),
            alias_type_params: HashMap::new(),
            resolving_named: Vec::new(),
        };
        program.invalid = program.intern(Type::Invalid);
        universe::populate(&mut program);
        program
    }

    /// Checks and charges `budget` from now on: once it is exhausted or cancelled, objects
    /// are no longer resolved (they stay [`ObjKind::Pending`]) and [`Program::budget_error`]
    /// says why.
    pub fn set_budget(&mut self, budget: &'s Budget) {
        self.budget = budget;
    }

    /// The budget in use.
    pub fn budget(&self) -> &'s Budget {
        self.budget
    }

    /// Why the check stopped early, if it did (the results are then incomplete).
    pub fn budget_error(&self) -> Option<BudgetError> {
        self.budget.check().err()
    }

    /// The type `id`.
    #[inline]
    pub fn ty(&self, id: TypeId) -> &Type {
        self.types.get(id)
    }

    /// The invalid type.
    pub fn invalid(&self) -> TypeId {
        self.invalid
    }

    /// Interns a type: structurally equal types get the same id (so ids compare types
    /// identically, except that distinct declared types stay distinct).
    pub fn intern(&mut self, ty: Type) -> TypeId {
        let (id, added) = self.types.intern(ty);
        if added {
            // The arena holds the type, its index an id, plus a rough allowance for its
            // lists. A breach is seen by the next object resolution (interning itself
            // cannot fail).
            let _ = self
                .budget
                .charge("type arena", std::mem::size_of::<Type>() as u64 + 64);
        }
        id
    }

    /// The type of a basic kind.
    pub fn basic(&self, kind: BasicKind) -> TypeId {
        self.basic.get(&kind).copied().unwrap_or(self.invalid)
    }

    /// The package with this import path, loading and collecting it if needed. `None` when
    /// the source does not have it.
    pub fn package(&mut self, importer: &str, path: &str) -> Option<PkgId> {
        if path == "unsafe" {
            return self.unsafe_pkg;
        }
        if let Some(&id) = self.by_path.get(path) {
            return Some(id);
        }
        let input = self.source.import(importer, path)?;
        if let Some(&id) = self.by_path.get(&input.path) {
            return Some(id);
        }
        Some(collect::add_package(self, input))
    }

    /// The stand-in for an import path that could not be loaded (created on first use; not
    /// found by [`Program::package_by_path`], which only knows loaded packages).
    pub(crate) fn placeholder_package(&mut self, path: &str) -> PkgId {
        collect::placeholder_package(self, path)
    }

    /// Whether `ty` is a placeholder type of a package that could not be loaded (or an
    /// instance of one): what the source names, with nothing known about it.
    pub fn is_placeholder(&self, ty: TypeId) -> bool {
        match self.ty(ty) {
            Type::Named(n) | Type::Instance { named: n, .. } => self.named[n.0 as usize]
                .pkg
                .is_some_and(|pkg| self.packages[pkg.0 as usize].missing),
            _ => false,
        }
    }

    /// Drops the program's hold on package `id`'s files (syntax trees and bytes) when the
    /// package has no syntax or type errors (its diagnostics need no positions then). Call it
    /// once nothing still to be checked imports the package: the objects it resolved stay, and
    /// should a later resolution need a declaration again, the files are imported again from
    /// the source (the same bytes give the same trees). Returns whether they were released.
    pub fn release_files(&mut self, id: PkgId) -> bool {
        let Some(pkg) = self.packages.get_mut(id.0 as usize) else {
            return false;
        };
        if pkg.missing
            || pkg.released.is_some()
            || !pkg.errors.is_empty()
            || pkg.files.iter().any(|f| !f.syntax_errors.is_empty())
        {
            return false;
        }
        let stamps = pkg.files.iter().map(|f| FileStamp::of(f)).collect();
        pkg.released = Some(stamps);
        pkg.files = Vec::new();
        true
    }

    /// Whether package `id`'s files are released now.
    pub fn files_released(&self, id: PkgId) -> bool {
        self.packages
            .get(id.0 as usize)
            .is_some_and(|pkg| pkg.released.is_some())
    }

    /// Brings package `pkg`'s files back when they were released. A file that changed on disk
    /// since is replaced by an empty one (its declarations are then not found, never misread
    /// as others).
    pub(crate) fn restore_files(&mut self, pkg: PkgId) {
        let Some(package) = self.packages.get(pkg.0 as usize) else {
            return;
        };
        let Some(stamps) = package.released.clone() else {
            return;
        };
        let input = self.source.import("", &package.path);
        let found = input.map(|input| input.files).unwrap_or_default();
        let same = found.len() == stamps.len()
            && found
                .iter()
                .zip(&stamps)
                .all(|(f, s)| FileStamp::of(f) == *s);
        let mut errors = Vec::new();
        let files = if same {
            found
        } else {
            errors = stamps
                .iter()
                .map(|s| CheckError {
                    file: s.name.clone(),
                    offset: 0,
                    message: "the file changed while its package was checked; its declarations \
                              are left out"
                        .to_owned(),
                })
                .collect();
            stamps
                .iter()
                .map(|s| {
                    Arc::new(SourceFile::parsed(
                        s.name.clone(),
                        Vec::new(),
                        crate::parser::parse_file(b""),
                    ))
                })
                .collect()
        };
        let package = &mut self.packages[pkg.0 as usize];
        package.files = files;
        package.released = None;
        package.errors.extend(errors);
    }

    /// Looks up a package already added.
    pub fn package_by_path(&self, path: &str) -> Option<PkgId> {
        self.by_path.get(path).copied()
    }

    /// The package `id`.
    pub fn pkg(&self, id: PkgId) -> &Package {
        &self.packages[id.0 as usize]
    }

    /// Resolves (if needed) and returns an object.
    pub fn object(&mut self, id: ObjId) -> &Object {
        check::resolve_object(self, id);
        &self.objects[id.0 as usize]
    }

    /// The underlying type of `ty` (resolving declared types as needed).
    pub fn underlying(&mut self, ty: TypeId) -> TypeId {
        check::underlying(self, ty)
    }

    /// Resolves a declared type's type parameters, underlying type and method signatures.
    pub fn complete_named(&mut self, named: NamedId) {
        check::complete_named(self, named);
    }

    /// The type sizes in use.
    pub fn sizes(&self) -> Sizes {
        self.sizes
    }

    /// Where an object is declared (`file:line:col`) and the first sentence of its doc
    /// comment.
    pub fn object_source(&self, id: ObjId) -> Option<(String, Option<String>)> {
        let (file, offset, doc) = self.object_decl(id)?;
        let pos = file.line_col(offset);
        let doc = doc.and_then(|group| doc_summary(file.ast.comment_group(group), &file.src));
        Some((format!("{}:{}:{}", file.name, pos.line, pos.col), doc))
    }

    /// Records a problem found outside the checker (by the API printer) at the name of a
    /// package-level object's declaration.
    pub fn report_at_object(&mut self, id: ObjId, message: String) {
        let Some(pkg) = self.objects[id.0 as usize].pkg else {
            return;
        };
        self.restore_files(pkg);
        let Some((file, offset, _)) = self.object_decl(id) else {
            return;
        };
        let file = file.name.clone();
        self.packages[pkg.0 as usize].errors.push(CheckError {
            file,
            offset,
            message,
        });
    }

    /// The file, name offset and doc comment of a package-level object's declaration.
    fn object_decl(
        &self,
        id: ObjId,
    ) -> Option<(&SourceFile, u32, Option<crate::ast::CommentGroup>)> {
        let obj = &self.objects[id.0 as usize];
        let (pkg, decl) = (obj.pkg?, obj.decl?);
        let file = self.packages[pkg.0 as usize]
            .files
            .get(decl.file as usize)?;
        let ast = &file.ast;
        let (offset, doc) = match ast.decls.get(decl.decl as usize)? {
            crate::ast::Decl::Gen(gen) => match gen.specs.get(decl.spec as usize)? {
                crate::ast::Spec::Value(v) => {
                    let name = ast.ident_list(v.names).get(decl.name as usize)?;
                    (name.start, v.doc.or(gen.doc))
                }
                crate::ast::Spec::Type(t) => (t.name.start, t.doc.or(gen.doc)),
                crate::ast::Spec::Import(_) => return None,
            },
            crate::ast::Decl::Func(f) => (f.name.start, f.doc),
            crate::ast::Decl::Bad(_) => return None,
        };
        Some((file, offset, doc))
    }

    /// Where a package-level var's written type, a type declaration's type or a func's
    /// signature is in the syntax: the file and the type expression or the func's parameter
    /// and result lists (`None` for other objects, a var without written type, or a package
    /// whose files are gone).
    pub fn object_type_syntax(&self, id: ObjId) -> Option<(Arc<SourceFile>, TypeSyntax)> {
        let obj = &self.objects[id.0 as usize];
        let (pkg, decl) = (obj.pkg?, obj.decl?);
        let file = self.packages[pkg.0 as usize]
            .files
            .get(decl.file as usize)?;
        let syntax = match file.ast.decls.get(decl.decl as usize)? {
            crate::ast::Decl::Gen(gen) => match gen.specs.get(decl.spec as usize)? {
                crate::ast::Spec::Value(v) => TypeSyntax::Expr(v.ty?),
                crate::ast::Spec::Type(t) => TypeSyntax::Expr(t.ty),
                crate::ast::Spec::Import(_) => return None,
            },
            crate::ast::Decl::Func(f) if f.recv.is_none() => TypeSyntax::Func {
                params: f.params,
                results: f.results,
            },
            _ => return None,
        };
        Some((Arc::clone(file), syntax))
    }

    /// The names of generic alias `obj`'s type parameters (none for other objects).
    pub fn alias_type_param_names(&self, obj: ObjId) -> Vec<String> {
        let Some(tparams) = self.alias_type_params.get(&obj) else {
            return Vec::new();
        };
        tparams
            .iter()
            .filter_map(|&t| match self.ty(t) {
                Type::TypeParam(id) => Some(self.type_params[id.0 as usize].name.clone()),
                _ => None,
            })
            .collect()
    }

    /// Where method `name` declared on `named` has its signature in the syntax: the file and
    /// the parameter and result lists (`None` for a method not declared on it, or a package
    /// whose files are gone).
    pub fn method_type_syntax(
        &self,
        named: NamedId,
        name: &str,
    ) -> Option<(Arc<SourceFile>, TypeSyntax)> {
        let n = &self.named[named.0 as usize];
        let method = n.methods.iter().find(|m| &*m.name == name)?;
        let file = self.packages[n.pkg?.0 as usize]
            .files
            .get(method.decl.file as usize)?;
        match file.ast.decls.get(method.decl.decl as usize)? {
            crate::ast::Decl::Func(f) => Some((
                Arc::clone(file),
                TypeSyntax::Func {
                    params: f.params,
                    results: f.results,
                },
            )),
            _ => None,
        }
    }

    /// The syntax errors of a package's files and the errors its check found so far (objects
    /// are resolved lazily: extract the API first), sorted by position, each once.
    pub fn package_diagnostics(&self, id: PkgId) -> Vec<crate::diagnostic::Diagnostic> {
        let pkg = &self.packages[id.0 as usize];
        let mut out: Vec<crate::diagnostic::Diagnostic> = Vec::new();
        for file in &pkg.files {
            out.extend(file.syntax_diagnostics());
        }
        for err in &pkg.errors {
            match pkg.files.iter().find(|f| f.name == err.file) {
                Some(file) => out.push(file.diagnostic(err.offset, err.message.clone())),
                None => out.push(crate::diagnostic::Diagnostic {
                    file: err.file.clone(),
                    ..crate::diagnostic::Diagnostic::unpositioned(err.message.clone())
                }),
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

/// The first sentence of a doc comment (go/doc's synopsis, simplified).
fn doc_summary(comments: &[crate::token::Comment], src: &[u8]) -> Option<String> {
    let mut text = String::new();
    for c in comments {
        let raw = c.span.text(src);
        let body = raw
            .strip_prefix("//")
            .map(str::to_owned)
            .or_else(|| {
                raw.strip_prefix("/*")
                    .and_then(|r| r.strip_suffix("*/"))
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        // Directives (`//go:generate`) are not documentation.
        if body.starts_with("go:") || body.starts_with("line ") {
            continue;
        }
        for line in body.lines() {
            let line = line.trim();
            if line.is_empty() {
                if !text.is_empty() {
                    return Some(text);
                }
                continue;
            }
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(line);
            if let Some(end) = text.find(". ") {
                text.truncate(end + 1);
                return Some(text);
            }
        }
    }
    (!text.is_empty()).then_some(text)
}
