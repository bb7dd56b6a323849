//! The result cache: every analysis's rendered result is kept in the store under its [`ResultKey`] (action,
//! input digest, options digest, engine), and a repeated call with the same key is answered from there.
//!
//! - The **input digest** names exactly what the analysis reads: a directory's mount, root and the content of
//!   every file the loader reads ([`crate::bundle::digest`]); an uploaded bundle or artifact by its sha256; an
//!   artifact file of this machine by the sha256 of its bytes; a git revision by its repository and commit id.
//!   Names and mount points are part of it too, since they appear in results.
//! - The **options digest** covers the rest of the request (build context, format, flags) and the GOROOT it
//!   names, by path and `VERSION`.
//! - The **engine** is [`ENGINE`]: a digest of the code and data that compute results, so that a new build never
//!   serves what an older one stored.
//!
//! The cache never changes an answer: a store that cannot be read or written is logged and the analysis runs;
//! a corrupted result (the store checks sha256 on read) is computed again and replaced. What it answers is
//! marked: [`Rendered::cached`], and `"cached": true` in a JSON document's `meta`.

use gofed_store::{ResultKey, ResultWriter, Sha256, Store};
use serde::Serialize;
use serde_json::value::RawValue;
use sha2::Digest as _;

use crate::record::Record;
use crate::request::{ArtifactAt, MachinePaths, Output, Rendered, Source};

/// The engine that computes results: this crate's version and a digest of every source file and data file
/// whose change can change a result (computed by `build.rs`).
pub const ENGINE: &str = concat!(env!("CARGO_PKG_VERSION"), "+", env!("GOFED_ENGINE_DIGEST"));

/// The JSON member every document's `meta` carries, as the pretty printer writes it.
const NOT_CACHED: &str = "\"cached\": false";
const CACHED: &str = "\"cached\": true";

/// Results of the analyses, kept in a store.
#[derive(Clone)]
pub struct ResultCache {
    store: Store,
}

impl std::fmt::Debug for ResultCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResultCache").finish_non_exhaustive()
    }
}

impl ResultCache {
    /// A cache keeping results in `store`.
    pub fn new(store: Store) -> ResultCache {
        ResultCache { store }
    }

    /// The store the results are kept in.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The key of `action` on `sources` with the other options of `request`; `None` when a source cannot be
    /// keyed here (a path on a service that reads none: opening the tree refuses it). The request's sources
    /// must be its fields `source`, `old` and `new`.
    pub(crate) async fn key<Req: Serialize + MachinePaths>(
        &self,
        action: &'static str,
        sources: Vec<Source>,
        request: &Req,
        allow_paths: bool,
    ) -> Option<ResultKey> {
        let options = match options_digest(request) {
            Ok(digest) => digest,
            Err(err) => {
                tracing::warn!(action, "result cache: options not keyed: {err}");
                return None;
            }
        };
        let input = gofed_service::run_blocking(move |_| input_digest(&sources, allow_paths)).await;
        match input {
            Ok(Ok(Some(input_digest))) => Some(ResultKey {
                action: action.to_owned(),
                input_digest,
                options_digest: options,
                engine_version: ENGINE.to_owned(),
            }),
            Ok(Ok(None)) => None,
            // The analysis reads the same input and reports the problem in its own words.
            Ok(Err(err)) => {
                tracing::debug!(action, "result cache: input not keyed: {err}");
                None
            }
            Err(err) => {
                tracing::warn!(action, "result cache: keying failed: {err}");
                None
            }
        }
    }

    /// The stored result of `key`, marked cached, with its stored bytes; `None` when there is none or it cannot
    /// be read.
    pub(crate) async fn get(&self, key: &ResultKey) -> Option<(Rendered, Vec<u8>)> {
        let bytes = match self.store.get_result(key).await {
            Ok(bytes) => bytes?,
            Err(err) => {
                tracing::warn!(%key, "result cache: not read, analysing again: {err}");
                return None;
            }
        };
        match serde_json::from_slice::<Rendered>(&bytes) {
            Ok(rendered) => Some((mark_cached(rendered), bytes)),
            Err(err) => {
                tracing::warn!(%key, "result cache: stored result unreadable, analysing again: {err}");
                None
            }
        }
    }

    /// Stores `rendered` under `key` (a failure is logged: the caller has its result either way).
    pub(crate) async fn put(&self, key: &ResultKey, rendered: &Rendered) {
        let stored = match written(rendered) {
            Ok(written) => (self.store.put_written_result(key, written, None).await)
                .map(drop)
                .map_err(|err| err.to_string()),
            Err(err) => Err(err.to_string()),
        };
        if let Err(err) = stored {
            tracing::warn!(%key, "result cache: not stored: {err}");
        }
    }

    /// Stores the result `written` (a serialised [`Rendered`]) under `key`, recorded under `record`: the
    /// caller asked for it, so a failure is the call's.
    pub(crate) async fn record(
        &self,
        key: &ResultKey,
        written: ResultWriter,
        record: &Record,
    ) -> Result<(), gofed_store::StoreError> {
        record.put(&self.store).await?;
        self.store
            .put_written_result(key, written, Some(&record.subject()))
            .await
            .map(drop)
    }
}

/// `rendered` serialised as stored, compressed as it is written (the JSON of a big result is
/// never held whole).
pub(crate) fn written(rendered: &Rendered) -> std::io::Result<ResultWriter> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, ResultWriter::new()?);
    serde_json::to_writer(&mut out, rendered)?;
    out.into_inner()
        .map_err(std::io::IntoInnerError::into_error)
}

/// Stored bytes of a result, to be stored again.
pub(crate) fn written_bytes(bytes: &[u8]) -> std::io::Result<ResultWriter> {
    let mut out = ResultWriter::new()?;
    std::io::Write::write_all(&mut out, bytes)?;
    Ok(out)
}

/// `rendered` as answered from the store: [`Rendered::cached`] set and, in a JSON document, `meta.cached` true.
/// `cached` is a member of `meta` only, and a JSON string cannot hold `"cached": false` unescaped, so the one
/// occurrence is the member itself; a document without exactly one (none has) is left as it is.
fn mark_cached(mut rendered: Rendered) -> Rendered {
    rendered.cached = true;
    if let Output::Json(raw) = &rendered.output {
        let text = raw.get();
        if text.matches(NOT_CACHED).count() == 1 {
            if let Ok(marked) = RawValue::from_string(text.replacen(NOT_CACHED, CACHED, 1)) {
                rendered.output = Output::Json(marked);
            }
        }
    }
    rendered
}

/// The digest of the request without its sources and cache flag, and of the GOROOT it names.
fn options_digest<Req: Serialize + MachinePaths>(
    request: &Req,
) -> Result<Sha256, serde_json::Error> {
    let mut value = serde_json::to_value(request)?;
    if let Some(fields) = value.as_object_mut() {
        for name in ["source", "old", "new", "no_cache", "record"] {
            fields.remove(name);
        }
    }
    let mut digest = sha2::Sha256::new();
    digest.update(value.to_string().as_bytes());
    if let Some(goroot) = request.goroot() {
        // A Go distribution is named by where it is and which release it is; its files are not hashed.
        digest.update(goroot.as_os_str().as_encoded_bytes());
        digest.update([0]);
        digest.update(std::fs::read(goroot.join("VERSION")).unwrap_or_default());
    }
    Ok(sha256_of(digest))
}

/// The digest of what the analysis of `sources` reads; `None` when a source names a path of this machine and
/// paths are not allowed.
fn input_digest(sources: &[Source], allow_paths: bool) -> Result<Option<Sha256>, String> {
    let mut digest = sha2::Sha256::new();
    for source in sources {
        let field = |digest: &mut sha2::Sha256, bytes: &[u8]| {
            digest.update((bytes.len() as u64).to_le_bytes());
            digest.update(bytes);
        };
        match source {
            Source::Path(path) => {
                if !allow_paths {
                    return Ok(None);
                }
                field(&mut digest, b"path");
                let tree = crate::bundle::digest(path).map_err(|err| err.to_string())?;
                field(&mut digest, &tree);
            }
            Source::Bundle { file, mount, root } => {
                field(&mut digest, b"bundle");
                field(&mut digest, file.sha256.as_str().as_bytes());
                field(&mut digest, mount.as_os_str().as_encoded_bytes());
                field(&mut digest, root.as_os_str().as_encoded_bytes());
            }
            Source::Artifact {
                at,
                name,
                mount,
                read,
            } => {
                field(&mut digest, b"artifact");
                field(&mut digest, name.as_bytes());
                field(&mut digest, mount.as_os_str().as_encoded_bytes());
                let read = serde_json::to_vec(read).map_err(|err| err.to_string())?;
                field(&mut digest, &read);
                match at {
                    ArtifactAt::File(file) => field(&mut digest, file.sha256.as_str().as_bytes()),
                    ArtifactAt::Path(path) => {
                        if !allow_paths {
                            return Ok(None);
                        }
                        let identity =
                            crate::bundle::file_identity(path).map_err(|err| err.to_string())?;
                        field(&mut digest, &identity);
                    }
                    ArtifactAt::Git { repo, rev } => {
                        if !allow_paths {
                            return Ok(None);
                        }
                        let commit = gofed_artifact::git::commit_of(repo, rev)
                            .map_err(|err| err.to_string())?;
                        field(&mut digest, b"git");
                        field(&mut digest, repo.as_os_str().as_encoded_bytes());
                        field(&mut digest, commit.as_bytes());
                    }
                }
            }
        }
    }
    Ok(Some(sha256_of(digest)))
}

fn sha256_of(digest: sha2::Sha256) -> Sha256 {
    Sha256::from(<[u8; 32]>::from(digest.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marking_sets_meta_cached_in_json_and_the_flag_on_text() {
        let json = Rendered::json(&serde_json::json!({
            "packages": [{"doc": "say \"cached\": false here"}],
            "meta": {"cached": false},
        }))
        .expect("json");
        let marked = mark_cached(json);
        assert!(marked.cached);
        let Output::Json(raw) = &marked.output else {
            panic!("json stays json")
        };
        let value: serde_json::Value = serde_json::from_str(raw.get()).expect("valid json");
        assert_eq!(value["meta"]["cached"], true);
        assert_eq!(value["packages"][0]["doc"], "say \"cached\": false here");

        let text = mark_cached(Rendered::text("pkg p, func F()\n".into()));
        assert!(text.cached);
        assert_eq!(text.output, Output::Text("pkg p, func F()\n".into()));
    }
}
