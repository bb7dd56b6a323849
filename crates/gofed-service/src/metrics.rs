//! Prometheus metrics of action calls, rendered in the text exposition format by hand.
//!
//! Per action (labels `service`, `action`): `gofed_action_calls_total`, `gofed_action_errors_total`,
//! `gofed_action_duration_seconds` (histogram) and `gofed_action_in_flight` (gauge).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Upper bounds of the latency histogram buckets, in seconds.
const BUCKETS: [f64; 14] = [
    0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 60.0, 300.0,
];

/// Counters of one action.
#[derive(Debug, Default)]
pub(crate) struct ActionMetrics {
    calls: AtomicU64,
    errors: AtomicU64,
    in_flight: AtomicI64,
    /// Non-cumulative counts per bucket; the last one is `+Inf`.
    buckets: [AtomicU64; BUCKETS.len() + 1],
    sum_micros: AtomicU64,
}

impl ActionMetrics {
    /// Count a call as started; the guard records its outcome (or an error, if dropped unfinished).
    pub(crate) fn start(&self) -> CallGuard<'_> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        CallGuard {
            metrics: self,
            started: Instant::now(),
            ok: false,
        }
    }

    fn record(&self, elapsed: Duration, ok: bool) {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
        if !ok {
            self.errors.fetch_add(1, Ordering::Relaxed);
        }
        let secs = elapsed.as_secs_f64();
        let idx = BUCKETS
            .iter()
            .position(|&le| secs <= le)
            .unwrap_or(BUCKETS.len());
        self.buckets[idx].fetch_add(1, Ordering::Relaxed);
        self.sum_micros.fetch_add(
            u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
            Ordering::Relaxed,
        );
    }
}

/// Records one call when dropped.
pub(crate) struct CallGuard<'a> {
    metrics: &'a ActionMetrics,
    started: Instant,
    ok: bool,
}

impl CallGuard<'_> {
    /// Mark the call successful.
    pub(crate) fn succeed(&mut self) {
        self.ok = true;
    }
}

impl Drop for CallGuard<'_> {
    fn drop(&mut self) {
        self.metrics.record(self.started.elapsed(), self.ok);
    }
}

/// Metrics of every hosted action, keyed by action name.
#[derive(Debug, Default)]
pub(crate) struct Metrics {
    actions: BTreeMap<String, (String, ActionMetrics)>,
}

impl Metrics {
    pub(crate) fn new<'a>(actions: impl IntoIterator<Item = (&'a str, &'a str)>) -> Metrics {
        let actions = actions
            .into_iter()
            .map(|(service, action)| {
                (
                    action.to_owned(),
                    (service.to_owned(), ActionMetrics::default()),
                )
            })
            .collect();
        Metrics { actions }
    }

    pub(crate) fn action(&self, action: &str) -> Option<&ActionMetrics> {
        self.actions.get(action).map(|(_, m)| m)
    }

    /// The Prometheus text exposition format (version 0.0.4).
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        let series = |out: &mut String,
                      name: &str,
                      help: &str,
                      ty: &str,
                      value: &dyn Fn(&ActionMetrics) -> String| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {ty}");
            for (action, (service, m)) in &self.actions {
                let _ = writeln!(
                    out,
                    "{name}{{service=\"{}\",action=\"{}\"}} {}",
                    esc(service),
                    esc(action),
                    value(m)
                );
            }
        };
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed).to_string();
        series(
            &mut out,
            "gofed_action_calls_total",
            "Action calls received.",
            "counter",
            &|m| load(&m.calls),
        );
        series(
            &mut out,
            "gofed_action_errors_total",
            "Action calls that failed.",
            "counter",
            &|m| load(&m.errors),
        );
        series(
            &mut out,
            "gofed_action_in_flight",
            "Action calls running now.",
            "gauge",
            &|m| m.in_flight.load(Ordering::Relaxed).to_string(),
        );
        let name = "gofed_action_duration_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} Duration of action calls.\n# TYPE {name} histogram"
        );
        for (action, (service, m)) in &self.actions {
            let labels = format!("service=\"{}\",action=\"{}\"", esc(service), esc(action));
            let mut cumulative = 0u64;
            for (idx, bucket) in m.buckets.iter().enumerate() {
                cumulative += bucket.load(Ordering::Relaxed);
                let le = BUCKETS
                    .get(idx)
                    .map_or_else(|| "+Inf".to_owned(), |b| b.to_string());
                let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{le}\"}} {cumulative}");
            }
            let sum = m.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
            let _ = writeln!(
                out,
                "{name}_sum{{{labels}}} {sum}\n{name}_count{{{labels}}} {cumulative}"
            );
        }
        out
    }
}

/// Escape a label value.
fn esc(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_is_cumulative() {
        let metrics = Metrics::new([("svc", "act")]);
        let m = metrics.action("act").unwrap();
        m.start().succeed();
        m.record_for_test(Duration::from_millis(30));
        drop(m.start()); // dropped unfinished: an error
        let text = metrics.render();
        assert!(
            text.contains("gofed_action_calls_total{service=\"svc\",action=\"act\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("gofed_action_errors_total{service=\"svc\",action=\"act\"} 1"),
            "{text}"
        );
        assert!(
            text.contains("gofed_action_in_flight{service=\"svc\",action=\"act\"} 0"),
            "{text}"
        );
        assert!(text.contains("le=\"0.025\"} 2"), "{text}");
        assert!(text.contains("le=\"0.05\"} 3"), "{text}");
        assert!(text.contains("le=\"+Inf\"} 3"), "{text}");
        assert!(
            text.contains("gofed_action_duration_seconds_count{service=\"svc\",action=\"act\"} 3"),
            "{text}"
        );
    }

    impl ActionMetrics {
        fn record_for_test(&self, elapsed: Duration) {
            self.in_flight.fetch_add(1, Ordering::Relaxed);
            self.record(elapsed, true);
        }
    }
}
