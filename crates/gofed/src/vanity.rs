//! The repository roots of vanity import paths: the `go-import` meta tag of `https://PATH?go-get=1`, fetched
//! as the go command fetches it (HTTPS only; when the tag names a shorter prefix, the prefix's own page must
//! say the same) and kept in the download cache. A page that cannot be fetched or read leaves the path
//! unresolved (named whole), with a warning: naming must not fail for want of a network.

use std::collections::BTreeMap;

use gofed_goland::vanity::{match_go_import, parse_go_imports, GoImport};

use crate::scenario::Scenario;

/// How long one page may take: a name lookup must not wait for a client's ten-minute analysis timeout.
const PAGE_TIMEOUT_MS: u64 = 10_000;

/// Import path → repository root, for each of `paths` whose host has no known rules and that no override
/// names.
pub fn roots(
    scenario: &Scenario,
    paths: &[String],
    overrides: &BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut roots = BTreeMap::new();
    for path in paths {
        let path = path.trim().trim_end_matches('/');
        if gofed_goland::repository_root(path).is_some()
            || overrides.contains_key(path)
            || !path
                .split('/')
                .next()
                .is_some_and(|host| host.contains('.'))
        {
            continue;
        }
        match root_of(scenario, path) {
            Ok(root) => {
                roots.insert(path.to_owned(), root);
            }
            Err(err) => {
                tracing::warn!("{path}: no repository root from its go-import meta tag: {err:#}")
            }
        }
    }
    roots
}

/// The repository root the `go-import` meta tag of `path` names.
fn root_of(scenario: &Scenario, path: &str) -> anyhow::Result<String> {
    let found = go_import(scenario, path)?;
    if found.prefix != path {
        // The go command's check: the root's own page must name the same repository.
        let at_root = go_import(scenario, &found.prefix)?;
        if at_root != found {
            anyhow::bail!(
                "the go-import meta tag of {} ({} {} {}) differs from that of {path}",
                found.prefix,
                at_root.prefix,
                at_root.vcs,
                at_root.repo_url
            );
        }
    }
    Ok(found.prefix)
}

/// The tag of `https://PATH?go-get=1` that matches `path`.
fn go_import(scenario: &Scenario, path: &str) -> anyhow::Result<GoImport> {
    let url = format!("https://{path}?go-get=1");
    let mut client = scenario.client_config().clone();
    client.timeout_ms = client.timeout_ms.min(PAGE_TIMEOUT_MS);
    let file = scenario.block_on(gofed_services::downloads::download(&url, &client, false))?;
    let page = std::fs::read(&file)?;
    let imports = parse_go_imports(&page);
    Ok(match_go_import(&imports, path)?.clone())
}
