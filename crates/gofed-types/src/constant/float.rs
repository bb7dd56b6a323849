//! A minimal arbitrary-precision binary float with the semantics of Go's `math/big.Float`
//! as `go/constant` uses it.
//!
//! A finite value is `mant * 2^exp` with an odd `mant`, so every value has exactly one
//! representation and equality is structural. Precision is not stored: every operation takes
//! the precision of its result, as `big.Float` operations round to the receiver's precision.
//! All operations are correctly rounded from the exact result, like `big.Float`'s.
//!
//! The exponent range is `big.Float`'s: with `x = 0.mant * 2^e` and `0.5 <= 0.mant < 1`,
//! `e` must lie in `i32::MIN..=i32::MAX`; results above overflow to infinity and results
//! below underflow to zero.

use std::cmp::Ordering;

use num_bigint::{BigInt, BigUint, Sign};
use num_integer::Integer;
use num_traits::{One, ToPrimitive, Zero};

/// The mantissa precision of `go/constant` floats (`prec` in `value.go`).
pub(crate) const PREC: u32 = 512;

const MIN_EXP: i64 = i32::MIN as i64;
const MAX_EXP: i64 = i32::MAX as i64;

/// `big.RoundingMode`, restricted to the modes `go/constant` uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    NearestEven,
    ToZero,
    AwayFromZero,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BigFloat {
    neg: bool,
    form: Form,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Form {
    Zero,
    Inf,
    /// `mant * 2^exp`, `mant` odd.
    Finite {
        mant: BigUint,
        exp: i64,
    },
}

/// A binary floating-point format (`float64` or `float32`).
struct Format {
    /// Mantissa bits including the implicit one.
    mbits: i64,
    /// Exponent of the least significant bit of the smallest denormal.
    min_lsb: i64,
    /// Values must be below `2^max_exp`.
    max_exp: i64,
}

const F64: Format = Format {
    mbits: 53,
    min_lsb: -1074,
    max_exp: 1024,
};
const F32: Format = Format {
    mbits: 24,
    min_lsb: -149,
    max_exp: 128,
};

impl BigFloat {
    pub(crate) fn zero() -> BigFloat {
        BigFloat {
            neg: false,
            form: Form::Zero,
        }
    }

    pub(crate) fn inf(neg: bool) -> BigFloat {
        BigFloat {
            neg,
            form: Form::Inf,
        }
    }

    /// Rounds `(mant + s) * 2^exp` (`0 < s < 1` if `sticky`) to `prec` bits.
    fn round_new(
        neg: bool,
        mant: BigUint,
        exp: i64,
        sticky: bool,
        prec: u32,
        mode: Mode,
    ) -> BigFloat {
        if mant.is_zero() && !sticky {
            return BigFloat {
                neg,
                form: Form::Zero,
            };
        }
        let gexp = exp.saturating_add(bits(&mant));
        if gexp < MIN_EXP {
            return BigFloat {
                neg,
                form: Form::Zero,
            };
        }
        let lsb = gexp - i64::from(prec.max(1));
        let (m, e) = round_at(mant, exp, sticky, lsb, mode);
        BigFloat::finite(neg, m, e)
    }

    /// Normalizes an exact `mant * 2^exp`, checking the exponent range.
    fn finite(neg: bool, mant: BigUint, exp: i64) -> BigFloat {
        if mant.is_zero() {
            return BigFloat {
                neg,
                form: Form::Zero,
            };
        }
        let tz = mant.trailing_zeros().unwrap_or(0);
        let mant = mant >> tz;
        let exp = exp.saturating_add(tz as i64);
        let gexp = exp.saturating_add(bits(&mant));
        if gexp > MAX_EXP {
            return BigFloat::inf(neg);
        }
        if gexp < MIN_EXP {
            return BigFloat {
                neg,
                form: Form::Zero,
            };
        }
        BigFloat {
            neg,
            form: Form::Finite { mant, exp },
        }
    }

    /// `mant * 2^exp` rounded to `prec` bits.
    pub(crate) fn from_parts(neg: bool, mant: BigUint, exp: i64, prec: u32) -> BigFloat {
        BigFloat::round_new(neg, mant, exp, false, prec, Mode::NearestEven)
    }

    /// `big.Float.SetInt` on a float of precision `prec`.
    pub(crate) fn from_bigint(x: &BigInt, prec: u32) -> BigFloat {
        BigFloat::from_parts(x.sign() == Sign::Minus, x.magnitude().clone(), 0, prec)
    }

    /// `big.Float.SetRat` on a float of precision `prec`: `num / den` correctly rounded.
    pub(crate) fn from_ratio(x: &BigInt, den: &BigUint, prec: u32) -> BigFloat {
        let neg = x.sign() == Sign::Minus;
        if den.is_zero() {
            return BigFloat::inf(neg);
        }
        let (q, exp, sticky) = quotient(x.magnitude(), 0, den, 0, i64::from(prec));
        BigFloat::round_new(neg, q, exp, sticky, prec, Mode::NearestEven)
    }

    /// `big.Float.SetFloat64`: exact. The caller excludes NaN; infinities stay infinite.
    #[cfg(test)]
    pub(crate) fn from_f64(x: f64) -> BigFloat {
        if x.is_infinite() {
            return BigFloat::inf(x < 0.0);
        }
        let (neg, mant, exp) = decompose_f64(x);
        BigFloat::finite(neg, BigUint::from(mant), exp)
    }

    pub(crate) fn is_zero(&self) -> bool {
        self.form == Form::Zero
    }

    pub(crate) fn is_inf(&self) -> bool {
        self.form == Form::Inf
    }

    pub(crate) fn is_neg(&self) -> bool {
        self.neg
    }

    /// -1, 0 or 1.
    pub(crate) fn sign(&self) -> i32 {
        match (&self.form, self.neg) {
            (Form::Zero, _) => 0,
            (_, true) => -1,
            (_, false) => 1,
        }
    }

    /// `big.Float.IsInt`.
    pub(crate) fn is_int(&self) -> bool {
        match &self.form {
            Form::Zero => true,
            Form::Inf => false,
            Form::Finite { exp, .. } => *exp >= 0,
        }
    }

    /// `big.Float.MantExp`'s exponent: `x = 0.mant * 2^e` with `0.5 <= 0.mant < 1`, 0 for 0.
    pub(crate) fn exponent(&self) -> i64 {
        match &self.form {
            Form::Finite { mant, exp } => exp + bits(mant),
            _ => 0,
        }
    }

    pub(crate) fn neg(&self) -> BigFloat {
        BigFloat {
            neg: !self.neg,
            form: self.form.clone(),
        }
    }

    /// `self` rounded to `prec` bits with `mode` (`big.Float.Set` on a float with that
    /// precision and mode).
    pub(crate) fn round(&self, prec: u32, mode: Mode) -> BigFloat {
        match &self.form {
            Form::Finite { mant, exp } => {
                BigFloat::round_new(self.neg, mant.clone(), *exp, false, prec, mode)
            }
            _ => self.clone(),
        }
    }

    /// `x + y` rounded to `prec` bits; `None` for `Inf - Inf` (where `big.Float` panics).
    pub(crate) fn add(x: &BigFloat, y: &BigFloat, prec: u32) -> Option<BigFloat> {
        match (&x.form, &y.form) {
            (Form::Inf, Form::Inf) if x.neg != y.neg => None,
            (Form::Inf, _) => Some(x.clone()),
            (_, Form::Inf) => Some(y.clone()),
            (Form::Zero, Form::Zero) => Some(BigFloat {
                neg: x.neg && y.neg,
                form: Form::Zero,
            }),
            (Form::Zero, _) => Some(y.round(prec, Mode::NearestEven)),
            (_, Form::Zero) => Some(x.round(prec, Mode::NearestEven)),
            (Form::Finite { mant: ma, exp: ea }, Form::Finite { mant: mb, exp: eb }) => {
                // Let a be the operand of larger magnitude.
                let (a, ma, ea, b, mb, eb) = if x.cmp_abs(y) == Ordering::Less {
                    (y, mb, *eb, x, ma, *ea)
                } else {
                    (x, ma, *ea, y, mb, *eb)
                };
                let ta = ea + bits(ma);
                let tb = eb + bits(mb);
                // If b lies entirely below a's rounding position it only acts as a sticky
                // bit; this avoids huge shifts (1e-100000 + 1e100000).
                let low = ea.min(ta - i64::from(prec)) - 2;
                if tb < low {
                    // |b| < 2^(ea-k): a ± b is (a << k ± 0 or -1 + sticky) * 2^(ea-k).
                    let k = ea - low;
                    let m = ma << shift_amount(k);
                    let m = if a.neg == b.neg { m } else { m - 1u32 };
                    return Some(BigFloat::round_new(
                        a.neg,
                        m,
                        low,
                        true,
                        prec,
                        Mode::NearestEven,
                    ));
                }
                let e = ea.min(eb);
                let sa = ma << shift_amount(ea - e);
                let sb = mb << shift_amount(eb - e);
                Some(if a.neg == b.neg {
                    BigFloat::from_parts(a.neg, sa + sb, e, prec)
                } else if sa >= sb {
                    let d = sa - sb;
                    if d.is_zero() {
                        // x - x is +0 when rounding to nearest.
                        BigFloat::zero()
                    } else {
                        BigFloat::from_parts(a.neg, d, e, prec)
                    }
                } else {
                    BigFloat::from_parts(b.neg, sb - sa, e, prec)
                })
            }
        }
    }

    /// `x - y` rounded to `prec` bits.
    pub(crate) fn sub(x: &BigFloat, y: &BigFloat, prec: u32) -> Option<BigFloat> {
        BigFloat::add(x, &y.neg(), prec)
    }

    /// `x * y` rounded to `prec` bits; `None` for `0 * Inf`.
    pub(crate) fn mul(x: &BigFloat, y: &BigFloat, prec: u32) -> Option<BigFloat> {
        let neg = x.neg != y.neg;
        match (&x.form, &y.form) {
            (Form::Inf, Form::Zero) | (Form::Zero, Form::Inf) => None,
            (Form::Inf, _) | (_, Form::Inf) => Some(BigFloat::inf(neg)),
            (Form::Zero, _) | (_, Form::Zero) => Some(BigFloat {
                neg,
                form: Form::Zero,
            }),
            (Form::Finite { mant: ma, exp: ea }, Form::Finite { mant: mb, exp: eb }) => {
                Some(BigFloat::from_parts(neg, ma * mb, ea + eb, prec))
            }
        }
    }

    /// `x / y` rounded to `prec` bits; `None` for `0/0` and `Inf/Inf`.
    pub(crate) fn quo(x: &BigFloat, y: &BigFloat, prec: u32) -> Option<BigFloat> {
        let neg = x.neg != y.neg;
        match (&x.form, &y.form) {
            (Form::Zero, Form::Zero) | (Form::Inf, Form::Inf) => None,
            (Form::Zero, _) | (_, Form::Inf) => Some(BigFloat {
                neg,
                form: Form::Zero,
            }),
            (Form::Inf, _) | (_, Form::Zero) => Some(BigFloat::inf(neg)),
            (Form::Finite { mant: ma, exp: ea }, Form::Finite { mant: mb, exp: eb }) => {
                let (q, exp, sticky) = quotient(ma, *ea, mb, *eb, i64::from(prec));
                Some(BigFloat::round_new(
                    neg,
                    q,
                    exp,
                    sticky,
                    prec,
                    Mode::NearestEven,
                ))
            }
        }
    }

    fn cmp_abs(&self, y: &BigFloat) -> Ordering {
        match (&self.form, &y.form) {
            (Form::Zero, Form::Zero) | (Form::Inf, Form::Inf) => Ordering::Equal,
            (Form::Zero, _) | (_, Form::Inf) => Ordering::Less,
            (_, Form::Zero) | (Form::Inf, _) => Ordering::Greater,
            (Form::Finite { mant: ma, exp: ea }, Form::Finite { mant: mb, exp: eb }) => {
                let ta = ea + bits(ma);
                let tb = eb + bits(mb);
                if ta != tb {
                    return ta.cmp(&tb);
                }
                let e = (*ea).min(*eb);
                (ma << shift_amount(ea - e)).cmp(&(mb << shift_amount(eb - e)))
            }
        }
    }

    /// `big.Float.Cmp`.
    pub(crate) fn cmp(&self, y: &BigFloat) -> Ordering {
        let sx = self.sign();
        let sy = y.sign();
        if sx != sy {
            return sx.cmp(&sy);
        }
        match sx {
            0 => Ordering::Equal,
            1 => self.cmp_abs(y),
            _ => y.cmp_abs(self),
        }
    }

    /// `big.Float.Int`: `x` truncated toward zero and whether that is exact; `None` for Inf.
    pub(crate) fn to_int(&self) -> Option<(BigInt, bool)> {
        match &self.form {
            Form::Zero => Some((BigInt::zero(), true)),
            Form::Inf => None,
            Form::Finite { mant, exp } => {
                let sign = if self.neg { Sign::Minus } else { Sign::Plus };
                if *exp >= 0 {
                    let m = mant << shift_amount(*exp);
                    Some((BigInt::from_biguint(sign, m), true))
                } else {
                    let m = if -exp >= bits(mant) {
                        BigUint::zero()
                    } else {
                        mant >> shift_amount(-exp)
                    };
                    Some((BigInt::from_biguint(sign, m), false))
                }
            }
        }
    }

    /// `big.Float.Float64`: the nearest float64 and whether it is exact.
    pub(crate) fn to_f64(&self) -> (f64, bool) {
        self.to_format(&F64)
    }

    /// `big.Float.Float32`: the nearest float32 and whether it is exact.
    pub(crate) fn to_f32(&self) -> (f32, bool) {
        let (f, exact) = self.to_format(&F32);
        // `f` is a float32 value, so the conversion is exact.
        (f as f32, exact)
    }

    fn to_format(&self, fmt: &Format) -> (f64, bool) {
        match &self.form {
            Form::Zero => (if self.neg { -0.0 } else { 0.0 }, true),
            Form::Inf => (signed_inf(self.neg), true),
            Form::Finite { .. } if self.exponent() == MIN_EXP => {
                // big.Float.Float64 computes the exponent minus one in int32, which wraps
                // around to the largest exponent: Go reports an overflow.
                (signed_inf(self.neg), false)
            }
            Form::Finite { mant, exp } => {
                let (f, exact) = round_to_format(mant.clone(), *exp, false, fmt);
                (if self.neg { -f } else { f }, exact)
            }
        }
    }

    /// `big.Float.MantExp` followed by `Float64` on the mantissa: `(m, e)` with
    /// `x ≈ m * 2^e`, `0.5 <= |m| <= 1` (1 only after rounding up).
    pub(crate) fn mant_exp_f64(&self) -> (f64, i64) {
        match &self.form {
            Form::Finite { mant, .. } => {
                let (m, _) = round_to_format(mant.clone(), -bits(mant), false, &F64);
                (if self.neg { -m } else { m }, self.exponent())
            }
            Form::Zero => (if self.neg { -0.0 } else { 0.0 }, 0),
            Form::Inf => (signed_inf(self.neg), 0),
        }
    }

    /// `big.Float.Text('p', 0)`: `-0x.8p+1` style, hex mantissa in `[0.5, 1)`.
    pub(crate) fn text_p(&self) -> String {
        let mut s = String::new();
        if self.neg {
            s.push('-');
        }
        match &self.form {
            Form::Zero => s.push('0'),
            Form::Inf => s.push_str(if self.neg { "Inf" } else { "+Inf" }),
            Form::Finite { mant, .. } => {
                let n = bits(mant);
                let pad = (4 - n % 4) % 4;
                let hex = (mant << shift_amount(pad)).to_str_radix(16);
                s.push_str("0x.");
                s.push_str(hex.trim_end_matches('0'));
                s.push('p');
                let e = self.exponent();
                if e >= 0 {
                    s.push('+');
                }
                s.push_str(&e.to_string());
            }
        }
        s
    }
}

/// `big.Rat.Float64`: `num/den` correctly rounded to float64, and whether it is exact.
pub(crate) fn ratio_to_f64(num: &BigInt, den: &BigUint) -> (f64, bool) {
    ratio_to_format(num, den, &F64)
}

/// `big.Rat.Float32`.
pub(crate) fn ratio_to_f32(num: &BigInt, den: &BigUint) -> (f32, bool) {
    let (f, exact) = ratio_to_format(num, den, &F32);
    (f as f32, exact)
}

fn ratio_to_format(num: &BigInt, den: &BigUint, fmt: &Format) -> (f64, bool) {
    let neg = num.sign() == Sign::Minus;
    if den.is_zero() {
        return (signed_inf(neg), false);
    }
    let (f, exact) = quot_to_float(num.magnitude(), den, fmt);
    (if neg { -f } else { f }, exact)
}

/// `quotToFloat64` / `quotToFloat32` from math/big's rat.go, ported as is: it is correctly
/// rounded except far below the denormal range, where `math.Ldexp` rounds a second time and
/// the result may be reported exact although it underflowed to 0. For float32 the result is
/// a float64 that the caller converts (rounding again, as Go does).
fn quot_to_float(a: &BigUint, b: &BigUint, fmt: &Format) -> (f64, bool) {
    let msize = fmt.mbits - 1;
    let msize1 = msize + 1;
    let msize2 = msize1 + 1;
    let ebias = fmt.max_exp - 1;
    let emin = 1 - ebias;
    let alen = bits(a);
    if alen == 0 {
        return (0.0, true);
    }
    let mut exp = alen - bits(b);
    let shift = msize2 - exp;
    let (q, r) = if shift > 0 {
        (a << shift_amount(shift)).div_rem(b)
    } else {
        a.div_rem(&(b << shift_amount(-shift)))
    };
    let mut mantissa = q.iter_u64_digits().next().unwrap_or(0);
    let mut have_rem = !r.is_zero();
    if mantissa >> msize2 == 1 {
        if mantissa & 1 == 1 {
            have_rem = true;
        }
        mantissa >>= 1;
        exp += 1;
    }
    if emin - msize <= exp && exp <= emin {
        // Denormal: lose `shift` bits of precision.
        let shift = emin - (exp - 1);
        let lost = mantissa & ((1u64 << shift) - 1);
        have_rem = have_rem || lost != 0;
        mantissa >>= shift;
        exp = 2 - ebias;
    }
    let mut exact = !have_rem;
    if mantissa & 1 != 0 {
        exact = false;
        if have_rem || mantissa & 2 != 0 {
            mantissa += 1;
            if mantissa >= 1 << msize2 {
                mantissa >>= 1;
                exp += 1;
            }
        }
    }
    mantissa >>= 1;
    let mut f = go_ldexp(mantissa as f64, exp - msize1);
    if fmt.mbits == F32.mbits {
        f = f64::from(f as f32);
    }
    if f.is_infinite() {
        exact = false;
    }
    (f, exact)
}

/// Go's `math.Ldexp` (the portable version amd64 uses).
fn go_ldexp(frac: f64, exp: i64) -> f64 {
    if frac == 0.0 || !frac.is_finite() {
        return frac;
    }
    let (frac, e) = if frac.abs() < f64::MIN_POSITIVE {
        (frac * (1u64 << 52) as f64, -52)
    } else {
        (frac, 0)
    };
    let mut exp = exp + e;
    let x = frac.to_bits();
    exp += ((x >> 52) & 0x7ff) as i64 - 1023;
    if exp < -1075 {
        return 0f64.copysign(frac);
    }
    if exp > 1023 {
        return signed_inf(frac < 0.0);
    }
    let mut m = 1.0;
    if exp < -1022 {
        exp += 53;
        m = 1.0 / (1u64 << 53) as f64;
    }
    let x = (x & !(0x7ff << 52)) | (((exp + 1023) as u64) << 52);
    m * f64::from_bits(x)
}

/// Splits a finite `x` into sign, integer mantissa and binary exponent.
pub(crate) fn decompose_f64(x: f64) -> (bool, u64, i64) {
    let b = x.to_bits();
    let neg = b >> 63 != 0;
    let e = ((b >> 52) & 0x7ff) as i64;
    let frac = b & ((1 << 52) - 1);
    if e == 0 {
        (neg, frac, -1074)
    } else {
        (neg, frac | (1 << 52), e - 1075)
    }
}

fn signed_inf(neg: bool) -> f64 {
    if neg {
        f64::NEG_INFINITY
    } else {
        f64::INFINITY
    }
}

/// Rounds the magnitude `(mant + s) * 2^exp` to `fmt`, returning the (non-negative) value
/// and whether it is exact.
fn round_to_format(mant: BigUint, exp: i64, sticky: bool, fmt: &Format) -> (f64, bool) {
    if mant.is_zero() {
        return (0.0, !sticky);
    }
    let gexp = exp + bits(&mant);
    let lsb = (gexp - fmt.mbits).max(fmt.min_lsb);
    let dropped_zero = exp >= lsb
        || i64::try_from(mant.trailing_zeros().unwrap_or(0)).unwrap_or(i64::MAX) >= lsb - exp;
    let exact_in = !sticky && dropped_zero;
    let (m, e) = round_at(mant, exp, sticky, lsb, Mode::NearestEven);
    if m.is_zero() {
        return (0.0, false);
    }
    if e + bits(&m) > fmt.max_exp {
        return (f64::INFINITY, false);
    }
    // m has at most mbits (+1 after a carry, then it is a power of two) bits.
    let m = m.to_u64().unwrap_or(u64::MAX);
    (ldexp(m as f64, e), exact_in)
}

/// `m * 2^e` for a result known to be representable, so every step is exact.
fn ldexp(m: f64, e: i64) -> f64 {
    let mut f = m;
    let mut e = e;
    while e > 1000 {
        f *= 2f64.powi(1000);
        e -= 1000;
    }
    while e < -1000 {
        f *= 2f64.powi(-1000);
        e += 1000;
    }
    f * 2f64.powi(e as i32)
}

/// Number of bits of `x` as `i64` (0 for 0).
fn bits(x: &BigUint) -> i64 {
    i64::try_from(x.bits()).unwrap_or(i64::MAX)
}

fn shift_amount(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// `(ma * 2^ea) / (mb * 2^eb)` as `(q, exp, sticky)`: `q * 2^exp` truncated, with at least
/// `prec + 2` bits in `q`, and `sticky` set if the division was inexact.
fn quotient(ma: &BigUint, ea: i64, mb: &BigUint, eb: i64, prec: i64) -> (BigUint, i64, bool) {
    let s = (prec + 3 + bits(mb) - bits(ma)).max(0);
    let (q, r) = (ma << shift_amount(s)).div_rem(mb);
    (q, ea - eb - s, !r.is_zero())
}

/// Rounds `(mant + s) * 2^exp` (`0 < s < 1` if `sticky`) to a multiple of `2^lsb`,
/// returning `(m, lsb)` with the result `m * 2^lsb`.
fn round_at(mant: BigUint, exp: i64, sticky: bool, lsb: i64, mode: Mode) -> (BigUint, i64) {
    // Callers with `sticky` provide at least two bits below `lsb` (`quotient` and `add`
    // do); this fallback only keeps the rounding defined otherwise.
    let (mant, exp) = if sticky && exp > lsb - 2 {
        let k = exp - lsb + 2;
        (mant << shift_amount(k), exp - k)
    } else {
        (mant, exp)
    };
    if exp >= lsb {
        return (mant, exp);
    }
    let k = lsb - exp; // bits to drop, > 0
    let n = bits(&mant);
    let any = !mant.is_zero() || sticky;
    if k > n + 1 {
        // Everything lies below half a unit.
        let up = mode == Mode::AwayFromZero && any;
        return (if up { BigUint::one() } else { BigUint::zero() }, lsb);
    }
    let ku = shift_amount(k);
    let tz = i64::try_from(mant.trailing_zeros().unwrap_or(u64::MAX)).unwrap_or(i64::MAX);
    let half_bit = mant.bit(ku - 1);
    let below_half = tz < k - 1 || sticky; // bits below the half bit are nonzero
    let q = mant >> ku;
    let up = match mode {
        Mode::ToZero => false,
        Mode::AwayFromZero => half_bit || below_half,
        Mode::NearestEven => half_bit && (below_half || q.bit(0)),
    };
    (if up { q + 1u32 } else { q }, lsb)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(x: f64) -> BigFloat {
        BigFloat::from_f64(x)
    }

    #[test]
    fn arithmetic_roundtrips_f64() {
        let cases = [(1.5, 2.25), (0.1, 0.2), (-3.0, 1e-300), (1e300, 1e300)];
        for (a, b) in cases {
            let s = BigFloat::add(&f(a), &f(b), 53).map(|x| x.to_f64().0);
            assert_eq!(s, Some(a + b));
            let p = BigFloat::mul(&f(a), &f(b), 53).map(|x| x.to_f64().0);
            assert_eq!(p, Some(a * b));
            let q = BigFloat::quo(&f(a), &f(b), 53).map(|x| x.to_f64().0);
            assert_eq!(q, Some(a / b));
            let d = BigFloat::sub(&f(a), &f(b), 53).map(|x| x.to_f64().0);
            assert_eq!(d, Some(a - b));
        }
    }

    #[test]
    fn denormals_round_to_nearest_even() {
        let tiny = BigFloat::from_parts(false, BigUint::one(), -1075, 512);
        assert_eq!(tiny.to_f64(), (0.0, false));
        let above = BigFloat::from_parts(false, BigUint::from(3u32), -1076, 512);
        assert_eq!(above.to_f64(), (f64::from_bits(1), false));
        assert_eq!(f(5e-324).to_f64(), (5e-324, true));
    }

    #[test]
    fn text_p() {
        assert_eq!(f(1.0).text_p(), "0x.8p+1");
        assert_eq!(f(-0.75).text_p(), "-0x.cp+0");
        assert_eq!(f(0.0).text_p(), "0");
    }
}
