//! Hostile requests against real `gofed serve` (and `gofed registry`) processes on loopback (issue #19): each is
//! answered with a clear 4xx, the instance keeps serving, and its memory stays bounded (read from
//! `/proc/PID/status`).
//!
//! - a file reference is a sha256, fetched only from the `filestorage` the service knows: never from a caller's
//!   origin (a recording listener is never contacted, so no token can leak), size-bounded, hash-checked;
//! - 2,000 distinct origins cost no memory;
//! - overlong mount points and paths are refused, and bundles with long mounts are charged their real memory;
//! - slow bodies are answered 408 and hold no concurrency permit;
//! - a call that timed out is not retried on other instances, a request that broke an instance is retried once,
//!   and the error names the instance;
//! - SIGTERM ends the process by its shutdown deadline even with work running;
//! - an analysis that timed out stops using the processor;
//! - the engine's hostile trees (a deep directory, a string constant bomb, a big-integer chain, an alias chain)
//!   are errors of their request only, within the analysis memory limit.

use crate::common;
use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::system::{calls_total, metric, serve, wait_until, Process};
use crate::common::write;
use gofed_service::{
    Client, ClientConfig, ClientError, Placement, System, SystemConfig, SystemError,
};
use gofed_services::{api_service, bundle, Rendered, ServiceContext};
use serde_json::json;

const TOKEN: &str = "s3cret-token";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// A loopback HTTP listener that records the head of every request it gets (and answers 200 with a body that
/// looks like a secret): the place a hostile request would make a service call.
struct Recorder {
    url: String,
    heads: Arc<Mutex<Vec<String>>>,
}

impl Recorder {
    fn start() -> Recorder {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let heads = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&heads);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
                let mut buf = vec![0u8; 8192];
                let n = stream.read(&mut buf).unwrap_or(0);
                seen.lock()
                    .expect("lock")
                    .push(String::from_utf8_lossy(&buf[..n]).into_owned());
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Length: 23\r\nConnection: close\r\n\r\n{\"admin\": \"secret-42\"}\n",
                );
            }
        });
        Recorder { url, heads }
    }

    /// The request heads received (with their headers, e.g. `authorization`).
    fn heads(&self) -> Vec<String> {
        self.heads.lock().expect("lock").clone()
    }
}

/// `field` (e.g. `VmHWM`, `VmRSS`) of process `pid`, in bytes.
fn memory(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc/PID/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| {
            rest.trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map(|kb| kb * 1024)
        .unwrap_or_else(|| panic!("no {field} in /proc/{pid}/status"))
}

const MB: u64 = 1 << 20;

/// A `filestorage` instance and an `api` instance that knows it by configuration (no registry), both requiring
/// `TOKEN`; `env` goes to the api instance.
struct Pair {
    storage: Process,
    api: Process,
    dir: tempfile::TempDir,
}

impl Pair {
    fn start(api_env: &[(&str, &str)], api_config: &str) -> Pair {
        let dir = tempfile::tempdir().expect("temp dir");
        let storage = Process::start(
            &[
                "--token",
                TOKEN,
                "serve",
                "filestorage",
                "--no-register",
                "--listen",
                "127.0.0.1:0",
            ],
            &[("GOFED_BLOB_DIR", &dir.path().join("blobs-storage"))],
        );
        let config = dir.path().join("gofed.toml");
        std::fs::write(&config, api_config).expect("write config");
        let storage_place = format!("filestorage={}", storage.url);
        let api_blobs = dir.path().join("blobs-api");
        let mut envs: Vec<(&str, &Path)> = vec![("GOFED_BLOB_DIR", &api_blobs)];
        envs.extend(api_env.iter().map(|(k, v)| (*k, Path::new(*v))));
        let api = Process::start(
            &[
                "--token",
                TOKEN,
                "--config",
                config.to_str().expect("UTF-8 path"),
                "--placement",
                &storage_place,
                "serve",
                "api",
                "--no-register",
                "--listen",
                "127.0.0.1:0",
            ],
            &envs,
        );
        Pair { storage, api, dir }
    }

    fn client(url: &str) -> Client {
        let config = ClientConfig {
            token: Some(TOKEN.to_owned()),
            ..ClientConfig::default()
        };
        Client::new(url, &config).expect("client")
    }

    fn api(&self) -> Client {
        Pair::client(&self.api.url)
    }

    fn storage(&self) -> Client {
        Pair::client(&self.storage.url)
    }

    /// Uploads the bundle of `tree` to the storage; the `source` of a request for it, with `origin`.
    fn upload(&self, rt: &tokio::runtime::Runtime, tree: &Path, origin: &str) -> serde_json::Value {
        let bundle = bundle::pack(tree).expect("pack");
        let (info, _) = rt
            .block_on(self.storage().upload_bytes(bundle.bytes))
            .expect("upload");
        json!({"bundle": {
            "file": {"sha256": info.sha256, "size": info.size, "origin": origin},
            "mount": bundle.mount, "root": bundle.root}})
    }

    /// The api instance is still running and answers.
    fn assert_serving(&mut self, rt: &tokio::runtime::Runtime) {
        assert!(
            self.api.child.try_wait().expect("try_wait").is_none(),
            "the api instance died"
        );
        assert!(
            rt.block_on(self.api().info()).is_ok(),
            "the api instance does not answer"
        );
    }
}

/// Calls `api_analysis` with `input`; the error it must answer with: (HTTP status, code, message).
fn refused(
    rt: &tokio::runtime::Runtime,
    client: &Client,
    input: &serde_json::Value,
) -> (u16, String, String) {
    match rt.block_on(client.call_json("api_analysis", input)) {
        Err(ClientError::Service {
            status,
            code,
            message,
            ..
        }) => (status, code, message),
        other => panic!("expected an error answer, got {other:?}"),
    }
}

fn small_module(root: &Path) {
    write(root, "go.mod", "module example.com/m\n\ngo 1.21\n");
    write(
        root,
        "a.go",
        "package m\n\n// F is exported.\nfunc F(x int) string { return \"\" }\n",
    );
}

#[test]
fn a_file_reference_names_data_never_a_place() {
    let rt = runtime();
    let recorder = Recorder::start();
    let mut pair = Pair::start(&[], "[system]\nmax_fetch_bytes = 200000\n");
    let api = pair.api();

    // The reviewer's request: a path where the sha256 belongs, at the recorder's origin. Refused when decoded.
    let hostile = json!({"source": {"bundle": {
        "file": {"sha256": "../../internal/admin?q=", "size": 1, "origin": recorder.url},
        "mount": "/m", "root": "/m"}}});
    let (status, code, message) = refused(&rt, &api, &hostile);
    assert_eq!((status, code.as_str()), (400, "invalid_input"), "{message}");
    assert!(
        message.contains("source.bundle.file.sha256") && message.contains("not a sha256"),
        "{message}"
    );
    assert!(!message.contains("secret-42"), "{message}");

    // A well-formed sha256 that nobody stored, at the recorder's origin: asked of the known storage only.
    let unknown = json!({"source": {"bundle": {
        "file": {"sha256": "ab".repeat(32), "size": 10, "origin": recorder.url},
        "mount": "/m", "root": "/m"}}});
    let (status, code, message) = refused(&rt, &api, &unknown);
    assert_eq!((status, code.as_str()), (422, "unprocessable"), "{message}");
    assert!(
        message.contains(&pair.storage.url) && message.contains("404"),
        "{message}"
    );

    // A real bundle whose origin is the recorder: fetched from the known storage, and analysed.
    let dir = tempfile::tempdir().expect("temp dir");
    small_module(&dir.path().join("m"));
    let source = pair.upload(&rt, &dir.path().join("m"), &recorder.url);
    let answer = rt
        .block_on(api.call_json(
            "api_analysis",
            &json!({"source": source, "format": "goapi"}),
        ))
        .expect("the bundle is analysed");
    assert!(
        answer
            .result
            .to_string()
            .contains("pkg example.com/m, func F(int) string"),
        "{}",
        answer.result
    );

    // Downloads are bounded: a file declared larger than max_fetch_bytes is not fetched, and one that turns out
    // larger is stopped at the limit.
    write(
        &dir.path().join("big"),
        "go.mod",
        "module example.com/big\n",
    );
    write(
        &dir.path().join("big"),
        "big.go",
        format!("package big\n\n// {}\n", "x".repeat(300_000)),
    );
    let mut big = pair.upload(&rt, &dir.path().join("big"), &pair.storage.url);
    let (status, _, message) = refused(&rt, &api, &json!({ "source": big }));
    assert_eq!(status, 422, "{message}");
    assert!(
        message.contains("more than the limit of 200000"),
        "{message}"
    );
    big["bundle"]["file"]["size"] = json!(1000);
    let (status, _, message) = refused(&rt, &api, &json!({ "source": big }));
    assert_eq!(status, 422, "{message}");
    assert!(
        message.contains("larger than the limit of 200000"),
        "{message}"
    );

    // Bytes that do not hash to their name (a corrupted blob on the storage's disk) are refused.
    write(
        &dir.path().join("other"),
        "go.mod",
        "module example.com/other\n",
    );
    write(
        &dir.path().join("other"),
        "o.go",
        "package other\n\nconst C = 1\n",
    );
    let other = pair.upload(&rt, &dir.path().join("other"), &pair.storage.url);
    let sha = other["bundle"]["file"]["sha256"]
        .as_str()
        .expect("sha256")
        .to_owned();
    let blob = pair
        .dir
        .path()
        .join("blobs-storage/sha256")
        .join(&sha[..2])
        .join(&sha);
    let len = std::fs::metadata(&blob).expect("stored blob").len() as usize;
    std::fs::write(&blob, vec![b'z'; len]).expect("corrupt the blob");
    let (status, _, message) = refused(&rt, &api, &json!({ "source": other }));
    assert_eq!(status, 422, "{message}");
    assert!(message.contains("hashes to"), "{message}");

    // The recorder was never contacted (so the service's token never left for it).
    assert_eq!(
        recorder.heads(),
        Vec::<String>::new(),
        "a caller's origin was contacted"
    );
    pair.assert_serving(&rt);
    let peak = memory(pair.api.child.id(), "VmHWM");
    eprintln!("api instance peak memory: {} MB", peak / MB);
    assert!(peak < 300 * MB, "{} MB", peak / MB);
}

#[test]
fn two_thousand_origins_cost_no_memory() {
    let rt = runtime();
    let recorder = Recorder::start();
    let mut pair = Pair::start(&[], "");
    let api = pair.api();
    let request = |i: usize| {
        json!({"source": {"bundle": {
            "file": {"sha256": format!("{i:064x}"), "size": 1, "origin": format!("{}/origin-{i}", recorder.url)},
            "mount": "/m", "root": "/m"}}})
    };
    for i in 0..100 {
        assert_eq!(refused(&rt, &api, &request(i)).0, 422);
    }
    let before = memory(pair.api.child.id(), "VmRSS");
    for i in 100..2100 {
        let (status, code, message) = refused(&rt, &api, &request(i));
        assert_eq!((status, code.as_str()), (422, "unprocessable"), "{message}");
    }
    let after = memory(pair.api.child.id(), "VmRSS");
    let grown = after.saturating_sub(before);
    eprintln!(
        "2,000 distinct origins: resident memory {} -> {} MB",
        before / MB,
        after / MB
    );
    // It grew by 69 MB when each origin got a client of its own.
    assert!(grown < 16 * MB, "grew by {} MB", grown / MB);
    assert_eq!(
        recorder.heads(),
        Vec::<String>::new(),
        "an origin was contacted"
    );
    pair.assert_serving(&rt);
}

/// A tar of `n` empty files, 100 per directory (`d{salt}-{i / 100}/x{i}.txt`): with a long mount point, each
/// file's path used to be held in full.
fn many_small_entries(n: usize, salt: usize) -> Vec<u8> {
    let mut tar = Vec::with_capacity(n * 512 + 1024);
    {
        let mut builder = tar_builder(&mut tar);
        for i in 0..n {
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(tar::EntryType::Regular);
            header.set_size(0);
            header.set_mode(0o644);
            builder
                .append_data(
                    &mut header,
                    format!("d{salt}-{}/x{i}.txt", i / 100),
                    std::io::empty(),
                )
                .expect("append");
        }
        builder.finish().expect("finish");
    }
    tar
}

fn tar_builder(out: &mut Vec<u8>) -> tar::Builder<&mut Vec<u8>> {
    tar::Builder::new(out)
}

#[test]
fn long_mounts_are_refused_and_bundles_are_charged_their_memory() {
    let rt = runtime();
    let mut pair = Pair::start(&[], "");
    let api = pair.api();
    let storage = pair.storage();
    let source = |sha: &str, size: u64, mount: &str| json!({"source": {"bundle": {"file": {"sha256": sha, "size": size}, "mount": mount, "root": mount}}});

    // Mount points longer than PATH_MAX: refused before anything is fetched (the second aborted the server).
    for len in [5_000, 100_000] {
        let mount = format!("/{}", "m".repeat(len));
        let (status, code, message) = refused(&rt, &api, &source(&"ab".repeat(32), 1, &mount));
        assert_eq!((status, code.as_str()), (422, "unprocessable"), "{message}");
        assert!(message.contains("PATH_MAX"), "{message}");
    }

    // An entry whose mounted path would pass PATH_MAX.
    let mut tar = Vec::new();
    {
        let mut builder = tar_builder(&mut tar);
        let mut header = tar::Header::new_gnu();
        header.set_size(0);
        builder
            .append_data(
                &mut header,
                format!("{}/x.go", "d".repeat(200)),
                std::io::empty(),
            )
            .expect("append");
        builder.finish().expect("finish");
    }
    let (info, _) = rt.block_on(storage.upload_bytes(tar)).expect("upload");
    let mount = format!("/{}", "m".repeat(3999));
    let (status, _, message) = refused(&rt, &api, &source(&info.sha256, info.size, &mount));
    assert_eq!(status, 422, "{message}");
    assert!(message.contains("longer than PATH_MAX"), "{message}");

    // Five 10 MB bundles of 20,000 entries under 4,000-byte mounts (1.16 GB with 5,000-byte mounts before).
    let mount = format!("/{}", "m".repeat(4000));
    for salt in 0..5 {
        let tar = many_small_entries(20_000, salt);
        assert!(tar.len() > 10_000_000);
        let (info, _) = rt.block_on(storage.upload_bytes(tar)).expect("upload");
        let (status, code, message) = refused(&rt, &api, &source(&info.sha256, info.size, &mount));
        // Unpacked and cached; there is no Go code to analyse in it.
        assert_eq!((status, code.as_str()), (422, "unprocessable"), "{message}");
        assert!(message.contains("no Go"), "{message}");
    }
    pair.assert_serving(&rt);
    let peak = memory(pair.api.child.id(), "VmHWM");
    eprintln!(
        "five 10 MB bundles under 4,000-byte mounts: peak memory {} MB",
        peak / MB
    );
    // Their 100,000 paths under the mount take 400 MB when each holds the mount.
    assert!(peak < 250 * MB, "{} MB", peak / MB);
}

/// Opens a connection to `addr` and sends `head`, then one byte of body every `pace` until the server closes it or
/// `body_len` bytes went; returns what the server answered and when it closed.
fn trickle(
    addr: SocketAddr,
    head: String,
    body_len: usize,
    pace: Duration,
) -> std::thread::JoinHandle<(String, Duration)> {
    std::thread::spawn(move || {
        let clock = Instant::now();
        let mut stream = TcpStream::connect(addr).expect("connect");
        stream.write_all(head.as_bytes()).expect("send head");
        let mut reader = stream.try_clone().expect("clone");
        let writer = std::thread::spawn(move || {
            for _ in 0..body_len {
                if stream.write_all(b" ").is_err() {
                    break;
                }
                std::thread::sleep(pace);
            }
        });
        let _ = reader.set_read_timeout(Some(Duration::from_secs(60)));
        let mut answer = Vec::new();
        let _ = reader.read_to_end(&mut answer);
        let closed = clock.elapsed();
        drop(writer);
        (String::from_utf8_lossy(&answer).into_owned(), closed)
    })
}

#[test]
fn slow_bodies_do_not_lock_out_action_calls() {
    let rt = runtime();
    let mut pair = Pair::start(
        &[
            ("GOFED_MAX_CONCURRENT_CALLS", "4"),
            ("GOFED_BODY_READ_TIMEOUT_MS", "1500"),
        ],
        "",
    );
    let api = pair.api();
    let dir = tempfile::tempdir().expect("temp dir");
    small_module(&dir.path().join("m"));
    let source = pair.upload(&rt, &dir.path().join("m"), &pair.storage.url);
    let addr: SocketAddr = pair
        .api
        .url
        .trim_start_matches("http://")
        .parse()
        .expect("address");

    // 16 clients send action bodies of 1,000 bytes at one byte every 100 ms; before, they held all 4 permits.
    let head = format!(
        "POST /v1/actions/api_analysis HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nContent-Length: 1000\r\n\r\n"
    );
    let slow: Vec<_> = (0..16)
        .map(|_| trickle(addr, head.clone(), 1000, Duration::from_millis(100)))
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    for _ in 0..10 {
        rt.block_on(api.call_json("api_analysis", &json!({ "source": source })))
            .expect("a normal call is served while slow clients trickle");
    }
    for handle in slow {
        let (answer, closed) = handle.join().expect("slow client");
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.contains("request_timeout"), "{answer}");
        assert!(closed < Duration::from_secs(15), "closed after {closed:?}");
    }

    // An upload that stops sending is answered 408 and closed (it stayed open 25 s and more before).
    let data = vec![b'x'; 1000];
    let head = format!(
        "PUT /v1/files/{} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nContent-Length: 1000\r\n\r\n",
        gofed_service::Sha256::of(&data)
    );
    let (answer, closed) = trickle(addr, head, 10, Duration::from_millis(10))
        .join()
        .expect("stalled upload");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(closed < Duration::from_secs(15), "closed after {closed:?}");
    pair.assert_serving(&rt);
}

/// A module whose API in every default cmd/api context takes a while to compute.
fn slow_tree(root: &Path, n_files: usize) {
    write(root, "go.mod", "module example.com/big\n\ngo 1.21\n");
    for i in 0..n_files {
        let mut text = format!(
            "package big\n\nimport \"io\"\n\ntype T{i} struct {{ A int; R io.Reader }}\n\n"
        );
        for j in 0..30 {
            text.push_str(&format!(
                "func (t *T{i}) M{j}(x int, s ...string) (int, error) {{ return x, nil }}\n\nconst C{i}_{j} = {j} << {i}\n\n"
            ));
        }
        write(root, &format!("f{i}.go"), text);
    }
}

fn listed(rt: &tokio::runtime::Runtime, registry: &str, service: &str) -> usize {
    let backend = gofed_registry::connect(registry).expect("registry URL");
    rt.block_on(backend.lookup(service))
        .map(|found| found.len())
        .unwrap_or(0)
}

#[test]
fn a_poison_request_is_not_retried_on_every_instance() {
    let rt = runtime();
    let dir = tempfile::tempdir().expect("temp dir");
    slow_tree(&dir.path().join("big"), 40);
    let registry = Process::start(&["registry", "--listen", "127.0.0.1:0"], &[]);
    let _storage = serve(
        &["filestorage"],
        &registry.url,
        6000,
        &dir.path().join("blobs-storage"),
    );
    // Two api instances whose actions time out after 50 ms.
    let timeout = Path::new("50");
    let start_api = |i: usize| {
        Process::start(
            &[
                "serve",
                "api",
                "--listen",
                "127.0.0.1:0",
                "--registry",
                &registry.url,
            ],
            &[
                ("GOFED_BLOB_DIR", &dir.path().join(format!("blobs-api{i}"))),
                ("GOFED_ACTION_TIMEOUT_MS", timeout),
            ],
        )
    };
    let (a, b) = (start_api(0), start_api(1));
    wait_until(Duration::from_secs(5), || {
        listed(&rt, &registry.url, "api") == 2 && listed(&rt, &registry.url, "filestorage") == 1
    })
    .expect("registered");
    let client = ClientConfig {
        timeout_ms: 2000,
        ..ClientConfig::default()
    };
    let config = SystemConfig {
        registry: registry.url.clone(),
        default_placement: Placement::Remote,
        ..SystemConfig::default()
    };
    let backend = gofed_registry::connect(&registry.url).expect("registry URL");
    let system = Arc::new(System::new(
        vec![api_service(ServiceContext::local())],
        config,
        client,
        Some(backend),
    ));
    let pack = bundle::pack(&dir.path().join("big")).expect("pack");
    let file = rt
        .block_on(system.upload_bytes(pack.bytes.into()))
        .expect("upload");
    let request = json!({"source": {"bundle": {"file": file, "mount": pack.mount, "root": pack.root}},
        "contexts": "default", "format": "goapi"});

    // A call that times out: one instance ran it, the other never saw it, and the error says which one failed.
    let err = rt
        .block_on(system.call::<_, Rendered>("api_analysis", request.clone()))
        .expect_err("the call times out");
    let on = |p: &Process| calls_total(&p.url, "api_analysis");
    assert_eq!(
        on(&a) + on(&b),
        1,
        "a timed-out call ran on one instance only"
    );
    let message = format!("{:#}", anyhow::Error::from(err));
    let failed = if on(&a) == 1 { &a.url } else { &b.url };
    assert!(
        message.contains(&format!("instance {failed}")) && message.contains("504"),
        "{message}"
    );

    // Both instances hang (SIGSTOP): the request is sent to one, then retried once on the other, not again.
    for p in [&a, &b] {
        let stop = Command::new("kill")
            .args(["-STOP", &p.child.id().to_string()])
            .status()
            .expect("kill");
        assert!(stop.success());
    }
    let err = rt
        .block_on(system.call::<_, Rendered>("api_analysis", request))
        .expect_err("no instance answers");
    for p in [&a, &b] {
        let _ = Command::new("kill")
            .args(["-CONT", &p.child.id().to_string()])
            .status();
    }
    assert!(matches!(err, SystemError::NotRetried { .. }), "{err}");
    let tries: u64 = [&a.url, &b.url]
        .iter()
        .map(|url| system.calls_per_instance().get(*url).copied().unwrap_or(0))
        .sum();
    assert_eq!(
        tries, 3,
        "one timed-out call, then two tries of the hung request"
    );
    let message = format!("{:#}", anyhow::Error::from(err));
    assert!(
        message.contains("failed on instance http://127.0.0.1:"),
        "{message}"
    );
}

#[test]
fn sigterm_ends_the_process_by_its_shutdown_deadline() {
    let rt = runtime();
    let dir = tempfile::tempdir().expect("temp dir");
    slow_tree(&dir.path().join("big"), 200);
    let storage_blobs = dir.path().join("blobs-storage");
    let storage = Process::start(
        &[
            "serve",
            "filestorage",
            "--no-register",
            "--listen",
            "127.0.0.1:0",
        ],
        &[("GOFED_BLOB_DIR", &storage_blobs)],
    );
    let place = format!("filestorage={}", storage.url);
    let mut api = Process::start(
        &[
            "--placement",
            &place,
            "serve",
            "api",
            "--no-register",
            "--listen",
            "127.0.0.1:0",
        ],
        &[
            ("GOFED_BLOB_DIR", &dir.path().join("blobs-api")),
            ("GOFED_SHUTDOWN_TIMEOUT_MS", Path::new("300")),
        ],
    );
    let storage_client = Client::new(&storage.url, &ClientConfig::default()).expect("client");
    let pack = bundle::pack(&dir.path().join("big")).expect("pack");
    let (info, _) = rt
        .block_on(storage_client.upload_bytes(pack.bytes))
        .expect("upload");
    let request = json!({"source": {"bundle": {
        "file": {"sha256": info.sha256, "size": info.size},
        "mount": pack.mount, "root": pack.root}}, "contexts": "default", "format": "goapi"});
    let client = Client::new(&api.url, &ClientConfig::default()).expect("client");
    let call = rt.spawn(async move { client.call_json("api_analysis", &request).await });
    wait_until(Duration::from_secs(10), || {
        metric(&api.url, "gofed_action_in_flight", "api_analysis") == 1
    })
    .expect("the call is in flight");
    std::thread::sleep(Duration::from_millis(200));
    let clock = Instant::now();
    api.sigterm();
    let status = api.wait_exit(Duration::from_secs(20));
    let took = clock.elapsed();
    eprintln!("exit {took:?} after SIGTERM with work running (shutdown timeout 300 ms)");
    assert!(status.success(), "{status}");
    let answer = rt.block_on(call).expect("join");
    assert!(
        answer.is_err(),
        "the call was still running at the deadline: {answer:?}"
    );
    assert!(took < Duration::from_secs(5), "{took:?}");
}

/// A tar of `entries` (path, contents), built here so that it may hold what `bundle::pack` would never write.
fn tar_of(entries: &[(String, String)]) -> Vec<u8> {
    let mut tar = Vec::new();
    {
        let mut builder = tar_builder(&mut tar);
        for (path, text) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(tar::EntryType::Regular);
            header.set_size(text.len() as u64);
            header.set_mode(0o644);
            builder
                .append_data(&mut header, path, text.as_bytes())
                .expect("append");
        }
        builder.finish().expect("finish");
    }
    tar
}

/// Uploads `tar` to the pair's storage; an `api_analysis` request for it mounted at `/m`.
fn bundle_request(rt: &tokio::runtime::Runtime, pair: &Pair, tar: Vec<u8>) -> serde_json::Value {
    let (info, _) = rt
        .block_on(pair.storage().upload_bytes(tar))
        .expect("upload");
    json!({"source": {"bundle": {"file": {"sha256": info.sha256, "size": info.size},
        "mount": "/m", "root": "/m"}}, "format": "goapi"})
}

/// A module `example.com/m` whose one file is `src`, as a bundle request.
fn module_request(rt: &tokio::runtime::Runtime, pair: &Pair, src: String) -> serde_json::Value {
    let tar = tar_of(&[
        (
            "go.mod".to_owned(),
            "module example.com/m\n\ngo 1.21\n".to_owned(),
        ),
        ("m.go".to_owned(), src),
    ]);
    bundle_request(rt, pair, tar)
}

/// The instance answers a normal analysis correctly after a hostile one.
fn assert_analyses(rt: &tokio::runtime::Runtime, pair: &mut Pair) {
    pair.assert_serving(rt);
    let fine = module_request(
        rt,
        pair,
        "package m\n\n// F is exported.\nfunc F(x int) string { return \"\" }\n".to_owned(),
    );
    let answer = rt
        .block_on(pair.api().call_json("api_analysis", &fine))
        .expect("a normal analysis");
    assert_eq!(
        answer.result["output"]["text"], "pkg example.com/m, func F(int) string\n",
        "{}",
        answer.result
    );
}

/// The api instance's peak resident memory (`VmHWM`), reported as `what`.
fn peak_memory(pair: &Pair, what: &str) -> u64 {
    let peak = memory(pair.api.child.id(), "VmHWM");
    eprintln!("{what}: api instance peak memory {} MB", peak / MB);
    peak
}

/// The first 300 characters of `text`, for a failure message about a long one.
fn head(text: &str) -> String {
    text.chars().take(300).collect()
}

#[test]
fn a_deep_directory_is_refused_and_a_deep_package_is_analysed() {
    let rt = runtime();
    let mut pair = Pair::start(&[], "");

    // The reviewer's 43 KB bundle: one file under 20,000 directories (the recursive walk overflowed the stack and
    // aborted the process). No Linux tree has such a path: refused as it is read.
    let deep = tar_of(&[(
        format!("{}x.go", "a/".repeat(20_000)),
        "package x\n".to_owned(),
    )]);
    let request = bundle_request(&rt, &pair, deep);
    let (status, code, message) = refused(&rt, &pair.api(), &request);
    assert_eq!(
        (status, code.as_str()),
        (422, "unprocessable"),
        "{}",
        head(&message)
    );
    assert!(
        message.contains("mounted path of 40007 bytes, longer than PATH_MAX (4096)"),
        "{}",
        head(&message)
    );
    pair.assert_serving(&rt);

    // As deep as PATH_MAX allows (2,000 levels): walked without recursion, and its package analysed.
    let dirs = vec!["a"; 2_000].join("/");
    let deep = tar_of(&[
        (
            "go.mod".to_owned(),
            "module example.com/m\n\ngo 1.21\n".to_owned(),
        ),
        (
            format!("{dirs}/x.go"),
            "package x\n\nfunc X() {}\n".to_owned(),
        ),
    ]);
    let request = bundle_request(&rt, &pair, deep);
    let answer = rt
        .block_on(pair.api().call_json("api_analysis", &request))
        .expect("the deep package is analysed");
    assert_eq!(
        answer.result["output"]["text"],
        format!("pkg example.com/m/{dirs}, func X()\n"),
        "{}",
        head(&answer.result.to_string())
    );
    assert_analyses(&rt, &mut pair);
    assert!(peak_memory(&pair, "deep directories") < 300 * MB);
}

/// `const S0 = "xxxxxxxxxxxxxxxx"` and 39 doublings: 8 TiB of string if computed (the process aborted on a failed
/// allocation). Under a 256 MiB analysis budget (`[server] analysis_memory_limit`) the request is unprocessable and
/// the process stays small.
#[test]
fn a_string_constant_bomb_is_unprocessable_within_the_memory_limit() {
    let rt = runtime();
    let limit = 256 * MB;
    let mut pair = Pair::start(&[], &format!("[server]\nanalysis_memory_limit = {limit}\n"));
    let mut src = String::from("package m\n\nconst S0 = \"xxxxxxxxxxxxxxxx\"\n");
    for i in 1..40 {
        src.push_str(&format!("const S{i} = S{} + S{}\n", i - 1, i - 1));
    }
    let request = module_request(&rt, &pair, src);
    let (status, code, message) = refused(&rt, &pair.api(), &request);
    assert_eq!((status, code.as_str()), (422, "unprocessable"), "{message}");
    // The values or their printed forms (cmd/api prints string constants whole) run out.
    assert!(
        message.starts_with(&format!(
            "analysis exceeds its memory budget of {limit} bytes (growing "
        )),
        "{message}"
    );
    assert_analyses(&rt, &mut pair);
    // About 1.2 GB under the default 2 GiB budget.
    let peak = peak_memory(&pair, "string constant bomb, 256 MiB budget");
    assert!(peak < 512 * MB, "{} MB", peak / MB);
}

/// The same bomb run in-process (`gofed api DIR`, no service): the command takes the same limit from
/// `GOFED_ANALYSIS_MEMORY_LIMIT` and ends with the budget's error, exit status 2, instead of aborting.
#[test]
fn an_in_process_string_constant_bomb_ends_with_the_budget_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut src = String::from("package m\n\nconst S0 = \"xxxxxxxxxxxxxxxx\"\n");
    for i in 1..40 {
        src.push_str(&format!("const S{i} = S{} + S{}\n", i - 1, i - 1));
    }
    write(dir.path(), "go.mod", "module example.com/m\n\ngo 1.21\n");
    write(dir.path(), "m.go", src);
    let limit = 100_000_000;
    let out = common::gofed_command()
        .args(["api", "--format", "goapi"])
        .arg(dir.path())
        .env("GOFED_ANALYSIS_MEMORY_LIMIT", limit.to_string())
        .output()
        .expect("run gofed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(
        stderr.starts_with(&format!(
            "gofed: error: analysis exceeds its memory budget of {limit} bytes (growing "
        )),
        "{stderr}"
    );
}

/// `const A0 = 1 << 500` and 39 squarings: go/types reports `constant multiplication overflow` at once (gofed ran for
/// more than 30 s). The answer of a tree with errors: the error, exit status 2, no document.
#[test]
fn a_big_integer_chain_is_a_go_error() {
    let rt = runtime();
    let mut pair = Pair::start(&[], "");
    let mut src = String::from("package m\n\nconst A0 = 1 << 500\n");
    for i in 1..40 {
        src.push_str(&format!("const A{i} = A{} * A{}\n", i - 1, i - 1));
    }
    let request = module_request(&rt, &pair, src);
    let answer = rt
        .block_on(pair.api().call_json("api_analysis", &request))
        .expect("the answer of a tree with errors");
    // go build says `./m.go:4:15: constant multiplication overflow` (go/types reports at the operator).
    assert_eq!(
        answer.result,
        json!({"output": {"text": ""}, "exit_code": 2,
            "diagnostics": ["/m/m.go:4:15: constant multiplication overflow"]}),
    );
    assert_analyses(&rt, &mut pair);
    assert!(peak_memory(&pair, "big integer chain") < 300 * MB);
}

/// `type F0 = func(int, int)`, `Fi = func(F(i-1), F(i-1))` × 40 and `var V F39`: each printed type doubles (the API
/// printer aborted the process). Types longer than the cap are left out with an error naming them.
#[test]
fn an_alias_chain_is_left_out_with_an_error() {
    let rt = runtime();
    let mut pair = Pair::start(&[], "");
    let mut src = String::from("package m\n\ntype F0 = func(int, int)\n");
    for i in 1..40 {
        src.push_str(&format!("type F{i} = func(F{}, F{})\n", i - 1, i - 1));
    }
    src.push_str("\nvar V F39\n");
    let request = module_request(&rt, &pair, src);
    let answer = rt
        .block_on(pair.api().call_json("api_analysis", &request))
        .expect("the answer of a tree with errors");
    let result = &answer.result;
    assert_eq!(result["exit_code"], 2, "{}", head(&result.to_string()));
    assert_eq!(
        result["output"]["text"],
        "",
        "{}",
        head(&result.to_string())
    );
    let diagnostics: Vec<&str> = result["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter_map(|d| d.as_str())
        .collect();
    assert!(
        diagnostics.contains(
            &"/m/m.go:44:5: V: its type is longer than 1048576 bytes when printed; left out"
        ),
        "{diagnostics:?}"
    );
    assert!(diagnostics.len() <= 41, "{diagnostics:?}");
    assert_analyses(&rt, &mut pair);
    assert!(peak_memory(&pair, "alias chain") < 300 * MB);
}

/// Processor time process `pid` used so far (user and system), from `/proc/PID/stat`.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/PID/stat");
    // The fields after the command name (which may hold spaces) in parentheses: utime and stime are the 12th and
    // 13th, in clock ticks (USER_HZ, 100 on Linux).
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks: u64 = fields[11..13]
        .iter()
        .map(|f| f.parse::<u64>().expect("a tick count"))
        .sum();
    Duration::from_millis(ticks * 10)
}

/// An analysis that outlives its action's timeout is answered 504 and stops: the instance uses (almost) no
/// processor time afterwards, where the analysis used to run on to its end.
#[test]
fn a_timed_out_analysis_stops_using_the_processor() {
    let rt = runtime();
    let dir = tempfile::tempdir().expect("temp dir");
    slow_tree(&dir.path().join("big"), 200);
    let mut pair = Pair::start(&[("GOFED_ACTION_TIMEOUT_MS", "500")], "");
    let source = pair.upload(&rt, &dir.path().join("big"), &pair.storage.url);
    let request = json!({"source": source, "contexts": "default", "format": "goapi"});
    let pid = pair.api.child.id();
    let before = cpu_time(pid);
    let (status, code, message) = refused(&rt, &pair.api(), &request);
    assert_eq!((status, code.as_str()), (504, "timeout"), "{message}");
    let at_timeout = cpu_time(pid);
    // The analysis notices the flag at its next check (an instance's own background work is a few ticks).
    std::thread::sleep(Duration::from_millis(300));
    let settled = cpu_time(pid);
    std::thread::sleep(Duration::from_secs(1));
    let later = cpu_time(pid);
    eprintln!(
        "processor time: {:?} until the 504, {:?} in the next 300 ms, {:?} in the second after",
        at_timeout - before,
        settled - at_timeout,
        later - settled
    );
    assert!(
        later - settled <= Duration::from_millis(100),
        "{:?} of processor time in the second after the 504",
        later - settled
    );
    assert_analyses(&rt, &mut pair);
}

/// A bundle of 80,000 directories under a 4,000-byte mount: the walk of its tree holds each directory's path
/// relative to the root (558 MB at peak when each held the mount).
#[test]
fn many_directories_under_a_long_mount_stay_small() {
    let rt = runtime();
    let mut pair = Pair::start(&[], "");
    let mut tar = Vec::new();
    {
        let mut builder = tar_builder(&mut tar);
        for i in 0..80_000 {
            let mut header = tar::Header::new_gnu();
            header.set_entry_type(tar::EntryType::Regular);
            header.set_size(0);
            header.set_mode(0o644);
            builder
                .append_data(&mut header, format!("d{i}/x.txt"), std::io::empty())
                .expect("append");
        }
        builder.finish().expect("finish");
    }
    let (info, _) = rt
        .block_on(pair.storage().upload_bytes(tar))
        .expect("upload");
    let mount = format!("/{}", "m".repeat(4000));
    let request = json!({"source": {"bundle": {"file": {"sha256": info.sha256, "size": info.size},
        "mount": mount, "root": mount}}});
    let (status, code, message) = refused(&rt, &pair.api(), &request);
    // Unpacked and walked; there is no Go code in it.
    assert_eq!(
        (status, code.as_str()),
        (422, "unprocessable"),
        "{}",
        head(&message)
    );
    assert!(message.contains("no Go"), "{}", head(&message));
    assert_analyses(&rt, &mut pair);
    let peak = peak_memory(&pair, "80,000 directories under a 4,000-byte mount");
    assert!(peak < 300 * MB, "{} MB", peak / MB);
}
