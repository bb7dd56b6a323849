//! The API changes page: the apidiff report between two stored revisions of a project (`api_stored_diff`, so the
//! same messages as `gofed apidiff store:P@OLD store:P@NEW`), by package, incompatible changes first, with the
//! semver verdict. The page's URL names the comparison, so it can be shared.

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use gofed_services::storage::{Stored, StoredDiffRequest};
use gofed_services::{ApidiffFormat, Output, Rendered};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;

use crate::page::{self, href};
use crate::Ctx;

#[derive(Deserialize, Default)]
pub(crate) struct DiffQuery {
    #[serde(default)]
    project: String,
    #[serde(default)]
    old: String,
    #[serde(default)]
    new: String,
}

pub(crate) async fn page(State(ctx): State<Ctx>, Query(query): Query<DiffQuery>) -> Response {
    let form = html! {
        form.diff method="get" action="/console/diff" {
            label { "Project " input type="text" name="project" value=(query.project) required placeholder="import path"; }
            label { "Old " input type="text" name="old" value=(query.old) required placeholder="tag or commit"; }
            label { "New " input type="text" name="new" value=(query.new) required placeholder="tag or commit"; }
            button type="submit" { "Compare" }
        }
    };
    let complete = !(query.project.is_empty() || query.old.is_empty() || query.new.is_empty());
    let report = if complete {
        Some(report(&ctx, &query).await)
    } else {
        None
    };
    let body = html! {
        (form)
        @if let Some(report) = report { (report) }
        @else { p.hint { "Pick a stored project and two of its revisions (its page has a form with the revisions it has)." } }
    };
    page::shell("API changes", "/console/diff", body).into_response()
}

async fn report(ctx: &Ctx, query: &DiffQuery) -> Markup {
    let stored = |rev: &str| Stored::Revision {
        project: query.project.clone(),
        rev: rev.to_owned(),
    };
    let request = StoredDiffRequest {
        old: stored(&query.old),
        new: stored(&query.new),
        context: Default::default(),
        package: None,
        base_version: None,
        format: ApidiffFormat::Json,
        allow_errors: true,
    };
    let answer: Result<Rendered, _> = ctx.console.system.call("api_stored_diff", request).await;
    let rendered = match answer {
        Ok(rendered) => rendered,
        Err(err) => return html! { p.error role="alert" { (gofed_service::error_chain(&err)) } },
    };
    let Output::Json(raw) = &rendered.output else {
        return html! { p.error { "api_stored_diff answered text, not the JSON report" } };
    };
    let report: Value = match serde_json::from_str(raw.get()) {
        Ok(report) => report,
        Err(err) => return html! { p.error { "the report is not JSON: " (err) } },
    };
    let list = |key: &str| -> Vec<String> {
        report
            .get(key)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| p.as_str().or_else(|| p.get("path").and_then(Value::as_str)))
            .map(str::to_owned)
            .collect()
    };
    let bump = report
        .get("bump")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let verdict = gofed_go::apidiff::Bump::from_name(bump).map_or("no verdict", |b| b.verdict());
    let changed = report
        .get("changed_packages")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let project_link = href("/console/project", &[("path", &query.project)]);
    html! {
        p.verdict.(bump) { strong { "verdict: " (verdict) } }
        @for line in &rendered.diagnostics { p.warn { (line) } }
        p { a href=(project_link) { (query.project) } ": " code { (query.old) } " → " code { (query.new) } }
        @for package in list("removed_packages") {
            section.package { h2 { code { (package) } } p.incompatible { "Package removed (incompatible)." } }
        }
        @for package in &changed {
            @let path = package.get("path").and_then(Value::as_str).unwrap_or_default();
            @let changes = package.pointer("/report/changes").and_then(Value::as_array).cloned().unwrap_or_default();
            @let (incompatible, compatible): (Vec<&Value>, Vec<&Value>) = changes.iter().partition(|c| c.get("compatible") == Some(&Value::Bool(false)));
            section.package {
                h2 { code { (path) } }
                @if !incompatible.is_empty() {
                    h3 { "Incompatible changes" }
                    ul.incompatible { @for change in &incompatible { li { (message(change)) } } }
                }
                @if !compatible.is_empty() {
                    h3 { "Compatible changes" }
                    ul.compatible { @for change in &compatible { li { (message(change)) } } }
                }
            }
        }
        @for package in list("added_packages") {
            section.package { h2 { code { (package) } } p.compatible { "Package added (compatible)." } }
        }
    }
}

fn message(change: &Value) -> &str {
    change
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default()
}
