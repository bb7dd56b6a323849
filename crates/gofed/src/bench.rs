//! `gofed debug bench-calls`: measurements of the system's call paths, for `scripts/bench-system.sh`.
//!
//! - `--local-overhead`: nanoseconds per call of a trivial action (`u64 -> u64`) called directly, through
//!   [`Service::call_local`], and through a [`System`] placing it local;
//! - otherwise: `--requests` calls of `--action` (`upload_url`, trivial: a stat of a missing blob; or
//!   `api_analysis` of `--tree`, uploaded once as a bundle), `--concurrency` at a time, through the system the
//!   global flags configure; latency percentiles and throughput.
//!
//! Prints one JSON document.

use std::hint::black_box;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use gofed_service::{ClientConfig, Service, System, SystemConfig};
use gofed_services::{bundle, ApiFormat, ApiRequest, Rendered, Source};
use serde::Serialize;

use crate::cli::SystemArgs;

#[derive(Serialize)]
struct LocalOverhead {
    calls: u64,
    direct_ns: f64,
    call_local_ns: f64,
    system_local_ns: f64,
}

#[derive(Serialize)]
struct CallStats {
    action: String,
    requests: usize,
    concurrency: usize,
    seconds: f64,
    calls_per_second: f64,
    p50_us: f64,
    p90_us: f64,
    p99_us: f64,
    max_us: f64,
    per_instance: std::collections::BTreeMap<String, u64>,
}

fn trivial(x: u64) -> u64 {
    x.wrapping_mul(6364136223846793005).wrapping_add(1)
}

pub fn local_overhead(calls: u64) -> anyhow::Result<ExitCode> {
    let runtime = crate::system::runtime()?;
    let service = Service::new("bench", "0", "benchmark").action(
        "trivial",
        "x -> a function of x",
        |x: u64| async move { Ok(trivial(x)) },
    );
    let system = System::new(
        vec![service.clone()],
        SystemConfig::default(),
        ClientConfig::default(),
        None,
    );
    let per_call = |elapsed: Duration| elapsed.as_nanos() as f64 / calls as f64;
    let clock = Instant::now();
    let mut acc = 0u64;
    runtime.block_on(async {
        for i in 0..calls {
            acc = acc.wrapping_add(black_box(async { trivial(black_box(i)) }.await));
        }
    });
    let direct_ns = per_call(clock.elapsed());
    let clock = Instant::now();
    runtime.block_on(async {
        for i in 0..calls {
            let out: u64 = service.call_local("trivial", black_box(i)).await?;
            acc = acc.wrapping_add(out);
        }
        Ok::<_, gofed_service::ServiceError>(())
    })?;
    let call_local_ns = per_call(clock.elapsed());
    let clock = Instant::now();
    runtime.block_on(async {
        for i in 0..calls {
            let out: u64 = system.call("trivial", black_box(i)).await?;
            acc = acc.wrapping_add(out);
        }
        Ok::<_, gofed_service::SystemError>(())
    })?;
    let system_local_ns = per_call(clock.elapsed());
    black_box(acc);
    crate::output::print_json(&LocalOverhead {
        calls,
        direct_ns,
        call_local_ns,
        system_local_ns,
    })?;
    Ok(ExitCode::SUCCESS)
}

pub fn calls(
    system_args: &SystemArgs,
    action: &str,
    tree: Option<PathBuf>,
    requests: usize,
    concurrency: usize,
) -> anyhow::Result<ExitCode> {
    let runtime = crate::system::runtime()?;
    let system = Arc::new(crate::scenario::system(system_args)?);
    let sha = "0".repeat(64);
    let request: serde_json::Value = match action {
        "upload_url" => serde_json::json!({ "sha256": sha }),
        "api_analysis" => {
            let tree = tree.context("--tree is needed for api_analysis")?;
            let bundle = bundle::pack(&tree)?;
            let file = runtime.block_on(system.upload_bytes(bundle.bytes.into()))?;
            serde_json::to_value(ApiRequest {
                source: Source::Bundle {
                    file,
                    mount: bundle.mount,
                    root: bundle.root,
                },
                context: Default::default(),
                contexts: None,
                goroot: None,
                format: ApiFormat::Goapi,
                allow_errors: false,
            })?
        }
        other => anyhow::bail!("--action {other}: expected upload_url or api_analysis"),
    };
    let (latencies, seconds) = runtime.block_on(async {
        let semaphore = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        let clock = Instant::now();
        for _ in 0..requests {
            let permit = Arc::clone(&semaphore).acquire_owned().await?;
            let (system, request, action) =
                (Arc::clone(&system), request.clone(), action.to_owned());
            tasks.spawn(async move {
                let start = Instant::now();
                let result = if action == "api_analysis" {
                    system.call::<_, Rendered>(&action, request).await.map(drop)
                } else {
                    system
                        .call::<_, serde_json::Value>(&action, request)
                        .await
                        .map(drop)
                };
                drop(permit);
                result.map(|()| start.elapsed())
            });
        }
        let mut latencies = Vec::with_capacity(requests);
        while let Some(joined) = tasks.join_next().await {
            latencies.push(joined??);
        }
        Ok::<_, anyhow::Error>((latencies, clock.elapsed().as_secs_f64()))
    })?;
    let mut micros: Vec<f64> = latencies.iter().map(|d| d.as_secs_f64() * 1e6).collect();
    micros.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        let index = ((micros.len() as f64 - 1.0) * p).round() as usize;
        micros.get(index).copied().unwrap_or(0.0)
    };
    crate::output::print_json(&CallStats {
        action: action.to_owned(),
        requests,
        concurrency,
        seconds,
        calls_per_second: requests as f64 / seconds,
        p50_us: pct(0.50),
        p90_us: pct(0.90),
        p99_us: pct(0.99),
        max_us: pct(1.0),
        per_instance: system.calls_per_instance(),
    })?;
    Ok(ExitCode::SUCCESS)
}
