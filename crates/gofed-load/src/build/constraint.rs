//! Build constraint expressions: `//go:build` lines and legacy `// +build` lines.
//!
//! This follows Go's `go/build/constraint` package: the same grammar, the same printed form,
//! the same error messages and the same size limits (Go ≥ 1.22; older releases had no limits).

use std::fmt;

/// The most `!`/tag/parenthesis units a `//go:build` expression may have (Go's `maxSize`).
///
/// It bounds the nesting depth of a parsed [`Expr`], so parsing, evaluating, printing and
/// dropping a parsed expression never recurse deeper than this.
pub const MAX_EXPR_SIZE: usize = 1000;

/// The most `AND`/`OR` operators one `// +build` line may have (Go's `maxOldSize`).
const MAX_PLUS_BUILD_OPS: usize = 100;

/// A build constraint expression.
///
/// `Display` prints the `//go:build` form (without the prefix) exactly as Go's `Expr.String`
/// does: `a && (b || c)`, `!(a && b)`, and an `&&` inside `||` parenthesised, `(a && b) || c`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Expr {
    /// A single build tag such as `linux` or `cgo`.
    Tag(String),
    /// `!x`.
    Not(Box<Expr>),
    /// `x && y`.
    And(Box<Expr>, Box<Expr>),
    /// `x || y`.
    Or(Box<Expr>, Box<Expr>),
}

/// Why a build constraint could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConstraintError {
    /// A `//go:build` expression does not parse.
    #[error("{kind}")]
    Syntax {
        /// Byte offset in the expression text (after `//go:build`) where the error was found.
        offset: usize,
        /// What is wrong.
        kind: SyntaxErrorKind,
    },
    /// The line is neither a `//go:build` nor a `// +build` line.
    #[error("not a build constraint")]
    NotConstraint,
    /// A `// +build` line has more than 100 operators.
    #[error("expression too complex for // +build lines")]
    TooComplex,
    /// A file header has a second `//go:build` line.
    #[error("multiple //go:build comments")]
    MultipleGoBuild {
        /// 1-based line number of the second `//go:build` line.
        line: usize,
    },
    /// The `//go:build` line of a file header does not parse.
    #[error("parsing //go:build line: {kind}")]
    GoBuildLine {
        /// 1-based line number of the `//go:build` line.
        line: usize,
        /// Byte offset in the expression text (after `//go:build`) where the error was found.
        offset: usize,
        /// What is wrong.
        kind: SyntaxErrorKind,
    },
}

/// The kinds of `//go:build` syntax errors, with Go's messages.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SyntaxErrorKind {
    /// A token where it cannot stand, e.g. `)` or a second tag.
    #[error("unexpected token {0}")]
    UnexpectedToken(String),
    /// The expression ends where an operand is needed.
    #[error("unexpected end of expression")]
    UnexpectedEnd,
    /// A `(` without its `)`.
    #[error("missing close paren")]
    MissingCloseParen,
    /// `!!x`.
    #[error("double negation not allowed")]
    DoubleNegation,
    /// A character that starts no token (or a single `&` or `|`).
    #[error("invalid syntax at {0}")]
    InvalidSyntaxAt(char),
    /// More than [`MAX_EXPR_SIZE`] units.
    #[error("build expression too large")]
    TooLarge,
}

impl Expr {
    /// A tag expression.
    pub fn tag(name: impl Into<String>) -> Expr {
        Expr::Tag(name.into())
    }

    /// Parses one `//go:build EXPR` or `// +build ...` line, like Go's `constraint.Parse`.
    ///
    /// A single trailing newline is allowed; any other newline makes the text no constraint.
    pub fn parse(line: &str) -> Result<Expr, ConstraintError> {
        if let Some(text) = split_go_build(line) {
            return parse_expr(text);
        }
        if let Some(text) = split_plus_build(line) {
            return parse_plus_build_expr(text);
        }
        Err(ConstraintError::NotConstraint)
    }

    /// Evaluates the expression, asking `ok` whether each tag is satisfied.
    ///
    /// Like Go, both operands of `&&` and `||` are always evaluated, so `ok` sees every tag.
    pub fn eval(&self, ok: &mut impl FnMut(&str) -> bool) -> bool {
        match self {
            Expr::Tag(tag) => ok(tag),
            Expr::Not(x) => !x.eval(ok),
            Expr::And(x, y) => {
                let x = x.eval(ok);
                let y = y.eval(ok);
                x && y
            }
            Expr::Or(x, y) => {
                let x = x.eval(ok);
                let y = y.eval(ok);
                x || y
            }
        }
    }

    /// Evaluates the expression as the go command does when it gathers every possible import
    /// (`imports.AnyTags`, used by `go get` and `go mod tidy`): each tag is both present and absent,
    /// so it counts as whatever makes the expression hold, except `ignore`, which is absent.
    pub fn eval_any_tags(&self) -> bool {
        self.eval_preferring(true)
    }

    fn eval_preferring(&self, prefer: bool) -> bool {
        match self {
            Expr::Tag(tag) => tag != "ignore" && !tag.is_empty() && prefer,
            Expr::Not(x) => !x.eval_preferring(!prefer),
            Expr::And(x, y) => x.eval_preferring(prefer) && y.eval_preferring(prefer),
            Expr::Or(x, y) => x.eval_preferring(prefer) || y.eval_preferring(prefer),
        }
    }

    fn not(x: Expr) -> Expr {
        Expr::Not(Box::new(x))
    }

    fn and(x: Expr, y: Expr) -> Expr {
        Expr::And(Box::new(x), Box::new(y))
    }

    fn or(x: Expr, y: Expr) -> Expr {
        Expr::Or(Box::new(x), Box::new(y))
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // An explicit work stack rather than recursion: trees can be MAX_EXPR_SIZE deep.
        enum Item<'a> {
            Expr(&'a Expr, bool),
            Str(&'static str),
        }
        let is_and = |x: &Expr| matches!(x, Expr::And(..));
        let is_or = |x: &Expr| matches!(x, Expr::Or(..));
        let mut stack = vec![Item::Expr(self, false)];
        while let Some(item) = stack.pop() {
            let (x, paren) = match item {
                Item::Str(s) => {
                    f.write_str(s)?;
                    continue;
                }
                Item::Expr(x, paren) => (x, paren),
            };
            if paren {
                f.write_str("(")?;
                stack.push(Item::Str(")"));
            }
            match x {
                Expr::Tag(tag) => f.write_str(tag)?,
                Expr::Not(x) => {
                    f.write_str("!")?;
                    stack.push(Item::Expr(x, is_and(x) || is_or(x)));
                }
                Expr::And(x, y) => {
                    stack.push(Item::Expr(y, is_or(y)));
                    stack.push(Item::Str(" && "));
                    stack.push(Item::Expr(x, is_or(x)));
                }
                Expr::Or(x, y) => {
                    stack.push(Item::Expr(y, is_and(y)));
                    stack.push(Item::Str(" || "));
                    stack.push(Item::Expr(x, is_and(x)));
                }
            }
        }
        Ok(())
    }
}

/// Reports whether `line` is a `//go:build` line (the expression itself is not checked).
pub fn is_go_build(line: &str) -> bool {
    split_go_build(line).is_some()
}

/// Reports whether `line` is a `// +build` line (the expression itself is not checked).
pub fn is_plus_build(line: &str) -> bool {
    split_plus_build(line).is_some()
}

/// Parses a `//go:build` expression without its `//go:build` prefix, e.g. `linux && !cgo`.
pub fn parse_expr(text: &str) -> Result<Expr, ConstraintError> {
    let mut p = ExprParser {
        s: text,
        i: 0,
        tok: Tok::End,
        pos: 0,
        size: 0,
    };
    p.parse()
        .map_err(|(offset, kind)| ConstraintError::Syntax { offset, kind })
}

/// Parses the arguments of a `// +build` line (without the prefix), e.g. `linux,amd64 darwin`.
///
/// Spaces separate alternatives (OR), commas separate conjuncts (AND), `!` negates. Invalid
/// words become the never-set tag `ignore` (as in Go), and a line without words is `ignore`.
pub fn parse_plus_build_expr(text: &str) -> Result<Expr, ConstraintError> {
    let mut n_ops = 0usize;
    let mut count_op = || {
        n_ops += 1;
        if n_ops > MAX_PLUS_BUILD_OPS {
            Err(ConstraintError::TooComplex)
        } else {
            Ok(())
        }
    };
    let mut res: Option<Expr> = None;
    for clause in text.split_whitespace() {
        let mut conj: Option<Expr> = None;
        for lit in clause.split(',') {
            let lit = plus_build_literal(lit);
            conj = Some(match conj {
                None => lit,
                Some(prev) => {
                    count_op()?;
                    Expr::and(prev, lit)
                }
            });
        }
        let Some(conj) = conj else { continue };
        res = Some(match res {
            None => conj,
            Some(prev) => {
                count_op()?;
                Expr::or(prev, conj)
            }
        });
    }
    Ok(res.unwrap_or_else(|| Expr::tag("ignore")))
}

fn plus_build_literal(lit: &str) -> Expr {
    if lit.starts_with("!!") || lit == "!" {
        return Expr::tag("ignore");
    }
    let (neg, name) = match lit.strip_prefix('!') {
        Some(name) => (true, name),
        None => (false, lit),
    };
    let tag = if is_valid_tag(name) {
        Expr::tag(name)
    } else {
        Expr::tag("ignore")
    };
    if neg {
        Expr::not(tag)
    } else {
        tag
    }
}

/// Reports whether `word` is a valid build tag: letters, digits, `_` and `.`.
pub fn is_valid_tag(word: &str) -> bool {
    !word.is_empty() && word.chars().all(is_tag_char)
}

/// Go's `unicode.IsLetter(c) || unicode.IsDigit(c) || c == '_' || c == '.'`.
///
/// FIXME: for non-ASCII this uses Rust's `Alphabetic`/`Numeric` properties, a superset of Go's
/// `L*`/`Nd` categories (it also admits e.g. `Nl`, `No` and combining marks); switch to the
/// lexer's Go Unicode tables once they exist.
fn is_tag_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric() || c == '_' || c == '.'
    } else {
        c.is_alphabetic() || c.is_numeric()
    }
}

/// Go's `splitGoBuild`: the expression text of a `//go:build` line.
fn split_go_build(line: &str) -> Option<&str> {
    let line = line.strip_suffix('\n').unwrap_or(line);
    if line.contains('\n') {
        return None;
    }
    let rest = line.strip_prefix("//go:build")?.trim_end();
    let text = rest.trim_start();
    // `//go:build` must be followed by white space or nothing (not `//go:buildx`).
    if text.len() == rest.len() && !rest.is_empty() {
        return None;
    }
    Some(text)
}

/// Go's `splitPlusBuild`: the arguments of a `// +build` line (`//+build` counts too).
fn split_plus_build(line: &str) -> Option<&str> {
    let line = line.strip_suffix('\n').unwrap_or(line);
    if line.contains('\n') {
        return None;
    }
    let rest = line.strip_prefix("//")?.trim().strip_prefix("+build")?;
    let text = rest.trim_start();
    if text.len() == rest.len() && !rest.is_empty() {
        return None;
    }
    Some(text)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok<'a> {
    End,
    LParen,
    RParen,
    Not,
    AndAnd,
    OrOr,
    Tag(&'a str),
}

impl<'a> Tok<'a> {
    fn text(self) -> &'a str {
        match self {
            Tok::End => "",
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::Not => "!",
            Tok::AndAnd => "&&",
            Tok::OrOr => "||",
            Tok::Tag(tag) => tag,
        }
    }
}

type PResult<T> = Result<T, (usize, SyntaxErrorKind)>;

/// A parser for Go's grammar
///
/// ```text
/// or   = and { "||" and }
/// and  = not { "&&" not }
/// not  = [ "!" ] atom        (a second "!" is an error)
/// atom = tag | "(" or ")"
/// ```
///
/// with an explicit stack of open parentheses instead of recursion, so hostile input cannot
/// exhaust the call stack. It reports the errors Go's recursive parser reports, at the same
/// offsets: every operand counts towards `MAX_EXPR_SIZE` (checked before it is lexed), and
/// running out of input inside parentheses is a missing `)`.
struct ExprParser<'a> {
    s: &'a str,
    /// Next read position in `s`.
    i: usize,
    /// The last token read.
    tok: Tok<'a>,
    /// Start offset of `tok`.
    pos: usize,
    /// Operands parsed so far, bounded by `MAX_EXPR_SIZE`.
    size: usize,
}

/// The partial `or` and `and` chains of one nesting level, and whether its pending operand
/// is negated.
#[derive(Default)]
struct Level {
    or: Option<Expr>,
    and: Option<Expr>,
    neg: bool,
    /// Offset of the `(` that opened this level (unused for the outermost level).
    paren_pos: usize,
}

impl<'a> ExprParser<'a> {
    fn parse(&mut self) -> PResult<Expr> {
        let mut open: Vec<Level> = Vec::new();
        let mut cur = Level::default();
        'operand: loop {
            // `not`: an optional `!`, then an atom.
            self.size += 1;
            if self.size > MAX_EXPR_SIZE {
                return Err((self.pos, SyntaxErrorKind::TooLarge));
            }
            self.lex()?;
            if self.tok == Tok::Not {
                self.lex()?;
                if self.tok == Tok::Not {
                    return Err((self.pos, SyntaxErrorKind::DoubleNegation));
                }
                cur.neg = true;
            }
            let mut x = match self.tok {
                Tok::LParen => {
                    let paren_pos = self.pos;
                    open.push(std::mem::replace(
                        &mut cur,
                        Level {
                            paren_pos,
                            ..Level::default()
                        },
                    ));
                    continue 'operand;
                }
                Tok::Tag(tag) => {
                    self.lex()?;
                    Expr::tag(tag)
                }
                // Inside parentheses, running out of input means the `)` is missing.
                Tok::End if !open.is_empty() => {
                    return Err((self.pos, SyntaxErrorKind::MissingCloseParen))
                }
                Tok::End => return Err((self.pos, SyntaxErrorKind::UnexpectedEnd)),
                tok => {
                    return Err((
                        self.pos,
                        SyntaxErrorKind::UnexpectedToken(tok.text().to_owned()),
                    ))
                }
            };
            // An operand is complete and the token after it is lexed: extend the chains,
            // closing as many parentheses as the input closes.
            loop {
                if std::mem::take(&mut cur.neg) {
                    x = Expr::not(x);
                }
                let and = match cur.and.take() {
                    Some(prev) => Expr::and(prev, x),
                    None => x,
                };
                if self.tok == Tok::AndAnd {
                    cur.and = Some(and);
                    continue 'operand;
                }
                let or = match cur.or.take() {
                    Some(prev) => Expr::or(prev, and),
                    None => and,
                };
                if self.tok == Tok::OrOr {
                    cur.or = Some(or);
                    continue 'operand;
                }
                let Some(outer) = open.pop() else {
                    return match self.tok {
                        Tok::End => Ok(or),
                        tok => Err((
                            self.pos,
                            SyntaxErrorKind::UnexpectedToken(tok.text().to_owned()),
                        )),
                    };
                };
                if self.tok != Tok::RParen {
                    return Err((cur.paren_pos, SyntaxErrorKind::MissingCloseParen));
                }
                self.lex()?;
                cur = outer;
                x = or;
            }
        }
    }

    fn lex(&mut self) -> PResult<()> {
        let bytes = self.s.as_bytes();
        while self.i < bytes.len() && matches!(bytes[self.i], b' ' | b'\t') {
            self.i += 1;
        }
        self.pos = self.i;
        let Some(&b) = bytes.get(self.i) else {
            self.tok = Tok::End;
            return Ok(());
        };
        let single = match b {
            b'(' => Some(Tok::LParen),
            b')' => Some(Tok::RParen),
            b'!' => Some(Tok::Not),
            _ => None,
        };
        if let Some(tok) = single {
            self.i += 1;
            self.tok = tok;
            return Ok(());
        }
        if b == b'&' || b == b'|' {
            if bytes.get(self.i + 1) != Some(&b) {
                return Err((self.i, SyntaxErrorKind::InvalidSyntaxAt(char::from(b))));
            }
            self.i += 2;
            self.tok = if b == b'&' { Tok::AndAnd } else { Tok::OrOr };
            return Ok(());
        }
        let rest = &self.s[self.i..];
        let len = rest.find(|c: char| !is_tag_char(c)).unwrap_or(rest.len());
        if len == 0 {
            let c = rest.chars().next().unwrap_or(char::REPLACEMENT_CHARACTER);
            return Err((self.i, SyntaxErrorKind::InvalidSyntaxAt(c)));
        }
        self.i += len;
        self.tok = Tok::Tag(&rest[..len]);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_tags_hold_either_way_except_ignore() {
        for (line, holds) in [
            ("//go:build linux", true),
            ("//go:build !linux", true),
            ("//go:build linux && !linux", true),
            ("//go:build !(linux || windows)", true),
            ("//go:build ignore", false),
            ("//go:build !ignore", true),
            ("//go:build ignore && linux", false),
            ("//go:build ignore || linux", true),
            ("// +build ignore", false),
        ] {
            let x = Expr::parse(line).expect(line);
            assert_eq!(x.eval_any_tags(), holds, "{line}");
        }
    }

    /// Parses `line` with [`Expr::parse`] and renders the result as `expr` (Display form) or
    /// `error@offset: message`, plus the evaluation with the tags in `set` true.
    fn check(line: &str, set: &[&str], expect: &str) {
        let got = match Expr::parse(line) {
            Ok(x) => {
                let mut seen = Vec::new();
                let val = x.eval(&mut |tag: &str| {
                    seen.push(tag.to_owned());
                    set.contains(&tag)
                });
                format!("{x} = {val} [{}]", seen.join(" "))
            }
            Err(ConstraintError::Syntax { offset, kind }) => format!("error@{offset}: {kind}"),
            Err(err) => format!("error: {err}"),
        };
        assert_eq!(got, expect, "input: {line:?}");
    }

    #[test]
    fn go_build_expressions() {
        check("//go:build linux", &["linux"], "linux = true [linux]");
        check("//go:build linux\n", &["linux"], "linux = true [linux]");
        check("  //go:build linux", &[], "error: not a build constraint");
        check("//go:build\tlinux  ", &[], "linux = false [linux]");
        check("//go:buildlinux", &[], "error: not a build constraint");
        check(
            "//go:build linux\nfoo",
            &[],
            "error: not a build constraint",
        );
        check("//go:build", &[], "error@0: unexpected end of expression");
        check("//go:build ", &[], "error@0: unexpected end of expression");
        // Precedence: ! binds tighter than &&, which binds tighter than ||.
        check(
            "//go:build a || b && c",
            &["a"],
            "a || (b && c) = true [a b c]",
        );
        check(
            "//go:build a && b || c",
            &["c"],
            "(a && b) || c = true [a b c]",
        );
        check("//go:build !a && b", &["b"], "!a && b = true [a b]");
        check("//go:build !(a && b)", &["a"], "!(a && b) = true [a b]");
        check("//go:build !(a || b)", &[], "!(a || b) = true [a b]");
        check(
            "//go:build (a || b) && c",
            &["b", "c"],
            "(a || b) && c = true [a b c]",
        );
        check(
            "//go:build a && (b && c)",
            &["a", "b", "c"],
            "a && b && c = true [a b c]",
        );
        check("//go:build ((a))", &["a"], "a = true [a]");
        check(
            "//go:build a && b && c",
            &["a", "b"],
            "a && b && c = false [a b c]",
        );
        check(
            "//go:build go1.21 && !wasm",
            &["go1.21"],
            "go1.21 && !wasm = true [go1.21 wasm]",
        );
        check(
            "//go:build x_y.z && 386",
            &["x_y.z", "386"],
            "x_y.z && 386 = true [x_y.z 386]",
        );
        check("//go:build é", &["é"], "é = true [é]");
        // Errors, with Go's messages and offsets.
        check("//go:build a b", &[], "error@2: unexpected token b");
        check(
            "//go:build a &&",
            &[],
            "error@4: unexpected end of expression",
        );
        check("//go:build (a", &[], "error@0: missing close paren");
        check("//go:build (a b", &[], "error@0: missing close paren");
        check("//go:build ((a &&", &[], "error@6: missing close paren");
        check("//go:build a)", &[], "error@1: unexpected token )");
        check("//go:build )", &[], "error@0: unexpected token )");
        check(
            "//go:build !!a",
            &[],
            "error@1: double negation not allowed",
        );
        check("//go:build a & b", &[], "error@2: invalid syntax at &");
        check("//go:build a | b", &[], "error@2: invalid syntax at |");
        check("//go:build a,b", &[], "error@1: invalid syntax at ,");
        check("//go:build a && -b", &[], "error@5: invalid syntax at -");
        check(
            "//go:build a ||",
            &[],
            "error@4: unexpected end of expression",
        );
        check("//go:build && a", &[], "error@0: unexpected token &&");
        check("//go:build !", &[], "error@1: unexpected end of expression");
        check(
            "//go:build a && !",
            &[],
            "error@6: unexpected end of expression",
        );
        check(
            "//go:build a\u{2028}b",
            &[],
            "error@1: invalid syntax at \u{2028}",
        );
    }

    #[test]
    fn plus_build_expressions() {
        check(
            "// +build linux darwin",
            &["darwin"],
            "linux || darwin = true [linux darwin]",
        );
        check(
            "// +build linux,amd64",
            &["linux"],
            "linux && amd64 = false [linux amd64]",
        );
        check("//+build linux", &["linux"], "linux = true [linux]");
        check(
            "//   +build   a,!b c",
            &["c"],
            "(a && !b) || c = true [a b c]",
        );
        check("// +build", &[], "ignore = false [ignore]");
        check("// +build  ", &[], "ignore = false [ignore]");
        check("// +buildx", &[], "error: not a build constraint");
        check("// +build !!a", &[], "ignore = false [ignore]");
        check("// +build !", &[], "ignore = false [ignore]");
        check("// +build !a-b", &[], "!ignore = true [ignore]");
        check(
            "// +build a,,b",
            &["a", "b"],
            "a && ignore && b = false [a ignore b]",
        );
        check("// +build a,", &["a"], "a && ignore = false [a ignore]");
        check("// +build a&&b", &[], "ignore = false [ignore]");
        check("/* +build a */", &[], "error: not a build constraint");
        // At most 100 operators per line.
        let many = vec!["a"; 102].join(" ");
        check(
            &format!("// +build {many}"),
            &["a"],
            "error: expression too complex for // +build lines",
        );
        let many = vec!["a"; 102].join(",");
        check(
            &format!("// +build {many}"),
            &[],
            "error: expression too complex for // +build lines",
        );
        let ok = vec!["a"; 101].join(",");
        assert!(Expr::parse(&format!("// +build {ok}")).is_ok());
        assert!(Expr::parse(&format!("// +build {ok} b")).is_err());
        assert!(Expr::parse(&format!("// +build {}", vec!["a"; 101].join(" "))).is_ok());
    }

    #[test]
    fn size_limit_and_deep_nesting() {
        let deep = format!("//go:build {}a{}", "(".repeat(999), ")".repeat(999));
        assert!(Expr::parse(&deep).is_ok());
        let deeper = format!("//go:build {}a{}", "(".repeat(1000), ")".repeat(1000));
        check(&deeper, &[], "error@999: build expression too large");
        let not_deep = format!("//go:build {}a{}", "!(".repeat(499), ")".repeat(499));
        let x = Expr::parse(&not_deep).unwrap_or_else(|e| panic!("{e}"));
        assert!(!x.eval(&mut |_| true));
        let long = format!("//go:build {}", vec!["a"; 1001].join(" || "));
        check(&long, &[], "error@4997: build expression too large");
        // Hostile input cannot overflow a small stack: parsing does not recurse, and the tree
        // depth (for eval, Display, Drop) is bounded by MAX_EXPR_SIZE.
        let nots = format!("//go:build {}a{}", "!(".repeat(999), ")".repeat(999));
        let ors = format!("//go:build {}", vec!["a"; 1000].join(" || "));
        let worst = format!("//go:build {}", "(".repeat(100_000));
        let res = std::thread::Builder::new()
            .stack_size(256 << 10)
            .spawn(move || {
                let summary = |x: Expr| (x.to_string().len(), x.eval(&mut |_| true));
                let nots = Expr::parse(&nots).map(summary);
                let ors = Expr::parse(&ors).map(summary);
                (nots, ors, Expr::parse(&worst).is_err())
            })
            .and_then(|t| t.join().map_err(|_| std::io::Error::other("panicked")));
        assert!(
            matches!(res, Ok((Ok((1000, false)), Ok((4996, true)), true))),
            "{res:?}"
        );
    }

    #[test]
    fn is_constraint_line() {
        assert!(is_go_build("//go:build x"));
        assert!(is_go_build("//go:build"));
        assert!(!is_go_build("// go:build x"));
        assert!(is_plus_build("// +build x"));
        assert!(!is_plus_build("// +build x\n\n"));
        assert!(is_valid_tag("go1.21"));
        assert!(!is_valid_tag(""));
        assert!(!is_valid_tag("a-b"));
    }
}
