//! `gofed config reference`: the reference of `gofed.toml`, written from the configuration types themselves
//! (their JSON Schema: doc comments, defaults, and each setting's `GOFED_*` variable), so that it cannot fall
//! behind them. `docs/configuration.md` is its output, and a test checks that it still is.

use std::fmt::Write as _;
use std::process::ExitCode;

use serde_json::{Map, Value};

use crate::cli::FormatArgs;
use gofed_services::Format;

/// `gofed config reference [--format json]`: the reference as Markdown, or the JSON Schema it is written from.
pub fn reference(args: &FormatArgs) -> anyhow::Result<ExitCode> {
    let schema = serde_json::to_value(schemars::schema_for!(gofed_service::Config))?;
    let text = match args.format {
        Format::Json => format!("{}\n", serde_json::to_string_pretty(&schema)?),
        Format::Text => markdown(&schema),
    };
    crate::output::write_stdout(|out| out.write_all(text.as_bytes()))?;
    Ok(ExitCode::SUCCESS)
}

/// The reference: one section per table, one entry per setting.
pub fn markdown(schema: &Value) -> String {
    let mut out = String::from(
        "# gofed configuration reference\n\n\
         <!-- Written by `gofed config reference` from the configuration types; do not edit. -->\n\n\
         gofed reads `gofed.toml` from `--config FILE` (or `GOFED_CONFIG`); every setting has a default, a \
         `GOFED_*` environment variable overrides the file where one is named, and a command-line option \
         overrides both. `gofed config show` prints the settings in effect and where each came from.\n",
    );
    let defs = schema.get("$defs").and_then(Value::as_object);
    let mut tables = Vec::new();
    collect_tables("", schema, defs, &mut tables);
    for (name, table) in tables {
        let _ = write!(out, "\n## `[{name}]`\n\n");
        if let Some(text) = table.get("description").and_then(Value::as_str) {
            let _ = write!(out, "{}\n\n", blocks(text));
        }
        for (key, node) in properties(table) {
            let setting = resolve(node, defs);
            if is_table(setting) {
                continue;
            }
            // The field's own description, default and variable sit beside its `$ref`; the type is the target's.
            let own = |name: &str| node.get(name).or_else(|| setting.get(name));
            let mut facts = vec![type_of(setting, defs)];
            facts.push(match own("default") {
                None | Some(Value::Null) => "default: unset".to_owned(),
                Some(value) => format!("default: `{}`", literal(value)),
            });
            if let Some(env) = own("x-env").and_then(Value::as_str) {
                facts.push(format!("`{env}`"));
            }
            let _ = write!(out, "- **`{key}`** ({})", facts.join("; "));
            match own("description").and_then(Value::as_str) {
                Some(text) => {
                    let _ = writeln!(out, ": {}", paragraph(text));
                }
                None => out.push('\n'),
            }
        }
    }
    out
}

/// The tables under `node` (depth first, each before its sub-tables), named by their dotted path.
fn collect_tables<'a>(
    path: &str,
    node: &'a Value,
    defs: Option<&'a Map<String, Value>>,
    tables: &mut Vec<(String, &'a Value)>,
) {
    for (key, setting) in properties(node) {
        let resolved = resolve(setting, defs);
        if !is_table(resolved) {
            continue;
        }
        let name = if path.is_empty() {
            key.clone()
        } else {
            format!("{path}.{key}")
        };
        tables.push((name.clone(), resolved));
        collect_tables(&name, resolved, defs, tables);
    }
}

fn properties(node: &Value) -> impl Iterator<Item = (&String, &Value)> {
    node.get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
}

/// A table is an object with named settings (a map of any keys, like `[system.placement]`, is a setting).
fn is_table(node: &Value) -> bool {
    node.get("properties").is_some()
}

/// `node`, or the definition its `$ref` names, with `node`'s own keys (description, default, x-env) kept.
fn resolve<'a>(node: &'a Value, defs: Option<&'a Map<String, Value>>) -> &'a Value {
    let target = node
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
        .and_then(|name| defs?.get(name));
    match target {
        // The referring node's description is the field's; the definition's is the type's. For a table the
        // definition carries the settings, so it is the one to read.
        Some(def) => def,
        None => node,
    }
}

/// A short name of a setting's type.
fn type_of(node: &Value, defs: Option<&Map<String, Value>>) -> String {
    if let Some(values) = node.get("enum").and_then(Value::as_array) {
        return one_of(values);
    }
    if let Some(variants) = node.get("oneOf").and_then(Value::as_array) {
        let consts: Vec<Value> = variants
            .iter()
            .filter_map(|v| v.get("const").cloned())
            .collect();
        if consts.len() == variants.len() {
            return one_of(&consts);
        }
    }
    let types: Vec<&str> = match node.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let name = match types.iter().find(|t| **t != "null").copied() {
        Some("array") => {
            let item = node.get("items").map(|i| resolve(i, defs));
            match item {
                Some(item) if is_table(item) => {
                    let keys: Vec<&str> = properties(item).map(|(k, _)| k.as_str()).collect();
                    format!("array of tables {{{}}}", keys.join(", "))
                }
                Some(item) => format!("array of {}", type_of(item, defs)),
                None => "array".to_owned(),
            }
        }
        Some("object") => match node.get("additionalProperties").map(|v| resolve(v, defs)) {
            Some(value) => format!("table of NAME = {}", type_of(value, defs)),
            None => "table".to_owned(),
        },
        Some(t) => t.to_owned(),
        None => match node.get("$ref").and_then(Value::as_str) {
            Some(r) => type_of(resolve(&Value::String(r.to_owned()), defs), defs),
            None => "any".to_owned(),
        },
    };
    name
}

fn one_of(values: &[Value]) -> String {
    let names: Vec<String> = values
        .iter()
        .filter(|v| !v.is_null())
        .map(|v| format!("`{}`", literal(v)))
        .collect();
    format!("one of {}", names.join(", "))
}

/// A value as TOML writes it.
fn literal(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{s:?}"),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(literal).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(map) if map.is_empty() => "{}".to_owned(),
        Value::Object(map) => {
            let items: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k} = {}", literal(v)))
                .collect();
            format!("{{ {} }}", items.join(", "))
        }
        other => other.to_string(),
    }
}

/// A doc comment as one Markdown paragraph, its intra-doc links as plain code.
fn paragraph(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    unlink(&words.join(" "))
}

/// A doc comment as Markdown blocks: paragraphs joined into lines, fenced code kept as written.
fn blocks(text: &str) -> String {
    let mut out = Vec::new();
    let mut paragraph_lines: Vec<&str> = Vec::new();
    let mut in_code = false;
    for line in text.lines() {
        let fence = line.trim_start().starts_with("```");
        if in_code || fence {
            if !in_code && !paragraph_lines.is_empty() {
                out.push(paragraph(&paragraph_lines.join(" ")));
                paragraph_lines.clear();
            }
            out.push(line.to_owned());
            if fence {
                in_code = !in_code;
            }
        } else if line.trim().is_empty() {
            if !paragraph_lines.is_empty() {
                out.push(paragraph(&paragraph_lines.join(" ")));
                paragraph_lines.clear();
            }
            out.push(String::new());
        } else {
            paragraph_lines.push(line);
        }
    }
    if !paragraph_lines.is_empty() {
        out.push(paragraph(&paragraph_lines.join(" ")));
    }
    out.join("\n")
}

/// "[`Name`]" (a rustdoc link, meaningless outside the code) as "`Name`".
fn unlink(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("[`") {
        let Some(len) = rest[start + 2..].find("`]") else {
            break;
        };
        let end = start + 2 + len + 2;
        out.push_str(&rest[..start]);
        if rest[end..].starts_with('(') {
            out.push_str(&rest[start..end]);
        } else {
            out.push_str(&rest[start + 1..end - 1]);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}
