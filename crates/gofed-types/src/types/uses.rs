//! The uses one package makes of other packages' exported objects, as go/types records them
//! in `Info.Uses` (issue #15's "uses"), in declarations and in function bodies (parsed here,
//! one at a time, with [`parse_body`]).
//!
//! Resolved so far: the names whose object follows from scopes alone, without the types of
//! expressions:
//! - **qualified identifiers** (`fmt.Println`): the `Sel` of a selector whose operand is a
//!   name no local declaration shadows and that names an import;
//! - **dot-imported names** (`Println` after `import . "fmt"`).
//!
//! Not yet: fields and methods selected on values, method expressions and the field names of
//! struct literal keys, which need the types of body expressions.
//!
//! Scopes follow the Go specification: a local constant or variable is in scope after its
//! declaration (`x := x` reads the outer `x`), a local type from its name on, parameters and
//! results in the function's body, `if`/`for`/`switch` headers and `case` clauses in scopes of
//! their own.

use std::sync::Arc;

use crate::ast::{Block, Expr, ExprId, FieldList, File, Spec, Stmt, StmtId, StmtList};
use crate::ast::{Decl, GenDecl};
use crate::parser::{parse_body, parse_file};
use crate::span::Span;
use crate::token::TokenKind;

use super::check::{is_exported, lookup, Env, Resolved};
use super::{ObjId, PkgId, Program};

/// How an identifier reaches another package's object (the `KIND` of `gouses`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum UseKind {
    /// `pkg.Name`
    Qualified,
    /// `Name`, brought in by `import . "pkg"`
    Dot,
}

impl UseKind {
    /// gouses' name of the kind.
    pub fn as_str(self) -> &'static str {
        match self {
            UseKind::Qualified => "qualified",
            UseKind::Dot => "dot",
        }
    }
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
    /// The object.
    pub object: ObjId,
}

/// The uses package `pkg` makes of other packages' exported objects, by file and offset.
pub fn package_uses(p: &mut Program, pkg: PkgId) -> Vec<Use> {
    let files = p.packages[pkg.0 as usize].files.clone();
    let mut out = Vec::new();
    for (file_idx, file) in files.iter().enumerate() {
        let mut walker = Walker {
            p: &mut *p,
            env: Env::for_file(pkg, file_idx, file),
            src: Arc::clone(&file.src),
            scopes: Vec::new(),
            out: &mut out,
        };
        walker.file();
    }
    out.sort_by(|a, b| (&a.file, a.offset).cmp(&(&b.file, b.offset)));
    out
}

struct Walker<'p, 's, 'o> {
    p: &'p mut Program<'s>,
    env: Env,
    src: Arc<[u8]>,
    /// Local scopes, innermost last: the names declared in each.
    scopes: Vec<Vec<Box<str>>>,
    out: &'o mut Vec<Use>,
}

impl Walker<'_, '_, '_> {
    fn text(&self, span: Span) -> &str {
        std::str::from_utf8(span.slice(&self.src)).unwrap_or("")
    }

    fn push(&mut self) {
        self.scopes.push(Vec::new());
    }

    fn pop(&mut self) {
        self.scopes.pop();
    }

    fn declare(&mut self, name: Span) {
        let name: Box<str> = self.text(name).into();
        if let Some(scope) = self.scopes.last_mut() {
            scope.push(name);
        }
    }

    fn is_local(&self, name: &str) -> bool {
        self.scopes.iter().any(|s| s.iter().any(|n| &**n == name))
    }

    fn record(&mut self, offset: u32, kind: UseKind, object: ObjId) {
        self.out.push(Use {
            file: self.env.file.name.clone(),
            offset,
            kind,
            object,
        });
    }

    // ---- declarations

    /// The file's declarations. Its tree is parsed again: the checker's may have dropped
    /// composite literal elements (`ParseMode::Declarations`), and the uses need them.
    fn file(&mut self) {
        let parsed = parse_file(&self.src);
        let f = &parsed.file;
        for decl in &f.decls {
            match decl {
                Decl::Gen(gen) if gen.tok != TokenKind::Import => self.gen_decl(f, gen),
                Decl::Func(func) => {
                    self.push();
                    if let Some(recv) = func.recv {
                        // The receiver's type parameters are declared by `T[K, V]`.
                        for field in f.field_list(recv) {
                            self.declare_receiver_type_params(f, field.ty);
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
                        self.body(body);
                    }
                    self.pop();
                }
                _ => {}
            }
        }
    }

    fn declare_receiver_type_params(&mut self, f: &File, mut ty: ExprId) {
        loop {
            match f.expr(ty) {
                Expr::Star(x) | Expr::Paren(x) => ty = *x,
                Expr::Index { index, .. } => {
                    if matches!(f.expr(*index), Expr::Ident) {
                        self.declare(f.expr_span(*index));
                    }
                    return;
                }
                Expr::IndexList { indices, .. } => {
                    for &i in f.expr_list(*indices) {
                        if matches!(f.expr(i), Expr::Ident) {
                            self.declare(f.expr_span(i));
                        }
                    }
                    return;
                }
                _ => return,
            }
        }
    }

    /// A body skipped by the file's parse: parsed now, on its own.
    fn body(&mut self, body: Span) {
        let parsed = parse_body(&self.src, body.start);
        self.block(&parsed.file, parsed.block);
    }

    fn gen_decl(&mut self, f: &File, gen: &GenDecl) {
        for spec in &gen.specs {
            match spec {
                Spec::Value(v) => {
                    // In scope after the spec (`x := x` style), and never a use themselves.
                    self.opt_expr(f, v.ty);
                    self.exprs(f, f.expr_list(v.values));
                    if !self.scopes.is_empty() {
                        for &name in f.ident_list(v.names) {
                            self.declare(name);
                        }
                    }
                }
                Spec::Type(t) => {
                    if !self.scopes.is_empty() {
                        self.declare(t.name);
                    }
                    self.push();
                    if let Some(tparams) = t.type_params {
                        self.type_params(f, tparams);
                    }
                    self.expr(f, t.ty);
                    self.pop();
                }
                Spec::Import(_) => {}
            }
        }
    }

    fn type_params(&mut self, f: &File, list: FieldList) {
        // A type parameter is in scope in its own list's constraints.
        for field in f.field_list(list) {
            for &name in f.ident_list(field.names) {
                self.declare(name);
            }
        }
        for field in f.field_list(list) {
            self.expr(f, field.ty);
        }
    }

    /// A function's receiver, parameters and results: their types first, then their names,
    /// which are in scope in the body only (go/types declares them at the body's start), so
    /// `func(net string) net.Conn` names the package.
    fn signature(&mut self, f: &File, lists: &[FieldList]) {
        for &list in lists {
            self.fields(f, list);
        }
        for &list in lists {
            for field in f.field_list(list) {
                for &name in f.ident_list(field.names) {
                    self.declare(name);
                }
            }
        }
    }

    /// Struct fields, parameters, interface elements: the types are walked (the names are no
    /// uses).
    fn fields(&mut self, f: &File, list: FieldList) {
        for field in f.field_list(list) {
            self.expr(f, field.ty);
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
            Stmt::Expr(x) | Stmt::Go(x) | Stmt::Defer(x) | Stmt::IncDec { x, .. } => {
                self.expr(f, *x)
            }
            Stmt::Send { chan, value } => {
                self.expr(f, *chan);
                self.expr(f, *value);
            }
            Stmt::Assign { lhs, tok, rhs, .. } => {
                self.exprs(f, f.expr_list(*rhs));
                if *tok == TokenKind::Define {
                    self.declare_idents(f, f.expr_list(*lhs));
                } else {
                    self.exprs(f, f.expr_list(*lhs));
                }
            }
            Stmt::Return(results) => self.exprs(f, f.expr_list(*results)),
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
                // `v := x.(type)`: x is walked here, v is declared in each clause.
                let symbol = match f.stmt(*assign) {
                    Stmt::Assign { lhs, rhs, .. } => {
                        self.exprs(f, f.expr_list(*rhs));
                        f.expr_list(*lhs).first().map(|&v| f.expr_span(v))
                    }
                    Stmt::Expr(x) => {
                        self.expr(f, *x);
                        None
                    }
                    _ => None,
                };
                for &clause in f.stmt_list(body.stmts) {
                    if let Stmt::CaseClause { list, body, .. } = f.stmt(clause) {
                        self.push();
                        if let Some(list) = list {
                            self.exprs(f, f.expr_list(*list));
                        }
                        if let Some(symbol) = symbol {
                            self.declare(symbol);
                        }
                        self.stmts(f, *body);
                        self.pop();
                    }
                }
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
                    self.declare_idents(f, &vars);
                } else {
                    self.exprs(f, &vars);
                }
                self.block(f, *body);
                self.pop();
            }
        }
    }

    fn declare_idents(&mut self, f: &File, list: &[ExprId]) {
        for &x in list {
            if matches!(f.expr(x), Expr::Ident) {
                self.declare(f.expr_span(x));
            }
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
        stacker::maybe_grow(super::STACK_RED_ZONE, super::STACK_SEGMENT, || {
            self.expr_inner(f, id)
        });
    }

    fn expr_inner(&mut self, f: &File, id: ExprId) {
        match f.expr(id) {
            Expr::Bad | Expr::Elided(_) | Expr::BasicLit(_) => {}
            Expr::Ident => self.name(f.expr_span(id)),
            Expr::Selector { x, sel } => {
                if matches!(f.expr(*x), Expr::Ident) {
                    self.selector_of_name(f.expr_span(*x), *sel);
                } else {
                    // A field or method of a value: not resolved yet.
                    self.expr(f, *x);
                }
            }
            Expr::CompositeLit { ty, elts } => {
                self.opt_expr(f, *ty);
                // A bare name as a key is a field name when the literal's type is a struct,
                // an expression for maps, arrays and slices: only these types are told apart
                // without the checker.
                let keys_are_exprs = ty.is_some_and(|t| {
                    matches!(f.expr(t), Expr::MapType { .. } | Expr::ArrayType { .. })
                });
                for &e in f.expr_list(*elts) {
                    match f.expr(e) {
                        Expr::KeyValue { key, value } => {
                            if keys_are_exprs || !matches!(f.expr(*key), Expr::Ident) {
                                self.expr(f, *key);
                            }
                            self.expr(f, *value);
                        }
                        _ => self.expr(f, e),
                    }
                }
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
                match block {
                    Some(block) => self.block(f, *block),
                    None => self.body(*body),
                }
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
            }
            Expr::Call { fun, args, .. } => {
                self.expr(f, *fun);
                self.exprs(f, f.expr_list(*args));
            }
            Expr::Binary { x, y, .. } => {
                self.expr(f, *x);
                self.expr(f, *y);
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
        if name == "_" || self.is_local(name) {
            return;
        }
        let name = name.to_owned();
        if let Resolved::Obj(obj) = lookup(self.p, &self.env, &name) {
            let pkg = self.p.objects[obj.0 as usize].pkg;
            if pkg.is_some_and(|pkg| pkg != self.env.pkg) && is_exported(&name) {
                self.record(span.start, UseKind::Dot, obj);
            }
        }
    }

    /// `x.sel` with a name `x`: the use of an import's `sel`, or of a dot-imported `x` (a
    /// field or method `sel` of a value or type `x` is not resolved yet).
    fn selector_of_name(&mut self, x: Span, sel: Span) {
        let name = self.text(x);
        if self.is_local(name) {
            return;
        }
        let name = name.to_owned();
        match lookup(self.p, &self.env, &name) {
            Resolved::Pkg(pkg) => {
                let package = &self.p.packages[pkg.0 as usize];
                let sel_name = std::str::from_utf8(sel.slice(&self.src)).unwrap_or("");
                if !package.missing && is_exported(sel_name) {
                    if let Some(&obj) = package.scope.get(sel_name) {
                        self.record(sel.start, UseKind::Qualified, obj);
                    }
                }
            }
            Resolved::Obj(_) => self.name(x),
            Resolved::TypeParam(_) | Resolved::None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{MemorySource, Sizes};

    const LIB: &str = "package lib\n\nfunc F() int { return 0 }\n\ntype T struct{ A int }\n\nvar V T\n\nconst C = 1\n\nfunc unexported() {}\n";

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
                let name = p.objects[u.object.0 as usize].name.to_string();
                let end = u.offset as usize + name.len();
                assert_eq!(&dep[u.offset as usize..end], name, "offset of {name}");
                format!("{} {} lib.{name}", u.offset, u.kind.as_str())
            })
            .collect()
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
        assert_eq!(names(&uses_of(dep)), ["lib.T", "lib.V", "lib.T", "lib.F"]);
    }

    #[test]
    fn dot_imports_and_what_is_not_a_use() {
        let dep = "package dep\n\nimport . \"example.com/lib\"\n\ntype S struct{ F int }\n\nfunc G() {\n\t_ = S{F: 1}\n\t_ = F()\n\tvar C = 2\n\t_ = C\n\t_ = V.A\n}\n";
        // S{F: 1}: a struct literal's key is a field name; the local C shadows lib.C; `.A` is a
        // field selection (not resolved yet) but V is a use.
        assert_eq!(names(&uses_of(dep)), ["lib.F", "lib.V"]);
        assert!(uses_of(dep).iter().all(|u| u.contains(" dot ")));
    }

    #[test]
    fn unexported_and_missing_names_are_no_uses() {
        let dep = "package dep\n\nimport \"example.com/lib\"\nimport \"example.com/nowhere\"\n\nfunc G() { lib.unexported(); lib.Missing(); nowhere.X() }\n";
        assert!(uses_of(dep).is_empty());
    }
}
