//! The store's pages: projects and packages (search by part of the name, paging), a project's revisions, and
//! what is recorded for one revision or package: its API by package (deprecated marked), its dependencies (with
//! links to the stored projects they import), and its license analysis.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gofed_service::error_chain;
use gofed_services::storage::newest_result;
use gofed_services::Output;
use gofed_store::{Cursor, PackageKey, PageRequest, Store, Subject};
use maud::{html, Markup};
use serde::Deserialize;
use serde_json::Value;

use crate::page::{self, href};
use crate::Ctx;

/// Items per page of a listing.
const PAGE_SIZE: u32 = 100;

/// Why a page cannot be shown: its status and message (the page's title is the caller's).
pub(crate) struct Failure(StatusCode, String);

impl Failure {
    fn page(self, title: &str) -> Response {
        page::error(self.0, title, &self.1)
    }
}

fn store(ctx: &Ctx) -> Result<&Store, Failure> {
    ctx.console.store.as_ref().ok_or_else(|| {
        Failure(
            StatusCode::SERVICE_UNAVAILABLE,
            "this console has no store ([store] url / GOFED_STORE is off)".to_owned(),
        )
    })
}

fn store_failed(title: &str, err: &gofed_store::StoreError) -> Response {
    page::error(
        StatusCode::INTERNAL_SERVER_ERROR,
        title,
        &format!("reading the store failed: {}", error_chain(err)),
    )
}

#[derive(Deserialize, Default)]
pub(crate) struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    after: Option<String>,
}

impl ListQuery {
    fn page(&self) -> Result<PageRequest, Failure> {
        let after = match self.after.as_deref().filter(|a| !a.is_empty()) {
            Some(after) => Some(
                after
                    .parse::<Cursor>()
                    .map_err(|err| Failure(StatusCode::BAD_REQUEST, err.to_string()))?,
            ),
            None => None,
        };
        Ok(PageRequest {
            after,
            limit: PAGE_SIZE,
        })
    }
}

/// What a listing page reads: the store and the page asked for.
fn listing<'a>(ctx: &'a Ctx, query: &ListQuery) -> Result<(&'a Store, PageRequest), Failure> {
    Ok((store(ctx)?, query.page()?))
}

fn search_form(action: &str, q: &str, what: &str) -> Markup {
    html! {
        form.search method="get" action=(action) role="search" {
            input type="search" name="q" value=(q) placeholder=(format!("part of a {what}")) aria-label=(format!("Search {what}s"));
            button type="submit" { "Search" }
        }
    }
}

pub(crate) async fn projects(State(ctx): State<Ctx>, Query(query): Query<ListQuery>) -> Response {
    let (store, page_request) = match listing(&ctx, &query) {
        Ok(listing) => listing,
        Err(failure) => return failure.page("Store"),
    };
    let listed = if query.q.is_empty() {
        store.list_projects(page_request).await
    } else {
        store.search_projects(&query.q, None, page_request).await
    };
    let listed = match listed {
        Ok(listed) => listed,
        Err(err) => return store_failed("Projects", &err),
    };
    let body = html! {
        (search_form("/console/projects", &query.q, "import path"))
        @if listed.items.is_empty() {
            p { "No stored project" @if !query.q.is_empty() { " matches " code { (query.q) } } "." }
        }
        ul.listing {
            @for project in &listed.items {
                li {
                    a href=(href("/console/project", &[("path", &project.import_path)])) { (project.import_path) }
                    @if !project.repository.is_empty() { " " small { (project.repository) } }
                }
            }
        }
        (page::next_link("/console/projects", &[("q", &query.q)], listed.next.map(|c| c.to_string())))
    };
    page::shell("Projects", "/console/projects", body).into_response()
}

#[derive(Deserialize)]
pub(crate) struct ProjectQuery {
    path: String,
    #[serde(default)]
    after: Option<String>,
}

pub(crate) async fn project(State(ctx): State<Ctx>, Query(query): Query<ProjectQuery>) -> Response {
    let store = match store(&ctx) {
        Ok(store) => store,
        Err(failure) => return failure.page("Store"),
    };
    let page_request = match (ListQuery {
        q: String::new(),
        after: query.after.clone(),
    })
    .page()
    {
        Ok(page) => page,
        Err(failure) => return failure.page("Store"),
    };
    let project = match store.get_project(&query.path).await {
        Ok(Some(project)) => project,
        Ok(None) => {
            return page::error(
                StatusCode::NOT_FOUND,
                "Unknown project",
                &format!("no project {} is stored", query.path),
            )
        }
        Err(err) => return store_failed("Project", &err),
    };
    let revisions = match store
        .list_revisions(&project.import_path, page_request)
        .await
    {
        Ok(revisions) => revisions,
        Err(err) => return store_failed("Project", &err),
    };
    let path = project.import_path.as_str();
    let body = html! {
        @if !project.repository.is_empty() { p { "Repository " code { (project.repository) } } }
        @if revisions.items.len() >= 2 {
            form.diff method="get" action="/console/diff" {
                input type="hidden" name="project" value=(path);
                label { "Compare " select name="old" { @for r in &revisions.items { option value=(rev_name(r)) { (rev_name(r)) } } } }
                label { " with " select name="new" { @for r in revisions.items.iter().rev() { option value=(rev_name(r)) { (rev_name(r)) } } } }
                button type="submit" { "Show API changes" }
            }
        }
        div.scroll {
            table {
                thead { tr { th { "Revision" } th { "Commit" } th { "Time" } th { } } }
                tbody {
                    @for revision in &revisions.items {
                        tr {
                            td { a href=(href("/console/revision", &[("project", path), ("rev", &revision.commit)])) { (rev_name(revision)) } }
                            td { code { (short(&revision.commit)) } }
                            td { (time_of(revision.commit_time)) }
                            td { a href=(href("/console/graph", &[("project", path), ("rev", &revision.commit)])) { "graph" } }
                        }
                    }
                }
            }
        }
        (page::next_link("/console/project", &[("path", path)], revisions.next.map(|c| c.to_string())))
    };
    page::shell(path, "/console/projects", body).into_response()
}

fn rev_name(revision: &gofed_store::Revision) -> String {
    revision
        .tag
        .clone()
        .unwrap_or_else(|| short(&revision.commit).to_owned())
}

fn short(commit: &str) -> &str {
    commit.get(..12).unwrap_or(commit)
}

/// Seconds since the epoch as `YYYY-MM-DD HH:MM UTC` (days from the civil calendar algorithm; no time crate for
/// one line).
fn time_of(seconds: i64) -> String {
    if seconds <= 0 {
        return "-".to_owned();
    }
    let days = seconds.div_euclid(86_400);
    let rem = seconds.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

#[derive(Deserialize)]
pub(crate) struct RevisionQuery {
    project: String,
    rev: String,
}

pub(crate) async fn revision(
    State(ctx): State<Ctx>,
    Query(query): Query<RevisionQuery>,
) -> Response {
    let store = match store(&ctx) {
        Ok(store) => store,
        Err(failure) => return failure.page("Store"),
    };
    let revision = match store.find_revision(&query.project, &query.rev).await {
        Ok(Some(revision)) => revision,
        Ok(None) => {
            return page::error(
                StatusCode::NOT_FOUND,
                "Unknown revision",
                &format!("no revision {} of {} is stored", query.rev, query.project),
            )
        }
        Err(err) => return store_failed("Revision", &err),
    };
    let subject = Subject::Revision {
        import_path: revision.import_path.clone(),
        commit: revision.commit.clone(),
    };
    let title = format!("{}@{}", revision.import_path, rev_name(&revision));
    let links = html! {
        p {
            "Commit " code { (revision.commit) } " · " (time_of(revision.commit_time)) " · "
            a href=(href("/console/project", &[("path", &revision.import_path)])) { "all revisions" } " · "
            a href=(href("/console/graph", &[("project", &revision.import_path), ("rev", &revision.commit)])) { "dependency graph" }
        }
    };
    recorded(store, &subject, &title, "/console/projects", links).await
}

#[derive(Deserialize)]
pub(crate) struct PackageQuery {
    name: String,
    version: String,
    release: String,
    distro: String,
}

pub(crate) async fn packages(State(ctx): State<Ctx>, Query(query): Query<ListQuery>) -> Response {
    let (store, page_request) = match listing(&ctx, &query) {
        Ok(listing) => listing,
        Err(failure) => return failure.page("Store"),
    };
    let listed = if query.q.is_empty() {
        store.list_packages(page_request).await
    } else {
        store.search_packages(&query.q, None, page_request).await
    };
    let listed = match listed {
        Ok(listed) => listed,
        Err(err) => return store_failed("Packages", &err),
    };
    let body = html! {
        (search_form("/console/packages", &query.q, "package name"))
        @if listed.items.is_empty() {
            p { "No stored package" @if !query.q.is_empty() { " matches " code { (query.q) } } "." }
        }
        div.scroll {
            table {
                thead { tr { th { "Package" } th { "Version" } th { "Release" } th { "Distribution" } } }
                tbody {
                    @for package in &listed.items {
                        @let key = &package.key;
                        tr {
                            td { a href=(href("/console/package", &[("name", &key.name), ("version", &key.version), ("release", &key.release), ("distro", &key.distro)])) { (key.name) } }
                            td { (key.version) } td { (key.release) } td { (key.distro) }
                        }
                    }
                }
            }
        }
        (page::next_link("/console/packages", &[("q", &query.q)], listed.next.map(|c| c.to_string())))
    };
    page::shell("Packages", "/console/packages", body).into_response()
}

pub(crate) async fn package(State(ctx): State<Ctx>, Query(query): Query<PackageQuery>) -> Response {
    let store = match store(&ctx) {
        Ok(store) => store,
        Err(failure) => return failure.page("Store"),
    };
    let key = PackageKey {
        name: query.name,
        version: query.version,
        release: query.release,
        distro: query.distro,
    };
    let package = match store.get_package(&key).await {
        Ok(Some(package)) => package,
        Ok(None) => {
            return page::error(
                StatusCode::NOT_FOUND,
                "Unknown package",
                &format!(
                    "no package {}-{}-{} ({}) is stored",
                    key.name, key.version, key.release, key.distro
                ),
            )
        }
        Err(err) => return store_failed("Package", &err),
    };
    let title = format!("{}-{}-{}", key.name, key.version, key.release);
    let links = html! { p { (key.distro) " · source RPM " code { (package.source_rpm) } } };
    recorded(
        store,
        &Subject::Package(key),
        &title,
        "/console/packages",
        links,
    )
    .await
}

/// A revision's or package's page: its recorded API, dependencies and licenses.
async fn recorded(
    store: &Store,
    subject: &Subject,
    title: &str,
    nav: &str,
    links: Markup,
) -> Response {
    let (api, deps, licenses) = tokio::join!(
        newest_result(store, subject, "api_analysis"),
        newest_result(store, subject, "deps_analysis"),
        newest_result(store, subject, "license_analysis"),
    );
    let json = |result: Result<Option<gofed_services::storage::StoredAnalysis>, _>| -> Result<Option<Value>, String> {
        match result {
            Ok(Some(analysis)) => match analysis.result.output {
                Output::Json(raw) => serde_json::from_str(raw.get()).map(Some).map_err(|e| e.to_string()),
                Output::Text(_) => Err("only a text rendering is recorded (record one with --format json)".into()),
            },
            Ok(None) => Ok(None),
            Err(err) => Err(gofed_service::error_chain(&err)),
        }
    };
    let (api, deps, licenses) = (json(api), json(deps), json(licenses));
    let imported_projects = match &deps {
        Ok(Some(deps)) => imported_projects(store, deps).await,
        _ => HashMap::new(),
    };
    let body = html! {
        (links)
        section #api {
            h2 { "API" }
            (section(&api, "api_analysis", api_markup))
        }
        section #deps {
            h2 { "Dependencies" }
            (section(&deps, "deps_analysis", |d| deps_markup(d, &imported_projects)))
        }
        section #licenses {
            h2 { "Licenses" }
            (section(&licenses, "license_analysis", licenses_markup))
        }
    };
    page::shell(title, nav, body).into_response()
}

fn section(
    result: &Result<Option<Value>, String>,
    action: &str,
    show: impl Fn(&Value) -> Markup,
) -> Markup {
    match result {
        Ok(Some(value)) => show(value),
        Ok(None) => html! { p.none { "No " code { (action) } " result is recorded." } },
        Err(message) => html! { p.error { (message) } },
    }
}

/// The API by package: each feature's line, deprecated ones marked, documentation on hover.
fn api_markup(api: &Value) -> Markup {
    let packages = api
        .get("packages")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let str_of = |v: &Value, key: &str| {
        v.get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    html! {
        p { (packages.len()) " package(s)." }
        @for package in &packages {
            @let features = package.get("features").and_then(Value::as_array).cloned().unwrap_or_default();
            @let n_deprecated = features.iter().filter(|f| f.get("deprecated") == Some(&Value::Bool(true))).count();
            details.package {
                summary {
                    code { (str_of(package, "path")) } " · " (features.len()) " feature(s)"
                    @if n_deprecated > 0 { " · " span.deprecated { (n_deprecated) " deprecated" } }
                }
                ul.features {
                    @for feature in &features {
                        @let deprecated = feature.get("deprecated") == Some(&Value::Bool(true));
                        li.deprecated[deprecated] title=(str_of(feature, "doc")) {
                            code { (str_of(feature, "text")) }
                            @if deprecated { " " span.badge { "deprecated" } }
                            @let doc = str_of(feature, "doc");
                            @if !doc.is_empty() { div.doc { (doc) } }
                        }
                    }
                }
            }
        }
    }
}

/// For every import of a dependency analysis, the stored project that provides it (the longest stored import
/// path that is a prefix of it), if any.
async fn imported_projects(store: &Store, deps: &Value) -> HashMap<String, String> {
    let mut imports: Vec<String> = Vec::new();
    for package in deps
        .get("packages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        for import in package
            .get("Imports")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(import) = import.as_str() {
                imports.push(import.to_owned());
            }
        }
    }
    imports.sort();
    imports.dedup();
    let mut known: HashMap<String, bool> = HashMap::new();
    let mut providers = HashMap::new();
    for import in imports {
        let mut prefix = import.as_str();
        loop {
            let stored = match known.get(prefix) {
                Some(&stored) => stored,
                None => {
                    let stored = matches!(store.get_project(prefix).await, Ok(Some(_)));
                    known.insert(prefix.to_owned(), stored);
                    stored
                }
            };
            if stored {
                providers.insert(import.clone(), prefix.to_owned());
                break;
            }
            match prefix.rsplit_once('/') {
                Some((parent, _)) => prefix = parent,
                None => break,
            }
        }
    }
    providers
}

fn deps_markup(deps: &Value, providers: &HashMap<String, String>) -> Markup {
    let packages = deps
        .get("packages")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let unresolved = deps
        .get("unresolved")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut importers: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for package in &packages {
        let path = package
            .get("ImportPath")
            .and_then(Value::as_str)
            .unwrap_or_default();
        for import in package
            .get("Imports")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(import) = import.as_str() {
                importers
                    .entry(import.to_owned())
                    .or_default()
                    .push(path.to_owned());
            }
        }
    }
    html! {
        p { (packages.len()) " package(s) import " (importers.len()) " non-standard package(s); " (unresolved.len()) " unresolved." }
        div.scroll {
            table {
                thead { tr { th { "Import" } th { "Stored project" } th { "Imported by" } } }
                tbody {
                    @for (import, by) in &importers {
                        tr {
                            td { code { (import) } }
                            td {
                                @match providers.get(import) {
                                    Some(project) => a href=(href("/console/project", &[("path", project)])) { (project) },
                                    None => "-",
                                }
                            }
                            td { (by.join(", ")) }
                        }
                    }
                }
            }
        }
    }
}

/// The license analysis: the one SPDX expression for the whole, each license file with what it was found to
/// be, the SPDX headers of the .go files; the whole document on demand.
fn licenses_markup(licenses: &Value) -> Markup {
    let expression = licenses
        .pointer("/summary/expression")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let files = licenses
        .get("files")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let headers = licenses
        .get("spdx_headers")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let ids = |file: &Value| -> String {
        file.get("matches")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|m| m.get("spdx_id").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join(", ")
    };
    html! {
        p { "License: " strong { @if expression.is_empty() { "unknown" } @else { code { (expression) } } } }
        @if !files.is_empty() {
            ul.listing {
                @for file in &files {
                    li { code { (file.get("path").and_then(Value::as_str).unwrap_or_default()) } " " small { (ids(file)) } }
                }
            }
        }
        @if !headers.is_empty() {
            p {
                "SPDX-License-Identifier headers: "
                @for (i, (id, count)) in headers.iter().enumerate() {
                    @if i > 0 { ", " }
                    code { (id) } " × " (count)
                }
            }
        }
        details { summary { "The whole analysis" } pre { (serde_json::to_string_pretty(licenses).unwrap_or_default()) } }
    }
}

#[cfg(test)]
mod tests {
    use super::time_of;

    #[test]
    fn times_are_civil_dates() {
        assert_eq!(time_of(0), "-");
        assert_eq!(time_of(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(time_of(1_700_000_000), "2023-11-14 22:13 UTC");
    }
}
