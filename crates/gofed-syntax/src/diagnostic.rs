//! Syntax errors of the lexer and the parser.
//!
//! Errors are small values (a span and a kind) that are only formatted when shown (oxc's
//! diagnostics); messages use go/scanner's and go/parser's words, lowercase, no trailing period.

use std::fmt::Write as _;

use crate::span::{LineIndex, Span};
use crate::token::TokenKind;

/// One syntax error in one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    /// Where (an empty span for a point).
    pub span: Span,
    /// What.
    pub kind: SyntaxErrorKind,
}

/// What a token found instead of the expected one, for "expected X, found Y" messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Found {
    /// The token's kind.
    pub kind: TokenKind,
    /// An inserted semicolon at a newline ("found newline").
    pub newline: bool,
    /// The token's span (its text is quoted for literals).
    pub span: Span,
}

/// What the parser expected: a token (quoted in the message) or a description.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    /// `expected ')'`
    Token(TokenKind),
    /// `expected declaration`, `expected type`, ...
    Text(&'static str),
}

/// The kinds of syntax errors.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SyntaxErrorKind {
    // ---- lexer (go/scanner's messages)
    /// `illegal character U+0040 '@'`
    IllegalCharacter(char),
    /// `illegal character NUL`
    IllegalNul,
    /// `illegal UTF-8 encoding`
    IllegalUtf8,
    /// `illegal byte order mark`
    IllegalBom,
    /// `illegal UTF-8 encoding (got UTF-16)`: a UTF-16 BOM (`FF FE` or `FE FF`) starts the file.
    IllegalUtf16,
    /// `curly quotation mark '“' (use neutral '"')`
    CurlyQuote(char),
    /// `illegal rune literal`: an empty rune literal or one with more than one character.
    IllegalRune,
    /// `comment not terminated`
    CommentNotTerminated,
    /// `string literal not terminated`
    StringNotTerminated,
    /// `raw string literal not terminated`
    RawStringNotTerminated,
    /// `rune literal not terminated`
    RuneNotTerminated,
    /// `empty rune literal or unescaped ' in rune literal`
    EmptyRune,
    /// `more than one character in rune literal`
    RuneTooLong,
    /// `unknown escape sequence`
    UnknownEscape,
    /// `escape sequence not terminated`
    EscapeNotTerminated,
    /// `escape sequence is invalid Unicode code point`
    EscapeInvalidCodePoint,
    /// `illegal character U+0047 'G' in escape sequence`
    IllegalCharInEscape(char),
    /// `invalid digit '8' in octal literal`
    InvalidDigit {
        /// The digit.
        digit: char,
        /// `binary`, `octal`, `decimal`, `hexadecimal`.
        base: &'static str,
    },
    /// `'_' must separate successive digits`
    UnderscoreSeparation,
    /// `binary literal has no digits`
    NoDigits(&'static str),
    /// `hexadecimal mantissa requires a 'p' exponent`
    HexMantissaNeedsP,
    /// `exponent has no digits`
    ExponentNoDigits,
    /// `invalid radix point in binary literal`
    InvalidRadixPoint(&'static str),
    /// `'e' exponent requires decimal mantissa`
    ExponentNeedsMantissa {
        /// `e` or `p` as written.
        exp: char,
        /// `decimal` or `hexadecimal`.
        mantissa: &'static str,
    },

    // ---- parser (go/parser's messages)
    /// `expected X, found Y`; `found` is absent when the error is not at the current token.
    Expected {
        /// What was expected.
        what: Expected,
        /// What was there.
        found: Option<Found>,
    },
    /// `missing ',' in argument list`, `missing ',' before newline in composite literal`
    MissingComma {
        /// The list: `parameter list`, `argument list`, `composite literal`,
        /// `type argument list`.
        context: &'static str,
        /// The list continues on the next line.
        newline: bool,
    },
    /// A fixed message.
    Message(&'static str),
    /// `exceeded max nesting depth`
    NestingTooDeep,
}

impl SyntaxError {
    /// A new error.
    #[inline]
    pub fn new(span: Span, kind: SyntaxErrorKind) -> SyntaxError {
        SyntaxError { span, kind }
    }

    /// The message as go/scanner or go/parser words it; `src` is the file's source (to quote
    /// literals).
    #[cold]
    pub fn message(&self, src: &[u8]) -> String {
        use SyntaxErrorKind::*;
        match &self.kind {
            IllegalCharacter(c) => format!("illegal character {}", go_unicode_repr(*c)),
            IllegalNul => "illegal character NUL".into(),
            IllegalUtf8 => "illegal UTF-8 encoding".into(),
            IllegalBom => "illegal byte order mark".into(),
            IllegalUtf16 => "illegal UTF-8 encoding (got UTF-16)".into(),
            CurlyQuote(c) => format!("curly quotation mark '{c}' (use neutral '\"')"),
            IllegalRune => "illegal rune literal".into(),
            CommentNotTerminated => "comment not terminated".into(),
            StringNotTerminated => "string literal not terminated".into(),
            RawStringNotTerminated => "raw string literal not terminated".into(),
            RuneNotTerminated => "rune literal not terminated".into(),
            EmptyRune => "empty rune literal or unescaped ' in rune literal".into(),
            RuneTooLong => "more than one character in rune literal".into(),
            UnknownEscape => "unknown escape sequence".into(),
            EscapeNotTerminated => "escape sequence not terminated".into(),
            EscapeInvalidCodePoint => "escape sequence is invalid Unicode code point".into(),
            IllegalCharInEscape(c) => {
                format!(
                    "illegal character {} in escape sequence",
                    go_unicode_repr(*c)
                )
            }
            InvalidDigit { digit, base } => format!("invalid digit '{digit}' in {base} literal"),
            UnderscoreSeparation => "'_' must separate successive digits".into(),
            NoDigits(base) => format!("{base} literal has no digits"),
            HexMantissaNeedsP => "hexadecimal mantissa requires a 'p' exponent".into(),
            ExponentNoDigits => "exponent has no digits".into(),
            InvalidRadixPoint(base) => format!("invalid radix point in {base} literal"),
            ExponentNeedsMantissa { exp, mantissa } => {
                format!("'{exp}' exponent requires {mantissa} mantissa")
            }
            Expected { what, found } => {
                let mut msg = match what {
                    self::Expected::Token(kind) => format!("expected '{}'", kind.as_str()),
                    self::Expected::Text(text) => format!("expected {text}"),
                };
                let Some(found) = found else { return msg };
                if found.newline {
                    msg.push_str(", found newline");
                } else if found.kind.is_literal() {
                    let _ = write!(msg, ", found {}", found.span.text(src));
                } else if found.kind == TokenKind::Eof {
                    msg.push_str(", found 'EOF'");
                } else {
                    let _ = write!(msg, ", found '{}'", found.kind.as_str());
                }
                msg
            }
            MissingComma {
                context,
                newline: false,
            } => format!("missing ',' in {context}"),
            MissingComma {
                context,
                newline: true,
            } => {
                format!("missing ',' before newline in {context}")
            }
            Message(m) => (*m).into(),
            NestingTooDeep => "exceeded max nesting depth".into(),
        }
    }

    /// `path:line:col: message`, as go/scanner prints an error.
    #[cold]
    pub fn render(&self, path: &str, src: &[u8], lines: &LineIndex) -> String {
        let pos = lines.line_col(self.span.start);
        format!("{path}:{}:{}: {}", pos.line, pos.col, self.message(src))
    }
}

/// Go's `%#U` rendering: `U+0040 '@'` (without the quoted char when it is not printable).
fn go_unicode_repr(c: char) -> String {
    if !crate::lexer::is_go_print(c) {
        format!("U+{:04X}", c as u32)
    } else {
        format!("U+{:04X} '{c}'", c as u32)
    }
}

/// A problem found in a package (syntax, type or load error), shown as the go command shows
/// it: `file:line:col: message` (`file: message` without a line, `message` without a file).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Diagnostic {
    /// The file (as the analysis named it; empty when the problem is the package's).
    pub file: String,
    /// 1-based line (0: none).
    pub line: u32,
    /// 1-based byte column (0: none).
    pub col: u32,
    /// What is wrong.
    pub message: String,
}

impl Diagnostic {
    /// A problem without a position (`found packages a and b in DIR`), or one whose text
    /// already carries it (the loader's rendered errors).
    pub fn unpositioned(message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            file: String::new(),
            line: 0,
            col: 0,
            message: message.into(),
        }
    }

    /// `file:line:col` (`file` alone without a line; empty without a file).
    pub fn position(&self) -> String {
        match (self.file.is_empty(), self.line) {
            (true, _) => String::new(),
            (false, 0) => self.file.clone(),
            (false, line) => format!("{}:{line}:{}", self.file, self.col),
        }
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let position = self.position();
        if position.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{position}: {}", self.message)
        }
    }
}
