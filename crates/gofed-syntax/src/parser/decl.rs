//! The package clause and declarations (go/parser's "Declarations" and "Source files").

use crate::ast::{
    CommentGroup, Decl, Expr, ExprId, ExprList, File, FuncDecl, GenDecl, ImportSpec, Spec,
    TypeSpec, ValueSpec,
};
use crate::diagnostic::Expected;
use crate::span::Span;
use crate::token::{Comment, TokenKind};

use super::{ParseMode, Parser, DECL_START, EXPR_END};

impl Parser<'_> {
    pub(super) fn parse_file(&mut self, mode: ParseMode) {
        // Errors scanning the first token: likely not a Go file at all.
        if !self.lexer.errors().is_empty() {
            return;
        }
        // package clause
        let pkg_pos = self.expect(TokenKind::Package);
        self.file.package_span = Span::new(pkg_pos, self.prev_end.max(pkg_pos));
        self.file.package_name = self.parse_ident();
        self.expect_semi();
        // Errors in the package clause: likely not a Go file at all.
        if !self.errors.is_empty() || !self.lexer.errors().is_empty() {
            return;
        }
        if mode == ParseMode::PackageClauseOnly {
            return;
        }
        while self.at(TokenKind::Import) {
            let decl = self.parse_gen_decl(TokenKind::Import);
            self.file.decls.push(decl);
        }
        if mode == ParseMode::ImportsOnly {
            return;
        }
        let mut prev = TokenKind::Import;
        while !self.at(TokenKind::Eof) {
            // Imports are accepted after other declarations for tolerance, with an error.
            if self.at(TokenKind::Import) && prev != TokenKind::Import {
                let pos = self.pos();
                self.error_msg(pos, "imports must appear before other declarations");
            }
            prev = self.tok.kind;
            let decl = self.parse_decl();
            self.file.decls.push(decl);
        }
    }

    fn parse_decl(&mut self) -> Decl {
        match self.tok.kind {
            TokenKind::Import | TokenKind::Const | TokenKind::Var | TokenKind::Type => {
                let kind = self.tok.kind;
                self.parse_gen_decl(kind)
            }
            TokenKind::Func => Decl::Func(self.parse_func_decl()),
            _ => {
                let pos = self.pos();
                self.error_expected(pos, Expected::Text("declaration"));
                self.advance(DECL_START);
                Decl::Bad(Span::new(pos, self.pos().max(pos)))
            }
        }
    }

    pub(super) fn parse_gen_decl(&mut self, keyword: TokenKind) -> Decl {
        let pos = self.expect(keyword);
        let mut specs = Vec::new();
        let mut lparen = None;
        if self.at(TokenKind::LParen) {
            lparen = Some(self.pos());
            self.next();
            let mut iota = 0;
            while !self.at(TokenKind::RParen) && !self.at(TokenKind::Eof) {
                specs.push(self.parse_spec(keyword, iota));
                iota += 1;
            }
            self.expect(TokenKind::RParen);
            let span = self.span_from(pos);
            self.expect_semi();
            return Decl::Gen(GenDecl {
                tok: keyword,
                span,
                lparen,
                specs,
                doc: None,
            });
        }
        specs.push(self.parse_spec(keyword, 0));
        let span = self.span_from(pos);
        Decl::Gen(GenDecl {
            tok: keyword,
            span,
            lparen,
            specs,
            doc: None,
        })
    }

    fn parse_spec(&mut self, keyword: TokenKind, iota: u32) -> Spec {
        match keyword {
            TokenKind::Import => Spec::Import(self.parse_import_spec()),
            TokenKind::Type => Spec::Type(self.parse_type_spec()),
            _ => Spec::Value(self.parse_value_spec(keyword, iota)),
        }
    }

    fn parse_import_spec(&mut self) -> ImportSpec {
        let start = self.pos();
        let name = match self.tok.kind {
            TokenKind::Ident => Some(self.parse_ident()),
            TokenKind::Period => {
                let span = self.tok.span;
                self.next();
                Some(span)
            }
            _ => None,
        };
        let pos = self.pos();
        let mut path = Span::empty(pos);
        if self.at(TokenKind::String) {
            path = self.tok.span;
            self.next();
        } else if self.tok.kind.is_literal() {
            self.error_msg(pos, "import path must be a string");
            self.next();
        } else {
            self.error_msg(pos, "missing import path");
            self.advance(EXPR_END);
        }
        let span = self.span_from(start);
        self.expect_semi();
        ImportSpec {
            name,
            path,
            span,
            doc: None,
        }
    }

    fn parse_value_spec(&mut self, keyword: TokenKind, iota: u32) -> ValueSpec {
        let start = self.pos();
        let names = self.parse_ident_list();
        let mut ty = None;
        let mut values = ExprList::default();
        if keyword == TokenKind::Const {
            // Type and values are always permitted, for tolerance.
            if !matches!(
                self.tok.kind,
                TokenKind::Eof | TokenKind::Semicolon | TokenKind::RParen
            ) {
                ty = self.try_ident_or_type();
                if self.at(TokenKind::Assign) {
                    self.next();
                    values = self.parse_list(true);
                }
            }
        } else {
            if !self.at(TokenKind::Assign) {
                ty = Some(self.parse_type());
            }
            if self.at(TokenKind::Assign) {
                self.next();
                values = self.parse_list(true);
            }
        }
        let span = self.span_from(start);
        self.expect_semi();
        ValueSpec {
            names,
            ty,
            values,
            iota,
            span,
            doc: None,
        }
    }

    fn parse_generic_type(
        &mut self,
        spec: &mut TypeSpec,
        open: u32,
        name0: Span,
        typ0: Option<ExprId>,
    ) {
        let mark = self.parse_parameter_list(Some(name0), typ0, TokenKind::RBrack, false);
        self.expect(TokenKind::RBrack);
        let span = self.span_from(open);
        spec.type_params = Some(self.finish_field_list(mark, span));
        if self.at(TokenKind::Assign) {
            spec.assign = Some(self.pos());
            self.next();
        }
        spec.ty = self.parse_type();
    }

    fn parse_type_spec(&mut self) -> TypeSpec {
        let start = self.pos();
        let name = self.parse_ident();
        let mut spec = TypeSpec {
            name,
            type_params: None,
            assign: None,
            ty: ExprId(0),
            span: Span::empty(start),
            doc: None,
        };
        if self.at(TokenKind::LBrack) {
            // An array/slice type or a type parameter list.
            let lbrack = self.pos();
            self.next();
            if self.at(TokenKind::Ident) {
                // Parse an expression x starting with a name, then decide whether it splits
                // into a type parameter name and constraint (go/parser's reasoning: index and
                // slice expressions are never valid array lengths, so `P [` starts a
                // constraint).
                let ident = self.parse_ident();
                let mut x = self.ident_expr(ident);
                if !self.at(TokenKind::LBrack) {
                    self.expr_lev += 1;
                    let lhs = self.parse_primary_expr(Some(x));
                    x = self.parse_binary_expr(Some(lhs), 1);
                    self.expr_lev -= 1;
                }
                let force = self.at(TokenKind::Comma);
                match self.extract_name(x, force) {
                    (Some(pname), ptype) if ptype.is_some() || !self.at(TokenKind::RBrack) => {
                        self.parse_generic_type(&mut spec, lbrack, pname, ptype);
                    }
                    _ => spec.ty = self.parse_array_type(lbrack, Some(x)),
                }
            } else {
                spec.ty = self.parse_array_type(lbrack, None);
            }
        } else {
            if self.at(TokenKind::Assign) {
                spec.assign = Some(self.pos());
                self.next();
            }
            spec.ty = self.parse_type();
        }
        spec.span = self.span_from(start);
        self.expect_semi();
        spec
    }

    /// go/parser's `extractName`: splits `x` into a name and a type-parameter constraint when
    /// `x` can be read as `name constraint`.
    fn extract_name(&mut self, x: ExprId, force: bool) -> (Option<Span>, Option<ExprId>) {
        match *self.file.expr(x) {
            Expr::Ident => return (Some(self.file.expr_span(x)), None),
            Expr::Binary {
                op: TokenKind::Mul,
                x: lhs,
                y,
            } if matches!(self.file.expr(lhs), Expr::Ident) && (force || self.is_type_elem(y)) => {
                // x = name *y
                let name = self.file.expr_span(lhs);
                let y_span = self.file.expr_span(y);
                let star = self.alloc(Expr::Star(y), Span::new(name.end, y_span.end));
                return (Some(name), Some(star));
            }
            Expr::Binary {
                op: TokenKind::Or,
                x: lhs,
                y,
            } => {
                let force = force || self.is_type_elem(y);
                if let (Some(name), Some(lhs)) = self.extract_name(lhs, force) {
                    // x = name lhs|y
                    let span = self.file.expr_span(lhs).cover(self.file.expr_span(y));
                    let op = self.alloc(
                        Expr::Binary {
                            op: TokenKind::Or,
                            x: lhs,
                            y,
                        },
                        span,
                    );
                    return (Some(name), Some(op));
                }
            }
            Expr::Call {
                fun,
                args,
                ellipsis: None,
            } if matches!(self.file.expr(fun), Expr::Ident) && args.len == 1 => {
                let arg = self.file.expr_list(args)[0];
                if force || self.is_type_elem(arg) {
                    // x = name (arg)
                    let name = self.file.expr_span(fun);
                    let span = Span::new(name.end, self.file.expr_span(x).end);
                    let paren = self.alloc(Expr::Paren(arg), span);
                    return (Some(name), Some(paren));
                }
            }
            _ => {}
        }
        (None, Some(x))
    }

    /// go/parser's `isTypeElem`: whether `x` is certainly a type element (not a value).
    fn is_type_elem(&self, x: ExprId) -> bool {
        match *self.file.expr(x) {
            Expr::ArrayType { .. }
            | Expr::StructType(_)
            | Expr::FuncType { .. }
            | Expr::InterfaceType(_)
            | Expr::MapType { .. }
            | Expr::ChanType { .. } => true,
            Expr::Binary { x, y, .. } => self.is_type_elem(x) || self.is_type_elem(y),
            Expr::Unary { op, .. } => op == TokenKind::Tilde,
            Expr::Paren(x) => self.is_type_elem(x),
            _ => false,
        }
    }

    fn parse_func_decl(&mut self) -> FuncDecl {
        let pos = self.expect(TokenKind::Func);
        let recv = if self.at(TokenKind::LParen) {
            self.parse_parameters(false)
        } else {
            None
        };
        let name = self.parse_ident();
        // Type parameters: on functions, and on methods since Go 1.27.
        let type_params = if self.at(TokenKind::LBrack) {
            self.parse_type_parameters()
        } else {
            None
        };
        let params = self.parse_parameters(false).unwrap_or_default();
        let results = self.parse_parameters(true);
        let (mut body, mut block) = (None, None);
        let mut span = self.span_from(pos);
        match self.tok.kind {
            TokenKind::LBrace => {
                let (b, stmts) = self.body();
                span = span.cover(b);
                (body, block) = (Some(b), stmts);
                self.expect_semi();
            }
            TokenKind::Semicolon => {
                self.next();
                if self.at(TokenKind::LBrace) {
                    // The opening `{` of the body on the next line.
                    let pos = self.pos();
                    self.error_msg(pos, "unexpected semicolon or newline before {");
                    let (b, stmts) = self.body();
                    span = span.cover(b);
                    (body, block) = (Some(b), stmts);
                    self.expect_semi();
                }
            }
            _ => self.expect_semi(),
        }
        FuncDecl {
            recv,
            name,
            type_params,
            params,
            results,
            body,
            block,
            span,
            doc: None,
        }
    }
}

/// The doc comment of a node starting at `start`: the comment group that ends on the line
/// right before it and does not follow code on its first line (go/parser's lead comment).
pub fn doc_before(comments: &[Comment], src: &[u8], start: u32) -> Option<CommentGroup> {
    // Last comment ending before `start`.
    let end = comments.partition_point(|c| c.span.end <= start);
    if end == 0 {
        return None;
    }
    // Only whitespace with exactly one newline between the comment and the declaration.
    let gap = Span::new(comments[end - 1].span.end, start).slice(src);
    if !gap.iter().all(|b| b.is_ascii_whitespace())
        || gap.iter().filter(|&&b| b == b'\n').count() != 1
    {
        return None;
    }
    let mut first = end - 1;
    while first > 0 {
        let gap = Span::new(comments[first - 1].span.end, comments[first].span.start).slice(src);
        if !gap.iter().all(|b| b.is_ascii_whitespace())
            || gap.iter().filter(|&&b| b == b'\n').count() > 1
        {
            break;
        }
        first -= 1;
    }
    // The group must start a line (not trail code).
    let line_start = src[..comments[first].span.start as usize]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let before = &src[line_start..comments[first].span.start as usize];
    if !before.iter().all(|b| b.is_ascii_whitespace()) {
        first += 1;
        if first == end {
            return None;
        }
    }
    Some(CommentGroup {
        start: first as u32,
        end: end as u32,
    })
}

/// Attaches doc comments (see [`doc_before`]) to declarations and the specs of a group.
pub(super) fn attach_docs(file: &mut File, src: &[u8]) {
    if file.comments.is_empty() {
        return;
    }
    let comments = &file.comments;
    let doc_for = |start: u32| doc_before(comments, src, start);
    if !file.package_span.is_empty() {
        file.doc = doc_for(file.package_span.start);
    }
    for decl in &mut file.decls {
        match decl {
            Decl::Gen(gen) => {
                gen.doc = doc_for(gen.span.start);
                if gen.lparen.is_some() {
                    for spec in &mut gen.specs {
                        match spec {
                            Spec::Import(s) => s.doc = doc_for(s.span.start),
                            Spec::Value(s) => s.doc = doc_for(s.span.start),
                            Spec::Type(s) => s.doc = doc_for(s.span.start),
                        }
                    }
                }
            }
            Decl::Func(func) => func.doc = doc_for(func.span.start),
            Decl::Bad(_) => {}
        }
    }
}
