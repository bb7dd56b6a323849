//! `MakeFromLiteral`: Go literal text to values, with the number syntax of `math/big`'s
//! `Int.SetString`, `Float.SetString` and `Rat.SetString` (base 0); the quoting rules of
//! `strconv.Unquote` / `UnquoteChar` are the lexer's (`lexer::strconv_unquote`, `unquote_one`).
//!
//! Float literals are parsed as `big.Float.SetString` does at 512 bits: the decimal mantissa
//! is exact and is multiplied or divided by `5^n` computed at 576 bits by repeated squaring,
//! so the rounding matches Go bit for bit, not just a correctly rounded parse.

use num_bigint::{BigInt, BigUint, Sign};
use num_rational::BigRational;
use num_traits::{One, ToPrimitive, Zero};

use crate::constant::float::{BigFloat, PREC};
use crate::constant::value::{make_complex, make_float, small_float};
use crate::constant::{LitKind, Repr, Value};
use crate::lexer::{strconv_unquote, unquote_one};

pub(crate) fn from_literal(kind: LitKind, lit: &[u8]) -> Value {
    let v = match kind {
        LitKind::Int => parse_int(lit).map(|x| match x.to_i64() {
            Some(i) => Value::int64(i),
            None => Value(Repr::Int(x)),
        }),
        LitKind::Float => make_float_from_literal(lit),
        LitKind::Imag => match lit.split_last() {
            Some((b'i', mant)) => {
                make_float_from_literal(mant).map(|im| make_complex(Value::int64(0), im))
            }
            _ => None,
        },
        // go/constant takes the first character and ignores the rest (`'ab'` is 97).
        LitKind::Char => match lit.len() {
            n if n >= 2 => {
                unquote_one(&lit[1..n - 1], b'\'').map(|(c, _, _)| Value::int64(i64::from(c)))
            }
            _ => None,
        },
        LitKind::String => strconv_unquote(lit).map(|s| Value::bytes(&s)),
    };
    v.unwrap_or_else(Value::unknown)
}

fn make_float_from_literal(lit: &[u8]) -> Option<Value> {
    let f = parse_float(lit)?;
    if small_float(&f) {
        // Issue 20228: a float that underflowed to zero is parsed as "0" to avoid building
        // a huge fraction.
        let lit: &[u8] = if f.is_zero() { b"0" } else { lit };
        if let Some(r) = parse_rat(lit) {
            return Some(Value(Repr::Rat(r)));
        }
    }
    Some(make_float(f))
}

/// A byte reader with one byte of push-back, like the `io.ByteScanner` math/big reads.
struct Reader<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn read(&mut self) -> Option<u8> {
        let c = self.s.get(self.pos).copied();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn unread(&mut self) {
        self.pos = self.pos.saturating_sub(1);
    }

    fn at_end(&self) -> bool {
        self.pos >= self.s.len()
    }
}

/// `scanSign`; `None` at the end of input (an error in Go).
fn scan_sign(r: &mut Reader<'_>) -> Option<bool> {
    match r.read()? {
        b'-' => Some(true),
        b'+' => Some(false),
        _ => {
            r.unread();
            Some(false)
        }
    }
}

/// The result of `nat.scan` with base 0.
struct Mantissa {
    value: BigUint,
    base: u32,
    /// Number of digits, or minus the number of fractional digits if there was a '.'.
    count: i64,
}

/// `nat.scan(r, 0, frac_ok)`; `None` on any error.
fn scan_mantissa(r: &mut Reader<'_>, mut frac_ok: bool) -> Option<Mantissa> {
    let mut prev = b'.';
    let mut inval_sep = false;
    let mut ch = r.read();
    let mut base = 10u32;
    let mut prefix = 0u8;
    let mut count: i64 = 0;
    if ch == Some(b'0') {
        prev = b'0';
        count = 1;
        ch = r.read();
        if let Some(c) = ch {
            match c {
                b'b' | b'B' => (base, prefix) = (2, b'b'),
                b'o' | b'O' => (base, prefix) = (8, b'o'),
                b'x' | b'X' => (base, prefix) = (16, b'x'),
                _ if !frac_ok => (base, prefix) = (8, b'0'),
                _ => {}
            }
            if prefix != 0 {
                count = 0;
                if prefix != b'0' {
                    ch = r.read();
                }
            }
        }
    }
    let mut digits: Vec<u8> = Vec::new();
    let mut dp: i64 = -1;
    while let Some(c) = ch {
        if c == b'.' && frac_ok {
            frac_ok = false;
            if prev == b'_' {
                inval_sep = true;
            }
            prev = b'.';
            dp = count;
        } else if c == b'_' {
            if prev != b'0' {
                inval_sep = true;
            }
            prev = b'_';
        } else {
            let d = match c {
                b'0'..=b'9' => u32::from(c - b'0'),
                b'a'..=b'z' => u32::from(c - b'a') + 10,
                b'A'..=b'Z' => u32::from(c - b'A') + 10,
                _ => u32::MAX,
            };
            if d >= base {
                r.unread();
                break;
            }
            prev = b'0';
            count += 1;
            digits.push(d as u8);
        }
        ch = r.read();
    }
    if inval_sep || prev == b'_' {
        return None;
    }
    if count == 0 {
        if prefix == b'0' {
            // Only the octal prefix "0": decimal 0.
            return Some(Mantissa {
                value: BigUint::zero(),
                base: 10,
                count: 1,
            });
        }
        return None;
    }
    let value = if digits.is_empty() {
        BigUint::zero()
    } else {
        BigUint::from_radix_be(&digits, base)?
    };
    if dp >= 0 {
        count = dp - count;
    }
    Some(Mantissa { value, base, count })
}

/// `scanExponent(r, true, true)`: `(exp, base)` with base 10 (`e`) or 2 (`p`).
fn scan_exponent(r: &mut Reader<'_>) -> Option<(i64, u32)> {
    let base = match r.read() {
        None => return Some((0, 10)),
        Some(b'e' | b'E') => 10,
        Some(b'p' | b'P') => 2,
        Some(_) => {
            r.unread();
            return Some((0, 10));
        }
    };
    let mut digits = String::new();
    let mut ch = r.read();
    if let Some(c @ (b'+' | b'-')) = ch {
        if c == b'-' {
            digits.push('-');
        }
        ch = r.read();
    }
    let mut prev = b'.';
    let mut inval_sep = false;
    let mut has_digits = false;
    while let Some(c) = ch {
        if c.is_ascii_digit() {
            digits.push(c as char);
            prev = b'0';
            has_digits = true;
        } else if c == b'_' {
            if prev != b'0' {
                inval_sep = true;
            }
            prev = b'_';
        } else {
            r.unread();
            break;
        }
        ch = r.read();
    }
    if !has_digits {
        return None;
    }
    let exp = digits.parse::<i64>().ok()?;
    if inval_sep || prev == b'_' {
        return None;
    }
    Some((exp, base))
}

/// `big.Int.SetString(lit, 0)`.
fn parse_int(lit: &[u8]) -> Option<BigInt> {
    let mut r = Reader { s: lit, pos: 0 };
    let neg = scan_sign(&mut r)?;
    let m = scan_mantissa(&mut r, false)?;
    if !r.at_end() {
        return None;
    }
    let sign = if neg { Sign::Minus } else { Sign::Plus };
    Some(BigInt::from_biguint(sign, m.value))
}

/// The binary and decimal exponents of a scanned number (radix point plus exponent), with
/// Go's wrapping int64 arithmetic.
fn exponents(m: &Mantissa, exp: i64, ebase: u32) -> (i64, i64) {
    let (mut exp2, mut exp5) = (0i64, 0i64);
    if m.count < 0 {
        let d = m.count;
        match m.base {
            10 => {
                exp5 = d;
                exp2 = d;
            }
            2 => exp2 = d,
            8 => exp2 = d.wrapping_mul(3),
            _ => exp2 = d.wrapping_mul(4),
        }
    }
    if ebase == 10 {
        exp5 = exp5.wrapping_add(exp);
    }
    exp2 = exp2.wrapping_add(exp);
    (exp2, exp5)
}

/// `big.Float.SetString` at 512 bits; `None` if Go reports an error.
fn parse_float(lit: &[u8]) -> Option<BigFloat> {
    match lit {
        b"Inf" | b"inf" | b"+Inf" | b"+inf" => return Some(BigFloat::inf(false)),
        b"-Inf" | b"-inf" => return Some(BigFloat::inf(true)),
        _ => {}
    }
    let mut r = Reader { s: lit, pos: 0 };
    let neg = scan_sign(&mut r)?;
    let m = scan_mantissa(&mut r, true)?;
    let (exp, ebase) = scan_exponent(&mut r)?;
    if !r.at_end() {
        return None;
    }
    if m.value.is_zero() {
        let z = BigFloat::zero();
        return Some(if neg { z.neg() } else { z });
    }
    let nbits = i64::try_from(m.value.bits()).ok()?;
    let (exp2, exp5) = exponents(&m, exp, ebase);
    // Go's exp2 here is the exponent of 0.mant; check it fits big.Float's int32 range.
    let gexp = nbits.wrapping_add(exp2);
    if i32::try_from(gexp).is_err() {
        return None;
    }
    // The exact, unrounded mantissa: value = mant * 2^exp2 (* 5^exp5).
    let z = BigFloat::from_parts(neg, m.value, exp2, u32::MAX);
    if exp5 == 0 {
        return Some(z.round(PREC, crate::constant::float::Mode::NearestEven));
    }
    let p = pow5(exp5.unsigned_abs(), PREC + 64);
    if exp5 < 0 {
        BigFloat::quo(&z, &p, PREC)
    } else {
        BigFloat::mul(&z, &p, PREC)
    }
}

/// `big.Float.pow5` on a float of precision `prec`.
fn pow5(n: u64, prec: u32) -> BigFloat {
    const TAB_MAX: u64 = 27; // 5^27 is the largest power of 5 in a uint64
    if n <= TAB_MAX {
        return BigFloat::from_parts(false, BigUint::from(5u32).pow(n as u32), 0, prec);
    }
    let mut z = BigFloat::from_parts(false, BigUint::from(5u32).pow(TAB_MAX as u32), 0, prec);
    let mut f = BigFloat::from_parts(false, BigUint::from(5u32), 0, prec);
    let mut n = n - TAB_MAX;
    while n > 0 {
        if n & 1 != 0 {
            z = BigFloat::mul(&z, &f, prec).unwrap_or_else(|| BigFloat::inf(false));
        }
        f = BigFloat::mul(&f, &f, prec).unwrap_or_else(|| BigFloat::inf(false));
        n >>= 1;
    }
    z
}

/// `big.Rat.SetString` for the float syntax (fractions `a/b` cannot reach it here because
/// `parse_float` rejects them first).
fn parse_rat(lit: &[u8]) -> Option<BigRational> {
    if lit.is_empty() || lit.contains(&b'/') {
        return None;
    }
    let mut r = Reader { s: lit, pos: 0 };
    let neg = scan_sign(&mut r)?;
    let m = scan_mantissa(&mut r, true)?;
    let (exp, ebase) = scan_exponent(&mut r)?;
    if !r.at_end() {
        return None;
    }
    if m.value.is_zero() {
        return Some(BigRational::zero());
    }
    let (exp2, exp5) = exponents(&m, exp, ebase);
    let mut a = m.value;
    let mut b = BigUint::one();
    if exp5 != 0 {
        let n = exp5.checked_abs()?;
        if n > 1_000_000 {
            return None;
        }
        let p = BigUint::from(5u32).pow(n as u32);
        if exp5 > 0 {
            a *= p;
        } else {
            b = p;
        }
    }
    if !(-10_000_000..=10_000_000).contains(&exp2) {
        return None;
    }
    if exp2 > 0 {
        a <<= exp2.unsigned_abs();
    } else {
        b <<= exp2.unsigned_abs();
    }
    let sign = if neg { Sign::Minus } else { Sign::Plus };
    Some(BigRational::new(
        BigInt::from_biguint(sign, a),
        BigInt::from_biguint(Sign::Plus, b),
    ))
}
