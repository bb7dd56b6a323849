//! Walking a checked package as cmd/api's `Walker.export` does.

use crate::constant::StringStyle;
use crate::types::methodset::{interface_methods, method_set};
use crate::types::ty::{PkgId, Type, TypeId};
use crate::types::{is_exported, ObjKind, Program};

use super::deprecated::Deprecations;
use super::print::{Printer, MAX_TYPE_STRING};
use super::{ApiPackage, Feature, FeatureKind, Release};

/// The exported names of package `pkg`'s scope, sorted.
pub(super) fn exported_names(p: &Program, pkg: PkgId) -> Vec<String> {
    let mut names: Vec<String> = p
        .pkg(pkg)
        .scope
        .keys()
        .filter(|n| is_exported(n))
        .cloned()
        .collect();
    names.sort();
    names
}

/// The API of package `pkg` (exported names in sorted order, as cmd/api walks them) as Go
/// 1.19's walker prints it, its constant values as the Go release of `style` prints them
/// (Go 1.20 changed the short form of some floats).
pub fn extract_package(p: &mut Program, pkg: PkgId, style: StringStyle) -> ApiPackage {
    let release = match style {
        StringStyle::Go119 => Release::go(19),
        StringStyle::Current => Release::go(20),
    };
    extract_package_for(p, pkg, release)
}

/// What the walk of one package needs besides the program.
struct Walk {
    printer: Printer,
    /// The package's deprecation marks, when the release reports them.
    marks: Option<Deprecations>,
}

impl Walk {
    /// Whether the named type `ty` (or instance) is declared in the walked package, and its name.
    fn own_named(&self, p: &Program, ty: TypeId) -> Option<String> {
        match *p.ty(ty) {
            Type::Named(n) | Type::Instance { named: n, .. } => {
                let named = &p.named[n.0 as usize];
                (named.pkg == Some(self.printer.current)).then(|| named.name.clone())
            }
            _ => None,
        }
    }

    /// Whether a method of a method set (concrete or of an interface) is marked: by the
    /// declaration of the walked package that declares it.
    fn method_marked(&self, p: &Program, m: &crate::types::methodset::MethodEntry) -> bool {
        let Some(marks) = &self.marks else {
            return false;
        };
        let Some(owner) = self.own_named(p, m.declared_on) else {
            return false;
        };
        marks.method(&owner, &m.name) || marks.interface_method(&owner, &m.name)
    }
}

/// The API of package `pkg` as Go 1.`release`'s cmd/api prints it, with the position and doc
/// summary of each package-level name.
pub fn extract_package_for(p: &mut Program, pkg: PkgId, release: Release) -> ApiPackage {
    let mut api = extract_package_texts(p, pkg, release);
    for f in &mut api.features {
        if matches!(
            f.kind,
            FeatureKind::Const | FeatureKind::Var | FeatureKind::Func | FeatureKind::Type
        ) {
            if let Some(&obj) = p.pkg(pkg).scope.get(&f.name) {
                if let Some((pos, doc)) = p.object_source(obj) {
                    f.position = Some(pos);
                    f.doc = doc;
                }
            }
        }
    }
    api
}

/// [`extract_package_for`] without positions and doc summaries: what cmd/api's lines need
/// (positions index every line of every file: on a distribution tree a second pass over all
/// of its bytes).
pub fn extract_package_texts(p: &mut Program, pkg: PkgId, release: Release) -> ApiPackage {
    let marks = release
        .deprecated_rule()
        .map(|rule| Deprecations::new(rule, &p.pkg(pkg).files));
    let walk = Walk {
        printer: Printer::new(pkg, release.style(), release.type_arguments()),
        marks,
    };
    let printer = &walk.printer;
    let mut features = Vec::new();
    let mut too_long = Vec::new();
    for name in exported_names(p, pkg) {
        if p.budget().check().is_err() {
            break;
        }
        let first = features.len();
        emit_object(p, &walk, &mut features, &name);
        // A name whose type string was cut short contributes no features, an error instead.
        if printer.take_too_long() {
            features.truncate(first);
            too_long.push(name);
            continue;
        }
        let printed: usize = features[first..].iter().map(|f| f.text.len()).sum();
        let _ = p.budget().charge("printed output", printed as u64);
    }
    for name in too_long {
        if let Some(&obj) = p.pkg(pkg).scope.get(&name) {
            let message = format!(
                "{name}: its type is longer than {MAX_TYPE_STRING} bytes when printed; left out"
            );
            p.report_at_object(obj, message);
        }
    }
    let errors = p
        .package_diagnostics(pkg)
        .iter()
        .map(ToString::to_string)
        .collect();
    ApiPackage {
        path: p.pkg(pkg).path.clone(),
        name: p.pkg(pkg).name.clone(),
        features,
        errors,
    }
}

/// The features of the package-level object `name`, in cmd/api's order.
fn emit_object(p: &mut Program, walk: &Walk, features: &mut Vec<Feature>, name: &str) {
    let printer = &walk.printer;
    let first = features.len();
    let marked = walk.marks.as_ref().is_some_and(|m| m.object(name));
    let name = name.to_owned();
    let Some(&obj) = p.pkg(printer.current).scope.get(&name) else {
        return;
    };
    let kind = p.object(obj).kind.clone();
    match kind {
        ObjKind::Const { ty, val } => {
            // The exact form of a long string constant is at least as long as the string
            // (cmd/api prints it whole): charged before it is built.
            if p.budget()
                .charge("printed output", 2 * val.approx_size())
                .is_err()
            {
                return;
            }
            let ty_text = printer.type_string(p, ty);
            features.push(Feature::new(
                FeatureKind::Const,
                name.clone(),
                format!("const {name} {ty_text}"),
            ));
            let short = val.string_as(printer.style);
            let exact = val.exact_string();
            let text = if short == exact {
                format!("const {name} = {short}")
            } else {
                format!("const {name} = {short}  // {exact}")
            };
            features.push(Feature::new(FeatureKind::Const, name.clone(), text));
        }
        ObjKind::Var { ty } => {
            let ty_text = printer.type_string(p, ty);
            features.push(Feature::new(
                FeatureKind::Var,
                name.clone(),
                format!("var {name} {ty_text}"),
            ));
        }
        ObjKind::Func { sig } => {
            let sig_text = printer.signature_string(p, sig);
            features.push(Feature::new(
                FeatureKind::Func,
                name.clone(),
                format!("func {name}{sig_text}"),
            ));
        }
        ObjKind::TypeName { ty, alias } => {
            emit_type(p, walk, features, &name, ty, alias);
            // The type's own lines carry its mark (not its fields' and methods'); cmd/api
            // emits it before looking at what the type is, so an alias has it too.
            if marked {
                let line = format!("type {name} //deprecated");
                for f in &mut features[first..] {
                    let own = f.kind == FeatureKind::Type
                        || (f.kind == FeatureKind::InterfaceMethod && f.name == name);
                    if own {
                        f.deprecated = Some(line.clone());
                    }
                }
            }
            return;
        }
        ObjKind::Pending | ObjKind::Builtin(_) | ObjKind::Nil => return,
    }
    if marked {
        let keyword = match features.get(first).map(|f| f.kind) {
            Some(FeatureKind::Const) => "const",
            Some(FeatureKind::Var) => "var",
            _ => "func",
        };
        let line = format!("{keyword} {name} //deprecated");
        for f in &mut features[first..] {
            f.deprecated = Some(line.clone());
        }
    }
}

fn emit_type(
    p: &mut Program,
    walk: &Walk,
    out: &mut Vec<Feature>,
    name: &str,
    ty: TypeId,
    alias: bool,
) {
    let printer = &walk.printer;
    let mut display = name.to_owned();
    if !alias {
        if let Type::Named(named) = *p.ty(ty) {
            p.complete_named(named);
            let tparams = p.named[named.0 as usize].type_params.clone();
            if !tparams.is_empty() {
                printer.write_type_params(p, &mut display, &tparams, true, 0);
            }
        }
    }
    if alias {
        let target = printer.type_string(p, ty);
        out.push(Feature::new(
            FeatureKind::Type,
            name.to_owned(),
            format!("type {display} = {target}"),
        ));
        return;
    }
    let under = p.underlying(ty);
    match p.ty(under).clone() {
        Type::Struct(s) => {
            let scope = format!("type {display} struct");
            out.push(Feature::new(
                FeatureKind::Type,
                name.to_owned(),
                scope.clone(),
            ));
            let field_marks = walk
                .marks
                .as_ref()
                .and_then(|m| m.struct_fields(name))
                .filter(|marks| marks.len() == s.fields.len());
            for (i, field) in s.fields.iter().enumerate() {
                if !is_exported(&field.name) {
                    continue;
                }
                let marked = field_marks.as_ref().is_some_and(|m| m[i]);
                let field_ty = printer.type_string(p, field.ty);
                let mut feature = if field.embedded {
                    let mut f = Feature::new(
                        FeatureKind::Embedded,
                        format!("{name}.{}", field.name),
                        format!("{scope}, embedded {field_ty}"),
                    );
                    f.deprecated =
                        marked.then(|| format!("{scope}, embedded {field_ty} //deprecated"));
                    f
                } else {
                    Feature::new(
                        FeatureKind::Field,
                        format!("{name}.{}", field.name),
                        format!("{scope}, {} {field_ty}", field.name),
                    )
                };
                if marked && !field.embedded {
                    feature.deprecated = Some(format!("{scope}, {} //deprecated", field.name));
                }
                out.push(feature);
            }
        }
        Type::Interface(_) => {
            emit_interface(p, walk, out, name, &display, ty);
            return; // an interface's methods are its features
        }
        _ => {
            let under_text = printer.type_string(p, under);
            out.push(Feature::new(
                FeatureKind::Type,
                name.to_owned(),
                format!("type {display} {under_text}"),
            ));
        }
    }

    // Methods with value receiver, then the rest of *T's method set.
    let mut emitted: Vec<String> = Vec::new();
    for m in method_set(p, ty) {
        if is_exported(&m.name) {
            emit_method(p, walk, out, name, ty, &m);
            emitted.push(m.name);
        }
    }
    let ptr = p.intern(Type::Pointer(ty));
    for m in method_set(p, ptr) {
        if is_exported(&m.name) && !emitted.contains(&m.name) {
            emit_method(p, walk, out, name, ptr, &m);
        }
    }
}

fn emit_method(
    p: &mut Program,
    walk: &Walk,
    out: &mut Vec<Feature>,
    type_name: &str,
    recv: TypeId,
    m: &crate::types::methodset::MethodEntry,
) {
    let printer = &walk.printer;
    let recv_text = printer.type_string(p, recv);
    let mut tps = String::new();
    if !m.recv_type_params.is_empty() {
        printer.write_type_params(p, &mut tps, &m.recv_type_params, false, 0);
    }
    let sig = printer.signature_string(p, m.sig);
    let mut feature = Feature::new(
        FeatureKind::Method,
        format!("{type_name}.{}", m.name),
        format!("method ({recv_text}{tps}) {}{sig}", m.name),
    );
    if walk.method_marked(p, m) {
        feature.deprecated = Some(format!("method ({recv_text}{tps}) {} //deprecated", m.name));
    }
    out.push(feature);
}

fn emit_interface(
    p: &mut Program,
    walk: &Walk,
    out: &mut Vec<Feature>,
    name: &str,
    display: &str,
    ty: TypeId,
) {
    let printer = &walk.printer;
    let scope = format!("type {display} interface");
    let mut methods = interface_methods(p, ty);
    methods.sort_by(|a, b| a.name.cmp(&b.name));
    let mut names = Vec::new();
    let mut complete = true;
    for m in &methods {
        if !is_exported(&m.name) {
            complete = false;
            continue;
        }
        let sig = printer.signature_string(p, m.sig);
        let mut feature = Feature::new(
            FeatureKind::InterfaceMethod,
            format!("{name}.{}", m.name),
            format!("{scope}, {}{sig}", m.name),
        );
        if walk.method_marked(p, m) {
            feature.deprecated = Some(format!("{scope}, {} //deprecated", m.name));
        }
        out.push(feature);
        names.push(m.name.clone());
    }
    if !complete {
        out.push(Feature::new(
            FeatureKind::InterfaceMethod,
            name.to_owned(),
            format!("{scope}, unexported methods"),
        ));
        return;
    }
    let text = if names.is_empty() {
        format!("type {display} interface {{}}")
    } else {
        format!("type {display} interface {{ {} }}", names.join(", "))
    };
    out.push(Feature::new(FeatureKind::Type, name.to_owned(), text));
}
