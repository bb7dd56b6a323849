//! The Go module proxy protocol (`GOPROXY`), as far as a release check needs it: a module's versions, a version
//! query, a version's go.mod and zip. `file://` proxies are read in place; `https://` ones go through the
//! download cache (go.mod files and zips are immutable and kept; lists and queries are asked again each time).
//!
//! Retracted versions are left out of version lists and queries, as the go command does: a module's
//! retractions are the `retract` directives of the go.mod of its latest version, retracted or not.
//!
//! Every go.mod and zip read through a proxy is checked against the checksum database as the go command
//! checks a download (`GOSUMDB`, default sum.golang.org; `off`; modules matching `GONOSUMDB`, else
//! `GOPRIVATE`, are not checked): its signed lookup answer must give the same `h1:` hash, and its record must
//! be in its signed tree ([`gofed_release::sumdb`]). The database is asked through the first proxy that says
//! it serves it (`PROXY/sumdb/NAME/supported`), else directly.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Mutex;

use anyhow::Context as _;
use gofed_go::load::gomod::{self, semver, GoMod, Retract};
use gofed_release::version::latest_of;
use gofed_services::downloads::{download, HttpStatus};

use crate::scenario::Scenario;

/// One proxy of the list, and whether the next is tried after any error (`|`) or only after "not found" (`,`).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    url: String,
    fall_through_on_error: bool,
}

/// The proxies `GOPROXY` lists, in order.
#[derive(Debug)]
pub struct ModuleProxy {
    entries: Vec<Entry>,
    /// Each module's retractions, read once.
    retractions: Mutex<HashMap<String, Vec<Retract>>>,
    /// The checksum database, unless `GOSUMDB=off`.
    sumdb: Option<SumDb>,
    /// The `h1:` hashes checked so far (`MODULE VERSION[/go.mod] HASH`).
    verified: Mutex<HashSet<String>>,
    /// The first download that failed its check, even where the caller went on without the file (as for a
    /// module's retractions): the command must not answer after it.
    failed_check: Mutex<Option<String>>,
    /// The modules fetched directly rather than through a proxy: `GONOPROXY`, else `GOPRIVATE`.
    no_proxy: String,
}

/// The checksum database of `GOSUMDB`.
#[derive(Debug)]
struct SumDb {
    verifier: gofed_release::sumdb::Verifier,
    /// Its URL without the final `/` (`https://sum.golang.org`).
    url: String,
    /// The modules not checked: `GONOSUMDB`, else `GOPRIVATE` (glob patterns of path prefixes).
    excluded: String,
    /// Where it is asked, once chosen: a proxy's `/sumdb/NAME`, or `url`.
    base: Mutex<Option<String>>,
}

/// What a proxy answered.
enum Fetched {
    /// The file (in place for `file://`, in the download cache otherwise).
    File(PathBuf),
    /// 404 or 410: the next proxy is asked.
    NotFound(String),
}

impl ModuleProxy {
    /// From `GOPROXY` (the go command's default when unset: proxy.golang.org, then direct) and `GOSUMDB`,
    /// `GONOSUMDB` and `GOPRIVATE`.
    pub fn from_env() -> anyhow::Result<ModuleProxy> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let value = var("GOPROXY").unwrap_or_else(|| "https://proxy.golang.org,direct".to_owned());
        let mut proxy = ModuleProxy::parse(&value);
        let sumdb = var("GOSUMDB").unwrap_or_else(|| "sum.golang.org".to_owned());
        let excluded = var("GONOSUMDB")
            .or_else(|| var("GOPRIVATE"))
            .unwrap_or_default();
        proxy.sumdb = SumDb::parse(&sumdb, excluded)?;
        proxy.no_proxy = var("GONOPROXY")
            .or_else(|| var("GOPRIVATE"))
            .unwrap_or_default();
        Ok(proxy)
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
        ModuleProxy {
            entries,
            retractions: Mutex::default(),
            sumdb: None,
            verified: Mutex::default(),
            failed_check: Mutex::default(),
            no_proxy: String::new(),
        }
    }

    /// The first failed check of a download, if one failed.
    pub fn failed_check(&self) -> Option<String> {
        lock(&self.failed_check).clone()
    }

    /// The released and pre-released versions of `module` that its author has not retracted, in
    /// semantic-version order (`go list -m -versions`); an error when no proxy knows the module.
    pub fn versions(&self, scenario: &Scenario, module: &str) -> anyhow::Result<Vec<String>> {
        let listed = self.listed_versions(scenario, module)?;
        let retractions = self.retractions(scenario, module, Some(&listed));
        Ok(listed
            .into_iter()
            .filter(|v| gofed_release::graph::retraction_of(v, &retractions).is_none())
            .collect())
    }

    /// The versions the proxy lists, retracted ones too.
    fn listed_versions(&self, scenario: &Scenario, module: &str) -> anyhow::Result<Vec<String>> {
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
            if let Some(v) = latest_of(&versions) {
                return Ok(v.to_owned());
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
        let version = info_version(&file).with_context(context)?;
        if query == "latest" {
            // Nothing listed is left: the proxy's own latest (a pseudo-version), unless it is retracted too.
            let retractions = self.retractions(scenario, module, Some(&[]));
            if gofed_release::graph::retraction_of(&version, &retractions).is_some() {
                anyhow::bail!("{}: no matching versions for query \"latest\"", context());
            }
        }
        Ok(version)
    }

    /// The go.mod of `module@version`; `None` when no proxy has it.
    pub fn go_mod(
        &self,
        scenario: &Scenario,
        module: &str,
        version: &str,
    ) -> anyhow::Result<Option<GoMod>> {
        let Some(data) = self.go_mod_bytes(scenario, module, version)? else {
            return Ok(None);
        };
        // Parsed leniently, as the go command reads a dependency's go.mod for its requirements.
        Ok(Some(
            gomod::parse(&format!("{module}@{version}/go.mod"), &data).go_mod,
        ))
    }

    /// The bytes of the go.mod of `module@version` (`@v/VERSION.mod`); `None` when no proxy has it.
    pub fn go_mod_bytes(
        &self,
        scenario: &Scenario,
        module: &str,
        version: &str,
    ) -> anyhow::Result<Option<Vec<u8>>> {
        let suffix = format!("@v/{}.mod", escape(version));
        let file = match self.fetch(scenario, module, &suffix, false)? {
            Fetched::File(file) => file,
            Fetched::NotFound(_) => return Ok(None),
        };
        let data = std::fs::read(&file)
            .with_context(|| format!("reading the go.mod of {module}@{version}"))?;
        let hash = gofed_release::loaddir::hash1([("go.mod", data.as_slice())]);
        self.verify(scenario, module, version, true, &hash)?;
        Ok(Some(data))
    }

    /// Checks `hash`, of `module@version`'s zip or go.mod, against the checksum database (once per hash). A
    /// failure is remembered ([`ModuleProxy::failed_check`]).
    fn verify(
        &self,
        scenario: &Scenario,
        module: &str,
        version: &str,
        go_mod: bool,
        hash: &str,
    ) -> anyhow::Result<()> {
        let checked = self.check_sum(scenario, module, version, go_mod, hash);
        if let Err(err) = &checked {
            lock(&self.failed_check).get_or_insert_with(|| format!("{err:#}"));
        }
        checked
    }

    fn check_sum(
        &self,
        scenario: &Scenario,
        module: &str,
        version: &str,
        go_mod: bool,
        hash: &str,
    ) -> anyhow::Result<()> {
        let Some(db) = &self.sumdb else {
            return Ok(());
        };
        if gofed_release::sumdb::matches_prefix_patterns(&db.excluded, module) {
            return Ok(());
        }
        let suffix = if go_mod { "/go.mod" } else { "" };
        let line = format!("{module} {version}{suffix} {hash}");
        if lock(&self.verified).contains(&line) {
            return Ok(());
        }
        let context = || format!("verifying {module}@{version}{suffix}");
        let base = self.sumdb_base(scenario, db);
        let path = format!("/lookup/{}@{}", escape(module), escape(version));
        let answer = db_fetch(scenario, &base, &path).with_context(context)?;
        let lookup =
            gofed_release::sumdb::Lookup::parse(&db.verifier, &answer).with_context(context)?;
        let Some(expected) = lookup.hash_of(module, version, go_mod) else {
            anyhow::bail!("{}: {} has no hash for it", context(), db.verifier.name);
        };
        if expected != hash {
            anyhow::bail!(
                "{}: checksum mismatch\n\tdownloaded: {hash}\n\t{}: {expected}\n\nSECURITY ERROR\nThis \
                 download does NOT match the one reported by the checksum server.\nThe bits may have been \
                 replaced on the origin server, or an attacker may have intercepted the download attempt.",
                context(),
                db.verifier.name
            );
        }
        lookup
            .check_inclusion(&mut |tile| {
                db_fetch(scenario, &base, &format!("/{tile}")).map_err(|err| format!("{err:#}"))
            })
            .with_context(context)?;
        lock(&self.verified).insert(line);
        Ok(())
    }

    /// Where the checksum database is asked: through the first proxy that serves it, else at its own URL.
    fn sumdb_base(&self, scenario: &Scenario, db: &SumDb) -> String {
        if let Some(base) = lock(&db.base).clone() {
            return base;
        }
        let mut base = db.url.clone();
        for entry in &self.entries {
            if entry.url == "direct" || entry.url == "off" {
                break;
            }
            let candidate = format!("{}/sumdb/{}", entry.url, db.verifier.name);
            match db_fetch(scenario, &candidate, "/supported") {
                Ok(_) => {
                    base = candidate;
                    break;
                }
                Err(err) => tracing::debug!("{candidate}: {err:#}"),
            }
        }
        lock(&db.base).replace(base.clone());
        base
    }

    /// The retractions of `module`: the `retract` directives of the go.mod of its latest version, retractions
    /// ignored (the highest release, else pre-release, of its listed versions — `listed` when the caller has
    /// them, else asked for here — else the proxy's `@latest`). Read once per module. A module whose latest
    /// go.mod cannot be read has none, as the go command treats it when listing.
    fn retractions(
        &self,
        scenario: &Scenario,
        module: &str,
        listed: Option<&[String]>,
    ) -> Vec<Retract> {
        let cached = lock(&self.retractions).get(module).cloned();
        if let Some(retractions) = cached {
            return retractions;
        }
        let fetched;
        let listed = match listed {
            Some(listed) => listed,
            None => {
                fetched = self.listed_versions(scenario, module).unwrap_or_default();
                &fetched
            }
        };
        let latest = match latest_of(listed) {
            Some(v) => Some(v.to_owned()),
            None => self.latest_info(scenario, module).ok().flatten(),
        };
        let retractions = match latest {
            Some(latest) => match self.go_mod(scenario, module, &latest) {
                Ok(go_mod) => go_mod.map(|m| m.retract).unwrap_or_default(),
                Err(err) => {
                    tracing::warn!("retractions of {module}: {err:#}");
                    Vec::new()
                }
            },
            None => Vec::new(),
        };
        lock(&self.retractions).insert(module.to_owned(), retractions.clone());
        retractions
    }

    /// The version of the proxy's `@latest` answer, if it has one.
    fn latest_info(&self, scenario: &Scenario, module: &str) -> anyhow::Result<Option<String>> {
        match self.fetch(scenario, module, "@latest", true)? {
            Fetched::File(file) => info_version(&file).map(Some),
            Fetched::NotFound(_) => Ok(None),
        }
    }

    /// gorelease's module-level findings that need the module graph: the version of the module itself that
    /// the build selects (higher than `version` when the module depends on a higher version of itself), and
    /// the diagnostics of required modules whose selected version is retracted. The graph is that of
    /// gorelease's load directory: a module requiring `roots` (`module@version`, whose go.mod is `go_mod`, and
    /// the requirements `go get` left there).
    pub fn graph_findings(
        &self,
        scenario: &Scenario,
        (module, version): (&str, &str),
        go_mod: &GoMod,
        roots: &[(String, String)],
    ) -> (Option<String>, Vec<String>) {
        let selected = gofed_release::graph::selected_versions(go_mod, roots, |path, v| {
            if path == module && v == version {
                return Some(go_mod.clone());
            }
            match self.go_mod(scenario, path, v) {
                Ok(found) => found,
                Err(err) => {
                    tracing::warn!("{err:#}");
                    None
                }
            }
        });
        let mut retracted = Vec::new();
        for (path, v) in &selected {
            let retractions = self.retractions(scenario, path, None);
            if let Some(rationales) = gofed_release::graph::retraction_of(v, &retractions) {
                retracted.push(gofed_release::graph::retracted_requirement_message(
                    path,
                    v,
                    &rationales,
                ));
            }
        }
        (selected.get(module).cloned(), retracted)
    }

    /// The module zip of `module@version`, checked against the checksum database.
    pub fn zip(&self, scenario: &Scenario, module: &str, version: &str) -> anyhow::Result<PathBuf> {
        let file = self.fetch_zip(scenario, module, version)?;
        if self.sumdb.is_some() {
            self.open_zip_file(scenario, module, version, &file)?;
        }
        Ok(file)
    }

    /// The module zip of `module@version` read (within the scenario's limits), with its `h1:` hash, checked
    /// against the checksum database: one read and one hash for both.
    pub fn open_zip(
        &self,
        scenario: &Scenario,
        module: &str,
        version: &str,
    ) -> anyhow::Result<(gofed_artifact::Artifact, String)> {
        let file = self.fetch_zip(scenario, module, version)?;
        self.open_zip_file(scenario, module, version, &file)
    }

    /// Reads and hashes the zip `file` of `module@version`, and checks the hash.
    fn open_zip_file(
        &self,
        scenario: &Scenario,
        module: &str,
        version: &str,
        file: &std::path::Path,
    ) -> anyhow::Result<(gofed_artifact::Artifact, String)> {
        let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        let zip = gofed_artifact::open(
            &format!("{module}@{version}"),
            &bytes,
            scenario.artifact_limits(),
        )?;
        let hash = gofed_release::loaddir::hash1(
            zip.files
                .iter()
                .map(|f| (f.path.as_str(), f.data.as_slice())),
        );
        self.verify(scenario, module, version, false, &hash)?;
        Ok((zip, hash))
    }

    /// The file of the module zip of `module@version`, unchecked.
    fn fetch_zip(
        &self,
        scenario: &Scenario,
        module: &str,
        version: &str,
    ) -> anyhow::Result<PathBuf> {
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
        let direct = [Entry {
            url: "direct".to_owned(),
            fall_through_on_error: false,
        }];
        // A private module is not asked of proxies.
        let entries = if gofed_release::sumdb::matches_prefix_patterns(&self.no_proxy, module) {
            &direct[..]
        } else {
            &self.entries[..]
        };
        for entry in entries {
            let answer = match entry.url.as_str() {
                "off" => Err(anyhow::anyhow!("module lookup disabled by GOPROXY=off")),
                "direct" => Err(anyhow::anyhow!(
                    "{module} is to be fetched directly (GOPROXY=direct, or GONOPROXY/GOPRIVATE names it): gofed \
                     does not fetch modules from their version control systems; set GOPROXY to a module proxy, \
                     give the base version's tree with --base-source, or read its tags with --git-tags"
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

impl SumDb {
    /// From `GOSUMDB`: `off`, a known database's name (`sum.golang.org`, `sum.golang.google.cn`), or
    /// `KEY [URL]` (default URL: `https://NAME`).
    fn parse(value: &str, excluded: String) -> anyhow::Result<Option<SumDb>> {
        let mut fields = value.split_whitespace();
        let Some(first) = fields.next().filter(|f| *f != "off") else {
            return Ok(None);
        };
        let (key, default_url) = match first {
            "sum.golang.org" => (
                gofed_release::sumdb::SUM_GOLANG_ORG,
                "https://sum.golang.org",
            ),
            "sum.golang.google.cn" => (
                gofed_release::sumdb::SUM_GOLANG_ORG,
                "https://sum.golang.google.cn",
            ),
            key if key.contains('+') => (key, ""),
            name => {
                anyhow::bail!("GOSUMDB={value}: unknown checksum database {name:?} (give its key)")
            }
        };
        let verifier = gofed_release::sumdb::Verifier::parse(key)
            .with_context(|| format!("GOSUMDB={value}"))?;
        let url = match fields.next() {
            Some(url) if url.contains("://") => url.to_owned(),
            Some(host) => format!("https://{host}"),
            None if !default_url.is_empty() => default_url.to_owned(),
            None => format!("https://{}", verifier.name),
        };
        Ok(Some(SumDb {
            verifier,
            url: url.trim_end_matches('/').to_owned(),
            excluded,
            base: Mutex::default(),
        }))
    }
}

/// `BASE` + `path` from the checksum database (through the download cache: lookups and tiles of a given
/// tree do not change), or a `file://` one read in place.
fn db_fetch(scenario: &Scenario, base: &str, path: &str) -> anyhow::Result<Vec<u8>> {
    let url = format!("{base}{path}");
    if let Some(file) = url.strip_prefix("file://") {
        return std::fs::read(file).with_context(|| url.clone());
    }
    let file = scenario.block_on(download(&url, scenario.client_config(), false))?;
    std::fs::read(&file).with_context(|| format!("reading {}", file.display()))
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

/// The `Version` of a version's info document (`@latest`, `@v/QUERY.info`) in `file`.
fn info_version(file: &std::path::Path) -> anyhow::Result<String> {
    #[derive(serde::Deserialize)]
    struct Info {
        #[serde(rename = "Version")]
        version: String,
    }
    let info: Info = serde_json::from_slice(&std::fs::read(file)?)
        .context("the proxy's answer is not a version's info")?;
    Ok(info.version)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
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
