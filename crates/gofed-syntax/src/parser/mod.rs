//! The Go parser: package clause, imports and every top-level declaration with the full type
//! and expression grammar; function bodies are skipped as balanced token ranges, or parsed into
//! statements ([`ParseMode::Bodies`]), or parsed one at a time when an analysis needs them
//! ([`parse_body`]).
//!
//! [`parse_file`] never fails: it returns the tree it could build and the syntax errors, in
//! go/parser's words and at go/parser's positions where practical. The structure follows
//! `go/parser` closely (same decisions in the same order), because gofed must accept exactly
//! the files Go accepts; read `go/parser/parser.go` next to this module.
//!
//! Like go/parser, after a syntax error the parser records at most one error per line, gives
//! up after more than ten errors, and skips to the next declaration keyword to recover; the
//! declarations parsed before that point are kept.

mod decl;
pub use decl::doc_before;
mod expr;
mod stmt;
mod token_set;

use crate::ast::{Block, Expr, StmtId};
use crate::ast::{ExprId, ExprList, Field, FieldList, File, IdentList};
use crate::diagnostic::{Expected, Found, SyntaxError, SyntaxErrorKind};
use crate::lexer::Lexer;
use crate::span::{check_len, LineIndex, Span};
use crate::token::{Token, TokenFlags, TokenKind};

use token_set::TokenSet;

/// How much of a file to parse.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ParseMode {
    /// Everything (function bodies as spans).
    #[default]
    Full,
    /// Everything, function bodies parsed into statements ([`crate::ast::Stmt`]): what
    /// go/parser builds. Analyses that need bodies parse only theirs, with [`parse_body`].
    Bodies,
    /// The package clause and the import declarations, then stop (go/parser's `ImportsOnly`):
    /// what dependency analysis needs.
    ImportsOnly,
    /// Only the package clause (go/parser's `PackageClauseOnly`).
    PackageClauseOnly,
    /// Everything [`ParseMode::Full`] has but the elements of composite literals, which are
    /// parsed (their syntax errors are reported) and then dropped: a declaration's type needs
    /// only a literal's type, and the length of `[...]T{...}` its element count and keys. The
    /// elements of a table of a million numbers would otherwise be the largest part of a
    /// program's memory. Each run of dropped elements is one [`crate::ast::Expr::Elided`].
    Declarations,
}

/// A parsed file and its syntax errors (lexical and syntactic, sorted by position).
#[derive(Clone, Debug, Default)]
pub struct Parsed {
    /// The tree; present even when there are errors.
    pub file: File,
    /// The errors, sorted by offset.
    pub errors: Vec<SyntaxError>,
    /// Where a partial parse ([`ParseMode::ImportsOnly`], [`ParseMode::PackageClauseOnly`])
    /// stopped: the end of the first token it did not parse; `None` when it reached the end
    /// of the source.
    pub stopped_before: Option<u32>,
}

impl Parsed {
    /// Whether the file parsed without errors.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }
}

/// Parses a whole file (bodies skipped).
pub fn parse_file(src: &[u8]) -> Parsed {
    parse_file_with(src, ParseMode::Full)
}

/// Parses a file in the given mode.
pub fn parse_file_with(src: &[u8], mode: ParseMode) -> Parsed {
    if check_len(src).is_err() {
        return Parsed {
            file: File::default(),
            errors: vec![SyntaxError::new(
                Span::empty(0),
                SyntaxErrorKind::Message("file too large (gofed reads files up to 4 GiB)"),
            )],
            stopped_before: None,
        };
    }
    let mut parser = Parser::new(src, 0);
    parser.drop_elements = mode == ParseMode::Declarations;
    parser.parse_bodies = mode == ParseMode::Bodies;
    parser.parse_file(mode);
    parser.finish()
}

/// A function body parsed on its own.
#[derive(Clone, Debug, Default)]
pub struct ParsedBody {
    /// The arenas the body's nodes live in (no declarations).
    pub file: File,
    /// The body.
    pub block: Block,
    /// Its syntax errors, sorted by offset (one per line and at most ten, counted for this body
    /// alone).
    pub errors: Vec<SyntaxError>,
}

/// Parses the function body that starts at offset `lbrace` of `src` (the `{` of a
/// [`crate::ast::FuncDecl::body`] or [`Expr::FuncLit`] span of a parse with bodies skipped),
/// function literals inside it included. This is how analyses read bodies: only those they
/// need, after a fast parse of the declarations.
pub fn parse_body(src: &[u8], lbrace: u32) -> ParsedBody {
    if check_len(src).is_err() || lbrace as usize >= src.len() {
        return ParsedBody {
            errors: vec![SyntaxError::new(
                Span::empty(lbrace),
                SyntaxErrorKind::Message("no function body at this offset"),
            )],
            ..ParsedBody::default()
        };
    }
    let mut parser = Parser::new(src, lbrace);
    parser.parse_bodies = true;
    let block = parser.parse_func_body();
    let parsed = parser.finish();
    ParsedBody {
        file: parsed.file,
        block,
        errors: parsed.errors,
    }
}

/// go/parser's `maxNestLev`: deeper nesting is a syntax error.
const MAX_NEST_LEV: u32 = 100_000;

/// Recursion beyond this many bytes of remaining stack moves to a new heap-allocated segment,
/// so go/parser's nesting limit holds on any thread's stack.
const STACK_RED_ZONE: usize = 64 * 1024;
const STACK_SEGMENT: usize = 2 * 1024 * 1024;

/// Tokens that start a statement (go/parser's `stmtStart`), for error recovery.
const STMT_START: TokenSet = TokenSet::new(&[
    TokenKind::Break,
    TokenKind::Const,
    TokenKind::Continue,
    TokenKind::Defer,
    TokenKind::Fallthrough,
    TokenKind::For,
    TokenKind::Go,
    TokenKind::Goto,
    TokenKind::If,
    TokenKind::Return,
    TokenKind::Select,
    TokenKind::Switch,
    TokenKind::Type,
    TokenKind::Var,
]);

/// Tokens that start a declaration (go/parser's `declStart`).
const DECL_START: TokenSet = TokenSet::new(&[
    TokenKind::Import,
    TokenKind::Const,
    TokenKind::Type,
    TokenKind::Var,
]);

/// Tokens that end an expression (go/parser's `exprEnd`).
const EXPR_END: TokenSet = TokenSet::new(&[
    TokenKind::Comma,
    TokenKind::Colon,
    TokenKind::Semicolon,
    TokenKind::RParen,
    TokenKind::RBrack,
    TokenKind::RBrace,
]);

/// One parameter or type parameter before grouping (go/parser's `field`).
#[derive(Clone, Copy, Debug)]
struct ParamItem {
    name: Option<Span>,
    ty: Option<ExprId>,
}

struct Parser<'src> {
    src: &'src [u8],
    lexer: Lexer<'src>,
    /// The current token (one token of look-ahead, as go/parser).
    tok: Token,
    /// [`ParseMode::Declarations`]: composite literal elements are dropped once parsed.
    drop_elements: bool,
    /// Function bodies are parsed, not skipped.
    parse_bodies: bool,
    /// go/parser's `exprLev`: < 0 in a control clause (where `{` after a name opens the block,
    /// not a composite literal), >= 0 in an expression.
    expr_lev: i32,
    /// End of the last consumed token that is not an inserted semicolon.
    prev_end: u32,
    file: File,
    errors: Vec<SyntaxError>,
    /// Line of the most recent error (go/parser keeps one error per line).
    last_error_line: Option<u32>,
    /// Number of lexer errors already taken into account by `last_error_line`.
    lex_errors_seen: usize,
    lines: Option<LineIndex>,
    /// Set after more than ten errors: every further token is EOF.
    bailed: bool,
    in_rhs: bool,
    nest_lev: u32,
    sync_pos: u32,
    sync_cnt: u32,
    expr_scratch: Vec<ExprId>,
    ident_scratch: Vec<Span>,
    field_scratch: Vec<Field>,
    param_scratch: Vec<ParamItem>,
    stmt_scratch: Vec<StmtId>,
}

impl<'src> Parser<'src> {
    /// A parser at offset `start` of `src` (0: the file).
    fn new(src: &'src [u8], start: u32) -> Parser<'src> {
        let mut lexer = if start == 0 {
            Lexer::new(src)
        } else {
            Lexer::new_at(src, start as usize)
        };
        let tok = lexer.next_token();
        Parser {
            src,
            lexer,
            tok,
            drop_elements: false,
            parse_bodies: false,
            expr_lev: 0,
            prev_end: start,
            file: File::default(),
            errors: Vec::new(),
            last_error_line: None,
            lex_errors_seen: 0,
            lines: None,
            bailed: false,
            in_rhs: false,
            nest_lev: 0,
            sync_pos: 0,
            sync_cnt: 0,
            expr_scratch: Vec::new(),
            ident_scratch: Vec::new(),
            field_scratch: Vec::new(),
            param_scratch: Vec::new(),
            stmt_scratch: Vec::new(),
        }
    }

    fn finish(mut self) -> Parsed {
        // Lexer errors beyond the point where parsing stopped are not reported: go/parser
        // does not scan there either.
        let (comments, lex_errors) = self.lexer.finish();
        self.file.comments = comments;
        let mut errors = self.errors;
        errors.extend(lex_errors);
        // Sorted by position, as go/parser's ErrorList (parser errors can be recorded out of
        // order, e.g. at the start of a parameter list).
        errors.sort_by_key(|e| e.span.start);
        decl::attach_docs(&mut self.file, self.src);
        Parsed {
            file: self.file,
            errors,
            stopped_before: (self.tok.kind != TokenKind::Eof).then_some(self.tok.span.end),
        }
    }

    // ---- token primitives

    #[inline]
    fn at(&self, kind: TokenKind) -> bool {
        self.tok.kind == kind
    }

    #[inline]
    fn pos(&self) -> u32 {
        self.tok.span.start
    }

    /// Moves to the next token.
    #[inline]
    fn next(&mut self) {
        if !self.tok.is_inserted_semi() && self.tok.kind != TokenKind::Eof {
            self.prev_end = self.tok.span.end;
        }
        self.tok = if self.bailed {
            Token {
                kind: TokenKind::Eof,
                flags: TokenFlags::empty(),
                span: Span::empty(self.tok.span.end),
            }
        } else {
            self.lexer.next_token()
        };
    }

    /// A span from `start` to the end of the last consumed token.
    #[inline]
    fn span_from(&self, start: u32) -> Span {
        Span::new(start, self.prev_end.max(start))
    }

    /// Whether the current token is a semicolon inserted at a newline.
    #[inline]
    fn at_newline_semi(&self) -> bool {
        self.tok.kind == TokenKind::Semicolon && self.tok.flags.contains(TokenFlags::NEWLINE_SEMI)
    }

    // ---- errors

    fn line_of(&mut self, offset: u32) -> u32 {
        let src = self.src;
        self.lines
            .get_or_insert_with(|| LineIndex::new(src))
            .line_col(offset)
            .line
    }

    /// Records an error as go/parser's `error` does: one per line, and after more than ten
    /// errors parsing stops.
    fn error(&mut self, pos: u32, kind: SyntaxErrorKind) {
        // The most recent error in time: a lexer error recorded after our last one, or ours.
        let n_lex = self.lexer.errors().len();
        if n_lex > self.lex_errors_seen {
            self.lex_errors_seen = n_lex;
            let lex_offset = self.lexer.errors()[n_lex - 1].span.start;
            self.last_error_line = Some(self.line_of(lex_offset));
        }
        let line = self.line_of(pos);
        if self.last_error_line == Some(line) {
            return; // discard: likely a spurious error
        }
        if self.errors.len() + n_lex > 10 {
            self.bailed = true;
            self.tok = Token {
                kind: TokenKind::Eof,
                flags: TokenFlags::empty(),
                span: self.tok.span,
            };
            return;
        }
        self.errors.push(SyntaxError::new(Span::empty(pos), kind));
        self.last_error_line = Some(line);
    }

    fn error_msg(&mut self, pos: u32, msg: &'static str) {
        self.error(pos, SyntaxErrorKind::Message(msg));
    }

    /// go/parser's `errorExpected`: names what was found when the error is at the current
    /// token.
    fn error_expected(&mut self, pos: u32, what: Expected) {
        let found = (pos == self.pos()).then(|| Found {
            kind: self.tok.kind,
            newline: self.at_newline_semi(),
            span: self.tok.span,
        });
        self.error(pos, SyntaxErrorKind::Expected { what, found });
    }

    /// Consumes `kind` or records "expected 'kind'"; always makes progress.
    fn expect(&mut self, kind: TokenKind) -> u32 {
        let pos = self.pos();
        if self.tok.kind != kind {
            self.error_expected(pos, Expected::Token(kind));
        }
        self.next();
        pos
    }

    /// go/parser's `expectClosing`: a better message for a missing comma before a newline.
    fn expect_closing(&mut self, kind: TokenKind, context: &'static str) -> u32 {
        if self.tok.kind != kind && self.at_newline_semi() {
            let pos = self.pos();
            self.error(
                pos,
                SyntaxErrorKind::MissingComma {
                    context,
                    newline: true,
                },
            );
            self.next();
        }
        self.expect(kind)
    }

    /// go/parser's `expectSemi`.
    fn expect_semi(&mut self) {
        match self.tok.kind {
            TokenKind::RParen | TokenKind::RBrace => {}
            TokenKind::Comma => {
                let pos = self.pos();
                self.error_expected(pos, Expected::Token(TokenKind::Semicolon));
                self.next();
            }
            TokenKind::Semicolon => self.next(),
            _ => {
                let pos = self.pos();
                self.error_expected(pos, Expected::Token(TokenKind::Semicolon));
                self.advance(STMT_START);
            }
        }
    }

    /// go/parser's `atComma`.
    fn at_comma(&mut self, context: &'static str, follow: TokenKind) -> bool {
        if self.at(TokenKind::Comma) {
            return true;
        }
        if self.tok.kind != follow {
            let newline = self.at_newline_semi();
            let pos = self.pos();
            self.error(pos, SyntaxErrorKind::MissingComma { context, newline });
            return true; // "insert" the comma and continue
        }
        false
    }

    /// go/parser's `advance`: skips to a token of `to` (or EOF), making sure the parser
    /// progresses.
    fn advance(&mut self, to: TokenSet) {
        while self.tok.kind != TokenKind::Eof {
            if to.contains(self.tok.kind) {
                let pos = self.pos();
                if pos == self.sync_pos && self.sync_cnt < 10 {
                    self.sync_cnt += 1;
                    return;
                }
                if pos > self.sync_pos {
                    self.sync_pos = pos;
                    self.sync_cnt = 0;
                    return;
                }
            }
            self.next();
        }
    }

    /// go/parser's nesting counter; returns false (after recording the error and stopping)
    /// when the limit is exceeded.
    #[inline]
    fn inc_nest(&mut self) -> bool {
        self.nest_lev += 1;
        if self.nest_lev > MAX_NEST_LEV {
            if !self.bailed {
                let pos = self.pos();
                // Recorded directly: go/parser panics out of the parse here.
                self.errors.push(SyntaxError::new(
                    Span::empty(pos),
                    SyntaxErrorKind::NestingTooDeep,
                ));
                self.bailed = true;
                self.tok = Token {
                    kind: TokenKind::Eof,
                    flags: TokenFlags::empty(),
                    span: self.tok.span,
                };
            }
            return false;
        }
        true
    }

    #[inline]
    fn dec_nest(&mut self, n: u32) {
        self.nest_lev -= n;
    }

    // ---- arena helpers

    fn alloc(&mut self, expr: Expr, span: Span) -> ExprId {
        let id = ExprId(self.file.exprs.len() as u32);
        self.file.exprs.push(expr);
        self.file.expr_spans.push(span);
        id
    }

    fn ident_expr(&mut self, name: Span) -> ExprId {
        self.alloc(Expr::Ident, name)
    }

    fn bad(&mut self, from: u32, to: u32) -> ExprId {
        self.alloc(Expr::Bad, Span::new(from, to.max(from)))
    }

    fn finish_expr_list(&mut self, mark: usize) -> ExprList {
        let start = self.file.expr_lists.len() as u32;
        self.file.expr_lists.extend(self.expr_scratch.drain(mark..));
        ExprList {
            start,
            len: self.file.expr_lists.len() as u32 - start,
        }
    }

    fn finish_ident_list(&mut self, mark: usize) -> IdentList {
        let start = self.file.idents.len() as u32;
        self.file.idents.extend(self.ident_scratch.drain(mark..));
        IdentList {
            start,
            len: self.file.idents.len() as u32 - start,
        }
    }

    fn finish_field_list(&mut self, mark: usize, span: Span) -> FieldList {
        let start = self.file.fields.len() as u32;
        self.file.fields.extend(self.field_scratch.drain(mark..));
        FieldList {
            start,
            len: self.file.fields.len() as u32 - start,
            span,
        }
    }

    fn ident_list_of(&mut self, names: &[Span]) -> IdentList {
        let start = self.file.idents.len() as u32;
        self.file.idents.extend_from_slice(names);
        IdentList {
            start,
            len: names.len() as u32,
        }
    }

    /// A function body: the current token is its `{`. Parsed when bodies are, else skipped.
    fn body(&mut self) -> (Span, Option<Block>) {
        if self.parse_bodies {
            let block = self.parse_func_body();
            return (block.span, Some(block));
        }
        (self.skip_body(), None)
    }

    /// Skips a function body: the current token is its `{`.
    fn skip_body(&mut self) -> Span {
        let (body, closed) = self.lexer.skip_block();
        self.tok.span = body;
        self.next();
        if !closed {
            let pos = self.pos();
            self.error_expected(pos, Expected::Token(TokenKind::RBrace));
        }
        body
    }

    /// Runs `f` with enough stack for deep recursion (go/parser allows nesting to 100,000).
    #[inline]
    fn with_stack<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> R {
        stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || f(self))
    }
}

#[cfg(test)]
mod tests;
