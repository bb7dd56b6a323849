//! Go-syntax stubs of checked packages: every declaration a package's exported API reaches,
//! without bodies or initialisers (constants keep their exact values, variables their
//! types). gofed ships such stubs of the newest standard library ([`super::stdlib`]), so
//! the API of a project can be computed without a Go installation; the checker reads them
//! like any other Go source.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::fmt::Write as _;

use crate::ast::ChanDir;
use crate::constant::{self, Value};
use crate::types::ty::{BasicKind, PkgId, Type, TypeId};
use crate::types::{is_exported, ObjKind, Program};

use super::extract::exported_names;

/// Writes stubs for the exported API of `roots` and everything it refers to, as one text:
/// a header line, then per package `--- package PATH` followed by its Go source.
pub fn write_stubs(p: &mut Program, roots: &[PkgId], header: &str) -> String {
    let mut gen = StubGen {
        decls: BTreeMap::new(),
        queued: BTreeSet::new(),
        queue: VecDeque::new(),
        imports: HashMap::new(),
    };
    for &pkg in roots {
        for name in exported_names(p, pkg) {
            gen.want(pkg, &name);
        }
    }
    while let Some((pkg, name)) = gen.queue.pop_front() {
        let text = gen.decl(p, pkg, &name);
        if let Some(text) = text {
            gen.decls.entry(pkg).or_default().insert(name, text);
        }
    }
    let mut out = String::new();
    out.push_str(header);
    out.push('\n');
    let mut pkgs: Vec<PkgId> = gen.decls.keys().copied().collect();
    pkgs.sort_by_key(|&id| p.pkg(id).path.clone());
    for pkg in pkgs {
        let path = p.pkg(pkg).path.clone();
        let _ = writeln!(out, "--- package {path}");
        let _ = writeln!(out, "package {}", p.pkg(pkg).name);
        if let Some(imports) = gen.imports.get(&pkg) {
            let mut imports: Vec<(&String, &PkgId)> = imports.iter().map(|(k, v)| (v, k)).collect();
            imports.sort();
            for (alias, dep) in imports {
                let _ = writeln!(out, "import {alias} {:?}", p.pkg(*dep).path);
            }
        }
        if let Some(decls) = gen.decls.get(&pkg) {
            for text in decls.values() {
                out.push_str(text);
            }
        }
    }
    out
}

struct StubGen {
    /// Per package: declaration texts by name.
    decls: BTreeMap<PkgId, BTreeMap<String, String>>,
    queued: BTreeSet<(PkgId, String)>,
    queue: VecDeque<(PkgId, String)>,
    /// Per package: imported package → alias.
    imports: HashMap<PkgId, HashMap<PkgId, String>>,
}

impl StubGen {
    fn want(&mut self, pkg: PkgId, name: &str) {
        if self.queued.insert((pkg, name.to_owned())) {
            self.queue.push_back((pkg, name.to_owned()));
        }
    }

    fn alias(&mut self, from: PkgId, to: PkgId) -> String {
        let imports = self.imports.entry(from).or_default();
        let n = imports.len();
        imports
            .entry(to)
            .or_insert_with(|| format!("gofed_p{n}"))
            .clone()
    }

    /// The declaration of `pkg.name` (with methods for types).
    fn decl(&mut self, p: &mut Program, pkg: PkgId, name: &str) -> Option<String> {
        let &obj = p.pkg(pkg).scope.get(name)?;
        let kind = p.object(obj).kind.clone();
        let mut out = String::new();
        match kind {
            ObjKind::Const { ty, val } => {
                let lit = self.const_literal(p, &val, ty)?;
                if matches!(p.ty(ty), Type::Basic(k) if k.is_untyped()) {
                    let _ = writeln!(out, "const {name} = {lit}");
                } else {
                    let t = self.ty(p, pkg, ty);
                    let _ = writeln!(out, "const {name} {t} = {lit}");
                }
            }
            ObjKind::Var { ty } => {
                let t = self.ty(p, pkg, ty);
                let _ = writeln!(out, "var {name} {t}");
            }
            ObjKind::Func { sig } => {
                let s = self.signature(p, pkg, sig, true);
                let _ = writeln!(out, "func {name}{s}");
            }
            ObjKind::TypeName { ty, alias: true } => {
                let t = self.ty(p, pkg, ty);
                let _ = writeln!(out, "type {name} = {t}");
            }
            ObjKind::TypeName { ty, alias: false } => {
                let Type::Named(named) = *p.ty(ty) else {
                    return None;
                };
                p.complete_named(named);
                let n = p.named[named.0 as usize].clone();
                let tparams = self.type_params(p, pkg, &n.type_params);
                let under = n.underlying.unwrap_or(p.invalid());
                let u = self.ty(p, pkg, under);
                let _ = writeln!(out, "type {name}{tparams} {u}");
                let names: Vec<String> = n
                    .type_params
                    .iter()
                    .map(|&t| match p.ty(t) {
                        Type::TypeParam(id) => p.type_params[id.0 as usize].name.clone(),
                        _ => "_".into(),
                    })
                    .collect();
                let recv_args = if names.is_empty() {
                    String::new()
                } else {
                    format!("[{}]", names.join(", "))
                };
                // Unexported methods of concrete types never show in an API (interfaces keep
                // theirs: they decide "unexported methods").
                for m in n.methods.iter().filter(|m| is_exported(&m.name)) {
                    let Some(sig) = m.sig else { continue };
                    let star = if m.ptr_recv { "*" } else { "" };
                    let s = self.signature(p, pkg, sig, true);
                    let _ = writeln!(out, "func (_ {star}{name}{recv_args}) {}{s}", m.name);
                }
            }
            ObjKind::Pending | ObjKind::Builtin(_) | ObjKind::Nil => return None,
        }
        Some(out)
    }

    fn type_params(&mut self, p: &mut Program, pkg: PkgId, tparams: &[TypeId]) -> String {
        if tparams.is_empty() {
            return String::new();
        }
        let parts: Vec<String> = tparams
            .iter()
            .map(|&t| {
                let Type::TypeParam(id) = *p.ty(t) else {
                    return "_ any".into();
                };
                let data = p.type_params[id.0 as usize].clone();
                let c = self.ty(p, pkg, data.constraint);
                format!("{} {c}", data.name)
            })
            .collect();
        format!("[{}]", parts.join(", "))
    }

    /// `(params) results` (with type parameters first when `with_tparams`).
    fn signature(
        &mut self,
        p: &mut Program,
        pkg: PkgId,
        sig: TypeId,
        with_tparams: bool,
    ) -> String {
        let Type::Signature(s) = p.ty(sig).clone() else {
            return "()".into();
        };
        let mut out = String::new();
        if with_tparams {
            out.push_str(&self.type_params(p, pkg, &s.type_params));
        }
        out.push('(');
        for (i, &t) in s.params.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            if s.variadic && i + 1 == s.params.len() {
                let elem = match p.ty(t) {
                    Type::Slice(e) => *e,
                    _ => t,
                };
                out.push_str("...");
                out.push_str(&self.ty(p, pkg, elem));
            } else {
                out.push_str(&self.ty(p, pkg, t));
            }
        }
        out.push(')');
        match s.results.len() {
            0 => {}
            1 => {
                out.push(' ');
                out.push_str(&self.ty(p, pkg, s.results[0]));
            }
            _ => {
                let rs: Vec<String> = s.results.iter().map(|&r| self.ty(p, pkg, r)).collect();
                let _ = write!(out, " ({})", rs.join(", "));
            }
        }
        out
    }

    /// A type in Go syntax, as seen from package `pkg`; declarations it names are queued.
    fn ty(&mut self, p: &mut Program, pkg: PkgId, ty: TypeId) -> String {
        stacker::maybe_grow(
            crate::types::STACK_RED_ZONE,
            crate::types::STACK_SEGMENT,
            || self.ty_inner(p, pkg, ty),
        )
    }

    fn ty_inner(&mut self, p: &mut Program, pkg: PkgId, ty: TypeId) -> String {
        match p.ty(ty).clone() {
            Type::Invalid => "invalid_type".into(),
            Type::Basic(kind) => match kind {
                BasicKind::UnsafePointer => {
                    let unsafe_pkg = p.package_by_path("unsafe");
                    match unsafe_pkg {
                        Some(u) => format!("{}.Pointer", self.alias(pkg, u)),
                        None => "uintptr".into(),
                    }
                }
                k => k.default_kind().name().into(),
            },
            Type::Pointer(x) => format!("*{}", self.ty(p, pkg, x)),
            Type::Slice(x) => format!("[]{}", self.ty(p, pkg, x)),
            Type::Array { len, elem } => format!("[{}]{}", len.unwrap_or(0), self.ty(p, pkg, elem)),
            Type::Map { key, value } => {
                format!("map[{}]{}", self.ty(p, pkg, key), self.ty(p, pkg, value))
            }
            Type::Chan { dir, elem } => {
                let e = self.ty(p, pkg, elem);
                let recv_elem = matches!(
                    p.ty(elem),
                    Type::Chan {
                        dir: ChanDir::Recv,
                        ..
                    }
                );
                match dir {
                    ChanDir::Both if recv_elem => format!("chan ({e})"),
                    ChanDir::Both => format!("chan {e}"),
                    ChanDir::Send => format!("chan<- {e}"),
                    ChanDir::Recv => format!("<-chan {e}"),
                }
            }
            Type::Signature(_) => format!("func{}", self.signature(p, pkg, ty, false)),
            Type::Struct(s) => {
                let fields: Vec<String> = s
                    .fields
                    .iter()
                    .map(|f| {
                        let mut t = self.ty(p, pkg, f.ty);
                        if !f.embedded {
                            t = format!("{} {t}", f.name);
                        }
                        crate::types::typestring::write_tag(&mut t, f.tag.as_deref());
                        t
                    })
                    .collect();
                if fields.is_empty() {
                    "struct{}".into()
                } else {
                    format!("struct {{ {} }}", fields.join("; "))
                }
            }
            Type::Interface(i) => {
                let mut elems: Vec<String> = Vec::new();
                for m in &i.methods {
                    elems.push(format!(
                        "{}{}",
                        m.name,
                        self.signature(p, pkg, m.sig, false)
                    ));
                }
                for &e in &i.embeddeds {
                    elems.push(self.ty(p, pkg, e));
                }
                if elems.is_empty() {
                    "interface{}".into()
                } else {
                    format!("interface {{ {} }}", elems.join("; "))
                }
            }
            Type::Union(terms) => terms
                .iter()
                .map(|t| {
                    format!(
                        "{}{}",
                        if t.tilde { "~" } else { "" },
                        self.ty(p, pkg, t.ty)
                    )
                })
                .collect::<Vec<_>>()
                .join(" | "),
            Type::Tuple(items) => items
                .iter()
                .map(|&t| self.ty(p, pkg, t))
                .collect::<Vec<_>>()
                .join(", "),
            Type::Named(named) => self.named(p, pkg, named, &[]),
            Type::Instance { named, args } => self.named(p, pkg, named, &args),
            Type::TypeParam(id) => p.type_params[id.0 as usize].name.clone(),
        }
    }

    fn named(
        &mut self,
        p: &mut Program,
        pkg: PkgId,
        named: crate::types::NamedId,
        args: &[TypeId],
    ) -> String {
        let n = &p.named[named.0 as usize];
        let name = n.name.clone();
        let mut out = match n.pkg {
            None => name.clone(), // error, comparable
            Some(owner) => {
                self.want(owner, &name);
                if owner == pkg {
                    name.clone()
                } else {
                    format!("{}.{name}", self.alias(pkg, owner))
                }
            }
        };
        if !args.is_empty() {
            let a: Vec<String> = args.iter().map(|&t| self.ty(p, pkg, t)).collect();
            let _ = write!(out, "[{}]", a.join(", "));
        }
        out
    }

    /// A Go literal denoting exactly `val` with the kind of `ty`.
    fn const_literal(&mut self, p: &mut Program, val: &Value, ty: TypeId) -> Option<String> {
        let under = p.underlying(ty);
        let kind = match p.ty(under) {
            Type::Basic(k) => *k,
            _ => return None,
        };
        Some(match val.kind() {
            constant::Kind::Bool => val.bool_val().to_string(),
            constant::Kind::String => val.exact_string(),
            constant::Kind::Int if kind == BasicKind::UntypedRune => {
                let (code, exact) = val.int64_val();
                match (exact, u32::try_from(code).ok().and_then(char::from_u32)) {
                    (true, Some(_)) => format!("'\\U{code:08x}'"),
                    // Not a code point: an untyped rune expression all the same.
                    _ => format!("('\\x00' + {})", val.exact_string()),
                }
            }
            constant::Kind::Int if kind.is_float() || kind.is_complex() => {
                format!("{}.0", val.exact_string())
            }
            constant::Kind::Int => val.exact_string(),
            constant::Kind::Float => float_literal(&val.exact_string()),
            constant::Kind::Complex => {
                let re = float_literal(&val.real().to_float().exact_string());
                let im = float_literal(&val.imag().to_float().exact_string());
                format!("complex({re}, {im})")
            }
            constant::Kind::Unknown => return None,
        })
    }
}

/// An exact float written by `ExactString` (`a/b`, `1e+10`, `0x.8p+1`, an integer) as a Go
/// float constant expression.
fn float_literal(exact: &str) -> String {
    match exact.split_once('/') {
        Some((num, den)) => format!("({num}.0 / {den}.0)"),
        None if exact.contains(['.', 'e', 'p', 'x']) => format!("({exact})"),
        None => format!("{exact}.0"),
    }
}
