//! `gofed scan` (issue #11) on git repositories with tags built here, real processes and real stores: every
//! (repository, tag, analysis) is done exactly once and recorded, the stored results are what a direct run
//! prints, a rescan does only what is new, a worker killed with SIGKILL resumes under its name, and two workers
//! on one PostgreSQL job table split the jobs without doing one twice; a service writing to the store killed
//! with SIGKILL mid-stream loses no acknowledged write and serves no half-written one. RPMs built by rpmbuild are
//! scanned once and recorded under their package, as a direct run prints them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::system::{wait_registered, wait_until, Process};
use crate::common::{git, gofed_command, write};
use crate::postgres::start_postgres;

/// A repository of module `example.com/NAME` with `tags` tags `v1.N.0`, each adding a function (and from the
/// second on, an import of the standard library, so deps has something to say).
fn tagged_repo(dir: &Path, name: &str, tags: usize) -> PathBuf {
    let repo = dir.join(name);
    std::fs::create_dir_all(&repo).expect("mkdir");
    git(&repo, &["init", "-q", "-b", "main"]);
    write(
        &repo,
        "go.mod",
        format!("module example.com/{name}\n\ngo 1.21\n"),
    );
    for n in 1..=tags {
        let body = if n == 1 {
            format!("package {name}\n\nfunc F{n}() {{}}\n")
        } else {
            format!("package {name}\n\nimport \"strings\"\n\nfunc F{n}(s string) string {{ return strings.ToUpper(s) }}\n")
        };
        write(&repo, &format!("f{n}.go"), body);
        git(&repo, &["add", "-A"]);
        git(&repo, &["commit", "-q", "-m", &format!("release {n}")]);
        git(&repo, &["tag", &format!("v1.{n}.0")]);
    }
    repo
}

fn tags_of(repo: &Path) -> Vec<String> {
    git(repo, &["tag", "--list"])
        .lines()
        .map(str::to_owned)
        .collect()
}

/// `gofed` with the store at `store` (`sqlite:DIR` or a PostgreSQL connection string).
fn gofed_with(store: &str) -> Command {
    let mut command = gofed_command();
    command.env("GOFED_STORE", store);
    command
}

fn scan(store: &str, args: &[&str]) -> Value {
    let out = gofed_with(store)
        .arg("scan")
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("run gofed scan");
    summary(&out)
}

fn summary(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "gofed scan failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("scan --format json prints JSON")
}

/// The keys of the jobs a scan summary says this process did (each `done`).
fn done_keys(summary: &Value) -> Vec<String> {
    summary["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .map(|job| {
            assert_eq!(job["state"], "done", "{job}");
            job["key"].as_str().expect("key").to_owned()
        })
        .collect()
}

/// What `gofed ACTION REPO@TAG --format json -e` prints with the store at `store` (and whether it came from the
/// store), and without a store: the stored result must be the direct run's document.
fn assert_stored_equals_direct(store: &str, action: &str, repo: &Path, tag: &str) {
    assert_answered_from_store(&mut gofed_with(store), action, repo, tag);
}

/// [`assert_stored_equals_direct`] with `stored`, a command whose answer must come from a store.
fn assert_answered_from_store(stored: &mut Command, action: &str, repo: &Path, tag: &str) {
    let source = format!("{}@{tag}", repo.display());
    let run = |command: &mut Command| -> Value {
        let out = command
            .args([action, &source, "--format", "json", "-e"])
            .output()
            .expect("run gofed");
        assert!(
            out.status.success(),
            "gofed {action} {source}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("JSON")
    };
    let mut stored = run(stored);
    let direct = run(&mut gofed_command());
    assert_eq!(
        stored["meta"]["cached"], true,
        "{action} {source} is not in the store"
    );
    stored["meta"]["cached"] = Value::Bool(false);
    assert_eq!(stored, direct, "{action} {source}: stored ≠ direct run");
}

fn store_info(store: &str) -> Value {
    let out = gofed_with(store)
        .args(["store", "info", "--format", "json"])
        .output()
        .expect("run gofed store info");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// The recorded tags of a project, from `gofed store list revisions`.
fn recorded_tags(store: &str, project: &str) -> BTreeSet<String> {
    let out = gofed_with(store)
        .args(["store", "list", "revisions", project, "--format", "json"])
        .output()
        .expect("run gofed store list");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|r| r["tag"].as_str().expect("a tag").to_owned())
        .collect()
}

#[test]
fn every_tag_is_scanned_once_recorded_and_a_rescan_does_only_what_is_new() {
    let dir = tempfile::tempdir().expect("temp dir");
    let alpha = tagged_repo(dir.path(), "alpha", 3);
    let beta = tagged_repo(dir.path(), "beta", 2);
    let list = dir.path().join("repos.txt");
    std::fs::write(
        &list,
        format!(
            "# the projects\n{}\n\n{}\n",
            alpha.display(),
            beta.display()
        ),
    )
    .expect("write list");
    let store = format!("sqlite:{}", dir.path().join("store").display());
    let list_arg = list.to_str().expect("utf-8");

    let first = scan(
        &store,
        &["--list", list_arg, "--action", "api,deps", "-j", "2"],
    );
    // 5 tags × 2 analyses.
    assert_eq!(
        (first["enqueued"].as_u64(), first["known"].as_u64()),
        (Some(10), Some(0))
    );
    let keys = done_keys(&first);
    assert_eq!(keys.len(), 10);
    assert_eq!(
        keys.iter().collect::<BTreeSet<_>>().len(),
        10,
        "a job done twice: {keys:?}"
    );
    let workers: BTreeSet<&str> = first["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .filter_map(|j| j["worker"].as_str())
        .collect();
    assert!(
        workers
            .iter()
            .all(|w| w.ends_with("/1") || w.ends_with("/2")),
        "{workers:?}"
    );
    assert_eq!(first["queue"]["done"], 10);
    assert_eq!(
        recorded_tags(&store, "example.com/alpha"),
        ["v1.1.0", "v1.2.0", "v1.3.0"].map(String::from).into()
    );
    assert_eq!(
        recorded_tags(&store, "example.com/beta"),
        ["v1.1.0", "v1.2.0"].map(String::from).into()
    );
    let info = store_info(&store);
    assert_eq!(
        (info["projects"].as_u64(), info["revisions"].as_u64()),
        (Some(2), Some(5))
    );
    assert_eq!(info["results"], 10);
    for (repo, tags) in [(&alpha, tags_of(&alpha)), (&beta, tags_of(&beta))] {
        for tag in &tags {
            assert_stored_equals_direct(&store, "api", repo, tag);
            assert_stored_equals_direct(&store, "deps", repo, tag);
        }
    }

    // The same list again: every job is known, none is done again.
    let again = scan(&store, &["--list", list_arg, "--action", "api,deps"]);
    assert_eq!(
        (again["enqueued"].as_u64(), again["known"].as_u64()),
        (Some(0), Some(10))
    );
    assert_eq!(done_keys(&again), Vec::<String>::new());

    // A new release: only its jobs run.
    write(&alpha, "f9.go", "package alpha\n\nfunc F9() {}\n");
    git(&alpha, &["add", "-A"]);
    git(&alpha, &["commit", "-q", "-m", "release 9"]);
    git(&alpha, &["tag", "v1.9.0"]);
    let new = scan(&store, &["--list", list_arg, "--action", "api,deps"]);
    assert_eq!(new["enqueued"], 2);
    let commit = git(&alpha, &["rev-parse", "v1.9.0"]);
    let mut keys = done_keys(&new);
    keys.sort();
    assert_eq!(
        keys,
        [
            format!("api_analysis {}@{commit}", alpha.display()),
            format!("deps_analysis {}@{commit}", alpha.display()),
        ]
    );
    assert_stored_equals_direct(&store, "api", &alpha, "v1.9.0");

    // --since: the commits of HEAD instead of the tags; beta's two commits are its two tags, already done.
    let beta_arg = beta.to_str().expect("utf-8");
    let since = scan(
        &store,
        &[beta_arg, "--since", "2000-01-01", "--action", "api,deps"],
    );
    assert_eq!(
        (since["enqueued"].as_u64(), since["known"].as_u64()),
        (Some(0), Some(4))
    );
    let none = scan(&store, &[beta_arg, "--since", "2999-01-01"]);
    assert_eq!(
        (none["enqueued"].as_u64(), none["known"].as_u64()),
        (Some(0), Some(0))
    );
}

#[test]
fn bad_sources_are_errors_naming_them_and_failed_jobs_are_reported() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = format!("sqlite:{}", dir.path().join("store").display());
    let missing = dir.path().join("no-such-repo");
    let out = gofed_with(&store)
        .args(["scan", missing.to_str().expect("utf-8")])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no-such-repo"), "{stderr}");

    let plain = dir.path().join("plain");
    std::fs::create_dir(&plain).expect("mkdir");
    let out = gofed_with(&store)
        .args(["scan", plain.to_str().expect("utf-8")])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("plain") && stderr.contains("not a git repository"),
        "{stderr}"
    );

    // Not an RPM: the job fails with the reader's error, the scan says so and exits 1.
    let junk = dir.path().join("junk.rpm");
    std::fs::write(&junk, b"this is no RPM").expect("write");
    let out = gofed_with(&store)
        .args(["scan", junk.to_str().expect("utf-8"), "--format", "json"])
        .output()
        .expect("run");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(summary["jobs"][0]["state"], "failed");
    assert!(
        summary["jobs"][0]["error"]
            .as_str()
            .is_some_and(|e| e.contains("junk.rpm")),
        "{summary}"
    );
    assert_eq!(summary["queue"]["failed"], 1);

    // Without a store there is no job list.
    let out = gofed_command()
        .args(["scan", junk.to_str().expect("utf-8")])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("store"));
}

/// The number of done jobs, read from the SQLite store behind gofed's back.
fn done_in_sqlite(store_dir: &Path) -> i64 {
    let Ok(conn) = rusqlite::Connection::open_with_flags(
        store_dir.join("store.sqlite"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    ) else {
        return 0;
    };
    conn.query_row("SELECT COUNT(*) FROM jobs WHERE state = 'done'", [], |r| {
        r.get(0)
    })
    .unwrap_or(0)
}

#[test]
fn a_worker_killed_mid_scan_resumes_under_its_name_and_no_job_is_done_twice() {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = tagged_repo(dir.path(), "gamma", 40);
    let store_dir = dir.path().join("store");
    let store = format!("sqlite:{}", store_dir.display());
    let repo_arg = repo.to_str().expect("utf-8");

    let mut child = gofed_with(&store)
        .args(["scan", repo_arg, "--worker", "w1", "--format", "json"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start gofed scan");
    let started = Instant::now();
    while done_in_sqlite(&store_dir) < 3 {
        assert!(
            child.try_wait().expect("wait").is_none(),
            "the scan ended before the kill"
        );
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no job done in 120 s"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    // SIGKILL: no chance to finish the job in hand or to release anything.
    child.kill().expect("kill -9");
    child.wait().expect("reap");
    let done_before = done_in_sqlite(&store_dir);
    assert!(
        done_before < 40,
        "the scan finished before the kill ({done_before} done)"
    );

    let resumed = scan(&store, &["--worker", "w1", "--work-only"]);
    let keys = done_keys(&resumed);
    assert_eq!(
        done_before + keys.len() as i64,
        40,
        "jobs done before the kill ({done_before}) and after ({}) must add up to every tag",
        keys.len()
    );
    assert_eq!(resumed["queue"]["done"], 40);
    assert_eq!(resumed["queue"]["claimed"], 0);
    let info = store_info(&store);
    assert_eq!(
        (info["revisions"].as_u64(), info["results"].as_u64()),
        (Some(40), Some(40))
    );
    // Every stored result reads back whole (sha256 checked on read) and equals the direct run.
    for tag in tags_of(&repo) {
        assert_stored_equals_direct(&store, "api", &repo, &tag);
    }
}

#[test]
fn two_workers_share_one_postgresql_job_table() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let Some(pg) = runtime.block_on(start_postgres("two_workers_share_one_postgresql_job_table"))
    else {
        return;
    };
    let store = pg.conninfo();
    let dir = tempfile::tempdir().expect("temp dir");
    let repos: Vec<PathBuf> = ["delta", "epsilon", "zeta"]
        .iter()
        .map(|name| tagged_repo(dir.path(), name, 6))
        .collect();
    let list = dir.path().join("repos.txt");
    let lines: Vec<String> = repos.iter().map(|r| r.display().to_string()).collect();
    std::fs::write(&list, lines.join("\n")).expect("write list");
    let list_arg = list.to_str().expect("utf-8");

    // Both enqueue the same list (idempotent) and work until the queue is empty.
    let workers: Vec<_> = ["machine-a", "machine-b"]
        .iter()
        .map(|name| {
            gofed_with(&store)
                .args([
                    "scan", "--list", list_arg, "--action", "api,deps", "--worker", name,
                ])
                .args(["--format", "json"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start gofed scan")
        })
        .collect();
    let summaries: Vec<Value> = workers
        .into_iter()
        .map(|w| summary(&w.wait_with_output().expect("wait")))
        .collect();
    let a: BTreeSet<String> = done_keys(&summaries[0]).into_iter().collect();
    let b: BTreeSet<String> = done_keys(&summaries[1]).into_iter().collect();
    // Both took part (they started together and the queue outlasts a process start).
    assert!(!a.is_empty() && !b.is_empty(), "a: {a:?}\nb: {b:?}");
    assert!(
        a.is_disjoint(&b),
        "done by both: {:?}",
        a.intersection(&b).collect::<Vec<_>>()
    );
    // 3 repositories × 6 tags × 2 analyses.
    assert_eq!(a.len() + b.len(), 36, "a: {a:?}\nb: {b:?}");
    let enqueued: u64 = summaries
        .iter()
        .filter_map(|s| s["enqueued"].as_u64())
        .sum();
    assert_eq!(enqueued, 36, "each job is enqueued once");
    // Once both have exited: a worker with nothing queued ends while the other finishes its last job, so
    // the queue of either summary may still show that one claimed.
    let after = scan(&store, &["--work-only"]);
    assert_eq!(done_keys(&after), Vec::<String>::new());
    assert_eq!(after["queue"]["done"], 36);
    assert_eq!(after["queue"]["claimed"], 0);
    for repo in &repos {
        let name = repo.file_name().and_then(|n| n.to_str()).expect("name");
        assert_eq!(
            recorded_tags(&store, &format!("example.com/{name}")).len(),
            6
        );
        for tag in ["v1.1.0", "v1.6.0"] {
            assert_stored_equals_direct(&store, "api", repo, tag);
            assert_stored_equals_direct(&store, "deps", repo, tag);
        }
    }
    drop(pg);
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `gofed serve api filestorage` with its store at `store` and its blobs in `blobs`.
fn serve_with_store(registry: &str, store: &str, blobs: &Path) -> Process {
    Process::start(
        &[
            "serve",
            "api",
            "filestorage",
            "--listen",
            "127.0.0.1:0",
            "--registry",
            registry,
            "--heartbeat-ms",
            "200",
            "--ttl-ms",
            "1000",
        ],
        &[("GOFED_STORE", Path::new(store)), ("GOFED_BLOB_DIR", blobs)],
    )
}

#[test]
fn a_storage_service_killed_mid_stream_keeps_every_acknowledged_write() {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = tagged_repo(dir.path(), "eta", 30);
    let store = format!("sqlite:{}", dir.path().join("store").display());
    let blobs = dir.path().join("blobs");
    let registry = Process::start(&["registry", "--listen", "127.0.0.1:0"], &[]);
    let mut service = serve_with_store(&registry.url, &store, &blobs);
    wait_registered(&registry.url, "api");

    // A client records one revision after another through the service (its git tree packed and uploaded to
    // filestorage, the analysis written to the store); each acknowledged call is remembered.
    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let client = {
        let (acknowledged, registry, repo) = (
            Arc::clone(&acknowledged),
            registry.url.clone(),
            repo.clone(),
        );
        std::thread::spawn(move || {
            for tag in tags_of(&repo) {
                let source = format!("{}@{tag}", repo.display());
                let out = gofed_command()
                    .args(["--registry", &registry, "--remote", "api", &source])
                    .args(["--store", "--format", "json", "-e"])
                    .env_remove("GOFED_PLACEMENT")
                    .output()
                    .expect("run gofed");
                if out.status.success() {
                    lock(&acknowledged).push(tag);
                }
            }
        })
    };
    let waited = wait_until(Duration::from_secs(120), || lock(&acknowledged).len() >= 4);
    assert!(waited.is_some(), "no call acknowledged in 120 s");
    // SIGKILL in the middle of the stream: calls in flight die with it.
    service.kill9();
    let acked_before_kill = lock(&acknowledged).len();
    std::thread::sleep(Duration::from_millis(300));
    let _restarted = serve_with_store(&registry.url, &store, &blobs);
    client.join().expect("client");
    let acknowledged = lock(&acknowledged).clone();
    assert!(
        acked_before_kill < 30,
        "the stream ended before the kill: nothing was in flight"
    );
    assert!(
        acknowledged.len() > acked_before_kill,
        "no call succeeded after the restart"
    );

    // Every acknowledged write is recorded and reads back whole (sha256 checked on read), equal to a direct run;
    // a call that died with the service left nothing that is answered in its place.
    let recorded = recorded_tags(&store, "example.com/eta");
    for tag in &acknowledged {
        assert!(
            recorded.contains(tag),
            "{tag} acknowledged but not recorded"
        );
    }
    for tag in tags_of(&repo) {
        if recorded.contains(&tag) {
            // Keyed as the service keys it: by the uploaded tree (not by repository and commit, as here).
            let mut remote = gofed_command();
            remote.args(["--registry", &registry.url, "--remote"]);
            assert_answered_from_store(&mut remote, "api", &repo, &tag);
        }
    }
}

#[test]
fn rpms_are_scanned_once_and_recorded_under_their_package() {
    let test = "scan::rpms_are_scanned_once_and_recorded_under_their_package";
    let Some(rpmbuild) = crate::rpmbuild::rpmbuild(test) else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    write(d, "m-1.0/go.mod", "module example.com/m\n\ngo 1.21\n");
    write(
        d,
        "m-1.0/m.go",
        "package m\n\nimport \"strings\"\n\nfunc Up(s string) string { return strings.ToUpper(s) }\n",
    );
    let top = d.join("rpmbuild");
    write(
        &top,
        "SPECS/golang-example-m.spec",
        crate::common::GOLANG_SPEC,
    );
    std::fs::create_dir_all(top.join("SOURCES")).expect("SOURCES");
    let status = Command::new("tar")
        .current_dir(d)
        .args(["-czf", "rpmbuild/SOURCES/m-1.0.tar.gz", "m-1.0"])
        .status()
        .expect("tar");
    assert!(status.success());
    let spec = top.join("SPECS/golang-example-m.spec");
    let built =
        crate::rpmbuild::rpmbuild_in(&rpmbuild, &top, &["-ba", spec.to_str().expect("utf-8")]);
    let find = |suffix: &str| {
        built
            .iter()
            .find(|p| p.to_string_lossy().ends_with(suffix))
            .unwrap_or_else(|| panic!("{suffix} among {built:?}"))
            .to_string_lossy()
            .into_owned()
    };
    let srpm = find("golang-example-m-1.0-3.fc42.src.rpm");
    let rpm = find("golang-example-m-devel-1.0-3.fc42.noarch.rpm");
    let store = format!("sqlite:{}", d.join("store").display());

    let first = scan(&store, &[&srpm, &rpm, "--action", "api,deps"]);
    assert_eq!(done_keys(&first).len(), 4, "{first}");
    let again = scan(&store, &[&srpm, &rpm, "--action", "api,deps"]);
    assert_eq!(again["enqueued"], 0, "{again}");
    assert!(done_keys(&again).is_empty(), "{again}");

    // Each package's recorded analysis is what a direct run prints.
    for (source, nvr) in [
        (&srpm, "golang-example-m-1.0-3.fc42"),
        (&rpm, "golang-example-m-devel-1.0-3.fc42"),
    ] {
        for action in ["api", "deps"] {
            let shown = gofed_with(&store)
                .args([
                    "store",
                    "show",
                    nvr,
                    "--distro",
                    "fedora:42",
                    "--action",
                    action,
                ])
                .output()
                .expect("gofed store show");
            assert!(
                shown.status.success(),
                "store show {nvr} {action}: {}",
                String::from_utf8_lossy(&shown.stderr)
            );
            let direct = gofed_with("off")
                .args([action, source, "--format", "json", "-e"])
                .output()
                .expect("gofed");
            assert!(direct.status.success(), "{action} {source}");
            let shown: Value = serde_json::from_slice(&shown.stdout).expect("JSON");
            let direct: Value = serde_json::from_slice(&direct.stdout).expect("JSON");
            assert_eq!(shown, direct, "{nvr} {action}");
        }
    }
}
