//! Number literals: integers, floats and imaginaries in every base, with go/scanner's error rules
//! (`scanNumber`, `digits`, `invalidSep` and `litname` in `go/scanner/scanner.go`).

use crate::diagnostic::SyntaxErrorKind;
use crate::lexer::{at, Lexer};
use crate::token::TokenKind;

/// ASCII lower case for letters (go/scanner's `lower`); other bytes never map onto a letter.
#[inline]
fn lower(b: u8) -> u8 {
    b | 0x20
}

#[inline]
fn is_hex(b: u8) -> bool {
    b.is_ascii_digit() || (b'a'..=b'f').contains(&lower(b))
}

/// The literal's name in messages, without the trailing " literal" (`litname` in go/scanner).
fn litname(prefix: u8) -> &'static str {
    match prefix {
        b'x' => "hexadecimal",
        b'o' | b'0' => "octal",
        b'b' => "binary",
        _ => "decimal",
    }
}

impl Lexer<'_> {
    /// Scans a number literal starting at `start` (a decimal digit, or `.` followed by one).
    /// Returns the kind (`Int`, `Float` or `Imag`), the end offset and whether an error was
    /// recorded.
    pub(crate) fn scan_number(&mut self, start: usize) -> (TokenKind, usize, bool) {
        let src = self.src;
        let n_errors = self.errors.len();
        let mut p = start;
        let mut kind = TokenKind::Illegal;
        let mut base = 10;
        let mut prefix = 0u8; // 0 (decimal), b'0' (legacy octal), b'x', b'o' or b'b'
        let mut digsep = 0u8; // bit 0: digit present, bit 1: '_' present
        let mut invalid = None; // offset of the first digit >= base

        // Integer part.
        if at(src, p) != b'.' {
            kind = TokenKind::Int;
            if at(src, p) == b'0' {
                p += 1;
                match lower(at(src, p)) {
                    b'x' => {
                        p += 1;
                        (base, prefix) = (16, b'x');
                    }
                    b'o' => {
                        p += 1;
                        (base, prefix) = (8, b'o');
                    }
                    b'b' => {
                        p += 1;
                        (base, prefix) = (2, b'b');
                    }
                    _ => {
                        (base, prefix) = (8, b'0');
                        digsep = 1; // the leading 0
                    }
                }
            }
            digsep |= digits(src, &mut p, base, &mut invalid);
        }

        // Fractional part.
        if at(src, p) == b'.' {
            kind = TokenKind::Float;
            if prefix == b'o' || prefix == b'b' {
                self.error(p, SyntaxErrorKind::InvalidRadixPoint(litname(prefix)));
            }
            p += 1;
            digsep |= digits(src, &mut p, base, &mut invalid);
        }

        if digsep & 1 == 0 {
            self.error(p, SyntaxErrorKind::NoDigits(litname(prefix)));
        }

        // Exponent.
        let e = lower(at(src, p));
        if e == b'e' || e == b'p' {
            let exp = at(src, p) as char;
            if e == b'e' && prefix != 0 && prefix != b'0' {
                self.error(
                    p,
                    SyntaxErrorKind::ExponentNeedsMantissa {
                        exp,
                        mantissa: "decimal",
                    },
                );
            } else if e == b'p' && prefix != b'x' {
                let kind = SyntaxErrorKind::ExponentNeedsMantissa {
                    exp,
                    mantissa: "hexadecimal",
                };
                self.error(p, kind);
            }
            p += 1;
            kind = TokenKind::Float;
            if matches!(at(src, p), b'+' | b'-') {
                p += 1;
            }
            let ds = digits(src, &mut p, 10, &mut None);
            digsep |= ds;
            if ds & 1 == 0 {
                self.error(p, SyntaxErrorKind::ExponentNoDigits);
            }
        } else if prefix == b'x' && kind == TokenKind::Float {
            self.error(p, SyntaxErrorKind::HexMantissaNeedsP);
        }

        // Imaginary suffix.
        if at(src, p) == b'i' {
            kind = TokenKind::Imag;
            p += 1;
        }

        if kind == TokenKind::Int {
            if let Some(inv) = invalid {
                let digit = at(src, inv) as char;
                self.error(
                    inv,
                    SyntaxErrorKind::InvalidDigit {
                        digit,
                        base: litname(prefix),
                    },
                );
            }
        }
        if digsep & 2 != 0 {
            if let Some(i) = invalid_sep(&src[start..p]) {
                self.error(start + i, SyntaxErrorKind::UnderscoreSeparation);
            }
        }
        (kind, p, self.errors.len() > n_errors)
    }
}

/// Accepts `{ digit | '_' }` (go/scanner's `digits`). For `base <= 10` any decimal digit is
/// accepted and the offset of the first digit `>= base` goes to `invalid` (if still `None`).
/// Returns bit 0 set if a digit was seen, bit 1 if a `_` was.
#[inline]
fn digits(src: &[u8], p: &mut usize, base: u8, invalid: &mut Option<usize>) -> u8 {
    let mut digsep = 0;
    if base <= 10 {
        let max = b'0' + base;
        loop {
            let b = at(src, *p);
            if b == b'_' {
                digsep |= 2;
            } else if b.is_ascii_digit() {
                digsep |= 1;
                if b >= max && invalid.is_none() {
                    *invalid = Some(*p);
                }
            } else {
                break;
            }
            *p += 1;
        }
    } else {
        loop {
            let b = at(src, *p);
            if b == b'_' {
                digsep |= 2;
            } else if is_hex(b) {
                digsep |= 1;
            } else {
                break;
            }
            *p += 1;
        }
    }
    digsep
}

/// The index of the first invalid `_` separator in the literal `x`, if any (go/scanner's
/// `invalidSep`).
fn invalid_sep(x: &[u8]) -> Option<usize> {
    let mut x1 = b' '; // prefix char, we only care if it's 'x'
    let mut d = b'.'; // digit, one of '_', '0' (a digit), or '.' (anything else)
    let mut i = 0;

    // A prefix counts as a digit.
    if x.len() >= 2 && x[0] == b'0' {
        x1 = lower(x[1]);
        if matches!(x1, b'x' | b'o' | b'b') {
            d = b'0';
            i = 2;
        }
    }

    // Mantissa and exponent.
    while i < x.len() {
        let p = d; // previous digit
        d = x[i];
        if d == b'_' {
            if p != b'0' {
                return Some(i);
            }
        } else if d.is_ascii_digit() || (x1 == b'x' && is_hex(d)) {
            d = b'0';
        } else {
            if p == b'_' {
                return Some(i - 1);
            }
            d = b'.';
        }
        i += 1;
    }
    if d == b'_' {
        return Some(x.len() - 1);
    }
    None
}
