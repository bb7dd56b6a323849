//! `gofed packages` with the go command's habits: `--format json` as `go list -e -json`'s
//! stream, `-f` templates as `go list -e -f`, package patterns, SOURCE defaulting to `.`.
//! Expected outputs were produced by `go list -e` (Go 1.27.3) on the same tree;
//! `scripts/oracle-template.sh` compares templates with go list on the whole standard
//! library at test time.

use crate::common;
use std::path::Path;
use std::process::Output;

use crate::common::write;

/// A module with a package, its tests, a command, nested packages, a package with a syntax
/// error in its imports, a testdata package and a directory without Go files.
fn module_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "go.mod", "module example.com/m\n\ngo 1.22\n");
    write(
        root,
        "m.go",
        "package m\n\nimport (\n\t\"fmt\"\n\t\"strings\"\n)\n\nvar _ = fmt.Sprint\nvar _ = strings.ToUpper\n",
    );
    write(
        root,
        "m_test.go",
        "package m\n\nimport \"testing\"\n\nfunc TestM(t *testing.T) {}\n",
    );
    write(
        root,
        "x_test.go",
        "package m_test\n\nimport (\n\t\"testing\"\n\n\t\"example.com/m\"\n)\n\nfunc TestX(t *testing.T) {}\n",
    );
    write(
        root,
        "sub/sub.go",
        "package sub\n\nimport \"example.com/m/sub/deep\"\n\nvar _ = deep.X\n",
    );
    write(root, "sub/deep/deep.go", "package deep\n\nconst X = 1\n");
    write(
        root,
        "cmd/tool/main.go",
        "package main\n\nimport \"os\"\n\nfunc main() { os.Exit(0) }\n",
    );
    write(root, "bad/bad.go", "package bad\n\nimport \"fmt\n");
    write(root, "testdata/td/td.go", "package td\n");
    write(root, "empty/README", "no Go here\n");
    dir
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    common::gofed_command()
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run gofed")
}

fn stdout_of(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}, stderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// `gofed packages -f TEMPLATE` run in `dir`, with the tree defaulting to `.`.
fn template(dir: &Path, tmpl: &str) -> String {
    stdout_of(&run_in(dir, &["packages", "-f", tmpl]))
}

#[test]
fn json_is_a_stream_of_go_list_objects() {
    let tree = module_tree();
    let root = tree.path().canonicalize().unwrap();
    let out = stdout_of(&run_in(&root, &["packages", "--format", "json"]));

    // One object per package, each a separate JSON value (`jq .ImportPath` reads it).
    let pkgs: Vec<serde_json::Value> = serde_json::Deserializer::from_str(&out)
        .into_iter::<serde_json::Value>()
        .collect::<Result<_, _>>()
        .expect("a stream of JSON values");
    let paths: Vec<&str> = pkgs
        .iter()
        .map(|p| p["ImportPath"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "example.com/m",
            "example.com/m/bad",
            "example.com/m/cmd/tool",
            "example.com/m/sub",
            "example.com/m/sub/deep"
        ]
    );
    // Objects are printed as json.MarshalIndent(p, "", "\t") and end with a newline.
    assert!(out.starts_with("{\n\t\"Dir\": "), "{out}");
    assert!(out.contains("\n}\n{\n\t\"Dir\": "), "{out}");
    assert!(out.ends_with("\n}\n"), "{out}");
    assert!(
        out.contains("\n\t\"GoFiles\": [\n\t\t\"m.go\"\n\t],\n"),
        "{out}"
    );

    let m = &pkgs[0];
    let keys: Vec<&str> = m.as_object().unwrap().keys().map(String::as_str).collect();
    let mut expected = vec![
        "Dir",
        "ImportPath",
        "Name",
        "Root",
        "Module",
        "Match",
        "GoFiles",
        "Imports",
        "TestGoFiles",
        "TestImports",
        "XTestGoFiles",
        "XTestImports",
    ];
    expected.sort_unstable();
    // omitempty: no CgoFiles, Error, Incomplete, Standard, ... on a package without them.
    assert_eq!(keys, expected);
    // go's field order in the text.
    let order: Vec<usize> = [
        "\"Dir\"",
        "\"ImportPath\"",
        "\"Name\"",
        "\"Root\"",
        "\"Module\"",
        "\"Match\"",
        "\"GoFiles\"",
        "\"Imports\"",
        "\"TestGoFiles\"",
        "\"TestImports\"",
        "\"XTestGoFiles\"",
        "\"XTestImports\"",
    ]
    .iter()
    .map(|k| out.find(k).unwrap())
    .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "field order: {order:?}"
    );
    assert_eq!(m["Dir"], root.display().to_string());
    assert_eq!(m["Root"], root.display().to_string());
    assert_eq!(
        m["Module"],
        serde_json::json!({
            "Path": "example.com/m",
            "Main": true,
            "Dir": root.display().to_string(),
            "GoMod": root.join("go.mod").display().to_string(),
            "GoVersion": "1.22",
        })
    );
    assert_eq!(m["Match"], serde_json::json!(["./..."]));
    assert_eq!(m["Imports"], serde_json::json!(["fmt", "strings"]));
    assert_eq!(
        m["XTestImports"],
        serde_json::json!(["example.com/m", "testing"])
    );

    // A package with an error: Incomplete and go's Error object (every field present).
    let bad = &pkgs[1];
    assert_eq!(bad["Incomplete"], true);
    assert_eq!(bad["InvalidGoFiles"], serde_json::json!(["bad.go"]));
    assert_eq!(
        bad["Error"],
        serde_json::json!({
            "ImportStack": ["example.com/m/bad"],
            "Pos": "bad/bad.go:3:8",
            "Err": "string literal not terminated",
        })
    );
    assert!(pkgs.iter().all(|p| p.get("Standard").is_none()));
}

#[test]
fn patterns_select_packages_as_go_list() {
    let tree = module_tree();
    let root = tree.path();
    let out = run_in(
        root,
        &[
            "packages",
            "-f",
            "{{.ImportPath}} {{.Match}}",
            "./sub/...",
            "./sub",
            "example.com/m/...",
            "./testdata/td",
            "./empty",
            "./nosuch",
            "./nosuch/...",
            "./empty/...",
        ],
    );
    // As `go list -e -f '{{.ImportPath}} {{.Match}}' ...` in the module.
    assert_eq!(
        stdout_of(&out),
        "example.com/m/sub [./sub/... ./sub example.com/m/...]\n\
         example.com/m/sub/deep [./sub/... example.com/m/...]\n\
         example.com/m [example.com/m/...]\n\
         example.com/m/bad [example.com/m/...]\n\
         example.com/m/cmd/tool [example.com/m/...]\n\
         example.com/m/testdata/td [./testdata/td]\n\
         ./empty [./empty]\n\
         ./nosuch [./nosuch]\n\
         ./nosuch/... [./nosuch/...]\n"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("warning: \"./empty/...\" matched no packages"),
        "{stderr}"
    );

    // The errors of the patterns that name no package, in go's words.
    let abs = root.canonicalize().unwrap();
    let errors = template(&abs, "{{.ImportPath}}: {{.Error}}");
    assert!(errors.contains("example.com/m/bad: bad/bad.go:3:8: string literal not terminated\n"));
    let out = stdout_of(&run_in(
        &abs,
        &[
            "packages",
            "-f",
            "{{.Error}}",
            "./empty",
            "./nosuch",
            "./nosuch/...",
        ],
    ));
    assert_eq!(
        out,
        format!(
            "no Go files in {0}/empty\nstat {0}/nosuch: directory not found\n\
             pattern ./nosuch/...: lstat ./nosuch/: no such file or directory\n",
            abs.display()
        )
    );

    // SOURCE given, then patterns read in it; SOURCE alone lists its tree.
    let out = stdout_of(&run_in(
        Path::new("/"),
        &[
            "packages",
            abs.to_str().unwrap(),
            "./cmd/...",
            "example.com/m/sub",
        ],
    ));
    assert_eq!(out, "example.com/m/cmd/tool\nexample.com/m/sub\n");
    let out = stdout_of(&run_in(
        Path::new("/"),
        &["packages", abs.to_str().unwrap()],
    ));
    assert_eq!(out.lines().count(), 5, "{out}");
    assert_eq!(
        template(&abs.join("sub"), "{{.ImportPath}}"),
        "example.com/m/sub\nexample.com/m/sub/deep\n"
    );
}

#[test]
fn templates_evaluate_as_go_list() {
    let tree = module_tree();
    let root = tree.path();
    // Each expected output is what `go list -e -f TEMPLATE ./...` printed on this tree.
    let cases = [
        (
            "{{.Name}} {{len .GoFiles}}",
            "m 1\nbad 1\nmain 1\nsub 1\ndeep 1\n",
        ),
        (
            "{{join .Imports \" \"}}",
            "fmt strings\nos\nexample.com/m/sub/deep\n",
        ),
        // No output, no newline, for packages where the template prints nothing.
        ("{{if .Incomplete}}x{{end}}", "x\n"),
        (
            "{{.Incomplete}}|{{.Error}}|{{.GoFiles}}|{{.CgoFiles}}|{{.Module}}|{{.Standard}}",
            "false|<nil>|[m.go]|[]|example.com/m|false\n\
             true|bad/bad.go:3:8: string literal not terminated|[bad.go]|[]|example.com/m|false\n\
             false|<nil>|[main.go]|[]|example.com/m|false\n\
             false|<nil>|[sub.go]|[]|example.com/m|false\n\
             false|<nil>|[deep.go]|[]|example.com/m|false\n",
        ),
        ("{{range .TestImports}}{{.}} {{end}}", "testing \n"),
        (
            "{{- if .XTestGoFiles -}} {{.ImportPath}}: {{join .XTestImports \",\"}} {{- end}}",
            "example.com/m: example.com/m,testing\n",
        ),
        (
            "{{printf \"%-14s|%3d|%q|%v|%5.2f\" .Name (len .Imports) .Name .Incomplete 3.14159}}",
            "m             |  2|\"m\"|false| 3.14\n\
             bad           |  0|\"bad\"|true| 3.14\n\
             main          |  1|\"main\"|false| 3.14\n\
             sub           |  1|\"sub\"|false| 3.14\n\
             deep          |  0|\"deep\"|false| 3.14\n",
        ),
        (
            "{{with .Error}}{{.Err}}{{else}}ok{{end}}",
            "ok\nstring literal not terminated\nok\nok\nok\n",
        ),
        (
            "{{range $i, $f := .GoFiles}}{{$i}}={{$f}} {{else}}none{{end}}",
            "0=m.go \n0=bad.go \n0=main.go \n0=sub.go \n0=deep.go \n",
        ),
    ];
    for (tmpl, expected) in cases {
        assert_eq!(template(root, tmpl), expected, "template {tmpl}");
    }
}

#[test]
fn template_errors_name_the_position_as_go() {
    let tree = module_tree();
    let root = tree.path();
    // (template, stdout before the error, the error as go list prints it)
    let cases = [
        ("{{.ImportPath", "", "template: main:1: unclosed action"),
        (
            "{{nosuch .Name}}",
            "",
            "template: main:1: function \"nosuch\" not defined",
        ),
        ("{{if .Name}}x", "", "template: main:1: unexpected EOF"),
        ("a\n{{end}}", "", "template: main:2: unexpected {{end}}"),
        (
            "{{.Foo}}",
            "",
            "template: main:1:2: executing \"main\" at <.Foo>: can't evaluate field Foo in type *load.PackagePublic",
        ),
        (
            "{{.ImportPath}} {{.Error.Err}}",
            "example.com/m ",
            "template: main:1:24: executing \"main\" at <.Error.Err>: nil pointer evaluating *load.PackageError.Err",
        ),
        (
            "{{len .Incomplete}}",
            "",
            "template: main:1:2: executing \"main\" at <len .Incomplete>: error calling len: len of type bool",
        ),
        (
            "{{join .DepsErrors \" \"}}",
            "",
            "template: main:1:7: executing \"main\" at <.DepsErrors>: wrong type for value; expected []string; got []*load.PackageError",
        ),
        (
            "{{.Deps}}",
            "",
            "template: main:1:2: executing \"main\" at <.Deps>: can't evaluate field Deps in type *load.PackagePublic: gofed does not compute this field of go list",
        ),
    ];
    for (tmpl, stdout, message) in cases {
        let out = run_in(root, &["packages", "-f", tmpl]);
        assert_eq!(out.status.code(), Some(2), "template {tmpl}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            stdout,
            "template {tmpl}"
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            stderr.trim_end(),
            format!("gofed: error: {message}"),
            "template {tmpl}"
        );
    }
}
