//! A throw-away PostgreSQL cluster on loopback for the tests: `initdb` into a temporary
//! directory, `postgres` on a free port, stopped and removed on drop.
//!
//! Needs Debian's `postgresql` (`scripts/install-test-deps.sh` installs it). Without it the tests
//! print a loud SKIP and pass, unless `CI=true`, where they fail. `initdb` refuses to run as root,
//! so as root the cluster runs as `nobody` (`setpriv`, which execs, so the child we hold is the
//! postmaster itself).
#![allow(dead_code)]

use std::io::Write as _;
use std::net::TcpListener;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running cluster; dropped, it is stopped and its directory removed.
pub struct Postgres {
    child: Child,
    bin: PathBuf,
    user: Option<(u32, u32)>,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl Postgres {
    /// The libpq connection string of the `postgres` database.
    pub fn conninfo(&self) -> String {
        format!(
            "host=127.0.0.1 port={} user=gofed dbname=postgres connect_timeout=10",
            self.port
        )
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("postgres.log")).unwrap_or_default()
    }

    /// A raw connection, to tamper with the store behind its back.
    pub async fn raw(&self) -> tokio_postgres::Client {
        let (client, conn) = tokio_postgres::connect(&self.conninfo(), tokio_postgres::NoTls)
            .await
            .expect("raw connection");
        tokio::spawn(conn);
        client
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // A fast shutdown ends the backends too; the kill is for a postmaster that ignores it.
        let _ = command(&self.bin.join("pg_ctl"), self.user)
            .arg("-D")
            .arg(self.data_dir())
            .args(["stop", "-m", "immediate", "-w", "-t", "20"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The directory holding `initdb`, `postgres` and `pg_ctl`: `$GOFED_PG_BIN`, else Debian's
/// `/usr/lib/postgresql/<newest>/bin`, else `$PATH`.
fn find_bin() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("GOFED_PG_BIN") {
        return Some(PathBuf::from(dir));
    }
    let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    debian.sort();
    if let Some((_, bin)) = debian.pop() {
        return Some(bin);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .find(|dir| dir.join("initdb").is_file() && dir.join("postgres").is_file())
}

/// `program`, run as `user` (uid, gid) when given.
fn command(program: &Path, user: Option<(u32, u32)>) -> Command {
    match user {
        None => Command::new(program),
        Some((uid, gid)) => {
            let mut cmd = Command::new("setpriv");
            cmd.arg(format!("--reuid={uid}"))
                .arg(format!("--regid={gid}"))
                .arg("--clear-groups")
                .arg(program);
            cmd
        }
    }
}

fn id_of(flag: &str, user: &str) -> u32 {
    let out = Command::new("id")
        .args([flag, user])
        .output()
        .expect("run id");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or_else(|_| panic!("no numeric `id {flag} {user}`"))
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Starts a cluster, or returns `None` (after a loud SKIP) when PostgreSQL is not installed
/// outside CI.
pub async fn start_postgres(test: &str) -> Option<Postgres> {
    let Some(bin) = find_bin() else {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        assert!(
            !ci,
            "PostgreSQL is not installed and CI=true: run scripts/install-test-deps.sh"
        );
        // Written to stderr directly, not with eprintln!, which the test harness captures.
        let _ = writeln!(
            std::io::stderr(),
            "\n########## SKIP {test}: PostgreSQL is not installed (scripts/install-test-deps.sh) ##########\n"
        );
        return None;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    // /proc/self belongs to the process's effective user.
    let root = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
    let user = root.then(|| (id_of("-u", "nobody"), id_of("-g", "nobody")));
    if let Some((uid, gid)) = user {
        std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid)).expect("chown the temp dir");
    }
    let data = dir.path().join("data");
    let out = command(&bin.join("initdb"), user)
        .arg("-D")
        .arg(&data)
        .args([
            "-A",
            "trust",
            "-U",
            "gofed",
            "-E",
            "UTF8",
            "--no-sync",
            "--no-instructions",
        ])
        .output()
        .expect("run initdb");
    assert!(
        out.status.success(),
        "initdb failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let port = free_port();
    let log = std::fs::File::create(dir.path().join("postgres.log")).expect("log file");
    if let Some((uid, gid)) = user {
        std::os::unix::fs::chown(dir.path().join("postgres.log"), Some(uid), Some(gid))
            .expect("chown the log");
    }
    let child = command(&bin.join("postgres"), user)
        .arg("-D")
        .arg(&data)
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .arg("-k")
        .arg(dir.path())
        // A throw-away cluster: durability of the server itself is not under test (the crash
        // tests kill the client, and the server keeps running).
        .args(["-c", "fsync=off", "-c", "full_page_writes=off"])
        .args(["-c", "shared_buffers=16MB", "-c", "max_connections=100"])
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("log file"))
        .stderr(log)
        .spawn()
        .expect("start postgres");
    let mut pg = Postgres {
        child,
        bin,
        user,
        port,
        dir,
    };
    let start = Instant::now();
    loop {
        if let Ok(Some(status)) = pg.child.try_wait() {
            panic!("postgres exited with {status}:\n{}", pg.log());
        }
        if tokio_postgres::connect(&pg.conninfo(), tokio_postgres::NoTls)
            .await
            .is_ok()
        {
            return Some(pg);
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "postgres not ready after 60 s:\n{}",
            pg.log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Bytes that differ per `seed` and do not compress to nothing.
pub fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}
