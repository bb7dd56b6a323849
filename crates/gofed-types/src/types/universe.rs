//! The universe scope and the `unsafe` package.

use foldhash::{HashMap, HashMapExt as _};

use super::ty::{BasicKind, IfaceMethod, Interface, Signature, Type};
use super::{Builtin, Named, ObjId, ObjKind, ObjState, Object, Package, Program};

fn add_object(
    program: &mut Program,
    name: &str,
    kind: ObjKind,
    pkg: Option<super::PkgId>,
) -> ObjId {
    let id = ObjId(program.objects.len() as u32);
    program.objects.push(Object {
        name: name.into(),
        pkg,
        kind,
        decl: None,
        state: ObjState::Done,
    });
    id
}

/// Fills the universe: basic types (with `byte`, `rune` and `any` as aliases), `error`,
/// `comparable`, `true`/`false`/`nil`/`iota` and the builtins; and creates package `unsafe`.
pub(super) fn populate(program: &mut Program) {
    for kind in BasicKind::ALL {
        let id = program.intern(Type::Basic(kind));
        program.basic.insert(kind, id);
    }
    let basic_names: [(&'static str, BasicKind); 19] = [
        ("bool", BasicKind::Bool),
        ("int", BasicKind::Int),
        ("int8", BasicKind::Int8),
        ("int16", BasicKind::Int16),
        ("int32", BasicKind::Int32),
        ("int64", BasicKind::Int64),
        ("uint", BasicKind::Uint),
        ("uint8", BasicKind::Uint8),
        ("uint16", BasicKind::Uint16),
        ("uint32", BasicKind::Uint32),
        ("uint64", BasicKind::Uint64),
        ("uintptr", BasicKind::Uintptr),
        ("float32", BasicKind::Float32),
        ("float64", BasicKind::Float64),
        ("complex64", BasicKind::Complex64),
        ("complex128", BasicKind::Complex128),
        ("string", BasicKind::String),
        ("byte", BasicKind::Byte),
        ("rune", BasicKind::Rune),
    ];
    for (name, kind) in basic_names {
        let ty = program.basic(kind);
        let alias = name == "byte" || name == "rune";
        let obj = add_object(program, name, ObjKind::TypeName { ty, alias }, None);
        program.universe.insert(name, obj);
    }

    let empty = program.intern(Type::Interface(Interface::default()));
    program.empty_interface = empty;
    let any_ty = program.intern(Type::Interface(Interface {
        is_any: true,
        ..Interface::default()
    }));
    let any = add_object(
        program,
        "any",
        ObjKind::TypeName {
            ty: any_ty,
            alias: true,
        },
        None,
    );
    program.universe.insert("any", any);

    // error: interface { Error() string }
    let string = program.basic(BasicKind::String);
    let error_sig = program.intern(Type::Signature(Signature {
        results: vec![string],
        ..Signature::default()
    }));
    let error_iface = program.intern(Type::Interface(Interface {
        methods: vec![IfaceMethod {
            name: "Error".into(),
            sig: error_sig,
            pkg: None,
        }],
        embeddeds: Vec::new(),
        is_any: false,
    }));
    program.error_type = add_universe_named(program, "error", error_iface);
    // comparable: a type set interface; its underlying is an empty interface marked by name.
    program.comparable_type = add_universe_named(program, "comparable", empty);

    let untyped_bool = program.basic(BasicKind::UntypedBool);
    for (name, b) in [("true", true), ("false", false)] {
        let obj = add_object(
            program,
            name,
            ObjKind::Const {
                ty: untyped_bool,
                val: Box::new(crate::constant::Value::bool(b)),
            },
            None,
        );
        program.universe.insert(name, obj);
    }
    let nil = add_object(program, "nil", ObjKind::Nil, None);
    program.universe.insert("nil", nil);
    // iota is resolved by the constant evaluator from its context.
    let untyped_int = program.basic(BasicKind::UntypedInt);
    let iota = add_object(
        program,
        "iota",
        ObjKind::Const {
            ty: untyped_int,
            val: Box::new(crate::constant::Value::int64(0)),
        },
        None,
    );
    program.universe.insert("iota", iota);

    let builtins: [(&'static str, Builtin); 18] = [
        ("append", Builtin::Append),
        ("cap", Builtin::Cap),
        ("clear", Builtin::Clear),
        ("close", Builtin::Close),
        ("complex", Builtin::Complex),
        ("copy", Builtin::Copy),
        ("delete", Builtin::Delete),
        ("imag", Builtin::Imag),
        ("len", Builtin::Len),
        ("make", Builtin::Make),
        ("max", Builtin::Max),
        ("min", Builtin::Min),
        ("new", Builtin::New),
        ("panic", Builtin::Panic),
        ("print", Builtin::Print),
        ("println", Builtin::Println),
        ("real", Builtin::Real),
        ("recover", Builtin::Recover),
    ];
    for (name, builtin) in builtins {
        let obj = add_object(program, name, ObjKind::Builtin(builtin), None);
        program.universe.insert(name, obj);
    }

    // Package unsafe.
    let pkg = super::PkgId(program.packages.len() as u32);
    let mut scope = HashMap::new();
    let pointer = program.basic(BasicKind::UnsafePointer);
    let obj = add_object(
        program,
        "Pointer",
        ObjKind::TypeName {
            ty: pointer,
            alias: false,
        },
        Some(pkg),
    );
    scope.insert("Pointer".to_owned(), obj);
    for (name, builtin) in [
        ("Sizeof", Builtin::Sizeof),
        ("Alignof", Builtin::Alignof),
        ("Offsetof", Builtin::Offsetof),
        ("Add", Builtin::Add),
        ("Slice", Builtin::Slice),
        ("SliceData", Builtin::SliceData),
        ("String", Builtin::String),
        ("StringData", Builtin::StringData),
    ] {
        let obj = add_object(program, name, ObjKind::Builtin(builtin), Some(pkg));
        scope.insert(name.to_owned(), obj);
    }
    program.packages.push(Package {
        path: "unsafe".into(),
        name: "unsafe".into(),
        files: Vec::new(),
        scope,
        errors: Vec::new(),
        file_imports: Vec::new(),
        missing: false,
        released: None,
    });
    program.by_path.insert("unsafe".into(), pkg);
    program.unsafe_pkg = Some(pkg);
}

fn add_universe_named(
    program: &mut Program,
    name: &'static str,
    underlying: super::TypeId,
) -> super::TypeId {
    let obj = ObjId(program.objects.len() as u32);
    let named = super::NamedId(program.named.len() as u32);
    program.named.push(Named {
        obj,
        pkg: None,
        name: name.into(),
        type_params: Vec::new(),
        underlying: Some(underlying),
        methods: Vec::new(),
        state: ObjState::Done,
        tparams_state: ObjState::Done,
        decl: None,
        validated: true,
    });
    let ty = program.intern(Type::Named(named));
    add_object(program, name, ObjKind::TypeName { ty, alias: false }, None);
    program.universe.insert(name, obj);
    ty
}
