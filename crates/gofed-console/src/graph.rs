//! The dependency graph of a stored revision: `gofed graph`'s graph ([`gofed_services::graph::Graph`]) of its
//! recorded dependency analysis, drawn on the server as SVG by Graphviz's `dot` when it is installed, else by
//! `layout-rs`. Cycles are red; imports no package of the revision provides are dashed.
//!
//! The page shows the drawing as an image (`<img>`): an SVG document shown as an image runs no script, whatever
//! names it holds, and the page keeps its strict policy.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use gofed_services::graph::{Graph, GraphLevel};
use gofed_services::storage::newest_result;
use gofed_services::Output;
use gofed_store::Subject;
use maud::html;
use serde::Deserialize;
use serde_json::Value;
use tokio::io::AsyncWriteExt as _;

use crate::page::{self, href};
use crate::Ctx;

/// How long `dot` may take.
const DOT_TIMEOUT: Duration = Duration::from_secs(20);

/// The most nodes drawn by `layout-rs` (its layout grows fast past a few hundred).
const LAYOUT_RS_MAX_NODES: usize = 400;

#[derive(Deserialize)]
pub(crate) struct GraphQuery {
    project: String,
    rev: String,
    #[serde(default)]
    level: Level,
}

#[derive(Deserialize, Default, Clone, Copy, PartialEq)]
#[serde(rename_all = "lowercase")]
enum Level {
    #[default]
    Packages,
    Projects,
}

impl Level {
    fn as_str(self) -> &'static str {
        match self {
            Level::Packages => "packages",
            Level::Projects => "projects",
        }
    }
}

/// The graph of the stored revision's recorded dependency analysis, or why there is none.
async fn graph_of(ctx: &Ctx, query: &GraphQuery) -> Result<Graph, (StatusCode, String)> {
    let store = ctx.console.store.as_ref().ok_or((
        StatusCode::SERVICE_UNAVAILABLE,
        "this console has no store".to_owned(),
    ))?;
    let revision = store
        .find_revision(&query.project, &query.rev)
        .await
        .map_err(|err| {
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                gofed_service::error_chain(&err),
            )
        })?
        .ok_or((
            StatusCode::NOT_FOUND,
            format!("no revision {} of {} is stored", query.rev, query.project),
        ))?;
    let subject = Subject::Revision {
        import_path: revision.import_path,
        commit: revision.commit,
    };
    let analysis = newest_result(store, &subject, "deps_analysis")
        .await
        .map_err(|err| (StatusCode::INTERNAL_SERVER_ERROR, gofed_service::error_chain(&err)))?
        .ok_or((
            StatusCode::NOT_FOUND,
            "no deps_analysis result is recorded for this revision (gofed deps SOURCE --store --format json)"
                .to_owned(),
        ))?;
    let Output::Json(raw) = analysis.result.output else {
        return Err((
            StatusCode::NOT_FOUND,
            "only a text rendering of deps_analysis is recorded".to_owned(),
        ));
    };
    let deps: Value = serde_json::from_str(raw.get())
        .map_err(|err| (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()))?;
    let mut imports_of: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for package in deps
        .get("packages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(path) = package.get("ImportPath").and_then(Value::as_str) else {
            continue;
        };
        let imports = package
            .get("Imports")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter(|import| *import != path)
            .map(str::to_owned)
            .collect();
        imports_of.entry(path.to_owned()).or_insert(imports);
    }
    let go_minor = deps
        .get("go_version")
        .and_then(Value::as_str)
        .and_then(|v| v.strip_prefix("1."))
        .and_then(|minor| minor.parse().ok())
        .unwrap_or(gofed_go::load::NEWEST_GO_MINOR);
    let level = match query.level {
        Level::Packages => GraphLevel::Packages,
        Level::Projects => GraphLevel::Projects,
    };
    Ok(Graph::of_imports(
        &imports_of,
        std::slice::from_ref(&query.project),
        go_minor,
        level,
        true,
    ))
}

pub(crate) async fn page(State(ctx): State<Ctx>, Query(query): Query<GraphQuery>) -> Response {
    let graph = match graph_of(&ctx, &query).await {
        Ok(graph) => graph,
        Err((status, message)) => return page::error(status, "Dependency graph", &message),
    };
    let (n_nodes, n_edges) = graph.size();
    let cycles = graph.cycles();
    let svg = href(
        "/console/graph.svg",
        &[
            ("project", &query.project),
            ("rev", &query.rev),
            ("level", query.level.as_str()),
        ],
    );
    let other = match query.level {
        Level::Packages => Level::Projects,
        Level::Projects => Level::Packages,
    };
    let body = html! {
        p {
            a href=(href("/console/revision", &[("project", &query.project), ("rev", &query.rev)])) { (query.project) "@" (query.rev) }
            " · " (n_nodes) " " (query.level.as_str()) ", " (n_edges) " imports · "
            a href=(href("/console/graph", &[("project", &query.project), ("rev", &query.rev), ("level", other.as_str())])) { "by " (other.as_str()) }
        }
        @if cycles.is_empty() {
            p.ok { "No import cycle." }
        } @else {
            p.bad { (cycles.len()) " import cycle(s), drawn red:" }
            ul.cycles { @for cycle in cycles { li { (cycle.join(" → ")) } } }
        }
        div.graph { img src=(svg) alt=(format!("import graph of {}@{}", query.project, query.rev)); }
    };
    page::shell("Dependency graph", "/console/projects", body).into_response()
}

pub(crate) async fn svg(State(ctx): State<Ctx>, Query(query): Query<GraphQuery>) -> Response {
    let graph = match graph_of(&ctx, &query).await {
        Ok(graph) => graph,
        Err((status, message)) => return (status, message).into_response(),
    };
    match draw(&graph).await {
        Ok(svg) => (
            [(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")],
            svg,
        )
            .into_response(),
        Err(message) => (StatusCode::INTERNAL_SERVER_ERROR, message).into_response(),
    }
}

/// The SVG drawing: `dot -Tsvg` when Graphviz is installed, else `layout-rs`.
async fn draw(graph: &Graph) -> Result<String, String> {
    let dot = graph.dot();
    match run_dot(&dot).await {
        Ok(svg) => Ok(svg),
        Err(DotError::Missing) => {
            let (n_nodes, _) = graph.size();
            if n_nodes > LAYOUT_RS_MAX_NODES {
                return Err(format!(
                    "{n_nodes} nodes are too many to lay out without Graphviz (install the graphviz package)"
                ));
            }
            tokio::task::spawn_blocking(move || layout_rs_svg(&dot))
                .await
                .map_err(|err| err.to_string())?
        }
        Err(DotError::Failed(message)) => Err(message),
    }
}

enum DotError {
    /// No `dot` on this machine.
    Missing,
    Failed(String),
}

async fn run_dot(dot: &str) -> Result<String, DotError> {
    let mut child = match tokio::process::Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
    {
        Ok(child) => child,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Err(DotError::Missing),
        Err(err) => return Err(DotError::Failed(format!("cannot run dot: {err}"))),
    };
    let mut stdin = child
        .stdin
        .take()
        .ok_or(DotError::Failed("dot has no stdin".into()))?;
    let input = dot.as_bytes().to_vec();
    let writer = tokio::spawn(async move {
        let _ = stdin.write_all(&input).await;
    });
    let output = tokio::time::timeout(DOT_TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| DotError::Failed(format!("dot took more than {} s", DOT_TIMEOUT.as_secs())))?
        .map_err(|err| DotError::Failed(format!("dot failed: {err}")))?;
    let _ = writer.await;
    if !output.status.success() {
        return Err(DotError::Failed(format!(
            "dot failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    String::from_utf8(output.stdout).map_err(|_| DotError::Failed("dot wrote invalid UTF-8".into()))
}

/// `layout-rs`'s drawing of the same DOT text (it reads the attributes `gofed graph` writes: color, style; it
/// escapes names in the SVG, as the test checks).
fn layout_rs_svg(dot: &str) -> Result<String, String> {
    use layout::backends::svg::SVGWriter;
    use layout::gv::{DotParser, GraphBuilder};
    let parsed = DotParser::new(dot)
        .process()
        .map_err(|err| format!("layout-rs cannot read the graph: {err}"))?;
    let mut builder = GraphBuilder::new();
    builder.visit_graph(&parsed);
    let mut visual = builder.get();
    // layout-rs panics on a graph without nodes; there is nothing to draw then.
    if visual.num_nodes() == 0 {
        return Ok(r#"<svg xmlns="http://www.w3.org/2000/svg" width="200" height="40"><text x="10" y="25">no packages</text></svg>"#.to_owned());
    }
    let mut writer = SVGWriter::new();
    visual.do_it(false, false, false, &mut writer);
    Ok(writer.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &str)]) -> Graph {
        let mut imports_of: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (from, to) in edges {
            imports_of.entry((*to).to_owned()).or_default();
            imports_of
                .entry((*from).to_owned())
                .or_default()
                .insert((*to).to_owned());
        }
        Graph::of_imports(
            &imports_of,
            &["example.com/m".to_owned()],
            gofed_go::load::NEWEST_GO_MINOR,
            GraphLevel::Packages,
            true,
        )
    }

    /// Without Graphviz, layout-rs draws the same DOT text: every node named, the cycle's edges red; names are
    /// escaped in the SVG.
    #[test]
    fn layout_rs_draws_what_dot_would() {
        let g = graph(&[
            ("example.com/m/a", "example.com/m/b"),
            ("example.com/m/b", "example.com/m/a"),
            ("example.com/m/b", "example.com/m/<c&d>"),
        ]);
        assert_eq!(g.cycles().len(), 1);
        let svg = layout_rs_svg(&g.dot()).expect("an SVG");
        assert!(svg.starts_with("<svg") || svg.contains("<svg"), "{svg}");
        assert!(svg.contains("example.com/m/a") && svg.contains("example.com/m/b"));
        assert!(!svg.contains("<c&d>"), "an unescaped name: {svg}");
        assert!(svg.contains("&lt;c&amp;d&gt;"), "{svg}");
        assert!(svg.contains("#ff0000"), "no red cycle: {svg}");
        // An empty graph is an SVG too (layout-rs alone would panic).
        let empty = layout_rs_svg(&graph(&[]).dot()).expect("an SVG");
        assert!(empty.contains("no packages"));
    }
}
