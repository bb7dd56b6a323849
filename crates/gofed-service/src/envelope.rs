//! Wire types of the envelope, shared by the server and the client.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// Code and message of an error; codes are listed in [`crate::error`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
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
///
/// A request names data, never a place: a service resolves `sha256` against the `filestorage` instances that its
/// registry or configuration knows, and uses `origin` only to try first the one of those that has the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FileRef {
    /// Lowercase hex sha256 of the content (checked when decoded: anything else is refused).
    pub sha256: Sha256,
    /// Size in bytes.
    pub size: u64,
    /// Base URL of the instance that stored it, when known: a hint, used only when it is one of the `filestorage`
    /// instances the service knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
}

/// A content address: exactly 64 lowercase hexadecimal digits, checked on construction and when decoded, so that a
/// value of this type is safe in a URL path or a file name (no `/`, `..`, `?` or `%`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Sha256(String);

/// Why a text is not a [`Sha256`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a sha256 (64 lowercase hexadecimal digits): {shown:?}")]
pub struct InvalidSha256 {
    /// The start of the text (at most 80 characters: the text is untrusted and may be huge).
    shown: String,
}

impl Sha256 {
    /// The hex text, if it is 64 lowercase hexadecimal digits.
    pub fn parse(text: &str) -> Result<Sha256, InvalidSha256> {
        if text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
            Ok(Sha256(text.to_owned()))
        } else {
            Err(InvalidSha256 {
                shown: text.chars().take(80).collect(),
            })
        }
    }

    /// The sha256 of `bytes`.
    pub fn of(bytes: &[u8]) -> Sha256 {
        use sha2::Digest as _;
        Sha256(hex::encode(sha2::Sha256::digest(bytes)))
    }

    /// From a finished hasher.
    pub fn from_hasher(hasher: sha2::Sha256) -> Sha256 {
        use sha2::Digest as _;
        Sha256(hex::encode(hasher.finalize()))
    }

    /// The 64 hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Sha256 {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Sha256 {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl FromStr for Sha256 {
    type Err = InvalidSha256;

    fn from_str(text: &str) -> Result<Sha256, InvalidSha256> {
        Sha256::parse(text)
    }
}

impl<'de> Deserialize<'de> for Sha256 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Sha256, D::Error> {
        let text = String::deserialize(d)?;
        Sha256::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for Sha256 {
    fn schema_name() -> Cow<'static, str> {
        "Sha256".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "pattern": "^[0-9a-f]{64}$",
            "description": "sha256 of the content: 64 lowercase hexadecimal digits"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_is_checked_when_decoded() {
        let good = "ab".repeat(32);
        let file: FileRef =
            serde_json::from_value(serde_json::json!({"sha256": good, "size": 1})).unwrap();
        assert_eq!(file.sha256.as_str(), good);
        assert_eq!(Sha256::of(b"").as_str().len(), 64);
        for bad in [
            "../../internal/admin?q=".to_owned(),
            "AB".repeat(32),
            "ab".repeat(31),
            format!("{}/", "a".repeat(63)),
            "a".repeat(100_000),
        ] {
            let err =
                serde_json::from_value::<FileRef>(serde_json::json!({"sha256": bad, "size": 1}))
                    .unwrap_err();
            assert!(err.to_string().contains("not a sha256"), "{err}");
            assert!(
                err.to_string().len() < 200,
                "the message quotes a bounded prefix"
            );
        }
    }
}
