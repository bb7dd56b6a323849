//! The etcd backend against a real etcd: each test starts its own `etcd` on loopback (free ports,
//! a temporary data directory) and stops it at the end.
//!
//! Needs the `etcd` binary (Debian: `apt-get install -y etcd-server`). Without it the tests print
//! a loud SKIP and pass, unless `CI=true`, where they fail.

mod common;

use std::io::Write as _;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::Timing;
use gofed_registry::{EtcdConfig, EtcdRegistry, Registry, RegistryError};

/// etcd counts lease TTLs in whole seconds, so 1 s is the shortest. It checks for expired leases
/// every 500 ms; the slack covers that and a loaded machine.
const T: Timing = Timing {
    ttl: Duration::from_secs(1),
    heartbeat: Duration::from_millis(250),
    slack: Duration::from_millis(1500),
};

/// An etcd process that lives as long as the value.
struct Etcd {
    child: Child,
    endpoint: String,
    dir: tempfile::TempDir,
}

impl Drop for Etcd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find_etcd() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/local/bin")])
        .map(|dir| dir.join("etcd"))
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Starts etcd, or returns `None` (after a loud SKIP) when it is not installed outside CI.
async fn start_etcd(test: &str) -> Option<Etcd> {
    let Some(binary) = find_etcd() else {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(
            !ci,
            "etcd is not installed and CI=true: install it with `apt-get install -y etcd-server`"
        );
        // Written to stderr directly, not with eprintln!, which the test harness captures.
        let _ = writeln!(
            std::io::stderr(),
            "\n########## SKIP {test}: etcd is not installed (apt-get install -y etcd-server) ##########\n"
        );
        return None;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let (client_port, peer_port) = (free_port(), free_port());
    let endpoint = format!("http://127.0.0.1:{client_port}");
    let peer = format!("http://127.0.0.1:{peer_port}");
    let log = std::fs::File::create(dir.path().join("etcd.log")).expect("log file");
    let child = Command::new(&binary)
        .args(["--name", "gofed-test"])
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .args(["--listen-client-urls", &endpoint])
        .args(["--advertise-client-urls", &endpoint])
        .args(["--listen-peer-urls", &peer])
        .args(["--initial-advertise-peer-urls", &peer])
        .args(["--initial-cluster", &format!("gofed-test={peer}")])
        // A fast election gets the single member going at once, and lowers etcd's minimum
        // lease TTL (1.5 election timeouts) below the 1 s the tests use.
        .args(["--heartbeat-interval", "10", "--election-timeout", "50"])
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log file"))
        .stderr(log)
        .spawn()
        .unwrap_or_else(|err| panic!("cannot start {}: {err}", binary.display()));
    let mut etcd = Etcd {
        child,
        endpoint,
        dir,
    };
    etcd.wait_ready().await;
    Some(etcd)
}

impl Etcd {
    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("etcd.log")).unwrap_or_default()
    }

    async fn wait_ready(&mut self) {
        let http = reqwest::Client::new();
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("etcd exited with {status}:\n{}", self.log());
            }
            if let Ok(resp) = http.get(format!("{}/health", self.endpoint)).send().await {
                if let Ok(body) = resp.json::<serde_json::Value>().await {
                    if body["health"] == "true" {
                        return;
                    }
                }
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "etcd not ready after 10 s:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    fn registry(&self) -> Arc<dyn Registry> {
        let config = EtcdConfig {
            endpoint: self.endpoint.clone(),
            ..EtcdConfig::default()
        };
        Arc::new(EtcdRegistry::new(&config).expect("etcd client"))
    }

    /// The raw gateway, to check the key layout and to tamper with the registry's state.
    async fn gateway(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        reqwest::Client::new()
            .post(format!("{}{path}", self.endpoint))
            .json(&body)
            .send()
            .await
            .expect("gateway")
            .json()
            .await
            .expect("gateway JSON")
    }
}

fn b64(s: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[tokio::test]
async fn etcd_crud() {
    let Some(etcd) = start_etcd("etcd_crud").await else {
        return;
    };
    common::crud(&*etcd.registry(), T).await;
}

#[tokio::test]
async fn etcd_ttl_pruning() {
    let Some(etcd) = start_etcd("etcd_ttl_pruning").await else {
        return;
    };
    common::ttl_pruning(&*etcd.registry(), T).await;
}

#[tokio::test]
async fn etcd_registrar_lifecycle() {
    let Some(etcd) = start_etcd("etcd_registrar_lifecycle").await else {
        return;
    };
    common::registrar_lifecycle(etcd.registry(), T).await;
}

/// The key vanishes behind the registrar's back (an operator's delete, a lost lease): the next
/// heartbeat finds no key and the registrar registers again.
#[tokio::test]
async fn etcd_registrar_reregisters_after_loss() {
    let Some(etcd) = start_etcd("etcd_registrar_reregisters_after_loss").await else {
        return;
    };
    let registry = etcd.registry();
    let etcd = &etcd;
    common::registrar_reregisters(Arc::clone(&registry), registry, T, || async move {
        let deleted = etcd
            .gateway(
                "/v3/kv/deleterange",
                serde_json::json!({ "key": b64("/gofed/services/again/r1") }),
            )
            .await;
        assert_eq!(deleted["deleted"], "1", "{deleted}");
    })
    .await;
}

/// The documented layout: one key per instance under `/gofed/services/<name>/<id>`, its value
/// the instance's JSON, bound to a lease of the TTL in whole seconds; a lost lease makes the
/// heartbeat `NotFound`.
#[tokio::test]
async fn etcd_key_layout_and_lease() {
    let Some(etcd) = start_etcd("etcd_key_layout_and_lease").await else {
        return;
    };
    let registry = etcd.registry();
    registry
        .register(common::instance("API", "a1", Duration::from_millis(1500)))
        .await
        .expect("register");
    let range = etcd
        .gateway(
            "/v3/kv/range",
            serde_json::json!({ "key": b64("/gofed/services/api/a1") }),
        )
        .await;
    let kv = &range["kvs"][0];
    let value: serde_json::Value = {
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(kv["value"].as_str().expect("value"))
            .expect("base64");
        serde_json::from_slice(&bytes).expect("JSON value")
    };
    assert_eq!(value["name"], "api");
    assert_eq!(value["ttl_ms"], 1500);
    let lease = kv["lease"].as_str().expect("a lease").to_owned();
    let ttl = etcd
        .gateway("/v3/lease/timetolive", serde_json::json!({ "ID": lease }))
        .await;
    assert_eq!(ttl["grantedTTL"], "2", "1.5 s rounds up to 2 s: {ttl}");

    // Registering again moves the key to a new lease and revokes the old one.
    registry
        .register(common::instance("api", "a1", Duration::from_millis(1500)))
        .await
        .expect("register again");
    let old = etcd
        .gateway("/v3/lease/timetolive", serde_json::json!({ "ID": lease }))
        .await;
    assert_eq!(old["TTL"], "-1", "the old lease is gone: {old}");

    // Revoke the current lease behind the registry's back: the key goes with it.
    let range = etcd
        .gateway(
            "/v3/kv/range",
            serde_json::json!({ "key": b64("/gofed/services/api/a1") }),
        )
        .await;
    let lease = range["kvs"][0]["lease"].as_str().expect("lease").to_owned();
    etcd.gateway("/v3/lease/revoke", serde_json::json!({ "ID": lease }))
        .await;
    let err = registry
        .heartbeat("api", "a1")
        .await
        .expect_err("lease revoked");
    assert!(err.is_not_found(), "{err:?}");
    assert!(registry.lookup("api").await.expect("lookup").is_empty());

    // Values that are not gofed instances under the prefix are skipped, not fatal.
    etcd.gateway(
        "/v3/kv/put",
        serde_json::json!({ "key": b64("/gofed/services/api/junk"), "value": b64("not json") }),
    )
    .await;
    assert!(registry.lookup("api").await.expect("lookup").is_empty());
}

#[tokio::test]
async fn etcd_unreachable_is_a_transport_error() {
    let config = EtcdConfig {
        endpoint: format!("http://127.0.0.1:{}", free_port()),
        ..EtcdConfig::default()
    };
    let registry = EtcdRegistry::new(&config).expect("client");
    let err = registry.list().await.expect_err("nothing listens");
    assert!(matches!(err, RegistryError::Transport { .. }), "{err:?}");
}
