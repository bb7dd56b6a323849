//! Types and expressions (go/parser's "Types" and "Expressions" sections).

use crate::ast::{ChanDir, Expr, ExprId, Field, FieldList, IdentList};
use crate::diagnostic::Expected;
use crate::span::Span;
use crate::token::TokenKind;

use super::{ParamItem, Parser, EXPR_END, STMT_START};

/// go/token's `LowestPrec + 1`.
const LOWEST_BINARY_PREC: u8 = 1;

impl Parser<'_> {
    // ---- identifiers

    /// An identifier; on error an empty span at the current position (go/parser's `_`).
    pub(super) fn parse_ident(&mut self) -> Span {
        if self.at(TokenKind::Ident) {
            let span = self.tok.span;
            self.next();
            span
        } else {
            let pos = self.pos();
            self.expect(TokenKind::Ident);
            Span::empty(pos)
        }
    }

    /// `a, b, c` into the ident scratch; returns the list.
    pub(super) fn parse_ident_list(&mut self) -> IdentList {
        let mark = self.ident_scratch.len();
        let first = self.parse_ident();
        self.ident_scratch.push(first);
        while self.at(TokenKind::Comma) {
            self.next();
            let name = self.parse_ident();
            self.ident_scratch.push(name);
        }
        self.finish_ident_list(mark)
    }

    // ---- types

    pub(super) fn parse_type(&mut self) -> ExprId {
        match self.try_ident_or_type() {
            Some(ty) => ty,
            None => {
                let pos = self.pos();
                self.error_expected(pos, Expected::Text("type"));
                self.advance(EXPR_END);
                let to = self.pos();
                self.bad(pos, to)
            }
        }
    }

    fn parse_qualified_ident(&mut self, ident: Option<ExprId>) -> ExprId {
        let ty = self.parse_type_name(ident);
        if self.at(TokenKind::LBrack) {
            self.parse_type_instance(ty)
        } else {
            ty
        }
    }

    fn parse_type_name(&mut self, ident: Option<ExprId>) -> ExprId {
        let ident = match ident {
            Some(ident) => ident,
            None => {
                let name = self.parse_ident();
                self.ident_expr(name)
            }
        };
        if self.at(TokenKind::Period) {
            self.next();
            let sel = self.parse_ident();
            let start = self.file.expr_span(ident).start;
            return self.alloc(
                Expr::Selector { x: ident, sel },
                Span::new(start, sel.end.max(start)),
            );
        }
        ident
    }

    /// `[` has been consumed at `lbrack`; `len` is an already parsed length.
    pub(super) fn parse_array_type(&mut self, lbrack: u32, len: Option<ExprId>) -> ExprId {
        let len = match len {
            Some(len) => Some(len),
            None if self.at(TokenKind::Ellipsis) => {
                let span = self.tok.span;
                self.next();
                Some(self.alloc(Expr::Ellipsis(None), span))
            }
            None if !self.at(TokenKind::RBrack) => {
                self.expr_lev += 1;
                let len = self.parse_rhs();
                self.expr_lev -= 1;
                Some(len)
            }
            None => None,
        };
        if self.at(TokenKind::Comma) {
            let pos = self.pos();
            self.error_msg(pos, "unexpected comma; expecting ]");
            self.next();
        }
        self.expect(TokenKind::RBrack);
        let elem = self.parse_type();
        let span = self.span_from(lbrack);
        self.alloc(Expr::ArrayType { len, elem }, span)
    }

    /// After a name: `x []E`, `x [P]E` (a field or parameter of array type) or `x[P, Q]`
    /// (an instantiated embedded type). Returns the name if it stays a name.
    fn parse_array_field_or_type_instance(&mut self, x: Span) -> (Option<Span>, ExprId) {
        let lbrack = self.expect(TokenKind::LBrack);
        let mut trailing_comma = None;
        let mark = self.expr_scratch.len();
        if !self.at(TokenKind::RBrack) {
            self.expr_lev += 1;
            let arg = self.parse_rhs();
            self.expr_scratch.push(arg);
            while self.at(TokenKind::Comma) {
                let comma = self.pos();
                self.next();
                if self.at(TokenKind::RBrack) {
                    trailing_comma = Some(comma);
                    break;
                }
                let arg = self.parse_rhs();
                self.expr_scratch.push(arg);
            }
            self.expr_lev -= 1;
        }
        self.expect(TokenKind::RBrack);
        let n_args = self.expr_scratch.len() - mark;

        if n_args == 0 {
            // x []E
            let elem = self.parse_type();
            let span = self.span_from(lbrack);
            return (
                Some(x),
                self.alloc(Expr::ArrayType { len: None, elem }, span),
            );
        }
        if n_args == 1 {
            if let Some(elem) = self.try_ident_or_type() {
                // x [P]E
                if let Some(comma) = trailing_comma {
                    self.error_msg(comma, "unexpected comma; expecting ]");
                }
                let len = self.expr_scratch[mark];
                self.expr_scratch.truncate(mark);
                let span = self.span_from(lbrack);
                return (
                    Some(x),
                    self.alloc(
                        Expr::ArrayType {
                            len: Some(len),
                            elem,
                        },
                        span,
                    ),
                );
            }
        }
        // x[P], x[P1, P2], ...
        let base = self.ident_expr(x);
        (None, self.pack_index_expr(base, mark))
    }

    /// `x[a]` or `x[a, b, ...]` from the scratch list starting at `mark` (non-empty).
    fn pack_index_expr(&mut self, x: ExprId, mark: usize) -> ExprId {
        let span = self.span_from(self.file.expr_span(x).start);
        if self.expr_scratch.len() - mark == 1 {
            let index = self.expr_scratch[mark];
            self.expr_scratch.truncate(mark);
            self.alloc(Expr::Index { x, index }, span)
        } else {
            let indices = self.finish_expr_list(mark);
            self.alloc(Expr::IndexList { x, indices }, span)
        }
    }

    fn parse_field_decl(&mut self) -> Field {
        let start = self.pos();
        let mut names = IdentList::default();
        let ty;
        match self.tok.kind {
            TokenKind::Ident => {
                let name = self.parse_ident();
                if matches!(
                    self.tok.kind,
                    TokenKind::Period
                        | TokenKind::String
                        | TokenKind::Semicolon
                        | TokenKind::RBrace
                ) {
                    // embedded type
                    let ident = self.ident_expr(name);
                    ty = if self.at(TokenKind::Period) {
                        self.parse_qualified_ident(Some(ident))
                    } else {
                        ident
                    };
                } else {
                    // name1, name2, ... T
                    let mark = self.ident_scratch.len();
                    self.ident_scratch.push(name);
                    while self.at(TokenKind::Comma) {
                        self.next();
                        let name = self.parse_ident();
                        self.ident_scratch.push(name);
                    }
                    if self.ident_scratch.len() - mark == 1 && self.at(TokenKind::LBrack) {
                        // An embedded instantiated type T[P1, P2] or a field of array type.
                        self.ident_scratch.truncate(mark);
                        let (kept, t) = self.parse_array_field_or_type_instance(name);
                        if let Some(kept) = kept {
                            names = self.ident_list_of(&[kept]);
                        }
                        ty = t;
                    } else {
                        names = self.finish_ident_list(mark);
                        ty = self.parse_type();
                    }
                }
            }
            TokenKind::Mul => {
                let star = self.pos();
                self.next();
                let base = if self.at(TokenKind::LParen) {
                    let pos = self.pos();
                    self.error_msg(pos, "cannot parenthesize embedded type");
                    self.next();
                    let t = self.parse_qualified_ident(None);
                    if self.at(TokenKind::RParen) {
                        self.next();
                    }
                    t
                } else {
                    self.parse_qualified_ident(None)
                };
                let span = self.span_from(star);
                ty = self.alloc(Expr::Star(base), span);
            }
            TokenKind::LParen => {
                let pos = self.pos();
                self.error_msg(pos, "cannot parenthesize embedded type");
                self.next();
                if self.at(TokenKind::Mul) {
                    let star = self.pos();
                    self.next();
                    let base = self.parse_qualified_ident(None);
                    let span = self.span_from(star);
                    ty = self.alloc(Expr::Star(base), span);
                } else {
                    ty = self.parse_qualified_ident(None);
                }
                if self.at(TokenKind::RParen) {
                    self.next();
                }
            }
            _ => {
                let pos = self.pos();
                self.error_expected(pos, Expected::Text("field name or embedded type"));
                self.advance(EXPR_END);
                let to = self.pos();
                ty = self.bad(pos, to);
            }
        }
        let tag = if self.at(TokenKind::String) {
            let span = self.tok.span;
            self.next();
            Some(span)
        } else {
            None
        };
        let span = self.span_from(start);
        self.expect_semi();
        Field {
            names,
            ty,
            tag,
            span,
        }
    }

    fn parse_struct_type(&mut self) -> ExprId {
        let pos = self.expect(TokenKind::Struct);
        let lbrace = self.expect(TokenKind::LBrace);
        let mark = self.field_scratch.len();
        while matches!(
            self.tok.kind,
            TokenKind::Ident | TokenKind::Mul | TokenKind::LParen
        ) {
            let field = self.parse_field_decl();
            self.field_scratch.push(field);
        }
        self.expect(TokenKind::RBrace);
        let fields = self.finish_field_list(mark, self.span_from(lbrace));
        let span = self.span_from(pos);
        self.alloc(Expr::StructType(fields), span)
    }

    fn parse_pointer_type(&mut self) -> ExprId {
        let star = self.expect(TokenKind::Mul);
        let base = self.parse_type();
        let span = self.span_from(star);
        self.alloc(Expr::Star(base), span)
    }

    fn parse_dots_type(&mut self) -> ExprId {
        let pos = self.expect(TokenKind::Ellipsis);
        let elt = self.parse_type();
        let span = self.span_from(pos);
        self.alloc(Expr::Ellipsis(Some(elt)), span)
    }

    fn parse_param_decl(&mut self, name: Option<Span>, type_sets_ok: bool) -> ParamItem {
        if name.is_none() && type_sets_ok && self.at(TokenKind::Tilde) {
            // "~" ...
            return ParamItem {
                name: None,
                ty: Some(self.embedded_elem(None)),
            };
        }
        let mut f = ParamItem {
            name: None,
            ty: None,
        };
        if name.is_some() || self.at(TokenKind::Ident) {
            let name = match name {
                Some(name) => name,
                None => self.parse_ident(),
            };
            f.name = Some(name);
            match self.tok.kind {
                TokenKind::Ident
                | TokenKind::Mul
                | TokenKind::Arrow
                | TokenKind::Func
                | TokenKind::Chan
                | TokenKind::Map
                | TokenKind::Struct
                | TokenKind::Interface
                | TokenKind::LParen => {
                    // name type
                    f.ty = Some(self.parse_type());
                }
                TokenKind::LBrack => {
                    // name "[" type1, ..., typeN "]" or name "[" n "]" type
                    let (kept, ty) = self.parse_array_field_or_type_instance(name);
                    f.name = kept;
                    f.ty = Some(ty);
                }
                TokenKind::Ellipsis => {
                    // name "..." type
                    f.ty = Some(self.parse_dots_type());
                    return f;
                }
                TokenKind::Period => {
                    // name "." ...
                    let ident = self.ident_expr(name);
                    f.ty = Some(self.parse_qualified_ident(Some(ident)));
                    f.name = None;
                }
                TokenKind::Tilde if type_sets_ok => {
                    f.ty = Some(self.embedded_elem(None));
                    return f;
                }
                TokenKind::Or if type_sets_ok => {
                    // name "|" typeset
                    let ident = self.ident_expr(name);
                    f.ty = Some(self.embedded_elem(Some(ident)));
                    f.name = None;
                    return f;
                }
                _ => {}
            }
        } else {
            match self.tok.kind {
                TokenKind::Mul
                | TokenKind::Arrow
                | TokenKind::Func
                | TokenKind::LBrack
                | TokenKind::Chan
                | TokenKind::Map
                | TokenKind::Struct
                | TokenKind::Interface
                | TokenKind::LParen => f.ty = Some(self.parse_type()),
                TokenKind::Ellipsis => {
                    f.ty = Some(self.parse_dots_type());
                    return f;
                }
                _ => {
                    let pos = self.pos();
                    self.error_expected(pos, Expected::Token(TokenKind::RParen));
                    self.advance(EXPR_END);
                }
            }
        }
        // [name] type "|"
        if type_sets_ok && self.at(TokenKind::Or) {
            if let Some(ty) = f.ty {
                f.ty = Some(self.embedded_elem(Some(ty)));
            }
        }
        f
    }

    /// go/parser's `parseParameterList`: parses into the field scratch and returns the mark.
    pub(super) fn parse_parameter_list(
        &mut self,
        mut name0: Option<Span>,
        mut typ0: Option<ExprId>,
        closing: TokenKind,
        dddok: bool,
    ) -> usize {
        let tparams = closing == TokenKind::RBrack;
        let pos0 = match (name0, typ0) {
            (Some(name), _) => name.start,
            (None, Some(ty)) => self.file.expr_span(ty).start,
            (None, None) => self.pos(),
        };
        let field_mark = self.field_scratch.len();
        let mark = self.param_scratch.len();
        let mut named = 0usize; // parameters with an explicit name and type
        let mut typed = 0usize; // parameters with an explicit type

        while name0.is_some() || (self.tok.kind != closing && self.tok.kind != TokenKind::Eof) {
            let par = if let Some(ty) = typ0 {
                let ty = if tparams {
                    self.embedded_elem(Some(ty))
                } else {
                    ty
                };
                ParamItem {
                    name: name0,
                    ty: Some(ty),
                }
            } else {
                self.parse_param_decl(name0, tparams)
            };
            name0 = None;
            typ0 = None;
            if par.name.is_some() || par.ty.is_some() {
                self.param_scratch.push(par);
                if par.name.is_some() && par.ty.is_some() {
                    named += 1;
                }
                if par.ty.is_some() {
                    typed += 1;
                }
            }
            if !self.at_comma("parameter list", closing) {
                break;
            }
            self.next();
        }

        let n = self.param_scratch.len() - mark;
        if n == 0 {
            return field_mark;
        }

        // Distribute parameter types.
        if named == 0 {
            // All unnamed: the names found are type names.
            for i in mark..self.param_scratch.len() {
                if let Some(name) = self.param_scratch[i].name.take() {
                    let ty = self.ident_expr(name);
                    self.param_scratch[i].ty = Some(ty);
                }
            }
            if tparams {
                let (err_pos, msg) = if named == typed {
                    (self.pos(), "missing type constraint")
                } else if n == 1 {
                    (pos0, "missing type parameter name or invalid array length")
                } else {
                    (pos0, "missing type parameter name")
                };
                self.error_msg(err_pos, msg);
            }
        } else if named != n {
            // Some named: all must be named. Sweep right to left filling in types.
            let mut err_pos = None;
            let mut ty: Option<ExprId> = None;
            for i in (mark..self.param_scratch.len()).rev() {
                let par = self.param_scratch[i];
                if let Some(t) = par.ty {
                    ty = Some(t);
                    if par.name.is_none() {
                        let pos = self.file.expr_span(t).start;
                        err_pos = Some(pos);
                        self.param_scratch[i].name = Some(Span::empty(pos));
                    }
                } else if ty.is_some() {
                    self.param_scratch[i].ty = ty;
                } else {
                    // Only a name.
                    let pos = par.name.map_or(0, |n| n.start);
                    err_pos = Some(pos);
                    let to = self.pos();
                    let bad = self.bad(pos, to);
                    self.param_scratch[i].ty = Some(bad);
                }
            }
            if let Some(mut err_pos) = err_pos {
                let msg = if named == typed {
                    err_pos = self.pos();
                    if tparams {
                        "missing type constraint"
                    } else {
                        "missing parameter type"
                    }
                } else if tparams {
                    if n == 1 {
                        "missing type parameter name or invalid array length"
                    } else {
                        "missing type parameter name"
                    }
                } else {
                    "missing parameter name"
                };
                self.error_msg(err_pos, msg);
            }
        }

        // Check the use of `...`.
        let mut first = true;
        for i in mark..self.param_scratch.len() {
            let Some(ty) = self.param_scratch[i].ty else {
                continue;
            };
            if matches!(self.file.expr(ty), Expr::Ellipsis(_))
                && (!dddok || i + 1 < self.param_scratch.len())
            {
                let span = self.file.expr_span(ty);
                if first {
                    first = false;
                    if dddok {
                        self.error_msg(span.start, "can only use ... with final parameter");
                    } else {
                        self.error_msg(span.start, "invalid use of ...");
                    }
                }
                let bad = self.bad(span.start, span.end);
                self.param_scratch[i].ty = Some(bad);
            }
        }

        // Convert to fields: types only, one field each; otherwise names grouped by type.
        let items: Vec<ParamItem> = self.param_scratch.drain(mark..).collect();
        if named == 0 {
            for par in items {
                let Some(ty) = par.ty else { continue };
                let span = self.file.expr_span(ty);
                self.field_scratch.push(Field {
                    names: IdentList::default(),
                    ty,
                    tag: None,
                    span,
                });
            }
            return field_mark;
        }
        let mut group_start = 0;
        while group_start < items.len() {
            let ty = items[group_start].ty;
            let mut group_end = group_start + 1;
            while group_end < items.len() && items[group_end].ty == ty {
                group_end += 1;
            }
            let names: Vec<Span> = items[group_start..group_end]
                .iter()
                .map(|p| p.name.unwrap_or_default())
                .collect();
            let names = self.ident_list_of(&names);
            if let Some(ty) = ty {
                let first_name = self.file.idents[names.start as usize];
                let span = Span::new(first_name.start, self.file.expr_span(ty).end);
                self.field_scratch.push(Field {
                    names,
                    ty,
                    tag: None,
                    span,
                });
            }
            group_start = group_end;
        }
        field_mark
    }

    pub(super) fn parse_type_parameters(&mut self) -> Option<FieldList> {
        let lbrack = self.expect(TokenKind::LBrack);
        let mark = if !self.at(TokenKind::RBrack) {
            self.parse_parameter_list(None, None, TokenKind::RBrack, false)
        } else {
            self.field_scratch.len()
        };
        let rbrack = self.expect(TokenKind::RBrack);
        if self.field_scratch.len() == mark {
            self.error_msg(rbrack, "empty type parameter list");
            return None;
        }
        let span = self.span_from(lbrack);
        Some(self.finish_field_list(mark, span))
    }

    pub(super) fn parse_parameters(&mut self, result: bool) -> Option<FieldList> {
        if !result || self.at(TokenKind::LParen) {
            let lparen = self.expect(TokenKind::LParen);
            let mark = if !self.at(TokenKind::RParen) {
                self.parse_parameter_list(None, None, TokenKind::RParen, !result)
            } else {
                self.field_scratch.len()
            };
            self.expect(TokenKind::RParen);
            let span = self.span_from(lparen);
            return Some(self.finish_field_list(mark, span));
        }
        let ty = self.try_ident_or_type()?;
        let span = self.file.expr_span(ty);
        let mark = self.field_scratch.len();
        self.field_scratch.push(Field {
            names: IdentList::default(),
            ty,
            tag: None,
            span,
        });
        Some(self.finish_field_list(mark, Span::empty(span.start)))
    }

    fn parse_func_type(&mut self) -> ExprId {
        let pos = self.expect(TokenKind::Func);
        // Type parameters are accepted for tolerance, with an error.
        if self.at(TokenKind::LBrack) {
            if let Some(tparams) = self.parse_type_parameters() {
                self.error_msg(
                    tparams.span.start,
                    "function type must have no type parameters",
                );
            }
        }
        self.parse_signature(pos)
    }

    /// Parameters and results, as a `FuncType` starting at `start`.
    fn parse_signature(&mut self, start: u32) -> ExprId {
        let params = self.parse_parameters(false).unwrap_or_default();
        let results = self.parse_parameters(true);
        let span = self.span_from(start);
        let func = Expr::FuncType {
            type_params: None,
            params,
            results,
        };
        self.alloc(func, span)
    }

    fn parse_method_spec(&mut self) -> Field {
        let start = self.pos();
        let mut names = IdentList::default();
        let ty;
        let x = self.parse_type_name(None);
        if matches!(self.file.expr(x), Expr::Ident) {
            let ident = self.file.expr_span(x);
            if self.at(TokenKind::LBrack) {
                // generic method or embedded instantiated type
                let lbrack = self.pos();
                self.next();
                self.expr_lev += 1;
                let x2 = self.parse_expr();
                self.expr_lev -= 1;
                if matches!(self.file.expr(x2), Expr::Ident)
                    && !self.at(TokenKind::Comma)
                    && !self.at(TokenKind::RBrack)
                {
                    // generic method m[T any]: parsed for a better error
                    let name0 = self.file.expr_span(x2);
                    let mark =
                        self.parse_parameter_list(Some(name0), None, TokenKind::RBrack, false);
                    self.field_scratch.truncate(mark);
                    self.expect(TokenKind::RBrack);
                    self.error_msg(lbrack, "interface method must have no type parameters");
                    names = self.ident_list_of(&[ident]);
                    ty = self.parse_signature(lbrack);
                } else {
                    // embedded instantiated type
                    let mark = self.expr_scratch.len();
                    self.expr_scratch.push(x2);
                    if self.at_comma("type argument list", TokenKind::RBrack) {
                        self.expr_lev += 1;
                        self.next();
                        self.parse_list_until(
                            TokenKind::RBrack,
                            "type argument list",
                            Self::parse_type,
                        );
                        self.expr_lev -= 1;
                    }
                    self.expect_closing(TokenKind::RBrack, "type argument list");
                    ty = self.pack_index_expr(x, mark);
                }
            } else if self.at(TokenKind::LParen) {
                // ordinary method
                names = self.ident_list_of(&[ident]);
                let lparen = self.pos();
                ty = self.parse_signature(lparen);
            } else {
                // embedded type
                ty = x;
            }
        } else {
            // embedded, possibly instantiated type
            ty = if self.at(TokenKind::LBrack) {
                self.parse_type_instance(x)
            } else {
                x
            };
        }
        let span = self.span_from(start);
        Field {
            names,
            ty,
            tag: None,
            span,
        }
    }

    fn embedded_elem(&mut self, x: Option<ExprId>) -> ExprId {
        let mut x = match x {
            Some(x) => x,
            None => self.embedded_term(),
        };
        while self.at(TokenKind::Or) {
            self.next();
            let y = self.embedded_term();
            let span = self.file.expr_span(x).cover(self.file.expr_span(y));
            x = self.alloc(
                Expr::Binary {
                    op: TokenKind::Or,
                    x,
                    y,
                },
                span,
            );
        }
        x
    }

    fn embedded_term(&mut self) -> ExprId {
        if self.at(TokenKind::Tilde) {
            let pos = self.pos();
            self.next();
            let x = self.parse_type();
            let span = self.span_from(pos);
            return self.alloc(
                Expr::Unary {
                    op: TokenKind::Tilde,
                    x,
                },
                span,
            );
        }
        match self.try_ident_or_type() {
            Some(t) => t,
            None => {
                let pos = self.pos();
                self.error_expected(pos, Expected::Text("~ term or type"));
                self.advance(EXPR_END);
                let to = self.pos();
                self.bad(pos, to)
            }
        }
    }

    fn parse_interface_type(&mut self) -> ExprId {
        let pos = self.expect(TokenKind::Interface);
        let lbrace = self.expect(TokenKind::LBrace);
        let mark = self.field_scratch.len();
        loop {
            if self.at(TokenKind::Ident) {
                let mut f = self.parse_method_spec();
                if f.names.len == 0 {
                    f.ty = self.embedded_elem(Some(f.ty));
                    f.span = f.span.cover(self.file.expr_span(f.ty));
                }
                self.expect_semi();
                self.field_scratch.push(f);
            } else if self.at(TokenKind::Tilde) {
                let ty = self.embedded_elem(None);
                self.expect_semi();
                let span = self.file.expr_span(ty);
                self.field_scratch.push(Field {
                    names: IdentList::default(),
                    ty,
                    tag: None,
                    span,
                });
            } else if let Some(t) = self.try_ident_or_type() {
                let ty = self.embedded_elem(Some(t));
                self.expect_semi();
                let span = self.file.expr_span(ty);
                self.field_scratch.push(Field {
                    names: IdentList::default(),
                    ty,
                    tag: None,
                    span,
                });
            } else {
                break;
            }
        }
        self.expect(TokenKind::RBrace);
        let methods = self.finish_field_list(mark, self.span_from(lbrace));
        let span = self.span_from(pos);
        self.alloc(Expr::InterfaceType(methods), span)
    }

    fn parse_map_type(&mut self) -> ExprId {
        let pos = self.expect(TokenKind::Map);
        self.expect(TokenKind::LBrack);
        let key = self.parse_type();
        self.expect(TokenKind::RBrack);
        let value = self.parse_type();
        let span = self.span_from(pos);
        self.alloc(Expr::MapType { key, value }, span)
    }

    fn parse_chan_type(&mut self) -> ExprId {
        let pos = self.pos();
        let dir = if self.at(TokenKind::Chan) {
            self.next();
            if self.at(TokenKind::Arrow) {
                self.next();
                ChanDir::Send
            } else {
                ChanDir::Both
            }
        } else {
            self.expect(TokenKind::Arrow);
            self.expect(TokenKind::Chan);
            ChanDir::Recv
        };
        let value = self.parse_type();
        let span = self.span_from(pos);
        self.alloc(Expr::ChanType { dir, value }, span)
    }

    /// `elem, elem, ...` up to (not including) `closing`, into the expression scratch, with
    /// go/parser's comma handling (`atComma`: a missing comma is reported and assumed).
    fn parse_list_until(
        &mut self,
        closing: TokenKind,
        context: &'static str,
        elem: fn(&mut Self) -> ExprId,
    ) {
        while !self.at(closing) && !self.at(TokenKind::Eof) {
            let x = elem(self);
            self.expr_scratch.push(x);
            if !self.at_comma(context, closing) {
                break;
            }
            self.next();
        }
    }

    fn parse_type_instance(&mut self, ty: ExprId) -> ExprId {
        let opening = self.expect(TokenKind::LBrack);
        let mark = self.expr_scratch.len();
        self.expr_lev += 1;
        self.parse_list_until(TokenKind::RBrack, "type argument list", Self::parse_type);
        self.expr_lev -= 1;
        let closing = self.expect_closing(TokenKind::RBrack, "type argument list");
        if self.expr_scratch.len() == mark {
            self.error_expected(closing, Expected::Text("type argument list"));
            let index = self.bad(opening + 1, closing);
            let span = self.span_from(self.file.expr_span(ty).start);
            return self.alloc(Expr::Index { x: ty, index }, span);
        }
        self.pack_index_expr(ty, mark)
    }

    pub(super) fn try_ident_or_type(&mut self) -> Option<ExprId> {
        if !self.inc_nest() {
            return None;
        }
        let res = self.with_stack(|p| p.try_ident_or_type_inner());
        self.dec_nest(1);
        res
    }

    fn try_ident_or_type_inner(&mut self) -> Option<ExprId> {
        Some(match self.tok.kind {
            TokenKind::Ident => {
                let ty = self.parse_type_name(None);
                if self.at(TokenKind::LBrack) {
                    self.parse_type_instance(ty)
                } else {
                    ty
                }
            }
            TokenKind::LBrack => {
                let lbrack = self.expect(TokenKind::LBrack);
                self.parse_array_type(lbrack, None)
            }
            TokenKind::Struct => self.parse_struct_type(),
            TokenKind::Mul => self.parse_pointer_type(),
            TokenKind::Func => self.parse_func_type(),
            TokenKind::Interface => self.parse_interface_type(),
            TokenKind::Map => self.parse_map_type(),
            TokenKind::Chan | TokenKind::Arrow => self.parse_chan_type(),
            TokenKind::LParen => {
                let lparen = self.pos();
                self.next();
                let ty = self.parse_type();
                self.expect(TokenKind::RParen);
                let span = self.span_from(lparen);
                self.alloc(Expr::Paren(ty), span)
            }
            _ => return None,
        })
    }

    // ---- expressions

    fn parse_func_type_or_lit(&mut self) -> ExprId {
        let ty = self.parse_func_type();
        if !self.at(TokenKind::LBrace) {
            return ty;
        }
        let (body, block) = self.body();
        let span = self.file.expr_span(ty).cover(body);
        self.alloc(Expr::FuncLit { ty, body, block }, span)
    }

    /// An operand: may be an expression or a raw type (`[...]T`).
    fn parse_operand(&mut self) -> ExprId {
        match self.tok.kind {
            TokenKind::Ident => {
                let name = self.parse_ident();
                return self.ident_expr(name);
            }
            TokenKind::Int
            | TokenKind::Float
            | TokenKind::Imag
            | TokenKind::Char
            | TokenKind::String => {
                let (kind, span) = (self.tok.kind, self.tok.span);
                self.next();
                return self.alloc(Expr::BasicLit(kind), span);
            }
            TokenKind::LParen => {
                let lparen = self.pos();
                self.next();
                self.expr_lev += 1;
                let x = self.parse_rhs(); // types may be parenthesized: (some type)
                self.expr_lev -= 1;
                self.expect(TokenKind::RParen);
                let span = self.span_from(lparen);
                return self.alloc(Expr::Paren(x), span);
            }
            TokenKind::Func => return self.parse_func_type_or_lit(),
            _ => {}
        }
        if let Some(ty) = self.try_ident_or_type() {
            // A type for a composite literal or a conversion.
            return ty;
        }
        let pos = self.pos();
        self.error_expected(pos, Expected::Text("operand"));
        self.advance(STMT_START);
        let to = self.pos();
        self.bad(pos, to)
    }

    fn parse_type_assertion(&mut self, x: ExprId) -> ExprId {
        self.expect(TokenKind::LParen);
        let ty = if self.at(TokenKind::Type) {
            self.next();
            None
        } else {
            Some(self.parse_type())
        };
        self.expect(TokenKind::RParen);
        let span = self.span_from(self.file.expr_span(x).start);
        self.alloc(Expr::TypeAssert { x, ty }, span)
    }

    fn parse_index_or_slice_or_instance(&mut self, x: ExprId) -> ExprId {
        let start = self.file.expr_span(x).start;
        self.expect(TokenKind::LBrack);
        if self.at(TokenKind::RBrack) {
            // Empty index: accepted for tolerance, with an error.
            let pos = self.pos();
            self.error_expected(pos, Expected::Text("operand"));
            self.next();
            let index = self.bad(pos, pos);
            let span = self.span_from(start);
            return self.alloc(Expr::Index { x, index }, span);
        }
        let mut index: [Option<ExprId>; 3] = [None; 3];
        let mut colons = [0u32; 2];
        let mut ncolons = 0;
        let mark = self.expr_scratch.len();
        let mut is_instance = false;
        self.expr_lev += 1;
        if !self.at(TokenKind::Colon) {
            index[0] = Some(self.parse_rhs());
        }
        match self.tok.kind {
            TokenKind::Colon => {
                // slice expression
                while self.at(TokenKind::Colon) && ncolons < colons.len() {
                    colons[ncolons] = self.pos();
                    ncolons += 1;
                    self.next();
                    if !matches!(
                        self.tok.kind,
                        TokenKind::Colon | TokenKind::RBrack | TokenKind::Eof
                    ) {
                        index[ncolons] = Some(self.parse_rhs());
                    }
                }
            }
            TokenKind::Comma => {
                // instance expression
                is_instance = true;
                if let Some(first) = index[0] {
                    self.expr_scratch.push(first);
                }
                while self.at(TokenKind::Comma) {
                    self.next();
                    if !self.at(TokenKind::RBrack) && !self.at(TokenKind::Eof) {
                        let t = self.parse_type();
                        self.expr_scratch.push(t);
                    }
                }
            }
            _ => {}
        }
        self.expr_lev -= 1;
        let rbrack = self.expect(TokenKind::RBrack);

        if ncolons > 0 {
            let mut slice3 = false;
            if ncolons == 2 {
                slice3 = true;
                if index[1].is_none() {
                    self.error_msg(colons[0], "middle index required in 3-index slice");
                    index[1] = Some(self.bad(colons[0] + 1, colons[1]));
                }
                if index[2].is_none() {
                    self.error_msg(colons[1], "final index required in 3-index slice");
                    index[2] = Some(self.bad(colons[1] + 1, rbrack));
                }
            }
            let span = self.span_from(start);
            return self.alloc(
                Expr::Slice {
                    x,
                    low: index[0],
                    high: index[1],
                    max: index[2],
                    slice3,
                },
                span,
            );
        }
        if !is_instance {
            let index = index[0].unwrap_or_else(|| self.bad(rbrack, rbrack));
            let span = self.span_from(start);
            return self.alloc(Expr::Index { x, index }, span);
        }
        self.pack_index_expr(x, mark)
    }

    fn parse_call_or_conversion(&mut self, fun: ExprId) -> ExprId {
        let start = self.file.expr_span(fun).start;
        self.expect(TokenKind::LParen);
        let mark = self.expr_scratch.len();
        let mut ellipsis = None;
        self.expr_lev += 1;
        while !self.at(TokenKind::RParen) && !self.at(TokenKind::Eof) && ellipsis.is_none() {
            let arg = self.parse_rhs(); // builtins may expect a type: make(some type, ...)
            self.expr_scratch.push(arg);
            if self.at(TokenKind::Ellipsis) {
                ellipsis = Some(self.pos());
                self.next();
            }
            if !self.at_comma("argument list", TokenKind::RParen) {
                break;
            }
            self.next();
        }
        self.expr_lev -= 1;
        self.expect_closing(TokenKind::RParen, "argument list");
        let args = self.finish_expr_list(mark);
        let span = self.span_from(start);
        self.alloc(
            Expr::Call {
                fun,
                args,
                ellipsis,
            },
            span,
        )
    }

    fn parse_value(&mut self) -> ExprId {
        if self.at(TokenKind::LBrace) {
            return self.parse_literal_value(None);
        }
        self.parse_expr()
    }

    fn parse_element(&mut self) -> ExprId {
        let x = self.parse_value();
        if self.at(TokenKind::Colon) {
            self.next();
            let value = self.parse_value();
            let span = self.file.expr_span(x).cover(self.file.expr_span(value));
            return self.alloc(Expr::KeyValue { key: x, value }, span);
        }
        x
    }

    fn parse_literal_value(&mut self, ty: Option<ExprId>) -> ExprId {
        if !self.inc_nest() {
            let pos = self.pos();
            return self.bad(pos, pos);
        }
        let res = self.with_stack(|p| p.parse_literal_value_inner(ty));
        self.dec_nest(1);
        res
    }

    fn parse_literal_value_inner(&mut self, ty: Option<ExprId>) -> ExprId {
        let lbrace = self.expect(TokenKind::LBrace);
        let mark = self.expr_scratch.len();
        self.expr_lev += 1;
        if self.drop_elements {
            let keep_keys = ty.is_some_and(|t| self.is_open_array_type(t));
            self.parse_dropped_elements(keep_keys);
        } else {
            self.parse_list_until(TokenKind::RBrace, "composite literal", Self::parse_element);
        }
        self.expr_lev -= 1;
        self.expect_closing(TokenKind::RBrace, "composite literal");
        let elts = self.finish_expr_list(mark);
        let start = ty.map_or(lbrace, |t| self.file.expr_span(t).start);
        let span = self.span_from(start);
        self.alloc(Expr::CompositeLit { ty, elts }, span)
    }

    /// Whether `ty` is `[...]T`, whose length its literal's elements give.
    fn is_open_array_type(&self, ty: ExprId) -> bool {
        matches!(*self.file.expr(ty), Expr::ArrayType { len: Some(len), .. }
            if matches!(self.file.expr(len), Expr::Ellipsis(None)))
    }

    /// The elements of a composite literal in [`ParseMode::Declarations`]: each is parsed, as
    /// in [`Self::parse_list_until`], and its nodes are dropped again; a run of dropped elements
    /// becomes one `Elided(n)`. `keep_keys`: keyed elements stay whole (the keys of `[...]T{}`
    /// decide its length; such tables are short).
    fn parse_dropped_elements(&mut self, keep_keys: bool) {
        let mut run = 0u32;
        let mut run_start = self.pos();
        while !self.at(TokenKind::RBrace) && !self.at(TokenKind::Eof) {
            let arenas = (
                self.file.exprs.len(),
                self.file.expr_lists.len(),
                self.file.idents.len(),
                self.file.fields.len(),
            );
            let start = self.pos();
            let x = self.parse_element();
            if keep_keys && matches!(self.file.expr(x), Expr::KeyValue { .. }) {
                if run > 0 {
                    let elided = self.alloc(Expr::Elided(run), Span::new(run_start, start));
                    self.expr_scratch.push(elided);
                    run = 0;
                }
                self.expr_scratch.push(x);
            } else {
                // Nothing outside the element refers to its nodes: the arenas go back to
                // where they were before it.
                self.file.exprs.truncate(arenas.0);
                self.file.expr_spans.truncate(arenas.0);
                self.file.expr_lists.truncate(arenas.1);
                self.file.idents.truncate(arenas.2);
                self.file.fields.truncate(arenas.3);
                if run == 0 {
                    run_start = start;
                }
                run += 1;
            }
            if !self.at_comma("composite literal", TokenKind::RBrace) {
                break;
            }
            self.next();
        }
        if run > 0 {
            let end = self.prev_end.max(run_start);
            let elided = self.alloc(Expr::Elided(run), Span::new(run_start, end));
            self.expr_scratch.push(elided);
        }
    }

    /// Strips parentheses.
    pub(super) fn unparen(&self, mut x: ExprId) -> ExprId {
        while let Expr::Paren(inner) = self.file.expr(x) {
            x = *inner;
        }
        x
    }

    pub(super) fn parse_primary_expr(&mut self, x: Option<ExprId>) -> ExprId {
        let mut x = match x {
            Some(x) => x,
            None => self.parse_operand(),
        };
        // Nesting is counted per suffix, as go/parser does.
        let mut n = 0;
        loop {
            n += 1;
            if !self.inc_nest() {
                break;
            }
            match self.tok.kind {
                TokenKind::Period => {
                    self.next();
                    match self.tok.kind {
                        TokenKind::Ident => {
                            let sel = self.parse_ident();
                            let start = self.file.expr_span(x).start;
                            x = self.alloc(Expr::Selector { x, sel }, Span::new(start, sel.end));
                        }
                        TokenKind::LParen => x = self.parse_type_assertion(x),
                        _ => {
                            let pos = self.pos();
                            self.error_expected(pos, Expected::Text("selector or type assertion"));
                            if !self.at(TokenKind::RBrace) {
                                self.next(); // make progress
                            }
                            let start = self.file.expr_span(x).start;
                            x = self.alloc(
                                Expr::Selector {
                                    x,
                                    sel: Span::empty(pos),
                                },
                                Span::new(start, pos),
                            );
                        }
                    }
                }
                TokenKind::LBrack => x = self.parse_index_or_slice_or_instance(x),
                TokenKind::LParen => x = self.parse_call_or_conversion(x),
                TokenKind::LBrace => {
                    // A composite literal if x can be its type; in a control clause a name
                    // before `{` ends the header and `{` opens the block.
                    let t = self.unparen(x);
                    match self.file.expr(t) {
                        Expr::Bad
                        | Expr::Ident
                        | Expr::Selector { .. }
                        | Expr::Index { .. }
                        | Expr::IndexList { .. } => {
                            if self.expr_lev < 0 {
                                break;
                            }
                        }
                        Expr::ArrayType { .. } | Expr::StructType(_) | Expr::MapType { .. } => {}
                        _ => break,
                    }
                    if t != x {
                        let pos = self.file.expr_span(t).start;
                        self.error_msg(pos, "cannot parenthesize type in composite literal");
                    }
                    x = self.parse_literal_value(Some(x));
                }
                _ => break,
            }
        }
        self.dec_nest(n);
        x
    }

    fn parse_unary_expr(&mut self) -> ExprId {
        if !self.inc_nest() {
            let pos = self.pos();
            return self.bad(pos, pos);
        }
        let res = self.with_stack(|p| p.parse_unary_expr_inner());
        self.dec_nest(1);
        res
    }

    fn parse_unary_expr_inner(&mut self) -> ExprId {
        match self.tok.kind {
            TokenKind::Add
            | TokenKind::Sub
            | TokenKind::Not
            | TokenKind::Xor
            | TokenKind::And
            | TokenKind::Tilde => {
                let (pos, op) = (self.pos(), self.tok.kind);
                self.next();
                let x = self.parse_unary_expr();
                let span = self.span_from(pos);
                self.alloc(Expr::Unary { op, x }, span)
            }
            TokenKind::Arrow => {
                // A channel type or a receive expression.
                let arrow = self.pos();
                self.next();
                let x = self.parse_unary_expr();
                if matches!(self.file.expr(x), Expr::ChanType { .. }) {
                    // (<-type): re-associate the arrow with the channel type parsed already:
                    // <-(chan T) => (<-chan T), <-(chan<- T) => (<-chan (<-T)).
                    let mut dir = ChanDir::Send;
                    let mut cur = Some(x);
                    while let Some(c) = cur {
                        if dir != ChanDir::Send {
                            break;
                        }
                        let Expr::ChanType { dir: c_dir, value } = *self.file.expr(c) else {
                            break;
                        };
                        if c_dir == ChanDir::Recv {
                            // (<-type) is (<-(<-chan T))
                            let pos = self.file.expr_span(c).start;
                            self.error_expected(pos, Expected::Token(TokenKind::Chan));
                        }
                        dir = c_dir;
                        self.file.exprs[c.0 as usize] = Expr::ChanType {
                            dir: ChanDir::Recv,
                            value,
                        };
                        cur =
                            matches!(self.file.expr(value), Expr::ChanType { .. }).then_some(value);
                    }
                    if dir == ChanDir::Send {
                        self.error_expected(arrow, Expected::Text("channel type"));
                    }
                    self.file.expr_spans[x.0 as usize].start = arrow;
                    return x;
                }
                let span = self.span_from(arrow);
                self.alloc(
                    Expr::Unary {
                        op: TokenKind::Arrow,
                        x,
                    },
                    span,
                )
            }
            TokenKind::Mul => {
                // A pointer type or an indirection.
                let pos = self.pos();
                self.next();
                let x = self.parse_unary_expr();
                let span = self.span_from(pos);
                self.alloc(Expr::Star(x), span)
            }
            _ => self.parse_primary_expr(None),
        }
    }

    /// The current token as a binary operator and its precedence (`=` reads as `==` on a
    /// right-hand side, as go/parser does for better errors).
    fn tok_prec(&self) -> (TokenKind, u8) {
        let mut kind = self.tok.kind;
        if self.in_rhs && kind == TokenKind::Assign {
            kind = TokenKind::Eql;
        }
        (kind, kind.precedence())
    }

    pub(super) fn parse_binary_expr(&mut self, x: Option<ExprId>, prec1: u8) -> ExprId {
        let mut x = match x {
            Some(x) => x,
            None => self.parse_unary_expr(),
        };
        let mut n = 0;
        loop {
            n += 1;
            if !self.inc_nest() {
                break;
            }
            let (op, oprec) = self.tok_prec();
            if oprec < prec1 {
                break;
            }
            self.expect(op);
            let y = self.parse_binary_expr(None, oprec + 1);
            let span = self.file.expr_span(x).cover(self.file.expr_span(y));
            x = self.alloc(Expr::Binary { op, x, y }, span);
        }
        self.dec_nest(n);
        x
    }

    /// An expression; may be a type, even a raw type (`[...]int`).
    pub(super) fn parse_expr(&mut self) -> ExprId {
        self.parse_binary_expr(None, LOWEST_BINARY_PREC)
    }

    pub(super) fn parse_rhs(&mut self) -> ExprId {
        let old = self.in_rhs;
        self.in_rhs = true;
        let x = self.parse_expr();
        self.in_rhs = old;
        x
    }

    /// `a, b, c` with `in_rhs` as given (go/parser's `parseList`): values of a declaration or
    /// an assignment's right-hand side (`true`), or a statement's left-hand side.
    pub(super) fn parse_list(&mut self, in_rhs: bool) -> crate::ast::ExprList {
        let old = self.in_rhs;
        self.in_rhs = in_rhs;
        let mark = self.expr_scratch.len();
        let x = self.parse_expr();
        self.expr_scratch.push(x);
        while self.at(TokenKind::Comma) {
            self.next();
            let x = self.parse_expr();
            self.expr_scratch.push(x);
        }
        self.in_rhs = old;
        self.finish_expr_list(mark)
    }
}
