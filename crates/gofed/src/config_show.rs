//! `gofed config show`: every setting in effect and where it came from, secrets masked.
//!
//! The origin of a value is found by building the configuration in steps — the defaults, then the file, then
//! the `GOFED_*` environment, then the command line's service options — and noting the step that last changed
//! it (a value the file sets to its default counts as the file's, since the file names it).

use std::process::ExitCode;

use anyhow::Context as _;
use gofed_service::Config;
use serde::Serialize;
use serde_json::Value;

use crate::cli::{FormatArgs, SystemArgs};
use gofed_services::Format;

/// One setting.
#[derive(Debug, Serialize)]
struct Setting {
    /// Dotted key, as in the file (`server.listen`, `system.placement.api`).
    key: String,
    /// The value in effect, secrets masked.
    value: Value,
    /// `default`, `file`, `environment` or `flag`.
    origin: &'static str,
}

/// Leaves of a JSON value as (dotted key, value); arrays are leaves.
fn leaves(prefix: &str, value: &Value, out: &mut Vec<(String, Value)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(&key, v, out);
            }
        }
        _ => out.push((prefix.to_owned(), value.clone())),
    }
}

fn flat(config: &Config) -> anyhow::Result<std::collections::BTreeMap<String, Value>> {
    let mut out = Vec::new();
    leaves("", &serde_json::to_value(config)?, &mut out);
    Ok(out.into_iter().collect())
}

/// Whether the TOML document names `key` (dotted).
fn names(doc: &toml::Table, key: &str) -> bool {
    let mut table = doc;
    let mut parts = key.split('.').peekable();
    while let Some(part) = parts.next() {
        match table.get(part) {
            None => return false,
            Some(_) if parts.peek().is_none() => return true,
            Some(toml::Value::Table(t)) => table = t,
            Some(_) => return false,
        }
    }
    false
}

/// Tokens and the passwords of URLs, masked.
fn mask(key: &str, value: Value) -> Value {
    let last = key.rsplit('.').next().unwrap_or(key);
    match value {
        Value::Null => Value::Null,
        Value::String(_) if last == "token" => Value::String("***".to_owned()),
        Value::Array(items) if last == "tokens" => Value::Array(
            items
                .into_iter()
                .map(|item| match item {
                    Value::Object(mut map) => {
                        if map.contains_key("token") {
                            map.insert("token".to_owned(), Value::String("***".to_owned()));
                        }
                        Value::Object(map)
                    }
                    other => other,
                })
                .collect(),
        ),
        Value::String(s) => Value::String(mask_url_password(&s)),
        other => other,
    }
}

/// `scheme://user:password@host` → `scheme://user:***@host`.
fn mask_url_password(s: &str) -> String {
    let Some((scheme, rest)) = s.split_once("://") else {
        return s.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => s.to_owned(),
        },
        None => s.to_owned(),
    }
}

pub fn show(system: &SystemArgs, args: &FormatArgs) -> anyhow::Result<ExitCode> {
    let path = system.config.as_deref();
    let defaults = flat(&Config::default())?;
    let (file_config, document) = match path {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let config = Config::from_toml(&text, path)?;
            let document: toml::Table =
                toml::from_str(&text).with_context(|| format!("{}: not TOML", path.display()))?;
            (config, Some(document))
        }
        None => (Config::default(), None),
    };
    let file = flat(&file_config)?;
    let environment = flat(&Config::load(path)?)?;
    let effective = flat(&crate::scenario::config(system)?)?;
    let mut settings = Vec::new();
    for (key, value) in &effective {
        let origin = if environment.get(key) != Some(value) {
            "flag"
        } else if file.get(key) != Some(value) {
            "environment"
        } else if document.as_ref().is_some_and(|d| names(d, key))
            || defaults.get(key) != Some(value)
        {
            "file"
        } else {
            "default"
        };
        settings.push(Setting {
            key: key.clone(),
            value: mask(key, value.clone()),
            origin,
        });
    }
    if args.format == Format::Json {
        crate::output::print_json(&settings)?;
        return Ok(ExitCode::SUCCESS);
    }
    crate::output::write_stdout(|out| {
        if let Some(path) = path {
            writeln!(out, "# configuration file: {}", path.display())?;
        }
        for s in &settings {
            let value = match &s.value {
                Value::Null => "(unset)".to_owned(),
                v => v.to_string(),
            };
            writeln!(out, "{} = {value}  # {}", s.key, s.origin)?;
        }
        Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked() {
        assert_eq!(
            mask("server.token", Value::String("s3cret".into())),
            Value::String("***".into())
        );
        assert_eq!(
            mask_url_password("postgresql://gofed:pw@db.example/gofed"),
            "postgresql://gofed:***@db.example/gofed"
        );
        assert_eq!(mask_url_password("sqlite:/var/lib/x"), "sqlite:/var/lib/x");
        assert_eq!(
            mask_url_password("https://user@host/p"),
            "https://user@host/p"
        );
        let tokens = serde_json::json!([{"token": "a", "scope": "read"}]);
        assert_eq!(
            mask("server.tokens", tokens),
            serde_json::json!([{"token": "***", "scope": "read"}])
        );
    }
}
