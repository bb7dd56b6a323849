//! Type strings with the aliases a declaration names. Since Go 1.23 go/types keeps an alias
//! as a type of its own (`types.Alias`), and `TypeString` prints its name where the source
//! wrote it: today's apidiff reports `V: changed from func(A) to func(string)` for
//! `var V func(A)` with `type A = int`. gofed's types resolve aliases when they are built
//! (one interned type per structure), so the alias names are read back from the
//! declaration's syntax, walked in step with the resolved type. Where the two part ways,
//! or for syntax not followed here (struct and interface literals, instances, aliases of
//! other packages), the resolved type is printed as it is.

use crate::ast::{ChanDir, Expr, ExprId, FieldList};
use crate::types::ty::{PkgId, Type, TypeId};
use crate::types::typestring::type_string;
use crate::types::{ObjId, ObjKind, Program, SourceFile, TypeSyntax};

/// `TypeString` of object `obj`'s type `ty` (of package `pkg`, relative to it), with the
/// aliases its declaration names (below the top: go/types' `Unalias` of the whole type
/// first); `None` when the declaration names none.
pub(super) fn object_type_string(
    p: &mut Program,
    pkg: PkgId,
    obj: ObjId,
    ty: TypeId,
) -> Option<String> {
    let (mut file, mut syntax) = p.object_type_syntax(obj)?;
    // go/types' Unalias at the top: a type that is an alias prints as the alias's own
    // declared type (whose syntax may name further aliases).
    for _ in 0..MAX_DEPTH {
        let TypeSyntax::Expr(mut expr) = syntax else {
            break;
        };
        while let Expr::Paren(x) = file.ast.expr(expr) {
            expr = *x;
        }
        syntax = TypeSyntax::Expr(expr);
        let Some(alias) = alias_named(p, pkg, &file, expr) else {
            break;
        };
        (file, syntax) = p.object_type_syntax(alias)?;
    }
    let mut w = Writer {
        file: &file,
        pkg,
        named_alias: false,
    };
    let mut buf = String::new();
    match syntax {
        TypeSyntax::Expr(expr) => w.write(p, &mut buf, expr, ty, 0),
        TypeSyntax::Func { params, results } => {
            buf.push_str("func");
            w.signature(p, &mut buf, params, results, ty, 0);
        }
    }
    w.named_alias.then_some(buf)
}

/// The alias object of package `pkg` that identifier `expr` names, if it does.
fn alias_named(p: &mut Program, pkg: PkgId, file: &SourceFile, expr: ExprId) -> Option<ObjId> {
    if !matches!(file.ast.expr(expr), Expr::Ident) {
        return None;
    }
    let name = file.ast.expr_span(expr).text(&file.src);
    let id = p.pkg(pkg).scope.get(name).copied()?;
    matches!(p.object(id).kind, ObjKind::TypeName { alias: true, .. }).then_some(id)
}

struct Writer<'f> {
    file: &'f SourceFile,
    pkg: PkgId,
    /// Whether an alias name was written.
    named_alias: bool,
}

/// Deeper syntax is printed as resolved (a bound on hostile nesting).
const MAX_DEPTH: u32 = 64;

impl Writer<'_> {
    fn plain(&self, p: &mut Program, buf: &mut String, ty: TypeId) {
        buf.push_str(&type_string(p, ty, Some(self.pkg)));
    }

    fn write(&mut self, p: &mut Program, buf: &mut String, expr: ExprId, ty: TypeId, depth: u32) {
        if depth > MAX_DEPTH {
            return self.plain(p, buf, ty);
        }
        let ast = &self.file.ast;
        match (ast.expr(expr).clone(), p.ty(ty).clone()) {
            (Expr::Paren(x), _) => self.write(p, buf, x, ty, depth + 1),
            (Expr::Ident, t) if !matches!(t, Type::TypeParam(_)) => {
                if alias_named(p, self.pkg, self.file, expr).is_some() {
                    self.named_alias = true;
                    buf.push_str(ast.expr_span(expr).text(&self.file.src));
                } else {
                    self.plain(p, buf, ty);
                }
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
                self.signature(p, buf, params, results, ty, depth + 1);
            }
            _ => self.plain(p, buf, ty),
        }
    }

    /// `(PARAMS) RESULTS` of signature `sig` written as `params` and `results`, without
    /// names or type parameters (apidiff prints signatures rebuilt without them).
    fn signature(
        &mut self,
        p: &mut Program,
        buf: &mut String,
        params: FieldList,
        results: Option<FieldList>,
        sig: TypeId,
        depth: u32,
    ) {
        let Type::Signature(s) = p.ty(sig).clone() else {
            return self.plain(p, buf, sig);
        };
        let param_exprs = self.expand(params);
        let result_exprs = results.map(|r| self.expand(r)).unwrap_or_default();
        if param_exprs.len() != s.params.len() || result_exprs.len() != s.results.len() {
            // Not the syntax of this signature: print it resolved, without "func".
            let whole = type_string(p, sig, Some(self.pkg));
            buf.push_str(whole.strip_prefix("func").unwrap_or(&whole));
            return;
        }
        buf.push('(');
        for (i, (&x, &t)) in param_exprs.iter().zip(&s.params).enumerate() {
            if i > 0 {
                buf.push_str(", ");
            }
            if s.variadic && i + 1 == s.params.len() {
                buf.push_str("...");
                match (self.file.ast.expr(x).clone(), p.ty(t).clone()) {
                    (Expr::Ellipsis(Some(x)), Type::Slice(elem)) => {
                        self.write(p, buf, x, elem, depth + 1)
                    }
                    (_, Type::Slice(elem)) => self.plain(p, buf, elem),
                    _ => self.plain(p, buf, t),
                }
            } else {
                self.write(p, buf, x, t, depth + 1);
            }
        }
        buf.push(')');
        match s.results.len() {
            0 => {}
            1 => {
                buf.push(' ');
                self.write(p, buf, result_exprs[0], s.results[0], depth + 1);
            }
            _ => {
                buf.push_str(" (");
                for (i, (&x, &t)) in result_exprs.iter().zip(&s.results).enumerate() {
                    if i > 0 {
                        buf.push_str(", ");
                    }
                    self.write(p, buf, x, t, depth + 1);
                }
                buf.push(')');
            }
        }
    }

    /// The type expression of each parameter of a list (`a, b int` is two).
    fn expand(&self, list: FieldList) -> Vec<ExprId> {
        let mut out = Vec::new();
        for f in self.file.ast.field_list(list) {
            let n = self.file.ast.ident_list(f.names).len().max(1);
            out.extend(std::iter::repeat_n(f.ty, n));
        }
        out
    }
}
