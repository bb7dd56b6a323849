//! Bearer tokens and their scopes, as the servers (the registry, the service envelope) check them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a token allows, each including the ones before. In the service envelope: `read` (analyses, downloads,
/// views), `write` (uploads, fetching into storage, recording results in the store), `admin` (everything). In the
/// registry: `read` (lookups, listings), `write` (registering, heartbeats and deregistering the instances the same
/// token registered), `admin` (deregistering or replacing any instance).
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Analyses, downloads, REST views; registry lookups.
    #[default]
    Read,
    /// Uploads, fetching into storage, recording in the store; registering one's own instances.
    Write,
    /// Everything.
    Admin,
}

impl Scope {
    /// `read`, `write`, `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Admin => "admin",
        }
    }
}

impl FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "read" => Ok(Scope::Read),
            "write" => Ok(Scope::Write),
            "admin" => Ok(Scope::Admin),
            _ => Err(format!("expected read, write or admin, found {s:?}")),
        }
    }
}

/// A token and what it allows (`[[server.tokens]]`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopedToken {
    /// The bearer token.
    pub token: String,
    /// What it allows.
    pub scope: Scope,
}

impl fmt::Debug for ScopedToken {
    // Never the token itself: configurations get logged.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScopedToken")
            .field("token", &"***")
            .field("scope", &self.scope)
            .finish()
    }
}

/// Which of `credentials` `given` is (its index; the best scope when several are equal). Every token is
/// compared, so the time taken does not tell which one (or how many) matched.
pub fn grant(credentials: &[ScopedToken], given: &str) -> Option<(usize, Scope)> {
    credentials
        .iter()
        .enumerate()
        .fold(None, |best: Option<(usize, Scope)>, (i, c)| {
            let matches = constant_time_eq(given.as_bytes(), c.token.as_bytes());
            match best {
                Some((_, scope)) if !matches || scope >= c.scope => best,
                _ if matches => Some((i, c.scope)),
                _ => best,
            }
        })
}

/// The bearer token of a request's `Authorization` header, if it has one.
pub fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
}

/// Compares without an early exit, so the time taken does not tell how much of a guess was right.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        let mut headers = axum::http::HeaderMap::new();
        assert_eq!(bearer(&headers), None);
        headers.insert(
            axum::http::header::AUTHORIZATION,
            axum::http::HeaderValue::from_static("Bearer s3cret "),
        );
        assert_eq!(bearer(&headers), Some("s3cret"));
        assert!(constant_time_eq(b"s3cret", b"s3cret"));
        assert!(!constant_time_eq(b"s3cret", b"s3cres"));
        assert!(!constant_time_eq(b"s3cret", b"s3cre"));
        let credentials = [
            ScopedToken {
                token: "r".to_owned(),
                scope: Scope::Read,
            },
            ScopedToken {
                token: "w".to_owned(),
                scope: Scope::Write,
            },
            ScopedToken {
                token: "r".to_owned(),
                scope: Scope::Admin,
            },
        ];
        assert_eq!(grant(&credentials, "r"), Some((2, Scope::Admin)));
        assert_eq!(grant(&credentials, "w"), Some((1, Scope::Write)));
        assert_eq!(grant(&credentials, "x"), None);
    }
}
