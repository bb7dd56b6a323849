//! The embedded registry: the behavioural suite on `MemoryRegistry` directly and through the HTTP
//! server and client, the server's error answers, and repopulation after a restart.

mod common;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use common::{http_client, Timing};
use gofed_registry::{
    HttpRegistry, Instance, Limits, MemoryRegistry, Registrar, Registry, RegistryError,
    RegistryServer, ServerConfig, ServerHandle,
};

const T: Timing = Timing {
    ttl: Duration::from_millis(300),
    heartbeat: Duration::from_millis(75),
    slack: Duration::from_millis(150),
};

async fn serve_at(address: SocketAddr) -> ServerHandle {
    serve_with(address, Limits::default()).await
}

async fn serve_with(address: SocketAddr, limits: Limits) -> ServerHandle {
    RegistryServer::bind(
        &ServerConfig {
            address,
            ..ServerConfig::default()
        },
        Arc::new(MemoryRegistry::with_limits(limits)),
    )
    .await
    .expect("bind")
    .spawn()
}

/// A server on a free loopback port and a client of it.
async fn server() -> (ServerHandle, Arc<dyn Registry>) {
    let server = serve_at("127.0.0.1:0".parse().unwrap()).await;
    let client = HttpRegistry::new(&server.url()).expect("client");
    (server, Arc::new(client))
}

#[tokio::test]
async fn memory_crud() {
    common::crud(&MemoryRegistry::default(), T).await;
}

#[tokio::test]
async fn memory_invalid_fields() {
    common::invalid_fields(&MemoryRegistry::default(), T).await;
}

#[tokio::test]
async fn http_invalid_fields() {
    let (server, client) = server().await;
    common::invalid_fields(&*client, T).await;
    server.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn memory_bounded_instances() {
    common::bounded_instances(&MemoryRegistry::with_limits(common::SMALL_LIMITS), T).await;
}

#[tokio::test]
async fn http_bounded_instances() {
    let server = serve_with("127.0.0.1:0".parse().unwrap(), common::SMALL_LIMITS).await;
    let client = HttpRegistry::new(&server.url()).expect("client");
    common::bounded_instances(&client, T).await;
    server.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn memory_ttl_pruning() {
    common::ttl_pruning(&MemoryRegistry::default(), T).await;
}

#[tokio::test]
async fn http_crud() {
    let (server, client) = server().await;
    common::crud(&*client, T).await;
    server.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn http_ttl_pruning() {
    let (server, client) = server().await;
    common::ttl_pruning(&*client, T).await;
    server.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn http_registrar_lifecycle() {
    let (server, client) = server().await;
    common::registrar_lifecycle(client, T).await;
    server.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn memory_registrar_reregisters_after_loss() {
    let registry: Arc<dyn Registry> = Arc::new(MemoryRegistry::default());
    let r = Arc::clone(&registry);
    common::registrar_reregisters(Arc::clone(&registry), registry, T, || async move {
        r.deregister("again", "r1").await.expect("deregister");
    })
    .await;
}

/// A restarted registry (same address, empty memory) is repopulated by the next heartbeats, and
/// the registrar survives the time the registry was down.
#[tokio::test]
async fn restarted_server_is_repopulated() {
    let (server, client) = server().await;
    let address = server.local_addr();
    let registrar = Registrar::start(
        Arc::clone(&client),
        common::instance("api", "r1", T.ttl),
        T.heartbeat_config(),
    )
    .await
    .expect("start");
    server.shutdown().await.expect("shutdown");

    // Down for several heartbeats: they fail, and the registrar keeps trying.
    tokio::time::sleep(T.heartbeat * 3).await;
    assert!(client.list().await.is_err(), "the registry is down");

    let server = serve_at(address).await;
    let back = common::eventually(T.heartbeat * 4, || async {
        matches!(client.lookup("api").await.as_deref(), Ok([i]) if i.instance_id == "r1")
    })
    .await;
    assert!(
        back.is_some(),
        "the restarted registry learnt the instance again"
    );
    assert_eq!(registrar.n_registrations(), 2);
    registrar.shutdown().await.expect("deregister");
    assert!(client.lookup("api").await.expect("lookup").is_empty());
    server.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn registrar_start_fails_when_registry_is_unreachable() {
    // Bind and drop to get a port that nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client: Arc<dyn Registry> =
        Arc::new(HttpRegistry::new(&format!("http://127.0.0.1:{port}")).expect("client"));
    let err = Registrar::start(
        client,
        common::instance("api", "r1", T.ttl),
        T.heartbeat_config(),
    )
    .await
    .err()
    .expect("nothing listens");
    assert!(matches!(err, RegistryError::Transport { .. }), "{err:?}");
}

/// The wire: status codes and JSON error bodies with stable codes.
#[tokio::test]
async fn http_errors_are_json_with_codes() {
    let (server, _client) = server().await;
    let base = server.url();
    let http = http_client();
    let check = |resp: reqwest::Response, status: u16, code: &'static str| async move {
        assert_eq!(resp.status().as_u16(), status, "{}", resp.url());
        let body: serde_json::Value = resp.json().await.expect("a JSON error body");
        assert_eq!(body["code"], code, "{body}");
        assert!(body["message"].is_string(), "{body}");
    };

    let resp = http
        .put(format!("{base}/v1/registry/instances/api/x/heartbeat"))
        .send()
        .await
        .unwrap();
    check(resp, 404, "instance_not_found").await;

    let resp = http
        .post(format!("{base}/v1/registry/instances"))
        .header("content-type", "application/json")
        .body("{\"name\": 1}")
        .send()
        .await
        .unwrap();
    check(resp, 400, "invalid_json").await;

    // A well-formed registration with a refused field: 422, naming the field.
    for (body, field) in [
        (
            serde_json::json!({
                "name": "a b", "instance_id": "x", "address": "http://h", "ttl_ms": 1000
            }),
            "name",
        ),
        (
            serde_json::json!({
                "name": "api", "instance_id": "x", "address": "not a url", "ttl_ms": 1000
            }),
            "address",
        ),
        (
            serde_json::json!({
                "name": "api", "instance_id": "x", "address": "http://h:1/p", "ttl_ms": 1000
            }),
            "address",
        ),
        (
            serde_json::json!({
                "name": "api", "instance_id": "x", "address": "http://h", "ttl_ms": 1000,
                "version": "v".repeat(129)
            }),
            "version",
        ),
    ] {
        let resp = http
            .post(format!("{base}/v1/registry/instances"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 422, "{body}");
        let answer: serde_json::Value = resp.json().await.expect("a JSON error body");
        assert_eq!(answer["code"], "invalid_input", "{answer}");
        assert_eq!(answer["field"], field, "{answer}");
        let message = answer["message"].as_str().unwrap_or_default();
        assert!(
            message.starts_with(&format!(
                "invalid {}",
                field.replace("name", "service name")
            )),
            "{answer}"
        );
    }

    // A body over the bound is refused before it is parsed, whatever its content.
    let huge = serde_json::json!({
        "name": "api", "instance_id": "x", "address": "http://h", "ttl_ms": 1000,
        "actions": (0..2000).map(|i| format!("action_{i:05}")).collect::<Vec<_>>()
    });
    let resp = http
        .post(format!("{base}/v1/registry/instances"))
        .json(&huge)
        .send()
        .await
        .unwrap();
    check(resp, 413, "body_too_large").await;

    let resp = http
        .get(format!("{base}/v1/registry/services/a%20b"))
        .send()
        .await
        .unwrap();
    check(resp, 400, "invalid_input").await;

    let resp = http.get(format!("{base}/v1/nothing")).send().await.unwrap();
    check(resp, 404, "not_found").await;

    // The documented success shapes.
    let resp = http
        .post(format!("{base}/v1/registry/instances"))
        .json(&serde_json::json!({
            "name": "Api", "instance_id": "x", "address": "http://h", "ttl_ms": 60000
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    let body: serde_json::Value = http
        .get(format!("{base}/v1/registry/services/API"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        body,
        serde_json::json!({"instances": [{
            "name": "api", "instance_id": "x", "address": "http://h", "version": "",
            "actions": [], "ttl_ms": 60000
        }]})
    );
    let health: serde_json::Value = http
        .get(format!("{base}/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health["status"], "ok");
    server.shutdown().await.expect("shutdown");
}

/// A peer posing as a registry on a loopback port: it answers every request with `body` (one
/// connection at a time, `n` connections), as an older registry or a hostile one could; with
/// `declare_length` false the body has no length and ends when the connection closes.
fn hostile_registry(body: Vec<u8>, n: usize, declare_length: bool) -> String {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        for stream in listener.incoming().take(n) {
            let Ok(mut stream) = stream else { return };
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let length = if declare_length {
                format!("content-length: {}\r\n", body.len())
            } else {
                String::new()
            };
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{length}connection: close\r\n\r\n"
            );
            // The client may stop reading early (that is the point of a bound): ignore write errors.
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    url
}

/// A listed entry that is not a usable instance (an address such as "not a url") is skipped, not
/// fatal: the lookup returns the other instances.
#[tokio::test]
async fn client_skips_unusable_listed_instances() {
    let body = serde_json::json!({"instances": [
        {"name": "api", "instance_id": "bad", "address": "not a url", "ttl_ms": 6000},
        {"name": "api", "instance_id": "junk"},
        {"name": "api", "instance_id": "good", "address": "http://127.0.0.1:9", "ttl_ms": 6000},
    ]});
    let url = hostile_registry(serde_json::to_vec(&body).expect("json"), 1, true);
    let client = HttpRegistry::new(&url).expect("client");
    let found = client.lookup("api").await.expect("lookup");
    let ids: Vec<&str> = found.iter().map(|i| i.instance_id.as_str()).collect();
    assert_eq!(ids, ["good"]);
}

/// An answer over the client's bound is an error, whether its length is declared or not (then
/// reading stops at the bound).
#[tokio::test]
async fn client_refuses_an_oversized_answer() {
    let n_bytes = gofed_registry::MAX_ANSWER_BYTES + 1;
    for declare_length in [true, false] {
        let url = hostile_registry(vec![b' '; n_bytes], 1, declare_length);
        let client = HttpRegistry::new(&url).expect("client");
        let err = client.list().await.expect_err("too large");
        assert!(
            matches!(&err, RegistryError::Decode { reason, .. } if reason.contains("over")),
            "declare_length {declare_length}: {err:?}"
        );
    }
}

/// A list answer holds its permit until it has been sent: clients that ask for the list of a full
/// registry (~20 MB, more than the loopback socket buffers hold) and do not read it hold every permit,
/// so the next list request waits for one, then gets a clear 503 `busy`; once they are gone, the
/// permits are free again and the list is answered in full.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_answers_in_flight_are_bounded() {
    let registry = Arc::new(MemoryRegistry::default());
    let actions: Vec<String> = (0..256).map(|a| format!("{a:a>32}")).collect();
    let n_instances = Limits::default().max_instances;
    for i in 0..n_instances {
        let instance = Instance::new(
            &format!("{:x>128}", i % 8),
            &format!("{i:i>128}"),
            "http://127.0.0.1:9",
        )
        .with_version(&"v".repeat(128))
        .with_ttl(Duration::from_secs(3600))
        .with_actions(actions.iter().cloned());
        registry.register(instance).await.expect("register");
    }
    let wait = Duration::from_millis(500);
    let server = RegistryServer::bind(
        &ServerConfig {
            address: "127.0.0.1:0".parse().unwrap(),
            ..ServerConfig::default()
        },
        registry,
    )
    .await
    .expect("bind")
    .with_answer_wait(wait)
    .spawn();
    let list_url = format!("{}/v1/registry/instances", server.url());

    let mut stalled = Vec::new();
    for _ in 0..gofed_registry::server::MAX_LISTS_IN_FLIGHT {
        let mut stream = tokio::net::TcpStream::connect(server.local_addr())
            .await
            .expect("connect");
        tokio::io::AsyncWriteExt::write_all(
            &mut stream,
            b"GET /v1/registry/instances HTTP/1.1\r\nhost: registry\r\n\r\n",
        )
        .await
        .expect("send the request");
        // The answer has begun: this request holds its permit.
        let mut head = [0u8; 12];
        tokio::io::AsyncReadExt::read_exact(&mut stream, &mut head)
            .await
            .expect("the answer begins");
        assert_eq!(&head, b"HTTP/1.1 200");
        stalled.push(stream);
    }
    let http = http_client();
    let resp = http.get(&list_url).send().await.expect("an answer");
    assert_eq!(resp.status(), 503);
    let answer: serde_json::Value = resp.json().await.expect("JSON");
    assert_eq!(answer["code"], "busy", "{answer}");
    assert_eq!(
        answer["message"],
        "too many list answers in flight for 500 ms; try again later"
    );
    // A lookup has its own permits.
    let resp = http
        .get(format!("{}/v1/registry/services/{:x>128}", server.url(), 0))
        .send()
        .await
        .expect("an answer");
    assert_eq!(resp.status(), 200);

    drop(stalled);
    let client = HttpRegistry::new(&server.url()).expect("client");
    let listed = client.list().await.expect("list");
    assert_eq!(listed.len(), n_instances);
    server.shutdown().await.expect("shutdown");
}

/// The status of a refused call, or 0 when it succeeded.
fn status_of(result: Result<impl Sized, RegistryError>) -> u16 {
    match result {
        Ok(_) => 0,
        Err(RegistryError::Rejected { status, .. }) => status,
        Err(err) => panic!("unexpected error: {err}"),
    }
}

#[tokio::test]
async fn token_scopes_and_owners() {
    use gofed_registry::token::{Scope, ScopedToken};
    let scoped = |token: &str, scope| ScopedToken {
        token: token.to_owned(),
        scope,
    };
    let server = RegistryServer::bind(
        &ServerConfig {
            address: "127.0.0.1:0".parse().unwrap(),
            token: Some("admin-token".to_owned()),
            tokens: vec![
                scoped("reader", Scope::Read),
                scoped("team-a", Scope::Write),
                scoped("team-b", Scope::Write),
            ],
        },
        Arc::new(MemoryRegistry::default()),
    )
    .await
    .expect("bind")
    .spawn();
    let client = |token: Option<&str>| {
        HttpRegistry::new(&server.url())
            .expect("client")
            .with_token(token.map(str::to_owned))
    };
    let (anonymous, wrong, reader) = (client(None), client(Some("guess")), client(Some("reader")));
    let (team_a, team_b, admin) = (
        client(Some("team-a")),
        client(Some("team-b")),
        client(Some("admin-token")),
    );
    let instance = |id: &str| Instance::new("api", id, "http://127.0.0.1:9000");

    // Probes need no token; everything else needs a known one.
    let health = http_client()
        .get(format!("{}/healthz", server.url()))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200);
    assert_eq!(status_of(anonymous.list().await), 401);
    assert_eq!(status_of(wrong.lookup("api").await), 401);
    assert_eq!(status_of(wrong.register(instance("x")).await), 401);

    // read looks and changes nothing.
    assert_eq!(status_of(reader.list().await), 0);
    assert_eq!(status_of(reader.register(instance("x")).await), 403);
    assert_eq!(status_of(reader.deregister("api", "x").await), 403);

    // write changes its own instances only.
    assert_eq!(status_of(team_a.register(instance("x")).await), 0);
    assert_eq!(status_of(team_a.heartbeat("api", "x").await), 0);
    assert_eq!(status_of(team_b.heartbeat("api", "x").await), 403);
    assert_eq!(status_of(team_b.register(instance("x")).await), 403);
    assert_eq!(status_of(team_b.deregister("api", "x").await), 403);
    assert_eq!(reader.lookup("api").await.expect("lookup").len(), 1);
    assert_eq!(status_of(team_b.register(instance("y")).await), 0);

    // admin changes anyone's.
    assert_eq!(status_of(admin.deregister("api", "y").await), 0);
    assert_eq!(status_of(team_a.deregister("api", "x").await), 0);
    assert!(reader.lookup("api").await.expect("lookup").is_empty());
    // A name and id whose instance is gone are free again.
    assert_eq!(status_of(team_b.register(instance("x")).await), 0);
    assert_eq!(status_of(team_a.deregister("api", "x").await), 403);
    server.shutdown().await.expect("shutdown");
}
