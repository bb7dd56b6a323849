//! Where actions run is the user's choice, and a wrong choice is an error, never a silent local run
//! (issue 18.10): unknown service names in `--placement`, `GOFED_PLACEMENT` and `gofed.toml`, and
//! `--remote`/`--placement` given to a command that has no remote form. Also the hint for the
//! usual mistake of a remote run: no registry running.

use std::path::Path;
use std::process::{Command, Output};

use crate::common::{write, GOFED};

/// A module to run commands on.
fn tiny_module(root: &Path) {
    write(root, "go.mod", "module example.com/tiny\n\ngo 1.21\n");
    write(root, "t.go", "package tiny\n\nfunc F() {}\n");
}

/// `gofed ARGS` with `envs`, and no placement or registry from the caller's environment. Killed
/// after 60 s: a server command that wrongly starts would otherwise run forever (exit 124).
fn run(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut command = Command::new("timeout");
    command
        .args(["60", GOFED])
        .args(args)
        .env_remove("GOFED_PLACEMENT")
        .env_remove("GOFED_REGISTRY")
        .env_remove("GOFED_CONFIG")
        .env_remove("GOROOT");
    for (name, value) in envs {
        command.env(name, value);
    }
    command.output().expect("run gofed")
}

/// Asserts exit status 2 and that stderr holds every one of `needles`; stdout stays empty.
fn assert_error(out: &Output, needles: &[&str]) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for needle in needles {
        assert!(stderr.contains(needle), "{needle:?} not in: {stderr}");
    }
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn unknown_services_in_placements_are_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tree = dir.path().join("tiny");
    tiny_module(&tree);
    let tree = tree.to_str().expect("UTF-8 path");
    let known = "known services: api, deps, license, goland, spec, gotest, rpm, filestorage, scm, apistorage, depsstorage, tarballstorage, rpmstorage, specstorage, \
                 packagestorage, and `*` for every service";

    let out = run(&["--placement", "apii=remote", "api", tree], &[]);
    assert_error(
        &out,
        &[
            "gofed: error: --placement \"apii=remote\": unknown service `apii`",
            known,
        ],
    );
    let out = run(
        &["deps", tree],
        &[("GOFED_PLACEMENT", "deps=local apii=remote")],
    );
    assert_error(
        &out,
        &[
            "GOFED_PLACEMENT \"apii=remote\": unknown service `apii`",
            known,
        ],
    );
    let config = dir.path().join("gofed.toml");
    std::fs::write(&config, "[system.placement]\napii = \"remote\"\n").expect("write config");
    let config = config.to_str().expect("UTF-8 path");
    let out = run(&["--config", config, "api", tree], &[]);
    assert_error(
        &out,
        &[
            &format!("{config}: [system.placement]: unknown service `apii`"),
            known,
        ],
    );

    // The known names, and `*`, are accepted: the command runs (in-process here).
    let out = run(
        &[
            "--placement",
            "api=local",
            "--placement",
            "*=local",
            "api",
            tree,
        ],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn commands_without_a_remote_form_refuse_remote_flags() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tree = dir.path().join("tiny");
    tiny_module(&tree);
    let tree = tree.to_str().expect("UTF-8 path");
    let applies = "applies to api, apidiff, deps, depsdiff";

    let out = run(&["--remote", "packages", tree], &[]);
    assert_error(
        &out,
        &[
            "gofed: error: `packages` runs in-process only: --remote",
            applies,
        ],
    );
    let out = run(&["packages", tree, "--placement", "api=remote"], &[]);
    assert_error(
        &out,
        &["`packages` runs in-process only: --placement", applies],
    );
    for args in [
        &["--remote", "system", "catalogue"][..],
        &[
            "system",
            "status",
            "--remote",
            "--registry",
            "http://127.0.0.1:9",
        ],
        &["--remote", "registry", "--listen", "127.0.0.1:0"],
        &[
            "--remote",
            "serve",
            "api",
            "--no-register",
            "--listen",
            "127.0.0.1:0",
        ],
    ] {
        let out = run(args, &[]);
        assert_error(&out, &["runs in-process only: --remote", applies]);
    }
    // An exported default placement does not get in the way of commands it does not apply to.
    let out = run(&["packages", tree], &[("GOFED_PLACEMENT", "*=remote")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "example.com/tiny\n");
}

/// The usual cause of a failing remote run, with what to do about it.
#[test]
fn no_registry_running_gets_a_hint() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tree = dir.path().join("tiny");
    tiny_module(&tree);
    let tree = tree.to_str().expect("UTF-8 path");
    // Port 9 (discard) on loopback: nothing listens there in the test environment.
    let hint = "gofed: hint: no registry answers at http://127.0.0.1:9";
    let what = "start `gofed registry` or pass `--registry`";
    let out = run(
        &["--registry", "http://127.0.0.1:9", "--remote", "api", tree],
        &[],
    );
    assert_error(&out, &[hint, what]);
    let out = run(
        &[
            "serve",
            "api",
            "--listen",
            "127.0.0.1:0",
            "--registry",
            "http://127.0.0.1:9",
        ],
        &[(
            "GOFED_BLOB_DIR",
            dir.path().join("blobs").to_str().expect("UTF-8"),
        )],
    );
    assert_error(&out, &[hint, what]);
    // Another failure gets no such hint.
    let out = run(&["--placement", "apii=remote", "api", tree], &[]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("hint"));
}
