//! `gofed registry` and `gofed system status` as real processes on loopback: an instance kept
//! registered by a `Registrar` in this process, the registry killed with SIGKILL and restarted
//! on the same port (the instance is back within a heartbeat), TTL pruning once the instance
//! stops heartbeating, and a clean exit on SIGTERM; hostile registrations (unusable addresses,
//! oversized bodies and fields, thousands of instances) refused with clear 4xx answers while the
//! registry's memory stays bounded and remote calls keep working; `system status` escaping what
//! peers wrote, saying `unauthorized` and exiting 1 unless every instance is up.

use crate::common;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::etcd_process;

use crate::common::system::{serve, wait_until, Process};
use crate::common::{gofed, http_client, write};
use gofed_registry::{HeartbeatConfig, HttpRegistry, Instance, Registrar, Registry};

/// A `gofed registry` process listening on `listen`, killed when dropped.
fn start_registry(listen: &str) -> Process {
    Process::start(&["registry", "--listen", listen], &[])
}

/// `gofed system status --format json` against `url`, parsed; its exit status must be 0 exactly
/// when every instance is up.
fn status_json(url: &str) -> serde_json::Value {
    let out = gofed(&["system", "status", "--registry", url, "--format", "json"]);
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|err| {
        panic!(
            "stdout is not JSON ({err}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let all_up = status["services"]
        .as_array()
        .expect("services array")
        .iter()
        .flat_map(|s| s["instances"].as_array().expect("instances array"))
        .all(|i| i["health"] == "up");
    assert_eq!(
        out.status.code(),
        Some(if all_up { 0 } else { 1 }),
        "{status}"
    );
    status
}

fn instance_ids(status: &serde_json::Value, service: &str) -> Vec<String> {
    status["services"]
        .as_array()
        .expect("services array")
        .iter()
        .filter(|s| s["name"] == service)
        .flat_map(|s| s["instances"].as_array().expect("instances array").iter())
        .map(|i| i["instance_id"].as_str().expect("instance_id").to_owned())
        .collect()
}

#[test]
fn registry_process_survives_kill_and_prunes_silent_instances() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let registry = start_registry("127.0.0.1:0");
    let url = registry.url.clone();
    let address = registry.address().to_owned();

    let heartbeat = HeartbeatConfig {
        interval: Duration::from_millis(200),
        ttl: Duration::from_millis(1000),
    };
    let client: Arc<dyn Registry> = Arc::new(HttpRegistry::new(&url).expect("client"));
    let instance = Instance::new("API", "api-1", "http://127.0.0.1:9")
        .with_version("0.1.0")
        .with_actions(["api_analysis", "api_diff"]);
    let registrar = rt
        .block_on(Registrar::start(Arc::clone(&client), instance, heartbeat))
        .expect("register");

    // Names are case-insensitive: registered as API, listed as api.
    let status = status_json(&url);
    assert_eq!(status["registry"], url.as_str());
    assert_eq!(instance_ids(&status, "api"), ["api-1"]);
    let listed = &status["services"][0]["instances"][0];
    assert_eq!(listed["version"], "0.1.0");
    assert_eq!(listed["ttl_ms"], 1000);

    let text = gofed(&["system", "status", "--registry", &url]);
    assert_eq!(text.status.code(), Some(1), "an instance is down");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("1 service(s), 1 instance(s)"), "{text}");
    assert!(
        text.contains("api-1  http://127.0.0.1:9  down  version 0.1.0"),
        "{text}"
    );

    // kill -9 and a restart on the same port: the registry comes back empty and the next
    // heartbeat (200 ms) finds the instance missing and registers it again.
    drop(registry);
    let restarted = start_registry(&address);
    assert_eq!(restarted.url, url);
    let back = wait_until(Duration::from_secs(3), || {
        instance_ids(&status_json(&url), "api") == ["api-1"]
    });
    assert!(back.is_some(), "instance not re-registered after a restart");
    assert!(registrar.n_registrations() >= 2);

    // An instance that stops heartbeating (a crash) is pruned once its TTL (1 s) has passed.
    rt.block_on(registrar.abandon());
    let gone = wait_until(Duration::from_secs(4), || {
        instance_ids(&status_json(&url), "api").is_empty()
    });
    let gone = gone.expect("silent instance still listed after 4 s");
    // Lazy pruning: gone at the first lookup after the TTL; 2 s leaves room for a slow machine.
    assert!(gone <= Duration::from_secs(2), "pruned after {gone:?}");

    // SIGTERM: a graceful stop, exit status 0.
    let mut restarted = restarted;
    let pid = restarted.child.id().to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("run kill");
    assert!(killed.success());
    let exit = restarted.child.wait().expect("wait for the registry");
    assert!(exit.success(), "registry exit status after SIGTERM: {exit}");
}

#[test]
fn status_probes_each_instance() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let registry = start_registry("127.0.0.1:0");
    let client = HttpRegistry::new(&registry.url).expect("client");

    // A real envelope on loopback serving one trivial service: it answers /v1/info.
    let greeter = gofed_service::Service::new("greeter", "1.0.0", "says hello").action(
        "hello",
        "greets a name",
        |name: String| async move { Ok(format!("hello, {name}")) },
    );
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let up = format!("http://{}", listener.local_addr().expect("local addr"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = rt.spawn(gofed_service::server::serve(
        listener,
        vec![greeter],
        gofed_service::config::ServerConfig::default(),
        async move {
            let _ = stopped.await;
        },
    ));
    rt.block_on(async {
        client
            .register(Instance::new("greeter", "g-up", &up))
            .await
            .expect("register");
        // Port 9 on loopback: nothing listens, the probe is refused.
        client
            .register(Instance::new("greeter", "g-down", "http://127.0.0.1:9"))
            .await
            .expect("register");
    });

    let status = status_json(&registry.url);
    let instances = status["services"][0]["instances"]
        .as_array()
        .expect("instances");
    let health: Vec<(&str, &str, bool)> = instances
        .iter()
        .map(|i| {
            (
                i["instance_id"].as_str().expect("id"),
                i["health"].as_str().expect("health"),
                i["error"].is_string(),
            )
        })
        .collect();
    assert_eq!(health, [("g-down", "down", true), ("g-up", "up", false)]);
    let error = instances[0]["error"].as_str().unwrap_or_default();
    assert!(error.contains("Connection refused"), "{error}");

    let _ = stop.send(());
    rt.block_on(server).expect("join").expect("serve");
}

#[test]
fn status_names_an_unreachable_registry() {
    // Port 9 (discard) on loopback: nothing listens there in the test environment.
    let out = gofed(&["system", "status", "--registry", "http://127.0.0.1:9"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("http://127.0.0.1:9"), "{stderr}");
    // The usual cause, and what to do about it.
    assert!(
        stderr.contains("gofed: hint: no registry answers at http://127.0.0.1:9")
            && stderr.contains("start `gofed registry` or pass `--registry`"),
        "{stderr}"
    );
}

#[test]
fn registry_reports_a_port_in_use() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = taken.local_addr().expect("local addr").to_string();
    let out = gofed(&["registry", "--listen", &address]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&address), "{stderr}");
}

/// POSTs `body` to the registry at `url` as a registration; the status and the JSON answer (null
/// when none).
async fn post_registration(
    http: &reqwest::Client,
    url: &str,
    body: &serde_json::Value,
) -> (u16, serde_json::Value) {
    try_post_registration(http, url, body)
        .await
        .expect("the registry answers")
}

/// [`post_registration`], or the error of a request that got no answer: a server that refuses a
/// body without reading it may close the connection while the client is still sending.
async fn try_post_registration(
    http: &reqwest::Client,
    url: &str,
    body: &serde_json::Value,
) -> Result<(u16, serde_json::Value), reqwest::Error> {
    try_post_bytes(http, url, serde_json::to_vec(body).expect("json")).await
}

/// [`try_post_registration`] of a document already serialized.
async fn try_post_bytes(
    http: &reqwest::Client,
    url: &str,
    body: Vec<u8>,
) -> Result<(u16, serde_json::Value), reqwest::Error> {
    let resp = http
        .post(format!("{url}/v1/registry/instances"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await?;
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await?;
    Ok((
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    ))
}

/// Resident memory of process `pid`, in KiB, from `/proc/PID/status`.
fn vm_rss_kib(pid: u32) -> u64 {
    proc_status_kib(pid, "VmRSS:")
}

/// The peak resident memory of process `pid` so far, in KiB: unlike [`vm_rss_kib`] it does not depend
/// on what the allocator kept or gave back after a burst, only on how much was live at once.
fn vm_hwm_kib(pid: u32) -> u64 {
    proc_status_kib(pid, "VmHWM:")
}

fn proc_status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("a {field} line"))
}

/// A module whose API `gofed api` prints.
fn tiny_module(root: &Path) {
    write(root, "go.mod", "module example.com/tiny\n\ngo 1.21\n");
    write(
        root,
        "t.go",
        "package tiny\n\n// F is exported.\nfunc F(s string) int { return len(s) }\n",
    );
}

/// `gofed --registry URL --remote api DIR --format goapi`.
fn remote_api(registry: &str, dir: &Path) -> Output {
    common::gofed_command()
        .args(["--registry", registry, "--remote", "api"])
        .arg(dir)
        .args(["--format", "goapi"])
        .env_remove("GOFED_PLACEMENT")
        .env_remove("GOROOT")
        .output()
        .expect("run gofed")
}

/// Issue 19.9: a registration whose address is not a usable base URL is refused with 422 naming
/// the field, so it cannot break the service's clients: `--remote` calls keep working.
#[test]
fn unusable_addresses_are_refused_and_remote_calls_keep_working() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let tree = dir.path().join("tiny");
    tiny_module(&tree);
    let registry = start_registry("127.0.0.1:0");
    let _server = serve(
        &["api", "filestorage"],
        &registry.url,
        6000,
        &dir.path().join("blobs"),
    );
    let http = http_client();
    for address in [
        "not a url",
        "ftp://127.0.0.1:21",
        "http://127.0.0.1:0",
        "http://u:p@127.0.0.1:9",
        "http://127.0.0.1:9/x?y",
    ] {
        let body = serde_json::json!({
            "name": "api", "instance_id": "intruder", "address": address, "ttl_ms": 60000
        });
        let (status, answer) = rt.block_on(post_registration(&http, &registry.url, &body));
        assert_eq!(status, 422, "{address:?}: {answer}");
        assert_eq!(answer["code"], "invalid_input", "{answer}");
        assert_eq!(answer["field"], "address", "{answer}");
        assert!(
            answer["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("invalid address")),
            "{answer}"
        );
    }
    let out = remote_api(&registry.url, &tree);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("pkg example.com/tiny, func F(string) int"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

/// Issue 19.9 with etcd, where anyone with access may write under the prefix: an entry with an
/// unusable address is skipped by clients (with a warning), and the service's real instance is
/// called.
#[test]
fn etcd_entries_with_unusable_addresses_are_skipped() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let Some(etcd) = rt.block_on(etcd_process::start_etcd(
        "etcd_entries_with_unusable_addresses_are_skipped",
    )) else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let tree = dir.path().join("tiny");
    tiny_module(&tree);
    let url = format!(
        "etcd://{}/gofed-test/",
        etcd.endpoint.trim_start_matches("http://")
    );
    let _server = serve(
        &["api", "filestorage"],
        &url,
        2000,
        &dir.path().join("blobs"),
    );
    let registry = gofed_registry::connect(&url).expect("registry URL");
    wait_until(Duration::from_secs(5), || {
        rt.block_on(registry.lookup("api"))
            .is_ok_and(|found| found.len() == 1)
    })
    .expect("api registered");
    let b64 = |s: &str| {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(s)
    };
    // Sorted before the real instance's id, so a client meets it first.
    for (id, address) in [("0-bad", "not a url"), ("0-path", "http://127.0.0.1:9/x")] {
        let value = serde_json::json!({
            "name": "api", "instance_id": id, "address": address, "ttl_ms": 60000
        });
        let put = serde_json::json!({
            "key": b64(&format!("/gofed-test/api/{id}")),
            "value": b64(&value.to_string()),
        });
        rt.block_on(
            http_client()
                .post(format!("{}/v3/kv/put", etcd.endpoint))
                .header("content-type", "application/json")
                .body(put.to_string())
                .send(),
        )
        .expect("put a foreign entry");
    }
    let out = remote_api(&url, &tree);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("pkg example.com/tiny, func F(string) int")
    );
    let status = status_json(&url);
    assert_eq!(instance_ids(&status, "api").len(), 1, "{status}");
}

/// Issue 19.10: what one registration may carry and how many the registry keeps are bounded, with
/// clear 4xx answers, and so is the registry's memory under the report's attack (thousands of
/// registrations of ~134 KB); a full registry still lists (and `system status` reads) every instance.
#[test]
fn registry_bounds_registrations_and_its_memory() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let registry = start_registry("127.0.0.1:0");
    let url = registry.url.clone();
    let pid = registry.child.id();
    // No kept-alive connections: the registry closes a connection after refusing an oversized body unread, and a
    // pooled connection closed that way would fail the next, valid, registration sent on it (hyper's
    // IncompleteMessage), a race of the client's and not the registry's.
    let http = gofed_registry::tls::client_builder()
        .pool_max_idle_per_host(0)
        .build()
        .expect("an HTTP client");
    let rss_start = vm_rss_kib(pid);

    // Runs the registrations, 8 at a time; the answers in order.
    let try_register_all = |bodies: Vec<String>| {
        rt.block_on(async {
            let mut answers = Vec::with_capacity(bodies.len());
            for chunk in bodies.chunks(8) {
                let mut calls = tokio::task::JoinSet::new();
                for (i, body) in chunk.iter().enumerate() {
                    let (http, url, body) = (http.clone(), url.clone(), body.clone().into_bytes());
                    calls.spawn(async move { (i, try_post_bytes(&http, &url, body).await) });
                }
                let mut results: Vec<Option<_>> = (0..chunk.len()).map(|_| None).collect();
                while let Some(joined) = calls.join_next().await {
                    let (i, answer) = joined.expect("join");
                    results[i] = Some(answer);
                }
                answers.extend(results.into_iter().flatten());
            }
            answers
        })
    };
    let register_all = |bodies: Vec<String>| -> Vec<(u16, serde_json::Value)> {
        try_register_all(bodies)
            .into_iter()
            .map(|answer| answer.expect("the registry answers"))
            .collect()
    };

    // Just over the body bound: a clear 413.
    let over = serde_json::json!({
        "name": "over", "instance_id": "x", "address": "http://127.0.0.1:9", "ttl_ms": 60_000,
        "actions": (0..600).map(|a| format!("{a:0>32}")).collect::<Vec<_>>(),
    });
    let n_over = serde_json::to_vec(&over).expect("json").len();
    assert!(n_over > gofed_registry::MAX_REQUEST_BYTES && n_over < 24 * 1024);
    let (status, answer) = rt.block_on(post_registration(&http, &url, &over));
    assert_eq!(status, 413, "{answer}");
    assert_eq!(answer["code"], "body_too_large", "{answer}");

    // The attack of the report: 134 KB registrations (1024 actions of 128 bytes), under 1000
    // names. Each is refused before it is parsed.
    let attack_actions: Vec<String> = (0..1024).map(|a| format!("{a:0>128}")).collect();
    let attack_actions = serde_json::to_string(&attack_actions).expect("json");
    let attack: Vec<String> = (0..1000)
        .map(|i| {
            format!(
                r#"{{"name":"attack{i}","instance_id":"x","address":"http://127.0.0.1:9","ttl_ms":3600000,"actions":{attack_actions}}}"#
            )
        })
        .collect();
    assert!(attack[0].len() > 130_000);
    let answers = try_register_all(attack);
    let mut n_unanswered = 0;
    for answer in &answers {
        match answer {
            Ok((status, answer)) => {
                assert_eq!(*status, 413, "{answer}");
                assert_eq!(answer["code"], "body_too_large", "{answer}");
            }
            // Refused without being read: the connection closed under the sending client.
            Err(err) => {
                assert!(err.is_request() || err.is_body(), "{err:?}");
                n_unanswered += 1;
            }
        }
    }
    eprintln!("{n_unanswered} of 1000 oversized registrations closed before the 413 was read");

    // Instances of one name: 256 at most.
    let wide: Vec<String> = (0..257)
        .map(|i| {
            format!(
                r#"{{"name":"wide","instance_id":"w{i}","address":"http://127.0.0.1:9","ttl_ms":3600000}}"#
            )
        })
        .collect();
    let answers = register_all(wide);
    assert!(answers[..256].iter().all(|(status, _)| *status == 204));
    let (status, answer) = &answers[256];
    assert_eq!(*status, 409, "{answer}");
    assert_eq!(answer["code"], "limit_exceeded", "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .is_some_and(|m| m.contains("service `wide` already has 256 instances")),
        "{answer}"
    );

    // Instances in all: 2048 at most, each as large as the field bounds allow (~9 KB: a 128-byte
    // name, id and version, 256 actions of 32 bytes).
    let n_more = 2048 - 256;
    let big_actions: Vec<String> = (0..256).map(|a| format!("{a:a>32}")).collect();
    let big_actions = serde_json::to_string(&big_actions).expect("json");
    let version = "v".repeat(128);
    let big: Vec<String> = (0..=n_more)
        .map(|i| {
            format!(
                r#"{{"name":"{i:x>128}","instance_id":"{i:i>128}","address":"http://127.0.0.1:9","version":"{version}","ttl_ms":3600000,"actions":{big_actions}}}"#
            )
        })
        .collect();
    let answers = register_all(big);
    let refused: Vec<usize> = answers
        .iter()
        .enumerate()
        .filter(|(_, (status, _))| *status != 204)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(refused, [n_more], "only the 2049th instance is refused");
    let (status, answer) = &answers[n_more];
    assert_eq!(*status, 409, "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .is_some_and(|m| m.contains("the registry already has 2048 instances")),
        "{answer}"
    );

    let rss_end = vm_rss_kib(pid);
    eprintln!("registry VmRSS: {rss_start} KiB at start, {rss_end} KiB full (2048 instances)");
    // 2048 instances of ~9 KB are ~19 MB of data (58 MB of VmRSS measured in a debug build);
    // unbounded, the 1000 refused registrations alone would hold well over 134 MB.
    assert!(rss_end < 112 * 1024, "registry VmRSS {rss_end} KiB");

    // The full registry is still listed, by `system status` too (every instance is down: exit 1).
    let start = Instant::now();
    let status = status_json(&url);
    let n_listed: usize = status["services"]
        .as_array()
        .expect("services")
        .iter()
        .map(|s| s["instances"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(n_listed, 2048);
    eprintln!("system status of 2048 instances took {:?}", start.elapsed());

    // Sixteen listings at once, each read to its end (unbounded, they took the registry to a 507 MB
    // peak): only `MAX_LISTS_IN_FLIGHT` answers (~40 MB each while built) are in memory at once; the
    // others wait for their turn and are answered in full. The peak (VmHWM), not the resident memory
    // afterwards: what the allocator keeps after a burst depends on which threads ran it.
    let n_listings = 16;
    let listed = rt.block_on(async {
        let mut calls = tokio::task::JoinSet::new();
        for _ in 0..n_listings {
            let (http, url) = (http.clone(), url.clone());
            calls.spawn(async move {
                let resp = http
                    .get(format!("{url}/v1/registry/instances"))
                    .send()
                    .await
                    .expect("the registry answers");
                assert_eq!(resp.status(), 200);
                let list: serde_json::Value = resp.json().await.expect("JSON");
                list["instances"].as_array().map_or(0, Vec::len)
            });
        }
        let mut listed = Vec::new();
        while let Some(n) = calls.join_next().await {
            listed.push(n.expect("join"));
        }
        listed
    });
    assert_eq!(listed, vec![2048; n_listings]);
    let hwm = vm_hwm_kib(pid);
    eprintln!(
        "registry VmHWM {hwm} KiB after {n_listings} concurrent listings, VmRSS {} KiB",
        vm_rss_kib(pid)
    );
    // The full registry (~60 MB) plus two answers being built (~40 MB each) and what the allocator
    // keeps per thread: 156 MB measured; sixteen at once peaked at 401 MB (507 MB before the answers
    // were serialized to their exact size).
    assert!(hwm < 256 * 1024, "registry VmHWM {hwm} KiB");
}

/// A loopback listener that answers every request with a `GET /v1/info` document of `n_bytes` (a JSON
/// string), sent in pieces, with a `Content-Length` when `declare_length`, else until it closes.
fn huge_info_listener(n_bytes: usize, declare_length: bool) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            std::thread::spawn(move || {
                use std::io::{Read, Write};
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let length = if declare_length {
                    format!("content-length: {n_bytes}\r\n")
                } else {
                    String::new()
                };
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n{length}\r\n"
                );
                // A JSON string of n_bytes: `"aaa...a"`. Writes fail once the client gives up.
                let piece = vec![b'a'; 1 << 20];
                let mut sent = 0;
                let mut ok =
                    stream.write_all(head.as_bytes()).is_ok() && stream.write_all(b"\"").is_ok();
                while ok && sent + 2 < n_bytes {
                    let n = piece.len().min(n_bytes - 2 - sent);
                    ok = stream.write_all(&piece[..n]).is_ok();
                    sent += n;
                }
                let _ = ok && stream.write_all(b"\"").is_ok();
            });
        }
    });
    format!("http://{addr}")
}

/// Issue 19.10: an instance answering a huge `GET /v1/info` (declared, or streamed without a length)
/// costs `system status` an error for that instance, not its memory.
#[test]
fn status_bounds_each_info_answer() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let registry = start_registry("127.0.0.1:0");
    let http = http_client();
    let limit = gofed_service::client::MAX_INFO_BYTES as usize;
    let instances = [
        ("declared", huge_info_listener(1 << 30, true)),
        ("streamed", huge_info_listener(limit * 4, false)),
    ];
    for (id, address) in &instances {
        let body = serde_json::json!({
            "name": "huge-info", "instance_id": id, "address": address, "ttl_ms": 60000,
        });
        let (status, answer) = rt.block_on(post_registration(&http, &registry.url, &body));
        assert_eq!(status, 204, "{answer}");
    }
    let status = status_json(&registry.url);
    let listed = status["services"][0]["instances"]
        .as_array()
        .expect("instances");
    assert_eq!(listed.len(), 2, "{status}");
    for instance in listed {
        assert_eq!(instance["health"], "down", "{instance}");
        let error = instance["error"].as_str().expect("an error");
        assert!(
            error.contains("/v1/info: answer larger than the limit of 4194304 bytes"),
            "{instance}"
        );
    }
}

/// Issue 19.10: text that peers wrote (here a version holding terminal escape sequences) is
/// printed escaped by `system status`, in text and in JSON.
#[test]
fn status_escapes_what_peers_wrote() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let registry = start_registry("127.0.0.1:0");
    let body = serde_json::json!({
        "name": "api", "instance_id": "esc", "address": "http://127.0.0.1:9",
        "version": "\u{1b}[2J\u{1b}]0;owned\u{7}\u{202e}1.0", "ttl_ms": 60000,
    });
    let (status, answer) = rt.block_on(post_registration(&http_client(), &registry.url, &body));
    assert_eq!(status, 204, "{answer}");
    let out = gofed(&["system", "status", "--registry", &registry.url]);
    assert_eq!(out.status.code(), Some(1), "the instance is down");
    assert!(!out.stdout.contains(&0x1b), "a raw ESC byte was printed");
    assert!(!out.stdout.contains(&0x07), "a raw BEL byte was printed");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("version \\u{1b}[2J\\u{1b}]0;owned\\u{7}\\u{202e}1.0  "),
        "{text}"
    );
    let json = gofed(&[
        "system",
        "status",
        "--registry",
        &registry.url,
        "--format",
        "json",
    ]);
    assert!(!json.stdout.contains(&0x1b), "a raw ESC byte was printed");
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(
        json["services"][0]["instances"][0]["version"],
        body["version"]
    );
}

/// Issue 18.10: an instance that refuses the token is `unauthorized`, not `down`; `system status`
/// exits 1 unless every instance is up.
#[test]
fn status_says_unauthorized_and_exits_1() {
    let dir = tempfile::tempdir().expect("temp dir");
    let registry = start_registry("127.0.0.1:0");
    let server = Process::start(
        &[
            "--token",
            "s3cret",
            "serve",
            "api",
            "--listen",
            "127.0.0.1:0",
            "--registry",
            &registry.url,
        ],
        &[("GOFED_BLOB_DIR", dir.path())],
    );
    let status = |token: Option<&str>, format: &str| {
        let mut command = common::gofed_command();
        command
            .args([
                "system",
                "status",
                "--registry",
                &registry.url,
                "--format",
                format,
            ])
            .env_remove("GOFED_TOKEN");
        if let Some(token) = token {
            command.args(["--token", token]);
        }
        command.output().expect("run gofed")
    };

    let out = status(None, "json");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let instance = &json["services"][0]["instances"][0];
    assert_eq!(instance["instance_id"], server.instance.as_str(), "{json}");
    assert_eq!(instance["health"], "unauthorized", "{json}");
    assert!(
        instance["error"]
            .as_str()
            .is_some_and(|e| e.contains("401")),
        "{json}"
    );
    let out = status(Some("wrong"), "text");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!(
            "{}  {}  unauthorized  version",
            server.instance, server.url
        )),
        "{text}"
    );

    let out = status(Some("s3cret"), "json");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(
        json["services"][0]["instances"][0]["health"], "up",
        "{json}"
    );
}
