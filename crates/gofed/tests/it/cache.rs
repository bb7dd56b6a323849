//! The result cache: a repeated analysis is answered from the store with the same bytes (JSON: `meta.cached`
//! true), in-process and by a remote service; a changed tree, other options or `--no-cache` analyse again; a
//! corrupted stored result is analysed again and replaced; `GOFED_STORE=off` stores nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::system::{serve, wait_registered, Process};
use crate::common::{write, GOFED};

/// `gofed ARGS` with its store at `store` (`off`, `sqlite:DIR`), in-process unless ARGS say otherwise.
fn run(store: &str, args: &[&str]) -> Output {
    crate::common::gofed_with_store(store, args)
}

/// A temporary directory holding [`versions`] and the place of a store.
struct Fixture {
    /// Removed when dropped: a test binds it (`dir: _dir`) for as long as it uses the files.
    dir: tempfile::TempDir,
    /// The store's directory (not created).
    store_dir: PathBuf,
    /// `sqlite:STORE_DIR`.
    store: String,
    v1: String,
    v2: String,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    versions(dir.path());
    let store_dir = dir.path().join("store");
    let text = |name: &str| dir.path().join(name).to_string_lossy().into_owned();
    Fixture {
        store: format!("sqlite:{}", store_dir.display()),
        v1: text("v1"),
        v2: text("v2"),
        store_dir,
        dir,
    }
}

/// Two versions of a module: v2 removes `F` (incompatible, so apidiff exits 1) and imports another package.
fn versions(dir: &Path) {
    for v in ["v1", "v2"] {
        write(
            dir,
            &format!("{v}/go.mod"),
            "module example.com/m\n\ngo 1.21\n",
        );
        write(
            dir,
            &format!("{v}/sub/sub.go"),
            "package sub\n\nimport \"strings\"\n\nfunc Up(s string) string { return strings.ToUpper(s) }\n",
        );
    }
    write(
        dir,
        "v1/m.go",
        "package m\n\nimport \"example.com/m/sub\"\n\n// F says hello.\nfunc F() string { return sub.Up(\"hi\") }\n\ntype T struct{ A int }\n",
    );
    write(
        dir,
        "v2/m.go",
        "package m\n\nimport (\n\t\"fmt\"\n\n\t\"github.com/x/y\"\n)\n\ntype T struct{ A int }\n\nfunc G() { fmt.Println(y.Z) }\n",
    );
}

/// The `meta.cached` of a JSON document.
fn cached_of(json: &str) -> bool {
    let value: serde_json::Value = serde_json::from_str(json).expect("a JSON document");
    value["meta"]["cached"]
        .as_bool()
        .unwrap_or_else(|| panic!("meta.cached in {json}"))
}

#[test]
fn repeated_analyses_are_answered_from_the_store_with_the_same_bytes() {
    let Fixture {
        dir: _dir,
        store,
        v1,
        v2,
        ..
    } = fixture();
    // An API of megabytes: a cached answer is written out in chunks as it is decompressed.
    let big = _dir.path().join("big");
    let consts: String = (0..40_000)
        .map(|n| format!("const C{n:05} = {n}\n"))
        .collect();
    write(&big, "go.mod", "module example.com/big\n\ngo 1.21\n");
    write(&big, "big.go", format!("package big\n\n{consts}"));
    let big = big.to_string_lossy().into_owned();
    let runs: Vec<Vec<&str>> = vec![
        vec!["api", &big, "--format", "goapi"],
        vec!["api", &big, "--format", "json"],
        vec!["api", &v1, "--format", "json"],
        vec!["api", &v1, "--format", "goapi"],
        vec!["api", &v2, "--format", "json", "-e"],
        vec!["deps", &v2, "--format", "json", "--tests"],
        vec!["deps", &v2],
        vec!["apidiff", &v1, &v2, "--format", "json"],
        vec!["apidiff", &v1, &v2],
        vec!["depsdiff", &v1, &v2, "--format", "json"],
        vec!["depsdiff", &v1, &v2],
    ];
    for args in &runs {
        let first = run(&store, args);
        let second = run(&store, args);
        assert_eq!(
            first.status.code(),
            second.status.code(),
            "{args:?}: the stored exit status"
        );
        assert_eq!(
            first.stderr, second.stderr,
            "{args:?}: the stored diagnostics"
        );
        let (first, second) = (
            String::from_utf8(first.stdout).expect("utf-8"),
            String::from_utf8(second.stdout).expect("utf-8"),
        );
        assert!(!first.is_empty(), "{args:?} prints a result");
        if args.contains(&"json") {
            assert!(!cached_of(&first), "{args:?}: the first run analyses");
            assert!(
                cached_of(&second),
                "{args:?}: the second is answered from the store"
            );
            assert_eq!(
                first.replacen("\"cached\": false", "\"cached\": true", 1),
                second,
                "{args:?}: the same document"
            );
        } else {
            assert_eq!(first, second, "{args:?}: the same bytes");
        }
    }
    // apidiff's verdict is part of the stored result: v2 removed F.
    assert_eq!(run(&store, &["apidiff", &v1, &v2]).status.code(), Some(1));
}

#[test]
fn changed_trees_other_options_and_no_cache_analyse_again() {
    let Fixture { dir, store, v1, .. } = fixture();
    let d = dir.path();
    let api = |extra: &[&str]| {
        let mut args = vec!["api", v1.as_str(), "--format", "json"];
        args.extend_from_slice(extra);
        let out = run(&store, &args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8")
    };
    assert!(!cached_of(&api(&[])));
    assert!(cached_of(&api(&[])));
    // Other options are another result.
    assert!(!cached_of(&api(&["--goos", "windows"])));
    assert!(cached_of(&api(&["--goos", "windows"])));
    // --no-cache analyses, and what it stores answers the next call.
    assert!(!cached_of(&api(&["--no-cache"])));
    assert!(cached_of(&api(&[])));

    // A changed file (same size, same name) is a new input: analysed, and the change shows.
    write(
        &d.join("v1"),
        "m.go",
        "package m\n\nimport \"example.com/m/sub\"\n\n// H says hello.\nfunc H() string { return sub.Up(\"hi\") }\n\ntype T struct{ A int }\n",
    );
    let after = api(&[]);
    assert!(!cached_of(&after), "a changed tree is analysed");
    assert!(
        after.contains("func H() string") && !after.contains("func F() string"),
        "{after}"
    );
    // A file the loader does not read changes nothing.
    write(&d.join("v1"), "README.md", "hello\n");
    assert!(cached_of(&api(&[])));
    // A new package does.
    write(
        &d.join("v1"),
        "extra/e.go",
        "package extra\n\nconst E = 1\n",
    );
    let with_extra = api(&[]);
    assert!(
        !cached_of(&with_extra) && with_extra.contains("const E = 1"),
        "{with_extra}"
    );
}

#[test]
fn a_corrupted_stored_result_is_analysed_again_and_replaced() {
    let Fixture {
        dir: _dir,
        store_dir,
        store,
        v1,
        ..
    } = fixture();
    let args = ["api", v1.as_str(), "--format", "json"];
    let first = run(&store, &args);
    assert!(first.status.success());
    // Flip bytes of the stored (compressed) result, as a disk error would.
    let db = rusqlite::Connection::open(store_dir.join("store.sqlite")).expect("open the store");
    let changed = db
        .execute(
            "UPDATE results SET data = zeroblob(length(data)) WHERE action = 'api_analysis'",
            [],
        )
        .expect("corrupt the result");
    assert_eq!(changed, 1);
    drop(db);
    let again = run(&store, &args);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let again = String::from_utf8(again.stdout).expect("utf-8");
    assert!(!cached_of(&again), "not served from the corrupted result");
    assert_eq!(again.as_bytes(), first.stdout, "the analysis itself");
    let replaced = run(&store, &args);
    assert!(cached_of(
        &String::from_utf8(replaced.stdout).expect("utf-8")
    ));
}

#[test]
fn without_a_store_nothing_is_kept() {
    let Fixture { dir, v1, .. } = fixture();
    let d = dir.path();
    let home = d.join("home");
    std::fs::create_dir(&home).expect("home");
    for _ in 0..2 {
        let out = Command::new(GOFED)
            .args(["api", &v1, "--format", "json"])
            .env("GOFED_STORE", "off")
            .env("HOME", &home)
            .env_remove("GOFED_STORE_DIR")
            .env_remove("XDG_DATA_HOME")
            .output()
            .expect("run gofed");
        assert!(out.status.success());
        assert!(!cached_of(&String::from_utf8(out.stdout).expect("utf-8")));
    }
    assert_eq!(
        std::fs::read_dir(&home).expect("read home").count(),
        0,
        "nothing written"
    );
    // With the defaults, the store is under the user's data directory.
    let out = Command::new(GOFED)
        .args(["api", &v1, "--format", "goapi"])
        .env_remove("GOFED_STORE")
        .env("HOME", &home)
        .env_remove("GOFED_STORE_DIR")
        .env_remove("XDG_DATA_HOME")
        .output()
        .expect("run gofed");
    assert!(out.status.success());
    assert!(home.join(".local/share/gofed/store/store.sqlite").is_file());
}

#[test]
fn a_remote_service_answers_repeated_calls_from_its_store() {
    let Fixture { dir, v1, v2, .. } = fixture();
    let d = dir.path();
    let registry = Process::start(&["registry", "--listen", "127.0.0.1:0"], &[]);
    let service_store = format!("sqlite:{}", d.join("service-store").display());
    let ttl = "6000";
    let _api = Process::start(
        &[
            "serve",
            "api",
            "deps",
            "--listen",
            "127.0.0.1:0",
            "--registry",
            &registry.url,
            "--heartbeat-ms",
            "200",
            "--ttl-ms",
            ttl,
        ],
        &[("GOFED_STORE", Path::new(&service_store))],
    );
    let _storage = serve(&["filestorage"], &registry.url, 6000, &d.join("blobs"));
    wait_registered(&registry.url, "api");
    wait_registered(&registry.url, "filestorage");
    let remote = ["--registry", registry.url.as_str(), "--remote"];
    for args in [
        vec!["api", v1.as_str(), "--format", "json"],
        vec!["deps", v2.as_str(), "--format", "json"],
        vec!["apidiff", v1.as_str(), v2.as_str(), "--format", "json"],
    ] {
        let local = run("off", &args);
        assert!(local.status.success() || args[0] == "apidiff");
        let local = String::from_utf8(local.stdout).expect("utf-8");
        let mut remote_args = remote.to_vec();
        remote_args.extend_from_slice(&args);
        // The client's own store is off: only the service's can answer.
        let first = String::from_utf8(run("off", &remote_args).stdout).expect("utf-8");
        let second = String::from_utf8(run("off", &remote_args).stdout).expect("utf-8");
        assert_eq!(first, local, "{args:?}: remote equals local");
        assert!(
            cached_of(&second),
            "{args:?}: the service answered from its store"
        );
        assert_eq!(
            second,
            local.replacen("\"cached\": false", "\"cached\": true", 1),
            "{args:?}"
        );
    }
}

#[test]
fn store_commands_report_and_collect_the_results_of_other_builds() {
    let Fixture {
        dir: _dir,
        store_dir,
        store,
        v1,
        ..
    } = fixture();
    let json = |args: &[&str]| -> serde_json::Value {
        let out = run(&store, args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("JSON")
    };
    for format in ["json", "goapi"] {
        assert!(run(&store, &["api", &v1, "--format", format])
            .status
            .success());
    }
    let info = json(&["store", "info", "--format", "json"]);
    assert_eq!(info["results"], 2, "{info}");
    assert_eq!(info["location"], format!("sqlite {}", store_dir.display()));
    let engine = info["engine"].as_str().expect("engine").to_owned();

    // A result of another build (as an older gofed left it): collected; this build's stay.
    let db = rusqlite::Connection::open(store_dir.join("store.sqlite")).expect("open the store");
    db.execute(
        "INSERT INTO results (action, input_digest, options_digest, engine_version, data, size, digest, created_ms)
         SELECT action, input_digest, options_digest, 'older', data, size, digest, created_ms
         FROM results LIMIT 1",
        [],
    )
    .expect("copy a result");
    drop(db);
    assert_eq!(json(&["store", "info", "--format", "json"])["results"], 3);
    let gc = json(&["store", "gc", "--format", "json"]);
    assert_eq!(gc["results"], 1, "{gc}");
    assert!(gc["bytes"].as_u64().expect("bytes") > 0);
    let after = json(&["store", "info", "--format", "json"]);
    assert_eq!(
        (after["results"].clone(), after["engine"].as_str()),
        (2.into(), Some(engine.as_str()))
    );
    // Still answered from the store.
    let again = run(&store, &["api", &v1, "--format", "json"]);
    assert!(cached_of(&String::from_utf8(again.stdout).expect("utf-8")));

    let projects = json(&["store", "list", "projects", "--format", "json"]);
    assert_eq!(projects, serde_json::json!({"items": [], "next": null}));
    let revisions = run(&store, &["store", "list", "revisions"]);
    assert_eq!(revisions.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&revisions.stderr).contains("name the project"));
    let off = run("off", &["store", "info"]);
    assert_eq!(off.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&off.stderr).contains("the store is off"));
}
