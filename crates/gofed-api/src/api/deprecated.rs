//! Which API elements cmd/api marks `//deprecated` (its `collectDeprecated`, Go 1.21 on).
//!
//! cmd/api marks identifiers, not objects: the doc comment of a declaration, spec or field
//! marks the names it declares, and an element is deprecated when its object's position is
//! marked. So a method promoted from an embedded type of the same package is deprecated on
//! the outer type too, while the elements of other packages never are; a struct field's or
//! interface method's mark belongs to the literal that declares it, found here by following
//! the type declarations of the package (`type T U` has `U`'s fields).

use std::sync::Arc;

use foldhash::{HashMap, HashMapExt as _, HashSet, HashSetExt as _};

use crate::ast::{Decl, Expr, ExprId, FieldList, Spec};
use crate::parser::doc_before;
use crate::token::Comment;
use crate::types::SourceFile;

/// How a doc comment says "deprecated".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeprecatedRule {
    /// Go 1.21 to 1.26: a comment of the doc group starts with `// Deprecated:`.
    Lines,
    /// Go 1.27: a paragraph of the doc text (`go/ast.CommentGroup.Text`) starts with
    /// `Deprecated: ` or is `Deprecated:` followed by a newline.
    Paragraphs,
}

impl DeprecatedRule {
    /// Whether a doc comment group (its comments, in the file `src`) marks what it documents.
    pub fn marks(self, comments: &[Comment], src: &[u8]) -> bool {
        // Both rules need the word with its colon in one comment (carriage returns, which
        // the scanner drops, aside): most docs are passed over without building their text.
        let has_word = comments.iter().any(|c| {
            let text = c.span.slice(src);
            text.contains(&b'\r')
                || text
                    .windows(b"Deprecated:".len())
                    .any(|w| w == b"Deprecated:")
        });
        if !has_word {
            return false;
        }
        match self {
            DeprecatedRule::Lines => comments.iter().any(|c| {
                // The scanner drops carriage returns from comment text.
                let text = c.span.text(src);
                strip_cr(text).starts_with("// Deprecated:")
            }),
            DeprecatedRule::Paragraphs => {
                let text = doc_text(comments, src);
                text.starts_with("Deprecated: ")
                    || text.contains("\n\nDeprecated: ")
                    || text.starts_with("Deprecated:\n")
                    || text.contains("\n\nDeprecated:\n")
            }
        }
    }
}

fn strip_cr(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains('\r') {
        std::borrow::Cow::Owned(s.replace('\r', ""))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// The text of a comment group as `go/ast.CommentGroup.Text` returns it: markers, the first
/// space of a line comment and directives (`//go:noinline`, `//line `) removed, lines
/// right-trimmed, leading blank lines dropped, interior runs of blank lines made one, and a
/// final newline unless empty.
pub fn doc_text(comments: &[Comment], src: &[u8]) -> String {
    let mut lines: Vec<String> = Vec::new();
    for c in comments {
        let raw = strip_cr(c.span.text(src));
        let body: &str = if let Some(rest) = raw.strip_prefix("//") {
            if let Some(rest) = rest.strip_prefix(' ') {
                rest
            } else if rest.is_empty() || !is_directive(rest) {
                rest
            } else {
                continue;
            }
        } else if let Some(rest) = raw.strip_prefix("/*") {
            rest.strip_suffix("*/").unwrap_or(rest)
        } else {
            &raw
        };
        for line in body.split('\n') {
            lines.push(line.trim_end_matches([' ', '\t', '\n', '\r']).to_owned());
        }
    }
    let mut kept: Vec<String> = Vec::with_capacity(lines.len());
    for line in lines {
        if !line.is_empty() || kept.last().is_some_and(|l| !l.is_empty()) {
            kept.push(line);
        }
    }
    if kept.last().is_some_and(|l| !l.is_empty()) {
        kept.push(String::new());
    }
    kept.join("\n")
}

/// go/ast's `isDirective` (the `//` removed): `line `, `extern `, `export `, or
/// `[a-z0-9]+:[a-z0-9]`.
fn is_directive(c: &str) -> bool {
    if c.starts_with("line ") || c.starts_with("extern ") || c.starts_with("export ") {
        return true;
    }
    let b = c.as_bytes();
    let Some(colon) = c.find(':') else {
        return false;
    };
    if colon == 0 || colon + 1 >= b.len() {
        return false;
    }
    (0..=colon + 1)
        .filter(|&i| i != colon)
        .all(|i| b[i].is_ascii_lowercase() || b[i].is_ascii_digit())
}

/// Where a package-level type is declared: file, declaration and spec indexes.
#[derive(Clone, Copy, Debug)]
struct TypeDecl {
    file: usize,
    decl: usize,
    spec: usize,
}

/// The deprecation marks of one package's files.
pub(super) struct Deprecations {
    rule: DeprecatedRule,
    files: Vec<Arc<SourceFile>>,
    /// Package-level names marked by their declaration's or spec's doc.
    objects: HashSet<String>,
    /// `(receiver base type, method)` of marked method declarations.
    methods: HashSet<(String, String)>,
    /// Package-level type declarations by name.
    types: HashMap<String, TypeDecl>,
}

/// How many type declarations a chain `type A B; type B C; ...` is followed through.
const MAX_CHAIN: usize = 64;

impl Deprecations {
    /// The marks of the package made of `files`.
    pub(super) fn new(rule: DeprecatedRule, files: &[Arc<SourceFile>]) -> Deprecations {
        let mut d = Deprecations {
            rule,
            files: files.to_vec(),
            objects: HashSet::new(),
            methods: HashSet::new(),
            types: HashMap::new(),
        };
        for (fi, file) in files.iter().enumerate() {
            let (ast, src) = (&file.ast, &file.src[..]);
            let marks = |doc: Option<crate::ast::CommentGroup>| {
                doc.is_some_and(|g| rule.marks(ast.comment_group(g), src))
            };
            for (di, decl) in ast.decls.iter().enumerate() {
                match decl {
                    Decl::Gen(gen) => {
                        let group = marks(gen.doc);
                        for (si, spec) in gen.specs.iter().enumerate() {
                            match spec {
                                Spec::Value(v) => {
                                    if group || marks(v.doc) {
                                        for name in ast.ident_list(v.names) {
                                            d.objects.insert(name.text(src).to_owned());
                                        }
                                    }
                                }
                                Spec::Type(t) => {
                                    let name = t.name.text(src).to_owned();
                                    if group || marks(t.doc) {
                                        d.objects.insert(name.clone());
                                    }
                                    d.types.entry(name).or_insert(TypeDecl {
                                        file: fi,
                                        decl: di,
                                        spec: si,
                                    });
                                }
                                Spec::Import(_) => {}
                            }
                        }
                    }
                    Decl::Func(func) => {
                        if !marks(func.doc) {
                            continue;
                        }
                        let name = func.name.text(src).to_owned();
                        match func.recv.and_then(|r| ast.field_list(r).first().cloned()) {
                            Some(recv) => {
                                if let Some(base) = receiver_base(ast, src, recv.ty) {
                                    d.methods.insert((base, name));
                                }
                            }
                            None => {
                                d.objects.insert(name);
                            }
                        }
                    }
                    Decl::Bad(_) => {}
                }
            }
        }
        d
    }

    /// Whether the package-level const, var, func or type `name` is marked.
    pub(super) fn object(&self, name: &str) -> bool {
        self.objects.contains(name)
    }

    /// Whether the method `method` declared on the package's type `type_name` is marked.
    pub(super) fn method(&self, type_name: &str, method: &str) -> bool {
        self.methods
            .contains(&(type_name.to_owned(), method.to_owned()))
    }

    /// The struct or interface literal that declares the underlying type of the package's
    /// type `name` (through `type T U`, `type T = U`, `type T G[int]`, `type T (U)`).
    fn literal(&self, name: &str) -> Option<(&SourceFile, ExprId)> {
        let mut name = name.to_owned();
        for _ in 0..MAX_CHAIN {
            let at = self.types.get(&name)?;
            let file = &self.files[at.file];
            let Decl::Gen(gen) = file.ast.decls.get(at.decl)? else {
                return None;
            };
            let Spec::Type(spec) = gen.specs.get(at.spec)? else {
                return None;
            };
            let mut e = spec.ty;
            let next = loop {
                match file.ast.expr(e) {
                    Expr::Paren(x) | Expr::Index { x, .. } | Expr::IndexList { x, .. } => e = *x,
                    Expr::StructType(_) | Expr::InterfaceType(_) => return Some((file, e)),
                    Expr::Ident => break file.ast.expr_span(e).text(&file.src).to_owned(),
                    _ => return None,
                }
            };
            name = next;
        }
        None
    }

    /// Per field of the struct underlying the package's type `name`, in declaration order,
    /// whether it is marked; `None` when the struct is not declared in this package.
    pub(super) fn struct_fields(&self, name: &str) -> Option<Vec<bool>> {
        let (file, e) = self.literal(name)?;
        let Expr::StructType(list) = file.ast.expr(e) else {
            return None;
        };
        let (ast, src) = (&file.ast, &file.src[..]);
        let mut out = Vec::new();
        for field in ast.field_list(*list) {
            let marked = doc_before(&ast.comments, src, field.span.start)
                .is_some_and(|g| self.rule.marks(ast.comment_group(g), src));
            let names = ast.ident_list(field.names).len();
            if names == 0 {
                // cmd/api marks the identifier of an embedded `T` or `*T`; an embedded
                // `pkg.T` or `T[int]` is never deprecated.
                let mut ty = field.ty;
                if let Expr::Star(x) = ast.expr(ty) {
                    ty = *x;
                }
                out.push(marked && matches!(ast.expr(ty), Expr::Ident));
            } else {
                out.extend(std::iter::repeat_n(marked, names));
            }
        }
        Some(out)
    }

    /// Whether the interface underlying the package's type `name` declares method `method`
    /// itself (not through an embedded interface) with a marking doc comment.
    pub(super) fn interface_method(&self, name: &str, method: &str) -> bool {
        let Some((file, e)) = self.literal(name) else {
            return false;
        };
        let Expr::InterfaceType(list) = file.ast.expr(e) else {
            return false;
        };
        self.explicit_method_marked(file, *list, method)
    }

    fn explicit_method_marked(&self, file: &SourceFile, list: FieldList, method: &str) -> bool {
        let (ast, src) = (&file.ast, &file.src[..]);
        ast.field_list(list).iter().any(|field| {
            ast.ident_list(field.names)
                .iter()
                .any(|n| n.text(src) == method)
                && doc_before(&ast.comments, src, field.span.start)
                    .is_some_and(|g| self.rule.marks(ast.comment_group(g), src))
        })
    }
}

/// The base type name of a method receiver (`T`, `*T`, `T[P]`, `*T[P, Q]`, parenthesised).
fn receiver_base(ast: &crate::ast::File, src: &[u8], mut ty: ExprId) -> Option<String> {
    loop {
        match ast.expr(ty) {
            Expr::Paren(x) | Expr::Star(x) | Expr::Index { x, .. } | Expr::IndexList { x, .. } => {
                ty = *x
            }
            Expr::Ident => return Some(ast.expr_span(ty).text(src).to_owned()),
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The doc comment of the first declaration of `src`, as text and as both rules see it.
    fn doc(src: &str) -> (String, bool, bool) {
        let parsed = crate::parser::parse_file(src.as_bytes());
        let file = &parsed.file;
        let group = match file.decls.first() {
            Some(Decl::Func(f)) => f.doc,
            Some(Decl::Gen(g)) => g.doc,
            _ => None,
        }
        .expect("a doc comment");
        let comments = file.comment_group(group);
        (
            doc_text(comments, src.as_bytes()),
            DeprecatedRule::Lines.marks(comments, src.as_bytes()),
            DeprecatedRule::Paragraphs.marks(comments, src.as_bytes()),
        )
    }

    #[test]
    fn doc_text_is_go_ast_text() {
        // Markers and the first space go, directives go, blank runs become one blank line,
        // trailing blanks and leading blank lines go, a final newline is added.
        let (text, ..) =
            doc("package p\n\n//\n// a  \n//\n//\n//  b\n//go:noinline\n//line x:1\nfunc F() {}\n");
        assert_eq!(text, "a\n\n b\n");
        // `//Deprecated: x` is no directive: upper case before the colon.
        let (text, ..) = doc("package p\n\n//Deprecated: x\nfunc F() {}\n");
        assert_eq!(text, "Deprecated: x\n");
        let (text, ..) = doc("package p\n\n/* a\n   b */\nfunc F() {}\n");
        assert_eq!(text, " a\n   b\n");
    }

    #[test]
    fn carriage_returns_are_not_text() {
        let (text, lines, paragraphs) =
            doc("package p\r\n\r\n// F.\r\n//\r\n// Deprecated:\r\n// use G.\r\nfunc F() {}\r\n");
        assert_eq!(text, "F.\n\nDeprecated:\nuse G.\n");
        assert!(lines && paragraphs);
        // A `//Deprecated` directive-like line is not a line match.
        let (_, lines, paragraphs) = doc("package p\n\n// F.\n//\n//Deprecated: x\nfunc F() {}\n");
        assert!(!lines && paragraphs);
    }
}
