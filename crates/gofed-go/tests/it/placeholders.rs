//! Imports that resolve nowhere: what the source says of them (the import path and the names
//! used) is kept as placeholder types, printed as cmd/api prints a type of that package and
//! compared by that identity.

use gofed_go::api::{extract_package, render_goapi};
use gofed_go::apidiff::changes;
use gofed_go::constant::StringStyle;
use gofed_go::types::{MemorySource, ObjKind, Program, Sizes, Type};

const P: &str = r#"package p

import (
	"example.com/gone/v2"
	yaml "gopkg.in/yaml.v3"
	"github.com/mattn/go-sqlite3"
)

func F(gone.T, *yaml.Node) gone.T { var t gone.T; return t }

var DB sqlite3.Conn
"#;

fn api_of(src: &str) -> String {
    let source = MemorySource::new(&[("p", &[("p.go", src)])]);
    let mut program = Program::new(&source, Sizes::for_arch("amd64"));
    let id = program.package("", "p").expect("package p");
    let pkg = extract_package(&mut program, id, StringStyle::Current);
    assert_eq!(pkg.errors, Vec::<String>::new());
    render_goapi(std::slice::from_ref(&pkg))
}

#[test]
fn placeholders_print_with_the_name_the_path_suggests() {
    let api = api_of(P);
    assert!(
        api.contains("pkg p, func F(gone.T, *yaml.Node) gone.T\n"),
        "{api}"
    );
    assert!(api.contains("pkg p, var DB sqlite3.Conn\n"), "{api}");
}

#[test]
fn one_placeholder_per_path_and_name() {
    let source = MemorySource::new(&[("p", &[("p.go", P)])]);
    let mut program = Program::new(&source, Sizes::for_arch("amd64"));
    let id = program.package("", "p").expect("package p");
    let db = program.pkg(id).scope["DB"];
    let _ = program.object(db);
    let f = program.pkg(id).scope["F"];
    let ObjKind::Func { sig } = program.object(f).kind else {
        panic!("F is a function");
    };
    let Type::Signature(sig) = program.ty(sig).clone() else {
        panic!("a signature");
    };
    // The parameter and the result name the same type: one identity.
    assert_eq!(sig.params[0], sig.results[0]);
    assert!(program.is_placeholder(sig.params[0]));
    let mut unresolved = program.unresolved_imports.clone();
    unresolved.sort();
    unresolved.dedup();
    assert_eq!(
        unresolved,
        [
            ("p".to_owned(), "example.com/gone/v2".to_owned()),
            ("p".to_owned(), "github.com/mattn/go-sqlite3".to_owned()),
            ("p".to_owned(), "gopkg.in/yaml.v3".to_owned()),
        ]
    );
}

#[test]
fn apidiff_compares_placeholders_by_path_and_name() {
    let diff = |old: &str, new: &str| {
        let (a, b) = (
            MemorySource::new(&[("p", &[("p.go", old)])]),
            MemorySource::new(&[("p", &[("p.go", new)])]),
        );
        let mut pa = Program::new(&a, Sizes::for_arch("amd64"));
        let mut pb = Program::new(&b, Sizes::for_arch("amd64"));
        let (ia, ib) = (pa.package("", "p").unwrap(), pb.package("", "p").unwrap());
        changes(&mut pa, ia, &mut pb, ib)
    };
    assert_eq!(diff(P, P).changes, []);
    // Another name of the same missing package: a change.
    let renamed = P.replace("gone.T, *yaml", "gone.U, *yaml");
    let report = diff(P, &renamed);
    assert!(report.has_incompatible(), "{report:?}");
}

/// `import "C"` is cgo's, not an unresolved import: as with go/types' FakeImportC (which
/// cmd/api uses), `C.x` has an unknown (invalid) type, with no error and no warning.
#[test]
fn cgo_names_are_unknown_not_undefined() {
    let src = "package p\n\n// #include <stdlib.h>\nimport \"C\"\n\nfunc F(n C.int) C.size_t { return 0 }\n";
    let source = MemorySource::new(&[("p", &[("p.go", src)])]);
    let mut program = Program::new(&source, Sizes::for_arch("amd64"));
    let id = program.package("", "p").expect("package p");
    let pkg = extract_package(&mut program, id, StringStyle::Current);
    assert_eq!(pkg.errors, Vec::<String>::new());
    let api = render_goapi(std::slice::from_ref(&pkg));
    assert_eq!(api, "pkg p, func F(invalid type) invalid type\n");
    assert!(
        program.unresolved_imports.is_empty(),
        "{:?}",
        program.unresolved_imports
    );
}
