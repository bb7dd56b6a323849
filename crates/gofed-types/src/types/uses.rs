//! The uses one package makes of other packages' exported objects, as go/types records them
//! in `Info.Uses` and `Info.Selections` (issue #15's "uses"), in declarations and in function
//! bodies (parsed here, one at a time, with [`parse_body`]).
//!
//! Two kinds of uses are told apart:
//! - **names** whose object follows from scopes alone: qualified identifiers (`fmt.Println`:
//!   the `Sel` of a selector whose operand is a name no local declaration shadows and that
//!   names an import) and dot-imported names (`Println` after `import . "fmt"`);
//! - **members**, which need the type of an expression: fields and methods selected on values
//!   (`x.f`, `x.m()`, promoted through embedded fields or not, methods of interfaces and of
//!   type parameters' constraints), method expressions (`T.m`), and field names as keys of
//!   struct literals (`T{F: 1}`, elided inner literals included).
//!
//! The types of body expressions are the package-level checker's ([`super::check::expr`]),
//! run with the body's local names in its [`Env`]: parameters and results from the signature,
//! variables from their declared types or initialisers (`:=`, tuples, comma-ok forms), range
//! variables from the ranged type, the type switch's symbol per clause, local constants and
//! types. A use whose operand's type cannot be told (an error, something the checker does not
//! model yet) is left out, never guessed.
//!
//! Scopes follow the Go specification: a local constant or variable is in scope after its
//! declaration (`x := x` reads the outer `x`), a local type from its name on, parameters and
//! results in the function's body, `if`/`for`/`switch` headers and `case` clauses in scopes of
//! their own.

use std::sync::Arc;

use crate::ast::{Block, Expr, ExprId, FieldList, File, Spec, Stmt, StmtId, StmtList};
use crate::ast::{Decl, FuncDecl, GenDecl};
use crate::parser::{parse_body, parse_file};
use crate::span::Span;
use crate::token::TokenKind;

use super::check::{
    declare_type_params, default_type, expr, expr_or_type, is_exported, lookup, named_type_params,
    param_type, receiver_type_arg_names, tuple, type_expr, underlying, Env, Local, Mode, Operand,
    Resolved,
};
use super::methodset::{interface_methods, lookup_member};
use super::ty::{BasicKind, PkgId, Type, TypeId};
use super::{Builtin, ObjId, ObjKind, Program, SourceFile};

/// How an identifier reaches another package's object (the `KIND` of `gouses`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UseKind {
    /// `pkg.Name`
    Qualified,
    /// `Name`, brought in by `import . "pkg"`
    Dot,
    /// `x.f`: a field of a value.
    Field,
    /// `x.m`: a method of a value (called or not).
    Method,
    /// `T.m`: a method expression.
    MethodExpr,
    /// `T{F: v}`: a field name as a struct literal's key.
    Key,
    /// A value of one type used as another package's interface type: assigned, passed,
    /// returned, sent, put in a composite literal or converted (its position is the value's), or
    /// a type asserted from the interface (its position is the type's). go/types records no
    /// object for these; a method added to the interface is what they can break. Also a value
    /// of this package's struct type used as any interface: a use of each of the interface's
    /// methods it has from an embedded type of another package (a [`Target::Member`]), which
    /// removing the method breaks. Also an unkeyed literal of another package's struct type
    /// ([`Target::Fields`]), which a field added, removed or changed breaks.
    Implicit,
}

impl UseKind {
    /// gouses' name of the kind.
    pub fn as_str(self) -> &'static str {
        match self {
            UseKind::Qualified => "qualified",
            UseKind::Dot => "dot",
            UseKind::Field => "field",
            UseKind::Method => "method",
            UseKind::MethodExpr => "methodexpr",
            UseKind::Key => "key",
            UseKind::Implicit => "implicit",
        }
    }
}

/// What a use refers to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A package-level object (qualified and dot-imported names).
    Object(ObjId),
    /// A field or a method.
    Member {
        /// Its name.
        name: Box<str>,
        /// The package declaring it.
        pkg: PkgId,
        /// The type whose struct or method set declares it (see
        /// [`super::methodset::Member::owner`]).
        owner: TypeId,
        /// The type it is selected on (go/types' `Selection.Recv`): the operand's type, the
        /// type of a method expression, the struct literal's type; it differs from `owner`
        /// for a member promoted through embedded fields.
        recv: TypeId,
    },
    /// A value of type `value` used as the interface type `iface` (a declared type of another
    /// package, or an instance of one): [`UseKind::Implicit`].
    Implements {
        /// The interface type.
        iface: TypeId,
        /// The value's type (the asserted type for a type assertion).
        value: TypeId,
    },
    /// The fields, in order, of the struct type `ty` (a declared type of another package, or an
    /// instance of one): an unkeyed literal of it, [`UseKind::Implicit`] at the literal.
    Fields {
        /// The literal's type.
        ty: TypeId,
    },
}

/// One use of another package's exported object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Use {
    /// The file's name (as the package's [`super::SourceFile`] has it).
    pub file: String,
    /// The byte offset of the identifier.
    pub offset: u32,
    /// How it is reached.
    pub kind: UseKind,
    /// What it refers to.
    pub target: Target,
}

impl Use {
    /// The package and name of what the use refers to.
    pub fn package_and_name<'a>(&'a self, p: &'a Program) -> (Option<PkgId>, &'a str) {
        match &self.target {
            Target::Object(obj) => {
                let object = &p.objects[obj.0 as usize];
                (object.pkg, &object.name)
            }
            Target::Member { name, pkg, .. } => (Some(*pkg), name),
            Target::Implements { iface: ty, .. } | Target::Fields { ty } => match *p.ty(*ty) {
                Type::Named(n) | Type::Instance { named: n, .. } => {
                    let named = &p.named[n.0 as usize];
                    (named.pkg, &named.name)
                }
                _ => (None, ""),
            },
        }
    }
}

/// A call of a function or method by name (`F(...)`, `pkg.F(...)`, `x.M(...)`), as `gofed
/// impact` checks it against another version of the callee: the types of the callee and of
/// the arguments, where the call ends, whether its results are used.
#[derive(Clone, Debug)]
pub struct Call {
    /// The file's name (as the package's [`super::SourceFile`] has it).
    pub file: String,
    /// The byte offset of the callee's name (the offset of its [`Use`], if it is one).
    pub callee: u32,
    /// The callee's type (a signature, or what the checker could not tell: invalid).
    pub sig: TypeId,
    /// The arguments, in order.
    pub args: Vec<Argument>,
    /// `f(xs...)`.
    pub ellipsis: bool,
    /// Whether the results are dropped (an expression, `go` or `defer` statement).
    pub discarded: bool,
    /// The byte offset where the call starts.
    pub start: u32,
    /// The byte offset where it ends (after the closing parenthesis).
    pub end: u32,
    /// The type the call's value is assigned to, when it is used as a value of a known type
    /// (passed, assigned with `=`, given to a typed `var`, returned, sent, an element).
    pub result_target: Option<TypeId>,
    /// For a call of a local variable defined with another package's function or method value
    /// (`f := lib.F; f(x)`), the offset of that value's [`Use`] ([`DefinedVar::at`]).
    pub via: Option<u32>,
}

/// One argument of a [`Call`].
#[derive(Clone, Debug)]
pub struct Argument {
    /// The byte offset where it starts.
    pub offset: u32,
    /// The byte offset of the selected name when the argument is a selector (`x.f`, `pkg.V`).
    pub selector: Option<u32>,
    /// What it is.
    pub value: ArgumentValue,
}

/// What an argument is, as far as assignability goes.
#[derive(Clone, Debug)]
pub enum ArgumentValue {
    /// A value of a type (a tuple for `f(g())` with several results).
    Value(TypeId),
    /// A constant of a type (untyped or not).
    Const(TypeId, crate::constant::Value),
    /// `nil`.
    Nil,
    /// Something the checker could not tell.
    Unknown,
}

/// A selector's value (`x.F`, `pkg.V`) used as a value of a known type: passed, assigned with
/// `=`, given to a typed `var`, returned, sent, an element, or converted. `gofed impact` checks
/// it against a new type of the field or variable. Also the value of a local variable defined with a
/// selector's value, and a selector's value assigned to one ([`AssignedValue::via`]).
#[derive(Clone, Debug)]
pub struct AssignedValue {
    /// The file's name (as the package's [`super::SourceFile`] has it).
    pub file: String,
    /// The value (its `selector` is the selected name's offset, the offset of its [`Use`]).
    pub value: Argument,
    /// The type it is used as.
    pub target: TypeId,
    /// When the value (`take(f)`) or what it is assigned to (`f = lib.G`) is a local variable
    /// defined with a selector's value ([`DefinedVar`]), the offset of that value's [`Use`].
    pub via: Option<u32>,
    /// Whether the value is converted to `target` (`T(x)`) rather than assigned.
    pub converted: bool,
}

/// An unkeyed literal of another package's struct type (`lib.T{1, "x"}`), the site of a
/// [`Target::Fields`] use: its elements against the fields, as the type has them here.
#[derive(Clone, Debug)]
pub struct UnkeyedLiteral {
    /// The file's name (as the package's [`super::SourceFile`] has it).
    pub file: String,
    /// The offset of its [`Use`] (where the literal starts).
    pub at: u32,
    /// The offset of its closing brace.
    pub rbrace: u32,
    /// The elements, in order.
    pub elements: Vec<Argument>,
    /// The struct type's fields: each one's type, and whether this package may set it (it is
    /// exported).
    pub fields: Vec<(TypeId, bool)>,
}

/// A selector's value (`x.F`, `pkg.V`) that a field or method is selected from (`pkg.V.A`,
/// `x.F.M()`): `gofed impact` checks the selection against a new type of the field or variable.
#[derive(Clone, Debug)]
pub struct SelectedValue {
    /// The file's name (as the package's [`super::SourceFile`] has it).
    pub file: String,
    /// The offset of the value's selected name (the offset of its [`Use`]).
    pub operand: u32,
    /// The offset of the name selected from it.
    pub member: u32,
    /// The selected field's or method's type; `None` when the value has no such member.
    pub ty: Option<TypeId>,
}

/// A selector's value (`pkg.C`, `x.F`) that is an operand of a binary operation (`pkg.C + 1`,
/// `x.F == y`): `gofed impact` checks the operation against a new type of the constant, field
/// or variable.
#[derive(Clone, Debug)]
pub struct BinaryOperand {
    /// The file's name (as the package's [`super::SourceFile`] has it).
    pub file: String,
    /// The operator.
    pub op: TokenKind,
    /// The offset where the operation starts.
    pub start: u32,
    /// The operand (its `selector` is the selected name's offset, the offset of its [`Use`]).
    pub operand: Argument,
    /// The other operand.
    pub other: Argument,
    /// Whether the operand is the left one.
    pub left: bool,
}

/// A variable declared without a type and defined with a selector's value (`f := lib.F`,
/// `var v = x.F`): a new type of `lib.F` is the variable's, the definition compiles, and the
/// compiler reports what breaks where the variable is used. `gofed impact` checks a local
/// variable's calls ([`Call::via`]), its value used as a value of a known type and the values
/// assigned to it ([`AssignedValue::via`]), when that is all it is used for.
#[derive(Clone, Debug)]
pub struct DefinedVar {
    /// The file's name (as the package's [`super::SourceFile`] has it).
    pub file: String,
    /// The offset of the value's selected name (the offset of its [`Use`]).
    pub at: u32,
    /// Whether the variable is local and every use of it is recorded with `via` (called, used
    /// as a value of a known type, assigned a selector's value).
    pub followed: bool,
}

/// What [`package_uses_and_calls`] records besides the uses, for checking them against
/// another version of what they use.
#[derive(Clone, Debug, Default)]
pub struct Recorded {
    /// Calls of functions and methods by name, by file and callee offset.
    pub calls: Vec<Call>,
    /// Selectors' (and followed variables') values used as values of known types, by file and
    /// offset.
    pub values: Vec<AssignedValue>,
    /// Unkeyed literals of other packages' struct types, by file and offset.
    pub literals: Vec<UnkeyedLiteral>,
    /// Selectors' values that members are selected from, by file and operand offset.
    pub selected: Vec<SelectedValue>,
    /// Variables defined with selectors' values, by file and offset.
    pub defined: Vec<DefinedVar>,
    /// Selectors' values that are operands of binary operations, by file and selector offset.
    pub binary: Vec<BinaryOperand>,
}

/// The uses package `pkg` makes of other packages' exported objects, by file and offset.
pub fn package_uses(p: &mut Program, pkg: PkgId) -> Vec<Use> {
    walk_package(p, pkg, None)
}

/// [`package_uses`], and the package's calls and assigned selector values ([`Recorded`]).
pub fn package_uses_and_calls(p: &mut Program, pkg: PkgId) -> (Vec<Use>, Recorded) {
    let mut recorded = Recorded::default();
    let uses = walk_package(p, pkg, Some(&mut recorded));
    recorded
        .calls
        .sort_by(|a, b| (&a.file, a.callee).cmp(&(&b.file, b.callee)));
    recorded
        .values
        .sort_by(|a, b| (&a.file, a.value.offset).cmp(&(&b.file, b.value.offset)));
    recorded
        .literals
        .sort_by(|a, b| (&a.file, a.at).cmp(&(&b.file, b.at)));
    recorded
        .selected
        .sort_by(|a, b| (&a.file, a.operand).cmp(&(&b.file, b.operand)));
    recorded
        .defined
        .sort_by(|a, b| (&a.file, a.at).cmp(&(&b.file, b.at)));
    recorded
        .binary
        .sort_by(|a, b| (&a.file, a.operand.selector).cmp(&(&b.file, b.operand.selector)));
    (uses, recorded)
}

fn walk_package(p: &mut Program, pkg: PkgId, mut recorded: Option<&mut Recorded>) -> Vec<Use> {
    let files = p.packages[pkg.0 as usize].files.clone();
    let mut out = Vec::new();
    for (file_idx, file) in files.iter().enumerate() {
        // The file is parsed again: the checker's tree may have dropped composite literal
        // elements (`ParseMode::Declarations`), and the uses need them.
        let parsed = parse_file(&file.src);
        let reparsed = Arc::new(SourceFile::new(
            file.name.clone(),
            Arc::clone(&file.src),
            parsed.file,
        ));
        let mut env = Env::for_file(pkg, file_idx, &reparsed);
        env.silent = true;
        let mut walker = Walker {
            p: &mut *p,
            env,
            scopes: Vec::new(),
            results: Vec::new(),
            out: &mut out,
            recorded: recorded.as_deref_mut(),
            discarded: None,
            defined: Vec::new(),
        };
        walker.file(&reparsed.ast);
    }
    out.sort_by(|a, b| (&a.file, a.offset).cmp(&(&b.file, b.offset)));
    out
}

/// Walks a file's declarations and bodies; `env.file` is always the tree being walked (the
/// file's, or a body's parsed on its own), so that the checker reads the same nodes.
struct Walker<'p, 's, 'o> {
    p: &'p mut Program<'s>,
    env: Env,
    /// Local scopes, innermost last: where each starts in `env.locals`.
    scopes: Vec<usize>,
    /// The result types of the functions being walked, innermost last (for `return`).
    results: Vec<Vec<TypeId>>,
    out: &'o mut Vec<Use>,
    /// Where calls and assigned values are recorded, when they are.
    recorded: Option<&'o mut Recorded>,
    /// The call of the statement being walked whose results are dropped.
    discarded: Option<ExprId>,
    /// The local variables in scope defined with selectors' values (when calls are
    /// recorded), in the order of `env.locals`.
    defined: Vec<DefinedLocal>,
}

/// A local variable in scope defined with a selector's value: see [`DefinedVar`].
struct DefinedLocal {
    /// Its index in `env.locals`.
    index: usize,
    /// The offset of the value's selected name.
    origin: u32,
    /// How often its name is used, and how often in a way recorded with `via`.
    refs: u32,
    followed: u32,
}

impl Walker<'_, '_, '_> {
    fn text(&self, span: Span) -> &str {
        std::str::from_utf8(span.slice(&self.env.file.src)).unwrap_or("")
    }

    fn push(&mut self) {
        self.scopes.push(self.env.locals.len());
    }

    fn pop(&mut self) {
        if let Some(start) = self.scopes.pop() {
            self.env.locals.truncate(start);
            while let Some(local) = self.defined.pop_if(|d| d.index >= start) {
                if let Some(recorded) = self.recorded.as_deref_mut() {
                    recorded.defined.push(DefinedVar {
                        file: self.env.file.name.clone(),
                        at: local.origin,
                        followed: local.refs == local.followed,
                    });
                }
            }
        }
    }

    /// The local variable in scope named `name`, when it was defined with a selector's value.
    fn defined_local(&mut self, name: &str) -> Option<&mut DefinedLocal> {
        if self.defined.is_empty() {
            return None;
        }
        let index = self.env.locals.iter().rposition(|l| &*l.name == name)?;
        self.defined.iter_mut().rev().find(|d| d.index == index)
    }

    /// Declares the variable `name` of type `ty`, defined with `value` (`name := value`, `var
    /// name = value`): followed, when calls are recorded and `value` is a selector's (see
    /// [`DefinedVar`]).
    fn declare_defined(&mut self, f: &File, name: Span, ty: TypeId, value: Option<ExprId>) {
        let before = self.env.locals.len();
        self.declare_var(name, ty);
        let Some(value) = value else {
            return;
        };
        if self.env.locals.len() == before {
            // `var _ = lib.V`.
            return self.defined_var(f, value);
        }
        if let Some(origin) = self.selected_value(f, value) {
            self.defined.push(DefinedLocal {
                index: before,
                origin,
                refs: 0,
                followed: 0,
            });
        }
    }

    /// A variable whose uses are not followed (package-level, blank) defined with `value`:
    /// recorded, when calls are and it is a selector's value.
    fn defined_var(&mut self, f: &File, value: ExprId) {
        if let Some(at) = self.selected_value(f, value) {
            if let Some(recorded) = self.recorded.as_deref_mut() {
                recorded.defined.push(DefinedVar {
                    file: self.env.file.name.clone(),
                    at,
                    followed: false,
                });
            }
        }
    }

    /// The offset of the selected name, when calls are recorded and `value` is a selector's
    /// value (`lib.V`, `x.F`, `x.M`).
    fn selected_value(&mut self, f: &File, value: ExprId) -> Option<u32> {
        self.recorded.as_ref()?;
        let Expr::Selector { sel, .. } = f.expr(unparen(f, value)) else {
            return None;
        };
        let x = expr(self.p, &self.env, value);
        matches!(x.mode, Mode::Value | Mode::CommaOk).then_some(sel.start)
    }

    /// Declares `name` in the innermost local scope (package-level names are the package
    /// scope's already).
    fn declare(&mut self, name: Span, operand: Operand) {
        let name: Box<str> = self.text(name).into();
        if self.scopes.is_empty() || &*name == "_" {
            return;
        }
        self.env.locals.push(Local { name, operand });
    }

    /// Declares a variable of type `ty`.
    fn declare_var(&mut self, name: Span, ty: TypeId) {
        self.declare(name, Operand::value(ty));
    }

    /// Whether `name` is declared in the innermost scope already (`a, err := ...` then assigns
    /// the existing `err`).
    fn declared_here(&self, name: &str) -> bool {
        let start = self.scopes.last().copied().unwrap_or(0);
        self.env.locals[start..].iter().any(|l| &*l.name == name)
    }

    fn record(&mut self, offset: u32, kind: UseKind, target: Target) {
        self.out.push(Use {
            file: self.env.file.name.clone(),
            offset,
            kind,
            target,
        });
    }

    /// A member use, when the member is another package's and exported.
    fn record_member(
        &mut self,
        sel: Span,
        kind: UseKind,
        pkg: Option<PkgId>,
        owner: TypeId,
        recv: TypeId,
    ) {
        let name = self.text(sel);
        let Some(pkg) = pkg.filter(|&pkg| pkg != self.env.pkg) else {
            return;
        };
        if !is_exported(name) {
            return;
        }
        let name: Box<str> = name.into();
        self.record(
            sel.start,
            kind,
            Target::Member {
                name,
                pkg,
                owner,
                recv,
            },
        );
    }

    // ---- declarations

    fn file(&mut self, f: &File) {
        for decl in &f.decls {
            match decl {
                Decl::Gen(gen) if gen.tok != TokenKind::Import => self.gen_decl(f, gen),
                Decl::Func(func) => self.func_decl(f, func),
                _ => {}
            }
        }
    }

    fn func_decl(&mut self, f: &File, func: &FuncDecl) {
        let saved_tparams = self.env.tparams.clone();
        self.push();
        if let Some(recv) = func.recv {
            // The receiver's type parameters are its base type's, named by `T[K, V]`.
            if let Some(field) = f.field_list(recv).first() {
                self.receiver_type_params(field.ty);
            }
        }
        if let Some(tparams) = func.type_params {
            self.type_params(f, tparams);
        }
        let lists: Vec<FieldList> = func
            .recv
            .into_iter()
            .chain([func.params])
            .chain(func.results)
            .collect();
        self.signature(f, &lists);
        if let Some(body) = func.body {
            let results = self.result_types(func.results);
            self.results.push(results);
            self.body(body);
            self.results.pop();
        }
        self.pop();
        self.env.tparams = saved_tparams;
    }

    /// `func (r *T[K, V]) ...`: `K` and `V` stand for `T`'s type parameters (their
    /// constraints included).
    fn receiver_type_params(&mut self, ty: ExprId) {
        let names = receiver_type_arg_names(&self.env.file, ty);
        if names.is_empty() {
            return;
        }
        let f = &self.env.file.ast;
        let mut base = ty;
        let base_name = loop {
            match f.expr(base) {
                Expr::Star(x) | Expr::Paren(x) => base = *x,
                Expr::Index { x, .. } | Expr::IndexList { x, .. } => base = *x,
                Expr::Ident => break f.expr_span(base),
                _ => return,
            }
        };
        let base_name = self.text(base_name).to_owned();
        let Some(&obj) = self.p.packages[self.env.pkg.0 as usize]
            .scope
            .get(&base_name)
        else {
            return;
        };
        let ObjKind::TypeName { ty, .. } = self.p.object(obj).kind else {
            return;
        };
        let Type::Named(named) = *self.p.ty(ty) else {
            return;
        };
        let tparams = named_type_params(self.p, named);
        for (name, t) in names.into_iter().zip(tparams) {
            if name != "_" {
                self.env.tparams.push((name, t));
            }
        }
    }

    /// A body skipped by the file's parse: parsed now, on its own, and walked with its tree as
    /// the checker's.
    fn body(&mut self, body: Span) {
        let parsed = parse_body(&self.env.file.src, body.start);
        let tree = Arc::new(SourceFile::new(
            self.env.file.name.clone(),
            Arc::clone(&self.env.file.src),
            parsed.file,
        ));
        let outer = std::mem::replace(&mut self.env.file, Arc::clone(&tree));
        self.block(&tree.ast, parsed.block);
        self.env.file = outer;
    }

    fn gen_decl(&mut self, f: &File, gen: &GenDecl) {
        // A constant spec without values repeats the previous spec's type and values.
        let mut last_const: Option<(Option<ExprId>, Vec<ExprId>)> = None;
        for (index, spec) in gen.specs.iter().enumerate() {
            match spec {
                Spec::Value(v) => {
                    let mut values = f.expr_list(v.values).to_vec();
                    let mut ty = v.ty;
                    self.opt_expr(f, ty);
                    self.exprs(f, &values);
                    if let (TokenKind::Var, Some(t)) = (gen.tok, ty) {
                        let declared = type_expr(self.p, &self.env, t);
                        for &value in &values {
                            self.assigned(f, value, declared);
                        }
                    }
                    if gen.tok == TokenKind::Const {
                        if values.is_empty() && ty.is_none() {
                            if let Some((t, vals)) = &last_const {
                                (ty, values) = (*t, vals.clone());
                            }
                        } else {
                            last_const = Some((ty, values.clone()));
                        }
                    }
                    let names = f.ident_list(v.names).to_vec();
                    if self.scopes.is_empty() {
                        if gen.tok == TokenKind::Var && ty.is_none() && values.len() == names.len()
                        {
                            for &value in &values {
                                self.defined_var(f, value);
                            }
                        }
                        continue;
                    }
                    // In scope after the spec (`x := x` style), and never a use themselves.
                    if gen.tok == TokenKind::Const {
                        self.env.iota = Some(index as i64);
                        let declared = ty.map(|t| type_expr(self.p, &self.env, t));
                        let operands: Vec<Operand> = names
                            .iter()
                            .enumerate()
                            .map(|(i, _)| match values.get(i) {
                                Some(&e) => {
                                    let mut x = expr(self.p, &self.env, e);
                                    if let Some(t) = declared {
                                        x.ty = t;
                                    }
                                    x
                                }
                                None => Operand::invalid(self.p),
                            })
                            .collect();
                        self.env.iota = None;
                        for (name, x) in names.into_iter().zip(operands) {
                            self.declare(name, x);
                        }
                    } else {
                        let types = match ty {
                            Some(t) => vec![type_expr(self.p, &self.env, t); names.len()],
                            None => self.value_types(names.len(), &values),
                        };
                        let n = names.len();
                        for (i, (name, t)) in names.into_iter().zip(types).enumerate() {
                            let value = (ty.is_none() && values.len() == n).then(|| values[i]);
                            self.declare_defined(f, name, t, value);
                        }
                    }
                }
                Spec::Type(t) => {
                    if !self.scopes.is_empty() {
                        // In scope in its own type (`type node struct{ next *node }`): declared
                        // first, its type set once known. Local types have no methods: their
                        // fields and promoted methods are their underlying type's.
                        self.declare(
                            t.name,
                            Operand {
                                mode: Mode::Type,
                                ty: self.p.invalid(),
                            },
                        );
                    }
                    let saved_tparams = self.env.tparams.clone();
                    if let Some(tparams) = t.type_params {
                        self.type_params(f, tparams);
                    }
                    self.expr(f, t.ty);
                    if !self.scopes.is_empty() {
                        let ty = type_expr(self.p, &self.env, t.ty);
                        if let Some(local) = self.env.locals.last_mut() {
                            local.operand.ty = ty;
                        }
                    }
                    self.env.tparams = saved_tparams;
                }
                Spec::Import(_) => {}
            }
        }
    }

    /// The types of `n` variables initialised by `values` (`a, b := x, y`, `a, b := f()`,
    /// `v, ok := m[k]`), untyped constants given their default types; invalid where unknown.
    fn value_types(&mut self, n: usize, values: &[ExprId]) -> Vec<TypeId> {
        let invalid = self.p.invalid();
        if values.len() == n {
            return values
                .iter()
                .map(|&e| {
                    let x = expr(self.p, &self.env, e);
                    self.var_type(&x)
                })
                .collect();
        }
        let [value] = values else {
            return vec![invalid; n];
        };
        let x = expr(self.p, &self.env, *value);
        match (&x.mode, self.p.ty(x.ty).clone()) {
            (Mode::CommaOk, _) if n == 2 => {
                vec![self.var_type(&x), self.p.basic(BasicKind::Bool)]
            }
            (_, Type::Tuple(types)) if types.len() == n => types,
            _ => vec![invalid; n],
        }
    }

    /// The type a variable initialised with `x` gets.
    fn var_type(&mut self, x: &Operand) -> TypeId {
        match x.mode {
            Mode::Const(_) | Mode::Value | Mode::CommaOk => default_type(self.p, x.ty),
            _ => self.p.invalid(),
        }
    }

    /// A type parameter list: declared in the checker's environment (a type parameter is in
    /// scope in its own list's constraints), its constraints walked.
    fn type_params(&mut self, f: &File, list: FieldList) {
        declare_type_params(self.p, &mut self.env, list);
        self.fields(f, list);
    }

    /// A function's receiver, parameters and results: their types first, then their names,
    /// which are in scope in the body only (go/types declares them at the body's start), so
    /// `func(net string) net.Conn` names the package.
    fn signature(&mut self, f: &File, lists: &[FieldList]) {
        let mut declared = Vec::new();
        for &list in lists {
            self.fields(f, list);
            for field in f.field_list(list) {
                let ty = match *f.expr(field.ty) {
                    Expr::Ellipsis(Some(elem)) => {
                        let elem = type_expr(self.p, &self.env, elem);
                        self.p.intern(Type::Slice(elem))
                    }
                    _ => type_expr(self.p, &self.env, field.ty),
                };
                for &name in f.ident_list(field.names) {
                    declared.push((name, ty));
                }
            }
        }
        for (name, ty) in declared {
            self.declare_var(name, ty);
        }
    }

    /// Struct fields, parameters, interface elements: the types are walked (the names are no
    /// uses).
    fn fields(&mut self, f: &File, list: FieldList) {
        for field in f.field_list(list) {
            self.expr(f, field.ty);
        }
    }

    /// A function's result types, one per result (`(a, b int, err error)`: three).
    fn result_types(&mut self, list: Option<FieldList>) -> Vec<TypeId> {
        list.map_or_else(Vec::new, |list| tuple(self.p, &self.env, list, false).0)
    }

    // ---- implicit uses

    /// The other packages' declared interfaces (or instances of one) a value of type `ty` must
    /// implement: `ty` itself, or those an interface of this package (or an unnamed one) embeds,
    /// at any depth (`type MockImage interface{ oglemock.MockObject; ... }`).
    fn imported_interfaces(&mut self, ty: TypeId, depth: u32) -> Vec<TypeId> {
        let under = underlying(self.p, ty);
        let Type::Interface(iface) = self.p.ty(under) else {
            return Vec::new();
        };
        let embeddeds = iface.embeddeds.clone();
        if let Type::Named(named) | Type::Instance { named, .. } = *self.p.ty(ty) {
            let pkg = self.p.named[named.0 as usize].pkg;
            if pkg.is_some_and(|pkg| pkg != self.env.pkg) {
                return vec![ty];
            }
        }
        // Embedding chains are short; the bound stops an invalid cycle too.
        if depth > 8 {
            return Vec::new();
        }
        embeddeds
            .into_iter()
            .flat_map(|e| self.imported_interfaces(e, depth + 1))
            .collect()
    }

    /// `value` used as a value of type `target` (assigned, passed, returned, sent, an element):
    /// see [`Self::used_as`].
    fn assigned(&mut self, f: &File, value: ExprId, target: TypeId) {
        self.used_as(f, value, target, true, None);
    }

    /// `value` used as a value of type `target`, `assigned` or converted: an implicit use of
    /// each of `target`'s imported interfaces (see [`Self::imported_interfaces`]) when the value
    /// has another type; recorded, when calls are, as a call's result target or (assigned) as
    /// an [`AssignedValue`]. `into`: the value is assigned to a local variable defined with
    /// the selector's value at that offset ([`DefinedVar`]).
    fn used_as(
        &mut self,
        f: &File,
        value: ExprId,
        target: TypeId,
        assigned: bool,
        into: Option<u32>,
    ) {
        let bare = unparen(f, value);
        let mut via = into;
        let record_value = match (self.recorded.is_some(), f.expr(bare)) {
            // A conversion's operand is not checked as an assignment: a call's result is not
            // checked at all, a selector's value as a conversion.
            (true, Expr::Call { .. }) if assigned => {
                // The call was recorded when its expression was walked, just before.
                let span = f.expr_span(bare);
                let file = &self.env.file.name;
                let calls = self.recorded.as_deref_mut().map(|r| &mut r.calls);
                let call = calls
                    .into_iter()
                    .flatten()
                    .rev()
                    .find(|c| c.start == span.start && c.end == span.end && c.file == *file);
                if let Some(call) = call {
                    call.result_target = Some(target);
                }
                false
            }
            (true, Expr::Selector { .. }) => true,
            // The value of a local variable defined with a selector's value (not assigned to
            // another one: one variable is followed through a value).
            (true, Expr::Ident) if into.is_none() => {
                let name = self.text(f.expr_span(bare)).to_owned();
                via = self.defined_local(&name).map(|local| local.origin);
                via.is_some()
            }
            _ => false,
        };
        let ifaces = self.imported_interfaces(target, 0);
        let under = underlying(self.p, target);
        let to_interface = !ifaces.is_empty() || matches!(self.p.ty(under), Type::Interface(_));
        if !record_value && !to_interface {
            return;
        }
        let x = expr(self.p, &self.env, value);
        if record_value {
            let value = AssignedValue {
                file: self.env.file.name.clone(),
                value: argument(f, value, &x),
                target,
                via,
                converted: !assigned,
            };
            if let Some(recorded) = self.recorded.as_deref_mut() {
                recorded.values.push(value);
            }
            if let Some(local) = via.and_then(|at| self.defined.iter_mut().find(|d| d.origin == at))
            {
                local.followed += 1;
            }
        }
        if !to_interface {
            return;
        }
        let ty = match x.mode {
            Mode::Const(_) | Mode::Value | Mode::CommaOk => default_type(self.p, x.ty),
            _ => return,
        };
        if ty == target || matches!(self.p.ty(ty), Type::Invalid | Type::Tuple(_)) {
            return;
        }
        self.promoted(f.expr_span(value).start, ty, target);
        for iface in ifaces {
            let target = Target::Implements { iface, value: ty };
            self.record(f.expr_span(value).start, UseKind::Implicit, target);
        }
    }

    /// A value of type `ty`, at `at`, used as the interface `iface`: an implicit use of each
    /// of the interface's methods that `ty` has from another package, declared on an imported
    /// type (`norm.NFD` as a `transform.Transformer`: removing `Form.Transform` breaks it) or
    /// promoted from one embedded in a type of this package (`type mine struct{ lib.Base }` as an
    /// `io.Closer`: removing `Base.Close` breaks it).
    fn promoted(&mut self, at: u32, ty: TypeId, iface: TypeId) {
        let base = match *self.p.ty(ty) {
            Type::Pointer(base) => base,
            _ => ty,
        };
        let Type::Named(named) = *self.p.ty(base) else {
            return;
        };
        // A type of this package has methods of another only by embedding.
        if self.p.named[named.0 as usize].pkg == Some(self.env.pkg) {
            let under = underlying(self.p, base);
            let Type::Struct(st) = self.p.ty(under) else {
                return;
            };
            if !st.fields.iter().any(|f| f.embedded) {
                return;
            }
        }
        for m in interface_methods(self.p, iface) {
            if !is_exported(&m.name) {
                continue;
            }
            let Some(member) = lookup_member(self.p, ty, &m.name) else {
                continue;
            };
            let Some(pkg) = member.pkg.filter(|&pkg| pkg != self.env.pkg) else {
                continue;
            };
            let target = Target::Member {
                name: m.name.as_str().into(),
                pkg,
                owner: member.owner,
                recv: ty,
            };
            self.record(at, UseKind::Implicit, target);
        }
    }

    /// The type `asserted`, written at `at`, asserted from a value of type `iface` (`x.(T)`, a
    /// type switch's case): an implicit use of `iface`'s imported interfaces when `asserted` is
    /// a concrete type (the assertion is impossible unless it implements them).
    fn asserted(&mut self, at: u32, iface: TypeId, asserted: TypeId) {
        if asserted == iface {
            return;
        }
        let ifaces = self.imported_interfaces(iface, 0);
        if ifaces.is_empty() {
            return;
        }
        let under = underlying(self.p, asserted);
        if matches!(self.p.ty(under), Type::Interface(_) | Type::Invalid) {
            return;
        }
        for iface in ifaces {
            let target = Target::Implements {
                iface,
                value: asserted,
            };
            self.record(at, UseKind::Implicit, target);
        }
    }

    /// A call's arguments used as its parameters' types, a conversion's operand as the type,
    /// `append`'s values as the slice's elements.
    fn call_args(&mut self, f: &File, callee: &Operand, args: &[ExprId], ellipsis: bool) {
        match callee.mode {
            Mode::Type => {
                if let [x] = args {
                    self.used_as(f, *x, callee.ty, false, None);
                }
            }
            Mode::Value | Mode::CommaOk => {
                let under = underlying(self.p, callee.ty);
                let Type::Signature(sig) = self.p.ty(under).clone() else {
                    return;
                };
                // A generic function's parameters are known once instantiated.
                if !sig.type_params.is_empty() {
                    return;
                }
                for (i, &arg) in args.iter().enumerate() {
                    let Some(param) = param_type(self.p, &sig, i, ellipsis) else {
                        return;
                    };
                    self.assigned(f, arg, param);
                }
            }
            Mode::Builtin(Builtin::Append) if !ellipsis => {
                let Some((&slice, values)) = args.split_first() else {
                    return;
                };
                let slice = expr(self.p, &self.env, slice).ty;
                let under = underlying(self.p, slice);
                if let Type::Slice(elem) = *self.p.ty(under) {
                    for &v in values {
                        self.assigned(f, v, elem);
                    }
                }
            }
            _ => {}
        }
    }

    /// A call of a function or method by name, `fun` of type `callee` (an explicit
    /// instantiation, `F[int](...)`, is not recorded; a generic callee whose type arguments are
    /// inferred is, and checking it against another version leaves it undecided).
    #[allow(clippy::too_many_arguments)]
    fn record_call(
        &mut self,
        f: &File,
        call: ExprId,
        fun: ExprId,
        callee_type: &Operand,
        args: &[ExprId],
        ellipsis: bool,
        discarded: bool,
    ) {
        let (callee, via) = match f.expr(unparen(f, fun)) {
            Expr::Selector { sel, .. } => (sel.start, None),
            Expr::Ident => {
                let span = f.expr_span(unparen(f, fun));
                let name = self.text(span).to_owned();
                let via = self.defined_local(&name).map(|local| {
                    local.followed += 1;
                    local.origin
                });
                (span.start, via)
            }
            _ => return,
        };
        if !matches!(callee_type.mode, Mode::Value | Mode::CommaOk) {
            return;
        }
        let args = args
            .iter()
            .map(|&arg| {
                let x = expr(self.p, &self.env, arg);
                argument(f, arg, &x)
            })
            .collect();
        let call = Call {
            file: self.env.file.name.clone(),
            callee,
            sig: callee_type.ty,
            args,
            ellipsis,
            discarded,
            start: f.expr_span(call).start,
            end: f.expr_span(call).end,
            result_target: None,
            via,
        };
        if let Some(recorded) = self.recorded.as_deref_mut() {
            recorded.calls.push(call);
        }
    }

    /// The operation `id`, `x op y`: each operand that is a selector's value recorded as a
    /// [`BinaryOperand`].
    fn binary(&mut self, f: &File, id: ExprId, op: TokenKind, x: ExprId, y: ExprId) {
        let is_selector = |e: ExprId| matches!(f.expr(unparen(f, e)), Expr::Selector { .. });
        if !is_selector(x) && !is_selector(y) {
            return;
        }
        let x = argument(f, x, &expr(self.p, &self.env, x));
        let y = argument(f, y, &expr(self.p, &self.env, y));
        let Some(recorded) = self.recorded.as_deref_mut() else {
            return;
        };
        // `argument` notes the selected name of a selector's value.
        for (operand, other, left) in [(&x, &y, true), (&y, &x, false)] {
            if operand.selector.is_some() {
                recorded.binary.push(BinaryOperand {
                    file: self.env.file.name.clone(),
                    op,
                    start: f.expr_span(id).start,
                    operand: operand.clone(),
                    other: other.clone(),
                    left,
                });
            }
        }
    }

    /// A composite literal's element `value` of type `ty` (an elided literal has that type).
    fn element(&mut self, f: &File, value: ExprId, ty: TypeId) {
        if !matches!(f.expr(value), Expr::CompositeLit { ty: None, .. }) {
            self.assigned(f, value, ty);
        }
    }

    /// `lhs = rhs` (one value per operand): each value used as its operand's type.
    fn assignment(&mut self, f: &File, lhs: &[ExprId], rhs: &[ExprId]) {
        if lhs.len() != rhs.len() {
            return;
        }
        for (&l, &r) in lhs.iter().zip(rhs) {
            // `_ = x`: any value is assignable to the blank identifier, which takes its
            // (default) type.
            if matches!(f.expr(l), Expr::Ident) && self.text(f.expr_span(l)) == "_" {
                let x = expr(self.p, &self.env, r);
                if matches!(x.mode, Mode::Value | Mode::CommaOk | Mode::Const(_)) {
                    let own = default_type(self.p, x.ty);
                    self.assigned(f, r, own);
                }
                continue;
            }
            let target = expr(self.p, &self.env, l);
            if matches!(target.mode, Mode::Value | Mode::CommaOk) {
                // `f = lib.G` into `f := lib.F`.
                let bare = unparen(f, l);
                let into = match f.expr(bare) {
                    Expr::Ident => {
                        let name = self.text(f.expr_span(bare)).to_owned();
                        self.defined_local(&name).map(|local| local.origin)
                    }
                    _ => None,
                };
                self.used_as(f, r, target.ty, true, into);
            }
        }
    }

    // ---- statements

    fn block(&mut self, f: &File, block: Block) {
        self.push();
        self.stmts(f, block.stmts);
        self.pop();
    }

    fn stmts(&mut self, f: &File, list: StmtList) {
        for &s in f.stmt_list(list) {
            self.stmt(f, s);
        }
    }

    fn opt_stmt(&mut self, f: &File, s: Option<StmtId>) {
        if let Some(s) = s {
            self.stmt(f, s);
        }
    }

    fn stmt(&mut self, f: &File, id: StmtId) {
        stacker::maybe_grow(super::STACK_RED_ZONE, super::STACK_SEGMENT, || {
            self.stmt_inner(f, id)
        });
    }

    fn stmt_inner(&mut self, f: &File, id: StmtId) {
        match f.stmt(id) {
            Stmt::Bad | Stmt::Empty { .. } | Stmt::Branch { .. } => {}
            Stmt::Decl(gen) => self.gen_decl(f, gen),
            Stmt::Labeled { stmt, .. } => self.stmt(f, *stmt),
            Stmt::Expr(x) | Stmt::Go(x) | Stmt::Defer(x) => {
                self.discarded = Some(*x);
                self.expr(f, *x)
            }
            Stmt::IncDec { x, .. } => self.expr(f, *x),
            Stmt::Send { chan, value } => {
                self.expr(f, *chan);
                self.expr(f, *value);
                let chan = expr(self.p, &self.env, *chan).ty;
                let under = underlying(self.p, chan);
                if let Type::Chan { elem, .. } = *self.p.ty(under) {
                    self.assigned(f, *value, elem);
                }
            }
            Stmt::Assign { lhs, tok, rhs, .. } => {
                let (lhs, rhs) = (f.expr_list(*lhs), f.expr_list(*rhs));
                self.exprs(f, rhs);
                if *tok == TokenKind::Define {
                    self.define(f, lhs, rhs);
                } else {
                    self.exprs(f, lhs);
                    if *tok == TokenKind::Assign {
                        self.assignment(f, lhs, rhs);
                    }
                }
            }
            Stmt::Return(results) => {
                let values = f.expr_list(*results);
                self.exprs(f, values);
                let types = self.results.last().cloned().unwrap_or_default();
                if types.len() == values.len() {
                    for (&v, t) in values.iter().zip(types) {
                        self.assigned(f, v, t);
                    }
                }
            }
            Stmt::Block(block) => self.block(f, *block),
            Stmt::If {
                init,
                cond,
                body,
                els,
            } => {
                self.push();
                self.opt_stmt(f, *init);
                self.expr(f, *cond);
                self.block(f, *body);
                self.opt_stmt(f, *els);
                self.pop();
            }
            Stmt::CaseClause { list, body, .. } => {
                self.push();
                if let Some(list) = list {
                    self.exprs(f, f.expr_list(*list));
                }
                self.stmts(f, *body);
                self.pop();
            }
            Stmt::Switch { init, tag, body } => {
                self.push();
                self.opt_stmt(f, *init);
                self.opt_expr(f, *tag);
                self.stmts(f, body.stmts);
                self.pop();
            }
            Stmt::TypeSwitch { init, assign, body } => {
                self.push();
                self.opt_stmt(f, *init);
                self.type_switch(f, *assign, body.stmts);
                self.pop();
            }
            Stmt::CommClause { comm, body, .. } => {
                self.push();
                self.opt_stmt(f, *comm);
                self.stmts(f, *body);
                self.pop();
            }
            Stmt::Select { body } => self.stmts(f, body.stmts),
            Stmt::For {
                init,
                cond,
                post,
                body,
            } => {
                self.push();
                self.opt_stmt(f, *init);
                self.opt_expr(f, *cond);
                self.opt_stmt(f, *post);
                self.block(f, *body);
                self.pop();
            }
            Stmt::Range {
                key,
                value,
                tok,
                x,
                body,
                ..
            } => {
                self.push();
                self.expr(f, *x);
                let vars: Vec<ExprId> = key.iter().chain(value.iter()).copied().collect();
                if *tok == Some(TokenKind::Define) {
                    let types = self.range_types(*x);
                    for (&v, ty) in vars.iter().zip(types) {
                        if matches!(f.expr(v), Expr::Ident) {
                            self.declare_var(f.expr_span(v), ty);
                        }
                    }
                } else {
                    self.exprs(f, &vars);
                }
                self.block(f, *body);
                self.pop();
            }
        }
    }

    /// `a, b := values`: the new names on the left declared with their types (a name already
    /// declared in this scope is assigned, not redeclared).
    fn define(&mut self, f: &File, lhs: &[ExprId], values: &[ExprId]) {
        let types = self.value_types(lhs.len(), values);
        for (i, (&x, ty)) in lhs.iter().zip(types).enumerate() {
            if !matches!(f.expr(x), Expr::Ident) {
                continue;
            }
            let span = f.expr_span(x);
            if !self.declared_here(self.text(span)) {
                let value = (values.len() == lhs.len()).then(|| values[i]);
                self.declare_defined(f, span, ty, value);
            }
        }
    }

    /// The types of the iteration variables of `range x` (key and value).
    fn range_types(&mut self, x: ExprId) -> [TypeId; 2] {
        let invalid = self.p.invalid();
        let int = self.p.basic(BasicKind::Int);
        let operand = expr(self.p, &self.env, x);
        if operand.is_invalid() {
            return [invalid; 2];
        }
        let mut under = underlying(self.p, operand.ty);
        if let Type::Pointer(base) = *self.p.ty(under) {
            let base = underlying(self.p, base);
            if matches!(self.p.ty(base), Type::Array { .. }) {
                under = base;
            }
        }
        match self.p.ty(under).clone() {
            Type::Basic(kind) if kind.is_string() => [int, self.p.basic(BasicKind::Rune)],
            Type::Basic(kind) if kind.is_integer() => [default_type(self.p, operand.ty), invalid],
            Type::Array { elem, .. } | Type::Slice(elem) => [int, elem],
            Type::Map { key, value } => [key, value],
            Type::Chan { elem, .. } => [elem, invalid],
            // Range over a function: the yield function's parameters.
            Type::Signature(sig) => {
                let yield_params = sig.params.first().map(|&y| underlying(self.p, y));
                match yield_params.map(|y| self.p.ty(y).clone()) {
                    Some(Type::Signature(y)) => [
                        y.params.first().copied().unwrap_or(invalid),
                        y.params.get(1).copied().unwrap_or(invalid),
                    ],
                    _ => [invalid; 2],
                }
            }
            _ => [invalid; 2],
        }
    }

    /// `switch v := x.(type) { case T: ... }`: x walked here, v declared in each clause with
    /// the clause's type when it lists one type, else x's type.
    fn type_switch(&mut self, f: &File, assign: StmtId, clauses: StmtList) {
        let (symbol, x) = match f.stmt(assign) {
            Stmt::Assign { lhs, rhs, .. } => (
                f.expr_list(*lhs).first().map(|&v| f.expr_span(v)),
                f.expr_list(*rhs).first().copied(),
            ),
            Stmt::Expr(x) => (None, Some(*x)),
            _ => (None, None),
        };
        // The guard `x.(type)`: its operand is what is switched on.
        let operand = x.map(|x| match f.expr(x) {
            Expr::TypeAssert { x, .. } => *x,
            _ => x,
        });
        if let Some(x) = x {
            self.expr(f, x);
        }
        let switched = match operand {
            Some(x) => expr(self.p, &self.env, x).ty,
            None => self.p.invalid(),
        };
        for &clause in f.stmt_list(clauses) {
            let Stmt::CaseClause { list, body, .. } = f.stmt(clause) else {
                continue;
            };
            self.push();
            let types = list.map(|l| f.expr_list(l).to_vec()).unwrap_or_default();
            self.exprs(f, &types);
            for &t in &types {
                if self.text(f.expr_span(t)) != "nil" {
                    let asserted = type_expr(self.p, &self.env, t);
                    self.asserted(f.expr_span(t).start, switched, asserted);
                }
            }
            if let Some(symbol) = symbol {
                let ty = match types.as_slice() {
                    [t] if self.text(f.expr_span(*t)) != "nil" => type_expr(self.p, &self.env, *t),
                    _ => switched,
                };
                self.declare_var(symbol, ty);
            }
            self.stmts(f, *body);
            self.pop();
        }
    }

    // ---- expressions

    fn exprs(&mut self, f: &File, list: &[ExprId]) {
        for &x in list {
            self.expr(f, x);
        }
    }

    fn opt_expr(&mut self, f: &File, x: Option<ExprId>) {
        if let Some(x) = x {
            self.expr(f, x);
        }
    }

    fn expr(&mut self, f: &File, id: ExprId) {
        self.expr_in(f, id, None);
    }

    /// An expression; `hint` is the type an elided composite literal has here (an element of
    /// an enclosing literal).
    fn expr_in(&mut self, f: &File, id: ExprId, hint: Option<TypeId>) {
        stacker::maybe_grow(super::STACK_RED_ZONE, super::STACK_SEGMENT, || {
            self.expr_inner(f, id, hint)
        });
    }

    fn expr_inner(&mut self, f: &File, id: ExprId, hint: Option<TypeId>) {
        match f.expr(id) {
            Expr::Bad | Expr::Elided(_) | Expr::BasicLit(_) => {}
            Expr::Ident => self.name(f.expr_span(id)),
            Expr::Selector { x, sel } => self.selector(f, *x, *sel),
            Expr::CompositeLit { ty, elts } => {
                self.composite_lit(f, f.expr_span(id), *ty, *elts, hint)
            }
            Expr::FuncLit { ty, body, block } => {
                self.push();
                if let Expr::FuncType {
                    params, results, ..
                } = f.expr(*ty)
                {
                    let lists: Vec<FieldList> = [*params].into_iter().chain(*results).collect();
                    self.signature(f, &lists);
                }
                let results = match f.expr(*ty) {
                    Expr::FuncType { results, .. } => self.result_types(*results),
                    _ => Vec::new(),
                };
                self.results.push(results);
                match block {
                    Some(block) => self.block(f, *block),
                    None => self.body(*body),
                }
                self.results.pop();
                self.pop();
            }
            Expr::Paren(x) | Expr::Star(x) | Expr::Unary { x, .. } => self.expr(f, *x),
            Expr::Index { x, index } => {
                self.expr(f, *x);
                self.expr(f, *index);
            }
            Expr::IndexList { x, indices } => {
                self.expr(f, *x);
                self.exprs(f, f.expr_list(*indices));
            }
            Expr::Slice {
                x, low, high, max, ..
            } => {
                self.expr(f, *x);
                self.opt_expr(f, *low);
                self.opt_expr(f, *high);
                self.opt_expr(f, *max);
            }
            Expr::TypeAssert { x, ty } => {
                self.expr(f, *x);
                self.opt_expr(f, *ty);
                if let Some(ty) = *ty {
                    let iface = expr(self.p, &self.env, *x).ty;
                    let asserted = type_expr(self.p, &self.env, ty);
                    self.asserted(f.expr_span(ty).start, iface, asserted);
                }
            }
            Expr::Call {
                fun,
                args,
                ellipsis,
            } => {
                let discarded = self.discarded.take() == Some(id);
                self.expr(f, *fun);
                let args = f.expr_list(*args);
                self.exprs(f, args);
                let callee = expr_or_type(self.p, &self.env, *fun);
                self.call_args(f, &callee, args, ellipsis.is_some());
                if self.recorded.is_some() {
                    let ellipsis = ellipsis.is_some();
                    self.record_call(f, id, *fun, &callee, args, ellipsis, discarded);
                }
            }
            Expr::Binary { x, y, op } => {
                self.expr(f, *x);
                self.expr(f, *y);
                if self.recorded.is_some() {
                    self.binary(f, id, *op, *x, *y);
                }
            }
            Expr::KeyValue { key, value } => {
                self.expr(f, *key);
                self.expr(f, *value);
            }
            Expr::ArrayType { len, elem } => {
                self.opt_expr(f, *len);
                self.expr(f, *elem);
            }
            Expr::Ellipsis(elt) => self.opt_expr(f, *elt),
            Expr::StructType(fields) => self.fields(f, *fields),
            Expr::FuncType {
                type_params,
                params,
                results,
            } => {
                // A function type's parameter names are in no scope that matters here.
                for list in type_params.iter().chain([params]).chain(results.iter()) {
                    self.fields(f, *list);
                }
            }
            Expr::InterfaceType(methods) => self.fields(f, *methods),
            Expr::MapType { key, value } => {
                self.expr(f, *key);
                self.expr(f, *value);
            }
            Expr::ChanType { value, .. } => self.expr(f, *value),
        }
    }

    /// A bare name in a use position: a dot-imported object, if that is what it names.
    fn name(&mut self, span: Span) {
        let name = self.text(span);
        if name == "_" {
            return;
        }
        let name = name.to_owned();
        if let Some(local) = self.defined_local(&name) {
            local.refs += 1;
        }
        if let Resolved::Obj(obj) = lookup(self.p, &self.env, &name) {
            let pkg = self.p.objects[obj.0 as usize].pkg;
            if pkg.is_some_and(|pkg| pkg != self.env.pkg) && is_exported(&name) {
                self.record(span.start, UseKind::Dot, Target::Object(obj));
            }
        }
    }

    /// `x.sel`: an import's `sel` when `x` names an import, else a field or method of the
    /// value `x` or a method of the type `x`.
    fn selector(&mut self, f: &File, x: ExprId, sel: Span) {
        if matches!(f.expr(x), Expr::Ident) {
            let name = self.text(f.expr_span(x)).to_owned();
            if let Resolved::Pkg(pkg) = lookup(self.p, &self.env, &name) {
                let package = &self.p.packages[pkg.0 as usize];
                let sel_name = self.text(sel);
                if !package.missing && is_exported(sel_name) {
                    if let Some(&obj) = package.scope.get(sel_name) {
                        self.record(sel.start, UseKind::Qualified, Target::Object(obj));
                    }
                }
                return;
            }
        }
        self.expr(f, x);
        let base = expr_or_type(self.p, &self.env, x);
        let name = self.text(sel).to_owned();
        match base.mode {
            Mode::Invalid | Mode::NoValue | Mode::Builtin(_) | Mode::Pkg(_) | Mode::Nil => {}
            Mode::Type => {
                if let Some(m) = lookup_member(self.p, base.ty, &name).filter(|m| m.is_method) {
                    self.record_member(sel, UseKind::MethodExpr, m.pkg, m.owner, base.ty);
                }
            }
            Mode::Const(_) | Mode::Value | Mode::CommaOk => {
                let member = lookup_member(self.p, base.ty, &name);
                if let (Some(recorded), Expr::Selector { sel: operand, .. }) =
                    (self.recorded.as_deref_mut(), f.expr(unparen(f, x)))
                {
                    recorded.selected.push(SelectedValue {
                        file: self.env.file.name.clone(),
                        operand: operand.start,
                        member: sel.start,
                        ty: member.as_ref().map(|m| m.ty),
                    });
                }
                if let Some(m) = member {
                    let kind = if m.is_method {
                        UseKind::Method
                    } else {
                        UseKind::Field
                    };
                    self.record_member(sel, kind, m.pkg, m.owner, base.ty);
                }
            }
        }
    }

    /// A struct literal of type `ty` at `span`: a [`Target::Fields`] use when it is unkeyed and
    /// `ty` is a declared type of another package (recorded, when calls are, as an
    /// [`UnkeyedLiteral`]).
    fn unkeyed(
        &mut self,
        f: &File,
        span: Span,
        ty: TypeId,
        fields: &[super::ty::Field],
        elts: crate::ast::ExprList,
    ) {
        let elts = f.expr_list(elts);
        match elts.first() {
            Some(&first) if !matches!(f.expr(first), Expr::KeyValue { .. }) => {}
            _ => return,
        }
        let (Type::Named(named) | Type::Instance { named, .. }) = *self.p.ty(ty) else {
            return;
        };
        if self.p.named[named.0 as usize]
            .pkg
            .is_none_or(|pkg| pkg == self.env.pkg)
        {
            return;
        }
        self.record(span.start, UseKind::Implicit, Target::Fields { ty });
        if self.recorded.is_none() {
            return;
        }
        let elements = elts
            .iter()
            .map(|&e| {
                let x = expr(self.p, &self.env, e);
                argument(f, e, &x)
            })
            .collect();
        let fields = fields
            .iter()
            .map(|fl| (fl.ty, is_exported(&fl.name)))
            .collect();
        let literal = UnkeyedLiteral {
            file: self.env.file.name.clone(),
            at: span.start,
            rbrace: span.end.saturating_sub(1),
            elements,
            fields,
        };
        if let Some(recorded) = self.recorded.as_deref_mut() {
            recorded.literals.push(literal);
        }
    }

    /// `T{...}`, or `{...}` inside another literal whose element type is `hint`: the keys
    /// of a struct literal are its fields, and each element's own elided literals get the
    /// element type.
    fn composite_lit(
        &mut self,
        f: &File,
        span: Span,
        ty: Option<ExprId>,
        elts: crate::ast::ExprList,
        hint: Option<TypeId>,
    ) {
        self.opt_expr(f, ty);
        let lit_ty = match ty {
            Some(t) => match *f.expr(t) {
                // `[...]T{...}`: only the element type matters here.
                Expr::ArrayType {
                    len: Some(len),
                    elem,
                } if matches!(f.expr(len), Expr::Ellipsis(None)) => {
                    let elem = type_expr(self.p, &self.env, elem);
                    Some(self.p.intern(Type::Slice(elem)))
                }
                _ => Some(type_expr(self.p, &self.env, t)),
            },
            // `[]*T{{...}}`: an elided `&T{...}`.
            None => hint.map(|h| match *self.p.ty(h) {
                Type::Pointer(base) => base,
                _ => h,
            }),
        };
        let under = lit_ty.map(|t| underlying(self.p, t));
        let (owner, elem_types) = match under.map(|u| self.p.ty(u).clone()) {
            Some(Type::Struct(s)) => (lit_ty, Elements::Struct(s.fields)),
            Some(Type::Array { elem, .. } | Type::Slice(elem)) => (None, Elements::Indexed(elem)),
            Some(Type::Map { key, value }) => (None, Elements::Map(key, value)),
            _ => (None, Elements::Unknown),
        };
        if let (Some(ty), Elements::Struct(fields)) = (owner, &elem_types) {
            self.unkeyed(f, span, ty, fields, elts);
        }
        for (i, &e) in f.expr_list(elts).iter().enumerate() {
            match (f.expr(e), &elem_types) {
                (Expr::KeyValue { key, value }, Elements::Struct(fields)) => {
                    let field = fields
                        .iter()
                        .find(|fl| fl.name == self.text(f.expr_span(*key)));
                    let field_ty = field.map(|fl| fl.ty);
                    if let (Some(field), Some(owner)) = (field, owner) {
                        if matches!(f.expr(*key), Expr::Ident) {
                            let (pkg, key_span) = (field.pkg, f.expr_span(*key));
                            self.record_member(key_span, UseKind::Key, Some(pkg), owner, owner);
                        }
                    }
                    self.expr_in(f, *value, field_ty);
                    if let Some(t) = field_ty {
                        self.element(f, *value, t);
                    }
                }
                (Expr::KeyValue { key, value }, Elements::Indexed(elem)) => {
                    self.expr(f, *key);
                    self.expr_in(f, *value, Some(*elem));
                    self.element(f, *value, *elem);
                }
                (Expr::KeyValue { key, value }, Elements::Map(k, v)) => {
                    self.expr_in(f, *key, Some(*k));
                    self.expr_in(f, *value, Some(*v));
                    self.element(f, *key, *k);
                    self.element(f, *value, *v);
                }
                (Expr::KeyValue { key, value }, Elements::Unknown) => {
                    // A bare name as a key may be a field name: not walked as an expression.
                    if !matches!(f.expr(*key), Expr::Ident) {
                        self.expr(f, *key);
                    }
                    self.expr(f, *value);
                }
                (_, Elements::Struct(fields)) => {
                    let field_ty = fields.get(i).map(|fl| fl.ty);
                    self.expr_in(f, e, field_ty);
                    if let Some(t) = field_ty {
                        self.element(f, e, t);
                    }
                }
                (_, Elements::Indexed(elem) | Elements::Map(_, elem)) => {
                    self.expr_in(f, e, Some(*elem));
                    self.element(f, e, *elem);
                }
                (_, Elements::Unknown) => self.expr(f, e),
            }
        }
    }
}

/// What the elements of a composite literal are, by its type.
enum Elements {
    Struct(Vec<super::ty::Field>),
    /// Arrays and slices: the element type.
    Indexed(TypeId),
    /// Maps: the key and element types.
    Map(TypeId, TypeId),
    Unknown,
}

/// The argument (or assigned value) `arg`, of operand `x`, as [`Argument`] records it.
fn argument(f: &File, arg: ExprId, x: &Operand) -> Argument {
    let value = match x.mode {
        Mode::Value | Mode::CommaOk => ArgumentValue::Value(x.ty),
        Mode::Const(ref v) => ArgumentValue::Const(x.ty, v.clone()),
        Mode::Nil => ArgumentValue::Nil,
        _ => ArgumentValue::Unknown,
    };
    let selector = match f.expr(unparen(f, arg)) {
        Expr::Selector { sel, .. } => Some(sel.start),
        _ => None,
    };
    Argument {
        offset: f.expr_span(arg).start,
        selector,
        value,
    }
}

/// `x` without the parentheses around it.
fn unparen(f: &File, mut x: ExprId) -> ExprId {
    while let Expr::Paren(inner) = f.expr(x) {
        x = *inner;
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{MemorySource, Sizes};

    const LIB: &str = "package lib\n\nfunc F() int { return 0 }\n\ntype T struct{ A int }\n\nvar V T\n\nconst C = 1\n\nfunc unexported() {}\n\ntype I interface{ Do() }\n\ntype Outer struct {\n\tT\n\t*Inner\n\tI\n}\n\ntype Inner struct{ B string }\n\nfunc (*Inner) M() {}\n\nfunc (T) N() int { return 0 }\n\nfunc Pair() (T, error) { return T{}, nil }\n\nfunc Get[E any](v E, err error) E { return v }\n\ntype Box[E any] struct{ Item E }\n";

    /// The uses of `dep.go` as `OFFSET-TEXT KIND lib.NAME` (TEXT: the identifier at OFFSET).
    fn uses_of(dep: &str) -> Vec<String> {
        let source = MemorySource::new(&[
            ("example.com/lib", &[("lib.go", LIB)]),
            ("example.com/dep", &[("dep.go", dep)]),
        ]);
        let mut p = Program::new(&source, Sizes::for_arch("amd64"));
        let pkg = p.package("", "example.com/dep").expect("dep loads");
        package_uses(&mut p, pkg)
            .into_iter()
            .map(|u| {
                let name = u.package_and_name(&p).1.to_owned();
                let value = match u.target {
                    Target::Implements { value, .. } => Some(value),
                    Target::Member { recv, .. } if u.kind == UseKind::Implicit => Some(recv),
                    _ => None,
                };
                if let Some(value) = value {
                    // At the value (or asserted type): `lib.I<-TYPE@TEXT`, TEXT its leading
                    // name with `&` or `*`.
                    let rest = &dep[u.offset as usize..];
                    let end = rest
                        .find(|c: char| !(c.is_alphanumeric() || c == '&' || c == '*'))
                        .unwrap_or(rest.len());
                    let text = &rest[..end];
                    let value = super::super::typestring::type_string(&mut p, value, Some(pkg));
                    return format!("{} implicit lib.{name}<-{value}@{text}", u.offset);
                }
                let end = u.offset as usize + name.len();
                assert_eq!(&dep[u.offset as usize..end], name, "offset of {name}");
                format!("{} {} lib.{name}", u.offset, u.kind.as_str())
            })
            .collect()
    }

    /// Runs `check` on what [`package_uses_and_calls`] records of `dep.go` (importing LIB).
    fn with_recorded(dep: &str, check: impl FnOnce(&mut Program, PkgId, Recorded)) {
        let source = MemorySource::new(&[
            ("example.com/lib", &[("lib.go", LIB)]),
            ("example.com/dep", &[("dep.go", dep)]),
        ]);
        let mut p = Program::new(&source, Sizes::for_arch("amd64"));
        let pkg = p.package("", "example.com/dep").expect("dep loads");
        let (_, recorded) = package_uses_and_calls(&mut p, pkg);
        check(&mut p, pkg, recorded);
    }

    fn names(uses: &[String]) -> Vec<&str> {
        uses.iter()
            .map(|u| u.rsplit(' ').next().unwrap_or(""))
            .collect()
    }

    #[test]
    fn qualified_names_in_declarations_and_bodies() {
        let dep = "package dep\n\nimport \"example.com/lib\"\n\nvar x = []int{lib.C, lib.F()}\n\nfunc G(t lib.T) lib.T {\n\tv := lib.V\n\tfunc() { _ = lib.C }()\n\treturn v\n}\n";
        assert_eq!(
            names(&uses_of(dep)),
            ["lib.C", "lib.F", "lib.T", "lib.T", "lib.V", "lib.C"]
        );
    }

    #[test]
    fn locals_shadow_the_import_name_only_where_they_are_in_scope() {
        let dep = "package dep\n\nimport \"example.com/lib\"\n\nfunc G(lib struct{ C int }) int { return lib.C }\n\nvar _ = func(lib int) lib.T { return lib.T{} }\n\nfunc H() {\n\tlib := lib.V\n\t_ = lib.A\n\tfor lib := range []int{} {\n\t\t_ = lib\n\t}\n}\n\nfunc K(x any) {\n\tswitch lib := x.(type) {\n\tcase lib.T:\n\t\t_ = lib\n\t}\n\tif true {\n\t\ttype lib int\n\t}\n\t_ = lib.F\n}\n";
        // G's parameter shadows the import in the body, not in the signature; `lib := lib.V`
        // reads the import on the right; the type switch's symbol is declared in the clauses,
        // not in the case list.
        // `lib.A` after `lib := lib.V` is the field A of the local.
        assert_eq!(
            names(&uses_of(dep)),
            ["lib.T", "lib.V", "lib.A", "lib.T", "lib.F"]
        );
    }

    #[test]
    fn dot_imports_and_what_is_not_a_use() {
        let dep = "package dep\n\nimport . \"example.com/lib\"\n\ntype S struct{ F int }\n\nfunc G() {\n\t_ = S{F: 1}\n\t_ = F()\n\tvar C = 2\n\t_ = C\n\t_ = V.A\n}\n";
        // S{F: 1}: a struct literal's key is a field name; the local C shadows lib.C; V is a
        // dot use and `.A` a field of it.
        assert_eq!(kinds(dep), ["dot lib.F", "dot lib.V", "field lib.A"]);
    }

    /// The uses of `dep.go` as `KIND lib.NAME`.
    fn kinds(dep: &str) -> Vec<String> {
        uses_of(dep)
            .iter()
            .map(|u| u.split_once(' ').map_or("", |(_, rest)| rest).to_owned())
            .collect()
    }

    #[test]
    fn fields_and_methods_of_values_through_locals_and_embedding() {
        let dep = "package dep\n\nimport \"example.com/lib\"\n\nfunc G(o lib.Outer, p *lib.Outer) {\n\t_ = o.A\n\t_ = p.B\n\tp.M()\n\to.Do()\n\tx := o.T\n\t_ = x.N()\n\tt, err := lib.Pair()\n\t_, _ = t.A, err\n\tfor _, v := range []lib.T{} {\n\t\t_ = v.A\n\t}\n\tm := map[string]*lib.Inner{}\n\tif in, ok := m[\"k\"]; ok {\n\t\t_ = in.B\n\t}\n}\n";
        assert_eq!(
            kinds(dep),
            [
                "qualified lib.Outer",
                "qualified lib.Outer",
                "field lib.A",
                "field lib.B",
                "method lib.M",
                "method lib.Do",
                "field lib.T",
                "method lib.N",
                "qualified lib.Pair",
                "field lib.A",
                "qualified lib.T",
                "field lib.A",
                "qualified lib.Inner",
                "field lib.B",
            ]
        );
    }

    #[test]
    fn method_expressions_keys_generics_and_type_switches() {
        let dep = "package dep\n\nimport \"example.com/lib\"\n\ntype local struct{ lib.T }\n\nfunc G(x any) {\n\tf := lib.T.N\n\t_ = f\n\t_ = []lib.T{{A: 1}, {A: 2}}\n\t_ = map[string][]*lib.Inner{\"k\": {{B: \"b\"}}}\n\tb := lib.Box[lib.T]{Item: lib.T{}}\n\t_ = b.Item.A\n\t_ = lib.Get(lib.Pair()).A\n\tswitch v := x.(type) {\n\tcase lib.Inner:\n\t\t_ = v.B\n\tcase int, string:\n\t\t_ = v\n\t}\n\t_ = local{}.A\n}\n\nfunc H[S interface{ lib.I }](s S) { s.Do() }\n";
        assert_eq!(
            kinds(dep),
            [
                "qualified lib.T",
                "qualified lib.T",
                "methodexpr lib.N",
                "qualified lib.T",
                "key lib.A",
                "key lib.A",
                "qualified lib.Inner",
                "key lib.B",
                "qualified lib.Box",
                "qualified lib.T",
                "key lib.Item",
                "qualified lib.T",
                "field lib.Item",
                "field lib.A",
                "qualified lib.Get",
                "qualified lib.Pair",
                "field lib.A",
                "qualified lib.Inner",
                "field lib.B",
                "field lib.A",
                "qualified lib.I",
                "method lib.Do",
            ]
        );
    }

    #[test]
    fn own_members_and_unknown_types_are_no_uses() {
        // The package's own fields are not uses; a value of an undefined type selects nothing.
        let dep = "package dep\n\nimport \"example.com/lib\"\n\ntype S struct{ A int }\n\nfunc G(s S) {\n\t_ = s.A\n\t_ = S{A: 1}\n\t_ = undefined.A\n\tvar u Undefined\n\t_ = u.A\n\t_ = lib.V.missing\n}\n";
        assert_eq!(kinds(dep), ["qualified lib.V"]);
    }

    #[test]
    fn unexported_and_missing_names_are_no_uses() {
        let dep = "package dep\n\nimport \"example.com/lib\"\nimport \"example.com/nowhere\"\n\nfunc G() { lib.unexported(); lib.Missing(); nowhere.X() }\n";
        assert!(uses_of(dep).is_empty());
    }

    #[test]
    fn values_used_as_imported_interfaces() {
        let dep = "package dep\n\nimport \"example.com/lib\"\n\ntype impl struct{}\n\nfunc (impl) Do() {}\n\nvar _ lib.I = impl{}\n\nvar same lib.I\n\nfunc Take(i lib.I, rest ...lib.I) {}\n\nfunc G(x lib.I) (lib.I, error) {\n\tTake(impl{}, &impl{}, x)\n\tTake(nil, []lib.I{impl{}}...)\n\tsame = impl{}\n\tsame = x\n\t_ = lib.I(impl{})\n\tch := make(chan lib.I)\n\tch <- impl{}\n\t_ = map[lib.I]lib.I{impl{}: x}\n\t_ = lib.Outer{I: impl{}}\n\ts := []lib.I{}\n\ts = append(s, impl{})\n\t_ = x.(impl)\n\t_ = x.(lib.I)\n\tswitch x.(type) {\n\tcase *impl, nil:\n\t}\n\treturn impl{}, nil\n}\n\ntype mine interface {\n\tlib.I\n\tOther()\n}\n\ntype own interface{ Do() }\n\nvar _ mine = (*impl)(nil)\n\nvar _ own = impl{}\n";
        let implicit: Vec<String> = kinds(dep)
            .into_iter()
            .filter(|k| k.starts_with("implicit"))
            .collect();
        // Not uses: a value of the interface type itself, nil, a slice passed with `...`, the
        // same type asserted, an interface's nil case.
        assert_eq!(
            implicit,
            [
                "implicit lib.I<-impl@impl",
                "implicit lib.I<-impl@impl",
                "implicit lib.I<-*impl@&impl",
                "implicit lib.I<-impl@impl",
                "implicit lib.I<-impl@impl",
                "implicit lib.I<-impl@impl",
                "implicit lib.I<-impl@impl",
                "implicit lib.I<-impl@impl",
                "implicit lib.I<-impl@impl",
                "implicit lib.I<-impl@impl",
                "implicit lib.I<-impl@impl",
                "implicit lib.I<-*impl@*impl",
                "implicit lib.I<-impl@impl",
                // An interface of the package embedding lib.I; not one that embeds nothing.
                "implicit lib.I<-*impl@",
            ]
        );
    }

    #[test]
    fn methods_promoted_from_imported_types_used_by_interfaces() {
        // `wrap` has N from lib.T and M from *lib.Inner; `own` declares what it has.
        let dep = "package dep

import \"example.com/lib\"

type hasN interface{ N() int }

type hasBoth interface {
	N() int
	M()
}

type wrap struct {
	lib.T
	*lib.Inner
}

type own struct{ lib.T }

func (own) N() int { return 1 }

var _ hasN = wrap{}

var _ hasBoth = &wrap{}

var _ hasN = own{}

var _ any = wrap{}

var _ hasN = lib.T{}

func f(v *lib.Inner) interface{ M() } { return v }
";
        let implicit: Vec<String> = kinds(dep)
            .into_iter()
            .filter(|k| k.starts_with("implicit"))
            .collect();
        assert_eq!(
            implicit,
            [
                "implicit lib.N<-wrap@wrap",
                "implicit lib.N<-*wrap@&wrap",
                "implicit lib.M<-*wrap@&wrap",
                "implicit lib.N<-example.com/lib.T@lib",
                "implicit lib.M<-*example.com/lib.Inner@v",
            ]
        );
    }

    #[test]
    fn selector_values_used_as_values_of_known_types_are_recorded() {
        // Assigned (to `_` too, as its own type), passed, returned, an element, sent and
        // converted are; declared without a type and selected from are not (a variable declared
        // with the value is followed: its value assigned is, `via` the value it has).
        let dep = "package dep

import \"example.com/lib\"

type hasN interface{ N() int }

func take(int, ...any) {}

func G(t lib.T, ch chan lib.T) hasN {
	var _ hasN = lib.V
	take(t.A, lib.V)
	_ = []int{t.A}
	ch <- lib.V
	_ = float64(t.A)
	x := lib.V
	_ = lib.V.A
	_ = x
	return lib.V
}
";
        with_recorded(dep, |p, pkg, recorded| {
            let values: Vec<String> = recorded
                .values
                .iter()
                .map(|v| {
                    let at = v.value.offset as usize;
                    let line = dep[..at].matches('\n').count() + 1;
                    let target = super::super::typestring::type_string(p, v.target, Some(pkg));
                    let value = match v.value.value {
                        ArgumentValue::Value(t) => {
                            super::super::typestring::type_string(p, t, Some(pkg))
                        }
                        _ => "?".to_owned(),
                    };
                    let via = v.via.map_or(String::new(), |at| {
                        format!(" via {}", dep[..at as usize].matches('\n').count() + 1)
                    });
                    let converted = if v.converted { " (converted)" } else { "" };
                    format!("{line}: {value} as {target}{via}{converted}")
                })
                .collect();
            assert_eq!(
                values,
                [
                    "10: example.com/lib.T as hasN",
                    "11: int as int",
                    "11: example.com/lib.T as any",
                    "12: int as int",
                    "13: example.com/lib.T as example.com/lib.T",
                    "14: int as float64 (converted)",
                    "16: int as int",
                    "17: example.com/lib.T as example.com/lib.T via 15",
                    "18: example.com/lib.T as hasN",
                ]
            );
        });
    }

    #[test]
    fn variables_defined_with_selected_values_are_followed_to_their_uses() {
        // `f` is only called, `g` passed and assigned, `h` is a call's result, `m` a method
        // value: followed. `v` is selected from and `w` compared: not followed, nor are
        // package-level and blank variables. An inner `f` shadows the outer one.
        let dep = "package dep

import \"example.com/lib\"

var P = lib.F

func take(func() int) {}

func G(t lib.T) {
	f := lib.F
	f()
	_ = f()
	var g = lib.F
	take(g)
	g = lib.F
	h := lib.Pair
	_, _ = h()
	m := t.N
	m()
	{
		f := func() int { return 1 }
		f()
	}
	var _ = lib.V
	v := lib.V
	_ = v.A
	w := lib.F
	_ = w == nil
}
";
        with_recorded(dep, |_, _, recorded| {
            let line = |at: u32| dep[..at as usize].matches('\n').count() + 1;
            let defined: Vec<(usize, bool)> = (recorded.defined.iter())
                .map(|d| (line(d.at), d.followed))
                .collect();
            assert_eq!(
                defined,
                [
                    (5, false),
                    (10, true),
                    (13, true),
                    (16, true),
                    (18, true),
                    (24, false),
                    (25, false),
                    (27, false)
                ]
            );
            let calls: Vec<(usize, usize)> = (recorded.calls.iter())
                .filter_map(|c| Some((line(c.callee), line(c.via?))))
                .collect();
            assert_eq!(calls, [(11, 10), (12, 10), (17, 16), (19, 18)]);
            let values: Vec<(usize, usize)> = (recorded.values.iter())
                .filter_map(|v| Some((line(v.value.offset), line(v.via?))))
                .collect();
            assert_eq!(values, [(14, 13), (15, 13)]);
        });
    }

    #[test]
    fn selector_values_in_binary_operations_are_recorded() {
        let dep = "package dep

import \"example.com/lib\"

func G(t lib.T, n int64) bool {
	_ = lib.C + n
	return 2 < t.A
}
";
        with_recorded(dep, |_, _, recorded| {
            let line = |at: u32| dep[..at as usize].matches('\n').count() + 1;
            let binary: Vec<(usize, TokenKind, bool, bool)> = (recorded.binary.iter())
                .map(|b| {
                    let other_const = matches!(b.other.value, ArgumentValue::Const(..));
                    (line(b.start), b.op, b.left, other_const)
                })
                .collect();
            assert_eq!(
                binary,
                [
                    (6, TokenKind::Add, true, false),
                    (7, TokenKind::Lss, false, true)
                ]
            );
        });
    }
}
