//! Repository URLs as SOURCE (issue #10): `http(s)://…/REPO.git[@REV]` is cloned (bare, by gix, no `git` binary)
//! into the download cache from a real smart-HTTP server on loopback (`git http-backend` behind a small CGI
//! gateway in this file), fetched again on the next run, and read at the revision: the outputs of a checkout of
//! it. `file://` URLs are read in place. Failures name the URL and leave nothing in the cache.

use crate::common;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::common::git_http::GitHttpServer;
use crate::common::{git, stdout_of, write};

/// `gofed ARGS` with the cache at `cache`, info logs, nothing from the caller's GOROOT, placement or registry.
fn run(args: &[&str], cache: &Path) -> Output {
    common::gofed_command()
        .args(args)
        .env_remove("GOROOT")
        .env_remove("GOFED_PLACEMENT")
        .env_remove("GOFED_REGISTRY")
        .env("GOFED_CACHE_DIR", cache)
        .env("GOFED_LOG", "info")
        .output()
        .expect("run gofed")
}

/// The entries of the download cache under `cache` (none when it was never created).
fn cache_entries(cache: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(cache.join("downloads")) {
        Ok(entries) => entries.map(|e| e.expect("entry").path()).collect(),
        Err(_) => Vec::new(),
    }
}

/// A module whose v1 is tagged, then changed on main; a checkout of v1 beside it; a bare copy under
/// `served/m.git` for the server. Returns (work repository, checkout of v1, served root).
fn repository(d: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let repo = d.join("m");
    write(
        &repo,
        "go.mod",
        "module example.com/m\n\ngo 1.21\n\nrequire golang.org/x/text v0.3.0\n",
    );
    write(
        &repo,
        "a/a.go",
        "package a\n\n// T is a thing.\ntype T struct{ N int }\n\nfunc New(n int) *T { return &T{N: n} }\n",
    );
    write(
        &repo,
        "b/b.go",
        "package b\n\nimport (\n\t\"example.com/m/a\"\n\t\"golang.org/x/text/language\"\n)\n\nfunc Tag() language.Tag { return language.English }\n\nfunc Make() *a.T { return a.New(1) }\n",
    );
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "v1"]);
    git(&repo, &["tag", "-a", "v1", "-m", "release v1"]);
    let checkout = d.join("checkout-v1");
    git(
        d,
        &[
            "clone",
            "-q",
            "--branch",
            "v1",
            path_str(&repo),
            path_str(&checkout),
        ],
    );
    write(&repo, "a/more.go", "package a\n\nfunc Added() {}\n");
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "add Added"]);
    let served = d.join("served");
    std::fs::create_dir_all(&served).expect("mkdir");
    git(
        d,
        &[
            "clone",
            "-q",
            "--bare",
            path_str(&repo),
            path_str(&served.join("m.git")),
        ],
    );
    (repo, checkout, served)
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

#[test]
fn repository_urls_are_cloned_into_the_cache_once_and_read_at_the_revision() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let (repo, checkout, served) = repository(d);
    let server = GitHttpServer::start(&served);
    let cache = d.join("cache");
    let url = format!("{}/m.git", server.url);
    let at_v1 = format!("{url}@v1");

    let in_checkout = |args: &[&str]| {
        let mut all = args.to_vec();
        all.insert(1, path_str(&checkout));
        stdout_of(&run(&all, &cache), &format!("{all:?}"))
    };
    let api_v1 = in_checkout(&["api", "--format", "goapi"]);
    assert!(
        api_v1.contains("pkg example.com/m/a, func New(int) *T"),
        "{api_v1}"
    );
    assert!(!api_v1.contains("Added"), "{api_v1}");

    // First run: cloned.
    let first = run(&["api", &at_v1, "--format", "goapi"], &cache);
    assert_eq!(stdout_of(&first, "api URL@v1"), api_v1, "api of URL@v1");
    let log = String::from_utf8_lossy(&first.stderr);
    assert!(log.contains("cloning into the cache"), "{log}");
    let entries = cache_entries(&cache);
    assert_eq!(entries.len(), 1, "one clone, nothing else: {entries:?}");
    let clone = entries[0].clone();
    assert!(
        clone.is_dir() && clone.join("objects").is_dir() && !clone.join(".git").exists(),
        "a bare repository: {}",
        clone.display()
    );
    // Whether a later run clones again shows in this file: a new clone would not have it.
    write(&clone, "gofed-test-marker", "kept by a fetch");
    let asked = server.count("git-upload-pack");
    assert!(asked >= 2, "references listed, pack fetched: {asked}");

    // Second run: fetched, not cloned; the same outputs as the checkout's.
    let second = run(&["deps", &at_v1], &cache);
    assert_eq!(
        stdout_of(&second, "deps URL@v1"),
        in_checkout(&["deps"]),
        "deps of URL@v1"
    );
    let log = String::from_utf8_lossy(&second.stderr);
    assert!(
        log.contains("updating the clone in the cache")
            && log.contains("nothing new on the remote")
            && !log.contains("cloning"),
        "{log}"
    );
    assert!(
        server.count("git-upload-pack") > asked,
        "the remote was asked again"
    );
    assert!(
        clone.join("gofed-test-marker").exists(),
        "the clone was kept"
    );
    assert_eq!(cache_entries(&cache), vec![clone.clone()]);
    assert_eq!(
        stdout_of(
            &run(&["api", &url, "--rev", "v1", "--format", "goapi"], &cache),
            "--rev"
        ),
        api_v1,
        "URL --rev v1"
    );

    // Without a revision: the remote's HEAD (main, with the change).
    let head = stdout_of(&run(&["api", &url, "--format", "goapi"], &cache), "api URL");
    assert!(head.contains("pkg example.com/m/a, func Added()"), "{head}");

    // What the remote gains later is fetched: a new tag.
    write(&repo, "a/v2.go", "package a\n\nfunc InV2() {}\n");
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "v2"]);
    git(&repo, &["tag", "v2"]);
    git(
        &repo,
        &["push", "-q", path_str(&served.join("m.git")), "main", "v2"],
    );
    let v2 = stdout_of(
        &run(&["api", &format!("{url}@v2"), "--format", "goapi"], &cache),
        "api URL@v2",
    );
    assert!(v2.contains("func InV2()"), "{v2}");
    assert!(
        clone.join("gofed-test-marker").exists(),
        "still the same clone"
    );

    // meta.source names the URL and the commit.
    let json: serde_json::Value = serde_json::from_str(&stdout_of(
        &run(&["api", &at_v1, "--format", "json"], &cache),
        "api json",
    ))
    .expect("JSON");
    let source = &json["meta"]["source"];
    assert_eq!(source["name"], at_v1.as_str(), "{source}");
    assert_eq!(source["kind"], "git", "{source}");
    assert_eq!(
        source["revision"],
        git(&repo, &["rev-parse", "v1^{commit}"]).as_str(),
        "{source}"
    );

    // scm log reads the clone too: what `git log` prints of the served repository.
    let scm = stdout_of(&run(&["scm", "log", &url], &cache), "scm log URL");
    let expected = git(
        &served.join("m.git"),
        &["log", "--format=%H %an <%ae> %aI %s"],
    );
    assert_eq!(scm.trim_end(), expected);
    assert_eq!(scm.lines().count(), 3, "{scm}");
    let out = run(&["scm", "log", &url, "--branch", "nope"], &cache);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{url}@nope")) && stderr.contains("unknown revision"),
        "{stderr}"
    );
    // scm store: the same file id as for the local repository at the same tag.
    let store = |source: &str| {
        let out = common::gofed_command()
            .args(["scm", "store", source, "--rev", "v1"])
            .env_remove("GOFED_PLACEMENT")
            .env_remove("GOFED_REGISTRY")
            .env("GOFED_CACHE_DIR", &cache)
            .env("GOFED_BLOB_DIR", d.join("blobs"))
            .output()
            .expect("run gofed");
        stdout_of(&out, &format!("scm store {source}"))
    };
    let stored = store(&url);
    assert_eq!(stored.trim().len(), 64, "{stored}");
    assert_eq!(stored, store(path_str(&repo)));
}

#[test]
fn failed_clones_name_the_url_and_leave_nothing_in_the_cache() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let (_, _, served) = repository(d);
    let server = GitHttpServer::start(&served);
    let cache = d.join("cache");

    // A repository the server does not have.
    let missing = format!("{}/none.git", server.url);
    let out = run(&["api", &format!("{missing}@v1")], &cache);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&missing) && stderr.contains("404"),
        "{stderr}"
    );
    assert!(
        cache_entries(&cache).is_empty(),
        "{:?}",
        cache_entries(&cache)
    );

    // Nobody listening.
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("address").port()
    };
    let unreachable = format!("http://127.0.0.1:{port}/m.git");
    let out = run(&["deps", &unreachable, "--rev", "v1"], &cache);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&unreachable) && stderr.contains("Connection refused"),
        "{stderr}"
    );
    assert!(
        cache_entries(&cache).is_empty(),
        "{:?}",
        cache_entries(&cache)
    );

    // A revision the remote has not: the clone is kept (it is good), the error names the URL and the revision.
    let url = format!("{}/m.git", server.url);
    let out = run(&["api", &format!("{url}@nope")], &cache);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{url}@nope")) && stderr.contains("unknown revision"),
        "{stderr}"
    );
    let entries = cache_entries(&cache);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(
        entries[0].extension().is_some_and(|e| e == "git"),
        "{entries:?}"
    );
}

#[test]
fn file_urls_are_read_in_place() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let (repo, checkout, _) = repository(d);
    let cache = d.join("cache");
    let api = |source: &str| stdout_of(&run(&["api", source, "--format", "goapi"], &cache), source);
    let url = format!("file://{}", repo.display());
    assert_eq!(api(&format!("{url}@v1")), api(path_str(&checkout)));
    assert!(api(&url).contains("func Added()"), "HEAD");
    assert!(cache_entries(&cache).is_empty(), "nothing is cloned");
    let out = run(
        &["api", &format!("file://{}@v1", d.join("none").display())],
        &cache,
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not a git repository"), "{stderr}");
}
