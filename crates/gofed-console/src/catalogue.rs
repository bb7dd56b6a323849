//! The Actions pages: every action with its documentation and JSON Schemas, and a form generated from the input
//! schema that calls the action (wherever it is placed) and shows the result envelope.
//!
//! The form has one field per top-level property of the input: a checkbox for a boolean, a number field for a
//! number, a list for an enumeration of strings, a text field for a string, and a JSON text area for anything
//! else. A property that is a SOURCE (or a list of them) also takes a file: an archive, module zip or RPM,
//! uploaded to `filestorage` and passed as an artifact. No script is needed.

use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gofed_service::config::Scope;
use maud::{html, Markup};
use serde_json::{Map, Value};

use crate::{page, Ctx};

/// The largest upload the form takes (and the console's body limit).
pub(crate) const UPLOAD_LIMIT: usize = 256 << 20;

/// One action, as the catalogue lists it.
#[derive(Debug, Clone)]
pub struct ActionEntry {
    pub service: String,
    pub service_version: String,
    pub name: String,
    pub doc: String,
    pub input_schema: Value,
    pub output_schema: Value,
    /// The token scope a call needs.
    pub scope: Scope,
}

pub(crate) async fn list(State(ctx): State<Ctx>) -> Response {
    let actions = &ctx.console.actions;
    let body = html! {
        p.lead { (actions.len()) " actions. Each one's page has its schemas and a form that calls it." }
        div.scroll {
            table {
                thead { tr { th { "Action" } th { "Service" } th { "Needs" } th { "What it does" } } }
                tbody {
                    @for action in actions {
                        tr {
                            td { a href=(format!("/console/actions/{}", action.name)) { code { (action.name) } } }
                            td { (action.service) " " small { (action.service_version) } }
                            td { (action.scope.as_str()) }
                            td { (action.doc) }
                        }
                    }
                }
            }
        }
    };
    page::shell("Actions", "/console/actions", body).into_response()
}

fn find<'a>(ctx: &'a Ctx, name: &str) -> Option<&'a ActionEntry> {
    ctx.console.actions.iter().find(|a| a.name == name)
}

pub(crate) async fn form(State(ctx): State<Ctx>, Path(name): Path<String>) -> Response {
    let Some(action) = find(&ctx, &name) else {
        return page::error(
            StatusCode::NOT_FOUND,
            "Unknown action",
            &format!("no action is named {name}"),
        );
    };
    render(action, &Map::new(), None)
}

/// The action's page: the form (filled with `values`), then `result` (an envelope or an error) when there is one.
fn render(action: &ActionEntry, values: &Map<String, Value>, result: Option<Markup>) -> Response {
    let fields = fields_of(&action.input_schema);
    let pretty = |v: &Value| serde_json::to_string_pretty(v).unwrap_or_default();
    let body = html! {
        p.lead { (action.doc) }
        p { "Service " (action.service) " " (action.service_version) "; needs a " (action.scope.as_str()) " token." }
        @if let Some(result) = result {
            section #result { h2 { "Result" } (result) }
        }
        form.action method="post" enctype="multipart/form-data" action=(format!("/console/actions/{}", action.name)) {
            @for field in &fields {
                (field_markup(field, values.get(&field.name)))
            }
            button type="submit" { "Call " (action.name) }
        }
        details {
            summary { "Input schema" }
            pre { (pretty(&action.input_schema)) }
        }
        details {
            summary { "Output schema" }
            pre { (pretty(&action.output_schema)) }
        }
    };
    page::shell(&action.name, "/console/actions", body).into_response()
}

/// What kind of form field a property gets.
#[derive(Debug, PartialEq)]
enum Kind {
    Bool,
    Number {
        integer: bool,
    },
    Choice(Vec<String>),
    Text,
    /// JSON; `source` when it is a SOURCE (`Some(true)`: a list of them), which may be a file instead.
    Json {
        source: Option<bool>,
    },
}

#[derive(Debug)]
struct Field {
    name: String,
    doc: String,
    required: bool,
    kind: Kind,
}

/// The fields of an input schema (schemars' draft 2020-12: `properties`, `required`, `$ref` into `$defs`).
fn fields_of(schema: &Value) -> Vec<Field> {
    let root = resolve(schema, schema);
    let required: Vec<&str> = root
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = root.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(name, property)| {
            let doc = property
                .get("description")
                .or_else(|| resolve(schema, property).get("description"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            Field {
                name: name.clone(),
                doc,
                required: required.contains(&name.as_str()),
                kind: kind_of(schema, property),
            }
        })
        .collect()
}

/// `value` with a `$ref` (`#/$defs/X`) followed, once per level; a nullable `anyOf`/`oneOf` (schemars' `Option`)
/// gives its non-null branch.
fn resolve<'a>(root: &'a Value, mut value: &'a Value) -> &'a Value {
    for _ in 0..8 {
        if let Some(target) = value
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|pointer| root.pointer(pointer))
        {
            value = target;
            continue;
        }
        let branches = value
            .get("anyOf")
            .or_else(|| value.get("oneOf"))
            .and_then(Value::as_array);
        if let Some(branches) = branches {
            let non_null: Vec<&Value> = branches
                .iter()
                .filter(|b| b.get("type").and_then(Value::as_str) != Some("null"))
                .collect();
            if let [only] = non_null.as_slice() {
                if non_null.len() < branches.len() {
                    value = only;
                    continue;
                }
            }
        }
        break;
    }
    value
}

fn is_source_ref(value: &Value) -> bool {
    value
        .get("$ref")
        .and_then(Value::as_str)
        .is_some_and(|r| r.ends_with("/Source"))
}

fn kind_of(root: &Value, property: &Value) -> Kind {
    let direct = resolve_to_ref(root, property);
    if is_source_ref(direct) {
        return Kind::Json {
            source: Some(false),
        };
    }
    let resolved = resolve(root, property);
    if let Some(items) = resolved.get("items") {
        if is_source_ref(resolve_to_ref(root, items)) {
            return Kind::Json { source: Some(true) };
        }
    }
    let types: Vec<&str> = match resolved.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let types: Vec<&str> = types.into_iter().filter(|t| *t != "null").collect();
    if let Some(choices) = resolved.get("enum").and_then(Value::as_array) {
        let strings: Vec<String> = choices
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect();
        if !strings.is_empty() && strings.len() == choices.len() {
            return Kind::Choice(strings);
        }
    }
    if let Some(branches) = resolved.get("oneOf").and_then(Value::as_array) {
        // schemars writes a documented enumeration as one `const` per variant.
        let consts: Vec<String> = branches
            .iter()
            .filter_map(|b| b.get("const").and_then(Value::as_str))
            .map(str::to_owned)
            .collect();
        if !consts.is_empty() && consts.len() == branches.len() {
            return Kind::Choice(consts);
        }
    }
    match types.as_slice() {
        ["boolean"] => Kind::Bool,
        ["integer"] => Kind::Number { integer: true },
        ["number"] => Kind::Number { integer: false },
        ["string"] => Kind::Text,
        _ => Kind::Json { source: None },
    }
}

/// `value` with nullable wrappers removed but its last `$ref` kept (to see which definition it names).
fn resolve_to_ref<'a>(root: &'a Value, value: &'a Value) -> &'a Value {
    if value.get("$ref").is_some() {
        return value;
    }
    let resolved = resolve(root, value);
    if std::ptr::eq(resolved, value) {
        return value;
    }
    // A nullable wrapper around a `$ref`: find the branch that is the reference.
    value
        .get("anyOf")
        .or_else(|| value.get("oneOf"))
        .and_then(Value::as_array)
        .and_then(|bs| bs.iter().find(|b| b.get("$ref").is_some()))
        .unwrap_or(value)
}

fn field_markup(field: &Field, value: Option<&Value>) -> Markup {
    let id = format!("f-{}", field.name);
    let text = |v: Option<&Value>| match v {
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => String::new(),
    };
    html! {
        div.field {
            @match &field.kind {
                Kind::Bool => {
                    label {
                        input type="checkbox" name=(field.name) value="true" checked[value == Some(&Value::Bool(true))];
                        " " code { (field.name) }
                    }
                }
                _ => {
                    label for=(id) {
                        code { (field.name) }
                        @if field.required { " " span.required { "(required)" } }
                    }
                }
            }
            @match &field.kind {
                Kind::Bool => {}
                Kind::Number { integer } => {
                    input #(id) type="number" name=(field.name) step=(if *integer { "1" } else { "any" }) value=(text(value));
                }
                Kind::Choice(choices) => {
                    select #(id) name=(field.name) {
                        @if !field.required { option value="" { "(default)" } }
                        @for choice in choices {
                            option value=(choice) selected[text(value) == *choice] { (choice) }
                        }
                    }
                }
                Kind::Text => {
                    input #(id) type="text" name=(field.name) value=(text(value));
                }
                Kind::Json { source } => {
                    textarea #(id) name=(field.name) rows="3" placeholder="JSON" {
                        (value.map(|v| serde_json::to_string_pretty(v).unwrap_or_default()).unwrap_or_default())
                    }
                    @if source.is_some() {
                        label.upload {
                            "or upload an archive, module zip or RPM: "
                            input type="file" name=(format!("{}.file", field.name));
                        }
                    }
                }
            }
            @if !field.doc.is_empty() { small.doc { (field.doc) } }
        }
    }
}

/// A form value that could not become the input.
struct Invalid(String);

pub(crate) async fn call(
    State(ctx): State<Ctx>,
    Path(name): Path<String>,
    granted: Option<axum::Extension<Scope>>,
    multipart: Multipart,
) -> Response {
    let Some(action) = find(&ctx, &name) else {
        return page::error(
            StatusCode::NOT_FOUND,
            "Unknown action",
            &format!("no action is named {name}"),
        );
    };
    // The envelope asked only for `read` here; the action's own scope decides.
    let scope = crate::granted_scope(granted);
    if scope < action.scope {
        return page::error(
            StatusCode::FORBIDDEN,
            &action.name,
            &format!(
                "{} needs a {} token; this session's is {}",
                action.name,
                action.scope.as_str(),
                scope.as_str()
            ),
        );
    }
    let fields = fields_of(&action.input_schema);
    let input = match read_form(&ctx, &fields, scope, multipart).await {
        Ok(input) => input,
        Err(Invalid(message)) => {
            let result = html! { p.error role="alert" { (message) } };
            let response = render(action, &Map::new(), Some(result));
            return (StatusCode::BAD_REQUEST, response).into_response();
        }
    };
    // The console calls with its own token, so what the envelope would ask of the session's token is asked
    // here: recording in the store takes `write`, as uploading does.
    if input.get("record") == Some(&Value::Bool(true)) && scope < Scope::Write {
        return page::error(
            StatusCode::FORBIDDEN,
            &action.name,
            "recording a result in the store needs a write token",
        );
    }
    let values = input.clone();
    // An action without input fields takes `null` (`()`), not an empty object.
    let document = if fields.is_empty()
        && action.input_schema.get("type").and_then(Value::as_str) == Some("null")
    {
        Value::Null
    } else {
        Value::Object(input)
    };
    let answer = ctx
        .console
        .system
        .call_json_envelope(&action.name, document)
        .await;
    let (status, result) = match answer {
        Ok(envelope) => (
            StatusCode::OK,
            html! {
                p.ok { "Answered by " (envelope.meta.service) " (instance " code { (envelope.meta.instance) } ") in " (envelope.meta.duration_ms) " ms." }
                pre.result { (serde_json::to_string_pretty(&envelope).unwrap_or_default()) }
            },
        ),
        Err(err) => (
            StatusCode::OK,
            html! { p.error role="alert" { (gofed_service::error_chain(&err)) } },
        ),
    };
    (status, render(action, &values, Some(result))).into_response()
}

/// The input document of a submitted form (uploads as the artifacts they became). Uploading needs a `write`
/// token, as `PUT /v1/files` does: the console uploads with its own.
async fn read_form(
    ctx: &Ctx,
    fields: &[Field],
    scope: Scope,
    mut multipart: Multipart,
) -> Result<Map<String, Value>, Invalid> {
    let mut input = Map::new();
    loop {
        let part = multipart
            .next_field()
            .await
            .map_err(|err| Invalid(format!("the form could not be read: {err}")))?;
        let Some(part) = part else { break };
        let part_name = part.name().unwrap_or_default().to_owned();
        if let Some(name) = part_name.strip_suffix(".file") {
            let Some(field) = fields.iter().find(|f| f.name == name) else {
                continue;
            };
            let file_name = part.file_name().unwrap_or_default().to_owned();
            let bytes = part
                .bytes()
                .await
                .map_err(|err| Invalid(format!("{name}: the upload could not be read: {err}")))?;
            if file_name.is_empty() && bytes.is_empty() {
                continue;
            }
            if scope < Scope::Write {
                return Err(Invalid(format!(
                    "{name}: uploading a file needs a write token; this session's is {}",
                    scope.as_str()
                )));
            }
            let file = ctx
                .console
                .system
                .upload_bytes(bytes)
                .await
                .map_err(|err| {
                    Invalid(format!(
                        "{name}: uploading {file_name}: {}",
                        gofed_service::error_chain(&err)
                    ))
                })?;
            let mount = gofed_services::artifact::download_mount(file.sha256.as_ref());
            let source = serde_json::json!({ "artifact": {
                "at": { "file": file },
                "name": file_name,
                "mount": mount,
            } });
            let value = if field.kind == (Kind::Json { source: Some(true) }) {
                Value::Array(vec![source])
            } else {
                source
            };
            input.insert(name.to_owned(), value);
            continue;
        }
        let Some(field) = fields.iter().find(|f| f.name == part_name) else {
            continue;
        };
        let text = part
            .text()
            .await
            .map_err(|err| Invalid(format!("{part_name}: {err}")))?;
        // An upload for the same field wins over its text.
        if input.contains_key(&part_name) {
            continue;
        }
        if let Some(value) = field_value(field, text.trim())? {
            input.insert(part_name, value);
        }
    }
    for field in fields.iter().filter(|f| f.required) {
        if !input.contains_key(&field.name) && field.kind != Kind::Bool {
            return Err(Invalid(format!("{} is required", field.name)));
        }
    }
    Ok(input)
}

/// The JSON value of a field's text; `None` when left empty.
fn field_value(field: &Field, text: &str) -> Result<Option<Value>, Invalid> {
    if text.is_empty() {
        return Ok(None);
    }
    let name = &field.name;
    Ok(Some(match &field.kind {
        Kind::Bool => Value::Bool(text == "true"),
        Kind::Number { integer: true } => text
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| Invalid(format!("{name}: {text:?} is not a whole number")))?,
        Kind::Number { integer: false } => text
            .parse::<f64>()
            .ok()
            .and_then(|n| serde_json::Number::from_f64(n).map(Value::Number))
            .ok_or_else(|| Invalid(format!("{name}: {text:?} is not a number")))?,
        Kind::Choice(_) | Kind::Text => Value::String(text.to_owned()),
        Kind::Json { .. } => {
            serde_json::from_str(text).map_err(|err| Invalid(format!("{name}: not JSON: {err}")))?
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_follow_the_schema() {
        let schema = serde_json::json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "type": "object",
            "required": ["source"],
            "properties": {
                "source": { "$ref": "#/$defs/Source", "description": "The tree." },
                "sources": { "type": "array", "items": { "$ref": "#/$defs/Source" } },
                "format": { "$ref": "#/$defs/Format" },
                "level": { "oneOf": [ { "const": "a", "type": "string" }, { "const": "b", "type": "string" } ] },
                "tests": { "type": "boolean", "default": false },
                "limit": { "type": ["integer", "null"] },
                "package": { "anyOf": [ { "type": "string" }, { "type": "null" } ] },
                "context": { "$ref": "#/$defs/Context" }
            },
            "$defs": {
                "Source": { "oneOf": [ { "type": "object" } ] },
                "Format": { "type": "string", "enum": ["text", "json"] },
                "Context": { "type": "object", "properties": {} }
            }
        });
        let fields = fields_of(&schema);
        let kinds: Vec<(&str, &Kind, bool)> = fields
            .iter()
            .map(|f| (f.name.as_str(), &f.kind, f.required))
            .collect();
        assert_eq!(
            kinds,
            [
                ("context", &Kind::Json { source: None }, false),
                (
                    "format",
                    &Kind::Choice(vec!["text".into(), "json".into()]),
                    false
                ),
                ("level", &Kind::Choice(vec!["a".into(), "b".into()]), false),
                ("limit", &Kind::Number { integer: true }, false),
                ("package", &Kind::Text, false),
                (
                    "source",
                    &Kind::Json {
                        source: Some(false)
                    },
                    true
                ),
                ("sources", &Kind::Json { source: Some(true) }, false),
                ("tests", &Kind::Bool, false),
            ]
        );
        assert_eq!(fields[5].doc, "The tree.");
    }

    #[test]
    fn values_are_checked() {
        let field = |kind| Field {
            name: "x".into(),
            doc: String::new(),
            required: false,
            kind,
        };
        assert!(field_value(&field(Kind::Number { integer: true }), "1.5").is_err());
        assert!(field_value(&field(Kind::Json { source: None }), "{").is_err());
        assert_eq!(
            field_value(&field(Kind::Json { source: None }), "{\"a\": 1}")
                .ok()
                .flatten(),
            Some(serde_json::json!({"a": 1}))
        );
        assert_eq!(field_value(&field(Kind::Text), "").ok().flatten(), None);
    }
}
