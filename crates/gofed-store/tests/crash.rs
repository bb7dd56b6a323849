//! Crash safety: a child process (this test binary, re-invoked with `GOFED_STORE_CRASH_CHILD`)
//! writes a stream of blobs and results and prints an acknowledgement after each write returns;
//! it is killed with SIGKILL in the middle of the stream. After reopening the store, every
//! acknowledged write is there and intact, and nothing half-written is ever served: every blob
//! and result the store would serve, acknowledged or not, reads back whole and checked.
//!
//! `harness = false`: this file's `main` is both the test and the child.

mod common;

use common::bytes;

use std::io::{BufRead as _, Write as _};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use gofed_store::{ResultKey, Sha256, Store};

const CHILD_ENV: &str = "GOFED_STORE_CRASH_CHILD";
/// Kill rounds per driver, each after a different number of acknowledgements.
const KILL_AFTER: [usize; 4] = [7, 20, 41, 30];
/// How long after that acknowledgement the kill comes, per round, so that it lands in different
/// phases of the next write (a blob is a few milliseconds of writing and syncing).
const KILL_DELAY_MS: [u64; 4] = [0, 3, 9, 17];

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        runtime.block_on(child(&spec));
        return;
    }
    runtime.block_on(async {
        let dir = tempfile::tempdir().expect("temp dir");
        let sqlite_spec = format!("sqlite:{}", dir.path().display());
        crash_rounds("sqlite", &sqlite_spec).await;
        let tmp_left = std::fs::read_dir(dir.path().join("tmp"))
            .map(|d| d.count())
            .unwrap_or(0);
        println!(
            "crash sqlite: {tmp_left} temporary blob file(s) left by killed writers (never served)"
        );
        if let Some(pg) = common::start_postgres("crash::postgres").await {
            crash_rounds("postgres", &format!("postgres:{}", pg.conninfo())).await;
        }
    });
    println!("crash: ok");
}

/// Blob `i`: 200 kB to 2.2 MB (several PostgreSQL chunks), content unique to `i`.
fn blob(i: u64) -> Vec<u8> {
    bytes(i, 200_000 + (i % 11) as usize * 200_000)
}

fn result_key(i: u64) -> ResultKey {
    ResultKey {
        action: "api_analysis".into(),
        input_digest: Sha256::of(&i.to_le_bytes()),
        options_digest: Sha256::of(b"{}"),
        engine_version: "crash-test".into(),
    }
}

fn result(i: u64) -> Vec<u8> {
    bytes(i + (1 << 40), 50_000)
}

async fn open(spec: &str) -> Store {
    let res = match spec.split_once(':') {
        Some(("sqlite", dir)) => Store::open_sqlite(Path::new(dir)).await,
        Some(("postgres", conninfo)) => Store::connect_postgres(conninfo).await,
        _ => panic!("bad store spec {spec:?}"),
    };
    res.unwrap_or_else(|err| panic!("open {spec}: {err}"))
}

/// The child: writes blob i, then result i, from `GOFED_STORE_CRASH_START` on, acknowledging
/// each on stdout once the store has returned; runs until killed.
async fn child(spec: &str) {
    let store = open(spec).await;
    let start: u64 = std::env::var("GOFED_STORE_CRASH_START")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut out = std::io::stdout().lock();
    for i in start.. {
        let (blob, result) = (blob(i), result(i));
        store.put_blob(blob).await.expect("put blob");
        writeln!(out, "blob {i}")
            .and_then(|()| out.flush())
            .expect("ack");
        store
            .put_result(&result_key(i), &result, None)
            .await
            .expect("put result");
        writeln!(out, "result {i}")
            .and_then(|()| out.flush())
            .expect("ack");
    }
}

async fn crash_rounds(driver: &str, spec: &str) {
    let exe = std::env::current_exe().expect("the test binary");
    let mut acked_blobs = Vec::new();
    let mut acked_results = Vec::new();
    for (round, &kill_after) in KILL_AFTER.iter().enumerate() {
        let start = round as u64 * 1000;
        let mut child = Command::new(&exe)
            .env(CHILD_ENV, spec)
            .env("GOFED_STORE_CRASH_START", start.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the child");
        let stdout = child.stdout.take().expect("the child's stdout");
        let (tx, rx) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut lines = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(300);
        while lines.len() < kill_after {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => lines.push(line),
                Err(err) => panic!("{driver}: the child stopped acknowledging ({err})"),
            }
        }
        // SIGKILL, in the middle of the stream: the child is busy with the next write.
        std::thread::sleep(Duration::from_millis(KILL_DELAY_MS[round]));
        child.kill().expect("kill the child");
        let status = child.wait().expect("wait for the child");
        assert!(!status.success(), "the child was killed");
        // Acknowledgements already in the pipe count too: the store had returned.
        reader.join().expect("the reader thread");
        lines.extend(rx.try_iter());
        for line in &lines {
            match line.split_once(' ') {
                Some(("blob", i)) => acked_blobs.push(i.parse::<u64>().expect("blob index")),
                Some(("result", i)) => acked_results.push(i.parse::<u64>().expect("result index")),
                _ => panic!("{driver}: unexpected line {line:?}"),
            }
        }
        println!(
            "crash {driver} round {round}: killed after {} acknowledgements",
            lines.len()
        );
    }

    let store = open(spec).await;
    for &i in &acked_blobs {
        let got = store
            .get_blob(Sha256::of(&blob(i)))
            .await
            .unwrap_or_else(|err| panic!("{driver}: acknowledged blob {i}: {err}"));
        assert!(got == Some(blob(i)), "{driver}: acknowledged blob {i} lost");
    }
    for &i in &acked_results {
        let got = store
            .get_result(&result_key(i))
            .await
            .unwrap_or_else(|err| panic!("{driver}: acknowledged result {i}: {err}"));
        assert!(
            got == Some(result(i)),
            "{driver}: acknowledged result {i} lost"
        );
    }
    // The writes in flight at each kill (and any other index): absent or whole, never an error.
    let mut n_unacked_present = 0;
    for round in 0..KILL_AFTER.len() as u64 {
        for i in round * 1000..round * 1000 + 60 {
            let b = store.get_blob(Sha256::of(&blob(i))).await;
            let r = store.get_result(&result_key(i)).await;
            match (&b, &r) {
                (Ok(b), Ok(r)) => {
                    assert!(b.is_none() || b.as_deref() == Some(&blob(i)[..]));
                    assert!(r.is_none() || r.as_deref() == Some(&result(i)[..]));
                    n_unacked_present += usize::from(b.is_some() && !acked_blobs.contains(&i))
                        + usize::from(r.is_some() && !acked_results.contains(&i));
                }
                _ => panic!("{driver}: write {i} reads back as an error: {b:?} {r:?}"),
            }
        }
    }
    println!(
        "crash {driver}: {} blobs and {} results acknowledged, all intact; \
         {n_unacked_present} unacknowledged write(s) completed before the kill, whole",
        acked_blobs.len(),
        acked_results.len()
    );
}
