//! Impact of an API change on the code that uses it (issue #15): which of a dependent's uses of
//! another package's exported objects ([`crate::types::uses`]) an incompatible change of
//! [`crate::apidiff`] hits.
//!
//! A change is about a *subject*: a package-level object (`F`, `T`), a member of a declared
//! type (`T.F`, `T.M`, `(*T).M`), or a whole package (removed). Its *effect* says what the
//! change does to the code using the subject:
//! - [`Effect::Breaks`]: every use stops compiling (the subject is removed, its type or kind
//!   changed, a channel's direction changed);
//! - [`Effect::Unchecked`]: whether a use breaks depends on how the subject is used, which
//!   needs more than its uses: a method added to an interface breaks the dependent's types
//!   that implement it, a type no longer comparable breaks comparisons, a changed constant
//!   value breaks constant expressions that overflow. These are reported as used, not as
//!   breaking.
//!
//! Uses are matched by package path and name: a dependent compiled against the old version
//! names the old package's objects, and a member use names the declared type whose struct or
//! method set declares the member.

use crate::apidiff::{assignable, comparable, identical, identical_in, implements, known, Change};
use crate::types::methodset::method_set;
use crate::types::typestring::type_string;
use crate::types::uses::{
    Argument, ArgumentValue, AssignedValue, BinaryOperand, Call, SelectedValue, Target,
    UnkeyedLiteral, Use,
};
use crate::types::{default_type, param_type, representable, ObjKind, Program, Type, TypeId};

/// What an incompatible change does to the uses of its subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Effect {
    /// Every use stops compiling.
    Breaks,
    /// A use may or may not compile (see the module's documentation).
    Unchecked,
}

/// What a change is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SubjectTarget {
    /// The whole package (removed).
    Package,
    /// A package-level object, by name (a type's members are its too).
    Object(String),
    /// A field or method of a declared type.
    Member {
        /// The declared type's name.
        owner: String,
        /// The field's or method's name.
        name: String,
    },
    /// Something uses cannot name (a method promoted from another package's type).
    Unnamed,
}

/// One incompatible change and what it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subject {
    /// The import path of the package (as the old version has it).
    pub pkg_path: String,
    /// apidiff's message (`package removed` for a removed package).
    pub message: String,
    /// What it does to uses.
    pub effect: Effect,
    /// What it is about.
    pub target: SubjectTarget,
    /// Whether apidiff calls the change compatible: a field added to a struct type, which
    /// breaks its unkeyed literals only ([`Target::Fields`] uses).
    pub compatible: bool,
    /// For a type that became another package's type, identical to it (`type RawMessage =
    /// jsontext.Value`; see [`refine_identity_changes`]): that type's package path and name. A
    /// use of it breaks only where the dependent names the new type too (two cases of a type
    /// switch, two terms of a union that now overlap).
    pub identical_to: Option<(String, String)>,
}

impl Subject {
    /// The subject of an incompatible change of package `pkg_path`.
    pub fn of_change(pkg_path: &str, change: &Change) -> Subject {
        let (object, part) = &change.subject;
        let msg = change
            .message
            .split_once(": ")
            .map_or(change.message.as_str(), |(_, m)| m);
        Subject {
            pkg_path: pkg_path.to_owned(),
            message: change.message.clone(),
            effect: effect_of(msg),
            target: target_of(object, part),
            compatible: change.compatible,
            identical_to: None,
        }
    }

    /// A removed package.
    pub fn package_removed(pkg_path: &str) -> Subject {
        Subject {
            pkg_path: pkg_path.to_owned(),
            message: "package removed".to_owned(),
            effect: Effect::Breaks,
            target: SubjectTarget::Package,
            compatible: false,
            identical_to: None,
        }
    }

    /// Whether `u` (a use of program `p`) uses this subject.
    pub fn is_used_by(&self, p: &Program, u: &Use) -> bool {
        let (pkg, name) = u.package_and_name(p);
        let Some(pkg) = pkg else {
            return false;
        };
        if p.pkg(pkg).path != self.pkg_path {
            return false;
        }
        if self.compatible && !matches!(u.target, Target::Fields { .. }) {
            return false;
        }
        match (&self.target, &u.target) {
            // A value used as an interface is hit by what changes the interface's method set
            // only; the interface's other changes are its mentions'.
            (SubjectTarget::Member { owner, .. }, Target::Implements { .. })
            | (SubjectTarget::Object(owner), Target::Implements { .. }) => {
                self.effect == Effect::Unchecked && owner == name
            }
            (_, Target::Implements { .. }) => false,
            // An unkeyed literal is checked against the new version by every change of its
            // type or of a member of it (a method too: the check finds it compiles).
            (
                SubjectTarget::Member { owner, .. } | SubjectTarget::Object(owner),
                Target::Fields { .. },
            ) => owner == name,
            (SubjectTarget::Package, _) => true,
            (SubjectTarget::Object(object), Target::Object(_)) => object == name,
            (SubjectTarget::Object(object), Target::Member { owner, .. }) => {
                owner_name(p, *owner) == Some(object)
            }
            // `T.F: removed` is about F selected on T, declared on T or promoted into it.
            (
                SubjectTarget::Member {
                    owner,
                    name: member,
                },
                Target::Member { owner: o, recv, .. },
            ) => {
                member == name
                    && (owner_name(p, *o) == Some(owner)
                        || recv_name(p, *recv, &self.pkg_path) == Some(owner))
            }
            // A change whose effect depends on the use (a method added to an interface) is
            // used by every mention of the type: `var _ lib.I = impl{}` is what it may break.
            (SubjectTarget::Member { owner, .. }, Target::Object(_)) => {
                self.effect == Effect::Unchecked && owner == name
            }
            (SubjectTarget::Unnamed, _) => false,
        }
    }

    /// What this change does to `u`, one of its uses: the change's effect, decided for a value
    /// used as an interface that gains a method. A type with no method of that name (nor of
    /// the unexported one, when that is what is added) stops implementing the interface, unless
    /// it embeds something of the changed package, which may gain the method too.
    pub fn effect_on(&self, p: &mut Program, u: &Use) -> Effect {
        let Target::Implements { value, .. } = u.target else {
            return self.effect;
        };
        if self.effect != Effect::Unchecked || reaches_package(p, value, &self.pkg_path, 0) {
            return self.effect;
        }
        let missing = match &self.target {
            SubjectTarget::Member { name, .. } if self.message.ends_with(": added") => {
                !method_set(p, value).iter().any(|m| m.name == *name)
            }
            // No type outside the package declares its unexported method.
            SubjectTarget::Object(_) if self.message.ends_with(": added unexported method") => true,
            _ => false,
        };
        if missing {
            Effect::Breaks
        } else {
            Effect::Unchecked
        }
    }
}

impl Subject {
    /// Whether the change is a function's or method's new signature (or only its type
    /// parameters' constraints: see [`constraint_subjects`]): its calls can be checked against
    /// the new version ([`check_call`]).
    pub fn changes_signature(&self) -> bool {
        matches!(self.effect, Effect::Breaks | Effect::Unchecked)
            && self.message.contains(": changed from func")
    }

    /// Whether the change is a new type of a field, variable or constant (or a type's new
    /// definition): a value of it used as a value of a known type can be checked against the
    /// new version ([`check_value`]).
    pub fn changes_value_type(&self) -> bool {
        self.effect == Effect::Breaks
            && self.message.contains(": changed from ")
            && !self.changes_signature()
    }
}

/// What checking a use against the new version says: its call ([`check_call`]) or its value
/// ([`check_value`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UseCheck {
    /// It compiles, and a call's results mean what they did (or are dropped).
    Fits,
    /// It does not compile, at these positions (the compiler's: an argument's; for missing
    /// arguments, the last one's or the call's), for these reasons.
    Breaks(Vec<(u32, String)>),
    /// It may or may not (a type the checker could not tell, a generic callee, results that
    /// changed and are used).
    Unknown,
}

impl UseCheck {
    /// Several checks of one use (its arguments, its elements, its calls): the errors of all
    /// that break, else unknown when one is, else it fits.
    pub fn all(checks: impl IntoIterator<Item = UseCheck>) -> UseCheck {
        let mut errors = Vec::new();
        let mut unknown = false;
        for check in checks {
            match check {
                UseCheck::Fits => {}
                UseCheck::Breaks(e) => errors.extend(e),
                UseCheck::Unknown => unknown = true,
            }
        }
        if !errors.is_empty() {
            UseCheck::Breaks(errors)
        } else if unknown {
            UseCheck::Unknown
        } else {
            UseCheck::Fits
        }
    }
}

/// Checks a call of a changed function or method: `new_call` is the call as the dependent's
/// code walked against the new version has it, `old_call` as against the old version, which
/// compiles. A breaking argument the checker also rejects in the old call is not trusted (it
/// is the checker's limit, not the change): [`UseCheck::Unknown`].
pub fn check_call(
    old: &mut Program,
    old_call: &Call,
    new: &mut Program,
    new_call: &Call,
) -> UseCheck {
    // The number of arguments first: a generic callee's too, whose parameters' types are not
    // known until its type arguments are inferred.
    let arity = |p: &mut Program, call: &Call| match signature(p, call.sig) {
        Some(sig) => arity_fits(&sig, &spread_arguments(p, call), call),
        None => UseCheck::Unknown,
    };
    if let UseCheck::Breaks(errors) = confirmed(arity(new, new_call), || arity(old, old_call)) {
        return UseCheck::Breaks(errors);
    }
    if let Some(check) = generic_call(old, old_call, new, new_call) {
        return check;
    }
    match confirmed(arguments_fit(new, new_call), || {
        arguments_fit(old, old_call)
    }) {
        UseCheck::Fits => {
            let results =
                |p: &mut Program, call: &Call| plain_signature(p, call.sig).map(|s| s.results);
            let (Some(o), Some(n)) = (results(old, old_call), results(new, new_call)) else {
                return UseCheck::Unknown;
            };
            let same =
                o.len() == n.len() && o.iter().zip(&n).all(|(&a, &b)| identical(old, a, new, b));
            if same || new_call.discarded {
                return UseCheck::Fits;
            }
            // A result used as a value of a known type: assignable, or not.
            let (&[o], &[n], Some(ot), Some(nt)) = (
                o.as_slice(),
                n.as_slice(),
                old_call.result_target,
                new_call.result_target,
            ) else {
                return UseCheck::Unknown;
            };
            match (assignable(old, o, ot), assignable(new, n, nt)) {
                (Some(true), Some(true)) => UseCheck::Fits,
                (Some(true), Some(false)) => {
                    let (have, want) = (type_string(new, n, None), type_string(new, nt, None));
                    UseCheck::Breaks(vec![(
                        new_call.start,
                        format!("cannot use the call's value of type {have} as {want}"),
                    )])
                }
                _ => UseCheck::Unknown,
            }
        }
        other => other,
    }
}

/// A call of a function that is generic in the new version, its type arguments inferred from its
/// arguments: each type argument must satisfy its constraint (a constraint tightened breaks the
/// calls whose type arguments no longer do: confirmed as [`confirmed`] does, by the old call's
/// satisfying the old constraints), and when they all do, the call fits when both versions'
/// signatures, instantiated, are identical. `None` for a callee not generic in the new version, or
/// instantiated differently: the caller's checks decide (for a generic callee, undecided).
fn generic_call(
    old: &mut Program,
    old_call: &Call,
    new: &mut Program,
    new_call: &Call,
) -> Option<UseCheck> {
    let new_sig = signature(new, new_call.sig).filter(|sig| !sig.type_params.is_empty())?;
    let Some(new_args) = inferred(new, &new_sig, new_call) else {
        return Some(UseCheck::Unknown);
    };
    let old_sig = signature(old, old_call.sig)?;
    let old_args = if old_sig.type_params.is_empty() {
        Some(Vec::new())
    } else {
        inferred(old, &old_sig, old_call)
    };
    match unsatisfied(new, &new_sig, &new_args, new_call) {
        None => return Some(UseCheck::Unknown),
        Some(errors) if !errors.is_empty() => {
            let old_satisfied = old_args
                .as_ref()
                .and_then(|args| unsatisfied(old, &old_sig, args, old_call))
                .is_some_and(|errors| errors.is_empty());
            return Some(if old_satisfied {
                UseCheck::Breaks(errors)
            } else {
                UseCheck::Unknown
            });
        }
        Some(_) => {}
    }
    let old_args = old_args?;
    let instantiated =
        |p: &mut Program, sig: &crate::types::Signature, args: &[(TypeId, TypeId)]| {
            (sig.params.iter().chain(&sig.results))
                .map(|&t| crate::types::subst(p, t, args))
                .collect::<Vec<_>>()
        };
    let (o, n) = (
        instantiated(old, &old_sig, &old_args),
        instantiated(new, &new_sig, &new_args),
    );
    let same = old_sig.variadic == new_sig.variadic
        && old_sig.params.len() == new_sig.params.len()
        && o.len() == n.len()
        && o.iter().zip(&n).all(|(&a, &b)| identical(old, a, new, b));
    same.then_some(UseCheck::Fits)
}

/// The type arguments of a call of the generic `sig` inferred from its arguments' types, as
/// (type parameter, type argument) pairs: every type parameter bound, by typed arguments that
/// agree, else by untyped constants of one default type (`F(1, 2.5)`'s float64, which Go infers,
/// is not); `None` otherwise (a parameter inferred from another's constraint, an argument the
/// checker could not tell).
fn inferred(
    p: &mut Program,
    sig: &crate::types::Signature,
    call: &Call,
) -> Option<Vec<(TypeId, TypeId)>> {
    let args = spread_arguments(p, call);
    let mut bound: Vec<(TypeId, TypeId)> = Vec::new();
    let mut untyped: Vec<(TypeId, TypeId)> = Vec::new();
    for (i, arg) in args.iter().enumerate() {
        let param = param_type(p, sig, i, call.ellipsis)?;
        let ty = match &arg.value {
            ArgumentValue::Value(t) | ArgumentValue::Const(t, _) => *t,
            ArgumentValue::Nil => continue,
            ArgumentValue::Unknown => return None,
        };
        if matches!(p.ty(ty), Type::Basic(k) if k.is_untyped()) {
            if sig.type_params.contains(&param) {
                untyped.push((param, default_type(p, ty)));
            }
            continue;
        }
        let mut found = Vec::new();
        crate::types::unify(p, param, ty, &sig.type_params, &mut found);
        for (tparam, t) in found {
            bind(p, &mut bound, tparam, t)?;
        }
    }
    // A parameter bound by a typed argument takes that type; one bound only by untyped constants,
    // their one default type.
    let mut by_constants = Vec::new();
    for (tparam, t) in untyped {
        if !bound.iter().any(|(b, _)| *b == tparam) {
            bind(p, &mut by_constants, tparam, t)?;
        }
    }
    bound.extend(by_constants);
    sig.type_params
        .iter()
        .all(|tparam| bound.iter().any(|(b, _)| b == tparam))
        .then_some(bound)
}

/// Binds the type parameter `tparam` to `t` in `bound`; `None` when it is bound to another type.
fn bind(
    p: &mut Program,
    bound: &mut Vec<(TypeId, TypeId)>,
    tparam: TypeId,
    t: TypeId,
) -> Option<()> {
    match bound.iter().find(|(b, _)| *b == tparam) {
        Some(&(_, earlier)) => identical_in(p, earlier, t).then_some(()),
        None => {
            bound.push((tparam, t));
            Some(())
        }
    }
}

/// Which type arguments `args` of a call of the generic `sig` do not satisfy their constraints,
/// each with the compiler's message at the call's callee; `None` when one cannot be told (a
/// type parameter or interface as type argument: whether an interface satisfies `comparable`
/// depends on the Go version).
fn unsatisfied(
    p: &mut Program,
    sig: &crate::types::Signature,
    args: &[(TypeId, TypeId)],
    call: &Call,
) -> Option<Vec<(u32, String)>> {
    let mut errors = Vec::new();
    for &tparam in &sig.type_params {
        let Type::TypeParam(id) = *p.ty(tparam) else {
            return None;
        };
        let constraint = p.type_params.get(id.0 as usize)?.constraint;
        let constraint = crate::types::subst(p, constraint, args);
        let &(_, arg) = args.iter().find(|(b, _)| *b == tparam)?;
        if !known(p, arg, 0) || !known_constraint(p, constraint) {
            return None;
        }
        let under = p.underlying(arg);
        if matches!(p.ty(under), Type::Interface(_)) {
            return None;
        }
        let satisfied = (!embeds_comparable(p, constraint, 0) || comparable(p, arg))
            && implements(p, arg, constraint);
        if !satisfied {
            let (arg, constraint) = (type_string(p, arg, None), type_string(p, constraint, None));
            errors.push((call.callee, format!("{arg} does not satisfy {constraint}")));
        }
    }
    Some(errors)
}

/// Whether a constraint, once its type parameters are substituted, is free of them (an
/// interface's methods and terms).
fn known_constraint(p: &mut Program, constraint: TypeId) -> bool {
    let under = p.underlying(constraint);
    match p.ty(under).clone() {
        Type::Interface(i) => {
            i.methods.iter().all(|m| known(p, m.sig, 0))
                && i.embeddeds.iter().all(|&e| match p.ty(e).clone() {
                    Type::Union(terms) => terms.iter().all(|t| known(p, t.ty, 0)),
                    _ => known_constraint(p, e) || known(p, e, 0),
                })
        }
        _ => known(p, constraint, 0),
    }
}

/// Whether the constraint `ty` embeds `comparable` (directly or through an embedded interface).
fn embeds_comparable(p: &mut Program, ty: TypeId, depth: u32) -> bool {
    if ty == p.comparable_type {
        return true;
    }
    if depth > 64 {
        return false;
    }
    let under = p.underlying(ty);
    let Type::Interface(i) = p.ty(under).clone() else {
        return false;
    };
    i.embeddeds
        .iter()
        .any(|&e| embeds_comparable(p, e, depth + 1))
}

/// `new_check`, unless it breaks where the same check of the old call (which compiles) does not
/// pass: then the checker, not the change, is at fault.
fn confirmed(new_check: UseCheck, old_check: impl FnOnce() -> UseCheck) -> UseCheck {
    match new_check {
        UseCheck::Breaks(errors) => match old_check() {
            UseCheck::Fits => UseCheck::Breaks(errors),
            _ => UseCheck::Unknown,
        },
        other => other,
    }
}

/// Checks a field's or variable's value used as a value of a known type (passed, assigned,
/// returned, ...) against the field's or variable's new type: `new_value` is the value as the
/// dependent's code walked against the new version has it, `old_value` against the old version,
/// confirmed as [`check_call`]'s arguments are.
pub fn check_value(
    old: &mut Program,
    old_value: &AssignedValue,
    new: &mut Program,
    new_value: &AssignedValue,
) -> UseCheck {
    let fits = |p: &mut Program, v: &AssignedValue| {
        if v.converted {
            convertible_fits(p, &v.value, v.target)
        } else {
            argument_fits(p, &v.value, v.target)
        }
    };
    confirmed(fits(new, new_value), || fits(old, old_value))
}

/// Whether a value (or constant) converts to `target` (the spec's conversions: assignable, the
/// same underlying type, between numeric types, to a string from an integer or a byte or rune
/// slice, and back; a constant must be representable in a numeric type). Conversions of other
/// types not modelled here are left undecided.
fn convertible_fits(p: &mut Program, arg: &Argument, target: TypeId) -> UseCheck {
    if argument_fits(p, arg, target) == UseCheck::Fits {
        return UseCheck::Fits;
    }
    let under = p.underlying(target);
    let target_kind = match p.ty(under) {
        Type::Basic(k) => Some(*k),
        _ => None,
    };
    let bytes_or_runes = |p: &mut Program, ty: TypeId| {
        let under = p.underlying(ty);
        match *p.ty(under) {
            Type::Slice(elem) => {
                let elem = p.underlying(elem);
                matches!(p.ty(elem), Type::Basic(k) if matches!(k.canonical(), crate::types::BasicKind::Uint8 | crate::types::BasicKind::Int32))
            }
            _ => false,
        }
    };
    let fits = match (&arg.value, target_kind) {
        (ArgumentValue::Const(t, value), Some(k)) if k.is_numeric() => {
            let numeric = matches!(p.ty(*t), Type::Basic(c) if c.is_numeric());
            Some(numeric && representable(p, value, target))
        }
        (ArgumentValue::Const(t, _) | ArgumentValue::Value(t), kind) => {
            let t = *t;
            let value_under = p.underlying(t);
            match (p.ty(value_under).clone(), kind) {
                (Type::Basic(v), Some(k)) => Some(
                    (v.is_integer() || v.is_float()) && (k.is_integer() || k.is_float())
                        || v.is_complex() && k.is_complex()
                        || (v.is_integer() || v.is_string()) && k.is_string()
                        || v.canonical() == k.canonical(),
                ),
                (Type::Basic(v), None) if v.is_string() => {
                    bytes_or_runes(p, target).then_some(true)
                }
                (Type::Slice(_), Some(k)) if k.is_string() => bytes_or_runes(p, t).then_some(true),
                _ => identical_in(p, value_under, under).then_some(true),
            }
        }
        _ => None,
    };
    verdict(p, fits, arg, target, |have, want| {
        format!("cannot convert a value of type {have} to {want}")
    })
}

/// Checks a member selected from a field's or variable's value (`pkg.V.A`) against the field's
/// or variable's new type: the member must still be there (the compiler reports its name), and
/// have the type it had, or what is done with it is not decided here.
pub fn check_selected(
    old: &mut Program,
    old_selected: &SelectedValue,
    new: &mut Program,
    new_selected: &SelectedValue,
) -> UseCheck {
    match (old_selected.ty, new_selected.ty) {
        (Some(_), None) => UseCheck::Breaks(vec![(
            new_selected.member,
            "no field or method of that name in the new type".to_owned(),
        )]),
        (Some(o), Some(n)) if identical(old, o, new, n) => UseCheck::Fits,
        _ => UseCheck::Unknown,
    }
}

/// Checks a binary operation with a changed constant's, field's or variable's value as an operand
/// (`lib.C + 1`, `x.F == y`) against its new type: `new_op` is the operation as the dependent's
/// code walked against the new version has it, `old_op` against the old version, confirmed as
/// [`check_call`]'s arguments are. A comparison's value is an untyped boolean whatever its
/// operands; another operation's value has their type, which flows on: the operation fits only
/// when that type is the one it was.
pub fn check_binary(
    old: &mut Program,
    old_op: &BinaryOperand,
    new: &mut Program,
    new_op: &BinaryOperand,
) -> UseCheck {
    use crate::token::TokenKind as Op;
    let (check, new_type) = binary_fits(new, new_op);
    match check {
        UseCheck::Fits => {
            let comparison = matches!(
                new_op.op,
                Op::Eql | Op::Neq | Op::Lss | Op::Leq | Op::Gtr | Op::Geq
            );
            match (binary_fits(old, old_op).1, new_type) {
                _ if comparison => UseCheck::Fits,
                (Some(o), Some(n)) if identical(old, o, new, n) => UseCheck::Fits,
                _ => UseCheck::Unknown,
            }
        }
        other => confirmed(other, || binary_fits(old, old_op).0),
    }
}

/// Whether a binary operation's operands fit each other and the operator (go/types'
/// `matchTypes`, `comparison` and `binary`): an untyped constant is converted to the other
/// operand's type (it must be representable), typed operands of an arithmetic operation are
/// identical, those of a comparison assignable one to the other. Shifts (whose operands need
/// not match), two untyped operands, and types whose operators are not modelled here are left
/// undecided. With the operands' common type, when they have one.
fn binary_fits(p: &mut Program, b: &BinaryOperand) -> (UseCheck, Option<TypeId>) {
    use crate::token::TokenKind as Op;
    if matches!(b.op, Op::Shl | Op::Shr) {
        return (UseCheck::Unknown, None);
    }
    let typed = |p: &Program, a: &Argument| match &a.value {
        ArgumentValue::Value(t) | ArgumentValue::Const(t, _) => {
            Some((*t, matches!(p.ty(*t), Type::Basic(k) if k.is_untyped())))
        }
        _ => None,
    };
    let (Some((t, t_untyped)), Some((u, u_untyped))) = (typed(p, &b.operand), typed(p, &b.other))
    else {
        return (UseCheck::Unknown, None);
    };
    let equality = matches!(b.op, Op::Eql | Op::Neq);
    let comparison = equality || matches!(b.op, Op::Lss | Op::Leq | Op::Gtr | Op::Geq);
    // The operands' common type.
    let common = match (t_untyped, u_untyped) {
        (true, true) => return (UseCheck::Unknown, None),
        (false, true) => match argument_fits(p, &b.other, t) {
            UseCheck::Fits => t,
            other => return (other, None),
        },
        (true, false) => match argument_fits(p, &b.operand, u) {
            UseCheck::Fits => u,
            other => return (other, None),
        },
        (false, false) => {
            let fits = if comparison {
                match (assignable(p, t, u), assignable(p, u, t)) {
                    (Some(true), _) | (_, Some(true)) => Some(true),
                    (Some(false), Some(false)) => Some(false),
                    _ => None,
                }
            } else {
                Some(identical_in(p, t, u))
            };
            match fits {
                Some(true) => t,
                None => return (UseCheck::Unknown, None),
                Some(false) => {
                    let (left, right) = if b.left { (t, u) } else { (u, t) };
                    let (left, right) = (type_string(p, left, None), type_string(p, right, None));
                    let error = (b.start, format!("mismatched types {left} and {right}"));
                    return (UseCheck::Breaks(vec![error]), None);
                }
            }
        }
    };
    // The operator on that type: decided for basic types (and equality of pointers, channels
    // and interfaces) only.
    let under = p.underlying(common);
    let defined = match p.ty(under) {
        Type::Basic(k) => match b.op {
            Op::Eql | Op::Neq => true,
            Op::Add => k.is_numeric() || k.is_string(),
            Op::Sub | Op::Mul | Op::Quo => k.is_numeric(),
            Op::Rem | Op::And | Op::Or | Op::Xor | Op::AndNot => k.is_integer(),
            Op::Lss | Op::Leq | Op::Gtr | Op::Geq => {
                k.is_integer() || k.is_float() || k.is_string()
            }
            Op::LAnd | Op::LOr => k.is_boolean(),
            _ => false,
        },
        Type::Pointer(_) | Type::Chan { .. } | Type::Interface(_) => equality,
        _ => false,
    };
    if defined {
        (UseCheck::Fits, Some(common))
    } else {
        (UseCheck::Unknown, Some(common))
    }
}

/// Checks an unkeyed literal of a changed struct type: `new_literal` is the literal as the
/// dependent's code walked against the new version has it, `old_literal` against the old
/// version, confirmed as [`check_call`]'s arguments are. Errors are where the compiler reports
/// them: at the closing brace for too few values, at the first extra one for too many, at an
/// element that is not assignable or sets an unexported field.
pub fn check_literal(
    old: &mut Program,
    old_literal: &UnkeyedLiteral,
    new: &mut Program,
    new_literal: &UnkeyedLiteral,
) -> UseCheck {
    confirmed(literal_fits(new, new_literal), || {
        literal_fits(old, old_literal)
    })
}

/// Whether an unkeyed literal's elements fit its struct type's fields: their number, each one
/// settable and assignable to its field (go/types' `exprInternal` of a struct literal).
fn literal_fits(p: &mut Program, literal: &UnkeyedLiteral) -> UseCheck {
    let (elements, fields) = (&literal.elements, &literal.fields);
    if elements.len() > fields.len() {
        return UseCheck::Breaks(vec![(
            elements[fields.len()].offset,
            "too many values in struct literal".to_owned(),
        )]);
    }
    let elements_fit = elements
        .iter()
        .zip(fields)
        .map(|(element, &(ty, settable))| {
            if settable {
                argument_fits(p, element, ty)
            } else {
                UseCheck::Breaks(vec![(
                    element.offset,
                    "implicit assignment to an unexported field".to_owned(),
                )])
            }
        });
    let too_few = (elements.len() < fields.len()).then(|| {
        UseCheck::Breaks(vec![(
            literal.rbrace,
            "too few values in struct literal".to_owned(),
        )])
    });
    UseCheck::all(elements_fit.chain(too_few))
}

/// The signature of a callee of type `ty`, when it is one and not generic.
fn plain_signature(p: &mut Program, ty: TypeId) -> Option<crate::types::Signature> {
    signature(p, ty).filter(|sig| sig.type_params.is_empty())
}

/// The signature of a callee of type `ty`, generic or not, when it is one.
fn signature(p: &mut Program, ty: TypeId) -> Option<crate::types::Signature> {
    let under = p.underlying(ty);
    match p.ty(under) {
        Type::Signature(sig) => Some(sig.clone()),
        _ => None,
    }
}

/// A call's arguments, with `f(g())`'s spread: g's results are the arguments.
fn spread_arguments<'c>(p: &Program, call: &'c Call) -> std::borrow::Cow<'c, [Argument]> {
    if let [a] = call.args.as_slice() {
        if let ArgumentValue::Value(t) = &a.value {
            if let Type::Tuple(ts) = p.ty(*t) {
                let spread = ts.iter().map(|&t| Argument {
                    offset: a.offset,
                    selector: None,
                    value: ArgumentValue::Value(t),
                });
                return std::borrow::Cow::Owned(spread.collect());
            }
        }
    }
    std::borrow::Cow::Borrowed(&call.args)
}

/// Whether a call has as many arguments `args` as its callee's signature `sig` has parameters
/// (go/types' `arguments`): [`UseCheck::Fits`] or [`UseCheck::Breaks`].
fn arity_fits(sig: &crate::types::Signature, args: &[Argument], call: &Call) -> UseCheck {
    let (n, params) = (args.len(), sig.params.len());
    if call.ellipsis && !sig.variadic {
        let at = args.last().map_or(call.start, |a| a.offset);
        return UseCheck::Breaks(vec![(
            at,
            "have (...) in a call of a non-variadic function".to_owned(),
        )]);
    }
    // `f(a, b, c)` of a variadic f: any number of arguments for its last parameter.
    let spreads = sig.variadic && !call.ellipsis;
    let min = if spreads {
        params.saturating_sub(1)
    } else {
        params
    };
    if n < min {
        // Where the compiler reports it: at the last argument, or at the call without any.
        let at = args.last().map_or(call.start, |a| a.offset);
        return UseCheck::Breaks(vec![(at, "not enough arguments in call".to_owned())]);
    }
    if !spreads && n > params {
        return UseCheck::Breaks(vec![(
            args[params].offset,
            "too many arguments in call".to_owned(),
        )]);
    }
    UseCheck::Fits
}

/// Whether a call's arguments fit its callee's parameters: their number, and each one
/// assignable to its parameter (go/types' `arguments`).
fn arguments_fit(p: &mut Program, call: &Call) -> UseCheck {
    let Some(sig) = plain_signature(p, call.sig) else {
        return UseCheck::Unknown;
    };
    let args = spread_arguments(p, call);
    if let UseCheck::Breaks(errors) = arity_fits(&sig, &args, call) {
        return UseCheck::Breaks(errors);
    }
    UseCheck::all(args.iter().enumerate().map(|(i, arg)| {
        match param_type(p, &sig, i, call.ellipsis) {
            Some(param) => argument_fits(p, arg, param),
            None => UseCheck::Unknown,
        }
    }))
}

/// Whether one argument (or assigned value) is assignable to its parameter's (or target's) type
/// `param`.
fn argument_fits(p: &mut Program, arg: &Argument, param: TypeId) -> UseCheck {
    let fits = match &arg.value {
        ArgumentValue::Unknown => None,
        ArgumentValue::Value(t) => assignable(p, *t, param),
        ArgumentValue::Nil => {
            let under = p.underlying(param);
            match p.ty(under) {
                Type::Pointer(_)
                | Type::Signature(_)
                | Type::Slice(_)
                | Type::Map { .. }
                | Type::Chan { .. }
                | Type::Interface(_) => Some(true),
                Type::Basic(k) => Some(*k == crate::types::BasicKind::UnsafePointer),
                Type::Invalid | Type::TypeParam(_) => None,
                _ => Some(false),
            }
        }
        ArgumentValue::Const(t, value) => {
            let untyped = matches!(p.ty(*t), Type::Basic(k) if k.is_untyped());
            let under = p.underlying(param);
            match p.ty(under) {
                _ if !untyped => assignable(p, *t, param),
                Type::Basic(_) => Some(representable(p, value, param)),
                Type::Interface(_) => {
                    let default = default_type(p, *t);
                    Some(implements(p, default, param))
                }
                Type::Invalid | Type::TypeParam(_) => None,
                _ => Some(false),
            }
        }
    };
    verdict(p, fits, arg, param, |have, want| {
        format!("cannot use a value of type {have} as {want}")
    })
}

/// What `fits` (whether `arg` may be used as a `target`: assigned, converted) says; a break is
/// reported at the argument, `message` made of the two types' names.
fn verdict(
    p: &mut Program,
    fits: Option<bool>,
    arg: &Argument,
    target: TypeId,
    message: impl FnOnce(&str, &str) -> String,
) -> UseCheck {
    match fits {
        Some(true) => UseCheck::Fits,
        None => UseCheck::Unknown,
        Some(false) => {
            let have = match &arg.value {
                ArgumentValue::Value(t) | ArgumentValue::Const(t, _) => type_string(p, *t, None),
                _ => "nil".to_owned(),
            };
            let want = type_string(p, target, None);
            UseCheck::Breaks(vec![(arg.offset, message(&have, &want))])
        }
    }
}

/// Whether `ty` is, points to, or embeds (in its struct or interface, at any depth) a declared
/// type of package `pkg_path`.
fn reaches_package(p: &mut Program, ty: crate::types::TypeId, pkg_path: &str, depth: u32) -> bool {
    // Embedding chains are short; the bound also stops a type embedding a pointer to itself.
    if depth > 8 {
        return true;
    }
    let ty = match *p.ty(ty) {
        Type::Pointer(base) => base,
        _ => ty,
    };
    if let Type::Named(n) | Type::Instance { named: n, .. } = *p.ty(ty) {
        let pkg = p.named[n.0 as usize].pkg;
        if pkg.is_some_and(|pkg| p.pkg(pkg).path == pkg_path) {
            return true;
        }
    }
    let under = p.underlying(ty);
    let embedded: Vec<crate::types::TypeId> = match p.ty(under) {
        Type::Struct(s) => s
            .fields
            .iter()
            .filter(|f| f.embedded)
            .map(|f| f.ty)
            .collect(),
        Type::Interface(i) => i.embeddeds.clone(),
        _ => Vec::new(),
    };
    embedded
        .into_iter()
        .any(|e| reaches_package(p, e, pkg_path, depth + 1))
}

/// Lowers to [`Effect::Unchecked`] the changes of a declared type's identity that keep what
/// code does with it: `T: changed from T to other.U` where U has T's underlying type and
/// every method of T and *T with the same signature (Go 1.27's `json.RawMessage`, now an
/// alias of `jsontext.Value`). Only code relying on the identity breaks (a type switch listing
/// both, a union of both): the subject records the new type ([`Subject::identical_to`]);
/// `old_pkg` of `old` and `new_pkg` of `new` are the package's two versions.
pub fn refine_identity_changes(
    subjects: &mut [Subject],
    old: &mut Program,
    old_pkg: crate::types::PkgId,
    new: &mut Program,
    new_pkg: crate::types::PkgId,
) {
    for subject in subjects.iter_mut() {
        let SubjectTarget::Object(name) = &subject.target else {
            continue;
        };
        if subject.effect != Effect::Breaks || !subject.message.contains(": changed from ") {
            continue;
        }
        let (Some(o), Some(n)) = (type_of(old, old_pkg, name), type_of(new, new_pkg, name)) else {
            continue;
        };
        let (ou, nu) = (old.underlying(o), new.underlying(n));
        if !crate::apidiff::identical(old, ou, new, nu) {
            continue;
        }
        let keeps_methods = [false, true].into_iter().all(|pointer| {
            let (ot, nt) = if pointer {
                (old.intern(Type::Pointer(o)), new.intern(Type::Pointer(n)))
            } else {
                (o, n)
            };
            let new_methods = method_set(new, nt);
            method_set(old, ot)
                .iter()
                .filter(|m| crate::types::is_exported(&m.name))
                .all(|m| {
                    new_methods.iter().any(|nm| {
                        nm.name == m.name && crate::apidiff::identical(old, m.sig, new, nm.sig)
                    })
                })
        });
        if keeps_methods {
            subject.effect = Effect::Unchecked;
            if let Type::Named(named) | Type::Instance { named, .. } = *new.ty(n) {
                let named = &new.named[named.0 as usize];
                let pkg = named.pkg.map(|pkg| new.pkg(pkg).path.clone());
                subject.identical_to = pkg.map(|pkg| (pkg, named.name.to_string()));
            }
        }
    }
}

/// The changes of a package's struct types that break their unkeyed literals in other packages
/// only, as compatible subjects (seen by [`Target::Fields`] uses): of `subjects` (from
/// [`subjects_of`]), the members added that are fields; and the changes apidiff does not
/// report, an unexported field added (or removed) and fields reordered. Only a type whose old
/// fields are all exported can have unkeyed literals in another package.
pub fn literal_subjects(
    subjects: &mut Vec<Subject>,
    pkg_path: &str,
    old: &mut Program,
    old_pkg: crate::types::PkgId,
    new: &mut Program,
    new_pkg: crate::types::PkgId,
) {
    let field_names = |p: &mut Program, pkg, name: &str| -> Option<Vec<String>> {
        let ty = type_of(p, pkg, name)?;
        let under = p.underlying(ty);
        match p.ty(under) {
            Type::Struct(st) => Some(st.fields.iter().map(|f| f.name.clone()).collect()),
            _ => None,
        }
    };
    let exported = |fields: &[String]| -> Vec<String> {
        let exported = fields.iter().filter(|f| crate::types::is_exported(f));
        exported.cloned().collect()
    };
    subjects.retain(|s| match (&s.target, s.compatible) {
        (SubjectTarget::Member { owner, name }, true) => {
            let old_fields = field_names(old, old_pkg, owner);
            let new_fields = field_names(new, new_pkg, owner);
            old_fields.is_some_and(|f| f == exported(&f))
                && new_fields.is_some_and(|f| f.contains(name))
        }
        _ => true,
    });
    for name in exported_names(old, old_pkg) {
        let reported = subjects.iter().any(|s| match &s.target {
            SubjectTarget::Object(owner) | SubjectTarget::Member { owner, .. } => *owner == name,
            _ => false,
        });
        if reported {
            continue;
        }
        let (Some(old_fields), Some(new_fields)) = (
            field_names(old, old_pkg, &name),
            field_names(new, new_pkg, &name),
        ) else {
            continue;
        };
        if old_fields == new_fields || old_fields != exported(&old_fields) {
            continue;
        }
        // Exported fields added or removed are apidiff's.
        let what = if exported(&new_fields) == old_fields {
            "unexported fields added"
        } else {
            "fields reordered"
        };
        subjects.push(Subject {
            pkg_path: pkg_path.to_owned(),
            message: format!("{name}: {what}"),
            effect: Effect::Unchecked,
            target: SubjectTarget::Object(name),
            compatible: true,
            identical_to: None,
        });
    }
}

/// The generic functions of a package whose type parameters' constraints changed, which apidiff
/// does not report (it compares the signatures without them): a call whose type arguments no
/// longer satisfy a tightened constraint stops compiling. As subjects whose calls are checked
/// ([`check_call`]) and whose other uses (an explicit instantiation, a function value) are left
/// undecided.
pub fn constraint_subjects(
    subjects: &mut Vec<Subject>,
    pkg_path: &str,
    old: &mut Program,
    old_pkg: crate::types::PkgId,
    new: &mut Program,
    new_pkg: crate::types::PkgId,
) {
    let func = |p: &mut Program, pkg, name: &str| {
        let obj = *p.pkg(pkg).scope.get(name)?;
        let ObjKind::Func { sig } = p.object(obj).kind else {
            return None;
        };
        let params = signature(p, sig)?.type_params;
        let constraints: Vec<TypeId> = (params.iter())
            .map(|&t| match *p.ty(t) {
                Type::TypeParam(id) => p.type_params.get(id.0 as usize).map(|d| d.constraint),
                _ => None,
            })
            .collect::<Option<_>>()?;
        (!constraints.is_empty()).then_some((sig, constraints))
    };
    for name in exported_names(old, old_pkg) {
        let reported = (subjects.iter()).any(|s| s.target == SubjectTarget::Object(name.clone()));
        let (Some((old_sig, old_constraints)), Some((new_sig, new_constraints))) =
            (func(old, old_pkg, &name), func(new, new_pkg, &name))
        else {
            continue;
        };
        let same = old_constraints.len() == new_constraints.len()
            && (old_constraints.iter().zip(&new_constraints))
                .all(|(&a, &b)| identical(old, a, new, b));
        if reported || same {
            continue;
        }
        let (from, to) = (
            type_string(old, old_sig, None),
            type_string(new, new_sig, None),
        );
        subjects.push(Subject {
            pkg_path: pkg_path.to_owned(),
            message: format!("{name}: changed from {from} to {to}"),
            effect: Effect::Unchecked,
            target: SubjectTarget::Object(name),
            compatible: false,
            identical_to: None,
        });
    }
}

/// The exported names of package `pkg`'s scope, sorted.
fn exported_names(p: &Program, pkg: crate::types::PkgId) -> Vec<String> {
    let mut names: Vec<String> = (p.pkg(pkg).scope.keys())
        .filter(|name| crate::types::is_exported(name))
        .cloned()
        .collect();
    names.sort();
    names
}

/// The type package `pkg`'s type name `name` denotes (`None` for another kind of object).
fn type_of(p: &mut Program, pkg: crate::types::PkgId, name: &str) -> Option<crate::types::TypeId> {
    let obj = *p.pkg(pkg).scope.get(name)?;
    match p.object(obj).kind {
        ObjKind::TypeName { ty, .. } => Some(ty),
        _ => None,
    }
}

/// The subjects of a package's incompatible changes, and of the members it added (fields
/// break unkeyed literals: see [`literal_subjects`]).
pub fn subjects_of(pkg_path: &str, changes: &[Change]) -> Vec<Subject> {
    changes
        .iter()
        .map(|c| Subject::of_change(pkg_path, c))
        // Of the compatible changes, a member added may be a field, which breaks unkeyed
        // literals.
        .filter(|s| {
            !s.compatible
                || (s.message.ends_with(": added")
                    && matches!(s.target, SubjectTarget::Member { .. }))
        })
        .collect()
}

/// The name of the declared type `owner` is (or instantiates).
fn owner_name<'p>(p: &'p Program, owner: crate::types::TypeId) -> Option<&'p str> {
    match p.ty(owner) {
        Type::Named(n) | Type::Instance { named: n, .. } => Some(&p.named[n.0 as usize].name),
        _ => None,
    }
}

/// The name of the declared type of package `pkg_path` a member is selected on (`T` or `*T`).
fn recv_name<'p>(p: &'p Program, recv: crate::types::TypeId, pkg_path: &str) -> Option<&'p str> {
    let recv = match p.ty(recv) {
        Type::Pointer(base) => *base,
        _ => recv,
    };
    match p.ty(recv) {
        Type::Named(n) | Type::Instance { named: n, .. } => {
            let named = &p.named[n.0 as usize];
            let pkg = named.pkg?;
            (p.pkg(pkg).path == pkg_path).then_some(named.name.as_str())
        }
        _ => None,
    }
}

/// The effect of apidiff's message (the part after `SUBJECT: `).
fn effect_of(msg: &str) -> Effect {
    if msg == "removed" || msg.starts_with("changed from ") || msg == "changed direction" {
        Effect::Breaks
    } else {
        // `added` (a method of an interface), `added unexported method`, `no longer
        // implements I`, `old is comparable, new is not`, `value changed from a to b`.
        Effect::Unchecked
    }
}

/// The subject named by apidiff's object string and part: `F` / `T` (part empty), `T` and a
/// field name, `T.M`, `(*T).M`, `I.M`, `Box[E].M`, possibly with `, method set of *U` as the
/// part; `path.T.M` and `./sub.T.M` for methods promoted from other packages.
fn target_of(object: &str, part: &str) -> SubjectTarget {
    if object.contains('/') {
        return SubjectTarget::Unnamed;
    }
    if let Some(rest) = object.strip_prefix("(*") {
        return match rest.split_once(").") {
            Some((owner, name)) => member(owner, name),
            None => SubjectTarget::Unnamed,
        };
    }
    // The method's name follows the last dot outside the type arguments.
    let mut depth = 0usize;
    let mut dot = None;
    for (i, c) in object.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            '.' if depth == 0 => dot = Some(i),
            _ => {}
        }
    }
    if let Some(i) = dot {
        return member(&object[..i], &object[i + 1..]);
    }
    if part.is_empty() || part.starts_with(',') {
        return SubjectTarget::Object(object.to_owned());
    }
    // A field of the struct `object` (of a field's struct type: the first field's name).
    let field = part.split('.').next().unwrap_or(part);
    member(object, field)
}

fn member(owner: &str, name: &str) -> SubjectTarget {
    let owner = owner.split('[').next().unwrap_or(owner);
    SubjectTarget::Member {
        owner: owner.to_owned(),
        name: name.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(message: &str, object: &str, part: &str) -> Change {
        Change {
            message: message.to_owned(),
            compatible: false,
            subject: (object.to_owned(), part.to_owned()),
        }
    }

    #[test]
    fn subjects_of_apidiff_messages() {
        let cases = [
            (
                "F: removed",
                "F",
                "",
                Effect::Breaks,
                SubjectTarget::Object("F".into()),
            ),
            (
                "T.A: changed from int to string",
                "T",
                "A",
                Effect::Breaks,
                member("T", "A"),
            ),
            (
                "(*T).M: removed",
                "(*T).M",
                "",
                Effect::Breaks,
                member("T", "M"),
            ),
            (
                "Box[E].Get: removed",
                "Box[E].Get",
                "",
                Effect::Breaks,
                member("Box", "Get"),
            ),
            ("I.M: added", "I.M", "", Effect::Unchecked, member("I", "M")),
            (
                "C: value changed from 1 to 2",
                "C",
                "",
                Effect::Unchecked,
                SubjectTarget::Object("C".into()),
            ),
            (
                "(*Inner).M, method set of *Outer: removed",
                "(*Inner).M",
                ", method set of *Outer",
                Effect::Breaks,
                member("Inner", "M"),
            ),
            (
                "example.com/x.T.M, method set of *U: removed",
                "example.com/x.T.M",
                ", method set of *U",
                Effect::Breaks,
                SubjectTarget::Unnamed,
            ),
        ];
        for (message, object, part, effect, target) in cases {
            let s = Subject::of_change("example.com/lib", &change(message, object, part));
            assert_eq!((s.effect, &s.target), (effect, &target), "{message}");
        }
    }
}
