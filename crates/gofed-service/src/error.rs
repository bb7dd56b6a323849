//! [`ServiceError`]: every error an action or the envelope answers with.
//!
//! Every error travels as `{"error": {"code": "...", "message": "..."}}` with the HTTP status below. The codes are
//! stable: clients match on them, never on messages.
//!
//! | code                | status | meaning |
//! |---------------------|--------|---------|
//! | `unknown_action`    | 404    | no hosted service has this action; the message lists the known actions |
//! | `invalid_input`     | 400    | the input document does not match the action's input type; the message names the field |
//! | `unauthorized`      | 401    | a token is configured and the request has none or a wrong one |
//! | `forbidden`         | 403    | the token is known, but its scope does not cover the request (a `read` token uploading) |
//! | `not_found`         | 404    | no blob with this sha256, or no such route |
//! | `method_not_allowed`| 405    | the route exists, the method does not |
//! | `hash_mismatch`     | 400    | an uploaded blob does not hash to the sha256 it was sent to |
//! | `payload_too_large` | 413    | the body exceeds the configured limit |
//! | `request_timeout`   | 408    | the request body did not arrive within `body_read_timeout_ms` |
//! | `timeout`           | 504    | the action did not finish within its timeout |
//! | `overloaded`        | 503    | the concurrency limit is reached; retry later or on another instance |
//! | `unprocessable`     | 422    | the input is well-formed but the action cannot work on it (e.g. no such tree); the message says why |
//! | `internal`          | 500    | anything else; details are logged on the server, never sent |

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::envelope::{ErrorBody, ErrorDetail};

/// Boxed error source kept by [`ServiceError::Internal`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The one error type of actions and of the envelope. Each variant's doc names its code and HTTP status.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceError {
    /// `unknown_action`, 404.
    #[error("unknown action `{action}`; known actions: {}", known.join(", "))]
    UnknownAction {
        /// The requested name.
        action: String,
        /// Every action the envelope hosts, sorted.
        known: Vec<String>,
    },
    /// `invalid_input`, 400. `field` is the serde path of the offending field (`.` for the document itself).
    #[error("invalid input at `{field}`: {message}")]
    InvalidInput {
        /// Path of the field, e.g. `files[2].path`.
        field: String,
        /// What is wrong with it.
        message: String,
    },
    /// `unauthorized`, 401.
    #[error("missing or wrong bearer token")]
    Unauthorized,
    /// `forbidden`, 403.
    #[error("the token's scope `{}` does not allow this; it needs `{}`", granted.as_str(), needed.as_str())]
    Forbidden {
        /// The scope the request needs.
        needed: crate::config::Scope,
        /// The token's.
        granted: crate::config::Scope,
    },
    /// `not_found`, 404.
    #[error("{0} not found")]
    NotFound(String),
    /// `method_not_allowed`, 405.
    #[error("method not allowed on this route")]
    MethodNotAllowed,
    /// `hash_mismatch`, 400.
    #[error("body hashes to sha256 {actual}, not {expected}")]
    HashMismatch {
        /// The sha256 in the URL.
        expected: String,
        /// The sha256 of the bytes received.
        actual: String,
    },
    /// `payload_too_large`, 413.
    #[error("body larger than the limit of {limit} bytes")]
    PayloadTooLarge {
        /// The limit that applied, in bytes.
        limit: u64,
    },
    /// `request_timeout`, 408: the client did not send its body in time (the connection is closed).
    #[error("the request body did not arrive within {ms} ms")]
    RequestTimeout {
        /// The deadline in milliseconds.
        ms: u64,
    },
    /// `timeout`, 504.
    #[error("action `{action}` did not finish within {ms} ms")]
    Timeout {
        /// The action that timed out.
        action: String,
        /// Its timeout in milliseconds.
        ms: u64,
    },
    /// `overloaded`, 503.
    #[error("too many concurrent calls (limit {limit}); retry later")]
    Overloaded {
        /// The concurrency limit.
        limit: usize,
    },
    /// `unprocessable`, 422: the action ran and failed on this input; the message is for the user.
    #[error("{0}")]
    Unprocessable(String),
    /// `internal`, 500. The context and source are logged, the client only sees "internal error".
    #[error("{context}: {source}")]
    Internal {
        /// What was being done.
        context: String,
        /// The underlying error.
        source: BoxError,
    },
}

impl ServiceError {
    /// An `internal` error with context, e.g. `ServiceError::internal("writing blob", err)`.
    pub fn internal(context: impl Into<String>, source: impl Into<BoxError>) -> Self {
        ServiceError::Internal {
            context: context.into(),
            source: source.into(),
        }
    }

    /// An `invalid_input` error for one field.
    pub fn invalid_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        ServiceError::InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }

    /// An `unprocessable` error: the input is well-formed, the action cannot work on it.
    pub fn unprocessable(message: impl Into<String>) -> Self {
        ServiceError::Unprocessable(message.into())
    }

    /// The stable snake_case code (see the table in the module doc).
    pub fn code(&self) -> &'static str {
        match self {
            ServiceError::UnknownAction { .. } => "unknown_action",
            ServiceError::InvalidInput { .. } => "invalid_input",
            ServiceError::Unauthorized => "unauthorized",
            ServiceError::Forbidden { .. } => "forbidden",
            ServiceError::NotFound(_) => "not_found",
            ServiceError::MethodNotAllowed => "method_not_allowed",
            ServiceError::HashMismatch { .. } => "hash_mismatch",
            ServiceError::PayloadTooLarge { .. } => "payload_too_large",
            ServiceError::RequestTimeout { .. } => "request_timeout",
            ServiceError::Timeout { .. } => "timeout",
            ServiceError::Overloaded { .. } => "overloaded",
            ServiceError::Unprocessable(_) => "unprocessable",
            ServiceError::Internal { .. } => "internal",
        }
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            ServiceError::UnknownAction { .. } | ServiceError::NotFound(_) => StatusCode::NOT_FOUND,
            ServiceError::InvalidInput { .. } | ServiceError::HashMismatch { .. } => {
                StatusCode::BAD_REQUEST
            }
            ServiceError::Unauthorized => StatusCode::UNAUTHORIZED,
            ServiceError::Forbidden { .. } => StatusCode::FORBIDDEN,
            ServiceError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ServiceError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ServiceError::RequestTimeout { .. } => StatusCode::REQUEST_TIMEOUT,
            ServiceError::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
            ServiceError::Overloaded { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ServiceError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ServiceError::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message sent to clients: the display text, except for `internal`, whose details stay in the log.
    pub fn public_message(&self) -> String {
        match self {
            ServiceError::Internal { .. } => "internal error".to_owned(),
            other => other.to_string(),
        }
    }

    /// The wire form of this error.
    pub fn to_body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code().to_owned(),
                message: self.public_message(),
            },
        }
    }
}

impl IntoResponse for ServiceError {
    fn into_response(self) -> Response {
        if let ServiceError::Internal { context, source } = &self {
            tracing::error!(%context, error = %source, "internal error");
        }
        let mut response = (self.status(), Json(self.to_body())).into_response();
        if matches!(self, ServiceError::RequestTimeout { .. }) {
            // The rest of a slow body is not worth waiting for: the connection ends with this answer.
            response.headers_mut().insert(
                axum::http::header::CONNECTION,
                axum::http::HeaderValue::from_static("close"),
            );
        }
        if matches!(self, ServiceError::Unauthorized) {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

/// An error and its causes on one line (reqwest's own message alone says only "error sending request"; the cause
/// says "Connection refused"). Causes already quoted by their parent are skipped.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(err) = cause {
        let message = err.to_string();
        if !text.contains(&message) {
            text.push_str(": ");
            text.push_str(&message);
        }
        cause = err.source();
    }
    text
}

/// Turn a `serde_path_to_error` failure into `invalid_input` naming the field.
pub(crate) fn from_path_error(err: serde_path_to_error::Error<serde_json::Error>) -> ServiceError {
    let path = err.path().to_string();
    ServiceError::InvalidInput {
        field: path,
        message: err.into_inner().to_string(),
    }
}
