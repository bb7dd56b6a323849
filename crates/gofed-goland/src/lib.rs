//! gofed's naming: which distribution package holds a Go import path, and which import paths a package holds.
//!
//! - **Fedora** names a Go package from its import path with `%gorpmname` / `%gometa` (go-rpm-macros'
//!   `rpmname` in `fedora/srpm/go.lua`): [`fedora_name`] computes the same name, with the `-L` naming of
//!   versioned packages that go2rpm writes today or without it, and with a compat id (`-c`).
//! - **Debian** names it as `dh-make-golang` does: [`debian_name`] (`golang-github-owner-repo`, hosts shortened
//!   by a table, dots kept), the library package ending in `-dev` ([`debian_package`]).
//! - A package holds a repository (or module): [`repository_root`] finds it for the common providers, `/vN`
//!   major versions included; an import path of another host is taken whole (a vanity path's repository is
//!   found through its `go-import` meta tag, which is network I/O: the caller's).
//! - The way back, [`package_to_upstream`], looks a name up in an index of import paths (a distribution's
//!   `Provides: golang(...)` list, [`PackageIndex`]); without one it lists the import paths the name can stand
//!   for (names lose dots and case, so several may).
//!
//! No I/O: the index and overrides are given.

use std::collections::BTreeMap;

pub mod vanity;

/// A distribution whose naming rules are known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Distro {
    /// Fedora (and EPEL): go-rpm-macros.
    Fedora,
    /// Debian (and Ubuntu): dh-make-golang.
    Debian,
}

/// How Fedora's name is computed (the options of `%gometa` / `%gorpmname`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FedoraNaming {
    /// `-L`: a version at the end of the name is appended directly (`golang-gopkg-yaml3`), or after `_` when
    /// the name ends in a digit, as the packaging guidelines ask since 2023; without it `golang-gopkg-yaml-3`.
    pub new_versioning: bool,
    /// `-c ID`: a compat package (`compat-golang-...-ID`).
    pub compat_id: Option<String>,
}

/// The name Fedora's `rpmname` gives `import_path` (go-rpm-macros, `fedora/srpm/go.lua`).
pub fn fedora_name(import_path: &str, naming: &FedoraNaming) -> String {
    // Lower-cased, with a trailing `/` that the patterns below rely on.
    let mut name = format!("{}/", import_path.to_lowercase());
    for scheme in ["https://", "http://"] {
        if let Some(rest) = name.strip_prefix(scheme) {
            name = rest.to_owned();
            break;
        }
    }
    name = remove_git_suffixes(&name);
    if let Some(rest) = name.strip_prefix("git.") {
        name = rest.to_owned();
    }
    // The top-level domain of the first component goes (`github.com/` → `github/`; `google.golang.org/` →
    // `google.golang/`): Lua's `^([^/]+)%.([^%./]+)/`.
    if let Some(slash) = name.find('/') {
        let host = &name[..slash];
        if let Some(dot) = host.rfind('.') {
            if dot + 1 < host.len() {
                name = format!("{}{}", &host[..dot], &name[slash..]);
            }
        }
    }
    name = format!("golang-{name}");
    if let Some(id) = naming.compat_id.as_deref().filter(|id| !id.is_empty()) {
        name = format!("compat-{name}-{}", id.to_lowercase());
    }
    // `x.y.z` runs are kept (as `:` until the end), every other run of `._/-~` becomes one `-`.
    let name = protect_version_dots(&name);
    let mut dashed = String::with_capacity(name.len());
    let mut in_run = false;
    for c in name.chars() {
        if matches!(c, '.' | '_' | '/' | '-' | '~') {
            if !in_run {
                dashed.push('-');
            }
            in_run = true;
        } else {
            dashed.push(c);
            in_run = false;
        }
    }
    // "because of the Azure sdk"
    let dashed = dashed.replace("-for-go-", "-");
    // Each token once, in order of first appearance, and never `go`.
    let mut seen = vec!["go"];
    let mut tokens: Vec<&str> = Vec::new();
    for token in dashed.split('-').filter(|t| !t.is_empty()) {
        if !seen.contains(&token) {
            seen.push(token);
            tokens.push(token);
        }
    }
    let joined = format!("-{}", tokens.join("-"));
    let mut result = joined
        .strip_prefix('-')
        .unwrap_or(&joined)
        .replace(':', ".");
    result = drop_v_before_version(&result);
    if naming.new_versioning {
        result = append_version(&result);
    }
    result
}

/// Lua's `gsub("%.git/+", "")`: every `.git` followed by slashes goes with them.
fn remove_git_suffixes(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(at) = rest.find(".git/") {
        out.push_str(&rest[..at]);
        rest = rest[at + ".git".len()..].trim_start_matches('/');
    }
    out.push_str(rest);
    out
}

/// Lua's repeated `gsub("(%d)%.(%d)", "%1:%2")`: a dot between two digits becomes `:`.
fn protect_version_dots(name: &str) -> String {
    let bytes = name.as_bytes();
    let mut out = bytes.to_vec();
    for i in 1..bytes.len().saturating_sub(1) {
        if bytes[i] == b'.' && bytes[i - 1].is_ascii_digit() && bytes[i + 1].is_ascii_digit() {
            out[i] = b':';
        }
    }
    String::from_utf8(out).unwrap_or_else(|_| name.to_owned())
}

/// Lua's `gsub("%-v([%.%d]+)$", "-%1")` then `gsub("%-v([%.%d]+%-)", "-%1")`: `-v2` at the end or `-v1.2-` in
/// the middle lose their `v`.
fn drop_v_before_version(name: &str) -> String {
    let is_version = |c: char| c.is_ascii_digit() || c == '.';
    // At the end: `-v` followed only by digits and dots (at least one).
    let mut result = name.to_owned();
    if let Some(at) = result.rfind("-v") {
        let tail = &result[at + 2..];
        if !tail.is_empty() && tail.chars().all(is_version) {
            result.replace_range(at + 1..at + 2, "");
        }
    }
    // In the middle: every `-v` followed by digits/dots and then `-` (non-overlapping, left to right).
    let mut out = String::with_capacity(result.len());
    let mut rest = result.as_str();
    while let Some(at) = rest.find("-v") {
        let after = &rest[at + 2..];
        let run = after.len() - after.trim_start_matches(is_version).len();
        if run > 0 && after[run..].starts_with('-') {
            out.push_str(&rest[..at + 1]);
            out.push_str(&after[..run + 1]);
            rest = &after[run + 1..];
        } else {
            out.push_str(&rest[..at + 2]);
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// `-L`'s rule: a final `-VERSION` is appended to the name directly, or after `_` when the name ends in a digit.
fn append_version(name: &str) -> String {
    let Some(dash) = name.rfind('-') else {
        return name.to_owned();
    };
    let (prior, version) = (&name[..dash], &name[dash + 1..]);
    if version.is_empty() || !version.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return name.to_owned();
    }
    // The last `-`-free run before it decides (Lua's `([^-]*)(%-)([%.%d]+)$`).
    if prior.ends_with(|c: char| c.is_ascii_digit()) {
        format!("{prior}_{version}")
    } else {
        format!("{prior}{version}")
    }
}

/// Hosts dh-make-golang names by a word of their own.
const DEBIAN_HOSTS: &[(&str, &str)] = &[
    ("github.com", "github"),
    ("code.google.com", "googlecode"),
    ("cloud.google.com", "googlecloud"),
    ("gopkg.in", "gopkg"),
    ("golang.org", "golang"),
    ("google.golang.org", "google"),
    ("bitbucket.org", "bitbucket"),
    ("bazil.org", "bazil"),
    ("blitiri.com.ar", "blitiri"),
    ("pault.ag", "pault"),
    ("howett.net", "howett"),
    ("go4.org", "go4"),
    ("salsa.debian.org", "debian"),
    ("sigs.k8s.io", "k8s-sigs"),
    ("rsc.io", "rsc"),
    ("gitlab.com", "gitlab"),
];

/// Two-label public suffixes met in Go import paths (the rest of the public suffix list is one label).
const TWO_LABEL_SUFFIXES: &[&str] = &[
    "co.uk", "com.ar", "com.au", "co.jp", "com.br", "com.cn", "org.uk",
];

/// The name dh-make-golang gives the source package of `import_path` (`golang-github-spf13-cobra`): the host
/// shortened by a table, else without its public suffix (`go.etcd.io` → `go.etcd`), the path's `/` and `_`
/// as `-`, lower case, dots kept.
pub fn debian_name(import_path: &str) -> String {
    let mut parts: Vec<String> = import_path.split('/').map(str::to_owned).collect();
    let host = parts[0].as_str();
    let short = DEBIAN_HOSTS
        .iter()
        .find(|(h, _)| *h == host)
        .map(|(_, s)| (*s).to_owned())
        .unwrap_or_else(|| {
            let suffix = TWO_LABEL_SUFFIXES
                .iter()
                .find(|s| host.ends_with(&format!(".{s}")))
                .copied()
                .unwrap_or_else(|| host.rsplit('.').next().unwrap_or(""));
            host.strip_suffix(suffix)
                .and_then(|h| h.strip_suffix('.'))
                .unwrap_or(host)
                .to_owned()
        });
    parts[0] = short;
    let joined = format!("golang-{}", parts.join("-"))
        .replace('_', "-")
        .to_lowercase();
    joined.trim_matches('-').to_owned()
}

/// The Debian binary package of a library: [`debian_name`] with `-dev`.
pub fn debian_package(import_path: &str) -> String {
    format!("{}-dev", debian_name(import_path))
}

/// Providers whose repositories sit at a fixed depth: host (and first components) → number of components.
fn root_depth(parts: &[&str]) -> Option<usize> {
    let second = parts.get(1).copied().unwrap_or("");
    Some(match parts[0] {
        "github.com" | "gitlab.com" | "bitbucket.org" | "codeberg.org" | "git.sr.ht"
        | "gitea.com" => 3,
        "golang.org" if second == "x" => 3,
        "code.google.com" if second == "p" => 3,
        // gopkg.in/yaml.v3 or gopkg.in/user/pkg.v1.
        "gopkg.in" => {
            if second.contains(".v") {
                2
            } else {
                3
            }
        }
        "honnef.co" | "gonum.org" => 3,
        "cloud.google.com" if second == "go" => 2,
        "google.golang.org"
        | "k8s.io"
        | "sigs.k8s.io"
        | "go.uber.org"
        | "go.etcd.io"
        | "go.opentelemetry.io"
        | "modernc.org"
        | "gotest.tools"
        | "mvdan.cc"
        | "go.mongodb.org"
        | "rsc.io"
        | "lukechampine.com"
        | "filippo.io"
        | "golang.zx2c4.com"
        | "gvisor.dev"
        | "inet.af"
        | "nhooyr.io"
        | "go.step.sm"
        | "go.mozilla.org" => 2,
        // One repository for the whole host.
        "go.opencensus.io" | "go4.org" | "go.starlark.net" | "tailscale.com" => 1,
        _ => return None,
    })
}

/// The repository (or module) root of `import_path` for the known providers, with a `/vN` major version
/// (N ≥ 2) right after it; `None` for another host, whose root only its `go-import` meta tag tells.
pub fn repository_root(import_path: &str) -> Option<&str> {
    let path = import_path.trim_end_matches('/');
    let parts: Vec<&str> = path.split('/').collect();
    let depth = root_depth(&parts)?;
    if parts.len() < depth {
        return None;
    }
    let mut keep = depth;
    if let Some(next) = parts.get(depth) {
        let is_major = next
            .strip_prefix('v')
            .is_some_and(|n| n.parse::<u32>().is_ok_and(|n| n >= 2) && !n.starts_with('0'));
        if is_major {
            keep += 1;
        }
    }
    let len: usize = parts[..keep].iter().map(|p| p.len()).sum::<usize>() + keep - 1;
    Some(&path[..len])
}

/// Where an import path maps to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackageName {
    /// The import path asked about.
    pub import_path: String,
    /// The repository root the package is named after (the import path itself when the host is not known).
    pub root: String,
    /// Whether `root` was found by the provider's rules (false: the whole path was taken).
    pub root_known: bool,
    /// The distribution.
    pub distro: Distro,
    /// The (source) package name: Fedora's `%{goname}`, Debian's source package.
    pub package: String,
    /// The package that installs the code for building: Fedora's `-devel` subpackage, Debian's `-dev`.
    pub devel_package: String,
    /// Whether an override gave it.
    pub overridden: bool,
}

/// Names given by hand (import path root → package), for the projects that chose their own.
pub type Overrides = BTreeMap<String, String>;

/// The package of `import_path` in `distro`.
pub fn upstream_to_package(
    import_path: &str,
    distro: Distro,
    naming: &FedoraNaming,
    overrides: &Overrides,
) -> PackageName {
    upstream_to_package_in(import_path, None, distro, naming, overrides)
}

/// [`upstream_to_package`], with the repository root of a vanity import path as its `go-import` meta tag says
/// (see [`vanity`]); used when the provider's rules know no root and it is a path prefix of `import_path`.
pub fn upstream_to_package_in(
    import_path: &str,
    vanity_root: Option<&str>,
    distro: Distro,
    naming: &FedoraNaming,
    overrides: &Overrides,
) -> PackageName {
    let path = import_path.trim().trim_end_matches('/');
    let vanity_root = vanity_root
        .map(|r| r.trim_end_matches('/'))
        .filter(|r| !r.is_empty() && vanity::has_path_prefix(path, r));
    // An override names a root: it covers the paths below it too (the longest one that holds the path).
    let overriding_root = overrides
        .keys()
        .filter(|k| vanity::has_path_prefix(path, k))
        .max_by_key(|k| k.len())
        .map(String::as_str);
    let (root, root_known) = match (repository_root(path), vanity_root, overriding_root) {
        (Some(root), _, _) => (root, true),
        (None, Some(root), _) | (None, None, Some(root)) => (root, true),
        (None, None, None) => (path, false),
    };
    let overridden = overrides
        .get(root)
        .or_else(|| overrides.get(path))
        .or_else(|| overriding_root.and_then(|k| overrides.get(k)));
    let package = match (overridden, distro) {
        (Some(name), _) => name.clone(),
        (None, Distro::Fedora) => fedora_name(root, naming),
        (None, Distro::Debian) => debian_name(root),
    };
    let devel_package = match distro {
        Distro::Fedora => format!("{package}-devel"),
        Distro::Debian => format!("{package}-dev"),
    };
    PackageName {
        import_path: path.to_owned(),
        root: root.to_owned(),
        root_known,
        distro,
        package,
        devel_package,
        overridden: overridden.is_some(),
    }
}

/// Import paths a distribution provides (a repository's `Provides: golang(...)` list, or one path per line).
#[derive(Clone, Debug, Default)]
pub struct PackageIndex {
    paths: Vec<String>,
}

impl PackageIndex {
    /// Reads an index: each line an import path, or holding `golang(PATH)` (as `dnf repoquery --provides`
    /// prints it, with or without a version after it); `#` comments and blank lines are skipped.
    pub fn parse(text: &str) -> PackageIndex {
        let mut paths: Vec<String> = text
            .lines()
            .filter_map(|line| {
                let line = line.trim();
                if line.is_empty() || line.starts_with('#') {
                    return None;
                }
                let path = match line.find("golang(") {
                    Some(at) => {
                        let rest = &line[at + "golang(".len()..];
                        &rest[..rest.find(')')?]
                    }
                    None => line.split_whitespace().next()?,
                };
                (path.contains('.') && !path.contains(char::is_whitespace)).then(|| path.to_owned())
            })
            .collect();
        paths.sort();
        paths.dedup();
        PackageIndex { paths }
    }

    /// The import paths listed.
    pub fn paths(&self) -> &[String] {
        &self.paths
    }
}

/// The import paths `package` holds: the index's paths whose package it is (their roots, each once), or,
/// without an index, the roots the name can stand for on the common providers (`golang-github-a-b-c` is
/// `github.com/a/b-c` or `github.com/a-b/c`). `-devel` / `-dev` suffixes are accepted.
pub fn package_to_upstream(
    package: &str,
    distro: Distro,
    naming: &FedoraNaming,
    overrides: &Overrides,
    index: Option<&PackageIndex>,
) -> Vec<String> {
    let name = package.trim();
    let name = match distro {
        Distro::Fedora => name.strip_suffix("-devel").unwrap_or(name),
        Distro::Debian => name.strip_suffix("-dev").unwrap_or(name),
    };
    let mut roots: Vec<String> = overrides
        .iter()
        .filter(|(_, p)| p.as_str() == name)
        .map(|(root, _)| root.clone())
        .collect();
    match index {
        Some(index) => {
            for path in index.paths() {
                let mapped = upstream_to_package(path, distro, naming, overrides);
                if mapped.package == name && !roots.contains(&mapped.root) {
                    roots.push(mapped.root);
                }
            }
        }
        None => {
            for root in candidate_roots(name, distro) {
                if upstream_to_package(&root, distro, naming, overrides).package == name
                    && !roots.contains(&root)
                {
                    roots.push(root);
                }
            }
        }
    }
    roots
}

/// Roots on the common providers a name may come from, checked by naming them again.
fn candidate_roots(name: &str, distro: Distro) -> Vec<String> {
    let Some(rest) = name.strip_prefix("golang-") else {
        return Vec::new();
    };
    let providers: &[(&str, &str, usize)] = match distro {
        // (name prefix, host, components after the host)
        Distro::Fedora => &[
            ("github-", "github.com", 2),
            ("gitlab-", "gitlab.com", 2),
            ("bitbucket-", "bitbucket.org", 2),
            ("x-", "golang.org/x", 1),
            ("google-", "google.golang.org", 1),
            ("gopkg-", "gopkg.in", 1),
            ("k8s-", "k8s.io", 1),
            ("uber-", "go.uber.org", 1),
            ("etcd-", "go.etcd.io", 1),
        ],
        Distro::Debian => &[
            ("github-", "github.com", 2),
            ("gitlab-", "gitlab.com", 2),
            ("bitbucket-", "bitbucket.org", 2),
            ("golang-x-", "golang.org/x", 1),
            ("google-", "google.golang.org", 1),
            ("gopkg-", "gopkg.in", 1),
            ("k8s-sigs-", "sigs.k8s.io", 1),
            ("go.uber-", "go.uber.org", 1),
            ("go.etcd-", "go.etcd.io", 1),
            ("k8s-", "k8s.io", 1),
        ],
    };
    let mut out = Vec::new();
    for &(prefix, host, components) in providers {
        let Some(tail) = rest.strip_prefix(prefix) else {
            continue;
        };
        let words: Vec<&str> = tail.split('-').collect();
        if components == 1 {
            out.push(format!("{host}/{tail}"));
            // gopkg.in's `yaml-3` (Fedora) is `yaml.v3`.
            if let Some((base, version)) = tail.rsplit_once('-') {
                if version.chars().all(|c| c.is_ascii_digit()) {
                    out.push(format!("{host}/{base}.v{version}"));
                }
            }
            continue;
        }
        // Owner and repository: every split of the words between them.
        for split in 1..words.len() {
            let (owner, repo) = (words[..split].join("-"), words[split..].join("-"));
            out.push(format!("{host}/{owner}/{repo}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fedora(path: &str) -> String {
        fedora_name(path, &FedoraNaming::default())
    }

    #[test]
    fn fedora_names_of_known_packages() {
        // Names of real Fedora packages.
        assert_eq!(
            fedora("github.com/spf13/cobra"),
            "golang-github-spf13-cobra"
        );
        assert_eq!(fedora("golang.org/x/net"), "golang-x-net");
        assert_eq!(fedora("gopkg.in/yaml.v3"), "golang-gopkg-yaml-3");
        assert_eq!(fedora("google.golang.org/grpc"), "golang-google-grpc");
        assert_eq!(fedora("go.etcd.io/bbolt"), "golang-etcd-bbolt");
        assert_eq!(
            fedora("github.com/BurntSushi/toml"),
            "golang-github-burntsushi-toml"
        );
        let new = FedoraNaming {
            new_versioning: true,
            compat_id: None,
        };
        assert_eq!(fedora_name("gopkg.in/yaml.v3", &new), "golang-gopkg-yaml3");
        assert_eq!(
            fedora_name("github.com/cenkalti/backoff/v4", &new),
            "golang-github-cenkalti-backoff4"
        );
    }

    #[test]
    fn debian_names_of_known_packages() {
        assert_eq!(
            debian_package("github.com/spf13/cobra"),
            "golang-github-spf13-cobra-dev"
        );
        assert_eq!(
            debian_package("golang.org/x/net"),
            "golang-golang-x-net-dev"
        );
        assert_eq!(
            debian_package("gopkg.in/yaml.v3"),
            "golang-gopkg-yaml.v3-dev"
        );
        assert_eq!(
            debian_package("google.golang.org/grpc"),
            "golang-google-grpc-dev"
        );
        assert_eq!(
            debian_package("github.com/BurntSushi/toml"),
            "golang-github-burntsushi-toml-dev"
        );
    }

    #[test]
    fn repository_roots() {
        assert_eq!(
            repository_root("github.com/a/b/c/d"),
            Some("github.com/a/b")
        );
        assert_eq!(
            repository_root("github.com/a/b/v2/c"),
            Some("github.com/a/b/v2")
        );
        assert_eq!(repository_root("github.com/a/b/v1"), Some("github.com/a/b"));
        assert_eq!(
            repository_root("golang.org/x/net/html"),
            Some("golang.org/x/net")
        );
        assert_eq!(
            repository_root("gopkg.in/yaml.v3"),
            Some("gopkg.in/yaml.v3")
        );
        assert_eq!(
            repository_root("gopkg.in/check.v1/x"),
            Some("gopkg.in/check.v1")
        );
        assert_eq!(repository_root("k8s.io/api/core/v1"), Some("k8s.io/api"));
        assert_eq!(
            repository_root("go.opencensus.io/trace/propagation"),
            Some("go.opencensus.io")
        );
        assert_eq!(repository_root("github.com/a"), None);
        assert_eq!(repository_root("example.com/vanity/x"), None);
    }

    #[test]
    fn back_from_names_with_and_without_an_index() {
        let none = Overrides::new();
        let naming = FedoraNaming::default();
        let roots = package_to_upstream(
            "golang-github-spf13-cobra-devel",
            Distro::Fedora,
            &naming,
            &none,
            None,
        );
        assert_eq!(roots, ["github.com/spf13/cobra"]);
        let ambiguous =
            package_to_upstream("golang-github-a-b-c", Distro::Fedora, &naming, &none, None);
        assert_eq!(ambiguous, ["github.com/a/b-c", "github.com/a-b/c"]);
        let index = PackageIndex::parse(
            "golang(github.com/Masterminds/semver/v3) = 3.2.1\ngolang(github.com/Masterminds/semver/v3/x)\n# c\n",
        );
        let from_index = package_to_upstream(
            "golang-github-masterminds-semver-3",
            Distro::Fedora,
            &naming,
            &none,
            Some(&index),
        );
        assert_eq!(from_index, ["github.com/Masterminds/semver/v3"]);
        assert_eq!(
            package_to_upstream(
                "golang-gopkg-yaml.v3-dev",
                Distro::Debian,
                &naming,
                &none,
                None
            ),
            ["gopkg.in/yaml.v3"]
        );
    }

    #[test]
    fn overrides_win() {
        let overrides: Overrides = [(
            "github.com/docker/docker".to_owned(),
            "moby-engine".to_owned(),
        )]
        .into();
        let mapped = upstream_to_package(
            "github.com/docker/docker/api",
            Distro::Fedora,
            &FedoraNaming::default(),
            &overrides,
        );
        assert_eq!(mapped.package, "moby-engine");
        assert!(mapped.overridden);
        assert_eq!(
            package_to_upstream(
                "moby-engine",
                Distro::Fedora,
                &FedoraNaming::default(),
                &overrides,
                None
            ),
            ["github.com/docker/docker"]
        );
    }
}
