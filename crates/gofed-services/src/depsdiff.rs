//! `deps_diff`: what changed in the dependencies between two versions of a tree.
//!
//! A report, not a gate: exit status 0 whenever both trees load.

use anyhow::Context as _;
use gofed_go::budget::Budget;
use gofed_go::depsdiff::{
    self, Change, DepsDiff, DiffOptions, Direction, ExternalDep, ListDiff, Replacement,
};
use gofed_go::load::Project;
use std::fmt::Write as _;

use crate::deps::{load, Purpose};
use crate::request::{BuildContext, DepsdiffRequest, Format, Rendered};
use crate::tree::OpenedTree;

/// The `deps_diff` action on two opened trees.
pub fn deps_diff(
    old: &OpenedTree,
    new: &OpenedTree,
    args: &DepsdiffRequest,
    budget: &Budget,
) -> anyhow::Result<Rendered> {
    let (old_tree, new_tree) = (old, new);
    let (old, new) = rayon::join(
        || load_version("old", old, &args.context, budget),
        || load_version("new", new, &args.context, budget),
    );
    let (old, new) = (old?, new?);
    let options = DiffOptions {
        std: args.std,
        tests: args.tests,
    };
    let res = depsdiff::diff(&old, &new, &options);
    Ok(match args.format {
        Format::Json => Rendered::json(&WithMeta {
            diff: &res,
            meta: DiffMeta {
                old_source: old_tree.source_meta(),
                new_source: new_tree.source_meta(),
                cached: false,
            },
        })?,
        Format::Text => Rendered::text(render_text(&res)),
    })
}

/// The JSON document: the diff, and `meta` saying what was read and whether it was answered from the store.
#[derive(serde::Serialize)]
struct WithMeta<'a, D: serde::Serialize> {
    #[serde(flatten)]
    diff: &'a D,
    meta: DiffMeta<'a>,
}

#[derive(serde::Serialize)]
struct DiffMeta<'a> {
    /// For an artifact (archive, RPM, ...): what was read as the old version.
    #[serde(skip_serializing_if = "Option::is_none")]
    old_source: Option<&'a crate::SourceMeta>,
    /// ... and as the new one.
    #[serde(skip_serializing_if = "Option::is_none")]
    new_source: Option<&'a crate::SourceMeta>,
    /// Whether this document was answered from the store (the result cache) rather than analysed.
    cached: bool,
}

fn load_version(
    which: &str,
    tree: &OpenedTree,
    args: &BuildContext,
    budget: &Budget,
) -> anyhow::Result<Project> {
    load(tree, args, Purpose::Deps, budget).with_context(|| format!("loading the {which} version"))
}

fn render_text(res: &DepsDiff) -> String {
    let mut out = String::new();
    for (label, side) in [("old", &res.old), ("new", &res.new)] {
        let import_path = match side.import_path.as_deref() {
            Some("") | None => String::new(),
            Some(p) => format!(" {p}"),
        };
        let _ = writeln!(
            out,
            "{label}: {} ({}{import_path})",
            side.root.display(),
            side.layout
        );
    }
    out.push('\n');
    if res.is_empty() {
        out.push_str("no dependency changes\n");
        return out;
    }
    render_project(&mut out, res);
    render_go_mod(&mut out, res);
    render_packages(&mut out, res);
    render_external(&mut out, res);
    render_imports(&mut out, res);
    out
}

fn opt(value: Option<&str>) -> &str {
    value.unwrap_or("(none)")
}

fn render_project(out: &mut String, res: &DepsDiff) {
    if res.layout.is_none() && res.module.is_none() {
        return;
    }
    section(out, "project");
    if let Some(c) = &res.layout {
        let _ = writeln!(out, "  layout: {} -> {}", c.old, c.new);
    }
    if let Some(c) = &res.module {
        let _ = writeln!(
            out,
            "  import path: {} -> {}",
            opt(c.old.as_deref()),
            opt(c.new.as_deref())
        );
    }
}

fn render_go_mod(out: &mut String, res: &DepsDiff) {
    let m = &res.go_mod;
    if m.is_empty() {
        return;
    }
    section(out, "go.mod");
    if let Some(c) = &m.present {
        let _ = writeln!(out, "  {}", if c.new { "added" } else { "removed" });
    }
    for (name, c) in [("go", &m.go), ("toolchain", &m.toolchain)] {
        if let Some(c) = c {
            let (old, new) = (opt(c.old.as_deref()), opt(c.new.as_deref()));
            let _ = writeln!(out, "  {name}: {old} -> {new}");
        }
    }
    if !m.require.is_empty() {
        out.push_str("  require:\n");
        for (sign, list) in [("+", &m.require.added), ("-", &m.require.removed)] {
            for r in list {
                let indirect = if r.indirect { " // indirect" } else { "" };
                let _ = writeln!(
                    out,
                    "    {sign} {} {}{indirect}",
                    r.path,
                    version(&r.version)
                );
            }
        }
        for c in &m.require.changed {
            let mut what = Vec::new();
            if let Some(v) = &c.version {
                let direction = match v.direction {
                    Direction::Upgrade => "upgrade",
                    Direction::Downgrade => "downgrade",
                    Direction::Changed => "changed",
                };
                let pseudo = match (
                    depsdiff::is_pseudo_version(&v.old),
                    depsdiff::is_pseudo_version(&v.new),
                ) {
                    (true, true) => ", pseudo-versions",
                    (true, false) => ", from a pseudo-version",
                    (false, true) => ", to a pseudo-version",
                    (false, false) => "",
                };
                what.push(format!("{} -> {} ({direction}{pseudo})", v.old, v.new));
            }
            if let Some(i) = &c.indirect {
                let flag = |indirect: bool| if indirect { "indirect" } else { "direct" };
                what.push(format!("{} -> {}", flag(i.old), flag(i.new)));
            }
            let _ = writeln!(out, "    ~ {} {}", c.path, what.join(", "));
        }
    }
    if !m.replace.is_empty() {
        out.push_str("  replace:\n");
        for (sign, list) in [("+", &m.replace.added), ("-", &m.replace.removed)] {
            for r in list {
                let _ = writeln!(out, "    {sign} {}", replacement(r));
            }
        }
        for c in &m.replace.changed {
            let old = replaced(&c.path, c.version.as_deref());
            let _ = writeln!(out, "    ~ {old} => {} -> {}", c.old, c.new);
        }
    }
    if !m.exclude.is_empty() {
        out.push_str("  exclude:\n");
        list_diff(out, "    ", &m.exclude, |e| {
            format!("{} {}", e.path, e.version)
        });
    }
    if !m.tool.is_empty() {
        out.push_str("  tool:\n");
        list_diff(out, "    ", &m.tool, String::clone);
    }
}

fn render_packages(out: &mut String, res: &DepsDiff) {
    let describe = |p: &depsdiff::PackageRef| format!("{} ({})", p.path, p.import_path);
    if !res.packages.is_empty() {
        section(out, "packages");
        list_diff(out, "  ", &res.packages, describe);
    }
    if !res.main_packages.is_empty() {
        section(out, "main packages");
        list_diff(out, "  ", &res.main_packages, describe);
    }
}

fn render_external(out: &mut String, res: &DepsDiff) {
    let ext = &res.external;
    if !ext.is_empty() {
        section(out, "external dependencies");
        for dep in &ext.added {
            let _ = writeln!(out, "  + {}", external(dep));
            for pkg in &dep.packages {
                let _ = writeln!(out, "      {pkg}");
            }
        }
        for dep in &ext.removed {
            let _ = writeln!(out, "  - {}", external(dep));
        }
        for c in &ext.changed {
            let mut what = Vec::new();
            if let Some(v) = &c.version {
                let (old, new) = (opt(v.old.as_deref()), opt(v.new.as_deref()));
                what.push(format!("{old} -> {new}"));
            }
            if let Some(v) = &c.vendored {
                what.push(flag_change(v, "vendored", "not vendored"));
            }
            if let Some(t) = &c.test_only {
                what.push(flag_change(t, "tests only", "not only tests"));
            }
            let what = if what.is_empty() {
                String::new()
            } else {
                format!(": {}", what.join(", "))
            };
            let _ = writeln!(out, "  ~ {}{what}", c.root);
            list_diff(out, "      ", &c.packages, String::clone);
        }
    }
    if !res.standard.is_empty() {
        section(out, "standard library");
        list_diff(out, "  ", &res.standard, String::clone);
    }
    if !res.unresolved.is_empty() {
        section(out, "unresolved imports");
        list_diff(out, "  ", &res.unresolved, String::clone);
    }
}

fn render_imports(out: &mut String, res: &DepsDiff) {
    if res.imports.is_empty() {
        return;
    }
    section(out, "imports");
    for pkg in &res.imports {
        let _ = writeln!(out, "  {} ({})", pkg.path, pkg.import_path);
        list_diff(out, "    ", &pkg.imports, String::clone);
        list_diff(out, "    ", &pkg.test_imports, |imp| {
            format!("{imp} (test)")
        });
    }
}

/// A section title, after a blank line.
fn section(out: &mut String, title: &str) {
    if !out.ends_with("\n\n") {
        out.push('\n');
    }
    let _ = writeln!(out, "{title}:");
}

/// `+ item` lines, then `- item` lines.
fn list_diff<T>(out: &mut String, indent: &str, diff: &ListDiff<T>, show: impl Fn(&T) -> String) {
    for (sign, list) in [("+", &diff.added), ("-", &diff.removed)] {
        for item in list {
            let _ = writeln!(out, "{indent}{sign} {}", show(item));
        }
    }
}

fn version(v: &str) -> String {
    if depsdiff::is_pseudo_version(v) {
        format!("{v} (pseudo-version)")
    } else {
        v.to_owned()
    }
}

fn replaced(path: &str, version: Option<&str>) -> String {
    match version {
        Some(v) => format!("{path} {v}"),
        None => path.to_owned(),
    }
}

fn replacement(r: &Replacement) -> String {
    format!(
        "{} => {}",
        replaced(&r.path, r.version.as_deref()),
        r.target
    )
}

fn external(dep: &ExternalDep) -> String {
    let mut res = dep.root.clone();
    if let Some(v) = &dep.version {
        let _ = write!(res, " {}", version(v));
    }
    let n = dep.packages.len();
    let plural = if n == 1 { "" } else { "s" };
    let _ = write!(res, " ({n} package{plural}, used by {}", dep.used_by.len());
    if dep.test_only {
        res.push_str(", tests only");
    }
    if dep.vendored {
        res.push_str(", vendored");
    }
    res.push(')');
    res
}

fn flag_change(c: &Change<bool>, yes: &str, no: &str) -> String {
    let show = |b: bool| if b { yes } else { no };
    format!("{} -> {}", show(c.old), show(c.new))
}
