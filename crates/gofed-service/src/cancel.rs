//! [`Cancel`]: a cooperative cancellation flag for blocking work.
//!
//! A thread cannot be stopped from outside, so a blocking action is handed a [`Cancel`] and checks it in its loops
//! (cheaply: one relaxed atomic load), as rust-analyzer's queries check salsa's `Cancelled`. The envelope sets it
//! when the work's result can no longer reach anyone:
//! - the action's timeout fires (the client gets 504),
//! - the client's call is dropped (its connection closed),
//! - the envelope shuts down past its grace period;
//!
//! all three drop the future that awaits the work, and [`run_blocking`] sets the flag when that future is dropped
//! before the work ends.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A cheap, clonable handle on one cancellation flag.
#[derive(Clone, Debug, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A flag not set.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Set the flag: the work should stop as soon as it looks.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether the work should stop.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// The flag itself, for libraries that take an `Arc<AtomicBool>` (e.g. `gofed_go`'s analysis budget).
    pub fn flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.0)
    }

    /// A guard that sets the flag when dropped, unless [`CancelOnDrop::disarm`]ed first.
    pub fn on_drop(&self) -> CancelOnDrop {
        CancelOnDrop(Some(self.clone()))
    }
}

/// Sets its [`Cancel`] when dropped (see [`Cancel::on_drop`]).
#[derive(Debug)]
pub struct CancelOnDrop(Option<Cancel>);

impl CancelOnDrop {
    /// The work is over: dropping the guard no longer cancels.
    pub fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(cancel) = self.0.take() {
            cancel.cancel();
        }
    }
}

/// Runs `f` on tokio's blocking pool with a fresh [`Cancel`], which is set if the returned future is dropped before
/// `f` has returned (a timeout, a dropped call, shutdown). A panic in `f` is the `Err`.
pub async fn run_blocking<T: Send + 'static>(
    f: impl FnOnce(Cancel) -> T + Send + 'static,
) -> Result<T, tokio::task::JoinError> {
    let cancel = Cancel::new();
    let guard = cancel.on_drop();
    let result = tokio::task::spawn_blocking(move || f(cancel)).await;
    guard.disarm();
    result
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn dropping_the_future_cancels_the_work() {
        let (seen_tx, seen_rx) = std::sync::mpsc::channel();
        let work = run_blocking(move |cancel| {
            while !cancel.is_cancelled() {
                std::thread::sleep(Duration::from_millis(1));
            }
            let _ = seen_tx.send(());
        });
        assert!(tokio::time::timeout(Duration::from_millis(50), work)
            .await
            .is_err());
        // The timeout dropped the future: the work saw the flag and ended.
        assert!(seen_rx.recv_timeout(Duration::from_secs(10)).is_ok());

        // Work that ends normally is not cancelled afterwards.
        let flag = run_blocking(|cancel| cancel.flag()).await.unwrap();
        assert!(!flag.load(Ordering::Relaxed));
    }
}
