//! A real etcd on loopback for tests: free ports, a temporary data directory, stopped on drop.
//! Shared by the registry's etcd tests and the `gofed` binary's system tests (`#[path]`).
#![allow(dead_code)]

use std::io::Write as _;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// An etcd process that lives as long as the value.
pub struct Etcd {
    pub child: Child,
    pub endpoint: String,
    pub dir: tempfile::TempDir,
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

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Starts etcd, or returns `None` (after a loud SKIP) when it is not installed outside CI.
pub async fn start_etcd(test: &str) -> Option<Etcd> {
    start_etcd_with(test, None).await
}

/// The files of an etcd serving TLS: its certificate and key, and the authority whose clients it accepts
/// (`--client-cert-auth`: a client without a certificate it signed is refused).
pub struct EtcdTlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub client_ca: PathBuf,
}

/// [`start_etcd`] serving `https://` with `tls`.
pub async fn start_etcd_with(test: &str, tls: Option<&EtcdTlsFiles>) -> Option<Etcd> {
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
    let scheme = if tls.is_some() { "https" } else { "http" };
    let endpoint = format!("{scheme}://127.0.0.1:{client_port}");
    let peer = format!("http://127.0.0.1:{peer_port}");
    let log = std::fs::File::create(dir.path().join("etcd.log")).expect("log file");
    let mut command = Command::new(&binary);
    if let Some(tls) = tls {
        command
            .arg("--cert-file")
            .arg(&tls.cert)
            .arg("--key-file")
            .arg(&tls.key)
            .arg("--client-cert-auth")
            .arg("--trusted-ca-file")
            .arg(&tls.client_ca);
    }
    let child = command
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
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("etcd.log")).unwrap_or_default()
    }

    async fn wait_ready(&mut self) {
        let http = http_client();
        let start = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("etcd exited with {status}:\n{}", self.log());
            }
            // A TLS etcd requires a client certificate for /health too: its log says when it serves.
            if self.endpoint.starts_with("https://") {
                if self.log().contains("serving client requests on") {
                    return;
                }
            } else if let Ok(resp) = http.get(format!("{}/health", self.endpoint)).send().await {
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
}

/// An HTTP client (reqwest needs the process's TLS provider installed before it builds one).
fn http_client() -> reqwest::Client {
    gofed_registry::tls::client_builder()
        .build()
        .expect("an HTTP client")
}
