//! API compatibility between two versions of a package, with the rules and messages of the
//! current `golang.org/x/exp/apidiff` (2026, with `types.Alias`): which changes break users
//! (incompatible) and which do not (compatible).
//!
//! The two versions are checked in two [`Program`]s (their dependencies may differ, e.g. two
//! Go releases); types are compared across them by *correspondence*: same-named defined
//! types of the old and new package correspond first, then a defined type of the old
//! package corresponds to the new type first compared with it, named types of other
//! packages correspond when their package-qualified names match (go.dev/issue/61385), and
//! everything else structurally. The structure follows apidiff's `apidiff.go`,
//! `correspondence.go` and `compatibility.go`; read them next to this module.

mod identity;
mod module;
mod spelling;

use std::collections::{BTreeMap, HashMap};

use crate::constant::{self, Value};
use crate::types::methodset::{interface_methods, method_set, MethodEntry};
use crate::types::ty::{BasicKind, NamedId, PkgId, Type, TypeId};
use crate::types::typestring::type_string;
use crate::types::{is_exported, ObjId, ObjKind, Program};
use spelling::Written;

pub use identity::{assignable, identical, implements};
pub(crate) use identity::{comparable, identical_in, known};
pub use module::{diff_modules, Bump, ModuleReport, PackageReport};

/// One change.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Change {
    /// apidiff's message (`F: changed from func(int) to func(string)`).
    pub message: String,
    /// Whether users are unaffected.
    pub compatible: bool,
    /// What the message is about: apidiff's object string (`F`, `T`, `T.M`, `(*T).M`) and
    /// the part of it (a field name, `, method set of *T`), empty for the object itself.
    #[cfg_attr(feature = "serde", serde(skip))]
    pub subject: (String, String),
}

/// The changes of one package: incompatible ones first, each group sorted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Report {
    /// The changes.
    pub changes: Vec<Change>,
}

impl Report {
    /// Whether some change is incompatible.
    pub fn has_incompatible(&self) -> bool {
        self.changes.iter().any(|c| !c.compatible)
    }

    /// apidiff's text: `Incompatible changes:` / `Compatible changes:` with `- ` items.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for (compatible, header) in [
            (false, "Incompatible changes:"),
            (true, "Compatible changes:"),
        ] {
            let msgs: Vec<&str> = self
                .changes
                .iter()
                .filter(|c| c.compatible == compatible)
                .map(|c| c.message.as_str())
                .collect();
            if msgs.is_empty() {
                continue;
            }
            out.push_str(header);
            out.push('\n');
            for m in msgs {
                out.push_str("- ");
                out.push_str(m);
                out.push('\n');
            }
        }
        out
    }
}

/// The changes from package `old_pkg` of `old` to package `new_pkg` of `new`.
pub fn changes(old: &mut Program, old_pkg: PkgId, new: &mut Program, new_pkg: PkgId) -> Report {
    let mut d = Differ {
        old,
        new,
        old_pkg,
        new_pkg,
        corr: HashMap::new(),
        corr_order: Vec::new(),
        incompatibles: BTreeMap::new(),
        compatibles: BTreeMap::new(),
        current: None,
        corr_memo: HashMap::new(),
    };
    d.check_package();
    let mut report = Report::default();
    for (set, compatible) in [(&d.incompatibles, false), (&d.compatibles, true)] {
        let mut msgs = collect(set);
        msgs.sort();
        report
            .changes
            .extend(msgs.into_iter().map(|(message, subject)| Change {
                message,
                compatible,
                subject,
            }));
    }
    report
}

/// Messages per object (its printed name and the side it belongs to) and part.
type MessageSet = BTreeMap<(bool, String), BTreeMap<String, String>>;

/// The messages of `set` with their subjects (object string, part).
fn collect(set: &MessageSet) -> Vec<(String, (String, String))> {
    let mut out = Vec::new();
    for ((_, objstring), parts) in set {
        for (part, msg) in parts {
            let p = if part.starts_with(',') {
                format!("{objstring}{part}")
            } else if objstring.is_empty() {
                part.clone()
            } else if part.is_empty() {
                objstring.clone()
            } else {
                format!("{objstring}.{part}")
            };
            out.push((format!("{p}: {msg}"), (objstring.clone(), part.clone())));
        }
    }
    out
}

/// An object messages are about: its printed name (`objectString`) and side.
#[derive(Clone, Debug)]
struct Obj {
    new_side: bool,
    name: String,
}

struct Differ<'a, 'o, 'n> {
    old: &'a mut Program<'o>,
    new: &'a mut Program<'n>,
    old_pkg: PkgId,
    new_pkg: PkgId,
    /// Old named type (a declared type, or an instance of a generic one: apidiff keys its
    /// map by type identity) → corresponding new type.
    corr: HashMap<TypeId, TypeId>,
    corr_order: Vec<TypeId>,
    incompatibles: MessageSet,
    compatibles: MessageSet,
    /// The defined type whose underlying types are being compared: its declaration, its
    /// old type and the corresponding new type.
    current: Option<(NamedId, TypeId, TypeId)>,
    /// Pairs of types already compared outside interface recursion. Types are interned, so a
    /// chain of aliases each using the previous one twice is a small graph whose tree is
    /// exponential: comparing each pair once keeps the walk linear. A pair compares the
    /// same way again, since correspondences are only ever added.
    corr_memo: HashMap<(TypeId, TypeId), bool>,
}

impl Differ<'_, '_, '_> {
    fn incompatible(&mut self, obj: &Obj, part: &str, msg: String) {
        self.incompatibles
            .entry((obj.new_side, obj.name.clone()))
            .or_default()
            .insert(part.to_owned(), msg);
    }

    fn compatible(&mut self, obj: &Obj, part: &str, msg: String) {
        self.compatibles
            .entry((obj.new_side, obj.name.clone()))
            .or_default()
            .insert(part.to_owned(), msg);
    }

    fn old_obj(name: &str) -> Obj {
        Obj {
            new_side: false,
            name: name.to_owned(),
        }
    }

    fn new_obj(name: &str) -> Obj {
        Obj {
            new_side: true,
            name: name.to_owned(),
        }
    }

    fn check_package(&mut self) {
        let mut old_names: Vec<String> = self.old.pkg(self.old_pkg).scope.keys().cloned().collect();
        old_names.sort();
        // Same-named defined types correspond first, so that an alias seen earlier in name
        // order (`type A = B` becoming `type A B`) cannot claim old B for new A and blame
        // B with "changed from B to B" (apidiff's testdata/order.go). go/types gives an
        // alias's TypeName an Alias type, so apidiff's `tn.Type().(*types.Named)` only
        // holds for defined types: aliases are left to the next loop.
        for name in &old_names {
            if !is_exported(name) {
                continue;
            }
            let Some(&old_id) = self.old.pkg(self.old_pkg).scope.get(name) else {
                continue;
            };
            let old_kind = self.old.object(old_id).kind.clone();
            let ObjKind::TypeName { ty, alias: false } = old_kind else {
                continue;
            };
            if !matches!(self.old.ty(ty), Type::Named(_)) {
                continue;
            }
            if let Some(&new_id) = self.new.pkg(self.new_pkg).scope.get(name) {
                self.check_objects(name, old_id, new_id);
            }
        }
        for name in &old_names {
            if !is_exported(name) {
                continue;
            }
            let Some(&old_id) = self.old.pkg(self.old_pkg).scope.get(name) else {
                continue;
            };
            let new_id = self.new.pkg(self.new_pkg).scope.get(name).copied();
            match new_id {
                None => self.incompatible(&Self::old_obj(name), "", "removed".into()),
                Some(new_id) => self.check_objects(name, old_id, new_id),
            }
        }
        let mut new_names: Vec<String> = self.new.pkg(self.new_pkg).scope.keys().cloned().collect();
        new_names.sort();
        for name in &new_names {
            if is_exported(name) && !self.old.pkg(self.old_pkg).scope.contains_key(name) {
                self.compatible(&Self::new_obj(name), "", "added".into());
            }
        }
        self.whole_package_satisfaction();
    }

    /// For every old interface and its new counterpart: every old type implementing it must
    /// still implement the new one.
    fn whole_package_satisfaction(&mut self) {
        let mut pairs: Vec<(NamedId, TypeId)> = Vec::new();
        for &k in &self.corr_order {
            if let Type::Named(n) | Type::Instance { named: n, .. } = *self.old.ty(k) {
                pairs.push((n, self.corr[&k]));
            }
        }
        for &(otn1, nt1) in &pairs {
            // `otn1.Type()`: the declared (origin) type, whatever instance the key is.
            let old_t1 = self.old.intern(Type::Named(otn1));
            let ou = self.old.underlying(old_t1);
            if !matches!(self.old.ty(ou), Type::Interface(_)) {
                continue;
            }
            let nu = self.new.underlying(nt1);
            if !matches!(self.new.ty(nu), Type::Interface(_)) {
                continue;
            }
            for &(otn2, nt2) in &pairs {
                if otn1 == otn2 {
                    continue;
                }
                let old_t2 = self.old.intern(Type::Named(otn2));
                if implements(self.old, old_t2, ou) && !implements(self.new, nt2, nu) {
                    let name2 = self.old.named[otn2.0 as usize].name.clone();
                    let name1 = self.old.named[otn1.0 as usize].name.clone();
                    self.incompatible(
                        &Self::old_obj(&name2),
                        "",
                        format!("no longer implements {name1}"),
                    );
                }
            }
        }
    }

    fn check_objects(&mut self, name: &str, old_id: ObjId, new_id: ObjId) {
        let obj = Self::old_obj(name);
        let old = self.old.object(old_id).kind.clone();
        let new = self.new.object(new_id).kind.clone();
        let written = || Some((Written::Object(old_id), Written::Object(new_id)));
        match (&old, &new) {
            (ObjKind::Const { ty: ot, val: ov }, ObjKind::Const { ty: nt, val: nv }) => {
                if !self.correspond(*ot, *nt) {
                    self.type_changed(&obj, "", *ot, *nt, written());
                } else if !values_equal(ov, nv) {
                    self.incompatible(
                        &obj,
                        "",
                        format!("value changed from {} to {}", ov.string(), nv.string()),
                    );
                }
                return;
            }
            (ObjKind::Var { ty: ot }, ObjKind::Var { ty: nt }) => {
                self.check_correspondence(&obj, "", *ot, *nt, written());
                return;
            }
            (ObjKind::Func { sig: ot }, ObjKind::Func { sig: nt }) => {
                self.check_correspondence(&obj, "", *ot, *nt, written());
                return;
            }
            (ObjKind::Func { sig: ot }, ObjKind::Var { ty: nt }) => {
                self.compatible(&obj, "", "changed from func to var".into());
                self.check_correspondence(&obj, "", *ot, *nt, written());
                return;
            }
            (ObjKind::TypeName { ty: ot, .. }, ObjKind::TypeName { ty: nt, .. }) => {
                self.check_correspondence(&obj, "", *ot, *nt, written());
                return;
            }
            _ => {}
        }
        self.incompatible(
            &obj,
            "",
            format!("changed from {} to {}", kind_name(&old), kind_name(&new)),
        );
    }

    fn check_correspondence(
        &mut self,
        obj: &Obj,
        part: &str,
        old: TypeId,
        new: TypeId,
        written: Option<(Written, Written)>,
    ) {
        if !self.correspond(old, new) {
            self.type_changed(obj, part, old, new, written);
        }
    }

    /// The message `changed from OLD to NEW`: each type as go/types prints it once
    /// `Unalias`ed, with the alias names its syntax (`written`, old and new) uses inside.
    fn type_changed(
        &mut self,
        obj: &Obj,
        part: &str,
        old: TypeId,
        new: TypeId,
        written: Option<(Written, Written)>,
    ) {
        let (old_written, new_written) = written.unzip();
        let olds = old_written
            .and_then(|w| spelling::written_type_string(self.old, self.old_pkg, &w, old))
            .unwrap_or_else(|| type_string(self.old, old, Some(self.old_pkg)));
        let news = new_written
            .and_then(|w| spelling::written_type_string(self.new, self.new_pkg, &w, new))
            .unwrap_or_else(|| type_string(self.new, new, Some(self.new_pkg)));
        self.incompatible(obj, part, format!("changed from {olds} to {news}"));
    }

    fn correspond(&mut self, old: TypeId, new: TypeId) -> bool {
        self.corr(old, new, &mut Vec::new())
    }

    fn corr(&mut self, old: TypeId, new: TypeId, ifaces: &mut Vec<(TypeId, TypeId)>) -> bool {
        if self.old.budget().check().is_err() {
            return false;
        }
        if !ifaces.is_empty() {
            return stacker::maybe_grow(128 * 1024, 4 * 1024 * 1024, || {
                self.corr_inner(old, new, ifaces)
            });
        }
        if let Some(&same) = self.corr_memo.get(&(old, new)) {
            return same;
        }
        let same = stacker::maybe_grow(128 * 1024, 4 * 1024 * 1024, || {
            self.corr_inner(old, new, ifaces)
        });
        self.corr_memo.insert((old, new), same);
        same
    }

    fn corr_inner(&mut self, old: TypeId, new: TypeId, ifaces: &mut Vec<(TypeId, TypeId)>) -> bool {
        let (ot, nt) = (self.old.ty(old).clone(), self.new.ty(new).clone());
        match (ot, nt) {
            (Type::Basic(a), Type::Basic(b)) => a.canonical() == b.canonical(),
            (Type::Basic(_), _) => false,
            // go/types' invalid type is the basic type of kind Invalid: it corresponds to
            // itself (apidiff compares basic types by kind).
            (Type::Invalid, Type::Invalid) => true,
            (Type::Array { len: l1, elem: e1 }, Type::Array { len: l2, elem: e2 }) => {
                self.corr(e1, e2, ifaces) && l1 == l2
            }
            (Type::Slice(a), Type::Slice(b)) | (Type::Pointer(a), Type::Pointer(b)) => {
                self.corr(a, b, ifaces)
            }
            (Type::Map { key: k1, value: v1 }, Type::Map { key: k2, value: v2 }) => {
                self.corr(k1, k2, ifaces) && self.corr(v1, v2, ifaces)
            }
            (Type::Chan { dir: d1, elem: e1 }, Type::Chan { dir: d2, elem: e2 }) => {
                self.corr(e1, e2, ifaces) && d1 == d2
            }
            (Type::Signature(s1), Type::Signature(s2)) => {
                let pe = self.corr_tuple(&s1.params, &s2.params, ifaces);
                let re = self.corr_tuple(&s1.results, &s2.results, ifaces);
                s1.variadic == s2.variadic && pe && re
            }
            (Type::Tuple(a), Type::Tuple(b)) => self.corr_tuple(&a, &b, ifaces),
            (Type::Struct(s1), Type::Struct(s2)) => {
                for (i, of) in s1.fields.iter().enumerate() {
                    let Some(nf) = s2.fields.get(i) else {
                        return false;
                    };
                    if of.embedded != nf.embedded
                        || of.tag != nf.tag
                        || !self.corr(of.ty, nf.ty, ifaces)
                        || !self.corr_field_names(of, nf)
                    {
                        return false;
                    }
                }
                s1.fields.len() == s2.fields.len()
            }
            (Type::Interface(_), Type::Interface(_)) => {
                if ifaces.iter().any(|&(x, y)| x == old && y == new) {
                    return true; // the same pair is being compared already
                }
                ifaces.push((old, new));
                let mut oms = interface_methods(self.old, old);
                let mut nms = interface_methods(self.new, new);
                oms.sort_by_cached_key(|m| self.method_id(m, false));
                nms.sort_by_cached_key(|m| self.method_id(m, true));
                let mut ok = oms.len() == nms.len();
                if ok {
                    for (om, nm) in oms.iter().zip(&nms) {
                        if self.method_id(om, false) != self.method_id(nm, true)
                            || !self.corr(om.sig, nm.sig, ifaces)
                        {
                            ok = false;
                            break;
                        }
                    }
                }
                ifaces.pop();
                ok
            }
            (Type::Named(on), Type::Named(_) | Type::Basic(_) | Type::Instance { .. }) => {
                self.establish(on, old, new)
            }
            (Type::Instance { named: on, .. }, Type::Named(_) | Type::Instance { .. }) => {
                self.establish(on, old, new)
            }
            (Type::TypeParam(a), Type::TypeParam(b)) => {
                self.old.type_params[a.0 as usize].index == self.new.type_params[b.0 as usize].index
            }
            _ => false,
        }
    }

    fn corr_tuple(
        &mut self,
        a: &[TypeId],
        b: &[TypeId],
        ifaces: &mut Vec<(TypeId, TypeId)>,
    ) -> bool {
        for (i, &x) in a.iter().enumerate() {
            let Some(&y) = b.get(i) else { return false };
            if !self.corr(x, y, ifaces) {
                return false;
            }
        }
        a.len() == b.len()
    }

    fn corr_field_names(&mut self, of: &crate::types::Field, nf: &crate::types::Field) -> bool {
        if of.embedded && nf.embedded && !is_exported(&of.name) && !is_exported(&nf.name) {
            if let (Type::Named(on), Type::Named(_)) =
                (self.old.ty(of.ty).clone(), self.new.ty(nf.ty).clone())
            {
                return self.establish(on, of.ty, nf.ty);
            }
            if let (Type::Instance { named: on, .. }, Type::Named(_) | Type::Instance { .. }) =
                (self.old.ty(of.ty).clone(), self.new.ty(nf.ty).clone())
            {
                return self.establish(on, of.ty, nf.ty);
            }
        }
        of.name == nf.name
    }

    /// go/types' `Id`: exported names alone, unexported ones with their package path.
    fn method_id(&self, m: &MethodEntry, new_side: bool) -> String {
        let (p, own) = if new_side {
            (&*self.new, self.new_pkg)
        } else {
            (&*self.old, self.old_pkg)
        };
        match m.pkg {
            Some(pkg) if pkg != own && !is_exported(&m.name) => {
                format!("{}.{}", p.pkg(pkg).path, m.name)
            }
            _ => m.name.clone(),
        }
    }

    /// apidiff's `establishCorrespondence`: `old` is the declared type of `old_ty` (which
    /// may be an instance of it). A first correspondence of `old_ty` is recorded when the
    /// new type may stand for it, then the two declarations are compared; later ones must
    /// name an identical new type.
    fn establish(&mut self, old: NamedId, old_ty: TypeId, new: TypeId) -> bool {
        if let Some(&oldc) = self.corr.get(&old_ty) {
            return identity::identical_in(self.new, oldc, new);
        }
        let on = self.old.named[old.0 as usize].clone();
        match self.new.ty(new).clone() {
            Type::Named(nn) | Type::Instance { named: nn, .. } => {
                let nnd = self.new.named[nn.0 as usize].clone();
                if on.pkg != Some(self.old_pkg) || nnd.pkg != Some(self.new_pkg) {
                    // Types of other packages: the same package-qualified name (before
                    // go.dev/issue/61385, io.Writer and text/tabwriter.Writer matched).
                    let path = |p: &Program, pkg: Option<PkgId>| {
                        pkg.map(|pkg| p.pkg(pkg).path.clone()).unwrap_or_default()
                    };
                    return on.name == nnd.name
                        && path(self.old, on.pkg) == path(self.new, nnd.pkg);
                }
                let old_args = match self.old.ty(old_ty) {
                    Type::Instance { args, .. } => Some(args.clone()),
                    _ => None,
                };
                match old_args {
                    Some(old_args) => {
                        // Instances correspond when their generic types and their type
                        // arguments do.
                        let Type::Instance { args: new_args, .. } = self.new.ty(new).clone() else {
                            return false;
                        };
                        let old_origin = self.old.intern(Type::Named(old));
                        let new_origin = self.new.intern(Type::Named(nn));
                        if !self.correspond(old_origin, new_origin) {
                            return false;
                        }
                        if !self.corr_tuple(&old_args, &new_args, &mut Vec::new()) {
                            return false;
                        }
                    }
                    None => {
                        if !self.type_params_correspond(old, nn) {
                            return false;
                        }
                    }
                }
            }
            Type::Basic(_) => {
                // A named type of another package never corresponds to a basic type.
                if on.pkg != Some(self.old_pkg) {
                    return false;
                }
            }
            _ => return false,
        }
        self.corr.insert(old_ty, new);
        self.corr_order.push(old_ty);
        self.check_compatible_defined(old, old_ty, new);
        true
    }

    /// Two type parameter lists correspond when they have the same length and their
    /// constraints correspond.
    fn type_params_correspond(&mut self, old: NamedId, new: NamedId) -> bool {
        let otp = crate::types::named_type_params(self.old, old);
        let ntp = crate::types::named_type_params(self.new, new);
        if otp.len() != ntp.len() {
            return false;
        }
        for (&a, &b) in otp.iter().zip(&ntp) {
            let ca = constraint(self.old, a);
            let cb = constraint(self.new, b);
            if !self.correspond(ca, cb) {
                return false;
            }
        }
        true
    }

    fn check_compatible_defined(&mut self, old: NamedId, old_ty: TypeId, new: TypeId) {
        let name = self.old.named[old.0 as usize].name.clone();
        let obj = Self::old_obj(&name);
        let ou = self.old.underlying(old_ty);
        let nu = self.new.underlying(new);
        let outer = self.current.replace((old, old_ty, new));
        let written = named_of(self.new, new)
            .map(|new_named| (Written::Underlying(old), Written::Underlying(new_named)));
        self.check_compatible(&obj, ou, nu, written);
        self.current = outer;
        if std::mem::discriminant(self.old.ty(ou)) != std::mem::discriminant(self.new.ty(nu)) {
            return;
        }
        if matches!(self.old.ty(ou), Type::Interface(_)) {
            return;
        }
        self.check_method_set(old, old_ty, new, true);
        let old_ptr = self.old.intern(Type::Pointer(old_ty));
        let new_ptr = self.new.intern(Type::Pointer(new));
        self.check_method_set(old, old_ptr, new_ptr, true);
    }

    /// Underlying types `old` and `new`, declared as `written`.
    fn check_compatible(
        &mut self,
        obj: &Obj,
        old: TypeId,
        new: TypeId,
        written: Option<(Written, Written)>,
    ) {
        match (self.old.ty(old).clone(), self.new.ty(new).clone()) {
            (Type::Interface(_), Type::Interface(_)) => {
                self.check_compatible_interface(obj, old, new)
            }
            (Type::Struct(_), Type::Struct(_)) => self.check_compatible_struct(obj, old, new),
            (Type::Chan { dir: d1, elem: e1 }, Type::Chan { dir: d2, elem: e2 }) => {
                self.check_correspondence(obj, ", element type", e1, e2, None);
                if d1 != d2 {
                    if d2 == crate::ast::ChanDir::Both {
                        self.compatible(obj, "", "removed direction".into());
                    } else {
                        self.incompatible(obj, "", "changed direction".into());
                    }
                }
            }
            (Type::Basic(a), Type::Basic(b)) => {
                if a.canonical() == b.canonical() {
                    return;
                }
                if compatible_basics(a.canonical(), b.canonical()) {
                    self.compatible(
                        obj,
                        "",
                        format!("changed from {} to {}", a.go_name(), b.go_name()),
                    );
                } else {
                    self.type_changed(obj, "", old, new, written);
                }
            }
            (Type::Interface(_) | Type::Struct(_) | Type::Chan { .. } | Type::Basic(_), _) => {
                self.type_changed(obj, "", old, new, written)
            }
            _ => self.check_correspondence(obj, "", old, new, written),
        }
    }

    fn check_compatible_interface(&mut self, obj: &Obj, old: TypeId, new: TypeId) {
        let Some((otn, old_named, new_named)) = self.current else {
            return;
        };
        // Interface methods are declared on the defined interface type (go/types sets their
        // receivers to it): compare the defined types' method sets.
        let _ = (old, new);
        let (old, new) = (old_named, new_named);
        let old_unexported = interface_methods(self.old, old)
            .iter()
            .any(|m| !is_exported(&m.name));
        if old_unexported {
            self.check_method_set(otn, old, new, true);
        } else {
            self.check_method_set(otn, old, new, false);
            let new_methods = interface_methods(self.new, new);
            if let Some(u) = new_methods.iter().find(|m| !is_exported(&m.name)) {
                let name = u.name.clone();
                self.incompatible(obj, &name, "added unexported method".into());
            }
        }
    }

    fn check_compatible_struct(&mut self, obj: &Obj, old: TypeId, new: TypeId) {
        let of = exported_fields(self.old, old);
        let nf = exported_fields(self.new, new);
        self.check_object_sets(obj, &of, &nf);
        let of = exported_selectable_fields(self.old, old);
        let nf = exported_selectable_fields(self.new, new);
        self.check_object_sets(obj, &of, &nf);
        if identity::comparable(self.old, old) && !identity::comparable(self.new, new) {
            self.incompatible(obj, "", "old is comparable, new is not".into());
        }
    }

    fn check_object_sets(
        &mut self,
        obj: &Obj,
        old: &BTreeMap<String, TypeId>,
        new: &BTreeMap<String, TypeId>,
    ) {
        for (name, &ot) in old {
            match new.get(name) {
                None => self.incompatible(obj, name, "removed".into()),
                Some(&nt) => {
                    // The fields of the defined type being compared.
                    let written = self.current.and_then(|(old_named, _, new_ty)| {
                        let new_named = named_of(self.new, new_ty)?;
                        Some((
                            Written::Field(old_named, name.clone()),
                            Written::Field(new_named, name.clone()),
                        ))
                    });
                    self.check_correspondence(obj, name, ot, nt, written)
                }
            }
        }
        for name in new.keys() {
            if !old.contains_key(name) {
                self.compatible(obj, name, "added".into());
            }
        }
    }

    /// Method sets of `old` and `new` (types of the old and new side) of the defined type
    /// `otn`, as apidiff's `checkMethodSet`.
    fn check_method_set(
        &mut self,
        otn: NamedId,
        old: TypeId,
        new: TypeId,
        additions_compatible: bool,
    ) {
        let type_name = self.old.named[otn.0 as usize].name.clone();
        let old_set = exported_methods(self.old, old);
        let new_set = exported_methods(self.new, new);
        let is_ptr = matches!(self.old.ty(old), Type::Pointer(_));
        let msname = if is_ptr {
            format!("*{type_name}")
        } else {
            type_name
        };
        for (name, om) in &old_set {
            let oobj = Obj {
                new_side: false,
                name: self.method_string(om, false),
            };
            match new_set.get(name) {
                None => {
                    // A method promoted from elsewhere names the method set it left, once:
                    // the removal shows in the value and the pointer method set alike, and
                    // apidiff reports it from the pointer one (for an interface, never).
                    let part = if self.declared_on_named(om, false) == Some(otn) {
                        String::new()
                    } else {
                        if !is_ptr {
                            continue;
                        }
                        format!(", method set of {msname}")
                    };
                    self.incompatible(&oobj, &part, "removed".into());
                }
                Some(nm) => {
                    let obj = if !om.ptr_recv && nm.ptr_recv {
                        Obj {
                            new_side: true,
                            name: self.method_string(nm, true),
                        }
                    } else {
                        oobj
                    };
                    let written = self
                        .written_method(om, false)
                        .zip(self.written_method(nm, true));
                    self.check_correspondence(&obj, "", om.sig, nm.sig, written);
                }
            }
        }
        for (name, nm) in &new_set {
            if !old_set.contains_key(name) {
                let nobj = Obj {
                    new_side: true,
                    name: self.method_string(nm, true),
                };
                if additions_compatible {
                    self.compatible(&nobj, "", "added".into());
                } else {
                    self.incompatible(&nobj, "", "added".into());
                }
            }
        }
    }

    /// apidiff's `objectString` of a method: `T.M`, `(*T).M`, or `I.M` for interfaces.
    fn method_string(&mut self, m: &MethodEntry, new_side: bool) -> String {
        if new_side {
            let root = self.new.pkg(self.new_pkg).path.clone();
            method_object_string(self.new, m, &root)
        } else {
            let root = self.old.pkg(self.old_pkg).path.clone();
            method_object_string(self.old, m, &root)
        }
    }

    /// Where method `m` (of the old or new side) is declared: on a defined type, or in the
    /// interface literal of one.
    fn written_method(&mut self, m: &MethodEntry, new_side: bool) -> Option<Written> {
        let named = self.declared_on_named(m, new_side)?;
        let is_interface = if new_side {
            let under = self.new.underlying(m.declared_on);
            matches!(self.new.ty(under), Type::Interface(_))
        } else {
            let under = self.old.underlying(m.declared_on);
            matches!(self.old.ty(under), Type::Interface(_))
        };
        Some(if is_interface {
            Written::InterfaceMethod(named, m.name.clone())
        } else {
            Written::Method(named, m.name.clone())
        })
    }

    fn declared_on_named(&self, m: &MethodEntry, new_side: bool) -> Option<NamedId> {
        let ty = if new_side {
            self.new.ty(m.declared_on)
        } else {
            self.old.ty(m.declared_on)
        };
        match ty {
            Type::Named(n) | Type::Instance { named: n, .. } => Some(*n),
            _ => None,
        }
    }
}

/// apidiff's `objectString` of a method relative to `root` (the compared package's path on
/// the method's side): `T.M`, `(*T).M`, `I.M`, the receiver as written (an alias keeps its
/// name), prefixed by `./sub.` for a package below `root` and by the full path for any
/// other package (a method promoted from an embedded type of another package).
fn method_object_string(p: &mut Program, m: &MethodEntry, root: &str) -> String {
    let pkg = match p.ty(m.declared_on) {
        Type::Named(n) | Type::Instance { named: n, .. } => p.named[n.0 as usize].pkg,
        _ => None,
    };
    let mut tn = match &m.recv_alias {
        Some(alias) => alias.clone(),
        None => type_string(p, m.declared_on, pkg),
    };
    if m.ptr_recv {
        tn = format!("(*{tn})");
    }
    let prefix = match pkg {
        Some(pkg) => {
            let path = &p.pkg(pkg).path;
            if path == root {
                String::new()
            } else if let Some(rest) = path
                .strip_prefix(root)
                .and_then(|rest| rest.strip_prefix('/'))
            {
                format!("./{rest}.")
            } else {
                format!("{path}.")
            }
        }
        None => String::new(),
    };
    format!("{prefix}{tn}.{}", m.name)
}

/// The declared type `ty` is, or is an instance of.
fn named_of(p: &Program, ty: TypeId) -> Option<NamedId> {
    match p.ty(ty) {
        Type::Named(n) | Type::Instance { named: n, .. } => Some(*n),
        _ => None,
    }
}

fn kind_name(kind: &ObjKind) -> &'static str {
    match kind {
        ObjKind::Const { .. } => "const",
        ObjKind::Var { .. } => "var",
        ObjKind::Func { .. } => "func",
        ObjKind::TypeName { .. } => "type",
        _ => "???",
    }
}

fn values_equal(a: &Value, b: &Value) -> bool {
    // Two unknown values (a constant of an unloaded package, `const D = edge.Max`) are the
    // same source: a tree compared with itself has no change. (go/constant's Compare says
    // false; the reference never gets here, it refuses to load such a package.)
    let unknown = |v: &Value| matches!(v.kind(), constant::Kind::Unknown);
    (unknown(a) && unknown(b)) || constant::compare(a, constant::Op::Eql, b)
}

fn constraint(p: &Program, tp: TypeId) -> TypeId {
    match p.ty(tp) {
        Type::TypeParam(id) => p.type_params[id.0 as usize].constraint,
        _ => p.invalid(),
    }
}

fn compatible_basics(a: BasicKind, b: BasicKind) -> bool {
    use BasicKind::*;
    matches!(
        (a, b),
        (Uint8, Uint16 | Uint32 | Uint | Uint64)
            | (Uint16, Uint32 | Uint | Uint64)
            | (Uint32, Uint | Uint64)
            | (Uint, Uint64)
            | (Int8, Int16 | Int32 | Int | Int64)
            | (Int16, Int32 | Int | Int64)
            | (Int32, Int | Int64)
            | (Int, Int64)
            | (Float32, Float64)
            | (Complex64, Complex128)
    )
}

fn exported_fields(p: &mut Program, st: TypeId) -> BTreeMap<String, TypeId> {
    let Type::Struct(s) = p.ty(st).clone() else {
        return BTreeMap::new();
    };
    s.fields
        .iter()
        .filter(|f| is_exported(&f.name))
        .map(|f| (f.name.clone(), f.ty))
        .collect()
}

/// Exported fields reachable through embedded structs, unambiguous at their depth.
fn exported_selectable_fields(p: &mut Program, st: TypeId) -> BTreeMap<String, TypeId> {
    let mut m: BTreeMap<String, TypeId> = BTreeMap::new();
    let mut cur = vec![st];
    let mut seen: Vec<TypeId> = Vec::new();
    while !cur.is_empty() {
        seen.extend(cur.iter().copied());
        let mut next = Vec::new();
        // Unambiguous fields at this depth.
        let mut fields: BTreeMap<String, crate::types::Field> = BTreeMap::new();
        let mut counted: BTreeMap<String, usize> = BTreeMap::new();
        for &s in &cur {
            let Type::Struct(st) = p.ty(s).clone() else {
                continue;
            };
            for f in st.fields {
                *counted.entry(f.name.clone()).or_default() += 1;
                fields.insert(f.name.clone(), f);
            }
        }
        for (name, f) in fields {
            if counted.get(&name).copied().unwrap_or(0) > 1 {
                continue;
            }
            if is_exported(&name) && !m.contains_key(&name) {
                m.insert(name.clone(), f.ty);
            }
            if !f.embedded {
                continue;
            }
            let mut t = p.underlying(f.ty);
            if let Type::Pointer(base) = p.ty(t).clone() {
                t = p.underlying(base);
            }
            if matches!(p.ty(t), Type::Struct(_)) && !seen.contains(&t) {
                next.push(t);
            }
        }
        cur = next;
    }
    m
}

fn exported_methods(p: &mut Program, ty: TypeId) -> BTreeMap<String, MethodEntry> {
    method_set(p, ty)
        .into_iter()
        .filter(|m| is_exported(&m.name))
        .map(|m| (m.name.clone(), m))
        .collect()
}
