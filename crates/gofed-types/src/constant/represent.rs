//! Representability of constants in basic types: go/types' `representableConst`,
//! `roundFloat32`/`roundFloat64` and the error choice of `Checker.representation`.

use crate::constant::value::{binary_op, float32_val, float64_val, make_float64, to_complex};
use crate::constant::{Kind, Op, Value};

/// A basic type a constant can be converted to (go/types' `BasicKind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BasicTarget {
    /// `bool`
    Bool,
    /// `int` (size from [`Sizes`])
    Int,
    /// `int8`
    Int8,
    /// `int16`
    Int16,
    /// `int32` (and `rune`)
    Int32,
    /// `int64`
    Int64,
    /// `uint` (size from [`Sizes`])
    Uint,
    /// `uint8` (and `byte`)
    Uint8,
    /// `uint16`
    Uint16,
    /// `uint32`
    Uint32,
    /// `uint64`
    Uint64,
    /// `uintptr` (size from [`Sizes`])
    Uintptr,
    /// `float32`
    Float32,
    /// `float64`
    Float64,
    /// `complex64`
    Complex64,
    /// `complex128`
    Complex128,
    /// `string`
    String,
    /// `unsafe.Pointer` (no constant is representable)
    UnsafePointer,
    /// untyped bool
    UntypedBool,
    /// untyped int
    UntypedInt,
    /// untyped rune (treated like untyped int: no range check)
    UntypedRune,
    /// untyped float
    UntypedFloat,
    /// untyped complex
    UntypedComplex,
    /// untyped string
    UntypedString,
}

impl BasicTarget {
    fn is_integer(self) -> bool {
        use BasicTarget::*;
        matches!(
            self,
            Int | Int8
                | Int16
                | Int32
                | Int64
                | Uint
                | Uint8
                | Uint16
                | Uint32
                | Uint64
                | Uintptr
                | UntypedInt
                | UntypedRune
        )
    }
}

/// Target-dependent sizes (go/types' `Sizes`, as far as constants need them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Sizes {
    /// Size in bytes of `int`, `uint` and `uintptr`: 8 on amd64/arm64, 4 on 386/arm.
    /// Values outside 1..=8 are clamped.
    pub word_size: u8,
}

impl Default for Sizes {
    fn default() -> Sizes {
        Sizes { word_size: 8 }
    }
}

/// Why a constant is not representable, as go/types reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum RepresentError {
    /// A non-integer numeric constant converted to an integer type: go/types says
    /// "cannot use x (untyped float constant) as int value in … (truncated)" /
    /// "x truncated to int".
    #[error("truncated")]
    Truncated,
    /// A numeric constant out of the target's range: "x overflows int8".
    #[error("overflows")]
    Overflow,
    /// Not convertible at all (a string to an integer type, a bool to a float type…).
    #[error("cannot convert")]
    Invalid,
}

/// `x` as a constant of type `target`: the value go/types stores after the conversion
/// (integers as Int, floats rounded to float32/float64 and stored exactly, complex parts
/// likewise), or why it is not representable. Unknown values are representable and stay
/// unknown. The error kind follows `Checker.representation`, judged from the value's kind:
/// a Float or Complex value converted to an integer type is [`RepresentError::Truncated`],
/// other numeric failures are [`RepresentError::Overflow`].
pub fn represent(x: &Value, target: BasicTarget, sizes: Sizes) -> Result<Value, RepresentError> {
    if x.is_unknown() {
        return Ok(x.clone());
    }
    if let Some(v) = representable(x, target, sizes) {
        return Ok(v);
    }
    let numeric = |k: Kind| matches!(k, Kind::Int | Kind::Float | Kind::Complex);
    let target_numeric = !matches!(
        target,
        BasicTarget::Bool
            | BasicTarget::String
            | BasicTarget::UnsafePointer
            | BasicTarget::UntypedBool
            | BasicTarget::UntypedString
    );
    if numeric(x.kind()) && target_numeric {
        if x.kind() != Kind::Int && target.is_integer() {
            return Err(RepresentError::Truncated);
        }
        return Err(RepresentError::Overflow);
    }
    Err(RepresentError::Invalid)
}

fn representable(x: &Value, target: BasicTarget, sizes: Sizes) -> Option<Value> {
    use BasicTarget::*;
    let word_bits = u32::from(sizes.word_size.clamp(1, 8)) * 8;
    match target {
        t if t.is_integer() => {
            let x = x.to_int();
            if x.kind() != Kind::Int {
                return None;
            }
            let signed_bits = |s: u32| -> bool {
                let (v, exact) = x.int64_val();
                exact && (-(1i128 << (s - 1))..(1i128 << (s - 1))).contains(&i128::from(v))
            };
            let unsigned_bits = |s: u32| -> bool {
                let (v, exact) = x.uint64_val();
                exact && (s >= 64 || v < (1u64 << s))
            };
            let ok = match t {
                Int => signed_bits(word_bits),
                Int8 => signed_bits(8),
                Int16 => signed_bits(16),
                Int32 => signed_bits(32),
                Int64 => signed_bits(64),
                Uint | Uintptr => unsigned_bits(word_bits),
                Uint8 => unsigned_bits(8),
                Uint16 => unsigned_bits(16),
                Uint32 => unsigned_bits(32),
                Uint64 => unsigned_bits(64),
                _ => true, // UntypedInt, UntypedRune
            };
            ok.then_some(x)
        }
        // For untyped float and complex targets go/types keeps the original value.
        Float32 | Float64 | UntypedFloat => {
            let f = x.to_float();
            if f.kind() != Kind::Float {
                return None;
            }
            match target {
                Float32 => round_float32(&f),
                Float64 => round_float64(&f),
                _ => Some(x.clone()),
            }
        }
        Complex64 | Complex128 | UntypedComplex => {
            let c = to_complex(x);
            if c.kind() != Kind::Complex {
                return None;
            }
            let round = match target {
                Complex64 => round_float32,
                Complex128 => round_float64,
                _ => return Some(x.clone()),
            };
            let re = round(&c.real())?;
            let im = round(&c.imag())?;
            binary_op(&re, Op::Add, &im.make_imag()).ok()
        }
        String | UntypedString => (x.kind() == Kind::String).then(|| x.clone()),
        Bool | UntypedBool => (x.kind() == Kind::Bool).then(|| x.clone()),
        _ => None,
    }
}

fn round_float32(x: &Value) -> Option<Value> {
    let (f, _) = float32_val(x);
    f.is_finite().then(|| make_float64(f64::from(f)))
}

fn round_float64(x: &Value) -> Option<Value> {
    let (f, _) = float64_val(x);
    f.is_finite().then(|| make_float64(f))
}
