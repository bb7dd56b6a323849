//! Method sets (go/types' `NewMethodSet`), field and method lookup through embedded fields,
//! interface method sets, and type sizes for `unsafe`.

use std::collections::BTreeMap;
use std::sync::Arc;

use foldhash::{HashMap, HashMapExt as _, HashSet, HashSetExt as _};

use super::check::{method_signature, named_type_params, subst, underlying};
use super::ty::{BasicKind, PkgId, Type, TypeId};
use super::{Program, STACK_RED_ZONE, STACK_SEGMENT};

/// One method of a method set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MethodEntry {
    /// Name.
    pub name: String,
    /// Package of an unexported method (methods are identified by package and name).
    pub pkg: Option<PkgId>,
    /// Signature (type parameters of the receiver substituted for instances).
    pub sig: TypeId,
    /// The receiver's type parameters (for methods of generic types, as declared).
    pub recv_type_params: Vec<TypeId>,
    /// The type that declares the method: the named type of a concrete method (its
    /// receiver's base type), or the interface type of an interface method.
    pub declared_on: TypeId,
    /// A concrete method with a pointer receiver.
    pub ptr_recv: bool,
    /// The alias a concrete method's receiver is written as (`Method::recv_alias`).
    pub recv_alias: Option<String>,
}

#[derive(Clone, Debug)]
struct Embedded {
    ty: TypeId,
    indirect: bool,
    multiples: bool,
}

/// go/types' method identity key: exported names are global, others are per package.
fn method_key(name: &str, pkg: Option<PkgId>) -> (String, Option<PkgId>) {
    if super::is_exported(name) {
        (name.to_owned(), None)
    } else {
        (name.to_owned(), pkg)
    }
}

/// The method set of `ty` (a type, or a pointer to one), sorted as go/types sorts it:
/// exported names first by name... (callers sort as they need; cmd/api sorts its lines).
pub fn method_set(p: &mut Program, ty: TypeId) -> Vec<MethodEntry> {
    let (typ, is_ptr) = deref(p, ty);
    let under = underlying(p, typ);
    if let Type::Interface(_) = p.ty(under) {
        if is_ptr {
            return Vec::new();
        }
        return interface_methods(p, typ);
    }
    type Key = (String, Option<PkgId>);
    let mut base: BTreeMap<Key, Option<MethodEntry>> = BTreeMap::new();
    let mut current = vec![Embedded {
        ty: typ,
        indirect: is_ptr,
        multiples: false,
    }];
    let mut seen: HashSet<TypeId> = HashSet::new();
    let mut depth = 0;
    while !current.is_empty() && depth < 64 {
        depth += 1;
        let mut next = Vec::new();
        let mut fset: HashSet<Key> = HashSet::new();
        let mut mset: HashMap<Key, Option<MethodEntry>> = HashMap::new();
        for e in &current {
            let typ = e.ty;
            if let Some((named, args)) = named_of(p, typ) {
                if !seen.insert(typ) {
                    continue;
                }
                let tparams = named_type_params(p, named);
                let map: Vec<(TypeId, TypeId)> = tparams.into_iter().zip(args).collect();
                for i in 0..p.named[named.0 as usize].methods.len() {
                    let sig = method_signature(p, named, i);
                    let sig = subst(p, sig, &map);
                    let m = &p.named[named.0 as usize].methods[i];
                    let ptr_recv = m.ptr_recv;
                    let entry = MethodEntry {
                        name: m.name.to_string(),
                        pkg: p.named[named.0 as usize].pkg,
                        sig,
                        recv_type_params: m.recv_type_params.to_vec(),
                        declared_on: typ,
                        ptr_recv,
                        recv_alias: m.recv_alias.as_deref().map(str::to_owned),
                    };
                    add_one(&mut mset, entry, e.indirect, e.multiples, ptr_recv);
                }
            }
            let under = underlying(p, typ);
            match p.ty(under).clone() {
                Type::Struct(s) => {
                    for f in &s.fields {
                        fset.insert(method_key(&f.name, Some(f.pkg)));
                        if f.embedded {
                            let (ft, fptr) = deref(p, f.ty);
                            next.push(Embedded {
                                ty: ft,
                                indirect: e.indirect || fptr,
                                multiples: e.multiples,
                            });
                        }
                    }
                }
                Type::Interface(_) => {
                    for m in interface_methods(p, typ) {
                        add_one(&mut mset, m, true, e.multiples, false);
                    }
                }
                _ => {}
            }
        }
        for (k, m) in mset {
            // Fields collide with methods of the same name at this depth.
            let blocked = fset.contains(&k);
            base.entry(k).or_insert(if blocked { None } else { m });
        }
        for k in fset {
            base.entry(k).or_insert(None);
        }
        current = consolidate(next);
    }
    base.into_values().flatten().collect()
}

fn add_one(
    mset: &mut HashMap<(String, Option<PkgId>), Option<MethodEntry>>,
    m: MethodEntry,
    indirect: bool,
    multiples: bool,
    ptr_recv: bool,
) {
    let key = method_key(&m.name, m.pkg);
    if !multiples && !mset.contains_key(&key) && (indirect || !ptr_recv) {
        mset.insert(key, Some(m));
        return;
    }
    mset.insert(key, None); // collision
}

/// Embedded types appearing several times at one depth collide.
fn consolidate(list: Vec<Embedded>) -> Vec<Embedded> {
    let mut out: Vec<Embedded> = Vec::new();
    for e in list {
        if let Some(prev) = out.iter_mut().find(|x| x.ty == e.ty) {
            prev.multiples = true;
        } else {
            out.push(e);
        }
    }
    out
}

/// `*T` → (`T`, true); other types unchanged.
fn deref(p: &Program, ty: TypeId) -> (TypeId, bool) {
    match p.ty(ty) {
        Type::Pointer(base) => (*base, true),
        _ => (ty, false),
    }
}

fn named_of(p: &Program, ty: TypeId) -> Option<(super::NamedId, Vec<TypeId>)> {
    match p.ty(ty) {
        Type::Named(n) => Some((*n, Vec::new())),
        Type::Instance { named, args } => Some((*named, args.clone())),
        _ => None,
    }
}

/// All methods of an interface type, including those of embedded interfaces, deduplicated.
pub fn interface_methods(p: &mut Program, ty: TypeId) -> Vec<MethodEntry> {
    let mut in_progress = HashSet::new();
    interface_methods_cached(p, ty, &mut in_progress).0.to_vec()
}

/// The methods of `ty` and whether they are complete (a cycle through an invalid embedding
/// was cut). Complete lists are kept per type, so a chain of n interfaces each embedding the
/// previous one costs O(n) work in all, not O(n) per interface (go/types computes each
/// interface's type set once too).
fn interface_methods_cached(
    p: &mut Program,
    ty: TypeId,
    in_progress: &mut HashSet<TypeId>,
) -> (Arc<[MethodEntry]>, bool) {
    if let Some(methods) = p.iface_methods.get(&ty) {
        return (Arc::clone(methods), true);
    }
    if !in_progress.insert(ty) {
        return (Arc::from(Vec::new()), false);
    }
    let (methods, complete) = stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || {
        compute_interface_methods(p, ty, in_progress)
    });
    in_progress.remove(&ty);
    if complete {
        let bytes = (methods.len() * std::mem::size_of::<MethodEntry>()) as u64;
        let _ = p.budget().charge("interface method sets", bytes);
        p.iface_methods.insert(ty, Arc::clone(&methods));
    }
    (methods, complete)
}

fn compute_interface_methods(
    p: &mut Program,
    ty: TypeId,
    in_progress: &mut HashSet<TypeId>,
) -> (Arc<[MethodEntry]>, bool) {
    let under = underlying(p, ty);
    let Type::Interface(iface) = p.ty(under).clone() else {
        return (Arc::from(Vec::new()), true);
    };
    let mut out: Vec<MethodEntry> = Vec::new();
    let mut keys: HashSet<(String, Option<PkgId>)> = HashSet::new();
    for m in &iface.methods {
        if keys.insert(method_key(&m.name, m.pkg)) {
            out.push(MethodEntry {
                name: m.name.clone(),
                pkg: m.pkg,
                sig: m.sig,
                recv_type_params: Vec::new(),
                declared_on: ty,
                ptr_recv: false,
                recv_alias: None,
            });
        }
    }
    let mut complete = true;
    for &e in &iface.embeddeds {
        if p.budget().check().is_err() {
            complete = false;
            break;
        }
        let (embedded, embedded_complete) = interface_methods_cached(p, e, in_progress);
        complete &= embedded_complete;
        for m in embedded.iter() {
            if keys.insert(method_key(&m.name, m.pkg)) {
                out.push(m.clone());
            }
        }
    }
    (out.into(), complete)
}

/// What a selector `x.name` selects: a field or a method, found through embedded fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    /// The field's type or the method's signature (type arguments substituted).
    pub ty: TypeId,
    /// A method (else a field).
    pub is_method: bool,
    /// The package that declares it: the struct's for a field, the declaring type's for a
    /// method (`None` for `error.Error`).
    pub pkg: Option<PkgId>,
    /// The type whose struct or method set declares it: a declared type (or instance), or
    /// the struct, interface or type parameter itself.
    pub owner: TypeId,
}

/// The type of `x.name` for a value `x` of type `ty`: a field's type or a method's
/// signature, found through embedded fields (shallowest depth, unambiguous).
pub fn lookup_field_or_method(p: &mut Program, ty: TypeId, name: &str) -> Option<TypeId> {
    lookup_member(p, ty, name).map(|m| m.ty)
}

/// The field or method `x.name` selects for a value `x` of type `ty` (go/types'
/// `LookupFieldOrMethod`): the shallowest one through embedded fields, `None` when there is
/// none or several at that depth. A type parameter's methods are its constraint's.
pub fn lookup_member(p: &mut Program, ty: TypeId, name: &str) -> Option<Member> {
    let (typ, is_ptr) = deref(p, ty);
    let mut current = vec![Embedded {
        ty: typ,
        indirect: is_ptr,
        multiples: false,
    }];
    let mut seen = HashSet::new();
    for _ in 0..64 {
        if current.is_empty() {
            return None;
        }
        let mut found: Option<Member> = None;
        let mut n_found = 0;
        let mut next = Vec::new();
        for e in &current {
            if let Some((named, args)) = named_of(p, e.ty) {
                if !seen.insert(e.ty) {
                    continue;
                }
                if let Some(i) = p.named[named.0 as usize]
                    .methods
                    .iter()
                    .position(|m| *m.name == *name)
                {
                    let sig = method_signature(p, named, i);
                    let tparams = named_type_params(p, named);
                    let map: Vec<(TypeId, TypeId)> = tparams.into_iter().zip(args).collect();
                    found = Some(Member {
                        ty: subst(p, sig, &map),
                        is_method: true,
                        pkg: p.named[named.0 as usize].pkg,
                        owner: e.ty,
                    });
                    n_found += 1 + usize::from(e.multiples);
                    continue;
                }
            }
            // A type parameter's methods are those of its constraint.
            let typ = match p.ty(e.ty) {
                Type::TypeParam(id) => p.type_params[id.0 as usize].constraint,
                _ => e.ty,
            };
            let under = underlying(p, typ);
            match p.ty(under).clone() {
                Type::Struct(s) => {
                    for f in &s.fields {
                        if f.name == name {
                            found = Some(Member {
                                ty: f.ty,
                                is_method: false,
                                pkg: Some(f.pkg),
                                owner: e.ty,
                            });
                            n_found += 1 + usize::from(e.multiples);
                        } else if f.embedded {
                            let (ft, fptr) = deref(p, f.ty);
                            next.push(Embedded {
                                ty: ft,
                                indirect: e.indirect || fptr,
                                multiples: e.multiples,
                            });
                        }
                    }
                }
                Type::Interface(_) => {
                    if let Some(m) = interface_methods(p, typ)
                        .into_iter()
                        .find(|m| m.name == name)
                    {
                        found = Some(Member {
                            ty: m.sig,
                            is_method: true,
                            pkg: m.pkg,
                            owner: m.declared_on,
                        });
                        n_found += 1 + usize::from(e.multiples);
                    }
                }
                _ => {}
            }
        }
        match n_found {
            0 => current = consolidate(next),
            1 => return found,
            _ => return None, // ambiguous selector
        }
    }
    None
}

/// The signature of method `name` of type `ty` (for method expressions).
pub fn lookup_method(p: &mut Program, ty: TypeId, name: &str) -> Option<TypeId> {
    let set = method_set(p, ty);
    set.into_iter().find(|m| m.name == name).map(|m| m.sig)
}

/// `unsafe.Sizeof` of a type, with the gc compiler's layout (go/types' `StdSizes`); `None`
/// when it is larger than go/types allows (`maxInt64` bytes: "too large").
pub fn sizeof(p: &mut Program, ty: TypeId) -> Option<u64> {
    sizeof_depth(p, ty, 0)
}

/// go/types' limit on sizes: `maxInt64` (a size past it is "too large").
const MAX_SIZE: u64 = i64::MAX as u64;

fn sizeof_depth(p: &mut Program, ty: TypeId, depth: u32) -> Option<u64> {
    stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || sizeof_inner(p, ty, depth))
}

fn sizeof_inner(p: &mut Program, ty: TypeId, depth: u32) -> Option<u64> {
    if depth > 100_000 {
        return Some(0);
    }
    let word = p.sizes().word_size;
    let under = underlying(p, ty);
    let size = match p.ty(under).clone() {
        Type::Basic(kind) => match kind {
            BasicKind::Bool | BasicKind::Int8 | BasicKind::Uint8 | BasicKind::Byte => 1,
            BasicKind::Int16 | BasicKind::Uint16 => 2,
            BasicKind::Int32 | BasicKind::Uint32 | BasicKind::Float32 | BasicKind::Rune => 4,
            BasicKind::Int64 | BasicKind::Uint64 | BasicKind::Float64 | BasicKind::Complex64 => 8,
            BasicKind::Complex128 => 16,
            BasicKind::String => 2 * word,
            _ => word,
        },
        Type::Array { len, elem } => {
            let n = len.unwrap_or(0);
            if n == 0 {
                return Some(0);
            }
            let esize = sizeof_depth(p, elem, depth + 1)?;
            if esize == 0 {
                return Some(0);
            }
            let align = alignof_depth(p, elem, depth + 1);
            align_up(esize, align)?
                .checked_mul(n - 1)?
                .checked_add(esize)?
        }
        Type::Slice(_) => 3 * word,
        Type::Interface(_) => 2 * word,
        Type::Struct(s) => {
            if s.fields.is_empty() {
                return Some(0);
            }
            let mut offset = 0u64;
            let mut max_align = 1;
            for f in &s.fields {
                let align = alignof_depth(p, f.ty, depth + 1);
                max_align = max_align.max(align);
                offset = align_up(offset, align)?;
                offset = offset.checked_add(sizeof_depth(p, f.ty, depth + 1)?)?;
                if offset > MAX_SIZE {
                    return None;
                }
            }
            align_up(offset, max_align)?
        }
        _ => word,
    };
    (size <= MAX_SIZE).then_some(size)
}

/// `unsafe.Alignof` of a type.
pub fn alignof(p: &mut Program, ty: TypeId) -> u64 {
    alignof_depth(p, ty, 0)
}

fn alignof_depth(p: &mut Program, ty: TypeId, depth: u32) -> u64 {
    stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || {
        alignof_inner(p, ty, depth)
    })
}

fn alignof_inner(p: &mut Program, ty: TypeId, depth: u32) -> u64 {
    if depth > 100_000 {
        return 1;
    }
    let sizes = p.sizes();
    let under = underlying(p, ty);
    let a = match p.ty(under).clone() {
        Type::Array { elem, .. } => return alignof_depth(p, elem, depth + 1),
        Type::Struct(s) => {
            let mut max = 1;
            for f in &s.fields {
                max = max.max(alignof_depth(p, f.ty, depth + 1));
            }
            return max;
        }
        Type::Slice(_) | Type::Interface(_) => sizes.word_size,
        Type::Basic(kind) if kind.is_string() => sizes.word_size,
        // Basic types and words: never too large.
        _ => sizeof_depth(p, ty, depth + 1).unwrap_or(sizes.max_align),
    };
    a.clamp(1, sizes.max_align)
}

/// `unsafe.Offsetof(x.f)` for a field of a struct type `ty` (direct fields only); `None`
/// when there is no such field or the offset is too large.
pub fn offsetof(p: &mut Program, ty: TypeId, field: &str) -> Option<u64> {
    let (typ, _) = deref(p, ty);
    let under = underlying(p, typ);
    let Type::Struct(s) = p.ty(under).clone() else {
        return None;
    };
    let mut offset = 0u64;
    for f in &s.fields {
        let align = alignof(p, f.ty);
        offset = align_up(offset, align)?;
        if f.name == field {
            return (offset <= MAX_SIZE).then_some(offset);
        }
        offset = offset.checked_add(sizeof(p, f.ty)?)?;
    }
    None
}

/// `x` rounded up to a multiple of `align`; `None` on overflow.
fn align_up(x: u64, align: u64) -> Option<u64> {
    let align = align.max(1);
    x.div_ceil(align).checked_mul(align)
}
