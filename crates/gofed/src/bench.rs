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
    /// Normal calls that failed (a soak run reports them instead of stopping).
    failed: usize,
    /// Hostile requests made, and how many were answered with a 4xx error (as they should be).
    hostile: usize,
    hostile_refused: usize,
    per_instance: std::collections::BTreeMap<String, u64>,
}

/// How many calls `calls` makes and how.
pub struct Load {
    /// Calls to make (ignored with `duration`).
    pub requests: usize,
    /// Calls in flight at once.
    pub concurrency: usize,
    /// Keep calling until this has passed.
    pub duration: Option<Duration>,
    /// Every Nth call is hostile.
    pub hostile_every: Option<usize>,
}

/// The hostile api_analysis requests of a soak run (issue #19): each must be refused with a 4xx, harming nothing.
fn hostile_request(n: usize, origin_port: u16) -> serde_json::Value {
    let bundle = |file: serde_json::Value, mount: &str| serde_json::json!({"source": {"bundle": {"file": file, "mount": mount, "root": mount}}});
    let sha = format!("{:064x}", n);
    match n % 4 {
        // A path where a sha256 belongs, at a foreign origin.
        0 => bundle(
            serde_json::json!({"sha256": "../../internal/admin?q=", "size": 1,
                "origin": format!("http://127.0.0.1:{origin_port}")}),
            "/m",
        ),
        // A file nobody stored, at a new origin each time.
        1 => bundle(
            serde_json::json!({"sha256": sha, "size": 1,
                "origin": format!("http://127.0.0.1:{origin_port}/o{n}")}),
            "/m",
        ),
        // A mount point longer than any path.
        2 => bundle(
            serde_json::json!({"sha256": sha, "size": 1}),
            &format!("/{}", "m".repeat(100_000)),
        ),
        // A file declared larger than anything a service fetches.
        _ => bundle(serde_json::json!({"sha256": sha, "size": u64::MAX}), "/m"),
    }
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
    load: Load,
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
                // Every call analyses: the load is the analysis, not the store.
                record: false,
                no_cache: true,
            })?
        }
        other => anyhow::bail!("--action {other}: expected upload_url or api_analysis"),
    };
    // A port where nothing should ever be asked anything: the origin of hostile requests.
    let origin_port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let Load {
        requests,
        concurrency,
        duration,
        hostile_every,
    } = load;
    let (outcomes, seconds) = runtime.block_on(async {
        let semaphore = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        let clock = Instant::now();
        let mut n = 0usize;
        let mut outcomes = Vec::new();
        loop {
            let more = match duration {
                Some(duration) => clock.elapsed() < duration,
                None => n < requests,
            };
            if !more {
                break;
            }
            n += 1;
            let permit = Arc::clone(&semaphore).acquire_owned().await?;
            let hostile = hostile_every.is_some_and(|every| n.is_multiple_of(every.max(1)));
            let request = if hostile {
                hostile_request(n / hostile_every.unwrap_or(1).max(1), origin_port)
            } else {
                request.clone()
            };
            let (system, action) = (Arc::clone(&system), action.to_owned());
            tasks.spawn(async move {
                let start = Instant::now();
                let result = if hostile || action == "api_analysis" {
                    system
                        .call::<_, Rendered>("api_analysis", request)
                        .await
                        .map(drop)
                } else {
                    system
                        .call::<_, serde_json::Value>(&action, request)
                        .await
                        .map(drop)
                };
                drop(permit);
                let outcome = match (hostile, result) {
                    (false, Ok(())) => Outcome::Done(start.elapsed()),
                    (false, Err(err)) => {
                        tracing::warn!("a normal call failed: {err}");
                        Outcome::Failed
                    }
                    (
                        true,
                        Err(gofed_service::SystemError::Remote(
                            gofed_service::ClientError::Service { status, .. },
                        )),
                    ) if (400..500).contains(&status) => Outcome::HostileRefused,
                    (true, result) => {
                        tracing::warn!("a hostile request was not refused with a 4xx: {result:?}");
                        Outcome::HostileOther
                    }
                };
                outcome
            });
            // Reap as we go: a soak run makes many calls.
            while let Some(joined) = tasks.try_join_next() {
                outcomes.push(joined?);
            }
        }
        while let Some(joined) = tasks.join_next().await {
            outcomes.push(joined?);
        }
        Ok::<_, anyhow::Error>((outcomes, clock.elapsed().as_secs_f64()))
    })?;
    let mut micros: Vec<f64> = outcomes
        .iter()
        .filter_map(|o| match o {
            Outcome::Done(d) => Some(d.as_secs_f64() * 1e6),
            _ => None,
        })
        .collect();
    micros.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        let index = ((micros.len() as f64 - 1.0) * p).round() as usize;
        micros.get(index).copied().unwrap_or(0.0)
    };
    let count = |f: fn(&Outcome) -> bool| outcomes.iter().filter(|o| f(o)).count();
    let hostile_refused = count(|o| matches!(o, Outcome::HostileRefused));
    let hostile = hostile_refused + count(|o| matches!(o, Outcome::HostileOther));
    crate::output::print_json(&CallStats {
        action: action.to_owned(),
        requests: micros.len(),
        concurrency,
        seconds,
        calls_per_second: micros.len() as f64 / seconds,
        p50_us: pct(0.50),
        p90_us: pct(0.90),
        p99_us: pct(0.99),
        max_us: pct(1.0),
        failed: count(|o| matches!(o, Outcome::Failed)),
        hostile,
        hostile_refused,
        per_instance: system.calls_per_instance(),
    })?;
    Ok(ExitCode::SUCCESS)
}

/// How one call of a bench run ended.
enum Outcome {
    /// A normal call succeeded in this time.
    Done(Duration),
    /// A normal call failed.
    Failed,
    /// A hostile request was refused with a 4xx.
    HostileRefused,
    /// A hostile request got anything else (a success, a 5xx, a transport failure).
    HostileOther,
}
