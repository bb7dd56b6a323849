//! Resolution of objects, type expressions and constant/initialiser expressions.

use std::sync::Arc;

use crate::ast::{Decl, Expr, ExprId, FieldList, Spec};
use crate::constant::{self, Value};
use crate::token::TokenKind;

use super::ty::{
    BasicKind, Field, IfaceMethod, Interface, NamedId, PkgId, Signature, Struct, Term, Type, TypeId,
};
use super::{
    Builtin, CheckError, DeclRef, ObjId, ObjKind, ObjState, Program, SourceFile, TypeParamData,
};

/// Where an expression is checked: package, file, type parameters in scope and `iota`, and
/// inside a function body its local names.
#[derive(Clone)]
pub(super) struct Env {
    pub(super) pkg: PkgId,
    pub(super) file_idx: u32,
    pub(super) file: Arc<SourceFile>,
    pub(super) tparams: Vec<(String, TypeId)>,
    pub(super) iota: Option<i64>,
    /// Local constants, variables and types in scope, innermost last (they shadow the type
    /// parameters, the package scope and the imports).
    pub(super) locals: Vec<Local>,
    /// Errors are not recorded (function bodies: the package's errors are those of its
    /// declarations until bodies are fully checked).
    pub(super) silent: bool,
}

/// A name declared in a function body and what it denotes (a `Value` of the invalid type
/// when its type is not known).
#[derive(Clone, Debug)]
pub(super) struct Local {
    pub(super) name: Box<str>,
    pub(super) operand: Operand,
}

impl Env {
    /// The environment of file `file_idx` (`file`) of package `pkg`, outside any declaration.
    pub(super) fn for_file(pkg: PkgId, file_idx: usize, file: &Arc<SourceFile>) -> Env {
        Env {
            pkg,
            file_idx: file_idx as u32,
            file: Arc::clone(file),
            tparams: Vec::new(),
            iota: None,
            locals: Vec::new(),
            silent: false,
        }
    }

    fn text(&self, expr: ExprId) -> &str {
        self.file.ast.expr_span(expr).text(&self.file.src)
    }
}

/// What an expression denotes.
#[derive(Clone, Debug)]
pub(super) enum Mode {
    Invalid,
    NoValue,
    Const(Value),
    Value,
    /// A value that also yields `ok` in a two-value context (map index, assertion, receive).
    CommaOk,
    Type,
    Builtin(Builtin),
    Pkg(PkgId),
    Nil,
}

#[derive(Clone, Debug)]
pub(super) struct Operand {
    pub(super) mode: Mode,
    pub(super) ty: TypeId,
}

impl Operand {
    pub(super) fn invalid(p: &Program) -> Operand {
        Operand {
            mode: Mode::Invalid,
            ty: p.invalid(),
        }
    }
    pub(super) fn value(ty: TypeId) -> Operand {
        Operand {
            mode: Mode::Value,
            ty,
        }
    }
    pub(super) fn is_invalid(&self) -> bool {
        matches!(self.mode, Mode::Invalid)
    }
}

fn error(p: &mut Program, env: &Env, offset: u32, message: String) {
    if env.silent {
        return;
    }
    let pkg = &mut p.packages[env.pkg.0 as usize];
    // One error per position is enough.
    if pkg
        .errors
        .iter()
        .any(|e| e.offset == offset && e.file == env.file.name)
    {
        return;
    }
    pkg.errors.push(CheckError {
        file: env.file.name.clone(),
        offset,
        message,
    });
}

fn expr_error(p: &mut Program, env: &Env, expr: ExprId, message: String) {
    let offset = env.file.ast.expr_span(expr).start;
    error(p, env, offset, message);
}

/// go/types' `opPos`: the offset of a binary expression's operator, else the start of the
/// expression. The syntax tree does not keep the operator's position; it is the first token
/// after the left operand (only blanks and general comments may come between, on one line:
/// a line break there would end the statement).
fn op_offset(env: &Env, e: ExprId) -> u32 {
    let ast = &env.file.ast;
    let start = ast.expr_span(e).start;
    let Expr::Binary { x, .. } = ast.expr(e) else {
        return start;
    };
    let src = &env.file.src;
    let mut i = ast.expr_span(*x).end as usize;
    loop {
        match src.get(i..) {
            Some([b' ' | b'\t' | b'\r' | b'\n', ..]) => i += 1,
            Some([b'/', b'*', rest @ ..]) => match rest.windows(2).position(|w| w == b"*/") {
                Some(at) => i += 2 + at + 2,
                None => return start,
            },
            Some([_, ..]) => return u32::try_from(i).unwrap_or(start),
            _ => return start,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Objects

fn env_for(p: &mut Program, pkg: PkgId, decl: DeclRef) -> Env {
    // A package whose files were released once nothing seemed to need them gets them back.
    p.restore_files(pkg);
    let file = Arc::clone(&p.packages[pkg.0 as usize].files[decl.file as usize]);
    Env {
        pkg,
        file_idx: decl.file,
        file,
        tparams: Vec::new(),
        iota: None,
        locals: Vec::new(),
        silent: false,
    }
}

pub(super) fn resolve_object(p: &mut Program, id: ObjId) {
    // A cancelled or over-budget check resolves nothing more; the caller reads
    // `Program::budget_error`.
    if p.budget().check().is_err() {
        return;
    }
    let obj = &p.objects[id.0 as usize];
    match obj.state {
        ObjState::Done => return,
        ObjState::Resolving => {
            report_object_cycle(p, id);
            return;
        }
        ObjState::Unresolved => {}
    }
    let (Some(pkg), Some(decl)) = (obj.pkg, obj.decl) else {
        return;
    };
    p.objects[id.0 as usize].state = ObjState::Resolving;
    p.resolving.push(id);
    let kind = compute_object(p, id, pkg, decl);
    p.resolving.pop();
    let obj = &mut p.objects[id.0 as usize];
    obj.kind = kind;
    obj.state = ObjState::Done;
}

/// An object reached again while it is being resolved: reported as go/types reports it
/// (types: "invalid recursive type", constants and variables: "initialization cycle"), and
/// given an invalid value of its own kind meanwhile, so that its users add no errors of
/// their own ("is not constant", "is not a type").
fn report_object_cycle(p: &mut Program, id: ObjId) {
    let obj = &p.objects[id.0 as usize];
    let (Some(pkg), Some(decl)) = (obj.pkg, obj.decl) else {
        return;
    };
    let name = obj.name.clone();
    let self_only = p.resolving.last() == Some(&id);
    let env = env_for(p, pkg, decl);
    let tok = match env.file.ast.decls.get(decl.decl as usize) {
        Some(Decl::Gen(gen)) => Some(gen.tok),
        _ => None,
    };
    let message = match (tok, self_only) {
        (Some(TokenKind::Type), true) => format!("invalid recursive type: {name} refers to itself"),
        (Some(TokenKind::Type), false) => format!("invalid recursive type {name}"),
        (Some(TokenKind::Const | TokenKind::Var), true) => {
            format!("initialization cycle: {name} refers to itself")
        }
        (Some(TokenKind::Const | TokenKind::Var), false) => {
            format!("initialization cycle for {name}")
        }
        (_, true) => format!("invalid cycle in declaration: {name} refers to itself"),
        (_, false) => format!("invalid cycle in declaration of {name}"),
    };
    let offset = decl_offset(&env, decl);
    error(p, &env, offset, message);
    let invalid = p.invalid();
    let obj = &mut p.objects[id.0 as usize];
    if matches!(obj.kind, ObjKind::Pending) {
        obj.kind = match tok {
            Some(TokenKind::Const) => ObjKind::Const {
                ty: invalid,
                val: Box::default(),
            },
            Some(TokenKind::Type) => ObjKind::TypeName {
                ty: invalid,
                alias: true,
            },
            _ => ObjKind::Var { ty: invalid },
        };
    }
}

/// go/types' `validType` for a declared type whose underlying type is now known: it must
/// not contain itself by value (through struct fields, array elements, union terms or
/// embedded interfaces; pointers, slices, maps, channels and functions break the chain).
/// The type where the cycle closes is reported and becomes invalid, as in go/types.
fn validate_named(p: &mut Program, named: NamedId) {
    if p.named[named.0 as usize].validated {
        return;
    }
    let under = p.named[named.0 as usize].underlying.unwrap_or(p.invalid());
    let mut walk = ValidWalk {
        path: vec![named],
        n_skipped: 0,
    };
    if valid_walk(p, under, &mut walk) && walk.n_skipped == 0 {
        p.named[named.0 as usize].validated = true;
    }
}

/// The state of one `validType` walk.
struct ValidWalk {
    /// The declared types entered, outermost first.
    path: Vec<NamedId>,
    /// Types skipped because they are still being resolved: what was walked is then not
    /// known to be valid (the skipped type's own check decides later).
    n_skipped: usize,
}

/// False when a cycle was found (and reported).
fn valid_walk(p: &mut Program, ty: TypeId, walk: &mut ValidWalk) -> bool {
    stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || match p.ty(ty).clone() {
        Type::Array { elem, .. } => valid_walk(p, elem, walk),
        Type::Struct(s) => s.fields.iter().all(|f| valid_walk(p, f.ty, walk)),
        Type::Union(terms) => terms.iter().all(|t| valid_walk(p, t.ty, walk)),
        Type::Interface(iface) => iface.embeddeds.iter().all(|&e| valid_walk(p, e, walk)),
        Type::Named(m) => {
            if let Some(start) = walk.path.iter().position(|&n| n == m) {
                let cycle = walk.path[start..].to_vec();
                report_type_cycle(p, &cycle);
                return false;
            }
            let n = &p.named[m.0 as usize];
            if n.validated {
                return true;
            }
            let under = match n.state {
                ObjState::Done => n.underlying.unwrap_or(p.invalid()),
                // Being resolved further out: its own check comes when it is done.
                ObjState::Resolving => {
                    walk.n_skipped += 1;
                    return true;
                }
                ObjState::Unresolved => named_underlying(p, m),
            };
            let skipped_before = walk.n_skipped;
            walk.path.push(m);
            let ok = valid_walk(p, under, walk);
            walk.path.pop();
            if ok && walk.n_skipped == skipped_before {
                p.named[m.0 as usize].validated = true;
            }
            ok
        }
        _ => true,
    })
}

fn report_type_cycle(p: &mut Program, cycle: &[NamedId]) {
    let start = cycle[0];
    let n = &p.named[start.0 as usize];
    let (Some(pkg), Some(decl)) = (n.pkg, n.decl) else {
        return;
    };
    let name = n.name.clone();
    let message = if cycle.len() == 1 {
        format!("invalid recursive type: {name} refers to itself")
    } else {
        format!("invalid recursive type {name}")
    };
    let env = env_for(p, pkg, decl);
    let offset = decl_offset(&env, decl);
    error(p, &env, offset, message);
    let invalid = p.invalid();
    let n = &mut p.named[start.0 as usize];
    n.underlying = Some(invalid);
    n.validated = true;
}

fn decl_offset(env: &Env, decl: DeclRef) -> u32 {
    match env.file.ast.decls.get(decl.decl as usize) {
        Some(Decl::Gen(gen)) => gen.span.start,
        Some(Decl::Func(func)) => func.name.start,
        _ => 0,
    }
}

fn compute_object(p: &mut Program, id: ObjId, pkg: PkgId, decl: DeclRef) -> ObjKind {
    let mut env = env_for(p, pkg, decl);
    let file = Arc::clone(&env.file);
    let invalid = p.invalid();
    match file.ast.decls.get(decl.decl as usize) {
        Some(Decl::Gen(gen)) => match gen.tok {
            TokenKind::Const => const_object(p, &mut env, &gen.specs, decl),
            TokenKind::Var => var_object(p, &mut env, &gen.specs, decl),
            TokenKind::Type => {
                let Some(Spec::Type(spec)) = gen.specs.get(decl.spec as usize) else {
                    return ObjKind::TypeName {
                        ty: invalid,
                        alias: true,
                    };
                };
                // An alias. A generic one keeps its parameters in scope for the aliased
                // type, and `index_expr` substitutes them where it is instantiated.
                if let Some(tparams) = spec.type_params {
                    let tparams = declare_type_params(p, &mut env, tparams);
                    p.alias_type_params.insert(id, tparams);
                }
                let ty = type_expr(p, &env, spec.ty);
                ObjKind::TypeName { ty, alias: true }
            }
            _ => ObjKind::Var { ty: invalid },
        },
        Some(Decl::Func(func)) => {
            if let Some(tparams) = func.type_params {
                declare_type_params(p, &mut env, tparams);
            }
            let sig = signature(p, &env, func.params, func.results, Vec::new());
            let tps: Vec<TypeId> = env.tparams.iter().map(|(_, t)| *t).collect();
            let sig = with_type_params(p, sig, tps);
            ObjKind::Func { sig }
        }
        _ => ObjKind::Var { ty: invalid },
    }
}

fn with_type_params(p: &mut Program, sig: TypeId, tparams: Vec<TypeId>) -> TypeId {
    if tparams.is_empty() {
        return sig;
    }
    match p.ty(sig).clone() {
        Type::Signature(mut s) => {
            s.type_params = tparams;
            p.intern(Type::Signature(s))
        }
        _ => sig,
    }
}

fn const_object(p: &mut Program, env: &mut Env, specs: &[Spec], decl: DeclRef) -> ObjKind {
    let invalid = p.invalid();
    let failed = ObjKind::Const {
        ty: invalid,
        val: Box::default(),
    };
    // A spec without type and values repeats the last one that has them, with its own iota.
    let mut src_idx = decl.spec as usize;
    loop {
        match specs.get(src_idx) {
            Some(Spec::Value(vs)) if vs.values.len > 0 || vs.ty.is_some() => break,
            Some(_) if src_idx > 0 => src_idx -= 1,
            _ => return failed,
        }
    }
    let Some(Spec::Value(vs)) = specs.get(src_idx) else {
        return failed;
    };
    env.iota = Some(i64::from(decl.spec));
    let values = env.file.ast.expr_list(vs.values).to_vec();
    let Some(&value_expr) = values.get(decl.name as usize) else {
        error(
            p,
            env,
            decl_offset(env, decl),
            "missing init expr for const declaration".into(),
        );
        return failed;
    };
    let typ = vs.ty.map(|t| type_expr(p, env, t));
    let x = expr(p, env, value_expr);
    let val = match x.mode {
        Mode::Const(val) => val,
        Mode::Invalid => return failed,
        _ => {
            expr_error(
                p,
                env,
                value_expr,
                format!("{} is not constant", env.text(value_expr)),
            );
            return failed;
        }
    };
    match typ {
        Some(t) => {
            let under = underlying(p, t);
            match represent(p, &val, under) {
                Ok(val) => ObjKind::Const {
                    ty: t,
                    val: Box::new(val),
                },
                Err(msg) => {
                    expr_error(p, env, value_expr, msg);
                    ObjKind::Const {
                        ty: t,
                        val: Box::default(),
                    }
                }
            }
        }
        None => ObjKind::Const {
            ty: x.ty,
            val: Box::new(val),
        },
    }
}

fn var_object(p: &mut Program, env: &mut Env, specs: &[Spec], decl: DeclRef) -> ObjKind {
    let invalid = p.invalid();
    let Some(Spec::Value(vs)) = specs.get(decl.spec as usize) else {
        return ObjKind::Var { ty: invalid };
    };
    if let Some(t) = vs.ty {
        return ObjKind::Var {
            ty: type_expr(p, env, t),
        };
    }
    let values = env.file.ast.expr_list(vs.values).to_vec();
    let n_names = vs.names.len as usize;
    if values.len() == n_names {
        let x = expr(p, env, values[decl.name as usize]);
        return ObjKind::Var {
            ty: var_type(p, env, values[decl.name as usize], &x),
        };
    }
    if values.len() == 1 && n_names == 2 || values.len() == 1 {
        let x = expr(p, env, values[0]);
        let ty = match (&x.mode, p.ty(x.ty).clone()) {
            (Mode::Invalid, _) => invalid,
            (_, Type::Tuple(items)) => items.get(decl.name as usize).copied().unwrap_or(invalid),
            (Mode::CommaOk, _) if decl.name == 0 => x.ty,
            (Mode::CommaOk, _) => p.basic(BasicKind::Bool),
            _ => {
                expr_error(p, env, values[0], "assignment mismatch".into());
                invalid
            }
        };
        return ObjKind::Var { ty };
    }
    error(p, env, decl_offset(env, decl), "assignment mismatch".into());
    ObjKind::Var { ty: invalid }
}

/// The type a variable gets from its initialiser (untyped constants take their default type).
fn var_type(p: &mut Program, env: &Env, e: ExprId, x: &Operand) -> TypeId {
    match x.mode {
        Mode::Invalid => p.invalid(),
        Mode::Nil => {
            expr_error(
                p,
                env,
                e,
                "use of untyped nil in variable declaration".into(),
            );
            p.invalid()
        }
        Mode::Type | Mode::Builtin(_) | Mode::Pkg(_) | Mode::NoValue => {
            expr_error(p, env, e, format!("{} is not an expression", env.text(e)));
            p.invalid()
        }
        _ => default_type(p, x.ty),
    }
}

/// go/types' `Default`: untyped basic types become their default type.
pub fn default_type(p: &Program, ty: TypeId) -> TypeId {
    match p.ty(ty) {
        Type::Basic(kind) if kind.is_untyped() => p.basic(kind.default_kind()),
        _ => ty,
    }
}

// ---------------------------------------------------------------------------------------
// Declared types

pub(super) fn complete_named(p: &mut Program, named: NamedId) {
    named_type_params(p, named);
    named_underlying(p, named);
    for i in 0..p.named[named.0 as usize].methods.len() {
        method_signature(p, named, i);
    }
}

/// The type parameters of a declared generic type.
pub fn named_type_params(p: &mut Program, named: NamedId) -> Vec<TypeId> {
    let n = &p.named[named.0 as usize];
    match n.tparams_state {
        ObjState::Done => return n.type_params.clone(),
        ObjState::Resolving => return Vec::new(),
        ObjState::Unresolved => {}
    }
    let (Some(pkg), Some(decl)) = (n.pkg, n.decl) else {
        return Vec::new();
    };
    p.named[named.0 as usize].tparams_state = ObjState::Resolving;
    let mut env = env_for(p, pkg, decl);
    let file = Arc::clone(&env.file);
    let mut tparams = Vec::new();
    if let Some(Decl::Gen(gen)) = file.ast.decls.get(decl.decl as usize) {
        if let Some(Spec::Type(spec)) = gen.specs.get(decl.spec as usize) {
            if let Some(list) = spec.type_params {
                tparams = declare_type_params(p, &mut env, list);
            }
        }
    }
    let n = &mut p.named[named.0 as usize];
    n.type_params.clone_from(&tparams);
    n.tparams_state = ObjState::Done;
    tparams
}

fn named_underlying(p: &mut Program, named: NamedId) -> TypeId {
    let n = &p.named[named.0 as usize];
    match n.state {
        ObjState::Done => return n.underlying.unwrap_or(p.invalid()),
        ObjState::Resolving => {
            // `type A B; type B A`: invalid recursive type.
            if let (Some(pkg), Some(decl)) = (n.pkg, n.decl) {
                let name = n.name.clone();
                let message = if p.resolving_named.last() == Some(&named) {
                    format!("invalid recursive type: {name} refers to itself")
                } else {
                    format!("invalid recursive type {name}")
                };
                let env = env_for(p, pkg, decl);
                let offset = decl_offset(&env, decl);
                error(p, &env, offset, message);
            }
            return p.invalid();
        }
        ObjState::Unresolved => {}
    }
    let (Some(pkg), Some(decl)) = (n.pkg, n.decl) else {
        return p.invalid();
    };
    let tparams = named_type_params(p, named);
    p.named[named.0 as usize].state = ObjState::Resolving;
    p.resolving_named.push(named);
    let mut env = env_for(p, pkg, decl);
    let file = Arc::clone(&env.file);
    let names = type_param_names(&file, decl);
    env.tparams = names.into_iter().zip(tparams).collect();
    let mut under = p.invalid();
    if let Some(Decl::Gen(gen)) = file.ast.decls.get(decl.decl as usize) {
        if let Some(Spec::Type(spec)) = gen.specs.get(decl.spec as usize) {
            let ty = type_expr(p, &env, spec.ty);
            under = underlying(p, ty);
            if matches!(p.ty(under), Type::TypeParam(_)) {
                expr_error(
                    p,
                    &env,
                    spec.ty,
                    "cannot use a type parameter as RHS in type declaration".into(),
                );
                under = p.invalid();
            }
        }
    }
    p.resolving_named.pop();
    let n = &mut p.named[named.0 as usize];
    // A cycle may have completed the type meanwhile; the first result stands.
    if n.state == ObjState::Resolving {
        n.underlying = Some(under);
        n.state = ObjState::Done;
        validate_named(p, named);
    }
    let n = &p.named[named.0 as usize];
    n.underlying.unwrap_or(under)
}

fn type_param_names(file: &SourceFile, decl: DeclRef) -> Vec<String> {
    let Some(Decl::Gen(gen)) = file.ast.decls.get(decl.decl as usize) else {
        return Vec::new();
    };
    let Some(Spec::Type(spec)) = gen.specs.get(decl.spec as usize) else {
        return Vec::new();
    };
    let Some(list) = spec.type_params else {
        return Vec::new();
    };
    field_names(file, list)
}

fn field_names(file: &SourceFile, list: FieldList) -> Vec<String> {
    file.ast
        .field_list(list)
        .iter()
        .flat_map(|f| {
            file.ast
                .ident_list(f.names)
                .iter()
                .map(|n| n.text(&file.src).to_owned())
        })
        .collect()
}

/// Resolves the signature of method `i` of `named`.
pub(super) fn method_signature(p: &mut Program, named: NamedId, i: usize) -> TypeId {
    let method = &p.named[named.0 as usize].methods[i];
    if let Some(sig) = method.sig {
        return sig;
    }
    let Some(pkg) = p.named[named.0 as usize].pkg else {
        return p.invalid();
    };
    let decl = method.decl;
    let mut env = env_for(p, pkg, decl);
    let file = Arc::clone(&env.file);
    let Some(Decl::Func(func)) = file.ast.decls.get(decl.decl as usize) else {
        return p.invalid();
    };
    // The receiver's type parameters name the type's parameters, in order.
    let type_tparams = named_type_params(p, named);
    let mut recv_tparams = Vec::new();
    if let Some(recv) = func.recv {
        if let Some(field) = file.ast.field_list(recv).first() {
            let names = receiver_type_arg_names(&file, field.ty);
            for (name, tp) in names.into_iter().zip(type_tparams.iter()) {
                recv_tparams.push(*tp);
                if name != "_" {
                    env.tparams.push((name, *tp));
                }
            }
        }
    }
    // Go 1.27 methods may have their own type parameters.
    let mut own = Vec::new();
    if let Some(tps) = func.type_params {
        own = declare_type_params(p, &mut env, tps);
    }
    let sig = signature(p, &env, func.params, func.results, Vec::new());
    let sig = with_type_params(p, sig, own);
    let m = &mut p.named[named.0 as usize].methods[i];
    m.sig = Some(sig);
    m.recv_type_params = recv_tparams.into();
    sig
}

pub(super) fn receiver_type_arg_names(file: &SourceFile, mut ty: ExprId) -> Vec<String> {
    loop {
        match file.ast.expr(ty) {
            Expr::Paren(x) | Expr::Star(x) => ty = *x,
            Expr::Index { index, .. } => {
                return vec![file.ast.expr_span(*index).text(&file.src).to_owned()]
            }
            Expr::IndexList { indices, .. } => {
                return file
                    .ast
                    .expr_list(*indices)
                    .iter()
                    .map(|&i| file.ast.expr_span(i).text(&file.src).to_owned())
                    .collect()
            }
            _ => return Vec::new(),
        }
    }
}

/// Declares a type parameter list in `env` and returns the parameters' types.
pub(super) fn declare_type_params(p: &mut Program, env: &mut Env, list: FieldList) -> Vec<TypeId> {
    let file = Arc::clone(&env.file);
    let fields = file.ast.field_list(list).to_vec();
    let mut tparams = Vec::new();
    let mut index = 0u32;
    // Declare all names first: constraints may refer to any of them.
    for field in &fields {
        for name in file.ast.ident_list(field.names) {
            let id = super::TypeParamId(p.type_params.len() as u32);
            p.type_params.push(TypeParamData {
                name: name.text(&file.src).to_owned(),
                index,
                constraint: p.empty_interface,
            });
            index += 1;
            let ty = p.intern(Type::TypeParam(id));
            env.tparams.push((name.text(&file.src).to_owned(), ty));
            tparams.push(ty);
        }
    }
    let mut k = 0;
    for field in &fields {
        let constraint = constraint_type(p, env, field.ty);
        for _ in 0..field.names.len {
            if let Some(Type::TypeParam(id)) = tparams.get(k).map(|t| p.ty(*t).clone()) {
                p.type_params[id.0 as usize].constraint = constraint;
            }
            k += 1;
        }
    }
    tparams
}

/// A constraint: an interface, or a type-set element wrapped in an implicit interface.
fn constraint_type(p: &mut Program, env: &Env, e: ExprId) -> TypeId {
    let is_elem = matches!(
        env.file.ast.expr(e),
        Expr::Binary {
            op: TokenKind::Or,
            ..
        } | Expr::Unary {
            op: TokenKind::Tilde,
            ..
        }
    );
    let t = if is_elem {
        union_type(p, env, e)
    } else {
        type_expr(p, env, e)
    };
    if is_elem || !is_interface(p, t) {
        return p.intern(Type::Interface(Interface {
            methods: Vec::new(),
            embeddeds: vec![t],
            is_any: false,
        }));
    }
    t
}

fn is_interface(p: &mut Program, t: TypeId) -> bool {
    if matches!(p.ty(t), Type::TypeParam(_) | Type::Invalid) {
        return false;
    }
    let u = underlying(p, t);
    matches!(p.ty(u), Type::Interface(_))
}

// ---------------------------------------------------------------------------------------
// Underlying types and substitution

pub(super) fn underlying(p: &mut Program, ty: TypeId) -> TypeId {
    match p.ty(ty).clone() {
        Type::Named(named) => named_underlying(p, named),
        Type::Instance { named, args } => {
            let under = named_underlying(p, named);
            let tparams = named_type_params(p, named);
            let map: Vec<(TypeId, TypeId)> = tparams.into_iter().zip(args).collect();
            subst(p, under, &map)
        }
        _ => ty,
    }
}

/// Replaces type parameters by types.
pub fn subst(p: &mut Program, ty: TypeId, map: &[(TypeId, TypeId)]) -> TypeId {
    if map.is_empty() {
        return ty;
    }
    stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || subst_inner(p, ty, map))
}

fn subst_inner(p: &mut Program, ty: TypeId, map: &[(TypeId, TypeId)]) -> TypeId {
    if let Some((_, to)) = map.iter().find(|(from, _)| *from == ty) {
        return *to;
    }
    let t = p.ty(ty).clone();
    let new = match t {
        Type::Invalid | Type::Basic(_) | Type::Named(_) | Type::TypeParam(_) => return ty,
        Type::Pointer(x) => Type::Pointer(subst(p, x, map)),
        Type::Slice(x) => Type::Slice(subst(p, x, map)),
        Type::Array { len, elem } => Type::Array {
            len,
            elem: subst(p, elem, map),
        },
        Type::Map { key, value } => Type::Map {
            key: subst(p, key, map),
            value: subst(p, value, map),
        },
        Type::Chan { dir, elem } => Type::Chan {
            dir,
            elem: subst(p, elem, map),
        },
        Type::Signature(sig) => Type::Signature(Signature {
            type_params: sig.type_params.clone(),
            params: sig.params.iter().map(|&x| subst(p, x, map)).collect(),
            results: sig.results.iter().map(|&x| subst(p, x, map)).collect(),
            variadic: sig.variadic,
        }),
        Type::Struct(s) => Type::Struct(Struct {
            fields: s
                .fields
                .iter()
                .map(|f| Field {
                    ty: subst(p, f.ty, map),
                    ..f.clone()
                })
                .collect(),
        }),
        Type::Interface(i) => Type::Interface(Interface {
            methods: i
                .methods
                .iter()
                .map(|m| IfaceMethod {
                    sig: subst(p, m.sig, map),
                    ..m.clone()
                })
                .collect(),
            embeddeds: i.embeddeds.iter().map(|&x| subst(p, x, map)).collect(),
            is_any: i.is_any,
        }),
        Type::Union(terms) => Type::Union(
            terms
                .iter()
                .map(|t| Term {
                    tilde: t.tilde,
                    ty: subst(p, t.ty, map),
                })
                .collect(),
        ),
        Type::Tuple(items) => Type::Tuple(items.iter().map(|&x| subst(p, x, map)).collect()),
        Type::Instance { named, args } => Type::Instance {
            named,
            args: args.iter().map(|&x| subst(p, x, map)).collect(),
        },
    };
    p.intern(new)
}

// ---------------------------------------------------------------------------------------
// Names

pub(super) enum Resolved {
    Local(Operand),
    Obj(ObjId),
    Pkg(PkgId),
    TypeParam(TypeId),
    None,
}

pub(super) fn lookup(p: &mut Program, env: &Env, name: &str) -> Resolved {
    if let Some(local) = env.locals.iter().rev().find(|l| &*l.name == name) {
        return Resolved::Local(local.operand.clone());
    }
    if let Some((_, t)) = env.tparams.iter().rev().find(|(n, _)| n == name) {
        return Resolved::TypeParam(*t);
    }
    if let Some(&obj) = p.packages[env.pkg.0 as usize].scope.get(name) {
        return Resolved::Obj(obj);
    }
    if let Some(pkg) = file_import(p, env, name) {
        return Resolved::Pkg(pkg);
    }
    // Dot imports.
    let n_imports = p.packages[env.pkg.0 as usize]
        .file_imports
        .get(env.file_idx as usize)
        .map_or(0, Vec::len);
    for i in 0..n_imports {
        if p.packages[env.pkg.0 as usize].file_imports[env.file_idx as usize][i]
            .local
            .as_deref()
            != Some(".")
        {
            continue;
        }
        if let Some(pkg) = import_package(p, env, i) {
            // A stand-in's scope holds only what its importers named: nothing is known of
            // the names a dot import brings in.
            if p.packages[pkg.0 as usize].missing {
                continue;
            }
            if let Some(&obj) = p.packages[pkg.0 as usize].scope.get(name) {
                return Resolved::Obj(obj);
            }
        }
    }
    if let Some(&obj) = p.universe.get(name) {
        return Resolved::Obj(obj);
    }
    Resolved::None
}

/// The package imported by the current file under local name `name`.
fn file_import(p: &mut Program, env: &Env, name: &str) -> Option<PkgId> {
    let imports = p.packages[env.pkg.0 as usize]
        .file_imports
        .get(env.file_idx as usize)?
        .clone();
    // Explicit names first.
    if let Some(i) = imports
        .iter()
        .position(|imp| imp.local.as_deref() == Some(name))
    {
        return import_package(p, env, i);
    }
    // Then unnamed imports whose last element looks like the name, then all unnamed ones:
    // the local name is the imported package's own name.
    let guess = |path: &str| -> bool {
        let last = path.rsplit('/').next().unwrap_or(path);
        let last = last.split('.').next().unwrap_or(last);
        let last = last.strip_prefix("go-").unwrap_or(last);
        last == name
    };
    let mut order: Vec<usize> = (0..imports.len())
        .filter(|&i| imports[i].local.is_none() && guess(&imports[i].path))
        .collect();
    order.extend(
        (0..imports.len()).filter(|&i| imports[i].local.is_none() && !guess(&imports[i].path)),
    );
    for i in order {
        // A version suffix element (`/v2`) is not the name either.
        if let Some(pkg) = import_package(p, env, i) {
            if p.packages[pkg.0 as usize].name == name {
                return Some(pkg);
            }
        }
    }
    None
}

fn import_package(p: &mut Program, env: &Env, i: usize) -> Option<PkgId> {
    let imp = &p.packages[env.pkg.0 as usize].file_imports[env.file_idx as usize][i];
    if let Some(pkg) = imp.pkg {
        return pkg;
    }
    let path = imp.path.clone();
    let importer = p.packages[env.pkg.0 as usize].path.clone();
    let pkg = if path == "C" {
        None
    } else {
        match p.package(&importer, &path) {
            Some(pkg) => Some(pkg),
            // What the source says of a package that cannot be loaded is kept: its path and
            // the names used from it, as placeholder types (never invented differences).
            None => {
                let placeholder = p.placeholder_package(&path);
                p.unresolved_imports.push((importer, path));
                Some(placeholder)
            }
        }
    };
    p.packages[env.pkg.0 as usize].file_imports[env.file_idx as usize][i].pkg = Some(pkg);
    pkg
}

// ---------------------------------------------------------------------------------------
// Type expressions

pub(super) fn type_expr(p: &mut Program, env: &Env, e: ExprId) -> TypeId {
    let x = expr_or_type(p, env, e);
    match x.mode {
        Mode::Type => x.ty,
        Mode::Invalid => p.invalid(),
        _ => {
            expr_error(p, env, e, format!("{} is not a type", env.text(e)));
            p.invalid()
        }
    }
}

fn union_type(p: &mut Program, env: &Env, e: ExprId) -> TypeId {
    let mut terms = Vec::new();
    collect_terms(p, env, e, &mut terms);
    if terms.len() == 1 && !terms[0].tilde {
        return terms[0].ty;
    }
    p.intern(Type::Union(terms))
}

fn collect_terms(p: &mut Program, env: &Env, e: ExprId, out: &mut Vec<Term>) {
    match *env.file.ast.expr(e) {
        Expr::Binary {
            op: TokenKind::Or,
            x,
            y,
        } => {
            collect_terms(p, env, x, out);
            collect_terms(p, env, y, out);
        }
        Expr::Unary {
            op: TokenKind::Tilde,
            x,
        } => out.push(Term {
            tilde: true,
            ty: type_expr(p, env, x),
        }),
        Expr::Paren(x) => collect_terms(p, env, x, out),
        _ => out.push(Term {
            tilde: false,
            ty: type_expr(p, env, e),
        }),
    }
}

/// A signature from parameter and result lists.
fn signature(
    p: &mut Program,
    env: &Env,
    params: FieldList,
    results: Option<FieldList>,
    type_params: Vec<TypeId>,
) -> TypeId {
    let (params, variadic) = tuple(p, env, params, true);
    let (results, _) = results.map_or((Vec::new(), false), |r| tuple(p, env, r, false));
    p.intern(Type::Signature(Signature {
        type_params,
        params,
        results,
        variadic,
    }))
}

/// The type argument `i` of a call of `sig` is passed as: a variadic function's extra arguments
/// are its last parameter's elements (unless the call spreads a slice with `...`).
pub fn param_type(p: &Program, sig: &Signature, i: usize, has_ellipsis: bool) -> Option<TypeId> {
    if sig.variadic && i + 1 >= sig.params.len() && !has_ellipsis {
        match *p.ty(*sig.params.last()?) {
            Type::Slice(elem) => Some(elem),
            _ => None,
        }
    } else {
        sig.params.get(i).copied()
    }
}

pub(super) fn tuple(
    p: &mut Program,
    env: &Env,
    list: FieldList,
    variadic_ok: bool,
) -> (Vec<TypeId>, bool) {
    let file = Arc::clone(&env.file);
    let fields = file.ast.field_list(list);
    let mut types = Vec::new();
    let mut variadic = false;
    for (i, field) in fields.iter().enumerate() {
        let (ty, is_variadic) = match *file.ast.expr(field.ty) {
            Expr::Ellipsis(Some(elt)) if variadic_ok && i + 1 == fields.len() => {
                let elt = type_expr(p, env, elt);
                (p.intern(Type::Slice(elt)), true)
            }
            _ => (type_expr(p, env, field.ty), false),
        };
        variadic |= is_variadic;
        let n = field.names.len.max(1);
        for _ in 0..n {
            types.push(ty);
        }
    }
    (types, variadic)
}

fn struct_type(p: &mut Program, env: &Env, list: FieldList) -> TypeId {
    let file = Arc::clone(&env.file);
    let mut fields = Vec::new();
    for field in file.ast.field_list(list) {
        let ty = type_expr(p, env, field.ty);
        // A tag the parser accepted is a string literal; go/types keeps its value.
        let tag = field
            .tag
            .and_then(|lit| crate::lexer::unquote_bytes(lit.text(&file.src).as_bytes()))
            .filter(|value| !value.is_empty())
            .map(Vec::into_boxed_slice);
        if field.names.len == 0 {
            let name = embedded_name(&file, field.ty);
            fields.push(Field {
                name,
                ty,
                embedded: true,
                pkg: env.pkg,
                tag,
            });
        } else {
            for name in file.ast.ident_list(field.names) {
                fields.push(Field {
                    name: name.text(&file.src).to_owned(),
                    ty,
                    embedded: false,
                    pkg: env.pkg,
                    tag: tag.clone(),
                });
            }
        }
    }
    p.intern(Type::Struct(Struct { fields }))
}

/// The field name of an embedded field: the type name of `T`, `*T`, `p.T`, `T[A]`.
fn embedded_name(file: &SourceFile, mut e: ExprId) -> String {
    loop {
        match file.ast.expr(e) {
            Expr::Star(x) | Expr::Paren(x) => e = *x,
            Expr::Index { x, .. } | Expr::IndexList { x, .. } => e = *x,
            Expr::Selector { sel, .. } => return sel.text(&file.src).to_owned(),
            _ => return file.ast.expr_span(e).text(&file.src).to_owned(),
        }
    }
}

fn interface_type(p: &mut Program, env: &Env, list: FieldList) -> TypeId {
    let file = Arc::clone(&env.file);
    let mut iface = Interface::default();
    for field in file.ast.field_list(list) {
        if field.names.len > 0 {
            let Expr::FuncType {
                params, results, ..
            } = *file.ast.expr(field.ty)
            else {
                continue;
            };
            let sig = signature(p, env, params, results, Vec::new());
            for name in file.ast.ident_list(field.names) {
                iface.methods.push(IfaceMethod {
                    name: name.text(&file.src).to_owned(),
                    sig,
                    pkg: Some(env.pkg),
                });
            }
        } else {
            let is_elem = matches!(
                file.ast.expr(field.ty),
                Expr::Binary {
                    op: TokenKind::Or,
                    ..
                } | Expr::Unary {
                    op: TokenKind::Tilde,
                    ..
                }
            );
            let t = if is_elem {
                union_type(p, env, field.ty)
            } else {
                type_expr(p, env, field.ty)
            };
            iface.embeddeds.push(t);
        }
    }
    p.intern(Type::Interface(iface))
}

// ---------------------------------------------------------------------------------------
// Expressions

/// Checks an expression that may also be a type.
pub(super) fn expr_or_type(p: &mut Program, env: &Env, e: ExprId) -> Operand {
    // Types and expressions nest as deep as the parser allows (100,000 levels).
    stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || {
        expr_or_type_inner(p, env, e)
    })
}

/// Recursion deeper than this many bytes of remaining stack continues on a new segment.
pub const STACK_RED_ZONE: usize = 128 * 1024;
/// Size of each new stack segment.
pub const STACK_SEGMENT: usize = 4 * 1024 * 1024;

fn expr_or_type_inner(p: &mut Program, env: &Env, e: ExprId) -> Operand {
    let file = Arc::clone(&env.file);
    let ast = &file.ast;
    match ast.expr(e).clone() {
        // Elided elements are never checked: only a literal's type and keys are.
        Expr::Bad | Expr::Elided(_) => Operand::invalid(p),
        Expr::Ident => ident(p, env, e),
        Expr::BasicLit(kind) => {
            let text = ast.expr_span(e).text(&file.src);
            let (lit, basic) = match kind {
                TokenKind::Int => (constant::LitKind::Int, BasicKind::UntypedInt),
                TokenKind::Float => (constant::LitKind::Float, BasicKind::UntypedFloat),
                TokenKind::Imag => (constant::LitKind::Imag, BasicKind::UntypedComplex),
                TokenKind::Char => (constant::LitKind::Char, BasicKind::UntypedRune),
                _ => (constant::LitKind::String, BasicKind::UntypedString),
            };
            let val = Value::from_literal(lit, text);
            if matches!(val.kind(), constant::Kind::Unknown) {
                expr_error(p, env, e, format!("malformed constant: {text}"));
                return Operand::invalid(p);
            }
            Operand {
                mode: Mode::Const(val),
                ty: p.basic(basic),
            }
        }
        Expr::CompositeLit { ty, elts } => composite_lit(p, env, e, ty, elts.len),
        Expr::FuncLit { ty, .. } => {
            let t = type_expr(p, env, ty);
            Operand::value(t)
        }
        Expr::Paren(x) => expr_or_type(p, env, x),
        Expr::Selector { x, sel } => selector(p, env, e, x, sel.text(&file.src)),
        Expr::Index { x, index } => index_expr(p, env, e, x, &[index]),
        Expr::IndexList { x, indices } => {
            let indices = ast.expr_list(indices).to_vec();
            index_expr(p, env, e, x, &indices)
        }
        Expr::Slice { x, .. } => {
            let x = expr(p, env, x);
            if x.is_invalid() {
                return x;
            }
            let under = underlying(p, x.ty);
            match p.ty(under).clone() {
                Type::Basic(kind) if kind.is_string() => Operand::value(p.basic(BasicKind::String)),
                Type::Slice(_) => Operand::value(x.ty),
                Type::Array { elem, .. } => Operand::value(p.intern(Type::Slice(elem))),
                Type::Pointer(base) => {
                    let base = underlying(p, base);
                    match p.ty(base).clone() {
                        Type::Array { elem, .. } => Operand::value(p.intern(Type::Slice(elem))),
                        _ => Operand::invalid(p),
                    }
                }
                _ => Operand::invalid(p),
            }
        }
        Expr::TypeAssert { x, ty } => {
            let _ = expr(p, env, x);
            match ty {
                Some(t) => Operand {
                    mode: Mode::CommaOk,
                    ty: type_expr(p, env, t),
                },
                None => Operand::invalid(p),
            }
        }
        Expr::Call {
            fun,
            args,
            ellipsis,
        } => {
            let args = ast.expr_list(args).to_vec();
            call(p, env, e, fun, &args, ellipsis.is_some())
        }
        Expr::Star(x) => {
            let x = expr_or_type(p, env, x);
            match x.mode {
                Mode::Type => Operand {
                    mode: Mode::Type,
                    ty: p.intern(Type::Pointer(x.ty)),
                },
                Mode::Invalid => x,
                _ => {
                    let under = underlying(p, x.ty);
                    match p.ty(under).clone() {
                        Type::Pointer(base) => Operand::value(base),
                        _ => Operand::invalid(p),
                    }
                }
            }
        }
        Expr::Unary { op, x } => unary(p, env, e, op, x),
        Expr::Binary { op, x, y } => binary(p, env, e, op, x, y),
        Expr::KeyValue { .. } => Operand::invalid(p),
        Expr::ArrayType { len, elem } => {
            let elem_ty = type_expr(p, env, elem);
            let ty = match len {
                None => Type::Slice(elem_ty),
                Some(len_expr) => {
                    if matches!(ast.expr(len_expr), Expr::Ellipsis(None)) {
                        expr_error(
                            p,
                            env,
                            len_expr,
                            "invalid use of [...] array (outside a composite literal)".into(),
                        );
                        return Operand::invalid(p);
                    }
                    Type::Array {
                        len: array_len(p, env, len_expr),
                        elem: elem_ty,
                    }
                }
            };
            Operand {
                mode: Mode::Type,
                ty: p.intern(ty),
            }
        }
        Expr::Ellipsis(elt) => {
            let elt = elt.map_or(p.invalid(), |t| type_expr(p, env, t));
            Operand {
                mode: Mode::Type,
                ty: p.intern(Type::Slice(elt)),
            }
        }
        Expr::StructType(fields) => Operand {
            mode: Mode::Type,
            ty: struct_type(p, env, fields),
        },
        Expr::FuncType {
            params, results, ..
        } => Operand {
            mode: Mode::Type,
            ty: signature(p, env, params, results, Vec::new()),
        },
        Expr::InterfaceType(methods) => Operand {
            mode: Mode::Type,
            ty: interface_type(p, env, methods),
        },
        Expr::MapType { key, value } => {
            let key = type_expr(p, env, key);
            let value = type_expr(p, env, value);
            Operand {
                mode: Mode::Type,
                ty: p.intern(Type::Map { key, value }),
            }
        }
        Expr::ChanType { dir, value } => {
            let elem = type_expr(p, env, value);
            Operand {
                mode: Mode::Type,
                ty: p.intern(Type::Chan { dir, elem }),
            }
        }
    }
}

/// Checks an expression that must be a value (or constant).
pub(super) fn expr(p: &mut Program, env: &Env, e: ExprId) -> Operand {
    let x = expr_or_type(p, env, e);
    // A name of an unloaded package used as a value: its value and type are unknown.
    if matches!(x.mode, Mode::Type) && p.is_placeholder(x.ty) {
        return Operand::invalid(p);
    }
    if let Mode::Type = x.mode {
        expr_error(
            p,
            env,
            e,
            format!("{} (type) is not an expression", env.text(e)),
        );
        return Operand::invalid(p);
    }
    x
}

fn array_len(p: &mut Program, env: &Env, e: ExprId) -> Option<u64> {
    let x = expr(p, env, e);
    match x.mode {
        Mode::Const(ref val) => match const_u64(&val.to_int()) {
            Some(n) => Some(n),
            _ => {
                expr_error(p, env, e, format!("invalid array length {}", env.text(e)));
                None
            }
        },
        Mode::Invalid => None,
        _ => {
            expr_error(
                p,
                env,
                e,
                format!("array length {} must be constant", env.text(e)),
            );
            None
        }
    }
}

fn ident(p: &mut Program, env: &Env, e: ExprId) -> Operand {
    let name = env.text(e).to_owned();
    if name == "_" {
        expr_error(p, env, e, "cannot use _ as value".into());
        return Operand::invalid(p);
    }
    match lookup(p, env, &name) {
        Resolved::Local(operand) => operand,
        Resolved::TypeParam(t) => Operand {
            mode: Mode::Type,
            ty: t,
        },
        Resolved::Pkg(pkg) => Operand {
            mode: Mode::Pkg(pkg),
            ty: p.invalid(),
        },
        Resolved::Obj(obj) => object_operand(p, env, e, obj),
        // A name that may be the package of an import that could not be loaded is invalid
        // without an error of its own: the unresolved import is the problem (go/types'
        // fake packages).
        Resolved::None if names_unresolved_import(p, env, &name) => Operand::invalid(p),
        Resolved::None => {
            // A name from the one dot import that could not be loaded: kept as that
            // package's type, as `pkg.Name` would be; with several, nobody knows which.
            if let Some(pkg) = missing_dot_import(p, env).filter(|_| is_exported(&name)) {
                let obj = super::collect::placeholder_type(p, pkg, &name);
                return object_operand(p, env, e, obj);
            }
            if !has_missing_dot_import(p, env) {
                expr_error(p, env, e, format!("undefined: {name}"));
            }
            Operand::invalid(p)
        }
    }
}

/// Whether an import of the current file that could not be loaded may be the package `name`:
/// it is imported under that name, or unnamed with `name` as its last element (`go-name`,
/// `name.v2` and a `/vN` suffix are read as `name`, as the lookup guesses).
fn names_unresolved_import(p: &Program, env: &Env, name: &str) -> bool {
    let Some(imports) = p.packages[env.pkg.0 as usize]
        .file_imports
        .get(env.file_idx as usize)
    else {
        return false;
    };
    imports.iter().any(|imp| {
        let pkg = match imp.pkg {
            Some(Some(pkg)) => pkg,
            // `import "C"` (cgo) has no package: as go/types' FakeImportC, `C.x` is unknown,
            // never undefined.
            Some(None) => return imp.path == "C" && name == "C",
            None => return false,
        };
        if !p.packages[pkg.0 as usize].missing {
            return false;
        }
        match imp.local.as_deref() {
            Some(local) => local == name,
            None => {
                let last = imp.path.rsplit('/').next().unwrap_or_default();
                let last = last.split('.').next().unwrap_or(last);
                super::collect::assumed_package_name(&imp.path) == name
                    || last == name
                    || last.strip_prefix("go-") == Some(name)
            }
        }
    })
}

fn object_operand(p: &mut Program, env: &Env, e: ExprId, obj: ObjId) -> Operand {
    if p.universe.get("iota") == Some(&obj) {
        return match env.iota {
            Some(iota) => Operand {
                mode: Mode::Const(Value::int64(iota)),
                ty: p.basic(BasicKind::UntypedInt),
            },
            None => {
                expr_error(
                    p,
                    env,
                    e,
                    "cannot use iota outside constant declaration".into(),
                );
                Operand::invalid(p)
            }
        };
    }
    resolve_object(p, obj);
    match p.objects[obj.0 as usize].kind.clone() {
        ObjKind::Pending => Operand::invalid(p),
        ObjKind::Const { ty, val } => {
            if matches!(val.kind(), constant::Kind::Unknown) {
                return Operand::invalid(p);
            }
            Operand {
                mode: Mode::Const(*val),
                ty,
            }
        }
        ObjKind::Var { ty } => Operand::value(ty),
        ObjKind::TypeName { ty, .. } => Operand {
            mode: Mode::Type,
            ty,
        },
        ObjKind::Func { sig } => Operand::value(sig),
        ObjKind::Builtin(b) => Operand {
            mode: Mode::Builtin(b),
            ty: p.invalid(),
        },
        ObjKind::Nil => Operand {
            mode: Mode::Nil,
            ty: p.basic(BasicKind::UntypedNil),
        },
    }
}

fn selector(p: &mut Program, env: &Env, e: ExprId, x: ExprId, sel: &str) -> Operand {
    let base = expr_or_type(p, env, x);
    match base.mode {
        Mode::Invalid => base,
        Mode::Pkg(pkg) if p.packages[pkg.0 as usize].missing => {
            // A package that could not be loaded: an exported name is taken for the type the
            // source names (a value use of it is unknown, see `expr` and `call`); the import
            // itself is the error, reported once.
            if !is_exported(sel) {
                return Operand::invalid(p);
            }
            let obj = super::collect::placeholder_type(p, pkg, sel);
            object_operand(p, env, e, obj)
        }
        Mode::Pkg(pkg) => {
            let Some(&obj) = p.packages[pkg.0 as usize].scope.get(sel) else {
                let path = p.packages[pkg.0 as usize].path.clone();
                expr_error(p, env, e, format!("undefined: {path}.{sel}"));
                return Operand::invalid(p);
            };
            if !is_exported(sel) {
                expr_error(p, env, e, format!("name {sel} not exported"));
                return Operand::invalid(p);
            }
            object_operand(p, env, e, obj)
        }
        Mode::Type => {
            // Method expression T.M: a function with the receiver as first parameter.
            match super::methodset::lookup_method(p, base.ty, sel) {
                Some(sig) => {
                    let Type::Signature(mut s) = p.ty(sig).clone() else {
                        return Operand::invalid(p);
                    };
                    s.params.insert(0, base.ty);
                    Operand::value(p.intern(Type::Signature(s)))
                }
                None => Operand::invalid(p),
            }
        }
        _ => match super::methodset::lookup_field_or_method(p, base.ty, sel) {
            Some(ty) => Operand::value(ty),
            // Fields and methods of a type of an unloaded package are unknown, not missing.
            None if embeds_placeholder(p, base.ty) => Operand::invalid(p),
            None => {
                expr_error(p, env, e, format!("{}.{sel} undefined", env.text(x)));
                Operand::invalid(p)
            }
        },
    }
}

/// The type parameters of the generic alias `x` names (`A` or `pkg.A`), if it names one.
fn generic_alias_type_params(p: &mut Program, env: &Env, x: ExprId) -> Option<Vec<TypeId>> {
    let obj = match *env.file.ast.expr(x) {
        Expr::Paren(inner) => return generic_alias_type_params(p, env, inner),
        Expr::Ident => match lookup(p, env, env.text(x)) {
            Resolved::Obj(obj) => obj,
            _ => return None,
        },
        Expr::Selector { x: base, sel } => {
            if !matches!(env.file.ast.expr(base), Expr::Ident) {
                return None;
            }
            let Resolved::Pkg(pkg) = lookup(p, env, env.text(base)) else {
                return None;
            };
            *p.packages[pkg.0 as usize]
                .scope
                .get(sel.text(&env.file.src))?
        }
        _ => return None,
    };
    p.alias_type_params.get(&obj).cloned()
}

/// The type arguments that make generic alias `alias` stand for `ty`, if any do (go/types
/// keeps them on the alias's instance; here they are found again from the type).
pub fn alias_type_args(p: &mut Program, alias: ObjId, ty: TypeId) -> Option<Vec<TypeId>> {
    let tparams = p.alias_type_params.get(&alias)?.clone();
    let ObjKind::TypeName { ty: aliased, .. } = p.objects[alias.0 as usize].kind else {
        return None;
    };
    let mut map = Vec::new();
    unify(p, aliased, ty, &tparams, &mut map);
    let args = tparams
        .iter()
        .map(|t| map.iter().find(|(from, _)| from == t).map(|(_, arg)| *arg))
        .collect::<Option<Vec<TypeId>>>()?;
    let pairs: Vec<(TypeId, TypeId)> = tparams.iter().copied().zip(args.iter().copied()).collect();
    (subst(p, aliased, &pairs) == ty).then_some(args)
}

/// The package identifier `name` denotes in `file` of package `pkg` (one of its imports).
pub fn imported_package(
    p: &mut Program,
    pkg: PkgId,
    file: &Arc<SourceFile>,
    name: &str,
) -> Option<PkgId> {
    let file_idx = p.packages[pkg.0 as usize]
        .files
        .iter()
        .position(|f| Arc::ptr_eq(f, file))?;
    file_import(p, &Env::for_file(pkg, file_idx, file), name)
}

/// `A[args]` of a generic alias `type A[P ...] = T` (`aliased` is T): T with P replaced by
/// the arguments, as go/types' instance of the alias is once `Unalias`ed.
fn instantiate_alias(
    p: &mut Program,
    env: &Env,
    e: ExprId,
    x: ExprId,
    tparams: &[TypeId],
    aliased: TypeId,
    args: Vec<TypeId>,
) -> Operand {
    if args.len() != tparams.len() {
        let (got, want) = (args.len(), tparams.len());
        let message = if got > want {
            format!(
                "too many type arguments for type {}: have {got}, want {want}",
                env.text(x)
            )
        } else {
            format!(
                "not enough type arguments for type {}: have {got}, want {want}",
                env.text(x)
            )
        };
        expr_error(p, env, e, message);
        return Operand::invalid(p);
    }
    let map: Vec<(TypeId, TypeId)> = tparams.iter().copied().zip(args).collect();
    Operand {
        mode: Mode::Type,
        ty: subst(p, aliased, &map),
    }
}

fn index_expr(p: &mut Program, env: &Env, e: ExprId, x: ExprId, indices: &[ExprId]) -> Operand {
    let base = expr_or_type(p, env, x);
    match base.mode {
        Mode::Invalid => base,
        Mode::Type => {
            // Instantiation of a generic type.
            let args: Vec<TypeId> = indices.iter().map(|&i| type_expr(p, env, i)).collect();
            if let Some(tparams) = generic_alias_type_params(p, env, x) {
                return instantiate_alias(p, env, e, x, &tparams, base.ty, args);
            }
            match p.ty(base.ty).clone() {
                Type::Named(named) => Operand {
                    mode: Mode::Type,
                    ty: p.intern(Type::Instance { named, args }),
                },
                _ => {
                    expr_error(p, env, e, format!("{} is not a generic type", env.text(x)));
                    Operand::invalid(p)
                }
            }
        }
        _ => {
            // A generic function instantiation, or indexing.
            if let Type::Signature(sig) = p.ty(base.ty).clone() {
                if !sig.type_params.is_empty() {
                    let args: Vec<TypeId> = indices.iter().map(|&i| type_expr(p, env, i)).collect();
                    let map: Vec<(TypeId, TypeId)> =
                        sig.type_params.iter().copied().zip(args).collect();
                    let plain = p.intern(Type::Signature(Signature {
                        type_params: Vec::new(),
                        ..sig
                    }));
                    return Operand::value(subst(p, plain, &map));
                }
            }
            for &i in indices {
                let _ = expr(p, env, i);
            }
            let under = underlying(p, base.ty);
            match p.ty(under).clone() {
                Type::Basic(kind) if kind.is_string() => {
                    if let (Mode::Const(s), Some(&i)) = (&base.mode, indices.first()) {
                        if let Mode::Const(iv) = expr(p, env, i).mode {
                            if let (Some(bytes), Some(idx)) =
                                (const_str(s), const_u64(&iv.to_int()))
                            {
                                if let Some(&b) = bytes.get(idx as usize) {
                                    return Operand {
                                        mode: Mode::Const(Value::int64(i64::from(b))),
                                        ty: p.basic(BasicKind::Byte),
                                    };
                                }
                            }
                        }
                    }
                    Operand::value(p.basic(BasicKind::Byte))
                }
                Type::Slice(elem) | Type::Array { elem, .. } => Operand::value(elem),
                Type::Pointer(base) => {
                    let under = underlying(p, base);
                    match p.ty(under).clone() {
                        Type::Array { elem, .. } => Operand::value(elem),
                        _ => Operand::invalid(p),
                    }
                }
                Type::Map { value, .. } => Operand {
                    mode: Mode::CommaOk,
                    ty: value,
                },
                _ => Operand::invalid(p),
            }
        }
    }
}

fn composite_lit(
    p: &mut Program,
    env: &Env,
    e: ExprId,
    ty: Option<ExprId>,
    n_elts: u32,
) -> Operand {
    let Some(ty) = ty else {
        // Elided types only occur inside other literals, which are not checked element-wise.
        return Operand::invalid(p);
    };
    let file = Arc::clone(&env.file);
    if let Expr::ArrayType {
        len: Some(len),
        elem,
    } = *file.ast.expr(ty)
    {
        if matches!(file.ast.expr(len), Expr::Ellipsis(None)) {
            // [...]T{...}: the length is the largest index + 1.
            let elem = type_expr(p, env, elem);
            let n = array_lit_len(p, env, e).unwrap_or(u64::from(n_elts));
            return Operand::value(p.intern(Type::Array { len: Some(n), elem }));
        }
    }
    let t = type_expr(p, env, ty);
    Operand::value(t)
}

fn array_lit_len(p: &mut Program, env: &Env, e: ExprId) -> Option<u64> {
    let file = Arc::clone(&env.file);
    let Expr::CompositeLit { elts, .. } = *file.ast.expr(e) else {
        return None;
    };
    let mut next = 0u64;
    let mut max = 0u64;
    for &elt in file.ast.expr_list(elts) {
        match *file.ast.expr(elt) {
            Expr::KeyValue { key, .. } => {
                if let Mode::Const(v) = expr(p, env, key).mode {
                    next = const_u64(&v.to_int())?;
                }
                next += 1;
            }
            Expr::Elided(n) => next += u64::from(n),
            _ => next += 1,
        }
        max = max.max(next);
    }
    Some(max)
}

fn unary(p: &mut Program, env: &Env, e: ExprId, op: TokenKind, x: ExprId) -> Operand {
    let operand = expr(p, env, x);
    if operand.is_invalid() {
        return operand;
    }
    match op {
        TokenKind::And => Operand::value(p.intern(Type::Pointer(operand.ty))),
        TokenKind::Arrow => {
            let under = underlying(p, operand.ty);
            match p.ty(under).clone() {
                Type::Chan { elem, .. } => Operand {
                    mode: Mode::CommaOk,
                    ty: elem,
                },
                _ => Operand::invalid(p),
            }
        }
        TokenKind::Add | TokenKind::Sub | TokenKind::Xor | TokenKind::Not => {
            let Mode::Const(val) = operand.mode else {
                return Operand::value(operand.ty);
            };
            let cop = match op {
                TokenKind::Add => constant::Op::Add,
                TokenKind::Sub => constant::Op::Sub,
                TokenKind::Xor => constant::Op::Xor,
                _ => constant::Op::Not,
            };
            // ^x on unsigned typed constants works within the type's size.
            let under = underlying(p, operand.ty);
            let prec = match p.ty(under) {
                Type::Basic(kind) if kind.is_unsigned() => basic_bits(p, *kind),
                _ => 0,
            };
            match constant::unary_op(cop, &val, prec) {
                Ok(res) => {
                    let name = if op == TokenKind::Xor {
                        "bitwise complement"
                    } else {
                        ""
                    };
                    overflow(p, env, e, res, operand.ty, name)
                }
                Err(err) => {
                    expr_error(p, env, e, err.to_string());
                    Operand::invalid(p)
                }
            }
        }
        _ => Operand::value(operand.ty),
    }
}

fn basic_bits(p: &Program, kind: BasicKind) -> u32 {
    match kind {
        BasicKind::Int8 | BasicKind::Uint8 | BasicKind::Byte => 8,
        BasicKind::Int16 | BasicKind::Uint16 => 16,
        BasicKind::Int32 | BasicKind::Uint32 | BasicKind::Float32 | BasicKind::Rune => 32,
        BasicKind::Int | BasicKind::Uint | BasicKind::Uintptr => (p.sizes().word_size * 8) as u32,
        _ => 64,
    }
}

/// go/types' precision of untyped integer constants, in bits (`prec` in `overflow`).
const MAX_UNTYPED_INT_BITS: u64 = 512;

/// go/types' longest untyped string constant (`maxLen` in `overflow`: cmd/internal/obj's
/// `MaxSymSize`, go.dev/issue/78346).
const MAX_CONST_STRING_LEN: u64 = 2_000_000_000;

/// go/types' largest constant shift count (`shiftBound`: enough for the smallest float64).
const SHIFT_BOUND: u64 = 1023 - 1 + 52;

fn string_too_long(len: u64) -> String {
    format!("constant string too long ({len} bytes > {MAX_CONST_STRING_LEN} bytes)")
}

/// go/types' `opName` for the binary operations that may overflow.
fn binary_op_name(op: TokenKind) -> &'static str {
    match op {
        TokenKind::Add => "addition",
        TokenKind::Sub => "subtraction",
        TokenKind::Xor => "bitwise XOR",
        TokenKind::Mul => "multiplication",
        TokenKind::Shl => "shift",
        _ => "",
    }
}

/// go/types' `overflow` after a constant operation: typed results must be representable in
/// their type, untyped integers must fit go/types' 512 bits and untyped strings its
/// `maxLen`. `op_name` is go/types' `opName` of the operation ("" for none). The value is
/// charged to the budget (a breach makes the result invalid; the caller reads
/// `Program::budget_error`).
fn overflow(
    p: &mut Program,
    env: &Env,
    e: ExprId,
    val: Value,
    ty: TypeId,
    op_name: &str,
) -> Operand {
    if matches!(val.kind(), constant::Kind::Unknown) {
        return Operand::invalid(p);
    }
    if p.budget()
        .charge("constant values", val.approx_size())
        .is_err()
    {
        return Operand::invalid(p);
    }
    if basic_kind(p, ty).is_some_and(BasicKind::is_untyped) {
        // go/types reports both at the operator (`opPos`).
        if val.kind() == constant::Kind::Int && val.bit_len() > MAX_UNTYPED_INT_BITS {
            let sep = if op_name.is_empty() { "" } else { " " };
            error(
                p,
                env,
                op_offset(env, e),
                format!("constant {op_name}{sep}overflow"),
            );
            return Operand::invalid(p);
        }
        let len = val.string_len() as u64;
        if val.kind() == constant::Kind::String && len > MAX_CONST_STRING_LEN {
            error(p, env, op_offset(env, e), string_too_long(len));
            return Operand::invalid(p);
        }
    }
    finish_const(p, env, e, val, ty)
}

/// A constant operand as go/types prints it in messages: `1075 (untyped int constant)`, or
/// with the value when the expression is not its literal: `n (untyped int constant 1075)`.
fn const_operand_string(p: &mut Program, env: &Env, e: ExprId, val: &Value, ty: TypeId) -> String {
    let text = env.text(e).to_owned();
    let shown = val.string();
    let shown = if shown == text {
        String::new()
    } else {
        format!(" {shown}")
    };
    let untyped = match p.ty(ty) {
        Type::Basic(BasicKind::UntypedBool) => "untyped bool",
        Type::Basic(BasicKind::UntypedInt) => "untyped int",
        Type::Basic(BasicKind::UntypedRune) => "untyped rune",
        Type::Basic(BasicKind::UntypedFloat) => "untyped float",
        Type::Basic(BasicKind::UntypedComplex) => "untyped complex",
        Type::Basic(BasicKind::UntypedString) => "untyped string",
        _ => {
            let ty_text = super::typestring::type_string(p, ty, Some(env.pkg));
            return format!("{text} (constant{shown} of type {ty_text})");
        }
    };
    format!("{text} ({untyped} constant{shown})")
}

/// A non-constant operand as go/types prints it in messages: `v (variable of struct type
/// T)`, `T{} (value of type [4]int)`. Identifiers and selectors are taken for variables.
fn value_operand_string(p: &mut Program, env: &Env, e: ExprId, ty: TypeId) -> String {
    let text = env.text(e).to_owned();
    let file = Arc::clone(&env.file);
    let mode = match file.ast.expr(strip_parens(&file, e)) {
        Expr::Ident | Expr::Selector { .. } => "variable",
        _ => "value",
    };
    let ty_text = super::typestring::type_string(p, ty, Some(env.pkg));
    let described = match p.ty(ty) {
        Type::Named(_) | Type::Instance { .. } => {
            let under = underlying(p, ty);
            let kind = match p.ty(under) {
                Type::Basic(kind) => kind.go_name(),
                Type::Array { .. } => "array",
                Type::Slice(_) => "slice",
                Type::Struct(_) => "struct",
                Type::Pointer(_) => "pointer",
                Type::Signature(_) => "func",
                Type::Interface(_) => "interface",
                Type::Map { .. } => "map",
                Type::Chan { .. } => "chan",
                _ => "",
            };
            if kind.is_empty() {
                format!("type {ty_text}")
            } else {
                format!("{kind} type {ty_text}")
            }
        }
        _ => format!("type {ty_text}"),
    };
    format!("{text} ({mode} of {described})")
}

/// A constant result of an operation on a (possibly typed) constant: typed results must be
/// representable in their type.
fn finish_const(p: &mut Program, env: &Env, e: ExprId, val: Value, ty: TypeId) -> Operand {
    if matches!(val.kind(), constant::Kind::Unknown) {
        return Operand::invalid(p);
    }
    let under = underlying(p, ty);
    match represent(p, &val, under) {
        Ok(val) => Operand {
            mode: Mode::Const(val),
            ty,
        },
        Err(msg) => {
            expr_error(p, env, e, msg);
            Operand::invalid(p)
        }
    }
}

/// Whether the constant `val` can be a value of type `ty`, whose underlying type is basic (go/types'
/// `representable`, for assigning an untyped constant).
pub fn representable(p: &mut Program, val: &Value, ty: TypeId) -> bool {
    let under = underlying(p, ty);
    matches!(p.ty(under), Type::Basic(_)) && represent(p, val, under).is_ok()
}

/// Represents a constant in a (basic) type; untyped kinds accept any value of their class.
fn represent(p: &mut Program, val: &Value, under: TypeId) -> Result<Value, String> {
    let Type::Basic(kind) = *p.ty(under) else {
        return Ok(val.clone());
    };
    let target = basic_target(kind);
    let sizes = constant::Sizes {
        word_size: p.sizes().word_size as u8,
    };
    constant::represent(val, target, sizes).map_err(|err| err.to_string())
}

fn basic_target(kind: BasicKind) -> constant::BasicTarget {
    use constant::BasicTarget as T;
    match kind {
        BasicKind::Bool => T::Bool,
        BasicKind::Int => T::Int,
        BasicKind::Int8 => T::Int8,
        BasicKind::Int16 => T::Int16,
        BasicKind::Int32 | BasicKind::Rune => T::Int32,
        BasicKind::Int64 => T::Int64,
        BasicKind::Uint => T::Uint,
        BasicKind::Uint8 | BasicKind::Byte => T::Uint8,
        BasicKind::Uint16 => T::Uint16,
        BasicKind::Uint32 => T::Uint32,
        BasicKind::Uint64 => T::Uint64,
        BasicKind::Uintptr => T::Uintptr,
        BasicKind::Float32 => T::Float32,
        BasicKind::Float64 => T::Float64,
        BasicKind::Complex64 => T::Complex64,
        BasicKind::Complex128 => T::Complex128,
        BasicKind::String => T::String,
        BasicKind::UnsafePointer => T::UnsafePointer,
        BasicKind::UntypedBool => T::UntypedBool,
        BasicKind::UntypedInt => T::UntypedInt,
        BasicKind::UntypedRune => T::UntypedRune,
        BasicKind::UntypedFloat => T::UntypedFloat,
        BasicKind::UntypedComplex => T::UntypedComplex,
        BasicKind::UntypedString | BasicKind::UntypedNil => T::UntypedString,
    }
}

fn const_op(op: TokenKind) -> Option<constant::Op> {
    use constant::Op;
    Some(match op {
        TokenKind::Add => Op::Add,
        TokenKind::Sub => Op::Sub,
        TokenKind::Mul => Op::Mul,
        TokenKind::Quo => Op::Quo,
        TokenKind::Rem => Op::Rem,
        TokenKind::And => Op::And,
        TokenKind::Or => Op::Or,
        TokenKind::Xor => Op::Xor,
        TokenKind::AndNot => Op::AndNot,
        TokenKind::LAnd => Op::LAnd,
        TokenKind::LOr => Op::LOr,
        TokenKind::Shl => Op::Shl,
        TokenKind::Shr => Op::Shr,
        TokenKind::Eql => Op::Eql,
        TokenKind::Neq => Op::Neq,
        TokenKind::Lss => Op::Lss,
        TokenKind::Leq => Op::Leq,
        TokenKind::Gtr => Op::Gtr,
        TokenKind::Geq => Op::Geq,
        _ => return None,
    })
}

/// The rank of an untyped numeric kind when two untyped operands meet.
fn untyped_rank(kind: BasicKind) -> u8 {
    match kind {
        BasicKind::UntypedInt => 1,
        BasicKind::UntypedRune => 2,
        BasicKind::UntypedFloat => 3,
        BasicKind::UntypedComplex => 4,
        _ => 0,
    }
}

fn basic_kind(p: &mut Program, ty: TypeId) -> Option<BasicKind> {
    let under = underlying(p, ty);
    match p.ty(under) {
        Type::Basic(kind) => Some(*kind),
        _ => None,
    }
}

fn binary(p: &mut Program, env: &Env, e: ExprId, op: TokenKind, x: ExprId, y: ExprId) -> Operand {
    let lhs = expr(p, env, x);
    let rhs = expr(p, env, y);
    if lhs.is_invalid() || rhs.is_invalid() {
        return Operand::invalid(p);
    }
    if matches!(op, TokenKind::Shl | TokenKind::Shr) {
        return shift(p, env, e, op, lhs, (y, rhs));
    }
    let is_comparison = matches!(
        op,
        TokenKind::Eql
            | TokenKind::Neq
            | TokenKind::Lss
            | TokenKind::Leq
            | TokenKind::Gtr
            | TokenKind::Geq
    );
    // The operation's type: a typed operand's type wins; two untyped kinds give the larger.
    let lk = basic_kind(p, lhs.ty);
    let rk = basic_kind(p, rhs.ty);
    let l_untyped = lk.is_some_and(BasicKind::is_untyped);
    let r_untyped = rk.is_some_and(BasicKind::is_untyped);
    let ty = match (l_untyped, r_untyped) {
        (true, false) => rhs.ty,
        (false, _) => lhs.ty,
        (true, true) => {
            let (Some(l), Some(r)) = (lk, rk) else {
                return Operand::invalid(p);
            };
            if untyped_rank(r) > untyped_rank(l) {
                rhs.ty
            } else {
                lhs.ty
            }
        }
    };
    if is_comparison {
        let bool_ty = p.basic(BasicKind::UntypedBool);
        if let (Mode::Const(a), Mode::Const(b), Some(cop)) = (&lhs.mode, &rhs.mode, const_op(op)) {
            return Operand {
                mode: Mode::Const(Value::bool(constant::compare(a, cop, b))),
                ty: bool_ty,
            };
        }
        return Operand::value(bool_ty);
    }
    let (Mode::Const(a), Mode::Const(b)) = (&lhs.mode, &rhs.mode) else {
        return Operand::value(default_type(p, ty));
    };
    let Some(mut cop) = const_op(op) else {
        return Operand::invalid(p);
    };
    // Integer division for integer operands.
    if cop == constant::Op::Quo && basic_kind(p, ty).is_some_and(BasicKind::is_integer) {
        cop = constant::Op::QuoInt;
    }
    // Untyped operands are converted to the operation's type first.
    let under = underlying(p, ty);
    let (a, b) = match (represent(p, a, under), represent(p, b, under)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(msg), _) | (_, Err(msg)) => {
            expr_error(p, env, e, msg);
            return Operand::invalid(p);
        }
    };
    // go/constant concatenates lazily, so go/types measures an over-long string without
    // building it; gofed's strings are flat, so it measures (and charges) before building.
    if cop == constant::Op::Add
        && a.kind() == constant::Kind::String
        && b.kind() == constant::Kind::String
    {
        let len = a.string_len() as u64 + b.string_len() as u64;
        if basic_kind(p, ty).is_some_and(BasicKind::is_untyped) && len > MAX_CONST_STRING_LEN {
            error(p, env, op_offset(env, e), string_too_long(len));
            return Operand::invalid(p);
        }
        if p.budget().charge("constant values", len).is_err() {
            return Operand::invalid(p);
        }
    }
    match constant::binary_op(&a, cop, &b) {
        Ok(val) => overflow(p, env, e, val, ty, binary_op_name(op)),
        Err(err) => {
            expr_error(p, env, e, err.to_string());
            Operand::invalid(p)
        }
    }
}

fn shift(
    p: &mut Program,
    env: &Env,
    e: ExprId,
    op: TokenKind,
    lhs: Operand,
    (rhs_expr, rhs): (ExprId, Operand),
) -> Operand {
    let cop = if op == TokenKind::Shl {
        constant::Op::Shl
    } else {
        constant::Op::Shr
    };
    match (&lhs.mode, &rhs.mode) {
        (Mode::Const(a), Mode::Const(b)) => {
            let Some(s) = const_u64(&b.to_int()) else {
                expr_error(p, env, e, "invalid shift count".into());
                return Operand::invalid(p);
            };
            if s > SHIFT_BOUND {
                let count = const_operand_string(p, env, rhs_expr, b, rhs.ty);
                let message = format!("invalid operation: invalid shift count {count}");
                expr_error(p, env, rhs_expr, message);
                return Operand::invalid(p);
            }
            // An untyped constant shifted becomes an untyped integer.
            let mut ty = lhs.ty;
            let mut a = a.clone();
            if basic_kind(p, ty).is_some_and(BasicKind::is_untyped) {
                a = a.to_int();
                if !matches!(a.kind(), constant::Kind::Int) {
                    expr_error(p, env, e, "shifted operand must be integer".into());
                    return Operand::invalid(p);
                }
                if basic_kind(p, ty) != Some(BasicKind::UntypedRune) {
                    ty = p.basic(BasicKind::UntypedInt);
                }
            }
            match constant::shift(&a, cop, s as u32) {
                Ok(val) => overflow(p, env, e, val, ty, binary_op_name(op)),
                Err(err) => {
                    expr_error(p, env, e, err.to_string());
                    Operand::invalid(p)
                }
            }
        }
        _ => Operand::value(default_type(p, lhs.ty)),
    }
}

fn call(
    p: &mut Program,
    env: &Env,
    e: ExprId,
    fun: ExprId,
    args: &[ExprId],
    has_ellipsis: bool,
) -> Operand {
    let f = expr_or_type(p, env, fun);
    match f.mode {
        Mode::Invalid => f,
        // `pkg.F(x)` of an unloaded package: a call or a conversion, nobody knows.
        Mode::Type if p.is_placeholder(f.ty) => Operand::invalid(p),
        Mode::Type => conversion(p, env, e, f.ty, args),
        Mode::Builtin(b) => builtin(p, env, e, b, args),
        _ => {
            let under = underlying(p, f.ty);
            let Type::Signature(sig) = p.ty(under).clone() else {
                expr_error(
                    p,
                    env,
                    e,
                    format!("cannot call non-function {}", env.text(fun)),
                );
                return Operand::invalid(p);
            };
            let mut results = sig.results.clone();
            if !sig.type_params.is_empty() {
                // Infer type arguments from the arguments' types.
                let mut arg_types: Vec<TypeId> = args.iter().map(|&a| expr(p, env, a).ty).collect();
                // `f(g())`: g's results are f's arguments.
                if let [arg] = arg_types[..] {
                    if let Type::Tuple(results) = p.ty(arg) {
                        arg_types = results.clone();
                    }
                }
                let mut map: Vec<(TypeId, TypeId)> = Vec::new();
                for (i, &arg) in arg_types.iter().enumerate() {
                    let Some(param) = param_type(p, &sig, i, has_ellipsis) else {
                        continue;
                    };
                    let arg_ty = default_type(p, arg);
                    unify(p, param, arg_ty, &sig.type_params, &mut map);
                }
                results = results.iter().map(|&r| subst(p, r, &map)).collect();
                if results
                    .iter()
                    .any(|&r| mentions_type_params(p, r, &sig.type_params))
                {
                    expr_error(p, env, e, "cannot infer type arguments".into());
                    return Operand::invalid(p);
                }
            }
            match results.len() {
                0 => Operand {
                    mode: Mode::NoValue,
                    ty: p.invalid(),
                },
                1 => Operand::value(results[0]),
                _ => Operand::value(p.intern(Type::Tuple(results))),
            }
        }
    }
}

/// Simple type inference: binds type parameters occurring in `param` to the matching parts
/// of `arg` (a parameter bound already keeps its type).
pub fn unify(
    p: &mut Program,
    param: TypeId,
    arg: TypeId,
    tparams: &[TypeId],
    map: &mut Vec<(TypeId, TypeId)>,
) {
    if tparams.contains(&param) {
        if !map.iter().any(|(from, _)| *from == param) {
            map.push((param, arg));
        }
        return;
    }
    let (pt, at) = (p.ty(param).clone(), p.ty(arg).clone());
    match (pt, at) {
        (Type::Pointer(a), Type::Pointer(b)) | (Type::Slice(a), Type::Slice(b)) => {
            unify(p, a, b, tparams, map)
        }
        (Type::Array { elem: a, .. }, Type::Array { elem: b, .. }) => unify(p, a, b, tparams, map),
        (Type::Chan { elem: a, .. }, Type::Chan { elem: b, .. }) => unify(p, a, b, tparams, map),
        (Type::Map { key: k1, value: v1 }, Type::Map { key: k2, value: v2 }) => {
            unify(p, k1, k2, tparams, map);
            unify(p, v1, v2, tparams, map);
        }
        (Type::Signature(s1), Type::Signature(s2)) => {
            for (a, b) in s1.params.iter().zip(&s2.params) {
                unify(p, *a, *b, tparams, map);
            }
            for (a, b) in s1.results.iter().zip(&s2.results) {
                unify(p, *a, *b, tparams, map);
            }
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
        ) if n1 == n2 => {
            for (a, b) in a1.iter().zip(&a2) {
                unify(p, *a, *b, tparams, map);
            }
        }
        (
            Type::Slice(_)
            | Type::Map { .. }
            | Type::Pointer(_)
            | Type::Signature(_)
            | Type::Chan { .. },
            Type::Named(_) | Type::Instance { .. },
        ) => {
            // A defined type passed for a type literal: unify with its underlying type.
            let under = underlying(p, arg);
            if under != arg {
                unify(p, param, under, tparams, map);
            }
        }
        _ => {}
    }
}

/// Whether `ty` mentions one of the type parameters `tparams`.
pub fn mentions_type_params(p: &Program, ty: TypeId, tparams: &[TypeId]) -> bool {
    if tparams.contains(&ty) {
        return true;
    }
    match p.ty(ty) {
        Type::Pointer(x) | Type::Slice(x) => mentions_type_params(p, *x, tparams),
        Type::Array { elem, .. } | Type::Chan { elem, .. } => {
            mentions_type_params(p, *elem, tparams)
        }
        Type::Map { key, value } => {
            mentions_type_params(p, *key, tparams) || mentions_type_params(p, *value, tparams)
        }
        Type::Signature(s) => s
            .params
            .iter()
            .chain(&s.results)
            .any(|&t| mentions_type_params(p, t, tparams)),
        Type::Instance { args, .. } | Type::Tuple(args) => {
            args.iter().any(|&t| mentions_type_params(p, t, tparams))
        }
        _ => false,
    }
}

fn conversion(p: &mut Program, env: &Env, e: ExprId, to: TypeId, args: &[ExprId]) -> Operand {
    let [arg] = args else {
        expr_error(p, env, e, "conversion needs exactly one argument".into());
        return Operand::invalid(p);
    };
    let x = expr(p, env, *arg);
    let Mode::Const(val) = x.mode else {
        return if x.is_invalid() {
            x
        } else {
            Operand::value(to)
        };
    };
    let Some(kind) = basic_kind(p, to) else {
        return Operand::value(to);
    };
    if matches!(p.ty(to), Type::TypeParam(_)) {
        return Operand::value(to);
    }
    // string(rune): an integer constant converted to a string type.
    if kind.is_string()
        && matches!(val.to_int().kind(), constant::Kind::Int)
        && basic_kind(p, x.ty).is_some_and(BasicKind::is_integer)
    {
        let code = const_i64(&val.to_int())
            .and_then(|c| u32::try_from(c).ok())
            .and_then(char::from_u32)
            .unwrap_or('\u{FFFD}');
        let mut buf = [0u8; 4];
        let s = code.encode_utf8(&mut buf);
        return Operand {
            mode: Mode::Const(Value::bytes(s.as_bytes())),
            ty: to,
        };
    }
    // Only constants of basic types convert to constants; integer↔float conversions of
    // constants must be representable (go/types' constant conversion rules).
    let from_numeric = basic_kind(p, x.ty).is_some_and(BasicKind::is_numeric);
    let val = if kind.is_integer() && from_numeric {
        val.to_int()
    } else if kind.is_float() && from_numeric {
        val.to_float()
    } else if kind.is_complex() && from_numeric {
        val.to_complex()
    } else {
        val
    };
    finish_const(p, env, e, val, to)
}

fn builtin(p: &mut Program, env: &Env, e: ExprId, b: Builtin, args: &[ExprId]) -> Operand {
    let uintptr = p.basic(BasicKind::Uintptr);
    let int = p.basic(BasicKind::Int);
    match b {
        Builtin::Len | Builtin::Cap => {
            let Some(&arg) = args.first() else {
                return Operand::invalid(p);
            };
            let x = expr(p, env, arg);
            if x.is_invalid() {
                return x;
            }
            if let (Mode::Const(val), Builtin::Len) = (&x.mode, b) {
                if let Some(s) = const_str(val) {
                    return Operand {
                        mode: Mode::Const(Value::int64(s.len() as i64)),
                        ty: int,
                    };
                }
            }
            // Arrays (and pointers to arrays) have constant length when the operand has no
            // calls or receives.
            let under = underlying(p, x.ty);
            let arr = match p.ty(under).clone() {
                // An invalid type, or an array whose length was in error: already reported.
                Type::Invalid | Type::Array { len: None, .. } => return Operand::invalid(p),
                Type::Array { len, .. } => len,
                Type::Pointer(base) => {
                    let base = underlying(p, base);
                    match p.ty(base) {
                        Type::Array { len, .. } => *len,
                        _ => None,
                    }
                }
                _ => None,
            };
            match arr {
                Some(n) if !has_call_or_recv(&env.file, arg) => Operand {
                    mode: Mode::Const(Value::from_u64(n)),
                    ty: int,
                },
                _ => Operand::value(int),
            }
        }
        Builtin::New => match args.first() {
            Some(&t) => {
                let t = type_expr(p, env, t);
                Operand::value(p.intern(Type::Pointer(t)))
            }
            None => Operand::invalid(p),
        },
        Builtin::Make => match args.first() {
            Some(&t) => Operand::value(type_expr(p, env, t)),
            None => Operand::invalid(p),
        },
        Builtin::Append => match args.first() {
            Some(&s) => {
                let x = expr(p, env, s);
                Operand::value(x.ty)
            }
            None => Operand::invalid(p),
        },
        Builtin::Copy => Operand::value(int),
        Builtin::Recover => Operand::value(p.empty_interface),
        Builtin::Complex => {
            let (Some(&a), Some(&b2)) = (args.first(), args.get(1)) else {
                return Operand::invalid(p);
            };
            let (x, y) = (expr(p, env, a), expr(p, env, b2));
            let typed = [&x, &y]
                .iter()
                .find_map(|o| basic_kind(p, o.ty).filter(|k| !k.is_untyped()));
            let ty = match typed {
                Some(BasicKind::Float32) => p.basic(BasicKind::Complex64),
                Some(_) => p.basic(BasicKind::Complex128),
                None => p.basic(BasicKind::UntypedComplex),
            };
            if let (Mode::Const(re), Mode::Const(im)) = (&x.mode, &y.mode) {
                let i = im.to_float().make_imag();
                if let Ok(val) = constant::binary_op(&re.to_float(), constant::Op::Add, &i) {
                    return finish_const(p, env, e, val, ty);
                }
            }
            Operand::value(ty)
        }
        Builtin::Real | Builtin::Imag => {
            let Some(&a) = args.first() else {
                return Operand::invalid(p);
            };
            let x = expr(p, env, a);
            let ty = match basic_kind(p, x.ty) {
                Some(BasicKind::Complex64) => p.basic(BasicKind::Float32),
                Some(
                    BasicKind::UntypedComplex
                    | BasicKind::UntypedFloat
                    | BasicKind::UntypedInt
                    | BasicKind::UntypedRune,
                ) => p.basic(BasicKind::UntypedFloat),
                _ => p.basic(BasicKind::Float64),
            };
            if let Mode::Const(v) = &x.mode {
                let c = v.to_complex();
                let part = if b == Builtin::Real {
                    c.real()
                } else {
                    c.imag()
                };
                return finish_const(p, env, e, part, ty);
            }
            Operand::value(ty)
        }
        Builtin::Min | Builtin::Max => {
            let ops: Vec<Operand> = args.iter().map(|&a| expr(p, env, a)).collect();
            let Some(first) = ops.first().cloned() else {
                return Operand::invalid(p);
            };
            let mut ty = first.ty;
            for o in &ops {
                if !basic_kind(p, o.ty).is_some_and(BasicKind::is_untyped) {
                    ty = o.ty;
                }
            }
            let consts: Option<Vec<Value>> = ops
                .iter()
                .map(|o| {
                    if let Mode::Const(v) = &o.mode {
                        Some(v.clone())
                    } else {
                        None
                    }
                })
                .collect();
            if let Some(consts) = consts {
                let cmp = if b == Builtin::Min {
                    constant::Op::Lss
                } else {
                    constant::Op::Gtr
                };
                let mut best = consts[0].clone();
                for v in &consts[1..] {
                    if constant::compare(v, cmp, &best) {
                        best = v.clone();
                    }
                }
                return finish_const(p, env, e, best, ty);
            }
            Operand::value(ty)
        }
        Builtin::Sizeof | Builtin::Alignof => {
            let Some(&a) = args.first() else {
                return Operand::invalid(p);
            };
            let x = expr(p, env, a);
            let t = default_type(p, x.ty);
            let n = if b == Builtin::Sizeof {
                match super::methodset::sizeof(p, t) {
                    Some(n) => n,
                    None => {
                        let x_text = value_operand_string(p, env, a, t);
                        expr_error(p, env, a, format!("{x_text} is too large"));
                        return Operand::invalid(p);
                    }
                }
            } else {
                super::methodset::alignof(p, t)
            };
            Operand {
                mode: Mode::Const(Value::from_u64(n)),
                ty: uintptr,
            }
        }
        Builtin::Offsetof => {
            let Some(&a) = args.first() else {
                return Operand::invalid(p);
            };
            let file = Arc::clone(&env.file);
            let inner = strip_parens(&file, a);
            let Expr::Selector { x, sel } = *file.ast.expr(inner) else {
                expr_error(p, env, a, "invalid argument for unsafe.Offsetof".into());
                return Operand::invalid(p);
            };
            let base = expr(p, env, x);
            match super::methodset::offsetof(p, base.ty, sel.text(&file.src)) {
                Some(n) => Operand {
                    mode: Mode::Const(Value::from_u64(n)),
                    ty: uintptr,
                },
                None => Operand::invalid(p),
            }
        }
        Builtin::Add => Operand::value(p.basic(BasicKind::UnsafePointer)),
        Builtin::Slice => match args.first() {
            Some(&a) => {
                let x = expr(p, env, a);
                let under = underlying(p, x.ty);
                match p.ty(under).clone() {
                    Type::Pointer(elem) => Operand::value(p.intern(Type::Slice(elem))),
                    _ => Operand::invalid(p),
                }
            }
            None => Operand::invalid(p),
        },
        Builtin::SliceData => match args.first() {
            Some(&a) => {
                let x = expr(p, env, a);
                let under = underlying(p, x.ty);
                match p.ty(under).clone() {
                    Type::Slice(elem) => Operand::value(p.intern(Type::Pointer(elem))),
                    _ => Operand::invalid(p),
                }
            }
            None => Operand::invalid(p),
        },
        Builtin::String => Operand::value(p.basic(BasicKind::String)),
        Builtin::StringData => {
            let byte = p.basic(BasicKind::Byte);
            Operand::value(p.intern(Type::Pointer(byte)))
        }
        Builtin::Clear
        | Builtin::Close
        | Builtin::Delete
        | Builtin::Panic
        | Builtin::Print
        | Builtin::Println => Operand {
            mode: Mode::NoValue,
            ty: p.invalid(),
        },
    }
}

fn strip_parens(file: &SourceFile, mut e: ExprId) -> ExprId {
    while let Expr::Paren(x) = file.ast.expr(e) {
        e = *x;
    }
    e
}

/// Whether an expression contains a function call or a channel receive (go/types' rule for
/// constant `len`/`cap` of arrays); conversions and builtin calls would not count, but the
/// difference only matters for odd code.
fn has_call_or_recv(file: &SourceFile, e: ExprId) -> bool {
    match file.ast.expr(e) {
        Expr::Call { .. } => true,
        Expr::Unary {
            op: TokenKind::Arrow,
            ..
        } => true,
        Expr::Paren(x) | Expr::Star(x) => has_call_or_recv(file, *x),
        Expr::Selector { x, .. } => has_call_or_recv(file, *x),
        Expr::Index { x, index } => has_call_or_recv(file, *x) || has_call_or_recv(file, *index),
        Expr::Unary { x, .. } => has_call_or_recv(file, *x),
        Expr::Binary { x, y, .. } => has_call_or_recv(file, *x) || has_call_or_recv(file, *y),
        _ => false,
    }
}

/// An integer constant's value as `u64`, if it is one and fits.
fn const_u64(v: &Value) -> Option<u64> {
    let (n, exact) = v.uint64_val();
    (matches!(v.kind(), constant::Kind::Int) && exact).then_some(n)
}

/// An integer constant's value as `i64`, if it is one and fits.
fn const_i64(v: &Value) -> Option<i64> {
    let (n, exact) = v.int64_val();
    (matches!(v.kind(), constant::Kind::Int) && exact).then_some(n)
}

/// A string constant's bytes.
fn const_str(v: &Value) -> Option<&[u8]> {
    matches!(v.kind(), constant::Kind::String).then(|| v.string_val())
}

/// Whether a Go name is exported (`token.IsExported`).
pub fn is_exported(name: &str) -> bool {
    name.chars().next().is_some_and(char::is_uppercase)
}

/// Whether `ty` (or its pointer base) is a placeholder type of an unloaded package or embeds
/// one, however deep: its fields and methods are then not all known.
fn embeds_placeholder(p: &mut Program, ty: TypeId) -> bool {
    let mut pending = vec![ty];
    let mut seen = std::collections::HashSet::new();
    while let Some(ty) = pending.pop() {
        let ty = match *p.ty(ty) {
            Type::Pointer(base) => base,
            _ => ty,
        };
        if !seen.insert(ty) || seen.len() > 4096 {
            continue;
        }
        if p.is_placeholder(ty) {
            return true;
        }
        let under = underlying(p, ty);
        match p.ty(under) {
            Type::Struct(st) => {
                pending.extend(st.fields.iter().filter(|f| f.embedded).map(|f| f.ty))
            }
            Type::Interface(iface) => pending.extend(iface.embeddeds.iter().copied()),
            _ => {}
        }
    }
    false
}

/// Whether a dot import of the current file could not be loaded.
fn has_missing_dot_import(p: &Program, env: &Env) -> bool {
    p.packages[env.pkg.0 as usize]
        .file_imports
        .get(env.file_idx as usize)
        .is_some_and(|imports| {
            imports.iter().any(|imp| {
                imp.local.as_deref() == Some(".")
                    && matches!(imp.pkg, Some(Some(pkg)) if p.packages[pkg.0 as usize].missing)
            })
        })
}

/// The stand-in package of the only dot import of the current file that could not be loaded:
/// an unknown exported name may be one of its names.
fn missing_dot_import(p: &Program, env: &Env) -> Option<PkgId> {
    let imports = p.packages[env.pkg.0 as usize]
        .file_imports
        .get(env.file_idx as usize)?;
    let mut missing = imports.iter().filter_map(|imp| match imp.pkg {
        Some(Some(pkg))
            if imp.local.as_deref() == Some(".") && p.packages[pkg.0 as usize].missing =>
        {
            Some(pkg)
        }
        _ => None,
    });
    let first = missing.next()?;
    missing.next().is_none().then_some(first)
}
