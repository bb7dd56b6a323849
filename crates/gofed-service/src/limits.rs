//! Limits: the concurrency limit on action calls, action timeouts and body sizes.
//!
//! **Concurrency.** At most `max_concurrent_calls` action calls run at once. A call beyond that is *rejected* at
//! once with 503 `overloaded`, not queued: a client balancing over several instances can retry elsewhere, and a queue
//! would only hide overload behind growing latency. File transfers are not counted (they are I/O-bound and limited
//! by their body size).
//!
//! **Timeouts.** Each call has its action's timeout (`action_timeout_ms`, overridable per action); past it the
//! client gets 504 `timeout`. An async action is cancelled there. A blocking action's thread cannot be stopped from
//! outside: its [`crate::Cancel`] is set, which the work checks to end early; its permit is released at once.
//!
//! **Bodies.** Action inputs are limited to `json_body_limit` bytes and files to `file_body_limit` (413
//! `payload_too_large`), checked against `Content-Length` up front and against the bytes actually received.
//!
//! **Slow clients.** A connection has `header_read_timeout_ms` to send its request headers (hyper's
//! `header_read_timeout`), after which it is closed. An action's body is read whole, within `body_read_timeout_ms`,
//! *before* a concurrency permit is taken: slow senders hold a connection, never a permit, and get 408
//! `request_timeout`. An upload must keep sending: each piece of its body within `body_read_timeout_ms`. Every
//! connection is served by its own task, so a slow client never blocks others.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderMap};
use bytes::Bytes;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ServiceError;

/// Admission control for action calls: a semaphore that rejects instead of queueing.
#[derive(Debug, Clone)]
pub(crate) struct CallLimiter {
    permits: Arc<Semaphore>,
    limit: usize,
}

impl CallLimiter {
    pub(crate) fn new(limit: usize) -> CallLimiter {
        let limit = limit.max(1);
        CallLimiter {
            permits: Arc::new(Semaphore::new(limit)),
            limit,
        }
    }

    /// A permit, or `overloaded` when all are taken.
    pub(crate) fn try_acquire(&self) -> Result<OwnedSemaphorePermit, ServiceError> {
        Arc::clone(&self.permits)
            .try_acquire_owned()
            .map_err(|_| ServiceError::Overloaded { limit: self.limit })
    }
}

/// Run `fut` with the action's timeout.
pub(crate) async fn with_timeout<T>(
    action: &str,
    timeout: Duration,
    fut: impl Future<Output = Result<T, ServiceError>>,
) -> Result<T, ServiceError> {
    match tokio::time::timeout(timeout, fut).await {
        Ok(result) => result,
        Err(_) => Err(ServiceError::Timeout {
            action: action.to_owned(),
            ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
        }),
    }
}

/// Reject a body whose declared `Content-Length` exceeds `limit`.
pub(crate) fn check_content_length(headers: &HeaderMap, limit: u64) -> Result<(), ServiceError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(len) if len > limit => Err(ServiceError::PayloadTooLarge { limit }),
        _ => Ok(()),
    }
}

/// Read a whole body of at most `limit` bytes, within `deadline` (else 408 `request_timeout`).
pub(crate) async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: u64,
    deadline: Duration,
) -> Result<Bytes, ServiceError> {
    check_content_length(headers, limit)?;
    let max = usize::try_from(limit).unwrap_or(usize::MAX);
    let collected = tokio::time::timeout(deadline, Limited::new(body, max).collect())
        .await
        .map_err(|_| ServiceError::RequestTimeout {
            ms: u64::try_from(deadline.as_millis()).unwrap_or(u64::MAX),
        })?;
    match collected {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) if err.is::<LengthLimitError>() => Err(ServiceError::PayloadTooLarge { limit }),
        Err(err) => Err(ServiceError::invalid_input(
            ".",
            format!("cannot read the request body: {err}"),
        )),
    }
}
