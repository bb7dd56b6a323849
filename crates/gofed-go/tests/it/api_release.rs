//! What each Go release's cmd/api prints differently (`src/cmd/api/main_test.go` of Go
//! 1.21 to 1.27, `goapi.go` of Go 1.19): `//deprecated` lines and the two rules deciding
//! them, marks on aliases, type arguments of instantiated types. The expected
//! lines follow from reading those walkers and go/ast's `CommentGroup.Text`.

use gofed_go::api::{extract_package_for, render_goapi, Release};
use gofed_go::types::{MemorySource, Program, Sizes};

/// The goapi lines of package `p` as Go 1.`minor`'s cmd/api prints them.
fn api(minor: u32, packages: &[(&str, &[(&str, &str)])]) -> Vec<String> {
    let source = MemorySource::new(packages);
    let mut program = Program::new(&source, Sizes::for_arch("amd64"));
    let id = program.package("", "p").expect("package p");
    let pkg = extract_package_for(&mut program, id, Release::go(minor));
    assert!(pkg.errors.is_empty(), "check errors: {:?}", pkg.errors);
    render_goapi(std::slice::from_ref(&pkg))
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Package `p` of one file.
fn p(src: &'static str) -> Vec<(&'static str, &'static [(&'static str, &'static str)])> {
    vec![("p", Box::leak(Box::new([("p.go", src)])) as &[(&str, &str)])]
}

fn has(lines: &[String], line: &str) -> bool {
    lines.iter().any(|l| l == line)
}

fn deprecated(lines: &[String]) -> Vec<&str> {
    lines
        .iter()
        .filter(|l| l.ends_with("//deprecated"))
        .map(String::as_str)
        .collect()
}

const RULES: &str = r#"package p

// Line says it in its second line, inside the first paragraph.
// Deprecated: use Para.
func Line() {}

// Para says it in a paragraph of its own.
//
// Deprecated: use Other.
func Para() {}

// NoSpace has no space after the comment marker.
//
//Deprecated: no space.
func NoSpace() {}

// Colon ends the word with a newline.
//
// Deprecated:
// use Other.
func Colon() {}

// Glued has text right after the colon.
//
// Deprecated:x
func Glued() {}

/*Deprecated: in a block comment.*/
func Block() {}

// Trailing has only spaces after the colon.
//
// Deprecated:   
func Trailing() {}

// Not deprecated: lower case.
func Lower() {}
"#;

#[test]
fn go121_marks_comment_lines_starting_with_the_word() {
    let lines = api(21, &p(RULES));
    assert_eq!(
        deprecated(&lines),
        [
            "pkg p, func Colon //deprecated",
            "pkg p, func Glued //deprecated",
            "pkg p, func Line //deprecated",
            "pkg p, func Para //deprecated",
            "pkg p, func Trailing //deprecated",
        ]
    );
    // Go 1.26 decides as 1.21 does.
    assert_eq!(deprecated(&api(26, &p(RULES))), deprecated(&lines));
}

#[test]
fn go127_marks_paragraphs_of_the_doc_text() {
    let lines = api(27, &p(RULES));
    assert_eq!(
        deprecated(&lines),
        [
            "pkg p, func Block //deprecated",
            "pkg p, func Colon //deprecated",
            "pkg p, func NoSpace //deprecated",
            "pkg p, func Para //deprecated",
            "pkg p, func Trailing //deprecated",
        ]
    );
}

#[test]
fn go119_and_go120_print_no_deprecation() {
    for minor in [19, 20] {
        assert!(deprecated(&api(minor, &p(RULES))).is_empty());
    }
}

const ALIAS: &str = r#"package p

type T struct{}

// A is an alias.
//
// Deprecated: use T.
type A = T

// G is generic.
//
// Deprecated: use T.
type G[E any] struct{ F E }
"#;

#[test]
fn an_alias_is_deprecated_like_any_type() {
    // emitType writes `type NAME //deprecated` first, then handles aliases: the name alone,
    // without type parameters.
    for minor in [21, 22, 23, 27] {
        assert_eq!(
            deprecated(&api(minor, &p(ALIAS))),
            ["pkg p, type A //deprecated", "pkg p, type G //deprecated"],
            "Go 1.{minor}"
        );
    }
    // The generic type's own line keeps its type parameters; its field is not deprecated.
    let lines = api(27, &p(ALIAS));
    assert!(has(&lines, "pkg p, type A = T"));
    assert!(has(&lines, "pkg p, type G[$0 interface{}] struct, F $0"));
}

const GENERIC: &str = r#"package p

type Pair[K comparable, V any] struct {
	Key  K
	Next *Pair[V, K]
}

func NewPair[K comparable, V any](k K, v V) Pair[K, V] { return Pair[K, V]{} }

func (p Pair[K, V]) Swap() Pair[V, K] { return Pair[V, K]{} }

var Ints Pair[int, string]
"#;

#[test]
fn go123_prints_type_arguments_of_instances() {
    let old = api(22, &p(GENERIC));
    let new = api(23, &p(GENERIC));
    assert!(has(
        &old,
        "pkg p, func NewPair[$0 comparable, $1 interface{}]($0, $1) Pair"
    ));
    assert!(has(
        &new,
        "pkg p, func NewPair[$0 comparable, $1 interface{}]($0, $1) Pair[$0, $1]"
    ));
    assert!(has(&old, "pkg p, var Ints Pair"));
    assert!(has(&new, "pkg p, var Ints Pair[int, string]"));
    assert!(has(
        &new,
        "pkg p, type Pair[$0 comparable, $1 interface{}] struct, Next *Pair[$1, $0]"
    ));
    // The receiver is the generic type itself: its type parameters follow it, no arguments.
    assert!(has(
        &new,
        "pkg p, method (Pair[$0, $1]) Swap() Pair[$1, $0]"
    ));
    assert!(has(&old, "pkg p, method (Pair[$0, $1]) Swap() Pair"));
}

const GENERIC_ALIAS: &str = r#"package p

import "q"

type ID = int

type Pair[K comparable, V any] struct{ K K; V V }

// GA is a generic alias (Go 1.24).
type GA[T comparable] = Pair[T, ID]

// Chained: an alias of an instance of another generic alias, and of one of package q.
type Str[T any] = GA[string]
type Other[E any] = q.List[E]

var GV GA[string]
var SV Str[bool]
var OV Other[ID]

func Keys[T comparable](m GA[T]) []T { return nil }
"#;

const Q_LIST: (&str, &[(&str, &str)]) = ("q", &[("q.go", "package q\n\ntype List[E any] []E\n")]);

#[test]
fn generic_aliases_are_instantiated() {
    // Read from cmd/api 1.27 (emitType: `type NAME = TYPE` of the Alias, written Unalias'ed;
    // type parameters as `$index`) and checked against its goapi-release: an instance of
    // the alias is the aliased type with the arguments substituted.
    let mut packages = p(GENERIC_ALIAS);
    packages.push(Q_LIST);
    let lines = api(27, &packages);
    for want in [
        "pkg p, type GA = Pair[$0, int]",
        "pkg p, type Str = Pair[string, int]",
        "pkg p, type Other = q.List[$0]",
        "pkg p, var GV Pair[string, int]",
        "pkg p, var SV Pair[string, int]",
        "pkg p, var OV q.List[int]",
        "pkg p, func Keys[$0 comparable](Pair[$0, int]) []$0",
    ] {
        assert!(has(&lines, want), "missing {want:?} in {lines:#?}");
    }
}

#[test]
fn a_generic_alias_with_the_wrong_number_of_arguments_is_an_error() {
    let source = MemorySource::new(&[(
        "p",
        &[(
            "p.go",
            "package p\n\ntype A[K comparable, V any] = map[K]V\n\nvar X A[int]\nvar Y A[int, int, int]\n",
        )],
    )]);
    let mut program = Program::new(&source, Sizes::for_arch("amd64"));
    let id = program.package("", "p").expect("package p");
    let pkg = extract_package_for(&mut program, id, Release::go(27));
    let messages: Vec<&str> = pkg.errors.iter().map(String::as_str).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("not enough type arguments for type A: have 1, want 2")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("too many type arguments for type A: have 3, want 2")),
        "{messages:?}"
    );
}

const FIELDS: &str = r#"package p

import "q"

type E struct{}

// Old is the old way.
//
// Deprecated: use New.
func (E) Old() {}

func (*E) New() {}

type S struct {
	// Deprecated: embedded pointer.
	*E
	// Deprecated: a qualified embedded type is never marked.
	q.R
	// Deprecated: both names.
	A, B int
	C int // Deprecated: a line comment is no doc comment.
}

// U has S's fields.
type U S
"#;

const Q: (&str, &[(&str, &str)]) = (
    "q",
    &[(
        "q.go",
        "package q\n\ntype R struct{}\n\n// Deprecated: of another package.\nfunc (R) Gone() {}\n",
    )],
);

#[test]
fn fields_and_promoted_methods_carry_the_declarations_marks() {
    let mut packages = p(FIELDS);
    packages.push(Q);
    let lines = api(27, &packages);
    assert_eq!(
        deprecated(&lines),
        [
            "pkg p, method (E) Old //deprecated",
            "pkg p, method (S) Old //deprecated",
            "pkg p, method (U) Old //deprecated",
            "pkg p, type S struct, A //deprecated",
            "pkg p, type S struct, B //deprecated",
            "pkg p, type S struct, embedded *E //deprecated",
            "pkg p, type U struct, A //deprecated",
            "pkg p, type U struct, B //deprecated",
            "pkg p, type U struct, embedded *E //deprecated",
        ]
    );
}

const INTERFACES: &str = r#"package p

import "q"

type I interface {
	// Deprecated: use N.
	M()
	N()
}

// J embeds I: I's M is J's M.
type J interface {
	I
	O()
}

// K embeds an interface of another package.
type K interface {
	q.Old
}

type T struct{ J }
"#;

const QI: (&str, &[(&str, &str)]) = (
    "q",
    &[(
        "q.go",
        "package q\n\ntype Old interface {\n\t// Deprecated: elsewhere.\n\tGone()\n}\n",
    )],
);

#[test]
fn interface_methods_are_marked_where_declared() {
    let mut packages = p(INTERFACES);
    packages.push(QI);
    let lines = api(22, &packages);
    assert_eq!(
        deprecated(&lines),
        [
            "pkg p, method (T) M //deprecated",
            "pkg p, type I interface, M //deprecated",
            "pkg p, type J interface, M //deprecated",
        ]
    );
}

const GROUPS: &str = r#"package p

// Deprecated: the whole group.
const (
	A = 1
	B = 2
)

var (
	// Deprecated: one spec.
	X, Y int
	Z int
)

// Deprecated: the type.
type (
	T1 int
	T2 int
)
"#;

#[test]
fn a_group_doc_marks_every_spec_and_a_spec_doc_its_names() {
    let lines = api(24, &p(GROUPS));
    assert_eq!(
        deprecated(&lines),
        [
            "pkg p, const A //deprecated",
            "pkg p, const B //deprecated",
            "pkg p, type T1 //deprecated",
            "pkg p, type T2 //deprecated",
            "pkg p, var X //deprecated",
            "pkg p, var Y //deprecated",
        ]
    );
    // The feature lines themselves are those of the release without deprecation.
    let plain: Vec<String> = lines
        .iter()
        .filter(|l| !l.ends_with("//deprecated"))
        .cloned()
        .collect();
    assert_eq!(plain, api(20, &p(GROUPS)));
}

#[test]
fn json_features_say_deprecated() {
    let source = MemorySource::new(&p(GROUPS));
    let mut program = Program::new(&source, Sizes::for_arch("amd64"));
    let id = program.package("", "p").expect("package p");
    let pkg = extract_package_for(&mut program, id, Release::go(27));
    let json = serde_json::to_value(&pkg).expect("json");
    let features = json["features"].as_array().expect("features");
    let flag = |text: &str| {
        features
            .iter()
            .find(|f| f["text"] == text)
            .map(|f| f.get("deprecated").cloned())
    };
    assert_eq!(flag("const A = 1"), Some(Some(serde_json::json!(true))));
    assert_eq!(flag("var X int"), Some(Some(serde_json::json!(true))));
    assert_eq!(flag("var Z int"), Some(None));
}
