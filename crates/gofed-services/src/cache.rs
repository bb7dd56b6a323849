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

    /// The stored result of `key`, as it was rendered, or with `cached` as answered from the store (see
    /// [`mark_cached`]); `None` when there is none or it cannot be read.
    pub(crate) async fn get(&self, key: &ResultKey, cached: bool) -> Option<Rendered> {
        let bytes = match self.store.get_result(key).await {
            Ok(bytes) => bytes?,
            Err(err) => {
                tracing::warn!(%key, "result cache: not read, analysing again: {err}");
                return None;
            }
        };
        match read_stored_as(bytes, cached) {
            Ok(rendered) => Some(rendered),
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

/// The last bytes of a result stored by [`written`]; before them, the head's length (4 bytes, little-endian), and
/// before that the head ([`StoredHead`], JSON) after the document.
const STORED_TRAILER: &[u8] = b"\0gofed-rendered 2";

/// The first line of a result stored as gofed 0.1 stored them until the document came first (the storage views
/// still read those): [`StoredHead`]'s line and the document after it. A stored result with neither is the JSON
/// of a [`Rendered`], as gofed stored results before that (a JSON text never starts or ends with NUL).
const STORED_MAGIC: &[u8] = b"\0gofed-rendered 1\n";

/// Everything of a stored [`Rendered`] but the document.
#[derive(Serialize, serde::Deserialize)]
struct StoredHead {
    exit_code: u8,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    diagnostics: Vec<String>,
    /// `json` or `text`: what the document is.
    output: String,
}

/// `rendered` as stored, compressed as it is written: the document's bytes as they are printed, then its
/// [`StoredHead`] and [`STORED_TRAILER`]. A cached answer is then the document itself, not a JSON string to
/// unescape (a whole-tree API is megabytes of text), where it was decompressed: the head is cut off the end.
pub(crate) fn written(rendered: &Rendered) -> std::io::Result<ResultWriter> {
    use std::io::Write as _;
    let (kind, document) = match &rendered.output {
        Output::Json(raw) => ("json", raw.get()),
        Output::Text(text) => ("text", text.as_str()),
    };
    let head = serde_json::to_vec(&StoredHead {
        exit_code: rendered.exit_code,
        diagnostics: rendered.diagnostics.clone(),
        output: kind.to_owned(),
    })?;
    let head_length = u32::try_from(head.len()).map_err(std::io::Error::other)?;
    let mut out = ResultWriter::new()?;
    out.write_all(document.as_bytes())?;
    out.write_all(&head)?;
    out.write_all(&head_length.to_le_bytes())?;
    out.write_all(STORED_TRAILER)?;
    Ok(out)
}

/// A result stored by [`written`] (or as gofed stored them before), as it was rendered.
pub(crate) fn read_stored(bytes: Vec<u8>) -> Result<Rendered, String> {
    read_stored_as(bytes, false)
}

/// [`read_stored`], or with `cached`, [`mark_cached`] of it: a JSON document is marked before it is checked as
/// JSON, once (a whole-tree API is megabytes of JSON).
fn read_stored_as(mut bytes: Vec<u8>, cached: bool) -> Result<Rendered, String> {
    let head: StoredHead = if let Some(rest) = bytes.strip_prefix(STORED_MAGIC) {
        let line = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or("no line after the magic")?;
        let head = serde_json::from_slice(&rest[..line]).map_err(|err| err.to_string())?;
        bytes.drain(..STORED_MAGIC.len() + line + 1);
        head
    } else if let Some(rest) = bytes.strip_suffix(STORED_TRAILER) {
        let (rest, length) = rest.split_last_chunk::<4>().ok_or("no head length")?;
        let document_length = usize::try_from(u32::from_le_bytes(*length))
            .ok()
            .and_then(|length| rest.len().checked_sub(length))
            .ok_or("a head longer than the result")?;
        let head = serde_json::from_slice(&rest[document_length..])
            .map_err(|err| format!("the head: {err}"))?;
        bytes.truncate(document_length);
        head
    } else {
        let rendered = serde_json::from_slice(&bytes).map_err(|err| err.to_string())?;
        return Ok(if cached {
            mark_cached(rendered)
        } else {
            rendered
        });
    };
    let document = String::from_utf8(bytes).map_err(|err| format!("the document: {err}"))?;
    let output = match head.output.as_str() {
        "text" => Output::Text(document),
        "json" => {
            let document = match cached.then(|| marked(&document)).flatten() {
                Some(marked) => marked,
                None => document,
            };
            Output::Json(
                RawValue::from_string(document).map_err(|err| format!("the document: {err}"))?,
            )
        }
        other => return Err(format!("unknown document kind {other:?}")),
    };
    Ok(Rendered {
        output,
        exit_code: head.exit_code,
        diagnostics: head.diagnostics,
        cached,
    })
}

/// `rendered` as answered from the store: [`Rendered::cached`] set and, in a JSON document, `meta.cached` true.
/// `cached` is a member of `meta` only, and a JSON string cannot hold `"cached": false` unescaped, so the one
/// occurrence is the member itself; a document without exactly one (none has) is left as it is.
pub(crate) fn mark_cached(mut rendered: Rendered) -> Rendered {
    rendered.cached = true;
    if let Output::Json(raw) = &rendered.output {
        if let Some(Ok(marked)) = marked(raw.get()).map(RawValue::from_string) {
            rendered.output = Output::Json(marked);
        }
    }
    rendered
}

/// The JSON document `text` with `meta.cached` true, if it has the one `"cached": false` (see [`mark_cached`]).
fn marked(text: &str) -> Option<String> {
    (text.matches(NOT_CACHED).count() == 1).then(|| text.replacen(NOT_CACHED, CACHED, 1))
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
                    ArtifactAt::Git { repo, rev, dir } => {
                        if !allow_paths {
                            return Ok(None);
                        }
                        let commit = gofed_artifact::git::commit_of(repo, rev)
                            .map_err(|err| err.to_string())?;
                        field(&mut digest, b"git");
                        field(&mut digest, repo.as_os_str().as_encoded_bytes());
                        field(&mut digest, commit.as_bytes());
                        field(&mut digest, dir.as_bytes());
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

    #[tokio::test]
    async fn stored_results_read_back_as_rendered() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open_sqlite(dir.path()).await.expect("store");
        let text = Rendered {
            output: Output::Text("pkg p, func F()\npkg p, const C = \"\\n\"\n".into()),
            exit_code: 2,
            diagnostics: vec!["p.go:1:1: expected 'package'\nsecond line".into()],
            cached: false,
        };
        let json = Rendered::json(&serde_json::json!({"a": ["\n", 1], "meta": {"cached": false}}))
            .expect("json");
        let empty = Rendered::text(String::new());
        for (n, rendered) in [text, json, empty].into_iter().enumerate() {
            let key = ResultKey {
                action: "api_analysis".into(),
                input_digest: Sha256::of(&[n as u8]),
                options_digest: Sha256::of(b""),
                engine_version: ENGINE.into(),
            };
            let written = written(&rendered).expect("written");
            store
                .put_written_result(&key, written, None)
                .await
                .expect("put");
            let bytes = store.get_result(&key).await.expect("get").expect("stored");
            assert!(bytes.ends_with(STORED_TRAILER));
            assert_eq!(read_stored(bytes.clone()).expect("read"), rendered);
            assert_eq!(
                read_stored_as(bytes, true).expect("read as cached"),
                mark_cached(rendered.clone())
            );
            // As gofed stored results before the document came first.
            let (kind, document) = match &rendered.output {
                Output::Json(raw) => ("json", raw.get()),
                Output::Text(text) => ("text", text.as_str()),
            };
            let head = serde_json::to_string(&StoredHead {
                exit_code: rendered.exit_code,
                diagnostics: rendered.diagnostics.clone(),
                output: kind.into(),
            })
            .expect("head");
            let first = [STORED_MAGIC, head.as_bytes(), b"\n", document.as_bytes()].concat();
            assert_eq!(read_stored(first).expect("read head first"), rendered);
            // As gofed stored results before: the JSON of the whole Rendered.
            let legacy = serde_json::to_vec(&rendered).expect("legacy");
            assert_eq!(read_stored(legacy).expect("read legacy"), rendered);
        }
    }

    #[test]
    fn damaged_stored_results_are_errors() {
        let stored = |tail: &[u8]| [STORED_MAGIC, tail].concat();
        let trailed = |document: &[u8], head: &[u8], length: u32| {
            [document, head, &length.to_le_bytes(), STORED_TRAILER].concat()
        };
        for (bytes, says) in [
            (stored(b"{\"exit_code\":0,\"output\":\"text\"}"), "no line"),
            (stored(b"{\"exit_code\":0}\nx"), "output"),
            (
                stored(b"{\"exit_code\":0,\"output\":\"html\"}\nx"),
                "unknown document kind",
            ),
            (
                stored(b"{\"exit_code\":0,\"output\":\"text\"}\n\xff\xfe"),
                "the document",
            ),
            (
                stored(b"{\"exit_code\":0,\"output\":\"json\"}\n{\"a\":"),
                "the document",
            ),
            (b"{\"output\":".to_vec(), "EOF"),
            (Vec::new(), "EOF"),
            (trailed(b"doc", b"{}", 2), "the head"),
            (
                trailed(b"doc", b"{\"exit_code\":0,\"output\":\"text\"}", 99),
                "longer",
            ),
            (trailed(b"", b"", 0).split_off(1), "no head length"),
            (
                trailed(b"\xff", b"{\"exit_code\":0,\"output\":\"text\"}", 31),
                "the document",
            ),
        ] {
            let err = read_stored(bytes).expect_err(says);
            assert!(err.contains(says), "{err:?} should say {says:?}");
        }
    }

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
