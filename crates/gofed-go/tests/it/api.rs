//! The API engine on in-memory packages: cmd/api lines (expectations taken from Go's
//! cmd/api walker via the `goapi` oracle) and hostile declarations that must not panic or
//! hang.

use gofed_go::api::{extract_package, render_goapi};
use gofed_go::constant::StringStyle;
use gofed_go::types::{MemorySource, Program, Sizes};

/// The goapi lines of package `p` and the check errors (as `error: ...` lines).
fn api(packages: &[(&str, &[(&str, &str)])]) -> String {
    let source = MemorySource::new(packages);
    let mut program = Program::new(&source, Sizes::for_arch("amd64"));
    let id = program.package("", "p").expect("package p");
    let pkg = extract_package(&mut program, id, StringStyle::Current);
    let mut out = render_goapi(std::slice::from_ref(&pkg));
    for err in &pkg.errors {
        out.push_str(&format!(
            "error: {}\n",
            err.split_once(": ").map_or(err.as_str(), |(_, m)| m)
        ));
    }
    out
}

fn check(packages: &[(&str, &[(&str, &str)])], expect: &str) {
    let got = api(packages);
    assert_eq!(got.trim_end(), expect.trim_end(), "\n--- got:\n{got}");
}

const Q: (&str, &[(&str, &str)]) = (
    "q",
    &[(
        "q.go",
        r#"package q

type Reader interface{ Read(p []byte) (n int, err error) }
type Builder struct{ buf []byte }
func (b *Builder) Len() int { return 0 }
func (b *Builder) WriteString(s string) (int, error) { return 0, nil }
func Pipe() (*PR, *PW) { return nil, nil }
type PR struct{}
type PW struct{}
func New(s string) error { return nil }
"#,
    )],
);

#[test]
fn constants_have_go_constant_values() {
    check(
        &[(
            "p",
            &[(
                "p.go",
                r#"package p

const (
	A = iota * 10
	B
	C, D int8 = 1 << 6, -1 << 7
)

const Pi = 3.14159265358979323846264338327950288419716939937510582097494459
const Big = 1 << 100
const Str = "hello" + ", world"
const Rune = 'x'
const Typed Kind = 3
const Neg = -Typed
const F32 float32 = 0.1
const Mask = ^uint8(0x0f)

type Kind int
"#,
            )],
        )],
        r#"pkg p, const A = 0
pkg p, const A ideal-int
pkg p, const B = 10
pkg p, const B ideal-int
pkg p, const Big = 1267650600228229401496703205376
pkg p, const Big ideal-int
pkg p, const C = 64
pkg p, const C int8
pkg p, const D = -128
pkg p, const D int8
pkg p, const F32 = 0.1  // 13421773/134217728
pkg p, const F32 float32
pkg p, const Mask = 240
pkg p, const Mask uint8
pkg p, const Neg = -3
pkg p, const Neg Kind
pkg p, const Pi = 3.14159  // 314159265358979323846264338327950288419716939937510582097494459/100000000000000000000000000000000000000000000000000000000000000
pkg p, const Pi ideal-float
pkg p, const Rune = 120
pkg p, const Rune ideal-char
pkg p, const Str = "hello, world"
pkg p, const Str ideal-string
pkg p, const Typed = 3
pkg p, const Typed Kind
pkg p, type Kind int"#,
    );
}

#[test]
fn variables_get_their_initialisers_types() {
    check(
        &[
            (
                "p",
                &[(
                    "p.go",
                    r#"package p

import "q"

var ErrX = q.New("x")
var R, W = q.Pipe()
var M = map[string][]int{}
var P = &T{}
var Arr = [...]string{2: "a", "b"}
var Fn = func(int) bool { return true }
var L = len(Arr)
var Conv = Kind(7)
var Sel = P.Inner
var N = P.Len()
var Ok, Found = M["x"]
var Elem = M["x"][0]
var Slice = Arr[1:]

type Kind int
type T struct {
	*q.Builder
	Inner Kind
}
"#,
                )],
            ),
            Q,
        ],
        r#"pkg p, method (T) Len() int
pkg p, method (T) WriteString(string) (int, error)
pkg p, type Kind int
pkg p, type T struct
pkg p, type T struct, Inner Kind
pkg p, type T struct, embedded *q.Builder
pkg p, var Arr [4]string
pkg p, var Conv Kind
pkg p, var Elem int
pkg p, var ErrX error
pkg p, var Fn func(int) bool
pkg p, var Found bool
pkg p, var L int
pkg p, var M map[string][]int
pkg p, var N int
pkg p, var Ok []int
pkg p, var P *T
pkg p, var R *q.PR
pkg p, var Sel Kind
pkg p, var Slice []string
pkg p, var W *q.PW"#,
    );
}

#[test]
fn method_sets_interfaces_and_generics() {
    check(
        &[
            (
                "p",
                &[(
                    "p.go",
                    r#"package p

import "q"

type Base struct{ X int }

func (Base) Hello() string { return "" }
func (*Base) Ptr()         {}

type T struct{ Base }

type I interface {
	q.Reader
	Close() error
	private()
}

type J interface {
	q.Reader
	M(x ...int) (n int, err error)
}

type Number interface{ ~int | ~float64 }

type List[E any] struct{ next *List[E] }

func (l *List[E]) Push(v E) *List[E] { return l }

func Map[S ~[]E, E any, R comparable](s S, f func(E) R) []R { return nil }

type Alias = Base
"#,
                )],
            ),
            Q,
        ],
        r#"pkg p, func Map[$0 interface{ ~[]$1 }, $1 interface{}, $2 comparable]($0, func($1) $2) []$2
pkg p, method (*Base) Ptr()
pkg p, method (*List[$0]) Push($0) *List
pkg p, method (*T) Ptr()
pkg p, method (Base) Hello() string
pkg p, method (T) Hello() string
pkg p, type Alias = Base
pkg p, type Base struct
pkg p, type Base struct, X int
pkg p, type I interface, Close() error
pkg p, type I interface, Read([]uint8) (int, error)
pkg p, type I interface, unexported methods
pkg p, type J interface { M, Read }
pkg p, type J interface, M(...int) (int, error)
pkg p, type J interface, Read([]uint8) (int, error)
pkg p, type List[$0 interface{}] struct
pkg p, type Number interface {}
pkg p, type T struct
pkg p, type T struct, embedded Base"#,
    );
}

#[test]
fn hostile_declarations_give_errors_and_the_rest_of_the_api() {
    let got = api(&[(
        "p",
        &[(
            "p.go",
            r#"package p

type T [len(T{})]int
type A B
type B A
const Overflow int8 = 1000
const DivZero = 1 / 0
const Huge = 1 << 100000000
const Self = Self + 1
var X = Y
var Y = X
const Unknown = undefinedName
var Missing = q.Nothing

const Fine = 42
func Good() int { return 0 }
"#,
        )],
    )]);
    // The good declarations are still there.
    assert!(got.contains("pkg p, const Fine = 42\n"), "{got}");
    assert!(got.contains("pkg p, func Good() int\n"), "{got}");
    // Each bad one is reported, none brings the checker down.
    for needle in [
        "invalid recursive type",
        "overflows",
        "division by zero",
        "shift",
        "cycle",
        "undefined",
    ] {
        assert!(
            got.contains(needle),
            "no error mentioning {needle:?} in\n{got}"
        );
    }
}

#[test]
fn deep_type_nesting_terminates() {
    let mut src = String::from("package p\n\ntype T ");
    for _ in 0..5_000 {
        src.push_str("[]");
    }
    src.push_str("int\n");
    let got = api(&[("p", &[("p.go", src.as_str())])]);
    assert!(
        got.starts_with("pkg p, type T [][][]"),
        "{}",
        &got[..got.len().min(200)]
    );
}
