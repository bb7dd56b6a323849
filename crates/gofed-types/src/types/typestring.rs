//! Types printed as go/types' `TypeString` with `RelativeTo(pkg)` prints them: packages
//! other than `pkg` are qualified by their full import path, `byte`, `rune` and `any` stay
//! as written, structs and interfaces are spelled out. (cmd/api's own format is in
//! `crate::api`.)

use crate::ast::ChanDir;

use super::ty::{PkgId, Type, TypeId};
use super::Program;

/// `TypeString(ty, RelativeTo(relative_to))`; signatures without type parameters when
/// `plain_signature` (x/exp/apidiff prints signatures rebuilt without them).
pub fn type_string(p: &mut Program, ty: TypeId, relative_to: Option<PkgId>) -> String {
    let mut buf = String::new();
    write_type(p, &mut buf, ty, relative_to, true);
    buf
}

/// The longest type string written, in bytes: types are interned without their alias
/// names, so a chain of aliases each naming the previous one twice spells out 2^n copies
/// (go/types would print the alias name). Past the cap the text ends in `…`.
const MAX_TYPE_STRING: usize = 1 << 20;

fn write_type(
    p: &mut Program,
    buf: &mut String,
    ty: TypeId,
    rel: Option<PkgId>,
    plain_signature: bool,
) {
    if buf.len() > MAX_TYPE_STRING {
        if !buf.ends_with('…') {
            buf.push('…');
        }
        return;
    }
    stacker::maybe_grow(super::STACK_RED_ZONE, super::STACK_SEGMENT, || {
        write_inner(p, buf, ty, rel, plain_signature)
    });
}

fn write_inner(
    p: &mut Program,
    buf: &mut String,
    ty: TypeId,
    rel: Option<PkgId>,
    plain_signature: bool,
) {
    match p.ty(ty).clone() {
        Type::Invalid => buf.push_str("invalid type"),
        Type::Basic(kind) => buf.push_str(kind.go_name()),
        Type::Pointer(x) => {
            buf.push('*');
            write_type(p, buf, x, rel, plain_signature);
        }
        Type::Slice(x) => {
            buf.push_str("[]");
            write_type(p, buf, x, rel, plain_signature);
        }
        Type::Array { len, elem } => {
            buf.push('[');
            buf.push_str(&len.map_or_else(|| "-1".to_owned(), |n| n.to_string()));
            buf.push(']');
            write_type(p, buf, elem, rel, plain_signature);
        }
        Type::Map { key, value } => {
            buf.push_str("map[");
            write_type(p, buf, key, rel, plain_signature);
            buf.push(']');
            write_type(p, buf, value, rel, plain_signature);
        }
        Type::Chan { dir, elem } => {
            let (prefix, paren) = match dir {
                ChanDir::Both => (
                    "chan ",
                    matches!(
                        p.ty(elem),
                        Type::Chan {
                            dir: ChanDir::Recv,
                            ..
                        }
                    ),
                ),
                ChanDir::Send => ("chan<- ", false),
                ChanDir::Recv => ("<-chan ", false),
            };
            buf.push_str(prefix);
            if paren {
                buf.push('(');
            }
            write_type(p, buf, elem, rel, plain_signature);
            if paren {
                buf.push(')');
            }
        }
        Type::Signature(_) => {
            buf.push_str("func");
            write_signature(p, buf, ty, rel, plain_signature);
        }
        Type::Struct(s) => {
            buf.push_str("struct{");
            for (i, f) in s.fields.iter().enumerate() {
                if i > 0 {
                    buf.push_str("; ");
                }
                if !f.embedded {
                    buf.push_str(&f.name);
                    buf.push(' ');
                }
                write_type(p, buf, f.ty, rel, plain_signature);
                write_tag(buf, f.tag.as_deref());
            }
            buf.push('}');
        }
        Type::Interface(iface) => {
            if iface.is_any {
                buf.push_str("any");
                return;
            }
            buf.push_str("interface{");
            let mut first = true;
            // go/types keeps explicit methods sorted by their Id.
            let mut methods = iface.methods.clone();
            methods.sort_by_cached_key(|m| match m.pkg {
                Some(pkg) if !m.name.starts_with(char::is_uppercase) => {
                    format!("{}.{}", p.pkg(pkg).path, m.name)
                }
                _ => m.name.clone(),
            });
            for m in &methods {
                if !first {
                    buf.push_str("; ");
                }
                first = false;
                buf.push_str(&m.name);
                write_signature(p, buf, m.sig, rel, false);
            }
            for &e in &iface.embeddeds {
                if !first {
                    buf.push_str("; ");
                }
                first = false;
                write_type(p, buf, e, rel, plain_signature);
            }
            buf.push('}');
        }
        Type::Union(terms) => {
            for (i, t) in terms.iter().enumerate() {
                if i > 0 {
                    buf.push_str(" | ");
                }
                if t.tilde {
                    buf.push('~');
                }
                write_type(p, buf, t.ty, rel, plain_signature);
            }
        }
        Type::Tuple(items) => {
            buf.push('(');
            for (i, &t) in items.iter().enumerate() {
                if i > 0 {
                    buf.push_str(", ");
                }
                write_type(p, buf, t, rel, plain_signature);
            }
            buf.push(')');
        }
        Type::Named(named) | Type::Instance { named, .. } => {
            let n = p.named[named.0 as usize].clone();
            if let Some(pkg) = n.pkg {
                if Some(pkg) != rel {
                    buf.push_str(&p.packages[pkg.0 as usize].path);
                    buf.push('.');
                }
            }
            buf.push_str(&n.name);
            match p.ty(ty).clone() {
                Type::Instance { args, .. } => {
                    buf.push('[');
                    for (i, &a) in args.iter().enumerate() {
                        if i > 0 {
                            buf.push_str(", ");
                        }
                        write_type(p, buf, a, rel, plain_signature);
                    }
                    buf.push(']');
                }
                _ => {
                    let tparams = super::check::named_type_params(p, named);
                    if !tparams.is_empty() {
                        write_tparams(p, buf, &tparams, rel);
                    }
                }
            }
        }
        Type::TypeParam(id) => buf.push_str(&p.type_params[id.0 as usize].name),
    }
}

/// A struct field's tag as go/types prints it: ` "VALUE"` quoted by `strconv.Quote`.
pub fn write_tag(buf: &mut String, tag: Option<&[u8]>) {
    if let Some(tag) = tag {
        buf.push(' ');
        buf.push_str(&crate::constant::quote(tag));
    }
}

fn write_tparams(p: &mut Program, buf: &mut String, tparams: &[TypeId], rel: Option<PkgId>) {
    buf.push('[');
    for (i, &tp) in tparams.iter().enumerate() {
        if i > 0 {
            buf.push_str(", ");
        }
        write_type(p, buf, tp, rel, true);
        buf.push(' ');
        let constraint = match p.ty(tp) {
            Type::TypeParam(id) => p.type_params[id.0 as usize].constraint,
            _ => p.invalid(),
        };
        // An implicit interface (`[T ~int]`) prints as its element.
        match p.ty(constraint).clone() {
            Type::Interface(i)
                if i.methods.is_empty()
                    && i.embeddeds.len() == 1
                    && !is_interface(p, i.embeddeds[0]) =>
            {
                write_type(p, buf, i.embeddeds[0], rel, true);
            }
            _ => write_type(p, buf, constraint, rel, true),
        }
    }
    buf.push(']');
}

fn is_interface(p: &mut Program, ty: TypeId) -> bool {
    let under = p.underlying(ty);
    matches!(p.ty(under), Type::Interface(_))
}

fn write_signature(
    p: &mut Program,
    buf: &mut String,
    sig: TypeId,
    rel: Option<PkgId>,
    plain: bool,
) {
    let Type::Signature(s) = p.ty(sig).clone() else {
        return;
    };
    if !plain && !s.type_params.is_empty() {
        write_tparams(p, buf, &s.type_params, rel);
    }
    buf.push('(');
    for (i, &t) in s.params.iter().enumerate() {
        if i > 0 {
            buf.push_str(", ");
        }
        if s.variadic && i + 1 == s.params.len() {
            buf.push_str("...");
            let elem = match p.ty(t) {
                Type::Slice(e) => *e,
                _ => t,
            };
            write_type(p, buf, elem, rel, plain);
        } else {
            write_type(p, buf, t, rel, plain);
        }
    }
    buf.push(')');
    match s.results.len() {
        0 => {}
        1 => {
            buf.push(' ');
            write_type(p, buf, s.results[0], rel, plain);
        }
        _ => {
            buf.push_str(" (");
            for (i, &t) in s.results.iter().enumerate() {
                if i > 0 {
                    buf.push_str(", ");
                }
                write_type(p, buf, t, rel, plain);
            }
            buf.push(')');
        }
    }
}
