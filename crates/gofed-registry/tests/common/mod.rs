//! The behavioural suite every `Registry` backend must pass, shared by `embedded.rs` and `etcd.rs`.
#![allow(dead_code)]

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use gofed_registry::{HeartbeatConfig, Instance, Limits, Registrar, Registry, RegistryError};

/// Timings of a backend under test.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// TTL the tests register with.
    pub ttl: Duration,
    /// Heartbeat interval of the tests' registrars.
    pub heartbeat: Duration,
    /// How long after the TTL the backend may take to prune (etcd checks leases every 500 ms).
    pub slack: Duration,
}

impl Timing {
    pub fn heartbeat_config(&self) -> HeartbeatConfig {
        HeartbeatConfig {
            interval: self.heartbeat,
            ttl: self.ttl,
        }
    }
}

pub fn instance(name: &str, id: &str, ttl: Duration) -> Instance {
    Instance::new(name, id, "http://127.0.0.1:9")
        .with_version("0.1.0")
        .with_actions(["api_analysis", "api_diff"])
        .with_ttl(ttl)
}

fn ids(instances: &[Instance]) -> Vec<(String, String)> {
    instances
        .iter()
        .map(|i| (i.name.clone(), i.instance_id.clone()))
        .collect()
}

/// Polls `cond` every 25 ms until it holds or `limit` has passed; returns whether it held, and
/// when.
pub async fn eventually<F, Fut>(limit: Duration, mut cond: F) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if cond().await {
            return Some(start.elapsed());
        }
        if start.elapsed() > limit {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

async fn n_live(registry: &dyn Registry, name: &str) -> usize {
    registry.lookup(name).await.expect("lookup").len()
}

/// Register, lookup, list, case-insensitive names, replacement, deregister, unknown instances,
/// invalid names.
pub async fn crud(registry: &dyn Registry, t: Timing) {
    let ttl = t.ttl * 20; // nothing expires during this test
    registry
        .register(instance("api", "a2", ttl))
        .await
        .expect("register a2");
    registry
        .register(instance("API", "a1", ttl))
        .await
        .expect("register a1 with an upper-case name");
    registry
        .register(instance("Deps", "d1", ttl))
        .await
        .expect("register d1");

    let api = registry.lookup("api").await.expect("lookup api");
    assert_eq!(
        ids(&api),
        [("api".into(), "a1".into()), ("api".into(), "a2".into())],
        "lookup returns both api instances, lower-cased and sorted by id"
    );
    assert_eq!(
        api[0],
        instance("api", "a1", ttl),
        "the instance round-trips"
    );
    assert_eq!(
        ids(&registry.lookup("aPi").await.expect("lookup aPi")),
        ids(&api),
        "names are case-insensitive"
    );
    assert_eq!(
        ids(&registry.list().await.expect("list")),
        [
            ("api".into(), "a1".into()),
            ("api".into(), "a2".into()),
            ("deps".into(), "d1".into())
        ]
    );
    assert!(registry.lookup("license").await.expect("lookup").is_empty());

    // Registering the same name and id replaces the registration.
    let moved = Instance {
        address: "http://127.0.0.1:10".into(),
        ..instance("api", "a1", ttl)
    };
    registry.register(moved).await.expect("re-register a1");
    let api = registry.lookup("api").await.expect("lookup api");
    assert_eq!(api.len(), 2);
    assert_eq!(api[0].address, "http://127.0.0.1:10");

    registry.heartbeat("API", "a1").await.expect("heartbeat a1");
    let err = registry
        .heartbeat("api", "nope")
        .await
        .expect_err("heartbeat of an unknown instance");
    assert!(
        matches!(&err, RegistryError::NotFound { name, instance_id } if name == "api" && instance_id == "nope"),
        "{err:?}"
    );
    let err = registry
        .heartbeat("nothing", "a1")
        .await
        .expect_err("heartbeat of an unknown service");
    assert!(err.is_not_found(), "{err:?}");

    registry
        .deregister("Api", "a1")
        .await
        .expect("deregister a1");
    assert_eq!(
        ids(&registry.lookup("api").await.expect("lookup")),
        [("api".into(), "a2".into())]
    );
    registry
        .deregister("api", "a1")
        .await
        .expect("deregistering again succeeds");
    registry
        .deregister("nothing", "x")
        .await
        .expect("deregistering an unknown service succeeds");
    assert!(registry
        .heartbeat("api", "a1")
        .await
        .expect_err("deregistered")
        .is_not_found());

    for bad in ["", "a/b", "..", "späti", "a b"] {
        let err = registry.lookup(bad).await.expect_err(bad);
        assert!(
            matches!(err, RegistryError::InvalidInput { .. }),
            "{bad:?}: {err:?}"
        );
    }
    let err = registry
        .register(instance("api", "x/y", ttl))
        .await
        .expect_err("slash in an id");
    assert!(matches!(err, RegistryError::InvalidInput { .. }), "{err:?}");
    let err = registry
        .register(instance("api", "x", Duration::from_millis(1)))
        .await
        .expect_err("ttl too short");
    assert!(matches!(err, RegistryError::InvalidInput { .. }), "{err:?}");
}

/// Heartbeats keep an instance past its TTL; without them it is pruned within TTL + slack, and
/// not before the TTL; a heartbeat after that is `NotFound`.
pub async fn ttl_pruning(registry: &dyn Registry, t: Timing) {
    registry
        .register(instance("ttl", "kept", t.ttl))
        .await
        .expect("register kept");
    let start = Instant::now();
    registry
        .register(instance("ttl", "dropped", t.ttl))
        .await
        .expect("register dropped");
    // Keep "kept" alive for twice its TTL.
    while start.elapsed() < t.ttl * 2 {
        tokio::time::sleep(t.heartbeat).await;
        registry.heartbeat("ttl", "kept").await.expect("heartbeat");
    }
    let live = registry.lookup("ttl").await.expect("lookup");
    assert_eq!(
        ids(&live),
        [("ttl".into(), "kept".into())],
        "after 2 TTLs only the instance that heartbeats is left"
    );
    // Now "kept" stops too.
    let stopped = Instant::now();
    let gone = eventually(t.ttl + t.slack, || async {
        n_live(registry, "ttl").await == 0
    })
    .await;
    let elapsed = stopped.elapsed();
    assert!(
        gone.is_some(),
        "not pruned within ttl {:?} + {:?}",
        t.ttl,
        t.slack
    );
    assert!(
        elapsed + Duration::from_millis(50) >= t.ttl,
        "pruned after {elapsed:?}, before its TTL {:?}",
        t.ttl
    );
    assert!(registry.list().await.expect("list").is_empty());
    let err = registry
        .heartbeat("ttl", "kept")
        .await
        .expect_err("heartbeat after expiry");
    assert!(err.is_not_found(), "{err:?}");
}

/// A `Registrar` keeps its instance registered past the TTL; a killed one (no deregistration)
/// disappears within TTL + slack; a clean shutdown deregisters at once.
pub async fn registrar_lifecycle(registry: Arc<dyn Registry>, t: Timing) {
    let killed = Registrar::start(
        Arc::clone(&registry),
        instance("Life", "killed", t.ttl),
        t.heartbeat_config(),
    )
    .await
    .expect("start killed");
    let clean = Registrar::start(
        Arc::clone(&registry),
        instance("life", "clean", t.ttl),
        t.heartbeat_config(),
    )
    .await
    .expect("start clean");
    assert_eq!(killed.instance().name, "life");
    tokio::time::sleep(t.ttl * 2).await;
    assert_eq!(
        n_live(&*registry, "life").await,
        2,
        "registrars keep both alive past the TTL"
    );
    assert_eq!(killed.n_registrations(), 1, "no re-registration was needed");

    clean.shutdown().await.expect("shutdown deregisters");
    assert_eq!(
        ids(&registry.lookup("life").await.expect("lookup")),
        [("life".into(), "killed".into())],
        "a clean shutdown deregisters at once"
    );

    killed.abandon().await;
    let gone = eventually(t.ttl + t.slack, || async {
        n_live(&*registry, "life").await == 0
    })
    .await;
    assert!(gone.is_some(), "a killed instance is pruned within its TTL");

    let err = Registrar::start(
        Arc::clone(&registry),
        instance("life", "x", t.ttl),
        HeartbeatConfig {
            interval: t.ttl,
            ttl: t.ttl,
        },
    )
    .await
    .err()
    .expect("a heartbeat interval not shorter than the TTL is refused");
    assert!(matches!(err, RegistryError::InvalidInput { .. }), "{err:?}");
}

/// After `lose` makes the registry forget the instance, the `Registrar` registers it again
/// within a few heartbeats.
pub async fn registrar_reregisters<F, Fut>(
    registry: Arc<dyn Registry>,
    lookup_via: Arc<dyn Registry>,
    t: Timing,
    lose: F,
) where
    F: FnOnce() -> Fut,
    Fut: Future<Output = ()>,
{
    let registrar = Registrar::start(
        Arc::clone(&registry),
        instance("again", "r1", t.ttl),
        t.heartbeat_config(),
    )
    .await
    .expect("start");
    lose().await;
    let back = eventually(t.heartbeat * 4 + t.slack, || async {
        matches!(lookup_via.lookup("again").await.as_deref(), Ok([i]) if i.instance_id == "r1")
    })
    .await;
    assert!(
        back.is_some(),
        "the registrar registered the instance again"
    );
    assert!(
        registrar.n_registrations() >= 2,
        "n_registrations = {}",
        registrar.n_registrations()
    );
    registrar.shutdown().await.expect("shutdown");
    assert_eq!(n_live(&*lookup_via, "again").await, 0);
}

/// Whether `err` says a bound on the number of instances was reached: the error itself, or the
/// embedded server's 409 `limit_exceeded` as its HTTP client reports it.
pub fn is_limit_exceeded(err: &RegistryError) -> bool {
    match err {
        RegistryError::LimitExceeded { .. } => true,
        RegistryError::Rejected { status, code, .. } => *status == 409 && code == "limit_exceeded",
        _ => false,
    }
}

/// Addresses that clients cannot use and oversized fields are refused, naming the field; the
/// service's valid instance stays listed and usable.
pub async fn invalid_fields(registry: &dyn Registry, t: Timing) {
    let ttl = t.ttl * 20;
    registry
        .register(instance("fields", "good", ttl))
        .await
        .expect("register good");
    let bad_addresses = [
        "not a url",
        "",
        "127.0.0.1:9",
        "ftp://127.0.0.1:21",
        "http://",
        "http://127.0.0.1:0",
        "http://127.0.0.1:99999",
        "http://user:pw@127.0.0.1:9",
        "http://127.0.0.1:9/path",
        "http://127.0.0.1:9/?q=1",
        "http://127.0.0.1:9#fragment",
        " http://127.0.0.1:9",
        "http://127.0.0.1:9\n",
        "http://127.0.0.1:9\u{1b}[2J",
    ];
    for bad in bad_addresses {
        let err = registry
            .register(Instance {
                address: bad.into(),
                ..instance("fields", "bad", ttl)
            })
            .await
            .expect_err(bad);
        assert!(
            matches!(
                &err,
                RegistryError::InvalidInput {
                    what: "address",
                    ..
                }
            ),
            "{bad:?}: {err:?}"
        );
        assert_eq!(err.field(), Some("address"), "{bad:?}");
    }
    let long = "x".repeat(200);
    let too_many_actions: Vec<String> = (0..257).map(|i| format!("a{i}")).collect();
    let too_long_actions: Vec<String> = (0..100)
        .map(|i| format!("{i}{}", "y".repeat(100)))
        .collect();
    for (what, bad) in [
        (
            "version",
            Instance {
                version: long.clone(),
                ..instance("fields", "bad", ttl)
            },
        ),
        (
            "actions",
            instance("fields", "bad", ttl).with_actions(too_many_actions),
        ),
        (
            "actions",
            instance("fields", "bad", ttl).with_actions(too_long_actions),
        ),
        (
            "actions",
            instance("fields", "bad", ttl).with_actions([long.clone()]),
        ),
        ("name", instance(&long, "bad", ttl)),
    ] {
        let err = registry.register(bad).await.expect_err(what);
        assert_eq!(err.field(), Some(what), "{err:?}");
    }
    for good in [
        "https://gofed.example:8811/",
        "http://[::1]:9",
        "http://localhost",
    ] {
        registry
            .register(Instance {
                address: good.into(),
                ..instance("fields", "ok", ttl)
            })
            .await
            .unwrap_or_else(|err| panic!("{good}: {err}"));
    }
    let listed: Vec<String> = registry
        .lookup("fields")
        .await
        .expect("lookup")
        .into_iter()
        .map(|i| format!("{} {}", i.instance_id, i.address))
        .collect();
    assert_eq!(
        listed,
        ["good http://127.0.0.1:9", "ok http://localhost"],
        "only the valid registrations are listed"
    );
}

/// A registry made with `limits` (3 per name, 5 in all) refuses new instances beyond them, still
/// accepts re-registrations, and accepts new ones once some are gone.
pub async fn bounded_instances(registry: &dyn Registry, t: Timing) {
    let ttl = t.ttl * 20;
    assert_eq!(
        SMALL_LIMITS,
        Limits {
            max_instances_per_name: 3,
            max_instances: 5
        }
    );
    for id in ["x0", "x1", "x2"] {
        registry
            .register(instance("x", id, ttl))
            .await
            .expect("within the bounds");
    }
    let err = registry
        .register(instance("x", "x3", ttl))
        .await
        .expect_err("a 4th instance of x");
    assert!(is_limit_exceeded(&err), "{err:?}");
    assert!(err.to_string().contains('3'), "{err}");
    registry
        .register(instance("X", "x0", ttl))
        .await
        .expect("re-registering is replacing, not adding");
    for id in ["y0", "y1"] {
        registry
            .register(instance("y", id, ttl))
            .await
            .expect("within the bounds");
    }
    let err = registry
        .register(instance("z", "z0", ttl))
        .await
        .expect_err("a 6th instance in all");
    assert!(is_limit_exceeded(&err), "{err:?}");
    assert_eq!(registry.list().await.expect("list").len(), 5);
    registry.deregister("x", "x0").await.expect("deregister");
    registry
        .register(instance("z", "z0", ttl))
        .await
        .expect("room again");
}

/// The bounds `bounded_instances` expects.
pub const SMALL_LIMITS: Limits = Limits {
    max_instances_per_name: 3,
    max_instances: 5,
};

/// An HTTP client (reqwest needs the process's TLS provider installed before it builds one).
pub fn http_client() -> reqwest::Client {
    gofed_registry::tls::client_builder()
        .build()
        .expect("an HTTP client")
}
