//! Real `gofed registry` and `gofed serve` processes on loopback, for the system tests.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A `gofed` server process (`registry` or `serve`), SIGKILLed when dropped.
pub struct Process {
    pub child: Child,
    /// The base URL it printed (`listening on URL ...`).
    pub url: String,
    /// The instance id (`serve` only).
    pub instance: String,
}

impl Process {
    /// Starts `gofed ARGS` with `envs`, and reads the `listening on URL [instance ID]` line.
    pub fn start(args: &[&str], envs: &[(&str, &Path)]) -> Process {
        let mut command = super::gofed_command();
        command
            .args(args)
            .env_remove("GOROOT")
            .env_remove("GOFED_PLACEMENT")
            .env_remove("GOFED_REGISTRY")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        for (name, value) in envs {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("spawn gofed");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the listening line");
        let rest = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("gofed {args:?}: unexpected first line {line:?}"));
        let mut words = rest.split_whitespace();
        let url = words.next().expect("a URL").to_owned();
        let instance = match (words.next(), words.next()) {
            (Some("instance"), Some(id)) => id.to_owned(),
            _ => String::new(),
        };
        Process {
            child,
            url,
            instance,
        }
    }

    /// `host:port`.
    pub fn address(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    /// SIGKILL, as a crash.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM: a graceful stop.
    pub fn sigterm(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
    }

    /// Waits for the process to exit, at most `limit`.
    pub fn wait_exit(&mut self, limit: Duration) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(start.elapsed() < limit, "still running after {limit:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `gofed serve SERVICES` registered at `registry`, heartbeating every 200 ms with `ttl_ms`, with its
/// blobs in `blob_dir`.
pub fn serve(services: &[&str], registry: &str, ttl_ms: u64, blob_dir: &Path) -> Process {
    let ttl = ttl_ms.to_string();
    let mut args = vec!["serve"];
    args.extend_from_slice(services);
    args.extend_from_slice(&[
        "--listen",
        "127.0.0.1:0",
        "--registry",
        registry,
        "--heartbeat-ms",
        "200",
        "--ttl-ms",
        &ttl,
    ]);
    Process::start(&args, &[("GOFED_BLOB_DIR", blob_dir)])
}

/// Waits until the registry lists an instance of `service`.
pub fn wait_registered(registry: &str, service: &str) {
    let url = format!("{registry}/v1/registry/services/{service}");
    wait_until(Duration::from_secs(10), || {
        http_get(&url).contains("http://")
    })
    .unwrap_or_else(|| panic!("{service} registered"));
}

/// Polls `done` every 20 ms until it holds or `limit` passes; the time it took.
pub fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// `gofed_action_calls_total` of `action` in an instance's `/metrics`.
pub fn calls_total(base_url: &str, action: &str) -> u64 {
    metric(base_url, "gofed_action_calls_total", action)
}

/// A per-action counter or gauge from an instance's `/metrics` (0 when absent).
pub fn metric(base_url: &str, name: &str, action: &str) -> u64 {
    let text = http_get(&format!("{base_url}/metrics"));
    let needle = format!("action=\"{action}\"}} ");
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")) && l.contains(&needle))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .map(|v| v as u64)
        .sum()
}

/// A plain HTTP/1.0 GET on loopback (no client library needed for a test probe).
pub fn http_get(url: &str) -> String {
    use std::io::{Read as _, Write as _};
    let rest = url.strip_prefix("http://").expect("http URL");
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = std::net::TcpStream::connect(host).expect("connect");
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    match answer.split_once("\r\n\r\n") {
        Some((_, body)) => body.to_owned(),
        None => answer,
    }
}
