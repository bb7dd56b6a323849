//! Go constant values with the exact semantics of `go/constant` (Go 1.27).
//!
//! The type checker folds constant expressions with these values and the API extractor prints
//! them. Printing must be byte-identical to `go/constant`'s `String` and `ExactString`, which
//! `cmd/api` uses (`const Pi = 3.14159  // 314159…/100000…`), and those depend on the internal
//! representation `go/constant` picks. So [`Value`] keeps the same representations:
//!
//! | kind    | representations                                                            |
//! |---------|----------------------------------------------------------------------------|
//! | Int     | `i64`, or a big integer when it does not fit                               |
//! | Float   | an exact fraction while numerator and denominator have < 4096 bits, else a  |
//! |         | 512-bit binary float (never converted back to a fraction)                   |
//! | Complex | a pair of Int/Float values                                                 |
//! | String  | bytes (Go strings need not be UTF-8)                                        |
//!
//! Entry points: [`Value::from_literal`] (`MakeFromLiteral`), [`unary_op`], [`binary_op`],
//! [`shift`], [`compare`], the conversions [`Value::to_int`], [`Value::to_float`],
//! [`Value::to_complex`], [`represent`] (go/types' `representableConst` with float rounding)
//! and [`Value::string`] / [`Value::exact_string`].
//!
//! ```
//! use gofed_types::constant::{binary_op, LitKind, Op, Value};
//!
//! let pi = Value::from_literal(LitKind::Float, "3.14159265358979323846264338327950288419716939937510582097494459");
//! assert_eq!(pi.string(), "3.14159");
//! let x = binary_op(&Value::int64(1), Op::Quo, &Value::int64(3)).unwrap();
//! assert_eq!((x.string(), x.exact_string()), ("0.333333".to_string(), "1/3".to_string()));
//! ```
//!
//! Invariants: nothing here panics on any input; operations `go/constant` would panic on
//! (division by zero, ill-typed operands) return [`ConstError`]. Like `go/constant`, sizes are
//! not bounded here (the type checker limits untyped integers to 512 bits and shift counts to
//! 1074), except that [`shift`] refuses counts that would build integers of more than
//! [`MAX_SHIFT`] bits.

mod float;
mod format;
mod literal;
mod represent;
mod value;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use num_bigint::BigInt;
use num_rational::BigRational;

pub(crate) use crate::constant::format::quote;
pub use crate::constant::format::StringStyle;
pub use crate::constant::represent::{represent, BasicTarget, RepresentError, Sizes};
pub use crate::constant::value::{binary_op, compare, shift, unary_op, MAX_SHIFT};

use crate::constant::float::BigFloat;

/// The kind of a [`Value`] (`constant.Kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// An unknown value, the result of an error.
    Unknown,
    /// A boolean.
    Bool,
    /// A string.
    String,
    /// An integer.
    Int,
    /// A floating-point number.
    Float,
    /// A complex number.
    Complex,
}

/// The kind of a literal token passed to [`Value::from_literal`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LitKind {
    /// An integer literal (`42`, `0x_FF`, `0o17`, `017`, `0b1`).
    Int,
    /// A floating-point literal (`1.5e3`, `0x1p-2`, `1_000.5`).
    Float,
    /// An imaginary literal (`2i`, `1.5e3i`, `0x1p2i`).
    Imag,
    /// A rune literal (`'a'`, `'\n'`, `'\u00e9'`).
    Char,
    /// An interpreted or raw string literal.
    String,
}

/// An operator on constants. `QuoInt` is integer division (`go/constant`'s
/// `token.QUO_ASSIGN`); the type checker uses it for `/` on integer operands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/` (exact: `1/3` is a fraction)
    Quo,
    /// `/` on integers (truncating)
    QuoInt,
    /// `%`
    Rem,
    /// `&`
    And,
    /// `|`
    Or,
    /// `^`
    Xor,
    /// `&^`
    AndNot,
    /// `&&`
    LAnd,
    /// `||`
    LOr,
    /// `<<`
    Shl,
    /// `>>`
    Shr,
    /// `==`
    Eql,
    /// `!=`
    Neq,
    /// `<`
    Lss,
    /// `<=`
    Leq,
    /// `>`
    Gtr,
    /// `>=`
    Geq,
    /// `!`
    Not,
}

impl Op {
    /// The operator as Go spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Add => "+",
            Op::Sub => "-",
            Op::Mul => "*",
            Op::Quo | Op::QuoInt => "/",
            Op::Rem => "%",
            Op::And => "&",
            Op::Or => "|",
            Op::Xor => "^",
            Op::AndNot => "&^",
            Op::LAnd => "&&",
            Op::LOr => "||",
            Op::Shl => "<<",
            Op::Shr => ">>",
            Op::Eql => "==",
            Op::Neq => "!=",
            Op::Lss => "<",
            Op::Leq => "<=",
            Op::Gtr => ">",
            Op::Geq => ">=",
            Op::Not => "!",
        }
    }
}

/// An operation `go/constant` would panic on.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConstError {
    /// Division or remainder by zero.
    #[error("division by zero")]
    DivisionByZero,
    /// The operator is not defined for the operand kinds.
    #[error("invalid operation: operator {op} not defined on {kind:?}")]
    InvalidOperation {
        /// The operator.
        op: &'static str,
        /// The kind of the (left) operand after matching representations.
        kind: Kind,
    },
    /// A shift count above [`MAX_SHIFT`].
    #[error("shift count {0} too large")]
    ShiftTooLarge(u32),
}

/// A Go constant value (`constant.Value`). Cloning is cheap for all but huge numbers.
#[derive(Clone, Debug)]
pub struct Value(Repr);

#[derive(Clone, Debug)]
enum Repr {
    Unknown,
    Bool(bool),
    Str(Arc<[u8]>),
    /// `int64Val`
    Int64(i64),
    /// `intVal`: does not fit in `i64` (except right after `from_literal`, as in Go).
    Int(BigInt),
    /// `ratVal`
    Rat(BigRational),
    /// `floatVal`: 512-bit, finite.
    Float(BigFloat),
    /// `complexVal`: real and imaginary part, each Int or Float.
    Complex(Box<(Value, Value)>),
}

impl Default for Value {
    fn default() -> Value {
        Value::unknown()
    }
}

impl Value {
    /// The unknown value (`MakeUnknown`).
    pub fn unknown() -> Value {
        Value(Repr::Unknown)
    }

    /// A boolean value (`MakeBool`).
    pub fn bool(b: bool) -> Value {
        Value(Repr::Bool(b))
    }

    /// A string value (`MakeString`). `Value::string` prints values, so the constructor
    /// is called `str`; use [`Value::bytes`] for strings that are not UTF-8.
    pub fn str(s: &str) -> Value {
        Value::bytes(s.as_bytes())
    }

    /// A string value from arbitrary bytes.
    pub fn bytes(s: &[u8]) -> Value {
        Value(Repr::Str(Arc::from(s)))
    }

    /// An integer value (`MakeInt64`).
    pub fn int64(x: i64) -> Value {
        Value(Repr::Int64(x))
    }

    /// An integer value (`MakeUint64`).
    pub fn from_u64(x: u64) -> Value {
        match i64::try_from(x) {
            Ok(i) => Value(Repr::Int64(i)),
            Err(_) => Value(Repr::Int(BigInt::from(x))),
        }
    }

    /// A float value (`MakeFloat64`): exact, `-0.0` becomes `0`, NaN and infinities are
    /// [`Kind::Unknown`].
    pub fn from_f64(x: f64) -> Value {
        value::make_float64(x)
    }

    /// The value of a Go literal (`MakeFromLiteral`); [`Kind::Unknown`] if `text` is not
    /// valid for `kind`. Accepts what `go/constant` accepts, including `_` separators,
    /// prefixes, hex floats and a leading sign on numbers.
    pub fn from_literal(kind: LitKind, text: &str) -> Value {
        literal::from_literal(kind, text.as_bytes())
    }

    /// Like [`Value::from_literal`] for source text that need not be UTF-8.
    pub fn from_literal_bytes(kind: LitKind, text: &[u8]) -> Value {
        literal::from_literal(kind, text)
    }

    /// The kind of the value.
    pub fn kind(&self) -> Kind {
        match &self.0 {
            Repr::Unknown => Kind::Unknown,
            Repr::Bool(_) => Kind::Bool,
            Repr::Str(_) => Kind::String,
            Repr::Int64(_) | Repr::Int(_) => Kind::Int,
            Repr::Rat(_) | Repr::Float(_) => Kind::Float,
            Repr::Complex(_) => Kind::Complex,
        }
    }

    /// Whether the value is [`Kind::Unknown`].
    pub fn is_unknown(&self) -> bool {
        matches!(self.0, Repr::Unknown)
    }

    /// `BoolVal`: the boolean, `false` for other kinds.
    pub fn bool_val(&self) -> bool {
        matches!(self.0, Repr::Bool(true))
    }

    /// `StringVal`: the string's bytes, empty for other kinds.
    pub fn string_val(&self) -> &[u8] {
        match &self.0 {
            Repr::Str(s) => s,
            _ => &[],
        }
    }

    /// `StringLen`: the length of a string in bytes, 0 for other kinds.
    pub fn string_len(&self) -> usize {
        self.string_val().len()
    }

    /// `Int64Val`: the value and whether it is exact; `(0, false)` for non-integers.
    pub fn int64_val(&self) -> (i64, bool) {
        value::int64_val(self)
    }

    /// `Uint64Val`: the value and whether it is exact; `(0, false)` for non-integers.
    pub fn uint64_val(&self) -> (u64, bool) {
        value::uint64_val(self)
    }

    /// `Float64Val`: the nearest float64 and whether it is exact; `(0, false)` for
    /// non-numeric and complex values.
    pub fn float64_val(&self) -> (f64, bool) {
        value::float64_val(self)
    }

    /// `Float32Val`: the nearest float32 and whether it is exact.
    pub fn float32_val(&self) -> (f32, bool) {
        value::float32_val(self)
    }

    /// `BitLen`: bits needed for the absolute value of an integer, 0 for other kinds.
    pub fn bit_len(&self) -> u64 {
        match &self.0 {
            Repr::Int64(x) => u64::from(64 - x.unsigned_abs().leading_zeros()),
            Repr::Int(x) => x.bits(),
            _ => 0,
        }
    }

    /// About how many bytes the value holds (the string's bytes, the number's digits), for
    /// charging a [`crate::budget::Budget`].
    pub fn approx_size(&self) -> u64 {
        const BASE: u64 = std::mem::size_of::<Value>() as u64;
        BASE + match &self.0 {
            Repr::Unknown | Repr::Bool(_) | Repr::Int64(_) => 0,
            Repr::Str(s) => s.len() as u64,
            Repr::Int(x) => x.bits() / 8,
            Repr::Rat(x) => (x.numer().bits() + x.denom().bits()) / 8,
            // 512 bits of mantissa.
            Repr::Float(_) => 64,
            Repr::Complex(c) => c.0.approx_size() + c.1.approx_size(),
        }
    }

    /// `Sign`: -1, 0 or 1; for complex values 0 iff both parts are 0. Unknown (and, where
    /// `go/constant` would panic, non-numeric) values give 1.
    pub fn sign(&self) -> i32 {
        value::sign(self)
    }

    /// `Real`: the real part of a numeric value; unknown for other kinds.
    pub fn real(&self) -> Value {
        match &self.0 {
            Repr::Complex(c) => c.0.clone(),
            Repr::Int64(_) | Repr::Int(_) | Repr::Rat(_) | Repr::Float(_) => self.clone(),
            _ => Value::unknown(),
        }
    }

    /// `Imag`: the imaginary part of a numeric value; unknown for other kinds.
    pub fn imag(&self) -> Value {
        match &self.0 {
            Repr::Complex(c) => c.1.clone(),
            Repr::Int64(_) | Repr::Int(_) | Repr::Rat(_) | Repr::Float(_) => Value::int64(0),
            _ => Value::unknown(),
        }
    }

    /// `MakeImag`: `x*i` for an Int or Float `x`; unknown for other kinds.
    pub fn make_imag(&self) -> Value {
        match &self.0 {
            Repr::Int64(_) | Repr::Int(_) | Repr::Rat(_) | Repr::Float(_) => {
                value::make_complex(Value::int64(0), self.clone())
            }
            _ => Value::unknown(),
        }
    }

    /// `ToInt`: the value as an Int if it is (nearly, for 512-bit floats) integral,
    /// otherwise unknown.
    pub fn to_int(&self) -> Value {
        value::to_int(self)
    }

    /// `ToFloat`: the value as a Float if it is representable as one, otherwise unknown.
    pub fn to_float(&self) -> Value {
        value::to_float(self)
    }

    /// `ToComplex`: the value as a Complex if it is numeric, otherwise unknown.
    pub fn to_complex(&self) -> Value {
        value::to_complex(self)
    }

    /// `String`: a short, human-readable form. Numbers may be approximated to 6 digits,
    /// strings are quoted and shortened to 72 characters.
    pub fn string(&self) -> String {
        format::string(self, StringStyle::Current)
    }

    /// [`Value::string`] as a given Go release prints it.
    pub fn string_as(&self, style: StringStyle) -> String {
        format::string(self, style)
    }

    /// `ExactString`: an exact form (fractions `a/b`, `0x.8p+1` for 512-bit floats,
    /// fully quoted strings).
    pub fn exact_string(&self) -> String {
        format::exact_string(self)
    }
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.string())
    }
}
