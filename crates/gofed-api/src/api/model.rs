//! The stored, typed API model of one tree for one build context: what `apidiff` reads of a
//! side, so that two saved analyses can be compared without their sources.
//!
//! Rather than printing declarations from checked types (which loses what go/types keeps and
//! apidiff's messages show: parameter names, struct tags, unexported methods, aliases,
//! constant expressions with their kinds), the model keeps every package-level declaration of
//! every package of the tree the API reaches through imports, as Go syntax: the file's tokens
//! without comments and without function bodies ([`declarations_text`]). Read back through a
//! [`ModelSource`], the checker sees the same declarations as on the tree, so every rule and
//! message of apidiff is the same. Packages the tree does not have (the standard library of
//! the embedded summary, other modules) are left out: they resolve as they do for the tree.
//!
//! What a check of the declarations cannot give back (positions of errors in the original
//! files, the loader's errors) is stored as data: each package's errors and the tree's.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use crate::ast::Decl;
use crate::diagnostic::Diagnostic;
use crate::lexer::{unquote, Lexer};
use crate::load::Layout;
use crate::parser::{parse_file_with, ParseMode};
use crate::token::TokenKind;
use crate::types::{PackageInput, PackageSource, SourceFile};

/// The version of the document [`ApiModel`] describes; documents of another version are refused.
pub const MODEL_VERSION: u32 = 1;

/// At most this many packages in a model (a tree of that many packages is no tree gofed reads
/// either: a bundle holds at most 200,000 entries).
pub const MAX_MODEL_PACKAGES: usize = 200_000;

/// One tree's API for one build context, as `gofed api --format json` saves it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ApiModel {
    /// [`MODEL_VERSION`].
    pub model_version: u32,
    /// The build context the declarations were selected for.
    pub context: ModelContext,
    /// The Go minor version whose rules were applied.
    pub go_minor: u32,
    /// The analysed directory (absolute, as the analysis named it).
    pub root: String,
    /// How the tree's import paths were assigned.
    pub layout: ModelLayout,
    /// Where the standard library came from for the tree.
    pub std: StdFrom,
    /// The tree's packages (the analysed directory's, and those of the rest of its module that
    /// the analysis could import), sorted by import path.
    pub packages: Vec<ModelPackage>,
    /// The errors of the tree's packages, as the analysis reported them.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub errors: Vec<Diagnostic>,
}

/// A build context: `goos-goarch[-cgo]` and build tags.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ModelContext {
    /// GOOS.
    pub goos: String,
    /// GOARCH.
    pub goarch: String,
    /// CGO_ENABLED.
    pub cgo: bool,
    /// Extra build tags.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub tags: Vec<String>,
}

impl ModelContext {
    /// cmd/api's name of the context: `linux-amd64-cgo`, with `+tag,...` when there are tags.
    pub fn name(&self) -> String {
        let cgo = if self.cgo { "-cgo" } else { "" };
        let tags = if self.tags.is_empty() {
            String::new()
        } else {
            format!(" (tags {})", self.tags.join(","))
        };
        format!("{}-{}{cgo}{tags}", self.goos, self.goarch)
    }
}

/// [`Layout`] as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(tag = "kind", rename_all = "snake_case")
)]
pub enum ModelLayout {
    /// A Go distribution's `src` or below.
    Goroot {
        /// The GOROOT.
        goroot: String,
        /// Its Go minor version.
        go_minor: Option<u32>,
    },
    /// A module.
    Module {
        /// The module's directory.
        dir: String,
        /// The module path.
        path: String,
    },
    /// A GOPATH.
    Gopath {
        /// `GOPATH/src`.
        src: String,
    },
    /// The root's import path, given.
    Prefix {
        /// The root's import path.
        import_path: String,
    },
    /// go's `_/abs/dir` paths.
    Local,
}

impl From<&Layout> for ModelLayout {
    fn from(layout: &Layout) -> ModelLayout {
        let s = |p: &Path| p.display().to_string();
        match layout {
            Layout::Goroot { goroot, go_minor } => ModelLayout::Goroot {
                goroot: s(goroot),
                go_minor: *go_minor,
            },
            Layout::Module { dir, path } => ModelLayout::Module {
                dir: s(dir),
                path: path.clone(),
            },
            Layout::Gopath { src } => ModelLayout::Gopath { src: s(src) },
            Layout::Prefix { import_path } => ModelLayout::Prefix {
                import_path: import_path.clone(),
            },
            Layout::Local => ModelLayout::Local,
        }
    }
}

impl From<&ModelLayout> for Layout {
    fn from(layout: &ModelLayout) -> Layout {
        match layout {
            ModelLayout::Goroot { goroot, go_minor } => Layout::Goroot {
                goroot: PathBuf::from(goroot),
                go_minor: *go_minor,
            },
            ModelLayout::Module { dir, path } => Layout::Module {
                dir: PathBuf::from(dir),
                path: path.clone(),
            },
            ModelLayout::Gopath { src } => Layout::Gopath {
                src: PathBuf::from(src),
            },
            ModelLayout::Prefix { import_path } => Layout::Prefix {
                import_path: import_path.clone(),
            },
            ModelLayout::Local => Layout::Local,
        }
    }
}

/// Where the tree's imports of the standard library were resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(rename_all = "snake_case")
)]
pub enum StdFrom {
    /// gofed's embedded summary (not stored: every gofed has it).
    Summary,
    /// A GOROOT (the tree's own, or one given): the packages reached are stored.
    Goroot,
    /// The tree is a whole GOROOT `src`: nothing else.
    Nothing,
}

/// One package: what the loader said of it, its errors, and its declarations when the API
/// reaches it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ModelPackage {
    /// Import path.
    pub path: String,
    /// Package name.
    pub name: String,
    /// Directory (absolute, as the analysis named it).
    pub dir: String,
    /// Whether it is a package of the analysed directory (else: of the rest of its module, or
    /// of a GOROOT it imports).
    #[cfg_attr(feature = "serde", serde(default, skip_serializing_if = "is_false"))]
    pub listed: bool,
    /// Whether it lies in a `vendor/` directory.
    #[cfg_attr(feature = "serde", serde(default, skip_serializing_if = "is_false"))]
    pub vendored: bool,
    /// Its GoFiles and CgoFiles for the context (names in `dir`).
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub go_files: Vec<String>,
    /// Imports written otherwise than the path they resolve to (`vendor/`): written → resolved.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "BTreeMap::is_empty")
    )]
    pub import_map: BTreeMap<String, String>,
    /// The package's errors (loader, syntax, type), as the analysis reported them.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub errors: Vec<Diagnostic>,
    /// Its files' declarations ([`declarations_text`]); empty when the API does not reach it.
    #[cfg_attr(
        feature = "serde",
        serde(default, skip_serializing_if = "Vec::is_empty")
    )]
    pub files: Vec<ModelFile>,
}

#[cfg(feature = "serde")]
#[allow(clippy::trivially_copy_pass_by_ref)] // serde's signature
fn is_false(b: &bool) -> bool {
    !*b
}

/// One file's declarations.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ModelFile {
    /// The file's name in its directory.
    pub name: String,
    /// Its declarations as Go source.
    pub decls: String,
}

/// Why a model cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// Another version of the document.
    #[error(
        "API model version {found} is not supported (this gofed reads version {MODEL_VERSION})"
    )]
    Version {
        /// The version found.
        found: u32,
    },
    /// Too many packages.
    #[error("the API model has {0} packages, more than {MAX_MODEL_PACKAGES}")]
    TooManyPackages(usize),
    /// A package listed twice.
    #[error("the API model lists package {0:?} twice")]
    Duplicate(String),
    /// A declaration that is not Go.
    #[error("the API model's package {package:?}, file {file:?}: {error} (not the declarations gofed writes: the model was edited or damaged)")]
    Syntax {
        /// The package.
        package: String,
        /// The file.
        file: String,
        /// The first syntax error.
        error: String,
    },
}

impl ApiModel {
    /// Checks what the document promises before it is used (its version, its size, each
    /// package once) and gives the [`ModelSource`] over it. Declarations are parsed when first
    /// imported; one that does not parse, in a package whose tree had no errors, is
    /// [`ModelSource::damage`].
    pub fn open(self) -> Result<ModelSource, ModelError> {
        if self.model_version != MODEL_VERSION {
            return Err(ModelError::Version {
                found: self.model_version,
            });
        }
        if self.packages.len() > MAX_MODEL_PACKAGES {
            return Err(ModelError::TooManyPackages(self.packages.len()));
        }
        let mut index = HashMap::with_capacity(self.packages.len());
        for (i, pkg) in self.packages.iter().enumerate() {
            if index.insert(pkg.path.clone(), i).is_some() {
                return Err(ModelError::Duplicate(pkg.path.clone()));
            }
        }
        let parsed = (0..self.packages.len()).map(|_| OnceLock::new()).collect();
        Ok(ModelSource {
            model: self,
            index,
            parsed,
            damage: Mutex::new(None),
        })
    }
}

/// The [`PackageSource`] of a model: its packages' declarations, each parsed once, when first
/// imported.
#[derive(Debug)]
pub struct ModelSource {
    model: ApiModel,
    /// Import path → index in `model.packages`.
    index: HashMap<String, usize>,
    parsed: Vec<OnceLock<Vec<Arc<SourceFile>>>>,
    /// The first declaration found not to parse.
    damage: Mutex<Option<ModelError>>,
}

impl ModelSource {
    /// The model read.
    pub fn model(&self) -> &ApiModel {
        &self.model
    }

    /// The first declaration of the packages imported so far that does not parse although
    /// its tree had no errors: the model was edited or damaged, and what was read of it is not
    /// the tree's API.
    pub fn damage(&self) -> Option<String> {
        self.damage
            .lock()
            .ok()
            .and_then(|d| d.as_ref().map(ToString::to_string))
    }

    fn files(&self, i: usize) -> &[Arc<SourceFile>] {
        let (Some(pkg), Some(slot)) = (self.model.packages.get(i), self.parsed.get(i)) else {
            return &[];
        };
        slot.get_or_init(|| {
            pkg.files
                .iter()
                .map(|file| {
                    let name = Path::new(&pkg.dir).join(&file.name).display().to_string();
                    let src = file.decls.as_bytes().to_vec();
                    let parsed = parse_file_with(&src, ParseMode::Declarations);
                    let sf = SourceFile::parsed(name, src, parsed);
                    // A package whose tree had errors may give text that does not parse; one
                    // that had none must parse, or the model was changed.
                    if let (true, Some(err)) = (pkg.errors.is_empty(), sf.syntax_errors.first()) {
                        let d = sf.diagnostic(err.span.start, err.message(&sf.src));
                        if let Ok(mut damage) = self.damage.lock() {
                            damage.get_or_insert(ModelError::Syntax {
                                package: pkg.path.clone(),
                                file: file.name.clone(),
                                error: format!("{}:{}: {}", d.line, d.col, d.message),
                            });
                        }
                    }
                    Arc::new(sf)
                })
                .collect()
        })
    }

    fn entry(&self, path: &str) -> Option<usize> {
        let &i = self.index.get(path)?;
        let has_files = self
            .model
            .packages
            .get(i)
            .is_some_and(|p| !p.files.is_empty());
        has_files.then_some(i)
    }
}

impl PackageSource for ModelSource {
    fn import(&self, importer: &str, path: &str) -> Option<PackageInput> {
        // The tree's import map, as the tree's source applies it.
        let resolved = self
            .index
            .get(importer)
            .and_then(|&i| self.model.packages.get(i))
            .and_then(|p| p.import_map.get(path))
            .map_or(path, String::as_str);
        let (path, i) = match self.entry(resolved) {
            Some(i) => (resolved, i),
            None => (path, self.entry(path)?),
        };
        Some(PackageInput {
            path: path.to_owned(),
            files: self.files(i).to_vec(),
        })
    }
}

/// A file's declarations as Go source: its tokens without comments and without function
/// bodies, a space between two tokens that would otherwise join and a newline where the file
/// had one that ended a statement (so that semicolons are inserted where they were). What the
/// checker reads of it is what it reads of the file, byte offsets aside.
///
/// `file` must have been parsed with [`ParseMode::Declarations`], which drops the elements of
/// composite literals (the checker never looks at them): each run of dropped elements is
/// written as as many `0`s when it counts towards the length of a `[...]T{}`, else as one `0`
/// (tables of numbers are most of the bytes of some packages, golang.org/x/text's), and so is
/// the value of a keyed element of a `[...]T{}` (whose keys count). The
/// initialiser of a variable declared with a type goes too: the checker takes the type.
pub fn declarations_text(file: &SourceFile) -> String {
    let src: &[u8] = &file.src;
    let bodies: std::collections::HashSet<u32> = file
        .ast
        .decls
        .iter()
        .filter_map(|d| match d {
            Decl::Func(f) => f.body.map(|b| b.start),
            _ => None,
        })
        .collect();
    let ast = &file.ast;
    // Start of a dropped run → (its end, the `0`s that stand for it).
    let mut elided: HashMap<u32, (u32, u32)> = HashMap::new();
    for expr in &ast.exprs {
        let crate::ast::Expr::CompositeLit { ty, elts } = *expr else {
            continue;
        };
        let open = ty.is_some_and(|t| {
            matches!(*ast.expr(t), crate::ast::Expr::ArrayType { len: Some(len), .. }
                if matches!(ast.expr(len), crate::ast::Expr::Ellipsis(None)))
        });
        for &elt in ast.expr_list(elts) {
            match *ast.expr(elt) {
                crate::ast::Expr::Elided(n) => {
                    let span = ast.expr_span(elt);
                    elided.insert(span.start, (span.end, if open { n } else { 1 }));
                }
                // The keys of a `[...]T{}` decide its length; their values are not looked at either.
                crate::ast::Expr::KeyValue { value, .. } if open => {
                    let span = ast.expr_span(value);
                    elided.insert(span.start, (span.end, 1));
                }
                _ => {}
            }
        }
    }
    // `= values` of `var x T = values`: from the type's end to the spec's.
    let mut dropped: std::collections::BTreeMap<u32, u32> = std::collections::BTreeMap::new();
    for decl in &ast.decls {
        let Decl::Gen(gen) = decl else { continue };
        if gen.tok != TokenKind::Var {
            continue;
        }
        for spec in &gen.specs {
            if let crate::ast::Spec::Value(vs) = spec {
                if let (Some(ty), false) = (vs.ty, vs.values.len == 0) {
                    dropped.insert(ast.expr_span(ty).end, vs.span.end);
                }
            }
        }
    }
    let mut lexer = Lexer::new(src);
    let mut out = String::with_capacity(src.len() / 2);
    let mut prev: Option<TokenKind> = None;
    let mut skip_until = 0u32;
    // Whether the last token of a dropped run was the comma before the next element.
    let mut skipped_comma = false;
    loop {
        let tok = lexer.next_token();
        if tok.kind == TokenKind::Eof {
            break;
        }
        if dropped
            .range(..=tok.span.start)
            .next_back()
            .is_some_and(|(_, &end)| tok.span.start < end)
        {
            continue;
        }
        if tok.span.start < skip_until {
            if !tok.is_inserted_semi() {
                skipped_comma = tok.kind == TokenKind::Comma;
            }
            continue;
        }
        if std::mem::take(&mut skipped_comma) {
            out.push(',');
            prev = Some(TokenKind::Comma);
        }
        if let Some(&(end, zeros)) = elided.get(&tok.span.start) {
            skip_until = end;
            if prev.is_some_and(|p| needs_space(p, TokenKind::Int)) {
                out.push(' ');
            }
            for i in 0..zeros {
                out.push_str(if i == 0 { "0" } else { ",0" });
            }
            prev = Some(TokenKind::Int);
            continue;
        }
        if tok.is_inserted_semi() {
            out.push('\n');
            prev = None;
            continue;
        }
        if tok.kind == TokenKind::LBrace && bodies.contains(&tok.span.start) {
            // The body goes; the `}` that ended it ended the declaration.
            let _ = lexer.skip_block();
            continue;
        }
        let text = String::from_utf8_lossy(tok.span.slice(src));
        if let Some(p) = prev {
            if needs_space(p, tok.kind) {
                out.push(' ');
            }
        }
        out.push_str(&text);
        prev = Some(tok.kind);
    }
    out
}

/// Whether two adjacent tokens need a space between them to be lexed as two: always, except
/// next to brackets, commas and semicolons (which never join another token).
fn needs_space(a: TokenKind, b: TokenKind) -> bool {
    use TokenKind::*;
    let loose = |k: TokenKind| {
        matches!(
            k,
            LParen | RParen | LBrack | RBrack | LBrace | RBrace | Comma | Semicolon
        )
    };
    !(loose(a) || loose(b))
}

/// The packages a [`ModelSource`] needs: `roots` and every package they import, directly or
/// not, that `source` (the tree's own packages, and the GOROOT's when it is part of the
/// analysis) has. Returns per resolved import path: the package's name, import map and files.
pub fn collect_declarations(
    source: &dyn PackageSource,
    roots: &[String],
) -> BTreeMap<String, CollectedPackage> {
    let mut out: BTreeMap<String, CollectedPackage> = BTreeMap::new();
    let mut queue: VecDeque<(String, String)> =
        roots.iter().map(|r| (String::new(), r.clone())).collect();
    let mut seen: std::collections::HashSet<(String, String)> = std::collections::HashSet::new();
    while let Some((importer, path)) = queue.pop_front() {
        if !seen.insert((importer.clone(), path.clone())) {
            continue;
        }
        let Some(input) = source.import(&importer, &path) else {
            continue;
        };
        if input.path != path && !importer.is_empty() {
            if let Some(pkg) = out.get_mut(&importer) {
                pkg.import_map.insert(path.clone(), input.path.clone());
            }
        }
        if out.contains_key(&input.path) {
            continue;
        }
        let mut imports = Vec::new();
        for file in &input.files {
            for decl in &file.ast.decls {
                let Decl::Gen(gen) = decl else { continue };
                for spec in &gen.specs {
                    if let crate::ast::Spec::Import(imp) = spec {
                        if let Some(p) = unquote(imp.path.slice(&file.src)) {
                            if p != "C" && p != "unsafe" {
                                imports.push(p);
                            }
                        }
                    }
                }
            }
        }
        let name = input.package_name();
        let files = input
            .files
            .iter()
            .map(|f| ModelFile {
                name: Path::new(&f.name)
                    .file_name()
                    .map_or_else(|| f.name.clone(), |n| n.to_string_lossy().into_owned()),
                decls: declarations_text(f),
            })
            .collect();
        for import in imports {
            queue.push_back((input.path.clone(), import));
        }
        out.insert(
            input.path.clone(),
            CollectedPackage {
                name,
                dir: input
                    .files
                    .first()
                    .and_then(|f| Path::new(&f.name).parent())
                    .map(|d| d.display().to_string())
                    .unwrap_or_default(),
                import_map: BTreeMap::new(),
                files,
            },
        );
    }
    out
}

/// A package found by [`collect_declarations`].
#[derive(Clone, Debug)]
pub struct CollectedPackage {
    /// Its name.
    pub name: String,
    /// Its directory (from its files' names).
    pub dir: String,
    /// Imports that resolved to another path.
    pub import_map: BTreeMap<String, String>,
    /// Its files' declarations.
    pub files: Vec<ModelFile>,
}

/// Sorted ordering for a model's packages.
pub fn sort_packages(packages: &mut [ModelPackage]) {
    packages.sort_by(|a, b| a.path.cmp(&b.path));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::parse_file;

    fn file(src: &str) -> SourceFile {
        let parsed = parse_file_with(src.as_bytes(), ParseMode::Declarations);
        SourceFile::parsed("p.go".into(), src.as_bytes().to_vec(), parsed)
    }

    #[test]
    fn literal_elements_become_zeros_counted_where_they_decide_a_length() {
        let text = declarations_text(&file(
            "package p\nvar A = [...]uint16{1, 2,\n3, 4: 5, 6}\nvar S = []string{\"a\", \"b\",\n}\nvar M = map[string]int{\"x\": f(func() { g() })}\nvar (\n\tT []string = []string{\"a\" +\n\t\t\"b\"}\n\tU, V int = 1, 2\n)\n",
        ));
        assert_eq!(
            text,
            "package p\nvar A =[...]uint16{0,0,0,4 : 0,0}\nvar S =[]string{0,}\nvar M = map[string]int{0}\nvar(T[]string\nU,V int\n)\n"
        );
        assert!(parse_file_with(text.as_bytes(), ParseMode::Declarations)
            .errors
            .is_empty());
    }

    #[test]
    fn declarations_drop_bodies_and_comments_and_keep_the_rest() {
        let text = declarations_text(&file(
            "// Package p.\npackage p\n\nimport \"io\"\n\n// F does.\nfunc F(x int, r io.Reader) (n int) {\n\treturn x - -1 // no\n}\n\ntype T struct {\n\tA int `json:\"a\"` /* tag */\n}\n\nconst (\n\tX = iota\n\tY\n)\n\nvar s = `raw\n\nstring`\n",
        ));
        assert_eq!(
            text,
            "package p\nimport \"io\"\nfunc F(x int,r io . Reader)(n int)\ntype T struct{A int `json:\"a\"`\n}\nconst(X = iota\nY\n)\nvar s = `raw\n\nstring`\n"
        );
        // What the checker reads of it parses without errors.
        assert!(parse_file(text.as_bytes()).errors.is_empty());
    }

    #[test]
    fn operators_stay_apart() {
        let text = declarations_text(&file(
            "package p\nconst C = 1 - -1\nvar v = <-make(chan int)\n",
        ));
        assert_eq!(
            text,
            "package p\nconst C = 1 - - 1\nvar v = <- make(chan int)\n"
        );
    }

    #[test]
    fn unknown_versions_and_damaged_declarations_are_refused() {
        let model = |version: u32, decls: &str| ApiModel {
            model_version: version,
            context: ModelContext {
                goos: "linux".into(),
                goarch: "amd64".into(),
                cgo: true,
                tags: Vec::new(),
            },
            go_minor: 27,
            root: "/r".into(),
            layout: ModelLayout::Local,
            std: StdFrom::Summary,
            packages: vec![ModelPackage {
                path: "p".into(),
                name: "p".into(),
                dir: "/r".into(),
                listed: true,
                go_files: vec!["p.go".into()],
                files: vec![ModelFile {
                    name: "p.go".into(),
                    decls: decls.into(),
                }],
                ..ModelPackage::default()
            }],
            errors: Vec::new(),
        };
        let err = model(2, "package p\n").open().unwrap_err();
        assert!(
            err.to_string().contains("version 2 is not supported"),
            "{err}"
        );
        let source = model(1, "package p\nfunc F(\n").open().unwrap();
        assert_eq!(source.damage(), None, "nothing imported yet");
        assert!(source.import("", "p").is_some());
        let err = source.damage().unwrap();
        assert!(err.contains("package \"p\", file \"p.go\""), "{err}");
        let source = model(1, "package p\nfunc F()\n").open().unwrap();
        assert!(source.import("", "p").is_some());
        assert_eq!(source.damage(), None);
        assert!(source.import("", "q").is_none());
    }
}
