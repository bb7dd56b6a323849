//! Import path classification: cgo, standard library, the project itself, vendored,
//! external (with the module that provides it and the repository it comes from), and the
//! validity checks the go command applies to import and module paths.
//!
//! The order of [`classify`]'s rules follows the go command's resolution:
//! 1. `"C"` is [`ImportClass::Cgo`].
//! 2. A path failing [`check_import_path`] is [`ImportClass::Invalid`] (this includes
//!    relative `./x` and rooted `/x` paths).
//! 3. A path in the standard library list of the context's Go version is
//!    [`ImportClass::Standard`]; for standard library importers
//!    ([`ClassifyContext::std_importer`]) so is a path the standard library vendors
//!    (`golang.org/x/net/http/httpguts` → `vendor/golang.org/x/net/http/httpguts`).
//! 4. The project path or a path below it is [`ImportClass::Project`].
//! 5. A package listed in `vendor/modules.txt` is [`ImportClass::Vendored`].
//! 6. A path whose first element has no dot is [`ImportClass::NotInStd`]: the go command
//!    reports "package x is not in std"; in GOPATH-era trees these were local packages, so
//!    gofed reports them rather than guessing a provider.
//! 7. Anything else is [`ImportClass::External`].
//!
//! The provider ([`provider_prefix`], gofed-ng's "ipprefix") is the repository root of an
//! import path, from per-host rules: `github.com/o/r`, `golang.org/x/r`, `gopkg.in/r.v1`,
//! `k8s.io/r`, `cloud.google.com/go`… For hosts without a rule, an element with a VCS
//! suffix (`.git`, `.hg`, `.svn`, `.bzr`, `.fossil`) ends the root, as in the go command's
//! generic VCS pattern; otherwise the root is the first three elements. When the go.mod
//! names the module providing the import, the module path (without a `/vN` suffix)
//! refines the provider: it wins when longer than the host rule's root (sub-modules such as
//! `cloud.google.com/go/storage`) and replaces the three-element guess for unknown hosts.

use std::collections::{BTreeMap, BTreeSet};

use crate::load::gomod::{go_quote, has_path_prefix, quote_rune, split_path_version, GoMod};
use crate::load::stdlib;
use crate::load::vendor::ModulesTxt;

/// What an import path refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(tag = "class", rename_all = "snake_case"))]
pub enum ImportClass {
    /// `import "C"`.
    Cgo,
    /// A standard library package of the context's Go version.
    Standard,
    /// A package of the project being analysed.
    Project,
    /// A package copied into the project's `vendor/` directory.
    Vendored {
        /// The module `vendor/modules.txt` (or else go.mod) assigns it to.
        module: Option<String>,
    },
    /// A package of another project.
    External {
        /// The required module that provides it, if go.mod names one.
        module: Option<String>,
        /// The repository root (see the module docs).
        provider: String,
    },
    /// A path whose first element has no dot but which is not in the standard library.
    NotInStd,
    /// A malformed import path.
    Invalid {
        /// Why, in the go command's words (`empty path element`).
        reason: String,
    },
}

/// What [`classify`] knows about the importing project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassifyContext {
    /// The Go minor version whose standard library applies (see [`stdlib::nearest_minor`]).
    pub go_minor: u32,
    /// The project's module path or import path prefix.
    pub project: Option<String>,
    /// Module paths the project requires (go.mod `require`).
    pub modules: BTreeSet<String>,
    /// Vendored package import paths and the module each belongs to.
    pub vendored: BTreeMap<String, Option<String>>,
    /// The importing package is part of the standard library (its `vendor/` applies).
    pub std_importer: bool,
}

impl Default for ClassifyContext {
    /// The newest embedded Go version, no project, no modules, nothing vendored.
    fn default() -> Self {
        ClassifyContext {
            go_minor: stdlib::latest_minor(),
            project: None,
            modules: BTreeSet::new(),
            vendored: BTreeMap::new(),
            std_importer: false,
        }
    }
}

impl ClassifyContext {
    /// Takes the project path (if unset), the Go version and the required modules from a
    /// go.mod. The Go version is the `toolchain` directive's if there is one (the toolchain
    /// the module is developed with), else the `go` directive's (the oldest toolchain that
    /// must build it); without either the context's version is kept.
    pub fn with_go_mod(mut self, go_mod: &GoMod) -> Self {
        if self.project.is_none() {
            self.project = go_mod.module_path().map(str::to_owned);
        }
        let toolchain = go_mod.toolchain.as_deref().and_then(stdlib::go_minor_of);
        if let Some(minor) = toolchain.or(go_mod.go_minor()) {
            self.go_minor = minor;
        }
        self.modules
            .extend(go_mod.require.iter().map(|r| r.path.clone()));
        self
    }

    /// Takes the vendored packages of a `vendor/modules.txt`.
    pub fn with_vendor(mut self, modules_txt: &ModulesTxt) -> Self {
        for (pkg, module) in modules_txt.packages() {
            self.vendored
                .insert(pkg.to_owned(), Some(module.path.clone()));
        }
        self
    }

    /// The longest required module path that is `path` or a prefix of it at an element
    /// boundary.
    pub fn module_for(&self, path: &str) -> Option<&str> {
        let mut prefix = path;
        loop {
            if let Some(m) = self.modules.get(prefix) {
                return Some(m);
            }
            prefix = &prefix[..prefix.rfind('/')?];
        }
    }
}

/// Classifies one import path; see the module docs for the rules and their order.
pub fn classify(path: &str, ctx: &ClassifyContext) -> ImportClass {
    if path == "C" {
        return ImportClass::Cgo;
    }
    if let Err(e) = check_import_path(path) {
        return ImportClass::Invalid {
            reason: e.reason.to_string(),
        };
    }
    if stdlib::is_std(ctx.go_minor, path)
        || (ctx.std_importer && stdlib::std_vendored(ctx.go_minor, path))
    {
        return ImportClass::Standard;
    }
    if let Some(project) = &ctx.project {
        if has_path_prefix(path, project) {
            return ImportClass::Project;
        }
    }
    if let Some(module) = ctx.vendored.get(path) {
        let module = module
            .clone()
            .or_else(|| ctx.module_for(path).map(str::to_owned));
        return ImportClass::Vendored { module };
    }
    let first = path.split('/').next().unwrap_or(path);
    if !first.contains('.') {
        return ImportClass::NotInStd;
    }
    let module = ctx.module_for(path);
    ImportClass::External {
        provider: provider_with_module(path, module).to_owned(),
        module: module.map(str::to_owned),
    }
}

/// The repository root of an import path by host rules alone (see the module docs).
/// Always a prefix of `path` at an element boundary.
pub fn provider_prefix(path: &str) -> &str {
    repo_root(path).0
}

/// The provider of `path` when `module` (a module path that is `path` or a prefix of it) is
/// known to provide it; see the module docs.
pub fn provider_with_module<'p>(path: &'p str, module: Option<&str>) -> &'p str {
    let (root, rule) = repo_root(path);
    let Some(module) = module.filter(|m| has_path_prefix(path, m)) else {
        return root;
    };
    let module = match split_path_version(module) {
        Some((prefix, major)) if major.starts_with('/') => prefix,
        _ => module,
    };
    if module.len() > root.len() || rule == Rule::Guess {
        &path[..module.len()]
    } else {
        root
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Rule {
    Host,
    Vcs,
    Guess,
}

/// Hosts and how many leading elements (the host included) make a repository root.
const HOSTS: &[(&str, usize)] = &[
    ("bazil.org", 2),
    ("bitbucket.org", 3),
    ("cloud.google.com", 2),
    ("code.cloudfoundry.org", 2),
    ("code.google.com", 3),
    ("codeberg.org", 3),
    ("cuelang.org", 2),
    ("dario.cat", 2),
    ("filippo.io", 2),
    ("git.sr.ht", 3),
    ("gitea.com", 3),
    ("github.com", 3),
    ("gitlab.com", 3),
    ("go.elastic.co", 2),
    ("go.etcd.io", 2),
    ("go.googlesource.com", 2),
    ("go.mongodb.org", 2),
    ("go.mozilla.org", 2),
    ("go.opencensus.io", 1),
    ("go.opentelemetry.io", 2),
    ("go.starlark.net", 1),
    ("go.step.sm", 2),
    ("go.temporal.io", 2),
    ("go.uber.org", 2),
    ("go.yaml.in", 2),
    ("go4.org", 1),
    ("gocloud.dev", 1),
    ("golang.org", 3),
    ("golang.zx2c4.com", 2),
    ("gonum.org", 3),
    ("google.golang.org", 2),
    ("gotest.tools", 1),
    ("gvisor.dev", 2),
    ("helm.sh", 2),
    ("honnef.co", 3),
    ("hub.jazz.net", 4),
    ("inet.af", 2),
    ("istio.io", 2),
    ("k8s.io", 2),
    ("knative.dev", 2),
    ("launchpad.net", 2),
    ("lukechampine.com", 2),
    ("modernc.org", 2),
    ("mvdan.cc", 2),
    ("nhooyr.io", 2),
    ("oras.land", 2),
    ("rsc.io", 2),
    ("sigs.k8s.io", 2),
    ("storj.io", 2),
    ("tags.cncf.io", 2),
    ("tailscale.com", 1),
];

const VCS_SUFFIXES: [&str; 5] = [".git", ".hg", ".svn", ".bzr", ".fossil"];

fn repo_root(path: &str) -> (&str, Rule) {
    let elems: Vec<&str> = path.split('/').collect();
    let host = elems[0];
    let n = if host == "gopkg.in" {
        // gopkg.in/yaml.v2 or gopkg.in/user/pkg.v3
        match elems.get(1) {
            Some(e) if is_gopkg_version(e) => 2,
            _ => 3,
        }
    } else if let Ok(i) = HOSTS.binary_search_by(|(h, _)| (*h).cmp(host)) {
        HOSTS[i].1
    } else if let Some(i) = elems.iter().skip(1).position(|e| {
        VCS_SUFFIXES
            .iter()
            .any(|s| e.len() > s.len() && e.ends_with(s))
    }) {
        return (prefix_elems(path, i + 2), Rule::Vcs);
    } else {
        let root = prefix_elems(path, 3);
        // A major-version element is not part of a repository's name.
        let root = match root.rsplit_once('/') {
            Some((head, last)) if head.contains('/') && is_major_elem(last) => head,
            _ => root,
        };
        return (root, Rule::Guess);
    };
    (prefix_elems(path, n), Rule::Host)
}

/// The first `n` elements of `path`.
fn prefix_elems(path: &str, n: usize) -> &str {
    match path.match_indices('/').nth(n.saturating_sub(1)) {
        Some((i, _)) if n > 0 => &path[..i],
        _ => path,
    }
}

/// `name.vN` or `name.vN-unstable`.
fn is_gopkg_version(elem: &str) -> bool {
    let elem = elem.strip_suffix("-unstable").unwrap_or(elem);
    match elem.rsplit_once(".v") {
        Some((name, n)) => {
            !name.is_empty() && !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit())
        }
        None => false,
    }
}

/// `v2`, `v3`, … (not `v0`, `v1`).
fn is_major_elem(elem: &str) -> bool {
    elem.strip_prefix('v').is_some_and(|n| {
        !n.is_empty() && n.bytes().all(|c| c.is_ascii_digit()) && !n.starts_with('0') && n != "1"
    })
}

// ---- validity (golang.org/x/mod/module)

/// Which check failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PathKind {
    /// [`check_module_path`].
    Module,
    /// [`check_import_path`].
    Import,
}

impl std::fmt::Display for PathKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PathKind::Module => "module",
            PathKind::Import => "import",
        })
    }
}

/// A malformed path: `malformed import path "a//b": double slash`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed {kind} path {}: {reason}", go_quote(path))]
pub struct InvalidPathError {
    /// Which check.
    pub kind: PathKind,
    /// The path checked.
    pub path: String,
    /// What is wrong with it.
    pub reason: PathError,
}

/// What is wrong with a path, in `golang.org/x/mod/module`'s words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PathError {
    /// `""`.
    #[error("empty string")]
    Empty,
    /// `-x`.
    #[error("leading dash")]
    LeadingDash,
    /// `a//b`.
    #[error("double slash")]
    DoubleSlash,
    /// `a/`.
    #[error("trailing slash")]
    TrailingSlash,
    /// `/a` (an empty element).
    #[error("empty path element")]
    EmptyElement,
    /// An element of dots only (`.`, `..`).
    #[error("invalid path element {}", go_quote(.0))]
    DotsElement(String),
    /// `.a` in a module path.
    #[error("leading dot in path element")]
    LeadingDot,
    /// `a.`.
    #[error("trailing dot in path element")]
    TrailingDot,
    /// A character outside `[A-Za-z0-9._~+-]` (`+` only in import paths).
    #[error("invalid char {}", quote_rune(*.0))]
    InvalidChar(char),
    /// `con`, `aux.go`, … (reserved names on Windows).
    #[error("{} disallowed as path element component on Windows", go_quote(.0))]
    WindowsName(String),
    /// `a~1` (looks like a Windows short name).
    #[error("trailing tilde and digits in path element")]
    TildeDigits,
    /// A module path whose first element has no dot.
    #[error("missing dot in first path element")]
    MissingDot,
    /// A module path whose first element starts with `-`.
    #[error("leading dash in first path element")]
    LeadingDashInFirst,
    /// A module path whose first element has a character outside `[a-z0-9.-]`.
    #[error("invalid char {} in first path element", quote_rune(*.0))]
    InvalidCharInFirst(char),
    /// A module path with a malformed major version suffix (`/v1`, `/v0`, `.v0x`).
    #[error("invalid version")]
    InvalidVersion,
}

/// `module.CheckImportPath`: elements non-empty and not all dots, no trailing dot, characters
/// from `[A-Za-z0-9._~+-]`, no Windows-reserved names, no `~digits` short names.
pub fn check_import_path(path: &str) -> Result<(), InvalidPathError> {
    check_path(path, PathKind::Import).map_err(|reason| InvalidPathError {
        kind: PathKind::Import,
        path: path.to_owned(),
        reason,
    })
}

/// `module.CheckPath`: an import path without `+` or leading dots in elements, whose first
/// element is a lower-case domain-like name with a dot, with a well-formed `/vN` suffix.
pub fn check_module_path(path: &str) -> Result<(), InvalidPathError> {
    check_module(path).map_err(|reason| InvalidPathError {
        kind: PathKind::Module,
        path: path.to_owned(),
        reason,
    })
}

fn check_module(path: &str) -> Result<(), PathError> {
    check_path(path, PathKind::Module)?;
    let first = path.split('/').next().unwrap_or(path);
    if first.is_empty() {
        return Err(PathError::EmptyElement);
    }
    if !first.contains('.') {
        return Err(PathError::MissingDot);
    }
    if first.starts_with('-') {
        return Err(PathError::LeadingDashInFirst);
    }
    if let Some(c) = first
        .chars()
        .find(|&c| !(c == '-' || c == '.' || c.is_ascii_digit() || c.is_ascii_lowercase()))
    {
        return Err(PathError::InvalidCharInFirst(c));
    }
    if split_path_version(path).is_none() {
        return Err(PathError::InvalidVersion);
    }
    Ok(())
}

fn check_path(path: &str, kind: PathKind) -> Result<(), PathError> {
    if path.is_empty() {
        return Err(PathError::Empty);
    }
    if path.starts_with('-') {
        return Err(PathError::LeadingDash);
    }
    if path.contains("//") {
        return Err(PathError::DoubleSlash);
    }
    if path.ends_with('/') {
        return Err(PathError::TrailingSlash);
    }
    path.split('/').try_for_each(|elem| check_elem(elem, kind))
}

const WINDOWS_NAMES: [&str; 22] = [
    "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8",
    "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9",
];

fn check_elem(elem: &str, kind: PathKind) -> Result<(), PathError> {
    if elem.is_empty() {
        return Err(PathError::EmptyElement);
    }
    if elem.bytes().all(|b| b == b'.') {
        return Err(PathError::DotsElement(elem.to_owned()));
    }
    if elem.starts_with('.') && kind == PathKind::Module {
        return Err(PathError::LeadingDot);
    }
    if elem.ends_with('.') {
        return Err(PathError::TrailingDot);
    }
    let ok = |c: char| {
        c.is_ascii_alphanumeric()
            || matches!(c, '-' | '.' | '_' | '~')
            || (c == '+' && kind == PathKind::Import)
    };
    if let Some(c) = elem.chars().find(|&c| !ok(c)) {
        return Err(PathError::InvalidChar(c));
    }
    let short = elem.split('.').next().unwrap_or(elem);
    if WINDOWS_NAMES.iter().any(|w| w.eq_ignore_ascii_case(short)) {
        return Err(PathError::WindowsName(short.to_owned()));
    }
    if let Some(tilde) = short.rfind('~') {
        let digits = &short[tilde + 1..];
        if !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()) {
            return Err(PathError::TildeDigits);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> ClassifyContext {
        let go_mod = crate::load::gomod::parse(
            "go.mod",
            br#"module github.com/example/app

go 1.22

require (
	cloud.google.com/go v0.112.0
	cloud.google.com/go/storage v1.36.0
	github.com/stretchr/testify v1.9.0
	go.etcd.io/etcd/client/v3 v3.5.12
	gocloud.dev v0.36.0
	golang.org/x/net v0.21.0
	google.golang.org/genproto/googleapis/api v0.0.0-20240227224415-6ceb2ff114de
	gopkg.in/yaml.v3 v3.0.1
	k8s.io/client-go v0.29.2
	example.org/tools/lint v1.0.0
)
"#,
        )
        .into_result()
        .expect("valid go.mod");
        let vendor = crate::load::vendor::parse_modules_txt(
            "vendor/modules.txt",
            b"# github.com/pkg/errors v0.9.1\n## explicit\ngithub.com/pkg/errors\n",
        )
        .modules_txt;
        ClassifyContext::default()
            .with_go_mod(&go_mod)
            .with_vendor(&vendor)
    }

    fn check(path: &str, expect: &str) {
        let got = match classify(path, &ctx()) {
            ImportClass::Cgo => "cgo".to_owned(),
            ImportClass::Standard => "std".to_owned(),
            ImportClass::Project => "project".to_owned(),
            ImportClass::NotInStd => "not-in-std".to_owned(),
            ImportClass::Vendored { module } => format!("vendored {}", module.unwrap_or_default()),
            ImportClass::External { module, provider } => {
                format!(
                    "external {provider} {}",
                    module.unwrap_or_else(|| "-".into())
                )
            }
            ImportClass::Invalid { reason } => format!("invalid: {reason}"),
        };
        assert_eq!(got, expect, "classify({path:?})");
    }

    #[test]
    fn classification() {
        check("C", "cgo");
        check("fmt", "std");
        check("net/http", "std");
        check("iter", "not-in-std"); // go 1.22 in go.mod, no toolchain line
        check("slices", "std");
        check("internal/abi", "std");
        check(
            "golang.org/x/net/http/httpguts",
            "external golang.org/x/net golang.org/x/net",
        );
        check("github.com/example/app", "project");
        check("github.com/example/app/internal/db", "project");
        check(
            "github.com/example/application",
            "external github.com/example/application -",
        );
        check("github.com/pkg/errors", "vendored github.com/pkg/errors");
        check("mylib/util", "not-in-std");
        check(
            "github.com/stretchr/testify/assert",
            "external github.com/stretchr/testify github.com/stretchr/testify",
        );
        check(
            "github.com/sirupsen/logrus",
            "external github.com/sirupsen/logrus -",
        );
        check(
            "github.com/google/go-github/v60/github",
            "external github.com/google/go-github -",
        );
        check(
            "gitlab.com/gitlab-org/api/client-go",
            "external gitlab.com/gitlab-org/api -",
        );
        check(
            "bitbucket.org/ww/goautoneg",
            "external bitbucket.org/ww/goautoneg -",
        );
        check("golang.org/x/sys/unix", "external golang.org/x/sys -");
        check(
            "google.golang.org/grpc/codes",
            "external google.golang.org/grpc -",
        );
        check(
            "google.golang.org/protobuf/proto",
            "external google.golang.org/protobuf -",
        );
        check(
            "google.golang.org/genproto/googleapis/api/annotations",
            "external google.golang.org/genproto/googleapis/api google.golang.org/genproto/googleapis/api",
        );
        check(
            "google.golang.org/genproto/googleapis/rpc/status",
            "external google.golang.org/genproto -",
        );
        check(
            "gopkg.in/yaml.v3",
            "external gopkg.in/yaml.v3 gopkg.in/yaml.v3",
        );
        check("gopkg.in/check.v1", "external gopkg.in/check.v1 -");
        check(
            "gopkg.in/src-d/go-git.v4/plumbing",
            "external gopkg.in/src-d/go-git.v4 -",
        );
        check(
            "k8s.io/client-go/kubernetes",
            "external k8s.io/client-go k8s.io/client-go",
        );
        check(
            "k8s.io/apimachinery/pkg/apis/meta/v1",
            "external k8s.io/apimachinery -",
        );
        check("sigs.k8s.io/yaml", "external sigs.k8s.io/yaml -");
        check("go.uber.org/zap/zapcore", "external go.uber.org/zap -");
        check(
            "cloud.google.com/go/compute/metadata",
            "external cloud.google.com/go cloud.google.com/go",
        );
        check(
            "cloud.google.com/go/storage/internal",
            "external cloud.google.com/go/storage cloud.google.com/go/storage",
        );
        check(
            "go.etcd.io/etcd/client/v3/concurrency",
            "external go.etcd.io/etcd/client go.etcd.io/etcd/client/v3",
        );
        check("go.etcd.io/bbolt", "external go.etcd.io/bbolt -");
        check(
            "honnef.co/go/tools/staticcheck",
            "external honnef.co/go/tools -",
        );
        check(
            "code.google.com/p/go.net/context",
            "external code.google.com/p/go.net -",
        );
        check(
            "go.opentelemetry.io/otel/trace",
            "external go.opentelemetry.io/otel -",
        );
        check(
            "gocloud.dev/blob/s3blob",
            "external gocloud.dev gocloud.dev",
        );
        check("go.opencensus.io/trace", "external go.opencensus.io -");
        check(
            "example.org/tools/lint/rules",
            "external example.org/tools/lint example.org/tools/lint",
        );
        check(
            "example.org/repo.git/sub/pkg",
            "external example.org/repo.git -",
        );
        check(
            "hg.example.org/r/proj.hg/x",
            "external hg.example.org/r/proj.hg -",
        );
        check("example.com/a/b/c/d", "external example.com/a/b -");
        check("example.com/a/v2/c", "external example.com/a -");
        check("example.com", "external example.com -");
        check("./local", "invalid: invalid path element \".\"");
        check("../up", "invalid: invalid path element \"..\"");
        check("/abs/path", "invalid: empty path element");
        check("github.com/a//b", "invalid: double slash");
        check("github.com/a b/c", "invalid: invalid char ' '");
        check("", "invalid: empty string");
    }

    #[test]
    fn go_version_from_go_mod() {
        let minor = |src: &str| {
            let m = crate::load::gomod::parse("go.mod", src.as_bytes()).go_mod;
            ClassifyContext::default().with_go_mod(&m).go_minor
        };
        assert_eq!(minor("module m\ngo 1.22\n"), 22);
        assert_eq!(minor("module m\ngo 1.22\ntoolchain go1.23.4\n"), 23);
        assert_eq!(minor("module m\ngo 1.22\ntoolchain default\n"), 22);
        assert_eq!(minor("module m\n"), stdlib::latest_minor());
    }

    #[test]
    fn std_importer_sees_std_vendor() {
        let ctx = ClassifyContext {
            std_importer: true,
            ..ClassifyContext::default()
        };
        assert_eq!(
            classify("golang.org/x/net/http/httpguts", &ctx),
            ImportClass::Standard
        );
        assert_eq!(
            classify("golang.org/x/net/http2", &ctx),
            ImportClass::External {
                module: None,
                provider: "golang.org/x/net".into()
            }
        );
    }

    fn check_path_result(kind: PathKind, path: &str, expect: &str) {
        let res = match kind {
            PathKind::Module => check_module_path(path),
            PathKind::Import => check_import_path(path),
        };
        let got = match res {
            Ok(()) => "ok".to_owned(),
            Err(e) => e.to_string(),
        };
        assert_eq!(got, expect, "{kind} {path:?}");
    }

    #[test]
    fn validity() {
        use PathKind::{Import, Module};
        check_path_result(Import, "github.com/a/b", "ok");
        check_path_result(Import, "fmt", "ok");
        check_path_result(Import, "gopkg.in/yaml.v2", "ok");
        check_path_result(Import, "example.com/c++/x", "ok");
        check_path_result(
            Module,
            "example.com/c++/x",
            r#"malformed module path "example.com/c++/x": invalid char '+'"#,
        );
        check_path_result(Import, "-x", r#"malformed import path "-x": leading dash"#);
        check_path_result(
            Import,
            "a/",
            r#"malformed import path "a/": trailing slash"#,
        );
        check_path_result(
            Import,
            "a/./b",
            r#"malformed import path "a/./b": invalid path element ".""#,
        );
        check_path_result(Import, "a/.b", "ok");
        check_path_result(
            Module,
            "example.com/.b",
            r#"malformed module path "example.com/.b": leading dot in path element"#,
        );
        check_path_result(
            Import,
            "a/b./c",
            r#"malformed import path "a/b./c": trailing dot in path element"#,
        );
        check_path_result(
            Import,
            "a/con/b",
            r#"malformed import path "a/con/b": "con" disallowed as path element component on Windows"#,
        );
        check_path_result(
            Import,
            "a/aux.go",
            r#"malformed import path "a/aux.go": "aux" disallowed as path element component on Windows"#,
        );
        check_path_result(
            Import,
            "a/prog~1/b",
            r#"malformed import path "a/prog~1/b": trailing tilde and digits in path element"#,
        );
        check_path_result(
            Import,
            "a/é",
            r#"malformed import path "a/é": invalid char 'é'"#,
        );
        check_path_result(
            Import,
            "a\u{0}b",
            r#"malformed import path "a\x00b": invalid char '\x00'"#,
        );
        check_path_result(Module, "example.com/m/v2", "ok");
        check_path_result(
            Module,
            "example.com/m/v1",
            r#"malformed module path "example.com/m/v1": invalid version"#,
        );
        check_path_result(
            Module,
            "mymodule",
            r#"malformed module path "mymodule": missing dot in first path element"#,
        );
        check_path_result(
            Module,
            "Example.com/m",
            r#"malformed module path "Example.com/m": invalid char 'E' in first path element"#,
        );
        check_path_result(Module, "gopkg.in/yaml.v3", "ok");
    }

    #[test]
    fn providers_without_modules() {
        let cases = [
            ("github.com/o/r/x/y", "github.com/o/r"),
            ("github.com/o", "github.com/o"),
            ("golang.org/x/tools/go/packages", "golang.org/x/tools"),
            ("gopkg.in/yaml.v2", "gopkg.in/yaml.v2"),
            ("gopkg.in/inf.v0", "gopkg.in/inf.v0"),
            (
                "gopkg.in/alecthomas/kingpin.v2",
                "gopkg.in/alecthomas/kingpin.v2",
            ),
            ("gopkg.in/mgo.v2-unstable/bson", "gopkg.in/mgo.v2-unstable"),
            (
                "hub.jazz.net/git/user/repo/pkg",
                "hub.jazz.net/git/user/repo",
            ),
            ("gotest.tools/v3/assert", "gotest.tools"),
            ("gonum.org/v1/gonum/mat", "gonum.org/v1/gonum"),
            ("example.com/x/v1/y", "example.com/x/v1"),
        ];
        for (path, want) in cases {
            assert_eq!(provider_prefix(path), want, "{path}");
        }
        assert!(
            HOSTS.windows(2).all(|w| w[0].0 < w[1].0),
            "HOSTS must stay sorted"
        );
    }
}

/// Where an import comes from, for dependency reports: [`classify`] with resolved `vendor/`
/// paths undone (the go command's GOPATH vendoring resolves `x` to `project/vendor/x`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportOrigin {
    /// Standard library (incl. its own `vendor/` copies) or cgo.
    Std,
    /// A package of the project.
    Project,
    /// Another project's package.
    External {
        /// The import path without any `.../vendor/` prefix.
        path: String,
        /// The module providing it (from go.mod / modules.txt), else its provider prefix.
        root: String,
        /// Its repository root.
        provider: String,
        /// Whether the project vendors it.
        vendored: bool,
    },
    /// Not attributable, with the reason.
    Unresolved(String),
}

/// The origin of a (resolved) import path.
pub fn import_origin(imp: &str, ctx: &ClassifyContext) -> ImportOrigin {
    if imp.starts_with("vendor/") {
        return ImportOrigin::Std;
    }
    let (path, gopath_vendored) = match imp.rfind("/vendor/") {
        Some(i) => (&imp[i + "/vendor/".len()..], true),
        None => (imp, false),
    };
    match classify(path, ctx) {
        ImportClass::Cgo | ImportClass::Standard => ImportOrigin::Std,
        ImportClass::Project => ImportOrigin::Project,
        ImportClass::Vendored { module } => {
            let provider = provider_prefix(path).to_owned();
            ImportOrigin::External {
                path: path.to_owned(),
                root: module.unwrap_or_else(|| provider.clone()),
                provider,
                vendored: true,
            }
        }
        ImportClass::External { module, provider } => ImportOrigin::External {
            path: path.to_owned(),
            root: module.unwrap_or_else(|| provider.clone()),
            provider,
            vendored: gopath_vendored,
        },
        ImportClass::NotInStd => ImportOrigin::Unresolved(format!(
            "not in the standard library of Go 1.{} and not in this tree",
            ctx.go_minor
        )),
        ImportClass::Invalid { reason } => {
            ImportOrigin::Unresolved(format!("invalid import path: {reason}"))
        }
    }
}
