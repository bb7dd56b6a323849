//! The system with real processes on loopback: `gofed registry` (or a real etcd), `gofed serve` instances, and a
//! client (`System` in this process, or the `gofed` command).
//!
//! - 200 calls spread over two `api` instances (counted from their `/metrics`);
//! - `kill -9` of one instance during 200 calls: no call fails, and the registry drops the dead instance within its
//!   TTL; the same against etcd;
//! - the registry killed and restarted on its port: every instance is listed again within a heartbeat;
//! - SIGTERM of an instance under load: the calls in flight complete, the process deregisters and exits 0;
//! - the scenarios `api`, `apidiff`, `deps`, `depsdiff` print the same bytes in-process and remote;
//! - bad requests: a path source refused by a network service, a garbage bundle, unknown placement.

use crate::common;
use crate::etcd_process;

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::common::system::{calls_total, http_get, metric, serve, wait_until, Process};
use crate::common::{gofed, success_json, write};
use gofed_service::{Placement, System, SystemConfig};
use gofed_services::{
    api_service, bundle, ApiFormat, ApiRequest, Rendered, ServiceContext, Source,
};

/// A module with enough code that an analysis takes a little while, and an API worth comparing.
fn api_tree(root: &Path, n_files: usize) {
    write(root, "go.mod", "module example.com/big\n\ngo 1.21\n");
    for i in 0..n_files {
        let mut text = format!("package big\n\nimport \"io\"\n\n// T{i} is a type.\ntype T{i} struct {{ A int; B string; R io.Reader }}\n\n");
        for j in 0..20 {
            text.push_str(&format!(
                "func (t *T{i}) M{j}(x int, s ...string) (int, error) {{ return x + {j}, nil }}\n\nconst C{i}_{j} = {j} << {i}\n\n"
            ));
        }
        write(root, &format!("f{i}.go"), text);
    }
}

/// A tokio runtime for the in-process client.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// A client placing `api` and `filestorage` remote, found through `registry`.
fn remote_system(registry: &str) -> Arc<System> {
    let config = SystemConfig {
        registry: registry.to_owned(),
        default_placement: Placement::Remote,
        lookup_ttl_ms: 200,
        ..SystemConfig::default()
    };
    let backend = gofed_registry::connect(registry).expect("registry URL");
    Arc::new(System::new(
        vec![api_service(ServiceContext::local())],
        config,
        gofed_service::ClientConfig::default(),
        Some(backend),
    ))
}

/// Uploads `tree` as a bundle and returns the request for its API in cmd/api lines.
fn upload_request(rt: &tokio::runtime::Runtime, system: &System, tree: &Path) -> ApiRequest {
    let bundle = bundle::pack(tree).expect("pack");
    let file = rt
        .block_on(system.upload_bytes(bundle.bytes.into()))
        .expect("upload");
    ApiRequest {
        source: Source::Bundle {
            file,
            mount: bundle.mount,
            root: bundle.root,
        },
        context: Default::default(),
        contexts: None,
        goroot: None,
        format: ApiFormat::Goapi,
        allow_errors: false,
        record: false,
        no_cache: false,
    }
}

/// The same analysis in this process, for comparison.
fn local_result(rt: &tokio::runtime::Runtime, tree: &Path) -> Rendered {
    let service = api_service(ServiceContext::local());
    let request = ApiRequest {
        source: Source::Path(tree.to_owned()),
        context: Default::default(),
        contexts: None,
        goroot: None,
        format: ApiFormat::Goapi,
        allow_errors: false,
        record: false,
        no_cache: false,
    };
    rt.block_on(service.call_local("api_analysis", request))
        .expect("local analysis")
}

/// Runs `n` calls, `concurrency` at a time; `after(k)` runs once `k` calls have completed. Returns the failures.
fn run_calls(
    rt: &tokio::runtime::Runtime,
    system: &Arc<System>,
    request: &ApiRequest,
    expected: &Rendered,
    n: usize,
    concurrency: usize,
    mut at_completed: Option<(usize, Box<dyn FnOnce() + Send>)>,
) -> Vec<String> {
    let completed = Arc::new(AtomicUsize::new(0));
    let failures = rt.block_on(async {
        let semaphore = Arc::new(tokio::sync::Semaphore::new(concurrency));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..n {
            let permit = Arc::clone(&semaphore)
                .acquire_owned()
                .await
                .expect("semaphore");
            if let Some((k, _)) = &at_completed {
                if completed.load(Ordering::SeqCst) >= *k {
                    let (_, action) = at_completed.take().expect("once");
                    tokio::task::spawn_blocking(action).await.expect("action");
                }
            }
            let (system, request, expected, completed) = (
                Arc::clone(system),
                request.clone(),
                expected.clone(),
                Arc::clone(&completed),
            );
            tasks.spawn(async move {
                let result: Result<Rendered, _> = system.call("api_analysis", request).await;
                drop(permit);
                completed.fetch_add(1, Ordering::SeqCst);
                match result {
                    Ok(rendered) if rendered == expected => None,
                    Ok(_) => Some("a different result".to_owned()),
                    Err(err) => Some(format!("{:#}", anyhow::Error::from(err))),
                }
            });
        }
        let mut failures = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            if let Some(failure) = joined.expect("task") {
                failures.push(failure);
            }
        }
        failures
    });
    assert!(at_completed.is_none(), "the mid-run action never ran");
    failures
}

/// The instance ids the registry lists for `service`.
fn listed(rt: &tokio::runtime::Runtime, registry: &str, service: &str) -> Vec<String> {
    let backend = gofed_registry::connect(registry).expect("registry URL");
    rt.block_on(backend.lookup(service))
        .map(|found| found.into_iter().map(|i| i.instance_id).collect())
        .unwrap_or_default()
}

/// One `filestorage` and `n_api` `api` instances registered at `registry` (blobs under `dir`), once all are
/// listed.
fn fleet(
    rt: &tokio::runtime::Runtime,
    registry: &str,
    n_api: usize,
    ttl_ms: u64,
    dir: &Path,
) -> (Process, Vec<Process>) {
    let storage = serve(
        &["filestorage"],
        registry,
        ttl_ms,
        &dir.join("blobs-storage"),
    );
    let apis: Vec<Process> = (0..n_api)
        .map(|i| {
            serve(
                &["api"],
                registry,
                ttl_ms,
                &dir.join(format!("blobs-api{i}")),
            )
        })
        .collect();
    wait_until(Duration::from_secs(5), || {
        listed(rt, registry, "api").len() == n_api && listed(rt, registry, "filestorage").len() == 1
    })
    .expect("every instance registered");
    (storage, apis)
}

/// The failover suite against the registry at `registry` (embedded or etcd), instances registering with `ttl_ms`.
fn spread_and_failover(registry: &str, ttl_ms: u64) {
    let rt = runtime();
    let dir = tempfile::tempdir().expect("temp dir");
    let tree = dir.path().join("big");
    api_tree(&tree, 8);
    let (storage, mut apis) = fleet(&rt, registry, 2, ttl_ms, dir.path());
    let (mut b, a) = (apis.pop().expect("b"), apis.pop().expect("a"));
    // `gofed system status` reads either backend and probes every instance.
    let status = success_json(&gofed(&[
        "system",
        "status",
        "--registry",
        registry,
        "--format",
        "json",
    ]));
    let api = status["services"]
        .as_array()
        .expect("services")
        .iter()
        .find(|s| s["name"] == "api")
        .expect("api listed");
    let health: Vec<&str> = api["instances"]
        .as_array()
        .expect("instances")
        .iter()
        .map(|i| i["health"].as_str().expect("health"))
        .collect();
    assert_eq!(health, ["up", "up"], "{status}");

    let system = remote_system(registry);
    let request = upload_request(&rt, &system, &tree);
    let expected = local_result(&rt, &tree);
    assert!(
        matches!(&expected.output, gofed_services::Output::Text(t) if t.contains("method (*T7) M19(int, ...string) (int, error)")),
        "the local analysis found the API"
    );

    // 200 calls spread over both instances.
    let failures = run_calls(&rt, &system, &request, &expected, 200, 8, None);
    assert!(
        failures.is_empty(),
        "{} failures: {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );
    let (on_a, on_b) = (
        calls_total(&a.url, "api_analysis"),
        calls_total(&b.url, "api_analysis"),
    );
    assert_eq!(on_a + on_b, 200, "every call ran once");
    assert!(on_a >= 50 && on_b >= 50, "spread: {on_a} on a, {on_b} on b");
    eprintln!("spread over two instances: {on_a} / {on_b}");

    // kill -9 of b after 40 of 200 calls: no failed call.
    // kill -9 of b after 40 of 200 calls: no failed call. A watcher thread notes when the registry drops b.
    let (b_id, b_pid) = (b.instance.clone(), b.child.id());
    let unlisted_after = Arc::new(std::sync::Mutex::new(None));
    let watcher_result = Arc::clone(&unlisted_after);
    let registry_url = registry.to_owned();
    let kill: Box<dyn FnOnce() + Send> = Box::new(move || {
        let status = Command::new("kill")
            .args(["-KILL", &b_pid.to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            let gone = wait_until(Duration::from_millis(ttl_ms + 5000), || {
                !listed(&rt, &registry_url, "api").contains(&b_id)
            });
            *watcher_result.lock().expect("lock") = Some(gone);
        });
    });
    let failures = run_calls(&rt, &system, &request, &expected, 200, 8, Some((40, kill)));
    assert!(
        failures.is_empty(),
        "{} failed calls after kill -9: {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );
    let _ = b.child.wait();
    let gone = wait_until(Duration::from_millis(ttl_ms + 6000), || {
        unlisted_after.lock().expect("lock").is_some()
    });
    assert!(gone.is_some(), "the watcher did not finish");
    let unlisted = unlisted_after.lock().expect("lock").flatten();
    let unlisted = unlisted.expect("the dead instance is still listed");
    let attempts: u64 = system.calls_per_instance().values().sum();
    eprintln!(
        "dead instance unlisted {unlisted:?} after kill -9 (ttl {ttl_ms} ms); {} of 400 calls retried on the other instance",
        attempts - 400
    );
    // Within its TTL, plus the backend's pruning granularity (etcd: 0.5 s) and a loaded machine.
    assert!(
        unlisted < Duration::from_millis(ttl_ms + 1500),
        "{unlisted:?}"
    );
    assert_eq!(
        listed(&rt, registry, "api"),
        std::slice::from_ref(&a.instance)
    );
    drop(storage);
}

#[test]
fn a_hung_instance_times_out_and_is_skipped() {
    let rt = runtime();
    let dir = tempfile::tempdir().expect("temp dir");
    let tree = dir.path().join("big");
    api_tree(&tree, 4);
    let registry = Process::start(&["registry", "--listen", "127.0.0.1:0"], &[]);
    let (_storage, mut apis) = fleet(&rt, &registry.url, 2, 6000, dir.path());
    let (b, a) = (apis.pop().expect("b"), apis.pop().expect("a"));
    // A client with a short call timeout: a hung instance costs one timeout, then it is skipped.
    let config = SystemConfig {
        registry: registry.url.clone(),
        default_placement: Placement::Remote,
        down_ms: 60_000,
        ..SystemConfig::default()
    };
    let client = gofed_service::ClientConfig {
        timeout_ms: 1500,
        ..Default::default()
    };
    let backend = gofed_registry::connect(&registry.url).expect("registry URL");
    let system = Arc::new(System::new(
        vec![api_service(ServiceContext::local())],
        config,
        client,
        Some(backend),
    ));
    let request = upload_request(&rt, &system, &tree);
    let expected = local_result(&rt, &tree);

    // SIGSTOP: the kernel still accepts connections for b, but nothing answers (and it still looks registered).
    let stop = Command::new("kill")
        .args(["-STOP", &b.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(stop.success());
    let started = std::time::Instant::now();
    let failures = run_calls(&rt, &system, &request, &expected, 40, 4, None);
    let took = started.elapsed();
    let _ = Command::new("kill")
        .args(["-CONT", &b.child.id().to_string()])
        .status();
    assert!(failures.is_empty(), "{failures:?}");
    let attempts = system.calls_per_instance();
    let on_b = attempts.get(&b.url).copied().unwrap_or(0);
    eprintln!("hung instance: {on_b} call(s) timed out on it, 40 calls in {took:?}");
    assert_eq!(
        calls_total(&a.url, "api_analysis"),
        40,
        "every call answered by a"
    );
    assert!(
        (1..=4).contains(&on_b),
        "{on_b} calls tried the hung instance"
    );
    assert!(took < Duration::from_secs(20), "{took:?}");
}

#[test]
fn embedded_registry_spread_and_failover() {
    let registry = Process::start(&["registry", "--listen", "127.0.0.1:0"], &[]);
    spread_and_failover(&registry.url, 1000);
}

#[test]
fn etcd_registry_spread_and_failover() {
    let rt = runtime();
    let Some(etcd) = rt.block_on(etcd_process::start_etcd(
        "etcd_registry_spread_and_failover",
    )) else {
        return;
    };
    let url = format!(
        "etcd://{}/gofed-test/",
        etcd.endpoint.trim_start_matches("http://")
    );
    // etcd counts lease TTLs in whole seconds.
    spread_and_failover(&url, 1000);
}

#[test]
fn registry_restart_is_repopulated_within_a_heartbeat() {
    let rt = runtime();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut registry = Process::start(&["registry", "--listen", "127.0.0.1:0"], &[]);
    let url = registry.url.clone();
    let address = registry.address().to_owned();
    let one = serve(&["api", "deps"], &url, 1000, &dir.path().join("b1"));
    let two = serve(&["api"], &url, 1000, &dir.path().join("b2"));
    wait_until(Duration::from_secs(5), || {
        listed(&rt, &url, "api").len() == 2
    })
    .expect("registered");

    registry.kill9();
    let registry = Process::start(&["registry", "--listen", &address], &[]);
    assert_eq!(registry.url, url);
    let mut expected = vec![one.instance.clone(), two.instance.clone()];
    expected.sort();
    let back = wait_until(Duration::from_secs(3), || {
        listed(&rt, &url, "api") == expected && listed(&rt, &url, "deps") == [one.instance.clone()]
    })
    .expect("every instance listed again");
    eprintln!("registry repopulated {back:?} after restart (heartbeat 200 ms)");
    // One heartbeat, plus the time the instances took to notice (a failed heartbeat is retried on the next tick).
    assert!(back < Duration::from_millis(1000), "{back:?}");
}

#[test]
fn sigterm_under_load_completes_calls_in_flight() {
    let rt = runtime();
    let dir = tempfile::tempdir().expect("temp dir");
    let tree = dir.path().join("big");
    api_tree(&tree, 20);
    let registry = Process::start(&["registry", "--listen", "127.0.0.1:0"], &[]);
    let (_storage, mut apis) = fleet(&rt, &registry.url, 1, 1000, dir.path());
    let mut api = apis.pop().expect("api");
    let system = remote_system(&registry.url);
    let mut request = upload_request(&rt, &system, &tree);
    // Every default cmd/api context: a call that takes a while.
    request.contexts = Some("default".to_owned());

    let calls: Vec<_> = (0..4)
        .map(|_| {
            let (system, request) = (Arc::clone(&system), request.clone());
            rt.spawn(async move { system.call::<_, Rendered>("api_analysis", request).await })
        })
        .collect();
    wait_until(Duration::from_secs(10), || {
        metric(&api.url, "gofed_action_in_flight", "api_analysis") == 4
    })
    .expect("four calls in flight");
    api.sigterm();
    let results: Vec<_> = calls
        .into_iter()
        .map(|call| rt.block_on(call).expect("join"))
        .collect();
    let first = results[0].as_ref().expect("an in-flight call completed");
    assert!(
        matches!(&first.output, gofed_services::Output::Text(t)
            if t.contains("pkg example.com/big, method (*T19) M19(int, ...string) (int, error)")),
        "{first:?}"
    );
    for result in &results {
        assert_eq!(result.as_ref().expect("an in-flight call completed"), first);
    }
    let status = api.wait_exit(Duration::from_secs(10));
    assert!(status.success(), "exit status after SIGTERM: {status}");
    assert!(
        listed(&rt, &registry.url, "api").is_empty(),
        "deregistered on the way out"
    );
}

/// Trees for the scenarios: a module in two versions (API and dependency changes, vendored code, tests), a
/// package below the module root, and a GOPATH tree.
fn scenario_trees(root: &Path) {
    for (version, extra) in [("v1", ""), ("v2", "\nfunc Added() {}\n")] {
        let m = root.join(version);
        let require = if version == "v1" {
            "github.com/pkg/errors v0.8.1"
        } else {
            "github.com/pkg/errors v0.9.1\n\tgolang.org/x/text v0.3.0"
        };
        write(
            &m,
            "go.mod",
            format!("module example.com/m\n\ngo 1.21\n\nrequire (\n\t{require}\n)\n"),
        );
        let removed = if version == "v1" {
            "func Removed() {}\n"
        } else {
            ""
        };
        write(
            &m,
            "a/a.go",
            format!("package a\n\nimport (\n\t\"fmt\"\n\n\t\"github.com/pkg/errors\"\n)\n\n// E wraps.\nfunc E(s string) error {{ return errors.New(fmt.Sprint(s)) }}\n\ntype T struct{{ X int }}\n{removed}{extra}"),
        );
        write(
            &m,
            "a/a_test.go",
            "package a\n\nimport \"testing\"\n\nfunc TestE(t *testing.T) {}\n",
        );
        write(
            &m,
            "cmd/tool/main.go",
            "package main\n\nimport _ \"example.com/m/a\"\n\nfunc main() {}\n",
        );
        write(
            &m,
            "vendor/github.com/pkg/errors/errors.go",
            "package errors\n\nfunc New(s string) error { return nil }\n",
        );
        write(
            &m,
            "vendor/modules.txt",
            format!("# {require}\n## explicit\ngithub.com/pkg/errors\n")
                .replace("\n\tgolang.org/x/text v0.3.0", ""),
        );
        if version == "v2" {
            write(
                &m,
                "b/b.go",
                "package b\n\nimport _ \"golang.org/x/text/language\"\n\nconst B = 1.5\n",
            );
        }
    }
    write(
        root,
        "gopath/src/github.com/x/y/y.go",
        "package y\n\nimport \"github.com/x/z\"\n\nvar V = z.Z\n",
    );
    write(
        root,
        "gopath/src/github.com/x/z/z.go",
        "package z\n\nconst Z = \"z\"\n",
    );
}

#[test]
fn scenarios_print_the_same_bytes_local_and_remote() {
    let dir = tempfile::tempdir().expect("temp dir");
    scenario_trees(dir.path());
    let registry = Process::start(&["registry", "--listen", "127.0.0.1:0"], &[]);
    let blobs = dir.path().join("blobs");
    let _server = serve(&["api", "deps", "filestorage"], &registry.url, 6000, &blobs);
    let rt = runtime();
    wait_until(Duration::from_secs(5), || {
        listed(&rt, &registry.url, "filestorage").len() == 1
    })
    .expect("registered");

    let p = |rel: &str| dir.path().join(rel).to_string_lossy().into_owned();
    let (v1, v2, sub, gopath) = (p("v1"), p("v2"), p("v1/a"), p("gopath/src/github.com/x/y"));
    let runs: Vec<Vec<&str>> = vec![
        vec!["api", &v1],
        vec!["api", &v2, "--format", "goapi"],
        vec!["api", &v2, "--format", "gofed"],
        vec![
            "api",
            &v2,
            "--format",
            "goapi",
            "--contexts",
            "linux-amd64,windows-386",
        ],
        vec!["api", &sub, "--format", "goapi"],
        vec!["api", &gopath, "--format", "goapi"],
        vec!["apidiff", &v1, &v2],
        vec![
            "apidiff",
            &v1,
            &v2,
            "--format",
            "json",
            "--base-version",
            "v1.2.3",
        ],
        vec!["apidiff", &v1, &v2, "--format", "lines"],
        vec!["apidiff", &v1, &v2, "--format", "gofed"],
        vec!["apidiff", &v1, &v1],
        vec!["deps", &v2],
        vec!["deps", &v2, "--format", "json", "--tests", "--std"],
        vec!["deps", &gopath, "--format", "json"],
        vec!["depsdiff", &v1, &v2],
        vec!["depsdiff", &v1, &v2, "--format", "json", "--tests"],
    ];
    let remote_flags = ["--registry", registry.url.as_str(), "--remote"];
    let mut blob_count = 0;
    for round in 0..2 {
        for args in &runs {
            let local = common::gofed_command()
                .args(args)
                .env_remove("GOROOT")
                .output()
                .expect("run");
            let remote = common::gofed_command()
                .args(remote_flags)
                .args(args)
                .env_remove("GOROOT")
                .output()
                .expect("run");
            assert!(
                local.status.code().is_some_and(|c| c <= 1),
                "{args:?}: {}",
                String::from_utf8_lossy(&local.stderr)
            );
            assert_eq!(
                local.status.code(),
                remote.status.code(),
                "{args:?}: {}",
                String::from_utf8_lossy(&remote.stderr)
            );
            assert!(!local.stdout.is_empty(), "{args:?}");
            assert!(
                local.stdout == remote.stdout,
                "{args:?}: local and remote outputs differ:\n--- local\n{}\n--- remote\n{}",
                String::from_utf8_lossy(&local.stdout),
                String::from_utf8_lossy(&remote.stdout)
            );
        }
        // The second round uploads nothing new: every bundle was already stored.
        let count = walk_count(&blobs.join("sha256"));
        if round == 0 {
            blob_count = count;
            // v1 (also the bundle of v1/a: a package below a module bundles the module), v2, and the GOPATH tree.
            assert_eq!(blob_count, 3, "bundles stored");
        } else {
            assert_eq!(count, blob_count, "a second round stores no new bundle");
        }
    }
    // The outputs say what the trees hold (so equal outputs are not equal emptiness).
    let out = gofed(&[
        "--registry",
        &registry.url,
        "--remote",
        "apidiff",
        &v1,
        &v2,
        "--format",
        "lines",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "an incompatible change is exit status 1"
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("pkg example.com/m/a, i Removed: removed")
            && text.contains("pkg example.com/m/a, c Added: added"),
        "{text}"
    );
    let deps = success_json(&gofed(&[
        "--registry",
        &registry.url,
        "--remote",
        "deps",
        &v2,
        "--format",
        "json",
    ]));
    assert_eq!(deps["root"], v2.as_str(), "paths are the client's");
    assert!(
        deps["external"].to_string().contains("golang.org/x/text"),
        "{deps}"
    );
}

fn walk_count(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    if e.path().is_dir() {
                        walk_count(&e.path())
                    } else {
                        1
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

#[test]
fn bad_requests_and_placements_are_clear_errors() {
    let rt = runtime();
    let dir = tempfile::tempdir().expect("temp dir");
    scenario_trees(dir.path());
    let v1 = dir.path().join("v1").to_string_lossy().into_owned();
    let registry = Process::start(&["registry", "--listen", "127.0.0.1:0"], &[]);
    let server = serve(
        &["api", "filestorage"],
        &registry.url,
        6000,
        &dir.path().join("blobs"),
    );
    let client = gofed_service::Client::new(&server.url, &Default::default()).expect("client");

    // A network service does not read its own machine's paths.
    let err = rt
        .block_on(client.call_json(
            "api_analysis",
            &serde_json::json!({"source": {"path": "/etc"}}),
        ))
        .expect_err("a path is refused");
    assert_eq!(err.code(), Some("invalid_input"), "{err}");
    assert!(err.to_string().contains("source.path"), "{err}");
    let err = rt
        .block_on(client.call_json(
            "api_analysis",
            &serde_json::json!({"source": {"path": "/etc"}, "goroot": "/usr/lib/go"}),
        ))
        .expect_err("a goroot is refused");
    assert!(
        err.to_string().contains("invalid input at `goroot`"),
        "{err}"
    );

    // A bundle that is not a tar: a clear error naming it; the service keeps serving.
    let (garbage, _) = rt
        .block_on(client.upload_bytes(b"not a tar archive at all".repeat(40)))
        .expect("upload");
    let bundle = serde_json::json!({"source": {"bundle": {
        "file": {"sha256": garbage.sha256, "size": garbage.size, "origin": server.url},
        "mount": "/m", "root": "/m"}}});
    let err = rt
        .block_on(client.call_json("api_analysis", &bundle))
        .expect_err("garbage is refused");
    assert_eq!(err.code(), Some("unprocessable"), "{err}");
    assert!(
        err.to_string()
            .contains(&format!("bundle {}", garbage.sha256)),
        "{err}"
    );
    let missing = serde_json::json!({"source": {"bundle": {
        "file": {"sha256": "0".repeat(64), "size": 1, "origin": server.url},
        "mount": "/m", "root": "/elsewhere"}}});
    let err = rt
        .block_on(client.call_json("api_analysis", &missing))
        .expect_err("root outside mount");
    assert_eq!(err.code(), Some("invalid_input"), "{err}");
    assert!(rt.block_on(client.info()).is_ok(), "still serving");

    // Placement errors name what to do.
    for (args, needle) in [
        (
            vec!["--placement", "api=nowhere", "api", &v1],
            "expected local, remote or http(s):// base URLs",
        ),
        (
            vec!["--placement", "api", "api", &v1],
            "expected SERVICE=WHERE",
        ),
        (
            vec![
                "--registry",
                &registry.url,
                "--placement",
                "api=remote",
                "api",
                &v1,
            ],
            "place it remote too",
        ),
        (
            vec!["--registry", &registry.url, "--remote", "deps", &v1],
            "no instance of service `deps`",
        ),
        (
            vec!["--registry", "ftp://x", "--remote", "api", &v1],
            "registry URL",
        ),
    ] {
        let out = gofed(&args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
    // A fixed placement bypasses the registry.
    let fixed = format!("api={}", server.url);
    let storage = format!("filestorage={}", server.url);
    let out = gofed(&[
        "--placement",
        &fixed,
        "--placement",
        &storage,
        "api",
        &v1,
        "--format",
        "goapi",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("pkg example.com/m/a, func E(string) error")
    );
    assert!(http_get(&format!("{}/healthz", server.url)).contains("ok"));
}

#[test]
fn serve_info_and_catalogue_describe_every_action() {
    let out = gofed(&["serve", "--info", "api", "deps"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "api 0.1.0: ",
        "  api_analysis: ",
        "  api_diff: ",
        "deps 0.1.0: ",
        "  deps_analysis: ",
        "  deps_diff: ",
    ] {
        assert!(text.contains(needle), "{needle:?} in {text}");
    }
    assert!(!text.contains("filestorage"));
    let info = success_json(&gofed(&[
        "serve",
        "--info",
        "--format",
        "json",
        "filestorage",
    ]));
    assert_eq!(info[0]["name"], "filestorage");
    assert_eq!(info[0]["actions"].as_array().map(Vec::len), Some(3));
    assert!(info[0]["actions"][0]["input_schema"].is_object());
    let catalogue = success_json(&gofed(&["system", "catalogue", "--format", "json"]));
    let actions: Vec<&str> = catalogue
        .as_array()
        .expect("array")
        .iter()
        .map(|a| a["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        actions,
        [
            "api_analysis",
            "api_diff",
            "impact",
            "release_check",
            "deps_analysis",
            "deps_diff",
            "deps_graph",
            "license_abbreviation",
            "license_analysis",
            "license_compatible",
            "license_diff",
            "license_summarize",
            "goland_package_listing",
            "golang_package2upstream",
            "golang_upstream2package",
            "spec_buildrequires",
            "spec_provides",
            "spec_requires",
            "spec_summary",
            "gotest_run",
            "rpm_lint",
            "download",
            "upload",
            "upload_url",
            "scm_log",
            "scm_store",
            "api_distros",
            "api_get",
            "api_packages",
            "api_projects",
            "api_revisions",
            "api_stored_diff",
            "deps_get",
            "deps_packages",
            "deps_projects",
            "deps_revisions",
            "tarball_get",
            "rpm_get",
            "rpm_get_by_name",
            "rpm_src_get",
            "spec_get",
            "spec_patch_get",
            "spec_patch_listing",
            "package_get",
            "package_get_commit",
        ]
    );
    let api = &catalogue[0];
    assert_eq!(api["service"], "api");
    assert!(
        api["input_schema"]["properties"]["source"].is_object(),
        "{api}"
    );
    assert!(
        api["output_schema"]["properties"]["exit_code"].is_object(),
        "{api}"
    );
    let out = gofed(&["serve", "bogus"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("api"));
}

#[test]
fn a_configured_token_is_required_end_to_end() {
    let dir = tempfile::tempdir().expect("temp dir");
    scenario_trees(dir.path());
    let v1 = dir.path().join("v1").to_string_lossy().into_owned();
    let server = Process::start(
        &[
            "--token",
            "s3cret",
            "serve",
            "api",
            "filestorage",
            "--no-register",
            "--listen",
            "127.0.0.1:0",
        ],
        &[("GOFED_BLOB_DIR", &dir.path().join("blobs"))],
    );
    let api = format!("api={}", server.url);
    let storage = format!("filestorage={}", server.url);
    let placed = ["--placement", api.as_str(), "--placement", storage.as_str()];

    let out = common::gofed_command()
        .args(placed)
        .args(["api", &v1])
        .env_remove("GOFED_TOKEN")
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("401") && stderr.contains("unauthorized"),
        "{stderr}"
    );

    let out = common::gofed_command()
        .args(placed)
        .args(["--token", "s3cret", "api", &v1, "--format", "goapi"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("pkg example.com/m/a, func E(string) error")
    );
}

#[test]
fn serve_fails_clearly_without_its_registry() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = common::gofed_command()
        .args([
            "serve",
            "api",
            "--listen",
            "127.0.0.1:0",
            "--registry",
            "http://127.0.0.1:9",
        ])
        .env("GOFED_BLOB_DIR", dir.path())
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("registering `api` with http://127.0.0.1:9"),
        "{stderr}"
    );
    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = busy.local_addr().expect("address").to_string();
    let out = gofed(&["serve", "api", "--no-register", "--listen", &address]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot listen on {address}")),
        "{stderr}"
    );
}
