//! Operations and conversions, following `go/constant/value.go`.

use std::cmp::Ordering;

use num_bigint::{BigInt, BigUint, Sign};
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};

use crate::constant::float::{self, BigFloat, Mode, PREC};
use crate::constant::{ConstError, Kind, Op, Repr, Value};

/// The largest shift count [`shift`] accepts for `<<` (2^24 bits, far above go/types'
/// bound of 1074); larger counts give [`ConstError::ShiftTooLarge`] instead of
/// allocating gigabytes as `go/constant` would.
pub const MAX_SHIFT: u32 = 1 << 24;

/// Fractions with components of this many bits or more become floats (`maxExp`).
const MAX_EXP: u64 = 4 << 10;

/// `UnaryOp`: `+x`, `-x`, `^x`, `!x`. For `^`, `prec > 0` is the bit size of an unsigned
/// operand type, which limits the result to `prec` bits (at most [`MAX_SHIFT`]).
pub fn unary_op(op: Op, y: &Value, prec: u32) -> Result<Value, ConstError> {
    let invalid = || ConstError::InvalidOperation {
        op: op.as_str(),
        kind: y.kind(),
    };
    match (op, &y.0) {
        (_, Repr::Unknown) => Ok(y.clone()),
        (Op::Add, Repr::Int64(_) | Repr::Int(_) | Repr::Rat(_) | Repr::Float(_)) => Ok(y.clone()),
        (Op::Add, Repr::Complex(_)) => Ok(y.clone()),
        (Op::Sub, Repr::Int64(x)) => Ok(match x.checked_neg() {
            Some(z) if z != *x => Value::int64(z),
            _ => make_int(-BigInt::from(*x)),
        }),
        (Op::Sub, Repr::Int(x)) => Ok(make_int(-x)),
        (Op::Sub, Repr::Rat(x)) => Ok(make_rat(-x)),
        (Op::Sub, Repr::Float(x)) => Ok(make_float(x.neg())),
        (Op::Sub, Repr::Complex(c)) => {
            let re = unary_op(Op::Sub, &c.0, 0)?;
            let im = unary_op(Op::Sub, &c.1, 0)?;
            Ok(make_complex(re, im))
        }
        (Op::Xor, Repr::Int64(_) | Repr::Int(_)) => {
            if prec > MAX_SHIFT {
                return Err(ConstError::ShiftTooLarge(prec));
            }
            let mut z = !to_bigint(y);
            if prec > 0 {
                z &= (BigInt::one() << prec) - 1u32;
            }
            Ok(make_int(z))
        }
        (Op::Not, Repr::Bool(b)) => Ok(Value::bool(!b)),
        _ => Err(invalid()),
    }
}

/// `BinaryOp`: `x op y` for arithmetic, bitwise and logical operators (not comparisons or
/// shifts). If an operand is unknown the result is unknown. `Quo` on integers gives an exact
/// fraction; use `QuoInt` for Go's integer division. Division by zero is an error.
pub fn binary_op(x: &Value, op: Op, y: &Value) -> Result<Value, ConstError> {
    let (x, y) = match_values(x, y);
    let invalid = || ConstError::InvalidOperation {
        op: op.as_str(),
        kind: x.kind(),
    };
    let numeric = matches!(x.kind(), Kind::Int | Kind::Float | Kind::Complex);
    if matches!(op, Op::Quo | Op::QuoInt | Op::Rem) && numeric && sign(&y) == 0 {
        return Err(ConstError::DivisionByZero);
    }
    match (&x.0, &y.0) {
        (Repr::Unknown, _) => Ok(x.clone()),
        (Repr::Bool(a), Repr::Bool(b)) => match op {
            Op::LAnd => Ok(Value::bool(*a && *b)),
            Op::LOr => Ok(Value::bool(*a || *b)),
            _ => Err(invalid()),
        },
        (Repr::Int64(a), Repr::Int64(b)) => {
            let (a, b) = (*a, *b);
            let big =
                |f: fn(BigInt, BigInt) -> BigInt| make_int(f(BigInt::from(a), BigInt::from(b)));
            let c = match op {
                Op::Add if !is63bit(a) || !is63bit(b) => return Ok(big(|a, b| a + b)),
                Op::Add => a + b,
                Op::Sub if !is63bit(a) || !is63bit(b) => return Ok(big(|a, b| a - b)),
                Op::Sub => a - b,
                Op::Mul if !is32bit(a) || !is32bit(b) => return Ok(big(|a, b| a * b)),
                Op::Mul => a * b,
                Op::Quo => return Ok(make_rat(BigRational::new(BigInt::from(a), BigInt::from(b)))),
                // Go's int64 division wraps for MinInt64 / -1, as go/constant's does.
                Op::QuoInt => a.wrapping_div(b),
                Op::Rem => a.wrapping_rem(b),
                Op::And => a & b,
                Op::Or => a | b,
                Op::Xor => a ^ b,
                Op::AndNot => a & !b,
                _ => return Err(invalid()),
            };
            Ok(Value::int64(c))
        }
        (Repr::Int(a), Repr::Int(b)) => Ok(match op {
            Op::Add => make_int(a + b),
            Op::Sub => make_int(a - b),
            Op::Mul => make_int(a * b),
            Op::Quo => make_rat(BigRational::new(a.clone(), b.clone())),
            Op::QuoInt => make_int(a / b),
            Op::Rem => make_int(a % b),
            Op::And => make_int(a & b),
            Op::Or => make_int(a | b),
            Op::Xor => make_int(a ^ b),
            Op::AndNot => make_int(a & !b),
            _ => return Err(invalid()),
        }),
        (Repr::Rat(a), Repr::Rat(b)) => Ok(match op {
            Op::Add => make_rat(a + b),
            Op::Sub => make_rat(a - b),
            Op::Mul => make_rat(a * b),
            Op::Quo => make_rat(a / b),
            _ => return Err(invalid()),
        }),
        (Repr::Float(a), Repr::Float(b)) => {
            let c = match op {
                Op::Add => BigFloat::add(a, b, PREC),
                Op::Sub => BigFloat::sub(a, b, PREC),
                Op::Mul => BigFloat::mul(a, b, PREC),
                Op::Quo => BigFloat::quo(a, b, PREC),
                _ => return Err(invalid()),
            };
            Ok(c.map_or_else(Value::unknown, make_float))
        }
        (Repr::Complex(p), Repr::Complex(q)) => {
            let (a, b) = (&p.0, &p.1);
            let (c, d) = (&q.0, &q.1);
            let (re, im) = match op {
                Op::Add => (add(a, c)?, add(b, d)?),
                Op::Sub => (sub(a, c)?, sub(b, d)?),
                Op::Mul => {
                    let (ac, bd) = (mul(a, c)?, mul(b, d)?);
                    let (bc, ad) = (mul(b, c)?, mul(a, d)?);
                    (sub(&ac, &bd)?, add(&bc, &ad)?)
                }
                Op::Quo => {
                    let (ac, bd) = (mul(a, c)?, mul(b, d)?);
                    let (bc, ad) = (mul(b, c)?, mul(a, d)?);
                    let s = add(&mul(c, c)?, &mul(d, d)?)?;
                    let re = binary_op(&add(&ac, &bd)?, Op::Quo, &s)?;
                    let im = binary_op(&sub(&bc, &ad)?, Op::Quo, &s)?;
                    (re, im)
                }
                _ => return Err(invalid()),
            };
            Ok(make_complex(re, im))
        }
        (Repr::Str(a), Repr::Str(b)) if op == Op::Add => {
            let mut s = Vec::with_capacity(a.len() + b.len());
            s.extend_from_slice(a);
            s.extend_from_slice(b);
            Ok(Value::bytes(&s))
        }
        _ => Err(invalid()),
    }
}

fn add(x: &Value, y: &Value) -> Result<Value, ConstError> {
    binary_op(x, Op::Add, y)
}

fn sub(x: &Value, y: &Value) -> Result<Value, ConstError> {
    binary_op(x, Op::Sub, y)
}

fn mul(x: &Value, y: &Value) -> Result<Value, ConstError> {
    binary_op(x, Op::Mul, y)
}

/// `Shift`: `x << s` or `x >> s` for an Int (or unknown) `x`.
pub fn shift(x: &Value, op: Op, s: u32) -> Result<Value, ConstError> {
    let invalid = || ConstError::InvalidOperation {
        op: op.as_str(),
        kind: x.kind(),
    };
    if !matches!(op, Op::Shl | Op::Shr) {
        return Err(invalid());
    }
    match &x.0 {
        Repr::Unknown => Ok(x.clone()),
        Repr::Int64(_) | Repr::Int(_) if s == 0 => Ok(x.clone()),
        Repr::Int64(v) if op == Op::Shr => Ok(Value::int64(v >> s.min(63))),
        Repr::Int64(_) | Repr::Int(_) if op == Op::Shl => {
            if s > MAX_SHIFT {
                return Err(ConstError::ShiftTooLarge(s));
            }
            Ok(make_int(to_bigint(x) << s))
        }
        Repr::Int(v) => Ok(make_int(v >> s)),
        _ => Err(invalid()),
    }
}

/// `Compare`: `x op y` for `==`, `!=`, `<`, `<=`, `>`, `>=`. False if an operand is unknown,
/// and (where `go/constant` would panic) for operators the kinds do not support.
pub fn compare(x: &Value, op: Op, y: &Value) -> bool {
    let (x, y) = match_values(x, y);
    let ord = match (&x.0, &y.0) {
        (Repr::Bool(a), Repr::Bool(b)) => {
            return match op {
                Op::Eql => a == b,
                Op::Neq => a != b,
                _ => false,
            }
        }
        (Repr::Complex(p), Repr::Complex(q)) => {
            let re = compare(&p.0, Op::Eql, &q.0);
            let im = compare(&p.1, Op::Eql, &q.1);
            return match op {
                Op::Eql => re && im,
                Op::Neq => !re || !im,
                _ => false,
            };
        }
        (Repr::Int64(a), Repr::Int64(b)) => a.cmp(b),
        (Repr::Int(a), Repr::Int(b)) => a.cmp(b),
        (Repr::Rat(a), Repr::Rat(b)) => a.cmp(b),
        (Repr::Float(a), Repr::Float(b)) => a.cmp(b),
        (Repr::Str(a), Repr::Str(b)) => a.cmp(b),
        _ => return false,
    };
    match op {
        Op::Eql => ord == Ordering::Equal,
        Op::Neq => ord != Ordering::Equal,
        Op::Lss => ord == Ordering::Less,
        Op::Leq => ord != Ordering::Greater,
        Op::Gtr => ord == Ordering::Greater,
        Op::Geq => ord != Ordering::Less,
        _ => false,
    }
}

fn is32bit(x: i64) -> bool {
    i32::try_from(x).is_ok()
}

fn is63bit(x: i64) -> bool {
    (-(1 << 62)..(1 << 62)).contains(&x)
}

/// The representation order used by `match` (`ord` in value.go).
fn ord(x: &Value) -> u8 {
    match x.0 {
        Repr::Unknown => 0,
        Repr::Bool(_) | Repr::Str(_) => 1,
        Repr::Int64(_) => 2,
        Repr::Int(_) => 3,
        Repr::Rat(_) => 4,
        Repr::Float(_) => 5,
        Repr::Complex(_) => 6,
    }
}

/// `match`: both values in the representation of the more complex one. If they cannot be
/// matched, both results are the less complex operand (so an unknown operand wins).
fn match_values(x: &Value, y: &Value) -> (Value, Value) {
    match ord(x).cmp(&ord(y)) {
        Ordering::Less => match0(x, y),
        Ordering::Greater => {
            let (y, x) = match0(y, x);
            (x, y)
        }
        Ordering::Equal => (x.clone(), y.clone()),
    }
}

/// `match0`, for `ord(x) < ord(y)`.
fn match0(x: &Value, y: &Value) -> (Value, Value) {
    let x1 = match (&y.0, &x.0) {
        (Repr::Int(_), Repr::Int64(a)) => Some(Value(Repr::Int(BigInt::from(*a)))),
        (Repr::Rat(_), Repr::Int64(_) | Repr::Int(_)) => {
            Some(Value(Repr::Rat(BigRational::from_integer(to_bigint(x)))))
        }
        (Repr::Float(_), Repr::Int64(_) | Repr::Int(_) | Repr::Rat(_)) => {
            Some(Value(Repr::Float(to_bigfloat(x))))
        }
        (Repr::Complex(_), Repr::Int64(_) | Repr::Int(_) | Repr::Rat(_) | Repr::Float(_)) => {
            Some(vtoc(x.clone()))
        }
        _ => None,
    };
    match x1 {
        Some(x1) => (x1, y.clone()),
        None => (x.clone(), x.clone()),
    }
}

fn vtoc(x: Value) -> Value {
    Value(Repr::Complex(Box::new((x, Value::int64(0)))))
}

/// An Int value as a big integer (0 for other kinds).
pub(crate) fn to_bigint(x: &Value) -> BigInt {
    match &x.0 {
        Repr::Int64(v) => BigInt::from(*v),
        Repr::Int(v) => v.clone(),
        _ => BigInt::zero(),
    }
}

/// An Int or Float value as a 512-bit float (`i64tof`, `itof`, `rtof`).
pub(crate) fn to_bigfloat(x: &Value) -> BigFloat {
    match &x.0 {
        Repr::Int64(_) | Repr::Int(_) => BigFloat::from_bigint(&to_bigint(x), PREC),
        Repr::Rat(r) => rat_to_bigfloat(r),
        Repr::Float(f) => f.clone(),
        _ => BigFloat::zero(),
    }
}

pub(crate) fn rat_to_bigfloat(r: &BigRational) -> BigFloat {
    BigFloat::from_ratio(r.numer(), r.denom().magnitude(), PREC)
}

pub(crate) fn make_int(x: BigInt) -> Value {
    match x.to_i64() {
        Some(i) => Value::int64(i),
        None => Value(Repr::Int(x)),
    }
}

fn small_int(x: &BigInt) -> bool {
    x.bits() < MAX_EXP
}

pub(crate) fn make_rat(x: BigRational) -> Value {
    if small_int(x.numer()) && small_int(x.denom()) {
        return Value(Repr::Rat(x));
    }
    Value(Repr::Float(rat_to_bigfloat(&x)))
}

pub(crate) fn make_float(x: BigFloat) -> Value {
    if x.is_zero() {
        return Value(Repr::Float(BigFloat::zero()));
    }
    if x.is_inf() {
        return Value::unknown();
    }
    Value(Repr::Float(x))
}

pub(crate) fn make_complex(re: Value, im: Value) -> Value {
    if re.is_unknown() || im.is_unknown() {
        return Value::unknown();
    }
    Value(Repr::Complex(Box::new((re, im))))
}

/// `smallFloat`: whether `x` would give a reasonably sized fraction.
pub(crate) fn small_float(x: &BigFloat) -> bool {
    if x.is_inf() {
        return false;
    }
    let e = x.exponent();
    -(MAX_EXP as i64) < e && e < MAX_EXP as i64
}

/// `MakeFloat64`.
pub(crate) fn make_float64(x: f64) -> Value {
    if !x.is_finite() {
        return Value::unknown();
    }
    // Every finite float64 is a "small" float, so the result is always a fraction.
    let (neg, mant, exp) = float::decompose_f64(x + 0.0);
    let m = BigInt::from_biguint(
        if neg { Sign::Minus } else { Sign::Plus },
        BigUint::from(mant),
    );
    // |exp| <= 1074 for finite float64 values.
    let shift = exp.unsigned_abs().min(2048) as usize;
    let r = if exp >= 0 {
        BigRational::from_integer(m << shift)
    } else {
        BigRational::new(m, BigInt::one() << shift)
    };
    Value(Repr::Rat(r))
}

pub(crate) fn int64_val(x: &Value) -> (i64, bool) {
    match &x.0 {
        Repr::Int64(v) => (*v, true),
        // Like big.Int.Int64: the low 64 bits, two's complement.
        Repr::Int(v) => (low_u64(v) as i64, false),
        _ => (0, false),
    }
}

pub(crate) fn uint64_val(x: &Value) -> (u64, bool) {
    match &x.0 {
        Repr::Int64(v) => (*v as u64, *v >= 0),
        Repr::Int(v) => match v.to_u64() {
            Some(u) => (u, true),
            // big.Int.Uint64 returns the low bits of the absolute value.
            None => (v.magnitude().iter_u64_digits().next().unwrap_or(0), false),
        },
        _ => (0, false),
    }
}

/// The low 64 bits of `x` in two's complement.
fn low_u64(x: &BigInt) -> u64 {
    let low = x.magnitude().iter_u64_digits().next().unwrap_or(0);
    if x.is_negative() {
        low.wrapping_neg()
    } else {
        low
    }
}

pub(crate) fn float64_val(x: &Value) -> (f64, bool) {
    match &x.0 {
        Repr::Int64(v) => {
            let f = *v as f64;
            (f, f as i128 == i128::from(*v))
        }
        // Exactness is relative to the 512-bit rounded value, as in Go.
        Repr::Int(v) => BigFloat::from_bigint(v, PREC).to_f64(),
        Repr::Rat(r) => float::ratio_to_f64(r.numer(), r.denom().magnitude()),
        Repr::Float(f) => f.to_f64(),
        _ => (0.0, false),
    }
}

pub(crate) fn float32_val(x: &Value) -> (f32, bool) {
    match &x.0 {
        Repr::Int64(v) => {
            let f = *v as f32;
            (f, f as i128 == i128::from(*v))
        }
        Repr::Int(v) => BigFloat::from_bigint(v, PREC).to_f32(),
        Repr::Rat(r) => float::ratio_to_f32(r.numer(), r.denom().magnitude()),
        Repr::Float(f) => f.to_f32(),
        _ => (0.0, false),
    }
}

pub(crate) fn sign(x: &Value) -> i32 {
    match &x.0 {
        Repr::Int64(v) => v.signum() as i32,
        Repr::Int(v) => v.signum().to_i32().unwrap_or(0),
        Repr::Rat(r) => r.numer().signum().to_i32().unwrap_or(0),
        Repr::Float(f) => f.sign(),
        Repr::Complex(c) => sign(&c.0) | sign(&c.1),
        Repr::Unknown | Repr::Bool(_) | Repr::Str(_) => 1,
    }
}

pub(crate) fn to_int(x: &Value) -> Value {
    match &x.0 {
        Repr::Int64(_) | Repr::Int(_) => x.clone(),
        Repr::Rat(r) if r.is_integer() => make_int(r.numer().clone()),
        Repr::Float(f) if small_float(f) => {
            if let Some((i, true)) = f.to_int() {
                return make_int(i);
            }
            // If rounding a little down or up gives an integer, assume x is not an integer
            // only because of rounding errors in prior computations.
            const DELTA: u32 = 4;
            for mode in [Mode::ToZero, Mode::AwayFromZero] {
                if let Some((i, true)) = f.round(PREC - DELTA, mode).to_int() {
                    return make_int(i);
                }
            }
            Value::unknown()
        }
        Repr::Complex(_) => {
            let re = to_float(x);
            if re.kind() == Kind::Float {
                to_int(&re)
            } else {
                Value::unknown()
            }
        }
        _ => Value::unknown(),
    }
}

pub(crate) fn to_float(x: &Value) -> Value {
    match &x.0 {
        Repr::Int64(v) => Value(Repr::Rat(BigRational::from_integer(BigInt::from(*v)))),
        Repr::Int(v) if small_int(v) => Value(Repr::Rat(BigRational::from_integer(v.clone()))),
        Repr::Int(v) => Value(Repr::Float(BigFloat::from_bigint(v, PREC))),
        Repr::Rat(_) | Repr::Float(_) => x.clone(),
        Repr::Complex(c) if sign(&c.1) == 0 => to_float(&c.0),
        _ => Value::unknown(),
    }
}

pub(crate) fn to_complex(x: &Value) -> Value {
    match &x.0 {
        Repr::Int64(_) | Repr::Int(_) | Repr::Rat(_) | Repr::Float(_) => vtoc(x.clone()),
        Repr::Complex(_) => x.clone(),
        _ => Value::unknown(),
    }
}
