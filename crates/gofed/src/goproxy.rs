//! The Go module proxy protocol (`GOPROXY`), as far as a release check needs it: a module's versions, a version
//! query, a version's zip. `file://` proxies are read in place; `https://` ones go through the download cache
//! (zips are immutable and kept; lists and queries are asked again each time).

use std::path::PathBuf;

use anyhow::Context as _;
use gofed_go::load::gomod::semver;
use gofed_services::downloads::{download, HttpStatus};

use crate::scenario::Scenario;

/// One proxy of the list, and whether the next is tried after any error (`|`) or only after "not found" (`,`).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    url: String,
    fall_through_on_error: bool,
}

/// The proxies `GOPROXY` lists, in order.
#[derive(Clone, Debug)]
pub struct ModuleProxy {
    entries: Vec<Entry>,
}

/// What a proxy answered.
enum Fetched {
    /// The file (in place for `file://`, in the download cache otherwise).
    File(PathBuf),
    /// 404 or 410: the next proxy is asked.
    NotFound(String),
}

impl ModuleProxy {
    /// From `GOPROXY` (the go command's default when unset: proxy.golang.org, then direct).
    pub fn from_env() -> ModuleProxy {
        let value = std::env::var("GOPROXY")
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "https://proxy.golang.org,direct".to_owned());
        ModuleProxy::parse(&value)
    }

    fn parse(value: &str) -> ModuleProxy {
        let mut entries = Vec::new();
        let mut rest = value.trim();
        while !rest.is_empty() {
            let end = rest.find([',', '|']).unwrap_or(rest.len());
            let (url, sep) = (rest[..end].trim(), rest[end..].chars().next());
            if !url.is_empty() {
                entries.push(Entry {
                    url: url.trim_end_matches('/').to_owned(),
                    fall_through_on_error: sep == Some('|'),
                });
            }
            rest = rest.get(end + 1..).unwrap_or("");
        }
        ModuleProxy { entries }
    }

    /// The released and pre-released versions of `module`, in semantic-version order; an error when no proxy
    /// knows the module.
    pub fn versions(&self, scenario: &Scenario, module: &str) -> anyhow::Result<Vec<String>> {
        let file = match self.fetch(scenario, module, "@v/list", true)? {
            Fetched::File(file) => file,
            // As `go list -m -versions`: a module the proxy does not know is an error.
            Fetched::NotFound(what) => anyhow::bail!("module {module}: reading {what}: not found"),
        };
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading the version list of {module}"))?;
        let mut versions: Vec<String> = text
            .split_whitespace()
            .filter(|v| semver::canonical(v).as_deref() == Some(*v))
            .map(str::to_owned)
            .collect();
        versions.sort_by(|a, b| semver::compare(a, b));
        versions.dedup();
        Ok(versions)
    }

    /// The version a query names: `latest` (the highest release, else pre-release, else what `@latest` says),
    /// or another query the proxy answers at `@v/QUERY.info` (a branch or a revision).
    pub fn query(&self, scenario: &Scenario, module: &str, query: &str) -> anyhow::Result<String> {
        let context = || format!("could not resolve version {module}@{query}");
        if query == "upgrade" || query == "patch" {
            anyhow::bail!(
                "{}: query is based on requirements in main go.mod file",
                context()
            );
        }
        if query == "latest" {
            let versions = self.versions(scenario, module).with_context(context)?;
            let release = versions
                .iter()
                .rev()
                .find(|v| semver::prerelease(v) == Some(""));
            if let Some(v) = release.or(versions.last()) {
                return Ok(v.clone());
            }
        }
        let suffix = if query == "latest" {
            "@latest".to_owned()
        } else {
            format!("@v/{}.info", escape(query))
        };
        let file = match self
            .fetch(scenario, module, &suffix, true)
            .with_context(context)?
        {
            Fetched::File(file) => file,
            Fetched::NotFound(what) => {
                anyhow::bail!("{}: {what}: not found", context())
            }
        };
        #[derive(serde::Deserialize)]
        struct Info {
            #[serde(rename = "Version")]
            version: String,
        }
        let info: Info = serde_json::from_slice(&std::fs::read(&file).with_context(context)?)
            .with_context(|| {
                format!("{}: the proxy's answer is not a version's info", context())
            })?;
        Ok(info.version)
    }

    /// The module zip of `module@version`.
    pub fn zip(&self, scenario: &Scenario, module: &str, version: &str) -> anyhow::Result<PathBuf> {
        let suffix = format!("@v/{}.zip", escape(version));
        match self.fetch(scenario, module, &suffix, false) {
            Ok(Fetched::File(file)) => Ok(file),
            Ok(Fetched::NotFound(what)) => {
                anyhow::bail!("error downloading module {module}@{version}: {what}: not found")
            }
            Err(err) => Err(err.context(format!("error downloading module {module}@{version}"))),
        }
    }

    /// Asks each proxy in turn for `module/SUFFIX`.
    fn fetch(
        &self,
        scenario: &Scenario,
        module: &str,
        suffix: &str,
        refresh: bool,
    ) -> anyhow::Result<Fetched> {
        let path = format!("{}/{suffix}", escape(module));
        let mut last = Fetched::NotFound(format!("{module}/{suffix}"));
        for entry in &self.entries {
            let answer = match entry.url.as_str() {
                "off" => Err(anyhow::anyhow!("module lookup disabled by GOPROXY=off")),
                "direct" => Err(anyhow::anyhow!(
                    "GOPROXY=direct: gofed does not fetch modules from their version control systems; set \
                     GOPROXY to a module proxy, or give the base version's tree with --base-source"
                )),
                url => match url.strip_prefix("file://") {
                    Some(dir) => {
                        let file = PathBuf::from(dir).join(&path);
                        Ok(if file.is_file() {
                            Fetched::File(file)
                        } else {
                            Fetched::NotFound(format!("{url}/{path}"))
                        })
                    }
                    None => {
                        let url = format!("{url}/{path}");
                        match scenario.block_on(download(&url, scenario.client_config(), refresh)) {
                            Ok(file) => Ok(Fetched::File(file)),
                            Err(err) => match err.downcast_ref::<HttpStatus>() {
                                Some(status) if status.code == 404 || status.code == 410 => {
                                    Ok(Fetched::NotFound(url))
                                }
                                _ => Err(err),
                            },
                        }
                    }
                },
            };
            match answer {
                Ok(Fetched::File(file)) => return Ok(Fetched::File(file)),
                Ok(not_found) => last = not_found,
                Err(err) if entry.fall_through_on_error => {
                    tracing::warn!(proxy = %entry.url, "{err:#}");
                }
                Err(err) => return Err(err),
            }
        }
        Ok(last)
    }
}

/// A module path or version as the proxy protocol names it: each upper-case letter as `!` and its lower case.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_uppercase() {
            out.push('!');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_lists() {
        let p = ModuleProxy::parse("file:///srv/p/|https://proxy.example,direct");
        assert_eq!(
            p.entries,
            [
                Entry {
                    url: "file:///srv/p".into(),
                    fall_through_on_error: true
                },
                Entry {
                    url: "https://proxy.example".into(),
                    fall_through_on_error: false
                },
                Entry {
                    url: "direct".into(),
                    fall_through_on_error: false
                },
            ]
        );
        assert_eq!(
            escape("github.com/BurntSushi/toml"),
            "github.com/!burnt!sushi/toml"
        );
    }
}
