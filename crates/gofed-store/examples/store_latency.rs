//! Put/get latency of a store, one request at a time: `cargo run --release -p gofed-store
//! --example store_latency -- sqlite:DIR` or `-- postgres:'host=... user=... dbname=...'`.
//! Prints p50/p99 for 4 KiB blob puts and gets, and for 10 KiB result puts and gets.

use std::path::Path;
use std::time::{Duration, Instant};

use gofed_store::{ResultKey, Sha256, Store};

const N: usize = 400;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let spec = std::env::args()
        .nth(1)
        .ok_or("usage: store_latency sqlite:DIR | postgres:CONNINFO")?;
    let store = match spec.split_once(':') {
        Some(("sqlite", dir)) => Store::open_sqlite(Path::new(dir)).await?,
        Some(("postgres", conninfo)) => Store::connect_postgres(conninfo).await?,
        _ => return Err(format!("bad store {spec:?}").into()),
    };
    let run = std::process::id();
    let blobs: Vec<Vec<u8>> = (0..N)
        .map(|i| {
            let mut b = format!("{run}-{i}-").repeat(4096).into_bytes();
            b.truncate(4096);
            b
        })
        .collect();
    let keys: Vec<ResultKey> = (0..N)
        .map(|i| ResultKey {
            action: "api_analysis".into(),
            input_digest: Sha256::of(format!("{run}-{i}").as_bytes()),
            options_digest: Sha256::of(b"{}"),
            engine_version: "latency".into(),
        })
        .collect();
    let result = br#"{"pkg":"example.com/x","funcs":["F","G"]}"#.repeat(250);

    let mut put_blob = Vec::new();
    for b in &blobs {
        let t = Instant::now();
        store.put_blob(b.clone()).await?;
        put_blob.push(t.elapsed());
    }
    let mut get_blob = Vec::new();
    for b in &blobs {
        let t = Instant::now();
        store.get_blob(Sha256::of(b)).await?.ok_or("blob missing")?;
        get_blob.push(t.elapsed());
    }
    let mut put_result = Vec::new();
    for k in &keys {
        let t = Instant::now();
        store.put_result(k, &result, None).await?;
        put_result.push(t.elapsed());
    }
    let mut get_result = Vec::new();
    for k in &keys {
        let t = Instant::now();
        store.get_result(k).await?.ok_or("result missing")?;
        get_result.push(t.elapsed());
    }
    for (name, mut times) in [
        ("put_blob 4 KiB", put_blob),
        ("get_blob 4 KiB", get_blob),
        ("put_result 10 KiB", put_result),
        ("get_result 10 KiB", get_result),
    ] {
        times.sort();
        let pct = |p: usize| times[(times.len() * p / 100).min(times.len() - 1)];
        println!(
            "{name:18} p50 {:>8.3} ms  p99 {:>8.3} ms  (n={N})",
            ms(pct(50)),
            ms(pct(99))
        );
    }
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
