//! The Go lexer: bytes in, tokens out (PLACEHOLDER API — the full implementation replaces this).
//!
//! Contract used by the parser:
//! - `Lexer::new(src)`: `src` already passed `span::check_len`. A leading UTF-8 BOM is skipped.
//! - `next_token()` returns the next token, inserting semicolons as the Go spec says (flag
//!   `NEWLINE_SEMI` at a newline or at a general comment containing a newline, `EOF_SEMI` at the
//!   end); after `Eof` it keeps returning `Eof`. Comments go to `comments()`, errors to `errors()`.
//! - `skip_block()` is called right after `next_token()` returned a `{` that opens a function body:
//!   it scans to the matching `}` tracking only braces, strings, runes, raw strings and comments,
//!   records the same lexical errors full lexing would, and returns the span from `{` through `}`.
//!   The next `next_token()` continues after the `}` as if `}` had been the last token.

use crate::diagnostic::SyntaxError;
use crate::span::Span;
use crate::token::{Comment, Token, TokenFlags, TokenKind};

/// Lexer state over one file's bytes.
pub struct Lexer<'src> {
    src: &'src [u8],
    pos: usize,
    comments: Vec<Comment>,
    errors: Vec<SyntaxError>,
}

impl<'src> Lexer<'src> {
    /// A lexer at the start of `src`.
    pub fn new(src: &'src [u8]) -> Lexer<'src> {
        Lexer { src, pos: 0, comments: Vec::new(), errors: Vec::new() }
    }

    /// The next token.
    pub fn next_token(&mut self) -> Token {
        self.pos = self.src.len();
        let end = self.pos as u32;
        Token { kind: TokenKind::Eof, flags: TokenFlags::empty(), span: Span::empty(end) }
    }

    /// Skips a function body whose `{` was the last token returned; see the module doc.
    pub fn skip_block(&mut self) -> Span {
        Span::empty(self.pos as u32)
    }

    /// Comments seen so far, in source order.
    pub fn comments(&self) -> &[Comment] {
        &self.comments
    }

    /// Errors seen so far, in source order.
    pub fn errors(&self) -> &[SyntaxError] {
        &self.errors
    }

    /// Consumes the lexer, returning its comments and errors.
    pub fn finish(self) -> (Vec<Comment>, Vec<SyntaxError>) {
        (self.comments, self.errors)
    }
}
