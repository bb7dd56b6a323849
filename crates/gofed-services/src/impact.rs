//! `impact`: which dependents a new version of a library breaks, and where. The library's
//! incompatible changes (apidiff, OLD → NEW) are matched against every use each dependent makes
//! of the old version's exported objects, fields and methods ([`gofed_go::impact`]).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use gofed_go::api::source::ParseCache;
use gofed_go::api::stdlib::{Chain, StdSummary};
use gofed_go::apidiff::changes;
use gofed_go::budget::Budget;
use gofed_go::impact::{
    check_binary, check_call, check_literal, check_selected, check_value, constraint_subjects,
    literal_subjects, refine_identity_changes, subjects_of, Effect, Subject, UseCheck,
};
use gofed_go::types::uses::{
    package_uses_and_calls, AssignedValue, BinaryOperand, Call, DefinedVar, Recorded,
    SelectedValue, Target, UnkeyedLiteral, Use, UseKind,
};
use gofed_go::types::{ObjKind, PackageSource, PkgId, Program, Sizes, Type};

use crate::api::World;
use crate::apidiff::side_packages;
use crate::request::{
    BuildContext, CacheControl, CheckRequest, Format, MachinePaths, Rendered, RequestError, Source,
};
use crate::tree::OpenedTree;

/// Input of `impact`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct ImpactRequest {
    /// The library's old version (the one the dependents are built against).
    pub old: Source,
    /// The library's new version.
    pub new: Source,
    /// The dependents (at least one).
    pub dependents: Vec<Source>,
    /// The build context of every tree.
    #[serde(default)]
    pub context: BuildContext,
    /// The Go distribution whose standard library resolves imports (default: the embedded summary).
    #[serde(default)]
    pub goroot: Option<PathBuf>,
    /// Output format.
    #[serde(default)]
    pub format: Format,
    /// Analyse again even when the store holds this result.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_cache: bool,
}

impl ImpactRequest {
    /// The trees, in the order the action reads them: old, new, then the dependents.
    pub fn sources(&self) -> Vec<&Source> {
        [&self.old, &self.new]
            .into_iter()
            .chain(&self.dependents)
            .collect()
    }
}

impl CheckRequest for ImpactRequest {
    fn check(&self) -> Result<(), RequestError> {
        self.context.check()
    }
}
impl MachinePaths for ImpactRequest {
    fn goroot(&self) -> Option<&std::path::Path> {
        self.goroot.as_deref()
    }
}
impl CacheControl for ImpactRequest {
    fn no_cache(&self) -> bool {
        self.no_cache
    }
}

/// The JSON document.
#[derive(Debug, Serialize)]
struct ImpactJson {
    /// The library's incompatible changes.
    changes: Vec<ChangeJson>,
    /// One entry per dependent, in the order given.
    dependents: Vec<DependentJson>,
}

#[derive(Debug, Serialize)]
struct ChangeJson {
    package: String,
    message: String,
    effect: Effect,
    /// Compatible for apidiff (a field added, or a change it does not report): it breaks
    /// unkeyed struct literals only.
    compatible: bool,
}

/// A dependent's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
enum Verdict {
    /// Some use stops compiling.
    Breaks,
    /// No use is hit, but some use a subject of a change whose effect depends on how it is used.
    Unchecked,
    /// Nothing changed is used.
    Safe,
}

#[derive(Debug, Serialize)]
struct DependentJson {
    /// The tree as given.
    source: String,
    verdict: Verdict,
    /// The number of uses that break.
    breaking: usize,
    hits: Vec<HitJson>,
}

/// One use hit by one change.
#[derive(Debug, Serialize)]
struct HitJson {
    /// `file:line:col`, the file relative to the dependent's root.
    position: String,
    /// The line of code.
    line: String,
    /// How the use reaches the subject (`qualified`, `method`, ...).
    kind: &'static str,
    /// The change's package and message.
    package: String,
    change: String,
    effect: Effect,
    /// Why the code breaks, when the use's call was checked against the new version (the
    /// position is then the compiler's: the argument; for missing arguments, the last one or the
    /// call).
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// The `impact` action: `trees` are the old and new versions, then the dependents.
pub fn impact(
    trees: &[OpenedTree],
    args: &ImpactRequest,
    budget: &Budget,
) -> anyhow::Result<Rendered> {
    let [old_tree, new_tree, dependents @ ..] = trees else {
        anyhow::bail!("impact needs the old and new versions and at least one dependent");
    };
    if dependents.is_empty() {
        anyhow::bail!("impact needs at least one dependent");
    }
    let goroot = args.goroot.as_deref();
    let load = |tree| {
        let cache = Arc::new(ParseCache::default());
        World::load(tree, &args.context, goroot, &cache, budget)
    };
    let (old_world, new_world) = rayon::join(|| load(old_tree), || load(new_tree));
    let old_world = old_world.context("loading the old version")?;
    let new_world = new_world.context("loading the new version")?;
    let sizes = Sizes::for_arch(&args.context.goarch);

    // The library's incompatible changes, package by package (paired by their path in the
    // module), named by the old version's import paths: the dependents import those.
    let mut old = Program::new(&old_world.source, sizes);
    let mut new = Program::new(&new_world.source, sizes);
    old.set_budget(budget);
    new.set_budget(budget);
    // apidiff's pairing: keys relative to the module, a GOPATH, or the directory given.
    let mut old_pkgs = side_packages(&old_world, &mut old, None).pkgs;
    let mut new_pkgs = side_packages(&new_world, &mut new, None).pkgs;
    // Two trees with packages of the same import paths are paired by them (a package directory
    // given from inside its module and a copy of it in a GOPATH); else by their path in the
    // module (a module renamed between the versions).
    let same_paths = old_pkgs.iter().any(|(_, o)| {
        new_pkgs
            .iter()
            .any(|(_, n)| old.pkg(*o).path == new.pkg(*n).path)
    });
    if same_paths {
        for (key, id) in &mut old_pkgs {
            key.clone_from(&old.pkg(*id).path);
        }
        for (key, id) in &mut new_pkgs {
            key.clone_from(&new.pkg(*id).path);
        }
    }
    let mut subjects: Vec<Subject> = Vec::new();
    for (key, o) in &old_pkgs {
        let path = old.pkg(*o).path.clone();
        match new_pkgs.iter().find(|(k, _)| k == key) {
            None => subjects.push(Subject::package_removed(&path)),
            Some((_, n)) => {
                let report = changes(&mut old, *o, &mut new, *n);
                let mut found = subjects_of(&path, &report.changes);
                refine_identity_changes(&mut found, &mut old, *o, &mut new, *n);
                literal_subjects(&mut found, &path, &mut old, *o, &mut new, *n);
                constraint_subjects(&mut found, &path, &mut old, *o, &mut new, *n);
                subjects.extend(found);
            }
        }
    }
    if let Some(err) = old.budget_error().or_else(|| new.budget_error()) {
        return Err(err.into());
    }
    let library: Vec<String> = old_pkgs
        .iter()
        .map(|(_, id)| old.pkg(*id).path.clone())
        .collect();

    let mut dependents_json = Vec::new();
    for (tree, source) in dependents.iter().zip(&args.dependents) {
        let cache = Arc::new(ParseCache::default());
        let world = World::load(tree, &args.context, goroot, &cache, budget)
            .with_context(|| format!("loading the dependent {}", source_name(source)))?;
        let chain = dependent_chain(&world, &old_world);
        let mut program = Program::new(&chain, sizes);
        program.set_budget(budget);
        // The dependent against the new version, to check the calls of changed functions and
        // the arguments of fields and variables whose type changed: built when a use needs it.
        let new_chain = dependent_chain(&world, &new_world);
        let mut new_program: Option<Program> = None;
        let mut hits = Vec::new();
        for pkg in &world.project.packages {
            let has_files = !pkg.go_files.is_empty() || !pkg.cgo_files.is_empty();
            if pkg.vendored || !has_files || library.contains(&pkg.import_path) {
                continue;
            }
            let Some(id) = program.package("", &pkg.import_path) else {
                continue;
            };
            let dir = pkg
                .dir
                .strip_prefix(&world.project.root)
                .unwrap_or(&pkg.dir)
                .to_path_buf();
            // The sites of uses a change's effect alone does not decide (calls, values,
            // unkeyed literals) are checked against the new version.
            let (uses, recorded) = package_uses_and_calls(&mut program, id);
            // The types that changes made identical to another package's, which this package
            // names too (see below).
            let named_targets: Vec<&(String, String)> = (subjects.iter())
                .filter_map(|s| s.identical_to.as_ref())
                .filter(|(pkg, name)| names_type(&program, &uses, pkg, name))
                .collect();
            let mut new_recorded: Option<Recorded> = None;
            for u in &uses {
                for subject in &subjects {
                    if !subject.is_used_by(&program, u) {
                        continue;
                    }
                    // A type now identical to another package's type: only where that one is
                    // named too can a use break.
                    if let Some(target) = &subject.identical_to {
                        if !named_targets.contains(&target) {
                            continue;
                        }
                    }
                    let site = site_of(subject, u, &recorded);
                    let check = match site {
                        None => {
                            let effect = subject.effect_on(&mut program, u);
                            hits.push(hit(&program, id, &dir, u, u.offset, subject, effect, None));
                            continue;
                        }
                        Some(Site::Undecided) => UseCheck::Unknown,
                        Some(site) => {
                            let new = new_program.get_or_insert_with(|| {
                                let mut p = Program::new(&new_chain, sizes);
                                p.set_budget(budget);
                                p
                            });
                            let new_recorded = new_recorded.get_or_insert_with(|| {
                                match new.package("", &pkg.import_path) {
                                    Some(nid) => package_uses_and_calls(new, nid).1,
                                    None => Recorded::default(),
                                }
                            });
                            match site.in_version(new_recorded) {
                                Some((Site::Call(old), Site::Call(nc))) => {
                                    check_call(&mut program, old, new, nc)
                                }
                                Some((Site::Value(old), Site::Value(nv))) => {
                                    check_value(&mut program, old, new, nv)
                                }
                                Some((Site::Literal(old), Site::Literal(nl))) => {
                                    check_literal(&mut program, old, new, nl)
                                }
                                Some((Site::Selected(old), Site::Selected(ns))) => {
                                    check_selected(&mut program, old, new, ns)
                                }
                                Some((Site::Binary(old), Site::Binary(nb))) => {
                                    check_binary(&mut program, old, new, nb)
                                }
                                Some((Site::Followed(var), Site::Followed(_))) => {
                                    check_followed(var, &mut program, &recorded, new, new_recorded)
                                }
                                _ => UseCheck::Unknown,
                            }
                        }
                    };
                    match check {
                        UseCheck::Fits => {}
                        UseCheck::Breaks(errors) => {
                            for (at, error) in errors {
                                let effect = Effect::Breaks;
                                hits.push(hit(
                                    &program,
                                    id,
                                    &dir,
                                    u,
                                    at,
                                    subject,
                                    effect,
                                    Some(error),
                                ));
                            }
                        }
                        UseCheck::Unknown => {
                            let effect = Effect::Unchecked;
                            hits.push(hit(&program, id, &dir, u, u.offset, subject, effect, None));
                        }
                    }
                }
            }
        }
        if let Some(err) = new_program.as_ref().and_then(Program::budget_error) {
            return Err(err.into());
        }
        if let Some(err) = program.budget_error() {
            return Err(err.into());
        }
        let breaking = hits.iter().filter(|h| h.effect == Effect::Breaks).count();
        let verdict = match (breaking, hits.is_empty()) {
            (0, true) => Verdict::Safe,
            (0, false) => Verdict::Unchecked,
            _ => Verdict::Breaks,
        };
        dependents_json.push(DependentJson {
            source: source_name(source),
            verdict,
            breaking,
            hits,
        });
    }
    let doc = ImpactJson {
        changes: subjects
            .iter()
            .map(|s| ChangeJson {
                package: s.pkg_path.clone(),
                message: s.message.clone(),
                effect: s.effect,
                compatible: s.compatible,
            })
            .collect(),
        dependents: dependents_json,
    };
    let breaks = doc.dependents.iter().any(|d| d.verdict == Verdict::Breaks);
    let output = match args.format {
        Format::Json => Rendered::json(&doc)?,
        Format::Text => Rendered::text(render_text(&doc)),
    };
    Ok(Rendered {
        exit_code: u8::from(breaks),
        ..output
    })
}

/// The packages a dependent is checked against: its own (and what it vendors) first, then a
/// version of the library, then the packages of the dependent's GOPATH reached through symbolic
/// links, then the standard library (the dependent's GOROOT, else the library's, else the
/// embedded summary).
fn dependent_chain<'t>(dependent: &World<'t>, library: &World<'t>) -> Chain<'t> {
    let goroot: Box<dyn PackageSource + Send + Sync + 't> =
        match (&dependent.goroot_source, &library.goroot_source) {
            (Some(goroot), _) | (None, Some(goroot)) => Box::new(Arc::clone(goroot)),
            (None, None) => Box::new(StdSummary::new()),
        };
    let mut sources: Vec<Box<dyn PackageSource + Send + Sync + 't>> = vec![
        Box::new(Arc::clone(&dependent.tree_source)),
        Box::new(Arc::clone(&library.tree_source)),
    ];
    if let Some(linked) = &dependent.linked_source {
        sources.push(Box::new(Arc::clone(linked)));
    }
    sources.push(goroot);
    Chain(sources)
}

/// Where a use of a changed subject is checked against the new version.
#[derive(Clone, Copy)]
enum Site<'r> {
    /// The call of a function or method whose signature changed (`F(...)`, `x.M(...)`).
    Call(&'r Call),
    /// The value of a field or variable whose type changed (or of a function whose signature
    /// did), used as a value of a known type.
    Value(&'r AssignedValue),
    /// The value of such a field or variable that a member is selected from.
    Selected(&'r SelectedValue),
    /// An unkeyed literal of a struct type whose fields (or a member) changed.
    Literal(&'r UnkeyedLiteral),
    /// A binary operation with the value of a constant, field or variable whose type changed
    /// as an operand.
    Binary(&'r BinaryOperand),
    /// A local variable defined with the changed subject's value, every use of it recorded: its
    /// calls ([`Call::via`]), its value used and the values assigned to it
    /// ([`AssignedValue::via`]).
    Followed(&'r DefinedVar),
    /// The value of such a field or variable passed to a generic function, or a variable defined
    /// with it that is used otherwise than recorded (selected from, compared, ...): not checked.
    Undecided,
}

impl<'r> Site<'r> {
    /// The uses of a variable defined with a changed value, when they are all recorded.
    fn followed(var: &'r DefinedVar) -> Site<'r> {
        if var.followed {
            Site::Followed(var)
        } else {
            Site::Undecided
        }
    }

    /// This site (of the dependent walked against the old version) and the same one in the
    /// dependent walked against the new version, when it has it.
    fn in_version<'n>(self, new: &'n Recorded) -> Option<(Site<'r>, Site<'n>)> {
        let same = match self {
            Site::Call(old) => Site::Call(
                new.calls
                    .iter()
                    .find(|c| c.file == old.file && c.callee == old.callee)?,
            ),
            Site::Value(old) => Site::Value(new.values.iter().find(|v| {
                v.file == old.file
                    && v.value.offset == old.value.offset
                    && v.value.selector == old.value.selector
            })?),
            Site::Selected(old) => Site::Selected(
                new.selected
                    .iter()
                    .find(|s| s.file == old.file && s.operand == old.operand)?,
            ),
            Site::Literal(old) => Site::Literal(
                new.literals
                    .iter()
                    .find(|l| l.file == old.file && l.at == old.at)?,
            ),
            Site::Binary(old) => Site::Binary(
                new.binary
                    .iter()
                    .find(|b| b.file == old.file && b.operand.selector == old.operand.selector)?,
            ),
            Site::Followed(old) => Site::Followed(
                new.defined
                    .iter()
                    .find(|d| d.file == old.file && d.at == old.at)?,
            ),
            Site::Undecided => return None,
        };
        Some((self, same))
    }
}

/// Where a use of a changed subject is checked: for a function's or method's new signature,
/// the call of the use; for it or a field's or variable's new type, where its value is used as
/// a value of a known type or selected from, or the uses of the local variable it defines; for
/// an unkeyed literal, the literal. `None`: the use is checked by its change's effect alone.
fn site_of<'r>(subject: &Subject, u: &Use, recorded: &'r Recorded) -> Option<Site<'r>> {
    if let Target::Fields { .. } = u.target {
        let literal = (recorded.literals.iter()).find(|l| l.file == u.file && l.at == u.offset);
        // Every literal of another package's type is recorded: one that is not is not checked.
        return Some(literal.map_or(Site::Undecided, Site::Literal));
    }
    let by_value = if subject.changes_signature() {
        if !matches!(u.kind, UseKind::Qualified | UseKind::Dot | UseKind::Method) {
            return None;
        }
        let call = recorded
            .calls
            .iter()
            .find(|c| c.file == u.file && c.callee == u.offset);
        if let Some(call) = call {
            return Some(Site::Call(call));
        }
        // Not called: a function value, as any other value.
        true
    } else {
        subject.changes_value_type() && matches!(u.kind, UseKind::Field | UseKind::Qualified)
    };
    if !by_value {
        return None;
    }
    // `x.F`, `pkg.V` assigned, passed, returned, selected from, ...
    let at = Some(u.offset);
    if let Some(value) =
        (recorded.values.iter()).find(|v| v.file == u.file && v.value.selector == at)
    {
        return Some(Site::Value(value));
    }
    // `pkg.C + 1`, `x.F == y`.
    if let Some(binary) =
        (recorded.binary.iter()).find(|b| b.file == u.file && b.operand.selector == at)
    {
        return Some(Site::Binary(binary));
    }
    // `pkg.V.A`, `x.F.M()`.
    if let Some(selected) =
        (recorded.selected.iter()).find(|s| s.file == u.file && s.operand == u.offset)
    {
        return Some(Site::Selected(selected));
    }
    // A variable defined with the value (`f := lib.F`, `v := lib.V`) takes its new type: what
    // breaks is where it is used.
    if let Some(var) = (recorded.defined.iter()).find(|d| d.file == u.file && d.at == u.offset) {
        return Some(Site::followed(var));
    }
    // An argument of a generic function: its parameters are known once instantiated.
    let argument = (recorded.calls.iter())
        .any(|c| c.file == u.file && c.args.iter().any(|a| a.selector == at));
    argument.then_some(Site::Undecided)
}

/// Whether one of a package's `uses` names the type `pkg.name` (directly or by an alias).
fn names_type(program: &Program, uses: &[Use], pkg: &str, name: &str) -> bool {
    uses.iter().any(|u| {
        let Target::Object(obj) = u.target else {
            return false;
        };
        let ObjKind::TypeName { ty, .. } = program.objects[obj.0 as usize].kind else {
            return false;
        };
        match *program.ty(ty) {
            Type::Named(n) | Type::Instance { named: n, .. } => {
                let named = &program.named[n.0 as usize];
                *named.name == *name && named.pkg.is_some_and(|p| program.pkg(p).path == pkg)
            }
            _ => false,
        }
    })
}

/// Checks the uses of a local variable defined with a changed subject's value (`f :=
/// lib.F`): each call of it as a call of the subject, its value where it is used as a value of
/// a known type, the values assigned to it against its new type.
fn check_followed(
    var: &DefinedVar,
    old: &mut Program,
    old_recorded: &Recorded,
    new: &mut Program,
    new_recorded: &Recorded,
) -> UseCheck {
    let mut checks = Vec::new();
    let calls = (old_recorded.calls.iter()).filter(|c| c.file == var.file && c.via == Some(var.at));
    for call in calls {
        checks.push(match Site::Call(call).in_version(new_recorded) {
            Some((_, Site::Call(new_call))) => check_call(old, call, new, new_call),
            _ => UseCheck::Unknown,
        });
    }
    let values =
        (old_recorded.values.iter()).filter(|v| v.file == var.file && v.via == Some(var.at));
    for value in values {
        checks.push(match Site::Value(value).in_version(new_recorded) {
            Some((_, Site::Value(new_value))) => check_value(old, value, new, new_value),
            _ => UseCheck::Unknown,
        });
    }
    UseCheck::all(checks)
}

/// A hit of `subject` by the use `u`, reported at `offset` (the use's, or where its call breaks).
#[allow(clippy::too_many_arguments)]
fn hit(
    program: &Program,
    pkg: PkgId,
    dir: &std::path::Path,
    u: &Use,
    offset: u32,
    subject: &Subject,
    effect: Effect,
    error: Option<String>,
) -> HitJson {
    let file = program.pkg(pkg).files.iter().find(|f| f.name == u.file);
    let (position, line) = match file {
        Some(file) => {
            let lc = file.line_col(offset);
            // The line around the use (the offset is a token's of this file; clamped all the same).
            let at = (offset as usize).min(file.src.len());
            let start = file.src[..at]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            let end = file.src[at..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(file.src.len(), |i| at + i);
            let name = std::path::Path::new(&u.file)
                .file_name()
                .map_or_else(|| u.file.clone(), |n| n.to_string_lossy().into_owned());
            (
                format!("{}:{}:{}", dir.join(name).display(), lc.line, lc.col),
                String::from_utf8_lossy(&file.src[start..end])
                    .trim()
                    .to_owned(),
            )
        }
        None => (format!("{}:+{}", u.file, offset), String::new()),
    };
    HitJson {
        position,
        line,
        kind: u.kind.as_str(),
        package: subject.pkg_path.clone(),
        change: subject.message.clone(),
        effect,
        error,
    }
}

fn source_name(source: &Source) -> String {
    match source {
        Source::Path(path) | Source::Bundle { root: path, .. } => path.display().to_string(),
        Source::Artifact { name, .. } => name.clone(),
    }
}

fn render_text(doc: &ImpactJson) -> String {
    let mut out = String::new();
    let (compatible, incompatible): (Vec<&ChangeJson>, Vec<&ChangeJson>) =
        doc.changes.iter().partition(|c| c.compatible);
    if incompatible.is_empty() {
        out.push_str("No incompatible changes.\n");
    } else {
        out.push_str("Incompatible changes:\n");
        for c in incompatible {
            let note = match c.effect {
                Effect::Breaks => "",
                Effect::Unchecked => " (breaks some uses only)",
            };
            let _ = writeln!(out, "- {}: {}{note}", c.package, c.message);
        }
    }
    if !compatible.is_empty() {
        out.push_str("Compatible changes that break unkeyed struct literals:\n");
        for c in compatible {
            let _ = writeln!(out, "- {}: {}", c.package, c.message);
        }
    }
    for d in &doc.dependents {
        out.push('\n');
        let _ = match d.verdict {
            Verdict::Breaks => writeln!(out, "{}: breaks ({} uses)", d.source, d.breaking),
            Verdict::Unchecked => writeln!(
                out,
                "{}: unchecked (uses what changed, no use known to break)",
                d.source
            ),
            Verdict::Safe => writeln!(out, "{}: safe", d.source),
        };
        for h in &d.hits {
            let tag = match h.effect {
                Effect::Breaks => "breaks",
                Effect::Unchecked => "unchecked",
            };
            let _ = writeln!(
                out,
                "  {}: {tag}: {}: {}\n    {}",
                h.position, h.package, h.change, h.line
            );
            if let Some(error) = &h.error {
                let _ = writeln!(out, "    ({error})");
            }
        }
    }
    out
}
