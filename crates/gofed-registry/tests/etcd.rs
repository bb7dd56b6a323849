//! The etcd backend against a real etcd: each test starts its own `etcd` on loopback (free ports,
//! a temporary data directory) and stops it at the end.
//!
//! Needs the `etcd` binary (Debian: `apt-get install -y etcd-server`). Without it the tests print
//! a loud SKIP and pass, unless `CI=true`, where they fail.

mod common;
mod etcd_process;

use std::sync::Arc;
use std::time::Duration;

use common::{http_client, Timing};
use etcd_process::{free_port, start_etcd, Etcd};
use gofed_registry::{EtcdConfig, EtcdRegistry, Registry, RegistryError};

/// etcd counts lease TTLs in whole seconds, so 1 s is the shortest. It checks for expired leases
/// every 500 ms; the slack covers that and a loaded machine.
const T: Timing = Timing {
    ttl: Duration::from_secs(1),
    heartbeat: Duration::from_millis(250),
    slack: Duration::from_millis(1500),
};

impl Etcd {
    fn registry(&self) -> Arc<dyn Registry> {
        let config = EtcdConfig {
            endpoint: self.endpoint.clone(),
            ..EtcdConfig::default()
        };
        Arc::new(EtcdRegistry::new(&config).expect("etcd client"))
    }

    /// The raw gateway, to check the key layout and to tamper with the registry's state.
    async fn gateway(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        http_client()
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
async fn etcd_invalid_fields() {
    let Some(etcd) = start_etcd("etcd_invalid_fields").await else {
        return;
    };
    common::invalid_fields(&*etcd.registry(), T).await;
}

#[tokio::test]
async fn etcd_bounded_instances() {
    let Some(etcd) = start_etcd("etcd_bounded_instances").await else {
        return;
    };
    let config = EtcdConfig {
        endpoint: etcd.endpoint.clone(),
        ..EtcdConfig::default()
    };
    let registry = EtcdRegistry::new(&config)
        .expect("etcd client")
        .with_limits(common::SMALL_LIMITS);
    common::bounded_instances(&registry, T).await;
}

/// Others may write under the prefix: a well-formed instance whose address clients cannot use is
/// skipped by lookups, and the valid instance of the same service is still found.
#[tokio::test]
async fn etcd_skips_foreign_entries_with_unusable_addresses() {
    let Some(etcd) = start_etcd("etcd_skips_foreign_entries_with_unusable_addresses").await else {
        return;
    };
    let registry = etcd.registry();
    registry
        .register(common::instance("api", "good", Duration::from_secs(60)))
        .await
        .expect("register");
    for (id, address) in [("bad", "not a url"), ("path", "http://127.0.0.1:9/x")] {
        let value = serde_json::json!({
            "name": "api", "instance_id": id, "address": address, "ttl_ms": 60000
        });
        etcd.gateway(
            "/v3/kv/put",
            serde_json::json!({
                "key": b64(&format!("/gofed/services/api/{id}")),
                "value": b64(&value.to_string())
            }),
        )
        .await;
    }
    let found = registry.lookup("api").await.expect("lookup");
    let ids: Vec<&str> = found.iter().map(|i| i.instance_id.as_str()).collect();
    assert_eq!(ids, ["good"]);
    assert_eq!(registry.list().await.expect("list").len(), 1);
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
