//! The nodes of a tree in the order `go/ast.Inspect` visits them, named by their `go/ast`
//! types, with `go/ast`'s positions: how the parser is compared with go/parser node by node
//! (`gofed debug parse`, `scripts/oracle/goparsedump`). Comments are left out.

use super::{Block, Expr, ExprId, ExprList, FieldList, File, GenDecl, IdentList, Spec};
use super::{Stmt, StmtId, StmtList};

/// Recursion beyond this many bytes of remaining stack moves to a new segment (bodies nest as
/// deep as the parser allows).
const STACK_RED_ZONE: usize = 64 * 1024;
const STACK_SEGMENT: usize = 2 * 1024 * 1024;

/// Calls `visit(kind, pos)` for `block` (a `BlockStmt`) and every node below it, in
/// `go/ast.Inspect` order; `kind` is the `go/ast` type's name, `pos` its `Pos()` as an offset.
pub fn go_ast_nodes(file: &File, block: Block, visit: &mut dyn FnMut(&'static str, u32)) {
    Walker { file, visit }.block(block);
}

struct Walker<'a, 'v> {
    file: &'a File,
    visit: &'v mut dyn FnMut(&'static str, u32),
}

impl Walker<'_, '_> {
    fn node(&mut self, kind: &'static str, pos: u32) {
        (self.visit)(kind, pos);
    }

    fn block(&mut self, block: Block) {
        self.node("BlockStmt", block.span.start);
        self.stmts(block.stmts);
    }

    fn stmts(&mut self, list: StmtList) {
        for &stmt in self.file.stmt_list(list) {
            self.stmt(stmt);
        }
    }

    fn opt_stmt(&mut self, stmt: Option<StmtId>) {
        if let Some(stmt) = stmt {
            self.stmt(stmt);
        }
    }

    fn stmt(&mut self, id: StmtId) {
        stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || self.stmt_inner(id));
    }

    fn stmt_inner(&mut self, id: StmtId) {
        let pos = self.file.stmt_span(id).start;
        match self.file.stmt(id) {
            Stmt::Bad => self.node("BadStmt", pos),
            Stmt::Decl(gen) => {
                self.node("DeclStmt", pos);
                self.gen_decl(gen);
            }
            Stmt::Empty { .. } => self.node("EmptyStmt", pos),
            Stmt::Labeled { label, stmt } => {
                self.node("LabeledStmt", pos);
                self.node("Ident", label.start);
                self.stmt(*stmt);
            }
            Stmt::Expr(x) => {
                self.node("ExprStmt", pos);
                self.expr(*x);
            }
            Stmt::Send { chan, value } => {
                self.node("SendStmt", pos);
                self.expr(*chan);
                self.expr(*value);
            }
            Stmt::IncDec { x, .. } => {
                self.node("IncDecStmt", pos);
                self.expr(*x);
            }
            Stmt::Assign { lhs, rhs, .. } => {
                self.node("AssignStmt", pos);
                self.exprs(*lhs);
                self.exprs(*rhs);
            }
            Stmt::Go(call) => {
                self.node("GoStmt", pos);
                self.expr(*call);
            }
            Stmt::Defer(call) => {
                self.node("DeferStmt", pos);
                self.expr(*call);
            }
            Stmt::Return(results) => {
                self.node("ReturnStmt", pos);
                self.exprs(*results);
            }
            Stmt::Branch { label, .. } => {
                self.node("BranchStmt", pos);
                if let Some(label) = label {
                    self.node("Ident", label.start);
                }
            }
            Stmt::Block(block) => self.block(*block),
            Stmt::If {
                init,
                cond,
                body,
                els,
            } => {
                self.node("IfStmt", pos);
                self.opt_stmt(*init);
                self.expr(*cond);
                self.block(*body);
                self.opt_stmt(*els);
            }
            Stmt::CaseClause { list, body, .. } => {
                self.node("CaseClause", pos);
                if let Some(list) = list {
                    self.exprs(*list);
                }
                self.stmts(*body);
            }
            Stmt::Switch { init, tag, body } => {
                self.node("SwitchStmt", pos);
                self.opt_stmt(*init);
                self.opt_expr(*tag);
                self.block(*body);
            }
            Stmt::TypeSwitch { init, assign, body } => {
                self.node("TypeSwitchStmt", pos);
                self.opt_stmt(*init);
                self.stmt(*assign);
                self.block(*body);
            }
            Stmt::CommClause { comm, body, .. } => {
                self.node("CommClause", pos);
                self.opt_stmt(*comm);
                self.stmts(*body);
            }
            Stmt::Select { body } => {
                self.node("SelectStmt", pos);
                self.block(*body);
            }
            Stmt::For {
                init,
                cond,
                post,
                body,
            } => {
                self.node("ForStmt", pos);
                self.opt_stmt(*init);
                self.opt_expr(*cond);
                self.opt_stmt(*post);
                self.block(*body);
            }
            Stmt::Range {
                key,
                value,
                x,
                body,
                ..
            } => {
                self.node("RangeStmt", pos);
                self.opt_expr(*key);
                self.opt_expr(*value);
                self.expr(*x);
                self.block(*body);
            }
        }
    }

    fn gen_decl(&mut self, gen: &GenDecl) {
        self.node("GenDecl", gen.span.start);
        for spec in &gen.specs {
            match spec {
                Spec::Value(v) => {
                    let pos = self
                        .file
                        .ident_list(v.names)
                        .first()
                        .map_or(v.span.start, |n| n.start);
                    self.node("ValueSpec", pos);
                    self.idents(v.names);
                    self.opt_expr(v.ty);
                    self.exprs(v.values);
                }
                Spec::Type(t) => {
                    self.node("TypeSpec", t.name.start);
                    self.node("Ident", t.name.start);
                    self.opt_fields(t.type_params);
                    self.expr(t.ty);
                }
                Spec::Import(i) => self.node("ImportSpec", i.span.start),
            }
        }
    }

    fn idents(&mut self, list: IdentList) {
        for name in self.file.ident_list(list) {
            self.node("Ident", name.start);
        }
    }

    fn exprs(&mut self, list: ExprList) {
        for &x in self.file.expr_list(list) {
            self.expr(x);
        }
    }

    fn opt_expr(&mut self, x: Option<ExprId>) {
        if let Some(x) = x {
            self.expr(x);
        }
    }

    fn opt_fields(&mut self, list: Option<FieldList>) {
        if let Some(list) = list {
            self.fields(list);
        }
    }

    fn fields(&mut self, list: FieldList) {
        let fields = self.file.field_list(list);
        // go/ast: the opening delimiter, else the first field.
        let pos = match fields.first() {
            Some(first) if list.span.is_empty() => first.span.start,
            _ => list.span.start,
        };
        self.node("FieldList", pos);
        for field in fields {
            self.node("Field", field.span.start);
            self.idents(field.names);
            self.expr(field.ty);
            if let Some(tag) = field.tag {
                self.node("BasicLit", tag.start);
            }
        }
    }

    fn expr(&mut self, id: ExprId) {
        stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || self.expr_inner(id));
    }

    fn expr_inner(&mut self, id: ExprId) {
        let pos = self.file.expr_span(id).start;
        match self.file.expr(id) {
            Expr::Bad => self.node("BadExpr", pos),
            Expr::Elided(_) => self.node("Elided", pos),
            Expr::Ident => self.node("Ident", pos),
            Expr::BasicLit(_) => self.node("BasicLit", pos),
            Expr::CompositeLit { ty, elts } => {
                self.node("CompositeLit", pos);
                self.opt_expr(*ty);
                self.exprs(*elts);
            }
            Expr::FuncLit { ty, block, .. } => {
                self.node("FuncLit", pos);
                self.expr(*ty);
                if let Some(block) = block {
                    self.block(*block);
                }
            }
            Expr::Paren(x) => {
                self.node("ParenExpr", pos);
                self.expr(*x);
            }
            Expr::Selector { x, sel } => {
                self.node("SelectorExpr", pos);
                self.expr(*x);
                self.node("Ident", sel.start);
            }
            Expr::Index { x, index } => {
                self.node("IndexExpr", pos);
                self.expr(*x);
                self.expr(*index);
            }
            Expr::IndexList { x, indices } => {
                self.node("IndexListExpr", pos);
                self.expr(*x);
                self.exprs(*indices);
            }
            Expr::Slice {
                x, low, high, max, ..
            } => {
                self.node("SliceExpr", pos);
                self.expr(*x);
                self.opt_expr(*low);
                self.opt_expr(*high);
                self.opt_expr(*max);
            }
            Expr::TypeAssert { x, ty } => {
                self.node("TypeAssertExpr", pos);
                self.expr(*x);
                self.opt_expr(*ty);
            }
            Expr::Call { fun, args, .. } => {
                self.node("CallExpr", pos);
                self.expr(*fun);
                self.exprs(*args);
            }
            Expr::Star(x) => {
                self.node("StarExpr", pos);
                self.expr(*x);
            }
            Expr::Unary { x, .. } => {
                self.node("UnaryExpr", pos);
                self.expr(*x);
            }
            Expr::Binary { x, y, .. } => {
                self.node("BinaryExpr", pos);
                self.expr(*x);
                self.expr(*y);
            }
            Expr::KeyValue { key, value } => {
                self.node("KeyValueExpr", pos);
                self.expr(*key);
                self.expr(*value);
            }
            Expr::ArrayType { len, elem } => {
                self.node("ArrayType", pos);
                self.opt_expr(*len);
                self.expr(*elem);
            }
            Expr::Ellipsis(elt) => {
                self.node("Ellipsis", pos);
                self.opt_expr(*elt);
            }
            Expr::StructType(fields) => {
                self.node("StructType", pos);
                self.fields(*fields);
            }
            Expr::FuncType {
                type_params,
                params,
                results,
            } => {
                self.node("FuncType", pos);
                self.opt_fields(*type_params);
                self.fields(*params);
                self.opt_fields(*results);
            }
            Expr::InterfaceType(methods) => {
                self.node("InterfaceType", pos);
                self.fields(*methods);
            }
            Expr::MapType { key, value } => {
                self.node("MapType", pos);
                self.expr(*key);
                self.expr(*value);
            }
            Expr::ChanType { value, .. } => {
                self.node("ChanType", pos);
                self.expr(*value);
            }
        }
    }
}
