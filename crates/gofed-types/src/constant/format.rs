//! `String` and `ExactString`, byte-identical to `go/constant`, with the parts of `fmt`,
//! `strconv` and `math` they rely on (`%.6g`, `strconv.Quote`, `math.Pow`).

use num_bigint::BigUint;

use crate::constant::float::{decompose_f64, BigFloat};
use crate::constant::value::rat_to_bigfloat;
use crate::constant::{Repr, Value};
use crate::lexer::is_go_print;

/// Which Go release's `constant.Value.String` to reproduce. They differ only for floats
/// that are not integers but print without a decimal point at 6 digits
/// (`1.0000001`: `"1"` before Go 1.20, `"1.0000001"` since, go.dev/issue/56220).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum StringStyle {
    /// Go 1.20 and later.
    #[default]
    Current,
    /// Go 1.19 and earlier.
    Go119,
}

/// Strings longer than this many characters (quotes included) are shortened.
const MAX_LEN: usize = 72;

pub(crate) fn string(x: &Value, style: StringStyle) -> String {
    match &x.0 {
        Repr::Unknown => "unknown".to_string(),
        Repr::Bool(b) => b.to_string(),
        Repr::Str(s) => {
            let q = quote(s);
            if q.chars().count() <= MAX_LEN {
                return q;
            }
            // Keep MAX_LEN-3 characters (dropping the closing quote) and add "...".
            let mut out: String = q.chars().take(MAX_LEN - 3).collect();
            out.push_str("...");
            out
        }
        Repr::Int64(v) => v.to_string(),
        Repr::Int(v) => v.to_string(),
        Repr::Rat(r) => float_string(&rat_to_bigfloat(r), style),
        Repr::Float(f) => float_string(f, style),
        Repr::Complex(c) => format!("({} + {}i)", string(&c.0, style), string(&c.1, style)),
    }
}

pub(crate) fn exact_string(x: &Value) -> String {
    match &x.0 {
        Repr::Str(s) => quote(s),
        Repr::Rat(r) if r.is_integer() => r.numer().to_string(),
        Repr::Rat(r) => format!("{}/{}", r.numer(), r.denom()),
        Repr::Float(f) => f.text_p(),
        Repr::Complex(c) => format!("({} + {}i)", exact_string(&c.0), exact_string(&c.1)),
        _ => string(x, StringStyle::Current),
    }
}

/// `floatVal.String`.
fn float_string(f: &BigFloat, style: StringStyle) -> String {
    if f.is_inf() {
        return if f.is_neg() { "-Inf" } else { "+Inf" }.to_string();
    }
    // Use exact formatting if f is in float64 range (neither underflows to 0 nor overflows).
    let (x, _) = f.to_f64();
    if (f.sign() == 0) == (x == 0.0) && x.is_finite() {
        let s = fmt_g(x, Some(6));
        if style == StringStyle::Current && !f.is_int() && !s.contains('.') {
            return fmt_g(x, None);
        }
        return s;
    }
    // Out of float64 range: approximate decimal conversion, f ~ m * 10^e.
    let (mut m, exp) = f.mant_exp_f64(); // 0.5 <= |m| < 1.0
    let d = exp as f64 * std::f64::consts::LOG10_2;
    let mut e = d as i64;
    m *= go_pow10(d - e as f64);
    let am = m.abs();
    // 1 - 0.5e-6 as the Go constant expression rounds it.
    if am < 0.999_999_5 {
        m *= 10.0;
        e -= 1;
    } else if am >= 10.0 {
        m /= 10.0;
        e += 1;
    }
    format!("{}e{:+}", fmt_g(m, Some(6)), e)
}

/// Go's `math.Pow(10, y)` for `|y| < 1`, following `math.pow`'s algorithm.
fn go_pow10(y: f64) -> f64 {
    if y == 0.0 {
        return 1.0;
    }
    if y == 0.5 {
        return 10f64.sqrt();
    }
    if y == -0.5 {
        return 1.0 / 10f64.sqrt();
    }
    let mut yf = y.abs().fract();
    let mut yi = y.abs().trunc() as i64;
    let mut a1 = 1.0;
    let mut ae: i32 = 0;
    if yf != 0.0 {
        if yf > 0.5 {
            yf -= 1.0;
            yi += 1;
        }
        a1 = go_exp(yf * LN_10);
    }
    // 10 = 0.625 * 2^4
    let (mut x1, mut xe) = (0.625f64, 4i32);
    let mut i = yi;
    while i != 0 {
        if i & 1 == 1 {
            a1 *= x1;
            ae += xe;
        }
        x1 *= x1;
        xe <<= 1;
        if x1 < 0.5 {
            x1 += x1;
            xe -= 1;
        }
        i >>= 1;
    }
    if y < 0.0 {
        a1 = 1.0 / a1;
        ae = -ae;
    }
    a1 * 2f64.powi(ae)
}

/// `math.Log(10)` (the correctly rounded value, as Go computes it).
const LN_10: f64 = std::f64::consts::LN_10;

/// Go's `math.Exp` on amd64 with FMA (`exp_amd64.s`, the path modern x86 CPUs take), for
/// the small finite arguments `go_pow10` passes. Go's result differs from a correctly
/// rounded `exp` in the last bit for about one argument in eight, so `libm` will not do.
// The constants are copied digit for digit from exp_amd64.s.
#[allow(clippy::excessive_precision)]
fn go_exp(x: f64) -> f64 {
    const LOG2E: f64 = std::f64::consts::LOG2_E;
    const LN2U: f64 = 0.693_147_180_559_662_956_511_601_805_686_950_683_593_75;
    const LN2L: f64 = 0.282_352_905_630_315_771_225_884_481_750_134_360_255_254_120_68e-12;
    const C: [f64; 7] = [
        2.480_158_730_158_730_158_7e-5,
        1.984_126_984_126_984_127e-4,
        1.388_888_888_888_888_888_9e-3,
        8.333_333_333_333_333_333_3e-3,
        4.166_666_666_666_666_666_7e-2,
        1.666_666_666_666_666_666_7e-1,
        0.5,
    ];
    if !x.is_finite() || x.abs() > 700.0 {
        return x.exp();
    }
    // CVTSD2SL rounds to nearest even.
    let k = (LOG2E * x).round_ties_even();
    let mut x0 = (-k).mul_add(LN2U, x);
    x0 = (-k).mul_add(LN2L, x0);
    x0 *= 0.0625;
    let mut x1 = C[0];
    for c in &C[1..] {
        x1 = x1.mul_add(x0, *c);
    }
    x1 = x1.mul_add(x0, 1.0);
    x0 *= x1;
    for _ in 0..3 {
        x1 = x0 + 2.0;
        x0 *= x1;
    }
    x1 = x0 + 2.0;
    x0 = x0.mul_add(x1, 1.0);
    // |k| <= 2 here, so 2^k is a normal float.
    x0 * 2f64.powi(k as i32)
}

/// Decimal digits of a finite nonzero `|x|`: `(digits, dp)` with `|x| ≈ 0.digits * 10^dp`,
/// no trailing zeros. `prec = Some(n)` rounds to `n` significant digits (half to even on the
/// exact value), `None` gives the shortest digits that round-trip.
fn digits(x: f64, prec: Option<usize>) -> (Vec<u8>, i64) {
    let (mut d, mut dp) = match prec {
        None => {
            // Rust's `{:e}` prints the shortest round-trip digits, like Go's shortest mode.
            let s = format!("{:e}", x.abs());
            let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
            let d: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).collect();
            (d, exp.parse::<i64>().unwrap_or(0) + 1)
        }
        Some(n) => {
            let (d, dp) = exact_digits(x);
            round_digits(d, dp, n.max(1))
        }
    };
    while d.len() > 1 && d.last() == Some(&b'0') {
        d.pop();
    }
    if d == [b'0'] {
        d.clear();
        dp = 0;
    }
    (d, dp)
}

/// All decimal digits of `|x|` (finite, nonzero), exactly.
fn exact_digits(x: f64) -> (Vec<u8>, i64) {
    let (_, mant, exp) = decompose_f64(x);
    let m = BigUint::from(mant);
    let (n, frac) = if exp >= 0 {
        (m << exp.unsigned_abs(), 0i64)
    } else {
        let k = exp.unsigned_abs();
        (
            m * BigUint::from(5u32).pow(u32::try_from(k).unwrap_or(0)),
            exp,
        )
    };
    let s = n.to_str_radix(10).into_bytes();
    let dp = s.len() as i64 + frac;
    (s, dp)
}

fn round_digits(mut d: Vec<u8>, mut dp: i64, n: usize) -> (Vec<u8>, i64) {
    if d.len() <= n {
        return (d, dp);
    }
    let rest = &d[n..];
    let up = match rest[0].cmp(&b'5') {
        std::cmp::Ordering::Greater => true,
        std::cmp::Ordering::Less => false,
        std::cmp::Ordering::Equal => {
            rest[1..].iter().any(|&c| c != b'0') || (d[n - 1] - b'0') % 2 == 1
        }
    };
    d.truncate(n);
    if up {
        let mut i = n;
        loop {
            if i == 0 {
                d.insert(0, b'1');
                d.truncate(n);
                dp += 1;
                break;
            }
            i -= 1;
            if d[i] == b'9' {
                d[i] = b'0';
            } else {
                d[i] += 1;
                break;
            }
        }
    }
    (d, dp)
}

/// Go's `fmt.Sprintf("%.<p>g", x)` (`prec = Some(p)`) or `"%g"` (`None`) for finite `x`.
pub(crate) fn fmt_g(x: f64, prec: Option<usize>) -> String {
    let neg = x.is_sign_negative();
    let shortest = prec.is_none();
    let (d, dp) = if x == 0.0 {
        (Vec::new(), 0)
    } else {
        digits(x, prec)
    };
    let nd = d.len() as i64;
    let mut prec = match prec {
        Some(p) => p.max(1) as i64,
        None => nd,
    };
    // strconv's %g: %e if the exponent is < -4 or >= the precision.
    let mut eprec = prec;
    if eprec > nd && nd >= dp {
        eprec = nd;
    }
    if shortest {
        eprec = 6;
    }
    let exp = dp - 1;
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    let digit = |i: i64| -> char {
        usize::try_from(i)
            .ok()
            .and_then(|i| d.get(i))
            .map_or('0', |&c| c as char)
    };
    if exp < -4 || exp >= eprec {
        if prec > nd {
            prec = nd;
        }
        let prec = prec - 1;
        out.push(if nd == 0 { '0' } else { digit(0) });
        if prec > 0 {
            out.push('.');
            for i in 1..=prec {
                out.push(digit(i));
            }
        }
        let exp = if nd == 0 { 0 } else { exp };
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let a = exp.unsigned_abs();
        if a < 10 {
            out.push('0');
        }
        out.push_str(&a.to_string());
    } else {
        if prec > dp {
            prec = nd;
        }
        let frac = (prec - dp).max(0);
        if dp > 0 {
            for i in 0..dp {
                out.push(digit(i));
            }
        } else {
            out.push('0');
        }
        if frac > 0 {
            out.push('.');
            for i in 0..frac {
                out.push(digit(dp + i));
            }
        }
    }
    out
}

/// Go's `strconv.Quote` on bytes that need not be UTF-8.
pub(crate) fn quote(s: &[u8]) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for chunk in s.utf8_chunks() {
        for c in chunk.valid().chars() {
            escape_rune(&mut out, c);
        }
        for &b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out.push('"');
    out
}

fn escape_rune(out: &mut String, c: char) {
    if c == '"' || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    if is_print(c) {
        out.push(c);
        return;
    }
    match c {
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        c if c < ' ' || c == '\u{7f}' => out.push_str(&format!("\\x{:02x}", c as u32)),
        c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
        c => out.push_str(&format!("\\U{:08x}", c as u32)),
    }
}

/// `strconv.IsPrint`.
fn is_print(c: char) -> bool {
    let u = c as u32;
    if u <= 0xFF {
        return (0x20..=0x7E).contains(&u) || ((0xA1..=0xFF).contains(&u) && u != 0xAD);
    }
    is_go_print(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_g(x: f64, prec: Option<usize>, expect: &str) {
        assert_eq!(fmt_g(x, prec), expect, "{x:e} {prec:?}");
    }

    #[test]
    fn go_percent_g() {
        check_g(std::f64::consts::PI, Some(6), "3.14159");
        check_g(1e21, Some(6), "1e+21");
        check_g(123456.0, Some(6), "123456");
        check_g(1234567.0, Some(6), "1.23457e+06");
        check_g(1234565.0, Some(6), "1.23456e+06");
        check_g(0.0001, Some(6), "0.0001");
        check_g(0.00001, Some(6), "1e-05");
        check_g(-2.5, Some(6), "-2.5");
        check_g(0.0, Some(6), "0");
        check_g(1.0000001, None, "1.0000001");
        check_g(1e-7, None, "1e-07");
        check_g(123456789.0, None, "1.23456789e+08");
        check_g(5e-324, Some(6), "4.94066e-324");
        check_g(f64::MAX, Some(6), "1.79769e+308");
    }

    #[test]
    fn pow10_like_go_amd64() {
        // (y, math.Pow(10, y)) as float64 bits, printed by Go 1.27.3 on amd64 with FMA.
        let cases: [(u64, u64); 6] = [
            (0xbfe28f6800000000, 0x3fd0d56003b2e290),
            (0xbfd80c9740000000, 0x3fdaf0dc5929e1ca),
            (0xbfe97abd60000000, 0x3fc4769f361ff5cc),
            (0xbfd0b62318000000, 0x3fe18a47081ff05d),
            (0xbfcc8dd780000000, 0x3fe3254cc53e2fcb),
            (0xbfde38b000000000, 0x3fd59371d6b3120f),
        ];
        for (y, p) in cases {
            assert_eq!(go_pow10(f64::from_bits(y)).to_bits(), p, "y = {y:x}");
        }
        assert_eq!(LN_10.to_bits(), 0x40026bb1bbb55516);
    }

    #[test]
    fn quote_like_go() {
        assert_eq!(
            quote(b"a\"b\\c\n\x00\x7f\xff\xe2\x82"),
            r#""a\"b\\c\n\x00\x7f\xff\xe2\x82""#
        );
        assert_eq!(quote("é\u{ad}\u{2028}𝄞".as_bytes()), "\"é\\u00ad\\u2028𝄞\"");
    }
}
