//! String, raw string and rune literals: scanning with go/scanner's errors (`scanString`,
//! `scanRawString`, `scanRune`, `scanEscape`) and decoding of literal values (`strconv.Unquote`,
//! `strconv.UnquoteChar`).

use memchr::memchr;

use crate::diagnostic::SyntaxErrorKind;
use crate::lexer::{decode_char, Lexer};

/// Bytes at which the scan of an interpreted string or rune stops: quotes, backslash, newline,
/// NUL and every non-ASCII byte (which must be checked for UTF-8 and BOMs).
static STOP: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0x80;
    while i < 256 {
        t[i] = true;
        i += 1;
    }
    t[b'"' as usize] = true;
    t[b'\'' as usize] = true;
    t[b'\\' as usize] = true;
    t[b'\n' as usize] = true;
    t[0] = true;
    t
};

impl Lexer<'_> {
    /// Scans an interpreted string whose `"` is at `start`; returns the end offset and whether an
    /// error was recorded.
    pub(crate) fn scan_string(&mut self, start: usize) -> (usize, bool) {
        let src = self.src;
        let n_errors = self.errors.len();
        let mut p = start + 1;
        loop {
            while p < src.len() && !STOP[src[p] as usize] {
                p += 1;
            }
            match src.get(p) {
                None | Some(b'\n') => {
                    self.error(start, SyntaxErrorKind::StringNotTerminated);
                    break;
                }
                Some(b'"') => {
                    p += 1;
                    break;
                }
                Some(b'\\') => {
                    p += 1;
                    self.scan_escape(&mut p, b'"');
                }
                Some(_) => p = self.check_char(p),
            }
        }
        (p, self.errors.len() > n_errors)
    }

    /// Scans a rune literal whose `'` is at `start`; returns the end offset and whether an error
    /// was recorded.
    pub(crate) fn scan_rune(&mut self, start: usize) -> (usize, bool) {
        let src = self.src;
        let n_errors = self.errors.len();
        let mut p = start + 1;
        let mut valid = true;
        let mut n = 0;
        loop {
            match src.get(p) {
                None | Some(b'\n') => {
                    // Only report an error if there is none already.
                    if valid {
                        self.error(start, SyntaxErrorKind::RuneNotTerminated);
                        valid = false;
                    }
                    break;
                }
                Some(b'\'') => {
                    p += 1;
                    break;
                }
                Some(b'\\') => {
                    p += 1;
                    n += 1;
                    if !self.scan_escape(&mut p, b'\'') {
                        valid = false;
                    }
                }
                Some(_) => {
                    p = self.check_char(p);
                    n += 1;
                }
            }
        }
        if valid && n != 1 {
            self.error(start, SyntaxErrorKind::IllegalRune);
        }
        (p, self.errors.len() > n_errors)
    }

    /// Scans a raw string whose `` ` `` is at `start`; returns the end offset and whether an
    /// error was recorded.
    pub(crate) fn scan_raw_string(&mut self, start: usize) -> (usize, bool) {
        let n_errors = self.errors.len();
        let from = start + 1;
        let end = match memchr(b'`', &self.src[from..]) {
            Some(i) => {
                self.check_text(from, from + i);
                from + i + 1
            }
            None => {
                self.check_text(from, self.src.len());
                self.error(start, SyntaxErrorKind::RawStringNotTerminated);
                self.src.len()
            }
        };
        (end, self.errors.len() > n_errors)
    }

    /// Scans the escape sequence after a backslash; `*p` is the offset after the backslash and
    /// moves past the accepted part. On an error, stops at the offending character (without
    /// consuming it) and returns `false` (go/scanner's `scanEscape`).
    fn scan_escape(&mut self, p: &mut usize, quote: u8) -> bool {
        let src = self.src;
        let offs = *p;
        let (mut n, base, max): (u32, u32, u32) = match src.get(offs) {
            Some(b'a' | b'b' | b'f' | b'n' | b'r' | b't' | b'v' | b'\\') => {
                *p += 1;
                return true;
            }
            Some(&c) if c == quote => {
                *p += 1;
                return true;
            }
            Some(b'0'..=b'7') => (3, 8, 255),
            Some(b'x') => {
                *p += 1;
                (2, 16, 255)
            }
            Some(b'u') => {
                *p += 1;
                (4, 16, 0x10FFFF)
            }
            Some(b'U') => {
                *p += 1;
                (8, 16, 0x10FFFF)
            }
            Some(_) => {
                self.error(offs, SyntaxErrorKind::UnknownEscape);
                return false;
            }
            None => {
                self.error(offs, SyntaxErrorKind::EscapeNotTerminated);
                return false;
            }
        };

        let mut x: u32 = 0;
        while n > 0 {
            let Some(&b) = src.get(*p) else {
                self.error(*p, SyntaxErrorKind::EscapeNotTerminated);
                return false;
            };
            let d = digit_val(b);
            if d >= base {
                let c = match b {
                    0..=0x7F => b as char,
                    _ => decode_char(src, *p).map_or(char::REPLACEMENT_CHARACTER, |(c, _)| c),
                };
                self.error(*p, SyntaxErrorKind::IllegalCharInEscape(c));
                return false;
            }
            x = x.wrapping_mul(base).wrapping_add(d);
            *p += 1;
            n -= 1;
        }

        if x > max || (0xD800..0xE000).contains(&x) {
            self.error(offs, SyntaxErrorKind::EscapeInvalidCodePoint);
            return false;
        }
        true
    }
}

/// The value of a hexadecimal digit, 16 for anything else (go/scanner's `digitVal`).
#[inline]
fn digit_val(b: u8) -> u32 {
    match b {
        b'0'..=b'9' => u32::from(b - b'0'),
        b'a'..=b'f' => u32::from(b - b'a' + 10),
        b'A'..=b'F' => u32::from(b - b'A' + 10),
        _ => 16,
    }
}

/// Decodes a Go string literal (interpreted `"..."` or raw `` `...` ``) into its value, as
/// `strconv.Unquote` does: raw strings drop `\r`. `None` if the literal is malformed or its
/// value is not valid UTF-8 (a `\xff` escape, for example; see [`unquote_bytes`]).
pub fn unquote(lit: &[u8]) -> Option<String> {
    String::from_utf8(unquote_bytes(lit)?).ok()
}

/// Decodes a Go string literal (interpreted or raw) into the bytes of its value, as
/// `strconv.Unquote` does: raw strings drop `\r`; `\x` and octal escapes give single bytes;
/// a source byte that is not valid UTF-8 gives U+FFFD. `None` if the literal is malformed.
pub fn unquote_bytes(lit: &[u8]) -> Option<Vec<u8>> {
    let (&quote, rest) = lit.split_first()?;
    match quote {
        b'`' => {
            let body = rest.strip_suffix(b"`")?;
            if memchr(b'`', body).is_some() {
                return None;
            }
            Some(body.iter().copied().filter(|&b| b != b'\r').collect())
        }
        b'"' => {
            let mut body = rest.strip_suffix(b"\"")?;
            let mut out = Vec::with_capacity(body.len());
            while !body.is_empty() {
                if body[0] == b'\n' {
                    return None;
                }
                let (value, multibyte, tail) = unquote_one(body, b'"')?;
                push_value(&mut out, value, multibyte);
                body = tail;
            }
            Some(out)
        }
        _ => None,
    }
}

/// All of `strconv.Unquote`, as `go/constant.MakeFromLiteral` applies it to a STRING literal:
/// [`unquote_bytes`], plus single-quoted text, which gives the one character it holds (and
/// `''` the empty string, by strconv's fast path). Go source never has a single-quoted
/// string, hence not in [`unquote_bytes`].
pub fn strconv_unquote(lit: &[u8]) -> Option<Vec<u8>> {
    let Some(rest) = lit.strip_prefix(b"'") else {
        return unquote_bytes(lit);
    };
    let body = rest.strip_suffix(b"'")?;
    let mut out = Vec::new();
    if body.is_empty() {
        return Some(out);
    }
    if body[0] == b'\n' {
        return None;
    }
    let (value, multibyte, tail) = unquote_one(body, b'\'')?;
    if !tail.is_empty() {
        return None;
    }
    push_value(&mut out, value, multibyte);
    Some(out)
}

/// Decodes a Go rune literal (`'a'`, `'\n'`, `'\u00e9'`, `'\377'`) into its value, as go/constant
/// does (`strconv.UnquoteChar` on the text between the quotes, which must be used up). A source
/// byte that is not valid UTF-8 gives U+FFFD. `None` if the literal is malformed.
pub fn unquote_char(lit: &[u8]) -> Option<u32> {
    let body = lit.strip_prefix(b"'")?.strip_suffix(b"'")?;
    if body.first() == Some(&b'\n') {
        return None;
    }
    let (value, _, tail) = unquote_one(body, b'\'')?;
    tail.is_empty().then_some(value)
}

/// Appends one decoded character: a single byte for `\x` and octal escapes and for ASCII,
/// UTF-8 otherwise.
fn push_value(out: &mut Vec<u8>, value: u32, multibyte: bool) {
    if value < 0x80 || !multibyte {
        out.push(value as u8);
    } else {
        let c = char::from_u32(value).unwrap_or(char::REPLACEMENT_CHARACTER);
        out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
    }
}

/// One character of a quoted literal (`strconv.UnquoteChar`): its value, whether it is a
/// multi-byte character (encode as UTF-8) and the rest of the input.
pub fn unquote_one(s: &[u8], quote: u8) -> Option<(u32, bool, &[u8])> {
    let (&c, rest) = s.split_first()?;
    if c == quote {
        return None;
    }
    if c >= 0x80 {
        return Some(match decode_char(s, 0) {
            Some((ch, w)) => (ch as u32, true, &s[w..]),
            None => (char::REPLACEMENT_CHARACTER as u32, true, rest),
        });
    }
    if c != b'\\' {
        return Some((u32::from(c), false, rest));
    }
    let (&c, s) = rest.split_first()?;
    let simple = |v: u8| Some((u32::from(v), false, s));
    match c {
        b'a' => simple(0x07),
        b'b' => simple(0x08),
        b'f' => simple(0x0C),
        b'n' => simple(b'\n'),
        b'r' => simple(b'\r'),
        b't' => simple(b'\t'),
        b'v' => simple(0x0B),
        b'\\' => simple(b'\\'),
        b'\'' | b'"' if c == quote => simple(c),
        b'x' | b'u' | b'U' => {
            let n = match c {
                b'x' => 2,
                b'u' => 4,
                _ => 8,
            };
            let digits = s.get(..n)?;
            let mut v: u32 = 0;
            for &d in digits {
                let d = digit_val(d);
                if d >= 16 {
                    return None;
                }
                v = (v << 4) | d;
            }
            if c == b'x' {
                return Some((v, false, &s[n..]));
            }
            char::from_u32(v)?;
            Some((v, true, &s[n..]))
        }
        b'0'..=b'7' => {
            let digits = s.get(..2)?;
            let mut v = u32::from(c - b'0');
            for &d in digits {
                if !(b'0'..=b'7').contains(&d) {
                    return None;
                }
                v = (v << 3) | u32::from(d - b'0');
            }
            if v > 255 {
                return None;
            }
            Some((v, false, &s[2..]))
        }
        _ => None,
    }
}
