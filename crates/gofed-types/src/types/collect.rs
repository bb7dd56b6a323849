//! Collecting a package's declarations into objects (no checking yet).

use std::sync::Arc;

use foldhash::{HashMap, HashMapExt as _};

use crate::ast::{Decl, Expr, ExprId, File, Spec};
use crate::lexer::unquote;

use super::{
    DeclRef, FileImport, Method, Named, NamedId, ObjId, ObjKind, ObjState, Object, Package,
    PackageInput, PkgId, Program, Type,
};

/// Adds a package: its scope with one object per package-level name, declared types as
/// [`Named`] with their methods attached. Nothing is resolved yet.
pub(super) fn add_package(program: &mut Program, input: PackageInput) -> PkgId {
    let pkg = PkgId(program.packages.len() as u32);
    let name = input.package_name();
    let mut scope: HashMap<String, ObjId> = HashMap::new();
    let mut file_imports = Vec::with_capacity(input.files.len());
    let mut methods: Vec<(String, Method)> = Vec::new();
    // `type A = T` with T a plain name: methods may be declared on A.
    let mut alias_targets: HashMap<String, String> = HashMap::new();

    for (file_idx, file) in input.files.iter().enumerate() {
        let src = &file.src;
        let ast = &file.ast;
        let mut imports = Vec::new();
        for (decl_idx, decl) in ast.decls.iter().enumerate() {
            match decl {
                Decl::Gen(gen) => {
                    for (spec_idx, spec) in gen.specs.iter().enumerate() {
                        let at = |name: usize| DeclRef {
                            file: file_idx as u32,
                            decl: decl_idx as u32,
                            spec: spec_idx as u32,
                            name: name as u32,
                        };
                        match spec {
                            Spec::Import(import) => {
                                let Some(path) = unquote(import.path.slice(src)) else {
                                    continue;
                                };
                                let local = import.name.map(|n| n.text(src).to_owned());
                                imports.push(FileImport {
                                    path,
                                    local,
                                    pkg: None,
                                });
                            }
                            Spec::Value(value) => {
                                for (i, name) in ast.ident_list(value.names).iter().enumerate() {
                                    let name = name.text(src);
                                    if name != "_" && !name.is_empty() && !scope.contains_key(name)
                                    {
                                        let id = add_object(program, name, pkg, at(i));
                                        scope.insert(name.to_owned(), id);
                                    }
                                }
                            }
                            Spec::Type(ty) => {
                                let name = ty.name.text(src);
                                if name == "_" || name.is_empty() || scope.contains_key(name) {
                                    continue;
                                }
                                let id = add_object(program, name, pkg, at(0));
                                if ty.assign.is_some() && matches!(ast.expr(ty.ty), Expr::Ident) {
                                    let target = ast.expr_span(ty.ty).text(src).to_owned();
                                    alias_targets.insert(name.to_owned(), target);
                                }
                                if ty.assign.is_none() {
                                    let named = NamedId(program.named.len() as u32);
                                    program.named.push(Named {
                                        obj: id,
                                        pkg: Some(pkg),
                                        name: name.to_owned(),
                                        type_params: Vec::new(),
                                        underlying: None,
                                        methods: Vec::new(),
                                        state: ObjState::Unresolved,
                                        tparams_state: if ty.type_params.is_some() {
                                            ObjState::Unresolved
                                        } else {
                                            ObjState::Done
                                        },
                                        decl: Some(at(0)),
                                        validated: false,
                                    });
                                    let ty = program.intern(Type::Named(named));
                                    let obj = &mut program.objects[id.0 as usize];
                                    obj.kind = ObjKind::TypeName { ty, alias: false };
                                    obj.state = ObjState::Done;
                                }
                                scope.insert(name.to_owned(), id);
                            }
                        }
                    }
                }
                Decl::Func(func) => {
                    let name = func.name.text(src);
                    let at = DeclRef {
                        file: file_idx as u32,
                        decl: decl_idx as u32,
                        spec: 0,
                        name: 0,
                    };
                    match func.recv {
                        None => {
                            if name != "init"
                                && name != "_"
                                && !name.is_empty()
                                && !scope.contains_key(name)
                            {
                                let id = add_object(program, name, pkg, at);
                                scope.insert(name.to_owned(), id);
                            }
                        }
                        Some(recv) => {
                            let Some(field) = ast.field_list(recv).first() else {
                                continue;
                            };
                            let (base, ptr_recv) = receiver_base(ast, field.ty);
                            let Some(base) = base else { continue };
                            methods.push((
                                base.text(src).to_owned(),
                                Method {
                                    name: name.into(),
                                    sig: None,
                                    ptr_recv,
                                    recv_type_params: Box::default(),
                                    recv_alias: None,
                                    decl: at,
                                },
                            ));
                        }
                    }
                }
                Decl::Bad(_) => {}
            }
        }
        file_imports.push(imports);
    }

    // Attach methods to the declared types of this package.
    for (mut base, mut method) in methods {
        let written = base.clone();
        for _ in 0..16 {
            match alias_targets.get(&base) {
                Some(target) => base.clone_from(target),
                None => break,
            }
        }
        if base != written {
            method.recv_alias = Some(written.into());
        }
        let Some(&obj) = scope.get(&base) else {
            continue;
        };
        if let ObjKind::TypeName { ty, alias: false } = program.objects[obj.0 as usize].kind {
            if let Type::Named(named) = *program.ty(ty) {
                let methods = &mut program.named[named.0 as usize].methods;
                if &*method.name != "_" && !methods.iter().any(|m| m.name == method.name) {
                    methods.push(method);
                }
            }
        }
    }

    program.packages.push(Package {
        path: input.path.clone(),
        name,
        files: input.files.iter().map(Arc::clone).collect(),
        scope,
        errors: Vec::new(),
        file_imports,
        missing: false,
        released: None,
    });
    program.by_path.insert(input.path, pkg);
    pkg
}

fn add_object(program: &mut Program, name: &str, pkg: PkgId, decl: DeclRef) -> ObjId {
    let id = ObjId(program.objects.len() as u32);
    program.objects.push(Object {
        name: name.into(),
        pkg: Some(pkg),
        kind: ObjKind::Pending,
        decl: Some(decl),
        state: ObjState::Unresolved,
    });
    id
}

/// The base type name of a receiver type expression (`*T[K]` → `T`) and whether it is a
/// pointer receiver.
pub(super) fn receiver_base(ast: &File, mut ty: ExprId) -> (Option<crate::span::Span>, bool) {
    let mut ptr = false;
    loop {
        match ast.expr(ty) {
            Expr::Paren(x) => ty = *x,
            Expr::Star(x) => {
                ptr = true;
                ty = *x;
            }
            Expr::Index { x, .. } | Expr::IndexList { x, .. } => ty = *x,
            Expr::Ident => return (Some(ast.expr_span(ty)), ptr),
            _ => return (None, ptr),
        }
    }
}

/// The stand-in package for an import path that could not be loaded: no files, the name the
/// path suggests, types added as importers name them ([`placeholder_type`]).
pub(super) fn placeholder_package(program: &mut Program, path: &str) -> PkgId {
    if let Some(&id) = program.placeholders.get(path) {
        return id;
    }
    let id = PkgId(program.packages.len() as u32);
    program.packages.push(Package {
        path: path.to_owned(),
        name: assumed_package_name(path).to_owned(),
        files: Vec::new(),
        scope: HashMap::new(),
        errors: Vec::new(),
        file_imports: Vec::new(),
        missing: true,
        released: None,
    });
    program.placeholders.insert(path.to_owned(), id);
    id
}

/// The type `name` of the stand-in package `pkg`, as its importers write it (`edge.Kind`):
/// a declared type with that package and name, identical to every other mention of it and
/// to nothing else. Its underlying type and methods are unknown (invalid, none).
pub(super) fn placeholder_type(program: &mut Program, pkg: PkgId, name: &str) -> ObjId {
    if let Some(&obj) = program.packages[pkg.0 as usize].scope.get(name) {
        return obj;
    }
    let obj = ObjId(program.objects.len() as u32);
    let named = NamedId(program.named.len() as u32);
    let invalid = program.invalid();
    program.named.push(Named {
        obj,
        pkg: Some(pkg),
        name: name.to_owned(),
        type_params: Vec::new(),
        underlying: Some(invalid),
        methods: Vec::new(),
        state: ObjState::Done,
        tparams_state: ObjState::Done,
        decl: None,
        validated: true,
    });
    let ty = program.intern(Type::Named(named));
    program.objects.push(Object {
        name: name.into(),
        pkg: Some(pkg),
        kind: ObjKind::TypeName { ty, alias: false },
        decl: None,
        state: ObjState::Done,
    });
    program.packages[pkg.0 as usize]
        .scope
        .insert(name.to_owned(), obj);
    obj
}

/// The package name an import path suggests (goimports' `ImportPathToAssumedName`): its last
/// element, the one before a `/vN` version element, without a `go-` prefix and cut at the
/// first character that cannot be in an identifier (`yaml.v3` is `yaml`).
pub(crate) fn assumed_package_name(path: &str) -> &str {
    let mut elems = path.rsplit('/');
    let mut base = elems.next().unwrap_or_default();
    let is_version =
        base.len() > 1 && base.starts_with('v') && base[1..].bytes().all(|b| b.is_ascii_digit());
    if is_version {
        if let Some(parent) = elems.next() {
            base = parent;
        }
    }
    let base = base.strip_prefix("go-").unwrap_or(base);
    let end = base
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(base.len());
    &base[..end]
}
