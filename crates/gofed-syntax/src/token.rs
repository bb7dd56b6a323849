//! Token kinds and tokens.
//!
//! A [`Token`] is a kind, a few flags and a span (12 bytes). Literal and identifier text is read
//! from the source through the span; comments are not tokens but go to the lexer's side table.

use crate::span::Span;

/// The kind of a Go token. Fieldless, `Copy`, one byte; keywords form one contiguous block so
/// [`TokenKind::is_keyword`] is a range check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum TokenKind {
    /// End of input.
    Eof,
    /// A byte sequence that is no token (an error was recorded).
    Illegal,

    // Literals.
    /// `x`, `αβ`
    Ident,
    /// `42`, `0x_1F`, `0o17`, `0b1`
    Int,
    /// `1.5`, `1e9`, `0x1p-2`
    Float,
    /// `2i`, `1.5i`
    Imag,
    /// `'a'`, `'\n'`
    Char,
    /// `"abc"` or `` `raw` ``
    String,

    // Operators and punctuation.
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/`
    Quo,
    /// `%`
    Rem,
    /// `&`
    And,
    /// `|`
    Or,
    /// `^`
    Xor,
    /// `<<`
    Shl,
    /// `>>`
    Shr,
    /// `&^`
    AndNot,
    /// `+=`
    AddAssign,
    /// `-=`
    SubAssign,
    /// `*=`
    MulAssign,
    /// `/=`
    QuoAssign,
    /// `%=`
    RemAssign,
    /// `&=`
    AndAssign,
    /// `|=`
    OrAssign,
    /// `^=`
    XorAssign,
    /// `<<=`
    ShlAssign,
    /// `>>=`
    ShrAssign,
    /// `&^=`
    AndNotAssign,
    /// `&&`
    LAnd,
    /// `||`
    LOr,
    /// `<-`
    Arrow,
    /// `++`
    Inc,
    /// `--`
    Dec,
    /// `==`
    Eql,
    /// `<`
    Lss,
    /// `>`
    Gtr,
    /// `=`
    Assign,
    /// `!`
    Not,
    /// `~`
    Tilde,
    /// `!=`
    Neq,
    /// `<=`
    Leq,
    /// `>=`
    Geq,
    /// `:=`
    Define,
    /// `...`
    Ellipsis,
    /// `(`
    LParen,
    /// `[`
    LBrack,
    /// `{`
    LBrace,
    /// `,`
    Comma,
    /// `.`
    Period,
    /// `)`
    RParen,
    /// `]`
    RBrack,
    /// `}`
    RBrace,
    /// `;`, written or inserted (see [`TokenFlags`])
    Semicolon,
    /// `:`
    Colon,

    // Keywords: keep `Break..=Var` contiguous.
    /// `break`
    Break,
    /// `case`
    Case,
    /// `chan`
    Chan,
    /// `const`
    Const,
    /// `continue`
    Continue,
    /// `default`
    Default,
    /// `defer`
    Defer,
    /// `else`
    Else,
    /// `fallthrough`
    Fallthrough,
    /// `for`
    For,
    /// `func`
    Func,
    /// `go`
    Go,
    /// `goto`
    Goto,
    /// `if`
    If,
    /// `import`
    Import,
    /// `interface`
    Interface,
    /// `map`
    Map,
    /// `package`
    Package,
    /// `range`
    Range,
    /// `return`
    Return,
    /// `select`
    Select,
    /// `struct`
    Struct,
    /// `switch`
    Switch,
    /// `type`
    Type,
    /// `var`
    Var,
}

impl TokenKind {
    /// Whether this is one of Go's 25 keywords.
    #[inline]
    pub fn is_keyword(self) -> bool {
        (TokenKind::Break as u8..=TokenKind::Var as u8).contains(&(self as u8))
    }

    /// Whether this is a literal (identifier or basic literal).
    #[inline]
    pub fn is_literal(self) -> bool {
        (TokenKind::Ident as u8..=TokenKind::String as u8).contains(&(self as u8))
    }

    /// Whether this is a basic literal (`BasicLit` in go/ast).
    #[inline]
    pub fn is_basic_lit(self) -> bool {
        (TokenKind::Int as u8..=TokenKind::String as u8).contains(&(self as u8))
    }

    /// The keyword for an identifier's bytes, if it is one.
    pub fn keyword(ident: &[u8]) -> Option<TokenKind> {
        use TokenKind::*;
        Some(match ident {
            b"break" => Break,
            b"case" => Case,
            b"chan" => Chan,
            b"const" => Const,
            b"continue" => Continue,
            b"default" => Default,
            b"defer" => Defer,
            b"else" => Else,
            b"fallthrough" => Fallthrough,
            b"for" => For,
            b"func" => Func,
            b"go" => Go,
            b"goto" => Goto,
            b"if" => If,
            b"import" => Import,
            b"interface" => Interface,
            b"map" => Map,
            b"package" => Package,
            b"range" => Range,
            b"return" => Return,
            b"select" => Select,
            b"struct" => Struct,
            b"switch" => Switch,
            b"type" => Type,
            b"var" => Var,
            _ => return None,
        })
    }

    /// The token's text as go/token's `Token.String` gives it (`"+"`, `"func"`, `"IDENT"`).
    pub fn as_str(self) -> &'static str {
        use TokenKind::*;
        match self {
            Eof => "EOF",
            Illegal => "ILLEGAL",
            Ident => "IDENT",
            Int => "INT",
            Float => "FLOAT",
            Imag => "IMAG",
            Char => "CHAR",
            String => "STRING",
            Add => "+",
            Sub => "-",
            Mul => "*",
            Quo => "/",
            Rem => "%",
            And => "&",
            Or => "|",
            Xor => "^",
            Shl => "<<",
            Shr => ">>",
            AndNot => "&^",
            AddAssign => "+=",
            SubAssign => "-=",
            MulAssign => "*=",
            QuoAssign => "/=",
            RemAssign => "%=",
            AndAssign => "&=",
            OrAssign => "|=",
            XorAssign => "^=",
            ShlAssign => "<<=",
            ShrAssign => ">>=",
            AndNotAssign => "&^=",
            LAnd => "&&",
            LOr => "||",
            Arrow => "<-",
            Inc => "++",
            Dec => "--",
            Eql => "==",
            Lss => "<",
            Gtr => ">",
            Assign => "=",
            Not => "!",
            Tilde => "~",
            Neq => "!=",
            Leq => "<=",
            Geq => ">=",
            Define => ":=",
            Ellipsis => "...",
            LParen => "(",
            LBrack => "[",
            LBrace => "{",
            Comma => ",",
            Period => ".",
            RParen => ")",
            RBrack => "]",
            RBrace => "}",
            Semicolon => ";",
            Colon => ":",
            Break => "break",
            Case => "case",
            Chan => "chan",
            Const => "const",
            Continue => "continue",
            Default => "default",
            Defer => "defer",
            Else => "else",
            Fallthrough => "fallthrough",
            For => "for",
            Func => "func",
            Go => "go",
            Goto => "goto",
            If => "if",
            Import => "import",
            Interface => "interface",
            Map => "map",
            Package => "package",
            Range => "range",
            Return => "return",
            Select => "select",
            Struct => "struct",
            Switch => "switch",
            Type => "type",
            Var => "var",
        }
    }

    /// Binary operator precedence as in the Go spec (5 highest), 0 for non-operators.
    #[inline]
    pub fn precedence(self) -> u8 {
        use TokenKind::*;
        match self {
            LOr => 1,
            LAnd => 2,
            Eql | Neq | Lss | Leq | Gtr | Geq => 3,
            Add | Sub | Or | Xor => 4,
            Mul | Quo | Rem | Shl | Shr | And | AndNot => 5,
            _ => 0,
        }
    }
}

/// Flags on a token.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TokenFlags(u8);

impl TokenFlags {
    /// A semicolon inserted at a newline (go/scanner's literal `"\n"`).
    pub const NEWLINE_SEMI: TokenFlags = TokenFlags(1);
    /// A semicolon inserted at the end of input (go/scanner's literal `"EOF"`).
    pub const EOF_SEMI: TokenFlags = TokenFlags(2);
    /// A literal whose lexing recorded an error (malformed number, bad escape, unterminated).
    pub const MALFORMED: TokenFlags = TokenFlags(4);
    /// A raw string literal (`` `...` ``).
    pub const RAW_STRING: TokenFlags = TokenFlags(8);

    /// No flags.
    pub const fn empty() -> TokenFlags {
        TokenFlags(0)
    }

    /// Whether all flags of `other` are set.
    #[inline]
    pub const fn contains(self, other: TokenFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// Both sets of flags.
    #[inline]
    pub const fn union(self, other: TokenFlags) -> TokenFlags {
        TokenFlags(self.0 | other.0)
    }

    /// Sets the flags of `other`.
    #[inline]
    pub fn insert(&mut self, other: TokenFlags) {
        self.0 |= other.0;
    }
}

/// One token: kind, flags and byte span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub kind: TokenKind,
    /// See [`TokenFlags`].
    pub flags: TokenFlags,
    /// Where it is. An inserted semicolon has an empty span at the newline (or at the end).
    pub span: Span,
}

const _: () = assert!(std::mem::size_of::<Token>() <= 12);

impl Token {
    /// Whether this is a semicolon the lexer inserted (newline or end of input).
    #[inline]
    pub fn is_inserted_semi(self) -> bool {
        self.kind == TokenKind::Semicolon
            && (self.flags.contains(TokenFlags::NEWLINE_SEMI)
                || self.flags.contains(TokenFlags::EOF_SEMI))
    }
}

/// A comment kept in the lexer's side table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Comment {
    /// The whole comment, including `//` or `/*` and `*/`.
    pub span: Span,
    /// `//` (line) or `/* */` (general).
    pub kind: CommentKind,
}

/// The two comment forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommentKind {
    /// `// ...` up to (not including) the newline.
    Line,
    /// `/* ... */`
    Block,
}
