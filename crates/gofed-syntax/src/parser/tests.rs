//! Parser tests: one `check` function renders a file's declarations and errors.

use crate::ast::{Decl, Expr, ExprId, File, Spec};
use crate::parser::{parse_body, parse_file, parse_file_with, ParseMode, Parsed};
use crate::span::LineIndex;
use crate::token::TokenKind;

/// Renders declarations as `kind name` lines and errors as `line:col: message`.
pub(crate) fn render(src: &str, parsed: &Parsed) -> String {
    let src_b = src.as_bytes();
    let file = &parsed.file;
    let mut out = String::new();
    out.push_str(&format!("package {}\n", file.package_name.text(src_b)));
    for decl in &file.decls {
        match decl {
            Decl::Gen(gen) => {
                for spec in &gen.specs {
                    match spec {
                        Spec::Import(s) => {
                            let name = s
                                .name
                                .map_or(String::new(), |n| format!("{} ", n.text(src_b)));
                            out.push_str(&format!("import {name}{}\n", s.path.text(src_b)));
                        }
                        Spec::Value(s) => {
                            let kw = if gen.tok == TokenKind::Const {
                                "const"
                            } else {
                                "var"
                            };
                            let names: Vec<&str> = file
                                .ident_list(s.names)
                                .iter()
                                .map(|n| n.text(src_b))
                                .collect();
                            let ty = s
                                .ty
                                .map_or(String::new(), |t| format!(" {}", expr(file, src_b, t)));
                            let values: Vec<String> = file
                                .expr_list(s.values)
                                .iter()
                                .map(|&v| expr(file, src_b, v))
                                .collect();
                            let values = if values.is_empty() {
                                String::new()
                            } else {
                                format!(" = {}", values.join(", "))
                            };
                            out.push_str(&format!("{kw} {}{ty}{values}\n", names.join(", ")));
                        }
                        Spec::Type(s) => {
                            let tparams = s.type_params.map_or(String::new(), |tp| {
                                format!("[{}]", fields(file, src_b, tp))
                            });
                            let assign = if s.assign.is_some() { " =" } else { "" };
                            out.push_str(&format!(
                                "type {}{tparams}{assign} {}\n",
                                s.name.text(src_b),
                                expr(file, src_b, s.ty)
                            ));
                        }
                    }
                }
            }
            Decl::Func(f) => {
                let recv = f
                    .recv
                    .map_or(String::new(), |r| format!("({}) ", fields(file, src_b, r)));
                let tparams = f
                    .type_params
                    .map_or(String::new(), |tp| format!("[{}]", fields(file, src_b, tp)));
                let results = f
                    .results
                    .map_or(String::new(), |r| format!(" ({})", fields(file, src_b, r)));
                let body = f.body.map_or("", |_| " {...}");
                out.push_str(&format!(
                    "func {recv}{}{tparams}({}){results}{body}\n",
                    f.name.text(src_b),
                    fields(file, src_b, f.params)
                ));
            }
            Decl::Bad(_) => out.push_str("bad\n"),
        }
    }
    let lines = LineIndex::new(src_b);
    for e in &parsed.errors {
        let pos = lines.line_col(e.span.start);
        out.push_str(&format!(
            "error {}:{}: {}\n",
            pos.line,
            pos.col,
            e.message(src_b)
        ));
    }
    out
}

fn fields(file: &File, src: &[u8], list: crate::ast::FieldList) -> String {
    file.field_list(list)
        .iter()
        .map(|f| {
            let names: Vec<&str> = file
                .ident_list(f.names)
                .iter()
                .map(|n| n.text(src))
                .collect();
            let ty = expr(file, src, f.ty);
            if names.is_empty() {
                ty
            } else {
                format!("{} {ty}", names.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// An S-expression-like rendering that shows the tree's structure.
fn expr(file: &File, src: &[u8], id: ExprId) -> String {
    let e = |x: ExprId| expr(file, src, x);
    let list = |l: crate::ast::ExprList| {
        file.expr_list(l)
            .iter()
            .map(|&x| expr(file, src, x))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match file.expr(id) {
        Expr::Bad => "BAD".into(),
        Expr::Elided(n) => format!("<{n} elided>"),
        Expr::Ident | Expr::BasicLit(_) => file.expr_span(id).text(src).into(),
        Expr::CompositeLit { ty, elts } => {
            format!("{}{{{}}}", ty.map_or(String::new(), e), list(*elts))
        }
        Expr::FuncLit { ty, .. } => format!("{} {{...}}", e(*ty)),
        Expr::Paren(x) => format!("({})", e(*x)),
        Expr::Selector { x, sel } => format!("{}.{}", e(*x), sel.text(src)),
        Expr::Index { x, index } => format!("{}[{}]", e(*x), e(*index)),
        Expr::IndexList { x, indices } => format!("{}[{}]", e(*x), list(*indices)),
        Expr::Slice {
            x, low, high, max, ..
        } => format!(
            "{}[{}:{}{}]",
            e(*x),
            low.map_or(String::new(), e),
            high.map_or(String::new(), e),
            max.map_or(String::new(), |m| format!(":{}", e(m)))
        ),
        Expr::TypeAssert { x, ty } => format!("{}.({})", e(*x), ty.map_or("type".into(), e)),
        Expr::Call {
            fun,
            args,
            ellipsis,
        } => format!(
            "{}({}{})",
            e(*fun),
            list(*args),
            if ellipsis.is_some() { "..." } else { "" }
        ),
        Expr::Star(x) => format!("*{}", e(*x)),
        Expr::Unary { op, x } => format!("({}{})", op.as_str(), e(*x)),
        Expr::Binary { op, x, y } => format!("({} {} {})", e(*x), op.as_str(), e(*y)),
        Expr::KeyValue { key, value } => format!("{}: {}", e(*key), e(*value)),
        Expr::ArrayType { len, elem } => format!("[{}]{}", len.map_or(String::new(), e), e(*elem)),
        Expr::Ellipsis(x) => format!("...{}", x.map_or(String::new(), e)),
        Expr::StructType(f) => format!("struct{{{}}}", fields(file, src, *f)),
        Expr::FuncType {
            params, results, ..
        } => format!(
            "func({}){}",
            fields(file, src, *params),
            results.map_or(String::new(), |r| format!(" ({})", fields(file, src, r)))
        ),
        Expr::InterfaceType(f) => format!("interface{{{}}}", fields(file, src, *f)),
        Expr::MapType { key, value } => format!("map[{}]{}", e(*key), e(*value)),
        Expr::ChanType { dir, value } => match dir {
            crate::ast::ChanDir::Both => format!("chan {}", e(*value)),
            crate::ast::ChanDir::Send => format!("chan<- {}", e(*value)),
            crate::ast::ChanDir::Recv => format!("<-chan {}", e(*value)),
        },
    }
}

fn check(src: &str, expect: &str) {
    let parsed = parse_file(src.as_bytes());
    let got = render(src, &parsed);
    assert_eq!(
        got.trim_end(),
        expect.trim_end(),
        "\n--- source:\n{src}\n--- got:\n{got}"
    );
}

#[test]
fn package_and_imports() {
    check(
        r#"package p
import "fmt"
import (
	f "os"
	. "strings"
	_ "embed"
)
"#,
        r#"package p
import "fmt"
import f "os"
import . "strings"
import _ "embed""#,
    );
}

#[test]
fn const_groups_and_values() {
    check(
        "package p\nconst (\n\tA = iota * 2\n\tB\n\tC, D int = 1 << 3, 'x'\n)\n",
        "package p\nconst A = (iota * 2)\nconst B\nconst C, D int = (1 << 3), 'x'",
    );
}

#[test]
fn generic_types_and_aliases() {
    check(
        "package p
type List[T any] struct{ next *List[T]; val T }
type Pair[K comparable, V any] = map[K]V
type A [N]int
type B [N * 2]int
type C[P *Q] struct{}
type D[P *Q,] struct{}
type E[P ~int | ~string] []P
type F = G
type H[T interface{ ~[]byte | string }] T
",
        "package p
type List[T any] struct{next *List[T]; val T}
type Pair[K comparable; V any] = map[K]V
type A [N]int
type B [(N * 2)]int
type C [(P * Q)]struct{}
type D[P *Q] struct{}
type E[P ((~int) | (~string))] []P
type F = G
type H[T interface{((~[]byte) | string)}] T",
    );
}

#[test]
fn funcs_methods_and_bodies() {
    check(
        "package p
func F(a, b int, c ...string) (n int, err error) { if x { return } }
func (r *T[K]) M() {}
func (T) G[U any](u U) U { return u }
func external(int) bool
var f = func() { { } }
",
        "package p
func F(a, b int; c ...string) (n int; err error) {...}
func (r *T[K]) M() {...}
func (T) G[U any](u U) (U) {...}
func external(int) (bool)
var f = func() {...}",
    );
}

#[test]
fn expressions() {
    check(
        "package p
var x = a.b[c:d:e](f...)
var y = []int{1, 2: 3}
var z = (<-chan <-chan int)(nil)
var y2 = <-chan <-chan int(nil)
var w = T[int, string]{}
var v, u = m[k], s.(T)
var t = struct{ a int }{a: 1}
",
        "package p
var x = a.b[c:d:e](f...)
var y = []int{1, 2: 3}
var z = (<-chan <-chan int)(nil)
var y2 = (<-chan<- chan int(nil))
var w = T[int, string]{}
var v, u = m[k], s.(T)
var t = struct{a int}{a: 1}",
    );
}

#[test]
fn interfaces() {
    check(
        "package p
type I interface {
	M(int) error
	fmt.Stringer
	~int | ~int8
	E[int]
}
",
        "package p
type I interface{M func(int) (error); fmt.Stringer; ((~int) | (~int8)); E[int]}",
    );
}

#[test]
fn syntax_errors_are_positioned_like_go_parser() {
    check(
        "package p\nfunc f(\n",
        "package p\nfunc f()\nerror 2:9: expected ')', found 'EOF'",
    );
    check(
        "package p\nvar x = \n",
        "package p\nvar x = BAD\nerror 2:10: expected operand, found 'EOF'",
    );
    check(
        "packag p\n",
        "package p\nerror 1:1: expected 'package', found packag",
    );
    check(
        "package p\nx := 1\n",
        "package p\nbad\nerror 2:1: expected declaration, found x",
    );
    check(
        "package p\nfunc f() {}\nimport \"fmt\"\n",
        "package p\nfunc f() {...}\nimport \"fmt\"\nerror 3:1: imports must appear before other declarations",
    );
}

#[test]
fn recovery_keeps_later_declarations() {
    check(
        "package p\nvar a = )\nfunc g() {}\ntype T int\n",
        // As go/parser: recovery skips to the next statement keyword, which loses `func g`.
        "package p\nvar a = BAD\ntype T int\nerror 2:9: expected operand, found ')'\nerror 4:1: expected ';', found 'type'",
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let depth = 100_001;
    let src = format!(
        "package p\nvar x = {}1{}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let parsed = parse_file(src.as_bytes());
    assert!(parsed
        .errors
        .iter()
        .any(|e| e.message(src.as_bytes()) == "exceeded max nesting depth"));
    let src = format!("package p\ntype T {}int\n", "*".repeat(depth));
    let parsed = parse_file(src.as_bytes());
    assert!(parsed
        .errors
        .iter()
        .any(|e| e.message(src.as_bytes()) == "exceeded max nesting depth"));
    let ok = format!(
        "package p\nvar x = {}1{}\n",
        "(".repeat(10_000),
        ")".repeat(10_000)
    );
    assert!(parse_file(ok.as_bytes()).is_ok());
}

#[test]
fn unterminated_body_is_an_error() {
    check(
        "package p\nfunc f() { {}",
        "package p\nfunc f() {...}\nerror 2:14: expected '}', found 'EOF'",
    );
    check("package p\nfunc f() {}", "package p\nfunc f() {...}");
}

#[test]
fn missing_commas_use_go_parser_words() {
    check(
        "package p\nvar x = f(a\nb)\n",
        "package p\nvar x = f(a, b)\nerror 2:12: missing ',' before newline in argument list",
    );
    check(
        "package p\nvar x = []int{1 2}\n",
        // As go/parser, the token after the missing comma is consumed.
        "package p\nvar x = []int{1}\nerror 2:17: missing ',' in composite literal",
    );
}

#[test]
fn declarations_mode_drops_literal_elements_but_not_their_errors() {
    let src = r#"package p

var a = []int{1, 2, 3}
var b = [...]string{2: "x", "y", "w", 7: "z", "v"}
var c = map[string]func(){"k": func() { return }, "l": nil}
var d = T{f(1), {2, 3}}.M()
var e = [...]int{}
"#;
    let parsed = parse_file_with(src.as_bytes(), ParseMode::Declarations);
    assert_eq!(
        render(src, &parsed).trim_end(),
        r#"package p
var a = []int{<3 elided>}
var b = [...]string{2: "x", <2 elided>, 7: "z", <1 elided>}
var c = map[string]func(){<2 elided>}
var d = T{<2 elided>}.M()
var e = [...]int{}"#
    );
    // The dropped nodes are gone from the arenas: only the kept ones remain.
    let full = parse_file(src.as_bytes());
    assert!(parsed.file.exprs.len() < full.file.exprs.len());
    assert_eq!(parsed.file.exprs.len(), parsed.file.expr_spans.len());
    // Errors inside dropped elements are reported as in the full parse, at the same places.
    for bad in [
        "package p\n\nvar a = []int{1, 2 3}\n",
        "package p\n\nvar a = []T{{1, }, {2 3}, func() {}\n",
        "package p\n\nvar a = [...]T{1: {x: }, 2: [}\nfunc F() {}\n",
    ] {
        let full = parse_file(bad.as_bytes());
        let declarations = parse_file_with(bad.as_bytes(), ParseMode::Declarations);
        assert!(!full.errors.is_empty(), "{bad}");
        assert_eq!(full.errors, declarations.errors, "{bad}");
    }
}

/// The go/ast nodes of every function declaration's body, as `Kind@offset` lines.
fn body_nodes(file: &File) -> Vec<String> {
    let mut out = Vec::new();
    for decl in &file.decls {
        if let Decl::Func(func) = decl {
            let Some(block) = func.block else { continue };
            crate::ast::walk::go_ast_nodes(file, block, &mut |kind, pos| {
                out.push(format!("{kind}@{pos}"));
            });
        }
    }
    out
}

#[test]
fn bodies_parse_into_statements_in_go_ast_order() {
    let src = "package p\n\nfunc f(c chan int) {\n\tfor k, v := range c {\n\t\tc <- k + v\n\t}\nL:\n\tselect {\n\tcase x := <-c:\n\t\tgoto L\n\t}\n}\n";
    let parsed = parse_file_with(src.as_bytes(), ParseMode::Bodies);
    assert!(parsed.is_ok(), "{:?}", parsed.errors);
    let nodes = body_nodes(&parsed.file).join(" ");
    // Positions as go/ast's Pos(): a range statement at `for`, an assignment at its first
    // operand, a comm clause at `case`.
    assert_eq!(
        nodes,
        "BlockStmt@30 RangeStmt@33 Ident@37 Ident@40 Ident@51 BlockStmt@53 SendStmt@57 Ident@57 \
         BinaryExpr@62 Ident@62 Ident@66 LabeledStmt@71 Ident@71 SelectStmt@75 BlockStmt@82 \
         CommClause@85 AssignStmt@90 Ident@90 UnaryExpr@95 Ident@97 BranchStmt@102 Ident@107"
    );
    // Bodies skipped: the same declarations, no statements.
    let skipped = parse_file(src.as_bytes());
    assert!(skipped.file.stmts.is_empty());
    assert_eq!(skipped.file.decls.len(), parsed.file.decls.len());
}

#[test]
fn a_control_clause_ends_at_the_brace_after_a_name() {
    // `T {` in a header opens the block (go/parser's exprLev < 0); inside parentheses it is a
    // composite literal.
    let ok = "package p\nfunc f() {\n\tif x == (T{}) {\n\t}\n\tfor _, v := range []T{{1}} {\n\t\t_ = v\n\t}\n}\n";
    assert!(parse_file_with(ok.as_bytes(), ParseMode::Bodies).is_ok());
    let bad = "package p\nfunc f() {\n\tif x := T{} {\n\t}\n}\n";
    let parsed = parse_file_with(bad.as_bytes(), ParseMode::Bodies);
    let msgs: Vec<String> = parsed
        .errors
        .iter()
        .map(|e| e.message(bad.as_bytes()))
        .collect();
    assert_eq!(
        msgs.first().map(String::as_str),
        Some("expected boolean expression, found assignment (missing parentheses around composite literal?)")
    );
    // The same file with bodies skipped is accepted: the error is inside a body.
    assert!(parse_file(bad.as_bytes()).is_ok());
}

#[test]
fn a_body_parsed_alone_equals_the_same_body_parsed_with_its_file() {
    let src = "package p\n\nimport \"fmt\"\n\nfunc (t *T) M(x int) error {\n\tswitch y := x.(type) {\n\tcase int:\n\t\tdefer func() { fmt.Println(y) }()\n\t}\n\treturn nil\n}\n\nfunc g() { h(func() {}) }\n";
    let skipped = parse_file(src.as_bytes());
    let full = parse_file_with(src.as_bytes(), ParseMode::Bodies);
    let full_nodes = body_nodes(&full.file);
    let mut alone_nodes = Vec::new();
    for decl in &skipped.file.decls {
        let Decl::Func(func) = decl else { continue };
        let body = func.body.expect("both functions have bodies");
        let alone = parse_body(src.as_bytes(), body.start);
        assert!(alone.errors.is_empty(), "{:?}", alone.errors);
        assert_eq!(alone.block.span, body);
        crate::ast::walk::go_ast_nodes(&alone.file, alone.block, &mut |kind, pos| {
            alone_nodes.push(format!("{kind}@{pos}"));
        });
    }
    assert_eq!(alone_nodes, full_nodes);
}

#[test]
fn a_body_offset_that_is_no_body_is_an_error_not_a_panic() {
    let src = b"package p\nfunc f() { x := }\n";
    for offset in [0, 5, 19, 20, 1000, u32::MAX] {
        let parsed = parse_body(src, offset);
        assert!(!parsed.errors.is_empty(), "offset {offset}");
    }
    // Unbalanced: the body runs to the end of the input.
    let parsed = parse_body(b"package p\nfunc f() { if x { ", 19);
    assert!(!parsed.errors.is_empty());
}

#[test]
fn deeply_nested_blocks_are_an_error_not_a_crash() {
    let depth = 100_001;
    let src = format!(
        "package p\nfunc f() {{\n{}{}\n}}\n",
        "{".repeat(depth),
        "}".repeat(depth)
    );
    let parsed = parse_file_with(src.as_bytes(), ParseMode::Bodies);
    assert!(parsed
        .errors
        .iter()
        .any(|e| e.message(src.as_bytes()) == "exceeded max nesting depth"));
    let ok = format!(
        "package p\nfunc f() {{\n{}{}\n}}\n",
        "{".repeat(5_000),
        "}".repeat(5_000)
    );
    let parsed = parse_file_with(ok.as_bytes(), ParseMode::Bodies);
    assert!(parsed.is_ok());
    assert!(body_nodes(&parsed.file).len() > 5_000);
}
