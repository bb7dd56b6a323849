//! The storage services `apistorage` and `depsstorage` (gofed-ng's names): what `gofed api|deps SOURCE --store`
//! recorded, read back from the store, as actions and as read-only REST views (gofed-ng's apiweb/depsweb).
//!
//! | service | actions |
//! |---|---|
//! | `apistorage` | `api_get`, `api_projects`, `api_revisions`, `api_packages`, `api_distros`, `api_stored_diff` |
//! | `depsstorage` | `deps_get`, `deps_projects`, `deps_revisions`, `deps_packages` |
//!
//! Both serve the same REST views (one route group, [`views`]), since the views read one store:
//!
//! - `GET /api/v1/projects`, `/api/v1/projects/{project}/revisions`, `/api/v1/packages`, `/api/v1/distros`:
//!   listings, paged with `?limit=&after=` (the answer's `next` is the next `after`);
//! - `GET /api/v1/projects/{project}/{rev}/api|deps`, `/api/v1/packages/{name}/{version}-{release}/{distro}/api|deps`:
//!   the stored document (JSON, or `text/plain` when only a text rendering was recorded);
//! - `GET /api/v1/projects/{project}/apidiff?old=REV&new=REV[&format=text|json|lines|gofed][&allow_errors=true]`:
//!   the API diff of two stored revisions, computed from their saved API models ([`crate::saved`]), so its
//!   messages are those of `gofed apidiff` between the trees (packages with errors: a 422 naming them, unless
//!   `allow_errors`);
//! - `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of these routes, from the same Rust types.
//!
//! A project is one path segment, percent-encoded (`github.com%2Fcoreos%2Fetcd`): Go import paths have slashes, and
//! a project whose path ends in `/revisions` or `/apidiff` would make an unencoded route ambiguous. `rev` is a tag
//! or a commit id. Errors are the envelope's error documents (`not_found`, 404, for an unknown project, revision,
//! package or result).
//!
//! `api_diff` is the `api` service's action name (action names are unique across the system), so the stored
//! diff is `api_stored_diff`.

use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use gofed_service::{Cancel, Service, ServiceError};
use gofed_store::{
    Cursor, Package, PackageKey, Page, PageRequest, Project, ResultEntry, ResultKey, Revision,
    Store, StoreError, Subject,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::request::{
    ApidiffFormat, ApidiffRequest, BuildContext, Output, Rendered, Source, EXIT_ERRORS,
};
use crate::saved::SavedApi;
use crate::tree::OpenedTree;
use crate::{blocking, ServiceContext, VERSION};

/// The route group both storage services serve.
pub const VIEWS_GROUP: &str = "storage-views";

/// A page's size when the request names none.
pub const DEFAULT_LIMIT: u32 = 100;

/// Which recorded analysis a service reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `api_analysis` results.
    Api,
    /// `deps_analysis` results.
    Deps,
}

impl Kind {
    /// The action whose recorded results it reads.
    pub fn action(self) -> &'static str {
        match self {
            Kind::Api => "api_analysis",
            Kind::Deps => "deps_analysis",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Kind::Api => "api",
            Kind::Deps => "deps",
        }
    }
}

/// What a recorded analysis is recorded under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Stored {
    /// A revision of a project.
    Revision {
        /// The project's import path.
        project: String,
        /// A tag or a commit id.
        rev: String,
    },
    /// A distribution package.
    Package(PackageKey),
}

impl std::fmt::Display for Stored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stored::Revision { project, rev } => write!(f, "{project}@{rev}"),
            Stored::Package(k) => {
                write!(f, "{}-{}-{} ({})", k.name, k.version, k.release, k.distro)
            }
        }
    }
}

/// A recorded analysis.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct StoredAnalysis {
    /// The revision (by commit id) or package it is recorded under.
    pub subject: Subject,
    /// Its key in the store.
    pub key: ResultKey,
    /// The result as the analysis rendered it.
    pub result: Rendered,
}

/// A page of a listing.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct ListRequest {
    /// Start after this cursor (the `next` of the previous page).
    #[serde(default)]
    pub after: Option<Cursor>,
    /// At most this many items (1 to 1000; default 100).
    #[serde(default)]
    pub limit: Option<u32>,
}

impl ListRequest {
    fn page(&self) -> PageRequest {
        PageRequest {
            after: self.after,
            limit: self.limit.unwrap_or(DEFAULT_LIMIT),
        }
    }
}

/// A page of a project's revisions.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RevisionsRequest {
    /// The project's import path.
    pub project: String,
    /// Start after this cursor.
    #[serde(default)]
    pub after: Option<Cursor>,
    /// At most this many items (1 to 1000; default 100).
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Input of `api_stored_diff`: two recorded JSON API analyses.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct StoredDiffRequest {
    /// The old version.
    pub old: Stored,
    /// The new version.
    pub new: Stored,
    /// The build context (its model must be in both analyses).
    #[serde(default)]
    pub context: BuildContext,
    /// Only this package (import path or path relative to the root).
    #[serde(default)]
    pub package: Option<String>,
    /// The old version's number, to suggest the next one.
    #[serde(default)]
    pub base_version: Option<String>,
    /// Output format.
    #[serde(default)]
    pub format: ApidiffFormat,
    /// Go on when packages have errors.
    #[serde(default)]
    pub allow_errors: bool,
}

fn store_error(err: StoreError) -> ServiceError {
    match err {
        StoreError::Unknown(what) => ServiceError::NotFound(what),
        err => ServiceError::internal("reading the store", err),
    }
}

/// What the storage services read.
#[derive(Clone)]
struct Storage {
    store: Option<Store>,
    context: ServiceContext,
}

impl Storage {
    fn new(context: &ServiceContext) -> Storage {
        let store = context
            .store
            .clone()
            .or_else(|| context.cache.as_ref().map(|c| c.store().clone()));
        Storage {
            store,
            context: context.clone(),
        }
    }

    fn store(&self) -> Result<&Store, ServiceError> {
        self.store.as_ref().ok_or_else(|| {
            ServiceError::unprocessable(
                "this gofed has no store to read ([store] url / GOFED_STORE is off, or it could not be opened: see \
                 the log)",
            )
        })
    }

    /// The projects, or with `kind` those with an analysis of that kind recorded (so that `api_projects` lists
    /// none that `api_get` has nothing of).
    async fn projects(
        &self,
        kind: Option<Kind>,
        request: ListRequest,
    ) -> Result<Page<Project>, ServiceError> {
        let store = self.store()?;
        store
            .list_projects_recording(kind.map(Kind::action), request.page())
            .await
            .map_err(store_error)
    }

    /// A project's revisions, or with `kind` those with an analysis of that kind recorded.
    async fn revisions(
        &self,
        kind: Option<Kind>,
        request: RevisionsRequest,
    ) -> Result<Page<Revision>, ServiceError> {
        let store = self.store()?;
        let page = ListRequest {
            after: request.after,
            limit: request.limit,
        }
        .page();
        store
            .list_revisions_recording(&request.project, kind.map(Kind::action), page)
            .await
            .map_err(store_error)
    }

    /// The packages, or with `kind` those with an analysis of that kind recorded.
    async fn packages(
        &self,
        kind: Option<Kind>,
        request: ListRequest,
    ) -> Result<Page<Package>, ServiceError> {
        let store = self.store()?;
        store
            .list_packages_recording(kind.map(Kind::action), request.page())
            .await
            .map_err(store_error)
    }

    async fn distros(&self) -> Result<Vec<String>, ServiceError> {
        self.store()?.list_distros().await.map_err(store_error)
    }

    /// The recorded `kind` analysis of `of`: the newest with a JSON document, else the newest.
    async fn get(&self, kind: Kind, of: &Stored) -> Result<StoredAnalysis, ServiceError> {
        recorded_analysis(self.store()?, kind, of).await
    }

    /// The API diff of two recorded JSON API analyses, as `gofed apidiff` compares saved analyses.
    async fn diff(&self, request: StoredDiffRequest) -> Result<Rendered, ServiceError> {
        let (old, new) = tokio::try_join!(
            self.get(Kind::Api, &request.old),
            self.get(Kind::Api, &request.new)
        )?;
        let saved = |of: &Stored, analysis: StoredAnalysis| {
            match analysis.result.output {
            Output::Json(raw) => Ok((format!("store:{of}"), raw)),
            Output::Text(_) => Err(ServiceError::unprocessable(format!(
                "store:{of}: no JSON API analysis is recorded (record one with gofed api SOURCE --store --format \
                 json)"
            ))),
        }
        };
        let (old_name, old_raw) = saved(&request.old, old)?;
        let (new_name, new_raw) = saved(&request.new, new)?;
        let args = ApidiffRequest {
            old: Source::Path(PathBuf::from(&old_name)),
            new: Source::Path(PathBuf::from(&new_name)),
            context: request.context,
            package: request.package,
            base_version: request.base_version,
            goroot: None,
            format: request.format,
            allow_errors: request.allow_errors,
            no_cache: false,
        };
        let context = self.context.clone();
        blocking("api_stored_diff", move |cancel: Cancel| {
            let old = SavedApi::read(&old_name, old_raw.get().as_bytes())?;
            let new = SavedApi::read(&new_name, new_raw.get().as_bytes())?;
            // No files: a saved analysis's models carry their own root.
            let mount = std::path::Path::new("/");
            let (old, new) = (
                OpenedTree::saved_api(old, mount),
                OpenedTree::saved_api(new, mount),
            );
            let budget = context.analysis_budget(Some(cancel.flag()));
            crate::apidiff::api_diff(&old, &new, &args, &budget)
        })
        .await
    }
}

/// The analysis of `kind` recorded for `of` (see [`newest_result`]); `not_found` naming what is missing: the
/// project, the revision, the package, or a result of that kind. `api_get`, `deps_get` and `gofed store show`.
pub async fn recorded_analysis(
    store: &Store,
    kind: Kind,
    of: &Stored,
) -> Result<StoredAnalysis, ServiceError> {
    let subject = match of {
        Stored::Revision { project, rev } => {
            if store
                .get_project(project)
                .await
                .map_err(store_error)?
                .is_none()
            {
                return Err(ServiceError::NotFound(format!("project {project}")));
            }
            let revision = store
                .find_revision(project, rev)
                .await
                .map_err(store_error)?
                .ok_or_else(|| ServiceError::NotFound(format!("revision {rev} of {project}")))?;
            Subject::Revision {
                import_path: revision.import_path,
                commit: revision.commit,
            }
        }
        Stored::Package(key) => {
            if store.get_package(key).await.map_err(store_error)?.is_none() {
                return Err(ServiceError::NotFound(format!("package {of}")));
            }
            Subject::Package(key.clone())
        }
    };
    let newest = newest_result(store, &subject, kind.action()).await?;
    newest.ok_or_else(|| {
        ServiceError::NotFound(format!("{} result recorded for {of}", kind.action()))
    })
}

/// The newest result of `action` recorded under `subject` that has a JSON document, else the newest of any
/// rendering; `None` when none is recorded. A JSON document is what the views serve and what a diff reads, so a
/// newer text rendering does not hide one. `store:PROJECT@REV` SOURCEs read their saved analysis with it too.
pub async fn newest_result(
    store: &Store,
    subject: &Subject,
    action: &str,
) -> Result<Option<StoredAnalysis>, ServiceError> {
    let mut entries: Vec<ResultEntry> = Vec::new();
    let mut page = PageRequest::first(PageRequest::MAX_LIMIT);
    loop {
        let listed = match subject {
            Subject::Revision {
                import_path,
                commit,
            } => store.list_revision_results(import_path, commit, page).await,
            Subject::Package(key) => store.list_package_results(key, page).await,
        }
        .map_err(store_error)?;
        entries.extend(listed.items.into_iter().filter(|e| e.key.action == action));
        match listed.next {
            Some(next) => page.after = Some(next),
            None => break,
        }
    }
    // Listed in the order stored: the newest last.
    let mut newest: Option<StoredAnalysis> = None;
    for entry in entries.into_iter().rev() {
        let Some(reader) = store.read_result(&entry.key).await.map_err(store_error)? else {
            continue;
        };
        let result = crate::cache::read_stored(reader).map_err(|err| {
            ServiceError::internal(format!("reading the stored result {}", entry.key), err)
        })?;
        let analysis = StoredAnalysis {
            subject: subject.clone(),
            key: entry.key,
            result,
        };
        if matches!(analysis.result.output, Output::Json(_)) {
            return Ok(Some(analysis));
        }
        newest.get_or_insert(analysis);
    }
    Ok(newest)
}

fn listing_actions(service: Service, kind: Kind, storage: &Storage) -> Service {
    let prefix = kind.prefix();
    let (s1, s2, s3, s4) = (
        storage.clone(),
        storage.clone(),
        storage.clone(),
        storage.clone(),
    );
    service
        .action(
            &format!("{prefix}_get"),
            &format!(
                "The recorded {} of a project revision (tag or commit id) or a package: the newest JSON document, \
                 else the newest.",
                kind.action()
            ),
            move |of: Stored| {
                let storage = s1.clone();
                async move { storage.get(kind, &of).await }
            },
        )
        .action(
            &format!("{prefix}_projects"),
            &format!("The projects with a recorded {}, paged.", kind.action()),
            move |request: ListRequest| {
                let storage = s2.clone();
                async move { storage.projects(Some(kind), request).await }
            },
        )
        .action(
            &format!("{prefix}_revisions"),
            &format!("A project's revisions with a recorded {}, paged.", kind.action()),
            move |request: RevisionsRequest| {
                let storage = s3.clone();
                async move { storage.revisions(Some(kind), request).await }
            },
        )
        .action(
            &format!("{prefix}_packages"),
            &format!("The distribution packages with a recorded {}, paged.", kind.action()),
            move |request: ListRequest| {
                let storage = s4.clone();
                async move { storage.packages(Some(kind), request).await }
            },
        )
}

/// The `apistorage` service: recorded API analyses, their listings and diffs.
pub fn apistorage_service(context: &ServiceContext) -> Service {
    let storage = Storage::new(context);
    let service = Service::new(
        "apistorage",
        VERSION,
        "recorded API analyses of project revisions and packages, and API diffs between them (REST views under \
         /api/v1)",
    );
    let (s1, s2) = (storage.clone(), storage.clone());
    listing_actions(service, Kind::Api, &storage)
        .action(
            "api_distros",
            "The distributions of the recorded packages.",
            move |(): ()| {
                let storage = s1.clone();
                async move { storage.distros().await }
            },
        )
        .action(
            "api_stored_diff",
            "The API diff of two recorded JSON API analyses (x/exp/apidiff's rules, as gofed apidiff between the \
             trees); exit_code 1 when a change is incompatible.",
            move |request: StoredDiffRequest| {
                let storage = s2.clone();
                async move { storage.diff(request).await }
            },
        )
        .routes(VIEWS_GROUP, views(storage))
}

/// The `depsstorage` service: recorded dependency analyses and their listings.
pub fn depsstorage_service(context: &ServiceContext) -> Service {
    let storage = Storage::new(context);
    let service = Service::new(
        "depsstorage",
        VERSION,
        "recorded dependency analyses of project revisions and packages (REST views under /api/v1)",
    );
    listing_actions(service, Kind::Deps, &storage).routes(VIEWS_GROUP, views(storage))
}

// ---- REST views ----

fn bad_query(err: QueryRejection) -> ServiceError {
    ServiceError::invalid_input("query", err.body_text())
}

fn bad_path(err: PathRejection) -> ServiceError {
    ServiceError::invalid_input("path", err.body_text())
}

/// `?limit=&after=`.
#[derive(Debug, Deserialize)]
struct PageQuery {
    #[serde(default)]
    after: Option<Cursor>,
    #[serde(default)]
    limit: Option<u32>,
}

impl From<PageQuery> for ListRequest {
    fn from(q: PageQuery) -> ListRequest {
        ListRequest {
            after: q.after,
            limit: q.limit,
        }
    }
}

/// `?old=REV&new=REV&format=&allow_errors=`.
#[derive(Debug, Deserialize)]
struct ApidiffQuery {
    old: String,
    new: String,
    #[serde(default)]
    format: ApidiffFormat,
    #[serde(default)]
    allow_errors: bool,
}

/// A rendered document as an HTTP answer: JSON as it was rendered, text as `text/plain`.
fn document(rendered: Rendered) -> Response {
    match rendered.output {
        Output::Json(raw) => (
            [(header::CONTENT_TYPE, "application/json")],
            String::from(Box::<str>::from(raw)),
        )
            .into_response(),
        Output::Text(text) => {
            ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
        }
    }
}

/// `{version}-{release}`: RPM forbids `-` in both, so the last one splits them.
fn package_key(name: String, evr: &str, distro: String) -> Result<PackageKey, ServiceError> {
    let (version, release) = evr.rsplit_once('-').ok_or_else(|| {
        ServiceError::invalid_input("path", format!("{evr:?} is not VERSION-RELEASE"))
    })?;
    Ok(PackageKey {
        name,
        version: version.to_owned(),
        release: release.to_owned(),
        distro,
    })
}

type Views = State<Arc<Storage>>;

/// The REST views over `storage` (the route group [`VIEWS_GROUP`]).
fn views(storage: Storage) -> Router {
    Router::new()
        .route("/api/v1/openapi.json", get(|| async { Json(openapi()) }))
        .route(
            "/api/v1/projects",
            get(
                |State(s): Views, q: Result<Query<PageQuery>, QueryRejection>| async move {
                    let Query(q) = q.map_err(bad_query)?;
                    s.projects(None, q.into()).await.map(Json)
                },
            ),
        )
        .route(
            "/api/v1/projects/{project}/revisions",
            get(
                |State(s): Views,
                 p: Result<Path<String>, PathRejection>,
                 q: Result<Query<PageQuery>, QueryRejection>| async move {
                    let Path(project) = p.map_err(bad_path)?;
                    let Query(q) = q.map_err(bad_query)?;
                    s.revisions(None, RevisionsRequest {
                        project,
                        after: q.after,
                        limit: q.limit,
                    })
                    .await
                    .map(Json)
                },
            ),
        )
        .route(
            "/api/v1/projects/{project}/apidiff",
            get(
                |State(s): Views,
                 p: Result<Path<String>, PathRejection>,
                 q: Result<Query<ApidiffQuery>, QueryRejection>| async move {
                    let Path(project) = p.map_err(bad_path)?;
                    let Query(q) = q.map_err(bad_query)?;
                    let request = StoredDiffRequest {
                        old: Stored::Revision {
                            project: project.clone(),
                            rev: q.old,
                        },
                        new: Stored::Revision {
                            project,
                            rev: q.new,
                        },
                        context: BuildContext::default(),
                        package: None,
                        base_version: None,
                        format: q.format,
                        allow_errors: q.allow_errors,
                    };
                    let rendered = s.diff(request).await?;
                    if rendered.exit_code == EXIT_ERRORS {
                        // Packages with errors and no `allow_errors`: the errors are the answer, as the command
                        // line prints them instead of a report.
                        return Err(ServiceError::unprocessable(rendered.diagnostics.join("\n")));
                    }
                    Ok(document(rendered))
                },
            ),
        )
        .route(
            "/api/v1/projects/{project}/{rev}/{view}",
            get(
                |State(s): Views, p: Result<Path<(String, String, String)>, PathRejection>| async move {
                    let Path((project, rev, view)) = p.map_err(bad_path)?;
                    let kind = view_kind(&view)?;
                    let analysis = s.get(kind, &Stored::Revision { project, rev }).await?;
                    Ok::<_, ServiceError>(document(analysis.result))
                },
            ),
        )
        .route(
            "/api/v1/packages",
            get(
                |State(s): Views, q: Result<Query<PageQuery>, QueryRejection>| async move {
                    let Query(q) = q.map_err(bad_query)?;
                    s.packages(None, q.into()).await.map(Json)
                },
            ),
        )
        .route(
            "/api/v1/packages/{name}/{evr}/{distro}/{view}",
            get(
                |State(s): Views,
                 p: Result<Path<(String, String, String, String)>, PathRejection>| async move {
                    let Path((name, evr, distro, view)) = p.map_err(bad_path)?;
                    let kind = view_kind(&view)?;
                    let key = package_key(name, &evr, distro)?;
                    let analysis = s.get(kind, &Stored::Package(key)).await?;
                    Ok::<_, ServiceError>(document(analysis.result))
                },
            ),
        )
        .route(
            "/api/v1/distros",
            get(|State(s): Views| async move { s.distros().await.map(Json) }),
        )
        .with_state(Arc::new(storage))
}

/// `api` or `deps`, the last segment of a document's route.
fn view_kind(view: &str) -> Result<Kind, ServiceError> {
    match view {
        "api" => Ok(Kind::Api),
        "deps" => Ok(Kind::Deps),
        _ => Err(ServiceError::NotFound("route".to_owned())),
    }
}

// ---- OpenAPI ----

/// One route of the views, for the OpenAPI document.
struct RouteDoc {
    path: &'static str,
    summary: &'static str,
    params: &'static [(&'static str, &'static str, &'static str)],
    /// `Some(schema)` for JSON answers; `None` for a rendered document (JSON or text).
    answer: Option<schemars::Schema>,
}

/// The OpenAPI 3.1 document of the REST views: the answers' schemas are the Rust types' JSON Schemas (draft
/// 2020-12, which OpenAPI 3.1 uses), under `components/schemas`.
pub fn openapi() -> serde_json::Value {
    let mut generator = schemars::generate::SchemaSettings::draft2020_12()
        .with(|s| s.definitions_path = "/components/schemas".into())
        .into_generator();
    const PAGE: [(&str, &str, &str); 2] = [
        (
            "limit",
            "query",
            "At most this many items (1 to 1000; default 100).",
        ),
        (
            "after",
            "query",
            "Start after this cursor: the `next` of the previous page.",
        ),
    ];
    const PROJECT: (&str, &str, &str) = (
        "project",
        "path",
        "The project's import path, percent-encoded as one segment (github.com%2Fx%2Fy).",
    );
    const REV: (&str, &str, &str) = ("rev", "path", "A tag or a commit id.");
    const PKG: [(&str, &str, &str); 3] = [
        ("name", "path", "The package name."),
        ("evr", "path", "VERSION-RELEASE."),
        ("distro", "path", "The distribution, e.g. fedora:42."),
    ];
    let routes = [
        RouteDoc {
            path: "/api/v1/projects",
            summary: "The recorded projects.",
            params: &PAGE,
            answer: Some(generator.subschema_for::<Page<Project>>()),
        },
        RouteDoc {
            path: "/api/v1/projects/{project}/revisions",
            summary: "A project's recorded revisions.",
            params: &[PROJECT, PAGE[0], PAGE[1]],
            answer: Some(generator.subschema_for::<Page<Revision>>()),
        },
        RouteDoc {
            path: "/api/v1/projects/{project}/{rev}/api",
            summary: "The recorded API analysis of a revision (the newest JSON document).",
            params: &[PROJECT, REV],
            answer: None,
        },
        RouteDoc {
            path: "/api/v1/projects/{project}/{rev}/deps",
            summary: "The recorded dependency analysis of a revision.",
            params: &[PROJECT, REV],
            answer: None,
        },
        RouteDoc {
            path: "/api/v1/projects/{project}/apidiff",
            summary: "The API diff between two recorded revisions, as gofed apidiff reports it between the trees.",
            params: &[
                PROJECT,
                ("old", "query", "The old revision: a tag or a commit id."),
                ("new", "query", "The new revision."),
                ("format", "query", "text (default), json, lines or gofed."),
                (
                    "allow_errors",
                    "query",
                    "true: report packages with errors too (else their errors are a 422).",
                ),
            ],
            answer: None,
        },
        RouteDoc {
            path: "/api/v1/packages",
            summary: "The recorded distribution packages.",
            params: &PAGE,
            answer: Some(generator.subschema_for::<Page<Package>>()),
        },
        RouteDoc {
            path: "/api/v1/packages/{name}/{evr}/{distro}/api",
            summary: "The recorded API analysis of a package.",
            params: &PKG,
            answer: None,
        },
        RouteDoc {
            path: "/api/v1/packages/{name}/{evr}/{distro}/deps",
            summary: "The recorded dependency analysis of a package.",
            params: &PKG,
            answer: None,
        },
        RouteDoc {
            path: "/api/v1/distros",
            summary: "The distributions of the recorded packages.",
            params: &[],
            answer: Some(generator.subschema_for::<Vec<String>>()),
        },
        RouteDoc {
            path: "/api/v1/openapi.json",
            summary: "This document.",
            params: &[],
            answer: Some(schemars::json_schema!({"type": "object"})),
        },
    ];
    let error = generator.subschema_for::<gofed_service::ErrorBody>();
    let mut paths = serde_json::Map::new();
    for route in routes {
        let parameters: Vec<serde_json::Value> = route
            .params
            .iter()
            .map(|(name, at, doc)| {
                serde_json::json!({
                    "name": name,
                    "in": at,
                    "required": *at == "path" || *name == "old" || *name == "new",
                    "description": doc,
                    "schema": {"type": "string"},
                })
            })
            .collect();
        let ok = match route.answer {
            Some(schema) => serde_json::json!({
                "description": "OK",
                "content": {"application/json": {"schema": schema}},
            }),
            None => serde_json::json!({
                "description": "The document as the analysis rendered it.",
                "content": {
                    "application/json": {"schema": {}},
                    "text/plain": {"schema": {"type": "string"}},
                },
            }),
        };
        let failed = serde_json::json!({
            "description": "The envelope's error document.",
            "content": {"application/json": {"schema": error}},
        });
        paths.insert(
            route.path.to_owned(),
            serde_json::json!({"get": {
                "summary": route.summary,
                "parameters": parameters,
                "responses": {"200": ok, "400": failed, "404": failed},
            }}),
        );
    }
    serde_json::json!({
        "openapi": "3.1.0",
        "info": {
            "title": "gofed storage views",
            "version": VERSION,
            "description": "Read-only views of the API and dependency analyses recorded in gofed's store.",
        },
        "paths": paths,
        "components": {"schemas": generator.take_definitions(true)},
    })
}
