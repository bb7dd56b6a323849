//! Table tests: each expected output or error is what `go list -e -f TEMPLATE` (Go 1.27.3)
//! printed for a package named `deep` with `GoFiles` `[deep.go]` and no error.

use serde_json::json;

use crate::template::{execute, StructTy, Template, Ty};

static PACKAGE: StructTy = StructTy {
    name: "load.PackagePublic",
    fields: &[
        ("Name", Ty::String),
        ("GoFiles", Ty::Slice(&Ty::String)),
        ("Incomplete", Ty::Bool),
        ("Error", Ty::Ptr(&PACKAGE_ERROR)),
        ("ImportMap", Ty::Map(&Ty::String)),
    ],
    not_computed: &["Deps"],
    display: None,
};

static PACKAGE_ERROR: StructTy = StructTy {
    name: "load.PackageError",
    fields: &[("Err", Ty::String)],
    not_computed: &[],
    display: Some(|obj| {
        obj.get("Err")
            .and_then(|e| e.as_str())
            .unwrap_or_default()
            .to_owned()
    }),
};

/// The template's output, or its error.
fn run(tmpl: &str) -> String {
    // omitempty: Incomplete, Error and ImportMap are absent.
    let data = json!({"Name": "deep", "GoFiles": ["deep.go"]});
    let tmpl = match Template::parse("main", tmpl) {
        Ok(tmpl) => tmpl,
        Err(err) => return err.to_string(),
    };
    let mut out = String::new();
    match execute(&tmpl, &data, Ty::Ptr(&PACKAGE), &mut out) {
        Ok(()) => out,
        Err(err) => format!("{out}{err}"),
    }
}

fn check(cases: &[(&str, &str)]) {
    for (tmpl, expected) in cases {
        assert_eq!(run(tmpl), *expected, "template {tmpl}");
    }
}

#[test]
fn text_comments_and_trim_markers() {
    check(&[
        ("{{/* comment */}}a  {{- /* trimmed */ -}}  b", "ab"),
        ("x {{- 3 -}} y {{-3}} z", "x3y -3 z"),
        ("{{.Name}}\n", "deep\n"),
    ]);
}

#[test]
fn variables_control_and_pipelines() {
    check(&[
        ("{{$x := 1}}{{$x = 2}}{{$x}}", "2"),
        (
            "{{with $y := \"v\"}}{{$y}}{{.}}{{end}} {{with \"\"}}no{{else with \"w\"}}{{.}}{{end}}",
            "vv w",
        ),
        ("{{if 0}}a{{else if \"\"}}b{{else}}c{{end}}", "c"),
        (
            "{{range $i, $e := .GoFiles}}{{$i}}{{$e}}{{continue}}x{{end}}",
            "0deep.go",
        ),
        (
            "{{\"a\" | printf \"%s-%s\" \"b\"}} {{1 | printf \"%d%d\" 2}} {{(printf \"%s\" \"p\") | len}}",
            "b-a 21 1",
        ),
        // Omitted fields have their Go zero values.
        ("{{.Incomplete}} {{.Error}} {{.ImportMap}} {{len .ImportMap}}", "false <nil> map[] 0"),
        ("{{range .ImportMap}}x{{else}}empty{{end}}", "empty"),
    ]);
}

#[test]
fn literals_and_functions() {
    check(&[
        (
            "{{printf \"%q %v %s\" `raw\\n` 'x' \"\\u00e9\\t\"}} {{0x1F}} {{1_000}} {{0o17}} {{0b101}} {{1e3}} {{.5}} {{-2.5e-7}} {{100000000.0}}",
            "\"raw\\\\n\" 120 é\t 31 1000 15 5 1000 0.5 -2.5e-07 1e+08",
        ),
        (
            "{{eq 1 2 3 1}} {{eq \"a\" \"b\"}} {{lt \"a\" \"b\"}} {{gt 2.5 1.5}}",
            "true false true true",
        ),
        (
            "{{index \"abc\" 1}} {{len \"héllo\"}} {{print}} {{print nil}} {{println 1 \"a\" 2}}",
            "98 6  <nil> 1 a 2\n",
        ),
        (
            "{{printf \"%6.2f|%-8q|%08.3f|%x|% d|%+.1e\" 3.14159 \"hi\" -3.14159 \"hi\" 5 12345.0}}",
            "  3.14|\"hi\"    |-003.142|6869| 5|+1.2e+04",
        ),
        (
            "{{printf \"%5t|%-5t|%3c|%-4d|%s\" true false 'z' 7 .GoFiles}}",
            " true|false|  z|7   |[deep.go]",
        ),
    ]);
}

#[test]
fn maps_range_in_key_order() {
    let data = json!({"ImportMap": {"b": "vendor/b", "a": "vendor/a"}});
    let tmpl = Template::parse("main", "{{range $k, $v := .ImportMap}}{{$k}}={{$v}} {{end}}{{.ImportMap.a}}|{{.ImportMap.zz}}|{{index .ImportMap \"zz\"}}").unwrap();
    let mut out = String::new();
    execute(&tmpl, &data, Ty::Ptr(&PACKAGE), &mut out).unwrap();
    // A missing key is no value (`<no value>`), except through index (the zero value).
    assert_eq!(out, "a=vendor/a b=vendor/b vendor/a|<no value>|");
}

#[test]
fn parse_errors_as_go() {
    check(&[
        (
            "{{/* x */ .Name}}",
            "template: main:1: comment ends before closing delimiter",
        ),
        ("{{break}}", "template: main:1: {{break}} outside {{range}}"),
        (
            "{{range .GoFiles}}{{else}}{{else}}{{end}}",
            "template: main:1: expected end; found {{else}}",
        ),
        ("{{$z}}", "template: main:1: undefined variable \"$z\""),
        (
            "{{.Name | \"x\"}}",
            "template: main:1: non executable command in pipeline stage 2",
        ),
        ("{{)}}", "template: main:1: unexpected right paren"),
        ("{{(1}}", "template: main:1: unclosed left paren"),
        ("{{\"abc}}", "template: main:1: unterminated quoted string"),
        ("{{.Name!}}", "template: main:1: bad character U+0021 '!'"),
        (
            "{{ .Name -}}{{ }}",
            "template: main:1: missing value for command",
        ),
        ("a\nb\n{{if}}", "template: main:3: missing value for if"),
    ]);
}

#[test]
fn execution_errors_as_go() {
    check(&[
        (
            "{{.Name.X}}",
            "template: main:1:7: executing \"main\" at <.Name.X>: can't evaluate field X in type string",
        ),
        (
            "{{(.Name).Foo}}",
            "template: main:1:3: executing \"main\" at <.Name>: can't evaluate field Foo in type string",
        ),
        (
            "{{printf}}",
            "template: main:1:2: executing \"main\" at <printf>: wrong number of args for printf: want at least 1 got 0",
        ),
        (
            "{{not}}",
            "template: main:1:2: executing \"main\" at <not>: wrong number of args for not: want 1 got 0",
        ),
        (
            "{{eq 1 \"a\"}}",
            "template: main:1:2: executing \"main\" at <eq 1 \"a\">: error calling eq: incompatible types for comparison: int and string",
        ),
        (
            "{{lt true false}}",
            "template: main:1:2: executing \"main\" at <lt true false>: error calling lt: invalid type for comparison",
        ),
        (
            "{{index .GoFiles 5}}",
            "template: main:1:2: executing \"main\" at <index .GoFiles 5>: error calling index: index out of range: 5",
        ),
        (
            "{{index .GoFiles \"a\"}}",
            "template: main:1:2: executing \"main\" at <index .GoFiles \"a\">: error calling index: cannot index slice/array with type string",
        ),
        (
            "{{range .Name}}{{end}}",
            "template: main:1:8: executing \"main\" at <.Name>: range can't iterate over deep",
        ),
        (
            "{{range $i, $e := 3}}{{end}}",
            "template: main:1:18: executing \"main\" at <3>: can't use 3 to iterate over more than one variable",
        ),
        (
            "{{.Name 1}}",
            "template: main:1:2: executing \"main\" at <.Name>: Name has arguments but cannot be invoked as function",
        ),
        (
            "{{nil}}",
            "template: main:1:2: executing \"main\" at <nil>: nil is not a command",
        ),
        (
            "{{\"a\" .Name}}",
            "template: main:1:2: executing \"main\" at <\"a\">: can't give argument to non-function \"a\"",
        ),
        (
            "{{.Error.Foo}}",
            "template: main:1:8: executing \"main\" at <.Error.Foo>: can't evaluate field Foo in type *load.PackageError",
        ),
        (
            "{{len .Error}}",
            "template: main:1:2: executing \"main\" at <len .Error>: error calling len: len of nil pointer",
        ),
        (
            "{{join .GoFiles 1}}",
            "template: main:1:16: executing \"main\" at <1>: expected string; found 1",
        ),
        // Output written before the error stays.
        (
            "{{.Name}}\n{{.Error.Err}}",
            "deep\ntemplate: main:2:8: executing \"main\" at <.Error.Err>: nil pointer evaluating *load.PackageError.Err",
        ),
    ]);
}

#[test]
fn what_gofed_does_not_support_is_an_error_that_says_so() {
    check(&[
        (
            "{{define \"x\"}}{{end}}",
            "template: main:1: {{define}} is not supported by gofed",
        ),
        (
            "{{template \"x\"}}",
            "template: main:1: {{template}} is not supported by gofed",
        ),
        (
            "{{context}}",
            "template: main:1: function \"context\" not supported by gofed",
        ),
        (
            "{{.Deps}}",
            "template: main:1:2: executing \"main\" at <.Deps>: can't evaluate field Deps in type *load.PackagePublic: gofed does not compute this field of go list",
        ),
    ]);
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    let n = 5000;
    let ifs = format!("{}x{}", "{{if 1}}".repeat(n), "{{end}}".repeat(n));
    assert_eq!(run(&ifs), "x");
    let parens = format!("{{{{{}.Name{}}}}}", "(".repeat(n), ")".repeat(n));
    assert_eq!(run(&parens), "deep");
    // Go's limit on parentheses.
    let n = 10_001;
    let parens = format!("{{{{{}.Name{}}}}}", "(".repeat(n), ")".repeat(n));
    assert_eq!(
        run(&parens),
        "template: main:1: max expression depth exceeded"
    );
}
