//! Request ids: one id follows a piece of work from the client through every service it calls (and the
//! storage those call), in the `X-Request-Id` header and in every log line (a `request` span), so that one
//! command's doings can be found in each process's logs.
//!
//! A command line run has one id for the whole process; a service takes the id of the request it answers
//! (or makes one when the caller sent none or a malformed one) and its own outgoing calls carry it on.

use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::sync::{Arc, OnceLock};

/// The header.
pub const HEADER: &str = "x-request-id";

tokio::task_local! {
    static CURRENT: Arc<str>;
}

static PROCESS: OnceLock<Arc<str>> = OnceLock::new();

/// A new id: 16 hex digits, random.
pub fn new_id() -> String {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u32(std::process::id());
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    format!("{:016x}", hasher.finish())
}

/// The id of the work in hand: the request being answered, else this process's own.
pub fn current() -> Arc<str> {
    CURRENT
        .try_with(Arc::clone)
        .unwrap_or_else(|_| Arc::clone(PROCESS.get_or_init(|| new_id().into())))
}

/// Runs `work` as part of request `id` (its outgoing calls carry it).
pub async fn scope<F: Future>(id: Arc<str>, work: F) -> F::Output {
    CURRENT.scope(id, work).await
}

/// Whether a caller's id may be taken as it is: 1 to 64 characters of `[A-Za-z0-9._-]` (it goes into logs).
pub fn is_valid(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_request_in_hand_overrides_the_process() {
        let process = current();
        assert_eq!(process.len(), 16);
        assert_eq!(current(), process);
        let inner = scope("abc".into(), async { current() }).await;
        assert_eq!(&*inner, "abc");
        assert_eq!(current(), process);
        assert!(is_valid("a-b_c.1"));
        assert!(!is_valid(""));
        assert!(!is_valid("a b"));
        assert!(!is_valid(&"x".repeat(65)));
    }
}
