//! The type representation: one arena of [`Type`]s per [`crate::types::Program`], named by
//! [`TypeId`], with go/types' kinds and names.

use crate::ast::ChanDir;

/// Index of a type in the program's type arena.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeId(pub u32);

/// Index of a declared (named) type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NamedId(pub u32);

/// Index of a type parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TypeParamId(pub u32);

/// Index of a package in the program.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PkgId(pub u32);

/// go/types' basic kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[allow(missing_docs)]
pub enum BasicKind {
    Bool,
    Int,
    Int8,
    Int16,
    Int32,
    Int64,
    Uint,
    Uint8,
    Uint16,
    Uint32,
    Uint64,
    Uintptr,
    Float32,
    Float64,
    Complex64,
    Complex128,
    String,
    UnsafePointer,
    /// `byte`: identical to `uint8`, kept apart to print as written (go/types does).
    Byte,
    /// `rune`: identical to `int32`.
    Rune,
    UntypedBool,
    UntypedInt,
    UntypedRune,
    UntypedFloat,
    UntypedComplex,
    UntypedString,
    UntypedNil,
}

impl BasicKind {
    /// Whether the kind is one of the untyped kinds.
    pub fn is_untyped(self) -> bool {
        self >= BasicKind::UntypedBool
    }

    /// The kind `byte` and `rune` stand for; others unchanged.
    pub fn canonical(self) -> BasicKind {
        match self {
            BasicKind::Byte => BasicKind::Uint8,
            BasicKind::Rune => BasicKind::Int32,
            other => other,
        }
    }

    /// Integer kinds (typed and untyped, runes included).
    pub fn is_integer(self) -> bool {
        matches!(
            self.canonical(),
            BasicKind::Int
                | BasicKind::Int8
                | BasicKind::Int16
                | BasicKind::Int32
                | BasicKind::Int64
                | BasicKind::Uint
                | BasicKind::Uint8
                | BasicKind::Uint16
                | BasicKind::Uint32
                | BasicKind::Uint64
                | BasicKind::Uintptr
                | BasicKind::UntypedInt
                | BasicKind::UntypedRune
        )
    }

    /// Unsigned integer kinds.
    pub fn is_unsigned(self) -> bool {
        matches!(
            self.canonical(),
            BasicKind::Uint
                | BasicKind::Uint8
                | BasicKind::Uint16
                | BasicKind::Uint32
                | BasicKind::Uint64
                | BasicKind::Uintptr
        )
    }

    /// Float kinds.
    pub fn is_float(self) -> bool {
        matches!(
            self,
            BasicKind::Float32 | BasicKind::Float64 | BasicKind::UntypedFloat
        )
    }

    /// Complex kinds.
    pub fn is_complex(self) -> bool {
        matches!(
            self,
            BasicKind::Complex64 | BasicKind::Complex128 | BasicKind::UntypedComplex
        )
    }

    /// Numeric kinds.
    pub fn is_numeric(self) -> bool {
        self.is_integer() || self.is_float() || self.is_complex()
    }

    /// String kinds.
    pub fn is_string(self) -> bool {
        matches!(self, BasicKind::String | BasicKind::UntypedString)
    }

    /// Boolean kinds.
    pub fn is_boolean(self) -> bool {
        matches!(self, BasicKind::Bool | BasicKind::UntypedBool)
    }

    /// The name as cmd/api prints it (`byte` and `rune` as `uint8` and `int32`).
    pub fn name(self) -> &'static str {
        match self.canonical() {
            BasicKind::Bool => "bool",
            BasicKind::Int => "int",
            BasicKind::Int8 => "int8",
            BasicKind::Int16 => "int16",
            BasicKind::Int32 => "int32",
            BasicKind::Int64 => "int64",
            BasicKind::Uint => "uint",
            BasicKind::Uint8 => "uint8",
            BasicKind::Uint16 => "uint16",
            BasicKind::Uint32 => "uint32",
            BasicKind::Uint64 => "uint64",
            BasicKind::Uintptr => "uintptr",
            BasicKind::Float32 => "float32",
            BasicKind::Float64 => "float64",
            BasicKind::Complex64 => "complex64",
            BasicKind::Complex128 => "complex128",
            BasicKind::String => "string",
            BasicKind::UnsafePointer => "Pointer",
            BasicKind::UntypedBool => "untyped bool",
            BasicKind::UntypedInt => "untyped int",
            BasicKind::UntypedRune => "untyped rune",
            BasicKind::UntypedFloat => "untyped float",
            BasicKind::UntypedComplex => "untyped complex",
            BasicKind::UntypedString => "untyped string",
            BasicKind::UntypedNil => "untyped nil",
            BasicKind::Byte | BasicKind::Rune => unreachable_name(),
        }
    }

    /// The name as go/types prints it (`byte` and `rune` as written).
    pub fn go_name(self) -> &'static str {
        match self {
            BasicKind::Byte => "byte",
            BasicKind::Rune => "rune",
            BasicKind::UnsafePointer => "unsafe.Pointer",
            other => other.name(),
        }
    }

    /// The default type of an untyped kind (go/types' `Default`).
    pub fn default_kind(self) -> BasicKind {
        match self {
            BasicKind::UntypedBool => BasicKind::Bool,
            BasicKind::UntypedInt => BasicKind::Int,
            BasicKind::UntypedRune => BasicKind::Int32,
            BasicKind::UntypedFloat => BasicKind::Float64,
            BasicKind::UntypedComplex => BasicKind::Complex128,
            BasicKind::UntypedString => BasicKind::String,
            other => other,
        }
    }

    /// Every kind, for building the universe's table.
    pub const ALL: [BasicKind; 27] = [
        BasicKind::Bool,
        BasicKind::Int,
        BasicKind::Int8,
        BasicKind::Int16,
        BasicKind::Int32,
        BasicKind::Int64,
        BasicKind::Uint,
        BasicKind::Uint8,
        BasicKind::Uint16,
        BasicKind::Uint32,
        BasicKind::Uint64,
        BasicKind::Uintptr,
        BasicKind::Float32,
        BasicKind::Float64,
        BasicKind::Complex64,
        BasicKind::Complex128,
        BasicKind::String,
        BasicKind::UnsafePointer,
        BasicKind::Byte,
        BasicKind::Rune,
        BasicKind::UntypedBool,
        BasicKind::UntypedInt,
        BasicKind::UntypedRune,
        BasicKind::UntypedFloat,
        BasicKind::UntypedComplex,
        BasicKind::UntypedString,
        BasicKind::UntypedNil,
    ];
}

/// `canonical()` never yields `Byte` or `Rune`.
fn unreachable_name() -> &'static str {
    "uint8"
}

/// A type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    /// A type that could not be determined (an error or an unresolved name was recorded).
    Invalid,
    /// `int`, `string`, untyped kinds, `unsafe.Pointer`.
    Basic(BasicKind),
    /// `*T`
    Pointer(TypeId),
    /// `[]T`
    Slice(TypeId),
    /// `[N]T`
    Array {
        /// Length (`None` when it could not be evaluated).
        len: Option<u64>,
        /// Element type.
        elem: TypeId,
    },
    /// `map[K]V`
    Map {
        /// Key type.
        key: TypeId,
        /// Value type.
        value: TypeId,
    },
    /// `chan T`
    Chan {
        /// Direction.
        dir: ChanDir,
        /// Element type.
        elem: TypeId,
    },
    /// A function signature.
    Signature(Signature),
    /// `struct { ... }`
    Struct(Struct),
    /// `interface { ... }`
    Interface(Interface),
    /// `A | ~B` (only inside interfaces).
    Union(Vec<Term>),
    /// Several values (multi-value calls).
    Tuple(Vec<TypeId>),
    /// A declared type, not instantiated (or not generic).
    Named(NamedId),
    /// A generic declared type with type arguments.
    Instance {
        /// The generic type.
        named: NamedId,
        /// Its type arguments.
        args: Vec<TypeId>,
    },
    /// A type parameter.
    TypeParam(TypeParamId),
}

/// A function signature (the receiver is kept on the method, not here).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Signature {
    /// Type parameters (`TypeParam` types).
    pub type_params: Vec<TypeId>,
    /// Parameter types (the last is a slice when `variadic`).
    pub params: Vec<TypeId>,
    /// Result types.
    pub results: Vec<TypeId>,
    /// Whether the last parameter is `...T`.
    pub variadic: bool,
}

/// A struct field.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Field {
    /// Name (for embedded fields, the type's name).
    pub name: String,
    /// Type.
    pub ty: TypeId,
    /// Embedded field.
    pub embedded: bool,
    /// The tag's value (`json:"a"`), if not empty: part of the struct type's identity.
    pub tag: Option<Box<[u8]>>,
    /// Package declaring the field (unexported names are package-qualified).
    pub pkg: PkgId,
}

/// A struct type.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Struct {
    /// Fields in order.
    pub fields: Vec<Field>,
}

/// An interface method.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IfaceMethod {
    /// Name.
    pub name: String,
    /// Its signature (a `Signature` type).
    pub sig: TypeId,
    /// Package declaring the method (`None` for `error.Error`).
    pub pkg: Option<PkgId>,
}

/// An interface type as written: explicit methods and embedded elements.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Interface {
    /// Explicitly declared methods.
    pub methods: Vec<IfaceMethod>,
    /// Embedded interfaces, types and unions.
    pub embeddeds: Vec<TypeId>,
    /// The universe's `any` (an empty interface that go/types prints as `any`).
    pub is_any: bool,
}

/// A union term.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Term {
    /// `~T`
    pub tilde: bool,
    /// `T`
    pub ty: TypeId,
}
