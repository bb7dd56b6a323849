//! Type strings with the aliases the source names. Since Go 1.23 go/types keeps an alias
//! as a type of its own (`types.Alias`), and `TypeString` prints its name where the source
//! wrote it: today's apidiff reports `V: changed from func(A) to func(string)` for
//! `var V func(A)` with `type A = int`, and likewise for struct fields, methods, interface
//! methods and the types of type declarations. gofed's types resolve aliases when they are
//! built (one interned type per structure), so the alias names are read back from the
//! declaration's syntax, walked in step with the resolved type (through `pkg.A`, instances
//! of generic types and aliases, struct literals, and a generic alias's parameters to the
//! arguments written; a promoted field where its embedded type declares it). Where the two
//! part ways, or for syntax not followed here (an embedded field's own type, interface
//! literals inside types), the resolved type is printed as it is.

use std::rc::Rc;
use std::sync::Arc;

use crate::ast::{ChanDir, Expr, ExprId, FieldList};
use crate::types::ty::{Interface, NamedId, PkgId, Type, TypeId};
use crate::types::typestring::{type_string, write_tag};
use crate::types::{alias_type_args, imported_package};
use crate::types::{ObjId, ObjKind, Program, SourceFile, TypeSyntax};

/// Where a type that changed was written, on one side of the comparison.
#[derive(Clone, Debug)]
pub(super) enum Written {
    /// A package-level const's, var's or func's type, or an alias's aliased type.
    Object(ObjId),
    /// The type a defined type's declaration gives it (its underlying type).
    Underlying(NamedId),
    /// A field of a defined type's struct literal.
    Field(NamedId, String),
    /// A method declared on a defined type.
    Method(NamedId, String),
    /// A method of a defined type's interface literal.
    InterfaceMethod(NamedId, String),
}

/// `TypeString` of type `ty`, relative to package `rel`, with the aliases the syntax
/// `written` names and the parameter names of the signatures inside it (below the top:
/// go/types' `Unalias` of the whole type first); `None` when its syntax is not at hand.
pub(super) fn written_type_string(
    p: &mut Program,
    rel: PkgId,
    written: &Written,
    ty: TypeId,
) -> Option<String> {
    let (scope, file, mut syntax) = written_syntax(p, written)?;
    let mut at = Rc::new(Place {
        file,
        scope,
        bindings: Vec::new(),
        outer: None,
    });
    // go/types' Unalias at the top: a type that is an alias prints as the alias's own
    // declared type (whose syntax may name further aliases); an instance of a generic
    // alias, with its type parameters standing for the arguments written.
    for _ in 0..MAX_DEPTH {
        let TypeSyntax::Expr(mut expr) = syntax else {
            break;
        };
        while let Expr::Paren(x) = at.file.ast.expr(expr) {
            expr = *x;
        }
        if let Some((outer, bound)) = at.bound(expr) {
            (at, syntax) = (outer, TypeSyntax::Expr(bound));
            continue;
        }
        syntax = TypeSyntax::Expr(expr);
        let Some((alias, alias_pkg)) = alias_at_top(p, &at, expr) else {
            break;
        };
        let args = match *at.file.ast.expr(expr) {
            Expr::Index { index, .. } => vec![index],
            Expr::IndexList { indices, .. } => at.file.ast.expr_list(indices).to_vec(),
            _ => Vec::new(),
        };
        let names = p.alias_type_param_names(alias);
        let (file, alias_syntax) = p.object_type_syntax(alias)?;
        syntax = alias_syntax;
        let bindings = if names.len() == args.len() {
            names.into_iter().zip(args).collect()
        } else {
            Vec::new()
        };
        at = Rc::new(Place {
            file,
            scope: alias_pkg,
            bindings,
            outer: Some(at),
        });
    }
    let mut w = Writer { at, rel };
    let mut buf = String::new();
    match syntax {
        TypeSyntax::Expr(expr) => w.write(p, &mut buf, expr, ty, 0),
        TypeSyntax::Func { params, results } => {
            buf.push_str("func");
            w.signature(p, &mut buf, params, results, ty, false, 0);
        }
    }
    Some(buf)
}

/// The package whose scope the syntax of `written` is read in, its file and the syntax.
fn written_syntax(
    p: &mut Program,
    written: &Written,
) -> Option<(PkgId, Arc<SourceFile>, TypeSyntax)> {
    match written {
        Written::Object(id) => {
            let obj = p.object(*id);
            // A defined type's object stands for the type itself, not for what it declares.
            if matches!(obj.kind, ObjKind::TypeName { alias: false, .. }) {
                return None;
            }
            let pkg = obj.pkg?;
            let (file, syntax) = p.object_type_syntax(*id)?;
            Some((pkg, file, syntax))
        }
        Written::Underlying(named) => {
            let n = &p.named[named.0 as usize];
            let (pkg, obj) = (n.pkg?, n.obj);
            let (file, syntax) = p.object_type_syntax(obj)?;
            Some((pkg, file, syntax))
        }
        Written::Method(named, name) => {
            let pkg = p.named[named.0 as usize].pkg?;
            let (file, syntax) = p.method_type_syntax(*named, name)?;
            Some((pkg, file, syntax))
        }
        Written::Field(named, name) => {
            // A promoted field is declared on an embedded type: the shallowest one declaring
            // it, as a selector finds it.
            let mut level = vec![*named];
            let mut seen = std::collections::HashSet::new();
            for _ in 0..MAX_DEPTH {
                let mut next = Vec::new();
                for n in level {
                    if !seen.insert(n) {
                        continue;
                    }
                    if let Some(found) = member_syntax(p, n, name, false) {
                        return Some(found);
                    }
                    next.extend(embedded_named(p, n));
                }
                if next.is_empty() {
                    break;
                }
                level = next;
            }
            None
        }
        Written::InterfaceMethod(named, name) => member_syntax(p, *named, name, true),
    }
}

/// The declared types embedded in defined struct type `named`.
fn embedded_named(p: &mut Program, named: NamedId) -> Vec<NamedId> {
    let ty = p.intern(Type::Named(named));
    let under = p.underlying(ty);
    let Type::Struct(st) = p.ty(under).clone() else {
        return Vec::new();
    };
    st.fields
        .iter()
        .filter(|f| f.embedded)
        .filter_map(|f| {
            let t = match p.ty(f.ty) {
                Type::Pointer(elem) => *elem,
                _ => f.ty,
            };
            match p.ty(t) {
                Type::Named(n) | Type::Instance { named: n, .. } => Some(*n),
                _ => None,
            }
        })
        .collect()
}

/// Where field or (`method`) interface method `name` is written in the struct or interface
/// literal of defined type `named`'s declaration.
fn member_syntax(
    p: &mut Program,
    named: NamedId,
    name: &str,
    method: bool,
) -> Option<(PkgId, Arc<SourceFile>, TypeSyntax)> {
    let (pkg, file, TypeSyntax::Expr(mut expr)) = written_syntax(p, &Written::Underlying(named))?
    else {
        return None;
    };
    while let Expr::Paren(x) = file.ast.expr(expr) {
        expr = *x;
    }
    let list = match (method, file.ast.expr(expr)) {
        (false, Expr::StructType(list)) | (true, Expr::InterfaceType(list)) => *list,
        _ => return None,
    };
    // Embedded fields and interface elements have no names: they are not followed.
    let field = file.ast.field_list(list).iter().find(|f| {
        file.ast
            .ident_list(f.names)
            .iter()
            .any(|n| n.text(&file.src) == name)
    })?;
    let syntax = match (method, file.ast.expr(field.ty)) {
        (false, _) => TypeSyntax::Expr(field.ty),
        (
            true,
            Expr::FuncType {
                params, results, ..
            },
        ) => TypeSyntax::Func {
            params: *params,
            results: *results,
        },
        _ => return None,
    };
    Some((pkg, file, syntax))
}

/// Where syntax is read: a file, the package whose scope its names are looked up in, and,
/// inside a generic alias followed from an instance, its type parameters bound to the
/// arguments as written where the instance is (`outer`).
struct Place {
    file: Arc<SourceFile>,
    scope: PkgId,
    bindings: Vec<(String, ExprId)>,
    outer: Option<Rc<Place>>,
}

impl Place {
    /// The argument identifier `expr` is bound to, and where that argument is written.
    fn bound(&self, expr: ExprId) -> Option<(Rc<Place>, ExprId)> {
        if self.bindings.is_empty() || !matches!(self.file.ast.expr(expr), Expr::Ident) {
            return None;
        }
        let name = self.file.ast.expr_span(expr).text(&self.file.src);
        let &(_, arg) = self.bindings.iter().find(|(n, _)| n == name)?;
        Some((Rc::clone(self.outer.as_ref()?), arg))
    }
}

/// The alias `expr` names, `A` in the place's package or `pkg.A` of an import, and the
/// alias's package.
fn alias_named(p: &mut Program, at: &Place, expr: ExprId) -> Option<(ObjId, PkgId)> {
    let (scope, file) = (at.scope, &at.file);
    let (pkg, name) = match *file.ast.expr(expr) {
        Expr::Ident => (scope, file.ast.expr_span(expr).text(&file.src)),
        Expr::Selector { x, sel } if matches!(file.ast.expr(x), Expr::Ident) => {
            let local = file.ast.expr_span(x).text(&file.src);
            let pkg = imported_package(p, scope, file, local)?;
            (pkg, sel.text(&file.src))
        }
        _ => return None,
    };
    let id = p.pkg(pkg).scope.get(name).copied()?;
    matches!(p.object(id).kind, ObjKind::TypeName { alias: true, .. }).then_some((id, pkg))
}

/// The alias `expr` names at the top of a type: `A`, or `A[args]` of a generic alias
/// (whose arguments are in the resolved type the syntax is walked with).
fn alias_at_top(p: &mut Program, at: &Place, expr: ExprId) -> Option<(ObjId, PkgId)> {
    match *at.file.ast.expr(expr) {
        Expr::Index { x, .. } | Expr::IndexList { x, .. } => alias_named(p, at, x),
        _ => alias_named(p, at, expr),
    }
}

struct Writer {
    /// Where the syntax being written is.
    at: Rc<Place>,
    /// The package names are printed relative to.
    rel: PkgId,
}

/// Deeper syntax is printed as resolved (a bound on hostile nesting).
const MAX_DEPTH: u32 = 64;

impl Writer {
    fn plain(&self, p: &mut Program, buf: &mut String, ty: TypeId) {
        buf.push_str(&type_string(p, ty, Some(self.rel)));
    }

    /// `(PARAMS) RESULTS` of signature `sig` as resolved (without "func").
    fn plain_signature(&self, p: &mut Program, buf: &mut String, sig: TypeId) {
        let whole = type_string(p, sig, Some(self.rel));
        buf.push_str(whole.strip_prefix("func").unwrap_or(&whole));
    }

    /// Object `obj` of package `pkg` by name, qualified by its package's path outside `rel`.
    fn qualified_name(&self, p: &mut Program, buf: &mut String, pkg: PkgId, obj: ObjId) {
        if pkg != self.rel {
            buf.push_str(&p.pkg(pkg).path);
            buf.push('.');
        }
        buf.push_str(&p.object(obj).name);
    }

    fn write(&mut self, p: &mut Program, buf: &mut String, expr: ExprId, ty: TypeId, depth: u32) {
        if depth > MAX_DEPTH {
            return self.plain(p, buf, ty);
        }
        if let Some((outer, arg)) = self.at.bound(expr) {
            // A type parameter of a generic alias: the argument, where it is written.
            let inner = std::mem::replace(&mut self.at, outer);
            self.write(p, buf, arg, ty, depth + 1);
            self.at = inner;
            return;
        }
        let at = Rc::clone(&self.at);
        let ast = &at.file.ast;
        match (ast.expr(expr).clone(), p.ty(ty).clone()) {
            (Expr::Paren(x), _) => self.write(p, buf, x, ty, depth + 1),
            (Expr::Ident | Expr::Selector { .. }, _) => {
                match alias_named(p, &at, expr) {
                    // The alias stands for this very type (not, say, a type parameter of
                    // the same name).
                    Some((alias, pkg))
                        if matches!(
                            p.object(alias).kind,
                            ObjKind::TypeName { ty: aliased, .. } if aliased == ty
                        ) =>
                    {
                        self.qualified_name(p, buf, pkg, alias);
                    }
                    _ => self.plain(p, buf, ty),
                }
            }
            (Expr::StructType(list), Type::Struct(st)) => {
                // Each field name its own field (`A, B int` is two), an embedded field one.
                let mut fields = Vec::new();
                for f in ast.field_list(list) {
                    let n = ast.ident_list(f.names).len().max(1);
                    fields.extend(std::iter::repeat_n(f.ty, n));
                }
                if fields.len() != st.fields.len() {
                    return self.plain(p, buf, ty);
                }
                buf.push_str("struct{");
                for (i, (&x, f)) in fields.iter().zip(&st.fields).enumerate() {
                    if i > 0 {
                        buf.push_str("; ");
                    }
                    if !f.embedded {
                        buf.push_str(&f.name);
                        buf.push(' ');
                    }
                    self.write(p, buf, x, f.ty, depth + 1);
                    write_tag(buf, f.tag.as_deref());
                }
                buf.push('}');
            }
            (Expr::Star(x), Type::Pointer(elem)) => {
                buf.push('*');
                self.write(p, buf, x, elem, depth + 1);
            }
            (Expr::ArrayType { len: None, elem: x }, Type::Slice(elem)) => {
                buf.push_str("[]");
                self.write(p, buf, x, elem, depth + 1);
            }
            (
                Expr::ArrayType {
                    len: Some(_),
                    elem: x,
                },
                Type::Array { len, elem },
            ) => {
                buf.push('[');
                buf.push_str(&len.map_or_else(|| "-1".to_owned(), |n| n.to_string()));
                buf.push(']');
                self.write(p, buf, x, elem, depth + 1);
            }
            (Expr::MapType { key: kx, value: vx }, Type::Map { key, value }) => {
                buf.push_str("map[");
                self.write(p, buf, kx, key, depth + 1);
                buf.push(']');
                self.write(p, buf, vx, value, depth + 1);
            }
            (Expr::ChanType { value: x, .. }, Type::Chan { dir, elem }) => {
                let paren = dir == ChanDir::Both
                    && matches!(
                        p.ty(elem),
                        Type::Chan {
                            dir: ChanDir::Recv,
                            ..
                        }
                    );
                buf.push_str(match dir {
                    ChanDir::Both => "chan ",
                    ChanDir::Send => "chan<- ",
                    ChanDir::Recv => "<-chan ",
                });
                if paren {
                    buf.push('(');
                }
                self.write(p, buf, x, elem, depth + 1);
                if paren {
                    buf.push(')');
                }
            }
            (
                Expr::FuncType {
                    params, results, ..
                },
                Type::Signature(_),
            ) => {
                buf.push_str("func");
                // The changed type's own signature is printed without names (apidiff's
                // removeNamesFromSignature), every one inside it with them.
                self.signature(p, buf, params, results, ty, depth > 0, depth + 1);
            }
            (Expr::InterfaceType(list), Type::Interface(iface)) if !iface.is_any => {
                self.interface(p, buf, list, ty, iface, depth);
            }
            (Expr::Index { x, index }, t) => self.instance(p, buf, x, &[index], ty, t, depth),
            (Expr::IndexList { x, indices }, t) => {
                let exprs = ast.expr_list(indices).to_vec();
                self.instance(p, buf, x, &exprs, ty, t, depth)
            }
            _ => self.plain(p, buf, ty),
        }
    }

    /// `Name[ARGS]` written as `x[exprs]`: an instance `ty` of a generic type, or of a generic
    /// alias (which go/types prints by the alias's name).
    #[allow(clippy::too_many_arguments)]
    fn instance(
        &mut self,
        p: &mut Program,
        buf: &mut String,
        x: ExprId,
        exprs: &[ExprId],
        ty: TypeId,
        t: Type,
        depth: u32,
    ) {
        let at = Rc::clone(&self.at);
        let (args, name_pkg, name) = match alias_named(p, &at, x) {
            Some((alias, pkg)) => match alias_type_args(p, alias, ty) {
                Some(args) => (args, Some(pkg), p.object(alias).name.to_string()),
                None => return self.plain(p, buf, ty),
            },
            None => match t {
                Type::Instance { named, args } => {
                    let n = &p.named[named.0 as usize];
                    (args, n.pkg, n.name.clone())
                }
                _ => return self.plain(p, buf, ty),
            },
        };
        if args.len() != exprs.len() {
            return self.plain(p, buf, ty);
        }
        if let Some(pkg) = name_pkg.filter(|&pkg| pkg != self.rel) {
            buf.push_str(&p.pkg(pkg).path);
            buf.push('.');
        }
        buf.push_str(&name);
        buf.push('[');
        for (i, (&x, &t)) in exprs.iter().zip(&args).enumerate() {
            if i > 0 {
                buf.push_str(", ");
            }
            self.write(p, buf, x, t, depth + 1);
        }
        buf.push(']');
    }

    /// `(PARAMS) RESULTS` of signature `sig` written as `params` and `results`, without type
    /// parameters; the parameters' and results' names only when `names` (apidiff removes
    /// them from the changed type itself, go/types prints them in every signature inside).
    #[allow(clippy::too_many_arguments)]
    fn signature(
        &mut self,
        p: &mut Program,
        buf: &mut String,
        params: FieldList,
        results: Option<FieldList>,
        sig: TypeId,
        names: bool,
        depth: u32,
    ) {
        let Type::Signature(s) = p.ty(sig).clone() else {
            return self.plain(p, buf, sig);
        };
        let param_exprs = self.expand(params);
        let result_exprs = results.map(|r| self.expand(r)).unwrap_or_default();
        if param_exprs.len() != s.params.len() || result_exprs.len() != s.results.len() {
            // Not the syntax of this signature: print it resolved.
            self.plain_signature(p, buf, sig);
            return;
        }
        let name = |buf: &mut String, name: &Option<String>| {
            if let (true, Some(name)) = (names, name) {
                buf.push_str(name);
                buf.push(' ');
            }
        };
        buf.push('(');
        for (i, ((pname, x), &t)) in param_exprs.iter().zip(&s.params).enumerate() {
            if i > 0 {
                buf.push_str(", ");
            }
            name(buf, pname);
            if s.variadic && i + 1 == s.params.len() {
                buf.push_str("...");
                match (self.at.file.ast.expr(*x).clone(), p.ty(t).clone()) {
                    (Expr::Ellipsis(Some(x)), Type::Slice(elem)) => {
                        self.write(p, buf, x, elem, depth + 1)
                    }
                    (_, Type::Slice(elem)) => self.plain(p, buf, elem),
                    _ => self.plain(p, buf, t),
                }
            } else {
                self.write(p, buf, *x, t, depth + 1);
            }
        }
        buf.push(')');
        // One result without a name (or with names left out) needs no parentheses.
        let bare = result_exprs.len() == 1 && !(names && result_exprs[0].0.is_some());
        if bare {
            buf.push(' ');
            self.write(p, buf, result_exprs[0].1, s.results[0], depth + 1);
        } else if !result_exprs.is_empty() {
            buf.push_str(" (");
            for (i, ((rname, x), &t)) in result_exprs.iter().zip(&s.results).enumerate() {
                if i > 0 {
                    buf.push_str(", ");
                }
                name(buf, rname);
                self.write(p, buf, *x, t, depth + 1);
            }
            buf.push(')');
        }
    }

    /// Each parameter of a list, with its name if it has one (`a, b int` is two).
    fn expand(&self, list: FieldList) -> Vec<(Option<String>, ExprId)> {
        let ast = &self.at.file.ast;
        let mut out = Vec::new();
        for f in ast.field_list(list) {
            let names = ast.ident_list(f.names);
            if names.is_empty() {
                out.push((None, f.ty));
            }
            for n in names {
                out.push((Some(n.text(&self.at.file.src).to_owned()), f.ty));
            }
        }
        out
    }

    /// `interface{M(x T); E}` of interface `iface` written as the literal `list`: methods in
    /// go/types' order (by their Id) with their names, then the embedded elements.
    fn interface(
        &mut self,
        p: &mut Program,
        buf: &mut String,
        list: FieldList,
        ty: TypeId,
        iface: Interface,
        depth: u32,
    ) {
        let ast = &self.at.file.ast;
        let mut methods = Vec::new();
        let mut embeddeds = Vec::new();
        for f in ast.field_list(list) {
            let names = ast.ident_list(f.names);
            match (names.first(), ast.expr(f.ty)) {
                (None, _) => embeddeds.push(f.ty),
                (
                    Some(n),
                    Expr::FuncType {
                        params, results, ..
                    },
                ) if names.len() == 1 => {
                    methods.push((n.text(&self.at.file.src).to_owned(), *params, *results))
                }
                _ => return self.plain(p, buf, ty),
            }
        }
        if methods.len() != iface.methods.len() || embeddeds.len() != iface.embeddeds.len() {
            return self.plain(p, buf, ty);
        }
        let mut sorted = iface.methods.clone();
        sorted.sort_by_cached_key(|m| match m.pkg {
            Some(pkg) if !m.name.starts_with(char::is_uppercase) => {
                format!("{}.{}", p.pkg(pkg).path, m.name)
            }
            _ => m.name.clone(),
        });
        buf.push_str("interface{");
        for (i, m) in sorted.iter().enumerate() {
            if i > 0 {
                buf.push_str("; ");
            }
            buf.push_str(&m.name);
            match methods.iter().find(|(name, ..)| *name == m.name) {
                Some(&(_, params, results)) => {
                    self.signature(p, buf, params, results, m.sig, true, depth + 1)
                }
                None => self.plain_signature(p, buf, m.sig),
            }
        }
        for (i, (&x, &e)) in embeddeds.iter().zip(&iface.embeddeds).enumerate() {
            if i > 0 || !sorted.is_empty() {
                buf.push_str("; ");
            }
            self.write(p, buf, x, e, depth + 1);
        }
        buf.push('}');
    }
}
