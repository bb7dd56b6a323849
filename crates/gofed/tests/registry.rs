//! `gofed registry` and `gofed system status` as real processes on loopback: an instance kept
//! registered by a `Registrar` in this process, the registry killed with SIGKILL and restarted
//! on the same port (the instance is back within a heartbeat), TTL pruning once the instance
//! stops heartbeating, and a clean exit on SIGTERM.

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

mod common;

use common::system::{wait_until, Process};
use common::{gofed, success_json};
use gofed_registry::{HeartbeatConfig, HttpRegistry, Instance, Registrar, Registry};

/// A `gofed registry` process listening on `listen`, killed when dropped.
fn start_registry(listen: &str) -> Process {
    Process::start(&["registry", "--listen", listen], &[])
}

/// `gofed system status --format json` against `url`, parsed.
fn status_json(url: &str) -> serde_json::Value {
    success_json(&gofed(&[
        "system",
        "status",
        "--registry",
        url,
        "--format",
        "json",
    ]))
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
