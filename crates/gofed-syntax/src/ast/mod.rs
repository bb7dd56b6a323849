//! The syntax tree of one Go file: top-level declarations with the full type and expression
//! grammar; function bodies as spans, and as statements ([`stmt`]) when they are parsed.
//!
//! Nodes take `go/ast`'s names. Expressions (types and values share one arena, as in `go/ast`:
//! the parser cannot tell `a[b]` instantiation from indexing) live in [`File::exprs`] and are
//! named by [`ExprId`]; lists are ranges into side vectors of the file, so a file is a handful of
//! `Vec`s that moves freely between threads. Identifiers are spans into the source, which the
//! file does not own: callers keep the bytes next to the tree.

use crate::span::Span;
use crate::token::{Comment, TokenKind};

mod stmt;
pub mod walk;

pub use stmt::{Block, Stmt, StmtId, StmtList};

/// Index of an expression in [`File::exprs`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ExprId(pub u32);

/// A list of expressions: a range of [`File::expr_lists`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExprList {
    /// First index.
    pub start: u32,
    /// Number of elements.
    pub len: u32,
}

/// A list of identifiers: a range of [`File::idents`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IdentList {
    /// First index.
    pub start: u32,
    /// Number of elements.
    pub len: u32,
}

/// A parenthesised or braced list of fields (struct fields, parameters, results, type
/// parameters, interface elements): a range of [`File::fields`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FieldList {
    /// First index.
    pub start: u32,
    /// Number of fields.
    pub len: u32,
    /// From the opening to the closing delimiter (empty for an unparenthesised single result).
    pub span: Span,
}

/// A range of [`File::comments`] forming a doc comment group.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommentGroup {
    /// First comment index.
    pub start: u32,
    /// One past the last comment index.
    pub end: u32,
}

/// Channel direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChanDir {
    /// `chan T`
    Both,
    /// `chan<- T`
    Send,
    /// `<-chan T`
    Recv,
}

/// An expression or type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// Syntax that could not be parsed (an error was recorded).
    Bad,
    /// This many elements of a composite literal, parsed (for their syntax errors) and dropped:
    /// [`crate::parser::ParseMode::Declarations`] keeps only what declarations need.
    Elided(u32),
    /// `x`
    Ident,
    /// `42`, `"s"`, `'c'`
    BasicLit(TokenKind),
    /// `T{a, k: v}` (`ty` is `None` for an elided type inside another literal)
    CompositeLit {
        /// The literal's type.
        ty: Option<ExprId>,
        /// Elements (`KeyValue` for keyed ones).
        elts: ExprList,
    },
    /// `func(x int) int { ... }`.
    FuncLit {
        /// A `FuncType`.
        ty: ExprId,
        /// From `{` through `}`.
        body: Span,
        /// The body's statements, when bodies are parsed.
        block: Option<Block>,
    },
    /// `(x)`
    Paren(ExprId),
    /// `x.sel`
    Selector {
        /// Operand.
        x: ExprId,
        /// The selected identifier.
        sel: Span,
    },
    /// `x[i]` (index or instantiation with one argument)
    Index {
        /// Operand.
        x: ExprId,
        /// Index.
        index: ExprId,
    },
    /// `x[A, B]` (instantiation)
    IndexList {
        /// Operand.
        x: ExprId,
        /// Type arguments.
        indices: ExprList,
    },
    /// `x[lo:hi:max]`
    Slice {
        /// Operand.
        x: ExprId,
        /// Low bound.
        low: Option<ExprId>,
        /// High bound.
        high: Option<ExprId>,
        /// Capacity bound.
        max: Option<ExprId>,
        /// Three-index form.
        slice3: bool,
    },
    /// `x.(T)`; `ty` is `None` for `x.(type)`.
    TypeAssert {
        /// Operand.
        x: ExprId,
        /// Asserted type.
        ty: Option<ExprId>,
    },
    /// `f(a, b...)`
    Call {
        /// Function or type.
        fun: ExprId,
        /// Arguments.
        args: ExprList,
        /// Offset of `...` if present.
        ellipsis: Option<u32>,
    },
    /// `*x` (pointer type or dereference)
    Star(ExprId),
    /// `-x`, `!x`, `^x`, `&x`, `<-x`, `~T`
    Unary {
        /// Operator.
        op: TokenKind,
        /// Operand.
        x: ExprId,
    },
    /// `x op y`
    Binary {
        /// Operator.
        op: TokenKind,
        /// Left operand.
        x: ExprId,
        /// Right operand.
        y: ExprId,
    },
    /// `key: value` in a composite literal
    KeyValue {
        /// Key.
        key: ExprId,
        /// Value.
        value: ExprId,
    },
    /// `[N]T`, `[...]T` (len is an `Ellipsis`) or `[]T` (len `None`)
    ArrayType {
        /// Length.
        len: Option<ExprId>,
        /// Element type.
        elem: ExprId,
    },
    /// `...T` in a parameter list, or `...` as an array length
    Ellipsis(Option<ExprId>),
    /// `struct { ... }`
    StructType(FieldList),
    /// `func[T any](params) results`
    FuncType {
        /// Type parameters (only on declarations; parsed with an error elsewhere).
        type_params: Option<FieldList>,
        /// Parameters.
        params: FieldList,
        /// Results.
        results: Option<FieldList>,
    },
    /// `interface { M(); E; ~int | string }`
    InterfaceType(FieldList),
    /// `map[K]V`
    MapType {
        /// Key type.
        key: ExprId,
        /// Value type.
        value: ExprId,
    },
    /// `chan T`, `chan<- T`, `<-chan T`
    ChanType {
        /// Direction.
        dir: ChanDir,
        /// Element type.
        value: ExprId,
    },
}

/// A struct field, parameter, result, type parameter or interface element.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// Names; empty for embedded fields, unnamed parameters and embedded interface elements.
    pub names: IdentList,
    /// The type (for interface methods a `FuncType`).
    pub ty: ExprId,
    /// A struct field's tag literal.
    pub tag: Option<Span>,
    /// The whole field.
    pub span: Span,
}

/// A top-level declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decl {
    /// `import`, `const`, `type` or `var`.
    Gen(GenDecl),
    /// `func` (function or method).
    Func(FuncDecl),
    /// Something that is no declaration (an error was recorded).
    Bad(Span),
}

/// `import`/`const`/`type`/`var`, grouped or not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenDecl {
    /// `Import`, `Const`, `Type` or `Var`.
    pub tok: TokenKind,
    /// The whole declaration.
    pub span: Span,
    /// Offset of `(` for a grouped declaration.
    pub lparen: Option<u32>,
    /// The specs.
    pub specs: Vec<Spec>,
    /// Doc comment.
    pub doc: Option<CommentGroup>,
}

/// One spec of a [`GenDecl`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Spec {
    /// `name "path"`
    Import(ImportSpec),
    /// `a, b T = x, y` (const or var)
    Value(ValueSpec),
    /// `T[P any] = U` / `T struct{}`
    Type(TypeSpec),
}

/// An import spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportSpec {
    /// Local name (`.`, `_` or an identifier).
    pub name: Option<Span>,
    /// The path literal, quotes included (empty when missing).
    pub path: Span,
    /// The whole spec.
    pub span: Span,
    /// Doc comment.
    pub doc: Option<CommentGroup>,
}

/// A const or var spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueSpec {
    /// Names.
    pub names: IdentList,
    /// Declared type.
    pub ty: Option<ExprId>,
    /// Initial values.
    pub values: ExprList,
    /// Index within its group (`iota` for constants).
    pub iota: u32,
    /// The whole spec.
    pub span: Span,
    /// Doc comment.
    pub doc: Option<CommentGroup>,
}

/// A type spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeSpec {
    /// The type's name.
    pub name: Span,
    /// Type parameters.
    pub type_params: Option<FieldList>,
    /// Offset of `=` for an alias.
    pub assign: Option<u32>,
    /// The type.
    pub ty: ExprId,
    /// The whole spec.
    pub span: Span,
    /// Doc comment.
    pub doc: Option<CommentGroup>,
}

/// A function or method declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FuncDecl {
    /// Receiver, for methods.
    pub recv: Option<FieldList>,
    /// Name.
    pub name: Span,
    /// Type parameters (functions, and methods since Go 1.27).
    pub type_params: Option<FieldList>,
    /// Parameters.
    pub params: FieldList,
    /// Results.
    pub results: Option<FieldList>,
    /// The body from `{` through `}`; `None` for a declaration without body.
    pub body: Option<Span>,
    /// The body's statements, when bodies are parsed.
    pub block: Option<Block>,
    /// The whole declaration.
    pub span: Span,
    /// Doc comment.
    pub doc: Option<CommentGroup>,
}

/// One parsed file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct File {
    /// The package name (empty span when missing).
    pub package_name: Span,
    /// The `package` keyword's span (empty when missing).
    pub package_span: Span,
    /// Doc comment of the package clause.
    pub doc: Option<CommentGroup>,
    /// Top-level declarations in source order (imports included).
    pub decls: Vec<Decl>,
    /// Expression arena.
    pub exprs: Vec<Expr>,
    /// Span of each expression (parallel to `exprs`).
    pub expr_spans: Vec<Span>,
    /// Storage of [`ExprList`]s.
    pub expr_lists: Vec<ExprId>,
    /// Storage of [`IdentList`]s.
    pub idents: Vec<Span>,
    /// Storage of [`FieldList`]s.
    pub fields: Vec<Field>,
    /// All comments, in source order.
    pub comments: Vec<Comment>,
    /// Statement arena (empty unless bodies are parsed).
    pub stmts: Vec<Stmt>,
    /// Span of each statement (parallel to `stmts`).
    pub stmt_spans: Vec<Span>,
    /// Storage of [`StmtList`]s.
    pub stmt_lists: Vec<StmtId>,
}

impl File {
    /// The expression `id`.
    #[inline]
    pub fn expr(&self, id: ExprId) -> &Expr {
        &self.exprs[id.0 as usize]
    }

    /// The span of expression `id`.
    #[inline]
    pub fn expr_span(&self, id: ExprId) -> Span {
        self.expr_spans[id.0 as usize]
    }

    /// The expressions of a list.
    #[inline]
    pub fn expr_list(&self, list: ExprList) -> &[ExprId] {
        &self.expr_lists[list.start as usize..(list.start + list.len) as usize]
    }

    /// The identifiers of a list.
    #[inline]
    pub fn ident_list(&self, list: IdentList) -> &[Span] {
        &self.idents[list.start as usize..(list.start + list.len) as usize]
    }

    /// The statement `id`.
    #[inline]
    pub fn stmt(&self, id: StmtId) -> &Stmt {
        &self.stmts[id.0 as usize]
    }

    /// The span of statement `id`.
    #[inline]
    pub fn stmt_span(&self, id: StmtId) -> Span {
        self.stmt_spans[id.0 as usize]
    }

    /// The statements of a list.
    #[inline]
    pub fn stmt_list(&self, list: StmtList) -> &[StmtId] {
        &self.stmt_lists[list.start as usize..(list.start + list.len) as usize]
    }

    /// The fields of a list.
    #[inline]
    pub fn field_list(&self, list: FieldList) -> &[Field] {
        &self.fields[list.start as usize..(list.start + list.len) as usize]
    }

    /// All import specs, in source order.
    pub fn imports(&self) -> impl Iterator<Item = &ImportSpec> {
        self.decls
            .iter()
            .flat_map(|decl| match decl {
                Decl::Gen(gen) if gen.tok == TokenKind::Import => gen.specs.as_slice(),
                _ => &[],
            })
            .filter_map(|spec| match spec {
                Spec::Import(import) => Some(import),
                _ => None,
            })
    }

    /// The comments of a doc group.
    pub fn comment_group(&self, group: CommentGroup) -> &[Comment] {
        &self.comments[group.start as usize..group.end as usize]
    }
}
