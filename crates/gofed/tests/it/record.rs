//! `--store`: analyses of git revisions are recorded under their project (the go.mod module path) and revision
//! (commit id, tag, commit time), once each however often they run; sources with no revision are refused with
//! the reason, and so is a gofed without a store. (RPMs and SRPMs: `crates/gofed/tests/it/artifact.rs`.)

use crate::common;
use std::process::Output;

use crate::common::{git, git_output, write};

fn run(store: &str, args: &[&str]) -> Output {
    common::gofed_command()
        .args(args)
        .env_remove("GOROOT")
        .env("GOFED_STORE", store)
        .output()
        .expect("run gofed")
}

fn json_of(out: &Output, what: &str) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// A repository `DIR/repo` of module `module` with one file, committed on 2024-01-02 and tagged `v1.0.0`.
fn tagged_module(
    dir: &std::path::Path,
    module: &str,
    file: &str,
    text: &str,
) -> std::path::PathBuf {
    let repo = dir.join("repo");
    std::fs::create_dir(&repo).expect("repo dir");
    git(&repo, &["init", "-q", "-b", "main"]);
    write(&repo, "go.mod", format!("module {module}\n\ngo 1.21\n"));
    write(&repo, file, text);
    git(&repo, &["add", "."]);
    git_output(
        &repo,
        &["commit", "-q", "-m", "one"],
        Some("2024-01-02T03:04:05Z"),
    );
    git(&repo, &["tag", "v1.0.0"]);
    repo
}

#[test]
fn git_revisions_are_recorded_under_their_project_once_each() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let repo = tagged_module(d, "example.com/m", "m.go", "package m\n\nfunc F() {}\n");
    write(&repo, "m.go", "package m\n\nfunc F() {}\n\nfunc G() {}\n");
    git_output(
        &repo,
        &["commit", "-qam", "two"],
        Some("2024-02-03T04:05:06Z"),
    );
    git(&repo, &["tag", "-a", "v1.1.0", "-m", "release"]);
    let commits = [
        git(&repo, &["rev-parse", "v1.0.0^{commit}"]),
        git(&repo, &["rev-parse", "v1.1.0^{commit}"]),
    ];
    let repo = repo.to_string_lossy().into_owned();
    let store_dir = d.join("store");
    let store = format!("sqlite:{}", store_dir.display());
    let (v1, v2) = (format!("{repo}@v1.0.0"), format!("{repo}@v1.1.0"));

    let api = json_of(
        &run(&store, &["api", &v1, "--store", "--format", "json"]),
        "api v1",
    );
    assert_eq!(api["meta"]["source"]["tag"], "v1.0.0", "{}", api["meta"]);
    assert_eq!(api["meta"]["source"]["revision_time"], 1_704_164_645);
    json_of(
        &run(&store, &["deps", &v2, "--store", "--format", "json"]),
        "deps v2",
    );
    // Again, answered from the store, and recorded once.
    let again = json_of(
        &run(&store, &["api", &v1, "--store", "--format", "json"]),
        "api v1 again",
    );
    assert_eq!(again["meta"]["cached"], true);

    let projects = json_of(
        &run(&store, &["store", "list", "projects", "--format", "json"]),
        "projects",
    );
    assert_eq!(
        projects["items"],
        serde_json::json!([{"import_path": "example.com/m", "repository": repo}])
    );
    let revisions = json_of(
        &run(
            &store,
            &[
                "store",
                "list",
                "revisions",
                "example.com/m",
                "--format",
                "json",
            ],
        ),
        "revisions",
    );
    assert_eq!(
        revisions["items"],
        serde_json::json!([
            {"import_path": "example.com/m", "commit": commits[0], "tag": "v1.0.0", "commit_time": 1_704_164_645},
            {"import_path": "example.com/m", "commit": commits[1], "tag": "v1.1.0", "commit_time": 1_706_933_106},
        ])
    );
    // By what is recorded: api at v1.0.0 only, deps at v1.1.0 only.
    for (action, tag) in [("api", "v1.0.0"), ("deps", "v1.1.0")] {
        let listed = json_of(
            &run(
                &store,
                &[
                    "store",
                    "list",
                    "revisions",
                    "example.com/m",
                    "--action",
                    action,
                    "--format",
                    "json",
                ],
            ),
            action,
        );
        let tags: Vec<&str> = listed["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|r| r["tag"].as_str().expect("tag"))
            .collect();
        assert_eq!(tags, [tag], "{action}");
    }
    let db = rusqlite::Connection::open(store_dir.join("store.sqlite")).expect("open the store");
    let links: i64 = db
        .query_row("SELECT count(*) FROM revision_results", [], |r| r.get(0))
        .expect("count");
    assert_eq!(links, 2, "api of v1.0.0 and deps of v1.1.0");

    // A directory names no revision; a commit id is recorded without a tag.
    let plain = run(&store, &["api", &repo, "--store"]);
    assert_eq!(plain.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&plain.stderr).contains("--store records a git revision"),
        "{}",
        String::from_utf8_lossy(&plain.stderr)
    );
    let by_id = format!("{repo}@{}", commits[1]);
    json_of(
        &run(&store, &["api", &by_id, "--store", "--format", "json"]),
        "by id",
    );
    // apidiff between the stored analyses says what apidiff between the revisions says.
    json_of(
        &run(&store, &["api", &v2, "--store", "--format", "json"]),
        "api v2",
    );
    // Two revisions of one repository are mounted at the same paths: each side parses its own files (one
    // shared parse cache once gave the new side the old side's files, and "no API change").
    let lines = run("off", &["apidiff", &v1, &v2, "--format", "lines"]);
    assert_eq!(String::from_utf8_lossy(&lines.stdout), "c G: added\n");
    for format in ["lines", "text", "json"] {
        let from_git = run("off", &["apidiff", &v1, &v2, "--format", format]);
        let from_store = run(
            &store,
            &[
                "apidiff",
                "store:example.com/m@v1.0.0",
                &format!("store:example.com/m@{}", commits[1]),
                "--format",
                format,
            ],
        );
        assert_eq!(
            from_store.status.code(),
            from_git.status.code(),
            "{format}: {}",
            String::from_utf8_lossy(&from_store.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&from_store.stdout),
            String::from_utf8_lossy(&from_git.stdout),
            "{format}"
        );
    }
    let lines = run(
        &store,
        &[
            "apidiff",
            "store:example.com/m@v1.0.0",
            "store:example.com/m@v1.1.0",
        ],
    );
    assert!(
        String::from_utf8_lossy(&lines.stdout).contains("G: added"),
        "{}",
        String::from_utf8_lossy(&lines.stdout)
    );
    let unknown = run(
        &store,
        &[
            "apidiff",
            "store:example.com/m@v9",
            "store:example.com/m@v1.1.0",
        ],
    );
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&unknown.stderr)
            .contains("the store has no revision v9 of example.com/m"),
        "{}",
        String::from_utf8_lossy(&unknown.stderr)
    );

    let off = run("off", &["api", &v1, "--store"]);
    assert_eq!(off.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&off.stderr).contains("no store to record in"),
        "{}",
        String::from_utf8_lossy(&off.stderr)
    );
}

#[test]
fn store_show_prints_what_the_recorded_analysis_printed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let repo = tagged_module(
        d,
        "example.com/s",
        "s.go",
        "package s\n\nimport \"example.com/x\"\n\nvar V x.T\n",
    );
    let commit = git(&repo, &["rev-parse", "HEAD"]);
    let source = format!("{}@v1.0.0", repo.display());
    let store = format!("sqlite:{}", d.join("store").display());
    let direct = |args: &[&str]| {
        let out = run(&store, args);
        assert!(out.status.success(), "{args:?}");
        out.stdout
    };
    let api = direct(&["api", &source, "--store", "--format", "json"]);
    let deps = direct(&["deps", &source, "--store", "--format", "json"]);
    for (rev, action, expected) in [
        ("v1.0.0", "api", &api),
        (commit.as_str(), "api", &api),
        ("v1.0.0", "deps", &deps),
    ] {
        let subject = format!("example.com/s@{rev}");
        let out = run(&store, &["store", "show", &subject, "--action", action]);
        assert!(out.status.success(), "{subject} {action}");
        assert_eq!(out.stdout, **expected, "{subject} {action}");
    }
    let record = json_of(
        &run(
            &store,
            &["store", "show", "example.com/s@v1.0.0", "--format", "json"],
        ),
        "record",
    );
    assert_eq!(record["subject"]["commit"], commit.as_str(), "{record}");
    assert_eq!(record["key"]["action"], "api_analysis", "{record}");
    for (args, needle) in [
        (
            &["store", "show", "example.com/s@v9"][..],
            "revision v9 of example.com/s not found",
        ),
        (
            &["store", "show", "example.com/nope@v1.0.0"],
            "project example.com/nope not found",
        ),
        (&["store", "show", "example.com/s"], "expected PROJECT@REV"),
        (
            &["store", "show", "n-1-1", "--distro", "fedora:42"],
            "package n-1-1 (fedora:42) not found",
        ),
    ] {
        let out = run(&store, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}
