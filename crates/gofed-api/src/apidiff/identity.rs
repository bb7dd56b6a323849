//! Type identity across programs, `implements` and `comparable` (go/types' `Identical`,
//! `Implements`, `Comparable`) for the differ.

use crate::types::methodset::{interface_methods, method_set};
use crate::types::ty::{Term, Type, TypeId};
use crate::types::Program;

/// Whether `a` (in `pa`) and `b` (in `pb`) are identical types: declared types by package
/// path and name, the rest structurally (`byte` is `uint8`, `any` is `interface{}`).
pub fn identical(pa: &mut Program, a: TypeId, pb: &mut Program, b: TypeId) -> bool {
    ident(pa, a, pb, b, 0)
}

fn ident(pa: &mut Program, a: TypeId, pb: &mut Program, b: TypeId, depth: u32) -> bool {
    if depth > 10_000 {
        return false;
    }
    match (pa.ty(a).clone(), pb.ty(b).clone()) {
        (Type::Basic(x), Type::Basic(y)) => x.canonical() == y.canonical(),
        (Type::Pointer(x), Type::Pointer(y)) | (Type::Slice(x), Type::Slice(y)) => {
            ident(pa, x, pb, y, depth + 1)
        }
        (Type::Array { len: l1, elem: e1 }, Type::Array { len: l2, elem: e2 }) => {
            l1 == l2 && ident(pa, e1, pb, e2, depth + 1)
        }
        (Type::Map { key: k1, value: v1 }, Type::Map { key: k2, value: v2 }) => {
            ident(pa, k1, pb, k2, depth + 1) && ident(pa, v1, pb, v2, depth + 1)
        }
        (Type::Chan { dir: d1, elem: e1 }, Type::Chan { dir: d2, elem: e2 }) => {
            d1 == d2 && ident(pa, e1, pb, e2, depth + 1)
        }
        (Type::Signature(s1), Type::Signature(s2)) => {
            s1.variadic == s2.variadic
                && s1.type_params.len() == s2.type_params.len()
                && s1.params.len() == s2.params.len()
                && s1.results.len() == s2.results.len()
                && s1
                    .params
                    .iter()
                    .zip(&s2.params)
                    .all(|(&x, &y)| ident(pa, x, pb, y, depth + 1))
                && s1
                    .results
                    .iter()
                    .zip(&s2.results)
                    .all(|(&x, &y)| ident(pa, x, pb, y, depth + 1))
        }
        (Type::Tuple(x), Type::Tuple(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(&y)
                    .all(|(&u, &v)| ident(pa, u, pb, v, depth + 1))
        }
        (Type::Struct(s1), Type::Struct(s2)) => {
            s1.fields.len() == s2.fields.len()
                && s1.fields.iter().zip(&s2.fields).all(|(f, g)| {
                    f.name == g.name
                        && f.embedded == g.embedded
                        && f.tag == g.tag
                        && ident(pa, f.ty, pb, g.ty, depth + 1)
                })
        }
        (Type::Interface(_), Type::Interface(_)) => {
            let mut ma = interface_methods(pa, a);
            let mut mb = interface_methods(pb, b);
            if ma.len() != mb.len() {
                return false;
            }
            ma.sort_by(|x, y| x.name.cmp(&y.name));
            mb.sort_by(|x, y| x.name.cmp(&y.name));
            ma.iter()
                .zip(&mb)
                .all(|(x, y)| x.name == y.name && ident(pa, x.sig, pb, y.sig, depth + 1))
                && type_set_terms(pa, a) == type_set_terms(pb, b)
        }
        (Type::Union(t1), Type::Union(t2)) => {
            t1.len() == t2.len()
                && t1
                    .iter()
                    .zip(&t2)
                    .all(|(x, y)| x.tilde == y.tilde && ident(pa, x.ty, pb, y.ty, depth + 1))
        }
        (Type::Named(n1), Type::Named(n2)) => same_declared(pa, n1, pb, n2),
        (
            Type::Instance {
                named: n1,
                args: a1,
            },
            Type::Instance {
                named: n2,
                args: a2,
            },
        ) => {
            same_declared(pa, n1, pb, n2)
                && a1.len() == a2.len()
                && a1
                    .iter()
                    .zip(&a2)
                    .all(|(&x, &y)| ident(pa, x, pb, y, depth + 1))
        }
        (Type::TypeParam(x), Type::TypeParam(y)) => {
            pa.type_params[x.0 as usize].index == pb.type_params[y.0 as usize].index
        }
        (Type::Invalid, Type::Invalid) => true,
        _ => false,
    }
}

/// A crude fingerprint of an interface's type-set elements (embedded non-interface terms).
fn type_set_terms(p: &mut Program, ty: TypeId) -> usize {
    let u = p.underlying(ty);
    match p.ty(u) {
        Type::Interface(i) => i.embeddeds.len(),
        _ => 0,
    }
}

fn same_declared(
    pa: &Program,
    a: crate::types::NamedId,
    pb: &Program,
    b: crate::types::NamedId,
) -> bool {
    let (na, nb) = (&pa.named[a.0 as usize], &pb.named[b.0 as usize]);
    let path = |p: &Program, pkg: Option<crate::types::PkgId>| pkg.map(|k| p.pkg(k).path.clone());
    na.name == nb.name && path(pa, na.pkg) == path(pb, nb.pkg)
}

/// go/types' `Implements(v, iface)`: the method set of `v` has every method of the
/// interface `iface` with an identical signature (interfaces: their method sets).
pub fn implements(p: &mut Program, v: TypeId, iface: TypeId) -> bool {
    // A constraint's type set must hold v (or, for an interface, all of v's type set).
    if let Some(allowed) = type_terms(p, iface, 0) {
        let u = p.underlying(v);
        let inside = if matches!(p.ty(u), Type::Interface(_)) {
            match type_terms(p, v, 0) {
                None => false,
                Some(have) => have
                    .iter()
                    .all(|h| allowed.iter().any(|a| term_includes(p, *a, *h))),
            }
        } else {
            allowed.iter().any(|a| {
                term_includes(
                    p,
                    *a,
                    Term {
                        tilde: false,
                        ty: v,
                    },
                )
            })
        };
        if !inside {
            return false;
        }
    }
    let want = interface_methods(p, iface);
    if want.is_empty() {
        return true;
    }
    let u = p.underlying(v);
    let have = if matches!(p.ty(u), Type::Interface(_)) {
        interface_methods(p, v)
    } else {
        method_set(p, v)
    };
    for m in want {
        let Some(h) = have.iter().find(|h| {
            h.name == m.name && (h.pkg == m.pkg || m.name.starts_with(char::is_uppercase))
        }) else {
            return false;
        };
        let (hs, ms) = (h.sig, m.sig);
        if !same_program_identical(p, hs, ms) {
            return false;
        }
    }
    true
}

/// go/types' `AssignableTo` of a value of type `v` to a variable of type `t`, both of one
/// program: `None` where it cannot be told (a type parameter, whose answer depends on the
/// instantiation; a type the checker could not determine). Untyped constants are the caller's
/// (they need their value); an untyped non-constant value (a comparison's `bool`) is handled.
pub fn assignable(p: &mut Program, v: TypeId, t: TypeId) -> Option<bool> {
    if !known(p, v, 0) || !known(p, t, 0) {
        return None;
    }
    if same_program_identical(p, v, t) {
        return Some(true);
    }
    let (vu, tu) = (p.underlying(v), p.underlying(t));
    if let Type::Basic(k) = *p.ty(vu) {
        if k.is_untyped() {
            return match p.ty(tu).clone() {
                Type::Basic(tk) => {
                    Some(k == crate::types::BasicKind::UntypedBool && tk.is_boolean())
                }
                Type::Interface(_) => {
                    let default = crate::types::default_type(p, v);
                    Some(implements(p, default, t))
                }
                _ => Some(false),
            };
        }
    }
    // A named type is a declared one or a predeclared one (go/types' `hasName`).
    let named = |p: &Program, ty: TypeId| {
        matches!(
            p.ty(ty),
            Type::Named(_) | Type::Instance { .. } | Type::Basic(_)
        )
    };
    let either_unnamed = !named(p, v) || !named(p, t);
    if either_unnamed && same_program_identical(p, vu, tu) {
        return Some(true);
    }
    if let Type::Interface(_) = p.ty(tu) {
        return Some(implements(p, v, t));
    }
    if let (
        Type::Chan {
            dir: crate::ast::ChanDir::Both,
            elem: ve,
        },
        Type::Chan { elem: te, .. },
    ) = (p.ty(vu).clone(), p.ty(tu).clone())
    {
        return Some(either_unnamed && same_program_identical(p, ve, te));
    }
    Some(false)
}

/// Whether `ty` is fully known: no invalid or placeholder type, no type parameter in it (a
/// declared type's underlying is not entered: its name decides).
pub(crate) fn known(p: &Program, ty: TypeId, depth: u32) -> bool {
    if depth > 64 {
        return false;
    }
    if p.is_placeholder(ty) {
        return false;
    }
    let inner = |t: TypeId| known(p, t, depth + 1);
    match p.ty(ty) {
        Type::Invalid | Type::TypeParam(_) | Type::Union(_) => false,
        Type::Basic(_) | Type::Named(_) => true,
        Type::Pointer(x) | Type::Slice(x) => inner(*x),
        Type::Array { elem, .. } | Type::Chan { elem, .. } => inner(*elem),
        Type::Map { key, value } => inner(*key) && inner(*value),
        Type::Signature(s) => {
            s.type_params.is_empty() && s.params.iter().chain(&s.results).all(|&t| inner(t))
        }
        Type::Struct(s) => s.fields.iter().all(|f| inner(f.ty)),
        Type::Interface(i) => i.embeddeds.iter().all(|&t| inner(t)),
        Type::Tuple(ts) | Type::Instance { args: ts, .. } => ts.iter().all(|&t| inner(t)),
    }
}

/// go/types' `Identical` of two types of one program.
pub(crate) fn identical_in(p: &mut Program, a: TypeId, b: TypeId) -> bool {
    same_program_identical(p, a, b)
}

fn same_program_identical(p: &mut Program, a: TypeId, b: TypeId) -> bool {
    if a == b {
        return true;
    }
    let snapshot_a = p.ty(a).clone();
    let snapshot_b = p.ty(b).clone();
    match (snapshot_a, snapshot_b) {
        (Type::Basic(x), Type::Basic(y)) => x.canonical() == y.canonical(),
        (Type::Pointer(x), Type::Pointer(y)) | (Type::Slice(x), Type::Slice(y)) => {
            same_program_identical(p, x, y)
        }
        (Type::Array { len: l1, elem: e1 }, Type::Array { len: l2, elem: e2 }) => {
            l1 == l2 && same_program_identical(p, e1, e2)
        }
        (Type::Map { key: k1, value: v1 }, Type::Map { key: k2, value: v2 }) => {
            same_program_identical(p, k1, k2) && same_program_identical(p, v1, v2)
        }
        (Type::Chan { dir: d1, elem: e1 }, Type::Chan { dir: d2, elem: e2 }) => {
            d1 == d2 && same_program_identical(p, e1, e2)
        }
        (Type::Signature(s1), Type::Signature(s2)) => {
            s1.variadic == s2.variadic
                && s1.params.len() == s2.params.len()
                && s1.results.len() == s2.results.len()
                && s1
                    .params
                    .iter()
                    .zip(&s2.params)
                    .all(|(&x, &y)| same_program_identical(p, x, y))
                && s1
                    .results
                    .iter()
                    .zip(&s2.results)
                    .all(|(&x, &y)| same_program_identical(p, x, y))
        }
        (Type::Interface(i1), Type::Interface(i2)) => {
            i1.is_any && i2.methods.is_empty() && i2.embeddeds.is_empty()
                || i2.is_any && i1.methods.is_empty() && i1.embeddeds.is_empty()
                || i1 == i2
        }
        (Type::Struct(s1), Type::Struct(s2)) => {
            s1.fields.len() == s2.fields.len()
                && s1.fields.iter().zip(&s2.fields).all(|(f, g)| {
                    f.name == g.name
                        && f.embedded == g.embedded
                        && f.tag == g.tag
                        && same_program_identical(p, f.ty, g.ty)
                })
        }
        (
            Type::Instance {
                named: n1,
                args: a1,
            },
            Type::Instance {
                named: n2,
                args: a2,
            },
        ) => {
            n1 == n2
                && a1.len() == a2.len()
                && a1
                    .iter()
                    .zip(&a2)
                    .all(|(&x, &y)| same_program_identical(p, x, y))
        }
        _ => false,
    }
}

/// go/types' `Comparable` for the differ's struct check.
pub(crate) fn comparable(p: &mut Program, ty: TypeId) -> bool {
    comparable_depth(p, ty, 0)
}

fn comparable_depth(p: &mut Program, ty: TypeId, depth: u32) -> bool {
    if depth > 1_000 {
        return true;
    }
    let u = p.underlying(ty);
    match p.ty(u).clone() {
        Type::Slice(_) | Type::Map { .. } | Type::Signature(_) => false,
        Type::Struct(s) => s
            .fields
            .iter()
            .all(|f| comparable_depth(p, f.ty, depth + 1)),
        Type::Array { elem, .. } => comparable_depth(p, elem, depth + 1),
        _ => true,
    }
}

/// The type terms of an interface's type set: `None` when it is not restricted to terms (a
/// method-only interface). Several restricting elements intersect.
fn type_terms(p: &mut Program, iface: TypeId, depth: u32) -> Option<Vec<Term>> {
    if depth > 100 {
        return None;
    }
    let u = p.underlying(iface);
    let Type::Interface(i) = p.ty(u).clone() else {
        return None;
    };
    let mut result: Option<Vec<Term>> = None;
    for e in i.embeddeds {
        let terms = match p.ty(e).clone() {
            Type::Union(terms) => Some(terms),
            _ => {
                let eu = p.underlying(e);
                if matches!(p.ty(eu), Type::Interface(_)) {
                    type_terms(p, e, depth + 1)
                } else {
                    Some(vec![Term {
                        tilde: false,
                        ty: e,
                    }])
                }
            }
        };
        let Some(terms) = terms else { continue };
        result = Some(match result {
            None => terms,
            Some(prev) => prev
                .into_iter()
                .filter(|t| terms.iter().any(|u| term_includes(p, *u, *t)))
                .collect(),
        });
    }
    result
}

/// Whether term `outer` includes term `inner` (`~T` includes every type whose underlying
/// type is `T`).
fn term_includes(p: &mut Program, outer: Term, inner: Term) -> bool {
    if outer.tilde {
        let under = p.underlying(inner.ty);
        same_program_identical(p, under, outer.ty)
    } else {
        !inner.tilde && same_program_identical(p, inner.ty, outer.ty)
    }
}
