//! The `System` client against real envelopes on loopback (fixed placements, no registry): a refusing instance is
//! tried once and skipped; an instance that comes back is used again; a non-retryable error is not retried.

use std::sync::Arc;
use std::time::Duration;

use gofed_service::{
    serve, ClientConfig, Placement, ServerConfig, Service, ServiceError, System, SystemConfig,
    SystemError,
};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

fn echo() -> Service {
    Service::new("echo", "1", "echoes")
        .action("echo", "the input", |text: String| async move { Ok(text) })
        .action("fail", "always invalid", |_: String| async move {
            Err::<String, _>(ServiceError::invalid_input(".", "never valid"))
        })
        .action(
            "slow",
            "sleeps past its 100 ms timeout",
            |_: String| async move {
                tokio::time::sleep(Duration::from_secs(5)).await;
                Ok::<String, ServiceError>("late".to_owned())
            },
        )
}

/// An envelope on `listener` until the returned sender is dropped or fired.
fn start(listener: TcpListener, blobs: &std::path::Path) -> oneshot::Sender<()> {
    let (stop, stopped) = oneshot::channel::<()>();
    let mut config = ServerConfig {
        blob_dir: Some(blobs.to_owned()),
        ..ServerConfig::default()
    };
    config.action_timeouts_ms.insert("slow".to_owned(), 100);
    tokio::spawn(serve(listener, vec![echo()], config, async {
        let _ = stopped.await;
    }));
    stop
}

fn system(urls: Vec<String>, max_attempts: u32) -> System {
    let mut config = SystemConfig {
        max_attempts,
        retry_wait_ms: 100,
        ..SystemConfig::default()
    };
    config
        .placement
        .insert("echo".to_owned(), Placement::Fixed(urls));
    System::new(vec![echo()], config, ClientConfig::default(), None)
}

/// A loopback URL where nothing listens (bound, then released).
async fn refused_url() -> (String, std::net::SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    (format!("http://{addr}"), addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusing_instance_is_tried_once_then_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let live = format!("http://{}", listener.local_addr().unwrap());
    let _stop = start(listener, dir.path());
    let (dead, _) = refused_url().await;
    let system = Arc::new(system(vec![dead.clone(), live.clone()], 4));
    for i in 0..20 {
        let out: String = system.call("echo", format!("m{i}")).await.unwrap();
        assert_eq!(out, format!("m{i}"));
    }
    let calls = system.calls_per_instance();
    assert_eq!(calls.get(&dead), Some(&1), "{calls:?}");
    assert_eq!(calls.get(&live), Some(&20), "{calls:?}");

    // An error the action answers is not retried elsewhere.
    let err = system
        .call::<_, String>("fail", "x".to_owned())
        .await
        .unwrap_err();
    assert!(matches!(err, SystemError::Remote(_)), "{err}");
    assert_eq!(system.calls_per_instance().get(&live), Some(&21));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_that_comes_back_is_used_again() {
    let dir = tempfile::tempdir().unwrap();
    let (url, addr) = refused_url().await;
    let system = Arc::new(system(vec![url.clone()], 20));
    let call = {
        let system = Arc::clone(&system);
        tokio::spawn(async move { system.call::<_, String>("echo", "back".to_owned()).await })
    };
    // The first attempts are refused; the instance starts on the same port a little later.
    tokio::time::sleep(Duration::from_millis(400)).await;
    let _stop = start(TcpListener::bind(addr).await.unwrap(), dir.path());
    let out = call.await.unwrap().unwrap();
    assert_eq!(out, "back");
    assert!(system.calls_per_instance()[&url] >= 2);

    // Without an instance at all, the call gives up after its attempts.
    let (gone, _) = refused_url().await;
    let err = system_with_gone(gone).await;
    assert!(
        matches!(err, SystemError::Exhausted { attempts: 3, .. }),
        "{err}"
    );
}

async fn system_with_gone(url: String) -> SystemError {
    system(vec![url], 3)
        .call::<_, String>("echo", "x".to_owned())
        .await
        .unwrap_err()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timed_out_call_is_not_retried_and_names_its_instance() {
    let dir = tempfile::tempdir().unwrap();
    let mut urls = Vec::new();
    let mut stops = Vec::new();
    for i in 0..2 {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        urls.push(format!("http://{}", listener.local_addr().unwrap()));
        stops.push(start(listener, &dir.path().join(i.to_string())));
    }
    let system = system(urls.clone(), 8);
    let err = system
        .call::<_, String>("slow", "x".to_owned())
        .await
        .unwrap_err();
    let SystemError::NotRetried { instance, .. } = &err else {
        panic!("{err}");
    };
    assert!(urls.contains(instance), "{err}");
    assert!(err.to_string().contains(instance.as_str()), "{err}");
    let calls = system.calls_per_instance();
    assert_eq!(calls.values().sum::<u64>(), 1, "{calls:?}");
    // The instance is not marked down for it: the next call goes anywhere.
    let out: String = system.call("echo", "after".to_owned()).await.unwrap();
    assert_eq!(out, "after");
    drop(stops);
}
