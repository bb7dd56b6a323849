//! Statements (go/parser's "Blocks" and "Statements"): function bodies, parsed when the mode
//! asks for them. Each function mirrors the go/parser function of the same name, with the same
//! decisions in the same order, so that a body is accepted or rejected as go/parser does it,
//! with the error at the same position.

use crate::ast::{Block, Decl, Expr, ExprId, ExprList, Stmt, StmtId, StmtList};
use crate::diagnostic::Expected;
use crate::span::Span;
use crate::token::{TokenFlags, TokenKind};

use super::{Parser, STMT_START};

/// What a simple statement may be besides an expression, assignment, send or inc/dec
/// (go/parser's `basic`, `labelOk`, `rangeOk`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum SimpleMode {
    Basic,
    LabelOk,
    RangeOk,
}

impl Parser<'_> {
    /// go/parser's `parseBody` and `parseBlockStmt`: `{ statements }`.
    pub(super) fn parse_block(&mut self) -> Block {
        let lbrace = self.expect(TokenKind::LBrace);
        let stmts = self.parse_stmt_list();
        self.expect(TokenKind::RBrace);
        Block {
            stmts,
            span: self.span_from(lbrace),
        }
    }

    /// A function literal's or declaration's body.
    pub(super) fn parse_func_body(&mut self) -> Block {
        self.expr_lev += 1;
        let block = self.parse_block();
        self.expr_lev -= 1;
        block
    }

    fn parse_stmt_list(&mut self) -> StmtList {
        let mark = self.stmt_scratch.len();
        while !matches!(
            self.tok.kind,
            TokenKind::Case | TokenKind::Default | TokenKind::RBrace | TokenKind::Eof
        ) {
            let stmt = self.parse_stmt();
            self.stmt_scratch.push(stmt);
        }
        self.finish_stmt_list(mark)
    }

    fn finish_stmt_list(&mut self, mark: usize) -> StmtList {
        let start = self.file.stmt_lists.len() as u32;
        self.file.stmt_lists.extend(self.stmt_scratch.drain(mark..));
        StmtList {
            start,
            len: self.file.stmt_lists.len() as u32 - start,
        }
    }

    fn alloc_stmt(&mut self, stmt: Stmt, span: Span) -> StmtId {
        let id = StmtId(self.file.stmts.len() as u32);
        self.file.stmts.push(stmt);
        self.file.stmt_spans.push(span);
        id
    }

    fn bad_stmt(&mut self, from: u32, to: u32) -> StmtId {
        self.alloc_stmt(Stmt::Bad, Span::new(from, to.max(from)))
    }

    fn first_of(&self, list: ExprList) -> ExprId {
        self.file.expr_list(list)[0]
    }

    /// go/parser's `parseSimpleStmt`; the flag is set when it parsed `lhs := range x`
    /// (then the statement is an `Assign` whose one right-hand value is `Unary(Range, x)`).
    fn parse_simple_stmt(&mut self, mode: SimpleMode) -> (StmtId, bool) {
        let lhs = self.parse_list(false);
        let first = self.first_of(lhs);
        let start = self.file.expr_span(first).start;
        match self.tok.kind {
            TokenKind::Define
            | TokenKind::Assign
            | TokenKind::AddAssign
            | TokenKind::SubAssign
            | TokenKind::MulAssign
            | TokenKind::QuoAssign
            | TokenKind::RemAssign
            | TokenKind::AndAssign
            | TokenKind::OrAssign
            | TokenKind::XorAssign
            | TokenKind::ShlAssign
            | TokenKind::ShrAssign
            | TokenKind::AndNotAssign => {
                let (tok_pos, tok) = (self.pos(), self.tok.kind);
                self.next();
                let is_range = mode == SimpleMode::RangeOk
                    && self.at(TokenKind::Range)
                    && matches!(tok, TokenKind::Define | TokenKind::Assign);
                let rhs = if is_range {
                    let range = self.range_clause();
                    let start = self.file.expr_lists.len() as u32;
                    self.file.expr_lists.push(range);
                    ExprList { start, len: 1 }
                } else {
                    self.parse_list(true)
                };
                let span = self.span_from(start);
                let stmt = Stmt::Assign {
                    lhs,
                    tok,
                    tok_pos,
                    rhs,
                };
                return (self.alloc_stmt(stmt, span), is_range);
            }
            _ => {}
        }
        if lhs.len > 1 {
            self.error_expected(start, Expected::Text("1 expression"));
            // continue with the first expression
        }
        let stmt = match self.tok.kind {
            TokenKind::Colon => {
                let colon = self.pos();
                self.next();
                if mode == SimpleMode::LabelOk && matches!(self.file.expr(first), Expr::Ident) {
                    let label = self.file.expr_span(first);
                    let stmt = self.parse_stmt();
                    let span = self.span_from(start);
                    return (self.alloc_stmt(Stmt::Labeled { label, stmt }, span), false);
                }
                // At the colon: the token before it may be what is wrong, but go/parser reports
                // one error per line and this one is the clearer.
                self.error_msg(colon, "illegal label declaration");
                return (self.bad_stmt(start, colon + 1), false);
            }
            TokenKind::Arrow => {
                self.next();
                let value = self.parse_rhs();
                Stmt::Send { chan: first, value }
            }
            TokenKind::Inc | TokenKind::Dec => {
                let tok = self.tok.kind;
                self.next();
                Stmt::IncDec { x: first, tok }
            }
            _ => Stmt::Expr(first),
        };
        let span = self.span_from(start);
        (self.alloc_stmt(stmt, span), false)
    }

    /// `range x` (the current token is `range`) as `Unary(Range, x)`.
    fn range_clause(&mut self) -> ExprId {
        let pos = self.pos();
        self.next();
        let x = self.parse_rhs();
        let span = self.span_from(pos);
        self.alloc(
            Expr::Unary {
                op: TokenKind::Range,
                x,
            },
            span,
        )
    }

    /// go/parser's `parseCallExpr`: the call of a `go` or `defer` statement.
    fn parse_call_expr(&mut self, keyword: TokenKind) -> Option<ExprId> {
        let mut x = self.parse_rhs(); // could be a conversion: (some type)(x)
        let t = self.unparen(x);
        if t != x {
            let pos = self.file.expr_span(x).start;
            let msg = match keyword {
                TokenKind::Go => "expression in go must not be parenthesized",
                _ => "expression in defer must not be parenthesized",
            };
            self.error_msg(pos, msg);
            x = t;
        }
        match self.file.expr(x) {
            Expr::Call { .. } => Some(x),
            Expr::Bad => None,
            _ => {
                // only report the error if it is a new one
                let end = self.file.expr_span(x).end;
                let msg = match keyword {
                    TokenKind::Go => "expression in go must be function call",
                    _ => "expression in defer must be function call",
                };
                self.error_msg(end, msg);
                None
            }
        }
    }

    fn parse_go_or_defer_stmt(&mut self) -> StmtId {
        let keyword = self.tok.kind;
        let pos = self.expect(keyword);
        let call = self.parse_call_expr(keyword);
        let span = self.span_from(pos);
        self.expect_semi();
        match call {
            Some(call) if keyword == TokenKind::Go => self.alloc_stmt(Stmt::Go(call), span),
            Some(call) => self.alloc_stmt(Stmt::Defer(call), span),
            // BadStmt over the keyword
            None => self.bad_stmt(pos, pos + keyword.as_str().len() as u32),
        }
    }

    fn parse_return_stmt(&mut self) -> StmtId {
        let pos = self.expect(TokenKind::Return);
        let results = if !self.at(TokenKind::Semicolon) && !self.at(TokenKind::RBrace) {
            self.parse_list(true)
        } else {
            ExprList::default()
        };
        let span = self.span_from(pos);
        self.expect_semi();
        self.alloc_stmt(Stmt::Return(results), span)
    }

    fn parse_branch_stmt(&mut self, tok: TokenKind) -> StmtId {
        let pos = self.expect(tok);
        // `goto` needs its label; `break` and `continue` may have one.
        let label = (tok == TokenKind::Goto
            || (matches!(tok, TokenKind::Break | TokenKind::Continue)
                && self.at(TokenKind::Ident)))
        .then(|| self.parse_ident());
        let span = self.span_from(pos);
        self.expect_semi();
        self.alloc_stmt(Stmt::Branch { tok, label }, span)
    }

    /// go/parser's `makeExpr`: the expression of a header's statement, or an error when it is
    /// no expression.
    fn make_expr(&mut self, stmt: Option<StmtId>, want: Want) -> Option<ExprId> {
        let stmt = stmt?;
        let span = self.file.stmt_span(stmt);
        let assignment = match *self.file.stmt(stmt) {
            Stmt::Expr(x) => return Some(x),
            Stmt::Assign { .. } => true,
            _ => false,
        };
        self.error_msg(span.start, want.message(assignment));
        Some(self.bad(span.start, span.end))
    }

    /// go/parser's `parseIfHeader`.
    fn parse_if_header(&mut self) -> (Option<StmtId>, ExprId) {
        if self.at(TokenKind::LBrace) {
            let pos = self.pos();
            self.error_msg(pos, "missing condition in if statement");
            return (None, self.bad(pos, pos));
        }
        let prev_lev = self.expr_lev;
        self.expr_lev = -1;

        let mut init = None;
        if !self.at(TokenKind::Semicolon) {
            // accept a variable declaration but complain
            if self.at(TokenKind::Var) {
                self.next();
                let pos = self.pos();
                self.error_msg(pos, "var declaration not allowed in if initializer");
            }
            init = Some(self.parse_simple_stmt(SimpleMode::Basic).0);
        }

        let mut cond_stmt = None;
        // The `;` before the condition: its offset, and whether it was a newline.
        let mut semi = None;
        if !self.at(TokenKind::LBrace) {
            if self.at(TokenKind::Semicolon) {
                semi = Some((
                    self.pos(),
                    self.tok.flags.contains(TokenFlags::NEWLINE_SEMI),
                ));
                self.next();
            } else {
                self.expect(TokenKind::Semicolon);
            }
            if !self.at(TokenKind::LBrace) {
                cond_stmt = Some(self.parse_simple_stmt(SimpleMode::Basic).0);
            }
        } else {
            cond_stmt = init.take();
        }

        let mut cond = None;
        if cond_stmt.is_some() {
            cond = self.make_expr(cond_stmt, Want::Boolean);
        } else if let Some((pos, newline)) = semi {
            let msg = if newline {
                "unexpected newline, expecting { after if clause"
            } else {
                "missing condition in if statement"
            };
            self.error_msg(pos, msg);
        }
        // make sure the tree is valid
        let cond = cond.unwrap_or_else(|| {
            let pos = self.pos();
            self.bad(pos, pos)
        });
        self.expr_lev = prev_lev;
        (init, cond)
    }

    fn parse_if_stmt(&mut self) -> StmtId {
        if !self.inc_nest() {
            let pos = self.pos();
            return self.bad_stmt(pos, pos);
        }
        let res = self.with_stack(|p| p.parse_if_stmt_inner());
        self.dec_nest(1);
        res
    }

    fn parse_if_stmt_inner(&mut self) -> StmtId {
        let pos = self.expect(TokenKind::If);
        let (init, cond) = self.parse_if_header();
        let body = self.parse_block();
        let mut els = None;
        let mut span = self.span_from(pos);
        if self.at(TokenKind::Else) {
            self.next();
            match self.tok.kind {
                TokenKind::If => els = Some(self.parse_if_stmt()),
                TokenKind::LBrace => {
                    let block = self.parse_block();
                    els = Some(self.alloc_stmt(Stmt::Block(block), block.span));
                    span = self.span_from(pos);
                    self.expect_semi();
                }
                _ => {
                    let at = self.pos();
                    self.error_expected(at, Expected::Text("if statement or block"));
                    els = Some(self.bad_stmt(at, at));
                }
            }
            if let Some(els) = els {
                span = span.cover(self.file.stmt_span(els));
            }
        } else {
            self.expect_semi();
        }
        self.alloc_stmt(
            Stmt::If {
                init,
                cond,
                body,
                els,
            },
            span,
        )
    }

    fn parse_case_clause(&mut self) -> StmtId {
        let pos = self.pos();
        let list = if self.at(TokenKind::Case) {
            self.next();
            Some(self.parse_list(true))
        } else {
            self.expect(TokenKind::Default);
            None
        };
        let colon = self.expect(TokenKind::Colon);
        let body = self.parse_stmt_list();
        let span = self.span_from(pos);
        self.alloc_stmt(Stmt::CaseClause { list, colon, body }, span)
    }

    fn is_type_switch_assert(&self, x: ExprId) -> bool {
        matches!(self.file.expr(x), Expr::TypeAssert { ty: None, .. })
    }

    /// go/parser's `isTypeSwitchGuard`: `x.(type)` or `v := x.(type)` (`v = x.(type)` with an
    /// error).
    fn is_type_switch_guard(&mut self, stmt: Option<StmtId>) -> bool {
        let Some(stmt) = stmt else { return false };
        match *self.file.stmt(stmt) {
            Stmt::Expr(x) => self.is_type_switch_assert(x),
            Stmt::Assign {
                lhs,
                tok,
                tok_pos,
                rhs,
            } if lhs.len == 1 && rhs.len == 1 && self.is_type_switch_assert(self.first_of(rhs)) => {
                match tok {
                    TokenKind::Assign => {
                        // permit v = x.(type) but complain
                        self.error_msg(tok_pos, "expected ':=', found '='");
                        true
                    }
                    TokenKind::Define => true,
                    _ => false,
                }
            }
            _ => false,
        }
    }

    /// The `{ clauses }` of a switch or select, then the `;` after it.
    fn parse_clauses(&mut self, clause: fn(&mut Self) -> StmtId) -> Block {
        let lbrace = self.expect(TokenKind::LBrace);
        let mark = self.stmt_scratch.len();
        while self.at(TokenKind::Case) || self.at(TokenKind::Default) {
            let c = clause(self);
            self.stmt_scratch.push(c);
        }
        let stmts = self.finish_stmt_list(mark);
        self.expect(TokenKind::RBrace);
        let span = self.span_from(lbrace);
        self.expect_semi();
        Block { stmts, span }
    }

    fn parse_switch_stmt(&mut self) -> StmtId {
        let pos = self.expect(TokenKind::Switch);
        let (mut s1, mut s2) = (None, None);
        if !self.at(TokenKind::LBrace) {
            let prev_lev = self.expr_lev;
            self.expr_lev = -1;
            if !self.at(TokenKind::Semicolon) {
                s2 = Some(self.parse_simple_stmt(SimpleMode::Basic).0);
            }
            if self.at(TokenKind::Semicolon) {
                self.next();
                s1 = s2.take();
                if !self.at(TokenKind::LBrace) {
                    s2 = Some(self.parse_simple_stmt(SimpleMode::Basic).0);
                }
            }
            self.expr_lev = prev_lev;
        }
        let type_switch = self.is_type_switch_guard(s2);
        let body = self.parse_clauses(Self::parse_case_clause);
        let span = Span::new(pos, body.span.end);
        match s2 {
            Some(assign) if type_switch => self.alloc_stmt(
                Stmt::TypeSwitch {
                    init: s1,
                    assign,
                    body,
                },
                span,
            ),
            _ => {
                let tag = self.make_expr(s2, Want::Switch);
                self.alloc_stmt(
                    Stmt::Switch {
                        init: s1,
                        tag,
                        body,
                    },
                    span,
                )
            }
        }
    }

    fn parse_comm_clause(&mut self) -> StmtId {
        let pos = self.pos();
        let mut comm = None;
        if self.at(TokenKind::Case) {
            self.next();
            let mut lhs = self.parse_list(false);
            let first = self.first_of(lhs);
            let start = self.file.expr_span(first).start;
            let stmt = if self.at(TokenKind::Arrow) {
                // send
                if lhs.len > 1 {
                    self.error_expected(start, Expected::Text("1 expression"));
                    // continue with the first expression
                }
                self.next();
                let value = self.parse_rhs();
                Stmt::Send { chan: first, value }
            } else if matches!(self.tok.kind, TokenKind::Assign | TokenKind::Define) {
                // receive with assignment
                let (tok_pos, tok) = (self.pos(), self.tok.kind);
                if lhs.len > 2 {
                    self.error_expected(start, Expected::Text("1 or 2 expressions"));
                    // continue with the first two expressions
                    lhs.len = 2;
                }
                self.next();
                let value = self.parse_rhs();
                let rhs = ExprList {
                    start: self.file.expr_lists.len() as u32,
                    len: 1,
                };
                self.file.expr_lists.push(value);
                Stmt::Assign {
                    lhs,
                    tok,
                    tok_pos,
                    rhs,
                }
            } else {
                // a single receive operation
                if lhs.len > 1 {
                    self.error_expected(start, Expected::Text("1 expression"));
                    // continue with the first expression
                }
                Stmt::Expr(first)
            };
            let span = self.span_from(start);
            comm = Some(self.alloc_stmt(stmt, span));
        } else {
            self.expect(TokenKind::Default);
        }
        let colon = self.expect(TokenKind::Colon);
        let body = self.parse_stmt_list();
        let span = self.span_from(pos);
        self.alloc_stmt(Stmt::CommClause { comm, colon, body }, span)
    }

    fn parse_select_stmt(&mut self) -> StmtId {
        let pos = self.expect(TokenKind::Select);
        let body = self.parse_clauses(Self::parse_comm_clause);
        self.alloc_stmt(Stmt::Select { body }, Span::new(pos, body.span.end))
    }

    fn parse_for_stmt(&mut self) -> StmtId {
        let pos = self.expect(TokenKind::For);
        let (mut s1, mut s2, mut s3) = (None, None, None);
        let mut is_range = false;
        if !self.at(TokenKind::LBrace) {
            let prev_lev = self.expr_lev;
            self.expr_lev = -1;
            if !self.at(TokenKind::Semicolon) {
                if self.at(TokenKind::Range) {
                    // `for range x`: an assignment with no left-hand side
                    let range = self.range_clause();
                    let rhs = ExprList {
                        start: self.file.expr_lists.len() as u32,
                        len: 1,
                    };
                    self.file.expr_lists.push(range);
                    let span = self.file.expr_span(range);
                    let stmt = Stmt::Assign {
                        lhs: ExprList::default(),
                        tok: TokenKind::Illegal,
                        tok_pos: span.start,
                        rhs,
                    };
                    s2 = Some(self.alloc_stmt(stmt, span));
                    is_range = true;
                } else {
                    let (s, range) = self.parse_simple_stmt(SimpleMode::RangeOk);
                    s2 = Some(s);
                    is_range = range;
                }
            }
            if !is_range && self.at(TokenKind::Semicolon) {
                self.next();
                s1 = s2.take();
                if !self.at(TokenKind::Semicolon) {
                    s2 = Some(self.parse_simple_stmt(SimpleMode::Basic).0);
                }
                self.expect_semi();
                if !self.at(TokenKind::LBrace) {
                    s3 = Some(self.parse_simple_stmt(SimpleMode::Basic).0);
                }
            }
            self.expr_lev = prev_lev;
        }
        let body = self.parse_block();
        let span = self.span_from(pos);
        self.expect_semi();

        if let (true, Some(assign)) = (is_range, s2) {
            if let Some(range) = self.range_stmt(assign, pos, body, span) {
                return range;
            }
        }
        let cond = self.make_expr(s2, Want::BooleanOrRange);
        self.alloc_stmt(
            Stmt::For {
                init: s1,
                cond,
                post: s3,
                body,
            },
            span,
        )
    }

    /// The range statement of `for` at `pos` whose header parsed as the assignment `assign`
    /// (`lhs := range x`); `None` if `assign` is no such assignment.
    fn range_stmt(&mut self, assign: StmtId, pos: u32, body: Block, span: Span) -> Option<StmtId> {
        let Stmt::Assign { lhs, tok, rhs, .. } = *self.file.stmt(assign) else {
            return None;
        };
        let range = *self.file.expr_list(rhs).first()?;
        let Expr::Unary { x, .. } = *self.file.expr(range) else {
            return None;
        };
        let (key, value) = match *self.file.expr_list(lhs) {
            [] => (None, None),
            [key] => (Some(key), None),
            [key, value] => (Some(key), Some(value)),
            [.., last] => {
                let at = self.file.expr_span(last).start;
                self.error_expected(at, Expected::Text("at most 2 expressions"));
                return Some(self.bad_stmt(pos, body.span.end));
            }
        };
        let stmt = Stmt::Range {
            key,
            value,
            tok: (tok != TokenKind::Illegal).then_some(tok),
            range: self.file.expr_span(range).start,
            x,
            body,
        };
        // The assignment's slot becomes the range statement.
        self.file.stmts[assign.0 as usize] = stmt;
        self.file.stmt_spans[assign.0 as usize] = span;
        Some(assign)
    }

    /// go/parser's `parseStmt`.
    pub(super) fn parse_stmt(&mut self) -> StmtId {
        if !self.inc_nest() {
            let pos = self.pos();
            return self.bad_stmt(pos, pos);
        }
        let res = self.with_stack(|p| p.parse_stmt_inner());
        self.dec_nest(1);
        res
    }

    fn parse_stmt_inner(&mut self) -> StmtId {
        let pos = self.pos();
        match self.tok.kind {
            TokenKind::Const | TokenKind::Type | TokenKind::Var => {
                let kind = self.tok.kind;
                let decl = self.parse_gen_decl(kind);
                let span = self.span_from(pos);
                match decl {
                    Decl::Gen(gen) => self.alloc_stmt(Stmt::Decl(Box::new(gen)), span),
                    _ => self.bad_stmt(pos, span.end),
                }
            }
            // tokens that may start an expression
            TokenKind::Ident
            | TokenKind::Int
            | TokenKind::Float
            | TokenKind::Imag
            | TokenKind::Char
            | TokenKind::String
            | TokenKind::Func
            | TokenKind::LParen
            | TokenKind::LBrack
            | TokenKind::Struct
            | TokenKind::Map
            | TokenKind::Chan
            | TokenKind::Interface
            | TokenKind::Add
            | TokenKind::Sub
            | TokenKind::Mul
            | TokenKind::And
            | TokenKind::Xor
            | TokenKind::Arrow
            | TokenKind::Not => {
                let (stmt, _) = self.parse_simple_stmt(SimpleMode::LabelOk);
                // A labelled statement ends with its statement: no semicolon after it.
                if !matches!(self.file.stmt(stmt), Stmt::Labeled { .. }) {
                    self.expect_semi();
                }
                stmt
            }
            TokenKind::Go | TokenKind::Defer => self.parse_go_or_defer_stmt(),
            TokenKind::Return => self.parse_return_stmt(),
            TokenKind::Break | TokenKind::Continue | TokenKind::Goto | TokenKind::Fallthrough => {
                let tok = self.tok.kind;
                self.parse_branch_stmt(tok)
            }
            TokenKind::LBrace => {
                let block = self.parse_block();
                self.expect_semi();
                self.alloc_stmt(Stmt::Block(block), block.span)
            }
            TokenKind::If => self.parse_if_stmt(),
            TokenKind::Switch => self.parse_switch_stmt(),
            TokenKind::Select => self.parse_select_stmt(),
            TokenKind::For => self.parse_for_stmt(),
            TokenKind::Semicolon => {
                let implicit = self.tok.flags.contains(TokenFlags::NEWLINE_SEMI);
                let span = Span::new(pos, pos + u32::from(!self.tok.is_inserted_semi()));
                self.next();
                self.alloc_stmt(Stmt::Empty { implicit }, span)
            }
            // a semicolon may be omitted before a closing `}`
            TokenKind::RBrace => self.alloc_stmt(Stmt::Empty { implicit: true }, Span::empty(pos)),
            _ => {
                self.error_expected(pos, Expected::Text("statement"));
                self.advance(STMT_START);
                let to = self.pos();
                self.bad_stmt(pos, to)
            }
        }
    }
}

/// What a header's statement must be, for go/parser's `makeExpr` message.
#[derive(Clone, Copy)]
enum Want {
    Boolean,
    Switch,
    BooleanOrRange,
}

impl Want {
    fn message(self, assignment: bool) -> &'static str {
        match (self, assignment) {
            (Want::Boolean, true) => {
                "expected boolean expression, found assignment (missing parentheses around composite literal?)"
            }
            (Want::Boolean, false) => {
                "expected boolean expression, found simple statement (missing parentheses around composite literal?)"
            }
            (Want::Switch, true) => {
                "expected switch expression, found assignment (missing parentheses around composite literal?)"
            }
            (Want::Switch, false) => {
                "expected switch expression, found simple statement (missing parentheses around composite literal?)"
            }
            (Want::BooleanOrRange, true) => {
                "expected boolean or range expression, found assignment (missing parentheses around composite literal?)"
            }
            (Want::BooleanOrRange, false) => {
                "expected boolean or range expression, found simple statement (missing parentheses around composite literal?)"
            }
        }
    }
}
