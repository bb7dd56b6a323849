//! `deps_graph` (`gofed graph SOURCE...`): the import graph of one or more trees, between packages or between
//! projects, with its cycles (strongly connected components), roots, leaves, a build order, and the imports no
//! given tree provides (what a packager still has to package).
//!
//! Packages are loaded as `deps_analysis` loads them (`go list ./...` semantics: no `vendor/`, the build
//! context's files). An edge is an import of a package of a given tree by another (test imports with `tests`);
//! standard library imports are left out. A project is the module a package belongs to (`go.mod`), else its
//! repository root on the common providers (`gofed-goland`), else the import path's host (a vanity host
//! serves one project far more often than several).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use gofed_go::budget::Budget;
use gofed_go::load::Project;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::deps::{load, Purpose};
use crate::request::{CacheControl, CheckRequest, MachinePaths, RequestError};
use crate::tree::OpenedTree;
use crate::{BuildContext, Rendered, Source};

/// What the nodes of the graph are.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum GraphLevel {
    /// Projects (modules, repositories): what a distribution packages.
    #[default]
    Projects,
    /// Go packages.
    Packages,
}

/// Output formats of the graph.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum GraphFormat {
    /// Counts, cycles with the imports that close them, the build order, missing imports.
    #[default]
    Text,
    /// The whole graph as JSON.
    Json,
    /// Graphviz `dot` (cycles red, missing imports dashed).
    Dot,
}

/// Input of `deps_graph`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct GraphRequest {
    /// The trees (at least one).
    pub sources: Vec<Source>,
    /// The build context of every tree.
    #[serde(default)]
    pub context: BuildContext,
    /// Projects or packages.
    #[serde(default)]
    pub level: GraphLevel,
    /// Test imports make edges too.
    #[serde(default)]
    pub tests: bool,
    /// Imports no given tree provides are nodes (marked missing) with their edges.
    #[serde(default)]
    pub missing: bool,
    /// Output format.
    #[serde(default)]
    pub format: GraphFormat,
    /// Analyse again even when the store holds this result.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_cache: bool,
}

impl CheckRequest for GraphRequest {
    fn check(&self) -> Result<(), RequestError> {
        self.context.check()
    }
}
impl MachinePaths for GraphRequest {}
impl CacheControl for GraphRequest {
    fn no_cache(&self) -> bool {
        self.no_cache
    }
}

/// One node.
#[derive(Debug, Serialize)]
struct Node {
    name: String,
    /// Projects: the packages of the given trees in it (none for a missing project).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    packages: Vec<String>,
    /// Provided by no given tree (only with `missing`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    missing: bool,
}

/// One edge: `from` imports `to`.
#[derive(Debug, Serialize)]
struct Edge {
    from: String,
    to: String,
    /// Projects: the package imports that make the edge, `[importer, imported]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    via: Vec<[String; 2]>,
}

/// An import no given tree provides.
#[derive(Debug, Serialize)]
struct Missing {
    import: String,
    /// Its project (with `level` projects).
    #[serde(skip_serializing_if = "Option::is_none")]
    project: Option<String>,
    used_by: Vec<String>,
}

/// The `deps_graph` document.
#[derive(Debug, Serialize)]
pub struct Graph {
    level: GraphLevel,
    nodes: Vec<Node>,
    edges: Vec<Edge>,
    /// Strongly connected components of more than one node, each sorted.
    cycles: Vec<Vec<String>>,
    /// Nodes nothing imports.
    roots: Vec<String>,
    /// Nodes that import nothing (of the graph).
    leaves: Vec<String>,
    /// Components in an order where each comes after everything it imports: a package build order (a
    /// component of several nodes is a cycle, built together).
    build_order: Vec<Vec<String>>,
    missing: Vec<Missing>,
    meta: Meta,
}

#[derive(Debug, Serialize)]
struct Meta {
    cached: bool,
}

/// The project of an import path.
fn project_of(path: &str, modules: &[String]) -> String {
    if let Some(module) = modules
        .iter()
        .filter(|m| path == m.as_str() || path.starts_with(&format!("{m}/")))
        .max_by_key(|m| m.len())
    {
        return module.clone();
    }
    if let Some(root) = gofed_goland::repository_root(path) {
        return root.to_owned();
    }
    path.split('/').next().unwrap_or(path).to_owned()
}

/// `deps_graph`.
pub fn deps_graph(
    opened: &[OpenedTree],
    args: &GraphRequest,
    budget: &Budget,
) -> anyhow::Result<Rendered> {
    let projects: Vec<Project> = opened
        .iter()
        .map(|tree| load(tree, &args.context, Purpose::Deps, budget))
        .collect::<anyhow::Result<_>>()?;
    let modules: Vec<String> = projects
        .iter()
        .filter_map(|p| {
            p.go_mod
                .as_ref()?
                .go_mod
                .module
                .as_ref()
                .map(|m| m.path.clone())
        })
        .collect();
    // Every package of the given trees, with the imports that count (first tree first for a path twice).
    let mut imports_of: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut go_minor = gofed_go::load::NEWEST_GO_MINOR;
    for project in &projects {
        go_minor = project.go_minor;
        for pkg in &project.packages {
            let mut imports: BTreeSet<String> = pkg.imports.iter().cloned().collect();
            if args.tests {
                imports.extend(pkg.test_imports.iter().cloned());
                imports.extend(pkg.x_test_imports.iter().cloned());
            }
            imports.remove(&pkg.import_path);
            imports_of.entry(pkg.import_path.clone()).or_insert(imports);
        }
    }
    let graph = Graph::of_imports(&imports_of, &modules, go_minor, args.level, args.missing);
    Ok(match args.format {
        GraphFormat::Json => Rendered::json(&graph)?,
        GraphFormat::Text => Rendered::text(render_text(&graph)),
        GraphFormat::Dot => Rendered::text(graph.dot()),
    })
}

impl Graph {
    /// The graph of the packages `imports_of` lists (each with the imports that count; standard library ones
    /// are left out, as is `C`), at `level`, with the imports no listed package provides as nodes when
    /// `with_missing`. `modules` are the module paths of the trees (a project is the module a package belongs
    /// to); `go_minor` says which paths are the standard library's.
    pub fn of_imports(
        imports_of: &BTreeMap<String, BTreeSet<String>>,
        modules: &[String],
        go_minor: u32,
        level: GraphLevel,
        with_missing: bool,
    ) -> Graph {
        let args = GraphArgs {
            level,
            missing: with_missing,
        };
        build(imports_of, modules, go_minor, &args)
    }

    /// Graphviz `dot` text: cycles red, missing imports dashed.
    pub fn dot(&self) -> String {
        render_dot(self)
    }

    /// Strongly connected components of more than one node, each sorted.
    pub fn cycles(&self) -> &[Vec<String>] {
        &self.cycles
    }

    /// How many nodes and edges.
    pub fn size(&self) -> (usize, usize) {
        (self.nodes.len(), self.edges.len())
    }
}

/// What [`build`] reads of a [`GraphRequest`].
struct GraphArgs {
    level: GraphLevel,
    missing: bool,
}

fn build(
    imports_of: &BTreeMap<String, BTreeSet<String>>,
    modules: &[String],
    go_minor: u32,
    args: &GraphArgs,
) -> Graph {
    let provided: BTreeSet<&str> = imports_of.keys().map(String::as_str).collect();
    let is_std = |path: &str| gofed_go::load::stdlib::is_std(go_minor, path);
    // Package edges, and the imports nobody provides.
    let mut package_edges: BTreeSet<(String, String)> = BTreeSet::new();
    let mut missing: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (pkg, imports) in imports_of {
        for imp in imports {
            if provided.contains(imp.as_str()) {
                package_edges.insert((pkg.clone(), imp.clone()));
            } else if !is_std(imp) && imp != "C" {
                missing.entry(imp.clone()).or_default().insert(pkg.clone());
                if args.missing {
                    package_edges.insert((pkg.clone(), imp.clone()));
                }
            }
        }
    }
    let by_project = args.level == GraphLevel::Projects;
    let node_of = |path: &str| {
        if by_project {
            project_of(path, modules)
        } else {
            path.to_owned()
        }
    };
    // Nodes and edges at the level asked.
    let mut nodes: BTreeMap<String, Node> = BTreeMap::new();
    for pkg in imports_of.keys() {
        let node = nodes.entry(node_of(pkg)).or_insert_with_key(|name| Node {
            name: name.clone(),
            packages: Vec::new(),
            missing: false,
        });
        if by_project {
            node.packages.push(pkg.clone());
        }
    }
    if args.missing {
        for imp in missing.keys() {
            nodes.entry(node_of(imp)).or_insert_with_key(|name| Node {
                name: name.clone(),
                packages: Vec::new(),
                missing: true,
            });
        }
    }
    let mut edges: BTreeMap<(String, String), Vec<[String; 2]>> = BTreeMap::new();
    for (from, to) in &package_edges {
        let (a, b) = (node_of(from), node_of(to));
        if a == b {
            continue;
        }
        let via = edges.entry((a, b)).or_default();
        if by_project {
            via.push([from.clone(), to.clone()]);
        }
    }
    let names: Vec<&str> = nodes.keys().map(String::as_str).collect();
    let index: BTreeMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let mut successors: Vec<Vec<usize>> = vec![Vec::new(); names.len()];
    let mut has_incoming = vec![false; names.len()];
    for (from, to) in edges.keys() {
        let (f, t) = (index[from.as_str()], index[to.as_str()]);
        successors[f].push(t);
        has_incoming[t] = true;
    }
    let components = strongly_connected(&successors);
    let build_order: Vec<Vec<String>> = components
        .iter()
        .map(|c| {
            let mut members: Vec<String> = c.iter().map(|&i| names[i].to_owned()).collect();
            members.sort();
            members
        })
        .collect();
    let mut cycles: Vec<Vec<String>> = build_order
        .iter()
        .filter(|c| c.len() > 1)
        .cloned()
        .collect();
    cycles.sort();
    Graph {
        level: args.level,
        roots: (0..names.len())
            .filter(|&i| !has_incoming[i])
            .map(|i| names[i].to_owned())
            .collect(),
        leaves: (0..names.len())
            .filter(|&i| successors[i].is_empty())
            .map(|i| names[i].to_owned())
            .collect(),
        nodes: nodes.into_values().collect(),
        edges: edges
            .into_iter()
            .map(|((from, to), via)| Edge { from, to, via })
            .collect(),
        cycles,
        build_order,
        missing: missing
            .into_iter()
            .map(|(import, used_by)| Missing {
                project: by_project.then(|| project_of(&import, modules)),
                import,
                used_by: used_by.into_iter().collect(),
            })
            .collect(),
        meta: Meta { cached: false },
    }
}

/// Tarjan's algorithm, iteratively: the components in the order they complete, which is an order where a
/// component comes after every component it reaches (dependencies first). Successors are visited in index
/// order, so the order is deterministic.
fn strongly_connected(successors: &[Vec<usize>]) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let n = successors.len();
    let (mut order, mut low) = (vec![UNSEEN; n], vec![0; n]);
    let mut on_stack = vec![false; n];
    let (mut stack, mut components) = (Vec::new(), Vec::new());
    let mut counter = 0;
    for start in 0..n {
        if order[start] != UNSEEN {
            continue;
        }
        // (node, next successor to look at)
        let mut work = vec![(start, 0usize)];
        order[start] = counter;
        low[start] = counter;
        counter += 1;
        stack.push(start);
        on_stack[start] = true;
        while let Some(&mut (node, ref mut next)) = work.last_mut() {
            if let Some(&succ) = successors[node].get(*next) {
                *next += 1;
                if order[succ] == UNSEEN {
                    order[succ] = counter;
                    low[succ] = counter;
                    counter += 1;
                    stack.push(succ);
                    on_stack[succ] = true;
                    work.push((succ, 0));
                } else if on_stack[succ] {
                    low[node] = low[node].min(order[succ]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == order[node] {
                let mut component = Vec::new();
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component.push(member);
                    if member == node {
                        break;
                    }
                }
                components.push(component);
            }
        }
    }
    components
}

fn render_text(graph: &Graph) -> String {
    let mut out = String::new();
    let level = match graph.level {
        GraphLevel::Projects => "projects",
        GraphLevel::Packages => "packages",
    };
    let _ = writeln!(
        out,
        "{} {level}, {} edges, {} cycles, {} missing imports",
        graph.nodes.len(),
        graph.edges.len(),
        graph.cycles.len(),
        graph.missing.len()
    );
    for cycle in &graph.cycles {
        let _ = writeln!(out, "cycle: {}", cycle.join(" "));
        // The imports inside the cycle, which a packager must break or build together.
        for edge in &graph.edges {
            if cycle.contains(&edge.from) && cycle.contains(&edge.to) {
                // A few of the imports that make the edge (all of them in JSON).
                const SHOWN: usize = 3;
                let mut via: Vec<String> = edge
                    .via
                    .iter()
                    .take(SHOWN)
                    .map(|[a, b]| format!("{a} imports {b}"))
                    .collect();
                if edge.via.len() > SHOWN {
                    via.push(format!("{} more", edge.via.len() - SHOWN));
                }
                let via = if via.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", via.join("; "))
                };
                let _ = writeln!(out, "  {} -> {}{via}", edge.from, edge.to);
            }
        }
    }
    let _ = writeln!(out, "build order:");
    for (n, component) in graph.build_order.iter().enumerate() {
        let _ = writeln!(out, "  {}. {}", n + 1, component.join(" "));
    }
    if !graph.missing.is_empty() {
        let _ = writeln!(out, "missing:");
        for m in &graph.missing {
            let _ = writeln!(out, "  {} (used by {})", m.import, m.used_by.join(" "));
        }
    }
    out
}

fn render_dot(graph: &Graph) -> String {
    let in_cycle: BTreeSet<&str> = graph.cycles.iter().flatten().map(String::as_str).collect();
    let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
    let mut out = String::from("digraph gofed {\n  rankdir=LR;\n  node [shape=box];\n");
    for node in &graph.nodes {
        let mut attrs = Vec::new();
        if node.missing {
            attrs.push("style=dashed");
        }
        if in_cycle.contains(node.name.as_str()) {
            attrs.push("color=red");
        }
        let attrs = if attrs.is_empty() {
            String::new()
        } else {
            format!(" [{}]", attrs.join(", "))
        };
        let _ = writeln!(out, "  {}{attrs};", quote(&node.name));
    }
    for edge in &graph.edges {
        let red = in_cycle.contains(edge.from.as_str()) && in_cycle.contains(edge.to.as_str());
        let attrs = if red { " [color=red]" } else { "" };
        let _ = writeln!(
            out,
            "  {} -> {}{attrs};",
            quote(&edge.from),
            quote(&edge.to)
        );
    }
    out.push_str("}\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_come_after_what_they_reach() {
        // 0 -> 1 -> 2 -> 1, 2 -> 3; 4 alone.
        let successors = vec![vec![1], vec![2], vec![1, 3], vec![], vec![]];
        let components = strongly_connected(&successors);
        let mut sorted: Vec<Vec<usize>> = components
            .iter()
            .map(|c| {
                let mut c = c.clone();
                c.sort();
                c
            })
            .collect();
        assert_eq!(sorted, vec![vec![3], vec![1, 2], vec![0], vec![4]]);
        sorted.clear();
        // A long chain does not recurse.
        let chain: Vec<Vec<usize>> = (0..100_000)
            .map(|i| if i + 1 < 100_000 { vec![i + 1] } else { vec![] })
            .collect();
        assert_eq!(strongly_connected(&chain).len(), 100_000);
    }

    #[test]
    fn projects_are_modules_then_repositories() {
        let modules = vec!["example.com/m".to_owned()];
        assert_eq!(project_of("example.com/m/sub", &modules), "example.com/m");
        assert_eq!(project_of("github.com/a/b/c", &modules), "github.com/a/b");
        assert_eq!(project_of("vanity.org/x/y/z", &modules), "vanity.org");
    }
}
