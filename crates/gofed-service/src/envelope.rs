//! Wire types of the envelope, shared by the server and the client.

use serde::{Deserialize, Serialize};

/// The answer to `POST /v1/actions/{action}`: the action's output and where and when it was computed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionResponse<T> {
    /// The action's output document.
    pub result: T,
    /// Who computed it, and when.
    pub meta: Meta,
}

/// Provenance of one action result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    /// Name of the service that hosts the action.
    pub service: String,
    /// Version of that service.
    pub service_version: String,
    /// Instance id of the envelope process (random per start).
    pub instance: String,
    /// Host name of the machine.
    pub hostname: String,
    /// When the call started (RFC 3339, UTC).
    pub started: String,
    /// When the call finished (RFC 3339, UTC).
    pub finished: String,
    /// Wall time of the call in milliseconds.
    pub duration_ms: u64,
    /// Whether the result came from a cache (always false in the envelope itself).
    pub cached: bool,
}

/// The error document: `{"error": {"code": ..., "message": ...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// Code and message of an error; codes are listed in [`crate::error`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Stable snake_case code.
    pub code: String,
    /// Human-readable message.
    pub message: String,
}

/// The answer to `GET /v1/info`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Info {
    /// Instance id of the envelope process.
    pub instance: String,
    /// Host name of the machine.
    pub hostname: String,
    /// When the envelope started (RFC 3339, UTC).
    pub started: String,
    /// The hosted services.
    pub services: Vec<ServiceInfo>,
}

/// One hosted service in [`Info`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServiceInfo {
    /// Service name, e.g. `api`.
    pub name: String,
    /// Service version.
    pub version: String,
    /// What the service does.
    pub description: String,
    /// Its actions.
    pub actions: Vec<ActionInfo>,
}

/// One action in [`ServiceInfo`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionInfo {
    /// Action name, unique across the system.
    pub name: String,
    /// What the action does.
    pub doc: String,
    /// JSON Schema of the input document.
    pub input_schema: serde_json::Value,
    /// JSON Schema of the output document.
    pub output_schema: serde_json::Value,
}

/// The answer to `PUT /v1/files/{sha256}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileInfo {
    /// Lowercase hex sha256 of the content.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// A file the system holds, as passed between services: its content address and where it was stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FileRef {
    /// Lowercase hex sha256 of the content.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Base URL of the instance that stored it (`GET {origin}/v1/files/{sha256}`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}
