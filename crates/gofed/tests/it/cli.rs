//! The command line's conventions, as the go command has them (issue 18): every command ends quietly on a closed
//! pipe and reports a full disk; one `gofed: error:` style; no colours off a terminal; platforms and Go versions
//! checked, flags beating the environment, `--tags` as go reads it.

use crate::common;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::common::system::Process;
use crate::common::write;

/// `gofed ARGS` with none of the variables that change what it does, plus `envs`; stdout as given.
fn command(args: &[&str], envs: &[(&str, &str)]) -> Command {
    let mut command = common::gofed_command();
    command.args(args).stdin(Stdio::null());
    for name in [
        "GOOS",
        "GOARCH",
        "CGO_ENABLED",
        "GOROOT",
        "GOFED_LOG",
        "GOFED_CONFIG",
        "GOFED_PLACEMENT",
        "GOFED_REGISTRY",
        "NO_COLOR",
    ] {
        command.env_remove(name);
    }
    for (name, value) in envs {
        command.env(name, value);
    }
    command
}

fn run(args: &[&str], envs: &[(&str, &str)]) -> Output {
    command(args, envs).output().expect("run gofed")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A module with a library, a test of each kind, a command, a platform file and a tagged file.
fn module(root: &Path) {
    write(root, "go.mod", "module example.com/m\n\ngo 1.22\n");
    write(
        root,
        "m.go",
        "package m\n\nimport \"strings\"\n\n// F upper-cases.\nfunc F(s string) string { return strings.ToUpper(s) }\n",
    );
    write(
        root,
        "m_test.go",
        "package m\n\nimport \"testing\"\n\nfunc TestF(t *testing.T) {}\n",
    );
    write(
        root,
        "x_test.go",
        "package m_test\n\nimport \"net/http/httptest\"\n\nvar _ = httptest.NewRecorder\n",
    );
    write(
        root,
        "win/win.go",
        "package win\n\nimport \"os\"\n\nvar Args = os.Args\n",
    );
    write(
        root,
        "win/win_windows.go",
        "package win\n\nimport \"syscall\"\n\nvar _ = syscall.Getpid\n",
    );
    write(
        root,
        "tagged/tagged.go",
        "package tagged\n\nimport \"fmt\"\n\nvar _ = fmt.Sprint\n",
    );
    write(
        root,
        "tagged/ab.go",
        "//go:build a && b\n\npackage tagged\n\nimport \"encoding/json\"\n\nvar _ = json.Marshal\n",
    );
    write(root, "cmd/tool/main.go", "package main\n\nfunc main() {}\n");
}

/// A stdout whose pipe has no reader any more: the write end of a pipe whose reading process (`true`) has
/// exited, so every write fails with EPIPE, however early it comes.
fn closed_pipe() -> Stdio {
    let mut reader = Command::new("true")
        .stdin(Stdio::piped())
        .spawn()
        .expect("spawn true");
    let write_end = reader.stdin.take().expect("piped stdin");
    reader.wait().expect("wait for true");
    Stdio::from(write_end)
}

fn dev_full() -> Stdio {
    Stdio::from(
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("open /dev/full"),
    )
}

/// Every command that prints something, with the arguments that make it print.
fn printing_commands(tree: &str, other: &str) -> Vec<Vec<String>> {
    let own = |args: &[&str]| args.iter().map(|a| (*a).to_owned()).collect();
    vec![
        own(&["packages", tree]),
        own(&["packages", tree, "--format", "json"]),
        own(&["deps", tree]),
        own(&["deps", tree, "--format", "json"]),
        own(&["depsdiff", tree, other]),
        own(&["api", tree]),
        own(&["api", tree, "--format", "goapi"]),
        own(&["apidiff", tree, other]),
        own(&["apidiff", tree, other, "--format", "json"]),
        own(&["system", "catalogue"]),
        own(&["system", "catalogue", "--format", "json"]),
        own(&["serve", "--info", "api"]),
        own(&["--help"]),
        own(&["api", "--help"]),
        own(&["--version"]),
    ]
}

#[test]
fn every_command_ends_quietly_on_a_closed_pipe_and_reports_a_full_disk() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (v1, v2) = (dir.path().join("v1"), dir.path().join("v2"));
    module(&v1);
    module(&v2);
    let (v1, v2) = (v1.to_str().expect("utf-8"), v2.to_str().expect("utf-8"));
    for args in printing_commands(v1, v2) {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        // The command works and prints something.
        let out = run(&args, &[]);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(!out.stdout.is_empty(), "{args:?} prints nothing");

        // A closed pipe (`gofed ... | head -1`): no panic, no message, the status a go program killed by
        // SIGPIPE shows in the shell.
        let out = command(&args, &[])
            .stdout(closed_pipe())
            .output()
            .expect("run gofed");
        assert_eq!(out.status.code(), Some(141), "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{args:?}");

        // A full disk is an error, said once.
        let out = command(&args, &[])
            .stdout(dev_full())
            .output()
            .expect("run gofed");
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert_eq!(
            stderr(&out),
            "gofed: error: writing output: No space left on device\n",
            "{args:?}"
        );
    }
}

#[test]
fn errors_have_one_style_and_survive_a_full_stderr() {
    let dir = tempfile::tempdir().expect("temp dir");
    module(dir.path());
    let tree = dir.path().to_str().expect("utf-8");
    // clap's usage errors in gofed's words, exit status 2.
    let out = run(&["packages", tree, "--bogus"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("gofed: error: unexpected argument '--bogus' found"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("\nerror:"), "{}", stderr(&out));
    // An analysis error: the same prefix, the path once.
    let missing = dir.path().join("nothing/here");
    let missing = missing.to_str().expect("utf-8");
    for cmd in ["packages", "deps", "api"] {
        let out = run(&[cmd, missing], &[]);
        assert_eq!(out.status.code(), Some(2), "{cmd}");
        let text = stderr(&out);
        assert!(text.starts_with("gofed: error: "), "{cmd}: {text}");
        assert_eq!(text.matches(missing).count(), 1, "{cmd}: {text}");
        assert_eq!(text.lines().count(), 1, "{cmd}: {text}");
    }
    // A configuration error once, in the OS's words without Rust's error numbers.
    let config = dir.path().join("none.toml");
    let config = config.to_str().expect("utf-8");
    let out = run(&["--config", config, "deps", tree], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        format!("gofed: error: cannot read {config}: No such file or directory\n")
    );
    write(dir.path(), "bad.toml", "bogus = 1\n");
    let bad = dir.path().join("bad.toml");
    let out = run(
        &["--config", bad.to_str().expect("utf-8"), "deps", tree],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out).matches("unknown field `bogus`").count(),
        1,
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).ends_with("`registration`, `artifact`, `store`, `goland`\n"),
        "{:?}",
        stderr(&out)
    );
    // With stderr on a full disk, the status still says what happened (no panic, whose status is 101).
    let out = command(&["deps", missing], &[])
        .stderr(dev_full())
        .output()
        .expect("run gofed");
    assert_eq!(out.status.code(), Some(2));
    let out = command(&["packages", tree, "--bogus"], &[])
        .stderr(dev_full())
        .output()
        .expect("run gofed");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn logs_say_what_gofed_does_without_colours_off_a_terminal() {
    let dir = tempfile::tempdir().expect("temp dir");
    module(dir.path());
    let tree = dir.path().to_str().expect("utf-8");
    for envs in [vec![], vec![("NO_COLOR", "1")]] {
        let out = run(&["-v", "deps", tree], &envs);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stderr(&out);
        assert!(!text.contains('\x1b'), "colours with {envs:?}: {text:?}");
        // Which tree, how many packages, which context, how long.
        let line = text
            .lines()
            .find(|l| l.contains("loaded a tree"))
            .unwrap_or_else(|| panic!("no load log: {text}"));
        for needle in [
            &format!("root={tree}") as &str,
            "packages=4",
            "context=linux/amd64 cgo",
            "go=1.27",
            "ms=",
        ] {
            assert!(line.contains(needle), "{needle} not in {line}");
        }
        assert!(
            text.lines().any(|l| l.contains("action done")
                && l.contains("action=\"deps_analysis\" placement=\"in-process\" ms=")),
            "{text}"
        );
    }
    // Without -v, a successful run says nothing.
    let out = run(&["deps", tree], &[]);
    assert_eq!(stderr(&out), "");
}

#[test]
fn unknown_platforms_and_go_versions_are_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (v1, v2) = (dir.path().join("v1"), dir.path().join("v2"));
    module(&v1);
    module(&v2);
    let (v1, v2) = (v1.to_str().expect("utf-8"), v2.to_str().expect("utf-8"));
    // (flags, environment, the pair refused)
    type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, &'a str);
    let cases: Vec<Case> = vec![
        (vec!["--goos", "linx"], vec![], "linx/amd64"),
        (vec!["--goarch", "amd46"], vec![], "linux/amd46"),
        (
            vec!["--goos", "linux", "--goarch", "wasm"],
            vec![],
            "linux/wasm",
        ),
        (vec![], vec![("GOOS", "linx")], "linx/amd64"),
        (vec![], vec![("GOARCH", "amd46")], "linux/amd46"),
        // Windows on s390x is no platform, although each name is known.
        (
            vec!["--goos", "windows", "--goarch", "s390x"],
            vec![],
            "windows/s390x",
        ),
    ];
    for (flags, envs, pair) in &cases {
        let expected = format!("gofed: error: unsupported GOOS/GOARCH pair {pair}\n");
        for cmd in [
            vec!["packages", v1],
            vec!["deps", v1],
            vec!["api", v1],
            vec!["apidiff", v1, v2],
            vec!["depsdiff", v1, v2],
        ] {
            let mut args = cmd.clone();
            args.extend(flags);
            let out = run(&args, envs);
            assert_eq!(out.status.code(), Some(2), "{args:?} {envs:?}");
            assert_eq!(stderr(&out), expected, "{args:?} {envs:?}");
            assert_eq!(stdout(&out), "", "{args:?} {envs:?}");
        }
    }
    // cmd/api style context lists.
    let out = run(&["api", v1, "--contexts", "linux-amd64,foo-bar"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr(&out),
        "gofed: error: unsupported GOOS/GOARCH pair foo/bar\n"
    );
    let out = run(&["api", v1, "--contexts", "linux"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("bad context \"linux\""),
        "{}",
        stderr(&out)
    );
    // Go versions gofed has no data for.
    for version in ["1.99", "1.20", "2.1", "banana"] {
        let out = run(&["deps", v1, "--go", version], &[]);
        assert_eq!(out.status.code(), Some(2), "--go {version}");
        assert!(
            stderr(&out).starts_with("gofed: error: invalid value"),
            "{}",
            stderr(&out)
        );
    }
    let out = run(&["deps", v1, "--go", "1.99"], &[]);
    assert!(
        stderr(&out).contains("unsupported Go version 1.99: gofed has data for Go 1.19, 1.21,"),
        "{}",
        stderr(&out)
    );
    // Valid ones: a Go version with data, an empty GOOS/GOARCH meaning the default as for go.
    let default = run(&["deps", v1], &[]);
    assert!(default.status.success(), "{}", stderr(&default));
    for (args, envs) in [
        (vec!["deps", v1, "--go", "1.21"], vec![]),
        (vec!["deps", v1, "--go", "go1.19.13"], vec![]),
        (vec!["deps", v1], vec![("GOOS", ""), ("GOARCH", "")]),
        (
            vec!["deps", v1],
            vec![("GOOS", "linux"), ("GOARCH", "amd64")],
        ),
    ] {
        let out = run(&args, &envs);
        assert!(out.status.success(), "{args:?} {envs:?}: {}", stderr(&out));
        if !args.contains(&"--go") {
            assert_eq!(out.stdout, default.stdout, "{envs:?}");
        }
    }
}

#[test]
fn a_remote_request_with_a_bad_platform_is_unprocessable() {
    let dir = tempfile::tempdir().expect("temp dir");
    module(dir.path());
    let tree = dir.path().to_str().expect("utf-8");
    let server = Process::start(
        &[
            "serve",
            "api",
            "deps",
            "--listen",
            "127.0.0.1:0",
            "--no-register",
            "--allow-paths",
        ],
        &[("GOFED_BLOB_DIR", &dir.path().join("blobs"))],
    );
    let client = gofed_service::Client::new(&server.url, &Default::default()).expect("client");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let source = serde_json::json!({"path": tree});
    for (action, request, message) in [
        (
            "api_analysis",
            serde_json::json!({"source": source, "context": {"goos": "linx"}}),
            "unsupported GOOS/GOARCH pair linx/amd64",
        ),
        (
            "api_analysis",
            serde_json::json!({"source": source, "contexts": "linux-amd64,foo-bar"}),
            "unsupported GOOS/GOARCH pair foo/bar",
        ),
        (
            "deps_analysis",
            serde_json::json!({"source": source, "context": {"goarch": "amd46"}}),
            "unsupported GOOS/GOARCH pair linux/amd46",
        ),
        (
            "deps_analysis",
            serde_json::json!({"source": source, "context": {"go_minor": 99}}),
            "unsupported Go version 1.99",
        ),
        (
            "api_diff",
            serde_json::json!({"old": source, "new": source, "base_version": "banana"}),
            "base version \"banana\" is not a canonical semantic version",
        ),
    ] {
        let err = rt
            .block_on(client.call_json(action, &request))
            .expect_err("refused");
        match &err {
            gofed_service::ClientError::Service {
                status,
                code,
                message: text,
                ..
            } => {
                assert_eq!((*status, code.as_str()), (422, "unprocessable"), "{err}");
                assert!(text.starts_with(message), "{text}");
            }
            other => panic!("{action}: not a service error: {other}"),
        }
    }
    // The same request with a real platform works.
    let ok = rt.block_on(client.call_json(
        "deps_analysis",
        &serde_json::json!({"source": source, "context": {"goos": "windows", "goarch": "arm64"}}),
    ));
    assert!(ok.is_ok(), "{ok:?}");
}

#[test]
fn flags_beat_the_environment_without_conflicts() {
    let dir = tempfile::tempdir().expect("temp dir");
    module(dir.path());
    let tree = dir.path().to_str().expect("utf-8");
    let goos_linux = [("GOOS", "linux"), ("GOARCH", "amd64")];
    // An exported GOOS is no --goos: --all-platforms and --contexts work with it.
    for args in [
        vec!["deps", tree, "--all-platforms"],
        vec!["packages", tree, "--all-platforms"],
        vec!["api", tree, "--all-platforms", "--format", "goapi"],
        vec!["api", tree, "--contexts", "linux-amd64,windows-amd64"],
    ] {
        let out = run(&args, &goos_linux);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
    // The union of platforms includes the Windows file whatever GOOS says.
    let out = run(&["deps", tree, "--all-platforms", "--std"], &goos_linux);
    assert!(stdout(&out).contains("  syscall\n"), "{}", stdout(&out));
    // A flag beats the environment: GOOS=windows with --goos linux analyses linux.
    let windows = run(&["deps", tree, "--std"], &[("GOOS", "windows")]);
    assert!(
        stdout(&windows).contains("  syscall\n"),
        "{}",
        stdout(&windows)
    );
    let linux = run(
        &["deps", tree, "--std", "--goos", "linux"],
        &[("GOOS", "windows")],
    );
    assert!(linux.status.success(), "{}", stderr(&linux));
    assert!(
        !stdout(&linux).contains("  syscall\n"),
        "{}",
        stdout(&linux)
    );
    // CGO_ENABLED as cmd/go reads it: 0 or 1 count, anything else (empty too) is the default; --cgo beats it.
    let cgo = dir.path().join("cgo");
    write(&cgo, "go.mod", "module example.com/cgo\n");
    write(&cgo, "p.go", "package p\n");
    write(
        &cgo,
        "c.go",
        "package p\n\nimport \"C\"\n\nimport \"os\"\n\nvar _ = os.Args\n",
    );
    let cgo = cgo.to_str().expect("utf-8");
    for (flags, env, with_cgo) in [
        (vec![], None, true),
        (vec![], Some("0"), false),
        (vec![], Some(""), true),
        (vec![], Some("yes"), true),
        (vec!["--cgo", "true"], Some("0"), true),
        (vec!["--cgo", "0"], Some("1"), false),
    ] {
        let mut args = vec!["deps", cgo, "--std"];
        args.extend(&flags);
        let envs: Vec<(&str, &str)> = env.map(|v| ("CGO_ENABLED", v)).into_iter().collect();
        let out = run(&args, &envs);
        assert!(out.status.success(), "{args:?} {envs:?}: {}", stderr(&out));
        assert_eq!(
            stdout(&out).contains("  os\n"),
            with_cgo,
            "{args:?} {envs:?}"
        );
    }
    // Conflicting flags the user typed are still a usage error.
    let out = run(&["deps", tree, "--all-platforms", "--goos", "linux"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).starts_with("gofed: error: the argument"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn tags_are_read_as_go_reads_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    module(dir.path());
    let tree = dir.path().to_str().expect("utf-8");
    let imports_json = |tags: &[&str]| {
        let mut args = vec!["deps", tree, "--std"];
        args.extend(tags);
        let out = run(&args, &[]);
        assert!(out.status.success(), "{tags:?}: {}", stderr(&out));
        stdout(&out).contains("  encoding/json\n")
    };
    assert!(!imports_json(&[]));
    assert!(!imports_json(&["--tags", "a"]));
    assert!(imports_json(&["--tags", "a,b"]));
    assert!(imports_json(&["--tags", "a b"]));
    assert!(imports_json(&["--tags", "'a' b"]));
    assert!(imports_json(&["--tags", ",a,,b,"]));
    // As go's -tags, the last one counts.
    assert!(!imports_json(&["--tags", "a,b", "--tags", "a"]));
    let out = run(&["deps", tree, "--tags", "'a b"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unterminated ' string"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn api_format_text_is_the_goapi_lines() {
    let dir = tempfile::tempdir().expect("temp dir");
    module(dir.path());
    let tree = dir.path().to_str().expect("utf-8");
    let text = run(&["api", tree, "--format", "text"], &[]);
    let goapi = run(&["api", tree, "--format", "goapi"], &[]);
    assert!(text.status.success(), "{}", stderr(&text));
    assert_eq!(stdout(&text), stdout(&goapi));
    assert!(
        stdout(&text).contains("pkg example.com/m, func F(string) string\n"),
        "{}",
        stdout(&text)
    );
}

#[test]
fn deps_tests_labels_internal_and_external_test_imports_apart() {
    let dir = tempfile::tempdir().expect("temp dir");
    module(dir.path());
    let tree = dir.path().to_str().expect("utf-8");
    let out = run(&["deps", tree, "--tests", "--std"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("example.com/m\n  strings\n  testing (test)\n  net/http/httptest (xtest)\n"),
        "{text}"
    );
}

#[test]
fn service_options_have_their_own_help_section_where_they_apply() {
    let section = |args: &[&str]| {
        let out = run(args, &[]);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        let text = stdout(&out);
        let options: Vec<String> = match text.split_once("Service options:\n") {
            Some((before, after)) => {
                // Nothing of the section leaks into the other options.
                assert!(!before.contains("      --registry"), "{args:?}: {text}");
                [
                    "--config",
                    "--registry",
                    "--placement",
                    "--remote",
                    "--token",
                ]
                .into_iter()
                .filter(|o| after.contains(&format!("      {o}")))
                .map(str::to_owned)
                .collect()
            }
            None => {
                assert!(!text.contains("      --registry"), "{args:?}: {text}");
                Vec::new()
            }
        };
        options
    };
    let all = [
        "--config",
        "--registry",
        "--placement",
        "--remote",
        "--token",
    ];
    for cmd in ["api", "apidiff", "deps", "depsdiff"] {
        assert_eq!(section(&[cmd, "--help"]), all, "{cmd}");
    }
    assert_eq!(
        section(&["serve", "--help"]),
        ["--config", "--registry", "--placement", "--token"]
    );
    assert_eq!(
        section(&["system", "status", "--help"]),
        ["--config", "--registry", "--token"]
    );
    assert_eq!(section(&["system", "catalogue", "--help"]), ["--config"]);
    assert!(section(&["packages", "--help"]).is_empty());
    // The registry takes the fleet's token (and its configuration file for the certificate).
    assert_eq!(section(&["registry", "--help"]), ["--config", "--token"]);
    // Still global: accepted before the command, as the README writes `gofed --remote api .`.
    let dir = tempfile::tempdir().expect("temp dir");
    module(dir.path());
    let tree = dir.path().to_str().expect("utf-8");
    let out = run(
        &["--placement", "api=local", "api", tree, "--format", "text"],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&["api", tree, "--placement", "api=nowhere"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("api=nowhere"), "{}", stderr(&out));
}
