//! Actions and services: typed functions with a name, a doc string and JSON Schemas, called in-process or by JSON.
//!
//! An [`Action`] keeps its function twice: once typed (for [`Service::call_local`], a plain function call with no
//! serialisation) and once behind a JSON adapter (for [`Service::call_json`] and the HTTP envelope). Blocking actions
//! run on tokio's blocking pool, together with the decoding of their input and the encoding of their output, and
//! get a [`Cancel`] that is set when their result can no longer be delivered (timeout, dropped call, shutdown).

use std::any::{type_name, Any};
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::value::RawValue;

use crate::cancel::{run_blocking, Cancel};
use crate::envelope::{ActionInfo, ServiceInfo};
use crate::error::{from_path_error, BoxError, ServiceError};

/// A boxed, sendable future.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

type TypedFn<In, Out> = Arc<dyn Fn(In) -> BoxFuture<Result<Out, ServiceError>> + Send + Sync>;
type JsonFn =
    Arc<dyn Fn(JsonInput) -> BoxFuture<Result<Box<RawValue>, ServiceError>> + Send + Sync>;
type HookFn = Arc<dyn Fn() -> BoxFuture<Result<(), BoxError>> + Send + Sync>;

/// Input of the JSON adapter: a parsed value (from [`Service::call_json`]) or the raw request body.
pub(crate) enum JsonInput {
    Value(serde_json::Value),
    Bytes(bytes::Bytes),
}

/// One named operation with a typed input and output.
pub struct Action {
    name: String,
    doc: String,
    input_type: &'static str,
    output_type: &'static str,
    /// The JSON Schemas of the input and the output, made when first asked for: a command runs one action of
    /// the system's dozens, and making them all took a millisecond of every run.
    schemas: std::sync::OnceLock<(serde_json::Value, serde_json::Value)>,
    make_schemas: fn() -> (serde_json::Value, serde_json::Value),
    /// A `TypedFn<In, Out>`, downcast by [`Action::call_typed`].
    typed: Box<dyn Any + Send + Sync>,
    json: JsonFn,
}

impl fmt::Debug for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Action")
            .field("name", &self.name)
            .field("input", &self.input_type)
            .field("output", &self.output_type)
            .finish_non_exhaustive()
    }
}

fn schema_of<T: JsonSchema>() -> serde_json::Value {
    schemars::SchemaGenerator::default()
        .into_root_schema_for::<T>()
        .to_value()
}

fn decode<In: DeserializeOwned>(input: JsonInput) -> Result<In, ServiceError> {
    match input {
        JsonInput::Value(value) => serde_path_to_error::deserialize(value).map_err(from_path_error),
        JsonInput::Bytes(bytes) => {
            // An empty body stands for `null`, so actions without input can be called with no body at all.
            let text: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
                b"null"
            } else {
                &bytes
            };
            let mut de = serde_json::Deserializer::from_slice(text);
            let value = serde_path_to_error::deserialize(&mut de).map_err(from_path_error)?;
            de.end()
                .map_err(|err| ServiceError::invalid_input(".", err.to_string()))?;
            Ok(value)
        }
    }
}

fn encode<Out: Serialize>(action: &str, output: &Out) -> Result<Box<RawValue>, ServiceError> {
    serde_json::value::to_raw_value(output)
        .map_err(|err| ServiceError::internal(format!("encoding the output of `{action}`"), err))
}

impl Action {
    fn new<In, Out>(name: &str, doc: &str, typed: TypedFn<In, Out>, json: JsonFn) -> Action
    where
        In: JsonSchema + 'static,
        Out: JsonSchema + 'static,
    {
        Action {
            name: name.to_owned(),
            doc: doc.to_owned(),
            input_type: type_name::<In>(),
            output_type: type_name::<Out>(),
            schemas: std::sync::OnceLock::new(),
            make_schemas: || (schema_of::<In>(), schema_of::<Out>()),
            typed: Box::new(typed),
            json,
        }
    }

    /// An action running an async function on the caller's runtime.
    pub fn new_async<In, Out, F, Fut>(name: &str, doc: &str, handler: F) -> Action
    where
        In: DeserializeOwned + JsonSchema + Send + 'static,
        Out: Serialize + JsonSchema + Send + 'static,
        F: Fn(In) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Out, ServiceError>> + Send + 'static,
    {
        let handler = Arc::new(handler);
        let typed: TypedFn<In, Out> = {
            let handler = Arc::clone(&handler);
            Arc::new(move |input| Box::pin(handler(input)))
        };
        let action = name.to_owned();
        let json: JsonFn = Arc::new(move |input| {
            let handler = Arc::clone(&handler);
            let action = action.clone();
            Box::pin(async move {
                let input: In = decode(input)?;
                let output = handler(input).await?;
                encode(&action, &output)
            })
        });
        Action::new(name, doc, typed, json)
    }

    /// An action running a blocking (CPU-heavy) function on tokio's blocking pool. Decoding the input and encoding
    /// the output happen there too. A panic in the function becomes an `internal` error. The function gets a
    /// [`Cancel`], set when the call times out, is dropped, or the envelope shuts down: long work checks it and
    /// stops.
    pub fn new_blocking<In, Out, F>(name: &str, doc: &str, f: F) -> Action
    where
        In: DeserializeOwned + JsonSchema + Send + 'static,
        Out: Serialize + JsonSchema + Send + 'static,
        F: Fn(In, Cancel) -> Result<Out, ServiceError> + Send + Sync + 'static,
    {
        let f = Arc::new(f);
        let typed: TypedFn<In, Out> = {
            let f = Arc::clone(&f);
            let action = name.to_owned();
            Arc::new(move |input| {
                let f = Arc::clone(&f);
                let action = action.clone();
                Box::pin(async move {
                    join(&action, run_blocking(move |cancel| f(input, cancel))).await
                })
            })
        };
        let action = name.to_owned();
        let json: JsonFn = Arc::new(move |input| {
            let f = Arc::clone(&f);
            let action = action.clone();
            Box::pin(async move {
                let name = action.clone();
                let task = run_blocking(move |cancel| {
                    let input: In = decode(input)?;
                    let output = f(input, cancel)?;
                    encode(&name, &output)
                });
                join(&action, task).await
            })
        });
        Action::new(name, doc, typed, json)
    }

    /// The action's name, unique across the system.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What the action does.
    pub fn doc(&self) -> &str {
        &self.doc
    }

    /// JSON Schema of the input document.
    pub fn input_schema(&self) -> &serde_json::Value {
        &self.schemas.get_or_init(self.make_schemas).0
    }

    /// JSON Schema of the output document.
    pub fn output_schema(&self) -> &serde_json::Value {
        &self.schemas.get_or_init(self.make_schemas).1
    }

    /// The description served by `GET /v1/info`.
    pub fn info(&self) -> ActionInfo {
        ActionInfo {
            name: self.name.clone(),
            doc: self.doc.clone(),
            input_schema: self.input_schema().clone(),
            output_schema: self.output_schema().clone(),
        }
    }

    /// Call with typed values: no serialisation. `In` and `Out` must be the registered types.
    pub fn call_typed<In: 'static, Out: 'static>(
        &self,
        input: In,
    ) -> Result<BoxFuture<Result<Out, ServiceError>>, ServiceError> {
        match self.typed.downcast_ref::<TypedFn<In, Out>>() {
            Some(f) => Ok(f(input)),
            None => Err(ServiceError::internal(
                "call_local",
                format!(
                    "action `{}` takes {} and returns {}, not {} and {}",
                    self.name,
                    self.input_type,
                    self.output_type,
                    type_name::<In>(),
                    type_name::<Out>()
                ),
            )),
        }
    }

    /// Call with a JSON input; the output stays raw JSON text.
    pub(crate) fn call_raw(
        &self,
        input: JsonInput,
    ) -> BoxFuture<Result<Box<RawValue>, ServiceError>> {
        (self.json)(input)
    }
}

async fn join<T>(
    action: &str,
    task: impl Future<Output = Result<Result<T, ServiceError>, tokio::task::JoinError>>,
) -> Result<T, ServiceError> {
    match task.await {
        Ok(result) => result,
        Err(err) => Err(ServiceError::internal(format!("running `{action}`"), err)),
    }
}

/// A named, versioned set of actions, with lifecycle hooks. Cloning is cheap (everything is shared).
///
/// ```
/// use gofed_service::{Service, ServiceError};
///
/// let svc = Service::new("math", "1.0.0", "arithmetic")
///     .action("add", "sum of two numbers", |(a, b): (i64, i64)| async move { Ok(a + b) })
///     .blocking_action::<u64, u64, _>("fib", "n-th Fibonacci number", |n, _cancel| {
///         if n > 90 {
///             return Err(ServiceError::invalid_input(".", "n must be at most 90"));
///         }
///         let (mut a, mut b) = (0u64, 1u64);
///         for _ in 0..n {
///             (a, b) = (b, a + b);
///         }
///         Ok(a)
///     });
/// let rt = tokio::runtime::Runtime::new().unwrap();
/// assert_eq!(rt.block_on(svc.call_local::<(i64, i64), i64>("add", (2, 3))).unwrap(), 5);
/// assert_eq!(rt.block_on(svc.call_json("fib", serde_json::json!(10))).unwrap(), serde_json::json!(55));
/// ```
#[derive(Clone)]
pub struct Service {
    name: String,
    version: String,
    description: String,
    actions: BTreeMap<String, Arc<Action>>,
    startup: Vec<HookFn>,
    shutdown: Vec<HookFn>,
    /// Read-only HTTP routes beside the actions, by group name (see [`Service::routes`]).
    routes: Vec<(String, axum::Router)>,
    /// The token scope each action needs beyond `read` (see [`Service::requires`]).
    scopes: BTreeMap<String, crate::config::Scope>,
    /// The web pages' settings (see [`Service::web`]).
    web: Option<WebPages>,
}

/// How the envelope treats a service's web pages (the console's): what it serves without a token, where it sends
/// a browser that has none, and the routes whose handlers check the token's scope themselves.
#[derive(Debug, Clone, Default)]
pub struct WebPages {
    /// Path prefixes served without a token: the login form and the style sheet it uses.
    pub public: Vec<String>,
    /// Where a browser's page request (a GET that accepts HTML) without a valid token is redirected, with
    /// `?next=PATH`.
    pub login: String,
    /// Path prefixes whose handlers compare the token's scope (a request extension) with what they do, so the
    /// envelope asks only for `read` there: a form that calls an action needs that action's scope, not `write`.
    pub self_scoped: Vec<String>,
}

impl fmt::Debug for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Service")
            .field("name", &self.name)
            .field("version", &self.version)
            .field("actions", &self.actions.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Service {
    /// A service with no actions yet.
    pub fn new(
        name: impl Into<String>,
        version: impl Into<String>,
        description: impl Into<String>,
    ) -> Service {
        Service {
            name: name.into(),
            version: version.into(),
            description: description.into(),
            actions: BTreeMap::new(),
            startup: Vec::new(),
            shutdown: Vec::new(),
            routes: Vec::new(),
            scopes: BTreeMap::new(),
            web: None,
        }
    }

    /// Declares the service's web pages (see [`WebPages`]); their routes come with [`Service::routes`].
    pub fn web(mut self, pages: WebPages) -> Service {
        self.web = Some(pages);
        self
    }

    /// The web pages' settings, if the service has pages.
    pub fn web_pages(&self) -> Option<&WebPages> {
        self.web.as_ref()
    }

    /// Marks `action` (already added) as needing a token of `scope` when the envelope has scoped tokens: `write`
    /// for actions that store what they fetch or receive, `admin` for those that remove.
    ///
    /// # Panics
    /// If the service has no such action (a programming error, caught by any test that builds the service).
    pub fn requires(mut self, action: &str, scope: crate::config::Scope) -> Service {
        assert!(
            self.actions.contains_key(action),
            "service `{}` has no action `{action}` to scope",
            self.name
        );
        self.scopes.insert(action.to_owned(), scope);
        self
    }

    /// The token scope `action` needs (`read` unless [`Service::requires`] said otherwise).
    pub fn scope_of(&self, action: &str) -> crate::config::Scope {
        self.scopes.get(action).copied().unwrap_or_default()
    }

    /// Add an action.
    ///
    /// # Panics
    /// If the service already has an action of that name (a programming error, caught by any test that builds the
    /// service).
    pub fn with_action(mut self, action: Action) -> Service {
        let name = action.name.clone();
        let previous = self.actions.insert(name.clone(), Arc::new(action));
        assert!(
            previous.is_none(),
            "service `{}` registers action `{name}` twice",
            self.name
        );
        self
    }

    /// Add an async action. See [`Action::new_async`]. The types usually come from the closure
    /// (`|input: In| async move { Ok::<Out, ServiceError>(..) }`), or name them: `.action::<In, Out, _, _>(..)`.
    pub fn action<In, Out, F, Fut>(self, name: &str, doc: &str, handler: F) -> Service
    where
        In: DeserializeOwned + JsonSchema + Send + 'static,
        Out: Serialize + JsonSchema + Send + 'static,
        F: Fn(In) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Out, ServiceError>> + Send + 'static,
    {
        self.with_action(Action::new_async(name, doc, handler))
    }

    /// Add a blocking (CPU-heavy) action, run on tokio's blocking pool. See [`Action::new_blocking`].
    pub fn blocking_action<In, Out, F>(self, name: &str, doc: &str, f: F) -> Service
    where
        In: DeserializeOwned + JsonSchema + Send + 'static,
        Out: Serialize + JsonSchema + Send + 'static,
        F: Fn(In, Cancel) -> Result<Out, ServiceError> + Send + Sync + 'static,
    {
        self.with_action(Action::new_blocking(name, doc, f))
    }

    /// Run `hook` when the envelope starts, before it accepts connections. An error stops the start.
    pub fn on_startup<F, Fut>(mut self, hook: F) -> Service
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), BoxError>> + Send + 'static,
    {
        self.startup.push(Arc::new(move || Box::pin(hook())));
        self
    }

    /// Run `hook` when the envelope stops, after in-flight calls have finished. Errors are logged.
    pub fn on_shutdown<F, Fut>(mut self, hook: F) -> Service
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), BoxError>> + Send + 'static,
    {
        self.shutdown.push(Arc::new(move || Box::pin(hook())));
        self
    }

    /// Serve `router`'s routes (e.g. REST views of what the service holds) beside the envelope's, behind the
    /// same bearer token, with the envelope's error documents for unknown routes. Services hosted together that
    /// serve the same views give the same `group` name: the envelope merges each group once (the first
    /// service's), so they must build it alike. Routes of different groups must not overlap (axum panics when
    /// the envelope's router is built, which any test serving the services catches).
    pub fn routes(mut self, group: &str, router: axum::Router) -> Service {
        self.routes.push((group.to_owned(), router));
        self
    }

    /// The route groups of [`Service::routes`].
    pub fn route_groups(&self) -> &[(String, axum::Router)] {
        &self.routes
    }

    /// Service name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Service version.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// What the service does.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The actions, sorted by name.
    pub fn actions(&self) -> impl Iterator<Item = &Arc<Action>> {
        self.actions.values()
    }

    /// One action by name.
    pub fn get(&self, name: &str) -> Option<&Arc<Action>> {
        self.actions.get(name)
    }

    fn lookup(&self, name: &str) -> Result<&Arc<Action>, ServiceError> {
        self.actions
            .get(name)
            .ok_or_else(|| ServiceError::UnknownAction {
                action: name.to_owned(),
                known: self.actions.keys().cloned().collect(),
            })
    }

    /// Call an action in-process with typed values: a plain function call, no serialisation.
    pub async fn call_local<In: 'static, Out: 'static>(
        &self,
        name: &str,
        input: In,
    ) -> Result<Out, ServiceError> {
        self.lookup(name)?.call_typed::<In, Out>(input)?.await
    }

    /// Call an action with a JSON input document, getting its JSON output.
    pub async fn call_json(
        &self,
        name: &str,
        input: serde_json::Value,
    ) -> Result<serde_json::Value, ServiceError> {
        let raw = self.lookup(name)?.call_raw(JsonInput::Value(input)).await?;
        serde_json::from_str(raw.get())
            .map_err(|err| ServiceError::internal("re-reading an action output", err))
    }

    /// The description served by `GET /v1/info`.
    pub fn info(&self) -> ServiceInfo {
        ServiceInfo {
            name: self.name.clone(),
            version: self.version.clone(),
            description: self.description.clone(),
            actions: self.actions.values().map(|a| a.info()).collect(),
        }
    }

    pub(crate) fn startup_hooks(&self) -> &[HookFn] {
        &self.startup
    }

    pub(crate) fn shutdown_hooks(&self) -> &[HookFn] {
        &self.shutdown
    }
}
