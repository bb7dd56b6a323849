//! The Go lexer: bytes in, tokens out, matching `go/scanner` (Go 1.27).
//!
//! ```text
//!   src: &[u8] ──► Lexer::next_token() ──► Token { kind, flags, span }   (12 bytes, no text)
//!                        │
//!                        ├──► comments(): Vec<Comment>     (side table, never tokens)
//!                        └──► errors():   Vec<SyntaxError> (go/scanner's messages and offsets)
//! ```
//!
//! Contract used by the parser:
//! - [`Lexer::new`]: `src` already passed [`crate::span::check_len`]. A UTF-8 BOM at offset 0 is
//!   skipped; a BOM anywhere else is an error, as is a UTF-16 BOM at the start.
//! - [`Lexer::next_token`] returns the next token, inserting semicolons as go/scanner does: after
//!   a line's final identifier, basic literal, `break`/`continue`/`fallthrough`/`return` or
//!   `++ -- ) ] }`, a `Semicolon` flagged [`TokenFlags::NEWLINE_SEMI`] with an empty span at the
//!   newline (or at the first newline of a `/* */` comment that contains one), or flagged
//!   [`TokenFlags::EOF_SEMI`] at the end. After `Eof` it keeps returning `Eof`. Illegal
//!   characters become `Illegal` tokens (and errors) that leave the semicolon state unchanged.
//! - [`Lexer::skip_block`] is called right after `next_token()` returned a `{` that opens a
//!   function body: it scans to the matching `}` and returns the span from `{` through `}` (or to
//!   the end of input). It records exactly the errors full lexing records for those bytes, in the
//!   same order, but keeps no comments. The next `next_token()` continues as after a `}`.
//!
//! Errors carry go/scanner's offsets and messages, one per problem go/scanner reports; an
//! illegal byte (NUL, invalid UTF-8, misplaced BOM) is reported wherever it occurs, in comments
//! and literals too. They come in scanning order, as go/scanner reports them (an unterminated
//! literal's error, at its start, follows the errors inside it). One difference: go/scanner
//! reports an illegal byte when it reads it as lookahead, possibly before the last errors of the
//! token in front of it, so the order can differ around such bytes; sorted by offset and message,
//! as go/parser sorts its list, both are equal. `//line` directives are not interpreted, so
//! go/scanner's "invalid line number" errors are not reported.
//!
//! Performance: a 256-entry byte-class table dispatches each token, ASCII identifiers take a
//! fast path, keywords are found by a perfect hash, table-driven loops and `memchr` skip the
//! inside of strings and comments, `skip_block` jumps over bytes that cannot start a literal or
//! brace without making tokens, and nothing is allocated per token. All code is safe.

mod number;
mod string;
mod tables;
#[cfg(test)]
mod tests;

pub use self::string::{strconv_unquote, unquote_one};
pub use self::string::{unquote, unquote_bytes, unquote_char};
pub use self::tables::UNICODE_VERSION;

use memchr::{memchr, memmem};

use crate::diagnostic::{SyntaxError, SyntaxErrorKind};
use crate::span::Span;
use crate::token::{Comment, CommentKind, Token, TokenFlags, TokenKind};

/// Lexer state over one file's bytes.
pub struct Lexer<'src> {
    src: &'src [u8],
    pos: usize,
    /// Insert a semicolon before the next newline or at the end (go/scanner's `insertSemi`).
    insert_semi: bool,
    /// The file starts with a UTF-16 BOM: the first token is one `Illegal` token over it all.
    utf16: bool,
    comments: Vec<Comment>,
    errors: Vec<SyntaxError>,
}

impl<'src> Lexer<'src> {
    /// A lexer at the start of `src` (which must fit `u32` offsets, see
    /// [`crate::span::check_len`]).
    pub fn new(src: &'src [u8]) -> Lexer<'src> {
        let mut lexer = Lexer {
            src,
            pos: 0,
            insert_semi: false,
            utf16: false,
            comments: Vec::new(),
            errors: Vec::new(),
        };
        if src.starts_with(BOM) {
            lexer.pos = BOM.len();
        } else if src.starts_with(&[0xFF, 0xFE]) || src.starts_with(&[0xFE, 0xFF]) {
            // go/scanner gives a specific error and consumes all input (go.dev/issue/71950).
            lexer.error(0, SyntaxErrorKind::IllegalUtf16);
            lexer.utf16 = true;
        }
        lexer
    }

    /// A lexer at offset `start` of `src`, as if the tokens before it had ended a line: what
    /// parsing one function body of a file needs (its `{` is at `start`).
    pub fn new_at(src: &'src [u8], start: usize) -> Lexer<'src> {
        let mut lexer = Lexer::new(src);
        if start > 0 {
            lexer.pos = start.min(src.len());
            lexer.utf16 = false;
            lexer.errors.clear();
        }
        lexer
    }

    /// The source being lexed.
    pub fn source(&self) -> &'src [u8] {
        self.src
    }

    /// The offset up to which the input has been consumed.
    pub fn offset(&self) -> u32 {
        self.pos as u32
    }

    /// The next token (see the module doc for semicolon insertion).
    pub fn next_token(&mut self) -> Token {
        let src = self.src;
        if self.utf16 {
            self.utf16 = false;
            self.pos = src.len();
            self.error(
                0,
                SyntaxErrorKind::IllegalCharacter(char::REPLACEMENT_CHARACTER),
            );
            return token(TokenKind::Illegal, TokenFlags::empty(), 0, src.len());
        }
        loop {
            let mut pos = self.pos;
            // Skip white space; a newline ends it when a semicolon is due.
            let rest = &src[pos..];
            pos += if self.insert_semi {
                rest.iter().position(|&b| CLASS[b as usize] != C_WS)
            } else {
                rest.iter().position(|&b| CLASS[b as usize] > C_NL)
            }
            .unwrap_or(rest.len());
            let start = pos;
            let Some(&b) = src.get(pos) else {
                self.pos = pos;
                if self.insert_semi {
                    self.insert_semi = false;
                    return token(TokenKind::Semicolon, TokenFlags::EOF_SEMI, pos, pos);
                }
                return token(TokenKind::Eof, TokenFlags::empty(), pos, pos);
            };

            let mut flags = TokenFlags::empty();
            let mut insert_semi = false;
            let kind = match CLASS[b as usize] {
                C_NL => {
                    self.pos = pos + 1;
                    self.insert_semi = false;
                    return token(TokenKind::Semicolon, TokenFlags::NEWLINE_SEMI, pos, pos);
                }
                C_LETTER => {
                    pos = self.scan_ident(pos + 1);
                    let kind = keyword(&src[start..pos]);
                    insert_semi = matches!(
                        kind,
                        TokenKind::Ident
                            | TokenKind::Break
                            | TokenKind::Continue
                            | TokenKind::Fallthrough
                            | TokenKind::Return
                    );
                    kind
                }
                C_DIGIT => {
                    insert_semi = true;
                    let (kind, end, bad) = self.scan_number(pos);
                    pos = end;
                    if bad {
                        flags = TokenFlags::MALFORMED;
                    }
                    kind
                }
                C_DOT => {
                    if at(src, pos + 1).is_ascii_digit() {
                        insert_semi = true;
                        let (kind, end, bad) = self.scan_number(pos);
                        pos = end;
                        if bad {
                            flags = TokenFlags::MALFORMED;
                        }
                        kind
                    } else if at(src, pos + 1) == b'.' && at(src, pos + 2) == b'.' {
                        pos += 3;
                        TokenKind::Ellipsis
                    } else {
                        pos += 1;
                        TokenKind::Period
                    }
                }
                C_QUOTE => {
                    insert_semi = true;
                    let (end, bad) = match b {
                        b'"' => self.scan_string(pos),
                        b'\'' => self.scan_rune(pos),
                        _ => {
                            flags = TokenFlags::RAW_STRING;
                            self.scan_raw_string(pos)
                        }
                    };
                    pos = end;
                    if bad {
                        flags.insert(TokenFlags::MALFORMED);
                    }
                    if b == b'\'' {
                        TokenKind::Char
                    } else {
                        TokenKind::String
                    }
                }
                C_SLASH => match at(src, pos + 1) {
                    b'/' | b'*' => {
                        let (end, newline) = self.scan_comment(pos, true);
                        self.pos = end;
                        if let (true, Some(nl)) = (self.insert_semi, newline) {
                            // A `/* */` comment containing a newline acts like a newline.
                            self.insert_semi = false;
                            return token(TokenKind::Semicolon, TokenFlags::NEWLINE_SEMI, nl, nl);
                        }
                        continue;
                    }
                    b'=' => {
                        pos += 2;
                        TokenKind::QuoAssign
                    }
                    _ => {
                        pos += 1;
                        TokenKind::Quo
                    }
                },
                C_OP => {
                    let (kind, len, semi) = operator(b, at(src, pos + 1), at(src, pos + 2));
                    pos += len;
                    insert_semi = semi;
                    kind
                }
                _ => {
                    // Non-ASCII or an illegal ASCII byte.
                    let (end, letter) = self.other_char(pos);
                    if letter {
                        pos = self.scan_ident(end);
                        insert_semi = true;
                        TokenKind::Ident
                    } else {
                        pos = end;
                        insert_semi = self.insert_semi;
                        TokenKind::Illegal
                    }
                }
            };
            self.pos = pos;
            self.insert_semi = insert_semi;
            return token(kind, flags, start, pos);
        }
    }

    /// Skips a function body whose `{` was the last token returned; see the module doc.
    /// Returns the span from `{` through `}` (or to the end of input) and whether the
    /// matching `}` was found.
    pub fn skip_block(&mut self) -> (Span, bool) {
        let start = self.pos.saturating_sub(1);
        let (end, closed) = self.skip_body(self.pos);
        self.pos = end;
        self.insert_semi = closed;
        (Span::new(start as u32, end as u32), closed)
    }

    /// Comments seen so far, in source order (none from skipped blocks).
    pub fn comments(&self) -> &[Comment] {
        &self.comments
    }

    /// Errors seen so far (see the module doc for their order).
    pub fn errors(&self) -> &[SyntaxError] {
        &self.errors
    }

    /// Consumes the lexer, returning its comments and errors.
    pub fn finish(self) -> (Vec<Comment>, Vec<SyntaxError>) {
        (self.comments, self.errors)
    }

    /// Scans from `p` (just after the opening `{`) to the matching `}`, lexing everything in
    /// between exactly as `next_token` would (same errors) but producing no tokens or comments.
    /// Returns the offset after the `}` (or the end) and whether the `}` was found.
    fn skip_body(&mut self, mut p: usize) -> (usize, bool) {
        let src = self.src;
        let mut depth = 1usize;
        loop {
            // Jump over white space, ASCII letters and operators that cannot start anything
            // with errors or braces. Digits stop the jump: they continue an identifier if they
            // follow a jumped-over letter, and start a number otherwise.
            let jump_start = p;
            p += src[p..]
                .iter()
                .position(|&b| !SKIP_BORING[b as usize])
                .unwrap_or(src.len() - p);
            let Some(&b) = src.get(p) else {
                return (p, false);
            };
            match b {
                b'0'..=b'9' => {
                    p = if p > jump_start && IDENT_CONT[src[p - 1] as usize] {
                        self.scan_ident(p + 1)
                    } else {
                        self.scan_number(p).1
                    };
                }
                b'{' => {
                    depth += 1;
                    p += 1;
                }
                b'}' => {
                    depth -= 1;
                    p += 1;
                    if depth == 0 {
                        return (p, true);
                    }
                }
                b'.' => {
                    if at(src, p + 1).is_ascii_digit() {
                        p = self.scan_number(p).1;
                    } else if at(src, p + 1) == b'.' && at(src, p + 2) == b'.' {
                        p += 3;
                    } else {
                        p += 1;
                    }
                }
                b'"' => p = self.scan_string(p).0,
                b'\'' => p = self.scan_rune(p).0,
                b'`' => p = self.scan_raw_string(p).0,
                b'/' => match at(src, p + 1) {
                    b'/' | b'*' => p = self.scan_comment(p, false).0,
                    _ => p += 1,
                },
                _ => {
                    if p > jump_start && IDENT_CONT[src[p - 1] as usize] {
                        // A non-ASCII letter or digit continues a jumped-over identifier.
                        let end = self.scan_ident(p);
                        if end > p {
                            p = end;
                            continue;
                        }
                    }
                    let (end, letter) = self.other_char(p);
                    p = if letter { self.scan_ident(end) } else { end };
                }
            }
        }
    }

    /// Scans the rest of an identifier from `p`; returns its end.
    #[inline]
    fn scan_ident(&self, mut p: usize) -> usize {
        let src = self.src;
        loop {
            p += src[p..]
                .iter()
                .position(|&b| !IDENT_CONT[b as usize])
                .unwrap_or(src.len() - p);
            match src.get(p) {
                Some(&b) if b >= 0x80 => match decode_char(src, p) {
                    Some((c, w)) if is_letter(c) || is_digit(c) => p += w,
                    _ => return p,
                },
                _ => return p,
            }
        }
    }

    /// A non-ASCII or illegal ASCII byte at a token start `p`. Returns the end of the
    /// character and whether it is a letter (starting an identifier); otherwise records
    /// go/scanner's errors for it.
    #[cold]
    fn other_char(&mut self, p: usize) -> (usize, bool) {
        let b = self.src[p];
        if b < 0x80 {
            if b == 0 {
                self.error(p, SyntaxErrorKind::IllegalNul);
            }
            self.error(p, SyntaxErrorKind::IllegalCharacter(b as char));
            return (p + 1, false);
        }
        match decode_char(self.src, p) {
            None => {
                self.error(p, SyntaxErrorKind::IllegalUtf8);
                self.error(
                    p,
                    SyntaxErrorKind::IllegalCharacter(char::REPLACEMENT_CHARACTER),
                );
                (p + 1, false)
            }
            Some((c, w)) => {
                if is_letter(c) {
                    return (p + w, true);
                }
                let kind = match c {
                    '\u{FEFF}' => SyntaxErrorKind::IllegalBom,
                    '\u{201C}' | '\u{201D}' => SyntaxErrorKind::CurlyQuote(c),
                    _ => SyntaxErrorKind::IllegalCharacter(c),
                };
                self.error(p, kind);
                (p + w, false)
            }
        }
    }

    /// Scans a comment whose `/` is at `start` (followed by `/` or `*`), recording it if `keep`.
    /// Returns the offset after it (a line comment ends before its newline) and, for a general
    /// comment, the offset of its first newline.
    fn scan_comment(&mut self, start: usize, keep: bool) -> (usize, Option<usize>) {
        let src = self.src;
        let from = start + 2;
        if src[start + 1] == b'/' {
            let end = memchr(b'\n', &src[from..]).map_or(src.len(), |i| from + i);
            self.check_text(from, end);
            if keep {
                // Like go/ast's `Comment.Text`, a CRLF line's `\r` is not part of the comment.
                let span_end = if end > from && src[end - 1] == b'\r' {
                    end - 1
                } else {
                    end
                };
                self.push_comment(start, span_end, CommentKind::Line);
            }
            return (end, None);
        }
        let mut search = from;
        let (body_end, end) = loop {
            match memchr(b'*', &src[search..]) {
                Some(i) => {
                    let star = search + i;
                    if at(src, star + 1) == b'/' {
                        break (star, star + 2);
                    }
                    search = star + 1;
                }
                None => break (src.len(), src.len()),
            }
        };
        self.check_text(from, body_end);
        if body_end == src.len() {
            self.error(start, SyntaxErrorKind::CommentNotTerminated);
        }
        if keep {
            self.push_comment(start, end, CommentKind::Block);
        }
        (end, memchr(b'\n', &src[from..body_end]).map(|i| from + i))
    }

    fn push_comment(&mut self, start: usize, end: usize, kind: CommentKind) {
        self.comments.push(Comment {
            span: Span::new(start as u32, end as u32),
            kind,
        });
    }

    /// Records go/scanner's per-character errors (NUL, invalid UTF-8, BOM) for `src[from..to]`,
    /// the inside of a comment or raw string.
    fn check_text(&mut self, from: usize, to: usize) {
        let text = &self.src[from..to];
        let clean = if text.is_ascii() {
            memchr(0, text).is_none()
        } else {
            std::str::from_utf8(text).is_ok()
                && memchr(0, text).is_none()
                && memmem::find(text, BOM).is_none()
        };
        if !clean {
            self.check_text_slow(from, to);
        }
    }

    #[cold]
    fn check_text_slow(&mut self, from: usize, to: usize) {
        let mut p = from;
        while p < to {
            p = if self.src[p] == 0 {
                self.error(p, SyntaxErrorKind::IllegalNul);
                p + 1
            } else if self.src[p] < 0x80 {
                p + 1
            } else {
                self.check_char(p)
            };
        }
    }

    /// Checks the character at `p` inside a literal or comment (NUL, invalid UTF-8, BOM);
    /// returns its end (one byte for an invalid encoding, as go/scanner steps).
    #[inline]
    fn check_char(&mut self, p: usize) -> usize {
        let b = self.src[p];
        if b == 0 {
            self.error(p, SyntaxErrorKind::IllegalNul);
            return p + 1;
        }
        if b < 0x80 {
            return p + 1;
        }
        match decode_char(self.src, p) {
            Some((c, w)) => {
                if c == '\u{FEFF}' {
                    self.error(p, SyntaxErrorKind::IllegalBom);
                }
                p + w
            }
            None => {
                self.error(p, SyntaxErrorKind::IllegalUtf8);
                p + 1
            }
        }
    }

    #[cold]
    fn error(&mut self, offset: usize, kind: SyntaxErrorKind) {
        self.errors
            .push(SyntaxError::new(Span::empty(offset as u32), kind));
    }
}

/// Whether Go's `strconv.IsPrint` holds for `c` (letters, marks, numbers, punctuation, symbols
/// and the ASCII space), which decides whether `%#U` shows the character in messages.
pub fn is_go_print(c: char) -> bool {
    let c = c as u32;
    if c < 0x80 {
        return (0x20..0x7F).contains(&c);
    }
    in_table(tables::PRINT, c)
}

/// Whether `c` is a letter for Go identifiers (`unicode.IsLetter` or `_`).
pub fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic() || c == '_';
    }
    in_table(tables::LETTER, c as u32)
}

/// Whether `c` is a digit for Go identifiers (`unicode.IsDigit`).
pub fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    in_table(tables::DIGIT, c as u32)
}

fn in_table(table: &[(u32, u32)], c: u32) -> bool {
    table
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// The byte at `p`, or 0 past the end (0 is never part of a multi-byte token).
#[inline(always)]
pub(crate) fn at(src: &[u8], p: usize) -> u8 {
    src.get(p).copied().unwrap_or(0)
}

/// Decodes the UTF-8 character at `p` as Go's `utf8.DecodeRune` does: `None` for an invalid or
/// truncated encoding (go/scanner then steps one byte).
#[inline]
pub(crate) fn decode_char(src: &[u8], p: usize) -> Option<(char, usize)> {
    let width = match *src.get(p)? {
        0x00..=0x7F => return Some((src[p] as char, 1)),
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return None,
    };
    let bytes = src.get(p..p + width)?;
    let c = std::str::from_utf8(bytes).ok()?.chars().next()?;
    Some((c, width))
}

#[inline(always)]
fn token(kind: TokenKind, flags: TokenFlags, start: usize, end: usize) -> Token {
    Token {
        kind,
        flags,
        span: Span::new(start as u32, end as u32),
    }
}

/// The keyword or `Ident` for an identifier's bytes, through a perfect hash of the first two
/// bytes and the length (keywords are 2 to 11 lower-case letters).
#[inline]
fn keyword(ident: &[u8]) -> TokenKind {
    if ident.len() < 2 || ident.len() > 11 {
        return TokenKind::Ident;
    }
    let (text, kind) = KEYWORD_TABLE[keyword_hash(ident[0], ident[1], ident.len())];
    if text == ident {
        kind
    } else {
        TokenKind::Ident
    }
}

#[inline(always)]
const fn keyword_hash(b0: u8, b1: u8, len: usize) -> usize {
    ((b0 as usize * 3 + b1 as usize * 7 + len) >> 1) & 63
}

static KEYWORD_TABLE: [(&[u8], TokenKind); 64] = {
    use TokenKind::*;
    const KEYWORDS: [(&[u8], TokenKind); 25] = [
        (b"break", Break),
        (b"case", Case),
        (b"chan", Chan),
        (b"const", Const),
        (b"continue", Continue),
        (b"default", Default),
        (b"defer", Defer),
        (b"else", Else),
        (b"fallthrough", Fallthrough),
        (b"for", For),
        (b"func", Func),
        (b"go", Go),
        (b"goto", Goto),
        (b"if", If),
        (b"import", Import),
        (b"interface", Interface),
        (b"map", Map),
        (b"package", Package),
        (b"range", Range),
        (b"return", Return),
        (b"select", Select),
        (b"struct", Struct),
        (b"switch", Switch),
        (b"type", Type),
        (b"var", Var),
    ];
    let mut table: [(&[u8], TokenKind); 64] = [(b"", Ident); 64];
    let mut i = 0;
    while i < KEYWORDS.len() {
        let (text, kind) = KEYWORDS[i];
        let h = keyword_hash(text[0], text[1], text.len());
        assert!(table[h].0.is_empty(), "keyword hash collision");
        table[h] = (text, kind);
        i += 1;
    }
    table
};

/// An operator or delimiter starting with the ASCII byte `b` (not `/` or `.`), followed by `b1`
/// and `b2`: its kind, length and whether a semicolon is due after it at a newline.
#[inline]
fn operator(b: u8, b1: u8, b2: u8) -> (TokenKind, usize, bool) {
    use TokenKind::*;
    match b {
        b'(' => (LParen, 1, false),
        b')' => (RParen, 1, true),
        b'[' => (LBrack, 1, false),
        b']' => (RBrack, 1, true),
        b'{' => (LBrace, 1, false),
        b'}' => (RBrace, 1, true),
        b',' => (Comma, 1, false),
        b';' => (Semicolon, 1, false),
        b'~' => (Tilde, 1, false),
        b':' => assign(b1, Colon, Define),
        b'*' => assign(b1, Mul, MulAssign),
        b'%' => assign(b1, Rem, RemAssign),
        b'^' => assign(b1, Xor, XorAssign),
        b'=' => assign(b1, Assign, Eql),
        b'!' => assign(b1, Not, Neq),
        b'+' => match b1 {
            b'=' => (AddAssign, 2, false),
            b'+' => (Inc, 2, true),
            _ => (Add, 1, false),
        },
        b'-' => match b1 {
            b'=' => (SubAssign, 2, false),
            b'-' => (Dec, 2, true),
            _ => (Sub, 1, false),
        },
        b'<' => match (b1, b2) {
            (b'-', _) => (Arrow, 2, false),
            (b'=', _) => (Leq, 2, false),
            (b'<', b'=') => (ShlAssign, 3, false),
            (b'<', _) => (Shl, 2, false),
            _ => (Lss, 1, false),
        },
        b'>' => match (b1, b2) {
            (b'=', _) => (Geq, 2, false),
            (b'>', b'=') => (ShrAssign, 3, false),
            (b'>', _) => (Shr, 2, false),
            _ => (Gtr, 1, false),
        },
        b'&' => match (b1, b2) {
            (b'^', b'=') => (AndNotAssign, 3, false),
            (b'^', _) => (AndNot, 2, false),
            (b'=', _) => (AndAssign, 2, false),
            (b'&', _) => (LAnd, 2, false),
            _ => (And, 1, false),
        },
        _ => match b1 {
            // `|`
            b'=' => (OrAssign, 2, false),
            b'|' => (LOr, 2, false),
            _ => (Or, 1, false),
        },
    }
}

#[inline]
fn assign(b1: u8, plain: TokenKind, with_eq: TokenKind) -> (TokenKind, usize, bool) {
    if b1 == b'=' {
        (with_eq, 2, false)
    } else {
        (plain, 1, false)
    }
}

// Byte classes for dispatch.
/// Space, tab, carriage return.
const C_WS: u8 = 0;
/// `\n`
const C_NL: u8 = 1;
/// `a-z A-Z _`
const C_LETTER: u8 = 2;
/// `0-9`
const C_DIGIT: u8 = 3;
/// `.`
const C_DOT: u8 = 4;
/// `"`, `'`, `` ` ``
const C_QUOTE: u8 = 5;
/// `/`
const C_SLASH: u8 = 6;
/// Every other operator or delimiter byte (handled by [`operator`]).
const C_OP: u8 = 7;
/// Non-ASCII, NUL and the ASCII bytes that start no token.
const C_OTHER: u8 = 8;

static CLASS: [u8; 256] = {
    let mut t = [C_OTHER; 256];
    t[b' ' as usize] = C_WS;
    t[b'\t' as usize] = C_WS;
    t[b'\r' as usize] = C_WS;
    t[b'\n' as usize] = C_NL;
    let mut i = 0;
    while i < 26 {
        t[b'a' as usize + i] = C_LETTER;
        t[b'A' as usize + i] = C_LETTER;
        i += 1;
    }
    t[b'_' as usize] = C_LETTER;
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = C_DIGIT;
        i += 1;
    }
    t[b'.' as usize] = C_DOT;
    t[b'"' as usize] = C_QUOTE;
    t[b'\'' as usize] = C_QUOTE;
    t[b'`' as usize] = C_QUOTE;
    t[b'/' as usize] = C_SLASH;
    let ops = b"()[]{},;~:*%^=!+-<>&|";
    let mut i = 0;
    while i < ops.len() {
        t[ops[i] as usize] = C_OP;
        i += 1;
    }
    t
};

/// Bytes `skip_body` jumps over: white space, ASCII letters and the operator bytes of
/// [`operator`] except braces.
static SKIP_BORING: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 128 {
        t[i] = matches!(CLASS[i], C_WS | C_NL | C_OP) || (CLASS[i] == C_LETTER);
        i += 1;
    }
    t[b'{' as usize] = false;
    t[b'}' as usize] = false;
    t
};

/// ASCII bytes that continue an identifier.
static IDENT_CONT: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 128 {
        t[i] = CLASS[i] == C_LETTER || CLASS[i] == C_DIGIT;
        i += 1;
    }
    t
};
