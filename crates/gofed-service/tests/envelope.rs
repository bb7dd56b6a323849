//! The envelope over real HTTP: servers on `127.0.0.1:0`, driven by the crate's client, reqwest and raw sockets.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gofed_service::{
    serve, Client, ClientConfig, Info, ServeError, ServerConfig, Service, ServiceError, Upload,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Greet {
    name: String,
    count: u32,
    #[serde(default)]
    tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Greeting {
    text: String,
    tags: Vec<String>,
}

#[derive(Default)]
struct Hooks {
    started: AtomicBool,
    stopped: AtomicBool,
    /// Calls of `spin` that saw their cancellation flag.
    cancelled: AtomicUsize,
}

fn test_service(hooks: Arc<Hooks>) -> Service {
    let (h1, h2, h3) = (Arc::clone(&hooks), Arc::clone(&hooks), hooks);
    Service::new("demo", "1.2.3", "a test service")
        .action::<Greet, Greeting, _, _>("greet", "greets a name count times", |g| async move {
            Ok(Greeting {
                text: vec![format!("hello {}", g.name); g.count as usize].join(", "),
                tags: g.tags,
            })
        })
        .blocking_action::<Vec<i64>, i64, _>("sum", "adds numbers on the blocking pool", |xs, _| {
            Ok(xs.iter().sum())
        })
        .blocking_action::<(), (), _>(
            "spin",
            "works until cancelled (at most 60 s)",
            move |(), cancel| {
                let clock = Instant::now();
                while !cancel.is_cancelled() {
                    if clock.elapsed() > Duration::from_secs(60) {
                        return Ok(());
                    }
                    std::thread::sleep(Duration::from_millis(2));
                }
                h3.cancelled.fetch_add(1, Ordering::SeqCst);
                Err(ServiceError::unprocessable("cancelled"))
            },
        )
        .action::<u64, u64, _, _>("sleep", "sleeps for n milliseconds", |ms| async move {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Ok(ms)
        })
        .action::<(), (), _, _>("fail", "always fails internally", |()| async {
            Err(ServiceError::internal(
                "reading /secret/path",
                "disk on fire",
            ))
        })
        .routes(
            "demo-views",
            axum::Router::new()
                .route("/demo/hello", axum::routing::get(|| async { "hi" }))
                .route(
                    "/demo/public/style.css",
                    axum::routing::get(|| async { "css" }),
                ),
        )
        .web(gofed_service::WebPages {
            public: vec!["/demo/public/".into()],
            login: "/demo/login".into(),
            self_scoped: Vec::new(),
        })
        .on_startup(move || {
            let hooks = Arc::clone(&h1);
            async move {
                hooks.started.store(true, Ordering::SeqCst);
                Ok(())
            }
        })
        .on_shutdown(move || {
            let hooks = Arc::clone(&h2);
            async move {
                hooks.stopped.store(true, Ordering::SeqCst);
                Ok(())
            }
        })
}

struct Server {
    base: String,
    addr: std::net::SocketAddr,
    blob_dir: PathBuf,
    hooks: Arc<Hooks>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), ServeError>>,
    _dir: tempfile::TempDir,
}

impl Server {
    async fn start(configure: impl FnOnce(&mut ServerConfig)) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let mut config = ServerConfig {
            blob_dir: Some(dir.path().join("blobs")),
            ..ServerConfig::default()
        };
        configure(&mut config);
        let listener = TcpListener::bind(config.listen).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hooks = Arc::new(Hooks::default());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(
            listener,
            vec![test_service(Arc::clone(&hooks))],
            config,
            async {
                let _ = stopped.await;
            },
        ));
        Server {
            base: format!("http://{addr}"),
            addr,
            blob_dir: dir.path().join("blobs"),
            hooks,
            stop: Some(stop),
            task,
            _dir: dir,
        }
    }

    fn client(&self) -> Client {
        Client::new(&self.base, &ClientConfig::default()).unwrap()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn stop(mut self) {
        let _ = self.stop.take().unwrap().send(());
        self.task.await.unwrap().unwrap();
    }
}

async fn error_of(response: reqwest::Response) -> (u16, String, String) {
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap();
    let code = body["error"]["code"].as_str().unwrap().to_owned();
    let message = body["error"]["message"].as_str().unwrap().to_owned();
    (status, code, message)
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[tokio::test]
async fn info_describes_services_and_actions() {
    let server = Server::start(|_| {}).await;
    let info: Info = server.client().info().await.unwrap();
    assert!(
        server.hooks.started.load(Ordering::SeqCst),
        "startup hooks run before the first request is served"
    );
    assert_eq!(info.instance.len(), 16);
    assert!(!info.hostname.is_empty());
    assert_eq!(info.services.len(), 1);
    let svc = &info.services[0];
    assert_eq!((svc.name.as_str(), svc.version.as_str()), ("demo", "1.2.3"));
    let names: Vec<_> = svc.actions.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["fail", "greet", "sleep", "spin", "sum"]);
    let greet = &svc.actions[1];
    assert_eq!(greet.doc, "greets a name count times");
    assert_eq!(greet.input_schema["properties"]["count"]["type"], "integer");
    assert_eq!(greet.output_schema["properties"]["text"]["type"], "string");
    let health = http_client()
        .get(server.url("/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    server.stop().await;
}

#[tokio::test]
async fn call_action_returns_result_and_meta() {
    let server = Server::start(|_| {}).await;
    let input = Greet {
        name: "gopher".into(),
        count: 2,
        tags: vec!["x".into()],
    };
    let response = server
        .client()
        .call::<_, Greeting>("greet", &input)
        .await
        .unwrap();
    assert_eq!(response.result.text, "hello gopher, hello gopher");
    let meta = &response.meta;
    assert_eq!(
        (meta.service.as_str(), meta.service_version.as_str()),
        ("demo", "1.2.3")
    );
    assert!(!meta.cached);
    let info = server.client().info().await.unwrap();
    assert_eq!(meta.instance, info.instance);
    let rfc3339 = &time::format_description::well_known::Rfc3339;
    let started = time::OffsetDateTime::parse(&meta.started, rfc3339).unwrap();
    let finished = time::OffsetDateTime::parse(&meta.finished, rfc3339).unwrap();
    assert!(started <= finished);

    // Blocking action, JSON call.
    let sum = server
        .client()
        .call_json("sum", &json!([1, 2, 39]))
        .await
        .unwrap();
    assert_eq!(sum.result, json!(42));
    server.stop().await;
}

#[tokio::test]
async fn local_and_remote_calls_agree() {
    let local_service = test_service(Arc::default());
    let server = Server::start(|_| {}).await;
    let input = Greet {
        name: "a\"b".into(),
        count: 3,
        tags: vec!["t1".into(), "t2".into()],
    };
    let local: Greeting = local_service
        .call_local("greet", input.clone())
        .await
        .unwrap();
    let remote = server
        .client()
        .call::<_, Greeting>("greet", &input)
        .await
        .unwrap()
        .result;
    assert_eq!(local, remote);
    let by_json = local_service
        .call_json("greet", serde_json::to_value(&input).unwrap())
        .await
        .unwrap();
    assert_eq!(by_json, serde_json::to_value(&local).unwrap());
    let sum_local: i64 = local_service
        .call_local("sum", vec![5i64, 6])
        .await
        .unwrap();
    let sum_remote = server
        .client()
        .call::<_, i64>("sum", &[5, 6])
        .await
        .unwrap()
        .result;
    assert_eq!(sum_local, sum_remote);
    // Wrong types for a local call are an error, not a panic.
    let err = local_service
        .call_local::<String, i64>("sum", "x".into())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "internal");
    server.stop().await;
}

#[tokio::test]
async fn unknown_action_is_404_listing_actions() {
    let server = Server::start(|_| {}).await;
    let err = server
        .client()
        .call_json("nope", &json!({}))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("unknown_action"));
    let response = http_client()
        .post(server.url("/v1/actions/nope"))
        .body("{}")
        .send()
        .await
        .unwrap();
    let (status, code, message) = error_of(response).await;
    assert_eq!((status, code.as_str()), (404, "unknown_action"));
    assert!(
        message.contains("fail, greet, sleep, spin, sum"),
        "{message}"
    );
    // Other routes and methods answer JSON errors too.
    let response = http_client()
        .get(server.url("/v2/nothing"))
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(response).await.0, 404);
    let response = http_client()
        .get(server.url("/v1/actions/greet"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_of(response).await,
        (
            405,
            "method_not_allowed".to_owned(),
            "method not allowed on this route".to_owned()
        )
    );
    server.stop().await;
}

#[tokio::test]
async fn malformed_input_is_400_naming_the_field() {
    let server = Server::start(|_| {}).await;
    let http = http_client();
    let cases = [
        (r#"{"name": "x", "count": "three"}"#, "count"),
        (r#"{"name": "x", "count": 1, "tags": ["a", 7]}"#, "tags[1]"),
        (r#"{"name": "x"}"#, "missing field `count`"),
        (r#"{"name": "x", "count": 1"#, "EOF"),
        (r#"{"name": "x", "count": 1} trailing"#, "trailing"),
    ];
    for (body, needle) in cases {
        let response = http
            .post(server.url("/v1/actions/greet"))
            .body(body)
            .send()
            .await
            .unwrap();
        let (status, code, message) = error_of(response).await;
        assert_eq!((status, code.as_str()), (400, "invalid_input"), "{body}");
        assert!(message.contains(needle), "{body}: {message}");
    }
    // Internal errors keep their details in the log.
    let response = http
        .post(server.url("/v1/actions/fail"))
        .send()
        .await
        .unwrap();
    let (status, code, message) = error_of(response).await;
    assert_eq!(
        (status, code.as_str(), message.as_str()),
        (500, "internal", "internal error")
    );
    server.stop().await;
}

#[tokio::test]
async fn service_routes_are_merged_once_per_group_beside_the_envelope_routes() {
    let shared = |answer: &'static str| {
        axum::Router::new().route("/shared", axum::routing::get(move || async move { answer }))
    };
    let own = axum::Router::new().route("/b/own", axum::routing::get(|| async { "b" }));
    let a = Service::new("a", "1", "a").routes("shared", shared("from a"));
    let b = Service::new("b", "1", "b")
        .routes("shared", shared("from b"))
        .routes("b-own", own);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let config = ServerConfig {
        blob_dir: Some(dir.path().join("blobs")),
        ..ServerConfig::default()
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(serve(listener, vec![a, b], config, async {
        let _ = stopped.await;
    }));
    let http = http_client();
    let text = |path: &'static str| {
        let (http, base) = (http.clone(), base.clone());
        async move {
            let response = http.get(format!("{base}{path}")).send().await.unwrap();
            (response.status().as_u16(), response.text().await.unwrap())
        }
    };
    // The first service's copy of a shared group; a second copy would have made axum panic.
    assert_eq!(text("/shared").await, (200, "from a".to_owned()));
    assert_eq!(text("/b/own").await, (200, "b".to_owned()));
    assert_eq!(text("/healthz").await, (200, "ok".to_owned()));
    // Unknown routes and methods keep the envelope's error documents.
    let response = http.get(format!("{base}/b/other")).send().await.unwrap();
    assert_eq!(error_of(response).await.1, "not_found");
    let response = http.post(format!("{base}/shared")).send().await.unwrap();
    assert_eq!(response.status(), 405);
    let _ = stop.send(());
    task.await.unwrap().unwrap();
}

#[tokio::test]
async fn token_is_required_on_every_request_but_the_probes() {
    let server = Server::start(|c| c.token = Some("s3cret".into())).await;
    let http = http_client();
    // A load balancer probes liveness and readiness without a token; they say nothing else.
    for (path, body) in [("/healthz", "ok"), ("/readyz", "ready")] {
        let response = http.get(server.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(response.text().await.unwrap(), body, "{path}");
    }
    for path in ["/v1/info", "/metrics", "/demo/hello"] {
        let response = http.get(server.url(path)).send().await.unwrap();
        assert_eq!(error_of(response).await.1, "unauthorized", "{path}");
        let response = http
            .get(server.url(path))
            .bearer_auth("wrong")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{path}");
        let response = http
            .get(server.url(path))
            .bearer_auth("s3cret")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
    }
    let err = server
        .client()
        .call_json("sum", &json!([1]))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("unauthorized"));
    let err = server.client().upload_bytes(&b"x"[..]).await.unwrap_err();
    assert_eq!(err.code(), Some("unauthorized"));
    let client = Client::new(
        &server.base,
        &ClientConfig {
            token: Some("s3cret".into()),
            ..ClientConfig::default()
        },
    )
    .unwrap();
    assert_eq!(
        client
            .call_json("sum", &json!([1, 1]))
            .await
            .unwrap()
            .result,
        json!(2)
    );
    assert_eq!(
        client.upload_bytes(&b"x"[..]).await.unwrap().1,
        Upload::Sent
    );
    server.stop().await;
}

/// A browser's session cookie counts as the bearer token: for reads always, for changes only from a page of the
/// same origin. Pages a service declares public need nothing; a browser asking for a page without a token is
/// sent to the login form.
#[tokio::test]
async fn session_cookies_are_tokens_for_pages_of_this_origin() {
    let server = Server::start(|c| c.token = Some("s3cret".into())).await;
    let http = http_client();
    let set = gofed_service::session::set_cookie("s3cret", false).unwrap();
    let cookie = set.to_str().unwrap().split(';').next().unwrap().to_owned();
    let wrong = gofed_service::session::set_cookie("guess", false).unwrap();
    let wrong = wrong
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();

    let get = |path: &str, cookie: &str| http.get(server.url(path)).header("cookie", cookie).send();
    assert_eq!(get("/demo/hello", &cookie).await.unwrap().status(), 200);
    assert_eq!(get("/demo/hello", &wrong).await.unwrap().status(), 401);
    assert_eq!(get("/v1/info", &cookie).await.unwrap().status(), 200);
    // Public: no token at all.
    let response = http
        .get(server.url("/demo/public/style.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // A browser's page request without a token goes to the login form, which comes back.
    let no_redirects = gofed_registry::tls::client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = no_redirects
        .get(server.url("/demo/hello?x=1"))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        "/demo/login?next=/demo/hello%3Fx%3D1"
    );
    // A client that is not a browser still gets the error document.
    let response = http.get(server.url("/demo/hello")).send().await.unwrap();
    assert_eq!(error_of(response).await.1, "unauthorized");

    // Changes: the cookie counts only from this origin.
    let post = |headers: &[(&str, &str)]| {
        let mut request = http
            .post(server.url("/v1/actions/sum"))
            .header("cookie", &cookie)
            .body("[1, 2]");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send()
    };
    let host = server.addr.to_string();
    let origin = format!("http://{host}");
    for (headers, status) in [
        (vec![("sec-fetch-site", "same-origin")], 200),
        (vec![("origin", origin.as_str())], 200),
        (
            vec![
                ("sec-fetch-site", "cross-site"),
                ("origin", origin.as_str()),
            ],
            401,
        ),
        (vec![("origin", "http://evil.example")], 401),
        (vec![], 401),
    ] {
        let response = post(&headers).await.unwrap();
        assert_eq!(response.status(), status, "{headers:?}");
    }
    server.stop().await;
}

#[tokio::test]
async fn oversize_bodies_are_413() {
    let server = Server::start(|c| {
        c.json_body_limit = 1024;
        c.file_body_limit = 2048;
    })
    .await;
    let http = http_client();
    let big = serde_json::to_vec(&vec![1; 2000]).unwrap();
    let response = http
        .post(server.url("/v1/actions/sum"))
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(response).await.1, "payload_too_large");
    // Without Content-Length (chunked), the limit applies to the bytes received.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..10).map(|_| Ok(vec![b' '; 500])).collect();
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let response = http
        .post(server.url("/v1/actions/sum"))
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(response).await.1, "payload_too_large");
    // A body under the limit still works.
    let response = http
        .post(server.url("/v1/actions/sum"))
        .body("[1, 2]")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let data = vec![7u8; 3000];
    let response = http
        .put(server.url(&format!("/v1/files/{}", sha256_hex(&data))))
        .body(data)
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(response).await.1, "payload_too_large");
    server.stop().await;
}

#[tokio::test]
async fn files_upload_download_head_and_dedup() {
    let server = Server::start(|_| {}).await;
    let client = server.client();
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let sha = sha256_hex(&data);
    assert_eq!(client.file_size(&sha).await.unwrap(), None);

    let (info, upload) = client.upload_bytes(data.clone()).await.unwrap();
    assert_eq!(
        (info.sha256.as_str(), info.size, upload),
        (sha.as_str(), 200_000, Upload::Sent)
    );
    assert_eq!(client.file_size(&sha).await.unwrap(), Some(200_000));
    let id: gofed_service::Sha256 = sha.parse().unwrap();
    assert_eq!(client.download_bytes(&id, 200_000).await.unwrap(), data);
    // A download larger than the limit is stopped.
    let err = client.download_bytes(&id, 199_999).await.unwrap_err();
    assert!(
        matches!(
            err,
            gofed_service::ClientError::TooLarge { limit: 199_999, .. }
        ),
        "{err}"
    );

    // The client does not send it again; a raw PUT of an existing blob answers 200 without rewriting.
    assert_eq!(
        client.upload_bytes(data.clone()).await.unwrap().1,
        Upload::AlreadyThere
    );
    let blob = server.blob_dir.join("sha256").join(&sha[..2]).join(&sha);
    let modified = std::fs::metadata(&blob).unwrap().modified().unwrap();
    let http = http_client();
    let response = http
        .put(server.url(&format!("/v1/files/{sha}")))
        .body(data.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        std::fs::metadata(&blob).unwrap().modified().unwrap(),
        modified
    );

    // Files from disk, streamed; downloads to disk verify the hash.
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src.bin");
    std::fs::write(&src, b"file on disk").unwrap();
    let (info, upload) = client.upload_file(&src).await.unwrap();
    assert_eq!((info.size, upload), (12, Upload::Sent));
    assert_eq!(
        client.upload_file(&src).await.unwrap().1,
        Upload::AlreadyThere
    );
    let dest = dir.path().join("dest.bin");
    assert_eq!(client.download_file(&info.sha256, &dest).await.unwrap(), 12);
    assert_eq!(std::fs::read(&dest).unwrap(), b"file on disk");

    // Raw HEAD and GET, a missing blob, a malformed sha256.
    let head = http
        .head(server.url(&format!("/v1/files/{sha}")))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["content-length"], "200000");
    let missing = sha256_hex(b"missing");
    let response = http
        .get(server.url(&format!("/v1/files/{missing}")))
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(response).await.1, "not_found");
    assert_eq!(
        http.head(server.url(&format!("/v1/files/{missing}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let response = http.get(server.url("/v1/files/xyz")).send().await.unwrap();
    assert_eq!(error_of(response).await.1, "invalid_input");
    server.stop().await;
}

fn tmp_files(server: &Server) -> usize {
    std::fs::read_dir(server.blob_dir.join("tmp"))
        .unwrap()
        .count()
}

#[tokio::test]
async fn sha256_mismatch_is_400_and_stores_nothing() {
    let server = Server::start(|_| {}).await;
    let claimed = sha256_hex(b"one thing");
    let response = http_client()
        .put(server.url(&format!("/v1/files/{claimed}")))
        .body("another")
        .send()
        .await
        .unwrap();
    let (status, code, message) = error_of(response).await;
    assert_eq!((status, code.as_str()), (400, "hash_mismatch"));
    assert!(message.contains(&sha256_hex(b"another")), "{message}");
    assert_eq!(server.client().file_size(&claimed).await.unwrap(), None);
    assert_eq!(tmp_files(&server), 0);
    server.stop().await;
}

#[tokio::test]
async fn truncated_upload_writes_no_blob() {
    let server = Server::start(|_| {}).await;
    let data = vec![1u8; 100_000];
    let sha = sha256_hex(&data);
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "PUT /v1/files/{sha} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
        data.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&data[..30_000]).await.unwrap();
    stream.flush().await.unwrap();
    // Let the server start writing the temporary file, then hang up mid-body.
    let deadline = Instant::now() + Duration::from_secs(1);
    while tmp_files(&server) == 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(tmp_files(&server), 1, "the upload was in progress");
    drop(stream);
    let deadline = Instant::now() + Duration::from_secs(1);
    while tmp_files(&server) != 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(tmp_files(&server), 0, "the partial upload is removed");
    assert_eq!(server.client().file_size(&sha).await.unwrap(), None);
    // A complete upload of the same content still works.
    assert_eq!(
        server.client().upload_bytes(data).await.unwrap().1,
        Upload::Sent
    );
    server.stop().await;
}

#[tokio::test]
async fn slow_action_times_out_with_504() {
    let server = Server::start(|c| {
        c.action_timeouts_ms.insert("sleep".into(), 100);
    })
    .await;
    let clock = Instant::now();
    let err = server
        .client()
        .call_json("sleep", &json!(5_000))
        .await
        .unwrap_err();
    assert!(clock.elapsed() < Duration::from_secs(1));
    match err {
        gofed_service::ClientError::Service { status, code, .. } => {
            assert_eq!((status, code.as_str()), (504, "timeout"))
        }
        other => panic!("{other}"),
    }
    // The override applies to `sleep` only.
    assert_eq!(
        server
            .client()
            .call_json("sleep", &json!(150))
            .await
            .unwrap_err()
            .code(),
        Some("timeout")
    );
    assert_eq!(
        server
            .client()
            .call_json("sum", &json!([1]))
            .await
            .unwrap()
            .result,
        json!(1)
    );
    server.stop().await;
}

#[tokio::test]
async fn calls_over_the_concurrency_limit_are_rejected_with_503() {
    let server = Server::start(|c| c.max_concurrent_calls = 1).await;
    let client = server.client();
    let slow = tokio::spawn({
        let client = client.clone();
        async move { client.call_json("sleep", &json!(400)).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let err = client.call_json("sum", &json!([1])).await.unwrap_err();
    assert_eq!(err.code(), Some("overloaded"));
    assert_eq!(slow.await.unwrap().unwrap().result, json!(400));
    // The permit is back.
    assert_eq!(
        client.call_json("sum", &json!([1])).await.unwrap().result,
        json!(1)
    );
    server.stop().await;
}

fn metric(text: &str, line_prefix: &str) -> u64 {
    text.lines()
        .find_map(|line| line.strip_prefix(line_prefix))
        .unwrap_or_else(|| panic!("no {line_prefix} in\n{text}"))
        .trim()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn metrics_count_calls_errors_and_latency() {
    let server = Server::start(|_| {}).await;
    let client = server.client();
    for i in 0..5 {
        client.call_json("sum", &json!([i])).await.unwrap();
    }
    client
        .call_json("sum", &json!("not a list"))
        .await
        .unwrap_err();
    client
        .call_json("greet", &json!({"name": "a", "count": 1}))
        .await
        .unwrap();
    let response = http_client()
        .get(server.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    let text = response.text().await.unwrap();
    let labels = r#"{service="demo",action="sum"}"#;
    assert_eq!(
        metric(&text, &format!("gofed_action_calls_total{labels}")),
        6
    );
    assert_eq!(
        metric(&text, &format!("gofed_action_errors_total{labels}")),
        1
    );
    assert_eq!(metric(&text, &format!("gofed_action_in_flight{labels}")), 0);
    assert_eq!(
        metric(
            &text,
            &format!("gofed_action_duration_seconds_count{labels}")
        ),
        6
    );
    let inf = r#"gofed_action_duration_seconds_bucket{service="demo",action="sum",le="+Inf"}"#;
    assert_eq!(metric(&text, inf), 6);
    assert_eq!(
        metric(
            &text,
            r#"gofed_action_calls_total{service="demo",action="greet"}"#
        ),
        1
    );
    assert_eq!(
        metric(
            &text,
            r#"gofed_action_calls_total{service="demo",action="sleep"}"#
        ),
        0
    );
    server.stop().await;
}

#[tokio::test]
async fn graceful_shutdown_finishes_in_flight_calls_and_runs_hooks() {
    let server = Server::start(|_| {}).await;
    let client = server.client();
    let hooks = Arc::clone(&server.hooks);
    let addr = server.addr;
    let in_flight = tokio::spawn({
        let client = client.clone();
        async move { client.call_json("sleep", &json!(300)).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    let clock = Instant::now();
    server.stop().await;
    assert!(
        clock.elapsed() >= Duration::from_millis(150),
        "serve waited for the call"
    );
    assert_eq!(in_flight.await.unwrap().unwrap().result, json!(300));
    assert!(hooks.stopped.load(Ordering::SeqCst), "shutdown hook ran");
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "no longer accepting"
    );
}

#[tokio::test]
async fn slow_header_client_does_not_block_others_and_is_cut_off() {
    let server = Server::start(|c| c.header_read_timeout_ms = 300).await;
    let mut slow = TcpStream::connect(server.addr).await.unwrap();
    let trickle = tokio::spawn(async move {
        // One header byte every 20 ms: the request line and headers would take seconds.
        for byte in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".iter() {
            if slow.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let mut buf = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(2), slow.read_to_end(&mut buf)).await;
        buf
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let clock = Instant::now();
    let served = Arc::new(AtomicUsize::new(0));
    for _ in 0..5 {
        let response = http_client()
            .get(server.url("/healthz"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.text().await.unwrap(), "ok");
        served.fetch_add(1, Ordering::SeqCst);
    }
    assert!(
        clock.elapsed() < Duration::from_millis(500),
        "others are served while the slow client trickles"
    );
    let clock = Instant::now();
    let answer = trickle.await.unwrap();
    assert!(
        clock.elapsed() < Duration::from_millis(1500),
        "the slow connection is closed by the header timeout"
    );
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
    server.stop().await;
}

#[tokio::test]
async fn duplicate_action_names_across_services_refuse_to_serve() {
    let a = Service::new("a", "1", "").action::<(), (), _, _>("same", "", |()| async { Ok(()) });
    let b = Service::new("b", "1", "").action::<(), (), _, _>("same", "", |()| async { Ok(()) });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = ServerConfig {
        blob_dir: Some(dir.path().to_owned()),
        ..ServerConfig::default()
    };
    let err = serve(listener, vec![a, b], config, std::future::pending())
        .await
        .unwrap_err();
    assert!(matches!(err, ServeError::DuplicateAction { .. }), "{err}");
}

#[tokio::test]
async fn failing_startup_hook_refuses_to_serve() {
    let svc = Service::new("a", "1", "").on_startup(|| async { Err("no registry".into()) });
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = ServerConfig {
        blob_dir: Some(dir.path().to_owned()),
        ..ServerConfig::default()
    };
    let err = serve(listener, vec![svc], config, std::future::pending())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no registry"), "{err}");
}

/// Polls `done` every 10 ms for at most `limit`.
async fn eventually(limit: Duration, done: impl Fn() -> bool) -> bool {
    let clock = Instant::now();
    while clock.elapsed() < limit {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blocking_work_is_cancelled_on_timeout_on_a_dropped_call_and_at_shutdown() {
    let server = Server::start(|c| {
        c.action_timeouts_ms.insert("spin".into(), 100);
    })
    .await;
    let hooks = Arc::clone(&server.hooks);
    // The action's timeout: 504, and the work sees its flag.
    let err = server
        .client()
        .call_json("spin", &json!(null))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("timeout"), "{err}");
    assert!(
        eventually(Duration::from_secs(10), || hooks
            .cancelled
            .load(Ordering::SeqCst)
            == 1)
        .await,
        "the timed-out work was not cancelled"
    );
    server.stop().await;

    // The client goes away (its own timeout closes the connection) before the action's timeout.
    let server = Server::start(|_| {}).await;
    let hooks = Arc::clone(&server.hooks);
    let impatient = Client::new(
        &server.base,
        &ClientConfig {
            timeout_ms: 200,
            ..ClientConfig::default()
        },
    )
    .unwrap();
    assert!(impatient.call_json("spin", &json!(null)).await.is_err());
    assert!(
        eventually(Duration::from_secs(10), || hooks
            .cancelled
            .load(Ordering::SeqCst)
            == 1)
        .await,
        "the work of a dropped call was not cancelled"
    );
    server.stop().await;

    // Shutdown: past the grace period, the work still running is cancelled and serve returns.
    let server = Server::start(|c| c.shutdown_timeout_ms = 200).await;
    let hooks = Arc::clone(&server.hooks);
    let client = server.client();
    let call = tokio::spawn(async move { client.call_json("spin", &json!(null)).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let clock = Instant::now();
    server.stop().await;
    assert!(
        clock.elapsed() < Duration::from_secs(10),
        "serve waited for the work"
    );
    assert!(call.await.unwrap().is_err(), "the call did not complete");
    assert!(
        eventually(Duration::from_secs(10), || hooks
            .cancelled
            .load(Ordering::SeqCst)
            == 1)
        .await,
        "the work was not cancelled at shutdown"
    );
}

/// Sends `head`, then the body one byte every `pace`, for as long as the server reads; returns what it answered.
async fn trickle(
    addr: std::net::SocketAddr,
    head: String,
    body_len: usize,
    pace: Duration,
) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let (mut read, mut write) = stream.into_split();
    let writer = tokio::spawn(async move {
        for _ in 0..body_len {
            if write.write_all(b" ").await.is_err() {
                break;
            }
            tokio::time::sleep(pace).await;
        }
        write
    });
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(20), read.read_to_end(&mut answer)).await;
    writer.abort();
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_bodies_hold_no_permit_and_get_408() {
    let server = Server::start(|c| {
        c.max_concurrent_calls = 2;
        c.body_read_timeout_ms = 600;
    })
    .await;
    // Four clients send an action body of 1,000 bytes, one byte every 50 ms (50 s in all).
    let head =
        "POST /v1/actions/sum HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n".to_owned();
    let slow: Vec<_> = (0..4)
        .map(|_| {
            tokio::spawn(trickle(
                server.addr,
                head.clone(),
                1000,
                Duration::from_millis(50),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    // Every other call still gets a permit.
    for i in 0..5 {
        let sum = server
            .client()
            .call_json("sum", &json!([i, 1]))
            .await
            .unwrap();
        assert_eq!(sum.result, json!(i + 1));
    }
    let clock = Instant::now();
    for answer in slow {
        let answer = answer.await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(answer.contains("request_timeout"), "{answer}");
    }
    assert!(
        clock.elapsed() < Duration::from_secs(10),
        "the slow connections were closed"
    );

    // An upload that stops sending is answered 408 and closed, and leaves no file behind.
    let data = vec![7u8; 1000];
    let head = format!(
        "PUT /v1/files/{} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n",
        sha256_hex(&data)
    );
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&data[..10]).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
        .await
        .expect("the stalled upload is closed")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert_eq!(tmp_files(&server), 0);
    assert_eq!(
        server.client().file_size(&sha256_hex(&data)).await.unwrap(),
        None
    );
    server.stop().await;
}

/// An HTTP client (reqwest needs the process's TLS provider installed before it builds one).
fn http_client() -> reqwest::Client {
    gofed_service::tls::client_builder()
        .build()
        .expect("an HTTP client")
}
