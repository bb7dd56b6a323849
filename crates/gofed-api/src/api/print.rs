//! Type strings exactly as cmd/api writes them (`writeType`, `writeSignature`).

use crate::ast::ChanDir;
use crate::constant::StringStyle;
use crate::types::methodset::interface_methods;
use crate::types::ty::{BasicKind, PkgId, Type, TypeId};
use crate::types::Program;
use crate::types::{STACK_RED_ZONE, STACK_SEGMENT};

/// The longest type string printed, in bytes. cmd/api expands aliases (`types.Unalias`), so
/// a chain of aliases each naming the previous one twice (`type F1 = func(F0, F0)`) spells
/// out 2^n copies: the interned type is small, its text is not. Go's own API (api/*.txt)
/// has no line over 463 bytes; 1 MiB leaves room for any generated code while keeping one
/// feature from costing more than that.
pub const MAX_TYPE_STRING: usize = 1 << 20;

/// Writes types relative to the package being walked (its own types are unqualified).
pub(crate) struct Printer {
    pub(crate) current: PkgId,
    /// How constant values are printed.
    pub(crate) style: StringStyle,
    /// Set when a type string reached [`MAX_TYPE_STRING`] (the text is then cut short).
    pub(crate) too_long: std::cell::Cell<bool>,
    /// Instantiated types are printed with their type arguments (Go 1.23 on).
    pub(crate) type_args: bool,
}

impl Printer {
    pub(crate) fn new(current: PkgId, style: StringStyle, type_args: bool) -> Printer {
        Printer {
            current,
            style,
            too_long: std::cell::Cell::new(false),
            type_args,
        }
    }

    /// Whether a type string was cut short since the last call, resetting the flag.
    pub(crate) fn take_too_long(&self) -> bool {
        self.too_long.replace(false)
    }

    pub(crate) fn type_string(&self, p: &mut Program, ty: TypeId) -> String {
        let mut buf = String::new();
        self.write_type(p, &mut buf, ty, 0);
        buf
    }

    pub(crate) fn signature_string(&self, p: &mut Program, sig: TypeId) -> String {
        let mut buf = String::new();
        self.write_signature(p, &mut buf, sig, 0);
        buf
    }

    fn write_type(&self, p: &mut Program, buf: &mut String, ty: TypeId, depth: u32) {
        // Past the cap every call returns at once, so printing stops after O(cap) calls
        // however large the expanded type is.
        if buf.len() > MAX_TYPE_STRING {
            self.too_long.set(true);
            return;
        }
        stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || {
            self.write_type_inner(p, buf, ty, depth)
        });
    }

    fn write_type_inner(&self, p: &mut Program, buf: &mut String, ty: TypeId, depth: u32) {
        match p.ty(ty).clone() {
            Type::Invalid => buf.push_str("invalid type"),
            Type::Basic(kind) => buf.push_str(match kind {
                BasicKind::UnsafePointer => "unsafe.Pointer",
                BasicKind::UntypedBool => "ideal-bool",
                BasicKind::UntypedInt => "ideal-int",
                BasicKind::UntypedRune => "ideal-char",
                BasicKind::UntypedFloat => "ideal-float",
                BasicKind::UntypedComplex => "ideal-complex",
                BasicKind::UntypedString => "ideal-string",
                BasicKind::UntypedNil => "untyped nil",
                other => other.name(),
            }),
            Type::Array { len, elem } => {
                buf.push('[');
                buf.push_str(&len.map_or_else(|| "?".to_owned(), |n| n.to_string()));
                buf.push(']');
                self.write_type(p, buf, elem, depth + 1);
            }
            Type::Slice(elem) => {
                buf.push_str("[]");
                self.write_type(p, buf, elem, depth + 1);
            }
            Type::Struct(_) => buf.push_str("struct"),
            Type::Pointer(elem) => {
                buf.push('*');
                self.write_type(p, buf, elem, depth + 1);
            }
            Type::Tuple(items) => {
                buf.push('(');
                for (i, &t) in items.iter().enumerate() {
                    if i > 0 {
                        buf.push_str(", ");
                    }
                    self.write_type(p, buf, t, depth + 1);
                }
                buf.push(')');
            }
            Type::Signature(_) => {
                buf.push_str("func");
                self.write_signature(p, buf, ty, depth + 1);
            }
            Type::Interface(iface) => {
                let mut names: Vec<String> = interface_methods(p, ty)
                    .into_iter()
                    .map(|m| m.name)
                    .collect();
                names.sort();
                let embeddeds = self.sorted_embeddeds(p, &iface.embeddeds, depth);
                let any = !names.is_empty() || !iface.embeddeds.is_empty();
                buf.push_str("interface{");
                if any {
                    buf.push(' ');
                }
                buf.push_str(&names.join(", "));
                buf.push_str(&embeddeds.join(", "));
                if any {
                    buf.push(' ');
                }
                buf.push('}');
            }
            Type::Union(terms) => {
                for (i, term) in terms.iter().enumerate() {
                    if i > 0 {
                        buf.push_str(" | ");
                    }
                    if term.tilde {
                        buf.push('~');
                    }
                    self.write_type(p, buf, term.ty, depth + 1);
                }
            }
            Type::Map { key, value } => {
                buf.push_str("map[");
                self.write_type(p, buf, key, depth + 1);
                buf.push(']');
                self.write_type(p, buf, value, depth + 1);
            }
            Type::Chan { dir, elem } => {
                buf.push_str(match dir {
                    ChanDir::Send => "chan<- ",
                    ChanDir::Recv => "<-chan ",
                    ChanDir::Both => "chan ",
                });
                self.write_type(p, buf, elem, depth + 1);
            }
            Type::Named(named) | Type::Instance { named, .. } => {
                let n = &p.named[named.0 as usize];
                if let Some(pkg) = n.pkg {
                    if pkg != self.current {
                        buf.push_str(&p.packages[pkg.0 as usize].name);
                        buf.push('.');
                    }
                }
                buf.push_str(&p.named[named.0 as usize].name);
                if let Type::Instance { args, .. } = p.ty(ty) {
                    if self.type_args && !args.is_empty() {
                        let args = args.clone();
                        buf.push('[');
                        for (i, &arg) in args.iter().enumerate() {
                            if i > 0 {
                                buf.push_str(", ");
                            }
                            self.write_type(p, buf, arg, depth + 1);
                        }
                        buf.push(']');
                    }
                }
            }
            Type::TypeParam(id) => {
                buf.push('$');
                buf.push_str(&p.type_params[id.0 as usize].index.to_string());
            }
        }
    }

    /// cmd/api's `sortedEmbeddeds`: union terms (also from embedded interface literals);
    /// other embedded types are left out.
    fn sorted_embeddeds(&self, p: &mut Program, embeddeds: &[TypeId], depth: u32) -> Vec<String> {
        let mut list = Vec::new();
        for &e in embeddeds {
            match p.ty(e).clone() {
                Type::Interface(inner) => {
                    list.extend(self.sorted_embeddeds(p, &inner.embeddeds, depth + 1))
                }
                Type::Union(_) => {
                    let mut buf = String::new();
                    self.write_type(p, &mut buf, e, depth + 1);
                    list.push(buf);
                }
                _ => {}
            }
        }
        list.sort();
        list
    }

    fn write_signature(&self, p: &mut Program, buf: &mut String, sig: TypeId, depth: u32) {
        let Type::Signature(s) = p.ty(sig).clone() else {
            return;
        };
        if !s.type_params.is_empty() {
            self.write_type_params(p, buf, &s.type_params, true, depth);
        }
        self.write_params(p, buf, &s.params, s.variadic, depth);
        match s.results.len() {
            0 => {}
            1 => {
                buf.push(' ');
                self.write_type(p, buf, s.results[0], depth + 1);
            }
            _ => {
                buf.push(' ');
                self.write_params(p, buf, &s.results, false, depth);
            }
        }
    }

    pub(crate) fn write_type_params(
        &self,
        p: &mut Program,
        buf: &mut String,
        tparams: &[TypeId],
        with_constraints: bool,
        depth: u32,
    ) {
        buf.push('[');
        for (i, &tp) in tparams.iter().enumerate() {
            if i > 0 {
                buf.push_str(", ");
            }
            self.write_type(p, buf, tp, depth + 1);
            if with_constraints {
                buf.push(' ');
                let constraint = match p.ty(tp) {
                    Type::TypeParam(id) => p.type_params[id.0 as usize].constraint,
                    _ => p.invalid(),
                };
                self.write_type(p, buf, constraint, depth + 1);
            }
        }
        buf.push(']');
    }

    fn write_params(
        &self,
        p: &mut Program,
        buf: &mut String,
        params: &[TypeId],
        variadic: bool,
        depth: u32,
    ) {
        buf.push('(');
        for (i, &t) in params.iter().enumerate() {
            if i > 0 {
                buf.push_str(", ");
            }
            let mut t = t;
            if variadic && i + 1 == params.len() {
                buf.push_str("...");
                if let Type::Slice(elem) = p.ty(t) {
                    t = *elem;
                }
            }
            self.write_type(p, buf, t, depth + 1);
        }
        buf.push(')');
    }
}
